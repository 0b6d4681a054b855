//! Which tool produced a build folder, from the marker files it leaves behind, and which of its
//! folders hold client files.

use distill_fs::FileSource;
use distill_graph::{Code, Diagnostic};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    Vite,
    Next { turbopack: bool },
    Html,
    Plain,
}

impl Layout {
    pub(crate) fn skips(self, dir: &str) -> bool {
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

    pub(crate) fn is_client(self, path: &str) -> bool {
        match self {
            Layout::Next { .. } => path.starts_with("static/"),
            _ => true,
        }
    }
}

/// Layouts recognised by a marker file, before anything is walked (so `.next/cache` is never
/// listed).
pub(crate) fn by_markers(source: &dyn FileSource, diags: &mut Vec<Diagnostic>) -> Option<Layout> {
    // A marker that is there but cannot be read as a file is said, not taken for "no manifest".
    for marker in [".vite/manifest.json", "build-manifest.json"] {
        if source.is_file(marker) {
            continue;
        }
        match source.len(marker) {
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => diags.push(
                Diagnostic::warning(
                    Code::InputSymlinkOutside,
                    format!("{e}; the manifest is not read"),
                )
                .at(marker)
                .hint("the build's own manifest must be inside the build folder"),
            ),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => diags.push(
                Diagnostic::warning(Code::InputBadManifest, format!("{e}; not read"))
                    .at(marker)
                    .hint("rebuild: the bundler writes its manifest as a regular file"),
            ),
            _ => {}
        }
    }
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
