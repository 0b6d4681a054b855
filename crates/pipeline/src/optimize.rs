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
    /// Next.js: the `public/` folder (served from the project root, never copied into `.next`)
    /// whose images the images stage optimizes too; found beside `.next` when `None`.
    pub public: Option<PathBuf>,
    /// The split stage's limit was not given: take the smallest `max` of the budgets that
    /// hold each script alone, measured raw, when there are such budgets.
    pub split_limit_from_budgets: bool,
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
    let next = ingested
        .build
        .framework
        .is_some_and(distill_graph::Framework::is_next);
    let mut stages = options.stages.clone();
    stages.cache = options.cache.open(&options.dir);
    stages.progress = options.progress.clone();
    if options.split_limit_from_budgets
        && let (Some(split), Some(found)) = (&mut stages.split, &found)
        && let Some(limit) = each_script_limit(&found.budgets)
    {
        *split = distill_optimize::split::Options::for_limit(limit, split.vendor);
    }
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
    let mut stage_reports = done.stages;
    if next && let Some(images) = &stages.images {
        match public_images(options, &output, images, &stages) {
            Ok(Some((report, notes))) => {
                stage_reports.push(report);
                diagnostics.extend(notes);
            }
            Ok(None) => {}
            Err(d) => diagnostics.push(d),
        }
    }
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
        stages: stage_reports,
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

/// Next.js serves `public/` from the project root, outside `.next`: its images get the images
/// stage too. With `--in-place` they are replaced where they are; with `--out OUT` they go to
/// `OUT/../public`, so `OUT` and its `public` sit side by side as `.next` and `public` do.
fn public_images(
    options: &OptimizeOptions,
    output: &std::path::Path,
    images: &distill_optimize::images::Options,
    stages: &distill_optimize::Options,
) -> Result<Option<(distill_schema::StageReport, Vec<Diagnostic>)>, Diagnostic> {
    let public = match &options.public {
        Some(p) => p.clone(),
        None => match options
            .dir
            .canonicalize()
            .ok()
            .and_then(|d| d.parent().map(|p| p.join("public")))
        {
            Some(p) if p.is_dir() => p,
            _ => return Ok(None),
        },
    };
    let source = FsSource::open(&public)?;
    let Ok(ingested) = distill_ingest::ingest(&source) else {
        return Ok(None); // an empty public/
    };
    let target = match &options.target {
        Target::InPlace => Target::InPlace,
        Target::Out { force, .. } => {
            let Some(dest) = output.parent().map(|p| p.join("public")) else {
                return Ok(None);
            };
            if dest.canonicalize().ok() == public.canonicalize().ok() {
                return Err(Diagnostic::info(
                    distill_graph::Code::OptimizeRefused,
                    format!(
                        "the optimized images of {} would go to {} itself; not optimized",
                        public.display(),
                        dest.display()
                    ),
                )
                .hint("use --in-place, or an --out folder whose parent is not the project"));
            }
            Target::Out {
                dir: dest,
                force: *force,
            }
        }
    };
    let only_images = distill_optimize::Options {
        minify: None,
        images: Some(images.clone()),
        compress: None,
        ..stages.clone()
    };
    let done = distill_optimize::optimize(&source, &ingested.build, &only_images);
    let written =
        write::write(&public, &done.overlay, &target, &|_| false).map_err(|r| r.diagnostic())?;
    let mut notes = done.diagnostics;
    notes.extend(written.diagnostics);
    notes.push(
        Diagnostic::info(
            distill_graph::Code::OptimizeNextImage,
            "images shown through next/image are resized and re-encoded by Next.js when requested; these are the files as public/ serves them to everything else",
        )
        .at(public.display().to_string()),
    );
    let Some(mut report) = done.stages.into_iter().next() else {
        return Ok(None);
    };
    for c in &mut report.changes {
        c.path = format!("public/{}", c.path);
        if let Some(w) = &mut c.written {
            *w = format!("public/{w}");
        }
    }
    report
        .settings
        .push_str("; in public/, served from the project root");
    Ok(Some((report, notes)))
}

/// Folders a copy of the build leaves out: Next's build cache (tens of megabytes, never
/// deployed) and dependency folders.
fn skip_dirs(framework: Option<distill_graph::Framework>) -> impl Fn(&str) -> bool {
    let next = framework.is_some_and(distill_graph::Framework::is_next);
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

/// The smallest raw `max` among budgets that hold every script alone (`each`, selecting
/// scripts or every file).
fn each_script_limit(file: &distill_budgets::BudgetsFile) -> Option<u64> {
    file.budgets
        .iter()
        .filter(|b| {
            b.each
                && (b.select.types.is_empty()
                    || b.select.types.contains(&distill_graph::FileKind::Script))
                && b.compression.or(file.compression) == Some(distill_schema::Compression::None)
        })
        .filter_map(|b| b.max.map(|m| m.0))
        .min()
}
