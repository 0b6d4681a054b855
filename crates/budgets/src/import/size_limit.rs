//! size-limit's `.size-limit.json` or `package.json` `size-limit` key.

use super::{budget, bytes_package_size, checked, err, rebase, strings};
use crate::schema::{BudgetsFile, Compression};
use crate::{ConfigError, Size};
use serde_json::Value;

/// size-limit: `[{ name, path, limit, gzip, brotli, … }]`. Since size-limit 9 the default is
/// brotli; `gzip: true` selects gzip and `brotli: false` alone means uncompressed.
pub(super) fn read(
    value: &Value,
    at: &str,
    prefix: &str,
    notices: &mut Vec<String>,
) -> Result<BudgetsFile, ConfigError> {
    let items = value
        .as_array()
        .ok_or_else(|| err(at, "size-limit config must be an array of checks"))?;
    let mut budgets = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("{at}[{i}]");
        let globs = strings(item.get("path"), &format!("{path}.path"))?;
        if globs.is_empty() {
            return Err(err(
                format!("{path}.path"),
                "a size-limit check needs `path`",
            ));
        }
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| globs.join(", "), str::to_owned);
        let mut b = budget(name.clone());
        b.select.files = globs.iter().map(|g| rebase(g, prefix)).collect();
        b.compression = Some(if item.get("gzip").and_then(Value::as_bool) == Some(true) {
            Compression::Gzip
        } else if item.get("brotli").and_then(Value::as_bool) == Some(false) {
            Compression::None
        } else {
            Compression::Brotli
        });
        let limit = match item.get("limit") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(_) => {
                return Err(err(
                    format!("{path}.limit"),
                    "expected a string such as \"10 kB\" or \"500 ms\"",
                ));
            }
        };
        match limit {
            Some(limit) if limit.trim().ends_with("ms") || limit.trim().ends_with(" s") => {
                notices.push(format!("`{name}`: time limit `{limit}` ignored; distill budgets bytes, not running time"));
            }
            Some(limit) => b.max = Some(bytes_package_size(limit, &format!("{path}.limit"))?),
            None => notices.push(format!("`{name}`: no `limit`, so the check only reports")),
        }
        for key in [
            "import",
            "ignore",
            "webpack",
            "running",
            "config",
            "modifyWebpackConfig",
            "modifyEsbuildConfig",
            "uiReports",
            "time",
        ] {
            if item.get(key).is_some() {
                notices.push(format!(
                    "`{name}`: `{key}` ignored; distill measures the built files as they are"
                ));
            }
        }
        if b.max.is_none() {
            // A check without a byte limit still reports its size: warn at an unreachable level.
            b.warn = Some(Size(u64::MAX));
        }
        budgets.push(checked(b, &path)?);
    }
    Ok(BudgetsFile {
        schema: None,
        compression: None,
        budgets,
    })
}
