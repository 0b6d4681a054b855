//! Byte-level scanners for the references a build's files make to each other. They read
//! minified output the way bundlers write it; whatever they find is only kept when it resolves
//! to a file that exists in the build, so a false match in a string costs nothing.

use distill_graph::EdgeKind;

/// A reference from one file to another, before resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub specifier: String,
    pub kind: EdgeKind,
}

/// The target of the last `sourceMappingURL` comment in the file's tail, if any.
pub fn source_mapping_url(text: &[u8]) -> Option<String> {
    const NEEDLE: &[u8] = b"sourceMappingURL=";
    let tail_start = text.len().saturating_sub(4096);
    let tail = &text[tail_start..];
    let pos = find_last(tail, NEEDLE)?;
    // Must be a `//#`, `//@`, `/*#` or `/*@` comment.
    let before = &tail[..pos];
    let trimmed = trim_end_ws(before);
    if !(trimmed.ends_with(b"//#")
        || trimmed.ends_with(b"//@")
        || trimmed.ends_with(b"/*#")
        || trimmed.ends_with(b"/*@"))
    {
        return None;
    }
    let rest = &tail[pos + NEEDLE.len()..];
    let end = rest
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b == b'*')
        .unwrap_or(rest.len());
    let url = std::str::from_utf8(&rest[..end]).ok()?.trim();
    (!url.is_empty()).then(|| url.to_owned())
}

/// ES-module references in a script: static `import`/`export … from`, `import()` and
/// `new URL(…, import.meta.url)` (workers and assets). Quotes may be `'`, `"` or a backtick
/// without substitutions (Vite 8 writes ``import(`./X.js`)``).
pub fn script_references(text: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b == b'i' && starts_word(text, i, b"import") {
            let mut j = skip_ws(text, i + 6);
            if text.get(j) == Some(&b'(') {
                j = skip_ws(text, j + 1);
                if let Some((spec, _)) = quoted(text, j) {
                    out.push(Reference {
                        specifier: spec,
                        kind: EdgeKind::Dynamic,
                    });
                }
            } else if let Some((spec, _)) = quoted(text, j) {
                out.push(Reference {
                    specifier: spec,
                    kind: EdgeKind::Static,
                });
            }
            i += 6;
        } else if b == b'f' && starts_word(text, i, b"from") {
            let j = skip_ws(text, i + 4);
            if let Some((spec, _)) = quoted(text, j) {
                out.push(Reference {
                    specifier: spec,
                    kind: EdgeKind::Static,
                });
            }
            i += 4;
        } else if b == b'n' && text[i..].starts_with(b"new URL(") {
            let j = skip_ws(text, i + 8);
            if let Some((spec, end)) = quoted(text, j) {
                let k = skip_ws(text, end);
                if text.get(k) == Some(&b',') || text.get(k) == Some(&b'+') {
                    let kind = if is_script_name(&spec) {
                        EdgeKind::Worker
                    } else {
                        EdgeKind::Asset
                    };
                    out.push(Reference {
                        specifier: spec,
                        kind,
                    });
                }
            }
            i += 8;
        } else {
            i += 1;
        }
    }
    out
}

/// Build-relative file paths that bundler runtimes keep in loader tables, to be fetched on
/// demand: Vite's preload table (`__vite__mapDeps` … `m.f=["assets/x.css",…]`, the only place a
/// lazy chunk's CSS is named when there is no manifest), and Next.js chunk paths written as
/// plain strings (`"static/chunks/100wtyqnc13cb.js"` in Turbopack's lazy loaders).
pub fn loader_paths(text: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(pos) = find(text, b"__vite__mapDeps=")
        && let Some(open) = find(&text[pos..], b"=[").map(|p| pos + p + 2)
        && let Some(close) = text[open..]
            .iter()
            .position(|&b| b == b']')
            .map(|p| open + p)
        && let Ok(list) = std::str::from_utf8(&text[open..close])
    {
        out.extend(
            list.split(',')
                .map(|item| item.trim().trim_matches(['"', '\'', '`']).to_owned()),
        );
    }
    for needle in [
        &b"\"static/chunks/"[..],
        b"\"static/css/",
        b"\"/_next/static/chunks/",
        b"\"/_next/static/css/",
    ] {
        let mut from = 0;
        while let Some(pos) = find(&text[from..], needle) {
            let start = from + pos + 1;
            let Some(len) = text[start..].iter().take(512).position(|&b| b == b'"') else {
                break;
            };
            if let Ok(s) = std::str::from_utf8(&text[start..start + len]) {
                let s = s.strip_prefix("/_next/").unwrap_or(s);
                if s.ends_with(".js") || s.ends_with(".css") {
                    out.push(s.to_owned());
                }
            }
            from = start + len;
        }
    }
    out
}

/// `url(…)` and `@import` targets in a stylesheet.
pub fn stylesheet_references(text: &[u8]) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = find(&text[from..], b"url(") {
        let mut j = skip_ws(text, from + pos + 4);
        let spec = if let Some((s, _)) = quoted(text, j) {
            Some(s)
        } else {
            let start = j;
            while j < text.len() && text[j] != b')' && !text[j].is_ascii_whitespace() {
                j += 1;
            }
            std::str::from_utf8(&text[start..j]).ok().map(str::to_owned)
        };
        if let Some(spec) = spec.filter(|s| !s.is_empty()) {
            out.push(Reference {
                specifier: spec,
                kind: EdgeKind::Asset,
            });
        }
        from += pos + 4;
    }
    let mut from = 0;
    while let Some(pos) = find(&text[from..], b"@import") {
        let j = skip_ws(text, from + pos + 7);
        if let Some((spec, _)) = quoted(text, j) {
            out.push(Reference {
                specifier: spec,
                kind: EdgeKind::Stylesheet,
            });
        }
        from += pos + 7;
    }
    out
}

/// One HTML tag with its attributes (names lowercased, values unescaped of quotes only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, Option<String>)>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    }

    pub fn has(&self, name: &str) -> bool {
        self.attrs.iter().any(|(n, _)| n == name)
    }
}

/// The `<script>` and `<link>` start tags of an HTML document, in order. Comments are skipped,
/// and the contents of `<script>` elements are not mistaken for tags.
pub fn html_tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        i += off;
        if html[i..].starts_with("<!--") {
            i = html[i..].find("-->").map_or(html.len(), |e| i + e + 3);
            continue;
        }
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
        if name == "script" {
            // Skip the element's text: inline JS may contain `<link` in strings.
            let lower_rest = html[i..].to_ascii_lowercase();
            i = lower_rest.find("</script").map_or(html.len(), |e| i + e);
        }
        if name == "script" || name == "link" {
            tags.push(Tag { name, attrs });
        }
    }
    tags
}

fn parse_attrs(html: &str, mut i: usize) -> (Vec<(String, Option<String>)>, usize) {
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
            let value;
            if k < bytes.len() && (bytes[k] == b'"' || bytes[k] == b'\'') {
                let q = bytes[k];
                let vstart = k + 1;
                let vend = bytes[vstart..]
                    .iter()
                    .position(|&b| b == q)
                    .map_or(bytes.len(), |p| vstart + p);
                value = html[vstart..vend].to_owned();
                i = (vend + 1).min(bytes.len());
            } else {
                let vstart = k;
                while k < bytes.len() && !bytes[k].is_ascii_whitespace() && bytes[k] != b'>' {
                    k += 1;
                }
                value = html[vstart..k].to_owned();
                i = k;
            }
            attrs.push((name, Some(decode_entities(&value))));
        } else {
            if !name.is_empty() {
                attrs.push((name, None));
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

fn is_script_name(spec: &str) -> bool {
    let path = spec.split(['?', '#']).next().unwrap_or(spec);
    path.ends_with(".js") || path.ends_with(".mjs")
}

fn starts_word(text: &[u8], i: usize, word: &[u8]) -> bool {
    text[i..].starts_with(word)
        && (i == 0 || !is_ident(text[i - 1]) && text[i - 1] != b'.')
        && text.get(i + word.len()).is_none_or(|&b| !is_ident(b))
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn skip_ws(text: &[u8], mut i: usize) -> usize {
    while i < text.len() && text[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// A string literal starting at `i`: its content and the index after the closing quote.
fn quoted(text: &[u8], i: usize) -> Option<(String, usize)> {
    let q = *text.get(i)?;
    if !matches!(q, b'"' | b'\'' | b'`') {
        return None;
    }
    let start = i + 1;
    let len = text[start..]
        .iter()
        .take(1024)
        .position(|&b| b == q || b == b'\\' || b == b'\n')?;
    if text[start + len] != q {
        return None;
    }
    let s = std::str::from_utf8(&text[start..start + len]).ok()?;
    if q == b'`' && s.contains("${") {
        return None;
    }
    Some((s.to_owned(), start + len + 1))
}

fn trim_end_ws(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    &s[..end]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(js: &str) -> Vec<(String, EdgeKind)> {
        script_references(js.as_bytes())
            .into_iter()
            .map(|r| (r.specifier, r.kind))
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
    fn source_mapping_url_variants() {
        assert_eq!(
            source_mapping_url(b"x;\n//# sourceMappingURL=a.js.map\n").as_deref(),
            Some("a.js.map")
        );
        assert_eq!(
            source_mapping_url(b"a{}\n/*# sourceMappingURL=a.css.map */").as_deref(),
            Some("a.css.map")
        );
        assert_eq!(
            source_mapping_url(b"var s='sourceMappingURL=x.map'").as_deref(),
            None
        );
        assert_eq!(source_mapping_url(b"no map"), None);
    }

    #[test]
    fn html_tags_with_attributes_and_comments() {
        let html = r#"<!doctype html><html><head><!-- <script src="/c.js"></script> -->
            <script type="module" crossorigin src="/assets/index-CzJqd0pZ.js"></script>
            <link rel="modulepreload" crossorigin href="/assets/vendor.js">
            <script>var s = "<link rel=stylesheet href=/x.css>";</script>
            <LINK REL=stylesheet HREF='/assets/a&amp;b.css'/>
            <script src="/_next/static/chunks/p.js" noModule=""></script></head></html>"#;
        let tags = html_tags(html);
        assert_eq!(tags.len(), 5);
        assert_eq!(tags[0].attr("src"), Some("/assets/index-CzJqd0pZ.js"));
        assert!(tags[0].has("crossorigin"));
        assert_eq!(tags[1].attr("rel"), Some("modulepreload"));
        assert_eq!(tags[2].attr("src"), None);
        assert_eq!(tags[3].attr("href"), Some("/assets/a&b.css"));
        assert!(tags[4].has("nomodule"));
    }

    #[test]
    fn css_urls_and_next_literals() {
        let css = br#"@font-face{src:url(/assets/inter-C38.woff2) format("woff2"),url("./x.woff")}a{background:url('data:image/png;base64,AA')}@import "b.css";"#;
        let specs: Vec<_> = stylesheet_references(css)
            .into_iter()
            .map(|r| r.specifier)
            .collect();
        assert_eq!(
            specs,
            [
                "/assets/inter-C38.woff2",
                "./x.woff",
                "data:image/png;base64,AA",
                "b.css"
            ]
        );
        let js = br#"t.v(c=>Promise.all(["static/chunks/100wtyqnc13cb.js","static/chunks/0x.css"].map(c=>t.l(c))))"#;
        assert_eq!(
            loader_paths(js),
            ["static/chunks/100wtyqnc13cb.js", "static/chunks/0x.css"]
        );
        let vite = br#"const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/Newsletter-C0JAU_lv.js","assets/Newsletter-C_GcZM6d.css"])))=>i.map(i=>d[i]);"#;
        assert_eq!(
            loader_paths(vite),
            [
                "assets/Newsletter-C0JAU_lv.js",
                "assets/Newsletter-C_GcZM6d.css"
            ]
        );
    }
}
