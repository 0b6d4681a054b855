//! `optimize`: refuse a bad target before any work, ingest, run the stages, write the result,
//! analyze what was written, and check budgets on it when there are any.

use crate::{CacheChoice, LoadOptions, Outcome, budgets, load};
use distill_analyze::Attribution;
use distill_fs::FsSource;
use distill_graph::{Diagnostic, Encoding, Progress, Severity};
use distill_optimize::write::{self, Target};
use distill_schema::{BudgetsReport, OptimizeReport, Report, VerdictStatus};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct OptimizeOptions {
    pub dir: PathBuf,
    pub target: Target,
    /// Which stages run, with their options (the cache in it is replaced by `cache`).
    pub stages: distill_optimize::Options,
    pub cache: CacheChoice,
    /// A budgets file to check the result against; without one, `budgets.json` (or the
    /// `distill` key of `package.json`) is used when found, and nothing is checked otherwise.
    pub budgets: Option<PathBuf>,
    pub attribution: Attribution,
    pub progress: Arc<dyn Progress + Send>,
    pub cwd: PathBuf,
}

/// The optimized build's report (with what each stage did, and verdicts when budgets were
/// found), and the decision.
#[derive(Debug)]
pub struct Optimized {
    pub report: Report,
    /// `Fail` when a budget failed on the optimized build.
    pub outcome: Outcome,
    /// Some file could not be written: the output is incomplete (exit 2).
    pub incomplete: bool,
}

/// Runs `optimize`. `Err` holds the diagnostics that stop it before anything is written.
pub fn optimize(options: &OptimizeOptions) -> Result<Optimized, Vec<Diagnostic>> {
    write::check(&options.dir, &options.target).map_err(|r| vec![r.diagnostic()])?;
    let found = match &options.budgets {
        Some(named) => {
            Some(budgets::discover(Some(named), &options.dir, &options.cwd).map_err(|d| vec![d])?)
        }
        None => budgets::discover(None, &options.dir, &options.cwd).ok(),
    };
    let source = FsSource::open(&options.dir).map_err(|d| vec![d])?;
    let ingested = distill_ingest::ingest(&source)
        .map_err(|d| vec![d.at(options.dir.display().to_string())])?;
    let skip = skip_dirs(ingested.build.framework);
    let mut stages = options.stages.clone();
    stages.cache = options.cache.open(&options.dir);
    stages.progress = options.progress.clone();
    let done = distill_optimize::optimize(&source, &ingested.build, &stages);
    let written = write::write(&options.dir, &done.overlay, &options.target, &skip)
        .map_err(|r| vec![r.diagnostic()])?;
    let output = match &options.target {
        Target::Out { dir, .. } => dir.clone(),
        Target::InPlace => options.dir.clone(),
    };

    let mut encodings = vec![
        Encoding::Raw,
        Encoding::Gzip,
        Encoding::Brotli,
        Encoding::Zstd,
    ];
    if let Some(f) = &found {
        encodings.extend(f.budgets.encodings());
    }
    encodings.sort();
    encodings.dedup();
    let load_options = LoadOptions {
        encodings,
        attribution: options.attribution,
        cache: options.cache.clone(),
        progress: options.progress.clone(),
        known: done.known.clone(),
    };
    let loaded = load(&output, &load_options, None).map_err(|d| vec![d])?;
    let mut diagnostics = ingested.diagnostics;
    diagnostics.extend(done.diagnostics);
    diagnostics.extend(written.diagnostics.iter().cloned());
    // What the analysis of the written folder says about files that are ours is not news.
    diagnostics.extend(loaded.diagnostics);
    let incomplete = written
        .diagnostics
        .iter()
        .any(|d| d.severity == Severity::Error);
    let mut report = distill_analyze::report(&loaded.analysis, &dedup(diagnostics));
    report.optimize = Some(OptimizeReport {
        input: options.dir.display().to_string(),
        output: output.display().to_string(),
        in_place: options.target == Target::InPlace,
        stages: done.stages,
    });
    let mut outcome = Outcome::Pass;
    if let Some(found) = found {
        let verdicts =
            distill_budgets::evaluate(&found.budgets, &report, None).map_err(|errors| {
                errors
                    .iter()
                    .map(|e| budgets::config_diagnostic(&found.name, e))
                    .collect::<Vec<_>>()
            })?;
        if verdicts.iter().any(|v| v.status == VerdictStatus::Fail) {
            outcome = Outcome::Fail;
        }
        report.diagnostics.extend(found.notices);
        report.budgets = Some(BudgetsReport {
            source: found.name,
            verdicts,
        });
    }
    Ok(Optimized {
        report,
        outcome,
        incomplete,
    })
}

/// Folders a copy of the build leaves out: Next's build cache (tens of megabytes, never
/// deployed) and dependency folders.
fn skip_dirs(framework: Option<distill_graph::Framework>) -> impl Fn(&str) -> bool {
    let next = matches!(
        framework,
        Some(distill_graph::Framework::NextTurbopack | distill_graph::Framework::NextWebpack)
    );
    move |dir: &str| {
        let top = dir.split('/').next().unwrap_or(dir);
        (next && top == "cache") || dir.rsplit('/').next() == Some("node_modules") || top == ".git"
    }
}

/// The same diagnostic from ingesting the input and the output is said once.
fn dedup(diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for d in diagnostics {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}
