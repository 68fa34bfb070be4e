//! Writing fixes in place, atomically: a temp file in the same directory,
//! the original's permissions, then a rename over the original. A file whose
//! bytes changed since it was read is left alone.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::Path;

pub fn write_atomic(path: &Path, expected_old: &[u8], new: &[u8]) -> Result<()> {
    let meta = std::fs::symlink_metadata(path)
        .with_context(|| format!("{}: cannot stat", path.display()))?;
    if meta.file_type().is_symlink() {
        bail!(
            "{}: is a symbolic link; not written through",
            path.display()
        );
    }
    let current = std::fs::read(path)
        .with_context(|| format!("{}: cannot re-read before writing", path.display()))?;
    if current != expected_old {
        bail!(
            "{}: changed on disk since it was read; not overwritten",
            path.display()
        );
    }
    let tmp = temp_beside(path, new)?;
    // The rename gives the file the temp file's owner. Keep the original's
    // where this user may (root fixing another user's file; a group it is
    // in), before the mode, which a chown can clear setuid bits from.
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, fchown};
        let file = tmp.as_file();
        if let Ok(t) = file.metadata()
            && (t.uid(), t.gid()) != (meta.uid(), meta.gid())
            && fchown(file, Some(meta.uid()), Some(meta.gid())).is_err()
        {
            let _ = fchown(file, None, Some(meta.gid()));
        }
    }
    std::fs::set_permissions(tmp.path(), meta.permissions())
        .with_context(|| format!("{}: cannot copy permissions", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot replace the file", path.display()))?;
    Ok(())
}

/// Writes `bytes` to `path` (a report, not a source file) through a temp
/// file in the same directory renamed over it, so a reader never sees half
/// a report. A file already there keeps its permissions; a new one gets
/// 0644, since a temp file starts as 0600.
pub fn replace_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_beside(path, bytes)?;
    let perms = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        #[cfg(unix)]
        Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o644),
        #[cfg(not(unix))]
        Err(_) => tmp.as_file().metadata()?.permissions(),
    };
    std::fs::set_permissions(tmp.path(), perms)
        .with_context(|| format!("{}: cannot set permissions", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// A temp file in `path`'s directory (so the rename cannot cross file
/// systems) holding `bytes`, synced to disk.
fn temp_beside(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".gofix-leaks-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "{}: cannot create a temporary file in {}",
                path.display(),
                dir.display()
            )
        })?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write temporary file", path.display()))?;
    Ok(tmp)
}
