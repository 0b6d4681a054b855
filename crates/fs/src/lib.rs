//! The file layer every stage reads and writes through.
//!
//! - [`FileSource`]: the files of a build by relative `/`-separated path, on disk ([`FsSource`],
//!   which never reads outside its root, through symlinks included) or in memory
//!   ([`MemSource`]), so each stage can be tested without a disk.
//! - [`Overlay`]: a source plus the files a stage rewrote, added or removed; the next stage reads
//!   the overlay, and the result can be analyzed again before anything is written.
//! - [`Sink`] ([`DirSink`] on disk, [`MemSink`] in tests): writes into one output folder, every
//!   file atomically (a temporary file in the same folder, then a rename), never outside that
//!   folder and never through a symbolic link.
//! - [`output`]: writes a report to a path the user named (a file, `/dev/stdout`, a FIFO).
//! - [`paths`]: the rules for build paths and for resolving references between files.
//!
//! ```
//! use distill_fs::{FileSource, MemSource, Overlay};
//! let build = MemSource::new().with("assets/app.js", "let a = 1;");
//! let mut overlay = Overlay::new(&build);
//! overlay.write("assets/app.js", b"let a=1".to_vec());
//! overlay.write("assets/app.js.gz", vec![0x1f, 0x8b]);
//! assert_eq!(overlay.read("assets/app.js").unwrap(), b"let a=1");
//! assert_eq!(overlay.walk(&|_| false).0, ["assets/app.js", "assets/app.js.gz"]);
//! ```

mod atomic;
pub mod output;
mod overlay;
pub mod paths;
mod sink;
mod source;

pub use atomic::{TEMP_PREFIX, is_temporary, remove_temporary_files, write_atomic};
pub use overlay::{Change, Overlay};
pub use sink::{DirSink, MemSink, Sink, SinkError};
pub use source::{FileSource, FsSource, MemSource, read_regular};
