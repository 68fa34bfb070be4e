//! Where a run's report goes besides stdout, and what it says about the
//! run itself: `--output FORMAT=PATH` (several formats in one run, each
//! file written atomically once the run is done), `--format jsonl` lines,
//! the `--stats` summary, and the warnings about PATHs that hold no Go file.
//! `output_paths` lists the files a run will write, for checks made before
//! anything is changed.

use crate::cli::args::{Args, Format};
use crate::engine::diagnostic::{Finding, Kind};
use crate::engine::merge::Checked;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One `--output FORMAT=PATH`.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    pub format: Format,
    pub path: PathBuf,
}

/// Parses `FORMAT=PATH`. `-` is refused as PATH: stdout carries
/// `--format`'s output, and two formats there would be one unreadable
/// stream.
pub fn parse_spec(s: &str) -> Result<OutputSpec, String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected FORMAT=PATH, e.g. json=leaks.json"))?;
    let format = <Format as clap::ValueEnum>::from_str(format, false).map_err(|_| {
        format!("`{format}`: unknown format; expected one of json, sarif, github, text, jsonl")
    })?;
    if path.is_empty() {
        return Err(format!("`{s}`: no PATH after `=`"));
    }
    if path == "-" {
        return Err(format!(
            "`{s}`: stdout is for --format; write `--format {}` instead",
            format_name(format)
        ));
    }
    Ok(OutputSpec {
        format,
        path: PathBuf::from(path),
    })
}

fn format_name(format: Format) -> String {
    clap::ValueEnum::to_possible_value(&format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// The files this run will write besides source files: `--output` paths.
/// (`--pr-body` is not here: with `--split` its names depend on the groups.)
pub fn output_paths(args: &Args) -> Vec<PathBuf> {
    let joined = args.joined_out.iter().cloned();
    args.output
        .iter()
        .map(|o| o.path.clone())
        .chain(joined)
        .collect()
}

/// Every format this run renders: `--format`'s and each `--output`'s.
pub fn formats(args: &Args) -> impl Iterator<Item = Format> + '_ {
    std::iter::once(args.format).chain(args.output.iter().map(|o| o.format))
}

/// Writes each `--output` file with what `render` makes of its format.
/// A file that cannot be written is reported on stderr and the others are
/// still written; returns whether every one was.
pub fn write_outputs(
    args: &Args,
    render: &mut dyn FnMut(Format, &mut Vec<u8>) -> Result<()>,
) -> Result<bool> {
    let mut ok = true;
    for o in &args.output {
        let mut bytes = Vec::new();
        render(o.format, &mut bytes)?;
        if let Err(e) = crate::files::write::replace_atomic(&o.path, &bytes) {
            eprintln!("error: --output {}: {e:#}", format_name(o.format));
            ok = false;
        }
    }
    Ok(ok)
}

/// Findings as JSON lines, and with `stats` a last `{"stats":...}` line.
/// Directory by directory, as the stream prints them, so a file holds the
/// bytes `--format jsonl` prints.
pub fn jsonl(findings: &[Finding], stats: Option<&Stats>, out: &mut dyn Write) -> Result<()> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| {
        let key = |f: &'_ Finding| {
            (
                Path::new(&f.file).parent().map(Path::to_path_buf),
                f.file.clone(),
                f.start,
            )
        };
        (key(a), &a.rule).cmp(&(key(b), &b.rule))
    });
    for f in sorted {
        serde_json::to_writer(&mut *out, f)?;
        writeln!(out)?;
    }
    if let Some(stats) = stats {
        // A struct, not json!(): the fields keep their order, as in JSON.
        #[derive(Serialize)]
        struct Line<'a> {
            stats: &'a Stats,
        }
        serde_json::to_writer(&mut *out, &Line { stats })?;
        writeln!(out)?;
    }
    Ok(())
}

/// How many files a run saw, parsed, and could not read.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    seen: usize,
    parsed: usize,
    unreadable: usize,
    /// The cache's hits and misses (None without a cache).
    cache: Option<(usize, usize)>,
}

impl Counts {
    pub fn of(checked: &[Checked], cache: Option<(usize, usize)>) -> Counts {
        Counts {
            cache,
            seen: checked.len(),
            parsed: checked
                .iter()
                .filter(|c| c.outcome.as_ref().is_ok_and(|o| o.parsed))
                .count(),
            unreadable: checked.iter().filter(|c| c.outcome.is_err()).count(),
        }
    }
}

/// `--stats`: JSON `stats`, jsonl's last line, and text's stderr summary.
/// Only `wall_ms` differs between two runs on the same files.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Go files the run looked at.
    pub files_seen: usize,
    /// Files parsed: the others hold none of the literals a rule needs, or
    /// are generated, or could not be read.
    pub files_parsed: usize,
    pub files_not_parsed: usize,
    pub files_unreadable: usize,
    /// Regions not analysed (`skipped`).
    pub skipped: usize,
    /// Findings by kind (`leak`, `allocation`), every kind listed.
    pub findings: BTreeMap<String, usize>,
    /// Findings with an automatic fix.
    pub fixes: usize,
    pub suppressed: usize,
    pub wall_ms: u128,
    /// With the cache on: package directories whose results came from it,
    /// and those analysed (absent with `--no-cache`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_hits: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_misses: Option<usize>,
}

impl Stats {
    pub fn new(
        counts: Counts,
        findings: &[Finding],
        skipped: usize,
        suppressed: usize,
        wall: Duration,
    ) -> Stats {
        let by_kind = Kind::ALL
            .into_iter()
            .map(|k| {
                (
                    k.to_string(),
                    findings.iter().filter(|f| f.kind == k).count(),
                )
            })
            .collect();
        Stats {
            files_seen: counts.seen,
            files_parsed: counts.parsed,
            files_not_parsed: counts.seen - counts.parsed,
            files_unreadable: counts.unreadable,
            skipped,
            findings: by_kind,
            fixes: findings.iter().filter(|f| f.has_fix()).count(),
            suppressed,
            wall_ms: wall.as_millis(),
            cache_hits: counts.cache.map(|c| c.0),
            cache_misses: counts.cache.map(|c| c.1),
        }
    }

    /// The text summary, one line.
    pub fn line(&self) -> String {
        let kinds: Vec<String> = self
            .findings
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        format!(
            "stats: {} file(s) seen, {} parsed, {} not parsed, {} unreadable; {} region(s) skipped; {} finding(s) ({}), {} with a fix, {} suppressed; {}{:.3} s",
            self.files_seen,
            self.files_parsed,
            self.files_not_parsed,
            self.files_unreadable,
            self.skipped,
            self.findings.values().sum::<usize>(),
            kinds.join(", "),
            self.fixes,
            self.suppressed,
            match (self.cache_hits, self.cache_misses) {
                (Some(h), Some(m)) => format!("{h} package(s) from the cache, {m} analysed; "),
                _ => String::new(),
            },
            self.wall_ms as f64 / 1000.0
        )
    }
}

/// Warns on stderr about each PATH that is not a Go file or a directory,
/// and about a run with no Go file to check. Some(2) when PATHs were given
/// and none held a Go file (a typo, or the wrong directory, should not pass
/// as a clean run); `found` counts the Go files before the configuration's
/// `exclude`, `kept` after.
pub fn check_inputs(paths: &[String], found: usize, kept: usize) -> Option<u8> {
    let not_go = crate::files::walk::not_go_paths(paths);
    for (p, why) in &not_go {
        eprintln!("warning: {}: {why}; not checked", p.display());
    }
    if kept > 0 {
        return None;
    }
    let shown = if paths.is_empty() {
        ".".to_string()
    } else {
        paths.join(" ")
    };
    if found > 0 {
        eprintln!(
            "warning: no Go file checked: the configuration's `exclude` matches every Go file in {shown}"
        );
        return None;
    }
    if paths.is_empty() {
        eprintln!("warning: no Go file checked: none found in {shown}");
        return None;
    }
    eprintln!("gofix-leaks: error: no Go file to check in {shown}");
    Some(2)
}

/// Whether the PATHs name stdin (`-`).
fn is_stdin(paths: &[String]) -> bool {
    paths.iter().any(|p| p == "-")
}

/// The checks of a run reading stdin, made before anything else: `-`
/// alone, named by `--stdin-filename`, and no --write or --apply (there is
/// no file to write the fix into). After them, `--stdin-filename` given
/// means stdin is read.
pub fn check_stdin(args: &Args) -> Result<()> {
    if !is_stdin(&args.paths) {
        if args.stdin_filename.is_some() {
            anyhow::bail!("--stdin-filename needs `-` as the PATH");
        }
        return Ok(());
    }
    if args.paths.len() > 1 {
        anyhow::bail!("`-` (stdin) must be the only PATH");
    }
    if args.stdin_filename.is_none() {
        anyhow::bail!("`-` reads a file from stdin: give its path with --stdin-filename PATH");
    }
    if args.write || args.apply {
        anyhow::bail!(
            "--{} cannot be used with `-` (stdin): there is no file to change; the diff on stdout is the fix",
            if args.write { "write" } else { "apply" }
        );
    }
    Ok(())
}

/// Checks the files. With `--format jsonl` each directory's findings are
/// printed as JSON lines as soon as it (and every directory before it) is
/// done, flushed per directory. A fix touches only files of its own
/// package, so merging one directory alone gives the findings the whole
/// run's merge gives. Returns what was checked, in path order.
pub fn check(
    engine: &crate::engine::matching::Engine,
    source: &dyn crate::files::source::Source,
    (files, displays): (Vec<PathBuf>, Vec<String>),
    args: &Args,
    streamed: bool,
    cache: Option<&crate::cli::cache::Cache>,
) -> Result<Vec<Checked>> {
    if !streamed {
        return crate::cli::run::check_all(engine, source, files, displays, args.threads, cache);
    }
    let mut all = Vec::new();
    let mut failed: Option<std::io::Error> = None;
    let mut stdout = std::io::stdout().lock();
    let mut sink = |dir: Vec<Checked>| {
        if failed.is_none() {
            let findings = crate::engine::merge::merge(dir.clone(), source).findings;
            let mut lines = Vec::new();
            jsonl(&findings, None, &mut lines).expect("writing to memory");
            failed = stdout.write_all(&lines).and_then(|_| stdout.flush()).err();
        }
        all.extend(dir);
    };
    crate::cli::stream::check_dirs(
        engine,
        source,
        files,
        displays,
        args.threads,
        cache,
        &mut sink,
    )?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    crate::files::order::sort_by_path(&mut all, |c| &c.path);
    Ok(all)
}
