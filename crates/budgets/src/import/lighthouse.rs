//! Lighthouse `budget.json`.

use super::{budget, checked, err};
use crate::schema::{BudgetsFile, Compression};
use crate::{ConfigError, Size};
use distill_graph::FileKind as Kind;
use serde_json::Value;

/// 2^64 as a float: a non-negative float below it converts to `u64` exactly in range.
const U64_LIMIT: f64 = 18_446_744_073_709_551_616.0;

/// Lighthouse `budget.json`: `[{ path, resourceSizes: [{resourceType, budget}], resourceCounts,
/// timings }]`; sizes are KiB of transfer size, measured here as gzip.
pub(super) fn read(value: &Value, notices: &mut Vec<String>) -> Result<BudgetsFile, ConfigError> {
    let items = value
        .as_array()
        .ok_or_else(|| err("", "a Lighthouse budget file is an array"))?;
    let mut budgets = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(p) = item.get("path").and_then(Value::as_str)
            && p != "/*"
            && p != "/"
        {
            notices.push(format!(
                "[{i}]: page path `{p}` ignored; the budgets apply to the whole build"
            ));
        }
        if item.get("timings").is_some() {
            notices.push(format!("[{i}]: `timings` ignored; distill budgets bytes, and Lighthouse measures timings in a browser"));
        }
        for (list, counts) in [("resourceSizes", false), ("resourceCounts", true)] {
            for (j, r) in item
                .get(list)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let at = format!("[{i}].{list}[{j}]");
                let rt = r
                    .get("resourceType")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err(format!("{at}.resourceType"), "expected `resourceType`"))?;
                let amount = r
                    .get("budget")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| err(format!("{at}.budget"), "expected a number"))?;
                // JSON has no NaN, but it has -5 and 1e300: neither is a budget, and `as u64`
                // would turn both into a silent 0 B or 16 EiB.
                if !(amount.is_finite() && amount >= 0.0) {
                    return Err(err(
                        format!("{at}.budget"),
                        format!("{amount} is not a budget; expected a number of zero or more"),
                    ));
                }
                let types = match rt {
                    "total" => vec![],
                    "document" => vec![Kind::Document],
                    "script" => vec![Kind::Script],
                    "stylesheet" => vec![Kind::Stylesheet],
                    "image" => vec![Kind::Image],
                    "media" => vec![Kind::Media],
                    "font" => vec![Kind::Font],
                    "other" => vec![Kind::Other],
                    "third-party" => {
                        notices.push(format!(
                            "{at}: `third-party` ignored; every file of a build is first-party"
                        ));
                        continue;
                    }
                    other => {
                        return Err(err(
                            format!("{at}.resourceType"),
                            format!("unknown resource type `{other}`"),
                        ));
                    }
                };
                let mut b = budget(format!(
                    "lighthouse {rt} {}",
                    if counts { "count" } else { "size" }
                ));
                b.select.types = types;
                if counts {
                    if amount.fract() != 0.0 || amount >= U64_LIMIT {
                        return Err(err(
                            format!("{at}.budget"),
                            format!("{amount} is not a number of files"),
                        ));
                    }
                    b.max_count = Some(amount as u64);
                } else {
                    let bytes = (amount * 1024.0).round();
                    if bytes >= U64_LIMIT {
                        return Err(err(
                            format!("{at}.budget"),
                            format!("{amount} KiB is more than {} bytes", u64::MAX),
                        ));
                    }
                    b.max = Some(Size(bytes as u64));
                }
                budgets.push(checked(b, &at)?);
            }
        }
    }
    Ok(BudgetsFile {
        schema: None,
        compression: Some(Compression::Gzip),
        budgets,
    })
}
