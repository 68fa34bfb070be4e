//! `--shard K/N`: which part of a run's packages this job checks, so that a
//! CI system's own parallel jobs (a GitHub Actions matrix, GitLab
//! `parallel:`, Buildkite parallelism) can split one large run.
//!
//! The unit is a package directory, so the package-level analysis (sibling
//! files, fixes in other files of the package) stays whole. Directories are
//! balanced by bytes, not by count: one directory of hundreds of files costs
//! what hundreds of small ones do. The assignment depends only on the
//! directories' paths (as output shows them, relative to the repository) and
//! the sizes of their Go files as the run reads them (HEAD's tree with
//! --apply), so every machine of the matrix computes the same one.

use crate::files::source::Source;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Part `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// Parses `K/N` with 1 ≤ K ≤ N (clap's value parser: a bad value exits 2).
pub fn parse(s: &str) -> Result<Shard, String> {
    let bad = || format!("`{s}`: expected K/N with 1 <= K <= N, e.g. 3/8");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (index, count) = (
        k.trim().parse::<usize>().map_err(|_| bad())?,
        n.trim().parse::<usize>().map_err(|_| bad())?,
    );
    if index == 0 || count == 0 || index > count {
        return Err(bad());
    }
    Ok(Shard { index, count })
}

/// The directory of a file as output shows it (`a/b.go` -> `a`).
pub fn dir_of(display: &str) -> &str {
    display.rsplit_once('/').map_or("", |(d, _)| d)
}

/// The bytes of the Go files of every directory holding one of `files`.
fn dir_bytes<'a>(
    source: &dyn Source,
    files: &[PathBuf],
    displays: &'a [String],
) -> BTreeMap<&'a str, u64> {
    let mut bytes: BTreeMap<&str, u64> = BTreeMap::new();
    for (path, display) in files.iter().zip(displays) {
        // An unreadable file weighs nothing here; the check reports it.
        let size = source.size(path).unwrap_or(0);
        *bytes.entry(dir_of(display)).or_default() += size;
    }
    bytes
}

/// The bin (0-based) of every directory of `bytes`: longest processing
/// time first, largest first with ties by path; each goes to the lightest
/// bin, ties to the lowest index. No bin then exceeds the mean by more
/// than the largest directory.
pub fn assign<'a>(bytes: &BTreeMap<&'a str, u64>, count: usize) -> BTreeMap<&'a str, usize> {
    let mut dirs: Vec<(&str, u64)> = bytes.iter().map(|(d, b)| (*d, *b)).collect();
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut load = vec![0u64; count];
    let mut out = BTreeMap::new();
    for (dir, size) in dirs {
        let bin = (0..count)
            .min_by_key(|&i| (load[i], i))
            .expect("count >= 1");
        load[bin] += size;
        out.insert(dir, bin);
    }
    out
}

/// Keeps the files of `shard`'s directories, and the walk's notes about
/// them; a note in a directory no shard holds (a symlink beside no Go
/// file) goes to shard 1, so the joined shards report it once. Returns a
/// digest of what was split (every directory with its bytes), which every
/// shard of one split shares.
pub fn keep(
    shard: Shard,
    source: &dyn Source,
    files: &mut Vec<PathBuf>,
    displays: &mut Vec<String>,
    notes: &mut [&mut Vec<(PathBuf, String, String)>],
) -> String {
    let bytes = dir_bytes(source, files, displays);
    let split: String = bytes.iter().map(|(d, b)| format!("{d}\t{b}\n")).collect();
    let bins: BTreeMap<String, usize> = assign(&bytes, shard.count)
        .into_iter()
        .map(|(d, bin)| (d.to_string(), bin))
        .collect();
    let mine = |display: &str| match bins.get(dir_of(display)) {
        Some(&bin) => bin + 1 == shard.index,
        None => shard.index == 1,
    };
    let (kept, kept_displays): (Vec<PathBuf>, Vec<String>) = files
        .drain(..)
        .zip(displays.drain(..))
        .filter(|(_, d)| mine(d))
        .unzip();
    (*files, *displays) = (kept, kept_displays);
    for list in notes {
        list.retain(|(_, display, _)| mine(display));
    }
    crate::cli::results::digest(split.as_bytes())
}
