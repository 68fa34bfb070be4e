//! Which identifiers of a function spell a name, and whether it has a
//! `goto` of its own: answered from where the text writes the word
//! (`syntax::written`), not by a walk. Each candidate `make` of a big
//! function once walked the whole function again (`scope::references`), a
//! fifth of the CPU on grpc; an index of every identifier built in one
//! walk per declaration then cost 5 % of sarama, most of its names never
//! asked about.

use crate::go::syntax::{self, NodeKind};
use tree_sitter::Node;

/// Asks about the functions of one file's source.
#[derive(Debug, Clone, Copy)]
pub struct Idents<'t> {
    src: &'t [u8],
}

impl<'t> Idents<'t> {
    pub fn new(src: &'t [u8]) -> Idents<'t> {
        Idents { src }
    }

    /// What `scope::references` answers for `func`, without a walk: the
    /// identifiers spelling `name` in its body, in document order, leaving
    /// out those in `exclude` and those inside a func literal that declares
    /// a parameter `name`.
    pub fn references(&self, func: Node<'t>, name: &str, exclude: &[usize]) -> Vec<Node<'t>> {
        let Some(body) = func.child_field("body") else {
            return vec![];
        };
        syntax::written(body, name, "identifier", self.src)
            .into_iter()
            .filter(|(n, ups)| {
                !exclude.contains(&n.id())
                    && !ups.iter().any(|l| {
                        syntax::is_func_literal(*l) && syntax::declares_param(*l, name, self.src)
                    })
            })
            .map(|(n, _)| n)
            .collect()
    }

    /// Whether `func` holds a `goto` outside the func literals nested in it.
    pub fn has_goto(&self, func: Node<'t>) -> bool {
        syntax::written(func, "goto", "goto", self.src)
            .iter()
            .any(|(_, ups)| {
                ups.first().is_some_and(|s| syntax::is_goto_statement(*s))
                    && !ups.iter().any(|l| syntax::is_func_literal(*l))
            })
    }
}
