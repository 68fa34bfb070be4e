//! The result cache of re-runs (`--cache-dir DIR`, `--no-cache`): the
//! per-file outcomes of one package directory, stored under a key of
//! everything they depend on, and taken from there when a later run would
//! compute them from the same inputs. The engine does not know about it:
//! [`Cache::check_dir`] wraps the per-directory check of `stream`.
//!
//! The key of a directory hashes the engine (this binary's version and
//! bytes, so a rebuild misses; every selected rule's spec
//! as loaded and its option values after the configuration and `--set`;
//! the kinds kept), the files checked with their displayed names, and the
//! bytes of everything the directory's analysis reads (`files::pinned`:
//! its `.go` files and nearest go.mod, read through the run's source, so
//! `--apply` keys on the commit's bytes). An analysis that read anything
//! else is not stored. The files are hashed through the stat records of
//! `files::stamps` (`DIR/v2/s<hash of the directory's path>`, one per
//! directory), so that an unchanged file is not read; the binary's hash
//! through one of its own (`DIR/v2/exe/`).
//!
//! An entry holds the outcomes and, for the files the directory's fixes
//! touch, their fixed texts (`merge::Known`): the run's merge takes them
//! instead of parsing each fixed file again, which was half of a warm run.
//! An entry is one file, `DIR/v2/<key>`, written in place
//! (`files::write::overwrite_checked`; one directory, no temporary file:
//! creating files is most of what a first run adds). It starts with a
//! format line, the key and a checksum of the JSON payload: an entry that
//! is short, garbled (a reader racing a writer, two writers interleaving,
//! a crash), of another format or under another key is ignored, analysed
//! again and overwritten, never trusted. Two runs writing one entry write
//! the same bytes: its key holds everything the outcome depends on. The cache is bounded: a
//! run that wrote entries removes the oldest (by modification time; a hit
//! refreshes a day-old one) until the rest fit in [`max_bytes`].

use crate::cli::args::Args;
use crate::engine::diagnostic::{Finding, Kind, Skipped};
use crate::engine::edit::Fix;
use crate::engine::matching::{Engine, FileOutcome};
use crate::engine::merge::{self, Checked, Fixed, Known};
use crate::engine::suppress::{Directive, Style, Suppressed};
use crate::files::pinned::{KeyHasher, Pinned, content_hash};
use crate::files::source::Source;
use crate::files::stamps::{self, FileStat, Stamps, now_ns};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

/// The first line of every entry; a new payload shape gets a new number.
const FORMAT: &str = "gofix-leaks-cache 2";

/// The default bound on the cache's size; `GOFIX_LEAKS_CACHE_MAX_BYTES`
/// sets another.
const DEFAULT_MAX_BYTES: u64 = 256 << 20;

pub struct Cache {
    /// `DIR/v1`.
    dir: PathBuf,
    engine_key: u128,
    hits: AtomicUsize,
    misses: AtomicUsize,
    wrote: AtomicBool,
    /// The fixed texts of the files the entries read hold fixes for.
    known: std::sync::Mutex<Known>,
}

/// The user's cache directory for the tool: `$XDG_CACHE_HOME/gofix-leaks`
/// when that is set (on any system), else `~/.cache/gofix-leaks`,
/// `~/Library/Caches/gofix-leaks` on macOS, `%LOCALAPPDATA%\gofix-leaks`
/// on Windows.
pub fn default_dir() -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let base = if let Some(xdg) = var("XDG_CACHE_HOME") {
        xdg
    } else if cfg!(windows) {
        var("LOCALAPPDATA")?
    } else if cfg!(target_os = "macos") {
        var("HOME")?.join("Library").join("Caches")
    } else {
        var("HOME")?.join(".cache")
    };
    Some(base.join("gofix-leaks"))
}

/// The size the cache is kept under.
pub fn max_bytes() -> u64 {
    std::env::var("GOFIX_LEAKS_CACHE_MAX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_BYTES)
}

impl Cache {
    /// This run's cache: None with `--no-cache`, or when the default
    /// directory cannot be made (a read-only home: the run goes on without
    /// one). A `--cache-dir` that cannot be made is an error.
    pub fn open(args: &Args, engine: &Engine) -> Result<Option<Cache>> {
        if args.no_cache {
            return Ok(None);
        }
        let (root, explicit) = match &args.cache_dir {
            Some(d) => (d.clone(), true),
            None => match default_dir() {
                Some(d) => (d, false),
                None => return Ok(None),
            },
        };
        let dir = root.join("v2");
        // The layout before this one (entries in 256 subdirectories, each
        // written through a temporary file), whose entries are never read,
        // is removed from the default directory, which is ours alone, when
        // it has that layout's `exe/`. A `--cache-dir` may be shared with
        // other things: its `v1/` is left to the user.
        let old = root.join("v1");
        if !explicit && old.join("exe").is_dir() {
            let _ = std::fs::remove_dir_all(old);
        }
        if let Err(e) = std::fs::create_dir_all(&dir) {
            if explicit {
                bail!("--cache-dir {}: cannot make it: {e}", root.display());
            }
            return Ok(None);
        }
        let Some(engine_key) = engine_key(engine, &dir) else {
            return Ok(None);
        };
        Ok(Some(Cache {
            dir,
            engine_key,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            wrote: AtomicBool::new(false),
            known: Default::default(),
        }))
    }

    /// Directories whose outcomes came from the cache, and those analysed.
    pub fn counts(&self) -> (usize, usize) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// The outcomes of `group` (files of `dir`, sorted by path), from the
    /// cache or from `check` (which reads through the source it is given),
    /// and whether they came from the cache.
    pub fn check_dir(
        &self,
        source: &dyn Source,
        dir: &Path,
        mut group: Vec<(PathBuf, String)>,
        check: impl FnOnce(&dyn Source, Vec<(PathBuf, String)>) -> Vec<Checked>,
    ) -> (Vec<Checked>, bool) {
        // The order `check` returns them in, which the stored list keeps.
        group.sort_by(|a, b| a.0.cmp(&b.0));
        let files: Vec<PathBuf> = group.iter().map(|(p, _)| p.clone()).collect();
        let stamps = self.stamps_path(dir);
        let known = stamps.as_deref().map(Stamps::load).unwrap_or_default();
        // Read before any file is stat'ed: the records' racy-rule stamp.
        let taken = now_ns();
        let pinned = Pinned::new(source, dir, &files, &known);
        if let (Some(at), Some(records)) = (&stamps, pinned.records())
            && stamps::store(at, taken, records).is_ok()
        {
            self.wrote.store(true, Ordering::Relaxed);
        }
        let mut h = KeyHasher::default();
        h.part(&self.engine_key.to_le_bytes())
            .part(&pinned.digest().to_le_bytes());
        for (path, display) in &group {
            h.path(path).part(display.as_bytes());
        }
        let key = format!("{:032x}", h.finish());
        let path = self.dir.join(&key);
        if let Some((out, fixed)) = load(&path, &key, &pinned, &group) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            self.remember(fixed);
            return (out, true);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let out = check(&pinned, group);
        // The directory's fixes merged on their own: the run merges them
        // the same way (a fix touches files of its own directory only), so
        // it takes these fixed texts, and so does a re-run. A file whose
        // accepted edits differ in the run (the gate dropped a finding)
        // has another key, and the run's merge makes its text itself.
        let fixed = match out.iter().any(has_fix) {
            true => merge::merge_with(out.clone(), &pinned, &Known::new(), true).1,
            false => Known::new(),
        };
        if !pinned.strayed() && store(&path, &key, &out, &fixed).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
        }
        self.remember(fixed);
        (out, false)
    }

    fn remember(&self, fixed: Known) {
        if !fixed.is_empty()
            && let Ok(mut known) = self.known.lock()
        {
            known.extend(fixed);
        }
    }

    /// The fixed texts the run's entries hold, for its merge.
    pub fn take_known(&self) -> Known {
        self.known
            .lock()
            .map(|mut k| std::mem::take(&mut *k))
            .unwrap_or_default()
    }

    /// Where the stat records of `dir`'s files are kept: a name of its
    /// absolute path, beside the entries (and bounded with them).
    fn stamps_path(&self, dir: &Path) -> Option<PathBuf> {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let abs = crate::files::source::absolute(dir).ok()?;
        let key = format!(
            "{:032x}",
            KeyHasher::default().part(b"stamps").path(&abs).finish()
        );
        Some(self.dir.join(format!("s{key}")))
    }

    /// Ends the run: when it wrote entries, the oldest are removed until
    /// the cache fits its bound again (to three quarters of it, so that
    /// the next runs do not each remove a few).
    pub fn finish(&self) {
        if self.wrote.load(Ordering::Relaxed) {
            evict(&self.dir, max_bytes());
        }
    }
}

/// What the engine's output depends on besides the files: this binary
/// (its bytes, so any rebuild that changes it misses and a copy of the
/// same release hits, whatever its path or time), the selected rules as
/// loaded (spec and option values) and the kinds kept. None when the
/// binary cannot be read (then nothing is cached).
fn engine_key(engine: &Engine, cache: &Path) -> Option<u128> {
    let mut h = KeyHasher::default();
    h.part(FORMAT.as_bytes())
        .part(env!("CARGO_PKG_VERSION").as_bytes())
        .part(&exe_hash(cache)?.to_le_bytes());
    for rule in engine.rules() {
        h.part(format!("{:?}", rule.spec).as_bytes())
            .part(format!("{:?}", rule.options).as_bytes());
    }
    h.part(format!("{:?}", engine.kinds()).as_bytes());
    Some(h.finish())
}

/// The hash of this binary's bytes, through a stat record of it in the
/// cache (`cache/exe/<its path's hash>`, the racy rule of any stat record)
/// so that a warm run need not read and hash the whole binary.
fn exe_hash(cache: &Path) -> Option<u128> {
    let exe = std::path::absolute(std::env::current_exe().ok()?).ok()?;
    let key = KeyHasher::default().part(b"exe").path(&exe).finish();
    let at = cache.join("exe").join(format!("{key:032x}"));
    let taken = now_ns();
    let stat = FileStat::of(&exe);
    if let Some(x) = stat.and_then(|s| Stamps::load(&at).known("exe", &s)) {
        return Some(x);
    }
    let x = content_hash(&std::fs::read(&exe).ok()?);
    if let Some(s) = stat {
        let _ = stamps::store(&at, taken, &[("exe".to_string(), s, x)]);
    }
    Some(x)
}

/// One file's outcome as stored: the file's text (kept when a fix needs
/// it) is not, but read back from the file, whose bytes the key holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    findings: Vec<Finding>,
    fixes: Vec<Option<Fix>>,
    skipped: Vec<Skipped>,
    #[serde(with = "suppressed")]
    suppressed: Vec<Suppressed>,
    directives: Vec<Directive>,
    parsed: bool,
    text: bool,
    /// Each fix's files as the source names them: a fix part's own
    /// `Serialize` leaves its path out (shard results are read on other
    /// machines), but an entry is read back by the run that names its
    /// files the same way (the key holds every path).
    fix_paths: Vec<Vec<PathBuf>>,
}

impl Stored {
    fn of(o: &FileOutcome) -> Stored {
        Stored {
            findings: o.findings.clone(),
            fixes: o.fixes.clone(),
            skipped: o.skipped.clone(),
            suppressed: o.suppressed.clone(),
            directives: o.directives.clone(),
            parsed: o.parsed,
            text: o.text.is_some(),
            fix_paths: o
                .fixes
                .iter()
                .map(|f| {
                    f.iter()
                        .flat_map(|f| &f.parts)
                        .map(|p| p.path.clone())
                        .collect()
                })
                .collect(),
        }
    }

    /// None when the fixes' paths do not fit them (a damaged entry).
    fn outcome(mut self, text: Option<String>) -> Option<FileOutcome> {
        if self.fix_paths.len() != self.fixes.len() {
            return None;
        }
        for (fix, paths) in self.fixes.iter_mut().zip(self.fix_paths) {
            let parts = fix.as_mut().map_or(&mut [][..], |f| &mut f.parts[..]);
            if parts.len() != paths.len() {
                return None;
            }
            for (part, path) in parts.iter_mut().zip(paths) {
                part.path = path;
            }
        }
        Some(FileOutcome {
            findings: self.findings,
            fixes: self.fixes,
            skipped: self.skipped,
            text,
            suppressed: self.suppressed,
            directives: self.directives,
            parsed: self.parsed,
        })
    }
}

/// `Suppressed` in full: its own `Serialize` is the report's JSON, which
/// keeps only whether it came from a baseline.
mod suppressed {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Suppressed")]
    struct Def {
        rule: String,
        kind: Kind,
        file: String,
        posn: String,
        message: String,
        directive: String,
        reason: String,
        style: Style,
    }

    #[derive(Serialize, Deserialize)]
    struct One(#[serde(with = "Def")] Suppressed);

    pub fn serialize<S: serde::Serializer>(v: &[Suppressed], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|x| One(x.clone())))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<Suppressed>, D::Error> {
        Ok(Vec::<One>::deserialize(d)?
            .into_iter()
            .map(|o| o.0)
            .collect())
    }
}

/// The entry's header: format, key, checksum of the payload after it.
fn header(key: &str, payload: &[u8]) -> String {
    format!("{FORMAT}\n{key}\n{:032x}\n", content_hash(payload))
}

fn has_fix(c: &Checked) -> bool {
    c.outcome
        .as_ref()
        .is_ok_and(|o| o.fixes.iter().any(Option::is_some))
}

/// An entry's payload: the outcomes of the directory's files, in order,
/// and the fixed texts of the files its fixes touch.
#[derive(Serialize, Deserialize)]
struct Entry<S> {
    files: Vec<Result<Stored, S>>,
    /// By key, in hex (JSON numbers do not hold 128 bits).
    fixed: Vec<(String, Fixed)>,
}

fn store(path: &Path, key: &str, out: &[Checked], fixed: &Known) -> Result<()> {
    let mut fixed: Vec<(String, Fixed)> = fixed
        .iter()
        .map(|(k, f)| (format!("{k:032x}"), f.clone()))
        .collect();
    // The same bytes from every writer of this key.
    fixed.sort_by(|a, b| a.0.cmp(&b.0));
    let entry = Entry {
        files: out
            .iter()
            .map(|c| c.outcome.as_ref().map(Stored::of))
            .collect::<Vec<Result<Stored, &String>>>(),
        fixed,
    };
    let payload = serde_json::to_vec(&entry)?;
    let mut bytes = header(key, &payload).into_bytes();
    bytes.extend_from_slice(&payload);
    crate::files::write::overwrite_checked(path, &bytes)
}

/// The entry at `path` as the outcomes of `group`, with its fixed texts;
/// None when there is none or it cannot be trusted.
fn load(
    path: &Path,
    key: &str,
    pinned: &Pinned,
    group: &[(PathBuf, String)],
) -> Option<(Vec<Checked>, Known)> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let at = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(2)?
        .0;
    let payload = &bytes[at + 1..];
    if bytes[..=at] != *header(key, payload).as_bytes() {
        return None;
    }
    let entry: Entry<String> = serde_json::from_slice(payload).ok()?;
    let stored = entry.files;
    if stored.len() != group.len() {
        return None;
    }
    let fixed = entry
        .fixed
        .into_iter()
        .map(|(k, f)| Some((u128::from_str_radix(&k, 16).ok()?, f)))
        .collect::<Option<Known>>()?;
    let mut out = Vec::with_capacity(group.len());
    for ((path, display), s) in group.iter().zip(stored) {
        let outcome = match s {
            Ok(s) => {
                let text = match s.text {
                    true => Some(String::from_utf8(pinned.read(path).ok()?).ok()?),
                    false => None,
                };
                Ok(s.outcome(text)?)
            }
            Err(e) => Err(e),
        };
        out.push(Checked {
            path: path.clone(),
            display: display.clone(),
            outcome,
        });
    }
    if pinned.strayed() {
        return None;
    }
    refresh(&file);
    Some((out, fixed))
}

/// Marks an entry used, for eviction by age: at most once a day, so that
/// a warm run does not rewrite every entry's time.
fn refresh(file: &std::fs::File) {
    let day = Duration::from_secs(24 * 3600);
    let old = file
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > day));
    if old {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Removes the oldest entries of `dir` until they fit in three quarters
/// of `max` bytes, when they take more than `max`; and temporary files
/// that a killed run left (over an hour old).
fn evict(dir: &Path, max: u64) {
    let hour = Duration::from_secs(3600);
    let mut entries: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
    let mut total = 0;
    // Entries and stat records at the top, the binary's records in `exe/`.
    let listed = |d: &Path| {
        std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .flatten()
            .collect::<Vec<_>>()
    };
    let mut files = Vec::new();
    for e in listed(dir) {
        match e.file_type() {
            Ok(t) if t.is_dir() => files.extend(listed(&e.path())),
            _ => files.push(e),
        }
    }
    for e in files {
        let Ok(meta) = e.metadata() else { continue };
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        // Temporary files of older versions, left by a killed run.
        if e.file_name().to_string_lossy().starts_with(".gofix-leaks-") {
            if modified.elapsed().is_ok_and(|age| age > hour) {
                let _ = std::fs::remove_file(e.path());
            }
            continue;
        }
        total += meta.len();
        entries.push((modified, meta.len(), e.path()));
    }
    if total <= max {
        return;
    }
    entries.sort();
    for (_, len, path) in entries {
        if total <= max / 4 * 3 {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}
