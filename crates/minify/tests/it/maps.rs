//! Source maps stay true on real chunks: identifiable tokens that occur once in the built file
//! and once in the minified one (JS: identifiers such as function, property and global names,
//! and string literals, found by parsing both; CSS: rules, by selector, the finest unit
//! lightningcss maps) are
//! looked up through the build's map at their place in the built file and through the composed
//! map at their place in the minified file. Both must name the same source, line and column,
//! and the same name where the build's map had one exactly there.
//!
//! The maps are read here independently of the crate: oxc_sourcemap decodes, this file
//! flattens index maps (Turbopack's CSS) and looks up as Mozilla's `source-map` does (the
//! greatest column at or before, the first of mappings stacked there).

use crate::util::{self, Chunk};
use distill_minify::{CssOptions, JsMinifier, JsOptions, ScriptKind, minify_css, minify_js};
use oxc::allocator::Allocator;
use oxc::ast::ast::{
    BindingIdentifier, IdentifierName, IdentifierReference, StringLiteral, TemplateLiteral,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::Parser;
use oxc::span::SourceType;
use oxc_sourcemap::SourceMap;
use serde_json::Value;
use std::collections::HashMap;

/// An original position: source, line, column, name.
type Origin = (String, u32, u32, Option<String>);

/// A map flattened to sorted (line, column) → origin, for lookups.
struct Lookup {
    lines: Vec<Vec<(u32, Option<Origin>)>>,
}

impl Lookup {
    fn new(json: &str) -> Lookup {
        let value: Value = serde_json::from_str(json).unwrap();
        let mut lines: Vec<Vec<(u32, Option<Origin>)>> = Vec::new();
        let mut add = |map: &Value, line_offset: u32, col_offset: u32| {
            let json = map.to_string();
            let map = SourceMap::from_json_string(&json).unwrap();
            let root = map.get_source_root().unwrap_or("").to_owned();
            for t in map.get_tokens() {
                let line = (t.get_dst_line() + line_offset) as usize;
                let col = t.get_dst_col() + if t.get_dst_line() == 0 { col_offset } else { 0 };
                let origin = t.get_source_id().map(|s| {
                    (
                        format!("{root}{}", map.get_source(s).unwrap()),
                        t.get_src_line(),
                        t.get_src_col(),
                        t.get_name_id().map(|n| map.get_name(n).unwrap().to_owned()),
                    )
                });
                if lines.len() <= line {
                    lines.resize_with(line + 1, Vec::new);
                }
                lines[line].push((col, origin));
            }
        };
        match value.get("sections") {
            Some(Value::Array(sections)) => {
                for s in sections {
                    let o = &s["offset"];
                    add(
                        &s["map"],
                        o["line"].as_u64().unwrap() as u32,
                        o["column"].as_u64().unwrap() as u32,
                    );
                }
            }
            _ => add(&value, 0, 0),
        }
        for l in &mut lines {
            l.sort_by_key(|(c, _)| *c);
        }
        Lookup { lines }
    }

    /// The mapping at or before (line, col) on that line, and whether it starts exactly there.
    fn at(&self, line: u32, col: u32) -> Option<(Origin, bool)> {
        let segs = self.lines.get(line as usize)?;
        let mut i = segs.partition_point(|(c, _)| *c <= col).checked_sub(1)?;
        while i > 0 && segs[i - 1].0 == segs[i].0 {
            i -= 1;
        }
        let (c, origin) = &segs[i];
        origin.clone().map(|o| (o, *c == col))
    }
}

/// Identifiable tokens and where they start (byte offsets): for JS, identifiers of at least
/// four characters and string literals (a template literal without substitutions counts as the
/// string it spells, as minifiers turn one into the other); for CSS, rules by their selector.
fn tokens(text: &str, css: bool, kind: ScriptKind) -> HashMap<String, Vec<usize>> {
    let mut out: HashMap<String, Vec<usize>> = HashMap::new();
    if css {
        // lightningcss maps rules, not declarations: a rule is found by its selector (or
        // at-rule prelude), compared without whitespace; its position is where it starts.
        let bytes = text.as_bytes();
        let mut start = Some(0);
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'{' => {
                    if let Some(s) = start {
                        let head = &text[s..i];
                        let key: String = head.chars().filter(|c| !c.is_whitespace()).collect();
                        let lead = head.len() - head.trim_start().len();
                        if !key.is_empty() {
                            out.entry(format!("rule {key}")).or_default().push(s + lead);
                        }
                    }
                    start = Some(i + 1);
                }
                b'}' => start = Some(i + 1),
                b';' => start = Some(i + 1),
                _ => {}
            }
        }
        return out;
    }
    let alloc = Allocator::default();
    let source_type = match kind {
        ScriptKind::Module => SourceType::mjs(),
        ScriptKind::Script => SourceType::script(),
    };
    let ret = Parser::new(&alloc, text, source_type).parse();
    assert!(ret.diagnostics.errors().next().is_none(), "does not parse");
    let mut v = Tokens(&mut out);
    v.visit_program(&ret.program);
    out
}

struct Tokens<'o>(&'o mut HashMap<String, Vec<usize>>);

impl Tokens<'_> {
    fn add(&mut self, key: String, at: u32) {
        self.0.entry(key).or_default().push(at as usize);
    }
}

impl<'a> Visit<'a> for Tokens<'_> {
    fn visit_identifier_reference(&mut self, it: &IdentifierReference<'a>) {
        if it.name.len() >= 4 {
            self.add(format!("id {}", it.name), it.span.start);
        }
    }

    fn visit_binding_identifier(&mut self, it: &BindingIdentifier<'a>) {
        if it.name.len() >= 4 {
            self.add(format!("id {}", it.name), it.span.start);
        }
    }

    fn visit_identifier_name(&mut self, it: &IdentifierName<'a>) {
        if it.name.len() >= 4 {
            self.add(format!("id {}", it.name), it.span.start);
        }
    }

    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.add(format!("str {}", it.value), it.span.start);
    }

    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        if let ([quasi], []) = (it.quasis.as_slice(), it.expressions.as_slice())
            && let Some(cooked) = &quasi.value.cooked
        {
            self.add(format!("str {cooked}"), it.span.start);
        }
        walk::walk_template_literal(self, it);
    }
}

/// 0-based line and UTF-16 column of a byte offset.
fn position(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].encode_utf16().count() as u32)
}

#[derive(Default, Debug)]
struct Tally {
    sampled: usize,
    same: usize,
    names: usize,
    same_names: usize,
    misses: Vec<String>,
}

/// Samples up to `limit` tokens spread over the file and compares their origins.
fn sample(chunk: &Chunk, minified: &str, map: &str, tally: &mut Tally, label: &str) {
    let old = Lookup::new(chunk.map.as_deref().unwrap());
    let new = Lookup::new(map);
    let before = tokens(&chunk.code, chunk.css, chunk.kind);
    let after = tokens(minified, chunk.css, chunk.kind);
    let mut candidates: Vec<(&str, usize, usize)> = before
        .iter()
        .filter(|(_, at)| at.len() == 1)
        .filter_map(|(w, at)| match after.get(w).map(Vec::as_slice) {
            Some([o]) => Some((w.as_str(), at[0], *o)),
            _ => None,
        })
        .collect();
    candidates.sort_by_key(|c| c.1);
    let limit = 300;
    let step = (candidates.len() / limit).max(1);
    for &(word, at, o) in candidates.iter().step_by(step) {
        let (l, c) = position(&chunk.code, at);
        let Some((origin, exact)) = old.at(l, c) else {
            continue; // unmapped in the build: nothing to keep true
        };
        tally.sampled += 1;
        let (nl, nc) = position(minified, o);
        let got = new.at(nl, nc);
        let same = got
            .as_ref()
            .is_some_and(|(g, _)| (&g.0, g.1, g.2) == (&origin.0, origin.1, origin.2));
        if same {
            tally.same += 1;
        } else if tally.misses.len() < 10 {
            tally.misses.push(format!(
                "{label} `{word}` built {l}:{c} -> {origin:?}, minified {nl}:{nc} -> {got:?}"
            ));
        }
        if exact && origin.3.is_some() {
            tally.names += 1;
            if same && got.as_ref().is_some_and(|(g, _)| g.3 == origin.3) {
                tally.same_names += 1;
            } else if tally.misses.len() < 10 {
                tally
                    .misses
                    .push(format!("{label} name of `{word}`: {origin:?} vs {got:?}"));
            }
        }
    }
}

fn check_fixture(app: &str, out: &str) {
    let Some(dir) = util::fixture(app, out) else {
        return;
    };
    let chunks = util::chunks(&dir);
    let mut report = Vec::new();
    let mut failed = false;
    for minifier in [JsMinifier::Oxc, JsMinifier::Swc, JsMinifier::Best] {
        let opts = JsOptions {
            minifier,
            ..JsOptions::default()
        };
        let mut tally = Tally::default();
        let mut files = 0;
        for chunk in chunks.iter().filter(|c| c.map.is_some()) {
            if chunk.css && minifier != JsMinifier::Oxc {
                continue; // one CSS minifier; checked once
            }
            let result = if chunk.css {
                minify_css(
                    &chunk.rel,
                    &chunk.code,
                    chunk.map.as_deref(),
                    &CssOptions::default(),
                )
            } else {
                minify_js(
                    &chunk.rel,
                    &chunk.code,
                    chunk.map.as_deref(),
                    chunk.kind,
                    &opts,
                    &|b| util::brotli(b),
                )
            };
            let m = result.unwrap_or_else(|e| panic!("{app}/{out}: {e}"));
            files += 1;
            let label = format!("{}/{} ({})", out, chunk.rel, m.minifier);
            sample(
                chunk,
                &m.code,
                m.map.as_deref().unwrap(),
                &mut tally,
                &label,
            );
        }
        let share = tally.same as f64 / tally.sampled.max(1) as f64;
        let names = if tally.names == 0 {
            1.0
        } else {
            tally.same_names as f64 / tally.names as f64
        };
        report.push(format!(
            "{app}/{out} {minifier}: {files} files, {} tokens, {:.2}% same origin; {} named, {:.2}% same name",
            tally.sampled,
            share * 100.0,
            tally.names,
            names * 100.0
        ));
        // Every sampled token keeps its origin but for the few a minifier rewrites (a string
        // merged into a template literal, a literal folded into another): under 1% here.
        if tally.sampled < 50 || share < 0.99 || names < 0.99 {
            failed = true;
        }
        report.extend(tally.misses.iter().map(|m| format!("  miss: {m}")));
    }
    eprintln!("{}", report.join("\n"));
    assert!(!failed, "{}", report.join("\n"));
}

macro_rules! fixture_tests {
    ($($name:ident: $app:literal, $out:literal;)*) => {
        $(#[test] fn $name() { check_fixture($app, $out); })*
    };
}

fixture_tests! {
    tokens_keep_their_origin_vite_nomin: "vite-nomin", "dist";
    tokens_keep_their_origin_vite_react: "vite-react", "dist";
    tokens_keep_their_origin_vite7_react: "vite7-react", "dist";
    tokens_keep_their_origin_vite_vue: "vite-vue", "dist";
    tokens_keep_their_origin_next_app_turbopack: "next-app", ".next";
    tokens_keep_their_origin_next_app_webpack: "next-app", ".next-webpack";
    tokens_keep_their_origin_next_pages_turbopack: "next-pages", ".next";
    tokens_keep_their_origin_next_pages_webpack: "next-pages", ".next-webpack";
    tokens_keep_their_origin_demo: "demo", "dist";
}
