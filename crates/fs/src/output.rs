//! Reports go where the user says: `--json report.json`, `--format junit=/dev/stdout`,
//! `--html /tmp/fifo`. What is at that path decides how it is written:
//!
//! - nothing, or a regular file: replaced atomically (temporary file + rename), keeping its mode;
//! - a device, FIFO or socket, or anything under `/dev/` or `/proc/` (`/dev/stdout` is a link to
//!   the process's own descriptor): written through, never replaced, so `--json /dev/null` run as
//!   root leaves `/dev/null` alone;
//! - a symbolic link: followed; the file it points to is replaced and the link stays. A link to
//!   nothing is refused: writing would create a file wherever it points.
//! - a folder: refused.
//!
//! [`check_targets`] refuses, before any work, a report path that is a file of the build being
//! read or that two outputs share.

use crate::atomic::{self, Finish};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// Why a report was not written; every variant names the path as the user gave it.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: is a folder; name a file", path.display())]
    IsFolder { path: PathBuf },
    #[error("{}: is a symbolic link to {}, which does not exist; refused", path.display(), target.display())]
    DanglingLink { path: PathBuf, target: PathBuf },
    #[error("{}: is a file of the build being read ({}); refused", path.display(), input)]
    BuildInput { path: PathBuf, input: String },
    #[error("{}: two outputs would be written to the same file", path.display())]
    SamePath { path: PathBuf },
}

impl OutputError {
    pub fn path(&self) -> &Path {
        match self {
            OutputError::Write { path, .. }
            | OutputError::IsFolder { path }
            | OutputError::DanglingLink { path, .. }
            | OutputError::BuildInput { path, .. }
            | OutputError::SamePath { path } => path,
        }
    }

    /// `true` for refusals decided before writing (the user's to fix), `false` for I/O failures.
    pub fn is_refusal(&self) -> bool {
        !matches!(self, OutputError::Write { .. })
    }
}

/// How a path is written.
enum Target {
    Replace(PathBuf),
    WriteThrough,
}

fn target(path: &Path) -> Result<Target, OutputError> {
    if is_system_path(path) {
        return Ok(Target::WriteThrough);
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Target::Replace(path.to_path_buf()));
        }
        Err(source) => {
            return Err(OutputError::Write {
                path: path.into(),
                source,
            });
        }
    };
    let meta = if meta.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(OutputError::DanglingLink {
                    path: path.into(),
                    target: std::fs::read_link(path).unwrap_or_default(),
                });
            }
            Err(source) => {
                return Err(OutputError::Write {
                    path: path.into(),
                    source,
                });
            }
        }
    } else {
        meta
    };
    if meta.is_dir() {
        return Err(OutputError::IsFolder { path: path.into() });
    }
    if !meta.is_file() {
        return Ok(Target::WriteThrough);
    }
    // A regular file, possibly behind links: replace the file itself, keep the links.
    let real = path.canonicalize().map_err(|source| OutputError::Write {
        path: path.into(),
        source,
    })?;
    Ok(Target::Replace(real))
}

fn is_system_path(path: &Path) -> bool {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut parts = absolute.components();
    matches!(parts.next(), Some(Component::RootDir))
        && matches!(parts.next(), Some(Component::Normal(top)) if top == "dev" || top == "proc")
}

/// Writes `render`'s output to `path` as the module documentation says.
pub fn write(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), OutputError> {
    let wrap = |source| OutputError::Write {
        path: path.into(),
        source,
    };
    match target(path)? {
        Target::WriteThrough => {
            let file = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(wrap)?;
            let mut out = io::BufWriter::new(file);
            render(&mut out).map_err(wrap)?;
            out.flush().map_err(wrap)
        }
        Target::Replace(real) => {
            if let Some(dir) = real.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(wrap)?;
            }
            let finish = Finish {
                mode: atomic::mode_of(&real, 0o644),
                sync: true,
            };
            atomic::replace(&real, finish, render).map_err(wrap)
        }
    }
}

/// Where a path would land: the canonical folder plus the name, for comparing outputs that may
/// not exist yet.
fn landing(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = path.canonicalize() {
        return Some(real);
    }
    let name = path.file_name()?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Some(dir.canonicalize().ok()?.join(name))
}

/// Refuses output paths that are an existing file inside `build` (the folder being read) or
/// that two outputs share. Run before any work, so nothing is measured for a run that would
/// destroy its input.
pub fn check_targets(outputs: &[&Path], build: Option<&Path>) -> Result<(), OutputError> {
    let build = build.and_then(|b| b.canonicalize().ok());
    let mut seen: Vec<PathBuf> = Vec::new();
    for &path in outputs {
        if is_system_path(path) {
            continue;
        }
        let Some(at) = landing(path) else { continue };
        if seen.contains(&at) {
            return Err(OutputError::SamePath { path: path.into() });
        }
        if let Some(root) = &build
            && let Ok(rel) = at.strip_prefix(root)
            && at.is_file()
        {
            return Err(OutputError::BuildInput {
                path: path.into(),
                input: rel.to_string_lossy().replace('\\', "/"),
            });
        }
        seen.push(at);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &'static str) -> impl FnOnce(&mut dyn Write) -> io::Result<()> {
        move |out| out.write_all(s.as_bytes())
    }

    #[test]
    fn creates_folders_and_replaces_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/a.json");
        write(&path, text("one")).unwrap();
        write(&path, text("two")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        write(&real, text("old")).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, text("new")).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("nowhere/x"), &dangling).unwrap();
        let err = write(&dangling, text("x")).unwrap_err();
        assert!(matches!(err, OutputError::DanglingLink { .. }), "{err}");
        assert!(!dir.path().join("nowhere").exists());
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_written_through() {
        write(Path::new("/dev/null"), text("discarded")).unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(!meta.is_file(), "/dev/null is still a device");
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
        };
        write(&fifo, text("through the pipe")).unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(!std::fs::metadata(&fifo).unwrap().is_file(), "still a FIFO");
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(dir.path(), text("x")).unwrap_err();
        assert!(matches!(err, OutputError::IsFolder { .. }));
    }

    #[test]
    fn inputs_and_shared_paths_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let build = dir.path().join("dist");
        std::fs::create_dir_all(build.join("assets")).unwrap();
        write(&build.join("assets/index.js"), text("code")).unwrap();
        let input = build.join("assets/../assets/index.js");
        let err = check_targets(&[&input], Some(&build)).unwrap_err();
        assert!(
            matches!(err, OutputError::BuildInput { ref input, .. } if input == "assets/index.js"),
            "{err}"
        );
        let a = dir.path().join("r.json");
        let b = dir.path().join("./r.json");
        let err = check_targets(&[&a, &b], Some(&build)).unwrap_err();
        assert!(matches!(err, OutputError::SamePath { .. }));
        let new_in_build = build.join("report.html");
        check_targets(&[&a, &new_in_build, Path::new("/dev/stdout")], Some(&build)).unwrap();
    }
}
