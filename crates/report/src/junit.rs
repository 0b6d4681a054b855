//! JUnit XML: one test case per budget verdict (per file for `each` budgets), in the shape CI
//! systems read (Jenkins, GitLab, Azure, CircleCI): failures as `<failure>`, warnings in
//! `<system-out>`, empty selections as `<skipped>`.

use crate::Options;
use distill_schema::{Report, VerdictStatus};
use std::io::{self, Write};

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub fn write(report: &Report, _options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let verdicts = report.budgets.as_ref().map_or(&[][..], |b| &b.verdicts[..]);
    let failures = verdicts
        .iter()
        .filter(|v| v.status == VerdictStatus::Fail)
        .count();
    let skipped = verdicts
        .iter()
        .filter(|v| v.status == VerdictStatus::Empty)
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="distill" tests="{}" failures="{failures}" errors="0" skipped="{skipped}" time="0">"#,
        verdicts.len()
    )?;
    writeln!(
        out,
        r#"  <testsuite name="distill budgets" tests="{}" failures="{failures}" errors="0" skipped="{skipped}" time="0">"#,
        verdicts.len()
    )?;
    for v in verdicts {
        write!(
            out,
            r#"    <testcase classname="budgets.{}" name="{}" time="0""#,
            xml(&v.budget),
            xml(&v.name)
        )?;
        let file = if v.files.len() == 1 {
            format!(" ({})", v.files[0])
        } else {
            String::new()
        };
        match v.status {
            VerdictStatus::Pass => writeln!(out, " />")?,
            VerdictStatus::Fail => {
                writeln!(out, ">")?;
                writeln!(
                    out,
                    r#"      <failure type="budget/exceeded" message="{}">{}{}</failure>"#,
                    xml(&v.message),
                    xml(&v.message),
                    xml(&file)
                )?;
                writeln!(out, "    </testcase>")?;
            }
            VerdictStatus::Warn => {
                writeln!(out, ">")?;
                writeln!(
                    out,
                    "      <system-out>warning[budget/warning]: {}{}</system-out>",
                    xml(&v.message),
                    xml(&file)
                )?;
                writeln!(out, "    </testcase>")?;
            }
            VerdictStatus::Empty => {
                writeln!(out, ">")?;
                writeln!(out, r#"      <skipped message="{}" />"#, xml(&v.message))?;
                writeln!(out, "    </testcase>")?;
            }
        }
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}
