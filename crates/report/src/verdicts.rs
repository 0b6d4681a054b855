//! The human view of budget verdicts: one line per budget with actual against limit, the
//! margin and a bar; for `each` budgets the offending files, passing ones summarized.

use crate::format_bytes;
use crate::json::Verdict;
use std::io::{self, Write};

/// `PASS`/`WARN`/`FAIL`/`EMPTY` with the marks a terminal shows well.
fn mark(status: &str) -> &'static str {
    match status {
        "pass" => "✓ pass ",
        "warn" => "! warn ",
        "fail" => "✗ FAIL ",
        _ => "∅ empty",
    }
}

fn bar(actual: u64, limit: u64) -> String {
    const WIDTH: usize = 20;
    let filled = if limit == 0 {
        WIDTH
    } else {
        ((actual as f64 / limit as f64) * WIDTH as f64).round() as usize
    };
    let (inside, over) = (filled.min(WIDTH), filled.saturating_sub(WIDTH).min(10));
    format!(
        "[{}{}]{}",
        "█".repeat(inside),
        "░".repeat(WIDTH - inside),
        "▶".repeat(over)
    )
}

pub fn write(verdicts: &[Verdict], out: &mut dyn Write) -> io::Result<()> {
    if verdicts.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nBudgets")?;
    let width = verdicts
        .iter()
        .map(|v| v.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    let mut i = 0;
    while i < verdicts.len() {
        let v = &verdicts[i];
        let is_each =
            v.name.starts_with(&format!("{} › ", v.budget)) && !v.name.ends_with("(growth)");
        if is_each {
            // Group the per-file verdicts of one `each` budget.
            let group: Vec<&Verdict> = verdicts[i..]
                .iter()
                .take_while(|w| {
                    w.budget == v.budget
                        && w.name.starts_with(&format!("{} › ", v.budget))
                        && w.metric == v.metric
                })
                .collect();
            let bad: Vec<&&Verdict> = group.iter().filter(|w| w.status != "pass").collect();
            let worst = group
                .iter()
                .map(|w| w.status.as_str())
                .max_by_key(|s| rank(s))
                .unwrap_or("pass");
            let limit = v
                .max
                .or(v.warn)
                .map(|l| format!(" ≤ {} each", format_bytes(l)))
                .unwrap_or_default();
            writeln!(
                out,
                "  {} {:<width$}  {} files{limit} ({}), {} over",
                mark(worst),
                v.budget,
                group.len(),
                v.compression,
                bad.len()
            )?;
            for w in bad {
                writeln!(
                    out,
                    "      {} {}  {}",
                    mark(&w.status),
                    w.files.first().map_or("", String::as_str),
                    w.message
                )?;
            }
            i += group.len();
            continue;
        }
        let limit = v.max.or(v.warn).or(v.min);
        let detail = match (v.metric.as_str(), limit) {
            ("growth", _) => v.message.clone(),
            (_, Some(l)) => format!("{}  {}", bar(v.actual, l), v.message),
            (_, None) => v.message.clone(),
        };
        writeln!(out, "  {} {:<width$}  {detail}", mark(&v.status), v.name)?;
        i += 1;
    }
    let count = |s: &str| verdicts.iter().filter(|v| v.status == s).count();
    writeln!(
        out,
        "\n{} passed, {} warned, {} failed, {} empty",
        count("pass"),
        count("warn"),
        count("fail"),
        count("empty")
    )
}

pub(crate) fn rank(status: &str) -> u8 {
    match status {
        "pass" => 0,
        "empty" => 1,
        "warn" => 2,
        _ => 3,
    }
}
