//! Browser targets from browserslist queries. One set of queries drives all three tools: the
//! engine versions oxc compresses for, the ECMAScript version swc may emit, and the browsers
//! lightningcss prefixes and lowers CSS for. A minifier never emits syntax the targets lack.

use crate::error::MinifyError;
use lightningcss::targets::Browsers;
use oxc_compat::{BrowserslistQuery, ESFeature, Engine, EngineTargets, Version};
use swc_core::ecma::ast::EsVersion;

/// Resolved browser targets. Build them with [`Targets::from_browserslist`]; the default is
/// browserslist's `defaults`, what the project gets without a config.
#[derive(Debug, Clone)]
pub struct Targets {
    queries: Vec<String>,
    pub(crate) css: Option<Browsers>,
    /// For oxc: engines and versions.
    pub(crate) js: EngineTargets,
    /// For swc: the newest edition every target supports in full.
    pub(crate) ecma: EsVersion,
    /// The resolved engines, sorted: part of every cache key, so new browserslist data that
    /// changes the targets also changes the key.
    resolved: String,
}

impl Targets {
    /// Resolves browserslist queries (`["defaults"]`, `["chrome 100", "safari 15"]`, …).
    pub fn from_browserslist<S: AsRef<str>>(queries: &[S]) -> Result<Targets, MinifyError> {
        let queries: Vec<String> = queries
            .iter()
            .map(|q| q.as_ref().trim().to_owned())
            .collect();
        let joined = queries.join(", ");
        let error = |message: String| MinifyError::BadOption {
            option: "browserslist",
            value: joined.clone(),
            message,
        };
        if queries.is_empty() || queries.iter().any(String::is_empty) {
            return Err(error("a query is empty".into()));
        }
        let css = Browsers::from_browserslist(&queries).map_err(|e| error(e.to_string()))?;
        let browsers = BrowserslistQuery::Multiple(queries.clone())
            .exec()
            .map_err(error)?;
        if css.is_none() || browsers.is_any_target() {
            return Err(error("it selects no browser".into()));
        }
        let ecma = ecma_version(&browsers);
        let js = oxc_targets(&browsers);
        let mut engines: Vec<String> = browsers.iter().map(|(e, v)| format!("{e} {v}")).collect();
        engines.sort();
        let resolved = format!("{} (es: {ecma:?})", engines.join(", "));
        Ok(Targets {
            queries,
            css,
            js,
            ecma,
            resolved,
        })
    }

    /// The queries as given.
    pub fn queries(&self) -> &[String] {
        &self.queries
    }

    /// The lowest version of each engine the queries select, and the ECMAScript version that
    /// follows from them, e.g. `chrome 109.0.0, …, safari 16.6.0 (es: Es2022)`.
    pub fn resolved(&self) -> &str {
        &self.resolved
    }

    /// Old browsers only, for when even `defaults` cannot be resolved: ES5 and IE 11.
    fn legacy() -> Targets {
        Targets {
            queries: vec!["ie 11".to_owned()],
            css: Some(Browsers {
                ie: Some(11 << 16),
                ..Browsers::default()
            }),
            js: {
                let mut es5 = EngineTargets::default();
                es5.insert(Engine::Es, Version(5, 0, 0));
                es5
            },
            ecma: EsVersion::Es5,
            resolved: "legacy (es: Es5)".to_owned(),
        }
    }
}

impl Default for Targets {
    fn default() -> Targets {
        // `defaults` resolves from data compiled into the binary; should it ever fail, the
        // safe side is the oldest targets, never "any".
        Targets::from_browserslist(&["defaults"]).unwrap_or_else(|_| Targets::legacy())
    }
}

/// The newest ECMAScript edition all of whose features every target supports, for swc, which
/// takes an edition. Strict: the tables (Babel's) count a browser's known bugs against a
/// feature, and an engine a table does not name supports nothing (but the Android WebView,
/// versioned like Chrome since 37, and IE 9+ for ES5).
fn ecma_version(targets: &EngineTargets) -> EsVersion {
    let mut first_missing = u32::MAX;
    for (feature, table) in oxc_compat::features() {
        let year = edition(*feature);
        if year >= first_missing {
            continue;
        }
        let supported = targets
            .iter()
            .filter(|(engine, _)| **engine != Engine::Es)
            .all(|(engine, version)| engine_supports(table, *engine, *version, year));
        if !supported {
            first_missing = year;
        }
    }
    match first_missing {
        0..=5 => EsVersion::Es3,
        2015 => EsVersion::Es5,
        2016 => EsVersion::Es2015,
        2017 => EsVersion::Es2016,
        2018 => EsVersion::Es2017,
        2019 => EsVersion::Es2018,
        2020 => EsVersion::Es2019,
        2021 => EsVersion::Es2020,
        2022 => EsVersion::Es2021,
        2023 => EsVersion::Es2022,
        2024 => EsVersion::Es2023,
        2025 => EsVersion::Es2024,
        u32::MAX => EsVersion::EsNext,
        // Newer than swc names: stay below it.
        _ => EsVersion::Es2024,
    }
}

/// The edition a feature's name starts with: `ES5…` is 5, `ES2020…` is 2020.
fn edition(feature: ESFeature) -> u32 {
    let name = format!("{feature:?}");
    let digits: String = name
        .strip_prefix("ES")
        .unwrap_or("")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    // An unparsable name counts as the oldest edition, the conservative side.
    digits.parse().unwrap_or(0)
}

fn engine_supports(table: &EngineTargets, engine: Engine, version: Version, year: u32) -> bool {
    if let Some(min) = table.get(&engine) {
        return version >= *min;
    }
    match engine {
        Engine::Android if version.0 >= 37 => table
            .get(&Engine::Chrome)
            .is_some_and(|min| version >= *min),
        Engine::Ie => year <= 5 && version.0 >= 9,
        _ => false,
    }
}

/// What oxc compresses for. oxc checks each feature per engine, more finely than an edition,
/// but treats an engine its tables lack as supporting everything; so the Android WebView
/// (versioned like Chrome since 37) is handed over as Chrome, and targets with IE or the old
/// Android browser, which oxc has no data for, as ES5.
fn oxc_targets(browsers: &EngineTargets) -> EngineTargets {
    let legacy = browsers
        .iter()
        .any(|(e, v)| *e == Engine::Ie || (*e == Engine::Android && v.0 < 37));
    let mut targets = EngineTargets::default();
    if legacy {
        targets.insert(Engine::Es, Version(5, 0, 0));
        return targets;
    }
    for (engine, version) in browsers.iter() {
        let engine = if *engine == Engine::Android {
            Engine::Chrome
        } else {
            *engine
        };
        let entry = targets.entry(engine).or_insert(*version);
        if *version < *entry {
            *entry = *version;
        }
    }
    targets
}

/// The queries of a `.browserslistrc` (or `browserslist` file) for production: one query per
/// line, `#` comments, and `[env]` sections of which the `production` one (or the lines
/// before any section) count. `None` when it selects nothing.
pub fn queries_from_browserslistrc(text: &str) -> Option<Vec<String>> {
    let mut shared = Vec::new();
    let mut production = None::<Vec<String>>;
    let mut section: Option<bool> = None; // Some(is production) inside a section
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(names) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let is_production = names.split_whitespace().any(|n| n == "production");
            section = Some(is_production);
            if is_production {
                production.get_or_insert_with(Vec::new);
            }
            continue;
        }
        let queries = line.split(',').map(str::trim).filter(|q| !q.is_empty());
        match section {
            None => shared.extend(queries.map(str::to_owned)),
            Some(true) => production
                .get_or_insert_with(Vec::new)
                .extend(queries.map(str::to_owned)),
            Some(false) => {}
        }
    }
    let queries = production.unwrap_or(shared);
    (!queries.is_empty()).then_some(queries)
}

/// The queries of `package.json`'s `browserslist` key: a string, a list, or environments of
/// which `production` counts. `Ok(None)` when there is no such key; an error when the file is
/// not JSON or the key has another shape.
pub fn queries_from_package_json(text: &str) -> Result<Option<Vec<String>>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("package.json is not JSON: {e}"))?;
    let Some(key) = value.get("browserslist") else {
        return Ok(None);
    };
    let list = |v: &serde_json::Value| -> Result<Vec<String>, String> {
        match v {
            serde_json::Value::String(s) => Ok(s
                .split(',')
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(str::to_owned)
                .collect()),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(|s| s.trim().to_owned())
                        .ok_or_else(|| "`browserslist` lists a non-string".to_owned())
                })
                .collect(),
            _ => Err("`browserslist` is neither a string nor a list".to_owned()),
        }
    };
    let queries = match key {
        serde_json::Value::Object(envs) => match envs.get("production") {
            Some(v) => list(v)?,
            None => return Ok(None),
        },
        other => list(other)?,
    };
    Ok((!queries.is_empty()).then_some(queries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_resolve_to_modern_browsers() {
        let t = Targets::default();
        assert_eq!(t.queries(), ["defaults"]);
        assert!(t.resolved().contains("chrome"), "{}", t.resolved());
        assert!(t.ecma >= EsVersion::Es2020, "{:?}", t.ecma);
        assert!(t.css.is_some_and(|b| b.chrome.is_some() && b.ie.is_none()));
    }

    #[test]
    fn old_browsers_lower_the_ecmascript_version() {
        let ie = Targets::from_browserslist(&["ie 11"]).unwrap();
        assert_eq!(ie.ecma, EsVersion::Es5);
        assert!(ie.js.contains_key(&Engine::Es));
        // Chrome 70 has arrow functions (ES2015) but not optional chaining (ES2020).
        let chrome70 = Targets::from_browserslist(&["chrome 70"]).unwrap();
        assert!(chrome70.ecma < EsVersion::Es2020, "{:?}", chrome70.ecma);
        assert!(!chrome70.js.has_feature(ESFeature::ES2015ArrowFunctions));
        assert!(chrome70.js.has_feature(ESFeature::ES2020OptionalChaining));
        let new = Targets::from_browserslist(&["chrome 130"]).unwrap();
        assert!(new.ecma >= EsVersion::Es2022, "{:?}", new.ecma);
        // The Android WebView is judged as Chrome of the same version.
        let android = Targets::from_browserslist(&["last 1 android version"]).unwrap();
        assert!(android.ecma >= EsVersion::Es2022, "{:?}", android.ecma);
        assert!(
            android.js.contains_key(&Engine::Chrome) && !android.js.contains_key(&Engine::Android)
        );
    }

    #[test]
    fn bad_queries_are_typed_errors() {
        for q in ["nonsense browser 9000", "", "chrome 99999"] {
            let e = Targets::from_browserslist(&[q]).unwrap_err();
            assert_eq!(e.code(), distill_graph::Code::MinifyBadOption, "{q}: {e}");
        }
    }

    #[test]
    fn browserslistrc_sections_and_comments() {
        assert_eq!(
            queries_from_browserslistrc("# ours\n> 1%, last 2 versions\nnot dead\n"),
            Some(vec![
                "> 1%".into(),
                "last 2 versions".into(),
                "not dead".into()
            ])
        );
        assert_eq!(
            queries_from_browserslistrc(
                "[development]\nlast 1 chrome version\n[production staging]\nchrome 100\n"
            ),
            Some(vec!["chrome 100".into()])
        );
        assert_eq!(queries_from_browserslistrc("# nothing\n"), None);
    }

    #[test]
    fn package_json_key_shapes() {
        assert_eq!(queries_from_package_json(r#"{"name":"x"}"#), Ok(None));
        assert_eq!(
            queries_from_package_json(r#"{"browserslist":"chrome 100, safari 15"}"#),
            Ok(Some(vec!["chrome 100".into(), "safari 15".into()]))
        );
        assert_eq!(
            queries_from_package_json(
                r#"{"browserslist":{"production":["firefox 115"],"development":["last 1 chrome version"]}}"#
            ),
            Ok(Some(vec!["firefox 115".into()]))
        );
        assert!(queries_from_package_json(r#"{"browserslist":3}"#).is_err());
        assert!(queries_from_package_json("{").is_err());
    }
}
