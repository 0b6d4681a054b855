#![allow(
    dead_code,
    reason = "each test module uses a different part of the harness"
)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// The committed demo build: always present, needs no npm.
pub(crate) fn demo() -> PathBuf {
    repo_root().join("fixtures/demo/dist")
}

static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// Whether Node.js runs here; when it does not, says which test step skips for `what`, or fails
/// under `DISTILL_REQUIRE_NODE=1` (CI).
pub(crate) fn node_available(what: &str) -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node {
        assert!(
            std::env::var("DISTILL_REQUIRE_NODE").as_deref() != Ok("1"),
            "DISTILL_REQUIRE_NODE=1 but `node` is not available to {what}"
        );
        eprintln!("skipped: Node.js is not installed, so it cannot {what}");
    }
    node
}

/// The output folder of a fixture build (`app` as `fixtures/build.sh` names it, `out` the folder
/// inside the app: `dist`, `.next`, `.next-webpack`), building it first when needed. `None`
/// (with the reason printed) when Node.js is missing and not required.
pub(crate) fn fixture(app: &str, out: &str) -> Option<PathBuf> {
    let dir = repo_root().join("fixtures").join(app).join(out);
    let stamp_ok = || dir.is_dir();
    let _guard = BUILD_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !node_available(&format!("build fixtures/{app} (run fixtures/build.sh)")) {
        return None;
    }
    // build.sh skips an app whose sources and lockfile are unchanged, so this is cheap when built.
    let status = Command::new("bash")
        .arg(repo_root().join("fixtures/build.sh"))
        .arg(app)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run fixtures/build.sh");
    assert!(status.success(), "fixtures/build.sh {app} failed");
    assert!(
        stamp_ok(),
        "fixtures/build.sh {app} did not produce {}",
        dir.display()
    );
    Some(dir)
}

pub(crate) fn distill(args: &[&str]) -> Output {
    distill_in(&repo_root(), args)
}

pub(crate) fn distill_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_distill"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        // A cache of the test run's own, never the user's.
        .env(
            "DISTILL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("size-cache"),
        )
        .output()
        .expect("run distill")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `distill analyze DIR --json` with extra flags and returns the parsed report.
pub(crate) fn analyze_json(dir: &Path, extra: &[&str]) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let json = tmp.path().join("report.json");
    let mut args = vec![
        "analyze",
        dir.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = distill(&args);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap()
}

pub(crate) fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    out.sort();
    out
}

/// The report's entry or route named `name`.
pub(crate) fn load_set<'a>(report: &'a Value, list: &str, name: &str) -> &'a Value {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| {
            panic!(
                "no {list} `{name}` in the report: {}",
                names(report, list).join(", ")
            )
        })
}

pub(crate) fn names(report: &Value, list: &str) -> Vec<String> {
    report[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) fn file<'a>(report: &'a Value, path: &str) -> &'a Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .unwrap_or_else(|| panic!("no file {path}"))
}

/// Initial files of a load set that are of `kind` (`script`, `stylesheet`).
pub(crate) fn initial_of_kind(report: &Value, set: &Value, kind: &str) -> Vec<String> {
    strings(&set["initial"])
        .into_iter()
        .filter(|p| file(report, p)["kind"] == kind)
        .collect()
}

/// `src`/`href` values of the HTML start tags `tag` whose attributes satisfy `keep`, read with a
/// deliberately naive scanner of its own so the test does not share code with the ingest.
pub(crate) fn html_urls(
    html: &str,
    tag: &str,
    attr: &str,
    keep: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for piece in html.split(&format!("<{tag}")).skip(1) {
        let head = &piece[..piece.find('>').unwrap_or(piece.len())];
        if !keep(head) {
            continue;
        }
        let key = format!("{attr}=\"");
        if let Some(start) = head.find(&key) {
            let rest = &head[start + key.len()..];
            out.push(rest[..rest.find('"').unwrap()].to_owned());
        }
    }
    out
}

/// Copies a folder (following no symlinks) so a test can damage the copy.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &dest).unwrap();
    }
}

/// Every regular file under `dir`, recursively.
pub(crate) fn walk_files(dir: &Path) -> Vec<PathBuf> {
    walk(dir)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            out.extend(walk(&e.path()));
        } else if ft.is_file() {
            out.push(e.path());
        }
    }
    out
}

#[allow(clippy::disallowed_methods, reason = "tests write their own inputs")]
pub(crate) fn write(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}
