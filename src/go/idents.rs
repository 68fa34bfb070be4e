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
    references_up(func, name, src, exclude)
        .into_iter()
        .map(|r| r.node)
        .collect()
}

/// `references`, each with the ancestors its search found it by.
pub fn references_up<'t>(
    func: Node<'t>,
    name: &str,
    src: &[u8],
    exclude: &[usize],
) -> Vec<Ref<'t>> {
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
        .map(|(node, ups)| Ref { node, ups })
        .collect()
}

/// A node with its ancestors strictly below some node above it, innermost
/// first: for a reference, the function body it was found in (`function`
/// and `go_running` read them so); for a `make`, the root. Where a use
/// sits is read from them: a node's parent in tree-sitter is a descent
/// from the root, and the predicates ask it of every use of a channel,
/// three levels up.
pub struct Ref<'t> {
    pub node: Node<'t>,
    pub ups: Vec<Node<'t>>,
}

impl<'t> Ref<'t> {
    /// A node with no ancestors known yet: `up` asks tree-sitter (the
    /// test of `up`'s walk past the known ancestors).
    #[cfg(test)]
    pub fn bare(node: Node<'t>) -> Ref<'t> {
        Ref { node, ups: vec![] }
    }

    /// The ancestor `k` levels up (0: the parent).
    pub fn up(&self, k: usize) -> Option<Node<'t>> {
        if let Some(&n) = self.ups.get(k) {
            return Some(n);
        }
        let mut n = self.ups.last().copied().unwrap_or(self.node);
        for _ in self.ups.len()..=k {
            n = n.parent()?;
        }
        Some(n)
    }

    /// The innermost function holding it inside `func`, whose body it
    /// was found in: a function literal among its ancestors, else `func`.
    pub fn function(&self, func: Node<'t>) -> Node<'t> {
        self.ups
            .iter()
            .copied()
            .find(|&n| syntax::is_function(n))
            .unwrap_or(func)
    }

    /// `syntax::go_running` of the innermost literal holding it: the `go`
    /// statement of the function it was found in (not of a literal in it)
    /// that runs that literal as `go func(){...}()`.
    pub fn go_running(&self) -> Option<Node<'t>> {
        let k = self.ups.iter().position(|&n| syntax::is_function(n))?;
        let (lit, call, go) = (self.ups[k], self.up(k + 1)?, self.up(k + 2)?);
        let in_func = self
            .ups
            .get(k + 3..)
            .unwrap_or(&[])
            .iter()
            .all(|&n| !syntax::is_function(n));
        (call.kind_str() == "call_expression"
            && call.child_field("function") == Some(lit)
            && go.kind_str() == "go_statement"
            && in_func)
            .then_some(go)
    }
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
