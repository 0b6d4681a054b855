//! The `<script>` and `<link>` start tags of an HTML document, with the byte spans of the tag and
//! of each attribute value, so a stage can rewrite a `src`, an `integrity` or add a tag after one.
//!
//! Comments are skipped and the contents of `<script>` elements are not mistaken for tags. The
//! cost is linear in the document: a page with 60,000 `<script>` tags is scanned once.

#![allow(
    clippy::indexing_slicing,
    reason = "every index is guarded by the bound check just before it; scan::fuzz runs the tokenizer on arbitrary bytes"
)]

use crate::Span;

/// One start tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Lowercased.
    pub name: String,
    /// From `<` to `>` inclusive (or to the end of the document when unterminated).
    pub span: Span,
    pub attrs: Vec<Attr>,
    /// Where the whole element ends: after the `>` of `</script>` for a `<script>` (`None` when
    /// it is never closed), the end of the tag for a `<link>`. What is inserted here follows
    /// the element instead of landing in its script text.
    pub element_end: Option<usize>,
}

/// One attribute of a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr {
    /// Lowercased.
    pub name: String,
    /// The value with character references `&amp;`, `&quot;`, `&#39;`, `&lt;`, `&gt;` decoded;
    /// `None` for a bare attribute (`crossorigin`).
    pub value: Option<String>,
    /// The value's bytes as written, without its quotes.
    pub value_span: Option<Span>,
    /// The whole attribute, from its name to the end of its value.
    pub span: Span,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.get(name).map(|a| a.value.as_deref().unwrap_or(""))
    }

    pub fn get(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Tags after which scanning stops; ingest reports a document that reaches it.
pub const MAX_TAGS: usize = 100_000;

/// The `<script>` and `<link>` start tags, in document order, at most [`MAX_TAGS`].
pub fn tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'<', &bytes[i..]) {
        i += off;
        if bytes[i..].starts_with(b"<!--") {
            i = memchr::memmem::find(&bytes[i..], b"-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let start = i;
        let name_start = i + 1;
        let mut j = name_start;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        if j == name_start {
            i += 1;
            continue;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let (attrs, end) = parse_attrs(html, j);
        i = end;
        let keep = name == "script" || name == "link";
        let mut element_end = Some(end);
        if name == "script" {
            // Skip the element's text: inline JS may contain `<link` in strings.
            let close = find_ascii_ci(bytes, i, b"</script");
            i = close.unwrap_or(bytes.len());
            element_end = close.and_then(|c| memchr::memchr(b'>', &bytes[c..]).map(|k| c + k + 1));
        }
        if keep {
            tags.push(Tag {
                name,
                span: start..end,
                attrs,
                element_end,
            });
            if tags.len() >= MAX_TAGS {
                break;
            }
        }
    }
    tags
}

/// The first `needle` (lowercase ASCII) at or after `from`, ignoring ASCII case.
fn find_ascii_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut i = from;
    while let Some(off) = memchr::memchr(needle[0], hay.get(i..)?) {
        let at = i + off;
        if hay
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
        {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

fn parse_attrs(html: &str, mut i: usize) -> (Vec<Attr>, usize) {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return (attrs, i);
        }
        if bytes[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut k = i;
        while k < bytes.len() && bytes[k].is_ascii_whitespace() {
            k += 1;
        }
        if k < bytes.len() && bytes[k] == b'=' {
            k += 1;
            while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                k += 1;
            }
            let value_span;
            if k < bytes.len() && (bytes[k] == b'"' || bytes[k] == b'\'') {
                let q = bytes[k];
                let vstart = k + 1;
                let vend = memchr::memchr(q, &bytes[vstart..]).map_or(bytes.len(), |p| vstart + p);
                value_span = vstart..vend;
                i = (vend + 1).min(bytes.len());
            } else {
                let vstart = k;
                while k < bytes.len() && !bytes[k].is_ascii_whitespace() && bytes[k] != b'>' {
                    k += 1;
                }
                value_span = vstart..k;
                i = k;
            }
            attrs.push(Attr {
                name,
                value: Some(decode_entities(&html[value_span.clone()])),
                value_span: Some(value_span),
                span: start..i,
            });
        } else {
            if !name.is_empty() {
                attrs.push(Attr {
                    name,
                    value: None,
                    value_span: None,
                    span: start..i,
                });
            }
            if i == start {
                i += 1;
            }
        }
    }
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_with_attributes_and_comments() {
        let html = r#"<!doctype html><html><head><!-- <script src="/c.js"></script> -->
            <script type="module" crossorigin src="/assets/index-CzJqd0pZ.js"></script>
            <link rel="modulepreload" crossorigin href="/assets/vendor.js">
            <script>var s = "<link rel=stylesheet href=/x.css>";</script>
            <LINK REL=stylesheet HREF='/assets/a&amp;b.css'/>
            <script src="/_next/static/chunks/p.js" noModule=""></script></head></html>"#;
        let tags = tags(html);
        assert_eq!(tags.len(), 5);
        assert_eq!(tags[0].attr("src"), Some("/assets/index-CzJqd0pZ.js"));
        assert!(tags[0].has("crossorigin"));
        assert_eq!(tags[1].attr("rel"), Some("modulepreload"));
        assert_eq!(tags[2].attr("src"), None);
        assert_eq!(tags[3].attr("href"), Some("/assets/a&b.css"));
        assert!(tags[4].has("nomodule"));
        // Spans point at the bytes as written.
        let href = tags[3].get("href").unwrap();
        assert_eq!(
            &html[href.value_span.clone().unwrap()],
            "/assets/a&amp;b.css"
        );
        assert_eq!(
            &html[tags[1].span.clone()],
            r#"<link rel="modulepreload" crossorigin href="/assets/vendor.js">"#
        );
    }

    #[test]
    fn script_end_is_found_in_any_case_and_unterminated_input_ends() {
        let html = "<script>a</SCRIPT><link href=x><script>never closed <link href=y>";
        let found = tags(html);
        assert_eq!(found.len(), 3);
        assert_eq!(found[1].attr("href"), Some("x"));
        assert_eq!(found[0].element_end, Some("<script>a</SCRIPT>".len()));
        assert_eq!(found[2].element_end, None);
        assert!(tags("<link href=\"unterminated").len() == 1);
        assert!(tags("<").is_empty());
    }

    #[test]
    fn many_scripts_and_the_cap() {
        let html = "<script src=/a.js></script>".repeat(60_000);
        assert_eq!(tags(&html).len(), 60_000);
        let html = "<link href=x>".repeat(MAX_TAGS + 5);
        assert_eq!(tags(&html).len(), MAX_TAGS);
    }
}
