//! What `distill optimize` did, for a person: per stage the bytes before and after, what it
//! wrote, removed and kept (grouped by reason).

use crate::Options;
use crate::style::{Paint, printable};
use distill_graph::Encoding;
use distill_schema::{Action, Report, Stage, StageReport, format_bytes};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub fn write(report: &Report, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let Some(run) = &report.optimize else {
        return Ok(());
    };
    let paint = Paint(options.color);
    let framework = report.framework.map_or("unknown", |f| f.label());
    if run.in_place {
        writeln!(
            out,
            "{} · {framework} · optimized in place",
            printable(&run.input)
        )?;
    } else {
        writeln!(
            out,
            "{} → {} · {framework}",
            printable(&run.input),
            printable(&run.output)
        )?;
    }
    for stage in &run.stages {
        writeln!(out, "\n{}", paint.bold(stage.stage.as_str()))?;
        writeln!(out, "  {}", printable(&stage.settings))?;
        match stage.stage {
            Stage::Compress => copies(stage, paint, out)?,
            Stage::Split => splits(stage, out)?,
            Stage::Rehash => renamed(stage, out)?,
            _ => replaced(stage, paint, out)?,
        }
        if stage.stage == Stage::Images {
            picture_hint(stage, out)?;
        }
        kept(stage, out)?;
        for line in &stage.notes {
            writeln!(out, "  {}", printable(line))?;
        }
        if !stage.advice.is_empty() {
            writeln!(out, "  at the source:")?;
            for line in &stage.advice {
                writeln!(out, "    {}", printable(line))?;
            }
        }
    }
    Ok(())
}

fn percent(before: u64, after: u64) -> String {
    if before == 0 {
        return String::new();
    }
    format!(" (−{:.1}%)", (1.0 - after as f64 / before as f64) * 100.0)
}

/// Precompressed copies: per encoding, the files it covers and their bytes before and after.
fn copies(stage: &StageReport, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let mut by: BTreeMap<Encoding, (usize, u64, u64)> = BTreeMap::new();
    let mut files = std::collections::BTreeSet::new();
    for c in stage.changes.iter().filter(|c| c.action == Action::Written) {
        if let Some(e) = c.encoding {
            let t = by.entry(e).or_default();
            t.0 += 1;
            t.1 = t.1.saturating_add(c.before);
            t.2 = t.2.saturating_add(c.after);
            files.insert(c.path.as_str());
        }
    }
    if by.is_empty() {
        writeln!(out, "  no copy written")?;
    }
    for (e, (n, before, after)) in &by {
        writeln!(
            out,
            "  .{:<4} {n:>5} copies  {:>10} → {:>10}{}",
            e.sibling_extension().unwrap_or("?"),
            format_bytes(*before),
            paint.green(&format_bytes(*after)),
            percent(*before, *after)
        )?;
    }
    let removed = stage
        .changes
        .iter()
        .filter(|c| c.action == Action::Removed)
        .count();
    if removed > 0 {
        writeln!(
            out,
            "  {removed} stale copies removed (they did not decode to their file)"
        )?;
    }
    Ok(())
}

/// Files replaced by smaller ones.
fn replaced(stage: &StageReport, paint: Paint, out: &mut dyn Write) -> io::Result<()> {
    let changed: Vec<_> = stage
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Replaced | Action::Written))
        .collect();
    let (before, after) = stage.totals();
    writeln!(
        out,
        "  {} files  {} → {}{}",
        changed.len(),
        format_bytes(before),
        paint.green(&format_bytes(after)),
        percent(before, after)
    )
}

/// Each chunk split: what it became; then the files told about the new chunks.
fn splits(stage: &StageReport, out: &mut dyn Write) -> io::Result<()> {
    let mut any = false;
    for c in &stage.changes {
        match (c.action, &c.written) {
            (Action::Replaced, None)
                if c.reason
                    .as_deref()
                    .is_some_and(|r| r.starts_with("split in ")) =>
            {
                any = true;
                let still = c
                    .reason
                    .as_deref()
                    .and_then(|r| r.split_once("; what stays is "))
                    .map_or(String::new(), |(_, w)| format!("  ({w})"));
                writeln!(
                    out,
                    "  {}  {} → {}{still}",
                    printable(&c.path),
                    format_bytes(c.before),
                    format_bytes(c.after)
                )?;
            }
            (Action::Written, Some(w)) => writeln!(
                out,
                "    + {}  {}  {}",
                printable(w),
                format_bytes(c.after),
                printable(c.reason.as_deref().unwrap_or(""))
            )?,
            (Action::Replaced, None) => {
                writeln!(out, "  {} now loads the new chunks", printable(&c.path))?;
            }
            _ => {}
        }
    }
    if !any {
        writeln!(out, "  no chunk split")?;
    }
    Ok(())
}

/// Files renamed by their new content hash.
fn renamed(stage: &StageReport, out: &mut dyn Write) -> io::Result<()> {
    let all: Vec<_> = stage
        .changes
        .iter()
        .filter_map(|c| Some((c.path.as_str(), c.written.as_deref()?)))
        .collect();
    writeln!(out, "  {} files renamed", all.len())?;
    for (old, new) in all.iter().take(10) {
        writeln!(out, "    {} → {}", printable(old), printable(new))?;
    }
    if all.len() > 10 {
        writeln!(out, "    … and {} more", all.len() - 10)?;
    }
    Ok(())
}

/// Siblings are written, never swapped in: the markup that lets browsers choose, once.
fn picture_hint(stage: &StageReport, out: &mut dyn Write) -> io::Result<()> {
    let mut by_image: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in stage.changes.iter().filter(|c| c.action == Action::Written) {
        if let Some(w) = &c.written {
            by_image.entry(c.path.as_str()).or_default().push(w);
        }
    }
    let Some((image, siblings)) = by_image.iter().next() else {
        return Ok(());
    };
    let written: usize = by_image.values().map(Vec::len).sum();
    writeln!(
        out,
        "  {written} siblings written beside {} images; browsers use them only through markup such as:",
        by_image.len()
    )?;
    let mut sources: Vec<&&str> = siblings.iter().collect();
    // AVIF first: a browser takes the first source it supports.
    sources.sort_by_key(|s| !s.ends_with(".avif"));
    write!(out, "    <picture>")?;
    for s in sources {
        let kind = if s.ends_with(".avif") {
            "image/avif"
        } else {
            "image/webp"
        };
        write!(out, "<source srcset=\"/{}\" type=\"{kind}\">", printable(s))?;
    }
    writeln!(
        out,
        "<img src=\"/{}\" alt=\"\"></picture>",
        printable(image)
    )
}

/// Files left as they were, counted by reason.
fn kept(stage: &StageReport, out: &mut dyn Write) -> io::Result<()> {
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for c in stage.changes.iter().filter(|c| c.action == Action::Kept) {
        // "saves 3.2%, under the 10% …" counts under one reason whatever the figure.
        let reason = c.reason.as_deref().unwrap_or("no reason given");
        let key = match reason.split_once(", ") {
            Some((head, tail)) if head.starts_with("saves ") => tail.to_owned(),
            _ => reason.to_owned(),
        };
        *reasons.entry(key).or_default() += 1;
    }
    if reasons.is_empty() {
        return Ok(());
    }
    writeln!(out, "  kept as they were:")?;
    let mut sorted: Vec<_> = reasons.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (reason, n) in sorted {
        writeln!(out, "    {n:>5}  {}", printable(&reason))?;
    }
    Ok(())
}
