//! A source-map reader for attribution: it keeps only what attribution needs (each mapping's
//! generated position and source), never the names, the original positions or `sourcesContent`.
//!
//! The map's JSON is parsed once with borrowed strings; `mappings` is decoded straight into a
//! flat list of 12-byte segments. Index maps (`sections`, Turbopack's CSS maps) are flattened
//! into the same list, each section starting with an unmapped boundary so a section never
//! spills into the next.

use serde::Deserialize;
use serde::de::IgnoredAny;
use std::borrow::Cow;

/// A generated position and what it maps to. Lines and columns are 0-based; columns count
/// UTF-16 code units, as the format defines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub line: u32,
    pub column: u32,
    /// Index into [`ParsedMap::sources`], or [`UNMAPPED`].
    pub source: u32,
}

/// A segment with no source: generated code that maps to nothing.
pub const UNMAPPED: u32 = u32::MAX;

/// What attribution needs of one map.
#[derive(Debug, Default)]
pub struct ParsedMap {
    /// Sources as written (joined with `sourceRoot`), for every section in order.
    pub sources: Vec<String>,
    /// Sorted by (line, column); a later segment at the same position wins.
    pub segments: Vec<Segment>,
    /// The `file` field of the map (or of its first section), when present.
    pub file: Option<String>,
}

/// Why a map cannot be used. Each kind becomes a diagnostic code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// Not JSON, not a version 3 map, bad VLQ, a missing field.
    #[error("{0}")]
    Malformed(String),
    /// A segment names a source or name the map does not have.
    #[error("{0}")]
    OutOfRange(String),
    /// More segments than the generated file has room for.
    #[error("more than {0} mappings")]
    TooMany(usize),
}

#[derive(Deserialize)]
struct RawMap<'a> {
    #[serde(default)]
    version: Option<serde_json::Value>,
    #[serde(default, borrow)]
    file: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "sourceRoot")]
    source_root: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    sources: Option<Vec<Option<Cow<'a, str>>>>,
    /// Only the count matters; `IgnoredAny` is zero-sized, so this allocates nothing.
    #[serde(default)]
    names: Option<Vec<IgnoredAny>>,
    #[serde(default, borrow)]
    mappings: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    sections: Option<Vec<RawSection<'a>>>,
}

#[derive(Deserialize)]
struct RawSection<'a> {
    offset: Offset,
    #[serde(default, borrow)]
    map: Option<Box<RawMap<'a>>>,
    #[serde(default)]
    url: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Offset {
    line: u32,
    column: u32,
}

/// Parses a map (regular or index) from its bytes, refusing more than `max_segments` segments
/// (a map for a file of n bytes needs at most about n; the cap keeps a hostile map of `A,A,A…`
/// from costing 6 bytes of memory per byte of map).
pub fn parse(bytes: &[u8], max_segments: usize) -> Result<ParsedMap, MapError> {
    let raw: RawMap = serde_json::from_slice(bytes)
        .map_err(|e| MapError::Malformed(format!("not a source map: {e}")))?;
    let mut out = ParsedMap {
        file: raw.file.as_deref().map(str::to_owned),
        ..ParsedMap::default()
    };
    add_map(&raw, 0, 0, &mut out, 0, max_segments)?;
    if !out.segments.is_sorted_by_key(|s| (s.line, s.column)) {
        // Stable: of two segments at one position the later one (in map order) stays last.
        out.segments.sort_by_key(|s| (s.line, s.column));
    }
    Ok(out)
}

fn add_map(
    raw: &RawMap,
    line_offset: u32,
    column_offset: u32,
    out: &mut ParsedMap,
    depth: u32,
    max_segments: usize,
) -> Result<(), MapError> {
    match &raw.version {
        None => {}
        Some(v) if v.as_u64() == Some(3) => {}
        Some(v) => return Err(MapError::Malformed(format!("version {v}, expected 3"))),
    }
    if let Some(sections) = &raw.sections {
        if depth > 0 {
            return Err(MapError::Malformed(
                "an index map inside an index map section".into(),
            ));
        }
        let mut last = (0, 0);
        for (i, section) in sections.iter().enumerate() {
            let at = (section.offset.line, section.offset.column);
            if at < last {
                return Err(MapError::Malformed(format!(
                    "section {i} starts at {}:{} before the previous one",
                    at.0, at.1
                )));
            }
            last = at;
            let Some(map) = &section.map else {
                let what = if section.url.is_some() {
                    "refers to another file by `url` (not supported)"
                } else {
                    "has no `map`"
                };
                return Err(MapError::Malformed(format!("section {i} {what}")));
            };
            if out.file.is_none() {
                out.file = map.file.as_deref().map(str::to_owned);
            }
            out.segments.push(Segment {
                line: at.0,
                column: at.1,
                source: UNMAPPED,
            });
            add_map(map, at.0, at.1, out, depth + 1, max_segments)?;
        }
        return Ok(());
    }
    let sources = raw
        .sources
        .as_ref()
        .ok_or_else(|| MapError::Malformed("no `sources` field".into()))?;
    let mappings = raw
        .mappings
        .as_deref()
        .ok_or_else(|| MapError::Malformed("no `mappings` field".into()))?;
    let base = out.sources.len() as u32;
    let root = raw.source_root.as_deref().unwrap_or("");
    for s in sources {
        let s = s.as_deref().unwrap_or("");
        out.sources.push(if root.is_empty() || s.contains("://") {
            s.to_owned()
        } else {
            format!("{}/{s}", root.trim_end_matches('/'))
        });
    }
    let names = raw.names.as_ref().map_or(0, Vec::len);
    decode_mappings(mappings, sources.len(), names, |line, column, source| {
        let line = line
            .checked_add(line_offset)
            .ok_or_else(|| MapError::Malformed("line out of range".into()))?;
        let column = if line == line_offset {
            column.checked_add(column_offset)
        } else {
            Some(column)
        }
        .ok_or_else(|| MapError::Malformed("column out of range".into()))?;
        if out.segments.len() >= max_segments {
            return Err(MapError::TooMany(max_segments));
        }
        out.segments.push(Segment {
            line,
            column,
            source: source.map_or(UNMAPPED, |s| base + s),
        });
        Ok(())
    })
}

/// Decodes `mappings`, calling `emit(line, column, source)` for each segment in order.
fn decode_mappings(
    mappings: &str,
    sources: usize,
    names: usize,
    mut emit: impl FnMut(u32, u32, Option<u32>) -> Result<(), MapError>,
) -> Result<(), MapError> {
    let bytes = mappings.as_bytes();
    let mut line: u32 = 0;
    let mut column: i64;
    // Source, original line, original column and name carry over from segment to segment.
    let mut state = [0i64; 4];
    let mut i = 0;
    column = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                line = line
                    .checked_add(1)
                    .ok_or_else(|| MapError::Malformed("too many lines".into()))?;
                column = 0;
                i += 1;
                continue;
            }
            b',' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let mut fields = [0i64; 5];
        let mut n = 0;
        while i < bytes.len() && bytes[i] != b',' && bytes[i] != b';' {
            if n == 5 {
                return Err(MapError::Malformed(format!(
                    "segment with more than 5 fields at mappings offset {i}"
                )));
            }
            let (value, next) = vlq(bytes, i)?;
            fields[n] = value;
            n += 1;
            i = next;
        }
        column += fields[0];
        if column < 0 || column > u32::MAX as i64 {
            return Err(MapError::Malformed(format!(
                "generated column {column} at mappings offset {i}"
            )));
        }
        let source = match n {
            1 => None,
            4 | 5 => {
                for (s, f) in state.iter_mut().zip(&fields[1..]) {
                    *s += f;
                }
                if state[0] < 0 || state[0] as usize >= sources {
                    return Err(MapError::OutOfRange(format!(
                        "source index {} but the map has {sources} sources",
                        state[0]
                    )));
                }
                if n == 5 && (state[3] < 0 || state[3] as usize >= names) {
                    return Err(MapError::OutOfRange(format!(
                        "name index {} but the map has {names} names",
                        state[3]
                    )));
                }
                Some(state[0] as u32)
            }
            _ => {
                return Err(MapError::Malformed(format!(
                    "segment with {n} fields at mappings offset {i} (expected 1, 4 or 5)"
                )));
            }
        };
        emit(line, column as u32, source)?;
    }
    Ok(())
}

/// One base64 VLQ value starting at `i`; returns it and the offset after it.
fn vlq(bytes: &[u8], mut i: usize) -> Result<(i64, usize), MapError> {
    let mut value: u64 = 0;
    let mut shift = 0;
    loop {
        let Some(&b) = bytes.get(i) else {
            return Err(MapError::Malformed(
                "mappings end inside a VLQ value".into(),
            ));
        };
        let digit = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => {
                return Err(MapError::Malformed(format!(
                    "invalid character {:?} in mappings at offset {i}",
                    b as char
                )));
            }
        } as u64;
        i += 1;
        if shift > 60 {
            return Err(MapError::Malformed(format!(
                "VLQ value too large in mappings at offset {i}"
            )));
        }
        value |= (digit & 0b1_1111) << shift;
        shift += 5;
        if digit & 0b10_0000 == 0 {
            break;
        }
    }
    let magnitude = (value >> 1) as i64;
    Ok((
        if value & 1 == 1 {
            -magnitude
        } else {
            magnitude
        },
        i,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(line: u32, column: u32, source: u32) -> Segment {
        Segment {
            line,
            column,
            source,
        }
    }

    #[test]
    fn vlq_values_from_the_spec() {
        for (text, value) in [
            ("A", 0),
            ("C", 1),
            ("D", -1),
            ("gB", 16),
            ("hB", -16),
            ("2H", 123),
        ] {
            assert_eq!(
                vlq(text.as_bytes(), 0).unwrap(),
                (value, text.len()),
                "{text}"
            );
        }
    }

    #[test]
    fn regular_map_segments() {
        // Line 0: col 0 → src 0, col 5 → no source, col 9 → src 1; line 2: col 2 → src 1.
        let map = parse(
            br#"{"version":3,"sources":["a.js","b.js"],"names":["x"],"mappings":"AAAA,K,ICAAA;;EAAA"}"#, usize::MAX,
        )
        .unwrap();
        assert_eq!(map.sources, ["a.js", "b.js"]);
        assert_eq!(
            map.segments,
            [
                seg(0, 0, 0),
                seg(0, 5, UNMAPPED),
                seg(0, 9, 1),
                seg(2, 2, 1)
            ]
        );
    }

    #[test]
    fn source_root_is_joined() {
        let map = parse(br#"{"version":3,"sourceRoot":"lib/","sources":["a.js","webpack://x/b.js"],"mappings":""}"#, usize::MAX).unwrap();
        assert_eq!(map.sources, ["lib/a.js", "webpack://x/b.js"]);
    }

    #[test]
    fn index_map_sections_are_offset_and_bounded() {
        let map = parse(
            br#"{"version":3,"sources":[],"sections":[
                {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.css"],"names":[],"mappings":"AAAA,IAAA"}},
                {"offset":{"line":0,"column":10},"map":{"version":3,"sources":["b.css"],"names":[],"mappings":"CAAA;AAAA"}}]}"#, usize::MAX,
        )
        .unwrap();
        assert_eq!(map.sources, ["a.css", "b.css"]);
        assert_eq!(
            map.segments,
            [
                seg(0, 0, UNMAPPED),
                seg(0, 0, 0),
                seg(0, 4, 0),
                seg(0, 10, UNMAPPED),
                seg(0, 11, 1),
                seg(1, 0, 1)
            ]
        );
    }

    #[track_caller]
    fn fails(json: &str, want: fn(&MapError) -> bool, says: &str) {
        let err = parse(json.as_bytes(), usize::MAX).unwrap_err();
        assert!(want(&err), "{err:?}");
        assert!(err.to_string().contains(says), "{err}");
    }

    #[test]
    fn malformed_maps_are_errors_not_panics() {
        let malformed = |e: &MapError| matches!(e, MapError::Malformed(_));
        let range = |e: &MapError| matches!(e, MapError::OutOfRange(_));
        fails("not json", malformed, "not a source map");
        fails(
            r#"{"version":3,"mappings":"AAAA"}"#,
            malformed,
            "no `sources`",
        );
        fails(
            r#"{"version":3,"sources":["a"]}"#,
            malformed,
            "no `mappings`",
        );
        fails(
            r#"{"version":2,"sources":[],"mappings":""}"#,
            malformed,
            "version 2",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"AA!A"}"#,
            malformed,
            "invalid character '!'",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"AAA"}"#,
            malformed,
            "3 fields",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"AAAg"}"#,
            malformed,
            "inside a VLQ",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"AAAAAA"}"#,
            malformed,
            "more than 5",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"D"}"#,
            malformed,
            "generated column -1",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"gggggggggggggggB"}"#,
            malformed,
            "too large",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"ACAA"}"#,
            range,
            "source index 1",
        );
        fails(
            r#"{"version":3,"sources":["a"],"mappings":"ADAA"}"#,
            range,
            "source index -1",
        );
        fails(
            r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAAAA"}"#,
            range,
            "name index 0",
        );
        fails(
            r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"x.map"}]}"#,
            malformed,
            "url",
        );
        fails(
            r#"{"version":3,"sections":[{"offset":{"line":2,"column":0},"map":{"sources":[],"mappings":""}},{"offset":{"line":1,"column":0},"map":{"sources":[],"mappings":""}}]}"#,
            malformed,
            "before the previous",
        );
    }

    #[test]
    fn the_segment_cap_holds() {
        let json = br#"{"version":3,"sources":["a"],"mappings":"AAAA,C,C;C"}"#;
        assert_eq!(parse(json, 4).unwrap().segments.len(), 4);
        assert_eq!(parse(json, 3).unwrap_err(), MapError::TooMany(3));
    }
}
