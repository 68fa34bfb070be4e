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
    let dir = parent_dir(path);
    let tmp = temp_with(path, dir, new)?;
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
    persist(tmp, path)
}

/// Writes `new` to `path`, creating it or replacing what is there, with the
/// same temp file and rename as [`write_atomic`], so a reader (or a crash)
/// sees the old file or the new one. For the tool's own outputs (a
/// baseline): an existing file keeps its permissions, a new one gets 0644.
pub fn write_file_atomic(path: &Path, new: &[u8]) -> Result<()> {
    let tmp = temp_with(path, parent_dir(path), new)?;
    let perms = match std::fs::metadata(path) {
        Ok(m) => Some(m.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(p) = perms {
        std::fs::set_permissions(tmp.path(), p)
            .with_context(|| format!("{}: cannot set permissions", path.display()))?;
    }
    persist(tmp, path)
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A synced temp file beside `path` holding `new`.
fn temp_with(path: &Path, dir: &Path, new: &[u8]) -> Result<tempfile::NamedTempFile> {
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
    tmp.write_all(new)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write temporary file", path.display()))?;
    Ok(tmp)
}

fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("{}: cannot replace the file", path.display()))?;
    Ok(())
}

/// A new output file is readable by all (0644), like the files `git`
/// checks out; the temp file itself is private (0600).
#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}
