//! Running a query from the nodes its patterns can start at. tree-sitter's
//! cursor walks every node of the range it is given and, at each, works
//! out the node's field, supertypes and parent for the patterns that might
//! start or go on there: about three times the cost of a bare walk, and
//! 17–19 % of a run on goroutine-dense trees. When every pattern starts
//! with one named node kind, `(call_expression ...`, a bare walk finds the
//! nodes of those kinds and the cursor runs from each, its patterns rooted
//! there (`max_start_depth` 0): it goes only as deep as a pattern reaches.
//!
//! The matches are the full walk's, in its order: a pattern's root is met
//! in the same order, and a test compares both on Go's own files. Patterns
//! that start with anything else (a wildcard, an alternation, a group of
//! siblings, a quantified pattern, the file's own root) are run the full
//! way.

use std::collections::HashSet;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor, QueryMatch};

/// The node kinds (by id) that some pattern of a query starts at.
#[derive(Debug, Clone)]
pub struct Roots(Vec<bool>);

impl Roots {
    /// The roots of `patterns`: each one's text (from its start on) and
    /// whether tree-sitter calls it rooted (one node at its top, not a
    /// quantified or grouped run of siblings); None when one of them does
    /// not start with a plain named kind that can sit inside a declaration.
    pub fn of<'a>(patterns: impl IntoIterator<Item = (&'a str, bool)>) -> Option<Roots> {
        let kinds = patterns
            .into_iter()
            .map(|(text, rooted)| pattern_root(text).filter(|_| rooted))
            .collect::<Option<HashSet<&str>>>()?;
        let lang = crate::go::grammar::language();
        Some(Roots(
            (0..lang.node_kind_count() as u16)
                .map(|id| {
                    lang.node_kind_is_named(id)
                        && lang.node_kind_for_id(id).is_some_and(|k| kinds.contains(k))
                })
                .collect(),
        ))
    }

    /// Every kind either starts at.
    pub fn union(&self, other: &Roots) -> Roots {
        Roots(self.0.iter().zip(&other.0).map(|(a, b)| *a || *b).collect())
    }

    fn holds(&self, n: Node) -> bool {
        self.0.get(n.kind_id() as usize).copied().unwrap_or(false)
    }
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
    let mut walk = scope.walk();
    'walk: loop {
        let n = walk.node();
        if roots.holds(n) {
            let mut matches = cursor.matches(query, n, bytes);
            while let Some(m) = matches.next() {
                take(m);
            }
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
    cursor.set_max_start_depth(None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::syntax::NodeKind;

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
        assert!(Roots::of([("(go_statement)", true), ("(_)", true)]).is_none());
        // `(comment)+` matches a run of sibling comments: not rooted.
        let q = Query::new(&crate::go::grammar::language(), "(comment)+ @c").unwrap();
        assert!(!q.is_pattern_rooted(0));
        assert!(Roots::of([("(comment)+ @c", false)]).is_none());
        let r = Roots::of([("(go_statement)", true), ("(select_statement)", true)]).unwrap();
        let tree = crate::go::syntax::parse(b"package p\nfunc f() { go g(); select {} }\n");
        let mut seen = Vec::new();
        crate::go::syntax::visit(tree.root_node(), &|_| true, &mut |n| {
            if r.holds(n) {
                seen.push(n.kind_str());
            }
        });
        assert_eq!(seen, ["go_statement", "select_statement"]);
    }

    /// Every match of the built-in rules' patterns together, and of each
    /// XX, one
    /// file cut short so that its tree has errors) and over each of their
    /// declarations: the same, in the same order, from the roots as from
    /// the full cursor.
    #[test]
    fn matches_from_the_roots_are_the_full_walks() {
        let rules = crate::rules::rule::builtin().expect("the built-in rules");
        let lang = crate::go::grammar::language();
        let mut texts: Vec<String> = vec![
            rules
                .iter()
                .map(|r| format!("{}\n", r.spec.query))
                .collect(),
        ];
        texts.extend(rules.iter().map(|r| r.spec.query.clone()));
        let queries: Vec<(Query, Roots)> = texts
            .iter()
            .map(|t| {
                let q = Query::new(&lang, t).unwrap();
                let patterns = (0..q.pattern_count())
                    .map(|p| (&t[q.start_byte_for_pattern(p)..], q.is_pattern_rooted(p)));
                let r = Roots::of(patterns).expect("the built-in patterns start with a named kind");
                (q, r)
            })
            .collect();
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
                    let rooted = all(q, Some(r), root, scope, &src);
                    assert_eq!(rooted, full, "{}: {}", path.display(), scope.kind_str());
                    compared += full.len();
                }
            }
        }
        assert!(
            files.len() > 150 && compared > 4_000,
            "{} {compared}",
            files.len()
        );
    }
}
