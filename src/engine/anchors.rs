//! The words a rule's every match writes: read from its query's text, so
//! that a check may leave out the statements that write none of them
//! (`go::units::around_functions`) and still find every match.
//!
//! A pattern is anchored by a word of one of the rule's `require`
//! literals (the word a literal starts with: `make` of `make(`) when the
//! pattern tests a capture's text to equal it (`(#eq? @f "make")`) or
//! holds a statement that starts with it as a keyword (`go_statement`,
//! `select_statement`). Only where that part cannot be absent from a
//! match: a pattern with a quantifier (`?`, `*`, `+`), or whose word sits
//! inside an alternation (`[...]`), is not anchored, and a rule with a
//! pattern that is not anchored has no anchors: its declarations are
//! parsed whole.
//!
//! A trimmed parse differs from a whole one only in the blocks it left
//! statements out of. A pattern sees a block's children only through a
//! node that matches the block: `block`, `statement_list`, or a wildcard
//! (`_`, `(_)`). A pattern with such a node is not anchored unless the
//! wildcard is captured, and the engine checks every capture against what
//! was left out (`go::hidden::reads`).

// ASCII-only expressions: Unicode classes made compiling them cost more
// than reading every query (millions of instructions, once per run).
use regex::bytes::Regex;
use std::sync::LazyLock;

/// The anchors of a rule whose query is `query` and whose literals are
/// `require`: the words each match writes, one per pattern at least.
/// None when some pattern has none.
pub fn of_rule(query: &str, require: &[String]) -> Option<Vec<Vec<u8>>> {
    static EQ: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"(?-u)\(#eq\?\s+@[\w.-]+\s+"([^"\\]*)"\s*\)"#).unwrap());
    static STATEMENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)\(\s*(go|select|defer)_statement\b").unwrap());
    let words: Vec<&str> = require
        .iter()
        .map(|l| {
            let end = l
                .bytes()
                .position(|b| !crate::go::syntax::is_ident_byte(b))
                .unwrap_or(l.len());
            &l[..end]
        })
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for pattern in patterns(query) {
        let plain = outside_strings(pattern);
        if plain.contains(['?', '*', '+']) || sees_blocks(&plain) {
            return None;
        }
        let mut found = false;
        let at_top = |at: usize| alternation_depth(pattern, at) == 0;
        let caught = EQ.captures_iter(pattern.as_bytes());
        for c in caught.chain(STATEMENT.captures_iter(pattern.as_bytes())) {
            let m = c.get(1).unwrap();
            if words.iter().any(|w| w.as_bytes() == m.as_bytes()) && at_top(m.start()) {
                out.push(m.as_bytes().to_vec());
                found = true;
            }
        }
        if !found {
            return None;
        }
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

/// The top-level patterns of a query's text: each `( ... )` or `[ ... ]`
/// at depth 0 with what follows it up to the next (captures, quantifiers,
/// predicates written after it).
fn patterns(query: &str) -> Vec<&str> {
    let b = query.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        if let Some(next) = past_string_or_comment(b, i) {
            i = next;
            continue;
        }
        match b[i] {
            b'(' | b'[' => {
                if depth == 0 {
                    starts.push(i);
                }
                depth += 1;
            }
            b')' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    let ends = starts
        .iter()
        .skip(1)
        .copied()
        .chain(std::iter::once(b.len()));
    starts
        .iter()
        .zip(ends)
        .map(|(&s, e)| &query[s..e])
        .collect()
}

/// Whether a pattern's text (strings left out) has a node that can match
/// a block of statements without capturing it: `block`,
/// `statement_list`, or a wildcard not followed by a capture.
fn sees_blocks(plain: &str) -> bool {
    static BLOCK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)(^|[^\w.-])(block|statement_list)([^\w.-]|$)").unwrap());
    if BLOCK.is_match(plain.as_bytes()) {
        return true;
    }
    let b = plain.as_bytes();
    let word =
        |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-' || c == b'@';
    (0..b.len()).any(|i| {
        if b[i] != b'_' || (i > 0 && word(b[i - 1])) || b.get(i + 1).is_some_and(|&c| word(c)) {
            return false;
        }
        // After `(_ ...)`, its closing parenthesis.
        let mut end = i + 1;
        if i > 0 && b[i - 1] == b'(' {
            let mut depth = 1usize;
            while end < b.len() && depth > 0 {
                match b[end] {
                    b'(' => depth += 1,
                    b')' => depth -= 1,
                    _ => {}
                }
                end += 1;
            }
        }
        !plain[end..].trim_start().starts_with('@')
    })
}

/// Where reading goes on after the string or `;` comment starting at
/// `b[i]` (past the closing quote; at the comment's line break); None
/// when neither starts there.
fn past_string_or_comment(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'"' => Some(string_end(b, i) + 1),
        b';' => Some(memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |j| i + j)),
        _ => None,
    }
}

/// Where the string starting at `b[i]` (a `"`) ends: its closing quote.
fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' {
        i += if b[i] == b'\\' { 2 } else { 1 };
    }
    i
}

/// The pattern's text with its strings, comments and predicate names
/// (`#eq?`, `#not-match?`) left out: what is left holds a quantifier only
/// where the pattern has one.
fn outside_strings(pattern: &str) -> String {
    let b = pattern.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if let Some(next) = past_string_or_comment(b, i) {
            i = next;
            continue;
        }
        match b[i] {
            b'#' => {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-' || b[i] == b'_')
                {
                    i += 1;
                }
                if i < b.len() && matches!(b[i], b'?' | b'!') {
                    i += 1;
                }
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// How many `[` alternations are open at `at` in `pattern` (strings and
/// comments skipped).
fn alternation_depth(pattern: &str, at: usize) -> usize {
    let b = pattern.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < at.min(b.len()) {
        if let Some(next) = past_string_or_comment(b, i) {
            i = next;
            continue;
        }
        match b[i] {
            b'[' => depth += 1,
            b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: Option<Vec<Vec<u8>>>) -> Option<Vec<String>> {
        w.map(|v| {
            v.into_iter()
                .map(|w| String::from_utf8(w).unwrap())
                .collect()
        })
    }

    #[test]
    fn the_built_in_rules_are_anchored_by_their_matches_words() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut seen = std::collections::BTreeMap::new();
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let spec: crate::rules::format::RuleSpec =
                toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            seen.insert(spec.id.clone(), words(of_rule(&spec.query, &spec.require)));
        }
        let want = |w: &[&str]| Some(w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(seen["single-result-buffer"], want(&["make"]));
        assert_eq!(seen["fan-in-ctx-guard"], want(&["make"]));
        assert_eq!(seen["time-after-in-loop"], want(&["After", "select"]));
        assert_eq!(seen["waitgroup-done"], want(&["go"]));
    }

    #[test]
    fn a_pattern_that_may_lack_the_word_leaves_the_rule_unanchored() {
        let req = ["make(".to_string(), "go ".to_string()];
        // A send matches anywhere: it writes neither word.
        assert_eq!(of_rule("(send_statement) @s", &req), None);
        assert_eq!(
            of_rule("(go_statement) @g\n(send_statement) @s", &req),
            None
        );
        // The word only in one alternative, or under a quantifier.
        assert_eq!(
            of_rule(
                r#"[(call_expression function: (identifier) @f (#eq? @f "make")) (send_statement)] @x"#,
                &req
            ),
            None
        );
        assert_eq!(
            of_rule(
                r#"(block (call_expression function: (identifier) @f (#eq? @f "make"))?) @b"#,
                &req
            ),
            None
        );
        // A node that can match a block, uncaptured.
        let make = r#"(call_expression function: (identifier) @f (#eq? @f "make"))"#;
        assert_eq!(of_rule(&format!("(block {make} @c)"), &req), None);
        assert_eq!(of_rule(&format!("(_ {make} @c)"), &req), None);
        assert_eq!(
            of_rule(&format!("(func_literal body: (_ {make}))"), &req),
            None
        );
        assert!(of_rule(&format!("(_ {make}) @x"), &req).is_some());
        assert!(of_rule(&format!("(expression_statement {make} @c)"), &req).is_some());
        // A negated test anchors nothing; a word no literal starts with
        // neither.
        assert_eq!(
            of_rule(
                r#"(call_expression function: (identifier) @f (#not-eq? @f "make")) @c"#,
                &req
            ),
            None
        );
        assert_eq!(
            of_rule(
                r#"(call_expression function: (identifier) @f (#eq? @f "close")) @c"#,
                &req
            ),
            None
        );
        assert_eq!(
            words(of_rule(
                r#"(call_expression function: (identifier) @f (#eq? @f "make")) @c ; a "go" comment"#,
                &req
            )),
            Some(vec!["make".to_string()])
        );
    }
}
