//! Property tests of the baseline reader and the diff: any text given as `--baseline` is read
//! or refused without a panic or a hang; a report written and read back is the same report;
//! two reports with any sizes (`u64::MAX` included) diff without a panic, and every payload
//! file of either side appears exactly once. `PROPTEST_CASES` sets the number of cases.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

use distill_graph::{EncoderInfo, Encoding, FileKind, Role, Sizes};
use distill_schema::diff::MAX_FILE_BYTES;
use distill_schema::{BaselineError, diff, matched_paths, read_baseline};
use distill_schema::{DiffStatus, FileReport, ModuleReport, Report, SCHEMA_VERSION, Tool};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Duration;

const WATCHDOG: Duration = Duration::from_secs(20);

/// Runs `f` on a thread of its own and fails when it panics or outlives [`WATCHDOG`].
fn within<T: Send + 'static>(what: &'static str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish in {WATCHDOG:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what} panicked"),
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The size of a real file `normal` times in `normal + 4`; otherwise 1 TiB (the most a baseline
/// may hold), u64::MAX, near it, or any.
fn size(normal: u32) -> impl Strategy<Value = u64> {
    prop_oneof![
        normal => 0u64..5_000_000,
        1 => Just(MAX_FILE_BYTES),
        1 => Just(u64::MAX),
        1 => (u64::MAX - 10)..=u64::MAX,
        1 => any::<u64>(),
    ]
}

fn sizes(normal: u32) -> impl Strategy<Value = Sizes> {
    (
        size(normal),
        prop::option::of(size(normal)),
        prop::option::of(size(normal)),
        prop::option::of(size(normal)),
    )
        .prop_map(|(raw, gzip, brotli, zstd)| Sizes {
            raw,
            gzip,
            brotli,
            zstd,
        })
}

fn file(normal: u32) -> impl Strategy<Value = FileReport> {
    let path = prop_oneof![
        "assets/(index|vendor|lazy|about)-[A-Za-z0-9]{8}\\.(js|css|js\\.map)",
        "static/chunks/[0-9a-z]{12}\\.js",
        "static/chunks/(framework|main|pages/_app)-[0-9a-f]{16}\\.js",
        "[a-z]{1,3}\\.(html|png|woff2)",
        any::<String>(),
    ];
    let role = prop::sample::select(vec![
        Role::Entry,
        Role::DynamicEntry,
        Role::Chunk,
        Role::Asset,
        Role::Document,
        Role::SourceMap,
    ]);
    let modules = prop::collection::btree_set(
        prop::sample::select(vec![
            "src/a.ts",
            "src/b.ts",
            "src/c.ts",
            "node_modules/react/index.js",
            "(unmapped)",
        ]),
        0..5,
    );
    (
        path,
        role,
        "[0-9a-f]{0,4}",
        sizes(normal),
        prop::option::of("[a-z/.]{1,12}"),
        modules,
    )
        .prop_map(|(path, role, hash, sizes, key, modules)| FileReport {
            kind: FileKind::from_path(&path),
            path,
            role,
            hash,
            sizes,
            sent_as_is: false,
            siblings: Vec::new(),
            source_map: None,
            key,
            map: None,
            modules: modules
                .into_iter()
                .map(|m| ModuleReport {
                    source: m.into(),
                    package: None,
                    version: None,
                    raw: 1,
                    gzip: None,
                    brotli: None,
                    method: None,
                })
                .collect(),
        })
}

/// A report whose sizes are drawn by [`size`] with `normal`.
fn report(normal: u32) -> impl Strategy<Value = Report> {
    (
        prop::collection::vec(file(normal), 0..12),
        prop::collection::vec(
            prop::sample::select(vec![Encoding::Gzip, Encoding::Brotli, Encoding::Zstd]),
            0..3,
        ),
    )
        .prop_map(|(files, encodings)| Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "distill".into(),
                version: "0".into(),
            },
            framework: None,
            encoders: encodings
                .into_iter()
                .map(|encoding| EncoderInfo {
                    encoding,
                    encoder: "e".into(),
                    level: Some(9),
                    window_log: None,
                })
                .collect(),
            files,
            chunks: Vec::new(),
            edges: Vec::new(),
            entries: Vec::new(),
            routes: Vec::new(),
            totals: BTreeMap::new(),
            server_files: 0,
            duplicates: Vec::new(),
            budgets: None,
            diff: None,
            optimize: None,
            diagnostics: Vec::new(),
        })
}

/// A valid report's text with one cut, duplicated range or inserted token.
fn damaged() -> impl Strategy<Value = String> {
    report(4).prop_flat_map(|r| {
        let text = serde_json::to_string(&r).unwrap();
        let len = text.len();
        (
            Just(text),
            0..=len,
            0..=len,
            prop::sample::select(vec![
                "{",
                "}",
                "[",
                "]",
                "\"",
                ",",
                ":",
                "-1",
                "1e999",
                "null",
                "\u{ffff}",
                "\"schemaVersion\":2,",
            ]),
            0u8..3,
        )
            .prop_map(|(text, a, b, token, how)| {
                let bytes = text.as_bytes();
                let (lo, hi) = (a.min(b), a.max(b));
                let out: Vec<u8> = match how {
                    0 => [&bytes[..lo], &bytes[hi..]].concat(),
                    1 => [&bytes[..hi], &bytes[lo..hi], &bytes[hi..]].concat(),
                    _ => [&bytes[..lo], token.as_bytes(), &bytes[lo..]].concat(),
                };
                String::from_utf8_lossy(&out).into_owned()
            })
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_text_is_read_or_refused(text in prop_oneof![
        any::<String>(),
        "[\\[\\]{}\",:0-9a-zA-Z -]{0,80}",
        "\\{\"schemaVersion\": ?(1|2|-1|1\\.0|\"1\"|null|18446744073709551616)[,}\\]]?.{0,20}",
    ]) {
        within("read_baseline", move || {
            let _ = read_baseline(&text);
        });
    }

    #[test]
    fn a_damaged_report_is_read_or_refused(text in damaged()) {
        if let Ok(r) = within("read_baseline", move || read_baseline(&text)) {
            prop_assert_eq!(r.schema_version, SCHEMA_VERSION);
        }
    }

    #[test]
    fn a_report_reads_back_as_itself_unless_a_size_is_one_no_file_has(r in report(200)) {
        let text = serde_json::to_string_pretty(&r).unwrap();
        let back = within("read_baseline", move || read_baseline(&text));
        let plausible = r.files.iter().all(|f| {
            [Some(f.sizes.raw), f.sizes.gzip, f.sizes.brotli, f.sizes.zstd]
                .into_iter()
                .flatten()
                .all(|n| n <= MAX_FILE_BYTES)
        });
        if plausible {
            prop_assert_eq!(back.ok(), Some(r));
        } else {
            prop_assert!(matches!(back, Err(BaselineError::Implausible { .. })), "{:?}", back);
        }
    }

    #[test]
    fn any_two_reports_diff_and_every_payload_file_appears_once(now in report(4), base in report(4)) {
        let (d, pairs, now, base) = within("diff", move || {
            let d = diff(&now, &base, "base.json");
            let pairs: Vec<(String, String)> = matched_paths(&now, &base)
                .into_iter()
                .map(|(a, b, _)| (a.to_owned(), b.to_owned()))
                .collect();
            (d, pairs, now, base)
        });
        let payload = |r: &Report| r.files.iter().filter(|f| f.kind.is_payload()).count();
        prop_assert_eq!(d.files.iter().filter(|f| f.path.is_some()).count(), payload(&now));
        prop_assert_eq!(
            d.files.iter().filter(|f| f.baseline_path.is_some()).count(),
            payload(&base)
        );
        prop_assert_eq!(
            d.files.iter().filter(|f| f.path.is_some() && f.baseline_path.is_some()).count(),
            pairs.len()
        );
        for f in &d.files {
            if let (Some(b), Some(a)) = (f.before, f.after) {
                let expected = match a.raw.cmp(&b.raw) {
                    std::cmp::Ordering::Greater => DiffStatus::Grew,
                    std::cmp::Ordering::Less => DiffStatus::Shrank,
                    std::cmp::Ordering::Equal => DiffStatus::Same,
                };
                prop_assert_eq!(f.status, expected);
            }
        }
    }
}
