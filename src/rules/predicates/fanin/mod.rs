//! The fan-in analysis behind `fan-in-producers`: a results channel made in
//! a function F, producer goroutines started in F that send on it, and an F
//! that can stop receiving before every producer has sent. It works out what
//! a fix needs: the capacity to give the channel (refused when a producer
//! signals the receiver after its send), or else the sends to guard, how
//! each guard stops its producer, and the context the guards watch (one F
//! watches at every receive, a test's `t.Context()`, or a background child
//! cancelled on return; never a new parameter), and, behind an option, the
//! rewrite of a blocking `return <-ch` into a select on F's own context.
//!
//! This module finds the channel and its producers, counts what they send
//! and the buffer, and decides whether there is a leak and whether a
//! buffer alone fixes it; `stops` owns the ways F stops receiving, and
//! `guard` the guarded fix.

mod field;
mod guard;
mod handoff;
mod stops;

pub use field::field_channel;

use crate::go::syntax::NodeKind;
use guard::{context_name, ctx_param, result_types};
use stops::{StopPath, Through, case_stops, finished_signals, loop_exits, plain_receives};

use super::channel::{self, Use};
use super::scope::{LocalDecl, declaration, local_decl};
use super::{Arg, Ctx, Value, Verdict};
use crate::go::idents::Ref;
use crate::go::paths;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

/// A goroutine started in F that uses the channel.
struct Producer<'t> {
    go: Node<'t>,
    /// The function literal the goroutine runs, with the channel's name in
    /// it (captured, or the parameter it is handed to).
    literal: Option<(Node<'t>, String)>,
    /// A named function handed the channel as argument `index`.
    handed: Option<usize>,
    /// For a named producer, every declaration its callee can resolve to,
    /// with the parameter the channel arrives in: found once, as counting
    /// its sends and looking for a signal after them both need them.
    callees: Vec<channel::CalleeParam<'t>>,
    /// Calls in the literal that hand the channel to a function of this
    /// package (`produce(ctx, ch)`), which sends on it.
    helpers: Vec<Helper<'t>>,
    sends: Vec<Node<'t>>,
    closes: bool,
}

/// A function of this package a producer hands the channel to: the call,
/// and every declaration it can resolve to with the parameter the channel
/// arrives in, and that declaration's sends on it (its only uses).
struct Helper<'t> {
    call: Node<'t>,
    callees: Vec<(channel::CalleeParam<'t>, Vec<Node<'t>>)>,
}

/// How many values producers can send in one run of F.
#[derive(Debug, PartialEq, Clone)]
enum Sends {
    Known(usize),
    /// One per element of `x`, the slice, array or map the producers'
    /// loop ranges over.
    PerLen(String),
    Unbounded,
}

/// The channel's buffer.
#[derive(Debug, PartialEq)]
enum Cap {
    Known(usize),
    Len(String),
    Other,
}

/// The most sends one run of `func` makes, along any one path (the
/// branches of an `if`, `switch` or `select` take the most of any one; a
/// send in a loop runs once per pass of counted loops, `passes`); a send
/// that ends the function (only inert code after it, or a select case that
/// returns once it is taken) runs at most once overall. None: unbounded.
fn count_sends(
    sends: &[Node],
    func: Node,
    src: &[u8],
    passes: &dyn Fn(Node) -> Option<usize>,
) -> Option<usize> {
    let mut terminal = false;
    let mut others = std::collections::HashSet::new();
    for s in sends {
        let ends = match s.parent() {
            Some(c) if c.kind_str() == "communication_case" => {
                let select = c.parent().unwrap_or(*s);
                case_stops(c, src) || channel::is_last_effective(select, func, src)
            }
            _ => channel::is_last_effective(*s, func, src),
        };
        if ends {
            terminal = true;
        } else {
            others.insert(s.id());
        }
    }
    let most = match others.is_empty() {
        true => 0,
        false => paths::most_runs(func, &|n| others.contains(&n.id()), passes)?,
    };
    Some(most + usize::from(terminal))
}

/// True when at most one of the `go` statements can run: each pair sits in
/// different branches of one if/else or switch.
fn exclusive(producers: &[Producer], func: Node) -> bool {
    let branch_of = |a: Node, b: Node| -> bool {
        let pa = syntax::ancestors_until(a, func);
        let Some(common) = pa.iter().find(|n| syntax::contains(**n, b)) else {
            return false;
        };
        match common.kind_str() {
            "if_statement" => {
                let cons = common.child_field("consequence");
                let alt = common.child_field("alternative");
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
                            matches!(
                                n.kind_str(),
                                "expression_case" | "default_case" | "type_case"
                            )
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
    loop_count(lp, src, &|n| {
        (n.kind_str() == "int_literal")
            .then(|| text(n, src).parse().ok())
            .flatten()
    })
}

/// The number of passes of `for i := 0; i < N; i++` (whose body leaves `i`
/// alone) or `for range N`, with N's value from `value`.
fn loop_count(lp: Node, src: &[u8], value: &dyn Fn(Node) -> Option<usize>) -> Option<usize> {
    let mut c = lp.walk();
    let header = lp
        .named_children(&mut c)
        .find(|n| matches!(n.kind_str(), "for_clause" | "range_clause"))?;
    match header.kind_str() {
        "range_clause" => value(header.child_field("right")?),
        _ => {
            let init = header.child_field("initializer")?;
            let cond = header.child_field("condition")?;
            let update = header.child_field("update")?;
            let start = init.child_field("right").and_then(|r| r.named_child(0))?;
            let var = init.child_field("left").and_then(|l| l.named_child(0))?;
            let (Some(l), Some(op), Some(r)) = (
                cond.child_field("left"),
                cond.child_field("operator"),
                cond.child_field("right"),
            ) else {
                return None;
            };
            let steps_up = update.kind_str() == "inc_statement"
                && update
                    .named_child(0)
                    .is_some_and(|u| text(u, src) == text(var, src));
            let zero = syntax::squeeze(text(start, src));
            let zero = zero == "0"
                || (zero.ends_with("(0)") && zero.starts_with(|c: char| c.is_ascii_alphabetic()));
            if !zero || text(l, src) != text(var, src) || op.kind_str() != "<" || !steps_up {
                return None;
            }
            let body = lp.child_field("body")?;
            if assigns(body, text(var, src), src) {
                return None;
            }
            value(r)
        }
    }
}

/// Whether `name` is assigned, incremented or decremented in `scope`.
fn assigns(scope: Node, name: &str, src: &[u8]) -> bool {
    let mut found = false;
    syntax::visit(scope, &|_| true, &mut |n| {
        let target = match n.kind_str() {
            "assignment_statement" => n.child_field("left"),
            "inc_statement" | "dec_statement" => Some(n),
            _ => None,
        };
        found |= target.is_some_and(|t| {
            let mut hit = false;
            syntax::visit(t, &|_| true, &mut |m| {
                hit |= m.kind_str() == "identifier" && text(m, src) == name;
            });
            hit
        });
    });
    found
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
        .find(|n| n.kind_str() == "range_clause")?;
    clause.child_field("right")
}

/// True when `x` (an identifier) is declared once as a slice, array or map
/// (by type, composite literal or `make`), so `len(x)` counts a loop's
/// passes over it.
fn has_length(x: Node, src: &[u8]) -> bool {
    let sized = |t: Node| matches!(t.kind_str(), "slice_type" | "array_type" | "map_type");
    if x.kind_str() != "identifier" {
        return false;
    }
    let Some(d) = declaration(text(x, src), x, src).filter(|d| d.count == 1) else {
        return false;
    };
    d.ty.is_some_and(sized)
        || d.value.is_some_and(|v| {
            (v.kind_str() == "composite_literal" && v.child_field("type").is_some_and(sized))
                || (v.kind_str() == "call_expression"
                    && v.child_field("function")
                        .is_some_and(|f| text(f, src) == "make")
                    && v.child_field("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(sized))
        })
}

/// One fan-in under analysis: F, the channel it makes, and who uses that
/// channel. Each step of the analysis reads it.
struct FanIn<'t, 'a> {
    ctx: &'t Ctx<'a>,
    src: &'t [u8],
    make: Node<'t>,
    func: Node<'t>,
    /// The channel's name in F.
    name: String,
    recvs: Vec<Node<'t>>,
    /// `for ... range ch` loops in F.
    ranges: Vec<Node<'t>>,
    producers: Vec<Producer<'t>>,
    /// The producers' `go` statements.
    gos: Vec<Node<'t>>,
}

/// What the producers can send in one run of F, and the buffer they send
/// into.
struct Supply {
    /// Per producer, the most sends one run of it makes (None: unbounded).
    counts: Vec<Option<usize>>,
    sent: Sends,
    /// Some `go` sits in a loop below the `make`, so it sends on one
    /// channel again and again.
    in_loop: bool,
    /// At most one producer runs.
    one_runs: bool,
    buffer: Cap,
}

/// The `context` package as F's file sees it.
struct CtxPkg {
    /// The name the file imports `context` under, if it does.
    imported: Option<String>,
    /// The name to write: the imported one, or `context` once imported.
    name: String,
    /// F's own `context.Context` parameter (only when already imported).
    param: Option<String>,
}

pub fn fan_in_producers<'t>(ctx: &Ctx<'t>, args: &[Arg<'_, 't>]) -> Verdict {
    let Some(fa) = FanIn::find(ctx, args[0].node()) else {
        return Verdict::Skip;
    };
    let supply = fa.supply();
    // A buffer this rule cannot size up, or a deliberately buffered channel
    // fed by a producer whose sends cannot be counted: nothing to prove.
    if supply.buffer == Cap::Other
        || (supply.sent == Sends::Unbounded && supply.buffer != Cap::Known(0))
    {
        return Verdict::Skip;
    }
    let through = Through {
        ok_names: fa.ok_names(),
        finished: finished_signals(&fa.producers, &fa.name, fa.src),
    };
    let paths = fa.stop_paths(&through);
    if fa.takes_everything(&supply, &through, &paths) {
        return Verdict::Skip;
    }
    let why = fa.why_leaks(&supply, &paths);
    let cancellable_wait = args.get(1).is_some_and(|a| !a.lit().is_empty());
    let ctxpkg = CtxPkg::of(ctx, fa.func);
    let blocking = fa
        .blocking_return(why.is_none(), &supply, paths.is_empty())
        .filter(|_| cancellable_wait && ctxpkg.param.is_some());
    let why = match (why, blocking) {
        (Some(w), _) => w,
        (None, Some(_)) => "it waits with no way to give up, so a caller that cancels its context leaves it and the producer blocked".to_string(),
        (None, None) => return Verdict::Skip,
    };
    let signal = fa.signal();
    let capacity = capacity(&supply, signal.is_some());
    if capacity.is_none()
        && let Some(refused) = fa.refuse_unbuffered(&why, signal.as_deref(), blocking.is_some())
    {
        return refused;
    }
    // A buffer with a slot for every send frees every producer by itself:
    // guards or a context would only be noise for the reviewer.
    // Producers that already give up on a done or ctx channel need nothing.
    if blocking.is_none()
        && fa.producers.iter().all(|p| {
            (p.literal.is_some() || !p.helpers.is_empty())
                && p.sends.iter().all(guarded_already)
                && p.helpers.iter().all(|h| {
                    h.callees
                        .iter()
                        .all(|(_, sends)| sends.iter().all(guarded_already))
                })
        })
    {
        return Verdict::Skip;
    }
    // (`len(x)` counts too: one send per pass of the range over x.)
    if let Some(capacity) = capacity.clone().filter(|_| blocking.is_none()) {
        return Verdict::Holds(vec![
            ("chan", Value::Text(fa.name)),
            ("why", Value::Text(why)),
            ("mode_note", Value::Text(String::new())),
            ("capacity", Value::Text(capacity)),
            ("buffer_only", Value::Text("true".into())),
        ]);
    }
    fa.guard(why, &ctxpkg, blocking, capacity, signal.is_some())
}

/// A producer's own uses of the channel inside its literal: only sends, a
/// `close`, and calls handing it to a function of this package that only
/// sends on it (recorded); None for anything else (a receive, handing it
/// elsewhere, a use in a nested literal).
fn literal_uses<'t>(ctx: &'t Ctx, p: &mut Producer<'t>) -> Option<()> {
    let src = ctx.src;
    let Some((lit, inside)) = &p.literal else {
        return Some(());
    };
    for r in crate::go::idents::references_up(*lit, inside, src, &[]) {
        if r.function(*lit).id() != lit.id() {
            return None;
        }
        match channel::classify_ref(&r) {
            Use::Send(s) => p.sends.push(s),
            _ if handed_to(r.node, src).is_some() => {
                let (call, index) = handed_to(r.node, src)?;
                p.helpers.push(helper(ctx, call, index)?);
            }
            _ => {
                let is_close = r
                    .up(1)
                    .filter(|c| c.kind_str() == "call_expression")
                    .and_then(|c| c.child_field("function"))
                    .is_some_and(|f| text(f, src) == "close");
                if !is_close {
                    return None;
                }
                p.closes = true;
            }
        }
    }
    Some(())
}

/// The call `r` is an argument of (not a builtin's), and its position
/// there.
fn handed_to<'t>(r: Node<'t>, src: &[u8]) -> Option<(Node<'t>, usize)> {
    let args = r.parent().filter(|a| a.kind_str() == "argument_list")?;
    let call = args
        .parent()
        .filter(|c| c.kind_str() == "call_expression")?;
    let f = call.child_field("function")?;
    if matches!(text(f, src), "close" | "len" | "cap") {
        return None;
    }
    let index = syntax::arguments(call)
        .iter()
        .position(|a| a.id() == r.id())?;
    Some((call, index))
}

/// The function of this package that `call` hands the channel to as
/// argument `index`, with its sends on it: None when it cannot be
/// resolved, or does anything with the channel but send on it.
fn helper<'t>(ctx: &'t Ctx, call: Node<'t>, index: usize) -> Option<Helper<'t>> {
    let mut callees = Vec::new();
    for (d, dsrc, param) in channel::call_params(ctx, call, index).ok()? {
        let mut sends = Vec::new();
        for r in crate::go::idents::references_up(d, &param, dsrc, &[]) {
            match channel::classify_ref(&r) {
                Use::Send(s) if r.function(d).id() == d.id() => sends.push(s),
                _ => return None,
            }
        }
        callees.push(((d, dsrc, param), sends));
    }
    Some(Helper { call, callees })
}

/// A send already in a select case: its producer can give up on it.
fn guarded_already(s: &Node) -> bool {
    s.parent()
        .is_some_and(|p| p.kind_str() == "communication_case")
}

/// The capacity to give the channel: one slot per send, when the count is
/// known, every producer sends once per run, and no producer signals the
/// receiver after its send (a buffer would let the receiver see that
/// first).
fn capacity(supply: &Supply, signals: bool) -> Option<String> {
    let all_single = supply.counts.iter().all(|c| *c == Some(1));
    let unbuffered = supply.buffer == Cap::Known(0);
    match (&supply.sent, unbuffered) {
        (Sends::PerLen(x), true) => Some(format!("len({x})")),
        (Sends::Known(n), true) if *n > 0 && all_single => Some(n.to_string()),
        _ => None,
    }
    .filter(|_| !signals)
}

/// The channel's buffer, from the `make` call's capacity argument (a
/// constant expression counts).
fn buffer_of(ctx: &Ctx, make: Node) -> Cap {
    let src = ctx.src;
    let constant = |n| {
        ctx.package
            .const_int((ctx.tree, src), n, src)
            .and_then(|v| usize::try_from(v).ok())
    };
    match syntax::arguments(make).get(1).copied() {
        None => Cap::Known(0),
        Some(n) if n.kind_str() == "int_literal" => {
            text(n, src).parse().map_or(Cap::Other, Cap::Known)
        }
        Some(n) if constant(n).is_some() => constant(n).map_or(Cap::Other, Cap::Known),
        Some(n) => {
            let t = syntax::squeeze(text(n, src));
            match t.strip_prefix("len(").and_then(|r| r.strip_suffix(')')) {
                Some(x) => Cap::Len(x.to_string()),
                None => Cap::Other,
            }
        }
    }
}

impl CtxPkg {
    fn of(ctx: &Ctx, func: Node) -> CtxPkg {
        let imported = context_name(ctx.tree, ctx.src);
        let name = imported.clone().unwrap_or_else(|| "context".to_string());
        let param = ctx_param(func, &name, ctx.src).filter(|_| imported.is_some());
        CtxPkg {
            imported,
            name,
            param,
        }
    }
}

impl<'t, 'a> FanIn<'t, 'a> {
    /// Finds F, the channel `make` makes there, its receives and ranges,
    /// and its producers with their sends. None when the channel is used
    /// any other way (F sends on it, it is stored or handed to anything
    /// but a `go`), or a named producer cannot be seen: then who sends
    /// what cannot be counted, and a producer the tool cannot see is no
    /// evidence either way.
    fn find(ctx: &'t Ctx<'a>, make: Node<'a>) -> Option<FanIn<'t, 'a>> {
        let src = ctx.src;
        let (placed, func) = channel::placed(make)?;
        let (name, binding_sites) = channel::binding(&placed, func, src)?;
        let mut fa = FanIn {
            ctx,
            src,
            make,
            func,
            name,
            recvs: vec![],
            ranges: vec![],
            producers: vec![],
            gos: vec![],
        };
        for r in crate::go::idents::references_up(func, &fa.name, src, &binding_sites) {
            fa.add_use(&r)?;
        }
        for p in &mut fa.producers {
            literal_uses(ctx, p)?;
        }
        // Goroutines that only close the channel are closers, not producers.
        fa.producers
            .retain(|p| p.handed.is_some() || !p.sends.is_empty() || !p.helpers.is_empty());
        if fa.producers.is_empty() || (fa.recvs.is_empty() && fa.ranges.is_empty()) {
            return None;
        }
        for p in &mut fa.producers {
            if let Some(i) = p.handed {
                p.callees = channel::callee_params(ctx, p.go, i).ok()?;
                // Guarded where it sends, when it only sends.
                let call = p.go.named_child(0)?;
                p.helpers.extend(helper(ctx, call, i));
            }
        }
        fa.gos = fa.producers.iter().map(|p| p.go).collect();
        Some(fa)
    }

    /// Records one reference `r` to the channel in F: a receive, a range,
    /// a `go` statement's argument, or a capture in a goroutine's literal.
    /// None for any other use.
    fn add_use(&mut self, r: &Ref<'t>) -> Option<()> {
        let inner = r.function(self.func);
        if inner.id() != self.func.id() {
            let go = r.go_running()?;
            let i = self.producer_at(go);
            if self.producers[i].literal.is_none() {
                self.producers[i].literal = Some((inner, self.name.clone()));
            }
            return Some(());
        }
        match channel::classify_ref(r) {
            Use::Recv(u) => self.recvs.push(u),
            Use::GoArg { go, index } => {
                let i = self.producer_at(go);
                match syntax::go_literal(go) {
                    Some(l) => match syntax::parameter_names(l, self.src).get(index) {
                        Some((p, false)) if p != "_" => {
                            self.producers[i].literal = Some((l, p.clone()))
                        }
                        _ => return None,
                    },
                    None => self.producers[i].handed = Some(index),
                }
            }
            Use::Send(_) => return None,
            Use::Other => {
                let range = r
                    .up(0)
                    .filter(|p| {
                        p.kind_str() == "range_clause" && p.child_field("right") == Some(r.node)
                    })
                    .and_then(|_| r.up(1));
                self.ranges.push(range?);
            }
        }
        Some(())
    }

    /// The producer started by `go`, made on first sight.
    fn producer_at(&mut self, go: Node<'t>) -> usize {
        self.producers
            .iter()
            .position(|p| p.go.id() == go.id())
            .unwrap_or_else(|| {
                self.producers.push(Producer {
                    go,
                    literal: None,
                    handed: None,
                    callees: vec![],
                    helpers: vec![],
                    sends: vec![],
                    closes: false,
                });
                self.producers.len() - 1
            })
    }

    /// The innermost loop around `n` below the `make`: a loop that also
    /// makes the channel makes a new one each pass, with its own
    /// producers, so only loops below the `make` repeat sends on it.
    fn loop_below(&self, n: Node<'t>) -> Option<Node<'t>> {
        channel::loop_below(n, self.func, self.make)
    }

    /// The most sends producer `p` makes in one run; None when unbounded,
    /// or when a named producer uses the channel for more than sends. A
    /// named producer counts as the worst of its declarations.
    fn sends_of(&self, p: &Producer) -> Option<usize> {
        match (&p.literal, p.handed) {
            (Some((lit, _)), _) => {
                let own = count_sends(&p.sends, *lit, self.src, &self.passes(self.src))?;
                p.helpers.iter().try_fold(own, |n, h| {
                    if syntax::in_loop_within(h.call, *lit) {
                        return None;
                    }
                    let most = h.callees.iter().try_fold(0, |m, ((d, dsrc, _), sends)| {
                        count_sends(sends, *d, dsrc, &self.passes(dsrc)).map(|c| m.max(c))
                    })?;
                    Some(n + most)
                })
            }
            (None, Some(_)) => p.callees.iter().try_fold(0, |m, (d, dsrc, param)| {
                let mut sends = Vec::new();
                for r in crate::go::idents::references_up(*d, param, dsrc, &[]) {
                    match channel::classify_ref(&r) {
                        Use::Send(s) if r.function(*d).id() == d.id() => sends.push(s),
                        _ => return None,
                    }
                }
                count_sends(&sends, *d, dsrc, &self.passes(dsrc)).map(|c| m.max(c))
            }),
            (None, None) => None,
        }
    }

    /// True when `x` is `v.f`, a field of slice, array or map type of the
    /// struct type `v` is declared with, and F assigns neither `v` nor any
    /// of its fields: `len(v.f)` at the `make` counts the loop's passes.
    fn field_has_length(&self, x: Node) -> bool {
        let src = self.src;
        let (Some(v), Some(f)) = (x.child_field("operand"), x.child_field("field")) else {
            return false;
        };
        if x.kind_str() != "selector_expression" || v.kind_str() != "identifier" {
            return false;
        }
        let LocalDecl::Typed(ty) = local_decl(text(v, src), v, src) else {
            return false;
        };
        let sized = |t: Node| matches!(t.kind_str(), "slice_type" | "array_type" | "map_type");
        self.ctx
            .package
            .field_type((self.ctx.tree, src), &ty, text(f, src))
            .is_some_and(|(t, _)| sized(t))
            && !assigns(self.func, text(v, src), src)
    }

    /// The passes of a counted loop in a file of the package (`src`), its
    /// bound a constant expression.
    fn passes<'s>(&'s self, src: &'s [u8]) -> impl Fn(Node) -> Option<usize> + 's {
        let ctx = self.ctx;
        move |lp| {
            loop_count(lp, src, &|n| {
                let v = ctx.package.const_int((ctx.tree, ctx.src), n, src)?;
                usize::try_from(v).ok()
            })
        }
    }

    /// How many values the producers can send in one run of F, and the
    /// buffer there is for them.
    fn supply(&self) -> Supply {
        let in_loop = self
            .producers
            .iter()
            .any(|p| self.loop_below(p.go).is_some());
        let counts: Vec<Option<usize>> = self.producers.iter().map(|p| self.sends_of(p)).collect();
        let one_runs = self.producers.len() == 1 || exclusive(&self.producers, self.func);
        let sent = if counts.iter().any(Option::is_none) {
            Sends::Unbounded
        } else if in_loop {
            self.sent_in_loop(&counts)
        } else if one_runs {
            Sends::Known(counts.iter().flatten().copied().max().unwrap_or(0))
        } else {
            Sends::Known(counts.iter().flatten().sum())
        };
        Supply {
            counts,
            sent,
            in_loop,
            one_runs,
            buffer: buffer_of(self.ctx, self.make),
        }
    }

    /// What producers started in a loop below the `make` send in all: a
    /// known number when they share one loop with a literal count, one
    /// per element of what that loop ranges over when each sends once,
    /// else unbounded.
    fn sent_in_loop(&self, counts: &[Option<usize>]) -> Sends {
        let src = self.src;
        let range_target = shared_range(&self.producers, self.func)
            .filter(|x| has_length(*x, src) || self.field_has_length(*x));
        let loops: Vec<Node> = self
            .producers
            .iter()
            .filter_map(|p| self.loop_below(p.go))
            .collect();
        let same =
            loops.len() == self.producers.len() && loops.iter().all(|l| l.id() == loops[0].id());
        let nested = loops.first().is_some_and(|l| self.loop_below(*l).is_some());
        let per_pass: usize = counts.iter().flatten().sum();
        match (
            same && !nested,
            loops.first().and_then(|l| literal_count(*l, src)),
            range_target,
        ) {
            (true, Some(n), _) => Sends::Known(n * per_pass),
            (true, None, Some(x)) if per_pass == 1 => Sends::PerLen(text(x, src).to_string()),
            _ => Sends::Unbounded,
        }
    }

    /// The `ok` names of `v, ok := <-ch` receives (in a select case, or as
    /// a statement): exits under `if !ok` only run once the channel is
    /// closed.
    fn ok_names(&self) -> Vec<String> {
        self.recvs
            .iter()
            .filter_map(|r| {
                let p = r.parent()?;
                match p.kind_str() {
                    "receive_statement" => Some(p),
                    "expression_list" => p
                        .parent()
                        .filter(|d| {
                            matches!(
                                d.kind_str(),
                                "short_var_declaration" | "assignment_statement"
                            )
                        })
                        .filter(|d| d.child_field("right") == Some(p)),
                    _ => None,
                }
            })
            .filter_map(|p| p.child_field("left"))
            .filter(|l| l.named_child_count() == 2)
            .filter_map(|l| l.named_child(1))
            .map(|n| text(n, self.src).to_string())
            .collect()
    }

    /// True when F surely takes every value sent: a range over the channel
    /// with no way out (it takes everything until the producers close
    /// it), a receive loop with no early stop, a wait for the producers'
    /// finishing signal, or a loop that takes each pass's one value.
    fn takes_everything(&self, supply: &Supply, through: &Through, paths: &[StopPath]) -> bool {
        let ranges_to_close = self.ranges.iter().any(|l| {
            loop_exits(l.child_field("body").unwrap_or(*l), *l, self.src, &|_| {
                false
            })
            .is_empty()
        });
        let drains_all = ranges_to_close
            || (paths.is_empty()
                && self
                    .recvs
                    .iter()
                    .any(|r| syntax::enclosing_loop(*r, self.func).is_some()));
        drains_all
            || self.waits_for_producers(&through.finished)
            || self.takes_each_pass(&supply.counts, supply.buffer == Cap::Known(0))
    }

    /// Why F leaks a producer: the first way to stop receiving that takes
    /// fewer values than are sent beyond the buffer, or, with no way to
    /// stop early, too few receives in all. None: no leak shown.
    fn why_leaks(&self, supply: &Supply, paths: &[StopPath]) -> Option<String> {
        let sent_at = |at| self.sent_by(supply, at);
        let leaks_with = |taken: usize, at: Option<usize>| match (&sent_at(at), &supply.buffer) {
            (Sends::Known(s), Cap::Known(c)) => *s > taken + c,
            (Sends::PerLen(x), Cap::Len(y)) => x != y,
            (Sends::PerLen(_), Cap::Known(_)) | (Sends::Unbounded, _) => true,
            (Sends::Known(_), _) | (Sends::PerLen(_), Cap::Other) => false,
        };
        let why = paths
            .iter()
            .find(|p| leaks_with(p.taken, p.at))
            .map(|p| p.reason.to_string());
        let plain_total = plain_receives(&self.recvs, self.func, &self.gos, usize::MAX, self.src);
        if why.is_none() && paths.is_empty() && leaks_with(plain_total, None) {
            return Some("it takes fewer results than its producers send".to_string());
        }
        why
    }

    /// What can be sent by the time F leaves at `at`. Producers started
    /// one after another, each after the point where an earlier exit
    /// leaves F (the staged shape of prometheus's scrape_test.go): at that
    /// exit only the ones started so far can be sending. Only when every
    /// `go` runs at most once, in F's own order.
    fn sent_by(&self, supply: &Supply, at: Option<usize>) -> Sends {
        let staged = matches!(supply.sent, Sends::Known(_))
            && !supply.in_loop
            && !supply.one_runs
            && !crate::go::idents::has_goto(self.func, self.src)
            && self.producers.len() > 1;
        match at {
            Some(pos) if staged => Sends::Known(
                self.producers
                    .iter()
                    .zip(&supply.counts)
                    .filter(|(p, _)| p.go.start_byte() < pos)
                    .map(|(_, c)| c.unwrap_or(0))
                    .sum(),
            ),
            _ => supply.sent.clone(),
        }
    }

    /// Seed 003: one producer, one send, and `return <-ch, ...`. The
    /// function always receives, so the producer cannot block forever on
    /// its account; only a caller that walks away from the wait strands
    /// it. The buffer is the leak fix, and a wait that gives up on the
    /// context is a behaviour change (the function can now return early):
    /// offered only behind the `cancellable_wait` option, with a context
    /// already in scope, never a new parameter. Test files are left out:
    /// their helpers wait on purpose. `no_leak`: no other leak was found.
    fn blocking_return(&self, no_leak: bool, supply: &Supply, no_paths: bool) -> Option<Node<'t>> {
        let ([r], true) = (self.recvs.as_slice(), no_leak) else {
            return None;
        };
        if supply.sent != Sends::Known(1) || !self.ranges.is_empty() || !no_paths {
            return None;
        }
        r.parent()
            .filter(|l| l.kind_str() == "expression_list")
            .and_then(|l| l.parent())
            .filter(|s| s.kind_str() == "return_statement")
            .filter(|_| !self.ctx.package.is_test_file())
            .filter(|_| {
                result_types(self.func)
                    .last()
                    .is_some_and(|t| text(*t, self.src) == "error")
            })
    }

    /// A buffer must not let the receiver see what a producer does after
    /// its send before the value itself (closing or sending on another
    /// channel it selects on, a cancel, a Done a waiter turns into a
    /// close): the first such thing a producer does, if any.
    fn signal(&self) -> Option<String> {
        let (func, src) = (self.func, self.src);
        // What a helper handed the channel does after its sends, as seen
        // from its declaration.
        let in_helpers = |p: &Producer<'t>| {
            p.helpers.iter().find_map(|h| {
                h.callees.iter().find_map(|((d, dsrc, param), sends)| {
                    let producer = channel::Producer {
                        func: *d,
                        src: dsrc,
                        sends: sends.clone(),
                        ch: param.clone(),
                        go: p.go,
                    };
                    channel::signal_after_send(&producer, &self.name, func, src)
                })
            })
        };
        self.producers.iter().find_map(|p| match &p.literal {
            // A call handing the channel on sends in it: what follows the
            // call in the literal comes after those sends.
            Some((lit, inside)) => channel::signal_after_send(
                &channel::Producer {
                    func: *lit,
                    src,
                    sends: p
                        .sends
                        .iter()
                        .copied()
                        .chain(p.helpers.iter().map(|h| h.call))
                        .collect(),
                    ch: inside.clone(),
                    go: p.go,
                },
                &self.name,
                func,
                src,
            )
            .or_else(|| in_helpers(p)),
            None => p.callees.iter().find_map(|(d, dsrc, param)| {
                let producer = channel::Producer {
                    func: *d,
                    src: dsrc,
                    sends: channel::sends_in(*d, param, dsrc),
                    ch: param.clone(),
                    go: p.go,
                };
                channel::signal_after_send(&producer, &self.name, func, src)
            }),
        })
    }

    /// A finding with no fix, and why.
    fn unproven(&self, why: &str, reason: String) -> Verdict {
        Verdict::Unproven(
            reason,
            vec![
                ("chan", Value::Text(self.name.clone())),
                ("why", Value::Text(why.to_string())),
                ("mode_note", Value::Text(String::new())),
            ],
        )
    }

    /// With no capacity to give: named producers cannot be guarded here
    /// (the buffer must cover them), and the blocking return is only
    /// rewritten alongside a buffer. The verdict then, if it comes to one.
    fn refuse_unbuffered(
        &self,
        why: &str,
        signal: Option<&str>,
        blocking: bool,
    ) -> Option<Verdict> {
        let order_note = |signal: &str| {
            format!(
                "after its send a producer runs `{signal}`, which the receiver can observe: with a buffer it could see that before the value"
            )
        };
        // A named producer is guarded where it sends when it can be; when
        // it cannot, the reason the buffer is refused says most.
        let unguarded = || self.handed_guards(true).is_err();
        if let Some(p) = self
            .producers
            .iter()
            .find(|p| p.literal.is_none() && (p.helpers.is_empty() || unguarded()))
        {
            if let Some(sig) = signal {
                return Some(self.unproven(why, order_note(sig)));
            }
            if !p.helpers.is_empty() {
                return None;
            }
            let callee = p.go.named_child(0).and_then(|c| c.child_field("function"));
            let shown = callee.map(|f| text(f, self.src)).unwrap_or("the producer");
            return Some(self.unproven(why, format!(
                "`{shown}` is a named producer whose sends cannot be guarded here, and no buffer size covering every send is known"
            )));
        }
        if blocking {
            return Some(match signal {
                Some(sig) => self.unproven(why, order_note(sig)),
                None => Verdict::Skip,
            });
        }
        None
    }
}
