//! Hostile budgets files and baselines through the real binary. Every case runs `distill` with
//! a deadline (a blocked read fails the test instead of hanging it) and checks the exit code,
//! the diagnostic code, that nothing panicked, and that no file outside the outputs it was
//! asked to write changed.

use crate::util::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above what the demo takes (about a second); only a hang gets there.
const DEADLINE: Duration = Duration::from_secs(120);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A copy of the demo build in `dist/` of a fresh folder: the budgets and baselines of a case
/// are written beside it, and the whole folder is compared before and after each run.
struct Case {
    tmp: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&demo(), &tmp.path().join("dist"));
        Case { tmp }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        write(&self.path(name), contents);
        name.to_owned()
    }

    /// Runs `distill args…` in the case's folder, and asserts that it ended before the deadline,
    /// printed no panic, and changed nothing in the folder (outputs go elsewhere).
    fn run(&self, args: &[&str]) -> Run {
        let before = snapshot(self.tmp.path());
        let run = run_with_deadline(self.tmp.path(), args);
        assert!(
            !run.stderr.contains("panicked") && run.code != 101,
            "distill {args:?} panicked: {}",
            run.stderr
        );
        assert_eq!(
            snapshot(self.tmp.path()),
            before,
            "distill {args:?} changed files it was given"
        );
        run
    }

    /// `check dist --budgets FILE [extra]`, expected to end with `code` and print `diagnostic`.
    #[track_caller]
    fn check(&self, budgets: &str, extra: &[&str], code: i32, diagnostic: &str) -> Run {
        let mut args = vec!["check", "dist", "--budgets", budgets];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert_eq!(
            run.code, code,
            "distill {args:?}\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        );
        assert!(
            run.stderr.contains(diagnostic),
            "distill {args:?}: no `{diagnostic}` in\n{}",
            run.stderr
        );
        run
    }

    /// A JSON report of the demo measured in `encodings`, as a baseline file in the folder.
    fn baseline(&self, name: &str, encodings: &str, edit: impl FnOnce(&mut Value)) -> String {
        let out = tempfile::tempdir().unwrap();
        let json = out.path().join("r.json");
        let run = run_with_deadline(
            self.tmp.path(),
            &[
                "analyze",
                "dist",
                "--encodings",
                encodings,
                "--json",
                json.to_str().unwrap(),
                "-q",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        edit(&mut report);
        self.write(name, serde_json::to_vec(&report).unwrap())
    }
}

fn run_with_deadline(cwd: &Path, args: &[&str]) -> Run {
    // Output to files, not pipes: a full pipe would block the child and look like a hang.
    let out = tempfile::tempdir().unwrap();
    let (o, e) = (out.path().join("stdout"), out.path().join("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_distill"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env(
            "DISTILL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("size-cache"),
        )
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .expect("run distill");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("distill {args:?} did not finish in {DEADLINE:?}: it blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        // A signal has no code: -1 fails every assertion on codes.
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&std::fs::read(&o).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&e).unwrap()).into_owned(),
    }
}

/// Every entry under `dir`: regular files by content (large ones by length and modification
/// time, so a sparse 1 GiB file is not read), everything else by its kind. Never opens a FIFO.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let ft = meta.file_type();
            let what = if ft.is_dir() {
                stack.push(path.clone());
                "folder".to_owned()
            } else if ft.is_symlink() {
                format!("link to {}", std::fs::read_link(&path).unwrap().display())
            } else if ft.is_file() && meta.len() <= 1 << 20 {
                format!("{:?}", std::fs::read(&path).unwrap())
            } else if ft.is_file() {
                format!(
                    "{} bytes, modified {:?}",
                    meta.len(),
                    meta.modified().unwrap()
                )
            } else {
                format!("special {ft:?}")
            };
            out.insert(path, what);
        }
    }
    out
}

fn budgets(list: Value) -> String {
    json!({ "budgets": list }).to_string()
}

#[cfg(unix)]
fn mkfifo(path: &Path) -> bool {
    let made = Command::new("mkfifo").arg(path).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: `mkfifo` is not available");
        return false;
    }
    true
}

/// `{a,{a,…}}` nested `depth` deep: the glob.
fn nested_glob(depth: usize) -> String {
    format!("{}a{}", "{a,".repeat(depth), "}".repeat(depth))
}

#[test]
fn deeply_nested_globs_are_an_error_not_a_panic() {
    let case = Case::new();
    for depth in [130, 20_000] {
        let file = case.write(
            &format!("deep-{depth}.json"),
            budgets(
                json!([{"name": "deep", "select": {"files": [nested_glob(depth)]}, "max": "1 kB"}]),
            ),
        );
        let run = case.check(&file, &[], 2, "error[budget/config]");
        assert!(
            run.stderr
                .contains("budget `deep`: budgets[0].select.files[0]"),
            "{}",
            run.stderr
        );
    }
    // The same glob through another tool's file.
    let file = case.write(
        ".size-limit.json",
        json!([{"name": "deep", "path": format!("dist/{}", nested_glob(130)), "limit": "10 kB"}])
            .to_string(),
    );
    let run = case.check(&file, &[], 2, "error[budget/config]");
    assert!(
        run.stderr.contains("nested more than 16 deep"),
        "{}",
        run.stderr
    );
    // And through `budgets convert`, which refuses rather than print a file check refuses.
    let run = case.run(&["budgets", "convert", &file]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[cfg(unix)]
#[test]
fn a_fifo_device_or_folder_as_budgets_or_baseline_is_refused_without_waiting() {
    let case = Case::new();
    let ok = case.write(
        "ok.json",
        budgets(json!([{"name": "js", "select": {"types": ["script"]}, "max": "1 MB"}])),
    );
    std::fs::create_dir(case.path("folder.json")).unwrap();
    if !mkfifo(&case.path("fifo.json")) {
        return;
    }
    let run = case.check("fifo.json", &[], 2, "error[budget/config]");
    assert!(
        run.stderr
            .contains("a FIFO (named pipe), not a regular file"),
        "{}",
        run.stderr
    );
    let run = case.check("folder.json", &[], 2, "error[budget/config]");
    assert!(
        run.stderr.contains("a folder, not a regular file"),
        "{}",
        run.stderr
    );
    let run = case.check(
        &ok,
        &["--baseline", "fifo.json"],
        2,
        "error[budget/baseline]",
    );
    assert!(run.stderr.contains("FIFO"), "{}", run.stderr);
    let run = case.check(
        &ok,
        &["--baseline", "/dev/zero"],
        2,
        "error[budget/baseline]",
    );
    assert!(run.stderr.contains("a device"), "{}", run.stderr);
    // A budgets.json found by default that is a FIFO is refused too, not waited on or skipped.
    std::fs::remove_dir(case.path("folder.json")).unwrap();
    assert!(mkfifo(&case.path("budgets.json")));
    let run = case.run(&["check", "dist"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[budget/config]: budgets.json"),
        "{}",
        run.stderr
    );
    // The convert command reads the same way.
    let run = case.run(&["budgets", "convert", "fifo.json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn files_past_the_size_limits_are_refused_before_they_are_read() {
    let case = Case::new();
    let ok = case.write(
        "ok.json",
        budgets(json!([{"name": "js", "select": {"types": ["script"]}, "max": "1 MB"}])),
    );
    // Sparse: no disk space, and refused from their length before a byte is read.
    let big = |name: &str, len: u64| {
        std::fs::File::create(case.path(name))
            .unwrap()
            .set_len(len)
            .unwrap();
        name.to_owned()
    };
    let budgets_file = big("huge-budgets.json", (64 << 20) + 1);
    let run = case.check(&budgets_file, &[], 2, "error[budget/config]");
    assert!(
        run.stderr.contains("over the 67108864-byte limit"),
        "{}",
        run.stderr
    );
    let baseline = big("huge-baseline.json", (1 << 30) + 1);
    let run = case.check(&ok, &["--baseline", &baseline], 2, "error[budget/baseline]");
    assert!(
        run.stderr.contains("over the 1073741824-byte limit"),
        "{}",
        run.stderr
    );
}

#[test]
fn wrong_numbers_are_errors_not_verdicts() {
    let case = Case::new();
    let cases = [
        (json!({"growth": {"max": "+NaN%"}}), "budgets[0].growth.max"),
        (
            json!({"growth": {"warn": "+-10%"}}),
            "budgets[0].growth.warn",
        ),
        (json!({"min": "2 kB", "max": "1 kB"}), "budgets[0].min"),
        (json!({"max": "99999999999999999999 B"}), "budgets[0].max"),
        (json!({"maxCount": -1}), "budgets[0].maxCount"),
    ];
    for (i, (limits, path)) in cases.into_iter().enumerate() {
        let mut budget = json!({"name": "b", "select": {"types": ["script"]}});
        for (k, v) in limits.as_object().unwrap() {
            budget[k] = v.clone();
        }
        let file = case.write(&format!("b{i}.json"), budgets(json!([budget])));
        let run = case.check(&file, &[], 2, "error[budget/config]");
        assert!(run.stderr.contains(path), "{path}: {}", run.stderr);
    }
    // No budgets at all: an error, never a silent pass.
    let empty = case.write("empty.json", budgets(json!([])));
    let run = case.check(&empty, &[], 2, "error[budget/config]");
    assert!(run.stderr.contains("lists no budget"), "{}", run.stderr);
    // Other tools' negative or NaN numbers are errors, not `0 B`.
    let lighthouse = case.write(
        "budget.json",
        json!([{"path": "/*", "resourceSizes": [{"resourceType": "script", "budget": -300}]}])
            .to_string(),
    );
    let run = case.check(&lighthouse, &[], 2, "error[budget/config]");
    assert!(
        run.stderr.contains("-300 is not a budget"),
        "{}",
        run.stderr
    );
    let angular = case.write(
        "angular.json",
        json!({"projects": {"app": {"architect": {"build": {"options": {"budgets": [
            {"type": "bundle", "name": "index", "baseline": "10kb", "error": "NaN%"}
        ]}}}}}})
        .to_string(),
    );
    let run = case.check(&angular, &[], 2, "error[budget/config]");
    assert!(run.stderr.contains("not a percentage"), "{}", run.stderr);
}

#[test]
fn a_baseline_without_the_budgets_encoding_is_an_error_naming_it() {
    // The issue: an identical build against a raw-only baseline showed "-58.9%, pass".
    let case = Case::new();
    let base = case.baseline("raw.json", "raw", |_| {});
    let file = case.write(
        "growth.json",
        budgets(
            json!([{"name": "growth", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]),
        ),
    );
    let run = case.check(&file, &["--baseline", &base], 2, "error[budget/baseline]");
    assert!(
        run.stderr.contains("the baseline has no brotli sizes"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--encodings raw,brotli"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("pass"), "{}", run.stdout);
    // With the encoding, the identical build is +0%.
    let base = case.baseline("brotli.json", "raw,brotli", |_| {});
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("r.json");
    let run = case.check(
        &file,
        &[
            "--baseline",
            &base,
            "--format",
            &format!("json={}", json.display()),
        ],
        0,
        "",
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let v = &report["budgets"]["verdicts"][0];
    assert_eq!(v["actual"], v["baseline"], "{}", run.stdout);
    assert!(
        v["message"].as_str().unwrap().starts_with("+0 B (+0.0%)"),
        "{v}"
    );
}

#[test]
fn sizes_near_u64_max_in_a_baseline_never_wrap() {
    let case = Case::new();
    // Every script of the baseline at `size`, with another hash: its sizes are then compared
    // with, not reused for the unchanged files of the build.
    let huge = |report: &mut Value, size: u64| {
        for f in report["files"].as_array_mut().unwrap() {
            if f["kind"] == "script" {
                f["sizes"]["raw"] = json!(size);
                f["sizes"]["brotli"] = json!(size);
                f["hash"] = json!(format!("forged-{}", f["hash"].as_str().unwrap()));
            }
        }
    };
    let max = case.baseline("max.json", "raw,brotli", |r| huge(r, u64::MAX - (1 << 20)));
    let tib = case.baseline("tib.json", "raw,brotli", |r| huge(r, 1 << 40));
    let file = case.write(
        "growth.json",
        budgets(
            json!([{"name": "growth", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]),
        ),
    );
    // Sizes no file has are refused when the baseline is read: they would overflow the totals
    // of the build they are compared with (or, by hash, reused in).
    let run = case.check(&file, &["--baseline", &max], 2, "error[budget/baseline]");
    assert!(
        run.stderr.contains("(1 TiB) of any real file"),
        "{}",
        run.stderr
    );
    // The largest accepted: the build shrank by nearly all of it, and every format renders it.
    let out = tempfile::tempdir().unwrap();
    let t = |n: &str| out.path().join(n).display().to_string();
    let run = case.check(
        &file,
        &[
            "--baseline",
            &tib,
            "--format",
            "human",
            "--format",
            &format!("markdown={}", t("s.md")),
            "--format",
            &format!("junit={}", t("j.xml")),
            "--format",
            &format!("json={}", t("r.json")),
        ],
        0,
        "",
    );
    assert!(run.stdout.contains(" TB (-100.0%)"), "{}", run.stdout);
    let md = std::fs::read_to_string(t("s.md")).unwrap();
    assert!(md.contains(" TB →"), "{md}");
    roxmltree::Document::parse(&std::fs::read_to_string(t("j.xml")).unwrap()).unwrap();
}

#[test]
fn a_file_that_could_not_be_read_fails_closed() {
    let case = Case::new();
    // A link to nothing cannot be read, even by root (who reads files of mode 000).
    #[cfg(unix)]
    std::os::unix::fs::symlink("nowhere.js", case.path("dist/assets/broken.js")).unwrap();
    #[cfg(not(unix))]
    return;
    let file = case.write(
        "b.json",
        budgets(json!([
            {"name": "js", "select": {"types": ["script"]}, "max": "1 MB"},
            {"name": "css", "select": {"types": ["stylesheet"]}, "max": "1 MB"}
        ])),
    );
    let run = case.check(&file, &[], 2, "error[budget/unmeasured]: assets/broken.js");
    assert!(run.stderr.contains("budget `js`"), "{}", run.stderr);
    assert!(!run.stderr.contains("budget `css`"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no verdicts: {}", run.stdout);
    // A budget that cannot hold it is decided.
    let css = case.write(
        "css.json",
        budgets(json!([{"name": "css", "select": {"types": ["stylesheet"]}, "max": "1 MB"}])),
    );
    case.check(&css, &[], 0, "warning[input/unreadable]: assets/broken.js");
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8_fails_closed_too() {
    use std::os::unix::ffi::OsStrExt;
    let case = Case::new();
    let bad = case
        .path("dist/assets")
        .join(std::ffi::OsStr::from_bytes(b"bad-\xff.js"));
    write(&bad, "export const x = 1;");
    let file = case.write("b.json", budgets(json!([{"name": "all", "max": "10 MB"}])));
    let run = case.check(&file, &[], 2, "error[budget/unmeasured]: assets/bad-");
    assert!(run.stderr.contains("budget `all`"), "{}", run.stderr);
}

#[test]
fn hostile_budget_names_stay_text_in_every_format() {
    let case = Case::new();
    let name =
        "x\u{FFFF}\u{FFFE}\u{1b}[31m\n::error::forged\r`![t](https://tracker.invalid/p.png)`";
    let file = case.write(
        "b.json",
        budgets(json!([
            {"name": name, "select": {"types": ["script"]}, "max": "1 B"},
            {"name": format!("{name} each"), "select": {"types": ["script"]}, "each": true, "warn": "1 B"}
        ])),
    );
    let out = tempfile::tempdir().unwrap();
    let t = |n: &str| out.path().join(n).display().to_string();
    let run = case.check(
        &file,
        &[
            "--format",
            "human",
            "--format",
            &format!("junit={}", t("j.xml")),
            "--format",
            &format!("github={}", t("gh.txt")),
            "--format",
            &format!("markdown={}", t("s.md")),
        ],
        1,
        "",
    );
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    let xml = std::fs::read_to_string(t("j.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert!(
        doc.descendants().any(|n| n
            .attribute("name")
            .is_some_and(|v| v.contains("x\\u{ffff}\\u{fffe}"))),
        "{xml}"
    );
    let gh = std::fs::read_to_string(t("gh.txt")).unwrap();
    for line in gh.split(['\n', '\r']).filter(|l| !l.is_empty()) {
        assert!(
            line.starts_with("::error ")
                || line.starts_with("::warning ")
                || line.starts_with("::notice "),
            "a line GitHub would read as a command of its own: {line:?}\n{gh}"
        );
        assert!(!line.contains("::error::forged"), "{line}");
    }
    let md = std::fs::read_to_string(t("s.md")).unwrap();
    assert!(!md.contains('\u{1b}') && !md.contains('\r'), "{md}");
    assert!(!md.contains("\n::error"), "{md}");
}

#[test]
fn converted_files_of_every_importer_are_accepted_by_check() {
    let case = Case::new();
    let files = [
        (
            ".size-limit.json",
            json!([{"name": "app", "path": ["dist/assets/index-*.js", "dist/assets/vendor-*.js"], "limit": "50 kB"},
                   {"path": "dist/assets/*.css", "limit": "10 kB", "gzip": true}]),
        ),
        (
            "bundlewatch.config.json",
            json!({"files": [{"path": "dist/assets/*.js", "maxSize": "20kB", "compression": "brotli"}],
                   "normalizeFilenames": "^.+?(\\.\\w+)$"}),
        ),
        (
            "angular.json",
            json!({"projects": {"app": {"architect": {"build": {"configurations": {"production": {"budgets": [
                {"type": "initial", "maximumWarning": "500kb", "maximumError": "1mb"},
                {"type": "bundle", "name": "vendor", "baseline": "10kb", "warning": "50%", "error": "90%"},
                {"type": "anyScript", "maximumError": "200kb"}
            ]}}}}}}}),
        ),
        (
            "budget.json",
            json!([{"path": "/*", "resourceSizes": [{"resourceType": "script", "budget": 300}],
                    "resourceCounts": [{"resourceType": "image", "budget": 20}]}]),
        ),
    ];
    for (name, contents) in files {
        let original = case.write(name, contents.to_string());
        let run = case.run(&["budgets", "convert", &original, "--build-dir", "dist"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let converted = case.write(&format!("converted-{name}"), &run.stdout);
        for file in [&original, &converted] {
            let run = case.run(&["check", "dist", "--budgets", file]);
            assert!(
                run.code == 0 || run.code == 1,
                "{file}: exit {}\n{}",
                run.code,
                run.stderr
            );
            assert!(
                !run.stderr.contains("error[budget/config]"),
                "{file}: {}",
                run.stderr
            );
        }
    }
}
