//! `single-result-buffer`'s shape of a send that nobody can receive yet:
//! the function that made an unbuffered channel sends on it itself before
//! the channel has reached any goroutine, callee or caller that could
//! receive (`errc <- err; return errc` on an error path, before the
//! `go func() { errc <- work() }()` of the other path). That send blocks
//! the function, and the goroutine running it, forever. A buffer of the
//! most values one path puts in the channel lets every such send complete.

use super::channel::{
    Sender, Use, classify_ref, function_label, goroutine_functions, is_returned_ref, loop_below,
    sends_once,
};
use super::{Ctx, Value, Verdict};
use crate::go::exits;
use crate::go::idents::Ref;
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

/// How the function uses its channel `name`, in document order.
struct Uses<'t> {
    /// Its own sends before any other use: nothing can receive them.
    blocked: Vec<Node<'t>>,
    /// The `go` statements that use it, later.
    goroutines: Vec<(Node<'t>, Option<usize>)>,
    /// Why the other later uses leave the buffer's size unknown, if they do.
    unknown: Option<String>,
}

/// The verdict for `make`'s channel `name` in `func` when the function
/// sends on it before anything can receive; None when it does not (the
/// other shapes are then looked at). `refs`: the references to `name` in
/// `func` but its binding (`idents::references_up`).
pub(super) fn verdict<'t>(
    ctx: &Ctx<'t>,
    make: Node<'t>,
    func: Node<'t>,
    name: &str,
    refs: &[Ref<'t>],
) -> Option<Verdict> {
    let src = ctx.src;
    // A send in a select may not happen, buffered it could; a reference
    // before the `make` is to another channel; a `goto` may go back.
    let jumps = crate::go::idents::has_goto(func, src);
    let in_select = |r: &Ref| {
        matches!(classify_ref(r), Use::Send(_))
            && r.up(1)
                .is_some_and(|p| p.kind_str() == "communication_case")
    };
    if jumps
        || refs
            .iter()
            .any(|r| in_select(r) || r.node.start_byte() < make.end_byte())
    {
        return None;
    }
    let uses = uses(refs, func, src);
    let first = *uses.blocked.first()?;
    let fname = function_label(func, src);
    let (line, _) = syntax::line_col(src, first.start_byte());
    let bindings = |size: usize| {
        vec![
            ("chan", Value::Text(name.to_string())),
            (
                "blocked_send",
                Value::Text(format!(
                    "{fname} sends on it at line {line} (`{}`) before anything can receive from it",
                    text(first, src).lines().next().unwrap_or("").trim()
                )),
            ),
            ("size", Value::Text(size.to_string())),
        ]
    };
    let unproven = |why: String| Some(Verdict::Unproven(why, bindings(1)));
    if let Some(lp) = uses
        .blocked
        .iter()
        .chain(uses.goroutines.iter().map(|(g, _)| g))
        .find_map(|n| loop_below(*n, func, make))
    {
        let (l, _) = syntax::line_col(src, lp.start_byte());
        return unproven(format!(
            "the loop at line {l} sends on it or starts its goroutine again and again: cannot count how many values it must hold"
        ));
    }
    if let Some(why) = uses.unknown {
        return unproven(why);
    }
    for (go, handed) in &uses.goroutines {
        let producers = match goroutine_functions(ctx, *go, *handed, name) {
            Ok(p) => p,
            Err(Sender::Unproven(why)) => return unproven(why),
            Err(_) => {
                return unproven(
                    "a goroutine started later uses it in a way this analysis does not follow"
                        .to_string(),
                );
            }
        };
        match sends_once(&producers, *go, name, func, src) {
            Sender::Ok => {}
            Sender::Unproven(why) => return unproven(why),
            Sender::Skip => {
                return unproven(
                    "a goroutine started later does more with it than send one value and return: cannot count how many values it must hold".to_string(),
                );
            }
        }
    }
    let mut counted: Vec<usize> = uses.blocked.iter().map(|n| n.id()).collect();
    counted.extend(uses.goroutines.iter().map(|(g, _)| g.id()));
    let size = most_on_one_path(func.child_field("body")?, &counted, src).max(1);
    Some(Verdict::Holds(bindings(size)))
}

/// Sorts the references of the channel: the function's own sends before
/// its first other use but `return ch` (which ends its path) are blocked;
/// after that, `go` statements, the function's receives and `return ch`
/// are followed, anything else (and a send of the function's own, which a
/// receiver may now wait for) leaves the count unknown.
fn uses<'t>(refs: &[Ref<'t>], func: Node<'t>, src: &[u8]) -> Uses<'t> {
    let mut out = Uses {
        blocked: Vec::new(),
        goroutines: Vec::new(),
        unknown: None,
    };
    let mut escaped = false;
    for r in refs {
        let own = r.function(func).id() == func.id();
        let what = if own {
            classify_ref(r)
        } else {
            match r.go_running() {
                Some(go) => Use::GoArg { go, index: 0 },
                None => Use::Other,
            }
        };
        let returned = is_returned_ref(r);
        match what {
            Use::Send(s) if !escaped => {
                out.blocked.push(s);
                continue;
            }
            Use::Send(s) => {
                out.unknown.get_or_insert_with(|| {
                    format!(
                        "it also sends on it at line {} once a receiver may wait: buffered, that send would no longer wait for it",
                        syntax::line_col(src, s.start_byte()).0
                    )
                });
            }
            Use::GoArg { go, index } => {
                let handed = own.then_some(index);
                if !out.goroutines.iter().any(|(g, _)| g.id() == go.id()) {
                    out.goroutines.push((go, handed));
                } else if handed.is_some() {
                    out.unknown
                        .get_or_insert_with(|| "a goroutine is handed it twice".to_string());
                }
            }
            Use::Recv(_) => {}
            // The path ends there: nothing after it runs on it.
            Use::Other if own && returned => continue,
            Use::Other => {
                out.unknown.get_or_insert_with(|| {
                    format!(
                        "later it is used as `{}`: cannot count how many values it must hold",
                        text(r.up(0).unwrap_or(r.node), src)
                            .lines()
                            .next()
                            .unwrap_or("")
                            .trim()
                    )
                });
            }
        }
        escaped = true;
    }
    out
}

/// The most nodes of `counted` (sends, `go` statements) that one run of
/// `n` can pass: along a block, up to a statement that stops the function;
/// the most of the branches of an `if`, a switch or a select.
fn most_on_one_path(n: Node, counted: &[usize], src: &[u8]) -> usize {
    let (ended, through) = paths(n, counted, src);
    ended.max(through).unwrap_or(0)
}

/// The most `counted` nodes on the paths through `n` that stop the
/// function inside it, and on those that go on after it (None: there are
/// no such paths).
fn paths(n: Node, counted: &[usize], src: &[u8]) -> (Option<usize>, Option<usize>) {
    if counted.contains(&n.id()) {
        return (None, Some(1));
    }
    if n.kind_str() == "func_literal" {
        return (None, Some(0));
    }
    if exits::stops_here(n, src) {
        return (Some(0), None);
    }
    let mut c = n.walk();
    let children: Vec<Node> = n.named_children(&mut c).collect();
    let plus = |a: Option<usize>, b: Option<usize>| a.zip(b).map(|(a, b)| a + b);
    let is_case = |x: &Node| {
        matches!(
            x.kind_str(),
            "expression_case" | "default_case" | "type_case" | "communication_case"
        )
    };
    match n.kind_str() {
        "if_statement" => {
            let init = n
                .child_field("initializer")
                .map_or(Some(0), |i| paths(i, counted, src).1);
            let (e1, t1) = n
                .child_field("consequence")
                .map_or((None, Some(0)), |b| paths(b, counted, src));
            let (e2, t2) = n
                .child_field("alternative")
                .map_or((None, Some(0)), |b| paths(b, counted, src));
            (plus(init, e1.max(e2)), plus(init, t1.max(t2)))
        }
        "expression_switch_statement" | "type_switch_statement" | "select_statement"
            if !text(n, src).contains("fallthrough") =>
        {
            let (mut ended, mut through) = (None, None);
            for x in children.iter().filter(|x| is_case(x)) {
                let (e, t) = paths(*x, counted, src);
                ended = ended.max(e);
                through = through.max(t);
            }
            // A switch without `default` may take no case.
            if n.kind_str() != "select_statement"
                && !children.iter().any(|x| x.kind_str() == "default_case")
            {
                through = through.max(Some(0));
            }
            let head: Option<usize> = children
                .iter()
                .filter(|x| !is_case(x))
                .map(|x| paths(*x, counted, src).1.unwrap_or(0))
                .sum::<usize>()
                .into();
            (plus(head, ended), plus(head, through))
        }
        "for_statement" => {
            let (e, t) = n
                .child_field("body")
                .map_or((None, Some(0)), |b| paths(b, counted, src));
            (e, Some(t.unwrap_or(0)))
        }
        // A block, a case, anything else: its parts one after another.
        _ => {
            let (mut ended, mut through) = (None, Some(0));
            for x in &children {
                let Some(before) = through else { break };
                let (e, t) = paths(*x, counted, src);
                ended = ended.max(e.map(|e| before + e));
                through = t.map(|t| before + t);
            }
            (ended, through)
        }
    }
}
