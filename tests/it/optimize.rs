//! `distill optimize` on real builds: precompressed copies decoded by independent decoders
//! (Debian's gzip, brotli and zstd, and libraries other than the encoders), served to Chromium
//! with each Content-Encoding, byte-identical at any thread count, whole after SIGKILL, and
//! refusals and bad input that lose nothing.

use crate::browser::{browser_available, visit};
use crate::serve::Server;
use crate::util::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// Runs `distill optimize` with `args`, printing everything on failure.
#[track_caller]
pub(crate) fn optimize(args: &[&str], expect: i32) -> std::process::Output {
    let mut all = vec!["optimize"];
    all.extend_from_slice(args);
    let out = distill(&all);
    assert_eq!(
        code(&out),
        expect,
        "distill {}\nstdout:\n{}\nstderr:\n{}",
        all.join(" "),
        stdout(&out),
        stderr(&out)
    );
    out
}

/// Runs `distill optimize DIR --out <a fresh folder> FLAGS…`, expecting exit 0; the folder lives
/// as long as the returned guard.
#[track_caller]
pub(crate) fn optimize_copy(dir: &Path, flags: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut args = vec![dir.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend_from_slice(flags);
    optimize(&args, 0);
    (tmp, out)
}

/// Whether a command-line tool is installed; CI (`DISTILL_REQUIRE_TOOLS=1`) requires it.
fn tool(name: &str) -> bool {
    let ok = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("DISTILL_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "DISTILL_REQUIRE_TOOLS=1 but `{name}` is not installed"
        );
        eprintln!("skipped: `{name}` is not installed");
    }
    ok
}

/// Every file under `dir` with its bytes, by relative path.
pub(crate) fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk_files(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn decode_with(tool: &str, path: &Path) -> Vec<u8> {
    let out = Command::new(tool)
        .args(["-dc"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{tool}: {e}"));
    assert!(
        out.status.success(),
        "{tool} -dc {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn decode_in_process(ext: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match ext {
        "gz" => {
            flate2::read::MultiGzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        "br" => {
            brotli_decompressor::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        "zst" => {
            // The 8 MiB window limit browsers apply.
            let mut d = zstd::stream::Decoder::new(bytes).unwrap();
            d.window_log_max(23).unwrap();
            d.read_to_end(&mut out).unwrap();
        }
        other => panic!("not a copy: {other}"),
    }
    out
}

/// The copies in `dir`: (copy, original, extension).
fn copies(dir: &Path) -> Vec<(PathBuf, PathBuf, &'static str)> {
    let mut out = Vec::new();
    for p in walk_files(dir) {
        let name = p.to_string_lossy().into_owned();
        for ext in ["gz", "br", "zst"] {
            if let Some(base) = name.strip_suffix(&format!(".{ext}"))
                && Path::new(base).is_file()
            {
                out.push((p.clone(), PathBuf::from(base), ext));
            }
        }
    }
    out
}

#[test]
fn copies_decode_with_debian_tools_and_other_libraries() {
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let (_tmp, out) = optimize_copy(&dist, &["--no-cache", "--no-images", "--no-minify"]);
    // The input is untouched; the copy holds every input file with the same bytes.
    let input = tree(&dist);
    let output = tree(&out);
    for (path, bytes) in &input {
        assert_eq!(output.get(path), Some(bytes), "{path} copied as it is");
    }
    let written = copies(&out);
    assert!(written.len() >= 15, "{} copies", written.len());
    let cli = tool("gzip") && tool("brotli") && tool("zstd");
    for (copy, original, ext) in &written {
        let want = std::fs::read(original).unwrap();
        let got = std::fs::read(copy).unwrap();
        assert_eq!(decode_in_process(ext, &got), want, "{}", copy.display());
        assert!(got.len() < want.len(), "{}", copy.display());
        if cli {
            let tool = match *ext {
                "gz" => "gzip",
                "br" => "brotli",
                _ => "zstd",
            };
            assert_eq!(decode_with(tool, copy), want, "{tool}: {}", copy.display());
        }
        if cli && *ext == "gz" {
            // Never larger than what `gzip -9` writes for the same file.
            let gzip9 = Command::new("gzip")
                .args(["-9", "-n", "-c"])
                .arg(original)
                .output()
                .unwrap();
            assert!(
                got.len() <= gzip9.stdout.len(),
                "{}: {} > gzip -9's {}",
                copy.display(),
                got.len(),
                gzip9.stdout.len()
            );
        }
    }
}

#[test]
fn copies_are_encodings_of_their_files_in_every_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let json = tmp.path().join("optimize.json");
    optimize(
        &[
            demo().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--min-size",
            "500 B",
        ],
        0,
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let before = analyze_json(&demo(), &["--encodings", "raw"]);
    let paths = |r: &Value| -> Vec<String> {
        r["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        paths(&report),
        paths(&before),
        "copies are not files of their own"
    );
    let js = file(&report, "assets/index-DhXzR8nv.js");
    let siblings = js["siblings"].as_array().unwrap();
    assert_eq!(siblings.len(), 3, "{js}");
    for s in siblings {
        let size = std::fs::metadata(out.join(s["path"].as_str().unwrap()))
            .unwrap()
            .len();
        assert_eq!(s["size"].as_u64().unwrap(), size);
    }
    let stage = report["optimize"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "compress")
        .expect("a compress stage");
    assert!(
        stage["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["action"] == "kept"
                && c["reason"].as_str().unwrap().starts_with("sent as is")),
        "{stage}"
    );
    // analyze of the written folder agrees, and its table has the served column.
    let table = stdout(&distill(&["analyze", out.to_str().unwrap(), "--top", "3"]));
    assert!(table.contains("served"), "{table}");
}

#[test]
fn served_budgets_check_the_bytes_really_sent() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let budgets = tmp.path().join("budgets.json");
    write(
        &budgets,
        r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "max": "1 kB", "compression": "served"}]}"#,
    );
    let o = optimize(
        &[
            demo().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--budgets",
            budgets.to_str().unwrap(),
            "--format",
            "json",
        ],
        1,
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let v = &report["budgets"]["verdicts"][0];
    assert_eq!(v["status"], "fail");
    assert_eq!(v["compression"], "served");
    // The verdict's bytes are the copies' where there are copies.
    let mut want = 0;
    for f in report["files"].as_array().unwrap() {
        if f["kind"] != "script" {
            continue;
        }
        want += match f["siblings"].as_array() {
            Some(s) => s.iter().map(|s| s["size"].as_u64().unwrap()).min().unwrap(),
            None => f["sizes"]["brotli"].as_u64().unwrap(),
        };
    }
    assert_eq!(v["actual"].as_u64().unwrap(), want);
}

#[test]
fn refusals_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    copy_dir(&demo(), &dist);
    let before = tree(&dist);
    let inside = dist.join("optimized");
    let o = optimize(
        &[dist.to_str().unwrap(), "--out", inside.to_str().unwrap()],
        2,
    );
    assert!(
        stderr(&o).contains("error[optimize/refused]"),
        "{}",
        stderr(&o)
    );
    assert!(!inside.exists());
    let o = distill(&["optimize", dist.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "neither --out nor --in-place: {}", stderr(&o));
    let busy = tmp.path().join("busy");
    write(&busy.join("keep.txt"), "mine");
    let o = optimize(
        &[dist.to_str().unwrap(), "--out", busy.to_str().unwrap()],
        2,
    );
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(busy.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(tree(&dist), before);
}

#[test]
fn same_bytes_at_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for threads in ["1", "2", "16"] {
        let out = tmp.path().join(format!("out-{threads}"));
        let o = Command::new(env!("CARGO_BIN_EXE_distill"))
            .args(["optimize", demo().to_str().unwrap(), "--out"])
            .arg(&out)
            .args(["--no-cache", "--min-size", "100 B", "--format", "json"])
            .env("RAYON_NUM_THREADS", threads)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let mut report: Value = serde_json::from_slice(&o.stdout).unwrap();
        // The report names its own output folder; everything else must match.
        report["optimize"]["output"] = Value::Null;
        trees.push((tree(&out), report));
    }
    assert!(trees[0].0.keys().any(|k| k.ends_with(".br")));
    assert_eq!(trees[0], trees[1], "1 thread vs 2");
    assert_eq!(trees[0], trees[2], "1 thread vs 16");
}

/// `--in-place` killed with SIGKILL at moments spread over the run leaves every file as it was
/// or complete and valid; a rerun finishes the job and leaves no temporary file.
#[cfg(unix)]
#[test]
fn killed_in_place_loses_nothing_and_a_rerun_finishes() {
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("dist");
    copy_dir(&dist, &work);
    let originals = tree(&work);
    // How long a full run takes, to spread the kills over it.
    let started = std::time::Instant::now();
    let full = tmp.path().join("timing");
    optimize(
        &[
            dist.to_str().unwrap(),
            "--out",
            full.to_str().unwrap(),
            "--no-cache",
            "--format",
            "json=/dev/null",
        ],
        0,
    );
    let span = started.elapsed().as_millis().max(200) as u64;
    let finished = tree(&full);
    let check_whole = |dir: &Path| {
        for (path, bytes) in tree(dir) {
            if let Some(original) = originals.get(&path) {
                // As it was, or exactly what an uninterrupted run writes (an optimized image).
                assert!(
                    &bytes == original || finished.get(&path) == Some(&bytes),
                    "{path} is neither the original nor the finished file"
                );
                continue;
            }
            let name = path.rsplit('/').next().unwrap();
            if name.starts_with(".distill-tmp-") {
                continue; // a temporary file: the rerun must remove it
            }
            let (base, ext) = path.rsplit_once('.').unwrap();
            let want = originals
                .get(base)
                .unwrap_or_else(|| panic!("{path} is neither an input file nor a copy of one"));
            let decoded = decode_in_process(ext, &bytes);
            assert!(
                &decoded == want || finished.get(base) == Some(&decoded),
                "{path} is not whole"
            );
        }
    };
    for round in 1..=6u64 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_distill"))
            .args(["optimize"])
            .arg(&work)
            .args(["--in-place", "--no-cache", "--format", "json=/dev/null"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(span * round / 7));
        let _ = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        let _ = child.wait();
        check_whole(&work);
    }
    optimize(
        &[
            work.to_str().unwrap(),
            "--in-place",
            "--format",
            "json=/dev/null",
        ],
        0,
    );
    check_whole(&work);
    let after = tree(&work);
    assert!(
        after.keys().all(|p| !p.contains(".distill-tmp-")),
        "temporary files left: {:?}",
        after
            .keys()
            .filter(|p| p.contains(".distill-tmp-"))
            .collect::<Vec<_>>()
    );
    assert_eq!(
        copies(&work).len(),
        copies(&full).len(),
        "the rerun wrote every copy a run without interruption writes"
    );
}

/// Awkward names are written as they are; a symlink out of the build is neither followed nor
/// written through; a file the model cannot name (non-UTF-8) is still copied.
#[cfg(unix)]
#[test]
fn awkward_names_and_links_out() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let dist = tmp.path().join("dist");
    let big = "export const value = 'a fairly long string repeated';\n".repeat(60);
    for name in ["[id] page.js", "$weird name.css", "chunks/[slug]-a b.js"] {
        write(&dist.join(name), &big);
    }
    let raw = std::ffi::OsStr::from_bytes(b"latin1-\xe9.js");
    write(&dist.join(raw), &big);
    let secret = tmp.path().join("secret.js");
    write(&secret, &big);
    std::os::unix::fs::symlink(&secret, dist.join("out.js")).unwrap();
    let out = tmp.path().join("out");
    let o = optimize(&[dist.to_str().unwrap(), "--out", out.to_str().unwrap()], 0);
    for name in [
        "[id] page.js.br",
        "$weird name.css.gz",
        "chunks/[slug]-a b.js.zst",
    ] {
        assert!(out.join(name).is_file(), "{name}: {}", stderr(&o));
    }
    assert!(out.join(raw).is_file(), "the non-UTF-8 name is copied");
    assert!(!out.join("out.js").exists(), "the link out is not copied");
    assert!(stderr(&o).contains("input/non-utf8-name"), "{}", stderr(&o));
    // In place: nothing is written next to the link's target.
    optimize(&[dist.to_str().unwrap(), "--in-place"], 0);
    assert!(!tmp.path().join("secret.js.br").exists());
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), big);
}

/// The copies served to Chromium with `Content-Encoding: br`, then `zstd`, then `gzip`: every
/// route renders the same text as the original build served plainly, with no errors, and the
/// bytes transferred are the copies'.
#[test]
fn chromium_loads_the_app_from_each_kind_of_copy() {
    if !browser_available() {
        return;
    }
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    optimize(&[dist.to_str().unwrap(), "--out", out.to_str().unwrap()], 0);
    let routes = ["/", "/about", "/dashboard", "/settings"];
    let plain = Server::start(&dist, None);
    let reference = visit(&plain.base, &routes);
    let texts = |v: &Value| -> Vec<String> {
        v["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap().to_owned())
            .collect()
    };
    for page in reference["pages"].as_array().unwrap() {
        assert_eq!(page["consoleErrors"], serde_json::json!([]), "{page}");
        assert!(!page["text"].as_str().unwrap().trim().is_empty(), "{page}");
    }
    for encoding in ["br", "zstd", "gzip"] {
        let server = Server::start(&out, Some(encoding));
        let run = visit(&server.base, &routes);
        assert_eq!(
            texts(&run),
            texts(&reference),
            "{encoding}: the pages read the same"
        );
        let log = server.log();
        let encoded: Vec<_> = log
            .iter()
            .filter(|s| s.encoding == Some(encoding))
            .collect();
        assert!(
            encoded.iter().any(|s| s.file.ends_with(".js.br")
                || s.file.ends_with(".js.zst")
                || s.file.ends_with(".js.gz")),
            "{encoding}: scripts came from copies: {log:?}"
        );
        for page in run["pages"].as_array().unwrap() {
            for key in ["consoleErrors", "pageErrors", "failed"] {
                assert_eq!(page[key], serde_json::json!([]), "{encoding} {key}: {page}");
            }
            for r in page["responses"].as_array().unwrap() {
                let url = r["url"].as_str().unwrap();
                let path = url.trim_start_matches(&server.base).trim_start_matches('/');
                let Some(sent) = log
                    .iter()
                    .find(|s| s.path.trim_start_matches('/') == path && s.encoding.is_some())
                else {
                    continue;
                };
                assert_eq!(r["encoding"], encoding, "{url}");
                assert_eq!(
                    r["bodyBytes"].as_u64().unwrap(),
                    sent.bytes,
                    "{url}: the copy's bytes went over the wire"
                );
            }
        }
    }
}
