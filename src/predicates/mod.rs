//! Named predicates: the conditions a tree-sitter query cannot express,
//! implemented in Rust and called by rules by name with captures as
//! arguments. A predicate says the condition holds (and may bind more values
//! for templates), does not hold (no finding), or that the shape matches but
//! a fix cannot be proven safe (a finding with no fix, and why).

mod channel;

use crate::package::PackageIndex;
use tree_sitter::{Node, Tree};

/// What a predicate has to look at.
pub struct Ctx<'a> {
    pub src: &'a [u8],
    pub tree: &'a Tree,
    pub package: &'a PackageIndex<'a>,
}

/// A value a predicate binds for templates.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    /// A byte range of the current file, usable as an edit target.
    Span(usize, usize),
}

pub type Bindings = Vec<(&'static str, Value)>;

#[derive(Debug)]
pub enum Verdict {
    /// The condition does not hold: no finding.
    Skip,
    /// The condition holds.
    Holds(Bindings),
    /// The leak shape is there but a fix cannot be proven safe.
    Unproven(String, Bindings),
}

pub struct Predicate {
    pub name: &'static str,
    /// Number of capture arguments.
    pub args: usize,
    /// Names this predicate binds when it holds (or is unproven).
    pub binds: &'static [&'static str],
    pub doc: &'static str,
    pub run: fn(&Ctx, &[Node]) -> Verdict,
}

const PREDICATES: &[Predicate] = &[
    Predicate {
        name: "unbuffered-make",
        args: 1,
        binds: &[],
        doc: "the `make` call has no capacity, or a literal capacity of 0",
        run: channel::unbuffered_make,
    },
    Predicate {
        name: "channel-type",
        args: 1,
        binds: &[],
        doc: "the type is a channel type: written `chan T`, or a type of this package declared as one",
        run: channel::channel_type,
    },
    Predicate {
        name: "single-result-channel",
        args: 1,
        binds: &["chan", "abandon"],
        doc: "the `make` call is bound to a local channel that exactly one goroutine (not started in a loop) sends on exactly once as its last effective statement, that the function receives once where it can give up, and that escapes nowhere else",
        run: channel::single_result_channel,
    },
];

pub fn lookup(name: &str) -> Option<&'static Predicate> {
    PREDICATES.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    PREDICATES.iter().map(|p| p.name).collect()
}

pub fn all() -> &'static [Predicate] {
    PREDICATES
}
