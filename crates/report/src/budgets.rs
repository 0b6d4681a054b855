//! The human view of budget verdicts: one line per budget with actual against limit, the margin
//! and a bar; for `each` budgets one line with the number of files checked and the offending
//! files below it. The summary counts budgets, not verdicts, and says how many files `each`
//! budgets checked.

use crate::Options;
use crate::style::{Paint, printable};
use distill_schema::{Metric, Report, Verdict, VerdictStatus, format_bytes};
use std::io::{self, Write};

/// The mark a terminal shows well, and its colour.
fn mark(status: VerdictStatus, paint: Paint) -> String {
    match status {
        VerdictStatus::Pass => paint.green("✓ pass "),
        VerdictStatus::Warn => paint.yellow("! warn "),
        VerdictStatus::Fail => paint.red("✗ FAIL "),
        VerdictStatus::Empty => paint.dim("∅ empty"),
    }
}

fn bar(actual: u64, limit: u64) -> String {
    const WIDTH: usize = 20;
    let filled = if limit == 0 {
        WIDTH
    } else {
        ((actual as f64 / limit as f64) * WIDTH as f64)
            .round()
            .min(1e6) as usize
    };
    let (inside, over) = (filled.min(WIDTH), filled.saturating_sub(WIDTH).min(10));
    format!(
        "[{}{}]{}",
        "█".repeat(inside),
        "░".repeat(WIDTH - inside),
        "▶".repeat(over)
    )
}

/// The verdicts of one budget, in report order.
struct Group<'a> {
    budget: &'a str,
    verdicts: Vec<&'a Verdict>,
}

impl Group<'_> {
    fn worst(&self) -> VerdictStatus {
        self.verdicts
            .iter()
            .map(|v| v.status)
            .max()
            .unwrap_or(VerdictStatus::Pass)
    }
}

/// Consecutive verdicts of the same budget.
fn groups(verdicts: &[Verdict]) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for v in verdicts {
        match out.last_mut() {
            Some(g) if g.budget == v.budget => g.verdicts.push(v),
            _ => out.push(Group {
                budget: &v.budget,
                verdicts: vec![v],
            }),
        }
    }
    out
}

/// The setting line and the verdicts of `report`'s budgets.
pub fn write(report: &Report, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(options.color);
    writeln!(
        out,
        "{} · {}",
        printable(&options.root),
        report.framework.map_or("unknown", |f| f.label())
    )?;
    let verdicts = report.budgets.as_ref().map_or(&[][..], |b| &b.verdicts[..]);
    if verdicts.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{}", paint.bold("Budgets"))?;
    let width = verdicts
        .iter()
        .map(|v| {
            if v.file.is_some() {
                v.budget.chars().count()
            } else {
                v.name.chars().count()
            }
        })
        .max()
        .unwrap_or(0)
        .min(60);
    let groups = groups(verdicts);
    let (mut each_files, mut each_over) = (0, 0);
    for group in &groups {
        let (per_file, whole): (Vec<&Verdict>, Vec<&Verdict>) =
            group.verdicts.iter().partition(|v| v.file.is_some());
        for v in whole {
            let detail = match (v.metric, v.limit()) {
                (Metric::Growth, _) | (_, None) => printable(&v.message).into_owned(),
                (_, Some(l)) => format!("{}  {}", bar(v.actual, l), printable(&v.message)),
            };
            writeln!(
                out,
                "  {} {:<width$}  {detail}",
                mark(v.status, paint),
                printable(&v.name)
            )?;
        }
        // An `each` budget's size verdicts, then its growth verdicts, each as one line.
        for metric in [Metric::Size, Metric::Growth] {
            let files: Vec<&&Verdict> = per_file.iter().filter(|v| v.metric == metric).collect();
            let Some(first) = files.first() else { continue };
            let bad: Vec<&&&Verdict> = files
                .iter()
                .filter(|w| w.status != VerdictStatus::Pass)
                .collect();
            let worst = files
                .iter()
                .map(|w| w.status)
                .max()
                .unwrap_or(VerdictStatus::Pass);
            let limit = match metric {
                Metric::Growth => " growth".to_owned(),
                _ => first
                    .max
                    .or(first.warn)
                    .map(|l| format!(" ≤ {} each", format_bytes(l)))
                    .unwrap_or_default(),
            };
            writeln!(
                out,
                "  {} {:<width$}  {} files{limit} ({}), {} over",
                mark(worst, paint),
                printable(group.budget),
                files.len(),
                first.compression.label(),
                bad.len()
            )?;
            each_files += files.len();
            each_over += bad.len();
            for w in bad {
                writeln!(
                    out,
                    "      {} {}  {}",
                    mark(w.status, paint),
                    printable(w.file.as_deref().unwrap_or("")),
                    printable(&w.message)
                )?;
            }
        }
    }
    let count = |s: VerdictStatus| groups.iter().filter(|g| g.worst() == s).count();
    let failed = count(VerdictStatus::Fail);
    let summary = format!(
        "{} budgets: {} passed, {} warned, {} failed, {} empty",
        groups.len(),
        count(VerdictStatus::Pass),
        count(VerdictStatus::Warn),
        failed,
        count(VerdictStatus::Empty)
    );
    let summary = if failed > 0 {
        paint.red(&summary)
    } else {
        paint.bold(&summary)
    };
    write!(out, "\n{summary}")?;
    if each_files > 0 {
        write!(
            out,
            "; `each` budgets checked {each_files} files, {each_over} over"
        )?;
    }
    writeln!(out)
}

/// Budgets counted as the summary counts them: (budgets, failed).
pub fn counts(verdicts: &[Verdict]) -> (usize, usize) {
    let groups = groups(verdicts);
    let failed = groups
        .iter()
        .filter(|g| g.worst() == VerdictStatus::Fail)
        .count();
    (groups.len(), failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use distill_schema::Compression;

    fn verdict(budget: &str, file: Option<&str>, status: VerdictStatus) -> Verdict {
        Verdict {
            name: match file {
                Some(f) => format!("{budget} › {f}"),
                None => budget.to_owned(),
            },
            budget: budget.into(),
            file: file.map(str::to_owned),
            status,
            metric: Metric::Size,
            compression: Compression::None,
            actual: 10,
            max: Some(5),
            warn: None,
            min: None,
            baseline: None,
            files: file.map(|f| vec![f.to_owned()]).unwrap_or_default(),
            message: "10 B raw".into(),
        }
    }

    #[test]
    fn counts_budgets_and_files_not_verdicts() {
        let mut verdicts = vec![verdict("total", None, VerdictStatus::Pass)];
        for i in 0..10 {
            let status = if i < 3 {
                VerdictStatus::Fail
            } else {
                VerdictStatus::Pass
            };
            verdicts.push(verdict("each", Some(&format!("a{i}.js")), status));
        }
        verdicts.push(verdict("css", None, VerdictStatus::Warn));
        assert_eq!(counts(&verdicts), (3, 1));
        let report: Report = serde_json::from_value(serde_json::json!({
            "schemaVersion": 1, "tool": {"name": "distill", "version": "0"}, "framework": null,
            "encoders": [], "files": [], "chunks": [], "edges": [], "entries": [], "routes": [],
            "totals": {}, "serverFiles": 0, "diagnostics": [],
            "budgets": {"source": "b.json", "verdicts": verdicts}
        }))
        .unwrap();
        let mut out = Vec::new();
        write(&report, &Options::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("3 budgets: 1 passed, 1 warned, 1 failed, 0 empty; `each` budgets checked 10 files, 3 over"),
            "{text}"
        );
        assert!(text.contains("10 files ≤ 5 B each (raw), 3 over"), "{text}");
        assert_eq!(text.matches("a0.js").count(), 1, "{text}");
        assert!(
            !text.contains("a5.js"),
            "passing files are summarized: {text}"
        );
        assert!(!text.contains('\u{1b}'), "no colour unless asked: {text}");
    }
}
