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
//! else is not stored. The binary's hash comes through a stat record of
//! its own (`DIR/v3/exe/`), so that a warm run does not read it.
//!
//! A directory's entry is one file, `DIR/v3/p<slot>`, its slot named by
//! what is known before any file is read: the engine, the source (the
//! work tree, a commit with `--apply`, a buffer on stdin), the directory's
//! absolute path and the files checked with their names. It holds the key
//! it was made under, the stat records of the directory's files
//! (`files::stamps`: an unchanged file is taken at its recorded hash, not
//! read), the outcomes and, for the files the directory's fixes touch,
//! their fixed texts (`merge::Known`: the run's merge takes them instead
//! of parsing each fixed file again, which was half of a warm run) and
//! their diffs (`diff::Known`: the text output takes them instead of
//! diffing again, which was half of a warm run over many fixes). One
//! file a directory: a warm run's cost is mostly system calls, and a first
//! run's mostly creating files, so each reads or makes one, not two.
//!
//! An entry is written in place (`files::write::overwrite_checked`: no
//! temporary file) and starts with a format line and a checksum of the
//! rest: an entry that is short, garbled (a reader racing a writer, two
//! writers interleaving, a crash), of another format or under another key
//! is ignored, analysed again and overwritten, never trusted. A changed
//! file overwrites its directory's entry: the slot keeps the latest
//! outcome only. The cache is bounded: a run that wrote entries removes
//! the oldest (by modification time; a hit rewrites an entry whose records
//! are a day old) until the rest fit in [`max_bytes`].

use crate::cli::args::Args;
use crate::engine::diagnostic::{Finding, Kind, Skipped};
use crate::engine::edit::Fix;
use crate::engine::matching::{Engine, FileOutcome};
use crate::engine::merge::{self, Checked, Fixed, Known};
use crate::engine::suppress::{Directive, Style, Suppressed};
use crate::files::pinned::{KeyHasher, Pinned, content_hash};
use crate::files::source::{Source, dir_or_dot};
use crate::files::stamps::{self, FileStat, Stamps, now_ns};
use crate::report::diff;
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

/// The first line of every entry; a new payload shape gets a new number.
const FORMAT: &str = "gofix-leaks-cache 4";

/// The directory of this layout under the cache's root.
const LAYOUT: &str = "v3";

/// How old an entry's records get before a hit writes them again, so
/// that eviction by age sees the entry used.
const DAY_NS: i64 = 24 * 3600 * 1_000_000_000;

/// The default bound on the cache's size; `GOFIX_LEAKS_CACHE_MAX_BYTES`
/// sets another.
const DEFAULT_MAX_BYTES: u64 = 256 << 20;

pub struct Cache {
    /// `DIR/v3`.
    dir: PathBuf,
    engine_key: u128,
    /// Where the run reads files from: slots of one directory read from
    /// the work tree and from a commit are kept apart.
    scope: &'static str,
    hits: AtomicUsize,
    misses: AtomicUsize,
    wrote: AtomicBool,
    /// The fixed texts of the files the entries read hold fixes for, and
    /// their diffs.
    known: std::sync::Mutex<(Known, diff::Known)>,
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
        let dir = root.join(LAYOUT);
        // The layouts before this one (`v1/`: entries in 256
        // subdirectories; `v2/`: stat records apart from the entries),
        // whose entries are never read, are removed from the default
        // directory, which is ours alone, when they have their `exe/`. A
        // `--cache-dir` may be shared with other things: its old
        // directories are left to the user.
        for old in ["v1", "v2"].map(|v| root.join(v)) {
            if !explicit && old.join("exe").is_dir() {
                let _ = std::fs::remove_dir_all(old);
            }
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
        let scope = if args.apply {
            "commit"
        } else if args.stdin_filename.is_some() {
            "stdin"
        } else {
            "work tree"
        };
        Ok(Some(Cache {
            dir,
            engine_key,
            scope,
            hits: AtomicUsize::new(0),
            misses: AtomicUsize::new(0),
            wrote: AtomicBool::new(false),
            known: Default::default(),
        }))
    }

    /// Where the walk of a work-tree run keeps its index.
    pub fn walk_index(&self) -> crate::files::walkindex::KeptAt {
        crate::files::walkindex::KeptAt {
            dir: self.dir.clone(),
            salt: self.engine_key,
        }
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
        crate::files::order::sort_by_path(&mut group, |g| &g.0);
        let files: Vec<PathBuf> = group.iter().map(|(p, _)| p.clone()).collect();
        let slot = self.slot_path(dir, &group);
        let bytes = slot.as_deref().and_then(read_slot);
        let stored = bytes.as_deref().and_then(Slot::parse);
        let known = stored.as_ref().map(|s| &s.stamps);
        // Read before any file is stat'ed: the records' racy-rule stamp.
        let taken = now_ns();
        let pinned = Pinned::new(source, dir, &files, known.unwrap_or(&Stamps::default()));
        let mut h = KeyHasher::default();
        h.part(&self.engine_key.to_le_bytes())
            .part(&pinned.digest().to_le_bytes());
        for (path, display) in &group {
            h.path(path).part(display.as_bytes());
        }
        let key = format!("{:032x}", h.finish());
        if let Some(stored) = stored.filter(|s| s.key == key)
            && let Some((out, fixed)) = load(stored.payload, &pinned, &group)
        {
            self.hits.fetch_add(1, Ordering::Relaxed);
            // Records of a file read again (its stat moved, its bytes did
            // not), or a day old: written again, with the same outcomes.
            let stale = taken.saturating_sub(stored.stamps.taken_ns()) > DAY_NS;
            if let Some(at) = &slot
                && (pinned.read_any() || stale)
            {
                self.store(at, &key, taken, &pinned, stored.payload);
            }
            self.remember(fixed);
            return (out, true);
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let out = check(&pinned, group);
        // The directory's fixes merged on their own: the run merges them
        // the same way (a fix touches files of its own directory only), so
        // it takes these fixed texts and their diffs, and so does a
        // re-run. A file whose accepted edits differ in the run (the gate
        // dropped a finding) has another key, and the run makes its text
        // and diff itself.
        let fixed = match out.iter().any(has_fix) {
            true => {
                let (merged, texts) = merge::merge_with(out.clone(), &pinned, &Known::new(), true);
                let diffs = merged.changes.iter().map(|c| {
                    let key = diff::key(&c.display, &c.old, &c.new);
                    (key, diff::unified(&c.display, &c.old, &c.new))
                });
                (texts, diffs.collect())
            }
            false => Default::default(),
        };
        if let Some(at) = &slot
            && !pinned.strayed()
            && let Ok(payload) = payload(&out, &fixed)
        {
            self.store(at, &key, taken, &pinned, &payload);
        }
        self.remember(fixed);
        (out, false)
    }

    /// Writes the entry `at`: `payload` made under `key`, with the records
    /// of `pinned` taken at `taken`.
    fn store(&self, at: &Path, key: &str, taken: i64, pinned: &Pinned, payload: &[u8]) {
        let records = stamps::encode(taken, pinned.records());
        let bytes = Slot::bytes(key, &records, payload);
        if crate::files::write::overwrite_checked(at, &bytes).is_ok() {
            self.wrote.store(true, Ordering::Relaxed);
        }
    }

    fn remember(&self, (texts, diffs): (Known, diff::Known)) {
        if !(texts.is_empty() && diffs.is_empty())
            && let Ok(mut known) = self.known.lock()
        {
            known.0.extend(texts);
            known.1.extend(diffs);
        }
    }

    /// The fixed texts the run's entries hold, for its merge, and their
    /// diffs, for the text output.
    pub fn take_known(&self) -> (Known, diff::Known) {
        self.known
            .lock()
            .map(|mut k| std::mem::take(&mut *k))
            .unwrap_or_default()
    }

    /// The entry of `dir` checked as `group`, named by everything but
    /// the files' bytes: its absolute path, the files and their displayed
    /// names, the engine and the source.
    fn slot_path(&self, dir: &Path, group: &[(PathBuf, String)]) -> Option<PathBuf> {
        let abs = crate::files::source::absolute(dir_or_dot(dir)).ok()?;
        let mut h = KeyHasher::default();
        h.part(b"slot")
            .part(&self.engine_key.to_le_bytes())
            .part(self.scope.as_bytes())
            .path(&abs);
        for (path, display) in group {
            h.path(path).part(display.as_bytes());
        }
        Some(self.dir.join(format!("p{:032x}", h.finish())))
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
    h.part(engine.pack_text().as_bytes())
        .part(format!("{:?}", engine.kinds()).as_bytes());
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
/// Empty parts are left out: most files' outcome is `{}`, and decoding
/// the outcomes is most of a hit's own work.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Option<Fix>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    skipped: Vec<Skipped>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", with = "suppressed")]
    suppressed: Vec<Suppressed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    directives: Vec<Directive>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    parsed: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    text: bool,
    /// Each fix's files as the source names them: a fix part's own
    /// `Serialize` leaves its path out (shard results are read on other
    /// machines), but an entry is read back by the run that names its
    /// files the same way (the key holds every path).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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

fn has_fix(c: &Checked) -> bool {
    c.outcome
        .as_ref()
        .is_ok_and(|o| o.fixes.iter().any(Option::is_some))
}

/// An entry's outcomes: those of the directory's files, in order, the
/// fixed texts of the files its fixes touch, and their diffs.
#[derive(Serialize, Deserialize)]
struct Entry<S> {
    files: Vec<Result<Stored, S>>,
    /// By key, in hex (JSON numbers do not hold 128 bits).
    fixed: Vec<(String, Fixed)>,
    /// By `diff::key`, in hex.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    diffs: Vec<(String, String)>,
}

/// An entry as read: the key it was made under, its stat records and its
/// outcomes (JSON, decoded only on a hit).
struct Slot<'a> {
    key: &'a str,
    stamps: Stamps,
    payload: &'a [u8],
}

impl Slot<'_> {
    /// An entry's bytes: the format line, a checksum of the rest, the key,
    /// the records' length in bytes, the records, the outcomes.
    fn bytes(key: &str, records: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut rest = format!("{key}\n{}\n", records.len()).into_bytes();
        rest.extend_from_slice(records);
        rest.extend_from_slice(payload);
        crate::files::write::sealed(FORMAT, &rest)
    }

    /// None for anything [`Slot::bytes`] did not make whole.
    fn parse(bytes: &[u8]) -> Option<Slot<'_>> {
        let rest = crate::files::write::unsealed(FORMAT, bytes)?;
        let (key, rest) = split_line(rest)?;
        let (len, rest) = split_line(rest)?;
        let len: usize = std::str::from_utf8(len).ok()?.parse().ok()?;
        let records = rest.get(..len)?;
        Some(Slot {
            key: std::str::from_utf8(key).ok()?,
            stamps: stamps::decode(records)?,
            payload: &rest[len..],
        })
    }
}

/// The line at the start of `bytes` (without its newline), and the rest.
fn split_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|b| *b == b'\n')?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

/// The bytes of the entry at `path`, if there is one: an open, a read
/// into a buffer most entries fit, a close (`fs::read` asks the file's
/// size first, which was two system calls more per package on a warm run).
/// A read that does not fill the buffer reached the end of a regular
/// file, so no second read asks for it; should one ever come back short
/// otherwise, the entry's checksum refuses the bytes (a miss). The buffer
/// is the thread's, zeroed once: zeroing one per entry cost more than the
/// copy of what was read.
fn read_slot(path: &Path) -> Option<Vec<u8>> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; 16 << 10]);
    }
    let mut file = std::fs::File::open(path).ok()?;
    BUF.with_borrow_mut(|buf| {
        let n = file.read(buf).ok()?;
        let mut bytes = buf[..n].to_vec();
        if n == buf.len() {
            file.read_to_end(&mut bytes).ok()?;
        }
        Some(bytes)
    })
}

/// `map` as an entry holds it: keys in hex (JSON numbers do not hold 128
/// bits), sorted, so that every writer of an entry writes the same bytes.
fn hex_keyed<T: Clone>(map: &HashMap<u128, T>) -> Vec<(String, T)> {
    let mut v: Vec<(String, T)> = map
        .iter()
        .map(|(k, x)| (format!("{k:032x}"), x.clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// What [`hex_keyed`] wrote; None when a key is not hex.
fn by_hex_key<T>(v: Vec<(String, T)>) -> Option<HashMap<u128, T>> {
    v.into_iter()
        .map(|(k, x)| Some((u128::from_str_radix(&k, 16).ok()?, x)))
        .collect()
}

/// The outcomes `out`, fixed texts and diffs as an entry's JSON.
fn payload(out: &[Checked], (texts, diffs): &(Known, diff::Known)) -> Result<Vec<u8>> {
    let entry = Entry {
        files: out
            .iter()
            .map(|c| c.outcome.as_ref().map(Stored::of))
            .collect::<Vec<Result<Stored, &String>>>(),
        fixed: hex_keyed(texts),
        diffs: hex_keyed(diffs),
    };
    Ok(serde_json::to_vec(&entry)?)
}

/// An entry's outcomes as those of `group`, with its fixed texts and
/// diffs; None when they do not fit it.
fn load(
    payload: &[u8],
    pinned: &Pinned,
    group: &[(PathBuf, String)],
) -> Option<(Vec<Checked>, (Known, diff::Known))> {
    let entry: Entry<String> = serde_json::from_slice(payload).ok()?;
    let stored = entry.files;
    if stored.len() != group.len() {
        return None;
    }
    let (fixed, diffs) = (by_hex_key(entry.fixed)?, by_hex_key(entry.diffs)?);
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
    Some((out, (fixed, diffs)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An entry is read whole whatever its size against the buffer, and
    /// the buffer kept between reads leaves nothing of a longer one.
    #[test]
    fn an_entry_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        for len in [100_000, 0, 100, (16 << 10) - 1, 16 << 10, (16 << 10) + 1, 5] {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert_eq!(read_slot(&path), Some(bytes), "{len}");
        }
        assert_eq!(read_slot(&dir.path().join("none")), None);
    }
}
