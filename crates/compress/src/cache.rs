//! Compressed sizes and bytes of earlier runs, on disk, keyed by content hash, encoder, settings
//! and distill version, so a second run on an unchanged build compresses nothing.
//!
//! One file per entry: `<dir>/v2/len/<2 hex>/<hash>.<tag>` holds a length, `<dir>/v2/bytes/…`
//! the compressed bytes. Several processes can share the folder without locks: every write is a
//! rename of a complete temporary file ([`distill_fs::write_atomic`]). Nothing read back is
//! trusted: a length entry carries a checksum of its key and value and must be plausible for the
//! content's raw size; a bytes entry carries the SHA-256 of its payload. Anything else (a
//! truncated file, garbage, a FIFO, a value near `u64::MAX`) is a miss, recomputed and
//! overwritten. Bytes entries are bounded in total: [`Cache::trim`] removes the least recently
//! used beyond the limit.

use crate::Settings;
use distill_graph::Encoding;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Compressed output is at most this much larger than its input, plus [`SLACK`] bytes of
/// headers: anything larger read back from the cache is corrupt.
const SLACK: u64 = 1024;
/// The default bound on cached bytes.
pub(crate) const DEFAULT_LIMIT: u64 = 512 << 20;
const MAGIC: &[u8] = b"distill-cache-bytes-1\n";

#[derive(Debug, Clone)]
pub struct Cache {
    dir: Option<PathBuf>,
    limit: u64,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache::disabled()
    }
}

impl Cache {
    /// No cache: everything is computed.
    pub fn disabled() -> Cache {
        Cache {
            dir: None,
            limit: DEFAULT_LIMIT,
        }
    }

    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: Some(dir.into()),
            limit: DEFAULT_LIMIT,
        }
    }

    /// Where distill caches for a build in `project`: `$DISTILL_CACHE_DIR`; else
    /// `node_modules/.cache/distill` when the project has `node_modules` (where bundlers keep
    /// theirs, and what CI caches with the dependencies); else `$XDG_CACHE_HOME/distill` or
    /// `~/.cache/distill`. Disabled when `DISTILL_NO_CACHE` is set.
    pub fn from_env(project: Option<&Path>) -> Cache {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if var("DISTILL_NO_CACHE").is_some() {
            return Cache::disabled();
        }
        let in_project = project
            .map(|p| p.join("node_modules"))
            .filter(|nm| nm.is_dir())
            .map(|nm| nm.join(".cache/distill"));
        let dir = var("DISTILL_CACHE_DIR")
            .or(in_project)
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("distill")))
            .or_else(|| var("HOME").map(|d| d.join(".cache/distill")));
        Cache {
            dir,
            limit: DEFAULT_LIMIT,
        }
    }

    /// The same cache with another bound on cached bytes.
    pub fn with_limit(mut self, bytes: u64) -> Cache {
        self.limit = bytes;
        self
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn is_enabled(&self) -> bool {
        self.dir.is_some()
    }

    fn entry(
        &self,
        kind: &str,
        hash: &str,
        encoding: Encoding,
        settings: &Settings,
    ) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        if encoding == Encoding::Raw
            || hash.len() < 8
            || hash.len() > 128
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        // The version covers encoder library upgrades, which change compressed bytes.
        let name = format!(
            "{hash}.{}.v{}",
            settings.tag(encoding),
            env!("CARGO_PKG_VERSION")
        );
        Some(dir.join("v2").join(kind).join(&hash[..2]).join(name))
    }

    fn check_of(key: &Path, len: u64) -> String {
        let digest = Sha256::digest(format!("{}:{len}", key.display()).as_bytes());
        digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
    }

    /// The compressed length of content `hash` (of `raw_len` bytes), when cached and sound.
    pub fn len(
        &self,
        hash: &str,
        raw_len: u64,
        encoding: Encoding,
        settings: &Settings,
    ) -> Option<u64> {
        let path = self.entry("len", hash, encoding, settings)?;
        let bytes = distill_fs::read_regular(&path, 256).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let (n, check) = text.trim().split_once(' ')?;
        let n: u64 = n.parse().ok()?;
        (check == Cache::check_of(&path, n) && n <= raw_len.saturating_add(raw_len / 64 + SLACK))
            .then_some(n)
    }

    /// Best effort: a cache that cannot be written only costs time.
    pub fn put_len(&self, hash: &str, encoding: Encoding, settings: &Settings, len: u64) {
        if let Some(path) = self.entry("len", hash, encoding, settings) {
            let text = format!("{len} {}\n", Cache::check_of(&path, len));
            write(&path, text.as_bytes());
        }
    }

    /// The compressed bytes of content `hash`, when cached and intact.
    pub fn bytes(
        &self,
        hash: &str,
        raw_len: u64,
        encoding: Encoding,
        settings: &Settings,
    ) -> Option<Vec<u8>> {
        let path = self.entry("bytes", hash, encoding, settings)?;
        let limit = raw_len.saturating_add(raw_len / 64 + SLACK) + (MAGIC.len() + 32) as u64;
        let entry = distill_fs::read_regular(&path, limit).ok()?;
        let rest = entry.strip_prefix(MAGIC)?;
        let (digest, payload) = rest.split_at_checked(32)?;
        if Sha256::digest(payload).as_slice() != digest {
            return None;
        }
        // Recently used entries are the last evicted.
        if let Ok(f) = std::fs::File::options().append(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(payload.to_vec())
    }

    pub fn put_bytes(&self, hash: &str, encoding: Encoding, settings: &Settings, bytes: &[u8]) {
        if let Some(path) = self.entry("bytes", hash, encoding, settings) {
            let mut entry = Vec::with_capacity(MAGIC.len() + 32 + bytes.len());
            entry.extend_from_slice(MAGIC);
            entry.extend_from_slice(&Sha256::digest(bytes));
            entry.extend_from_slice(bytes);
            write(&path, &entry);
        }
    }

    /// Where a stage's own result for `key` (a hex digest of the input and the options) lives:
    /// `<dir>/v2/bytes/<kind>/<2 hex>/<key>`, bounded with the compressed bytes.
    fn blob_entry(&self, kind: &str, key: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        let valid = |s: &str, max: usize| {
            !s.is_empty()
                && s.len() <= max
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if !valid(kind, 32) || !valid(key, 128) || key.len() < 8 {
            return None;
        }
        let name = format!("{key}.v{}", env!("CARGO_PKG_VERSION"));
        Some(dir.join("v2/bytes").join(kind).join(&key[..2]).join(name))
    }

    /// A stage's cached result (`kind`: `images`, `minify`), when present and intact.
    pub fn blob(&self, kind: &str, key: &str, limit: u64) -> Option<Vec<u8>> {
        let path = self.blob_entry(kind, key)?;
        let entry =
            distill_fs::read_regular(&path, limit.saturating_add((MAGIC.len() + 32) as u64))
                .ok()?;
        let rest = entry.strip_prefix(MAGIC)?;
        let (digest, payload) = rest.split_at_checked(32)?;
        if Sha256::digest(payload).as_slice() != digest {
            return None;
        }
        if let Ok(f) = std::fs::File::options().append(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(payload.to_vec())
    }

    pub fn put_blob(&self, kind: &str, key: &str, bytes: &[u8]) {
        if let Some(path) = self.blob_entry(kind, key) {
            let mut entry = Vec::with_capacity(MAGIC.len() + 32 + bytes.len());
            entry.extend_from_slice(MAGIC);
            entry.extend_from_slice(&Sha256::digest(bytes));
            entry.extend_from_slice(bytes);
            write(&path, &entry);
        }
    }

    /// Removes the least recently used bytes entries until they total at most the limit.
    pub fn trim(&self) {
        let Some(dir) = &self.dir else { return };
        let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let mut stack = vec![dir.join("v2/bytes")];
        while let Some(folder) = stack.pop() {
            let Ok(items) = std::fs::read_dir(&folder) else {
                continue;
            };
            for item in items.flatten() {
                let Ok(meta) = item.metadata() else { continue };
                if meta.is_dir() {
                    stack.push(item.path());
                } else if meta.is_file() {
                    let at = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                    entries.push((at, meta.len(), item.path()));
                }
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.limit {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total = total.saturating_sub(len);
            }
        }
    }
}

fn write(path: &Path, bytes: &[u8]) {
    let Some(parent) = path.parent() else { return };
    if std::fs::create_dir_all(parent).is_ok() {
        let _ = distill_fs::write_atomic(path, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_and_keys_separate_settings() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let hash = "ab".repeat(32);
        let s = Settings::default();
        assert_eq!(cache.len(&hash, 5000, Encoding::Brotli, &s), None);
        cache.put_len(&hash, Encoding::Brotli, &s, 1234);
        assert_eq!(cache.len(&hash, 5000, Encoding::Brotli, &s), Some(1234));
        assert_eq!(cache.len(&hash, 5000, Encoding::Gzip, &s), None);
        let q10 = Settings {
            brotli_quality: 10,
            ..s
        };
        assert_eq!(
            cache.len(&hash, 5000, Encoding::Brotli, &q10),
            None,
            "other settings, other entry"
        );
        assert_eq!(
            Cache::disabled().len(&hash, 5000, Encoding::Brotli, &s),
            None
        );
    }

    #[test]
    fn corrupt_or_implausible_lengths_are_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let hash = "cd".repeat(32);
        let s = Settings::default();
        let path = cache.entry("len", &hash, Encoding::Gzip, &s).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        for garbage in [
            "not a number".to_owned(),
            "1234".to_owned(),
            "1234 0000000000000000".to_owned(),
            format!("{} {}", u64::MAX, Cache::check_of(&path, u64::MAX)),
        ] {
            distill_fs::write_atomic(&path, garbage.as_bytes()).unwrap();
            assert_eq!(
                cache.len(&hash, 5000, Encoding::Gzip, &s),
                None,
                "{garbage}"
            );
        }
        // A plausible value with a correct check is trusted; too large for the content is not.
        cache.put_len(&hash, Encoding::Gzip, &s, 4000);
        assert_eq!(cache.len(&hash, 5000, Encoding::Gzip, &s), Some(4000));
        assert_eq!(cache.len(&hash, 100, Encoding::Gzip, &s), None);
    }

    #[test]
    fn bytes_are_verified_and_trimmed_least_recent_first() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path()).with_limit(2500);
        let s = Settings::default();
        let hashes: Vec<String> = (0..3).map(|i| format!("{i:02x}").repeat(32)).collect();
        for h in &hashes {
            cache.put_bytes(h, Encoding::Zstd, &s, &[7u8; 1000]);
        }
        assert_eq!(
            cache.bytes(&hashes[0], 1000, Encoding::Zstd, &s).unwrap(),
            [7u8; 1000]
        );
        // Truncated: a miss, never served.
        let path = cache
            .entry("bytes", &hashes[1], Encoding::Zstd, &s)
            .unwrap();
        let whole = std::fs::read(&path).unwrap();
        distill_fs::write_atomic(&path, &whole[..whole.len() - 10]).unwrap();
        assert_eq!(cache.bytes(&hashes[1], 1000, Encoding::Zstd, &s), None);
        // Make the first entry the most recent and trim: two entries fit.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(cache.bytes(&hashes[0], 1000, Encoding::Zstd, &s).is_some());
        cache.trim();
        let left: Vec<bool> = hashes
            .iter()
            .map(|h| cache.bytes(h, 1000, Encoding::Zstd, &s).is_some())
            .collect();
        assert!(left[0], "the most recently used stays: {left:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_entry_never_blocks() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let hash = "ef".repeat(32);
        let s = Settings::default();
        let path = cache.entry("len", &hash, Encoding::Gzip, &s).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap()
                .success()
        );
        assert_eq!(cache.len(&hash, 5000, Encoding::Gzip, &s), None);
    }
}
