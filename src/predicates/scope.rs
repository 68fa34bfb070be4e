//! Where names come from, as far as syntax tells: how a name is declared in
//! the functions around a point, and the named type of a declaration when
//! it is spelled out. Shared by predicates that resolve callees or check
//! that an expression can be moved.

use crate::syntax::{self, text};
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
    match ty.kind() {
        "type_identifier" => Some(text(ty, src).to_string()),
        "pointer_type" => base_type(ty.named_child(0)?, src),
        "generic_type" => base_type(ty.child_by_field_name("type")?, src),
        "parenthesized_type" => base_type(ty.named_child(0)?, src),
        _ => None,
    }
}

/// The type of a value expression when it is spelled out: `T{}`, `&T{}`,
/// `new(T)`.
pub fn literal_type(value: Node, src: &[u8]) -> Option<String> {
    match value.kind() {
        "composite_literal" => base_type(value.child_by_field_name("type")?, src),
        "unary_expression"
            if value
                .child_by_field_name("operator")
                .is_some_and(|o| o.kind() == "&") =>
        {
            literal_type(value.child_by_field_name("operand")?, src)
        }
        "call_expression" => {
            let f = value.child_by_field_name("function")?;
            let args = value.child_by_field_name("arguments")?;
            (text(f, src) == "new" && args.named_child_count() == 1)
                .then(|| base_type(args.named_child(0)?, src))
                .flatten()
        }
        _ => None,
    }
}

/// Finds how `name` is declared in the functions around `at`, innermost
/// first: receiver, parameters, `var`, `:=`.
pub fn local_decl(name: &str, at: Node, src: &[u8]) -> LocalDecl {
    let mut func = syntax::enclosing_function(at);
    while let Some(f) = func {
        if let Some(d) = f
            .child_by_field_name("receiver")
            .and_then(|r| r.named_child(0))
            && d.child_by_field_name("name")
                .is_some_and(|n| text(n, src) == name)
        {
            return d
                .child_by_field_name("type")
                .and_then(|t| base_type(t, src))
                .map_or(LocalDecl::Unknown, LocalDecl::Typed);
        }
        if let Some(params) = f.child_by_field_name("parameters") {
            let mut c = params.walk();
            for d in params.named_children(&mut c) {
                let mut c2 = d.walk();
                if d.children_by_field_name("name", &mut c2)
                    .any(|n| text(n, src) == name)
                {
                    return d
                        .child_by_field_name("type")
                        .and_then(|t| base_type(t, src))
                        .map_or(LocalDecl::Unknown, LocalDecl::Typed);
                }
            }
        }
        let mut found: Vec<LocalDecl> = Vec::new();
        if let Some(body) = f.child_by_field_name("body") {
            syntax::visit(
                body,
                &|n| n.kind() != "func_literal",
                &mut |n| match n.kind() {
                    "var_spec" => {
                        let mut c = n.walk();
                        let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
                        if let Some(pos) = names.iter().position(|x| text(*x, src) == name) {
                            let typed = n
                                .child_by_field_name("type")
                                .and_then(|t| base_type(t, src));
                            let valued = n
                                .child_by_field_name("value")
                                .filter(|v| v.named_child_count() == names.len())
                                .and_then(|v| v.named_child(pos))
                                .and_then(|v| literal_type(v, src));
                            found.push(
                                typed
                                    .or(valued)
                                    .map_or(LocalDecl::Unknown, LocalDecl::Typed),
                            );
                        }
                    }
                    "short_var_declaration"
                    | "range_clause"
                    | "receive_statement"
                    | "type_switch_statement" => {
                        let Some(left) = n
                            .child_by_field_name("left")
                            .or_else(|| n.child_by_field_name("alias"))
                        else {
                            return;
                        };
                        let mut c = left.walk();
                        let names: Vec<Node> = left.named_children(&mut c).collect();
                        if let Some(pos) = names
                            .iter()
                            .position(|x| x.kind() == "identifier" && text(*x, src) == name)
                        {
                            let valued = (n.kind() == "short_var_declaration")
                                .then(|| n.child_by_field_name("right"))
                                .flatten()
                                .filter(|v| v.named_child_count() == names.len())
                                .and_then(|v| v.named_child(pos))
                                .and_then(|v| literal_type(v, src));
                            found.push(valued.map_or(LocalDecl::Unknown, LocalDecl::Typed));
                        }
                    }
                    _ => {}
                },
            );
        }
        match found.len() {
            0 => {}
            1 => return found.pop().unwrap(),
            _ => return LocalDecl::Unknown,
        }
        func = syntax::enclosing_function(f);
    }
    LocalDecl::NotLocal
}

/// References to `name` inside `func`'s body, skipping nested function
/// literals that declare a parameter of the same name (their uses are of
/// another variable). `exclude` lists the binding sites.
pub fn references<'t>(func: Node<'t>, name: &str, src: &[u8], exclude: &[usize]) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let Some(body) = func.child_by_field_name("body") else {
        return out;
    };
    syntax::visit(
        body,
        &|n| !(n.kind() == "func_literal" && syntax::declares_param(n, name, src)),
        &mut |n| {
            if n.kind() == "identifier" && text(n, src) == name && !exclude.contains(&n.id()) {
                out.push(n);
            }
        },
    );
    out
}
