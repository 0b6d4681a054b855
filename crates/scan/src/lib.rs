//! Byte-level scanners for the references a build's files make to each other: ES-module imports
//! in scripts, `url()` and `@import` in stylesheets, `<script>` and `<link>` tags in HTML,
//! bundler loader tables, and the trailing `sourceMappingURL` comment.
//!
//! They read minified output the way bundlers write it; whatever they find is only kept by ingest
//! when it resolves to a file that exists in the build, so a false match in a string costs
//! nothing. Every match carries the byte [`Span`] of its text in the scanned file, so a later
//! stage can rewrite a reference (a renamed chunk, an `integrity=` value, a preload list) in
//! place with [`splice`]. Searching uses SIMD substring search (`memchr::memmem`): the scanners
//! run at memory speed on multi-megabyte chunks.
//!
//! ```
//! use distill_scan::{js, splice};
//! let code = r#"import{a}from"./vendor-1.js";import(`./lazy-2.js`)"#;
//! let refs = js::references(code.as_bytes());
//! assert_eq!(refs[0].specifier, "./vendor-1.js");
//! let renamed = splice(code.as_bytes(), [(refs[0].span.clone(), "./vendor-9.js".as_bytes())]);
//! assert_eq!(renamed, br#"import{a}from"./vendor-9.js";import(`./lazy-2.js`)"#);
//! ```

pub mod css;
pub mod data_url;
pub mod html;
pub mod js;
pub mod loader;
pub mod map_url;

#[cfg(test)]
mod fuzz;

/// A byte range in the scanned text.
pub type Span = std::ops::Range<usize>;

/// `text` with each span replaced by its new bytes. Spans must not overlap; their order does not
/// matter.
pub fn splice<'a>(text: &[u8], edits: impl IntoIterator<Item = (Span, &'a [u8])>) -> Vec<u8> {
    let mut edits: Vec<(Span, &[u8])> = edits.into_iter().collect();
    edits.sort_by_key(|(span, _)| (span.start, span.end));
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for (span, with) in edits {
        let start = span.start.clamp(at, text.len());
        out.extend_from_slice(text.get(at..start).unwrap_or_default());
        out.extend_from_slice(with);
        at = span.end.clamp(start, text.len());
    }
    out.extend_from_slice(text.get(at..).unwrap_or_default());
    out
}

/// A string literal starting at `i` (`'`, `"` or a backtick without substitutions), up to 1024
/// bytes, without escapes: its content and span. Anything else is `None`.
pub(crate) fn quoted(text: &[u8], i: usize) -> Option<(String, Span)> {
    let q = *text.get(i)?;
    if !matches!(q, b'"' | b'\'' | b'`') {
        return None;
    }
    let start = i + 1;
    let rest = text.get(start..)?;
    let len = rest
        .iter()
        .take(1024)
        .position(|&b| b == q || b == b'\\' || b == b'\n')?;
    if rest.get(len) != Some(&q) {
        return None;
    }
    let s = std::str::from_utf8(rest.get(..len)?).ok()?;
    if q == b'`' && s.contains("${") {
        return None;
    }
    Some((s.to_owned(), start..start + len))
}

pub(crate) fn skip_ws(text: &[u8], mut i: usize) -> usize {
    while text.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_in_any_order() {
        let text = b"0123456789";
        let out = splice(
            text,
            [(6..8, &b"x"[..]), (1..2, &b"ABC"[..]), (9..9, &b"!"[..])],
        );
        assert_eq!(out, b"0ABC2345x8!9");
        assert_eq!(splice(text, []), text);
    }

    #[test]
    fn quoted_strings() {
        assert_eq!(quoted(b"'a.js'", 0), Some(("a.js".into(), 1..5)));
        assert_eq!(quoted(b"x`./a-${n}.js`", 1), None);
        assert_eq!(quoted(b"\"a\\\"b\"", 0), None);
        assert_eq!(quoted(b"\"unterminated", 0), None);
        assert_eq!(quoted(b"", 0), None);
    }
}
