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
    each: Vec<(usize, String, globset::GlobMatcher)>,
}

impl Globs {
    /// `path` is the JSON path of the `files` array, for errors.
    pub fn compile(patterns: &[String], path: &str) -> Result<Globs, ConfigError> {
        let mut include = GlobSetBuilder::new();
        let mut exclude = GlobSetBuilder::new();
        let mut each = Vec::new();
        let mut any_include = false;
        for (i, p) in patterns.iter().enumerate() {
            let (negated, pattern) = match p.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, p.as_str()),
            };
            let pattern = pattern.trim_start_matches("./");
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| ConfigError {
                    path: format!("{path}[{i}]"),
                    budget: None,
                    line: None,
                    column: None,
                    message: format!("bad glob `{p}`: {e}"),
                })?;
            if negated {
                exclude.add(glob);
            } else {
                each.push((i, p.clone(), glob.compile_matcher()));
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
                .flat_map(|s| s.initial.iter().chain(&s.lazy))
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
