//! The forked grammar (grammars/tree-sitter-go): Go 1.26's `new(expr)`
//! parses, and what parsed before keeps its tree. The expected
//! s-expressions below were printed by crates.io's tree-sitter-go 0.25.0,
//! unmodified; the rules' queries depend on them (`make(chan T)`,
//! `make(chan T, n)`, `new(T)` and ordinary calls).

mod common;
#[allow(dead_code)]
mod gotool;

use common::{Sandbox, code, stderr};
use gofix_leaks::files::walk;
use gofix_leaks::go::syntax;
use std::path::PathBuf;
use tree_sitter::{Node, Tree};

const PRE: &str = "package p\n\nfunc f() {\n\t_ = ";

/// `expr` parsed as the right-hand side of `_ = expr` in a function: the
/// tree and the expression's node range.
fn parse_expr(expr: &str) -> (Tree, std::ops::Range<usize>) {
    let src = format!("{PRE}{expr}\n}}\n");
    (
        syntax::parse(src.as_bytes()),
        PRE.len()..PRE.len() + expr.len(),
    )
}

/// The ERROR and MISSING nodes of a tree, as kind and byte offset.
fn bad_nodes(tree: &Tree) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![tree.root_node()];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            out.push(format!("{} at byte {}", n.kind(), n.start_byte()));
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    out
}

/// The s-expression of the node spanning exactly `expr` in `_ = expr`,
/// after checking the whole snippet parsed without ERROR or MISSING.
fn sexp(expr: &str) -> String {
    let (tree, range) = parse_expr(expr);
    let bad = bad_nodes(&tree);
    assert!(
        bad.is_empty(),
        "`{expr}`: {bad:?}\n{}",
        tree.root_node().to_sexp()
    );
    let node = tree
        .root_node()
        .descendant_for_byte_range(range.start, range.end)
        .unwrap();
    assert_eq!(node.byte_range(), range, "`{expr}`");
    node.to_sexp()
}

/// `new(expr)` forms: no error, a call of `new` with one argument of the
/// expected kind (and of `make`, for a function of that name).
#[test]
fn new_with_an_expression_parses() {
    let cases = [
        ("new(503)", "int_literal"),
        ("new(1.5)", "float_literal"),
        ("new(\"hello\")", "interpreted_string_literal"),
        ("new('x')", "rune_literal"),
        ("new(true)", "true"),
        ("new(nil)", "nil"),
        ("new(int64(n))", "call_expression"),
        ("new(f())", "call_expression"),
        ("new(t.M())", "call_expression"),
        ("new(cmd.Bool(\"scrub-logs\"))", "call_expression"),
        ("new(secretType(secretValue))", "call_expression"),
        ("new(func() int { return 1 }())", "call_expression"),
        ("new(10 * time.Millisecond)", "binary_expression"),
        ("new(x + 1)", "binary_expression"),
        ("new(-1)", "unary_expression"),
        ("new(&x)", "unary_expression"),
        ("new(<-ch)", "unary_expression"),
        ("new(x.y.z)", "selector_expression"),
        ("new(x[1:])", "slice_expression"),
        ("new(v.(T))", "type_assertion_expression"),
        ("new([]int{1, 2})", "composite_literal"),
        ("new(T{})", "composite_literal"),
        ("new(pkg.T{A: 1})", "composite_literal"),
        ("new(struct{}{})", "composite_literal"),
        ("new(map[string]int{})", "composite_literal"),
        ("new((x + 1))", "parenthesized_expression"),
        // A function named make (encoding/json/v2's tests shadow it) takes
        // an expression too.
        ("make(n - 1)", "binary_expression"),
        ("make(100)", "int_literal"),
    ];
    for (expr, kind) in cases {
        let (tree, range) = parse_expr(expr);
        let bad = bad_nodes(&tree);
        assert!(
            bad.is_empty(),
            "`{expr}`: {bad:?}\n{}",
            tree.root_node().to_sexp()
        );
        let call = tree
            .root_node()
            .descendant_for_byte_range(range.start, range.end)
            .unwrap();
        assert_eq!(call.kind(), "call_expression", "`{expr}`");
        assert_eq!(call.byte_range(), range, "`{expr}`");
        let src = format!("{PRE}{expr}\n}}\n");
        let function = call.child_by_field_name("function").unwrap();
        assert_eq!(function.kind(), "identifier", "`{expr}`");
        let name = expr.split('(').next().unwrap();
        assert_eq!(&src[function.byte_range()], name, "`{expr}`");
        let args = call.child_by_field_name("arguments").unwrap();
        assert_eq!(args.kind(), "argument_list", "`{expr}`");
        assert_eq!(args.named_child_count(), 1, "`{expr}`: {}", args.to_sexp());
        let arg = args.named_child(0).unwrap();
        assert_eq!(arg.kind(), kind, "`{expr}`: {}", call.to_sexp());
        assert_eq!(
            &src[arg.byte_range()],
            &expr[name.len() + 1..expr.len() - 1]
        );
    }
    // The examples whole, as the grammar gives them.
    assert_eq!(
        sexp("new(10 * time.Millisecond)"),
        "(call_expression function: (identifier) arguments: (argument_list (binary_expression \
         left: (int_literal) right: (selector_expression operand: (identifier) field: (field_identifier)))))"
    );
    assert_eq!(
        sexp("new(int64(n))"),
        "(call_expression function: (identifier) arguments: (argument_list (call_expression \
         function: (identifier) arguments: (argument_list (identifier)))))"
    );
}

/// What parsed before keeps its tree, to the field names; where `new(x)`
/// could be a type or an expression, it stays a type.
#[test]
fn trees_that_parsed_before_are_unchanged() {
    let before = [
        (
            "make(chan int)",
            "(call_expression function: (identifier) arguments: (argument_list (channel_type value: (type_identifier))))",
        ),
        (
            "make(chan int, 1)",
            "(call_expression function: (identifier) arguments: (argument_list (channel_type value: (type_identifier)) (int_literal)))",
        ),
        (
            "make(chan struct{})",
            "(call_expression function: (identifier) arguments: (argument_list (channel_type value: (struct_type (field_declaration_list)))))",
        ),
        (
            "make([]T, n)",
            "(call_expression function: (identifier) arguments: (argument_list (slice_type element: (type_identifier)) (identifier)))",
        ),
        (
            "make(map[string]int)",
            "(call_expression function: (identifier) arguments: (argument_list (map_type key: (type_identifier) value: (type_identifier))))",
        ),
        (
            "new(T)",
            "(call_expression function: (identifier) arguments: (argument_list (type_identifier)))",
        ),
        (
            "new(pkg.T)",
            "(call_expression function: (identifier) arguments: (argument_list (qualified_type package: (package_identifier) name: (type_identifier))))",
        ),
        (
            "new(*p)",
            "(call_expression function: (identifier) arguments: (argument_list (pointer_type (type_identifier))))",
        ),
        (
            "new(a[i])",
            "(call_expression function: (identifier) arguments: (argument_list (generic_type type: (type_identifier) type_arguments: (type_arguments (type_elem (type_identifier))))))",
        ),
        (
            "new((T))",
            "(call_expression function: (identifier) arguments: (argument_list (parenthesized_type (type_identifier))))",
        ),
        (
            "new([]int)",
            "(call_expression function: (identifier) arguments: (argument_list (slice_type element: (type_identifier))))",
        ),
        (
            "new(chan int)",
            "(call_expression function: (identifier) arguments: (argument_list (channel_type value: (type_identifier))))",
        ),
        (
            "new(struct{ X any })",
            "(call_expression function: (identifier) arguments: (argument_list (struct_type (field_declaration_list (field_declaration name: (field_identifier) type: (type_identifier))))))",
        ),
        (
            "new(func())",
            "(call_expression function: (identifier) arguments: (argument_list (function_type parameters: (parameter_list))))",
        ),
        (
            "f(x, 1)",
            "(call_expression function: (identifier) arguments: (argument_list (identifier) (int_literal)))",
        ),
        (
            "time.After(d)",
            "(call_expression function: (selector_expression operand: (identifier) field: (field_identifier)) arguments: (argument_list (identifier)))",
        ),
    ];
    for (expr, want) in before {
        assert_eq!(sexp(expr), want, "`{expr}`");
    }
}

/// Kinds that name a type (the grammar's `_type` and `_simple_type`).
const TYPE_KINDS: &[&str] = &[
    "type_identifier",
    "qualified_type",
    "generic_type",
    "pointer_type",
    "parenthesized_type",
    "array_type",
    "slice_type",
    "map_type",
    "channel_type",
    "struct_type",
    "interface_type",
    "function_type",
    "negated_type",
];

/// Calls `new(x)` (or of a function named make) in `node` whose argument
/// is an expression, not a type.
fn new_with_expression<'t>(node: Node<'t>, src: &[u8]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "call_expression"
            && n.child_by_field_name("function").is_some_and(|f| {
                f.kind() == "identifier" && matches!(&src[f.byte_range()], b"new" | b"make")
            })
            && n.child_by_field_name("arguments")
                .and_then(|a| a.named_child(0))
                .is_some_and(|a| !TYPE_KINDS.contains(&a.kind()) && a.kind() != "comment")
        {
            out.push(n);
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    out.sort_by_key(|n| n.start_byte());
    out
}

fn goroot_src() -> PathBuf {
    let out = std::process::Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("this test needs the Go toolchain (`go` on PATH) for Go's own tree");
    assert!(out.status.success(), "go env GOROOT failed");
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("src")
}

/// Go's own tree (the files the tool checks: no testdata/ or vendor/):
/// no top-level declaration that contains `new(` has a syntax error, and
/// the tree does use `new` with an expression (Go 1.26 does, in
/// runtime/secret's tests; encoding/json/v2's tests call a function named
/// make, which upstream's grammar did not parse either).
#[test]
fn goroot_new_calls_parse() {
    let root = goroot_src();
    let files = walk::discover(&[root.display().to_string()]).expect("GOROOT/src walks");
    assert!(
        files.len() > 1000,
        "{} files under {}",
        files.len(),
        root.display()
    );
    let (mut with_new, mut decls) = (0, 0);
    let mut errors = Vec::new();
    let mut sites = Vec::new();
    for path in &files {
        let src = std::fs::read(path).unwrap();
        if !src.windows(4).any(|w| w == b"new(") {
            continue;
        }
        with_new += 1;
        let tree = syntax::parse(&src);
        let root_node = tree.root_node();
        let mut c = root_node.walk();
        for decl in root_node.children(&mut c) {
            if !src[decl.byte_range()].windows(4).any(|w| w == b"new(") {
                continue;
            }
            decls += 1;
            if decl.has_error() || decl.is_error() || decl.is_missing() {
                let p = decl.start_position();
                errors.push(format!("{}:{}: {}", path.display(), p.row + 1, decl.kind()));
            }
        }
        for call in new_with_expression(root_node, &src) {
            let p = call.start_position();
            let text = String::from_utf8_lossy(&src[call.byte_range()]);
            let site = format!("{}:{}: {text}", path.display(), p.row + 1);
            if call.has_error() {
                errors.push(format!("{site}: {}", call.to_sexp()));
            }
            sites.push(site);
        }
    }
    eprintln!(
        "{with_new} files and {decls} top-level declarations with `new(`; {} calls of new (or make) with an expression:\n  {}",
        sites.len(),
        sites.join("\n  ")
    );
    assert!(
        errors.is_empty(),
        "declarations with `new(` (or calls) that do not parse:\n{}",
        errors.join("\n")
    );
    assert!(
        sites.iter().any(|s| s.contains(": new(")),
        "no new(expr) found under {}: is this Go 1.26 or later?",
        root.display()
    );
}

/// A leak in a function that also uses `new(expr)`: upstream's grammar made
/// the tool skip the function ("syntax error ... left unchanged"); now the
/// leak is found and fixed, and Go still builds the result.
#[test]
fn a_leak_next_to_new_expr_is_found_and_fixed() {
    let leaky = "package main

import (
\t\"fmt\"
\t\"time\"
)

func slowSquare(n int) int {
\ttime.Sleep(10 * time.Millisecond)
\treturn n * n
}

func squareWithTimeout(n int) (int, bool) {
\td := new(10 * time.Millisecond)
\tch := make(chan int)
\tgo func() {
\t\tch <- slowSquare(n)
\t}()
\tselect {
\tcase v := <-ch:
\t\treturn v, true
\tcase <-time.After(*d):
\t\treturn 0, false
\t}
}

func main() {
\tfmt.Println(squareWithTimeout(7))
}
";
    let sb = Sandbox::new();
    sb.write("go.mod", "module example.com/newexpr\n\ngo 1.26\n");
    sb.write("main.go", leaky);
    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["skipped"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{v:#}");
    assert_eq!(findings[0]["rule"], "single-result-buffer");
    assert_eq!(findings[0]["start"]["line"], 15);

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        sb.read("main.go"),
        leaky.replace("make(chan int)", "make(chan int, 1)")
    );
    if gotool::available("a_leak_next_to_new_expr_is_found_and_fixed (go vet)") {
        gotool::vet(&sb.path("")).unwrap();
    }
}
