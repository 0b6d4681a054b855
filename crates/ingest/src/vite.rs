//! Vite with `build.manifest: true`: `.vite/manifest.json` names every chunk, its static and
//! dynamic imports (by manifest key), its CSS and assets (by file). FORMATS.md §1.

use crate::context::Context;
use crate::html;
use distill_graph::{Build, Chunk, Code, Diagnostic, EdgeKind, FileKind, Framework, Role};
use serde::Deserialize;
use std::collections::BTreeMap;

const MANIFEST: &str = ".vite/manifest.json";

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ManifestChunk {
    file: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    is_entry: bool,
    #[serde(default)]
    is_dynamic_entry: bool,
    #[serde(default)]
    imports: Vec<String>,
    #[serde(default)]
    dynamic_imports: Vec<String>,
    #[serde(default)]
    css: Vec<String>,
    #[serde(default)]
    assets: Vec<String>,
}

pub(crate) fn ingest(ctx: &mut Context, build: &mut Build) {
    build.framework = Some(Framework::Vite);
    let hint =
        "rebuild with `build.manifest: true`; until then entries are found by following index.html";
    let Some(raw) = ctx.read_json::<BTreeMap<String, serde_json::Value>>(MANIFEST, hint) else {
        // What can still be known: the HTML documents and the chunks' own imports.
        html::ingest(ctx, build);
        return;
    };

    let mut chunks: BTreeMap<String, (ManifestChunk, String)> = BTreeMap::new();
    for (key, value) in raw {
        match ManifestChunk::deserialize(&value) {
            Ok(chunk) => {
                if let Some(file) = ctx.manifest_path(MANIFEST, &chunk.file) {
                    chunks.insert(key, (chunk, file));
                }
            }
            Err(e) => ctx.diags.push(
                Diagnostic::error(
                    Code::InputBadManifest,
                    format!("entry `{key}` is not a Vite manifest chunk: {e}"),
                )
                .at(MANIFEST)
                .hint("the entry is skipped; rebuild to regenerate the manifest"),
            ),
        }
    }

    let file_of_key = |key: &str| chunks.get(key).map(|(_, file)| file.clone());
    let mut edges = Vec::new();
    let mut missing_keys = Vec::new();
    let mut entry_files = Vec::new();
    for (key, (chunk, file)) in &chunks {
        let role = if chunk.is_entry {
            entry_files.push((key.clone(), file.clone()));
            Role::Entry
        } else if chunk.is_dynamic_entry {
            Role::DynamicEntry
        } else if FileKind::from_path(file) == FileKind::Script {
            Role::Chunk
        } else {
            Role::Asset
        };
        for (list, kind) in [
            (&chunk.imports, EdgeKind::Static),
            (&chunk.dynamic_imports, EdgeKind::Dynamic),
        ] {
            for import in list {
                match file_of_key(import) {
                    Some(target) => edges.push((file.clone(), target, kind)),
                    None => missing_keys.push((key.clone(), import.clone())),
                }
            }
        }
        for (list, is_css) in [(&chunk.css, true), (&chunk.assets, false)] {
            for value in list {
                let kind = match (is_css, FileKind::from_path(value)) {
                    (true, _) | (_, FileKind::Stylesheet) => EdgeKind::Stylesheet,
                    (false, FileKind::Script) => EdgeKind::Worker,
                    _ => EdgeKind::Asset,
                };
                edges.push((file.clone(), value.clone(), kind));
            }
        }
        ctx.set_role(file, role);
        if let Some(s) = ctx.files.get_mut(file) {
            s.file.key.get_or_insert_with(|| key.clone());
        }
        if FileKind::from_path(file) == FileKind::Script {
            build.chunks.push(Chunk {
                file: file.clone(),
                name: chunk.name.clone(),
            });
        }
    }
    for (key, import) in missing_keys {
        ctx.diags.push(
            Diagnostic::warning(
                Code::InputBadManifest,
                format!("entry `{key}` imports `{import}`, which is not a manifest key"),
            )
            .at(MANIFEST),
        );
    }
    for (from, to, kind) in edges {
        // `css`/`assets` hold files, not keys: check them like any manifest path.
        let to = if matches!(kind, EdgeKind::Static | EdgeKind::Dynamic) {
            Some(to)
        } else {
            ctx.manifest_path(MANIFEST, &to)
        };
        if let Some(to) = to {
            ctx.edge(&from, &to, kind);
        }
    }
    html::finish_workers(ctx);
    mark_public(ctx, &chunks);

    let graph = ctx.graph();
    for (key, file) in entry_files {
        build
            .entries
            .push(graph.load_set(&key, Some(MANIFEST), &[file], &[]));
    }
}

/// Files that no manifest entry names and that are not maps or HTML came from `public/`.
fn mark_public(ctx: &mut Context, chunks: &BTreeMap<String, (ManifestChunk, String)>) {
    let mut named: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
    for (chunk, file) in chunks.values() {
        named.insert(file);
        named.extend(chunk.css.iter().map(String::as_str));
        named.extend(chunk.assets.iter().map(String::as_str));
    }
    let public: Vec<String> = ctx
        .files
        .values()
        .filter(|s| !named.contains(s.file.path.as_str()))
        .filter(|s| {
            !matches!(s.file.role, Role::SourceMap | Role::Document) && s.file.kind != FileKind::Map
        })
        .map(|s| s.file.path.clone())
        .collect();
    for p in public {
        ctx.set_role(&p, Role::Public);
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest;
    use distill_fs::MemSource;
    use distill_graph::{Code, Framework, Role};

    const MANIFEST: &str = r#"{
      "index.html": {"file": "assets/index-A.js", "name": "index", "src": "index.html", "isEntry": true,
        "imports": ["_vendor-B.js"], "dynamicImports": ["src/Lazy.jsx"], "css": ["assets/index-C.css"],
        "assets": ["assets/w.worker-D.js", "assets/hero-E.png"]},
      "_vendor-B.js": {"file": "assets/vendor-B.js", "name": "vendor"},
      "src/Lazy.jsx": {"file": "assets/Lazy-F.js", "isDynamicEntry": true, "imports": ["index.html", "_vendor-B.js"], "css": ["assets/Lazy-G.css"]}
    }"#;

    fn build() -> MemSource {
        MemSource::new()
            .with(".vite/manifest.json", MANIFEST)
            .with(
                "index.html",
                "<script type=module src=/assets/index-A.js></script>",
            )
            .with("assets/index-A.js", "import\"./vendor-B.js\"")
            .with("assets/vendor-B.js", "export{}")
            .with("assets/Lazy-F.js", "import\"./index-A.js\"")
            .with("assets/index-C.css", "a{}")
            .with("assets/Lazy-G.css", "b{}")
            .with("assets/w.worker-D.js", "onmessage=()=>{}")
            .with("assets/hero-E.png", [0u8; 8])
            .with("robots.txt", "User-agent: *")
    }

    #[test]
    fn manifest_entries_roles_and_sets() {
        let ingested = ingest(&build()).unwrap();
        let b = &ingested.build;
        assert!(
            ingested.diagnostics.is_empty(),
            "{:?}",
            ingested.diagnostics
        );
        assert_eq!(b.framework, Some(Framework::Vite));
        assert!(
            b.file(".vite/manifest.json").is_none(),
            "manifest is metadata, not payload"
        );
        assert_eq!(b.entries.len(), 1);
        let e = &b.entries[0];
        assert_eq!(e.name, "index.html");
        assert_eq!(
            e.initial,
            [
                "assets/index-A.js",
                "assets/index-C.css",
                "assets/vendor-B.js"
            ]
        );
        assert_eq!(
            e.lazy,
            [
                "assets/Lazy-F.js",
                "assets/Lazy-G.css",
                "assets/w.worker-D.js"
            ]
        );
        assert_eq!(b.file("assets/w.worker-D.js").unwrap().role, Role::Worker);
        assert_eq!(b.file("assets/Lazy-F.js").unwrap().role, Role::DynamicEntry);
        assert_eq!(
            b.file("assets/Lazy-F.js").unwrap().key.as_deref(),
            Some("src/Lazy.jsx")
        );
        assert_eq!(b.file("robots.txt").unwrap().role, Role::Public);
        assert_eq!(
            b.chunks
                .iter()
                .find(|c| c.file == "assets/vendor-B.js")
                .unwrap()
                .name
                .as_deref(),
            Some("vendor")
        );
    }

    #[test]
    fn malformed_manifest_falls_back_to_html_with_position() {
        let src = build().with(
            ".vite/manifest.json",
            "{\n  \"index.html\": {\"file\": \"assets/index-A.js\",,}\n}",
        );
        let ingested = ingest(&src).unwrap();
        let d = ingested
            .diagnostics
            .iter()
            .find(|d| d.code == Code::InputBadManifest)
            .unwrap();
        assert_eq!(d.path.as_deref(), Some(".vite/manifest.json"));
        assert_eq!(d.line, Some(2));
        assert!(d.column.is_some());
        // Still analyzed: the entry comes from index.html and its imports.
        let e = &ingested.build.entries[0];
        assert_eq!(e.initial, ["assets/index-A.js", "assets/vendor-B.js"]);
    }

    #[test]
    fn manifest_paths_outside_the_build_are_refused() {
        let manifest = r#"{"index.html": {"file": "../../etc/passwd", "isEntry": true},
                           "x.js": {"file": "assets/vendor-B.js", "css": ["/etc/shadow"]},
                           "bad": {"file": 42}}"#;
        let ingested = ingest(&build().with(".vite/manifest.json", manifest)).unwrap();
        let outside: Vec<_> = ingested
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::InputPathOutside)
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(outside.len(), 2, "{outside:?}");
        assert!(outside[0].contains("../../etc/passwd"));
        assert!(
            ingested
                .diagnostics
                .iter()
                .any(|d| d.code == Code::InputBadManifest && d.message.contains("`bad`"))
        );
        assert!(ingested.build.files.iter().all(|f| !f.path.contains("etc")));
    }
}
