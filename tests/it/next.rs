use crate::util::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// Prerendered HTML files and the route each renders: `(html path, route)`, from Next's own
/// manifests (the pages manifest and the prerender manifest's `srcRoute`).
fn prerendered(next: &Path) -> Vec<(String, String)> {
    let mut out = BTreeMap::new();
    let prerender = read_json(&next.join("prerender-manifest.json"));
    let html_of = |dir: &str, path: &str| {
        let stem = if path == "/" { "/index" } else { path };
        format!("server/{dir}{stem}.html")
    };
    for (path, r) in prerender["routes"].as_object().unwrap() {
        let route = r["srcRoute"].as_str().unwrap_or(path).to_owned();
        for dir in ["app", "pages"] {
            let html = html_of(dir, path);
            if next.join(&html).is_file() {
                out.insert(html, route.clone());
            }
        }
    }
    let pages = next.join("server/pages-manifest.json");
    if pages.is_file() {
        for (route, file) in read_json(&pages).as_object().unwrap() {
            let file = file.as_str().unwrap();
            if file.ends_with(".html") && !route.starts_with("/_") {
                out.insert(format!("server/{file}"), route.clone());
            }
        }
    }
    out.into_iter().collect()
}

/// Next's own answer for first-load files: the `<script src>` tags of each prerendered page
/// (minus `noModule` polyfills and the low-priority build manifests), and its stylesheets.
fn check_html_matches_initial(next: &Path) -> (Value, BTreeMap<String, Vec<String>>) {
    let report = analyze_json(next, &["--encodings", "raw"]);
    let build_manifest = read_json(&next.join("build-manifest.json"));
    let low_priority = strings(&build_manifest["lowPriorityFiles"]);
    // Next percent-encodes `[id]` in URLs; the files keep the brackets.
    let to_path = |url: String| {
        let path = url[url.find("/_next/").unwrap() + 7..]
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        path.replace("%5B", "[").replace("%5D", "]")
    };
    let pages = prerendered(next);
    assert!(
        pages.len() >= 3,
        "too few prerendered pages in {}: {pages:?}",
        next.display()
    );
    let route_names = names(&report, "routes");
    let mut html_scripts = BTreeMap::new();
    for (html_path, route) in &pages {
        // An App Router build renders the legacy `/404` and `/500` pages with its not-found and
        // global-error routes.
        let route = match route.as_str() {
            "/404" if !route_names.contains(route) => "/_not-found",
            "/500" if !route_names.contains(route) => "/_global-error",
            r => r,
        };
        let html = std::fs::read_to_string(next.join(html_path)).unwrap();
        let mut scripts: Vec<String> = html_urls(&html, "script", "src", |h| {
            !h.to_ascii_lowercase().contains("nomodule")
        })
        .into_iter()
        .filter(|u| u.contains("/_next/"))
        .map(to_path)
        .filter(|p| !low_priority.contains(p))
        .collect();
        scripts.sort();
        scripts.dedup();
        let mut styles: Vec<String> =
            html_urls(&html, "link", "href", |h| h.contains("rel=\"stylesheet\""))
                .into_iter()
                .map(to_path)
                .collect();
        styles.sort();
        styles.dedup();
        let set = load_set(&report, "routes", route);
        assert_eq!(
            initial_of_kind(&report, set, "script"),
            scripts,
            "{route} ({html_path}) in {}",
            next.display()
        );
        html_scripts.insert(route.to_owned(), scripts.clone());
        assert_eq!(
            initial_of_kind(&report, set, "stylesheet"),
            styles,
            "{route} ({html_path}) css in {}",
            next.display()
        );
    }
    // Every route we report with a prerendered page was compared above.
    for (_, route) in &pages {
        let known = route_names.contains(route)
            || (["/404", "/500"].contains(&route.as_str())
                && route_names.contains(&"/_not-found".to_owned()));
        assert!(
            known,
            "route {route} missing from the report: {route_names:?}"
        );
    }
    (report, html_scripts)
}

/// Turbopack states each route's first-load JS in `diagnostics/route-bundle-stats.json`: our
/// files and bytes must equal it exactly.
///
/// Two exceptions, both Next's own inconsistencies, checked rather than assumed: API routes are
/// listed with `_app`'s chunks although they send no HTML or JS (we report no such route), and
/// where the stats disagree with the prerendered HTML (Pages Router `/404` is rendered by
/// `_error`, whose chunk the HTML loads and the stats omit) the HTML, what browsers fetch, wins.
fn check_route_bundle_stats(
    next: &Path,
    report: &Value,
    html_scripts: &BTreeMap<String, Vec<String>>,
) {
    let stats = read_json(&next.join("diagnostics/route-bundle-stats.json"));
    let stats = stats.as_array().unwrap();
    assert!(!stats.is_empty());
    let mut compared = 0;
    for s in stats {
        let route = s["route"].as_str().unwrap();
        let mut theirs: Vec<String> = strings(&s["firstLoadChunkPaths"])
            .into_iter()
            .map(|p| p[p.find("static/").unwrap()..].to_owned())
            .collect();
        theirs.sort();
        if route.starts_with("/api/") {
            assert!(
                !names(report, "routes").contains(&route.to_owned()),
                "API route {route} reported as a page"
            );
            continue;
        }
        if let Some(html) = html_scripts.get(route)
            && *html != theirs
        {
            eprintln!(
                "note: route-bundle-stats.json disagrees with the HTML of {route}; the HTML was checked"
            );
            continue;
        }
        let set = load_set(report, "routes", route);
        compared += 1;
        assert_eq!(initial_of_kind(report, set, "script"), theirs, "{route}");
        assert_eq!(
            set["initialScriptSizes"]["raw"], s["firstLoadUncompressedJsBytes"],
            "{route} bytes"
        );
    }
    assert!(
        compared >= 4,
        "only {compared} routes compared with route-bundle-stats.json"
    );
}

fn client_only(report: &Value) {
    for f in report["files"].as_array().unwrap() {
        let p = f["path"].as_str().unwrap();
        assert!(p.starts_with("static/"), "non-client file {p} counted");
    }
    assert!(
        report["serverFiles"].as_u64().unwrap() > 0,
        "server files are seen, not counted"
    );
}

#[test]
fn next_app_turbopack_matches_html_and_route_bundle_stats() {
    let Some(next) = fixture("next-app", ".next") else {
        return;
    };
    let (report, html) = check_html_matches_initial(&next);
    assert_eq!(report["framework"], "next-turbopack");
    check_route_bundle_stats(&next, &report, &html);
    client_only(&report);
    assert_lazy_has_dynamic_chunk(&report, "/calendar");
}

#[test]
fn next_app_webpack_matches_html() {
    let Some(next) = fixture("next-app", ".next-webpack") else {
        return;
    };
    let (report, _) = check_html_matches_initial(&next);
    assert_eq!(report["framework"], "next-webpack");
    client_only(&report);
    assert_lazy_has_dynamic_chunk(&report, "/calendar");
}

#[test]
fn next_pages_turbopack_matches_html_and_route_bundle_stats() {
    let Some(next) = fixture("next-pages", ".next") else {
        return;
    };
    let (report, html) = check_html_matches_initial(&next);
    assert_eq!(report["framework"], "next-turbopack");
    check_route_bundle_stats(&next, &report, &html);
    client_only(&report);
    assert_lazy_has_dynamic_chunk(&report, "/stats");
}

#[test]
fn next_pages_webpack_matches_html() {
    let Some(next) = fixture("next-pages", ".next-webpack") else {
        return;
    };
    let (report, _) = check_html_matches_initial(&next);
    assert_eq!(report["framework"], "next-webpack");
    client_only(&report);
    assert_lazy_has_dynamic_chunk(&report, "/stats");
    // Polyfills are noModule: never first-load for a modern browser.
    for r in report["routes"].as_array().unwrap() {
        for p in strings(&r["initial"]) {
            assert_ne!(file(&report, &p)["role"], "polyfill", "{p}");
        }
    }
}

/// The route's `next/dynamic` import loads later: some lazy script exists and is not initial.
fn assert_lazy_has_dynamic_chunk(report: &Value, route: &str) {
    let set = load_set(report, "routes", route);
    let lazy = strings(&set["lazy"]);
    assert!(
        lazy.iter().any(|p| p.ends_with(".js")),
        "{route} has no lazy chunk: {set}"
    );
}

#[test]
fn malformed_build_manifest_is_reported_and_app_routes_still_found() {
    let Some(next) = fixture("next-app", ".next") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    for sub in ["static", "server/app"] {
        copy_dir(&next.join(sub), &tmp.path().join(sub));
    }
    for f in [
        "BUILD_ID",
        "turbopack",
        "app-path-routes-manifest.json",
        "prerender-manifest.json",
    ] {
        if next.join(f).is_file() {
            std::fs::copy(next.join(f), tmp.path().join(f)).unwrap();
        }
    }
    write(
        &tmp.path().join("build-manifest.json"),
        "{\n  \"pages\": {\"/_app\": [}\n}",
    );
    let json = tmp.path().join("r.json");
    let o = distill(&[
        "analyze",
        tmp.path().to_str().unwrap(),
        "--encodings",
        "raw",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error[input/bad-manifest]: build-manifest.json:2:"),
        "{}",
        stderr(&o)
    );
    let report = read_json(&json);
    assert!(names(&report, "routes").contains(&"/dashboard".to_owned()));
}
