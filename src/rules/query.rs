//! A rule's compiled tree-sitter query: one of its own, or its share (a
//! run of patterns) of one query compiled for several rules at once.
//! Compiling is most of loading: tree-sitter analyses every pattern
//! against the grammar, about 15 M instructions for the built-in pack
//! (65 M before `lighten` took out the steps it need not analyse), and
//! the engine walks a declaration once with all the rules' patterns
//! together. Compiled together once, the rules and the engine's joint walk
//! use the same query, and loading pays for it once.

use std::ops::Range;
use std::sync::Arc;
use tree_sitter::{CaptureQuantifier, Query};

pub struct RuleQuery {
    query: Arc<Query>,
    /// The rule's patterns among the query's.
    patterns: Range<usize>,
    /// Where the rule's query text starts in the text compiled.
    text_start: usize,
    /// The names of the captures the rule's patterns have.
    own: Vec<String>,
}

impl RuleQuery {
    /// A query compiled for one rule alone.
    pub fn alone(query: Query) -> RuleQuery {
        let n = query.pattern_count();
        RuleQuery::share(Arc::new(query), 0..n, 0)
    }

    /// Patterns `patterns` of `query`, compiled from a text where the
    /// rule's own starts at byte `text_start`.
    pub fn share(query: Arc<Query>, patterns: Range<usize>, text_start: usize) -> RuleQuery {
        let names = query.capture_names();
        let own = (0..names.len())
            .filter(|&c| {
                patterns
                    .clone()
                    .any(|p| query.capture_quantifiers(p)[c] != CaptureQuantifier::Zero)
            })
            .map(|c| names[c].to_string())
            .collect();
        RuleQuery {
            query,
            patterns,
            text_start,
            own,
        }
    }

    /// The compiled query, other rules' patterns included: a match of it
    /// is the rule's when `patterns` holds its pattern index.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// The compiled query, to share.
    pub fn shared(&self) -> Arc<Query> {
        self.query.clone()
    }

    pub fn patterns(&self) -> Range<usize> {
        self.patterns.clone()
    }

    /// Whether `other` is a share of the same compiled query.
    pub fn same_query(&self, other: &RuleQuery) -> bool {
        Arc::ptr_eq(&self.query, &other.query)
    }

    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Where the rule's pattern `i` (from 0) starts in its query text.
    pub fn start_byte_for_pattern(&self, i: usize) -> usize {
        self.query.start_byte_for_pattern(self.patterns.start + i) - self.text_start
    }

    /// The quantifier of each capture of the query (by capture index) in
    /// the rule's pattern `i`.
    pub fn capture_quantifiers(&self, i: usize) -> &[CaptureQuantifier] {
        self.query.capture_quantifiers(self.patterns.start + i)
    }

    /// The names of the query's captures, by capture index (a match's
    /// captures index this).
    pub fn capture_names(&self) -> &[&str] {
        self.query.capture_names()
    }

    /// The names of the captures the rule's own patterns have.
    pub fn own_captures(&self) -> &[String] {
        &self.own
    }
}
