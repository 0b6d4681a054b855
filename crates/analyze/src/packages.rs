//! From a source path as a bundler wrote it into a map to a stable module path and the npm
//! package (or app folder) it belongs to.
//!
//! Bundlers write sources in their own dialects: `webpack://_N_E/./components/X.jsx`,
//! `turbopack:///[project]/node_modules/react/index.js`, `../../node_modules/chart.js/dist/chart.js`
//! (relative to the map). All become project-relative paths: `components/X.jsx`,
//! `node_modules/react/index.js`, `node_modules/chart.js/dist/chart.js`.

#![allow(
    clippy::indexing_slicing,
    reason = "path-part indices come from a search of the same part list"
)]

/// Where one original source comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The normalized path.
    pub source: String,
    /// `react-dom`, `@mui/material`, `(app) src`, `(bundler) webpack`, `(outside project)`.
    pub package: String,
    /// The version when the path carries one (pnpm, Yarn PnP).
    pub version: Option<String>,
    /// The folder the package is installed in (`node_modules/a/node_modules/b`), which tells
    /// two copies of one package apart; `None` for app code and bundler code.
    pub install: Option<String>,
}

/// Normalizes a source (already joined with the map's `sourceRoot`) and finds its package.
pub fn classify(raw: &str) -> Origin {
    let mut namespaced = false;
    let mut rest = raw;
    if let Some(r) = rest.strip_prefix("webpack://") {
        // `webpack://<namespace>/<path>`; the namespace may be empty (`webpack:///./src/a.js`).
        rest = r.split_once('/').map_or("", |(_, p)| p);
        namespaced = true;
    } else if let Some(r) = rest.strip_prefix("turbopack://") {
        let r = r.trim_start_matches('/');
        rest = r.strip_prefix("[project]/").unwrap_or(r);
        namespaced = true;
    } else if let Some(r) = rest.strip_prefix("file://") {
        rest = r;
    }
    let (path, climbed) = clean(rest);

    if let Some((package, version, install)) = npm_package(&path) {
        return Origin {
            source: path,
            package,
            version,
            install: Some(install),
        };
    }
    let bundler = |name: &str| Origin {
        source: path.clone(),
        package: format!("(bundler) {name}"),
        version: None,
        install: None,
    };
    if path.starts_with("[turbopack]/") {
        return bundler("turbopack");
    }
    if let Some(p) = path.strip_prefix("[next]/") {
        return Origin {
            source: format!("[next]/{p}"),
            package: "next".into(),
            version: None,
            install: None,
        };
    }
    if raw.starts_with("webpack://")
        && (path.starts_with("webpack/")
            || path.starts_with('?')
            || path.starts_with("ignored|")
            || path.starts_with('<')
            || path.is_empty())
    {
        return bundler("webpack");
    }
    let package = if namespaced && climbed {
        // Above the project root in a bundler's namespace: a dependency's own map passed
        // through with paths relative to that dependency (Next's `../../src/client/…`).
        "(outside project)".to_owned()
    } else {
        match path.split_once('/') {
            Some((dir, _)) => format!("(app) {dir}"),
            None => "(app)".to_owned(),
        }
    };
    Origin {
        source: path,
        package,
        version: None,
        install: None,
    }
}

/// Resolves `.` and `..` segments and drops the `..`s that climb above the start; says whether
/// any did.
fn clean(path: &str) -> (String, bool) {
    let mut parts: Vec<&str> = Vec::new();
    let mut climbed = false;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    climbed = true;
                }
            }
            p => parts.push(p),
        }
    }
    (parts.join("/"), climbed)
}

/// `(name, version, install folder)` from the last `node_modules/` of a path.
fn npm_package(path: &str) -> Option<(String, Option<String>, String)> {
    let parts: Vec<&str> = path.split('/').collect();
    let at = parts.iter().rposition(|p| *p == "node_modules")?;
    let first = *parts.get(at + 1)?;
    let (name, len) = if first.starts_with('@') {
        (format!("{first}/{}", parts.get(at + 2)?), 2)
    } else {
        (first.to_owned(), 1)
    };
    if name.starts_with('.') || at + 1 + len >= parts.len() {
        // `.pnpm`, `.bin`, or a package folder with no file below it.
        return None;
    }
    let install = parts[..at + 1 + len].join("/");
    let version = at
        .checked_sub(1)
        .and_then(|i| version_from_store_folder(parts[i]));
    Some((name, version, install))
}

/// pnpm: `.pnpm/<name>@<version>[_<peers>]/node_modules/<name>`, scoped names as `@s+n@1.0.0`;
/// Yarn: `<name>-npm-<version>-<hash>.zip/node_modules/<name>`.
fn version_from_store_folder(folder: &str) -> Option<String> {
    if let Some(zip) = folder.strip_suffix(".zip") {
        let (_, after) = zip.split_once("-npm-")?;
        return after.split('-').next().map(str::to_owned);
    }
    let spec = folder.split('_').next()?;
    let (name, version) = spec.rsplit_once('@')?;
    (!name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| version.split('(').next().unwrap_or(version).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn test(raw: &str, source: &str, package: &str, version: Option<&str>, install: Option<&str>) {
        let o = classify(raw);
        assert_eq!(o.source, source, "{raw}");
        assert_eq!(o.package, package, "{raw}");
        assert_eq!(o.version.as_deref(), version, "{raw}");
        assert_eq!(o.install.as_deref(), install, "{raw}");
    }

    #[test]
    fn bundler_dialects() {
        test(
            "../../node_modules/chart.js/dist/chart.js",
            "node_modules/chart.js/dist/chart.js",
            "chart.js",
            None,
            Some("node_modules/chart.js"),
        );
        test(
            "../../src/routes/About.jsx",
            "src/routes/About.jsx",
            "(app) src",
            None,
            None,
        );
        test(
            "../../../vite-react/src/main.jsx",
            "vite-react/src/main.jsx",
            "(app) vite-react",
            None,
            None,
        );
        test(
            "webpack://_N_E/./components/DashboardCharts.jsx",
            "components/DashboardCharts.jsx",
            "(app) components",
            None,
            None,
        );
        test(
            "webpack://_N_E/./node_modules/next/dist/client/index.js",
            "node_modules/next/dist/client/index.js",
            "next",
            None,
            Some("node_modules/next"),
        );
        test(
            "webpack://_N_E/../../src/client/add-base-path.ts",
            "src/client/add-base-path.ts",
            "(outside project)",
            None,
            None,
        );
        test(
            "webpack://_N_E/webpack/bootstrap",
            "webpack/bootstrap",
            "(bundler) webpack",
            None,
            None,
        );
        test(
            "webpack://_N_E/?8e68",
            "?8e68",
            "(bundler) webpack",
            None,
            None,
        );
        test("webpack:///./src/a.js", "src/a.js", "(app) src", None, None);
        test(
            "turbopack:///[project]/node_modules/@kurkle/color/dist/color.esm.js",
            "node_modules/@kurkle/color/dist/color.esm.js",
            "@kurkle/color",
            None,
            Some("node_modules/@kurkle/color"),
        );
        test(
            "turbopack:///[turbopack]/browser/runtime/base/runtime-base.ts",
            "[turbopack]/browser/runtime/base/runtime-base.ts",
            "(bundler) turbopack",
            None,
            None,
        );
        test(
            "turbopack:///[next]/entry/page-loader.ts",
            "[next]/entry/page-loader.ts",
            "next",
            None,
            None,
        );
        test(
            "turbopack:///[project]/app/page.tsx",
            "app/page.tsx",
            "(app) app",
            None,
            None,
        );
        test("main.js", "main.js", "(app)", None, None);
    }

    #[test]
    fn nested_and_store_layouts() {
        test(
            "../node_modules/a/node_modules/@s/b/index.js",
            "node_modules/a/node_modules/@s/b/index.js",
            "@s/b",
            None,
            Some("node_modules/a/node_modules/@s/b"),
        );
        test(
            "../../node_modules/.pnpm/react-dom@19.0.0_react@19.0.0/node_modules/react-dom/cjs/x.js",
            "node_modules/.pnpm/react-dom@19.0.0_react@19.0.0/node_modules/react-dom/cjs/x.js",
            "react-dom",
            Some("19.0.0"),
            Some("node_modules/.pnpm/react-dom@19.0.0_react@19.0.0/node_modules/react-dom"),
        );
        test(
            "node_modules/.pnpm/@mui+material@9.1.0_@types+react@19/node_modules/@mui/material/Button.js",
            "node_modules/.pnpm/@mui+material@9.1.0_@types+react@19/node_modules/@mui/material/Button.js",
            "@mui/material",
            Some("9.1.0"),
            Some(
                "node_modules/.pnpm/@mui+material@9.1.0_@types+react@19/node_modules/@mui/material",
            ),
        );
        test(
            ".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash/lodash.js",
            ".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash/lodash.js",
            "lodash",
            Some("4.17.21"),
            Some(".yarn/cache/lodash-npm-4.17.21-6382451519-eb835a2e51.zip/node_modules/lodash"),
        );
        // A `node_modules` folder with nothing below the package is not a module of it.
        test(
            "node_modules/.pnpm/x.js",
            "node_modules/.pnpm/x.js",
            "(app) node_modules",
            None,
            None,
        );
    }
}
