//! One run of the tool: load rules, find files, check them in parallel,
//! then show, write or commit the fixes and choose the exit status.

use crate::cli::args::{Args, Color, FailOn, Format, Split};
use crate::cli::gate::Gate;
use crate::cli::output;
use crate::cli::results;
use crate::engine::diagnostic::{Finding, Skipped};
use crate::engine::matching::Engine;
use crate::engine::merge::{self, Checked};
use crate::files::source::{Source, WorkTree};
use crate::files::{walk, walkindex, write};
use crate::git::apply::{HeadTree, normalize};
use crate::git::outputs;
use crate::go::syntax;
use crate::go::syntax::NodeKind;
use crate::report::diff;
use crate::report::prbody::{Provenance, Summary};
use crate::rules::options::OptionType;
use crate::rules::rule;
use anyhow::{Context, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a run found, in path order.
#[derive(Serialize, Default)]
struct Report {
    findings: Vec<Finding>,
    skipped: Vec<Skipped>,
    errors: Vec<JsonError>,
    changed_files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    /// Findings dropped by `//gofix-leaks:ignore` comments.
    suppressed: Vec<crate::engine::suppress::Suppressed>,
    /// Ignore comments that name an unknown rule, or (with
    /// --report-unused-ignores) suppress nothing.
    ignore_problems: Vec<crate::engine::suppress::IgnoreProblem>,
    /// With --apply: every branch made (one, or one per --split group).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    branches: Vec<BranchReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pr_bodies: Vec<String>,
    /// With --stats: counts and wall time.
    #[serde(skip_serializing_if = "Option::is_none")]
    stats: Option<output::Stats>,
    /// A branch or PR body could not be made: nothing was (see `errors`).
    #[serde(skip)]
    outputs_failed: bool,
    /// With --shard: what `merge-results` joins.
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<results::ShardResults>,
}

#[derive(Serialize)]
struct BranchReport {
    branch: String,
    commit: String,
    /// The module directory slug or rule id of a --split group.
    #[serde(skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    changed_files: Vec<String>,
    /// Made, then deleted again (or moved back) when a later step failed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    deleted: bool,
}

#[derive(Serialize)]
struct JsonError {
    file: String,
    message: String,
}

pub fn run(args: Args) -> Result<u8> {
    let started = Instant::now();
    if let Some(path) = &args.dump_tree {
        return dump_tree(path);
    }
    if let Some(tool) = &args.tool {
        if let Some(joined) = crate::cli::join::merge_args(tool)? {
            return run(joined);
        }
        return crate::cli::generate::run(tool, &mut std::io::stdout().lock());
    }
    // .gofix-leaks.toml, merged with the flags (which win).
    let settings = crate::cli::config::Settings::load(&args)?;
    let rules = settings.load_rules(&args)?;
    if let Some(id) = &args.explain {
        return crate::report::explain::explain(rules, id, &mut std::io::stdout().lock());
    }
    let mut loaded: Vec<String> = rules.iter().map(|r| r.id().to_string()).collect();
    let rules = match args.from_results.first() {
        Some(file) => crate::cli::join::rules_of(file, rules, &mut loaded)?,
        None => settings.select(rules, &args)?,
    };
    let branch = settings.branch(&args)?;
    if args.list_rules {
        return list_rules(&rules);
    }
    let engine = Engine::new(rules).keep_kinds(settings.kinds(&args));
    let cwd = std::env::current_dir().context("cannot read the current directory")?;

    output::check_stdin(&args)?;
    let head = open_head(&args, &settings, &cwd)?;
    let mut inputs = Inputs::find(&args, &settings, &cwd, (head.as_ref(), &engine), &branch)?;
    if let Some(code) = output::check_inputs(&args.paths, inputs.found, inputs.files.len()) {
        return Ok(code);
    }
    let identity = results::Identity::of(&loaded, &engine, settings.kinds(&args));
    let mut identity = inputs.keep_shard(args.shard, identity);
    let mut gate = Gate::prepare(&args, &settings, &cwd, head.as_ref())?;
    let source = inputs.source;
    let annotated = inputs.annotated(&args);
    // jsonl streams each directory as it is done, unless the gate must see
    // the whole run first (then it prints the filtered findings at the end).
    let streamed = args.format == Format::Jsonl && gate.is_open() && inputs.joined.is_none();
    let checked = inputs.check(&engine, &args, streamed, &mut identity)?;
    let shard = inputs.capture(&args, &checked, &identity);
    let checked = gate.filter(checked, source, &identity.rules_run)?;
    let counts = output::Counts::of(&checked, inputs.cache_counts);
    let (rest, groups) = merge_groups(checked, &args, head.as_ref(), source, &inputs.known);
    let mut report = Report::of(
        rest,
        &groups,
        (&loaded, &identity.rules_run),
        inputs.walk_skipped,
        inputs.walk_errors,
        args.report_unused_ignores,
    );
    gate.finish(&mut report.gated());
    report.shard = shard;
    let joined = args
        .joined_out
        .as_ref()
        .and_then(|p| Some((report.shard.take()?, p)));
    let changes: Vec<&merge::Change> = groups.iter().flat_map(|(_, m)| &m.changes).collect();

    let mut stdout = std::io::stdout().lock();
    if args.write {
        write_changes(&changes, &mut report);
    } else if head.is_none() && args.format == Format::Text {
        print_diffs(&changes, &inputs.diffs, color(args.color), &mut stdout)?;
    }
    if head.is_some() || args.pr_body.is_some() {
        let bot = Bot {
            head: head.as_ref(),
            groups: &groups,
            branch: &branch,
            args: &args,
            rules: engine.rules(),
        };
        bot.make(source, &mut report);
    }

    if args.stats {
        report.stats = Some(report.stats(counts, started));
    }
    let shown = Shown {
        source,
        annotated,
        changes: &changes,
        diffs: &inputs.diffs,
        streamed,
    };
    let mut written = print_report(&report, &args, engine.rules(), &shown, &mut stdout)?;
    written &= write_joined(&mut report, joined);
    // Someone watching a terminal gets the summary without asking; files
    // and pipes get it only with --stats, as it holds the wall time.
    if !args.stats && args.format == Format::Text && std::io::stderr().is_terminal() {
        eprintln!("{}", report.stats(counts, started).line());
    }
    let status = exit_status(&report, args.write || args.apply, &gate);
    Ok(if written { status } else { 2 })
}

/// With --apply, the commit the files are read from (HEAD or --base).
fn open_head(
    args: &Args,
    settings: &crate::cli::config::Settings,
    cwd: &Path,
) -> Result<Option<HeadTree>> {
    if !args.apply {
        return Ok(None);
    }
    let mut head = HeadTree::open(cwd, args.base.as_deref())?;
    head.set_author(settings.author());
    Ok(Some(head))
}

/// merge-results --joined: the report and the joined results as one
/// shard's, a `--shard 1/1` run's JSON, which --from-results takes alone.
/// False (with a message) when it cannot be written.
fn write_joined(report: &mut Report, joined: Option<(results::ShardResults, &PathBuf)>) -> bool {
    let Some((shard, path)) = joined else {
        return true;
    };
    report.shard = Some(shard);
    let mut json = Vec::new();
    let written = json_report(report, &mut json).and_then(|()| write::replace_atomic(path, &json));
    if let Err(e) = &written {
        eprintln!("error: --joined: {e:#}");
    }
    written.is_ok()
}

/// Findings merged per group: one group, or one per --split branch.
fn merge_groups(
    checked: Vec<Checked>,
    args: &Args,
    head: Option<&HeadTree>,
    source: &dyn Source,
    known: &merge::Known,
) -> (merge::Merged, Vec<(String, merge::Merged)>) {
    let (rest, groups) = merge::split_by(checked, |path, finding| match (args.split, head) {
        (Some(Split::Rule), _) => finding.rule.clone(),
        (Some(Split::Module), Some(head)) => module_slug(head, path),
        _ => String::new(),
    });
    let groups = groups
        .into_iter()
        .map(|(slug, checked)| (slug, merge::merge_with(checked, source, known, false).0))
        .collect();
    (merge::merge_with(rest, source, known, false).0, groups)
}

/// Whether diffs on stdout are coloured.
fn color(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// The changes' diffs, in order: those the cache holds (`known`) taken
/// from it, the others made on every core, a batch at a time (a run's
/// diffs are not all held at once). On a cached run over nats-server,
/// making the diffs of its large files was half the work, all of it on
/// this thread.
fn print_diffs(
    changes: &[&merge::Change],
    known: &diff::Known,
    color: bool,
    out: &mut dyn Write,
) -> Result<()> {
    use rayon::prelude::*;
    for batch in changes.chunks(64) {
        let diffs: Vec<String> = batch
            .par_iter()
            .map(|c| {
                // Hashing both texts to look one up is for a run that has any.
                let stored = (!known.is_empty())
                    .then(|| known.get(&diff::key(&c.display, &c.old, &c.new)))
                    .flatten();
                let d = match stored {
                    Some(d) => d.clone(),
                    None => diff::unified(&c.display, &c.old, &c.new),
                };
                if color { diff::colorize(&d) } else { d }
            })
            .collect();
        for d in diffs {
            out.write_all(d.as_bytes())?;
        }
    }
    Ok(())
}

/// What the annotated formats read besides the report: the checked files
/// (`annotated`: display and path) and the old contents of changed ones,
/// to turn byte columns into characters.
struct Shown<'a> {
    source: &'a dyn Source,
    annotated: Vec<(String, PathBuf)>,
    changes: &'a [&'a merge::Change],
    /// Their diffs, where the cache has them.
    diffs: &'a diff::Known,
    /// jsonl findings already printed as each directory was done.
    streamed: bool,
}

/// Prints the report in the format asked for, then writes the --output
/// files; false when one of those could not be written.
fn print_report(
    report: &Report,
    args: &Args,
    rules: &[rule::Rule],
    shown: &Shown,
    stdout: &mut dyn Write,
) -> Result<bool> {
    match args.format {
        Format::Text => print_text(report, args, stdout)?,
        // The findings were streamed (or are printed now, when the gate
        // filtered them); the rest goes where text puts it.
        Format::Jsonl => {
            print_problems(report, args, &mut std::io::stderr().lock())?;
            let findings: &[Finding] = if shown.streamed {
                &[]
            } else {
                &report.findings
            };
            output::jsonl(findings, report.stats.as_ref(), stdout)?;
        }
        // Whole, then written at once: stdout is line-buffered, and a
        // pretty-printed report is a line per field (3,600 system calls
        // for vitess's JSON, most of a warm run's writes).
        format => {
            let mut whole = Vec::new();
            render(report, format, rules, shown, &mut whole)?;
            stdout.write_all(&whole)?;
        }
    }
    let mut render = |format, out: &mut Vec<u8>| render(report, format, rules, shown, out);
    output::write_outputs(args, &mut render)
}

/// The report in `format`, as a file of it holds it: text is the diff.
fn render(
    report: &Report,
    format: Format,
    rules: &[rule::Rule],
    shown: &Shown,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Json => json_report(report, out)?,
        Format::Jsonl => output::jsonl(&report.findings, report.stats.as_ref(), out)?,
        Format::Text => print_diffs(shown.changes, shown.diffs, false, out)?,
        Format::Sarif | Format::Github => {
            let mut texts = crate::report::sarif::Texts::new(shown.source, shown.annotated.clone());
            for c in shown.changes {
                texts.add(&c.display, &c.old);
            }
            print_annotated(report, format, rules, &texts, out)?;
        }
    }
    Ok(())
}

/// The JSON report, as `--format json` and `merge-results --joined` write it.
fn json_report(report: &Report, out: &mut dyn Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)?;
    Ok(())
}

/// `--list-rules`: each rule's id and summary, the kinds it can report and
/// its options.
fn list_rules(rules: &[rule::Rule]) -> Result<u8> {
    let width = rules.iter().map(|r| r.id().len()).max().unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for r in rules {
        writeln!(out, "{:width$}  {}", r.id(), r.spec.summary)?;
        let kinds: Vec<&str> = r.possible_kinds().into_iter().map(|k| k.as_str()).collect();
        writeln!(out, "{:width$}    kinds: {}", "", kinds.join(", "))?;
        for (k, v) in &r.options {
            let shown = if v.is_empty() { "false" } else { v.as_str() };
            // A choice lists its values; other types show by their value.
            let choices = match r.option_types.get(k) {
                Some(OptionType::OneOf(vs)) => format!(" (one of {})", vs.join(", ")),
                _ => String::new(),
            };
            writeln!(out, "{:width$}    option {k} = {shown}{choices}", "")?;
        }
    }
    Ok(0)
}

/// A file the walk passed over or could not read: its path, how it is
/// shown, and why.
type WalkNote = (PathBuf, String, String);

/// The files a run checks and where they are read from: the work tree, or
/// with --apply the commit the branches start from.
struct Inputs<'s> {
    source: &'s dyn Source,
    files: Vec<PathBuf>,
    displays: Vec<String>,
    /// What the walk passed over (symlinks), for the report.
    walk_skipped: Vec<WalkNote>,
    /// What the walk could not read, for the report.
    walk_errors: Vec<WalkNote>,
    /// How many Go files the PATHs hold, before the config's `exclude`.
    found: usize,
    /// With --from-results: the shards' checked files, joined.
    joined: Option<crate::cli::join::Joined>,
    /// The cache's hits and misses once checked (None without a cache).
    cache_counts: Option<(usize, usize)>,
    /// The fixed texts the cache held or made, for the merge.
    known: merge::Known,
    /// The diffs the cache held or made, for the text output.
    diffs: diff::Known,
    /// The result cache, once opened (a work-tree run opens it before
    /// its walk, which keeps an index there).
    cache: Option<Option<crate::cli::cache::Cache>>,
    /// The walk's index, stored once the check has listed the packages.
    walk_index: Option<walkindex::Pending>,
}

impl<'s> Inputs<'s> {
    /// The files named by the arguments, less the config's `exclude`
    /// patterns (which also drop what the walk says of excluded files).
    fn find(
        args: &Args,
        settings: &crate::cli::config::Settings,
        cwd: &Path,
        (head, engine): (Option<&'s HeadTree>, &Engine),
        branch: &str,
    ) -> Result<Inputs<'s>> {
        // Fail before any work when an --output file, the one branch or
        // the one PR body cannot be made (a --split run's names are known
        // after the analysis, and checked then).
        let mut preflight = outputs::Preflight::default();
        for path in crate::cli::output::output_paths(args) {
            preflight.output(&path);
        }
        if args.split.is_none() {
            if let Some(head) = head {
                preflight.branches(head, &[branch.to_string()], args.force);
            }
            if let Some(path) = &args.pr_body {
                preflight.output(path);
            }
        }
        preflight.into_result()?;
        if !args.from_results.is_empty() {
            return Inputs::joined(&args.from_results, cwd, head);
        }
        let mut inputs = match head {
            Some(head) => Inputs::at_head(head, cwd, &args.paths)?,
            None => match args.stdin_filename.as_deref() {
                Some(name) => Inputs::from_stdin(cwd, name)?,
                None => {
                    let cache = crate::cli::cache::Cache::open(args, engine)?;
                    Inputs::in_work_tree(cwd, &args.paths, args.threads, cache)?
                }
            },
        };
        inputs.found = inputs.files.len();
        let base = head.map_or(cwd, |h| h.workdir());
        let (files, displays) = settings.retain_included(base, inputs.files, inputs.displays);
        (inputs.files, inputs.displays) = (files, displays);
        let excluded = |p: &PathBuf| {
            let (kept, _) = settings.retain_included(base, vec![p.clone()], vec![String::new()]);
            kept.is_empty()
        };
        inputs.walk_skipped.retain(|(p, ..)| !excluded(p));
        inputs.walk_errors.retain(|(p, ..)| !excluded(p));
        Ok(inputs)
    }

    /// --from-results: the shards' files, read from HEAD (with --apply) or
    /// the work tree below the repository root.
    fn joined(results: &[PathBuf], cwd: &Path, head: Option<&'s HeadTree>) -> Result<Inputs<'s>> {
        let source: &'s dyn Source = match head {
            Some(head) => head,
            None => &WorkTree,
        };
        let base = head.map_or_else(|| display_base(cwd), |_| PathBuf::new());
        let joined = crate::cli::join::join(results, source, &|d| base.join(d))?;
        let files: Vec<PathBuf> = joined.checked.iter().map(|c| c.path.clone()).collect();
        Ok(Inputs {
            source,
            found: files.len(),
            displays: joined.checked.iter().map(|c| c.display.clone()).collect(),
            files,
            walk_skipped: joined.walk_skipped.clone(),
            walk_errors: joined.walk_errors.clone(),
            joined: Some(joined),
            cache_counts: None,
            known: merge::Known::new(),
            diffs: diff::Known::new(),
            cache: None,
            walk_index: None,
        })
    }

    /// --shard: keeps the files of `shard`; `identity` then names the
    /// split.
    fn keep_shard(
        &mut self,
        shard: Option<crate::cli::shard::Shard>,
        identity: results::Identity,
    ) -> results::Identity {
        let Some(shard) = shard else {
            return identity;
        };
        let notes = &mut [&mut self.walk_skipped, &mut self.walk_errors];
        let (files, displays) = (&mut self.files, &mut self.displays);
        let split = crate::cli::shard::keep(shard, self.source, files, displays, notes);
        results::Identity { split, ..identity }
    }

    /// The checked files: the shards' joined (--from-results; their
    /// `identity` is then this run's), or what checking the files gives.
    fn check(
        &mut self,
        engine: &Engine,
        args: &Args,
        streamed: bool,
        identity: &mut results::Identity,
    ) -> Result<Vec<Checked>> {
        if let Some(joined) = self.joined.take() {
            let (checked, shards) = joined.into_checked(&identity.rule_pack)?;
            *identity = shards;
            return Ok(checked);
        }
        let files = std::mem::take(&mut self.files);
        let displays = std::mem::take(&mut self.displays);
        // Shards joined from JSON are not analysed, so only this path opens
        // the cache.
        let cache = match self.cache.take() {
            Some(cache) => cache,
            None => crate::cli::cache::Cache::open(args, engine)?,
        };
        let checked = output::check(
            engine,
            self.source,
            (files, displays),
            args,
            streamed,
            cache.as_ref(),
        )?;
        if let Some(index) = self.walk_index.take() {
            index.store();
        }
        if let Some(cache) = &cache {
            cache.finish();
            self.cache_counts = Some(cache.counts());
            (self.known, self.diffs) = cache.take_known();
        }
        Ok(checked)
    }

    /// With --shard (or merge-results --joined, as shard 1/1): the
    /// results of the check, before the gate, for a join.
    fn capture(
        &self,
        args: &Args,
        checked: &[Checked],
        identity: &results::Identity,
    ) -> Option<results::ShardResults> {
        let whole = crate::cli::shard::Shard { index: 1, count: 1 };
        let shard = args.shard.or(args.joined_out.as_ref().map(|_| whole))?;
        let walk = (&self.walk_skipped[..], &self.walk_errors[..]);
        Some(results::capture(
            shard,
            checked,
            self.source,
            identity,
            walk,
        ))
    }

    /// The files of HEAD's tree (or --base's) that `paths` select.
    fn at_head(head: &'s HeadTree, cwd: &Path, paths: &[String]) -> Result<Inputs<'s>> {
        let (files, links) = head.select(cwd, paths)?;
        let displays = files.iter().map(|p| slash(p)).collect();
        let walk_skipped = links
            .into_iter()
            .map(|(p, reason)| {
                let file = slash(&p);
                (p, file, reason)
            })
            .collect();
        Ok(Inputs {
            source: head,
            files,
            displays,
            walk_skipped,
            walk_errors: vec![],
            found: 0,
            joined: None,
            cache_counts: None,
            known: merge::Known::new(),
            diffs: diff::Known::new(),
            cache: None,
            walk_index: None,
        })
    }

    /// `-`: one file read from stdin, checked as if it were at `name`.
    fn from_stdin(cwd: &Path, name: &Path) -> Result<Inputs<'static>> {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .context("cannot read stdin")?;
        // One per process, and the run borrows its source to the end.
        let source: &'static crate::files::source::Overlay =
            Box::leak(Box::new(crate::files::source::Overlay::new(name, bytes)));
        let base = display_base(cwd);
        Ok(Inputs {
            source,
            files: vec![name.to_path_buf()],
            displays: vec![display_path(cwd, &base, name)],
            walk_skipped: vec![],
            walk_errors: vec![],
            found: 1,
            joined: None,
            cache_counts: None,
            known: merge::Known::new(),
            diffs: diff::Known::new(),
            cache: None,
            walk_index: None,
        })
    }

    /// The checked files (display and path) when a format that converts
    /// byte columns to characters is asked for: those read the files.
    fn annotated(&self, args: &Args) -> Vec<(String, PathBuf)> {
        if !output::formats(args).any(|f| matches!(f, Format::Sarif | Format::Github)) {
            return Vec::new();
        }
        let files = self.files.iter().cloned();
        self.displays.iter().cloned().zip(files).collect()
    }

    /// The `.go` files below `paths` in the work tree, shown relative to
    /// the current directory.
    fn in_work_tree(
        cwd: &Path,
        paths: &[String],
        threads: Option<usize>,
        cache: Option<crate::cli::cache::Cache>,
    ) -> Result<Inputs<'static>> {
        let index = cache.as_ref().map(|c| c.walk_index());
        let mut found = walk::find_kept(paths, threads, index.as_ref())?;
        let walk_index = found.kept.take();
        let base = display_base(cwd);
        let shown = |p: PathBuf, why: String| {
            let file = display_path(cwd, &base, &p);
            (p, file, why)
        };
        // A name per file (a path join and a lookup of its directory's real
        // path) was a tenth of a cached run: on the workers, and from the
        // real path the walk knows when it does.
        let canon_cwd = crate::files::source::real_dir(cwd).unwrap_or_else(|| cwd.to_path_buf());
        // Below a root inside `base`, a file's name is the root's and the
        // names below it: joined as text, not made from a real path taken
        // apart again (a third of a cached run's naming).
        let prefixes: Vec<Option<String>> = found.root_reals().map(|r| prefix(&base, r)).collect();
        let name = |last: &mut _, (i, p): (usize, &PathBuf)| match found.below_root(i) {
            Some((r, rel)) if let Some(prefix) = &prefixes[r] => match rel.contains('\\') {
                false => [prefix.as_str(), rel].concat(),
                true => [prefix.as_str(), rel].concat().replace('\\', "/"),
            },
            _ => match found.real_path(i) {
                Some(real) => shown_below(&base, &real, p),
                None => display_path_in(&canon_cwd, &base, p, last),
            },
        };
        let displays = match threads {
            Some(1) => {
                let mut last = None;
                found
                    .files
                    .iter()
                    .enumerate()
                    .map(|f| name(&mut last, f))
                    .collect()
            }
            _ => {
                use rayon::prelude::*;
                (found.files.par_iter().enumerate())
                    .map_init(|| None, name)
                    .collect()
            }
        };
        Ok(Inputs {
            source: &WorkTree,
            displays,
            files: found.files,
            walk_skipped: found
                .skipped
                .into_iter()
                .map(|(p, r)| shown(p, r))
                .collect(),
            walk_errors: found.errors.into_iter().map(|(p, r)| shown(p, r)).collect(),
            found: 0,
            joined: None,
            cache_counts: None,
            known: merge::Known::new(),
            diffs: diff::Known::new(),
            cache: Some(cache),
            walk_index,
        })
    }
}

impl Report {
    /// --stats: the counts of the checked files, the report's own, and
    /// the time since the run `started`.
    fn stats(&self, counts: output::Counts, started: Instant) -> output::Stats {
        output::Stats::new(
            counts,
            &self.findings,
            self.skipped.len(),
            self.suppressed.len(),
            started.elapsed(),
        )
    }

    /// The report of what was found: the merged findings of every group
    /// (sorted by file, position, rule), the files they change, and what
    /// was skipped or failed, the walk's included. `rules`: the ids loaded
    /// and the ids run, against which ignore comments are reviewed.
    fn of(
        rest: merge::Merged,
        groups: &[(String, merge::Merged)],
        rules: (&[String], &[String]),
        walk_skipped: Vec<WalkNote>,
        walk_errors: Vec<WalkNote>,
        report_unused_ignores: bool,
    ) -> Report {
        let (loaded, ran) = rules;
        let mut report = Report {
            skipped: rest.skipped,
            suppressed: rest.suppressed,
            ignore_problems: crate::engine::suppress::review(
                &rest.directives,
                loaded,
                ran,
                report_unused_ignores,
            ),
            errors: rest
                .errors
                .into_iter()
                .map(|e| JsonError {
                    file: e.file,
                    message: e.message,
                })
                .collect(),
            ..Report::default()
        };
        for (_, m) in groups {
            report.findings.extend(m.findings.iter().cloned());
            report
                .changed_files
                .extend(m.changes.iter().map(|c| c.display.clone()));
        }
        report
            .findings
            .sort_by(|a, b| (&a.file, a.start, &a.rule).cmp(&(&b.file, b.start, &b.rule)));
        report.changed_files.sort();
        report.changed_files.dedup();
        report
            .skipped
            .extend(walk_skipped.into_iter().map(|(_, file, reason)| Skipped {
                posn: file.clone(),
                file,
                line: 0,
                column: 0,
                reason,
            }));
        report
            .skipped
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        report
            .errors
            .extend(walk_errors.into_iter().map(|(_, file, why)| JsonError {
                message: format!("{file}: cannot read: {why}"),
                file,
            }));
        report.errors.sort_by(|a, b| a.file.cmp(&b.file));
        report
    }
}

impl Report {
    /// What the gate (--baseline, --new-from-*) adds to or drops from.
    fn gated(&mut self) -> crate::cli::gate::Gated<'_> {
        crate::cli::gate::Gated {
            suppressed: &mut self.suppressed,
            problems: &mut self.ignore_problems,
            skipped: &mut self.skipped,
        }
    }
}

/// --write: each changed file written in place; one that cannot be is an
/// error, and its findings must not say [fixed].
fn write_changes(changes: &[&merge::Change], report: &mut Report) {
    for c in changes {
        if let Err(e) = write::write_atomic(&c.path, c.old.as_bytes(), c.new.as_bytes()) {
            report.errors.push(JsonError {
                file: c.display.clone(),
                message: format!("{e:#}"),
            });
            report.changed_files.retain(|f| *f != c.display);
        }
    }
}

/// --apply and --pr-body: a branch and a PR body per group (one, or one
/// per --split group), made all or nothing by `git::outputs`.
struct Bot<'a> {
    head: Option<&'a HeadTree>,
    groups: &'a [(String, merge::Merged)],
    branch: &'a str,
    args: &'a Args,
    rules: &'a [rule::Rule],
}

impl Bot<'_> {
    fn make(&self, source: &dyn Source, report: &mut Report) {
        let args = self.args;
        // One commit per group with changes (only with --apply).
        let committed: Vec<&(String, merge::Merged)> = match self.head {
            Some(_) => self
                .groups
                .iter()
                .filter(|(_, m)| !m.changes.is_empty())
                .collect(),
            None => Vec::new(),
        };
        let plans: Vec<outputs::Planned> = committed
            .iter()
            .map(|(slug, m)| outputs::Planned {
                branch: branch_name(self.branch, args.split.map(|_| slug.as_str())),
                message: Summary::of(self.rules, m).commit_message(),
                files: m
                    .changes
                    .iter()
                    .map(|c| (c.path.clone(), c.new.clone()))
                    .collect(),
            })
            .collect();
        let bodies = self.pr_bodies(source);
        let mut preflight = outputs::Preflight::default();
        for (path, _) in &bodies {
            preflight.output(path);
        }
        for path in crate::cli::output::output_paths(args) {
            preflight.output(&path);
        }
        if let Some(head) = self.head {
            let names: Vec<String> = plans.iter().map(|p| p.branch.clone()).collect();
            preflight.branches(head, &names, args.force);
        }
        let outcome = outputs::all_or_nothing(preflight, self.head, &plans, &bodies, args.force);
        for ((branch, commit), (slug, m)) in outcome.made.iter().zip(&committed) {
            report.branches.push(BranchReport {
                branch: branch.clone(),
                commit: commit.to_string(),
                group: args.split.map(|_| slug.clone()),
                changed_files: m.changes.iter().map(|c| c.display.clone()).collect(),
                deleted: outcome.undone,
            });
        }
        if args.split.is_none()
            && !outcome.undone
            && let Some(b) = report.branches.first()
        {
            report.branch = Some(b.branch.clone());
            report.commit = Some(b.commit.clone());
        }
        report.pr_bodies = outcome.written.iter().map(|p| slash(p)).collect();
        report.outputs_failed = !outcome.errors.is_empty();
        report
            .errors
            .extend(outcome.errors.into_iter().map(|p| JsonError {
                file: p.file,
                message: p.message,
            }));
    }

    /// --pr-body: the path and text of each PR body (with --split, one file
    /// per group's slug). Without --split a body is always written, even
    /// for a clean run, so that a script can count on the file.
    fn pr_bodies(&self, source: &dyn Source) -> Vec<(PathBuf, String)> {
        let Some(path) = &self.args.pr_body else {
            return Vec::new();
        };
        let empty = [(String::new(), merge::Merged::default())];
        let groups = if self.groups.is_empty() && self.args.split.is_none() {
            &empty[..]
        } else {
            self.groups
        };
        let made_by = Provenance::of_this_run();
        groups
            .iter()
            .map(|(slug, m)| {
                let file = match self.args.split {
                    Some(_) => with_slug(path, slug),
                    None => path.to_path_buf(),
                };
                let body = Summary::of(self.rules, m).pr_body(&made_by, source);
                (file, body)
            })
            .collect()
    }
}

/// 2 on any error; 1 when something is left to look at (findings, or with
/// --write/--apply findings without a fix, of the kinds --fail-on counts;
/// code not analysed; ignore comments in question); else 0. `--fail-on
/// none`: 0 unless an error.
fn exit_status(report: &Report, modifies: bool, gate: &Gate) -> u8 {
    let mut counted = report.findings.iter().filter(|f| gate.fails(f));
    let remaining = if modifies {
        counted.any(|f| !f.has_fix())
    } else {
        counted.next().is_some()
    };
    // Code that was not analysed (a syntax error, a symlink not followed) is
    // something left to look at: exit 1, not a clean 0.
    let remaining = remaining || !report.skipped.is_empty();
    if !report.errors.is_empty() {
        2
    } else if gate.fail_on == FailOn::None {
        0
    } else if remaining || !report.ignore_problems.is_empty() {
        1
    } else {
        0
    }
}

/// Checks `files` (shown as `displays`) a directory at a time and returns
/// them in path order; `merge::merge` turns the result into findings and new
/// file contents. Public so that tests drive exactly the CLI's path.
pub fn check_all(
    engine: &Engine,
    source: &dyn Source,
    files: Vec<PathBuf>,
    displays: Vec<String>,
    threads: Option<usize>,
    cache: Option<&crate::cli::cache::Cache>,
) -> Result<Vec<Checked>> {
    let (dirs, places) =
        crate::cli::stream::check_dirs_all(engine, source, files, displays, threads, cache)?;
    // Each file's outcome put back at its file's place: the files come
    // sorted (from a walk), and then so do the outcomes, which the sort
    // below only checks. Merging the directories' sorted runs instead was
    // the main thread's largest sort. Any other order is sorted there.
    let fits = dirs.iter().zip(&places).all(|(d, p)| d.len() == p.len());
    let mut out: Vec<Checked> = match fits {
        true => {
            let mut slots: Vec<Option<Checked>> = places.iter().flatten().map(|_| None).collect();
            for (i, c) in places.into_iter().flatten().zip(dirs.into_iter().flatten()) {
                slots[i] = Some(c);
            }
            slots.into_iter().flatten().collect()
        }
        false => dirs.into_iter().flatten().collect(),
    };
    crate::files::order::sort_by_path(&mut out, |c| &c.path);
    Ok(out)
}

/// `--format sarif` and `--format github`: nothing else goes to stdout.
fn print_annotated(
    report: &Report,
    format: Format,
    rules: &[rule::Rule],
    texts: &crate::report::sarif::Texts,
    out: &mut dyn Write,
) -> Result<()> {
    use crate::report::sarif::{self, ErrorItem};
    let errors = || {
        report.errors.iter().map(|e| ErrorItem {
            file: &e.file,
            message: &e.message,
        })
    };
    let branches: Vec<(String, String)> = report
        .branches
        .iter()
        .map(|b| (b.branch.clone(), b.commit.clone()))
        .collect();
    if format == Format::Github {
        let errors: Vec<ErrorItem> = errors().collect();
        crate::report::github::write(
            out,
            &report.findings,
            &report.skipped,
            &errors,
            &branches,
            texts,
        )?;
        return Ok(());
    }
    let infos: Vec<sarif::RuleInfo> = rules.iter().map(sarif::RuleInfo::of).collect();
    let input = sarif::Input {
        rules: &infos,
        findings: &report.findings,
        skipped: &report.skipped,
        errors: errors().collect(),
        branches,
    };
    serde_json::to_writer_pretty(&mut *out, &sarif::log(&input, texts))?;
    writeln!(out)?;
    Ok(())
}

/// Skipped regions and errors, on stderr in text and jsonl output.
fn print_problems(report: &Report, args: &Args, err: &mut dyn Write) -> Result<()> {
    for s in &report.skipped {
        writeln!(err, "{}: skipped: {}", s.posn, s.reason)?;
    }
    for e in &report.errors {
        writeln!(err, "{}", e.message)?;
    }
    if args.format == Format::Jsonl {
        crate::engine::suppress::print_text(
            &report.suppressed,
            &report.ignore_problems,
            args.show_suppressed,
            err,
        )?;
    }
    Ok(())
}

fn print_text(report: &Report, args: &Args, out: &mut dyn Write) -> Result<()> {
    // Buffered: unbuffered stderr made a system call per piece of each
    // line, several per finding.
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    print_problems(report, args, &mut err)?;
    for f in &report.findings {
        let status = match &f.no_fix_reason {
            Some(why) => format!(" (no automatic fix: {why})"),
            None if args.write
                && f.suggested_fixes
                    .iter()
                    .flat_map(|s| &s.edits)
                    .any(|e| !report.changed_files.contains(&e.filename)) =>
            {
                " [not written: see the error above]".to_string()
            }
            None if args.write => " [fixed]".to_string(),
            None if args.apply && report.outputs_failed => {
                " [not committed: see the error above]".to_string()
            }
            None if args.apply => " [fixed on branch]".to_string(),
            None => String::new(),
        };
        writeln!(
            err,
            "{}: {} [{}]: {}{}",
            f.posn, f.rule, f.kind, f.message, status
        )?;
    }
    crate::engine::suppress::print_text(
        &report.suppressed,
        &report.ignore_problems,
        args.show_suppressed,
        &mut err,
    )?;
    let fixed = report.findings.iter().filter(|f| f.has_fix()).count();
    let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.findings {
        *per_rule.entry(&f.rule).or_default() += 1;
    }
    if !report.findings.is_empty() {
        let kinds: Vec<String> = crate::engine::diagnostic::Kind::ALL
            .into_iter()
            .filter_map(|k| {
                let n = report.findings.iter().filter(|f| f.kind == k).count();
                (n > 0).then(|| format!("{n} {k}"))
            })
            .collect();
        writeln!(
            err,
            "{} finding(s) ({}), {} with a fix, {} without, in {} file(s) to change",
            report.findings.len(),
            kinds.join(", "),
            fixed,
            report.findings.len() - fixed,
            report.changed_files.len()
        )?;
    }
    // What went to stderr comes first on a terminal that shows both.
    err.flush()?;
    for b in report.branches.iter().filter(|b| !b.deleted) {
        writeln!(out, "branch {}\ncommit {}", b.branch, b.commit)?;
    }
    for p in &report.pr_bodies {
        writeln!(err, "PR body written to {p}")?;
    }
    if args.apply && report.branches.is_empty() && !report.outputs_failed {
        writeln!(err, "nothing to fix; no branch created")?;
    }
    if let Some(stats) = &report.stats {
        writeln!(err, "{}", stats.line())?;
    }
    err.flush()?;
    Ok(())
}

/// The branch of one --split group: the slug goes where BRANCH says
/// (`{module}` or `{rule}`) or after it.
fn branch_name(branch: &str, slug: Option<&str>) -> String {
    let Some(slug) = slug else {
        return branch.to_string();
    };
    if branch.contains("{module}") || branch.contains("{rule}") {
        branch.replace("{module}", slug).replace("{rule}", slug)
    } else {
        format!("{branch}-{slug}")
    }
}

/// `body.md` -> `body-SLUG.md`: the PR body of one --split group.
fn with_slug(path: &Path, slug: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{slug}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{slug}"),
    };
    path.with_file_name(name)
}

/// The --split module key of a file: its module's directory (that of the
/// nearest go.mod) relative to the repository, as a branch-name slug.
fn module_slug(head: &HeadTree, path: &Path) -> String {
    let dir = path.parent().unwrap_or(Path::new(""));
    let module_dir = match head.find_up(dir, "go.mod") {
        Some(up) => {
            let mut d = dir.to_path_buf();
            for _ in up.below.components() {
                d.pop();
            }
            d
        }
        None => PathBuf::new(),
    };
    let slug = slash(&module_dir).replace('/', "-");
    if slug.is_empty() {
        "root".to_string()
    } else {
        slug
    }
}

/// The directory paths are shown relative to: the repository root inside
/// git, the current directory outside.
fn display_base(cwd: &Path) -> PathBuf {
    git2::Repository::discover(cwd)
        .ok()
        .and_then(|r| r.workdir().map(Path::to_path_buf))
        .and_then(|w| w.canonicalize().ok())
        .unwrap_or_else(|| cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf()))
}

fn display_path(cwd: &Path, base: &Path, p: &Path) -> String {
    let canon_cwd = crate::files::source::real_dir(cwd).unwrap_or_else(|| cwd.to_path_buf());
    display_path_in(&canon_cwd, base, p, &mut None)
}

/// [`display_path`] with the current directory resolved (`canon_cwd`), and
/// `last`, the directory of the previous file named and its real path
/// (`real_dir_after`): files come sorted, so most share it.
fn display_path_in(
    canon_cwd: &Path,
    base: &Path,
    p: &Path,
    last: &mut Option<(PathBuf, PathBuf)>,
) -> String {
    let abs = normalize(&canon_cwd.join(p));
    // Resolve the directory (not the file, which may be a symlink).
    let real = abs
        .parent()
        .and_then(|d| crate::files::source::real_dir_after(d, last));
    let abs = match (real, abs.file_name()) {
        (Some(d), Some(f)) => d.join(f),
        _ => abs,
    };
    shown_below(base, &abs, p)
}

/// The name of the file `p`, whose real path is `real`: relative to
/// `base`, or as given when it is outside.
fn shown_below(base: &Path, real: &Path, p: &Path) -> String {
    match real.strip_prefix(base) {
        Ok(rel) => slash(rel),
        Err(_) => slash(p),
    }
}

/// What [`shown_below`] gives every file below the real directory `real`
/// before its names below it: None where that is not a plain text prefix
/// (`real` outside `base`, or not UTF-8).
fn prefix(base: &Path, real: &Path) -> Option<String> {
    let rel = real.strip_prefix(base).ok()?;
    Some(match rel.to_str()? {
        "" => String::new(),
        _ => format!("{}/", slash(rel)),
    })
}

pub(crate) fn slash(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

fn dump_tree(path: &Path) -> Result<u8> {
    let src = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let tree = syntax::parse(&src);
    let mut out = std::io::stdout().lock();
    fn walk(
        n: tree_sitter::Node,
        src: &[u8],
        depth: usize,
        field: Option<&str>,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let kind = if n.is_named() {
            n.kind_str().to_string()
        } else {
            format!("{:?}", n.kind_str())
        };
        let leaf = if n.child_count() == 0 {
            format!(" {:?}", syntax::text(n, src))
        } else {
            String::new()
        };
        let field = field.map(|f| format!("{f}: ")).unwrap_or_default();
        let (l, c) = (n.start_position().row + 1, n.start_position().column + 1);
        writeln!(out, "{}{field}{kind}{leaf}  [{l}:{c}]", "  ".repeat(depth))?;
        let mut cursor = n.walk();
        for (i, child) in n.children(&mut cursor).enumerate() {
            walk(child, src, depth + 1, n.field_name_for_child(i as u32), out)?;
        }
        Ok(())
    }
    walk(tree.root_node(), &src, 0, None, &mut out)?;
    Ok(0)
}
