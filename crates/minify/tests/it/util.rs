//! Fixture builds, their chunks and maps, sizes, and Node.

use distill_compress::{Settings, compressed_len};
use distill_graph::Encoding;
use distill_minify::{ScriptKind, detect_kind};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required() -> bool {
    std::env::var("DISTILL_REQUIRE_NODE").is_ok_and(|v| v == "1")
}

/// Every fixture build whose chunks the tests read: (app, output folder).
pub(crate) const FIXTURES: &[(&str, &str)] = &[
    ("vite-nomin", "dist"),
    ("vite-react", "dist"),
    ("vite7-react", "dist"),
    ("vite-vue", "dist"),
    ("next-app", ".next"),
    ("next-app", ".next-webpack"),
    ("next-pages", ".next"),
    ("next-pages", ".next-webpack"),
    ("demo", "dist"),
];

/// The output folder of a fixture build; `None` (with the reason printed) when it has not been
/// built, which fails instead under `DISTILL_REQUIRE_NODE=1`.
pub(crate) fn fixture(app: &str, out: &str) -> Option<PathBuf> {
    let dir = repo_root().join("fixtures").join(app).join(out);
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        !required(),
        "DISTILL_REQUIRE_NODE=1 but fixtures/{app}/{out} is missing (run fixtures/build.sh)"
    );
    eprintln!("skipped: fixtures/{app}/{out} is not built (run fixtures/build.sh)");
    None
}

/// `node`, when installed; `None` (with the reason printed) when not, which fails instead under
/// `DISTILL_REQUIRE_NODE=1`.
pub(crate) fn node() -> Option<&'static str> {
    let ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some("node");
    }
    assert!(
        !required(),
        "DISTILL_REQUIRE_NODE=1 but `node` is not available"
    );
    eprintln!("skipped: Node.js is not installed");
    None
}

pub(crate) fn is_next(dir: &Path) -> bool {
    dir.join("static").is_dir() && dir.join("build-manifest.json").is_file()
}

/// A client script or stylesheet of a build.
pub(crate) struct Chunk {
    /// Relative to the build folder, `/`-separated.
    pub rel: String,
    pub code: String,
    /// Its source map (JSON), when its `sourceMappingURL` names a file that exists.
    pub map: Option<String>,
    pub css: bool,
    pub kind: ScriptKind,
}

/// The client JS and CSS of a build, sorted by path: `static/**` for Next.js, everything but
/// `node_modules` for a plain folder.
pub(crate) fn chunks(dir: &Path) -> Vec<Chunk> {
    let next = is_next(dir);
    let root = if next {
        dir.join("static")
    } else {
        dir.to_path_buf()
    };
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let code = std::fs::read_to_string(&path).unwrap();
            let css = rel.ends_with(".css");
            let map = map_url(&code)
                .filter(|u| !u.starts_with("data:"))
                .and_then(|u| std::fs::read_to_string(path.parent().unwrap().join(u)).ok());
            let kind = if css || next {
                ScriptKind::Script
            } else {
                detect_kind(&code)
            };
            Chunk {
                rel,
                code,
                map,
                css,
                kind,
            }
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "node_modules") {
                walk(&path, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "js" || e == "css" || e == "mjs")
        {
            out.push(path);
        }
    }
}

fn map_url(code: &str) -> Option<&str> {
    let tail = &code[code.len().saturating_sub(4096)..];
    let at = tail.rfind("sourceMappingURL=")?;
    let url = &tail[at + "sourceMappingURL=".len()..];
    let url = url.split(|c: char| c.is_whitespace() || c == '*').next()?;
    (!url.is_empty()).then_some(url)
}

pub(crate) fn gzip(b: &[u8]) -> u64 {
    compressed_len(Encoding::Gzip, b, &Settings::default()).unwrap()
}

pub(crate) fn brotli(b: &[u8]) -> u64 {
    compressed_len(Encoding::Brotli, b, &Settings::default()).unwrap()
}

/// A temporary folder of the test binary's own.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes a test's scratch or snapshot file (not build output, so no atomic write needed).
#[allow(
    clippy::disallowed_methods,
    reason = "test scratch files and snapshots"
)]
pub(crate) fn write_file(path: &Path, contents: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}
