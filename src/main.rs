//! The `distill` binary: parse arguments, run the command, map the outcome to an exit code.

mod args;
mod commands;
mod progress;

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
    // An interrupted run leaves no temporary file behind: every file it was replacing is still
    // the old one, and the half-written new one is removed.
    let _ = ctrlc::set_handler(|| {
        distill_fs::remove_temporary_files();
        std::process::exit(130);
    });
    let result = commands::run(cli);
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
            eprintln!("error: {}", distill_graph::printable(&format!("{err:#}")));
            ExitStatus::Error.into()
        }
    }
}
