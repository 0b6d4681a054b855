//! Compression at settings a browser can decode, each result tagged with the encoder and level
//! that produced it, so any number in a report can be reproduced.
//!
//! - [`compress`] and [`compressed_len`]: one buffer in one encoding;
//! - [`batch`]: many files in several encodings, each distinct content once, largest work first
//!   on every core, cached, with the bytes kept when they are to be written;
//! - [`Cache`]: compressed sizes and bytes of earlier runs, checked before they are trusted.
//!
//! ```
//! use distill_compress::{Settings, compressed_len};
//! use distill_graph::Encoding;
//! let text = "hello hello hello hello hello hello".repeat(100);
//! let gz = compressed_len(Encoding::Gzip, text.as_bytes(), &Settings::default()).unwrap();
//! assert!(gz < text.len() as u64 / 10);
//! ```

pub mod batch;
mod cache;

pub use cache::Cache;
pub use distill_graph::EncoderInfo;

use distill_graph::Encoding;
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// Encoder settings.
///
/// - gzip: libdeflate at level 12, its optimal parser: never larger than zlib's level 9 (what
///   Node's `zlib.gzip`, and so size-limit, reports) by more than 0.4% (or, on files of a few
///   hundred bytes, 4 bytes) on any file measured, 4%
///   smaller in total, and what `distill optimize` writes as `.gz`;
/// - brotli: Google's C library at quality 11 with a 16 MiB window, the largest browsers
///   decode: the bytes of `brotli -q 11` and of Node's `brotliCompress` at that window. Files up
///   to 4 MiB come out as Node's defaults (what size-limit measures); larger ones a little smaller;
/// - zstd: level 19 with an 8 MiB window (the most browsers accept for `Content-Encoding: zstd`)
///   and long-distance matching, as `zstd -19 --long=23`.
///
/// Analysis measures with exactly the settings `optimize` precompresses with, so a file's
/// computed size in an encoding is the size of the copy distill writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// libdeflate level, 1–12.
    pub gzip_level: u32,
    pub brotli_quality: u32,
    /// log2 of the brotli window; browsers accept up to 24.
    pub brotli_window_log: u32,
    pub zstd_level: i32,
    /// log2 of the zstd window; browsers accept up to 23 (8 MiB).
    pub zstd_window_log: u32,
    /// zstd long-distance matching (within the window), as `zstd --long=23`.
    #[serde(default)]
    pub zstd_long: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            gzip_level: 12,
            brotli_quality: 11,
            brotli_window_log: 24,
            zstd_level: 19,
            zstd_window_log: 23,
            zstd_long: true,
        }
    }
}

impl Settings {
    /// Fast settings whose ratios stand in for these (module shares are scaled to the real
    /// sizes afterwards): libdeflate 6 for gzip, brotli quality 5.
    pub fn proxy(&self) -> Settings {
        Settings {
            gzip_level: self.gzip_level.min(6),
            brotli_quality: self.brotli_quality.min(5),
            ..*self
        }
    }

    pub fn describe(&self, encoding: Encoding) -> EncoderInfo {
        let (encoder, level, window_log) = match encoding {
            Encoding::Raw => ("none", None, None),
            Encoding::Gzip => (
                "libdeflate 1.x (gzip container)",
                Some(self.gzip_level as i32),
                Some(15),
            ),
            Encoding::Brotli => (
                "brotli 1.0.9+ (Google's C library)",
                Some(self.brotli_quality as i32),
                Some(self.brotli_window_log),
            ),
            Encoding::Zstd if self.zstd_long => (
                "zstd 1.5 (reference C library, long-distance matching)",
                Some(self.zstd_level),
                Some(self.zstd_window_log),
            ),
            Encoding::Zstd => (
                "zstd 1.5 (reference C library)",
                Some(self.zstd_level),
                Some(self.zstd_window_log),
            ),
        };
        EncoderInfo {
            encoding,
            encoder: encoder.to_owned(),
            level,
            window_log,
        }
    }

    /// A short tag naming the encoder, its version family and settings, for cache keys.
    pub fn tag(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Raw => "raw".into(),
            Encoding::Gzip => format!("gzip.libdeflate1.l{}", self.gzip_level),
            Encoding::Brotli => format!(
                "brotli.c109.q{}w{}",
                self.brotli_quality, self.brotli_window_log
            ),
            Encoding::Zstd => format!(
                "zstd.c15.l{}w{}{}",
                self.zstd_level,
                self.zstd_window_log,
                if self.zstd_long { "long" } else { "" }
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{encoding} compression failed: {source}")]
    Io {
        encoding: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("gzip compression failed: {0}")]
    Deflate(String),
}

/// The compressed bytes of `data`.
pub fn compress(encoding: Encoding, data: &[u8], settings: &Settings) -> Result<Vec<u8>, Error> {
    if encoding == Encoding::Gzip {
        return gzip(data, settings.gzip_level);
    }
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    encode_into(encoding, data, settings, &mut out)?;
    Ok(out)
}

/// The length `compress` would return, without keeping the bytes (where the encoder streams).
pub fn compressed_len(encoding: Encoding, data: &[u8], settings: &Settings) -> Result<u64, Error> {
    match encoding {
        Encoding::Raw => Ok(data.len() as u64),
        Encoding::Gzip => gzip(data, settings.gzip_level).map(|b| b.len() as u64),
        _ => {
            let mut counter = Counter(0);
            encode_into(encoding, data, settings, &mut counter)?;
            Ok(counter.0)
        }
    }
}

fn gzip(data: &[u8], level: u32) -> Result<Vec<u8>, Error> {
    let level = libdeflater::CompressionLvl::new(level.clamp(1, 12) as i32)
        .map_err(|e| Error::Deflate(format!("{e:?}")))?;
    let mut compressor = libdeflater::Compressor::new(level);
    let mut out = vec![0; compressor.gzip_compress_bound(data.len())];
    let n = compressor
        .gzip_compress(data, &mut out)
        .map_err(|e| Error::Deflate(e.to_string()))?;
    out.truncate(n);
    Ok(out)
}

fn encode_into<W: Write>(
    encoding: Encoding,
    data: &[u8],
    settings: &Settings,
    out: W,
) -> Result<(), Error> {
    let wrap = |source| Error::Io {
        encoding: encoding.as_str(),
        source,
    };
    match encoding {
        Encoding::Raw => {
            let mut out = out;
            out.write_all(data).map_err(wrap)
        }
        Encoding::Gzip => {
            let bytes = gzip(data, settings.gzip_level)?;
            let mut out = out;
            out.write_all(&bytes).map_err(wrap)
        }
        Encoding::Brotli => {
            let invalid = |e: brotlic::SetParameterError| {
                wrap(io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))
            };
            let quality = u8::try_from(settings.brotli_quality).unwrap_or(u8::MAX);
            let window = u8::try_from(settings.brotli_window_log).unwrap_or(u8::MAX);
            let encoder = brotlic::BrotliEncoderOptions::new()
                .quality(brotlic::Quality::new(quality).map_err(invalid)?)
                .window_size(brotlic::WindowSize::new(window).map_err(invalid)?)
                .size_hint(u32::try_from(data.len()).unwrap_or(u32::MAX))
                .build()
                .map_err(invalid)?;
            let mut writer = brotlic::CompressorWriter::with_encoder(encoder, out);
            writer.write_all(data).map_err(wrap)?;
            writer
                .into_inner()
                .map(drop)
                .map_err(|e| wrap(e.into_error()))
        }
        Encoding::Zstd => {
            let mut enc = zstd::stream::Encoder::new(out, settings.zstd_level).map_err(wrap)?;
            enc.set_parameter(zstd::zstd_safe::CParameter::WindowLog(
                settings.zstd_window_log,
            ))
            .map_err(wrap)?;
            if settings.zstd_long {
                enc.long_distance_matching(true).map_err(wrap)?;
            }
            enc.set_pledged_src_size(Some(data.len() as u64))
                .map_err(wrap)?;
            enc.include_contentsize(true).map_err(wrap)?;
            enc.write_all(data).map_err(wrap)?;
            enc.finish().map(drop).map_err(wrap)
        }
    }
}

/// Decodes `data` in `encoding`, refusing to produce more than `limit` bytes (a copy claiming
/// to be a small file must not expand into gigabytes). zstd is decoded under the 8 MiB window
/// limit browsers apply, so a frame a browser would refuse is refused here too.
pub fn decode(encoding: Encoding, data: &[u8], limit: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::new();
    let reader: Box<dyn Read + '_> = match encoding {
        Encoding::Raw => Box::new(data),
        Encoding::Gzip => Box::new(flate2::read::MultiGzDecoder::new(data)),
        Encoding::Brotli => Box::new(brotli_decompressor::Decompressor::new(data, 1 << 16)),
        Encoding::Zstd => {
            let mut d = zstd::stream::Decoder::new(data)?;
            d.window_log_max(23)?;
            Box::new(d)
        }
    };
    reader.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("decodes to more than {limit} bytes"),
        ));
    }
    Ok(out)
}

/// A sink that only counts.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Vec<u8> {
        let mut s = String::new();
        for i in 0..5000 {
            s.push_str(&format!("function f{i}(a,b){{return a*{i}+b.length}}\n"));
        }
        s.into_bytes()
    }

    fn decode(encoding: Encoding, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        match encoding {
            Encoding::Raw => out.extend_from_slice(bytes),
            Encoding::Gzip => {
                flate2::read::GzDecoder::new(bytes)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Encoding::Brotli => {
                brotli_decompressor::Decompressor::new(bytes, 4096)
                    .read_to_end(&mut out)
                    .unwrap();
            }
            Encoding::Zstd => {
                // Decoding with an 8 MiB window limit proves browsers accept the frame.
                let mut dec = zstd::stream::Decoder::new(bytes).unwrap();
                dec.window_log_max(23).unwrap();
                dec.read_to_end(&mut out).unwrap();
            }
        }
        out
    }

    #[test]
    fn every_encoding_round_trips_and_len_matches() {
        let data = sample();
        let settings = Settings::default();
        for encoding in Encoding::ALL {
            let bytes = compress(encoding, &data, &settings).unwrap();
            assert_eq!(decode(encoding, &bytes), data, "{encoding:?}");
            assert_eq!(
                compressed_len(encoding, &data, &settings).unwrap(),
                bytes.len() as u64
            );
            if encoding != Encoding::Raw {
                assert!(
                    bytes.len() < data.len() / 5,
                    "{encoding:?} only reached {}",
                    bytes.len()
                );
            }
        }
    }

    #[test]
    fn empty_input_is_valid_everywhere() {
        for encoding in Encoding::ALL {
            let bytes = compress(encoding, b"", &Settings::default()).unwrap();
            assert!(decode(encoding, &bytes).is_empty());
        }
    }

    #[test]
    fn zstd_window_stays_browser_safe_on_large_input() {
        // Level 22 on 9 MiB would pick a 16+ MiB window on its own; decoding under the 8 MiB
        // limit proves the window setting is applied.
        let data: Vec<u8> = sample().into_iter().cycle().take(9 << 20).collect();
        let settings = Settings {
            zstd_level: 22,
            ..Settings::default()
        };
        let bytes = compress(Encoding::Zstd, &data, &settings).unwrap();
        assert_eq!(decode(Encoding::Zstd, &bytes), data);
    }
}
