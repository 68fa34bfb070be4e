//! `single-result-buffer`'s shape of a promise: a function starts one
//! goroutine that sends one result on an unbuffered channel and returns the
//! channel (`func Go(f func() error) <-chan error`). Its callers are the
//! receivers: one that stops waiting (`select` with a timeout case, an
//! early return before its receive, a result it drops) leaves the
//! goroutine blocked on its send. The callers are looked for in the
//! package (`PackageIndex::uses_of`).

use super::channel::{
    Sender, Use, abandon_reason, classify_ref, function_label, goroutine_functions,
    is_returned_ref, loop_below, sends_once,
};
use super::scope::declaration;
use super::{Ctx, Value, Verdict};
use crate::go::exits;
use crate::go::idents::Ref;
use crate::go::lookup::NameUse;
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

/// The verdict for `make`'s channel `name` in `func` when the function
/// returns it and one goroutine of its sends on it once; None when that
/// is not the shape.
pub(super) fn verdict<'t>(
    ctx: &Ctx<'t>,
    make: Node<'t>,
    func: Node<'t>,
    name: &str,
    sites: &[usize],
) -> Option<Verdict> {
    let src = ctx.src;
    if func.kind_str() != "function_declaration" {
        return None;
    }
    let fname = syntax::decl_name(func, src)?;
    let refs = crate::go::idents::references_up(func, name, src, sites);
    let (go, handed) = returned_with_one_goroutine(func, &refs)?;
    if loop_below(go, func, make).is_some() {
        return None;
    }
    // The goroutine first (cheap), then the callers (other files).
    let sent = match goroutine_functions(ctx, go, handed, name) {
        Ok(producers) => sends_once(&producers, go, name, func, src),
        Err(e) => e,
    };
    if matches!(sent, Sender::Skip) {
        return Some(Verdict::Skip);
    }
    let gives_up = ctx
        .package
        .uses_of(fname)
        .iter()
        .find_map(|u| caller_gives_up(u, fname));
    let exported =
        fname.starts_with(|c: char| c.is_uppercase()) && ctx.package.package_name() != "main";
    let how = match &gives_up {
        Some(why) => format!("`{fname}` returns it, and {why}"),
        None if exported => format!(
            "`{fname}` returns it, and a caller that stops waiting for it never receives it"
        ),
        None => return Some(Verdict::Skip),
    };
    let bindings = vec![
        ("chan", Value::Text(name.to_string())),
        ("abandon", Value::Text(how)),
        ("size", Value::Text("1".to_string())),
    ];
    Some(match sent {
        Sender::Unproven(why) => Verdict::Unproven(why, bindings),
        _ if gives_up.is_some() => Verdict::Holds(bindings),
        _ => Verdict::Unproven(
            format!(
                "`{fname}` is exported: its callers outside the package are not in view, and every caller in view receives from it"
            ),
            bindings,
        ),
    })
}

/// The one `go` statement that uses the channel (by capture, or handed
/// it as argument `Some(i)`), given its references `refs` in `func`, when
/// the function otherwise only returns it.
fn returned_with_one_goroutine<'t>(
    func: Node<'t>,
    refs: &[Ref<'t>],
) -> Option<(Node<'t>, Option<usize>)> {
    let mut goroutines: Vec<(Node, Option<usize>)> = Vec::new();
    let mut returned = false;
    for r in refs {
        if r.function(func).id() != func.id() {
            goroutines.push((r.go_running()?, None));
            continue;
        }
        match classify_ref(r) {
            Use::GoArg { go, index } => goroutines.push((go, Some(index))),
            Use::Other if is_returned_ref(r) => returned = true,
            _ => return None,
        }
    }
    let first = *goroutines.first()?;
    let one = goroutines.iter().all(|(g, _)| g.id() == first.0.id());
    let handed: Vec<usize> = goroutines.iter().filter_map(|(_, i)| *i).collect();
    (returned && one && (handed.is_empty() || goroutines.len() == 1))
        .then(|| (first.0, handed.first().copied()))
}

/// How a use of function `fname` (in the package) can leave the channel
/// it returns unreceived, if it can: a call whose channel is received in a
/// select that can take another case or after an early return, or
/// dropped. A use this analysis does not follow counts as receiving.
fn caller_gives_up(u: &NameUse, fname: &str) -> Option<String> {
    let src = u.src;
    if declaration(fname, u.node, src).is_some() {
        return None;
    }
    let mut callee = u.node;
    if let Some(p) = callee
        .parent()
        .filter(|p| p.kind_str() == "index_expression" && p.child_field("operand") == Some(callee))
    {
        callee = p;
    }
    let call = callee.parent().filter(|c| {
        c.kind_str() == "call_expression" && c.child_field("function") == Some(callee)
    })?;
    let caller = syntax::enclosing_function(call)?;
    let cname = function_label(caller, src);
    let test = (u.in_test || exits::takes_testing(caller, src)).then_some(u.tree);
    let parent = call.parent()?;
    let (recv, start) = match parent.kind_str() {
        "expression_statement" => return Some(format!("its caller {cname} drops it unread")),
        "unary_expression" if parent.child_field("operand") == Some(call) => (parent, call),
        "expression_list" => {
            let stmt = parent.parent()?;
            let bound = match stmt.kind_str() {
                "short_var_declaration" | "assignment_statement"
                    if stmt.child_field("right") == Some(parent)
                        && parent.named_child_count() == 1 =>
                {
                    stmt.child_field("left")
                        .filter(|l| l.named_child_count() == 1)?
                        .named_child(0)?
                }
                _ => return None,
            };
            let var = text(bound, src);
            let mut recvs = Vec::new();
            for r in crate::go::idents::references_up(caller, var, src, &[bound.id()]) {
                if r.node.start_byte() < stmt.end_byte() {
                    continue;
                }
                match classify_ref(&r) {
                    Use::Recv(x) if r.function(caller).id() == caller.id() => recvs.push(x),
                    _ => return None,
                }
            }
            match recvs.as_slice() {
                [] => return Some(format!("its caller {cname} never receives from it")),
                [one] => (*one, stmt),
                _ => return None,
            }
        }
        _ => return None,
    };
    let why = abandon_reason(recv, start, caller, start, src, test)?;
    Some(format!("its caller {cname} may stop waiting for it: {why}"))
}
