//! Precompressed copies (`x.js.gz`, `x.js.br`, `x.js.zst`, ours or a plugin's) are encodings of
//! `x.js`, not files of their own: they are taken out of the file list and attached to their
//! original, so totals count each file once and reports show the bytes really served. A copy
//! whose original is gone is reported. Temporary files an interrupted distill run left behind
//! are not part of the build.

use crate::context::Scanned;
use distill_fs::{FileSource, is_temporary};
use distill_graph::{Code, Diagnostic, Sibling};
use std::collections::{BTreeMap, BTreeSet};

/// The listed files without siblings and leftovers, and the siblings by original path.
pub(crate) fn split(
    source: &dyn FileSource,
    listed: Vec<String>,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<String>, BTreeMap<String, Vec<Sibling>>) {
    let all: BTreeSet<&str> = listed.iter().map(String::as_str).collect();
    let mut files = Vec::new();
    let mut siblings: BTreeMap<String, Vec<Sibling>> = BTreeMap::new();
    for path in &listed {
        let name = path.rsplit('/').next().unwrap_or(path);
        if is_temporary(name) {
            diags.push(
                Diagnostic::info(
                    Code::InputLeftover,
                    "a temporary file of an interrupted distill run; not part of the build",
                )
                .at(path.clone())
                .hint("`distill optimize` removes it when it writes this folder again"),
            );
            continue;
        }
        match Sibling::parse(path) {
            Some((base, encoding)) if all.contains(base) && Sibling::parse(base).is_none() => {
                match source.len(path) {
                    Ok(size) => siblings.entry(base.to_owned()).or_default().push(Sibling {
                        encoding,
                        path: path.clone(),
                        size,
                    }),
                    Err(e) => diags.push(
                        Diagnostic::warning(Code::InputUnreadable, format!("cannot read: {e}"))
                            .at(path.clone()),
                    ),
                }
            }
            Some((base, _)) if is_compressible_name(base) => {
                diags.push(
                    Diagnostic::warning(
                        Code::InputOrphanSibling,
                        format!("a precompressed copy of `{base}`, which is not in the build; a server would send it for a file that no longer exists"),
                    )
                    .at(path.clone())
                    .hint("delete it, or run `distill optimize`, which writes copies only for files that exist"),
                );
                files.push(path.clone());
            }
            _ => files.push(path.clone()),
        }
    }
    (files, siblings)
}

/// Whether a name looks like something a build would precompress (`app.js.gz` is a copy of a
/// script; `archive.tar.gz` is a download in its own right).
fn is_compressible_name(base: &str) -> bool {
    let ext = base.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "js" | "mjs"
            | "cjs"
            | "css"
            | "html"
            | "htm"
            | "svg"
            | "json"
            | "map"
            | "txt"
            | "xml"
            | "wasm"
    )
}

/// Attaches the siblings to their originals (when the original was read).
pub(crate) fn attach(
    files: &mut BTreeMap<String, Scanned>,
    siblings: BTreeMap<String, Vec<Sibling>>,
) {
    for (base, mut list) in siblings {
        if let Some(s) = files.get_mut(&base) {
            list.sort_by_key(|s| s.encoding);
            s.file.siblings = list;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ingest;
    use distill_fs::MemSource;
    use distill_graph::{Code, Encoding};

    #[test]
    fn siblings_are_encodings_not_files() {
        let src = MemSource::new()
            .with(
                "index.html",
                "<script type=module src=/assets/a.js></script>",
            )
            .with("assets/a.js", "x".repeat(100))
            .with("assets/a.js.br", [1u8; 10])
            .with("assets/a.js.gz", [2u8; 20])
            .with("assets/gone.js.br", [3u8; 5])
            .with("downloads/data.tar.gz", [4u8; 50])
            .with("assets/.distill-tmp-x1", "half");
        let ingested = ingest(&src).unwrap();
        let b = &ingested.build;
        let paths: Vec<&str> = b.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "assets/a.js",
                "assets/gone.js.br",
                "downloads/data.tar.gz",
                "index.html"
            ]
        );
        let a = b.file("assets/a.js").unwrap();
        let got: Vec<(Encoding, u64)> = a.siblings.iter().map(|s| (s.encoding, s.size)).collect();
        assert_eq!(got, [(Encoding::Gzip, 20), (Encoding::Brotli, 10)]);
        let codes: Vec<(Code, &str)> = ingested
            .diagnostics
            .iter()
            .map(|d| (d.code, d.path.as_deref().unwrap_or("")))
            .collect();
        assert!(
            codes.contains(&(Code::InputOrphanSibling, "assets/gone.js.br")),
            "{codes:?}"
        );
        assert!(
            codes.contains(&(Code::InputLeftover, "assets/.distill-tmp-x1")),
            "{codes:?}"
        );
        assert!(!codes.iter().any(|(_, p)| *p == "downloads/data.tar.gz"));
    }
}
