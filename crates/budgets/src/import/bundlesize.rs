//! bundlesize and bundlewatch configs.

use super::{budget, bytes_package_size, checked, err, rebase};
use crate::ConfigError;
use crate::schema::{BudgetsFile, Compression};
use serde_json::Value;

/// bundlesize (`{ files: [{ path, maxSize, compression }] }`, gzip by default) and bundlewatch
/// (the same plus `normalizeFilenames`, `defaultCompression`).
pub(super) fn read(
    value: &Value,
    at: &str,
    prefix: &str,
    watch: bool,
    notices: &mut Vec<String>,
) -> Result<BudgetsFile, ConfigError> {
    let files = value
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            err(
                format!("{at}.files").trim_start_matches('.').to_owned(),
                "expected a `files` array",
            )
        })?;
    let default = match value.get("defaultCompression").and_then(Value::as_str) {
        Some(c) => compression(c, &format!("{at}.defaultCompression"))?,
        None => Compression::Gzip,
    };
    if watch && value.get("normalizeFilenames").is_some() {
        notices.push("`normalizeFilenames` not needed: distill matches files across builds by identity (manifest key, name without hash, modules)".into());
    }
    let mut budgets = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let path = format!("{at}.files[{i}]")
            .trim_start_matches('.')
            .to_owned();
        let glob = f
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("{path}.path"), "expected a `path` glob"))?;
        let mut b = budget(glob.to_owned());
        b.select.files = vec![rebase(glob, prefix)];
        // Both tools check every matched file against maxSize on its own.
        b.each = true;
        b.compression = Some(match f.get("compression").and_then(Value::as_str) {
            Some(c) => compression(c, &format!("{path}.compression"))?,
            None => default,
        });
        b.max = Some(match f.get("maxSize").and_then(Value::as_str) {
            Some(s) => bytes_package_size(s, &format!("{path}.maxSize"))?,
            None => {
                return Err(err(
                    format!("{path}.maxSize"),
                    "expected `maxSize`, e.g. \"10 kB\"",
                ));
            }
        });
        budgets.push(checked(b, &path)?);
    }
    Ok(BudgetsFile {
        schema: None,
        compression: None,
        budgets,
    })
}

fn compression(c: &str, path: &str) -> Result<Compression, ConfigError> {
    match c {
        "gzip" => Ok(Compression::Gzip),
        "brotli" => Ok(Compression::Brotli),
        "none" => Ok(Compression::None),
        other => Err(err(
            path,
            format!("unknown compression `{other}`; expected gzip, brotli or none"),
        )),
    }
}
