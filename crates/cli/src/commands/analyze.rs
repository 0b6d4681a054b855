//! `distill analyze [DIR]`: ingest, measure, print the table, optionally write the JSON report.

use crate::args::AnalyzeArgs;
use crate::commands::{display, load, print_diagnostics};
use crate::{ExitStatus, writer};
use anyhow::Result;
use distill_report::{html, human, json};
use std::io::Write;

pub fn run(args: AnalyzeArgs) -> Result<ExitStatus> {
    let (dir, analysis, diagnostics) =
        match load(args.dir, &args.encodings, args.no_cache, args.attribution) {
            Ok(loaded) => loaded,
            Err(status) => return Ok(status),
        };

    let report = (args.json.is_some() || args.html.is_some())
        .then(|| json::Report::from_analysis(&analysis, &diagnostics));
    if let (Some(path), Some(report)) = (&args.json, &report) {
        writer::write_atomic(path, |out| json::write(report, out))?;
    }
    if let (Some(path), Some(report)) = (&args.html, &report) {
        writer::write_atomic(path, |out| html::write(report, out))?;
    }
    if !args.quiet {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        human::write(
            &analysis,
            &human::Options {
                top: args.top,
                root: display(&dir),
            },
            &mut out,
        )?;
        out.flush()?;
    }
    print_diagnostics(&diagnostics);
    Ok(ExitStatus::Success)
}
