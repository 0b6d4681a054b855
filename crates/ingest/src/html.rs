//! Builds without a manifest: entries are the HTML documents, followed through their
//! `<script>`, `<link rel=modulepreload>` and `<link rel=stylesheet>` tags, then through the
//! chunks' own import statements.

use crate::context::Context;
use distill_fs::paths;
use distill_graph::{Build, Code, EdgeKind, FileKind, Role};

pub(crate) fn ingest(ctx: &mut Context, build: &mut Build) {
    ctx.follow_references("/");
    ctx.follow_loader_paths();
    let documents: Vec<String> = ctx
        .files
        .values()
        .filter(|s| s.file.kind == FileKind::Document)
        .map(|s| s.file.path.clone())
        .collect();
    let mut sets = Vec::new();
    for doc in documents {
        let Some(starts) = html_starts(ctx, &doc, &|doc, url| paths::resolve(doc, url, "/")) else {
            continue;
        };
        if starts.scripts.is_empty() && starts.styles.is_empty() {
            continue;
        }
        for s in &starts.scripts {
            ctx.set_role(s, Role::Entry);
        }
        for s in &starts.styles {
            ctx.edge(&doc, s, EdgeKind::Stylesheet);
        }
        sets.push((doc, starts));
    }
    finish_workers(ctx);
    let graph = ctx.graph();
    for (doc, starts) in sets {
        let mut all = starts.scripts.clone();
        all.extend(starts.styles.iter().cloned());
        build
            .entries
            .push(graph.load_set(&doc, Some("html"), &all, &[]));
    }
}

/// Scripts reached only as workers get the worker role.
pub(crate) fn finish_workers(ctx: &mut Context) {
    let workers: Vec<String> = ctx
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Worker)
        .map(|e| e.to.clone())
        .collect();
    for w in workers {
        ctx.set_role(&w, Role::Worker);
    }
}

#[derive(Debug, Default)]
pub(crate) struct HtmlStarts {
    /// Module and classic scripts (not `nomodule`), then modulepreloads, in document order.
    pub scripts: Vec<String>,
    pub styles: Vec<String>,
    /// `nomodule` scripts: fetched only by legacy browsers.
    pub nomodule: Vec<String>,
}

/// The files an HTML document loads first; `locate` maps a URL in `doc` to a build path.
/// References that leave the build are reported.
pub(crate) fn html_starts(
    ctx: &mut Context,
    doc: &str,
    locate: &dyn Fn(&str, &str) -> Option<String>,
) -> Option<HtmlStarts> {
    let text = ctx.read_text(doc, Code::InputMissingFile)?;
    let mut starts = HtmlStarts::default();
    for tag in distill_scan::html::tags(&text) {
        let (url, list) = match tag.name.as_str() {
            "script" => match tag.attr("src") {
                Some(src) if tag.has("nomodule") => (src, &mut starts.nomodule),
                Some(src) => (src, &mut starts.scripts),
                None => continue,
            },
            "link" => {
                let rel = tag.attr("rel").unwrap_or("").to_ascii_lowercase();
                let Some(href) = tag.attr("href") else {
                    continue;
                };
                if rel.split_whitespace().any(|r| r == "stylesheet") {
                    (href, &mut starts.styles)
                } else if rel.split_whitespace().any(|r| r == "modulepreload") {
                    (href, &mut starts.scripts)
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        match locate(doc, url) {
            Some(path) if ctx.has(&path) && list.contains(&path) => {}
            Some(path) if ctx.has(&path) => list.push(path),
            Some(path) => ctx.diags.push(
                distill_graph::Diagnostic::warning(
                    Code::InputMissingFile,
                    format!("loads `{url}` ({path}), which is not in the build"),
                )
                .at(doc)
                .hint("the build folder may be incomplete; rebuild"),
            ),
            None if paths::escapes(doc, url) => ctx.diags.push(
                distill_graph::Diagnostic::warning(
                    Code::InputPathOutside,
                    format!("loads `{url}`, outside the build folder; not followed"),
                )
                .at(doc),
            ),
            None => {} // another origin or a data: URL: not part of this build
        }
    }
    Some(starts)
}
