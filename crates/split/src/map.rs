//! Positions and source maps: byte offsets to map positions (0-based line, UTF-16 column),
//! each statement's source module, and a chunk's map cut into the maps of its parts.

#![allow(
    clippy::indexing_slicing,
    reason = "every token index is checked against the token count in the loop condition"
)]

use oxc_sourcemap::{SourceMap, Token};
use std::borrow::Cow;
use std::collections::HashMap;

/// 0-based line and column in UTF-16 code units, as source maps count.
pub(crate) type Pos = (u32, u32);

/// The map positions of `offsets` (ascending byte offsets into `code`), in one pass.
pub(crate) fn positions(code: &str, offsets: &[usize]) -> Vec<Pos> {
    let mut out = Vec::with_capacity(offsets.len());
    let (mut line, mut col, mut at) = (0u32, 0u32, 0usize);
    let mut chars = code.char_indices().peekable();
    for &target in offsets {
        while at < target {
            let Some((i, c)) = chars.next() else {
                break;
            };
            at = i + c.len_utf8();
            if c == '\n' {
                line += 1;
                col = 0;
            } else {
                col += u32::try_from(c.len_utf16()).unwrap_or(1);
            }
        }
        out.push((line, col));
    }
    out
}

fn pos(t: &Token) -> Pos {
    (t.get_dst_line(), t.get_dst_col())
}

/// For each range `[from, to)` of map positions (ascending, not overlapping), the source of the
/// first mapping inside it.
pub(crate) fn first_sources(map: &SourceMap, ranges: &[(Pos, Pos)]) -> Vec<Option<u32>> {
    let mut tokens: Vec<Token> = map.get_tokens().collect();
    tokens.sort_by_key(pos);
    let mut out = Vec::with_capacity(ranges.len());
    let mut i = 0;
    for &(from, to) in ranges {
        while i < tokens.len() && pos(&tokens[i]) < from {
            i += 1;
        }
        let mut j = i;
        let mut found = None;
        while j < tokens.len() && pos(&tokens[j]) < to {
            if let Some(s) = tokens[j].get_source_id() {
                found = Some(s);
                break;
            }
            j += 1;
        }
        out.push(found);
    }
    out
}

/// A new map holding the mappings `place` keeps, at the positions it gives, with only the
/// sources and names those mappings use. `file` names the generated file.
pub(crate) fn remap(map: &SourceMap, file: &str, place: impl Fn(Pos) -> Option<Pos>) -> String {
    let mut sources: HashMap<u32, u32> = HashMap::new();
    let mut names: HashMap<u32, u32> = HashMap::new();
    let mut source_list: Vec<u32> = Vec::new();
    let mut name_list: Vec<u32> = Vec::new();
    let mut tokens = Vec::new();
    for t in map.get_tokens() {
        let Some((line, col)) = place(pos(&t)) else {
            continue;
        };
        let source = t.get_source_id().map(|s| {
            *sources.entry(s).or_insert_with(|| {
                source_list.push(s);
                u32::try_from(source_list.len() - 1).unwrap_or(u32::MAX)
            })
        });
        let name = t.get_name_id().map(|n| {
            *names.entry(n).or_insert_with(|| {
                name_list.push(n);
                u32::try_from(name_list.len() - 1).unwrap_or(u32::MAX)
            })
        });
        tokens.push(Token::new(
            line,
            col,
            t.get_src_line(),
            t.get_src_col(),
            source,
            name,
        ));
    }
    tokens.sort_by_key(pos);
    let sources_out: Vec<Cow<str>> = source_list
        .iter()
        .map(|&s| Cow::Borrowed(map.get_source(s).unwrap_or("")))
        .collect();
    let contents: Vec<Option<Cow<str>>> = source_list
        .iter()
        .map(|&s| map.get_source_content(s).map(Cow::Borrowed))
        .collect();
    let names_out: Vec<Cow<str>> = name_list
        .iter()
        .map(|&n| Cow::Borrowed(map.get_name(n).unwrap_or("")))
        .collect();
    let has_contents = contents.iter().any(Option::is_some);
    let out = SourceMap::new(
        Some(Cow::Borrowed(file)),
        names_out,
        map.get_source_root().map(Cow::Borrowed),
        sources_out,
        if has_contents { contents } else { Vec::new() },
        tokens.into_boxed_slice(),
        None,
    );
    out.to_json_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_and_lines() {
        let code = "a😀b\ncd";
        // 'a' 0, emoji 1..5, 'b' 5, '\n' 6, 'c' 7
        assert_eq!(
            positions(code, &[0, 1, 5, 7, 8, 99]),
            vec![(0, 0), (0, 1), (0, 3), (1, 0), (1, 1), (1, 2)]
        );
    }

    #[test]
    fn remap_keeps_shifts_and_prunes() {
        let json = r#"{"version":3,"sources":["a.js","b.js"],"names":["x","y"],"mappings":"AAAAA,IACAC;ACAA"}"#;
        let map = SourceMap::from_json_string(json).unwrap();
        // Keep line 1 only, moved to line 0.
        let out = remap(&map, "p.js", |(l, c)| (l == 1).then_some((0, c)));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["sources"], serde_json::json!(["b.js"]));
        assert_eq!(v["names"], serde_json::json!([]));
        assert_eq!(v["file"], "p.js");
    }
}
