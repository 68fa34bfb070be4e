//! Predicates for loops and timers: which package a name imports, the loop
//! around a select, whether an expression can be evaluated again before a
//! loop, and which timer semantics the module's Go version gives.

use super::scope::{LocalDecl, declares, local_decl, references};
use super::{Arg, Ctx, Value, Verdict};
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
        Some(p) if p.kind() == "labeled_statement" => p,
        _ => stmt,
    }
}

/// Where code made once for the loop around a statement goes.
struct BeforeLoop<'t> {
    /// The statement to insert before: the loop (with its label), or the
    /// earlier label a backward `goto` jumps to around the loop.
    at: Node<'t>,
    /// The loop with its label: code after the loop goes after it.
    end: Node<'t>,
    /// The `for` statement.
    lp: Node<'t>,
}

/// The loop around `stmt` in its function and where code made once for it
/// goes (None: no loop). Err says why there is no such place: a backward
/// `goto` around the loop from a label outside the loop's block (code
/// before the loop would run again on every jump), or a `goto` that would
/// jump forward over the new declaration.
fn before_loop<'t>(stmt: Node<'t>, src: &[u8]) -> Option<Result<BeforeLoop<'t>, String>> {
    let func = syntax::enclosing_function(stmt)?;
    let lp = syntax::enclosing_loop(stmt, func)?;
    let end = with_label(lp);
    let line = |n: Node| syntax::line_col(src, n.start_byte()).0;
    let label = |s: &syntax::GotoSpan| {
        s.label
            .child_by_field_name("label")
            .map_or("", |l| text(l, src))
            .to_string()
    };
    let mut at = end;
    let mut spans = syntax::gotos_spanning(end, end.start_byte(), src);
    // A loop written with `goto`: make the timer before the label the jump
    // goes back to, when that label is an earlier statement of the loop's
    // block (then only declarations in between matter: repeatable_before).
    let back: Vec<_> = spans.iter().filter(|s| s.backward).collect();
    if let Some(s) = back
        .iter()
        .find(|s| s.label.parent().map(|p| p.id()) != end.parent().map(|p| p.id()))
    {
        let l = label(s);
        return Some(Err(format!(
            "`goto {l}` on line {} jumps back around the loop to `{l}` on line {}, outside the loop's block: a timer made before the loop would be made again on every jump",
            line(s.goto),
            line(s.label)
        )));
    }
    if let Some(first) = back.iter().map(|s| s.label).min_by_key(|l| l.start_byte()) {
        at = first;
        spans = syntax::gotos_spanning(at, at.start_byte(), src);
        if let Some(s) = spans.iter().find(|s| s.backward) {
            let l = label(s);
            return Some(Err(format!(
                "`goto {l}` on line {} jumps back to `{l}` on line {}, around the loop's own `goto` label: a timer made before the loop would be made again on every jump",
                line(s.goto),
                line(s.label)
            )));
        }
    }
    let parent = at.parent().map(|p| p.id());
    if let Some(s) = spans
        .iter()
        .find(|s| !s.backward && s.label.parent().map(|p| p.id()) == parent)
    {
        let l = label(s);
        return Some(Err(format!(
            "`goto {l}` on line {} jumps over the loop to `{l}` on line {}, and Go forbids jumping over the new timer's declaration",
            line(s.goto),
            line(s.label)
        )));
    }
    Some(Ok(BeforeLoop { at, end, lp }))
}

/// Where code that must run every time `stmt` (a select, or the `:=` of a
/// timer channel) is reached goes: right before it, after its label, so a
/// `goto` to the label runs it too; but before the label when a
/// `break LABEL` leaves the select (a label between them would label the
/// new code instead). Err when both a `break` and a `goto` use the label.
fn each_time_at<'t>(stmt: Node<'t>, src: &[u8]) -> Result<Node<'t>, String> {
    let Some(labeled) = stmt.parent().filter(|p| p.kind() == "labeled_statement") else {
        return Ok(stmt);
    };
    let name = labeled
        .child_by_field_name("label")
        .map_or("", |l| text(l, src));
    let mut breaks = false;
    syntax::visit(stmt, &|n| n.kind() != "func_literal", &mut |n| {
        breaks |= n.kind() == "break_statement"
            && n.named_child(0)
                .is_some_and(|l| l.kind() == "label_name" && text(l, src) == name);
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
    let nested = syntax::in_loop_within(site.lp, func);
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

/// Why `expr` cannot be evaluated an extra time, if it cannot.
fn side_effect(expr: Node, ctx: &Ctx) -> Option<String> {
    let src = ctx.src;
    let mut why = None;
    syntax::visit(expr, &|_| true, &mut |n| {
        if why.is_some() {
            return;
        }
        match n.kind() {
            "call_expression" => {
                let f = n.child_by_field_name("function");
                let ok = match f.map(|f| (f.kind(), f)) {
                    Some(("identifier", f)) => {
                        let name = text(f, src);
                        (CONVERSIONS.contains(&name) || PURE_BUILTINS.contains(&name))
                            && local_decl(name, f, src) == LocalDecl::NotLocal
                    }
                    // `time.Duration(n)`: a conversion to the time package's type.
                    Some(("selector_expression", f)) => {
                        let operand = f
                            .child_by_field_name("operand")
                            .map(|o| text(o, src))
                            .unwrap_or("");
                        let field = f
                            .child_by_field_name("field")
                            .map(|o| text(o, src))
                            .unwrap_or("");
                        field == "Duration"
                            && syntax::import_names(ctx.tree, src)
                                .iter()
                                .any(|(n, p)| n == operand && p == "time")
                    }
                    Some(("parenthesized_type", _)) => true,
                    _ => false,
                };
                if !ok {
                    why = Some(format!("calls `{}`", text(n, src)));
                }
            }
            "unary_expression"
                if n.child_by_field_name("operator")
                    .is_some_and(|o| o.kind() == "<-") =>
            {
                why = Some("receives from a channel".to_string());
            }
            "func_literal" => why = Some("holds a function literal".to_string()),
            _ => {}
        }
    });
    why
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
    // No place before the loop: `in-loop` says why (or skips).
    let Some(Ok(site)) = before_loop(inside, src) else {
        return Verdict::Holds(vec![]);
    };
    // Statements between a `goto` label the timer goes before and the loop.
    let between: Vec<Node> = std::iter::successors(Some(site.at), |s| s.next_named_sibling())
        .take_while(|s| s.id() != site.end.id())
        .collect();
    let mut bad = None;
    syntax::visit(expr, &|_| true, &mut |n| {
        if bad.is_some() || n.kind() != "identifier" {
            return;
        }
        let name = text(n, src);
        if declares(site.lp, name, src) {
            bad = Some(format!("uses `{name}`, which is declared inside the loop"));
        } else if between
            .iter()
            .any(|s| declares(*s, name, src) || assigns(*s, name, src))
        {
            let label = site
                .at
                .child_by_field_name("label")
                .map_or("", |l| text(l, src));
            bad = Some(format!(
                "uses `{name}`, which is set between the label `{label}`, where a `goto` jumps back to, and the loop"
            ));
        }
    });
    match bad {
        Some(why) => Verdict::Unproven(
            format!("the duration `{shown}` {why}, so the timer cannot be made before it"),
            vec![],
        ),
        None => Verdict::Holds(vec![]),
    }
}

/// Whether `stmt` assigns to `name` anywhere inside it: `name` on the left
/// of `=`, `op=`, `++` or `--` (alone or as the base of a selector or index).
fn assigns(stmt: Node, name: &str, src: &[u8]) -> bool {
    let mut found = false;
    syntax::visit(stmt, &|_| true, &mut |n| {
        let left = match n.kind() {
            "assignment_statement" => n.child_by_field_name("left"),
            "inc_statement" | "dec_statement" => n.named_child(0),
            _ => None,
        };
        if let Some(left) = left {
            syntax::visit(left, &|_| true, &mut |i| {
                found |= i.kind() == "identifier" && text(i, src) == name;
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
    let refs = references(func, text(var, src), src, &[var.id()]);
    if refs.is_empty() {
        return Verdict::Skip;
    }
    for r in refs {
        let recv = r
            .parent()
            .filter(|u| {
                u.kind() == "unary_expression" && u.child_by_field_name("operand") == Some(r)
            })
            .filter(|u| {
                u.child_by_field_name("operator")
                    .is_some_and(|o| o.kind() == "<-")
            });
        let Some(recv) = recv else {
            return Verdict::Skip;
        };
        let comm = match recv.parent() {
            Some(p)
                if p.kind() == "receive_statement"
                    && p.child_by_field_name("right") == Some(recv) =>
            {
                p
            }
            _ => return Verdict::Skip,
        };
        let in_case = comm.parent().is_some_and(|c| {
            c.kind() == "communication_case" && c.child_by_field_name("communication") == Some(comm)
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
