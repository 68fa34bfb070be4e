//! The fan-in analysis behind `fan-in-producers`: a results channel made in
//! a function F, producer goroutines started in F that send on it, and an F
//! that can stop receiving before every producer has sent. It works out what
//! a fix needs: the sends to guard, the capacity to give the channel, where
//! the context comes from (F's parameter, a new parameter threaded through
//! every call site of the package, or a background context), and the
//! rewrite of a blocking `return <-ch` into a select on the context.

use super::channel::{self, Sender, Use};
use super::scope::references;
use super::{Arg, Ctx, Site, Value, Verdict};
use crate::syntax::{self, text};
use tree_sitter::{Node, Tree};

/// A goroutine started in F that uses the channel.
struct Producer<'t> {
    go: Node<'t>,
    /// The function literal the goroutine runs, with the channel's name in
    /// it (captured, or the parameter it is handed to).
    literal: Option<(Node<'t>, String)>,
    /// A named function handed the channel as argument `index`.
    handed: Option<usize>,
    sends: Vec<Node<'t>>,
    closes: bool,
}

/// Whether `stop` (a `break`) leaves loop `lp`: a plain break ends its
/// innermost for, switch or select; a labelled one the statement labelled so.
fn break_leaves(stop: Node, lp: Node, src: &[u8]) -> bool {
    match stop.named_child(0) {
        Some(label) => {
            let label = text(label, src);
            let mut cur = Some(lp);
            while let Some(n) = cur {
                if n.kind() == "labeled_statement"
                    && n.child_by_field_name("label")
                        .is_some_and(|l| text(l, src) == label)
                {
                    return true;
                }
                cur = n.parent().filter(|p| !syntax::is_function(*p));
            }
            false
        }
        None => {
            let mut cur = stop.parent();
            while let Some(n) = cur {
                if matches!(
                    n.kind(),
                    "for_statement"
                        | "expression_switch_statement"
                        | "type_switch_statement"
                        | "select_statement"
                ) {
                    return n.id() == lp.id();
                }
                cur = n.parent();
            }
            false
        }
    }
}

/// A countdown: `if n == 0 { return }` (or `<=`, `>=`, `==` against any
/// bound) where `n` is stepped (`n--`, `n++`, `n -= 1`, `n += 1`) in
/// `scope`. Such an exit comes after every result was taken.
fn is_countdown(exit: Node, scope: Node, src: &[u8]) -> bool {
    let Some(cond) = syntax::ancestors_until(exit, scope)
        .into_iter()
        .find(|n| n.kind() == "if_statement")
        .and_then(|i| i.child_by_field_name("condition"))
    else {
        return false;
    };
    if cond.kind() != "binary_expression"
        || !cond
            .child_by_field_name("operator")
            .is_some_and(|o| matches!(o.kind(), "==" | "<=" | ">="))
    {
        return false;
    }
    let counters: Vec<&str> = [
        cond.child_by_field_name("left"),
        cond.child_by_field_name("right"),
    ]
    .into_iter()
    .flatten()
    .filter(|n| n.kind() == "identifier")
    .map(|n| text(n, src))
    .collect();
    let mut stepped = false;
    syntax::visit(scope, &|n| n.kind() != "func_literal", &mut |n| {
        let target = match n.kind() {
            "inc_statement" | "dec_statement" => n.named_child(0),
            "assignment_statement"
                if n.child_by_field_name("operator")
                    .is_some_and(|o| matches!(o.kind(), "+=" | "-=")) =>
            {
                n.child_by_field_name("left").and_then(|l| l.named_child(0))
            }
            _ => None,
        };
        stepped |= target.is_some_and(|t| counters.contains(&text(t, src)));
    });
    stepped
}

/// Exits in `scope` that leave loop `lp` (or the function): `return`,
/// `panic`, `goto`, and breaks that end `lp`, not counting nested function
/// literals, exits `skip` says to ignore, or countdowns.
fn can_leave(scope: Node, lp: Node, src: &[u8], skip: &dyn Fn(Node) -> bool) -> bool {
    let mut leaves = false;
    syntax::visit(scope, &|n| n.kind() != "func_literal", &mut |n| {
        let exits = match n.kind() {
            "return_statement" | "goto_statement" => true,
            "break_statement" => break_leaves(n, lp, src),
            "call_expression" => n
                .child_by_field_name("function")
                .is_some_and(|f| text(f, src) == "panic"),
            _ => false,
        };
        leaves |= exits && !skip(n) && !is_countdown(n, scope, src);
    });
    leaves
}

/// Why F may stop taking results from one receive, if it may. `several`
/// says more than one send can come: then leaving right after a receive
/// abandons the rest; with one send it is the normal end.
fn early_stop(recv: Node, func: Node, several: bool, src: &[u8]) -> Option<&'static str> {
    let path = syntax::ancestors_until(recv, func);
    let lp = path.iter().find(|n| n.kind() == "for_statement").copied();
    let own_case = path
        .iter()
        .find(|n| n.kind() == "communication_case")
        .filter(|c| {
            c.child_by_field_name("communication")
                .is_some_and(|m| syntax::contains(m, recv))
        })
        .copied();
    // Exits that run only after this receive took a value.
    let after_receive = |n: Node| {
        !several
            && (own_case.is_some_and(|c| syntax::contains(c, n))
                || n.start_byte() > recv.end_byte())
    };
    if let Some(case) = own_case {
        let select = case.parent()?;
        let mut c = select.walk();
        let others: Vec<Node> = select
            .named_children(&mut c)
            .filter(|k| {
                matches!(k.kind(), "communication_case" | "default_case") && k.id() != case.id()
            })
            .collect();
        let other_leaves = match lp {
            None => !others.is_empty(),
            Some(l) => others.iter().any(|o| can_leave(*o, l, src, &|_| false)),
        };
        if other_leaves {
            return Some("it can take another select case and stop receiving");
        }
    }
    match lp {
        Some(l) if can_leave(l.child_by_field_name("body")?, l, src, &after_receive) => {
            Some("its receive loop can return early")
        }
        Some(_) => None,
        None if several => Some("it takes the first result and stops receiving"),
        None => None,
    }
}

/// True when at most one of the `go` statements can run: each pair sits in
/// different branches of one if/else or switch.
fn exclusive(producers: &[Producer], func: Node) -> bool {
    let branch_of = |a: Node, b: Node| -> bool {
        let pa = syntax::ancestors_until(a, func);
        let Some(common) = pa.iter().find(|n| syntax::contains(**n, b)) else {
            return false;
        };
        match common.kind() {
            "if_statement" => {
                let cons = common.child_by_field_name("consequence");
                let alt = common.child_by_field_name("alternative");
                let side = |x: Node| {
                    if cons.is_some_and(|c| syntax::contains(c, x)) {
                        1
                    } else if alt.is_some_and(|c| syntax::contains(c, x)) {
                        2
                    } else {
                        0
                    }
                };
                side(a) != 0 && side(b) != 0 && side(a) != side(b)
            }
            "expression_switch_statement" | "type_switch_statement" => {
                let case_of = |x: Node| {
                    syntax::ancestors_until(x, *common)
                        .into_iter()
                        .rev()
                        .find(|n| {
                            matches!(n.kind(), "expression_case" | "default_case" | "type_case")
                        })
                        .map(|n| n.id())
                };
                case_of(a).is_some() && case_of(b).is_some() && case_of(a) != case_of(b)
            }
            _ => false,
        }
    };
    producers.len() > 1
        && producers
            .iter()
            .enumerate()
            .all(|(i, a)| producers[i + 1..].iter().all(|b| branch_of(a.go, b.go)))
}

/// The number of passes of `for i := 0; i < N; i++` or `for range N` with
/// a literal N.
fn literal_count(lp: Node, src: &[u8]) -> Option<usize> {
    let mut c = lp.walk();
    let header = lp
        .named_children(&mut c)
        .find(|n| matches!(n.kind(), "for_clause" | "range_clause"))?;
    match header.kind() {
        "range_clause" => {
            let right = header.child_by_field_name("right")?;
            (right.kind() == "int_literal")
                .then(|| text(right, src).parse().ok())
                .flatten()
        }
        _ => {
            let init = header.child_by_field_name("initializer")?;
            let cond = header.child_by_field_name("condition")?;
            let update = header.child_by_field_name("update")?;
            let start = init
                .child_by_field_name("right")
                .and_then(|r| r.named_child(0))?;
            let var = init
                .child_by_field_name("left")
                .and_then(|l| l.named_child(0))?;
            let (Some(l), Some(op), Some(r)) = (
                cond.child_by_field_name("left"),
                cond.child_by_field_name("operator"),
                cond.child_by_field_name("right"),
            ) else {
                return None;
            };
            let steps_up = update.kind() == "inc_statement"
                && update
                    .named_child(0)
                    .is_some_and(|u| text(u, src) == text(var, src));
            if text(start, src) != "0"
                || text(l, src) != text(var, src)
                || op.kind() != "<"
                || !steps_up
            {
                return None;
            }
            (r.kind() == "int_literal")
                .then(|| text(r, src).parse().ok())
                .flatten()
        }
    }
}

/// True when F takes at least `n` results unconditionally, with no way out
/// between the first `go` statement and the last of those receives.
fn drains(recvs: &[Node], n: usize, first_go: usize, func: Node, src: &[u8]) -> bool {
    let plain: Vec<Node> = recvs
        .iter()
        .copied()
        .filter(|r| {
            syntax::ancestors_until(*r, func).iter().all(|a| {
                !matches!(
                    a.kind(),
                    "if_statement"
                        | "for_statement"
                        | "communication_case"
                        | "select_statement"
                        | "expression_switch_statement"
                        | "type_switch_statement"
                        | "func_literal"
                )
            })
        })
        .collect();
    if plain.len() < n {
        return false;
    }
    let last = plain.iter().map(|r| r.start_byte()).max().unwrap_or(0);
    let Some(body) = func.child_by_field_name("body") else {
        return false;
    };
    let mut exits = false;
    syntax::visit(body, &|k| k.kind() != "func_literal", &mut |k| {
        let exit = matches!(k.kind(), "return_statement" | "goto_statement")
            || (k.kind() == "call_expression"
                && k.child_by_field_name("function")
                    .is_some_and(|f| text(f, src) == "panic"));
        exits |= exit && k.start_byte() > first_go && k.start_byte() < last;
    });
    !exits
}

/// The range target of the innermost loop around every `go` statement,
/// when they share one `for ... range X` loop.
fn shared_range<'t>(producers: &[Producer<'t>], func: Node<'t>) -> Option<Node<'t>> {
    let loops: Vec<Node> = producers
        .iter()
        .filter_map(|p| syntax::enclosing_loop(p.go, func))
        .collect();
    if loops.len() != producers.len() || loops.iter().any(|l| l.id() != loops[0].id()) {
        return None;
    }
    let mut c = loops[0].walk();
    let clause = loops[0]
        .named_children(&mut c)
        .find(|n| n.kind() == "range_clause")?;
    clause.child_by_field_name("right")
}

/// True when `x` (an identifier in F) is declared in F as a slice, array or
/// map, so `len(x)` counts the loop's passes.
fn has_length(x: Node, func: Node, src: &[u8]) -> bool {
    if x.kind() != "identifier" {
        return false;
    }
    let name = text(x, src);
    let sized = |t: Node| matches!(t.kind(), "slice_type" | "array_type" | "map_type");
    let mut found = false;
    let mut declared = 0;
    if let Some(params) = func.child_by_field_name("parameters") {
        let mut c = params.walk();
        for d in params.named_children(&mut c) {
            let mut c2 = d.walk();
            if d.children_by_field_name("name", &mut c2)
                .any(|n| text(n, src) == name)
            {
                declared += 1;
                found |= d.child_by_field_name("type").is_some_and(sized);
            }
        }
    }
    if let Some(body) = func.child_by_field_name("body") {
        syntax::visit(
            body,
            &|n| n.kind() != "func_literal",
            &mut |n| match n.kind() {
                "var_spec" => {
                    let mut c = n.walk();
                    if n.children_by_field_name("name", &mut c)
                        .any(|m| text(m, src) == name)
                    {
                        declared += 1;
                        found |= n.child_by_field_name("type").is_some_and(sized);
                    }
                }
                "short_var_declaration" => {
                    let left = n.child_by_field_name("left");
                    let right = n.child_by_field_name("right");
                    if let (Some(l), Some(r)) = (left, right) {
                        let mut c = l.walk();
                        let names: Vec<Node> = l.named_children(&mut c).collect();
                        if let Some(i) = names.iter().position(|m| text(*m, src) == name) {
                            declared += 1;
                            let value = (r.named_child_count() == names.len())
                                .then(|| r.named_child(i))
                                .flatten();
                            found |= value.is_some_and(|v| {
                                (v.kind() == "composite_literal"
                                    && v.child_by_field_name("type").is_some_and(sized))
                                    || (v.kind() == "call_expression"
                                        && v.child_by_field_name("function")
                                            .is_some_and(|f| text(f, src) == "make")
                                        && v.child_by_field_name("arguments")
                                            .and_then(|a| a.named_child(0))
                                            .is_some_and(sized))
                            });
                        }
                    }
                }
                _ => {}
            },
        );
    }
    found && declared == 1
}

/// The local name under which the file imports `context`, if it does.
fn context_name(tree: &Tree, src: &[u8]) -> Option<String> {
    syntax::import_names(tree, src)
        .into_iter()
        .find(|(_, p)| p == "context")
        .map(|(n, _)| n)
}

/// A parameter of `func` whose type is `<ctxpkg>.Context`.
fn ctx_param(func: Node, ctxpkg: &str, src: &[u8]) -> Option<String> {
    let params = func.child_by_field_name("parameters")?;
    let mut c = params.walk();
    for d in params.named_children(&mut c) {
        let is_ctx = d.child_by_field_name("type").is_some_and(|t| {
            t.kind() == "qualified_type" && text(t, src) == format!("{ctxpkg}.Context")
        });
        if is_ctx {
            let mut c2 = d.walk();
            if let Some(n) = d.children_by_field_name("name", &mut c2).next() {
                let n = text(n, src);
                if n != "_" {
                    return Some(n.to_string());
                }
            }
        }
    }
    None
}

/// An existing `c, cancel := context.WithCancel(...)` (or WithTimeout,
/// WithDeadline, with or without Cause) in F with `defer cancel()`, made
/// before `before`: returns `c`.
fn existing_child(func: Node, before: usize, ctxpkg: &str, src: &[u8]) -> Option<String> {
    let body = func.child_by_field_name("body")?;
    let mut child = None;
    syntax::visit(body, &|n| n.kind() != "func_literal", &mut |n| {
        if n.kind() != "short_var_declaration" || n.start_byte() > before || child.is_some() {
            return;
        }
        let (Some(l), Some(r)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
        ) else {
            return;
        };
        let call = r.named_child(0).filter(|c| c.kind() == "call_expression");
        let is_with = call
            .and_then(|c| c.child_by_field_name("function"))
            .is_some_and(|f| {
                let t = text(f, src);
                t.strip_prefix(ctxpkg)
                    .and_then(|rest| rest.strip_prefix(".With"))
                    .is_some_and(|m| {
                        matches!(
                            m.trim_end_matches("Cause"),
                            "Cancel" | "Timeout" | "Deadline"
                        )
                    })
            });
        if !is_with || l.named_child_count() != 2 {
            return;
        }
        let (c, cancel) = (l.named_child(0).unwrap(), l.named_child(1).unwrap());
        let cancel_name = text(cancel, src);
        let mut deferred = false;
        syntax::visit(body, &|k| k.kind() != "func_literal", &mut |k| {
            deferred |=
                k.kind() == "defer_statement" && text(k, src) == format!("defer {cancel_name}()");
        });
        if deferred {
            child = Some(text(c, src).to_string());
        }
    });
    child
}

/// Where F's context comes from.
enum CtxMode {
    /// F's own parameter (or a child F already derives and cancels).
    Param { name: String, derived: bool },
    /// A new first parameter, threaded through these call sites.
    AddParam { sites: Vec<Site> },
    /// F keeps its signature; a background context, cancelled on return.
    Background { why: String },
}

/// Can F take a new first parameter? Only when it is an unexported function
/// or method (not main or init) whose every use in the package is a call,
/// with no interface, field or other method of the same name. Returns the
/// call sites (with the argument each caller passes) or why not.
fn call_sites(ctx: &Ctx, func: Node, new_ctx: &str) -> Result<Vec<Site>, String> {
    let src = ctx.src;
    let name = match func.kind() {
        "function_declaration" | "method_declaration" => syntax::decl_name(func, src).unwrap_or(""),
        _ => return Err("it is a function literal".to_string()),
    };
    if name.chars().next().is_none_or(|c| c.is_uppercase()) {
        return Err(format!("`{name}` is exported"));
    }
    if matches!(name, "main" | "init") || name == "_" {
        return Err(format!("`{name}` cannot take parameters"));
    }
    let is_method = func.kind() == "method_declaration";
    let files = std::iter::once((None, ctx.tree, ctx.src)).chain(
        ctx.package
            .others()
            .iter()
            .map(|f| (Some(f.path.clone()), &f.tree, f.src.as_slice())),
    );
    let mut sites = Vec::new();
    let mut methods = 0;
    for (file, tree, fsrc) in files {
        let file_ctx = context_name(tree, fsrc);
        let mut problem = None;
        syntax::visit(tree.root_node(), &|_| true, &mut |n| {
            if problem.is_some() {
                return;
            }
            match n.kind() {
                "method_declaration" if syntax::decl_name(n, fsrc) == Some(name) => methods += 1,
                "method_elem" | "method_spec" | "field_declaration"
                    if n.child_by_field_name("name")
                        .is_some_and(|m| text(m, fsrc) == name) =>
                {
                    problem = Some(format!(
                        "an interface method or field is also called `{name}`"
                    ));
                }
                _ => {}
            }
            let is_use = if is_method {
                n.kind() == "field_identifier"
                    && text(n, fsrc) == name
                    && n.parent()
                        .is_some_and(|p| p.kind() == "selector_expression")
            } else {
                n.kind() == "identifier"
                    && text(n, fsrc) == name
                    && n.parent()
                        .is_none_or(|p| p.kind() != "function_declaration")
            };
            if !is_use {
                return;
            }
            let callee = if is_method { n.parent().unwrap() } else { n };
            let callee = match callee.parent() {
                Some(ix)
                    if ix.kind() == "index_expression"
                        && ix.child_by_field_name("operand") == Some(callee) =>
                {
                    ix
                }
                _ => callee,
            };
            let call = callee.parent().filter(|c| {
                c.kind() == "call_expression" && c.child_by_field_name("function") == Some(callee)
            });
            let Some(call) = call else {
                problem = Some(format!("`{name}` is used as a value"));
                return;
            };
            let Some(args) = call.child_by_field_name("arguments") else {
                return;
            };
            let mut c = args.walk();
            let has_args = args.named_children(&mut c).any(|a| a.kind() != "comment");
            // The caller's own context, if it has one in scope.
            let mut arg = None;
            let mut f = syntax::enclosing_function(call);
            while let Some(fun) = f {
                if file.is_none() && fun.id() == func.id() {
                    arg = Some(new_ctx.to_string());
                    break;
                }
                if let Some(pkg) = &file_ctx
                    && let Some(p) = ctx_param(fun, pkg, fsrc)
                {
                    arg = Some(p);
                    break;
                }
                f = syntax::enclosing_function(fun);
            }
            let todo = arg.is_none();
            let arg = arg
                .unwrap_or_else(|| format!("{}.TODO()", file_ctx.as_deref().unwrap_or("context")));
            let at = args.start_byte() + 1;
            sites.push(Site {
                file: file.clone(),
                start: at,
                end: at,
                vars: vec![
                    ("arg", arg),
                    (
                        "sep",
                        if has_args {
                            ", ".to_string()
                        } else {
                            String::new()
                        },
                    ),
                    (
                        "todo",
                        if todo {
                            "true".to_string()
                        } else {
                            String::new()
                        },
                    ),
                ],
            });
        });
        if let Some(p) = problem {
            return Err(p);
        }
    }
    if is_method && methods != 1 {
        return Err(format!("several types declare a method `{name}`"));
    }
    Ok(sites)
}

/// The zero value of a result type, as Go source.
fn zero_value(ty: Node, ctx: &Ctx) -> String {
    let src = ctx.src;
    let t = text(ty, src);
    match ty.kind() {
        "pointer_type" | "slice_type" | "map_type" | "channel_type" | "function_type"
        | "interface_type" => "nil".to_string(),
        "type_identifier" => match t {
            "error" | "any" => "nil".to_string(),
            "string" => "\"\"".to_string(),
            "bool" => "false".to_string(),
            "int" | "int8" | "int16" | "int32" | "int64" | "uint" | "uint8" | "uint16"
            | "uint32" | "uint64" | "uintptr" | "float32" | "float64" | "complex64"
            | "complex128" | "byte" | "rune" => "0".to_string(),
            _ => {
                let decl = ctx.package.find((ctx.tree, ctx.src), "type_spec", t);
                match decl
                    .first()
                    .and_then(|d| d.node.child_by_field_name("type"))
                    .map(|k| k.kind())
                {
                    Some("struct_type") if decl.len() == 1 => format!("{t}{{}}"),
                    Some(
                        "interface_type" | "pointer_type" | "slice_type" | "map_type"
                        | "channel_type" | "function_type",
                    ) => "nil".to_string(),
                    _ => format!("*new({t})"),
                }
            }
        },
        _ => format!("*new({t})"),
    }
}

/// F's result types, one per result (grouped names expanded).
fn result_types<'t>(func: Node<'t>) -> Vec<Node<'t>> {
    let Some(result) = func.child_by_field_name("result") else {
        return vec![];
    };
    if result.kind() != "parameter_list" {
        return vec![result];
    }
    let mut out = Vec::new();
    let mut c = result.walk();
    for d in result.named_children(&mut c) {
        let Some(ty) = d.child_by_field_name("type") else {
            continue;
        };
        let mut c2 = d.walk();
        let names = d.children_by_field_name("name", &mut c2).count().max(1);
        out.extend(std::iter::repeat_n(ty, names));
    }
    out
}

pub fn fan_in_producers(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let make = args[0].node();
    let src = ctx.src;
    let Some(func) = syntax::enclosing_function(make) else {
        return Verdict::Skip;
    };
    let Some((name, binding_sites)) = channel::binding(make, func, src) else {
        return Verdict::Skip;
    };

    // Who uses the channel, and how.
    let mut recvs: Vec<Node> = Vec::new();
    let mut ranges: Vec<Node> = Vec::new();
    let mut producers: Vec<Producer> = Vec::new();
    fn producer_at<'t>(producers: &mut Vec<Producer<'t>>, go: Node<'t>) -> usize {
        producers
            .iter()
            .position(|p| p.go.id() == go.id())
            .unwrap_or_else(|| {
                producers.push(Producer {
                    go,
                    literal: None,
                    handed: None,
                    sends: vec![],
                    closes: false,
                });
                producers.len() - 1
            })
    }
    for r in references(func, &name, src, &binding_sites) {
        let inner = syntax::enclosing_function(r).expect("a reference sits in the function");
        if inner.id() == func.id() {
            match channel::classify(r) {
                Use::Recv(u) => recvs.push(u),
                Use::GoArg { go, index } => {
                    let i = producer_at(&mut producers, go);
                    let lit = go
                        .named_child(0)
                        .and_then(|c| c.child_by_field_name("function"))
                        .filter(|f| f.kind() == "func_literal");
                    match lit {
                        Some(l) => match syntax::parameter_names(l, src).get(index) {
                            Some((p, false)) if p != "_" => {
                                producers[i].literal = Some((l, p.clone()))
                            }
                            _ => return Verdict::Skip,
                        },
                        None => producers[i].handed = Some(index),
                    }
                }
                Use::Send(_) => return Verdict::Skip,
                Use::Other => {
                    let range = r
                        .parent()
                        .filter(|p| {
                            p.kind() == "range_clause" && p.child_by_field_name("right") == Some(r)
                        })
                        .and_then(|p| p.parent());
                    match range {
                        Some(l) => ranges.push(l),
                        None => return Verdict::Skip,
                    }
                }
            }
            continue;
        }
        let go = inner
            .parent()
            .filter(|c| {
                c.kind() == "call_expression" && c.child_by_field_name("function") == Some(inner)
            })
            .and_then(|c| c.parent())
            .filter(|g| {
                g.kind() == "go_statement"
                    && syntax::enclosing_function(*g).map(|f| f.id()) == Some(func.id())
            });
        let Some(go) = go else { return Verdict::Skip };
        let i = producer_at(&mut producers, go);
        if producers[i].literal.is_none() {
            producers[i].literal = Some((inner, name.clone()));
        }
    }
    // Inside each literal: only sends and a close.
    for p in &mut producers {
        let Some((lit, inside)) = &p.literal else {
            continue;
        };
        for r in references(*lit, inside, src, &[]) {
            if syntax::enclosing_function(r).map(|f| f.id()) != Some(lit.id()) {
                return Verdict::Skip;
            }
            match channel::classify(r) {
                Use::Send(s) => p.sends.push(s),
                _ => {
                    let is_close = r
                        .parent()
                        .and_then(|a| a.parent())
                        .filter(|c| c.kind() == "call_expression")
                        .and_then(|c| c.child_by_field_name("function"))
                        .is_some_and(|f| text(f, src) == "close");
                    if !is_close {
                        return Verdict::Skip;
                    }
                    p.closes = true;
                }
            }
        }
    }
    // Goroutines that only close the channel are closers, not producers.
    producers.retain(|p| p.handed.is_some() || !p.sends.is_empty());
    if producers.is_empty() || (recvs.is_empty() && ranges.is_empty()) {
        return Verdict::Skip;
    }
    let in_loop = producers.iter().any(|p| syntax::in_loop_within(p.go, func));
    // At most one send per producer run (every send ends its goroutine).
    let single_send = |p: &Producer| -> Sender {
        match (&p.literal, p.handed) {
            (Some((lit, _)), _) => {
                // A send guarded by a select counts as its select statement.
                let once = p.sends.iter().all(|s| {
                    let stmt = match s.parent() {
                        Some(c) if c.kind() == "communication_case" => c.parent().unwrap_or(*s),
                        _ => *s,
                    };
                    !syntax::in_loop_within(stmt, *lit)
                        && channel::is_last_effective(stmt, *lit, src)
                });
                if once && !p.closes {
                    Sender::Ok
                } else {
                    Sender::Skip
                }
            }
            (None, Some(i)) => match channel::callee_params(ctx, p.go, i) {
                Ok(decls) => decls
                    .into_iter()
                    .map(|(d, dsrc, param)| channel::sender(d, &param, dsrc))
                    .find(|v| !matches!(v, Sender::Ok))
                    .unwrap_or(Sender::Ok),
                Err(s) => s,
            },
            (None, None) => Sender::Skip,
        }
    };
    let all_single = producers
        .iter()
        .all(|p| matches!(single_send(p), Sender::Ok));
    let one_runs = producers.len() == 1 || exclusive(&producers, func);
    let several = in_loop || !one_runs || !all_single;
    let first_go = producers
        .iter()
        .map(|p| p.go.start_byte())
        .min()
        .unwrap_or(0);
    // How many producers run: literal loop bounds count.
    let started: Option<usize> = if in_loop {
        let loops: Vec<Node> = producers
            .iter()
            .filter_map(|p| syntax::enclosing_loop(p.go, func))
            .collect();
        let same = loops.len() == producers.len() && loops.iter().all(|l| l.id() == loops[0].id());
        let nested = loops
            .first()
            .is_some_and(|l| syntax::in_loop_within(*l, func));
        (same && !nested)
            .then(|| literal_count(loops[0], src))
            .flatten()
            .map(|n| n * producers.len())
    } else if one_runs {
        Some(1)
    } else {
        Some(producers.len())
    };
    if let Some(wanted) = started
        && all_single
        && ranges.is_empty()
        && drains(&recvs, wanted, first_go, func, src)
    {
        return Verdict::Skip;
    }

    // Can F stop taking results before every producer has sent?
    let mut why = None;
    for r in &recvs {
        why = why.or(early_stop(*r, func, several, src));
    }
    for l in &ranges {
        if l.child_by_field_name("body")
            .is_some_and(|b| can_leave(b, *l, src, &|_| false))
        {
            why = why.or(Some("its range over the results can return early"));
        }
    }
    // Seed 003: one producer, one send, and `return <-ch, ...` with no way
    // to give up.
    let blocking = match (recvs.as_slice(), ranges.is_empty(), why) {
        ([r], true, None) if !several && syntax::enclosing_loop(*r, func).is_none() => r
            .parent()
            .filter(|l| l.kind() == "expression_list")
            .and_then(|l| l.parent())
            .filter(|s| s.kind() == "return_statement"),
        _ => None,
    };
    let why = match (why, blocking) {
        (Some(w), _) => w.to_string(),
        (None, Some(_)) => "it waits with no way to give up, so a caller that times out leaves the producer blocked".to_string(),
        (None, None) => return Verdict::Skip,
    };

    // Capacity: what there is, and what to give.
    let mut c = make.child_by_field_name("arguments").map(|a| a.walk());
    let cap_arg: Option<Node> = match (&mut c, make.child_by_field_name("arguments")) {
        (Some(c), Some(a)) => a.named_children(c).filter(|n| n.kind() != "comment").nth(1),
        _ => None,
    };
    let unbuffered = cap_arg.is_none_or(|n| n.kind() == "int_literal" && text(n, src) == "0");
    let range_target = shared_range(&producers, func).filter(|x| has_length(*x, func, src));
    let covering = match (range_target, in_loop) {
        (Some(x), _) => Some(format!("len({})", text(x, src))),
        (None, false) => Some(producers.len().to_string()),
        (None, true) => None,
    };
    if let (Some(have), Some(want)) = (cap_arg, &covering)
        && all_single
        && (text(have, src) == want
            || (!in_loop
                && text(have, src)
                    .parse::<usize>()
                    .is_ok_and(|n| n >= producers.len())))
    {
        return Verdict::Skip;
    }
    let capacity = if unbuffered && all_single {
        covering
    } else {
        None
    };
    // Named producers cannot be guarded here: the buffer must cover them.
    if let Some(p) = producers.iter().find(|p| p.literal.is_none())
        && capacity.is_none()
    {
        let callee =
            p.go.named_child(0)
                .and_then(|c| c.child_by_field_name("function"));
        let shown = callee.map(|f| text(f, src)).unwrap_or("the producer");
        return Verdict::Unproven(
            format!(
                "`{shown}` is a named producer whose sends cannot be guarded here, and the channel cannot be buffered to cover every send"
            ),
            vec![
                ("chan", Value::Text(name)),
                ("why", Value::Text(why)),
                ("mode_note", Value::Text(String::new())),
            ],
        );
    }
    let sends: Vec<Site> = producers
        .iter()
        .flat_map(|p| p.sends.iter())
        .filter(|s| s.parent().is_none_or(|p| p.kind() != "communication_case"))
        .map(|s| Site::here(s.start_byte(), s.end_byte()))
        .collect();
    // Producers that already give up on a done or ctx channel need nothing.
    if sends.is_empty() && producers.iter().all(|p| p.literal.is_some()) {
        return Verdict::Skip;
    }

    // Where the context comes from.
    let ctxpkg = context_name(ctx.tree, src).unwrap_or_else(|| "context".to_string());
    let new_ctx = syntax::fresh_name("ctx", func, src, &Default::default());
    let mode = match ctx_param(func, &ctxpkg, src) {
        Some(p) => match existing_child(func, first_go, &ctxpkg, src) {
            Some(c) => CtxMode::Param {
                name: c,
                derived: true,
            },
            None => CtxMode::Param {
                name: p,
                derived: false,
            },
        },
        None => match existing_child(func, first_go, &ctxpkg, src) {
            Some(c) => CtxMode::Param {
                name: c,
                derived: true,
            },
            None => match call_sites(ctx, func, &new_ctx) {
                Ok(sites) => CtxMode::AddParam { sites },
                Err(why) => CtxMode::Background { why },
            },
        },
    };
    let ctx_name = match &mode {
        CtxMode::Param { name, .. } => name.clone(),
        _ => new_ctx.clone(),
    };

    // Producers that hand the work a background context get ours.
    let mut background_args: Vec<Site> = Vec::new();
    for p in &producers {
        let Some((lit, _)) = &p.literal else { continue };
        syntax::visit(
            *lit,
            &|n| n.kind() != "func_literal" || n.id() == lit.id(),
            &mut |n| {
                if n.kind() != "call_expression" {
                    return;
                }
                let first = n
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .filter(|a| a.kind() == "call_expression");
                if let Some(a) = first {
                    let t = text(a, src);
                    if t == format!("{ctxpkg}.Background()") || t == format!("{ctxpkg}.TODO()") {
                        background_args.push(Site::here(a.start_byte(), a.end_byte()));
                    }
                }
            },
        );
    }
    let uses_ctx = !sends.is_empty() || !background_args.is_empty();

    // The blocking return, rewritten as a select on the context; not in
    // background mode, where nothing would ever cancel it.
    let mut bindings: Vec<(&'static str, Value)> = Vec::new();
    if let Some(ret) = blocking.filter(|_| !matches!(mode, CtxMode::Background { .. })) {
        let results = result_types(func);
        let list = ret
            .named_child(0)
            .expect("a return with a receive has results");
        let mut c = list.walk();
        let exprs: Vec<Node> = list
            .named_children(&mut c)
            .filter(|n| n.kind() != "comment")
            .collect();
        let last_is_error = results.last().is_some_and(|t| text(*t, src) == "error");
        if exprs.len() != results.len() || !last_is_error {
            return Verdict::Unproven(
                format!(
                    "`{}` does not return an error last, so a cancelled wait cannot be reported",
                    syntax::decl_name(func, src).unwrap_or("the function")
                ),
                vec![
                    ("chan", Value::Text(name)),
                    ("why", Value::Text(why)),
                    ("mode_note", Value::Text(String::new())),
                ],
            );
        }
        let recv_name = syntax::fresh_name("r", func, src, &Default::default());
        let ok: Vec<String> = exprs
            .iter()
            .map(|e| {
                if syntax::contains(*e, recvs[0]) && e.kind() == "unary_expression" {
                    recv_name.clone()
                } else {
                    text(*e, src).to_string()
                }
            })
            .collect();
        if ok.iter().filter(|t| **t == recv_name).count() != 1 {
            return Verdict::Skip;
        }
        let last = results.len() - 1;
        let cancel: Vec<String> = results
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if i == last {
                    format!("{ctx_name}.Err()")
                } else {
                    zero_value(*t, ctx)
                }
            })
            .collect();
        bindings.push((
            "blocking_return",
            Value::Span(ret.start_byte(), ret.end_byte()),
        ));
        bindings.push(("recv", Value::Text(recv_name)));
        bindings.push((
            "return_ok",
            Value::Text(format!("return {}", ok.join(", "))),
        ));
        bindings.push((
            "return_cancel",
            Value::Text(format!("return {}", cancel.join(", "))),
        ));
    }
    if sends.is_empty() && capacity.is_none() && bindings.is_empty() {
        return Verdict::Skip;
    }

    let body_start = func
        .child_by_field_name("body")
        .and_then(|b| {
            let mut c = b.walk();
            let first = b.named_children(&mut c).find(|n| n.kind() != "comment");
            first.map(|f| {
                if f.kind() == "statement_list" {
                    let mut c2 = f.walk();
                    f.named_children(&mut c2)
                        .find(|n| n.kind() != "comment")
                        .unwrap_or(f)
                } else {
                    f
                }
            })
        })
        .map(|s| Value::Span(s.start_byte(), s.start_byte()));
    let (derive, mode_note) = match &mode {
        CtxMode::Param {
            name,
            derived: false,
        } => (format!("{ctxpkg}.WithCancel({name})"), String::new()),
        CtxMode::Param { derived: true, .. } => (String::new(), String::new()),
        CtxMode::AddParam { .. } => (
            format!("{ctxpkg}.WithCancel({new_ctx})"),
            format!(
                "; `{}` now takes a context, passed at every call site",
                syntax::decl_name(func, src).unwrap_or("")
            ),
        ),
        CtxMode::Background { why } => (
            format!("{ctxpkg}.WithCancel({ctxpkg}.Background())"),
            format!("; {why}, so its signature is kept: thread a ctx parameter into it by hand"),
        ),
    };
    if let CtxMode::AddParam { sites } = mode {
        let params = func
            .child_by_field_name("parameters")
            .expect("a declared function has parameters");
        let mut c = params.walk();
        let has_params = params.named_children(&mut c).any(|n| n.kind() != "comment");
        let at = params.start_byte() + 1;
        bindings.push((
            "add_param",
            Value::Sites(vec![Site {
                file: None,
                start: at,
                end: at,
                vars: vec![(
                    "sep",
                    if has_params {
                        ", ".into()
                    } else {
                        String::new()
                    },
                )],
            }]),
        ));
        bindings.push(("call_sites", Value::Sites(sites)));
    }
    let derives = uses_ctx && !derive.is_empty();
    // The file spells the context package: in the derived child or the new
    // parameter's type.
    let names_package = derives || bindings.iter().any(|(k, _)| *k == "add_param");
    if derives {
        bindings.push(("derive", Value::Text(derive)));
    }
    if names_package {
        bindings.push(("needs_import", Value::Text("true".into())));
    }
    if let Some(b) = body_start {
        bindings.push(("body_start", b));
    }
    bindings.extend([
        ("chan", Value::Text(name)),
        ("why", Value::Text(why)),
        ("mode_note", Value::Text(mode_note)),
        ("ctx", Value::Text(ctx_name)),
        ("ctxpkg", Value::Text(ctxpkg)),
        ("capacity", Value::Text(capacity.unwrap_or_default())),
        ("sends", Value::Sites(sends)),
        ("background_args", Value::Sites(background_args)),
    ]);
    Verdict::Holds(bindings)
}
