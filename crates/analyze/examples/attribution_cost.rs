//! What attribution costs: `cargo run --release -p distill_analyze --example attribution_cost --
//! DIR [RUNS]` times ingest, the gzip + brotli sizes, and attribution alone (raw, then with
//! compressed shares) over the same build, each the median of RUNS (default 5) runs.
//! bench/attribution/run.sh prints it next to source-map-explorer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

use distill_analyze::attribution::attribute_build;
use distill_analyze::{Attribution, Options, analyze};
use distill_fs::FsSource;
use distill_graph::Encoding;
use distill_ingest::ingest;
use std::time::{Duration, Instant};

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: attribution_cost DIR [RUNS]");
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS is a number"));
    let source = FsSource::open(std::path::Path::new(&dir)).expect("a build folder");
    let ingest_time = median(runs, || {
        std::hint::black_box(ingest(&source).expect("ingest"));
    });
    let build = ingest(&source).expect("ingest").build;
    let options = Options {
        attribution: Attribution::Off,
        ..Options::with(&[Encoding::Gzip, Encoding::Brotli])
    };
    let mut analysis = None;
    let sizes_time = median(runs.min(3), || {
        analysis = Some(analyze(&source, build.clone(), &options));
    });
    let analysis = analysis.expect("analyzed");
    let attribute = |compressed: bool| {
        median(runs, || {
            let (files, _) = attribute_build(
                &source,
                &build,
                &analysis.file_sizes,
                &distill_analyze::attribution::Shares {
                    settings: options.settings,
                    cache: None,
                    compressed,
                },
                options.max_map_bytes,
            );
            std::hint::black_box(files.len());
        })
    };
    let raw = attribute(false);
    let compressed = attribute(true);
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    println!("| step, in one process (median of {runs}) | time |");
    println!("|---|---|");
    println!(
        "| ingest: walk, read and hash every file | {} |",
        ms(ingest_time)
    );
    println!(
        "| gzip (level 9) + brotli (quality 11) sizes | {} |",
        ms(sizes_time)
    );
    println!("| attribution, raw bytes | {} |", ms(raw));
    println!(
        "| attribution with gzip + brotli shares | {} |",
        ms(compressed)
    );
}
