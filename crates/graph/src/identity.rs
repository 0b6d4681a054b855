//! Which file of one build is which file of another, although content hashes in names change:
//! `index-CzJqd0pZ.js` today is `index-B81xQk2a.js` tomorrow.
//!
//! A file's identity is, in order: its manifest key (Vite) or route role; the same path; its name
//! with the hash removed (`assets/index.js`); the same content; and for opaque names (Turbopack's
//! `2qwir9lo9s4-s.js`) the set of original modules its source map names, matched by overlap.

#![allow(
    clippy::indexing_slicing,
    reason = "pair indices come from enumerating the same current and baseline file lists"
)]

use std::collections::{BTreeMap, BTreeSet};

/// What identity matching needs to know of one file.
#[derive(Debug, Clone, Default)]
pub struct IdentityInput<'a> {
    pub path: &'a str,
    pub key: Option<&'a str>,
    pub hash: &'a str,
    /// Original modules named by the file's source map (buckets excluded).
    pub modules: BTreeSet<&'a str>,
}

/// How a pair was matched, strongest first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    Key,
    Path,
    Name,
    Hash,
    Modules,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Key => "key",
            MatchedBy::Path => "path",
            MatchedBy::Name => "name",
            MatchedBy::Hash => "hash",
            MatchedBy::Modules => "modules",
        }
    }
}

/// Minimum Jaccard overlap of module sets for two opaque files to be the same file.
const MIN_MODULE_OVERLAP: f64 = 0.5;

/// Pairs `(current index, baseline index, how)`; every file appears in at most one pair.
pub fn match_files(
    current: &[IdentityInput],
    baseline: &[IdentityInput],
) -> Vec<(usize, usize, MatchedBy)> {
    let mut pairs = Vec::new();
    let mut free_current: BTreeSet<usize> = (0..current.len()).collect();
    let mut free_baseline: BTreeSet<usize> = (0..baseline.len()).collect();

    // Exact rules: a value that names exactly one free file on each side is a match.
    type KeyFn = fn(&IdentityInput) -> Option<String>;
    let rules: [(MatchedBy, KeyFn); 4] = [
        (MatchedBy::Key, |f| f.key.map(str::to_owned)),
        (MatchedBy::Path, |f| Some(f.path.to_owned())),
        (MatchedBy::Name, |f| stable_name(f.path)),
        (MatchedBy::Hash, |f| {
            (!f.hash.is_empty()).then(|| f.hash.to_owned())
        }),
    ];
    for (how, key_of) in rules {
        let index = |files: &[IdentityInput], free: &BTreeSet<usize>| {
            let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            for &i in free {
                if let Some(k) = key_of(&files[i]) {
                    by.entry(k).or_default().push(i);
                }
            }
            by
        };
        let cur = index(current, &free_current);
        let base = index(baseline, &free_baseline);
        for (k, c) in &cur {
            if let (Some(b), [c]) = (base.get(k), c.as_slice())
                && let [b] = b.as_slice()
            {
                pairs.push((*c, *b, how));
                free_current.remove(c);
                free_baseline.remove(b);
            }
        }
    }

    // Opaque names: best module-set overlap first, greedily.
    let mut candidates = Vec::new();
    for &c in &free_current {
        if current[c].modules.is_empty() {
            continue;
        }
        for &b in &free_baseline {
            let (x, y) = (&current[c].modules, &baseline[b].modules);
            if y.is_empty() || extension(current[c].path) != extension(baseline[b].path) {
                continue;
            }
            let jaccard = x.intersection(y).count() as f64 / x.union(y).count() as f64;
            if jaccard >= MIN_MODULE_OVERLAP {
                candidates.push((jaccard, c, b));
            }
        }
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, c, b) in candidates {
        if free_current.contains(&c) && free_baseline.contains(&b) {
            pairs.push((c, b, MatchedBy::Modules));
            free_current.remove(&c);
            free_baseline.remove(&b);
        }
    }
    pairs.sort();
    pairs
}

fn extension(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(_, e)| e)
}

/// The path with content hashes removed, or `None` when nothing but a hash names the file.
///
/// - Vite: `assets/index-CzJqd0pZ.js` → `assets/index.js` (8 chars of `[A-Za-z0-9_-]` after `-`,
///   which may themselves contain `-`: `Calendar--DI8BKLk.js` → `Calendar.js`);
/// - webpack: `static/chunks/app/dashboard/page-17bf81168d98c4a5.js` → `…/page.js`,
///   `static/chunks/745.b14a75966f0e160d.js` → `static/chunks/745.js`,
///   `static/media/hero.d5746e30.jpg` → `static/media/hero.jpg`;
/// - Turbopack: `static/media/hero.1yow7fhtj9a3g.jpg` → `static/media/hero.jpg`;
/// - Next's build-id folder: `static/<BUILD_ID>/_buildManifest.js` → `static/_/_buildManifest.js`;
/// - opaque: `static/chunks/2qwir9lo9s4-s.js`, `static/css/fc90517bc8f6a797.css` → `None`.
pub fn stable_name(path: &str) -> Option<String> {
    let (dir, name) = path.rsplit_once('/').map_or(("", path), |(d, n)| (d, n));
    let dir = match dir.split_once('/') {
        Some(("static", rest))
            if name.starts_with('_') && !rest.contains('/') && rest.len() >= 16 =>
        {
            "static/_".to_owned()
        }
        _ => dir.to_owned(),
    };
    // `.js.map` keeps both extensions.
    let (stem, ext) = match name.strip_suffix(".map") {
        Some(inner) => {
            let (s, e) = inner.rsplit_once('.')?;
            (s, format!("{e}.map"))
        }
        None => {
            let (s, e) = name.rsplit_once('.')?;
            (s, e.to_owned())
        }
    };
    let stripped = strip_hash(stem)?;
    let joined = if dir.is_empty() {
        format!("{stripped}.{ext}")
    } else {
        format!("{dir}/{stripped}.{ext}")
    };
    Some(joined)
}

fn strip_hash(stem: &str) -> Option<&str> {
    let looks_hashed = |h: &str| {
        h.len() >= 8
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && h.bytes()
                .any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    };
    // A stem that is all hash (`fc90517bc8f6a797`, `2qwir9lo9s4-s`) is opaque: long, with
    // digits, and no word of four or more letters in it.
    let is_opaque = |s: &str| {
        s.len() >= 10
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && s.bytes().filter(u8::is_ascii_digit).count() >= 2
            && !s
                .split(['-', '_'])
                .any(|w| w.len() >= 4 && w.bytes().all(|b| b.is_ascii_alphabetic()))
    };
    // webpack / Turbopack: `<name>.<hash>` or `<name>-<hash16>`.
    if let Some((name, h)) = stem.rsplit_once('.')
        && looks_hashed(h)
        && !name.is_empty()
    {
        return Some(name);
    }
    // Vite: the last 8 chars after a `-`.
    if stem.len() > 9 && stem.is_char_boundary(stem.len() - 9) {
        let (name, tail) = stem.split_at(stem.len() - 9);
        if tail.starts_with('-') && looks_hashed(&tail[1..]) && !name.is_empty() {
            return Some(name);
        }
    }
    if let Some((name, h)) = stem.rsplit_once('-')
        && h.len() >= 16
        && h.bytes().all(|b| b.is_ascii_hexdigit())
        && !name.is_empty()
    {
        return Some(name);
    }
    if is_opaque(stem) { None } else { Some(stem) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_names_of_real_files() {
        let cases = [
            ("assets/index-CzJqd0pZ.js", Some("assets/index.js")),
            ("assets/index-CzJqd0pZ.js.map", Some("assets/index.js.map")),
            ("assets/Calendar--DI8BKLk.js", Some("assets/Calendar.js")),
            (
                "assets/inter-cyrillic-ext-400-normal-DQukG94-.woff",
                Some("assets/inter-cyrillic-ext-400-normal.woff"),
            ),
            (
                "assets/react-vendor-B-f9XVDP.js",
                Some("assets/react-vendor.js"),
            ),
            ("index.html", Some("index.html")),
            ("robots.txt", Some("robots.txt")),
            (
                "static/chunks/app/dashboard/page-17bf81168d98c4a5.js",
                Some("static/chunks/app/dashboard/page.js"),
            ),
            (
                "static/chunks/745.b14a75966f0e160d.js",
                Some("static/chunks/745.js"),
            ),
            (
                "static/chunks/794-c6e3884f9a9b0798.js",
                Some("static/chunks/794.js"),
            ),
            (
                "static/media/hero.d5746e30.jpg",
                Some("static/media/hero.jpg"),
            ),
            (
                "static/media/hero.1yow7fhtj9a3g.jpg",
                Some("static/media/hero.jpg"),
            ),
            (
                "static/FXYhdZdx6JT_bChzs_gyL/_buildManifest.js",
                Some("static/_/_buildManifest.js"),
            ),
            ("static/chunks/2qwir9lo9s4-s.js", None),
            ("static/css/fc90517bc8f6a797.css", None),
        ];
        for (path, want) in cases {
            assert_eq!(stable_name(path).as_deref(), want, "{path}");
        }
    }

    fn input<'a>(
        path: &'a str,
        key: Option<&'a str>,
        hash: &'a str,
        modules: &[&'a str],
    ) -> IdentityInput<'a> {
        IdentityInput {
            path,
            key,
            hash,
            modules: modules.iter().copied().collect(),
        }
    }

    #[test]
    fn matches_by_key_name_hash_and_modules() {
        let current = [
            input("assets/index-AAAAAAA1.js", Some("index.html"), "h1", &[]),
            input("assets/About-BBBBBBB2.js", None, "h2", &[]),
            input(
                "static/chunks/0abc123def45.js",
                None,
                "h3",
                &["a.js", "b.js", "c.js"],
            ),
            input("static/chunks/9zzz999zzz99.js", None, "same", &[]),
            input("assets/New-CCCCCCC3.js", None, "h5", &[]),
        ];
        let baseline = [
            input("assets/index-XXXXXXX9.js", Some("index.html"), "x1", &[]),
            input("assets/About-YYYYYYY8.js", None, "x2", &[]),
            input(
                "static/chunks/1qqq111qqq11.js",
                None,
                "x3",
                &["a.js", "b.js", "d.js"],
            ),
            input("static/chunks/8yyy888yyy88.js", None, "same", &[]),
            input("assets/Gone-ZZZZZZZ7.js", None, "x5", &[]),
        ];
        let pairs = match_files(&current, &baseline);
        assert_eq!(
            pairs,
            vec![
                (0, 0, MatchedBy::Key),
                (1, 1, MatchedBy::Name),
                (2, 2, MatchedBy::Modules),
                (3, 3, MatchedBy::Hash)
            ]
        );
    }

    #[test]
    fn ambiguous_names_do_not_match_blindly() {
        let current = [
            input("a/x-AAAAAAA1.js", None, "1", &[]),
            input("a/x-BBBBBBB2.js", None, "2", &[]),
        ];
        let baseline = [input("a/x-CCCCCCC3.js", None, "3", &[])];
        assert!(match_files(&current, &baseline).is_empty());
    }
}
