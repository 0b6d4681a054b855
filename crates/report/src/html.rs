//! The HTML report: one self-contained page with a zoomable treemap (entry/route → file →
//! package → module), a sortable table of the same data, and the duplicates, budgets, diff and
//! diagnostics panels.
//!
//! The page loads nothing: its CSS and JS (`assets/treemap.css`, `assets/treemap.js`, kept as
//! real files so they can be read and linted as such) are inlined, and the report rides along as
//! JSON in a `<script type="application/json">` element. Its Content-Security-Policy forbids
//! every network request and allows only those two inline blocks, by hash, so even a name that
//! got into the DOM as markup could not run.
//!
//! Names from the build are hostile input (source-map paths come from third-party packages):
//! in the JSON every `<`, `>` and `&` is written as a `\u` escape, so no name can close the
//! script element, and the page puts names into the DOM only as text.
//!
//! ```
//! # fn demo(report: &distill_schema::Report) -> std::io::Result<()> {
//! let mut page = Vec::new();
//! distill_report::html::write(report, &Default::default(), &mut page)?;
//! # Ok(()) }
//! ```

#![allow(
    clippy::indexing_slicing,
    reason = "positions found in the same string being written"
)]

use crate::Options;
use base64::Engine;
use distill_schema::Report;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

const TEMPLATE: &str = include_str!("../assets/report.html");
const CSS: &str = include_str!("../assets/treemap.css");
const JS: &str = include_str!("../assets/treemap.js");

/// Writes the report as one HTML page.
pub fn write(report: &Report, _options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let data = serde_json::to_vec(report).map_err(io::Error::other)?;
    let mut rest = TEMPLATE;
    while let Some(start) = rest.find("{{") {
        out.write_all(&rest.as_bytes()[..start])?;
        let after = &rest[start + 2..];
        let end = after.find("}}").unwrap_or(after.len());
        match &after[..end] {
            "css" => out.write_all(CSS.as_bytes())?,
            "js" => out.write_all(JS.as_bytes())?,
            "data" => write_script_json(&data, out)?,
            "style-hash" => write!(out, "'sha256-{}'", base64(&Sha256::digest(CSS)))?,
            "script-hash" => write!(out, "'sha256-{}'", base64(&Sha256::digest(JS)))?,
            "generator" => write!(out, "distill {}", env!("CARGO_PKG_VERSION"))?,
            other => {
                return Err(io::Error::other(format!(
                    "report.html: unknown placeholder `{{{{{other}}}}}`"
                )));
            }
        }
        rest = after.get(end + 2..).unwrap_or("");
    }
    out.write_all(rest.as_bytes())
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` (so neither `</script>` nor
/// `<!--` can appear) and U+2028/U+2029 (line terminators to older JS parsers) become `\u`
/// escapes. They can only occur inside JSON strings, where the escapes mean the same text.
fn write_script_json(json: &[u8], out: &mut dyn Write) -> io::Result<()> {
    let mut start = 0;
    let mut i = 0;
    while i < json.len() {
        let (escape, len): (&[u8], usize) = match json[i] {
            b'<' => (b"\\u003c", 1),
            b'>' => (b"\\u003e", 1),
            b'&' => (b"\\u0026", 1),
            // UTF-8 is self-synchronizing: E2 80 A8/A9 is always U+2028/U+2029.
            0xE2 if json.get(i + 1) == Some(&0x80) && json.get(i + 2) == Some(&0xA8) => {
                (b"\\u2028", 3)
            }
            0xE2 if json.get(i + 1) == Some(&0x80) && json.get(i + 2) == Some(&0xA9) => {
                (b"\\u2029", 3)
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.write_all(&json[start..i])?;
        out.write_all(escape)?;
        i += len;
        start = i;
    }
    out.write_all(&json[start..])
}

/// Standard base64 with padding, for CSP hash sources.
fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOSTILE: &str =
        "</script><script>alert(1)</script><!--<img src=x onerror=alert(2)>\u{2028}\u{2029}&amp;";

    fn report(name: &str) -> Report {
        serde_json::from_value(json!({
            "schemaVersion": 1,
            "tool": { "name": "distill", "version": "0.0.0" },
            "framework": "vite",
            "encoders": [],
            "files": [{
                "path": format!("assets/{name}.js"),
                "kind": "script",
                "role": "entry",
                "hash": "00",
                "sizes": { "raw": 100, "gzip": 50 },
                "modules": [{ "source": name, "package": name, "raw": 100 }],
            }],
            "chunks": [],
            "edges": [],
            "entries": [{
                "name": name,
                "initial": [format!("assets/{name}.js")],
                "lazy": [],
                "initialSizes": { "raw": 100 },
                "initialScriptSizes": { "raw": 100 },
                "lazySizes": { "raw": 0 },
            }],
            "routes": [],
            "totals": {},
            "serverFiles": 0,
            "diagnostics": [],
        }))
        .unwrap()
    }

    fn page(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &Options::default(), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
        let start = s.find(open).unwrap() + open.len();
        &s[start..start + s[start..].find(close).unwrap()]
    }

    #[test]
    fn hostile_names_cannot_leave_the_data_element() {
        let report = report(HOSTILE);
        let html = page(&report);
        // The template's two scripts and nothing else: no name opened or closed one.
        assert_eq!(html.matches("<script").count(), 2, "{html}");
        assert_eq!(html.matches("</script").count(), 2);
        assert!(!html.contains("<img"));
        assert!(!html.contains('\u{2028}') && !html.contains('\u{2029}'));
        let data = between(
            &html,
            "<script type=\"application/json\" id=\"distill-data\">",
            "</script>",
        );
        assert!(!data.contains(['<', '>', '&']));
        // The escapes are JSON: the page reads back exactly the report.
        let back: Report = serde_json::from_str(data).unwrap();
        assert_eq!(back, report);
    }

    #[test]
    fn page_is_self_contained() {
        let html = page(&report("index"));
        assert!(!html.contains("{{"), "a placeholder was left in the page");
        for needle in [
            "http://", "https://", "src=", "href=", "@import", "url(", "//cdn",
        ] {
            assert!(
                !html.contains(needle),
                "the page must load nothing: found `{needle}`"
            );
        }
        // The CSP allows exactly the inline blocks that are there.
        let csp = between(&html, "Content-Security-Policy\" content=\"", "\"");
        assert!(csp.contains("default-src 'none'"), "{csp}");
        let script = between(&html, "<script>", "</script>");
        let style = between(&html, "<style>", "</style>");
        assert_eq!(script, JS);
        assert_eq!(style, CSS);
        let hash = |s: &str| format!("'sha256-{}'", base64(&Sha256::digest(s)));
        assert!(
            csp.contains(&format!("script-src {}", hash(script))),
            "{csp}"
        );
        assert!(csp.contains(&format!("style-src {}", hash(style))), "{csp}");
    }

    #[test]
    fn assets_cannot_break_out_and_never_parse_markup() {
        for (name, text) in [("treemap.js", JS), ("treemap.css", CSS)] {
            let lower = text.to_ascii_lowercase();
            for needle in ["</script", "</style", "<!--", "{{"] {
                assert!(!lower.contains(needle), "{name} contains `{needle}`");
            }
        }
        // Names from the build go into the DOM as text only (see the invariant in treemap.js).
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
            "createContextualFragment",
            "DOMParser",
            "eval(",
            "new Function",
        ] {
            assert!(!JS.contains(sink), "treemap.js uses `{sink}`");
        }
    }

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
