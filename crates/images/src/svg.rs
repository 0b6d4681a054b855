//! SVG: refuse what could run or fetch, minify with oxvg, and keep the result only when resvg
//! renders it to the same pixels as the original at a fixed size.
//!
//! Presets are tried from the most to the least aggressive — oxvg's default (svgo's preset), the
//! same with five decimals instead of three, oxvg's `safe`, then a conservative set that only
//! removes comments, metadata, editor data, the doctype and the XML declaration — and the first
//! that is smaller and renders identically wins. Set `DISTILL_SVG_DEBUG` to see on stderr why a
//! preset was passed over.
//! Text cannot be verified by rendering (no fonts are loaded, so nothing depends on the machine):
//! SVGs with `<text>` only get the conservative preset, and the text of every `<text>` element
//! must read the same after it, compared after SVG's default whitespace handling (newlines
//! dropped, tabs to spaces, runs of spaces collapsed, ends trimmed) unless the document asks for
//! `xml:space` or a CSS `white-space`, in which case byte for byte.

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
    let has_text = doc.descendants().any(|n| n.tag_name().name() == "text");
    drop(doc);
    let text_before = if has_text {
        text_content(text).unwrap_or_default()
    } else {
        Vec::new()
    };
    let before = match render(text) {
        Ok(p) => p,
        Err(e) => return fail(out, format!("render: {e}")),
    };
    let presets: Vec<(&str, Jobs)> = if has_text {
        vec![("conservative", conservative())]
    } else {
        vec![
            ("default", Jobs::default()),
            ("precise", precise()),
            ("safe", Jobs::safe()),
            ("conservative", conservative()),
        ]
    };
    let mut last_problem = None;
    for (name, jobs) in presets {
        let min = match minify(text, &jobs) {
            Ok(m) => m,
            Err(e) => {
                if std::env::var_os("DISTILL_SVG_DEBUG").is_some() {
                    eprintln!("{name}: {e}");
                }
                last_problem = Some(format!("{name} preset: {e}"));
                continue;
            }
        };
        if min.len() >= bytes.len() {
            continue;
        }
        if has_text {
            match text_content(&min) {
                Ok(after) if after == text_before => {}
                Ok(_) => {
                    last_problem = Some(format!("{name} preset changed the text"));
                    continue;
                }
                Err(e) => {
                    last_problem = Some(format!("{name} preset output does not parse: {e}"));
                    continue;
                }
            }
        }
        match render(&min).map(|after| compare(&before, &after)) {
            Ok(None) => {
                return out.offer(
                    min.into_bytes(),
                    Method::SvgMinified {
                        preset: name.into(),
                    },
                );
            }
            Ok(Some(detail)) => {
                if std::env::var_os("DISTILL_SVG_DEBUG").is_some() {
                    eprintln!("{name}: {detail}");
                }
                last_problem = Some(format!("{name} preset: {detail}"));
            }
            Err(e) => last_problem = Some(format!("{name} preset output does not render: {e}")),
        }
    }
    match last_problem {
        // Every preset changed something visible or failed: the original stays, and says so.
        Some(detail) => out.keep(KeepReason::WouldChangePixels { detail }, None),
        None => out.keep(KeepReason::NotSmaller, None),
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
