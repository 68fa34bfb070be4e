//! A query's text made cheaper to compile, with the same matches. When it
//! compiles a query, tree-sitter analyses every step that has children
//! against the grammar's parse table, and that analysis was most of
//! gofix-leaks' start-up (63 M of its 80 M instructions; 11 M now). It
//! skips a wildcard step. So a step `field: (kind ...)` is written
//! `field: (_ ...)` when the field can hold no other kind of node that has
//! the fields the step's children name (go/grammar.rs, from
//! node-types.json; a step under no field, any child kind): `arguments:
//! (argument_list ...)` of a call (the field holds nothing else), or
//! `communication: (receive_statement right: ...)` of a select case (a
//! send statement, the other kind there, has no `right`). Such a wildcard
//! matches exactly the nodes the kind did.
//!
//! The kind's name is blanked out with spaces, so every byte offset of the
//! text stays where it was: patterns' start bytes (which tell rules their
//! patterns) and error positions mean the same in both texts.
//!
//! The analysis also reports a pattern that cannot match anything: what it
//! skips it does not check. So only texts already compiled as written are
//! lightened: the built-in rules (a test compiles them unchanged) and the
//! join of rules that each compiled alone.

use crate::go::grammar::{child_kinds, field_kinds, has_field};
use std::ops::Range;

/// An open `(` or `[` of the query text.
struct Frame<'t> {
    /// The step's kind as written; None for a grouping, an alternation, a
    /// wildcard, a supertype or a predicate.
    kind: Option<&'t str>,
    /// Where the kind is written.
    word: Range<usize>,
    /// The field the step sits under (`field: (kind ...)`).
    field: Option<&'t str>,
    /// The kind of the step it is a child of (None: not a plain kind).
    parent: Option<&'t str>,
    /// The fields its children must have (a child under a field, not
    /// quantified `?` or `*`).
    required: Vec<&'t str>,
}

/// `text` (a tree-sitter query over Go) with every step that can only
/// match one kind of node, whatever its kind says, written as a wildcard
/// padded to the same length.
pub fn lighten(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut open: Vec<Frame> = Vec::new();
    // A field name just read (`name:`), for the item that follows it.
    let mut field: Option<&str> = None;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b';' => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |j| i + j);
                continue;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                child_done(&mut open, field.take(), b, i);
                continue;
            }
            c @ (b'(' | b'[') => {
                let start = i + 1 + skip_space(&b[i + 1..]);
                let len = if c == b'(' { word_len(&b[start..]) } else { 0 };
                let word = &text[start..start + len];
                let plain = len > 0
                    && !b[start].is_ascii_digit()
                    && word != "_"
                    && b.get(start + len) != Some(&b'/');
                open.push(Frame {
                    kind: plain.then_some(word),
                    word: start..start + len,
                    field: field.take(),
                    parent: open.last().and_then(|f| f.kind),
                    required: Vec::new(),
                });
                i = start + len;
                continue;
            }
            b')' | b']' => {
                let Some(frame) = open.pop() else {
                    return text.to_string();
                };
                if let (Some(kind), Some(parent)) = (frame.kind, frame.parent)
                    && only_kind(parent, frame.field, &frame.required) == Some(kind)
                {
                    out[frame.word.start] = b'_';
                    out[frame.word.start + 1..frame.word.end].fill(b' ');
                }
                i += 1;
                child_done(&mut open, frame.field, b, i);
                field = None;
                continue;
            }
            c if is_word(c) => {
                let len = word_len(&b[i..]);
                let after = i + len + skip_space(&b[i + len..]);
                if b.get(after) == Some(&b':') {
                    field = Some(&text[i..i + len]);
                    i = after + 1;
                } else {
                    // A bare wildcard `_` (or a word the query language
                    // does not have: tree-sitter will say so).
                    i += len;
                    child_done(&mut open, field.take(), b, i);
                }
                continue;
            }
            c if c.is_ascii_whitespace() => {}
            // Captures (`@x`), negated fields (`!f`), anchors, quantifiers.
            _ => {
                i += 1;
                i += word_len(&b[i..]);
                field = None;
                continue;
            }
        }
        i += 1;
    }
    String::from_utf8(out).expect("only ASCII bytes were replaced, by ASCII")
}

/// An item of the innermost open step just ended at `end`: when it sat
/// under `field` and no `?` or `*` follows it, the step's node must have
/// that field.
fn child_done<'t>(open: &mut [Frame<'t>], field: Option<&'t str>, b: &[u8], end: usize) {
    let Some(f) = field else {
        return;
    };
    let next = end + skip_space(&b[end.min(b.len())..]);
    if matches!(b.get(next), Some(b'?' | b'*')) {
        return;
    }
    if let Some(parent) = open.last_mut() {
        parent.required.push(f);
    }
}

/// The one kind a child of a `parent` node under `field` (None: under any
/// field or none) may be that has all of `required`; None when there are
/// several, or none.
fn only_kind(parent: &str, field: Option<&str>, required: &[&str]) -> Option<&'static str> {
    let kinds = match field {
        Some(f) => field_kinds(parent, f)?.to_vec(),
        None => child_kinds(parent),
    };
    let mut fits = kinds
        .into_iter()
        .filter(|k| required.iter().all(|r| has_field(k, r)));
    let one = fits.next()?;
    fits.next().is_none().then_some(one)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn word_len(b: &[u8]) -> usize {
    b.iter().take_while(|&&c| is_word(c)).count()
}

fn skip_space(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_whitespace()).count()
}

#[cfg(test)]
mod tests {
    use super::lighten;

    #[test]
    fn a_field_that_holds_one_kind_gets_a_wildcard_of_the_same_length() {
        let q = "(call_expression\n  function: (identifier) @f\n  arguments: (argument_list . (_) @a)) @c";
        let l = lighten(q);
        assert_eq!(l.len(), q.len());
        assert!(l.contains("arguments: (_             . (_) @a)"), "{l}");
        // `function` holds any expression: left as written.
        assert!(l.contains("function: (identifier)"), "{l}");
    }

    #[test]
    fn a_kind_that_only_its_childrens_fields_tell_apart_gets_a_wildcard() {
        // A select case's communication is a receive or a send; only a
        // receive has `right`. Of the kinds an operand may be, only a
        // unary expression has `operator` and `operand`.
        let q = "(communication_case communication: (receive_statement right: (unary_expression operator: \"<-\" operand: (identifier))))";
        let l = lighten(q);
        assert_eq!(l.len(), q.len());
        assert!(
            l.contains("communication: (_                 right: (_                operator:"),
            "{l}"
        );
        // A child under no field may be any child, a comment too: the
        // fields its own children name tell it apart, or nothing does.
        let q = "(expression_list . (call_expression function: (identifier) arguments: (argument_list)))";
        assert!(
            lighten(q).contains(". (_               function:"),
            "{}",
            lighten(q)
        );
        let q = "(expression_list . (call_expression))";
        assert_eq!(lighten(q), q);
        // A child that may be absent (`?`, `*`) tells nothing apart.
        for q in [
            "(communication_case communication: (receive_statement right: (_)?))",
            "(communication_case communication: (receive_statement right: (_)*))",
            "(communication_case communication: (receive_statement (_)))",
        ] {
            assert_eq!(lighten(q), q);
        }
    }

    #[test]
    fn groupings_alternations_strings_and_comments_are_left_alone() {
        for q in [
            // The field's parent is a grouping, not a node.
            "(call_expression ((identifier) arguments: (argument_list)))",
            // An alternation of kinds under the field.
            "(call_expression arguments: [(argument_list) (identifier)])",
            // A supertype step.
            "(call_expression arguments: (argument_list/identifier))",
            // Inside a string and a comment.
            "(call_expression function: (identifier) @f (#eq? @f \"arguments: (argument_list\"))\n; arguments: (argument_list",
            // Another parent's field of the same name.
            "(index_expression operand: (selector_expression field: (field_identifier)))",
        ] {
            let l = lighten(q);
            let changed = l != q;
            let expected_change = q.starts_with("(index_expression");
            assert_eq!(changed, expected_change, "{q}\n{l}");
        }
    }

    /// The built-in rules' query, as written and lightened, compiles to
    /// the same patterns and captures and gives the same matches on six of
    /// Go's own directories, every pattern some.
    #[test]
    fn the_lightened_builtin_query_matches_what_it_matched() {
        use streaming_iterator::StreamingIterator;
        let joined: String = crate::rules::rule::BUILTIN_RULES
            .iter()
            .map(|(name, text)| {
                let spec: toml::Table =
                    toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
                format!("{}\n", spec["query"].as_str().unwrap())
            })
            .collect();
        let light = lighten(&joined);
        assert_ne!(light, joined, "the built-in rules have a step to lighten");
        let lang = crate::go::grammar::language();
        let (a, b) = (
            tree_sitter::Query::new(&lang, &joined).unwrap(),
            tree_sitter::Query::new(&lang, &light).unwrap(),
        );
        assert_eq!(a.pattern_count(), b.pattern_count());
        assert_eq!(a.capture_names(), b.capture_names());
        for p in 0..a.pattern_count() {
            assert_eq!(a.start_byte_for_pattern(p), b.start_byte_for_pattern(p));
        }
        let mut total = vec![0; a.pattern_count()];
        let files = [
            "net/http",
            "os/exec",
            "context",
            "runtime",
            "go/types",
            "database/sql",
        ]
        .into_iter()
        .flat_map(crate::go::goroot_go_files);
        for path in files {
            let src = std::fs::read(&path).unwrap();
            let rel = path.display();
            let tree = crate::go::syntax::parse(&src);
            let all = |q: &tree_sitter::Query| {
                let mut cursor = tree_sitter::QueryCursor::new();
                let mut found = Vec::new();
                let mut it = cursor.matches(q, tree.root_node(), src.as_slice());
                while let Some(m) = it.next() {
                    let caps: Vec<_> = m.captures.iter().map(|c| (c.index, c.node.id())).collect();
                    found.push((m.pattern_index, caps));
                }
                found
            };
            let (x, y) = (all(&a), all(&b));
            assert_eq!(x, y, "{rel}");
            for (p, _) in x {
                total[p] += 1;
            }
        }
        // Every pattern matched somewhere, the rarer ones a few times.
        assert!(
            total.iter().all(|&n| n >= 3),
            "matches per pattern: {total:?}"
        );
    }
}
