//! JUnit XML: one test case per budget verdict (per file for `each` budgets), in the shape CI
//! systems read (Jenkins, GitLab, Azure, CircleCI): failures as `<failure>`, warnings in
//! `<system-out>`, empty selections as `<skipped>`.

use crate::Options;
use distill_schema::{Report, VerdictStatus};
use std::fmt::Write as _;
use std::io::{self, Write};

/// Whether XML 1.0 can carry `c` at all (its `Char` production): tab, LF, CR, and everything
/// from U+0020 except the surrogates (which a Rust `char` cannot be) and U+FFFE, U+FFFF. A
/// single other character makes the whole document unreadable to a CI system's parser.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text and attribute values: markup escaped; characters XML cannot carry, and every other
/// control character, written as a visible `\u{…}` escape (as the terminal output writes them),
/// so two names that differ only there still read differently. Tab, LF and CR become character
/// references: an attribute value would otherwise read them back as spaces.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if !xml_char(c) || c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
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
