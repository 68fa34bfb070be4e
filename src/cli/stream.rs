//! Checking a run's files a directory at a time on worker threads. For
//! `--format jsonl`, each directory's results are handed on in path order
//! as soon as it and every directory before it are done, and printed then
//! (`check_dirs`); the other formats collect them on the workers
//! (`check_dirs_all`). The order is the same for any thread count.

use crate::cli::cache::Cache;
use crate::engine::matching::Engine;
use crate::engine::merge::Checked;
use crate::files::source::Source;
use crate::go::package::Directory;
use anyhow::{Context, Result};
use foldhash::{HashMap, HashMapExt};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Checks `files` (shown as `displays`) and gives `sink` each directory's
/// files, in path order, directories in path order. Workers send finished
/// directories to this thread, which holds back those that finish before
/// an earlier one (a small reorder buffer: at most the directories in
/// flight). With a `cache`, an unchanged directory's files come from it.
pub fn check_dirs(
    engine: &Engine,
    source: &dyn Source,
    files: Vec<PathBuf>,
    displays: Vec<String>,
    threads: Option<usize>,
    cache: Option<&Cache>,
    sink: &mut dyn FnMut(Vec<Checked>),
) -> Result<()> {
    let progress = Progress::new(files.len() as u64);
    let (groups, _) = by_directory(files, displays);
    let pool = pool(threads)?;
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<Checked>)>();
    let progress = &progress;
    std::thread::scope(|s| {
        // The workers run off this thread, which only receives: with one
        // worker thread, waiting in the pool would leave none to work.
        s.spawn(move || {
            let work = move || {
                groups
                    .into_par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, (dir, group))| {
                        let out = one_directory(engine, source, cache, progress, &dir, group);
                        // The receiver lives until every sender is gone.
                        let _ = tx.send((i, out));
                    })
            };
            match &pool {
                Some(pool) => pool.install(work),
                None => work(),
            }
        });
        let mut waiting: BTreeMap<usize, Vec<Checked>> = BTreeMap::new();
        let mut next = 0;
        for (i, out) in rx {
            waiting.insert(i, out);
            while let Some(out) = waiting.remove(&next) {
                sink(out);
                next += 1;
            }
        }
    });
    progress.finish();
    Ok(())
}

/// [`check_dirs`] for a run that prints nothing before the end: each
/// directory's files in path order, directories in path order, collected
/// on the workers; with, for each directory, the places of its files in
/// `files`. Handing each directory to a receiving thread woke it once a
/// directory, a tenth of a cached run's time in the kernel.
pub fn check_dirs_all(
    engine: &Engine,
    source: &dyn Source,
    files: Vec<PathBuf>,
    displays: Vec<String>,
    threads: Option<usize>,
    cache: Option<&Cache>,
) -> Result<(Vec<Vec<Checked>>, Places)> {
    let progress = Progress::new(files.len() as u64);
    let (groups, places) = by_directory(files, displays);
    let progress = &progress;
    let work = move || {
        groups
            .into_par_iter()
            .map(|(dir, group)| one_directory(engine, source, cache, progress, &dir, group))
            .collect()
    };
    let out = match pool(threads)? {
        Some(pool) => pool.install(work),
        None => work(),
    };
    progress.finish();
    Ok((out, places))
}

/// A directory and its files, with their names shown.
type Group = (PathBuf, Vec<(PathBuf, String)>);

/// For each directory, the places its files had in the list of files.
pub type Places = Vec<Vec<usize>>;

/// The files by directory, directories in path order: a directory at a
/// time, its files share one parse of their package. Grouped by hash, then
/// the directories sorted once: a tree keyed by path compared paths
/// component by component for every file. Files come sorted, so most
/// follow one of their own directory: those join its group without a
/// lookup (a `Path` hash walks the path a component at a time). With each
/// group, the places its files had in `files`.
fn by_directory(files: Vec<PathBuf>, displays: Vec<String>) -> (Vec<Group>, Places) {
    let mut groups: Vec<(Group, Vec<usize>)> = Vec::new();
    let mut at: HashMap<PathBuf, usize> = HashMap::new();
    let mut last: Option<usize> = None;
    for (n, (path, display)) in files.into_iter().zip(displays).enumerate() {
        let dir = path.parent().unwrap_or(Path::new(""));
        let same = last.filter(|&i| groups[i].0.0.as_os_str() == dir.as_os_str());
        let i = match same {
            Some(i) => i,
            None => *at.entry(dir.to_path_buf()).or_insert_with(|| {
                groups.push(((dir.to_path_buf(), Vec::new()), Vec::new()));
                groups.len() - 1
            }),
        };
        groups[i].0.1.push((path, display));
        groups[i].1.push(n);
        last = Some(i);
    }
    crate::files::order::sort_by_path(&mut groups, |g| &g.0.0);
    groups.into_iter().unzip()
}

/// A pool of `threads` workers, or None for rayon's own (one per core).
fn pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>> {
    threads
        .map(|n| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n.max(1))
                .build()
                .context("cannot start worker threads")
        })
        .transpose()
}

/// One directory's files, from the cache when it has them.
fn one_directory(
    engine: &Engine,
    source: &dyn Source,
    cache: Option<&Cache>,
    progress: &Progress,
    dir: &Path,
    group: Vec<(PathBuf, String)>,
) -> Vec<Checked> {
    let check = |source: &dyn Source, group| check_dir(engine, source, dir, group, progress);
    match cache {
        Some(cache) => {
            let (out, hit) = cache.check_dir(source, dir, group, check);
            if hit {
                out.iter().for_each(|_| progress.tick());
            }
            out
        }
        None => check(source, group),
    }
}

/// The files of one directory, checked in parallel too (one big package,
/// like nats-server's 200 files in server/, would otherwise keep one core
/// busy while the other waits), in path order.
fn check_dir(
    engine: &Engine,
    source: &dyn Source,
    dir: &Path,
    group: Vec<(PathBuf, String)>,
    progress: &Progress,
) -> Vec<Checked> {
    let directory = Directory::new(source, dir);
    let paths: Vec<PathBuf> = group.iter().map(|(p, _)| p.clone()).collect();
    let shared = directory.checks_all(&paths);
    let mut out: Vec<Checked> = group
        .into_par_iter()
        .map(|(path, display)| {
            let outcome = match directory.bytes_of(&path, shared) {
                Ok(bytes) => engine.check(&directory, &path, &display, &bytes),
                Err(e) => Err(format!("{display}: cannot read: {e}")),
            };
            progress.tick();
            Checked {
                path,
                display,
                outcome,
            }
        })
        .collect();
    crate::files::order::sort_by_path(&mut out, |c| &c.path);
    out
}

/// A progress bar on stderr, shown only on a terminal and only once a run
/// has taken over a second.
struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: AtomicBool,
    terminal: bool,
}

impl Progress {
    fn new(len: u64) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} files [{bar:30}] {elapsed}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        Progress {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&self) {
        self.bar.inc(1);
        if self.terminal
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
