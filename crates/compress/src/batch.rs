//! The one way distill runs per-file work in parallel: [`largest_first`] hands items to every
//! core in order of decreasing cost, so the largest job starts first and never finishes last on
//! its own. [`Batch`] uses it for compression: one job per (distinct content, encoding), each
//! looked up in the [`Cache`] and in sizes already known (a baseline report) before anything is
//! compressed, the compressed bytes kept when they are to be written.
//!
//! ```
//! use distill_compress::batch::{Batch, Request};
//! use distill_graph::Encoding;
//! let text = b"let a = 1; ".repeat(500);
//! let batch = Batch::new(Default::default());
//! let requests = [Request {
//!     hash: "0123456789abcdef",
//!     path: "app.js",
//!     size: text.len() as u64,
//!     encodings: vec![Encoding::Gzip, Encoding::Brotli],
//! }];
//! let out = batch.run(&requests, &|_| Ok(text.clone()));
//! let gzip = out.get("0123456789abcdef", Encoding::Gzip).unwrap().as_ref().unwrap();
//! assert!(gzip.len < 100);
//! ```

use crate::{Cache, Error, Settings, compress, compressed_len};
use distill_graph::{Encoding, NoProgress, Progress};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::sync::{Arc, Mutex};

/// Runs `work` on every item, on every core, the costliest first; results come back in the
/// items' order. Deterministic in its results whatever the thread count (only timing varies).
#[expect(
    clippy::expect_used,
    reason = "every slot is filled before scope_fifo returns; a missing result is a bug, not input"
)]
pub fn largest_first<T, R, C, W>(items: &[T], cost: C, work: W) -> Vec<R>
where
    T: Sync,
    R: Send,
    C: Fn(&T) -> u64,
    W: Fn(&T) -> R + Sync,
{
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let mut order: Vec<(&Mutex<Option<R>>, &T)> = slots.iter().zip(items).collect();
    order.sort_by_key(|(_, item)| std::cmp::Reverse(cost(item)));
    rayon::scope_fifo(|scope| {
        for (slot, item) in order {
            let work = &work;
            scope.spawn_fifo(move |_| {
                let r = work(item);
                *slot
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(r);
            });
        }
    });
    slots
        .into_iter()
        .map(|s| {
            s.into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .expect("scope_fifo returns after every spawned job has run")
        })
        .collect()
}

/// Content to compress: one file (or one of several identical files).
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Content hash: identical content is compressed once.
    pub hash: &'a str,
    /// Where to read it, and what diagnostics name.
    pub path: &'a str,
    pub size: u64,
    pub encodings: Vec<Encoding>,
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Computed,
    Cache,
    /// A size a baseline report holds for the same content, encoder and settings.
    Known,
}

/// One content in one encoding.
#[derive(Debug, Clone)]
pub struct Compressed {
    pub len: u64,
    /// The bytes, when the batch keeps them.
    pub bytes: Option<Arc<[u8]>>,
    pub origin: Origin,
}

/// Why one content could not be compressed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BatchError {
    #[error("cannot read it: {0}")]
    Read(Arc<io::Error>),
    #[error("{size} bytes is over the {limit}-byte limit for compression; not compressed")]
    TooLarge { size: u64, limit: u64 },
    #[error("{0}")]
    Encode(Arc<Error>),
}

/// Results by (content hash, encoding).
#[derive(Debug, Default)]
pub struct Outcomes(BTreeMap<(String, Encoding), Result<Compressed, BatchError>>);

impl Outcomes {
    pub fn get(&self, hash: &str, encoding: Encoding) -> Option<&Result<Compressed, BatchError>> {
        self.0.get(&(hash.to_owned(), encoding))
    }

    pub fn iter(
        &self,
    ) -> impl Iterator<Item = (&(String, Encoding), &Result<Compressed, BatchError>)> {
        self.0.iter()
    }

    /// How many results were computed, read from the cache, or known.
    pub fn count(&self, origin: Origin) -> usize {
        self.0
            .values()
            .filter(|r| r.as_ref().is_ok_and(|c| c.origin == origin))
            .count()
    }
}

/// Sizes known before compressing, by (content hash, encoding).
pub type Known<'a> = dyn Fn(&str, Encoding) -> Option<u64> + Sync + 'a;

/// A compression run.
pub struct Batch<'a> {
    pub settings: Settings,
    pub cache: Cache,
    /// Keep the compressed bytes (to write them), else only their lengths.
    pub keep: bool,
    pub known: Option<&'a Known<'a>>,
    pub progress: &'a dyn Progress,
    /// Content larger than this is not compressed (each encoder holds about its size again in
    /// memory, per core).
    pub max_bytes: u64,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("settings", &self.settings)
            .field("keep", &self.keep)
            .field("max_bytes", &self.max_bytes)
            .finish_non_exhaustive()
    }
}

/// The default for [`Batch::max_bytes`].
pub const MAX_BYTES: u64 = 256 << 20;

/// Relative cost per byte of each encoder at the default settings, measured on minified JS.
pub fn cost_per_byte(encoding: Encoding) -> u64 {
    match encoding {
        Encoding::Raw => 0,
        Encoding::Gzip => 3,
        Encoding::Zstd => 8,
        Encoding::Brotli => 30,
    }
}

struct Job<'r> {
    request: &'r Request<'r>,
    encoding: Encoding,
}

impl<'a> Batch<'a> {
    /// Lengths only, no cache, no known sizes.
    pub fn new(settings: Settings) -> Batch<'a> {
        Batch {
            settings,
            cache: Cache::disabled(),
            keep: false,
            known: None,
            progress: &NoProgress,
            max_bytes: MAX_BYTES,
        }
    }

    /// Compresses every request in every encoding it names; `read` gives a path's bytes.
    pub fn run(
        &self,
        requests: &[Request],
        read: &(dyn Fn(&str) -> io::Result<Vec<u8>> + Sync),
    ) -> Outcomes {
        let mut out: BTreeMap<(String, Encoding), Result<Compressed, BatchError>> = BTreeMap::new();
        let mut seen: BTreeSet<(&str, Encoding)> = BTreeSet::new();
        let mut jobs: Vec<Job> = Vec::new();
        for request in requests {
            for &encoding in &request.encodings {
                if encoding == Encoding::Raw || !seen.insert((request.hash, encoding)) {
                    continue;
                }
                if let Some(done) = self.lookup(request, encoding) {
                    out.insert((request.hash.to_owned(), encoding), Ok(done));
                } else {
                    jobs.push(Job { request, encoding });
                }
            }
        }
        let total: u64 = jobs.iter().map(|j| j.request.size).sum();
        self.progress.begin("compressing", total);
        let results = largest_first(
            &jobs,
            |j| j.request.size.saturating_mul(cost_per_byte(j.encoding)),
            |j| {
                let r = self.compute(j.request, j.encoding, read);
                self.progress.advance(j.request.size);
                r
            },
        );
        self.progress.end();
        for (job, result) in jobs.iter().zip(results) {
            out.insert((job.request.hash.to_owned(), job.encoding), result);
        }
        if self.keep {
            self.cache.trim();
        }
        Outcomes(out)
    }

    fn lookup(&self, request: &Request, encoding: Encoding) -> Option<Compressed> {
        let (hash, size) = (request.hash, request.size);
        if self.keep {
            let bytes = self.cache.bytes(hash, size, encoding, &self.settings)?;
            return Some(Compressed {
                len: bytes.len() as u64,
                bytes: Some(bytes.into()),
                origin: Origin::Cache,
            });
        }
        if let Some(len) = self.known.and_then(|k| k(hash, encoding)) {
            return Some(Compressed {
                len,
                bytes: None,
                origin: Origin::Known,
            });
        }
        let len = self.cache.len(hash, size, encoding, &self.settings)?;
        Some(Compressed {
            len,
            bytes: None,
            origin: Origin::Cache,
        })
    }

    fn compute(
        &self,
        request: &Request,
        encoding: Encoding,
        read: &(dyn Fn(&str) -> io::Result<Vec<u8>> + Sync),
    ) -> Result<Compressed, BatchError> {
        if request.size > self.max_bytes {
            return Err(BatchError::TooLarge {
                size: request.size,
                limit: self.max_bytes,
            });
        }
        let data = read(request.path).map_err(|e| BatchError::Read(Arc::new(e)))?;
        let hash = request.hash;
        if self.keep {
            let bytes = compress(encoding, &data, &self.settings)
                .map_err(|e| BatchError::Encode(Arc::new(e)))?;
            self.cache.put_bytes(hash, encoding, &self.settings, &bytes);
            self.cache
                .put_len(hash, encoding, &self.settings, bytes.len() as u64);
            Ok(Compressed {
                len: bytes.len() as u64,
                bytes: Some(bytes.into()),
                origin: Origin::Computed,
            })
        } else {
            let len = compressed_len(encoding, &data, &self.settings)
                .map_err(|e| BatchError::Encode(Arc::new(e)))?;
            self.cache.put_len(hash, encoding, &self.settings, len);
            Ok(Compressed {
                len,
                bytes: None,
                origin: Origin::Computed,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn largest_first_keeps_item_order_in_results() {
        let items: Vec<u64> = (0..50).collect();
        let started = Mutex::new(Vec::new());
        let out = largest_first(
            &items,
            |&n| n,
            |&n| {
                started.lock().unwrap().push(n);
                n * 2
            },
        );
        assert_eq!(out, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        let started = started.into_inner().unwrap();
        assert_eq!(started.len(), 50);
        // With one thread the order is exact; with more, the first job taken is the largest.
        assert!(
            started
                .iter()
                .take(rayon::current_num_threads())
                .any(|&n| n == 49)
        );
    }

    #[test]
    fn identical_content_is_compressed_once_and_cached_next_time() {
        let text = b"export const answer = 42;\n".repeat(200);
        let reads = AtomicUsize::new(0);
        let read = |_: &str| {
            reads.fetch_add(1, Ordering::Relaxed);
            Ok(text.clone())
        };
        let tmp = tempfile::tempdir().unwrap();
        let requests = [
            Request {
                hash: "aaaaaaaaaaaaaaaa",
                path: "a.js",
                size: text.len() as u64,
                encodings: vec![Encoding::Gzip, Encoding::Zstd],
            },
            Request {
                hash: "aaaaaaaaaaaaaaaa",
                path: "copy/a.js",
                size: text.len() as u64,
                encodings: vec![Encoding::Gzip],
            },
        ];
        let mut batch = Batch::new(Settings::default());
        batch.cache = Cache::at(tmp.path());
        batch.keep = true;
        let first = batch.run(&requests, &read);
        assert_eq!(
            reads.load(Ordering::Relaxed),
            2,
            "one read per job, not per file"
        );
        assert_eq!(first.count(Origin::Computed), 2);
        let gz = first
            .get("aaaaaaaaaaaaaaaa", Encoding::Gzip)
            .unwrap()
            .as_ref()
            .unwrap();
        let bytes = gz.bytes.as_ref().unwrap();
        let mut decoded = Vec::new();
        io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut decoded).unwrap();
        assert_eq!(decoded, text);
        let second = batch.run(&requests, &read);
        assert_eq!(second.count(Origin::Cache), 2);
        assert_eq!(reads.load(Ordering::Relaxed), 2, "nothing read again");
    }

    #[test]
    fn known_sizes_skip_work_and_errors_are_per_content() {
        let known = |hash: &str, e: Encoding| {
            (hash == "bbbbbbbbbbbbbbbb" && e == Encoding::Brotli).then_some(77)
        };
        let mut batch = Batch::new(Settings::default());
        batch.known = Some(&known);
        batch.max_bytes = 10;
        let requests = [
            Request {
                hash: "bbbbbbbbbbbbbbbb",
                path: "b.js",
                size: 5,
                encodings: vec![Encoding::Brotli, Encoding::Gzip],
            },
            Request {
                hash: "cccccccccccccccc",
                path: "big.js",
                size: 11,
                encodings: vec![Encoding::Gzip],
            },
        ];
        let read = |p: &str| {
            if p == "b.js" {
                Err(io::Error::new(io::ErrorKind::NotFound, "vanished"))
            } else {
                Ok(vec![0; 11])
            }
        };
        let out = batch.run(&requests, &read);
        let b = out
            .get("bbbbbbbbbbbbbbbb", Encoding::Brotli)
            .unwrap()
            .as_ref()
            .unwrap();
        assert_eq!((b.len, b.origin), (77, Origin::Known));
        assert!(matches!(
            out.get("bbbbbbbbbbbbbbbb", Encoding::Gzip),
            Some(Err(BatchError::Read(_)))
        ));
        assert!(matches!(
            out.get("cccccccccccccccc", Encoding::Gzip),
            Some(Err(BatchError::TooLarge {
                size: 11,
                limit: 10
            }))
        ));
    }
}
