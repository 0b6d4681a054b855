//! The HTML report in a real browser: Debian's headless Chromium, driven by
//! `tests/browser/driver.mjs` (playwright-core, no browser download).
//!
//! Each test writes a report, runs the driver with a plan of steps, and asserts on what the page
//! drew and measured. Every run also fails on any console error, page error, dialog, CSP
//! violation, request that leaves the page, or element the page never creates itself.
//!
//! Without Chromium (`tests/browser/install.sh` installs it) or Node.js the tests skip
//! with a printed reason, unless `DISTILL_REQUIRE_BROWSER=1` (set by `.ci/run`).

use crate::browser::{BROWSER_LOCK, browser_available, browser_dir, chromium};
use crate::util::{demo, distill, fixture, repo_root, stderr};
use distill_report::format_bytes;
use distill_schema::Report;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const XSS: &str = "<img src=x onerror=alert(1)>";

/// Runs the driver on `html` with `steps`; returns its output (see driver.mjs).
fn drive(html: &Path, steps: Value) -> Value {
    let _guard = BROWSER_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan.json");
    crate::util::write(
        &plan,
        serde_json::to_vec(&json!({ "html": html, "steps": steps })).unwrap(),
    );
    let out = Command::new("node")
        .arg(browser_dir().join("driver.mjs"))
        .arg(&plan)
        .current_dir(browser_dir())
        .env("DISTILL_CHROMIUM", chromium())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "driver.mjs failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "driver.mjs printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Nothing ran that should not have, nothing was fetched, nothing was logged as an error.
#[track_caller]
fn assert_clean(out: &Value) {
    for key in [
        "consoleErrors",
        "pageErrors",
        "dialogs",
        "requests",
        "cspViolations",
    ] {
        assert_eq!(out[key], json!([]), "{key} in the page: {}", out[key]);
    }
    let injected = &out["injected"];
    assert_eq!(
        injected["elements"],
        json!([]),
        "elements the page never creates: {injected}"
    );
    assert_eq!(
        injected["handlers"],
        json!([]),
        "inline event handlers: {injected}"
    );
    assert_eq!(injected["scripts"], 2, "scripts in the page: {injected}");
    assert_eq!(injected["pwned"], false);
}

fn analyze_html(dir: &Path, tmp: &Path) -> (PathBuf, Value) {
    let html = tmp.join("report.html");
    let json = tmp.join("report.json");
    let out = distill(&[
        "analyze",
        dir.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let report = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    (html, report)
}

fn write_html(report: &Value, path: &Path) {
    let report: Report = serde_json::from_value(report.clone()).expect("a valid report");
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    distill_report::html::write(&report, &Default::default(), &mut file).unwrap();
    std::io::Write::flush(&mut file).unwrap();
}

fn payload(report: &Value) -> Vec<&Value> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] != "map")
        .collect()
}

fn tiles(v: &Value) -> &Vec<Value> {
    v.as_array().expect("a list of tiles")
}

/// Share of the drawing that each file's tile takes, by path.
fn shares(tiles: &[Value]) -> Vec<(String, f64)> {
    let area = |t: &Value| t["w"].as_f64().unwrap() * t["h"].as_f64().unwrap();
    let files: Vec<&Value> = tiles.iter().filter(|t| t["type"] == "file").collect();
    let total: f64 = files.iter().map(|t| area(t)).sum();
    let mut out: Vec<(String, f64)> = files
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), area(t) / total))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// What every build's report must do in the browser: a tile for every file, grouped by entry
/// and route too; the size toggle changes the areas; search finds a file (and a module, when
/// the report has any) and totals it exactly; every tooltip opens; no errors.
fn check_build(dir: &Path, screenshot: Option<&Path>) {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (html, report) = analyze_html(dir, tmp.path());
    let files = payload(&report);
    let target = files
        .iter()
        .filter(|f| f["kind"] == "script")
        .max_by_key(|f| f["sizes"]["raw"].as_u64())
        .expect("a script");
    let target_path = target["path"].as_str().unwrap();
    let query = target_path.rsplit('/').next().unwrap();
    let module = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["modules"].as_array().into_iter().flatten())
        .find(|m| m["package"].is_string())
        .and_then(|m| m["source"].as_str());

    let mut steps = vec![
        json!({ "op": "eval", "expr": "window.__distill.tiles()" }),
        json!({ "op": "select", "selector": "#group", "value": "files" }),
        json!({ "op": "click", "selector": "button[data-size=raw]" }),
        json!({ "op": "eval", "expr": "window.__distill.tiles()" }),
        json!({ "op": "click", "selector": "button[data-size=brotli]" }),
        json!({ "op": "eval", "expr": "window.__distill.tiles()" }),
        json!({ "op": "fill", "selector": "#search", "value": query }),
        json!({ "op": "eval", "expr": "window.__distill.state().search" }),
        json!({ "op": "text", "selector": "#search-result" }),
        json!({ "op": "fill", "selector": "#search", "value": module.unwrap_or("") }),
        json!({ "op": "eval", "expr": "window.__distill.state().search" }),
        json!({ "op": "fill", "selector": "#search", "value": "" }),
        json!({ "op": "select", "selector": "#group", "value": "sets" }),
        json!({ "op": "hoverTiles", "limit": 60 }),
    ];
    for view in [
        "table",
        "duplicates",
        "budgets",
        "diff",
        "optimize",
        "diagnostics",
        "treemap",
    ] {
        steps.push(json!({ "op": "click", "selector": format!("#tabs button[data-view={view}]") }));
    }
    if let Some(path) = screenshot {
        let kind = if module.is_some() { "module" } else { "file" };
        steps.push(json!({ "op": "hoverLargest", "type": kind, "inPackage": module.is_some() }));
        steps.push(json!({ "op": "screenshot", "path": path }));
    }
    let out = drive(&html, Value::Array(steps));
    assert_clean(&out);
    let r = out["results"].as_array().unwrap();

    // Grouped by entry and route: a group per entry and route, every file inside one of them or
    // in "other files".
    let by_set = tiles(&r[0]);
    let names: Vec<&str> = by_set
        .iter()
        .filter(|t| t["type"] == "group")
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for list in ["entries", "routes"] {
        for set in report[list].as_array().unwrap() {
            let name = set["name"].as_str().unwrap();
            let size = set["initialSizes"]["brotli"].as_u64().unwrap_or(0)
                + set["lazySizes"]["brotli"].as_u64().unwrap_or(0);
            assert!(
                size == 0 || names.contains(&name),
                "no tile for {name}: {names:?}"
            );
        }
    }

    // All files: one tile per file with bytes, in raw and in brotli.
    for (i, enc) in [(3, "raw"), (5, "brotli")] {
        let drawn = tiles(&r[i]);
        for f in &files {
            let path = f["path"].as_str().unwrap();
            if f["sizes"][enc].as_u64().unwrap_or(0) == 0 {
                continue;
            }
            let t = drawn
                .iter()
                .find(|t| t["type"] == "file" && t["name"] == path && t["depth"] == 1)
                .unwrap_or_else(|| panic!("no {enc} tile for {path}"));
            assert!(t["w"].as_f64().unwrap() * t["h"].as_f64().unwrap() > 0.0);
        }
    }
    // The toggle changes areas: images hardly compress, scripts do.
    let (raw, brotli) = (shares(tiles(&r[3])), shares(tiles(&r[5])));
    let moved = raw
        .iter()
        .zip(&brotli)
        .map(|((a, x), (b, y))| {
            assert_eq!(a, b);
            (x - y).abs()
        })
        .fold(0.0, f64::max);
    assert!(moved > 0.01, "raw and brotli areas are the same: {raw:?}");

    // Search finds the file by name and totals exactly its bytes.
    let search = &r[7];
    let expected = target["sizes"]["brotli"].as_u64().unwrap();
    assert!(search["files"].as_u64().unwrap() >= 1, "{search}");
    let matching: u64 = files
        .iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .to_lowercase()
                .contains(&query.to_lowercase())
        })
        .map(|f| f["sizes"]["brotli"].as_u64().unwrap())
        .sum();
    assert!(matching >= expected);
    assert_eq!(search["bytes"], matching, "{search}");
    let text = r[8].as_str().unwrap();
    assert!(text.contains(&format_bytes(matching)), "{text}");
    // Search finds a module by its source path and totals every module that matches, in files
    // that do not match themselves.
    if let Some(query) = module {
        let q = query.to_lowercase();
        let hit = |v: &Value| v.as_str().is_some_and(|s| s.to_lowercase().contains(&q));
        let (mut count, mut bytes, mut exact) = (0, 0, true);
        for f in &files {
            for m in f["modules"].as_array().into_iter().flatten() {
                if hit(&m["source"]) || hit(&m["package"]) {
                    count += 1;
                    match m["brotli"].as_u64() {
                        Some(b) if !hit(&f["path"]) => bytes += b,
                        Some(_) => {}
                        None => exact = false,
                    }
                }
            }
        }
        assert!(count >= 1);
        assert_eq!(r[10]["modules"], count, "{}", r[10]);
        if exact {
            assert_eq!(r[10]["bytes"], bytes, "{}", r[10]);
        }
    }
    // Every tooltip opened and named its tile.
    let tips = r[13].as_array().unwrap();
    assert!(!tips.is_empty());
}

#[test]
fn demo_report_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let shot = tmp.path().join("report.png");
    check_build(&demo(), Some(&shot));
    // `DISTILL_UPDATE_SCREENSHOT=1 cargo test -p distill --test it html::demo` refreshes the
    // README's picture.
    if shot.is_file() && std::env::var("DISTILL_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(repo_root().join("docs")).unwrap();
        std::fs::copy(&shot, repo_root().join("docs/report.png")).unwrap();
    }
}

#[test]
fn vite_react_report_in_chromium() {
    if let Some(dir) = fixture("vite-react", "dist") {
        check_build(&dir, None);
    }
}

/// `--encodings raw`: the page falls back to raw sizes and offers no compressed ones.
#[test]
fn raw_only_report_falls_back_to_raw_sizes() {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("report.html");
    let out = distill(&[
        "analyze",
        demo().to_str().unwrap(),
        "--encodings",
        "raw",
        "--html",
        html.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let out = drive(
        &html,
        json!([
            { "op": "eval", "expr": "window.__distill.state().size" },
            { "op": "eval", "expr": "[...document.querySelectorAll('#sizes button')].map(b => [b.dataset.size, b.disabled])" },
            { "op": "eval", "expr": "window.__distill.tiles().filter(t => t.type === 'file').length" },
            { "op": "hoverTiles", "limit": 20 },
            { "op": "click", "selector": "#tabs button[data-view=table]" },
        ]),
    );
    assert_clean(&out);
    let r = out["results"].as_array().unwrap();
    assert_eq!(r[0], "raw");
    assert_eq!(
        r[1],
        json!([
            ["raw", false],
            ["gzip", true],
            ["brotli", true],
            ["zstd", true]
        ])
    );
    assert!(r[2].as_u64().unwrap() > 5, "{}", r[2]);
    // Tooltips list the one size there is.
    for tip in r[3].as_array().unwrap() {
        let tip = tip.as_str().unwrap();
        assert!(tip.contains("raw") && !tip.contains("gzip"), "{tip}");
    }
}

/// The report of `optimize` shows what each stage did, before and after, and why files were kept.
#[test]
fn optimized_build_report_shows_before_and_after() {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("report.html");
    let out_dir = tmp.path().join("out");
    let out = distill(&[
        "optimize",
        demo().to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--min-size",
        "500 B",
        "--format",
        "json=/dev/null",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let out = drive(
        &html,
        json!([
            { "op": "click", "selector": "#tabs button[data-view=optimize]" },
            { "op": "text", "selector": "#view-optimize" },
            { "op": "text", "selector": "#tabs button[data-view=optimize] .count" },
        ]),
    );
    assert_clean(&out);
    let r = out["results"].as_array().unwrap();
    let text = r[1].as_str().unwrap();
    assert!(text.contains("compress:"), "{text}");
    assert!(text.contains("assets/index-DhXzR8nv.js.br"), "{text}");
    assert!(text.contains("sent as is"), "{text}");
    assert!(
        r[2].as_str().unwrap().parse::<u32>().unwrap() >= 9,
        "{}",
        r[2]
    );
}

/// Every place a name can show up — tile labels (canvas), tooltips, breadcrumbs, table rows,
/// duplicates, budgets, diff and diagnostics — gets hostile names, and is opened.
fn hostile_report() -> Value {
    let evil_file = format!("assets/{XSS}.js");
    let script_name = "</script><script>window.__pwned=true;alert(2)</script>";
    let sizes =
        |raw: u64| json!({ "raw": raw, "gzip": raw / 3, "brotli": raw / 4, "zstd": raw / 3 });
    json!({
        "schemaVersion": 1,
        "tool": { "name": "distill", "version": "0.0.0" },
        "framework": "vite",
        "encoders": [],
        "files": [
            {
                "path": evil_file, "kind": "script", "role": "entry", "hash": "00",
                "sizes": sizes(90_000),
                "modules": [
                    { "source": XSS, "package": XSS, "raw": 40_000, "gzip": 13_000, "brotli": 10_000, "method": "measured" },
                    { "source": format!("node_modules/{script_name}/index.js"), "package": script_name, "raw": 30_000 },
                    { "source": "src/\u{2028}line\u{2029}break.js", "package": "(app) src", "raw": 19_000 },
                    { "source": "(unmapped)", "raw": 1_000 },
                ],
            },
            {
                "path": "assets/<svg onload=alert(3)>.css", "kind": "stylesheet", "role": "asset",
                "hash": "01", "sizes": sizes(20_000),
            },
        ],
        "chunks": [],
        "edges": [],
        "entries": [{
            "name": "<iframe src=javascript:alert(4)>",
            "initial": [evil_file, "assets/<svg onload=alert(3)>.css"],
            "lazy": [],
            "initialSizes": sizes(110_000),
            "initialScriptSizes": sizes(90_000),
            "lazySizes": { "raw": 0 },
        }],
        "routes": [],
        "totals": {},
        "serverFiles": 0,
        "duplicates": [{
            "package": XSS, "kind": "versions", "versions": ["<b>1</b>", "2"],
            "files": [evil_file], "sizes": sizes(40_000), "wasted": sizes(10_000),
        }],
        "budgets": {
            "source": "<script>alert(5)</script>.json",
            "verdicts": [{
                "name": XSS, "budget": XSS, "status": "fail", "metric": "size",
                "compression": "brotli", "actual": 22_500, "max": 1_000,
                "files": [evil_file], "message": "<img src=y onerror=alert(6)>",
            }],
        },
        "diff": {
            "baseline": "<img src=z onerror=alert(7)>",
            "files": [
                { "path": evil_file, "baselinePath": format!("assets/{XSS}-old.js"), "status": "grew",
                  "matchedBy": "name", "before": sizes(80_000), "after": sizes(90_000) },
                { "baselinePath": "assets/<a href=javascript:alert(8)>x</a>.js", "status": "removed",
                  "before": sizes(5_000) },
            ],
        },
        "diagnostics": [{
            "code": "input/missing-file", "severity": "warning", "path": XSS,
            "message": "<img src=w onerror=alert(9)>", "hint": "<script>alert(10)</script>",
        }],
    })
}

/// The steps that put every hostile name on screen: zoom into the file and its packages (tiles,
/// breadcrumbs), hover every tile (tooltips), search for it, and open every table and panel.
fn expose_everything() -> Value {
    let mut steps = vec![json!({ "op": "hoverTiles", "limit": 50 })];
    for _ in 0..3 {
        steps.push(json!({ "op": "zoomLargest" }));
        steps.push(json!({ "op": "hoverTiles", "limit": 50 }));
    }
    steps.push(json!({ "op": "fill", "selector": "#search", "value": "onerror" }));
    for color in ["kind", "budget", "diff", "package"] {
        steps.push(
            json!({ "op": "select", "selector": "#color", "value": color, "ifEnabled": true }),
        );
    }
    steps.push(json!({ "op": "click", "selector": "#tabs button[data-view=table]" }));
    for mode in ["files", "packages", "modules", "sets"] {
        steps.push(json!({ "op": "select", "selector": "#table-mode", "value": mode }));
        steps.push(json!({ "op": "click", "selector": "#table th[data-key=name]" }));
    }
    steps.push(json!({ "op": "fill", "selector": "#search", "value": "" }));
    for view in ["duplicates", "budgets", "diff", "diagnostics", "treemap"] {
        steps.push(json!({ "op": "click", "selector": format!("#tabs button[data-view={view}]") }));
    }
    // Hidden panels included: each was opened once and keeps what it drew.
    steps.push(json!({ "op": "eval", "expr": "document.body.textContent" }));
    Value::Array(steps)
}

#[test]
fn hostile_names_are_shown_as_text_and_never_run() {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("report.html");
    write_html(&hostile_report(), &html);
    let out = drive(&html, expose_everything());
    assert_clean(&out);
    let r = out["results"].as_array().unwrap();
    // The names are on screen as the text they are.
    let text = r.last().unwrap().as_str().unwrap();
    for name in [
        XSS,
        "<script>alert(5)</script>.json",
        "<img src=w onerror=alert(9)>",
    ] {
        assert!(
            text.contains(name),
            "`{name}` is not shown as text:\n{text}"
        );
    }
    // The zoom reached the hostile module's package, and its tooltip named it.
    let tips: Vec<&str> = r
        .iter()
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        tips.iter().any(|t| t.starts_with(XSS)),
        "no tooltip named {XSS}: {tips:?}"
    );
}

/// The same through the real binary: a build whose file and source-map source are named
/// `<img src=x onerror=alert(1)>`.
#[test]
fn hostile_build_names_are_shown_as_text_and_never_run() {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let build = tmp.path().join("dist");
    let js = format!("{XSS}.js");
    crate::util::write(
        &build.join("assets").join(&js),
        format!("console.log(1);\n//# sourceMappingURL={js}.map\n"),
    );
    crate::util::write(
        &build.join("assets").join(format!("{js}.map")),
        serde_json::to_vec(&json!({
            "version": 3,
            "file": js,
            "sources": [XSS, format!("node_modules/{XSS}/index.js")],
            "sourcesContent": ["console.log(1)", ""],
            "names": [],
            "mappings": "AAAA,QAAQ,IAAI;ACAZ",
        }))
        .unwrap(),
    );
    crate::util::write(&build.join("robots.txt"), "User-agent: *\n");
    let (html, report) = analyze_html(&build, tmp.path());
    assert!(
        payload(&report)
            .iter()
            .any(|f| f["path"] == format!("assets/{js}")),
        "{report}"
    );
    let out = drive(&html, expose_everything());
    assert_clean(&out);
    let text = out["results"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains(XSS),
        "the file name is not shown as text:\n{text}"
    );
}

/// A build of 50,000 modules: the first render and each zoom stay interactive. The figures are
/// printed (`cargo test -p distill --test it html::fifty -- --nocapture`).
#[test]
fn fifty_thousand_modules_stay_responsive() {
    if !browser_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("report.html");
    let report = synthetic(50_000);
    write_html(&report, &html);
    let bytes = std::fs::metadata(&html).unwrap().len();
    // To open the page yourself: DISTILL_KEEP_HTML=/tmp/50k.html cargo test … html::fifty
    if let Some(keep) = std::env::var_os("DISTILL_KEEP_HTML") {
        std::fs::copy(&html, keep).unwrap();
    }

    let mut steps = vec![
        json!({ "op": "eval", "expr": "window.__distill.timings()" }),
        json!({ "op": "eval", "expr": "window.__distill.tiles().length" }),
        json!({ "op": "zoomLargest" }),
        json!({ "op": "zoomLargest" }),
        json!({ "op": "zoomLargest" }),
    ];
    for _ in 0..3 {
        steps.push(json!({ "op": "press", "key": "Escape" }));
    }
    steps.push(
        json!({ "op": "wall", "expr": "document.querySelector('button[data-size=raw]').click()" }),
    );
    steps.push(json!({ "op": "wall", "expr": "(() => { const i = document.getElementById('search'); i.value = 'pkg-3'; i.dispatchEvent(new Event('input')); return window.__distill.state().search; })()" }));
    steps.push(json!({ "op": "wall", "expr": "(() => { document.querySelector('#tabs button[data-view=table]').click(); document.getElementById('table-mode').value = 'modules'; document.getElementById('table-mode').dispatchEvent(new Event('change')); return document.querySelectorAll('#table tbody tr').length; })()" }));
    let out = drive(&html, Value::Array(steps));
    assert_clean(&out);
    let r = out["results"].as_array().unwrap();
    let first_render = r[0]["firstRender"].as_f64().unwrap();
    let since_navigation = r[0]["sinceNavigation"].as_f64().unwrap();
    let zooms: Vec<String> = r[2..5]
        .iter()
        .map(|z| {
            format!(
                "{:.0} ms ({:.0} ms in the page, {} tiles)",
                z["ms"].as_f64().unwrap(),
                z["inPage"].as_f64().unwrap(),
                z["tiles"]
            )
        })
        .collect();
    let toggle = r[8]["ms"].as_f64().unwrap();
    let search = &r[9];
    let table = &r[10];
    println!(
        "50k modules: page {:.1} MB; load (navigation to ready, wall) {} ms; first render {first_render:.0} ms \
         in-page ({since_navigation:.0} ms since navigation), {} tiles; zooms: {}; \
         size toggle {toggle:.0} ms; search {:.0} ms ({}); table of modules {:.0} ms ({} rows drawn)",
        bytes as f64 / 1e6,
        out["loadMs"],
        r[1],
        zooms.join(", "),
        search["ms"].as_f64().unwrap(),
        search["value"],
        table["ms"].as_f64().unwrap(),
        table["value"],
    );
    assert_eq!(
        search["value"]["modules"].as_u64().map(|n| n > 0),
        Some(true)
    );
    assert!(
        table["value"].as_u64().unwrap() <= 500,
        "the table must stay bounded"
    );
    // Generous bounds (a loaded 2-core CI machine); the measured figures are far below.
    assert!(
        since_navigation < 8_000.0,
        "first render took {since_navigation} ms"
    );
    for z in &r[2..5] {
        assert!(
            z["zoom"].as_array().unwrap().len() > 1,
            "no zoom happened: {z}"
        );
        assert!(
            z["ms"].as_f64().unwrap() < 1_500.0,
            "a zoom took too long: {z}"
        );
    }
    assert!(toggle < 2_000.0, "the size toggle took {toggle} ms");
}

/// A report with `modules` modules over 40 scripts, 1,200 packages (scoped, versioned, the
/// app's own), 6 routes sharing chunks, duplicates, budgets and a diff: every feature at scale.
fn synthetic(modules: usize) -> Value {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let scripts = 40;
    let mut files = Vec::new();
    let mut per_file: Vec<Vec<Value>> = vec![Vec::new(); scripts];
    for i in 0..modules {
        // Skewed like real builds: a few vendor chunks hold most modules.
        let f = ((rand().powi(3)) * scripts as f64) as usize;
        let p = (rand().powi(2) * 1200.0) as usize;
        let raw = 40 + (rand().powi(4) * 60_000.0) as u64;
        let (source, package) = if p < 150 {
            (
                format!("src/features/f{p}/component-{i}.tsx"),
                format!("(app) src/features/f{p}"),
            )
        } else if p.is_multiple_of(7) {
            let name = format!("@scope-{}/pkg-{p}", p % 13);
            (format!("node_modules/{name}/dist/module-{i}.js"), name)
        } else {
            let name = format!("pkg-{p}");
            (format!("node_modules/{name}/lib/module-{i}.js"), name)
        };
        per_file[f].push(json!({
            "source": source, "package": package, "raw": raw,
            "gzip": raw * 3 / 10, "brotli": raw * 27 / 100, "method": "proportional",
        }));
    }
    let mut paths = Vec::new();
    for (i, mods) in per_file.into_iter().enumerate() {
        let raw: u64 = mods.iter().map(|m| m["raw"].as_u64().unwrap()).sum::<u64>() + 100;
        let mut mods = mods;
        mods.push(json!({ "source": "(unmapped)", "raw": 100 }));
        let path = format!("assets/chunk-{i:02}-abcdef.js");
        files.push(json!({
            "path": path, "kind": "script", "role": if i < 6 { "entry" } else { "chunk" }, "hash": "00",
            "sizes": { "raw": raw, "gzip": raw * 3 / 10, "brotli": raw * 27 / 100, "zstd": raw * 29 / 100 },
            "modules": mods,
        }));
        paths.push(path);
    }
    for i in 0..10 {
        let raw = 20_000 + i * 7_000;
        files.push(json!({
            "path": format!("assets/image-{i}.png"), "kind": "image", "role": "asset", "hash": "00",
            "sizes": { "raw": raw, "gzip": raw, "brotli": raw, "zstd": raw },
        }));
    }
    let routes: Vec<Value> = (0..6)
        .map(|r| {
            let initial: Vec<&String> = paths.iter().enumerate().filter(|(i, _)| *i == r || *i < 3 || i % 6 == r).map(|(_, p)| p).collect();
            let lazy: Vec<&String> = paths.iter().enumerate().filter(|(i, _)| *i >= 6 && i % 5 == r).map(|(_, p)| p).filter(|p| !initial.contains(p)).collect();
            json!({
                "name": format!("/route-{r}"), "source": "app", "initial": initial, "lazy": lazy,
                "initialSizes": { "raw": 0 }, "initialScriptSizes": { "raw": 0 }, "lazySizes": { "raw": 0 },
            })
        })
        .collect();
    let sizes = json!({ "raw": 1000, "gzip": 300, "brotli": 270 });
    let duplicates: Vec<Value> = (0..200)
        .map(|p| json!({ "package": format!("pkg-{}", p * 3 + 1), "kind": "chunks", "files": [paths[0], paths[1]], "sizes": sizes, "wasted": sizes }))
        .collect();
    let verdicts: Vec<Value> = (0..30)
        .map(|i| json!({
            "name": format!("chunk › {}", paths[i]), "budget": "chunk", "status": (["pass", "warn", "fail"][i % 3]),
            "metric": "size", "compression": "brotli", "actual": 1000, "max": 900, "files": [paths[i]], "message": "",
        }))
        .collect();
    let diff: Vec<Value> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| json!({ "path": p, "baselinePath": p, "status": (["grew", "shrank", "same", "new"][i % 4]), "before": sizes, "after": sizes }))
        .collect();
    json!({
        "schemaVersion": 1,
        "tool": { "name": "distill", "version": "0.0.0" },
        "framework": "next-turbopack",
        "encoders": [],
        "files": files, "chunks": [], "edges": [],
        "entries": [], "routes": routes,
        "totals": {}, "serverFiles": 0,
        "duplicates": duplicates,
        "budgets": { "source": "budgets.json", "verdicts": verdicts },
        "diff": { "baseline": "baseline.json", "files": diff },
        "diagnostics": [],
    })
}
