//! Channel predicates: is a `make` unbuffered, is a type a channel, and the
//! single-result analysis (who sends, who receives, can the receiver walk
//! away, does the channel escape) behind `single-result-channel`; and the
//! ordering principle every buffer fix obeys (`signal_after_send`).

use super::scope::{LocalDecl, local_decl};
use super::{Arg, Ctx, Value, Verdict};
use crate::go::exits::{self, Ends};
use crate::go::fields::receiver;
use crate::go::idents::Ref;
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

pub fn unbuffered_make(ctx: &Ctx, args: &[Arg]) -> Verdict {
    match syntax::arguments(args[0].node()).as_slice() {
        [_] => Verdict::Holds(vec![]),
        [_, size] if size.kind_str() == "int_literal" && text(*size, ctx.src) == "0" => {
            Verdict::Holds(vec![])
        }
        _ => Verdict::Skip,
    }
}

pub fn channel_type(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let ty = args[0].node();
    match ty.kind_str() {
        "channel_type" => Verdict::Holds(vec![]),
        "type_identifier" | "identifier" => {
            let name = text(ty, ctx.src);
            let current = (ctx.tree, ctx.src);
            let decls = ctx
                .package
                .find_hinted(current, "type_spec", name, Some("chan"));
            let aliases = ctx
                .package
                .find_hinted(current, "type_alias", name, Some("chan"));
            let is_chan = decls.iter().chain(aliases.iter()).any(|d| {
                d.node
                    .child_field("type")
                    .is_some_and(|t| t.kind_str() == "channel_type")
            });
            if is_chan {
                Verdict::Holds(vec![])
            } else {
                Verdict::Skip
            }
        }
        _ => Verdict::Skip,
    }
}

/// How a message names function `func`: `` `name` ``, or "the function
/// literal".
pub(super) fn function_label(func: Node, src: &[u8]) -> String {
    match func.kind_str() {
        "func_literal" => "the function literal".to_string(),
        _ => format!(
            "`{}`",
            syntax::decl_name(func, src).unwrap_or("the function")
        ),
    }
}

/// Whether reference `r` is one of the values of a `return` statement,
/// read from the ancestors it was found with.
pub(super) fn is_returned_ref(r: &Ref) -> bool {
    r.up(0).is_some_and(|p| p.kind_str() == "expression_list")
        && r.up(1).is_some_and(|g| g.kind_str() == "return_statement")
}

/// How a reference to the channel's name is used.
pub(super) enum Use<'t> {
    Send(Node<'t>),
    Recv(Node<'t>),
    /// Handed to the call of a `go` statement, as argument number `index`.
    GoArg {
        go: Node<'t>,
        index: usize,
    },
    /// Anything else: closed, ranged over, passed on, stored, returned, len().
    Other,
}

/// How reference `r` uses the channel, read from the ancestors it was
/// found with.
pub(super) fn classify_ref<'t>(r: &Ref<'t>) -> Use<'t> {
    let ident = r.node;
    let Some(p) = r.up(0) else {
        return Use::Other;
    };
    match p.kind_str() {
        "send_statement" if p.child_field("channel") == Some(ident) => Use::Send(p),
        "unary_expression"
            if p.child_field("operator")
                .is_some_and(|o| o.kind_str() == "<-")
                && p.child_field("operand") == Some(ident) =>
        {
            Use::Recv(p)
        }
        "argument_list" => {
            // Two up: the `go` of the call the list belongs to.
            if let Some(go) = r.up(2).filter(|g| g.kind_str() == "go_statement") {
                let mut c = p.walk();
                let index = p
                    .named_children(&mut c)
                    .filter(|n| n.kind_str() != "comment")
                    .position(|n| n.id() == ident.id())
                    .unwrap_or(0);
                return Use::GoArg { go, index };
            }
            Use::Other
        }
        _ => Use::Other,
    }
}

/// `make` with all its ancestors, from one descent, and the function
/// holding it (`syntax::enclosing_function`): the binding is read two
/// levels up, and each `parent()` is a descent from the root.
pub(super) fn placed(make: Node) -> Option<(Ref, Node)> {
    let placed = Ref {
        node: make,
        ups: syntax::ancestors_until(make, syntax::root_of(make)),
    };
    let func = placed
        .ups
        .iter()
        .copied()
        .find(|&n| syntax::is_function(n))?;
    Some((placed, func))
}

/// The local variable a `make` call is bound to, and its binding sites.
pub(super) fn binding<'t>(
    make: &Ref<'t>,
    func: Node<'t>,
    src: &[u8],
) -> Option<(String, Vec<usize>)> {
    let list = make.up(0).filter(|p| p.kind_str() == "expression_list")?;
    if list.named_child_count() != 1 {
        return None;
    }
    let decl = make.up(1)?;
    let single_left = |field: &str| -> Option<Node<'t>> {
        let left = decl.child_field(field)?;
        (left.kind_str() == "expression_list" && left.named_child_count() == 1)
            .then(|| left.named_child(0))
            .flatten()
            .filter(|n| n.kind_str() == "identifier")
    };
    match decl.kind_str() {
        "short_var_declaration" => {
            let id = single_left("left")?;
            Some((text(id, src).to_string(), vec![id.id()]))
        }
        "var_spec" => {
            let mut c = decl.walk();
            let names: Vec<Node> = decl.children_by_field_name("name", &mut c).collect();
            (names.len() == 1).then(|| (text(names[0], src).to_string(), vec![names[0].id()]))
        }
        "assignment_statement" => {
            if decl.child_field("operator").map(|o| o.kind_str()) != Some("=") {
                return None;
            }
            let id = single_left("left")?;
            let name = text(id, src);
            // `var ch chan T` earlier in the same function, with no value.
            let mut var_site = None;
            syntax::visit(
                func.child_field("body")?,
                &|n| n.kind_str() != "func_literal",
                &mut |n| {
                    if n.kind_str() == "var_spec"
                        && n.child_field("value").is_none()
                        && n.start_byte() < decl.start_byte()
                    {
                        let mut c = n.walk();
                        for nm in n.children_by_field_name("name", &mut c) {
                            if text(nm, src) == name {
                                var_site = Some(nm.id());
                            }
                        }
                    }
                },
            );
            Some((name.to_string(), vec![var_site?, id.id()]))
        }
        _ => None,
    }
}

/// Deferred calls that only release resources of the goroutine itself; any
/// other deferred call runs after the send and could observe that the
/// receiver no longer waits for it.
const RELEASE_METHODS: &[&str] = &[
    "Close", "Done", "Unlock", "RUnlock", "Stop", "End", "Finish", "Release",
];

fn defers_verdict(func: Node, src: &[u8]) -> Result<(), String> {
    let Some(body) = func.child_field("body") else {
        return Ok(());
    };
    let mut bad = None;
    syntax::visit(body, &syntax::own_statements_under, &mut |n| {
        if n.kind_str() != "defer_statement" || bad.is_some() {
            return;
        }
        let Some(call) = n.named_child(0) else { return };
        let f = call.child_field("function");
        let ok = match f.map(|f| (f.kind_str(), f)) {
            Some(("selector_expression", f)) => f
                .child_field("field")
                .is_some_and(|m| RELEASE_METHODS.contains(&text(m, src))),
            Some(("identifier", f)) => text(f, src) == "cancel",
            Some(("func_literal", f)) => {
                let mut recovers = false;
                syntax::visit(f, &|_| true, &mut |c| {
                    if c.kind_str() == "call_expression"
                        && c.child_field("function")
                            .is_some_and(|g| text(g, src) == "recover")
                    {
                        recovers = true;
                    }
                });
                recovers
            }
            _ => false,
        };
        if !ok {
            bad = Some(text(n, src).lines().next().unwrap_or("").to_string());
        }
    });
    match bad {
        Some(d) => Err(format!(
            "the goroutine has `{d}`, which runs after the send; buffered, it would no longer wait for the receiver"
        )),
        None => Ok(()),
    }
}

/// Statements that end a goroutine without doing anything observable.
pub(super) fn is_inert(stmt: Node, src: &[u8]) -> bool {
    match stmt.kind_str() {
        "comment" | "empty_statement" => true,
        "return_statement" => {
            let mut has_call = false;
            syntax::visit(stmt, &|_| true, &mut |n| {
                has_call |= n.kind_str() == "call_expression"
            });
            let _ = src;
            !has_call
        }
        _ => false,
    }
}

/// True when nothing effective runs after `send` in `func`.
pub(super) fn is_last_effective(send: Node, func: Node, src: &[u8]) -> bool {
    let mut cur = send;
    'up: loop {
        let Some(parent) = cur.parent() else {
            return false;
        };
        if parent.id() == func.id() {
            return true;
        }
        match parent.kind_str() {
            "statement_list" | "block" => {
                let mut sib = cur.next_named_sibling();
                while let Some(s) = sib {
                    // A plain `break` jumps past its loop, switch or select:
                    // what matters is what follows that statement.
                    if s.kind_str() == "break_statement" && s.named_child_count() == 0 {
                        match syntax::break_target(s) {
                            Some(t) if syntax::contains(func, t) && t.id() != func.id() => {
                                cur = t;
                                continue 'up;
                            }
                            _ => return false,
                        }
                    }
                    if !is_inert(s, src) {
                        return false;
                    }
                    // A `return` ends the path: what follows the enclosing
                    // statements never runs after this send.
                    if s.kind_str() == "return_statement" {
                        return true;
                    }
                    sib = s.next_named_sibling();
                }
            }
            // A send in an `if` or `switch` initializer runs before its body.
            "if_statement"
                if parent.child_field("consequence") == Some(cur)
                    || parent.child_field("alternative") == Some(cur) => {}
            "expression_switch_statement" | "type_switch_statement"
                if matches!(
                    cur.kind_str(),
                    "expression_case" | "default_case" | "type_case"
                ) => {}
            // The end of a select case's body goes on after the select.
            "select_statement"
                if matches!(cur.kind_str(), "communication_case" | "default_case") => {}
            "expression_case" | "default_case" | "type_case" | "communication_case"
            | "labeled_statement" => {}
            _ => return false,
        }
        cur = parent;
    }
}

pub(super) enum Sender {
    Ok,
    Skip,
    Unproven(String),
}

/// Checks the goroutine side: in `func`, `name` is sent on at most once per
/// run (every send is its last effective statement, none in a loop or a
/// select) and used for nothing else.
pub(super) fn sender(func: Node, name: &str, src: &[u8]) -> Sender {
    let refs = crate::go::idents::references_up(func, name, src, &[]);
    let mut sends = Vec::new();
    for r in refs {
        if r.function(func).id() != func.id() {
            return Sender::Skip;
        }
        match classify_ref(&r) {
            Use::Send(s) => sends.push(s),
            _ => return Sender::Skip,
        }
    }
    // Several sends are fine when each ends the goroutine (only `return`
    // may follow it) and none is in a loop: then at most one ever runs.
    if sends.is_empty() {
        return Sender::Skip;
    }
    for send in &sends {
        if syntax::in_loop_within(*send, func)
            || send
                .parent()
                .is_some_and(|p| p.kind_str() == "communication_case")
            || !is_last_effective(*send, func, src)
        {
            return Sender::Skip;
        }
    }
    match defers_verdict(func, src) {
        Ok(()) => Sender::Ok,
        Err(why) => Sender::Unproven(why),
    }
}

/// Why the function may never take the value, if it may not.
/// A loop that also makes the channel (`make`) starts afresh each pass: it
/// does not bring the receive back to the same channel. `test`: the file's
/// tree when it is a `_test.go` file or `func` takes a `*testing.T` (or B,
/// F, TB; [`exits::takes_testing`]), where a `t.Fatal` or a testify
/// `require.X` between the `go` and the receive can stop the test
/// ([`exits::may_stop_test`]).
pub(super) fn abandon_reason(
    recv: Node,
    go: Node,
    func: Node,
    make: Node,
    src: &[u8],
    test: Option<&tree_sitter::Tree>,
) -> Option<String> {
    let fname = function_label(func, src);
    let path = syntax::ancestors_until(recv, func);
    let in_loop = path
        .iter()
        .any(|n| n.kind_str() == "for_statement" && !syntax::contains(*n, make));
    let mut child = recv;
    for n in &path {
        match n.kind_str() {
            "communication_case" if n.child_field("communication") == Some(child) => {
                let select = n.parent()?;
                let others = other_ways(*n, select, go, func, src);
                if !others.is_empty() {
                    // In a loop, another case must be able to leave it, or the
                    // loop comes back to the receive.
                    let leaves = !in_loop
                        || others.iter().any(|k| {
                            let mut exits = false;
                            syntax::visit(*k, &|x| x.kind_str() != "func_literal", &mut |x| {
                                exits |= x.kind_str() == "goto_statement"
                                    || (x.kind_str() == "break_statement"
                                        && x.named_child_count() > 0)
                                    || exits::leaves(x, src, Ends::Survived);
                            });
                            exits
                        });
                    if leaves {
                        return Some(
                            "its select can take another case and stop waiting".to_string(),
                        );
                    }
                    return None;
                }
            }
            "block" | "statement_list" | "expression_case" | "default_case" | "type_case"
            | "communication_case"
                if !syntax::contains(*n, go) =>
            {
                let conditional = n.parent().is_some_and(|p| {
                    matches!(p.kind_str(), "if_statement") && !syntax::contains(p, go)
                }) || matches!(
                    n.kind_str(),
                    "expression_case" | "default_case" | "type_case" | "communication_case"
                );
                if conditional && !in_loop {
                    return Some("the receive is conditional".to_string());
                }
            }
            _ => {}
        }
        child = *n;
    }
    if in_loop {
        return None;
    }
    early_exit(recv, go, func, &path, src, test).map(|(stmt, returns)| {
        if returns {
            return format!("{fname} can return before it receives");
        }
        let call = text(stmt, src).lines().next().unwrap_or("").trim();
        format!("{fname} can stop the test at `{call}` before it receives")
    })
}

/// A statement of `func` between the `go` and the receive `recv` (whose
/// ancestors up to `func` are `path`) that returns (true) or, with `test`,
/// may stop the test (false); a return first.
fn early_exit<'t>(
    recv: Node<'t>,
    go: Node<'t>,
    func: Node<'t>,
    path: &[Node<'t>],
    src: &[u8],
    test: Option<&tree_sitter::Tree>,
) -> Option<(Node<'t>, bool)> {
    let body = func.child_field("body")?;
    let mut early: Option<Node> = None;
    let mut stop: Option<Node> = None;
    // The other cases of a select the receive is a case of are alternatives
    // to it, not steps before it (what is left of them takes a sibling's
    // value, see `other_ways`).
    let alternatives: Vec<Node> = path
        .iter()
        .filter(|n| {
            n.kind_str() == "communication_case"
                && n.child_field("communication")
                    .is_some_and(|c| syntax::contains(c, recv))
        })
        .filter_map(|n| Some((*n, n.parent()?)))
        .flat_map(|(case, select)| {
            syntax::select_cases(select)
                .into_iter()
                .filter(move |k| k.id() != case.id())
        })
        .collect();
    syntax::visit(body, &syntax::own_statements_under, &mut |n| {
        if n.start_byte() < go.end_byte()
            || n.end_byte() > recv.start_byte()
            || alternatives.iter().any(|a| syntax::contains(*a, n))
        {
            return;
        }
        if early.is_none() && exits::leaves(n, src, Ends::Survived) {
            early = Some(n);
        }
        if stop.is_none() && test.is_some_and(|t| exits::may_stop_test(n, src, t)) {
            stop = Some(n);
        }
    });
    early.map(|e| (e, true)).or(stop.map(|s| (s, false)))
}

/// The cases of `select` other than `case` that can take it away from
/// `case`'s receive: all but a receive from a sibling channel that the
/// goroutine of `go` (a literal) sends on only as its last effective
/// statement. The goroutine sends on at most one of the two then
/// (`errc <- err; return` / `valc <- v`), so taking the sibling's value
/// means this channel never gets one.
fn other_ways<'t>(
    case: Node<'t>,
    select: Node<'t>,
    go: Node<'t>,
    func: Node<'t>,
    src: &[u8],
) -> Vec<Node<'t>> {
    let lit = syntax::go_literal(go);
    let received = |k: Node| -> Option<String> {
        let comm = k.child_field("communication")?;
        let op = match comm.kind_str() {
            "receive_statement" => comm.child_field("right")?,
            _ => comm,
        };
        let ch = (op.kind_str() == "unary_expression")
            .then(|| op.child_field("operand"))
            .flatten()
            .filter(|c| c.kind_str() == "identifier")?;
        Some(text(ch, src).to_string())
    };
    let exclusive = |k: Node| -> bool {
        let (Some(lit), Some(x)) = (lit, received(k)) else {
            return false;
        };
        // `x := make(...)` in the function, sent on in the goroutine, and
        // received in the function, nothing else.
        let (mut made, mut sent) = (false, false);
        let refs = crate::go::idents::references_up(func, &x, src, &[]);
        let all = refs.iter().all(|r| {
            let inner = Some(r.function(func).id());
            let declared = r
                .up(0)
                .filter(|p| p.kind_str() == "expression_list")
                .and_then(|p| r.up(1).filter(|d| d.child_field("left") == Some(p)))
                .filter(|d| d.kind_str() == "short_var_declaration");
            match classify_ref(r) {
                _ if declared.is_some() => {
                    made = !made
                        && declared
                            .and_then(|d| d.child_field("right"))
                            .is_some_and(|v| text(v, src).starts_with("make("));
                    made
                }
                Use::Send(send) if inner == Some(lit.id()) => {
                    sent = true;
                    !syntax::in_loop_within(send, lit) && is_last_effective(send, lit, src)
                }
                Use::Recv(_) => inner == Some(func.id()),
                _ => false,
            }
        });
        all && made && sent
    };
    syntax::select_cases(select)
        .into_iter()
        .filter(|k| k.id() != case.id() && !exclusive(*k))
        .collect()
}

/// A callee declaration, its file's source, and the name of its parameter
/// that receives the channel.
pub(super) type CalleeParam<'p> = (Node<'p>, &'p [u8], String);

/// The declarations a `go` statement's named callee can resolve to in this
/// package (several when build-constrained files each declare it), each with
/// its parameter at `index`. Every one of them must pass the sender check.
pub(super) fn callee_params<'p>(
    ctx: &'p Ctx,
    go: Node,
    index: usize,
) -> Result<Vec<CalleeParam<'p>>, Sender> {
    let call = go.named_child(0).ok_or(Sender::Skip)?;
    call_params(ctx, call, index)
}

/// [`callee_params`] for any call (a `go` statement's, or a plain call in
/// a goroutine that hands the channel on): the declarations its function
/// can resolve to in this package, each with its parameter at `index`.
pub(super) fn call_params<'p>(
    ctx: &'p Ctx,
    call: Node,
    index: usize,
) -> Result<Vec<CalleeParam<'p>>, Sender> {
    let go = call;
    let mut f = call.child_field("function").ok_or(Sender::Skip)?;
    // An instantiated generic function, `produce[T](ch)`: the callee is the operand.
    if f.kind_str() == "index_expression" {
        f = f.child_field("operand").ok_or(Sender::Skip)?;
    }
    let src = ctx.src;
    let decls = match f.kind_str() {
        "identifier" => {
            let name = text(f, src);
            if local_decl(name, go, src) != LocalDecl::NotLocal {
                return Err(Sender::Unproven(format!(
                    "`{name}` is a local function value; cannot see what it runs"
                )));
            }
            let found = ctx
                .package
                .find((ctx.tree, ctx.src), "function_declaration", name);
            if found.is_empty() {
                return Err(Sender::Unproven(format!(
                    "`{name}` is not a function declared in this package; cannot check its send"
                )));
            }
            found
        }
        "selector_expression" => {
            let operand = f.child_field("operand").ok_or(Sender::Skip)?;
            let method = text(f.child_field("field").ok_or(Sender::Skip)?, src);
            let optext = text(operand, src);
            let unresolved =
                |why: &str| Sender::Unproven(format!("cannot resolve `{optext}.{method}`: {why}"));
            if operand.kind_str() != "identifier" {
                return Err(unresolved("the receiver is not a plain variable"));
            }
            let ty = match local_decl(optext, go, src) {
                LocalDecl::Typed(t) => t,
                LocalDecl::Unknown => {
                    return Err(unresolved("the type of the receiver is not spelled out"));
                }
                LocalDecl::NotLocal => {
                    let msg = if ctx.facts.imports(ctx.tree).iter().any(|(n, _)| n == optext) {
                        "it is in another package"
                    } else {
                        "the receiver is not a local variable"
                    };
                    return Err(unresolved(msg));
                }
            };
            let found: Vec<_> = ctx
                .package
                .find((ctx.tree, ctx.src), "method_declaration", method)
                .into_iter()
                .filter(|d| receiver(d.node, d.src).is_some_and(|(_, t)| t == ty))
                .collect();
            if found.is_empty() {
                return Err(unresolved(&format!(
                    "no method `{method}` declared on `{ty}` in this package (an interface, or a promoted method)"
                )));
            }
            found
        }
        _ => {
            return Err(Sender::Unproven(format!(
                "cannot resolve the goroutine's function `{}`",
                text(f, src)
            )));
        }
    };
    let mut out = Vec::new();
    for decl in decls {
        if decl.node.has_error() {
            return Err(Sender::Unproven(
                "the goroutine's function has a syntax error".to_string(),
            ));
        }
        let params = syntax::parameter_names(decl.node, decl.src);
        match params.get(index) {
            Some((_, true)) | None => {
                return Err(Sender::Unproven(
                    "the channel is passed to a variadic parameter".to_string(),
                ));
            }
            Some((name, false)) if name == "_" => return Err(Sender::Skip),
            Some((name, false)) => out.push((decl.node, decl.src, name.clone())),
        }
    }
    Ok(out)
}

pub fn single_result_channel<'t>(ctx: &Ctx<'t>, args: &[Arg<'_, 't>]) -> Verdict {
    let make = args[0].node();
    let src = ctx.src;
    let Some((placed, func)) = placed(make) else {
        return Verdict::Skip;
    };
    let Some((name, sites)) = binding(&placed, func, src) else {
        return Verdict::Skip;
    };
    let refs = crate::go::idents::references_up(func, &name, src, &sites);
    if let Some(v) = super::self_send::verdict(ctx, make, func, &name, &refs) {
        return v;
    }
    let Some((recv, go, handed)) = one_receive_one_goroutine(func, &refs) else {
        return super::returned::verdict(ctx, make, func, &name, &sites).unwrap_or(Verdict::Skip);
    };
    if loop_below(go, func, make).is_some() || recv.start_byte() < go.end_byte() {
        return Verdict::Skip;
    }
    let test = (ctx.package.is_test_file() || exits::takes_testing(func, src)).then_some(ctx.tree);
    let Some(abandon) = abandon_reason(recv, go, func, make, src, test) else {
        return Verdict::Skip;
    };
    let bindings = vec![
        ("chan", Value::Text(name.clone())),
        ("abandon", Value::Text(abandon)),
        ("size", Value::Text("1".to_string())),
    ];
    let producers = match goroutine_functions(ctx, go, handed, &name) {
        Ok(p) => p,
        Err(Sender::Unproven(why)) => return Verdict::Unproven(why, bindings),
        Err(_) => return Verdict::Skip,
    };
    match sends_once(&producers, go, &name, func, src) {
        Sender::Ok => Verdict::Holds(bindings),
        Sender::Skip => Verdict::Skip,
        Sender::Unproven(why) => Verdict::Unproven(why, bindings),
    }
}

/// The one receive from the channel in `func` and the one `go` statement
/// using it (by capture, or handed it as argument `Some(i)`), given the
/// channel's references in `func`. None when the channel is used any other
/// way, received twice, used by two goroutines, or both handed to and
/// captured by one.
fn one_receive_one_goroutine<'t>(
    func: Node<'t>,
    refs: &[Ref<'t>],
) -> Option<(Node<'t>, Node<'t>, Option<usize>)> {
    let mut recvs = Vec::new();
    let mut goroutines: Vec<(Node, Option<usize>)> = Vec::new();
    for r in refs {
        let inner = r.function(func);
        if inner.id() == func.id() {
            match classify_ref(r) {
                Use::Recv(u) => recvs.push(u),
                Use::GoArg { go, index } => goroutines.push((go, Some(index))),
                _ => return None,
            }
            continue;
        }
        // Inside a literal: only the body of a `go func(){...}()` started
        // directly in this function counts.
        goroutines.push((r.go_running()?, None));
    }
    let mut go_ids: Vec<usize> = goroutines.iter().map(|(g, _)| g.id()).collect();
    go_ids.dedup();
    let ([recv], [_]) = (recvs.as_slice(), go_ids.as_slice()) else {
        return None;
    };
    // Handed over and used by closure at once, or handed over twice.
    let handed: Vec<usize> = goroutines.iter().filter_map(|(_, i)| *i).collect();
    if !handed.is_empty() && goroutines.len() != 1 {
        return None;
    }
    Some((*recv, goroutines[0].0, handed.first().copied()))
}

/// The goroutine's function (a literal, or every declaration its named
/// callee can resolve to), its source, and the channel's name there.
pub(super) fn goroutine_functions<'p>(
    ctx: &'p Ctx,
    go: Node<'p>,
    handed: Option<usize>,
    name: &str,
) -> Result<Vec<CalleeParam<'p>>, Sender> {
    let src = ctx.src;
    match (handed, syntax::go_literal(go)) {
        (None, Some(lit)) => Ok(vec![(lit, src, name.to_string())]),
        (Some(i), Some(lit)) => match syntax::parameter_names(lit, src).get(i) {
            Some((p, false)) if p != "_" => Ok(vec![(lit, src, p.clone())]),
            _ => Err(Sender::Skip),
        },
        (Some(i), None) => callee_params(ctx, go, i),
        (None, None) => Err(Sender::Skip),
    }
}

/// Whether every one of the goroutine's functions sends once and is done
/// ([`sender`]), and does nothing after that send the receiver could see
/// before the value once the channel is buffered ([`signal_after_send`]).
pub(super) fn sends_once(
    producers: &[CalleeParam],
    go: Node,
    name: &str,
    func: Node,
    src: &[u8],
) -> Sender {
    let sent = producers
        .iter()
        .map(|(f, fsrc, p)| sender(*f, p, fsrc))
        .find(|v| !matches!(v, Sender::Ok))
        .unwrap_or(Sender::Ok);
    if !matches!(sent, Sender::Ok) {
        return sent;
    }
    let signal = producers.iter().find_map(|(f, fsrc, p)| {
        let producer = Producer {
            func: *f,
            src: fsrc,
            sends: sends_in(*f, p, fsrc),
            ch: p.clone(),
            go,
        };
        signal_after_send(&producer, name, func, src)
    });
    match signal {
        Some(signal) => Sender::Unproven(format!(
            "after its send the goroutine runs `{signal}`, which the receiver can observe: buffered, it could see that before the value"
        )),
        None => Sender::Ok,
    }
}

/// The innermost loop around `n` in `func` that does not also hold `make`:
/// a loop that makes the channel makes a new one each pass, with its own
/// producers, so only loops below the `make` repeat sends on one channel.
pub(super) fn loop_below<'t>(n: Node<'t>, func: Node<'t>, make: Node<'t>) -> Option<Node<'t>> {
    syntax::ancestors_until(n, func)
        .into_iter()
        .find(|a| a.kind_str() == "for_statement" && !syntax::contains(*a, make))
}

/// The sends on `name` in `func` itself (not in nested literals).
pub(super) fn sends_in<'t>(func: Node<'t>, name: &str, src: &[u8]) -> Vec<Node<'t>> {
    crate::go::idents::references_up(func, name, src, &[])
        .iter()
        .filter_map(|r| match classify_ref(r) {
            Use::Send(s) if r.function(func).id() == func.id() => Some(s),
            _ => None,
        })
        .collect()
}

/// Go's predeclared functions that touch no channel or goroutine of the
/// caller's (`close` is looked at on its own).
const PURE_BUILTINS: &[&str] = &[
    "append", "cap", "clear", "complex", "copy", "delete", "imag", "len", "make", "max", "min",
    "new", "panic", "print", "println", "real", "recover",
];

/// Where a producer meets the function that receives from its channel.
pub(super) struct Producer<'t, 'p> {
    /// The goroutine's function: a literal, or a declaration (maybe in
    /// another file of the package, `src`).
    pub func: Node<'p>,
    pub src: &'p [u8],
    /// The sends on the channel in it, and the channel's name there.
    pub sends: Vec<Node<'p>>,
    pub ch: String,
    /// The `go` statement in the receiving function.
    pub go: Node<'t>,
}

/// The ordering principle behind every buffer fix: unbuffered, a producer
/// parked on its send to `ch` does nothing more until the receiver takes
/// the value, so a receiver selecting on `ch` and on something the
/// producer signals after the send (closing or sending on another channel
/// of that select, calling a cancel func whose context it watches,
/// `wg.Done()` that a waiter turns into such a close) always sees `ch`
/// first. Buffered, both are ready and select picks at random. Returns the
/// first such signal after a send in the producer (its statements after a
/// send, a loop around a send, every deferred call), or None when a buffer
/// cannot change what the receiver observes. `owner` (in `src`) is the
/// function that receives from the channel, which it calls `owner_ch`.
pub(super) fn signal_after_send(
    p: &Producer,
    owner_ch: &str,
    owner: Node,
    src: &[u8],
) -> Option<String> {
    let body = p.func.child_field("body")?;
    let watch = Watch::new(p, owner_ch, owner, src);
    let mut signal: Option<String> = None;
    let mut check = |n: Node| {
        if signal.is_none() && watch.observes(n, p) {
            signal = Some(
                text(n, p.src)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string(),
            );
        }
    };
    for a in after_sends(p) {
        syntax::visit(
            a,
            &|n| n.kind_str() != "func_literal" && n.kind_str() != "defer_statement",
            &mut |n| check(n),
        );
    }
    // Deferred calls run after the last send, whatever their place.
    syntax::visit(body, &syntax::own_statements_under, &mut |n| {
        if n.kind_str() == "defer_statement" {
            syntax::visit(n, &|_| true, &mut |m| check(m));
        }
    });
    signal
}

/// What can run after a send of the producer: the statements after it on
/// its way out of the producer (up to a `return`), and a loop around it,
/// whole.
fn after_sends<'p>(p: &Producer<'_, 'p>) -> Vec<Node<'p>> {
    let mut after: Vec<Node> = Vec::new();
    for send in &p.sends {
        let mut cur = *send;
        'up: while let Some(parent) = cur.parent() {
            if parent.id() == p.func.id() {
                break;
            }
            if matches!(parent.kind_str(), "block" | "statement_list") {
                let mut sib = cur.next_named_sibling();
                while let Some(s) = sib {
                    after.push(s);
                    if s.kind_str() == "return_statement" {
                        break 'up;
                    }
                    sib = s.next_named_sibling();
                }
            }
            if parent.kind_str() == "for_statement" {
                after.push(parent);
            }
            cur = parent;
        }
    }
    after
}

/// What the receiving function `owner` (in `src`) watches beside its
/// channel `owner_ch`, and how the producer's names read there.
struct Watch<'o> {
    owner: Node<'o>,
    owner_ch: &'o str,
    src: &'o [u8],
    /// The channels `owner` selects on together with its own.
    beside: Vec<String>,
    /// The `go` call's arguments, which the producer's parameters stand for.
    args: Vec<String>,
    params: Vec<(String, bool)>,
}

impl<'o> Watch<'o> {
    fn new(p: &Producer, owner_ch: &'o str, owner: Node<'o>, src: &'o [u8]) -> Watch<'o> {
        let args: Vec<String> =
            p.go.named_child(0)
                .map(syntax::arguments)
                .unwrap_or_default()
                .into_iter()
                .map(|n| syntax::squeeze(text(n, src)))
                .collect();
        Watch {
            owner,
            owner_ch,
            src,
            beside: selected_with(owner, owner_ch, src),
            args,
            params: syntax::parameter_names(p.func, p.src),
        }
    }

    /// Producer name `x` as the owner spells it: a parameter becomes the
    /// `go` call's argument.
    fn in_owner(&self, x: &str) -> String {
        self.params
            .iter()
            .position(|(n, _)| n == x)
            .and_then(|i| self.args.get(i).cloned())
            .unwrap_or_else(|| x.to_string())
    }

    /// Whether producer node `n` signals something the owner watches: a
    /// send or close on a channel it selects with its own, a call of a
    /// function value of the caller's (a cancel func, a callback) that may
    /// release what it waits on, or a `wg.Done()` that a waiter of the
    /// owner's turns into such a close.
    fn observes(&self, n: Node, p: &Producer) -> bool {
        let psrc = p.src;
        match (n.kind_str(), signalled(n, psrc)) {
            (_, Some(t)) => t != p.ch && self.beside.contains(&self.in_owner(&t)),
            ("call_expression", None) => {
                let f = n.child_field("function");
                match f.map(|f| (f.kind_str(), f)) {
                    Some(("identifier", f)) if text(f, psrc) == "close" => false,
                    Some(("identifier", f)) => {
                        let name = text(f, psrc);
                        let owner_watches_done = self.beside.iter().any(|b| b.ends_with(".Done()"));
                        !PURE_BUILTINS.contains(&name)
                            && super::scope::declaration(name, n, psrc).is_some()
                            && (owner_watches_done || !name.to_lowercase().contains("cancel"))
                    }
                    Some(("selector_expression", f)) => {
                        let field = f.child_field("field").map(|x| text(x, psrc));
                        let on = f.child_field("operand").map(|x| text(x, psrc));
                        match (field, on) {
                            (Some("Done"), Some(on)) => {
                                waiter_signals(self.owner, &self.in_owner(on), self.src)
                                    .iter()
                                    .any(|c| *c != self.owner_ch && self.beside.contains(c))
                            }
                            _ => false,
                        }
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

/// What the other cases of `owner`'s selects that receive from `ch` receive
/// from (`x`, `ctx.Done()`, `time.After(d)`), spaces removed.
fn selected_with(owner: Node, ch: &str, src: &[u8]) -> Vec<String> {
    let operand = |case: Node| -> Option<String> {
        let comm = case.child_field("communication")?;
        if comm.kind_str() == "send_statement" {
            return None;
        }
        let c = syntax::squeeze(text(comm, src));
        c.split_once("<-").map(|(_, rest)| rest.to_string())
    };
    let mut out = Vec::new();
    // The selects found from where the text writes the keyword, in
    // document order: a walk of every node of a big receiving function,
    // once per producer, was a third of this rule's checks on quic-go.
    for (_, ups) in syntax::written(owner, "select", "select", src) {
        let Some(&n) = ups.first().filter(|n| n.kind_str() == "select_statement") else {
            continue;
        };
        let ops: Vec<Option<String>> = syntax::select_cases(n).into_iter().map(operand).collect();
        if ops.iter().any(|o| o.as_deref() == Some(ch)) {
            out.extend(ops.into_iter().flatten().filter(|o| o != ch));
        }
    }
    out
}

/// The channel `n` signals, spaces removed: `x` for `x <- v` or
/// `close(x)`; None for anything else.
pub(super) fn signalled(n: Node, src: &[u8]) -> Option<String> {
    let target = match n.kind_str() {
        "send_statement" => n.child_field("channel"),
        "call_expression"
            if n.child_field("function")
                .is_some_and(|f| text(f, src) == "close") =>
        {
            n.child_field("arguments").and_then(|a| a.named_child(0))
        }
        _ => None,
    };
    target.map(|c| syntax::squeeze(text(c, src)))
}

/// The channels `owner`'s goroutines close or send on after `wg.Wait()`:
/// a `wg.Done()` can release them.
fn waiter_signals(owner: Node, wg: &str, src: &[u8]) -> Vec<String> {
    let wait = format!("{wg}.Wait()");
    let mut out = Vec::new();
    syntax::visit(owner, &|_| true, &mut |n| {
        if n.kind_str() != "func_literal" || !text(n, src).contains(&wait) {
            return;
        }
        syntax::visit(n, &|_| true, &mut |m| out.extend(signalled(m, src)));
    });
    out
}
