//! Running a query from the nodes its patterns can start at. tree-sitter's
//! cursor walks every node of the range it is given and, at each, works
//! out the node's field, supertypes and parent for the patterns that might
//! start or go on there: about three times the cost of a bare walk, and
//! 17–19 % of a run on goroutine-dense trees. When every pattern starts
//! with one named kind, `(call_expression ...`, the cursor runs from each
//! node of those kinds, its patterns rooted there (`max_start_depth` 0):
//! it goes only as deep as a pattern reaches.
//!
//! Those nodes are found without walking when every pattern also has an
//! anchor, a word that each of its matches holds as a node's whole text
//! (`(#eq? @fn "make")`, or the `go` a `go_statement` starts with): a
//! search of the bytes finds the word's places, a descent finds the nodes
//! around each, and the kinds among them are the candidates. A walk of
//! every node was 0.44 G instructions of nats-server's 6.85 G, and the
//! cursor's run from every call, most of them far from a `make`, as much
//! again. Without anchors a bare walk finds the nodes of the kinds.
//!
//! The matches are the full cursor's, in its order: a pattern's root is
//! met in the same order, and a test compares the three on Go's own files.
//! Patterns that start with anything else (a wildcard, an alternation, a
//! group of siblings, a quantified pattern, the file's own root) are run
//! the full way.

use std::collections::HashSet;
use streaming_iterator::StreamingIterator;
use tree_sitter::{CaptureQuantifier, Node, Query, QueryCursor, QueryMatch};

/// Where a query's patterns can start: the node kinds, and the texts that
/// find them.
#[derive(Debug, Clone)]
pub struct Roots {
    /// By kind id: whether some pattern starts at nodes of that kind.
    kinds: Vec<bool>,
    /// None unless every pattern has an anchor.
    anchors: Option<Vec<Anchor>>,
}

/// A text written in every match of some patterns, as the whole text of
/// one of its nodes: an `(#eq? @c "make")` on a capture every match has,
/// or the keyword the pattern's root kind starts with (`go`). Each match's
/// root is then the node holding one of the text's places or one of its
/// ancestors, and a search of the bytes finds those places without
/// walking the tree.
#[derive(Debug, Clone)]
struct Anchor {
    finder: memchr::memmem::Finder<'static>,
    /// Whether it ends with a byte of a word: a node's text can then not
    /// end where a word byte follows.
    word_end: bool,
    /// By kind id: the roots of the patterns it anchors.
    kinds: Vec<bool>,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// By kind id: whether the named kind is in `kinds`.
fn kind_table(kinds: &HashSet<&str>) -> Vec<bool> {
    let lang = crate::go::grammar::language();
    (0..lang.node_kind_count() as u16)
        .map(|id| {
            lang.node_kind_is_named(id)
                && lang.node_kind_for_id(id).is_some_and(|k| kinds.contains(k))
        })
        .collect()
}

fn either(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(a, b)| *a || *b).collect()
}

impl Roots {
    /// The roots of `patterns` of `query`, each given as its index in the
    /// query and where it starts in `text`, the text it was compiled from;
    /// None when one of them does not start with a plain named kind that
    /// can sit inside a declaration, or is not one node at its top (a
    /// quantified or grouped run of siblings).
    pub fn of(
        query: &Query,
        patterns: impl IntoIterator<Item = (usize, usize)>,
        text: &str,
    ) -> Option<Roots> {
        let shape = crate::rules::shape::read(text);
        let names = query.capture_names();
        let mut kinds = HashSet::new();
        let mut anchored: Option<Vec<(&str, &str)>> = Some(Vec::new());
        for (p, start) in patterns {
            let kind = pattern_root(&text[start..]).filter(|_| query.is_pattern_rooted(p))?;
            kinds.insert(kind);
            let always = |c: &str| {
                let i = names.iter().position(|n| *n == c);
                i.is_some_and(|i| query.capture_quantifiers(p)[i] == CaptureQuantifier::One)
            };
            let said = shape.patterns.iter().find(|s| s.start == start);
            let equal = said
                .into_iter()
                .flat_map(|s| &s.equals)
                .filter(|(c, t)| always(c) && !t.is_empty() && t.bytes().all(is_word))
                .map(|(_, t)| t.as_str())
                .max_by_key(|t| t.len());
            match (
                equal.or_else(|| crate::go::grammar::leading_keyword(kind)),
                &mut anchored,
            ) {
                (Some(text), Some(all)) => all.push((text, kind)),
                _ => anchored = None,
            }
        }
        let anchors = anchored.map(|all| {
            // In a fixed order: the candidates are sorted, but a run's
            // searches then come in the same order every time.
            let texts: std::collections::BTreeSet<&str> = all.iter().map(|(t, _)| *t).collect();
            texts
                .into_iter()
                .map(|t| Anchor {
                    finder: memchr::memmem::Finder::new(t).into_owned(),
                    word_end: t.bytes().last().is_some_and(is_word),
                    kinds: kind_table(
                        &all.iter()
                            .filter(|(a, _)| *a == t)
                            .map(|(_, k)| *k)
                            .collect(),
                    ),
                })
                .collect()
        });
        Some(Roots {
            kinds: kind_table(&kinds),
            anchors,
        })
    }

    /// Every kind either starts at.
    pub fn union(&self, other: &Roots) -> Roots {
        let anchors = match (&self.anchors, &other.anchors) {
            (Some(a), Some(b)) => {
                let mut all = a.clone();
                for x in b {
                    match all
                        .iter_mut()
                        .find(|y| y.finder.needle() == x.finder.needle())
                    {
                        Some(y) => y.kinds = either(&y.kinds, &x.kinds),
                        None => all.push(x.clone()),
                    }
                }
                Some(all)
            }
            _ => None,
        };
        Roots {
            kinds: either(&self.kinds, &other.kinds),
            anchors,
        }
    }

    fn holds(&self, n: Node) -> bool {
        held(&self.kinds, n)
    }
}

fn held(kinds: &[bool], n: Node) -> bool {
    kinds.get(n.kind_id() as usize).copied().unwrap_or(false)
}

/// The node kind at the root of the pattern written at the start of
/// `text` (after blank space and `;` comments): None unless it is one
/// named kind of the grammar, written `(kind`, and not `source_file`, the
/// one kind a run over a declaration would never start at.
pub fn pattern_root(text: &str) -> Option<&str> {
    let mut t = text.trim_start();
    while let Some(rest) = t.strip_prefix(';') {
        t = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    let t = t.strip_prefix('(')?.trim_start();
    let end = t
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    let kind = &t[..end];
    let lang = crate::go::grammar::language();
    let id = lang.id_for_node_kind(kind, true);
    let plain = !kind.is_empty() && !kind.starts_with('_') && kind != "source_file";
    let known = id != 0 && (id as usize) < lang.node_kind_count();
    (plain && known && lang.node_kind_is_visible(id)).then_some(kind)
}

/// The nodes within `scope` that a pattern of `roots` may start at, found
/// from the places of its anchors, in the order a walk of `scope` meets
/// them.
fn anchored<'t>(anchors: &[Anchor], scope: Node<'t>, bytes: &[u8]) -> Vec<Node<'t>> {
    let range = scope.byte_range();
    let mut found: Vec<(usize, usize, Node<'t>)> = Vec::new();
    let mut walk = scope.walk();
    let mut chain = Vec::new();
    for a in anchors {
        let len = a.finder.needle().len();
        for at in a.finder.find_iter(&bytes[range.clone()]) {
            let (start, end) = (range.start + at, range.start + at + len);
            if a.word_end && bytes.get(end).copied().is_some_and(is_word) {
                continue;
            }
            // Down to the smallest node holding the place: it must be the
            // place, not a comment, a string or a longer word around it.
            walk.reset(scope);
            chain.clear();
            chain.push(scope);
            while walk.goto_first_child_for_byte(start).is_some() {
                let n = walk.node();
                if n.start_byte() > start || n.end_byte() < end {
                    break;
                }
                chain.push(n);
            }
            if chain.last().map(|n| n.byte_range()) != Some(start..end) {
                continue;
            }
            for (depth, n) in chain.iter().enumerate() {
                if held(&a.kinds, *n) {
                    found.push((n.start_byte(), depth, *n));
                }
            }
        }
    }
    // A walk meets a node before what it holds and before what follows it.
    found.sort_by_key(|(start, depth, n)| (*start, *depth, n.id()));
    found.dedup_by_key(|(_, _, n)| n.id());
    found.into_iter().map(|(_, _, n)| n).collect()
}

/// Calls `take` with each match of `query` within `scope` (a node of the
/// tree whose root is `root`), in the order a cursor over `scope`'s bytes
/// gives them: from the nodes of `roots` when known, else by that cursor.
pub fn for_each_match<'t>(
    cursor: &mut QueryCursor,
    query: &Query,
    (root, scope): (Node<'t>, Node<'t>),
    roots: Option<&Roots>,
    bytes: &[u8],
    take: &mut dyn FnMut(&QueryMatch<'_, 't>),
) {
    let Some(roots) = roots else {
        cursor.set_byte_range(scope.byte_range());
        let mut matches = cursor.matches(query, root, bytes);
        while let Some(m) = matches.next() {
            take(m);
        }
        return;
    };
    cursor.set_byte_range(0..usize::MAX);
    cursor.set_max_start_depth(Some(0));
    let mut run = |n: Node<'t>| {
        let mut matches = cursor.matches(query, n, bytes);
        while let Some(m) = matches.next() {
            take(m);
        }
    };
    match &roots.anchors {
        Some(anchors) => anchored(anchors, scope, bytes)
            .into_iter()
            .for_each(&mut run),
        None => {
            let mut walk = scope.walk();
            'walk: loop {
                let n = walk.node();
                if roots.holds(n) {
                    run(n);
                }
                if walk.goto_first_child() {
                    continue;
                }
                while !walk.goto_next_sibling() {
                    if !walk.goto_parent() {
                        break 'walk;
                    }
                }
            }
        }
    }
    cursor.set_max_start_depth(None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::syntax::NodeKind;

    fn compiled(text: &str) -> Query {
        Query::new(&crate::go::grammar::language(), text).unwrap()
    }

    fn roots(text: &str) -> Option<Roots> {
        let q = compiled(text);
        let starts = (0..q.pattern_count()).map(|p| (p, q.start_byte_for_pattern(p)));
        Roots::of(&q, starts, text)
    }

    fn anchors(r: &Roots) -> Option<Vec<&[u8]>> {
        let all = r.anchors.as_ref()?;
        let mut texts: Vec<&[u8]> = all.iter().map(|a| a.finder.needle()).collect();
        texts.sort();
        Some(texts)
    }

    impl Roots {
        /// The same roots, found by the walk.
        fn walked(&self) -> Roots {
            Roots {
                anchors: None,
                ..self.clone()
            }
        }
    }

    #[test]
    fn a_pattern_root_is_one_plain_named_kind() {
        for (text, root) in [
            ("(go_statement) @go", Some("go_statement")),
            (
                "\n  ; why\n  ( call_expression function: (identifier))",
                Some("call_expression"),
            ),
            ("(_ (identifier)) @x", None),
            ("[(call_expression) (go_statement)]", None),
            ("((comment) . (function_declaration))", None),
            ("(_expression) @e", None),
            ("(source_file) @f", None),
            ("(no_such_kind)", None),
            ("\"go\" @kw", None),
            ("(ERROR) @e", None),
        ] {
            assert_eq!(pattern_root(text), root, "{text}");
        }
        assert!(roots("(go_statement) (_)").is_none());
        // `(comment)+` matches a run of sibling comments: not rooted.
        assert!(!compiled("(comment)+ @c").is_pattern_rooted(0));
        assert!(roots("(comment)+ @c").is_none());
        let r = roots("(go_statement) (select_statement)").unwrap();
        let tree = crate::go::syntax::parse(b"package p\nfunc f() { go g(); select {} }\n");
        let mut seen = Vec::new();
        crate::go::syntax::visit(tree.root_node(), &|_| true, &mut |n| {
            if r.holds(n) {
                seen.push(n.kind_str());
            }
        });
        assert_eq!(seen, ["go_statement", "select_statement"]);
    }

    #[test]
    fn an_anchor_is_a_text_every_match_holds() {
        let make = r#"(call_expression function: (identifier) @f (#eq? @f "make"))"#;
        let cases: [(&str, Option<&[&[u8]]>); 7] = [
            (make, Some(&[b"make"])),
            (
                "(go_statement) (select_statement)",
                Some(&[b"go", b"select"]),
            ),
            // The longer of two texts; a keyword only without one.
            (
                r#"(select_statement (communication_case (receive_statement
                     right: (unary_expression operand: (call_expression
                       function: (selector_expression
                         operand: (identifier) @p (#eq? @p "time")
                         field: (field_identifier) @a (#eq? @a "After")))))))"#,
                Some(&[b"After"]),
            ),
            // A capture that a match may lack anchors nothing...
            (
                r#"(call_expression function: (identifier)? @f (#eq? @f "make"))"#,
                None,
            ),
            (
                r#"(call_expression function: [(identifier) @f (selector_expression)] (#eq? @f "make"))"#,
                None,
            ),
            // ... nor does a text that is not one word, or a pattern
            // without one where another has.
            (
                r#"(call_expression function: (identifier) @f (#eq? @f "a b"))"#,
                None,
            ),
            (&format!("{make} (call_expression)"), None),
        ];
        for (text, want) in cases {
            let r = roots(text).expect(text);
            assert_eq!(anchors(&r), want.map(|w| w.to_vec()), "{text}");
        }
        let r = roots(make)
            .unwrap()
            .union(&roots("(go_statement)").unwrap());
        assert_eq!(anchors(&r), Some(vec![&b"go"[..], b"make"]));
        let r = r.union(&roots("(call_expression)").unwrap());
        assert_eq!(anchors(&r), None);
    }

    /// Every match of the built-in rules' patterns together, of each rule's
    /// alone, and of a query of keyword-anchored and unanchored patterns,
    /// over 172 files of Go's tree (`net/http`, `sync`, `os/exec` ...; one
    /// file cut short so that its tree has errors) and over each of their
    /// declarations: the same, in the same order, from the anchors' places
    /// and from the walk as from the full cursor.
    #[test]
    fn matches_from_the_roots_are_the_full_walks() {
        let rules = crate::rules::rule::builtin().expect("the built-in rules");
        let mut texts: Vec<String> = vec![
            rules
                .iter()
                .map(|r| format!("{}\n", r.spec.query))
                .collect(),
        ];
        texts.extend(rules.iter().map(|r| r.spec.query.clone()));
        texts.push(
            r#"(for_statement) @for
            (func_literal) @lit
            (defer_statement (call_expression
              function: (selector_expression field: (field_identifier) @m (#eq? @m "Done"))))
            (return_statement) @ret"#
                .to_string(),
        );
        let queries: Vec<(Query, Roots)> = texts
            .iter()
            .map(|t| {
                (
                    compiled(t),
                    roots(t).expect("patterns that start with a named kind"),
                )
            })
            .collect();
        assert!(queries.iter().all(|(_, r)| r.anchors.is_some()));
        let go = crate::go::goroot_src();
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for dir in ["net/http", "sync", "context", "os/exec", "time", "net/rpc"] {
            for e in std::fs::read_dir(go.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "go") {
                    files.push(p);
                }
            }
        }
        files.sort();
        let (mut compared, mut cursor) = (0, QueryCursor::new());
        let mut all = |q: &Query, r: Option<&Roots>, root: Node, scope: Node, src: &[u8]| {
            let mut out = Vec::new();
            for_each_match(&mut cursor, q, (root, scope), r, src, &mut |m| {
                let caps: Vec<_> = m.captures.iter().map(|c| (c.index, c.node.id())).collect();
                out.push((m.pattern_index, caps));
            });
            out
        };
        for (k, path) in files.iter().enumerate() {
            let mut src = std::fs::read(path).unwrap();
            if k == 0 {
                src.truncate(src.len() * 2 / 3);
            }
            let tree = crate::go::syntax::parse(&src);
            let root = tree.root_node();
            let mut scopes = vec![root];
            let mut c = root.walk();
            scopes.extend(root.children(&mut c));
            for (q, r) in &queries {
                for &scope in &scopes {
                    let full = all(q, None, root, scope, &src);
                    let walked = all(q, Some(&r.walked()), root, scope, &src);
                    assert_eq!(walked, full, "{}: {}", path.display(), scope.kind_str());
                    let anchored = all(q, Some(r), root, scope, &src);
                    assert_eq!(anchored, full, "{}: {}", path.display(), scope.kind_str());
                    compared += full.len();
                }
            }
        }
        assert!(
            files.len() > 150 && compared > 15_000,
            "{} {compared}",
            files.len()
        );
    }
}
