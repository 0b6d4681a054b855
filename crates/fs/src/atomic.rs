//! The one way distill replaces a file: the new bytes go to a temporary file in the destination's
//! folder, which is renamed over the destination once complete. An interrupted run leaves either
//! the old file or the new one, never half of one.
//!
//! Temporary files are named `.distill-tmp-*` and registered while they exist, so a signal
//! handler can remove them ([`remove_temporary_files`]); one left behind by `SIGKILL` is
//! recognised by its name ([`is_temporary`]) and cleaned up by the next run that writes there.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The prefix of every temporary file distill creates.
pub const TEMP_PREFIX: &str = ".distill-tmp-";

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Whether a file name is one of our temporary files.
pub fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX)
}

/// Removes every temporary file this process has not finished yet; for signal handlers.
pub fn remove_temporary_files() {
    let live = LIVE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for path in live.iter() {
        let _ = std::fs::remove_file(path);
    }
}

/// What a temporary file becomes once renamed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Finish {
    /// Unix permission bits of the new file.
    pub mode: u32,
    /// Flush to the disk before the rename (reports: yes; a build's files: the rename alone
    /// already guarantees old-or-new after a crash of this process).
    pub sync: bool,
}

/// Writes `render`'s output to a temporary file beside `path`, then renames it over `path`.
/// The folder must exist.
pub(crate) fn replace(
    path: &Path,
    finish: Finish,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    let tmp_path = tmp.path().to_path_buf();
    register(&tmp_path);
    let result = (|| {
        let mut tmp = tmp;
        {
            let mut buffered = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
            render(&mut buffered)?;
            buffered.flush()?;
        }
        set_mode(tmp.as_file(), finish.mode)?;
        if finish.sync {
            tmp.as_file().sync_all()?;
        }
        tmp.persist(path).map_err(|e| e.error)?;
        Ok(())
    })();
    unregister(&tmp_path);
    result
}

/// Puts the content of `from` at `target` atomically: a hard link when both are on one file
/// system (an unchanged file of a 80 MB build costs nothing to "copy"), else a copy. Either way
/// through a temporary name renamed into place, so `target` is never half there. Later writes
/// by distill replace files by renaming too, so they never change the linked original.
pub(crate) fn link_or_copy(target: &Path, from: &Path) -> io::Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let tmp = dir.join(format!(
        "{TEMP_PREFIX}link-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    register(&tmp);
    let linked = std::fs::hard_link(from, &tmp).and_then(|()| std::fs::rename(&tmp, target));
    if linked.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    unregister(&tmp);
    if linked.is_ok() {
        return Ok(());
    }
    let mut input = std::fs::File::open(from)?;
    let finish = Finish {
        mode: mode_of(from, 0o644),
        sync: false,
    };
    replace(target, finish, |out| io::copy(&mut input, out).map(drop))
}

/// The mode a replaced file keeps: its own when it exists, else `default`.
pub(crate) fn mode_of(path: &Path, default: u32) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).map_or(default, |m| m.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        default
    }
}

fn set_mode(file: &std::fs::File, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (file, mode);
        Ok(())
    }
}

fn register(path: &Path) {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(path.to_path_buf());
}

fn unregister(path: &Path) {
    let mut live = LIVE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(i) = live.iter().position(|p| p == path) {
        live.swap_remove(i);
    }
}

/// Replaces `path` with `bytes` atomically, keeping its mode (0644 for a new file). For files
/// distill owns (cache entries); build files go through [`crate::Sink`], reports through
/// [`crate::output`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let finish = Finish {
        mode: mode_of(path, 0o644),
        sync: false,
    };
    replace(path, finish, |out| out.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Other tests write concurrently: only this folder's temporary files must be gone.
        assert!(
            !LIVE
                .lock()
                .unwrap()
                .iter()
                .any(|p| p.starts_with(dir.path()))
        );
    }

    #[test]
    fn a_failed_render_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"old").unwrap();
        let err = replace(
            &path,
            Finish {
                mode: 0o644,
                sync: false,
            },
            |out| {
                out.write_all(b"half")?;
                Err(io::Error::other("disk full"))
            },
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn mode_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&path, b"y").unwrap();
        assert_eq!(mode(&path), 0o600);
    }
}
