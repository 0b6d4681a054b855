//! ES-module references in a script: static `import`/`export … from`, `import()` and
//! `new URL(…, import.meta.url)` (workers and assets). Quotes may be `'`, `"` or a backtick
//! without substitutions (Vite 8 writes ``import(`./X.js`)``).

use crate::{Span, quoted, skip_ws};
use distill_graph::EdgeKind;
use memchr::memmem;
use std::sync::LazyLock;

/// A reference from one file to another, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// As written, without its quotes.
    pub specifier: String,
    pub kind: EdgeKind,
    /// The specifier's bytes in the file (inside the quotes).
    pub span: Span,
}

static IMPORT: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("import"));
static FROM: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new("from"));
static NEW_URL: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new("new URL("));

/// Every reference in file order.
pub fn references(text: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    for at in IMPORT.find_iter(text) {
        if !word_at(text, at, 6) {
            continue;
        }
        let j = skip_ws(text, at + 6);
        if text.get(j) == Some(&b'(') {
            if let Some((specifier, span)) = quoted(text, skip_ws(text, j + 1)) {
                out.push(Reference {
                    specifier,
                    kind: EdgeKind::Dynamic,
                    span,
                });
            }
        } else if let Some((specifier, span)) = quoted(text, j) {
            out.push(Reference {
                specifier,
                kind: EdgeKind::Static,
                span,
            });
        }
    }
    for at in FROM.find_iter(text) {
        if !word_at(text, at, 4) {
            continue;
        }
        if let Some((specifier, span)) = quoted(text, skip_ws(text, at + 4)) {
            out.push(Reference {
                specifier,
                kind: EdgeKind::Static,
                span,
            });
        }
    }
    for at in NEW_URL.find_iter(text) {
        let Some((specifier, span)) = quoted(text, skip_ws(text, at + 8)) else {
            continue;
        };
        let k = skip_ws(text, span.end + 1);
        if matches!(text.get(k), Some(b',' | b'+')) {
            let kind = if is_script_name(&specifier) {
                EdgeKind::Worker
            } else {
                EdgeKind::Asset
            };
            out.push(Reference {
                specifier,
                kind,
                span,
            });
        }
    }
    out.sort_by_key(|r| r.span.start);
    // A keyword inside a string (`import'@import "./a.js"'`) finds a quote within another
    // match: keep the first, so spans never overlap and `splice` can rewrite every one.
    let mut end = 0;
    out.retain(|r| {
        let keep = r.span.start >= end;
        if keep {
            end = r.span.end;
        }
        keep
    });
    out
}

fn is_script_name(spec: &str) -> bool {
    let path = spec.split(['?', '#']).next().unwrap_or(spec);
    path.ends_with(".js") || path.ends_with(".mjs")
}

/// Whether the keyword of `len` bytes at `i` stands alone: not part of a longer identifier and
/// not a property (`a.import`).
fn word_at(text: &[u8], i: usize, len: usize) -> bool {
    let before = i.checked_sub(1).and_then(|j| text.get(j));
    before.is_none_or(|&b| !is_ident(b) && b != b'.')
        && text.get(i + len).is_none_or(|&b| !is_ident(b))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(js: &str) -> Vec<(String, EdgeKind)> {
        references(js.as_bytes())
            .into_iter()
            .map(|r| {
                assert_eq!(js[r.span.clone()], r.specifier);
                (r.specifier, r.kind)
            })
            .collect()
    }

    #[test]
    fn vite8_and_vite7_import_styles() {
        let js = r#"import{n as e}from"./index-CzJqd0pZ.js";import"./side.js";export{a}from'./re.js';
            ca(()=>import(`./Dashboard-QHcNX-EH.js`),__vite__mapDeps([4,5]));x(()=>import("./About-1.js"));
            new Worker(new URL(`/assets/ts.worker-CVbFdYz4.js`,import.meta.url),{type:"module"});
            const i=new URL("hero-1.png",import.meta.url).href;import(`./dyn-${name}.js`);a.import("./no.js");"#;
        assert_eq!(
            refs(js),
            vec![
                ("./index-CzJqd0pZ.js".into(), EdgeKind::Static),
                ("./side.js".into(), EdgeKind::Static),
                ("./re.js".into(), EdgeKind::Static),
                ("./Dashboard-QHcNX-EH.js".into(), EdgeKind::Dynamic),
                ("./About-1.js".into(), EdgeKind::Dynamic),
                ("/assets/ts.worker-CVbFdYz4.js".into(), EdgeKind::Worker),
                ("hero-1.png".into(), EdgeKind::Asset),
            ]
        );
    }

    #[test]
    fn keywords_inside_identifiers_are_not_imports() {
        assert!(refs(r#"reimport("./a.js");importer"./b.js";fromage"./c.js""#).is_empty());
        assert!(refs("").is_empty());
        assert!(refs("import").is_empty());
        // Found by the fuzz module: a match inside another match's string.
        assert_eq!(
            refs(r#"import'@import "./a-1.js"'"#),
            vec![(r#"@import "./a-1.js""#.into(), EdgeKind::Static)]
        );
    }
}
