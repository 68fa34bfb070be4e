//! The guarded fix of a fan-in: the sends to guard and the statement that
//! stops each producer (a `return`, or a `break` to a loop label made if
//! need be), the context the guards watch and whether `context` can be
//! imported, and the rewrite of a blocking `return <-ch` into a select.

use super::super::channel;
use super::super::{Ctx, Site, Value, Verdict};
use super::handoff;
use super::stops::{case_stops, own_case};
use super::{CtxPkg, FanIn, Producer, guarded_already};
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::{Node, Tree};

/// The standard-library packages `context` imports (`go list -deps
/// context`, Go 1.26): they cannot import it back.
pub(super) const CONTEXT_DEPS: &[&str] = &[
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

/// Nothing but blanks around `n` on its lines.
pub(super) fn alone_on_line(n: Node, src: &[u8]) -> bool {
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

pub(super) fn first_go(producers: &[Producer]) -> usize {
    producers
        .iter()
        .map(|p| p.go.start_byte())
        .min()
        .unwrap_or(0)
}

/// The local name under which the file imports `context`, if it does.
pub(super) fn context_name(tree: &Tree, src: &[u8]) -> Option<String> {
    syntax::import_names(tree, src)
        .into_iter()
        .find(|(_, p)| p == "context")
        .map(|(n, _)| n)
}

/// A parameter of `func` whose type is `<ctxpkg>.Context`.
pub(super) fn ctx_param(func: Node, ctxpkg: &str, src: &[u8]) -> Option<String> {
    let params = func.child_field("parameters")?;
    let mut c = params.walk();
    for d in params.named_children(&mut c) {
        let is_ctx = d.child_field("type").is_some_and(|t| {
            t.kind_str() == "qualified_type" && text(t, src) == format!("{ctxpkg}.Context")
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
pub(super) fn existing_child(
    func: Node,
    before: usize,
    ctxpkg: &str,
    src: &[u8],
) -> Option<String> {
    let body = func.child_field("body")?;
    let mut child = None;
    syntax::visit(body, &|n| n.kind_str() != "func_literal", &mut |n| {
        if n.kind_str() != "short_var_declaration" || n.start_byte() > before || child.is_some() {
            return;
        }
        let (Some(l), Some(r)) = (n.child_field("left"), n.child_field("right")) else {
            return;
        };
        let call = r
            .named_child(0)
            .filter(|c| c.kind_str() == "call_expression");
        let is_with = call
            .and_then(|c| c.child_field("function"))
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
        syntax::visit(body, &|k| k.kind_str() != "func_literal", &mut |k| {
            deferred |= k.kind_str() == "defer_statement"
                && text(k, src) == format!("defer {cancel_name}()");
        });
        if deferred {
            child = Some(text(c, src).to_string());
        }
    });
    child
}

/// The zero value of a result type, as Go source.
pub(super) fn zero_value(ty: Node, ctx: &Ctx) -> String {
    let src = ctx.src;
    let t = text(ty, src);
    match ty.kind_str() {
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
                    .and_then(|d| d.node.child_field("type"))
                    .map(|k| k.kind_str())
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
pub(super) fn result_types<'t>(func: Node<'t>) -> Vec<Node<'t>> {
    let Some(result) = func.child_field("result") else {
        return vec![];
    };
    if result.kind_str() != "parameter_list" {
        return vec![result];
    }
    let mut out = Vec::new();
    let mut c = result.walk();
    for d in result.named_children(&mut c) {
        let Some(ty) = d.child_field("type") else {
            continue;
        };
        let mut c2 = d.walk();
        let names = d.children_by_field_name("name", &mut c2).count().max(1);
        out.extend(std::iter::repeat_n(ty, names));
    }
    out
}

/// The context the guards watch: its name and, when the fix derives it,
/// what from; `mode_note` tells the reviewer when that is not F's own.
pub(super) struct GuardCtx {
    name: String,
    parent: Option<String>,
    mode_note: String,
}

/// The label lines a fix adds to producer loops it leaves by `break`, and
/// the names they take (two sends leaving one loop share its label).
#[derive(Default)]
pub(super) struct Labels {
    sites: Vec<Site>,
    names: std::collections::HashSet<String>,
}

impl Labels {
    /// The label a new line before loop `outer` (of producer `lit`) gives
    /// it, made once per loop. None when the loop cannot be given one.
    pub(super) fn make(
        &mut self,
        outer: Node,
        lit: Node,
        base: &str,
        src: &[u8],
    ) -> Option<String> {
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
    pub(super) fn guard(
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
        let closes = self.producers.iter().any(|p| p.closes) || signals;
        let handed = match blocking {
            Some(_) => Default::default(),
            None => match self.handed_guards(closes) {
                Ok(h) => h,
                Err(reason) => return self.unproven(&why, reason),
            },
        };
        if sends.is_empty() && blocking.is_none() {
            if handed.sites.is_empty() {
                return Verdict::Skip;
            }
            return handoff::handed_bindings(self, why, handed);
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
        let (mut guarded, labels) = match self.guard_sites(&sends) {
            Ok(sites) => sites,
            Err(reason) => return self.unproven(&why, reason),
        };
        guarded.extend(handed.sites);
        let mut gctx = self.guard_context(ctxpkg, closes);
        gctx.mode_note.push_str(&handed.note);
        if ctxpkg.imported.is_none()
            && gctx.parent.is_some()
            && let Some(reason) = self.cannot_import_context()
        {
            return self.unproven(&why, reason.to_string());
        }
        if let (Some(ret), Some(p)) = (blocking, &ctxpkg.param) {
            return self.wait_bindings(ret, p, why, capacity);
        }
        self.guard_bindings(why, ctxpkg, gctx, capacity, guarded, labels)
    }

    /// The guards' bindings: each send with its stop, the label lines,
    /// the context they watch and, when the fix derives it, where.
    pub(super) fn guard_bindings(
        &self,
        why: String,
        ctxpkg: &CtxPkg,
        gctx: GuardCtx,
        capacity: Option<String>,
        guarded: Vec<Site>,
        labels: Labels,
    ) -> Verdict {
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
    pub(super) fn sends_to_guard(&self) -> Vec<Node<'t>> {
        self.producers
            .iter()
            .flat_map(|p| p.sends.iter().copied())
            .filter(|s| !guarded_already(s))
            .collect()
    }

    /// A send in the arm of a select that already watches a Done channel
    /// is how that producer reports cancellation: guarding it would drop
    /// it.
    pub(super) fn in_done_arm(&self, s: Node) -> bool {
        syntax::ancestors_until(s, self.func).iter().any(|a| {
            a.kind_str() == "communication_case"
                && a.child_field("communication")
                    .is_some_and(|c| syntax::squeeze(text(c, self.src)).ends_with(".Done()"))
        })
    }

    /// One guard site per send, with the statement that stops its
    /// producer once the guard fires (when the send is in a loop), and the
    /// label lines those statements need. Err: why a send cannot be
    /// guarded.
    pub(super) fn guard_sites(&self, sends: &[Node<'t>]) -> Result<(Vec<Site>, Labels), String> {
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
    pub(super) fn stop_statement(
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
        let returns_values = lit.child_field("result").is_some();
        if skipped_by_return(lp, lit, inside, src).is_none() && !returns_values {
            return Ok("return".to_string());
        }
        let outer = syntax::ancestors_until(s, lit)
            .into_iter()
            .rfind(|n| n.kind_str() == "for_statement")
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
            .filter(|p| p.kind_str() == "labeled_statement")
            .and_then(|p| p.child_field("label"));
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
    pub(super) fn watched(&self, c: &str, closes: bool) -> bool {
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
                            k.child_field("communication")
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
    pub(super) fn guard_context(&self, ctxpkg: &CtxPkg, closes: bool) -> GuardCtx {
        let (func, src) = (self.func, self.src);
        // An existing child is named in the guards as it is: a producer
        // that declares its own of that name would watch that one instead.
        let shadowed = |c: &str| {
            self.producers.iter().any(|p| {
                p.literal
                    .as_ref()
                    .is_some_and(|(lit, _)| super::super::scope::declares(*lit, c, src))
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
    pub(super) fn cannot_import_context(&self) -> Option<&'static str> {
        if self.ctx.package.declares_package_name("context") {
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
    pub(super) fn wait_bindings(
        &self,
        ret: Node,
        p: &str,
        why: String,
        capacity: Option<String>,
    ) -> Verdict {
        let (func, src) = (self.func, self.src);
        let results = result_types(func);
        let list = ret
            .named_child(0)
            .expect("a return with a receive has results");
        let mut c = list.walk();
        let exprs: Vec<Node> = list
            .named_children(&mut c)
            .filter(|n| n.kind_str() != "comment")
            .collect();
        if exprs.len() != results.len() {
            return Verdict::Skip;
        }
        let recv_name = syntax::fresh_name("r", func, src, &Default::default());
        let ok: Vec<String> = exprs
            .iter()
            .map(|e| {
                if syntax::contains(*e, self.recvs[0]) && e.kind_str() == "unary_expression" {
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
pub(super) fn body_start(func: Node, src: &[u8]) -> Option<Value> {
    let b = func.child_field("body")?;
    let mut c = b.walk();
    let first = b
        .named_children(&mut c)
        .find(|n| n.kind_str() != "comment" || n.start_position().row != b.start_position().row)?;
    let first = if first.kind_str() == "statement_list" {
        let mut c2 = first.walk();
        first.named_children(&mut c2).next()?
    } else {
        first
    };
    if first.kind_str() == "expression_statement"
        && syntax::squeeze(text(first, src)).ends_with(".Parallel()")
    {
        let next = first.next_named_sibling()?;
        return (next.start_position().row != first.start_position().row)
            .then(|| Value::Span(next.start_byte(), next.start_byte()));
    }
    Some(Value::Span(first.start_byte(), first.start_byte()))
}

/// The first statement a `return` from inside loop `lp` would skip: what
/// follows `lp`, and every statement around it, up to the end of `lit` (a
/// function literal, or an outer loop for a `break` out of it).
/// Closing the guarded channel `ch` itself is not missed: once the guard
/// fires nobody receives from it.
pub(super) fn skipped_by_return<'t>(
    lp: Node<'t>,
    lit: Node<'t>,
    ch: &str,
    src: &[u8],
) -> Option<Node<'t>> {
    let closes_ch = |s: Node| {
        s.kind_str() == "expression_statement"
            && syntax::squeeze(text(s, src)) == format!("close({ch})")
    };
    let mut cur = lp;
    while let Some(parent) = cur.parent() {
        if parent.id() == lit.id() {
            return None;
        }
        if matches!(parent.kind_str(), "block" | "statement_list") {
            let mut sib = cur.next_named_sibling();
            while let Some(s) = sib {
                if s.kind_str() == "return_statement" && channel::is_inert(s, src) {
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
pub(super) fn label_site(
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
pub(super) fn testing_param(func: Node, src: &[u8]) -> Option<String> {
    let params = func.child_field("parameters")?;
    let mut c = params.walk();
    params.named_children(&mut c).find_map(|d| {
        let ty = syntax::squeeze(text(d.child_field("type")?, src));
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
