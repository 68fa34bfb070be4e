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

/// The only kind of node field `field` of a `parent` node ever holds,
/// where that is one concrete named kind (node-types.json: one type, not
/// a supertype). A query step `field: (kind ...)` there matches exactly
/// what `field: (_ ...)` matches. A test checks the table against the
/// fork's node-types.json.
pub fn sole_kind(parent: &str, field: &str) -> Option<&'static str> {
    SOLE_KINDS
        .iter()
        .find(|(p, f, _)| *p == parent && *f == field)
        .map(|&(_, _, k)| k)
}

const SOLE_KINDS: &[(&str, &str, &str)] = &[
    ("assignment_statement", "left", "expression_list"),
    ("assignment_statement", "right", "expression_list"),
    ("call_expression", "arguments", "argument_list"),
    ("call_expression", "type_arguments", "type_arguments"),
    ("composite_literal", "body", "literal_value"),
    ("const_spec", "value", "expression_list"),
    ("expression_case", "value", "expression_list"),
    ("field_declaration", "name", "field_identifier"),
    ("for_statement", "body", "block"),
    ("func_literal", "body", "block"),
    ("func_literal", "parameters", "parameter_list"),
    ("function_declaration", "body", "block"),
    ("function_declaration", "name", "identifier"),
    ("function_declaration", "parameters", "parameter_list"),
    (
        "function_declaration",
        "type_parameters",
        "type_parameter_list",
    ),
    ("function_type", "parameters", "parameter_list"),
    ("generic_type", "type_arguments", "type_arguments"),
    ("if_statement", "consequence", "block"),
    ("keyed_element", "key", "literal_element"),
    ("keyed_element", "value", "literal_element"),
    ("labeled_statement", "label", "label_name"),
    ("method_declaration", "body", "block"),
    ("method_declaration", "name", "field_identifier"),
    ("method_declaration", "parameters", "parameter_list"),
    ("method_declaration", "receiver", "parameter_list"),
    ("method_elem", "name", "field_identifier"),
    ("method_elem", "parameters", "parameter_list"),
    ("parameter_declaration", "name", "identifier"),
    ("qualified_type", "name", "type_identifier"),
    ("qualified_type", "package", "package_identifier"),
    ("range_clause", "left", "expression_list"),
    ("receive_statement", "left", "expression_list"),
    ("selector_expression", "field", "field_identifier"),
    ("short_var_declaration", "left", "expression_list"),
    ("short_var_declaration", "right", "expression_list"),
    ("type_alias", "name", "type_identifier"),
    ("type_alias", "type_parameters", "type_parameter_list"),
    ("type_parameter_declaration", "name", "identifier"),
    ("type_parameter_declaration", "type", "type_constraint"),
    ("type_spec", "name", "type_identifier"),
    ("type_spec", "type_parameters", "type_parameter_list"),
    ("type_switch_statement", "alias", "expression_list"),
    ("var_spec", "name", "identifier"),
    ("var_spec", "value", "expression_list"),
    ("variadic_parameter_declaration", "name", "identifier"),
];

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

    /// `SOLE_KINDS` is exactly what the grammar's node-types.json says:
    /// every field with one concrete named type, and no other.
    #[test]
    fn sole_kinds_are_the_grammars() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/grammars/tree-sitter-go/src/node-types.json"
        );
        let text = std::fs::read_to_string(path).expect("the fork's node-types.json");
        let types: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut want = Vec::new();
        for node in types.as_array().unwrap() {
            let Some(fields) = node["fields"].as_object() else {
                continue;
            };
            for (field, spec) in fields {
                if let [only] = spec["types"].as_array().unwrap().as_slice()
                    && only["named"] == true
                    && !only["type"].as_str().unwrap().starts_with('_')
                {
                    let parent = node["type"].as_str().unwrap().to_string();
                    want.push((
                        parent,
                        field.clone(),
                        only["type"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
        want.sort();
        let mut have: Vec<(String, String, String)> = super::SOLE_KINDS
            .iter()
            .map(|(p, f, k)| (p.to_string(), f.to_string(), k.to_string()))
            .collect();
        have.sort();
        assert_eq!(have, want);
    }
}
