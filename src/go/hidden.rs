//! What a check cannot see of the declarations it parsed trimmed
//! (`units::around_functions`), and whether it asked about that.
//!
//! A trimmed parse holds the statements that can match whole; what it
//! leaves out can still change an answer about a name: a declaration of
//! it in an outer function, or uses of such a name. The questions that can
//! reach there all go through a few places (a local's facts, a search for
//! where a name is written or declared under a node, a match's captures, a
//! declaration of the file found by name), and each tells this module what
//! it asked; a check that asked about something hidden is done again on
//! the declaration whole. A new way for a predicate to reach a function
//! other than the one its match is in (and walk its statements) must tell
//! it too. The state is per thread and set only around one check
//! (`while_hidden`): the predicates that ask are many, and threading it
//! through each would change them all.

use std::cell::RefCell;
use std::ops::Range;
use tree_sitter::Node;

/// The trimmed declarations of the file being checked.
#[derive(Default)]
pub struct Hidden {
    /// The trimmed declarations' ranges.
    pub chunks: Vec<Range<usize>>,
    /// What was left out of them, sorted.
    pub dropped: Vec<Range<usize>>,
    /// Names whose declarations or uses may be left out where they
    /// resolve (`Trim::scoped`).
    pub scoped: foldhash::HashSet<Vec<u8>>,
    /// Names a left-out statement may declare (`Trim::declared`).
    pub declared: foldhash::HashSet<Vec<u8>>,
    /// Every word the left-out code writes.
    pub written: foldhash::HashSet<Vec<u8>>,
}

struct State {
    hidden: Hidden,
    asked: bool,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// Runs `check` with `hidden` as what it cannot see; also says whether it
/// asked about that.
pub fn while_hidden<R>(hidden: Hidden, check: impl FnOnce() -> R) -> (R, bool) {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            STATE.with(|s| s.borrow_mut().take());
        }
    }
    STATE.with(|s| {
        *s.borrow_mut() = Some(State {
            hidden,
            asked: false,
        })
    });
    let reset = Reset;
    let out = check();
    let asked = STATE.with(|s| s.borrow().as_ref().is_some_and(|s| s.asked));
    drop(reset);
    (out, asked)
}

fn overlaps(ranges: &[Range<usize>], r: Range<usize>) -> bool {
    let i = ranges.partition_point(|d| d.end <= r.start);
    ranges.get(i).is_some_and(|d| d.start < r.end)
}

fn note(asks: impl FnOnce(&Hidden) -> bool) {
    STATE.with(|s| {
        if let Some(s) = s.borrow_mut().as_mut()
            && !s.asked
            && asks(&s.hidden)
        {
            s.asked = true;
        }
    });
}

/// Which local `ident` names is being asked: that may be a declaration left
/// out.
pub fn resolves(ident: Node, name: &[u8]) {
    note(|h| {
        h.scoped.contains(name)
            && h.chunks
                .iter()
                .any(|c| c.start <= ident.start_byte() && ident.end_byte() <= c.end)
    });
}

/// Where `word` is written under `top` is being asked: some of those
/// places may be left out.
pub fn searches(top: Node, word: &[u8]) {
    note(|h| h.written.contains(word) && overlaps(&h.dropped, top.byte_range()));
}

/// Where `top` declares `word` is being asked (in any of its blocks): some
/// of those declarations may be left out.
pub fn searches_declarations(top: Node, word: &[u8]) {
    note(|h| h.declared.contains(word) && overlaps(&h.dropped, top.byte_range()));
}

/// All of `node` is being read (a match captured it, a query runs under
/// it): if it spans left-out code, the answer may not be a whole parse's.
pub fn reads(node: Node) {
    note(|h| overlaps(&h.dropped, node.byte_range()));
}
