//! What one package directory's analysis reads, fingerprinted before it
//! runs, so a result cache can be keyed on it: the directory's `.go` files
//! (siblings are looked up in them), the files being checked, and the
//! nearest go.mod (its Go version and path change fixes). As a `Source`,
//! a `Pinned` then serves the analysis (a file it read to hash, from the
//! bytes it hashed, the first time) and notes any read its fingerprint
//! did not cover, or whose bytes differ from those hashed (a file edited
//! during the run): a result built on such a read must not be stored
//! under the fingerprint.
//!
//! A file whose stat matches a trusted record of `files::stamps` is
//! fingerprinted by its recorded hash without being read; the records of
//! what was read are handed back for the next run.

use crate::files::source::{FoundUp, Source, plain};
use crate::files::stamps::{Record, Stamps};
use foldhash::{HashMap, HashMapExt};
use std::collections::hash_map::Entry;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use xxhash_rust::xxh3::{Xxh3, xxh3_128};

/// A 128-bit hash of `bytes`: the one content hash of cache keys and
/// entries (xxh3: fast enough that hashing a tree costs less than reading it).
pub fn content_hash(bytes: &[u8]) -> u128 {
    xxh3_128(bytes)
}

/// A hash of several parts, each length-prefixed so that no two lists of
/// parts hash alike by shifting a boundary.
#[derive(Default)]
pub struct KeyHasher(Xxh3);

impl KeyHasher {
    pub fn part(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update(&(bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }

    pub fn path(&mut self, p: &Path) -> &mut Self {
        self.part(p.as_os_str().as_encoded_bytes())
    }

    pub fn finish(&self) -> u128 {
        self.0.digest128()
    }
}

/// What reading a file gave: its bytes' hash, or the error.
#[derive(Debug, Clone, PartialEq)]
enum Seen {
    Bytes(u128),
    Error(io::ErrorKind, String),
}

impl Seen {
    fn of(r: &io::Result<Vec<u8>>) -> Seen {
        match r {
            Ok(b) => Seen::Bytes(content_hash(b)),
            Err(e) => Seen::Error(e.kind(), e.to_string()),
        }
    }

    fn feed(&self, h: &mut KeyHasher) {
        match self {
            Seen::Bytes(x) => h.part(b"ok").part(&x.to_le_bytes()),
            Seen::Error(kind, msg) => h.part(format!("{kind:?}").as_bytes()).part(msg.as_bytes()),
        };
    }
}

pub struct Pinned<'s> {
    inner: &'s dyn Source,
    dir: PathBuf,
    listing: Vec<PathBuf>,
    /// By plain path, as bytes: hashing a `Path` hashes it a component at
    /// a time (two per file here, on every cached run).
    seen: HashMap<OsString, Seen>,
    go_mod: Option<FoundUp>,
    digest: u128,
    strayed: AtomicBool,
    /// The stat records of the files fingerprinted.
    records: Vec<Record>,
    /// Whether a file was read to be hashed (none was when the records
    /// loaded vouched for every one: then they are still the same).
    read_any: bool,
    /// The bytes read to be hashed, until the analysis reads them: the
    /// very bytes the digest covers, given once instead of read again (a
    /// first run read every file twice).
    kept: std::sync::Mutex<HashMap<OsString, Vec<u8>>>,
}

impl<'s> Pinned<'s> {
    /// Reads and hashes what checking `files` (all directly in `dir`) reads
    /// through `inner`, but for files that `known` vouches for.
    pub fn new(inner: &'s dyn Source, dir: &Path, files: &[PathBuf], known: &Stamps) -> Pinned<'s> {
        let listed = inner.go_files_stat(dir);
        let mut h = KeyHasher::default();
        h.path(&plain(dir));
        let mut seen = HashMap::new();
        let mut records = Vec::new();
        let mut read_any = false;
        let mut kept = HashMap::new();
        // The listing in its order, then checked files it lacks (a file
        // given by name that the listing filters out).
        // A listed file's stat came with the listing; a file it lacks is
        // stat'ed here.
        for (p, listed) in listed
            .iter()
            .map(|(p, stat)| (p, Some(*stat)))
            .chain(files.iter().map(|f| (f, None)))
        {
            let Entry::Vacant(slot) = seen.entry(plain(p).into_os_string()) else {
                continue;
            };
            // The stat before the read: a file written in between then has
            // a record older than its bytes, which no later stat matches.
            let name = p.file_name().and_then(|n| n.to_str());
            let stat = name.and_then(|_| listed.unwrap_or_else(|| inner.stat(p)));
            let vouched = match (name, stat) {
                (Some(n), Some(st)) => known.known(n, &st),
                _ => None,
            };
            let s = match vouched {
                Some(x) => Seen::Bytes(x),
                None => {
                    read_any = true;
                    let r = inner.read(p);
                    let s = Seen::of(&r);
                    if let Ok(bytes) = r {
                        kept.insert(slot.key().clone(), bytes);
                    }
                    s
                }
            };
            if let (Some(n), Some(st), Seen::Bytes(x)) = (name, stat, &s) {
                records.push((n.to_string(), st, *x));
            }
            h.path(Path::new(slot.key()));
            s.feed(&mut h);
            slot.insert(s);
        }
        let listing = listed.into_iter().map(|(p, _)| p).collect();
        let go_mod = inner.find_up(dir, "go.mod");
        match &go_mod {
            Some(up) => h
                .part(b"go.mod")
                .part(&up.hash.to_le_bytes())
                .path(&up.below),
            None => h.part(b"no go.mod"),
        };
        Pinned {
            inner,
            dir: plain(dir),
            listing,
            seen,
            go_mod,
            digest: h.finish(),
            strayed: AtomicBool::new(false),
            records,
            read_any,
            kept: std::sync::Mutex::new(kept),
        }
    }

    /// The hash of everything read: equal digests, equal inputs.
    pub fn digest(&self) -> u128 {
        self.digest
    }

    /// Whether the analysis read something the digest does not cover, or
    /// a file whose bytes changed since they were hashed.
    pub fn strayed(&self) -> bool {
        self.strayed.load(Ordering::Relaxed)
    }

    /// The stat records to store for the next run.
    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Whether a file was read to be hashed: then the records loaded
    /// (if any) no longer hold.
    pub fn read_any(&self) -> bool {
        self.read_any
    }

    fn stray(&self) {
        self.strayed.store(true, Ordering::Relaxed);
    }
}

impl Source for Pinned<'_> {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let key = plain(path).into_os_string();
        let kept = self.kept.lock().ok().and_then(|mut k| k.remove(&key));
        if let Some(bytes) = kept {
            return Ok(bytes);
        }
        let r = self.inner.read(path);
        if self.seen.get(&key) != Some(&Seen::of(&r)) {
            self.stray();
        }
        r
    }

    fn go_files_in(&self, dir: &Path) -> Vec<PathBuf> {
        if plain(dir) == self.dir {
            return self.listing.clone();
        }
        self.stray();
        self.inner.go_files_in(dir)
    }

    fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp> {
        if plain(dir) == self.dir && name == "go.mod" {
            return self.go_mod.clone();
        }
        self.stray();
        self.inner.find_up(dir, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::source::WorkTree;

    /// The analysis gets the very bytes the fingerprint hashed, without
    /// reading the file again; a file edited after that is read afresh
    /// on a second read, and the edit makes the result unfit to store.
    #[test]
    fn the_bytes_hashed_are_the_bytes_read() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a.go"), tmp.path().join("b.go"));
        std::fs::write(&a, "package p\n").unwrap();
        std::fs::write(&b, "package p\n\nvar x = 1\n").unwrap();
        let pinned = Pinned::new(
            &WorkTree,
            tmp.path(),
            std::slice::from_ref(&a),
            &Stamps::default(),
        );
        std::fs::write(&a, "package p // edited\n").unwrap();
        assert_eq!(pinned.read(&a).unwrap(), b"package p\n");
        assert_eq!(pinned.read(&b).unwrap(), b"package p\n\nvar x = 1\n");
        assert!(!pinned.strayed());
        assert_eq!(pinned.read(&a).unwrap(), b"package p // edited\n");
        assert!(pinned.strayed());
    }
}
