//! Angular `angular.json` budgets.

use super::{budget, bytes_package_size, checked, err};
use crate::schema::{Budget, BudgetsFile, Compression, Scope};
use crate::{ConfigError, Size};
use distill_graph::FileKind as Kind;
use serde_json::Value;

/// Angular: `projects.*.architect.build.configurations.*.budgets` (or `options.budgets`).
/// Sizes are raw bytes; `kb` is 1024; percentages are relative to `baseline`.
pub(super) fn read(value: &Value, notices: &mut Vec<String>) -> Result<BudgetsFile, ConfigError> {
    let projects = value
        .get("projects")
        .and_then(Value::as_object)
        .ok_or_else(|| err("projects", "expected an object of projects"))?;
    let mut budgets = Vec::new();
    for (project, p) in projects {
        let Some(build) = p
            .pointer("/architect/build")
            .or_else(|| p.pointer("/targets/build"))
        else {
            continue;
        };
        let mut lists: Vec<(String, &Vec<Value>)> = Vec::new();
        if let Some(b) = build.pointer("/options/budgets").and_then(Value::as_array) {
            lists.push((
                format!("projects.{project}.architect.build.options.budgets"),
                b,
            ));
        }
        if let Some(configs) = build.get("configurations").and_then(Value::as_object) {
            for (config, c) in configs {
                if let Some(b) = c.get("budgets").and_then(Value::as_array) {
                    lists.push((
                        format!(
                            "projects.{project}.architect.build.configurations.{config}.budgets"
                        ),
                        b,
                    ));
                }
            }
        }
        if lists.len() > 1 {
            notices.push(format!(
                "project `{project}` has budgets in several configurations; all are imported"
            ));
        }
        for (at, list) in lists {
            for (i, item) in list.iter().enumerate() {
                if let Some(b) = angular_budget(item, &format!("{at}[{i}]"), project, notices)? {
                    budgets.push(b);
                }
            }
        }
    }
    if budgets.is_empty() {
        return Err(err("projects", "no build budgets found in angular.json"));
    }
    Ok(BudgetsFile {
        schema: None,
        compression: Some(Compression::None),
        budgets,
    })
}

fn angular_budget(
    item: &Value,
    at: &str,
    project: &str,
    notices: &mut Vec<String>,
) -> Result<Option<Budget>, ConfigError> {
    let kind = item
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("{at}.type"), "expected a budget `type`"))?;
    let named = item.get("name").and_then(Value::as_str);
    let mut b = budget(format!(
        "{project} {kind}{}",
        named.map(|n| format!(" {n}")).unwrap_or_default()
    ));
    match kind {
        "initial" => {
            b.select.scope = Some(Scope::Initial);
            b.select.types = vec![Kind::Script, Kind::Stylesheet];
        }
        "allScript" => b.select.types = vec![Kind::Script],
        "all" => {}
        "anyScript" => {
            b.select.types = vec![Kind::Script];
            b.each = true;
        }
        "any" => b.each = true,
        "bundle" => {
            b.select.chunk = Some(
                named
                    .ok_or_else(|| err(format!("{at}.name"), "a `bundle` budget needs `name`"))?
                    .to_owned(),
            );
        }
        "anyComponentStyle" => {
            notices.push(format!("`{}`: component styles are inlined into scripts at build time and cannot be budgeted from the output; skipped", b.name));
            return Ok(None);
        }
        other => {
            return Err(err(
                format!("{at}.type"),
                format!("unknown Angular budget type `{other}`"),
            ));
        }
    }
    let baseline = item
        .get("baseline")
        .and_then(Value::as_str)
        .map(|s| angular_size(s, None, &format!("{at}.baseline")))
        .transpose()?;
    let get = |key: &str| -> Result<Option<Size>, ConfigError> {
        item.get(key)
            .and_then(Value::as_str)
            .map(|s| {
                angular_size(
                    s,
                    baseline.map(|b| (b, key.starts_with("min"))),
                    &format!("{at}.{key}"),
                )
            })
            .transpose()
    };
    b.max = get("maximumError")?.or(get("error")?);
    b.warn = get("maximumWarning")?.or(get("warning")?);
    b.min = get("minimumError")?;
    if let (Some(base), Some(e)) = (baseline, item.get("error").and_then(Value::as_str)) {
        // `error: "10%"` with a baseline bounds both sides.
        b.min = b.min.or(Some(angular_size(
            e,
            Some((base, true)),
            &format!("{at}.error"),
        )?));
    }
    if item.get("minimumWarning").is_some() {
        notices.push(format!(
            "`{}`: `minimumWarning` has no distill equivalent (only `min`, which fails); skipped",
            b.name
        ));
    }
    if b.max.is_none() && b.warn.is_none() && b.min.is_none() {
        notices.push(format!("`{}`: no limit given; skipped", b.name));
        return Ok(None);
    }
    checked(b, at).map(Some)
}

/// `500kb`, `1mb`, `100b`, or `10%` of a baseline (added for maximums, subtracted for minimums).
fn angular_size(
    text: &str,
    baseline: Option<(Size, bool)>,
    path: &str,
) -> Result<Size, ConfigError> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        // Digits only: `NaN%` parses as a float and would become a silent 0 B.
        let pct = crate::size::percent(p.trim()).ok_or_else(|| {
            err(
                path,
                format!("`{text}` is not a percentage; write digits, e.g. \"10%\""),
            )
        })?;
        let (base, below) = baseline.ok_or_else(|| {
            err(
                path,
                format!("`{text}` is relative but the budget has no `baseline`"),
            )
        })?;
        let delta = base.0 as f64 * pct / 100.0;
        let v = if below {
            // A minimum more than 100% below the baseline is no minimum: 0 B.
            (base.0 as f64 - delta).max(0.0)
        } else {
            base.0 as f64 + delta
        };
        // 2^64: below it (and finite, non-negative) the conversion is exact in range.
        if !(v.is_finite() && v < 18_446_744_073_709_551_616.0) {
            return Err(err(
                path,
                format!("`{text}` of the baseline is more than {} bytes", u64::MAX),
            ));
        }
        return Ok(Size(v.round() as u64));
    }
    bytes_package_size(t, path)
}
