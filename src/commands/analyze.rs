//! `distill analyze [DIR]`: ingest, measure, print the table, optionally write the JSON and HTML
//! reports.

use crate::ExitStatus;
use crate::args::{AnalyzeArgs, ColorChoice};
use crate::commands::{check_outputs, fail, print_diagnostics, stdout_color, write_output};
use crate::progress::Bar;
use distill_pipeline::LoadOptions;
use distill_report::{Options, html, human, json};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub(crate) fn run(args: AnalyzeArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    let dir = match distill_pipeline::build_dir(args.dir.as_deref(), &cwd) {
        Ok(d) => d,
        Err(d) => return Ok(fail(d)),
    };
    let outputs: Vec<&Path> = args
        .json
        .iter()
        .chain(&args.html)
        .map(std::path::PathBuf::as_path)
        .collect();
    if let Err(status) = check_outputs(&outputs, &dir) {
        return Ok(status);
    }
    let options = LoadOptions {
        encodings: args.encodings.clone(),
        attribution: args.attribution,
        cache: args.cache.choice(),
        progress: Arc::new(Bar::stderr()),
        known: Default::default(),
    };
    let loaded = match distill_pipeline::load(&dir, &options, None) {
        Ok(l) => l,
        Err(d) => return Ok(fail(d)),
    };
    let report = distill_analyze::report(&loaded.analysis, &loaded.diagnostics);
    let render = Options {
        root: dir.display().to_string(),
        top: args.top,
        color: stdout_color(color),
    };
    let mut status = ExitStatus::Success;
    if let Some(path) = &args.json
        && let Err(s) = write_output(path, |out| json::write(&report, &render, out))
    {
        status = s;
    }
    if let Some(path) = &args.html
        && let Err(s) = write_output(path, |out| html::write(&report, &render, out))
    {
        status = s;
    }
    if !args.quiet {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        human::write(&report, &render, &mut out)?;
        out.flush()?;
    }
    print_diagnostics(&loaded.diagnostics);
    Ok(status)
}
