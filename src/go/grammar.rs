//! The Go grammar gofix-leaks parses with: the fork in
//! `grammars/tree-sitter-go` (Go 1.26's `new(expr)`; see its README),
//! compiled by `build.rs` into this crate. It is not a path dependency
//! because a published crate cannot have one, and a versioned dependency
//! would silently swap in crates.io's upstream grammar, which rejects
//! `new(expr)`. Every parser and query in the crate gets its language here.

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
}
