//! The only place distill writes files. Every write is atomic: the bytes go to a temporary file
//! in the destination folder, which is renamed over the destination once complete, so an
//! interrupted run leaves either the old file or the new one, never half of one.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

pub fn write_atomic(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".distill-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    {
        let mut buffered = std::io::BufWriter::new(tmp.as_file_mut());
        render(&mut buffered).with_context(|| format!("cannot write {}", path.display()))?;
        buffered
            .flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // Temporary files are private (0600); a report is an ordinary file: keep the mode of the
    // file being replaced, else the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
