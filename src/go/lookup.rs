//! Facts looked up across a package: the integer value of a constant
//! expression, the declared type of a struct field, and every place a
//! function or method name is used.

use super::package::PackageIndex;
use super::syntax::{self, text};
use crate::go::syntax::NodeKind;
use std::path::PathBuf;
use tree_sitter::{Node, Tree};

/// A use of a name somewhere in the package: the identifier, its file's
/// source and tree, the file (None: the file being checked), and whether
/// that file is a `_test.go` file.
pub struct NameUse<'p> {
    pub node: Node<'p>,
    pub src: &'p [u8],
    pub tree: &'p Tree,
    pub path: Option<PathBuf>,
    pub in_test: bool,
}

/// Whether `func` declares `name` itself (a parameter, a local variable or
/// constant): then the name in it is not the package-level one.
fn declares_locally(func: Node, name: &str, src: &[u8]) -> bool {
    let mut found = false;
    syntax::visit(func, &|_| true, &mut |n| {
        if n.kind_str() != "identifier" || text(n, src) != name || found {
            return;
        }
        let Some(p) = n.parent() else { return };
        found = match p.kind_str() {
            "const_spec"
            | "var_spec"
            | "parameter_declaration"
            | "variadic_parameter_declaration" => {
                p.child_field("name").is_some() && {
                    let mut c = p.walk();
                    p.children_by_field_name("name", &mut c)
                        .any(|m| m.id() == n.id())
                }
            }
            "expression_list" => p.parent().is_some_and(|d| {
                matches!(d.kind_str(), "short_var_declaration" | "range_clause")
                    && d.child_field("left") == Some(p)
            }),
            _ => false,
        };
    });
    found
}

impl<'a> PackageIndex<'a> {
    /// The value of `expr` (in `src`, a file of this package) when it is
    /// an integer constant expression: integer literals, package-level
    /// constants with an explicit value (not `iota`), `+ - *` and
    /// parentheses. None for anything else, or a name the function around
    /// `expr` declares itself.
    pub fn const_int(&self, current: (&Tree, &[u8]), expr: Node, src: &[u8]) -> Option<i64> {
        self.const_int_depth(current, expr, src, 0)
    }

    fn const_int_depth(
        &self,
        current: (&Tree, &[u8]),
        expr: Node,
        src: &[u8],
        depth: usize,
    ) -> Option<i64> {
        if depth > 8 {
            return None;
        }
        let again = |e: Node, s: &[u8]| self.const_int_depth(current, e, s, depth + 1);
        match expr.kind_str() {
            "int_literal" => text(expr, src).replace('_', "").parse().ok(),
            "parenthesized_expression" => again(expr.named_child(0)?, src),
            "binary_expression" => {
                let l = again(expr.child_field("left")?, src)?;
                let r = again(expr.child_field("right")?, src)?;
                match expr.child_field("operator")?.kind_str() {
                    "+" => l.checked_add(r),
                    "-" => l.checked_sub(r),
                    "*" => l.checked_mul(r),
                    _ => None,
                }
            }
            "identifier" => {
                let name = text(expr, src);
                if syntax::enclosing_function(expr).is_some_and(|f| declares_locally(f, name, src))
                {
                    return None;
                }
                let found = self.find(current, "const_spec", name);
                let [d] = found.as_slice() else {
                    return None;
                };
                // `const a, b = 1, 2` and specs that repeat the previous
                // expression (iota) are left alone.
                let mut c = d.node.walk();
                let names = d.node.children_by_field_name("name", &mut c).count();
                let value = d.node.child_field("value")?;
                if names != 1 || value.named_child_count() != 1 {
                    return None;
                }
                again(value.named_child(0)?, d.src)
            }
            _ => None,
        }
    }

    /// The declared type of field `field` of the struct type `ty` declared
    /// in this package, with its file's source. None when `ty` is not one
    /// struct type of the package or has no such named field.
    pub fn field_type<'s>(
        &'s self,
        current: (&'s Tree, &'s [u8]),
        ty: &str,
        field: &str,
    ) -> Option<(Node<'s>, &'s [u8])> {
        let found = self.find(current, "type_spec", ty);
        let [d] = found.as_slice() else {
            return None;
        };
        let st = d
            .node
            .child_field("type")
            .filter(|t| t.kind_str() == "struct_type")?;
        let mut out = None;
        syntax::visit(
            st,
            &|n| n.kind_str() != "struct_type" || n.id() == st.id(),
            &mut |n| {
                if n.kind_str() == "field_declaration" {
                    let mut c = n.walk();
                    if n.children_by_field_name("name", &mut c)
                        .any(|m| text(m, d.src) == field)
                    {
                        out = n.child_field("type");
                    }
                }
            },
        );
        out.map(|t| (t, d.src))
    }

    /// Every identifier spelled `name` in the package's files (the one
    /// being checked, whole, then every sibling, tests included, that
    /// mentions it): calls, method selectors and any other use, the
    /// declaration's own name too. For finding who calls a function; a
    /// local of the same name hides it, which the caller asks the use's
    /// scope about.
    pub fn uses_of<'s>(&'s self, name: &str) -> Vec<NameUse<'s>> {
        let is_name = |n: Node| matches!(n.kind_str(), "identifier" | "field_identifier");
        // A name the parsed declarations alone mention is all found in them.
        let tree = self.tree_for(name);
        // The current file's identifiers are indexed in one walk: a big
        // file with many candidates would be walked once per candidate.
        let index = self.idents.get_or_init(|| {
            let mut index: std::collections::HashMap<&str, Vec<Node>> = Default::default();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if is_name(n) {
                    index.entry(text(n, self.src)).or_default().push(n);
                }
            });
            index
        });
        let in_test = self.is_test_file();
        let mut out: Vec<NameUse> = (index.get(name).into_iter().flatten())
            .map(|&node| NameUse {
                node,
                src: self.src,
                tree,
                path: None,
                in_test,
            })
            .collect();
        // A sibling's declarations that mention the name are parsed, not
        // the whole file: its trees stay until the directory is done.
        for f in self.others_mentioning(name) {
            let src = f.src.as_slice();
            let in_test = f.path.to_string_lossy().ends_with("_test.go");
            for tree in self.trees_mentioning(f, name) {
                syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                    if is_name(n) && text(n, src) == name {
                        out.push(NameUse {
                            node: n,
                            src,
                            tree,
                            path: Some(f.path.clone()),
                            in_test,
                        });
                    }
                });
            }
        }
        out
    }
}
