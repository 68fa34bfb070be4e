//! Which of a query's patterns can reach each use of a capture, and
//! whether the capture is there: a `[[where]]` argument, template, edit
//! target or `at` naming a capture that a pattern lacks would silently drop
//! or half-fix every match of that pattern. A use guarded by `when = "@c"`
//! is reached only by the patterns that capture `c` (and `unless = "@c"`
//! only by those that may not), which is how a rule says a capture is
//! optional. Also: the node kinds a predicate's capture argument can be.

use crate::rules::format::Guard;
use crate::rules::query::RuleQuery;
use crate::rules::shape::{Kinds, Shape};
use std::collections::{BTreeMap, HashMap};
use tree_sitter::CaptureQuantifier;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Always,
    Maybe,
    Never,
}

struct PatternInfo {
    /// Where the pattern starts, `file:line:col`.
    place: String,
    presence: HashMap<String, Presence>,
    /// The kinds of its captures, when the query text was read.
    kinds: Option<BTreeMap<String, Kinds>>,
}

/// The patterns of one query.
pub struct Reach {
    patterns: Vec<PatternInfo>,
}

impl Reach {
    /// Whether the query text was read for every pattern (for tests).
    pub fn read_all(&self) -> bool {
        self.patterns.iter().all(|p| p.kinds.is_some())
    }

    /// `place` maps a byte offset of the query text to `file:line:col`.
    pub fn new(query: &RuleQuery, shape: &Shape, place: &dyn Fn(usize) -> String) -> Reach {
        let names = query.capture_names();
        let own = query.own_captures();
        let patterns = (0..query.pattern_count())
            .map(|i| {
                let start = query.start_byte_for_pattern(i);
                let presence: HashMap<String, Presence> = names
                    .iter()
                    .zip(query.capture_quantifiers(i))
                    .filter(|(n, _)| own.iter().any(|o| o == *n))
                    .map(|(n, q)| {
                        let p = match q {
                            CaptureQuantifier::One | CaptureQuantifier::OneOrMore => {
                                Presence::Always
                            }
                            CaptureQuantifier::ZeroOrOne | CaptureQuantifier::ZeroOrMore => {
                                Presence::Maybe
                            }
                            CaptureQuantifier::Zero => Presence::Never,
                        };
                        (n.to_string(), p)
                    })
                    .collect();
                // Kinds only from a reading that agrees with tree-sitter on
                // which captures the pattern has; else nothing is claimed.
                let kinds = shape
                    .patterns
                    .iter()
                    .find(|p| p.start == start)
                    .filter(|p| {
                        p.captures.keys().eq(presence
                            .iter()
                            .filter(|(_, p)| **p != Presence::Never)
                            .map(|(n, _)| n)
                            .collect::<std::collections::BTreeSet<_>>())
                    })
                    .map(|p| p.captures.clone());
                PatternInfo {
                    place: place(start),
                    presence,
                    kinds,
                }
            })
            .collect();
        Reach { patterns }
    }

    fn is_capture(&self, name: &str) -> bool {
        self.patterns
            .first()
            .is_some_and(|p| p.presence.contains_key(name))
    }

    fn presence(&self, p: usize, name: &str) -> Presence {
        self.patterns[p]
            .presence
            .get(name)
            .copied()
            .unwrap_or(Presence::Never)
    }

    /// The patterns whose matches can get past `guard`.
    pub fn reachable(&self, guard: &Guard) -> Vec<usize> {
        let name = |n: &Option<String>| {
            n.as_deref()
                .map(|n| n.trim_start_matches('@').to_string())
                .filter(|n| self.is_capture(n))
        };
        let (when, unless) = (name(&guard.when), name(&guard.unless));
        (0..self.patterns.len())
            .filter(|&p| {
                when.as_ref()
                    .is_none_or(|w| self.presence(p, w) != Presence::Never)
            })
            .filter(|&p| {
                unless
                    .as_ref()
                    .is_none_or(|u| self.presence(p, u) != Presence::Always)
            })
            .collect()
    }

    /// Whether a use of `name` under `guard` is sure to have it, when
    /// `name` is a capture: the error says which pattern lacks it.
    pub fn need(&self, name: &str, guard: &Guard) -> Result<(), String> {
        let name = name.trim_start_matches('@');
        if !self.is_capture(name) {
            return Ok(());
        }
        let guarded = guard.when.as_deref().map(|w| w.trim_start_matches('@')) == Some(name);
        for p in self.reachable(guard) {
            let what = match self.presence(p, name) {
                Presence::Always => continue,
                _ if guarded => continue,
                Presence::Maybe => "may not capture",
                Presence::Never => "does not capture",
            };
            return Err(format!(
                "the pattern at {} {what} @{name}, so its matches would {}; capture @{name} in it, or guard this with `when = \"@{name}\"`",
                self.patterns[p].place, "be dropped or half fixed without a word"
            ));
        }
        Ok(())
    }

    /// An error when no pattern can get past `guard`.
    pub fn ever(&self, guard: &Guard) -> Result<(), String> {
        if self.reachable(guard).is_empty() {
            return Err(format!(
                "`when`/`unless` ({}) leave no pattern of the query for it to apply to",
                [&guard.when, &guard.unless]
                    .into_iter()
                    .flatten()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Ok(())
    }

    /// Whether capture `name`, in every pattern past `guard` that binds
    /// it, is a node of one of `accepted` (already expanded).
    pub fn kinds_fit(
        &self,
        name: &str,
        guard: &Guard,
        accepted: &std::collections::BTreeSet<String>,
    ) -> Result<(), String> {
        let name = name.trim_start_matches('@');
        for p in self.reachable(guard) {
            let info = &self.patterns[p];
            let Some(kinds) = info.kinds.as_ref().and_then(|k| k.get(name)) else {
                continue;
            };
            let want = || accepted.iter().cloned().collect::<Vec<_>>().join(", ");
            match kinds {
                Kinds::Any => {
                    return Err(format!(
                        "the pattern at {} does not say what node @{name} is (a wildcard); the predicate takes {}: write the node kind in the query",
                        info.place,
                        want()
                    ));
                }
                Kinds::Of(ks) => {
                    if let Some(bad) = ks.iter().find(|k| !accepted.contains(*k)) {
                        return Err(format!(
                            "@{name} is a `{bad}` in the pattern at {}, but the predicate takes {}; it would never hold there",
                            info.place,
                            want()
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
