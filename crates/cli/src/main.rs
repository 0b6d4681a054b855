//! The `distill` binary: parse arguments, run the command, map the outcome to an exit code.

mod args;
mod commands;
mod writer;

use clap::Parser;
use std::process::ExitCode;

/// What a run amounts to; `Failure` is a result (a budget failed), `Error` a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    Failure,
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let result = match cli.command {
        args::Command::Analyze(args) => commands::analyze::run(args),
        args::Command::Check(args) => commands::check::run(args),
        args::Command::Budgets(command) => commands::budgets::run(command),
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe (`distill analyze | head`) is the reader's choice, not our failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::from(0);
            }
            eprintln!("error: {err:#}");
            ExitStatus::Error.into()
        }
    }
}
