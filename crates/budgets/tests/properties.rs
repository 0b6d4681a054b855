//! Property tests of everything in this crate that reads outside input: `budgets.json`, sizes
//! and growth limits, the importers of other tools' files, and evaluation against reports with
//! hostile numbers. Whatever the input: no panic, no hang (each case runs under a watchdog),
//! and what is accepted round-trips (printed and parsed back, it is the same value).
//!
//! Inputs are shaped like the real thing (a budgets file, a size-limit array, an Angular
//! project) with hostile values in every slot, then also mangled at the byte level, so both the
//! JSON reader and the checks behind it are reached. `PROPTEST_CASES` sets the number of cases
//! of each property (256 by default): CI runs a time-boxed pass with a larger one.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

use distill_budgets::{BudgetsFile, Growth, Size, evaluate, import, parse};
use distill_graph::{Code, Diagnostic, EncoderInfo, Encoding, FileKind, Role, Sizes};
use distill_schema::{FileReport, LoadSetReport, Report, SCHEMA_VERSION, Tool};
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::Duration;

/// Far more than any case needs (they take micro- to milliseconds): only a hang trips it.
const WATCHDOG: Duration = Duration::from_secs(20);

/// Runs `f` on a thread of its own and fails when it panics or outlives [`WATCHDOG`]. The
/// thread has the 2 MiB stack of a test thread, less than the binary's main thread gets.
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
        // A failure prints its minimal input; nothing is written into the source tree.
        failure_persistence: None,
        // `cases` comes from PROPTEST_CASES (proptest reads it in `default()`).
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Sizes as people (and attackers) write them.
fn size_text() -> impl Strategy<Value = String> {
    prop_oneof![
        60 => "[0-9]{1,6}(\\.[0-9]{1,3})? ?(B|kB|KiB|MB|MiB|GB|GiB)",
        2 => "[0-9]{15,25} ?(B|kB|GiB)",
        1 => "[0-9.]{0,8} ?(B|kB|KB|kb|k|mb|b|bytes|%|ms| s|)",
        1 => "[-+]?(NaN|nan|inf|-?[0-9]e[0-9]{1,3}|0x10) ?(B|kB)",
        1 => any::<String>(),
    ]
}

/// Growth limits, valid and not.
fn growth_text() -> impl Strategy<Value = String> {
    prop_oneof![
        40 => "\\+[0-9]{1,4}(\\.[0-9]{1,2})?%",
        20 => "\\+[0-9]{1,3}% ?,? ?\\+[0-9]{1,3} ?(B|kB|KiB)",
        2 => "[-+ ,]{0,3}(NaN|inf|-?[0-9]{1,3}|[0-9]{300,320}|1e9)[%]{0,2}( \\+)?",
        1 => "[+% 0-9kBiMG.,-]{0,12}",
        1 => any::<String>(),
    ]
}

/// Globs with alternations nested from zero to far past what globset survives.
fn glob() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "!?(\\./)?(assets|\\*\\*)/[a-z]{0,6}\\*\\.(js|css|png|\\{js,css\\})",
        4 => (0usize..400, "[a-z*?/\\\\,\\[\\]!-]{0,8}").prop_map(|(depth, core)| {
            format!("{}{core}{}", "{a,".repeat(depth), "}".repeat(depth))
        }),
        1 => (0usize..40, 0usize..40, "[a-z]{0,3}").prop_map(|(open, close, s)| {
            format!("{}{s}{}", "{".repeat(open), "}".repeat(close))
        }),
        1 => "[\\[\\]{}*?!\\\\a-z/,^-]{0,30}",
        1 => any::<String>(),
    ]
}

/// Budget names and other free text: controls, U+FFFF, bidi overrides, markup.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z ]{1,12}",
        1 => "[\\x00-\\x1f\\x7f\u{85}\u{2028}\u{202e}\u{fffe}\u{ffff}<>&\"'`|:%a-z]{0,16}",
        1 => any::<String>(),
    ]
}

/// One of `words`, else (one time in 41) one of `wrong`.
fn word(
    words: &'static [&'static str],
    wrong: &'static [&'static str],
) -> impl Strategy<Value = String> {
    prop_oneof![
        40 => prop::sample::select(words).prop_map(str::to_owned),
        1 => prop::sample::select(wrong).prop_map(str::to_owned),
    ]
}

/// Any JSON value, to put where a string or number belongs.
fn junk() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("JSON has no NaN or infinity", |f| {
            serde_json::Number::from_f64(f).map(Value::Number)
        }),
        name().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// `value` most of the time, else some other JSON.
fn mostly(value: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop_oneof![200 => value, 1 => junk()]
}

fn optional(
    key: &'static str,
    value: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Option<(String, Value)>> {
    prop::option::weighted(0.5, mostly(value).prop_map(move |v| (key.to_owned(), v)))
}

fn object(fields: Vec<Option<(String, Value)>>) -> Value {
    Value::Object(fields.into_iter().flatten().collect::<Map<String, Value>>())
}

fn string(s: impl Strategy<Value = String>) -> impl Strategy<Value = Value> {
    s.prop_map(Value::String)
}

/// A `budgets.json` with hostile values in every field.
fn budgets_json() -> impl Strategy<Value = Value> {
    let select = (
        optional(
            "files",
            prop::collection::vec(string(glob()), 0..4).prop_map(Value::Array),
        ),
        optional(
            "types",
            prop::collection::vec(
                string(word(
                    &["script", "stylesheet", "image", "font", "map", "other"],
                    &["js", ""],
                )),
                0..3,
            )
            .prop_map(Value::Array),
        ),
        optional(
            "scope",
            string(word(&["initial", "lazy", "all"], &["first"])),
        ),
        optional(
            "chunk",
            string(word(&["vendor", "index", "lazy"], &["nope"])),
        ),
        optional("entry", string(word(&["index.html"], &["other.html"]))),
        optional("route", string(word(&["/"], &["/x"]))),
    )
        .prop_map(|(a, b, c, d, e, f)| object(vec![a, b, c, d, e, f]));
    let growth = (
        prop::option::weighted(0.6, string(growth_text())),
        prop::option::weighted(0.9, string(growth_text())),
    )
        .prop_map(|(warn, max)| {
            object(vec![
                warn.map(|w| ("warn".to_owned(), w)),
                max.map(|m| ("max".to_owned(), m)),
            ])
        });
    let budget = (
        prop::option::weighted(0.995, mostly(string(name()))),
        optional("select", select),
        optional("each", any::<bool>().prop_map(Value::Bool)),
        optional("max", string(size_text())),
        optional("warn", string(size_text())),
        optional("min", string(size_text())),
        optional("maxCount", any::<u64>().prop_map(Value::from)),
        optional("growth", growth),
        optional(
            "compression",
            string(word(
                &["none", "raw", "gzip", "brotli", "zstd"],
                &["lz4", "Brotli"],
            )),
        ),
    )
        .prop_map(|(n, s, e, max, warn, min, count, growth, c)| {
            object(vec![
                n.map(|n| ("name".into(), n)),
                s,
                e,
                max,
                warn,
                min,
                count,
                growth,
                c,
            ])
        })
        .boxed();
    (
        prop_oneof![
            30 => prop::collection::vec(budget.clone(), 1..6),
            1 => prop::collection::vec(budget, 0..1),
        ],
        optional(
            "compression",
            string(word(&["gzip", "brotli", "none"], &["br"])),
        ),
        prop::option::weighted(0.02, junk()),
    )
        .prop_map(|(budgets, compression, extra)| {
            object(vec![
                Some(("budgets".into(), Value::Array(budgets))),
                compression,
                extra.map(|v| ("colour".into(), v)),
            ])
        })
}

fn size_limit_json() -> impl Strategy<Value = Value> {
    let check = (
        optional("name", string(name())),
        optional(
            "path",
            prop_oneof![
                string(glob()),
                prop::collection::vec(string(glob()), 0..3).prop_map(Value::Array)
            ],
        ),
        optional("limit", string(size_text())),
        optional("gzip", any::<bool>().prop_map(Value::Bool)),
        optional("brotli", any::<bool>().prop_map(Value::Bool)),
        optional("running", any::<bool>().prop_map(Value::Bool)),
    )
        .prop_map(|(a, b, c, d, e, f)| object(vec![a, b, c, d, e, f]));
    prop::collection::vec(check, 0..5).prop_map(Value::Array)
}

fn bundlesize_json() -> impl Strategy<Value = Value> {
    let file = (
        optional("path", string(glob())),
        optional("maxSize", string(size_text())),
        optional(
            "compression",
            string(word(&["gzip", "brotli", "none"], &["lz4"])),
        ),
    )
        .prop_map(|(a, b, c)| object(vec![a, b, c]));
    (
        prop::collection::vec(file, 0..4),
        optional(
            "defaultCompression",
            string(word(&["gzip", "brotli", "none"], &["x"])),
        ),
        optional("normalizeFilenames", string(name())),
    )
        .prop_map(|(files, d, n)| object(vec![Some(("files".into(), Value::Array(files))), d, n]))
}

fn angular_json() -> impl Strategy<Value = Value> {
    let budget = (
        optional(
            "type",
            string(word(
                &[
                    "initial",
                    "allScript",
                    "all",
                    "anyScript",
                    "any",
                    "bundle",
                    "anyComponentStyle",
                ],
                &["x"],
            )),
        ),
        optional("name", string(name())),
        optional("baseline", string(size_text())),
        optional("maximumWarning", string(size_text())),
        optional("maximumError", string(size_text())),
        optional("minimumError", string(size_text())),
        optional("minimumWarning", string(size_text())),
        optional(
            "warning",
            string(prop_oneof![size_text(), "[-+]?[0-9.]{0,6}%|NaN%|inf%"]),
        ),
        optional(
            "error",
            string(prop_oneof![
                size_text(),
                "[-+]?[0-9.]{0,6}%|NaN%|[0-9]{30}%"
            ]),
        ),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i)| object(vec![a, b, c, d, e, f, g, h, i]));
    prop::collection::vec(budget, 0..5).prop_map(|budgets| {
        json!({"version": 1, "projects": {"app": {"architect": {"build": {
            "options": {"budgets": budgets}
        }}}}})
    })
}

fn lighthouse_json() -> impl Strategy<Value = Value> {
    let number = prop_oneof![
        (0u32..5000).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
    ];
    let entry = (
        string(word(
            &[
                "script",
                "stylesheet",
                "image",
                "total",
                "third-party",
                "font",
            ],
            &["x"],
        )),
        number,
    )
        .prop_map(|(t, b)| json!({"resourceType": t, "budget": b}))
        .boxed();
    (
        prop::collection::vec(entry.clone(), 0..4),
        prop::collection::vec(entry, 0..3),
        any::<bool>(),
    )
        .prop_map(|(sizes, counts, timings)| {
            let mut item = json!({"path": "/*", "resourceSizes": sizes, "resourceCounts": counts});
            if timings {
                item["timings"] = json!([{"metric": "interactive", "budget": 3000}]);
            }
            json!([item])
        })
}

/// Byte-level damage to a JSON text: cut, duplicate or insert one of JSON's own tokens.
fn mangled(text: String) -> impl Strategy<Value = String> {
    let len = text.len();
    (
        0..=len,
        0..=len,
        prop::sample::select(vec![
            "{", "}", "[", "]", "\"", ",", ":", "\\", "-1e999", "\u{ffff}", "{\"a\":",
        ]),
        0u8..3,
    )
        .prop_map(move |(a, b, token, how)| {
            let bytes = text.as_bytes();
            let (lo, hi) = (a.min(b), a.max(b));
            let out: Vec<u8> = match how {
                0 => [&bytes[..lo], &bytes[hi..]].concat(),
                1 => [&bytes[..hi], &bytes[lo..hi], &bytes[hi..]].concat(),
                _ => [&bytes[..lo], token.as_bytes(), &bytes[lo..]].concat(),
            };
            String::from_utf8_lossy(&out).into_owned()
        })
}

// ---------------------------------------------------------------------------------------------
// A report to evaluate against, with hostile numbers when asked.

fn file(path: &str, raw: u64, brotli: Option<u64>) -> FileReport {
    FileReport {
        path: path.into(),
        kind: FileKind::from_path(path),
        role: Role::Chunk,
        hash: format!("h-{path}"),
        sizes: Sizes {
            raw,
            gzip: brotli,
            brotli,
            zstd: None,
        },
        sent_as_is: false,
        siblings: Vec::new(),
        source_map: None,
        key: None,
        map: None,
        modules: Vec::new(),
    }
}

fn report(sizes: &[(u64, Option<u64>)], unreadable: bool) -> Report {
    let paths = [
        "index.html",
        "assets/index-AAAAAAAA.js",
        "assets/index-AAAAAAAA.css",
        "assets/vendor-BBBBBBBB.js",
        "assets/lazy-CCCCCCCC.js",
        "assets/logo-DDDDDDDD.png",
        "assets/index-AAAAAAAA.js.map",
    ];
    let files = paths
        .iter()
        .zip(sizes.iter().cycle())
        .map(|(p, (raw, br))| file(p, *raw, *br))
        .collect();
    let mut diagnostics = Vec::new();
    if unreadable {
        diagnostics.push(
            Diagnostic::warning(Code::InputUnreadable, "cannot read: denied")
                .at("assets/secret.js"),
        );
    }
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "distill".into(),
            version: "0".into(),
        },
        framework: None,
        encoders: vec![
            EncoderInfo {
                encoding: Encoding::Gzip,
                encoder: "t".into(),
                level: Some(9),
                window_log: None,
            },
            EncoderInfo {
                encoding: Encoding::Brotli,
                encoder: "t".into(),
                level: Some(11),
                window_log: None,
            },
        ],
        files,
        chunks: vec![distill_graph::Chunk {
            file: "assets/vendor-BBBBBBBB.js".into(),
            name: Some("vendor".into()),
        }],
        edges: Vec::new(),
        entries: vec![LoadSetReport {
            name: "index.html".into(),
            source: None,
            initial: vec![
                "assets/index-AAAAAAAA.js".into(),
                "assets/index-AAAAAAAA.css".into(),
            ],
            lazy: vec!["assets/lazy-CCCCCCCC.js".into()],
            initial_sizes: Sizes::default(),
            initial_script_sizes: Sizes::default(),
            lazy_sizes: Sizes::default(),
            images: Vec::new(),
            image_sizes: None,
        }],
        routes: Vec::new(),
        totals: BTreeMap::new(),
        server_files: 0,
        duplicates: Vec::new(),
        budgets: None,
        diff: None,
        optimize: None,
        diagnostics,
    }
}

fn sizes() -> impl Strategy<Value = Vec<(u64, Option<u64>)>> {
    let n = prop_oneof![
        4 => 0u64..2_000_000,
        1 => Just(u64::MAX),
        1 => (u64::MAX - 1000)..=u64::MAX,
        1 => any::<u64>(),
    ];
    prop::collection::vec((n.clone(), prop::option::weighted(0.9, n)), 1..8)
}

/// Printed and parsed back, an accepted file is the same file.
fn round_trips(file: &BudgetsFile, what: &str) {
    let text = serde_json::to_string_pretty(file).unwrap();
    match parse(&text) {
        Ok(back) => assert_eq!(&back, file, "{what}: reads back otherwise:\n{text}"),
        Err(e) => panic!("{what}: accepted, but its printed form is refused: {e}\n{text}"),
    }
}

// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sizes_parse_without_panic_and_accepted_ones_round_trip(text in size_text()) {
        let result = within("Size::parse", move || Size::parse(&text).map(|s| (text, s)));
        if let Ok((text, size)) = result {
            prop_assert_eq!(Size::parse(&size.to_string()), Ok(size), "{}", text);
        }
    }

    #[test]
    fn every_size_prints_as_a_size_that_parses_back(n in any::<u64>()) {
        prop_assert_eq!(Size::parse(&Size(n).to_string()), Ok(Size(n)));
    }

    #[test]
    fn growth_limits_parse_without_panic_and_accepted_ones_round_trip(text in growth_text()) {
        if let Ok(g) = within("Growth::parse", move || Growth::parse(&text)) {
            prop_assert!(g.percent.is_some() || g.bytes.is_some());
            prop_assert!(g.percent.is_none_or(|p| p.is_finite() && p >= 0.0), "{:?}", g);
            prop_assert_eq!(Growth::parse(&g.describe()), Ok(g));
            // Zero growth never exceeds a limit; shrinking never does.
            prop_assert!(!g.exceeded(1000, 1000) && !g.exceeded(1000, 10));
        }
    }

    #[test]
    fn budgets_files_never_panic_and_accepted_ones_round_trip(value in budgets_json()) {
        let text = value.to_string();
        if let Ok(file) = within("parse", move || parse(&text)) {
            round_trips(&file, "budgets.json");
        }
    }

    #[test]
    fn damaged_budgets_files_never_panic(text in budgets_json().prop_flat_map(|v| mangled(v.to_string()))) {
        if let Ok(file) = within("parse", move || parse(&text)) {
            round_trips(&file, "damaged budgets.json");
        }
    }

    #[test]
    fn arbitrary_text_never_panics_any_reader(text in prop_oneof![any::<String>(), "[\\[\\]{}\",:0-9a-z\\\\ -]{0,64}"]) {
        within("every reader", move || {
            let _ = parse(&text);
            for name in ["budgets.json", ".size-limit.json", "package.json", "bundlesize.config.json", "bundlewatch.config.json", "angular.json", "budget.json"] {
                let _ = import::read(name, &text, "dist/");
            }
        });
    }

    #[test]
    fn importers_never_panic_and_what_they_accept_converts_to_a_file_check_accepts(
        (name, value) in prop_oneof![
            size_limit_json().prop_map(|v| (".size-limit.json", v)),
            size_limit_json().prop_map(|v| ("package.json", json!({"size-limit": v}))),
            bundlesize_json().prop_map(|v| ("bundlesize.config.json", v)),
            bundlesize_json().prop_map(|v| ("bundlewatch.config.json", v)),
            bundlesize_json().prop_map(|v| ("package.json", json!({"bundlesize": v["files"]}))),
            angular_json().prop_map(|v| ("angular.json", v)),
            lighthouse_json().prop_map(|v| ("budget.json", v)),
            budgets_json().prop_map(|v| ("package.json", json!({"distill": v}))),
        ],
        damage in prop::option::weighted(0.2, (any::<usize>(), "[\\[\\]{}\",:]")),
    ) {
        let mut text = value.to_string();
        if let Some((at, token)) = damage {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, &token);
        }
        let imported = within("import::read", move || import::read(name, &text, "dist/"));
        if let Ok(i) = imported {
            prop_assert!(!i.budgets.budgets.is_empty());
            round_trips(&i.budgets, name);
        }
    }

    #[test]
    fn evaluation_never_panics_and_never_passes_on_missing_numbers(
        value in budgets_json(),
        now in sizes(),
        base in prop::option::of(sizes()),
        unreadable in any::<bool>(),
    ) {
        let text = value.to_string();
        let Ok(file) = parse(&text) else { return Ok(()) };
        let report = report(&now, unreadable);
        let baseline = base.map(|b| report_with(&b));
        let result = within("evaluate", move || {
            let r = evaluate(&file, &report, baseline.as_ref());
            (r, file, report)
        });
        let (result, file, report) = result;
        if let Ok(verdicts) = result {
            for (b, v) in file.budgets.iter().flat_map(|b| {
                verdicts.iter().filter(move |v| v.budget == b.name).map(move |v| (b, v))
            }) {
                // Every file a verdict counts had its size in the budget's encoding.
                let encoding = file.compression_of(b).encoding();
                for path in &v.files {
                    let f = report.files.iter().find(|f| &f.path == path).unwrap();
                    prop_assert!(f.sizes.get(encoding).is_some(), "{} counted without {:?}", path, encoding);
                }
            }
            prop_assert!(!unreadable || file.budgets.iter().all(|b| !b.select.types.is_empty() || !b.select.files.is_empty()),
                "an unreadable script, and a budget over every payload file, still decided");
        }
    }
}

fn report_with(sizes: &[(u64, Option<u64>)]) -> Report {
    report(sizes, false)
}

/// The properties above say something only when their inputs get past the JSON reader to the
/// checks behind it: on a fixed seed, enough generated files are accepted (and evaluated), and
/// enough reach the nesting bound, that a change to the strategies cannot make them vacuous.
#[test]
fn the_generators_reach_the_checks_behind_the_reader() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut sample = |s: &BoxedStrategy<Value>| s.new_tree(&mut runner).unwrap().current();
    let (budgets, size_limit, angular, lighthouse) = (
        budgets_json().boxed(),
        size_limit_json().boxed(),
        angular_json().boxed(),
        lighthouse_json().boxed(),
    );
    let build = report(&[(100, Some(50))], false);
    let (mut parsed, mut evaluated, mut nested) = (0, 0, 0);
    let mut imported = [0; 3];
    for _ in 0..1000 {
        match parse(&sample(&budgets).to_string()) {
            Ok(f) => {
                parsed += 1;
                evaluated += usize::from(evaluate(&f, &build, None).is_ok());
            }
            Err(e) => nested += usize::from(e.message.contains("nested more than")),
        }
        for (i, (name, s)) in [
            (".size-limit.json", &size_limit),
            ("angular.json", &angular),
            ("budget.json", &lighthouse),
        ]
        .into_iter()
        .enumerate()
        {
            imported[i] += usize::from(import::read(name, &sample(s).to_string(), "dist/").is_ok());
        }
    }
    assert!(
        parsed >= 80 && evaluated >= 20 && nested >= 20,
        "parsed {parsed}, evaluated {evaluated}, nested {nested} of 1000"
    );
    assert!(
        imported.iter().all(|&n| n >= 20),
        "imported {imported:?} of 1000 each"
    );
}
