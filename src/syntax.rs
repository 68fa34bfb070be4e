//! Go syntax on top of tree-sitter-go: parsing, and the small structural
//! questions (enclosing function, loops, error regions, names in scope) that
//! predicates and the edit model ask of a tree.

use tree_sitter::{Node, Parser, Tree};

/// Parses Go source. tree-sitter always returns a tree; syntax errors show up
/// as ERROR/MISSING nodes, which callers handle per declaration.
pub fn parse(src: &[u8]) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .expect("tree-sitter-go is ABI-compatible with the linked tree-sitter");
    parser
        .parse(src, None)
        .expect("parsing without a timeout or cancellation flag always yields a tree")
}

pub fn text<'a>(node: Node, src: &'a [u8]) -> &'a str {
    std::str::from_utf8(&src[node.byte_range()]).unwrap_or("")
}

/// Function-like nodes: each is its own scope for goroutine and loop questions.
pub fn is_function(node: Node) -> bool {
    matches!(
        node.kind(),
        "function_declaration" | "method_declaration" | "func_literal"
    )
}

/// The innermost function (declaration, method or literal) containing `node`.
pub fn enclosing_function(node: Node) -> Option<Node> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if is_function(n) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// True when `inner` lies within `outer` (or is it).
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// Ancestors of `node` strictly below `stop`, innermost first.
pub fn ancestors_until<'t>(node: Node<'t>, stop: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.id() == stop.id() {
            break;
        }
        out.push(n);
        cur = n.parent();
    }
    out
}

/// True when a `for` statement lies between `node` and `func` (the function
/// whose body is being analysed).
pub fn in_loop_within(node: Node, func: Node) -> bool {
    ancestors_until(node, func)
        .iter()
        .any(|n| n.kind() == "for_statement")
}

/// The innermost `for` statement around `node` inside `func`, if any.
pub fn enclosing_loop<'t>(node: Node<'t>, func: Node<'t>) -> Option<Node<'t>> {
    ancestors_until(node, func)
        .into_iter()
        .find(|n| n.kind() == "for_statement")
}

/// Calls `f` on every node under `root` in document order, without
/// descending into nodes for which `descend` says no.
pub fn visit<'t>(root: Node<'t>, descend: &dyn Fn(Node<'t>) -> bool, f: &mut dyn FnMut(Node<'t>)) {
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        f(n);
        if n.id() != root.id() && !descend(n) {
            continue;
        }
        let children: Vec<Node<'t>> = n.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
}

/// Top-level declarations whose subtree holds an ERROR or MISSING node: no
/// edit may land inside them. Returns (node, first error node).
pub fn error_regions(tree: &Tree) -> Vec<(Node<'_>, Node<'_>)> {
    let root = tree.root_node();
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut cursor = root.walk();
    for child in root.children(&mut cursor) {
        if child.has_error() || child.is_error() || child.is_missing() {
            out.push((child, first_error(child).unwrap_or(child)));
        }
    }
    out
}

fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if (child.has_error() || child.is_error() || child.is_missing())
            && let Some(e) = first_error(child)
        {
            return Some(e);
        }
    }
    None
}

/// A statement after which its goroutine surely goes no further: a
/// `return`, or a call that never returns: `panic`, `runtime.Goexit`,
/// `os.Exit`, `log.Fatal*` and `log.Panic*`, a test's or logger's
/// `Fatal`/`Fatalf`/`FailNow`/`Skip`/`Skipf`/`SkipNow` (testing's end in
/// `runtime.Goexit`, loggers' in `os.Exit`), and testify's `require.Fail*`.
pub fn stops_here(stmt: Node, src: &[u8]) -> bool {
    match stmt.kind() {
        "return_statement" => true,
        "expression_statement" => stmt
            .named_child(0)
            .filter(|c| c.kind() == "call_expression")
            .and_then(|c| c.child_by_field_name("function"))
            .is_some_and(|f| match text(f, src).rsplit_once('.') {
                None => text(f, src) == "panic",
                Some((on, name)) => match on {
                    "runtime" => name == "Goexit",
                    "os" => name == "Exit",
                    "log" => name.starts_with("Fatal") || name.starts_with("Panic"),
                    "require" => name.starts_with("Fail"),
                    _ => matches!(
                        name,
                        "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow"
                    ),
                },
            }),
        _ => false,
    }
}

/// The `go` statement that runs function literal `literal` directly
/// (`go func() {...}()`), when that statement is in `func` itself.
pub fn go_running<'t>(literal: Node<'t>, func: Node<'t>) -> Option<Node<'t>> {
    literal
        .parent()
        .filter(|c| {
            c.kind() == "call_expression" && c.child_by_field_name("function") == Some(literal)
        })
        .and_then(|c| c.parent())
        .filter(|g| {
            g.kind() == "go_statement" && enclosing_function(*g).map(|f| f.id()) == Some(func.id())
        })
}

/// Every identifier spelled inside `scope`: a fresh name must avoid all of
/// them so that it neither shadows a name the code uses nor is shadowed.
pub fn identifiers_in(scope: Node, src: &[u8]) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    visit(scope, &|_| true, &mut |n| {
        if matches!(n.kind(), "identifier" | "package_identifier" | "label_name") {
            names.insert(text(n, src).to_string());
        }
    });
    names
}

/// `base`, `base2`, `base3`, ... : the first not used in `scope` and not
/// in `taken` (names other fixes already declare there).
pub fn fresh_name(
    base: &str,
    scope: Node,
    src: &[u8],
    taken: &std::collections::HashSet<String>,
) -> String {
    let used = identifiers_in(scope, src);
    std::iter::once(base.to_string())
        .chain((2..).map(|i| format!("{base}{i}")))
        .find(|n| !used.contains(n) && !taken.contains(n))
        .expect("an unused numbered name exists")
}

/// The parameter names of a function-like node, in order, with a flag for a
/// variadic parameter. Grouped parameters (`a, b int`) are expanded.
pub fn parameter_names(func: Node, src: &[u8]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let Some(params) = func.child_by_field_name("parameters") else {
        return out;
    };
    let mut cursor = params.walk();
    for decl in params.named_children(&mut cursor) {
        let variadic = decl.kind() == "variadic_parameter_declaration";
        let mut c2 = decl.walk();
        let names: Vec<String> = decl
            .children_by_field_name("name", &mut c2)
            .map(|n| text(n, src).to_string())
            .collect();
        if names.is_empty() {
            out.push(("_".to_string(), variadic));
        }
        for n in names {
            out.push((n, variadic));
        }
    }
    out
}

/// Names that a function-like node's own parameter list (and receiver)
/// declares.
pub fn declares_param(func: Node, name: &str, src: &[u8]) -> bool {
    if parameter_names(func, src).iter().any(|(n, _)| n == name) {
        return true;
    }
    if let Some(recv) = func.child_by_field_name("receiver") {
        let mut found = false;
        visit(recv, &|_| true, &mut |n| {
            if n.kind() == "identifier" && text(n, src) == name {
                found = true;
            }
        });
        return found;
    }
    false
}

/// Whether `b` can be part of a Go identifier (any byte of a multi-byte
/// UTF-8 letter counts): what a word boundary in source text is made of.
pub fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The statement a plain `break` at `brk` leaves: the nearest enclosing
/// `for`, `switch`, type switch or `select`.
pub fn break_target(brk: Node) -> Option<Node> {
    let mut cur = brk.parent();
    while let Some(n) = cur {
        if matches!(
            n.kind(),
            "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "select_statement"
        ) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// Leading whitespace of the line holding byte `offset`.
pub fn indent_at(src: &[u8], offset: usize) -> &str {
    let line_start = src[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = src[line_start..]
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .map_or(src.len(), |i| line_start + i);
    std::str::from_utf8(&src[line_start..end]).unwrap_or("")
}

/// 1-based line and 1-based byte column of `offset`, as Go tools print them.
pub fn line_col(src: &[u8], offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    // memchr's counting is many times faster than a byte loop; callers with
    // a node at hand should still prefer its `start_position()`.
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// The name a function or method declaration declares.
pub fn decl_name<'a>(decl: Node, src: &'a [u8]) -> Option<&'a str> {
    decl.child_by_field_name("name").map(|n| text(n, src))
}

/// Generated files carry `// Code generated ... DO NOT EDIT.` before the
/// package clause (https://go.dev/s/generatedcode).
pub fn is_generated(src: &[u8]) -> bool {
    for line in src.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"package ") {
            return false;
        }
        if line.starts_with(b"// Code generated ") && line.ends_with(b" DO NOT EDIT.") {
            return true;
        }
    }
    false
}

/// The package name in a file's package clause, read from its text without
/// parsing: the first `package NAME` line outside comments.
pub fn package_clause(src: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(src).ok()?;
    let mut in_block = false;
    for line in text.lines() {
        let mut l = line.trim();
        if in_block {
            match l.find("*/") {
                Some(i) => {
                    in_block = false;
                    l = l[i + 2..].trim();
                }
                None => continue,
            }
        }
        while let Some(rest) = l.strip_prefix("/*") {
            match rest.find("*/") {
                Some(i) => l = rest[i + 2..].trim(),
                None => {
                    in_block = true;
                    l = "";
                }
            }
        }
        if l.is_empty() || l.starts_with("//") {
            continue;
        }
        return l
            .strip_prefix("package")
            .filter(|r| r.starts_with(char::is_whitespace))
            .and_then(|r| r.split_whitespace().next())
            .map(|n| n.trim_end_matches(';'));
    }
    None
}

/// The package name in the package clause.
pub fn package_name<'a>(tree: &Tree, src: &'a [u8]) -> Option<&'a str> {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let clause = root
        .children(&mut cursor)
        .find(|c| c.kind() == "package_clause")?;
    let mut c2 = clause.walk();
    let ident = clause
        .named_children(&mut c2)
        .find(|c| c.kind() == "package_identifier")?;
    Some(text(ident, src))
}

/// Local names under which the file imports packages (alias or last path
/// element), so `pkg.F` can be told apart from `value.Method`.
///
/// Only the file's head is read: Go allows imports only before every other
/// declaration, and predicates ask for this once per finding, so walking all
/// top-level declarations made a file with thousands of functions quadratic
/// (a 1 MB file took 20 s).
pub fn import_names(tree: &Tree, src: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let root = tree.root_node();
    let mut cursor = root.walk();
    for decl in root.children(&mut cursor) {
        match decl.kind() {
            "import_declaration" => {}
            "package_clause" | "comment" | "ERROR" => continue,
            _ => break,
        }
        visit(
            decl,
            &|n| matches!(n.kind(), "import_declaration" | "import_spec_list"),
            &mut |n| {
                if n.kind() == "import_spec" {
                    let path = n
                        .child_by_field_name("path")
                        .map(|p| {
                            text(p, src)
                                .trim_matches(|c| c == '"' || c == '`')
                                .to_string()
                        })
                        .unwrap_or_default();
                    let name = match n.child_by_field_name("name") {
                        Some(a) => text(a, src).to_string(),
                        None => path.rsplit('/').next().unwrap_or(&path).to_string(),
                    };
                    out.push((name, path));
                }
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_clause_without_parsing() {
        assert_eq!(
            package_clause(b"// Copyright\n\n//go:build linux\n\npackage foo\n"),
            Some("foo")
        );
        assert_eq!(
            package_clause(b"/* a\npackage fake\n*/\npackage real // x\n"),
            Some("real")
        );
        assert_eq!(
            package_clause(b"/* one */ package p_test\n"),
            Some("p_test")
        );
        assert_eq!(package_clause(b"packages\n"), None);
    }

    #[test]
    fn statements_that_stop_a_goroutine() {
        let src = b"package p\nfunc f() {\n\treturn\n\tpanic(1)\n\tt.Fatalf(\"x\")\n\trequire.FailNow(t, \"x\")\n\tos.Exit(1)\n\truntime.Goexit()\n\tlog.Fatal(1)\n\tt.Errorf(\"x\")\n\trequire.NoError(t, err)\n\tfoo.Exit(1)\n\tx := 1\n}\n";
        let tree = parse(src);
        let body = tree
            .root_node()
            .named_child(1)
            .and_then(|f| f.child_by_field_name("body"))
            .and_then(|b| b.named_child(0))
            .unwrap();
        let mut c = body.walk();
        let stops: Vec<bool> = body
            .named_children(&mut c)
            .map(|n| stops_here(n, src))
            .collect();
        assert_eq!(
            stops,
            [
                true, true, true, true, true, true, true, false, false, false, false
            ]
        );
    }
}
