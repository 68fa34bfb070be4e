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
