//! End-to-end tests of `distill_images::optimize` on the committed fixture images and on hostile
//! inputs made here. Every replacement is checked again with an independent decode.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

use distill_graph::Code;
use distill_images::{
    Format, KeepReason, Method, Options, Outcome, SiblingFormat, Strip, Verdict, memory_estimate,
    optimize,
};
use image::{DynamicImage, ImageFormat, RgbaImage};
use std::io::Cursor;
use std::path::PathBuf;

fn fixture(rel: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn replaced(o: &Outcome) -> &[u8] {
    match &o.verdict {
        Verdict::Replaced(r) => {
            assert_eq!(r.len as usize, r.bytes.len());
            &r.bytes
        }
        Verdict::Kept(reason) => panic!("{}: kept: {reason}", o.path),
    }
}

fn kept(o: &Outcome) -> &KeepReason {
    match &o.verdict {
        Verdict::Kept(r) => r,
        Verdict::Replaced(_) => panic!("{}: unexpectedly replaced", o.path),
    }
}

#[track_caller]
fn has_code(o: &Outcome, code: Code) {
    assert!(
        o.diagnostics
            .iter()
            .any(|d| d.code == code && d.path.as_deref() == Some(o.path.as_str())),
        "{}: no {code} in {:?}",
        o.path,
        o.diagnostics
    );
}

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("decodes")
}

fn assert_same_pixels(a: &[u8], b: &[u8]) {
    let (a, b) = (decode(a), decode(b));
    assert_eq!((a.width(), a.height()), (b.width(), b.height()));
    assert_eq!(
        a.to_rgba16().as_raw(),
        b.to_rgba16().as_raw(),
        "pixels differ"
    );
}

fn png_bytes(img: &DynamicImage) -> Vec<u8> {
    let mut v = Vec::new();
    img.write_to(&mut Cursor::new(&mut v), ImageFormat::Png)
        .unwrap();
    v
}

fn jpeg_bytes(img: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut v = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut v, quality)
        .encode_image(img)
        .unwrap();
    v
}

/// A noisy gradient with soft shapes: compressible but not trivially.
fn photo(w: u32, h: u32) -> DynamicImage {
    let mut seed = 0x2545_F491u32;
    DynamicImage::ImageRgba8(RgbaImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed % 7) as u8;
        let d = ((x as i32 - w as i32 / 2).pow(2) + (y as i32 - h as i32 / 3).pow(2)) as u32;
        let blob = if d < (w * w / 16) { 60 } else { 0 };
        image::Rgba([
            (x * 255 / w) as u8 / 2 + n + blob,
            (y * 255 / h) as u8 / 2 + n,
            128u8.wrapping_add(blob) / 2 + n,
            255,
        ])
    }))
}

// ---------------------------------------------------------------- PNG

#[test]
fn fixture_pngs_shrink_with_identical_pixels() {
    for rel in [
        "vite-react/src/assets/hero.png",
        "vite-vue/src/assets/banner.png",
        "demo/src/assets/banner.png",
        "vite-react/src/assets/logo.png",
    ] {
        let input = fixture(rel);
        let o = optimize(rel, &input, &Options::default());
        assert_eq!(o.format, Format::Png);
        let out = replaced(&o);
        assert!(
            out.len() < input.len(),
            "{rel}: {} >= {}",
            out.len(),
            input.len()
        );
        assert_same_pixels(&input, out);
        assert!(
            matches!(o.verdict, Verdict::Replaced(ref r) if r.method == Method::PngLossless { level: 2 })
        );
    }
}

#[test]
fn png_output_is_identical_whatever_the_thread_count() {
    let input = png_bytes(&photo(300, 200));
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| replaced(&optimize("a.png", &input, &Options::default())).to_vec())
    };
    let one = run(1);
    assert_eq!(one, run(4));
    assert_eq!(one, run(2));
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn chunk(kind: [u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = (body.len() as u32).to_be_bytes().to_vec();
    v.extend_from_slice(&kind);
    v.extend_from_slice(body);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(body);
    v.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    v
}

/// Inserts chunks right after IHDR.
fn with_chunks(png: &[u8], chunks: &[Vec<u8>]) -> Vec<u8> {
    let mut v = png[..33].to_vec();
    for c in chunks {
        v.extend_from_slice(c);
    }
    v.extend_from_slice(&png[33..]);
    v
}

fn chunk_kinds(png: &[u8]) -> Vec<String> {
    let mut kinds = Vec::new();
    let mut pos = 8;
    while pos + 8 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        kinds.push(String::from_utf8_lossy(&png[pos + 4..pos + 8]).into_owned());
        pos += 12 + len;
    }
    kinds
}

#[test]
fn png_keeps_colour_chunks_unless_strip_all() {
    let base = png_bytes(&photo(120, 80));
    let input = with_chunks(
        &base,
        &[
            chunk(*b"gAMA", &45455u32.to_be_bytes()),
            chunk(*b"cHRM", &[0u8; 32].map(|_| 1)),
            chunk(*b"tEXt", b"Software\0a paint program"),
        ],
    );
    let o = optimize("c.png", &input, &Options::default());
    let kinds = chunk_kinds(replaced(&o));
    assert!(
        kinds.contains(&"gAMA".into()) && kinds.contains(&"cHRM".into()),
        "{kinds:?}"
    );
    assert!(!kinds.contains(&"tEXt".into()), "{kinds:?}");
    let all = Options {
        strip: Strip::All,
        ..Options::default()
    };
    let kinds = chunk_kinds(replaced(&optimize("c.png", &input, &all)));
    assert_eq!(
        kinds
            .iter()
            .filter(|k| k.as_bytes()[0].is_ascii_lowercase())
            .count(),
        0,
        "{kinds:?}"
    );
}

#[test]
fn png_with_bad_crc_is_kept_with_a_diagnostic() {
    let mut input = fixture("demo/src/assets/banner.png");
    let n = input.len();
    input[n / 2] ^= 0x55; // inside IDAT
    let o = optimize("assets/banner.png", &input, &Options::default());
    assert!(
        matches!(kept(&o), KeepReason::DecodeFailed { message } if message.contains("CRC")),
        "{:?}",
        o.verdict
    );
    has_code(&o, Code::ImageDecodeFailed);
}

#[test]
fn truncated_png_and_jpeg_are_kept() {
    let png = fixture("vite-react/src/assets/hero.png");
    let jpg = fixture("next-app/assets/hero.jpg");
    for (name, bytes) in [("t.png", &png), ("t.jpg", &jpg)] {
        for cut in [bytes.len() / 3, bytes.len() - 5] {
            let o = optimize(name, &bytes[..cut], &Options::default());
            assert!(
                matches!(kept(&o), KeepReason::DecodeFailed { .. }),
                "{name} at {cut}: {:?}",
                o.verdict
            );
            has_code(&o, Code::ImageDecodeFailed);
        }
    }
}

#[test]
fn decompression_bomb_is_refused_from_the_header() {
    // 30,000 × 30,000 RGBA claimed by IHDR, a few bytes of IDAT: nothing may be allocated for it.
    let mut ihdr = 30_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut input = b"\x89PNG\r\n\x1a\n".to_vec();
    input.extend(chunk(*b"IHDR", &ihdr));
    input.extend(chunk(
        *b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    input.extend(chunk(*b"IEND", b""));
    let start = std::time::Instant::now();
    let o = optimize("bomb.png", &input, &Options::default());
    assert!(start.elapsed().as_millis() < 500);
    assert_eq!(
        kept(&o),
        &KeepReason::TooLarge {
            what: "pixels".into(),
            value: 900_000_000,
            limit: 64_000_000
        }
    );
    has_code(&o, Code::ImageTooLarge);
    assert!(
        memory_estimate(&input) > 900_000_000 * 4,
        "the estimate comes from the header"
    );
    // The same limit guards JPEG headers, and the byte limit guards everything.
    let mut jpg = fixture("next-pages/assets/cover.jpg");
    let sof = jpg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpg[sof + 5..sof + 9].copy_from_slice(&[0x75, 0x30, 0x75, 0x30]);
    assert!(matches!(
        kept(&optimize("b.jpg", &jpg, &Options::default())),
        KeepReason::TooLarge { .. }
    ));
    let small = Options {
        max_input_bytes: 1000,
        ..Options::default()
    };
    let o = optimize("b.jpg", &fixture("next-pages/assets/cover.jpg"), &small);
    assert!(matches!(kept(&o), KeepReason::TooLarge { what, .. } if what == "bytes"));
}

#[test]
fn html_named_png_is_diagnosed_not_touched() {
    let html =
        b"<!DOCTYPE html>\n<html><head><title>404</title></head><body>Not found</body></html>";
    let o = optimize("assets/hero.png", html, &Options::default());
    assert_eq!(o.format, Format::Html);
    assert_eq!(
        kept(&o),
        &KeepReason::NotAnImage {
            looks_like: "HTML".into()
        }
    );
    has_code(&o, Code::ImageWrongFormat);
    assert_eq!(kept(&o).to_string(), "not an image: looks like HTML");
}

#[test]
fn animated_png_and_gif_are_kept() {
    let base = png_bytes(&photo(16, 16));
    let mut actl = 2u32.to_be_bytes().to_vec();
    actl.extend_from_slice(&0u32.to_be_bytes());
    let apng = with_chunks(&base, &[chunk(*b"acTL", &actl)]);
    let o = optimize("a.png", &apng, &Options::default());
    assert_eq!(kept(&o), &KeepReason::Animated);
    has_code(&o, Code::ImageAnimated);

    let mut gif = Vec::new();
    {
        let mut enc = image::codecs::gif::GifEncoder::new(&mut gif);
        let frames = (0..2).map(|i| {
            image::Frame::new(RgbaImage::from_pixel(
                8,
                8,
                image::Rgba([i * 200, 0, 0, 255]),
            ))
        });
        enc.encode_frames(frames).unwrap();
    }
    let o = optimize("a.gif", &gif, &Options::default());
    assert_eq!(o.format, Format::Gif);
    assert_eq!(kept(&o), &KeepReason::Animated);
    has_code(&o, Code::ImageAnimated);
}

// ---------------------------------------------------------------- JPEG

/// Markers and bodies of the segments before the first scan.
fn segments(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 2;
    while pos + 4 <= jpeg.len() && jpeg[pos] == 0xFF {
        let marker = jpeg[pos + 1];
        let len = u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]) as usize;
        out.push((marker, jpeg[pos + 4..pos + 2 + len].to_vec()));
        if marker == 0xDA {
            break;
        }
        pos += 2 + len;
    }
    out
}

fn insert_after_soi(jpeg: &[u8], segs: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8];
    for (m, body) in segs {
        v.extend_from_slice(&[0xFF, *m]);
        v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(body);
    }
    v.extend_from_slice(&jpeg[2..]);
    v
}

#[test]
fn fixture_jpegs_shrink_losslessly() {
    for rel in ["next-app/assets/hero.jpg", "next-pages/assets/cover.jpg"] {
        let input = fixture(rel);
        let o = optimize(rel, &input, &Options::default());
        let out = replaced(&o);
        assert!(out.len() < input.len());
        assert_same_pixels(&input, out);
        assert!(o.lossy.is_none());
        // Idempotent in pixels, and a second pass finds nothing more to gain.
        let again = optimize(rel, out, &Options::default());
        assert!(again.final_len() <= out.len() as u64);
    }
}

#[test]
fn grayscale_and_444_jpegs_round_trip() {
    let img = photo(203, 101);
    for input in [
        jpeg_bytes(&DynamicImage::ImageLuma8(img.to_luma8()), 85),
        jpeg_bytes(&img, 97),
    ] {
        let o = optimize("g.jpg", &input, &Options::default());
        assert_same_pixels(&input, replaced(&o));
    }
}

#[test]
fn jpeg_metadata_drops_exif_xmp_comments_keeps_icc_and_orientation() {
    let base = jpeg_bytes(&photo(160, 90), 80);
    let mut exif = b"Exif\0\0MM\0\x2A\0\0\0\x08\0\x02".to_vec();
    exif.extend_from_slice(&[0x01, 0x0F, 0, 2, 0, 0, 0, 4, b'A', b'c', b'm', 0]); // Make
    exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // orientation 6
    exif.extend_from_slice(&[0, 0, 0, 0]);
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend(std::iter::repeat_n(0x42u8, 600));
    let input = insert_after_soi(
        &base,
        &[
            (0xE1, exif),
            (0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>".to_vec()),
            (0xFE, b"made with a camera".to_vec()),
            (0xE2, icc.clone()),
        ],
    );
    let o = optimize("m.jpg", &input, &Options::default());
    let out = replaced(&o);
    assert_same_pixels(&input, out);
    let segs = segments(out);
    assert!(
        segs.iter().any(|(m, b)| *m == 0xE2 && *b == icc),
        "ICC kept"
    );
    let exif_out: Vec<_> = segs.iter().filter(|(m, _)| *m == 0xE1).collect();
    assert_eq!(exif_out.len(), 1, "only the minimal EXIF");
    assert!(exif_out[0].1.len() <= 32 && exif_out[0].1.windows(4).any(|w| w == [0x01, 0x12, 0, 3]));
    assert!(!segs.iter().any(|(m, _)| *m == 0xFE), "comment dropped");
    assert!(!out.windows(8).any(|w| w == b"xmpmeta/"), "XMP dropped");

    let all = Options {
        strip: Strip::All,
        ..Options::default()
    };
    let segs = segments(replaced(&optimize("m.jpg", &input, &all)));
    assert!(
        !segs.iter().any(|(m, _)| *m == 0xE2),
        "ICC dropped with strip all"
    );
    assert!(
        segs.iter().any(|(m, _)| *m == 0xE1),
        "orientation kept even with strip all"
    );
}

#[test]
fn lossy_jpeg_is_kept_only_above_the_threshold() {
    let input = fixture("next-app/assets/hero.jpg");
    let lossless_len = optimize("h.jpg", &input, &Options::default()).final_len();
    let options = Options {
        jpeg_quality: Some(60),
        ..Options::default()
    };
    let o = optimize("h.jpg", &input, &options);
    let attempt = o.lossy.clone().expect("a lossy attempt is reported");
    assert!(attempt.ssim > 0.5 && attempt.ssim <= 1.0, "{attempt:?}");
    if attempt.accepted {
        assert!(attempt.ssim >= 0.98 && attempt.len < lossless_len);
        assert!(
            matches!(&o.verdict, Verdict::Replaced(r) if matches!(r.method, Method::JpegLossy { quality: 60, .. }))
        );
        let (a, b) = (decode(&input).to_luma8(), decode(replaced(&o)).to_luma8());
        let s = distill_images::ssim(
            a.as_raw(),
            b.as_raw(),
            a.width() as usize,
            a.height() as usize,
        );
        assert!((s - attempt.ssim).abs() < 1e-9);
    }
    // An unreachable threshold: the lossless result stays, and the report says why.
    let strict = Options {
        jpeg_quality: Some(60),
        jpeg_min_ssim: 0.999_999,
        ..Options::default()
    };
    let o = optimize("h.jpg", &input, &strict);
    assert!(!o.lossy.as_ref().unwrap().accepted);
    assert!(
        matches!(&o.verdict, Verdict::Replaced(r) if matches!(r.method, Method::JpegLossless { .. }))
    );
    has_code(&o, Code::ImageLossyRejected);
}

#[test]
fn arithmetic_jpeg_is_unsupported() {
    let mut input = jpeg_bytes(&photo(32, 32), 80);
    let sof = input.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    input[sof + 1] = 0xC9;
    let o = optimize("a.jpg", &input, &Options::default());
    assert!(
        matches!(kept(&o), KeepReason::Unsupported { .. }),
        "{:?}",
        o.verdict
    );
    has_code(&o, Code::ImageUnsupported);
}

// ---------------------------------------------------------------- SVG

fn render(svg: &[u8]) -> resvg::tiny_skia::Pixmap {
    let tree = resvg::usvg::Tree::from_data(svg, &resvg::usvg::Options::default()).unwrap();
    let size = tree.size();
    let scale = 256.0 / size.width().max(size.height());
    let mut p = resvg::tiny_skia::Pixmap::new(
        (size.width() * scale).round() as u32,
        (size.height() * scale).round() as u32,
    )
    .unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut p.as_mut(),
    );
    p
}

const EDITOR_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with an editor -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
     width="64.000000" height="64.000000" viewBox="0 0 64 64" version="1.1" id="svg8"
     inkscape:version="1.3" sodipodi:docname="icon.svg">
  <metadata id="metadata5"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <sodipodi:namedview id="base" pagecolor="#ffffff" inkscape:zoom="8"/>
  <defs id="defs2"></defs>
  <g id="layer1" inkscape:label="Layer 1" inkscape:groupmode="layer">
    <rect id="rect10" x="4.0000000" y="4.0000000" width="56.000000" height="56.000000" rx="8" fill="#ff0000" fill-opacity="1" stroke="none"/>
    <path id="path12" d="M 16.000000,44.000000 L 28.000000,24.000000 L 36.000000,36.000000 L 48.000000,18.000000"
          style="fill:none;stroke:#ffffff;stroke-width:4.0000;stroke-linecap:round;stroke-linejoin:round;stroke-opacity:1"/>
  </g>
</svg>
"##;

#[test]
fn svgs_are_minified_without_changing_pixels() {
    let fixtures = [
        fixture("vite-react/public/favicon.svg"),
        fixture("vite-vue/public/favicon.svg"),
    ];
    for input in fixtures
        .iter()
        .map(Vec::as_slice)
        .chain([EDITOR_SVG.as_bytes()])
    {
        let o = optimize("icon.svg", input, &Options::default());
        assert_eq!(o.format, Format::Svg);
        let out = replaced(&o);
        assert!(out.len() < input.len());
        assert_eq!(
            render(input).data(),
            render(out).data(),
            "{}",
            String::from_utf8_lossy(out)
        );
        let text = String::from_utf8_lossy(out);
        assert!(
            !text.contains("inkscape") && !text.contains("<!--") && !text.contains("metadata"),
            "{text}"
        );
    }
}

#[test]
fn svg_with_text_only_gets_the_conservative_preset() {
    let input = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 20"><!-- title -->
        <text x="0.000000" y="15.000000" font-size="12">Hello   world</text></svg>"#;
    let o = optimize("t.svg", input, &Options::default());
    let out = String::from_utf8(replaced(&o).to_vec()).unwrap();
    assert!(
        matches!(&o.verdict, Verdict::Replaced(r) if r.method == Method::SvgMinified { preset: "conservative".into() })
    );
    // Whitespace collapses as SVG's default xml:space handling does when rendering.
    assert!(
        out.contains(">Hello world<") && !out.contains("<!--"),
        "{out}"
    );
    // With xml:space="preserve" the spaces are part of the picture: kept byte for byte, or the
    // original stays.
    let input = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 20"><!-- title -->
        <text x="0" y="15" xml:space="preserve">Hello   world</text></svg>"#;
    let o = optimize("p.svg", input, &Options::default());
    if let Verdict::Replaced(r) = &o.verdict {
        assert!(String::from_utf8_lossy(&r.bytes).contains("Hello   world"));
    }
}

#[test]
fn svg_jobs_that_move_pixels_are_left_out_one_by_one() {
    // In a 1×1 viewBox rendered at 512 px, rounding to three decimals moves edges by a quarter of
    // a pixel: the default preset changes pixels, and the search must keep the rest of it.
    let input = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" version="1.1">
        <!-- exported -->
        <g><g><path d="M 0.1234567 0.1234567 L 0.8765432 0.2345678 L 0.5123456 0.9345678 Z" fill="#ff0000"/></g></g>
        </svg>"##;
    let o = optimize("fine.svg", input, &Options::default());
    let out = replaced(&o);
    let Verdict::Replaced(r) = &o.verdict else {
        unreachable!()
    };
    let Method::SvgMinified { preset } = &r.method else {
        panic!("{:?}", r.method)
    };
    assert!(
        preset.starts_with("default, job by job")
            && (preset.contains("moved pixels") || preset.contains("decimals")),
        "{preset}"
    );
    assert_eq!(render(input).data(), render(out).data());
    let text = String::from_utf8_lossy(out);
    // collapseGroups and convertColors ran: more than the conservative set.
    assert!(
        !text.contains("<g>") && text.contains("red") && !text.contains("<!--"),
        "{text}"
    );
    // With nothing for the conservative set to remove (this is how oxvg writes it back), the
    // search still runs from it.
    let clean = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><g><g><path d="M.1234567.1234567.8765432.2345678.5123456.9345678Z" fill="red"/></g></g></svg>"##;
    let o = optimize("clean.svg", clean, &Options::default());
    let out = replaced(&o);
    assert!(!String::from_utf8_lossy(out).contains("<g>"));
    assert_eq!(render(clean).data(), render(out).data());
}

#[test]
fn hidden_text_does_not_hold_the_rest_of_the_drawing_back() {
    // Inkscape keeps hidden labels as `display:none` text: they never render, so the pixel proof
    // covers the whole drawing.
    let input = br##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
        <g><g><rect x="8" y="8" width="48" height="48" style="fill:#ff0000;fill-opacity:1;stroke:none;stroke-width:2;display:inline"/></g></g>
        <text x="0" y="10" style="display:none;font-size:8px">label</text></svg>"##;
    let o = optimize("hidden.svg", input, &Options::default());
    let out = replaced(&o);
    let text = String::from_utf8_lossy(out);
    assert!(
        !text.contains("<g>") && !text.contains("stroke-width"),
        "{text}"
    );
    assert_eq!(render(input).data(), render(out).data());
    // The same label visible: only the conservative set, which keeps the groups.
    let visible = String::from_utf8_lossy(input).replace("display:none;", "");
    let o = optimize("visible.svg", visible.as_bytes(), &Options::default());
    if let Verdict::Replaced(r) = &o.verdict {
        assert!(String::from_utf8_lossy(&r.bytes).contains("<g>"));
    }
}

#[test]
fn unsafe_svgs_are_kept_with_a_diagnostic() {
    let cases: [(&str, &str); 6] = [
        ("<script>alert(1)</script>", "<script>"),
        (
            "<foreignObject width='10' height='10'><div xmlns='http://www.w3.org/1999/xhtml'>x</div></foreignObject>",
            "foreignObject",
        ),
        (
            "<image href='https://example.com/a.png' width='10' height='10'/>",
            "external reference",
        ),
        (
            "<use xlink:href='sprite.svg#a' xmlns:xlink='http://www.w3.org/1999/xlink'/>",
            "external reference",
        ),
        (
            "<rect width='10' height='10' onclick='alert(1)'/>",
            "event handler",
        ),
        (
            "<style>@import url(https://example.com/a.css);</style>",
            "<style>",
        ),
    ];
    for (body, what) in cases {
        let svg = format!(
            "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'>{body}<!-- x --></svg>"
        );
        let o = optimize("u.svg", svg.as_bytes(), &Options::default());
        assert!(
            matches!(kept(&o), KeepReason::UnsafeSvg { what: w } if w.contains(what)),
            "{body}: {:?}",
            o.verdict
        );
        has_code(&o, Code::ImageUnsafeSvg);
    }
    // Local references and data URLs are fine.
    let ok = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'><!-- x --><defs><linearGradient id='g'><stop offset='0' stop-color='red'/></linearGradient></defs><rect width='10' height='10' fill='url(#g)'/></svg>";
    assert!(matches!(
        optimize("ok.svg", ok.as_bytes(), &Options::default()).verdict,
        Verdict::Replaced(_)
    ));
}

#[test]
fn malformed_svg_is_kept() {
    let o = optimize(
        "bad.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>",
        &Options::default(),
    );
    assert!(matches!(kept(&o), KeepReason::DecodeFailed { .. }));
    has_code(&o, Code::ImageDecodeFailed);
}

// ---------------------------------------------------------------- siblings, options

#[test]
fn siblings_are_written_on_request() {
    let options = Options {
        formats: vec![SiblingFormat::Webp, SiblingFormat::Avif],
        ..Options::default()
    };
    let png = fixture("vite-react/src/assets/hero.png");
    let o = optimize("assets/hero.png", &png, &options);
    let webp = o
        .siblings
        .iter()
        .find(|s| s.format == SiblingFormat::Webp)
        .expect("webp sibling");
    assert_eq!(webp.path, "assets/hero.webp");
    assert!(webp.lossless);
    assert_same_pixels(&png, &webp.bytes);
    assert!(webp.len < o.final_len());

    let jpg = fixture("next-app/assets/hero.jpg");
    let o = optimize("hero.jpg", &jpg, &options);
    for s in &o.siblings {
        assert!(s.len < o.final_len() && !s.lossless && s.quality == Some(80));
    }
    let avif = o
        .siblings
        .iter()
        .find(|s| s.format == SiblingFormat::Avif)
        .expect("avif sibling");
    assert_eq!(&avif.bytes[4..12], b"ftypavif");
    let webp = o
        .siblings
        .iter()
        .find(|s| s.format == SiblingFormat::Webp)
        .expect("webp sibling");
    let d = decode(&webp.bytes);
    assert_eq!((d.width(), d.height()), (960, 480));
    // Same input, same bytes.
    let again = optimize("hero.jpg", &jpg, &options);
    assert_eq!(again.siblings, o.siblings);
    assert!(distill_images::picture_hint("hero.jpg", &options.formats).contains("hero.avif"));
}

#[test]
fn cache_key_follows_every_option() {
    let base = Options::default().cache_key();
    assert_eq!(base, Options::default().cache_key());
    let variants = [
        Options {
            png_level: 3,
            ..Options::default()
        },
        Options {
            strip: Strip::All,
            ..Options::default()
        },
        Options {
            jpeg_quality: Some(80),
            ..Options::default()
        },
        Options {
            jpeg_min_ssim: 0.95,
            ..Options::default()
        },
        Options {
            formats: vec![SiblingFormat::Webp],
            ..Options::default()
        },
        Options {
            sibling_quality: 70,
            ..Options::default()
        },
        Options {
            max_pixels: 1,
            ..Options::default()
        },
        Options {
            max_input_bytes: 1,
            ..Options::default()
        },
    ];
    for v in variants {
        assert_ne!(v.cache_key(), base, "{v:?}");
    }
    let json = r#"{"pngLevel":4,"formats":["webp","avif"]}"#;
    let parsed: Options = serde_json::from_str(json).unwrap();
    assert_eq!(parsed.png_level, 4);
    assert!(serde_json::from_str::<Options>(r#"{"pngLevl":4}"#).is_err());
}

#[test]
fn encoder_versions_in_the_cache_key_match_cargo_lock() {
    let lock =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock"))
            .unwrap();
    for (name, version) in distill_images::ENCODERS {
        if *name == "distill_images" {
            continue;
        }
        let entry = format!("name = \"{name}\"\nversion = \"{version}\"");
        assert!(
            lock.contains(&entry),
            "Cargo.lock has no {name} {version}: update ENCODERS"
        );
    }
}

#[test]
fn memory_estimates_bound_a_big_photo_and_twenty_images_under_2_gib() {
    // Headers only: a 30-megapixel JPEG (6708 × 4472) and twenty 2-megapixel PNGs.
    let mut jpg = fixture("next-app/assets/hero.jpg");
    let sof = jpg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpg[sof + 5..sof + 9].copy_from_slice(&[0x11, 0x78, 0x1A, 0x34]);
    let big = memory_estimate(&jpg);
    assert!(big > 30_000_000 * 3, "{big}");
    let mut ihdr = 1920u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&1080u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(*b"IHDR", &ihdr));
    let small = memory_estimate(&png);
    assert!(small > 1920 * 1080 * 3);
    assert!(big + 20 * small > 0);
    // What a scheduler with a 2 GiB budget admits: the photo plus at least a few images at once.
    assert!(big + 4 * small < 2 << 30, "{big} + 4 × {small}");
    assert_eq!(memory_estimate(b"plain text"), 10);
}

#[test]
fn hostile_bytes_never_panic() {
    let seeds = [
        fixture("demo/src/assets/banner.png"),
        fixture("next-pages/assets/cover.jpg"),
        fixture("vite-vue/public/favicon.svg"),
    ];
    let mut x = 0x9E37_79B9u32;
    for seed in &seeds {
        for _ in 0..40 {
            let mut b = seed.clone();
            for _ in 0..4 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let i = x as usize % b.len();
                b[i] = (x >> 8) as u8;
            }
            let cut = (x as usize >> 3) % (b.len() + 1);
            for bytes in [&b[..], &b[..cut]] {
                let o = optimize("f.bin", bytes, &Options::default());
                if let Verdict::Replaced(r) = &o.verdict {
                    assert!(r.len < bytes.len() as u64);
                }
                let _ = memory_estimate(bytes);
            }
        }
    }
}
