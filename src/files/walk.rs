//! Finding the Go files to check: PATH arguments as files, directories or
//! Go's `dir/...`, walked with the `ignore` crate (respecting .gitignore and
//! skipping hidden directories, `vendor/`, `testdata/` and nested
//! repositories below a root, and not following symlinks there), returned
//! sorted so output is deterministic.

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Turns a PATH argument into a root: `dir/...` and `./...` mean `dir`.
pub fn root_of(arg: &str) -> PathBuf {
    let trimmed = arg
        .strip_suffix("/...")
        .or_else(|| (arg == "...").then_some("."));
    PathBuf::from(
        trimmed
            .map(|t| if t.is_empty() { "." } else { t })
            .unwrap_or(arg),
    )
}

/// Directory names never descended into below a root.
fn is_skipped_dir(name: &str) -> bool {
    name == "vendor"
        || name == "testdata"
        || (name.starts_with('.') && name != "." && name != "..")
        || name.starts_with('_')
}

/// What a walk found: the files to check, and what it passed over or could
/// not read, which the run reports.
#[derive(Debug, Default)]
pub struct Found {
    /// The `.go` files to check, sorted.
    pub files: Vec<PathBuf>,
    /// Symbolic links below a root named like Go files or pointing to
    /// directories: not followed (a link is never written through), each
    /// with why, so a leak behind one is not silently missed.
    pub skipped: Vec<(PathBuf, String)>,
    /// Entries below a root that could not be read (a directory without
    /// permission): reported, and the rest of the walk goes on.
    pub errors: Vec<(PathBuf, String)>,
}

/// The PATH arguments that are neither a Go file nor a directory in the
/// work tree, with why: they are not checked, and the run warns about each.
pub fn not_go_paths(args: &[String]) -> Vec<(PathBuf, String)> {
    args.iter()
        .map(|a| root_of(a))
        .filter_map(|root| {
            let meta = std::fs::metadata(&root).ok()?;
            if meta.is_dir() {
                return None;
            }
            not_go(&root, &meta).map(|why| (root, why))
        })
        .collect()
}

/// Why an explicit PATH that is not a directory is not checked as Go
/// source, or None when it is a regular file named `*.go`.
fn not_go(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    if !meta.is_file() {
        return Some("not a regular file or a directory".to_string());
    }
    (path.extension().is_none_or(|x| x != "go"))
        .then(|| "not a Go file (no .go extension)".to_string())
}

/// The sorted `.go` files under `args` (default `.`). A missing path is an
/// error; an explicit file is always taken, even under `testdata/`.
pub fn discover(args: &[String]) -> Result<Vec<PathBuf>> {
    find(args).map(|f| f.files)
}

/// [`discover`], with the symlinks it did not follow and the entries it
/// could not read, walked on all cores.
pub fn find(args: &[String]) -> Result<Found> {
    find_with(args, None)
}

/// [`find`] on `threads` walker threads (None: one per core). The order
/// the threads meet entries in does not matter: what is found is sorted.
pub fn find_with(args: &[String], threads: Option<usize>) -> Result<Found> {
    let args: Vec<String> = if args.is_empty() {
        vec![".".to_string()]
    } else {
        args.to_vec()
    };
    let found = Mutex::new(Found::default());
    // Files named as PATHs: the only ones that can be symlinks (the walk
    // takes no link below a PATH).
    let mut named = std::collections::HashSet::new();
    for arg in &args {
        let root = root_of(arg);
        let meta = match std::fs::metadata(&root) {
            Ok(m) => m,
            Err(e) => bail!("{}: {}", root.display(), e),
        };
        if !meta.is_dir() {
            // Not a Go file: `not_go_paths` names it for the warning.
            if not_go(&root, &meta).is_none() {
                lock(&found).files.push(clean(&root));
                named.insert(clean(&root));
            }
            continue;
        }
        // A cached run is mostly this walk (a listing of each directory):
        // every core takes a share. The parallel walker also tells which
        // ignore files a directory has from its listing, where the other
        // probed for each one.
        let walker = ignore::WalkBuilder::new(&root)
            .hidden(false)
            .parents(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .threads(threads.unwrap_or(0))
            .filter_entry(|e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                let is_link = e.file_type().is_some_and(|t| t.is_symlink());
                e.depth() == 0
                    || !(is_dir || is_link)
                    || !(is_skipped_dir(&e.file_name().to_string_lossy())
                        // A submodule or other nested repository is its own
                        // project: --apply sees only its gitlink, so a dry
                        // run must not show (or --write make) edits in it.
                        || is_dir && e.path().join(".git").exists())
            })
            .build_parallel();
        walker.run(|| {
            let (found, root) = (&found, &root);
            Box::new(move |entry| {
                take(entry, root, found);
                ignore::WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.files = one_name_per_file(found.files, &named);
    found.skipped.sort();
    found.skipped.dedup();
    found.errors.sort();
    found.errors.dedup();
    Ok(found)
}

/// Notes one entry of the walk below `root` in `found`: a Go file, a
/// symlink not followed, or an entry that could not be read.
fn take(entry: Result<ignore::DirEntry, ignore::Error>, root: &Path, found: &Mutex<Found>) {
    let entry = match entry {
        Ok(e) => e,
        Err(e) => {
            // An unreadable directory: say so and keep walking.
            let (path, why) = walk_error(&e);
            lock(found).errors.push((clean(path.unwrap_or(root)), why));
            return;
        }
    };
    let path = entry.path();
    let is_go = path.extension().is_some_and(|x| x == "go");
    if entry.path_is_symlink() && entry.depth() > 0 {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        let why = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Some(format!(
                "symbolic link to the directory {target}: not followed below a PATH; name it to check it"
            )),
            Ok(_) if is_go => Some(format!(
                "symbolic link to {target}: not followed below a PATH; name it to check it (a link is never written through)"
            )),
            Err(e) if is_go => Some(format!(
                "symbolic link to {target} that does not resolve ({e}): not followed"
            )),
            _ => None,
        };
        if let Some(why) = why {
            lock(found).skipped.push((clean(path), why));
        }
        return;
    }
    if entry.file_type().is_some_and(|t| t.is_file()) && is_go {
        lock(found).files.push(clean(path));
    }
}

/// The walk's findings, shared by its threads; a thread that panicked
/// while holding them left nothing half-written (each push is whole).
fn lock(found: &Mutex<Found>) -> std::sync::MutexGuard<'_, Found> {
    found.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sorted paths, one per file: `real/a.go` and `link/a.go` (through a
/// symlinked directory named as a second PATH) are one file, which would
/// otherwise be diffed twice (a patch `git apply` rejects) and written twice
/// (the second write refused as changed on disk). The spelling kept is one
/// that is not itself a symlink and goes through no symlinked directory,
/// when there is one.
fn one_name_per_file(
    files: Vec<PathBuf>,
    named: &std::collections::HashSet<PathBuf>,
) -> Vec<PathBuf> {
    // A file that is not a link resolves to its directory's real path and
    // its name: each directory is resolved once, not once per file.
    // The walk yields a directory's files together: the last directory
    // resolved is mostly the next one's.
    let mut last = None;
    let mut real = |p: &Path, link: bool| -> Option<PathBuf> {
        let (Some(dir), Some(name), false) = (p.parent(), p.file_name(), link) else {
            return std::fs::canonicalize(p).ok();
        };
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        crate::files::source::real_dir_after(dir, &mut last).map(|d| d.join(name))
    };
    let mut keyed: Vec<(PathBuf, bool, bool, PathBuf)> = files
        .into_iter()
        .map(|p| {
            // An lstat per file was 4 % of a cached run: only named files ask.
            let link = named.contains(&p) && p.is_symlink();
            let canon = real(&p, link).unwrap_or_else(|| p.clone());
            let via_link = crate::files::source::absolute(&p).map_or(true, |a| a != canon);
            (canon, link, via_link, p)
        })
        .collect();
    keyed.sort();
    keyed.dedup_by(|later, first| later.0 == first.0);
    let mut out: Vec<PathBuf> = keyed.into_iter().map(|k| k.3).collect();
    out.sort();
    out
}

/// The path an error of the walk is about, and what went wrong there.
fn walk_error(e: &ignore::Error) -> (Option<&Path>, String) {
    match e {
        ignore::Error::WithPath { path, err } => (Some(path), walk_error(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error(err)
        }
        // "Permission denied (os error 13)", without the path again (the
        // io::Error may wrap walkdir's error, which repeats the path).
        ignore::Error::Io(err) => {
            let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
            while let Some(c) = cause {
                if let Some(code) = c
                    .downcast_ref::<std::io::Error>()
                    .and_then(|e| e.raw_os_error())
                {
                    return (None, std::io::Error::from_raw_os_error(code).to_string());
                }
                cause = c.source();
            }
            (None, err.to_string())
        }
        other => (None, other.to_string()),
    }
}

/// Drops `.` components, so `./a.go` and `a.go` are one file.
fn clean(p: &Path) -> PathBuf {
    let out: PathBuf = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_dot_dot_dot_forms() {
        assert_eq!(root_of("./..."), PathBuf::from("."));
        assert_eq!(root_of("..."), PathBuf::from("."));
        assert_eq!(root_of("svc/..."), PathBuf::from("svc"));
        assert_eq!(root_of("svc"), PathBuf::from("svc"));
    }
}
