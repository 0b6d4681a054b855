//! Finding and reading the budgets a check evaluates.

use distill_budgets::{BudgetsFile, ConfigError, EvalError, Side, import};
use distill_graph::{Code, Diagnostic};
use std::path::{Path, PathBuf};

/// The largest budgets file read: hand-written ones are a few kB, package.json a few hundred.
pub const MAX_BUDGETS_BYTES: u64 = 64 << 20;

/// Reads a file the user named (budgets, a baseline) as UTF-8 text with
/// `distill_fs::read_regular`: a FIFO is opened without waiting for a writer and refused, a
/// device or folder is refused, and so is a file over `limit` bytes (or one that grows past it
/// while read). The error is a sentence naming the problem.
pub(crate) fn read_input(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = distill_fs::read_regular(path, limit).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

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
    let (path, name) = match named {
        Some(p) => (cwd.join(p), p.display().to_string()),
        None => {
            let found = find(dir, cwd).ok_or_else(|| {
                Diagnostic::error(Code::BudgetConfig, "no budgets: no budgets.json beside the build folder or here, and no \"distill\" key in package.json")
                    .hint("pass `--budgets FILE`, or start from budgets.example.json (size-limit, bundlesize, bundlewatch, angular.json and Lighthouse files work too)")
            })?;
            // Shown relative to where the user is; read where it is.
            let shown = found
                .strip_prefix(cwd)
                .unwrap_or(&found)
                .display()
                .to_string();
            (found, shown)
        }
    };
    let text = read_input(&path, MAX_BUDGETS_BYTES).map_err(|e| {
        Diagnostic::error(Code::BudgetConfig, format!("cannot read the budgets: {e}"))
            .at(name.clone())
            .hint("pass a budgets.json (or another tool's budget file) with `--budgets FILE`")
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
        // A budgets.json that exists is the one meant, even when it cannot be read: reading
        // it then says why, rather than looking elsewhere.
        let chosen = if is_pkg {
            has_distill_key(&c)
        } else {
            c.exists()
        };
        if chosen {
            return Some(c);
        }
    }
    None
}

/// Whether a `package.json` has a top-level `"distill"` key (a dependency named distill is not
/// budgets).
fn has_distill_key(path: &Path) -> bool {
    read_input(path, MAX_BUDGETS_BYTES)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v.get("distill").is_some())
}

/// A budgets-file error, or a reason budgets cannot be decided, as a diagnostic with its code.
pub trait BudgetProblem {
    /// `file` is the budgets file as named.
    fn diagnostic(&self, file: &str) -> Diagnostic;
}

impl BudgetProblem for ConfigError {
    /// The file, line and column when known; JSON path and budget name in the message.
    fn diagnostic(&self, file: &str) -> Diagnostic {
        let mut d = Diagnostic::error(Code::BudgetConfig, self.to_string())
            .at(file)
            .hint(
                "see budgets.schema.json for every field; sizes need a unit: B, kB, KiB, MB, MiB",
            );
        if let (Some(l), Some(c)) = (self.line, self.column) {
            d = d.at_position(l, c);
        }
        d
    }
}

impl BudgetProblem for EvalError {
    fn diagnostic(&self, file: &str) -> Diagnostic {
        match self {
            EvalError::Config(e) => e.diagnostic(file),
            EvalError::Unmeasured {
                budget,
                file: path,
                side,
                encoding,
                reason,
            } => {
                let (whose, hint) = match side {
                    Side::Build => (
                        "",
                        "make the file readable (or remove it from the build), or narrow the budget's `select`; a budget never passes on a sum that misses a file",
                    ),
                    Side::Baseline => (
                        " (in the baseline)",
                        "write the baseline again from a build whose files could all be read; a growth budget never compares with a sum that misses a file",
                    ),
                };
                Diagnostic::error(
                    Code::BudgetUnmeasured,
                    format!(
                        "budget `{budget}` selects this file{whose}, which has no {} size ({reason}); the budget is not decided without it",
                        encoding.label()
                    ),
                )
                .at(path.clone())
                .hint(hint)
            }
            EvalError::BaselineEncoding {
                measured, encoding, ..
            } => {
                let list: Vec<&str> = measured.iter().map(|c| c.label()).collect();
                let with: Vec<&str> = measured
                    .iter()
                    .chain(std::iter::once(encoding))
                    .map(|c| c.encoding().as_str())
                    .collect();
                Diagnostic::error(Code::BudgetBaseline, format!("{self} (it was measured in {})", list.join(", ")))
                    .at(file)
                    .hint(format!(
                        "write the baseline again with that encoding: `distill analyze DIR --encodings {} --json FILE` on the earlier build (the default measures every encoding)",
                        dedup(with).join(",")
                    ))
            }
            EvalError::Overflow { side, .. } => {
                let code = match side {
                    Side::Build => Code::BudgetUnmeasured,
                    Side::Baseline => Code::BudgetBaseline,
                };
                Diagnostic::error(code, self.to_string())
                    .at(file)
                    .hint("a report of a real build never holds such sizes; write the report again with `distill analyze`")
            }
        }
    }
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::new();
    v.retain(|x| {
        let new = !seen.contains(x);
        seen.push(*x);
        new
    });
    v
}

/// A budgets-file error (or an evaluation error) as a diagnostic: file, line and column when
/// known, JSON path and budget name in the message.
pub fn config_diagnostic(file: &str, e: &impl BudgetProblem) -> Diagnostic {
    e.diagnostic(file)
}

/// Another tool's budget file as `budgets.json`, for `distill budgets convert`.
pub fn convert(file: &Path, build_dir: &str) -> Result<(BudgetsFile, Vec<Diagnostic>), Diagnostic> {
    let name = file.display().to_string();
    let text = read_input(file, MAX_BUDGETS_BYTES).map_err(|e| {
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
    use std::sync::mpsc;
    use std::time::Duration;

    /// `read_input` in a thread: a read that blocks fails the test instead of hanging it.
    fn read_within(path: &Path, limit: u64) -> Result<String, String> {
        let (tx, rx) = mpsc::channel();
        let path = path.to_path_buf();
        std::thread::spawn(move || {
            let _ = tx.send(read_input(&path, limit));
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("reading blocked for 10 s")
    }

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let tmp = tempfile::tempdir().unwrap();
        let ok = tmp.path().join("budgets.json");
        write(&ok, b"{}");
        assert_eq!(read_within(&ok, 2).as_deref(), Ok("{}"));
        let e = read_within(&ok, 1).unwrap_err();
        assert!(e.contains("is 2 bytes, over the 1-byte limit"), "{e}");
        let e = read_within(tmp.path(), 100).unwrap_err();
        assert!(e.contains("a folder, not a regular file"), "{e}");
        let bad = tmp.path().join("latin1.json");
        write(&bad, b"{\"name\": \"caf\xe9\"}");
        assert!(read_within(&bad, 100).unwrap_err().contains("not UTF-8"));
        let e = read_within(&tmp.path().join("missing.json"), 100).unwrap_err();
        assert!(e.contains("No such file"), "{e}");
        #[cfg(unix)]
        {
            let e = read_within(Path::new("/dev/zero"), MAX_BUDGETS_BYTES).unwrap_err();
            assert!(e.contains("a device"), "{e}");
            let fifo = tmp.path().join("fifo.json");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let e = read_within(&fifo, MAX_BUDGETS_BYTES).unwrap_err();
                assert!(e.contains("a FIFO (named pipe)"), "{e}");
            } else {
                eprintln!("skipped the FIFO case: no mkfifo");
            }
        }
    }

    #[test]
    fn a_budgets_json_that_is_not_a_file_is_refused_not_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let dist = tmp.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::create_dir(tmp.path().join("budgets.json")).unwrap();
        let e = discover(None, &dist, tmp.path()).unwrap_err();
        assert_eq!(e.code, Code::BudgetConfig);
        assert!(e.message.contains("a folder, not a regular file"), "{e}");
    }

    fn write(path: &Path, contents: impl AsRef<[u8]>) {
        distill_fs::write_atomic(path, contents.as_ref()).unwrap();
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
