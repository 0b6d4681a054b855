//! `distill budgets convert FILE` and `distill budgets schema`.

use crate::ExitStatus;
use crate::args::BudgetsCommand;
use crate::commands::{fail, print_diagnostics};
use std::io::Write;

pub(crate) fn run(command: BudgetsCommand) -> anyhow::Result<ExitStatus> {
    match command {
        BudgetsCommand::Schema => {
            std::io::stdout().write_all(distill_budgets::json_schema().as_bytes())?;
            Ok(ExitStatus::Success)
        }
        BudgetsCommand::Convert { file, build_dir } => {
            match distill_pipeline::budgets::convert(&file, &build_dir) {
                Ok((budgets, notices)) => {
                    print_diagnostics(&notices);
                    let mut out = std::io::stdout().lock();
                    serde_json::to_writer_pretty(&mut out, &budgets)?;
                    writeln!(out)?;
                    Ok(ExitStatus::Success)
                }
                Err(d) => Ok(fail(d)),
            }
        }
    }
}
