//! Unified diffs in git's layout (`diff --git a/p b/p`, three lines of
//! context), so that `gofix-leaks --dry-run | git apply` works, with colour
//! for a terminal.

use similar::{DiffTag, TextDiff};
use std::collections::HashMap;

/// Diffs made before (a re-run's, from the result cache), by [`key`].
pub type Known = HashMap<u128, String>;

/// What a diff of `old` to `new` shown as `path` is made from, hashed.
pub fn key(path: &str, old: &str, new: &str) -> u128 {
    crate::files::pinned::KeyHasher::default()
        .part(b"unified diff")
        .part(path.as_bytes())
        .part(old.as_bytes())
        .part(new.as_bytes())
        .finish()
}

/// Equal lines kept around the changed middle when a diff is cut down to
/// it: the three lines of context, and one more that a hunk moved by the
/// diff's compaction must not reach.
const MARGIN: usize = 4;

pub fn unified(path: &str, old: &str, new: &str) -> String {
    let (a, b) = (quote(&format!("a/{path}")), quote(&format!("b/{path}")));
    // git ends the `---` and `+++` lines with a tab when the name holds a
    // space (so a trailing space survives); match it byte for byte.
    let tab = if path.contains(' ') { "\t" } else { "" };
    let header = (format!("{a}{tab}"), format!("{b}{tab}"));
    let body = cut_down(old, new)
        .and_then(|cut| cut.body(&header))
        .unwrap_or_else(|| body(old, new, &header));
    format!("diff --git {a} {b}\n{body}")
}

fn body(old: &str, new: &str, header: &(String, String)) -> String {
    written(&TextDiff::from_lines(old, new), header)
}

fn written(diff: &TextDiff<str>, (a, b): &(String, String)) -> String {
    diff.unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string()
}

/// The changed middle of two texts, with `MARGIN` equal lines either side
/// where there are more: splitting a whole file into lines and hashing
/// them was most of a diff, and a fix changes a few lines of a file of
/// thousands.
struct Cut<'a> {
    old: &'a str,
    new: &'a str,
    /// The lines left out before.
    skipped: usize,
    /// Whether lines were left out after.
    tail: bool,
}

fn cut_down<'a>(old: &'a str, new: &'a str) -> Option<Cut<'a>> {
    let (o, n) = (old.as_bytes(), new.as_bytes());
    // Lines end at `\n` alone here, and every line of both texts ends; a
    // text with a `\r` (a line end of its own to the diff) or a last line
    // without its newline is diffed whole.
    let plain = |t: &[u8]| t.ends_with(b"\n") && memchr::memchr(b'\r', t).is_none();
    if !plain(o) || !plain(n) {
        return None;
    }
    let same = shared(o, n, false);
    if same == o.len() && same == n.len() {
        return None;
    }
    // Back from the first difference to its line's start, then MARGIN lines.
    let line_start = |end: usize| memchr::memrchr(b'\n', &o[..end]).map_or(0, |i| i + 1);
    let mut start = line_start(same);
    for _ in 0..MARGIN {
        if start == 0 {
            break;
        }
        start = line_start(start - 1);
    }
    let room = o.len().min(n.len()) - start;
    let back = shared(&o[o.len() - room..], &n[n.len() - room..], true);
    // Forward from the last difference to the next line's start (a start
    // in both texts: the byte before it is shared), then MARGIN lines.
    let (mut oe, mut ne) = (o.len() - back, n.len() - back);
    let mut lines = 0;
    while oe < o.len() && lines <= MARGIN {
        match memchr::memchr(b'\n', &o[oe..]) {
            Some(i) => {
                oe += i + 1;
                ne += i + 1;
                lines += 1;
            }
            None => (oe, ne) = (o.len(), n.len()),
        }
    }
    if start == 0 && oe == o.len() {
        return None;
    }
    Some(Cut {
        old: &old[start..oe],
        new: &new[start..ne],
        skipped: memchr::memchr_iter(b'\n', &o[..start]).count(),
        tail: oe < o.len(),
    })
}

/// How many bytes `a` and `b` share at their start (at their end when
/// `from_end`): compared a block at a time, as slices (`memcmp`).
fn shared(a: &[u8], b: &[u8], from_end: bool) -> usize {
    const BLOCK: usize = 64;
    let len = a.len().min(b.len());
    let (a, b) = match from_end {
        true => (&a[a.len() - len..], &b[b.len() - len..]),
        false => (&a[..len], &b[..len]),
    };
    let block = |i: usize, w: usize| match from_end {
        true => a[len - i - w..len - i] == b[len - i - w..len - i],
        false => a[i..i + w] == b[i..i + w],
    };
    let mut i = 0;
    while i + BLOCK <= len && block(i, BLOCK) {
        i += BLOCK;
    }
    while i < len && block(i, 1) {
        i += 1;
    }
    i
}

impl Cut<'_> {
    /// The diff of the cut texts, its hunks' line numbers those of the
    /// whole; None when a change reaches the margin, where the whole
    /// texts' diff could have placed it otherwise.
    fn body(&self, header: &(String, String)) -> Option<String> {
        let diff = TextDiff::from_lines(self.old, self.new);
        let ops = diff.ops();
        let changed = || ops.iter().filter(|op| op.tag() != DiffTag::Equal);
        let first = changed().next()?;
        let last = changed().next_back()?;
        let (old_lines, new_lines) = (diff.old_len(), diff.new_len());
        let clear_before = self.skipped == 0
            || (first.old_range().start >= MARGIN && first.new_range().start >= MARGIN);
        let clear_after = !self.tail
            || (last.old_range().end + MARGIN <= old_lines
                && last.new_range().end + MARGIN <= new_lines);
        if !(clear_before && clear_after) {
            return None;
        }
        let text = written(&diff, header);
        if self.skipped == 0 {
            return Some(text);
        }
        let mut out = String::with_capacity(text.len() + 16);
        for line in text.split_inclusive('\n') {
            match line.strip_prefix("@@ -").and_then(|r| r.split_once(" @@")) {
                Some((ranges, rest)) => {
                    let (o, n) = ranges.split_once(" +")?;
                    let shift = |r: &str| -> Option<String> {
                        let (start, len) =
                            r.split_once(',').map_or((r, None), |(s, l)| (s, Some(l)));
                        let start = start.parse::<usize>().ok()? + self.skipped;
                        Some(match len {
                            Some(l) => format!("{start},{l}"),
                            None => start.to_string(),
                        })
                    };
                    out.push_str(&format!("@@ -{} +{} @@{rest}", shift(o)?, shift(n)?));
                }
                None => out.push_str(line),
            }
        }
        Some(out)
    }
}

/// Quotes a path the way git does by default (`core.quotePath` true): a
/// name holding `"`, `\\`, a control character or any byte from 0x80 up
/// is written C-style in double quotes, with `\t`-style escapes and octal
/// for the rest; other names are left as they are.
fn quote(path: &str) -> String {
    let must = |b: u8| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\' || b >= 0x80;
    if !path.bytes().any(must) {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for b in path.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b if must(b) => out.push_str(&format!("\\{b:03o}")),
            b => out.push(b as char),
        }
    }
    out.push('"');
    out
}

/// Colours a unified diff the way `git diff --color` does.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (code, body) = if line.starts_with("diff --git")
            || line.starts_with("--- ")
            || line.starts_with("+++ ")
        {
            ("\x1b[1m", line)
        } else if line.starts_with("@@") {
            ("\x1b[36m", line)
        } else if line.starts_with('+') {
            ("\x1b[32m", line)
        } else if line.starts_with('-') {
            ("\x1b[31m", line)
        } else {
            ("", line)
        };
        if code.is_empty() {
            out.push_str(body);
        } else {
            let (text, nl) = body.strip_suffix('\n').map_or((body, ""), |t| (t, "\n"));
            out.push_str(code);
            out.push_str(text);
            out.push_str("\x1b[0m");
            out.push_str(nl);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(old: &str, new: &str) -> String {
        let h = ("a/f.go".to_string(), "b/f.go".to_string());
        format!("diff --git a/f.go b/f.go\n{}", body(old, new, &h))
    }

    /// Changed copies of `old`: lines replaced, deleted, and inserted as
    /// copies of a neighbour (a hunk the compaction can move), alone and in
    /// pairs at various distances, near both ends and in the middle.
    fn changed(old: &str) -> Vec<String> {
        let lines: Vec<&str> = old.split_inclusive('\n').collect();
        let n = lines.len();
        let mut spots: Vec<usize> = (0..8).chain(n.saturating_sub(8)..n).collect();
        spots.extend([n / 3, n / 2]);
        let edit = |at: &[usize], how: usize| {
            let mut out = String::new();
            for (i, l) in lines.iter().enumerate() {
                if !at.contains(&i) {
                    out.push_str(l);
                    continue;
                }
                match how {
                    0 => out.push_str("\tchanged()\n"),
                    1 => {}
                    _ => {
                        out.push_str(l);
                        out.push_str(l);
                    }
                }
            }
            out
        };
        let mut all = Vec::new();
        for &s in &spots {
            for how in 0..3 {
                all.push(edit(&[s], how));
                for gap in [1, 3, 4, 6, 7, 9, 12] {
                    all.push(edit(&[s, s + gap], how));
                }
            }
        }
        all
    }

    #[test]
    fn a_cut_down_diff_is_the_whole_ones() {
        let mut cut = 0;
        let mut texts: Vec<String> = ["sync/once.go", "context/context.go", "time/sleep.go"]
            .iter()
            .map(|rel| String::from_utf8(crate::go::goroot_file(rel, 1.0)).unwrap())
            .collect();
        // Runs of equal lines, where a hunk can sit anywhere.
        texts.push("}\n\n\n\n\n\n\n\n\n\n\n\n}\n".repeat(3));
        texts.push("x\n".repeat(30));
        for old in &texts {
            for new in changed(old) {
                assert_eq!(unified("f.go", old, &new), whole(old, &new), "{new}");
                cut += usize::from(
                    cut_down(old, &new).is_some_and(|c| c.body(&Default::default()).is_some()),
                );
            }
        }
        // Texts a cut leaves whole: a `\r`, a last line without its newline.
        for (old, new) in [("a\r\nb\r\n", "a\r\nc\r\n"), ("a\nb", "a\nc"), ("a\n", "b")] {
            assert!(cut_down(old, new).is_none());
            assert_eq!(unified("f.go", old, new), whole(old, new));
        }
        assert!(cut > 500, "{cut}");
    }
}
