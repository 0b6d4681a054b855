//! Readers of other tools' budget files, for migration: size-limit, bundlesize, bundlewatch,
//! Angular `angular.json` budgets and Lighthouse `budget.json`. Each becomes a [`BudgetsFile`];
//! what cannot be expressed is said in a notice, never silently dropped.
//!
//! Units follow each tool: size-limit, bundlesize and bundlewatch parse sizes with the `bytes`
//! package (`kB` and `KB` both mean 1024), Angular's `kb` is 1024 too, and Lighthouse budgets
//! are KiB.

mod angular;
mod bundlesize;
mod lighthouse;
mod size_limit;

use crate::schema::{Budget, BudgetsFile, Select};
use crate::{ConfigError, Size};
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
            size_limit::read(&value, "", build_prefix, &mut notices)?,
        )
    } else if base.starts_with("bundlewatch") {
        (
            Format::Bundlewatch,
            bundlesize::read(&value, "", build_prefix, true, &mut notices)?,
        )
    } else if base.starts_with("bundlesize") {
        (
            Format::Bundlesize,
            bundlesize::read(&value, "", build_prefix, false, &mut notices)?,
        )
    } else if base == "angular.json" {
        (Format::Angular, angular::read(&value, &mut notices)?)
    } else {
        by_shape(&value, build_prefix, &mut notices)?
    };
    if budgets.budgets.is_empty() {
        let said = if notices.is_empty() {
            String::new()
        } else {
            format!(" ({})", notices.join("; "))
        };
        return Err(err(
            "",
            format!(
                "no budget distill can check in this {} file{said}",
                format.label()
            ),
        ));
    }
    // What every importer builds is checked as `parse` checks budgets.json (each importer
    // already checked its budgets where it could name the place in its own file), so
    // `budgets convert` never prints a file that `check` refuses.
    crate::validate(&budgets)?;
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
        return Ok((Format::Angular, angular::read(value, notices)?));
    }
    if let Some(items) = value.as_array() {
        if items.iter().any(|i| {
            i.get("resourceSizes").is_some()
                || i.get("resourceCounts").is_some()
                || i.get("timings").is_some()
        }) {
            return Ok((Format::Lighthouse, lighthouse::read(value, notices)?));
        }
        if items
            .iter()
            .any(|i| i.get("limit").is_some() || i.get("path").is_some())
        {
            return Ok((
                Format::SizeLimit,
                size_limit::read(value, "", prefix, notices)?,
            ));
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
        return Ok((format, bundlesize::read(value, "", prefix, watch, notices)?));
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
                let path = format!("distill.{}", e.path);
                path.trim_end_matches('.').clone_into(&mut e.path);
                e
            })?,
        ));
    }
    if let Some(v) = value.get("size-limit") {
        return Ok((
            Format::SizeLimit,
            size_limit::read(v, "size-limit", prefix, notices)?,
        ));
    }
    if let Some(v) = value.get("bundlewatch") {
        return Ok((
            Format::Bundlewatch,
            bundlesize::read(v, "bundlewatch", prefix, true, notices)?,
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
            bundlesize::read(&wrapped, "bundlesize", prefix, false, notices)?,
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

/// A budget an importer built, checked as `parse` checks a budget of budgets.json; an error
/// names `at`, the place in the imported file the budget comes from.
fn checked(b: Budget, at: &str) -> Result<Budget, ConfigError> {
    match crate::check_budget(&b) {
        Ok(()) => Ok(b),
        Err((_, message)) => Err(ConfigError {
            path: at.to_owned(),
            budget: Some(b.name.clone()),
            line: None,
            column: None,
            message,
        }),
    }
}

/// A size as the `bytes` npm package reads it: units case-insensitive and binary (`kb` = 1024);
/// a bare number is bytes. Computed exactly, and refused past `u64::MAX`.
fn bytes_package_size(text: &str, path: &str) -> Result<Size, ConfigError> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() {
        return Err(err(path, format!("`{text}` is not a size")));
    }
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" | "kib" => 1 << 10,
        "mb" | "m" | "mib" => 1 << 20,
        "gb" | "g" | "gib" => 1 << 30,
        other => return Err(err(path, format!("unknown unit `{other}` in `{text}`"))),
    };
    match crate::size::scaled(number, factor) {
        Ok(bytes) => Ok(Size(bytes)),
        Err(crate::size::Scaled::NotANumber) => Err(err(path, format!("`{text}` is not a size"))),
        Err(crate::size::Scaled::TooLarge) => Err(err(
            path,
            format!("`{text}` is more than {} bytes", u64::MAX),
        )),
    }
}

/// A string or an array of strings (`path` of size-limit); anything else is an error, never
/// dropped.
fn strings(v: Option<&Value>, path: &str) -> Result<Vec<String>, ConfigError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, s)| {
                s.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("{path}[{i}]"), "expected a glob string"))
            })
            .collect(),
        Some(_) => Err(err(path, "expected a glob or an array of globs")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Compression, Scope};
    use distill_graph::FileKind as Kind;

    /// Imports, and checks that what `budgets convert` would print is accepted by `parse` and
    /// reads back as the same budgets: every importer case below goes through this.
    fn import(name: &str, text: &str) -> Imported {
        let i = read(name, text, "dist/").unwrap_or_else(|e| panic!("{name}: {e}"));
        let json = serde_json::to_string_pretty(&i.budgets).unwrap();
        let back = crate::parse(&json)
            .unwrap_or_else(|e| panic!("{name}: the converted file is refused: {e}\n{json}"));
        assert_eq!(
            back, i.budgets,
            "{name}: the converted file reads back otherwise"
        );
        i
    }

    #[track_caller]
    fn refused(name: &str, text: &str, path: &str, message: &str) {
        let e = read(name, text, "dist/").expect_err(text);
        assert_eq!(e.path, path, "{text}: {e}");
        assert!(e.message.contains(message), "{text}: {e}");
    }

    #[test]
    fn numbers_that_are_not_budgets_are_errors_not_zero_bytes() {
        let lh = |entry: &str| format!(r#"[{{"path": "/*", {entry}}}]"#);
        refused(
            "budget.json",
            &lh(r#""resourceSizes": [{"resourceType": "script", "budget": -300}]"#),
            "[0].resourceSizes[0].budget",
            "-300 is not a budget",
        );
        refused(
            "budget.json",
            &lh(r#""resourceSizes": [{"resourceType": "script", "budget": 1e300}]"#),
            "[0].resourceSizes[0].budget",
            "more than 18446744073709551615 bytes",
        );
        refused(
            "budget.json",
            &lh(r#""resourceCounts": [{"resourceType": "image", "budget": 2.5}]"#),
            "[0].resourceCounts[0].budget",
            "not a number of files",
        );
        refused(
            "budget.json",
            &lh(r#""resourceCounts": [{"resourceType": "image", "budget": -1}]"#),
            "[0].resourceCounts[0].budget",
            "not a budget",
        );
        refused(
            "budget.json",
            &lh(r#""timings": [{"metric": "interactive", "budget": 3000}]"#),
            "",
            "no budget distill can check",
        );
        let ng = |budget: &str| {
            format!(
                r#"{{"projects": {{"app": {{"architect": {{"build": {{"options": {{"budgets": [{budget}]}}}}}}}}}}}}"#
            )
        };
        let at = "projects.app.architect.build.options.budgets[0]";
        refused(
            "angular.json",
            &ng(r#"{"type": "bundle", "name": "main", "baseline": "100kb", "error": "NaN%"}"#),
            &format!("{at}.error"),
            "not a percentage",
        );
        refused(
            "angular.json",
            &ng(r#"{"type": "bundle", "name": "main", "baseline": "100kb", "warning": "-10%"}"#),
            &format!("{at}.warning"),
            "not a percentage",
        );
        refused(
            "angular.json",
            &ng(r#"{"type": "initial", "maximumWarning": "2mb", "maximumError": "1mb"}"#),
            at,
            "above its max",
        );
        refused(
            "angular.json",
            &ng(r#"{"type": "all", "minimumError": "2mb", "maximumError": "1mb"}"#),
            at,
            "no size could pass",
        );
        refused(
            "angular.json",
            &ng(
                r#"{"type": "bundle", "name": "main", "baseline": "17179869183gb", "error": "1%"}"#,
            ),
            &format!("{at}.error"),
            "more than",
        );
        refused(
            ".size-limit.json",
            r#"[{"path": "dist/a.js", "limit": "99999999999999999999 kB"}]"#,
            "[0].limit",
            "more than",
        );
        refused(
            ".size-limit.json",
            r#"[{"path": "dist/a.js", "limit": 10}]"#,
            "[0].limit",
            "expected a string",
        );
        refused(
            ".size-limit.json",
            r#"[{"path": ["dist/a.js", 7], "limit": "1 kB"}]"#,
            "[0].path[1]",
            "expected a glob string",
        );
        refused(
            ".size-limit.json",
            &format!(
                r#"[{{"path": "{}a{}", "limit": "1 kB"}}]"#,
                "{a,".repeat(200),
                "}".repeat(200)
            ),
            "[0]",
            "nested more than",
        );
        refused(
            "bundlesize.config.json",
            r#"{"files": [{"path": "a.js", "maxSize": "NaN kB"}]}"#,
            "files[0].maxSize",
            "not a size",
        );
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
