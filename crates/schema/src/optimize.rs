//! What `distill optimize` did: per stage, per file, what it wrote, what it kept and why.

use distill_graph::Encoding;
use serde::{Deserialize, Serialize};

/// The optimize run: where the result went and what each stage did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptimizeReport {
    /// The folder optimized (as given).
    pub input: String,
    /// The folder written: `--out DIR`, or the input itself with `--in-place`.
    pub output: String,
    pub in_place: bool,
    pub stages: Vec<StageReport>,
}

/// The optimize stages, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Minify,
    Split,
    Images,
    /// Changed files renamed by their new content hash (`--rehash`), references rewritten.
    Rehash,
    /// `integrity=` values and SRI manifests recomputed for the files the stages changed.
    Integrity,
    Compress,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Minify => "minify",
            Stage::Split => "split",
            Stage::Images => "images",
            Stage::Rehash => "rehash",
            Stage::Integrity => "integrity",
            Stage::Compress => "compress",
        }
    }
}

/// One stage's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageReport {
    pub stage: Stage,
    /// Encoders, levels and thresholds, in words, so the result can be reproduced.
    pub settings: String,
    pub changes: Vec<FileChange>,
    /// What would give the same result at the source (the bundler configuration), in words
    /// and code, a line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<String>,
    /// What the stage changed for visitors, a line each (the split stage: per entry and route,
    /// the requests and bytes of the first load before and after).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl StageReport {
    /// Bytes before and after over the files the stage wrote (`written` and `replaced`).
    pub fn totals(&self) -> (u64, u64) {
        self.changes
            .iter()
            .filter(|c| matches!(c.action, Action::Written | Action::Replaced))
            .fold((0, 0), |(b, a), c| {
                (b.saturating_add(c.before), a.saturating_add(c.after))
            })
    }
}

/// What happened to one file (or one precompressed copy of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The file's bytes were replaced by smaller, verified ones.
    Replaced,
    /// A new file was written (a precompressed copy, a sibling format).
    Written,
    /// Left as it was; `reason` says why.
    Kept,
    /// Removed (a stale precompressed copy).
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    /// The file of the build this is about.
    pub path: String,
    /// The file written or removed, when it is not `path` itself (`assets/x.js.br`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    pub action: Action,
    /// Bytes of `path` before.
    pub before: u64,
    /// Bytes of the result (the new file, or the copy written); `before` when kept.
    pub after: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}
