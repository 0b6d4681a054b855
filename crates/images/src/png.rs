//! Lossless PNG: a structural check of our own (chunk lengths, CRCs, IEND), then oxipng, then
//! verification that the pixels and the colour-management chunks are unchanged.

#![allow(
    clippy::indexing_slicing,
    reason = "chunk offsets come from lengths checked against the buffer before use; images::fuzz feeds damaged PNGs"
)]

use crate::{KeepReason, Method, Options, Outcome, Strip, pixels};
use distill_graph::Code;

/// Chunks that change how a PNG looks (colour management and pixel aspect), kept by
/// [`Strip::Safe`]. oxipng's own safe list drops gAMA and cHRM; we keep them, as the issue asks.
/// A chunk's type and body.
type Chunk = ([u8; 4], Vec<u8>);

pub(crate) const COLOUR_CHUNKS: [&[u8; 4]; 6] =
    [b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"pHYs"];

/// Walks the chunks: every length in bounds, every CRC right, IHDR first, IEND present. The
/// colour chunks that must survive `Strip::Safe` are returned for the later comparison.
pub(crate) fn check_structure(bytes: &[u8]) -> Result<Vec<Chunk>, String> {
    let mut pos = 8usize;
    let mut kept = Vec::new();
    let mut first = true;
    loop {
        let header = bytes.get(pos..pos + 8).ok_or("truncated: no IEND chunk")?;
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        let end = pos.checked_add(12 + len).ok_or("chunk length overflows")?;
        let body = bytes.get(pos + 8..pos + 8 + len).ok_or_else(|| {
            format!(
                "truncated inside the {} chunk",
                String::from_utf8_lossy(&kind)
            )
        })?;
        let crc_bytes = bytes.get(pos + 8 + len..end).ok_or_else(|| {
            format!(
                "truncated inside the {} chunk",
                String::from_utf8_lossy(&kind)
            )
        })?;
        let stored = u32::from_be_bytes([crc_bytes[0], crc_bytes[1], crc_bytes[2], crc_bytes[3]]);
        let computed = crc32(&bytes[pos + 4..pos + 8 + len]);
        if stored != computed {
            return Err(format!(
                "bad CRC in the {} chunk at byte {pos} (stored {stored:08x}, computed {computed:08x})",
                String::from_utf8_lossy(&kind)
            ));
        }
        if first && &kind != b"IHDR" {
            return Err("the first chunk is not IHDR".into());
        }
        first = false;
        if COLOUR_CHUNKS.contains(&&kind) {
            kept.push((kind, body.to_vec()));
        }
        if &kind == b"IEND" {
            return Ok(kept);
        }
        pos = end;
    }
}

/// CRC-32 as PNG (and zlib) define it: polynomial 0xEDB88320, reflected.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *slot = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &b| {
        table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// The colour management of `after` is that of `before`: the same chunks byte for byte, except
/// that oxipng recompresses iCCP (the profile itself must be identical) and may replace a profile
/// that is sRGB by an sRGB chunk, as libpng's sRGB checks allow.
fn same_colour(before: &[u8], colour: &[Chunk], after: &[u8]) -> Result<(), String> {
    let after_chunks = check_structure(after)?;
    let without = |chunks: &[Chunk], kinds: &[&[u8; 4]]| -> Vec<Chunk> {
        chunks
            .iter()
            .filter(|(k, _)| !kinds.contains(&k))
            .cloned()
            .collect()
    };
    let (icc_before, icc_after) = (icc_profile(before)?, icc_profile(after)?);
    let rest_same = without(colour, &[b"iCCP"]) == without(&after_chunks, &[b"iCCP"]);
    if rest_same && icc_before == icc_after {
        return Ok(());
    }
    let had_srgb = colour.iter().any(|(k, _)| k == b"sRGB");
    let replaced_by_srgb = icc_before.is_some()
        && icc_after.is_none()
        && !had_srgb
        && after_chunks.iter().any(|(k, _)| k == b"sRGB")
        && without(colour, &[b"iCCP"]) == without(&after_chunks, &[b"iCCP", b"sRGB"]);
    // A file with both (the PNG spec says not to) renders as sRGB; oxipng drops the profile.
    let dropped_conflict = had_srgb && icc_after.is_none() && rest_same;
    if replaced_by_srgb || dropped_conflict {
        Ok(())
    } else {
        Err("colour-management chunks changed".into())
    }
}

fn icc_profile(bytes: &[u8]) -> Result<Option<Vec<u8>>, String> {
    use image::ImageDecoder;
    let mut decoder = image::codecs::png::PngDecoder::new(std::io::Cursor::new(bytes))
        .map_err(|e| e.to_string())?;
    decoder.icc_profile().map_err(|e| e.to_string())
}

pub(crate) fn oxipng_options(options: &Options) -> oxipng::Options {
    let mut o = oxipng::Options::from_preset(options.png_level.min(6));
    o.strip = match options.strip {
        Strip::Safe => oxipng::StripChunks::Keep(COLOUR_CHUNKS.iter().map(|c| **c).collect()),
        Strip::All => oxipng::StripChunks::All,
    };
    // Changing the colour of fully transparent pixels is invisible but not pixel-identical.
    o.optimize_alpha = false;
    o.scale_16 = false;
    o.fix_errors = false;
    o.force = false;
    // No deadline: a timeout would make the output depend on machine speed.
    o.timeout = None;
    o.max_decompressed_size = usize::try_from(options.max_pixels.saturating_mul(8)).ok();
    o
}

pub(crate) fn optimize(bytes: &[u8], options: &Options, out: &mut Outcome) {
    let colour = match check_structure(bytes) {
        Ok(c) => c,
        Err(message) => {
            return out.keep(
                KeepReason::DecodeFailed { message },
                Some(Code::ImageDecodeFailed),
            );
        }
    };
    let original = match pixels::decode(bytes, options) {
        Ok(p) => p,
        Err(message) => {
            return out.keep(
                KeepReason::DecodeFailed { message },
                Some(Code::ImageDecodeFailed),
            );
        }
    };
    let result = match oxipng::optimize_from_memory(bytes, &oxipng_options(options)) {
        Ok(r) => r,
        Err(e) => {
            return out.keep(
                KeepReason::DecodeFailed {
                    message: format!("oxipng: {e}"),
                },
                Some(Code::ImageDecodeFailed),
            );
        }
    };
    if result.len() >= bytes.len() {
        return out.keep(KeepReason::NotSmaller, None);
    }
    let verified = pixels::decode(&result, options)
        .and_then(|p| pixels::compare(&original, &p).map_or(Ok(()), Err))
        .and_then(|()| {
            if options.strip == Strip::Safe {
                same_colour(bytes, &colour, &result)?;
            }
            Ok(())
        });
    match verified {
        Ok(()) => out.offer(
            result,
            Method::PngLossless {
                level: options.png_level.min(6),
            },
        ),
        Err(detail) => out.keep(
            KeepReason::WouldChangePixels {
                detail: format!("oxipng output: {detail}"),
            },
            Some(Code::ImageVerifyFailed),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_iend() {
        // Every PNG ends with IEND and this CRC.
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }
}
