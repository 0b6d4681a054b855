//! Lossless JPEG recompression: the entropy-coded DCT coefficients are decoded and written again
//! with optimal Huffman tables, as baseline and as progressive, and the smaller wins. The
//! coefficients (and so every decoded pixel) stay exactly as they were; what `jpegtran -optimize
//! -progressive` does, in safe Rust.
//!
//! Metadata: EXIF, XMP, comments, Photoshop and other application segments go; ICC profiles stay
//! unless [`Strip::All`](crate::Strip::All); the EXIF orientation stays always (as a 32-byte EXIF
//! block holding only that tag), because dropping it rotates the image. The Adobe segment stays
//! (its transform flag says whether the data is YCbCr), and so does JFIF wherever its absence could
//! change how a decoder reads the colour space.
//!
//! Supported: 8-bit baseline, extended-sequential and progressive Huffman JPEGs with 1 to 4
//! components. Arithmetic-coded, lossless, hierarchical and 12-bit files are reported unsupported
//! and kept.

mod decode;
mod encode;
mod huffman;

use crate::Strip;
use thiserror::Error;

pub(crate) use decode::parse;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub(crate) enum JpegError {
    #[error("truncated JPEG data")]
    Truncated,
    #[error("corrupt JPEG: {0}")]
    Corrupt(&'static str),
    #[error("unsupported JPEG: {0}")]
    Unsupported(&'static str),
}

/// One image component with its quantized coefficients, block by block, each block in zigzag
/// order (the order the entropy coder uses). The block grid is padded to whole MCUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Component {
    pub id: u8,
    pub h: usize,
    pub v: usize,
    pub tq: u8,
    /// Blocks per row and rows of blocks, padded to whole MCUs.
    pub bw: usize,
    pub bh: usize,
    /// Blocks that hold image data (what a non-interleaved scan covers).
    pub cw: usize,
    pub ch: usize,
    pub blocks: Vec<[i16; 64]>,
}

/// A decoded JPEG: its frame, coefficients, quantization tables (kept byte for byte) and the
/// application segments in file order.
#[derive(Debug, Clone)]
pub(crate) struct Jpeg {
    pub width: u16,
    pub height: u16,
    pub progressive: bool,
    pub components: Vec<Component>,
    pub mcux: usize,
    pub mcuy: usize,
    /// Bodies of the DQT segments, in order.
    pub dqt: Vec<Vec<u8>>,
    /// Whether any quantization table has 16-bit entries (not allowed in baseline SOF0).
    pub dqt16: bool,
    /// (marker, body) of APPn and COM segments, in order.
    pub segments: Vec<(u8, Vec<u8>)>,
}

/// What lossless recompression produced.
#[derive(Debug)]
pub(crate) struct Recompressed {
    pub bytes: Vec<u8>,
    pub progressive: bool,
}

/// Re-encodes `bytes` losslessly; the smaller of baseline-optimized and progressive is returned.
/// The caller verifies pixels; this only guarantees the coefficients were copied.
pub(crate) fn recompress(jpeg: &Jpeg, strip: Strip) -> Recompressed {
    let header = metadata(jpeg, strip);
    let baseline = encode::write(jpeg, &header, false);
    let progressive = encode::write(jpeg, &header, true);
    if progressive.len() < baseline.len() {
        Recompressed {
            bytes: progressive,
            progressive: true,
        }
    } else {
        Recompressed {
            bytes: baseline,
            progressive: false,
        }
    }
}

/// The segments to write after SOI, already filtered and framed (marker + length + body).
pub(crate) fn metadata(jpeg: &Jpeg, strip: Strip) -> Vec<u8> {
    let has_adobe = jpeg
        .segments
        .iter()
        .any(|(m, d)| *m == 0xEE && d.starts_with(b"Adobe"));
    let ids: Vec<u8> = jpeg.components.iter().map(|c| c.id).collect();
    // Without JFIF or Adobe a decoder guesses the colour space from component ids; JFIF says
    // YCbCr. Dropping it is safe only where the guess is YCbCr (or there is one component).
    let jfif_needed = !has_adobe && ids.len() != 1 && ids != [1, 2, 3];
    let mut out = Vec::new();
    let mut jfif_written = false;
    for (marker, data) in &jpeg.segments {
        let keep: Option<std::borrow::Cow<'_, [u8]>> = match marker {
            0xE0 if data.starts_with(b"JFIF\0") => {
                (jfif_needed && !jfif_written).then(|| data.as_slice().into())
            }
            0xE1 if data.starts_with(b"Exif\0\0") => match exif_orientation(data) {
                Some(o) if (2..=8).contains(&o) => Some(minimal_exif(o).into()),
                _ => None,
            },
            0xE2 if data.starts_with(b"ICC_PROFILE\0") => {
                (strip == Strip::Safe).then(|| data.as_slice().into())
            }
            0xEE if data.starts_with(b"Adobe") => Some(data.as_slice().into()),
            _ => None,
        };
        if let Some(body) = keep {
            if *marker == 0xE0 {
                jfif_written = true;
            }
            push_segment(&mut out, *marker, &body);
        }
    }
    out
}

pub(crate) fn push_segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    // Bodies come from segments whose length fitted in 16 bits, or are ours and small.
    let len = (body.len() + 2).min(usize::from(u16::MAX)) as u16;
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body.get(..usize::from(len) - 2).unwrap_or(body));
}

/// The EXIF orientation (tag 0x0112 in IFD0), if the segment holds a readable one.
pub(crate) fn exif_orientation(app1: &[u8]) -> Option<u16> {
    let tiff = app1.get(6..)?;
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |o: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(o..o + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(o..o + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    if u16_at(2)? != 42 {
        return None;
    }
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let count = usize::from(u16_at(ifd)?);
    for i in 0..count.min(512) {
        let entry = ifd + 2 + i * 12;
        if u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3 {
            return u16_at(entry + 8);
        }
    }
    None
}

/// An EXIF block holding only the orientation: `Exif\0\0`, a big-endian TIFF header, an IFD0
/// with one SHORT entry and no next IFD.
pub(crate) fn minimal_exif(orientation: u16) -> Vec<u8> {
    let mut v = b"Exif\0\0MM\0\x2A\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    v.extend_from_slice(&orientation.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
        std::fs::read(dir.join(rel)).unwrap()
    }

    fn coefficients(j: &Jpeg) -> Vec<Vec<[i16; 64]>> {
        j.components.iter().map(|c| c.blocks.clone()).collect()
    }

    /// Baseline and progressive output both decode back (with our decoder, which is checked
    /// against the image crate's in the integration tests) to exactly the input coefficients,
    /// including from a progressive input with successive approximation.
    #[test]
    fn coefficients_survive_both_encodings() {
        for rel in ["next-app/assets/hero.jpg", "next-pages/assets/cover.jpg"] {
            let input = parse(&fixture(rel), u64::MAX).unwrap();
            assert!(!input.progressive);
            let meta = metadata(&input, Strip::Safe);
            for progressive in [false, true] {
                let bytes = encode::write(&input, &meta, progressive);
                let back = parse(&bytes, u64::MAX).unwrap();
                assert_eq!(back.progressive, progressive);
                assert_eq!(
                    coefficients(&back),
                    coefficients(&input),
                    "{rel} progressive={progressive}"
                );
                // And from that file again, the other way round.
                let again = parse(&encode::write(&back, &meta, !progressive), u64::MAX).unwrap();
                assert_eq!(coefficients(&again), coefficients(&input));
            }
        }
    }

    #[test]
    fn restart_intervals_are_read() {
        // Rewrite a baseline scan with a restart marker every MCU row and check it decodes the same.
        let input = parse(&fixture("next-pages/assets/cover.jpg"), u64::MAX).unwrap();
        let plain = encode::write(&input, &[], false);
        let with_dri = encode::write_with_restarts(&input, input.mcux);
        let back = parse(&with_dri, u64::MAX).unwrap();
        assert_eq!(coefficients(&back), coefficients(&input));
        assert!(with_dri.len() > plain.len());
        assert!(with_dri.windows(2).any(|w| w == [0xFF, 0xDD]));
        // A missing RST marker is corruption, never a panic.
        let pos = with_dri
            .windows(2)
            .position(|w| w[0] == 0xFF && (0xD0..=0xD7).contains(&w[1]))
            .unwrap();
        let mut broken = with_dri.clone();
        broken[pos + 1] = 0x00;
        assert!(parse(&broken, u64::MAX).is_err());
    }

    #[test]
    fn minimal_exif_reads_back() {
        for o in 1..=8 {
            assert_eq!(exif_orientation(&minimal_exif(o)), Some(o));
        }
        assert_eq!(minimal_exif(6).len(), 32);
    }

    #[test]
    fn orientation_in_little_endian_exif() {
        let mut v = b"Exif\0\0II\x2A\0\x08\0\0\0".to_vec();
        v.extend_from_slice(&[2, 0]); // two entries
        v.extend_from_slice(&[0x0F, 0x01, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0]); // Make, ignored
        v.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0]);
        assert_eq!(exif_orientation(&v), Some(8));
        assert_eq!(exif_orientation(&v[..20]), None);
        assert_eq!(exif_orientation(b"Exif\0\0XX"), None);
    }
}
