//! Composing the minifier's map with the build's map.
//!
//! The minifier maps each output position to a position in its input, which is the built file;
//! the build's map takes that position on to the original source. Composing looks each
//! minifier mapping up in the build's map (the greatest mapping at or before it on the same
//! line, as debuggers do) and writes one map from output to original sources. The original
//! name comes from the build's map when it has a mapping exactly there, else from the
//! minifier (the identifier's name in the built file, before mangling).
//!
//! Index maps (`sections`, Turbopack's CSS maps) are flattened first. A build map whose
//! mappings run past the file's lines is for another file and is refused.

use crate::error::{MapProblem, MinifyError};
use oxc_sourcemap::{SourceMap, Token};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;

/// A few stray columns past a line's end are a bundler's rounding (Next's webpack maps have
/// some inside template literals); more than this share means the map is for other code.
const PAST_END_TOLERATED: usize = 16;

/// What a minifier maps: output positions to positions in its input (the built file). Lines
/// and columns are 0-based, columns in UTF-16 code units.
#[derive(Debug, Default)]
pub(crate) struct Generated {
    pub names: Vec<String>,
    pub tokens: Vec<GenToken>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GenToken {
    pub dst_line: u32,
    pub dst_col: u32,
    /// Line and column in the minifier's input; `None` for output that maps to nothing.
    pub src: Option<(u32, u32)>,
    /// Index into [`Generated::names`].
    pub name: Option<u32>,
}

/// The build's map of one file, checked against that file.
pub(crate) struct InputMap<'a> {
    map: SourceMap<'a>,
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(default, borrow)]
    sections: Option<Vec<Section<'a>>>,
}

#[derive(Deserialize)]
struct Section<'a> {
    offset: Offset,
    #[serde(default, borrow)]
    map: Option<&'a RawValue>,
    #[serde(default)]
    url: Option<IgnoredAny>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Offset {
    line: u32,
    column: u32,
}

impl<'a> InputMap<'a> {
    /// Parses `json` (a regular or an index map) and checks it describes `code`.
    pub(crate) fn parse(
        path: &str,
        json: &'a str,
        code: &str,
    ) -> Result<InputMap<'a>, MinifyError> {
        let error = |problem, message: String| MinifyError::Map {
            path: path.to_owned(),
            problem,
            message,
        };
        let probe: Probe<'a> = serde_json::from_str(json)
            .map_err(|e| error(MapProblem::Malformed, format!("not a JSON object: {e}")))?;
        let map = match probe.sections {
            None => SourceMap::from_json_string(json).map_err(|e| oxc_error(path, e))?,
            Some(sections) => flatten(path, sections)?,
        };
        if let Some(file) = map.get_file().filter(|f| !f.is_empty()) {
            let theirs = file.rsplit('/').next().unwrap_or(file);
            let ours = path.rsplit('/').next().unwrap_or(path);
            if theirs != ours {
                return Err(error(
                    MapProblem::Mismatch,
                    format!("its `file` is `{file}`, not this file"),
                ));
            }
        }
        check_fits(&map, code).map_err(|m| error(MapProblem::Mismatch, m))?;
        Ok(InputMap { map })
    }
}

fn oxc_error(path: &str, e: oxc_sourcemap::Error) -> MinifyError {
    use oxc_sourcemap::Error as E;
    let problem = match e {
        E::BadSourceReference(_) | E::BadNameReference(_) => MapProblem::OutOfRange,
        _ => MapProblem::Malformed,
    };
    MinifyError::Map {
        path: path.to_owned(),
        problem,
        message: e.to_string(),
    }
}

/// One map from the sections of an index map: sources and names concatenated, each section's
/// mappings shifted by its offset and cut where the next section starts.
fn flatten<'a>(path: &str, sections: Vec<Section<'a>>) -> Result<SourceMap<'a>, MinifyError> {
    let malformed = |message: String| MinifyError::Map {
        path: path.to_owned(),
        problem: MapProblem::Malformed,
        message,
    };
    let mut names: Vec<Cow<'a, str>> = Vec::new();
    let mut sources: Vec<Cow<'a, str>> = Vec::new();
    let mut contents: Vec<Option<Cow<'a, str>>> = Vec::new();
    let mut ignore: Vec<u32> = Vec::new();
    let mut tokens: Vec<Token> = Vec::new();
    for (i, section) in sections.iter().enumerate() {
        let next = sections.get(i + 1).map(|s| s.offset);
        if next.is_some_and(|n| n <= section.offset) {
            return Err(malformed(format!(
                "section {} does not start after section {i}",
                i + 1
            )));
        }
        if section.url.is_some() {
            return Err(malformed(format!("section {i} refers to a map by `url`")));
        }
        let Some(raw) = section.map else {
            return Err(malformed(format!("section {i} has no `map`")));
        };
        let probe: Probe<'_> =
            serde_json::from_str(raw.get()).map_err(|e| malformed(format!("section {i}: {e}")))?;
        if probe.sections.is_some() {
            return Err(malformed(format!("section {i} is itself an index map")));
        }
        let map = SourceMap::from_json_string(raw.get()).map_err(|e| oxc_error(path, e))?;
        let source_base =
            u32::try_from(sources.len()).map_err(|_| malformed("too many sources".into()))?;
        let name_base =
            u32::try_from(names.len()).map_err(|_| malformed("too many names".into()))?;
        let root = map.get_source_root().filter(|r| !r.is_empty());
        for source in map.get_sources() {
            sources.push(match root {
                Some(root) if root.ends_with('/') => Cow::Owned(format!("{root}{source}")),
                Some(root) => Cow::Owned(format!("{root}/{source}")),
                None => Cow::Owned(source.to_owned()),
            });
        }
        let mut own_contents: Vec<Option<Cow<'a, str>>> = map
            .get_source_contents()
            .map(|c| c.map(|c| Cow::Owned(c.to_owned())))
            .collect();
        own_contents.resize(map.get_sources().len(), None);
        contents.extend(own_contents);
        names.extend(map.get_names().map(|n| Cow::Owned(n.to_owned())));
        if let Some(list) = map.get_x_google_ignore_list() {
            ignore.extend(list.iter().map(|&s| s + source_base));
        }
        for t in map.get_tokens() {
            let line = section.offset.line.checked_add(t.get_dst_line());
            let col = if t.get_dst_line() == 0 {
                section.offset.column.checked_add(t.get_dst_col())
            } else {
                Some(t.get_dst_col())
            };
            let (Some(line), Some(col)) = (line, col) else {
                return Err(malformed(format!("section {i} maps past line 2^32")));
            };
            if next.is_some_and(|n| Offset { line, column: col } >= n) {
                break;
            }
            tokens.push(Token::new(
                line,
                col,
                t.get_src_line(),
                t.get_src_col(),
                t.get_source_id().map(|s| s + source_base),
                t.get_name_id().map(|n| n + name_base),
            ));
        }
    }
    let mut map = SourceMap::new(
        None,
        names,
        None,
        sources,
        contents,
        tokens.into_boxed_slice(),
        None,
    );
    if !ignore.is_empty() {
        map.set_x_google_ignore_list(ignore);
    }
    Ok(map)
}

/// Every mapping must fall on a line of `code`, and nearly all within their line.
fn check_fits(map: &SourceMap<'_>, code: &str) -> Result<(), String> {
    let lengths: Vec<u32> = code
        .split('\n')
        .map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            let n = if l.is_ascii() {
                l.len()
            } else {
                l.encode_utf16().count()
            };
            u32::try_from(n).unwrap_or(u32::MAX)
        })
        .collect();
    let mut past_end = 0usize;
    let mut first = None;
    for t in map.get_tokens() {
        let Some(&len) = lengths.get(t.get_dst_line() as usize) else {
            return Err(format!(
                "it maps line {} but the file has {} lines",
                u64::from(t.get_dst_line()) + 1,
                lengths.len()
            ));
        };
        if t.get_dst_col() > len {
            past_end += 1;
            first.get_or_insert((t.get_dst_line(), t.get_dst_col(), len));
        }
    }
    let tolerated = PAST_END_TOLERATED.max(map.get_tokens().len() / 10);
    match first {
        Some((line, col, len)) if past_end > tolerated => Err(format!(
            "{past_end} mappings lie past the end of their line, the first at line {} column {} of a {len}-column line",
            u64::from(line) + 1,
            u64::from(col) + 1
        )),
        _ => Ok(()),
    }
}

/// Where one output mapping leads in the original sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    source: u32,
    line: u32,
    col: u32,
    /// Index into the output map's names.
    name: Option<u32>,
}

/// The build's mappings by generated line, each line sorted by column (stable, so mappings
/// stacked on one column keep their order).
struct Lines {
    tokens: Vec<Token>,
    /// `tokens[starts[l]..starts[l + 1]]` are on generated line `l`.
    starts: Vec<usize>,
}

impl Lines {
    fn new(map: &SourceMap<'_>) -> Lines {
        let mut tokens: Vec<Token> = map.get_tokens().collect();
        tokens.sort_by_key(|t| (t.get_dst_line(), t.get_dst_col()));
        let lines = tokens.last().map_or(0, |t| t.get_dst_line() as usize + 1);
        let mut starts = Vec::with_capacity(lines + 1);
        let mut i = 0;
        for line in 0..=lines {
            while tokens
                .get(i)
                .is_some_and(|t| (t.get_dst_line() as usize) < line)
            {
                i += 1;
            }
            starts.push(i);
        }
        Lines { tokens, starts }
    }

    /// The mappings at the greatest column at or before `col` on `line`: usually one, several
    /// where the build stacked mappings on one column. Empty when none precedes it on the line.
    fn at(&self, line: u32, col: u32) -> &[Token] {
        let line = line as usize;
        let (Some(&from), Some(&to)) = (self.starts.get(line), self.starts.get(line + 1)) else {
            return &[];
        };
        let Some(on_line) = self.tokens.get(from..to) else {
            return &[];
        };
        let end = on_line.partition_point(|t| t.get_dst_col() <= col);
        let Some((last, before)) = on_line.get(..end).and_then(<[Token]>::split_last) else {
            return &[];
        };
        let column = last.get_dst_col();
        let start = before
            .iter()
            .rposition(|t| t.get_dst_col() != column)
            .map_or(0, |i| i + 1);
        on_line.get(start..end).unwrap_or_default()
    }
}

/// Two minifier runs as one: `outer` maps its output to its input, which is `inner`'s output;
/// the result maps `outer`'s output to `inner`'s input. Each position takes the greatest
/// `inner` mapping at or before it on its line; a name only where that mapping is exactly there
/// (elsewhere `outer`'s name would be `inner`'s mangled one).
pub(crate) fn chain(outer: &Generated, inner: &Generated) -> Generated {
    let mut by_line: Vec<&GenToken> = inner.tokens.iter().collect();
    by_line.sort_by_key(|t| (t.dst_line, t.dst_col));
    let tokens = outer
        .tokens
        .iter()
        .map(|t| {
            let found = t.src.and_then(|(line, col)| {
                let end = by_line.partition_point(|i| (i.dst_line, i.dst_col) <= (line, col));
                let i = *by_line.get(end.checked_sub(1)?)?;
                (i.dst_line == line).then_some((i, i.dst_col == col))
            });
            GenToken {
                dst_line: t.dst_line,
                dst_col: t.dst_col,
                src: found.and_then(|(i, _)| i.src),
                name: found.and_then(|(i, exact)| i.name.filter(|_| exact)),
            }
        })
        .collect();
    Generated {
        names: inner.names.clone(),
        tokens,
    }
}

/// The composed map: sources, contents, ignore list and `file` of the build's map; mappings
/// from the minified output to the original sources.
///
/// Where the build stacked several mappings on one column, the output gets the same stack, so
/// a reader picks the same one of them before and after, whichever its rule for stacks.
pub(crate) fn compose(generated: &Generated, input: &InputMap<'_>) -> SourceMap<'static> {
    let map = &input.map;
    let lines = Lines::new(map);
    let mut tokens = generated.tokens.clone();
    tokens.sort_by_key(|t| (t.dst_line, t.dst_col));
    // A minifier stacks mappings where nodes start together (`"a"===b`: the comparison and the
    // string); printing is parent first, so the last is the innermost, the token itself.
    let same_place =
        |a: &GenToken, b: &GenToken| (a.dst_line, a.dst_col) == (b.dst_line, b.dst_col);
    let tokens: Vec<GenToken> = tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| !tokens.get(i + 1).is_some_and(|next| same_place(t, next)))
        .map(|(_, t)| *t)
        .collect();

    let mut names: Vec<Cow<'static, str>> = Vec::new();
    let mut name_ids: HashMap<String, u32> = HashMap::new();
    let mut intern = |name: &str| -> u32 {
        if let Some(&id) = name_ids.get(name) {
            return id;
        }
        let id = u32::try_from(names.len()).unwrap_or(u32::MAX);
        names.push(Cow::Owned(name.to_owned()));
        name_ids.insert(name.to_owned(), id);
        id
    };

    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut targets: Vec<Target> = Vec::new();
    let mut previous: Option<(u32, Vec<Target>)> = None;
    for g in &tokens {
        targets.clear();
        if let Some((line, col)) = g.src {
            for t in lines.at(line, col) {
                let Some(source) = t.get_source_id() else {
                    continue;
                };
                let exact = t.get_dst_line() == line && t.get_dst_col() == col;
                let name = exact
                    .then(|| t.get_name_id().and_then(|n| map.get_name(n)))
                    .flatten()
                    .or_else(|| {
                        g.name
                            .and_then(|n| generated.names.get(n as usize))
                            .map(String::as_str)
                    })
                    .map(&mut intern);
                targets.push(Target {
                    source,
                    line: t.get_src_line(),
                    col: t.get_src_col(),
                    name,
                });
            }
        }
        let same_line = previous
            .as_ref()
            .is_some_and(|(line, _)| *line == g.dst_line);
        let previous_targets = previous
            .as_ref()
            .map(|(_, t)| t.as_slice())
            .filter(|_| same_line);
        // Mappings equal to the ones before them on their line add nothing to a lookup; nor
        // does an unmapped one with nothing mapped before it on its line.
        if previous_targets == Some(targets.as_slice()) {
            continue;
        }
        if targets.is_empty() && previous_targets.is_none_or(<[Target]>::is_empty) {
            continue;
        }
        if targets.is_empty() {
            out.push(Token::new(g.dst_line, g.dst_col, 0, 0, None, None));
        }
        for t in &targets {
            out.push(Token::new(
                g.dst_line,
                g.dst_col,
                t.line,
                t.col,
                Some(t.source),
                t.name,
            ));
        }
        previous = Some((g.dst_line, targets.clone()));
    }

    let sources: Vec<Cow<'static, str>> = map
        .get_sources()
        .map(|s| Cow::Owned(s.to_owned()))
        .collect();
    let mut contents: Vec<Option<Cow<'static, str>>> = map
        .get_source_contents()
        .map(|c| c.map(|c| Cow::Owned(c.to_owned())))
        .collect();
    contents.truncate(sources.len());
    let mut composed = SourceMap::new(
        map.get_file().map(|f| Cow::Owned(f.to_owned())),
        names,
        map.get_source_root().map(|r| Cow::Owned(r.to_owned())),
        sources,
        contents,
        out.into_boxed_slice(),
        None,
    );
    if let Some(list) = map.get_x_google_ignore_list() {
        composed.set_x_google_ignore_list(list.to_vec());
    }
    if let Some(id) = map.get_debug_id() {
        composed.set_debug_id(id);
    }
    composed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(
        map: &SourceMap<'_>,
        line: u32,
        col: u32,
    ) -> Option<(String, u32, u32, Option<String>)> {
        let table = map.generate_lookup_table();
        let t = map.lookup_token(&table, line, col)?;
        Some((
            map.get_source(t.get_source_id()?)?.to_owned(),
            t.get_src_line(),
            t.get_src_col(),
            t.get_name_id()
                .and_then(|n| map.get_name(n))
                .map(str::to_owned),
        ))
    }

    // Built file (2 lines), mapped to `src/a.js`:
    //   line 0: `function add(a, b) {`   `add` at col 9 is `sum` in the original
    //   line 1: `  return a + b; }`
    const BUILT: &str = "function add(a, b) {\n  return a + b; }";
    const BUILD_MAP: &str = r#"{"version":3,"sources":["src/a.js"],"sourcesContent":["x"],"names":["sum"],"mappings":"AAAA,SAAIA;EACF"}"#;

    #[test]
    fn composes_positions_and_names_through_both_maps() {
        let input = InputMap::parse("a.js", BUILD_MAP, BUILT).unwrap();
        // Minified `function n(a,b){return a+b}`: `n` (col 9) comes from built `add` (0:9),
        // `return` (col 17) from built 1:2.
        let generated = Generated {
            names: vec!["add".into()],
            tokens: vec![
                GenToken {
                    dst_line: 0,
                    dst_col: 0,
                    src: Some((0, 0)),
                    name: None,
                },
                GenToken {
                    dst_line: 0,
                    dst_col: 9,
                    src: Some((0, 9)),
                    name: Some(0),
                },
                GenToken {
                    dst_line: 0,
                    dst_col: 17,
                    src: Some((1, 2)),
                    name: None,
                },
            ],
        };
        let map = compose(&generated, &input);
        assert_eq!(lookup(&map, 0, 0), Some(("src/a.js".into(), 0, 0, None)));
        // The build's name wins over the minifier's where the build has a mapping there.
        assert_eq!(
            lookup(&map, 0, 10),
            Some(("src/a.js".into(), 0, 4, Some("sum".into())))
        );
        assert_eq!(lookup(&map, 0, 17), Some(("src/a.js".into(), 1, 2, None)));
        assert_eq!(map.get_source_content(0), Some("x"));
    }

    #[test]
    fn inexact_lookups_keep_the_minifier_name_and_unmapped_stays_unmapped() {
        let input = InputMap::parse("a.js", BUILD_MAP, BUILT).unwrap();
        let generated = Generated {
            names: vec!["b".into()],
            tokens: vec![
                // Built 1:13 lies inside the mapping at 1:2.
                GenToken {
                    dst_line: 0,
                    dst_col: 0,
                    src: Some((1, 13)),
                    name: Some(0),
                },
                GenToken {
                    dst_line: 0,
                    dst_col: 5,
                    src: None,
                    name: None,
                },
                // Built 0:0 again, then the same target twice: the repeat is dropped.
                GenToken {
                    dst_line: 0,
                    dst_col: 8,
                    src: Some((0, 0)),
                    name: None,
                },
                GenToken {
                    dst_line: 0,
                    dst_col: 9,
                    src: Some((0, 0)),
                    name: None,
                },
            ],
        };
        let map = compose(&generated, &input);
        assert_eq!(
            lookup(&map, 0, 0),
            Some(("src/a.js".into(), 1, 2, Some("b".into())))
        );
        assert_eq!(lookup(&map, 0, 6), None);
        assert_eq!(lookup(&map, 0, 9), Some(("src/a.js".into(), 0, 0, None)));
        assert_eq!(map.get_tokens().count(), 3);
    }

    #[test]
    fn stacked_mappings_stay_stacked_in_order() {
        // Two mappings on built column 0 (to 0:0 and to 3:1, named `k`), one on column 4.
        let json = r#"{"version":3,"sources":["s.js"],"names":["k"],"mappings":"AAAA,AAGCA,IAHD"}"#;
        let input = InputMap::parse("a.js", json, "abcdefgh").unwrap();
        let generated = Generated {
            names: vec![],
            tokens: vec![
                GenToken {
                    dst_line: 0,
                    dst_col: 0,
                    src: Some((0, 2)),
                    name: None,
                },
                // The minifier's own stack: the last (innermost) counts.
                GenToken {
                    dst_line: 0,
                    dst_col: 3,
                    src: Some((0, 4)),
                    name: None,
                },
                GenToken {
                    dst_line: 0,
                    dst_col: 3,
                    src: Some((0, 0)),
                    name: None,
                },
            ],
        };
        let map = compose(&generated, &input);
        let got: Vec<(u32, u32, u32, Option<&str>)> = map
            .get_tokens()
            .map(|t| {
                (
                    t.get_dst_col(),
                    t.get_src_line(),
                    t.get_src_col(),
                    t.get_name_id().and_then(|n| map.get_name(n)),
                )
            })
            .collect();
        // Built 0:2 is inside the stack at column 0 (not exact: no name); built 0:0 is exact.
        assert_eq!(
            got,
            [
                (0, 0, 0, None),
                (0, 3, 1, None),
                (3, 0, 0, None),
                (3, 3, 1, Some("k"))
            ]
        );
    }

    #[test]
    fn index_maps_are_flattened_with_offsets() {
        let code = "a{}\nb{} c{}";
        let json = r#"{"version":3,"sections":[
            {"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.css"],"names":[],"mappings":"AAAA"}},
            {"offset":{"line":1,"column":4},"map":{"version":3,"sourceRoot":"r","sources":["c.css"],"names":[],"mappings":"AAAA"}}
        ]}"#;
        let input = InputMap::parse("x.css", json, code).unwrap();
        assert_eq!(
            lookup(&input.map, 1, 5),
            Some(("r/c.css".into(), 0, 0, None))
        );
        assert_eq!(lookup(&input.map, 0, 2), Some(("a.css".into(), 0, 0, None)));
        assert_eq!(lookup(&input.map, 1, 3), None);
    }

    #[track_caller]
    fn refused(json: &str, code: &str, problem: MapProblem) {
        match InputMap::parse("a.js", json, code) {
            Err(MinifyError::Map { problem: p, .. }) => assert_eq!(p, problem, "{json}"),
            Err(e) => panic!("{json}: {e}"),
            Ok(_) => panic!("{json}: accepted"),
        }
    }

    #[test]
    fn broken_maps_are_typed_errors() {
        use MapProblem::*;
        refused("{", BUILT, Malformed);
        refused("[]", BUILT, Malformed);
        refused(
            r#"{"version":2,"sources":[],"names":[],"mappings":""}"#,
            BUILT,
            Malformed,
        );
        refused(
            r#"{"version":3,"sources":["a"],"names":[],"mappings":"!!"}"#,
            BUILT,
            Malformed,
        );
        refused(
            r#"{"version":3,"sources":["a"],"names":[],"mappings":"ACAA"}"#,
            BUILT,
            OutOfRange,
        );
        refused(
            r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAAAC"}"#,
            BUILT,
            OutOfRange,
        );
        // Line 3 of a 2-line file.
        refused(
            r#"{"version":3,"sources":["a"],"names":[],"mappings":";;AAAA"}"#,
            BUILT,
            Mismatch,
        );
        refused(
            r#"{"version":3,"file":"b.js","sources":["a"],"names":[],"mappings":"AAAA"}"#,
            BUILT,
            Mismatch,
        );
        refused(
            r#"{"version":3,"sections":[{"offset":{"line":1,"column":0},"map":{"version":3,"sources":[],"names":[],"mappings":""}},{"offset":{"line":0,"column":0},"map":{"version":3,"sources":[],"names":[],"mappings":""}}]}"#,
            BUILT,
            Malformed,
        );
        refused(
            r#"{"version":3,"sections":[{"offset":{"line":9999999,"column":0},"map":{"version":3,"sources":["a"],"names":[],"mappings":"AAAA"}}]}"#,
            BUILT,
            Mismatch,
        );
    }

    #[test]
    fn many_columns_past_line_ends_mean_another_file() {
        // Twenty mappings on a 3-column line.
        let mappings = vec!["gBAAA"; 20].join(",");
        let json =
            format!(r#"{{"version":3,"sources":["a"],"names":[],"mappings":"AAAA,{mappings}"}}"#);
        refused(&json, "abc", MapProblem::Mismatch);
        // One stray column is tolerated.
        let json = r#"{"version":3,"sources":["a"],"names":[],"mappings":"AAAA,gBAAA"}"#;
        assert!(InputMap::parse("a.js", json, "abc").is_ok());
    }
}
