//! Guards for sends in a function the producer hands the channel to
//! (`go func() { defer close(ch); produce(ctx, ch) }()`, or `go
//! produce(ctx, ch)`): the send is guarded where it is, in the helper
//! (maybe in another file), on the helper's own context parameter, when
//! the caller passes it the context F gives up on and no other caller of
//! the helper could be hurt by the guard.

use super::super::scope::declares;
use super::super::{Site, Value, Verdict};
use super::guard::{alone_on_line, ctx_param, existing_child, first_go, skipped_by_return};
use super::stops::{Through, case_statements, case_stops, loop_exits, own_case};
use super::{CtxPkg, FanIn, Helper, guarded_already};
use crate::go::exits::{self, Ends};
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use std::path::PathBuf;
use tree_sitter::Node;

/// The guards in helpers: their sites (each with the helper's context name
/// as `ctx`), a helper's context name, and a note for the reviewer.
#[derive(Default)]
pub(super) struct HandedGuards {
    pub sites: Vec<Site>,
    pub ctx: Option<String>,
    pub note: String,
}

/// The root of the tree `n` is in.
fn root_of(n: Node) -> Node {
    let mut r = n;
    while let Some(p) = r.parent() {
        r = p;
    }
    r
}

/// A `<-X.Done()` case's X, spaces removed.
fn done_of(case: Node, src: &[u8]) -> Option<String> {
    let c = case.child_field("communication")?;
    let t = syntax::squeeze(text(c, src));
    t.strip_prefix("<-")?
        .strip_suffix(".Done()")
        .map(str::to_string)
}

impl<'t> FanIn<'t, '_> {
    /// The file holding `src`: None for the file being checked.
    fn file_of(&self, src: &[u8], name: &str) -> Result<Option<PathBuf>, String> {
        if std::ptr::eq(src, self.src) {
            return Ok(None);
        }
        self.ctx
            .package
            .others_mentioning(name)
            .into_iter()
            .find(|f| std::ptr::eq(f.src.as_slice(), src))
            .map(|f| Some(f.path.clone()))
            .ok_or_else(|| format!("cannot tell which file declares `{name}`"))
    }

    /// The guards for every helper's unguarded sends. Err: why one of them
    /// cannot be guarded.
    pub(super) fn handed_guards(&self, closes: bool) -> Result<HandedGuards, String> {
        let mut out = HandedGuards::default();
        for p in &self.producers {
            for h in &p.helpers {
                let lit = p.literal.as_ref().map(|(l, _)| *l);
                self.helper_guard(h, lit, closes, &mut out)?;
            }
        }
        Ok(out)
    }

    fn helper_guard(
        &self,
        h: &Helper<'t>,
        lit: Option<Node<'t>>,
        closes: bool,
        out: &mut HandedGuards,
    ) -> Result<(), String> {
        let todo = |sends: &[Node<'t>]| sends.iter().any(|s| !guarded_already(s));
        if !h.callees.iter().any(|(_, sends)| todo(sends)) {
            return Ok(());
        }
        let callee = h
            .call
            .child_field("function")
            .map_or("", |f| text(f, self.src));
        let args = syntax::arguments(h.call);
        for ((d, dsrc, param), sends) in &h.callees {
            let name = syntax::decl_name(*d, dsrc).unwrap_or(callee);
            let ctxpkg = syntax::import_names_at(root_of(*d), dsrc)
                .into_iter()
                .find(|(_, p)| p == "context")
                .map(|(n, _)| n);
            let Some(hctx) = ctxpkg.and_then(|c| ctx_param(*d, &c, dsrc)) else {
                return Err(format!(
                    "`{callee}` sends on the channel with no context parameter to guard its sends with"
                ));
            };
            let k = syntax::parameter_names(*d, dsrc)
                .iter()
                .position(|(n, _)| *n == hctx)
                .expect("the context is a parameter");
            let arg = args.get(k).map_or("", |a| text(*a, self.src));
            let note = self.gives_up_on(arg, lit, closes, callee)?;
            self.other_callers(*d, dsrc, h.call, k, name)?;
            let path = self.file_of(dsrc, name)?;
            for s in sends.iter().filter(|s| !guarded_already(s)) {
                out.sites.push(helper_site(
                    *s,
                    *d,
                    dsrc,
                    param,
                    &hctx,
                    path.clone(),
                    callee,
                )?);
            }
            out.ctx.get_or_insert(hctx);
            if out.note.is_empty() {
                out.note = note;
            }
        }
        Ok(())
    }

    /// Whether `arg`, the context a helper is handed (from inside producer
    /// literal `lit`, if any), is one F gives up on, so a guard on it only
    /// fires once F stops taking values: F watches it at every receive, or
    /// (the note says so) F's one producer closes the channel once the
    /// helper returns and F ranges over it, stopping only on its Done.
    fn gives_up_on(
        &self,
        arg: &str,
        lit: Option<Node>,
        closes: bool,
        callee: &str,
    ) -> Result<String, String> {
        let (func, src) = (self.func, self.src);
        let fname = syntax::decl_name(func, src).unwrap_or("the function");
        let ours = CtxPkg::of(self.ctx, func);
        let known = ours.param.as_deref() == Some(arg)
            || existing_child(func, first_go(&self.producers), &ours.name, src).as_deref()
                == Some(arg);
        let shadowed = lit.is_some_and(|l| declares(l, arg, src));
        let not_given_up = || {
            format!(
                "`{callee}` is handed `{arg}`, which `{fname}` does not give up on at every receive: a guard on it could skip a send `{fname}` still waits for"
            )
        };
        if !known || shadowed {
            return Err(format!(
                "`{callee}` is handed `{arg}`, not a context `{fname}` gives up on: a guard on it could skip a send `{fname}` still waits for, or never fire"
            ));
        }
        if !self.gives_up_only_on(arg) {
            return Err(format!(
                "`{fname}` also stops taking values while `{arg}` is not cancelled: a guard on `{arg}` in `{callee}` would not free it then"
            ));
        }
        if self.watched(arg, closes) {
            return Ok(String::new());
        }
        // The range shape (GoBench's Cockroach18101): one producer that
        // closes the channel on its way out, F ranging over it, and every
        // other receive of F in a select that leaves on `<-arg.Done()`.
        let closes_on_exit = lit.is_some_and(|l| {
            let want = format!("deferclose({})", self.name);
            let mut found = false;
            syntax::visit(
                l,
                &|n| n.kind_str() != "func_literal" || n.id() == l.id(),
                &mut |n| {
                    found |=
                        n.kind_str() == "defer_statement" && syntax::squeeze(text(n, src)) == want;
                },
            );
            found
        });
        let gives_up =
            |case: Node| done_of(case, src).as_deref() == Some(arg) && case_stops(case, src);
        let mut stops_on_done = false;
        syntax::visit(
            func,
            &|n| n.kind_str() != "func_literal" || n.id() == func.id(),
            &mut |n| {
                stops_on_done |= n.kind_str() == "communication_case" && gives_up(n);
            },
        );
        let recvs_watch = self.recvs.iter().all(|r| {
            let path = syntax::ancestors_until(*r, func);
            own_case(*r, &path)
                .and_then(|c| c.parent())
                .is_some_and(|sel| syntax::select_cases(sel).into_iter().any(gives_up))
        });
        if self.producers.len() == 1
            && closes_on_exit
            && !self.ranges.is_empty()
            && stops_on_done
            && recvs_watch
        {
            if self.range_ends_like_done(&gives_up) {
                return Ok(String::new());
            }
            return Err(format!(
                "once `{arg}` is cancelled, a guard in `{callee}` would stop its sends and `{}` would be closed, so `{fname}` could leave its range over it and go on after the loop instead of taking its own `<-{arg}.Done()` case: a result it never returned before",
                self.name
            ));
        }
        Err(not_given_up())
    }

    /// Whether leaving a range over the channel because the producer
    /// stopped on Done and closed it ends F as its Done cases do: the
    /// statement after each range loop is a `return` spelled like the one
    /// and only statement of every Done case inside that loop, naming
    /// nothing declared in the loop. Then the guard gives F's caller the
    /// result the Done case would have given.
    fn range_ends_like_done(&self, gives_up: &dyn Fn(Node) -> bool) -> bool {
        let src = self.src;
        let one_return = |case: Node<'t>| match case_statements(case)[..] {
            [ret] if ret.kind_str() == "return_statement" => Some(ret),
            _ => None,
        };
        self.ranges.iter().all(|&r| {
            let stmt = r
                .parent()
                .filter(|p| p.kind_str() == "labeled_statement")
                .unwrap_or(r);
            let mut after = stmt.next_named_sibling();
            while let Some(n) = after.filter(|n| n.kind_str() == "comment") {
                after = n.next_named_sibling();
            }
            let Some(after) = after.filter(|n| n.kind_str() == "return_statement") else {
                return false;
            };
            let want = syntax::squeeze(text(after, src));
            let mut cases = vec![];
            syntax::visit(r, &|n| n.kind_str() != "func_literal", &mut |n| {
                if n.kind_str() == "communication_case" && gives_up(n) {
                    cases.push(n);
                }
            });
            !cases.is_empty()
                && cases.into_iter().all(|case| {
                    one_return(case).is_some_and(|ret| {
                        syntax::squeeze(text(ret, src)) == want && !self.names_loop_local(ret, r)
                    })
                })
        })
    }

    /// Whether `node` spells a name declared inside `lp` (scope's
    /// `declares`: range and receive variables, `:=`, `var`, parameters of
    /// literals): by name, which may refuse a use of an outer variable of
    /// the same name, never the other way round.
    fn names_loop_local(&self, node: Node, lp: Node) -> bool {
        let src = self.src;
        let mut found = false;
        syntax::visit(node, &|_| true, &mut |n| {
            found |= n.kind_str() == "identifier" && declares(lp, text(n, src), src);
        });
        found
    }

    /// Whether F stops taking values early only in a `<-arg.Done()` case:
    /// every receive sits in a loop, and every exit of F or of those loops
    /// from the first producer's start to the end of the last loop is in
    /// such a case (or runs only once the channel is closed).
    fn gives_up_only_on(&self, arg: &str) -> bool {
        let (func, src) = (self.func, self.src);
        let through = Through {
            ok_names: self.ok_names(),
            finished: vec![],
        };
        let mut loops = self.ranges.clone();
        for r in &self.recvs {
            match self.loop_below(*r) {
                Some(l) => loops.push(l),
                None => return false,
            }
        }
        let start = first_go(&self.producers);
        let end = loops.iter().map(|l| l.end_byte()).max().unwrap_or(0);
        let mut exits = exits::function_exits(func, src, Ends::Survived);
        for l in &loops {
            exits.extend(loop_exits(
                l.child_field("body").unwrap_or(*l),
                *l,
                src,
                &|_| false,
            ));
        }
        exits
            .iter()
            .filter(|e| e.start_byte() > start && e.start_byte() < end)
            .all(|e| {
                self.closed_exit(*e, &through)
                    || syntax::ancestors_until(*e, func).iter().any(|a| {
                        a.kind_str() == "communication_case"
                            && done_of(*a, src).as_deref() == Some(arg)
                    })
            })
    }

    /// Every other use of helper `d` (named `name`) in the package must be
    /// a call handing it a context that is never cancelled: a guard in the
    /// helper would change any other caller that still receives after its
    /// context is cancelled.
    fn other_callers(
        &self,
        d: Node,
        dsrc: &[u8],
        call: Node,
        k: usize,
        name: &str,
    ) -> Result<(), String> {
        // Trees of one file may differ (a sibling's declaration is parsed
        // alone): places are compared by file and byte.
        let decl_name = d.child_field("name").map(|n| n.start_byte());
        let this = call.child_field("function").map(|f| f.end_byte());
        for u in self.ctx.package.uses_of(name) {
            let here = std::ptr::eq(u.src, self.src);
            let own = (std::ptr::eq(u.src, dsrc) && Some(u.node.start_byte()) == decl_name)
                || (here && Some(u.node.end_byte()) == this);
            if own {
                continue;
            }
            let called = u
                .node
                .parent()
                .filter(|p| p.kind_str() == "selector_expression")
                .unwrap_or(u.node);
            let never_cancelled = called
                .parent()
                .filter(|c| {
                    c.kind_str() == "call_expression"
                        && c.child_field("function").map(|f| f.id()) == Some(called.id())
                })
                .and_then(|c| syntax::arguments(c).get(k).copied())
                .is_some_and(|a| {
                    let t = syntax::squeeze(text(a, u.src));
                    t.ends_with(".Background()") || t.ends_with(".TODO()")
                });
            if !never_cancelled {
                let (line, _) = syntax::line_col(u.src, u.node.start_byte());
                let at = match u.path.as_ref().and_then(|p| p.file_name()) {
                    Some(f) => format!("{}:{line}", f.to_string_lossy()),
                    None => format!("line {line}"),
                };
                return Err(format!(
                    "`{name}` is also used at {at}, maybe with a context that is cancelled while that caller still receives: a guard in `{name}` would change it too"
                ));
            }
        }
        Ok(())
    }
}

/// The guard site of send `s` in helper `d` (in `dsrc`, at `path`): its
/// channel parameter `param` and context `hctx`, and a `return` to stop it
/// when the send is in a loop. Err: why it cannot be guarded.
fn helper_site(
    s: Node,
    d: Node,
    dsrc: &[u8],
    param: &str,
    hctx: &str,
    path: Option<PathBuf>,
    callee: &str,
) -> Result<Site, String> {
    let (line, _) = syntax::line_col(dsrc, s.start_byte());
    if !alone_on_line(s, dsrc) {
        return Err(format!(
            "the send in `{callee}` on line {line} shares its line with other code; put it on its own line, then run again"
        ));
    }
    let in_done_arm = syntax::ancestors_until(s, d)
        .iter()
        .any(|a| a.kind_str() == "communication_case" && done_of(*a, dsrc).is_some());
    if in_done_arm {
        return Err(format!(
            "the send in `{callee}` on line {line} is how it reports cancellation"
        ));
    }
    let mut site = Site {
        file: path,
        start: s.start_byte(),
        end: s.end_byte(),
        vars: vec![("ctx", hctx.to_string())],
    };
    if let Some(lp) = syntax::enclosing_loop(s, d).filter(|_| !syntax::leaves_after(s, dsrc)) {
        if d.child_field("result").is_some() {
            return Err(format!(
                "`{callee}` sends in a loop and returns values: leaving it on cancellation would need values to return"
            ));
        }
        if let Some(after) = skipped_by_return(lp, d, param, dsrc) {
            let first = text(after, dsrc).lines().next().unwrap_or("").trim();
            return Err(format!(
                "`{callee}` sends in a loop followed by `{first}`, which returning on cancellation would skip"
            ));
        }
        site.vars.push(("stop", "return".to_string()));
    }
    Ok(site)
}

/// The bindings of a fix that guards only sends in helpers.
pub(super) fn handed_bindings(fa: &FanIn, why: String, g: HandedGuards) -> Verdict {
    Verdict::Holds(vec![
        ("chan", Value::Text(fa.name.clone())),
        ("why", Value::Text(why)),
        ("mode_note", Value::Text(g.note)),
        ("ctx", Value::Text(g.ctx.unwrap_or_default())),
        ("capacity", Value::Text(String::new())),
        ("sends", Value::Sites(g.sites)),
        ("loop_labels", Value::Sites(vec![])),
    ])
}
