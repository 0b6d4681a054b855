//! SVG: refuse what could run or fetch, minify with oxvg, and keep the result only when resvg
//! renders it to the same pixels as the original at a fixed size.
//!
//! oxvg's default preset (svgo's) is tried first. When it changes a pixel, the search keeps what
//! can be proven: starting from a conservative set that only removes comments, metadata, editor
//! data, the doctype and the XML declaration, it adds the default preset's jobs in groups, halving
//! a group whose output renders differently until the job that moves pixels is found alone; such
//! a job gets one more try with five decimals instead of three wherever it rounds numbers, then
//! with eight (and no curve approximated), and is otherwise left out. Every accepted step is smaller (or no larger) and renders identically, so
//! the result is too. Set `DISTILL_SVG_DEBUG` to see on stderr what was tried and why it failed.
//!
//! Text cannot be verified by rendering (no fonts are loaded, so nothing depends on the machine).
//! Text that never renders — every `<text>` hidden by its own `display:none`, with no stylesheet
//! that could show it again — is no exception to the pixel proof, as long as the output's text
//! is hidden too. Otherwise SVGs with `<text>` only get the conservative set, and the text of
//! every `<text>` element must read the same after it, compared after SVG's default whitespace
//! handling (newlines dropped, tabs to spaces, runs of spaces collapsed, ends trimmed) unless the
//! document asks for `xml:space` or a CSS `white-space`, in which case byte for byte.

#![allow(
    clippy::indexing_slicing,
    reason = "a histogram of 9 buckets indexed by a bit count of a u8 (0..=8)"
)]

use crate::{KeepReason, Method, Options, Outcome};
use distill_graph::Code;
use oxvg_ast::parse::roxmltree::{ParsingOptions, parse_with_options};
use oxvg_ast::serialize::Node as _;
use oxvg_ast::visitor::Info;
use oxvg_optimiser::Jobs;
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, roxmltree};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The longer side of the raster both versions are compared at, in pixels.
pub(crate) const RENDER_MAX: u64 = 512;

/// Why an SVG is refused: the first unsafe construct found.
pub(crate) fn unsafe_construct(doc: &roxmltree::Document<'_>) -> Option<String> {
    for node in doc.descendants().filter(roxmltree::Node::is_element) {
        let name = node.tag_name().name();
        match name {
            "script" => return Some("<script> element".into()),
            "foreignObject" => return Some("<foreignObject> element".into()),
            "iframe" | "embed" | "object" | "video" | "audio" | "handler" | "listener" => {
                return Some(format!("<{name}> element"));
            }
            _ => {}
        }
        for attr in node.attributes() {
            let (aname, value) = (attr.name(), attr.value().trim());
            if aname.len() > 2 && aname.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("on")) {
                return Some(format!("event handler attribute `{aname}`"));
            }
            // A link's target is navigation, not something the image loads.
            if aname == "href" && name != "a" && !is_local(value) {
                return Some(format!("external reference `{}` on <{name}>", clip(value)));
            }
            if (aname == "style" || value.contains("url(")) && has_external_url(value) {
                return Some(format!("external url() in `{aname}` on <{name}>"));
            }
        }
        if name == "style"
            && let Some(css) = node.text()
            && (css.contains("@import") || has_external_url(css))
        {
            return Some("external reference in <style>".into());
        }
    }
    None
}

fn is_local(href: &str) -> bool {
    href.starts_with('#')
        || href
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case("data:"))
}

fn has_external_url(css: &str) -> bool {
    css.match_indices("url(").any(|(i, m)| {
        let rest = css[i + m.len()..]
            .trim_start()
            .trim_start_matches(['"', '\''])
            .trim_start();
        !rest.is_empty() && !is_local(rest)
    })
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Renders at a fixed size: the image scaled so its longer side is [`RENDER_MAX`] pixels.
/// Never reads a file: external images resolve to nothing, fonts are not loaded.
pub(crate) fn render(svg: &str) -> Result<Pixmap, String> {
    let options = usvg::Options {
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size();
    let scale = RENDER_MAX as f32 / size.width().max(size.height());
    let w = ((size.width() * scale).round() as u32).clamp(1, RENDER_MAX as u32);
    let h = ((size.height() * scale).round() as u32).clamp(1, RENDER_MAX as u32);
    let mut pixmap = Pixmap::new(w, h).ok_or("cannot allocate the raster")?;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// The characters of each `<text>` element, as a renderer would lay them out (see the module doc).
fn text_content(svg: &str) -> Result<Vec<String>, String> {
    let doc = roxmltree::Document::parse_with_options(
        svg,
        ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let exact = svg.contains("xml:space") || svg.contains("white-space");
    let texts = doc.descendants().filter(|n| n.tag_name().name() == "text");
    Ok(texts
        .map(|t| {
            let raw: String = t
                .descendants()
                .filter(roxmltree::Node::is_text)
                .filter_map(|n| n.text())
                .collect();
            if exact {
                raw
            } else {
                let spaced = raw.replace('\n', "").replace(['\t', '\r'], " ");
                spaced
                    .split(' ')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            }
        })
        .collect())
}

/// Whether a document's `<text>` can show: none at all, all hidden, or some that may render.
#[derive(Debug, PartialEq)]
enum TextState {
    None,
    Hidden,
    Visible,
}

fn text_state(doc: &roxmltree::Document<'_>) -> TextState {
    let mut texts = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .peekable();
    if texts.peek().is_none() {
        return TextState::None;
    }
    // A stylesheet rule can show an element its `display` attribute hides, and `!important` one
    // its inline style hides: with any such rule, nothing is assumed hidden.
    let styled = doc.descendants().any(|n| {
        n.tag_name().name() == "style" && n.text().is_some_and(|css| css.contains("display"))
    });
    if !styled && texts.all(|t| hidden(&t)) {
        TextState::Hidden
    } else {
        TextState::Visible
    }
}

/// `display:none` on the element itself: its last `display` declaration in `style`, else its
/// `display` attribute. (On an ancestor it would not be enough: a `<use>` can show the element.)
fn hidden(node: &roxmltree::Node<'_, '_>) -> bool {
    match node.attribute("style").map(crate::svg_style::declarations) {
        // A style this module cannot read exactly proves nothing.
        Some(None) => false,
        Some(Some(declared)) => match declared.iter().rev().find(|d| d.name == "display") {
            Some(d) => d.value == "none",
            None => node.attribute("display").map(str::trim) == Some("none"),
        },
        None => node.attribute("display").map(str::trim) == Some("none"),
    }
}

/// oxvg's default preset with five decimals instead of three wherever it rounds numbers: for
/// drawings whose detail the default rounding visibly moves.
fn precise() -> Jobs {
    let mut jobs = Jobs::default();
    if let Some(j) = jobs.convert_path_data.as_mut() {
        j.tolerance.precision = 5;
        j.tolerance.positional = 1e-5;
    }
    if let Some(j) = jobs.cleanup_numeric_values.as_mut() {
        j.float_precision = 5;
    }
    if let Some(j) = jobs.convert_transform.as_mut() {
        j.float_precision = 5;
        j.transform_precision = 7;
    }
    jobs
}

/// The default preset where numbers are kept to eight decimals (five where oxvg allows no more)
/// and no curve is approximated by a line or an arc: for paths no rounding leaves alone.
fn exact() -> Jobs {
    let mut jobs = precise();
    if let Some(j) = jobs.convert_path_data.as_mut() {
        j.tolerance.precision = 8;
        j.tolerance.positional = 1e-8;
        j.straight_curves = false;
        j.arc_curves = false;
        j.smart_arc_rounding = false;
    }
    if let Some(j) = jobs.convert_transform.as_mut() {
        j.float_precision = 8;
        j.transform_precision = 10;
    }
    jobs
}

fn conservative() -> Jobs {
    Jobs {
        remove_doctype: Some(Default::default()),
        remove_x_m_l_proc_inst: Some(Default::default()),
        remove_comments: Some(Default::default()),
        remove_metadata: Some(Default::default()),
        remove_editors_n_s_data: Some(Default::default()),
        ..Jobs::none()
    }
}

/// Runs one oxvg preset. oxvg is young: a panic inside it is caught and counts as a failure.
fn minify(svg: &str, jobs: &Jobs) -> Result<String, String> {
    let run = || {
        parse_with_options(
            svg,
            ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
            |dom, allocator| {
                let info = Info {
                    path: None,
                    multipass_count: 0,
                    allocator,
                };
                jobs.run(dom, &info).map_err(|e| e.to_string())?;
                dom.serialize().map_err(|e| e.to_string())
            },
        )
        .map_err(|e| e.to_string())?
    };
    catch_unwind(AssertUnwindSafe(run)).unwrap_or_else(|_| Err("oxvg panicked".into()))
}

pub(crate) fn optimize(bytes: &[u8], _options: &Options, out: &mut Outcome) {
    let fail = |out: &mut Outcome, message: String| {
        out.keep(
            KeepReason::DecodeFailed { message },
            Some(Code::ImageDecodeFailed),
        );
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return fail(out, "not UTF-8".into());
    };
    let doc = match roxmltree::Document::parse_with_options(
        text,
        ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    ) {
        Ok(d) => d,
        Err(e) => return fail(out, format!("XML: {e}")),
    };
    if let Some(what) = unsafe_construct(&doc) {
        return out.keep(KeepReason::UnsafeSvg { what }, Some(Code::ImageUnsafeSvg));
    }
    let text_state = text_state(&doc);
    drop(doc);
    let text_before = if text_state == TextState::Visible {
        text_content(text).unwrap_or_default()
    } else {
        Vec::new()
    };
    let pixels = match render(text) {
        Ok(p) => p,
        Err(e) => return fail(out, format!("render: {e}")),
    };
    let mut search = Search {
        input: text,
        reference: Reference {
            pixels,
            text: text_state,
            text_before,
        },
        best: bytes.len(),
        found: None,
        last_problem: None,
    };
    if search.reference.text == TextState::Visible {
        let _ = search.try_preset("conservative", &conservative());
    } else if search.try_preset("default", &Jobs::default()).is_err() {
        search.job_by_job();
    }
    search.drop_inert_declarations();
    match (search.found, search.last_problem) {
        (Some((min, preset)), _) => out.offer(min.into_bytes(), Method::SvgMinified { preset }),
        // Every attempt changed something visible or failed: the original stays, and says so.
        (None, Some(detail)) => out.keep(KeepReason::WouldChangePixels { detail }, None),
        (None, None) => out.keep(KeepReason::NotSmaller, None),
    }
}

/// What every output must match: the original's pixels and, by [`TextState`], its text.
struct Reference {
    pixels: Pixmap,
    text: TextState,
    text_before: Vec<String>,
}

impl Reference {
    /// Why `min` is not a faithful copy, if it is not.
    fn check(&self, min: &str) -> Result<(), String> {
        match self.text {
            TextState::None => {}
            TextState::Hidden => {
                let doc = roxmltree::Document::parse_with_options(
                    min,
                    ParsingOptions {
                        allow_dtd: true,
                        ..Default::default()
                    },
                )
                .map_err(|e| format!("output does not parse: {e}"))?;
                if text_state(&doc) == TextState::Visible {
                    return Err("hidden text became visible".into());
                }
            }
            TextState::Visible => match text_content(min) {
                Ok(after) if after == self.text_before => {}
                Ok(_) => return Err("changed the text".into()),
                Err(e) => return Err(format!("output does not parse: {e}")),
            },
        }
        let after = render(min).map_err(|e| format!("output does not render: {e}"))?;
        compare(&self.pixels, &after).map_or(Ok(()), Err)
    }
}

/// The smallest verified output found so far, and how.
struct Search<'a> {
    input: &'a str,
    reference: Reference,
    /// Bytes of the smallest verified output, or of the input while there is none.
    best: usize,
    found: Option<(String, String)>,
    last_problem: Option<String>,
}

/// Why an attempt was not kept.
#[derive(Debug, PartialEq)]
enum Miss {
    /// It verified, but is no smaller than the best so far.
    NoGain,
    /// It changed pixels or text, or failed.
    Unfaithful,
}

/// oxvg jobs by their config name (camelCase, as in svgo), with their settings; serialized in
/// the order oxvg runs them.
type JobMap = serde_json::Map<String, serde_json::Value>;

fn job_map(jobs: &Jobs) -> JobMap {
    match serde_json::to_value(jobs) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => JobMap::new(),
    }
}

impl Search<'_> {
    /// Runs `jobs`; a verified output no larger than the best so far becomes the best.
    fn try_preset(&mut self, name: &str, jobs: &Jobs) -> Result<(), Miss> {
        let outcome = minify(self.input, jobs).and_then(|min| {
            if min.len() > self.best || (self.found.is_none() && min.len() == self.best) {
                return Ok(Err(min.len()));
            }
            self.reference.check(&min).map(|()| Ok(min))
        });
        let debug = std::env::var_os("DISTILL_SVG_DEBUG").is_some();
        match outcome {
            Ok(Ok(min)) => {
                self.best = min.len();
                self.found = Some((min, name.to_owned()));
                Ok(())
            }
            Ok(Err(len)) => {
                if debug {
                    eprintln!("{name}: not smaller ({len} B)");
                }
                Err(Miss::NoGain)
            }
            Err(e) => {
                if debug {
                    eprintln!("{name}: {e}");
                }
                self.last_problem = Some(format!("{name}: {e}"));
                Err(Miss::Unfaithful)
            }
        }
    }

    /// The lossless style pass of [`crate::svg_style`] over the best output so far (or the
    /// input), verified like everything else.
    fn drop_inert_declarations(&mut self) {
        let base = self
            .found
            .as_ref()
            .map_or(self.input, |(min, _)| min.as_str());
        let Some(min) = crate::svg_style::drop_inert_declarations(base) else {
            return;
        };
        let preset = match &self.found {
            Some((_, preset)) => format!("{preset}; inert style declarations dropped"),
            None => "inert style declarations dropped".to_owned(),
        };
        match self.reference.check(&min) {
            Ok(()) if min.len() < self.best => {
                self.best = min.len();
                self.found = Some((min, preset));
            }
            Ok(()) => {}
            Err(e) => {
                if std::env::var_os("DISTILL_SVG_DEBUG").is_some() {
                    eprintln!("{preset}: {e}");
                }
                self.last_problem = Some(format!("{preset}: {e}"));
            }
        }
    }

    fn try_map(&mut self, name: &str, map: &JobMap) -> Result<(), Miss> {
        match serde_json::from_value::<Jobs>(serde_json::Value::Object(map.clone())) {
            Ok(jobs) => self.try_preset(name, &jobs),
            Err(e) => {
                self.last_problem = Some(format!("{name}: {e}"));
                Err(Miss::Unfaithful)
            }
        }
    }

    /// The default preset's jobs that keep every pixel, found by halving groups that do not
    /// (see the module doc). The conservative set is the floor, kept when it alone saves bytes.
    fn job_by_job(&mut self) {
        let mut accepted = job_map(&conservative());
        let _ = self.try_map("conservative", &accepted);
        let variants = [
            ("5 decimals", job_map(&precise())),
            ("8 decimals", job_map(&exact())),
        ];
        let default = job_map(&Jobs::default());
        let candidates: Vec<(String, serde_json::Value)> = default
            .iter()
            .filter(|(name, _)| !accepted.contains_key(*name))
            .map(|(name, config)| (name.clone(), config.clone()))
            .collect();
        let mut notes = Notes::default();
        self.add(&mut accepted, &candidates, &variants, &mut notes);
        notes.applied = accepted.keys().filter(|k| default.contains_key(*k)).count();
        notes.total = default.len();
        if let Some((_, preset)) = self.found.as_mut() {
            *preset = notes.describe();
        }
    }

    fn add(
        &mut self,
        accepted: &mut JobMap,
        group: &[(String, serde_json::Value)],
        variants: &[(&str, JobMap)],
        notes: &mut Notes,
    ) {
        let mut trial = accepted.clone();
        trial.extend(group.iter().cloned());
        let label = group
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join("+");
        let miss = match self.try_map(&label, &trial) {
            Ok(()) => {
                *accepted = trial;
                return;
            }
            Err(miss) => miss,
        };
        match group {
            [] => {}
            // A job that keeps every pixel but saves nothing is simply not needed.
            [_] if miss == Miss::NoGain => {}
            [(name, config)] => {
                let mut tried = vec![config];
                for (how, map) in variants {
                    let Some(variant) = map.get(name).filter(|v| !tried.contains(v)) else {
                        continue;
                    };
                    tried.push(variant);
                    let mut trial = accepted.clone();
                    trial.insert(name.clone(), variant.clone());
                    if self.try_map(&format!("{name} at {how}"), &trial).is_ok() {
                        *accepted = trial;
                        notes.changed.push(format!("{name} at {how}"));
                        return;
                    }
                }
                notes.left_out.push(name.clone());
            }
            _ => {
                let (left, right) = group.split_at(group.len() / 2);
                self.add(accepted, left, variants, notes);
                self.add(accepted, right, variants, notes);
            }
        }
    }
}

/// What the job-by-job search changed from the default preset, for the report.
#[derive(Default)]
struct Notes {
    /// Jobs that moved pixels even at the variants' precision.
    left_out: Vec<String>,
    /// Jobs kept at a variant's precision.
    changed: Vec<String>,
    /// How many of the default preset's jobs the result ran, of how many.
    applied: usize,
    total: usize,
}

impl Notes {
    fn describe(&self) -> String {
        let mut parts = vec![format!(
            "default, job by job: {} of {} jobs",
            self.applied, self.total
        )];
        if !self.left_out.is_empty() {
            parts.push(format!("{} moved pixels", self.left_out.join(", ")));
        }
        if !self.changed.is_empty() {
            parts.push(self.changed.join(", "));
        }
        parts.join("; ")
    }
}

fn compare(a: &Pixmap, b: &Pixmap) -> Option<String> {
    if a.width() != b.width() || a.height() != b.height() {
        return Some(format!(
            "raster {}×{} became {}×{}",
            a.width(),
            a.height(),
            b.width(),
            b.height()
        ));
    }
    let differing = a
        .data()
        .chunks_exact(4)
        .zip(b.data().chunks_exact(4))
        .filter(|(p, q)| p != q)
        .count();
    if std::env::var_os("DISTILL_SVG_DEBUG").is_some() {
        let mut hist = [0usize; 9];
        for (p, q) in a.data().iter().zip(b.data()) {
            let d = p.abs_diff(*q);
            if d > 0 {
                hist[(8 - d.leading_zeros()) as usize] += 1;
            }
        }
        eprintln!("channel diff histogram by bit length: {hist:?}");
    }
    (differing > 0).then(|| {
        format!(
            "{differing} of {} pixels differ at {}×{}",
            a.width() * a.height(),
            a.width(),
            a.height()
        )
    })
}
