//! The walk's index, kept in the result cache between runs (git's
//! untracked cache trusts directories the same way): what a walk of a
//! run's roots found, with the stat of every directory it listed. A later
//! run over the same roots whose directories all have their recorded stat
//! takes the walk's result without listing one: a directory's entries do
//! not change without moving its modification and change times. Any
//! difference, and the run walks again.
//!
//! A recorded stat is trusted only when it was settled when recorded:
//! changed more than `stamps::MARGIN_NS` before the walk began (the racy
//! rule of `files::stamps`). The walk stats a directory after listing it;
//! an entry made between the two moved its times past the walk's start,
//! so that stat is never trusted.
//!
//! What the walk reads besides its directories' entries is looked at on
//! every run instead: the ignore files of each root and its parents, git's
//! configuration files and the global excludes file they name (their
//! stats, or that they are missing), the stats of the ignore files in the
//! directories walked (one made later moves its directory's times), the
//! `.git` of each nested repository passed over, and the target of every
//! symbolic link met (what the walk says of a link depends on it). A walk
//! that could not read something, met a `.git` that is a link or a file
//! (a worktree's, whose excludes file lives elsewhere), or a path that is
//! not UTF-8, is not kept.
//!
//! The index also holds the `.go` files of each package directory as the
//! run's check listed them ([`capture`]); a run whose index holds hands
//! them back ([`listing`]) instead of reading each directory again.

use crate::files::pinned::KeyHasher;
use crate::files::source::dir_or_dot;
use crate::files::stamps::{FileStat, now_ns, settled};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

/// The first line of every index; a new shape gets a new number.
const FORMAT: &str = "gofix-leaks-walk 1";

/// The ignore files the walk reads in a directory, and below a
/// repository's `.git`.
const IGNORE_FILES: [&str; 2] = [".gitignore", ".ignore"];
const GIT_EXCLUDE: &str = ".git/info/exclude";

/// Where a run keeps its walk's index: the cache's directory, and a hash
/// of what the walk depends on besides the files (the binary).
#[derive(Debug, Clone)]
pub struct KeptAt {
    pub dir: PathBuf,
    pub salt: u128,
}

impl KeptAt {
    /// The index of a walk of `args` from `cwd`.
    fn file(&self, cwd: &Path, args: &[String]) -> PathBuf {
        let mut h = KeyHasher::default();
        h.part(b"walk").part(&self.salt.to_le_bytes()).path(cwd);
        for a in args {
            h.part(a.as_bytes());
        }
        self.dir.join(format!("w{:032x}", h.finish()))
    }
}

/// A directory's `.go` regular files, by name, and what its listing said
/// of go.mod (`source::go_entries`).
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub names: Vec<String>,
    pub go_mod: Option<bool>,
}

/// The listings a run trusts (its index held) and those it captures for
/// its next run (it walked), by directory as the check spells it.
#[derive(Default)]
struct Listings {
    trusted: HashMap<OsString, Arc<Listing>>,
    captured: HashMap<OsString, Listing>,
}

static LISTINGS: LazyLock<Mutex<Listings>> = LazyLock::new(Default::default);
static CAPTURING: AtomicBool = AtomicBool::new(false);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The listing of `dir` the run's index vouches for, if any.
pub fn listing(dir: &Path) -> Option<Arc<Listing>> {
    let listings = lock(&LISTINGS);
    if listings.trusted.is_empty() {
        return None;
    }
    listings.trusted.get(dir_or_dot(dir).as_os_str()).cloned()
}

/// Whether the run keeps the listings it makes for its index.
pub fn capturing() -> bool {
    CAPTURING.load(Ordering::Relaxed)
}

/// Keeps the whole listing of `dir` for the index.
pub fn capture(dir: &Path, listing: Listing) {
    if capturing() {
        let key = dir_or_dot(dir).as_os_str().to_owned();
        lock(&LISTINGS).captured.insert(key, listing);
    }
}

/// What the walk met that its result depends on, recorded as it goes.
#[derive(Debug, Default)]
pub struct Recording {
    /// Read before the walk: the racy rule's stamp.
    taken: i64,
    /// The directories listed (roots, at depth 0, through links).
    dirs: Mutex<Vec<(PathBuf, FileStat)>>,
    /// The ignore files of the directories below a root.
    ignores: Mutex<Vec<(PathBuf, FileStat)>>,
    /// Directories passed over for their `.git`.
    nested: Mutex<Vec<PathBuf>>,
    /// Symbolic links met below a root.
    links: Mutex<Vec<PathBuf>>,
    spoilt: AtomicBool,
}

impl Recording {
    /// A recording for a walk about to start; the listings the run makes
    /// from now on are captured, and none is trusted.
    pub fn start() -> Recording {
        forget();
        CAPTURING.store(true, Ordering::Relaxed);
        Recording {
            taken: now_ns(),
            ..Default::default()
        }
    }

    /// A directory the walk lists, `depth` below its root.
    pub fn dir(&self, path: &Path, depth: usize) {
        let meta = match depth {
            0 => std::fs::metadata(path),
            _ => std::fs::symlink_metadata(path),
        };
        match meta.ok().and_then(|m| FileStat::of_entry(&m)) {
            Some(st) => lock(&self.dirs).push((path.to_path_buf(), st)),
            None => self.spoil(),
        }
        if depth == 0 {
            // A root's ignore files are looked at with its parents'.
            return;
        }
        for name in IGNORE_FILES {
            let file = path.join(name);
            match std::fs::metadata(&file) {
                Ok(m) => match FileStat::of_entry(&m) {
                    Some(st) => lock(&self.ignores).push((file, st)),
                    None => self.spoil(),
                },
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(_) => self.spoil(),
            }
        }
    }

    /// Whether `dir` holds a `.git` (a nested repository), as
    /// `Path::exists` answers, noting it.
    pub fn nested_repo(&self, dir: &Path) -> bool {
        let git = dir.join(".git");
        match std::fs::symlink_metadata(&git) {
            Err(_) => false,
            Ok(m) if m.file_type().is_symlink() => {
                // Whether it resolves can change with nothing here moving.
                self.spoil();
                git.exists()
            }
            Ok(_) => {
                lock(&self.nested).push(dir.to_path_buf());
                true
            }
        }
    }

    /// A symbolic link met below a root.
    pub fn link(&self, path: &Path) {
        lock(&self.links).push(path.to_path_buf());
    }

    /// Something the index cannot vouch for: the walk is not kept.
    pub fn spoil(&self) {
        self.spoilt.store(true, Ordering::Relaxed);
    }

    /// The walk done: what to keep once the run has listed its packages
    /// ([`Pending::store`]), None when it cannot be kept. `files` are the
    /// Go files found, each with the place of its root in `roots` (the
    /// directories among the run's PATHs, in order).
    pub fn finish(
        self: Arc<Self>,
        at: &KeptAt,
        args: &[String],
        roots: &[PathBuf],
        files: Vec<(usize, PathBuf)>,
        clean: bool,
    ) -> Option<Pending> {
        if !clean || self.spoilt.load(Ordering::Relaxed) {
            CAPTURING.store(false, Ordering::Relaxed);
            return None;
        }
        let cwd = std::env::current_dir().ok()?;
        Some(Pending {
            at: at.file(&cwd, args),
            roots: roots.to_vec(),
            files,
            rec: self,
        })
    }
}

/// A walk to keep, with the listings the run captures until it is stored.
#[derive(Debug)]
pub struct Pending {
    at: PathBuf,
    roots: Vec<PathBuf>,
    files: Vec<(usize, PathBuf)>,
    rec: Arc<Recording>,
}

impl Pending {
    /// Writes the index, with the listings captured since the walk, when
    /// everything it records was settled before the walk began.
    pub fn store(self) {
        CAPTURING.store(false, Ordering::Relaxed);
        let captured = std::mem::take(&mut lock(&LISTINGS).captured);
        let taken = self.rec.taken;
        let Some((digest, outside_settled)) = outside(&self.roots, taken) else {
            return;
        };
        let dirs = std::mem::take(&mut *lock(&self.rec.dirs));
        let ignores = std::mem::take(&mut *lock(&self.rec.ignores));
        if !outside_settled
            || !dirs
                .iter()
                .chain(&ignores)
                .all(|(_, st)| settled(st, taken))
        {
            return;
        }
        let Some(body) = encode(
            taken,
            digest,
            (&self.roots, &dirs, &ignores),
            (&self.rec.nested, &self.rec.links),
            &self.files,
            &captured,
        ) else {
            return;
        };
        let bytes = crate::files::write::sealed(FORMAT, body.as_bytes());
        let _ = crate::files::write::overwrite_checked(&self.at, &bytes);
    }
}

/// What an index that holds gives the walk.
pub struct Loaded {
    /// The Go files found, each with the place of its root in the roots.
    pub files: Vec<(usize, PathBuf)>,
    /// The symbolic links met, whose notes the walk makes again.
    pub links: Vec<PathBuf>,
}

/// The walk of `args` (whose directories are `roots`) from the index at
/// `at`, when every stat it records is still the same; its listings are
/// then trusted for the run.
pub fn load(at: &KeptAt, args: &[String], roots: &[PathBuf]) -> Option<Loaded> {
    forget();
    let cwd = std::env::current_dir().ok()?;
    let bytes = std::fs::read(at.file(&cwd, args)).ok()?;
    let body = crate::files::write::unsealed(FORMAT, &bytes)?;
    let mut lines = std::str::from_utf8(body).ok()?.lines();
    let taken: i64 = lines.next()?.parse().ok()?;
    let digest = u128::from_str_radix(lines.next()?, 16).ok()?;
    if outside(roots, taken)?.0 != digest {
        return None;
    }
    let mut loaded = Loaded {
        files: Vec::new(),
        links: Vec::new(),
    };
    let mut listed = HashSet::new();
    let mut listings = HashMap::new();
    // The stats to compare (lstat or stat, recorded, path), the nested
    // repositories to look at again.
    let mut stats = Vec::new();
    let mut nested = Vec::new();
    let mut root = 0;
    for line in lines {
        let (tag, rest) = line.split_once('\t')?;
        match tag {
            "R" | "D" | "I" => {
                let (stat, path) = decode_stat(rest)?;
                if tag == "R" {
                    // The roots in the order they were walked.
                    (roots.get(root)? == Path::new(path)).then_some(())?;
                    root += 1;
                }
                settled(&stat, taken).then_some(())?;
                if tag != "I" {
                    listed.insert(path);
                }
                // A directory below a root as itself, not through a link.
                stats.push((tag == "D", stat, path));
            }
            "N" => nested.push(rest),
            "S" => loaded.links.push(PathBuf::from(rest)),
            "F" => {
                let (i, path) = rest.split_once('\t')?;
                let i: usize = i.parse().ok()?;
                (i < roots.len()).then_some(())?;
                loaded.files.push((i, PathBuf::from(path)));
            }
            "L" => {
                let mut f = rest.split('\t');
                let go_mod = match f.next()? {
                    "1" => Some(true),
                    "0" => Some(false),
                    "-" => None,
                    _ => return None,
                };
                let dir = f.next()?;
                let names = f.map(str::to_string).collect();
                listings.insert(dir, Listing { names, go_mod });
            }
            _ => return None,
        }
    }
    (root == roots.len()).then_some(())?;
    // A stat each, on every core: half of the load's time on one.
    use rayon::prelude::*;
    let same = |&(lstat, ref stat, path): &(bool, FileStat, &str)| {
        let meta = match lstat {
            true => std::fs::symlink_metadata(path),
            false => std::fs::metadata(path),
        };
        meta.ok().and_then(|m| FileStat::of_entry(&m)) == Some(*stat)
    };
    let unchanged = stats.par_iter().with_min_len(64).all(same)
        && nested.iter().all(|d| Path::new(d).join(".git").exists());
    unchanged.then_some(())?;
    // A listing of a directory whose stat was not looked at is not one.
    let trusted = listings
        .into_iter()
        .filter(|(dir, _)| listed.contains(dir))
        .map(|(dir, l)| (OsString::from(dir), Arc::new(l)))
        .collect();
    lock(&LISTINGS).trusted = trusted;
    Some(loaded)
}

/// Nothing trusted, nothing captured: a new walk's state (a walk with
/// no index calls it too, so that no listing outlives its run).
pub fn forget() {
    CAPTURING.store(false, Ordering::Relaxed);
    let mut listings = lock(&LISTINGS);
    listings.trusted.clear();
    listings.captured.clear();
}

/// A hash of what the walk of `roots` reads outside the directories it
/// lists: the ignore files of each root and its parents, git's
/// configuration files and the global excludes file (a stat each, or that
/// there is none); and whether all of them
/// were settled at `taken`. None where the walk would read a file this
/// does not look at: a `.git` that is a file (a worktree's).
fn outside(roots: &[PathBuf], taken: i64) -> Option<(u128, bool)> {
    let mut h = KeyHasher::default();
    let mut all_settled = true;
    let mut look = |h: &mut KeyHasher, path: &Path| -> Option<()> {
        h.path(path);
        match std::fs::metadata(path) {
            Ok(m) => {
                let st = FileStat::of_entry(&m)?;
                all_settled &= settled(&st, taken);
                h.part(st.fields().as_bytes());
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => {
                h.part(b"none");
            }
            // `.git/info/exclude` where `.git` is a directory of another
            // kind, say: no answer to trust.
            Err(_) => return None,
        }
        Some(())
    };
    for root in roots {
        let real = root.canonicalize().ok()?;
        for dir in real.ancestors() {
            let git = match std::fs::metadata(dir.join(".git")) {
                Ok(m) if m.is_dir() => true,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
                _ => return None,
            };
            for name in IGNORE_FILES {
                look(&mut h, &dir.join(name))?;
            }
            if git {
                look(&mut h, &dir.join(GIT_EXCLUDE))?;
            }
        }
    }
    // The git configuration files that may name the global excludes file
    // (which one names it is their contents' business: a change to any of
    // them moves its stat), then that file.
    for config in git_configs() {
        look(&mut h, &config)?;
    }
    match ignore::gitignore::gitconfig_excludes_path() {
        Some(global) => look(&mut h, &global)?,
        None => {
            h.part(b"no global excludes");
        }
    }
    Some((h.finish(), all_settled))
}

/// The git configuration files the walk's global excludes come from, as
/// `ignore::gitignore::gitconfig_excludes_path` reads them.
fn git_configs() -> Vec<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let home = std::env::home_dir();
    let mut out = Vec::new();
    out.extend(var("GIT_CONFIG_GLOBAL"));
    out.extend(home.as_ref().map(|h| h.join(".gitconfig")));
    let xdg = var("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
    out.extend(xdg.map(|x| x.join("git/config")));
    out.push(var("GIT_CONFIG_SYSTEM").unwrap_or_else(|| PathBuf::from("/etc/gitconfig")));
    out
}

/// A path as the index writes it: UTF-8, with no tab or newline.
fn text(p: &Path) -> Option<&str> {
    p.to_str().filter(|s| !s.contains(['\t', '\n', '\r']))
}

fn encode_stat(out: &mut String, tag: &str, st: &FileStat, path: &Path) -> Option<()> {
    let _ = writeln!(out, "{tag}\t{}\t{}", st.fields(), text(path)?);
    Some(())
}

fn decode_stat(rest: &str) -> Option<(FileStat, &str)> {
    let mut f = rest.splitn(6, '\t');
    let stat = FileStat::from_fields(&mut f)?;
    Some((stat, f.next()?))
}

type Stats<'a> = (
    &'a [PathBuf],
    &'a [(PathBuf, FileStat)],
    &'a [(PathBuf, FileStat)],
);

/// The index's body; None when a path cannot be written in it.
fn encode(
    taken: i64,
    digest: u128,
    (roots, dirs, ignores): Stats,
    (nested, links): (&Mutex<Vec<PathBuf>>, &Mutex<Vec<PathBuf>>),
    files: &[(usize, PathBuf)],
    captured: &HashMap<OsString, Listing>,
) -> Option<String> {
    let mut out = format!("{taken}\n{digest:032x}\n");
    // The roots first, in order, then the directories below them.
    let stat_of: HashMap<&Path, &FileStat> = dirs.iter().map(|(p, s)| (p.as_path(), s)).collect();
    let mut walked = HashSet::new();
    for root in roots {
        encode_stat(&mut out, "R", stat_of.get(root.as_path())?, root)?;
        walked.insert(root.clone());
    }
    for (path, st) in dirs {
        if walked.insert(path.clone()) {
            encode_stat(&mut out, "D", st, path)?;
        }
    }
    for (path, st) in ignores {
        encode_stat(&mut out, "I", st, path)?;
    }
    for (tag, paths) in [("N", nested), ("S", links)] {
        for p in lock(paths).iter() {
            let _ = writeln!(out, "{tag}\t{}", text(p)?);
        }
    }
    for (i, p) in files {
        let _ = writeln!(out, "F\t{i}\t{}", text(p)?);
    }
    for (dir, l) in captured {
        let dir = Path::new(dir);
        let names_ok = l.names.iter().all(|n| text(Path::new(n)).is_some());
        let (Some(d), true, true) = (text(dir), walked.contains(dir), names_ok) else {
            continue;
        };
        let go_mod = match l.go_mod {
            Some(true) => "1",
            Some(false) => "0",
            None => "-",
        };
        let _ = write!(out, "L\t{go_mod}\t{d}");
        for n in &l.names {
            let _ = write!(out, "\t{n}");
        }
        out.push('\n');
    }
    Some(out)
}
