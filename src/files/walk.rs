//! Finding the Go files to check: PATH arguments as files, directories or
//! Go's `dir/...`, walked with the `ignore` crate (respecting .gitignore and
//! skipping hidden directories, `vendor/`, `testdata/` and nested
//! repositories below a root, and not following symlinks there), returned
//! sorted so output is deterministic.

use crate::files::order;
use crate::files::source::{dir_or_dot, known_real_dir, real_dir_after};
use crate::files::walkindex::{self, KeptAt, Pending, Recording};
use anyhow::{Result, bail};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::hash_map::Entry;
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
    /// For each file, the root it was found below, when the walk knows the
    /// file's real path from it (`real_path`).
    below: Vec<Option<u32>>,
    /// Those roots: how many bytes of a file's path spell the root, and
    /// the root's real path.
    roots: Vec<(usize, PathBuf)>,
    /// The walk's index to store once the run has listed its packages
    /// (`Pending::store`), when it walked with one and can keep it.
    pub kept: Option<Pending>,
}

impl Found {
    /// The real path of `files[i]` (through no symlink), when the walk
    /// knows it without asking the file system: the file was found below a
    /// root spelled with names only, and the walk entered every directory
    /// between as a directory, never a link, so the path is the root's
    /// real path and the names below it. Resolving each file's directory
    /// was a fifth of a cached run's instructions.
    pub fn real_path(&self, i: usize) -> Option<PathBuf> {
        real_below(&self.roots, &self.files[i], *self.below.get(i)?)
    }

    /// What [`Found::real_path`] is made of: the index of the root (in
    /// [`Found::root_reals`]) and the path below it, names only.
    pub fn below_root(&self, i: usize) -> Option<(usize, &str)> {
        let r = (*self.below.get(i)?)? as usize;
        let rel = rel_below(&self.roots[r], &self.files[i])?;
        order::names_only(Path::new(rel)).then_some((r, rel))
    }

    /// The real paths of the roots files were found below.
    pub fn root_reals(&self) -> impl Iterator<Item = &Path> {
        self.roots.iter().map(|(_, real)| real.as_path())
    }

    /// Hands the real paths of the files' directories that the walk knows
    /// to `source::real_dir`, which would otherwise resolve each again.
    fn tell_real_dirs(&self) {
        let mut last: Option<&Path> = None;
        for (i, file) in self.files.iter().enumerate() {
            let dir = file.parent().unwrap_or(Path::new(""));
            if last == Some(dir) {
                continue;
            }
            last = Some(dir);
            let real = self.real_path(i);
            if let Some(real_dir) = real.as_deref().and_then(Path::parent) {
                known_real_dir(dir_or_dot(dir), real_dir.to_path_buf());
            }
        }
    }
}

/// [`Found::real_path`] of `file`, found below the known root `below`.
fn real_below(roots: &[(usize, PathBuf)], file: &Path, below: Option<u32>) -> Option<PathBuf> {
    let root = &roots[below? as usize];
    Some(root.1.join(rel_below(root, file)?))
}

/// The path of `file` below the known root `(strip, _)`: the walk made it
/// from the root's spelling, so on the same platform its bytes are the
/// root's, then the names below.
fn rel_below<'f>((strip, _): &(usize, PathBuf), file: &'f Path) -> Option<&'f str> {
    std::str::from_utf8(file.as_os_str().as_encoded_bytes().get(*strip..)?).ok()
}

/// A root directory whose files' real paths the walk knows: one spelled
/// with names only (or `.`), and its real path. Its files are spelled as
/// `clean` makes them: the root's bytes, a `/`, the names below (no
/// separator when the root is `/` or `.`, which `clean` leaves out).
fn known_root(root: &Path) -> Option<(usize, PathBuf)> {
    let spelled = clean(root);
    let real = crate::files::source::real_dir(root)?;
    if spelled == Path::new(".") {
        return Some((0, real));
    }
    let bytes = spelled.as_os_str().as_encoded_bytes();
    if !order::names_only(&spelled) || bytes.is_empty() {
        return None;
    }
    let strip = if bytes.ends_with(b"/") {
        bytes.len()
    } else {
        bytes.len() + 1
    };
    Some((strip, real))
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
    find_kept(args, threads, None)
}

/// [`find_with`], with the walk's index kept `at` (`files::walkindex`):
/// taken from there when its directories have not changed, else walked
/// and recorded (`Found::kept` is then the index to store once the run
/// has listed its packages).
pub fn find_kept(args: &[String], threads: Option<usize>, at: Option<&KeptAt>) -> Result<Found> {
    let args: Vec<String> = if args.is_empty() {
        vec![".".to_string()]
    } else {
        args.to_vec()
    };
    let found = Mutex::new(Walked::default());
    // Files named as PATHs: the only ones that can be symlinks (the walk
    // takes no link below a PATH).
    let mut named = HashSet::new();
    let mut roots = Vec::new();
    // The directories to walk, each with its known root (if it is one).
    let mut dirs: Vec<(PathBuf, Option<u32>)> = Vec::new();
    for arg in &args {
        let root = root_of(arg);
        let meta = match std::fs::metadata(&root) {
            Ok(m) => m,
            Err(e) => bail!("{}: {}", root.display(), e),
        };
        if !meta.is_dir() {
            // Not a Go file: `not_go_paths` names it for the warning.
            if not_go(&root, &meta).is_none() {
                lock(&found).files.push((clean(&root), None));
                named.insert(clean(&root));
            }
            continue;
        }
        let below = known_root(&root).map(|r| {
            roots.push(r);
            roots.len() as u32 - 1
        });
        dirs.push((root, below));
    }
    let spelled: Vec<PathBuf> = dirs.iter().map(|(d, _)| clean(d)).collect();
    // Files named alone are not walked: nothing to keep (a hook run on the
    // files of each commit would leave an index per list).
    let at = at.filter(|_| !dirs.is_empty());
    let mut kept = None;
    match at.and_then(|at| walkindex::load(at, &args, &spelled)) {
        Some(loaded) => {
            let mut walked = lock(&found);
            for (i, file) in loaded.files {
                walked.files.push((file, dirs[i].1));
            }
            for link in loaded.links {
                if let Some(why) = link_note(&link) {
                    walked.skipped.push((link, why));
                }
            }
        }
        None => {
            if at.is_none() {
                walkindex::forget();
            }
            let rec = at.map(|_| std::sync::Arc::new(Recording::start()));
            // Each root's files, for the index.
            let mut of_root = Vec::new();
            for (i, (root, below)) in dirs.iter().enumerate() {
                let before = lock(&found).files.len();
                walk_root(root, *below, threads, rec.clone(), &found);
                let walked = lock(&found);
                of_root.extend(walked.files[before..].iter().map(|(f, _)| (i, f.clone())));
            }
            if let (Some(rec), Some(at)) = (rec, at) {
                // Kept in the order the run sorts them in (by root, then
                // path), so that a run from the index finds them sorted.
                order::sort_by_path(&mut of_root, |f| &f.1);
                of_root.sort_by_key(|f| f.0);
                let clean = lock(&found).errors.is_empty();
                kept = rec.finish(at, &args, &spelled, of_root, clean);
            }
        }
    }
    let walked = found.into_inner().unwrap_or_else(|e| e.into_inner());
    let files = one_name_per_file(walked.files, &named, &roots);
    let mut found = Found {
        files: Vec::with_capacity(files.len()),
        below: Vec::with_capacity(files.len()),
        skipped: walked.skipped,
        errors: walked.errors,
        roots,
        kept,
    };
    for (file, below) in files {
        found.files.push(file);
        found.below.push(below);
    }
    found.tell_real_dirs();
    found.skipped.sort();
    found.skipped.dedup();
    found.errors.sort();
    found.errors.dedup();
    Ok(found)
}

/// Walks the directory `root` (the known root `below`) into `found`,
/// noting what the index needs in `rec`.
fn walk_root(
    root: &Path,
    below: Option<u32>,
    threads: Option<usize>,
    rec: Option<std::sync::Arc<Recording>>,
    found: &Mutex<Walked>,
) {
    // A cached run is mostly this walk (a listing of each directory):
    // every core takes a share. The parallel walker also tells which
    // ignore files a directory has from its listing, where the other
    // probed for each one.
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .follow_links(false)
        .threads(threads.unwrap_or(0))
        .filter_entry({
            let rec = rec.clone();
            move |e| {
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                let is_link = e.file_type().is_some_and(|t| t.is_symlink());
                e.depth() == 0
                    || !(is_dir || is_link)
                    || !(is_skipped_dir(&e.file_name().to_string_lossy())
                    // A submodule or other nested repository is its own
                    // project: --apply sees only its gitlink, so a dry
                    // run must not show (or --write make) edits in it.
                    || is_dir && nested_repo(e.path(), rec.as_deref()))
            }
        })
        .build_parallel();
    let rec = rec.as_deref();
    walker.run(|| {
        Box::new(move |entry| {
            take(entry, root, below, rec, found);
            ignore::WalkState::Continue
        })
    });
}

/// Whether the directory `dir` holds a `.git`, noted in `rec`.
fn nested_repo(dir: &Path, rec: Option<&Recording>) -> bool {
    match rec {
        Some(rec) => rec.nested_repo(dir),
        None => dir.join(".git").exists(),
    }
}

/// What the walk's threads note: each file with the known root it was
/// found below (`Found::below`), what was passed over, what failed.
#[derive(Default)]
struct Walked {
    files: Vec<(PathBuf, Option<u32>)>,
    skipped: Vec<(PathBuf, String)>,
    errors: Vec<(PathBuf, String)>,
}

/// Notes one entry of the walk below `root` (the known root `below`) in
/// `found`: a Go file, a symlink not followed, or an entry that could not
/// be read.
fn take(
    entry: Result<ignore::DirEntry, ignore::Error>,
    root: &Path,
    below: Option<u32>,
    rec: Option<&Recording>,
    found: &Mutex<Walked>,
) {
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
    if entry.path_is_symlink() && entry.depth() > 0 {
        let path = clean(path);
        if let Some(rec) = rec {
            rec.link(&path);
        }
        if let Some(why) = link_note(&path) {
            lock(found).skipped.push((path, why));
        }
        return;
    }
    let kind = entry.file_type();
    if let (Some(rec), true) = (rec, kind.is_some_and(|t| t.is_dir())) {
        rec.dir(&clean(path), entry.depth());
    }
    if kind.is_some_and(|t| t.is_file()) && path.extension().is_some_and(|x| x == "go") {
        lock(found).files.push((clean(path), below));
    }
}

/// What the walk says of the symbolic link `path` below a root: why it is
/// not followed, when it points to a directory or is named like a Go file.
fn link_note(path: &Path) -> Option<String> {
    let is_go = path.extension().is_some_and(|x| x == "go");
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_default();
    match std::fs::metadata(path) {
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
    }
}

/// The walk's findings, shared by its threads; a thread that panicked
/// while holding them left nothing half-written (each push is whole).
fn lock(found: &Mutex<Walked>) -> std::sync::MutexGuard<'_, Walked> {
    found.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sorted paths, one per file: `real/a.go` and `link/a.go` (through a
/// symlinked directory named as a second PATH) are one file, which would
/// otherwise be diffed twice (a patch `git apply` rejects) and written twice
/// (the second write refused as changed on disk). The spelling kept is one
/// that is not itself a symlink and goes through no symlinked directory,
/// when there is one.
fn one_name_per_file(
    files: Vec<(PathBuf, Option<u32>)>,
    named: &HashSet<PathBuf>,
    roots: &[(usize, PathBuf)],
) -> Vec<(PathBuf, Option<u32>)> {
    // One root walked, no file named: the walk met each file once, by one
    // name.
    let one_root = named.is_empty() && roots.len() == 1;
    if one_root && files.iter().all(|(_, below)| below.is_some()) {
        let mut files = files;
        order::sort_by_path(&mut files, |f| &f.0);
        return files;
    }
    // A file that is not a link resolves to its directory's real path and
    // its name: each directory is resolved once, not once per file.
    // The walk yields a directory's files together: the last directory
    // resolved is mostly the next one's.
    let mut last = None;
    let mut real = |p: &Path, link: bool| -> Option<PathBuf> {
        let (Some(dir), Some(name), false) = (p.parent(), p.file_name(), link) else {
            return std::fs::canonicalize(p).ok();
        };
        real_dir_after(dir_or_dot(dir), &mut last).map(|d| d.join(name))
    };
    // Per real path, the spelling kept: not a link, through no link,
    // then the first in path order.
    let mut kept: HashMap<PathBuf, (bool, bool, PathBuf, Option<u32>)> =
        HashMap::with_capacity(files.len());
    for (p, below) in files {
        // An lstat per file was 4 % of a cached run: only named files ask.
        let link = named.contains(&p) && p.is_symlink();
        let canon = real_below(roots, &p, below)
            .or_else(|| real(&p, link))
            .unwrap_or_else(|| p.clone());
        let via_link = crate::files::source::absolute(&p).map_or(true, |a| a != canon);
        let this = (link, via_link, p, below);
        match kept.entry(canon) {
            Entry::Vacant(e) => {
                e.insert(this);
            }
            Entry::Occupied(mut e) => {
                let old = e.get();
                let better = (this.0, this.1)
                    .cmp(&(old.0, old.1))
                    .then_with(|| order::cmp(&this.2, &old.2))
                    .is_lt();
                if better {
                    e.insert(this);
                }
            }
        }
    }
    let mut out: Vec<(PathBuf, Option<u32>)> = kept.into_values().map(|k| (k.2, k.3)).collect();
    order::sort_by_path(&mut out, |f| &f.0);
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

    /// Every real path the walk says it knows is the file's canonical
    /// path: below a root reached through a link, beside a linked
    /// directory it does not enter, with a root named twice (once through
    /// the link: one name kept, the real one), and over Go's own tree.
    /// (Elsewhere than unix the walk knows none.)
    #[cfg(unix)]
    #[test]
    fn the_real_paths_the_walk_knows_are_the_canonical_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().canonicalize().unwrap();
        for f in ["real/a/x.go", "real/a/b/y.go", "real/z.go"] {
            let p = top.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "package p\n").unwrap();
        }
        std::os::unix::fs::symlink(top.join("real"), top.join("link")).unwrap();
        std::os::unix::fs::symlink(top.join("real/a"), top.join("real/c")).unwrap();
        let s = |p: PathBuf| p.to_str().unwrap().to_string();
        let (real, link) = (s(top.join("real")), s(top.join("link")));
        let goroot = std::process::Command::new("go")
            .args(["env", "GOROOT"])
            .output()
            .expect("go on PATH");
        let goroot = format!("{}/src", String::from_utf8(goroot.stdout).unwrap().trim());
        // The roots, and how many of them are files (whose real path the
        // walk leaves to the file system).
        let runs: [(Vec<String>, usize); 5] = [
            (vec![real.clone()], 0),
            (vec![link.clone()], 0),
            (vec![link.clone(), real.clone()], 0),
            (vec![s(top.join("link/a")), s(top.join("real/z.go"))], 1),
            (vec![goroot], 0),
        ];
        for (roots, named) in runs {
            let found = find_with(&roots, Some(2)).unwrap();
            let mut known = 0;
            for (i, file) in found.files.iter().enumerate() {
                if let Some(real) = found.real_path(i) {
                    assert_eq!(real, file.canonicalize().unwrap(), "{roots:?}");
                    known += 1;
                }
            }
            assert_eq!(known + named, found.files.len(), "{roots:?}");
        }
        let both = find_with(&[link, real], None).unwrap();
        assert_eq!(both.files.len(), 3, "{:?}", both.files);
        assert!(both.files.iter().all(|f| f.starts_with(top.join("real"))));
    }

    #[test]
    fn go_dot_dot_dot_forms() {
        assert_eq!(root_of("./..."), PathBuf::from("."));
        assert_eq!(root_of("..."), PathBuf::from("."));
        assert_eq!(root_of("svc/..."), PathBuf::from("svc"));
        assert_eq!(root_of("svc"), PathBuf::from("svc"));
    }
}
