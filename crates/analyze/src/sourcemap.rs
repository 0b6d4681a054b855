//! A source-map reader for attribution: it keeps only what attribution needs (each mapping's
//! generated position and source), never the names, the original positions or `sourcesContent`,
//! but it checks all of them as ECMA-426 (the source map format) says, so a map the format calls
//! invalid is an error here and never half-used.
//!
//! The map's JSON is parsed once with borrowed strings; `mappings` is decoded straight into a
//! flat list of 12-byte segments. Index maps (`sections`, Turbopack's CSS maps) are flattened
//! into the same list, each section starting with an unmapped boundary so a section never
//! spills into the next.
//!
//! Where the spec lets a consumer choose ("optionally report an error"), this reader reports,
//! with the field and the `mappings` offset or section in the message. Three choices go beyond
//! the spec's algorithm, each for a reason:
//! - An empty `sourceRoot` adds nothing. The spec's text would make it `/`, which no consumer
//!   does (Chrome, Firefox, trace-mapping) and which would break every webpack map (they all
//!   carry `"sourceRoot": ""`).
//! - A section must start after the previous section's last mapping, not merely at it: the
//!   spec's prose says sections do not overlap, and its conformance suite
//!   (`indexMapInvalidOverlap`) calls two sections that both map 0:0 invalid.
//! - An `ignoreList` entry past the end of `sources` is an error (the conformance suite's
//!   `ignoreListOutOfBounds1`), as is an `x_google_ignoreList` one when there is no `ignoreList`.
//!
//! Positions the spec allows but no file can have (a column or line of 2^32 or more) are kept
//! as `u32::MAX`: past the end of any line, which attribution already reports.

#![allow(
    clippy::indexing_slicing,
    reason = "lookup tables of 256 entries indexed by a byte; at most 5 fields per segment, counted by the decoder; the module's property tests decode arbitrary mappings"
)]

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

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
    /// Sources as written, `sourceRoot` prepended, for every section in order; a `null` source
    /// is an empty string.
    pub sources: Vec<String>,
    /// Sorted by (line, column); a later segment at the same position wins.
    pub segments: Vec<Segment>,
    /// The `file` field of the map (or of its first section that has one), when present.
    pub file: Option<String>,
}

/// Why a map cannot be used. Each kind becomes a diagnostic code; the message names the field
/// (`names[3]`, `sections[1].offset.line`), the `mappings` offset, or the section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// Not JSON, not a version 3 map, a missing field or one of the wrong type, a bad VLQ or
    /// segment, a negative position, sections out of order or overlapping.
    #[error("{0}")]
    Malformed(String),
    /// A segment or `ignoreList` names a source or name the map does not have.
    #[error("{0}")]
    OutOfRange(String),
    /// More segments than the generated file has room for.
    #[error("more than {0} mappings")]
    TooMany(usize),
}

impl MapError {
    /// The same error, said to be inside section `i` of an index map.
    fn in_section(self, i: usize, (line, column): (u64, u64)) -> Self {
        let at = |m: String| format!("section {i} (offset line {line}, column {column}): {m}");
        match self {
            MapError::Malformed(m) => MapError::Malformed(at(m)),
            MapError::OutOfRange(m) => MapError::OutOfRange(at(m)),
            too_many @ MapError::TooMany(_) => too_many,
        }
    }
}

fn malformed(message: impl Into<String>) -> MapError {
    MapError::Malformed(message.into())
}

/// Parses a map (regular or index) from its bytes, refusing more than `max_segments` segments
/// (a map for a file of n bytes needs at most about n; the cap keeps a hostile map of `A,A,A…`
/// from costing 6 bytes of memory per byte of map).
pub fn parse(bytes: &[u8], max_segments: usize) -> Result<ParsedMap, MapError> {
    let Typed(top) = serde_json::from_slice::<Typed<RawMap>>(bytes)
        .map_err(|e| malformed(format!("not JSON: {e}")))?;
    let raw = top.map_err(|kind| {
        malformed(format!(
            "not a source map: the JSON is {kind}, not an object"
        ))
    })?;
    let mut out = ParsedMap::default();
    let mut reader = Reader {
        out: &mut out,
        max_segments,
    };
    if raw.sections.is_some() {
        reader.index_map(&raw)?;
    } else {
        reader.regular_map(&raw, (0, 0))?;
        out.file = string_field(raw.file.as_ref(), "file")?.map(ToString::to_string);
    }
    if !out.segments.is_sorted_by_key(|s| (s.line, s.column)) {
        // The spec sorts each map's mappings; columns within a line may come in any order.
        // Stable: of two segments at one position the later one (in map order) stays last.
        out.segments.sort_by_key(|s| (s.line, s.column));
    }
    Ok(out)
}

struct Reader<'o> {
    out: &'o mut ParsedMap,
    max_segments: usize,
}

impl Reader<'_> {
    fn push(&mut self, segment: Segment) -> Result<(), MapError> {
        if self.out.segments.len() >= self.max_segments {
            return Err(MapError::TooMany(self.max_segments));
        }
        self.out.segments.push(segment);
        Ok(())
    }

    /// ECMA-426 DecodeIndexSourceMap: sections in order, none overlapping the one before, each
    /// holding a complete regular map.
    fn index_map(&mut self, raw: &RawMap) -> Result<(), MapError> {
        check_version(raw.version.as_ref())?;
        let file = string_field(raw.file.as_ref(), "file")?;
        if raw.mappings.is_some() {
            return Err(malformed("an index map has both `sections` and `mappings`"));
        }
        let sections = match &raw.sections {
            Some(Typed(Ok(sections))) => sections,
            Some(Typed(Err(kind))) => {
                return Err(malformed(format!(
                    "`sections` is {kind}, expected an array"
                )));
            }
            None => return Ok(()),
        };
        self.out.file = file.map(ToString::to_string);
        // The previous section's offset, and the last mapping of the latest section that had one.
        let mut previous: Option<(usize, (u64, u64))> = None;
        let mut last_mapping: Option<(usize, (u64, u64))> = None;
        for (i, Typed(section)) in sections.iter().enumerate() {
            let section = section.as_ref().map_err(|kind| {
                malformed(format!("`sections[{i}]` is {kind}, expected an object"))
            })?;
            let offset = match &section.offset {
                Some(Typed(Ok(offset))) => offset,
                Some(Typed(Err(kind))) => {
                    return Err(malformed(format!(
                        "`sections[{i}].offset` is {kind}, expected an object with `line` and `column`"
                    )));
                }
                None => return Err(malformed(format!("`sections[{i}]` has no `offset`"))),
            };
            let at = (
                offset_number(offset.line.as_ref(), i, "line")?,
                offset_number(offset.column.as_ref(), i, "column")?,
            );
            if let Some((j, before)) = previous
                && at < before
            {
                return Err(malformed(format!(
                    "section {i} starts at line {}, column {}, before section {j} (line {}, column {}); sections must be in order",
                    at.0, at.1, before.0, before.1
                )));
            }
            if let Some((j, end)) = last_mapping
                && at <= end
            {
                return Err(malformed(format!(
                    "section {i} starts at line {}, column {}, inside section {j}, whose last mapping is at line {}, column {}; sections must not overlap",
                    at.0, at.1, end.0, end.1
                )));
            }
            previous = Some((i, at));
            let map = match &section.map {
                Some(Typed(Ok(map))) => map,
                Some(Typed(Err(kind))) => {
                    return Err(malformed(format!(
                        "`sections[{i}].map` is {kind}, expected an object"
                    )));
                }
                None if section.url => {
                    return Err(malformed(format!(
                        "section {i} has a `url` instead of a `map`; ECMA-426 index maps embed every section's map"
                    )));
                }
                None => return Err(malformed(format!("section {i} has no `map`"))),
            };
            if map.sections.is_some() {
                return Err(malformed(format!(
                    "section {i}'s map is itself an index map"
                )));
            }
            self.push(Segment {
                line: saturate(at.0),
                column: saturate(at.1),
                source: UNMAPPED,
            })?;
            let end = self.regular_map(map, at).map_err(|e| e.in_section(i, at))?;
            if let Some(end) = end {
                last_mapping = Some((i, end));
            }
            if self.out.file.is_none() {
                let file =
                    string_field(map.file.as_ref(), "file").map_err(|e| e.in_section(i, at))?;
                self.out.file = file.map(ToString::to_string);
            }
        }
        Ok(())
    }

    /// ECMA-426 DecodeSourceMap for a map whose generated code starts at `at` (a section's
    /// offset; the column only shifts the first line). Returns the greatest generated position
    /// it mapped, for the overlap check.
    fn regular_map(
        &mut self,
        raw: &RawMap,
        at: (u64, u64),
    ) -> Result<Option<(u64, u64)>, MapError> {
        check_version(raw.version.as_ref())?;
        let mappings = match &raw.mappings {
            Some(Typed(Ok(mappings))) => mappings,
            Some(Typed(Err(kind))) => {
                return Err(malformed(format!(
                    "`mappings` is {kind}, expected a string"
                )));
            }
            None => return Err(malformed("no `mappings` field")),
        };
        let sources = match &raw.sources {
            Some(Typed(Ok(sources))) => sources,
            Some(Typed(Err(kind))) => {
                return Err(malformed(format!("`sources` is {kind}, expected an array")));
            }
            None => return Err(malformed("no `sources` field")),
        };
        string_field(raw.file.as_ref(), "file")?;
        let root = string_field(raw.source_root.as_ref(), "sourceRoot")?;
        check_list(
            raw.sources_content.as_ref(),
            "sourcesContent",
            "a string or null",
            |k| matches!(k, Kind::String | Kind::Null),
        )?;
        let names = check_list(raw.names.as_ref(), "names", "a string", |k| {
            k == Kind::String
        })?;
        // Consumers read the deprecated Chrome field only when the standard one is absent.
        match &raw.ignore_list {
            Some(list) => check_ignore_list(list, "ignoreList", sources.len())?,
            None => {
                if let Some(list) = &raw.x_google_ignore_list {
                    check_ignore_list(list, "x_google_ignoreList", sources.len())?;
                }
            }
        }

        let base = self.out.sources.len();
        // `sourceRoot` is prepended as a path: with a `/` after it unless it ends with one.
        let prefix = match root.map(|r| &**r) {
            None | Some("") => Cow::Borrowed(""),
            Some(root) if root.ends_with('/') => Cow::Borrowed(root),
            Some(root) => Cow::Owned(format!("{root}/")),
        };
        self.out.sources.reserve(sources.len());
        for (i, Typed(source)) in sources.iter().enumerate() {
            match source {
                Ok(Some(source)) if prefix.is_empty() => self.out.sources.push(source.to_string()),
                Ok(Some(source)) => self.out.sources.push(format!("{prefix}{source}")),
                Ok(None) => self.out.sources.push(String::new()),
                Err(kind) => {
                    return Err(malformed(format!(
                        "`sources[{i}]` is {kind}, expected a string or null"
                    )));
                }
            }
        }
        // Source indices are u32 and `UNMAPPED` is taken; a map this large cannot be read anyway.
        let base = u32::try_from(base)
            .ok()
            .filter(|_| self.out.sources.len() < UNMAPPED as usize)
            .ok_or_else(|| malformed("more than 2^32 - 1 sources"))?;

        let (line_offset, column_offset) = at;
        let before = self.out.segments.len();
        let mut last = (0, 0);
        decode_mappings(mappings, sources.len(), names, |line, column, source| {
            let column = if line == 0 {
                column.saturating_add(column_offset)
            } else {
                column
            };
            let line = line.saturating_add(line_offset);
            // Lines never go back, so the last line's greatest column is the last position.
            if line != last.0 || column > last.1 {
                last = (line, column);
            }
            self.push(Segment {
                line: saturate(line),
                column: saturate(column),
                source: source.map_or(UNMAPPED, |s| base + s),
            })
        })?;
        Ok((self.out.segments.len() > before).then_some(last))
    }
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn check_version(version: Option<&Typed<Number>>) -> Result<(), MapError> {
    match version {
        Some(Typed(Ok(Number(v)))) if *v == 3.0 => Ok(()),
        Some(Typed(Ok(Number(v)))) => Err(malformed(format!("version {v}, expected 3"))),
        Some(Typed(Err(kind))) => Err(malformed(format!(
            "`version` is {kind}, expected the number 3"
        ))),
        None => Err(malformed("no `version` field (expected 3)")),
    }
}

/// An optional string field: absent is fine, any other type is not.
fn string_field<'m, 'a>(
    field: Option<&'m Typed<Cow<'a, str>>>,
    name: &str,
) -> Result<Option<&'m Cow<'a, str>>, MapError> {
    match field {
        None => Ok(None),
        Some(Typed(Ok(s))) => Ok(Some(s)),
        Some(Typed(Err(kind))) => Err(malformed(format!("`{name}` is {kind}, expected a string"))),
    }
}

/// An optional list whose items' kinds must pass `ok`; returns its length (0 when absent).
fn check_list(
    list: Option<&Typed<Vec<KindOnly>>>,
    name: &str,
    expected: &str,
    ok: impl Fn(Kind) -> bool,
) -> Result<usize, MapError> {
    let items = match list {
        None => return Ok(0),
        Some(Typed(Ok(items))) => items,
        Some(Typed(Err(kind))) => {
            return Err(malformed(format!("`{name}` is {kind}, expected an array")));
        }
    };
    match items.iter().enumerate().find(|(_, item)| !ok(item.0)) {
        Some((i, item)) => Err(malformed(format!(
            "`{name}[{i}]` is {}, expected {expected}",
            item.0
        ))),
        None => Ok(items.len()),
    }
}

/// `ignoreList` (or `x_google_ignoreList`): indices into `sources`.
fn check_ignore_list(list: &List<Number>, name: &str, sources: usize) -> Result<(), MapError> {
    let items = list
        .0
        .as_ref()
        .map_err(|kind| malformed(format!("`{name}` is {kind}, expected an array")))?;
    for (i, Typed(item)) in items.iter().enumerate() {
        match item {
            Ok(Number(n)) if !n.is_finite() || n.fract() != 0.0 || *n < 0.0 => {
                return Err(malformed(format!(
                    "`{name}[{i}]` is {n}, expected a source index"
                )));
            }
            Ok(Number(n)) if *n >= sources as f64 => {
                return Err(MapError::OutOfRange(format!(
                    "`{name}[{i}]` is {n} but the map has {sources} sources"
                )));
            }
            Ok(_) => {}
            Err(kind) => {
                return Err(malformed(format!(
                    "`{name}[{i}]` is {kind}, expected a source index"
                )));
            }
        }
    }
    Ok(())
}

/// A section offset's `line` or `column`: a non-negative integer (2^64 and over saturate).
fn offset_number(n: Option<&Typed<Number>>, i: usize, name: &str) -> Result<u64, MapError> {
    match n {
        Some(Typed(Ok(Number(n)))) if n.is_finite() && n.fract() == 0.0 && *n >= 0.0 => {
            // `as` saturates; positions past 2^32 end up as u32::MAX anyway.
            Ok(*n as u64)
        }
        Some(Typed(Ok(Number(n)))) => Err(malformed(format!(
            "`sections[{i}].offset.{name}` is {n}, expected a non-negative integer"
        ))),
        Some(Typed(Err(kind))) => Err(malformed(format!(
            "`sections[{i}].offset.{name}` is {kind}, expected a non-negative integer"
        ))),
        None => Err(malformed(format!("`sections[{i}].offset` has no `{name}`"))),
    }
}

/// What each byte of `mappings` is: a base64 digit (its value, 0-63), a separator, or neither.
const CLASS: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table[b',' as usize] = COMMA;
    table[b';' as usize] = SEMICOLON;
    table
};
const COMMA: u8 = 64;
const SEMICOLON: u8 = 65;
const END: u8 = 66;
const INVALID: u8 = 0xFF;

/// Decodes `mappings` (ECMA-426 DecodeMappings), calling `emit(line, column, source)` for each
/// segment in order. `sources` and `names` are the lengths of those lists; every index and
/// original position is checked even though only the source index is kept.
fn decode_mappings(
    mappings: &str,
    sources: usize,
    names: usize,
    mut emit: impl FnMut(u64, u64, Option<u32>) -> Result<(), MapError>,
) -> Result<(), MapError> {
    let bytes = mappings.as_bytes();
    let mut i = 0;
    let mut line: u64 = 0;
    // Each VLQ moves a field by at most 2^31, so these i64 sums cannot wrap before 2^32
    // segments (a 30 GB map); wrapping, not panicking, past that.
    let mut column: i64 = 0;
    // The source index, original line, original column and name index carry across lines.
    let (mut source, mut original_line, mut original_column, mut name) = (0i64, 0i64, 0i64, 0i64);
    // At a line's start `;` ends an empty line and the end of `mappings` is fine; after a `,`
    // a segment must follow.
    let mut line_start = true;
    loop {
        if line_start {
            match bytes.get(i) {
                None => return Ok(()),
                Some(b';') => {
                    line += 1;
                    i += 1;
                    continue;
                }
                Some(_) => {}
            }
        }
        let start = i;
        let mut fields = [0i64; 5];
        let mut n = 0;
        let end = loop {
            let class = bytes.get(i).map_or(END, |&b| CLASS[b as usize]);
            if class >= COMMA {
                break class;
            }
            if n == 5 {
                return Err(segment_error(start, line, "has more than 5 fields".into()));
            }
            fields[n] = if class < 32 {
                // One digit, the common case: no continuation bit.
                i += 1;
                signed(u64::from(class))
            } else {
                let (value, next) = vlq(mappings, i)?;
                i = next;
                value
            };
            n += 1;
        };
        if end == INVALID {
            // Every byte before `i` was ASCII, so `i` is a char boundary.
            let c = mappings
                .get(i..)
                .and_then(|r| r.chars().next())
                .unwrap_or('?');
            return Err(malformed(format!(
                "invalid character {c:?} in mappings at offset {i}"
            )));
        }
        column = column.wrapping_add(fields[0]);
        let mapped = match n {
            1 => None,
            4 | 5 => {
                source = source.wrapping_add(fields[1]);
                original_line = original_line.wrapping_add(fields[2]);
                original_column = original_column.wrapping_add(fields[3]);
                if n == 5 {
                    name = name.wrapping_add(fields[4]);
                }
                // A negative index, cast, is past any list.
                if source as u64 >= sources as u64
                    || (original_line | original_column) < 0
                    || (n == 5 && name as u64 >= names as u64)
                {
                    let state = [source, original_line, original_column, name];
                    return Err(state_error(start, line, state, n, sources, names));
                }
                // Below `sources`, which the caller keeps under u32::MAX.
                Some(source as u32)
            }
            0 => {
                let why = "is empty (a `,` must stand between two segments)";
                return Err(segment_error(start, line, why.into()));
            }
            _ => {
                let why = format!("has {n} fields (expected 1, 4 or 5)");
                return Err(segment_error(start, line, why));
            }
        };
        if column < 0 {
            let why = format!("has generated column {column}");
            return Err(segment_error(start, line, why));
        }
        emit(line, column as u64, mapped)?;
        match end {
            COMMA => line_start = false,
            SEMICOLON => {
                line += 1;
                column = 0;
                line_start = true;
            }
            _ => return Ok(()),
        }
        i += 1;
    }
}

#[cold]
fn segment_error(offset: usize, line: u64, why: String) -> MapError {
    malformed(format!(
        "the segment at mappings offset {offset} (generated line {line}) {why}"
    ))
}

#[cold]
fn state_error(
    offset: usize,
    line: u64,
    [source, original_line, original_column, name]: [i64; 4],
    fields: usize,
    sources: usize,
    names: usize,
) -> MapError {
    let at = format!("at mappings offset {offset} (generated line {line})");
    if source < 0 || source as u64 >= sources as u64 {
        MapError::OutOfRange(format!(
            "source index {source} {at} but the map has {sources} sources"
        ))
    } else if original_line < 0 {
        malformed(format!("original line {original_line} {at}"))
    } else if original_column < 0 {
        malformed(format!("original column {original_column} {at}"))
    } else {
        debug_assert_eq!(fields, 5);
        MapError::OutOfRange(format!(
            "name index {name} {at} but the map has {names} names"
        ))
    }
}

/// ECMA-426 VLQSignedValue of a VLQ's unsigned value (sign in the lowest bit).
#[inline]
fn signed(value: u64) -> i64 {
    let magnitude = (value >> 1) as i64;
    match (value & 1 == 1, magnitude) {
        (false, m) => m,
        // "-0" stands for -2^31, the one value 31 bits of magnitude cannot hold.
        (true, 0) => -(1 << 31),
        (true, m) => -m,
    }
}

/// One base64 VLQ of several digits starting at `i`; returns it and the offset after it. Any
/// number of digits is allowed, but the value (sign bit included) must fit in 32 bits.
#[inline]
fn vlq(mappings: &str, mut i: usize) -> Result<(i64, usize), MapError> {
    let bytes = mappings.as_bytes();
    let start = i;
    let mut value: u64 = 0;
    let mut shift = 0;
    loop {
        let digit = bytes.get(i).map_or(END, |&b| CLASS[b as usize]);
        if digit >= COMMA {
            return Err(malformed(format!(
                "the VLQ value at mappings offset {start} ends without its last digit"
            )));
        }
        i += 1;
        let bits = u64::from(digit & 0b1_1111);
        // Seven digits hold 35 bits; past them only zero digits keep the value in range.
        if shift < 35 {
            value |= bits << shift;
            shift += 5;
        } else if bits != 0 {
            value = u64::MAX;
        }
        if digit & 0b10_0000 == 0 {
            break;
        }
    }
    if value >= 1 << 32 {
        return Err(malformed(format!(
            "the VLQ value at mappings offset {start} is over 32 bits"
        )));
    }
    Ok((signed(value), i))
}

// The JSON layer. Every field is read as `Typed<T>`: the value when it has the shape the
// format wants, or the JSON kind it had instead. Nothing fails while reading (only bad JSON
// does), so the checks above can say which field is wrong, and a field that the format ignores
// in one kind of map (`sources` at the top of an index map) costs nothing there.

/// The JSON kind of a value that had the wrong one, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        })
    }
}

/// A value of the expected shape, or the kind it had instead.
struct Typed<T>(Result<T, Kind>);

/// An array, each item of the expected shape or not.
type List<T> = Typed<Vec<Typed<T>>>;

/// How a `T` is made from the JSON value it may be; `None` means the value has another shape.
/// Arrays and objects of the wrong shape are skipped by the default methods.
trait Shape<'de>: Sized {
    fn borrowed_str(s: &'de str) -> Option<Self> {
        Self::str(s)
    }
    fn str(_: &str) -> Option<Self> {
        None
    }
    fn number(_: f64) -> Option<Self> {
        None
    }
    fn null() -> Option<Self> {
        None
    }
    fn array<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Typed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TypedVisitor(PhantomData))
    }
}

struct TypedVisitor<T>(PhantomData<T>);

impl<'de, T: Shape<'de>> Visitor<'de> for TypedVisitor<T> {
    type Value = Typed<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Typed(Err(Kind::Bool)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Typed(T::number(v as f64).ok_or(Kind::Number)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Typed(T::number(v as f64).ok_or(Kind::Number)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Typed(T::number(v).ok_or(Kind::Number)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Typed(T::borrowed_str(v).ok_or(Kind::String)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Typed(T::str(v).ok_or(Kind::String)))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Typed(T::null().ok_or(Kind::Null)))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Typed(T::null().ok_or(Kind::Null)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(Typed(T::array(seq)?.ok_or(Kind::Array)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(Typed(T::object(map)?.ok_or(Kind::Object)))
    }
}

impl<'de> Shape<'de> for Cow<'de, str> {
    fn borrowed_str(s: &'de str) -> Option<Self> {
        Some(Cow::Borrowed(s))
    }
    fn str(s: &str) -> Option<Self> {
        Some(Cow::Owned(s.to_owned()))
    }
}

/// A `sources` entry: a string, or null for a source whose name is not known.
impl<'de> Shape<'de> for Option<Cow<'de, str>> {
    fn borrowed_str(s: &'de str) -> Option<Self> {
        Some(Some(Cow::Borrowed(s)))
    }
    fn str(s: &str) -> Option<Self> {
        Some(Some(Cow::Owned(s.to_owned())))
    }
    fn null() -> Option<Self> {
        Some(None)
    }
}

/// JSON numbers as JavaScript has them: `3` and `3.0` are the same number.
#[derive(Debug, Clone, Copy)]
struct Number(f64);

impl Shape<'_> for Number {
    fn number(n: f64) -> Option<Self> {
        Some(Number(n))
    }
}

/// The kind of a `names` or `sourcesContent` entry, found without decoding the string: the
/// JSON reader skips it as it skips an unknown field (`sourcesContent` is most of a map's
/// bytes, and unescaping it cost a tenth of the reader's time).
struct KindOnly(Kind);

impl<'de> Deserialize<'de> for KindOnly {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(d)?;
        // The JSON reader has checked the value; its first byte says its kind.
        Ok(KindOnly(match raw.get().as_bytes().first() {
            Some(b'"') => Kind::String,
            Some(b'n') => Kind::Null,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'[') => Kind::Array,
            Some(b'{') => Kind::Object,
            _ => Kind::Number,
        }))
    }
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Vec<T> {
    fn array<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        // serde_json gives no hint; capped so no reader can make this allocate ahead of the
        // items it actually reads.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Some(items))
    }
}

/// One map object, regular or index; fields the format does not define are skipped. Of a key
/// given twice the last wins, as `JSON.parse` has it.
#[derive(Default)]
struct RawMap<'a> {
    version: Option<Typed<Number>>,
    file: Option<Typed<Cow<'a, str>>>,
    source_root: Option<Typed<Cow<'a, str>>>,
    sources: Option<List<Option<Cow<'a, str>>>>,
    sources_content: Option<Typed<Vec<KindOnly>>>,
    names: Option<Typed<Vec<KindOnly>>>,
    ignore_list: Option<List<Number>>,
    x_google_ignore_list: Option<List<Number>>,
    mappings: Option<Typed<Cow<'a, str>>>,
    sections: Option<List<RawSection<'a>>>,
}

impl<'de> Shape<'de> for RawMap<'de> {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut raw = RawMap::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Version => raw.version = Some(map.next_value()?),
                Key::File => raw.file = Some(map.next_value()?),
                Key::SourceRoot => raw.source_root = Some(map.next_value()?),
                Key::Sources => raw.sources = Some(map.next_value()?),
                Key::SourcesContent => raw.sources_content = Some(map.next_value()?),
                Key::Names => raw.names = Some(map.next_value()?),
                Key::IgnoreList => raw.ignore_list = Some(map.next_value()?),
                Key::XGoogleIgnoreList => raw.x_google_ignore_list = Some(map.next_value()?),
                Key::Mappings => raw.mappings = Some(map.next_value()?),
                Key::Sections => raw.sections = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(raw))
    }
}

#[derive(Default)]
struct RawSection<'a> {
    offset: Option<Typed<RawOffset>>,
    map: Option<Typed<RawMap<'a>>>,
    /// A pre-ECMA-426 section pointing at a map in another file.
    url: bool,
}

impl<'de> Shape<'de> for RawSection<'de> {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut section = RawSection::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Offset => section.offset = Some(map.next_value()?),
                Key::Map => section.map = Some(map.next_value()?),
                Key::Url => {
                    section.url = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(section))
    }
}

#[derive(Default)]
struct RawOffset {
    line: Option<Typed<Number>>,
    column: Option<Typed<Number>>,
}

impl<'de> Shape<'de> for RawOffset {
    fn object<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut offset = RawOffset::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Line => offset.line = Some(map.next_value()?),
                Key::Column => offset.column = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Some(offset))
    }
}

/// The object keys the format defines, read without allocating.
enum Key {
    Version,
    File,
    SourceRoot,
    Sources,
    SourcesContent,
    Names,
    IgnoreList,
    XGoogleIgnoreList,
    Mappings,
    Sections,
    Offset,
    Map,
    Url,
    Line,
    Column,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "version" => Key::Version,
                    "file" => Key::File,
                    "sourceRoot" => Key::SourceRoot,
                    "sources" => Key::Sources,
                    "sourcesContent" => Key::SourcesContent,
                    "names" => Key::Names,
                    "ignoreList" => Key::IgnoreList,
                    "x_google_ignoreList" => Key::XGoogleIgnoreList,
                    "mappings" => Key::Mappings,
                    "sections" => Key::Sections,
                    "offset" => Key::Offset,
                    "map" => Key::Map,
                    "url" => Key::Url,
                    "line" => Key::Line,
                    "column" => Key::Column,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
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

    // The rule tests below are tables, one case a line: `#[rustfmt::skip]` keeps them so.

    #[track_caller]
    fn valid(json: &str) -> ParsedMap {
        parse(json.as_bytes(), usize::MAX).unwrap_or_else(|e| panic!("rejected {json}: {e}"))
    }

    /// `json` is rejected as malformed, with `says` in the message.
    #[track_caller]
    fn invalid(json: &str, says: &str) {
        match parse(json.as_bytes(), usize::MAX) {
            Err(MapError::Malformed(m)) => {
                assert!(m.contains(says), "{json}\n  said: {m}\n  not: {says}");
            }
            other => panic!("{json}: expected Malformed({says:?}), got {other:?}"),
        }
    }

    /// `json` is rejected as naming a source or name it does not have.
    #[track_caller]
    fn out_of_range(json: &str, says: &str) {
        match parse(json.as_bytes(), usize::MAX) {
            Err(MapError::OutOfRange(m)) => {
                assert!(m.contains(says), "{json}\n  said: {m}\n  not: {says}");
            }
            other => panic!("{json}: expected OutOfRange({says:?}), got {other:?}"),
        }
    }

    /// A regular map with sources `a.js`, `b.js` and one name, and these mappings.
    fn m(mappings: &str) -> String {
        format!(
            r#"{{"version":3,"sources":["a.js","b.js"],"names":["n"],"mappings":"{mappings}"}}"#
        )
    }

    /// A regular map with these fields besides `"version":3` and `"mappings":"A"`.
    fn with(fields: &str) -> String {
        format!(r#"{{"version":3,{fields},"mappings":"A"}}"#)
    }

    fn columns(map: &ParsedMap) -> Vec<u32> {
        map.segments.iter().map(|s| s.column).collect()
    }

    #[test]
    #[rustfmt::skip]
    fn vlq_values_from_the_spec() {
        for (text, value) in [
            ("A", 0),
            ("C", 1),
            ("D", -1),
            ("gB", 16),
            ("hB", -16),
            ("2H", 123),
            ("iB", 17),
            ("V", -10),
            // "-0" is -2^31; the largest 32-bit value either way.
            ("B", -(1 << 31)),
            ("+/////D", (1 << 31) - 1),
            ("//////D", -((1 << 31) - 1)),
        ] {
            assert_eq!(vlq(text, 0).unwrap(), (value, text.len()), "{text}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn json_and_object() {
        invalid("not json", "not JSON");
        invalid(r#"{"version":3,"#, "not JSON");
        invalid("[]", "the JSON is an array, not an object");
        invalid("3", "the JSON is a number, not an object");
        invalid(r#""x""#, "the JSON is a string, not an object");
    }

    #[test]
    #[rustfmt::skip]
    fn version_is_the_number_3() {
        valid(r#"{"version":3,"sources":[],"mappings":""}"#);
        valid(r#"{"version":3.0,"sources":[],"mappings":""}"#);
        invalid(r#"{"sources":[],"mappings":""}"#, "no `version` field");
        invalid(r#"{"version":"3","sources":[],"mappings":""}"#, "`version` is a string, expected the number 3");
        invalid(r#"{"version":"3foo","sources":[],"mappings":""}"#, "`version` is a string");
        invalid(r#"{"version":null,"sources":[],"mappings":""}"#, "`version` is null");
        invalid(r#"{"version":4,"sources":[],"mappings":""}"#, "version 4, expected 3");
        invalid(r#"{"version":2,"sources":[],"mappings":""}"#, "version 2, expected 3");
        invalid(r#"{"version":3.5,"sources":[],"mappings":""}"#, "version 3.5, expected 3");
    }

    #[test]
    #[rustfmt::skip]
    fn unknown_fields_are_ignored_and_the_last_of_a_repeated_key_wins() {
        valid(r#"{"version":3,"sources":[],"mappings":"","foobar":42,"x_other":[1,{"a":null}],"debugId":"85314830-023f-4cf1-a267-535f4e37bb17"}"#);
        valid(r#"{"version":2,"version":3,"sources":[],"mappings":""}"#);
        invalid(r#"{"version":3,"version":2,"sources":[],"mappings":""}"#, "version 2");
    }

    #[test]
    #[rustfmt::skip]
    fn file_is_an_optional_string() {
        assert_eq!(valid(&with(r#""file":"a.js","sources":[]"#)).file.as_deref(), Some("a.js"));
        assert_eq!(valid(&with(r#""sources":[]"#)).file, None);
        invalid(&with(r#""file":235324,"sources":[]"#), "`file` is a number, expected a string");
        invalid(&with(r#""file":[],"sources":[]"#), "`file` is an array");
        invalid(&with(r#""file":null,"sources":[]"#), "`file` is null");
    }

    #[test]
    #[rustfmt::skip]
    fn source_root_is_an_optional_string_prepended_as_a_path() {
        let sources = |fields: &str| valid(&with(fields)).sources;
        assert_eq!(sources(r#""sourceRoot":"lib","sources":["a.js"]"#), ["lib/a.js"]);
        assert_eq!(sources(r#""sourceRoot":"lib/","sources":["a.js"]"#), ["lib/a.js"]);
        assert_eq!(sources(r#""sourceRoot":"lib//","sources":["a.js"]"#), ["lib//a.js"]);
        // A scheme-only root keeps its slashes (the old reader made this `webpack:/./a.js`).
        assert_eq!(sources(r#""sourceRoot":"webpack:///","sources":["./a.js"]"#), ["webpack:///./a.js"]);
        // Empty adds nothing (webpack writes it in every map), as every consumer reads it.
        assert_eq!(sources(r#""sourceRoot":"","sources":["webpack://_N_E/./a.js"]"#), ["webpack://_N_E/./a.js"]);
        // The spec prepends the root to every string source, absolute or not.
        assert_eq!(sources(r#""sourceRoot":"lib","sources":["https://h/a.js"]"#), ["lib/https://h/a.js"]);
        // A null source has no name to prepend to.
        assert_eq!(sources(r#""sourceRoot":"lib","sources":[null,"a.js"]"#), ["", "lib/a.js"]);
        invalid(&with(r#""sourceRoot":[],"sources":["a.js"]"#), "`sourceRoot` is an array, expected a string");
        invalid(&with(r#""sourceRoot":-10923409,"sources":["a.js"]"#), "`sourceRoot` is a number");
    }

    #[test]
    #[rustfmt::skip]
    fn sources_are_a_list_of_strings_or_nulls() {
        assert_eq!(valid(&with(r#""sources":["/baz/quux/a.js","https://h/b.js","webpack:///./c.js"]"#)).sources, ["/baz/quux/a.js", "https://h/b.js", "webpack:///./c.js"]);
        let map = valid(r#"{"version":3,"sources":[null],"sourcesContent":[null],"mappings":"AAAA,SAAS"}"#);
        assert_eq!((map.sources, map.segments), (vec![String::new()], vec![seg(0, 0, 0), seg(0, 9, 0)]));
        invalid(r#"{"version":3,"mappings":""}"#, "no `sources` field");
        invalid(&with(r#""sources":"not a list""#), "`sources` is a string, expected an array");
        invalid(&with(r#""sources":{"a.js":3}"#), "`sources` is an object, expected an array");
        invalid(&with(r#""sources":null"#), "`sources` is null, expected an array");
        invalid(&with(r#""sources":["a.js",3]"#), "`sources[1]` is a number, expected a string or null");
        invalid(&with(r#""sources":[{}]"#), "`sources[0]` is an object");
        invalid(&with(r#""sources":[true]"#), "`sources[0]` is a boolean");
        invalid(&with(r#""sources":[[]]"#), "`sources[0]` is an array");
    }

    #[test]
    #[rustfmt::skip]
    fn sources_content_is_an_optional_list_of_strings_or_nulls() {
        valid(&with(r#""sources":["a.js"]"#));
        valid(&with(r#""sources":["a.js"],"sourcesContent":["x = \"1\";\n"]"#));
        valid(&with(r#""sources":["a.js"],"sourcesContent":[null]"#));
        // Shorter or longer than `sources` is allowed: entries are matched by index.
        valid(&with(r#""sources":["a.js","b.js"],"sourcesContent":["x"]"#));
        valid(&with(r#""sources":["a.js"],"sourcesContent":["x",null,"y"]"#));
        invalid(&with(r#""sources":["a.js"],"sourcesContent":"not a list""#), "`sourcesContent` is a string, expected an array");
        invalid(&with(r#""sources":["a.js"],"sourcesContent":{"x":3}"#), "`sourcesContent` is an object");
        invalid(&with(r#""sources":["a.js"],"sourcesContent":null"#), "`sourcesContent` is null");
        invalid(&with(r#""sources":["a.js"],"sourcesContent":["x",3]"#), "`sourcesContent[1]` is a number, expected a string or null");
        invalid(&with(r#""sources":["a.js"],"sourcesContent":[{}]"#), "`sourcesContent[0]` is an object");
        invalid(&with(r#""sources":["a.js"],"sourcesContent":[false]"#), "`sourcesContent[0]` is a boolean");
        invalid(&with(r#""sources":["a.js"],"sourcesContent":[[]]"#), "`sourcesContent[0]` is an array");
    }

    #[test]
    #[rustfmt::skip]
    fn names_are_an_optional_list_of_strings() {
        valid(&with(r#""sources":["a.js"]"#));
        valid(&with(r#""sources":["a.js"],"names":[]"#));
        valid(r#"{"version":3,"sources":["a.js"],"names":["foo","bar"],"mappings":"AAAAC"}"#);
        invalid(&with(r#""sources":["a.js"],"names":"not a list""#), "`names` is a string, expected an array");
        invalid(&with(r#""sources":["a.js"],"names":{"foo":3}"#), "`names` is an object");
        invalid(&with(r#""sources":["a.js"],"names":[null]"#), "`names[0]` is null, expected a string");
        invalid(&with(r#""sources":["a.js"],"names":["a",3]"#), "`names[1]` is a number");
        invalid(&with(r#""sources":["a.js"],"names":[true]"#), "`names[0]` is a boolean");
        invalid(&with(r#""sources":["a.js"],"names":[{}]"#), "`names[0]` is an object");
        invalid(&with(r#""sources":["a.js"],"names":[[]]"#), "`names[0]` is an array");
    }

    #[test]
    #[rustfmt::skip]
    fn ignore_list_holds_indices_of_sources() {
        valid(&with(r#""sources":["a.js"],"ignoreList":[]"#));
        valid(&with(r#""sources":["a.js"],"ignoreList":[0]"#));
        valid(&with(r#""sources":["a.js","b.js"],"ignoreList":[1,0,1.0]"#));
        invalid(&with(r#""sources":["a.js"],"ignoreList":["not a number"]"#), "`ignoreList[0]` is a string, expected a source index");
        invalid(&with(r#""sources":["a.js"],"ignoreList":["0"]"#), "`ignoreList[0]` is a string");
        invalid(&with(r#""sources":["a.js"],"ignoreList":0"#), "`ignoreList` is a number, expected an array");
        invalid(&with(r#""sources":["a.js"],"ignoreList":null"#), "`ignoreList` is null");
        invalid(&with(r#""sources":["a.js"],"ignoreList":[0.5]"#), "`ignoreList[0]` is 0.5, expected a source index");
        invalid(&with(r#""sources":["a.js"],"ignoreList":[0,-1]"#), "`ignoreList[1]` is -1, expected a source index");
        out_of_range(&with(r#""sources":["a.js"],"ignoreList":[1]"#), "`ignoreList[0]` is 1 but the map has 1 sources");
    }

    #[test]
    #[rustfmt::skip]
    fn x_google_ignore_list_is_read_when_there_is_no_ignore_list() {
        valid(&with(r#""sources":["a.js"],"x_google_ignoreList":[0]"#));
        invalid(&with(r#""sources":["a.js"],"x_google_ignoreList":[0.5]"#), "`x_google_ignoreList[0]` is 0.5");
        invalid(&with(r#""sources":["a.js"],"x_google_ignoreList":"0""#), "`x_google_ignoreList` is a string");
        out_of_range(&with(r#""sources":["a.js"],"x_google_ignoreList":[3]"#), "`x_google_ignoreList[0]` is 3");
        // Beside `ignoreList` it is an unknown field, which consumers skip.
        valid(&with(r#""sources":["a.js"],"ignoreList":[0],"x_google_ignoreList":[3]"#));
        valid(&with(r#""sources":["a.js"],"ignoreList":[],"x_google_ignoreList":"x""#));
    }

    #[test]
    #[rustfmt::skip]
    fn mappings_is_a_string() {
        invalid(r#"{"version":3,"sources":["a.js"],"names":["foo"],"sourcesContent":["x"]}"#, "no `mappings` field");
        invalid(&m("").replace(r#""mappings":"""#, r#""mappings":5"#), "`mappings` is a number, expected a string");
        invalid(&m("").replace(r#""mappings":"""#, r#""mappings":[1,2,3,4]"#), "`mappings` is an array");
        invalid(&m("").replace(r#""mappings":"""#, r#""mappings":null"#), "`mappings` is null");
    }

    #[test]
    #[rustfmt::skip]
    fn mappings_grammar() {
        assert_eq!(valid(&m("")).segments, []);
        assert_eq!(valid(&m(";;;;;;;;")).segments, []);
        assert_eq!(valid(&m("A;;A;")).segments, [seg(0, 0, UNMAPPED), seg(2, 0, UNMAPPED)]);
        assert_eq!(valid(&m("AAAA,CCAA;AAAAA")).segments, [seg(0, 0, 0), seg(0, 1, 1), seg(1, 0, 1)]);
        // JSON escapes in the string are undone before decoding.
        assert_eq!(valid(&m(r"A\u002cC")).segments, [seg(0, 0, UNMAPPED), seg(0, 1, UNMAPPED)]);
        invalid(&m("A$%?!"), "invalid character '$' in mappings at offset 1");
        invalid(&m(";;A="), "invalid character '=' in mappings at offset 3");
        invalid(&m("AAAA.SAASA:MACP"), "invalid character '.' in mappings at offset 4");
        invalid(&m("Aé"), "invalid character 'é' in mappings at offset 1");
        invalid(&m("AAAA g"), "invalid character ' '");
        invalid(&m("g"), "the VLQ value at mappings offset 0 ends without its last digit");
        invalid(&m("AAAg;A"), "the VLQ value at mappings offset 3 ends without its last digit");
    }

    #[test]
    #[rustfmt::skip]
    fn segments_have_1_4_or_5_fields() {
        valid(&m("A"));
        valid(&m("AAAA"));
        valid(&m("AAAAA"));
        invalid(&m(",,,,"), "the segment at mappings offset 0 (generated line 0) is empty");
        invalid(&m(",A"), "offset 0 (generated line 0) is empty");
        invalid(&m("A,"), "offset 2 (generated line 0) is empty");
        invalid(&m("A,,A"), "offset 2 (generated line 0) is empty");
        invalid(&m("A;,A"), "offset 2 (generated line 1) is empty");
        invalid(&m("A,;A"), "offset 2 (generated line 0) is empty");
        invalid(&m("AA"), "the segment at mappings offset 0 (generated line 0) has 2 fields (expected 1, 4 or 5)");
        invalid(&m("A;AAA"), "offset 2 (generated line 1) has 3 fields");
        invalid(&m("AAAAAA"), "offset 0 (generated line 0) has more than 5 fields");
    }

    #[test]
    #[rustfmt::skip]
    fn generated_columns_are_relative_within_a_line_and_never_negative() {
        assert_eq!(valid(&m("CAAA;CACA")).segments, [seg(0, 1, 0), seg(1, 1, 0)]);
        // Columns may come in any order within a line; the spec sorts them.
        assert_eq!(columns(&valid(&m("E,D,C"))), [1, 2, 2]);
        invalid(&m("F"), "offset 0 (generated line 0) has generated column -2");
        invalid(&m("C,F"), "offset 2 (generated line 0) has generated column -1");
        invalid(&m("A;C,F"), "(generated line 1) has generated column -1");
        invalid(&m("B"), "has generated column -2147483648");
    }

    #[test]
    #[rustfmt::skip]
    fn sources_and_names_must_exist() {
        assert_eq!(valid(&m("ACAA")).segments, [seg(0, 0, 1)]);
        out_of_range(&m("AEAA"), "source index 2 at mappings offset 0 (generated line 0) but the map has 2 sources");
        out_of_range(&m("AFAA"), "source index -2 at mappings offset 0");
        out_of_range(&m("ACAA,AFAA"), "source index -1 at mappings offset 5");
        out_of_range(&m("AAAAC"), "name index 1 at mappings offset 0 (generated line 0) but the map has 1 names");
        out_of_range(&m("AAAAF"), "name index -2");
        out_of_range(&m("AAAAA,AAAAF"), "name index -2 at mappings offset 6");
        out_of_range(r#"{"version":3,"sources":["a.js"],"mappings":"AAAAA"}"#, "name index 0 at mappings offset 0 (generated line 0) but the map has 0 names");
        // The name index carries over 4-field segments and lines.
        valid(r#"{"version":3,"sources":["a.js"],"names":["x","y"],"mappings":"AAAAC,AAAA;AAAAA"}"#);
    }

    #[test]
    #[rustfmt::skip]
    fn original_positions_are_never_negative() {
        valid(&m("AACC,AADD"));
        invalid(&m("AAFA"), "original line -2 at mappings offset 0 (generated line 0)");
        invalid(&m("AACA,AAFA"), "original line -1 at mappings offset 5");
        invalid(&m("AACA;AAFA"), "original line -1 at mappings offset 5 (generated line 1)");
        invalid(&m("AAAF"), "original column -2 at mappings offset 0");
        invalid(&m("AAAC,AAAF"), "original column -1 at mappings offset 5");
    }

    #[test]
    #[rustfmt::skip]
    fn fields_hold_32_bits() {
        // Each field at the largest 32-bit value; then an over-long VLQ whose extra digits are 0.
        assert_eq!(valid(&m("+/////DA+/////D+/////DA")).segments, [seg(0, (1 << 31) - 1, 0)]);
        assert_eq!(valid(&m(&format!("i{}A", "g".repeat(2000)))).segments, [seg(0, 1, UNMAPPED)]);
        invalid(&m("ggggggE"), "the VLQ value at mappings offset 0 is over 32 bits");
        invalid(&m("AggggggEAA"), "the VLQ value at mappings offset 1 is over 32 bits");
        invalid(&m("AAggggggEA"), "offset 2 is over 32 bits");
        invalid(&m("AAAggggggE"), "offset 3 is over 32 bits");
        invalid(&m("AAAAggggggE"), "offset 4 is over 32 bits");
        invalid(&m("gggggggB"), "is over 32 bits");
        // Positions past 2^32 are valid but in no real file: kept as the largest column.
        assert_eq!(columns(&valid(&m("+/////D,+/////D,+/////D"))), [(1 << 31) - 1, u32::MAX - 1, u32::MAX]);
    }

    #[test]
    #[rustfmt::skip]
    fn regular_map_segments() {
        // Line 0: col 0 → src 0, col 5 → no source, col 9 → src 1; line 2: col 2 → src 1.
        let map = valid(r#"{"version":3,"sources":["a.js","b.js"],"names":["x"],"mappings":"AAAA,K,ICAAA;;EAAA"}"#);
        assert_eq!(map.sources, ["a.js", "b.js"]);
        assert_eq!(map.segments, [seg(0, 0, 0), seg(0, 5, UNMAPPED), seg(0, 9, 1), seg(2, 2, 1)]);
    }

    #[test]
    #[rustfmt::skip]
    fn index_map_sections_are_offset_and_bounded() {
        let map = valid(
            r#"{"version":3,"sources":[],"sections":[
                {"offset":{"line":0,"column":0},"map":{"version":3,"file":"x.css","sources":["a.css"],"names":[],"mappings":"AAAA,IAAA"}},
                {"offset":{"line":0,"column":10},"map":{"version":3,"sources":["b.css"],"names":[],"mappings":"CAAA;AAAA"}}]}"#,
        );
        assert_eq!(map.sources, ["a.css", "b.css"]);
        assert_eq!(map.file.as_deref(), Some("x.css"));
        assert_eq!(
            map.segments,
            [seg(0, 0, UNMAPPED), seg(0, 0, 0), seg(0, 4, 0), seg(0, 10, UNMAPPED), seg(0, 11, 1), seg(1, 0, 1)]
        );
    }

    /// An index map whose sections are at these offsets and map these `mappings` to `a.js`.
    fn index(sections: &[(&str, &str)]) -> String {
        let sections: Vec<String> = sections
            .iter()
            .map(|(offset, mappings)| {
                format!(r#"{{"offset":{offset},"map":{{"version":3,"sources":["a.js"],"mappings":"{mappings}"}}}}"#)
            })
            .collect();
        format!(r#"{{"version":3,"sections":[{}]}}"#, sections.join(","))
    }

    #[test]
    #[rustfmt::skip]
    fn index_map_structure() {
        assert_eq!(valid(r#"{"version":3,"sections":[]}"#).segments, []);
        // Only `version`, `file` and `sections` matter at the top of an index map.
        valid(r#"{"version":3,"sources":5,"names":null,"sourcesContent":3,"ignoreList":"x","sections":[]}"#);
        assert_eq!(valid(r#"{"version":3,"file":"all.js","sections":[]}"#).file.as_deref(), Some("all.js"));
        invalid(r#"{"sections":[]}"#, "no `version` field");
        invalid(r#"{"version":3,"file":[],"sections":[]}"#, "`file` is an array, expected a string");
        invalid(r#"{"version":3,"file":2345234234,"sections":[]}"#, "`file` is a number");
        invalid(r#"{"version":3,"sections":"not a sections list"}"#, "`sections` is a string, expected an array");
        invalid(r#"{"version":3,"sections":null}"#, "`sections` is null");
        invalid(r#"{"version":3,"sections":[3]}"#, "`sections[0]` is a number, expected an object");
        invalid(r#"{"version":3,"mappings":"AAAA","sections":[]}"#, "an index map has both `sections` and `mappings`");
    }

    #[test]
    #[rustfmt::skip]
    fn index_map_offsets() {
        valid(&index(&[(r#"{"line":0,"column":0}"#, "AAAA")]));
        valid(&index(&[(r#"{"line":1.0,"column":4e0}"#, "AAAA")]));
        invalid(r#"{"version":3,"sections":[{"map":{"version":3,"sources":[],"mappings":""}}]}"#, "`sections[0]` has no `offset`");
        invalid(&index(&[(r#""not an offset""#, "AAAA")]), "`sections[0].offset` is a string, expected an object with `line` and `column`");
        invalid(&index(&[(r#"{"column":0}"#, "AAAA")]), "`sections[0].offset` has no `line`");
        invalid(&index(&[(r#"{"line":0}"#, "AAAA")]), "`sections[0].offset` has no `column`");
        invalid(&index(&[(r#"{"line":true,"column":0}"#, "AAAA")]), "`sections[0].offset.line` is a boolean, expected a non-negative integer");
        invalid(&index(&[(r#"{"line":0,"column":true}"#, "AAAA")]), "`sections[0].offset.column` is a boolean");
        invalid(&index(&[(r#"{"line":-1,"column":0}"#, "AAAA")]), "`sections[0].offset.line` is -1, expected a non-negative integer");
        invalid(&index(&[(r#"{"line":0,"column":0.5}"#, "AAAA")]), "`sections[0].offset.column` is 0.5");
        // Offsets past 2^32 are valid; their positions are kept as the largest.
        assert_eq!(valid(&index(&[(r#"{"line":0,"column":4294967296}"#, "AAAA")])).segments, [seg(0, u32::MAX, UNMAPPED), seg(0, u32::MAX, 0)]);
    }

    #[test]
    #[rustfmt::skip]
    fn index_map_section_maps() {
        invalid(r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":"not a map"}]}"#, "`sections[0].map` is a string, expected an object");
        invalid(r#"{"version":3,"sections":[{"offset":{"line":0,"column":0}}]}"#, "section 0 has no `map`");
        invalid(r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"x.map"}]}"#, "section 0 has a `url` instead of a `map`");
        invalid(
            r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sections":[]}}]}"#,
            "section 0's map is itself an index map",
        );
        invalid(
            r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":"3","mappings":7}}]}"#,
            "section 0 (offset line 0, column 0): `version` is a string",
        );
        // A section's map is a whole regular map: every rule holds inside it, and the error
        // says which section.
        invalid(&index(&[(r#"{"line":0,"column":0}"#, "A"), (r#"{"line":2,"column":3}"#, "AACA,AAFA")]), "section 1 (offset line 2, column 3): original line -1 at mappings offset 5");
        invalid(r#"{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"mappings":""}}]}"#, "section 0 (offset line 0, column 0): no `sources` field");
        out_of_range(&index(&[(r#"{"line":0,"column":0}"#, "ACAA")]), "section 0 (offset line 0, column 0): source index 1");
    }

    #[test]
    #[rustfmt::skip]
    fn index_map_sections_are_ordered_and_do_not_overlap() {
        let at = |line: u32, column: u32| format!(r#"{{"line":{line},"column":{column}}}"#);
        // Section 0 maps columns 0 and 5; section 1 may start at column 6, not at 5.
        assert_eq!(valid(&index(&[(&at(0, 0), "AAAA,KAAA"), (&at(0, 6), "AAAA")])).segments.len(), 5);
        invalid(&index(&[(&at(0, 0), "AAAA,KAAA"), (&at(0, 5), "AAAA")]), "section 1 starts at line 0, column 5, inside section 0, whose last mapping is at line 0, column 5; sections must not overlap");
        invalid(&index(&[(&at(0, 0), "AAAA"), (&at(0, 0), "AAAA")]), "inside section 0");
        // The last mapping of a later line counts, wherever the offset column was.
        invalid(&index(&[(&at(0, 50), "A;E"), (&at(1, 1), "A")]), "section 1 starts at line 1, column 1, inside section 0, whose last mapping is at line 1, column 2");
        valid(&index(&[(&at(0, 50), "A;E"), (&at(1, 3), "A")]));
        // An empty section maps nothing, so the next may start where it does; not before it.
        valid(&index(&[(&at(0, 0), "AAAA"), (&at(0, 1), ""), (&at(0, 1), "AAAA")]));
        invalid(&index(&[(&at(0, 0), "KAAA"), (&at(0, 6), ""), (&at(0, 5), "AAAA")]), "section 2 starts at line 0, column 5, before section 1 (line 0, column 6); sections must be in order");
        invalid(&index(&[(&at(1, 4), "AAAA"), (&at(0, 0), "AAAA")]), "before section 0 (line 1, column 4)");
        invalid(&index(&[(&at(0, 0), "KAAA"), (&at(0, 2), "")]), "section 1 starts at line 0, column 2, inside section 0");
    }

    #[test]
    #[rustfmt::skip]
    fn the_segment_cap_holds() {
        let json = br#"{"version":3,"sources":["a"],"mappings":"AAAA,C,C;C"}"#;
        assert_eq!(parse(json, 4).unwrap().segments.len(), 4);
        assert_eq!(parse(json, 3).unwrap_err(), MapError::TooMany(3));
        // Section boundaries count too.
        let sections = format!(r#"{{"version":3,"sections":[{}]}}"#, [r#"{"offset":{"line":0,"column":0},"map":{"version":3,"sources":[],"mappings":""}}"#; 10].join(","));
        assert_eq!(parse(sections.as_bytes(), 10).unwrap().segments.len(), 10);
        assert_eq!(parse(sections.as_bytes(), 9).unwrap_err(), MapError::TooMany(9));
    }

    #[test]
    #[rustfmt::skip]
    fn hostile_maps_are_decoded_or_refused_within_their_caps() {
        // A megabyte-long VLQ of zero digits.
        valid(&m(&format!("g{}A", "g".repeat(1 << 20))));
        // A megabyte of empty lines, of one-field segments (capped), and of empty sections.
        valid(&m(&";".repeat(1 << 20)));
        let commas = m(&format!("A{}", ",A".repeat(1 << 19)));
        assert_eq!(parse(commas.as_bytes(), 1000).unwrap_err(), MapError::TooMany(1000));
        let empty = r#"{"offset":{"line":0,"column":0},"map":{"version":3,"sources":[],"mappings":""}}"#;
        let sections = format!(r#"{{"version":3,"sections":[{}]}}"#, vec![empty; 1 << 14].join(","));
        assert_eq!(parse(sections.as_bytes(), 1 << 20).unwrap().segments.len(), 1 << 14);
        // Deep nesting: skipped without recursion in a field the format does not define (and in
        // a `sourcesContent` entry), refused past the JSON reader's depth limit in sections.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        valid(&with(&format!(r#""sources":[],"x":{deep}"#)));
        invalid(&with(&format!(r#""sources":[],"sourcesContent":[{deep}]"#)), "`sourcesContent[0]` is an array");
        let nested = (0..200).fold(String::from(r#"{"version":3,"sections":[]}"#), |inner, _| {
            format!(r#"{{"version":3,"sections":[{{"offset":{{"line":0,"column":0}},"map":{inner}}}]}}"#)
        });
        invalid(&nested, "not JSON: recursion limit exceeded");
    }

    // An oracle: ECMA-426's DecodeMappings transcribed step by step, slow and plain (the
    // grammar first, by splitting on `;` and `,`, then the state machine), to hold the fast
    // decoder to on random input and on every fixture map.

    const DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// A segment's VLQs (VLQSignedValue of each), or `None` where the grammar or the 32-bit
    /// limit says no.
    fn spec_vlqs(segment: &str) -> Option<Vec<i64>> {
        let mut values = vec![];
        let mut digits: Vec<u64> = vec![];
        for c in segment.chars() {
            let digit = DIGITS.find(c)? as u64;
            digits.push(digit & 31);
            if digit < 32 {
                // VLQUnsignedValue = sum of digit_k * 32^k, and 32^7 > 2^32.
                if digits.iter().skip(7).any(|&d| d != 0) {
                    return None;
                }
                let unsigned: u64 = digits
                    .iter()
                    .enumerate()
                    .take(7)
                    .map(|(k, d)| d << (5 * k))
                    .sum();
                if unsigned >= 1 << 32 {
                    return None;
                }
                let value = (unsigned / 2) as i64;
                values.push(match (unsigned % 2, value) {
                    (1, 0) => -(1 << 31),
                    (1, v) => -v,
                    (_, v) => v,
                });
                digits.clear();
            }
        }
        (digits.is_empty() && !values.is_empty()).then_some(values)
    }

    fn spec_decode(
        mappings: &str,
        sources: usize,
        names: usize,
    ) -> Option<Vec<(u64, u64, Option<u32>)>> {
        let mut lines = vec![];
        for line in mappings.split(';') {
            let mut segments = vec![];
            if !line.is_empty() {
                for segment in line.split(',') {
                    let fields = spec_vlqs(segment)?;
                    if ![1, 4, 5].contains(&fields.len()) {
                        return None;
                    }
                    segments.push(fields);
                }
            }
            lines.push(segments);
        }
        let mut out = vec![];
        let [mut source, mut original_line, mut original_column, mut name] = [0i64; 4];
        for (line, segments) in lines.iter().enumerate() {
            let mut column = 0;
            for f in segments {
                column += f[0];
                if column < 0 {
                    return None;
                }
                let mut mapped = None;
                if f.len() >= 4 {
                    source += f[1];
                    original_line += f[2];
                    original_column += f[3];
                    if source < 0
                        || source >= sources as i64
                        || original_line < 0
                        || original_column < 0
                    {
                        return None;
                    }
                    if f.len() == 5 {
                        name += f[4];
                        if name < 0 || name >= names as i64 {
                            return None;
                        }
                    }
                    mapped = Some(source as u32);
                }
                out.push((line as u64, column as u64, mapped));
            }
        }
        Some(out)
    }

    fn fast_decode(
        mappings: &str,
        sources: usize,
        names: usize,
    ) -> Option<Vec<(u64, u64, Option<u32>)>> {
        let mut out = vec![];
        decode_mappings(mappings, sources, names, |l, c, s| {
            out.push((l, c, s));
            Ok(())
        })
        .ok()
        .map(|()| out)
    }

    /// What `parse` must return for a map the spec accepts, from the oracle: sections offset,
    /// each behind an unmapped boundary, all stably sorted.
    fn spec_segments(json: &serde_json::Value) -> Vec<Segment> {
        let mut segments = vec![];
        let mut base = 0u32;
        let mut add =
            |map: &serde_json::Value, (line0, column0): (u64, u64), segments: &mut Vec<Segment>| {
                let sources = map["sources"].as_array().map_or(0, Vec::len);
                let names = map["names"].as_array().map_or(0, Vec::len);
                let decoded = spec_decode(map["mappings"].as_str().unwrap(), sources, names)
                    .expect("the spec accepts it");
                for (line, column, source) in decoded {
                    let column = if line == 0 { column + column0 } else { column };
                    segments.push(seg(
                        (line + line0) as u32,
                        column as u32,
                        source.map_or(UNMAPPED, |s| base + s),
                    ));
                }
                base += sources as u32;
            };
        match json.get("sections") {
            Some(sections) => {
                for section in sections.as_array().unwrap() {
                    let at = (
                        section["offset"]["line"].as_u64().unwrap(),
                        section["offset"]["column"].as_u64().unwrap(),
                    );
                    segments.push(seg(at.0 as u32, at.1 as u32, UNMAPPED));
                    add(&section["map"], at, &mut segments);
                }
            }
            None => add(json, (0, 0), &mut segments),
        }
        segments.sort_by_key(|s| (s.line, s.column));
        segments
    }

    #[track_caller]
    fn assert_sound(map: &ParsedMap, cap: usize) {
        assert!(
            map.segments.len() <= cap,
            "{} segments over the cap {cap}",
            map.segments.len()
        );
        assert!(
            map.segments.is_sorted_by_key(|s| (s.line, s.column)),
            "unsorted: {:?}",
            map.segments
        );
        for s in &map.segments {
            assert!(
                s.source == UNMAPPED || (s.source as usize) < map.sources.len(),
                "{s:?} of {} sources",
                map.sources.len()
            );
        }
    }

    #[test]
    fn the_oracle_agrees_with_the_spec_examples() {
        assert_eq!(spec_vlqs("iB"), Some(vec![17]));
        assert_eq!(spec_vlqs("V"), Some(vec![-10]));
        assert_eq!(spec_vlqs("ggggggE"), None);
        assert_eq!(spec_decode("A,AAAB;;ABCDE", 2, 4), None);
        assert_eq!(
            spec_decode("A,AAAC;;ACCDE", 2, 4),
            Some(vec![(0, 0, None), (0, 0, Some(0)), (2, 0, Some(1))])
        );
    }

    /// Property tests on stable (no cargo fuzz): random bytes, random maps and random
    /// `mappings`. Cases per property: `PROPTEST_CASES` (default 256).
    mod fuzz {
        use super::*;
        use proptest::prelude::*;
        use serde_json::{Value, json};

        const CAP: usize = 512;

        /// No panic (proptest reports one as a failure), no runaway time, and what is accepted
        /// is sound; the cap only ever turns a map of more segments into `TooMany`.
        fn check(bytes: &[u8], cap: usize) {
            let start = std::time::Instant::now();
            let capped = parse(bytes, cap);
            // Inputs here are a few KiB; a loop would blow far past this.
            assert!(start.elapsed() < std::time::Duration::from_secs(5));
            match (capped, parse(bytes, usize::MAX)) {
                (Ok(map), Ok(whole)) => {
                    assert_sound(&map, cap);
                    assert_eq!(map.segments, whole.segments);
                    assert_eq!(map.sources, whole.sources);
                }
                (Err(MapError::TooMany(n)), Ok(whole)) => {
                    assert_eq!(n, cap);
                    assert!(whole.segments.len() > cap);
                }
                (Err(MapError::TooMany(_)), Err(_)) => {}
                (Err(e), Err(whole)) => assert_eq!(e, whole),
                (capped, whole) => panic!("cap {cap}: {capped:?}, uncapped: {whole:?}"),
            }
        }

        /// The segment cap: usually roomy, sometimes tight.
        fn cap() -> impl Strategy<Value = usize> {
            prop_oneof![3 => Just(CAP), 1 => 0usize..16]
        }

        /// A VLQ for `value`, sometimes with redundant zero digits, sometimes over 32 bits.
        fn encode(value: i64, padding: usize) -> String {
            let mut v = if value < 0 {
                ((-value as u64) << 1) | 1
            } else {
                (value as u64) << 1
            };
            let mut digits = vec![];
            loop {
                digits.push((v & 31) as usize);
                v >>= 5;
                if v == 0 {
                    break;
                }
            }
            digits.extend(std::iter::repeat_n(0, padding));
            let last = digits.len() - 1;
            digits
                .iter()
                .enumerate()
                .map(|(k, &d)| DIGITS.as_bytes()[d | if k < last { 32 } else { 0 }] as char)
                .collect()
        }

        fn value() -> impl Strategy<Value = i64> {
            prop_oneof![
                8 => -3i64..12,
                2 => -200i64..2000,
                1 => Just(1 << 31).prop_flat_map(|b| prop_oneof![Just(b - 1), Just(-(b - 1)), Just(b), Just(-b), Just(b << 2)]),
            ]
        }

        fn segment() -> impl Strategy<Value = String> {
            (
                prop::sample::select(vec![1usize, 1, 4, 4, 5, 0, 2, 3, 6]),
                prop::collection::vec(
                    (value(), prop_oneof![9 => Just(0usize), 1 => 1usize..12]),
                    6,
                ),
            )
                .prop_map(|(n, fields)| {
                    fields[..n].iter().map(|&(v, pad)| encode(v, pad)).collect()
                })
        }

        /// `mappings`-like text: mostly encoded segments and separators, some stray characters.
        fn mappings() -> impl Strategy<Value = String> {
            let token = prop_oneof![
                12 => segment(),
                4 => Just(",".to_owned()),
                3 => Just(";".to_owned()),
                1 => prop::sample::select(vec!["g", "B", "=", "!", " ", "é", "\\n", ",,", ";;"]).prop_map(str::to_owned),
            ];
            prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
        }

        /// Any JSON value, for fields of the wrong type.
        fn any_json() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::from),
                (-3i64..5).prop_map(Value::from),
                prop::sample::select(vec![0.5, 3.0, -1.0, 1e40]).prop_map(Value::from),
                "[a-z/.:]{0,8}".prop_map(Value::from),
            ];
            leaf.prop_recursive(2, 8, 4, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                    prop::collection::btree_map("[a-z]{1,3}", inner, 0..3)
                        .prop_map(|m| Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// A field the format requires: nearly always there and well typed.
        fn required(
            good: impl Strategy<Value = Value> + 'static,
        ) -> impl Strategy<Value = Option<Value>> {
            prop_oneof![40 => good.prop_map(Some), 1 => Just(None), 1 => any_json().prop_map(Some)]
        }

        /// An optional field: often absent, usually well typed when there.
        fn optional(
            good: impl Strategy<Value = Value> + 'static,
        ) -> impl Strategy<Value = Option<Value>> {
            prop_oneof![10 => Just(None), 20 => good.prop_map(Some), 1 => any_json().prop_map(Some)]
        }

        /// Regular maps, most of them valid: `mappings` is mostly a valid encoding for the
        /// map's own sources and names, else random tokens.
        fn regular_map() -> impl Strategy<Value = Value> {
            (0u32..4, 0u32..3).prop_flat_map(|(sources, names)| {
                let source = prop_oneof![
                    6 => prop::sample::select(vec!["a.js", "./b.js", "webpack://_N_E/./c.js", "/abs/d.js", "https://h/e.js", ""]).prop_map(Value::from),
                    1 => Just(Value::Null),
                ];
                let text = prop_oneof![4 => "[a-z ;\n]{0,12}".prop_map(Value::from), 1 => Just(Value::Null)];
                let index = prop_oneof![
                    20 => (0..sources.max(1)).prop_map(Value::from),
                    1 => Just(Value::from(sources)),
                    1 => Just(Value::from(1.5)),
                    1 => Just(Value::from(-1)),
                ];
                let mappings = prop_oneof![
                    3 => decoded(sources, names).prop_map(|d| encode_mappings(&d)),
                    1 => mappings(),
                ];
                (
                    required(prop_oneof![9 => Just(json!(3)), 1 => Just(json!(3.0))]),
                    required(prop::collection::vec(source, sources as usize).prop_map(Value::from)),
                    optional(prop::collection::vec(text, 0..4).prop_map(Value::from)),
                    optional(prop::collection::vec("[a-z]{1,3}".prop_map(Value::from), names as usize).prop_map(Value::from)),
                    optional(prop::collection::vec(index, 0..3).prop_map(Value::from)),
                    optional(prop::sample::select(vec!["", "lib", "lib/", "webpack:///"]).prop_map(Value::from)),
                    required(mappings.prop_map(Value::from)),
                    optional("[a-z.]{0,6}".prop_map(Value::from)),
                    prop::sample::select(vec!["ignoreList", "x_google_ignoreList"]),
                )
            })
            .prop_map(|(version, sources, content, names, ignore, root, mappings, file, ignore_key)| {
                let mut map = serde_json::Map::new();
                for (key, value) in [
                    ("version", version),
                    ("sources", sources),
                    ("sourcesContent", content),
                    ("names", names),
                    (ignore_key, ignore),
                    ("sourceRoot", root),
                    ("mappings", mappings),
                    ("file", file),
                ] {
                    if let Some(value) = value {
                        map.insert(key.to_owned(), value);
                    }
                }
                Value::Object(map)
            })
        }

        /// Index maps, most with sections placed one after another (each past the lines of
        /// the one before), some at random offsets or with offsets of the wrong type.
        fn index_map() -> impl Strategy<Value = Value> {
            let placement = prop_oneof![
                8 => (0u64..2, 0u64..30).prop_map(|(gap, column)| Ok((gap, column))),
                1 => (0u64..3, 0u64..30).prop_map(|(line, column)| Err(json!({"line": line, "column": column}))),
                1 => any_json().prop_map(Err),
            ];
            (
                prop::collection::vec((placement, regular_map()), 0..4),
                prop::option::of(any_json()),
            )
                .prop_map(|(sections, extra)| {
                    let mut line = 0;
                    let sections: Vec<Value> = sections
                        .into_iter()
                        .map(|(placement, map)| {
                            let offset = match placement {
                                Ok((gap, column)) => {
                                    line += gap;
                                    json!({"line": line, "column": column})
                                }
                                Err(offset) => offset,
                            };
                            // The next section starts below this one's last line.
                            line += 1 + map["mappings"]
                                .as_str()
                                .map_or(0, |m| m.matches(';').count() as u64);
                            json!({"offset": offset, "map": map})
                        })
                        .collect();
                    let mut map = json!({"version": 3, "sections": sections});
                    if let Some(extra) = extra {
                        map["sources"] = extra;
                    }
                    map
                })
        }

        /// A decoded map the spec accepts: per line, (column, mapping), the mapping being a
        /// source, original line, original column and maybe a name.
        type Decoded = Vec<Vec<(u32, Option<(u32, u32, u32, Option<u32>)>)>>;

        fn decoded(sources: u32, names: u32) -> impl Strategy<Value = Decoded> {
            // With no sources every segment is unmapped; with no names none is named.
            let name = match names {
                0 => Just(None).boxed(),
                _ => prop::option::of(0..names).boxed(),
            };
            let mapping = match sources {
                0 => Just(None).boxed(),
                _ => prop::option::weighted(0.8, (0..sources, 0u32..50, 0u32..80, name)).boxed(),
            };
            prop::collection::vec(prop::collection::vec((0u32..300, mapping), 0..6), 0..8)
        }

        /// Encodes `lines` as the format says: columns relative within a line, the rest across.
        fn encode_mappings(lines: &Decoded) -> String {
            let mut state = [0i64; 4];
            let mut text = String::new();
            for (i, line) in lines.iter().enumerate() {
                if i > 0 {
                    text.push(';');
                }
                let mut column = 0i64;
                for (j, (c, mapping)) in line.iter().enumerate() {
                    if j > 0 {
                        text.push(',');
                    }
                    text += &encode(i64::from(*c) - column, 0);
                    column = i64::from(*c);
                    if let Some((s, l, oc, name)) = mapping {
                        for (k, v) in [*s, *l, *oc].into_iter().enumerate() {
                            text += &encode(i64::from(v) - state[k], 0);
                            state[k] = i64::from(v);
                        }
                        if let Some(n) = name {
                            text += &encode(i64::from(*n) - state[3], 0);
                            state[3] = i64::from(*n);
                        }
                    }
                }
            }
            text
        }

        /// Valid `mappings` for 3 sources and 2 names, with up to 3 random edits: the border
        /// between valid and invalid, where the decoder and the oracle must agree.
        fn edited_mappings() -> impl Strategy<Value = String> {
            let edit = (
                any::<prop::sample::Index>(),
                prop::sample::select(vec![
                    "", "A", "B", "D", "F", "g", "/", "+/////D", "ggggggE", ",", ";", ",,", "=",
                ]),
            );
            (decoded(3, 2), prop::collection::vec(edit, 0..4)).prop_map(|(lines, edits)| {
                let mut text = encode_mappings(&lines);
                for (at, token) in edits {
                    let i = at.index(text.len() + 1);
                    // An empty token deletes the character there; any other is inserted.
                    let end = (i + 1).min(text.len());
                    text.replace_range(i..if token.is_empty() { end } else { i }, token);
                }
                text
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
                check(&bytes, CAP);
            }

            #[test]
            fn arbitrary_maps_never_panic_and_what_is_accepted_is_sound(map in prop_oneof![3 => regular_map(), 1 => index_map()], cap in cap()) {
                check(&serde_json::to_vec(&map).unwrap(), cap);
            }

            #[test]
            fn edited_maps_never_panic(
                map in prop_oneof![3 => regular_map(), 1 => index_map()],
                edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6),
                cap in cap(),
            ) {
                let mut bytes = serde_json::to_vec(&map).unwrap();
                for (at, op, byte) in edits {
                    let i = at.index(bytes.len() + 1);
                    match op {
                        0 => bytes.insert(i, byte),
                        1 if i < bytes.len() => { bytes.remove(i); }
                        _ if i < bytes.len() => bytes[i] = byte,
                        _ => {}
                    }
                }
                check(&bytes, cap);
            }

            #[test]
            fn the_decoder_agrees_with_the_spec_oracle(text in prop_oneof![mappings(), edited_mappings()], sources in 0usize..4, names in 0usize..3) {
                prop_assert_eq!(fast_decode(&text, sources, names), spec_decode(&text, sources, names), "{}", text);
            }

            #[test]
            fn valid_maps_round_trip(lines in decoded(3, 2)) {
                let text = encode_mappings(&lines);
                let json = format!(r#"{{"version":3,"sources":["a","b","c"],"names":["x","y"],"mappings":"{text}"}}"#);
                let map = parse(json.as_bytes(), usize::MAX).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                let mut expected: Vec<Segment> = lines.iter().enumerate().flat_map(|(l, line)| {
                    line.iter().map(move |(c, m)| seg(l as u32, *c, m.map_or(UNMAPPED, |m| m.0)))
                }).collect();
                expected.sort_by_key(|s| (s.line, s.column));
                prop_assert_eq!(map.segments, expected, "{}", text);
            }
        }
    }

    /// Every map of every fixture build is accepted, decodes to what the oracle says, and the
    /// kinds the bundlers write are all there: `ignoreList` (Vite 8), `x_google_ignoreList`
    /// (Vite 7), index maps (Turbopack), `webpack://` and `turbopack://` sources.
    #[test]
    fn every_fixture_map_is_read_as_the_spec_says() {
        let root = std::env::var_os("DISTILL_FIXTURES").map_or_else(
            || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures"),
            std::path::PathBuf::from,
        );
        let required = std::env::var("DISTILL_REQUIRE_NODE").is_ok_and(|v| v == "1");
        let builds = [
            ("demo", "dist"),
            ("vite-react", "dist"),
            ("vite7-react", "dist"),
            ("vite-vue", "dist"),
            ("next-app", ".next"),
            ("next-app", ".next-webpack"),
            ("next-pages", ".next"),
            ("next-pages", ".next-webpack"),
        ];
        let mut maps = vec![];
        let mut missing = vec![];
        for (app, out) in builds {
            let dir = root.join(app).join(out);
            if dir.is_dir() {
                find_maps(&dir, &mut maps);
            } else {
                missing.push(format!("{app}/{out}"));
            }
        }
        if !missing.is_empty() {
            assert!(
                !required,
                "DISTILL_REQUIRE_NODE=1 but {} has no {} (run fixtures/build.sh)",
                root.display(),
                missing.join(", ")
            );
            eprintln!(
                "partly skipped: {} has no {} (run fixtures/build.sh, or set DISTILL_FIXTURES to a fixtures folder that has them)",
                root.display(),
                missing.join(", ")
            );
        }
        let mut kinds = std::collections::BTreeMap::from([
            ("ignoreList", 0),
            ("x_google_ignoreList", 0),
            ("sections", 0),
            ("webpack://", 0),
            ("turbopack://", 0),
        ]);
        for path in &maps {
            let bytes = std::fs::read(path).unwrap();
            let map =
                parse(&bytes, usize::MAX).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_sound(&map, usize::MAX);
            let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(
                map.segments == spec_segments(&json),
                "{}: segments differ from the oracle's",
                path.display()
            );
            let maps = json
                .get("sections")
                .and_then(|s| s.as_array())
                .map_or(vec![&json], |s| s.iter().map(|s| &s["map"]).collect());
            for (kind, count) in &mut kinds {
                let here = match *kind {
                    "sections" => json.get("sections").is_some(),
                    "ignoreList" | "x_google_ignoreList" => {
                        maps.iter().any(|m| m.get(*kind).is_some())
                    }
                    scheme => map.sources.iter().any(|s| s.starts_with(scheme)),
                };
                *count += usize::from(here);
            }
        }
        eprintln!(
            "{} fixture maps read; maps with each kind: {kinds:?}",
            maps.len()
        );
        assert!(!maps.is_empty(), "no maps under {}", root.display());
        if missing.is_empty() {
            for (kind, count) in kinds {
                assert!(count > 0, "no fixture map has {kind}");
            }
        }
    }

    fn find_maps(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if path
                    .file_name()
                    .is_some_and(|n| n != "node_modules" && n != "cache")
                {
                    find_maps(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "map") {
                out.push(path);
            }
        }
    }
}
