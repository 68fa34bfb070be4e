//! Trimming one large top-level declaration down to the lines near some
//! offsets, read without parsing: the statements (fields, elements) far
//! from them are left out, the brackets around them stay. A merge checks
//! that its edits parse by parsing what they touch; a Ginkgo test file is
//! one `var _ = Describe(..., func() { ... })` spanning the whole file, and
//! parsing all of it again for a fix of three lines was a fifth of a run
//! on such a module. A package-wide scan of a field's uses parses a large
//! method only around the places that write the field's name.
//!
//! The cut points are where Go's lexer ends a statement: a line break
//! inside a `{ }` (no `(` or `[` open within it) after a token that takes
//! an automatic semicolon. Dropping whole units between such points keeps
//! the rest valid Go, with its real offsets; where the text is odder than
//! that, the parse has an error and the caller parses more.

use super::syntax::{CHUNK_BYTES, is_ident_byte, skip_literal};
use std::ops::Range;

/// A `{ }` of the declaration: where it opens and closes, where the units
/// directly inside it may be cut apart (just after a line break), and the
/// block it sits in.
struct Block {
    open: usize,
    close: usize,
    cuts: Vec<usize>,
    parent: Option<usize>,
}

impl Block {
    /// The units directly inside the braces, from just after `{` to `}`.
    fn units(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        let starts = std::iter::once(self.open + 1).chain(self.cuts.iter().copied());
        let ends = self.cuts.iter().copied().chain(std::iter::once(self.close));
        starts.zip(ends).map(|(s, e)| s..e)
    }
}

/// The blocks of `src[range]` in the order they open; None when its
/// brackets do not pair up or a literal or comment never ends.
fn blocks(src: &[u8], range: Range<usize>) -> Option<Vec<Block>> {
    let mut out: Vec<Block> = Vec::new();
    // Open brackets, and for a `{` its block.
    let mut open: Vec<(u8, Option<usize>)> = Vec::new();
    // The last comment passed: a statement can end before one.
    let mut comment = (0usize, 0usize);
    let mut i = range.start;
    while i < range.end {
        while i < range.end && !CHUNK_BYTES[src[i] as usize] {
            i += 1;
        }
        if i == range.end {
            break;
        }
        if let Some((end, closed)) = skip_literal(src, i) {
            if !closed || end > range.end {
                return None;
            }
            if src[i] == b'/' {
                comment = (i, end);
            }
            i = end;
            continue;
        }
        match src[i] {
            b'{' => {
                let parent = open.iter().rev().find_map(|&(_, k)| k);
                out.push(Block {
                    open: i,
                    close: i,
                    cuts: Vec::new(),
                    parent,
                });
                open.push((b'{', Some(out.len() - 1)));
            }
            b @ (b'(' | b'[') => open.push((b, None)),
            b @ (b'}' | b')' | b']') => {
                let want = match b {
                    b'}' => b'{',
                    b')' => b'(',
                    _ => b'[',
                };
                let (was, block) = open.pop()?;
                if was != want {
                    return None;
                }
                if let Some(k) = block {
                    out[k].close = i;
                }
            }
            b'\n' => {
                if let Some(&(b'{', Some(k))) = open.last()
                    && ends_statement(src, out[k].open, i, comment)
                {
                    out[k].cuts.push(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    open.is_empty().then_some(out)
}

/// Whether Go's lexer puts a semicolon at the line break `nl`: the line's
/// last token (before blank space and a trailing comment, after `from`)
/// is an identifier, keyword, number, string, rune, `)`, `]`, `}`, `++`
/// or `--`. Words that take none (`else`, `func`) never end a line of
/// valid Go.
fn ends_statement(src: &[u8], from: usize, nl: usize, comment: (usize, usize)) -> bool {
    let blank_back = |mut j: usize| {
        while j > from && matches!(src[j - 1], b' ' | b'\t' | b'\r') {
            j -= 1;
        }
        j
    };
    let mut j = blank_back(nl);
    if comment.1 == j && comment.0 > from {
        j = blank_back(comment.0);
    }
    if j <= from + 1 {
        return false;
    }
    match src[j - 1] {
        b')' | b']' | b'}' | b'"' | b'\'' | b'`' => true,
        b @ (b'+' | b'-') => src[j - 2] == b,
        b => is_ident_byte(b),
    }
}

/// A unit's text from its first token on (past blank space and comments).
fn first_token(unit: &[u8]) -> &[u8] {
    let mut t = unit;
    loop {
        t = t.trim_ascii_start();
        if t.first() != Some(&b'/') {
            break;
        }
        match skip_literal(t, 0) {
            Some((end, _)) => t = &t[end.min(t.len())..],
            None => break,
        }
    }
    t
}

/// Whether a unit starts with `case` or `default`: it opens a case of a
/// switch or select.
fn opens_case(unit: &[u8]) -> bool {
    starts_with_word(unit, &[b"case", b"default"])
}

/// Whether a unit's first token is one of `words`.
fn starts_with_word(unit: &[u8], words: &[&[u8]]) -> bool {
    let t = first_token(unit);
    words
        .iter()
        .any(|w| t.starts_with(w) && t.get(w.len()).is_none_or(|&b| !is_ident_byte(b)))
}

/// Declarations longer than this are worth trimming: below it a parse of
/// all of one costs less than finding its units.
pub const WORTH_TRIMMING: usize = 1024;

/// The parts of `src[chunk]` (one top-level declaration) to parse so that
/// the bytes in `near` are parsed with every bracket around them: each
/// unit of a block that no range of `near` overlaps is left out, and so is
/// everything inside it. Sorted, not overlapping, within `chunk`. None when
/// the declaration does not scan.
pub fn trimmed(
    src: &[u8],
    chunk: Range<usize>,
    near: &[Range<usize>],
) -> Option<Vec<Range<usize>>> {
    let blocks = blocks(src, chunk.clone())?;
    let overlaps = |r: &Range<usize>| near.iter().any(|n| n.start < r.end && r.start < n.end);
    // Per block: the units left out of it, in order; a block opening in
    // one of its parent's goes with it.
    let mut dropped: Vec<Option<Vec<Range<usize>>>> = Vec::with_capacity(blocks.len());
    let mut bare_block = false;
    for b in &blocks {
        let live = match b.parent {
            None => true,
            Some(p) => dropped[p].as_ref().is_some_and(|out| {
                let k = out.partition_point(|r| r.end <= b.open);
                out.get(k).is_none_or(|r| r.start > b.open)
            }),
        };
        dropped.push(live.then(|| {
            let units: Vec<Range<usize>> = b.units().collect();
            let mut keep: Vec<bool> = units.iter().map(overlaps).collect();
            // A statement of a switch or select case keeps the unit that
            // opens its case: without it the statement would sit right
            // in the switch's braces.
            let mut head = None;
            for (k, u) in units.iter().enumerate() {
                if opens_case(&src[u.clone()]) {
                    head = Some(k);
                } else if let (true, Some(h)) = (keep[k], head) {
                    keep[h] = true;
                }
            }
            // A bare block `{ ... }` right after a statement whose own
            // block was emptied would be read as that block, and the
            // emptied braces as a composite literal (`for ... l.next {}`
            // then `{`): without error, and wrong. Such a declaration is
            // not trimmed. (A block of statements has cuts; a composite
            // literal's braces, whose one unit may well start with `{`,
            // have none.)
            if !b.cuts.is_empty()
                && units
                    .iter()
                    .zip(&keep)
                    .any(|(u, &k)| k && first_token(&src[u.clone()]).starts_with(b"{"))
            {
                bare_block = true;
            }
            units
                .into_iter()
                .zip(keep)
                .filter(|(_, k)| !k)
                .map(|(u, _)| u)
                .collect()
        }));
    }
    if bare_block {
        return None;
    }
    let mut gaps: Vec<Range<usize>> = dropped.into_iter().flatten().flatten().collect();
    gaps.sort_unstable_by_key(|r| r.start);
    let mut kept = Vec::new();
    let mut at = chunk.start;
    for g in gaps {
        if g.start > at {
            kept.push(at..g.start);
        }
        at = at.max(g.end);
    }
    if at < chunk.end {
        kept.push(at..chunk.end);
    }
    Some(kept)
}

/// What `lex` reads of one declaration: where its function bodies open
/// (each with where its `func` keyword is), where the anchor words are
/// written as code, and whether it has a `goto`.
struct Lexed {
    bodies: Vec<(usize, usize)>,
    anchors: Vec<usize>,
    goto: bool,
}

/// The token before the one being read, as far as telling a func literal
/// from a func type needs.
#[derive(Clone, Copy)]
enum Prev {
    Start,
    /// `(`, `{`, `,`, `;`, `=`, `:`, `!`, `&`, `|`: an expression may
    /// start after it.
    Opens,
    Word(usize, usize),
    /// Any other token, by its last byte.
    Other(u8),
}

/// Reads `src[range]` as Go's lexer would, without parsing. A `func` that
/// starts an expression (after `(`, `,`, `=`, `:`, `{`, `go`, `defer`,
/// `return`, or at the start of a line) opens a function whose body is
/// the first `{` at its depth not right after `struct` or `interface`; a
/// `func` after a name, `]` or `chan` is a type (`f func()`,
/// `[]func(){...}`), and so is one whose line or list ends before a `{`.
/// When unsure it reads no body, which only trims less. None when a
/// literal never ends or a bracket closes nothing.
fn lex(src: &[u8], range: Range<usize>, anchors: &[&[u8]]) -> Option<Lexed> {
    let mut out = Lexed {
        bodies: Vec::new(),
        anchors: Vec::new(),
        goto: false,
    };
    let word = |p: Prev, w: &[&[u8]]| matches!(p, Prev::Word(a, b) if w.contains(&&src[a..b]));
    let mut depth = 0usize;
    // The `func`s read whose body has not opened: their depth and place.
    let mut pending: Vec<(usize, usize)> = Vec::new();
    let mut prev = Prev::Start;
    let mut line_start = true;
    let mut i = range.start;
    while i < range.end {
        let b = src[i];
        match b {
            b' ' | b'\t' | b'\r' => i += 1,
            b'\n' => {
                let ends = match prev {
                    Prev::Word(..) => true,
                    Prev::Other(b) => matches!(b, b')' | b']' | b'}' | b'"' | b'+' | b'-'),
                    _ => false,
                };
                if ends && pending.last().is_some_and(|&(d, _)| d == depth) {
                    pending.pop();
                }
                line_start = true;
                i += 1;
            }
            b'/' | b'"' | b'\'' | b'`' if skip_literal(src, i).is_some() => {
                let (end, closed) = skip_literal(src, i)?;
                if !closed || end > range.end {
                    return None;
                }
                if b != b'/' {
                    prev = Prev::Other(b'"');
                    line_start = false;
                }
                i = end;
            }
            b if is_ident_byte(b) => {
                let s = i;
                while i < range.end && is_ident_byte(src[i]) {
                    i += 1;
                }
                let w = &src[s..i];
                if w == b"func"
                    && (line_start
                        || matches!(prev, Prev::Start | Prev::Opens)
                        || word(prev, &[b"go", b"defer", b"return"]))
                {
                    pending.push((depth, s));
                } else if w == b"goto" {
                    out.goto = true;
                }
                if anchors.contains(&w) {
                    out.anchors.push(s);
                }
                prev = Prev::Word(s, i);
                line_start = false;
            }
            _ => {
                match b {
                    b'{' => {
                        if let Some(&(d, f)) = pending.last()
                            && d == depth
                            && !word(prev, &[b"struct", b"interface"])
                        {
                            out.bodies.push((i, f));
                            pending.pop();
                        }
                        depth += 1;
                    }
                    b'(' | b'[' => depth += 1,
                    b')' | b']' | b'}' => {
                        depth = depth.checked_sub(1)?;
                        while pending.last().is_some_and(|&(d, _)| d > depth) {
                            pending.pop();
                        }
                    }
                    b',' | b';' | b'=' if pending.last().is_some_and(|&(d, _)| d == depth) => {
                        pending.pop();
                    }
                    _ => {}
                }
                prev = match b {
                    b'(' | b'{' | b',' | b';' | b'=' | b':' | b'!' | b'&' | b'|' => Prev::Opens,
                    _ => Prev::Other(b),
                };
                line_start = false;
                i += 1;
            }
        }
    }
    Some(out)
}

/// The words the code of `text` writes (identifiers and keywords, after a
/// `.` too), comments and literals left out.
fn code_words(text: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if let Some((end, _)) = skip_literal(text, i) {
            i = end.max(i + 1);
        } else if is_ident_byte(b) {
            let s = i;
            while i < text.len() && is_ident_byte(text[i]) {
                i += 1;
            }
            if !b.is_ascii_digit() {
                out.push(&text[s..i]);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// The names a statement of a function body may declare in that body's
/// scope, over-counted: for a `var`, `const` or `type` statement every
/// word of it; else the words before a `:=` or a label's `:` outside
/// brackets (which over-counts `for i :=` and `if v :=`, whose names
/// live only inside them).
fn declared_by(unit: &[u8]) -> Vec<&[u8]> {
    if starts_with_word(unit, &[b"var", b"const", b"type"]) {
        return code_words(unit);
    }
    let mut words = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < unit.len() {
        let b = unit[i];
        if let Some((end, _)) = skip_literal(unit, i) {
            i = end.max(i + 1);
            continue;
        }
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b':' if depth == 0 && unit.get(i + 1) != Some(&b':') => return words,
            b if depth == 0 && is_ident_byte(b) => {
                let s = i;
                while i < unit.len() && is_ident_byte(unit[i]) {
                    i += 1;
                }
                words.push(&unit[s..i]);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Vec::new()
}

/// The names a statement may declare anywhere in it, over-counted: the
/// names written right before each `:=` (`a, b :=`), and every word of a
/// `var`, `const` or `type` declaration (to its line's end, or its
/// parentheses' close).
fn declared_anywhere(unit: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    // The names just read, separated by commas.
    let mut run: Vec<&[u8]> = Vec::new();
    let mut comma = false;
    let mut i = 0;
    while i < unit.len() {
        let b = unit[i];
        if let Some((end, _)) = skip_literal(unit, i) {
            i = end.max(i + 1);
            run.clear();
            continue;
        }
        if is_ident_byte(b) {
            let s = i;
            while i < unit.len() && is_ident_byte(unit[i]) {
                i += 1;
            }
            let w = &unit[s..i];
            if matches!(w, b"var" | b"const" | b"type") {
                let rest = unit[i..].trim_ascii_start();
                let end = match rest.first() {
                    Some(b'(') => closing(rest).map_or(rest.len(), |j| j + 1),
                    _ => memchr::memchr(b'\n', rest).unwrap_or(rest.len()),
                };
                out.extend(code_words(&rest[..end]));
            }
            if !comma {
                run.clear();
            }
            run.push(w);
            comma = false;
            continue;
        }
        match b {
            b',' => comma = true,
            b':' if unit.get(i + 1) == Some(&b'=') => {
                out.append(&mut run);
                comma = false;
                i += 1;
            }
            b' ' | b'\t' | b'\r' => {}
            b'\n' if comma => {}
            _ => {
                run.clear();
                comma = false;
            }
        }
        i += 1;
    }
    out
}

/// Where the bracket `text` starts with closes, past strings, runes and
/// comments (a `")"` in a `var` block does not end it).
fn closing(text: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        if let Some((end, _)) = skip_literal(text, i) {
            i = end.max(i + 1);
            continue;
        }
        match text[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The names a function's signature (`func` up to its body) may give its
/// receiver, parameters and results: the words inside its brackets that
/// are not a qualified type's parts (`testing.T`).
fn declared_by_signature(sig: &[u8]) -> Vec<&[u8]> {
    let mut words = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < sig.len() {
        let b = sig[i];
        match b {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b if depth > 0 && is_ident_byte(b) => {
                let s = i;
                while i < sig.len() && is_ident_byte(sig[i]) {
                    i += 1;
                }
                let dotted = (s > 0 && sig[s - 1] == b'.') || sig.get(i) == Some(&b'.');
                if !dotted {
                    words.push(&sig[s..i]);
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    words
}

/// A declaration trimmed for a check (`around_functions`): what was left
/// out, and the names that a question about it must not trust the trimmed
/// parse for.
#[derive(Debug, Default)]
pub struct Trim {
    /// The statements left out, sorted, not overlapping.
    pub dropped: Vec<Range<usize>>,
    /// Names declared directly in a trimmed function body (by any of its
    /// statements, left out or kept) or by that function's signature:
    /// where a name resolves, some of its declarations or uses may be
    /// left out.
    pub scoped: Vec<Vec<u8>>,
    /// `scoped`, and every name a left-out statement may declare anywhere
    /// in it: what a search of a function's declarations of a name, in
    /// all of its blocks, may miss.
    pub declared: Vec<Vec<u8>>,
    /// Every word the code left out writes.
    pub written: Vec<Vec<u8>>,
}

/// Declarations longer than this are worth trimming for a check.
pub const WORTH_TRIMMING_FOR_CHECK: usize = 4096;

/// What to leave out of one top-level declaration, `src[chunk]`, for a
/// check of the rules whose matches write one of `anchors` (words): in
/// each function body that holds an anchor only inside the functions
/// nested in it (a Ginkgo `Describe`, `Context`, a test that runs
/// subtests), the statements holding no anchor. The function body each
/// anchor is written directly in is kept whole, with all inside it, and
/// so are the statements of a trimmed body that hold an anchor. The
/// brackets and signatures around stay: what is kept parses as the same
/// nodes with the same ancestors.
///
/// None when nothing is left out, when the declaration does not scan, has
/// a `goto` (a label may be left out), or keeps a statement that starts
/// with `{` (after left-out lines a bare block can parse as part of the
/// statement before it).
pub fn around_functions(src: &[u8], chunk: Range<usize>, anchors: &[&[u8]]) -> Option<Trim> {
    let lexed = lex(src, chunk.clone(), anchors)?;
    if lexed.goto || lexed.anchors.is_empty() {
        return None;
    }
    let blocks = blocks(src, chunk)?;
    let signature: Vec<Option<usize>> = blocks
        .iter()
        .map(|b| {
            lexed
                .bodies
                .binary_search_by_key(&b.open, |&(open, _)| open)
                .ok()
                .map(|k| lexed.bodies[k].1)
        })
        .collect();
    let n = blocks.len();
    let (mut whole, mut holds) = (vec![false; n], vec![false; n]);
    for &p in &lexed.anchors {
        // The innermost block holding `p`: the last to open before it,
        // or one around that.
        let mut k = blocks.partition_point(|b| b.open < p).checked_sub(1);
        while let Some(j) = k.filter(|&j| blocks[j].close < p) {
            k = blocks[j].parent;
        }
        let mut f = k;
        while let Some(j) = f.filter(|&j| signature[j].is_none()) {
            f = blocks[j].parent;
        }
        if let Some(f) = f {
            whole[f] = true;
        }
        while let Some(j) = k {
            holds[j] = true;
            k = blocks[j].parent;
        }
    }
    let mut inside_whole = vec![false; n];
    let mut trim = Trim::default();
    let (mut scoped, mut declared, mut written) = (Vec::new(), Vec::new(), Vec::new());
    for k in 0..n {
        inside_whole[k] = blocks[k]
            .parent
            .is_some_and(|p| whole[p] || inside_whole[p]);
        let Some(func) = signature[k] else { continue };
        if !holds[k] || whole[k] || inside_whole[k] {
            continue;
        }
        scoped.extend(declared_by_signature(&src[func..blocks[k].open]));
        for u in blocks[k].units() {
            let text = &src[u.clone()];
            if text.trim_ascii().is_empty() {
                continue;
            }
            scoped.extend(declared_by(text));
            let i = lexed.anchors.partition_point(|&a| a < u.start);
            if lexed.anchors.get(i).is_some_and(|&a| a < u.end) {
                if first_token(text).starts_with(b"{") {
                    return None;
                }
            } else {
                written.extend(code_words(text));
                declared.extend(declared_anywhere(text));
                trim.dropped.push(u);
            }
        }
    }
    if trim.dropped.is_empty() {
        return None;
    }
    trim.dropped.sort_unstable_by_key(|r| r.start);
    let owned = |mut w: Vec<&[u8]>| {
        w.sort_unstable();
        w.dedup();
        w.into_iter().map(<[u8]>::to_vec).collect()
    };
    declared.extend_from_slice(&scoped);
    trim.scoped = owned(scoped);
    trim.declared = owned(declared);
    trim.written = owned(written);
    Some(trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept_text(src: &str, near: &[&str]) -> String {
        let near: Vec<Range<usize>> = near
            .iter()
            .map(|n| {
                let s = src.find(n).expect("in the source");
                s..s + n.len()
            })
            .collect();
        let kept = trimmed(src.as_bytes(), 0..src.len(), &near).expect("scans");
        kept.iter().map(|r| &src[r.clone()]).collect()
    }

    /// The node at `o` in a parse of the `kept` ranges and in a whole
    /// parse (`trees`) has the same ancestors: the same kinds, and the
    /// same bytes where a node lies inside what was kept (one holding
    /// left-out bytes keeps only its kind: a statement list ends at its
    /// last kept statement; the root is the file in either tree).
    fn assert_same_ancestors(
        (part, whole): (&tree_sitter::Tree, &tree_sitter::Tree),
        kept: &[Range<usize>],
        o: usize,
        place: &str,
    ) {
        let chain = |t: &tree_sitter::Tree| {
            let mut n = t.root_node().descendant_for_byte_range(o, o + 1);
            let mut out = Vec::new();
            while let Some(x) = n.filter(|x| x.parent().is_some()) {
                out.push((x.kind_id(), x.byte_range()));
                // Where a comment hangs depends on the tokens around it;
                // only it is read.
                if x.kind() == "comment" {
                    break;
                }
                n = x.parent();
            }
            out
        };
        let inside = |r: &Range<usize>| kept.iter().any(|k| k.start <= r.start && r.end <= k.end);
        let (p, w) = (chain(part), chain(whole));
        assert_eq!(p.len(), w.len(), "{place}");
        for ((pk, pr), (wk, wr)) in p.iter().zip(&w) {
            assert_eq!(pk, wk, "{place}");
            if inside(wr) {
                assert_eq!(pr, wr, "{place}");
            }
        }
    }

    #[test]
    fn units_far_from_the_offsets_are_left_out_with_everything_in_them() {
        let src = "var _ = Describe(\"x\", func() {\n\tvar c int\n\tIt(\"a\", func() {\n\t\tc++\n\t})\n\tIt(\"b\", func() {\n\t\tx := a +\n\t\t\tb\n\t\tgo f(x) // go\n\t})\n})\n";
        assert_eq!(
            kept_text(src, &["go f"]),
            "var _ = Describe(\"x\", func() {\tIt(\"b\", func() {\t\tgo f(x) // go\n})\n})\n"
        );
        // A line that goes on (`a +`) is not a place to cut.
        assert_eq!(
            kept_text(src, &["\t\t\tb"]),
            "var _ = Describe(\"x\", func() {\tIt(\"b\", func() {\n\t\tx := a +\n\t\t\tb\n})\n})\n"
        );
        assert_eq!(kept_text(src, &[]), "var _ = Describe(\"x\", func() {})\n");
    }

    /// Emptied, the braces of `for ...; l = l.next {` followed by a bare
    /// block would parse, without an error, as a composite literal
    /// `l.next{}` with the bare block as the loop's body
    /// (runtime/debuglog.go has this shape): a declaration holding a bare
    /// block is not trimmed. The same code with an `if` there is.
    #[test]
    fn a_declaration_with_a_bare_block_is_not_trimmed() {
        let src = "func f() {\n\tfor l := all; l != nil; l = l.next {\n\t\tn++\n\t}\n\t{\n\t\tl = l.next\n\t}\n}\n";
        let near: Vec<Range<usize>> = src
            .match_indices("next")
            .map(|(at, w)| at..at + w.len())
            .collect();
        assert_eq!(trimmed(src.as_bytes(), 0..src.len(), &near), None);
        let with_if = src.replace("\t{\n\t\tl =", "\tif ok {\n\t\tl =");
        let kept = trimmed(with_if.as_bytes(), 0..with_if.len(), &near).expect("trimmed");
        assert!(kept.iter().map(|r| r.len()).sum::<usize>() < with_if.len());
        let tree = crate::go::syntax::parse_ranges(with_if.as_bytes(), &kept);
        let sexp = tree.root_node().to_sexp();
        assert!(
            !tree.root_node().has_error() && !sexp.contains("composite_literal"),
            "{sexp}"
        );
    }

    /// On Go's own large declarations, a parse of the trimmed parts holds
    /// the lines near a point as a parse of the whole file does: the same
    /// node at each line's end, with the same ancestors (kind and bytes),
    /// and almost always without an error.
    #[test]
    fn a_trimmed_parse_holds_the_near_lines_as_a_whole_parse_does() {
        use crate::go::syntax;
        let dirs = [
            "net/http",
            "go/types",
            "cmd/compile/internal/ssagen",
            "runtime",
        ];
        let (mut tried, mut clean, mut saved, mut untrimmed) = (0usize, 0usize, 0usize, 0usize);
        for dir in dirs {
            for path in crate::go::goroot_go_files(dir) {
                let src = std::fs::read(&path).unwrap();
                let whole = syntax::parse(&src);
                let chunks = syntax::top_level_chunks(&src).unwrap();
                for (c, _) in chunks.iter().filter(|(c, _)| c.len() > 4096) {
                    let lines: Vec<usize> = memchr::memchr_iter(b'\n', &src[c.clone()])
                        .map(|j| c.start + j + 1)
                        .collect();
                    for &at in lines.iter().step_by(29) {
                        let end = memchr::memchr(b'\n', &src[at..]).map_or(src.len(), |j| at + j);
                        let near = at.saturating_sub(1)..end + 1;
                        tried += 1;
                        // A declaration with a bare block is not trimmed.
                        let Some(kept) = trimmed(&src, c.clone(), std::slice::from_ref(&near))
                        else {
                            assert!(blocks(&src, c.clone()).is_some(), "Go's code scans");
                            untrimmed += 1;
                            continue;
                        };
                        saved += c.len() - kept.iter().map(|r| r.len()).sum::<usize>();
                        let part = syntax::parse_ranges(&src, &kept);
                        if part.root_node().has_error() {
                            continue;
                        }
                        clean += 1;
                        for o in [at, end.saturating_sub(1).max(at)] {
                            if o >= end || src[o].is_ascii_whitespace() {
                                continue;
                            }
                            let line = syntax::line_col(&src, o).0;
                            let place = format!("{}:{line}", path.display());
                            assert_same_ancestors((&part, &whole), &kept, o, &place);
                        }
                    }
                }
            }
        }
        assert!(tried > 500, "{tried} points tried");
        assert!(
            clean * 100 >= (tried - untrimmed) * 95 && untrimmed * 10 < tried,
            "{clean} of {tried} parsed cleanly, {untrimmed} not trimmed"
        );
        assert!(saved > 0);
        eprintln!("{clean} of {tried} clean, {untrimmed} not trimmed, {saved} bytes left out");
    }

    /// The line of each function body `lex` finds in `src`.
    fn body_lines(src: &str) -> Vec<usize> {
        let lexed = lex(src.as_bytes(), 0..src.len(), &[]).expect("scans");
        lexed
            .bodies
            .iter()
            .map(|&(open, _)| src[..open].matches('\n').count() + 1)
            .collect()
    }

    #[test]
    fn function_bodies_are_told_from_func_types_and_composite_literals() {
        let src = "var _ = Describe(\"x\", func() {\n\
            \tvar f func() int\n\
            \thandlers := map[string]func(){\"a\": nil}\n\
            \tfs := []func(){f}\n\
            \tg := func(a int) (int, error) { return a, nil }\n\
            \th := func() struct{ a int } { return struct{ a int }{} }\n\
            \tgo func() {}()\n\
            \tdefer func(ch chan func()) {}(nil)\n\
            \tvar k func() // a type\n\
            \tif k != nil {\n\
            \t}\n\
            \tIt(\"y\", func() {\n\
            \t\tx := func() interface{} { return nil }\n\
            \t\t_ = x\n\
            \t})\n\
            })\n";
        assert_eq!(body_lines(src), vec![1, 5, 6, 7, 8, 12, 13]);
        let decl =
            "func (s *S) Run(ctx context.Context, f func() error) (err error) {\n\treturn f()\n}\n";
        assert_eq!(body_lines(decl), vec![1]);
    }

    fn trimmed_for_check(src: &str, anchors: &[&str]) -> Option<(String, Vec<String>)> {
        let anchors: Vec<&[u8]> = anchors.iter().map(|a| a.as_bytes()).collect();
        let t = around_functions(src.as_bytes(), 0..src.len(), &anchors)?;
        let mut kept = String::new();
        let mut at = 0;
        for d in &t.dropped {
            kept.push_str(&src[at..d.start]);
            at = d.end;
        }
        kept.push_str(&src[at..]);
        let scoped = t
            .scoped
            .iter()
            .map(|w| String::from_utf8(w.clone()).unwrap())
            .collect();
        Some((kept, scoped))
    }

    #[test]
    fn a_check_keeps_the_functions_an_anchor_is_written_in() {
        let src = "var _ = Describe(\"x\", func() {\n\
            \tvar client *Client\n\
            \tctx := context.TODO()\n\
            \n\
            \tBeforeEach(func() {\n\
            \t\tclient = New()\n\
            \t})\n\
            \n\
            \tIt(\"gets\", func() {\n\
            \t\tExpect(client.Get(ctx)).To(Succeed())\n\
            \t})\n\
            \n\
            \tDescribe(\"inner\", func() {\n\
            \t\tIt(\"waits\", func() {\n\
            \t\t\tdone := make(chan bool)\n\
            \t\t\tgo func() {\n\
            \t\t\t\tdone <- true\n\
            \t\t\t}()\n\
            \t\t\t<-done\n\
            \t\t})\n\
            \t\tIt(\"sleeps\", func() {\n\
            \t\t\ttime.Sleep(1)\n\
            \t\t})\n\
            \t})\n\
            })\n";
        let (kept, scoped) = trimmed_for_check(src, &["go"]).expect("trimmed");
        assert_eq!(
            kept,
            "var _ = Describe(\"x\", func() {\n\
            \tDescribe(\"inner\", func() {\n\
            \t\tIt(\"waits\", func() {\n\
            \t\t\tdone := make(chan bool)\n\
            \t\t\tgo func() {\n\
            \t\t\t\tdone <- true\n\
            \t\t\t}()\n\
            \t\t\t<-done\n\
            \t\t})\n\
            \t})\n\
            })\n"
        );
        // What the outer bodies declare, not what the kept spec does.
        assert!(scoped.contains(&"client".to_string()) && scoped.contains(&"ctx".to_string()));
        assert!(!scoped.contains(&"done".to_string()));
        // An anchor written right in the outer body keeps it whole; so
        // does one only in a comment or string of a spec, which is no
        // code.
        let direct = src.replace("\tctx := context.TODO()", "\tgo warm()");
        assert_eq!(trimmed_for_check(&direct, &["go"]), None);
        let commented = src.replace("time.Sleep(1)", "time.Sleep(1) // go on\n\t\t\tlog(\"go\")");
        let (kept2, _) = trimmed_for_check(&commented, &["go"]).expect("trimmed");
        assert_eq!(kept2, kept);
        // A `goto` (its label may be left out), or a kept statement that
        // starts with a bare block: not trimmed.
        let jumps = src.replace("<-done\n", "<-done\n\t\t\tgoto end\n\t\tend:\n");
        assert_eq!(trimmed_for_check(&jumps, &["go"]), None);
        let bare = src.replace(
            "\tDescribe(\"inner\", func() {",
            "\t{\n\t\tIt(\"z\", func() { go f() })\n\t}\n\tDescribe(\"inner\", func() {",
        );
        assert_eq!(trimmed_for_check(&bare, &["go"]), None);
        let unbare = bare.replacen("\t{\n", "\tif ok {\n", 1);
        assert!(trimmed_for_check(&unbare, &["go"]).is_some());
    }

    #[test]
    fn what_a_statement_may_declare_is_over_counted() {
        let words = |v: Vec<&[u8]>| {
            v.iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(words(declared_by(b"a, b := f()\n")), ["a", "b"]);
        assert_eq!(words(declared_by(b"x.y = 1\n")), Vec::<String>::new());
        assert_eq!(
            words(declared_by(b"go func() { c := 1 }()\n")),
            Vec::<String>::new()
        );
        assert_eq!(
            words(declared_by(b"var (\n\tc int\n\td = 2\n)\n")),
            ["var", "c", "int", "d"]
        );
        assert_eq!(
            words(declared_anywhere(b"It(\"x\", func() {\n\tv, err :=\n\t\tf()\n\tfor k := range m {\n\t\tvar q T\n\t}\n})\n")),
            ["v", "err", "k", "q", "T"]
        );
        // A `)` in a string does not end a `var` block.
        assert_eq!(
            words(declared_anywhere(
                b"if ok {\n\tvar (\n\t\ta = trim(s, \")\")\n\t\tch = c\n\t)\n}\n"
            )),
            ["a", "trim", "s", "ch", "c"]
        );
        assert_eq!(
            words(declared_by_signature(
                b"func(t *testing.T, a, b int) (n int)"
            )),
            ["t", "a", "b", "int", "n", "int"]
        );
    }

    /// On Go's own large declarations, a parse of what a check keeps holds
    /// each anchor as a whole parse does: the same node, with the same
    /// ancestors (kinds; and bytes, inside what was kept), and almost
    /// always without an error.
    #[test]
    fn a_parse_of_what_a_check_keeps_holds_the_anchors_as_a_whole_parse_does() {
        use crate::go::syntax;
        let anchors: [&[u8]; 3] = [b"go", b"make", b"select"];
        let (mut tried, mut clean) = (0usize, 0usize);
        for dir in [
            "net/http",
            "context",
            "sync",
            "testing",
            "os/exec",
            "runtime/pprof",
            "net",
        ] {
            for path in crate::go::goroot_go_files(dir) {
                let src = std::fs::read(&path).unwrap();
                let chunks = syntax::top_level_chunks(&src).unwrap();
                let mut whole = None;
                for (c, _) in chunks
                    .iter()
                    .filter(|(c, _)| c.len() > WORTH_TRIMMING_FOR_CHECK)
                {
                    let Some(t) = around_functions(&src, c.clone(), &anchors) else {
                        continue;
                    };
                    tried += 1;
                    let lexed = lex(&src, c.clone(), &anchors).unwrap();
                    let mut kept = Vec::new();
                    let mut at = 0;
                    for d in &t.dropped {
                        kept.push(at..d.start);
                        at = d.end;
                    }
                    kept.push(at..src.len());
                    let part = syntax::parse_ranges(&src, &kept);
                    if part.root_node().has_error() {
                        continue;
                    }
                    clean += 1;
                    let whole = whole.get_or_insert_with(|| syntax::parse(&src));
                    for &o in &lexed.anchors {
                        let line = syntax::line_col(&src, o).0;
                        let place = format!("{}:{line}", path.display());
                        assert_same_ancestors((&part, whole), &kept, o, &place);
                    }
                }
            }
        }
        assert!(
            tried >= 5 && clean == tried,
            "{clean} of {tried} parsed cleanly"
        );
    }
}
