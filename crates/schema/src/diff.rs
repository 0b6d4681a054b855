//! This build against a baseline report, file by file, matched by identity.

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
}

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
    serde_json::from_str(text).map_err(parse_error)
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
