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
    let t = first_token(unit);
    let word = |w: &[u8]| t.starts_with(w) && t.get(w.len()).is_none_or(|&b| !is_ident_byte(b));
    word(b"case") || word(b"default")
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
                        let chain = |t: &tree_sitter::Tree, o: usize| {
                            let mut n = t.root_node().descendant_for_byte_range(o, o + 1);
                            let mut out = Vec::new();
                            while let Some(x) = n.filter(|x| x.parent().is_some()) {
                                out.push((x.kind_id(), x.byte_range()));
                                // Where a comment hangs depends on the
                                // tokens around it; only it is read.
                                if x.kind() == "comment" {
                                    break;
                                }
                                n = x.parent();
                            }
                            out
                        };
                        // A node holding left-out bytes keeps only its
                        // kind (a statement list ends at its last kept
                        // statement); the root is the file in one tree.
                        let whole_span = |r: &Range<usize>| {
                            kept.iter().any(|k| k.start <= r.start && r.end <= k.end)
                        };
                        for o in [at, end.saturating_sub(1).max(at)] {
                            if o >= end || src[o].is_ascii_whitespace() {
                                continue;
                            }
                            let (p, w) = (chain(&part, o), chain(&whole, o));
                            let line = syntax::line_col(&src, o).0;
                            assert_eq!(p.len(), w.len(), "{}:{line}", path.display());
                            for ((pk, pr), (wk, wr)) in p.iter().zip(&w) {
                                assert_eq!(pk, wk, "{}:{line}", path.display());
                                if whole_span(wr) {
                                    assert_eq!(pr, wr, "{}:{line}", path.display());
                                }
                            }
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
}
