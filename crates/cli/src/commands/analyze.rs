//! `distill analyze [DIR]`: ingest, measure, print the table, optionally write the JSON report.

use crate::args::AnalyzeArgs;
use crate::commands::{build_dir, display, fail, print_diagnostics};
use crate::{ExitStatus, writer};
use anyhow::Result;
use distill_analyze::{Options, analyze};
use distill_ingest::{FsSource, ingest};
use distill_report::{html, human, json};
use std::io::Write;

pub fn run(args: AnalyzeArgs) -> Result<ExitStatus> {
    let dir = match build_dir(args.dir) {
        Ok(dir) => dir,
        Err(d) => return Ok(fail(d)),
    };
    let source = match FsSource::open(&dir) {
        Ok(s) => s,
        Err(d) => return Ok(fail(d)),
    };
    let ingested = match ingest(&source) {
        Ok(i) => i,
        Err(d) => return Ok(fail(d.at(display(&dir)))),
    };
    let analysis = analyze(&source, ingested.build, &Options::with(&args.encodings));
    let mut diagnostics = ingested.diagnostics;
    diagnostics.extend(analysis.diagnostics.iter().cloned());

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
