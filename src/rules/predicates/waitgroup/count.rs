//! Whether an `X.Add` pays for exactly the goroutines started after it, so
//! that a goroutine waiting on X elsewhere (`go func() { wg.Wait();
//! close(results) }()`) is only a waiter: a literal `X.Add(N)` followed by N
//! `go` statements in its block; `X.Add(1)` right before its `go`;
//! `X.Add(len(x))` before `for ... range x` and `X.Add(n)` before `for i :=
//! 0; i < n; i++` (or `range n`) whose every pass starts one goroutine.

use super::super::scope::declaration;
use super::{add_count, mentions_x, method_call, plain_variable};
use crate::go::exits::{self, Ends};
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

/// The `X.Add(E)` statement before the loop whose body starts `go` as one
/// of its own statements: the nearest `Add` among the statements before the
/// loop (or its label) in the loop's block.
pub(super) fn loop_add<'t>(go: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    let lp = loop_of(go)?;
    let mut sib = loop_stmt(lp).prev_named_sibling();
    while let Some(s) = sib {
        if method_call(s, "Add", src).is_some() {
            return Some(s);
        }
        sib = s.prev_named_sibling();
    }
    None
}

/// The `for` statement whose body holds `go` as one of its statements.
fn loop_of(go: Node) -> Option<Node> {
    let list = go.parent().filter(|p| p.kind_str() == "statement_list")?;
    list.parent()
        .filter(|b| b.kind_str() == "block")?
        .parent()
        .filter(|l| l.kind_str() == "for_statement")
}

/// The loop as a statement of its block: its label, if it has one.
fn loop_stmt(lp: Node) -> Node {
    lp.parent()
        .filter(|p| p.kind_str() == "labeled_statement")
        .unwrap_or(lp)
}

/// Whether `add` (`X.Add(E)`, from [`loop_add`]) pays for exactly the
/// goroutines `go` starts: the loop runs E passes (`range x` for
/// `len(x)`, `range E` or `for i := 0; i < E; i++` for `E`), nothing
/// between the Add and the loop starts a goroutine, mentions X or changes
/// what E counts, and every pass starts `go` once: no other `go` and no
/// other mention of X in the body, nothing leaving the loop (`break`,
/// `return`, `goto`, a `continue` of an outer loop, `panic`, ...) and no
/// `continue` before `go`.
pub(super) fn loop_pays(go: Node, add: Node, x: &str, src: &[u8]) -> bool {
    let Some(lp) = loop_of(go) else {
        return false;
    };
    let Some(e) = add_argument(add) else {
        return false;
    };
    let Some(roots) = count_roots(e, src) else {
        return false;
    };
    if !runs_passes(lp, e, src) {
        return false;
    }
    let mut between = vec![];
    let mut sib = add.next_named_sibling();
    while let Some(s) = sib.filter(|s| s.id() != loop_stmt(lp).id()) {
        between.push(s);
        sib = s.next_named_sibling();
    }
    let quiet = |s: &Node| !starts_goroutine(*s) && !mentions(*s, x, src);
    let Some(body) = lp.child_field("body") else {
        return false;
    };
    between.iter().all(quiet)
        && !between.iter().any(|s| assigns(*s, &roots, src))
        && !assigns(body, &roots, src)
        && !assigns(body, &loop_vars(lp, src), src)
        && one_go_per_pass(go, lp, body, x, src)
}

/// Every pass of `lp` starts `go` once: `go` is the body's only `go`, the
/// only other mention of X is inside it, nothing leaves the loop, and no
/// `continue` comes before it.
fn one_go_per_pass(go: Node, lp: Node, body: Node, x: &str, src: &[u8]) -> bool {
    let Some(list) = go.parent() else {
        return false;
    };
    let mut c = list.walk();
    let mut before = true;
    for s in list.named_children(&mut c) {
        if s.id() == go.id() {
            before = false;
            continue;
        }
        if starts_goroutine(s) || mentions(s, x, src) {
            return false;
        }
        let mut skips = false;
        syntax::visit(s, &|n| n.kind_str() != "func_literal", &mut |n| {
            if n.kind_str() == "continue_statement" {
                // Another pass of this loop (before `go`: this one starts
                // none) or of an outer loop (this loop ends early).
                skips |= syntax::jump_target(n, src)
                    .is_none_or(|t| !syntax::contains(s, t) && (before || t.id() != lp.id()));
            }
        });
        if skips {
            return false;
        }
    }
    exits::leaving(body, lp, src, Ends::Everything).is_empty()
}

/// The one argument of `X.Add(E)`.
fn add_argument(add: Node) -> Option<Node> {
    let args = add
        .named_child(0)
        .and_then(|c| c.child_field("arguments"))?;
    (args.named_child_count() == 1)
        .then(|| args.named_child(0))
        .flatten()
}

/// The variables a count `E` reads, when it is one the loop can be matched
/// against: an integer literal (none), a variable or field (`n`,
/// `s.n`: its root), or `len` of one.
fn count_roots(e: Node, src: &[u8]) -> Option<Vec<String>> {
    let root = |n: Node| {
        plain_variable(n).then(|| {
            let t = text(n, src);
            t.split('.').next().unwrap_or(t).trim().to_string()
        })
    };
    match e.kind_str() {
        "int_literal" => Some(vec![]),
        "call_expression" => {
            let arg = len_of(e, src)?;
            Some(vec![root(arg)?])
        }
        _ => Some(vec![root(e)?]),
    }
}

/// `x` in `len(x)`.
fn len_of<'t>(call: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    let f = call.child_field("function")?;
    let args = call.child_field("arguments")?;
    (text(f, src) == "len" && args.named_child_count() == 1)
        .then(|| args.named_child(0))
        .flatten()
}

/// Whether `lp` runs exactly `e` passes: `for ... range x` when `e` is
/// `len(x)` (x not a channel, whose length is not what it yields, nor a
/// string, whose length counts bytes, not runes), `for ... range e`, or
/// `for i := 0; i < e; i++`.
fn runs_passes(lp: Node, e: Node, src: &[u8]) -> bool {
    let e_text = syntax::squeeze(text(e, src));
    let mut c = lp.walk();
    let Some(header) = lp
        .named_children(&mut c)
        .find(|n| matches!(n.kind_str(), "range_clause" | "for_clause"))
    else {
        return false;
    };
    if header.kind_str() == "range_clause" {
        let Some(r) = header.child_field("right") else {
            return false;
        };
        let r_text = syntax::squeeze(text(r, src));
        return match len_of(e, src) {
            Some(x) => syntax::squeeze(text(x, src)) == r_text && !chan_or_string(r, src),
            None => e.kind_str() != "int_literal" && r_text == e_text,
        };
    }
    let [Some(init), Some(cond), Some(update)] =
        ["initializer", "condition", "update"].map(|f| header.child_field(f))
    else {
        return false;
    };
    let Some(i) = loop_vars(lp, src).pop() else {
        return false;
    };
    syntax::squeeze(text(init, src)) == format!("{i}:=0")
        && syntax::squeeze(text(cond, src)) == format!("{i}<{e_text}")
        && syntax::squeeze(text(update, src)) == format!("{i}++")
}

/// The variable a range expression names, when it is declared (or made) a
/// channel or a string.
fn chan_or_string(r: Node, src: &[u8]) -> bool {
    if r.kind_str() != "identifier" {
        return false;
    }
    declaration(text(r, src), r, src).is_some_and(|d| {
        let ty = d.ty.map(|t| syntax::squeeze(text(t, src)));
        let value = d.value.map(|v| syntax::squeeze(text(v, src)));
        ty.is_some_and(|t| t == "string" || t.contains("chan"))
            || value.is_some_and(|v| v.starts_with("make(chan") || v.starts_with('"'))
    })
}

/// The variables a `for` clause's initializer declares (`i` in `i := 0`).
fn loop_vars(lp: Node, src: &[u8]) -> Vec<String> {
    let mut c = lp.walk();
    let Some(header) = lp
        .named_children(&mut c)
        .find(|n| matches!(n.kind_str(), "range_clause" | "for_clause"))
    else {
        return vec![];
    };
    let left = match header.kind_str() {
        "for_clause" => header
            .child_field("initializer")
            .and_then(|i| i.child_field("left")),
        _ => None,
    };
    left.map(|l| {
        let mut c = l.walk();
        l.named_children(&mut c)
            .map(|n| text(n, src).to_string())
            .collect()
    })
    .unwrap_or_default()
}

/// Whether `scope` starts a goroutine: a `go` statement anywhere in it.
fn starts_goroutine(scope: Node) -> bool {
    let mut found = false;
    syntax::visit(scope, &|_| true, &mut |n| {
        found |= n.kind_str() == "go_statement"
    });
    found
}

/// Whether `scope` mentions X (`wg`, `s.wg`) anywhere.
fn mentions(scope: Node, x: &str, src: &[u8]) -> bool {
    let mut found = false;
    syntax::visit(scope, &|_| true, &mut |n| found |= mentions_x(n, x, src));
    found
}

/// Whether `scope` may change one of `roots`: assigns it (or an element or
/// field of it: a map grows), increments it, takes its address, or
/// `delete`s from it.
fn assigns(scope: Node, roots: &[String], src: &[u8]) -> bool {
    if roots.is_empty() {
        return false;
    }
    let hit = |n: Option<Node>| n.is_some_and(|n| roots.iter().any(|r| r == root_of(n, src)));
    let mut found = false;
    syntax::visit(scope, &|_| true, &mut |n| {
        found |= match n.kind_str() {
            "assignment_statement" | "short_var_declaration" => {
                n.child_field("left").is_some_and(|l| {
                    let mut c = l.walk();
                    l.named_children(&mut c).any(|t| hit(Some(t)))
                })
            }
            "inc_statement" | "dec_statement" => hit(n.named_child(0)),
            "unary_expression" => {
                n.child_field("operator")
                    .is_some_and(|o| text(o, src) == "&")
                    && hit(n.child_field("operand"))
            }
            "call_expression" => {
                n.child_field("function")
                    .is_some_and(|f| text(f, src) == "delete")
                    && hit(n.child_field("arguments").and_then(|a| a.named_child(0)))
            }
            _ => false,
        };
    });
    found
}

/// The variable an lvalue starts from: `x` in `x`, `x.f`, `x[i]`, `*x`,
/// `(x)`.
fn root_of<'s>(n: Node, src: &'s [u8]) -> &'s str {
    let inner = match n.kind_str() {
        "selector_expression" => n.child_field("operand"),
        "index_expression" | "slice_expression" => n.child_field("operand"),
        "parenthesized_expression" => n.named_child(0),
        "unary_expression" => n.child_field("operand"),
        _ => None,
    };
    match inner {
        Some(i) => root_of(i, src),
        None => text(n, src),
    }
}

/// The goroutines `add` (a literal `X.Add(N)`) pays for, when they are
/// exactly the goroutines after it in its block: `X.Add(1)` pays for the
/// next `go` statement (the caller has checked that nothing comes
/// between); `X.Add(N)` for N `go` statements after it, counted up to the
/// first `X.Wait()` or goroutine that waits on X, with nothing else between
/// them that starts a goroutine or mentions X. None: not exactly.
pub(super) fn block_pays<'t>(add: Node<'t>, x: &str, src: &[u8]) -> Option<Vec<Node<'t>>> {
    let n = add_count(add, src)?;
    let waits = |s: Node| {
        let mut found = false;
        syntax::visit(s, &|_| true, &mut |m| {
            found |= method_call(m, "Wait", src).is_some_and(|op| mentions_x(op, x, src));
        });
        found
    };
    let mut members = vec![];
    let mut sib = add.next_named_sibling();
    while let Some(s) = sib.filter(|_| n > 1 || members.is_empty()) {
        if waits(s) {
            break;
        }
        if s.kind_str() == "go_statement" {
            members.push(s);
        } else if s.kind_str() != "comment" && (starts_goroutine(s) || mentions(s, x, src)) {
            return None;
        }
        sib = s.next_named_sibling();
    }
    (members.len() == n).then_some(members)
}

/// Whether `go` is paid for by an `X.Add(1)` right before it.
pub(super) fn after_add_one(go: Node, x: &str, src: &[u8]) -> bool {
    std::iter::successors(go.prev_named_sibling(), |s| s.prev_named_sibling())
        .find(|s| s.kind_str() != "comment")
        .is_some_and(|s| {
            add_count(s, src) == Some(1)
                && method_call(s, "Add", src).is_some_and(|op| mentions_x(op, x, src))
        })
}
