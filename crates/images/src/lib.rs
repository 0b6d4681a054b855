//! Image optimization for `distill optimize`: pure functions from bytes to bytes, no file I/O.
//!
//! - **PNG**: lossless recompression with oxipng at `png_level`; chunks that do not affect
//!   rendering are dropped, colour management (iCCP, sRGB, gAMA, cHRM, cICP) stays unless
//!   [`Strip::All`].
//! - **JPEG**: lossless: the DCT coefficients are rewritten with optimal Huffman tables, baseline
//!   or progressive (whichever is smaller), EXIF/XMP/comments dropped, ICC profile and orientation
//!   kept. Optionally lossy at [`Options::jpeg_quality`], kept only when smaller and its SSIM
//!   against the original is at least [`Options::jpeg_min_ssim`].
//! - **SVG**: minified with oxvg (svgo's plugins in Rust), job by job where its preset moves pixels,
//!   then inert style declarations dropped; SVGs with scripts, `<foreignObject>`
//!   or external references are refused.
//! - **GIF, WebP, AVIF**: left as they are.
//! - **Siblings**: WebP and AVIF copies on request, never replacing the original.
//!
//! Every replacement is verified here, not by the caller: the result is decoded again and must
//! have the same dimensions and the same pixels, alpha included (SVGs: rasterized before and after
//! with resvg at a fixed size and compared), and must be smaller. Otherwise the original stays
//! and [`Outcome::verdict`] says why.
//!
//! Same bytes and options give byte-identical results whatever the thread count: oxipng breaks
//! ties between parallel trials by trial order, everything else runs on one thread.
//!
//! ```
//! use distill_images::{optimize, Options, Format, Verdict};
//! // A 2×1 PNG written with no compression at all.
//! let mut png = Vec::new();
//! let img = image::RgbaImage::from_raw(2, 1, vec![255, 0, 0, 255, 0, 0, 255, 255]).unwrap();
//! img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
//! let outcome = optimize("logo.png", &png, &Options::default());
//! assert_eq!(outcome.format, Format::Png);
//! if let Verdict::Replaced(r) = &outcome.verdict {
//!     assert!(r.bytes.len() < png.len());
//! }
//! ```

mod detect;
#[cfg(test)]
mod fuzz;
mod jpeg;
mod lossy;
mod pixels;
mod png;
mod siblings;
mod svg;
mod svg_style;

pub use detect::{Dimensions, Format, Sniffed, sniff};

use distill_graph::{Code, Diagnostic};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Encoder and decoder versions that shape the output bytes; part of [`Options::cache_key`].
/// A test checks them against Cargo.lock, so an upgrade cannot leave stale cache entries.
pub const ENCODERS: &[(&str, &str)] = &[
    ("distill_images", env!("CARGO_PKG_VERSION")),
    ("oxipng", "10.2.1"),
    ("image", "0.25.10"),
    ("zune-jpeg", "0.5.15"),
    ("image-webp", "0.2.4"),
    ("png", "0.18.1"),
    ("webp", "0.3.1"),
    ("libwebp-sys", "0.9.6"),
    ("ravif", "0.13.0"),
    ("rav1e", "0.8.1"),
    ("oxvg_optimiser", "0.0.9"),
    ("resvg", "0.49.0"),
];

/// Which metadata survives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Strip {
    /// Drop what does not change how the image looks; keep colour management (PNG iCCP, sRGB,
    /// gAMA, cHRM, cICP, pHYs; JPEG ICC profile) and the JPEG orientation.
    #[default]
    Safe,
    /// Drop every metadata chunk and segment, colour profiles included. The JPEG orientation
    /// still stays: without it the image would be shown rotated.
    All,
}

/// A modern format written beside the original on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SiblingFormat {
    Webp,
    Avif,
}

impl SiblingFormat {
    pub fn extension(self) -> &'static str {
        match self {
            SiblingFormat::Webp => "webp",
            SiblingFormat::Avif => "avif",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            SiblingFormat::Webp => "image/webp",
            SiblingFormat::Avif => "image/avif",
        }
    }
}

/// Everything that decides the output bytes. Flags and config both fill this one struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Options {
    /// oxipng preset, 0 (fast) to 6 (slowest); 2 is the oxipng CLI default.
    pub png_level: u8,
    pub strip: Strip,
    /// Lossy JPEG re-encode at this quality (1–100); off by default.
    pub jpeg_quality: Option<u8>,
    /// The lossy JPEG is kept only when its SSIM against the original (luma, 8×8 windows, see
    /// [`ssim`]) is at least this. 0.98 by default.
    pub jpeg_min_ssim: f64,
    /// Siblings to write beside each PNG and JPEG.
    pub formats: Vec<SiblingFormat>,
    /// Quality of lossy siblings (WebP from JPEG, every AVIF), 1–100. PNG sources get lossless
    /// WebP, so their pixels stay exact.
    pub sibling_quality: u8,
    /// Images whose header claims more pixels than this are refused before decoding.
    pub max_pixels: u64,
    /// Files larger than this are refused unread.
    pub max_input_bytes: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            png_level: 2,
            strip: Strip::Safe,
            jpeg_quality: None,
            jpeg_min_ssim: 0.98,
            formats: Vec::new(),
            sibling_quality: 80,
            // A 48-megapixel phone photo passes; a 30,000 × 30,000 bomb does not.
            max_pixels: 64_000_000,
            max_input_bytes: 64 << 20,
        }
    }
}

impl Options {
    /// A stable string naming every option and encoder version, to key cached results: it
    /// changes when any option or any encoder changes.
    pub fn cache_key(&self) -> String {
        let mut key = String::from("images/v2");
        for (name, version) in ENCODERS {
            key.push_str(&format!(";{name}={version}"));
        }
        // Serializing a struct of plain fields cannot fail; fall back to Debug all the same.
        let json = serde_json::to_string(self).unwrap_or_else(|_| format!("{self:?}"));
        key.push(';');
        key.push_str(&json);
        key
    }
}

/// How a replacement was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case")]
pub enum Method {
    /// oxipng at this preset.
    PngLossless { level: u8 },
    /// Coefficients copied, Huffman tables optimized.
    JpegLossless { progressive: bool },
    /// Re-encoded at a quality, checked by SSIM.
    JpegLossy {
        quality: u8,
        ssim: f64,
        min_ssim: f64,
    },
    /// oxvg with this preset: `default`, `conservative`, or what the job-by-job search kept
    /// (`default, job by job: 30 of 35 jobs; convertPathData moved pixels; …`); `inert style
    /// declarations dropped` when the lossless style pass helped.
    SvgMinified { preset: String },
}

/// The verified, smaller bytes to write instead of the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub len: u64,
    #[serde(flatten)]
    pub method: Method,
}

/// Why the original bytes stay. `Display` gives the text reports show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum KeepReason {
    /// Every verified candidate was at least as large.
    NotSmaller,
    Animated,
    DecodeFailed {
        message: String,
    },
    WouldChangePixels {
        detail: String,
    },
    TooLarge {
        what: String,
        value: u64,
        limit: u64,
    },
    /// The bytes are not an image (e.g. HTML under a `.png` name).
    NotAnImage {
        looks_like: String,
    },
    UnsafeSvg {
        what: String,
    },
    /// A format or variant that is left alone.
    Unsupported {
        what: String,
    },
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepReason::NotSmaller => f.write_str("not smaller"),
            KeepReason::Animated => f.write_str("animated"),
            KeepReason::DecodeFailed { message } => write!(f, "decode failed: {message}"),
            KeepReason::WouldChangePixels { detail } => write!(f, "would change pixels: {detail}"),
            KeepReason::TooLarge { what, value, limit } => {
                write!(f, "too large: {value} {what} > limit {limit}")
            }
            KeepReason::NotAnImage { looks_like } => {
                write!(f, "not an image: looks like {looks_like}")
            }
            KeepReason::UnsafeSvg { what } => write!(f, "unsafe SVG: {what}"),
            KeepReason::Unsupported { what } => write!(f, "left as is: {what}"),
        }
    }
}

/// What happens to the original file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "lowercase")]
pub enum Verdict {
    Replaced(Replacement),
    Kept(KeepReason),
}

/// A WebP or AVIF copy to write beside the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Sibling {
    pub format: SiblingFormat,
    /// The original's path with its extension replaced (`assets/hero.png` → `assets/hero.webp`).
    pub path: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
    pub len: u64,
    pub lossless: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
}

/// A lossy JPEG attempt, accepted or not, with the measured SSIM the report states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LossyAttempt {
    pub quality: u8,
    pub len: u64,
    pub ssim: f64,
    pub min_ssim: f64,
    pub accepted: bool,
}

/// Everything `optimize` decided about one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub path: String,
    /// Detected from the bytes, not the extension.
    pub format: Format,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<Dimensions>,
    pub original_len: u64,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lossy: Option<LossyAttempt>,
    pub siblings: Vec<Sibling>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Outcome {
    /// Bytes of the file after this stage (the replacement's, or the original's).
    pub fn final_len(&self) -> u64 {
        match &self.verdict {
            Verdict::Replaced(r) => r.len,
            Verdict::Kept(_) => self.original_len,
        }
    }

    pub fn replacement(&self) -> Option<&[u8]> {
        match &self.verdict {
            Verdict::Replaced(r) => Some(&r.bytes),
            Verdict::Kept(_) => None,
        }
    }
}

/// Optimizes one image file. `path` is used for messages, the extension check and sibling names;
/// the format comes from the bytes. Never panics on any input; never returns bytes that were not
/// verified.
pub fn optimize(path: &str, bytes: &[u8], options: &Options) -> Outcome {
    let sniffed = sniff(bytes);
    let mut out = Outcome {
        path: path.to_owned(),
        format: sniffed.format,
        dimensions: sniffed.dimensions,
        original_len: bytes.len() as u64,
        verdict: Verdict::Kept(KeepReason::NotSmaller),
        lossy: None,
        siblings: Vec::new(),
        diagnostics: Vec::new(),
    };
    if let Some(expected) = detect::format_from_extension(path)
        && expected != sniffed.format
    {
        out.diagnostics.push(
            Diagnostic::warning(
                Code::ImageWrongFormat,
                format!(
                    "named .{} but the bytes are {}",
                    extension(path),
                    sniffed.format.describe()
                ),
            )
            .at(path)
            .hint("check what the build copied under this name"),
        );
    }
    if bytes.len() as u64 > options.max_input_bytes {
        return out.keep_with(
            KeepReason::TooLarge {
                what: "bytes".into(),
                value: bytes.len() as u64,
                limit: options.max_input_bytes,
            },
            Code::ImageTooLarge,
        );
    }
    if let Some(d) = sniffed.dimensions
        && d.pixels() > options.max_pixels
    {
        return out.keep_with(
            KeepReason::TooLarge {
                what: "pixels".into(),
                value: d.pixels(),
                limit: options.max_pixels,
            },
            Code::ImageTooLarge,
        );
    }
    if sniffed.animated {
        return out.keep_with(KeepReason::Animated, Code::ImageAnimated);
    }
    match sniffed.format {
        Format::Png => png::optimize(bytes, options, &mut out),
        Format::Jpeg => jpeg_optimize(bytes, options, &mut out),
        Format::Svg => svg::optimize(bytes, options, &mut out),
        Format::Gif | Format::Webp | Format::Avif => {
            let what = format!(
                "{} has no safe lossless gain here",
                sniffed.format.describe()
            );
            out.verdict = Verdict::Kept(KeepReason::Unsupported { what });
        }
        Format::Html | Format::Unknown => {
            out.verdict = Verdict::Kept(KeepReason::NotAnImage {
                looks_like: sniffed.format.describe().into(),
            });
        }
    }
    if !options.formats.is_empty() && matches!(sniffed.format, Format::Png | Format::Jpeg) {
        siblings::make(bytes, options, &mut out);
    }
    out
}

impl Outcome {
    fn keep_with(mut self, reason: KeepReason, code: Code) -> Outcome {
        let d = match code {
            Code::ImageAnimated | Code::ImageUnsupported => {
                Diagnostic::info(code, reason.to_string())
            }
            _ => Diagnostic::warning(code, reason.to_string()),
        };
        self.diagnostics.push(d.at(&self.path));
        self.verdict = Verdict::Kept(reason);
        self
    }

    fn keep(&mut self, reason: KeepReason, code: Option<Code>) {
        if let Some(code) = code {
            let d = match code {
                Code::ImageAnimated | Code::ImageUnsupported => {
                    Diagnostic::info(code, reason.to_string())
                }
                _ => Diagnostic::warning(code, reason.to_string()),
            };
            self.diagnostics.push(d.at(&self.path));
        }
        self.verdict = Verdict::Kept(reason);
    }

    /// Replaces when `bytes` is strictly smaller than the original; else keeps with "not smaller".
    fn offer(&mut self, bytes: Vec<u8>, method: Method) {
        if (bytes.len() as u64) < self.original_len {
            self.verdict = Verdict::Replaced(Replacement {
                len: bytes.len() as u64,
                bytes,
                method,
            });
        } else {
            self.verdict = Verdict::Kept(KeepReason::NotSmaller);
        }
    }
}

fn jpeg_optimize(bytes: &[u8], options: &Options, out: &mut Outcome) {
    let parsed = match jpeg::parse(bytes, options.max_pixels) {
        Ok(j) => j,
        Err(e @ jpeg::JpegError::Unsupported(_)) => {
            return out.keep(
                KeepReason::Unsupported {
                    what: e.to_string(),
                },
                Some(Code::ImageUnsupported),
            );
        }
        Err(e) => {
            return out.keep(
                KeepReason::DecodeFailed {
                    message: e.to_string(),
                },
                Some(Code::ImageDecodeFailed),
            );
        }
    };
    let original = match pixels::decode(bytes, options) {
        Ok(p) => p,
        Err(e) => {
            return out.keep(
                KeepReason::DecodeFailed { message: e },
                Some(Code::ImageDecodeFailed),
            );
        }
    };
    let lossless = jpeg::recompress(&parsed, options.strip);
    match pixels::decode(&lossless.bytes, options).map(|p| pixels::compare(&original, &p)) {
        Ok(None) => out.offer(
            lossless.bytes,
            Method::JpegLossless {
                progressive: lossless.progressive,
            },
        ),
        Ok(Some(detail)) | Err(detail) => out.keep(
            KeepReason::WouldChangePixels {
                detail: format!("lossless JPEG rewrite: {detail}"),
            },
            Some(Code::ImageVerifyFailed),
        ),
    }
    if let Some(quality) = options.jpeg_quality {
        lossy::attempt(&parsed, &original, quality, options, out);
    }
}

fn extension(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map(|(_, e)| e).unwrap_or("")
}

/// `assets/hero.png` → `assets/hero.webp`.
pub fn sibling_path(path: &str, format: SiblingFormat) -> String {
    let slash = path.rfind('/').map_or(0, |i| i + 1);
    let stem_end = path[slash..].rfind('.').map_or(path.len(), |i| slash + i);
    format!("{}.{}", &path[..stem_end], format.extension())
}

/// The `<picture>` markup a developer would add to serve siblings, printed once as a hint.
pub fn picture_hint(src: &str, formats: &[SiblingFormat]) -> String {
    let mut formats = formats.to_vec();
    // Browsers take the first source they support: the smallest format first.
    formats.sort_by_key(|f| match f {
        SiblingFormat::Avif => 0,
        SiblingFormat::Webp => 1,
    });
    formats.dedup();
    let mut s = String::from("<picture>\n");
    for f in formats {
        s.push_str(&format!(
            "  <source srcset=\"{}\" type=\"{}\">\n",
            sibling_path(src, f),
            f.mime()
        ));
    }
    s.push_str(&format!(
        "  <img src=\"{src}\" alt=\"\" width=\"…\" height=\"…\">\n</picture>"
    ));
    s
}

/// Bytes of memory optimizing this file may hold at its peak, from the header alone (nothing is
/// decoded), with siblings on: the scheduler admits work while the sum stays under its budget.
/// Unknown or unreadable headers are charged their length.
pub fn memory_estimate(bytes: &[u8]) -> u64 {
    let s = sniff(bytes);
    let len = bytes.len() as u64;
    let px = s.dimensions.map_or(0, Dimensions::pixels);
    match s.format {
        // oxipng holds the raw image, a filtered copy and a compressed candidate per trial on each
        // thread; verification decodes both files to RGBA (8 bytes a pixel at 16 bits).
        Format::Png => len * 4 + px * (4 * s.bytes_per_pixel.max(1) + 16) + siblings_memory(px),
        // Coefficients (2 bytes per sample, up to 3 samples a pixel), two decoded RGB copies
        // and a lossy attempt's decode and encode.
        Format::Jpeg => len * 4 + px * (6 + 6 + 6) + siblings_memory(px),
        // Parsed DOMs are a few dozen bytes per input byte; two 512×512 RGBA rasters.
        Format::Svg => len * 48 + 2 * svg::RENDER_MAX * svg::RENDER_MAX * 4,
        _ => len,
    }
}

/// RGBA input plus the encoder's working set (libwebp and rav1e each stay under ~12 bytes a pixel).
fn siblings_memory(px: u64) -> u64 {
    px * 16
}

/// Structural similarity of two same-sized luma planes, the metric the lossy JPEG threshold uses:
/// the mean over 8×8 windows at a stride of 4 of the standard SSIM formula (C1 = (0.01·255)²,
/// C2 = (0.03·255)²). 1.0 means identical.
pub fn ssim(a: &[u8], b: &[u8], width: usize, height: usize) -> f64 {
    lossy::ssim(a, b, width, height)
}
