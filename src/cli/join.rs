//! Joining shard results again (`merge-results`, `--from-results`): the
//! files must be the complete shards of one split, made alike, and every
//! file their findings and fixes depend on must still be what they checked
//! (else a fix would land on other code); then each stored file is turned
//! back into what the check returned, for the single run's merge, report
//! and branch code.

use crate::cli::args::{Args, Tool};
use crate::cli::results::{Identity, ShardResults, StoredFile, StoredNote, WalkNote, digest};
use crate::engine::matching::FileOutcome;
use crate::engine::merge::Checked;
use crate::files::source::Source;
use crate::rules::rule::Rule;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Shard results joined: what a run checks instead of checking.
pub struct Joined {
    /// In path order, as a run's check returns them.
    pub checked: Vec<Checked>,
    pub walk_skipped: Vec<WalkNote>,
    pub walk_errors: Vec<WalkNote>,
    /// What the shards agree on.
    pub identity: Identity,
    /// The first results file, to name in a rules mismatch.
    first: PathBuf,
}

impl Joined {
    /// The checked files, once the rules of this run (`pack`, a rule
    /// pack digest) are known to be the shards': the report describes
    /// the rules, and the PR bodies explain them.
    pub fn into_checked(self, pack: &str) -> Result<(Vec<Checked>, Identity)> {
        if self.identity.rule_pack != pack {
            bail!(
                "{}: the shards' rules differ from this run's (their definitions or options); give it the shards' --rules, --set and configuration",
                self.first.display(),
            );
        }
        Ok((self.checked, self.identity))
    }
}

/// Reads and joins the `shard` sections of `paths`, checking that they are
/// the complete shards of one split, that no file is in two, and that every
/// file they depend on is, in `source`, what they checked. `path_of` turns
/// a file as output shows it into the path `source` reads.
pub fn join(
    paths: &[PathBuf],
    source: &dyn Source,
    path_of: &dyn Fn(&str) -> PathBuf,
) -> Result<Joined> {
    let mut all: Vec<(PathBuf, ShardResults)> = Vec::new();
    for path in paths {
        all.push((path.clone(), read(path)?));
    }
    check_split(&all)?;
    let texts = check_blobs(&all, source, path_of)?;
    let mut joined = Joined {
        checked: Vec::new(),
        walk_skipped: Vec::new(),
        walk_errors: Vec::new(),
        identity: all[0].1.identity.clone(),
        first: all[0].0.clone(),
    };
    for (_, results) in all {
        let note = |n: StoredNote| (path_of(&n.file), n.file, n.reason);
        joined
            .walk_skipped
            .extend(results.walk_skipped.into_iter().map(note));
        joined
            .walk_errors
            .extend(results.walk_errors.into_iter().map(note));
        for f in results.files {
            joined.checked.push(restore(f, &texts, path_of));
        }
    }
    // The single run's order: its walk's, which is by path.
    joined.checked.sort_by(|a, b| a.path.cmp(&b.path));
    joined.walk_skipped.sort();
    joined.walk_errors.sort();
    Ok(joined)
}

/// One results file's `shard` section.
fn read(path: &Path) -> Result<ShardResults> {
    #[derive(Deserialize)]
    struct File {
        shard: Option<ShardResults>,
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file: File = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{}: not the JSON of a gofix-leaks run (--format json or --output json=FILE)",
            path.display()
        )
    })?;
    let results = file.shard.with_context(|| {
        format!(
            "{}: no `shard` section: it is not from a run with --shard K/N",
            path.display()
        )
    })?;
    if results.identity.version != env!("CARGO_PKG_VERSION") {
        bail!(
            "{}: made by gofix-leaks {}, this is {}; use one version for the shards and the join",
            path.display(),
            results.identity.version,
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(results)
}

/// The results are shards 1..N of one split, each once, made alike, and
/// no file is in two (which the split rules out, unless a file was edited).
fn check_split(all: &[(PathBuf, ShardResults)]) -> Result<()> {
    let mut seen: BTreeMap<usize, &Path> = BTreeMap::new();
    let mut count = None;
    let first = all.first().context("no results files given")?;
    let mut owner: BTreeMap<&str, &Path> = BTreeMap::new();
    for (path, results) in all {
        if let Some(why) = first.1.identity.differs(&results.identity, &first.0, path) {
            bail!(why);
        }
        let shard = crate::cli::shard::parse(&results.shard)
            .map_err(|e| anyhow::anyhow!("{}: bad shard {e}", path.display()))?;
        match count {
            Some(n) if n != shard.count => bail!(
                "{}: shard {shard} is from a split into {}, the others into {n}",
                path.display(),
                shard.count
            ),
            _ => count = Some(shard.count),
        }
        if let Some(other) = seen.insert(shard.index, path) {
            bail!(
                "{}: shard {shard} given twice (also {}): give each shard's results once",
                path.display(),
                other.display()
            );
        }
    }
    for (path, results) in all {
        for f in &results.files {
            if let Some(other) = owner.insert(&f.file, path) {
                bail!(
                    "{}: checked by two shards ({} and {}): give each shard's results once, all from one split",
                    f.file,
                    other.display(),
                    path.display()
                );
            }
        }
    }
    let count = count.context("no results files given")?;
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard(s) {} missing: join the results of every shard",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Every file the shards' findings and fixes depend on, as `source` holds
/// it now, must be what they checked; returns the texts the merge needs.
fn check_blobs(
    all: &[(PathBuf, ShardResults)],
    source: &dyn Source,
    path_of: &dyn Fn(&str) -> PathBuf,
) -> Result<BTreeMap<String, String>> {
    let needed: BTreeSet<&str> = all
        .iter()
        .flat_map(|(_, r)| &r.files)
        .filter(|f| f.text)
        .map(|f| f.file.as_str())
        .collect();
    let mut stale = Vec::new();
    let mut texts = BTreeMap::new();
    for (file, id) in all.iter().flat_map(|(_, r)| &r.blobs) {
        match source.read(&path_of(file)) {
            Ok(bytes) if digest(&bytes) == *id => {
                if needed.contains(file.as_str()) {
                    texts.insert(file.clone(), String::from_utf8_lossy(&bytes).into_owned());
                }
            }
            Ok(_) => stale.push(format!("{file} (changed)")),
            Err(e) => stale.push(format!("{file} ({e})")),
        }
    }
    if !stale.is_empty() {
        bail!(
            "stale shard results: not what the shards checked: {}; nothing was made: run the shards again on this commit",
            stale.join(", ")
        );
    }
    Ok(texts)
}

/// A stored file back as the check returned it, paths as `path_of` says.
fn restore(
    f: StoredFile,
    texts: &BTreeMap<String, String>,
    path_of: &dyn Fn(&str) -> PathBuf,
) -> Checked {
    let path = path_of(&f.file);
    if let Some(e) = f.error {
        return Checked {
            path,
            display: f.file,
            outcome: Err(e),
        };
    }
    let mut suppressed = f.suppressed;
    for (s, style) in suppressed.iter_mut().zip(f.suppressed_by) {
        s.style = style;
    }
    let mut fixes = f.fixes;
    for part in fixes.iter_mut().flatten().flat_map(|x| &mut x.parts) {
        part.path = path_of(&part.display);
    }
    let outcome = FileOutcome {
        findings: f.findings,
        fixes,
        skipped: f.skipped,
        text: f
            .text
            .then(|| texts.get(&f.file).cloned().unwrap_or_default()),
        suppressed,
        directives: f.directives,
        parsed: f.parsed,
    };
    Checked {
        path,
        display: f.file,
        outcome: Ok(outcome),
    }
}

/// `merge-results FILE... [--format F] [--pr-body F] [--output F=P]`: the
/// run `--from-results FILE...` is, built from a fresh set of flags.
pub fn merge_args(tool: &Tool) -> Result<Option<Args>> {
    let Tool::MergeResults {
        results,
        format,
        pr_body,
        output,
        joined,
        rules,
    } = tool
    else {
        return Ok(None);
    };
    let mut args = <Args as clap::Parser>::try_parse_from(["gofix-leaks"])?;
    args.from_results = results.clone();
    args.format = *format;
    args.pr_body = pr_body.clone();
    args.output = output.clone();
    args.joined_out = joined.clone();
    args.rules = rules.clone();
    Ok(Some(args))
}

/// With --from-results: the rules the shards ran (by id, in their order),
/// out of the `rules` this run loads, and `loaded` set to the shards' ids
/// (an ignore comment naming a rule is judged against those). A rule the
/// shards ran that this run does not load is an error.
pub fn rules_of(results: &Path, rules: Vec<Rule>, loaded: &mut Vec<String>) -> Result<Vec<Rule>> {
    let shard = read(results)?;
    let mut by_id: BTreeMap<String, Rule> =
        rules.into_iter().map(|r| (r.id().to_string(), r)).collect();
    let mut out = Vec::new();
    for id in &shard.identity.rules_run {
        match by_id.remove(id) {
            Some(rule) => out.push(rule),
            None => bail!(
                "{}: the shards ran rule `{id}`, which this run does not load; give it the shards' --rules and configuration",
                results.display()
            ),
        }
    }
    *loaded = shard.identity.rules_loaded;
    Ok(out)
}
