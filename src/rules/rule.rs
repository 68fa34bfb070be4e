//! A loaded rule (its spec, compiled query, resolved edits and option
//! values), where rules come from (the built-in pack, user files) and which
//! of them run. The file format is `format`'s, loading and its checks
//! `load`'s.

pub use crate::rules::format::*;
use crate::rules::kind::Kind;
pub use crate::rules::load::parse_rule;
use crate::rules::options::OptionType;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// What an edit does, resolved from the spec.
#[derive(Debug, Clone)]
pub enum EditKind {
    Replace {
        target: String,
        with: String,
    },
    InsertBefore {
        target: String,
        text: String,
    },
    InsertAfter {
        target: String,
        text: String,
    },
    Wrap {
        target: String,
        before: String,
        after: String,
    },
    Delete {
        target: String,
    },
    EnsureImport {
        path: String,
        within: Option<String>,
    },
}

/// An edit with the switch that guards it.
#[derive(Debug, Clone)]
pub struct Edit {
    pub kind: EditKind,
    pub guard: Guard,
}

/// A loaded rule: its spec, its compiled query and its resolved edits.
pub struct Rule {
    pub spec: RuleSpec,
    pub query: crate::rules::query::RuleQuery,
    /// `require_match`, compiled.
    pub require_match: Vec<regex::bytes::Regex>,
    pub edits: Vec<Edit>,
    /// Option values (defaults, then `--set` overrides), as text; "" is off.
    pub options: std::collections::BTreeMap<String, String>,
    /// Where the rule came from, for messages.
    pub origin: String,
    /// The `kind` alternatives, in order, each with its guard.
    pub kinds: Vec<(Guard, Kind)>,
    /// What values each option takes.
    pub option_types: std::collections::BTreeMap<String, OptionType>,
    /// Load warnings (a `require` literal a renamed import hides), for the
    /// command line to show.
    pub warnings: Vec<String>,
    /// Per `[[where]]`: its compiled vocabulary form (None: a predicate).
    pub vocab: Vec<Option<crate::rules::vocab::Compiled>>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The kind of a finding, given how to test a capture, binding or
    /// option: the first `kind` alternative whose guard holds, else `leak`.
    pub fn kind_of(&self, is_set: &dyn Fn(&str) -> bool) -> Kind {
        self.kinds
            .iter()
            .find(|(g, _)| g.allows(is_set))
            .map_or(Kind::Leak, |(_, k)| *k)
    }

    /// The kinds its findings can have, in `Kind::ALL` order.
    pub fn possible_kinds(&self) -> Vec<Kind> {
        let mut out = std::collections::BTreeSet::new();
        let mut fallback = true;
        for (g, k) in &self.kinds {
            out.insert(*k);
            if g.when.is_none() && g.unless.is_none() {
                fallback = false;
                break;
            }
        }
        if fallback {
            out.insert(Kind::Leak);
        }
        out.into_iter().collect()
    }

    /// Sets an option from `--set` or a config file; the rule must
    /// declare it, and the value must be of its type.
    pub fn set_option(&mut self, key: &str, value: &str) -> Result<()> {
        let Some(ty) = self.option_types.get(key) else {
            bail!(
                "rule `{}` has no option `{key}`{} (options: {})",
                self.id(),
                crate::rules::suggest::hint(key, self.options.keys().map(String::as_str)),
                self.options.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        };
        let text = ty.check(value).map_err(|e| {
            anyhow::anyhow!(
                "rule `{}`, option `{key}`: {e}; it takes {}",
                self.id(),
                ty.accepted()
            )
        })?;
        self.options.insert(key.to_string(), text);
        Ok(())
    }
}

/// Loads the built-in pack.
pub fn builtin() -> Result<Vec<Rule>> {
    crate::rules::load::parse_rules(BUILTIN_RULES)
}

/// Loads a rule file, or every `*.toml` in a directory (sorted).
pub fn load_path(path: &Path) -> Result<Vec<Rule>> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read rules from {}", path.display()))?;
    let mut files: Vec<PathBuf> = if meta.is_dir() {
        std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read rule file {}", f.display()))?;
            parse_rule(&f.display().to_string(), &text)
        })
        .collect()
}

/// Keeps the rules that `--only` and `--skip` select; an id that names no
/// loaded rule is an error.
pub fn select(rules: Vec<Rule>, only: &[String], skip: &[String]) -> Result<Vec<Rule>> {
    for id in only.iter().chain(skip) {
        if !rules.iter().any(|r| r.id() == id) {
            bail!(
                "no rule `{id}` (loaded: {})",
                rules.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in &rules {
        if !seen.insert(r.id().to_string()) {
            bail!(
                "{}: rule id `{}` is already defined by another rule file",
                r.origin,
                r.id()
            );
        }
    }
    Ok(rules
        .into_iter()
        .filter(|r| only.is_empty() || only.iter().any(|o| o == r.id()))
        .filter(|r| !skip.iter().any(|s| s == r.id()))
        .collect())
}
