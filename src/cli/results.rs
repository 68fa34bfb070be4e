//! Shard results: the `shard` section a `--shard K/N` run adds to its JSON,
//! and joining such files again (`merge-results`, `--from-results`).
//!
//! The section holds what the check of each file returned, before the
//! merge of fixes: findings with their fixes as the engine made them
//! (imports not yet turned into edits), skipped regions, suppressions and
//! ignore comments. A joined run feeds these to the same merge, report and
//! branch code a single run uses, so its output is the single run's, byte
//! for byte, in every format. The section names files as output shows them
//! (relative to the repository), so a job on another machine, in another
//! checkout, can read them; the git blob id of every file a finding or fix
//! depends on is kept, and a file that differs when the results are joined
//! is refused (the fix would land on other code).

use crate::cli::args::{Args, Tool};
use crate::cli::shard::Shard;
use crate::engine::diagnostic::{Finding, Skipped};
use crate::engine::edit::Fix;
use crate::engine::matching::FileOutcome;
use crate::engine::merge::Checked;
use crate::engine::suppress::{Directive, Style, Suppressed};
use crate::files::source::Source;
use crate::rules::kind::Kind;
use crate::rules::rule::Rule;
use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A file the walk passed over or could not read: its path, how it is
/// shown, and why (as `run` keeps them).
pub type WalkNote = (PathBuf, String, String);

/// What every shard of one split, and the join, must agree on: a shard
/// made with another version, other rules or options, or over another set
/// of files would join into a report no single run makes.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    pub version: String,
    /// The ids of the rules loaded and run: a join must use the same.
    pub rules_loaded: Vec<String>,
    pub rules_run: Vec<String>,
    /// A digest of the rules run: their definitions and option values.
    pub rule_pack: String,
    /// The kinds kept (--only-leaks, the configuration's `kinds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kinds: Option<Vec<Kind>>,
    /// A digest of what was split: every package directory of the run
    /// with the bytes of its Go files (see `shard::keep`).
    pub split: String,
}

impl Identity {
    /// This run's: `rules` are the rules run, `kinds` those kept.
    pub fn of(loaded: &[String], rules: &[Rule], kinds: Option<Vec<Kind>>) -> Identity {
        // The rule file's parsed form and the option values as set: what
        // a rule finds depends on nothing else (where it was read from
        // does not matter).
        let mut pack = String::new();
        for rule in rules {
            pack.push_str(&format!("{:?}\n{:?}\n", rule.spec, rule.options));
        }
        Identity {
            version: env!("CARGO_PKG_VERSION").to_string(),
            rules_loaded: loaded.to_vec(),
            rules_run: rules.iter().map(|r| r.id().to_string()).collect(),
            rule_pack: digest(pack.as_bytes()),
            kinds,
            split: String::new(),
        }
    }

    /// Why `other` (of the results file `path`) cannot join `self` (of
    /// `first`), if it cannot.
    fn differs(&self, other: &Identity, first: &Path, path: &Path) -> Option<String> {
        let what = if self.version != other.version {
            format!("gofix-leaks {}, not {}", other.version, self.version)
        } else if self.rules_loaded != other.rules_loaded || self.rules_run != other.rules_run {
            format!("other rules ({})", other.rules_run.join(","))
        } else if self.rule_pack != other.rule_pack {
            "other rule definitions or options (--rules, --set, configuration)".to_string()
        } else if self.kinds != other.kinds {
            "other kinds (--only-leaks, the configuration's `kinds`)".to_string()
        } else if self.split != other.split {
            "another set of files (other PATHs, `exclude`, or another commit)".to_string()
        } else {
            return None;
        };
        Some(format!(
            "{}: its shard was made with {what} than {}'s; run every shard of one split with the same version, flags and configuration on the same commit",
            path.display(),
            first.display()
        ))
    }
}

/// The `shard` section of a `--shard K/N` run's JSON.
#[derive(Serialize, Deserialize)]
pub struct ShardResults {
    /// `K/N`.
    pub shard: String,
    #[serde(flatten)]
    pub identity: Identity,
    /// Every checked file of the shard, in path order.
    pub files: Vec<StoredFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub walk_skipped: Vec<StoredNote>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub walk_errors: Vec<StoredNote>,
    /// The git blob id of each file the findings and fixes were made on.
    pub blobs: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
pub struct StoredNote {
    pub file: String,
    pub reason: String,
}

/// What the check of one file returned.
#[derive(Serialize, Deserialize, Default)]
pub struct StoredFile {
    pub file: String,
    /// Why it could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub parsed: bool,
    /// The merge needs the file's text (it is read again when joined).
    #[serde(default, skip_serializing_if = "is_false")]
    pub text: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// One per finding: its fix, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Option<Fix>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Suppressed>,
    /// The convention of each suppression (the report's JSON shows only
    /// whether it came from a baseline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed_by: Vec<Style>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directives: Vec<Directive>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The git blob id of `bytes`, as `git hash-object` prints it: a digest
/// the same on every machine.
pub fn digest(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|o| o.to_string())
        .unwrap_or_default()
}

/// The `shard` section of a run that checked `checked` (before the gate).
pub fn capture(
    shard: Shard,
    checked: &[Checked],
    source: &dyn Source,
    identity: &Identity,
    walk: (&[WalkNote], &[WalkNote]),
) -> ShardResults {
    let mut blobs = BTreeMap::new();
    let mut files = Vec::with_capacity(checked.len());
    for c in checked {
        let mut stored = StoredFile {
            file: c.display.clone(),
            ..StoredFile::default()
        };
        match &c.outcome {
            Err(e) => stored.error = Some(e.clone()),
            Ok(o) => {
                let used =
                    !(o.findings.is_empty() && o.skipped.is_empty() && o.suppressed.is_empty());
                match &o.text {
                    Some(text) => {
                        blobs.insert(c.display.clone(), digest(text.as_bytes()));
                    }
                    None if used => {
                        if let Ok(bytes) = source.read(&c.path) {
                            blobs.insert(c.display.clone(), digest(&bytes));
                        }
                    }
                    None => {}
                }
                for part in o.fixes.iter().flatten().flat_map(|f| &f.parts) {
                    if !blobs.contains_key(&part.display)
                        && let Ok(bytes) = source.read(&part.path)
                    {
                        blobs.insert(part.display.clone(), digest(&bytes));
                    }
                }
                stored = StoredFile {
                    parsed: o.parsed,
                    text: o.text.is_some(),
                    findings: o.findings.clone(),
                    fixes: o.fixes.clone(),
                    skipped: o.skipped.clone(),
                    suppressed: o.suppressed.clone(),
                    suppressed_by: o.suppressed.iter().map(|s| s.style).collect(),
                    directives: o.directives.clone(),
                    ..stored
                };
            }
        }
        files.push(stored);
    }
    let notes = |list: &[WalkNote]| {
        list.iter()
            .map(|(_, file, reason)| StoredNote {
                file: file.clone(),
                reason: reason.clone(),
            })
            .collect()
    };
    ShardResults {
        shard: shard.to_string(),
        identity: identity.clone(),
        files,
        walk_skipped: notes(walk.0),
        walk_errors: notes(walk.1),
        blobs,
    }
}

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
