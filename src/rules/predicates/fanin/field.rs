//! `field-channel`: the fan-in leak when the channel is a struct field. The
//! channel is made in a constructor's composite literal (`&w{result:
//! make(chan E)}`) or assigned once (`w.result = make(chan E)`), sent on by
//! methods (`w.result <- ev`), and received by a method whose select can
//! give up (`case <-w.ctx.Done(): return`, `case <-w.stop: return`). Once
//! it has, every later send blocks forever.
//!
//! The fix guards each send with a channel of the same struct value that is
//! ready once the receiver has given up and stays ready: its context's
//! `Done()`, or a channel that is only ever closed (never sent on: a
//! receive in the guard would steal a signal meant for someone else), and
//! that the sender's own path does not close or cancel first. The guard
//! must cover every way the receiver stops. Anything less is reported
//! without a fix, and says why. The package-wide uses of the field come
//! from `go::fields` (computed once per package).

use super::guard::{result_types, zero_value};
use crate::go::exits::{self, Ends};
use crate::go::fields::{Field, FieldUse, FieldUseKind, FieldUses, node_at};
use crate::go::package::PkgFile;
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use crate::rules::predicates::{Arg, Ctx, Site, Value, Verdict};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use tree_sitter::Node;

/// The package's files and what this check asked about their fields
/// (the uses themselves are computed once per package: go/package.rs).
struct Pkg<'t> {
    index: &'t crate::go::package::PackageIndex<'t>,
    files: Vec<&'t PkgFile>,
    structs: RefCell<HashMap<String, Option<Vec<Field>>>>,
}

impl<'t> Pkg<'t> {
    fn new(ctx: &Ctx<'t>) -> Pkg<'t> {
        Pkg {
            index: ctx.package,
            files: ctx.package.package_files(),
            structs: RefCell::default(),
        }
    }

    /// The fields of the package's struct type `ty`.
    fn fields_of(&self, ty: &str) -> Option<Vec<Field>> {
        let mut structs = self.structs.borrow_mut();
        structs
            .entry(ty.to_string())
            .or_insert_with(|| self.index.struct_fields(ty))
            .clone()
    }

    /// The field `name` of the package's struct type `ty`.
    fn field(&self, ty: &str, name: &str) -> Option<Field> {
        self.fields_of(ty)?.into_iter().find(|f| f.name == name)
    }

    fn uses_of(&self, name: &str) -> Arc<FieldUses> {
        self.index.field_uses(name)
    }

    /// The path of file number `i`.
    fn path(&self, i: usize) -> Option<&'t std::path::Path> {
        self.files.get(i).map(|f| f.path.as_path())
    }

    /// The node of a use of `name` (`X.f`, or a literal's keyed element)
    /// and its file.
    fn node(&self, u: &FieldUse) -> Option<(Node<'t>, &'t PkgFile)> {
        let f = *self.files.get(u.file)?;
        let kind = match u.operand.is_empty() {
            true => "keyed_element",
            false => "selector_expression",
        };
        node_at(self.index.tree_holding(f, u.start), u.start, u.end, kind).map(|n| (n, f))
    }
}

/// Who a use of the field name belongs to.
#[derive(PartialEq)]
enum Owner {
    /// The struct type in question (through a method's receiver, or a
    /// literal of that type).
    This,
    /// Another struct type declaring a field of that name.
    Other,
    /// An operand nothing ties to a type.
    Unknown,
}

fn owner(u: &FieldUse, ty: &str, pkg: &Pkg, field: &str) -> Owner {
    let Some(t) = u.tied_type() else {
        return Owner::Unknown;
    };
    let base = t.trim_start_matches('*');
    let base = base.split('[').next().unwrap_or(base);
    if base == ty {
        Owner::This
    } else if pkg.field(base, field).is_some() {
        Owner::Other
    } else {
        Owner::Unknown
    }
}

/// The struct type whose field the matched `make` fills: a composite
/// literal's type, or the receiver's type in `recv.f = make(...)`.
fn struct_of(field: Node, src: &[u8]) -> Option<String> {
    let parent = field.parent()?;
    if parent.kind_str() == "selector_expression" {
        let operand = text(parent.child_field("operand")?, src);
        let mut func = syntax::enclosing_function(parent);
        while let Some(f) = func {
            if f.kind_str() == "method_declaration" {
                let (name, ty) = crate::go::fields::receiver(f, src)?;
                return (name == operand).then_some(ty);
            }
            func = f.parent().and_then(syntax::enclosing_function);
        }
        return None;
    }
    let literal = parent.parent()?.parent()?.parent()?;
    let ty = literal.child_field("type")?;
    super::super::scope::base_type(ty, src)
}

/// The field's sends (unguarded) and receives, all through receivers of
/// the struct's methods; None when a use cannot be tied to it (the value
/// escapes, is reassigned, or is used on an operand of unknown type).
struct Uses<'t> {
    sends: Vec<(Node<'t>, &'t PkgFile)>,
    recvs: Vec<(Node<'t>, &'t PkgFile)>,
}

fn field_uses<'t>(pkg: &Pkg<'t>, ty: &str, f: &str, make: Node, ctx: &Ctx) -> Option<Uses<'t>> {
    let mut uses = Uses {
        sends: vec![],
        recvs: vec![],
    };
    let mut made = 0;
    // The package's uses of the name are scanned only until one rules the
    // field out (on a common name such as `done`, one of the first): the
    // loop below would answer None for it whatever the other uses are.
    let rules_out = |u: &FieldUse| match (&u.kind, owner(u, ty, pkg, f)) {
        (FieldUseKind::Called(_) | FieldUseKind::Made { .. }, _) | (_, Owner::Other) => false,
        (_, Owner::Unknown) => true,
        (
            FieldUseKind::Send { .. }
            | FieldUseKind::Recv {
                case_of_select: true,
            }
            | FieldUseKind::Close,
            Owner::This,
        ) => false,
        (_, Owner::This) => true,
    };
    let question = format!("a channel field of {ty}");
    for u in &pkg.index.field_uses_unless(f, &question, &rules_out)?.uses {
        let who = owner(u, ty, pkg, f);
        // Only the uses kept or compared below need their node: looking
        // each one up would parse every declaration that names the field.
        let ours = match (&u.kind, &who) {
            (FieldUseKind::Made { .. }, Owner::This | Owner::Unknown) => {
                let (node, file) = pkg.node(u)?;
                ctx.package.is_current(&file.path)
                    && file.src.as_slice() == ctx.src
                    && (syntax::contains(node, make)
                        || node
                            .parent()
                            .and_then(|l| l.parent())
                            .is_some_and(|a| syntax::contains(a, make)))
            }
            _ => false,
        };
        match (&u.kind, who) {
            (FieldUseKind::Called(_), _) | (_, Owner::Other) => {}
            (FieldUseKind::Made { .. }, _) if ours => made += 1,
            (_, Owner::Unknown) => return None,
            (FieldUseKind::Send { guarded: true }, _) => {}
            (FieldUseKind::Send { guarded: false }, _) => uses.sends.push(pkg.node(u)?),
            (
                FieldUseKind::Recv {
                    case_of_select: true,
                },
                _,
            ) => uses.recvs.push(pkg.node(u)?),
            (FieldUseKind::Close, _) => {}
            _ => return None,
        }
    }
    (made == 1).then_some(uses)
}

/// A way to give up a receiver watches, usable as a guard.
#[derive(Clone, PartialEq)]
enum Guard {
    /// `<-R.c.Done()`: the struct's context field `c`.
    Ctx(String),
    /// `<-R.d`: a channel field the receiver watches.
    Watched(String),
    /// `close(R.d)` on the receiver's way out.
    Closed(String),
}

impl Guard {
    fn field(&self) -> &str {
        match self {
            Guard::Ctx(f) | Guard::Watched(f) | Guard::Closed(f) => f,
        }
    }

    /// The guard's receive, on the sender's value `x`.
    fn expr(&self, x: &str) -> String {
        match self {
            Guard::Ctx(c) => format!("{x}.{c}.Done()"),
            Guard::Watched(d) | Guard::Closed(d) => format!("{x}.{d}"),
        }
    }
}

/// One receive of the field: the select around it and the function.
#[derive(Clone)]
struct Receive<'t> {
    select: Node<'t>,
    case: Node<'t>,
    func: Node<'t>,
    recv: String,
    src: &'t [u8],
    path: &'t std::path::Path,
}

fn receive<'t>(sel: Node<'t>, file: &'t PkgFile) -> Option<Receive<'t>> {
    let src = file.src.as_slice();
    let stmt = sel.parent()?.parent()?;
    let case = stmt
        .parent()
        .filter(|c| c.kind_str() == "communication_case")?;
    let select = case.parent()?;
    let func = syntax::enclosing_function(select)?;
    let method = Some(func).filter(|f| f.kind_str() == "method_declaration")?;
    let (recv, _) = crate::go::fields::receiver(method, src)?;
    Some(Receive {
        select,
        case,
        func,
        recv,
        src,
        path: &file.path,
    })
}

/// The places where `r` stops receiving: the statements that leave the
/// outermost loop around its select (leaving an inner loop comes back to
/// it), but for its own case's (or, with no loop, the
/// select's other cases).
/// None: it never gives up.
fn give_ups<'t>(r: &Receive<'t>) -> Option<Vec<Node<'t>>> {
    let others: Vec<Node> = syntax::select_cases(r.select)
        .into_iter()
        .filter(|c| c.id() != r.case.id())
        .collect();
    // Leaving through the receive's own case comes after a value was
    // taken: a method that returns one value per call, not a give-up.
    let outermost = syntax::ancestors_until(r.select, r.func)
        .into_iter()
        .rfind(|n| n.kind_str() == "for_statement");
    let out = match outermost {
        Some(lp) => exits::leaving(lp, lp, r.src, Ends::Everything)
            .into_iter()
            .filter(|s| !syntax::contains(r.case, *s))
            .collect(),
        None => others,
    };
    (!out.is_empty()).then_some(out)
}

/// The guards `r`'s function offers: the struct's context and channels it
/// watches beside the receive, and channels it closes.
fn candidates(r: &Receive, stops: &[Node], ty: &str, pkg: &Pkg) -> (Vec<Guard>, Vec<String>) {
    let (mut out, mut foreign) = (Vec::new(), Vec::new());
    let prefix = format!("{}.", r.recv);
    for c in syntax::select_cases(r.select) {
        let Some(comm) = c.child_field("communication") else {
            continue;
        };
        let gives_up = stops
            .iter()
            .any(|s| s.id() == c.id() || syntax::contains(c, *s));
        if c.id() == r.case.id() || comm.kind_str() != "receive_statement" || !gives_up {
            continue;
        }
        let Some(right) = comm.child_field("right") else {
            continue;
        };
        let what = syntax::squeeze(text(right, r.src));
        let what = what.trim_start_matches("<-");
        let field = what.strip_prefix(&prefix).unwrap_or("");
        match pkg.field(ty, field.trim_end_matches(".Done()")) {
            Some(f) if field.ends_with(".Done()") && f.ty.ends_with("Context") => {
                out.push(Guard::Ctx(f.name.clone()))
            }
            Some(f) if f.is_chan => out.push(Guard::Watched(f.name.clone())),
            _ => foreign.push(what.to_string()),
        }
    }
    // Only a `close` call asks for its parent: tree-sitter finds a parent
    // by a descent from the root, and this visits every node of a big
    // receiving function once per receive.
    let on_way_out = |n: Node| {
        n.parent().is_some_and(|stmt| {
            stmt.kind_str() == "defer_statement"
                || stops
                    .iter()
                    .any(|s| s.parent() == stmt.parent() && s.start_byte() > stmt.end_byte())
        })
    };
    syntax::visit(r.func, &|n| n.kind_str() != "func_literal", &mut |n| {
        if let Some(d) = closed_field(n, &prefix, r.src)
            && on_way_out(n)
            && pkg.field(ty, &d).is_some_and(|f| f.is_chan)
        {
            out.push(Guard::Closed(d));
        }
    });
    (out, foreign)
}

/// `d` when `n` is `close(R.d)` with `prefix` = `R.`.
fn closed_field(n: Node, prefix: &str, src: &[u8]) -> Option<String> {
    if n.kind_str() != "call_expression"
        || n.child_field("function").map(|f| text(f, src)) != Some("close")
    {
        return None;
    }
    let arg = n.child_field("arguments")?.named_child(0)?;
    text(arg, src).strip_prefix(prefix).map(str::to_string)
}

/// Why `g` cannot guard: it is sent on, never closed, or closed where the
/// receiver may still receive. None: it is ready only once the receiver
/// has given up, and stays so.
fn unsafe_guard(g: &Guard, pkg: &Pkg, ty: &str, recvs: &[Receive]) -> Option<String> {
    let name = g.field();
    let uses = pkg.uses_of(name);
    let mine = uses
        .uses
        .iter()
        .filter(|u| owner(u, ty, pkg, name) != Owner::Other);
    let mut closes = 0;
    for u in mine {
        match &u.kind {
            FieldUseKind::Send { .. } => {
                return Some(format!(
                    "`{}.{name}` is sent on: a guard receiving from it would take a value meant for its receiver",
                    u.operand
                ));
            }
            FieldUseKind::Close => {
                closes += 1;
                let inside = recvs.iter().any(|r| {
                    r.func.start_byte() <= u.start
                        && u.end <= r.func.end_byte()
                        && pkg.path(u.file) == Some(r.path)
                });
                if matches!(g, Guard::Closed(_)) && !inside {
                    return Some(format!(
                        "`{name}` is also closed outside the receiving method"
                    ));
                }
            }
            FieldUseKind::Other | FieldUseKind::Range | FieldUseKind::Recv { .. }
                if !matches!(g, Guard::Ctx(_)) =>
            {
                if matches!(u.kind, FieldUseKind::Other) {
                    return Some(format!(
                        "`{name}` is handed on, so its other uses are unknown"
                    ));
                }
            }
            _ => {}
        }
    }
    (closes == 0 && !matches!(g, Guard::Ctx(_)))
        .then(|| format!("`{name}` is never closed, so a guard on it would never fire"))
}

/// Whether `g` is ready at every place `r` gives up.
fn covers(g: &Guard, r: &Receive, stops: &[Node]) -> bool {
    let want = g.expr(&r.recv);
    let prefix = format!("{}.", r.recv);
    let closes_d = |n: Node| closed_field(n, &prefix, r.src).as_deref() == Some(g.field());
    if let Guard::Closed(_) = g {
        let body = r.func.child_field("body");
        let deferred = body.is_some_and(|b| {
            let mut c = b.walk();
            b.named_children(&mut c).any(|s| {
                s.kind_str() == "defer_statement" && s.named_child(0).is_some_and(closes_d)
            })
        });
        if deferred {
            return true;
        }
    }
    stops.iter().all(|s| {
        let case = std::iter::successors(Some(*s), |n| n.parent())
            .take_while(|n| n.id() != r.func.id())
            .find(|n| n.kind_str() == "communication_case");
        match g {
            Guard::Closed(_) => {
                std::iter::successors(s.prev_named_sibling(), |p| p.prev_named_sibling())
                    .any(|p| p.named_child(0).is_some_and(closes_d))
            }
            _ => case
                .and_then(|c| c.child_field("communication"))
                .and_then(|m| m.child_field("right"))
                .is_some_and(|m| syntax::squeeze(text(m, r.src)).trim_start_matches("<-") == want),
        }
    })
}

/// Why the sender's own method makes `g` ready on its normal path: it
/// cancels the context or closes the channel itself.
fn fires_on_sender(g: &Guard, send: Node, src: &[u8], ty: &str, pkg: &Pkg) -> Option<String> {
    let method = std::iter::successors(Some(send), |n| n.parent())
        .find(|n| n.kind_str() == "method_declaration")?;
    let (x, _) = crate::go::fields::receiver(method, src)?;
    let prefix = format!("{x}.");
    let mut why = None;
    syntax::visit(method, &|_| true, &mut |n| {
        if why.is_some() || n.kind_str() != "call_expression" || !may_run_before(n, send, method) {
            return;
        }
        let callee = n.child_field("function").map_or("", |f| text(f, src));
        let hit = match g {
            Guard::Ctx(_) => callee.strip_prefix(&prefix).is_some_and(|f| {
                pkg.field(ty, f)
                    .is_some_and(|f| f.ty.starts_with("func") || f.ty.ends_with("CancelFunc"))
            }),
            _ => closed_field(n, &prefix, src).as_deref() == Some(g.field()),
        };
        if hit {
            why = Some(format!(
                "`{}` runs before the send in the sender's own method: a guard on `{}` would be ready then and could drop the value with a receiver waiting",
                text(n, src),
                g.expr(&x)
            ));
        }
    });
    why
}

/// Whether `n` can run before `send` in `method`: it comes first, or a
/// loop holds both.
fn may_run_before(n: Node, send: Node, method: Node) -> bool {
    n.start_byte() < send.start_byte()
        || syntax::ancestors_until(send, method)
            .iter()
            .any(|a| a.kind_str() == "for_statement" && syntax::contains(*a, n))
}

/// What a guarded send does when the guard fires: nothing (the send ends
/// its function), or return. Err: statements after it would still run.
fn after_guard(send: Node, func: Node, src: &[u8]) -> Result<bool, String> {
    let mut cur = send;
    let mut needs_return = false;
    while let Some(parent) = cur.parent() {
        if parent.id() == func.id() {
            break;
        }
        if parent.kind_str() == "for_statement" {
            needs_return = true;
        }
        if matches!(parent.kind_str(), "statement_list" | "block") {
            let rest = std::iter::successors(cur.next_named_sibling(), |s| s.next_named_sibling())
                .filter(|s| !matches!(s.kind_str(), "comment" | "empty_statement"));
            for s in rest {
                if s.kind_str() == "return_statement" {
                    return Ok(true);
                }
                if s.kind_str() == "continue_statement" && needs_return {
                    continue;
                }
                // The statement as written, its first line only: a
                // squeezed block (`ifwait{f.wg.Wait()}`) reads as noise.
                let t = text(s, src);
                let first = t.lines().next().unwrap_or(t).trim_end();
                let more = if t.contains('\n') { " ..." } else { "" };
                return Err(format!(
                    "`{first}{more}` after the send would be skipped or would run after the receiver has gone"
                ));
            }
        }
        cur = parent;
    }
    Ok(needs_return)
}

/// The statement a guard ends with in the sender's function `func`.
fn stop_text<'t>(
    g: &Guard,
    x: &str,
    func: Node,
    ctx: &Ctx<'t>,
    file: &'t PkgFile,
) -> Result<String, String> {
    let results = result_types(func);
    let other;
    let c = if ctx.package.is_current(&file.path) {
        ctx
    } else {
        other = Ctx {
            src: file.src.as_slice(),
            tree: file.tree(),
            package: ctx.package,
            facts: ctx.facts,
            decided: None,
        };
        &other
    };
    let mut zeros: Vec<String> = results.iter().map(|t| zero_value(*t, c)).collect();
    let errs = results.last().map(|t| text(*t, c.src)) == Some("error");
    match (g, errs) {
        (_, false) => {}
        (Guard::Ctx(f), true) => *zeros.last_mut().expect("a result") = format!("{x}.{f}.Err()"),
        (_, true) => {
            return Err(format!(
                "the sender returns an error, and `{}` carries none to return",
                g.expr(x)
            ));
        }
    }
    Ok(match zeros.is_empty() {
        true => "return".to_string(),
        false => format!("return {}", zeros.join(", ")),
    })
}

pub fn field_channel<'t>(ctx: &Ctx<'t>, args: &[Arg<'_, 't>]) -> Verdict {
    let (make, field) = (args[0].node(), args[1].node());
    let f = text(field, ctx.src);
    // An exported field can be sent on and received in other packages.
    if f.starts_with(|c: char| c.is_uppercase()) {
        return Verdict::Skip;
    }
    let Some(ty) = struct_of(field, ctx.src) else {
        return Verdict::Skip;
    };
    // Most channel fields are never sent on (done, stop): a text scan
    // spares those the package's facts.
    if !ctx.package.mentions_field_send(f) {
        return Verdict::Skip;
    }
    let pkg = Pkg::new(ctx);
    if !pkg.field(&ty, f).is_some_and(|d| d.is_chan) {
        return Verdict::Skip;
    }
    let capacity = syntax::arguments(make).get(1).map(|c| text(*c, ctx.src));
    let unknown_cap = match capacity {
        None | Some("0") => false,
        Some(c) if c.bytes().all(|b| b.is_ascii_digit() || b == b'_') => return Verdict::Skip,
        Some(_) => true,
    };
    let Some(uses) = field_uses(&pkg, &ty, f, make, ctx) else {
        return Verdict::Skip;
    };
    let Some(&(first, first_file)) = uses.sends.first() else {
        return Verdict::Skip;
    };
    let chan = text(first, &first_file.src).to_string();
    let mut bound = vec![
        ("chan", Value::Text(chan.clone())),
        ("mode_note", Value::Text(String::new())),
    ];
    if uses.recvs.is_empty() {
        let why = "nothing in the package receives from it".to_string();
        bound.push(("why", Value::Text(why)));
        let mut no_fix = format!(
            "nothing in the package receives from `{chan}`: the missing receiver is the bug, and no guard can stand for it"
        );
        if let Some(also) = sender_cancels(&pkg, &ty, &uses) {
            no_fix = format!("{no_fix}; {also}");
        }
        return Verdict::Unproven(no_fix, bound);
    }
    if unknown_cap {
        return Verdict::Skip;
    }
    let mut recvs = Vec::new();
    for &(node, file) in &uses.recvs {
        let Some(r) = receive(node, file) else {
            return Verdict::Skip;
        };
        let Some(stops) = give_ups(&r) else {
            return Verdict::Skip;
        };
        recvs.push((r, stops));
    }
    guarded_fix(ctx, &pkg, &ty, &uses, &recvs, bound)
}

/// The verdict once the receivers are known to give up: the first guard
/// that is safe, covers every receiver, and does not fire on a sender's
/// own path, with each send's site; else no fix, with why.
fn guarded_fix<'t>(
    ctx: &Ctx<'t>,
    pkg: &Pkg<'t>,
    ty: &str,
    uses: &Uses<'t>,
    recvs: &[(Receive<'t>, Vec<Node<'t>>)],
    mut bound: Vec<(&'static str, Value)>,
) -> Verdict {
    let r0 = &recvs[0].0;
    let method = syntax::decl_name(r0.func, r0.src).unwrap_or("the receiver");
    let mut all = Vec::new();
    let mut foreign = Vec::new();
    for (r, stops) in recvs {
        let (c, f) = candidates(r, stops, ty, pkg);
        all.extend(c);
        foreign.extend(f);
    }
    let gives_up = match foreign.first() {
        Some(w) => format!("`{method}` can stop receiving from it (on `<-{w}`)"),
        None => format!("`{method}` can stop receiving from it"),
    };
    bound.push(("why", Value::Text(gives_up)));
    let receivers: Vec<Receive> = recvs.iter().map(|(r, _)| r.clone()).collect();
    let mut reasons = Vec::new();
    let mut order = all.clone();
    order.sort_by_key(|g| match g {
        Guard::Closed(_) => 0,
        Guard::Ctx(_) => 1,
        Guard::Watched(_) => 2,
    });
    order.dedup();
    for g in &order {
        if let Some(why) = unsafe_guard(g, pkg, ty, &receivers) {
            reasons.push(why);
            continue;
        }
        if !recvs.iter().all(|(r, stops)| covers(g, r, stops)) {
            reasons.push(format!(
                "`{}` is not ready on every way `{method}` stops receiving",
                g.expr(&r0.recv)
            ));
            continue;
        }
        match sites(ctx, g, uses, ty, pkg) {
            Ok(sites) => {
                let x = uses.sends[0].0.child_field("operand");
                let x = x.map_or("", |x| text(x, &uses.sends[0].1.src));
                bound.push(("field_guard_name", Value::Text(g.expr(x))));
                bound.push(("field_sends", Value::Sites(sites)));
                return Verdict::Holds(bound);
            }
            Err(why) => reasons.push(why),
        }
    }
    let why = match reasons.is_empty() {
        true => match foreign.first() {
            Some(w) => format!(
                "`{method}` gives up on `{w}`, which the sender cannot reach, and `{ty}` has no context or closed channel of its own to guard the sends with"
            ),
            None => format!("`{ty}` has no context or closed channel to guard the sends with"),
        },
        false => {
            reasons.dedup();
            reasons.truncate(2);
            reasons.join("; ")
        }
    };
    Verdict::Unproven(why, bound)
}

/// Why a guard on the struct's context would fire on a sender's own path
/// (a sender cancels it), for the report of a field nobody receives from.
fn sender_cancels(pkg: &Pkg, ty: &str, uses: &Uses) -> Option<String> {
    let fields = pkg.fields_of(ty)?;
    let ctxs = fields.iter().filter(|f| f.ty.ends_with("Context"));
    ctxs.flat_map(|c| {
        let g = Guard::Ctx(c.name.clone());
        uses.sends
            .iter()
            .filter_map(move |(sel, file)| fires_on_sender(&g, sel.parent()?, &file.src, ty, pkg))
    })
    .next()
}

/// Each send's guarded site, or why one cannot be guarded.
fn sites<'t>(
    ctx: &Ctx<'t>,
    g: &Guard,
    uses: &Uses<'t>,
    ty: &str,
    pkg: &Pkg,
) -> Result<Vec<Site>, String> {
    let mut out = Vec::new();
    for &(sel, file) in &uses.sends {
        let src = file.src.as_slice();
        let send = sel.parent().ok_or("no send")?;
        if let Some(why) = fires_on_sender(g, send, src, ty, pkg) {
            return Err(why);
        }
        let func = syntax::enclosing_function(send).ok_or("no function")?;
        let x = text(sel.child_field("operand").ok_or("no operand")?, src);
        let mut vars = vec![("field_guard", g.expr(x))];
        if after_guard(send, func, src)? {
            vars.push(("field_stop", stop_text(g, x, func, ctx, file)?));
        }
        let here = ctx.package.is_current(&file.path) && src == ctx.src;
        out.push(Site {
            file: (!here).then(|| file.path.clone()),
            start: send.start_byte(),
            end: send.end_byte(),
            vars,
        });
    }
    Ok(out)
}
