//! Hostile input against the read and write paths, each case through the real binary with a
//! timeout: the exit code, the diagnostic code, never a panic, and nothing outside the build
//! touched.

use crate::util::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs distill with `args` in `cwd`, killed after `secs` (a hang is a failure, not a stuck CI).
fn run(cwd: &Path, args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_distill"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("DISTILL_CACHE_DIR", cwd.join(".hostile-cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "distill {} hung for {secs} s\nstderr:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert!(
        !err.contains("panicked"),
        "distill {} panicked:\n{err}",
        args.join(" ")
    );
    out
}

#[track_caller]
fn expect(out: &Output, code: i32, diagnostic: &str) {
    let err = stderr(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr:\n{err}\nstdout:\n{}",
        stdout(out)
    );
    assert!(err.contains(diagnostic), "no `{diagnostic}` in:\n{err}");
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

fn demo_copy(tmp: &Path) -> std::path::PathBuf {
    let dist = tmp.join("dist");
    copy_dir(&demo(), &dist);
    dist
}

#[cfg(unix)]
#[test]
fn dev_null_stays_a_device() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(
        tmp.path(),
        &[
            "analyze",
            demo().to_str().unwrap(),
            "--json",
            "/dev/null",
            "-q",
        ],
        60,
    );
    expect(&out, 0, "");
    let meta = std::fs::metadata("/dev/null").unwrap();
    use std::os::unix::fs::FileTypeExt;
    assert!(meta.file_type().is_char_device(), "/dev/null was replaced");
}

#[cfg(unix)]
#[test]
fn a_fifo_report_is_written_through() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("report.fifo");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let out = run(
        tmp.path(),
        &[
            "analyze",
            demo().to_str().unwrap(),
            "--json",
            fifo.to_str().unwrap(),
            "-q",
        ],
        60,
    );
    expect(&out, 0, "");
    let json = reader.join().unwrap();
    assert!(json.contains("\"schemaVersion\": 1"));
    assert!(!std::fs::metadata(&fifo).unwrap().is_file(), "still a FIFO");
}

#[cfg(unix)]
#[test]
fn report_links_are_followed_or_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real.json");
    write(&real, "old");
    let link = tmp.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = run(
        tmp.path(),
        &[
            "analyze",
            demo().to_str().unwrap(),
            "--json",
            link.to_str().unwrap(),
            "-q",
        ],
        60,
    );
    expect(&out, 0, "");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::read_to_string(&real)
            .unwrap()
            .contains("schemaVersion")
    );
    let dangling = tmp.path().join("dangling.json");
    std::os::unix::fs::symlink(tmp.path().join("no/such/place.json"), &dangling).unwrap();
    let out = run(
        tmp.path(),
        &[
            "analyze",
            demo().to_str().unwrap(),
            "--json",
            dangling.to_str().unwrap(),
            "-q",
        ],
        60,
    );
    expect(&out, 2, "error[output/refused]");
    assert!(!tmp.path().join("no").exists());
}

#[test]
fn reports_over_inputs_or_each_other_are_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = demo_copy(tmp.path());
    let input = dist.join("index.html");
    let before = std::fs::read(&input).unwrap();
    let out = run(
        tmp.path(),
        &[
            "analyze",
            dist.to_str().unwrap(),
            "--json",
            input.to_str().unwrap(),
        ],
        60,
    );
    expect(&out, 2, "error[output/refused]");
    assert!(
        stderr(&out).contains("is a file of the build being read"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let same = tmp.path().join("r.json");
    let out = run(
        tmp.path(),
        &[
            "check",
            dist.to_str().unwrap(),
            "--budgets",
            repo_root().join("budgets.example.json").to_str().unwrap(),
            "--format",
            &format!("json={}", same.display()),
            "--html",
            same.to_str().unwrap(),
        ],
        60,
    );
    expect(&out, 2, "two outputs would be written to the same file");
    assert!(!same.exists());
}

#[cfg(unix)]
#[test]
fn sigterm_leaves_no_temporary_file() {
    let Some(fixture_dist) = fixture("vite-react", "dist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    copy_dir(&fixture_dist, &dist);
    for delay in [150u64, 400, 900] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_distill"))
            .args(["optimize"])
            .arg(&dist)
            .args(["--in-place", "--no-cache", "--format", "json=/dev/null"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status = child.wait().unwrap();
        let leftovers: Vec<_> = walk_files(&dist)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(".distill-tmp-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "after SIGTERM at {delay} ms ({status}): {leftovers:?}"
        );
    }
}

#[cfg(unix)]
#[test]
fn nothing_is_read_through_a_link_out_of_the_build() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = demo_copy(tmp.path());
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::rename(dist.join(".vite"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, dist.join(".vite")).unwrap();
    let out = run(
        tmp.path(),
        &["analyze", dist.to_str().unwrap(), "--encodings", "raw"],
        60,
    );
    expect(&out, 0, "input/symlink-outside");
    assert!(
        stdout(&out).contains("no manifest"),
        "the manifest out there is not trusted: {}",
        stdout(&out)
    );
}

#[cfg(unix)]
#[test]
fn special_files_loops_and_odd_names_are_diagnosed_not_hung_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = demo_copy(tmp.path());
    mkfifo(&dist.join("assets/blocking.js"));
    std::os::unix::fs::symlink("self", dist.join("self")).unwrap();
    write(&dist.join("assets/back\\slash.js"), "export const x = 1;");
    let out = run(
        tmp.path(),
        &["analyze", dist.to_str().unwrap(), "--encodings", "raw"],
        60,
    );
    expect(&out, 0, "input/not-a-file");
    let err = stderr(&out);
    assert!(err.contains("assets/blocking.js"), "{err}");
    assert!(err.contains("warning[input/symlink-loop]: self"), "{err}");
    let json = analyze_json(&dist, &["--encodings", "raw"]);
    file(&json, "assets/back\\slash.js");
}

#[test]
fn names_are_data_never_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let code = "export const a = 'padding padding padding';\n".repeat(40);
    write(&dist.join("z\n::error title=forged::owned\n.js"), &code);
    write(&dist.join("esc-\u{1b}[31mred.js"), &code);
    let budgets = tmp.path().join("budgets.json");
    write(
        &budgets,
        "{\"budgets\": [{\"name\": \"evil \\u001b[31m\\n::error::x\", \"select\": {\"types\": [\"script\"]}, \"each\": true, \"max\": \"10 B\"}]}",
    );
    let out = run(
        tmp.path(),
        &[
            "check",
            dist.to_str().unwrap(),
            "--budgets",
            budgets.to_str().unwrap(),
            "--format",
            "github",
            "--format",
            "human",
        ],
        60,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    for line in text.lines() {
        assert!(
            !line.starts_with("::error title=forged"),
            "a forged workflow command: {line}"
        );
        assert!(
            !line.contains('\u{1b}'),
            "an escape sequence reached the terminal: {line:?}"
        );
    }
    let lines_starting_a_command = text.lines().filter(|l| l.starts_with("::")).count();
    assert_eq!(
        lines_starting_a_command, 2,
        "one annotation per offending file:\n{text}"
    );
    assert!(!stderr(&out).contains('\u{1b}'));
}

#[test]
fn source_map_links_that_cannot_be_followed_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    write(
        &dist.join("a.js"),
        "f()\n//# sourceMappingURL=https://maps.example/a.js.map\n",
    );
    write(&dist.join("b.js"), "g()\n//# sourceMappingURL=a.js\n");
    let out = run(
        tmp.path(),
        &["analyze", dist.to_str().unwrap(), "--encodings", "raw"],
        60,
    );
    expect(&out, 0, "map/remote");
    assert!(
        stderr(&out).contains("names `a.js`, which is not a source map"),
        "{}",
        stderr(&out)
    );
    let json = analyze_json(&dist, &["--encodings", "raw"]);
    assert_eq!(
        file(&json, "a.js")["kind"],
        "script",
        "not relabelled as a map"
    );
}

#[test]
fn sixty_thousand_script_tags_are_read_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    write(&dist.join("assets/a.js"), "x");
    write(
        &dist.join("index.html"),
        "<script src=/assets/a.js></script>\n".repeat(60_000),
    );
    let out = run(
        tmp.path(),
        &["analyze", dist.to_str().unwrap(), "--encodings", "raw"],
        60,
    );
    expect(&out, 0, "");
}
