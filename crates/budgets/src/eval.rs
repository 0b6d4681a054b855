//! Evaluation: a pure function of the report, the budgets and an optional baseline report.

use crate::ConfigError;
use crate::schema::{Budget, BudgetsFile, Compression};
use crate::select::{Globs, select};
use distill_schema::format_bytes as human;
use distill_schema::{FileReport, Metric, Report, Verdict, VerdictStatus};
use std::collections::BTreeMap;

/// The verdicts of every budget, or the configuration errors that prevent evaluation (a glob
/// that matches nothing, growth without a baseline): those are the user's to fix, exit 2.
pub fn evaluate(
    file: &BudgetsFile,
    report: &Report,
    baseline: Option<&Report>,
) -> Result<Vec<Verdict>, Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut compiled = Vec::new();
    for (i, b) in file.budgets.iter().enumerate() {
        let at = |path: String, message: String| ConfigError {
            path,
            budget: Some(b.name.clone()),
            line: None,
            column: None,
            message,
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
                errors.push(e);
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
    let mut verdicts = Vec::new();
    for (b, globs) in file.budgets.iter().zip(&compiled) {
        let compression = file.compression_of(b);
        let files = select(report, &b.select, globs);
        let ctx = Ctx {
            budget: b,
            compression,
            report,
            baseline,
            matches: &matches,
        };
        ctx.judge(&files, globs, &mut verdicts);
    }
    Ok(verdicts)
}

struct Ctx<'a> {
    budget: &'a Budget,
    compression: Compression,
    report: &'a Report,
    baseline: Option<&'a Report>,
    matches: &'a BTreeMap<&'a str, &'a str>,
}

fn size_of(f: &FileReport, compression: Compression) -> u64 {
    if compression == Compression::Served {
        return f.served().0;
    }
    // The CLI measures every encoding a budget names; a missing one would be a bug upstream.
    f.sizes.get(compression.encoding()).unwrap_or(f.sizes.raw)
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

    fn judge(&self, files: &[&FileReport], globs: &Globs, out: &mut Vec<Verdict>) {
        let b = self.budget;
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
            return;
        }
        if b.max.is_some() || b.warn.is_some() || b.min.is_some() {
            if b.each {
                for f in files {
                    let mut v = self.size_verdict(
                        format!("{} › {}", b.name, f.path),
                        size_of(f, self.compression),
                        vec![f.path.clone()],
                    );
                    v.file = Some(f.path.clone());
                    out.push(v);
                }
            } else {
                let total = files.iter().map(|f| size_of(f, self.compression)).sum();
                out.push(self.size_verdict(b.name.clone(), total, paths.clone()));
            }
        }
        let has_size = b.max.is_some() || b.warn.is_some() || b.min.is_some();
        let named = |suffix: &str| {
            if has_size || (suffix == "growth" && b.max_count.is_some()) {
                format!("{} ({suffix})", b.name)
            } else {
                b.name.clone()
            }
        };
        if let Some(max_count) = b.max_count {
            let mut v = self.verdict(
                named("count"),
                Metric::Count,
                files.len() as u64,
                paths.clone(),
            );
            v.max = Some(max_count);
            let over = files.len() as u64 > max_count;
            v.status = if over {
                VerdictStatus::Fail
            } else {
                VerdictStatus::Pass
            };
            v.message = format!("{} files, at most {max_count}", files.len());
            out.push(v);
        }
        if let (Some(growth), Some(base)) = (&b.growth, self.baseline) {
            if b.each {
                for f in files {
                    let before = self
                        .matches
                        .get(f.path.as_str())
                        .and_then(|p| base.files.iter().find(|bf| bf.path == *p));
                    let name = format!("{} › {} (growth)", b.name, f.path);
                    let now = size_of(f, self.compression);
                    let mut v = match before {
                        Some(bf) => self.growth_verdict(
                            name,
                            size_of(bf, self.compression),
                            now,
                            growth,
                            vec![f.path.clone()],
                        ),
                        None => {
                            let mut v =
                                self.verdict(name, Metric::Growth, now, vec![f.path.clone()]);
                            v.message = "new file: not in the baseline".into();
                            v
                        }
                    };
                    v.file = Some(f.path.clone());
                    out.push(v);
                }
            } else {
                let before: u64 = select(base, &b.select, globs)
                    .iter()
                    .map(|f| size_of(f, self.compression))
                    .sum();
                let now = files.iter().map(|f| size_of(f, self.compression)).sum();
                out.push(self.growth_verdict(named("growth"), before, now, growth, paths));
            }
        }
    }

    fn size_verdict(&self, name: String, actual: u64, files: Vec<String>) -> Verdict {
        let b = self.budget;
        let mut v = self.verdict(name, Metric::Size, actual, files);
        v.max = b.max.map(|s| s.0);
        v.warn = b.warn.map(|s| s.0);
        v.min = b.min.map(|s| s.0);
        let enc = self.compression.label();
        let (status, message) = if let Some(max) = b.max.filter(|m| actual > m.0) {
            (
                VerdictStatus::Fail,
                format!(
                    "{} {enc}, over the max of {max} by {}",
                    human(actual),
                    human(actual - max.0)
                ),
            )
        } else if let Some(min) = b.min.filter(|m| actual < m.0) {
            (
                VerdictStatus::Fail,
                format!(
                    "{} {enc}, under the min of {min} by {}",
                    human(actual),
                    human(min.0 - actual)
                ),
            )
        } else if let Some(warn) = b.warn.filter(|w| actual > w.0) {
            (
                VerdictStatus::Warn,
                format!(
                    "{} {enc}, over the warning level of {warn} by {}",
                    human(actual),
                    human(actual - warn.0)
                ),
            )
        } else {
            let margin = b
                .max
                .or(b.warn)
                .map(|l| format!(", {} under {l}", human(l.0 - actual)))
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
        let delta = now as i64 - before as i64;
        let pct = if before > 0 {
            delta as f64 * 100.0 / before as f64
        } else {
            0.0
        };
        let sign = if delta >= 0 { "+" } else { "-" };
        let change = format!(
            "{sign}{} ({sign}{:.1}%) against the baseline",
            human(delta.unsigned_abs()),
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
