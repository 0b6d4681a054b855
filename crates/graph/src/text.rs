//! Names from a build are data: a file named `z\n::error::forged.js` or a budget name holding
//! `ESC[31m` must print as what it is, never move the cursor, change colours, or start a line
//! that CI reads as a command.

use std::borrow::Cow;

/// Whether a character must not reach a terminal or a log as it is: C0 and C1 controls, DEL,
/// line and paragraph separators, and the bidirectional overrides that reorder what a reader
/// sees.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every unsafe character written as an escape (`\n`, `\u{1b}`); unchanged (and not
/// copied) when there is none.
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn controls_are_escaped_and_the_rest_kept() {
        assert_eq!(printable("assets/[id]-é.js"), "assets/[id]-é.js");
        assert_eq!(
            printable("z\n::error title=forged::x\r.js"),
            "z\\n::error title=forged::x\\r.js"
        );
        assert_eq!(printable("\u{1b}[31mred\u{7}"), "\\u{1b}[31mred\\u{7}");
        assert_eq!(printable("a\u{202E}b\u{9b}"), "a\\u{202e}b\\u{9b}");
    }
}
