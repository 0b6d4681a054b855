//! Where build files come from. Every stage after ingest reads through [`FileSource`], so it can
//! be tested on an in-memory build ([`MemSource`]) as well as on disk ([`FsSource`]).

use crate::paths;
use distill_graph::{Code, Diagnostic};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// The files of a build folder, by relative `/`-separated path.
pub trait FileSource: Sync {
    /// Every regular file under the root, sorted, except inside folders for which `skip_dir`
    /// (given the folder's relative path) is true. Problems met on the way are diagnostics,
    /// never a failure: the rest of the folder is still listed.
    fn walk(&self, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Diagnostic>);

    /// The bytes of one file. `path` must be a normalized relative path; anything that could
    /// leave the root is refused.
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;

    fn is_file(&self, path: &str) -> bool;

    /// The size of one file in bytes, without reading it.
    fn len(&self, path: &str) -> io::Result<u64>;
}

/// A build folder on disk.
#[derive(Debug)]
pub struct FsSource {
    root: PathBuf,
    canonical_root: PathBuf,
}

impl FsSource {
    /// Opens `root`, which must be an existing folder.
    pub fn open(root: &Path) -> Result<FsSource, Diagnostic> {
        let meta = std::fs::metadata(root).map_err(|e| {
            Diagnostic::error(Code::InputNotFound, format!("cannot open the build folder: {e}"))
                .at(root.display().to_string())
                .hint("run your build first, or pass the folder it writes to (dist/, .next/, build/, out/)")
        })?;
        if !meta.is_dir() {
            return Err(Diagnostic::error(Code::InputNotFound, "not a folder")
                .at(root.display().to_string())
                .hint("pass the folder your build writes to, not a file inside it"));
        }
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        Ok(FsSource {
            root: root.to_path_buf(),
            canonical_root,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn full(&self, path: &str) -> io::Result<PathBuf> {
        if paths::normalize(path).as_deref() != Some(path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{path}` is not a path inside the build folder"),
            ));
        }
        Ok(self.root.join(path))
    }

    /// Whether a symlink's target stays inside the build folder.
    fn inside(&self, path: &Path) -> bool {
        path.canonicalize()
            .map(|p| p.starts_with(&self.canonical_root))
            .unwrap_or(false)
    }
}

impl FileSource for FsSource {
    fn walk(&self, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Diagnostic>) {
        let mut files = Vec::new();
        let mut diags = Vec::new();
        let rel = |p: &Path| -> Option<String> {
            let r = p.strip_prefix(&self.root).ok()?;
            let s = r.to_str()?;
            Some(s.replace(std::path::MAIN_SEPARATOR, "/"))
        };
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(true)
            .sort_by_file_name();
        let mut it = walker.into_iter();
        while let Some(entry) = it.next() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let at = err
                        .path()
                        .and_then(rel)
                        .unwrap_or_else(|| self.root.display().to_string());
                    let d = if err.loop_ancestor().is_some() {
                        Diagnostic::warning(
                            Code::InputSymlinkLoop,
                            "symbolic link loops back to a parent folder; not followed",
                        )
                        .hint("remove the link from the build output")
                    } else {
                        Diagnostic::warning(Code::InputUnreadable, format!("cannot read: {err}"))
                            .hint("check the file permissions; the rest of the build is analyzed without it")
                    };
                    diags.push(d.at(at));
                    continue;
                }
            };
            if entry.depth() == 0 {
                continue;
            }
            let Some(path) = rel(entry.path()) else {
                let lossy = entry
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap_or(entry.path());
                diags.push(
                    Diagnostic::warning(
                        Code::InputNonUtf8Name,
                        "file name is not valid UTF-8; skipped",
                    )
                    .at(lossy.to_string_lossy().into_owned())
                    .hint("rename the file: URLs and budgets need UTF-8 names"),
                );
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            };
            if entry.path_is_symlink() && !self.inside(entry.path()) {
                diags.push(
                    Diagnostic::info(
                        Code::InputSymlinkOutside,
                        "symbolic link points outside the build folder; not followed",
                    )
                    .at(path),
                );
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                continue;
            }
            if entry.file_type().is_dir() {
                if skip_dir(&path) {
                    it.skip_current_dir();
                }
            } else if entry.file_type().is_file() {
                files.push(path);
            }
        }
        files.sort();
        (files, diags)
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        let full = self.full(path)?;
        if full.is_symlink() && !self.inside(&full) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "symbolic link leads outside the build folder",
            ));
        }
        std::fs::read(full)
    }

    fn len(&self, path: &str) -> io::Result<u64> {
        let full = self.full(path)?;
        if full.is_symlink() && !self.inside(&full) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "symbolic link leads outside the build folder",
            ));
        }
        Ok(std::fs::metadata(full)?.len())
    }

    fn is_file(&self, path: &str) -> bool {
        match self.full(path) {
            Ok(full) => full.is_file() && (!full.is_symlink() || self.inside(&full)),
            Err(_) => false,
        }
    }
}

/// A build held in memory, for tests of every stage.
#[derive(Debug, Default, Clone)]
pub struct MemSource {
    files: BTreeMap<String, Result<Vec<u8>, String>>,
}

impl MemSource {
    pub fn new() -> MemSource {
        MemSource::default()
    }

    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> MemSource {
        self.files.insert(path.to_owned(), Ok(bytes.into()));
        self
    }

    /// A file that is listed but fails to read with `message`.
    pub fn unreadable(mut self, path: &str, message: &str) -> MemSource {
        self.files.insert(path.to_owned(), Err(message.to_owned()));
        self
    }
}

impl FileSource for MemSource {
    fn walk(&self, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Diagnostic>) {
        let files = self
            .files
            .keys()
            .filter(|path| {
                let mut dir = String::new();
                for part in path
                    .split('/')
                    .collect::<Vec<_>>()
                    .split_last()
                    .map(|(_, d)| d)
                    .unwrap_or(&[])
                {
                    if !dir.is_empty() {
                        dir.push('/');
                    }
                    dir.push_str(part);
                    if skip_dir(&dir) {
                        return false;
                    }
                }
                true
            })
            .cloned()
            .collect();
        (files, Vec::new())
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(Ok(bytes)) => Ok(bytes.clone()),
            Some(Err(message)) => Err(io::Error::other(message.clone())),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no file `{path}`"),
            )),
        }
    }

    fn len(&self, path: &str) -> io::Result<u64> {
        self.read(path).map(|b| b.len() as u64)
    }

    fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
}
