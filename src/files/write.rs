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
    let tmp = written_beside(path, new, false)?;
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

/// Why `path` cannot take an output file (a PR body, a report), checked
/// before a run changes anything: its directory must exist and accept a
/// new file, which is tried by making one and removing it at once, so
/// permissions, ACLs and read-only mounts all count as they will for the
/// write; and `path` itself must not be a directory. Nothing is created
/// or truncated at `path`.
pub fn check_output_path(path: &Path) -> Result<()> {
    let dir = parent_dir(path);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => bail!("{}: {} is not a directory", path.display(), dir.display()),
        Err(e) => bail!("{}: directory {}: {e}", path.display(), dir.display()),
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        bail!("{}: is a directory", path.display());
    }
    let probe = temp_beside(path, false)?;
    probe
        .close()
        .with_context(|| format!("{}: cannot remove the probe file", path.display()))
}

fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Output files written all or none: each is first written in full to a
/// temporary file beside its target ([`Staged::add`]), and only when
/// every other step of the run has worked are all renamed into place
/// ([`Staged::persist`]). Dropped unpersisted, it leaves nothing behind.
#[derive(Default)]
pub struct Staged {
    files: Vec<(tempfile::NamedTempFile, std::path::PathBuf)>,
}

impl Staged {
    /// Writes `bytes` for `path` to a temporary file in its directory.
    pub fn add(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        let tmp = written_beside(path, bytes, std::fs::metadata(path).is_err())?;
        // An existing output file keeps its mode.
        if let Ok(m) = std::fs::metadata(path) {
            std::fs::set_permissions(tmp.path(), m.permissions())
                .with_context(|| format!("{}: cannot set permissions", path.display()))?;
        }
        self.files.push((tmp, path.to_path_buf()));
        Ok(())
    }

    /// Renames every staged file into place and returns the paths. When a
    /// rename fails, the files this call created are removed again (a file
    /// it replaced cannot be brought back) and the error says which.
    pub fn persist(self) -> Result<Vec<std::path::PathBuf>> {
        let mut placed: Vec<(std::path::PathBuf, bool)> = Vec::new();
        for (tmp, path) in self.files {
            let existed = std::fs::symlink_metadata(&path).is_ok();
            if let Err(e) = tmp.persist(&path) {
                let mut removed = Vec::new();
                for (p, existed) in &placed {
                    if !existed && std::fs::remove_file(p).is_ok() {
                        removed.push(p.display().to_string());
                    }
                }
                let removed = if removed.is_empty() {
                    String::new()
                } else {
                    format!("; removed {} written by this run", removed.join(", "))
                };
                bail!("{}: cannot write: {}{removed}", path.display(), e.error);
            }
            placed.push((path, existed));
        }
        Ok(placed.into_iter().map(|(p, _)| p).collect())
    }
}

/// A new, empty temporary file in `path`'s directory. `as_new`: with the
/// mode a plain write gives a new file (0666 less the umask), for an
/// output file; else a temporary file's own 0600, which the caller
/// narrows or widens to the original's only after writing, so a private
/// file's new contents are never readable by others.
fn temp_beside(path: &Path, as_new: bool) -> Result<tempfile::NamedTempFile> {
    let dir = parent_dir(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".gofix-leaks-").suffix(".tmp");
    #[cfg(unix)]
    if as_new {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).with_context(|| {
        format!(
            "{}: cannot create a temporary file in {}",
            path.display(),
            dir.display()
        )
    })
}

/// A temporary file beside `path` holding `bytes`, synced: what a rename
/// then puts in place whole.
fn written_beside(path: &Path, bytes: &[u8], as_new: bool) -> Result<tempfile::NamedTempFile> {
    let mut tmp = temp_beside(path, as_new)?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write temporary file", path.display()))?;
    Ok(tmp)
}

/// Writes `path` in place (created or truncated), without a temporary
/// file or a sync: only for a file whose every reader checks a checksum
/// the file carries, and makes the file again when it does not match (a
/// cache entry). A reader racing the write, two writers interleaving, a
/// crash halfway: each leaves a file that fails its checksum, never one
/// that is trusted. A temporary file and a rename per entry doubled the
/// cost of a first run on a filesystem where creating a file is dear.
/// Its directory is made only when missing: a first run writes two files
/// a package, and making sure of the directory before each was two system
/// calls more per file.
pub fn overwrite_checked(path: &Path, bytes: &[u8]) -> Result<()> {
    let written = match std::fs::write(path, bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match path.parent() {
            Some(dir) => std::fs::create_dir_all(dir).and_then(|_| std::fs::write(path, bytes)),
            None => Err(e),
        },
        written => written,
    };
    written.with_context(|| format!("{}: cannot write", path.display()))
}

/// `body` framed as [`overwrite_checked`]'s readers check it: the line
/// `format`, a line with the hash of `body`, then `body`.
pub fn sealed(format: &str, body: &[u8]) -> Vec<u8> {
    let hash = crate::files::pinned::content_hash(body);
    let mut bytes = format!("{format}\n{hash:032x}\n").into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The body of `bytes` that [`sealed`] framed as `format`; None for
/// another format, or bytes the hash does not fit (short, garbled).
pub fn unsealed<'a>(format: &str, bytes: &'a [u8]) -> Option<&'a [u8]> {
    let rest = bytes.strip_prefix(format.as_bytes())?.strip_prefix(b"\n")?;
    let at = memchr::memchr(b'\n', rest)?;
    let (sum, body) = (&rest[..at], &rest[at + 1..]);
    let hash = crate::files::pinned::content_hash(body);
    (sum == format!("{hash:032x}").as_bytes()).then_some(body)
}

/// Writes one output file whole, as [`Staged`] does for several: a reader
/// never sees half a report.
pub fn replace_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut staged = Staged::default();
    staged.add(path, bytes)?;
    staged.persist().map(|_| ())
}
