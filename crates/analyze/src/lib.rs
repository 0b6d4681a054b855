//! Analyze: what every file of a build weighs, raw and in each requested encoding, and what each
//! entry and route loads first and later.
//!
//! Compression is the expensive part (brotli at quality 11 runs at ~0.5 MB/s), so the work is
//! split into one job per (distinct content, encoding), ordered by estimated cost, and handed to
//! one worker per core from a shared queue: the largest job starts first and never finishes
//! last on its own. Identical files (same hash) are compressed once. Source maps are measured
//! raw only: they are not sent to browsers.
//!
//! Then every script and stylesheet is attributed through its source map to original modules
//! and packages, raw and compressed ([`attribution`]), and packages that cost bytes more than
//! once are listed ([`duplicates`]).
//!
//! ```
//! use distill_analyze::{analyze, Options};
//! use distill_graph::Encoding;
//! use distill_fs::MemSource;
//! use distill_ingest::ingest;
//! let src = MemSource::new().with("app.js", "let a = 1;".repeat(100));
//! let build = ingest(&src).unwrap().build;
//! let analysis = analyze(&src, build, &Options::with(&[Encoding::Gzip]));
//! let sizes = analysis.sizes("app.js").unwrap();
//! assert_eq!(sizes.raw, 1000);
//! assert!(sizes.gzip.unwrap() < 100);
//! assert!(sizes.brotli.is_none());
//! ```

pub mod attribution;
pub mod duplicates;
pub mod packages;
mod report;
pub mod sourcemap;

pub use attribution::{FileAttribution, MapStatus, ModuleShare, ShareMethod};
pub use duplicates::{Duplicate, DuplicateKind};
pub use report::{kind_totals, report};

use distill_compress::{EncoderInfo, Settings, SizeCache, compressed_len};
use distill_fs::FileSource;
use distill_graph::{Build, Code, Diagnostic, Encoding, FileKind, LoadSet, Sizes};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone)]
pub struct Options {
    /// Encodings to measure besides raw.
    pub encodings: Vec<Encoding>,
    pub settings: Settings,
    /// Whether and how far to attribute bytes to modules through source maps.
    pub attribution: Attribution,
    /// Source maps larger than this are not read (`map/too-large`); their file is `(unmapped)`.
    pub max_map_bytes: u64,
    /// Compressed sizes from earlier runs, by content hash; disabled by default.
    pub cache: SizeCache,
}

/// How much source-map attribution to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    Off,
    /// Raw bytes per module only.
    Raw,
    /// Raw bytes and each module's share of the gzip and brotli sizes.
    Compressed,
}

impl Options {
    pub fn with(encodings: &[Encoding]) -> Options {
        Options {
            encodings: encodings
                .iter()
                .copied()
                .filter(|e| *e != Encoding::Raw)
                .collect(),
            settings: Settings::default(),
            attribution: Attribution::Compressed,
            max_map_bytes: 512 << 20,
            cache: SizeCache::disabled(),
        }
    }
}

impl Default for Options {
    fn default() -> Options {
        Options::with(&Encoding::ALL)
    }
}

/// A build with every file measured.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub build: Build,
    /// By file path.
    pub file_sizes: BTreeMap<String, Sizes>,
    /// The encodings measured besides raw, in a fixed order.
    pub encodings: Vec<Encoding>,
    /// The encoder and level behind each encoding.
    pub encoders: Vec<EncoderInfo>,
    pub diagnostics: Vec<Diagnostic>,
    /// Scripts and stylesheets by path: where their bytes come from. Empty when attribution is off.
    pub attribution: BTreeMap<String, FileAttribution>,
    /// Packages that cost bytes more than once, most wasteful first.
    pub duplicates: Vec<Duplicate>,
}

impl Analysis {
    pub fn sizes(&self, path: &str) -> Option<Sizes> {
        self.file_sizes.get(path).copied()
    }

    /// The sum over `paths`; unknown paths add nothing.
    pub fn total<'a>(&self, paths: impl IntoIterator<Item = &'a String>) -> Sizes {
        let mut total = Sizes::zero(&self.encodings);
        for p in paths {
            if let Some(s) = self.file_sizes.get(p) {
                total += *s;
            }
        }
        total
    }

    /// The files of a load set filtered by kind, e.g. the initial scripts of a route.
    pub fn of_kind<'a>(
        &'a self,
        files: &'a [String],
        kind: FileKind,
    ) -> impl Iterator<Item = &'a String> + 'a {
        files
            .iter()
            .filter(move |p| self.build.file(p).is_some_and(|f| f.kind == kind))
    }

    /// All entries and routes, entries first.
    pub fn load_sets(&self) -> impl Iterator<Item = &LoadSet> {
        self.build.entries.iter().chain(&self.build.routes)
    }
}

/// Compressed length (or why it failed) per (content hash, encoding).
type Measured<'a> = BTreeMap<(&'a str, Encoding), Result<u64, String>>;

struct Job<'a> {
    hash: &'a str,
    path: &'a str,
    encoding: Encoding,
    cost: u64,
}

/// Relative cost per byte of each encoder at the default settings, measured on minified JS.
fn cost_per_byte(encoding: Encoding) -> u64 {
    match encoding {
        Encoding::Raw => 0,
        Encoding::Gzip => 1,
        Encoding::Zstd => 8,
        Encoding::Brotli => 30,
    }
}

pub fn analyze(source: &dyn FileSource, build: Build, options: &Options) -> Analysis {
    let mut encodings: Vec<Encoding> = Encoding::ALL
        .into_iter()
        .filter(|e| *e != Encoding::Raw && options.encodings.contains(e))
        .collect();
    encodings.dedup();

    // One job per distinct content and encoding; maps are not payload and stay raw-only.
    let mut first_path_of_hash: BTreeMap<&str, &str> = BTreeMap::new();
    for f in build.files.iter().filter(|f| f.kind.is_payload()) {
        first_path_of_hash
            .entry(f.hash.as_str())
            .or_insert(f.path.as_str());
    }
    let size_of: BTreeMap<&str, u64> = build
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size))
        .collect();
    // Sizes already in the cache are not computed again.
    let mut cached_sizes: Measured = BTreeMap::new();
    for &hash in first_path_of_hash.keys() {
        for &encoding in &encodings {
            if let Some(n) = options.cache.get(hash, encoding, &options.settings) {
                cached_sizes.insert((hash, encoding), Ok(n));
            }
        }
    }
    let mut jobs: Vec<Job> = first_path_of_hash
        .iter()
        .flat_map(|(&hash, &path)| {
            let size = size_of[path];
            let cached_sizes = &cached_sizes;
            encodings
                .iter()
                .filter(move |&&encoding| !cached_sizes.contains_key(&(hash, encoding)))
                .map(move |&encoding| Job {
                    hash,
                    path,
                    encoding,
                    cost: size * cost_per_byte(encoding),
                })
        })
        .collect();
    jobs.sort_by(|a, b| {
        b.cost
            .cmp(&a.cost)
            .then(a.path.cmp(b.path))
            .then(a.encoding.cmp(&b.encoding))
    });

    let results: Mutex<Measured> = Mutex::new(BTreeMap::new());
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                // Each worker keeps the bytes of the file it read last: the encodings of one file
                // are usually adjacent in cost order only for the large files, where it matters.
                let mut cached: Option<(&str, Vec<u8>)> = None;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    if cached.as_ref().is_none_or(|(p, _)| *p != job.path) {
                        match source.read(job.path) {
                            Ok(bytes) => cached = Some((job.path, bytes)),
                            Err(e) => {
                                cached = None;
                                results
                                    .lock()
                                    .unwrap()
                                    .insert((job.hash, job.encoding), Err(e.to_string()));
                                continue;
                            }
                        }
                    }
                    let bytes = &cached.as_ref().expect("read above").1;
                    let r = compressed_len(job.encoding, bytes, &options.settings)
                        .map_err(|e| e.to_string());
                    if let Ok(n) = r {
                        options
                            .cache
                            .put(job.hash, job.encoding, &options.settings, n);
                    }
                    results.lock().unwrap().insert((job.hash, job.encoding), r);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.extend(cached_sizes);

    let mut diagnostics = Vec::new();
    let mut file_sizes = BTreeMap::new();
    for f in &build.files {
        let mut sizes = Sizes {
            raw: f.size,
            ..Sizes::default()
        };
        if f.kind.is_payload() {
            for &encoding in &encodings {
                match results.get(&(f.hash.as_str(), encoding)) {
                    Some(Ok(n)) => sizes.set(encoding, *n),
                    Some(Err(e)) => diagnostics.push(
                        Diagnostic::warning(
                            Code::AnalyzeCompressFailed,
                            format!("{} size not measured: {e}", encoding.as_str()),
                        )
                        .at(f.path.clone()),
                    ),
                    None => {}
                }
            }
        }
        file_sizes.insert(f.path.clone(), sizes);
    }
    let encoders = encodings
        .iter()
        .map(|e| options.settings.describe(*e))
        .collect();
    let (attribution, duplicates) = if options.attribution == Attribution::Off {
        (BTreeMap::new(), Vec::new())
    } else {
        let (attribution, diags) = attribution::attribute_build(
            source,
            &build,
            &file_sizes,
            &options.settings,
            options.attribution == Attribution::Compressed,
            options.max_map_bytes,
        );
        diagnostics.extend(diags);
        let duplicates = duplicates::find(&attribution);
        (attribution, duplicates)
    };
    Analysis {
        build,
        file_sizes,
        encodings,
        encoders,
        diagnostics,
        attribution,
        duplicates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distill_fs::MemSource;
    use distill_ingest::ingest;

    #[test]
    fn identical_files_get_identical_sizes_and_maps_stay_raw() {
        let body = "export const x = [1,2,3].map(n => n * 2);\n".repeat(50);
        let src = MemSource::new()
            .with("a.js", body.clone())
            .with("b.js", body.clone())
            .with("a.js.map", "{\"version\":3}".repeat(20));
        let build = ingest(&src).unwrap().build;
        let analysis = analyze(&src, build, &Options::default());
        let a = analysis.sizes("a.js").unwrap();
        assert_eq!(Some(a), analysis.sizes("b.js"));
        assert!(a.gzip.is_some() && a.brotli.is_some() && a.zstd.is_some());
        let map = analysis.sizes("a.js.map").unwrap();
        assert_eq!((map.gzip, map.brotli, map.zstd), (None, None, None));
        assert_eq!(analysis.encoders.len(), 3);
        let total = analysis.total(&["a.js".to_string(), "b.js".to_string()]);
        assert_eq!(total.gzip, Some(a.gzip.unwrap() * 2));
    }

    #[test]
    fn raw_only_reads_nothing() {
        // An unreadable source proves no compression job ran.
        let src = MemSource::new().with("a.js", "x".repeat(10));
        let build = ingest(&src).unwrap().build;
        let analysis = analyze(&MemSource::new(), build, &Options::with(&[Encoding::Raw]));
        assert_eq!(analysis.sizes("a.js").unwrap().raw, 10);
        assert!(analysis.diagnostics.is_empty());
    }

    #[test]
    fn a_file_that_vanishes_gets_a_diagnostic_not_a_zero() {
        let src = MemSource::new().with("a.js", "x".repeat(10));
        let build = ingest(&src).unwrap().build;
        let analysis = analyze(&MemSource::new(), build, &Options::with(&[Encoding::Gzip]));
        assert_eq!(analysis.sizes("a.js").unwrap().gzip, None);
        assert_eq!(analysis.diagnostics[0].code, Code::AnalyzeCompressFailed);
    }
}
