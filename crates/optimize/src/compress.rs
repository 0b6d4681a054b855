//! The compress stage: `.gz`, `.br` and `.zst` copies beside each file worth compressing, at the
//! highest levels every browser decodes, so servers that serve precompressed files (nginx
//! `gzip_static`/`brotli_static`, Caddy `precompressed`, static hosts) send the smallest bytes
//! at no cost per request.
//!
//! - gzip: libdeflate level 12 (never larger than `gzip -9`; zopfli is 0.7% smaller at 1/20 the
//!   speed); brotli: quality 11, window 2^24; zstd: level 19, window 2^23 with long-distance
//!   matching (a larger window is refused by browsers).
//! - Skipped: files under `min_size`, formats that are compressed already (images, WOFF fonts,
//!   media, archives), source maps unless asked, and any copy that saves less than
//!   `min_saving` of the file.
//! - Every copy is decoded again and compared with its file before it is kept.
//! - A copy already beside a file that does not decode to it (stale: written for an earlier
//!   build) is replaced, or removed when no new one is worth writing.

use crate::Context;
use distill_compress::Settings;
use distill_compress::batch::{Batch, Compressed, Request};
use distill_fs::FileSource;
use distill_graph::{Code, Diagnostic, Encoding, File, FileKind, Sibling, sent_as_is};
use distill_schema::{Action, FileChange, Stage, StageReport, format_bytes};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The copies to write (any of gzip, brotli, zstd).
    pub encodings: Vec<Encoding>,
    /// Files smaller than this are left alone (default 1 KiB).
    pub min_size: u64,
    /// A copy is written only when it saves at least this fraction of the file (default 0.10).
    pub min_saving: f64,
    /// Also precompress source maps (for servers that send them to developer tools).
    pub include_maps: bool,
    pub settings: Settings,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            encodings: vec![Encoding::Gzip, Encoding::Brotli, Encoding::Zstd],
            min_size: 1024,
            min_saving: 0.10,
            include_maps: false,
            // The highest levels every browser decodes, and the settings analysis measures
            // with: a computed size is the size of the copy written.
            settings: Settings::default(),
        }
    }
}

impl Options {
    fn describe(&self) -> String {
        let encoders: Vec<String> = self
            .encodings
            .iter()
            .map(|&e| {
                let info = self.settings.describe(e);
                format!(
                    "{} {} level {}{}",
                    e.sibling_extension().unwrap_or("raw"),
                    info.encoder,
                    info.level.unwrap_or(0),
                    info.window_log
                        .map(|w| format!(" window 2^{w}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        format!(
            "{}; files of {} or more saving at least {:.0}%{}",
            encoders.join(", "),
            size_words(self.min_size),
            self.min_saving * 100.0,
            if self.include_maps {
                ", source maps included"
            } else {
                ""
            }
        )
    }
}

/// A file to compress, as it stands after earlier stages.
struct Candidate<'a> {
    file: &'a File,
    hash: String,
    size: u64,
}

/// The stage's report, and every compressed length it measured by (content hash, encoding).
pub(crate) fn run(
    ctx: &mut Context,
    options: &Options,
) -> (StageReport, BTreeMap<(String, Encoding), u64>) {
    let mut changes = Vec::new();
    let mut candidates = Vec::new();
    for f in &ctx.build.files {
        let wanted = if f.kind == FileKind::Map {
            options.include_maps
        } else {
            f.kind.is_payload()
        };
        if !wanted {
            continue;
        }
        let (hash, size) = match ctx.overlay.written(&f.path) {
            Some(bytes) => (hex(&Sha256::digest(bytes)), bytes.len() as u64),
            None => (f.hash.clone(), f.size),
        };
        let kept = |reason: String| FileChange {
            path: f.path.clone(),
            written: None,
            encoding: None,
            action: Action::Kept,
            before: size,
            after: size,
            reason: Some(reason),
        };
        if sent_as_is(&f.path) {
            changes.push(kept("sent as is: its format is compressed already".into()));
        } else if size < options.min_size {
            changes.push(kept(format!("under {}", size_words(options.min_size))));
        } else if hash.is_empty() {
            // Source maps are never hashed at ingest.
            match ctx.overlay.read(&f.path) {
                Ok(bytes) => candidates.push(Candidate {
                    file: f,
                    hash: hex(&Sha256::digest(&bytes)),
                    size,
                }),
                Err(e) => ctx.diagnostics.push(unreadable(&f.path, &e.to_string())),
            }
        } else {
            candidates.push(Candidate {
                file: f,
                hash,
                size,
            });
        }
    }

    let requests: Vec<Request> = candidates
        .iter()
        .map(|c| Request {
            hash: &c.hash,
            path: &c.file.path,
            size: c.size,
            encodings: options.encodings.clone(),
        })
        .collect();
    let mut batch = Batch::new(options.settings);
    batch.cache = ctx.cache.clone();
    batch.keep = true;
    batch.progress = ctx.progress;
    let overlay: &dyn FileSource = &*ctx.overlay;
    let outcomes = batch.run(&requests, &|path| overlay.read(path));

    let mut writes: Vec<(String, Compressed)> = Vec::new();
    let mut removals: Vec<String> = Vec::new();
    for c in &candidates {
        let existing: BTreeMap<Encoding, &Sibling> =
            c.file.siblings.iter().map(|s| (s.encoding, s)).collect();
        let original = match ctx.overlay.read(&c.file.path) {
            Ok(b) => b,
            Err(e) => {
                ctx.diagnostics
                    .push(unreadable(&c.file.path, &e.to_string()));
                continue;
            }
        };
        for &encoding in &options.encodings {
            let Some(sibling) = Sibling::path_for(&c.file.path, encoding) else {
                continue;
            };
            let change = |action, after, reason: Option<String>| FileChange {
                path: c.file.path.clone(),
                written: Some(sibling.clone()),
                encoding: Some(encoding),
                action,
                before: c.size,
                after,
                reason,
            };
            let result = match outcomes.get(&c.hash, encoding) {
                Some(Ok(r)) => r,
                Some(Err(e)) => {
                    ctx.diagnostics.push(
                        Diagnostic::warning(
                            Code::OptimizeCompressFailed,
                            format!("no {} copy written: {e}", encoding.as_str()),
                        )
                        .at(c.file.path.clone()),
                    );
                    continue;
                }
                None => continue,
            };
            let worth = (result.len as f64) <= (c.size as f64) * (1.0 - options.min_saving);
            let sound = result.bytes.as_ref().is_some_and(|b| {
                distill_compress::decode(encoding, b, c.size).is_ok_and(|plain| plain == original)
            });
            if worth && sound {
                writes.push((sibling.clone(), result.clone()));
                changes.push(change(Action::Written, result.len, None));
                continue;
            }
            let reason = if sound {
                format!(
                    "saves {:.1}%, under the {:.0}% worth a copy",
                    (1.0 - result.len as f64 / c.size as f64) * 100.0,
                    options.min_saving * 100.0
                )
            } else {
                ctx.diagnostics.push(
                    Diagnostic::error(
                        Code::OptimizeCompressFailed,
                        format!(
                            "the {} copy does not decode to the file; not written",
                            encoding.as_str()
                        ),
                    )
                    .at(c.file.path.clone()),
                );
                "the copy did not decode to the file".into()
            };
            changes.push(change(Action::Kept, c.size, Some(reason)));
            // A copy from before that is not replaced must at least still be this file's.
            if let Some(old) = existing.get(&encoding)
                && !decodes_to(&*ctx.overlay, old, &original)
            {
                removals.push(old.path.clone());
                changes.push(change(
                    Action::Removed,
                    0,
                    Some("a stale copy: it does not decode to the file".into()),
                ));
            }
        }
        // Copies in encodings not asked for stay, unless stale.
        for (encoding, old) in &existing {
            if !options.encodings.contains(encoding) && !decodes_to(&*ctx.overlay, old, &original) {
                removals.push(old.path.clone());
                changes.push(FileChange {
                    path: c.file.path.clone(),
                    written: Some(old.path.clone()),
                    encoding: Some(*encoding),
                    action: Action::Removed,
                    before: c.size,
                    after: 0,
                    reason: Some("a stale copy: it does not decode to the file".into()),
                });
            }
        }
    }
    for (path, result) in writes {
        if let Some(bytes) = result.bytes {
            ctx.overlay.write(&path, bytes);
        }
    }
    for path in removals {
        ctx.overlay.remove(&path);
    }
    changes.sort_by(|a, b| (&a.path, a.encoding, a.action).cmp(&(&b.path, b.encoding, b.action)));
    let measured = if options.settings == Settings::default() {
        outcomes
            .iter()
            .filter_map(|(key, r)| r.as_ref().ok().map(|c| (key.clone(), c.len)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let report = StageReport {
        stage: Stage::Compress,
        settings: options.describe(),
        changes,
        advice: Vec::new(),
        notes: Vec::new(),
    };
    (report, measured)
}

fn decodes_to(source: &dyn FileSource, sibling: &Sibling, original: &[u8]) -> bool {
    source.read(&sibling.path).is_ok_and(|data| {
        distill_compress::decode(sibling.encoding, &data, original.len() as u64)
            .is_ok_and(|plain| plain == original)
    })
}

fn unreadable(path: &str, e: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::InputUnreadable,
        format!("cannot read: {e}; not optimized"),
    )
    .at(path)
    .hint("the file changed or vanished since distill listed the build; run it again")
}

/// `1024` → `1 KiB`, `1000` → `1.00 kB`: thresholds read as they are usually written.
fn size_words(n: u64) -> String {
    if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format_bytes(n)
    }
}

/// Lower-case hex of a digest: the content hashes every stage keys its cache by.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options as Run, optimize};
    use distill_fs::MemSource;

    fn script(n: usize) -> String {
        (0..n)
            .map(|i| format!("export function f{i}(a){{return a*{i}}}\n"))
            .collect()
    }

    #[test]
    fn copies_where_they_pay_and_reasons_where_not() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: Vec<u8> = (0..4000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let src = MemSource::new()
            .with("assets/app.js", script(200))
            .with("assets/tiny.js", "export{}")
            .with("assets/noise.js", noise)
            .with("assets/logo.png", vec![0u8; 5000])
            .with("assets/app.js.map", "{}".repeat(1000));
        let build = distill_ingest::ingest(&src).unwrap().build;
        let done = optimize(&src, &build, &Run::default());
        for ext in ["gz", "br", "zst"] {
            assert!(
                done.overlay
                    .written(&format!("assets/app.js.{ext}"))
                    .is_some(),
                "{ext}"
            );
        }
        let stage = done
            .stages
            .iter()
            .find(|s| s.stage == Stage::Compress)
            .expect("a compress stage");
        assert!(!done.known.is_empty(), "what was measured is handed on");
        let reason = |path: &str| {
            stage
                .changes
                .iter()
                .find(|c| c.path == path && c.action == Action::Kept)
                .and_then(|c| c.reason.clone())
                .unwrap_or_default()
        };
        assert!(reason("assets/tiny.js").starts_with("under"), "{stage:?}");
        assert!(
            reason("assets/noise.js").contains("under the 10%"),
            "{stage:?}"
        );
        assert!(reason("assets/logo.png").starts_with("sent as is"));
        assert!(
            done.overlay.written("assets/app.js.map.br").is_none(),
            "maps unless asked"
        );
        let (before, after) = stage.totals();
        assert!(after * 4 < before, "{before} → {after}");
    }

    #[test]
    fn stale_copies_are_replaced_or_removed() {
        let app = script(200);
        let src = MemSource::new()
            .with("a.js", app.clone())
            .with(
                "a.js.br",
                distill_compress::compress(Encoding::Brotli, b"old build", &Settings::default())
                    .unwrap(),
            )
            .with("b.js", app.clone())
            .with(
                "b.js.gz",
                distill_compress::compress(Encoding::Gzip, b"old", &Settings::default()).unwrap(),
            );
        let build = distill_ingest::ingest(&src).unwrap().build;
        let options = Run {
            compress: Some(Options {
                encodings: vec![Encoding::Brotli],
                ..Options::default()
            }),
            ..Run::default()
        };
        let done = optimize(&src, &build, &options);
        let br = done.overlay.written("a.js.br").unwrap();
        assert_eq!(
            distill_compress::decode(Encoding::Brotli, br, 1 << 20).unwrap(),
            app.as_bytes()
        );
        assert!(!done.overlay.is_file("b.js.gz"), "stale gzip removed");
    }
}
