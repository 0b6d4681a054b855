//! Which files of a report a budget's `select` picks.

use crate::ConfigError;
use crate::schema::{Scope, Select};
use distill_graph::FileKind;
use distill_schema::{FileReport, LoadSetReport, Report};
use globset::{GlobSet, GlobSetBuilder};
use std::collections::BTreeSet;

/// Compiled `files` globs: includes and `!` exclusions.
#[derive(Debug)]
pub struct Globs {
    include: Option<GlobSet>,
    exclude: GlobSet,
    /// Each include glob alone, to tell which one matches nothing.
    each: Vec<(usize, String, GlobSet)>,
}

/// Longer globs than anyone writes; the bound keeps globset's regex small.
pub(crate) const MAX_GLOB_LEN: usize = 1024;
/// `{a,{b,c}}` nesting deeper than this is refused before globset sees it: globset recurses
/// once per level when it builds a glob's regex, and its own `expect` fires when the regex
/// crate refuses the result (nesting past its limit), so the bound has to come first.
pub(crate) const MAX_GLOB_NESTING: usize = 16;
/// Globs in one budget's `files`.
pub(crate) const MAX_GLOBS: usize = 1000;

/// How deep `{` alternations nest in `pattern`, counting every unescaped `{` (inside a `[…]`
/// class too: over-counting only refuses globs nobody writes).
fn nesting(pattern: &str) -> usize {
    let (mut depth, mut deepest, mut escaped) = (0usize, 0usize, false);
    for c in pattern.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

impl Globs {
    /// `path` is the JSON path of the `files` array, for errors.
    pub fn compile(patterns: &[String], path: &str) -> Result<Globs, ConfigError> {
        let mut include = GlobSetBuilder::new();
        let mut exclude = GlobSetBuilder::new();
        let mut each = Vec::new();
        let mut any_include = false;
        let error = |at: String, message: String| ConfigError {
            path: at,
            budget: None,
            line: None,
            column: None,
            message,
        };
        if patterns.len() > MAX_GLOBS {
            return Err(error(
                path.to_owned(),
                format!(
                    "{} globs; at most {MAX_GLOBS} in one budget",
                    patterns.len()
                ),
            ));
        }
        for (i, p) in patterns.iter().enumerate() {
            let at = format!("{path}[{i}]");
            if p.len() > MAX_GLOB_LEN {
                return Err(error(
                    at,
                    format!("a glob of {} bytes; at most {MAX_GLOB_LEN}", p.len()),
                ));
            }
            if nesting(p) > MAX_GLOB_NESTING {
                return Err(error(
                    at,
                    format!("bad glob `{p}`: `{{…}}` nested more than {MAX_GLOB_NESTING} deep"),
                ));
            }
            let (negated, pattern) = match p.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, p.as_str()),
            };
            let pattern = pattern.trim_start_matches("./");
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| error(at.clone(), format!("bad glob `{p}`: {e}")))?;
            if negated {
                exclude.add(glob);
            } else {
                // A one-glob set rather than `Glob::compile_matcher`, which `expect`s the regex
                // to compile: a set's build returns the error instead.
                let alone = GlobSetBuilder::new()
                    .add(glob.clone())
                    .build()
                    .map_err(|e| error(at.clone(), format!("bad glob `{p}`: {e}")))?;
                each.push((i, p.clone(), alone));
                include.add(glob);
                any_include = true;
            }
        }
        // A set of globs that each compiled can still fail as a set (globset's own limits on
        // nested alternations): that is a configuration error too, never a panic.
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| ConfigError {
                path: path.to_owned(),
                budget: None,
                line: None,
                column: None,
                message: format!("the globs cannot be combined: {e}"),
            })
        };
        Ok(Globs {
            include: if any_include {
                Some(build(include)?)
            } else {
                None
            },
            exclude: build(exclude)?,
            each,
        })
    }

    /// No globs: every path matches.
    pub fn none() -> Globs {
        Globs {
            include: None,
            exclude: GlobSet::empty(),
            each: Vec::new(),
        }
    }

    pub fn matches(&self, path: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(path)) && !self.exclude.is_match(path)
    }

    /// Include globs that match none of `paths`, as (index, pattern).
    pub fn unmatched<'a>(
        &self,
        paths: impl Iterator<Item = &'a str> + Clone,
    ) -> Vec<(usize, String)> {
        self.each
            .iter()
            .filter(|(_, _, m)| !paths.clone().any(|p| m.is_match(p)))
            .map(|(i, p, _)| (*i, p.clone()))
            .collect()
    }
}

/// The files `select` picks, in report order. Source maps only when `types` names `map`.
pub fn select<'a>(report: &'a Report, select: &Select, globs: &Globs) -> Vec<&'a FileReport> {
    let kinds: BTreeSet<FileKind> = select.types.iter().copied().collect();
    let sets: Vec<&LoadSetReport> = match (&select.entry, &select.route) {
        (Some(e), _) => report.entries.iter().filter(|s| &s.name == e).collect(),
        (None, Some(r)) => report.routes.iter().filter(|s| &s.name == r).collect(),
        (None, None) => report.entries.iter().chain(&report.routes).collect(),
    };
    let scoped: Option<BTreeSet<&str>> = match (
        select.scope.unwrap_or(Scope::All),
        select.entry.is_some() || select.route.is_some(),
    ) {
        (Scope::All, false) => None,
        (Scope::All, true) => Some(
            sets.iter()
                .flat_map(|s| s.initial.iter().chain(&s.lazy).chain(&s.images))
                .map(String::as_str)
                .collect(),
        ),
        (Scope::Initial, _) => Some(
            sets.iter()
                .flat_map(|s| &s.initial)
                .map(String::as_str)
                .collect(),
        ),
        (Scope::Lazy, _) => {
            // Lazy for the selection: loaded later there and first nowhere in it.
            let initial: BTreeSet<&str> = sets
                .iter()
                .flat_map(|s| &s.initial)
                .map(String::as_str)
                .collect();
            Some(
                sets.iter()
                    .flat_map(|s| &s.lazy)
                    .map(String::as_str)
                    .filter(|p| !initial.contains(p))
                    .collect(),
            )
        }
    };
    let chunk_files: Option<BTreeSet<&str>> = select.chunk.as_ref().map(|name| {
        let named: BTreeSet<&str> = report
            .chunks
            .iter()
            .filter(|c| c.name.as_deref() == Some(name))
            .map(|c| c.file.as_str())
            .collect();
        if !named.is_empty() {
            return named;
        }
        // Bundlers without chunk names in a manifest (Next/webpack `framework-<hash>.js`): the
        // file name without its hash.
        report
            .files
            .iter()
            .filter(|f| f.kind == FileKind::Script)
            .filter(|f| {
                distill_graph::identity::stable_name(&f.path).is_some_and(|n| {
                    let base = n.rsplit('/').next().unwrap_or(&n);
                    base.strip_suffix(".js").is_some_and(|stem| stem == name)
                })
            })
            .map(|f| f.path.as_str())
            .collect()
    });
    report
        .files
        .iter()
        .filter(|f| {
            if kinds.is_empty() {
                f.kind.is_payload()
            } else {
                kinds.contains(&f.kind)
            }
        })
        .filter(|f| globs.matches(&f.path))
        .filter(|f| scoped.as_ref().is_none_or(|s| s.contains(f.path.as_str())))
        .filter(|f| {
            chunk_files
                .as_ref()
                .is_none_or(|s| s.contains(f.path.as_str()))
        })
        .collect()
}

/// Whether `select` could pick a file at `path` that is not in the report because it could not
/// be read (or has a name that is not UTF-8). Only what the path alone decides can exclude it:
/// `types` (by extension) and `files`. Where it sits in the build graph (`chunk`, `entry`,
/// `route`, `scope`) is unknown for a file whose content is unknown, so those conditions do
/// not exclude it: a budget fails closed rather than pass on a sum without the file.
pub(crate) fn might_select(select: &Select, globs: &Globs, path: &str) -> bool {
    let kind = FileKind::from_path(path);
    let kind_ok = if select.types.is_empty() {
        kind.is_payload()
    } else {
        select.types.contains(&kind)
    };
    kind_ok && globs.matches(path)
}
