//! The minify stage: every client script and stylesheet through [`distill_minify`] (oxc, swc or
//! the smaller of both for JS; lightningcss for CSS), replaced only when the result parses again
//! and is smaller by the compression budgets use (brotli unless told otherwise). The file's source
//! map is replaced by the composed one, so positions still point at the original sources.
//!
//! Only client files are touched (`dist/**`, `.next/static/**`; never `.next/server/**`, which
//! ingest leaves out of the build). Next.js chunks are classic scripts sharing one global scope:
//! none of their top-level names is renamed or dropped. Other files are ES modules when they
//! use module syntax, else classic scripts. Work runs largest first on every core within a memory
//! budget, and results are cached by content hash and options.

use crate::Context;
use crate::compress::hex;
use crate::images::Budget;
use distill_compress::Settings;
use distill_compress::batch::{Batch, Compressed, largest_first};
use distill_fs::FileSource;
use distill_graph::{Code, Diagnostic, Encoding, File, FileKind, Framework};
use distill_minify::{CssOptions, JsOptions, ScriptKind};
use distill_schema::{Action, FileChange, Stage, StageReport, format_bytes};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Options {
    pub js: JsOptions,
    pub css: CssOptions,
    /// The compression a result must be smaller by (what budgets measure: brotli by default).
    pub measure: Encoding,
    /// The encoder settings of that measure; the compress stage's, so what is measured here is
    /// what it finds in the cache.
    pub settings: Settings,
    /// Files larger than this are kept as they are (default 32 MiB).
    pub max_bytes: u64,
    /// Bytes of memory all files minified at once may take (default 1.5 GiB), estimated at
    /// [`MEMORY_PER_BYTE`] per byte of input.
    pub memory_budget: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            js: JsOptions::default(),
            css: CssOptions::default(),
            measure: Encoding::Brotli,
            settings: Settings::default(),
            max_bytes: 32 << 20,
            memory_budget: 1536 << 20,
        }
    }
}

/// Peak memory per byte of input while a file is parsed, minified and printed with its map
/// (measured: typescript.js, 9 MB, peaks near 200 MB in oxc and swc; CSS far below).
pub const MEMORY_PER_BYTE: u64 = 24;

/// What one file's minification came to; cached as JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Result_ {
    /// The minified code and its map, when it succeeded.
    code: Option<String>,
    map: Option<String>,
    minifier: String,
    /// Why it failed, or candidates `best` rejected.
    diagnostics: Vec<Diagnostic>,
}

struct Job<'f> {
    file: &'f File,
    /// SHA-256 of `code`.
    hash: String,
    code: String,
    map: Option<String>,
    kind: ScriptKind,
    key: String,
}

/// The stage's report; replacements (and their maps) are written into the overlay.
pub(crate) fn run(
    ctx: &mut Context,
    options: &Options,
) -> (StageReport, BTreeMap<(String, Encoding), u64>) {
    let next = ctx.build.framework.is_some_and(Framework::is_next);
    let mut changes = Vec::new();
    let mut jobs = Vec::new();
    let kept = |f: &File, reason: String| FileChange {
        path: f.path.clone(),
        written: None,
        encoding: None,
        action: Action::Kept,
        before: f.size,
        after: f.size,
        reason: Some(reason),
    };
    for f in &ctx.build.files {
        if !matches!(f.kind, FileKind::Script | FileKind::Stylesheet) {
            continue;
        }
        if f.size > options.max_bytes {
            changes.push(kept(
                f,
                format!(
                    "{} is over the {} minify limit",
                    format_bytes(f.size),
                    format_bytes(options.max_bytes)
                ),
            ));
            continue;
        }
        let code = match ctx.overlay.read(&f.path).map(String::from_utf8) {
            Ok(Ok(code)) => code,
            Ok(Err(_)) => {
                changes.push(kept(f, "not UTF-8 text".into()));
                continue;
            }
            Err(e) => {
                ctx.diagnostics.push(
                    Diagnostic::warning(
                        Code::InputUnreadable,
                        format!("cannot read: {e}; not minified"),
                    )
                    .at(f.path.clone()),
                );
                continue;
            }
        };
        let map = match &f.source_map {
            None => None,
            Some(m) => match ctx.overlay.read(m).map(String::from_utf8) {
                Ok(Ok(map)) => Some(map),
                _ => {
                    ctx.diagnostics.push(
                        Diagnostic::warning(
                            Code::MapMalformed,
                            format!("its source map `{m}` cannot be read as UTF-8 text; not minified, so the map stays true"),
                        )
                        .at(f.path.clone()),
                    );
                    changes.push(kept(f, "its source map cannot be read".into()));
                    continue;
                }
            },
        };
        let kind = if f.kind == FileKind::Stylesheet || next {
            ScriptKind::Script
        } else {
            distill_minify::detect_kind(&code)
        };
        let options_key = if f.kind == FileKind::Stylesheet {
            options.css.cache_key()
        } else {
            format!(
                "{}; measure={}",
                options.js.cache_key(kind),
                options.settings.tag(options.measure)
            )
        };
        let hash = if f.hash.is_empty() {
            hex(&Sha256::digest(code.as_bytes()))
        } else {
            f.hash.clone()
        };
        let mut h = Sha256::new();
        h.update(hash.as_bytes());
        h.update(b"\n");
        h.update(options_key.as_bytes());
        h.update(b"\n");
        if let Some(m) = &map {
            h.update(Sha256::digest(m.as_bytes()));
        }
        jobs.push(Job {
            file: f,
            hash,
            code,
            map,
            kind,
            key: hex(&h.finalize()),
        });
    }

    let budget = Budget::new(options.memory_budget);
    let (cache, progress) = (ctx.cache, ctx.progress);
    let total: u64 = jobs.iter().map(|j| j.code.len() as u64).sum();
    progress.begin("minify", total);
    let measure = |bytes: &[u8]| {
        distill_compress::compressed_len(options.measure, bytes, &options.settings)
            .unwrap_or(u64::MAX)
    };
    let results: Vec<Result_> = largest_first(
        &jobs,
        |j| j.code.len() as u64,
        |j| {
            let limit = (j.code.len() as u64)
                .saturating_add(j.map.as_ref().map_or(0, |m| m.len() as u64))
                .saturating_mul(4)
                .saturating_add(1 << 20);
            if let Some(done) = cache
                .blob("minify", &j.key, limit)
                .and_then(|b| serde_json::from_slice::<Result_>(&b).ok())
            {
                progress.advance(j.code.len() as u64);
                return done;
            }
            let reserved = budget.take((j.code.len() as u64).saturating_mul(MEMORY_PER_BYTE));
            let path = j.file.path.as_str();
            let out = if j.file.kind == FileKind::Stylesheet {
                distill_minify::minify_css(path, &j.code, j.map.as_deref(), &options.css)
            } else {
                distill_minify::minify_js(
                    path,
                    &j.code,
                    j.map.as_deref(),
                    j.kind,
                    &options.js,
                    &measure,
                )
            };
            budget.give(reserved);
            let result = match out {
                Ok(m) => Result_ {
                    code: Some(m.code),
                    map: m.map,
                    minifier: m.minifier.to_owned(),
                    diagnostics: m
                        .rejected
                        .iter()
                        .map(distill_minify::MinifyError::to_diagnostic)
                        .collect(),
                },
                Err(e) => Result_ {
                    code: None,
                    map: None,
                    minifier: String::new(),
                    diagnostics: vec![e.to_diagnostic()],
                },
            };
            if let Ok(entry) = serde_json::to_vec(&result) {
                cache.put_blob("minify", &j.key, &entry);
            }
            progress.advance(j.code.len() as u64);
            result
        },
    );
    progress.end();

    // Both sides of every comparison, measured once through the shared scheduler and cache
    // (the compress stage then finds these bytes there).
    let hashes: Vec<(String, Option<String>)> = jobs
        .iter()
        .zip(&results)
        .map(|(j, r)| {
            (
                j.hash.clone(),
                r.code
                    .as_deref()
                    .map(|c| hex(&Sha256::digest(c.as_bytes()))),
            )
        })
        .collect();
    let mut contents: BTreeMap<String, &[u8]> = BTreeMap::new();
    for ((j, r), (before, after)) in jobs.iter().zip(&results).zip(&hashes) {
        contents.insert(before.clone(), j.code.as_bytes());
        if let (Some(code), Some(after)) = (&r.code, after) {
            contents.insert(after.clone(), code.as_bytes());
        }
    }
    let requests: Vec<distill_compress::batch::Request> = contents
        .iter()
        .map(|(hash, bytes)| distill_compress::batch::Request {
            hash,
            path: hash,
            size: bytes.len() as u64,
            encodings: vec![options.measure],
        })
        .collect();
    let mut batch = Batch::new(options.settings);
    batch.cache = ctx.cache.clone();
    batch.keep = true;
    batch.progress = ctx.progress;
    let outcomes = batch.run(&requests, &|hash| {
        contents
            .get(hash)
            .map(|b| b.to_vec())
            .ok_or_else(|| std::io::Error::other("no such content"))
    });
    let len = |hash: &str| match outcomes.get(hash, options.measure) {
        Some(Ok(Compressed { len, .. })) => Some(*len),
        _ => None,
    };
    let mut known = BTreeMap::new();
    for hash in contents.keys() {
        if let Some(n) = len(hash) {
            known.insert((hash.clone(), options.measure), n);
        }
    }

    let encoding = options.measure.as_str();
    for ((j, r), (before_hash, after_hash)) in jobs.iter().zip(results).zip(&hashes) {
        let f = j.file;
        ctx.diagnostics.extend(r.diagnostics.iter().cloned());
        let (Some(code), Some(after_hash)) = (r.code, after_hash) else {
            let why = r
                .diagnostics
                .first()
                .map_or_else(|| "not minified".to_owned(), |d| d.message.clone());
            changes.push(kept(f, why));
            continue;
        };
        let (Some(before), Some(after)) = (len(before_hash), len(after_hash)) else {
            changes.push(kept(
                f,
                format!("its {encoding} size could not be measured"),
            ));
            continue;
        };
        if after >= before {
            changes.push(kept(
                f,
                format!("{}'s output is not smaller by {encoding}", r.minifier),
            ));
            continue;
        }
        let new_len = code.len() as u64;
        ctx.overlay.write(&f.path, code.into_bytes());
        if let (Some(path), Some(map)) = (&f.source_map, r.map) {
            ctx.overlay.write(path, map.into_bytes());
        }
        changes.push(FileChange {
            path: f.path.clone(),
            written: None,
            encoding: None,
            action: Action::Replaced,
            before: f.size,
            after: new_len,
            reason: Some(format!(
                "{}: {encoding} {} → {}",
                r.minifier,
                format_bytes(before),
                format_bytes(after)
            )),
        });
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    (
        StageReport {
            stage: Stage::Minify,
            settings: describe(options),
            changes,
            advice: Vec::new(),
            notes: Vec::new(),
        },
        known,
    )
}

fn describe(o: &Options) -> String {
    let mut parts = vec![format!(
        "JS with {} (compress + mangle; Next.js chunks keep their top-level names)",
        o.js.minifier
    )];
    if o.js.drop_console {
        parts.push("console.* dropped".into());
    }
    if o.js.drop_debugger {
        parts.push("debugger dropped".into());
    }
    if !o.js.pure_funcs.is_empty() {
        parts.push(format!("pure: {}", o.js.pure_funcs.join(", ")));
    }
    parts.push(format!(
        "CSS with lightningcss for {}",
        o.css.targets.queries().join(", ")
    ));
    parts.push(format!("kept unless smaller by {}", o.measure.as_str()));
    parts.join("; ")
}
