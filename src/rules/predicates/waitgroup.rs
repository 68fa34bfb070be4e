//! The WaitGroup analysis behind `waitgroup-goroutine`: a `go` statement
//! counted by `X.Add` on a sync.WaitGroup, and whether its goroutine calls
//! `X.Done()` on every path. It finds the goroutine's body (a literal, a
//! named function handed the WaitGroup, or a method using a field
//! WaitGroup), the name the WaitGroup has there, the exits that skip Done,
//! and an `X.Add(1)` written inside the goroutine instead of before it.

mod count;

use super::channel;
use super::scope::{LocalDecl, declaration, declares, local_decl};
use super::{Arg, Ctx, Site, Value, Verdict};
use crate::go::exits;
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use std::path::PathBuf;
use tree_sitter::Node;

/// The local name of the `sync` import, if the file has one.
fn sync_name(ctx: &Ctx) -> Option<String> {
    ctx.facts
        .imports(ctx.tree)
        .iter()
        .find(|(_, p)| p == "sync")
        .map(|(n, _)| n.clone())
}

/// `sync.WaitGroup` or `*sync.WaitGroup`, spelled with the file's name for
/// the package.
fn is_wg_type(ty: Node, sync: &str, src: &[u8]) -> bool {
    let t = text(ty, src).trim_start_matches('*').trim();
    t == format!("{sync}.WaitGroup")
}

/// `sync.WaitGroup{}`, `&sync.WaitGroup{}`, `new(sync.WaitGroup)`.
fn is_wg_value(v: Node, sync: &str, src: &[u8]) -> bool {
    let t: String = text(v, src).split_whitespace().collect();
    let wg = format!("{sync}.WaitGroup");
    t == format!("{wg}{{}}") || t == format!("&{wg}{{}}") || t == format!("new({wg})")
}

/// Whether the identifier `name`, used at `at`, is declared as a WaitGroup:
/// a parameter, a `var`, a `:=`, or a package-level `var`.
fn ident_is_wg(name: &str, at: Node, sync: &str, ctx: &Ctx) -> bool {
    let src = ctx.src;
    if let Some(d) = declaration(name, at, src) {
        return d.count == 1
            && (d.ty.is_some_and(|t| is_wg_type(t, sync, src))
                || d.value.is_some_and(|v| is_wg_value(v, sync, src)));
    }
    // A package-level `var wg sync.WaitGroup`.
    let mut global = false;
    syntax::visit(
        ctx.package.tree_for(name).root_node(),
        &|n| {
            matches!(
                n.kind_str(),
                "source_file" | "var_declaration" | "var_spec_list"
            )
        },
        &mut |n| {
            if n.kind_str() == "var_spec" {
                let mut c = n.walk();
                if n.children_by_field_name("name", &mut c)
                    .any(|m| text(m, src) == name)
                {
                    global |= n
                        .child_field("type")
                        .is_some_and(|t| is_wg_type(t, sync, src));
                }
            }
        },
    );
    global
}

/// Whether `x.f` names a WaitGroup field: `x`'s declared type is a struct
/// of this package with a field `f` of type (pointer to) sync.WaitGroup.
fn field_is_wg(operand: Node, field: &str, sync: &str, ctx: &Ctx) -> bool {
    let src = ctx.src;
    let LocalDecl::Typed(ty) = local_decl(text(operand, src), operand, src) else {
        return false;
    };
    // Only a file that spells `WaitGroup` can declare such a field: the
    // others are not parsed (nats-server's big package parsed 3 MB more).
    ctx.package
        .find_hinted((ctx.tree, ctx.src), "type_spec", &ty, Some("WaitGroup"))
        .iter()
        .any(|d| {
            let Some(st) = d
                .node
                .child_field("type")
                .filter(|t| t.kind_str() == "struct_type")
            else {
                return false;
            };
            let mut hit = false;
            syntax::visit(st, &|_| true, &mut |n| {
                if n.kind_str() == "field_declaration" {
                    let mut c = n.walk();
                    let named = n
                        .children_by_field_name("name", &mut c)
                        .any(|m| text(m, d.src) == field);
                    hit |= named
                        && n.child_field("type")
                            .is_some_and(|t| is_wg_type(t, sync, d.src));
                }
            });
            hit
        })
}

/// Whether `expr` (`wg` or `s.wg`) is a WaitGroup.
fn is_wg(expr: Node, sync: &str, ctx: &Ctx) -> bool {
    match expr.kind_str() {
        "identifier" => ident_is_wg(text(expr, ctx.src), expr, sync, ctx),
        "selector_expression" => {
            let (Some(op), Some(f)) = (expr.child_field("operand"), expr.child_field("field"))
            else {
                return false;
            };
            op.kind_str() == "identifier" && field_is_wg(op, text(f, ctx.src), sync, ctx)
        }
        _ => false,
    }
}

/// `X.Method(...)` as a statement: returns X.
fn method_call<'t>(stmt: Node<'t>, method: &str, src: &[u8]) -> Option<Node<'t>> {
    let call = match stmt.kind_str() {
        "expression_statement" => stmt.named_child(0)?,
        "call_expression" => stmt,
        _ => return None,
    };
    if call.kind_str() != "call_expression" {
        return None;
    }
    let f = call
        .child_field("function")
        .filter(|f| f.kind_str() == "selector_expression")?;
    (f.child_field("field")
        .is_some_and(|m| text(m, src) == method))
    .then(|| f.child_field("operand"))?
}

/// The literal count of an `X.Add(n)` statement; None when `n` is not a
/// decimal literal.
fn add_count(add: Node, src: &[u8]) -> Option<usize> {
    add.named_child(0)
        .and_then(|c| c.child_field("arguments"))
        .and_then(|a| {
            text(a, src)
                .trim_matches(|c| c == '(' || c == ')')
                .trim()
                .parse()
                .ok()
        })
}

/// The `X.Add(n)` statement that counts `go`: earlier in the same block.
/// An `Add(1)` counts only the next `go` statement after it.
fn counting_add<'t>(go: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    let mut passed_go = false;
    let mut sib = go.prev_named_sibling();
    while let Some(s) = sib {
        if method_call(s, "Add", src).is_some() {
            let one = add_count(s, src) == Some(1);
            return (!(one && passed_go)).then_some(s);
        }
        passed_go |= s.kind_str() == "go_statement";
        sib = s.prev_named_sibling();
    }
    None
}

/// Whether `add` (`X.Add(n)`, an earlier statement of `go`'s block, or
/// one before the loop whose body starts `go`) counts `go`'s goroutine
/// beyond doubt. Real code uses WaitGroups in ways where an extra `Done`
/// panics ("negative WaitGroup counter") or releases `Wait` early, so each
/// of these makes the goroutine not ours to fix:
/// - in one block, between the two, `X.Wait()` (the count was settled
///   before `go`), any other mention of X (handed on, captured by a closure
///   given to a call), a `go` in a loop (it takes an unknown share of the
///   count), or as many `go` statements as a literal `n` counts (a
///   non-literal `n` counts only the first);
/// - before a loop, a count the loop's passes do not match ([`count`]);
/// - anywhere else in the function, `X.Done()` outside this goroutine (a
///   sibling goroutine or the function itself releases the count: a start
///   gate or an ordering signal) or, unless the Add pays for exactly the
///   goroutines after it, `X.Wait()` inside another goroutine.
fn attributable(go: Node, add: Node, x: &str, src: &[u8]) -> bool {
    let same_block = add.parent().map(|p| p.id()) == go.parent().map(|p| p.id());
    let members = if same_block {
        if !nothing_between(go, add, x, src) {
            return false;
        }
        count::block_pays(add, x, src)
    } else if count::loop_pays(go, add, x, src) {
        Some(vec![go])
    } else {
        return false;
    };
    !released_elsewhere(go, x, src, members.as_deref())
}

/// Between `add` and `go` (in one block): no other mention of X, and fewer
/// `go` statements than a literal `n` counts (none for a non-literal `n`;
/// a `go` in a loop counts as many).
fn nothing_between(go: Node, add: Node, x: &str, src: &[u8]) -> bool {
    let n = add_count(add, src);
    let mut gos = 0usize;
    let mut clear = true;
    let mut stmt = add.next_named_sibling();
    while let Some(s) = stmt.filter(|s| s.id() != go.id()) {
        syntax::visit(s, &|_| true, &mut |node| {
            if node.kind_str() == "go_statement" {
                let in_loop = syntax::ancestors_until(node, s)
                    .iter()
                    .chain(std::iter::once(&s))
                    .any(|a| a.kind_str() == "for_statement");
                // Saturating: three `go` in loops overflowed (a panic in
                // debug builds, a wrapped count in release; found by
                // tests/proptest_engine.rs).
                gos = gos.saturating_add(if in_loop { usize::MAX / 2 } else { 1 });
            }
            if mentions_x(node, x, src) && !is_add_operand(node, src) {
                clear = false;
            }
        });
        stmt = s.next_named_sibling();
    }
    clear && gos < n.unwrap_or(1)
}

/// Whether something else in `go`'s function releases X's count: an
/// `X.Done()` outside `go`'s goroutine (a sibling goroutine or the function
/// itself: a start gate, an ordering signal), or an `X.Wait()` in another
/// goroutine (whose count the tool cannot tell). When the Add pays for
/// exactly the goroutines it is followed by (`members`, [`count`]), a
/// goroutine waiting on X is only a waiter, and a Done in one of those
/// goroutines, or in one an `X.Add(1)` right before pays for, is its own.
fn released_elsewhere(go: Node, x: &str, src: &[u8], members: Option<&[Node]>) -> bool {
    let Some(func) = syntax::enclosing_function(go) else {
        return true;
    };
    let own = |n: Node| own_goroutine(n, go, x, src, members);
    // The calls are found from where `Done` and `Wait` are written, not by
    // a walk of the whole function for each `go` statement in it.
    method_calls_in(func, &["Done", "Wait"], src)
        .into_iter()
        .any(|(call, op, ups)| {
            let method = call
                .child_field("function")
                .and_then(|f| f.child_field("field"))
                .map(|m| text(m, src));
            // A Wait counts only inside a func literal below `func` (`ups`
            // stops short of `func` itself).
            let in_literal = ups.iter().any(|a| syntax::is_function(*a));
            !ups.iter().any(|a| own(*a))
                && (method == Some("Done") || (members.is_none() && in_literal))
                && syntax::squeeze(text(op, src)) == x
        })
}

/// Whether `n` is `go` itself or, when the Add pays for exactly `members`,
/// one of them or a goroutine an `X.Add(1)` right before pays for: a Done
/// inside it is the goroutine's own.
fn own_goroutine(n: Node, go: Node, x: &str, src: &[u8], members: Option<&[Node]>) -> bool {
    n.id() == go.id()
        || members.is_some_and(|m| {
            n.kind_str() == "go_statement"
                && (m.iter().any(|g| g.id() == n.id()) || count::after_add_one(n, x, src))
        })
}

/// Every call `X.M(...)` under `func` with M one of `methods`, with X and
/// the call's ancestors strictly below `func` (innermost first).
fn method_calls_in<'t>(
    func: Node<'t>,
    methods: &[&str],
    src: &[u8],
) -> Vec<(Node<'t>, Node<'t>, Vec<Node<'t>>)> {
    let mut out = Vec::new();
    for m in methods {
        for (field, ups) in syntax::written(func, m, "field_identifier", src) {
            let [sel, call, ..] = ups.as_slice() else {
                continue;
            };
            let (sel, call) = (*sel, *call);
            if sel.kind_str() != "selector_expression"
                || sel.child_field("field").map(|f| f.id()) != Some(field.id())
                || call.kind_str() != "call_expression"
                || call.child_field("function").map(|f| f.id()) != Some(sel.id())
            {
                continue;
            }
            let Some(op) = sel.child_field("operand") else {
                continue;
            };
            out.push((call, op, ups[2..].to_vec()));
        }
    }
    out
}

fn mentions_x(node: Node, x: &str, src: &[u8]) -> bool {
    matches!(node.kind_str(), "identifier" | "selector_expression")
        && syntax::squeeze(text(node, src)) == x
}

/// Whether `node` is X in `X.Add(...)`.
fn is_add_operand(node: Node, src: &[u8]) -> bool {
    node.parent()
        .filter(|p| p.kind_str() == "selector_expression")
        .and_then(|p| p.child_field("field"))
        .is_some_and(|f| text(f, src) == "Add")
}

/// Where an `Add` moved out of `go`'s goroutine goes, and how the moved
/// statement must spell the WaitGroup there (`x` is its spelling inside the
/// goroutine's literal). It goes right before `go` (after `go`'s label, if
/// any: a `goto` to that label runs the Add and the `go` again together, as
/// before), or, when `go` is the first statement of another goroutine's
/// literal, before that goroutine's `go` (and so on outwards); else the
/// moved Add would be first in that goroutine, and the next run would move
/// it again (found by tests/proptest_engine.rs). Err says why the Add
/// cannot be written there.
fn add_target<'t>(go: Node<'t>, x: &str, src: &[u8]) -> (Node<'t>, Result<String, String>) {
    let mut cur = go;
    let mut expr = Ok(x.to_string());
    loop {
        if let (Ok(e), Some(lit)) = (&expr, syntax::go_literal(cur)) {
            expr = in_caller_terms(e, lit, cur, src);
        }
        // Outwards only when nothing jumps back to `cur` in between: a
        // goroutine started again by a `goto` needs its Add again.
        match syntax::enclosing_function(cur).filter(|f| f.kind_str() == "func_literal") {
            Some(lit)
                if first_stmt(lit).is_some_and(|s| s.id() == cur.id())
                    && syntax::gotos_spanning(cur, cur.start_byte(), src)
                        .iter()
                        .all(|g| !g.backward) =>
            {
                match syntax::enclosing_function(lit).and_then(|f| syntax::go_running(lit, f)) {
                    Some(outer) => cur = outer,
                    None => break,
                }
            }
            _ => break,
        }
    }
    (cur, expr)
}

/// `expr` (`wg` or `s.wg`), as the body of `lit` spells it, in the terms of
/// the code around `go`, which runs `lit`: a parameter becomes the argument
/// `go` passes (`&v` gives `v`, `&x.f` gives `x.f`, a pointer `p` stays
/// `p`); a captured name stays. Err: the name is a parameter that is no
/// pointer (the goroutine counts its own copy), handed an argument that is
/// not a plain variable or field (a call would run twice), or a name
/// declared inside the literal.
fn in_caller_terms(expr: &str, lit: Node, go: Node, src: &[u8]) -> Result<String, String> {
    let (root, rest) = expr
        .split_once('.')
        .map_or((expr, ""), |(r, _)| (r, &expr[r.len()..]));
    let params = syntax::parameter_names(lit, src);
    let Some(i) = params.iter().position(|(n, _)| n == root) else {
        if declares(lit, root, src) {
            return Err(format!(
                "`{root}` in `{expr}.Add(1)` is declared inside the goroutine, so the statement cannot move before the `go` statement"
            ));
        }
        // Captured: the same variable before the `go` statement.
        return Ok(expr.to_string());
    };
    let not_pointer = || {
        format!(
            "`{root}` is a parameter of the goroutine's function that is not a pointer: the goroutine counts its own copy"
        )
    };
    if params[i].1 {
        return Err(not_pointer());
    }
    let ty = param_type(lit, i).ok_or_else(not_pointer)?;
    if ty.kind_str() != "pointer_type" {
        return Err(not_pointer());
    }
    let arg = go
        .named_child(0)
        .and_then(|c| syntax::arguments(c).get(i).copied())
        .ok_or("the `go` statement passes no argument for the WaitGroup")?;
    let addressed = (arg.kind_str() == "unary_expression"
        && arg
            .child_field("operator")
            .is_some_and(|o| text(o, src) == "&"))
    .then(|| arg.child_field("operand"))
    .flatten();
    let value = addressed.unwrap_or(arg);
    if !plain_variable(value) {
        return Err(format!(
            "the goroutine's `{root}` is the argument `{}`, which is not a plain variable or field (`&v`, `&x.f`, `p`): `Add` cannot be written before the `go` statement without evaluating it again",
            text(arg, src)
        ));
    }
    Ok(format!("{}{rest}", syntax::squeeze(text(value, src))))
}

/// The declared type of parameter `i` of a function-like node.
fn param_type(func: Node, i: usize) -> Option<Node> {
    let params = func.child_field("parameters")?;
    let mut c = params.walk();
    let mut seen = 0;
    for decl in params.named_children(&mut c) {
        let mut c2 = decl.walk();
        let names = decl.children_by_field_name("name", &mut c2).count().max(1);
        if i < seen + names {
            return decl.child_field("type");
        }
        seen += names;
    }
    None
}

/// `v`, `x.f`, `x.f.g`: a variable or a chain of fields on one, which reads
/// the same when evaluated again right before.
fn plain_variable(n: Node) -> bool {
    match n.kind_str() {
        "identifier" => true,
        "selector_expression" => n.child_field("operand").is_some_and(plain_variable),
        _ => false,
    }
}

/// The first statement of a function's body.
fn first_stmt(f: Node<'_>) -> Option<Node<'_>> {
    let body = f.child_field("body")?;
    let mut c = body.walk();
    let first = body
        .named_children(&mut c)
        .find(|n| n.kind_str() != "comment")?;
    if first.kind_str() == "statement_list" {
        let mut c2 = first.walk();
        return first
            .named_children(&mut c2)
            .find(|n| n.kind_str() != "comment");
    }
    Some(first)
}

/// The methods named `method` declared on type `ty` in the package.
fn methods_of<'p>(ctx: &'p Ctx, ty: &str, method: &str) -> Vec<crate::go::package::FuncDecl<'p>> {
    ctx.package
        .find((ctx.tree, ctx.src), "method_declaration", method)
        .into_iter()
        .filter(|d| {
            let mut t = None;
            if let Some(r) = d.node.child_field("receiver") {
                syntax::visit(r, &|_| true, &mut |n| {
                    if n.kind_str() == "type_identifier" && t.is_none() {
                        t = Some(text(n, d.src).to_string());
                    }
                });
            }
            t.as_deref() == Some(ty)
        })
        .collect()
}

/// The goroutine's function body and the WaitGroup's name in it.
struct Body<'t> {
    func: Node<'t>,
    src: &'t [u8],
    path: Option<PathBuf>,
    name: String,
}

impl<'t> Body<'t> {
    /// The body of declaration `d`, handed the WaitGroup as parameter `i`.
    fn handed(d: &crate::go::package::FuncDecl<'t>, i: usize) -> Result<Body<'t>, String> {
        let params = syntax::parameter_names(d.node, d.src);
        let name = params
            .get(i)
            .map(|(n, _)| n.clone())
            .ok_or("no parameter")?;
        Ok(Body {
            func: d.node,
            src: d.src,
            path: d.path.clone(),
            name,
        })
    }
}

/// Finds what the `go` statement runs, and how X is called in there.
fn goroutine_body<'p>(ctx: &'p Ctx, go: Node<'p>, x: &str) -> Result<Body<'p>, String> {
    let src = ctx.src;
    let call = go.named_child(0).ok_or("no call")?;
    let f = call.child_field("function").ok_or("no callee")?;
    let arg_index = arg_position(call, x, src);
    match f.kind_str() {
        "func_literal" => literal_body(f, call, x, src),
        "identifier" => {
            let i = arg_index
                .ok_or_else(|| format!("`{}` is not handed the WaitGroup", text(f, src)))?;
            let decls = ctx
                .package
                .find((ctx.tree, ctx.src), "function_declaration", text(f, src));
            let [d] = decls.as_slice() else {
                return Err(format!(
                    "`{}` is not one function declared in this package",
                    text(f, src)
                ));
            };
            Body::handed(d, i)
        }
        // `go svc.call(wg, ...)`: a method handed the WaitGroup.
        "selector_expression" if arg_index.is_some() => {
            let d = the_method(ctx, f)?;
            Body::handed(&d, arg_index.expect("checked by the guard"))
        }
        "selector_expression" => receiver_body(ctx, f, x),
        _ => Err(format!("cannot see what `{}` runs", text(f, src))),
    }
}

/// The position among the `go` call's arguments of `name` or `&name`.
fn arg_position(call: Node, name: &str, src: &[u8]) -> Option<usize> {
    syntax::arguments(call).iter().position(|n| {
        let t = syntax::squeeze(text(*n, src));
        t == name || t == format!("&{name}")
    })
}

/// A literal's body: X is handed in as a parameter, or its owner is (`p`
/// for `p.wg`: then `q.wg` for a parameter `q`), or captured.
fn literal_body<'p>(f: Node<'p>, call: Node, x: &str, src: &'p [u8]) -> Result<Body<'p>, String> {
    let params = syntax::parameter_names(f, src);
    let param = |i: usize| params.get(i).map(|(n, _)| n.clone()).ok_or("no parameter");
    let owner = x
        .split_once('.')
        .and_then(|(owner, field)| arg_position(call, owner, src).map(|i| (i, field)));
    let root = x.split('.').next().unwrap_or(x);
    let name = match (arg_position(call, x, src), owner) {
        (Some(i), _) => param(i)?,
        (None, Some((i, field))) => format!("{}.{field}", param(i)?),
        // A parameter of the same name is another variable.
        (None, None) if params.iter().any(|(n, _)| n == root) => {
            return Err(format!("the goroutine's parameter `{root}` hides `{x}`"));
        }
        (None, None) => x.to_string(),
    };
    Ok(Body {
        func: f,
        src,
        path: None,
        name,
    })
}

/// The one declaration of the method `f` (`v.m`) calls, `v` being a local
/// variable of a spelled-out type.
fn the_method<'p>(ctx: &'p Ctx, f: Node) -> Result<crate::go::package::FuncDecl<'p>, String> {
    let src = ctx.src;
    let operand = f.child_field("operand").ok_or("no operand")?;
    let method = text(f.child_field("field").ok_or("no method")?, src);
    let LocalDecl::Typed(ty) = local_decl(text(operand, src), operand, src) else {
        return Err(format!(
            "the type of `{}` is not spelled out",
            text(operand, src)
        ));
    };
    let mut decls = methods_of(ctx, &ty, method);
    if decls.len() != 1 {
        return Err(format!(
            "method `{method}` of `{ty}` is not declared once in this package"
        ));
    }
    Ok(decls.remove(0))
}

/// `go s.loop()` with X = `s.wg`: the method's body, where X is its
/// receiver's field.
fn receiver_body<'p>(ctx: &'p Ctx, f: Node, x: &str) -> Result<Body<'p>, String> {
    let operand = f.child_field("operand").ok_or("no operand")?;
    f.child_field("field").ok_or("no method")?;
    let (recv_var, field) = x
        .split_once('.')
        .ok_or("the WaitGroup is not a field of the receiver")?;
    if text(operand, ctx.src) != recv_var {
        return Err("the goroutine's receiver is not the WaitGroup's owner".to_string());
    }
    let d = the_method(ctx, f)?;
    let recv_name = d
        .node
        .child_field("receiver")
        .and_then(|r| r.named_child(0))
        .and_then(|p| p.child_field("name"))
        .map(|n| text(n, d.src).to_string())
        .ok_or("the method's receiver has no name")?;
    Ok(Body {
        func: d.node,
        src: d.src,
        path: d.path.clone(),
        name: format!("{recv_name}.{field}"),
    })
}

/// True when a Done statement runs before `exit` on its path: an earlier
/// sibling of the exit or of one of its enclosing statements.
fn covered(exit: Node, func: Node, dones: &[Node]) -> bool {
    let mut cur = exit;
    while let Some(parent) = cur.parent() {
        if parent.id() == func.id() {
            return false;
        }
        let mut sib = cur.prev_named_sibling();
        while let Some(s) = sib {
            if dones.iter().any(|d| d.id() == s.id()) {
                return true;
            }
            sib = s.prev_named_sibling();
        }
        cur = parent;
    }
    false
}

pub fn waitgroup_goroutine(ctx: &Ctx, args: &[Arg]) -> Verdict {
    let mut blocked = None;
    match (analyse(ctx, args, &mut blocked), blocked) {
        // The Add inside the goroutine cannot be written before `go`.
        (Verdict::Holds(b), Some(why)) => Verdict::Unproven(why, b),
        (v, _) => v,
    }
}

/// The verdict of `waitgroup-goroutine`; `blocked` says why an `Add` inside
/// the goroutine cannot move before the `go` statement.
fn analyse(ctx: &Ctx, args: &[Arg], blocked: &mut Option<String>) -> Verdict {
    let go = args[0].node();
    let src = ctx.src;
    let Some(counted) = Counted::find(ctx, go) else {
        return Verdict::Skip;
    };
    // An Add inside the goroutine names the WaitGroup as its body does.
    let body = match counted.literal.filter(|_| counted.add_inside.is_some()) {
        Some(lit) => Body {
            func: lit,
            src,
            path: None,
            name: counted.x.clone(),
        },
        None => match goroutine_body(ctx, go, &counted.x) {
            Ok(b) => b,
            // Code the tool cannot see may well call Done: no finding.
            Err(_) => return Verdict::Skip,
        },
    };
    // Where that Add goes, spelled in the terms of the code there.
    let moved = counted.add_inside.map(|_| add_target(go, &counted.x, src));
    let fix = Fix {
        wg: match &moved {
            Some((_, Ok(outer))) => outer.clone(),
            _ => counted.x.clone(),
        },
        go_stmt: moved
            .as_ref()
            .map(|(t, _)| Value::Span(t.start_byte(), t.end_byte())),
        name: syntax::squeeze(&body.name),
        counted,
    };
    *blocked = moved.and_then(|(_, r)| r.err());
    let Some(fbody) = body.func.child_field("body") else {
        return Verdict::Skip;
    };
    let uses = Uses::of(&body, fbody, &fix.name);
    if uses.waits {
        return Verdict::Skip;
    }
    if uses.deferred || uses.other_use || uses.nested_done {
        // Done is handled (or out of sight).
        return fix.add_only();
    }
    let add_inside = fix.counted.add_inside;
    let first = first_stmt(body.func)
        .filter(|s| add_inside.is_none_or(|a| a.id() != s.id()))
        .or_else(|| {
            // The Add being moved out was the first statement: insert
            // before the one after it.
            add_inside.and_then(|a| a.next_named_sibling())
        });
    let why = match fix.why_done_missing(&body, fbody, &uses.dones, first) {
        Ok(why) => why,
        Err(verdict) => return verdict,
    };
    let Some(first) = first else {
        return Verdict::Skip;
    };
    // The fix also moves the Add: the message says so.
    let why = match add_inside {
        Some(_) => format!("{why}; and {}", fix.add_race()),
        None => why,
    };
    let mut bindings = fix.bindings();
    bindings.push(("why", Value::Text(why)));
    if fix.wants_go_form(ctx, args) {
        return fix.go_form(bindings, &uses.dones);
    }
    fix.defer_done(bindings, &body, first, &uses.dones)
}

/// The `X.Add` that counts a `go` statement's goroutine: before it in its
/// block, or (a race with `Wait`) the first statement of its literal.
struct Counted<'t> {
    go: Node<'t>,
    /// The function literal the goroutine runs, if it runs one.
    literal: Option<Node<'t>>,
    /// X as the Add spells it, spaces removed.
    x: String,
    add: Node<'t>,
    /// The Add, when it is inside the goroutine.
    add_inside: Option<Node<'t>>,
}

impl<'t> Counted<'t> {
    /// The Add counting `go`'s goroutine on a WaitGroup beyond doubt (see
    /// [`attributable`]); None when there is none.
    fn find(ctx: &Ctx, go: Node<'t>) -> Option<Counted<'t>> {
        let src = ctx.src;
        let sync = sync_name(ctx)?;
        let literal = syntax::go_literal(go);
        // `X.Add(1)` as the literal's first statement: a race with Wait.
        let add_inside = literal.and_then(first_stmt).filter(|s| {
            method_call(*s, "Add", src).is_some_and(|x| is_wg(x, &sync, ctx))
                && add_count(*s, src) == Some(1)
                // Not when another `Add` follows: moving this one would
                // leave that one first, and each run would move one more
                // (found by tests/proptest_engine.rs).
                && std::iter::successors(s.next_named_sibling(), |n| n.next_named_sibling())
                    .find(|n| n.kind_str() != "comment")
                    .is_none_or(|n| method_call(n, "Add", src).is_none())
        });
        let add = add_inside
            .or_else(|| counting_add(go, src))
            .or_else(|| count::loop_add(go, src))?;
        let x_node = method_call(add, "Add", src).expect("found as an Add");
        if !is_wg(x_node, &sync, ctx) {
            return None;
        }
        let x = syntax::squeeze(text(x_node, src));
        if add_inside.is_none() && !attributable(go, add, &x, src) {
            return None;
        }
        Some(Counted {
            go,
            literal,
            x,
            add,
            add_inside,
        })
    }
}

/// How the goroutine's body uses the WaitGroup (called `name` there).
#[derive(Default)]
struct Uses<'t> {
    /// A `defer` calls `name.Done()`.
    deferred: bool,
    /// The `name.Done()` statements of the body itself, not deferred.
    dones: Vec<Node<'t>>,
    /// Something may call Done out of sight: the WaitGroup handed on, a
    /// local function value called (a closure over it), another method of
    /// the owner of a field WaitGroup.
    other_use: bool,
    /// The goroutine waits on the group: it is its waiter, not a member.
    waits: bool,
    /// A nested literal calls Done, not deferred.
    nested_done: bool,
}

impl<'t> Uses<'t> {
    fn of(body: &Body<'t>, fbody: Node<'t>, name: &str) -> Uses<'t> {
        let bsrc = body.src;
        let mut uses = Uses::default();
        // Whether a called name is a local, per name and innermost
        // function: the answer depends on nothing else, and a goroutine in
        // a big function (a Ginkgo spec's literal) calls `Expect` dozens of
        // times, each lookup reading every place the function writes it.
        let mut local_fns: std::collections::HashMap<(String, Option<usize>), bool> =
            Default::default();
        let mut is_local = |f: Node<'t>| {
            let key = (
                text(f, bsrc).to_string(),
                syntax::enclosing_function(f).map(|e| e.id()),
            );
            *local_fns
                .entry(key)
                .or_insert_with(|| local_decl(text(f, bsrc), f, bsrc) != LocalDecl::NotLocal)
        };
        syntax::visit(fbody, &|_| true, &mut |n| {
            if n.kind_str() == "defer_statement"
                && syntax::squeeze(text(n, bsrc)).contains(&format!("{name}.Done()"))
            {
                uses.deferred = true;
            }
            if let Some(op) =
                method_call(n, "Done", bsrc).filter(|_| n.kind_str() == "expression_statement")
                && syntax::squeeze(text(op, bsrc)) == name
            {
                let in_defer = syntax::ancestors_until(n, fbody)
                    .iter()
                    .any(|a| a.kind_str() == "defer_statement");
                let in_literal =
                    syntax::enclosing_function(n).map(|f| f.id()) != Some(body.func.id());
                if in_literal && !in_defer {
                    uses.nested_done = true;
                } else if !in_defer {
                    uses.dones.push(n);
                }
            }
            uses.other_use |=
                calls_out_of_sight(n, name, bsrc, &mut is_local) || handed_on(n, name, bsrc);
            uses.waits |= method_call(n, "Wait", bsrc)
                .is_some_and(|op| syntax::squeeze(text(op, bsrc)) == name);
        });
        uses
    }
}

/// A call that may call Done out of sight: a local function value (a
/// closure over the WaitGroup), or another method of the owner of a field
/// WaitGroup `name`.
/// `is_local`: whether an identifier names a local.
fn calls_out_of_sight<'t>(
    n: Node<'t>,
    name: &str,
    src: &[u8],
    is_local: &mut dyn FnMut(Node<'t>) -> bool,
) -> bool {
    let Some(f) = n
        .child_field("function")
        .filter(|_| n.kind_str() == "call_expression")
    else {
        return false;
    };
    let local_fn = f.kind_str() == "identifier" && is_local(f);
    let owner_method = f.kind_str() == "selector_expression"
        && name.split_once('.').is_some_and(|(owner, _)| {
            f.child_field("operand")
                .is_some_and(|o| text(o, src) == owner)
        });
    local_fn || owner_method
}

/// The WaitGroup `name` handed on (`helper(wg)`, `&wg`): Done may happen
/// out of sight.
fn handed_on(n: Node, name: &str, src: &[u8]) -> bool {
    matches!(n.kind_str(), "identifier" | "selector_expression")
        && syntax::squeeze(text(n, src)) == name
        && n.parent()
            .is_some_and(|p| p.kind_str() == "argument_list" || p.kind_str() == "unary_expression")
}

/// What the fix writes: the counted Add, the WaitGroup as spelled where
/// the Add goes (`wg`) and in the goroutine (`name`), and, when the Add
/// moves out of the goroutine, the `go` statement it goes before.
struct Fix<'t> {
    counted: Counted<'t>,
    wg: String,
    go_stmt: Option<Value>,
    name: String,
}

impl<'t> Fix<'t> {
    fn add_race(&self) -> String {
        format!(
            "`{}.Add(1)` runs inside the goroutine, racing with `Wait`",
            self.counted.x
        )
    }

    /// Only a misplaced Add to fix, if there is one.
    fn add_only(&self) -> Verdict {
        match (self.counted.add_inside, &self.go_stmt) {
            (Some(a), Some(g)) => Verdict::Holds(vec![
                ("wg", Value::Text(self.wg.clone())),
                ("inner_wg", Value::Text(self.name.clone())),
                ("why", Value::Text(self.add_race())),
                ("add_inside", Value::Span(a.start_byte(), a.end_byte())),
                ("go_stmt", g.clone()),
            ]),
            _ => Verdict::Skip,
        }
    }

    /// The bindings every fix has: the WaitGroup's names and, when the Add
    /// moves, where from and where to.
    fn bindings(&self) -> Vec<(&'static str, Value)> {
        let mut bindings: Vec<(&'static str, Value)> = vec![
            ("wg", Value::Text(self.wg.clone())),
            ("inner_wg", Value::Text(self.name.clone())),
        ];
        if let (Some(a), Some(g)) = (self.counted.add_inside, &self.go_stmt) {
            bindings.push(("add_inside", Value::Span(a.start_byte(), a.end_byte())));
            bindings.push(("go_stmt", g.clone()));
        }
        bindings
    }

    /// Why Done can be missed: never called, or skipped by an exit of the
    /// goroutine ([`exits::function_exits`], [`Ends::Survived`]) that no
    /// earlier Done covers. Err: the verdict when a deferred Done is not
    /// the fix (only the Add, or a Done whose move would change timing).
    fn why_done_missing(
        &self,
        body: &Body<'t>,
        fbody: Node<'t>,
        dones: &[Node<'t>],
        first: Option<Node<'t>>,
    ) -> Result<String, Verdict> {
        let (name, bsrc) = (&self.name, body.src);
        if dones.is_empty() {
            return Ok(format!(
                "the goroutine never calls `{name}.Done()`, so `Wait` blocks forever"
            ));
        }
        let leaves = format!(
            "the goroutine can leave without calling `{name}.Done()` (an early return or panic), so `Wait` blocks forever"
        );
        let uncovered = exits::goroutine_exits(body.func, bsrc)
            .into_iter()
            .any(|e| !covered(e, fbody, dones));
        // In a loop, Done runs once only when the goroutine ends right
        // after; else the tool cannot tell how often it runs, nor claim a
        // leak (`if !once { wg.Done(); once = true }` in a loop is a start
        // gate).
        if dones.iter().any(|d| {
            syntax::in_loop_within(*d, body.func)
                && !channel::is_last_effective(*d, body.func, bsrc)
        }) {
            return Err(self.add_only());
        }
        let ends_done = first.and_then(|f| f.parent()).is_some_and(|l| {
            let mut c = l.walk();
            l.named_children(&mut c)
                .any(|s| dones.iter().any(|d| d.id() == s.id()))
        });
        // Nor when the body never reaches its end (`for { select {...} }`).
        let endless = first
            .and_then(|f| f.parent())
            .and_then(|l| {
                let mut c = l.walk();
                l.named_children(&mut c)
                    .filter(|n| n.kind_str() != "comment")
                    .last()
            })
            .is_some_and(|s| exits::never_completes(s, bsrc));
        if !uncovered && (ends_done || endless) {
            return Err(self.add_only());
        }
        // Moving Done to a defer delays it past any work that follows it.
        let Some(d) = dones
            .iter()
            .find(|d| !channel::is_last_effective(**d, body.func, bsrc))
        else {
            return Ok(leaves);
        };
        if !uncovered {
            return Err(self.add_only());
        }
        let (line, _) = syntax::line_col(bsrc, d.start_byte());
        let mut bindings = self.bindings();
        bindings.push(("why", Value::Text(leaves)));
        Err(Verdict::Unproven(
            format!(
                "`{name}.Done()` on line {line} is followed by more work that `Wait` would then wait for; a defer would change that"
            ),
            bindings,
        ))
    }

    /// `X.Add(1)` right before `go func() {...}()` on a go 1.25+ module,
    /// when asked: the fix can be `X.Go(func() {...})`, which counts and
    /// calls Done itself.
    fn wants_go_form(&self, ctx: &Ctx, args: &[Arg]) -> bool {
        let (go, add, src) = (self.counted.go, self.counted.add, ctx.src);
        let wants_go = !args[1].lit().is_empty();
        let modern = ctx
            .package
            .module()
            .go_version
            .is_some_and(|v| v >= (1, 25));
        let no_args = go
            .named_child(0)
            .and_then(|c| c.child_field("arguments"))
            .is_some_and(|a| a.named_child_count() == 0);
        let no_params = self
            .counted
            .literal
            .is_some_and(|l| syntax::parameter_names(l, src).is_empty());
        let add_right_before = go.prev_named_sibling().is_some_and(|p| p.id() == add.id())
            && add_count(add, src) == Some(1);
        self.counted.literal.is_some()
            && wants_go
            && modern
            && no_args
            && no_params
            && add_right_before
            && self.counted.add_inside.is_none()
    }

    /// The `X.Go(func() {...})` fix: the `go` keyword and call tail, the
    /// Add, and the Done calls it replaces.
    fn go_form(&self, mut bindings: Vec<(&'static str, Value)>, dones: &[Node]) -> Verdict {
        let (go, add) = (self.counted.go, self.counted.add);
        let lit = self.counted.literal.expect("checked by wants_go_form");
        bindings.push(("go_form", Value::Text("true".into())));
        bindings.push(("go_kw", Value::Span(go.start_byte(), lit.start_byte())));
        bindings.push(("call_tail", Value::Span(lit.end_byte(), go.end_byte())));
        bindings.push(("add_stmt", Value::Span(add.start_byte(), add.end_byte())));
        bindings.push(("done_calls", done_sites(dones, None)));
        Verdict::Holds(bindings)
    }

    /// The `defer X.Done()` fix: the defer goes before the body's `first`
    /// statement, and the Done calls it replaces go.
    fn defer_done(
        &self,
        mut bindings: Vec<(&'static str, Value)>,
        body: &Body,
        first: Node,
        dones: &[Node],
    ) -> Verdict {
        bindings.push(("add_defer", Value::Text("true".into())));
        bindings.push((
            "body_start",
            Value::Sites(vec![Site {
                file: body.path.clone(),
                start: first.start_byte(),
                end: first.start_byte(),
                vars: vec![],
            }]),
        ));
        bindings.push(("done_calls", done_sites(dones, body.path.as_ref())));
        Verdict::Holds(bindings)
    }
}

/// The Done calls as sites of the goroutine body's file.
fn done_sites(dones: &[Node], file: Option<&PathBuf>) -> Value {
    Value::Sites(
        dones
            .iter()
            .map(|d| Site {
                file: file.cloned(),
                start: d.start_byte(),
                end: d.end_byte(),
                vars: vec![],
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `released_elsewhere` as it was: a walk of the whole function,
    /// skipping the goroutines that are `go`'s own.
    fn released_by_walk(go: Node, x: &str, src: &[u8], members: Option<&[Node]>) -> bool {
        let Some(func) = syntax::enclosing_function(go) else {
            return true;
        };
        let own = |n: Node| own_goroutine(n, go, x, src, members);
        let mut released = false;
        syntax::visit(func, &|n| !own(n), &mut |node| {
            let Some(op) = method_call(node, "Done", src).or_else(|| {
                method_call(node, "Wait", src).filter(|_| {
                    members.is_none()
                        && syntax::enclosing_function(node).is_some_and(|f| f.id() != func.id())
                })
            }) else {
                return;
            };
            released |= node.kind_str() == "call_expression" && syntax::squeeze(text(op, src)) == x;
        });
        released
    }

    /// For every `go` statement of three of Go's files that use
    /// WaitGroups, every operand of a `Done` or `Wait` in its function and
    /// a name none has, with and without members: the calls found where
    /// `Done` and `Wait` are written answer as the walk did.
    #[test]
    fn released_elsewhere_is_the_walks() {
        let mut asked = 0;
        let mut released = 0;
        for f in [
            "database/sql/sql_test.go",
            "runtime/pprof/pprof_test.go",
            "sync/waitgroup_test.go",
        ] {
            let src = crate::go::goroot_file(f, 1.0);
            let tree = syntax::parse(&src);
            let mut gos = Vec::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if n.kind_str() == "go_statement" {
                    gos.push(n);
                }
            });
            for go in gos {
                let func = syntax::enclosing_function(go).unwrap();
                let mut names: Vec<String> = method_calls_in(func, &["Done", "Wait"], &src)
                    .into_iter()
                    .map(|(_, op, _)| syntax::squeeze(text(op, &src)))
                    .collect();
                names.push("nosuchwg".into());
                for x in &names {
                    for members in [None, Some(&[go][..])] {
                        let want = released_by_walk(go, x, &src, members);
                        assert_eq!(
                            released_elsewhere(go, x, &src, members),
                            want,
                            "{f}: go at {} for {x}, members {}",
                            go.start_byte(),
                            members.is_some()
                        );
                        asked += 1;
                        released += want as usize;
                    }
                }
            }
        }
        assert!(asked > 200 && released > 20, "{asked} {released}");
    }
}
