//! Splitting one oversized ES-module chunk into smaller ones at source-module boundaries,
//! only where nothing a program could observe changes.
//!
//! A chunk's top-level statements are attributed to their source modules through its source
//! map, and cuts are considered only between modules. The code moved out is always a *prefix*
//! of the chunk's body, in order, so it still runs first: the remaining chunk keeps its file
//! name and its imports and imports the new parts after them, so the same modules evaluate in
//! the same order as before. A cut is taken only when:
//!
//! - no moved statement uses a top-level binding that stays behind (hoisted functions and
//!   `var`s included), and no statement that stays assigns a binding that moved (an imported
//!   binding cannot be assigned);
//! - every moved statement may run from another file: none uses `import.meta` or imports a
//!   computed specifier, and none is an export;
//! - the chunk has no top-level `await`, no `eval` and no `with`.
//!
//! Moved bindings the rest of the chunk uses are exported by the part and imported back under
//! the same names; the chunk's own export list stays, so every importer still finds every name.
//! Whether the chunk is in a static import cycle is the caller's to check (it needs the build).
//!
//! ```
//! use distill_split::{Chunk, Options, split};
//! let code = "const big = 'x'.repeat(3);\nexport function f() { return big; }\n";
//! let map = r#"{"version":3,"sources":["node_modules/big/index.js","src/f.js"],"names":[],"mappings":"AAAA;ACAA"}"#;
//! let chunk = Chunk { file_name: "f-AbCd1234.js", code, map: Some(map), module: false };
//! let out = split(&chunk, &Options { max_chunk: 10, min_part: 1, vendor: true }).unwrap();
//! assert_eq!(out.parts.len(), 1);
//! assert!(out.parts[0].file_name.starts_with("vendor-big-"));
//! assert!(out.parts[0].code.contains("export{big}"));
//! assert!(out.code.contains(&format!("import{{big}}from\"./{}\"", out.parts[0].file_name)));
//! ```

#![allow(
    clippy::indexing_slicing,
    reason = "indices are positions in the statement, part and cut lists computed from those same lists"
)]

mod analysis;
mod map;

pub use analysis::Refusal;

use analysis::{Analysis, Role, analyze};
use base64::Engine;
use map::{Pos, first_sources, positions, remap};
use oxc_sourcemap::SourceMap;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone)]
pub struct Options {
    /// A chunk larger than this (bytes, raw) is split into parts no larger where boundaries
    /// allow.
    pub max_chunk: u64,
    /// A part is never smaller than this (bytes): a tiny chunk costs a request for nothing.
    pub min_part: u64,
    /// Move each `node_modules` package found at the start of a chunk into its own
    /// `vendor-<name>-<hash>.js`, whatever the chunk's size (packages of at least
    /// [`VENDOR_MIN_PARTS`] × `min_part` bytes, followed by other code).
    pub vendor: bool,
}

impl Options {
    /// Options for a size limit: parts of at least a tenth of it, and never under 10 kB for a
    /// normal limit (a tiny chunk costs a request for nothing).
    pub fn for_limit(max_chunk: u64, vendor: bool) -> Options {
        Options {
            max_chunk,
            min_part: (max_chunk / 10).clamp(1, 10_000),
            vendor,
        }
    }
}

impl Default for Options {
    /// 500 kB, the size Vite warns at.
    fn default() -> Options {
        Options::for_limit(500_000, false)
    }
}

/// A vendor part is at least this many times [`Options::min_part`]: a package spread thin
/// between others is left with them rather than cut into requests of a few kilobytes.
pub const VENDOR_MIN_PARTS: u64 = 3;

/// One chunk to split: its file name (no folder; parts are written beside it), code and map.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub file_name: &'a str,
    pub code: &'a str,
    pub map: Option<&'a str>,
    /// Known to be loaded as an ES module (`<script type="module">`): without it, a chunk with
    /// no `import` or `export` is taken for a classic script and left whole.
    pub module: bool,
}

/// A new chunk cut from the original.
#[derive(Debug, Clone)]
pub struct Part {
    /// `vendor-<package>-<hash>.js` or `<stem>-<n>-<hash>.js`, beside the original.
    pub file_name: String,
    pub code: String,
    /// Its own map (`<file_name>.map`), when the original had one.
    pub map: Option<String>,
    /// Its source modules, in order.
    pub modules: Vec<String>,
    /// The `node_modules` package all of its modules belong to, if one does.
    pub package: Option<String>,
    /// Specifiers this part imports as written (the original's, then earlier parts').
    pub imports: Vec<String>,
}

/// The chunk cut in parts: the parts in evaluation order, then what stays under the original
/// name.
#[derive(Debug, Clone)]
pub struct Split {
    pub parts: Vec<Part>,
    pub code: String,
    pub map: Option<String>,
}

/// The `node_modules` package a source path belongs to (`@scope/name` or `name`).
pub fn package_of(source: &str) -> Option<String> {
    let at = source.rfind("node_modules/")? + "node_modules/".len();
    let mut parts = source[at..].split('/');
    let first = parts.next().filter(|s| !s.is_empty())?;
    if first.starts_with('@') {
        let second = parts.next().filter(|s| !s.is_empty())?;
        Some(format!("{first}/{second}"))
    } else {
        Some(first.to_owned())
    }
}

/// A short content hash in the alphabet bundlers use in file names (8 characters).
pub fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..6]);
    s.truncate(8);
    s
}

/// `name-AbCd1234.js` → `name`; names without a bundler hash lose only their extension.
pub fn stem(file_name: &str) -> &str {
    let base = file_name.strip_suffix(".js").unwrap_or(file_name);
    let base = base.strip_suffix(".mjs").unwrap_or(base);
    let n = base.len();
    match base.as_bytes().get(n.wrapping_sub(9)) {
        Some(b'-')
            if n > 9
                && base[n - 8..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            &base[..n - 9]
        }
        _ => base,
    }
}

fn safe_name(package: &str) -> String {
    package
        .trim_start_matches('@')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Splits `chunk` where it provably can, or says why not.
pub fn split(chunk: &Chunk, options: &Options) -> Result<Split, Refusal> {
    let code = chunk.code;
    let oversized = code.len() as u64 > options.max_chunk;
    if !oversized && !options.vendor {
        return Err(Refusal::Small);
    }
    let a = analyze(code, chunk.module)?;
    let Some(map_json) = chunk.map else {
        return Err(Refusal::NoMap("the chunk has no source map".into()));
    };
    let source_map = SourceMap::from_json_string(map_json)
        .map_err(|e| Refusal::NoMap(format!("its source map does not parse: {e}")))?;
    let Some(lead) = a.stmts.iter().position(|s| s.role != Role::Request) else {
        return Err(Refusal::NoSafeCut("there is no code to move".into()));
    };
    // Vite puts `const __vite__mapDeps=…` before a chunk's imports. Imports are hoisted, so
    // when everything before the last import only declares (functions, literals), the code
    // after it may move ahead of those declarations, provided it uses none of them.
    let last_request = a.stmts.iter().rposition(|s| s.role == Role::Request);
    let first = match last_request {
        Some(r)
            if r > lead
                && a.stmts[..r]
                    .iter()
                    .all(|s| s.role == Role::Request || (s.role == Role::Movable && s.pure)) =>
        {
            match a.stmts[r..].iter().position(|s| s.role != Role::Request) {
                Some(i) => r + i,
                None => return Err(Refusal::NoSafeCut("there is no code to move".into())),
            }
        }
        _ => lead,
    };
    if let Role::Fixed(why) = a.stmts[first].role {
        return Err(Refusal::NoSafeCut(format!(
            "its first statement must run first and stay: {why}"
        )));
    }
    let barrier = a.stmts[first..]
        .iter()
        .position(|s| s.role != Role::Movable)
        .map_or(a.stmts.len(), |i| first + i);

    // Byte offset where the part starting at statement `i` begins (comments before a
    // statement go with it); `barrier` ends the movable region.
    let start_of = |i: usize| -> usize {
        if i == 0 {
            a.body_start
        } else if i >= a.stmts.len() {
            a.stmts.last().map_or(code.len(), |s| s.span.end)
        } else {
            a.stmts[i - 1].span.end
        }
    };
    let starts: Vec<usize> = (first..=barrier).map(start_of).collect();
    let at = |i: usize| starts[i - first];
    let mut offsets: Vec<usize> = Vec::new();
    for i in first..barrier {
        offsets.push(a.stmts[i].span.start);
        offsets.push(a.stmts[i].span.end);
    }
    offsets.extend(&starts);
    offsets.sort_unstable();
    offsets.dedup();
    let pos_list = positions(code, &offsets);
    let pos_of = |byte: usize| -> Pos {
        let i = offsets.partition_point(|&o| o < byte);
        pos_list.get(i).copied().unwrap_or((u32::MAX, u32::MAX))
    };

    // Each movable statement's source module (statements the map does not cover go with
    // the module before them, or after them at the start).
    let ranges: Vec<(Pos, Pos)> = (first..barrier)
        .map(|i| (pos_of(a.stmts[i].span.start), pos_of(a.stmts[i].span.end)))
        .collect();
    let found = first_sources(&source_map, &ranges);
    if found.iter().all(Option::is_none) {
        return Err(Refusal::NoMap(
            "its source map maps none of its statements".into(),
        ));
    }
    let mut modules: Vec<u32> = Vec::with_capacity(found.len());
    let lead = found.iter().flatten().next().copied().unwrap_or(0);
    let mut last = lead;
    for f in &found {
        last = f.unwrap_or(last);
        modules.push(last);
    }
    let module_of = |i: usize| modules[i - first];
    let source_name = |id: u32| source_map.get_source(id).unwrap_or("").to_owned();
    let package_at = |i: usize| package_of(&source_name(module_of(i)));

    let (valid, blockers) = valid_cuts(&a, first, barrier);
    // Cuts between two modules (or at the end of the movable code) that are safe.
    let candidates: Vec<usize> = (first + 1..=barrier)
        .filter(|&c| valid[c] && (c == barrier || module_of(c - 1) != module_of(c)))
        .collect();
    let size = |from: usize, to: usize| (at(to) - at(from)) as u64;

    let mut cuts: Vec<usize> = Vec::new();
    let mut cur = first;
    loop {
        let remaining = code.len() as u64 - size(first, cur);
        let ahead: Vec<usize> = candidates.iter().copied().filter(|&c| c > cur).collect();
        // The end of the vendor package starting here, if vendor code starts here.
        let vendor_end = if options.vendor && cur < barrier {
            package_at(cur).and_then(|p| {
                ahead
                    .iter()
                    .copied()
                    .find(|&c| c == barrier || package_at(c).as_ref() != Some(&p))
            })
        } else {
            None
        };
        // A chunk that is one package and nothing else stays: cutting it costs a request.
        let vendor_end = vendor_end.filter(|&v| {
            size(cur, v) >= options.min_part.saturating_mul(VENDOR_MIN_PARTS)
                && (v < barrier || (code.len() - at(v)) as u64 >= options.min_part)
        });
        let limit_end = vendor_end.unwrap_or(barrier);
        let fits: Vec<usize> = ahead
            .iter()
            .copied()
            .filter(|&c| c <= limit_end && size(cur, c) >= options.min_part)
            .collect();
        let next = if let Some(v) = vendor_end {
            // The whole package, or as much of it as fits, but never past it.
            if size(cur, v) <= options.max_chunk {
                Some(v)
            } else {
                fits.iter()
                    .copied()
                    .rfind(|&c| size(cur, c) <= options.max_chunk)
                    .or(Some(v))
            }
        } else if remaining > options.max_chunk {
            fits.iter()
                .copied()
                .rfind(|&c| size(cur, c) <= options.max_chunk)
                .or_else(|| fits.first().copied())
        } else {
            // Within the limit. (With vendor on, app code here would have to move with any
            // vendor code after it: not worth a request.)
            None
        };
        match next {
            Some(c) if c > cur => {
                cuts.push(c);
                cur = c;
                if cur >= barrier {
                    break;
                }
            }
            _ => break,
        }
    }
    if cuts.is_empty() {
        if !oversized {
            return Err(Refusal::Small);
        }
        let why = blockers(&candidates, barrier, &source_name, &module_of)
            .unwrap_or_else(|| {
                format!(
                    "its movable code ({} bytes before {}) has no module boundary that leaves parts of at least {} bytes",
                    size(first, barrier),
                    if barrier < a.stmts.len() {
                        match &a.stmts[barrier].role {
                            Role::Fixed(why) => format!("a statement where {why}"),
                            _ => "an import".to_owned(),
                        }
                    } else {
                        "the end".to_owned()
                    },
                    options.min_part
                )
            });
        return Err(Refusal::NoSafeCut(why));
    }

    emit(
        chunk,
        &a,
        &source_map,
        first,
        &cuts,
        &|i| at(i),
        &pos_of,
        &|i| (source_name(module_of(i)), package_at(i)),
    )
}

type Blockers<'a> = Box<
    dyn Fn(&[usize], usize, &dyn Fn(u32) -> String, &dyn Fn(usize) -> u32) -> Option<String> + 'a,
>;

/// Which cuts in `first+1..=barrier` are safe, and a way to say why the module boundaries
/// were not.
fn valid_cuts(a: &Analysis, first: usize, barrier: usize) -> (Vec<bool>, Blockers<'_>) {
    let n = a.stmts.len();
    let mut diff = vec![0i64; n + 2];
    let mut block = |from: usize, to: usize| {
        // Cuts c with from < c <= to are invalid.
        if from < to {
            diff[from + 1] += 1;
            diff[to + 1] -= 1;
        }
    };
    for s in &a.symbols {
        if a.stmts[s.stmt].role == Role::Request {
            continue;
        }
        if s.stmt < first {
            // Declared before the movable code and staying: nothing that moves may use it.
            for &r in s.readers.iter().chain(&s.writers) {
                if r >= first {
                    block(r, barrier);
                }
            }
            continue;
        }
        for &r in s.readers.iter().chain(&s.writers) {
            if r < s.stmt {
                block(r, s.stmt);
            }
        }
        if let Some(&w) = s.writers.iter().max()
            && w > s.stmt
        {
            block(s.stmt, w);
        }
        // Assigned by a declaration left before the movable code: it stays, so must this.
        if s.writers.iter().any(|&w| w < first) {
            block(s.stmt, barrier);
        }
    }
    let mut valid = vec![false; n + 2];
    let mut run = 0;
    for (c, v) in valid.iter_mut().enumerate().take(barrier + 1) {
        run += diff[c];
        *v = c > first && run == 0;
    }
    let explain: Blockers<'_> = Box::new(move |candidates, barrier, source, module_of| {
        if !candidates.is_empty() {
            return None;
        }
        // The boundary nearest the middle of the movable code, and the binding that blocks it.
        let boundary = (first + 1..barrier)
            .filter(|&c| module_of(c - 1) != module_of(c))
            .min_by_key(|&c| c.abs_diff(usize::midpoint(first, barrier)))?;
        for s in &a.symbols {
            if a.stmts[s.stmt].role == Role::Request {
                continue;
            }
            for &r in &s.readers {
                if r < s.stmt && r < boundary && boundary <= s.stmt {
                    return Some(format!(
                        "`{}` (from {}) is used before the boundary with {} and declared after it",
                        s.name,
                        source(module_of(r.max(first).min(barrier - 1))),
                        source(module_of(boundary))
                    ));
                }
            }
            for &w in &s.writers {
                if s.stmt < boundary && boundary <= w {
                    return Some(format!(
                        "`{}` would move with {} but is assigned by code that stays",
                        s.name,
                        source(module_of(s.stmt.max(first).min(barrier - 1)))
                    ));
                }
                if w < boundary && boundary <= s.stmt {
                    return Some(format!(
                        "`{}` is assigned before the boundary with {} and declared after it",
                        s.name,
                        source(module_of(boundary))
                    ));
                }
            }
        }
        None
    });
    (valid, explain)
}

#[allow(clippy::too_many_arguments)]
fn emit(
    chunk: &Chunk,
    a: &Analysis,
    source_map: &SourceMap,
    first: usize,
    cuts: &[usize],
    at: &dyn Fn(usize) -> usize,
    pos_of: &dyn Fn(usize) -> Pos,
    origin: &dyn Fn(usize) -> (String, Option<String>),
) -> Result<Split, Refusal> {
    let code = chunk.code;
    let stem = stem(chunk.file_name);
    let with_map = chunk.map.is_some();
    // Which part (0-based) a statement went to, if it moved.
    let part_of = |i: usize| -> Option<usize> {
        if i < first {
            return None;
        }
        cuts.iter().position(|&c| i < c)
    };
    let mut parts: Vec<Part> = Vec::new();
    // Per part: the bindings it must export.
    let mut exports: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); cuts.len()];
    // Per part (or the rest, index cuts.len()): part → names it imports from it.
    let mut imports: Vec<BTreeMap<usize, BTreeSet<&str>>> = vec![BTreeMap::new(); cuts.len() + 1];
    // Per part: the original's import statements it needs.
    let mut requests: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); cuts.len()];
    for s in &a.symbols {
        let home = part_of(s.stmt).filter(|_| a.stmts[s.stmt].role != Role::Request);
        for &r in &s.readers {
            let user = part_of(r).unwrap_or(cuts.len());
            if a.stmts[s.stmt].role == Role::Request {
                if user < cuts.len() {
                    requests[user].insert(s.stmt);
                }
                continue;
            }
            if let Some(h) = home
                && h != user
            {
                exports[h].insert(&s.name);
                imports[user].entry(h).or_default().insert(&s.name);
            }
        }
    }
    let import_line = |names: Option<&BTreeSet<&str>>, file: &str| match names {
        Some(n) if !n.is_empty() => format!(
            "import{{{}}}from\"./{file}\";",
            n.iter().copied().collect::<Vec<_>>().join(",")
        ),
        _ => format!("import\"./{file}\";"),
    };

    let mut from = first;
    for (k, &to) in cuts.iter().enumerate() {
        let mut header = String::new();
        let mut specifiers = Vec::new();
        // Every module the chunk requested, in its order, before anything else: the part then
        // runs after all of them, as the moved code did (also when one of them awaits at its
        // top level, which lets modules that do not depend on it run first). Imports whose
        // bindings the part uses are copied whole; the others are imported for order only.
        for (r, stmt) in a.stmts.iter().enumerate() {
            let Some((specifier, is_import)) = &stmt.request else {
                continue;
            };
            if *is_import && requests[k].contains(&r) {
                header.push_str(&code[stmt.span.clone()]);
            } else {
                header.push_str(&format!("import{};", js_string(specifier)));
            }
            header.push('\n');
            specifiers.push(specifier.clone());
        }
        // The part before this one, always, so the parts run in their order; the others when
        // their bindings are used.
        for (j, earlier) in parts.iter().enumerate() {
            let names = imports[k].get(&j);
            if names.is_none() && j + 1 != k {
                continue;
            }
            let file: &str = &earlier.file_name;
            header.push_str(&import_line(names, file));
            header.push('\n');
            specifiers.push(format!("./{file}"));
        }
        let body = &code[at(from)..at(to)];
        let mut text = String::with_capacity(header.len() + body.len() + 64);
        text.push_str(&header);
        text.push_str(body);
        if !exports[k].is_empty() {
            text.push_str("\nexport{");
            text.push_str(&exports[k].iter().copied().collect::<Vec<_>>().join(","));
            text.push_str("};");
        }
        text.push('\n');
        let mut mods: Vec<String> = Vec::new();
        // Bytes per package (None: app code).
        let mut packages: BTreeMap<Option<String>, usize> = BTreeMap::new();
        for i in from..to {
            let (m, p) = origin(i);
            if mods.last() != Some(&m) {
                mods.push(m);
            }
            *packages.entry(p).or_default() += a.stmts[i].span.len();
        }
        mods.dedup();
        let package = match packages.keys().collect::<Vec<_>>().as_slice() {
            [Some(p)] => Some(p.clone()),
            _ => None,
        };
        // Several packages and no app code: named after the largest.
        let largest = (!packages.contains_key(&None))
            .then(|| packages.iter().max_by_key(|(_, n)| **n))
            .flatten()
            .and_then(|(p, _)| p.clone());
        let hash = short_hash(text.as_bytes());
        let file_name = match (&package, &largest) {
            (Some(p), _) => format!("vendor-{}-{hash}.js", safe_name(p)),
            (None, Some(p)) => format!("vendor-{}-and-more-{hash}.js", safe_name(p)),
            (None, None) => format!("{stem}-{}-{hash}.js", k + 1),
        };
        let map = with_map.then(|| {
            let (start, end) = (pos_of(at(from)), pos_of(at(to)));
            let header_lines = u32::try_from(header.matches('\n').count()).unwrap_or(0);
            remap(source_map, &file_name, |p| {
                (p >= start && p < end).then(|| {
                    (
                        p.0 - start.0 + header_lines,
                        if p.0 == start.0 { p.1 - start.1 } else { p.1 },
                    )
                })
            })
        });
        if map.is_some() {
            text.push_str(&format!("//# sourceMappingURL={file_name}.map\n"));
        }
        parts.push(Part {
            file_name,
            code: text,
            map,
            modules: mods,
            package,
            imports: specifiers,
        });
        from = to;
    }

    // What stays: everything before the moved code and after it, then the parts imported in
    // order (after every original request, so they evaluate last, as the moved code did).
    let last = *cuts.last().unwrap_or(&first);
    let (cut_from, cut_to) = (at(first), at(last));
    let mut rest = String::with_capacity(code.len() - (cut_to - cut_from) + 256);
    rest.push_str(&code[..cut_from]);
    rest.push_str(&code[cut_to..]);
    let mut tail = String::new();
    for (k, part) in parts.iter().enumerate() {
        tail.push_str(&import_line(imports[cuts.len()].get(&k), &part.file_name));
    }
    // Before the original's trailing map comment (a comment the parser found: text in a
    // string or another comment that only looks like one is no place for imports).
    let insert_at = a
        .map_comment
        .filter(|&m| m >= cut_to)
        .map_or(rest.len(), |m| m - (cut_to - cut_from));
    let mut glue = String::new();
    if !rest[..insert_at].ends_with('\n') {
        glue.push('\n');
    }
    glue.push_str(&tail);
    glue.push('\n');
    rest.insert_str(insert_at, &glue);
    let map = with_map.then(|| {
        let (start, end) = (pos_of(cut_from), pos_of(cut_to));
        remap(source_map, chunk.file_name, |p| {
            if p < start {
                Some(p)
            } else if p < end {
                None
            } else {
                Some((
                    p.0 - (end.0 - start.0),
                    if p.0 == end.0 {
                        p.1 - end.1 + start.1
                    } else {
                        p.1
                    },
                ))
            }
        })
    });

    // Whatever was proven above, the output must parse again.
    for (name, text) in parts
        .iter()
        .map(|p| (p.file_name.as_str(), p.code.as_str()))
        .chain([(chunk.file_name, rest.as_str())])
    {
        if let Err(Refusal::Parse { message, .. }) = analyze(text, true) {
            return Err(Refusal::NoSafeCut(format!(
                "the split {name} would not parse ({message}); kept as it was"
            )));
        }
    }
    Ok(Split {
        parts,
        code: rest,
        map,
    })
}

/// `s` as a double-quoted JS string literal.
fn js_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
