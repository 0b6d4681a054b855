//! The link comments at the end of a built file (`//# sourceMappingURL=…`, `//# debugId=…`, and
//! their CSS `/*# … */` forms). Minifiers drop comments, so they are cut off before minifying and
//! written back after; cutting the tail never moves a position before it, so the input map
//! still describes the body.

/// Comment syntax of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    Js,
    Css,
}

/// One link comment from the tail, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Link<'a> {
    /// `sourceMappingURL` pointing at a file; kept as written.
    MapUrl(&'a str),
    /// `sourceMappingURL` with an inline `data:` map: it describes the old code, so it is
    /// replaced by the new map or dropped.
    InlineMap,
    /// `debugId`, which ties the file to its map; kept as written.
    DebugId(&'a str),
}

/// Splits `code` into the body and the link comments that end it.
pub(crate) fn split(code: &str, syntax: Syntax) -> (&str, Vec<Link<'_>>) {
    let mut body = code;
    let mut links = Vec::new();
    loop {
        let trimmed = body.trim_end();
        let start = trimmed.rfind('\n').map_or(0, |i| i + 1);
        let Some(link) = parse_line(&trimmed[start..], syntax) else {
            break;
        };
        links.push(link);
        body = &trimmed[..start];
    }
    links.reverse();
    if links.is_empty() {
        (code, links)
    } else {
        (body, links)
    }
}

fn parse_line(line: &str, syntax: Syntax) -> Option<Link<'_>> {
    let inner = match syntax {
        Syntax::Js => line
            .strip_prefix("//# ")
            .or_else(|| line.strip_prefix("//@ "))?,
        Syntax::Css => line
            .strip_prefix("/*# ")
            .or_else(|| line.strip_prefix("/*@ "))?
            .strip_suffix("*/")?
            .trim_end(),
    };
    if let Some(url) = inner.strip_prefix("sourceMappingURL=") {
        let url = url.trim();
        if url.is_empty() || url.contains(char::is_whitespace) {
            return None;
        }
        return Some(if url.starts_with("data:") {
            Link::InlineMap
        } else {
            Link::MapUrl(url)
        });
    }
    let id = inner.strip_prefix("debugId=")?.trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then_some(Link::DebugId(id))
}

/// Appends the links to minified `code`; `inline_map` is the data URL of the new map, written
/// in place of an inline map.
pub(crate) fn append(
    code: &mut String,
    links: &[Link<'_>],
    syntax: Syntax,
    inline_map: Option<&str>,
) {
    for link in links {
        let (key, value) = match link {
            Link::MapUrl(url) => ("sourceMappingURL", *url),
            Link::InlineMap => match inline_map {
                Some(url) => ("sourceMappingURL", url),
                None => continue,
            },
            Link::DebugId(id) => ("debugId", *id),
        };
        if !code.is_empty() && !code.ends_with('\n') {
            code.push('\n');
        }
        match syntax {
            Syntax::Js => {
                code.push_str("//# ");
                code.push_str(key);
                code.push('=');
                code.push_str(value);
            }
            Syntax::Css => {
                code.push_str("/*# ");
                code.push_str(key);
                code.push('=');
                code.push_str(value);
                code.push_str(" */");
            }
        }
    }
}

/// Whether the tail holds an inline map (the new map must then be written inline too).
pub(crate) fn has_inline_map(links: &[Link<'_>]) -> bool {
    links.contains(&Link::InlineMap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_map_and_debug_id_comments_from_js() {
        let code = "a();\n//# debugId=85314830-023f-4cf1-a267-535f4e37bb17\n//# sourceMappingURL=a.js.map\n";
        let (body, links) = split(code, Syntax::Js);
        assert_eq!(body, "a();\n");
        assert_eq!(
            links,
            [
                Link::DebugId("85314830-023f-4cf1-a267-535f4e37bb17"),
                Link::MapUrl("a.js.map")
            ]
        );
        let mut out = "a()".to_owned();
        append(&mut out, &links, Syntax::Js, None);
        assert_eq!(
            out,
            "a()\n//# debugId=85314830-023f-4cf1-a267-535f4e37bb17\n//# sourceMappingURL=a.js.map"
        );
    }

    #[test]
    fn css_comments_and_inline_maps() {
        let code = "a{b:c}\n/*# sourceMappingURL=data:application/json;base64,e30= */";
        let (body, links) = split(code, Syntax::Css);
        assert_eq!(body, "a{b:c}\n");
        assert_eq!(links, [Link::InlineMap]);
        assert!(has_inline_map(&links));
        let mut dropped = "a{b:c}".to_owned();
        append(&mut dropped, &links, Syntax::Css, None);
        assert_eq!(dropped, "a{b:c}");
        let mut replaced = "a{b:c}".to_owned();
        append(&mut replaced, &links, Syntax::Css, Some("data:new"));
        assert_eq!(replaced, "a{b:c}\n/*# sourceMappingURL=data:new */");
    }

    #[test]
    fn code_without_links_is_untouched() {
        for code in [
            "",
            "a()",
            "x = 1 //# sourceMappingURL=a.map",
            "//# sourceMappingURL= \n",
        ] {
            let (body, links) = split(code, Syntax::Js);
            assert_eq!(body, code);
            assert!(links.is_empty(), "{code:?}");
        }
    }
}
