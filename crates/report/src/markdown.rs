//! Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments: budget verdicts, first-load
//! sizes per entry/route, and changes against the baseline. GitHub refuses summaries and
//! comments over 65,536 characters, so rows stop before that with a note.

use crate::Options;
use distill_graph::{Encoding, Sizes};
use distill_schema::{DiffStatus, Metric, Report, Verdict, VerdictStatus, format_bytes};
use std::fmt::Write as _;
use std::io::{self, Write};

/// GitHub's limit for a comment body or one step summary.
pub const LIMIT: usize = 65_536;
/// Room kept for the closing note and the tail of the document.
const RESERVE: usize = 1_024;

fn icon(status: VerdictStatus) -> &'static str {
    match status {
        VerdictStatus::Pass => "✅",
        VerdictStatus::Warn => "⚠️",
        VerdictStatus::Fail => "❌",
        VerdictStatus::Empty => "⭕",
    }
}

/// Markdown table cells: pipes and line breaks would break the table; `<` would be HTML.
/// Control characters are written as visible escapes first (`distill_graph::printable`).
fn cell(s: &str) -> String {
    distill_graph::printable(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A name as an inline code span inside a table cell. A code span shows its text as it is
/// (no HTML, no backslash escapes), so only a table's `|` is escaped, and the fence is one
/// backtick longer than the longest run of backticks in the name, so a name holding backticks
/// cannot close the span early and have the rest read as markdown (a link, an image).
fn code(s: &str) -> String {
    let text = distill_graph::printable(s).replace('|', "\\|");
    let (mut run, mut longest) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick needs a space inside the fence.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn delta(before: u64, after: u64) -> String {
    if before == after {
        return "±0".into();
    }
    // i128 holds the difference of any two u64 exactly; `as i64` would wrap past 2^63.
    let d = i128::from(after) - i128::from(before);
    let pct = if before > 0 {
        format!(" ({:+.1}%)", d as f64 * 100.0 / before as f64)
    } else {
        String::new()
    };
    format!(
        "{}{}{pct}",
        if d > 0 { "+" } else { "−" },
        format_bytes(after.abs_diff(before))
    )
}

fn main_encoding(report: &Report) -> Encoding {
    [Encoding::Brotli, Encoding::Gzip, Encoding::Zstd]
        .into_iter()
        .find(|e| report.encoders.iter().any(|x| x.encoding == *e))
        .unwrap_or(Encoding::Raw)
}

fn size(s: &Sizes, e: Encoding) -> u64 {
    s.get(e).unwrap_or(s.raw)
}

/// Renders the whole document, truncated to fit under [`LIMIT`] characters.
pub fn render(report: &Report) -> String {
    let mut doc = Doc {
        text: String::new(),
        truncated: 0,
    };
    let verdicts: &[Verdict] = report.budgets.as_ref().map_or(&[], |b| &b.verdicts);
    let count = |s: VerdictStatus| verdicts.iter().filter(|v| v.status == s).count();
    // Budgets, not rows: an `each` budget over 90 files is one budget.
    let (budgets, failed) = crate::budgets::counts(verdicts);
    let title = if verdicts.is_empty() {
        "distill: bundle size".to_owned()
    } else if failed > 0 {
        format!("❌ distill: {failed} of {budgets} budgets failed")
    } else if count(VerdictStatus::Warn) + count(VerdictStatus::Empty) > 0 {
        format!(
            "⚠️ distill: {budgets} budgets pass with {} warnings",
            count(VerdictStatus::Warn) + count(VerdictStatus::Empty)
        )
    } else {
        format!("✅ distill: all {budgets} budgets pass")
    };
    doc.line(&format!("## {title}\n"));

    if !verdicts.is_empty() {
        // Failures and warnings first, in the open; passing rows folded below them, so a
        // truncated comment still shows what broke.
        let mut sorted: Vec<&Verdict> = verdicts.iter().collect();
        sorted.sort_by_key(|v| std::cmp::Reverse(v.status));
        let open = sorted
            .iter()
            .filter(|v| v.status != VerdictStatus::Pass)
            .count();
        let header = |doc: &mut Doc| {
            doc.line("| | Budget | Actual | Limit | Details |");
            doc.line("|---|---|---:|---:|---|");
        };
        if open > 0 {
            header(&mut doc);
        }
        let mut folded = false;
        for (i, v) in sorted.into_iter().enumerate() {
            if i == open {
                if open > 0 {
                    doc.line("");
                }
                let before = doc.text.len();
                doc.line(&format!(
                    "<details><summary>{} passing</summary>\n",
                    verdicts.len() - open
                ));
                folded = doc.text.len() > before;
                header(&mut doc);
            }
            let amount = |n: u64| {
                if v.metric == Metric::Count {
                    format!("{n} files")
                } else {
                    format_bytes(n)
                }
            };
            let limit = v.max.or(v.warn).or(v.min).map(amount).unwrap_or_default();
            doc.row(&format!(
                "| {} | {} | {}{} | {} | {} |",
                icon(v.status),
                cell(&v.name),
                amount(v.actual),
                match v.metric {
                    Metric::Count => String::new(),
                    _ => format!(" {}", v.compression.label()),
                },
                limit,
                cell(&v.message)
            ));
        }
        doc.line("");
        if folded {
            // Closed even when rows were cut: the rest of the comment must not fold into it.
            doc.text.push_str("</details>\n\n");
        }
    }

    let enc = main_encoding(report);
    let sets: Vec<_> = report.entries.iter().chain(&report.routes).collect();
    if !sets.is_empty() {
        // Images are sent as they are: their column is the same bytes in every encoding.
        let images = sets.iter().any(|s| !s.images.is_empty());
        doc.line(&format!("### First load ({})\n", enc.as_str()));
        if images {
            doc.line("| Entry / route | Files | JS + CSS | Later (lazy) | Images it names |");
            doc.line("|---|---:|---:|---:|---:|");
        } else {
            doc.line("| Entry / route | Files | JS + CSS | Later (lazy) |");
            doc.line("|---|---:|---:|---:|");
        }
        for s in sets {
            let image_cell = match &s.image_sizes {
                Some(sizes) if images => {
                    format!(" {} ({}) |", format_bytes(size(sizes, enc)), s.images.len())
                }
                _ if images => " – |".to_owned(),
                _ => String::new(),
            };
            doc.row(&format!(
                "| {} | {} | {} | {} |{image_cell}",
                code(&s.name),
                s.initial.len(),
                format_bytes(size(&s.initial_sizes, enc)),
                format_bytes(size(&s.lazy_sizes, enc))
            ));
        }
        doc.line("");
    }

    if let Some(diff) = &report.diff {
        // Before and after in one encoding both were measured in: a baseline measured without
        // the main one is compared by raw size, never its raw against our compressed.
        let both = |e: Encoding| {
            diff.files
                .iter()
                .flat_map(|f| f.before.iter().chain(&f.after))
                .all(|s| s.get(e).is_some())
        };
        let enc = if both(enc) { enc } else { Encoding::Raw };
        let changed: Vec<_> = diff
            .files
            .iter()
            .filter(|f| f.status != DiffStatus::Same)
            .collect();
        // A baseline is outside input: sizes near u64::MAX saturate rather than wrap.
        let before: u64 = diff
            .files
            .iter()
            .filter_map(|f| f.before.as_ref())
            .map(|s| size(s, enc))
            .fold(0, u64::saturating_add);
        let after: u64 = diff
            .files
            .iter()
            .filter_map(|f| f.after.as_ref())
            .map(|s| size(s, enc))
            .fold(0, u64::saturating_add);
        doc.line(&format!("### Against the baseline ({})\n", enc.as_str()));
        doc.line(&format!(
            "Total: {} → {} ({}); {} files changed, {} unchanged.\n",
            format_bytes(before),
            format_bytes(after),
            delta(before, after),
            changed.len(),
            diff.files.len() - changed.len()
        ));
        if !changed.is_empty() {
            doc.line("| File | Status | Before | After | Δ |");
            doc.line("|---|---|---:|---:|---:|");
            let mut rows: Vec<_> = changed
                .iter()
                .map(|f| {
                    let b = f.before.as_ref().map_or(0, |s| size(s, enc));
                    let a = f.after.as_ref().map_or(0, |s| size(s, enc));
                    (i128::from(a) - i128::from(b), f, b, a)
                })
                .collect();
            rows.sort_by_key(|(d, f, _, _)| (std::cmp::Reverse(d.unsigned_abs()), f.path.clone()));
            for (_, f, b, a) in rows {
                let name = f
                    .path
                    .as_ref()
                    .or(f.baseline_path.as_ref())
                    .map_or("", String::as_str);
                let show = |present: bool, n: u64| {
                    if present {
                        format_bytes(n)
                    } else {
                        "–".into()
                    }
                };
                doc.row(&format!(
                    "| {} | {} | {} | {} | {} |",
                    code(name),
                    f.status.as_str(),
                    show(f.before.is_some(), b),
                    show(f.after.is_some(), a),
                    delta(b, a)
                ));
            }
            doc.line("");
        }
    }
    let levels: Vec<String> = report
        .encoders
        .iter()
        .map(|e| {
            format!(
                "{} {}{}",
                e.encoding.as_str(),
                e.level.map(|l| format!("level {l}")).unwrap_or_default(),
                e.window_log
                    .map(|w| format!(", window 2^{w}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    doc.finish(&format!(
        "<sub>distill {} · {}</sub>\n",
        report.tool.version,
        levels.join(" · ")
    ));
    doc.text
}

struct Doc {
    text: String,
    truncated: usize,
}

impl Doc {
    fn line(&mut self, s: &str) {
        if self.truncated == 0 && self.text.len() + s.len() + 1 < LIMIT - RESERVE {
            let _ = writeln!(self.text, "{s}");
        }
    }

    fn row(&mut self, s: &str) {
        if self.truncated > 0 || self.text.len() + s.len() + 1 >= LIMIT - RESERVE {
            self.truncated += 1;
        } else {
            let _ = writeln!(self.text, "{s}");
        }
    }

    fn finish(&mut self, footer: &str) {
        if self.truncated > 0 {
            let _ = writeln!(
                self.text,
                "\n_{} more rows left out to stay under GitHub's {LIMIT}-character limit; the JSON report (`--format json=…`) has them all._\n",
                self.truncated
            );
        }
        self.text.push_str(footer);
    }
}

pub fn write(report: &Report, _options: &Options, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(render(report).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use distill_schema::{BudgetsReport, Compression};

    #[test]
    fn names_stay_text_in_code_spans_and_cells() {
        assert_eq!(code("assets/a.js"), "`assets/a.js`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x``"), "``` `x`` ```");
        assert_eq!(
            code("a|b<c>"),
            "`a\\|b<c>`",
            "a code span shows `<` as it is"
        );
        assert_eq!(code("x\n| y"), "`x\\n\\| y`");
        assert_eq!(cell("\u{1b}[31m|\r\n"), "\\\\u{1b}[31m\\|\\\\r\\\\n");
        // A name holding a backtick cannot end the span and smuggle a link or image in.
        let hostile = "x`![t](https://tracker.invalid/p.png)`";
        let span = code(hostile);
        assert!(span.starts_with("``") && span.ends_with("``"), "{span}");
        assert_eq!(span, format!("`` {hostile} ``"));
    }

    #[test]
    fn deltas_near_u64_max_do_not_wrap() {
        assert_eq!(delta(0, u64::MAX), "+18446.7 PB");
        assert_eq!(delta(u64::MAX, 0), "−18446.7 PB (-100.0%)");
        assert_eq!(delta(u64::MAX, u64::MAX), "±0");
        assert_eq!(delta(1 << 63, (1 << 63) + 1000), "+1.00 kB (+0.0%)");
        let mut report: Report = serde_json::from_str(
            r#"{"schemaVersion":1,"tool":{"name":"distill","version":"0"},"framework":null,"encoders":[{"encoding":"brotli","encoder":"b","level":11}],"files":[],"chunks":[],"edges":[],"entries":[],"routes":[],"totals":{},"serverFiles":0,"diagnostics":[],
                "diff":{"baseline":"b.json","files":[
                  {"path":"a.js","baselinePath":"a.js","status":"shrank","before":{"raw":18446744073709551615,"brotli":18446744073709551615},"after":{"raw":1,"brotli":1}},
                  {"baselinePath":"b.js","status":"removed","before":{"raw":18446744073709551615,"brotli":18446744073709551615}}]}}"#,
        )
        .unwrap();
        let md = render(&report);
        assert!(
            md.contains("Total: 18446.7 PB → 1 B"),
            "saturated, not wrapped: {md}"
        );
        // A baseline measured without brotli is compared by raw, and says so.
        if let Some(d) = report.diff.as_mut() {
            for f in &mut d.files {
                if let Some(b) = f.before.as_mut() {
                    b.brotli = None;
                }
            }
        }
        let md = render(&report);
        assert!(md.contains("### Against the baseline (raw)"), "{md}");
    }

    #[test]
    fn stays_under_githubs_limit_with_a_note_and_failures_first() {
        let mut report: Report = serde_json::from_str(
            r#"{"schemaVersion":1,"tool":{"name":"distill","version":"0"},"framework":null,"encoders":[],"files":[],"chunks":[],"edges":[],"entries":[],"routes":[],"totals":{},"serverFiles":0,"diagnostics":[]}"#,
        )
        .unwrap();
        let verdict = |i: usize, status: VerdictStatus| Verdict {
            name: format!("each › static/chunks/{i:05}-a-rather-long-chunk-name|with<pipes>.js"),
            budget: "each".into(),
            file: Some(format!(
                "static/chunks/{i:05}-a-rather-long-chunk-name|with<pipes>.js"
            )),
            status,
            metric: Metric::Size,
            compression: Compression::Brotli,
            actual: 2000,
            max: Some(1000),
            warn: None,
            min: None,
            baseline: None,
            files: vec![],
            message: "2 kB brotli, over the max of 1 kB by 1 kB".into(),
        };
        let mut verdicts: Vec<Verdict> =
            (0..3000).map(|i| verdict(i, VerdictStatus::Pass)).collect();
        verdicts.push(verdict(99_999, VerdictStatus::Fail));
        report.budgets = Some(BudgetsReport {
            source: "b".into(),
            verdicts,
        });
        let md = render(&report);
        assert!(md.len() < LIMIT, "{} characters", md.len());
        assert!(md.contains("more rows left out"), "truncation is said");
        let first_row = md
            .lines()
            .find(|l| l.starts_with("| ❌") || l.starts_with("| ✅"))
            .unwrap();
        assert!(
            first_row.starts_with("| ❌"),
            "the failure comes first: {first_row}"
        );
        assert!(
            first_row.contains("\\|with&lt;pipes&gt;"),
            "cells are escaped: {first_row}"
        );
        assert!(md.ends_with("</sub>\n"));
        // One `each` budget over 3001 files is one budget, and its passing rows are folded.
        assert!(
            md.starts_with("## ❌ distill: 1 of 1 budgets failed"),
            "{}",
            &md[..80]
        );
        let fold = md.find("<details><summary>3000 passing</summary>").unwrap();
        assert!(
            md.find("| ❌").unwrap() < fold,
            "the failure is above the fold"
        );
        assert!(md.contains("</details>"), "closed even when truncated");
    }
}
