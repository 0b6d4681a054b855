//! Finding and reading the budgets a check evaluates.

use distill_budgets::{BudgetsFile, ConfigError, import};
use distill_graph::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// A budgets file read, with how it was read.
#[derive(Debug)]
pub struct Found {
    /// The path as found or named, for messages and the report.
    pub name: String,
    pub budgets: BudgetsFile,
    /// `read as size-limit` and what an imported file could not express.
    pub notices: Vec<Diagnostic>,
}

/// The budgets file named, or found: `budgets.json` beside the build folder (its project root)
/// or in `cwd`, then the `"distill"` key of `package.json` in the same places.
pub fn discover(named: Option<&Path>, dir: &Path, cwd: &Path) -> Result<Found, Diagnostic> {
    let path = match named {
        Some(p) => p.to_path_buf(),
        None => find(dir, cwd).ok_or_else(|| {
            Diagnostic::error(Code::BudgetConfig, "no budgets: no budgets.json beside the build folder or here, and no \"distill\" key in package.json")
                .hint("pass `--budgets FILE`, or start from budgets.example.json (size-limit, bundlesize, bundlewatch, angular.json and Lighthouse files work too)")
        })?,
    };
    // Shown relative to where the user is, as they would type it.
    let name = path
        .strip_prefix(cwd)
        .unwrap_or(&path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Diagnostic::error(Code::BudgetConfig, format!("cannot read the budgets: {e}"))
            .at(name.clone())
    })?;
    // Globs written from the file's folder (`dist/assets/*.js`) lose the build folder prefix.
    let prefix = path
        .parent()
        .map(|p| if p.as_os_str().is_empty() { cwd } else { p })
        .and_then(|p| p.canonicalize().ok())
        .zip(dir.canonicalize().ok())
        .and_then(|(base, d)| {
            d.strip_prefix(&base)
                .ok()
                .map(|r| format!("{}/", r.display()))
        })
        .unwrap_or_default();
    let imported = import::read(&name, &text, &prefix).map_err(|e| config_diagnostic(&name, &e))?;
    let mut notices = Vec::new();
    if imported.format != import::Format::Distill {
        notices.push(
            Diagnostic::info(
                Code::BudgetConfig,
                format!("read as {}", imported.format.label()),
            )
            .at(name.clone())
            .hint(format!(
                "`distill budgets convert {name}` prints the equivalent budgets.json"
            )),
        );
    }
    notices.extend(
        imported
            .notices
            .into_iter()
            .map(|n| Diagnostic::info(Code::BudgetConfig, n).at(name.clone())),
    );
    Ok(Found {
        name,
        budgets: imported.budgets,
        notices,
    })
}

fn find(dir: &Path, cwd: &Path) -> Option<PathBuf> {
    let project = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf));
    let mut roots: Vec<PathBuf> = project.into_iter().collect();
    roots.push(cwd.to_path_buf());
    let candidates = roots
        .iter()
        .map(|r| r.join("budgets.json"))
        .chain(roots.iter().map(|r| r.join("package.json")));
    for c in candidates {
        let is_pkg = c.file_name().is_some_and(|n| n == "package.json");
        if c.is_file() && (!is_pkg || has_distill_key(&c)) {
            return Some(c);
        }
    }
    None
}

/// Whether a `package.json` has a top-level `"distill"` key (a dependency named distill is not
/// budgets).
fn has_distill_key(path: &Path) -> bool {
    distill_fs::read_regular(path, 64 << 20)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("distill").is_some())
}

/// A budgets-file error as a diagnostic: file, line and column when known, JSON path and
/// budget name in the message.
pub fn config_diagnostic(file: &str, e: &ConfigError) -> Diagnostic {
    let mut d = Diagnostic::error(Code::BudgetConfig, e.to_string())
        .at(file)
        .hint("see budgets.schema.json for every field; sizes need a unit: B, kB, KiB, MB, MiB");
    if let (Some(l), Some(c)) = (e.line, e.column) {
        d = d.at_position(l, c);
    }
    d
}

/// Another tool's budget file as `budgets.json`, for `distill budgets convert`.
pub fn convert(file: &Path, build_dir: &str) -> Result<(BudgetsFile, Vec<Diagnostic>), Diagnostic> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| {
        Diagnostic::error(Code::BudgetConfig, format!("cannot read: {e}")).at(name.clone())
    })?;
    let prefix = format!("{}/", build_dir.trim_end_matches('/'));
    let imported = import::read(&name, &text, &prefix).map_err(|e| config_diagnostic(&name, &e))?;
    let notices = std::iter::once(format!("read as {}", imported.format.label()))
        .chain(imported.notices)
        .map(|n| Diagnostic::info(Code::BudgetConfig, n).at(name.clone()))
        .collect();
    let mut budgets = imported.budgets;
    budgets
        .schema
        .get_or_insert_with(|| "./budgets.schema.json".into());
    Ok((budgets, notices))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        distill_fs::write_atomic(path, text.as_bytes()).unwrap();
    }

    #[test]
    fn package_json_counts_only_with_a_distill_key() {
        let project = tempfile::tempdir().unwrap();
        let dist = project.path().join("dist");
        std::fs::create_dir(&dist).unwrap();
        let pkg = project.path().join("package.json");
        write(&pkg, r#"{"devDependencies": {"distill": "0.1.0"}}"#);
        let err = discover(None, &dist, project.path()).unwrap_err();
        assert!(err.message.starts_with("no budgets"), "{err}");
        write(
            &pkg,
            r#"{"devDependencies": {"distill": "0.1.0"}, "distill": {"budgets": [{"name": "js", "max": "1 kB"}]}}"#,
        );
        let found = discover(None, &dist, project.path()).unwrap();
        assert_eq!(found.budgets.budgets[0].name, "js");
    }
}
