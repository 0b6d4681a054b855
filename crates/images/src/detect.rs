//! Format detection from magic bytes, and the facts a header gives without decoding: dimensions
//! (to refuse decompression bombs and estimate memory) and animation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
    Svg,
    /// An HTML page (a dev server's fallback page saved under an image name, say).
    Html,
    Unknown,
}

impl Format {
    pub fn describe(self) -> &'static str {
        match self {
            Format::Png => "PNG",
            Format::Jpeg => "JPEG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
            Format::Avif => "AVIF",
            Format::Svg => "SVG",
            Format::Html => "HTML",
            Format::Unknown => "unknown data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dimensions {
    pub width: u32,
    pub height: u32,
}

impl Dimensions {
    pub fn pixels(self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }
}

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub format: Format,
    pub dimensions: Option<Dimensions>,
    pub animated: bool,
    /// Bytes per pixel of the raw image (PNG: from bit depth and colour type), 0 if unknown.
    pub bytes_per_pixel: u64,
}

/// The image format an extension promises, for files the images stage looks at.
pub(crate) fn format_from_extension(path: &str) -> Option<Format> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" | "apng" => Format::Png,
        "jpg" | "jpeg" | "jfif" | "pjpeg" => Format::Jpeg,
        "gif" => Format::Gif,
        "webp" => Format::Webp,
        "avif" => Format::Avif,
        "svg" => Format::Svg,
        _ => return None,
    })
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(
        b.get(at..at + 2)?.try_into().ok()?,
    )))
}
fn le24(b: &[u8], at: usize) -> Option<u32> {
    let &[x, y, z] = b.get(at..at + 3)? else {
        return None;
    };
    Some(u32::from(x) | u32::from(y) << 8 | u32::from(z) << 16)
}

/// Detects the format by content and reads what the header says. Never decodes pixel data.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    let mut s = Sniffed {
        format: Format::Unknown,
        dimensions: None,
        animated: false,
        bytes_per_pixel: 0,
    };
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        s.format = Format::Png;
        png_header(bytes, &mut s);
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        s.format = Format::Jpeg;
        s.dimensions = jpeg_dimensions(bytes);
        s.bytes_per_pixel = 3;
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        s.format = Format::Gif;
        s.dimensions = dims(le16(bytes, 6), le16(bytes, 8));
        s.animated = gif_frames(bytes) > 1;
    } else if bytes.get(0..4) == Some(&b"RIFF"[..]) && bytes.get(8..12) == Some(&b"WEBP"[..]) {
        s.format = Format::Webp;
        webp_header(bytes, &mut s);
    } else if bytes.get(4..8) == Some(&b"ftyp"[..])
        && matches!(bytes.get(8..12), Some(b"avif" | b"avis"))
    {
        s.format = Format::Avif;
        s.animated = bytes.get(8..12) == Some(&b"avis"[..]);
    } else {
        s.format = text_format(bytes);
        if s.format == Format::Svg {
            s.bytes_per_pixel = 4;
        }
    }
    s
}

fn dims(w: Option<u32>, h: Option<u32>) -> Option<Dimensions> {
    Some(Dimensions {
        width: w?,
        height: h?,
    })
}

fn png_header(bytes: &[u8], s: &mut Sniffed) {
    if bytes.get(12..16) == Some(&b"IHDR"[..]) {
        s.dimensions = dims(be32(bytes, 16), be32(bytes, 20));
        let depth = u64::from(bytes.get(24).copied().unwrap_or(8));
        let channels = match bytes.get(25) {
            Some(0 | 3) => 1,
            Some(2) => 3,
            Some(4) => 2,
            _ => 4,
        };
        s.bytes_per_pixel = (channels * depth).div_ceil(8).max(1);
    }
    // An acTL chunk before IDAT makes it an APNG.
    let mut pos = 8usize;
    while let (Some(len), Some(kind)) = (be32(bytes, pos), bytes.get(pos + 4..pos + 8)) {
        match kind {
            b"acTL" => {
                s.animated = true;
                return;
            }
            b"IDAT" | b"IEND" => return,
            _ => {}
        }
        pos = match pos.checked_add(12 + len as usize) {
            Some(p) => p,
            None => return,
        };
    }
}

fn jpeg_dimensions(bytes: &[u8]) -> Option<Dimensions> {
    let mut pos = 2usize;
    loop {
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if *bytes.get(pos)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(pos + 1)?;
        let len = be16(bytes, pos + 2)? as usize;
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return dims(be16(bytes, pos + 7), be16(bytes, pos + 5));
        }
        if marker == 0xDA || marker == 0xD9 {
            return None;
        }
        pos += 2 + len;
    }
}

/// Counts image descriptors, stopping at two; 0 on a malformed stream.
fn gif_frames(b: &[u8]) -> u32 {
    let mut pos = 13usize;
    if let Some(flags) = b.get(10)
        && flags & 0x80 != 0
    {
        pos += 3 << ((flags & 7) + 1);
    }
    let skip_blocks = |mut p: usize| -> Option<usize> {
        loop {
            let n = *b.get(p)? as usize;
            p += 1;
            if n == 0 {
                return Some(p);
            }
            p += n;
        }
    };
    let mut frames = 0;
    while let Some(&block) = b.get(pos) {
        match block {
            0x2C => {
                frames += 1;
                if frames > 1 {
                    return frames;
                }
                let Some(flags) = b.get(pos + 9) else {
                    return frames;
                };
                pos += 10;
                if flags & 0x80 != 0 {
                    pos += 3 << ((flags & 7) + 1);
                }
                pos += 1; // LZW minimum code size
                match skip_blocks(pos) {
                    Some(p) => pos = p,
                    None => return frames,
                }
            }
            0x21 => match skip_blocks(pos + 2) {
                Some(p) => pos = p,
                None => return frames,
            },
            _ => return frames,
        }
    }
    frames
}

fn webp_header(b: &[u8], s: &mut Sniffed) {
    match b.get(12..16) {
        Some(b"VP8X") => {
            s.animated = b.get(20).is_some_and(|f| f & 0x02 != 0);
            s.dimensions = dims(le24(b, 24).map(|w| w + 1), le24(b, 27).map(|h| h + 1));
        }
        Some(b"VP8L") => {
            if let Some(v) = be32(b, 21).map(u32::swap_bytes) {
                s.dimensions = Some(Dimensions {
                    width: (v & 0x3FFF) + 1,
                    height: ((v >> 14) & 0x3FFF) + 1,
                });
            }
        }
        Some(b"VP8 ") => {
            s.dimensions = dims(
                le16(b, 26).map(|w| w & 0x3FFF),
                le16(b, 28).map(|h| h & 0x3FFF),
            );
        }
        _ => {}
    }
}

/// SVG or HTML by their first markup, after an optional BOM, XML declaration, comments and
/// doctype.
fn text_format(bytes: &[u8]) -> Format {
    let head = bytes.get(..4096).unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(head).or_else(|e| {
        // A multi-byte character cut at 4096 bytes is still text.
        std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default())
    }) else {
        return Format::Unknown;
    };
    let mut t = text.trim_start_matches('\u{feff}').trim_start();
    loop {
        let lower: String = t.chars().take(16).collect::<String>().to_ascii_lowercase();
        if lower.starts_with("<?xml") {
            t = t.split_once("?>").map_or("", |x| x.1).trim_start();
        } else if lower.starts_with("<!--") {
            t = t.split_once("-->").map_or("", |x| x.1).trim_start();
        } else if lower.starts_with("<!doctype svg") {
            t = t.split_once('>').map_or("", |x| x.1).trim_start();
        } else if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
            return Format::Html;
        } else if lower.starts_with("<svg") {
            return Format::Svg;
        } else if lower.starts_with("<head") || lower.starts_with("<body") {
            return Format::Html;
        } else {
            return Format::Unknown;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_formats() {
        assert_eq!(
            sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>").format,
            Format::Svg
        );
        assert_eq!(
            sniff(b"\xef\xbb\xbf<?xml version=\"1.0\"?>\n<!-- c -->\n<svg/>").format,
            Format::Svg
        );
        assert_eq!(
            sniff(b"<!DOCTYPE html><html><body>404</body></html>").format,
            Format::Html
        );
        assert_eq!(sniff(b"  <html>").format, Format::Html);
        assert_eq!(sniff(b"hello").format, Format::Unknown);
        assert_eq!(sniff(b"").format, Format::Unknown);
    }

    #[test]
    fn extension_formats() {
        assert_eq!(format_from_extension("a/b.JPG"), Some(Format::Jpeg));
        assert_eq!(format_from_extension("a.b/c"), None);
        assert_eq!(format_from_extension("x.js"), None);
    }

    #[test]
    fn headers_never_panic_on_prefixes() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x75\x30\0\0\x75\x30\x08\x06\0\0\0";
        for n in 0..png.len() {
            let _ = sniff(&png[..n]);
        }
        let s = sniff(png);
        assert_eq!(
            s.dimensions,
            Some(Dimensions {
                width: 30_000,
                height: 30_000
            })
        );
        assert_eq!(s.bytes_per_pixel, 4);
        for bytes in [
            &b"GIF89a\x01"[..],
            b"RIFF\0\0\0\0WEBPVP8X",
            b"\xff\xd8\xff\xc0\0",
        ] {
            for n in 0..bytes.len() {
                let _ = sniff(&bytes[..n]);
            }
        }
    }
}
