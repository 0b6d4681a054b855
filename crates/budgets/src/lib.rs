//! Size budgets: the `budgets.json` schema, readers of other tools' budget files, and the pure
//! evaluation of budgets against a report and an optional baseline report.
//!
//! ```
//! use distill_budgets::parse;
//! let file = parse(r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "max": "300 kB"}]}"#).unwrap();
//! assert_eq!(file.budgets[0].max.unwrap().0, 300_000);
//! let err = parse(r#"{"budgets": [{"name": "js", "max": "300 KB"}]}"#).unwrap_err();
//! assert_eq!(err.path, "budgets[0].max");
//! assert_eq!(err.budget.as_deref(), Some("js"));
//! ```

mod eval;
pub mod import;
mod schema;
mod select;
mod size;

pub use eval::{EvalError, Side, evaluate};
pub use schema::{Budget, BudgetsFile, Compression, GrowthLimits, Scope, Select, json_schema};
pub use select::select;
pub use size::{Growth, Size};

use distill_graph::Encoding;
use std::fmt;

/// A budgets file that cannot be used: where (JSON path, budget name, line and column) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// `budgets[3].max`, or empty for the whole file.
    pub path: String,
    pub budget: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(b) = &self.budget {
            write!(f, "budget `{b}`: ")?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Parses `budgets.json`. Errors name the JSON path and the budget.
pub fn parse(text: &str) -> Result<BudgetsFile, ConfigError> {
    from_value(&parse_json(text)?)
}

/// JSON syntax errors with their line and column.
pub(crate) fn parse_json(text: &str) -> Result<serde_json::Value, ConfigError> {
    serde_json::from_str(text).map_err(|e| ConfigError {
        path: String::new(),
        budget: None,
        line: Some(e.line()),
        column: Some(e.column()),
        message: format!(
            "malformed JSON: {}",
            e.to_string().split(" at line ").next().unwrap_or_default()
        ),
    })
}

/// Deserializes budgets from JSON already parsed (e.g. the `"distill"` key of `package.json`).
pub fn from_value(value: &serde_json::Value) -> Result<BudgetsFile, ConfigError> {
    let file: BudgetsFile = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        ConfigError {
            budget: budget_name_at(value, &path),
            path,
            line: None,
            column: None,
            message: e.into_inner().to_string(),
        }
    })?;
    validate(&file)?;
    Ok(file)
}

/// The checks `parse` makes beyond the schema, for budgets built in code (the importers run
/// them too, so `budgets convert` never prints a file `check` would refuse).
pub fn validate(file: &BudgetsFile) -> Result<(), ConfigError> {
    if file.budgets.is_empty() {
        // Exit 0 says "the budgets hold"; with none it would say nothing while looking like a
        // pass, the silent pass this tool exists to prevent (a generated file gone empty, a
        // list emptied by mistake). No budgets is a configuration error.
        return Err(ConfigError {
            path: "budgets".into(),
            budget: None,
            line: None,
            column: None,
            message: "lists no budget, so a check would pass without checking anything; add one, e.g. {\"name\": \"total\", \"max\": \"500 kB\"}".into(),
        });
    }
    if file.budgets.len() > MAX_BUDGETS {
        return Err(ConfigError {
            path: "budgets".into(),
            budget: None,
            line: None,
            column: None,
            message: format!(
                "lists {} budgets; at most {MAX_BUDGETS} are checked in one run",
                file.budgets.len()
            ),
        });
    }
    let glob_bytes: usize = file
        .budgets
        .iter()
        .flat_map(|b| &b.select.files)
        .map(String::len)
        .sum();
    if glob_bytes > MAX_GLOB_BYTES {
        return Err(ConfigError {
            path: "budgets".into(),
            budget: None,
            line: None,
            column: None,
            message: format!(
                "its globs add up to {glob_bytes} bytes; at most {} KiB are compiled in one run",
                MAX_GLOB_BYTES >> 10
            ),
        });
    }
    for (i, b) in file.budgets.iter().enumerate() {
        check_budget(b).map_err(|(at, message)| ConfigError {
            path: format!("budgets[{i}]{at}"),
            budget: Some(b.name.clone()),
            line: None,
            column: None,
            message,
        })?;
    }
    Ok(())
}

/// More budgets than anyone writes by hand or imports: a file past this is not a budget list
/// but something that would make every report enormous (an `each` budget gives a verdict per
/// file, so verdicts grow as budgets × files).
pub const MAX_BUDGETS: usize = 1_000;

/// All `files` globs of a file together. Compiling a glob costs about a microsecond per byte
/// or two, twice (when read and when evaluated): a budgets file of 60 MB of globs took minutes.
/// A thousand globs of 256 bytes fit.
pub const MAX_GLOB_BYTES: usize = 256 << 10;

/// What makes one budget usable, whoever wrote it (`budgets.json` or an importer): a limit to
/// check, limits that can all be reached, globs that compile. `Err` holds the JSON path below
/// the budget (`.warn`, `.select.files[2]`, or empty for the budget itself) and why.
pub(crate) fn check_budget(b: &Budget) -> Result<(), (String, String)> {
    let err = |path: &str, message: String| Err((path.to_owned(), message));
    if b.max.is_none()
        && b.warn.is_none()
        && b.min.is_none()
        && b.max_count.is_none()
        && b.growth.is_none()
    {
        return err(
            "",
            "sets no limit; give `max`, `warn`, `min`, `maxCount` or `growth`".into(),
        );
    }
    if let (Some(max), Some(warn)) = (b.max, b.warn)
        && warn > max
    {
        return err(
            ".warn",
            format!("warns at {warn}, above its max of {max}; the warning could never show"),
        );
    }
    if let (Some(max), Some(min)) = (b.max, b.min)
        && min > max
    {
        return err(
            ".min",
            format!("min of {min} is above its max of {max}; no size could pass"),
        );
    }
    if let (Some(warn), Some(min)) = (b.warn, b.min)
        && min > warn
    {
        return err(
            ".min",
            format!(
                "min of {min} is above its warning level of {warn}; every size that passes would warn"
            ),
        );
    }
    if let Some(g) = &b.growth
        && g.warn.is_none()
        && g.max.is_none()
    {
        return err(".growth", "sets neither `warn` nor `max`".into());
    }
    if let Err(e) = select::Globs::compile(&b.select.files, ".select.files") {
        return Err((e.path, e.message));
    }
    Ok(())
}

/// `budgets[3].select.files[0]` → the `name` of `budgets[3]`.
fn budget_name_at(value: &serde_json::Value, path: &str) -> Option<String> {
    let rest = path.strip_prefix("budgets[")?;
    let index: usize = rest[..rest.find(']')?].parse().ok()?;
    value
        .get("budgets")?
        .get(index)?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

impl BudgetsFile {
    /// The encoding a budget is measured in.
    pub fn compression_of(&self, budget: &Budget) -> Compression {
        budget
            .compression
            .or(self.compression)
            .unwrap_or(Compression::Brotli)
    }

    /// Every encoding some budget needs, so analysis measures exactly those.
    pub fn encodings(&self) -> Vec<Encoding> {
        let mut out: Vec<Encoding> = self
            .budgets
            .iter()
            .map(|b| self.compression_of(b).encoding())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn needs_baseline(&self) -> Option<&Budget> {
        self.budgets.iter().find(|b| b.growth.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_budget_and_the_path() {
        let cases = [
            (
                r#"{"budgets": [{"name": "a", "max": "1 kB", "colour": "red"}]}"#,
                "budgets[0].colour",
                "unknown field `colour`",
            ),
            (
                r#"{"budgets": [{"name": "a", "max": "1 kB"}, {"name": "b", "max": 300}]}"#,
                "budgets[1].max",
                "expected a string",
            ),
            (
                r#"{"budgets": [{"name": "a", "select": {"scope": "first"}, "max": "1 kB"}]}"#,
                "budgets[0].select.scope",
                "unknown variant `first`",
            ),
            (
                r#"{"budgets": [{"name": "a", "select": {"types": ["script", "js"]}, "max": "1 kB"}]}"#,
                "budgets[0].select.types[1]",
                "unknown variant `js`",
            ),
            (
                r#"{"budgets": [{"name": "a", "growth": {"max": "10%"}}]}"#,
                "budgets[0].growth.max",
                "not a growth limit",
            ),
            (
                r#"{"budgets": [{"name": "a"}]}"#,
                "budgets[0]",
                "sets no limit",
            ),
            (
                r#"{"budgets": [{"name": "a", "max": "1 kB", "warn": "2 kB"}]}"#,
                "budgets[0].warn",
                "above its max",
            ),
            (r#"{"budget": []}"#, "budget", "unknown field `budget`"),
            (r#"{"budgets": []}"#, "budgets", "lists no budget"),
            (
                r#"{"budgets": [{"name": "a", "min": "2 kB", "max": "1 kB"}]}"#,
                "budgets[0].min",
                "no size could pass",
            ),
            (
                r#"{"budgets": [{"name": "a", "min": "2 kB", "warn": "1 kB"}]}"#,
                "budgets[0].min",
                "every size that passes would warn",
            ),
            (
                r#"{"budgets": [{"name": "a", "growth": {"max": "+NaN%"}}]}"#,
                "budgets[0].growth.max",
                "not a percentage",
            ),
            (
                r#"{"budgets": [{"name": "a", "growth": {"warn": "+-10%"}}]}"#,
                "budgets[0].growth.warn",
                "not a percentage",
            ),
            (
                r#"{"budgets": [{"name": "a", "max": "99999999999999999999 B"}]}"#,
                "budgets[0].max",
                "largest size",
            ),
            (
                r#"{"budgets": [{"name": "a", "select": {"files": ["a/{b,c"]}, "max": "1 kB"}]}"#,
                "budgets[0].select.files[0]",
                "bad glob",
            ),
        ];
        for (text, path, message) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.path, path, "{text}");
            assert!(e.message.contains(message), "{text}: {}", e.message);
            if path.starts_with("budgets[") {
                assert!(e.budget.is_some(), "{text}");
                assert!(e.to_string().starts_with("budget `"), "{e}");
            }
        }
        let e = parse("{\n  \"budgets\": [,]\n}").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(15)));
    }

    /// The issue's case (a budgets file of about 600 bytes): `{a,{a,…}}` nested past what the
    /// regex crate accepts (about 125 levels here) made globset's own `expect` panic (exit 101);
    /// nested some thousands deep, globset overflows the stack while building the regex. Both are refused with the budget and the JSON path before globset
    /// sees them, at any depth, alone or among other globs.
    #[test]
    fn deeply_nested_globs_are_an_error_not_a_panic() {
        for depth in [17, 130, 250, 5_000] {
            let glob = format!("{}a{}", "{a,".repeat(depth), "}".repeat(depth));
            for files in [format!("[\"{glob}\"]"), format!("[\"*.js\", \"!{glob}\"]")] {
                let text = format!(
                    r#"{{"budgets": [{{"name": "deep", "select": {{"files": {files}}}, "max": "1 kB"}}]}}"#
                );
                let e = parse(&text).unwrap_err();
                assert!(e.path.starts_with("budgets[0].select.files["), "{e}");
                assert_eq!(e.budget.as_deref(), Some("deep"));
                assert!(
                    e.message.contains("nested more than") || e.message.contains("bytes; at most"),
                    "{}",
                    e.message
                );
            }
        }
        // Many long globs together are refused before any is compiled.
        let glob = format!("assets/{}*.js", "x".repeat(1000));
        let many: Vec<String> = (0..300)
            .map(|i| {
                format!(r#"{{"name": "b{i}", "select": {{"files": ["{glob}"]}}, "max": "1 kB"}}"#)
            })
            .collect();
        let e = parse(&format!(r#"{{"budgets": [{}]}}"#, many.join(","))).unwrap_err();
        assert_eq!(e.path, "budgets");
        assert!(e.message.contains("at most 256 KiB"), "{e}");
        // Sixteen levels are fine, and match.
        let glob = format!("{}x.js{}", "{a,".repeat(16), "}".repeat(16));
        let globs = select::Globs::compile(&[glob], "files").unwrap();
        assert!(globs.matches("x.js") && globs.matches("a") && !globs.matches("b"));
    }

    #[test]
    fn encodings_follow_budgets() {
        let f = parse(r#"{"compression": "gzip", "budgets": [{"name": "a", "max": "1 kB"}, {"name": "b", "max": "1 kB", "compression": "none"}]}"#).unwrap();
        assert_eq!(f.encodings(), [Encoding::Raw, Encoding::Gzip]);
        let f = parse(r#"{"budgets": [{"name": "a", "max": "1 kB"}]}"#).unwrap();
        assert_eq!(f.encodings(), [Encoding::Brotli], "brotli by default");
    }
}

#[cfg(test)]
mod schema_file {
    /// `budgets.schema.json` at the repository root is generated from the types that parse
    /// budgets; regenerate it with `cargo run -- budgets schema > budgets.schema.json`.
    #[test]
    fn committed_schema_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../budgets.schema.json");
        let committed =
            std::fs::read_to_string(path).expect("budgets.schema.json at the repository root");
        assert!(
            committed == super::json_schema(),
            "budgets.schema.json is out of date: run `cargo run -- budgets schema > budgets.schema.json`"
        );
    }

    #[test]
    fn the_example_parses() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../budgets.example.json");
        let file = super::parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(file.budgets.len() >= 9);
    }
}
