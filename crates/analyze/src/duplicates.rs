//! Packages that cost bytes more than once, found in the attribution of every file.
//!
//! - `chunks`: one installed copy whose modules are bundled into several files. Splitting one
//!   package's modules across chunks is normal; only modules present in more than one file
//!   waste bytes, and `wasted` counts each such module's bytes beyond its largest copy.
//! - `versions`: the package installed at several paths with different known versions (the
//!   version is known when the path carries it: pnpm, Yarn).
//! - `copies`: installed at several paths with the same or unknown versions (npm's nested
//!   `node_modules`). `wasted` is everything beyond the largest install's bytes.

use crate::attribution::FileAttribution;
use distill_graph::{Encoding, Sizes};
use std::collections::{BTreeMap, BTreeSet};

pub use distill_schema::{Duplicate, DuplicateKind};

/// Sizes in raw, gzip and brotli (the encodings attribution shares), missing ones staying
/// missing through sums.
fn zero() -> Sizes {
    Sizes::zero(&[Encoding::Gzip, Encoding::Brotli])
}

fn minus(a: Sizes, b: Sizes) -> Sizes {
    let sub = |x: Option<u64>, y: Option<u64>| Some(x?.saturating_sub(y?));
    Sizes {
        raw: a.raw.saturating_sub(b.raw),
        gzip: sub(a.gzip, b.gzip),
        brotli: sub(a.brotli, b.brotli),
        zstd: None,
    }
}

/// Largest first by raw bytes, ties by encoding-independent order.
fn largest(sizes: impl IntoIterator<Item = Sizes>) -> Sizes {
    sizes.into_iter().max_by_key(|s| s.raw).unwrap_or_else(zero)
}

/// Duplicates across `files` (path → attribution), sorted by wasted raw bytes, largest first.
pub fn find(files: &BTreeMap<String, FileAttribution>) -> Vec<Duplicate> {
    // package → install → source → file → sizes
    type Sources<'a> = BTreeMap<&'a str, BTreeMap<&'a str, Sizes>>;
    let mut packages: BTreeMap<&str, BTreeMap<&str, (Option<&str>, Sources)>> = BTreeMap::new();
    for (path, attribution) in files {
        for m in &attribution.modules {
            let (Some(package), Some(install)) = (&m.package, &m.install) else {
                continue;
            };
            let entry = packages
                .entry(package)
                .or_default()
                .entry(install)
                .or_insert((m.version.as_deref(), BTreeMap::new()));
            *entry
                .1
                .entry(&m.source)
                .or_default()
                .entry(path)
                .or_insert_with(zero) += m.sizes();
        }
    }

    let mut out = Vec::new();
    for (package, installs) in &packages {
        let mut versions: BTreeSet<&str> = BTreeSet::new();
        let mut all_files: BTreeSet<&str> = BTreeSet::new();
        let mut total = zero();
        let mut per_install = Vec::new();
        for (version, sources) in installs.values() {
            versions.extend(*version);
            let mut install_total = zero();
            let mut chunk_files: BTreeSet<&str> = BTreeSet::new();
            let mut chunk_sizes = zero();
            let mut chunk_wasted = zero();
            for by_file in sources.values() {
                let mut module_total = zero();
                for (file, s) in by_file {
                    module_total += *s;
                    all_files.insert(file);
                }
                install_total += module_total;
                if by_file.len() > 1 {
                    chunk_files.extend(by_file.keys());
                    chunk_wasted += minus(module_total, largest(by_file.values().copied()));
                }
            }
            if !chunk_files.is_empty() {
                for by_file in sources.values() {
                    for (file, s) in by_file {
                        if chunk_files.contains(file) {
                            chunk_sizes += *s;
                        }
                    }
                }
                out.push(Duplicate {
                    package: package.to_string(),
                    kind: DuplicateKind::Chunks,
                    versions: version.map(str::to_owned).into_iter().collect(),
                    files: chunk_files.iter().map(ToString::to_string).collect(),
                    sizes: chunk_sizes,
                    wasted: chunk_wasted,
                });
            }
            total += install_total;
            per_install.push(install_total);
        }
        if installs.len() > 1 {
            out.push(Duplicate {
                package: package.to_string(),
                kind: if versions.len() > 1 {
                    DuplicateKind::Versions
                } else {
                    DuplicateKind::Copies
                },
                versions: versions.iter().map(ToString::to_string).collect(),
                files: all_files.iter().map(ToString::to_string).collect(),
                sizes: total,
                wasted: minus(total, largest(per_install)),
            });
        }
    }
    out.sort_by(|a, b| {
        b.wasted
            .raw
            .cmp(&a.wasted.raw)
            .then_with(|| a.package.cmp(&b.package))
            .then(a.kind.cmp(&b.kind))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{MapStatus, ModuleShare};
    use crate::packages::classify;

    fn file(modules: &[(&str, u64)]) -> FileAttribution {
        FileAttribution {
            map: MapStatus::Mapped,
            modules: modules
                .iter()
                .map(|(s, raw)| {
                    let o = classify(s);
                    ModuleShare {
                        source: o.source,
                        package: Some(o.package),
                        version: o.version,
                        install: o.install,
                        raw: *raw,
                        gzip: Some(raw / 4),
                        brotli: None,
                        method: None,
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn chunks_versions_and_copies() {
        let files: BTreeMap<String, FileAttribution> = [
            (
                "a.js",
                file(&[
                    ("node_modules/lodash-es/map.js", 100),
                    ("node_modules/lodash-es/filter.js", 50),
                    (
                        "node_modules/.pnpm/react@18.0.0/node_modules/react/index.js",
                        400,
                    ),
                    ("node_modules/x/index.js", 10),
                    ("src/app.js", 999),
                ]),
            ),
            (
                "b.js",
                file(&[
                    ("node_modules/lodash-es/map.js", 100),
                    ("node_modules/lodash-es/reduce.js", 70),
                    (
                        "node_modules/.pnpm/react@19.0.0/node_modules/react/index.js",
                        300,
                    ),
                    ("node_modules/y/node_modules/x/index.js", 12),
                ]),
            ),
        ]
        .into_iter()
        .map(|(p, a)| (p.to_owned(), a))
        .collect();
        let d = find(&files);
        let summary: Vec<(&str, &str, u64, u64)> = d
            .iter()
            .map(|d| {
                (
                    d.package.as_str(),
                    d.kind.as_str(),
                    d.sizes.raw,
                    d.wasted.raw,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("react", "versions", 700, 300),
                ("lodash-es", "chunks", 320, 100),
                ("x", "copies", 22, 10)
            ]
        );
        assert_eq!(d[0].versions, ["18.0.0", "19.0.0"]);
        assert_eq!(d[1].files, ["a.js", "b.js"]);
        assert_eq!(d[1].wasted.gzip, Some(25));
        assert_eq!(d[1].wasted.brotli, None);
    }
}
