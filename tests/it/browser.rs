//! Headless Chromium for the tests: whether it can run here, and a driver that visits pages of
//! a served app and reports what a user would notice (tests/browser/visit.mjs).

use crate::serve::Server;
use crate::util::repo_root;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One Chromium at a time: two cores, and the timing test must not share them.
pub(crate) static BROWSER_LOCK: Mutex<()> = Mutex::new(());

pub(crate) fn browser_dir() -> PathBuf {
    repo_root().join("tests/browser")
}

pub(crate) fn chromium() -> PathBuf {
    std::env::var_os("DISTILL_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// Whether the browser tests can run; `false` (with the reason printed) when they skip.
pub(crate) fn browser_available() -> bool {
    let required = std::env::var("DISTILL_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let skip = |why: String| {
        assert!(!required, "DISTILL_REQUIRE_BROWSER=1 but {why}");
        eprintln!("skipped: {why}");
        false
    };
    let works = |cmd: &str, args: &[&str], dir: &Path| {
        Command::new(cmd)
            .args(args)
            .current_dir(dir)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let dir = browser_dir();
    if !chromium().is_file() {
        return skip(format!(
            "Chromium is not installed at {} (run tests/browser/install.sh)",
            chromium().display()
        ));
    }
    if !works("node", &["--version"], &dir) {
        return skip("Node.js is not installed, so the browser driver cannot run".into());
    }
    let _guard = BROWSER_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !dir.join("node_modules/playwright-core").is_dir()
        && !works("npm", &["ci", "--no-audit", "--no-fund"], &dir)
    {
        return skip(format!(
            "playwright-core is not installed in {} and `npm ci` failed there",
            dir.display()
        ));
    }
    true
}

/// Loads every route of the app served at `base` in a fresh page; returns visit.mjs's report.
pub(crate) fn visit(base: &str, routes: &[&str]) -> Value {
    let _guard = BROWSER_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan.json");
    crate::util::write(
        &plan,
        serde_json::to_vec(&json!({ "base": base, "routes": routes })).unwrap(),
    );
    let out = Command::new("node")
        .arg(browser_dir().join("visit.mjs"))
        .arg(&plan)
        .current_dir(browser_dir())
        .env("DISTILL_CHROMIUM", chromium())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "visit.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "visit.mjs printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Loads `routes` from the build before and after, plainly served (the minified files
/// themselves, not their precompressed copies): the same text on every page, and no console
/// error, page error or failed request after that was not there before.
pub(crate) fn same_in_chromium(before: &Path, after: &Path, routes: &[&str]) -> Value {
    let a = Server::start(before, None);
    let b = Server::start(after, None);
    same_pages(&a.base, &b.base, routes)
}

/// The app served at `after` reads the same as at `before` on every route, with no console
/// error, page error or failed request that was not there before; returns the second visit.
pub(crate) fn same_pages(before: &str, after: &str, routes: &[&str]) -> Value {
    let reference = visit(before, routes);
    let run = visit(after, routes);
    let pages = |v: &Value| v["pages"].as_array().unwrap().clone();
    for (x, y) in pages(&reference).iter().zip(pages(&run).iter()) {
        let route = &x["route"];
        assert!(
            !x["text"].as_str().unwrap().trim().is_empty(),
            "{route}: nothing rendered before optimize"
        );
        assert_eq!(x["text"], y["text"], "{route}: the page reads the same");
        for key in ["consoleErrors", "pageErrors", "failed"] {
            assert_eq!(x[key], y[key], "{route} {key}: {y}");
        }
    }
    assert_eq!(pages(&reference).len(), routes.len());
    assert_eq!(pages(&run).len(), routes.len());
    run
}
