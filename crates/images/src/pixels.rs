//! Decoding for verification, with the image crate as the independent decoder, under the same
//! pixel limit that refused bombs at the header.

use crate::Options;
use image::{DynamicImage, ImageReader, Limits};
use std::io::Cursor;

/// Decodes PNG, JPEG, GIF or WebP bytes into pixels, refusing anything over the pixel limit.
pub(crate) fn decode(bytes: &[u8], options: &Options) -> Result<DynamicImage, String> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let side = u32::try_from(options.max_pixels).unwrap_or(u32::MAX);
    let mut limits = Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    // Room for the decoded image at 16 bits and 4 channels plus the decoder's own buffers.
    limits.max_alloc = Some(
        options
            .max_pixels
            .saturating_mul(8)
            .saturating_add(64 << 20),
    );
    reader.limits(limits);
    let img = reader.decode().map_err(|e| e.to_string())?;
    if u64::from(img.width()) * u64::from(img.height()) > options.max_pixels {
        return Err(format!(
            "{}×{} is over the pixel limit",
            img.width(),
            img.height()
        ));
    }
    Ok(img)
}

/// `None` when both images have the same size and the same pixels, alpha included; otherwise
/// what differs. Images in different colour types (oxipng may reduce RGBA to a palette) are
/// compared as 16-bit RGBA, which every type converts to exactly.
pub(crate) fn compare(a: &DynamicImage, b: &DynamicImage) -> Option<String> {
    if a.width() != b.width() || a.height() != b.height() {
        return Some(format!(
            "dimensions {}×{} became {}×{}",
            a.width(),
            a.height(),
            b.width(),
            b.height()
        ));
    }
    let same = if a.color() == b.color() {
        a.as_bytes() == b.as_bytes()
    } else {
        rows_equal(a, b)
    };
    if same {
        None
    } else {
        Some(first_difference(a, b))
    }
}

/// Compares row by row as RGBA16 so memory stays at two rows, not two images.
fn rows_equal(a: &DynamicImage, b: &DynamicImage) -> bool {
    let w = a.width();
    (0..a.height()).all(|y| {
        let ra = a.crop_imm(0, y, w, 1).to_rgba16();
        let rb = b.crop_imm(0, y, w, 1).to_rgba16();
        ra.as_raw() == rb.as_raw()
    })
}

fn first_difference(a: &DynamicImage, b: &DynamicImage) -> String {
    let (ra, rb) = (a.to_rgba16(), b.to_rgba16());
    let differing = ra.pixels().zip(rb.pixels()).filter(|(p, q)| p != q).count();
    match ra
        .enumerate_pixels()
        .zip(rb.pixels())
        .find(|((_, _, p), q)| p != q)
    {
        Some(((x, y, p), q)) => format!(
            "{differing} pixels differ, first at ({x}, {y}): RGBA16 {:?} became {:?}",
            p.0, q.0
        ),
        None => "pixel data differ".into(),
    }
}
