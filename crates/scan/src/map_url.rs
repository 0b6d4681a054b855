//! The `sourceMappingURL` comment that links a generated file to its source map: the last thing
//! in the file, `//# sourceMappingURL=URL` (scripts) or `/*# sourceMappingURL=URL */`
//! (stylesheets), `@` accepted for `#` as older tools wrote it. One implementation for ingest
//! (which follows the URL) and attribution (which counts the comment's bytes as its own bucket).

use crate::Span;
use memchr::memmem;

/// The comment at the end of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapComment {
    /// From the comment's first character (`/`) to the end of the file, trailing whitespace
    /// included.
    pub comment: Span,
    /// The URL's bytes.
    pub url: Span,
}

impl MapComment {
    pub fn url<'a>(&self, text: &'a [u8]) -> Option<&'a str> {
        std::str::from_utf8(text.get(self.url.clone())?).ok()
    }
}

const NEEDLE: &[u8] = b"sourceMappingURL=";

/// The trailing comment, when the file ends with one (only whitespace after it).
pub fn find(text: &[u8]) -> Option<MapComment> {
    let end = text
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    let body = text.get(..end)?;
    let at = memmem::rfind(body, NEEDLE)?;
    let mut start = at;
    while start > 0 && matches!(body.get(start - 1), Some(b' ' | b'\t')) {
        start -= 1;
    }
    let marker = body.get(start.checked_sub(3)?..start)?;
    if !matches!(marker, b"//#" | b"//@" | b"/*#" | b"/*@") {
        return None;
    }
    let block = marker.get(1) == Some(&b'*');
    let url_start = at + NEEDLE.len();
    let rest = body.get(url_start..)?;
    let url_len = rest
        .iter()
        .position(|b| b.is_ascii_whitespace() || (block && *b == b'*'))
        .unwrap_or(rest.len());
    let after = rest.get(url_len..)?;
    let closed = if block {
        let trimmed = after.trim_ascii_start();
        trimmed == b"*/"
    } else {
        after.is_empty()
    };
    (closed && url_len > 0).then(|| MapComment {
        comment: start - 3..text.len(),
        url: url_start..url_start + url_len,
    })
}

/// The URL of the trailing comment, owned.
pub fn url(text: &[u8]) -> Option<String> {
    let comment = find(text)?;
    comment.url(text).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants() {
        assert_eq!(
            url(b"x;\n//# sourceMappingURL=a.js.map\n").as_deref(),
            Some("a.js.map")
        );
        assert_eq!(
            url(b"a{}\n/*# sourceMappingURL=a.css.map */").as_deref(),
            Some("a.css.map")
        );
        assert_eq!(
            url(b"x//@ sourceMappingURL=old.map").as_deref(),
            Some("old.map")
        );
        assert_eq!(url(b"var s='sourceMappingURL=x.map'"), None);
        assert_eq!(
            url(b"//# sourceMappingURL=a.map\nvar later=1;"),
            None,
            "not the last thing"
        );
        assert_eq!(url(b"//# sourceMappingURL="), None);
        assert_eq!(url(b"no map"), None);
        assert_eq!(url(b""), None);
        let text = b"code\n//# sourceMappingURL=x.map\r\n";
        let c = find(text).unwrap();
        assert_eq!(&text[c.comment.clone()], b"//# sourceMappingURL=x.map\r\n");
    }

    #[test]
    fn inline_maps_of_any_length() {
        let data = format!("data:application/json;base64,{}", "A".repeat(100_000));
        let text = format!("f()\n//# sourceMappingURL={data}\n");
        assert_eq!(url(text.as_bytes()), Some(data));
    }
}
