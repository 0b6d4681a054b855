//! `distill budgets convert FILE` and `distill budgets schema`.

use crate::ExitStatus;
use crate::args::BudgetsCommand;
use crate::commands::{fail, print_diagnostics};
use anyhow::Result;
use distill_budgets::import;
use distill_graph::{Code, Diagnostic};
use std::io::Write;

pub fn run(command: BudgetsCommand) -> Result<ExitStatus> {
    match command {
        BudgetsCommand::Schema => {
            std::io::stdout().write_all(distill_budgets::json_schema().as_bytes())?;
            Ok(ExitStatus::Success)
        }
        BudgetsCommand::Convert { file, build_dir } => {
            let name = file.display().to_string();
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    return Ok(fail(
                        Diagnostic::error(Code::BudgetConfig, format!("cannot read: {e}")).at(name),
                    ));
                }
            };
            let prefix = format!("{}/", build_dir.trim_end_matches('/'));
            match import::read(&name, &text, &prefix) {
                Ok(imported) => {
                    let notices: Vec<Diagnostic> =
                        std::iter::once(format!("read as {}", imported.format.label()))
                            .chain(imported.notices)
                            .map(|n| Diagnostic::info(Code::BudgetConfig, n).at(name.clone()))
                            .collect();
                    print_diagnostics(&notices);
                    let mut budgets = imported.budgets;
                    budgets
                        .schema
                        .get_or_insert_with(|| "./budgets.schema.json".into());
                    let mut out = std::io::stdout().lock();
                    serde_json::to_writer_pretty(&mut out, &budgets)?;
                    writeln!(out)?;
                    Ok(ExitStatus::Success)
                }
                Err(e) => Ok(fail(config_diagnostic(&name, &e))),
            }
        }
    }
}

/// A budgets-file error as a diagnostic: file, line and column when known, JSON path and
/// budget name in the message.
pub fn config_diagnostic(file: &str, e: &distill_budgets::ConfigError) -> Diagnostic {
    let mut d = Diagnostic::error(Code::BudgetConfig, e.to_string())
        .at(file)
        .hint("see budgets.schema.json for every field; sizes need a unit: B, kB, KiB, MB, MiB");
    if let (Some(l), Some(c)) = (e.line, e.column) {
        d = d.at_position(l, c);
    }
    d
}
