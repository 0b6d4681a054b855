//! The images stage: every image of the build (and, for Next.js, of `public/`) through
//! [`distill_images::optimize`], which replaces a file only with verified, smaller bytes
//! (pixel-identical for the lossless modes) and writes WebP/AVIF siblings when asked.
//!
//! Work runs largest first on every core within a memory budget: each image reserves what its
//! header says decoding it will take ([`distill_images::memory_estimate`]) before it starts, so a
//! 30-megapixel photo and twenty other images at once stay within the budget. Results are cached
//! by content hash and options.

use crate::Context;
use crate::compress::hex;
use distill_compress::batch::largest_first;
use distill_fs::FileSource;
use distill_graph::{Code, Diagnostic, FileKind};
use distill_images::{KeepReason, Method, Outcome, Verdict};
use distill_schema::{Action, FileChange, Stage, StageReport};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Condvar, Mutex};

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub images: distill_images::Options,
    /// Bytes of memory all images decoded at once may take (default 1.5 GiB).
    pub memory_budget: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            images: distill_images::Options::default(),
            memory_budget: 1536 << 20,
        }
    }
}

/// A counting semaphore over bytes of memory.
pub(crate) struct Budget {
    free: Mutex<u64>,
    freed: Condvar,
    total: u64,
}

impl Budget {
    pub(crate) fn new(total: u64) -> Budget {
        Budget {
            free: Mutex::new(total),
            freed: Condvar::new(),
            total,
        }
    }

    /// Waits until `want` bytes (at most the whole budget) are free and takes them.
    pub(crate) fn take(&self, want: u64) -> u64 {
        let want = want.min(self.total);
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while *free < want {
            free = self
                .freed
                .wait(free)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        *free -= want;
        want
    }

    pub(crate) fn give(&self, n: u64) {
        let mut free = self
            .free
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *free = (*free + n).min(self.total);
        self.freed.notify_all();
    }
}

struct Job {
    path: String,
    hash: String,
    bytes: Vec<u8>,
}

/// What an outcome is stored as in the cache: its JSON (the bytes are not in it), then the
/// replacement's bytes and each sibling's, lengths from the JSON.
fn encode(outcome: &Outcome) -> Option<Vec<u8>> {
    let json = serde_json::to_vec(outcome).ok()?;
    let mut out = Vec::with_capacity(json.len() + 8);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    if let Verdict::Replaced(r) = &outcome.verdict {
        out.extend_from_slice(&r.bytes);
    }
    for s in &outcome.siblings {
        out.extend_from_slice(&s.bytes);
    }
    Some(out)
}

fn decode(entry: &[u8]) -> Option<Outcome> {
    let (len, rest) = entry.split_at_checked(8)?;
    let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
    let (json, mut rest) = rest.split_at_checked(len)?;
    let mut outcome: Outcome = serde_json::from_slice(json).ok()?;
    let mut take = |n: u64| -> Option<Vec<u8>> {
        let (bytes, tail) = rest.split_at_checked(usize::try_from(n).ok()?)?;
        rest = tail;
        Some(bytes.to_vec())
    };
    if let Verdict::Replaced(r) = &mut outcome.verdict {
        r.bytes = take(r.len)?;
    }
    for s in &mut outcome.siblings {
        s.bytes = take(s.len)?;
    }
    rest.is_empty().then_some(outcome)
}

fn method_words(m: &Method) -> String {
    match m {
        Method::PngLossless { level } => {
            format!("PNG recompressed losslessly (oxipng level {level})")
        }
        Method::JpegLossless { progressive } => format!(
            "JPEG transcoded losslessly ({} Huffman tables)",
            if *progressive {
                "progressive, optimized"
            } else {
                "optimized"
            }
        ),
        Method::JpegLossy {
            quality,
            ssim,
            min_ssim,
        } => format!("JPEG at quality {quality}: SSIM {ssim:.4} ≥ {min_ssim}"),
        Method::SvgMinified { preset } => format!("SVG minified ({preset}), same pixels"),
    }
}

/// The stage's report; siblings and replacements are written into the overlay.
pub(crate) fn run(ctx: &mut Context, options: &Options) -> StageReport {
    let key_options = options.images.cache_key();
    let mut jobs = Vec::new();
    for f in ctx.build.files.iter().filter(|f| f.kind == FileKind::Image) {
        match ctx.overlay.read(&f.path) {
            Ok(bytes) => {
                let hash = hex(&Sha256::digest(&bytes));
                jobs.push(Job {
                    path: f.path.clone(),
                    hash,
                    bytes,
                });
            }
            Err(e) => ctx.diagnostics.push(
                Diagnostic::warning(
                    Code::InputUnreadable,
                    format!("cannot read: {e}; not optimized"),
                )
                .at(f.path.clone()),
            ),
        }
    }
    let budget = Budget::new(options.memory_budget);
    let (cache, progress) = (ctx.cache, ctx.progress);
    let total: u64 = jobs.iter().map(|j| j.bytes.len() as u64).sum();
    progress.begin("images", total);
    let outcomes: Vec<Outcome> = largest_first(
        &jobs,
        |j| j.bytes.len() as u64,
        |j| {
            let key = hex(&Sha256::digest(
                format!("{}\n{key_options}", j.hash).as_bytes(),
            ));
            let limit = (j.bytes.len() as u64)
                .saturating_mul(8)
                .saturating_add(1 << 20);
            if let Some(done) = cache.blob("images", &key, limit).and_then(|e| decode(&e)) {
                progress.advance(j.bytes.len() as u64);
                return Outcome {
                    path: j.path.clone(),
                    ..done
                };
            }
            let reserved = budget.take(distill_images::memory_estimate(&j.bytes));
            let outcome = distill_images::optimize(&j.path, &j.bytes, &options.images);
            budget.give(reserved);
            if let Some(entry) = encode(&outcome) {
                cache.put_blob("images", &key, &entry);
            }
            progress.advance(j.bytes.len() as u64);
            outcome
        },
    );
    progress.end();

    let existing: BTreeSet<&str> = ctx.build.files.iter().map(|f| f.path.as_str()).collect();
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    let mut changes = Vec::new();
    for outcome in outcomes {
        ctx.diagnostics.extend(outcome.diagnostics.iter().cloned());
        let change = |action, after, written: Option<String>, reason: String| FileChange {
            path: outcome.path.clone(),
            written,
            encoding: None,
            action,
            before: outcome.original_len,
            after,
            reason: Some(reason),
        };
        match &outcome.verdict {
            Verdict::Replaced(r) => {
                ctx.overlay.write(&outcome.path, r.bytes.clone());
                changes.push(change(
                    Action::Replaced,
                    r.len,
                    None,
                    method_words(&r.method),
                ));
            }
            Verdict::Kept(reason) => {
                let words = match reason {
                    KeepReason::NotSmaller => "not smaller after lossless optimization".to_owned(),
                    other => other.to_string(),
                };
                changes.push(change(Action::Kept, outcome.original_len, None, words));
            }
        }
        for s in &outcome.siblings {
            // A sibling never replaces a file of the build, nor another image's sibling
            // (`hero.png` and `hero.jpg` would both make `hero.webp`).
            if existing.contains(s.path.as_str()) {
                ctx.diagnostics.push(
                    Diagnostic::info(
                        Code::ImageSiblingFailed,
                        format!(
                            "`{}` already exists in the build; the {} sibling is not written",
                            s.path,
                            s.format.extension()
                        ),
                    )
                    .at(outcome.path.clone()),
                );
                continue;
            }
            if let Some(first) = claimed.get(&s.path) {
                ctx.diagnostics.push(
                    Diagnostic::warning(
                        Code::ImageSiblingFailed,
                        format!("`{}` would be the sibling of both `{first}` and this file; only the first is written", s.path),
                    )
                    .at(outcome.path.clone())
                    .hint("rename one of the two images so their siblings differ"),
                );
                continue;
            }
            claimed.insert(s.path.clone(), outcome.path.clone());
            ctx.overlay.write(&s.path, s.bytes.clone());
            let how = match s.quality {
                Some(q) => format!("{} sibling at quality {q}", s.format.extension()),
                None => format!("{} sibling, lossless", s.format.extension()),
            };
            changes.push(FileChange {
                path: outcome.path.clone(),
                written: Some(s.path.clone()),
                encoding: None,
                action: Action::Written,
                before: outcome.final_len(),
                after: s.len,
                reason: Some(how),
            });
        }
    }
    changes.sort_by(|a, b| (&a.path, a.action, &a.written).cmp(&(&b.path, b.action, &b.written)));
    StageReport {
        stage: Stage::Images,
        settings: describe(&options.images),
        changes,
        advice: Vec::new(),
        notes: Vec::new(),
    }
}

fn describe(o: &distill_images::Options) -> String {
    let mut parts = vec![
        format!("PNG lossless at oxipng level {}", o.png_level),
        "JPEG lossless (optimized Huffman tables, progressive when smaller)".to_owned(),
        "SVG minified only when it renders the same pixels".to_owned(),
        format!(
            "metadata: {}",
            match o.strip {
                distill_images::Strip::Safe => "colour profiles and orientation kept",
                distill_images::Strip::All => "all stripped but orientation",
            }
        ),
    ];
    if let Some(q) = o.jpeg_quality {
        parts.push(format!(
            "lossy JPEG at quality {q} when SSIM ≥ {}",
            o.jpeg_min_ssim
        ));
    }
    if !o.formats.is_empty() {
        let names: Vec<&str> = o.formats.iter().map(|f| f.extension()).collect();
        parts.push(format!("siblings: {}", names.join(", ")));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_never_hands_out_more_than_it_has() {
        let budget = Budget::new(100);
        assert_eq!(
            budget.take(500),
            100,
            "an image larger than the budget runs alone"
        );
        budget.give(100);
        let a = budget.take(60);
        let waited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        std::thread::scope(|s| {
            let (budget, flag) = (&budget, waited.clone());
            s.spawn(move || {
                let b = budget.take(60);
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                budget.give(b);
            });
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(
                !waited.load(std::sync::atomic::Ordering::SeqCst),
                "60 + 60 > 100: it waits"
            );
            budget.give(a);
        });
        assert!(waited.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[test]
    fn cached_outcomes_round_trip() {
        let outcome = Outcome {
            path: "a.png".into(),
            format: distill_images::Format::Png,
            dimensions: None,
            original_len: 10,
            verdict: Verdict::Replaced(distill_images::Replacement {
                bytes: vec![1, 2, 3],
                len: 3,
                method: Method::PngLossless { level: 2 },
            }),
            lossy: None,
            siblings: vec![distill_images::Sibling {
                format: distill_images::SiblingFormat::Webp,
                path: "a.webp".into(),
                bytes: vec![9, 9],
                len: 2,
                lossless: true,
                quality: None,
            }],
            diagnostics: Vec::new(),
        };
        let back = decode(&encode(&outcome).unwrap()).unwrap();
        assert_eq!(back, outcome);
        let mut cut = encode(&outcome).unwrap();
        cut.pop();
        assert!(decode(&cut).is_none(), "a truncated entry is a miss");
    }
}
