//! Real chunks behave the same before and after minifying, with each minifier: ES module chunks
//! imported by Node, Next.js webpack chunks evaluated in one `vm` context with their real
//! runtime, Turbopack chunks evaluated in a `vm` context with a recording module context
//! (`tests/node/harness.mjs` says what is observed). The whole build is minified, so chunks
//! importing each other meet their minified neighbours.

use crate::util;
use distill_minify::{CssOptions, JsMinifier, JsOptions, ScriptKind, minify_js};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn harness() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node/harness.mjs")
}

/// Runs the harness and returns its JSON; panics on failure or after two minutes.
fn run(node: &str, mode: &str, dir: &Path, files: &[String]) -> String {
    let out_path = dir.join("harness-output.json");
    let out_file = std::fs::File::create(&out_path).unwrap();
    let mut child = Command::new(node)
        .arg(harness())
        .arg(mode)
        .arg(dir)
        .args(files)
        .env("TZ", "UTC")
        .current_dir(dir)
        .stdout(out_file)
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("harness {mode} on {} ran for two minutes", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "harness {mode} on {} failed: {status}",
        dir.display()
    );
    let text = std::fs::read_to_string(&out_path).unwrap();
    std::fs::remove_file(&out_path).unwrap();
    text
}

/// Copies `files` (relative to `from`) into `to`, each minified with `minifier` unless `None`.
fn write_build(
    from: &Path,
    to: &Path,
    files: &[String],
    kind: ScriptKind,
    minifier: Option<JsMinifier>,
) {
    for rel in files {
        let code = std::fs::read_to_string(from.join(rel)).unwrap();
        let out = match minifier {
            None => code,
            Some(minifier) => {
                let opts = JsOptions {
                    minifier,
                    ..JsOptions::default()
                };
                minify_js(rel, &code, None, kind, &opts, &|b| b.len() as u64)
                    .unwrap_or_else(|e| panic!("{}: {e}", from.join(rel).display()))
                    .code
            }
        };
        let dest = to.join(rel);

        util::write_file(&dest, &out);
    }
}

fn first_difference(a: &str, b: &str) -> String {
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(0);
    let context = |t: &str| {
        t.lines()
            .skip(line.saturating_sub(3))
            .take(7)
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!(
        "first difference at line {}:\n--- before\n{}\n--- after\n{}",
        line + 1,
        context(a),
        context(b)
    )
}

/// Runs `files` of `root` before and after minifying them with each minifier.
fn same_behaviour(
    name: &str,
    mode: &str,
    root: &Path,
    files: &[String],
    kind: ScriptKind,
    setup: impl Fn(&Path),
) {
    let Some(node) = util::node() else {
        return;
    };
    let base = util::temp_dir(&format!("behaviour-{name}"));
    let original = base.join("original");
    write_build(root, &original, files, kind, None);
    setup(&original);
    let before = run(node, mode, &original, files);
    // A run that observes nothing would pass vacuously.
    assert!(
        before.matches("\"calls\"").count() + before.matches("\"log\"").count() > 0,
        "{name}: nothing observed:\n{before}"
    );
    for minifier in [JsMinifier::Oxc, JsMinifier::Swc, JsMinifier::Best] {
        let dir = base.join(minifier.as_str());
        write_build(root, &dir, files, kind, Some(minifier));
        setup(&dir);
        let after = run(node, mode, &dir, files);
        assert!(
            before == after,
            "{name} behaves differently after {minifier}: {}",
            first_difference(&before, &after)
        );
    }
    eprintln!(
        "{name}: {} files, {} bytes of observations, same after oxc, swc and best",
        files.len(),
        before.len()
    );
}

fn js_files(dir: &Path, sub: &str) -> Vec<String> {
    util::chunks(dir)
        .into_iter()
        .filter(|c| !c.css && c.rel.starts_with(sub))
        .map(|c| c.rel)
        .collect()
}

fn vite(app: &str) {
    let Some(dir) = util::fixture(app, "dist") else {
        return;
    };
    let files = js_files(&dir, "assets/");
    // Node reads `.js` as CommonJS unless told otherwise.
    let setup = |d: &Path| util::write_file(&d.join("package.json"), "{\"type\":\"module\"}");
    same_behaviour(app, "esm", &dir, &files, ScriptKind::Module, setup);
}

fn webpack(app: &str) {
    let Some(dir) = util::fixture(app, ".next-webpack") else {
        return;
    };
    let mut files = js_files(&dir, "static/chunks/");
    // The runtime first: it installs the chunk registry the other chunks push to.
    files.sort_by_key(|f| !f.starts_with("static/chunks/webpack-"));
    same_behaviour(
        &format!("{app}-webpack"),
        "webpack",
        &dir,
        &files,
        ScriptKind::Script,
        |_| {},
    );
}

fn turbopack(app: &str) {
    let Some(dir) = util::fixture(app, ".next") else {
        return;
    };
    // Without the runtime the chunks push to a plain array the harness reads.
    let files: Vec<String> = js_files(&dir, "static/chunks/")
        .into_iter()
        .filter(|f| !f.starts_with("static/chunks/turbopack-"))
        .collect();
    same_behaviour(
        &format!("{app}-turbopack"),
        "turbopack",
        &dir,
        &files,
        ScriptKind::Script,
        |_| {},
    );
}

#[test]
fn vite_nomin_chunks_behave_the_same() {
    vite("vite-nomin");
}

#[test]
fn vite_react_chunks_behave_the_same() {
    vite("vite-react");
}

#[test]
fn vite7_react_chunks_behave_the_same() {
    vite("vite7-react");
}

#[test]
fn vite_vue_chunks_behave_the_same() {
    vite("vite-vue");
}

#[test]
fn next_app_webpack_chunks_behave_the_same() {
    webpack("next-app");
}

#[test]
fn next_pages_webpack_chunks_behave_the_same() {
    webpack("next-pages");
}

#[test]
fn next_app_turbopack_chunks_behave_the_same() {
    turbopack("next-app");
}

#[test]
fn next_pages_turbopack_chunks_behave_the_same() {
    turbopack("next-pages");
}

#[test]
fn css_of_every_fixture_minifies_and_parses_again() {
    // Behaviour of CSS is the browser test's (lead); here: every real stylesheet minifies.
    for &(app, out) in util::FIXTURES {
        let Some(dir) = util::fixture(app, out) else {
            continue;
        };
        for c in util::chunks(&dir).into_iter().filter(|c| c.css) {
            let m = distill_minify::minify_css(
                &c.rel,
                &c.code,
                c.map.as_deref(),
                &CssOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{app}/{out}: {e}"));
            // Prefixes and fallbacks the targets need may add a little; the stage keeps the
            // original whenever the result is not smaller.
            assert!(
                m.code.len() <= c.code.len() + c.code.len() / 10 + 64,
                "{app}/{out}/{}: grew to {}",
                c.rel,
                m.code.len()
            );
        }
    }
}

#[test]
fn the_harness_sees_a_changed_string() {
    // The comparison is only worth something if a change shows: swap one unit in the date
    // helpers of the React fixture and the observations must differ.
    let (Some(node), Some(dir)) = (util::node(), util::fixture("vite-react", "dist")) else {
        return;
    };
    let files = js_files(&dir, "assets/");
    let format = files
        .iter()
        .find(|f| f.contains("/format-"))
        .expect("a format chunk");
    let base = util::temp_dir("behaviour-mutant");
    let mut outputs = Vec::new();
    for (name, from, to) in [("original", " km", " km"), ("mutant", " km", " mi")] {
        let d = base.join(name);
        write_build(&dir, &d, &files, ScriptKind::Module, None);
        let code = std::fs::read_to_string(d.join(format)).unwrap();
        assert!(code.contains(from), "{format} has no `{from}`");
        util::write_file(&d.join(format), &code.replace(from, to));
        util::write_file(&d.join("package.json"), "{\"type\":\"module\"}");
        outputs.push(run(node, "esm", &d, &files));
    }
    assert_ne!(outputs[0], outputs[1]);
}
