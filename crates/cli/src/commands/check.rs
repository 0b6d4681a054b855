//! `distill check [DIR]`: measure the build, evaluate the budgets (and growth against a
//! baseline), write every requested format. Exit 0 all pass (warnings allowed), 1 a budget
//! failed, 2 bad input or a tool failure.

use crate::args::{CheckArgs, Format};
use crate::commands::budgets::config_diagnostic;
use crate::commands::{display, fail, load, print_diagnostics};
use crate::{ExitStatus, writer};
use anyhow::{Context, Result};
use distill_budgets::{BudgetsFile, import};
use distill_graph::{Code, Diagnostic, Encoding};
use distill_report::json::{BudgetsReport, Report};
use distill_report::{diff, github, html, json, junit, markdown, verdicts};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: CheckArgs) -> Result<ExitStatus> {
    let dir = match crate::commands::build_dir(args.dir.clone()) {
        Ok(d) => d,
        Err(d) => return Ok(fail(d)),
    };
    let (budgets_name, budgets, notices) = match load_budgets(args.budgets.as_deref(), &dir) {
        Ok(found) => found,
        Err(d) => return Ok(fail(d)),
    };
    let baseline = match &args.baseline {
        Some(path) => match read_baseline(path) {
            Ok(b) => Some(b),
            Err(d) => return Ok(fail(d)),
        },
        None => None,
    };

    // Measure what the budgets need, and what the baseline has so deltas compare like with like.
    let mut encodings = budgets.encodings();
    if let Some(b) = &baseline {
        encodings.extend(b.encoders.iter().map(|e| e.encoding));
    }
    encodings.push(Encoding::Raw);
    encodings.sort();
    encodings.dedup();
    let (dir, analysis, mut diagnostics) =
        match load(Some(dir), &encodings, args.no_cache, args.attribution) {
            Ok(loaded) => loaded,
            Err(status) => return Ok(status),
        };
    diagnostics.extend(notices);

    let mut report = Report::from_analysis(&analysis, &diagnostics);
    if let (Some(base), Some(path)) = (&baseline, &args.baseline) {
        report.diff = Some(diff::diff(&report, base, &display(path)));
    }
    let verdicts = match distill_budgets::evaluate(&budgets, &report, baseline.as_ref()) {
        Ok(v) => v,
        Err(errors) => {
            let diags: Vec<Diagnostic> = errors
                .iter()
                .map(|e| config_diagnostic(&budgets_name, e))
                .collect();
            print_diagnostics(&diags);
            return Ok(ExitStatus::Error);
        }
    };
    report.budgets = Some(BudgetsReport {
        source: budgets_name,
        verdicts,
    });

    let root = display(&dir);
    for target in &args.format {
        let render = |out: &mut dyn Write| -> std::io::Result<()> {
            match target.format {
                Format::Human => {
                    let setting = format!(
                        "{} · {}",
                        root,
                        analysis.build.framework.map_or("unknown", |f| f.label())
                    );
                    writeln!(out, "{setting}")?;
                    verdicts::write(&report.budgets.as_ref().expect("set above").verdicts, out)
                }
                Format::Json => json::write(&report, out),
                Format::Markdown => markdown::write(&report, out),
                Format::Junit => junit::write(&report, out),
                Format::Github => github::write(&report, &root, out),
            }
        };
        match &target.path {
            Some(path) => writer::write_atomic(path, render)?,
            None => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                render(&mut out)?;
                out.flush()?;
            }
        }
    }
    if let Some(path) = &args.html {
        writer::write_atomic(path, |out| html::write(&report, out))?;
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
        f.write_all(markdown::render(&report).as_bytes())?;
    }
    print_diagnostics(&diagnostics);
    let verdicts = &report.budgets.as_ref().expect("set above").verdicts;
    Ok(if verdicts.iter().any(|v| v.status == "fail") {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The budgets file named, or found: `budgets.json` beside the build folder (its project root)
/// or in the current folder, then the `"distill"` key of `package.json` in the same places.
fn load_budgets(
    named: Option<&Path>,
    dir: &Path,
) -> Result<(String, BudgetsFile, Vec<Diagnostic>), Diagnostic> {
    let project = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf));
    let path = match named {
        Some(p) => p.to_path_buf(),
        None => {
            let mut roots: Vec<PathBuf> = project.iter().cloned().collect();
            roots.push(PathBuf::from("."));
            let candidates = roots
                .iter()
                .map(|r| r.join("budgets.json"))
                .chain(roots.iter().map(|r| r.join("package.json")));
            let mut found = None;
            for c in candidates {
                let is_pkg = c.file_name().is_some_and(|n| n == "package.json");
                if c.is_file()
                    && (!is_pkg
                        || std::fs::read_to_string(&c).is_ok_and(|t| t.contains("\"distill\"")))
                {
                    found = Some(c);
                    break;
                }
            }
            found.ok_or_else(|| {
                Diagnostic::error(Code::BudgetConfig, "no budgets: no budgets.json beside the build folder or here, and no \"distill\" key in package.json")
                    .hint("pass `--budgets FILE`, or start from budgets.example.json (size-limit, bundlesize, bundlewatch, angular.json and Lighthouse files work too)")
            })?
        }
    };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Diagnostic::error(Code::BudgetConfig, format!("cannot read the budgets: {e}"))
            .at(name.clone())
    })?;
    // Globs written from the file's folder (`dist/assets/*.js`) lose the build folder prefix.
    let prefix = path
        .parent()
        .and_then(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".").canonicalize().ok()
            } else {
                p.canonicalize().ok()
            }
        })
        .zip(dir.canonicalize().ok())
        .and_then(|(base, d)| {
            d.strip_prefix(&base)
                .ok()
                .map(|r| format!("{}/", r.display()))
        })
        .unwrap_or_default();
    let imported = import::read(&name, &text, &prefix).map_err(|e| config_diagnostic(&name, &e))?;
    let mut notices = Vec::new();
    if imported.format != import::Format::Distill {
        notices.push(
            Diagnostic::info(
                Code::BudgetConfig,
                format!("read as {}", imported.format.label()),
            )
            .at(name.clone())
            .hint(format!(
                "`distill budgets convert {name}` prints the equivalent budgets.json"
            )),
        );
    }
    notices.extend(
        imported
            .notices
            .into_iter()
            .map(|n| Diagnostic::info(Code::BudgetConfig, n).at(name.clone())),
    );
    Ok((name, imported.budgets, notices))
}

fn read_baseline(path: &Path) -> Result<Report, Diagnostic> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error(
            Code::BudgetBaseline,
            format!("cannot read the baseline: {e}"),
        )
        .at(name.clone())
    })?;
    diff::read_baseline(&text).map_err(|e| {
        let mut d = Diagnostic::error(Code::BudgetBaseline, e.to_string())
            .at(name.clone())
            .hint("write a baseline with `distill analyze DIR --json FILE` (or `check --format json=FILE`) on the earlier build");
        if let diff::BaselineError::Parse { line, column, .. } = e
            && line > 0
        {
            d = d.at_position(line, column);
        }
        d
    })
}
