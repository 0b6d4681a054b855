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
    pub diagnostics: Vec<Diagnostic>,
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
            diagnostics: diagnostics.to_vec(),
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
