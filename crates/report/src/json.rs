//! The JSON report: versioned, complete, and readable back (a report is also a baseline).

use distill_analyze::Analysis;
use distill_compress::EncoderInfo;
use distill_graph::{Chunk, Diagnostic, Edge, FileKind, Framework, LoadSet, Role, Sizes};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{self, Write};

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
    /// How the compressed shares were obtained: `measured` or `proportional`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
}

/// A package that costs bytes more than once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Duplicate {
    pub package: String,
    /// `chunks` (the same package bundled into several chunks), `versions` (several versions)
    /// or `copies` (several copies of one version, e.g. nested `node_modules`).
    pub kind: String,
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

/// Budget verdicts and the settings they were computed with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BudgetsReport {
    /// The budgets file as given.
    pub source: String,
    pub verdicts: Vec<Verdict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// The budget's name; for `each` budgets one verdict per file, named `<budget> › <file>`.
    pub name: String,
    pub budget: String,
    /// `pass`, `warn`, `fail` or `empty` (the selection matched no file).
    pub status: String,
    /// `size`, `count` or `growth`.
    pub metric: String,
    /// `none`, `gzip`, `brotli` or `zstd`.
    pub compression: String,
    pub actual: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// For growth: the baseline value compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<u64>,
    pub files: Vec<String>,
    pub message: String,
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
    /// `same`, `grew`, `shrank`, `new` or `removed`.
    pub status: String,
    /// How the two were matched: `key`, `name`, `modules` or `hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<Sizes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Sizes>,
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
    pub sizes: Sizes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_map: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTotal {
    pub files: u64,
    pub sizes: Sizes,
}

impl Report {
    pub fn from_analysis(analysis: &Analysis, diagnostics: &[Diagnostic]) -> Report {
        let build = &analysis.build;
        let files = build
            .files
            .iter()
            .map(|f| FileReport {
                path: f.path.clone(),
                kind: f.kind,
                role: f.role,
                hash: f.hash.clone(),
                sizes: analysis.sizes(&f.path).unwrap_or_default(),
                source_map: f.source_map.clone(),
                key: f.key.clone(),
                modules: analysis
                    .attribution
                    .get(&f.path)
                    .map(|a| a.modules.iter().map(ModuleReport::from).collect())
                    .unwrap_or_default(),
            })
            .collect();
        let set = |s: &LoadSet| LoadSetReport {
            name: s.name.clone(),
            source: s.source.clone(),
            initial: s.initial.clone(),
            lazy: s.lazy.clone(),
            initial_sizes: analysis.total(&s.initial),
            initial_script_sizes: analysis.total(analysis.of_kind(&s.initial, FileKind::Script)),
            lazy_sizes: analysis.total(&s.lazy),
        };
        Report {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: "distill".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            framework: build.framework,
            encoders: analysis.encoders.clone(),
            files,
            chunks: build.chunks.clone(),
            edges: build.edges.clone(),
            entries: build.entries.iter().map(set).collect(),
            routes: build.routes.iter().map(set).collect(),
            totals: kind_totals(analysis),
            server_files: build.server_files,
            duplicates: analysis.duplicates.iter().map(Duplicate::from).collect(),
            budgets: None,
            diff: None,
            diagnostics: diagnostics.to_vec(),
        }
    }
}

impl From<&distill_analyze::ModuleShare> for ModuleReport {
    fn from(m: &distill_analyze::ModuleShare) -> ModuleReport {
        ModuleReport {
            source: m.source.clone(),
            package: m.package.clone(),
            version: m.version.clone(),
            raw: m.raw,
            gzip: m.gzip,
            brotli: m.brotli,
            method: m.method.map(|m| m.as_str().to_owned()),
        }
    }
}

impl From<&distill_analyze::Duplicate> for Duplicate {
    fn from(d: &distill_analyze::Duplicate) -> Duplicate {
        Duplicate {
            package: d.package.clone(),
            kind: d.kind.as_str().to_owned(),
            versions: d.versions.clone(),
            files: d.files.clone(),
            sizes: d.sizes,
            wasted: d.wasted,
        }
    }
}

/// Payload totals per kind (maps excluded), keyed by the kind's name.
pub fn kind_totals(analysis: &Analysis) -> BTreeMap<String, KindTotal> {
    let mut totals: BTreeMap<String, KindTotal> = BTreeMap::new();
    for f in analysis.build.files.iter().filter(|f| f.kind.is_payload()) {
        let t = totals
            .entry(f.kind.as_str().to_owned())
            .or_insert_with(|| KindTotal {
                files: 0,
                sizes: Sizes::zero(&analysis.encodings),
            });
        t.files += 1;
        t.sizes += analysis.sizes(&f.path).unwrap_or_default();
    }
    totals
}

pub fn write(report: &Report, out: &mut (impl Write + ?Sized)) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
