//! The shape of a rule's query, read from its source text (tree-sitter
//! compiles a query but does not say which node kind a capture stands
//! for): each top-level pattern with the node kinds each of its captures
//! can be, and the predicates written outside every pattern's parentheses.

use std::collections::{BTreeMap, BTreeSet};

/// The node kinds a capture can match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kinds {
    /// A wildcard (`_`, `(_)`), a group, or something not read.
    Any,
    /// Named kinds (`(select_statement)`) and anonymous ones (`"<-"`).
    Of(BTreeSet<String>),
}

impl Kinds {
    fn union(self, other: Kinds) -> Kinds {
        match (self, other) {
            (Kinds::Of(mut a), Kinds::Of(b)) => {
                a.extend(b);
                Kinds::Of(a)
            }
            _ => Kinds::Any,
        }
    }

    fn one(kind: &str) -> Kinds {
        Kinds::Of(BTreeSet::from([kind.to_string()]))
    }
}

/// One top-level pattern.
#[derive(Debug)]
pub struct Pattern {
    /// Byte offset in the query text.
    pub start: usize,
    /// Each capture written in it, with the kinds its node can be.
    pub captures: BTreeMap<String, Kinds>,
    /// The captures its predicates (`#eq?` ...) name, with their offsets.
    pub predicate_uses: Vec<(usize, String)>,
    /// Its `(#eq? @capture "text")` predicates: capture and text.
    pub equals: Vec<(String, String)>,
}

/// What the query text says.
#[derive(Debug, Default)]
pub struct Shape {
    pub patterns: Vec<Pattern>,
    /// Byte offsets of `(#pred? ...)` written at the top level, outside
    /// any pattern.
    pub stray_predicates: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    OpenAlt,
    CloseAlt,
    Str(String),
    Capture(String),
    Predicate(String),
    Ident(String),
    Field,
    Other,
}

/// Splits query text into tokens with their byte offsets.
fn tokens(q: &str) -> Vec<(usize, Tok)> {
    let b = q.as_bytes();
    let word = |c: u8, pred: bool| {
        c.is_ascii_alphanumeric() || b"_-.".contains(&c) || (pred && b"?!".contains(&c))
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let tok = match c {
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            c if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'(' => Tok::Open,
            b')' => Tok::Close,
            b'[' => Tok::OpenAlt,
            b']' => Tok::CloseAlt,
            b'"' => {
                let mut s = String::new();
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    s.push(b[i] as char);
                    i += 1;
                }
                Tok::Str(s)
            }
            b'@' | b'#' => {
                i += 1;
                while i < b.len() && word(b[i], c == b'#') {
                    i += 1;
                }
                let name = q[start + 1..i].to_string();
                out.push((
                    start,
                    if c == b'@' {
                        Tok::Capture(name)
                    } else {
                        Tok::Predicate(name)
                    },
                ));
                continue;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_-/".contains(&b[i])) {
                    i += 1;
                }
                let name = q[start..i].to_string();
                if b.get(i) == Some(&b':') {
                    i += 1;
                    out.push((start, Tok::Field));
                } else {
                    out.push((start, Tok::Ident(name)));
                }
                continue;
            }
            _ => Tok::Other,
        };
        out.push((start, tok));
        i += 1;
    }
    out
}

/// A parsed item: the kinds it matches, its captures, and the items
/// inside it.
struct Item {
    start: usize,
    kinds: Kinds,
    captures: Vec<String>,
    inner: Vec<Item>,
    predicate: bool,
    /// For a predicate: the captures it names, with their offsets.
    uses: Vec<(usize, String)>,
    /// For a predicate: its name (`eq?`) and its arguments, a capture
    /// (`@x`) or a string each.
    call: Option<(String, Vec<Tok>)>,
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }

    /// One item and the quantifiers and captures after it; None at a
    /// closing bracket or the end.
    fn item(&mut self) -> Option<Item> {
        // Field names (`left:`), anchors and negated fields come before items.
        while matches!(self.peek(), Some(Tok::Field | Tok::Other)) {
            self.pos += 1;
        }
        let (start, tok) = self.toks.get(self.pos)?.clone();
        self.pos += 1;
        let mut item = Item {
            start,
            kinds: Kinds::Any,
            captures: vec![],
            inner: vec![],
            predicate: false,
            uses: vec![],
            call: None,
        };
        match tok {
            Tok::Close | Tok::CloseAlt => {
                self.pos -= 1;
                return None;
            }
            Tok::Open => match self.peek().cloned() {
                Some(Tok::Predicate(name)) => {
                    item.predicate = true;
                    item.call = Some((name, Vec::new()));
                    self.pos += 1;
                    self.rest(&mut item, &Tok::Close);
                }
                Some(Tok::Ident(kind)) => {
                    self.pos += 1;
                    if kind != "_" {
                        item.kinds = Kinds::one(&kind);
                    }
                    self.rest(&mut item, &Tok::Close);
                }
                _ => self.rest(&mut item, &Tok::Close),
            },
            Tok::OpenAlt => {
                self.rest(&mut item, &Tok::CloseAlt);
                item.kinds = item
                    .inner
                    .iter()
                    .filter(|i| !i.predicate)
                    .map(|i| i.kinds.clone())
                    .reduce(Kinds::union)
                    .unwrap_or(Kinds::Any);
            }
            Tok::Str(s) => item.kinds = Kinds::one(&s),
            _ => {}
        }
        // Quantifiers are `Other`; captures follow the item.
        loop {
            match self.peek() {
                Some(Tok::Capture(c)) if !item.predicate => item.captures.push(c.clone()),
                Some(Tok::Other) if !item.predicate => {}
                _ => break,
            }
            self.pos += 1;
        }
        Some(item)
    }

    /// The items up to `close` (consumed).
    fn rest(&mut self, item: &mut Item, close: &Tok) {
        loop {
            if item.predicate {
                // A predicate's arguments are captures and strings, not items.
                match self.toks.get(self.pos) {
                    None => return,
                    Some((_, t)) if t == close => {
                        self.pos += 1;
                        return;
                    }
                    Some((at, t)) => {
                        if let Tok::Capture(c) = t {
                            item.uses.push((*at, c.clone()));
                        }
                        if let Some((_, args)) = &mut item.call {
                            args.push(t.clone());
                        }
                        self.pos += 1;
                    }
                }
                continue;
            }
            match self.item() {
                Some(i) => item.inner.push(i),
                None => {
                    if self.peek().is_some() {
                        self.pos += 1;
                    }
                    return;
                }
            }
        }
    }
}

/// What `collect` gathers from a pattern's items.
#[derive(Default)]
struct Gathered {
    captures: BTreeMap<String, Kinds>,
    uses: Vec<(usize, String)>,
    equals: Vec<(String, String)>,
}

fn collect(item: &Item, into: &mut Gathered) {
    into.uses.extend(item.uses.iter().cloned());
    if let Some((name, args)) = &item.call
        && let [Tok::Capture(c), Tok::Str(text)] = &args[..]
        && name == "eq?"
    {
        into.equals.push((c.clone(), text.clone()));
    }
    for c in &item.captures {
        let k = match into.captures.remove(c) {
            Some(k) => k.union(item.kinds.clone()),
            None => item.kinds.clone(),
        };
        into.captures.insert(c.clone(), k);
    }
    for i in &item.inner {
        collect(i, into);
    }
}

/// Reads a query's text. Only called on text tree-sitter compiled.
pub fn read(query: &str) -> Shape {
    let mut p = Parser {
        toks: tokens(query),
        pos: 0,
    };
    let mut shape = Shape::default();
    while p.pos < p.toks.len() {
        let Some(item) = p.item() else {
            p.pos += 1;
            continue;
        };
        if item.predicate {
            shape.stray_predicates.push(item.start);
            continue;
        }
        let mut found = Gathered::default();
        collect(&item, &mut found);
        shape.patterns.push(Pattern {
            start: item.start,
            captures: found.captures,
            predicate_uses: found.uses,
            equals: found.equals,
        });
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(ks: &[&str]) -> Kinds {
        Kinds::Of(ks.iter().map(|k| k.to_string()).collect())
    }

    #[test]
    fn reads_patterns_captures_and_kinds() {
        let s = read(
            r#"; a comment (with parens)
(call_expression
  function: (identifier) @fn (#eq? @fn "make")
  arguments: (argument_list . [(channel_type) (type_identifier)] @type (_) @any)) @make

(select_statement (communication_case)* @cases "<-" @arrow) @select @rearm"#,
        );
        assert_eq!(s.patterns.len(), 2);
        assert!(s.stray_predicates.is_empty());
        let p = &s.patterns[0].captures;
        assert_eq!(p["fn"], kinds(&["identifier"]));
        assert_eq!(p["type"], kinds(&["channel_type", "type_identifier"]));
        assert_eq!(p["any"], Kinds::Any);
        assert_eq!(p["make"], kinds(&["call_expression"]));
        let q = &s.patterns[1].captures;
        assert_eq!(q["select"], kinds(&["select_statement"]));
        assert_eq!(q["rearm"], kinds(&["select_statement"]));
        assert_eq!(q["cases"], kinds(&["communication_case"]));
        assert_eq!(q["arrow"], kinds(&["<-"]));
        assert!(!q.contains_key("make"));
        assert_eq!(s.patterns[0].predicate_uses, vec![(78, "fn".to_string())]);
        let eq = |c: &str, t: &str| (c.to_string(), t.to_string());
        assert_eq!(s.patterns[0].equals, vec![eq("fn", "make")]);
        assert!(s.patterns[1].equals.is_empty());
        // Only `#eq?` of a capture and a string.
        let s = read(
            r#"((identifier) @a (#eq? @a @b) (#not-eq? @a "x") (#match? @a "y") (#eq? @a "z"))"#,
        );
        assert_eq!(s.patterns[0].equals, vec![eq("a", "z")]);
    }

    #[test]
    fn finds_predicates_outside_patterns() {
        let s = read(r#"(identifier) @x (#eq? @x "foo")"#);
        assert_eq!(s.patterns.len(), 1);
        assert_eq!(s.stray_predicates, vec![16]);
    }
}

#[cfg(test)]
mod tree_sitter_behaviour {
    use streaming_iterator::StreamingIterator;

    /// What tree-sitter makes of a predicate written outside its pattern,
    /// which is why `load` refuses one.
    #[test]
    fn a_stray_predicate_tests_nothing() {
        let lang = crate::go::grammar::language();
        let q = tree_sitter::Query::new(&lang, r#"(identifier) @x (#eq? @x "foo")"#).unwrap();
        let src = b"package p\nvar bar = foo";
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&lang).unwrap();
        let tree = parser.parse(src, None).unwrap();
        let mut cursor = tree_sitter::QueryCursor::new();
        let mut found = vec![];
        let mut m = cursor.matches(&q, tree.root_node(), &src[..]);
        while let Some(m) = m.next() {
            for c in m.captures {
                found.push(c.node.utf8_text(src).unwrap().to_string());
            }
        }
        // The predicate became a pattern of its own, empty, and filters nothing.
        assert_eq!(q.pattern_count(), 2);
        assert_eq!(found, vec!["bar", "foo"], "the #eq? did not filter");
    }
}
