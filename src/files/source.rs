//! Where file contents come from: the work tree (dry runs and --write) or a
//! git commit's tree (--apply, which must never read the work tree). The
//! engine and the package index read through this, never from disk directly.

use crate::files::stamps::FileStat;
use crate::files::walkindex;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

pub trait Source: Sync {
    /// The bytes of a file, by the path the walker produced.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// The length of a file in bytes, as `read` would return it (`--shard`
    /// weighs every file of the run, and reads only its own).
    fn size(&self, path: &Path) -> io::Result<u64> {
        self.read(path).map(|b| b.len() as u64)
    }
    /// The `.go` files directly in `dir` (a package's files), sorted.
    fn go_files_in(&self, dir: &Path) -> Vec<PathBuf>;
    /// The contents of the nearest file called `name` in `dir` or one of its
    /// parents (how Go finds a file's go.mod), and the path from that file's
    /// directory down to `dir` (a package's path inside its module).
    fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp>;
    /// The stat of the file on disk that `read` would read, for the
    /// cache's stat shortcut (`files::stamps`); None where `read` does not
    /// read the work tree's file (a commit's tree, a buffer on stdin):
    /// then the file is always read.
    fn stat(&self, _path: &Path) -> Option<FileStat> {
        None
    }
    /// [`go_files_in`](Source::go_files_in), each file with its
    /// [`stat`](Source::stat), taken after the call began.
    fn go_files_stat(&self, dir: &Path) -> Vec<(PathBuf, Option<FileStat>)> {
        self.go_files_in(dir)
            .into_iter()
            .map(|p| {
                let stat = self.stat(&p);
                (p, stat)
            })
            .collect()
    }
}

/// A file [`Source::find_up`] found: its bytes, shared (every package of
/// a module asks for its go.mod), their hash, and the path from the
/// file's directory down to the directory asked about.
#[derive(Debug, Clone)]
pub struct FoundUp {
    pub bytes: std::sync::Arc<[u8]>,
    pub hash: u128,
    pub below: PathBuf,
}

impl FoundUp {
    pub fn new(bytes: Vec<u8>, below: PathBuf) -> FoundUp {
        FoundUp {
            hash: crate::files::pinned::content_hash(&bytes),
            bytes: bytes.into(),
            below,
        }
    }
}

/// The file system as it is.
pub struct WorkTree;

/// `std::path::absolute`, with the current directory read once a process
/// (which never changes it): std reads it again for every relative path,
/// and a run given `./...` made two such reads per file.
pub fn absolute(p: &Path) -> io::Result<PathBuf> {
    static CWD: std::sync::LazyLock<Option<PathBuf>> =
        std::sync::LazyLock::new(|| std::env::current_dir().ok());
    match &*CWD {
        // What std does for a relative path on POSIX, from the same start.
        Some(cwd) if cfg!(unix) && p.is_relative() && !p.as_os_str().is_empty() => {
            let mut out = cwd.clone();
            // Names only: joined as bytes, not a component at a time.
            if crate::files::order::names_only(p) {
                out.push(p);
                return Ok(out);
            }
            out.extend(p.strip_prefix(".").unwrap_or(p).components());
            if p.as_os_str().as_encoded_bytes().ends_with(b"/") {
                out.push("");
            }
            Ok(out)
        }
        _ => std::path::absolute(p),
    }
}

/// A process-wide memo by path, keyed by the path's bytes: hashing a
/// `Path` hashes it a component at a time, and a warm vitess run spent 19 M
/// of its 237 M instructions so, in these lookups (several per package)
/// and in `Pinned`'s map. Two spellings of one path are two keys for one
/// answer.
type Memo<V> = std::sync::LazyLock<std::sync::Mutex<foldhash::HashMap<OsString, V>>>;

/// The real path of each directory resolved so far, by absolute path.
static SEEN: Memo<PathBuf> = std::sync::LazyLock::new(Default::default);

/// Tells [`real_dir`] that `dir`'s real path is `real`, as the walk knows
/// it of the directories it entered below a root: a package's go.mod
/// lookup resolves its directory, an lstat each.
pub fn known_real_dir(dir: &Path, real: PathBuf) {
    if let (Ok(key), Ok(mut seen)) = (absolute(dir), SEEN.lock()) {
        seen.insert(key.into_os_string(), real);
    }
}

/// `dir.canonicalize()`, each directory resolved once a process: the walk,
/// the names a run shows and every package's go.mod lookup resolve the same
/// directories, and a readlink per path component per file was a third of
/// a cached run's time; a directory is now resolved through its parent's
/// entry. Only successes are kept (a directory made later resolves then);
/// a link changed during a run is a race it loses anyway.
pub fn real_dir(dir: &Path) -> Option<PathBuf> {
    let key = absolute(dir).ok()?;
    if let Some(real) = SEEN.lock().ok()?.get(key.as_os_str()) {
        return Some(real.clone());
    }
    // A directory that is not a link is its real parent's child: one
    // lstat here instead of realpath's per component.
    let link = std::fs::symlink_metadata(&key)
        .ok()?
        .file_type()
        .is_symlink();
    let real = match (key.parent(), key.file_name(), link) {
        (Some(parent), Some(name), false) => real_dir(parent)?.join(name),
        _ => key.canonicalize().ok()?,
    };
    if let Ok(mut seen) = SEEN.lock() {
        seen.insert(key.into_os_string(), real.clone());
    }
    Some(real)
}

/// [`real_dir`], remembering in `last` the directory it resolved before:
/// files listed a directory at a time ask for the same one many times
/// running, and the shared lookup (a hash of the whole path, a lock) for
/// each was a tenth of a cached run.
pub fn real_dir_after(dir: &Path, last: &mut Option<(PathBuf, PathBuf)>) -> Option<PathBuf> {
    if let Some((d, real)) = last
        && d.as_os_str() == dir.as_os_str()
    {
        return Some(real.clone());
    }
    let real = real_dir(dir)?;
    *last = Some((dir.to_path_buf(), real.clone()));
    Some(real)
}

/// A directory as a path the file system takes: the empty parent of a
/// bare file name is `.`.
pub fn dir_or_dot(dir: &Path) -> &Path {
    if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }
}

/// The regular files named `*.go` directly in `dir`, unsorted. Once the
/// listing is read through, `go_mod` tells whether `dir` holds a go.mod:
/// `Some(false)` when no entry has the name in any case, `Some(true)` for
/// a regular file, None when it is something else, when only another case
/// of the name is there, or when the directory could not be read whole
/// (then it is looked at).
/// `whole` tells whether it was read whole.
fn go_entries<'a>(
    dir: &Path,
    go_mod: &'a mut Option<bool>,
    whole: &'a mut bool,
) -> impl Iterator<Item = std::fs::DirEntry> + 'a {
    let listing = std::fs::read_dir(dir_or_dot(dir)).ok();
    *go_mod = listing.is_some().then_some(false);
    *whole = listing.is_some();
    listing
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let Ok(e) = e else {
                // A listing cut short cannot say there is none.
                *go_mod = None;
                *whole = false;
                return None;
            };
            let file = e.file_type().is_ok_and(|t| t.is_file());
            let name = e.file_name();
            if name == "go.mod" {
                *go_mod = file.then_some(true);
            } else if name.eq_ignore_ascii_case("go.mod") && *go_mod == Some(false) {
                // On a case-insensitive file system a stat of go.mod finds
                // `GO.MOD` (and Go takes it): only a stat can tell.
                *go_mod = None;
            }
            file.then_some(e)
        })
        .filter(|e| {
            Path::new(&e.file_name())
                .extension()
                .is_some_and(|x| x == "go")
        })
}

/// Keeps the listing `out` of `dir`, read whole, for the walk's index
/// when the run keeps one.
fn capture(dir: &Path, out: &[(PathBuf, Option<FileStat>)], go_mod: Option<bool>) {
    if !walkindex::capturing() {
        return;
    }
    let names: Option<Vec<String>> = out
        .iter()
        .map(|(p, _)| Some(p.file_name()?.to_str()?.to_string()))
        .collect();
    if let Some(names) = names {
        walkindex::capture(dir, walkindex::Listing { names, go_mod });
    }
}

impl Source for WorkTree {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn size(&self, path: &Path) -> io::Result<u64> {
        std::fs::metadata(path).map(|m| m.len())
    }

    fn stat(&self, path: &Path) -> Option<FileStat> {
        FileStat::of(path)
    }

    fn go_files_in(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = (go_entries(dir, &mut None, &mut false))
            .map(|e| e.path())
            .collect();
        crate::files::order::sort(&mut out);
        out
    }

    /// The stats come from the listing's directory handle: a cached run
    /// stats every file of every package, and a stat by the whole path
    /// looked up each of its directories again.
    fn go_files_stat(&self, dir: &Path) -> Vec<(PathBuf, Option<FileStat>)> {
        // An entry listed as a regular file is one (not a link), so its
        // own metadata is what following links would give; one replaced
        // by a link since has none (then the file is read).
        let (mut out, go_mod): (Vec<(PathBuf, Option<FileStat>)>, _) = match walkindex::listing(dir)
        {
            // The directory has not changed since this listing.
            Some(listed) => {
                let stat = |p: &Path| {
                    let m = std::fs::symlink_metadata(p).ok()?;
                    FileStat::of_metadata(&m)
                };
                let base = dir_or_dot(dir);
                let files = listed.names.iter().map(|n| {
                    let p = base.join(n);
                    (stat(&p), p)
                });
                (files.map(|(s, p)| (p, s)).collect(), listed.go_mod)
            }
            None => {
                let (mut go_mod, mut whole) = (None, false);
                let out: Vec<_> = go_entries(dir, &mut go_mod, &mut whole)
                    .map(|e| {
                        let stat = e.metadata().ok().and_then(|m| FileStat::of_metadata(&m));
                        (e.path(), stat)
                    })
                    .collect();
                if whole {
                    capture(dir, &out, go_mod);
                }
                (out, go_mod)
            }
        };
        if let (Some(has), Some(real)) = (go_mod, real_dir(dir_or_dot(dir))) {
            listed_go_mod(&real, has);
        }
        crate::files::order::sort_by_path(&mut out, |f| &f.0);
        out
    }

    fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp> {
        let start = real_dir(dir_or_dot(dir))?;
        let found = nearest(&start, name)?;
        let below = below(&start, &found);
        read_once(&found.join(name)).map(|up| FoundUp { below, ..up })
    }
}

/// The path from `up` down to `dir`, below it (empty when it is not): a
/// real path's parents are its leading bytes, so on unix this is the rest
/// of them, not `strip_prefix`'s walk of both a component at a time.
fn below(dir: &Path, up: &Path) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let (d, u) = (dir.as_os_str().as_bytes(), up.as_os_str().as_bytes());
        if crate::files::order::names_only(dir)
            && let Some(rest) = d.strip_prefix(u)
            && (rest.is_empty() || rest.starts_with(b"/") || u.ends_with(b"/"))
        {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            return PathBuf::from(std::ffi::OsStr::from_bytes(rest));
        }
    }
    dir.strip_prefix(up).unwrap_or(Path::new("")).to_path_buf()
}

/// The bytes of `path` and their hash, read once a process: every package
/// of a module reads its go.mod, and on a cached run those reads (an open,
/// a stat, a read and a close each, per package) were a tenth of the
/// system calls; copying and hashing the bytes for each package was 16 M
/// of a warm vitess run's 237 M instructions. A go.mod edited during a run
/// is a race that run loses anyway.
fn read_once(path: &Path) -> Option<FoundUp> {
    static READ: Memo<Option<FoundUp>> = std::sync::LazyLock::new(Default::default);
    if let Some(found) = READ.lock().ok()?.get(path.as_os_str()) {
        return found.clone();
    }
    let found = std::fs::read(path)
        .ok()
        .map(|b| FoundUp::new(b, PathBuf::new()));
    if let Ok(mut read) = READ.lock() {
        read.insert(path.as_os_str().to_owned(), found.clone());
    }
    found
}

/// Whether each directory listed for its package (by real path, joined
/// with `go.mod`) holds a go.mod: the listing answers what a stat per
/// package asked again.
static LISTED_GO_MOD: Memo<bool> = std::sync::LazyLock::new(Default::default);

fn listed_go_mod(real_dir: &Path, has: bool) {
    if let Ok(mut listed) = LISTED_GO_MOD.lock() {
        listed.insert(real_dir.join("go.mod").into_os_string(), has);
    }
}

/// The nearest of `dir` (a real path) and its parents that holds a file
/// `name`, each directory looked at once a process, as `real_dir` resolves
/// each once: every package's go.mod lookup went up the same parents, a
/// stat per level per package. A go.mod made or removed during a run is a
/// race that run loses anyway.
fn nearest(dir: &Path, name: &str) -> Option<PathBuf> {
    static SEEN: Memo<Option<PathBuf>> = std::sync::LazyLock::new(Default::default);
    let candidate = dir.join(name);
    if let Some(found) = SEEN.lock().ok()?.get(candidate.as_os_str()) {
        return found.clone();
    }
    let listed = (name == "go.mod")
        .then(|| Some(*LISTED_GO_MOD.lock().ok()?.get(candidate.as_os_str())?))
        .flatten();
    let found = match listed.unwrap_or_else(|| candidate.is_file()) {
        true => Some(dir.to_path_buf()),
        false => dir.parent().and_then(|up| nearest(up, name)),
    };
    if let Ok(mut seen) = SEEN.lock() {
        seen.insert(candidate.into_os_string(), found.clone());
    }
    found
}

/// The work tree with one file's contents replaced (`-` with
/// `--stdin-filename`: an editor's unsaved buffer). The file need not exist
/// on disk; its package's other files are read from its directory.
pub struct Overlay {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl Overlay {
    pub fn new(path: &Path, bytes: Vec<u8>) -> Overlay {
        Overlay {
            path: plain(path),
            bytes,
        }
    }
}

/// `./a/./b.go` -> `a/b.go`: the one spelling paths are compared in.
pub(crate) fn plain(p: &Path) -> PathBuf {
    // Most paths are plain already (the walk made them): copied whole, not
    // rebuilt a component at a time, which was a twentieth of a cached run.
    if cfg!(unix) && is_plain(p.as_os_str().as_encoded_bytes()) {
        return p.to_path_buf();
    }
    p.components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Whether rebuilding `p` from its components would give back its bytes:
/// no `.` component, no repeated or trailing separator.
fn is_plain(p: &[u8]) -> bool {
    !p.is_empty()
        && p != b"."
        && !p.starts_with(b"./")
        && !p.ends_with(b"/")
        && !p.ends_with(b"/.")
        // One pass over the separators for `//` and `/./`.
        && memchr::memchr_iter(b'/', p).all(|i| match p.get(i + 1) {
            Some(b'/') => false,
            Some(b'.') => p.get(i + 2) != Some(&b'/'),
            _ => true,
        })
}

impl Source for Overlay {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if plain(path) == self.path {
            return Ok(self.bytes.clone());
        }
        WorkTree.read(path)
    }

    fn stat(&self, path: &Path) -> Option<FileStat> {
        if plain(path) == self.path {
            return None;
        }
        WorkTree.stat(path)
    }

    fn go_files_in(&self, dir: &Path) -> Vec<PathBuf> {
        let mut out = WorkTree.go_files_in(dir);
        let here = self.path.parent().unwrap_or(Path::new("")) == plain(dir);
        if here && !out.iter().any(|p| plain(p) == self.path) {
            out.push(self.path.clone());
            out.sort();
        }
        out
    }

    fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp> {
        WorkTree.find_up(dir, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths with every oddity a component walk normalizes.
    const ODD_PATHS: &[&str] = &[
        "",
        ".",
        "./",
        "./a.go",
        "a.go",
        "a/b.go",
        "/abs/a.go",
        "/",
        "a//b.go",
        "a/./b.go",
        "a/b/",
        "a/b/.",
        "../a.go",
        "a/../b.go",
        ".hidden/a.go",
        "a/.b/c.go",
        "a/b.go/",
        "//a",
        "a/.",
        "a/..",
        "...",
        "./.",
        ".//a",
        "./..",
        "a/b/./c.go",
        "a/b/.c/d.go",
        "a/b//c/d.go",
        "a/b/c/",
        "a/b/c/.",
    ];

    /// The current directory read once gives what std's reading it each
    /// time gives.
    #[test]
    fn absolute_is_std_absolute() {
        for p in ODD_PATHS.iter().map(Path::new) {
            let bytes = |r: io::Result<PathBuf>| r.ok().map(PathBuf::into_os_string);
            assert_eq!(bytes(absolute(p)), bytes(std::path::absolute(p)), "{p:?}");
        }
    }

    /// The path below a parent, from bytes, is `strip_prefix`'s.
    #[test]
    fn below_is_strip_prefix() {
        let dirs = [
            "/", "/a", "/a/b", "/a/bc", "/a/b/c", "/ab", "a/b", "/a//b", "/a/./b",
        ];
        for d in dirs.iter().map(Path::new) {
            for u in dirs.iter().map(Path::new) {
                let want = d.strip_prefix(u).unwrap_or(Path::new(""));
                assert_eq!(below(d, u).as_os_str(), want.as_os_str(), "{d:?} {u:?}");
            }
        }
    }

    /// The shortcut gives what rebuilding from components gives.
    #[test]
    fn a_plain_path_is_its_components() {
        let rebuilt = |p: &Path| -> PathBuf {
            p.components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect()
        };
        for p in ODD_PATHS.iter().map(Path::new) {
            assert_eq!(plain(p).as_os_str(), rebuilt(p).as_os_str(), "{p:?}");
        }
    }

    /// A package's listing answers whether its directory holds a go.mod
    /// only where it can: a go.mod that is a link, or a directory, is
    /// still looked at, and the answer is Go's nearest go.mod either way.
    #[test]
    fn listings_find_the_same_go_mod_as_stats() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let write = |p: &str, s: &str| {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        write("go.mod", "module top\n");
        write("plain/a.go", "package plain\n");
        write("own/go.mod", "module own\n");
        write("own/a.go", "package own\n");
        write("dir/a.go", "package dir\n");
        std::fs::create_dir(root.join("dir/go.mod")).unwrap();
        write("linked/a.go", "package linked\n");
        // Another case of the name: a stat decides, as before (on Linux,
        // no go.mod here; on a case-insensitive file system, this one).
        write("cased/a.go", "package cased\n");
        write("cased/GO.MOD", "module cased\n");
        let cased_module = match root.join("cased/go.mod").is_file() {
            true => "module cased\n",
            false => "module top\n",
        };
        let cased_below = match root.join("cased/go.mod").is_file() {
            true => "",
            false => "cased",
        };
        #[cfg(unix)]
        std::os::unix::fs::symlink("../own/go.mod", root.join("linked/go.mod")).unwrap();
        for (dir, module, below) in [
            ("plain", "module top\n", "plain"),
            ("own", "module own\n", ""),
            ("dir", "module top\n", "dir"),
            ("cased", cased_module, cased_below),
            #[cfg(unix)]
            ("linked", "module own\n", ""),
        ] {
            let dir = root.join(dir);
            assert_eq!(WorkTree.go_files_stat(&dir).len(), 1, "{dir:?}");
            let up = WorkTree.find_up(&dir, "go.mod").unwrap();
            assert_eq!(&up.bytes[..], module.as_bytes(), "{dir:?}");
            assert_eq!(up.below, Path::new(below), "{dir:?}");
        }
    }
}
