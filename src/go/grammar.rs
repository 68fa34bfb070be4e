//! The Go grammar gofix-leaks parses with: the fork in
//! `grammars/tree-sitter-go` (Go 1.26's `new(expr)`; see its README),
//! compiled by `build.rs` into this crate. It is not a path dependency
//! because a published crate cannot have one, and a versioned dependency
//! would silently swap in crates.io's upstream grammar, which rejects
//! `new(expr)`. Every parser and query in the crate gets its language here,
//! and what the grammar's node-types.json says each field of a node may
//! hold (`FIELD_KINDS`, written by `build.rs`).

use tree_sitter_language::LanguageFn;

unsafe extern "C" {
    // Defined by grammars/tree-sitter-go/src/parser.c, linked by build.rs.
    fn tree_sitter_go() -> *const ();
}

/// The fork's language, in the form tree-sitter's grammar crates export.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_go) };

/// The Go language for a `Parser` or a `Query`.
pub fn language() -> tree_sitter::Language {
    LANGUAGE.into()
}

/// The keyword every node of `kind` starts with, as its first child: a
/// node of the kind can only be where that word is written. A test checks
/// each on Go's own files.
pub fn leading_keyword(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "package_clause" => "package",
        "import_declaration" => "import",
        "const_declaration" => "const",
        "var_declaration" => "var",
        "type_declaration" => "type",
        "function_declaration" | "method_declaration" | "func_literal" => "func",
        "struct_type" => "struct",
        "interface_type" => "interface",
        "map_type" => "map",
        "go_statement" => "go",
        "defer_statement" => "defer",
        "select_statement" => "select",
        "for_statement" => "for",
        "if_statement" => "if",
        "expression_switch_statement" | "type_switch_statement" => "switch",
        "return_statement" => "return",
        "goto_statement" => "goto",
        "break_statement" => "break",
        "continue_statement" => "continue",
        "fallthrough_statement" => "fallthrough",
        _ => return None,
    })
}

include!(concat!(env!("OUT_DIR"), "/field_kinds.rs"));

/// The named kinds of node that field `field` of a `parent` node may hold
/// (node-types.json, supertypes expanded); None when `parent` has no such
/// field.
pub fn field_kinds(parent: &str, field: &str) -> Option<&'static [&'static str]> {
    FIELD_KINDS
        .iter()
        .find(|(p, f, _)| *p == parent && *f == field)
        .map(|&(_, _, kinds)| kinds)
}

/// Whether a node of `kind` can have a child in field `field`.
pub fn has_field(kind: &str, field: &str) -> bool {
    !field.is_empty()
        && FIELD_KINDS
            .iter()
            .any(|(k, f, _)| *k == kind && *f == field)
}

/// The named kinds a child of a `parent` node may be, under a field or
/// none: what a query step written without a field matches there. Extras
/// (comments) and error nodes may be anywhere.
pub fn child_kinds(parent: &str) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = FIELD_KINDS
        .iter()
        .filter(|(p, _, _)| *p == parent)
        .flat_map(|&(_, _, kinds)| kinds.iter().copied())
        .chain(EXTRAS.iter().copied())
        .chain(["ERROR"])
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

#[cfg(test)]
mod tests {
    use crate::go::syntax::NodeKind;

    #[test]
    fn each_leading_keyword_is_the_first_child() {
        let mut seen = std::collections::BTreeSet::new();
        for rel in [
            "net/http/server.go",
            "net/http/transport.go",
            "go/types/stmt.go",
            "go/parser/parser.go",
            "runtime/mgc.go",
            "sync/waitgroup.go",
            "os/exec/exec.go",
        ] {
            let src = crate::go::goroot_file(rel, 1.0);
            let tree = crate::go::syntax::parse(&src);
            crate::go::syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                let Some(word) = super::leading_keyword(n.kind_str()) else {
                    return;
                };
                let first = n.child(0).expect("a first child");
                assert_eq!(first.kind_str(), word, "{rel}: {}", n.kind_str());
                assert_eq!(&src[first.byte_range()], word.as_bytes(), "{rel}");
                seen.insert(n.kind_str());
            });
        }
        assert_eq!(seen.len(), 23, "{seen:?}");
    }

    /// The table build.rs writes from node-types.json, on fields whose
    /// kinds are known: one kind, a supertype expanded, tokens left out.
    #[test]
    fn field_kinds_come_from_the_grammar() {
        use super::{field_kinds, has_field};
        assert_eq!(
            field_kinds("call_expression", "arguments"),
            Some(&["argument_list"][..])
        );
        assert_eq!(
            field_kinds("communication_case", "communication"),
            Some(&["receive_statement", "send_statement"][..])
        );
        let operand = field_kinds("unary_expression", "operand").unwrap();
        for k in [
            "call_expression",
            "selector_expression",
            "identifier",
            "func_literal",
        ] {
            assert!(operand.contains(&k), "{k}");
        }
        assert!(!operand.iter().any(|k| k.starts_with('_')));
        // `operator` holds only tokens.
        assert_eq!(field_kinds("unary_expression", "operator"), Some(&[][..]));
        assert_eq!(field_kinds("call_expression", "body"), None);
        assert!(has_field("receive_statement", "right"));
        assert!(!has_field("send_statement", "right"));
        assert!(super::FIELD_KINDS.len() > 100);
        // Children under no field, and any child.
        let mut element = operand.to_vec();
        element.push("literal_value");
        element.sort();
        assert_eq!(field_kinds("literal_element", ""), Some(&element[..]));
        let any = super::child_kinds("call_expression");
        for k in [
            "argument_list",
            "selector_expression",
            "type_arguments",
            "comment",
            "ERROR",
        ] {
            assert!(any.contains(&k), "{k}");
        }
    }
}
