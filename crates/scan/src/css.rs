//! `url(…)` and `@import` targets in a stylesheet.

use crate::{Span, quoted, skip_ws};
use distill_graph::EdgeKind;
use memchr::memmem;

/// A reference from a stylesheet, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// As written, without quotes.
    pub specifier: String,
    /// [`EdgeKind::Asset`] for `url()`, [`EdgeKind::Stylesheet`] for `@import`.
    pub kind: EdgeKind,
    /// The specifier's bytes in the file.
    pub span: Span,
}

/// Every `url()` then every `@import`, each in file order.
pub fn references(text: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    for at in memmem::find_iter(text, b"url(") {
        let mut j = skip_ws(text, at + 4);
        let found = quoted(text, j).or_else(|| {
            let start = j;
            while text
                .get(j)
                .is_some_and(|&b| b != b')' && !b.is_ascii_whitespace())
            {
                j += 1;
            }
            let s = std::str::from_utf8(text.get(start..j)?).ok()?;
            Some((s.to_owned(), start..j))
        });
        if let Some((specifier, span)) = found.filter(|(s, _)| !s.is_empty()) {
            out.push(Reference {
                specifier,
                kind: EdgeKind::Asset,
                span,
            });
        }
    }
    for at in memmem::find_iter(text, b"@import") {
        if let Some((specifier, span)) = quoted(text, skip_ws(text, at + 7)) {
            out.push(Reference {
                specifier,
                kind: EdgeKind::Stylesheet,
                span,
            });
        }
    }
    // A `url(` inside another match's string finds a second span within the first: keep the
    // earlier one, so spans never overlap and `splice` can rewrite every one. Order is kept.
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by_key(|&i| out.get(i).map_or(0, |r| r.span.start));
    let mut keep = vec![true; out.len()];
    let mut end = 0;
    for i in order {
        let Some(r) = out.get(i) else { continue };
        if r.span.start < end {
            if let Some(k) = keep.get_mut(i) {
                *k = false;
            }
        } else {
            end = r.span.end;
        }
    }
    let mut kept = keep.into_iter();
    out.retain(|_| kept.next().unwrap_or(true));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_imports() {
        let css = br#"@font-face{src:url(/assets/inter-C38.woff2) format("woff2"),url("./x.woff")}a{background:url('data:image/png;base64,AA')}@import "b.css";"#;
        let found = references(css);
        let specs: Vec<_> = found.iter().map(|r| r.specifier.as_str()).collect();
        assert_eq!(
            specs,
            [
                "/assets/inter-C38.woff2",
                "./x.woff",
                "data:image/png;base64,AA",
                "b.css"
            ]
        );
        for r in &found {
            assert_eq!(&css[r.span.clone()], r.specifier.as_bytes());
        }
    }
}
