//! Runs `distill_images::optimize` over files the way the pipeline will (largest first, on every
//! core) and writes results into a folder; used by `bench/images/run.sh`.
//!
//! `cargo run --release -p distill_images --example optimize -- OUT_DIR FILE...`
//! Environment: `PNG_LEVEL`, `JPEG_QUALITY`, `FORMATS` (e.g. `webp,avif`).
//! Prints one tab-separated line per file: path, format, bytes before, bytes after, verdict.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

use distill_images::{Options, SiblingFormat, Verdict, optimize};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out_dir, files)) = args.split_first() else {
        eprintln!("usage: optimize OUT_DIR FILE...");
        std::process::exit(2);
    };
    let mut options = Options::default();
    if let Ok(level) = std::env::var("PNG_LEVEL") {
        options.png_level = level.parse().unwrap_or(2);
    }
    if let Ok(q) = std::env::var("JPEG_QUALITY") {
        options.jpeg_quality = q.parse().ok();
    }
    if let Ok(f) = std::env::var("FORMATS") {
        options.formats = f
            .split(',')
            .filter_map(|s| match s {
                "webp" => Some(SiblingFormat::Webp),
                "avif" => Some(SiblingFormat::Avif),
                _ => None,
            })
            .collect();
    }
    let mut inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| {
            (
                f.clone(),
                std::fs::read(f).unwrap_or_else(|e| panic!("{f}: {e}")),
            )
        })
        .collect();
    // Largest first, so one big file does not finish last.
    inputs.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    let outcomes: Vec<_> = inputs
        .par_iter()
        .map(|(path, bytes)| optimize(path, bytes, &options))
        .collect();
    for o in &outcomes {
        let name = Path::new(&o.path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let write = |file: &str, bytes: &[u8]| {
            let mut f = std::fs::File::create(Path::new(out_dir).join(file)).expect("create");
            f.write_all(bytes).expect("write");
        };
        let verdict = match &o.verdict {
            Verdict::Replaced(r) => {
                write(&name, &r.bytes);
                format!("replaced ({:?})", r.method)
            }
            Verdict::Kept(reason) => {
                write(
                    &name,
                    &inputs.iter().find(|i| i.0 == o.path).expect("input").1,
                );
                format!("kept: {reason}")
            }
        };
        for s in &o.siblings {
            let sib = Path::new(&s.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            write(&sib.unwrap_or_default(), &s.bytes);
        }
        println!(
            "{}\t{:?}\t{}\t{}\t{}\t{}",
            o.path,
            o.format,
            o.original_len,
            o.final_len(),
            o.siblings
                .iter()
                .map(|s| format!("{}={}", s.format.extension(), s.len))
                .collect::<Vec<_>>()
                .join(","),
            verdict
        );
        for d in &o.diagnostics {
            eprintln!("{d}");
        }
    }
}
