//! Ingest and analyze one build folder.

use distill_analyze::{Analysis, Attribution};
use distill_compress::SizeCache;
use distill_fs::FsSource;
use distill_graph::{Code, Diagnostic, Encoding};
use std::path::{Path, PathBuf};

/// The folders a build usually writes to, in the order `DIR` defaults to them.
const DEFAULT_DIRS: [&str; 4] = ["dist", ".next", "build", "out"];

/// The build folder the user named, or the first default one present in `cwd`.
pub fn build_dir(dir: Option<&Path>, cwd: &Path) -> Result<PathBuf, Diagnostic> {
    if let Some(dir) = dir {
        return Ok(dir.to_path_buf());
    }
    DEFAULT_DIRS
        .iter()
        .map(|d| cwd.join(d))
        .find(|p| p.is_dir())
        .map(|p| p.strip_prefix(cwd).map(Path::to_path_buf).unwrap_or(p))
        .ok_or_else(|| {
            Diagnostic::error(
                Code::InputNotFound,
                "no build folder given and none of dist/, .next/, build/, out/ here",
            )
            .hint("pass the folder your build writes to: `distill analyze path/to/dist`")
        })
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Encodings to measure besides raw.
    pub encodings: Vec<Encoding>,
    pub attribution: Attribution,
    /// Compressed sizes of earlier runs: on unless `--no-cache` (or `DISTILL_NO_CACHE`).
    pub cache: bool,
}

/// A measured build and everything noticed on the way, ingest's diagnostics first.
#[derive(Debug)]
pub struct Loaded {
    pub analysis: Analysis,
    pub diagnostics: Vec<Diagnostic>,
}

/// Ingests and measures `dir`. An `Err` is a diagnostic for a build that cannot be analyzed at
/// all (exit 2); problems with parts of it come back with the analysis.
pub fn load(dir: &Path, options: &LoadOptions) -> Result<Loaded, Diagnostic> {
    let source = FsSource::open(dir)?;
    let ingested = distill_ingest::ingest(&source).map_err(|d| d.at(dir.display().to_string()))?;
    let mut analyze = distill_analyze::Options::with(&options.encodings);
    analyze.attribution = options.attribution;
    if options.cache {
        analyze.cache = SizeCache::from_env();
    }
    let analysis = distill_analyze::analyze(&source, ingested.build, &analyze);
    let mut diagnostics = ingested.diagnostics;
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    Ok(Loaded {
        analysis,
        diagnostics,
    })
}
