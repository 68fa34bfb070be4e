//! How a fan-in's receiver can stop receiving, and whether it surely
//! takes everything: the select cases, loop exits, ranges and early
//! returns that stop it (each with how many values it has taken by then),
//! which receives always run, and the waits and signals that tell it the
//! producers are through.

use super::super::channel;
use super::{FanIn, Producer};
use crate::go::exits::{self, Ends};
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

/// A countdown: `if n == 0 { return }` (or `<=`, `>=`, `==` against any
/// bound) where `n` is stepped (`n--`, `n++`, `n -= 1`, `n += 1`) in
/// `scope`. Such an exit comes after every result was taken.
pub(super) fn is_countdown(exit: Node, scope: Node, src: &[u8]) -> bool {
    let Some(cond) = syntax::ancestors_until(exit, scope)
        .into_iter()
        .find(|n| n.kind_str() == "if_statement")
        .and_then(|i| i.child_field("condition"))
    else {
        return false;
    };
    if cond.kind_str() != "binary_expression"
        || !cond
            .child_field("operator")
            .is_some_and(|o| matches!(o.kind_str(), "==" | "<=" | ">="))
    {
        return false;
    }
    let counters: Vec<&str> = [cond.child_field("left"), cond.child_field("right")]
        .into_iter()
        .flatten()
        .filter(|n| n.kind_str() == "identifier")
        .map(|n| text(n, src))
        .collect();
    let mut stepped = false;
    syntax::visit(scope, &|n| n.kind_str() != "func_literal", &mut |n| {
        let target = match n.kind_str() {
            "inc_statement" | "dec_statement" => n.named_child(0),
            "assignment_statement"
                if n.child_field("operator")
                    .is_some_and(|o| matches!(o.kind_str(), "+=" | "-=")) =>
            {
                n.child_field("left").and_then(|l| l.named_child(0))
            }
            _ => None,
        };
        stepped |= target.is_some_and(|t| counters.contains(&text(t, src)));
    });
    stepped
}

/// Receives that always run when F gets to them: not inside a condition,
/// loop, select or switch. Counts those starting before `before`.
pub(super) fn plain_receives(
    recvs: &[Node],
    func: Node,
    gos: &[Node],
    before: usize,
    src: &[u8],
) -> usize {
    recvs
        .iter()
        .filter(|r| r.start_byte() < before && is_plain(**r, func, gos, src))
        .count()
}

/// True when the last statement of a select case stops F (a return, a
/// panic, `t.Fatal`, ...): F never goes past the select through it.
pub(super) fn case_stops(case: Node, src: &[u8]) -> bool {
    case_statements(case)
        .last()
        .is_some_and(|last| exits::stops_here(*last, src))
}

/// The statements of a select or switch case, comments left out.
pub(super) fn case_statements(case: Node) -> Vec<Node> {
    let mut c = case.walk();
    let Some(body) = case
        .named_children(&mut c)
        .find(|n| n.kind_str() == "statement_list")
    else {
        return vec![];
    };
    let mut c = body.walk();
    body.named_children(&mut c)
        .filter(|n| n.kind_str() != "comment")
        .collect()
}

/// The select case whose communication is `recv` (`path`: its ancestors,
/// innermost first), if it is one.
pub(super) fn own_case<'t>(recv: Node<'t>, path: &[Node<'t>]) -> Option<Node<'t>> {
    path.iter()
        .find(|n| n.kind_str() == "communication_case")
        .filter(|c| {
            c.child_field("communication")
                .is_some_and(|m| syntax::contains(m, recv))
        })
        .copied()
}

/// `gos`: the producers' `go` statements. Only the statements between the
/// receive and the innermost one holding every `go` count: what encloses
/// them both runs the receive whenever it ran the producers (a `<-done`
/// in the same select case as its `go`).
pub(super) fn is_plain(recv: Node, func: Node, gos: &[Node], src: &[u8]) -> bool {
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
        if a.kind_str() == "if_statement" {
            return a.child_field("initializer") == Some(below)
                || a.child_field("condition") == Some(below);
        }
        !matches!(
            a.kind_str(),
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
pub(super) fn loop_exits<'t>(
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
pub(super) struct Through {
    pub(super) ok_names: Vec<String>,
    pub(super) finished: Vec<String>,
}

impl Through {
    /// True when select case `case` receives from a channel the producers
    /// signal only once they have sent everything: taking it leaves
    /// nothing unsent.
    pub(super) fn finishes(&self, case: Node, src: &[u8]) -> bool {
        case.child_field("communication").is_some_and(|c| {
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
pub(super) struct StopPath {
    pub(super) reason: &'static str,
    pub(super) taken: usize,
    pub(super) at: Option<usize>,
}

impl<'t> FanIn<'t, '_> {
    /// Every way F can stop receiving early (see [`StopPath`]). An empty
    /// list means F never stops early.
    pub(super) fn stop_paths(&self, through: &Through) -> Vec<StopPath> {
        let mut out = Vec::new();
        for &recv in &self.recvs {
            let path = syntax::ancestors_until(recv, self.func);
            let lp = path
                .iter()
                .find(|n| n.kind_str() == "for_statement")
                .copied();
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
    pub(super) fn closed_exit(&self, n: Node, through: &Through) -> bool {
        syntax::ancestors_until(n, self.func)
            .iter()
            .filter(|a| a.kind_str() == "if_statement")
            .filter_map(|i| i.child_field("condition"))
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
    pub(super) fn plain_before(&self, before: usize) -> usize {
        plain_receives(&self.recvs, self.func, &self.gos, before, self.src)
    }

    /// The other cases of a select receiving from the channel: each that
    /// can leave the receive loop (or, outside a loop, simply be taken
    /// instead) is a way to stop receiving, having taken the receives
    /// before the select and any the case drains itself.
    pub(super) fn other_case_stops(
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
    pub(super) fn taken_after(&self, case: Node, select: Node) -> usize {
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
    pub(super) fn receive_loop_stops(
        &self,
        recv: Node,
        lp: Node,
        own_case: Option<Node>,
        other_cases: &[Node],
        through: &Through,
        out: &mut Vec<StopPath>,
    ) {
        let body = lp.child_field("body").unwrap_or(lp);
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
    pub(super) fn range_stops(&self, out: &mut Vec<StopPath>) {
        for &l in &self.ranges {
            let body = l.child_field("body").unwrap_or(l);
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
    pub(super) fn early_returns(&self, out: &mut Vec<StopPath>) {
        let (func, src) = (self.func, self.src);
        let first_go = self.gos.iter().map(|g| g.start_byte()).min().unwrap_or(0);
        let last_plain = self
            .recvs
            .iter()
            .filter(|r| is_plain(**r, func, &self.gos, src))
            .map(|r| r.start_byte())
            .max();
        let (Some(last), Some(body)) = (last_plain, func.child_field("body")) else {
            return;
        };
        for e in loop_exits(body, func, src, &|_| false) {
            let inside_receiving = syntax::ancestors_until(e, func).iter().any(|a| {
                matches!(a.kind_str(), "for_statement" | "select_statement")
                    && self.recvs.iter().any(|r| syntax::contains(*a, *r))
            });
            let receives_itself = self.recvs.iter().any(|r| syntax::contains(e, *r));
            if e.start_byte() > first_go
                && e.start_byte() < last
                && !inside_receiving
                && !receives_itself
            {
                let ends_f = e.kind_str() != "goto_statement";
                out.push(StopPath {
                    reason: "it can return before it receives",
                    taken: self.plain_before(e.start_byte()),
                    at: ends_f.then(|| e.start_byte()),
                });
            }
        }
    }
}

impl FanIn<'_, '_> {
    /// A producer started on every pass of a loop whose pass always takes its
    /// one value before it ends (go-ethereum's resubscribe loop): `for { go
    /// func() { ...; ch <- v }(); select { case v := <-ch: ...; case <-quit:
    /// <-ch; return } }`. One unbuffered channel, one producer sending once,
    /// every receive in the loop, and a select right after the `go` (nothing
    /// but plain statements between) whose every case takes the value: by its
    /// communication, or by a plain `<-ch` in its body before any jump.
    pub(super) fn takes_each_pass(&self, counts: &[Option<usize>], unbuffered: bool) -> bool {
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
            syntax::visit(n, &|k| k.kind_str() != "func_literal", &mut |k| {
                found |= matches!(
                    k.kind_str(),
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
                Some(n) if n.kind_str() == "select_statement" => break n,
                Some(n) if n.kind_str() == "comment" || !jumps(n) => next = n.next_named_sibling(),
                Some(_) => return false,
            }
        };
        let takes = |r: &Node| syntax::contains(select, *r);
        syntax::select_cases(select).into_iter().all(|case| {
            let comm = case.child_field("communication");
            if comm.is_some_and(|c| recvs.iter().any(|r| syntax::contains(c, *r))) {
                return true;
            }
            // A plain receive in the case's own statements, before any jump.
            let mut c = case.walk();
            let Some(body) = case
                .named_children(&mut c)
                .find(|n| n.kind_str() == "statement_list")
            else {
                return false;
            };
            let mut c = body.walk();
            for st in body.named_children(&mut c) {
                let plain = matches!(
                    st.kind_str(),
                    "expression_statement" | "short_var_declaration" | "assignment_statement"
                ) && recvs.iter().any(|r| {
                    takes(r)
                        && r.parent().is_some_and(|x| {
                            x.id() == st.id()
                                || (x.kind_str() == "expression_list"
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
    pub(super) fn waits_for_producers(&self, finished: &[String]) -> bool {
        let (recvs, gos, func, src) = (&self.recvs, &self.gos, self.func, self.src);
        // Nothing to wait for: no walk of F (most producers signal nothing
        // after their last send).
        if finished.is_empty() {
            return false;
        }
        let Some(body) = func.child_field("body") else {
            return false;
        };
        let last_recv = recvs.iter().map(|r| r.end_byte()).max().unwrap_or(0);
        let mut wait: Option<Node> = None;
        syntax::visit(body, &|n| n.kind_str() != "func_literal", &mut |n| {
            if wait.is_some() || n.kind_str() != "unary_expression" || n.start_byte() < last_recv {
                return;
            }
            let t = syntax::squeeze(text(n, src));
            let waits = finished.iter().any(|x| t == format!("<-{x}"))
                && n.parent()
                    .is_some_and(|p| p.kind_str() == "expression_statement")
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
        syntax::visit(body, &syntax::own_statements_under, &mut |n| {
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
pub(super) fn finished_signals(producers: &[Producer], ch: &str, src: &[u8]) -> Vec<String> {
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
            &|n| n.kind_str() != "func_literal" || n.id() == lit.id(),
            &mut |n| {
                let Some(x) = channel::signalled(n, src) else {
                    return;
                };
                if x == ch {
                    return;
                }
                let deferred = syntax::ancestors_until(n, *lit)
                    .iter()
                    .any(|a| a.kind_str() == "defer_statement");
                let stmt = if n.kind_str() == "send_statement" {
                    n
                } else {
                    n.parent().unwrap_or(n)
                };
                let after_all = sends.iter().all(|s| s.end_byte() <= stmt.start_byte())
                    && !syntax::ancestors_until(stmt, *lit).iter().any(|a| {
                        a.kind_str() == "for_statement"
                            && sends.iter().any(|s| syntax::contains(*a, *s))
                    });
                // `x <- v; break LOOP` (or `return`) where LOOP holds every
                // send and nothing is sent after it.
                let next = stmt
                    .next_named_sibling()
                    .filter(|n| n.kind_str() != "comment");
                let leaves_sends = next.is_some_and(|b| {
                    if exits::stops_here(b, src) {
                        return true;
                    }
                    let labelled = b
                        .named_child(0)
                        .is_some_and(|l| l.kind_str() == "label_name");
                    b.kind_str() == "break_statement"
                        && labelled
                        && syntax::jump_target(b, src).is_some_and(|l| {
                            l.kind_str() == "for_statement"
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
        finals.retain(|x| !early.contains(x) && !super::super::scope::declares(*lit, x, src));
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
