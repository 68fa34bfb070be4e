//! How often statements can run on one path through a function.

use crate::go::syntax::NodeKind;
use tree_sitter::Node;

/// The most times nodes for which `marked` holds can run in one run of
/// `func`, along any one path: a sequence adds up, the branches of an `if`,
/// `switch` or `select` take the most of any one, a `for` loop multiplies
/// its body by its passes (`passes`; None: unknown, then the count is
/// unbounded). Nested function literals do not count (they run elsewhere);
/// with a `goto`, statements may run again: None.
pub fn most_runs(
    func: Node,
    marked: &dyn Fn(Node) -> bool,
    passes: &dyn Fn(Node) -> Option<usize>,
) -> Option<usize> {
    let body = func.child_field("body")?;
    runs(body, marked, passes)
}

fn runs(
    n: Node,
    marked: &dyn Fn(Node) -> bool,
    passes: &dyn Fn(Node) -> Option<usize>,
) -> Option<usize> {
    if marked(n) {
        return Some(1);
    }
    let children = || {
        let mut c = n.walk();
        n.named_children(&mut c).collect::<Vec<_>>()
    };
    let sum = |nodes: &[Node]| {
        nodes
            .iter()
            .try_fold(0usize, |acc, k| acc.checked_add(runs(*k, marked, passes)?))
    };
    let most = |nodes: &[Node]| {
        nodes
            .iter()
            .try_fold(0usize, |acc, k| Some(acc.max(runs(*k, marked, passes)?)))
    };
    match n.kind_str() {
        "func_literal" => Some(0),
        "goto_statement" => None,
        "if_statement" => {
            let branches: Vec<Node> = ["consequence", "alternative"]
                .iter()
                .filter_map(|f| n.child_field(f))
                .collect();
            let head: Vec<Node> = children()
                .into_iter()
                .filter(|k| !branches.iter().any(|b| b.id() == k.id()))
                .collect();
            sum(&head)?.checked_add(most(&branches)?)
        }
        "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
            let (cases, head): (Vec<Node>, Vec<Node>) = children().into_iter().partition(|k| {
                matches!(
                    k.kind_str(),
                    "expression_case" | "default_case" | "type_case" | "communication_case"
                )
            });
            sum(&head)?.checked_add(most(&cases)?)
        }
        "for_statement" => {
            let inside = sum(&children())?;
            if inside == 0 {
                return Some(0);
            }
            passes(n)?.checked_mul(inside)
        }
        _ => sum(&children()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::syntax::{self, text};

    fn count(src: &str, loops: Option<usize>) -> Option<usize> {
        let tree = syntax::parse(src.as_bytes());
        let func = tree.root_node().named_child(1).unwrap();
        most_runs(
            func,
            &|n| n.kind_str() == "send_statement" && text(n, src.as_bytes()).starts_with("ch"),
            &|_| loops,
        )
    }

    #[test]
    fn branches_take_the_most_and_loops_multiply() {
        let one = "package p\nfunc f(ch chan int, b bool) {\n\tif b {\n\t\tch <- 1\n\t} else {\n\t\tch <- 2\n\t}\n}\n";
        assert_eq!(count(one, None), Some(1));
        let two = "package p\nfunc f(ch chan int, b bool) {\n\tch <- 0\n\tswitch {\n\tcase b:\n\t\tch <- 1\n\t}\n}\n";
        assert_eq!(count(two, None), Some(2));
        let lp =
            "package p\nfunc f(ch chan int) {\n\tfor i := 0; i < 3; i++ {\n\t\tch <- i\n\t}\n}\n";
        assert_eq!(count(lp, Some(3)), Some(3));
        assert_eq!(count(lp, None), None);
        let lit = "package p\nfunc f(ch chan int) {\n\tgo func() {\n\t\tch <- 1\n\t}()\n}\n";
        assert_eq!(count(lit, None), Some(0));
    }
}
