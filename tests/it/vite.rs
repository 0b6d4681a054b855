use crate::util::*;
use serde_json::Value;
use std::path::Path;

/// Vite's own answer: the HTML's module script + modulepreload links are the entry's initial JS,
/// its stylesheet links the initial CSS.
fn check_html_matches_initial(dist: &Path) -> Value {
    let report = analyze_json(dist, &["--encodings", "raw"]);
    let entries = report["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "no entry found in {}", dist.display());
    let mut checked = 0;
    for entry in entries {
        let name = entry["name"].as_str().unwrap();
        if !name.ends_with(".html") {
            continue;
        }
        let html = std::fs::read_to_string(dist.join(name)).unwrap();
        let strip = |u: String| u.trim_start_matches('/').to_owned();
        let mut scripts: Vec<String> =
            html_urls(&html, "script", "src", |h| h.contains("type=\"module\""))
                .into_iter()
                .chain(html_urls(&html, "link", "href", |h| {
                    h.contains("rel=\"modulepreload\"")
                }))
                .map(strip)
                .collect();
        scripts.sort();
        let mut styles: Vec<String> =
            html_urls(&html, "link", "href", |h| h.contains("rel=\"stylesheet\""))
                .into_iter()
                .map(strip)
                .collect();
        styles.sort();
        assert_eq!(
            initial_of_kind(&report, entry, "script"),
            scripts,
            "{name} in {}",
            dist.display()
        );
        assert_eq!(
            initial_of_kind(&report, entry, "stylesheet"),
            styles,
            "{name} in {}",
            dist.display()
        );
        checked += 1;
    }
    assert!(checked > 0);
    report
}

#[test]
fn demo_entry_matches_its_html() {
    let report = check_html_matches_initial(&demo());
    assert_eq!(report["framework"], "vite");
}

#[test]
fn vite8_react_entry_matches_its_html() {
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let report = check_html_matches_initial(&dist);
    let entry = load_set(&report, "entries", "index.html");
    // The react-vendor chunk is preloaded, so the HTML check above covered more than one file.
    assert!(
        strings(&entry["initial"])
            .iter()
            .any(|p| p.contains("react-vendor"))
    );
    // Lazy routes, their CSS and the worker load later, never first.
    let lazy = strings(&entry["lazy"]);
    assert!(
        lazy.iter()
            .any(|p| p.contains("Dashboard") && p.ends_with(".js")),
        "{lazy:?}"
    );
    assert!(
        lazy.iter()
            .any(|p| p.contains("Dashboard") && p.ends_with(".css")),
        "{lazy:?}"
    );
    let worker = lazy
        .iter()
        .find(|p| p.contains("worker"))
        .expect("worker in lazy");
    assert_eq!(file(&report, worker)["role"], "worker");
    // Public files are payload but named by no manifest entry.
    assert_eq!(file(&report, "robots.txt")["role"], "public");
}

#[test]
fn vite7_react_entry_matches_its_html() {
    let Some(dist) = fixture("vite7-react", "dist") else {
        return;
    };
    check_html_matches_initial(&dist);
}

#[test]
fn vite_vue_entry_matches_its_html() {
    let Some(dist) = fixture("vite-vue", "dist") else {
        return;
    };
    check_html_matches_initial(&dist);
}

/// Without `.vite/manifest.json` the HTML and the chunks' own imports give the same sets.
#[test]
fn vite_without_manifest_agrees_with_the_manifest() {
    for (app, dist) in [
        ("demo", Some(demo())),
        ("vite-react", fixture("vite-react", "dist")),
    ] {
        let Some(dist) = dist else { continue };
        let with = analyze_json(&dist, &["--encodings", "raw"]);
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&dist, tmp.path());
        std::fs::remove_dir_all(tmp.path().join(".vite")).unwrap();
        let without = analyze_json(tmp.path(), &["--encodings", "raw"]);
        assert_eq!(without["framework"], "vite-html", "{app}");
        let a = load_set(&with, "entries", "index.html");
        let b = load_set(&without, "entries", "index.html");
        assert_eq!(
            strings(&a["initial"]),
            strings(&b["initial"]),
            "{app} initial"
        );
        assert_eq!(strings(&a["lazy"]), strings(&b["lazy"]), "{app} lazy");
    }
}
