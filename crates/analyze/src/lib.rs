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

#![allow(
    clippy::indexing_slicing,
    reason = "file and sibling indices come from enumerating those same lists"
)]

pub mod attribution;
pub mod duplicates;
pub mod packages;
mod report;
pub mod sourcemap;

pub use attribution::{FileAttribution, MapStatus, ModuleShare, ShareMethod};
pub use duplicates::{Duplicate, DuplicateKind};
pub use report::{kind_totals, known_sizes, report};

use distill_compress::batch::{Batch, BatchError, Outcomes, Request, largest_first};
use distill_compress::{Cache, EncoderInfo, Settings};
use distill_fs::FileSource;
use distill_graph::{
    Build, Code, Diagnostic, Encoding, FileKind, LoadSet, NoProgress, Progress, Sizes, sent_as_is,
};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct Options {
    /// Encodings to measure besides raw.
    pub encodings: Vec<Encoding>,
    pub settings: Settings,
    /// Whether and how far to attribute bytes to modules through source maps.
    pub attribution: Attribution,
    /// Source maps larger than this are not read (`map/too-large`); their file is `(unmapped)`.
    pub max_map_bytes: u64,
    /// Compressed sizes from earlier runs, by content hash; disabled by default.
    pub cache: Cache,
    /// Sizes known already, by (content hash, encoding), measured with these settings (a
    /// baseline report of the same encoders): not computed again.
    pub known: BTreeMap<(String, Encoding), u64>,
    pub progress: Arc<dyn Progress + Send>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("encodings", &self.encodings)
            .field("settings", &self.settings)
            .field("attribution", &self.attribution)
            .field("max_map_bytes", &self.max_map_bytes)
            .field("cache", &self.cache)
            .field("known", &self.known.len())
            .finish_non_exhaustive()
    }
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
            cache: Cache::disabled(),
            known: BTreeMap::new(),
            progress: Arc::new(NoProgress),
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

/// Measures every file of `build` (read through `source`) in the requested encodings, then
/// attributes scripts and stylesheets to modules.
pub fn analyze(source: &dyn FileSource, mut build: Build, options: &Options) -> Analysis {
    let encodings: Vec<Encoding> = Encoding::ALL
        .into_iter()
        .filter(|e| *e != Encoding::Raw && options.encodings.contains(e))
        .collect();
    let mut diagnostics = verify_siblings(source, &mut build);
    let outcomes = run(source, &plan(&build, &encodings), options);
    let (file_sizes, collected) = collect(&build, &encodings, &outcomes);
    diagnostics.extend(collected);
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
            &attribution::Shares {
                settings: options.settings,
                cache: Some(&options.cache),
                compressed: options.attribution == Attribution::Compressed,
            },
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

/// One request per payload file that a server compresses; source maps are not payload and
/// files sent as they are (images, fonts) cost nothing to measure.
fn plan<'b>(build: &'b Build, encodings: &[Encoding]) -> Vec<Request<'b>> {
    build
        .files
        .iter()
        .filter(|f| f.kind.is_payload() && !sent_as_is(&f.path) && !encodings.is_empty())
        .map(|f| Request {
            hash: &f.hash,
            path: &f.path,
            size: f.size,
            encodings: encodings.to_vec(),
        })
        .collect()
}

fn run(source: &dyn FileSource, requests: &[Request], options: &Options) -> Outcomes {
    let known = |hash: &str, e: Encoding| options.known.get(&(hash.to_owned(), e)).copied();
    let batch = Batch {
        settings: options.settings,
        cache: options.cache.clone(),
        keep: false,
        known: Some(&known),
        progress: &*options.progress,
        max_bytes: distill_compress::batch::MAX_BYTES,
    };
    batch.run(requests, &|path| source.read(path))
}

/// Every file's sizes: raw, and each encoding as measured, or the raw size again for files sent
/// as they are.
fn collect(
    build: &Build,
    encodings: &[Encoding],
    outcomes: &Outcomes,
) -> (BTreeMap<String, Sizes>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut file_sizes = BTreeMap::new();
    for f in &build.files {
        let mut sizes = Sizes {
            raw: f.size,
            ..Sizes::default()
        };
        if f.kind.is_payload() {
            for &encoding in encodings {
                if sent_as_is(&f.path) {
                    sizes.set(encoding, f.size);
                    continue;
                }
                match outcomes.get(&f.hash, encoding) {
                    Some(Ok(c)) => sizes.set(encoding, c.len),
                    Some(Err(e)) => diagnostics.push(compress_failed(&f.path, encoding, e)),
                    None => {}
                }
            }
        }
        file_sizes.insert(f.path.clone(), sizes);
    }
    (file_sizes, diagnostics)
}

/// Each precompressed copy must decode to its original: a copy that does not (written for an
/// earlier build, or damaged) is what the server would send, but no size of this file; it is
/// reported and left out of the file's served sizes.
fn verify_siblings(source: &dyn FileSource, build: &mut Build) -> Vec<Diagnostic> {
    let pairs: Vec<(usize, usize, u64)> = build
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| (0..f.siblings.len()).map(move |j| (i, j, f.size)))
        .collect();
    let files = &build.files;
    let verdicts = largest_first(
        &pairs,
        |&(_, _, size)| size,
        |&(i, j, size)| -> Option<Diagnostic> {
            let (f, s) = (&files[i], &files[i].siblings[j]);
            let stale = |why: String| {
                Some(
                    Diagnostic::warning(Code::InputStaleSibling, format!("{why}; its size is not counted as {}'s", f.path))
                        .at(s.path.clone())
                        .hint("write the copies again after each build: `distill optimize` does, and removes stale ones"),
                )
            };
            let data = match source.read(&s.path) {
                Ok(d) => d,
                Err(e) => return stale(format!("cannot read it: {e}")),
            };
            match distill_compress::decode(s.encoding, &data, size) {
                Ok(plain) if hex(&Sha256::digest(&plain)) == f.hash => None,
                Ok(_) => stale(format!(
                    "does not decode to `{}` (a copy of other content)",
                    f.path
                )),
                Err(e) => stale(format!("does not decode as {}: {e}", s.encoding.as_str())),
            }
        },
    );
    let mut diagnostics = Vec::new();
    let mut stale: Vec<(usize, usize)> = Vec::new();
    for (&(i, j, _), verdict) in pairs.iter().zip(verdicts) {
        if let Some(d) = verdict {
            diagnostics.push(d);
            stale.push((i, j));
        }
    }
    for &(i, j) in stale.iter().rev() {
        build.files[i].siblings.remove(j);
    }
    diagnostics
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn compress_failed(path: &str, encoding: Encoding, e: &BatchError) -> Diagnostic {
    Diagnostic::warning(
        Code::AnalyzeCompressFailed,
        format!("{} size not measured: {e}", encoding.as_str()),
    )
    .at(path)
    .hint("budgets that select this file cannot be decided in this encoding")
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
