//! GitHub Actions workflow commands: `::error file=…,title=…::message` for failed budgets and
//! `::warning` for warnings, shown as annotations. GitHub shows at most 10 error and 10 warning
//! annotations per step; the rest are summarized in one notice so nothing is silently lost.

#![allow(
    clippy::indexing_slicing,
    reason = "one counter per severity level, indexed by the level; a verdict's file is read only when it names exactly one"
)]

use crate::Options;
use distill_schema::{Report, VerdictStatus};
use std::io::{self, Write};

pub const MAX_PER_LEVEL: usize = 10;

/// Escaping of a command's message (GitHub's `escapeData`).
/// Other control characters (an ESC from a file name) are written as visible escapes first:
/// the runner prints the message to the job log, which is a terminal of sorts.
fn data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    crate::style::printable(&s).into_owned()
}

/// Escaping of a property value (GitHub's `escapeProperty`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `root` is the build folder as given on the command line, so `file=` points at a path in the
/// repository.
pub fn write(report: &Report, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let verdicts = report.budgets.as_ref().map_or(&[][..], |b| &b.verdicts[..]);
    let root = options.root.trim_end_matches('/');
    let mut shown = [0usize; 2];
    let mut hidden = [0usize; 2];
    for v in verdicts {
        let (level, i) = match v.status {
            VerdictStatus::Fail => ("error", 0),
            VerdictStatus::Warn | VerdictStatus::Empty => ("warning", 1),
            VerdictStatus::Pass => continue,
        };
        if shown[i] == MAX_PER_LEVEL {
            hidden[i] += 1;
            continue;
        }
        shown[i] += 1;
        let mut props = Vec::new();
        if v.files.len() == 1 {
            let file = if root.is_empty() || root == "." {
                v.files[0].clone()
            } else {
                format!("{root}/{}", v.files[0])
            };
            props.push(format!("file={}", property(&file)));
        }
        props.push(format!(
            "title={}",
            property(&format!("distill budget: {}", v.name))
        ));
        writeln!(out, "::{level} {}::{}", props.join(","), data(&v.message))?;
    }
    if hidden != [0, 0] {
        writeln!(
            out,
            "::notice title=distill::{}",
            data(&format!(
                "{} more failed and {} more warned budgets not annotated (GitHub shows {MAX_PER_LEVEL} per level); see the job log or the JSON report",
                hidden[0], hidden[1]
            ))
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use distill_schema::{BudgetsReport, Compression, Metric, Verdict};

    fn verdict(i: usize, status: VerdictStatus) -> Verdict {
        Verdict {
            name: format!("b › assets/a{i},x.js"),
            budget: "b".into(),
            file: Some(format!("assets/a{i},x.js")),
            status,
            metric: Metric::Size,
            compression: Compression::Gzip,
            actual: 10,
            max: Some(1),
            warn: None,
            min: None,
            baseline: None,
            files: vec![format!("assets/a{i},x.js")],
            message: "100% over\nsecond line".into(),
        }
    }

    #[test]
    fn a_name_never_starts_a_command_of_its_own() {
        let mut report: Report = serde_json::from_str(
            r#"{"schemaVersion":1,"tool":{"name":"distill","version":"0"},"framework":null,"encoders":[],"files":[],"chunks":[],"edges":[],"entries":[],"routes":[],"totals":{},"serverFiles":0,"diagnostics":[]}"#,
        )
        .unwrap();
        let mut v = verdict(0, VerdictStatus::Fail);
        v.name = "x\n::error::forged\r::warning::also\u{1b}[2J\u{85}".into();
        v.files = vec!["a\n::error::f.js".into()];
        v.message = format!("{} is over", v.name);
        report.budgets = Some(BudgetsReport {
            source: "b.json".into(),
            verdicts: vec![v],
        });
        let mut out = Vec::new();
        write(&report, &Options::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert_eq!(
            text.split(['\r', '\n']).filter(|l| !l.is_empty()).count(),
            1
        );
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{85}'),
            "{text}"
        );
        assert!(text.contains("x%0A::error::forged"), "{text}");
    }

    #[test]
    fn at_most_ten_per_level_then_a_summary_and_escaping() {
        let mut report: Report = serde_json::from_str(
            r#"{"schemaVersion":1,"tool":{"name":"distill","version":"0"},"framework":null,"encoders":[],"files":[],"chunks":[],"edges":[],"entries":[],"routes":[],"totals":{},"serverFiles":0,"diagnostics":[]}"#,
        )
        .unwrap();
        let mut verdicts: Vec<Verdict> = (0..13).map(|i| verdict(i, VerdictStatus::Fail)).collect();
        verdicts.extend((0..2).map(|i| verdict(i, VerdictStatus::Warn)));
        report.budgets = Some(BudgetsReport {
            source: "b.json".into(),
            verdicts,
        });
        let mut out = Vec::new();
        let options = Options {
            root: "dist".into(),
            ..Options::default()
        };
        write(&report, &options, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::error ")).count(),
            10
        );
        assert_eq!(
            lines.iter().filter(|l| l.starts_with("::warning ")).count(),
            2
        );
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("::notice title=distill::3 more failed and 0 more warned")
        );
        assert!(
            lines.iter().all(|l| l.starts_with("::")),
            "one command per line: {text}"
        );
        assert_eq!(
            lines[0],
            "::error file=dist/assets/a0%2Cx.js,title=distill budget%3A b › assets/a0%2Cx.js::100%25 over%0Asecond line"
        );
    }
}
