//! Baselines (`--baseline FILE`, `--write-baseline FILE`): the findings a
//! team accepts for now, recorded so that a gate fails only on new ones.
//!
//! An entry is keyed by the rule, the file (repository-relative), the
//! function holding the finding and the fingerprint hash SARIF's
//! `partialFingerprints` carry (rule, file and normalised code: see
//! [`crate::report::fingerprint`]), never by line, so entries survive
//! edits elsewhere and lines shifting. Entries are a multiset: two
//! identical findings in one function are two entries, and a baseline
//! with one of them suppresses one finding, not both. The file is JSON
//! with a `version`, entries in a stable order, written atomically.

use crate::engine::diagnostic::Finding;
use crate::engine::merge::Checked;
use crate::engine::suppress::{IgnoreProblem, Suppressed};
use crate::files::source::Source;
use crate::go::syntax;
use crate::report::fingerprint;
use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The schema version this build reads and writes.
pub const VERSION: u32 = 1;

/// The kind of `ignore_problems` entry a stale baseline entry gives.
pub const UNUSED_ENTRY: &str = "unused-baseline-entry";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub file: String,
    /// `f`, `(T).m` or `(*T).m`; "" outside a function.
    pub function: String,
    pub rule: String,
    /// The hash of SARIF's `partialFingerprints` (without its `:N`).
    pub fingerprint: String,
    /// The flagged code, spacing collapsed: for a reader; matching uses
    /// the fingerprint, which hashes it.
    pub code: String,
}

impl Entry {
    fn key(&self) -> (&str, &str, &str, &str) {
        (&self.file, &self.function, &self.rule, &self.fingerprint)
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFormat {
    version: u32,
    /// Informative: the version of gofix-leaks that wrote the file.
    tool: String,
    entries: Vec<Entry>,
}

/// A loaded baseline.
pub struct Baseline {
    /// The file, as output names it.
    pub name: String,
    pub entries: Vec<Entry>,
}

/// The entries of every finding of `checked`, one per finding, in the
/// same order. Files whose text the check did not keep are read again.
pub fn entries_of(checked: &[Checked], source: &dyn Source) -> Vec<Vec<Entry>> {
    checked
        .iter()
        .map(|c| {
            let Ok(o) = &c.outcome else { return vec![] };
            if o.findings.is_empty() {
                return vec![];
            }
            let text = o.text.clone().or_else(|| {
                source
                    .read(&c.path)
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
            });
            let tree = text.as_deref().map(|t| syntax::parse(t.as_bytes()));
            o.findings
                .iter()
                .map(|f| entry(f, text.as_deref(), tree.as_ref()))
                .collect()
        })
        .collect()
}

fn entry(f: &Finding, text: Option<&str>, tree: Option<&tree_sitter::Tree>) -> Entry {
    let code = fingerprint::normalised_code(f, text);
    let function = match (text, tree) {
        (Some(t), Some(tree)) => fingerprint::function_at(tree, t, f.start.offset),
        _ => String::new(),
    };
    Entry {
        file: f.file.clone(),
        function,
        rule: f.rule.clone(),
        fingerprint: fingerprint::hash(f, &code),
        code,
    }
}

/// Writes `entries` to `path` (sorted, atomically).
pub fn write(path: &Path, mut entries: Vec<Entry>) -> Result<()> {
    entries.sort();
    let file = FileFormat {
        version: VERSION,
        tool: format!("gofix-leaks {}", env!("CARGO_PKG_VERSION")),
        entries,
    };
    let mut json = serde_json::to_string_pretty(&file)?;
    json.push('\n');
    crate::files::write::write_file_atomic(path, json.as_bytes())
        .with_context(|| format!("cannot write the baseline {}", path.display()))
}

impl Baseline {
    /// Reads `path`; a missing, unreadable or malformed file, or one of
    /// another schema version, is an error naming it (and the line).
    pub fn load(path: &Path, name: String) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        let file: FileFormat = serde_json::from_str(&text).map_err(|e| {
            anyhow!(
                "{}:{}:{}: not a gofix-leaks baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if file.version != VERSION {
            bail!(
                "{}: baseline version {} is not supported (this gofix-leaks reads version {VERSION}; write it again with --write-baseline)",
                path.display(),
                file.version
            );
        }
        Ok(Baseline {
            name,
            entries: file.entries,
        })
    }

    /// Drops from `checked` every finding (with its fix) that an entry
    /// records, each entry used once, and returns them as suppressed.
    /// Also returns the entries left over that this run could judge: of a
    /// rule that `ran`, in a file it checked.
    pub fn apply(
        &self,
        checked: &mut [Checked],
        source: &dyn Source,
        ran: &[String],
    ) -> (Vec<Suppressed>, Vec<IgnoreProblem>) {
        let mut left: BTreeMap<(&str, &str, &str, &str), usize> = BTreeMap::new();
        for e in &self.entries {
            *left.entry(e.key()).or_default() += 1;
        }
        let entries = entries_of(checked, source);
        let mut suppressed = Vec::new();
        for (c, entries) in checked.iter_mut().zip(&entries) {
            let Ok(o) = &mut c.outcome else { continue };
            let findings = std::mem::take(&mut o.findings);
            let fixes = std::mem::take(&mut o.fixes);
            for ((f, fix), e) in findings.into_iter().zip(fixes).zip(entries) {
                match left.get_mut(&e.key()).filter(|n| **n > 0) {
                    Some(n) => {
                        *n -= 1;
                        suppressed.push(Suppressed {
                            rule: f.rule,
                            kind: f.kind,
                            file: f.file,
                            posn: f.posn,
                            message: f.message,
                            directive: self.name.clone(),
                            reason: "recorded in the baseline".to_string(),
                            baseline: true,
                            // Not a comment: the text summary counts it apart.
                            style: crate::engine::suppress::Style::Ignore,
                        });
                    }
                    None => {
                        o.findings.push(f);
                        o.fixes.push(fix);
                    }
                }
            }
        }
        let files: BTreeSet<&str> = checked.iter().map(|c| c.display.as_str()).collect();
        let mut stale = Vec::new();
        for e in &self.entries {
            let judged = ran.contains(&e.rule) && files.contains(e.file.as_str());
            match left.get_mut(&e.key()) {
                Some(n) if *n > 0 && judged => {
                    *n -= 1;
                    stale.push(self.unused(e));
                }
                _ => {}
            }
        }
        (suppressed, stale)
    }

    fn unused(&self, e: &Entry) -> IgnoreProblem {
        let function = if e.function.is_empty() {
            String::new()
        } else {
            format!(" in `{}`", e.function)
        };
        IgnoreProblem {
            kind: UNUSED_ENTRY,
            file: e.file.clone(),
            posn: e.file.clone(),
            line: 0,
            column: 0,
            text: e.code.clone(),
            message: format!(
                "{}: the entry for `{}`{function} (`{}`) matches no finding; write the baseline again to drop it",
                self.name, e.rule, e.code
            ),
        }
    }
}
