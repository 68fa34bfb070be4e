//! Predicates for loops and timers: which package a name imports, the loop
//! around a select, whether an expression can be evaluated again before a
//! loop, and which timer semantics the module's Go version gives.

use super::scope::{LocalDecl, declared_names, declares, local_decl};
use super::{Arg, Ctx, Value, Verdict};
use crate::go::facts::{DeclKind, UseKind};
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

pub fn imports<'t>(ctx: &Ctx<'t>, args: &[Arg<'_, 't>]) -> Verdict {
    if ctx
        .facts
        .names_import(args[0].node(), args[1].lit(), ctx.tree)
    {
        Verdict::Holds(vec![])
    } else {
        Verdict::Skip
    }
}

/// The statement to place code before for `stmt`: the labelled statement
/// when `stmt` carries a label.
fn with_label(stmt: Node) -> Node {
    match stmt.parent() {
        Some(p) if p.kind_str() == "labeled_statement" => p,
        _ => stmt,
    }
}

/// Where code made once for the loop around a statement goes.
struct BeforeLoop<'t> {
    /// The statement to insert before: the loop (with its label), or the
    /// earlier label a backward `goto` jumps to around the loop.
    at: Node<'t>,
    /// The last statement of the loop's block that the loop spans: the
    /// loop with its label, or the statement holding the `goto` of a loop
    /// written with `goto`. Code after the loop goes after it.
    end: Node<'t>,
    /// The `for` statement; None for a loop written with `goto` alone.
    lp: Option<Node<'t>>,
}

/// The loop around `stmt` in its function and where code made once for it
/// goes (None: no loop). The loop is the innermost `for` around `stmt`, or,
/// with no `for`, a backward `goto` that can run after `stmt` to a label
/// before it. Err says why there is no such place: a backward `goto`
/// around the loop from a label outside the loop's block (code before the
/// loop would run again on every jump), or a `goto` that would jump
/// forward over the new declaration.
fn before_loop<'t>(stmt: Node<'t>, src: &[u8]) -> Option<Result<BeforeLoop<'t>, String>> {
    let func = syntax::enclosing_function(stmt)?;
    let Some(lp) = syntax::enclosing_loop(stmt, func) else {
        return goto_loop(stmt, src);
    };
    let end = with_label(lp);
    // A loop written with `goto`: make the timer before the label the jump
    // goes back to, when that label is an earlier statement of the loop's
    // block (then only declarations in between matter: repeatable_before).
    let spans = syntax::gotos_spanning(end, end.start_byte(), src);
    let back: Vec<_> = spans.iter().filter(|s| s.backward).collect();
    if let Some(s) = back
        .iter()
        .find(|s| s.label.parent().map(|p| p.id()) != end.parent().map(|p| p.id()))
    {
        let l = goto_label(s, src);
        return Some(Err(format!(
            "`goto {l}` on line {} jumps back around the loop to `{l}` on line {}, outside the loop's block: a timer made before the loop would be made again on every jump",
            line(s.goto, src),
            line(s.label, src)
        )));
    }
    let at = back
        .iter()
        .map(|s| s.label)
        .min_by_key(|l| l.start_byte())
        .unwrap_or(end);
    Some(
        placeable(at, at.id() != end.id(), src).map(|()| BeforeLoop {
            at,
            end,
            lp: Some(lp),
        }),
    )
}

/// A loop written with `goto` alone around `stmt` (no `for` around it):
/// the earliest label before `stmt` that a `goto` running after `stmt`
/// jumps back to (inside `stmt`, or after a statement around it), unless
/// the statements after `stmt` always leave the function.
fn goto_loop<'t>(stmt: Node<'t>, src: &[u8]) -> Option<Result<BeforeLoop<'t>, String>> {
    // The statements after it always leave: it runs once.
    if syntax::stops_after(stmt, None, src) {
        return None;
    }
    let back: Vec<_> = syntax::gotos_spanning(stmt, stmt.start_byte(), src)
        .into_iter()
        .filter(|s| s.backward && runs_after(s.goto, stmt))
        .collect();
    let at = back
        .iter()
        .map(|s| s.label)
        .min_by_key(|l| l.start_byte())?;
    // The statement of the label's block that holds the last jump back.
    let last = back
        .iter()
        .filter(|s| s.label.id() == at.id())
        .map(|s| s.goto)
        .max_by_key(|g| g.start_byte())?;
    let end = std::iter::successors(Some(at), |s| s.next_named_sibling())
        .find(|s| syntax::contains(*s, last))?;
    Some(placeable(at, true, src).map(|()| BeforeLoop { at, end, lp: None }))
}

/// Whether `goto` can run after `stmt` has run: it is inside `stmt`, or
/// after `stmt` or a statement around it in that statement's list.
fn runs_after(goto: Node, stmt: Node) -> bool {
    syntax::contains(stmt, goto)
        || std::iter::successors(Some(stmt), |n| n.parent())
            .take_while(|n| !syntax::is_function(*n))
            .any(|a| {
                a.parent().is_some_and(|p| {
                    p.kind_str() == "statement_list"
                        && syntax::contains(p, goto)
                        && goto.start_byte() >= a.end_byte()
                })
            })
}

/// Whether code declaring a variable can go before `at`: no `goto` jumps
/// back around `at` (`moved`: `at` is the label a loop's own `goto` jumps
/// back to), and none jumps forward over it into its block.
fn placeable(at: Node, moved: bool, src: &[u8]) -> Result<(), String> {
    let spans = syntax::gotos_spanning(at, at.start_byte(), src);
    if moved && let Some(s) = spans.iter().find(|s| s.backward) {
        let l = goto_label(s, src);
        return Err(format!(
            "`goto {l}` on line {} jumps back to `{l}` on line {}, around the loop's own `goto` label: a timer made before the loop would be made again on every jump",
            line(s.goto, src),
            line(s.label, src)
        ));
    }
    let parent = at.parent().map(|p| p.id());
    if let Some(s) = spans
        .iter()
        .find(|s| !s.backward && s.label.parent().map(|p| p.id()) == parent)
    {
        let l = goto_label(s, src);
        return Err(format!(
            "`goto {l}` on line {} jumps over the loop to `{l}` on line {}, and Go forbids jumping over the new timer's declaration",
            line(s.goto, src),
            line(s.label, src)
        ));
    }
    Ok(())
}

fn line(n: Node, src: &[u8]) -> usize {
    syntax::line_col(src, n.start_byte()).0
}

fn goto_label(s: &syntax::GotoSpan, src: &[u8]) -> String {
    s.label
        .child_field("label")
        .map_or("", |l| text(l, src))
        .to_string()
}

/// Where code that must run every time `stmt` (a select, or the `:=` of a
/// timer channel) is reached goes: right before it, after its label, so a
/// `goto` to the label runs it too; but before the label when a
/// `break LABEL` leaves the select (a label between them would label the
/// new code instead). Err when both a `break` and a `goto` use the label.
fn each_time_at<'t>(stmt: Node<'t>, src: &[u8]) -> Result<Node<'t>, String> {
    let Some(labeled) = stmt
        .parent()
        .filter(|p| p.kind_str() == "labeled_statement")
    else {
        return Ok(stmt);
    };
    let name = labeled.child_field("label").map_or("", |l| text(l, src));
    let mut breaks = false;
    syntax::visit(stmt, &|n| n.kind_str() != "func_literal", &mut |n| {
        breaks |= n.kind_str() == "break_statement"
            && n.named_child(0)
                .is_some_and(|l| l.kind_str() == "label_name" && text(l, src) == name);
    });
    if !breaks {
        return Ok(stmt);
    }
    // Every goto to the label crosses the spot before it or after it.
    let gotos = syntax::gotos_spanning(labeled, labeled.start_byte(), src)
        .into_iter()
        .chain(syntax::gotos_spanning(stmt, stmt.start_byte(), src))
        .any(|g| g.label.id() == labeled.id());
    if gotos {
        return Err(format!(
            "the select's label `{name}` is used by both `break {name}` and `goto {name}`: the re-arm can go neither between the label and the select nor before the label"
        ));
    }
    Ok(labeled)
}

pub fn in_loop(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let select = args[0].node();
    let Some(site) = before_loop(select, ctx.src) else {
        return Verdict::Skip;
    };
    let site = match site {
        Ok(s) => s,
        Err(why) => return Verdict::Unproven(why, vec![]),
    };
    let rearm = match each_time_at(select, ctx.src) {
        Ok(r) => r,
        Err(why) => return Verdict::Unproven(why, vec![]),
    };
    let Some(func) = syntax::enclosing_function(select) else {
        return Verdict::Skip;
    };
    if syntax::leaves_after(select, ctx.src) {
        return Verdict::Skip;
    }
    let nested = site.lp.is_some_and(|lp| syntax::in_loop_within(lp, func));
    Verdict::Holds(vec![
        // From where code goes before the loop to the loop's end, where
        // code goes after it.
        (
            "loop",
            Value::Span(site.at.start_byte(), site.end.end_byte()),
        ),
        (
            "rearm_at",
            Value::Span(rearm.start_byte(), rearm.end_byte()),
        ),
        (
            "nested_loop",
            Value::Text(if nested { "true".into() } else { String::new() }),
        ),
    ])
}

/// Names of the types that a call of the form `T(x)` converts to without
/// running code.
const CONVERSIONS: &[&str] = &[
    "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
    "uintptr", "float32", "float64", "byte", "rune",
];
/// Builtins without side effects.
const PURE_BUILTINS: &[&str] = &["len", "cap", "min", "max"];

/// Whether the call `call` runs no code: a conversion to a numeric type
/// or `time.Duration`, or a builtin without side effects.
fn pure_call(call: Node, ctx: &Ctx) -> bool {
    let src = ctx.src;
    match call.child_field("function").map(|f| (f.kind_str(), f)) {
        Some(("identifier", f)) => {
            let name = text(f, src);
            (CONVERSIONS.contains(&name) || PURE_BUILTINS.contains(&name))
                && local_decl(name, f, src) == LocalDecl::NotLocal
        }
        // `time.Duration(n)`: a conversion to the time package's type.
        Some(("selector_expression", f)) => {
            let operand = f.child_field("operand").map(|o| text(o, src)).unwrap_or("");
            let field = f.child_field("field").map(|o| text(o, src)).unwrap_or("");
            field == "Duration"
                && ctx
                    .facts
                    .imports(ctx.tree)
                    .iter()
                    .any(|(n, p)| n == operand && p == "time")
        }
        Some(("parenthesized_type", _)) => true,
        _ => false,
    }
}

/// Whether `call` is `X.Done()`: by convention (context.Context and its
/// look-alikes) an accessor that hands out a channel and changes nothing.
fn done_call(call: Node, src: &[u8]) -> bool {
    call.child_field("function")
        .filter(|f| f.kind_str() == "selector_expression")
        .and_then(|f| f.child_field("field"))
        .is_some_and(|f| text(f, src) == "Done")
        && call
            .child_field("arguments")
            .is_some_and(|a| a.named_child_count() == 0)
}

/// Why `expr` cannot be evaluated an extra time, if it cannot.
fn side_effect(expr: Node, ctx: &Ctx) -> Option<String> {
    effect(expr, ctx, false)
}

/// Why evaluating `expr` can change or see a change of the program, if it
/// can: a call that runs code (`X.Done()` too, unless `done_ok`), a
/// receive, a function literal.
fn effect(expr: Node, ctx: &Ctx, done_ok: bool) -> Option<String> {
    let src = ctx.src;
    let mut why = None;
    syntax::visit(expr, &|_| true, &mut |n| {
        if why.is_some() {
            return;
        }
        match n.kind_str() {
            "call_expression" if !(pure_call(n, ctx) || done_ok && done_call(n, src)) => {
                why = Some(format!("calls `{}`", text(n, src)));
            }
            "unary_expression"
                if n.child_field("operator")
                    .is_some_and(|o| o.kind_str() == "<-") =>
            {
                why = Some("receives from a channel".to_string());
            }
            "func_literal" => why = Some("holds a function literal".to_string()),
            _ => {}
        }
    });
    why
}

/// How the owned timer is made for the `time.After` duration `expr` of the
/// statement `rearm` (a select, or the binding of its channel), re-armed
/// with `Reset(expr)` before it. Binds `stopped` when the timer is made
/// stopped (`NewTimer(0)`, stopped and drained) so that `expr` is
/// evaluated exactly where `time.After` did;
/// else `NewTimer(expr)` repeats it, which only a `simple` expression of
/// names made before the loop allows. Unproven when the re-arm would
/// evaluate `expr` before an earlier case's side effect.
pub fn timer_duration<'t>(ctx: &Ctx<'t>, args: &[Arg<'_, 't>]) -> Verdict {
    let expr = args[0].node();
    let rearm = args[1].node();
    if let Some(why) = reordered(expr, rearm, ctx) {
        return Verdict::Unproven(why, vec![]);
    }
    let stopped = !simple(expr, ctx) || bound_in_loop(expr, rearm, ctx.src).is_some();
    Verdict::Holds(vec![(
        "stopped",
        Value::Text(if stopped {
            "true".into()
        } else {
            String::new()
        }),
    )])
}

pub fn repeatable_before(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let expr = args[0].node();
    let inside = args[1].node();
    let src = ctx.src;
    let shown = text(expr, src);
    if let Some(why) = side_effect(expr, ctx) {
        return Verdict::Unproven(
            format!(
                "the duration `{shown}` {why}; evaluating it once more before the loop could change the program"
            ),
            vec![],
        );
    }
    match bound_in_loop(expr, inside, src) {
        Some(why) => Verdict::Unproven(
            format!("the duration `{shown}` {why}, so the timer cannot be made before it"),
            vec![],
        ),
        None => Verdict::Holds(vec![]),
    }
}

/// Why `expr` cannot be evaluated before the loop around `inside`: it uses
/// a name declared inside the loop, or set between the `goto` label the
/// code before the loop goes before and the loop.
fn bound_in_loop(expr: Node, inside: Node, src: &[u8]) -> Option<String> {
    // No place before the loop: `in-loop` says why (or skips).
    let Some(Ok(site)) = before_loop(inside, src) else {
        return None;
    };
    // Statements between a `goto` label the timer goes before and the loop.
    let between: Vec<Node> = std::iter::successors(Some(site.at), |s| s.next_named_sibling())
        .take_while(|s| s.id() != site.end.id())
        .collect();
    let in_loop = declared_names(site.end, src);
    let mut bad = None;
    syntax::visit(expr, &|_| true, &mut |n| {
        if bad.is_some() || n.kind_str() != "identifier" {
            return;
        }
        let name = text(n, src);
        if in_loop.contains(name) {
            bad = Some(format!("uses `{name}`, which is declared inside the loop"));
        } else if between
            .iter()
            .any(|s| declares(*s, name, src) || assigns(*s, name, src))
        {
            let label = site.at.child_field("label").map_or("", |l| text(l, src));
            bad = Some(format!(
                "uses `{name}`, which is set between the label `{label}`, where a `goto` jumps back to, and the loop"
            ));
        }
    });
    bad
}

/// Whether evaluating `expr` once more, earlier, is invisible: it is made
/// of literals, names (a package's too), `+ - * ^`, division, remainder
/// and shifts by a literal, and conversions, so it only reads values and
/// cannot panic (a field selector can: its operand may be a nil pointer).
fn simple(expr: Node, ctx: &Ctx) -> bool {
    let src = ctx.src;
    fn kids(n: Node) -> Vec<Node> {
        let mut c = n.walk();
        n.named_children(&mut c).collect()
    }
    match expr.kind_str() {
        "identifier" | "int_literal" | "float_literal" | "imaginary_literal" | "rune_literal"
        | "true" | "false" | "iota" => true,
        "parenthesized_expression" => kids(expr).iter().all(|k| simple(*k, ctx)),
        "unary_expression" => {
            expr.child_field("operator")
                .is_some_and(|o| matches!(o.kind_str(), "-" | "+" | "^" | "!"))
                && expr.child_field("operand").is_some_and(|o| simple(o, ctx))
        }
        "binary_expression" => {
            let (Some(l), Some(op), Some(r)) = (
                expr.child_field("left"),
                expr.child_field("operator"),
                expr.child_field("right"),
            ) else {
                return false;
            };
            let literal = matches!(r.kind_str(), "int_literal" | "float_literal");
            simple(l, ctx)
                && simple(r, ctx)
                && (literal || !matches!(op.kind_str(), "/" | "%" | "<<" | ">>"))
        }
        "selector_expression" => expr.child_field("operand").is_some_and(|o| {
            o.kind_str() == "identifier"
                && local_decl(text(o, src), o, src) == LocalDecl::NotLocal
                && ctx
                    .facts
                    .imports(ctx.tree)
                    .iter()
                    .any(|(n, _)| n == text(o, src))
        }),
        "call_expression" => {
            pure_call(expr, ctx)
                && expr
                    .child_field("arguments")
                    .is_some_and(|a| kids(a).iter().all(|k| simple(*k, ctx)))
        }
        _ => false,
    }
}

/// Why moving the evaluation of `expr`, the duration of a `time.After`
/// case of the select `rearm`, to before the select could change what the
/// program does: a case before it evaluates a channel or value with a side
/// effect (`X.Done()` aside), and the duration has one too or reads a
/// local that effect could change (`reads_shared_local`). The spec evaluates the cases' channels
/// and values in source order on entering the select.
fn reordered<'t>(expr: Node<'t>, rearm: Node<'t>, ctx: &Ctx<'t>) -> Option<String> {
    if rearm.kind_str() != "select_statement" {
        return None;
    }
    let src = ctx.src;
    let case = std::iter::successors(Some(expr), |n| n.parent())
        .find(|n| n.parent().is_some_and(|p| p.id() == rearm.id()))?;
    // The first earlier case whose entry can change or see a change. Only
    // then is the duration's own reading asked about: the facts of the
    // whole function it needs cost more than the cases (mostly a receive
    // from `ctx.Done()`, which changes nothing).
    let (c, why) = syntax::select_cases(rearm)
        .into_iter()
        .take_while(|c| c.start_byte() < case.start_byte())
        .find_map(|c| {
            entry_expressions(c).into_iter().find_map(|e| {
                // An earlier `time.After(x)` case: only `x` is evaluated
                // there, and not at all once this run has fixed that case
                // too (its re-arm goes before the select, before this
                // one's, as the select evaluated them). Refusing this one
                // then would leave it for a second run to fix.
                match after_operand(e, ctx) {
                    Some(_) if ctx.fixed_before(e.byte_range()) => None,
                    Some(x) => effect(x, ctx, true).map(|why| (c, why)),
                    None => effect(e, ctx, true).map(|why| (c, why)),
                }
            })
        })?;
    if side_effect(expr, ctx).is_none() && !reads_shared_local(expr, ctx) {
        return None;
    }
    Some(format!(
        "the select evaluates the case on line {} first, and it {why}: re-arming the timer before the select would evaluate the duration `{}` before it",
        syntax::line_col(src, c.start_byte()).0,
        text(expr, src)
    ))
}

/// Whether `expr` reads a local that a call elsewhere could change: one
/// not a constant, whose address is taken (`&x`), that a closure uses, or
/// that has a method called on it (a pointer receiver can write it). A copy of its
/// value passed, stored or returned cannot write it. Package-level names are taken as unchanged by
/// the select's cases, as before the stopped form.
fn reads_shared_local<'t>(expr: Node<'t>, ctx: &Ctx<'t>) -> bool {
    let mut shared = false;
    syntax::visit(expr, &|_| true, &mut |n| {
        if let Some((f, id)) = ctx.facts.local(n) {
            let l = f.local(id);
            shared |= l.kind != DeclKind::Const
                && l.uses.iter().any(|u| {
                    u.captured
                        || matches!(u.kind, UseKind::CalledOn(_))
                        || u.node.parent().is_some_and(|p| {
                            p.kind_str() == "unary_expression"
                                && p.child_field("operator")
                                    .is_some_and(|o| o.kind_str() == "&")
                        })
                });
        }
    });
    shared
}

/// The expressions a select evaluates for case `c` on entering: the
/// channel of a receive, the channel and value of a send.
fn entry_expressions(c: Node) -> Vec<Node> {
    let Some(comm) = c.child_field("communication") else {
        return vec![];
    };
    let fields: &[&str] = match comm.kind_str() {
        "receive_statement" => &["right"],
        "send_statement" => &["channel", "value"],
        _ => &[],
    };
    fields
        .iter()
        .filter_map(|f| comm.child_field(f))
        .map(|e| match e.kind_str() {
            "unary_expression" => e.child_field("operand").unwrap_or(e),
            _ => e,
        })
        .collect()
}

/// The duration of `e` when `e` is `time.After(x)`.
fn after_operand<'t>(e: Node<'t>, ctx: &Ctx<'t>) -> Option<Node<'t>> {
    let f = e
        .child_field("function")
        .filter(|f| e.kind_str() == "call_expression" && f.kind_str() == "selector_expression")?;
    let pkg = f.child_field("operand")?;
    let is_after = f
        .child_field("field")
        .is_some_and(|x| text(x, ctx.src) == "After")
        && ctx.facts.names_import(pkg, "time", ctx.tree);
    let args = e.child_field("arguments")?;
    (is_after && args.named_child_count() == 1).then(|| args.named_child(0))?
}

/// Whether `stmt` assigns to `name` anywhere inside it: `name` on the left
/// of `=`, `op=`, `++` or `--` (alone or as the base of a selector or index).
fn assigns(stmt: Node, name: &str, src: &[u8]) -> bool {
    let mut found = false;
    syntax::visit(stmt, &|_| true, &mut |n| {
        let left = match n.kind_str() {
            "assignment_statement" => n.child_field("left"),
            "inc_statement" | "dec_statement" => n.named_child(0),
            _ => None,
        };
        if let Some(left) = left {
            syntax::visit(left, &|_| true, &mut |i| {
                found |= i.kind_str() == "identifier" && text(i, src) == name;
            });
        }
    });
    found
}

/// (pre-Go 1.23 semantics?, why), from the module the file belongs to.
fn semantics(ctx: &Ctx) -> (bool, String) {
    let m = ctx.package.module();
    let version = m.go_version.map(|(a, b)| format!("go {a}.{b}"));
    match (m.asynctimerchan, m.found, m.go_version) {
        (Some(true), _, _) => (
            true,
            "asynctimerchan=1 restores pre-Go 1.23 timers".to_string(),
        ),
        (Some(false), _, _) => (false, "asynctimerchan=0".to_string()),
        (None, false, _) => (true, "no go.mod: pre-Go 1.23 timers assumed".to_string()),
        (None, true, None) => (
            true,
            "go.mod has no go line: pre-Go 1.23 timers assumed".to_string(),
        ),
        (None, true, Some(v)) if v < (1, 23) => {
            (true, format!("the module declares {}", version.unwrap()))
        }
        (None, true, Some(_)) => (false, format!("the module declares {}", version.unwrap())),
    }
}

pub fn go_timer_semantics(ctx: &Ctx, _args: &[Arg]) -> Verdict {
    let (leaky, why) = semantics(ctx);
    let note = if leaky {
        format!(
            "when another case wins, each timer stays alive until it fires, so a busy loop piles them up ({why})"
        )
    } else {
        format!("an allocation per pass, not a leak since Go 1.23 ({why})")
    };
    Verdict::Holds(vec![
        (
            "async_timers",
            Value::Text(if leaky { "true".into() } else { String::new() }),
        ),
        ("timer_note", Value::Text(note)),
    ])
}

pub fn async_timers(ctx: &Ctx, _args: &[Arg]) -> Verdict {
    if semantics(ctx).0 {
        Verdict::Holds(vec![])
    } else {
        Verdict::Skip
    }
}

pub fn received_only_in_select(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let var = args[0].node();
    let decl = args[1].node();
    let src = ctx.src;
    let Some(func) = syntax::enclosing_function(decl) else {
        return Verdict::Skip;
    };
    let Some(lp) = syntax::enclosing_loop(decl, func) else {
        return Verdict::Skip;
    };
    let refs = crate::go::idents::references(func, text(var, src), src, &[var.id()]);
    if refs.is_empty() {
        return Verdict::Skip;
    }
    for r in refs {
        let recv = r
            .parent()
            .filter(|u| u.kind_str() == "unary_expression" && u.child_field("operand") == Some(r))
            .filter(|u| {
                u.child_field("operator")
                    .is_some_and(|o| o.kind_str() == "<-")
            });
        let Some(recv) = recv else {
            return Verdict::Skip;
        };
        let comm = match recv.parent() {
            Some(p)
                if p.kind_str() == "receive_statement" && p.child_field("right") == Some(recv) =>
            {
                p
            }
            _ => return Verdict::Skip,
        };
        let in_case = comm.parent().is_some_and(|c| {
            c.kind_str() == "communication_case" && c.child_field("communication") == Some(comm)
        });
        if !in_case
            || r.start_byte() < decl.end_byte()
            || !syntax::contains(lp, r)
            || syntax::enclosing_function(r).map(|f| f.id()) != Some(func.id())
        {
            return Verdict::Skip;
        }
    }
    Verdict::Holds(vec![])
}

pub fn select_has_other_case(_ctx: &Ctx, args: &[Arg]) -> Verdict {
    if syntax::select_cases(args[0].node()).len() >= 2 {
        Verdict::Holds(vec![])
    } else {
        Verdict::Skip
    }
}
