//! `init`: budgets for a team adopting distill, written from today's sizes plus a headroom, and a
//! `size` script in `package.json`, edited without reordering or reformatting anything else.

#![allow(
    clippy::indexing_slicing,
    reason = "every index into package.json is guarded by the bound check in its loop condition"
)]

use crate::{LoadOptions, load};
use distill_budgets::{Budget, BudgetsFile, Compression, Scope, Select, Size};
use distill_graph::{Code, Diagnostic, Encoding, FileKind};
use distill_schema::{FileReport, Report};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The build folder.
    pub dir: PathBuf,
    /// Limits at today's size plus this fraction (0.10 = 10%); warnings at half of it.
    pub headroom: f64,
    /// Replace an existing budgets file.
    pub force: bool,
}

/// What `init` wrote.
#[derive(Debug)]
pub struct Initialized {
    pub budgets_path: PathBuf,
    pub budgets: BudgetsFile,
    /// `Some(path)` when a `size` script was added to this `package.json`.
    pub script_added: Option<PathBuf>,
    /// Said to the user: what was left alone and why.
    pub notes: Vec<String>,
}

const SCRIPT: &str = "distill check";

/// Measures the build in `dir`, writes `budgets.json` beside it and adds the `size` script to
/// the `package.json` there. Nothing is written when anything would fail.
pub fn init(options: &InitOptions) -> Result<Initialized, Diagnostic> {
    let project = options
        .dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf))
        .ok_or_else(|| {
            Diagnostic::error(Code::InputNotFound, "cannot find the build folder")
                .at(options.dir.display().to_string())
                .hint("build the app first, then run `distill init` with the folder it writes")
        })?;
    let budgets_path = project.join("budgets.json");
    if budgets_path.exists() && !options.force {
        return Err(
            Diagnostic::error(Code::BudgetConfig, "already exists; not replaced")
                .at(budgets_path.display().to_string())
                .hint("pass --force to write it again from today's sizes"),
        );
    }
    // package.json is checked before anything is measured or written.
    let package = project.join("package.json");
    let edit =
        if package.is_file() {
            let text = distill_fs::read_regular(&package, 16 << 20)
                .map_err(|e| {
                    Diagnostic::error(Code::BudgetConfig, format!("cannot read: {e}"))
                        .at(package.display().to_string())
                })
                .and_then(|b| {
                    String::from_utf8(b).map_err(|_| {
                        Diagnostic::error(Code::BudgetConfig, "is not UTF-8 text")
                            .at(package.display().to_string())
                    })
                })?;
            Some((
                text.clone(),
                add_script(&text, "size", SCRIPT).map_err(|e| {
                    Diagnostic::error(Code::BudgetConfig, e)
                .at(package.display().to_string())
                .hint("fix package.json (npm would refuse it too), then run `distill init` again")
                })?,
            ))
        } else {
            None
        };
    let loaded = load(
        &options.dir,
        &LoadOptions::new(vec![Encoding::Raw, Encoding::Brotli]),
        None,
    )?;
    let report = distill_analyze::report(&loaded.analysis, &[]);
    let budgets = budgets_from(&report, options.headroom);
    if budgets.budgets.is_empty() {
        return Err(Diagnostic::error(
            Code::InputEmpty,
            "no scripts, stylesheets or images to budget",
        )
        .at(options.dir.display().to_string()));
    }
    let mut text = serde_json::to_string_pretty(&budgets).map_err(|e| {
        Diagnostic::error(Code::BudgetConfig, format!("cannot write the budgets: {e}"))
    })?;
    text.push('\n');
    let mut notes = Vec::new();
    distill_fs::write_atomic(&budgets_path, text.as_bytes()).map_err(|e| {
        Diagnostic::error(Code::OutputWriteFailed, format!("cannot write: {e}"))
            .at(budgets_path.display().to_string())
    })?;
    let mut script_added = None;
    match edit {
        Some((_, Edit::Unchanged(existing))) => notes.push(format!(
            "package.json already has a `size` script (`{existing}`); left as it is"
        )),
        Some((_, Edit::Changed(new))) => {
            distill_fs::write_atomic(&package, new.as_bytes()).map_err(|e| {
                Diagnostic::error(Code::OutputWriteFailed, format!("cannot write: {e}"))
                    .at(package.display().to_string())
            })?;
            script_added = Some(package);
        }
        None => notes.push("no package.json beside the build: no script added".into()),
    }
    Ok(Initialized {
        budgets_path,
        budgets,
        script_added,
        notes,
    })
}

/// Today's size plus the headroom, rounded up to two significant digits in kB.
fn limit(bytes: u64, headroom: f64) -> Size {
    let raw = (bytes as f64 * (1.0 + headroom)).ceil().max(1.0);
    let magnitude = 10f64.powi(raw.log10().floor() as i32 - 1).max(1.0);
    Size(((raw / magnitude).ceil() * magnitude) as u64)
}

fn budget(name: String, select: Select, each: bool, today: u64, headroom: f64) -> Budget {
    Budget {
        name,
        select,
        each,
        max: Some(limit(today, headroom)),
        warn: Some(limit(today, headroom / 2.0)),
        min: None,
        max_count: None,
        growth: None,
        compression: None,
    }
}

/// The budgets a team would write on day one, from `report`'s brotli sizes.
pub fn budgets_from(report: &Report, headroom: f64) -> BudgetsFile {
    let brotli = |f: &FileReport| f.sizes.brotli.unwrap_or(f.sizes.raw);
    let of_kind = |kind: FileKind| -> Vec<&FileReport> {
        report.files.iter().filter(|f| f.kind == kind).collect()
    };
    let mut budgets = Vec::new();
    for (sets, is_route) in [(&report.entries, false), (&report.routes, true)] {
        for set in sets {
            let today = set.initial_sizes.brotli.unwrap_or(set.initial_sizes.raw);
            if set.initial.is_empty() {
                continue;
            }
            let select = Select {
                scope: Some(Scope::Initial),
                entry: (!is_route).then(|| set.name.clone()),
                route: is_route.then(|| set.name.clone()),
                ..Select::default()
            };
            budgets.push(budget(
                format!("first load of {}", set.name),
                select,
                false,
                today,
                headroom,
            ));
        }
    }
    let lazy: std::collections::BTreeSet<&str> = report
        .entries
        .iter()
        .chain(&report.routes)
        .flat_map(|s| s.lazy.iter().map(String::as_str))
        .collect();
    let largest_lazy = report
        .files
        .iter()
        .filter(|f| f.kind == FileKind::Script && lazy.contains(f.path.as_str()))
        .map(brotli)
        .max();
    if let Some(largest) = largest_lazy {
        let select = Select {
            scope: Some(Scope::Lazy),
            types: vec![FileKind::Script],
            ..Select::default()
        };
        budgets.push(budget(
            "each lazy chunk".into(),
            select,
            true,
            largest,
            headroom,
        ));
    }
    for (kind, name) in [
        (FileKind::Script, "all scripts"),
        (FileKind::Stylesheet, "all stylesheets"),
        (FileKind::Image, "all images"),
    ] {
        let files = of_kind(kind);
        if files.is_empty() {
            continue;
        }
        let today = files.iter().map(|f| brotli(f)).fold(0, u64::saturating_add);
        let select = Select {
            types: vec![kind],
            ..Select::default()
        };
        budgets.push(budget(name.into(), select, false, today, headroom));
    }
    BudgetsFile {
        schema: Some("./node_modules/distill/budgets.schema.json".into()),
        compression: Some(Compression::Brotli),
        budgets,
    }
}

/// The outcome of adding a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The new text.
    Changed(String),
    /// A script of that name exists (its command).
    Unchanged(String),
}

/// `text` (a package.json) with `"name": "command"` added to `scripts`, as a person would type
/// it there: the same indentation (spaces or tabs) and line endings, nothing else moved. `Err`
/// says why the file cannot be edited (it is not a JSON object).
pub fn add_script(text: &str, name: &str, command: &str) -> Result<Edit, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    if let Some(scripts) = object.get("scripts") {
        let scripts = scripts.as_object().ok_or("`scripts` is not an object")?;
        if let Some(existing) = scripts.get(name) {
            return Ok(Edit::Unchanged(existing.as_str().unwrap_or("").to_owned()));
        }
    }
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let (open, close) = top_level(text).ok_or("not a JSON object")?;
    let indent = indent_of(text, open).unwrap_or_else(|| "  ".into());
    let entry = |level: usize| {
        format!(
            "{}{}: {}",
            indent.repeat(level),
            serde_json::to_string(name).unwrap_or_default(),
            serde_json::to_string(command).unwrap_or_default()
        )
    };
    let mut out = String::with_capacity(text.len() + 64);
    if let Some((s_open, s_close)) = member_object(text, open, close, "scripts") {
        let inner = &text[s_open + 1..s_close];
        if inner.trim().is_empty() {
            out.push_str(&text[..=s_open]);
            out.push_str(newline);
            out.push_str(&entry(2));
            out.push_str(newline);
            out.push_str(&indent);
            out.push_str(&text[s_close..]);
        } else {
            // After the last member, before the whitespace that precedes `}`.
            let last = s_open + 1 + inner.trim_end().len();
            out.push_str(&text[..last]);
            out.push(',');
            out.push_str(newline);
            out.push_str(&entry(2));
            out.push_str(&text[last..]);
        }
    } else {
        let inner = &text[open + 1..close];
        let last = open + 1 + inner.trim_end().len();
        out.push_str(&text[..last]);
        if !inner.trim().is_empty() {
            out.push(',');
        }
        out.push_str(newline);
        out.push_str(&indent);
        out.push_str("\"scripts\": {");
        out.push_str(newline);
        out.push_str(&entry(2));
        out.push_str(newline);
        out.push_str(&indent);
        out.push('}');
        out.push_str(&text[last..]);
    }
    serde_json::from_str::<serde_json::Value>(&out)
        .map_err(|e| format!("the edited file would not be JSON ({e}); left as it is"))?;
    Ok(Edit::Changed(out))
}

/// The byte offsets of the top-level object's `{` and `}`.
fn top_level(text: &str) -> Option<(usize, usize)> {
    let open = text.find('{')?;
    let close = text.rfind('}')?;
    (open < close).then_some((open, close))
}

/// The indentation of the first member of the object opening at `open`.
fn indent_of(text: &str, open: usize) -> Option<String> {
    let rest = text.get(open + 1..)?;
    let line = rest.split('\n').nth(1)?;
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    (!indent.is_empty()).then_some(indent)
}

/// The `{`…`}` of the member `key` of the object spanning `open..=close`, when it is an object,
/// found by walking the JSON text (strings and nesting respected).
fn member_object(text: &str, open: usize, close: usize, key: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    let mut last_string: Option<(usize, usize)> = None;
    while i <= close {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                last_string = Some((start, i));
            }
            b'{' | b'[' => {
                depth += 1;
                if depth == 2
                    && bytes[i] == b'{'
                    && let Some((s, e)) = last_string
                    && serde_json::from_str::<String>(&text[s..=e]).ok().as_deref() == Some(key)
                    && text[e + 1..i].trim() == ":"
                {
                    let end = matching(bytes, i)?;
                    return Some((i, end));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the bracket closing the one at `open`.
fn matching(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn edit(before: &str, after: &str) {
        assert_eq!(
            add_script(before, "size", "distill check").unwrap(),
            Edit::Changed(after.to_owned())
        );
    }

    #[test]
    fn scripts_are_added_where_a_person_would() {
        edit(
            "{\n  \"name\": \"app\",\n  \"scripts\": {\n    \"build\": \"vite build\"\n  },\n  \"b\": 1\n}\n",
            "{\n  \"name\": \"app\",\n  \"scripts\": {\n    \"build\": \"vite build\",\n    \"size\": \"distill check\"\n  },\n  \"b\": 1\n}\n",
        );
        edit(
            "{\n\t\"name\": \"app\",\n\t\"scripts\": {\n\t\t\"build\": \"vite build\"\n\t}\n}",
            "{\n\t\"name\": \"app\",\n\t\"scripts\": {\n\t\t\"build\": \"vite build\",\n\t\t\"size\": \"distill check\"\n\t}\n}",
        );
        edit(
            "{\r\n  \"name\": \"x\"\r\n}\r\n",
            "{\r\n  \"name\": \"x\",\r\n  \"scripts\": {\r\n    \"size\": \"distill check\"\r\n  }\r\n}\r\n",
        );
        edit(
            "{\n  \"scripts\": {},\n  \"z\": \"{\\\"scripts\\\": {}}\"\n}\n",
            "{\n  \"scripts\": {\n    \"size\": \"distill check\"\n  },\n  \"z\": \"{\\\"scripts\\\": {}}\"\n}\n",
        );
        assert_eq!(
            add_script("{\"scripts\": {\"size\": \"size-limit\"}}", "size", "x").unwrap(),
            Edit::Unchanged("size-limit".into())
        );
        assert!(add_script("{not json", "size", "x").is_err());
        assert!(add_script("[1, 2]", "size", "x").is_err());
        assert!(add_script("{\"scripts\": 3}", "size", "x").is_err());
    }

    #[test]
    fn limits_round_up_with_headroom() {
        assert_eq!(limit(97_910, 0.10), Size(110_000));
        assert_eq!(limit(1234, 0.10), Size(1400));
        assert_eq!(limit(5, 0.10), Size(6));
        assert_eq!(limit(0, 0.10), Size(1));
    }
}
