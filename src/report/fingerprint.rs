//! Stable fingerprints of findings: one definition shared by SARIF's
//! `partialFingerprints` and `--baseline` files, so that a finding keeps
//! its identity across unrelated edits and line shifts wherever it is
//! recorded. A fingerprint hashes the rule, the file (as displayed:
//! repository-relative) and the flagged code with its spacing collapsed;
//! line numbers play no part.

use crate::engine::diagnostic::Finding;
use crate::go::syntax;
use crate::go::syntax::NodeKind;
use crate::report::sarif::Texts;
use std::collections::HashMap;

/// The key `partialFingerprints` uses.
pub const FINGERPRINT_KEY: &str = "gofixLeaks/v1";

/// FNV-1a, 64 bits: a hash that stays the same across builds and releases.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// The flagged code of `f` in `text`, spacing collapsed; the message when
/// the text is not at hand (or the span does not fit it).
pub fn normalised_code(f: &Finding, text: Option<&str>) -> String {
    text.and_then(|t| t.get(f.start.offset..f.end.offset))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| f.message.clone())
}

/// The hash part of a fingerprint: rule, file and normalised code.
pub fn hash(f: &Finding, code: &str) -> String {
    format!("{:016x}", fnv1a(&[&f.rule, &f.file, code]))
}

/// Per finding, a fingerprint that survives edits elsewhere in the file:
/// [`hash`], plus the how-many-th finding with that hash in the list it is.
pub fn fingerprints(findings: &[Finding], texts: &Texts) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let code = normalised_code(f, texts.get(&f.file).as_deref());
            let h = hash(f, &code);
            let n = seen.entry(h.clone()).or_default();
            *n += 1;
            format!("{h}:{n}")
        })
        .collect()
}

/// The top-level declaration holding byte `offset` of `text`, named as Go
/// names it: `f`, `(T).m` / `(*T).m` for a method; "" outside any function
/// (a package-level var). A finding in a closure belongs to the function
/// that holds it, so moving code within a function keeps its identity.
pub fn function_at(tree: &tree_sitter::Tree, text: &str, offset: usize) -> String {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let Some(decl) = root
        .named_children(&mut cursor)
        .find(|n| n.start_byte() <= offset && offset < n.end_byte())
    else {
        return String::new();
    };
    let src = text.as_bytes();
    let name = decl
        .child_field("name")
        .map(|n| syntax::text(n, src).to_string())
        .unwrap_or_default();
    match decl.kind_str() {
        "function_declaration" => name,
        "method_declaration" => {
            let recv = decl
                .child_field("receiver")
                .and_then(|r| r.named_child(0))
                .and_then(|p| p.child_field("type"))
                .map(|t| syntax::text(t, src).split_whitespace().collect::<String>())
                .unwrap_or_default();
            format!("({recv}).{name}")
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_are_named_as_go_names_them() {
        let src = "package p

var ch = make(chan int)

func f() {
	go func() { ch <- 1 }()
}

func (s *Set[T]) Add(v T) { _ = v }

func (Value) String() string { return \"\" }
";
        let tree = syntax::parse(src.as_bytes());
        let at = |needle: &str| function_at(&tree, src, src.find(needle).unwrap());
        assert_eq!(at("make(chan int)"), "");
        assert_eq!(at("ch <- 1"), "f", "a closure belongs to its function");
        assert_eq!(at("_ = v"), "(*Set[T]).Add");
        assert_eq!(at("return"), "(Value).String");
    }
}
