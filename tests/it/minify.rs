//! The minify stage through the binary: every Vite fixture (the unminified one included) loads
//! in Chromium after `distill optimize` exactly as before, `integrity=` values stay valid, and
//! files that cannot be minified are kept with a diagnostic while the rest is minified.

use crate::browser::{browser_available, same_in_chromium, same_pages, visit};
use crate::optimize::{optimize, optimize_copy, tree};
use crate::serve::NextServer;
use crate::serve::Server;
use crate::util::*;
use base64::Engine;
use serde_json::Value;
use sha2::Digest;

/// The minify stage's report from `distill optimize --format json`.
pub(crate) fn stage<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["optimize"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == name)
        .unwrap_or_else(|| panic!("no {name} stage in {}", report["optimize"]))
}

fn replaced(stage: &Value) -> Vec<String> {
    stage["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "replaced")
        .map(|c| c["path"].as_str().unwrap().to_owned())
        .collect()
}

fn run_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--no-cache", "--format", "json"]);
    let o = optimize(&all, 0);
    serde_json::from_slice(&o.stdout).unwrap()
}

fn vite_app(app: &str, routes: &[&str], minified: usize) {
    if !browser_available() {
        return;
    }
    let Some(dist) = fixture(app, "dist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let report = run_json(&[dist.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let minify = stage(&report, "minify");
    let changed = replaced(minify);
    assert!(
        changed.len() >= minified,
        "{app}: {} files minified, expected at least {minified}: {minify}",
        changed.len()
    );
    // Every replaced file is on disk as reported, and its map still parses.
    for path in &changed {
        let bytes = std::fs::read(out.join(path)).unwrap();
        let change = minify["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == path.as_str())
            .unwrap();
        assert_eq!(change["after"].as_u64().unwrap(), bytes.len() as u64);
        let map = out.join(format!("{path}.map"));
        if map.is_file() {
            let v: Value = serde_json::from_slice(&std::fs::read(&map).unwrap()).unwrap();
            assert_eq!(v["version"], 3, "{}", map.display());
        }
    }
    same_in_chromium(&dist, &out, routes);
}

#[test]
fn vite_nomin_minified_behaves_the_same_in_chromium() {
    vite_app("vite-nomin", &["/", "/about", "/dashboard", "/settings"], 5);
}

#[test]
fn vite_react_behaves_the_same_in_chromium() {
    vite_app("vite-react", &["/", "/about", "/dashboard", "/settings"], 0);
}

#[test]
fn vite7_react_behaves_the_same_in_chromium() {
    // Vite 7 minifies with esbuild: oxc still finds bytes to save.
    vite_app(
        "vite7-react",
        &["/", "/about", "/dashboard", "/settings"],
        1,
    );
}

#[test]
fn vite_vue_behaves_the_same_in_chromium() {
    vite_app(
        "vite-vue",
        &["/", "/notes/heron-at-dawn", "/timeline", "/about"],
        0,
    );
}

#[test]
fn demo_behaves_the_same_in_chromium() {
    vite_app("demo", &["/", "/#/stats", "/#/plan"], 1);
}

/// The unminified build shrinks by more than half, every minifier choice keeps behaviour in
/// Node for a library chunk (`format.js` style pure code), and `best` is never larger by brotli
/// than either minifier alone.
#[test]
fn best_is_never_larger_than_either_minifier() {
    let Some(dist) = fixture("vite-nomin", "dist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let mut brotli = Vec::new();
    for m in ["oxc", "swc", "best"] {
        let out = tmp.path().join(m);
        let report = run_json(&[
            dist.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--js-minifier",
            m,
            "--no-images",
        ]);
        let total: u64 = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "script")
            .map(|f| f["sizes"]["brotli"].as_u64().unwrap())
            .sum();
        brotli.push(total);
    }
    let before: u64 = analyze_json(&dist, &[])["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "script")
        .map(|f| f["sizes"]["brotli"].as_u64().unwrap())
        .sum();
    assert!(brotli[0] * 10 < before * 8, "oxc {} vs {before}", brotli[0]);
    assert!(
        brotli[2] <= brotli[0] && brotli[2] <= brotli[1],
        "best {} vs oxc {} and swc {}",
        brotli[2],
        brotli[0],
        brotli[1]
    );
}

fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes))
    )
}

/// A page whose script and stylesheet carry `integrity=`: after minifying, the values match
/// the new bytes, Chromium runs the script (it refuses one whose digest differs), and a file
/// that does not parse, a stylesheet with a broken rule and a chunk with a broken source map
/// are kept as they were, each with its diagnostic, while the rest is minified.
#[test]
fn integrity_stays_valid_and_bad_files_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let app = "function greetEveryone(listOfNames) {\n  const greeting = 'Hello, ';\n  \
               for (const name of listOfNames) {\n    const element = document.createElement('p');\n    \
               element.textContent = greeting + name + '!';\n    document.body.appendChild(element);\n  }\n}\n"
        .to_owned()
        + &(0..60)
            .map(|i| format!("export function helperNumber{i}(argument) {{\n  return argument * {i} + 1;\n}}\n"))
            .collect::<String>()
        + "greetEveryone(['Ada', 'Grace', 'Linus']);\n";
    let css = "body {\n  color: #ff0000;\n  margin: 0px 0px 0px 0px;\n}\n".repeat(30);
    write(&dist.join("assets/app.js"), &app);
    write(&dist.join("assets/app.css"), &css);
    let broken = "export const a = (1 + ;\n".repeat(40);
    write(&dist.join("assets/broken.js"), &broken);
    let bad_map = "export function mapped(x) {\n  return x + 1;\n}\n".repeat(40)
        + "//# sourceMappingURL=mapped.js.map\n";
    write(&dist.join("assets/mapped.js"), &bad_map);
    write(
        &dist.join("assets/mapped.js.map"),
        "{\"version\":3,\"mappings\":",
    );
    let html = format!(
        "<!doctype html><html><head><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/assets/app.css\" integrity=\"{}\">\
         <script type=\"module\" src=\"/assets/app.js\" integrity=\"{}\" crossorigin></script></head><body></body></html>\n",
        sri(css.as_bytes()),
        sri(app.as_bytes())
    );
    write(&dist.join("index.html"), &html);
    let out = tmp.path().join("out");
    let o = optimize(
        &[
            dist.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-cache",
            "--format",
            "json",
        ],
        0,
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let done = tree(&out);
    let new_app = &done["assets/app.js"];
    let new_css = &done["assets/app.css"];
    assert!(
        new_app.len() < app.len() * 3 / 4,
        "app.js minified: {}",
        String::from_utf8_lossy(new_app)
    );
    assert!(new_css.len() < css.len() / 2, "app.css minified");
    let page = String::from_utf8(done["index.html"].clone()).unwrap();
    assert!(page.contains(&sri(new_app)), "{page}");
    assert!(page.contains(&sri(new_css)), "{page}");
    assert!(!page.contains(&sri(app.as_bytes())));
    assert_eq!(
        stage(&report, "integrity")["changes"][0]["path"],
        "index.html"
    );
    // Kept as they were, each with a stable code naming the file.
    assert_eq!(done["assets/broken.js"], broken.as_bytes());
    assert_eq!(done["assets/mapped.js"], bad_map.as_bytes());
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let has = |code: &str, path: &str| {
        diagnostics
            .iter()
            .any(|d| d["code"] == code && d["path"] == path)
    };
    assert!(
        has("minify/parse-error", "assets/broken.js"),
        "{diagnostics:?}"
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"].as_str().unwrap().starts_with("map/")
                && d["path"] == "assets/mapped.js"),
        "{diagnostics:?}"
    );
    if browser_available() {
        let server = Server::start(&out, None);
        let run = visit(&server.base, &["/"]);
        let page = &run["pages"][0];
        let lines: Vec<&str> = page["text"].as_str().unwrap().split_whitespace().collect();
        assert_eq!(
            lines,
            ["Hello,", "Ada!", "Hello,", "Grace!", "Hello,", "Linus!"],
            "{page}"
        );
        assert_eq!(page["consoleErrors"], serde_json::json!([]), "{page}");
    }
}

/// `--no-minify` leaves scripts as they are; a bad `--css-targets` is an error before anything
/// is written.
#[test]
fn minify_can_be_turned_off_and_bad_targets_are_refused() {
    let Some(dist) = fixture("vite-nomin", "dist") else {
        return;
    };
    let (tmp, out) = optimize_copy(&dist, &["--no-minify", "--no-images", "--no-cache"]);
    let copied = tree(&out);
    for (path, bytes) in tree(&dist) {
        assert_eq!(copied[&path], bytes, "{path}");
    }
    let out2 = tmp.path().join("out2");
    let o = optimize(
        &[
            dist.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
            "--css-targets",
            "no such browser 99",
        ],
        2,
    );
    assert!(stderr(&o).contains("minify/bad-option"), "{}", stderr(&o));
    assert!(!out2.exists());
}

/// A Next.js app, minified, served by `next start`: the original from its fixture folder, the
/// optimized build from a project folder of its own (the fixture's manifest and config, its
/// `node_modules` and `public/` linked). Every route reads the same in Chromium, with no new
/// console error, page error or failed request.
fn next_app(app: &str, dist: &str, routes: &[&str]) {
    if !browser_available() {
        return;
    }
    let Some(build) = fixture(app, dist) else {
        return;
    };
    let fixture_dir = build.parent().unwrap().to_path_buf();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    for f in ["package.json", "next.config.mjs"] {
        std::fs::copy(fixture_dir.join(f), project.join(f)).unwrap();
    }
    for d in ["node_modules", "public"] {
        if fixture_dir.join(d).exists() {
            std::os::unix::fs::symlink(fixture_dir.join(d), project.join(d)).unwrap();
        }
    }
    let out = project.join(dist);
    let report = run_json(&[
        build.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-images",
        "--no-compress",
    ]);
    let changed = replaced(stage(&report, "minify"));
    assert!(
        changed.iter().any(|p| p.ends_with(".js")),
        "{app} {dist}: no script minified: {report}"
    );
    let before = NextServer::start(&fixture_dir, dist);
    let after = NextServer::start(&project, dist);
    same_pages(&before.base, &after.base, routes);
}

#[test]
fn next_app_turbopack_minified_behaves_the_same_in_chromium() {
    next_app(
        "next-app",
        ".next",
        &[
            "/",
            "/about",
            "/dashboard",
            "/calendar",
            "/blog/opening-night",
        ],
    );
}

#[test]
fn next_app_webpack_minified_behaves_the_same_in_chromium() {
    next_app(
        "next-app",
        ".next-webpack",
        &[
            "/",
            "/about",
            "/dashboard",
            "/calendar",
            "/blog/opening-night",
        ],
    );
}

#[test]
fn next_pages_minified_behaves_the_same_in_chromium() {
    // Not /ssr: it renders a random temperature on every request.
    next_app(
        "next-pages",
        ".next",
        &["/", "/about", "/stats", "/posts/glazes"],
    );
}
