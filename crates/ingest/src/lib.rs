//! Ingest: recognise which tool produced a build folder and read it into a [`Build`].
//!
//! Detection, in order: Vite with its manifest (`.vite/manifest.json`, a hidden folder), Next.js
//! (`build-manifest.json`; Turbopack when the `turbopack` marker or its chunk-loading global is
//! there), a Vite-like folder without manifest (`index.html` + `assets/`, followed through HTML
//! tags and import statements), and any other folder of assets.
//!
//! Everything is read through a [`FileSource`], so tests can ingest a build held in memory:
//!
//! ```
//! use distill_ingest::{ingest, MemSource};
//! let src = MemSource::new()
//!     .with("index.html", r#"<script type="module" src="/assets/app.js"></script>"#)
//!     .with("assets/app.js", r#"import"./dep.js";"#)
//!     .with("assets/dep.js", "export{}");
//! let ingested = ingest(&src).unwrap();
//! assert_eq!(ingested.build.entries[0].initial, ["assets/app.js", "assets/dep.js"]);
//! ```

mod html;
mod next;
pub mod paths;
mod scan;
mod source;
mod vite;

pub use source::{FileSource, FsSource, MemSource};

use distill_graph::{Build, Code, Diagnostic, Edge, EdgeKind, File, FileKind, Framework, Role};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A build and what was noticed while reading it.
#[derive(Debug)]
pub struct Ingested {
    pub build: Build,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the build. Fails only when nothing at all can be analyzed (an empty folder, or no file
/// that can be read); every other problem is a diagnostic next to a build that is still useful.
pub fn ingest(source: &dyn FileSource) -> Result<Ingested, Diagnostic> {
    let mut diags = Vec::new();
    let marked = detect_by_markers(source);
    let (listed, walk_diags) = source.walk(&|dir| marked.unwrap_or(Layout::Plain).skips(dir));
    diags.extend(walk_diags);
    let layout = marked.unwrap_or_else(|| {
        let html = listed.iter().any(|p| p == "index.html");
        if html && listed.iter().any(|p| p.starts_with("assets/")) {
            Layout::Html
        } else {
            Layout::Plain
        }
    });

    let (client, server): (Vec<String>, Vec<String>) =
        listed.into_iter().partition(|p| layout.is_client(p));
    let scanned = scan_files(source, &client, &mut diags);
    if scanned.is_empty() {
        return Err(Diagnostic::error(
            Code::InputEmpty,
            "no file in the build folder can be analyzed",
        )
        .hint(
            "run the build first; distill reads the folder it writes (dist/, .next/, build/, out/)",
        ));
    }

    let mut ctx = Context {
        source,
        files: scanned,
        diags,
        edges: Vec::new(),
    };
    let mut build = Build {
        server_files: server.len() as u64,
        ..Build::default()
    };
    match layout {
        Layout::Vite => vite::ingest(&mut ctx, &mut build),
        Layout::Next { turbopack } => next::ingest(&mut ctx, &mut build, turbopack),
        Layout::Html => {
            build.framework = Some(Framework::ViteHtml);
            html::ingest(&mut ctx, &mut build);
        }
        Layout::Plain => {
            build.framework = Some(Framework::Plain);
            ctx.diags.push(
                Diagnostic::info(Code::InputUnknownLayout, "no Vite or Next.js build recognised; analyzed as a plain folder of assets")
                    .hint("for entries and first-load sizes, build Vite with `build.manifest: true` or point at a `.next` folder"),
            );
            html::ingest(&mut ctx, &mut build);
        }
    }
    ctx.link_source_maps();
    let Context {
        files,
        diags,
        edges,
        ..
    } = ctx;
    build.files = files.into_values().map(|s| s.file).collect();
    build.edges = edges;
    build.normalize();
    Ok(Ingested {
        build,
        diagnostics: diags,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Vite,
    Next { turbopack: bool },
    Html,
    Plain,
}

impl Layout {
    fn skips(self, dir: &str) -> bool {
        let top = dir.split('/').next().unwrap_or(dir);
        match self {
            Layout::Next { .. } => matches!(
                top,
                "cache" | "node_modules" | "types" | "diagnostics" | "trace"
            ),
            Layout::Vite => top == ".vite" || dir.ends_with("node_modules") || top == ".git",
            Layout::Html | Layout::Plain => top == ".git" || dir.ends_with("node_modules"),
        }
    }

    fn is_client(self, path: &str) -> bool {
        match self {
            Layout::Next { .. } => path.starts_with("static/"),
            _ => true,
        }
    }
}

/// Layouts recognised by a marker file, before anything is walked (so `.next/cache` is never
/// listed).
fn detect_by_markers(source: &dyn FileSource) -> Option<Layout> {
    if source.is_file(".vite/manifest.json") {
        return Some(Layout::Vite);
    }
    if source.is_file("build-manifest.json")
        && (source.is_file("BUILD_ID")
            || source.is_file("app-path-routes-manifest.json")
            || source.is_file("routes-manifest.json"))
    {
        let turbopack = source.is_file("turbopack")
            || source.read("build-manifest.json").is_ok_and(|b| {
                serde_json::from_slice::<serde_json::Value>(&b).is_ok_and(|v| {
                    v.get("chunkLoadingGlobal").and_then(|g| g.as_str()) == Some("TURBOPACK")
                })
            });
        return Some(Layout::Next { turbopack });
    }
    None
}

/// A client file after the one pass that reads it.
#[derive(Debug)]
struct Scanned {
    file: File,
    /// The raw `sourceMappingURL` value, resolved later.
    map_url: Option<String>,
    /// ES-module references (scripts) or `url()`/`@import` references (stylesheets).
    refs: Vec<scan::Reference>,
    /// Build-relative paths in loader tables (Vite's preload table, Next.js chunk loaders).
    loader_paths: Vec<String>,
}

/// Reads every file once, in parallel, largest work first being irrelevant here (hashing is
/// linear and cheap next to compression).
fn scan_files(
    source: &dyn FileSource,
    paths: &[String],
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Scanned> {
    let results: Vec<Result<Scanned, Diagnostic>> = paths
        .par_iter()
        .map(|path| {
            let unreadable = |e: std::io::Error| {
                Diagnostic::warning(Code::InputUnreadable, format!("cannot read: {e}"))
                    .at(path.clone())
                    .hint(
                        "check the file permissions; the rest of the build is analyzed without it",
                    )
            };
            // Source maps are not payload: their size is all ingest needs, and they are often
            // several times the code they describe, so they are read only by attribution.
            if FileKind::from_path(path) == FileKind::Map {
                let size = source.len(path).map_err(unreadable)?;
                return Ok(Scanned {
                    file: File {
                        path: path.clone(),
                        kind: FileKind::Map,
                        role: Role::SourceMap,
                        size,
                        hash: String::new(),
                        source_map: None,
                        key: None,
                    },
                    map_url: None,
                    refs: Vec::new(),
                    loader_paths: Vec::new(),
                });
            }
            let bytes = source.read(path).map_err(|e| {
                Diagnostic::warning(Code::InputUnreadable, format!("cannot read: {e}"))
                    .at(path.clone())
                    .hint(
                        "check the file permissions; the rest of the build is analyzed without it",
                    )
            })?;
            let kind = FileKind::from_path(path);
            let hash = hex(&Sha256::digest(&bytes));
            let (map_url, refs, loader_paths) = match kind {
                FileKind::Script => (
                    scan::source_mapping_url(&bytes),
                    scan::script_references(&bytes),
                    scan::loader_paths(&bytes),
                ),
                FileKind::Stylesheet => (
                    scan::source_mapping_url(&bytes),
                    scan::stylesheet_references(&bytes),
                    Vec::new(),
                ),
                _ => (None, Vec::new(), Vec::new()),
            };
            let role = match kind {
                FileKind::Script => Role::Chunk,
                FileKind::Document => Role::Document,
                FileKind::Map => Role::SourceMap,
                _ => Role::Asset,
            };
            Ok(Scanned {
                file: File {
                    path: path.clone(),
                    kind,
                    role,
                    size: bytes.len() as u64,
                    hash,
                    source_map: None,
                    key: None,
                },
                map_url,
                refs,
                loader_paths,
            })
        })
        .collect();
    let mut files = BTreeMap::new();
    for r in results {
        match r {
            Ok(s) => {
                files.insert(s.file.path.clone(), s);
            }
            Err(d) => diags.push(d),
        }
    }
    files
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Shared state of one ingest run.
struct Context<'a> {
    source: &'a dyn FileSource,
    files: BTreeMap<String, Scanned>,
    diags: Vec<Diagnostic>,
    edges: Vec<Edge>,
}

impl Context<'_> {
    fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// The files and edges as they stand, for computing load sets before the build is finished.
    fn graph(&self) -> Build {
        let mut graph = Build {
            files: self.files.values().map(|s| s.file.clone()).collect(),
            edges: self.edges.clone(),
            ..Build::default()
        };
        graph.normalize();
        graph
    }

    fn set_role(&mut self, path: &str, role: Role) {
        if let Some(s) = self.files.get_mut(path) {
            s.file.role = role;
        }
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        if from != to {
            self.edges.push(Edge {
                from: from.to_owned(),
                to: to.to_owned(),
                kind,
            });
        }
    }

    /// Reads a build file as text for parsing, with a diagnostic when it cannot be read.
    fn read_text(&mut self, path: &str, code: Code) -> Option<String> {
        match self.source.read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Some(text),
                Err(_) => {
                    self.diags
                        .push(Diagnostic::warning(code, "not valid UTF-8 text; ignored").at(path));
                    None
                }
            },
            Err(e) => {
                self.diags.push(
                    Diagnostic::warning(Code::InputUnreadable, format!("cannot read: {e}"))
                        .at(path),
                );
                None
            }
        }
    }

    /// Parses a JSON metadata file, reporting a syntax or shape error with its line and column.
    fn read_json<T: serde::de::DeserializeOwned>(&mut self, path: &str, hint: &str) -> Option<T> {
        let text = self.read_text(path, Code::InputBadManifest)?;
        match serde_json::from_str::<T>(&text) {
            Ok(v) => Some(v),
            Err(e) => {
                let message = e.to_string();
                // serde_json appends " at line L column C"; the position goes in its own fields.
                let message = message
                    .split(" at line ")
                    .next()
                    .unwrap_or(&message)
                    .to_owned();
                self.diags.push(
                    Diagnostic::error(Code::InputBadManifest, format!("malformed JSON: {message}"))
                        .at(path)
                        .at_position(e.line(), e.column())
                        .hint(hint),
                );
                None
            }
        }
    }

    /// Resolves a path named by a manifest (relative to the build root): refused with a
    /// diagnostic when it leaves the folder, warned about when the file is missing.
    fn manifest_path(&mut self, manifest: &str, value: &str) -> Option<String> {
        let Some(path) = paths::normalize(value) else {
            self.diags.push(
                Diagnostic::error(Code::InputPathOutside, format!("`{value}` points outside the build folder; refused"))
                    .at(manifest)
                    .hint("a manifest must only name files inside the build; rebuild, or check who edited it"),
            );
            return None;
        };
        if !self.has(&path) {
            self.diags.push(
                Diagnostic::warning(
                    Code::InputMissingFile,
                    format!("names `{path}`, which is not in the build"),
                )
                .at(manifest)
                .hint("the build folder may be incomplete or the manifest stale; rebuild"),
            );
            return None;
        }
        Some(path)
    }

    /// Adds edges for the ES-module references each script makes and the `url()`s of
    /// stylesheets, keeping only targets that exist in the build.
    fn follow_references(&mut self, base: &str) {
        let mut new_edges = Vec::new();
        let mut outside = Vec::new();
        for (path, scanned) in &self.files {
            for r in &scanned.refs {
                match paths::resolve(path, &r.specifier, base) {
                    Some(target) if self.files.contains_key(&target) => {
                        let kind = match (r.kind, FileKind::from_path(&target)) {
                            (EdgeKind::Asset, FileKind::Stylesheet) => EdgeKind::Stylesheet,
                            (k, _) => k,
                        };
                        new_edges.push((path.clone(), target, kind));
                    }
                    _ if paths::escapes(path, &r.specifier) && r.specifier.starts_with('.') => {
                        outside.push((path.clone(), r.specifier.clone()));
                    }
                    _ => {}
                }
            }
        }
        for (from, to, kind) in new_edges {
            self.edge(&from, &to, kind);
        }
        for (from, spec) in outside {
            self.diags.push(
                Diagnostic::warning(
                    Code::InputPathOutside,
                    format!("references `{spec}`, outside the build folder; not followed"),
                )
                .at(from),
            );
        }
    }

    /// Dynamic edges from each script to the files its loader tables name.
    fn follow_loader_paths(&mut self) {
        let mut new_edges = Vec::new();
        for (path, scanned) in &self.files {
            for target in &scanned.loader_paths {
                if let Some(target) =
                    paths::normalize(target).filter(|t| self.files.contains_key(t))
                {
                    new_edges.push((path.clone(), target));
                }
            }
        }
        for (from, to) in new_edges {
            self.edge(&from, &to, EdgeKind::Dynamic);
        }
    }

    /// Follows each script's and stylesheet's `sourceMappingURL` (never guessing `<file>.map`:
    /// Turbopack names maps differently from their chunks).
    fn link_source_maps(&mut self) {
        let mut links = Vec::new();
        let mut diags = Vec::new();
        for (path, scanned) in &self.files {
            let Some(url) = &scanned.map_url else {
                continue;
            };
            if url.starts_with("data:") {
                continue;
            }
            match paths::resolve(path, url, "/") {
                Some(target) if self.files.contains_key(&target) => links.push((path.clone(), target)),
                Some(target) => diags.push(
                    Diagnostic::warning(Code::InputMissingFile, format!("its source map `{target}` is not in the build"))
                        .at(path.clone())
                        .hint("deploy or keep the .map files next to the build to attribute bytes to modules"),
                ),
                None if paths::escapes(path, url) || url.starts_with('/') => diags.push(
                    Diagnostic::warning(Code::InputPathOutside, format!("its sourceMappingURL `{url}` points outside the build folder; not followed"))
                        .at(path.clone()),
                ),
                None => {}
            }
        }
        self.diags.extend(diags);
        for (file, map) in links {
            if let Some(s) = self.files.get_mut(&file) {
                s.file.source_map = Some(map.clone());
            }
            self.set_role(&map, Role::SourceMap);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_folder_is_the_only_failure() {
        let err = ingest(&MemSource::new()).unwrap_err();
        assert_eq!(err.code, Code::InputEmpty);
        let err = ingest(&MemSource::new().unreadable("a.js", "permission denied")).unwrap_err();
        assert_eq!(err.code, Code::InputEmpty);
    }

    #[test]
    fn unreadable_file_is_reported_and_the_rest_analyzed() {
        let src = MemSource::new()
            .with("a.js", "x")
            .unreadable("b.js", "permission denied");
        let ingested = ingest(&src).unwrap();
        assert_eq!(ingested.build.files.len(), 1);
        let d = ingested
            .diagnostics
            .iter()
            .find(|d| d.code == Code::InputUnreadable)
            .unwrap();
        assert_eq!(d.path.as_deref(), Some("b.js"));
        assert!(d.message.contains("permission denied"));
    }

    #[test]
    fn plain_folder_is_said_so() {
        let src = MemSource::new()
            .with("logo.png", [0u8; 10])
            .with("app.js", "console.log(1)");
        let ingested = ingest(&src).unwrap();
        assert_eq!(ingested.build.framework, Some(Framework::Plain));
        assert!(
            ingested
                .diagnostics
                .iter()
                .any(|d| d.code == Code::InputUnknownLayout)
        );
        let png = ingested.build.file("logo.png").unwrap();
        assert_eq!(png.kind, FileKind::Image);
        assert_eq!(png.hash.len(), 64);
    }

    #[test]
    fn source_maps_follow_the_comment_not_the_name() {
        let src = MemSource::new()
            .with("static/a.js", "x\n//# sourceMappingURL=b-other.js.map")
            .with("static/b-other.js.map", "{}")
            .with("static/c.js", "x\n//# sourceMappingURL=../../../etc/c.map")
            .with("static/d.js", "x\n//# sourceMappingURL=missing.map");
        let ingested = ingest(&src).unwrap();
        let b = &ingested.build;
        assert_eq!(
            b.file("static/a.js").unwrap().source_map.as_deref(),
            Some("static/b-other.js.map")
        );
        assert_eq!(
            b.file("static/b-other.js.map").unwrap().role,
            Role::SourceMap
        );
        assert!(b.file("static/c.js").unwrap().source_map.is_none());
        let codes: Vec<_> = ingested
            .diagnostics
            .iter()
            .map(|d| (d.code, d.path.clone().unwrap_or_default()))
            .collect();
        assert!(
            codes.contains(&(Code::InputPathOutside, "static/c.js".into())),
            "{codes:?}"
        );
        assert!(
            codes.contains(&(Code::InputMissingFile, "static/d.js".into())),
            "{codes:?}"
        );
    }
}
