//! What attribution adds to an analysis: `cargo run --release -p distill_analyze --example
//! attribution_cost -- DIR [RUNS]` measures sizes alone, sizes + raw attribution, and sizes +
//! compressed attribution (gzip and brotli, the encodings attribution shares), each the median of
//! RUNS (default 5) runs. bench/attribution/run.sh prints it next to source-map-explorer.

use distill_analyze::{Attribution, Options, analyze};
use distill_graph::Encoding;
use distill_ingest::{FsSource, ingest};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: attribution_cost DIR [RUNS]");
    let runs: usize = args
        .next()
        .map_or(5, |r| r.parse().expect("RUNS is a number"));
    let source = FsSource::open(std::path::Path::new(&dir)).expect("a build folder");
    let mut ingest_times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(ingest(&source).expect("ingest"));
            start.elapsed()
        })
        .collect();
    ingest_times.sort();
    let build = ingest(&source).expect("ingest").build;
    let median = |encodings: &[Encoding], attribution: Attribution| -> Duration {
        let options = Options {
            attribution,
            ..Options::with(encodings)
        };
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                let start = Instant::now();
                let analysis = analyze(&source, build.clone(), &options);
                std::hint::black_box(analysis.attribution.len());
                start.elapsed()
            })
            .collect();
        times.sort();
        times[runs / 2]
    };
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let raw_off = median(&[Encoding::Raw], Attribution::Off);
    let raw_on = median(&[Encoding::Raw], Attribution::Raw);
    let enc = [Encoding::Gzip, Encoding::Brotli];
    let off = median(&enc, Attribution::Off);
    let raw = median(&enc, Attribution::Raw);
    let compressed = median(&enc, Attribution::Compressed);
    println!("| in one process, median of {runs} | time |");
    println!("|---|---|");
    println!(
        "| ingest (walk, read and hash every file) | {} |",
        ms(ingest_times[runs / 2])
    );
    println!("| raw sizes only | {} |", ms(raw_off));
    println!("| raw sizes + raw attribution | {} |", ms(raw_on));
    println!("| gzip + brotli sizes | {} |", ms(off));
    println!("| gzip + brotli sizes + raw attribution | {} |", ms(raw));
    println!(
        "| gzip + brotli sizes + compressed attribution | {} |",
        ms(compressed)
    );
}
