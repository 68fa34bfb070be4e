//! Which identifiers of a function spell a name, and whether it has a
//! `goto` of its own: answered from where the text writes the word
//! (`syntax::written`), not by a walk. Each candidate `make` of a big
//! function once walked the whole function again (`scope::references`), a
//! fifth of the CPU on grpc; an index of every identifier built in one
//! walk per declaration then cost 5 % of sarama, most of its names never
//! asked about.

use crate::go::syntax::{self, NodeKind};
use tree_sitter::Node;

/// What `scope::references` answers for `func`, without a walk: the
/// identifiers spelling `name` in its body, in document order, leaving out
/// those in `exclude` and those inside a func literal that declares a
/// parameter `name`.
pub fn references<'t>(func: Node<'t>, name: &str, src: &[u8], exclude: &[usize]) -> Vec<Node<'t>> {
    let Some(body) = func.child_field("body") else {
        return vec![];
    };
    syntax::written(body, name, "identifier", src)
        .into_iter()
        .filter(|(n, ups)| {
            !exclude.contains(&n.id())
                && !ups
                    .iter()
                    .any(|l| syntax::is_func_literal(*l) && syntax::declares_param(*l, name, src))
        })
        .map(|(n, _)| n)
        .collect()
}

/// Whether `func` holds a `goto` outside the func literals nested in it:
/// then its statements may run in another order than they are written.
pub fn has_goto(func: Node, src: &[u8]) -> bool {
    syntax::written(func, "goto", "goto", src)
        .iter()
        .any(|(_, ups)| {
            ups.first().is_some_and(|s| syntax::is_goto_statement(*s))
                && !ups.iter().any(|l| syntax::is_func_literal(*l))
        })
}
