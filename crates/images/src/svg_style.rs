//! A lossless pass over SVG `style` attributes: it drops the declarations CSS's own rules make
//! inert, so no renderer can draw anything differently. Editors write every property on every
//! shape (Inkscape: `fill-opacity:1;stroke-miterlimit:4;stroke-dasharray:none;display:inline…`);
//! oxvg and svgo keep them, because proving them inert takes the cascade into account.
//!
//! A declaration goes when it is the only one of its property in the attribute and:
//! - it is an Inkscape property (`-inkscape-…`): no browser knows it, so every browser drops it;
//! - it sets a property that is not inherited (`display`, `opacity`) to its initial value, and
//!   no attribute of that name on the element would take over once it is gone;
//! - it sets an inherited property to its initial value, no attribute of that name is on the
//!   element, and the value the element would inherit instead is that same initial value — every
//!   ancestor's attributes and styles read, and the element not inside anything a `<use>` draws
//!   (those inherit from the `<use>`, which this pass does not follow);
//! - it is a stroke property of a shape with no children whose own style says `stroke:none`,
//!   or a fill property of one whose own style says `fill:none`: nothing is painted with it.
//!   (Stroke properties only in documents without `<marker>`: markers scale with the stroke
//!   width even where no stroke is painted.)
//!
//! Documents with a stylesheet (`<style>` or an `xml-stylesheet` instruction) are left alone: a
//! rule could match any element and take over once a declaration is gone. Attributes written
//! with entity references, comments or escapes in them are left as they are.

use oxvg_ast::parse::roxmltree::ParsingOptions;
use resvg::usvg::roxmltree::{self, Node};
use std::collections::HashSet;
use std::ops::Range;

/// Inherited properties this pass tracks, with their initial values.
const INHERITED: &[(&str, &str)] = &[
    ("fill-opacity", "1"),
    ("fill-rule", "nonzero"),
    ("stroke", "none"),
    ("stroke-opacity", "1"),
    ("stroke-miterlimit", "4"),
    ("stroke-dasharray", "none"),
    ("stroke-dashoffset", "0"),
    ("stroke-linecap", "butt"),
    ("stroke-linejoin", "miter"),
    ("visibility", "visible"),
];

/// Properties that are not inherited, with their initial values.
const NOT_INHERITED: &[(&str, &str)] = &[("display", "inline"), ("opacity", "1")];

/// Properties that only matter where a stroke is painted.
const STROKE_ONLY: &[&str] = &[
    "stroke-width",
    "stroke-opacity",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
];

/// Properties that only matter where a fill is painted.
const FILL_ONLY: &[&str] = &["fill-opacity", "fill-rule"];

const SHAPES: &[&str] = &[
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
];

/// The document with inert declarations dropped, or `None` when there is nothing to drop.
pub(crate) fn drop_inert_declarations(svg: &str) -> Option<String> {
    let doc = roxmltree::Document::parse_with_options(
        svg,
        ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .ok()?;
    let stylesheet = doc.descendants().any(|n| {
        n.tag_name().name() == "style" || n.pi().is_some_and(|pi| pi.target == "xml-stylesheet")
    });
    if stylesheet {
        return None;
    }
    let used: HashSet<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "use")
        .flat_map(|n| n.attributes())
        .filter(|a| a.name() == "href")
        .filter_map(|a| a.value().strip_prefix('#'))
        .collect();
    let scope = Scope {
        svg,
        used,
        markers: doc.descendants().any(|n| n.tag_name().name() == "marker"),
    };
    let initial: Vec<Option<&str>> = INHERITED.iter().map(|(_, v)| Some(*v)).collect();
    let mut edits = Vec::new();
    walk(&scope, doc.root_element(), &initial, false, &mut edits);
    if edits.is_empty() {
        return None;
    }
    let mut out = svg.to_owned();
    edits.sort_by_key(|(range, _)| std::cmp::Reverse(range.start));
    for (range, replacement) in edits {
        out.replace_range(range, &replacement);
    }
    Some(out)
}

/// One `name:value` declaration of a style attribute, trimmed.
pub(crate) struct Declaration<'a> {
    pub(crate) name: &'a str,
    pub(crate) value: &'a str,
}

/// The declarations of a style attribute, or `None` when it holds anything this pass does not
/// read exactly (comments, escapes, `!important`, or a `;` inside quotes or parentheses).
pub(crate) fn declarations(style: &str) -> Option<Vec<Declaration<'_>>> {
    if style.contains("/*") || style.contains('\\') || style.contains('!') {
        return None;
    }
    let (mut depth, mut quote, mut start) = (0usize, None, 0usize);
    let mut parts = Vec::new();
    for (i, c) in style.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.checked_sub(1)?,
            (None, ';') if depth == 0 => {
                parts.push(style.get(start..i)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    if quote.is_some() || depth != 0 {
        return None;
    }
    parts.push(style.get(start..)?);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (name, value) = p.split_once(':')?;
            Some(Declaration {
                name: name.trim(),
                value: value.trim(),
            })
        })
        .collect()
}

/// What every element's walk reads: the document's text, the ids `<use>` draws, and whether
/// it has markers.
struct Scope<'a> {
    svg: &'a str,
    used: HashSet<&'a str>,
    markers: bool,
}

fn walk<'a>(
    scope: &Scope<'_>,
    node: Node<'a, 'a>,
    inherited: &[Option<&'a str>],
    mut drawn_by_use: bool,
    edits: &mut Vec<(Range<usize>, String)>,
) {
    let svg = scope.svg;
    drawn_by_use |= node
        .attribute("id")
        .is_some_and(|id| scope.used.contains(id));
    let style = node.attributes().find(|a| a.name() == "style");
    // The style's declarations, when they can be read exactly and the raw text is the value.
    let declared = style.and_then(|a| {
        let raw = svg.get(a.range_value())?;
        (raw == a.value())
            .then(|| declarations(a.value()))
            .flatten()
    });
    let own = |name: &str| -> Option<&str> {
        let d = declared.as_ref()?;
        let mut matching = d.iter().filter(|d| d.name == name);
        let first = matching.next()?;
        matching.next().is_none().then_some(first.value)
    };
    let leaf_shape =
        SHAPES.contains(&node.tag_name().name()) && !node.children().any(|c| c.is_element());

    if let (Some(attr), Some(decls)) = (style, declared.as_ref()) {
        let once = |name: &str| decls.iter().filter(|d| d.name == name).count() == 1;
        let inert = |d: &Declaration<'_>| -> bool {
            if !once(d.name) {
                return false;
            }
            if d.name.starts_with("-inkscape-") {
                return true;
            }
            let no_attribute = node.attribute(d.name).is_none();
            if NOT_INHERITED.contains(&(d.name, d.value)) {
                return no_attribute;
            }
            if let Some(i) = INHERITED.iter().position(|p| *p == (d.name, d.value))
                && no_attribute
                && !drawn_by_use
                && inherited.get(i) == Some(&Some(d.value))
            {
                return true;
            }
            leaf_shape
                && ((!scope.markers
                    && STROKE_ONLY.contains(&d.name)
                    && own("stroke") == Some("none"))
                    || (FILL_ONLY.contains(&d.name) && own("fill") == Some("none")))
        };
        let kept: Vec<String> = decls
            .iter()
            .filter(|d| !inert(d))
            .map(|d| format!("{}:{}", d.name, d.value))
            .collect();
        if kept.len() < decls.len() {
            if kept.is_empty() {
                // The whole attribute goes, with the space before it.
                let range = attr.range();
                let start = svg
                    .get(..range.start)
                    .map_or(range.start, |before| before.trim_end().len());
                edits.push((start..range.end, String::new()));
            } else {
                edits.push((attr.range_value(), kept.join(";")));
            }
        }
    }

    // What the children inherit: the element's own style, else its attribute, else the parent's.
    let unreadable = style.is_some() && declared.is_none();
    let computed: Vec<Option<&'a str>> = INHERITED
        .iter()
        .zip(inherited)
        .map(|((name, _), parent)| {
            if unreadable {
                return None;
            }
            let value = declared
                .as_ref()
                .and_then(|d| d.iter().rev().find(|d| d.name == *name).map(|d| d.value))
                .or_else(|| node.attribute(*name).map(str::trim));
            match value {
                Some("inherit") | None => *parent,
                Some(v) => Some(v),
            }
        })
        .collect();
    for child in node.children().filter(Node::is_element) {
        walk(scope, child, &computed, drawn_by_use, edits);
    }
}

#[cfg(test)]
mod tests {
    use super::drop_inert_declarations as drop;

    const HEAD: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">"#;

    fn doc(body: &str) -> String {
        format!("{HEAD}{body}</svg>")
    }

    #[test]
    fn initial_values_go_where_the_element_would_inherit_them_anyway() {
        let out = drop(&doc(
            r#"<path style="fill:#f00;fill-opacity:1;stroke-miterlimit:4;display:inline;-inkscape-stroke:none" d="M0 0h5v5z"/>"#,
        ))
        .unwrap();
        assert_eq!(out, doc(r#"<path style="fill:#f00" d="M0 0h5v5z"/>"#));
    }

    #[test]
    fn an_ancestor_that_sets_the_property_keeps_the_declaration() {
        // The group makes fill-opacity .5; the path's `1` is what restores it.
        for group in [r#"fill-opacity=".5""#, r#"style="fill-opacity:.5""#] {
            let input = doc(&format!(
                r#"<g {group}><path style="fill-opacity:1;opacity:1" d="M0 0h5v5z"/></g>"#
            ));
            let out = drop(&input).unwrap();
            assert!(out.contains(r#"style="fill-opacity:1""#), "{out}");
        }
        // An ancestor that sets it back to the initial value does not.
        let out = drop(&doc(
            r#"<g style="fill-opacity:.5"><g fill-opacity="1"><path style="fill-opacity:1" d="M0 0h5v5z"/></g></g>"#,
        ))
        .unwrap();
        assert!(!out.contains("<path style"), "{out}");
    }

    #[test]
    fn an_attribute_of_the_same_name_keeps_the_declaration() {
        // Without the style, display="none" would hide the path.
        assert_eq!(
            drop(&doc(
                r#"<path display="none" style="display:inline" d="M0 0h5v5z"/>"#
            )),
            None
        );
    }

    #[test]
    fn what_a_use_draws_keeps_inherited_declarations() {
        let input = doc(
            r##"<defs><path id="p" style="stroke-opacity:1;opacity:1" d="M0 0h5v5z"/></defs><use xlink:href="#p" stroke-opacity=".3"/>"##,
        );
        let out = drop(&input).unwrap();
        assert!(out.contains(r#"style="stroke-opacity:1""#), "{out}");
    }

    #[test]
    fn stroke_properties_go_from_a_shape_that_paints_no_stroke() {
        let out = drop(&doc(
            r#"<g style="stroke-width:3"><rect style="stroke:none;stroke-width:2;stroke-linecap:round;fill:none;fill-rule:evenodd" width="5" height="5"/></g>"#,
        ))
        .unwrap();
        // stroke:none goes too: the group's stroke is none already, by default.
        assert!(out.contains(r#"<rect style="fill:none" width"#), "{out}");
        // A group passes its stroke properties on: stroke-width stays (its `stroke:none` is the
        // default, and goes).
        let out = drop(&doc(
            r#"<g style="stroke:none;stroke-width:2"><path style="stroke:red" d="M0 0h5"/></g>"#,
        ))
        .unwrap();
        assert!(out.contains(r#"<g style="stroke-width:2">"#), "{out}");
        // Markers scale with the stroke width, painted or not.
        let out = drop(&doc(
            r##"<marker id="m"><path d="M0 0h1"/></marker><path marker-end="url(#m)" style="stroke:none;stroke-width:2" d="M0 0h5"/>"##,
        ))
        .unwrap();
        assert!(out.contains(r#"style="stroke-width:2""#), "{out}");
    }

    #[test]
    fn what_this_pass_cannot_read_exactly_stays() {
        for input in [
            doc(r#"<style>path{opacity:.5}</style><path style="opacity:1" d="M0 0h5v5z"/>"#),
            doc(r#"<path style="opacity:1 !important" d="M0 0h5v5z"/>"#),
            doc(r#"<path style="opacity:1;/* x */" d="M0 0h5v5z"/>"#),
            doc(r#"<path style="opacity:1;opacity:.5" d="M0 0h5v5z"/>"#),
            doc(r#"<path style="opacity:&#49;" d="M0 0h5v5z"/>"#),
        ] {
            assert_eq!(drop(&input), None, "{input}");
        }
    }

    #[test]
    fn an_unreadable_ancestor_style_keeps_inherited_declarations() {
        let input = doc(
            r#"<g style="fill-opacity:.5;/* x */"><path style="fill-opacity:1" d="M0 0h5v5z"/></g>"#,
        );
        assert_eq!(drop(&input), None);
    }
}
