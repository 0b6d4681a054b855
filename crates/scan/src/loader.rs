//! Build-relative file paths that bundler runtimes keep in loader tables, to be fetched on demand:
//! Vite's preload table (`__vite__mapDeps` … `m.f=["assets/x.css",…]`, the only place a lazy
//! chunk's CSS is named when there is no manifest), and Next.js chunk paths written as plain
//! strings (`"static/chunks/100wtyqnc13cb.js"` in Turbopack's lazy loaders, the `.rsc` payloads).

#![allow(
    clippy::indexing_slicing,
    reason = "every index lies between a match and the delimiter found after it; scan::fuzz runs the scanners on arbitrary bytes"
)]

use crate::Span;
use memchr::memmem;

/// One path in a loader table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoaderPath {
    /// Build-relative (`/_next/` removed from Next URLs).
    pub path: String,
    /// The bytes of the string as written, without quotes (`/_next/` included when written).
    pub span: Span,
}

/// Vite's preload dependency table: the list every `__vite__mapDeps([i,…])` call indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloadTable {
    /// From `[` to `]` inclusive.
    pub list: Span,
    pub items: Vec<LoaderPath>,
}

/// The `m.f=[…]` table of `const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[…])))=>…`.
pub fn vite_preload_table(text: &[u8]) -> Option<PreloadTable> {
    let pos = memmem::find(text, b"__vite__mapDeps=")?;
    let open = pos + memmem::find(text.get(pos..)?, b"=[")? + 1;
    let close = open + memchr::memchr(b']', text.get(open..)?)?;
    let mut items = Vec::new();
    let mut start = open + 1;
    while start < close {
        let end = memchr::memchr(b',', &text[start..close]).map_or(close, |i| start + i);
        let (mut a, mut b) = (start, end);
        while a < b && text[a].is_ascii_whitespace() {
            a += 1;
        }
        while b > a && text[b - 1].is_ascii_whitespace() {
            b -= 1;
        }
        while a < b && matches!(text[a], b'"' | b'\'' | b'`') {
            a += 1;
        }
        while b > a && matches!(text[b - 1], b'"' | b'\'' | b'`') {
            b -= 1;
        }
        if let Ok(path) = std::str::from_utf8(&text[a..b]) {
            items.push(LoaderPath {
                path: path.to_owned(),
                span: a..b,
            });
        }
        start = end + 1;
    }
    Some(PreloadTable {
        list: open..close + 1,
        items,
    })
}

/// Next.js chunk and stylesheet paths written as double-quoted strings, and the images and
/// other media its image imports become (`{src:"/_next/static/media/hero.3fe53c63.jpg",…}`).
pub fn next_chunk_paths(text: &[u8]) -> Vec<LoaderPath> {
    let mut out = Vec::new();
    for needle in [
        &b"\"static/chunks/"[..],
        b"\"static/css/",
        b"\"static/media/",
        b"\"/_next/static/chunks/",
        b"\"/_next/static/css/",
        b"\"/_next/static/media/",
    ] {
        for at in memmem::find_iter(text, needle) {
            let start = at + 1;
            let Some(len) = text[start..].iter().take(512).position(|&b| b == b'"') else {
                continue;
            };
            // In an escaped string (the `.rsc` payloads: `\"/_next/…\"`) the path ends before `\`.
            let len = if text.get(start + len - 1) == Some(&b'\\') {
                len - 1
            } else {
                len
            };
            if let Ok(s) = std::str::from_utf8(&text[start..start + len]) {
                let path = s.strip_prefix("/_next/").unwrap_or(s);
                if path.ends_with(".js")
                    || path.ends_with(".css")
                    || path.starts_with("static/media/")
                {
                    out.push(LoaderPath {
                        path: path.to_owned(),
                        span: start..start + len,
                    });
                }
            }
        }
    }
    out
}

/// Both kinds, Vite's table first.
pub fn paths(text: &[u8]) -> Vec<LoaderPath> {
    let mut out: Vec<LoaderPath> = vite_preload_table(text)
        .map(|t| t.items)
        .unwrap_or_default();
    out.extend(next_chunk_paths(text));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_literals() {
        let js = br#"t.v(c=>Promise.all(["static/chunks/100wtyqnc13cb.js","/_next/static/chunks/0x.css","static/chunks/x.map"].map(c=>t.l(c))))"#;
        let found = paths(js);
        let got: Vec<_> = found.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            got,
            ["static/chunks/100wtyqnc13cb.js", "static/chunks/0x.css"]
        );
        assert_eq!(&js[found[1].span.clone()], b"/_next/static/chunks/0x.css");
    }

    #[test]
    fn next_media_plain_and_escaped() {
        let js = br#"let s={src:"/_next/static/media/hero.3fe53c63.jpg",height:1};x="{"src":"/_next/static/media/a.png"}""#;
        let found = paths(js);
        let got: Vec<_> = found.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            got,
            ["static/media/hero.3fe53c63.jpg", "static/media/a.png"]
        );
        assert_eq!(&js[found[1].span.clone()], b"/_next/static/media/a.png");
    }

    #[test]
    fn vite_table_with_spans() {
        let vite = br#"const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/Newsletter-C0JAU_lv.js", 'assets/Newsletter-C_GcZM6d.css'])))=>i.map(i=>d[i]);"#;
        let table = vite_preload_table(vite).unwrap();
        let got: Vec<_> = table.items.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            got,
            [
                "assets/Newsletter-C0JAU_lv.js",
                "assets/Newsletter-C_GcZM6d.css"
            ]
        );
        for item in &table.items {
            assert_eq!(&vite[item.span.clone()], item.path.as_bytes());
        }
        assert_eq!(vite[table.list.start], b'[');
        assert_eq!(vite[table.list.end - 1], b']');
        assert!(vite_preload_table(b"__vite__mapDeps=").is_none());
        assert!(vite_preload_table(b"__vite__mapDeps=(m.f=[\"a\"").is_none());
    }
}
