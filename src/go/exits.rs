//! Exit paths: which statements leave the function or goroutine they are
//! in. The one list every rule reads: `return`; a call that never returns
//! (`panic`, `runtime.Goexit`, `os.Exit`, `log.Fatal*`, `log.Panic*`, a
//! test's or logger's `Fatal`/`Fatalf`/`FailNow`/`Skip`/`Skipf`/`SkipNow`,
//! testify's `require.Fail*`; and, for a test, any `require.X` call, which
//! may `FailNow`: [`may_stop_test`]); and, leaving a loop rather than the function,
//! a `goto` or a `break` out of it. A question that counts only some of
//! those calls says which, by [`Ends`], and why.

use super::syntax::{self, text};
use crate::go::syntax::NodeKind;
use tree_sitter::Node;

/// A call that never returns to its caller, by what it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReturn {
    /// `panic(v)`: unwinds the goroutine, running its deferred calls; a
    /// `recover` up the stack keeps the process going.
    Panic,
    /// `log.Panic*`: logs, then panics.
    LogPanic,
    /// `runtime.Goexit()`: ends the goroutine, running its deferred calls;
    /// the rest of the process goes on.
    Goexit,
    /// `os.Exit(n)`, `log.Fatal*`: end the process.
    Exit,
    /// `X.Fatal`, `X.Fatalf`, `X.FailNow`, `X.Skip`, `X.Skipf`, `X.SkipNow`
    /// on any `X`, and testify's `require.Fail*`: a test's (ends the test's
    /// goroutine through `runtime.Goexit`, failing or skipping the test)
    /// or a logger's (ends the process through `os.Exit`).
    Fails,
}

/// Which calls that never return count as leaving, for one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    /// Every one: the question is whether the path goes any further (does
    /// a select case stop the function, does a statement end its
    /// goroutine). Used through [`stops_here`]: fan-in's select cases,
    /// waits and finishing signals, and `syntax::leaves_after` (the
    /// time-after and fan-in rules' "runs once per loop entry").
    Everything,
    /// Those after which the process goes on (`panic`, `log.Panic*`,
    /// `runtime.Goexit`): the question is what a way out leaves stranded
    /// behind it, a producer blocked on its send, a `Wait` for a `Done`
    /// that was skipped. `os.Exit` and `log.Fatal*` end the process, so
    /// nothing stays stranded; a test's `Fatal`/`FailNow`/`Skip*` ends the
    /// test, is a failure report rather than a path worth a fix, and `go
    /// vet` already reports it in any goroutine but the test's own. Used
    /// by fan-in's receive-loop and early exits, single-result's early
    /// exits and other select cases, and the WaitGroup rule's exits that
    /// skip `Done`. (single-result also asks [`may_stop_test`] in a test:
    /// a goroutine a failed test leaves on its send outlives the test.)
    Survived,
}

impl Ends {
    /// Whether a call that ends `how` counts for this question.
    pub fn counts(self, how: NoReturn) -> bool {
        match self {
            Ends::Everything => true,
            Ends::Survived => {
                matches!(how, NoReturn::Panic | NoReturn::LogPanic | NoReturn::Goexit)
            }
        }
    }
}

/// The callee of `call` as written (`panic`, `t.Fatal`), if it is a call.
fn callee<'s>(call: Node, src: &'s [u8]) -> Option<&'s str> {
    (call.kind_str() == "call_expression")
        .then(|| call.child_field("function"))
        .flatten()
        .map(|f| text(f, src))
}

/// How the call `call` (a `call_expression`) never returns, if it never
/// does. Judged by its callee's spelling: `log`, `os` and `runtime` are
/// taken to be the standard packages.
pub fn no_return(call: Node, src: &[u8]) -> Option<NoReturn> {
    let f = callee(call, src)?;
    match f.rsplit_once('.') {
        None => (f == "panic").then_some(NoReturn::Panic),
        Some((on, name)) => match on {
            "runtime" => (name == "Goexit").then_some(NoReturn::Goexit),
            "os" => (name == "Exit").then_some(NoReturn::Exit),
            "log" if name.starts_with("Fatal") => Some(NoReturn::Exit),
            "log" => name.starts_with("Panic").then_some(NoReturn::LogPanic),
            "require" => name.starts_with("Fail").then_some(NoReturn::Fails),
            _ => matches!(
                name,
                "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow"
            )
            .then_some(NoReturn::Fails),
        },
    }
}

/// Whether statement `stmt` leaves its function or goroutine: a `return`,
/// or a call statement that never returns and counts for `ends`.
pub fn leaves(stmt: Node, src: &[u8], ends: Ends) -> bool {
    match stmt.kind_str() {
        "return_statement" => true,
        "expression_statement" => stmt
            .named_child(0)
            .filter(|c| c.kind_str() == "call_expression")
            .is_some_and(|c| no_return(c, src).is_some_and(|how| ends.counts(how))),
        _ => false,
    }
}

/// A statement after which its goroutine surely goes no further: a
/// `return`, or any call that never returns.
pub fn stops_here(stmt: Node, src: &[u8]) -> bool {
    leaves(stmt, src, Ends::Everything)
}

/// testify's `require` package: each of its functions (`NoError`, `Equal`,
/// ...) calls `t.FailNow()` when its check fails, where `assert`'s only
/// report.
pub const TESTIFY_REQUIRE: &str = "github.com/stretchr/testify/require";

/// Whether statement `stmt` may stop a test here, ending the test's
/// goroutine through `runtime.Goexit` while the process goes on: a
/// [`NoReturn::Fails`] call (`t.Fatal`, `b.FailNow`, `t.Skip`, ...), or
/// any call of a function of testify's `require` package, which the file
/// imports as `require` (its name or alias, from `tree`'s imports). Only
/// meaningful in a test: elsewhere `X.Fatal` is a logger's `os.Exit`.
pub fn may_stop_test(stmt: Node, src: &[u8], tree: &tree_sitter::Tree) -> bool {
    let Some(call) = (stmt.kind_str() == "expression_statement")
        .then(|| stmt.named_child(0))
        .flatten()
        .filter(|c| c.kind_str() == "call_expression")
    else {
        return false;
    };
    if no_return(call, src) == Some(NoReturn::Fails) {
        return true;
    }
    let Some(on) = call
        .child_field("function")
        .filter(|f| f.kind_str() == "selector_expression")
        .and_then(|f| f.child_field("operand"))
        .filter(|o| o.kind_str() == "identifier")
    else {
        return false;
    };
    let on = text(on, src);
    syntax::import_names(tree, src)
        .iter()
        .any(|(n, p)| n == on && p == TESTIFY_REQUIRE)
}

/// Whether `func` runs as (or for) a test: it takes a `*testing.T`, `*testing.B`,
/// `*testing.F` or `testing.TB` parameter, so its `X.Fatal` is the test's.
pub fn takes_testing(func: Node, src: &[u8]) -> bool {
    func.child_field("parameters").is_some_and(|ps| {
        let mut c = ps.walk();
        ps.named_children(&mut c).any(|p| {
            p.child_field("type").is_some_and(|t| {
                matches!(
                    text(t, src),
                    "*testing.T" | "*testing.B" | "*testing.F" | "testing.TB"
                )
            })
        })
    })
}

/// The statements of `func`'s body (not in nested function literals) that
/// [`leaves`] it for `ends`.
pub fn function_exits<'t>(func: Node<'t>, src: &[u8], ends: Ends) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    if let Some(body) = func.child_field("body") {
        syntax::visit(body, &|n| n.kind_str() != "func_literal", &mut |n| {
            if leaves(n, src, ends) {
                out.push(n);
            }
        });
    }
    out
}

/// The statements of `func`'s body that leave it when `func` is what a
/// goroutine runs: [`function_exits`] for [`Ends::Survived`], less the
/// panics when the body defers nothing. Only a deferred call of the
/// goroutine's own function can recover its panic; without one, the panic
/// ends the process, and nothing stays stranded behind it.
pub fn goroutine_exits<'t>(func: Node<'t>, src: &[u8]) -> Vec<Node<'t>> {
    let mut defers = false;
    if let Some(body) = func.child_field("body") {
        syntax::visit(body, &|n| n.kind_str() != "func_literal", &mut |n| {
            defers |= n.kind_str() == "defer_statement";
        });
    }
    let mut out = function_exits(func, src, Ends::Survived);
    if !defers {
        out.retain(|e| {
            !e.named_child(0)
                .and_then(|c| no_return(c, src))
                .is_some_and(|how| matches!(how, NoReturn::Panic | NoReturn::LogPanic))
        });
    }
    out
}

/// Whether `brk` (a `break`) leaves `stmt`: a plain break ends its
/// innermost for, switch or select; a labelled one the statement labelled
/// so, and whatever that holds.
pub fn breaks_out_of(brk: Node, stmt: Node, src: &[u8]) -> bool {
    match brk.named_child(0).filter(|l| l.kind_str() == "label_name") {
        Some(_) => syntax::labelled(brk, src).is_some_and(|l| syntax::contains(l, stmt)),
        None => syntax::break_target(brk).is_some_and(|n| n.id() == stmt.id()),
    }
}

/// The statements in `scope` (not in nested function literals) that leave
/// `lp`, a loop or the function itself: what [`leaves`] the function for
/// `ends`, every `goto` (it may go anywhere), and the breaks out of `lp`.
pub fn leaving<'t>(scope: Node<'t>, lp: Node<'t>, src: &[u8], ends: Ends) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    syntax::visit(scope, &syntax::own_statements_under, &mut |n| {
        let exits = match n.kind_str() {
            "goto_statement" => true,
            "break_statement" => breaks_out_of(n, lp, src),
            _ => leaves(n, src, ends),
        };
        if exits {
            out.push(n);
        }
    });
    out
}

/// Whether statement `stmt` never completes, so nothing after it runs: a
/// `for` loop without a condition (`for {}`, `for i := 0; ; i++`), or one
/// ranging over a ticker's channel, which is never closed (`time.Tick(d)`,
/// `time.NewTicker(d).C`), that no `break`, `goto` or labelled `continue`
/// leaves. (What returns or never returns from inside it leaves the
/// function: nothing after it runs either.)
pub fn never_completes(stmt: Node, src: &[u8]) -> bool {
    if stmt.kind_str() != "for_statement" {
        return false;
    }
    let mut c = stmt.walk();
    let header = stmt
        .named_children(&mut c)
        .find(|n| !matches!(n.kind_str(), "block" | "comment"));
    let endless = match header {
        None => true,
        Some(h) if h.kind_str() == "for_clause" => h.child_field("condition").is_none(),
        Some(h) if h.kind_str() == "range_clause" => h
            .child_field("right")
            .is_some_and(|r| ticker_channel(r, src)),
        Some(_) => false,
    };
    let mut leaves = false;
    syntax::visit(stmt, &syntax::own_statements_under, &mut |n| {
        leaves |= match n.kind_str() {
            "goto_statement" => true,
            "break_statement" => breaks_out_of(n, stmt, src),
            "continue_statement" => {
                syntax::jump_target(n, src).is_none_or(|t| !syntax::contains(stmt, t))
            }
            _ => false,
        };
    });
    endless && !leaves
}

/// `time.Tick(d)` or `time.NewTicker(d).C`: a channel nothing closes.
fn ticker_channel(r: Node, src: &[u8]) -> bool {
    let call = match r.kind_str() {
        "selector_expression" if r.child_field("field").is_some_and(|f| text(f, src) == "C") => {
            r.child_field("operand")
        }
        _ => Some(r),
    };
    let want = if r.kind_str() == "selector_expression" {
        "time.NewTicker"
    } else {
        "time.Tick"
    };
    call.and_then(|c| callee(c, src)).is_some_and(|f| f == want)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The statements of the first function's body in `body` (Go source
    /// inside `func f() { ... }`).
    fn with_body(body: &str, check: impl Fn(&[Node], &[u8])) {
        let src = format!("package p\nfunc f() {{\n{body}\n}}\n");
        let tree = syntax::parse(src.as_bytes());
        let list = tree
            .root_node()
            .named_child(1)
            .and_then(|f| f.child_field("body"))
            .and_then(|b| b.named_child(0))
            .unwrap();
        let mut c = list.walk();
        let stmts: Vec<Node> = list.named_children(&mut c).collect();
        check(&stmts, src.as_bytes());
    }

    #[test]
    fn loops_that_never_complete() {
        with_body(
            "\tfor {}\n\tfor i := 0; ; i++ {}\n\tfor range time.Tick(d) {}\n\tfor range time.NewTicker(d).C {}\n\tfor { break }\n\tfor ok {}\n\tfor range ch {}\n\tL: for { for { continue L } }\n\tfor { select { default: break } }\n\tfor { go func() { for { break } }() }\n\tM: for { for { break M } }",
            |stmts, src| {
                let got: Vec<bool> = stmts
                    .iter()
                    .map(|s| {
                        let s = if s.kind_str() == "labeled_statement" {
                            s.named_child(1).unwrap()
                        } else {
                            *s
                        };
                        never_completes(s, src)
                    })
                    .collect();
                assert_eq!(
                    got,
                    [
                        true, true, true, true, false, false, false, true, true, true, false
                    ]
                );
            },
        );
    }

    #[test]
    fn statements_that_stop_a_goroutine() {
        with_body(
            "\treturn\n\tpanic(1)\n\tt.Fatalf(\"x\")\n\trequire.FailNow(t, \"x\")\n\tos.Exit(1)\n\truntime.Goexit()\n\tlog.Fatal(1)\n\tt.Errorf(\"x\")\n\trequire.NoError(t, err)\n\tfoo.Exit(1)\n\tx := 1",
            |stmts, src| {
                let stops: Vec<bool> = stmts.iter().map(|n| stops_here(*n, src)).collect();
                assert_eq!(
                    stops,
                    [
                        true, true, true, true, true, true, true, false, false, false, false
                    ]
                );
            },
        );
    }

    #[test]
    fn what_each_question_counts() {
        with_body(
            "\treturn\n\tpanic(1)\n\truntime.Goexit()\n\tlog.Panicf(\"x\")\n\tos.Exit(1)\n\tlog.Fatal(1)\n\tt.FailNow()\n\tb.Skip()",
            |stmts, src| {
                let count =
                    |ends| -> Vec<bool> { stmts.iter().map(|n| leaves(*n, src, ends)).collect() };
                assert_eq!(count(Ends::Everything), [true; 8]);
                assert_eq!(
                    count(Ends::Survived),
                    [true, true, true, true, false, false, false, false]
                );
            },
        );
    }

    #[test]
    fn how_calls_never_return() {
        with_body(
            "\tpanic(1)\n\tlog.Panicln(1)\n\truntime.Goexit()\n\tos.Exit(2)\n\tlog.Fatalf(\"x\")\n\tt.Skipf(\"x\")\n\trequire.Fail(t, \"x\")\n\tfmt.Println(1)\n\tos.Getenv(\"x\")",
            |stmts, src| {
                let how: Vec<Option<NoReturn>> = stmts
                    .iter()
                    .map(|s| no_return(s.named_child(0).unwrap(), src))
                    .collect();
                use NoReturn::*;
                assert_eq!(
                    how,
                    [
                        Some(Panic),
                        Some(LogPanic),
                        Some(Goexit),
                        Some(Exit),
                        Some(Exit),
                        Some(Fails),
                        Some(Fails),
                        None,
                        None
                    ]
                );
            },
        );
    }

    #[test]
    fn what_may_stop_a_test() {
        let src = "package p\n\nimport (\n\t\"testing\"\n\n\tmust \"github.com/stretchr/testify/require\"\n\t\"github.com/stretchr/testify/assert\"\n)\n\nfunc f(t *testing.T) {\n\tmust.NoError(t, err)\n\tassert.NoError(t, err)\n\trequire.NoError(t, err)\n\tt.FailNow()\n\tt.Errorf(\"x\")\n\tx := must.New(t)\n}\n";
        let tree = syntax::parse(src.as_bytes());
        let func = tree.root_node().named_child(2).unwrap();
        assert!(takes_testing(func, src.as_bytes()));
        let list = func.child_field("body").unwrap().named_child(0).unwrap();
        let mut c = list.walk();
        let stops: Vec<bool> = list
            .named_children(&mut c)
            .map(|n| may_stop_test(n, src.as_bytes(), &tree))
            .collect();
        // `require` is not this file's name for testify's require; a
        // declaration is not a call statement.
        assert_eq!(stops, [true, false, false, true, false, false]);
    }

    #[test]
    fn what_leaves_a_loop() {
        with_body(
            "L:\n\tfor {\n\t\tfor {\n\t\t\tbreak\n\t\t}\n\t\tswitch {\n\t\tcase true:\n\t\t\tbreak\n\t\t}\n\t\tif x {\n\t\t\tbreak\n\t\t}\n\t\tfor {\n\t\t\tbreak L\n\t\t}\n\t\tgoto M\n\t\tgo func() { return }()\n\t\tdefer panic(1)\n\t\tpanic(2)\n\t}\nM:",
            |stmts, src| {
                let lp = stmts[0].named_child(1).unwrap();
                assert_eq!(lp.kind_str(), "for_statement");
                let body = lp.child_field("body").unwrap();
                let left: Vec<String> = leaving(body, lp, src, Ends::Survived)
                    .iter()
                    .map(|n| text(*n, src).to_string())
                    .collect();
                // The inner loop's and the switch's breaks stay in `lp`;
                // the literal's return is another function's; a deferred
                // panic runs later, at the function's end.
                assert_eq!(left, ["break", "break L", "goto M", "panic(2)"]);
            },
        );
    }
}
