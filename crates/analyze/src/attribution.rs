//! Where each byte of a script or stylesheet comes from, through its source map.
//!
//! # Raw bytes
//!
//! Every byte of a file lands in exactly one bucket, so the buckets add up to the file's size:
//!
//! - an original module: a mapping segment covers its generated line from its column up to the
//!   next segment's column on that line; the last segment of a line covers the rest of the line
//!   **including the line break** (`\n` or `\r\n`). source-map-explorer counts line breaks in a
//!   bucket of their own (`[EOLs]`); here they belong to the code that ends the line, which is
//!   what a reader means by "this module's bytes" (in unminified output they are ~3% of a
//!   module). Columns are UTF-16 code units, as the format defines them, converted to byte
//!   offsets line by line (a line that is all ASCII needs no conversion);
//! - `(unmapped)`: bytes before a line's first segment, lines without segments, segments that
//!   name no source, and every byte of a file whose map is missing or unusable;
//! - `(sourceMappingURL)`: the trailing `//# sourceMappingURL=…` (or `/*# … */`) comment, from
//!   its first character to the end of the file;
//! - `(no source map)`: the whole file, when it names no map at all.
//!
//! # Compressed bytes
//!
//! A module's share of the file's gzip and brotli size cannot be read off the compressed stream
//! (back-references cross module boundaries), and splitting by raw bytes is wrong exactly where it
//! matters: a big module of base64 data or of repetitive tables compresses very differently
//! from the code around it. So, per file:
//!
//! 1. **measured** modules, those of at least 1 KiB that are at least 4 KiB or 2% of the file,
//!    are each compressed on their own (their byte ranges concatenated in file order); all the
//!    other buckets together form one more blob, compressed once. Each compressed length is
//!    taken net of the encoder's fixed overhead (the length of compressing nothing). Every byte
//!    of the file is compressed exactly once more per encoding, so the cost is one extra pass.
//! 2. The blob of the small buckets is split among them in proportion to their raw bytes
//!    (**proportional**).
//! 3. All weights are scaled so the shares add up to the file's real compressed size exactly
//!    (largest remainder rounding): the total stays the number the rest of the report shows,
//!    and what the measurement contributes is each module's compressibility relative to the rest.
//!
//! Shares are measured at fast proxy settings ([`Settings::proxy`]: libdeflate level 6, brotli
//! quality 5; quality 11 runs at ~0.5 MB/s, quality 5 at ~20 MB/s) and then scaled to the file's
//! real sizes. Each measurement is cached by the hash of the module's bytes, so a second run
//! on an unchanged build compresses nothing. zstd sizes are not attributed.

#![allow(
    clippy::indexing_slicing,
    reason = "bucket and module ids are indices handed out by the tables they index"
)]

use crate::packages::{self, Origin};
use crate::sourcemap::{self, MapError, Segment, UNMAPPED};
use distill_compress::batch::largest_first;
use distill_compress::{Cache, Settings, compressed_len};
use distill_fs::FileSource;
use distill_graph::{Build, Code, Diagnostic, Encoding, File, FileKind, Sizes};
pub use distill_schema::{MapStatus, ShareMethod};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

pub const UNMAPPED_BUCKET: &str = "(unmapped)";
pub const COMMENT_BUCKET: &str = "(sourceMappingURL)";
pub const NO_MAP_BUCKET: &str = "(no source map)";

/// Modules at least this large, and at least [`MEASURE_MIN_SHARE`] of the file or
/// [`MEASURE_ALWAYS`] bytes, get their compressed share measured.
const MEASURE_MIN: u64 = 1024;
const MEASURE_ALWAYS: u64 = 4096;
/// 1/50 = 2% of the file.
const MEASURE_MIN_SHARE: u64 = 50;
/// Segments past the end of their line that are tolerated (as covering nothing) before a map
/// is judged to describe other code; also tolerated: up to a tenth of all segments. Next.js 16's
/// webpack maps have up to 19 of 36,000 (two columns past lines inside template literals).
const PAST_END_TOLERATED: usize = 8;
/// One original module's (or bucket's) share of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleShare {
    /// Normalized path, or a bucket name in parentheses.
    pub source: String,
    /// `None` for buckets.
    pub package: Option<String>,
    pub version: Option<String>,
    /// The package's install folder, which tells copies of one package apart.
    pub install: Option<String>,
    pub raw: u64,
    pub gzip: Option<u64>,
    pub brotli: Option<u64>,
    /// `None` when no compressed share was computed.
    pub method: Option<ShareMethod>,
}

impl ModuleShare {
    pub fn sizes(&self) -> Sizes {
        Sizes {
            raw: self.raw,
            gzip: self.gzip,
            brotli: self.brotli,
            zstd: None,
        }
    }
}

/// A file's bytes by origin; `modules` are sorted by raw bytes, largest first, and their `raw`
/// add up to the file's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileAttribution {
    pub map: MapStatus,
    pub modules: Vec<ModuleShare>,
}

/// The map a file comes with, as the caller found it.
#[derive(Debug)]
pub enum MapInput<'a> {
    /// No `sourceMappingURL` and no map linked.
    None,
    /// The map's bytes (from the linked file or a `data:` URL).
    Bytes(&'a [u8]),
    /// A map was named but cannot be had; the reason was already reported (or is `Some`).
    Unavailable(Option<Diagnostic>),
}

struct Bucket {
    origin: Option<Origin>,
    name: String,
    raw: u64,
    /// Byte ranges in file order, adjacent ones merged.
    ranges: Vec<(usize, usize)>,
}

impl Bucket {
    fn new(name: &str, origin: Option<Origin>) -> Bucket {
        Bucket {
            origin,
            name: name.to_owned(),
            raw: 0,
            ranges: Vec::new(),
        }
    }

    fn add(&mut self, start: usize, end: usize) {
        if end <= start {
            return;
        }
        self.raw += (end - start) as u64;
        match self.ranges.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => self.ranges.push((start, end)),
        }
    }
}

const UNMAPPED_ID: usize = 0;
const COMMENT_ID: usize = 1;

/// How compressed shares are measured.
#[derive(Debug, Clone, Copy)]
pub struct Shares<'a> {
    /// The report's settings; shares are measured with their fast [`Settings::proxy`].
    pub settings: Settings,
    /// Where measured module blobs are cached, by the hash of their bytes.
    pub cache: Option<&'a Cache>,
    /// Whether to compute compressed shares at all (else raw bytes only).
    pub compressed: bool,
}

impl Shares<'_> {
    /// Default settings, no cache.
    pub fn uncached(compressed: bool) -> Shares<'static> {
        Shares {
            settings: Settings::default(),
            cache: None,
            compressed,
        }
    }
}

/// Attributes one file. `sizes` are the file's measured sizes: compressed shares are computed
/// for the encodings among gzip and brotli that they hold, when `shares.compressed` is set.
pub fn attribute(
    path: &str,
    bytes: &[u8],
    map: MapInput,
    sizes: &Sizes,
    shares_of: &Shares,
) -> (FileAttribution, Vec<Diagnostic>) {
    let comment = distill_scan::map_url::find(bytes).map(|c| c.comment.start);
    let body = &bytes[..comment.unwrap_or(bytes.len())];
    let mut diagnostics = Vec::new();
    let mut buckets = vec![
        Bucket::new(UNMAPPED_BUCKET, None),
        Bucket::new(COMMENT_BUCKET, None),
    ];
    let status = match map {
        MapInput::None if comment.is_none() => {
            NO_MAP_BUCKET.clone_into(&mut buckets[UNMAPPED_ID].name);
            buckets[UNMAPPED_ID].add(0, bytes.len());
            MapStatus::NoMap
        }
        MapInput::None => MapStatus::Unusable,
        MapInput::Unavailable(d) => {
            diagnostics.extend(d);
            MapStatus::Unusable
        }
        MapInput::Bytes(map) => match map_buckets(path, body, map, comment.is_some()) {
            Ok(mapped) => {
                buckets = mapped;
                MapStatus::Mapped
            }
            Err(d) => {
                diagnostics.push(d.at(path.to_owned()));
                MapStatus::Unusable
            }
        },
    };
    if status == MapStatus::Unusable {
        buckets[UNMAPPED_ID].add(0, body.len());
    }
    if let Some(start) = comment {
        buckets[COMMENT_ID].add(start, bytes.len());
    }
    buckets.retain(|b| b.raw > 0);

    let mut shares: Vec<ModuleShare> = buckets
        .iter()
        .map(|b| ModuleShare {
            source: b
                .origin
                .as_ref()
                .map_or_else(|| b.name.clone(), |o| o.source.clone()),
            package: b.origin.as_ref().map(|o| o.package.clone()),
            version: b.origin.as_ref().and_then(|o| o.version.clone()),
            install: b.origin.as_ref().and_then(|o| o.install.clone()),
            raw: b.raw,
            gzip: None,
            brotli: None,
            method: None,
        })
        .collect();
    if shares_of.compressed {
        compressed_shares(bytes, &buckets, &mut shares, sizes, shares_of);
    }
    shares.sort_by(|a, b| b.raw.cmp(&a.raw).then_with(|| a.source.cmp(&b.source)));
    (
        FileAttribution {
            map: status,
            modules: shares,
        },
        diagnostics,
    )
}

/// Buckets from a map: `(unmapped)`, `(sourceMappingURL)` (left empty), then one per module.
fn map_buckets(
    path: &str,
    body: &[u8],
    map: &[u8],
    has_comment: bool,
) -> Result<Vec<Bucket>, Diagnostic> {
    let mismatch = |m: String| {
        Diagnostic::warning(
            Code::MapMismatch,
            format!("source map does not describe this file: {m}; the file is attributed as (unmapped)"),
        )
        .hint("the map is stale or belongs to another file; rebuild so each file and its map are written together")
    };
    // Four segments per byte is far beyond any real map: the densest fixture map (Turbopack's
    // chart.js chunk) has one per 2.2 bytes, 13% of them stacked on the same column.
    let max_segments = body.len().saturating_mul(4).saturating_add(4096);
    let parsed = sourcemap::parse(map, max_segments).map_err(|e| match e {
        MapError::TooMany(n) => mismatch(format!(
            "it has more than {n} mappings for {} bytes of code",
            body.len()
        )),
        MapError::Malformed(m) => Diagnostic::warning(
            Code::MapMalformed,
            format!("source map is malformed: {m}; the file is attributed as (unmapped)"),
        )
        .hint("rebuild with source maps on; if it persists, the bundler or a plugin wrote a broken map"),
        MapError::OutOfRange(m) => Diagnostic::warning(
            Code::MapOutOfRange,
            format!("source map is inconsistent: {m}; the file is attributed as (unmapped)"),
        )
        .hint("a plugin that rewrites maps may have dropped sources or names; rebuild with source maps on"),
    })?;
    if let Some(file) = parsed.file.as_deref().filter(|f| !f.is_empty()) {
        let theirs = file.rsplit('/').next().unwrap_or(file);
        let ours = path.rsplit('/').next().unwrap_or(path);
        if theirs != ours {
            return Err(mismatch(format!("its `file` is `{file}`")));
        }
    }
    let mut buckets = vec![
        Bucket::new(UNMAPPED_BUCKET, None),
        Bucket::new(COMMENT_BUCKET, None),
    ];
    let mut by_source: HashMap<String, usize> = HashMap::new();
    let to_bucket: Vec<usize> = parsed
        .sources
        .iter()
        .map(|s| {
            let origin = packages::classify(s);
            *by_source.entry(origin.source.clone()).or_insert_with(|| {
                buckets.push(Bucket::new("", Some(origin)));
                buckets.len() - 1
            })
        })
        .collect();
    walk(body, &parsed.segments, has_comment, |source, start, end| {
        let id = if source == UNMAPPED {
            UNMAPPED_ID
        } else {
            to_bucket[source as usize]
        };
        buckets[id].add(start, end);
    })
    .map_err(mismatch)?;
    Ok(buckets)
}

/// Calls `assign(source, start, end)` for consecutive byte ranges covering all of `body`.
fn walk(
    body: &[u8],
    segments: &[Segment],
    has_comment: bool,
    mut assign: impl FnMut(u32, usize, usize),
) -> Result<(), String> {
    let mut s = 0;
    let mut pos = 0;
    let mut line: u32 = 0;
    let mut past_end = 0usize;
    let mut first_past_end = None;
    loop {
        let newline = body[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| pos + i);
        let (content_end, next) = match newline {
            Some(i) if i > pos && body[i - 1] == b'\r' => (i - 1, i + 1),
            Some(i) => (i, i + 1),
            None => (body.len(), body.len()),
        };
        let last = newline.is_none();
        let content = &body[pos..content_end];
        let ascii = content.is_ascii();
        let mut cursor = (0u64, 0usize);
        let mut from = pos;
        let mut current = UNMAPPED;
        while let Some(seg) = segments.get(s).filter(|g| g.line == line) {
            s += 1;
            let offset = match column_to_byte(content, ascii, &mut cursor, seg.column as u64) {
                Some(o) => o,
                // The comment's line is cut where the comment starts; a mapping on it points
                // into the comment, which is a bucket of its own.
                None if last && has_comment => content.len(),
                // Real maps have a few (Next's webpack build: segments two columns past the end
                // of lines inside template literals); they cover nothing.
                None => {
                    past_end += 1;
                    first_past_end.get_or_insert((line, seg.column, content.len()));
                    content.len()
                }
            };
            assign(current, from, pos + offset);
            from = pos + offset;
            current = seg.source;
        }
        assign(current, from, next);
        if last {
            break;
        }
        pos = next;
        line = line
            .checked_add(1)
            .ok_or_else(|| "more than 2^32 lines".to_owned())?;
    }
    // A few stray columns are a bundler's rounding; many mean the map is for other code.
    if let Some((line, column, len)) = first_past_end
        && past_end > PAST_END_TOLERATED.max(segments.len() / 10)
    {
        return Err(format!(
            "{past_end} of {} mappings are past the end of their line (the first at line {}, \
             column {column}, on a line of {len} bytes)",
            segments.len(),
            line + 1
        ));
    }
    match segments.get(s) {
        None => Ok(()),
        Some(seg) => Err(format!(
            "mappings reach line {} but the file has {} lines",
            seg.line + 1,
            line + 1
        )),
    }
}

/// The byte offset of a UTF-16 column in a line; `None` past its end. `cursor` (units, bytes)
/// remembers the last answer, so increasing columns cost one pass over the line.
fn column_to_byte(
    content: &[u8],
    ascii: bool,
    cursor: &mut (u64, usize),
    column: u64,
) -> Option<usize> {
    if ascii {
        return (column <= content.len() as u64).then_some(column as usize);
    }
    if column < cursor.0 {
        *cursor = (0, 0);
    }
    while cursor.0 < column {
        let b = *content.get(cursor.1)?;
        // Invalid UTF-8 counts one unit per byte, as a decoder's replacement character would.
        let (len, units) = match b {
            0xC0..=0xDF => (2, 1),
            0xE0..=0xEF => (3, 1),
            0xF0..=0xF7 => (4, 2),
            _ => (1, 1),
        };
        cursor.1 = (cursor.1 + len).min(content.len());
        cursor.0 += units;
    }
    Some(cursor.1)
}

/// Files with the same content and the same map are attributed once.
type Key<'a> = (&'a str, Option<&'a str>);
type Attributed = (FileAttribution, Vec<Diagnostic>);

/// Attributes every script and stylesheet of a build, in parallel, each distinct (content,
/// map) once. Returns attributions by path and the diagnostics, in path order.
pub fn attribute_build(
    source: &dyn FileSource,
    build: &Build,
    file_sizes: &BTreeMap<String, Sizes>,
    shares: &Shares,
    max_map_bytes: u64,
) -> (BTreeMap<String, FileAttribution>, Vec<Diagnostic>) {
    let files: Vec<&File> = build
        .files
        .iter()
        .filter(|f| matches!(f.kind, FileKind::Script | FileKind::Stylesheet))
        .collect();
    let mut first: BTreeMap<Key, &File> = BTreeMap::new();
    for f in &files {
        first
            .entry((f.hash.as_str(), f.source_map.as_deref()))
            .or_insert(f);
    }
    let jobs: Vec<&File> = first.values().copied().collect();
    let done: Vec<Attributed> = largest_first(
        &jobs,
        |f| f.size,
        |f| {
            let sizes = file_sizes.get(&f.path).copied().unwrap_or_default();
            // Two buffers per thread, reused from file to file: fresh 6 MB buffers cost more in
            // page faults than reading the files does.
            thread_local! {
                static FILE: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
                static MAP: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
            }
            FILE.with_borrow_mut(|bytes| {
                MAP.with_borrow_mut(|map_buf| {
                    if source.read_into(&f.path, bytes).is_err() {
                        // Ingest or the size pass has reported it; the bytes still add up.
                        let mut share = bucket_share(UNMAPPED_BUCKET, f.size);
                        if shares.compressed {
                            share.gzip = sizes.gzip;
                            share.brotli = sizes.brotli;
                        }
                        let attribution = FileAttribution {
                            map: MapStatus::Unusable,
                            modules: vec![share],
                        };
                        return (attribution, Vec::new());
                    }
                    let map = map_input(source, build, f, bytes, map_buf, max_map_bytes);
                    attribute(&f.path, bytes, map, &sizes, shares)
                })
            })
        },
    );
    let by_key: BTreeMap<Key, &Attributed> = jobs
        .iter()
        .map(|f| (f.hash.as_str(), f.source_map.as_deref()))
        .zip(&done)
        .collect();
    let mut out = BTreeMap::new();
    for f in files {
        let (a, _) = by_key[&(f.hash.as_str(), f.source_map.as_deref())];
        out.insert(f.path.clone(), a.clone());
    }
    let mut diagnostics: Vec<Diagnostic> = done.into_iter().flat_map(|(_, d)| d).collect();
    diagnostics.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    (out, diagnostics)
}

fn bucket_share(name: &str, raw: u64) -> ModuleShare {
    ModuleShare {
        source: name.to_owned(),
        package: None,
        version: None,
        install: None,
        raw,
        gzip: None,
        brotli: None,
        method: None,
    }
}

/// The map of a file: the one ingest linked, or an inline `data:` URL.
fn map_input<'a>(
    source: &dyn FileSource,
    build: &Build,
    f: &File,
    bytes: &[u8],
    buf: &'a mut Vec<u8>,
    max_map_bytes: u64,
) -> MapInput<'a> {
    let too_large = |size: u64| {
        MapInput::Unavailable(Some(
            Diagnostic::warning(
                Code::MapTooLarge,
                format!(
                    "source map is {size} bytes, over the {max_map_bytes}-byte limit; the file is attributed as (unmapped)"
                ),
            )
            .at(f.path.clone())
            .hint("raise the limit if the map is genuine"),
        ))
    };
    if let Some(map) = &f.source_map {
        let size = build.file(map).map_or(0, |m| m.size);
        if size > max_map_bytes {
            return too_large(size);
        }
        return match source.read_into(map, buf) {
            Ok(()) if buf.len() as u64 > max_map_bytes => too_large(buf.len() as u64),
            Ok(()) => MapInput::Bytes(buf),
            Err(e) => MapInput::Unavailable(Some(
                Diagnostic::warning(
                    Code::InputUnreadable,
                    format!("cannot read its source map `{map}`: {e}; the file is attributed as (unmapped)"),
                )
                .at(f.path.clone()),
            )),
        };
    }
    let comment = distill_scan::map_url::find(bytes);
    match comment.as_ref().and_then(|c| c.url(bytes)) {
        Some(url) if url.starts_with("data:") => {
            if url.len() as u64 > max_map_bytes.saturating_mul(2) {
                return too_large(url.len() as u64);
            }
            match distill_scan::data_url::decode(url) {
                Ok(b) => {
                    *buf = b;
                    MapInput::Bytes(buf)
                }
                Err(e) => MapInput::Unavailable(Some(
                    Diagnostic::warning(
                        Code::MapMalformed,
                        format!("inline source map cannot be decoded: {e}; the file is attributed as (unmapped)"),
                    )
                    .at(f.path.clone()),
                )),
            }
        }
        // Missing or outside the build: ingest has said so.
        _ => MapInput::None,
    }
}

fn compressed_shares(
    bytes: &[u8],
    buckets: &[Bucket],
    shares: &mut [ModuleShare],
    sizes: &Sizes,
    shares_of: &Shares,
) {
    let total_raw: u64 = buckets.iter().map(|b| b.raw).sum();
    let measured: Vec<bool> = buckets
        .iter()
        .map(|b| {
            buckets.len() == 1
                || (b.raw >= MEASURE_MIN
                    && (b.raw >= MEASURE_ALWAYS || b.raw * MEASURE_MIN_SHARE >= total_raw))
        })
        .collect();
    let mut any = false;
    for encoding in [Encoding::Gzip, Encoding::Brotli] {
        let Some(total) = sizes.get(encoding) else {
            continue;
        };
        any = true;
        let settings = shares_of.settings.proxy();
        let weights = if buckets.len() == 1 {
            vec![1.0]
        } else {
            let overhead = compressed_len(encoding, b"", &settings).unwrap_or(0);
            let lens = blob_lens(
                encoding,
                bytes,
                buckets,
                &measured,
                &settings,
                shares_of.cache,
            );
            let net = |n: u64| n.saturating_sub(overhead).max(1) as f64;
            let mut lens = lens.into_iter();
            let mut weights = vec![0.0; buckets.len()];
            for (i, _) in buckets.iter().enumerate().filter(|(i, _)| measured[*i]) {
                weights[i] = net(lens.next().unwrap_or(0));
            }
            let rest_raw: u64 = buckets
                .iter()
                .zip(&measured)
                .filter(|(_, m)| !**m)
                .map(|(b, _)| b.raw)
                .sum();
            if rest_raw > 0 {
                let rest_weight = net(lens.next().unwrap_or(0));
                for (i, b) in buckets.iter().enumerate() {
                    if !measured[i] {
                        weights[i] = rest_weight * b.raw as f64 / rest_raw as f64;
                    }
                }
            }
            weights
        };
        for (share, n) in shares.iter_mut().zip(scale(&weights, total)) {
            match encoding {
                Encoding::Gzip => share.gzip = Some(n),
                _ => share.brotli = Some(n),
            }
        }
    }
    if any {
        for (share, m) in shares.iter_mut().zip(measured) {
            share.method = Some(if m {
                ShareMethod::Measured
            } else {
                ShareMethod::Proportional
            });
        }
    }
}

/// The compressed lengths, at the proxy settings, of each measured bucket's bytes (in bucket
/// order) and then of all the other buckets' bytes together (when there are any). Cached as one
/// entry per file, keyed by the file's bytes and how the map cut them, so a warm run of an
/// unchanged build reads one small entry per file and encoding and compresses nothing.
fn blob_lens(
    encoding: Encoding,
    bytes: &[u8],
    buckets: &[Bucket],
    measured: &[bool],
    settings: &Settings,
    cache: Option<&Cache>,
) -> Vec<u64> {
    let mut blobs: Vec<Vec<(usize, usize)>> = buckets
        .iter()
        .zip(measured)
        .filter(|(_, m)| **m)
        .map(|(b, _)| b.ranges.clone())
        .collect();
    let mut rest: Vec<(usize, usize)> = buckets
        .iter()
        .zip(measured)
        .filter(|(_, m)| !**m)
        .flat_map(|(b, _)| b.ranges.iter().copied())
        .collect();
    if !rest.is_empty() {
        rest.sort_unstable();
        blobs.push(rest);
    }
    let compute = || -> Vec<u64> {
        blobs
            .iter()
            .map(|ranges| {
                let data = gather(bytes, ranges);
                compressed_len(encoding, &data, settings).unwrap_or(data.len() as u64)
            })
            .collect()
    };
    let Some(cache) = cache.filter(|c| c.is_enabled()) else {
        return compute();
    };
    let mut key = Sha256::new();
    key.update(Sha256::digest(bytes));
    for ranges in &blobs {
        key.update((ranges.len() as u64).to_le_bytes());
        for &(a, b) in ranges {
            key.update((a as u64).to_le_bytes());
            key.update((b as u64).to_le_bytes());
        }
    }
    let key: String = key.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let count = blobs.len();
    if let Some(entry) = cache.bytes(&key, (count * 8) as u64, encoding, settings)
        && entry.len() == count * 8
    {
        let lens: Vec<u64> = entry
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        // A length can never exceed its bytes by more than the encoder's framing.
        let plausible = lens
            .iter()
            .zip(&blobs)
            .all(|(n, r)| *n <= r.iter().map(|(a, b)| (b - a) as u64).sum::<u64>() * 2 + 1024);
        if plausible {
            return lens;
        }
    }
    let lens = compute();
    let entry: Vec<u8> = lens.iter().flat_map(|n| n.to_le_bytes()).collect();
    cache.put_bytes(&key, encoding, settings, &entry);
    lens
}

fn gather(bytes: &[u8], ranges: &[(usize, usize)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ranges.iter().map(|r| r.1 - r.0).sum());
    for &(a, b) in ranges {
        out.extend_from_slice(&bytes[a..b]);
    }
    out
}

/// Integers proportional to `weights` that add up to `total` exactly (largest remainder; ties
/// go to the earlier weight, so the result does not depend on thread timing).
fn scale(weights: &[f64], total: u64) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        let mut out = vec![0; weights.len()];
        if let Some(first) = out.first_mut() {
            *first = total;
        }
        return out;
    }
    let exact: Vec<f64> = weights.iter().map(|w| w / sum * total as f64).collect();
    let mut out: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let assigned: u64 = out.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut left = total.saturating_sub(assigned);
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(raw: u64) -> Sizes {
        Sizes {
            raw,
            ..Sizes::default()
        }
    }

    fn run(code: &str, map: &str) -> (FileAttribution, Vec<Diagnostic>) {
        attribute(
            "a.js",
            code.as_bytes(),
            MapInput::Bytes(map.as_bytes()),
            &sizes(code.len() as u64),
            &Shares::uncached(false),
        )
    }

    fn raw_of(a: &FileAttribution) -> Vec<(&str, u64)> {
        let mut v: Vec<(&str, u64)> = a
            .modules
            .iter()
            .map(|m| (m.source.as_str(), m.raw))
            .collect();
        v.sort_unstable();
        v
    }

    #[track_caller]
    fn total(a: &FileAttribution, len: usize) {
        assert_eq!(a.modules.iter().map(|m| m.raw).sum::<u64>(), len as u64);
    }

    #[test]
    fn segments_cover_to_the_next_and_lines_keep_their_breaks() {
        // Line 1: "abc" unmapped-before? no: a.js at 0..2, b.js from 2 to the end of the line with
        // its "\n"; line 2: unmapped before column 1, then a.js; then the comment.
        let code = "abcd\nxyz\n//# sourceMappingURL=a.js.map\n";
        let map =
            r#"{"version":3,"sources":["../src/a.js","../src/b.js"],"mappings":"AAAA,ECAA;CDAA"}"#;
        let (a, d) = run(code, map);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(a.map, MapStatus::Mapped);
        assert_eq!(
            raw_of(&a),
            [
                ("(sourceMappingURL)", 30),
                ("(unmapped)", 1),
                ("src/a.js", 5),
                ("src/b.js", 3)
            ]
        );
        total(&a, code.len());
        let m = a.modules.iter().find(|m| m.source == "src/a.js").unwrap();
        assert_eq!(m.package.as_deref(), Some("(app) src"));
    }

    #[test]
    fn utf16_columns_become_byte_offsets() {
        // "é" is 2 bytes / 1 unit, "😀" 4 bytes / 2 units, CRLF line break.
        let code = "é😀x=1;y\r\nz";
        // Segments at units 0 (a), 3 (b: "x=1;"), 7 (a: "y\r\n"); line 2 unmapped.
        let map = r#"{"version":3,"sources":["a","b"],"mappings":"AAAA,GCAA,IDAA"}"#;
        let (a, d) = run(code, map);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(raw_of(&a), [("(unmapped)", 1), ("a", 6 + 3), ("b", 4)]);
        total(&a, code.len());
    }

    #[test]
    fn files_without_maps_are_one_bucket() {
        let (a, _) = attribute(
            "p.js",
            b"polyfill();",
            MapInput::None,
            &sizes(11),
            &Shares::uncached(false),
        );
        assert_eq!(a.map, MapStatus::NoMap);
        assert_eq!(raw_of(&a), [("(no source map)", 11)]);
        // A comment whose map cannot be had: unmapped plus the comment.
        let code = b"x();\n//# sourceMappingURL=gone.map";
        let (a, _) = attribute(
            "p.js",
            code,
            MapInput::Unavailable(None),
            &sizes(0),
            &Shares::uncached(false),
        );
        assert_eq!(a.map, MapStatus::Unusable);
        assert_eq!(raw_of(&a), [("(sourceMappingURL)", 29), ("(unmapped)", 5)]);
    }

    #[test]
    fn bad_maps_leave_the_file_unmapped_with_a_code() {
        let code = "abc\n//# sourceMappingURL=a.js.map";
        let many = format!(
            r#"{{"version":3,"sources":["a"],"mappings":"AAAA{}"}}"#,
            ",A".repeat(20_000)
        );
        let cases = [
            ("{", Code::MapMalformed),
            (r#"{"version":3,"mappings":"AAAA"}"#, Code::MapMalformed),
            (
                r#"{"version":3,"sources":["a"],"mappings":"A$AA"}"#,
                Code::MapMalformed,
            ),
            (
                r#"{"version":3,"sources":["a"],"mappings":"AEAA"}"#,
                Code::MapOutOfRange,
            ),
            (
                r#"{"version":3,"sources":["a"],"names":["n"],"mappings":"AAAAC"}"#,
                Code::MapOutOfRange,
            ),
            (
                r#"{"version":3,"file":"b.js","sources":["a"],"mappings":"AAAA"}"#,
                Code::MapMismatch,
            ),
            // Most mappings past the end of line 1 (3 bytes).
            (
                r#"{"version":3,"sources":["a"],"mappings":"IAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA,CAAA"}"#,
                Code::MapMismatch,
            ),
            // Far more mappings than the file has bytes.
            (many.as_str(), Code::MapMismatch),
            // More lines than the file.
            (
                r#"{"version":3,"sources":["a"],"mappings":"AAAA;;;AAAA"}"#,
                Code::MapMismatch,
            ),
        ];
        for (map, code_) in cases {
            let (a, d) = run(code, map);
            assert_eq!(d.len(), 1, "{map}");
            assert_eq!(d[0].code, code_, "{map}: {}", d[0]);
            assert_eq!(d[0].path.as_deref(), Some("a.js"));
            assert_eq!(a.map, MapStatus::Unusable);
            assert_eq!(
                raw_of(&a),
                [("(sourceMappingURL)", 29), ("(unmapped)", 4)],
                "{map}"
            );
        }
        // A stray column past the end covers nothing.
        let (a, d) = run(
            code,
            r#"{"version":3,"sources":["a"],"mappings":"AAAA,IAAA"}"#,
        );
        assert!(d.is_empty());
        assert_eq!(raw_of(&a), [("(sourceMappingURL)", 29), ("a", 4)]);
        // A matching `file` is fine, with or without a folder.
        let (a, d) = run(
            code,
            r#"{"version":3,"file":"static/a.js","sources":["a"],"mappings":"AAAA"}"#,
        );
        assert!(d.is_empty());
        assert_eq!(a.map, MapStatus::Mapped);
    }

    #[test]
    fn whole_builds_in_memory_and_the_map_size_limit() {
        use distill_fs::MemSource;
        use distill_ingest::ingest;
        let map = r#"{"version":3,"sources":["../src/a.js"],"mappings":"AAAA"}"#;
        let src = MemSource::new()
            .with("a.js", "a();\n//# sourceMappingURL=a.js.map\n")
            .with("a.js.map", map)
            .with("b.js", "a();\n//# sourceMappingURL=b.js.map\n")
            .with("b.js.map", map)
            .with("c.css", "a{}");
        let build = ingest(&src).unwrap().build;
        let sizes = BTreeMap::new();
        let (files, d) = attribute_build(&src, &build, &sizes, &Shares::uncached(false), 1 << 20);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(files.len(), 3);
        assert_eq!(
            raw_of(&files["a.js"]),
            [("(sourceMappingURL)", 30), ("src/a.js", 5)]
        );
        assert_eq!(raw_of(&files["c.css"]), [("(no source map)", 3)]);
        // Over the limit: not read, said so, attributed as unmapped.
        let (files, d) = attribute_build(&src, &build, &sizes, &Shares::uncached(false), 10);
        assert_eq!(d.len(), 2);
        assert!(d.iter().all(|d| d.code == Code::MapTooLarge), "{d:?}");
        assert_eq!(
            raw_of(&files["b.js"]),
            [("(sourceMappingURL)", 30), ("(unmapped)", 5)]
        );
    }

    #[test]
    fn index_maps_attribute_per_section() {
        let code = "a{}b{}\nc{}\n/*# sourceMappingURL=x.css.map*/";
        let map = r#"{"version":3,"sources":[],"sections":[
            {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["turbopack:///[project]/app/a.css"],"mappings":"AAAA"}},
            {"offset":{"line":0,"column":3},"map":{"version":3,"sources":["turbopack:///[project]/app/b.css"],"mappings":"AAAA;AAAA"}}]}"#;
        let (a, d) = run(code, map);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(
            raw_of(&a),
            [
                ("(sourceMappingURL)", 32),
                ("app/a.css", 3),
                ("app/b.css", 8)
            ]
        );
    }

    #[test]
    fn mangled_maps_never_panic_and_always_add_up() {
        let code = "const é = 1;\r\nfunction f(){return é+2}\n\n//# sourceMappingURL=a.js.map\n";
        let good = r#"{"version":3,"file":"a.js","sources":["../src/a.js","../node_modules/x/i.js"],"names":["é","f"],"mappings":"AAAAA,MAAM,EAAEC;AACN,SCAA,WAAW;;"}"#;
        let (a, d) = run(code, good);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(a.map, MapStatus::Mapped);
        let alphabet = br#"AZaz09+/,;{}[]":\ CDgh"#;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for _ in 0..3000 {
            let mut map = good.as_bytes().to_vec();
            for _ in 0..=next(4) {
                let at = next(map.len());
                match next(3) {
                    0 => map[at] = alphabet[next(alphabet.len())],
                    1 => {
                        map.remove(at);
                    }
                    _ => map.insert(at, alphabet[next(alphabet.len())]),
                }
            }
            let (a, _) = attribute(
                "a.js",
                code.as_bytes(),
                MapInput::Bytes(&map),
                &sizes(code.len() as u64),
                &Shares::uncached(false),
            );
            total(&a, code.len());
        }
    }

    #[test]
    fn scaling_adds_up_exactly() {
        assert_eq!(scale(&[1.0, 1.0, 1.0], 10), [4, 3, 3]);
        assert_eq!(scale(&[0.0, 0.0], 7), [7, 0]);
        assert_eq!(scale(&[3.0, 1.0], 0), [0, 0]);
        let s = scale(&[0.1, 5.5, 1e-9, 7.0], 12345);
        assert_eq!(s.iter().sum::<u64>(), 12345);
    }

    #[test]
    fn measured_shares_follow_compressibility() {
        // 40 KB of repetitive text and 40 KB of noise: raw halves, compressed very unequal.
        let mut code = "let a = 'hello hello';\n".repeat(1800);
        let split_line = code.matches('\n').count();
        let mut x: u32 = 1;
        let mut noise = String::new();
        while noise.len() < 40_000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            noise.push(char::from(b'!' + ((x >> 16) % 90) as u8));
        }
        code.push_str(&noise);
        let mut mappings = "AAAA;".repeat(split_line);
        mappings.push_str("ACAA");
        let map =
            format!(r#"{{"version":3,"sources":["text.js","noise.js"],"mappings":"{mappings}"}}"#);
        let settings = Settings::default();
        let file_sizes = Sizes {
            raw: code.len() as u64,
            gzip: Some(compressed_len(Encoding::Gzip, code.as_bytes(), &settings).unwrap()),
            brotli: Some(compressed_len(Encoding::Brotli, code.as_bytes(), &settings).unwrap()),
            zstd: None,
        };
        let (a, d) = attribute(
            "a.js",
            code.as_bytes(),
            MapInput::Bytes(map.as_bytes()),
            &file_sizes,
            &Shares::uncached(true),
        );
        assert!(d.is_empty(), "{d:?}");
        let text = a.modules.iter().find(|m| m.source == "text.js").unwrap();
        let noise = a.modules.iter().find(|m| m.source == "noise.js").unwrap();
        assert_eq!(text.method, Some(ShareMethod::Measured));
        assert!(noise.gzip.unwrap() > 10 * text.gzip.unwrap(), "{a:?}");
        assert!(noise.brotli.unwrap() > 10 * text.brotli.unwrap(), "{a:?}");
        for (e, total) in [
            (Encoding::Gzip, file_sizes.gzip),
            (Encoding::Brotli, file_sizes.brotli),
        ] {
            let sum: u64 = a.modules.iter().map(|m| m.sizes().get(e).unwrap()).sum();
            assert_eq!(Some(sum), total, "{e:?}");
        }
    }
}
