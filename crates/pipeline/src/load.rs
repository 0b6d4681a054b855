//! Ingest and analyze one build folder.

use distill_analyze::{Analysis, Attribution};
use distill_compress::{Cache, Settings};
use distill_fs::FsSource;
use distill_graph::{Code, Diagnostic, Encoding, NoProgress, Progress};
use distill_schema::Report;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// Where compressed sizes and bytes of earlier runs are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheChoice {
    /// `$DISTILL_CACHE_DIR`, the project's `node_modules/.cache/distill`, or the user cache.
    Default,
    /// `--cache-dir DIR`.
    At(PathBuf),
    /// `--no-cache`.
    Off,
}

impl CacheChoice {
    /// The cache for a build in `dir`.
    pub fn open(&self, dir: &Path) -> Cache {
        match self {
            CacheChoice::Default => {
                let project = dir
                    .canonicalize()
                    .ok()
                    .and_then(|d| d.parent().map(Path::to_path_buf));
                Cache::from_env(project.as_deref())
            }
            CacheChoice::At(path) => Cache::at(path),
            CacheChoice::Off => Cache::disabled(),
        }
    }
}

/// What to measure.
#[derive(Clone)]
pub struct LoadOptions {
    /// Encodings to measure besides raw.
    pub encodings: Vec<Encoding>,
    pub attribution: Attribution,
    pub cache: CacheChoice,
    pub progress: Arc<dyn Progress + Send>,
    /// Compressed sizes known already, by (content hash, encoding), at the default settings.
    pub known: BTreeMap<(String, Encoding), u64>,
}

impl std::fmt::Debug for LoadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadOptions")
            .field("encodings", &self.encodings)
            .field("attribution", &self.attribution)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl LoadOptions {
    pub fn new(encodings: Vec<Encoding>) -> LoadOptions {
        LoadOptions {
            encodings,
            attribution: Attribution::Compressed,
            cache: CacheChoice::Default,
            progress: Arc::new(NoProgress),
            known: BTreeMap::new(),
        }
    }
}

/// A measured build and everything noticed on the way, ingest's diagnostics first.
#[derive(Debug)]
pub struct Loaded {
    pub analysis: Analysis,
    pub diagnostics: Vec<Diagnostic>,
}

/// Ingests and measures `dir`, reusing the sizes `baseline` holds for unchanged content. An
/// `Err` is a diagnostic for a build that cannot be analyzed at all (exit 2); problems with
/// parts of it come back with the analysis.
pub fn load(
    dir: &Path,
    options: &LoadOptions,
    baseline: Option<&Report>,
) -> Result<Loaded, Diagnostic> {
    let source = FsSource::open(dir)?;
    let ingested = distill_ingest::ingest(&source).map_err(|d| d.at(dir.display().to_string()))?;
    let mut analyze = distill_analyze::Options::with(&options.encodings);
    analyze.attribution = options.attribution;
    analyze.cache = options.cache.open(dir);
    analyze.progress = options.progress.clone();
    analyze.known = options.known.clone();
    if let Some(base) = baseline {
        analyze
            .known
            .extend(distill_analyze::known_sizes(base, &Settings::default()));
    }
    let analysis = distill_analyze::analyze(&source, ingested.build, &analyze);
    let mut diagnostics = ingested.diagnostics;
    diagnostics.extend(analysis.diagnostics.iter().cloned());
    Ok(Loaded {
        analysis,
        diagnostics,
    })
}
