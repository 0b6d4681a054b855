//! The data model of a frontend build, shared by every distill stage.
//!
//! Ingest produces a [`Build`]; analyze adds sizes; budgets and reports read both. This crate holds
//! data and the few pure functions that define it (kinds from extensions, set closures), no I/O.
//!
//! Every path in the model is relative to the build folder, with `/` separators, and never
//! contains `..`: ingest refuses anything else before it reaches here.
//!
//! ```
//! use distill_graph::FileKind;
//! assert_eq!(FileKind::from_path("assets/index-CzJqd0pZ.js"), FileKind::Script);
//! assert_eq!(FileKind::from_path("static/media/inter.woff2"), FileKind::Font);
//! ```

mod diagnostic;
pub mod identity;
mod size;
mod text;

pub use diagnostic::{Code, Diagnostic, Severity, cap as cap_diagnostics};
pub use size::{EncoderInfo, Encoding, Sizes};
pub use text::printable;

use serde::{Deserialize, Serialize};

/// Which tool produced the build, as detected from the files it left behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// Vite with `build.manifest` on: `.vite/manifest.json` is the source of truth.
    Vite,
    /// Vite output without a manifest: `index.html` and the chunks' own imports are followed.
    ViteHtml,
    /// Next.js built with webpack (`next build --webpack`).
    NextWebpack,
    /// Next.js built with Turbopack (the default since Next 16).
    NextTurbopack,
    /// Any other folder of web assets.
    Plain,
}

impl Framework {
    /// Next.js, built with webpack or Turbopack: chunks are classic scripts named by the
    /// server's manifests.
    pub fn is_next(self) -> bool {
        matches!(self, Framework::NextWebpack | Framework::NextTurbopack)
    }

    pub fn label(self) -> &'static str {
        match self {
            Framework::Vite => "Vite (manifest)",
            Framework::ViteHtml => "Vite (no manifest: followed index.html and imports)",
            Framework::NextWebpack => "Next.js (webpack)",
            Framework::NextTurbopack => "Next.js (Turbopack)",
            Framework::Plain => "plain folder",
        }
    }
}

/// What a file is, for budgets (`types`) and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    Script,
    Stylesheet,
    Image,
    Font,
    Document,
    Media,
    /// Source maps: listed, never counted as client payload.
    Map,
    Other,
}

impl FileKind {
    pub const ALL: [FileKind; 8] = [
        FileKind::Script,
        FileKind::Stylesheet,
        FileKind::Image,
        FileKind::Font,
        FileKind::Document,
        FileKind::Media,
        FileKind::Map,
        FileKind::Other,
    ];

    /// The kind implied by a file name's extension.
    pub fn from_path(path: &str) -> FileKind {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = match name.rsplit_once('.') {
            Some((_, ext)) => ext.to_ascii_lowercase(),
            None => return FileKind::Other,
        };
        match ext.as_str() {
            "js" | "mjs" | "cjs" => FileKind::Script,
            "css" => FileKind::Stylesheet,
            "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "svg" | "ico" | "bmp" | "apng" => {
                FileKind::Image
            }
            "woff" | "woff2" | "ttf" | "otf" | "eot" => FileKind::Font,
            "html" | "htm" => FileKind::Document,
            "mp4" | "webm" | "ogg" | "mp3" | "wav" | "m4a" | "flac" | "mov" | "aac" | "opus" => {
                FileKind::Media
            }
            "map" => FileKind::Map,
            _ => FileKind::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Script => "script",
            FileKind::Stylesheet => "stylesheet",
            FileKind::Image => "image",
            FileKind::Font => "font",
            FileKind::Document => "document",
            FileKind::Media => "media",
            FileKind::Map => "map",
            FileKind::Other => "other",
        }
    }

    /// Whether bytes of this kind are downloaded by a browser visiting the site.
    pub fn is_payload(self) -> bool {
        self != FileKind::Map
    }
}

/// Whether servers send a file as it is, never with a `Content-Encoding`: formats that are
/// compressed already (PNG, JPEG, GIF, WebP, AVIF, WOFF and WOFF2, audio and video, archives).
/// Their gzip, brotli and zstd sizes are their raw size; compressing them would only cost time.
pub fn sent_as_is(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "png" | "apng" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "woff" | "woff2"
    ) || FileKind::from_path(path) == FileKind::Media
        || matches!(
            ext.to_ascii_lowercase().as_str(),
            "zip" | "gz" | "tgz" | "br" | "zst" | "bz2" | "xz" | "7z" | "rar"
        )
}

/// Something that shows how far long work has come (a progress bar on a terminal); stages call
/// it, the CLI decides how it looks. `advance` may be called from any thread.
pub trait Progress: Sync {
    /// A new phase of `total` units (bytes, files) labelled for a person.
    fn begin(&self, label: &str, total: u64);
    fn advance(&self, units: u64);
    fn end(&self);
}

/// No progress shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn begin(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn end(&self) {}
}

/// The part a file plays in the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// The script an HTML page or route starts from.
    Entry,
    /// A chunk loaded through `import()` or a framework's lazy loader.
    DynamicEntry,
    /// A chunk shared by others, or any other script.
    Chunk,
    /// A Web Worker script: loaded by `new Worker(...)`, part of no import closure.
    Worker,
    /// The bundler runtime (webpack/Turbopack).
    Runtime,
    /// Legacy polyfills loaded with `noModule`: modern browsers never fetch them.
    Polyfill,
    /// An image, font, media file or stylesheet emitted by the bundler.
    Asset,
    /// Copied verbatim from `public/`: not in any manifest.
    Public,
    /// An HTML page.
    Document,
    /// A source map.
    SourceMap,
    /// Framework metadata shipped to the client (`_buildManifest.js`).
    Metadata,
}

/// A content hash: lowercase hex SHA-256 of the file's bytes; empty for source maps, which are
/// not payload and are never hashed.
pub type ContentHash = String;

/// One file of the build that a client can download (or its source map).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    /// Relative to the build folder, `/`-separated.
    pub path: String,
    pub kind: FileKind,
    pub role: Role,
    /// Size on disk in bytes.
    pub size: u64,
    pub hash: ContentHash,
    /// The source map this file names in its `sourceMappingURL` comment, when that file exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_map: Option<String>,
    /// The manifest key or route role that names this file across builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Precompressed copies servers send instead (`x.js.br` for `x.js`): encodings of this file,
    /// not files of their own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub siblings: Vec<Sibling>,
}

/// A precompressed copy of a file (`assets/x.js.br` beside `assets/x.js`), as nginx
/// `gzip_static`/`brotli_static`, Caddy `precompressed` and static hosts serve them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sibling {
    pub encoding: Encoding,
    pub path: String,
    /// Its size on disk: the bytes sent for the file in this encoding.
    pub size: u64,
}

impl Sibling {
    /// `assets/x.js.br` → (`assets/x.js`, brotli); `None` for any other name.
    pub fn parse(path: &str) -> Option<(&str, Encoding)> {
        let (base, ext) = path.rsplit_once('.')?;
        let encoding = Encoding::ALL
            .into_iter()
            .find(|e| e.sibling_extension() == Some(ext))?;
        (!base.is_empty() && !base.ends_with('/')).then_some((base, encoding))
    }

    /// The sibling path of `path` in `encoding`.
    pub fn path_for(path: &str, encoding: Encoding) -> Option<String> {
        Some(format!("{path}.{}", encoding.sibling_extension()?))
    }
}

/// How one chunk reaches another file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeKind {
    /// `import … from` : loaded before the importer runs.
    Static,
    /// `import()` or a framework lazy loader: loaded on demand.
    Dynamic,
    /// A stylesheet the chunk needs.
    Stylesheet,
    /// An image, font or other asset the chunk references.
    Asset,
    /// A Web Worker the chunk starts.
    Worker,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
}

/// A script chunk with its name as the bundler gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chunk {
    pub file: String,
    /// The bundler's chunk name (`index`, `react-vendor`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What loads first and what loads later for one entry (an HTML page, a Vite entry) or route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadSet {
    /// `index.html` for a Vite entry, `/dashboard` for a route.
    pub name: String,
    /// For routes: `app` or `pages` router; for entries: the manifest key or HTML file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Files the browser fetches before the page is interactive (scripts and stylesheets).
    pub initial: Vec<String>,
    /// Files fetched later: dynamic imports and their closures, workers, minus `initial`.
    pub lazy: Vec<String>,
    /// Images the page may show: those its initial and lazy scripts and stylesheets name
    /// (imported assets, CSS `url()`s). Not render-blocking, so in neither list above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
}

/// The whole build as ingest understood it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    pub framework: Option<Framework>,
    /// Client files, sorted by path.
    pub files: Vec<File>,
    pub chunks: Vec<Chunk>,
    /// Sorted and de-duplicated.
    pub edges: Vec<Edge>,
    pub entries: Vec<LoadSet>,
    pub routes: Vec<LoadSet>,
    /// Server-only files seen and left out of client accounting (Next.js `server/`).
    pub server_files: u64,
}

impl Build {
    pub fn file(&self, path: &str) -> Option<&File> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .and_then(|i| self.files.get(i))
    }

    /// The load set of an entry or route that starts from `starts` (loaded first) and may later
    /// load `lazy_roots` (e.g. a framework's lazy-component manifest).
    ///
    /// Initial files are `starts` plus everything they import statically, and the stylesheets
    /// of all of those. Lazy files are everything reachable from the initial files and the lazy
    /// roots through any script or stylesheet edge (static, dynamic, worker), minus the initial
    /// files. Cycles (Vite's lazy chunks import the entry back) are handled. Images are those
    /// any initial or lazy file (or the entry document itself) names through an asset edge.
    pub fn load_set(
        &self,
        name: &str,
        source: Option<&str>,
        starts: &[String],
        lazy_roots: &[String],
    ) -> LoadSet {
        use std::collections::{BTreeMap, BTreeSet};
        let mut adjacency: BTreeMap<&str, Vec<&Edge>> = BTreeMap::new();
        for edge in &self.edges {
            adjacency.entry(edge.from.as_str()).or_default().push(edge);
        }
        let walk = |roots: &mut dyn Iterator<Item = &str>, follow: &dyn Fn(EdgeKind) -> bool| {
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut stack: Vec<String> = roots.map(str::to_owned).collect();
            while let Some(file) = stack.pop() {
                if !seen.insert(file.clone()) {
                    continue;
                }
                for edge in adjacency.get(file.as_str()).into_iter().flatten() {
                    if follow(edge.kind) && !seen.contains(&edge.to) {
                        stack.push(edge.to.clone());
                    }
                }
            }
            seen
        };
        let statics = walk(&mut starts.iter().map(String::as_str), &|k| {
            k == EdgeKind::Static
        });
        let mut initial = statics.clone();
        for file in &statics {
            for edge in adjacency.get(file.as_str()).into_iter().flatten() {
                if edge.kind == EdgeKind::Stylesheet {
                    initial.insert(edge.to.clone());
                }
            }
        }
        let reachable = walk(
            &mut initial.iter().chain(lazy_roots).map(String::as_str),
            &|k| {
                matches!(
                    k,
                    EdgeKind::Static | EdgeKind::Dynamic | EdgeKind::Worker | EdgeKind::Stylesheet
                )
            },
        );
        let images: BTreeSet<String> = reachable
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(name))
            .flat_map(|f| adjacency.get(f).into_iter().flatten())
            .filter(|e| e.kind == EdgeKind::Asset)
            .filter(|e| self.file(&e.to).is_some_and(|f| f.kind == FileKind::Image))
            .map(|e| e.to.clone())
            .collect();
        let lazy = reachable
            .into_iter()
            .filter(|f| !initial.contains(f))
            .filter(|f| {
                self.file(f)
                    .is_some_and(|f| matches!(f.kind, FileKind::Script | FileKind::Stylesheet))
            })
            .collect();
        LoadSet {
            name: name.to_owned(),
            source: source.map(str::to_owned),
            initial: initial
                .into_iter()
                .filter(|f| self.file(f).is_some())
                .collect(),
            lazy,
            images: images.into_iter().collect(),
        }
    }

    /// Keeps files sorted and edges unique; call after construction.
    pub fn normalize(&mut self) {
        self.files.sort_by(|a, b| a.path.cmp(&b.path));
        self.files.dedup_by(|a, b| a.path == b.path);
        self.chunks.sort_by(|a, b| a.file.cmp(&b.file));
        self.chunks.dedup_by(|a, b| a.file == b.file);
        self.edges.sort();
        self.edges.dedup();
        self.entries.sort_by(|a, b| a.name.cmp(&b.name));
        self.routes.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_real_names() {
        let cases = [
            ("assets/Calendar--DI8BKLk.js", FileKind::Script),
            ("static/chunks/2qwir9lo9s4-s.js", FileKind::Script),
            ("static/css/fc90517bc8f6a797.css", FileKind::Stylesheet),
            ("assets/index-CzJqd0pZ.js.map", FileKind::Map),
            (
                "assets/inter-cyrillic-ext-400-normal-DQukG94-.woff",
                FileKind::Font,
            ),
            ("static/media/hero.d5746e30.JPG", FileKind::Image),
            ("index.html", FileKind::Document),
            ("robots.txt", FileKind::Other),
            ("BUILD_ID", FileKind::Other),
            ("clip.webm", FileKind::Media),
        ];
        for (path, kind) in cases {
            assert_eq!(FileKind::from_path(path), kind, "{path}");
        }
    }

    #[test]
    fn lookup_after_normalize() {
        let file = |p: &str| File {
            path: p.into(),
            kind: FileKind::from_path(p),
            role: Role::Chunk,
            size: 1,
            hash: String::new(),
            source_map: None,
            key: None,
            siblings: Vec::new(),
        };
        let mut build = Build {
            files: vec![file("b.js"), file("a.js"), file("b.js")],
            ..Build::default()
        };
        build.normalize();
        assert_eq!(build.files.len(), 2);
        assert!(build.file("a.js").is_some());
        assert!(build.file("c.js").is_none());
    }

    #[test]
    fn load_set_follows_statics_first_and_survives_cycles() {
        let file = |p: &str| File {
            path: p.into(),
            kind: FileKind::from_path(p),
            role: Role::Chunk,
            size: 1,
            hash: String::new(),
            source_map: None,
            key: None,
            siblings: Vec::new(),
        };
        let edge = |from: &str, to: &str, kind| Edge {
            from: from.into(),
            to: to.into(),
            kind,
        };
        let mut build = Build {
            files: [
                "entry.js",
                "vendor.js",
                "entry.css",
                "lazy.js",
                "lazy.css",
                "shared.js",
                "w.js",
                "img.png",
                "lazy.png",
                "font.woff2",
                "unused.png",
            ]
            .into_iter()
            .map(file)
            .collect(),
            edges: vec![
                edge("entry.js", "vendor.js", EdgeKind::Static),
                edge("entry.js", "entry.css", EdgeKind::Stylesheet),
                edge("entry.js", "lazy.js", EdgeKind::Dynamic),
                edge("lazy.js", "entry.js", EdgeKind::Static), // the cycle Vite writes
                edge("lazy.js", "shared.js", EdgeKind::Static),
                edge("lazy.js", "lazy.css", EdgeKind::Stylesheet),
                edge("vendor.js", "w.js", EdgeKind::Worker),
                edge("entry.js", "img.png", EdgeKind::Asset),
                edge("lazy.css", "lazy.png", EdgeKind::Asset),
                edge("entry.css", "font.woff2", EdgeKind::Asset),
            ],
            ..Build::default()
        };
        build.normalize();
        let set = build.load_set("index.html", None, &["entry.js".into()], &[]);
        assert_eq!(set.initial, ["entry.css", "entry.js", "vendor.js"]);
        assert_eq!(set.lazy, ["lazy.css", "lazy.js", "shared.js", "w.js"]);
        // Images named by initial or lazy files; fonts and unreferenced images are not.
        assert_eq!(set.images, ["img.png", "lazy.png"]);
    }
}
