//! WebP and AVIF copies written beside the original, never replacing it: the app chooses with
//! `<picture>`. A sibling is offered only when it is smaller than the (optimized) original.
//!
//! WebP from a PNG is lossless (pixels verified exact); from a JPEG it is lossy at
//! `sibling_quality`, checked to decode at the same size. AVIF is always lossy; no AVIF decoder
//! is built in (it would need dav1d), so an AVIF sibling is checked structurally only.

use crate::{Format, Options, Outcome, Sibling, SiblingFormat, pixels, sibling_path};
use distill_graph::{Code, Diagnostic};
use image::DynamicImage;

pub(crate) fn make(bytes: &[u8], options: &Options, out: &mut Outcome) {
    // Siblings come from the original's pixels: the verified replacement has the same ones.
    // A file that does not decode was already diagnosed by the main pass.
    let Ok(img) = pixels::decode(bytes, options) else {
        return;
    };
    let lossless_source = out.format == Format::Png;
    let mut formats = options.formats.clone();
    formats.sort();
    formats.dedup();
    for format in formats {
        let made = match format {
            SiblingFormat::Webp => webp(&img, lossless_source, options.sibling_quality),
            SiblingFormat::Avif => avif(&img, options.sibling_quality),
        };
        match made {
            Ok(sibling_bytes) => {
                let len = sibling_bytes.len() as u64;
                if len >= out.final_len() {
                    out.diagnostics.push(
                        Diagnostic::info(
                            Code::ImageSiblingFailed,
                            format!(
                                "{} sibling not written: {len} bytes, not smaller than {}",
                                format.extension(),
                                out.final_len()
                            ),
                        )
                        .at(out.path.clone()),
                    );
                    continue;
                }
                let lossless = format == SiblingFormat::Webp && lossless_source;
                out.siblings.push(Sibling {
                    format,
                    path: sibling_path(&out.path, format),
                    bytes: sibling_bytes,
                    len,
                    lossless,
                    quality: (!lossless).then_some(options.sibling_quality),
                });
            }
            Err(e) => out.diagnostics.push(
                Diagnostic::warning(
                    Code::ImageSiblingFailed,
                    format!("{} sibling: {e}", format.extension()),
                )
                .at(out.path.clone()),
            ),
        }
    }
}

fn webp(img: &DynamicImage, lossless: bool, quality: u8) -> Result<Vec<u8>, String> {
    let has_alpha = img.color().has_alpha();
    let (buf, layout) = if has_alpha {
        (img.to_rgba8().into_raw(), webp::PixelLayout::Rgba)
    } else {
        (img.to_rgb8().into_raw(), webp::PixelLayout::Rgb)
    };
    let encoder = webp::Encoder::new(&buf, layout, img.width(), img.height());
    let mut config = webp::WebPConfig::new().map_err(|()| "libwebp config")?;
    config.lossless = i32::from(lossless);
    config.quality = if lossless {
        75.0
    } else {
        f32::from(quality.clamp(1, 100))
    };
    // `exact` keeps the colour under fully transparent pixels, so lossless really is exact.
    config.exact = i32::from(lossless);
    config.thread_level = 0;
    let bytes = encoder
        .encode_advanced(&config)
        .map_err(|e| format!("libwebp: {e:?}"))?
        .to_vec();
    let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::WebP)
        .map_err(|e| format!("written WebP does not decode: {e}"))?;
    if decoded.width() != img.width() || decoded.height() != img.height() {
        return Err("written WebP has other dimensions".into());
    }
    if lossless {
        let same = if has_alpha {
            decoded.to_rgba8().as_raw() == &buf
        } else {
            decoded.to_rgb8().as_raw() == &buf
        };
        if !same {
            return Err("lossless WebP does not decode to the same pixels".into());
        }
    }
    Ok(bytes)
}

fn avif(img: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let rgba = img.to_rgba8();
    let pixels: Vec<ravif::RGBA8> = rgba
        .pixels()
        .map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3]))
        .collect();
    let encoded = ravif::Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_alpha_quality(f32::from(quality.clamp(1, 100)))
        // Speed 6 of 1–10: within a few percent of the slowest speeds' bytes at a fraction of
        // their time; one thread so the bytes never depend on scheduling.
        .with_speed(6)
        .with_num_threads(Some(1))
        .encode_rgba(ravif::Img::new(
            &pixels[..],
            rgba.width() as usize,
            rgba.height() as usize,
        ))
        .map_err(|e| format!("ravif: {e}"))?;
    let bytes = encoded.avif_file;
    let sniffed = crate::sniff(&bytes);
    if sniffed.format != Format::Avif {
        return Err("written AVIF has no AVIF file type box".into());
    }
    Ok(bytes)
}
