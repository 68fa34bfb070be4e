//! The fan-in analysis behind `fan-in-producers`: a results channel made in
//! a function F, producer goroutines started in F that send on it, and an F
//! that can stop receiving before every producer has sent. It works out what
//! a fix needs: the capacity to give the channel (refused when a producer
//! signals the receiver after its send), or else the sends to guard, how
//! each guard stops its producer, and the context the guards watch (one F
//! watches at every receive, a test's `t.Context()`, or a background child
//! cancelled on return; never a new parameter), and, behind an option, the
//! rewrite of a blocking `return <-ch` into a select on F's own context.

use super::channel::{self, Use};
use super::scope::{declaration, references};
use super::{Arg, Ctx, Site, Value, Verdict};
use crate::go::exits::{self, Ends};
use crate::go::syntax::{self, text};
use tree_sitter::{Node, Tree};

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
    sends: Vec<Node<'t>>,
    closes: bool,
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

/// The standard-library packages `context` imports (`go list -deps
/// context`, Go 1.26): they cannot import it back.
const CONTEXT_DEPS: &[&str] = &[
    "cmp",
    "context",
    "errors",
    "internal/abi",
    "internal/asan",
    "internal/bisect",
    "internal/bytealg",
    "internal/byteorder",
    "internal/chacha8rand",
    "internal/coverage/rtcov",
    "internal/cpu",
    "internal/goarch",
    "internal/godebug",
    "internal/godebugs",
    "internal/goexperiment",
    "internal/goos",
    "internal/msan",
    "internal/oserror",
    "internal/profilerecord",
    "internal/race",
    "internal/reflectlite",
    "internal/runtime/atomic",
    "internal/runtime/cgroup",
    "internal/runtime/exithook",
    "internal/runtime/gc",
    "internal/runtime/gc/scan",
    "internal/runtime/maps",
    "internal/runtime/math",
    "internal/runtime/pprof/label",
    "internal/runtime/sys",
    "internal/runtime/syscall/linux",
    "internal/strconv",
    "internal/stringslite",
    "internal/sync",
    "internal/synctest",
    "internal/trace/tracev2",
    "internal/unsafeheader",
    "iter",
    "math/bits",
    "runtime",
    "slices",
    "sync",
    "sync/atomic",
    "syscall",
    "time",
    "unsafe",
];

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

/// Nothing but blanks around `n` on its lines.
fn alone_on_line(n: Node, src: &[u8]) -> bool {
    let start = src[..n.start_byte()]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = src[n.end_byte()..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(src.len(), |i| n.end_byte() + i);
    src[start..n.start_byte()]
        .iter()
        .all(|b| b.is_ascii_whitespace())
        && src[n.end_byte()..end]
            .iter()
            .all(|b| b.is_ascii_whitespace())
}

fn first_go(producers: &[Producer]) -> usize {
    producers
        .iter()
        .map(|p| p.go.start_byte())
        .min()
        .unwrap_or(0)
}

/// Receives that always run when F gets to them: not inside a condition,
/// loop, select or switch. Counts those starting before `before`.
fn plain_receives(recvs: &[Node], func: Node, gos: &[Node], before: usize, src: &[u8]) -> usize {
    recvs
        .iter()
        .filter(|r| r.start_byte() < before && is_plain(**r, func, gos, src))
        .count()
}

/// True when the last statement of a select case stops F (a return, a
/// panic, `t.Fatal`, ...): F never goes past the select through it.
fn case_stops(case: Node, src: &[u8]) -> bool {
    let mut c = case.walk();
    let body = case
        .named_children(&mut c)
        .find(|n| n.kind() == "statement_list");
    let Some(body) = body else { return false };
    let mut c = body.walk();
    body.named_children(&mut c)
        .filter(|n| n.kind() != "comment")
        .last()
        .is_some_and(|last| exits::stops_here(last, src))
}

/// The select case whose communication is `recv` (`path`: its ancestors,
/// innermost first), if it is one.
fn own_case<'t>(recv: Node<'t>, path: &[Node<'t>]) -> Option<Node<'t>> {
    path.iter()
        .find(|n| n.kind() == "communication_case")
        .filter(|c| {
            c.child_by_field_name("communication")
                .is_some_and(|m| syntax::contains(m, recv))
        })
        .copied()
}

/// `gos`: the producers' `go` statements. Only the statements between the
/// receive and the innermost one holding every `go` count: what encloses
/// them both runs the receive whenever it ran the producers (a `<-done`
/// in the same select case as its `go`).
fn is_plain(recv: Node, func: Node, gos: &[Node], src: &[u8]) -> bool {
    let mut path = syntax::ancestors_until(recv, func);
    if let Some(i) = path
        .iter()
        .position(|a| gos.iter().all(|g| syntax::contains(*a, *g)))
    {
        path.truncate(i);
    }
    // `select { case <-ch: ... case <-time.After(d): t.Fatal(...) }`: when
    // every other case stops F, getting past the select means the receive
    // ran. Such a case and its select are as plain as a bare `<-ch`.
    let certain = own_case(recv, &path)
        .and_then(|c| Some((c, c.parent()?)))
        .filter(|(case, select)| {
            syntax::select_cases(*select)
                .into_iter()
                .filter(|k| k.id() != case.id())
                .all(|k| case_stops(k, src))
        });
    path.iter().enumerate().all(|(i, a)| {
        if certain.is_some_and(|(case, select)| a.id() == case.id() || a.id() == select.id()) {
            return true;
        }
        // An `if` initializer or condition always runs; its branches may not.
        let below = if i == 0 { recv } else { path[i - 1] };
        if a.kind() == "if_statement" {
            return a.child_by_field_name("initializer") == Some(below)
                || a.child_by_field_name("condition") == Some(below);
        }
        !matches!(
            a.kind(),
            "for_statement"
                | "communication_case"
                | "select_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "func_literal"
        )
    })
}

/// The exits in `scope` that leave loop `lp` (or F) with the process
/// going on ([`exits::leaving`]): returns, gotos, panics, breaks that end
/// `lp`; not countdowns (`n--; if n == 0 { return }`), not `skip`ped.
fn loop_exits<'t>(
    scope: Node<'t>,
    lp: Node<'t>,
    src: &[u8],
    skip: &dyn Fn(Node) -> bool,
) -> Vec<Node<'t>> {
    exits::leaving(scope, lp, src, Ends::Survived)
        .into_iter()
        .filter(|n| !skip(*n) && !is_countdown(*n, scope, src))
        .collect()
}

/// What tells F the producers are through: `ok` names of `v, ok := <-ch`
/// (false once the channel is closed), and channels the producers close
/// or send on only after their last send on it.
struct Through {
    ok_names: Vec<String>,
    finished: Vec<String>,
}

impl Through {
    /// True when select case `case` receives from a channel the producers
    /// signal only once they have sent everything: taking it leaves
    /// nothing unsent.
    fn finishes(&self, case: Node, src: &[u8]) -> bool {
        case.child_by_field_name("communication").is_some_and(|c| {
            let c = syntax::squeeze(text(c, src));
            self.finished
                .iter()
                .any(|x| c == format!("<-{x}") || c.ends_with(&format!("=<-{x}")))
        })
    }
}

/// One way F can stop receiving early: how many values it has surely
/// taken by then and, when that way ends F at a known point, that point
/// (producers started after it have not run).
struct StopPath {
    reason: &'static str,
    taken: usize,
    at: Option<usize>,
}

impl<'t> FanIn<'t, '_> {
    /// Every way F can stop receiving early (see [`StopPath`]). An empty
    /// list means F never stops early.
    fn stop_paths(&self, through: &Through) -> Vec<StopPath> {
        let mut out = Vec::new();
        for &recv in &self.recvs {
            let path = syntax::ancestors_until(recv, self.func);
            let lp = path.iter().find(|n| n.kind() == "for_statement").copied();
            let own_case = own_case(recv, &path);
            let mut other_cases: Vec<Node> = Vec::new();
            if let Some(case) = own_case
                && let Some(select) = case.parent()
            {
                other_cases = syntax::select_cases(select)
                    .into_iter()
                    .filter(|k| k.id() != case.id())
                    .collect();
                self.other_case_stops(select, &other_cases, lp, through, &mut out);
            }
            if let Some(l) = lp {
                self.receive_loop_stops(recv, l, own_case, &other_cases, through, &mut out);
            }
        }
        self.range_stops(&mut out);
        self.early_returns(&mut out);
        out
    }

    /// `if !ok { return }` after `v, ok := <-ch`: an exit that runs only
    /// once the channel is closed, so after every value was taken.
    fn closed_exit(&self, n: Node, through: &Through) -> bool {
        syntax::ancestors_until(n, self.func)
            .iter()
            .filter(|a| a.kind() == "if_statement")
            .filter_map(|i| i.child_by_field_name("condition"))
            .any(|c| {
                let t = syntax::squeeze(text(c, self.src));
                through
                    .ok_names
                    .iter()
                    .any(|ok| t == format!("!{ok}") || t == format!("{ok}==false"))
            })
    }

    /// Receives that always run when F gets to them, starting before
    /// `before`.
    fn plain_before(&self, before: usize) -> usize {
        plain_receives(&self.recvs, self.func, &self.gos, before, self.src)
    }

    /// The other cases of a select receiving from the channel: each that
    /// can leave the receive loop (or, outside a loop, simply be taken
    /// instead) is a way to stop receiving, having taken the receives
    /// before the select and any the case drains itself.
    fn other_case_stops(
        &self,
        select: Node,
        others: &[Node],
        lp: Option<Node>,
        through: &Through,
        out: &mut Vec<StopPath>,
    ) {
        let src = self.src;
        let closed_exit = |n: Node| self.closed_exit(n, through);
        let before = self.plain_before(select.start_byte());
        for o in others {
            if through.finishes(*o, src) {
                continue;
            }
            // A timeout branch that drains the channel takes a value too.
            let drained = self
                .recvs
                .iter()
                .filter(|r| syntax::contains(*o, **r))
                .count();
            let (taken, at) = match lp {
                Some(l) if loop_exits(*o, l, src, &closed_exit).is_empty() => continue,
                Some(_) => (before + drained, None),
                None if case_stops(*o, src) => (before + drained, Some(o.start_byte())),
                None => (before + drained + self.taken_after(*o, select), None),
            };
            out.push(StopPath {
                reason: "it can take another select case and stop receiving",
                taken,
                at,
            });
        }
    }

    /// The plain receives after `select` that still run once its case
    /// `case` is taken: none when the case returns.
    fn taken_after(&self, case: Node, select: Node) -> usize {
        if !loop_exits(case, self.func, self.src, &|_| false).is_empty() {
            return 0;
        }
        self.recvs
            .iter()
            .filter(|r| {
                r.start_byte() > select.end_byte() && is_plain(**r, self.func, &self.gos, self.src)
            })
            .count()
    }

    /// The exits of loop `lp` around `recv`: each a way to stop receiving,
    /// except those that only run once the channel is closed, those in
    /// another select case (counted there), and, when each pass makes its
    /// own channel, those before the producers start (they strand none).
    fn receive_loop_stops(
        &self,
        recv: Node,
        lp: Node,
        own_case: Option<Node>,
        other_cases: &[Node],
        through: &Through,
        out: &mut Vec<StopPath>,
    ) {
        let body = lp.child_by_field_name("body").unwrap_or(lp);
        let before = self.plain_before(lp.start_byte());
        let in_other_case = |n: Node| other_cases.iter().any(|o| syntax::contains(*o, n));
        let made_at = self.make.start_byte();
        let fresh_per_pass = lp.start_byte() < made_at && made_at < lp.end_byte();
        let first_go = self.gos.iter().map(|g| g.start_byte()).min().unwrap_or(0);
        let before_producers = |n: Node| fresh_per_pass && n.start_byte() < first_go;
        for e in loop_exits(body, lp, self.src, &|n| {
            self.closed_exit(n, through) || in_other_case(n) || before_producers(n)
        }) {
            let after_receive = own_case.is_some_and(|c| syntax::contains(c, e))
                || e.start_byte() > recv.end_byte();
            out.push(StopPath {
                reason: "its receive loop can return early",
                taken: before + usize::from(after_receive),
                at: None,
            });
        }
    }

    /// A range over the channel with an exit stops receiving early, having
    /// taken at least the one value that got it into the body.
    fn range_stops(&self, out: &mut Vec<StopPath>) {
        for &l in &self.ranges {
            let body = l.child_by_field_name("body").unwrap_or(l);
            if !loop_exits(body, l, self.src, &|_| false).is_empty() {
                out.push(StopPath {
                    reason: "its range over the results can return early",
                    taken: self.plain_before(l.start_byte()) + 1,
                    at: None,
                });
            }
        }
    }

    /// Exits of F between the first `go` and the last plain receive, not
    /// inside a loop or select that receives (counted there): F stops
    /// before taking what the later receives would. A `goto` goes on
    /// somewhere in F, so only the others end F at a known point.
    fn early_returns(&self, out: &mut Vec<StopPath>) {
        let (func, src) = (self.func, self.src);
        let first_go = self.gos.iter().map(|g| g.start_byte()).min().unwrap_or(0);
        let last_plain = self
            .recvs
            .iter()
            .filter(|r| is_plain(**r, func, &self.gos, src))
            .map(|r| r.start_byte())
            .max();
        let (Some(last), Some(body)) = (last_plain, func.child_by_field_name("body")) else {
            return;
        };
        for e in loop_exits(body, func, src, &|_| false) {
            let inside_receiving = syntax::ancestors_until(e, func).iter().any(|a| {
                matches!(a.kind(), "for_statement" | "select_statement")
                    && self.recvs.iter().any(|r| syntax::contains(*a, *r))
            });
            let receives_itself = self.recvs.iter().any(|r| syntax::contains(e, *r));
            if e.start_byte() > first_go
                && e.start_byte() < last
                && !inside_receiving
                && !receives_itself
            {
                let ends_f = e.kind() != "goto_statement";
                out.push(StopPath {
                    reason: "it can return before it receives",
                    taken: self.plain_before(e.start_byte()),
                    at: ends_f.then(|| e.start_byte()),
                });
            }
        }
    }
}

/// The most sends one run of `func` makes: each send statement (a guarded
/// send counts as its select) runs once unless it is in a loop; a send that
/// ends the function runs at most once overall. None: unbounded.
fn count_sends(sends: &[Node], func: Node, src: &[u8]) -> Option<usize> {
    // A send that ends the producer (only inert code after it, or a select
    // case that returns once it is taken) runs at most once, whichever.
    let (mut terminal, mut others) = (0, 0);
    for s in sends {
        let (stmt, ends) = match s.parent() {
            Some(c) if c.kind() == "communication_case" => {
                let select = c.parent().unwrap_or(*s);
                (
                    select,
                    case_stops(c, src) || channel::is_last_effective(select, func, src),
                )
            }
            _ => (*s, channel::is_last_effective(*s, func, src)),
        };
        if ends {
            terminal += 1;
        } else if syntax::in_loop_within(stmt, func) {
            return None;
        } else {
            others += 1;
        }
    }
    Some(others + usize::from(terminal > 0))
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
            let zero = syntax::squeeze(text(start, src));
            let zero = zero == "0"
                || (zero.ends_with("(0)") && zero.starts_with(|c: char| c.is_ascii_alphabetic()));
            if !zero || text(l, src) != text(var, src) || op.kind() != "<" || !steps_up {
                return None;
            }
            (r.kind() == "int_literal")
                .then(|| text(r, src).parse().ok())
                .flatten()
        }
    }
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

/// True when `x` (an identifier) is declared once as a slice, array or map
/// (by type, composite literal or `make`), so `len(x)` counts a loop's
/// passes over it.
fn has_length(x: Node, src: &[u8]) -> bool {
    let sized = |t: Node| matches!(t.kind(), "slice_type" | "array_type" | "map_type");
    if x.kind() != "identifier" {
        return false;
    }
    let Some(d) = declaration(text(x, src), x, src).filter(|d| d.count == 1) else {
        return false;
    };
    d.ty.is_some_and(sized)
        || d.value.is_some_and(|v| {
            (v.kind() == "composite_literal" && v.child_by_field_name("type").is_some_and(sized))
                || (v.kind() == "call_expression"
                    && v.child_by_field_name("function")
                        .is_some_and(|f| text(f, src) == "make")
                    && v.child_by_field_name("arguments")
                        .and_then(|a| a.named_child(0))
                        .is_some_and(sized))
        })
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

/// Whether a file of the package declares `context` at package level.
fn declares_context(ctx: &Ctx) -> bool {
    let others = ctx.package.others_mentioning("context");
    let trees = std::iter::once((ctx.package.whole_tree(), ctx.src))
        .chain(others.iter().map(|f| (f.tree(), f.src.as_slice())));
    for (tree, src) in trees {
        let mut found = false;
        syntax::visit(
            tree.root_node(),
            &|n| {
                matches!(
                    n.kind(),
                    "source_file"
                        | "type_declaration"
                        | "var_declaration"
                        | "const_declaration"
                        | "var_spec_list"
                        | "const_spec_list"
                )
            },
            &mut |n| {
                if matches!(
                    n.kind(),
                    "type_spec" | "type_alias" | "var_spec" | "const_spec" | "function_declaration"
                ) {
                    let mut c = n.walk();
                    found |= n
                        .children_by_field_name("name", &mut c)
                        .any(|m| text(m, src) == "context");
                }
            },
        );
        if found {
            return true;
        }
    }
    false
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

/// The context the guards watch: its name and, when the fix derives it,
/// what from; `mode_note` tells the reviewer when that is not F's own.
struct GuardCtx {
    name: String,
    parent: Option<String>,
    mode_note: String,
}

pub fn fan_in_producers(ctx: &Ctx, args: &[Arg]) -> Verdict {
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
        && fa
            .producers
            .iter()
            .all(|p| p.literal.is_some() && p.sends.iter().all(guarded_already))
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

/// A producer's own uses of the channel inside its literal: only sends and
/// a `close` (recorded); None for anything else (a receive, handing it on,
/// a use in a nested literal).
fn literal_uses(p: &mut Producer, src: &[u8]) -> Option<()> {
    let Some((lit, inside)) = &p.literal else {
        return Some(());
    };
    for r in references(*lit, inside, src, &[]) {
        if syntax::enclosing_function(r).map(|f| f.id()) != Some(lit.id()) {
            return None;
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
                    return None;
                }
                p.closes = true;
            }
        }
    }
    Some(())
}

/// A send already in a select case: its producer can give up on it.
fn guarded_already(s: &Node) -> bool {
    s.parent().is_some_and(|p| p.kind() == "communication_case")
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

/// The channel's buffer, from the `make` call's capacity argument.
fn buffer_of(make: Node, src: &[u8]) -> Cap {
    match syntax::arguments(make).get(1).copied() {
        None => Cap::Known(0),
        Some(n) if n.kind() == "int_literal" => text(n, src).parse().map_or(Cap::Other, Cap::Known),
        Some(n) => {
            let t = syntax::squeeze(text(n, src));
            match t.strip_prefix("len(").and_then(|r| r.strip_suffix(')')) {
                Some(x) => Cap::Len(x.to_string()),
                None => Cap::Other,
            }
        }
    }
}

/// Whether F has a `goto` of its own: then its statements may run in
/// another order than they are written.
fn has_goto(func: Node) -> bool {
    let mut found = false;
    syntax::visit(
        func,
        &|n| n.kind() != "func_literal" || n.id() == func.id(),
        &mut |n| {
            found |= n.kind() == "goto_statement";
        },
    );
    found
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
    fn find(ctx: &'t Ctx<'a>, make: Node<'t>) -> Option<FanIn<'t, 'a>> {
        let src = ctx.src;
        let func = syntax::enclosing_function(make)?;
        let (name, binding_sites) = channel::binding(make, func, src)?;
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
        for r in references(func, &fa.name, src, &binding_sites) {
            fa.add_use(r)?;
        }
        for p in &mut fa.producers {
            literal_uses(p, src)?;
        }
        // Goroutines that only close the channel are closers, not producers.
        fa.producers
            .retain(|p| p.handed.is_some() || !p.sends.is_empty());
        if fa.producers.is_empty() || (fa.recvs.is_empty() && fa.ranges.is_empty()) {
            return None;
        }
        for p in &mut fa.producers {
            if let Some(i) = p.handed {
                p.callees = channel::callee_params(ctx, p.go, i).ok()?;
            }
        }
        fa.gos = fa.producers.iter().map(|p| p.go).collect();
        Some(fa)
    }

    /// Records one reference `r` to the channel in F: a receive, a range,
    /// a `go` statement's argument, or a capture in a goroutine's literal.
    /// None for any other use.
    fn add_use(&mut self, r: Node<'t>) -> Option<()> {
        let inner = syntax::enclosing_function(r).expect("a reference sits in the function");
        if inner.id() != self.func.id() {
            let go = syntax::go_running(inner, self.func)?;
            let i = self.producer_at(go);
            if self.producers[i].literal.is_none() {
                self.producers[i].literal = Some((inner, self.name.clone()));
            }
            return Some(());
        }
        match channel::classify(r) {
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
                    .parent()
                    .filter(|p| {
                        p.kind() == "range_clause" && p.child_by_field_name("right") == Some(r)
                    })
                    .and_then(|p| p.parent());
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
            (Some((lit, _)), _) => count_sends(&p.sends, *lit, self.src),
            (None, Some(_)) => p.callees.iter().try_fold(0, |m, (d, dsrc, param)| {
                let mut sends = Vec::new();
                for r in references(*d, param, dsrc, &[]) {
                    match channel::classify(r) {
                        Use::Send(s)
                            if syntax::enclosing_function(s).map(|f| f.id()) == Some(d.id()) =>
                        {
                            sends.push(s)
                        }
                        _ => return None,
                    }
                }
                count_sends(&sends, *d, dsrc).map(|c| m.max(c))
            }),
            (None, None) => None,
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
            buffer: buffer_of(self.make, self.src),
        }
    }

    /// What producers started in a loop below the `make` send in all: a
    /// known number when they share one loop with a literal count, one
    /// per element of what that loop ranges over when each sends once,
    /// else unbounded.
    fn sent_in_loop(&self, counts: &[Option<usize>]) -> Sends {
        let src = self.src;
        let range_target = shared_range(&self.producers, self.func).filter(|x| has_length(*x, src));
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
                match p.kind() {
                    "receive_statement" => Some(p),
                    "expression_list" => p
                        .parent()
                        .filter(|d| {
                            matches!(d.kind(), "short_var_declaration" | "assignment_statement")
                        })
                        .filter(|d| d.child_by_field_name("right") == Some(p)),
                    _ => None,
                }
            })
            .filter_map(|p| p.child_by_field_name("left"))
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
            loop_exits(
                l.child_by_field_name("body").unwrap_or(*l),
                *l,
                self.src,
                &|_| false,
            )
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
            && !has_goto(self.func)
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
            .filter(|l| l.kind() == "expression_list")
            .and_then(|l| l.parent())
            .filter(|s| s.kind() == "return_statement")
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
        self.producers.iter().find_map(|p| match &p.literal {
            Some((lit, inside)) => channel::signal_after_send(
                &channel::Producer {
                    func: *lit,
                    src,
                    sends: p.sends.clone(),
                    ch: inside.clone(),
                    go: p.go,
                },
                &self.name,
                func,
                src,
            ),
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
        if let Some(p) = self.producers.iter().find(|p| p.literal.is_none()) {
            if let Some(sig) = signal {
                return Some(self.unproven(why, order_note(sig)));
            }
            let callee =
                p.go.named_child(0)
                    .and_then(|c| c.child_by_field_name("function"));
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

/// The label lines a fix adds to producer loops it leaves by `break`, and
/// the names they take (two sends leaving one loop share its label).
#[derive(Default)]
struct Labels {
    sites: Vec<Site>,
    names: std::collections::HashSet<String>,
}

impl Labels {
    /// The label a new line before loop `outer` (of producer `lit`) gives
    /// it, made once per loop. None when the loop cannot be given one.
    fn make(&mut self, outer: Node, lit: Node, base: &str, src: &[u8]) -> Option<String> {
        let start = syntax::line_start(src, outer.start_byte());
        if let Some(l) = self.sites.iter().find(|l| l.start == start) {
            return Some(l.vars[0].1.trim().trim_end_matches(':').to_string());
        }
        let site = label_site(outer, lit, base, &self.names, src)?;
        let label = site.vars[0].1.trim().trim_end_matches(':').to_string();
        self.names.insert(label.clone());
        self.sites.push(site);
        Some(label)
    }
}

impl<'t> FanIn<'t, '_> {
    /// The guarded fix: the sends to guard with how each stops its
    /// producer, the context the guards watch and where it is derived, or
    /// (seed 003) the blocking return rewritten as a select.
    fn guard(
        &self,
        why: String,
        ctxpkg: &CtxPkg,
        blocking: Option<Node<'t>>,
        capacity: Option<String>,
        signals: bool,
    ) -> Verdict {
        // In the seed shape the buffer of one covers the one send: no guards.
        let sends: Vec<Node> = match blocking {
            Some(_) => vec![],
            None => self.sends_to_guard(),
        };
        if sends.is_empty() && blocking.is_none() {
            return Verdict::Skip;
        }
        if sends.iter().any(|s| self.in_done_arm(*s)) {
            return Verdict::Skip;
        }
        // A send sharing its line (`go func() { ch <- f() }()`) would need
        // the goroutine reformatted around the guard.
        if let Some(s) = sends.iter().find(|s| !alone_on_line(**s, self.src)) {
            let (line, _) = syntax::line_col(self.src, s.start_byte());
            return self.unproven(&why, format!(
                "the send on line {line} shares its line with other code; put the goroutine's body on its own lines, then run again"
            ));
        }
        let (guarded, labels) = match self.guard_sites(&sends) {
            Ok(sites) => sites,
            Err(reason) => return self.unproven(&why, reason),
        };
        let closes = self.producers.iter().any(|p| p.closes) || signals;
        let gctx = self.guard_context(ctxpkg, closes);
        if ctxpkg.imported.is_none()
            && gctx.parent.is_some()
            && let Some(reason) = self.cannot_import_context()
        {
            return self.unproven(&why, reason.to_string());
        }
        if let (Some(ret), Some(p)) = (blocking, &ctxpkg.param) {
            return self.wait_bindings(ret, p, why, capacity);
        }
        let mut bindings: Vec<(&'static str, Value)> = Vec::new();
        if let Some(parent) = &gctx.parent {
            let Some(b) = body_start(self.func, self.src) else {
                return self.unproven(
                    &why,
                    "no place to derive the guards' context at the top of the function".to_string(),
                );
            };
            bindings.push(("body_start", b));
            bindings.push((
                "derive",
                Value::Text(format!("{}.WithCancel({parent})", ctxpkg.name)),
            ));
            if ctxpkg.imported.is_none() {
                bindings.push(("needs_import", Value::Text("true".into())));
            }
        }
        bindings.extend([
            ("chan", Value::Text(self.name.clone())),
            ("why", Value::Text(why)),
            ("mode_note", Value::Text(gctx.mode_note)),
            ("ctx", Value::Text(gctx.name)),
            // Named here, not per fix: two findings in one function then
            // make identical derive lines, which merge.
            (
                "cancel",
                Value::Text(syntax::fresh_name(
                    "cancel",
                    self.func,
                    self.src,
                    &Default::default(),
                )),
            ),
            ("ctxpkg", Value::Text(ctxpkg.name.clone())),
            ("capacity", Value::Text(capacity.unwrap_or_default())),
            ("sends", Value::Sites(guarded)),
            ("loop_labels", Value::Sites(labels.sites)),
        ]);
        Verdict::Holds(bindings)
    }

    /// The producers' sends not already in a select case.
    fn sends_to_guard(&self) -> Vec<Node<'t>> {
        self.producers
            .iter()
            .flat_map(|p| p.sends.iter().copied())
            .filter(|s| !guarded_already(s))
            .collect()
    }

    /// A send in the arm of a select that already watches a Done channel
    /// is how that producer reports cancellation: guarding it would drop
    /// it.
    fn in_done_arm(&self, s: Node) -> bool {
        syntax::ancestors_until(s, self.func).iter().any(|a| {
            a.kind() == "communication_case"
                && a.child_by_field_name("communication")
                    .is_some_and(|c| syntax::squeeze(text(c, self.src)).ends_with(".Done()"))
        })
    }

    /// One guard site per send, with the statement that stops its
    /// producer once the guard fires (when the send is in a loop), and the
    /// label lines those statements need. Err: why a send cannot be
    /// guarded.
    fn guard_sites(&self, sends: &[Node<'t>]) -> Result<(Vec<Site>, Labels), String> {
        let mut guarded: Vec<Site> = Vec::new();
        let mut labels = Labels::default();
        for s in sends {
            let lit = syntax::enclosing_function(*s).expect("a send sits in a literal");
            let mut site = Site::here(s.start_byte(), s.end_byte());
            // A send after which the producer already returns or leaves
            // its loop (`errc <- err; err = e; return`) needs no stop of
            // its own: falling through keeps that path as it was.
            let then_returns = syntax::leaves_after(*s, self.src);
            if let Some(lp) = syntax::enclosing_loop(*s, lit).filter(|_| !then_returns) {
                site.vars
                    .push(("stop", self.stop_statement(*s, lp, lit, &mut labels)?));
            }
            guarded.push(site);
        }
        Ok((guarded, labels))
    }

    /// How a guarded send in loop `lp` of producer `lit` stops its
    /// producer (seed 001): the Done arm returns, or, when code after the
    /// loop must still run (a non-deferred `wg.Done()`, a close) or the
    /// producer returns values, leaves the producer's outermost loop under
    /// its label (made if need be).
    fn stop_statement(
        &self,
        s: Node<'t>,
        lp: Node<'t>,
        lit: Node<'t>,
        labels: &mut Labels,
    ) -> Result<String, String> {
        let src = self.src;
        // The channel's name in the producer: closing it after the loop
        // can be skipped, nobody receives any more.
        let inside = self
            .producers
            .iter()
            .find(|p| p.sends.iter().any(|x| x.id() == s.id()))
            .and_then(|p| p.literal.as_ref())
            .map_or(self.name.as_str(), |(_, n)| n.as_str());
        let returns_values = lit.child_by_field_name("result").is_some();
        if skipped_by_return(lp, lit, inside, src).is_none() && !returns_values {
            return Ok("return".to_string());
        }
        let outer = syntax::ancestors_until(s, lit)
            .into_iter()
            .rfind(|n| n.kind() == "for_statement")
            .unwrap_or(lp);
        // Leaving the outer loop must skip nothing either: an inner
        // iterator's Release, a count after the inner loop.
        let between = (outer.id() != lp.id())
            .then(|| skipped_by_return(lp, outer, inside, src))
            .flatten();
        if let Some(after) = between {
            let first = text(after, src).lines().next().unwrap_or("").trim();
            return Err(format!(
                "a producer sends in a nested loop followed by `{first}`, which leaving the loop on cancellation would skip"
            ));
        }
        let labelled = outer
            .parent()
            .filter(|p| p.kind() == "labeled_statement")
            .and_then(|p| p.child_by_field_name("label"));
        if let Some(l) = labelled {
            return Ok(format!("break {}", text(l, src)));
        }
        match labels.make(outer, lit, &format!("{}Loop", self.name), src) {
            Some(label) => Ok(format!("break {label}")),
            None => Err(
                "a producer sends in a loop that cannot be given a label to leave on cancellation"
                    .to_string(),
            ),
        }
    }

    /// Whether F watches context `c` at every receive, in a select arm
    /// `<-c.Done()` that stops F or after which nothing takes from the
    /// channel (else the arm would wait on the channel again, for a send
    /// the guard skipped). A producer that closes the channel (or signals
    /// another the receiver selects on) would, after a guard skipped its
    /// send, hand a receiver that still selects the close instead of the
    /// value: with `closes`, no context F watches is safe.
    fn watched(&self, c: &str, closes: bool) -> bool {
        let (func, src) = (self.func, self.src);
        let done = format!("<-{c}.Done()");
        !closes
            && self.ranges.is_empty()
            && self.recvs.iter().all(|r| {
                let path = syntax::ancestors_until(*r, func);
                own_case(*r, &path)
                    .and_then(|case| case.parent())
                    .is_some_and(|sel| {
                        let no_more = !syntax::in_loop_within(sel, func)
                            && self.recvs.iter().all(|x| x.start_byte() < sel.end_byte());
                        syntax::select_cases(sel).iter().any(|k| {
                            k.child_by_field_name("communication")
                                .is_some_and(|c| syntax::squeeze(text(c, src)) == done)
                                && (no_more || case_stops(*k, src))
                        })
                    })
            })
    }

    /// The guards' context must be cancelled only once F has stopped
    /// receiving: a context F itself watches at every receive, with an arm
    /// that leaves (an existing child, or a child of its parameter), a
    /// test's own context, or else a child of the background context,
    /// cancelled when F returns.
    fn guard_context(&self, ctxpkg: &CtxPkg, closes: bool) -> GuardCtx {
        let (func, src) = (self.func, self.src);
        // An existing child is named in the guards as it is: a producer
        // that declares its own of that name would watch that one instead.
        let shadowed = |c: &str| {
            self.producers.iter().any(|p| {
                p.literal
                    .as_ref()
                    .is_some_and(|(lit, _)| super::scope::declares(*lit, c, src))
            })
        };
        let existing = existing_child(func, first_go(&self.producers), &ctxpkg.name, src)
            .filter(|_| ctxpkg.imported.is_some())
            .filter(|c| self.watched(c, closes) && !shadowed(c));
        let test_ctx = testing_param(func, src).filter(|_| {
            self.ctx
                .package
                .module()
                .go_version
                .is_some_and(|v| v >= (1, 24))
        });
        let derived = |parent: String, mode_note: String| GuardCtx {
            name: syntax::fresh_name("ctx", func, src, &Default::default()),
            parent: Some(parent),
            mode_note,
        };
        let background = format!("{}.Background()", ctxpkg.name);
        match (existing, &ctxpkg.param, test_ctx) {
            (Some(c), _, _) => GuardCtx {
                name: c,
                parent: None,
                mode_note: String::new(),
            },
            (None, Some(p), _) if self.watched(p, closes) => derived(p.clone(), String::new()),
            (None, _, Some(t)) => derived(format!("{t}.Context()"), String::new()),
            (None, Some(p), None) => derived(
                background,
                format!(
                    "; the guards watch a context cancelled when `{}` returns, not `{p}`: it may still be waiting on `{}` when `{p}` is cancelled",
                    syntax::decl_name(func, src).unwrap_or("the function"),
                    self.name
                ),
            ),
            (None, None, None) => derived(background, String::new()),
        }
    }

    /// Why `import "context"` cannot be added, if it cannot: a
    /// package-level name `context`, or a standard-library package that
    /// `context` itself imports (a cycle).
    fn cannot_import_context(&self) -> Option<&'static str> {
        if declares_context(self.ctx) {
            return Some(
                "the package declares its own `context`, so the context package cannot be imported",
            );
        }
        let m = self.ctx.package.module();
        (m.path.as_deref() == Some("std")
            && m.import_path
                .as_deref()
                .is_none_or(|p| CONTEXT_DEPS.contains(&p)))
        .then_some(
            "the context package itself depends on this package: importing it would form a cycle",
        )
    }

    /// The blocking `return <-ch, ...` rewritten as a select on F's own
    /// context `p`: the value's return, or the zero values and `p.Err()`.
    fn wait_bindings(&self, ret: Node, p: &str, why: String, capacity: Option<String>) -> Verdict {
        let (func, src) = (self.func, self.src);
        let results = result_types(func);
        let list = ret
            .named_child(0)
            .expect("a return with a receive has results");
        let mut c = list.walk();
        let exprs: Vec<Node> = list
            .named_children(&mut c)
            .filter(|n| n.kind() != "comment")
            .collect();
        if exprs.len() != results.len() {
            return Verdict::Skip;
        }
        let recv_name = syntax::fresh_name("r", func, src, &Default::default());
        let ok: Vec<String> = exprs
            .iter()
            .map(|e| {
                if syntax::contains(*e, self.recvs[0]) && e.kind() == "unary_expression" {
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
                    format!("{p}.Err()")
                } else {
                    zero_value(*t, self.ctx)
                }
            })
            .collect();
        Verdict::Holds(vec![
            (
                "blocking_return",
                Value::Span(ret.start_byte(), ret.end_byte()),
            ),
            ("recv", Value::Text(recv_name)),
            ("wait_ctx", Value::Text(p.to_string())),
            (
                "return_ok",
                Value::Text(format!("return {}", ok.join(", "))),
            ),
            (
                "return_cancel",
                Value::Text(format!("return {}", cancel.join(", "))),
            ),
            ("chan", Value::Text(self.name.clone())),
            ("why", Value::Text(why)),
            ("mode_note", Value::Text(String::new())),
            ("capacity", Value::Text(capacity.unwrap_or_default())),
        ])
    }
}

/// Where derived lines go in F's body: first (after a leading
/// `t.Parallel()`), above a leading comment, but below a comment on the
/// `{` line: inserting before that one would put the lines after the brace
/// (found by tests/proptest_engine.rs).
fn body_start(func: Node, src: &[u8]) -> Option<Value> {
    let b = func.child_by_field_name("body")?;
    let mut c = b.walk();
    let first = b
        .named_children(&mut c)
        .find(|n| n.kind() != "comment" || n.start_position().row != b.start_position().row)?;
    let first = if first.kind() == "statement_list" {
        let mut c2 = first.walk();
        first.named_children(&mut c2).next()?
    } else {
        first
    };
    if first.kind() == "expression_statement"
        && syntax::squeeze(text(first, src)).ends_with(".Parallel()")
    {
        let next = first.next_named_sibling()?;
        return (next.start_position().row != first.start_position().row)
            .then(|| Value::Span(next.start_byte(), next.start_byte()));
    }
    Some(Value::Span(first.start_byte(), first.start_byte()))
}

impl FanIn<'_, '_> {
    /// A producer started on every pass of a loop whose pass always takes its
    /// one value before it ends (go-ethereum's resubscribe loop): `for { go
    /// func() { ...; ch <- v }(); select { case v := <-ch: ...; case <-quit:
    /// <-ch; return } }`. One unbuffered channel, one producer sending once,
    /// every receive in the loop, and a select right after the `go` (nothing
    /// but plain statements between) whose every case takes the value: by its
    /// communication, or by a plain `<-ch` in its body before any jump.
    fn takes_each_pass(&self, counts: &[Option<usize>], unbuffered: bool) -> bool {
        let (recvs, ranges, func, src) = (&self.recvs, &self.ranges, self.func, self.src);
        let ([p], [Some(1)]) = (self.producers.as_slice(), counts) else {
            return false;
        };
        let Some(lp) = syntax::enclosing_loop(p.go, func) else {
            return false;
        };
        if !unbuffered || !ranges.is_empty() || !recvs.iter().all(|r| syntax::contains(lp, *r)) {
            return false;
        }
        let jumps = |n: Node| {
            let mut found = false;
            syntax::visit(n, &|k| k.kind() != "func_literal", &mut |k| {
                found |= matches!(
                    k.kind(),
                    "return_statement"
                        | "break_statement"
                        | "continue_statement"
                        | "goto_statement"
                ) || exits::stops_here(k, src);
            });
            found
        };
        // The go statement and, after it in the same block, the select.
        let mut next = p.go.next_named_sibling();
        let select = loop {
            match next {
                None => return false,
                Some(n) if n.kind() == "select_statement" => break n,
                Some(n) if n.kind() == "comment" || !jumps(n) => next = n.next_named_sibling(),
                Some(_) => return false,
            }
        };
        let takes = |r: &Node| syntax::contains(select, *r);
        syntax::select_cases(select).into_iter().all(|case| {
            let comm = case.child_by_field_name("communication");
            if comm.is_some_and(|c| recvs.iter().any(|r| syntax::contains(c, *r))) {
                return true;
            }
            // A plain receive in the case's own statements, before any jump.
            let mut c = case.walk();
            let Some(body) = case
                .named_children(&mut c)
                .find(|n| n.kind() == "statement_list")
            else {
                return false;
            };
            let mut c = body.walk();
            for st in body.named_children(&mut c) {
                let plain = matches!(
                    st.kind(),
                    "expression_statement" | "short_var_declaration" | "assignment_statement"
                ) && recvs.iter().any(|r| {
                    takes(r)
                        && r.parent().is_some_and(|x| {
                            x.id() == st.id()
                                || (x.kind() == "expression_list"
                                    && x.parent().is_some_and(|y| y.id() == st.id()))
                        })
                });
                if plain {
                    return true;
                }
                if jumps(st) {
                    return false;
                }
            }
            false
        })
    }

    /// F waits, before it can return at all, for a channel the producers
    /// signal only after their last send (`<-done`, closed by the producer's
    /// deferred close): F cannot return while a producer still sends, so a
    /// send nobody takes would hang F rather than leak, and no guard on a
    /// context cancelled when F returns could ever fire (etcd raft's
    /// node_test). A plain receive of such a channel after every receive of
    /// the results, and no exit from F before it.
    fn waits_for_producers(&self, finished: &[String]) -> bool {
        let (recvs, gos, func, src) = (&self.recvs, &self.gos, self.func, self.src);
        let Some(body) = func.child_by_field_name("body") else {
            return false;
        };
        let last_recv = recvs.iter().map(|r| r.end_byte()).max().unwrap_or(0);
        let mut wait: Option<Node> = None;
        syntax::visit(body, &|n| n.kind() != "func_literal", &mut |n| {
            if wait.is_some() || n.kind() != "unary_expression" || n.start_byte() < last_recv {
                return;
            }
            let t = syntax::squeeze(text(n, src));
            let waits = finished.iter().any(|x| t == format!("<-{x}"))
                && n.parent()
                    .is_some_and(|p| p.kind() == "expression_statement")
                && is_plain(n, func, gos, src);
            if waits {
                wait = Some(n);
            }
        });
        let Some(wait) = wait else {
            return false;
        };
        // `t.Fatal` and the like leave F too (and run its deferred cancel).
        let mut stops_before = false;
        syntax::visit(body, &|n| n.kind() != "func_literal", &mut |n| {
            stops_before |= n.end_byte() <= wait.start_byte() && exits::stops_here(n, src);
        });
        !stops_before
            && loop_exits(body, func, src, &|_| false)
                .iter()
                .all(|e| e.start_byte() > wait.end_byte())
    }
}

/// Channels every producer closes or sends on only once it has made its
/// last send on `ch` (pion's `close(doneCh)` after the read loop, a
/// `quit <- true; break LOOP`, a deferred close): a receiver that takes
/// them has taken, or can no longer be owed, any value. Literal producers
/// only, and only names they share with F.
fn finished_signals(producers: &[Producer], ch: &str, src: &[u8]) -> Vec<String> {
    let mut per: Vec<Vec<String>> = Vec::new();
    for p in producers {
        let Some((lit, inside)) = &p.literal else {
            return vec![];
        };
        if inside != ch {
            return vec![];
        }
        let sends = &p.sends;
        // The statement that signals `x`, if `n` does.
        let mut finals: Vec<String> = Vec::new();
        let mut early: Vec<String> = Vec::new();
        syntax::visit(
            *lit,
            &|n| n.kind() != "func_literal" || n.id() == lit.id(),
            &mut |n| {
                let Some(x) = channel::signalled(n, src) else {
                    return;
                };
                if x == ch {
                    return;
                }
                let deferred = syntax::ancestors_until(n, *lit)
                    .iter()
                    .any(|a| a.kind() == "defer_statement");
                let stmt = if n.kind() == "send_statement" {
                    n
                } else {
                    n.parent().unwrap_or(n)
                };
                let after_all = sends.iter().all(|s| s.end_byte() <= stmt.start_byte())
                    && !syntax::ancestors_until(stmt, *lit).iter().any(|a| {
                        a.kind() == "for_statement"
                            && sends.iter().any(|s| syntax::contains(*a, *s))
                    });
                // `x <- v; break LOOP` (or `return`) where LOOP holds every
                // send and nothing is sent after it.
                let next = stmt.next_named_sibling().filter(|n| n.kind() != "comment");
                let leaves_sends = next.is_some_and(|b| {
                    if exits::stops_here(b, src) {
                        return true;
                    }
                    let labelled = b.named_child(0).is_some_and(|l| l.kind() == "label_name");
                    b.kind() == "break_statement"
                        && labelled
                        && syntax::jump_target(b, src).is_some_and(|l| {
                            l.kind() == "for_statement"
                                && syntax::contains(*lit, l)
                                && sends.iter().all(|s| syntax::contains(l, *s))
                        })
                });
                if deferred || after_all || leaves_sends {
                    finals.push(x);
                } else {
                    early.push(x);
                }
            },
        );
        finals.retain(|x| !early.contains(x) && !super::scope::declares(*lit, x, src));
        finals.sort();
        finals.dedup();
        per.push(finals);
    }
    let Some(first) = per.first() else {
        return vec![];
    };
    first
        .iter()
        .filter(|x| per.iter().all(|f| f.contains(x)))
        .cloned()
        .collect()
}

/// The first statement a `return` from inside loop `lp` would skip: what
/// follows `lp`, and every statement around it, up to the end of `lit` (a
/// function literal, or an outer loop for a `break` out of it).
/// Closing the guarded channel `ch` itself is not missed: once the guard
/// fires nobody receives from it.
fn skipped_by_return<'t>(lp: Node<'t>, lit: Node<'t>, ch: &str, src: &[u8]) -> Option<Node<'t>> {
    let closes_ch = |s: Node| {
        s.kind() == "expression_statement"
            && syntax::squeeze(text(s, src)) == format!("close({ch})")
    };
    let mut cur = lp;
    while let Some(parent) = cur.parent() {
        if parent.id() == lit.id() {
            return None;
        }
        if matches!(parent.kind(), "block" | "statement_list") {
            let mut sib = cur.next_named_sibling();
            while let Some(s) = sib {
                if s.kind() == "return_statement" && channel::is_inert(s, src) {
                    return None;
                }
                if !channel::is_inert(s, src) && !closes_ch(s) {
                    return Some(s);
                }
                sib = s.next_named_sibling();
            }
        }
        cur = parent;
    }
    None
}

/// A label line for loop `lp` of producer `lit`: an empty span at the start
/// of the loop's line, and the line (`label_line`), one tab left of the
/// loop as gofmt lays labels out. None when the loop does not start its
/// line or sits at the left margin.
fn label_site(
    lp: Node,
    lit: Node,
    base: &str,
    taken: &std::collections::HashSet<String>,
    src: &[u8],
) -> Option<Site> {
    let start = lp.start_byte();
    let line_start = syntax::line_start(src, start);
    let indent = std::str::from_utf8(&src[line_start..start]).ok()?;
    if !indent.bytes().all(|b| b == b'\t') || indent.is_empty() {
        return None;
    }
    let name = syntax::fresh_name(base, lit, src, taken);
    let mut site = Site::here(line_start, line_start);
    site.vars
        .push(("label_line", format!("{}{name}:\n", &indent[1..])));
    Some(site)
}

/// The name of F's `*testing.T`, `*testing.B`, `*testing.F` or
/// `testing.TB` parameter, whose `Context()` ends with the test.
fn testing_param(func: Node, src: &[u8]) -> Option<String> {
    let params = func.child_by_field_name("parameters")?;
    let mut c = params.walk();
    params.named_children(&mut c).find_map(|d| {
        let ty = syntax::squeeze(text(d.child_by_field_name("type")?, src));
        if !matches!(
            ty.as_str(),
            "*testing.T" | "*testing.B" | "*testing.F" | "testing.TB"
        ) {
            return None;
        }
        let mut c2 = d.walk();
        let n = d.children_by_field_name("name", &mut c2).next()?;
        Some(text(n, src).to_string()).filter(|n| n != "_")
    })
}
