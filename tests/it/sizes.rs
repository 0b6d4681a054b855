use crate::util::*;
use distill_compress::{Settings, compress};
use distill_graph::Encoding;
use std::io::Read;

fn decode(encoding: Encoding, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        Encoding::Raw => out.extend_from_slice(bytes),
        Encoding::Gzip => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        Encoding::Brotli => {
            brotli_decompressor::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Encoding::Zstd => {
            // The 8 MiB window limit browsers apply.
            let mut d = zstd::stream::Decoder::new(bytes).unwrap();
            d.window_log_max(23).unwrap();
            d.read_to_end(&mut out).unwrap();
        }
    }
    out
}

/// Every reported size is the length of a stream that independent decoders turn back into the
/// file on disk, and maps are never measured as payload.
#[test]
fn demo_sizes_decode_back_to_the_files() {
    let dist = demo();
    let report = analyze_json(&dist, &[]);
    let encoders: Vec<&str> = report["encoders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["encoding"].as_str().unwrap())
        .collect();
    assert_eq!(encoders, ["gzip", "brotli", "zstd"]);
    let mut checked = 0;
    for f in report["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let bytes = std::fs::read(dist.join(path)).unwrap();
        assert_eq!(
            f["sizes"]["raw"].as_u64().unwrap(),
            bytes.len() as u64,
            "{path}"
        );
        if f["kind"] == "map" {
            assert!(
                f["sizes"].get("gzip").is_none(),
                "{path}: maps are not payload"
            );
            continue;
        }
        for encoding in [Encoding::Gzip, Encoding::Brotli, Encoding::Zstd] {
            let stream = compress(encoding, &bytes, &Settings::default()).unwrap();
            assert_eq!(decode(encoding, &stream), bytes, "{path} {encoding:?}");
            assert_eq!(
                f["sizes"][encoding.as_str()].as_u64().unwrap(),
                stream.len() as u64,
                "{path} {encoding:?}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} payload files in the demo");
}

#[test]
fn raw_only_analysis_has_no_compressed_numbers() {
    let report = analyze_json(&demo(), &["--encodings", "raw"]);
    assert!(report["encoders"].as_array().unwrap().is_empty());
    for f in report["files"].as_array().unwrap() {
        assert!(f["sizes"].get("brotli").is_none());
    }
}

/// Load-set sums are the sums of their files.
#[test]
fn entry_totals_add_up() {
    let report = analyze_json(&demo(), &["--encodings", "raw,gzip"]);
    for entry in report["entries"].as_array().unwrap() {
        for (list, sizes) in [("initial", "initialSizes"), ("lazy", "lazySizes")] {
            let (mut raw, mut gzip) = (0, 0);
            for p in strings(&entry[list]) {
                raw += file(&report, &p)["sizes"]["raw"].as_u64().unwrap();
                gzip += file(&report, &p)["sizes"]["gzip"].as_u64().unwrap();
            }
            assert_eq!(entry[sizes]["raw"].as_u64().unwrap(), raw);
            assert_eq!(entry[sizes]["gzip"].as_u64().unwrap(), gzip);
        }
    }
}

/// A second run reads compressed sizes from the cache (keyed by content hash, encoding,
/// settings and version); `--no-cache` computes them again.
#[test]
fn sizes_come_from_the_cache_unless_told_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let run = |extra: &[&str]| -> serde_json::Value {
        let json = tmp.path().join("r.json");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_distill"));
        cmd.args([
            "analyze",
            demo().to_str().unwrap(),
            "--encodings",
            "raw,gzip",
            "-q",
            "--json",
            json.to_str().unwrap(),
        ]);
        cmd.args(extra).env("DISTILL_CACHE_DIR", &cache);
        assert!(cmd.status().unwrap().success());
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap()
    };
    let first = run(&[]);
    let css = first["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "stylesheet")
        .unwrap();
    let (hash, gzip) = (
        css["hash"].as_str().unwrap(),
        css["sizes"]["gzip"].as_u64().unwrap(),
    );
    let entry = std::fs::read_dir(cache.join("sizes").join(&hash[..2]))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with(&format!("{hash}.gzip."))
        })
        .expect("the gzip size was cached");
    assert_eq!(std::fs::read_to_string(&entry).unwrap(), gzip.to_string());
    write(&entry, "7");
    let path = css["path"].as_str().unwrap();
    assert_eq!(
        file(&run(&[]), path)["sizes"]["gzip"],
        7,
        "the cached value is used"
    );
    assert_eq!(file(&run(&["--no-cache"]), path)["sizes"]["gzip"], gzip);
}

#[test]
fn attribution_levels() {
    let off = analyze_json(&demo(), &["--encodings", "raw", "--attribution", "off"]);
    assert!(
        off["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f.get("modules").is_none())
    );
    let raw = analyze_json(
        &demo(),
        &["--encodings", "raw,gzip", "--attribution", "raw"],
    );
    let js = raw["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "script")
        .unwrap();
    let modules = js["modules"].as_array().unwrap();
    assert!(!modules.is_empty());
    assert!(
        modules.iter().all(|m| m.get("gzip").is_none()),
        "raw attribution has no compressed shares"
    );
    // Source maps are listed with their size but never hashed: they are not payload.
    let map = raw["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "map")
        .unwrap();
    assert!(map["sizes"]["raw"].as_u64().unwrap() > 0);
    assert_eq!(map["hash"], "");
}
