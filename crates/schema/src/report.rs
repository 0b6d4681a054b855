//! The JSON report: versioned, complete, and readable back (a report is also a baseline).

use crate::verdict::BudgetsReport;
use distill_graph::identity::MatchedBy;
use distill_graph::{
    Chunk, Diagnostic, Edge, EncoderInfo, Encoding, FileKind, Framework, Role, Sibling, Sizes,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub framework: Option<Framework>,
    /// The encoder, level and window of every compressed size in this report.
    pub encoders: Vec<EncoderInfo>,
    pub files: Vec<FileReport>,
    pub chunks: Vec<Chunk>,
    pub edges: Vec<Edge>,
    pub entries: Vec<LoadSetReport>,
    pub routes: Vec<LoadSetReport>,
    /// Client payload (source maps excluded) by kind.
    pub totals: BTreeMap<String, KindTotal>,
    /// Server-only files seen and left out of every client number.
    pub server_files: u64,
    /// Packages present in several chunks, or in several versions or copies (issue 4).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<Duplicate>,
    /// Budget verdicts, when budgets were checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budgets: Option<BudgetsReport>,
    /// This build against a baseline report, matched by identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
    /// What `distill optimize` did to produce this build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimize: Option<crate::OptimizeReport>,
    pub diagnostics: Vec<Diagnostic>,
}

/// One original module's share of a file (or a bucket such as `(unmapped)`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleReport {
    /// Normalized source path (`node_modules/react-dom/cjs/react-dom.production.js`,
    /// `src/routes/About.jsx`), or a bucket name in parentheses: `(unmapped)`,
    /// `(sourceMappingURL)`, `(no source map)`.
    pub source: String,
    /// npm package name (`react-dom`, `@mui/material`), or for the app's own code its folder
    /// prefixed with `(app)`; `None` for buckets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Version from the path when it carries one (pnpm's `.pnpm/<name>@<version>/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    pub raw: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brotli: Option<u64>,
    /// How the compressed shares were obtained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<ShareMethod>,
}

/// How a module's share of a file's compressed size was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareMethod {
    /// Compressed on its own, then scaled with the others to the file's compressed size.
    Measured,
    /// A share of the small buckets' blob by raw bytes, then scaled.
    Proportional,
}

impl ShareMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ShareMethod::Measured => "measured",
            ShareMethod::Proportional => "proportional",
        }
    }
}

/// What a file's source map gave attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MapStatus {
    /// Attributed through its map.
    Mapped,
    /// The file names no source map: one `(no source map)` bucket.
    NoMap,
    /// It names one that is missing, outside the build or unusable: `(unmapped)`.
    Unusable,
}

/// The brotli quality whose ratios stand in for quality 11's when a module's share of a file's
/// brotli size is measured (quality 11 runs at ~0.5 MB/s, quality 5 at ~20 MB/s).
pub const BROTLI_SHARE_PROXY_QUALITY: u32 = 5;

/// A package that costs bytes more than once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Duplicate {
    pub package: String,
    pub kind: DuplicateKind,
    /// Versions seen, when known.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The files that carry the package.
    pub files: Vec<String>,
    /// All bytes of the package across those files.
    pub sizes: Sizes,
    /// Bytes beyond the single largest copy: what removing the duplication would save.
    pub wasted: Sizes,
}

/// Where a file's served size comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServedBy {
    /// Its smallest precompressed copy (`.br`, `.zst` or `.gz`).
    Sibling(Encoding),
    /// No copy: the computed brotli size (what an on-the-fly brotli server sends at best).
    ComputedBrotli,
    /// Sent as it is (an image, a font), or nothing better is known: raw bytes.
    Raw,
}

impl FileReport {
    /// The bytes a browser that accepts `br`, `zstd` and `gzip` gets for this file: the
    /// smallest precompressed copy, else the computed brotli size, else the raw size.
    pub fn served(&self) -> (u64, ServedBy) {
        if self.sent_as_is {
            return (self.sizes.raw, ServedBy::Raw);
        }
        if let Some(s) = self.siblings.iter().min_by_key(|s| (s.size, s.encoding)) {
            return (s.size.min(self.sizes.raw), ServedBy::Sibling(s.encoding));
        }
        match self.sizes.brotli {
            Some(b) => (b, ServedBy::ComputedBrotli),
            None => (self.sizes.raw, ServedBy::Raw),
        }
    }
}

/// Why a package costs bytes more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DuplicateKind {
    /// One installed copy whose modules are bundled into several chunks.
    Chunks,
    /// Installed in several versions.
    Versions,
    /// Several copies of one version (nested `node_modules`).
    Copies,
}

impl DuplicateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateKind::Chunks => "chunks",
            DuplicateKind::Versions => "versions",
            DuplicateKind::Copies => "copies",
        }
    }
}

/// Every file of this build and of the baseline, matched by identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    /// The baseline report as given.
    pub baseline: String,
    pub files: Vec<FileDiff>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileDiff {
    /// Path in this build; `None` for a removed file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Path in the baseline; `None` for a new file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_path: Option<String>,
    pub status: DiffStatus,
    /// How the two were matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<MatchedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Sizes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Sizes>,
}

/// A file against its match in the baseline, by raw size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiffStatus {
    Same,
    Grew,
    Shrank,
    New,
    Removed,
}

impl DiffStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DiffStatus::Same => "same",
            DiffStatus::Grew => "grew",
            DiffStatus::Shrank => "shrank",
            DiffStatus::New => "new",
            DiffStatus::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileReport {
    pub path: String,
    pub kind: FileKind,
    pub role: Role,
    pub hash: String,
    /// The file's sizes; for a file sent as it is (`sentAsIs`), every encoding is its raw size.
    pub sizes: Sizes,
    /// Servers send it as it is, never compressed (images, WOFF/WOFF2 fonts, media, archives):
    /// its gzip, brotli and zstd sizes are its raw size.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sent_as_is: bool,
    /// Precompressed copies (`x.js.br`) that decode to this file: what servers send for it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub siblings: Vec<Sibling>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_map: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// What the file's source map gave attribution (scripts and stylesheets, when attributed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<MapStatus>,
    /// Where the file's bytes come from (scripts and stylesheets); their `raw` add up to the
    /// file's size exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<ModuleReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadSetReport {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub initial: Vec<String>,
    pub lazy: Vec<String>,
    pub initial_sizes: Sizes,
    /// Initial scripts only: what "first-load JS" means in Next.js and Vite discussions.
    pub initial_script_sizes: Sizes,
    pub lazy_sizes: Sizes,
    /// Images its initial and lazy files name: what the page may show on top of its code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_sizes: Option<Sizes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTotal {
    pub files: u64,
    pub sizes: Sizes,
}
