//! The images stage through the binary: every image it replaces decodes (with the `image`
//! crate, not the optimizer's own decoders; SVGs rendered by resvg at a size of the test's own)
//! to exactly the pixels of the original, and Next.js's `public/` folder is optimized beside the
//! copied `.next`.

use crate::optimize::{code, optimize, optimize_copy, tree};
use crate::util::*;
use serde_json::Value;
use std::path::Path;

fn pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = image::load_from_memory(bytes).expect("decodes");
    let rgba = img.to_rgba8();
    (rgba.width(), rgba.height(), rgba.into_raw())
}

/// A photo-like JPEG as cameras and exporters write it: baseline, standard Huffman tables.
fn jpeg() -> Vec<u8> {
    let (w, h) = (320u32, 200u32);
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let v = ((x * 7 + y * 3) % 256) as u8;
        image::Rgb([v, (x % 256) as u8, ((x * y) % 251) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

/// An SVG rasterized by resvg at its own size, scaled so its longer side is 256 pixels (the size
/// is the same before and after as long as the viewport is): width, height and RGBA pixels.
fn svg_pixels(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_data(bytes, &usvg::Options::default()).expect("parses");
    let size = tree.size();
    let scale = 256.0 / size.width().max(size.height());
    let (w, h) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = tiny_skia::Pixmap::new(w, h).expect("a raster");
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    (w, h, pixmap.take())
}

/// Every replaced PNG, JPEG and SVG has the original's dimensions and pixels, alpha included
/// (an SVG as resvg renders it, which the binary's own check does not share with this test:
/// it renders at a different size).
fn same_pixels(before: &Path, after: &Path, report: &Value) -> Vec<String> {
    let stage = report["optimize"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == "images")
        .expect("an images stage");
    let mut checked = Vec::new();
    for c in stage["changes"].as_array().unwrap() {
        let path = c["path"].as_str().unwrap();
        if c["action"] != "replaced" {
            continue;
        }
        let old = std::fs::read(before.join(path)).unwrap();
        let new = std::fs::read(after.join(path)).unwrap();
        assert!(
            new.len() < old.len(),
            "{path}: {} → {}",
            old.len(),
            new.len()
        );
        assert_eq!(new.len() as u64, c["after"].as_u64().unwrap(), "{path}");
        if path.ends_with(".svg") {
            assert!(
                svg_pixels(&old) == svg_pixels(&new),
                "{path}: pixels differ"
            );
        } else {
            assert!(pixels(&old) == pixels(&new), "{path}: pixels differ");
        }
        checked.push(path.to_owned());
    }
    checked
}

#[test]
fn every_replaced_fixture_image_has_the_same_pixels() {
    let tmp = tempfile::tempdir().unwrap();
    let mut checked = Vec::new();
    for app in ["vite-react", "vite-vue", "vite7-react", "demo"] {
        let Some(dist) = fixture(app, "dist") else {
            continue;
        };
        let work = tmp.path().join(app);
        copy_dir(&dist, &work);
        write(&work.join("assets/photo.jpg"), jpeg());
        let out = tmp.path().join(format!("{app}-out"));
        let o = optimize(
            &[
                work.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--no-cache",
                "--no-minify",
                "--format",
                "json",
            ],
            0,
        );
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        let replaced = same_pixels(&work, &out, &report);
        assert!(!replaced.is_empty(), "{app}: no image replaced");
        checked.extend(replaced);
    }
    assert!(checked.len() >= 5, "{checked:?}");
    assert!(
        checked.iter().any(|p| p.ends_with(".svg")),
        "no SVG was replaced: {checked:?}"
    );
}

#[test]
fn next_public_images_are_optimized_beside_the_copy() {
    let Some(next) = fixture("next-app", ".next") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("app");
    copy_dir(&next, &project.join(".next"));
    let photo = jpeg();
    write(&project.join("public/photo.jpg"), &photo);
    let out = tmp.path().join("out");
    let o = optimize(
        &[
            project.join(".next").to_str().unwrap(),
            "--out",
            out.join(".next").to_str().unwrap(),
            "--no-cache",
            "--no-minify",
        ],
        0,
    );
    let optimized = std::fs::read(out.join("public/photo.jpg")).expect("public/ written beside");
    assert!(optimized.len() < photo.len());
    assert!(pixels(&optimized) == pixels(&photo), "pixels differ");
    assert_eq!(
        std::fs::read(project.join("public/photo.jpg")).unwrap(),
        photo,
        "the input stays"
    );
    assert!(
        stderr(&o).contains("optimize/next-image") || stdout(&o).contains("next/image"),
        "{}",
        stderr(&o)
    );
    // The copy of `.next` itself is whole.
    let copied = tree(&out.join(".next"));
    assert!(copied.keys().any(|k| k.starts_with("static/chunks/")));
}

/// A route's images are the ones its scripts and stylesheets name, and a budget on them
/// measures what `optimize` made of them: the same selection fails on the build as it came
/// and passes on the optimized copy.
#[test]
fn an_entrys_image_budget_measures_the_optimized_images() {
    let Some(dist) = fixture("vite-react", "dist") else {
        return;
    };
    let before = analyze_json(&dist, &["--encodings", "raw,brotli"]);
    let entry = load_set(&before, "entries", "index.html");
    let images = strings(&entry["images"]);
    assert!(
        !images.is_empty() && images.iter().all(|p| p.ends_with(".png")),
        "{images:?}"
    );
    let raw_before: u64 = images
        .iter()
        .map(|p| file(&before, p)["sizes"]["raw"].as_u64().unwrap())
        .sum();
    assert_eq!(entry["imageSizes"]["raw"], raw_before);
    // Sent as they are: the brotli column is the raw bytes.
    assert_eq!(entry["imageSizes"]["brotli"], raw_before);

    let (tmp, out) = optimize_copy(&dist, &["--no-cache", "--no-minify", "--no-compress"]);
    let after = analyze_json(&out, &["--encodings", "raw,brotli"]);
    let raw_after = load_set(&after, "entries", "index.html")["imageSizes"]["raw"]
        .as_u64()
        .unwrap();
    assert!(raw_after < raw_before, "{raw_after} vs {raw_before}");

    let limit = u64::midpoint(raw_before, raw_after);
    let budgets = tmp.path().join("budgets.json");
    write(
        &budgets,
        format!(
            r#"{{"budgets": [{{"name": "hero images", "select": {{"entry": "index.html", "types": ["image"]}}, "max": "{limit} B"}}]}}"#
        ),
    );
    let budgets = budgets.to_str().unwrap();
    let check = |dir: &Path| distill(&["check", dir.to_str().unwrap(), "--budgets", budgets]);
    let o = check(&dist);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let o = check(&out);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

/// Next.js writes an imported image as `{src:"/_next/static/media/hero.….jpg",…}` into the page's
/// chunk: the route that loads that chunk names the image.
#[test]
fn a_next_route_names_the_images_its_chunks_import() {
    let Some(next) = fixture("next-app", ".next-webpack") else {
        return;
    };
    let report = analyze_json(&next, &["--encodings", "raw"]);
    let images = strings(&load_set(&report, "routes", "/")["images"]);
    assert!(
        images
            .iter()
            .any(|p| p.starts_with("static/media/hero.") && p.ends_with(".jpg")),
        "{images:?}"
    );
}
