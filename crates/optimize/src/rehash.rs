//! `--rehash`: files whose bytes the stages changed get a new content hash in their name, and
//! every reference to them is rewritten, so a CDN that caches `assets/*` as immutable never
//! serves the old bytes under a name that now means new ones.
//!
//! Only names that carry a bundler hash are renamed (`name-AbCd1234.js`: a `-` and 8 characters
//! of `[A-Za-z0-9_-]` before the extension, as Vite, Rollup and Rolldown write them); a file's
//! source map moves with it. Renaming a file changes the bytes of every file that names it, so
//! those are renamed too, to a fixed point. A name's hash covers the file's bytes with every
//! renamed name replaced by its stem, plus the hashes of everything it reaches: a change
//! anywhere below gives a new name above, even through import cycles.
//!
//! References are found as the exact old file name (with its 8-character hash, which no other
//! text contains) in every text file of the build (scripts, stylesheets, HTML, JSON manifests,
//! source maps), bounded on the left so `x-AbCd1234.js` never matches inside
//! `ax-AbCd1234.js`. That covers imports, `import()`, Vite's preload lists, CSS `url()`,
//! `<script>`/`<link>` tags, `.vite/manifest.json` and `sourceMappingURL` comments alike, in
//! one pass per file.

#![allow(
    clippy::indexing_slicing,
    reason = "name positions come from the searcher that ran over the same text, and file indices from the same list"
)]

use crate::Context;
use aho_corasick::AhoCorasick;
use distill_fs::{Change, FileSource};
use distill_graph::Framework;
use distill_schema::{Action, FileChange, Stage, StageReport};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Extensions of files whose text may name other files.
const TEXT: &[&str] = &[
    ".js",
    ".mjs",
    ".cjs",
    ".css",
    ".html",
    ".htm",
    ".json",
    ".map",
    ".webmanifest",
    ".svg",
    ".xml",
    ".txt",
];

fn is_text(path: &str) -> bool {
    TEXT.iter().any(|e| path.ends_with(e))
}

/// `dir/name-AbCd1234.ext` → (`dir/name`, `ext`), when the name carries a bundler hash.
pub(crate) fn hashed_name(path: &str) -> Option<(&str, &str)> {
    let file = path.rsplit('/').next()?;
    let dot = file.rfind('.')?;
    let (base, ext) = (&file[..dot], &file[dot + 1..]);
    let n = base.len();
    if n < 10 || base.as_bytes().get(n - 9) != Some(&b'-') {
        return None;
    }
    if !base[n - 8..]
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return None;
    }
    if ext == "map" || distill_graph::Sibling::parse(file).is_some() {
        return None;
    }
    let stem_len = path.len() - file.len() + n - 9;
    Some((&path[..stem_len], ext))
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

pub(crate) fn run(ctx: &mut Context) -> StageReport {
    let mut report = StageReport {
        stage: Stage::Rehash,
        settings:
            "files whose bytes changed renamed by their new content hash; every reference rewritten"
                .into(),
        changes: Vec::new(),
        advice: Vec::new(),
        notes: Vec::new(),
    };
    if ctx.build.framework.is_some_and(Framework::is_next) {
        report.advice.push(
            "Next.js names its chunks itself and records them in manifests the server reads: --rehash leaves them; a Next.js deploy gets new names from `next build`.".into(),
        );
        return report;
    }
    // The files of the build the stages changed that carry a hash in their name.
    let seeds: BTreeSet<String> = ctx
        .overlay
        .changes()
        .iter()
        .filter(|(p, c)| {
            // New files (split parts) are named by their final content already (the split
            // stage sees to it); they join below when they name a renamed file.
            matches!(c, Change::Write(_)) && hashed_name(p).is_some() && ctx.build.file(p).is_some()
        })
        .map(|(p, _)| p.clone())
        .collect();
    report.changes = rename(ctx, seeds, &|_| true);
    report
}

/// Gives `seeds` new names by content hash, and with them every file that names a renamed file
/// and that `may_rename` allows (to a fixed point); rewrites every reference in the build, moves
/// maps along and drops stale precompressed copies. One change per renamed file.
pub(crate) fn rename(
    ctx: &mut Context,
    mut rename: BTreeSet<String>,
    may_rename: &dyn Fn(&str) -> bool,
) -> Vec<FileChange> {
    let mut changes = Vec::new();
    if rename.is_empty() {
        return changes;
    }
    // Every file of the result, and its bytes when a text file.
    let (all, _) = ctx.result_files();
    let removed: BTreeSet<&String> = ctx
        .overlay
        .changes()
        .iter()
        .filter(|(_, c)| matches!(c, Change::Remove))
        .map(|(p, _)| p)
        .collect();
    let all: Vec<String> = all.into_iter().filter(|p| !removed.contains(p)).collect();
    let mut texts: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for p in all.iter().filter(|p| is_text(p)) {
        if let Ok(b) = ctx.overlay.read(p) {
            texts.insert(p.clone(), b);
        }
    }
    // Names by file name, so a reference is found wherever the file sits.
    let hashed: BTreeMap<String, String> = all
        .iter()
        .filter(|p| hashed_name(p).is_some())
        .map(|p| (file_name(p).to_owned(), p.clone()))
        .collect();
    let names: Vec<&String> = hashed.keys().collect();
    let Ok(finder) = AhoCorasick::new(&names) else {
        return changes;
    };
    // Which hashed files each text file names (with the byte offsets).
    let mut refs: BTreeMap<&str, Vec<(usize, usize, &str)>> = BTreeMap::new();
    for (p, bytes) in &texts {
        let mut found = Vec::new();
        for m in finder.find_iter(bytes) {
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            if before
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
            {
                continue;
            }
            // A file naming itself (its `sourceMappingURL`) is rewritten too.
            let target = &hashed[names[m.pattern().as_usize()].as_str()];
            found.push((m.start(), m.end(), target.as_str()));
        }
        if !found.is_empty() {
            refs.insert(p.as_str(), found);
        }
    }
    // Whoever names a renamed file changes too: to a fixed point.
    loop {
        let more: Vec<String> = refs
            .iter()
            .filter(|(p, r)| {
                !rename.contains(**p)
                    && may_rename(p)
                    && hashed_name(p).is_some()
                    && !p.ends_with(".map")
                    && r.iter().any(|(_, _, t)| rename.contains(*t))
            })
            .map(|(p, _)| (*p).to_owned())
            .collect();
        if more.is_empty() {
            break;
        }
        rename.extend(more);
    }

    // Own hash: the bytes with every renamed name replaced by its stem.
    let stem_text = |p: &str| -> Vec<u8> {
        let bytes = texts
            .get(p)
            .cloned()
            .or_else(|| ctx.overlay.read(p).ok())
            .unwrap_or_default();
        let Some(r) = refs.get(p) else { return bytes };
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for &(s, e, t) in r {
            if !rename.contains(t) || s < at {
                continue;
            }
            out.extend_from_slice(&bytes[at..s]);
            out.extend_from_slice(hashed_name(t).map_or(t, |(stem, _)| stem).as_bytes());
            at = e;
        }
        out.extend_from_slice(&bytes[at..]);
        out
    };
    let own: BTreeMap<&str, [u8; 32]> = rename
        .iter()
        .map(|p| (p.as_str(), Sha256::digest(stem_text(p)).into()))
        .collect();
    let mut new_name: BTreeMap<&str, String> = BTreeMap::new();
    for p in &rename {
        // Everything renamed it reaches, through references.
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack = vec![p.as_str()];
        while let Some(x) = stack.pop() {
            for &(_, _, t) in refs.get(x).into_iter().flatten() {
                if t != p && rename.contains(t) && seen.insert(t) {
                    stack.push(t);
                }
            }
        }
        let mut h = Sha256::new();
        h.update(own[p.as_str()]);
        for r in &seen {
            h.update(own[r]);
        }
        let digest = h.finalize();
        let short = distill_split::short_hash(&digest);
        let Some((stem, ext)) = hashed_name(p) else {
            continue;
        };
        let candidate = format!("{stem}-{short}.{ext}");
        if candidate != *p {
            new_name.insert(p.as_str(), candidate);
        }
    }

    // Rewrite every text file that names a renamed file, then move the renamed ones (and their
    // maps and stale precompressed copies).
    let mut writes: Vec<(String, Vec<u8>)> = Vec::new();
    for (p, r) in &refs {
        let bytes = &texts[*p];
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        let mut changed = false;
        for &(s, e, t) in r {
            let Some(n) = new_name.get(t) else { continue };
            if s < at {
                continue;
            }
            out.extend_from_slice(&bytes[at..s]);
            out.extend_from_slice(file_name(n).as_bytes());
            at = e;
            changed = true;
        }
        if changed {
            out.extend_from_slice(&bytes[at..]);
            writes.push(((*p).to_owned(), out));
        }
    }
    for (p, bytes) in writes {
        ctx.overlay.write(&p, bytes);
    }
    for (old, new) in &new_name {
        let Ok(bytes) = ctx.overlay.read(old) else {
            continue;
        };
        ctx.overlay.write(new, bytes);
        ctx.overlay.remove(old);
        let map = format!("{old}.map");
        if let Ok(m) = ctx.overlay.read(&map) {
            ctx.overlay.write(&format!("{new}.map"), m);
            ctx.overlay.remove(&map);
        }
        for encoding in distill_graph::Encoding::ALL {
            if let Some(sibling) = distill_graph::Sibling::path_for(old, encoding)
                && ctx.overlay.read(&sibling).is_ok()
            {
                ctx.overlay.remove(&sibling);
            }
        }
        let size = ctx.overlay.written(new).map_or(0, |b| b.len() as u64);
        changes.push(FileChange {
            path: (*old).to_owned(),
            written: Some(new.clone()),
            encoding: None,
            action: Action::Written,
            before: size,
            after: size,
            reason: Some(format!("renamed: {} → {}", file_name(old), file_name(new))),
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Options, optimize};
    use distill_fs::MemSource;

    /// index.html loads a, which imports b, which imports a back; only b shrinks.
    fn build() -> MemSource {
        MemSource::new()
            .with(
                "index.html",
                r#"<script type="module" src="/assets/a-AAAAAAAA.js"></script>"#,
            )
            .with(
                "assets/a-AAAAAAAA.js",
                "import{b}from\"./b-BBBBBBBB.js\";export const a=1;console.log(b);\n//# sourceMappingURL=a-AAAAAAAA.js.map\n",
            )
            .with("assets/a-AAAAAAAA.js.map", r#"{"version":3,"file":"a-AAAAAAAA.js","sources":[],"names":[],"mappings":""}"#)
            .with(
                "assets/b-BBBBBBBB.js",
                "import { a } from './a-AAAAAAAA.js';\nexport function b ( ) {\n    const message = 'hello ' + a ;\n    return message ;\n}\n",
            )
            .with("assets/c-CCCCCCCC.png", "not changed")
    }

    /// Minify (so b shrinks) and rehash; no images, no precompressed copies.
    fn rehash_only() -> Options {
        Options {
            images: None,
            compress: None,
            rehash: true,
            ..Options::default()
        }
    }

    #[test]
    fn changed_files_and_their_referrers_get_new_names_everywhere() {
        let src = build();
        let b = distill_ingest::ingest(&src).unwrap().build;
        let options = rehash_only();
        let done = optimize(&src, &b, &options);
        let stage = done
            .stages
            .iter()
            .find(|s| s.stage == Stage::Rehash)
            .unwrap();
        let renamed: BTreeMap<&str, &str> = stage
            .changes
            .iter()
            .map(|c| (c.path.as_str(), c.written.as_deref().unwrap()))
            .collect();
        // b shrank; a names b (and b names a: a cycle); c and index.html keep their names.
        assert_eq!(renamed.len(), 2, "{renamed:?}");
        let (new_a, new_b) = (
            renamed["assets/a-AAAAAAAA.js"],
            renamed["assets/b-BBBBBBBB.js"],
        );
        let text = |p: &str| String::from_utf8(done.overlay.read(p).unwrap()).unwrap();
        let name = |p: &str| p.rsplit('/').next().unwrap().to_owned();
        assert!(text("index.html").contains(&format!("/{new_a}")));
        assert!(text(new_a).contains(&format!("./{}", name(new_b))));
        assert!(text(new_a).contains(&format!("sourceMappingURL={}.map", name(new_a))));
        assert!(text(new_b).contains(&format!("./{}", name(new_a))));
        assert!(text(&format!("{new_a}.map")).contains(&name(new_a)));
        assert!(done.overlay.read("assets/a-AAAAAAAA.js").is_err());
        assert!(done.overlay.read("assets/a-AAAAAAAA.js.map").is_err());
        assert!(done.overlay.read("assets/c-CCCCCCCC.png").is_ok());
        // The same input gives the same names.
        let again = optimize(&src, &b, &options);
        assert!(again.overlay.read(new_a).is_ok() && again.overlay.read(new_b).is_ok());
    }

    #[test]
    fn integrity_vouches_for_the_renamed_file() {
        let src = build().with(
            "index.html",
            r#"<script type="module" src="/assets/a-AAAAAAAA.js" integrity="sha384-stale" crossorigin></script>"#,
        );
        let b = distill_ingest::ingest(&src).unwrap().build;
        let options = rehash_only();
        let done = optimize(&src, &b, &options);
        let html = String::from_utf8(done.overlay.read("index.html").unwrap()).unwrap();
        let tag = distill_scan::html::tags(&html)
            .into_iter()
            .find(|t| t.name == "script")
            .unwrap();
        let new_a = tag.attr("src").unwrap().trim_start_matches('/').to_owned();
        assert_ne!(new_a, "assets/a-AAAAAAAA.js");
        let bytes = done.overlay.read(&new_a).unwrap();
        assert_eq!(
            tag.attr("integrity").unwrap(),
            crate::integrity::recompute("sha384-stale", &bytes)
        );
    }

    #[test]
    fn hashed_names() {
        assert_eq!(
            hashed_name("assets/Editor-B-Yvj8W-.js"),
            Some(("assets/Editor", "js"))
        );
        assert_eq!(
            hashed_name("assets/index-Cpu9Q9bU.css"),
            Some(("assets/index", "css"))
        );
        assert_eq!(hashed_name("index.html"), None);
        assert_eq!(hashed_name("assets/app.js"), None);
        assert_eq!(hashed_name("assets/x-AbCd1234.js.map"), None);
        assert_eq!(
            hashed_name("assets/primes.worker-C0UNu4aB.js"),
            Some(("assets/primes.worker", "js"))
        );
    }
}
