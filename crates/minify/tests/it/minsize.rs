//! The committed size table: every client JS and CSS file of every fixture build, minified with
//! oxc, swc and best (and lightningcss for CSS), in raw, gzip and brotli bytes. A change in what
//! minification saves shows up as a diff of `tests/minsize/*.snap` in review.
//!
//! `DISTILL_UPDATE_SNAPSHOTS=1 cargo test -p distill_minify --test it minsize` rewrites them.

use crate::util;
use distill_minify::{CssOptions, JsMinifier, JsOptions, minify_css, minify_js};
use std::fmt::Write as _;
use std::path::Path;

#[derive(Default, Clone, Copy)]
struct Size {
    raw: u64,
    gzip: u64,
    brotli: u64,
}

impl Size {
    fn of(code: &str) -> Size {
        Size {
            raw: code.len() as u64,
            gzip: util::gzip(code.as_bytes()),
            brotli: util::brotli(code.as_bytes()),
        }
    }

    fn add(&mut self, o: Size) {
        self.raw += o.raw;
        self.gzip += o.gzip;
        self.brotli += o.brotli;
    }

    fn cell(self) -> String {
        format!("{} / {} / {}", self.raw, self.gzip, self.brotli)
    }
}

fn table(dir: &Path, title: &str) -> String {
    let build_id = std::fs::read_to_string(dir.join("BUILD_ID")).ok();
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut totals = [Size::default(); 4];
    for chunk in util::chunks(dir) {
        let original = Size::of(&chunk.code);
        let sizes: [Size; 3] = if chunk.css {
            let m = minify_css(&chunk.rel, &chunk.code, None, &CssOptions::default())
                .unwrap_or_else(|e| panic!("{title}: {e}"));
            let s = Size::of(&m.code);
            [s, s, s]
        } else {
            [JsMinifier::Oxc, JsMinifier::Swc, JsMinifier::Best].map(|minifier| {
                let opts = JsOptions {
                    minifier,
                    ..JsOptions::default()
                };
                let m = minify_js(&chunk.rel, &chunk.code, None, chunk.kind, &opts, &|b| {
                    util::brotli(b)
                })
                .unwrap_or_else(|e| panic!("{title}: {e}"));
                Size::of(&m.code)
            })
        };
        totals[0].add(original);
        for (t, s) in totals[1..].iter_mut().zip(sizes) {
            t.add(s);
        }
        let mut name = chunk.rel.clone();
        if let Some(id) = build_id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            name = name.replace(id, "<BUILD_ID>");
        }
        if chunk.css {
            name.push_str(" (lightningcss)");
        }
        rows.push([
            name,
            original.cell(),
            sizes[0].cell(),
            sizes[1].cell(),
            sizes[2].cell(),
        ]);
    }
    rows.push([
        "total".into(),
        totals[0].cell(),
        totals[1].cell(),
        totals[2].cell(),
        totals[3].cell(),
    ]);
    let header = ["file", "original", "oxc", "swc", "best"].map(str::to_owned);
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            rows.iter()
                .chain([&header])
                .map(|r| r[i].len())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "# {title}: bytes / gzip (zlib 9) / brotli (q11, window 22) per file; best = the smaller of oxc and swc by brotli\n"
    );
    for row in [&header].into_iter().chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 0 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        writeln!(out, "{}", cells.join(" | ").trim_end()).unwrap();
    }
    out
}

fn check(app: &str, out: &str) {
    let Some(dir) = util::fixture(app, out) else {
        return;
    };
    let title = format!("fixtures/{app}/{out}");
    let got = table(&dir, &title);
    let snap = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/minsize")
        .join(format!("{app}-{}.snap", out.trim_start_matches('.')));
    if std::env::var("DISTILL_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        util::write_file(&snap, &got);
        return;
    }
    let want = std::fs::read_to_string(&snap).unwrap_or_default();
    if got == want {
        return;
    }
    // Some builds are not byte-for-byte reproducible (Next.js with webpack embeds per-build
    // values, so a fresh build renames and resizes a few chunks by a few bytes): the rows may
    // move, the savings may not. Each minifier's total brotli and gzip bytes, relative to the
    // original's, must stay within 0.1 percentage points of the committed table.
    let (w, g) = (totals_of(&want), totals_of(&got));
    let explain = || {
        format!(
            "{title}: sizes differ from {} (rerun with DISTILL_UPDATE_SNAPSHOTS=1 if the change is intended)\n{}",
            snap.display(),
            diff(&want, &got)
        )
    };
    let (Some(w), Some(g)) = (w, g) else {
        panic!("{}", explain());
    };
    let drift = |a: u64, b: u64| (a as f64 - b as f64).abs() / (b.max(1) as f64);
    assert!(
        drift(g[0][0], w[0][0]) < 0.01,
        "the build itself changed: {}",
        explain()
    );
    for column in 1..4 {
        for measure in [1, 2] {
            let ratio = |t: &[[u64; 3]; 4]| t[column][measure] as f64 / t[0][measure].max(1) as f64;
            assert!(
                ratio(&g) <= ratio(&w) + 0.001,
                "savings regressed ({} of original now, {} in the table): {}",
                ratio(&g),
                ratio(&w),
                explain()
            );
        }
    }
    eprintln!(
        "{title}: rows moved within the tolerance:\n{}",
        diff(&want, &got)
    );
}

/// The `total` row's four cells, each `bytes / gzip / brotli`.
fn totals_of(table: &str) -> Option<[[u64; 3]; 4]> {
    let row = table.lines().find(|l| l.starts_with("total "))?;
    let cells: Vec<&str> = row.split('|').skip(1).map(str::trim).collect();
    let mut out = [[0u64; 3]; 4];
    for (i, cell) in cells.iter().enumerate().take(4) {
        let nums: Vec<u64> = cell
            .split('/')
            .map(|n| n.trim().parse().ok())
            .collect::<Option<_>>()?;
        out[i] = nums.try_into().ok()?;
    }
    Some(out)
}

fn diff(want: &str, got: &str) -> String {
    let mut out = String::new();
    for line in want.lines().filter(|l| !got.lines().any(|g| g == *l)) {
        writeln!(out, "- {line}").unwrap();
    }
    for line in got.lines().filter(|l| !want.lines().any(|w| w == *l)) {
        writeln!(out, "+ {line}").unwrap();
    }
    out
}

#[test]
fn minsize_vite_nomin() {
    check("vite-nomin", "dist");
}

#[test]
fn minsize_vite_react() {
    check("vite-react", "dist");
}

#[test]
fn minsize_vite7_react() {
    check("vite7-react", "dist");
}

#[test]
fn minsize_vite_vue() {
    check("vite-vue", "dist");
}

#[test]
fn minsize_next_app_turbopack() {
    check("next-app", ".next");
}

#[test]
fn minsize_next_app_webpack() {
    check("next-app", ".next-webpack");
}

#[test]
fn minsize_next_pages_turbopack() {
    check("next-pages", ".next");
}

#[test]
fn minsize_next_pages_webpack() {
    check("next-pages", ".next-webpack");
}

#[test]
fn minsize_demo() {
    check("demo", "dist");
}
