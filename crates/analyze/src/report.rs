//! An [`Analysis`] as the JSON report contract every renderer and budget reads.

use crate::Analysis;
use crate::attribution::ModuleShare;
use distill_compress::Settings;
use distill_graph::{Diagnostic, Encoding, FileKind, LoadSet, Sizes, sent_as_is};
use distill_schema::{
    FileReport, KindTotal, LoadSetReport, ModuleReport, Report, SCHEMA_VERSION, Tool,
};
use std::collections::BTreeMap;

/// How many diagnostics of one code a report keeps.
const REPORTED_PER_CODE: usize = 1000;

/// The report of `analysis`, with `diagnostics` (those of ingest and analysis, and any the
/// caller adds). Budgets and a diff are added by `check`.
pub fn report(analysis: &Analysis, diagnostics: &[Diagnostic]) -> Report {
    let build = &analysis.build;
    let files = build
        .files
        .iter()
        .map(|f| {
            let attribution = analysis.attribution.get(&f.path);
            FileReport {
                path: f.path.clone(),
                kind: f.kind,
                role: f.role,
                hash: f.hash.clone(),
                sizes: analysis.sizes(&f.path).unwrap_or_default(),
                sent_as_is: f.kind.is_payload() && sent_as_is(&f.path),
                siblings: f.siblings.clone(),
                source_map: f.source_map.clone(),
                key: f.key.clone(),
                map: attribution.map(|a| a.map),
                modules: attribution
                    .map(|a| a.modules.iter().map(module_report).collect())
                    .unwrap_or_default(),
            }
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
        images: s.images.clone(),
        image_sizes: (!s.images.is_empty()).then(|| analysis.total(&s.images)),
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
        duplicates: analysis.duplicates.clone(),
        budgets: None,
        diff: None,
        optimize: None,
        diagnostics: distill_graph::cap_diagnostics(diagnostics.to_vec(), REPORTED_PER_CODE),
    }
}

fn module_report(m: &ModuleShare) -> ModuleReport {
    ModuleReport {
        source: m.source.clone(),
        package: m.package.clone(),
        version: m.version.clone(),
        raw: m.raw,
        gzip: m.gzip,
        brotli: m.brotli,
        method: m.method,
    }
}

/// The compressed sizes `report` (an earlier run's) holds for each content hash, in the
/// encodings it measured with exactly the encoder and settings of `settings`: a check against a
/// baseline artifact recompresses only what changed, without any cache folder.
pub fn known_sizes(report: &Report, settings: &Settings) -> BTreeMap<(String, Encoding), u64> {
    let same: Vec<Encoding> = report
        .encoders
        .iter()
        .filter(|e| e.encoding != Encoding::Raw && **e == settings.describe(e.encoding))
        .map(|e| e.encoding)
        .collect();
    let mut known = BTreeMap::new();
    for f in report.files.iter().filter(|f| !f.hash.is_empty()) {
        for &e in &same {
            if let Some(n) = f.sizes.get(e) {
                known.insert((f.hash.clone(), e), n);
            }
        }
    }
    known
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
