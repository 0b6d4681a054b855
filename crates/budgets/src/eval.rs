//! Evaluation: a pure function of the report, the budgets and an optional baseline report.
//!
//! A verdict is only computed from numbers that are all there: a selected file without a size
//! in the budget's encoding (it could not be read, or not compressed), a baseline measured
//! without that encoding, or sizes that add up past `u64::MAX` make the budget an error
//! ([`EvalError`], exit 2), never a verdict computed without them. Budgets fail closed.

use crate::ConfigError;
use crate::schema::{Budget, BudgetsFile, Compression, Select};
use crate::select::{Globs, might_select, select};
use distill_graph::{Code, Severity};
use distill_schema::format_bytes as human;
use distill_schema::{FileReport, Metric, Report, Verdict, VerdictStatus};
use std::collections::{BTreeMap, BTreeSet};

/// Which report a number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The build being checked.
    Build,
    /// The `--baseline` report.
    Baseline,
}

impl Side {
    fn label(self) -> &'static str {
        match self {
            Side::Build => "build",
            Side::Baseline => "baseline",
        }
    }
}

/// Why the budgets cannot be decided on this build: each is exit 2, never a verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The budgets file does not fit this build: a glob that matches nothing, growth without a
    /// baseline.
    #[error("{0}")]
    Config(ConfigError),
    /// A file the budget selects has no size in the budget's encoding: it could not be read,
    /// its name is not UTF-8, or it could not be compressed.
    #[error("budget `{budget}`: {file}: {reason}; the budget cannot be decided without its {} size", .encoding.label())]
    Unmeasured {
        budget: String,
        /// The file, relative to the build folder (or the baseline's build folder).
        file: String,
        side: Side,
        encoding: Compression,
        /// What the report says happened to it.
        reason: String,
    },
    /// The baseline has no size in the encoding a growth budget compares.
    #[error("budget `{budget}`: the baseline has no {} sizes{}; comparing another encoding would give a wrong number", .encoding.label(), .file.as_ref().map(|f| format!(" for {f}")).unwrap_or_default())]
    BaselineEncoding {
        budget: String,
        encoding: Compression,
        /// The baseline file that lacks it, when the baseline has the encoding elsewhere.
        file: Option<String>,
        /// The encodings the baseline was measured in (raw always).
        measured: Vec<Compression>,
    },
    /// The sizes a budget adds up do not fit in 64 bits: not the sizes of a real build.
    #[error("budget `{budget}`: the {} sizes it selects add up past {} bytes; the report holds numbers no build has", .side.label(), u64::MAX)]
    Overflow { budget: String, side: Side },
}

/// The verdicts of every budget, or every reason some budget cannot be decided.
pub fn evaluate(
    file: &BudgetsFile,
    report: &Report,
    baseline: Option<&Report>,
) -> Result<Vec<Verdict>, Vec<EvalError>> {
    let mut errors = Vec::new();
    let mut compiled = Vec::new();
    for (i, b) in file.budgets.iter().enumerate() {
        let at = |path: String, message: String| {
            EvalError::Config(ConfigError {
                path,
                budget: Some(b.name.clone()),
                line: None,
                column: None,
                message,
            })
        };
        match Globs::compile(&b.select.files, &format!("budgets[{i}].select.files")) {
            Ok(globs) => {
                for (j, pattern) in globs.unmatched(report.files.iter().map(|f| f.path.as_str())) {
                    errors.push(at(
                        format!("budgets[{i}].select.files[{j}]"),
                        format!("glob `{pattern}` matches no file of the build; paths are relative to the build folder, e.g. `assets/*.js`"),
                    ));
                }
                compiled.push(globs);
            }
            Err(mut e) => {
                e.budget = Some(b.name.clone());
                errors.push(EvalError::Config(e));
                compiled.push(Globs::none());
            }
        }
        if b.growth.is_some() && baseline.is_none() {
            errors.push(at(
                format!("budgets[{i}].growth"),
                "needs a baseline; pass `--baseline report.json` (a JSON report of an earlier build)".into(),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let matches: BTreeMap<&str, &str> = baseline
        .map(|base| {
            distill_schema::matched_paths(report, base)
                .into_iter()
                .map(|(c, b, _)| (c, b))
                .collect()
        })
        .unwrap_or_default();
    let baseline_files: BTreeMap<&str, &FileReport> = baseline
        .map(|base| base.files.iter().map(|f| (f.path.as_str(), f)).collect())
        .unwrap_or_default();
    let unread_build = unread(report);
    let unread_baseline = baseline.map(unread).unwrap_or_default();
    let mut verdicts = Vec::new();
    for (b, globs) in file.budgets.iter().zip(&compiled) {
        let ctx = Ctx {
            budget: b,
            compression: file.compression_of(b),
            report,
            baseline,
            matches: &matches,
            baseline_files: &baseline_files,
            unread_build: &unread_build,
            unread_baseline: &unread_baseline,
        };
        let files = select(report, &b.select, globs);
        if let Err(e) = ctx.judge(&files, globs, &mut verdicts) {
            errors.extend(e);
        }
    }
    if errors.is_empty() {
        Ok(verdicts)
    } else {
        Err(errors)
    }
}

/// Files of `report` that are not in it because they could not be read or named: the
/// diagnostic's path and what it says.
fn unread(report: &Report) -> Vec<(&str, &str)> {
    let listed: BTreeSet<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    let mut out: Vec<(&str, &str)> = report
        .diagnostics
        .iter()
        .filter(|d| {
            d.severity >= Severity::Warning
                && matches!(d.code, Code::InputUnreadable | Code::InputNonUtf8Name)
        })
        .filter_map(|d| Some((d.path.as_deref()?, d.message.as_str())))
        .filter(|(path, _)| !listed.contains(path))
        .collect();
    out.sort_unstable();
    out.dedup_by_key(|(path, _)| *path);
    out
}

struct Ctx<'a> {
    budget: &'a Budget,
    compression: Compression,
    report: &'a Report,
    baseline: Option<&'a Report>,
    matches: &'a BTreeMap<&'a str, &'a str>,
    baseline_files: &'a BTreeMap<&'a str, &'a FileReport>,
    unread_build: &'a [(&'a str, &'a str)],
    unread_baseline: &'a [(&'a str, &'a str)],
}

/// A file's size in `compression`, or `None` when the report does not have it. `served` is what
/// a browser is sent (a precompressed copy, the file as it is, or its computed brotli size);
/// without any of those it is unknown, never the raw size standing in for it.
fn size_in(f: &FileReport, compression: Compression) -> Option<u64> {
    if compression == Compression::Served {
        let known = f.sent_as_is || !f.siblings.is_empty() || f.sizes.brotli.is_some();
        return known.then(|| f.served().0);
    }
    f.sizes.get(compression.encoding())
}

impl Ctx<'_> {
    fn verdict(&self, name: String, metric: Metric, actual: u64, files: Vec<String>) -> Verdict {
        Verdict {
            name,
            budget: self.budget.name.clone(),
            file: None,
            status: VerdictStatus::Pass,
            metric,
            compression: self.compression,
            actual,
            max: None,
            warn: None,
            min: None,
            baseline: None,
            files,
            message: String::new(),
        }
    }

    /// Every file of `files` has its size in the budget's encoding, and no file that could
    /// not be read is one the selection might hold: otherwise the reasons.
    fn measured(
        &self,
        report: &Report,
        side: Side,
        select: &Select,
        globs: &Globs,
        files: &[&FileReport],
    ) -> Vec<EvalError> {
        let unmeasured = |file: &str, reason: String| EvalError::Unmeasured {
            budget: self.budget.name.clone(),
            file: file.to_owned(),
            side,
            encoding: self.compression,
            reason,
        };
        let mut errors = Vec::new();
        for f in files
            .iter()
            .filter(|f| size_in(f, self.compression).is_none())
        {
            let why = report
                .diagnostics
                .iter()
                .find(|d| {
                    d.path.as_deref() == Some(f.path.as_str())
                        && d.code == Code::AnalyzeCompressFailed
                })
                .map_or_else(
                    || format!("no {} size in the report", self.compression.label()),
                    |d| d.message.clone(),
                );
            if side == Side::Baseline && !self.encoding_measured(report) {
                // One error for the whole baseline, with how to get the encoding.
                return vec![EvalError::BaselineEncoding {
                    budget: self.budget.name.clone(),
                    encoding: self.compression,
                    file: None,
                    measured: measured_in(report),
                }];
            }
            errors.push(if side == Side::Baseline {
                EvalError::BaselineEncoding {
                    budget: self.budget.name.clone(),
                    encoding: self.compression,
                    file: Some(f.path.clone()),
                    measured: measured_in(report),
                }
            } else {
                unmeasured(&f.path, why)
            });
        }
        let unread = match side {
            Side::Build => self.unread_build,
            Side::Baseline => self.unread_baseline,
        };
        for &(path, why) in unread {
            if might_select(select, globs, path) {
                errors.push(unmeasured(path, format!("not in the report: {why}")));
            }
        }
        errors
    }

    fn encoding_measured(&self, report: &Report) -> bool {
        self.compression == Compression::None
            || report
                .encoders
                .iter()
                .any(|e| e.encoding == self.compression.encoding())
    }

    /// The sum of `files` in the budget's encoding; every file has it (checked by `measured`).
    fn total(&self, files: &[&FileReport], side: Side) -> Result<u64, EvalError> {
        files
            .iter()
            .try_fold(0u64, |sum, f| {
                sum.checked_add(size_in(f, self.compression)?)
            })
            .ok_or_else(|| EvalError::Overflow {
                budget: self.budget.name.clone(),
                side,
            })
    }

    fn size(&self, f: &FileReport) -> u64 {
        // `measured` ran first: a missing size is an error before this is reached.
        size_in(f, self.compression).unwrap_or_default()
    }

    fn judge(
        &self,
        files: &[&FileReport],
        globs: &Globs,
        out: &mut Vec<Verdict>,
    ) -> Result<(), Vec<EvalError>> {
        let b = self.budget;
        let errors = self.measured(self.report, Side::Build, &b.select, globs, files);
        if !errors.is_empty() {
            return Err(errors);
        }
        let paths: Vec<String> = files.iter().map(|f| f.path.clone()).collect();
        if files.is_empty() {
            let mut v = self.verdict(b.name.clone(), Metric::Size, 0, Vec::new());
            v.status = if b.min.is_some() {
                VerdictStatus::Fail
            } else {
                VerdictStatus::Empty
            };
            v.min = b.min.map(|s| s.0);
            v.message = format!("selects no file{}", self.why_empty());
            out.push(v);
            return Ok(());
        }
        let total = self.total(files, Side::Build).map_err(|e| vec![e])?;
        let has_size = b.max.is_some() || b.warn.is_some() || b.min.is_some();
        if has_size {
            if b.each {
                for f in files {
                    let mut v = self.size_verdict(
                        format!("{} › {}", b.name, f.path),
                        self.size(f),
                        vec![f.path.clone()],
                    );
                    v.file = Some(f.path.clone());
                    out.push(v);
                }
            } else {
                out.push(self.size_verdict(b.name.clone(), total, paths.clone()));
            }
        }
        let named = |suffix: &str| {
            if has_size || (suffix == "growth" && b.max_count.is_some()) {
                format!("{} ({suffix})", b.name)
            } else {
                b.name.clone()
            }
        };
        if let Some(max_count) = b.max_count {
            let count = files.len() as u64;
            let mut v = self.verdict(named("count"), Metric::Count, count, paths.clone());
            v.max = Some(max_count);
            v.status = if count > max_count {
                VerdictStatus::Fail
            } else {
                VerdictStatus::Pass
            };
            v.message = format!("{count} files, at most {max_count}");
            out.push(v);
        }
        let (Some(growth), Some(base)) = (&b.growth, self.baseline) else {
            return Ok(());
        };
        if b.each {
            let before: Vec<Option<&FileReport>> = files
                .iter()
                .map(|f| {
                    self.matches
                        .get(f.path.as_str())
                        .and_then(|p| self.baseline_files.get(p))
                        .copied()
                })
                .collect();
            let matched: Vec<&FileReport> = before.iter().flatten().copied().collect();
            let lacking = self.measured(base, Side::Baseline, &b.select, globs, &matched);
            if !lacking.is_empty() {
                return Err(lacking);
            }
            for (f, before) in files.iter().zip(before) {
                let name = format!("{} › {} (growth)", b.name, f.path);
                let now = self.size(f);
                let mut v = match before {
                    Some(bf) => {
                        self.growth_verdict(name, self.size(bf), now, growth, vec![f.path.clone()])
                    }
                    None => {
                        let mut v = self.verdict(name, Metric::Growth, now, vec![f.path.clone()]);
                        v.message = "new file: not in the baseline".into();
                        v
                    }
                };
                v.file = Some(f.path.clone());
                out.push(v);
            }
        } else {
            let before_files = select(base, &b.select, globs);
            let lacking = self.measured(base, Side::Baseline, &b.select, globs, &before_files);
            if !lacking.is_empty() {
                return Err(lacking);
            }
            let before = self
                .total(&before_files, Side::Baseline)
                .map_err(|e| vec![e])?;
            out.push(self.growth_verdict(named("growth"), before, total, growth, paths));
        }
        Ok(())
    }

    fn size_verdict(&self, name: String, actual: u64, files: Vec<String>) -> Verdict {
        let b = self.budget;
        let mut v = self.verdict(name, Metric::Size, actual, files);
        v.max = b.max.map(|s| s.0);
        v.warn = b.warn.map(|s| s.0);
        v.min = b.min.map(|s| s.0);
        let enc = self.compression.label();
        // Every subtraction below is of the smaller from the larger (the filters say which).
        let (status, message) = if let Some(max) = b.max.filter(|m| actual > m.0) {
            (
                VerdictStatus::Fail,
                format!(
                    "{} {enc}, over the max of {max} by {}",
                    human(actual),
                    human(actual.abs_diff(max.0))
                ),
            )
        } else if let Some(min) = b.min.filter(|m| actual < m.0) {
            (
                VerdictStatus::Fail,
                format!(
                    "{} {enc}, under the min of {min} by {}",
                    human(actual),
                    human(min.0.abs_diff(actual))
                ),
            )
        } else if let Some(warn) = b.warn.filter(|w| actual > w.0) {
            (
                VerdictStatus::Warn,
                format!(
                    "{} {enc}, over the warning level of {warn} by {}",
                    human(actual),
                    human(actual.abs_diff(warn.0))
                ),
            )
        } else {
            let margin = b
                .max
                .or(b.warn)
                .map(|l| format!(", {} under {l}", human(l.0.abs_diff(actual))))
                .unwrap_or_default();
            (
                VerdictStatus::Pass,
                format!("{} {enc}{margin}", human(actual)),
            )
        };
        v.status = status;
        v.message = message;
        v
    }

    fn growth_verdict(
        &self,
        name: String,
        before: u64,
        now: u64,
        growth: &crate::GrowthLimits,
        files: Vec<String>,
    ) -> Verdict {
        let mut v = self.verdict(name, Metric::Growth, now, files);
        v.baseline = Some(before);
        // i128 holds the difference of any two u64 exactly; `as i64` would wrap past 2^63.
        let delta = i128::from(now) - i128::from(before);
        let pct = if before > 0 {
            delta as f64 * 100.0 / before as f64
        } else {
            0.0
        };
        let sign = if delta >= 0 { "+" } else { "-" };
        let change = format!(
            "{sign}{} ({sign}{:.1}%) against the baseline",
            human(now.abs_diff(before)),
            pct.abs()
        );
        let (status, limit) = if let Some(max) = growth.max.filter(|g| g.exceeded(before, now)) {
            (
                VerdictStatus::Fail,
                format!(", over the max growth of {}", max.describe()),
            )
        } else if let Some(warn) = growth.warn.filter(|g| g.exceeded(before, now)) {
            (
                VerdictStatus::Warn,
                format!(", over the warning growth of {}", warn.describe()),
            )
        } else {
            (VerdictStatus::Pass, String::new())
        };
        v.status = status;
        v.message = format!("{change}{limit}");
        v
    }

    fn why_empty(&self) -> String {
        let s = &self.budget.select;
        if let Some(route) = &s.route
            && !self.report.routes.iter().any(|r| &r.name == route)
        {
            let known: Vec<&str> = self.report.routes.iter().map(|r| r.name.as_str()).collect();
            return format!(
                ": there is no route `{route}` (routes: {})",
                known.join(", ")
            );
        }
        if let Some(entry) = &s.entry
            && !self.report.entries.iter().any(|r| &r.name == entry)
        {
            let known: Vec<&str> = self
                .report
                .entries
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            return format!(
                ": there is no entry `{entry}` (entries: {})",
                known.join(", ")
            );
        }
        if let Some(chunk) = &s.chunk {
            return format!(" (chunk `{chunk}` combined with the other conditions)");
        }
        String::new()
    }
}

/// The encodings `report` was measured in: raw always, then those its encoders name.
fn measured_in(report: &Report) -> Vec<Compression> {
    let mut out = vec![Compression::None];
    for e in &report.encoders {
        let c = match e.encoding {
            distill_graph::Encoding::Raw => continue,
            distill_graph::Encoding::Gzip => Compression::Gzip,
            distill_graph::Encoding::Brotli => Compression::Brotli,
            distill_graph::Encoding::Zstd => Compression::Zstd,
        };
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Selection and evaluation on small reports built here, so every number is known.

    use super::*;
    use crate::parse;
    use distill_graph::{Chunk, Diagnostic, EncoderInfo, Encoding, FileKind, Role, Sizes};
    use distill_schema::{LoadSetReport, Tool};

    /// A file measured raw and in brotli (`brotli` = raw / 4), or raw only when `brotli` is None.
    fn file(path: &str, raw: u64, brotli: Option<u64>) -> FileReport {
        FileReport {
            path: path.into(),
            kind: FileKind::from_path(path),
            role: Role::Chunk,
            hash: format!("hash-of-{path}"),
            sizes: Sizes {
                raw,
                gzip: None,
                brotli,
                zstd: None,
            },
            sent_as_is: false,
            siblings: Vec::new(),
            source_map: None,
            key: None,
            map: None,
            modules: Vec::new(),
        }
    }

    fn report(files: Vec<FileReport>) -> Report {
        Report {
            schema_version: distill_schema::SCHEMA_VERSION,
            tool: Tool {
                name: "distill".into(),
                version: "test".into(),
            },
            framework: None,
            encoders: vec![EncoderInfo {
                encoding: Encoding::Brotli,
                encoder: "test".into(),
                level: Some(11),
                window_log: None,
            }],
            files,
            chunks: vec![Chunk {
                file: "assets/vendor-1.js".into(),
                name: Some("vendor".into()),
            }],
            edges: Vec::new(),
            entries: vec![LoadSetReport {
                name: "index.html".into(),
                source: None,
                initial: vec!["assets/index-1.js".into(), "assets/index-1.css".into()],
                lazy: vec!["assets/lazy-1.js".into()],
                initial_sizes: Sizes::default(),
                initial_script_sizes: Sizes::default(),
                lazy_sizes: Sizes::default(),
                images: vec!["logo.png".into()],
                image_sizes: None,
            }],
            routes: Vec::new(),
            totals: BTreeMap::new(),
            server_files: 0,
            duplicates: Vec::new(),
            budgets: None,
            diff: None,
            optimize: None,
            diagnostics: Vec::new(),
        }
    }

    /// index 400/100, css 80/20, lazy 200/50, vendor 1000/250, a map, a logo (raw only kinds
    /// are measured too: every payload file has its brotli size).
    fn build() -> Report {
        report(vec![
            file("assets/index-1.js", 400, Some(100)),
            file("assets/index-1.css", 80, Some(20)),
            file("assets/lazy-1.js", 200, Some(50)),
            file("assets/vendor-1.js", 1000, Some(250)),
            file("assets/index-1.js.map", 5000, None),
            file("logo.png", 300, Some(290)),
        ])
    }

    fn eval(budgets: &str, report: &Report, baseline: Option<&Report>) -> Vec<Verdict> {
        let file = parse(budgets).unwrap_or_else(|e| panic!("{budgets}: {e}"));
        evaluate(&file, report, baseline).unwrap_or_else(|e| panic!("{budgets}: {e:?}"))
    }

    fn errors(budgets: &str, report: &Report, baseline: Option<&Report>) -> Vec<EvalError> {
        let file = parse(budgets).unwrap_or_else(|e| panic!("{budgets}: {e}"));
        evaluate(&file, report, baseline).expect_err(budgets)
    }

    #[track_caller]
    fn one(budgets: &str, report: &Report) -> Verdict {
        let v = eval(budgets, report, None);
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    #[test]
    fn selection_by_each_condition() {
        let r = build();
        let picked = |json: &str| {
            let f = parse(&format!(
                r#"{{"budgets": [{{"name": "b", "select": {json}, "max": "1 MB"}}]}}"#
            ))
            .unwrap();
            let b = &f.budgets[0];
            let globs = Globs::compile(&b.select.files, "files").unwrap();
            select(&r, &b.select, &globs)
                .iter()
                .map(|f| f.path.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            picked("{}"),
            "assets/index-1.js assets/index-1.css assets/lazy-1.js assets/vendor-1.js logo.png",
            "everything but source maps"
        );
        assert_eq!(picked(r#"{"types": ["map"]}"#), "assets/index-1.js.map");
        assert_eq!(
            picked(r#"{"types": ["script"], "files": ["assets/*.js", "!assets/vendor-*"]}"#),
            "assets/index-1.js assets/lazy-1.js"
        );
        assert_eq!(picked(r#"{"files": ["*.png"]}"#), "logo.png");
        assert_eq!(
            picked(r#"{"files": ["*.js"]}"#),
            "",
            "`*` does not cross `/`"
        );
        assert_eq!(
            picked(r#"{"scope": "initial"}"#),
            "assets/index-1.js assets/index-1.css"
        );
        assert_eq!(picked(r#"{"scope": "lazy"}"#), "assets/lazy-1.js");
        assert_eq!(
            picked(r#"{"entry": "index.html", "types": ["script"]}"#),
            "assets/index-1.js assets/lazy-1.js"
        );
        assert_eq!(
            picked(r#"{"entry": "index.html", "types": ["image"]}"#),
            "logo.png",
            "an entry's images are the ones its files name"
        );
        assert_eq!(
            picked(r#"{"entry": "index.html", "scope": "initial", "types": ["image"]}"#),
            "",
            "images are never render-blocking"
        );
        assert_eq!(picked(r#"{"chunk": "vendor"}"#), "assets/vendor-1.js");
        assert_eq!(picked(r#"{"chunk": "lazy"}"#), "", "no chunk of that name");
        assert_eq!(picked(r#"{"route": "/nowhere"}"#), "");
    }

    #[test]
    fn a_chunk_without_a_manifest_name_is_its_file_name_without_the_hash() {
        let r = report(vec![
            file(
                "static/chunks/framework-0123456789abcdef.js",
                900,
                Some(300),
            ),
            file("static/chunks/main-fedcba9876543210.js", 100, Some(40)),
        ]);
        let v = one(
            r#"{"budgets": [{"name": "fw", "select": {"chunk": "framework"}, "max": "1 kB"}]}"#,
            &r,
        );
        assert_eq!(v.files, ["static/chunks/framework-0123456789abcdef.js"]);
        assert_eq!(v.actual, 300);
    }

    #[test]
    fn sums_each_counts_and_limits() {
        let r = build();
        let v = one(
            r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "max": "400 B"}]}"#,
            &r,
        );
        assert_eq!((v.actual, v.status), (400, VerdictStatus::Pass), "{v:?}");
        assert_eq!(v.message, "400 B brotli, 0 B under 400 B");
        let v = one(
            r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "max": "399 B"}]}"#,
            &r,
        );
        assert_eq!(v.status, VerdictStatus::Fail);
        assert!(
            v.message.contains("over the max of 399 B by 1 B"),
            "{}",
            v.message
        );
        let v = one(
            r#"{"compression": "none", "budgets": [{"name": "js", "select": {"types": ["script"]}, "warn": "1 kB", "max": "2 kB"}]}"#,
            &r,
        );
        assert_eq!(
            (v.actual, v.status),
            (1600, VerdictStatus::Warn),
            "raw sizes"
        );
        let v = one(
            r#"{"budgets": [{"name": "css", "select": {"types": ["stylesheet"]}, "min": "21 B"}]}"#,
            &r,
        );
        assert_eq!(v.status, VerdictStatus::Fail, "under the min");
        let each = eval(
            r#"{"budgets": [{"name": "each", "select": {"types": ["script"]}, "each": true, "max": "100 B", "maxCount": 2}]}"#,
            &r,
            None,
        );
        let statuses: Vec<(Option<&str>, VerdictStatus)> =
            each.iter().map(|v| (v.file.as_deref(), v.status)).collect();
        assert_eq!(
            statuses,
            [
                (Some("assets/index-1.js"), VerdictStatus::Pass),
                (Some("assets/lazy-1.js"), VerdictStatus::Pass),
                (Some("assets/vendor-1.js"), VerdictStatus::Fail),
                (None, VerdictStatus::Fail),
            ]
        );
        assert_eq!(each[3].name, "each (count)");
        assert_eq!(each[3].actual, 3);
        let v = one(
            r#"{"budgets": [{"name": "none", "select": {"route": "/x"}, "max": "1 kB"}]}"#,
            &r,
        );
        assert_eq!(v.status, VerdictStatus::Empty, "reported, never passed");
        assert!(
            v.message.contains("there is no route `/x`"),
            "{}",
            v.message
        );
    }

    #[test]
    fn a_glob_that_matches_nothing_is_an_error_naming_it() {
        let e = errors(
            r#"{"budgets": [{"name": "v", "select": {"files": ["assets/*.js", "static/*.js"]}, "max": "1 kB"}]}"#,
            &build(),
            None,
        );
        assert_eq!(e.len(), 1);
        let EvalError::Config(c) = &e[0] else {
            panic!("{e:?}")
        };
        assert_eq!(c.path, "budgets[0].select.files[1]");
    }

    #[test]
    fn a_file_that_could_not_be_read_fails_the_budgets_that_might_hold_it() {
        let mut r = build();
        r.diagnostics.push(
            Diagnostic::warning(Code::InputUnreadable, "cannot read: Permission denied")
                .at("assets/secret-1.js"),
        );
        // The sum without it would pass; the budget is an error instead, naming the file and why.
        let e = errors(
            r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "max": "1 MB"}]}"#,
            &r,
            None,
        );
        let [
            EvalError::Unmeasured {
                budget,
                file,
                side: Side::Build,
                reason,
                ..
            },
        ] = &e[..]
        else {
            panic!("{e:?}")
        };
        assert_eq!(
            (budget.as_str(), file.as_str()),
            ("js", "assets/secret-1.js")
        );
        assert!(reason.contains("Permission denied"), "{reason}");
        // Graph conditions cannot exclude a file whose content is unknown: fails closed too.
        assert!(
            !errors(
                r#"{"budgets": [{"name": "lazy", "select": {"scope": "lazy"}, "max": "1 MB"}]}"#,
                &r,
                None
            )
            .is_empty()
        );
        // What the path decides does exclude it: other kinds, other globs.
        let v = eval(
            r#"{"budgets": [{"name": "css", "select": {"types": ["stylesheet"]}, "max": "1 MB"},
                            {"name": "vendor", "select": {"files": ["assets/vendor-*.js"]}, "max": "1 MB"}]}"#,
            &r,
            None,
        );
        assert!(v.iter().all(|v| v.status == VerdictStatus::Pass), "{v:?}");
        // An unreadable file the report does list (a source map read for its length) is measured.
        r.diagnostics.push(
            Diagnostic::warning(Code::InputUnreadable, "cannot read: EIO")
                .at("assets/index-1.js.map"),
        );
        let v = one(
            r#"{"budgets": [{"name": "maps", "select": {"types": ["map"]}, "max": "1 MB", "compression": "none"}]}"#,
            &r,
        );
        assert_eq!(v.actual, 5000);
    }

    #[test]
    fn a_file_without_the_budgets_encoding_is_an_error_not_its_raw_size() {
        let mut r = build();
        r.files[2].sizes.brotli = None;
        r.diagnostics.push(
            Diagnostic::warning(
                Code::AnalyzeCompressFailed,
                "brotli size not measured: out of memory",
            )
            .at("assets/lazy-1.js"),
        );
        let budgets = r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "each": true, "max": "1 MB"}]}"#;
        let e = errors(budgets, &r, None);
        let [EvalError::Unmeasured { file, reason, .. }] = &e[..] else {
            panic!("{e:?}")
        };
        assert_eq!(file, "assets/lazy-1.js");
        assert!(reason.contains("out of memory"), "{reason}");
        // Raw sizes are always there: the same budget in raw bytes is decided.
        let raw = budgets.replace(r#""max""#, r#""compression": "none", "max""#);
        assert_eq!(eval(&raw, &r, None).len(), 3);
    }

    #[test]
    fn growth_against_a_baseline_by_identity() {
        let base = build();
        let mut now = build();
        // Every file renamed by a new hash; the index grew by 10%, the rest is unchanged.
        for f in &mut now.files {
            f.path = f.path.replace("-1.", "-2.");
        }
        // The grown index has new content (a new hash): it is matched by its manifest key.
        now.files[0].sizes.brotli = Some(110);
        now.files[0].hash = "new content".into();
        now.files[0].key = Some("index.html".into());
        let mut base = base;
        base.files[0].key = Some("index.html".into());
        let budgets = r#"{"budgets": [
            {"name": "js", "select": {"types": ["script"]}, "growth": {"warn": "+1%", "max": "+10%"}},
            {"name": "each", "select": {"types": ["script"]}, "each": true, "growth": {"max": "+9%"}}]}"#;
        let v = eval(budgets, &now, Some(&base));
        assert_eq!(v[0].baseline, Some(400));
        assert_eq!(v[0].actual, 410);
        assert_eq!(v[0].status, VerdictStatus::Warn, "{}", v[0].message);
        assert_eq!(
            v[0].message,
            "+10 B (+2.5%) against the baseline, over the warning growth of +1%"
        );
        let each: Vec<(&str, VerdictStatus)> = v[1..]
            .iter()
            .map(|v| (v.file.as_deref().unwrap(), v.status))
            .collect();
        assert_eq!(
            each,
            [
                ("assets/index-2.js", VerdictStatus::Fail),
                ("assets/lazy-2.js", VerdictStatus::Pass),
                ("assets/vendor-2.js", VerdictStatus::Pass),
            ]
        );
        // Shrinking never fails, whatever the limit.
        let v = eval(budgets, &base, Some(&now));
        assert!(v.iter().all(|v| v.status == VerdictStatus::Pass), "{v:?}");
        assert!(
            v[0].message.starts_with("-10 B (-2.4%)"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn a_baseline_without_the_encoding_is_an_error_not_a_raw_comparison() {
        // The issue's case: an identical build against a baseline measured raw only showed
        // "-58.9%, pass". Now it is an error that names the encoding.
        let now = build();
        let mut base = build();
        base.encoders.clear();
        for f in &mut base.files {
            f.sizes.brotli = None;
        }
        for budgets in [
            r#"{"budgets": [{"name": "g", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]}"#,
            r#"{"budgets": [{"name": "g", "select": {"types": ["script"]}, "each": true, "growth": {"max": "+10%"}}]}"#,
        ] {
            let e = errors(budgets, &now, Some(&base));
            let [
                EvalError::BaselineEncoding {
                    encoding: Compression::Brotli,
                    file: None,
                    measured,
                    ..
                },
            ] = &e[..]
            else {
                panic!("{e:?}")
            };
            assert_eq!(measured, &[Compression::None]);
            assert!(e[0].to_string().contains("no brotli sizes"), "{}", e[0]);
        }
        // Raw growth against it is fine.
        let v = eval(
            r#"{"compression": "none", "budgets": [{"name": "g", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]}"#,
            &now,
            Some(&base),
        );
        assert_eq!(
            (v[0].status, v[0].actual, v[0].baseline),
            (VerdictStatus::Pass, 1600, Some(1600))
        );
        // A baseline measured in brotli whose one file lacks it names that file.
        let mut base = build();
        base.files[3].sizes.brotli = None;
        let e = errors(
            r#"{"budgets": [{"name": "g", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]}"#,
            &now,
            Some(&base),
        );
        assert!(
            matches!(&e[..], [EvalError::BaselineEncoding { file: Some(f), .. }] if f == "assets/vendor-1.js"),
            "{e:?}"
        );
    }

    #[test]
    fn a_baseline_that_missed_a_file_is_not_compared_with() {
        let now = build();
        let mut base = build();
        base.diagnostics.push(
            Diagnostic::warning(Code::InputUnreadable, "cannot read: EIO").at("assets/old-1.js"),
        );
        let e = errors(
            r#"{"budgets": [{"name": "g", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]}"#,
            &now,
            Some(&base),
        );
        assert!(
            matches!(&e[..], [EvalError::Unmeasured { side: Side::Baseline, file, .. }] if file == "assets/old-1.js"),
            "{e:?}"
        );
        // Stylesheet growth cannot have held it.
        let v = eval(
            r#"{"budgets": [{"name": "g", "select": {"types": ["stylesheet"]}, "growth": {"max": "+10%"}}]}"#,
            &now,
            Some(&base),
        );
        assert_eq!(v[0].status, VerdictStatus::Pass);
    }

    #[test]
    fn sizes_near_u64_max_never_wrap() {
        let budgets = r#"{"budgets": [{"name": "g", "select": {"types": ["script"]}, "growth": {"max": "+10%"}}]}"#;
        let now = build();
        let mut base = build();
        base.files[0].sizes.brotli = Some(u64::MAX);
        base.files[2].sizes.brotli = Some(u64::MAX);
        let e = errors(budgets, &now, Some(&base));
        assert!(
            matches!(
                &e[..],
                [EvalError::Overflow {
                    side: Side::Baseline,
                    ..
                }]
            ),
            "{e:?}"
        );
        // One huge file: a sum that fits, a delta beyond i64 computed exactly.
        let mut base = build();
        base.files[0].sizes.brotli = Some(u64::MAX - 1000);
        let v = eval(budgets, &now, Some(&base));
        assert_eq!(
            v[0].status,
            VerdictStatus::Pass,
            "it shrank: {}",
            v[0].message
        );
        assert!(
            v[0].message.starts_with("-18446.7 PB (-100.0%)"),
            "{}",
            v[0].message
        );
        let v = eval(budgets, &base, Some(&now));
        assert_eq!(v[0].status, VerdictStatus::Fail, "{}", v[0].message);
        // The build's own sum overflowing is an error too, never a wrapped verdict.
        let mut huge = build();
        huge.files[0].sizes.brotli = Some(u64::MAX);
        let e = errors(
            r#"{"budgets": [{"name": "js", "select": {"types": ["script"]}, "max": "1 kB"}]}"#,
            &huge,
            None,
        );
        assert!(
            matches!(
                &e[..],
                [EvalError::Overflow {
                    side: Side::Build,
                    ..
                }]
            ),
            "{e:?}"
        );
        // A per-file verdict at u64::MAX is still a verdict.
        let v = eval(
            r#"{"budgets": [{"name": "js", "select": {"files": ["assets/index-*.js"]}, "max": "1 kB"}]}"#,
            &huge,
            None,
        );
        assert_eq!((v[0].actual, v[0].status), (u64::MAX, VerdictStatus::Fail));
    }

    #[test]
    fn growth_without_a_baseline_is_an_error() {
        let e = errors(
            r#"{"budgets": [{"name": "g", "growth": {"max": "+10%"}}]}"#,
            &build(),
            None,
        );
        assert!(e[0].to_string().contains("needs a baseline"), "{}", e[0]);
    }
}
