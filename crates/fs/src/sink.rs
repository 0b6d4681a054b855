//! Where an optimized build is written: one output folder, every file replaced atomically, nothing
//! written outside the folder or through a symbolic link.

use crate::atomic::{self, Finish};
use crate::paths;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why a write into the output folder did not happen. Every variant names the build path.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("`{path}` is not a path inside the output folder; refused")]
    Outside { path: String },
    #[error("`{path}`: `{link}` is a symbolic link; distill never writes through one")]
    Symlink { path: String, link: String },
    #[error("`{path}`: `{what}` is in the way ({kind})")]
    InTheWay {
        path: String,
        what: String,
        kind: &'static str,
    },
    #[error("cannot write `{path}`: {source}")]
    Write {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot remove `{path}`: {source}")]
    Remove {
        path: String,
        #[source]
        source: io::Error,
    },
}

impl SinkError {
    /// The build path the error is about.
    pub fn path(&self) -> &str {
        match self {
            SinkError::Outside { path }
            | SinkError::Symlink { path, .. }
            | SinkError::InTheWay { path, .. }
            | SinkError::Write { path, .. }
            | SinkError::Remove { path, .. } => path,
        }
    }

    /// Whether the disk refused for lack of space or quota: the rest of a run cannot succeed
    /// either.
    pub fn is_disk_full(&self) -> bool {
        match self {
            SinkError::Write { source, .. } => matches!(
                source.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            ),
            _ => false,
        }
    }
}

/// A destination for the files of a build.
pub trait Sink: Sync {
    /// Creates or replaces `path` with `bytes`, atomically. `mode` is for a new file (the mode of
    /// its original); a replaced file keeps its own.
    fn write(&self, path: &str, bytes: &[u8], mode: Option<u32>) -> Result<(), SinkError>;

    /// Copies a file from elsewhere (an unchanged file of the input build) to `path`.
    fn copy_from(&self, path: &str, from: &Path) -> Result<(), SinkError>;

    /// Copies `from` to `rel`, a relative path of plain components whose names need not be
    /// UTF-8: how a complete copy carries files the build model cannot name.
    fn copy_os(&self, rel: &Path, from: &Path) -> Result<(), SinkError>;

    /// Removes `path` when it exists (a stale sibling).
    fn remove(&self, path: &str) -> Result<(), SinkError>;

    /// Whether `path` already holds exactly `bytes` (then writing it again is skipped).
    fn holds(&self, path: &str, bytes: &[u8]) -> bool;

    /// The paths of every regular file already in the sink.
    fn list(&self) -> Vec<String>;

    /// Removes temporary files an interrupted earlier run left; returns how many.
    fn clean_leftovers(&self) -> usize;
}

/// An output folder on disk.
#[derive(Debug)]
pub struct DirSink {
    root: PathBuf,
}

impl DirSink {
    /// Uses `root` as the output folder, creating it when missing.
    pub fn create(root: &Path) -> io::Result<DirSink> {
        std::fs::create_dir_all(root)?;
        Ok(DirSink {
            root: root.canonicalize()?,
        })
    }

    /// The folder, with every symlink resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where `path` goes, creating its folders; refused when it leaves the root, passes through
    /// a symbolic link, or something other than a regular file is in its place.
    fn target(&self, path: &str) -> Result<PathBuf, SinkError> {
        if !paths::is_build_path(path) {
            return Err(SinkError::Outside { path: path.into() });
        }
        let parts: Vec<&std::ffi::OsStr> = path.split('/').map(std::ffi::OsStr::new).collect();
        self.target_of(&parts, path)
    }

    /// [`DirSink::target`] for a path given as name components (any bytes, not only UTF-8).
    fn target_of(&self, parts: &[&std::ffi::OsStr], path: &str) -> Result<PathBuf, SinkError> {
        let (name, dirs) = parts
            .split_last()
            .ok_or_else(|| SinkError::Outside { path: path.into() })?;
        let mut at = self.root.clone();
        for (i, dir) in dirs.iter().enumerate() {
            at.push(dir);
            let shown = || {
                dirs.iter()
                    .take(i + 1)
                    .map(|p| p.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/")
            };
            match std::fs::symlink_metadata(&at) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(SinkError::Symlink {
                        path: path.into(),
                        link: shown(),
                    });
                }
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(SinkError::InTheWay {
                        path: path.into(),
                        what: shown(),
                        kind: "a file where a folder is needed",
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    std::fs::create_dir(&at).or_else(|e| {
                        if e.kind() == io::ErrorKind::AlreadyExists && at.is_dir() {
                            Ok(()) // another worker made it
                        } else {
                            Err(SinkError::Write {
                                path: path.into(),
                                source: e,
                            })
                        }
                    })?;
                }
                Err(e) => {
                    return Err(SinkError::Write {
                        path: path.into(),
                        source: e,
                    });
                }
            }
        }
        at.push(name);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => Err(SinkError::Symlink {
                path: path.into(),
                link: path.into(),
            }),
            Ok(m) if !m.is_file() => Err(SinkError::InTheWay {
                path: path.into(),
                what: path.into(),
                kind: if m.is_dir() {
                    "a folder"
                } else {
                    "a special file"
                },
            }),
            _ => Ok(at),
        }
    }

    fn copy_os_impl(&self, rel: &Path, from: &Path) -> Result<(), SinkError> {
        let shown = rel.to_string_lossy().into_owned();
        let mut parts = Vec::new();
        for c in rel.components() {
            match c {
                std::path::Component::Normal(p) => parts.push(p),
                _ => return Err(SinkError::Outside { path: shown }),
            }
        }
        let target = self.target_of(&parts, &shown)?;
        atomic::link_or_copy(&target, from).map_err(|source| SinkError::Write {
            path: shown.clone(),
            source,
        })
    }
}

impl Sink for DirSink {
    fn write(&self, path: &str, bytes: &[u8], mode: Option<u32>) -> Result<(), SinkError> {
        let target = self.target(path)?;
        let finish = Finish {
            mode: atomic::mode_of(&target, mode.unwrap_or(0o644)),
            sync: false,
        };
        atomic::replace(&target, finish, |out| out.write_all(bytes)).map_err(|source| {
            SinkError::Write {
                path: path.into(),
                source,
            }
        })
    }

    fn copy_from(&self, path: &str, from: &Path) -> Result<(), SinkError> {
        let target = self.target(path)?;
        atomic::link_or_copy(&target, from).map_err(|source| SinkError::Write {
            path: path.into(),
            source,
        })
    }

    fn remove(&self, path: &str) -> Result<(), SinkError> {
        let target = self.target(path)?;
        match std::fs::remove_file(&target) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(SinkError::Remove {
                path: path.into(),
                source: e,
            }),
            _ => Ok(()),
        }
    }

    fn copy_os(&self, rel: &Path, from: &Path) -> Result<(), SinkError> {
        self.copy_os_impl(rel, from)
    }

    fn holds(&self, path: &str, bytes: &[u8]) -> bool {
        if !paths::is_build_path(path) {
            return false;
        }
        let at = self.root.join(path);
        std::fs::symlink_metadata(&at).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && std::fs::read(&at).is_ok_and(|b| b == bytes)
    }

    fn list(&self) -> Vec<String> {
        match crate::FsSource::open(&self.root) {
            Ok(source) => crate::FileSource::walk(&source, &|_| false).0,
            Err(_) => Vec::new(),
        }
    }

    fn clean_leftovers(&self) -> usize {
        let mut n = 0;
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(e.path());
                } else if ft.is_file()
                    && e.file_name().to_str().is_some_and(atomic::is_temporary)
                    && std::fs::remove_file(e.path()).is_ok()
                {
                    n += 1;
                }
            }
        }
        n
    }
}

/// A sink in memory for tests: records every file, and can be told to fail like a full disk
/// once it holds more than a number of bytes.
#[derive(Debug, Default)]
pub struct MemSink {
    files: Mutex<BTreeMap<String, Vec<u8>>>,
    capacity: Option<usize>,
}

impl MemSink {
    pub fn new() -> MemSink {
        MemSink::default()
    }

    /// A sink that refuses a write once it would hold more than `bytes` in all.
    pub fn with_capacity(bytes: usize) -> MemSink {
        MemSink {
            capacity: Some(bytes),
            ..MemSink::default()
        }
    }

    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Sink for MemSink {
    fn write(&self, path: &str, bytes: &[u8], _mode: Option<u32>) -> Result<(), SinkError> {
        if !paths::is_build_path(path) {
            return Err(SinkError::Outside { path: path.into() });
        }
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(capacity) = self.capacity {
            let held: usize = files
                .iter()
                .filter(|(p, _)| *p != path)
                .map(|(_, b)| b.len())
                .sum();
            if held + bytes.len() > capacity {
                return Err(SinkError::Write {
                    path: path.into(),
                    source: io::Error::new(io::ErrorKind::StorageFull, "no space left on device"),
                });
            }
        }
        files.insert(path.into(), bytes.to_vec());
        Ok(())
    }

    fn copy_from(&self, path: &str, from: &Path) -> Result<(), SinkError> {
        let bytes = std::fs::read(from).map_err(|source| SinkError::Write {
            path: path.into(),
            source,
        })?;
        self.write(path, &bytes, None)
    }

    fn remove(&self, path: &str) -> Result<(), SinkError> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(path);
        Ok(())
    }

    fn copy_os(&self, rel: &Path, from: &Path) -> Result<(), SinkError> {
        let name = rel.to_string_lossy().into_owned();
        self.copy_from(&name, from)
    }

    fn holds(&self, path: &str, bytes: &[u8]) -> bool {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(path)
            .is_some_and(|b| b == bytes)
    }

    fn list(&self) -> Vec<String> {
        self.files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }

    fn clean_leftovers(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_inside_and_refuses_outside() {
        let dir = tempfile::tempdir().unwrap();
        let sink = DirSink::create(&dir.path().join("out")).unwrap();
        sink.write("assets/a.js", b"x", None).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("out/assets/a.js")).unwrap(),
            b"x"
        );
        for bad in ["../escape.js", "/etc/passwd", "a/../../b", ""] {
            assert!(
                matches!(sink.write(bad, b"x", None), Err(SinkError::Outside { .. })),
                "{bad}"
            );
        }
        assert!(!dir.path().join("escape.js").exists());
    }

    #[cfg(unix)]
    #[test]
    fn never_writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir(&outside).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("assets")).unwrap();
        std::os::unix::fs::symlink(outside.join("f.js"), out.join("f.js")).unwrap();
        let sink = DirSink::create(&out).unwrap();
        let err = sink.write("assets/a.js", b"x", None).unwrap_err();
        assert!(matches!(err, SinkError::Symlink { ref link, .. } if link == "assets"));
        assert!(matches!(
            sink.write("f.js", b"x", None),
            Err(SinkError::Symlink { .. })
        ));
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_full_sink_says_so() {
        let sink = MemSink::with_capacity(4);
        sink.write("a", b"abc", None).unwrap();
        let err = sink.write("b", b"de", None).unwrap_err();
        assert!(err.is_disk_full());
        assert_eq!(err.path(), "b");
        assert_eq!(sink.files().len(), 1);
    }
}
