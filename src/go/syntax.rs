//! Go syntax on top of tree-sitter-go: parsing, and the small structural
//! questions (enclosing function, loops, error regions, names in scope) that
//! predicates and the edit model ask of a tree.

use tree_sitter::{InputEdit, Node, Parser, Point, Tree, TreeCursor};

/// Parses Go source. tree-sitter always returns a tree; syntax errors show up
/// as ERROR/MISSING nodes, which callers handle per declaration.
pub fn parse(src: &[u8]) -> Tree {
    run_parser(src, &[], None)
}

// One parser per thread, kept across parses: a check parses many small
// parts of files (declarations, siblings' declarations), and a new parser
// for each allocated its stacks again every time.
thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&crate::go::grammar::language())
            .expect("tree-sitter-go is ABI-compatible with the linked tree-sitter");
        parser
    });
}

/// Parses `src`, only its `included` ranges when there are any (none: all
/// of it), reusing what it can of `old`.
fn run_parser(src: &[u8], included: &[tree_sitter::Range], old: Option<&Tree>) -> Tree {
    PARSER.with_borrow_mut(|parser| {
        parser
            .set_included_ranges(included)
            .expect("ranges are sorted and do not overlap");
        parser
            .parse(src, old)
            .expect("parsing without a timeout or cancellation flag always yields a tree")
    })
}

/// Whether `n` is a node of the named kind whose id `id` holds (looked up
/// once): `Node::kind` converts the kind's C string on every call, and the
/// walks over every node of big functions ask it of each.
fn is_kind(n: Node, id: &std::sync::OnceLock<u16>, name: &str) -> bool {
    n.kind_id() == *id.get_or_init(|| crate::go::grammar::language().id_for_node_kind(name, true))
}

/// `n.kind_str() == "identifier"`, by kind id.
pub fn is_identifier(n: Node) -> bool {
    static ID: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    is_kind(n, &ID, "identifier")
}

/// `n.kind_str() == "func_literal"`, by kind id.
pub fn is_func_literal(n: Node) -> bool {
    static ID: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    is_kind(n, &ID, "func_literal")
}

/// `n.kind_str() == "goto_statement"`, by kind id.
pub fn is_goto_statement(n: Node) -> bool {
    static ID: std::sync::OnceLock<u16> = std::sync::OnceLock::new();
    is_kind(n, &ID, "goto_statement")
}

/// Faster forms of two `Node` methods the predicates call on almost every
/// node they pass, with tables of the grammar's names built once:
/// - `kind_str` is `kind`, which turns the kind's C string into a `&str`
///   (a strlen and a UTF-8 check) on every call: 4 % of a run on
///   nats-server;
/// - `child_field` is `child_by_field_name`, which finds the field's id by
///   comparing the name with every field name of the grammar in turn.
pub trait NodeKind<'t> {
    fn kind_str(&self) -> &'static str;
    fn child_field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> NodeKind<'t> for Node<'t> {
    fn child_field(&self, name: &str) -> Option<Node<'t>> {
        static IDS: std::sync::OnceLock<std::collections::HashMap<&'static str, u16>> =
            std::sync::OnceLock::new();
        let ids = IDS.get_or_init(|| {
            let lang = crate::go::grammar::language();
            (1..=lang.field_count() as u16)
                .filter_map(|id| Some((lang.field_name_for_id(id)?, id)))
                .collect()
        });
        self.child_by_field_id(*ids.get(name)?)
    }

    fn kind_str(&self) -> &'static str {
        static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| {
            let lang = crate::go::grammar::language();
            (0..lang.node_kind_count() as u16)
                .map(|id| lang.node_kind_for_id(id).unwrap_or(""))
                .collect()
        });
        // ERROR's id is past the table, as are any a tree of another
        // language would give.
        match names.get(self.kind_id() as usize) {
            Some(name) if !name.is_empty() => name,
            _ => self.kind(),
        }
    }
}

/// The byte offset at which each line of `src` starts.
pub fn line_starts(src: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', src).map(|i| i + 1))
        .collect()
}

/// The row and column of byte offset `o`, given the file's `line_starts`.
fn point_at(line_starts: &[usize], o: usize) -> Point {
    let row = line_starts.partition_point(|&s| s <= o) - 1;
    Point::new(row, o - line_starts[row])
}

/// Parses only `ranges` of `src` (sorted, not overlapping, each a run of
/// whole top-level declarations): the tree holds those declarations, at
/// their real byte offsets and positions, and nothing else.
pub fn parse_ranges(src: &[u8], ranges: &[std::ops::Range<usize>]) -> Tree {
    reparse_ranges(src, ranges, None)
}

/// `parse_ranges`, reusing what `old` (a parse of other ranges of the same
/// `src`) already holds: tree-sitter re-lexes only around the ranges that
/// differ, so growing a partial parse by a few declarations costs those
/// declarations, not the whole parse again.
pub fn reparse_ranges(src: &[u8], ranges: &[std::ops::Range<usize>], old: Option<&Tree>) -> Tree {
    // Only the ranges' ends need a position: one count of the lines up to
    // the last, not every line start of the file.
    let points = Points::new(src, ranges.iter().flat_map(|r| [r.start, r.end]).collect());
    parse_ranges_from(src, ranges, &|o| points.at(o), old)
}

/// The positions of some offsets of a file (`points_of`), looked up by
/// offset: the ends of the ranges a partial parse is given.
pub struct Points {
    offsets: Vec<usize>,
    points: Vec<Point>,
}

impl Points {
    pub fn new(src: &[u8], mut offsets: Vec<usize>) -> Points {
        offsets.sort_unstable();
        offsets.dedup();
        let points = points_of(src, &offsets);
        Points { offsets, points }
    }

    /// The position of `o`, one of the offsets given to `new`.
    pub fn at(&self, o: usize) -> Point {
        self.points[self.offsets.partition_point(|&e| e < o)]
    }
}

/// The row and column of each of `offsets` (sorted), from one pass over
/// `src`: what `reparse_ranges_with` needs of a file that is parsed a
/// declaration at a time, kept in far less memory than its line starts.
pub fn points_of(src: &[u8], offsets: &[usize]) -> Vec<Point> {
    let (mut row, mut line, mut at) = (0, 0, 0);
    offsets
        .iter()
        .map(|&o| {
            for i in memchr::memchr_iter(b'\n', &src[at..o]) {
                row += 1;
                line = at + i + 1;
            }
            at = o;
            Point::new(row, o - line)
        })
        .collect()
}

/// `reparse_ranges` with the position of each range's ends given by
/// `point`.
pub fn reparse_ranges_with(
    src: &[u8],
    ranges: &[std::ops::Range<usize>],
    point: &dyn Fn(usize) -> Point,
    old: Option<&Tree>,
) -> Tree {
    parse_ranges_from(src, ranges, point, old)
}

fn parse_ranges_from(
    src: &[u8],
    ranges: &[std::ops::Range<usize>],
    point: &dyn Fn(usize) -> Point,
    old: Option<&Tree>,
) -> Tree {
    let included: Vec<tree_sitter::Range> = ranges
        .iter()
        .map(|r| tree_sitter::Range {
            start_byte: r.start,
            end_byte: r.end,
            start_point: point(r.start),
            end_point: point(r.end),
        })
        .collect();
    run_parser(src, &included, old)
}

/// What a top-level chunk of a Go file is, as far as a lexer can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    /// The package clause or an import declaration.
    Header,
    /// Only comments and blank space.
    Comment,
    /// Anything else: a declaration (or, in odd code, part of one).
    Code,
}

/// A top-level chunk of a file: its bytes and what it holds.
pub type Chunk = (std::ops::Range<usize>, ChunkKind);

/// The bytes `top_level_chunks` acts on: comment and literal starts,
/// brackets, newlines and semicolons.
pub(super) const CHUNK_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let mut k = 0;
    let bytes = b"/`\"'{([})]\n;";
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

/// Where the comment, string or rune literal that starts at `src[i]` ends
/// (the byte after it; a `//` comment ends before its newline), and
/// whether it is closed; None when none starts there. An unclosed one ends
/// at the end of `src`, or a quoted one after the line break it runs into.
pub(super) fn skip_literal(src: &[u8], i: usize) -> Option<(usize, bool)> {
    let n = src.len();
    let after = |found: Option<usize>, from: usize, len: usize| match found {
        Some(j) => (from + j + len, true),
        None => (n, false),
    };
    Some(match src[i] {
        b'/' if src.get(i + 1) == Some(&b'/') => {
            (memchr::memchr(b'\n', &src[i..]).map_or(n, |j| i + j), true)
        }
        b'/' if src.get(i + 1) == Some(&b'*') => {
            after(memchr::memmem::find(&src[i + 2..], b"*/"), i + 2, 2)
        }
        b'`' => after(memchr::memchr(b'`', &src[i + 1..]), i + 1, 1),
        q @ (b'"' | b'\'') => {
            let mut j = i + 1;
            while j < n && src[j] != q && src[j] != b'\n' {
                j += if src[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1, j < n && src[j] == q)
        }
        _ => return None,
    })
}

/// Splits Go source into top-level chunks without parsing: a chunk ends
/// with a newline or a `;` outside any brace, bracket or parenthesis,
/// string, rune or comment, so each top-level declaration (with its body)
/// is one chunk and each line between declarations is its own.
/// Linear, and a small fraction of a parse: it lets a rule's literals be
/// looked for per declaration before deciding what to parse. None when the
/// brackets do not pair up or a string or comment never ends: such a file
/// does not parse, and only a parse of all of it reports where.
pub fn top_level_chunks(src: &[u8]) -> Option<Vec<(std::ops::Range<usize>, ChunkKind)>> {
    chunks_up_to(src, false)
}

/// The header's chunks: `top_level_chunks` up to the first declaration,
/// read no further when no line after it starts with `import` (Go puts
/// every import before the declarations). Only a merge's import edit
/// wants them, and the rest of a large file was a second full scan of it.
/// Unlike `top_level_chunks`, Some even when the brackets after that
/// point do not pair up.
pub fn header_chunks(src: &[u8]) -> Option<Vec<(std::ops::Range<usize>, ChunkKind)>> {
    let head = chunks_up_to(src, true)?;
    let end = head.last().map_or(0, |(r, _)| r.end);
    match memchr::memmem::find(&src[end..], b"\nimport") {
        None => Some(head),
        Some(_) => top_level_chunks(src),
    }
}

/// `top_level_chunks`, stopping after the first chunk of code when
/// `to_code`.
fn chunks_up_to(src: &[u8], to_code: bool) -> Option<Vec<(std::ops::Range<usize>, ChunkKind)>> {
    let mut out = Vec::new();
    let mut open: Vec<u8> = Vec::new();
    let (mut start, mut i) = (0usize, 0usize);
    let n = src.len();
    let kind_of = |r: std::ops::Range<usize>| {
        let mut t = &src[r];
        // A byte order mark before the package clause.
        t = t.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(t);
        loop {
            t = t.trim_ascii_start();
            if let Some(rest) = t.strip_prefix(b"//") {
                t = rest
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(&[][..], |j| &rest[j..]);
            } else if let Some(rest) = t.strip_prefix(b"/*") {
                t = memchr::memmem::find(rest, b"*/").map_or(&[][..], |j| &rest[j + 2..]);
            } else {
                break;
            }
        }
        let word = |w: &[u8]| t.starts_with(w) && t.get(w.len()).is_none_or(|b| !is_ident_byte(*b));
        if t.is_empty() {
            ChunkKind::Comment
        } else if word(b"package") || word(b"import") {
            ChunkKind::Header
        } else {
            ChunkKind::Code
        }
    };
    while i < n {
        // Most bytes are none of the ones below: skipped in a tight loop.
        while i < n && !CHUNK_BYTES[src[i] as usize] {
            i += 1;
        }
        if i == n {
            break;
        }
        // A `//` comment runs up to the newline, which ends the chunk as
        // usual.
        if let Some((end, closed)) = skip_literal(src, i) {
            if !closed {
                return None;
            }
            i = end;
            continue;
        }
        match src[i] {
            b @ (b'{' | b'(' | b'[') => open.push(b),
            b @ (b'}' | b')' | b']') => {
                let want = match b {
                    b'}' => b'{',
                    b')' => b'(',
                    _ => b'[',
                };
                if open.pop() != Some(want) {
                    return None;
                }
            }
            // A `;` outside brackets ends a declaration too: two on one
            // line (`type A int; type B int`, which gofmt would split)
            // are two chunks, so a chunk's first line tells what it
            // declares.
            b'\n' | b';' if open.is_empty() => {
                let kind = kind_of(start..i + 1);
                out.push((start..i + 1, kind));
                start = i + 1;
                if to_code && kind == ChunkKind::Code {
                    return Some(out);
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !open.is_empty() {
        return None;
    }
    if start < n {
        out.push((start..n, kind_of(start..n)));
    }
    Some(out)
}

/// The bytes `loop_spans` acts on: comment and literal starts, brackets,
/// newlines, semicolons, and the first letters of `for` and `goto`.
const LOOP_BYTES: [bool; 256] = {
    let mut t = CHUNK_BYTES;
    t[b'f' as usize] = true;
    t[b'g' as usize] = true;
    t
};

/// Where `for` statements may be in `src` (Go code, a declaration or a
/// file), read without parsing: spans, each from a `for` keyword to where
/// its statement must have ended, covering at least every `for` statement
/// tree-sitter-go finds there (a test checks it on Go's tree). None when
/// `src` holds a `goto`, which can make a loop anywhere.
///
/// A statement ends where its enclosing bracket closes, or at a line
/// break right after the `}` that brings the nesting back to the `for`'s:
/// the end of its body. A `}` that ends a line inside the header (a
/// composite literal, then an inserted semicolon) is valid Go that
/// tree-sitter-go does not parse as a `for`.
pub fn loop_spans(src: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let n = src.len();
    let word_at = |i: usize, w: &[u8]| {
        src[i..].starts_with(w)
            && (i == 0 || !is_ident_byte(src[i - 1]))
            && src.get(i + w.len()).is_none_or(|&b| !is_ident_byte(b))
    };
    let mut spans = Vec::new();
    // Open `for`s: the nesting they were written at, and where.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut depth = 0usize;
    // The nesting a `}` just brought the text back to, until a token.
    let mut closed_to = None;
    let mut i = 0;
    while i < n {
        // Between tokens that matter, in a tight loop: only a `}` waiting
        // for its line's end needs to see every byte.
        if closed_to.is_none() {
            while i < n && !LOOP_BYTES[src[i] as usize] {
                i += 1;
            }
            if i == n {
                break;
            }
        }
        if let Some((end, _)) = skip_literal(src, i) {
            // A comment is blank space; a literal is a token.
            if src[i] != b'/' {
                closed_to = None;
            }
            i = end;
            continue;
        }
        match src[i] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                closed_to = None;
            }
            c @ (b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                while open.last().is_some_and(|&(d, _)| d > depth) {
                    let (_, at) = open.pop().expect("an open for");
                    spans.push(at..i + 1);
                }
                closed_to = (c == b'}').then_some(depth);
            }
            b'\n' => {
                if closed_to.is_some() && open.last().map(|&(d, _)| d) == closed_to {
                    let (_, at) = open.pop().expect("an open for");
                    spans.push(at..i);
                }
                closed_to = None;
            }
            b' ' | b'\t' | b'\r' => {}
            b if is_ident_byte(b) && (i == 0 || !is_ident_byte(src[i - 1])) => {
                closed_to = None;
                if word_at(i, b"goto") {
                    return None;
                }
                if word_at(i, b"for") {
                    open.push((depth, i));
                }
            }
            _ => closed_to = None,
        }
        i += 1;
    }
    spans.extend(open.into_iter().map(|(_, at)| at..n));
    spans.sort_by_key(|r| r.start);
    Some(spans)
}

/// The byte ranges to parse for the chunks marked in `keep` (one flag per
/// chunk of `top_level_chunks`), each kept declaration with the comments
/// and blank lines right above it (its doc comment and directives, which
/// rules and suppressions read), adjacent chunks joined.
pub fn kept_ranges(
    chunks: &[(std::ops::Range<usize>, ChunkKind)],
    mut keep: Vec<bool>,
) -> Vec<std::ops::Range<usize>> {
    for k in (0..chunks.len()).rev() {
        if keep[k] && chunks[k].1 == ChunkKind::Code {
            let mut j = k;
            while j > 0 && chunks[j - 1].1 == ChunkKind::Comment {
                j -= 1;
                keep[j] = true;
            }
        }
    }
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for (r, _) in chunks
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(c, _)| c)
    {
        match ranges.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => ranges.push(r.clone()),
        }
    }
    ranges
}

/// The ranges of a file's header chunks (package clause, imports), joined.
pub fn header_ranges(
    chunks: &[(std::ops::Range<usize>, ChunkKind)],
) -> Vec<std::ops::Range<usize>> {
    kept_ranges(
        chunks,
        chunks
            .iter()
            .map(|(_, k)| *k == ChunkKind::Header)
            .collect(),
    )
}

/// Parses `new`, the text that `old` (whose tree is `tree`) became through
/// `edits` (byte ranges of `old` that do not overlap, and their new text),
/// reusing the tree wherever the edits left the text alone. A fix touches a
/// few lines of a file; a second full parse of every fixed file was a third
/// of a run on big packages. A result with a syntax error is parsed again
/// from scratch, so that error recovery is exactly a fresh parse's.
pub fn reparse(mut tree: Tree, old: &[u8], edits: &[(usize, usize, &str)], new: &[u8]) -> Tree {
    let lines = line_starts(old);
    let point = |o| point_at(&lines, o);
    let mut sorted = edits.to_vec();
    sorted.sort_by_key(|e| (e.0, e.1));
    // Last first: an edit's offsets stay valid while only text after it
    // has changed.
    for &(start, end, text) in sorted.iter().rev() {
        let at = point(start);
        let new_end_position = match text.rfind('\n') {
            None => Point::new(at.row, at.column + text.len()),
            Some(i) => Point::new(at.row + text.matches('\n').count(), text.len() - i - 1),
        };
        tree.edit(&InputEdit {
            start_byte: start,
            old_end_byte: end,
            new_end_byte: start + text.len(),
            start_position: at,
            old_end_position: point(end),
            new_end_position,
        });
    }
    let out = run_parser(new, &[], Some(&tree));
    if out.root_node().has_error() {
        return parse(new);
    }
    debug_assert_eq!(
        out.root_node().to_sexp(),
        parse(new).root_node().to_sexp(),
        "an incremental parse must equal a fresh one"
    );
    out
}

pub fn text<'a>(node: Node, src: &'a [u8]) -> &'a str {
    std::str::from_utf8(&src[node.byte_range()]).unwrap_or("")
}

/// Function-like nodes: each is its own scope for goroutine and loop questions.
pub fn is_function(node: Node) -> bool {
    matches!(
        node.kind_str(),
        "function_declaration" | "method_declaration" | "func_literal"
    )
}

/// The innermost function (declaration, method or literal) containing `node`.
///
/// Found on one descent from the root, as `ancestors_until` finds
/// ancestors: a walk up by `parent()` descends from the root at each step,
/// and the predicates ask this for every match and most uses (a twentieth
/// of a run on goroutine-dense code).
pub fn enclosing_function(node: Node) -> Option<Node> {
    let root = root_of(node);
    if node.id() == root.id() {
        return None;
    }
    ancestors_until(node, root)
        .into_iter()
        .find(|&n| is_function(n))
}

/// The root of the tree `node` belongs to. The Rust binding gives a node
/// no way back to its tree, but the C node holds the tree's pointer.
pub fn root_of(node: Node<'_>) -> Node<'_> {
    let raw = node.into_raw();
    // SAFETY: `raw.tree` is the tree `node` borrows, alive for the node's
    // lifetime, which the root node gets too; the root is never null.
    unsafe { Node::from_raw(tree_sitter::ffi::ts_tree_root_node(raw.tree)) }
}

/// True when `inner` lies within `outer` (or is it).
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

/// The nodes of kind `kind` under `top` whose text is exactly `word`, in
/// document order, each with its ancestors strictly below `top` (innermost
/// first): found from where the text writes `word`, not by a walk of every
/// node of `top`, for questions asked many times of one big function or
/// of every declaration of a package.
pub fn written<'t>(
    top: Node<'t>,
    word: &str,
    kind: &str,
    src: &[u8],
) -> Vec<(Node<'t>, Vec<Node<'t>>)> {
    crate::go::hidden::searches(top, word.as_bytes());
    spelled(top, word, kind, None, src).collect()
}

/// `written`, leaving out the places inside a node of kind `skip` under
/// `top`: the search passes each such node at its first place, not once
/// per place. A function's own declarations of a name, asked of a Ginkgo
/// `Describe` literal that spans its file, were otherwise a descent per
/// use of the name in each of its hundreds of specs.
pub fn written_outside<'t>(
    top: Node<'t>,
    word: &str,
    kind: &str,
    skip: &str,
    src: &[u8],
) -> Vec<(Node<'t>, Vec<Node<'t>>)> {
    // Its caller, a search of a function's declarations, tells
    // `go::hidden` what it asks.
    spelled(top, word, kind, Some(skip), src).collect()
}

/// `written`, one place at a time: a yes-or-no question stops at the first.
/// The places come in order, so each descent starts from the deepest node
/// of the last one that also holds this one, not from `top`: the same
/// nodes a descent from `top` passes (siblings do not overlap, so the
/// child holding a range is the first one reaching past its start).
fn spelled<'t>(
    top: Node<'t>,
    word: &str,
    kind: &str,
    skip: Option<&str>,
    src: &[u8],
) -> impl Iterator<Item = (Node<'t>, Vec<Node<'t>>)> {
    let base = top.start_byte();
    let mut c = top.walk();
    let text = if word.is_empty() {
        &[][..]
    } else {
        &src[top.byte_range()]
    };
    // The nodes under `top` holding the last place, outermost first.
    let mut path: Vec<Node<'t>> = Vec::new();
    let mut skip_to = 0;
    memchr::memmem::find_iter(text, word.as_bytes()).filter_map(move |at| {
        let (start, end) = (base + at, base + at + word.len());
        if start < skip_to {
            return None;
        }
        while path
            .last()
            .is_some_and(|p| p.start_byte() > start || p.end_byte() < end)
        {
            path.pop();
        }
        // The deepest node holding the word, as `descendant_for_byte_range`
        // finds it, with its ancestors from the same descent.
        let from = path.last().copied().unwrap_or(top);
        if let Some(passed) = deepen(&mut c, &mut path, from, (start, end), skip) {
            skip_to = passed.end_byte();
            return None;
        }
        let n = *path.last()?;
        (n.kind_str() == kind && n.byte_range() == (start..end)).then(|| {
            let mut ups = path[..path.len() - 1].to_vec();
            ups.reverse();
            (n, ups)
        })
    })
}

/// Pushes onto `path` the nodes under `from` that hold `start..end`,
/// outermost first, down to the deepest (one cursor descent, each step
/// into the child holding `start` while it also reaches `end`); stops at
/// a node of kind `skip` (not pushed) and returns it.
fn deepen<'t>(
    c: &mut TreeCursor<'t>,
    path: &mut Vec<Node<'t>>,
    from: Node<'t>,
    (start, end): (usize, usize),
    skip: Option<&str>,
) -> Option<Node<'t>> {
    c.reset(from);
    while c.goto_first_child_for_byte(start).is_some() {
        let n = c.node();
        if n.start_byte() > start || n.end_byte() < end {
            break;
        }
        if skip.is_some_and(|k| n.kind_str() == k) {
            return Some(n);
        }
        path.push(n);
    }
    None
}

/// Ancestors of `node` strictly below `stop`, innermost first.
///
/// Found by one descent from `stop` when `stop` is an ancestor: tree-sitter
/// finds a node's parent by descending from the root, so a walk up pays
/// the whole depth once per step, and the facts ask this for every use of
/// every local.
pub fn ancestors_until<'t>(node: Node<'t>, stop: Node<'t>) -> Vec<Node<'t>> {
    descend_to(stop, node).unwrap_or_else(|| walk_up(node, stop))
}

/// `ancestors_until` one `parent()` at a time: for a `stop` that is not an
/// ancestor (every ancestor up to the root), or a node of no width.
fn walk_up<'t>(node: Node<'t>, stop: Node<'t>) -> Vec<Node<'t>> {
    let mut out = Vec::new();
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.id() == stop.id() {
            break;
        }
        out.push(n);
        cur = n.parent();
    }
    out
}

/// The nodes strictly between `top` and its descendant `node`, innermost
/// first; None when `node` is not found under `top` (or has no width to
/// find it by).
fn descend_to<'t>(top: Node<'t>, node: Node<'t>) -> Option<Vec<Node<'t>>> {
    let (start, end) = (node.start_byte(), node.end_byte());
    if start == end || top.start_byte() > start || top.end_byte() < end || top.id() == node.id() {
        return None;
    }
    let mut path = Vec::new();
    deepen(&mut top.walk(), &mut path, top, (start, end), None);
    let at = path.iter().position(|n| n.id() == node.id())?;
    path.truncate(at);
    path.reverse();
    Some(path)
}

/// True when a `for` statement lies between `node` and `func` (the function
/// whose body is being analysed).
pub fn in_loop_within(node: Node, func: Node) -> bool {
    ancestors_until(node, func)
        .iter()
        .any(|n| n.kind_str() == "for_statement")
}

/// The innermost `for` statement around `node` inside `func`, if any.
pub fn enclosing_loop<'t>(node: Node<'t>, func: Node<'t>) -> Option<Node<'t>> {
    ancestors_until(node, func)
        .into_iter()
        .find(|n| n.kind_str() == "for_statement")
}

/// Whether a statement can be under `n` other than inside a function
/// literal: false for an expression, a string or a list of them, whose
/// subtrees hold statements only in a `func` literal. A walk that looks
/// for statements (returns, breaks, calls made as statements) need not
/// descend into them: the composite literals of a table-driven test are
/// most of its nodes.
pub fn may_hold_statements(n: Node) -> bool {
    !matches!(
        n.kind_str(),
        "call_expression"
            | "composite_literal"
            | "binary_expression"
            | "unary_expression"
            | "selector_expression"
            | "index_expression"
            | "slice_expression"
            | "parenthesized_expression"
            | "type_assertion_expression"
            | "type_conversion_expression"
            | "expression_list"
            | "interpreted_string_literal"
            | "raw_string_literal"
    )
}

/// Where a walk for a function's own statements descends: not into a
/// function literal (statements of another function), nor into what
/// `may_hold_statements` turns down.
pub fn own_statements_under(n: Node) -> bool {
    !is_func_literal(n) && may_hold_statements(n)
}

/// Calls `f` on every node under `root` in document order, without
/// descending into nodes for which `descend` says no.
pub fn visit<'t>(root: Node<'t>, descend: &dyn Fn(Node<'t>) -> bool, f: &mut dyn FnMut(Node<'t>)) {
    // One cursor moved in pre-order, no stack of nodes: the predicates
    // visit big functions often, and a list of children per node cost more
    // than the visit itself.
    let mut cursor = root.walk();
    let mut depth = 0usize;
    loop {
        let n = cursor.node();
        f(n);
        if (depth == 0 || descend(n)) && cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if depth == 0 {
                return;
            }
            if cursor.goto_next_sibling() {
                break;
            }
            cursor.goto_parent();
            depth -= 1;
        }
    }
}

/// Top-level declarations whose subtree holds an ERROR or MISSING node: no
/// edit may land inside them. Returns (node, first error node).
pub fn error_regions(tree: &Tree) -> Vec<(Node<'_>, Node<'_>)> {
    let root = tree.root_node();
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut cursor = root.walk();
    for child in root.children(&mut cursor) {
        if child.has_error() || child.is_error() || child.is_missing() {
            out.push((child, first_error(child).unwrap_or(child)));
        }
    }
    out
}

fn first_error(node: Node) -> Option<Node> {
    if node.is_error() || node.is_missing() {
        return Some(node);
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        if (child.has_error() || child.is_error() || child.is_missing())
            && let Some(e) = first_error(child)
        {
            return Some(e);
        }
    }
    None
}

/// The statement a `break` or `continue` at `j` leaves or continues: the
/// one its label names, or else the nearest loop (continue) or breakable
/// statement (break).
pub fn jump_target<'t>(j: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    match j.named_child(0).filter(|l| l.kind_str() == "label_name") {
        Some(_) => labelled(j, src)?.named_child(1),
        None if j.kind_str() == "continue_statement" => {
            let mut cur = j.parent();
            while let Some(n) = cur {
                if n.kind_str() == "for_statement" {
                    return Some(n);
                }
                cur = n.parent();
            }
            None
        }
        None => break_target(j),
    }
}

/// The `labeled_statement` that a labelled `break`, `continue` or `goto`
/// at `j` names, searched outwards from `j`.
pub fn labelled<'t>(j: Node<'t>, src: &[u8]) -> Option<Node<'t>> {
    let label = text(
        j.named_child(0).filter(|l| l.kind_str() == "label_name")?,
        src,
    );
    let mut cur = j.parent();
    while let Some(n) = cur {
        if n.kind_str() == "labeled_statement"
            && n.child_field("label")
                .is_some_and(|x| text(x, src) == label)
        {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// True when `stmt` runs at most once per entry to its loop: the
/// statements after it in its block always leave (the last one returns,
/// panics, `t.Fatal`s, ... or breaks out of the loop), and neither it nor
/// they jump back into the loop on the way (a `continue`, a `goto`, a
/// `break` of an inner select). serf's `flushTimeout := time.After(d)` in a
/// shutdown case, prometheus's `select {...}; break Loop`.
pub fn leaves_after<'t>(stmt: Node<'t>, src: &[u8]) -> bool {
    let Some(lp) = enclosing_function(stmt).and_then(|f| enclosing_loop(stmt, f)) else {
        return false;
    };
    stops_after(stmt, Some(lp), src)
}

/// [`leaves_after`] for `stmt` in the loop `lp`, or in no `for` at all (a
/// loop written with `goto`): the statements after it in its block always
/// leave, and nothing among them jumps back.
pub fn stops_after<'t>(stmt: Node<'t>, lp: Option<Node<'t>>, src: &[u8]) -> bool {
    if !stmt
        .parent()
        .is_some_and(|p| matches!(p.kind_str(), "block" | "statement_list"))
    {
        return false;
    }
    let mut scope = vec![stmt];
    let mut sib = stmt.next_named_sibling();
    while let Some(x) = sib {
        if x.kind_str() != "comment" {
            scope.push(x);
        }
        sib = x.next_named_sibling();
    }
    let last = *scope.last().expect("stmt itself");
    if last.id() == stmt.id() {
        return false;
    }
    let inside = |t: Node<'t>| scope.iter().any(|x| contains(*x, t));
    // The statement a jump leaves or continues: the one its label names,
    // or the nearest loop (continue) or breakable statement (break).
    let target = |j: Node<'t>| jump_target(j, src);
    // Leaving `lp` (or a loop around it) ends the passes for good.
    let leaves =
        |t: Node<'t>| t.kind_str() == "for_statement" && lp.is_some_and(|lp| contains(t, lp));
    let mut back = false;
    for x in &scope {
        visit(*x, &|n| n.kind_str() != "func_literal", &mut |n| {
            back |= match n.kind_str() {
                "goto_statement" => true,
                "continue_statement" => !target(n).is_some_and(inside),
                "break_statement" => !target(n).is_some_and(|t| inside(t) || leaves(t)),
                _ => false,
            };
        });
    }
    let ends = super::exits::stops_here(last, src)
        || (last.kind_str() == "break_statement" && target(last).is_some_and(leaves));
    !back && ends
}

/// The cases of a select statement: `case` arms and `default`.
pub fn select_cases(select: Node) -> Vec<Node> {
    let mut c = select.walk();
    select
        .named_children(&mut c)
        .filter(|k| matches!(k.kind_str(), "communication_case" | "default_case"))
        .collect()
}

/// The function literal a `go` statement runs (`go func(...) {...}(...)`).
pub fn go_literal(go: Node) -> Option<Node> {
    go.named_child(0)
        .and_then(|c| c.child_field("function"))
        .filter(|f| f.kind_str() == "func_literal")
}

/// The arguments of call `call`, comments left out.
pub fn arguments(call: Node) -> Vec<Node> {
    let Some(list) = call.child_field("arguments") else {
        return vec![];
    };
    let mut c = list.walk();
    list.named_children(&mut c)
        .filter(|n| n.kind_str() != "comment")
        .collect()
}

/// The `go` statement that runs function literal `literal` directly
/// (`go func() {...}()`), when that statement is in `func` itself.
pub fn go_running<'t>(literal: Node<'t>, func: Node<'t>) -> Option<Node<'t>> {
    literal
        .parent()
        .filter(|c| c.kind_str() == "call_expression" && c.child_field("function") == Some(literal))
        .and_then(|c| c.parent())
        .filter(|g| {
            g.kind_str() == "go_statement"
                && enclosing_function(*g).map(|f| f.id()) == Some(func.id())
        })
}

/// The kinds of node a fresh name must not spell: it would then shadow a
/// name the code uses, or be shadowed.
const NAMING: [&str; 3] = ["identifier", "package_identifier", "label_name"];

/// Every identifier spelled inside `scope` (`NAMING`): what `fresh_name`
/// avoids, by a walk; the test oracle of its text search.
#[cfg(test)]
pub fn identifiers_in(scope: Node, src: &[u8]) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    visit(scope, &|_| true, &mut |n| {
        if NAMING.contains(&n.kind_str()) {
            names.insert(text(n, src).to_string());
        }
    });
    names
}

/// Whether a node of kind `kind` under `top` spells exactly `word`.
fn spells(top: Node, word: &str, kind: &str, src: &[u8]) -> bool {
    crate::go::hidden::searches(top, word.as_bytes());
    spelled(top, word, kind, None, src).next().is_some()
}

/// `base`, `base2`, `base3`, ... : the first not used in `scope` and not
/// in `taken` (names other fixes already declare there). Each candidate is
/// looked for where the text writes it: collecting every identifier of a
/// big function (a string each) cost more than the rest of a fix.
pub fn fresh_name(
    base: &str,
    scope: Node,
    src: &[u8],
    taken: &std::collections::HashSet<String>,
) -> String {
    let used = |n: &str| NAMING.iter().any(|k| spells(scope, n, k, src));
    std::iter::once(base.to_string())
        .chain((2..).map(|i| format!("{base}{i}")))
        .find(|n| !taken.contains(n) && !used(n))
        .expect("an unused numbered name exists")
}

/// The parameter names of a function-like node, in order, with a flag for a
/// variadic parameter. Grouped parameters (`a, b int`) are expanded.
pub fn parameter_names(func: Node, src: &[u8]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let Some(params) = func.child_field("parameters") else {
        return out;
    };
    let mut cursor = params.walk();
    for decl in params.named_children(&mut cursor) {
        let variadic = decl.kind_str() == "variadic_parameter_declaration";
        let mut c2 = decl.walk();
        let names: Vec<String> = decl
            .children_by_field_name("name", &mut c2)
            .map(|n| text(n, src).to_string())
            .collect();
        if names.is_empty() {
            out.push(("_".to_string(), variadic));
        }
        for n in names {
            out.push((n, variadic));
        }
    }
    out
}

/// Names that a function-like node's own parameter list (and receiver)
/// declares.
pub fn declares_param(func: Node, name: &str, src: &[u8]) -> bool {
    if parameter_names(func, src).iter().any(|(n, _)| n == name) {
        return true;
    }
    if let Some(recv) = func.child_field("receiver") {
        let mut found = false;
        visit(recv, &|_| true, &mut |n| {
            if n.kind_str() == "identifier" && text(n, src) == name {
                found = true;
            }
        });
        return found;
    }
    false
}

/// Whether `b` can be part of a Go identifier (any byte of a multi-byte
/// UTF-8 letter counts): what a word boundary in source text is made of.
pub fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The statement a plain `break` at `brk` leaves: the nearest enclosing
/// `for`, `switch`, type switch or `select`.
pub fn break_target(brk: Node) -> Option<Node> {
    let mut cur = brk.parent();
    while let Some(n) = cur {
        if matches!(
            n.kind_str(),
            "for_statement"
                | "expression_switch_statement"
                | "type_switch_statement"
                | "select_statement"
        ) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// A `goto` whose jump crosses a position of its function (see
/// [`gotos_spanning`]).
#[derive(Debug, Clone, Copy)]
pub struct GotoSpan<'t> {
    /// The `goto_statement`.
    pub goto: Node<'t>,
    /// The `labeled_statement` it jumps to.
    pub label: Node<'t>,
    /// The label comes before the position and the `goto` at or after it:
    /// code placed at the position runs again on every jump. Otherwise the
    /// `goto` comes before the position and the label at or after it: the
    /// jump skips code placed there (and Go rejects a jump over a
    /// declaration into its scope).
    pub backward: bool,
}

/// The gotos of the function around `at` whose jump crosses byte `pos`
/// (code placed there, before whatever statement starts at `pos`). A label
/// that starts at `pos` itself is not crossed backward: code placed at
/// `pos` goes before it. Gotos in nested function literals are another
/// function's (a label is local to its function).
pub fn gotos_spanning<'t>(at: Node<'t>, pos: usize, src: &[u8]) -> Vec<GotoSpan<'t>> {
    let Some(body) = enclosing_function(at).and_then(|f| f.child_field("body")) else {
        return vec![];
    };
    // Asked for every candidate of a function: most have no `goto` at all.
    if memchr::memmem::find(&src[body.byte_range()], b"goto").is_none() {
        return vec![];
    }
    let mut labels: Vec<(&str, Node)> = Vec::new();
    let mut gotos: Vec<(&str, Node)> = Vec::new();
    visit(body, &|n| n.kind_str() != "func_literal", &mut |n| {
        let name = match n.kind_str() {
            "labeled_statement" => n.child_field("label"),
            "goto_statement" => n.named_child(0),
            _ => None,
        };
        if let Some(name) = name.filter(|l| l.kind_str() == "label_name") {
            let list = if n.kind_str() == "goto_statement" {
                &mut gotos
            } else {
                &mut labels
            };
            list.push((text(name, src), n));
        }
    });
    let mut out = Vec::new();
    for (name, goto) in gotos {
        let Some(&(_, label)) = labels.iter().find(|(l, _)| *l == name) else {
            continue;
        };
        let (l, g) = (label.start_byte(), goto.start_byte());
        let backward = l < pos && g >= pos;
        if backward || (g < pos && l >= pos) {
            out.push(GotoSpan {
                goto,
                label,
                backward,
            });
        }
    }
    out
}

/// The offset where the line holding `offset` starts.
pub fn line_start(src: &[u8], offset: usize) -> usize {
    src[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// `s` without its white space: how code is compared as text
/// (`<- ch` and `<-ch` alike).
pub fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// Leading whitespace of the line holding byte `offset`.
pub fn indent_at(src: &[u8], offset: usize) -> &str {
    let line_start = line_start(src, offset);
    let end = src[line_start..]
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .map_or(src.len(), |i| line_start + i);
    std::str::from_utf8(&src[line_start..end]).unwrap_or("")
}

/// 1-based line and 1-based byte column of `offset`, as Go tools print them.
pub fn line_col(src: &[u8], offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    // memchr's counting is many times faster than a byte loop; callers with
    // a node at hand should still prefer its `start_position()`.
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = offset - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// The name a function or method declaration declares.
pub fn decl_name<'a>(decl: Node, src: &'a [u8]) -> Option<&'a str> {
    decl.child_field("name").map(|n| text(n, src))
}

/// Generated files carry `// Code generated ... DO NOT EDIT.` before the
/// package clause (https://go.dev/s/generatedcode).
pub fn is_generated(src: &[u8]) -> bool {
    for line in src.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"package ") {
            return false;
        }
        if line.starts_with(b"// Code generated ") && line.ends_with(b" DO NOT EDIT.") {
            return true;
        }
    }
    false
}

/// The package name in a file's package clause, read from its text without
/// parsing: the first `package NAME` line outside comments.
pub fn package_clause(src: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(src).ok()?;
    let mut in_block = false;
    for line in text.lines() {
        let mut l = line.trim();
        if in_block {
            match l.find("*/") {
                Some(i) => {
                    in_block = false;
                    l = l[i + 2..].trim();
                }
                None => continue,
            }
        }
        while let Some(rest) = l.strip_prefix("/*") {
            match rest.find("*/") {
                Some(i) => l = rest[i + 2..].trim(),
                None => {
                    in_block = true;
                    l = "";
                }
            }
        }
        if l.is_empty() || l.starts_with("//") {
            continue;
        }
        return l
            .strip_prefix("package")
            .filter(|r| r.starts_with(char::is_whitespace))
            .and_then(|r| r.split_whitespace().next())
            .map(|n| n.trim_end_matches(';'));
    }
    None
}

/// The package name in the package clause.
pub fn package_name<'a>(tree: &Tree, src: &'a [u8]) -> Option<&'a str> {
    let root = tree.root_node();
    let mut cursor = root.walk();
    let clause = root
        .children(&mut cursor)
        .find(|c| c.kind_str() == "package_clause")?;
    let mut c2 = clause.walk();
    let ident = clause
        .named_children(&mut c2)
        .find(|c| c.kind_str() == "package_identifier")?;
    Some(text(ident, src))
}

/// Local names under which the file imports packages (alias or last path
/// element), so `pkg.F` can be told apart from `value.Method`.
///
/// Only the file's head is read: Go allows imports only before every other
/// declaration, and predicates ask for this once per finding, so walking all
/// top-level declarations made a file with thousands of functions quadratic
/// (a 1 MB file took 20 s).
pub fn import_names(tree: &Tree, src: &[u8]) -> Vec<(String, String)> {
    import_names_at(tree.root_node(), src)
}

/// [`import_names`] from the root node of a file's tree.
pub fn import_names_at(root: Node, src: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cursor = root.walk();
    for decl in root.children(&mut cursor) {
        match decl.kind_str() {
            "import_declaration" => {}
            "package_clause" | "comment" | "ERROR" => continue,
            _ => break,
        }
        visit(
            decl,
            &|n| matches!(n.kind_str(), "import_declaration" | "import_spec_list"),
            &mut |n| {
                if n.kind_str() == "import_spec" {
                    let path = n
                        .child_field("path")
                        .map(|p| {
                            text(p, src)
                                .trim_matches(|c| c == '"' || c == '`')
                                .to_string()
                        })
                        .unwrap_or_default();
                    let name = match n.child_field("name") {
                        Some(a) => text(a, src).to_string(),
                        None => path.rsplit('/').next().unwrap_or(&path).to_string(),
                    };
                    out.push((name, path));
                }
            },
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No statement or block is under a node `may_hold_statements` turns
    /// down, outside a function literal, in Go's files: and the walks it
    /// spares are most of some functions' nodes.
    #[test]
    fn expressions_hold_statements_only_in_function_literals() {
        let (mut spared, mut all) = (std::collections::HashSet::new(), 0usize);
        for f in [
            "net/http/server.go",
            "go/types/expr.go",
            "encoding/json/decode_test.go",
        ] {
            let src = crate::go::goroot_file(f, 1.0);
            let tree = parse(&src);
            visit(tree.root_node(), &|_| true, &mut |n| {
                all += 1;
                if may_hold_statements(n) {
                    return;
                }
                visit(n, &|m| m.kind_str() != "func_literal", &mut |m| {
                    if m.id() == n.id() {
                        return;
                    }
                    spared.insert(m.id());
                    let k = m.kind_str();
                    assert!(
                        !(k.ends_with("_statement") || k == "block" || k == "statement_list"),
                        "{f}: {k} under {}",
                        n.kind_str()
                    );
                });
            });
        }
        assert!(spared.len() * 4 > all, "{} of {all}", spared.len());
    }

    /// Every `for` statement of Go's files (`net/http`, `runtime`,
    /// `go/types`, `sync`, `time`, `os/exec`) lies in a span `loop_spans`
    /// gives for its declaration, or the declaration has a `goto`; and the
    /// spans leave most of the code out.
    #[test]
    fn loop_spans_hold_every_for_statement() {
        let go = crate::go::goroot_src();
        let (mut loops, mut code, mut outside, mut gotos) = (0, 0, 0, 0);
        for dir in ["net/http", "runtime", "go/types", "sync", "time", "os/exec"] {
            for e in std::fs::read_dir(go.join(dir)).unwrap() {
                let path = e.unwrap().path();
                if path.extension().is_none_or(|x| x != "go") {
                    continue;
                }
                let src = std::fs::read(&path).unwrap();
                let Some(chunks) = top_level_chunks(&src) else {
                    continue;
                };
                let tree = parse(&src);
                let mut fors = Vec::new();
                visit(tree.root_node(), &|_| true, &mut |n| {
                    if n.kind_str() == "for_statement" {
                        fors.push(n.byte_range());
                    }
                });
                for (r, _) in chunks.iter().filter(|(_, k)| *k == ChunkKind::Code) {
                    let spans = loop_spans(&src[r.clone()]);
                    code += r.len();
                    let Some(spans) = spans else {
                        gotos += 1;
                        continue;
                    };
                    let inside: usize = spans.iter().map(|s| s.len()).sum();
                    outside += r.len().saturating_sub(inside);
                    for f in fors.iter().filter(|f| r.start <= f.start && f.end <= r.end) {
                        let (start, end) = (f.start - r.start, f.end - r.start);
                        loops += 1;
                        assert!(
                            spans.iter().any(|s| s.start <= start && end <= s.end),
                            "{}: the for at byte {} is in no span of {spans:?}",
                            path.display(),
                            f.start
                        );
                    }
                }
            }
        }
        assert!(loops > 4_000 && gotos > 10, "{loops} {gotos}");
        assert!(
            outside * 2 > code,
            "{outside} of {code} bytes outside the spans"
        );
    }

    #[test]
    fn loop_spans_read_words_not_comments_or_strings() {
        fn spans(t: &str) -> Option<Vec<&str>> {
            loop_spans(t.as_bytes()).map(|v| v.iter().map(|r| &t[r.clone()]).collect())
        }
        let f = "func f() {\n\tfor x := range []int{1} {\n\t\tg()\n\t} // done\n\th()\n}\n";
        assert_eq!(
            spans(f),
            Some(vec!["for x := range []int{1} {\n\t\tg()\n\t} // done"])
        );
        // A multi-line header; `for` in a comment, a string, a rune, a
        // longer word; a loop in a function literal in the header.
        let g = "func g() {\n\t// for x\n\ts := \"for\" + `for` + string('f') + former\n\tfor i := 0; i < n &&\n\t\tok; i++ {\n\t}\n\tdone()\n}\n";
        assert_eq!(
            spans(g),
            Some(vec!["for i := 0; i < n &&\n\t\tok; i++ {\n\t}"])
        );
        let h =
            "func h() {\n\tfor range func() []int {\n\t\tfor {\n\t\t}\n\t}() {\n\t\tx()\n\t}\n}\n";
        let got = spans(h).unwrap();
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].ends_with("x()\n\t}"), "{got:?}");
        // Cut short: the loop runs to the end. A goto: anywhere.
        assert_eq!(spans("for {\n\tx()"), Some(vec!["for {\n\tx()"]));
        assert_eq!(spans("L:\n\tx()\n\tgoto L\n"), None);
        assert_eq!(spans("// goto L\nx := gotoX\n"), Some(vec![]));
    }

    /// The tables give what the binding gives (kind names, children by
    /// field, for every field name and one that is none), on every node of
    /// a big file of Go's and of a file that does not parse (ERROR, MISSING).
    #[test]
    fn kind_str_is_kind_and_child_field_is_child_by_field_name() {
        let lang = crate::go::grammar::language();
        let mut fields: Vec<&str> = (1..=lang.field_count() as u16)
            .filter_map(|id| lang.field_name_for_id(id))
            .collect();
        fields.push("no_such_field");
        let path = crate::go::goroot_src().join("net/http/server.go");
        let big = std::fs::read(path).unwrap();
        let broken = b"package p\nfunc f( {\n\tx := <-\n\tgo func() { ch <- }(\n}\n".to_vec();
        for src in [big, broken] {
            let tree = parse(&src);
            let mut seen = std::collections::HashSet::new();
            visit(tree.root_node(), &|_| true, &mut |n| {
                assert_eq!(n.kind_str(), n.kind(), "at {}", n.start_byte());
                for f in &fields {
                    assert_eq!(n.child_field(f), n.child_by_field_name(f), "{f}");
                }
                seen.insert(n.kind());
            });
            assert!(seen.len() > 20 || seen.contains("ERROR"), "{seen:?}");
        }
    }

    /// `points_of` gives the positions the line starts give, at every
    /// chunk boundary of a Go file and at offsets inside lines.
    #[test]
    fn points_of_match_line_starts() {
        let src = crate::go::goroot_file("sort/sort.go", 1.0);
        let lines = line_starts(&src);
        let mut offsets: Vec<usize> = top_level_chunks(&src)
            .expect("splits")
            .iter()
            .flat_map(|(r, _)| [r.start, r.end])
            .chain((0..src.len()).step_by(31))
            .chain([0, src.len()])
            .collect();
        offsets.sort_unstable();
        offsets.dedup();
        let points = points_of(&src, &offsets);
        assert!(offsets.len() > 300, "{}", offsets.len());
        for (&o, &p) in offsets.iter().zip(&points) {
            assert_eq!(p, point_at(&lines, o), "offset {o}");
        }
    }

    /// The kind-id tests answer as the kind's name, on every node of a file.
    #[test]
    fn kind_ids_are_kind_names() {
        let src = b"package p\n\nfunc f(x int) { g := func() { x++ }; goto L\nL:\n\tg(); _ = identifier }\n";
        let tree = parse(src);
        let mut seen = 0;
        visit(tree.root_node(), &|_| true, &mut |n| {
            assert_eq!(
                is_identifier(n),
                n.kind_str() == "identifier",
                "{}",
                n.kind_str()
            );
            assert_eq!(
                is_func_literal(n),
                n.kind_str() == "func_literal",
                "{}",
                n.kind_str()
            );
            assert_eq!(
                is_goto_statement(n),
                n.kind_str() == "goto_statement",
                "{}",
                n.kind_str()
            );
            seen += usize::from(is_identifier(n));
        });
        assert!(seen >= 5, "{seen}");
    }

    /// Every node of a few of Go's own files (same-range wrappers, comments,
    /// literals, a truncated copy that does not parse) against the root, and
    /// a sample against each of their ancestors.
    #[test]
    fn ancestors_until_is_the_walk_up() {
        let mut checked = 0;
        for (f, keep) in [
            ("sync/once.go", 1.0),
            ("net/http/transport.go", 1.0),
            ("runtime/proc.go", 0.37),
        ] {
            let src = &crate::go::goroot_file(f, keep);
            let tree = parse(src);
            assert_eq!(tree.root_node().has_error(), keep < 1.0, "{f}");
            let mut all = Vec::new();
            visit(tree.root_node(), &|_| true, &mut |n| all.push(n));
            for (i, &n) in all.iter().enumerate() {
                // Every ancestor for a sample of nodes, the root for all.
                let mut stops = vec![tree.root_node()];
                if i % 7 == 0 {
                    let mut p = n.parent();
                    while let Some(a) = p {
                        stops.push(a);
                        p = a.parent();
                    }
                }
                for stop in stops {
                    let ids = |v: Vec<Node>| v.iter().map(|x| x.id()).collect::<Vec<_>>();
                    assert_eq!(
                        ids(ancestors_until(n, stop)),
                        ids(walk_up(n, stop)),
                        "{f}: {} at {}",
                        n.kind_str(),
                        n.start_byte()
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    /// On every node of a few of Go's files (one cut short): the root is
    /// the tree's, and the enclosing function is the first one a walk up
    /// by `parent()` meets.
    #[test]
    fn enclosing_function_is_the_first_function_up() {
        let mut functions = 0;
        for (f, keep) in [("net/http/server.go", 1.0), ("runtime/proc.go", 0.43)] {
            let src = &crate::go::goroot_file(f, keep);
            let tree = parse(src);
            let mut all = Vec::new();
            visit(tree.root_node(), &|_| true, &mut |n| all.push(n));
            for n in all {
                assert_eq!(root_of(n).id(), tree.root_node().id());
                let mut up = n.parent();
                while up.is_some_and(|u| !is_function(u)) {
                    up = up.and_then(|u| u.parent());
                }
                let got = enclosing_function(n);
                assert_eq!(
                    got.map(|x| x.id()),
                    up.map(|x| x.id()),
                    "{f}: {} at {}",
                    n.kind_str(),
                    n.start_byte()
                );
                functions += usize::from(got.is_some());
            }
        }
        assert!(functions > 10_000, "{functions}");
    }

    #[test]
    fn gotos_spanning_a_position() {
        let src = b"package p\n\nfunc f(n int) {\nL:\n\tn++\n\tif n > 9 {\n\t\tgoto out\n\t}\n\tfor n < 3 {\n\t\tn++\n\t}\n\tgo func() {\n\tM:\n\t\tgoto M\n\t}()\n\tgoto L\nout:\n}\n";
        let tree = parse(src);
        let at = |needle: &str| {
            let pos = std::str::from_utf8(src).unwrap().find(needle).unwrap();
            let node = tree
                .root_node()
                .descendant_for_byte_range(pos, pos)
                .unwrap();
            (node, pos)
        };
        let spans = |needle: &str| {
            let (node, pos) = at(needle);
            gotos_spanning(node, pos, src)
                .iter()
                .map(|g| (text(g.goto, src).to_string(), g.backward))
                .collect::<Vec<_>>()
        };
        // Before the loop: `goto L` comes back over it, `goto out` jumps over it.
        assert_eq!(
            spans("for n < 3"),
            vec![
                ("goto out".to_string(), false),
                ("goto L".to_string(), true)
            ]
        );
        // At the label itself: code placed there runs once.
        assert_eq!(spans("L:"), vec![]);
        // A literal's labels are its own.
        assert_eq!(spans("goto M"), vec![("goto M".to_string(), true)]);
    }

    #[test]
    fn package_clause_without_parsing() {
        assert_eq!(
            package_clause(b"// Copyright\n\n//go:build linux\n\npackage foo\n"),
            Some("foo")
        );
        assert_eq!(
            package_clause(b"/* a\npackage fake\n*/\npackage real // x\n"),
            Some("real")
        );
        assert_eq!(
            package_clause(b"/* one */ package p_test\n"),
            Some("p_test")
        );
        assert_eq!(package_clause(b"packages\n"), None);
    }

    #[test]
    fn top_level_chunks_follow_declarations_not_strings_or_comments() {
        let src = "// Package p.\npackage p\n\nimport (\n\t\"fmt\"\n)\n\n// F does {.\nfunc F() {\n\ts := `}\n}`\n\tr := '}'\n\t/* ) */ fmt.Println(s, r, \"{\")\n}\n\nvar x = map[string]int{\n\t\"a\": 1,\n}\n";
        let chunks = top_level_chunks(src.as_bytes()).unwrap();
        let shown: Vec<(&str, ChunkKind)> = chunks
            .iter()
            .map(|(r, k)| (src[r.clone()].trim(), *k))
            .collect();
        use ChunkKind::*;
        assert_eq!(shown.len(), 9, "{shown:#?}");
        assert_eq!(shown[0], ("// Package p.", Comment));
        assert_eq!(shown[1], ("package p", Header));
        assert_eq!(shown[3], ("import (\n\t\"fmt\"\n)", Header));
        assert_eq!(shown[5], ("// F does {.", Comment));
        assert!(shown[6].0.starts_with("func F() {") && shown[6].0.ends_with('}'));
        assert_eq!(shown[6].1, Code);
        assert!(shown[8].0.starts_with("var x = map") && shown[8].1 == Code);
        // Pieces back to back cover the file.
        assert_eq!(chunks.last().unwrap().0.end, src.len());
        // The header's chunks are the first ones, through the first
        // declaration; all of them when a line after it starts `import`.
        let head = header_chunks(src.as_bytes()).unwrap();
        assert_eq!(head, chunks[..7]);
        assert_eq!(header_ranges(&head), header_ranges(&chunks));
        let late = format!("{src}import \"os\"\n");
        assert_eq!(
            header_chunks(late.as_bytes()),
            top_level_chunks(late.as_bytes())
        );
        let bom = top_level_chunks("\u{feff}package p\n".as_bytes()).unwrap();
        assert_eq!(bom[0].1, Header);
        // Brackets that do not pair up, or a string that never ends: the
        // file does not parse, and the caller parses all of it.
        for bad in [
            "package p\nfunc f() {\n",
            "package p\nfunc f() )\n",
            "package p\nvar s = `x\n",
        ] {
            assert!(top_level_chunks(bad.as_bytes()).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn parsing_kept_declarations_keeps_their_offsets() {
        let src = "package p\n\nfunc a() {}\n\n// B.\nfunc b() { go f() }\n\nfunc c() {}\n";
        let chunks = top_level_chunks(src.as_bytes()).unwrap();
        let keep = chunks
            .iter()
            .map(|(r, k)| *k == ChunkKind::Header || src[r.clone()].contains("go "))
            .collect();
        let ranges = kept_ranges(&chunks, keep);
        let tree = parse_ranges(src.as_bytes(), &ranges);
        let root = tree.root_node();
        assert!(!root.has_error(), "{}", root.to_sexp());
        let mut c = root.walk();
        let kinds: Vec<(&str, &str)> = root
            .named_children(&mut c)
            .map(|n| (n.kind_str(), text(n, src.as_bytes())))
            .collect();
        assert_eq!(
            kinds,
            [
                ("package_clause", "package p"),
                ("comment", "// B."),
                ("function_declaration", "func b() { go f() }"),
            ]
        );
    }

    /// Every node of `t`, in document order: kind, bytes, start position.
    fn nodes(t: &Tree) -> Vec<(u16, std::ops::Range<usize>, Point)> {
        let mut out = Vec::new();
        visit(t.root_node(), &|_| true, &mut |n| {
            out.push((n.kind_id(), n.byte_range(), n.start_position()));
        });
        out
    }

    /// The identifiers under `n` spelling `word`, each with its ancestors
    /// strictly below `top` (innermost first), by a walk that does not
    /// enter nodes of kind `skip`: what `written` and `written_outside`
    /// must find.
    fn walked<'t>(
        n: Node<'t>,
        word: &str,
        skip: Option<&str>,
        src: &[u8],
        path: &mut Vec<Node<'t>>,
        out: &mut Vec<(usize, Vec<usize>)>,
    ) {
        let mut c = n.walk();
        for child in n.children(&mut c) {
            if skip == Some(child.kind_str()) {
                continue;
            }
            if child.kind_str() == "identifier" && &src[child.byte_range()] == word.as_bytes() {
                out.push((child.id(), path.iter().rev().map(|a| a.id()).collect()));
            }
            path.push(child);
            walked(child, word, skip, src, path, out);
            path.pop();
        }
    }

    /// Calls `f` with every function (declaration, method, literal) of the
    /// Go files of `dirs` in Go's tree, with its file's path and text.
    fn each_function(dirs: &[&str], f: &mut dyn FnMut(&std::path::Path, &[u8], Node)) {
        for dir in dirs {
            for path in crate::go::goroot_go_files(dir) {
                let src = std::fs::read(&path).unwrap();
                let tree = parse(&src);
                let mut funcs = Vec::new();
                visit(tree.root_node(), &|_| true, &mut |n| {
                    if is_function(n) {
                        funcs.push(n);
                    }
                });
                for func in funcs {
                    f(&path, &src, func);
                }
            }
        }
    }

    const SOME_DIRS: [&str; 4] = ["context", "sync", "net/http/httptest", "go/format"];

    #[test]
    fn a_search_from_the_last_place_finds_what_a_walk_finds() {
        // Every function body of some of Go's files and every name it
        // spells: the search that starts each descent where the last one
        // left off finds the walk's identifiers with the walk's ancestors,
        // and, skipping function literals, only those outside them.
        let mut asked = 0;
        each_function(&SOME_DIRS, &mut |path, src, func| {
            let Some(body) = func.child_field("body") else {
                return;
            };
            for name in identifiers_in(body, src) {
                for skip in [None, Some("func_literal")] {
                    let mut want = Vec::new();
                    walked(body, &name, skip, src, &mut Vec::new(), &mut want);
                    let found = match skip {
                        None => written(body, &name, "identifier", src),
                        Some(k) => written_outside(body, &name, "identifier", k, src),
                    };
                    let found: Vec<(usize, Vec<usize>)> = found
                        .iter()
                        .map(|(n, ups)| (n.id(), ups.iter().map(|a| a.id()).collect()))
                        .collect();
                    assert_eq!(found, want, "{name} in {}", path.display());
                    asked += 1;
                }
            }
        });
        assert!(asked > 5000, "{asked}");
    }

    #[test]
    fn a_fresh_name_avoids_what_a_walk_of_the_scope_finds() {
        // Every function of some of Go's files, asked for every name it
        // spells (and a few it may not): the text search says "used"
        // exactly when the walk's set holds the name.
        let mut asked = 0;
        each_function(&SOME_DIRS, &mut |path, src, f| {
            let walked = identifiers_in(f, src);
            let mut names: Vec<String> = walked.iter().cloned().collect();
            names.extend(["ctx", "r", "timer", "done", "err2", "t"].map(String::from));
            names.extend(walked.iter().map(|n| format!("{n}2")));
            for n in names {
                let by_text = NAMING.iter().any(|k| spells(f, &n, k, src));
                assert_eq!(by_text, walked.contains(&n), "{n} in {}", path.display());
                asked += 1;
            }
            let none = std::collections::HashSet::new();
            let fresh = fresh_name("ctx", f, src, &none);
            assert!(!walked.contains(&fresh), "{fresh} in {}", path.display());
        });
        assert!(asked > 5000, "{asked}");
    }

    #[test]
    fn a_partial_parse_grown_from_the_last_equals_a_fresh_one() {
        // The check adds the declarations a lookup wants to its partial
        // parse and parses again from the last tree; Go's own files, grown
        // twice from every third declaration, give node for node the tree
        // a fresh parse of the same ranges gives.
        let (mut files, mut grown) = (0, 0);
        for dir in ["net/http", "go/types", "runtime", "sync", "context"] {
            for path in crate::go::goroot_go_files(dir) {
                let src = std::fs::read(&path).unwrap();
                let Some(chunks) = top_level_chunks(&src) else {
                    continue;
                };
                let keep_every = |k: usize| -> Vec<bool> {
                    chunks
                        .iter()
                        .enumerate()
                        .map(|(i, (_, kind))| *kind == ChunkKind::Header || i % k == 0)
                        .collect()
                };
                let a = keep_every(3);
                let b: Vec<bool> = a
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| x || i % 5 == 1)
                    .collect();
                let c: Vec<bool> = keep_every(2)
                    .iter()
                    .zip(&b)
                    .map(|(&x, &y)| x || y)
                    .collect();
                files += 1;
                let mut last = parse_ranges(&src, &kept_ranges(&chunks, a));
                for keep in [b, c] {
                    let ranges = kept_ranges(&chunks, keep);
                    let again = reparse_ranges(&src, &ranges, Some(&last));
                    let fresh = parse_ranges(&src, &ranges);
                    assert_eq!(
                        nodes(&again),
                        nodes(&fresh),
                        "{} grown to {} ranges",
                        path.display(),
                        ranges.len()
                    );
                    grown += 1;
                    last = again;
                }
            }
        }
        assert!(
            files > 700 && grown == 2 * files,
            "{files} files, {grown} grown"
        );
    }

    #[test]
    fn a_declaration_parsed_from_the_header_alone_equals_a_fresh_parse() {
        // A lookup in a sibling file parses one declaration with the
        // file's header, starting from the header's own parse; Go's own
        // files, every fifth declaration, give node for node the tree a
        // fresh parse of the same ranges gives.
        let mut parsed = 0;
        for dir in ["net/http", "go/types", "runtime", "sync", "context"] {
            for path in crate::go::goroot_go_files(dir) {
                let src = std::fs::read(&path).unwrap();
                let Some(chunks) = top_level_chunks(&src) else {
                    continue;
                };
                let header = header_ranges(&chunks);
                let head = parse_ranges(&src, &header);
                let code = chunks.iter().filter(|(_, k)| *k == ChunkKind::Code);
                for (r, _) in code.step_by(5) {
                    let mut ranges = header.clone();
                    ranges.push(r.clone());
                    ranges.sort_by_key(|r| r.start);
                    let from_head = reparse_ranges(&src, &ranges, Some(&head));
                    let fresh = parse_ranges(&src, &ranges);
                    assert_eq!(nodes(&from_head), nodes(&fresh), "{} {r:?}", path.display());
                    parsed += 1;
                }
            }
        }
        assert!(parsed > 3000, "{parsed} declarations");
    }

    #[test]
    fn reparse_equals_a_fresh_parse() {
        let old = "package p\n\nfunc f() {\n\tx := 1\n\t_ = x\n}\n\nfunc g() {}\n";
        let tree = parse(old.as_bytes());
        let edits = [
            (
                old.find("x := 1").unwrap(),
                old.find("x := 1").unwrap() + 6,
                "x := 2\n\ty := 3\n\t_ = y",
            ),
            (old.len() - 2, old.len() - 2, "\n\tgo f()\n"),
        ];
        let mut new = old.to_string();
        for &(s, e, t) in edits.iter().rev() {
            new.replace_range(s..e, t);
        }
        let inc = reparse(tree, old.as_bytes(), &edits, new.as_bytes());
        assert_eq!(
            inc.root_node().to_sexp(),
            parse(new.as_bytes()).root_node().to_sexp()
        );
    }
}
