//! `distill check [DIR]`: measure the build, evaluate the budgets (and growth against a
//! baseline), write every requested format. Exit 0 all pass (warnings allowed), 1 a budget
//! failed, 2 bad input or a tool failure.

use crate::ExitStatus;
use crate::args::{CheckArgs, ColorChoice, Format};
use crate::commands::{check_outputs, fail, print_diagnostics, stdout_color, write_output};
use crate::progress::Bar;
use anyhow::Context;
use distill_pipeline::{CheckOptions, Outcome};
use distill_report::{Options, budgets, github, html, json, junit, markdown};
use distill_schema::Report;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) fn run(args: CheckArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    let dir = match distill_pipeline::build_dir(args.dir.as_deref(), &cwd) {
        Ok(d) => d,
        Err(d) => return Ok(fail(d)),
    };
    let outputs: Vec<&Path> = args
        .format
        .iter()
        .filter_map(|t| t.path.as_deref())
        .chain(args.html.as_deref())
        .collect();
    if let Err(status) = check_outputs(&outputs, &dir) {
        return Ok(status);
    }
    let options = CheckOptions {
        dir: dir.clone(),
        budgets: args.budgets.clone(),
        baseline: args.baseline.clone(),
        attribution: args.attribution,
        cache: args.cache.choice(),
        progress: Arc::new(Bar::stderr()),
        cwd,
    };
    let checked = match distill_pipeline::check(&options) {
        Ok(c) => c,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            return Ok(ExitStatus::Error);
        }
    };
    let report = &checked.report;
    let mut status = match checked.outcome {
        Outcome::Pass => ExitStatus::Success,
        Outcome::Fail => ExitStatus::Failure,
    };
    for target in &args.format {
        let render = Options {
            root: dir.display().to_string(),
            top: 10,
            color: target.path.is_none() && stdout_color(color),
        };
        let draw = |out: &mut dyn Write| render_format(target.format, report, &render, out);
        match &target.path {
            Some(path) => {
                if let Err(s) = write_output(path, draw) {
                    status = s;
                }
            }
            None => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                draw(&mut out)?;
                out.flush()?;
            }
        }
    }
    if let Some(path) = &args.html {
        let render = Options {
            root: dir.display().to_string(),
            ..Options::default()
        };
        if let Err(s) = write_output(path, |out| html::write(report, &render, out)) {
            status = s;
        }
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        // The runner owns this file and reads it after the step: append, as GitHub documents.
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&summary)
            .with_context(|| {
                format!(
                    "cannot append to GITHUB_STEP_SUMMARY ({})",
                    PathBuf::from(&summary).display()
                )
            })?;
        f.write_all(markdown::render(report).as_bytes())?;
    }
    print_diagnostics(&report.diagnostics);
    Ok(status)
}

fn render_format(
    format: Format,
    report: &Report,
    options: &Options,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => budgets::write(report, options, out),
        Format::Json => json::write(report, options, out),
        Format::Markdown => markdown::write(report, options, out),
        Format::Junit => junit::write(report, options, out),
        Format::Github => github::write(report, options, out),
    }
}
