use crate::util::*;

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap()
}

#[test]
fn missing_folder_is_exit_2_with_the_path() {
    let o = distill(&["analyze", "no/such/dist"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("error[input/not-found]: no/such/dist"),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn a_file_instead_of_a_folder_is_exit_2() {
    let o = distill(&["analyze", "Cargo.toml"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("input/not-found"));
}

#[test]
fn empty_folder_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    let o = distill(&["analyze", tmp.path().to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("error[input/empty]"), "{}", stderr(&o));
}

#[test]
fn no_dir_and_no_default_folder_is_exit_2_with_a_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let o = distill_in(tmp.path(), &["analyze"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("dist/, .next/, build/, out/"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn default_folder_is_found() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo(), &tmp.path().join("dist"));
    let o = distill_in(tmp.path(), &["analyze", "--encodings", "raw"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("dist · Vite (manifest)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn unknown_layout_is_analyzed_as_a_plain_folder_and_said_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("app.js"), "console.log('hi')");
    write(&tmp.path().join("img/logo.svg"), "<svg/>");
    let o = distill(&[
        "analyze",
        tmp.path().to_str().unwrap(),
        "--encodings",
        "raw",
    ]);
    assert_eq!(code(&o), 0);
    assert!(
        stderr(&o).contains("info[input/unknown-layout]"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("plain folder"));
    assert!(stdout(&o).contains("img/logo.svg"));
}

#[test]
fn malformed_vite_manifest_names_line_and_column_and_analysis_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&demo(), tmp.path());
    write(
        &tmp.path().join(".vite/manifest.json"),
        "{\n  \"index.html\": {\n    \"file\": \"assets/x.js\",\n  }\n}\n",
    );
    let report_path = tmp.path().join("report.json");
    let o = distill(&[
        "analyze",
        tmp.path().to_str().unwrap(),
        "--encodings",
        "raw",
        "--json",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error[input/bad-manifest]: .vite/manifest.json:4:3: malformed JSON"),
        "{err}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    let entry = load_set(&report, "entries", "index.html");
    assert!(
        !strings(&entry["initial"]).is_empty(),
        "entry still found through index.html"
    );
    assert_eq!(report["diagnostics"][0]["code"], "input/bad-manifest");
    assert_eq!(report["diagnostics"][0]["line"], 4);
}

#[test]
fn manifest_paths_outside_the_folder_are_refused() {
    let outer = tempfile::tempdir().unwrap();
    write(&outer.path().join("secret.js"), "SECRET");
    let dist = outer.path().join("dist");
    write(
        &dist.join(".vite/manifest.json"),
        r#"{"index.html": {"file": "../secret.js", "isEntry": true}, "a": {"file": "assets/a.js", "isEntry": true, "css": ["/etc/passwd"]}}"#,
    );
    write(&dist.join("assets/a.js"), "export{}");
    let o = distill(&["analyze", dist.to_str().unwrap(), "--encodings", "raw"]);
    assert_eq!(code(&o), 0);
    let err = stderr(&o);
    assert!(
        err.contains(
            "error[input/path-outside]: .vite/manifest.json: `../secret.js` points outside"
        ),
        "{err}"
    );
    assert!(err.contains("`/etc/passwd` points outside"), "{err}");
    assert!(!stdout(&o).contains("secret"), "{}", stdout(&o));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_links_out_are_not_followed() {
    let outer = tempfile::tempdir().unwrap();
    write(&outer.path().join("outside.js"), "outside");
    let dist = outer.path().join("dist");
    write(&dist.join("assets/a.js"), "export{}");
    std::os::unix::fs::symlink("..", dist.join("assets/loop")).unwrap();
    std::os::unix::fs::symlink("../outside.js", dist.join("out.js")).unwrap();
    std::os::unix::fs::symlink("a.js", dist.join("assets/inside.js")).unwrap();
    let o = distill(&["analyze", dist.to_str().unwrap(), "--encodings", "raw"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning[input/symlink-loop]: assets/loop"),
        "{err}"
    );
    assert!(err.contains("info[input/symlink-outside]: out.js"), "{err}");
    let out = stdout(&o);
    assert!(
        out.contains("assets/inside.js"),
        "links that stay inside are followed: {out}"
    );
    assert!(!out.contains("out.js ("), "{out}");
}

#[cfg(unix)]
#[test]
fn non_utf8_names_are_reported_and_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("ok.js"), "export{}");
    let bad = tmp
        .path()
        .join(std::ffi::OsStr::from_bytes(b"bad-\xff\xfe.js"));
    write(&bad, "export{}");
    let o = distill(&[
        "analyze",
        tmp.path().to_str().unwrap(),
        "--encodings",
        "raw",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning[input/non-utf8-name]: bad-"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("ok.js"));
}

#[cfg(unix)]
#[test]
fn unreadable_files_are_reported_and_the_rest_analyzed() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join("ok.js"), "export{}");
    let locked = tmp.path().join("locked.js");
    write(&locked, "export{}");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_ok() {
        // Root reads anything; the same path is covered in memory by distill_ingest's tests.
        eprintln!("skipped: running as root, permissions cannot make a file unreadable");
        return;
    }
    let o = distill(&[
        "analyze",
        tmp.path().to_str().unwrap(),
        "--encodings",
        "raw",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning[input/unreadable]: locked.js"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("ok.js"));
}

#[test]
fn json_report_is_written_atomically_and_replaces_the_old_one() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("r.json");
    write(&path, "old");
    let o = distill(&[
        "analyze",
        demo().to_str().unwrap(),
        "--encodings",
        "raw",
        "--json",
        path.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).is_empty());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["schemaVersion"], 1);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "temporary files left behind: {leftovers:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, 0o644,
            "a report is readable like any file, not private like a temp file"
        );
    }
}
