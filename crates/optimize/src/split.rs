//! The split stage: ES-module chunks over the size limit (and, with `vendor`, any chunk that
//! starts with `node_modules` code) cut into parts with [`distill_split`], then everything that
//! loads chunks told about the new ones:
//!
//! - HTML: a `<link rel="modulepreload">` after every element that loads or preloads a split chunk
//!   (with `crossorigin` and `integrity` when that tag has them), so the parts download with it
//!   instead of after it;
//! - Vite's preload table (`__vite__mapDeps`): the parts are added to the table and to every
//!   `__vite__mapDeps([…])` list that preloads the split chunk or belongs to the `import()` of
//!   it, so a lazy route fetches them in the same round as before;
//! - `.vite/manifest.json`: an entry per part, and the part in its chunk's `imports`, so
//!   backends that render tags from the manifest emit them.
//!
//! A part is named by the hash of its bytes when it is cut. When a later edit lands inside a
//! part (the entry chunk's preload table moves with its first part, and gains the parts of other
//! chunks), the part is named again by its final bytes, with every reference to it, so one name
//! never stands for two contents across deploys.
//!
//! A chunk in a static import cycle is never split (its evaluation order depends on who is
//! imported first). Next.js chunks are classic scripts: nothing is split, and the report says
//! what to do in `next.config` instead.

use crate::Context;
use crate::compress::hex;
use crate::integrity::recompute;
use distill_compress::Settings;
use distill_compress::batch::{Batch, Compressed, Request};
use distill_fs::{FileSource, paths};
use distill_graph::{Code, Diagnostic, EdgeKind, Encoding, FileKind, Framework};
use distill_schema::{Action, FileChange, Stage, StageReport, format_bytes};
use distill_split::{Chunk, Part, Refusal};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

pub use distill_split::Options;

/// A chunk that was split: its path and its parts' paths, in evaluation order.
struct Done {
    path: String,
    parts: Vec<(String, Part)>,
}

pub(crate) fn run(ctx: &mut Context, options: &Options) -> StageReport {
    let settings = format!(
        "ES-module chunks over {} cut at module boundaries where behaviour provably stays{}",
        format_bytes(options.max_chunk),
        if options.vendor {
            "; node_modules packages at the start of a chunk moved to vendor-<name> chunks"
        } else {
            ""
        }
    );
    let mut report = StageReport {
        stage: Stage::Split,
        settings,
        changes: Vec::new(),
        advice: Vec::new(),
        notes: Vec::new(),
    };
    if ctx.build.framework.is_some_and(Framework::is_next) {
        report.advice = next_advice(options);
        return report;
    }

    let mut statics: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in ctx
        .build
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Static)
    {
        statics.entry(&e.from).or_default().push(&e.to);
    }
    // The first-load files as the stage found them, for the before/after notes.
    let before: BTreeMap<String, Vec<u8>> = ctx
        .build
        .entries
        .iter()
        .chain(&ctx.build.routes)
        .flat_map(|s| &s.initial)
        .filter_map(|p| Some((p.clone(), ctx.overlay.read(p).ok()?)))
        .collect();
    let (preloaded, module_scripts) = preloaded(ctx);
    let mut done: Vec<Done> = Vec::new();
    for f in &ctx.build.files {
        if f.kind != FileKind::Script || !(f.path.ends_with(".js") || f.path.ends_with(".mjs")) {
            continue;
        }
        let Ok(Ok(code)) = ctx.overlay.read(&f.path).map(String::from_utf8) else {
            continue;
        };
        if code.len() as u64 <= options.max_chunk && !options.vendor {
            continue;
        }
        // Only chunks over the limit are worth a word: vendor-only candidates within it stay
        // quietly.
        let oversized = code.len() as u64 > options.max_chunk;
        let refuse = |report: &mut StageReport,
                      diagnostics: &mut Vec<Diagnostic>,
                      code: Code,
                      size: usize,
                      why: String| {
            if oversized {
                diagnostics.push(
                    Diagnostic::warning(code, format!("not split: {why}")).at(f.path.clone()),
                );
                report.changes.push(kept(&f.path, size, why));
            }
        };
        if in_cycle(&statics, &f.path) {
            refuse(
                &mut report,
                ctx.diagnostics,
                Code::SplitUnsafe,
                code.len(),
                "it is in a static import cycle: which of its modules runs first depends on who imports it first".into(),
            );
            continue;
        }
        let map = f
            .source_map
            .as_ref()
            .and_then(|m| ctx.overlay.read(m).ok())
            .and_then(|b| String::from_utf8(b).ok());
        let file_name = f.path.rsplit('/').next().unwrap_or(&f.path);
        let chunk = Chunk {
            file_name,
            code: &code,
            map: map.as_deref(),
            module: module_scripts.contains(&f.path),
        };
        let split = match distill_split::split(&chunk, options) {
            Ok(s) => s,
            Err(Refusal::Small) => continue,
            Err(r @ Refusal::NotModule) => {
                if oversized {
                    report
                        .changes
                        .push(kept(&f.path, code.len(), r.to_string()));
                }
                continue;
            }
            Err(r) => {
                let c = match r {
                    Refusal::Parse { .. } => Code::SplitParseError,
                    Refusal::NoMap(_) => Code::SplitNoMap,
                    _ => Code::SplitUnsafe,
                };
                refuse(&mut report, ctx.diagnostics, c, code.len(), r.to_string());
                continue;
            }
        };
        if !preloaded.contains(&f.path) {
            refuse(
                &mut report,
                ctx.diagnostics,
                Code::SplitUnsafe,
                code.len(),
                "nothing fetches it ahead (no <script>, modulepreload or Vite preload list names it): its parts would load a round trip later".into(),
            );
            continue;
        }
        let dir = paths::dir_of(&f.path);
        let join = |name: &str| {
            if dir.is_empty() {
                name.to_owned()
            } else {
                format!("{dir}/{name}")
            }
        };
        let mut parts = Vec::new();
        let largest = split
            .parts
            .iter()
            .map(|p| p.code.len())
            .chain([split.code.len()])
            .max()
            .unwrap_or(0);
        let names: Vec<String> = split
            .parts
            .iter()
            .map(|p| format!("{} ({})", p.file_name, format_bytes(p.code.len() as u64)))
            .collect();
        report.changes.push(FileChange {
            path: f.path.clone(),
            written: None,
            encoding: None,
            action: Action::Replaced,
            before: code.len() as u64,
            after: split.code.len() as u64,
            reason: Some(format!(
                "split in {}: {}; largest chunk now {}{}",
                split.parts.len() + 1,
                names.join(", "),
                format_bytes(largest as u64),
                if split.code.len() as u64 > options.max_chunk {
                    format!(
                        "; what stays is still over {}: no later module boundary is safe to cut",
                        format_bytes(options.max_chunk)
                    )
                } else {
                    String::new()
                }
            )),
        });
        for p in split.parts {
            let path = join(&p.file_name);
            report.changes.push(FileChange {
                path: f.path.clone(),
                written: Some(path.clone()),
                encoding: None,
                action: Action::Written,
                before: 0,
                after: p.code.len() as u64,
                reason: Some(describe_modules(&p)),
            });
            ctx.overlay.write(&path, p.code.clone().into_bytes());
            if let Some(m) = &p.map {
                ctx.overlay
                    .write(&format!("{path}.map"), m.clone().into_bytes());
            }
            parts.push((path, p));
        }
        ctx.overlay.write(&f.path, split.code.into_bytes());
        if let (Some(path), Some(m)) = (&f.source_map, split.map) {
            ctx.overlay.write(path, m.into_bytes());
        }
        done.push(Done {
            path: f.path.clone(),
            parts,
        });
    }
    if done.is_empty() {
        return report;
    }
    let by_chunk: BTreeMap<&str, Vec<&str>> = done
        .iter()
        .map(|d| {
            (
                d.path.as_str(),
                d.parts.iter().map(|(p, _)| p.as_str()).collect(),
            )
        })
        .collect();
    for (path, before, after) in preload_html(ctx, &by_chunk)
        .into_iter()
        .chain(preload_tables(ctx, &by_chunk))
        .chain(manifest(ctx, &done))
    {
        report.changes.push(FileChange {
            path,
            written: None,
            encoding: None,
            action: Action::Replaced,
            before,
            after,
            reason: Some("now loads the new chunks with the ones they came from".into()),
        });
    }
    rename_edited_parts(ctx, &mut done, &mut report);
    report.advice = vite_advice(&done);
    report.notes = first_loads(ctx, &done, &before);
    report
}

/// Names again, by their final bytes, the parts whose bytes changed after they were cut (see the
/// module doc); the referrers are rewritten and keep their names, as every split chunk does.
fn rename_edited_parts(ctx: &mut Context, done: &mut [Done], report: &mut StageReport) {
    let parts: BTreeSet<String> = done
        .iter()
        .flat_map(|d| d.parts.iter().map(|(path, _)| path.clone()))
        .collect();
    let edited: BTreeSet<String> = done
        .iter()
        .flat_map(|d| &d.parts)
        .filter(|(path, p)| ctx.overlay.read(path).ok().as_deref() != Some(p.code.as_bytes()))
        .map(|(path, _)| path.clone())
        .collect();
    for renamed in crate::rehash::rename(ctx, edited, &|p| parts.contains(p)) {
        let Some(new) = renamed.written else { continue };
        for (path, _) in done.iter_mut().flat_map(|d| d.parts.iter_mut()) {
            if *path == renamed.path {
                path.clone_from(&new);
            }
        }
        for change in &mut report.changes {
            if change.written.as_deref() == Some(renamed.path.as_str()) {
                change.written = Some(new.clone());
                change.after = renamed.after;
                if let Some(reason) = change.reason.as_mut() {
                    reason.push_str(
                        "; named by its final bytes, which changed after it was cut (a preload list inside it)",
                    );
                }
            }
        }
    }
}

/// One entry's or route's first load: requests before and after, and its files before and
/// after as (content hash, raw length).
struct FirstLoad<'b> {
    name: &'b str,
    requests: (usize, usize),
    was: Vec<(String, u64)>,
    is: Vec<(String, u64)>,
}

/// Per entry and route whose first load holds a split chunk: requests, raw and brotli bytes
/// before and after. brotli comes from the shared scheduler and cache, at the settings
/// `analyze` measures with, so the figures are the ones a report of the result shows.
fn first_loads<'b>(
    ctx: &'b Context,
    done: &'b [Done],
    before: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let parts: BTreeMap<&str, &Done> = done.iter().map(|d| (d.path.as_str(), d)).collect();
    // A file's (content hash, length) before the stage or now, read and hashed once however
    // many entries and routes load it; `contents` keeps each distinct content for the scheduler.
    let mut contents: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut hashed: BTreeMap<(bool, &str), (String, u64)> = BTreeMap::new();
    let mut hash_of = |now: bool, p: &'b str| -> (String, u64) {
        hashed
            .entry((now, p))
            .or_insert_with(|| {
                let bytes = if now {
                    ctx.overlay.read(p).unwrap_or_default()
                } else {
                    before.get(p).cloned().unwrap_or_default()
                };
                let hash = hex(&Sha256::digest(&bytes));
                let len = bytes.len() as u64;
                contents.entry(hash.clone()).or_insert(bytes);
                (hash, len)
            })
            .clone()
    };
    let mut loads: Vec<FirstLoad> = Vec::new();
    for set in ctx.build.entries.iter().chain(&ctx.build.routes) {
        if !set.initial.iter().any(|f| parts.contains_key(f.as_str())) {
            continue;
        }
        let was = set.initial.iter().map(|f| hash_of(false, f)).collect();
        let mut is: Vec<(String, u64)> = set.initial.iter().map(|f| hash_of(true, f)).collect();
        let mut requests = set.initial.len();
        for f in &set.initial {
            if let Some(d) = parts.get(f.as_str()) {
                requests += d.parts.len();
                is.extend(d.parts.iter().map(|(p, _)| hash_of(true, p)));
            }
        }
        loads.push(FirstLoad {
            name: &set.name,
            requests: (set.initial.len(), requests),
            was,
            is,
        });
    }
    if loads.is_empty() {
        return Vec::new();
    }
    let requests: Vec<Request> = contents
        .iter()
        .map(|(hash, bytes)| Request {
            hash,
            path: hash,
            size: bytes.len() as u64,
            encodings: vec![Encoding::Brotli],
        })
        .collect();
    let mut batch = Batch::new(Settings::default());
    batch.cache = ctx.cache.clone();
    batch.progress = ctx.progress;
    let outcomes = batch.run(&requests, &|hash| {
        contents
            .get(hash)
            .cloned()
            .ok_or_else(|| std::io::Error::other("no such content"))
    });
    let brotli = |files: &[(String, u64)]| -> Option<u64> {
        files
            .iter()
            .map(|(hash, _)| match outcomes.get(hash, Encoding::Brotli) {
                Some(Ok(Compressed { len, .. })) => Some(*len),
                _ => None,
            })
            .sum()
    };
    let raw = |files: &[(String, u64)]| files.iter().map(|(_, len)| len).sum::<u64>();
    loads
        .iter()
        .map(|load| {
            let br = match (brotli(&load.was), brotli(&load.is)) {
                (Some(a), Some(b)) => format!(", {} → {} brotli", format_bytes(a), format_bytes(b)),
                _ => String::new(),
            };
            format!(
                "{}: first load {} → {} requests, {} → {} raw{br}, all fetched in the same round",
                load.name,
                load.requests.0,
                load.requests.1,
                format_bytes(raw(&load.was)),
                format_bytes(raw(&load.is)),
            )
        })
        .collect()
}

fn kept(path: &str, size: usize, why: String) -> FileChange {
    FileChange {
        path: path.to_owned(),
        written: None,
        encoding: None,
        action: Action::Kept,
        before: size as u64,
        after: size as u64,
        reason: Some(why),
    }
}

/// Whether `path` can reach itself through static imports.
fn in_cycle(statics: &BTreeMap<&str, Vec<&str>>, path: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<&str> = statics.get(path).cloned().unwrap_or_default();
    while let Some(p) = stack.pop() {
        if p == path {
            return true;
        }
        if seen.insert(p) {
            stack.extend(statics.get(p).into_iter().flatten());
        }
    }
    false
}

fn clean_source(s: &str) -> &str {
    let mut s = s;
    while let Some(r) = s.strip_prefix("../").or_else(|| s.strip_prefix("./")) {
        s = r;
    }
    s
}

fn describe_modules(p: &Part) -> String {
    let n = p.modules.len();
    let first = p.modules.first().map_or("", |m| clean_source(m));
    match &p.package {
        Some(pkg) if n == 1 => format!("{pkg}: 1 module"),
        Some(pkg) => format!("{pkg}: {n} modules"),
        None if n == 1 => first.to_owned(),
        None => format!("{n} modules from {first} on"),
    }
}

/// `<link rel="modulepreload">` for every part after each tag that loads or preloads its
/// chunk. Returns the documents changed with their sizes before and after.
fn preload_html(
    ctx: &mut Context,
    by_chunk: &BTreeMap<&str, Vec<&str>>,
) -> Vec<(String, u64, u64)> {
    let (_, docs) = ctx.result_files();
    let mut out = Vec::new();
    for doc in &docs {
        let Ok(Ok(text)) = ctx.overlay.read(doc).map(String::from_utf8) else {
            continue;
        };
        let tags = distill_scan::html::tags(&text);
        let already: BTreeSet<String> = tags
            .iter()
            .filter_map(|t| {
                let url = t.attr("href").or_else(|| t.attr("src"))?;
                paths::resolve(doc, url, "/")
            })
            .collect();
        let mut added: BTreeSet<&str> = BTreeSet::new();
        let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        for t in &tags {
            let url = match t.name.as_str() {
                "script" => t.attr("src"),
                "link"
                    if t.attr("rel").is_some_and(|r| {
                        r.split_ascii_whitespace()
                            .any(|w| w.eq_ignore_ascii_case("modulepreload"))
                    }) =>
                {
                    t.attr("href")
                }
                _ => None,
            };
            let Some(url) = url else { continue };
            let Some(target) = chunk_named(doc, url, by_chunk) else {
                continue;
            };
            // After the element: what follows a `<script>` start tag is script text, where a
            // tag would never be parsed. An unterminated script gets no links.
            let Some(at) = t.element_end else {
                continue;
            };
            let prefix = url.split(['?', '#']).next().unwrap_or(url);
            let prefix = prefix.rfind('/').map_or("", |i| &prefix[..=i]);
            let mut links = String::new();
            for part in &by_chunk[target] {
                if already.contains(*part) || !added.insert(part) {
                    continue;
                }
                let name = part.rsplit('/').next().unwrap_or(part);
                links.push_str("\n    <link rel=\"modulepreload\"");
                if let Some(c) = t.get("crossorigin") {
                    match &c.value {
                        Some(v) if !v.is_empty() => {
                            links.push_str(&format!(" crossorigin=\"{}\"", escape(v)));
                        }
                        _ => links.push_str(" crossorigin"),
                    }
                }
                links.push_str(&format!(" href=\"{}{}\"", escape(prefix), escape(name)));
                if let Some(v) = t.attr("integrity")
                    && let Ok(bytes) = ctx.overlay.read(part)
                {
                    links.push_str(&format!(" integrity=\"{}\"", recompute(v, &bytes)));
                }
                links.push('>');
            }
            if !links.is_empty() {
                edits.push((at..at, links));
            }
        }
        if edits.is_empty() {
            continue;
        }
        let new = distill_scan::splice(
            text.as_bytes(),
            edits.iter().map(|(s, t)| (s.clone(), t.as_bytes())),
        );
        out.push((doc.clone(), text.len() as u64, new.len() as u64));
        ctx.overlay.write(doc, new);
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// The split chunk a URL in `from` names: resolved, or for apps served under a base path, the
/// chunk whose path the URL ends with.
fn chunk_named<'c>(
    from: &str,
    url: &str,
    by_chunk: &'c BTreeMap<&str, Vec<&str>>,
) -> Option<&'c str> {
    if let Some(p) = paths::resolve(from, url, "/")
        && let Some((k, _)) = by_chunk.get_key_value(p.as_str())
    {
        return Some(k);
    }
    let clean = url.split(['?', '#']).next().unwrap_or("");
    by_chunk
        .keys()
        .copied()
        .find(|k| clean.ends_with(&format!("/{k}")))
}

/// Vite's `__vite__mapDeps` tables and the index lists that use them, in every script.
///
/// A table and its lists normally share a file. After a split the table may sit in a part (it
/// moves with the entry's first statements) while the lists stay in the chunk, or in another of
/// its parts, which import it: the lists of every file of that family use the table.
fn preload_tables(
    ctx: &mut Context,
    by_chunk: &BTreeMap<&str, Vec<&str>>,
) -> Vec<(String, u64, u64)> {
    let scripts: Vec<String> = ctx
        .overlay
        .changes()
        .keys()
        .filter(|p| p.ends_with(".js") || p.ends_with(".mjs"))
        .cloned()
        .chain(
            ctx.build
                .files
                .iter()
                .filter(|f| f.kind == FileKind::Script)
                .map(|f| f.path.clone()),
        )
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let family = |path: &str| -> Vec<String> {
        by_chunk
            .iter()
            .find(|(chunk, parts)| **chunk == path || parts.contains(&path))
            .map_or_else(
                || vec![path.to_owned()],
                |(chunk, parts)| {
                    std::iter::once(*chunk)
                        .chain(parts.iter().copied())
                        .map(str::to_owned)
                        .collect()
                },
            )
    };
    let mut edits: BTreeMap<String, Vec<(std::ops::Range<usize>, String)>> = BTreeMap::new();
    for path in &scripts {
        let Ok(text) = ctx.overlay.read(path) else {
            continue;
        };
        let Some(table) = distill_scan::loader::vite_preload_table(&text) else {
            continue;
        };
        let mut items: Vec<String> = table.items.iter().map(|i| i.path.clone()).collect();
        let original = items.len();
        for member in family(path) {
            let calls = if member == *path {
                mapdeps_calls_with_targets(path, &text, table.list.end, &items)
            } else {
                match ctx.overlay.read(&member) {
                    // A member with a table of its own has its lists indexing that one.
                    Ok(t) if distill_scan::loader::vite_preload_table(&t).is_none() => {
                        mapdeps_calls_with_targets(&member, &t, 0, &items)
                    }
                    _ => continue,
                }
            };
            for (list, indices, targets) in calls {
                let mut wanted: Vec<usize> = indices.clone();
                for t in targets {
                    let Some(parts) = by_chunk.get(t.as_str()) else {
                        continue;
                    };
                    for p in parts {
                        let i = items.iter().position(|x| x == p).unwrap_or_else(|| {
                            items.push((*p).to_owned());
                            items.len() - 1
                        });
                        if !wanted.contains(&i) {
                            wanted.push(i);
                        }
                    }
                }
                if wanted.len() != indices.len() {
                    let body = wanted
                        .iter()
                        .map(usize::to_string)
                        .collect::<Vec<_>>()
                        .join(",");
                    edits.entry(member.clone()).or_default().push((list, body));
                }
            }
        }
        if items.len() != original {
            let quoted = items
                .iter()
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(",");
            edits
                .entry(path.clone())
                .or_default()
                .push((table.list.clone(), format!("[{quoted}]")));
        }
    }
    let mut out = Vec::new();
    for (path, edits) in edits {
        let Ok(text) = ctx.overlay.read(&path) else {
            continue;
        };
        let new = distill_scan::splice(&text, edits.iter().map(|(s, t)| (s.clone(), t.as_bytes())));
        out.push((path.clone(), text.len() as u64, new.len() as u64));
        ctx.overlay.write(&path, new);
    }
    out
}

/// The `__vite__mapDeps([…])` lists of a script that holds its own preload table (see
/// [`mapdeps_calls_with_targets`]).
fn own_preload_calls(
    path: &str,
    text: &[u8],
) -> Vec<(std::ops::Range<usize>, Vec<usize>, Vec<String>)> {
    let Some(table) = distill_scan::loader::vite_preload_table(text) else {
        return Vec::new();
    };
    let items: Vec<String> = table.items.iter().map(|i| i.path.clone()).collect();
    mapdeps_calls_with_targets(path, text, table.list.end, &items)
}

/// Each `__vite__mapDeps([…])` list after `from`: its span, its indices into `items`, and the
/// files it preloads for (the items it lists and the `import()` it belongs to).
fn mapdeps_calls_with_targets(
    path: &str,
    text: &[u8],
    from: usize,
    items: &[String],
) -> Vec<(std::ops::Range<usize>, Vec<usize>, Vec<String>)> {
    let dynamic: Vec<(usize, String)> = distill_scan::js::references(text)
        .into_iter()
        .filter(|r| r.kind == EdgeKind::Dynamic)
        .filter_map(|r| Some((r.span.end, paths::resolve(path, &r.specifier, "/")?)))
        .collect();
    mapdeps_calls(text, from)
        .into_iter()
        .map(|(list, indices)| {
            let mut targets: Vec<String> = indices
                .iter()
                .filter_map(|&i| items.get(i).cloned())
                .collect();
            // The `import()` this list belongs to: the last one just before it.
            if let Some((_, target)) = dynamic
                .iter()
                .rev()
                .find(|(end, _)| *end <= list.start && list.start - end < 160)
            {
                targets.push(target.clone());
            }
            (list, indices, targets)
        })
        .collect()
}

/// The files a page or a preload list fetches ahead: named by a `<script>` or
/// `<link rel="modulepreload">`, or preloaded with (or as) an `import()` through Vite's
/// preload lists. Parts of any other chunk would only be requested once it has run: a round
/// trip later.
///
/// Also returns the scripts a page loads with `<script type="module">`: ES modules even when
/// they neither import nor export.
fn preloaded(ctx: &Context) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut out = BTreeSet::new();
    let mut modules = BTreeSet::new();
    let (_, docs) = ctx.result_files();
    for doc in &docs {
        let Ok(Ok(text)) = ctx.overlay.read(doc).map(String::from_utf8) else {
            continue;
        };
        for t in distill_scan::html::tags(&text) {
            let url = match t.name.as_str() {
                "script" => t.attr("src"),
                "link" => t.attr("href"),
                _ => None,
            };
            if let Some(p) = url.and_then(|u| paths::resolve(doc, u, "/")) {
                if t.name == "script"
                    && t.attr("type")
                        .is_some_and(|v| v.eq_ignore_ascii_case("module"))
                {
                    modules.insert(p.clone());
                }
                out.insert(p);
            }
        }
    }
    for f in ctx
        .build
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Script)
    {
        if let Ok(text) = ctx.overlay.read(&f.path) {
            out.extend(
                own_preload_calls(&f.path, &text)
                    .into_iter()
                    .flat_map(|(_, _, t)| t),
            );
        }
    }
    (out, modules)
}

/// Every `__vite__mapDeps([…])` call after `from`: the span of the numbers inside the brackets
/// and the numbers.
fn mapdeps_calls(text: &[u8], from: usize) -> Vec<(std::ops::Range<usize>, Vec<usize>)> {
    const CALL: &[u8] = b"__vite__mapDeps([";
    let mut out = Vec::new();
    let Some(rest) = text.get(from..) else {
        return out;
    };
    for at in memchr::memmem::find_iter(rest, CALL) {
        let start = from + at + CALL.len();
        let Some(after) = text.get(start..) else {
            continue;
        };
        let Some(inner) = after
            .iter()
            .take(4096)
            .position(|&b| b == b']')
            .and_then(|len| after.get(..len))
        else {
            continue;
        };
        let Ok(s) = std::str::from_utf8(inner) else {
            continue;
        };
        let parsed: Option<Vec<usize>> = s
            .split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| x.trim().parse().ok())
            .collect();
        if let Some(indices) = parsed {
            out.push((start..start + inner.len(), indices));
        }
    }
    out
}

/// `.vite/manifest.json`: an entry per part, and each part in its chunk's `imports`.
fn manifest(ctx: &mut Context, done: &[Done]) -> Vec<(String, u64, u64)> {
    const PATH: &str = ".vite/manifest.json";
    let Ok(bytes) = ctx.overlay.read(PATH) else {
        return Vec::new();
    };
    let Ok(serde_json::Value::Object(mut entries)) = serde_json::from_slice(&bytes) else {
        return Vec::new();
    };
    let key_of_file: BTreeMap<String, String> = entries
        .iter()
        .filter_map(|(k, v)| Some((v.get("file")?.as_str()?.to_owned(), k.clone())))
        .collect();
    for d in done {
        let dir = paths::dir_of(&d.path);
        let mut keys = Vec::new();
        for (path, part) in &d.parts {
            let name = path.rsplit('/').next().unwrap_or(path);
            let key = format!("_{name}");
            let imports: Vec<serde_json::Value> = part
                .imports
                .iter()
                .filter_map(|spec| {
                    let p = paths::resolve(&d.path, spec, "/")?;
                    key_of_file
                        .get(&p)
                        .cloned()
                        .or_else(|| {
                            d.parts
                                .iter()
                                .any(|(q, _)| *q == p)
                                .then(|| format!("_{}", p.rsplit('/').next().unwrap_or(&p)))
                        })
                        .map(serde_json::Value::String)
                })
                .collect();
            let mut entry = serde_json::Map::new();
            entry.insert("file".into(), path.clone().into());
            entry.insert("name".into(), distill_split::stem(name).to_owned().into());
            if !imports.is_empty() {
                entry.insert("imports".into(), imports.into());
            }
            entries.insert(key.clone(), entry.into());
            keys.push(key);
        }
        let _ = dir;
        for (_, v) in &mut entries {
            if v.get("file").and_then(|f| f.as_str()) != Some(d.path.as_str()) {
                continue;
            }
            if let Some(obj) = v.as_object_mut() {
                let list = obj
                    .entry("imports")
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let Some(a) = list.as_array_mut() {
                    for k in &keys {
                        a.push(k.clone().into());
                    }
                }
            }
        }
    }
    let Ok(mut new) = serde_json::to_vec_pretty(&serde_json::Value::Object(entries)) else {
        return Vec::new();
    };
    if bytes.ends_with(b"\n") {
        new.push(b'\n');
    }
    let sizes = (PATH.to_owned(), bytes.len() as u64, new.len() as u64);
    ctx.overlay.write(PATH, new);
    vec![sizes]
}

/// The Vite configuration that makes the same vendor chunks at build time.
fn vite_advice(done: &[Done]) -> Vec<String> {
    let mut packages: BTreeSet<&str> = BTreeSet::new();
    let mut app: Vec<(String, Vec<&str>)> = Vec::new();
    for d in done {
        for (path, p) in &d.parts {
            match &p.package {
                Some(pkg) => {
                    packages.insert(pkg);
                }
                None => app.push((
                    distill_split::stem(path.rsplit('/').next().unwrap_or(path)).to_owned(),
                    p.modules.iter().map(|m| clean_source(m)).collect(),
                )),
            }
        }
    }
    let mut out = Vec::new();
    if !packages.is_empty() {
        let groups: Vec<String> = packages
            .iter()
            .map(|p| {
                format!(
                    "{{ name: 'vendor-{}', test: /[\\\\/]node_modules[\\\\/]{}[\\\\/]/ }}",
                    p.trim_start_matches('@').replace('/', "-"),
                    p.replace('/', "[\\\\/]")
                )
            })
            .collect();
        out.push(format!(
            "Vite 8 (Rolldown), at build time: build.rolldownOptions.output.codeSplitting.groups: [{}]",
            groups.join(", ")
        ));
        let chunks: Vec<String> = packages
            .iter()
            .map(|p| {
                format!(
                    "'vendor-{}': ['{p}']",
                    p.trim_start_matches('@').replace('/', "-")
                )
            })
            .collect();
        out.push(format!(
            "Vite 7 (Rollup): build.rollupOptions.output.manualChunks: {{ {} }}",
            chunks.join(", ")
        ));
    }
    for (name, modules) in app {
        let shown: Vec<String> = modules.iter().take(4).map(|m| format!("'{m}'")).collect();
        out.push(format!(
            "{name}: put its {} modules ({}{}) behind a dynamic import() or in a manualChunks / codeSplitting group of their own",
            modules.len(),
            shown.join(", "),
            if modules.len() > 4 { ", …" } else { "" }
        ));
    }
    out
}

fn next_advice(options: &Options) -> Vec<String> {
    vec![
        "Next.js chunks are webpack or Turbopack scripts, not ES modules: --split changes nothing here.".into(),
        format!(
            "webpack (next build --webpack): in next.config, webpack(config, {{ isServer }}) {{ if (!isServer) config.optimization.splitChunks.maxSize = {}; return config }}",
            options.max_chunk
        ),
        "Turbopack: load heavy components with next/dynamic, and list barrel-file packages in experimental.optimizePackageImports.".into(),
    ]
}

#[cfg(test)]
mod tests {
    use crate::{Options, optimize};
    use distill_fs::{FileSource, MemSource};
    use distill_schema::Stage;
    use oxc_sourcemap::SourceMapBuilder;

    /// A map giving each line of `code` to the source named for the first line at or before it.
    fn map_by_lines(file: &str, code: &str, owners: &[(u32, &str)]) -> String {
        let mut b = SourceMapBuilder::default();
        b.set_file(file);
        let ids: Vec<u32> = owners
            .iter()
            .map(|(_, s)| b.set_source_and_content(s, ""))
            .collect();
        for line in 0..u32::try_from(code.lines().count()).unwrap() {
            let owner = owners.iter().rposition(|(l, _)| *l <= line).unwrap();
            b.add_token(line, 0, line, 0, Some(ids[owner]), None);
        }
        b.into_sourcemap().to_json_string()
    }

    /// The entry starts with Vite's preload table and a vendor package, so the table moves into
    /// the vendor part; the lazy chunk it preloads starts with another package. With
    /// `b_has_vendor`, the lazy chunk splits too and its part joins the table: inside the
    /// entry's part, after that part was named.
    fn build(b_has_vendor: bool) -> MemSource {
        let filler = "x".repeat(2000);
        let a = format!(
            "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"assets/B-BBBBBBBB.js\"])))=>i.map(i=>d[i]);\n\
             const big=\"{filler}\";\n\
             function __vitePreload(f,d){{return f()}}\n\
             const go=()=>__vitePreload(()=>import(\"./B-BBBBBBBB.js\"),__vite__mapDeps([0]));\n\
             go().then(m=>console.log(m.g(),big.length));\n\
             //# sourceMappingURL=index-AAAAAAAA.js.map\n"
        );
        let a_map = map_by_lines(
            "index-AAAAAAAA.js",
            &a,
            &[(0, "../node_modules/big/index.js"), (2, "../src/main.js")],
        );
        let b = format!(
            "const big2=\"{filler}\";\n\
             function f(){{return big2.length}}\n\
             export const g=()=>f();\n\
             export const h=\"{filler}\";\n\
             //# sourceMappingURL=B-BBBBBBBB.js.map\n"
        );
        let b_map = map_by_lines(
            "B-BBBBBBBB.js",
            &b,
            &[
                (
                    0,
                    if b_has_vendor {
                        "../node_modules/big2/index.js"
                    } else {
                        "../src/b0.js"
                    },
                ),
                (2, "../src/B.js"),
            ],
        );
        MemSource::new()
            .with(
                "index.html",
                r#"<script type="module" src="/assets/index-AAAAAAAA.js" integrity="sha384-stale" crossorigin></script>"#,
            )
            .with("assets/index-AAAAAAAA.js", a)
            .with("assets/index-AAAAAAAA.js.map", a_map)
            .with("assets/B-BBBBBBBB.js", b)
            .with("assets/B-BBBBBBBB.js.map", b_map)
    }

    /// What the split left: the entry's vendor part (path and text), every text file by path,
    /// and the split stage's change reasons.
    struct Outcome {
        part: String,
        part_text: String,
        files: std::collections::BTreeMap<String, String>,
        reasons: Vec<String>,
    }

    fn split(b_has_vendor: bool) -> Outcome {
        let src = build(b_has_vendor);
        let b = distill_ingest::ingest(&src).unwrap().build;
        let options = Options {
            minify: None,
            images: None,
            compress: None,
            split: Some(distill_split::Options {
                max_chunk: 100_000,
                min_part: 100,
                vendor: true,
            }),
            ..Options::default()
        };
        let done = optimize(&src, &b, &options);
        let stage = done
            .stages
            .iter()
            .find(|s| s.stage == Stage::Split)
            .unwrap();
        let part = stage
            .changes
            .iter()
            .filter_map(|c| c.written.as_deref())
            .find(|w| w.contains("vendor-big-"))
            .unwrap_or_else(|| panic!("{stage:#?}"))
            .to_owned();
        let (all, _) = done.overlay.walk(&|_| false);
        let files = all
            .into_iter()
            .filter(|p| done.overlay.read(p).is_ok())
            .filter_map(|p| {
                let text = String::from_utf8(done.overlay.read(&p).ok()?).ok()?;
                Some((p, text))
            })
            .collect::<std::collections::BTreeMap<_, _>>();
        Outcome {
            part_text: files[&part].clone(),
            part,
            files,
            reasons: stage
                .changes
                .iter()
                .filter_map(|c| c.reason.clone())
                .collect(),
        }
    }

    /// What the entry prints under Node, with the build's files as ES modules; `None` (the
    /// reason printed) without Node, which fails instead under `DISTILL_REQUIRE_NODE=1`.
    #[allow(clippy::disallowed_methods, reason = "tests write their own inputs")]
    fn run_in_node(files: &std::collections::BTreeMap<String, String>) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let to = dir.path().join(path);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(to, text).unwrap();
        }
        std::fs::write(dir.path().join("package.json"), r#"{"type":"module"}"#).unwrap();
        let out = std::process::Command::new("node")
            .arg("assets/index-AAAAAAAA.js")
            .current_dir(dir.path())
            .output();
        match out {
            Ok(o) => {
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                Some(String::from_utf8(o.stdout).unwrap())
            }
            Err(e) => {
                assert!(
                    std::env::var("DISTILL_REQUIRE_NODE").as_deref() != Ok("1"),
                    "DISTILL_REQUIRE_NODE=1 but `node` cannot run: {e}"
                );
                eprintln!("skipped running the split build: node cannot run: {e}");
                None
            }
        }
    }

    #[test]
    fn a_part_edited_after_it_was_cut_is_named_by_its_final_bytes() {
        let alone = split(false);
        let both = split(true);
        // The table moved into the entry's part; with the lazy chunk split too, the table
        // names its part as well: other bytes, so another name.
        assert!(
            alone.part_text.contains("__vite__mapDeps"),
            "{}",
            alone.part_text
        );
        assert!(
            both.part_text.contains("vendor-big2-"),
            "{}\n{:#?}\n{:#?}",
            both.part_text,
            both.reasons,
            both.files.keys()
        );
        assert_ne!(alone.part_text, both.part_text);
        assert_ne!(alone.part, both.part);
        assert!(
            both.reasons
                .iter()
                .any(|r| r.contains("named by its final bytes")),
            "{:#?}",
            both.reasons
        );
        // Both builds cut the same part first (the same bytes: the table naming B only), so
        // `alone`'s name is the one `both` cut it with. Nothing names it any more.
        let name = |p: &str| p.rsplit('/').next().unwrap().to_owned();
        let stale: Vec<&String> = both
            .files
            .iter()
            .filter(|(_, t)| t.contains(&name(&alone.part)))
            .map(|(p, _)| p)
            .collect();
        assert!(stale.is_empty(), "{stale:?} name {}", alone.part);
        // The lazy chunk's part is preloaded with it: in the table and in the entry's list.
        assert!(
            both.files["assets/index-AAAAAAAA.js"].contains("__vite__mapDeps([0,1])"),
            "{}",
            both.files["assets/index-AAAAAAAA.js"]
        );
        assert!(both.files["index.html"].contains(&name(&both.part)));
        assert!(both.files["assets/index-AAAAAAAA.js"].contains(&name(&both.part)));
        assert!(
            both.part_text
                .contains(&format!("sourceMappingURL={}.map", name(&both.part))),
            "{}",
            both.part_text
        );
        assert!(both.files.contains_key(&format!("{}.map", both.part)));
        // Every `integrity=` vouches for the bytes its tag names, the renamed part's included.
        let html = &both.files["index.html"];
        let tags: Vec<_> = distill_scan::html::tags(html)
            .into_iter()
            .filter(|t| t.attr("integrity").is_some())
            .collect();
        assert!(tags.len() >= 2, "{html}");
        assert!(
            html.find("modulepreload") > html.find("</script>"),
            "the links go after the script element, not into its text: {html}"
        );
        for t in tags {
            let url = t.attr("src").or_else(|| t.attr("href")).unwrap();
            let file = &both.files[url.trim_start_matches('/')];
            assert_eq!(
                t.attr("integrity").unwrap(),
                crate::integrity::recompute("sha384-x", file.as_bytes()),
                "{url}"
            );
        }
        // And the app runs as before.
        let src = build(true);
        let (paths, _) = src.walk(&|_| false);
        let original = paths
            .iter()
            .map(|p| (p.clone(), String::from_utf8(src.read(p).unwrap()).unwrap()))
            .collect();
        if let (Some(before), Some(after)) = (run_in_node(&original), run_in_node(&both.files)) {
            assert_eq!(before, "2000 2000\n");
            assert_eq!(before, after);
        }
        // Without the later edit the name is the one the part was cut with.
        assert!(
            !alone
                .reasons
                .iter()
                .any(|r| r.contains("named by its final bytes")),
            "{:#?}",
            alone.reasons
        );
    }
}
