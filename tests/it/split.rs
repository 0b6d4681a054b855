//! `distill optimize --split`: chunks cut where behaviour provably stays, proven the way a user
//! would notice: every Vite fixture loaded in headless Chromium before and after, on every
//! route, with the new chunks fetched where their chunk was; and each kind of chunk that
//! cannot be split safely kept whole with its reason.

use crate::browser::{browser_available, same_in_chromium};
use crate::minify::stage;
use crate::optimize::optimize;
use crate::util::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn run_json(args: &[&str], expect: i32) -> Value {
    let mut all = args.to_vec();
    all.extend(["--no-cache", "--format", "json"]);
    let o = optimize(&all, expect);
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Old name → new name, from the rehash stage (empty without one).
fn renames(report: &Value) -> BTreeMap<String, String> {
    report["optimize"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["stage"] == "rehash")
        .flat_map(|s| s["changes"].as_array().unwrap().iter())
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_owned(),
                c["written"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Split chunk → the parts written for it, by their final names.
fn parts(report: &Value) -> BTreeMap<String, Vec<String>> {
    let renamed = renames(report);
    let name = |p: &str| renamed.get(p).cloned().unwrap_or_else(|| p.to_owned());
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in stage(report, "split")["changes"].as_array().unwrap() {
        if c["action"] == "written" {
            out.entry(name(c["path"].as_str().unwrap()))
                .or_default()
                .push(name(c["written"].as_str().unwrap()));
        }
    }
    out
}

/// The build-relative path of a same-origin URL.
fn build_path(url: &str) -> Option<String> {
    let path = url.split("://").nth(1)?.split_once('/')?.1;
    Some(path.split(['?', '#']).next()?.to_owned())
}

/// Paths requested on each route, each with what asked for it: the initiator's type
/// (`parser`, `script`, …) and the build path of the document or script that asked.
fn requested(run: &Value) -> Vec<BTreeMap<String, (String, String)>> {
    run["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["responses"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| {
                    let initiator = &r["initiator"];
                    let by = (
                        initiator["type"].as_str().unwrap_or("").to_owned(),
                        initiator["url"]
                            .as_str()
                            .and_then(build_path)
                            .unwrap_or_default(),
                    );
                    Some((build_path(r["url"].as_str()?)?, by))
                })
                .collect()
        })
        .collect()
}

/// The part was fetched in the same phase as its chunk: asked for by whatever asked for the
/// chunk (the page's parser for an initial chunk, the preload helper for a lazy one), never by
/// the chunk itself once it arrived and named it, which would be a request waterfall.
#[track_caller]
fn same_phase(
    app: &str,
    route: &str,
    chunk: &str,
    part: &str,
    got: &BTreeMap<String, (String, String)>,
) {
    let (Some(by_chunk), Some(by_part)) = (got.get(chunk), got.get(part)) else {
        panic!("{app} {route}: {chunk} or {part} was not requested");
    };
    assert_ne!(
        by_part.1, chunk,
        "{app} {route}: {part} was fetched only after {chunk} arrived"
    );
    assert_eq!(
        by_part, by_chunk,
        "{app} {route}: {part} and {chunk} were asked for by different initiators"
    );
}

/// Splits `app` (`optimize --split --split-vendor --rehash`), checks the result, and loads it in
/// Chromium before and after on `routes`. Returns the folder holding the result (`out`) and
/// the parts written for each split chunk; `None` when Chromium or the fixture is missing.
fn split_app(
    app: &str,
    routes: &[&str],
    min_split: usize,
) -> Option<(tempfile::TempDir, BTreeMap<String, Vec<String>>)> {
    if !browser_available() {
        return None;
    }
    let dist = fixture(app, "dist")?;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let report = run_json(
        &[
            dist.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--split",
            "--split-vendor",
            "--rehash",
            "--no-images",
            "--no-compress",
        ],
        0,
    );
    let split = stage(&report, "split");
    let by_chunk = parts(&report);
    // First loads that hold a split chunk are reported before and after, raw and brotli.
    let first_loads: Vec<&str> = split["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|n| n.contains("first load"))
        .collect();
    for note in &first_loads {
        assert!(
            note.contains(" raw, ") && note.contains(" brotli, "),
            "{app}: {note}"
        );
    }
    // Every file whose bytes changed has a new name; nothing in the result names an old one.
    let renamed = renames(&report);
    let texts: Vec<(std::path::PathBuf, String)> = walk_files(&out)
        .into_iter()
        .filter(|f| !f.to_string_lossy().ends_with(".map"))
        .map(|f| {
            let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
            (f, text)
        })
        .collect();
    for (old, new) in &renamed {
        assert!(!out.join(old).exists(), "{app}: {old} is still there");
        assert!(out.join(new).is_file(), "{app}: {new} is missing");
        let old_name = old.rsplit('/').next().unwrap();
        for (f, text) in &texts {
            assert!(
                ["/", "\"", "="]
                    .iter()
                    .all(|b| !text.contains(&format!("{b}{old_name}"))),
                "{app}: {} still names {old_name}",
                f.display()
            );
        }
    }
    if !by_chunk.is_empty() {
        assert!(
            !renamed.is_empty(),
            "{app}: split chunks but renamed nothing"
        );
    }
    assert!(
        by_chunk.len() >= min_split,
        "{app}: {} chunks split, expected at least {min_split}: {split}",
        by_chunk.len()
    );
    // Every part is on disk with a map that names its sources.
    for part in by_chunk.values().flatten() {
        let bytes = std::fs::read(out.join(part)).unwrap();
        assert!(
            String::from_utf8_lossy(&bytes).contains("sourceMappingURL="),
            "{part}"
        );
        let map: Value =
            serde_json::from_slice(&std::fs::read(out.join(format!("{part}.map"))).unwrap())
                .unwrap();
        assert_eq!(map["version"], 3, "{part}.map");
        assert!(!map["sources"].as_array().unwrap().is_empty(), "{part}.map");
    }
    // Initial chunks that were split: their parts are preloaded by the page.
    if let Ok(html) = std::fs::read_to_string(out.join("index.html")) {
        for (chunk, ps) in &by_chunk {
            if html.contains(&format!("/{chunk}\"")) {
                for p in ps {
                    assert!(
                        html.contains(&format!("rel=\"modulepreload\" crossorigin href=\"/{p}\"")),
                        "{app}: {p} (from {chunk}) is not preloaded:\n{html}"
                    );
                }
            }
        }
    }
    let after = same_in_chromium(&dist, &out, routes);
    // Wherever a split chunk loads, all of its parts load on the same route.
    let mut seen = 0;
    for (route, got) in routes.iter().zip(requested(&after)) {
        for (chunk, ps) in &by_chunk {
            if got.contains_key(chunk) {
                seen += 1;
                for p in ps {
                    let by = got.get(p);
                    assert!(
                        by.is_some(),
                        "{app} {route}: {chunk} loaded without its part {p}"
                    );
                    same_phase(app, route, chunk, p, &got);
                }
            }
        }
    }
    if min_split > 0 {
        assert!(seen > 0, "{app}: no split chunk was loaded on any route");
    }
    Some((tmp, by_chunk))
}

#[test]
fn vite_big_splits_and_behaves_the_same_in_chromium() {
    // Four lazy routes ship chunks over 500 kB (Monaco, ECharts, three.js, antd).
    split_app(
        "vite-big",
        &[
            "/", "/editor", "/metrics", "/sitemap", "/orders", "/team", "/about",
        ],
        4,
    );
}

#[test]
fn vite_react_splits_vendor_code_and_behaves_the_same() {
    let Some((tmp, by_chunk)) =
        split_app("vite-react", &["/", "/about", "/dashboard", "/settings"], 1)
    else {
        return;
    };
    assert!(
        by_chunk.keys().any(|c| c.contains("react-vendor")),
        "the initial vendor chunk is split: {by_chunk:?}"
    );
    // The control `same_phase` must be able to fail on: without their modulepreload tags, the
    // parts are fetched by their chunk once it arrives, a round trip later.
    let out = tmp.path().join("out");
    let html_path = out.join("index.html");
    let mut html = std::fs::read_to_string(&html_path).unwrap();
    for p in by_chunk.values().flatten() {
        let href = format!("href=\"/{p}\"");
        let at = html.find(&href).unwrap();
        let start = html[..at].rfind("<link").unwrap();
        let end = at + html[at..].find('>').unwrap() + 1;
        html.replace_range(start..end, "");
    }
    write(&html_path, html);
    let server = crate::serve::Server::start(&out, None);
    let got = requested(&crate::browser::visit(&server.base, &["/"])).remove(0);
    for (chunk, ps) in &by_chunk {
        for p in ps {
            assert_eq!(
                got.get(p).map(|by| by.1.as_str()),
                Some(chunk.as_str()),
                "without a preload, {p} is fetched by {chunk}: {got:?}"
            );
        }
    }
}

#[test]
fn vite7_react_splits_and_behaves_the_same() {
    split_app(
        "vite7-react",
        &["/", "/about", "/dashboard", "/settings"],
        0,
    );
}

#[test]
fn vite_vue_splits_and_behaves_the_same() {
    split_app(
        "vite-vue",
        &["/", "/notes/heron-at-dawn", "/timeline", "/about"],
        0,
    );
}

#[test]
fn vite_nomin_splits_and_behaves_the_same() {
    split_app("vite-nomin", &["/", "/about", "/dashboard", "/settings"], 0);
}

#[test]
fn demo_splits_and_behaves_the_same() {
    split_app("demo", &["/", "/#/stats", "/#/plan"], 0);
}

/// A build of hand-written chunks, each over a 100-byte limit, with a source map giving each
/// line to its own module.
fn write_chunk(dir: &Path, name: &str, code: &str, map: bool) {
    let mut code = code.to_owned();
    if map {
        let lines = code.lines().count();
        let sources: Vec<String> = (0..lines).map(|i| format!("src/m{i}.js")).collect();
        let mappings = (0..lines)
            .map(|i| if i == 0 { "AAAA" } else { "ACAA" })
            .collect::<Vec<_>>()
            .join(";");
        let json = serde_json::json!({
            "version": 3, "sources": sources, "names": [], "mappings": mappings
        });
        write(&dir.join(format!("{name}.map")), json.to_string());
        code.push_str(&format!("//# sourceMappingURL={name}.map\n"));
    }
    write(&dir.join(name), code);
}

#[test]
fn chunks_that_cannot_be_split_safely_are_kept_with_their_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let a = dist.join("assets");
    let filler = |tag: &str| format!("log(\"{tag}\", \"{}\");\n", "x".repeat(120));
    write(
        &dist.join("index.html"),
        r#"<!doctype html><html><head><script type="module" crossorigin src="/assets/main-AAAAAAAA.js"></script><script type="module" src="/assets/plain-IIIIIIII.js"></script><script src="/assets/classic-JJJJJJJJ.js"></script></head><body></body></html>"#,
    );
    // main: splits (two modules, each over the limit) and imports the others.
    write_chunk(
        &a,
        "main-AAAAAAAA.js",
        &format!(
            "import \"./tla-BBBBBBBB.js\";import \"./nomap-CCCCCCCC.js\";import \"./cycle-DDDDDDDD.js\";import \"./meta-FFFFFFFF.js\";\n{}{}",
            filler("a"),
            filler("b")
        ),
        true,
    );
    write_chunk(
        &a,
        "tla-BBBBBBBB.js",
        &format!(
            "{}await Promise.resolve();\n{}export{{}};\n",
            filler("c"),
            filler("d")
        ),
        true,
    );
    write_chunk(
        &a,
        "nomap-CCCCCCCC.js",
        &format!("{}{}export{{}};\n", filler("e"), filler("f")),
        false,
    );
    write_chunk(
        &a,
        "cycle-DDDDDDDD.js",
        &format!(
            "import \"./cycle2-GGGGGGGG.js\";\n{}{}export const c=1;\n",
            filler("g"),
            filler("h")
        ),
        true,
    );
    write(
        &a.join("cycle2-GGGGGGGG.js"),
        "import {c} from \"./cycle-DDDDDDDD.js\";\nexport const d=()=>c;\n",
    );
    write_chunk(
        &a,
        "bad-EEEEEEEE.js",
        &format!("{}const = ;\n{}", filler("i"), filler("j")),
        true,
    );
    write_chunk(
        &a,
        "meta-FFFFFFFF.js",
        &format!(
            "const u=new URL(\"x.png\",import.meta.url);\n{}{}export{{u}};\n",
            filler("k"),
            filler("l")
        ),
        true,
    );
    // No import or export: a module all the same when a page loads it as one, else a classic
    // script that cannot import its parts.
    for name in ["plain-IIIIIIII.js", "classic-JJJJJJJJ.js"] {
        write_chunk(&a, name, &format!("{}{}", filler("p"), filler("q")), true);
    }
    // Splittable, but nothing fetches it ahead: its parts would only be requested once it ran.
    write_chunk(
        &a,
        "orphan-HHHHHHHH.js",
        &format!("{}{}export{{}};\n", filler("m"), filler("n")),
        true,
    );
    let out = tmp.path().join("out");
    let report = run_json(
        &[
            dist.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--split",
            "--max-chunk",
            "100 B",
            "--no-minify",
            "--no-compress",
        ],
        0,
    );
    let split = stage(&report, "split");
    let kept: BTreeMap<String, String> = split["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "kept")
        .map(|c| {
            (
                c["path"].as_str().unwrap().to_owned(),
                c["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let reason = |f: &str| {
        kept.get(f)
            .unwrap_or_else(|| panic!("{f} not kept: {split}"))
    };
    assert!(reason("assets/tla-BBBBBBBB.js").contains("top-level await"));
    assert!(reason("assets/nomap-CCCCCCCC.js").contains("no source map"));
    assert!(reason("assets/cycle-DDDDDDDD.js").contains("import cycle"));
    assert!(reason("assets/bad-EEEEEEEE.js").contains("does not parse"));
    assert!(reason("assets/meta-FFFFFFFF.js").contains("import.meta"));
    assert!(reason("assets/orphan-HHHHHHHH.js").contains("nothing fetches it ahead"));
    assert!(reason("assets/classic-JJJJJJJJ.js").contains("not an ES module"));
    // Each one is a diagnostic with a stable code and the path, and its bytes are untouched.
    let codes: BTreeSet<(String, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with("split/"))
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (code, path) in [
        ("split/unsafe", "assets/tla-BBBBBBBB.js"),
        ("split/no-map", "assets/nomap-CCCCCCCC.js"),
        ("split/unsafe", "assets/cycle-DDDDDDDD.js"),
        ("split/parse-error", "assets/bad-EEEEEEEE.js"),
        ("split/unsafe", "assets/meta-FFFFFFFF.js"),
        ("split/unsafe", "assets/orphan-HHHHHHHH.js"),
    ] {
        assert!(
            codes.contains(&(code.to_owned(), path.to_owned())),
            "{code} {path}: {codes:?}"
        );
        assert_eq!(
            std::fs::read(out.join(path)).unwrap(),
            std::fs::read(dist.join(path)).unwrap(),
            "{path}"
        );
    }
    // The one chunk that can be split was, and the page preloads its part.
    let by_chunk = parts(&report);
    let main_parts = &by_chunk["assets/main-AAAAAAAA.js"];
    // One part per module: each filler statement is over the 100-byte limit.
    assert_eq!(main_parts.len(), 2, "{split}");
    assert_eq!(by_chunk["assets/plain-IIIIIIII.js"].len(), 2, "{split}");
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for p in main_parts {
        assert!(html.contains(&format!("href=\"/{p}\"")), "{html}");
    }
    if node_available("split chunks run in Node") {
        // Run main before and after in Node: the same lines in the same order.
        let run = |root: &Path| {
            write(&root.join("package.json"), r#"{"type":"module"}"#);
            let o = std::process::Command::new("node")
                .arg("-e")
                .arg("globalThis.log=(...a)=>console.log(a.join(' ').slice(0,8));import('./assets/main-AAAAAAAA.js').catch(e=>console.log('error', e.message))")
                .current_dir(root)
                .output()
                .unwrap();
            String::from_utf8_lossy(&o.stdout).into_owned()
        };
        let before = run(&dist);
        assert!(before.contains("a xxxxx"), "{before}");
        assert_eq!(before, run(&out));
    }
}

#[test]
fn next_builds_are_not_split_and_the_report_says_what_to_do() {
    let Some(next) = fixture("next-app", ".next-webpack") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let report = run_json(
        &[
            next.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--split",
            "--no-minify",
            "--no-images",
            "--no-compress",
        ],
        0,
    );
    let split = stage(&report, "split");
    assert!(split["changes"].as_array().unwrap().is_empty(), "{split}");
    let advice = split["advice"].to_string();
    assert!(advice.contains("not ES modules"), "{advice}");
    assert!(advice.contains("splitChunks"), "{advice}");
}
