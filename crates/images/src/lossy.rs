//! Optional lossy JPEG: re-encode at a quality, recompress losslessly, and keep it only when it
//! is smaller than the best lossless result and its SSIM against the original is high enough.

#![allow(
    clippy::indexing_slicing,
    reason = "both images were decoded to the same dimensions before pixels are compared row by row"
)]

use crate::jpeg::{self, Jpeg};
use crate::{LossyAttempt, Method, Options, Outcome, Replacement, Verdict, pixels};
use distill_graph::{Code, Diagnostic};
use image::{DynamicImage, ExtendedColorType, codecs::jpeg::JpegEncoder};

pub(crate) fn attempt(
    parsed: &Jpeg,
    original: &DynamicImage,
    quality: u8,
    options: &Options,
    out: &mut Outcome,
) {
    let quality = quality.clamp(1, 100);
    let reject = |out: &mut Outcome, message: String| {
        out.diagnostics
            .push(Diagnostic::info(Code::ImageLossyRejected, message).at(out.path.clone()));
    };
    if parsed.components.len() == 4 {
        return reject(out, "lossy re-encode skipped: CMYK JPEG".into());
    }
    let gray = parsed.components.len() == 1;
    let mut encoded = Vec::new();
    let result = if gray {
        let luma = original.to_luma8();
        JpegEncoder::new_with_quality(&mut encoded, quality).encode(
            luma.as_raw(),
            luma.width(),
            luma.height(),
            ExtendedColorType::L8,
        )
    } else {
        let rgb = original.to_rgb8();
        JpegEncoder::new_with_quality(&mut encoded, quality).encode(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            ExtendedColorType::Rgb8,
        )
    };
    if let Err(e) = result {
        return reject(out, format!("lossy re-encode failed: {e}"));
    }
    // Huffman-optimize the re-encode and carry the original's ICC profile and orientation.
    let mut reencoded = match jpeg::parse(&encoded, options.max_pixels) {
        Ok(j) => j,
        Err(e) => return reject(out, format!("lossy re-encode unreadable: {e}")),
    };
    reencoded.segments.clone_from(&parsed.segments);
    let bytes = jpeg::recompress(&reencoded, options.strip).bytes;
    let decoded = match pixels::decode(&bytes, options) {
        Ok(d) => d,
        Err(e) => return reject(out, format!("lossy re-encode does not decode: {e}")),
    };
    if decoded.width() != original.width() || decoded.height() != original.height() {
        return reject(out, "lossy re-encode changed the dimensions".into());
    }
    let (a, b) = (original.to_luma8(), decoded.to_luma8());
    let score = ssim(
        a.as_raw(),
        b.as_raw(),
        a.width() as usize,
        a.height() as usize,
    );
    let len = bytes.len() as u64;
    let smaller = len < out.final_len();
    let accepted = smaller && score >= options.jpeg_min_ssim;
    out.lossy = Some(LossyAttempt {
        quality,
        len,
        ssim: score,
        min_ssim: options.jpeg_min_ssim,
        accepted,
    });
    if accepted {
        out.verdict = Verdict::Replaced(Replacement {
            len,
            bytes,
            method: Method::JpegLossy {
                quality,
                ssim: score,
                min_ssim: options.jpeg_min_ssim,
            },
        });
    } else {
        let why = if smaller {
            "below the SSIM threshold"
        } else {
            "not smaller"
        };
        reject(
            out,
            format!(
                "quality {quality}: {len} bytes, SSIM {score:.4} (threshold {}): {why}",
                options.jpeg_min_ssim
            ),
        );
    }
}

/// Mean SSIM over 8×8 windows at a stride of 4 (the whole image when smaller than a window).
pub(crate) fn ssim(a: &[u8], b: &[u8], width: usize, height: usize) -> f64 {
    const C1: f64 = (0.01 * 255.0) * (0.01 * 255.0);
    const C2: f64 = (0.03 * 255.0) * (0.03 * 255.0);
    if a.len() != b.len() || a.len() < width * height || width == 0 || height == 0 {
        return 0.0;
    }
    let (ww, wh) = (width.min(8), height.min(8));
    let (mut total, mut count) = (0.0, 0u64);
    let mut y = 0;
    loop {
        let mut x = 0;
        loop {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for row in y..y + wh {
                let base = row * width + x;
                for (&p, &q) in a[base..base + ww].iter().zip(&b[base..base + ww]) {
                    let (p, q) = (f64::from(p), f64::from(q));
                    sa += p;
                    sb += q;
                    saa += p * p;
                    sbb += q * q;
                    sab += p * q;
                }
            }
            let n = (ww * wh) as f64;
            let (ma, mb) = (sa / n, sb / n);
            let (va, vb) = (saa / n - ma * ma, sbb / n - mb * mb);
            let cov = sab / n - ma * mb;
            total += ((2.0 * ma * mb + C1) * (2.0 * cov + C2))
                / ((ma * ma + mb * mb + C1) * (va + vb + C2));
            count += 1;
            if x + ww >= width {
                break;
            }
            x = (x + 4).min(width - ww);
        }
        if y + wh >= height {
            break;
        }
        y = (y + 4).min(height - wh);
    }
    total / count as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssim_is_one_for_identical_and_drops_with_noise() {
        let (w, h) = (37, 23);
        let a: Vec<u8> = (0..w * h).map(|i| ((i * 7) % 251) as u8).collect();
        assert!((ssim(&a, &a, w, h) - 1.0).abs() < 1e-12);
        let b: Vec<u8> = a
            .iter()
            .enumerate()
            .map(|(i, &p)| p.wrapping_add((i % 3) as u8 * 9))
            .collect();
        let s = ssim(&a, &b, w, h);
        assert!(s < 0.99 && s > 0.0, "{s}");
        let flat = vec![128u8; 4];
        assert!((ssim(&flat, &flat, 2, 2) - 1.0).abs() < 1e-12);
    }
}
