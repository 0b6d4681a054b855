//! This build against a baseline report, file by file, matched by identity.

#![allow(
    clippy::indexing_slicing,
    reason = "pair indices come from enumerating the same current and baseline file lists"
)]

use crate::report::{Diff, DiffStatus, FileDiff, FileReport, Report, SCHEMA_VERSION};
use distill_graph::identity::{IdentityInput, MatchedBy, match_files};

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline: {0}")]
    Read(String),
    #[error("not a distill JSON report: {message}")]
    Parse {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("the baseline is schema version {found}; this distill reads version {SCHEMA_VERSION}")]
    Version { found: u64 },
    /// A size no file of a web build has: the report was edited or forged.
    #[error(
        "{path} has a {what} size of {size} bytes, more than the {} bytes (1 TiB) of any real file; the baseline was not written by distill from a build",
        MAX_FILE_BYTES
    )]
    Implausible {
        path: String,
        what: &'static str,
        size: u64,
    },
}

/// The largest size a baseline's file may have. Sizes are summed over a build, and a baseline's
/// compressed sizes are reused for unchanged content (by hash) in the build being checked, so a
/// size near `u64::MAX` would overflow totals; 2^40 leaves room for 2^24 files.
pub const MAX_FILE_BYTES: u64 = 1 << 40;

/// Reads a baseline report, refusing other schema versions before anything else.
///
/// The text is parsed twice, never into a `serde_json::Value`: first only `schemaVersion`
/// (everything else skipped), then straight into a [`Report`]. A tree of values would cost
/// several times the size of a large baseline in memory.
pub fn read_baseline(text: &str) -> Result<Report, BaselineError> {
    #[derive(serde::Deserialize)]
    struct Version {
        #[serde(rename = "schemaVersion", default)]
        schema_version: Option<serde_json::Value>,
    }
    let parse_error = |e: serde_json::Error| BaselineError::Parse {
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_owned(),
        line: e.line(),
        column: e.column(),
    };
    let version: Version = serde_json::from_str(text).map_err(parse_error)?;
    let version = version.schema_version.and_then(|v| v.as_u64()).unwrap_or(0);
    if version != u64::from(SCHEMA_VERSION) {
        return Err(BaselineError::Version { found: version });
    }
    let report: Report = serde_json::from_str(text).map_err(parse_error)?;
    for f in &report.files {
        let sizes = [
            ("raw", Some(f.sizes.raw)),
            ("gzip", f.sizes.gzip),
            ("brotli", f.sizes.brotli),
            ("zstd", f.sizes.zstd),
        ];
        let siblings = f.siblings.iter().map(|s| ("precompressed", Some(s.size)));
        if let Some((what, Some(size))) = sizes
            .into_iter()
            .chain(siblings)
            .find(|(_, n)| n.is_some_and(|n| n > MAX_FILE_BYTES))
        {
            return Err(BaselineError::Implausible {
                path: f.path.clone(),
                what,
                size,
            });
        }
    }
    Ok(report)
}

fn payload(report: &Report) -> Vec<&FileReport> {
    report
        .files
        .iter()
        .filter(|f| f.kind.is_payload())
        .collect()
}

fn inputs<'a>(files: &[&'a FileReport]) -> Vec<IdentityInput<'a>> {
    files
        .iter()
        .map(|f| IdentityInput {
            path: &f.path,
            key: f.key.as_deref(),
            hash: &f.hash,
            modules: f
                .modules
                .iter()
                .filter(|m| !m.source.starts_with('('))
                .map(|m| m.source.as_str())
                .collect(),
        })
        .collect()
}

/// Pairs of (current path, baseline path, how matched) over payload files.
pub fn matched_paths<'a>(
    current: &'a Report,
    baseline: &'a Report,
) -> Vec<(&'a str, &'a str, MatchedBy)> {
    let (cur, base) = (payload(current), payload(baseline));
    match_files(&inputs(&cur), &inputs(&base))
        .into_iter()
        .map(|(c, b, how)| (cur[c].path.as_str(), base[b].path.as_str(), how))
        .collect()
}

pub fn diff(current: &Report, baseline: &Report, baseline_name: &str) -> Diff {
    let (cur, base) = (payload(current), payload(baseline));
    let pairs = match_files(&inputs(&cur), &inputs(&base));
    let mut files = Vec::new();
    let mut seen_cur = vec![false; cur.len()];
    let mut seen_base = vec![false; base.len()];
    for (c, b, how) in pairs {
        seen_cur[c] = true;
        seen_base[b] = true;
        let (after, before) = (cur[c].sizes, base[b].sizes);
        let status = match after.raw.cmp(&before.raw) {
            std::cmp::Ordering::Greater => DiffStatus::Grew,
            std::cmp::Ordering::Less => DiffStatus::Shrank,
            std::cmp::Ordering::Equal => DiffStatus::Same,
        };
        files.push(FileDiff {
            path: Some(cur[c].path.clone()),
            baseline_path: Some(base[b].path.clone()),
            status,
            matched_by: Some(how),
            before: Some(before),
            after: Some(after),
        });
    }
    for (f, _) in cur.iter().zip(&seen_cur).filter(|(_, seen)| !**seen) {
        files.push(FileDiff {
            path: Some(f.path.clone()),
            baseline_path: None,
            status: DiffStatus::New,
            matched_by: None,
            before: None,
            after: Some(f.sizes),
        });
    }
    for (f, _) in base.iter().zip(&seen_base).filter(|(_, seen)| !**seen) {
        files.push(FileDiff {
            path: None,
            baseline_path: Some(f.path.clone()),
            status: DiffStatus::Removed,
            matched_by: None,
            before: Some(f.sizes),
            after: None,
        });
    }
    files.sort_by(|a, b| {
        a.path
            .as_ref()
            .or(a.baseline_path.as_ref())
            .cmp(&b.path.as_ref().or(b.baseline_path.as_ref()))
    });
    Diff {
        baseline: baseline_name.to_owned(),
        files,
    }
}

#[cfg(test)]
mod tests {
    //! The diff and the baseline reader on small reports built here.

    use super::*;
    use crate::report::{ModuleReport, Tool};
    use distill_graph::{FileKind, Role, Sizes};
    use std::collections::BTreeMap;

    fn file(path: &str, raw: u64, hash: &str) -> FileReport {
        FileReport {
            path: path.into(),
            kind: FileKind::from_path(path),
            role: Role::Chunk,
            hash: hash.into(),
            sizes: Sizes {
                raw,
                gzip: Some(raw / 2),
                brotli: None,
                zstd: None,
            },
            sent_as_is: false,
            siblings: Vec::new(),
            source_map: None,
            key: None,
            map: None,
            modules: Vec::new(),
        }
    }

    fn report(files: Vec<FileReport>) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "distill".into(),
                version: "test".into(),
            },
            framework: None,
            encoders: Vec::new(),
            files,
            chunks: Vec::new(),
            edges: Vec::new(),
            entries: Vec::new(),
            routes: Vec::new(),
            totals: BTreeMap::new(),
            server_files: 0,
            duplicates: Vec::new(),
            budgets: None,
            diff: None,
            optimize: None,
            diagnostics: Vec::new(),
        }
    }

    fn modules(f: &mut FileReport, sources: &[&str]) {
        f.modules = sources
            .iter()
            .map(|s| ModuleReport {
                source: (*s).into(),
                package: None,
                version: None,
                raw: 1,
                gzip: None,
                brotli: None,
                method: None,
            })
            .collect();
    }

    #[test]
    fn every_file_is_matched_once_or_new_or_removed() {
        let mut keyed_before = file("assets/main-AAAAAAAA.js", 100, "k1");
        keyed_before.key = Some("src/main.ts".into());
        let mut keyed_after = file("assets/entry-BBBBBBBB.js", 150, "k2");
        keyed_after.key = Some("src/main.ts".into());
        let mut opaque_before = file("static/chunks/0a1b2c3d4e5f.js", 300, "o1");
        modules(
            &mut opaque_before,
            &["src/a.ts", "src/b.ts", "src/c.ts", "(unmapped)"],
        );
        let mut opaque_after = file("static/chunks/9z8y7x6w5v4u.js", 280, "o2");
        modules(
            &mut opaque_after,
            &["src/a.ts", "src/b.ts", "src/c.ts", "src/d.ts"],
        );
        let base = report(vec![
            keyed_before,
            file("index.html", 50, "h"),
            file("assets/logo-CCCCCCCC.png", 10, "same-bytes"),
            opaque_before,
            file("assets/gone-DDDDDDDD.js", 5, "g"),
            file("assets/index-AAAAAAAA.js.map", 999, ""),
        ]);
        let now = report(vec![
            keyed_after,
            file("index.html", 50, "h"),
            file("assets/logo-EEEEEEEE.png", 10, "same-bytes"),
            opaque_after,
            file("assets/new-FFFFFFFF.js", 7, "n"),
        ]);
        let d = diff(&now, &base, "base.json");
        assert_eq!(d.baseline, "base.json");
        type Row<'a> = (
            Option<&'a str>,
            Option<&'a str>,
            DiffStatus,
            Option<MatchedBy>,
        );
        let rows: Vec<Row> = d
            .files
            .iter()
            .map(|f| {
                (
                    f.path.as_deref(),
                    f.baseline_path.as_deref(),
                    f.status,
                    f.matched_by,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (
                    Some("assets/entry-BBBBBBBB.js"),
                    Some("assets/main-AAAAAAAA.js"),
                    DiffStatus::Grew,
                    Some(MatchedBy::Key)
                ),
                (
                    None,
                    Some("assets/gone-DDDDDDDD.js"),
                    DiffStatus::Removed,
                    None
                ),
                (
                    Some("assets/logo-EEEEEEEE.png"),
                    Some("assets/logo-CCCCCCCC.png"),
                    DiffStatus::Same,
                    Some(MatchedBy::Name)
                ),
                (Some("assets/new-FFFFFFFF.js"), None, DiffStatus::New, None),
                (
                    Some("index.html"),
                    Some("index.html"),
                    DiffStatus::Same,
                    Some(MatchedBy::Path)
                ),
                (
                    Some("static/chunks/9z8y7x6w5v4u.js"),
                    Some("static/chunks/0a1b2c3d4e5f.js"),
                    DiffStatus::Shrank,
                    Some(MatchedBy::Modules)
                ),
            ],
            "source maps are not payload and never diffed"
        );
        let grew = &d.files[0];
        assert_eq!(grew.before.map(|s| s.raw), Some(100));
        assert_eq!(grew.after.map(|s| s.gzip), Some(Some(75)));
        // The same pairs, as budgets read them.
        let pairs = matched_paths(&now, &base);
        assert_eq!(pairs.len(), 4);
        assert!(pairs.contains(&(
            "static/chunks/9z8y7x6w5v4u.js",
            "static/chunks/0a1b2c3d4e5f.js",
            MatchedBy::Modules
        )));
    }

    #[test]
    fn sizes_at_u64_max_diff_without_arithmetic() {
        let base = report(vec![file("a.js", u64::MAX, "1")]);
        let now = report(vec![file("a.js", 0, "2")]);
        let d = diff(&now, &base, "b");
        assert_eq!(d.files[0].status, DiffStatus::Shrank);
        assert_eq!(diff(&base, &now, "b").files[0].status, DiffStatus::Grew);
    }

    #[test]
    fn the_baseline_reader_refuses_what_is_not_a_report_of_this_version() {
        let good = serde_json::to_string(&report(vec![file("a.js", 1, "h")])).unwrap();
        assert_eq!(read_baseline(&good).unwrap().files.len(), 1);
        let cases: [(&str, &str); 8] = [
            ("", "EOF"),
            ("{\n  \"schemaVersion\": 1,\n  oops", "key must be a string"),
            ("[]", "version 0"),
            (r#"{"schemaVersion": 2}"#, "version 2"),
            (r#"{"schemaVersion": "1"}"#, "version 0"),
            (r#"{"schemaVersion": 1}"#, "missing field"),
            (
                r#"{"schemaVersion": 1, "schemaVersion": 1}"#,
                "duplicate field",
            ),
            (
                format!(
                    "{{\"schemaVersion\":1,\"files\":{}{}}}",
                    "[".repeat(200),
                    "]".repeat(200)
                )
                .as_str(),
                "invalid type: sequence",
            ),
        ]
        .map(|(t, m)| (Box::leak(t.to_owned().into_boxed_str()) as &str, m));
        for (text, expected) in cases {
            let e = read_baseline(text).unwrap_err();
            assert!(
                e.to_string().contains(expected),
                "{}: {e}",
                text.chars().take(40).collect::<String>()
            );
        }
        // Skipped fields are skipped without recursion (serde_json's ignore_value keeps its
        // own stack): nesting there costs no stack, whatever its depth.
        let deep = format!(
            "{{\"x\":{}{},\"schemaVersion\":7}}",
            "[".repeat(1_000_000),
            "]".repeat(1_000_000)
        );
        assert!(matches!(
            read_baseline(&deep),
            Err(BaselineError::Version { found: 7 })
        ));
        match read_baseline("{\n  \"schemaVersion\": 1,\n  oops") {
            Err(BaselineError::Parse { line, column, .. }) => assert_eq!((line, column), (3, 3)),
            other => panic!("{other:?}"),
        }
        let huge = good.replacen("\"raw\":1", &format!("\"raw\":{}", u64::MAX), 1);
        assert!(matches!(
            read_baseline(&huge),
            Err(BaselineError::Implausible {
                what: "raw",
                size: u64::MAX,
                ..
            })
        ));
        let tib = good.replacen("\"raw\":1", &format!("\"raw\":{MAX_FILE_BYTES}"), 1);
        assert!(
            read_baseline(&tib).is_ok(),
            "1 TiB is the limit, not past it"
        );
        let negative = good.replacen("\"raw\":1", "\"raw\":-1", 1);
        assert!(matches!(
            read_baseline(&negative),
            Err(BaselineError::Parse { line: 1, .. })
        ));
    }
}
