use crate::util::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn example() -> PathBuf {
    repo_root().join("budgets.example.json")
}

fn demo_baseline() -> PathBuf {
    repo_root().join("fixtures/demo/baseline.json")
}

fn check(dir: &Path, budgets: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        dir.to_str().unwrap(),
        "--budgets",
        budgets.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    distill(&args)
}

fn budgets_file(dir: &Path, json: &str) -> PathBuf {
    let path = dir.join("budgets.json");
    write(&path, json);
    path
}

fn verdicts(report: &Value) -> &Vec<Value> {
    report["budgets"]["verdicts"].as_array().unwrap()
}

/// The README's CI example: the example budgets on the demo, every format at once.
#[test]
fn example_budgets_pass_on_the_demo_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let t = |n: &str| tmp.path().join(n).to_str().unwrap().to_owned();
    let summary = tmp.path().join("summary.md");
    write(&summary, "earlier step\n");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_distill"))
        .args([
            "check",
            demo().to_str().unwrap(),
            "--budgets",
            example().to_str().unwrap(),
        ])
        .args(["--baseline", demo_baseline().to_str().unwrap()])
        .args([
            "--format",
            "human",
            "--format",
            &format!("json={}", t("r.json")),
        ])
        .args([
            "--format",
            &format!("junit={}", t("j.xml")),
            "--format",
            &format!("markdown={}", t("s.md")),
        ])
        .args(["--format", &format!("github={}", t("gh.txt"))])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("✓ pass  total"), "{out}");
    assert!(out.contains("0 failed"), "{out}");

    let report: Value = serde_json::from_slice(&std::fs::read(t("r.json")).unwrap()).unwrap();
    let names: Vec<&str> = verdicts(&report)
        .iter()
        .map(|v| v["budget"].as_str().unwrap())
        .collect();
    for budget in [
        "total",
        "initial",
        "lazy chunks",
        "vendor chunk",
        "vendor files",
        "any chunk",
        "images",
        "growth",
    ] {
        assert!(names.contains(&budget), "{budget} missing from {names:?}");
    }
    // `each` budgets give one verdict per file.
    let lazy: Vec<&Value> = verdicts(&report)
        .iter()
        .filter(|v| v["budget"] == "lazy chunks")
        .collect();
    assert!(
        lazy.len() >= 3
            && lazy
                .iter()
                .all(|v| v["files"].as_array().unwrap().len() == 1)
    );
    // The vendor chunk is selected by its bundler name, and it is what the glob finds too.
    let by = |b: &str| verdicts(&report).iter().find(|v| v["budget"] == b).unwrap();
    assert_eq!(by("vendor chunk")["files"], by("vendor files")["files"]);
    assert_eq!(by("first load of index.html")["compression"], "gzip");
    assert_eq!(
        report["diff"]["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["status"] != "same")
            .count(),
        0
    );

    // JUnit: parsed as CI systems do; one test case per verdict.
    let xml = std::fs::read_to_string(t("j.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), verdicts(&report).len());
    assert_eq!(root.attribute("tests").unwrap(), cases.len().to_string());
    assert!(
        cases
            .iter()
            .all(|c| c.attribute("classname").unwrap().starts_with("budgets."))
    );

    let md = std::fs::read_to_string(t("s.md")).unwrap();
    assert!(md.starts_with("## ✅ distill: all"), "{md}");
    assert!(md.contains("| ✅ | total |"), "{md}");
    let appended = std::fs::read_to_string(&summary).unwrap();
    assert!(
        appended.starts_with("earlier step\n## ✅"),
        "GITHUB_STEP_SUMMARY is appended to"
    );
    assert!(
        std::fs::read_to_string(t("gh.txt")).unwrap().is_empty(),
        "nothing to annotate when all pass"
    );
}

#[test]
fn a_failing_budget_exits_1_with_annotations_and_junit_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let mut budgets = String::from(r#"{"budgets": ["#);
    // 12 failing `each` verdicts (more than GitHub shows) and a warning.
    budgets.push_str(r#"{"name": "tiny", "select": {"types": ["script"]}, "each": true, "max": "10 B", "compression": "none"},"#);
    budgets.push_str(r#"{"name": "warned", "select": {"types": ["stylesheet"]}, "warn": "1 B", "max": "1 MB"}]}"#);
    let file = budgets_file(tmp.path(), &budgets);
    let xml = tmp.path().join("j.xml");
    let o = check(
        &demo(),
        &file,
        &[
            "--format",
            "github",
            "--format",
            &format!("junit={}", xml.display()),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    let errors: Vec<&String> = lines.iter().filter(|l| l.starts_with("::error ")).collect();
    assert!(!errors.is_empty() && errors.len() <= 10, "{lines:?}");
    for e in &errors {
        // `::error file=<path>,title=<title>::<message>`, properties escaped.
        let (props, message) = e["::error ".len()..].split_once("::").unwrap();
        assert!(
            props.starts_with("file=") && props.contains(",title=distill budget%3A tiny"),
            "{e}"
        );
        let file = props["file=".len()..props.find(",title=").unwrap()]
            .replace("%2C", ",")
            .replace("%3A", ":");
        assert!(
            Path::new(&file).is_file(),
            "annotation points at a real file: {file}"
        );
        assert!(message.contains("over the max of 10 B"), "{e}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("::warning title=distill budget%3A warned::")),
        "{lines:?}"
    );
    let doc_text = std::fs::read_to_string(&xml).unwrap();
    let doc = roxmltree::Document::parse(&doc_text).unwrap();
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!(
        doc.root_element().attribute("failures").unwrap(),
        failures.to_string()
    );
    assert!(failures >= 5, "{failures}");
    if failures > 10 {
        assert!(
            stdout(&o).contains("::notice title=distill::"),
            "the rest is summarized"
        );
    }
}

#[test]
fn an_empty_selection_is_reported_not_passed() {
    let tmp = tempfile::tempdir().unwrap();
    let file = budgets_file(
        tmp.path(),
        r#"{"budgets": [{"name": "fonts", "select": {"types": ["font"]}, "max": "100 kB"},
        {"name": "missing route", "select": {"route": "/nope"}, "max": "100 kB"}]}"#,
    );
    let json = tmp.path().join("r.json");
    let o = check(
        &demo(),
        &file,
        &[
            "--format",
            &format!("json={}", json.display()),
            "--format",
            "human",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("∅ empty fonts"), "{}", stdout(&o));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(verdicts(&report).iter().all(|v| v["status"] == "empty"));
    assert!(
        verdicts(&report)[1]["message"]
            .as_str()
            .unwrap()
            .contains("no route `/nope`")
    );
}

/// Each broken configuration names the budget and the JSON path, and exits 2.
#[test]
fn broken_budgets_exit_2_naming_budget_and_path() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"budgets": [{"name": "js", "max": "300 kB", "maxSize": "1 kB"}]}"#,
            "budget `js`: budgets[0].maxSize: unknown field `maxSize`",
        ),
        (
            r#"{"budgets": [{"name": "ok", "max": "1 kB"}, {"name": "css", "max": "300 KB"}]}"#,
            "budget `css`: budgets[1].max: bad unit in `300 KB`",
        ),
        (
            r#"{"budgets": [{"name": "ok", "max": 300}]}"#,
            "budget `ok`: budgets[0].max: invalid type",
        ),
        (
            r#"{"budgets": [{"name": "v", "select": {"files": ["assets/*.js", "assets/nope-*.js"]}, "max": "1 kB"}]}"#,
            "budget `v`: budgets[0].select.files[1]: glob `assets/nope-*.js` matches no file",
        ),
        (
            r#"{"budgets": [{"name": "g", "growth": {"max": "+10%"}}]}"#,
            "budget `g`: budgets[0].growth: needs a baseline",
        ),
        (
            "{\"budgets\": [\n  {\"name\": \"x\",}\n]}",
            "budgets.json:2:",
        ),
    ];
    for (text, expected) in cases {
        let file = budgets_file(tmp.path(), text);
        let o = check(&demo(), &file, &[]);
        assert_eq!(o.status.code(), Some(2), "{text}\n{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("error[budget/config]"), "{err}");
        assert!(
            err.contains(expected),
            "{text}\nexpected `{expected}` in:\n{err}"
        );
    }
}

#[test]
fn a_baseline_of_another_schema_version_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("old.json");
    write(&base, r#"{"schemaVersion": 0, "files": []}"#);
    let o = check(&demo(), &example(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("error[budget/baseline]"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("schema version 0"), "{}", stderr(&o));
    let o = check(&demo(), &example(), &["--baseline", "no/such/report.json"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn budgets_are_discovered_beside_the_build_or_in_package_json() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo(), &tmp.path().join("dist"));
    let o = distill_in(tmp.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no budgets"), "{}", stderr(&o));
    write(
        &tmp.path().join("package.json"),
        r#"{"name": "app", "distill": {"budgets": [{"name": "from package.json", "max": "1 MB"}]}}"#,
    );
    let o = distill_in(tmp.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("from package.json"));
    write(
        &tmp.path().join("budgets.json"),
        r#"{"budgets": [{"name": "from budgets.json", "max": "1 MB"}]}"#,
    );
    let o = distill_in(tmp.path(), &["check", "dist"]);
    assert!(
        stdout(&o).contains("from budgets.json"),
        "budgets.json wins: {}",
        stdout(&o)
    );
}

/// Other tools' files are read for migration, with their units and defaults.
#[test]
fn size_limit_config_checks_and_converts() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo(), &tmp.path().join("dist"));
    write(
        &tmp.path().join(".size-limit.json"),
        r#"[{"name": "app js", "path": "dist/assets/*.js", "limit": "1 kB"}, {"path": "dist/assets/*.css", "limit": "10 kB", "gzip": true}]"#,
    );
    let o = distill_in(
        tmp.path(),
        &["check", "dist", "--budgets", ".size-limit.json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "the JS is over 1 KiB: {}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stderr(&o).contains("read as size-limit"), "{}", stderr(&o));
    let o = distill_in(tmp.path(), &["budgets", "convert", ".size-limit.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let converted: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(converted["budgets"][0]["select"]["files"][0], "assets/*.js");
    assert_eq!(converted["budgets"][0]["max"], "1 KiB");
    assert_eq!(converted["budgets"][1]["compression"], "gzip");
    // What convert prints is a valid budgets.json.
    write(&tmp.path().join("converted.json"), stdout(&o));
    let o = distill_in(
        tmp.path(),
        &["check", "dist", "--budgets", "converted.json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "same verdicts as the original: {}",
        stderr(&o)
    );
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let o = distill(&["budgets", "schema"]);
    assert_eq!(
        stdout(&o),
        std::fs::read_to_string(repo_root().join("budgets.schema.json")).unwrap()
    );
}

/// A route budget on a Next App Router route, for both bundlers.
#[test]
fn route_budget_on_next_app_router() {
    for out in [".next", ".next-webpack"] {
        let Some(next) = fixture("next-app", out) else {
            return;
        };
        let tmp = tempfile::tempdir().unwrap();
        let file = budgets_file(
            tmp.path(),
            r#"{"budgets": [
            {"name": "dashboard first load", "select": {"route": "/dashboard", "scope": "initial", "types": ["script"]}, "max": "150 KiB", "compression": "gzip"},
            {"name": "home first load", "select": {"route": "/", "scope": "initial"}, "max": "10 kB", "compression": "none"}]}"#,
        );
        let json = tmp.path().join("r.json");
        let o = check(
            &next,
            &file,
            &["--format", &format!("json={}", json.display())],
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "home is far over 10 kB raw ({out}): {}",
            stderr(&o)
        );
        let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let v = &verdicts(&report)[0];
        let route = load_set(&report, "routes", "/dashboard");
        assert_eq!(
            v["files"].as_array().unwrap().len(),
            initial_of_kind(&report, route, "script").len()
        );
        assert_eq!(v["actual"], route["initialScriptSizes"]["gzip"], "{out}");
        assert_eq!(verdicts(&report)[1]["status"], "fail");
    }
}

/// An `each` budget over Vite's lazy chunks: one verdict per lazy script, none initial.
#[test]
fn each_budget_on_vite_lazy_chunks() {
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let file = budgets_file(
        tmp.path(),
        r#"{"budgets": [{"name": "lazy", "select": {"scope": "lazy", "types": ["script"]}, "each": true, "max": "40 kB"}]}"#,
    );
    let json = tmp.path().join("r.json");
    let o = check(
        &dist,
        &file,
        &[
            "--format",
            &format!("json={}", json.display()),
            "--format",
            "human",
        ],
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let entry = load_set(&report, "entries", "index.html");
    let lazy_scripts: Vec<String> = strings(&entry["lazy"])
        .into_iter()
        .filter(|p| p.ends_with(".js"))
        .collect();
    let judged: Vec<String> = verdicts(&report)
        .iter()
        .map(|v| v["files"][0].as_str().unwrap().to_owned())
        .collect();
    let mut judged_sorted = judged.clone();
    judged_sorted.sort();
    assert_eq!(judged_sorted, lazy_scripts);
    // The Dashboard chunk (chart.js) is over 40 kB brotli: it fails, and is named.
    let failed: Vec<&Value> = verdicts(&report)
        .iter()
        .filter(|v| v["status"] == "fail")
        .collect();
    assert!(
        failed
            .iter()
            .any(|v| v["files"][0].as_str().unwrap().contains("Dashboard")),
        "{failed:?}"
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("Dashboard"),
        "offending files are listed: {}",
        stdout(&o)
    );
}

/// Two builds of the same app with a small source change: every file is matched by identity
/// although the changed chunk and its importers got new hashes.
#[test]
fn baseline_matches_a_rebuilt_fixture_by_identity() {
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let app = repo_root().join("fixtures/vite-react");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("app");
    for entry in [
        "index.html",
        "package.json",
        "vite.config.js",
        "src",
        "public",
    ] {
        let from = app.join(entry);
        if from.is_dir() {
            copy_dir(&from, &copy.join(entry));
        } else {
            std::fs::create_dir_all(&copy).unwrap();
            std::fs::copy(&from, copy.join(entry)).unwrap();
        }
    }
    std::os::unix::fs::symlink(app.join("node_modules"), copy.join("node_modules")).unwrap();
    let about = copy.join("src/routes/About.jsx");
    let text = std::fs::read_to_string(&about).unwrap();
    let marker = text.find("return").expect("About.jsx returns JSX");
    write(
        &about,
        format!(
            "{}const edition = 'second build';\n  {}",
            &text[..marker],
            &text[marker..]
        )
        .replace("</h1>", "{edition}</h1>"),
    );
    let built = std::process::Command::new("./node_modules/.bin/vite")
        .arg("build")
        .current_dir(&copy)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let report = rebuilt_against_baseline(tmp.path(), &dist, &copy.join("dist"), "gzip");
    let files = report["diff"]["files"].as_array().unwrap();
    let renamed: Vec<&Value> = files
        .iter()
        .filter(|f| f["path"] != f["baselinePath"])
        .collect();
    assert!(
        !renamed.is_empty(),
        "the change must have renamed some file, else this test proves nothing"
    );
    assert!(
        renamed
            .iter()
            .any(|f| f["path"].as_str().unwrap().contains("About")),
        "{renamed:?}"
    );
    assert!(files.iter().any(|f| f["status"] == "grew"));
    // No `each` growth verdict says "new file": everything had a baseline.
    assert!(
        verdicts(&report)
            .iter()
            .all(|v| !v["message"].as_str().unwrap().contains("new file"))
    );
}

/// Turbopack names chunks by content hash alone (`0sjl6tscwuy8a.js`): after a change to one
/// client component, its chunk can only be recognised by the modules its source map names.
#[test]
fn baseline_matches_an_opaque_turbopack_chunk_by_its_modules() {
    let Some(next) = fixture("next-app", ".next") else {
        return;
    };
    let app = repo_root().join("fixtures/next-app");
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("app");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(&app).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == "node_modules"
            || name.starts_with(".next")
            || name.starts_with(".build-stamp")
            || name == "next-env.d.ts"
        {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &copy.join(&name));
        } else {
            std::fs::copy(entry.path(), copy.join(&name)).unwrap();
        }
    }
    // Turbopack refuses a node_modules symlink that leaves the project; hard links are cheap.
    let linked = std::process::Command::new("cp")
        .arg("-al")
        .arg(app.join("node_modules"))
        .arg(copy.join("node_modules"))
        .status()
        .unwrap();
    assert!(linked.success());
    let widget = copy.join("components/CalendarWidget.jsx");
    let text = std::fs::read_to_string(&widget).unwrap();
    let at = text.find("return (").expect("CalendarWidget returns JSX");
    let changed = format!(
        "{}const edition = 'second build';\n  {}",
        &text[..at],
        &text[at..]
    )
    .replacen("<div ", "<div data-edition={edition} ", 1);
    assert_ne!(changed, text);
    write(&widget, changed);
    let built = std::process::Command::new("./node_modules/.bin/next")
        .arg("build")
        .current_dir(&copy)
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .env_remove("NEXT_DIST_DIR")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    let report = rebuilt_against_baseline(tmp.path(), &next, &copy.join(".next"), "none");
    let files = report["diff"]["files"].as_array().unwrap();
    let by_modules: Vec<&Value> = files
        .iter()
        .filter(|f| f["matchedBy"] == "modules")
        .collect();
    assert!(
        !by_modules.is_empty(),
        "the changed chunk must be matched by its modules: {files:?}"
    );
    for f in by_modules {
        assert_ne!(
            f["path"], f["baselinePath"],
            "an opaque name changes with its content"
        );
        assert_eq!(f["status"], "grew");
    }
}

/// Analyzes `before` as the baseline, checks `after` against it with an `each` growth budget
/// on scripts measured in `compression`, and returns the report after asserting that every file
/// of either build found its counterpart.
fn rebuilt_against_baseline(tmp: &Path, before: &Path, after: &Path, compression: &str) -> Value {
    let encodings = if compression == "none" {
        "raw".to_owned()
    } else {
        format!("raw,{compression}")
    };
    let base = tmp.join("base.json");
    let o = distill(&[
        "analyze",
        before.to_str().unwrap(),
        "--encodings",
        &encodings,
        "--json",
        base.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let file = budgets_file(
        tmp,
        &format!(
            r#"{{"compression": "{compression}", "budgets": [{{"name": "growth", "select": {{"types": ["script"]}}, "each": true, "growth": {{"max": "+50%"}}}}]}}"#
        ),
    );
    let json = tmp.join("r.json");
    let o = check(
        after,
        &file,
        &[
            "--baseline",
            base.to_str().unwrap(),
            "--format",
            &format!("json={}", json.display()),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let unmatched: Vec<&Value> = report["diff"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "new" || f["status"] == "removed")
        .collect();
    assert!(
        unmatched.is_empty(),
        "unmatched after a one-line change: {unmatched:?}"
    );
    report
}
