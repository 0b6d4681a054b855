//! Readers of other tools' budget files, for migration: size-limit, bundlesize, bundlewatch,
//! Angular `angular.json` budgets and Lighthouse `budget.json`. Each becomes a [`BudgetsFile`];
//! what cannot be expressed is said in a notice, never silently dropped.
//!
//! Units follow each tool: size-limit, bundlesize and bundlewatch parse sizes with the `bytes`
//! package (`kB` and `KB` both mean 1024), Angular's `kb` is 1024 too, and Lighthouse budgets
//! are KiB.

use crate::schema::{Budget, BudgetsFile, Compression, Scope, Select};
use crate::{ConfigError, Size};
use distill_graph::FileKind as Kind;
use serde_json::Value;

/// Which tool a file was written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Distill,
    SizeLimit,
    Bundlesize,
    Bundlewatch,
    Angular,
    Lighthouse,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Distill => "distill budgets.json",
            Format::SizeLimit => "size-limit",
            Format::Bundlesize => "bundlesize",
            Format::Bundlewatch => "bundlewatch",
            Format::Angular => "Angular angular.json budgets",
            Format::Lighthouse => "Lighthouse budget.json",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub format: Format,
    pub budgets: BudgetsFile,
    /// What was ignored or approximated, one sentence each.
    pub notices: Vec<String>,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError {
        path: path.into(),
        budget: None,
        line: None,
        column: None,
        message: message.into(),
    }
}

/// Reads any supported budget file, detected by name and shape. `build_prefix` (e.g. `dist/`)
/// is stripped from globs written relative to the project rather than to the build folder.
pub fn read(file_name: &str, text: &str, build_prefix: &str) -> Result<Imported, ConfigError> {
    let value = crate::parse_json(text)?;
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let mut notices = Vec::new();
    let (format, budgets) = if base == "package.json" {
        from_package_json(&value, build_prefix, &mut notices)?
    } else if base.starts_with(".size-limit") {
        (
            Format::SizeLimit,
            size_limit(&value, "", build_prefix, &mut notices)?,
        )
    } else if base.starts_with("bundlewatch") {
        (
            Format::Bundlewatch,
            bundle_files(&value, "", build_prefix, true, &mut notices)?,
        )
    } else if base.starts_with("bundlesize") {
        (
            Format::Bundlesize,
            bundle_files(&value, "", build_prefix, false, &mut notices)?,
        )
    } else if base == "angular.json" {
        (Format::Angular, angular(&value, &mut notices)?)
    } else {
        by_shape(&value, build_prefix, &mut notices)?
    };
    Ok(Imported {
        format,
        budgets,
        notices,
    })
}

fn by_shape(
    value: &Value,
    prefix: &str,
    notices: &mut Vec<String>,
) -> Result<(Format, BudgetsFile), ConfigError> {
    if value.get("budgets").is_some() && value.get("projects").is_none() {
        return Ok((Format::Distill, crate::from_value(value)?));
    }
    if value.get("projects").is_some() {
        return Ok((Format::Angular, angular(value, notices)?));
    }
    if let Some(items) = value.as_array() {
        if items.iter().any(|i| {
            i.get("resourceSizes").is_some()
                || i.get("resourceCounts").is_some()
                || i.get("timings").is_some()
        }) {
            return Ok((Format::Lighthouse, lighthouse(value, notices)?));
        }
        if items
            .iter()
            .any(|i| i.get("limit").is_some() || i.get("path").is_some())
        {
            return Ok((Format::SizeLimit, size_limit(value, "", prefix, notices)?));
        }
    }
    if value.get("files").is_some() {
        let watch = value.get("normalizeFilenames").is_some()
            || value.get("defaultCompression").is_some()
            || value.get("ci").is_some();
        let format = if watch {
            Format::Bundlewatch
        } else {
            Format::Bundlesize
        };
        return Ok((format, bundle_files(value, "", prefix, watch, notices)?));
    }
    Err(err(
        "",
        "not a budget file distill knows: expected budgets.json, size-limit, bundlesize, bundlewatch, angular.json or a Lighthouse budget.json",
    ))
}

fn from_package_json(
    value: &Value,
    prefix: &str,
    notices: &mut Vec<String>,
) -> Result<(Format, BudgetsFile), ConfigError> {
    if let Some(v) = value.get("distill") {
        return Ok((
            Format::Distill,
            crate::from_value(v).map_err(|mut e| {
                e.path = format!("distill.{}", e.path)
                    .trim_end_matches('.')
                    .to_owned();
                e
            })?,
        ));
    }
    if let Some(v) = value.get("size-limit") {
        return Ok((
            Format::SizeLimit,
            size_limit(v, "size-limit", prefix, notices)?,
        ));
    }
    if let Some(v) = value.get("bundlewatch") {
        return Ok((
            Format::Bundlewatch,
            bundle_files(v, "bundlewatch", prefix, true, notices)?,
        ));
    }
    if let Some(v) = value.get("bundlesize") {
        // package.json's "bundlesize" is the files array itself.
        let wrapped = if v.is_array() {
            serde_json::json!({ "files": v })
        } else {
            v.clone()
        };
        return Ok((
            Format::Bundlesize,
            bundle_files(&wrapped, "bundlesize", prefix, false, notices)?,
        ));
    }
    Err(err(
        "",
        "package.json has no \"distill\", \"size-limit\", \"bundlesize\" or \"bundlewatch\" key",
    ))
}

fn budget(name: String) -> Budget {
    Budget {
        name,
        select: Select::default(),
        each: false,
        max: None,
        warn: None,
        min: None,
        max_count: None,
        growth: None,
        compression: None,
    }
}

/// A size as the `bytes` npm package reads it: units case-insensitive and binary (`kb` = 1024);
/// a bare number is bytes.
fn bytes_package_size(text: &str, path: &str) -> Result<Size, ConfigError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let value: f64 = t[..split]
        .parse()
        .map_err(|_| err(path, format!("`{text}` is not a size")))?;
    let factor: u64 = match t[split..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" | "kib" => 1 << 10,
        "mb" | "m" | "mib" => 1 << 20,
        "gb" | "g" | "gib" => 1 << 30,
        other => return Err(err(path, format!("unknown unit `{other}` in `{text}`"))),
    };
    Ok(Size((value * factor as f64).round() as u64))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Globs written from the project root (`dist/assets/*.js`) made relative to the build folder.
fn rebase(glob: &str, prefix: &str) -> String {
    let (neg, g) = match glob.strip_prefix('!') {
        Some(rest) => ("!", rest),
        None => ("", glob),
    };
    let g = g.trim_start_matches("./");
    let prefix = prefix.trim_start_matches("./");
    let g = if !prefix.is_empty() {
        g.strip_prefix(prefix).unwrap_or(g)
    } else {
        g
    };
    format!("{neg}{g}")
}

/// size-limit: `[{ name, path, limit, gzip, brotli, … }]`. Since size-limit 9 the default is
/// brotli; `gzip: true` selects gzip and `brotli: false` alone means uncompressed.
fn size_limit(
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
        let globs = strings(item.get("path"));
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
        match item.get("limit").and_then(Value::as_str) {
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
        budgets.push(b);
    }
    Ok(BudgetsFile {
        schema: None,
        compression: None,
        budgets,
    })
}

/// bundlesize (`{ files: [{ path, maxSize, compression }] }`, gzip by default) and bundlewatch
/// (the same plus `normalizeFilenames`, `defaultCompression`).
fn bundle_files(
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
        budgets.push(b);
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

/// Angular: `projects.*.architect.build.configurations.*.budgets` (or `options.budgets`).
/// Sizes are raw bytes; `kb` is 1024; percentages are relative to `baseline`.
fn angular(value: &Value, notices: &mut Vec<String>) -> Result<BudgetsFile, ConfigError> {
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
            )
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
    Ok(Some(b))
}

/// `500kb`, `1mb`, `100b`, or `10%` of a baseline (added for maximums, subtracted for minimums).
fn angular_size(
    text: &str,
    baseline: Option<(Size, bool)>,
    path: &str,
) -> Result<Size, ConfigError> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        let pct: f64 = p
            .trim()
            .parse()
            .map_err(|_| err(path, format!("`{text}` is not a percentage")))?;
        let (base, below) = baseline.ok_or_else(|| {
            err(
                path,
                format!("`{text}` is relative but the budget has no `baseline`"),
            )
        })?;
        let delta = base.0 as f64 * pct / 100.0;
        let v = if below {
            base.0 as f64 - delta
        } else {
            base.0 as f64 + delta
        };
        return Ok(Size(v.max(0.0).round() as u64));
    }
    bytes_package_size(t, path)
}

/// Lighthouse `budget.json`: `[{ path, resourceSizes: [{resourceType, budget}], resourceCounts,
/// timings }]`; sizes are KiB of transfer size, measured here as gzip.
fn lighthouse(value: &Value, notices: &mut Vec<String>) -> Result<BudgetsFile, ConfigError> {
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
                    b.max_count = Some(amount as u64);
                } else {
                    b.max = Some(Size((amount * 1024.0).round() as u64));
                }
                budgets.push(b);
            }
        }
    }
    Ok(BudgetsFile {
        schema: None,
        compression: Some(Compression::Gzip),
        budgets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn import(name: &str, text: &str) -> Imported {
        read(name, text, "dist/").unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn size_limit_as_its_docs_write_it() {
        let text = r#"[
          { "name": "Client", "path": "dist/assets/index-*.js", "limit": "10 kB" },
          { "path": ["dist/assets/*.css", "!dist/assets/legacy*.css"], "limit": "3 KB", "gzip": true },
          { "path": "dist/assets/*.js", "limit": "500 ms", "running": false, "brotli": false }
        ]"#;
        let i = import(".size-limit.json", text);
        assert_eq!(i.format, Format::SizeLimit);
        let b = &i.budgets.budgets;
        assert_eq!(b[0].name, "Client");
        assert_eq!(b[0].select.files, ["assets/index-*.js"]);
        assert_eq!(
            b[0].max,
            Some(Size(10_240)),
            "size-limit's kB is 1024 (bytes package)"
        );
        assert_eq!(b[0].compression, Some(Compression::Brotli));
        assert_eq!(b[1].select.files, ["assets/*.css", "!assets/legacy*.css"]);
        assert_eq!(b[1].compression, Some(Compression::Gzip));
        assert_eq!(b[2].compression, Some(Compression::None));
        assert!(
            i.notices
                .iter()
                .any(|n| n.contains("time limit `500 ms` ignored"))
        );
        assert!(i.notices.iter().any(|n| n.contains("`running` ignored")));
        // Also from package.json.
        let pkg = format!(r#"{{"name": "app", "size-limit": {text}}}"#);
        assert_eq!(import("package.json", &pkg).budgets, i.budgets);
    }

    #[test]
    fn bundlesize_and_bundlewatch() {
        let pkg = r#"{"bundlesize": [{"path": "./dist/assets/*.js", "maxSize": "120 kB"}, {"path": "./dist/assets/*.css", "maxSize": "2kB", "compression": "none"}]}"#;
        let i = import("package.json", pkg);
        assert_eq!(i.format, Format::Bundlesize);
        let b = &i.budgets.budgets;
        assert!(b[0].each);
        assert_eq!(b[0].select.files, ["assets/*.js"]);
        assert_eq!(
            (b[0].max, b[0].compression),
            (Some(Size(122_880)), Some(Compression::Gzip))
        );
        assert_eq!(b[1].compression, Some(Compression::None));
        let watch = r#"{"files": [{"path": "dist/assets/*.js", "maxSize": "100kB", "compression": "brotli"}],
                        "normalizeFilenames": "^.+?(\\.\\w+)\\.(?:js|css)$", "ci": {"trackBranches": ["main"]}}"#;
        let i = import("bundlewatch.config.json", watch);
        assert_eq!(i.format, Format::Bundlewatch);
        assert_eq!(i.budgets.budgets[0].compression, Some(Compression::Brotli));
        assert!(i.notices[0].contains("normalizeFilenames"));
        assert!(
            read(
                "bundlesize.config.json",
                r#"{"files": [{"path": "a.js", "maxSize": "1 kB", "compression": "lz4"}]}"#,
                ""
            )
            .unwrap_err()
            .message
            .contains("lz4")
        );
    }

    #[test]
    fn angular_budgets() {
        let text = r#"{"version": 1, "projects": {"shop": {"architect": {"build": {"configurations": {"production": {"budgets": [
            {"type": "initial", "maximumWarning": "500kb", "maximumError": "1mb"},
            {"type": "anyComponentStyle", "maximumWarning": "2kb", "maximumError": "4kb"},
            {"type": "bundle", "name": "vendor", "baseline": "300kb", "warning": "5%", "error": "10%"},
            {"type": "anyScript", "maximumError": "200kb", "minimumError": "1kb"}
        ]}}}}}}}"#;
        let i = import("angular.json", text);
        assert_eq!(i.format, Format::Angular);
        assert_eq!(i.budgets.compression, Some(Compression::None));
        let b = &i.budgets.budgets;
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].select.scope, Some(Scope::Initial));
        assert_eq!(
            (b[0].warn, b[0].max),
            (Some(Size(512_000)), Some(Size(1_048_576)))
        );
        assert_eq!(b[1].select.chunk.as_deref(), Some("vendor"));
        assert_eq!(b[1].max, Some(Size(337_920)), "300 KiB + 10%");
        assert_eq!(b[1].warn, Some(Size(322_560)), "300 KiB + 5%");
        assert_eq!(b[1].min, Some(Size(276_480)), "300 KiB - 10%");
        assert!(b[2].each && b[2].min == Some(Size(1024)));
        assert!(i.notices.iter().any(|n| n.contains("anyComponentStyle")));
    }

    #[test]
    fn lighthouse_budget_json() {
        let text = r#"[{"path": "/*",
            "timings": [{"metric": "interactive", "budget": 3000}],
            "resourceSizes": [{"resourceType": "script", "budget": 300}, {"resourceType": "total", "budget": 1000}],
            "resourceCounts": [{"resourceType": "third-party", "budget": 10}, {"resourceType": "image", "budget": 20}]}]"#;
        let i = import("budget.json", text);
        assert_eq!(i.format, Format::Lighthouse);
        let b = &i.budgets.budgets;
        assert_eq!(b[0].max, Some(Size(300 * 1024)));
        assert_eq!(b[0].select.types, [Kind::Script]);
        assert!(b[1].select.types.is_empty());
        assert_eq!(b[2].max_count, Some(20));
        assert!(i.notices.iter().any(|n| n.contains("timings")));
        assert!(i.notices.iter().any(|n| n.contains("third-party")));
    }

    #[test]
    fn our_own_format_and_unknown_shapes() {
        let ours = r#"{"budgets": [{"name": "a", "max": "1 kB"}]}"#;
        assert_eq!(import("budgets.json", ours).format, Format::Distill);
        assert_eq!(
            import("package.json", &format!(r#"{{"distill": {ours}}}"#)).format,
            Format::Distill
        );
        assert!(read("x.json", r#"{"hello": 1}"#, "").is_err());
    }
}
