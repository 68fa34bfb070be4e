//! Predicates for loops and timers: which package a name imports, the loop
//! around a select, whether an expression can be evaluated again before a
//! loop, and which timer semantics the module's Go version gives.

use super::scope::{LocalDecl, local_decl, references};
use super::{Arg, Ctx, Value, Verdict};
use crate::syntax::{self, text};
use tree_sitter::Node;

pub fn imports(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let ident = args[0].node();
    let name = text(ident, ctx.src);
    let path = args[1].lit();
    let imported = syntax::import_names(ctx.tree, ctx.src)
        .iter()
        .any(|(n, p)| n == name && p == path);
    // A local variable of the same name hides the import.
    if imported && local_decl(name, ident, ctx.src) == LocalDecl::NotLocal {
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

pub fn in_loop(_ctx: &Ctx, args: &[Arg]) -> Verdict {
    let select = args[0].node();
    let Some(func) = syntax::enclosing_function(select) else {
        return Verdict::Skip;
    };
    let Some(lp) = syntax::enclosing_loop(select, func) else {
        return Verdict::Skip;
    };
    let nested = syntax::in_loop_within(lp, func);
    let target = with_label(lp);
    Verdict::Holds(vec![
        ("loop", Value::Span(target.start_byte(), target.end_byte())),
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

/// Names that a statement declares anywhere inside it (for clauses, range
/// variables, `:=`, `var`, select case variables, parameters of literals).
fn declares(stmt: Node, name: &str, src: &[u8]) -> bool {
    let mut found = false;
    syntax::visit(stmt, &|_| true, &mut |n| {
        if found || n.kind() != "identifier" || text(n, src) != name {
            return;
        }
        let Some(p) = n.parent() else { return };
        found = match p.kind() {
            "var_spec"
            | "const_spec"
            | "parameter_declaration"
            | "variadic_parameter_declaration" => true,
            "expression_list" => p.parent().is_some_and(|gp| {
                matches!(
                    gp.kind(),
                    "short_var_declaration" | "range_clause" | "receive_statement"
                ) && gp.child_by_field_name("left") == Some(p)
            }),
            "range_clause" => p.child_by_field_name("left") == Some(n),
            _ => false,
        };
    });
    found
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
    let Some(func) = syntax::enclosing_function(inside) else {
        return Verdict::Skip;
    };
    let Some(lp) = syntax::enclosing_loop(inside, func) else {
        return Verdict::Skip;
    };
    let mut bad = None;
    syntax::visit(expr, &|_| true, &mut |n| {
        if bad.is_none() && n.kind() == "identifier" && declares(lp, text(n, src), src) {
            bad = Some(text(n, src).to_string());
        }
    });
    match bad {
        Some(name) => Verdict::Unproven(
            format!(
                "the duration `{shown}` uses `{name}`, which is declared inside the loop, so the timer cannot be made before it"
            ),
            vec![],
        ),
        None => Verdict::Holds(vec![]),
    }
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
