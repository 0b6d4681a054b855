//! The table a person reads at a glance: first-load JS and CSS per entry or route, what loads
//! later, the largest files, and totals per kind.

use crate::format_bytes;
use crate::json::kind_totals;
use distill_analyze::{Analysis, DuplicateKind, MapStatus};
use distill_graph::{Encoding, FileKind, Sizes};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

#[derive(Debug, Clone)]
pub struct Options {
    /// How many of the largest files to list.
    pub top: usize,
    /// The build folder as the user named it.
    pub root: String,
}

pub fn write(analysis: &Analysis, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let build = &analysis.build;
    let payload = build.files.iter().filter(|f| f.kind.is_payload()).count();
    let framework = build.framework.map_or("unknown", |f| f.label());
    writeln!(out, "{} · {framework} · {payload} files", options.root)?;
    for e in &analysis.encoders {
        let level = e.level.map(|l| format!(" level {l}")).unwrap_or_default();
        let window = e
            .window_log
            .map(|w| format!(", window 2^{w}"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}: {}{level}{window}",
            e.encoding.as_str(),
            e.encoder
        )?;
    }

    let encodings: Vec<Encoding> = std::iter::once(Encoding::Raw)
        .chain(analysis.encodings.iter().copied())
        .collect();
    let mut table = Table::new(&["", "files"], &encodings);

    for (title, sets) in [("Entry", &build.entries), ("Route", &build.routes)] {
        if sets.is_empty() {
            continue;
        }
        table.section(&format!("{title} — first load"));
        for set in sets {
            let js: Vec<&String> = analysis.of_kind(&set.initial, FileKind::Script).collect();
            let css: Vec<&String> = analysis
                .of_kind(&set.initial, FileKind::Stylesheet)
                .collect();
            table.row(
                &set.name,
                js.len() + css.len(),
                analysis.total(js.iter().copied().chain(css.iter().copied())),
            );
            table.row("  js", js.len(), analysis.total(js.iter().copied()));
            if !css.is_empty() {
                table.row("  css", css.len(), analysis.total(css.iter().copied()));
            }
            if !set.lazy.is_empty() {
                table.row("  later (lazy)", set.lazy.len(), analysis.total(&set.lazy));
            }
        }
    }

    let mut largest: Vec<_> = build.files.iter().filter(|f| f.kind.is_payload()).collect();
    largest.sort_by(|a, b| b.size.cmp(&a.size).then(a.path.cmp(&b.path)));
    if options.top > 0 && !largest.is_empty() {
        table.section(&format!("Largest files (of {})", largest.len()));
        for f in largest.iter().take(options.top) {
            let label = format!("{} ({})", f.path, f.kind.as_str());
            table.row(&label, 1, analysis.sizes(&f.path).unwrap_or_default());
        }
    }

    attribution_sections(analysis, options.top, &mut table);

    table.section("Totals by kind (source maps excluded)");
    let totals = kind_totals(analysis);
    let mut all = Sizes::zero(&analysis.encodings);
    let mut count = 0;
    for (kind, t) in &totals {
        table.row(kind, t.files as usize, t.sizes);
        all += t.sizes;
        count += t.files as usize;
    }
    table.row("all", count, all);
    table.print(out)?;
    attribution_notes(analysis, out)?;
    if build.server_files > 0 {
        writeln!(
            out,
            "\n{} server-only files not counted (they never reach a browser)",
            build.server_files
        )?;
    }
    Ok(())
}

/// Largest packages and modules across the build (from source maps), and duplicated packages.
fn attribution_sections(analysis: &Analysis, top: usize, table: &mut Table) {
    if analysis.attribution.is_empty() || top == 0 {
        return;
    }
    // Packages (buckets such as `(unmapped)` stand for themselves) and modules, each with the
    // files they appear in.
    let mut packages: BTreeMap<String, (Sizes, BTreeSet<&str>)> = BTreeMap::new();
    let mut modules: BTreeMap<&str, (Sizes, BTreeSet<&str>)> = BTreeMap::new();
    let zero = Sizes::zero(&[Encoding::Gzip, Encoding::Brotli]);
    for (path, a) in &analysis.attribution {
        for m in &a.modules {
            let name = match (&m.package, &m.version) {
                (Some(p), Some(v)) => format!("{p}@{v}"),
                (Some(p), None) => p.clone(),
                (None, _) => m.source.clone(),
            };
            let p = packages.entry(name).or_insert((zero, BTreeSet::new()));
            p.0 += m.sizes();
            p.1.insert(path);
            let e = modules.entry(&m.source).or_insert((zero, BTreeSet::new()));
            e.0 += m.sizes();
            e.1.insert(path);
        }
    }
    let mut packages: Vec<_> = packages.into_iter().collect();
    packages.sort_by(|a, b| b.1.0.raw.cmp(&a.1.0.raw).then_with(|| a.0.cmp(&b.0)));
    table.section(&format!(
        "Largest packages (of {}; scripts and stylesheets, by source map)",
        packages.len()
    ));
    for (name, (sizes, files)) in packages.iter().take(top) {
        table.row(name, files.len(), *sizes);
    }
    let mut modules: Vec<_> = modules
        .into_iter()
        .filter(|(source, _)| !source.starts_with('('))
        .collect();
    modules.sort_by(|a, b| b.1.0.raw.cmp(&a.1.0.raw).then_with(|| a.0.cmp(b.0)));
    if !modules.is_empty() {
        table.section(&format!("Largest modules (of {})", modules.len()));
        for (source, (sizes, files)) in modules.iter().take(top) {
            table.row(source, files.len(), *sizes);
        }
    }
    if !analysis.duplicates.is_empty() {
        table.section("Duplicated packages (bytes wasted)");
        for d in analysis.duplicates.iter().take(top) {
            let versions = if d.versions.is_empty() {
                String::new()
            } else {
                format!(" {}", d.versions.join(", "))
            };
            let what = match d.kind {
                DuplicateKind::Chunks => "same modules in several files",
                DuplicateKind::Versions => "several versions",
                DuplicateKind::Copies => "several copies",
            };
            table.row(
                &format!("{}{versions} ({what})", d.package),
                d.files.len(),
                d.wasted,
            );
        }
    }
}

/// What the attribution numbers mean and what they could not cover.
fn attribution_notes(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    if analysis.attribution.is_empty() {
        return Ok(());
    }
    let (mut no_map, mut unusable, mut no_map_bytes) = (0, 0, 0);
    for (path, a) in &analysis.attribution {
        match a.map {
            MapStatus::NoMap => {
                no_map += 1;
                no_map_bytes += analysis.sizes(path).map_or(0, |s| s.raw);
            }
            MapStatus::Unusable => unusable += 1,
            MapStatus::Mapped => {}
        }
    }
    writeln!(out)?;
    if no_map > 0 {
        writeln!(
            out,
            "{no_map} scripts/stylesheets ({}) have no source map: counted as `(no source map)`",
            format_bytes(no_map_bytes)
        )?;
    }
    if unusable > 0 {
        writeln!(
            out,
            "{unusable} name a source map that is missing or unusable: counted as `(unmapped)` (see warnings)"
        )?;
    }
    let compressed = analysis
        .attribution
        .values()
        .flat_map(|a| &a.modules)
        .any(|m| m.method.is_some());
    if compressed {
        writeln!(
            out,
            "Package and module gzip/brotli sizes are shares of each file's real size: modules of 4 KiB, or of 1 KiB and 2% \
             of a file, are compressed on their own (brotli at quality {} as a proxy), the rest split by raw bytes, \
             then all scaled to add up to the file",
            distill_analyze::attribution::BROTLI_PROXY_QUALITY
        )?;
    }
    Ok(())
}

/// A left-aligned first column and right-aligned number columns, widths fitted to content.
struct Table {
    header: Vec<String>,
    encodings: Vec<Encoding>,
    rows: Vec<Option<Vec<String>>>,
    sections: Vec<(usize, String)>,
}

impl Table {
    fn new(leading: &[&str], encodings: &[Encoding]) -> Table {
        let mut header: Vec<String> = leading.iter().map(|s| s.to_string()).collect();
        header.extend(encodings.iter().map(|e| e.as_str().to_string()));
        Table {
            header,
            encodings: encodings.to_vec(),
            rows: Vec::new(),
            sections: Vec::new(),
        }
    }

    fn section(&mut self, title: &str) {
        self.sections.push((self.rows.len(), title.to_owned()));
        self.rows.push(None);
    }

    fn row(&mut self, label: &str, files: usize, sizes: Sizes) {
        let mut cells = vec![label.to_owned(), files.to_string()];
        cells.extend(
            self.encodings
                .iter()
                .map(|e| sizes.get(*e).map_or_else(|| "-".to_owned(), format_bytes)),
        );
        self.rows.push(Some(cells));
    }

    fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for cells in self.rows.iter().flatten() {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(c.chars().count());
            }
        }
        for (_, title) in &self.sections {
            widths[0] = widths[0].max(title.chars().count());
        }
        widths[0] = widths[0].min(72);
        let line = |cells: &[String], out: &mut dyn Write| -> io::Result<()> {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if i == 0 {
                    let c = ellipsize(c, *w);
                    s.push_str(&format!("{c:<w$}", w = *w));
                } else {
                    s.push_str(&format!("  {c:>w$}", w = *w));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        let mut section = self.sections.iter();
        for row in &self.rows {
            match row {
                Some(cells) => line(cells, out)?,
                None => {
                    let title = &section.next().expect("one title per section").1;
                    writeln!(out)?;
                    let mut header = self.header.clone();
                    header[0] = title.clone();
                    line(&header, out)?;
                }
            }
        }
        Ok(())
    }
}

/// Keeps the end of a long path, where the file name is.
fn ellipsize(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        return s.to_owned();
    }
    let tail: String = s.chars().skip(n - (width - 1)).collect();
    format!("…{tail}")
}
