//! Where names come from, as far as syntax tells: how a name is declared in
//! the functions around a point, and the named type of a declaration when
//! it is spelled out. Shared by predicates that resolve callees or check
//! that an expression can be moved.

use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use tree_sitter::Node;

/// How a name used at some point is declared in the enclosing functions.
#[derive(Debug, PartialEq)]
pub enum LocalDecl {
    /// Not declared in any enclosing function (package level or imported).
    NotLocal,
    /// Declared with a named type of this package (pointer or not).
    Typed(String),
    /// Declared locally in a way whose type this analysis cannot tell.
    Unknown,
}

/// The base type name of a type node: `T`, `*T`, `T[X]`, `*T[X]`.
pub fn base_type(ty: Node, src: &[u8]) -> Option<String> {
    match ty.kind_str() {
        "type_identifier" => Some(text(ty, src).to_string()),
        "pointer_type" => base_type(ty.named_child(0)?, src),
        "generic_type" => base_type(ty.child_field("type")?, src),
        "parenthesized_type" => base_type(ty.named_child(0)?, src),
        _ => None,
    }
}

/// The type of a value expression when it is spelled out: `T{}`, `&T{}`,
/// `new(T)`.
pub fn literal_type(value: Node, src: &[u8]) -> Option<String> {
    match value.kind_str() {
        "composite_literal" => base_type(value.child_field("type")?, src),
        "unary_expression"
            if value
                .child_field("operator")
                .is_some_and(|o| o.kind_str() == "&") =>
        {
            literal_type(value.child_field("operand")?, src)
        }
        "call_expression" => {
            let f = value.child_field("function")?;
            let args = value.child_field("arguments")?;
            (text(f, src) == "new" && args.named_child_count() == 1)
                .then(|| base_type(args.named_child(0)?, src))
                .flatten()
        }
        _ => None,
    }
}

/// A local declaration of a name: what it spells out.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'t> {
    /// The declared type (`var x T`, a parameter's type).
    pub ty: Option<Node<'t>>,
    /// The value it is initialised with (`x := v`, `var x = v`).
    pub value: Option<Node<'t>>,
    /// How many declarations of the name that function holds: more than one
    /// means shadowing this analysis does not follow.
    pub count: usize,
}

/// The declaration of `name` visible at `at`, looked up in the functions
/// around it, innermost first: receiver, parameters, then `var`, `:=`,
/// range, select-case and type-switch variables in the body. None: not a
/// local (a package-level name or an import).
pub fn declaration<'t>(name: &str, at: Node<'t>, src: &[u8]) -> Option<Declared<'t>> {
    let mut func = syntax::enclosing_function(at);
    while let Some(f) = func {
        for field in ["receiver", "parameters"] {
            let Some(params) = f.child_field(field) else {
                continue;
            };
            let mut c = params.walk();
            for d in params.named_children(&mut c) {
                let mut c2 = d.walk();
                if d.children_by_field_name("name", &mut c2)
                    .any(|n| text(n, src) == name)
                {
                    return Some(Declared {
                        ty: d.child_field("type"),
                        value: None,
                        count: 1,
                    });
                }
            }
        }
        let found: Vec<Declared<'t>> = f
            .child_field("body")
            .map(|body| {
                declaring_nodes(body, name, src)
                    .into_iter()
                    .filter_map(|n| declared_by(n, name, src))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(first) = found.first() {
            return Some(Declared {
                count: found.len(),
                ..*first
            });
        }
        func = syntax::enclosing_function(f);
    }
    None
}

/// What node `n` declares `name` as, when it is a `var` spec, `:=`, range
/// clause, receive or type switch whose names hold it (`count` left 0).
fn declared_by<'t>(n: Node<'t>, name: &str, src: &[u8]) -> Option<Declared<'t>> {
    let (names_of, value_list, ty) = match n.kind_str() {
        "var_spec" => {
            let mut c = n.walk();
            let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
            (names, n.child_field("value"), n.child_field("type"))
        }
        "short_var_declaration"
        | "range_clause"
        | "receive_statement"
        | "type_switch_statement" => {
            let left = n.child_field("left").or_else(|| n.child_field("alias"))?;
            let mut c = left.walk();
            let names: Vec<Node> = left
                .named_children(&mut c)
                .filter(|x| x.kind_str() == "identifier")
                .collect();
            let value = (n.kind_str() == "short_var_declaration")
                .then(|| n.child_field("right"))
                .flatten();
            (names, value, None)
        }
        _ => return None,
    };
    let pos = names_of.iter().position(|x| text(*x, src) == name)?;
    let value = value_list
        .filter(|v| v.named_child_count() == names_of.len())
        .and_then(|v| v.named_child(pos));
    Some(Declared {
        ty,
        value,
        count: 0,
    })
}

/// The nodes under `body`, outside its function literals, that may declare
/// `name` (a `var` spec, `:=`, range clause, receive or type switch whose
/// names hold it), in document order: found from where `name` is written,
/// not by a walk of every node of the body, which the predicates asked for
/// hundreds of times per big function.
fn declaring_nodes<'t>(body: Node<'t>, name: &str, src: &[u8]) -> Vec<Node<'t>> {
    // Declarations are looked for, not every place the name is written:
    // a trimmed parse misses one only where it left out a declaration.
    crate::go::hidden::searches_declarations(body, name.as_bytes());
    let mut out: Vec<Node<'t>> = Vec::new();
    for (_, ups) in syntax::written_outside(body, name, "identifier", "func_literal", src) {
        let holder = match ups.as_slice() {
            [p, ..] if p.kind_str() == "var_spec" => Some(*p),
            [p, q, ..] => {
                let list = q.child_field("left").or_else(|| q.child_field("alias"));
                (list.map(|l| l.id()) == Some(p.id())).then_some(*q)
            }
            _ => None,
        };
        if let Some(n) = holder
            && !out.iter().any(|o| o.id() == n.id())
        {
            out.push(n);
        }
    }
    // The order a walk from the top meets them: a type switch before the
    // `:=` of its own initializer, whose name is written first.
    out.sort_by_key(|n| (n.start_byte(), std::cmp::Reverse(n.end_byte())));
    out
}

/// Finds how `name` is declared in the functions around `at`, innermost
/// first: receiver, parameters, `var`, `:=`.
pub fn local_decl(name: &str, at: Node, src: &[u8]) -> LocalDecl {
    match declaration(name, at, src) {
        None => LocalDecl::NotLocal,
        Some(d) if d.count > 1 => LocalDecl::Unknown,
        Some(d) => {
            d.ty.and_then(|t| base_type(t, src))
                .or_else(|| d.value.and_then(|v| literal_type(v, src)))
                .map_or(LocalDecl::Unknown, LocalDecl::Typed)
        }
    }
}

/// References to `name` inside `func`'s body, skipping nested function
/// literals that declare a parameter of the same name (their uses are of
/// another variable). `exclude` lists the binding sites. Found by a walk:
/// what `go::idents::references`, which the predicates call, is tested
/// against.
#[cfg(test)]
pub fn references<'t>(func: Node<'t>, name: &str, src: &[u8], exclude: &[usize]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let Some(body) = func.child_field("body") else {
        return out;
    };
    syntax::visit(
        body,
        &|n| !(syntax::is_func_literal(n) && syntax::declares_param(n, name, src)),
        &mut |n| {
            if syntax::is_identifier(n)
                && &src[n.byte_range()] == name.as_bytes()
                && !exclude.contains(&n.id())
            {
                out.push(n);
            }
        },
    );
    out
}

/// Names that a statement declares anywhere inside it (for clauses, range
/// variables, `:=`, `var`, select case variables, parameters of literals).
pub fn declares(stmt: Node, name: &str, src: &[u8]) -> bool {
    // Most statements never write the name: no walk for those.
    crate::go::package::mentions(&src[stmt.byte_range()], name)
        && declared_names(stmt, src).contains(name)
}

/// Every name `declares` finds in `stmt`, in one walk from the top (a
/// name's declaring node holds it; asking each identifier for its parent
/// costs the depth of the tree each time).
pub fn declared_names<'s>(stmt: Node, src: &'s [u8]) -> std::collections::HashSet<&'s str> {
    let mut out = std::collections::HashSet::new();
    use crate::go::facts::identifiers as idents;
    // A name that is `stmt` itself, or a list that is, is declared by what
    // holds it: asked of its parent as before.
    if matches!(stmt.kind_str(), "identifier" | "expression_list") {
        let mut c = stmt.walk();
        let mut names: Vec<Node> = stmt.children(&mut c).collect();
        names.push(stmt);
        for n in names.into_iter().filter(|n| n.kind_str() == "identifier") {
            if declared_where_it_stands(n) {
                out.insert(text(n, src));
            }
        }
    }
    syntax::visit(stmt, &|_| true, &mut |g| match g.kind_str() {
        "var_spec" | "const_spec" | "parameter_declaration" | "variadic_parameter_declaration" => {
            out.extend(idents(g).into_iter().map(|n| text(n, src)));
        }
        "short_var_declaration" | "range_clause" | "receive_statement" => {
            match g.child_field("left") {
                Some(l) if l.kind_str() == "expression_list" => {
                    out.extend(idents(l).into_iter().map(|n| text(n, src)));
                }
                Some(l) if l.kind_str() == "identifier" && g.kind_str() == "range_clause" => {
                    out.insert(text(l, src));
                }
                _ => {}
            }
        }
        _ => {}
    });
    out
}

/// Whether the identifier `n` is declared where it stands (its parent).
fn declared_where_it_stands(n: Node) -> bool {
    let Some(p) = n.parent() else { return false };
    match p.kind_str() {
        "var_spec" | "const_spec" | "parameter_declaration" | "variadic_parameter_declaration" => {
            true
        }
        "expression_list" => p.parent().is_some_and(|gp| {
            matches!(
                gp.kind_str(),
                "short_var_declaration" | "range_clause" | "receive_statement"
            ) && gp.child_field("left") == Some(p)
        }),
        "range_clause" => p.child_field("left") == Some(n),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{declared_where_it_stands, declares, text};
    use crate::go::syntax::NodeKind;
    use tree_sitter::Node;

    /// `declares` as it was: every identifier of `stmt` named `name`,
    /// asked for its parent.
    fn declares_by_walk(stmt: Node, name: &str, src: &[u8]) -> bool {
        let mut found = false;
        syntax::visit(stmt, &|_| true, &mut |n| {
            found |=
                n.kind_str() == "identifier" && text(n, src) == name && declared_where_it_stands(n);
        });
        found
    }

    /// The declaring nodes of `name` as the walk of every node of `body`
    /// found them (func literals skipped), before `declaring_nodes`.
    fn declaring_nodes_by_walk<'t>(body: Node<'t>, name: &str, src: &[u8]) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        syntax::visit(body, &|n| n.kind_str() != "func_literal", &mut |n| {
            if super::declared_by(n, name, src).is_some() {
                out.push(n);
            }
        });
        out
    }

    /// For every function body of three of Go's files (and a type switch
    /// that declares its name twice) and every name written in it: the
    /// nodes found from where the name is written, that declare it, are the
    /// ones a walk of every node finds, in the walk's order.
    #[test]
    fn declaring_nodes_are_the_walks() {
        let root = crate::go::goroot_src();
        let mut texts: Vec<(String, Vec<u8>)> = ["net/http/transport.go", "go/types/expr.go"]
            .iter()
            .map(|f| {
                (
                    f.to_string(),
                    std::fs::read(root.join(f)).expect("Go's tree"),
                )
            })
            .collect();
        texts.push((
            "switch".into(),
            b"package p\nfunc f(v any) {\n\tswitch x := v; x := x.(type) {\n\tcase int:\n\t\tx := 1\n\t\t_ = x\n\t}\n\tvar a, b = 1, func() { a := 2; _ = a }\n\tfor a, c := range b {}\n}\n"
                .to_vec(),
        ));
        let mut asked = 0;
        for (f, src) in &texts {
            let tree = syntax::parse(src);
            let mut bodies = Vec::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if matches!(
                    n.kind_str(),
                    "function_declaration" | "method_declaration" | "func_literal"
                ) && let Some(b) = n.child_field("body")
                {
                    bodies.push(b);
                }
            });
            for body in bodies {
                let mut names = std::collections::BTreeSet::new();
                syntax::visit(body, &|_| true, &mut |i| {
                    if i.kind_str() == "identifier" {
                        names.insert(text(i, src).to_string());
                    }
                });
                for name in names.iter().chain(["nosuchname".to_string()].iter()) {
                    let ids = |v: Vec<Node>| v.iter().map(|n| n.id()).collect::<Vec<_>>();
                    let walked = declaring_nodes_by_walk(body, name, src);
                    let found = super::declaring_nodes(body, name, src);
                    // The new list may hold nodes that only look like
                    // declarations (`x = v`); `declaration` skips those.
                    let found: Vec<Node> = found
                        .into_iter()
                        .filter(|n| super::declared_by(*n, name, src).is_some())
                        .collect();
                    assert_eq!(
                        ids(found),
                        ids(walked),
                        "{f}: {name} in body at {}",
                        body.start_byte()
                    );
                    asked += 1;
                }
            }
        }
        assert!(asked > 1_000, "{asked}");
    }

    /// On every statement, literal and list of two of Go's files, for every
    /// name they mention: the one walk answers as the walk per name.
    #[test]
    fn declared_names_is_declares_per_name() {
        let root = crate::go::goroot_src();
        let mut asked = 0;
        for f in ["net/http/transport.go", "sync/waitgroup.go"] {
            let src = std::fs::read(root.join(f)).expect("Go's tree");
            let tree = syntax::parse(&src);
            let mut nodes = Vec::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if n.kind_str().ends_with("_statement")
                    || matches!(
                        n.kind_str(),
                        "func_literal" | "expression_list" | "identifier" | "block"
                    )
                {
                    nodes.push(n);
                }
            });
            for (k, n) in nodes.into_iter().enumerate() {
                let mut names = std::collections::BTreeSet::new();
                syntax::visit(n, &|_| true, &mut |i| {
                    if i.kind_str() == "identifier" {
                        names.insert(text(i, &src).to_string());
                    }
                });
                // Every node's own names; a sample of large ones costs too much.
                if n.byte_range().len() > 4000 && k % 5 != 0 {
                    continue;
                }
                for name in names.iter().chain(["nosuchname".to_string()].iter()) {
                    assert_eq!(
                        declares(n, name, &src),
                        declares_by_walk(n, name, &src),
                        "{f}: {} at {} for {name}",
                        n.kind_str(),
                        n.start_byte()
                    );
                    asked += 1;
                }
            }
        }
        assert!(asked > 10_000, "{asked}");
    }

    use super::references;
    use crate::go::syntax;
    use std::collections::BTreeSet;

    /// `go::idents`, found from the text, answers what a walk of each
    /// function answers, for every name in every function of real files
    /// of Go's tree (func literals that shadow a name, gotos inside and
    /// outside literals); and each reference's ancestors, innermost
    /// function and `go` statement are tree-sitter's.
    #[test]
    fn shared_identifiers_answer_as_the_walk() {
        let root = crate::go::goroot_src();
        let (mut gotos, mut ups, mut runs) = (0, 0, 0);
        for file in [
            "runtime/select.go",
            "context/context.go",
            "net/http/transport.go",
            "context/x_test.go",
            "sync/waitgroup_test.go",
        ] {
            let src = std::fs::read(root.join(file)).unwrap();
            let tree = syntax::parse(&src);
            let mut funcs = Vec::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if matches!(
                    n.kind_str(),
                    "function_declaration" | "method_declaration" | "func_literal"
                ) {
                    funcs.push(n);
                }
            });
            for func in funcs {
                let mut names = BTreeSet::new();
                let mut walked_goto = false;
                syntax::visit(func, &|n| n.kind_str() != "func_literal", &mut |n| {
                    walked_goto |= n.kind_str() == "goto_statement";
                });
                syntax::visit(func, &|_| true, &mut |n| {
                    if n.kind_str() == "identifier" {
                        names.insert(syntax::text(n, &src).to_string());
                    }
                });
                assert_eq!(crate::go::idents::has_goto(func, &src), walked_goto);
                gotos += usize::from(walked_goto);
                for name in names {
                    let walked: Vec<usize> = references(func, &name, &src, &[])
                        .iter()
                        .map(|n| n.id())
                        .collect();
                    let shared: Vec<usize> = crate::go::idents::references(func, &name, &src, &[])
                        .iter()
                        .map(|n| n.id())
                        .collect();
                    assert_eq!(walked, shared, "`{name}` in {file}");
                    // Where each sits, read from the ancestors it was
                    // found with, as tree-sitter's parents say.
                    for r in crate::go::idents::references_up(func, &name, &src, &[]) {
                        let mut chain = vec![];
                        let mut n = r.node;
                        while let Some(p) = n.parent().filter(|_| chain.len() < 5) {
                            chain.push(Some(p));
                            n = p;
                        }
                        chain.resize(5, None);
                        let bare = crate::go::idents::Ref::bare(r.node);
                        for (k, want) in chain.iter().enumerate() {
                            assert_eq!(r.up(k), *want, "`{name}` in {file}, {k} up");
                            assert_eq!(bare.up(k), *want, "`{name}` in {file}, {k} up");
                        }
                        let inner = syntax::enclosing_function(r.node).unwrap();
                        assert_eq!(r.function(func), inner, "`{name}` in {file}");
                        if inner.id() != func.id() {
                            let want = syntax::go_running(inner, func);
                            assert_eq!(r.go_running(), want, "`{name}` in {file}");
                            runs += usize::from(want.is_some());
                        }
                        ups += 1;
                    }
                }
            }
        }
        assert!(gotos > 0, "the files hold a function with a goto");
        assert!(
            ups > 1000 && runs > 10,
            "{ups} references, {runs} in goroutines"
        );
    }
}
