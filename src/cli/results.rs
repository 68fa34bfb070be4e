//! Shard results: the `shard` section a `--shard K/N` run adds to its JSON
//! (`join` reads such files again).
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

use crate::cli::shard::Shard;
use crate::engine::diagnostic::{Finding, Skipped};
use crate::engine::edit::Fix;
use crate::engine::matching::Engine;
use crate::engine::merge::Checked;
use crate::engine::suppress::{Directive, Style, Suppressed};
use crate::files::source::Source;
use crate::rules::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    /// This run's: `engine` runs the rules, `loaded` names the rules
    /// loaded, `kinds` are those kept.
    pub fn of(loaded: &[String], engine: &Engine, kinds: Option<Vec<Kind>>) -> Identity {
        // A hash, not a blob id as `digest` makes: the text is long, and
        // only runs of one version compare it.
        let pack = crate::files::pinned::content_hash(engine.pack_text().as_bytes());
        Identity {
            version: env!("CARGO_PKG_VERSION").to_string(),
            rules_loaded: loaded.to_vec(),
            rules_run: engine.rules().iter().map(|r| r.id().to_string()).collect(),
            rule_pack: format!("{pack:032x}"),
            kinds,
            split: String::new(),
        }
    }

    /// Why `other` (of the results file `path`) cannot join `self` (of
    /// `first`), if it cannot.
    pub fn differs(&self, other: &Identity, first: &Path, path: &Path) -> Option<String> {
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
