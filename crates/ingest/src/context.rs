//! The state of one ingest run: every client file read once (hash, references, loader tables,
//! source-map comment), the edges found so far, and the diagnostics; plus the helpers the
//! framework readers share (manifest paths, JSON with positions, reference resolution).

use distill_fs::{FileSource, paths};
use distill_graph::{Build, Code, Diagnostic, Edge, EdgeKind, File, FileKind, Role};
use distill_scan::{css, js, loader, map_url};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A client file after the one pass that reads it.
#[derive(Debug)]
pub(crate) struct Scanned {
    pub(crate) file: File,
    /// The raw `sourceMappingURL` value, resolved later.
    map_url: Option<String>,
    /// ES-module references (scripts) or `url()`/`@import` references (stylesheets): the
    /// specifier as written and what kind of edge it makes.
    refs: Vec<(String, EdgeKind)>,
    /// Build-relative paths in loader tables (Vite's preload table, Next.js chunk loaders).
    loader_paths: Vec<String>,
}

/// Reads every file once, in parallel, largest work first being irrelevant here (hashing is
/// linear and cheap next to compression).
pub(crate) fn scan_files(
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
                        siblings: Vec::new(),
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
                    map_url::url(&bytes),
                    js::references(&bytes)
                        .into_iter()
                        .map(|r| (r.specifier, r.kind))
                        .collect(),
                    loader::paths(&bytes).into_iter().map(|p| p.path).collect(),
                ),
                FileKind::Stylesheet => (
                    map_url::url(&bytes),
                    css::references(&bytes)
                        .into_iter()
                        .map(|r| (r.specifier, r.kind))
                        .collect(),
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
                    siblings: Vec::new(),
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
pub(crate) struct Context<'a> {
    pub(crate) source: &'a dyn FileSource,
    pub(crate) files: BTreeMap<String, Scanned>,
    pub(crate) diags: Vec<Diagnostic>,
    pub(crate) edges: Vec<Edge>,
}

impl Context<'_> {
    pub(crate) fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// The files and edges as they stand, for computing load sets before the build is finished.
    pub(crate) fn graph(&self) -> Build {
        let mut graph = Build {
            files: self.files.values().map(|s| s.file.clone()).collect(),
            edges: self.edges.clone(),
            ..Build::default()
        };
        graph.normalize();
        graph
    }

    pub(crate) fn set_role(&mut self, path: &str, role: Role) {
        if let Some(s) = self.files.get_mut(path) {
            s.file.role = role;
        }
    }

    pub(crate) fn edge(&mut self, from: &str, to: &str, kind: EdgeKind) {
        if from != to {
            self.edges.push(Edge {
                from: from.to_owned(),
                to: to.to_owned(),
                kind,
            });
        }
    }

    /// Reads a build file as text for parsing, with a diagnostic when it cannot be read.
    pub(crate) fn read_text(&mut self, path: &str, code: Code) -> Option<String> {
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
    pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
        &mut self,
        path: &str,
        hint: &str,
    ) -> Option<T> {
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
    pub(crate) fn manifest_path(&mut self, manifest: &str, value: &str) -> Option<String> {
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
    pub(crate) fn follow_references(&mut self, base: &str) {
        let mut new_edges = Vec::new();
        let mut outside = Vec::new();
        for (path, scanned) in &self.files {
            for (specifier, kind) in &scanned.refs {
                match paths::resolve(path, specifier, base) {
                    Some(target) if self.files.contains_key(&target) => {
                        let kind = match (*kind, FileKind::from_path(&target)) {
                            (EdgeKind::Asset, FileKind::Stylesheet) => EdgeKind::Stylesheet,
                            (k, _) => k,
                        };
                        new_edges.push((path.clone(), target, kind));
                    }
                    _ if paths::escapes(path, specifier) && specifier.starts_with('.') => {
                        outside.push((path.clone(), specifier.clone()));
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

    /// Dynamic edges from each script to the scripts and stylesheets its loader tables name,
    /// asset edges to the images and other media they name.
    pub(crate) fn follow_loader_paths(&mut self) {
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
            let kind = match FileKind::from_path(&to) {
                FileKind::Script | FileKind::Stylesheet => EdgeKind::Dynamic,
                _ => EdgeKind::Asset,
            };
            self.edge(&from, &to, kind);
        }
    }

    /// Follows each script's and stylesheet's `sourceMappingURL` (never guessing `<file>.map`:
    /// Turbopack names maps differently from their chunks).
    pub(crate) fn link_source_maps(&mut self) {
        let mut links = Vec::new();
        let mut diags = Vec::new();
        for (path, scanned) in &self.files {
            let Some(url) = &scanned.map_url else {
                continue;
            };
            if url.starts_with("data:") {
                continue;
            }
            if url.contains("://") || url.starts_with("//") {
                diags.push(
                    Diagnostic::info(
                        Code::MapRemote,
                        format!("its source map is on another server (`{url}`); distill never fetches anything, so the file is attributed as (unmapped)"),
                    )
                    .at(path.clone())
                    .hint("keep the .map files in the build folder to see which modules the bytes come from"),
                );
                continue;
            }
            match paths::resolve(path, url, "/") {
                Some(target) if self.files.get(&target).is_some_and(|t| t.file.kind != FileKind::Map) => diags.push(
                    Diagnostic::warning(
                        Code::MapMismatch,
                        format!("its sourceMappingURL names `{target}`, which is not a source map; ignored"),
                    )
                    .at(path.clone())
                    .hint("a bundler or plugin wrote a wrong sourceMappingURL comment; rebuild"),
                ),
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
