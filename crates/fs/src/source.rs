//! Where build files come from. Every stage after ingest reads through [`FileSource`], so it can
//! be tested on an in-memory build ([`MemSource`]) as well as on disk ([`FsSource`]).

use crate::paths;
use distill_graph::{Code, Diagnostic};
use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The files of a build folder, by relative `/`-separated path.
pub trait FileSource: Sync {
    /// Every regular file under the root, sorted, except inside folders for which `skip_dir`
    /// (given the folder's relative path) is true. Problems met on the way are diagnostics,
    /// never a failure: the rest of the folder is still listed.
    fn walk(&self, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Diagnostic>);

    /// The bytes of one file. `path` must be a build path ([`paths::is_build_path`]); anything
    /// that could leave the root, or that is not a regular file, is refused.
    fn read(&self, path: &str) -> io::Result<Vec<u8>>;

    fn is_file(&self, path: &str) -> bool;

    /// The size of one file in bytes, without reading it.
    fn len(&self, path: &str) -> io::Result<u64>;

    /// [`FileSource::read`] into `buf` (cleared first), so a caller reading many large files
    /// can reuse one allocation.
    fn read_into(&self, path: &str, buf: &mut Vec<u8>) -> io::Result<()> {
        *buf = self.read(path)?;
        Ok(())
    }
}

/// A build folder on disk.
///
/// Every query resolves the whole path (symlinks in any component included) and refuses it
/// unless it stays inside the folder: a `.vite` that is a link to another folder is as foreign
/// as a file that is one. Only regular files are read; a FIFO or a device is never opened for
/// reading in a way that could block.
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
        let canonical_root = root.canonicalize().map_err(|e| {
            Diagnostic::error(
                Code::InputUnreadable,
                format!("cannot resolve the build folder: {e}"),
            )
            .at(root.display().to_string())
        })?;
        Ok(FsSource {
            root: root.to_path_buf(),
            canonical_root,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder with every symlink resolved: what containment is checked against.
    pub fn canonical_root(&self) -> &Path {
        &self.canonical_root
    }

    /// The real location of a build path, checked to be inside the root.
    fn resolve(&self, path: &str) -> io::Result<PathBuf> {
        if !paths::is_build_path(path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{path}` is not a path inside the build folder"),
            ));
        }
        let real = self.canonical_root.join(path).canonicalize()?;
        if !real.starts_with(&self.canonical_root) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "a symbolic link on the way leads outside the build folder",
            ));
        }
        Ok(real)
    }

    /// Whether a path found by walking resolves inside the build folder.
    fn inside(&self, path: &Path) -> bool {
        path.canonicalize()
            .map(|p| p.starts_with(&self.canonical_root))
            .unwrap_or(false)
    }
}

fn not_regular(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}, not a regular file"),
    )
}

/// What a non-regular file is, for messages.
fn special_kind(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

/// Opens a regular file for reading without ever blocking on a FIFO swapped in at the last
/// moment: the open does not wait for a writer, and the opened file is checked again.
fn open_regular(real: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(real)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular(special_kind(meta.file_type())));
    }
    Ok(file)
}

/// Reads a file the user named (a budgets file, a baseline, a cache entry): refused, never
/// blocked on, when it is a FIFO, a device or a folder, and when it is larger than `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let file = open_regular(path)?;
    let len = file.metadata()?.len();
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("is {len} bytes, over the {limit}-byte limit for this kind of file"),
        ));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // The file may grow after the check: read at most one byte past the limit to notice.
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("is over the {limit}-byte limit for this kind of file"),
        ));
    }
    Ok(bytes)
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
                    let eloop = err
                        .io_error()
                        .and_then(io::Error::raw_os_error)
                        .is_some_and(is_eloop);
                    let d = if err.loop_ancestor().is_some() || eloop {
                        Diagnostic::warning(
                            Code::InputSymlinkLoop,
                            "symbolic link loops back on itself or to a parent folder; not followed",
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
            let ft = entry.file_type();
            if ft.is_dir() {
                if skip_dir(&path) {
                    it.skip_current_dir();
                }
            } else if ft.is_file() {
                files.push(path);
            } else {
                diags.push(
                    Diagnostic::warning(
                        Code::InputNotAFile,
                        format!("is {}, not a regular file; skipped", special_kind(ft)),
                    )
                    .at(path)
                    .hint("a build folder holds regular files; remove it from the output"),
                );
            }
        }
        files.sort();
        (files, diags)
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.read_into(path, &mut bytes)?;
        Ok(bytes)
    }

    fn read_into(&self, path: &str, buf: &mut Vec<u8>) -> io::Result<()> {
        let real = self.resolve(path)?;
        let mut file = open_regular(&real)?;
        buf.clear();
        // Sized up front: a 6 MB map read into a growing Vec is copied and faulted in ~20 times.
        let len = file.metadata().map_or(0, |m| m.len());
        buf.reserve(usize::try_from(len).unwrap_or(0).saturating_add(1));
        file.read_to_end(buf)?;
        Ok(())
    }

    fn len(&self, path: &str) -> io::Result<u64> {
        let real = self.resolve(path)?;
        let meta = std::fs::metadata(real)?;
        if !meta.is_file() {
            return Err(not_regular(special_kind(meta.file_type())));
        }
        Ok(meta.len())
    }

    fn is_file(&self, path: &str) -> bool {
        self.resolve(path)
            .and_then(std::fs::metadata)
            .is_ok_and(|m| m.is_file())
    }
}

#[cfg(unix)]
fn is_eloop(code: i32) -> bool {
    code == libc::ELOOP
}

#[cfg(not(unix))]
fn is_eloop(_: i32) -> bool {
    false
}

/// A build held in memory, for tests of every stage.
#[derive(Debug, Default, Clone)]
pub struct MemSource {
    files: BTreeMap<String, Result<Arc<[u8]>, String>>,
}

impl MemSource {
    pub fn new() -> MemSource {
        MemSource::default()
    }

    pub fn with(mut self, path: &str, bytes: impl Into<Vec<u8>>) -> MemSource {
        self.files
            .insert(path.to_owned(), Ok(Arc::from(bytes.into())));
        self
    }

    /// A file that is listed but fails to read with `message`.
    pub fn unreadable(mut self, path: &str, message: &str) -> MemSource {
        self.files.insert(path.to_owned(), Err(message.to_owned()));
        self
    }
}

/// Whether any folder above `path` is skipped.
pub(crate) fn in_skipped_dir(path: &str, skip_dir: &dyn Fn(&str) -> bool) -> bool {
    let mut end = 0;
    while let Some(i) = path[end..].find('/') {
        end += i;
        if skip_dir(&path[..end]) {
            return true;
        }
        end += 1;
    }
    false
}

impl FileSource for MemSource {
    fn walk(&self, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Diagnostic>) {
        let files = self
            .files
            .keys()
            .filter(|path| !in_skipped_dir(path, skip_dir))
            .cloned()
            .collect();
        (files, Vec::new())
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        match self.files.get(path) {
            Some(Ok(bytes)) => Ok(bytes.to_vec()),
            Some(Err(message)) => Err(io::Error::other(message.clone())),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no file `{path}`"),
            )),
        }
    }

    fn len(&self, path: &str) -> io::Result<u64> {
        match self.files.get(path) {
            Some(Ok(bytes)) => Ok(bytes.len() as u64),
            _ => self.read(path).map(|b| b.len() as u64),
        }
    }

    fn is_file(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_dirs_hide_their_files() {
        let src = MemSource::new()
            .with("cache/a.js", "x")
            .with("static/cache/b.js", "x")
            .with("c.js", "x");
        let (files, _) = src.walk(&|d| d == "cache");
        assert_eq!(files, ["c.js", "static/cache/b.js"]);
    }

    #[cfg(unix)]
    #[test]
    fn links_out_are_refused_in_any_component() {
        let outer = tempfile::tempdir().unwrap();
        let secret = outer.path().join("secret");
        std::fs::create_dir_all(&secret).unwrap();
        #[allow(clippy::disallowed_methods, reason = "test input")]
        std::fs::write(secret.join("manifest.json"), "{}").unwrap();
        let dist = outer.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::os::unix::fs::symlink(&secret, dist.join(".vite")).unwrap();
        let src = FsSource::open(&dist).unwrap();
        assert!(!src.is_file(".vite/manifest.json"));
        assert!(src.read(".vite/manifest.json").is_err());
        assert!(src.len(".vite/manifest.json").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_reported_and_never_block() {
        let dist = tempfile::tempdir().unwrap();
        let fifo = dist.path().join("x.js");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        let src = FsSource::open(dist.path()).unwrap();
        let (files, diags) = src.walk(&|_| false);
        assert!(files.is_empty());
        assert_eq!(diags[0].code, Code::InputNotAFile);
        assert!(diags[0].message.contains("FIFO"), "{}", diags[0].message);
        assert!(!src.is_file("x.js"));
        assert!(src.read("x.js").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn self_looping_link_is_a_loop() {
        let dist = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("a", dist.path().join("a")).unwrap();
        let src = FsSource::open(dist.path()).unwrap();
        let (_, diags) = src.walk(&|_| false);
        assert_eq!(diags[0].code, Code::InputSymlinkLoop, "{diags:?}");
    }

    #[cfg(unix)]
    #[test]
    fn backslashes_are_part_of_a_name() {
        let dist = tempfile::tempdir().unwrap();
        #[allow(clippy::disallowed_methods, reason = "test input")]
        std::fs::write(dist.path().join("a\\b.js"), "x").unwrap();
        let src = FsSource::open(dist.path()).unwrap();
        let (files, _) = src.walk(&|_| false);
        assert_eq!(files, ["a\\b.js"]);
        assert_eq!(src.read("a\\b.js").unwrap(), b"x");
    }
}
