//! Named predicates: the conditions a tree-sitter query cannot express,
//! implemented in Rust and called by rules by name with captures as
//! arguments. A predicate says the condition holds (and may bind more values
//! for templates), does not hold (no finding), or that the shape matches but
//! a fix cannot be proven safe (a finding with no fix, and why).

mod channel;
mod fanin;
mod returned;
mod scope;
mod self_send;
mod timer;
mod waitgroup;

use crate::go::facts::Facts;
use crate::go::package::PackageIndex;
use tree_sitter::{Node, Tree};

/// An argument as a rule passes it: a capture (`@name`) or a literal string.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a, 't> {
    Node(Node<'t>),
    Lit(&'a str),
}

impl<'a, 't> Arg<'a, 't> {
    /// The node of a capture argument (validated at load: the signature
    /// says which arguments are captures).
    pub fn node(&self) -> Node<'t> {
        match self {
            Arg::Node(n) => *n,
            Arg::Lit(_) => panic!("a literal where the predicate's signature wants a capture"),
        }
    }

    pub fn lit(&self) -> &'a str {
        match self {
            Arg::Lit(s) => s,
            Arg::Node(_) => panic!("a capture where the predicate's signature wants a literal"),
        }
    }
}

/// What a predicate has to look at.
pub struct Ctx<'a> {
    pub src: &'a [u8],
    pub tree: &'a Tree,
    pub package: &'a PackageIndex<'a>,
    /// The file's Go facts (scopes, uses, escapes), computed per function
    /// on first need and shared by every condition of the check.
    pub facts: &'a Facts<'a>,
    /// What the check of this file has decided so far; None for a context
    /// made to read another file.
    pub decided: Option<&'a Decided>,
}

/// The findings of the file's check so far that got a fix, by rule (in
/// the order the engine evaluates them), and the rule now running. A fix
/// that is only right when an earlier one of the same rule is made too
/// asks here, so that the first run makes both instead of leaving the
/// second for a next run. A fix the merge drops later, for overlapping
/// one it accepted first, still counts here: the one fix that asks (a
/// later `time.After` case's) shares its insertion points with the earlier
/// case's, and no rule of the default pack edits inside that case.
#[derive(Default)]
pub struct Decided {
    rule: std::cell::Cell<usize>,
    fixed: std::cell::RefCell<Vec<(usize, std::ops::Range<usize>)>>,
}

impl Decided {
    /// Rule `rule` (an index of the engine's rules) runs from now on.
    pub fn start_rule(&self, rule: usize) {
        self.rule.set(rule);
    }

    /// The running rule's finding at `at` got a fix.
    pub fn fixed(&self, at: std::ops::Range<usize>) {
        self.fixed.borrow_mut().push((self.rule.get(), at));
    }
}

impl Ctx<'_> {
    /// Whether the running rule has already fixed its finding at exactly
    /// `at` (a node of this file) in this check.
    pub fn fixed_before(&self, at: std::ops::Range<usize>) -> bool {
        self.decided.is_some_and(|d| {
            let rule = d.rule.get();
            d.fixed.borrow().iter().any(|(r, a)| *r == rule && *a == at)
        })
    }
}

/// A value a predicate binds for templates.
#[derive(Debug, Clone)]
pub enum Value {
    Text(String),
    /// A byte range of the current file, usable as an edit target.
    Span(usize, usize),
    /// Several places, maybe in other files of the package, each with its
    /// own template values: an edit that targets them is made at each.
    Sites(Vec<Site>),
}

/// One place an edit lands, with values its templates (and `when`/`unless`
/// guards) see in addition to the match's.
#[derive(Debug, Clone)]
pub struct Site {
    /// Another file of the package; None for the file being checked.
    pub file: Option<std::path::PathBuf>,
    pub start: usize,
    pub end: usize,
    pub vars: Vec<(&'static str, String)>,
}

impl Site {
    pub fn here(start: usize, end: usize) -> Site {
        Site {
            file: None,
            start,
            end,
            vars: vec![],
        }
    }
}

pub type Bindings = Vec<(&'static str, Value)>;

#[derive(Debug)]
pub enum Verdict {
    /// The condition does not hold: no finding.
    Skip,
    /// The condition holds.
    Holds(Bindings),
    /// The leak shape is there but a fix cannot be proven safe.
    Unproven(String, Bindings),
}

pub struct Predicate {
    pub name: &'static str,
    /// The arguments: `@what` for a capture, `what` for a literal string.
    pub args: &'static [&'static str],
    /// For each argument, the node kinds a capture passed there may be
    /// (`_statement`: any kind of that tree-sitter-go supertype); empty:
    /// any node, or a literal. Checked at load against the query.
    pub kinds: &'static [&'static [&'static str]],
    /// Names this predicate binds when it holds (or is unproven).
    pub binds: &'static [&'static str],
    /// Names of the values the sites it binds carry (seen by templates and
    /// guards of edits that target those sites).
    pub site_vars: &'static [&'static str],
    pub doc: &'static str,
    /// The captures come from the tree the context's facts are about, so
    /// a predicate can ask those facts about them.
    pub run: for<'t> fn(&Ctx<'t>, &[Arg<'_, 't>]) -> Verdict,
}

/// A `make` (or any other) call.
const CALL: &[&str] = &["call_expression"];
/// Any statement.
const STATEMENT: &[&str] = &["_statement"];

const PREDICATES: &[Predicate] = &[
    Predicate {
        name: "unbuffered-make",
        args: &["@make-call"],
        kinds: &[CALL],
        binds: &[],
        site_vars: &[],
        doc: "the `make` call has no capacity, or a literal capacity of 0",
        run: channel::unbuffered_make,
    },
    Predicate {
        name: "channel-type",
        args: &["@type"],
        kinds: &[&["_type", "identifier"]],
        binds: &[],
        site_vars: &[],
        doc: "the type is a channel type: written `chan T`, or a type of this package declared as one",
        run: channel::channel_type,
    },
    Predicate {
        name: "single-result-channel",
        args: &["@make-call"],
        kinds: &[CALL],
        binds: &["chan", "abandon", "blocked_send", "size"],
        site_vars: &[],
        doc: "the `make` call is bound to a local channel that exactly one goroutine (not started in a loop) sends on exactly once as its last effective statement, that the function receives once where it can give up, and that escapes nowhere else",
        run: channel::single_result_channel,
    },
    Predicate {
        name: "fan-in-producers",
        args: &["@make-call", "cancellable-wait"],
        kinds: &[CALL, &[]],
        binds: &[
            "chan",
            "why",
            "mode_note",
            "ctx",
            "ctxpkg",
            "capacity",
            "sends",
            "derive",
            "body_start",
            "blocking_return",
            "recv",
            "wait_ctx",
            "return_ok",
            "return_cancel",
            "needs_import",
            "cancel",
            "buffer_only",
            "loop_labels",
        ],
        site_vars: &["stop", "label_line"],
        doc: "the `make` call is bound to a local results channel that goroutines started in the function send on, and the function can stop receiving before all have sent; binds the capacity to give (alone, with `buffer_only` set, when it has a slot for every send and no producer signals the receiver after its send), the sends to guard (`stop` on a send in a loop: the statement its guard ends the producer with, `return` or `break LABEL`, with `loop_labels` to add), the context the guards watch and how to derive it (a context the function watches at every receive, a test's `Context()`, or a background context cancelled on return), and, with the cancellable-wait option and a context parameter, a blocking `return <-ch` to turn into a select on it",
        run: fanin::fan_in_producers,
    },
    Predicate {
        name: "field-channel",
        args: &["@make-call", "@field"],
        kinds: &[CALL, &["identifier", "field_identifier"]],
        binds: &[
            "chan",
            "why",
            "mode_note",
            "field_guard_name",
            "field_sends",
        ],
        site_vars: &["field_guard", "field_stop"],
        doc: "the `make` fills a channel field of a struct of the package (a composite literal's key, or `recv.f = make(...)`), methods send on it through their receiver, and every receive is in a select of a method that can stop receiving: each send is guarded with a channel of the same value ready once that method has given up (its context's Done, or a channel only ever closed on its way out)",
        run: fanin::field_channel,
    },
    Predicate {
        name: "waitgroup-goroutine",
        args: &["@go-statement", "use-go"],
        kinds: &[&["go_statement"], &[]],
        binds: &[
            "wg",
            "inner_wg",
            "why",
            "add_defer",
            "body_start",
            "done_calls",
            "add_inside",
            "go_stmt",
            "go_form",
            "go_kw",
            "call_tail",
            "add_stmt",
        ],
        site_vars: &[],
        doc: "the `go` statement's goroutine is counted by `X.Add` on a sync.WaitGroup and can leave without `X.Done()` (or calls `X.Add(1)` itself); binds the WaitGroup as the Add wrote it (`wg`) and as the goroutine's body names it (`inner_wg`), where the body starts (maybe in another file), the non-deferred Done calls, and an Add to move before the `go` statement; with a non-empty second argument, on go 1.25+ modules, an `X.Add(1); go func() {...}()` is bound for `X.Go(func() {...})` instead (`go_form`, `go_kw`, `call_tail`, `add_stmt`)",
        run: waitgroup::waitgroup_goroutine,
    },
    Predicate {
        name: "imports",
        args: &["@package-name", "import-path"],
        kinds: &[&["identifier", "package_identifier"], &[]],
        binds: &[],
        site_vars: &[],
        doc: "the identifier is the name under which this file imports the package at the path (its own name or an alias)",
        run: timer::imports,
    },
    Predicate {
        name: "in-loop",
        args: &["@statement"],
        kinds: &[STATEMENT],
        binds: &["loop", "nested_loop", "rearm_at"],
        site_vars: &[],
        doc: "the statement is inside a `for` loop of the same function, or, with no `for` around it, a backward `goto` that can run after it jumps to a label before it; binds `loop` (the innermost such loop, with its label, or from the label a backward `goto` around the loop jumps to when that label is an earlier statement of the loop's block: code inserted before it runs once, code inserted after it runs after the loop), `nested_loop` (set when that loop is inside another loop of the function) and `rearm_at` (where code that runs each time the statement is reached goes: before the statement, after its label, unless a `break` uses the label); no fix when a backward `goto` around the loop comes from a label elsewhere, a `goto` would jump over code inserted there, or a select's label is used by both `break` and `goto`",
        run: timer::in_loop,
    },
    Predicate {
        name: "select-has-other-case",
        args: &["@select"],
        kinds: &[&["select_statement"]],
        binds: &[],
        site_vars: &[],
        doc: "the select statement has at least two cases (a `default` counts), so the case at hand can lose",
        run: timer::select_has_other_case,
    },
    Predicate {
        name: "received-only-in-select",
        args: &["@variable", "@declaration"],
        kinds: &[&["identifier"], STATEMENT],
        binds: &[],
        site_vars: &[],
        doc: "the variable the declaration binds is used only as the channel of select receive cases after it, inside the same loop",
        run: timer::received_only_in_select,
    },
    Predicate {
        name: "repeatable-before",
        args: &["@expression", "@statement"],
        kinds: &[&[], STATEMENT],
        binds: &[],
        site_vars: &[],
        doc: "the expression has no side effects (identifiers, literals, selectors, arithmetic, conversions) and uses no name declared inside the statement, so it can be evaluated again before it",
        run: timer::repeatable_before,
    },
    Predicate {
        name: "timer-duration",
        args: &["@expression", "@statement"],
        kinds: &[&[], STATEMENT],
        binds: &["stopped"],
        site_vars: &[],
        doc: "how a timer re-armed with `Reset(expression)` before the statement (a select, or the binding of its channel) is made before the loop: binds `stopped` when the expression must be evaluated only there (it is more than literals, names, arithmetic and conversions, or uses a name declared in the loop), so the timer is made stopped; unproven when a case before the expression's in the select evaluates something with a side effect (`X.Done()` aside) and the re-arm would move the expression before it",
        run: timer::timer_duration,
    },
    Predicate {
        name: "go-timer-semantics",
        args: &[],
        kinds: &[],
        binds: &["async_timers", "timer_note"],
        site_vars: &[],
        doc: "always holds; reads the nearest go.mod (go line, godebug asynctimerchan) and //go:debug in a main package, and binds `async_timers` (set before Go 1.23 semantics) and `timer_note`",
        run: timer::go_timer_semantics,
    },
    Predicate {
        name: "async-timers",
        args: &[],
        kinds: &[],
        binds: &[],
        site_vars: &[],
        doc: "the module has pre-Go 1.23 timer semantics (go line below 1.23, no go.mod, or asynctimerchan=1), where an unfired timer is never collected",
        run: timer::async_timers,
    },
];

pub fn lookup(name: &str) -> Option<&'static Predicate> {
    PREDICATES.iter().find(|p| p.name == name)
}

pub fn names() -> Vec<&'static str> {
    PREDICATES.iter().map(|p| p.name).collect()
}

/// tree-sitter-go's supertypes (from its node-types.json: the parser
/// library does not expose them at this ABI), each with the kinds under it.
const SUPERTYPES: &[(&str, &[&str])] = &[
    (
        "_expression",
        &[
            "binary_expression",
            "call_expression",
            "composite_literal",
            "false",
            "float_literal",
            "func_literal",
            "identifier",
            "imaginary_literal",
            "index_expression",
            "int_literal",
            "interpreted_string_literal",
            "iota",
            "nil",
            "parenthesized_expression",
            "raw_string_literal",
            "rune_literal",
            "selector_expression",
            "slice_expression",
            "true",
            "type_assertion_expression",
            "type_conversion_expression",
            "type_instantiation_expression",
            "unary_expression",
        ],
    ),
    (
        "_simple_statement",
        &[
            "assignment_statement",
            "dec_statement",
            "expression_statement",
            "inc_statement",
            "send_statement",
            "short_var_declaration",
        ],
    ),
    (
        "_simple_type",
        &[
            "array_type",
            "channel_type",
            "function_type",
            "generic_type",
            "interface_type",
            "map_type",
            "negated_type",
            "pointer_type",
            "qualified_type",
            "slice_type",
            "struct_type",
            "type_identifier",
        ],
    ),
    (
        "_statement",
        &[
            "_simple_statement",
            "block",
            "break_statement",
            "const_declaration",
            "continue_statement",
            "defer_statement",
            "empty_statement",
            "expression_switch_statement",
            "fallthrough_statement",
            "for_statement",
            "go_statement",
            "goto_statement",
            "if_statement",
            "labeled_statement",
            "return_statement",
            "select_statement",
            "type_declaration",
            "type_switch_statement",
            "var_declaration",
        ],
    ),
    ("_type", &["_simple_type", "parenthesized_type"]),
];

/// The node kinds `names` stand for, a supertype (`_statement`) standing
/// for every kind under it (recursively).
pub fn node_kinds(names: &[&str]) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut todo: Vec<&str> = names.to_vec();
    while let Some(name) = todo.pop() {
        match SUPERTYPES.iter().find(|(s, _)| *s == name) {
            Some((_, subs)) => todo.extend_from_slice(subs),
            None => {
                out.insert(name.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_name_real_node_kinds() {
        let lang: tree_sitter::Language = crate::go::grammar::language();
        for p in PREDICATES {
            assert_eq!(p.kinds.len(), p.args.len(), "{}", p.name);
            for (arg, kinds) in p.args.iter().zip(p.kinds) {
                assert!(arg.starts_with('@') || kinds.is_empty(), "{}", p.name);
                for k in node_kinds(kinds) {
                    assert_ne!(lang.id_for_node_kind(&k, true), 0, "{}: {k}", p.name);
                }
            }
        }
        let statements = node_kinds(STATEMENT);
        for k in ["select_statement", "short_var_declaration", "go_statement"] {
            assert!(statements.contains(k), "{k} in {statements:?}");
        }
        assert!(!statements.contains("call_expression"));
    }
}
