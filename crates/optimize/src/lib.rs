//! `distill optimize`: stages that make a build smaller, each reading the previous one's output
//! through an [`Overlay`] and reporting what it wrote and what it kept (and why), then one step
//! that writes the result ([`write`]).
//!
//! Order: minify → split (when asked) → images → rehash (when asked) → integrity → compress. A stage never writes to disk and never makes a
//! file larger or invalid: it replaces bytes only when it can prove the result smaller and
//! valid, and keeps the original otherwise, saying why.
//!
//! ```
//! use distill_fs::MemSource;
//! use distill_optimize::{Options, optimize};
//! let src = MemSource::new().with("app.js", "console.log('hello, hello, hello');\n".repeat(100));
//! let build = distill_ingest::ingest(&src).unwrap().build;
//! let done = optimize(&src, &build, &Options::default());
//! assert!(done.overlay.written("app.js.br").is_some());
//! assert!(done.overlay.written("app.js.gz").is_some());
//! ```

pub mod compress;
pub mod images;
mod integrity;
pub mod minify;
mod rehash;
pub mod split;
pub mod write;

use distill_compress::Cache;
use distill_fs::{Change, FileSource, Overlay};
use distill_graph::{Build, Diagnostic, Encoding, File, FileKind, NoProgress, Progress, Role};
use distill_schema::StageReport;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Which stages run, with their options. A stage that is `None` does not run.
#[derive(Clone)]
pub struct Options {
    pub minify: Option<minify::Options>,
    /// Off unless asked (`--split`): it adds files to the build.
    pub split: Option<split::Options>,
    pub images: Option<images::Options>,
    pub compress: Option<compress::Options>,
    /// Rename the files the stages changed by their new content hash (`--rehash`).
    pub rehash: bool,
    /// Where results of earlier runs are kept (compressed bytes, by content hash).
    pub cache: Cache,
    pub progress: Arc<dyn Progress + Send>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("minify", &self.minify)
            .field("split", &self.split)
            .field("images", &self.images)
            .field("compress", &self.compress)
            .field("rehash", &self.rehash)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl Default for Options {
    /// Every stage with its defaults, no cache.
    fn default() -> Options {
        Options {
            minify: Some(minify::Options::default()),
            split: None,
            images: Some(images::Options::default()),
            compress: Some(compress::Options::default()),
            rehash: false,
            cache: Cache::disabled(),
            progress: Arc::new(NoProgress),
        }
    }
}

/// What the stages produced: the build as it will be written, what each stage did, and what
/// was noticed on the way.
#[derive(Debug)]
pub struct Optimized<'a> {
    pub overlay: Overlay<'a>,
    pub stages: Vec<StageReport>,
    pub diagnostics: Vec<Diagnostic>,
    /// Compressed sizes the stages measured, by (content hash, encoding), at the settings
    /// analysis uses: the analysis of the result need not compress again.
    pub known: BTreeMap<(String, Encoding), u64>,
}

/// What every stage gets: the build as ingested, the overlay holding the changes so far, and
/// the run's shared services.
pub struct Context<'a, 'o> {
    pub build: &'o Build,
    pub overlay: &'o mut Overlay<'a>,
    pub cache: &'o Cache,
    pub progress: &'o dyn Progress,
    pub diagnostics: &'o mut Vec<Diagnostic>,
}

impl Context<'_, '_> {
    /// Every file of the build as the stages left it so far (the cache and `node_modules`
    /// folders left out), and its HTML documents.
    pub(crate) fn result_files(&self) -> (Vec<String>, Vec<String>) {
        let (all, _) = self
            .overlay
            .walk(&|dir| dir == "cache" || dir.ends_with("/node_modules"));
        let html = all
            .iter()
            .filter(|p| p.ends_with(".html") || p.ends_with(".htm"))
            .cloned()
            .collect();
        (all, html)
    }
}

/// Runs every stage `options` enables, in order, over `source` (the build `build` was ingested
/// from).
pub fn optimize<'a>(
    source: &'a dyn FileSource,
    build: &'a Build,
    options: &Options,
) -> Optimized<'a> {
    let mut overlay = Overlay::new(source);
    let mut stages = Vec::new();
    let mut diagnostics = Vec::new();
    let mut known = BTreeMap::new();
    // One context for every stage, in order; each reads the overlay the previous one left.
    let mut ctx = Context {
        build,
        overlay: &mut overlay,
        cache: &options.cache,
        progress: &*options.progress,
        diagnostics: &mut diagnostics,
    };
    if let Some(minify) = &options.minify {
        let (report, measured) = minify::run(&mut ctx, minify);
        stages.push(report);
        known.extend(measured);
    }
    if let Some(split) = &options.split {
        stages.push(split::run(&mut ctx, split));
    }
    if let Some(images) = &options.images {
        stages.push(images::run(&mut ctx, images));
    }
    if options.rehash {
        stages.push(rehash::run(&mut ctx));
    }
    // Later stages see the files split and rehash added, and not those they removed.
    let current = refreshed(build, ctx.overlay);
    let mut ctx = Context {
        build: &current,
        overlay: ctx.overlay,
        cache: ctx.cache,
        progress: ctx.progress,
        diagnostics: ctx.diagnostics,
    };
    let report = integrity::run(&mut ctx);
    if !report.changes.is_empty() {
        stages.push(report);
    }
    if let Some(compress) = &options.compress {
        let (report, measured) = compress::run(&mut ctx, compress);
        stages.push(report);
        known.extend(measured);
    }
    Optimized {
        overlay,
        stages,
        diagnostics,
        known,
    }
}

/// `build` with the overlay's new files added (as far as their names tell) and its removed
/// files gone.
fn refreshed(build: &Build, overlay: &Overlay) -> Build {
    let mut b = build.clone();
    let changes = overlay.changes();
    b.files
        .retain(|f| !matches!(changes.get(&f.path), Some(Change::Remove)));
    for (path, change) in changes {
        let Change::Write(bytes) = change else {
            continue;
        };
        if build.file(path).is_some() || distill_graph::Sibling::parse(path).is_some() {
            continue;
        }
        let kind = FileKind::from_path(path);
        let map = format!("{path}.map");
        b.files.push(File {
            path: path.clone(),
            kind,
            role: match kind {
                FileKind::Script => Role::Chunk,
                FileKind::Map => Role::SourceMap,
                _ => Role::Asset,
            },
            size: bytes.len() as u64,
            hash: String::new(),
            source_map: matches!(changes.get(&map), Some(Change::Write(_))).then_some(map),
            key: None,
            siblings: Vec::new(),
        });
    }
    b.files.sort_by(|x, y| x.path.cmp(&y.path));
    b
}
