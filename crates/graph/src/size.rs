use serde::{Deserialize, Serialize};

/// A way of sending bytes over the wire that distill measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    Raw,
    Gzip,
    Brotli,
    Zstd,
}

impl Encoding {
    pub const ALL: [Encoding; 4] = [
        Encoding::Raw,
        Encoding::Gzip,
        Encoding::Brotli,
        Encoding::Zstd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Raw => "raw",
            Encoding::Gzip => "gzip",
            Encoding::Brotli => "brotli",
            Encoding::Zstd => "zstd",
        }
    }

    pub fn parse(s: &str) -> Option<Encoding> {
        Encoding::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// The extension of a precompressed copy in this encoding: `gz`, `br`, `zst`.
    pub fn sibling_extension(self) -> Option<&'static str> {
        match self {
            Encoding::Raw => None,
            Encoding::Gzip => Some("gz"),
            Encoding::Brotli => Some("br"),
            Encoding::Zstd => Some("zst"),
        }
    }
}

/// Which encoder and level produced a size, written into every report so any number in it can
/// be reproduced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EncoderInfo {
    pub encoding: Encoding,
    /// Library and version family that produced the bytes.
    pub encoder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_log: Option<u32>,
}

/// The sizes of one file (or a sum of files) in every measured encoding. An encoding that was
/// not asked for is `None`, never zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    pub raw: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gzip: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brotli: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zstd: Option<u64>,
}

impl Sizes {
    pub fn get(&self, encoding: Encoding) -> Option<u64> {
        match encoding {
            Encoding::Raw => Some(self.raw),
            Encoding::Gzip => self.gzip,
            Encoding::Brotli => self.brotli,
            Encoding::Zstd => self.zstd,
        }
    }

    pub fn set(&mut self, encoding: Encoding, value: u64) {
        match encoding {
            Encoding::Raw => self.raw = value,
            Encoding::Gzip => self.gzip = Some(value),
            Encoding::Brotli => self.brotli = Some(value),
            Encoding::Zstd => self.zstd = Some(value),
        }
    }
}

impl std::ops::AddAssign for Sizes {
    /// Adds per encoding; an encoding missing on either side stays missing.
    fn add_assign(&mut self, rhs: Sizes) {
        fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            Some(a? + b?)
        }
        self.raw += rhs.raw;
        self.gzip = add(self.gzip, rhs.gzip);
        self.brotli = add(self.brotli, rhs.brotli);
        self.zstd = add(self.zstd, rhs.zstd);
    }
}

impl Sizes {
    /// Zero in raw and in each of `encodings`, the start of a sum over files measured in them.
    pub fn zero(encodings: &[Encoding]) -> Sizes {
        let mut sizes = Sizes::default();
        for &e in encodings {
            sizes.set(e, 0);
        }
        sizes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_keeps_missing_encodings_missing() {
        let a = Sizes {
            raw: 10,
            gzip: Some(5),
            brotli: None,
            zstd: Some(4),
        };
        let b = Sizes {
            raw: 20,
            gzip: Some(7),
            brotli: Some(6),
            zstd: Some(5),
        };
        let mut total = Sizes::zero(&[Encoding::Gzip, Encoding::Zstd]);
        assert_eq!(total.gzip, Some(0));
        total += a;
        total += b;
        assert_eq!(
            total,
            Sizes {
                raw: 30,
                gzip: Some(12),
                brotli: None,
                zstd: Some(9)
            }
        );
    }
}
