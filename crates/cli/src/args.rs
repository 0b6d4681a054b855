//! Every flag of every command, in one place.

use clap::{Args, Parser, Subcommand};
use distill_graph::Encoding;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "distill",
    version,
    about = "Make a frontend build smaller and tell exactly what it weighs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Measure a build: first-load and lazy bytes per entry and route, largest files, totals
    Analyze(AnalyzeArgs),
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The build folder [default: the first of dist/, .next/, build/, out/ in the current folder]
    pub dir: Option<PathBuf>,

    /// Also write the complete report as JSON to FILE (a report is also a baseline)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Encodings to measure, comma-separated: raw,gzip,brotli,zstd
    #[arg(long, value_delimiter = ',', default_value = "raw,gzip,brotli,zstd", value_parser = parse_encoding)]
    pub encodings: Vec<Encoding>,

    /// How many of the largest files to list
    #[arg(long, default_value_t = 10)]
    pub top: usize,

    /// Print nothing on stdout (diagnostics still go to stderr)
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    Encoding::parse(s.trim())
        .ok_or_else(|| format!("unknown encoding `{s}`; expected raw, gzip, brotli or zstd"))
}
