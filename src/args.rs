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
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Colour in the human output: auto (a terminal, and NO_COLOR unset), always, never
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto", value_parser = parse_color)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

fn parse_color(s: &str) -> Result<ColorChoice, String> {
    match s {
        "auto" => Ok(ColorChoice::Auto),
        "always" => Ok(ColorChoice::Always),
        "never" => Ok(ColorChoice::Never),
        other => Err(format!(
            "unknown colour choice `{other}`; expected auto, always or never"
        )),
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Measure a build: first-load and lazy bytes per entry and route, largest files, totals
    Analyze(AnalyzeArgs),
    /// Check a build against size budgets: exit 0 pass, 1 a budget failed, 2 an error
    Check(CheckArgs),
    /// Make a build smaller: lossless images, precompressed .gz/.br/.zst copies, written to
    /// --out DIR or --in-place; then analyze the result and check budgets when there are any
    Optimize(OptimizeArgs),
    /// Start here: write budgets.json from today's sizes (plus headroom) and a `size` script
    Init(InitArgs),
    /// Work with budget files: convert other tools' configs, print the schema
    #[command(subcommand)]
    Budgets(BudgetsCommand),
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The build folder [default: the first of dist/, .next/, build/, out/ in the current folder]
    pub dir: Option<PathBuf>,

    /// Budgets file: budgets.json, or a size-limit, bundlesize, bundlewatch, angular.json or
    /// Lighthouse budget file [default: budgets.json beside the build folder or here, then the
    /// "distill" key of package.json]
    #[arg(long, value_name = "FILE")]
    pub budgets: Option<PathBuf>,

    /// A JSON report of an earlier build (from `analyze --json` or `check --format json=…`):
    /// growth budgets and deltas compare with it, file by file, by identity
    #[arg(long, value_name = "REPORT")]
    pub baseline: Option<PathBuf>,

    /// Output formats, repeatable: human, json, markdown, junit, github; `FORMAT=PATH` writes
    /// to a file instead of stdout (`--format junit=budgets.xml`)
    #[arg(long, value_name = "FORMAT[=PATH]", default_value = "human", value_parser = parse_format)]
    pub format: Vec<FormatTarget>,

    /// Also write the HTML report to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Attribute bytes to source modules through source maps: off, raw (bytes only) or
    /// compressed (also each module's share of the gzip and brotli sizes)
    #[arg(long, value_name = "LEVEL", default_value = "compressed", value_parser = parse_attribution)]
    pub attribution: distill_analyze::Attribution,

    #[command(flatten)]
    pub cache: CacheArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Human,
    Json,
    Markdown,
    Junit,
    Github,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormatTarget {
    pub format: Format,
    pub path: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<FormatTarget, String> {
    let (name, path) = match s.split_once('=') {
        Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
        Some((n, _)) => return Err(format!("`{n}=` needs a path after `=`")),
        None => (s, None),
    };
    let format = match name {
        "human" => Format::Human,
        "json" => Format::Json,
        "markdown" | "md" => Format::Markdown,
        "junit" => Format::Junit,
        "github" => Format::Github,
        other => {
            return Err(format!(
                "unknown format `{other}`; expected human, json, markdown, junit or github"
            ));
        }
    };
    Ok(FormatTarget { format, path })
}

#[derive(Debug, Subcommand)]
pub(crate) enum BudgetsCommand {
    /// Print the budgets.json equivalent of another tool's budget file
    Convert {
        /// .size-limit.json, package.json, bundlesize/bundlewatch config, angular.json or a
        /// Lighthouse budget.json
        file: PathBuf,
        /// The build folder the file's globs are written from (their prefix is removed)
        #[arg(long, value_name = "DIR", default_value = "dist")]
        build_dir: String,
    },
    /// Print the JSON schema of budgets.json
    Schema,
}

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// The build folder [default: the first of dist/, .next/, build/, out/ in the current folder]
    pub dir: Option<PathBuf>,

    /// Also write the complete report as JSON to FILE (a report is also a baseline)
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Also write the HTML report to FILE: a treemap, table and panels in one page that works offline
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Encodings to measure, comma-separated: raw,gzip,brotli,zstd
    #[arg(long, value_delimiter = ',', default_value = "raw,gzip,brotli,zstd", value_parser = parse_encoding)]
    pub encodings: Vec<Encoding>,

    /// How many of the largest files to list
    #[arg(long, default_value_t = 10)]
    pub top: usize,

    /// Print nothing on stdout (diagnostics still go to stderr)
    #[arg(long, short)]
    pub quiet: bool,

    /// Attribute bytes to source modules through source maps: off, raw (bytes only) or
    /// compressed (also each module's share of the gzip and brotli sizes)
    #[arg(long, value_name = "LEVEL", default_value = "compressed", value_parser = parse_attribution)]
    pub attribution: distill_analyze::Attribution,

    #[command(flatten)]
    pub cache: CacheArgs,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The build folder [default: the first of dist/, .next/, build/, out/ in the current folder]
    pub dir: Option<PathBuf>,

    /// Limits at today's sizes plus this much; warnings at half of it
    #[arg(long, value_name = "PERCENT", default_value = "10%", value_parser = parse_headroom)]
    pub headroom: f64,

    /// Replace an existing budgets.json
    #[arg(long)]
    pub force: bool,
}

fn parse_headroom(s: &str) -> Result<f64, String> {
    let number = s.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if (0.0..=1000.0).contains(&p) => Ok(p / 100.0),
        _ => Err(format!("`{s}` is not a percentage from 0% to 1000%")),
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "in_place"])))]
pub(crate) struct OptimizeArgs {
    /// The build folder [default: the first of dist/, .next/, build/, out/ in the current folder]
    pub dir: Option<PathBuf>,

    /// Write the optimized build to DIR, a complete copy (the build folder is not touched)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Optimize the build folder itself
    #[arg(long)]
    pub in_place: bool,

    /// With --out: replace the contents of an existing, non-empty DIR
    #[arg(long, requires = "out")]
    pub force: bool,

    /// Precompressed copies to write, comma-separated: gzip (.gz), br (.br), zstd (.zst)
    #[arg(long, value_delimiter = ',', default_value = "gzip,br,zstd", value_parser = parse_copy_encoding)]
    pub encodings: Vec<Encoding>,

    /// Leave files smaller than this uncompressed
    #[arg(long, value_name = "SIZE", default_value = "1 KiB", value_parser = parse_size)]
    pub min_size: u64,

    /// Write a copy only when it saves at least this much of the file
    #[arg(long, value_name = "PERCENT", default_value = "10%", value_parser = parse_percent)]
    pub min_saving: f64,

    /// Also precompress source maps
    #[arg(long)]
    pub include_maps: bool,

    /// Skip the compress stage
    #[arg(long)]
    pub no_compress: bool,

    /// Skip the minify stage
    #[arg(long)]
    pub no_minify: bool,

    /// JavaScript minifier: oxc, swc, or best (both; the smaller by brotli is kept)
    #[arg(long, value_name = "NAME", default_value = "oxc")]
    pub js_minifier: distill_minify::JsMinifier,

    /// Drop console.* calls while minifying
    #[arg(long)]
    pub drop_console: bool,

    /// Drop debugger statements while minifying
    #[arg(long)]
    pub drop_debugger: bool,

    /// Calls to drop when their result is unused, comma-separated (console.info,invariant)
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub pure_funcs: Vec<String>,

    /// Compress passes for swc (0: its default; oxc always runs to a fixed point)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub passes: u8,

    /// Browser targets for minified JS and CSS, a browserslist query [default: the project's
    /// browserslist (package.json or .browserslistrc), else `defaults`]
    #[arg(long, value_name = "QUERY")]
    pub css_targets: Option<String>,

    /// Split ES-module chunks over --max-chunk at module boundaries, where behaviour provably
    /// stays the same (Vite, Rollup, Rolldown, esbuild ESM output; Next.js chunks are left)
    #[arg(long)]
    pub split: bool,

    /// The size (raw) above which --split cuts a chunk [default: the smallest `max` of the
    /// `each` script budgets measured raw, else 500 kB]
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_chunk: Option<u64>,

    /// With --split: move node_modules packages at the start of a chunk into their own
    /// vendor-<name>-<hash>.js chunks, cached apart from app code
    #[arg(long)]
    pub split_vendor: bool,

    /// Rename files whose bytes changed by their new content hash (name-AbCd1234.js) and
    /// rewrite every reference, so immutable CDN caching stays correct (not for Next.js)
    #[arg(long)]
    pub rehash: bool,

    /// Skip the images stage
    #[arg(long)]
    pub no_images: bool,

    /// oxipng effort for PNG, 0 (fast) to 6 (slowest)
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=6))]
    pub png_level: u8,

    /// Image metadata to drop: safe (keep colour profiles and orientation) or all (keep only
    /// the JPEG orientation)
    #[arg(long, value_name = "WHAT", default_value = "safe", value_parser = parse_strip)]
    pub strip: distill_images::Strip,

    /// Also try JPEG at this quality (1-100), kept only when smaller and perceptually the same
    /// (SSIM at least 0.98)
    #[arg(long, value_name = "Q", value_parser = clap::value_parser!(u8).range(1..=100))]
    pub jpeg_quality: Option<u8>,

    /// Write modern siblings beside PNG and JPEG images, comma-separated: webp, avif (never
    /// replacing the original: the app chooses with <picture>)
    #[arg(long, value_delimiter = ',', value_name = "FORMATS", value_parser = parse_image_format)]
    pub image_formats: Vec<distill_images::SiblingFormat>,

    /// Next.js: the public/ folder whose images to optimize too [default: public/ beside the
    /// build folder]
    #[arg(long, value_name = "DIR")]
    pub public: Option<PathBuf>,

    /// Check the optimized build against these budgets [default: budgets.json or the "distill"
    /// key of package.json when found; nothing is checked otherwise]
    #[arg(long, value_name = "FILE")]
    pub budgets: Option<PathBuf>,

    /// Output formats, repeatable: human, json, markdown, junit, github; `FORMAT=PATH` writes
    /// to a file instead of stdout
    #[arg(long, value_name = "FORMAT[=PATH]", default_value = "human", value_parser = parse_format)]
    pub format: Vec<FormatTarget>,

    /// Also write the complete report as JSON to FILE
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Also write the HTML report to FILE
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Print nothing on stdout (reports named with FORMAT=PATH, --json and --html are still
    /// written; diagnostics still go to stderr)
    #[arg(long, short)]
    pub quiet: bool,

    /// Attribute bytes of the optimized build to source modules: off, raw or compressed
    #[arg(long, value_name = "LEVEL", default_value = "compressed", value_parser = parse_attribution)]
    pub attribution: distill_analyze::Attribution,

    #[command(flatten)]
    pub cache: CacheArgs,
}

fn parse_strip(s: &str) -> Result<distill_images::Strip, String> {
    match s {
        "safe" => Ok(distill_images::Strip::Safe),
        "all" => Ok(distill_images::Strip::All),
        other => Err(format!(
            "unknown strip level `{other}`; expected safe or all"
        )),
    }
}

fn parse_image_format(s: &str) -> Result<distill_images::SiblingFormat, String> {
    match s.trim() {
        "webp" => Ok(distill_images::SiblingFormat::Webp),
        "avif" => Ok(distill_images::SiblingFormat::Avif),
        other => Err(format!(
            "unknown image format `{other}`; expected webp or avif"
        )),
    }
}

fn parse_copy_encoding(s: &str) -> Result<Encoding, String> {
    match s.trim() {
        "gzip" | "gz" => Ok(Encoding::Gzip),
        "br" | "brotli" => Ok(Encoding::Brotli),
        "zstd" | "zst" => Ok(Encoding::Zstd),
        other => Err(format!(
            "unknown encoding `{other}`; expected gzip, br or zstd"
        )),
    }
}

fn parse_size(s: &str) -> Result<u64, String> {
    distill_budgets::Size::parse(s).map(|size| size.0)
}

fn parse_percent(s: &str) -> Result<f64, String> {
    let number = s.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if (0.0..100.0).contains(&p) => Ok(p / 100.0),
        _ => Err(format!("`{s}` is not a percentage from 0% to 99%")),
    }
}

#[derive(Debug, Args)]
pub(crate) struct CacheArgs {
    /// Compute every compressed size again instead of reusing the cache of earlier runs
    /// (DISTILL_NO_CACHE=1 also disables it)
    #[arg(long)]
    pub no_cache: bool,

    /// The cache folder [default: $DISTILL_CACHE_DIR, else node_modules/.cache/distill beside
    /// the build when there is one, else ~/.cache/distill]
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
}

impl CacheArgs {
    pub(crate) fn choice(&self) -> distill_pipeline::CacheChoice {
        use distill_pipeline::CacheChoice;
        match (&self.cache_dir, self.no_cache) {
            (_, true) => CacheChoice::Off,
            (Some(dir), false) => CacheChoice::At(dir.clone()),
            (None, false) => CacheChoice::Default,
        }
    }
}

fn parse_attribution(s: &str) -> Result<distill_analyze::Attribution, String> {
    use distill_analyze::Attribution;
    match s {
        "off" => Ok(Attribution::Off),
        "raw" => Ok(Attribution::Raw),
        "compressed" => Ok(Attribution::Compressed),
        other => Err(format!(
            "unknown attribution `{other}`; expected off, raw or compressed"
        )),
    }
}

fn parse_encoding(s: &str) -> Result<Encoding, String> {
    Encoding::parse(s.trim())
        .ok_or_else(|| format!("unknown encoding `{s}`; expected raw, gzip, brotli or zstd"))
}
