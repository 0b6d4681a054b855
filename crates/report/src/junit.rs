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
        let file = match v.files.as_slice() {
            [only] => format!(" ({only})"),
            _ => String::new(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use distill_schema::{BudgetsReport, Compression, Metric, Verdict};

    /// A report whose verdicts carry the names given, one of each status.
    pub(crate) fn report_named(names: &[&str]) -> Report {
        let mut report: Report = serde_json::from_str(
            r#"{"schemaVersion":1,"tool":{"name":"distill","version":"0"},"framework":null,"encoders":[],"files":[],"chunks":[],"edges":[],"entries":[],"routes":[],"totals":{},"serverFiles":0,"diagnostics":[]}"#,
        )
        .unwrap();
        let statuses = [
            VerdictStatus::Pass,
            VerdictStatus::Fail,
            VerdictStatus::Warn,
            VerdictStatus::Empty,
        ];
        let verdicts = names
            .iter()
            .zip(statuses.iter().cycle())
            .map(|(name, status)| Verdict {
                name: (*name).to_owned(),
                budget: (*name).to_owned(),
                file: None,
                status: *status,
                metric: Metric::Size,
                compression: Compression::Gzip,
                actual: 10,
                max: Some(1),
                warn: None,
                min: None,
                baseline: None,
                files: vec![format!("assets/{name}.js")],
                message: format!("over: {name}"),
            })
            .collect();
        report.budgets = Some(BudgetsReport {
            source: "b.json".into(),
            verdicts,
        });
        report
    }

    #[test]
    fn every_name_gives_a_document_an_xml_parser_reads() {
        let names = [
            "ok",
            "non\u{FFFF}char",
            "non\u{FFFE}char",
            "c0\u{1}\u{8}\u{b}\u{c}\u{1f}",
            "esc\u{1b}[31m",
            "c1\u{85}\u{9b}",
            "lines\r\n\t",
            "markup <a href=\"x\">&amp;</a> ' ]]>",
            "astral 𝄞 and \u{10FFFF}",
        ];
        let mut out = Vec::new();
        write(&report_named(&names), &Options::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let cases: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|n| n.attribute("name").unwrap())
            .collect();
        assert_eq!(cases.len(), names.len());
        assert_eq!(cases[1], "non\\u{ffff}char", "visible, not dropped");
        assert_eq!(cases[2], "non\\u{fffe}char");
        assert_eq!(cases[3], "c0\\u{1}\\u{8}\\u{b}\\u{c}\\u{1f}");
        assert_eq!(cases[4], "esc\\u{1b}[31m");
        assert_eq!(
            cases[6], "lines\r\n\t",
            "kept through attribute normalization"
        );
        assert_eq!(cases[7], names[7], "markup round-trips as text");
        assert_eq!(cases[8], names[8], "astral characters are XML characters");
        let failure = doc
            .descendants()
            .find(|n| n.has_tag_name("failure"))
            .unwrap();
        assert_eq!(failure.attribute("message"), Some("over: non\\u{ffff}char"));
    }
}
