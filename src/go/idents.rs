//! The identifiers of one top-level declaration grouped by name, with its
//! func literals and `goto` statements: built in one walk the first time a
//! predicate asks which identifiers of a function spell a name, then shared
//! through `Facts` by every candidate in that declaration. Before, each
//! candidate `make` of a big function walked the whole function again
//! (`scope::references`), a fifth of the CPU on grpc.

use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use std::collections::HashMap;
use tree_sitter::Node;

/// The identifiers, func literals and gotos of one top-level declaration,
/// each list in document order.
#[derive(Debug, Default)]
pub struct Idents<'t> {
    by_name: HashMap<&'t str, Vec<Node<'t>>>,
    literals: Vec<Node<'t>>,
    gotos: Vec<Node<'t>>,
}

/// Whether `n` lies within `outer`'s bytes (for nodes of one tree: `n` is
/// `outer` or below it).
fn within(n: Node, outer: Node) -> bool {
    outer.start_byte() <= n.start_byte() && n.end_byte() <= outer.end_byte()
}

impl<'t> Idents<'t> {
    /// One walk of `root` (a top-level declaration) in `src`.
    pub fn build(root: Node<'t>, src: &'t [u8]) -> Idents<'t> {
        let mut out = Idents::default();
        syntax::visit(root, &|_| true, &mut |n| {
            if syntax::is_identifier(n) {
                out.by_name.entry(text(n, src)).or_default().push(n);
            } else if syntax::is_func_literal(n) {
                out.literals.push(n);
            } else if syntax::is_goto_statement(n) {
                out.gotos.push(n);
            }
        });
        out
    }

    /// What `scope::references` answers for `func` (a function of this
    /// declaration), without a walk: the identifiers spelling `name` in
    /// its body, in document order, leaving out those in `exclude` and
    /// those inside a func literal that declares a parameter `name`.
    pub fn references(
        &self,
        func: Node<'t>,
        name: &str,
        src: &[u8],
        exclude: &[usize],
    ) -> Vec<Node<'t>> {
        let (Some(body), Some(all)) = (func.child_field("body"), self.by_name.get(name)) else {
            return vec![];
        };
        let hiding: Vec<Node> = self
            .literals
            .iter()
            .filter(|l| within(**l, body) && syntax::declares_param(**l, name, src))
            .copied()
            .collect();
        all.iter()
            .filter(|n| {
                within(**n, body)
                    && !exclude.contains(&n.id())
                    && !hiding.iter().any(|l| within(**n, *l))
            })
            .copied()
            .collect()
    }

    /// Whether `func` (a function of this declaration) holds a `goto`
    /// outside the func literals nested in it.
    pub fn has_goto(&self, func: Node<'t>) -> bool {
        self.gotos.iter().any(|g| {
            within(*g, func)
                && !self
                    .literals
                    .iter()
                    .any(|l| l.id() != func.id() && within(*l, func) && within(*g, *l))
        })
    }
}
