//! A query's text made cheaper to compile, with the same matches. When it
//! compiles a query, tree-sitter analyses every step that has children
//! against the grammar's parse table, and that analysis was two thirds of
//! gofix-leaks' start-up (about 8 ms a run). It skips a wildcard step. So a
//! step `field: (kind ...)` whose field only ever holds nodes of that one
//! kind (`grammar::sole_kind`: `arguments: (argument_list ...)` of a call)
//! is written `field: (_ ...)`: it matches the same nodes, and nothing
//! reaches the analysis.
//!
//! The kind's name is blanked out with spaces, so every byte offset of the
//! text stays where it was: patterns' start bytes (which tell rules their
//! patterns) and error positions mean the same in both texts.
//!
//! The analysis also reports a pattern that cannot match anything: what it
//! skips it does not check. So only texts already compiled as written are
//! lightened: the built-in rules (a test compiles them unchanged) and the
//! join of rules that each compiled alone.

use crate::go::grammar::sole_kind;

/// `text` (a tree-sitter query over Go) with every `field: (kind` whose
/// field holds only that kind written `field: (_`, padded to its length.
pub fn lighten(text: &str) -> String {
    let mut out = text.as_bytes().to_vec();
    let b = text.as_bytes();
    // The kinds of the open parenthesised steps; None for a grouping, an
    // alternation, a wildcard, a supertype or a predicate: a field inside
    // one of those is left alone.
    let mut open: Vec<Option<&str>> = Vec::new();
    // A field name just read (`name:`), for the step that follows it.
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
                field = None;
            }
            b'(' => {
                let start = i + 1 + skip_space(&b[i + 1..]);
                let len = word_len(&b[start..]);
                let word = &text[start..start + len];
                let plain = len > 0 && !b[start].is_ascii_digit() && word != "_";
                let kind = (plain && b.get(start + len) != Some(&b'/')).then_some(word);
                let parent = open.last().copied().flatten();
                if let (Some(kind), Some(parent), Some(f)) = (kind, parent, field)
                    && sole_kind(parent, f) == Some(kind)
                {
                    out[start] = b'_';
                    out[start + 1..start + len].fill(b' ');
                }
                open.push(kind);
                field = None;
                i = start + len;
                continue;
            }
            b'[' => {
                open.push(None);
                field = None;
            }
            b')' | b']' => {
                open.pop();
                field = None;
            }
            c if is_word(c) => {
                let len = word_len(&b[i..]);
                let after = i + len + skip_space(&b[i + len..]);
                field = (b.get(after) == Some(&b':')).then(|| &text[i..i + len]);
                i = if field.is_some() { after + 1 } else { i + len };
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
    /// the same patterns and captures and gives the same matches on some
    /// of Go's own files.
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
        let mut total = 0;
        for rel in [
            "net/http/server.go",
            "net/http/transport.go",
            "net/http/h2_bundle.go",
            "os/exec/exec.go",
            "context/context.go",
            "runtime/mgc.go",
        ] {
            let src = crate::go::goroot_file(rel, 1.0);
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
            total += x.len();
        }
        assert!(total > 100, "only {total} matches: the files say little");
    }
}
