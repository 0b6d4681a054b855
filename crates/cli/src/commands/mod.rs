pub mod analyze;
pub mod budgets;
pub mod check;

use crate::ExitStatus;
use distill_graph::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// The folders a build usually writes to, in the order `DIR` defaults to them.
const DEFAULT_DIRS: [&str; 4] = ["dist", ".next", "build", "out"];

/// The build folder the user named, or the first default one present.
pub fn build_dir(dir: Option<PathBuf>) -> Result<PathBuf, Diagnostic> {
    if let Some(dir) = dir {
        return Ok(dir);
    }
    DEFAULT_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_dir())
        .ok_or_else(|| {
            Diagnostic::error(
                Code::InputNotFound,
                "no build folder given and none of dist/, .next/, build/, out/ here",
            )
            .hint("pass the folder your build writes to: `distill analyze path/to/dist`")
        })
}

/// Prints diagnostics to stderr, errors last so they are what a person sees.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| d.severity);
    for d in sorted {
        eprintln!("{d}");
    }
}

pub fn fail(d: Diagnostic) -> ExitStatus {
    print_diagnostics(&[d]);
    ExitStatus::Error
}

/// Ingests and measures the build folder; an `Err` is the exit status after its diagnostic
/// was printed. Diagnostics of the run come back with the analysis.
pub fn load(
    dir: Option<PathBuf>,
    encodings: &[distill_graph::Encoding],
    no_cache: bool,
    attribution: distill_analyze::Attribution,
) -> Result<(PathBuf, distill_analyze::Analysis, Vec<Diagnostic>), ExitStatus> {
    let dir = build_dir(dir).map_err(fail)?;
    let source = distill_ingest::FsSource::open(&dir).map_err(fail)?;
    let ingested = distill_ingest::ingest(&source).map_err(|d| fail(d.at(display(&dir))))?;
    let mut options = distill_analyze::Options::with(encodings);
    options.attribution = attribution;
    if !no_cache {
        options.cache = distill_compress::SizeCache::from_env();
    }
    let analysis = distill_analyze::analyze(&source, ingested.build, &options);
    let mut diagnostics = ingested.diagnostics;
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    Ok((dir, analysis, diagnostics))
}

pub fn display(path: &Path) -> String {
    path.display().to_string()
}
