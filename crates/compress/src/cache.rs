//! A cache of compressed sizes on disk, keyed by content hash, encoding, encoder settings and
//! distill version, so a second run on an unchanged build compresses nothing.
//!
//! One small file per entry (`<dir>/sizes/<2 hex>/<hash>.<encoding>.<settings>`) holding the
//! length in decimal: several processes can share the cache without locks, every write is a
//! rename of a complete temporary file, and anything unreadable is simply a miss.

use crate::Settings;
use distill_graph::Encoding;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct SizeCache {
    dir: Option<PathBuf>,
}

impl SizeCache {
    /// No cache: every size is computed.
    pub fn disabled() -> SizeCache {
        SizeCache { dir: None }
    }

    pub fn at(dir: impl Into<PathBuf>) -> SizeCache {
        SizeCache {
            dir: Some(dir.into()),
        }
    }

    /// `$DISTILL_CACHE_DIR`, else `$XDG_CACHE_HOME/distill`, else `$HOME/.cache/distill`;
    /// disabled when `DISTILL_NO_CACHE` is set or no such folder can be named.
    pub fn from_env() -> SizeCache {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if var("DISTILL_NO_CACHE").is_some() {
            return SizeCache::disabled();
        }
        let dir = var("DISTILL_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("distill")))
            .or_else(|| var("HOME").map(|d| d.join(".cache/distill")));
        SizeCache { dir }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn entry(&self, hash: &str, encoding: Encoding, settings: &Settings) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        if hash.len() < 8 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let tag = match encoding {
            Encoding::Raw => return None,
            Encoding::Gzip => format!("l{}", settings.gzip_level),
            Encoding::Brotli => format!(
                "q{}w{}",
                settings.brotli_quality, settings.brotli_window_log
            ),
            Encoding::Zstd => format!("l{}w{}", settings.zstd_level, settings.zstd_window_log),
        };
        // The version covers encoder library upgrades, which change compressed lengths.
        let name = format!(
            "{hash}.{}.{tag}.v{}",
            encoding.as_str(),
            env!("CARGO_PKG_VERSION")
        );
        Some(dir.join("sizes").join(&hash[..2]).join(name))
    }

    pub fn get(&self, hash: &str, encoding: Encoding, settings: &Settings) -> Option<u64> {
        let path = self.entry(hash, encoding, settings)?;
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }

    /// Best effort: a cache that cannot be written only costs time.
    pub fn put(&self, hash: &str, encoding: Encoding, settings: &Settings, len: u64) {
        let Some(path) = self.entry(hash, encoding, settings) else {
            return;
        };
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let tmp = parent.join(format!(
            ".tmp-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        #[allow(
            clippy::disallowed_methods,
            reason = "a private temporary file, renamed into place below"
        )]
        let written = std::fs::write(&tmp, len.to_string());
        if written.is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_keys_separate_settings() {
        let tmp = std::env::temp_dir().join(format!("distill-cache-test-{}", std::process::id()));
        let cache = SizeCache::at(&tmp);
        let hash = "ab".repeat(32);
        let s = Settings::default();
        assert_eq!(cache.get(&hash, Encoding::Brotli, &s), None);
        cache.put(&hash, Encoding::Brotli, &s, 1234);
        assert_eq!(cache.get(&hash, Encoding::Brotli, &s), Some(1234));
        assert_eq!(cache.get(&hash, Encoding::Gzip, &s), None);
        let q10 = Settings {
            brotli_quality: 10,
            ..s
        };
        assert_eq!(
            cache.get(&hash, Encoding::Brotli, &q10),
            None,
            "other settings, other entry"
        );
        // Garbage in an entry is a miss, not an error.
        let entry = cache.entry(&hash, Encoding::Gzip, &s).unwrap();
        std::fs::create_dir_all(entry.parent().unwrap()).unwrap();
        #[allow(clippy::disallowed_methods, reason = "test input")]
        std::fs::write(&entry, "not a number").unwrap();
        assert_eq!(cache.get(&hash, Encoding::Gzip, &s), None);
        assert_eq!(SizeCache::disabled().get(&hash, Encoding::Brotli, &s), None);
        let _ = std::fs::remove_dir_all(&tmp);
    }
}
