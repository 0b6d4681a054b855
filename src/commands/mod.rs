//! One module per command; each turns its arguments into the pipeline's options, calls it,
//! renders the result and says how the run ended.

pub(crate) mod analyze;
pub(crate) mod budgets;
pub(crate) mod check;
pub(crate) mod init;
pub(crate) mod optimize;

use crate::ExitStatus;
use crate::args::{Cli, ColorChoice, Command};
use distill_fs::output::{self, OutputError};
use distill_graph::{Code, Diagnostic};
use std::io::{IsTerminal, Write};
use std::path::Path;

pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let color = cli.color;
    match cli.command {
        Command::Analyze(args) => analyze::run(args, color),
        Command::Check(args) => check::run(args, color),
        Command::Optimize(args) => optimize::run(args, color),
        Command::Init(args) => init::run(args),
        Command::Budgets(command) => budgets::run(command),
    }
}

/// Whether to colour what goes to stdout.
pub(crate) fn stdout_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

/// How many diagnostics of one code are printed; the JSON report keeps more.
const PRINTED_PER_CODE: usize = 20;

/// Prints diagnostics to stderr, errors last so they are what a person sees, at most
/// [`PRINTED_PER_CODE`] of each code.
pub(crate) fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let capped = distill_graph::cap_diagnostics(diagnostics.to_vec(), PRINTED_PER_CODE);
    let mut sorted: Vec<&Diagnostic> = capped.iter().collect();
    sorted.sort_by_key(|d| d.severity);
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for d in sorted {
        let _ = writeln!(err, "{d}");
    }
}

pub(crate) fn fail(d: Diagnostic) -> ExitStatus {
    print_diagnostics(&[d]);
    ExitStatus::Error
}

/// An output error as a diagnostic with its stable code.
pub(crate) fn output_diagnostic(e: &OutputError) -> Diagnostic {
    let code = if e.is_refusal() {
        Code::OutputRefused
    } else {
        Code::OutputWriteFailed
    };
    let hint = if e.is_refusal() {
        "name another file for the report"
    } else {
        "check that the folder exists, is writable and has space"
    };
    Diagnostic::error(code, e.to_string()).hint(hint)
}

/// Refuses report paths that would destroy an input or collide, before any work.
pub(crate) fn check_outputs(outputs: &[&Path], build: &Path) -> Result<(), ExitStatus> {
    output::check_targets(outputs, Some(build)).map_err(|e| fail(output_diagnostic(&e)))
}

/// Writes one report file; a failure is a diagnostic and exit 2, never a panic.
pub(crate) fn write_output(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ExitStatus> {
    output::write(path, render).map_err(|e| fail(output_diagnostic(&e)))
}
