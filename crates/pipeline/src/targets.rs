//! Browser targets for the minify stage, from where a project keeps them: `--css-targets`, else
//! the `browserslist` key of the nearest `package.json` above the build folder, else the
//! `.browserslistrc` beside it, else browserslist's `defaults`.

use distill_graph::{Code, Diagnostic};
use distill_minify::{Targets, queries_from_browserslistrc, queries_from_package_json};
use std::path::Path;

/// How far above the build folder a project root is looked for (`dist/`, `.next/`, or a
/// nested `apps/web/dist/`).
const LEVELS: usize = 4;

/// The targets, and where they came from (for the report).
pub fn browser_targets(dir: &Path, query: Option<&str>) -> Result<Targets, Diagnostic> {
    let (queries, from) = match query {
        Some(q) => (
            q.split(',').map(|s| s.trim().to_owned()).collect(),
            "--css-targets".to_owned(),
        ),
        None => project_queries(dir)?
            .unwrap_or_else(|| (vec!["defaults".to_owned()], "defaults".to_owned())),
    };
    Targets::from_browserslist(&queries).map_err(|e| {
        Diagnostic::error(Code::MinifyBadOption, format!("{from}: {}", e.message()))
            .hint("fix the browserslist query, or pass --css-targets with one that resolves")
    })
}

fn project_queries(dir: &Path) -> Result<Option<(Vec<String>, String)>, Diagnostic> {
    for folder in dir.ancestors().take(LEVELS) {
        let rc = folder.join(".browserslistrc");
        let package = folder.join("package.json");
        if package.is_file() {
            let text = std::fs::read_to_string(&package).map_err(|e| {
                Diagnostic::error(Code::InputUnreadable, format!("cannot read: {e}"))
                    .at(package.display().to_string())
            })?;
            match queries_from_package_json(&text) {
                Ok(Some(q)) => return Ok(Some((q, package.display().to_string()))),
                Ok(None) => {}
                Err(message) => {
                    return Err(Diagnostic::error(Code::MinifyBadOption, message)
                        .at(package.display().to_string())
                        .hint("fix its `browserslist` key, or pass --css-targets"));
                }
            }
        }
        if rc.is_file() {
            let text = std::fs::read_to_string(&rc).unwrap_or_default();
            if let Some(q) = queries_from_browserslistrc(&text) {
                return Ok(Some((q, rc.display().to_string())));
            }
        }
        if package.is_file() {
            // The project root: nothing above it is this app's.
            return Ok(None);
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(path: &Path, text: &str) {
        distill_fs::write_atomic(path, text.as_bytes()).unwrap();
    }

    #[test]
    fn the_nearest_project_decides() {
        let tmp = tempfile::tempdir().unwrap();
        let app = tmp.path().join("app");
        std::fs::create_dir_all(app.join("dist")).unwrap();
        put(&tmp.path().join(".browserslistrc"), "ie 11\n");
        put(&app.join("package.json"), r#"{"name":"a"}"#);
        // The package.json without a key is the root: the .browserslistrc above is not read.
        assert!(project_queries(&app.join("dist")).unwrap().is_none());
        put(&app.join(".browserslistrc"), "chrome 100\n");
        let (q, _) = project_queries(&app.join("dist")).unwrap().unwrap();
        assert_eq!(q, ["chrome 100"]);
        put(
            &app.join("package.json"),
            r#"{"browserslist":["firefox 115"]}"#,
        );
        let (q, _) = project_queries(&app.join("dist")).unwrap().unwrap();
        assert_eq!(q, ["firefox 115"]);
        put(&app.join("package.json"), r#"{"browserslist":5}"#);
        assert!(project_queries(&app.join("dist")).is_err());
        assert!(browser_targets(&app.join("dist"), Some("not a query at all")).is_err());
        assert!(browser_targets(&app.join("dist"), Some("chrome 100, firefox 115")).is_ok());
    }
}
