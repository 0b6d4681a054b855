//! The table a person reads at a glance: first-load JS and CSS per entry or route, what loads
//! later, the largest files, and totals per kind.

use crate::Options;
use crate::style::{Paint, printable};
use distill_graph::{Encoding, FileKind, Sizes};
use distill_schema::{
    BROTLI_SHARE_PROXY_QUALITY, DuplicateKind, FileReport, MapStatus, Report, format_bytes,
};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

/// The measured encodings besides raw, in the report's order.
fn measured(report: &Report) -> Vec<Encoding> {
    report
        .encoders
        .iter()
        .map(|e| e.encoding)
        .filter(|e| *e != Encoding::Raw)
        .collect()
}

pub fn write(report: &Report, options: &Options, out: &mut dyn Write) -> io::Result<()> {
    let by_path: BTreeMap<&str, &FileReport> =
        report.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let encodings = measured(report);
    // With precompressed copies, what a browser really gets is a column of its own.
    let served = report.files.iter().any(|f| !f.siblings.is_empty());
    let total = |paths: &mut dyn Iterator<Item = &String>| {
        let mut sum = Sizes::zero(&encodings);
        let mut bytes: u64 = 0;
        for p in paths {
            if let Some(f) = by_path.get(p.as_str()) {
                sum += f.sizes;
                bytes = bytes.saturating_add(f.served().0);
            }
        }
        (sum, served.then_some(bytes))
    };
    let of_kind = |files: &[String], kind: FileKind| -> Vec<String> {
        files
            .iter()
            .filter(|p| by_path.get(p.as_str()).is_some_and(|f| f.kind == kind))
            .cloned()
            .collect()
    };
    let payload = report.files.iter().filter(|f| f.kind.is_payload()).count();
    let framework = report.framework.map_or("unknown", |f| f.label());
    writeln!(
        out,
        "{} · {framework} · {payload} files",
        printable(&options.root)
    )?;
    for e in &report.encoders {
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

    let columns: Vec<Encoding> = std::iter::once(Encoding::Raw)
        .chain(encodings.iter().copied())
        .collect();
    let mut table = Table::new(&["", "files"], &columns, served, Paint(options.color));

    for (title, sets) in [("Entry", &report.entries), ("Route", &report.routes)] {
        if sets.is_empty() {
            continue;
        }
        table.section(&format!("{title} — first load"));
        for set in sets {
            let js = of_kind(&set.initial, FileKind::Script);
            let css = of_kind(&set.initial, FileKind::Stylesheet);
            let (sizes, bytes) = total(&mut js.iter().chain(css.iter()));
            table.row_served(&set.name, js.len() + css.len(), sizes, bytes);
            let (sizes, bytes) = total(&mut js.iter());
            table.row_served("  js", js.len(), sizes, bytes);
            if !css.is_empty() {
                let (sizes, bytes) = total(&mut css.iter());
                table.row_served("  css", css.len(), sizes, bytes);
            }
            if !set.lazy.is_empty() {
                let (sizes, bytes) = total(&mut set.lazy.iter());
                table.row_served("  later (lazy)", set.lazy.len(), sizes, bytes);
            }
            if !set.images.is_empty() {
                let (sizes, bytes) = total(&mut set.images.iter());
                table.row_served("  images it names", set.images.len(), sizes, bytes);
            }
        }
    }

    let mut largest: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| f.kind.is_payload())
        .collect();
    largest.sort_by(|a, b| b.sizes.raw.cmp(&a.sizes.raw).then(a.path.cmp(&b.path)));
    if options.top > 0 && !largest.is_empty() {
        table.section(&format!("Largest files (of {})", largest.len()));
        for f in largest.iter().take(options.top) {
            let label = if f.sent_as_is {
                format!("{} ({}, sent as is)", f.path, f.kind.as_str())
            } else {
                format!("{} ({})", f.path, f.kind.as_str())
            };
            table.row_served(&label, 1, f.sizes, served.then(|| f.served().0));
        }
    }

    attribution_sections(report, options.top, &mut table);

    table.section("Totals by kind (source maps excluded)");
    let mut all = Sizes::zero(&encodings);
    let mut count = 0;
    let mut all_served: u64 = 0;
    for (kind, t) in &report.totals {
        let kind_served: u64 = report
            .files
            .iter()
            .filter(|f| f.kind.is_payload() && f.kind.as_str() == kind)
            .map(|f| f.served().0)
            .fold(0, u64::saturating_add);
        all_served = all_served.saturating_add(kind_served);
        table.row_served(
            kind,
            t.files as usize,
            t.sizes,
            served.then_some(kind_served),
        );
        all += t.sizes;
        count += t.files as usize;
    }
    table.row_served("all", count, all, served.then_some(all_served));
    table.print(out)?;
    let as_is = report.files.iter().filter(|f| f.sent_as_is).count();
    if served {
        writeln!(
            out,
            "\nserved: what a browser accepting br, zstd and gzip gets: a file's smallest precompressed \
             copy, else its brotli size"
        )?;
    }
    if as_is > 0 && !encodings.is_empty() {
        writeln!(
            out,
            "\n{as_is} files are sent as they are (images, WOFF fonts, media: already compressed): \
             their gzip, brotli and zstd columns show their raw bytes"
        )?;
    }
    attribution_notes(report, out)?;
    if report.server_files > 0 {
        writeln!(
            out,
            "\n{} server-only files not counted (they never reach a browser)",
            report.server_files
        )?;
    }
    Ok(())
}

/// Largest packages and modules across the build (from source maps), and duplicated packages.
fn attribution_sections(report: &Report, top: usize, table: &mut Table) {
    let attributed: Vec<&FileReport> = report
        .files
        .iter()
        .filter(|f| !f.modules.is_empty())
        .collect();
    if attributed.is_empty() || top == 0 {
        return;
    }
    // Packages (buckets such as `(unmapped)` stand for themselves) and modules, each with the
    // files they appear in.
    let mut packages: BTreeMap<String, (Sizes, BTreeSet<&str>)> = BTreeMap::new();
    let mut modules: BTreeMap<&str, (Sizes, BTreeSet<&str>)> = BTreeMap::new();
    let zero = Sizes::zero(&[Encoding::Gzip, Encoding::Brotli]);
    for f in &attributed {
        for m in &f.modules {
            let name = match (&m.package, &m.version) {
                (Some(p), Some(v)) => format!("{p}@{v}"),
                (Some(p), None) => p.clone(),
                (None, _) => m.source.clone(),
            };
            let sizes = Sizes {
                raw: m.raw,
                gzip: m.gzip,
                brotli: m.brotli,
                zstd: None,
            };
            let p = packages.entry(name).or_insert((zero, BTreeSet::new()));
            p.0 += sizes;
            p.1.insert(&f.path);
            let e = modules.entry(&m.source).or_insert((zero, BTreeSet::new()));
            e.0 += sizes;
            e.1.insert(&f.path);
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
    if !report.duplicates.is_empty() {
        table.section("Duplicated packages (bytes wasted)");
        for d in report.duplicates.iter().take(top) {
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
fn attribution_notes(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let (mut attributed, mut no_map, mut unusable, mut no_map_bytes) = (0, 0, 0, 0);
    for f in &report.files {
        match f.map {
            Some(MapStatus::NoMap) => {
                no_map += 1;
                no_map_bytes += f.sizes.raw;
            }
            Some(MapStatus::Unusable) => unusable += 1,
            Some(MapStatus::Mapped) => {}
            None => continue,
        }
        attributed += 1;
    }
    if attributed == 0 {
        return Ok(());
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
    let compressed = report
        .files
        .iter()
        .flat_map(|f| &f.modules)
        .any(|m| m.method.is_some());
    if compressed {
        writeln!(
            out,
            "Package and module gzip/brotli sizes are shares of each file's real size: modules of 4 KiB, or of 1 KiB and 2% \
             of a file, are compressed on their own (brotli at quality {BROTLI_SHARE_PROXY_QUALITY} as a proxy), the rest split by raw bytes, \
             then all scaled to add up to the file"
        )?;
    }
    Ok(())
}

/// A left-aligned first column and right-aligned number columns, widths fitted to content.
struct Table {
    header: Vec<String>,
    encodings: Vec<Encoding>,
    served: bool,
    rows: Vec<Option<Vec<String>>>,
    sections: Vec<(usize, String)>,
    paint: Paint,
}

impl Table {
    /// `served`: a last column with the bytes really served (precompressed copies).
    fn new(leading: &[&str], encodings: &[Encoding], served: bool, paint: Paint) -> Table {
        let mut header: Vec<String> = leading.iter().map(ToString::to_string).collect();
        header.extend(encodings.iter().map(|e| e.as_str().to_string()));
        if served {
            header.push("served".into());
        }
        Table {
            header,
            encodings: encodings.to_vec(),
            served,
            rows: Vec::new(),
            sections: Vec::new(),
            paint,
        }
    }

    fn row_served(&mut self, label: &str, files: usize, sizes: Sizes, served: Option<u64>) {
        self.row(label, files, sizes);
        if self.served
            && let Some(Some(cells)) = self.rows.last_mut()
            && let Some(last) = cells.last_mut()
        {
            *last = served.map_or_else(|| "-".to_owned(), format_bytes);
        }
    }

    fn section(&mut self, title: &str) {
        self.sections.push((self.rows.len(), title.to_owned()));
        self.rows.push(None);
    }

    fn row(&mut self, label: &str, files: usize, sizes: Sizes) {
        let mut cells = vec![printable(label).into_owned(), files.to_string()];
        cells.extend(
            self.encodings
                .iter()
                .map(|e| sizes.get(*e).map_or_else(|| "-".to_owned(), format_bytes)),
        );
        if self.served {
            cells.push("-".to_owned());
        }
        self.rows.push(Some(cells));
    }

    fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for cells in self.rows.iter().flatten() {
            for (w, c) in widths.iter_mut().zip(cells) {
                *w = (*w).max(c.chars().count());
            }
        }
        if let Some(first) = widths.first_mut() {
            for (_, title) in &self.sections {
                *first = (*first).max(title.chars().count());
            }
            *first = (*first).min(72);
        }
        let line = |cells: &[String], bold: bool, out: &mut dyn Write| -> io::Result<()> {
            let mut s = String::new();
            for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
                if i == 0 {
                    let c = ellipsize(c, *w);
                    s.push_str(&format!("{c:<w$}", w = *w));
                } else {
                    s.push_str(&format!("  {c:>w$}", w = *w));
                }
            }
            let s = s.trim_end();
            if bold {
                writeln!(out, "{}", self.paint.bold(s))
            } else {
                writeln!(out, "{s}")
            }
        };
        let mut section = self.sections.iter();
        for row in &self.rows {
            match row {
                Some(cells) => line(cells, false, out)?,
                None => {
                    let Some((_, title)) = section.next() else {
                        continue; // one title per section, by construction
                    };
                    writeln!(out)?;
                    let mut header = self.header.clone();
                    if let Some(first) = header.first_mut() {
                        first.clone_from(title);
                    }
                    line(&header, true, out)?;
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
