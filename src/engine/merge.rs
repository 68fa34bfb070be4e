//! Merging the fixes of a whole run into new file contents. Findings come in
//! path and position order; each fix is accepted whole (in every file it
//! touches) or not at all: a fix that overlaps one already accepted is
//! dropped and its finding says to run again. Files that only other files'
//! fixes touch are read from the source here. A file whose fixed text would
//! no longer parse is left alone, and so is every file that shares a fix
//! with it, so a fix is never half-applied.

use crate::engine::diagnostic::{Finding, Skipped};
use crate::engine::edit::{self, Fix, Merger, TextEdit};
use crate::engine::matching::FileOutcome;
use crate::files::pinned::KeyHasher;
use crate::files::source::Source;
use crate::go::{syntax, units};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

/// A file to rewrite.
pub struct Change {
    pub path: PathBuf,
    pub display: String,
    pub old: String,
    pub new: String,
}

/// A file that could not be checked or fixed.
pub struct FileError {
    pub file: String,
    pub message: String,
}

#[derive(Default)]
pub struct Merged {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// Findings dropped by `//gofix-leaks:ignore` comments, and the comments.
    pub suppressed: Vec<crate::engine::suppress::Suppressed>,
    pub directives: Vec<crate::engine::suppress::Directive>,
    pub errors: Vec<FileError>,
    pub changes: Vec<Change>,
}

/// Fixed texts known before a merge (a re-run's, from the result cache),
/// by [`fixed_key`]. A file's fixed text depends on its text, its name in
/// messages and the edits accepted in it, and on nothing else; making it
/// parses what the edits touch, which was half of a cached re-run.
pub type Known = HashMap<u128, Fixed>;

/// A file's fixed text, kept as the line hunks that turn its text into it
/// (a few hundred bytes, where the text is tens of kilobytes), or why the
/// file could not be fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Fixed {
    Hunks(Vec<TextEdit>),
    Failed(String),
}

impl Fixed {
    fn of(text: &str, result: &Result<String, String>) -> Fixed {
        match result {
            Err(why) => Fixed::Failed(why.clone()),
            Ok(new) => Fixed::Hunks(line_hunks(text, new)),
        }
    }

    fn text(&self, text: &str) -> Result<String, String> {
        match self {
            Fixed::Failed(why) => Err(why.clone()),
            Fixed::Hunks(h) => Ok(edit::apply(text, h)),
        }
    }
}

/// The key of a file's fixed text in [`Known`].
fn fixed_key(text: &str, display: &str, merger: &Merger) -> u128 {
    let mut h = KeyHasher::default();
    h.part(b"fixed text")
        .part(text.as_bytes())
        .part(display.as_bytes());
    merger.feed(&mut h);
    h.finish()
}

/// Edits, each of whole lines, that turn `old` into `new`.
fn line_hunks(old: &str, new: &str) -> Vec<TextEdit> {
    let lines = |s| -> (Vec<usize>, Vec<&str>) {
        let lines: Vec<&str> = str::split_inclusive(s, '\n').collect();
        // Each line's start offset, and the text's end.
        let starts = std::iter::once(0)
            .chain(lines.iter().scan(0, |at, l| {
                *at += l.len();
                Some(*at)
            }))
            .collect();
        (starts, lines)
    };
    let ((os, ol), (ns, nl)) = (lines(old), lines(new));
    similar::capture_diff_slices(similar::Algorithm::Myers, &ol, &nl)
        .into_iter()
        .filter(|op| op.tag() != similar::DiffTag::Equal)
        .map(|op| {
            let (o, n) = (op.old_range(), op.new_range());
            TextEdit {
                start: os[o.start],
                end: os[o.end],
                new_text: new[ns[n.start]..ns[n.end]].to_string(),
            }
        })
        .collect()
}

/// One checked file, in path order.
#[derive(Clone)]
pub struct Checked {
    pub path: PathBuf,
    pub display: String,
    pub outcome: Result<FileOutcome, String>,
}

/// Splits a run's checked files by a key of each finding (`--split`): each
/// group holds the findings and fixes whose key it is, so that merging a
/// group gives the changes of that group alone. The first part keeps what
/// belongs to no finding: unreadable files, skipped regions, and ignore
/// comments with what they suppressed. A file with none of these is left
/// out of it (merging it there added nothing; moving every file of a run
/// into a new list was half of a cached run's merge).
pub fn split_by(
    checked: Vec<Checked>,
    key: impl Fn(&std::path::Path, &Finding) -> String,
) -> (Vec<Checked>, BTreeMap<String, Vec<Checked>>) {
    let mut rest = Vec::new();
    let mut groups: BTreeMap<String, Vec<Checked>> = BTreeMap::new();
    for c in checked {
        let o = match c.outcome {
            Ok(o) => o,
            Err(e) => {
                rest.push(Checked {
                    outcome: Err(e),
                    ..c
                });
                continue;
            }
        };
        let mut parts: BTreeMap<String, FileOutcome> = BTreeMap::new();
        for (finding, fix) in o.findings.into_iter().zip(o.fixes) {
            let part = parts
                .entry(key(&c.path, &finding))
                .or_insert_with(|| FileOutcome {
                    text: o.text.clone(),
                    ..FileOutcome::default()
                });
            part.findings.push(finding);
            part.fixes.push(fix);
        }
        for (k, part) in parts {
            groups.entry(k).or_default().push(Checked {
                path: c.path.clone(),
                display: c.display.clone(),
                outcome: Ok(part),
            });
        }
        if o.skipped.is_empty() && o.suppressed.is_empty() && o.directives.is_empty() {
            continue;
        }
        rest.push(Checked {
            outcome: Ok(FileOutcome {
                skipped: o.skipped,
                suppressed: o.suppressed,
                directives: o.directives,
                ..FileOutcome::default()
            }),
            ..c
        });
    }
    (rest, groups)
}

struct FileState {
    display: String,
    text: String,
    merger: Merger,
}

pub fn merge(checked: Vec<Checked>, source: &dyn Source) -> Merged {
    merge_with(checked, source, &Known::new(), false).0
}

/// `merge`, taking the fixed texts `known` holds instead of making them
/// again; with `remember`, also gives the fixed texts it made, for a later
/// run (each costs a line diff, which a run without a cache does not need).
pub fn merge_with(
    checked: Vec<Checked>,
    source: &dyn Source,
    known: &Known,
    remember: bool,
) -> (Merged, Known) {
    let mut out = Merged::default();
    let mut files: BTreeMap<PathBuf, FileState> = BTreeMap::new();
    // Accepted fixes, by the files they touch, and which findings they fix.
    let mut accepted: Vec<(BTreeSet<PathBuf>, usize)> = Vec::new();
    for c in checked {
        let o = match c.outcome {
            Ok(o) => o,
            Err(message) => {
                out.errors.push(FileError {
                    file: c.display,
                    message,
                });
                continue;
            }
        };
        if let Some(text) = o.text {
            files.entry(c.path.clone()).or_insert(FileState {
                display: c.display.clone(),
                text,
                merger: Merger::default(),
            });
        }
        out.skipped.extend(o.skipped);
        out.suppressed.extend(o.suppressed);
        out.directives.extend(o.directives);
        for (mut finding, fix) in o.findings.into_iter().zip(o.fixes) {
            if let Some(fix) = fix {
                match try_accept(&fix, &mut files, source) {
                    Ok(()) => accepted.push((
                        fix.parts.iter().map(|p| p.path.clone()).collect(),
                        out.findings.len(),
                    )),
                    Err(why) => {
                        finding.suggested_fixes.clear();
                        finding.no_fix_reason = Some(why);
                    }
                }
            }
            out.findings.push(finding);
        }
    }

    // Each file's edits are applied on their own: in parallel.
    let mut made = Known::new();
    let results: BTreeMap<PathBuf, Result<String, String>> = files
        .par_iter_mut()
        .filter(|(_, st)| !st.merger.is_empty())
        .map(|(path, st)| {
            let merger = std::mem::take(&mut st.merger);
            let key = fixed_key(&st.text, &st.display, &merger);
            let result = match known.get(&key) {
                Some(k) => (k.text(&st.text), None),
                None => {
                    let r = fixed_text(&st.text, &st.display, merger);
                    let fresh = remember.then(|| (key, Fixed::of(&st.text, &r)));
                    (r, fresh)
                }
            };
            (path.clone(), result)
        })
        .collect::<BTreeMap<_, _>>()
        .into_iter()
        .map(|(path, (r, fresh))| {
            made.extend(fresh);
            (path, r)
        })
        .collect();
    // Leave alone every file that shares a fix with a failed one.
    let mut bad: BTreeSet<PathBuf> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(p, _)| p.clone())
        .collect();
    loop {
        let grown: BTreeSet<PathBuf> = accepted
            .iter()
            .filter(|(touched, _)| touched.iter().any(|p| bad.contains(p)))
            .flat_map(|(touched, _)| touched.iter().cloned())
            .collect();
        if grown.is_subset(&bad) {
            break;
        }
        bad.extend(grown);
    }
    for (touched, finding) in &accepted {
        if touched.iter().any(|p| bad.contains(p)) {
            let f = &mut out.findings[*finding];
            f.suggested_fixes.clear();
            f.no_fix_reason =
                Some("internal error while applying the fix; nothing was changed".to_string());
        }
    }
    for (path, result) in results {
        let st = files
            .remove(&path)
            .expect("a result comes from a loaded file");
        match result {
            Err(message) => out.errors.push(FileError {
                file: st.display,
                message,
            }),
            Ok(_) if bad.contains(&path) => {}
            Ok(new) => out.changes.push(Change {
                path,
                display: st.display,
                old: st.text,
                new,
            }),
        }
    }
    (out, made)
}

/// Accepts `fix` in every file it touches, loading files as needed, or
/// says why it cannot.
fn try_accept(
    fix: &Fix,
    files: &mut BTreeMap<PathBuf, FileState>,
    source: &dyn Source,
) -> Result<(), String> {
    // A fix whose own edits overlap cannot be applied (the edits would be
    // spliced out of order and the run would panic). No rule should make
    // one; two did (found by tests/proptest_engine.rs), so it is refused.
    if fix.parts.iter().any(|p| p.self_overlaps()) {
        return Err(
            "internal: the fix's own edits overlap, so it cannot be applied; please report this"
                .to_string(),
        );
    }
    for part in &fix.parts {
        if files.contains_key(&part.path) {
            continue;
        }
        let bytes = source
            .read(&part.path)
            .map_err(|e| format!("cannot read {} to fix it: {e}", part.display))?;
        let text =
            String::from_utf8(bytes).map_err(|_| format!("{} is not UTF-8", part.display))?;
        files.insert(
            part.path.clone(),
            FileState {
                display: part.display.clone(),
                text,
                merger: Merger::default(),
            },
        );
    }
    if !fix.parts.iter().all(|p| files[&p.path].merger.fits(p)) {
        return Err("its fix overlaps another fix; run again to apply it".to_string());
    }
    for p in &fix.parts {
        files.get_mut(&p.path).expect("loaded above").merger.add(p);
    }
    Ok(())
}

/// The text of a file with its accepted edits applied and trailing comments
/// realigned; Err when the result would not parse where the original did.
/// Only what the edits touch is parsed (the imports, and the top-level
/// declarations holding an edit, with a neighbour on each side): the rest
/// of the file is unchanged text in unchanged surroundings. When that part
/// does not parse, the whole file is parsed before and after to tell.
fn fixed_text(text: &str, display: &str, merger: Merger) -> Result<String, String> {
    let bytes = text.as_bytes();
    if let Some(chunks) = syntax::header_chunks(bytes) {
        let header = syntax::header_ranges(&chunks);
        let head_tree = (!header.is_empty()).then(|| syntax::parse_ranges(bytes, &header));
        if let Some(head_tree) = head_tree.filter(|t| !t.root_node().has_error()) {
            let edits = merger.clone().into_edits(text, &head_tree);
            let (new, touched) = edit::apply_tracked(text, &edits);
            if let Some(fixed) = touched_tree(&new, &touched).and_then(|(tree, parsed)| {
                edit::realign_comments(&new, &tree, &touched, Some(&parsed))
            }) {
                return Ok(fixed);
            }
        }
    }
    let tree = syntax::parse(bytes);
    let edits = merger.into_edits(text, &tree);
    let (new, touched) = edit::apply_tracked(text, &edits);
    let before = syntax::error_regions(&tree).len();
    let spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| (e.start, e.end, e.new_text.as_str()))
        .collect();
    let new_tree = syntax::reparse(tree, bytes, &spans, new.as_bytes());
    if syntax::error_regions(&new_tree).len() > before {
        return Err(format!(
            "{display}: internal error: the fixes would make the file unparseable; left unchanged"
        ));
    }
    Ok(edit::realign_comments(&new, &new_tree, &touched, None)
        .expect("a whole tree answers for every line"))
}

/// A tree of `new` holding its header and the top-level declarations that
/// the `touched` spans reach (and one chunk either side), and the ranges
/// it holds; None when that does not parse cleanly. Of a large
/// declaration only the lines around the spans are parsed, with the
/// brackets that enclose them (`units::trimmed`).
fn touched_tree(
    new: &str,
    touched: &[(usize, usize)],
) -> Option<(tree_sitter::Tree, Vec<std::ops::Range<usize>>)> {
    let bytes = new.as_bytes();
    let chunks = syntax::top_level_chunks(bytes)?;
    let hit = |r: &std::ops::Range<usize>| touched.iter().any(|&(s, e)| r.start <= e && s <= r.end);
    let mut keep: Vec<bool> = chunks
        .iter()
        .map(|(r, k)| *k == syntax::ChunkKind::Header || hit(r))
        .collect();
    for k in 0..chunks.len() {
        if hit(&chunks[k].0) {
            if k > 0 {
                keep[k - 1] = true;
            }
            if k + 1 < chunks.len() {
                keep[k + 1] = true;
            }
        }
    }
    let near: Vec<std::ops::Range<usize>> = touched
        .iter()
        .map(|&(s, e)| lines_around(bytes, s, e))
        .collect();
    // Of each large declaration, what its trimmed parts leave out.
    let mut gaps: Vec<std::ops::Range<usize>> = Vec::new();
    for ((c, kind), _) in chunks.iter().zip(&keep).filter(|(_, k)| **k) {
        if *kind != syntax::ChunkKind::Code || c.len() <= units::WORTH_TRIMMING {
            continue;
        }
        if let Some(parts) = units::trimmed(bytes, c.clone(), &near) {
            let mut at = c.start;
            for p in parts {
                gaps.push(at..p.start);
                at = p.end;
            }
            gaps.push(at..c.end);
        }
    }
    let mut ranges = Vec::new();
    let mut gaps = gaps.into_iter().filter(|g| !g.is_empty()).peekable();
    for mut r in syntax::kept_ranges(&chunks, keep) {
        while let Some(g) = gaps.next_if(|g| g.start < r.end) {
            if g.start > r.start {
                ranges.push(r.start..g.start);
            }
            r.start = g.end;
        }
        if r.start < r.end {
            ranges.push(r);
        }
    }
    if ranges.is_empty() {
        return None;
    }
    let tree = syntax::parse_ranges(bytes, &ranges);
    (!tree.root_node().has_error()).then_some((tree, ranges))
}

/// From the start of the line before the one holding `start` to the end
/// of the line after the one holding `end`: the lines `realign_comments`
/// reads first.
fn lines_around(src: &[u8], start: usize, end: usize) -> std::ops::Range<usize> {
    let line_start = |o: usize| memchr::memrchr(b'\n', &src[..o]).map_or(0, |j| j + 1);
    let line_end = |o: usize| memchr::memchr(b'\n', &src[o..]).map_or(src.len(), |j| o + j + 1);
    let s = line_start(start.min(src.len()));
    let e = line_end(end.min(src.len()));
    (line_start(s.saturating_sub(1)))..line_end(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_hunks_turn_the_old_text_into_the_new() {
        let texts = [
            "",
            "a\n",
            "a\nb\nc\n",
            "a\nb\nc",
            "a\r\nb\r\n",
            "x\na\nb\nc\ny\n",
            "\n\n\n",
            "func f() {\n\tch := make(chan int)\n}\n",
            "func f() {\n\tch := make(chan int, 1)\n\t// x\n}\n",
        ];
        for old in texts {
            for new in texts {
                let hunks = line_hunks(old, new);
                assert_eq!(edit::apply(old, &hunks), new, "{old:?} -> {new:?}");
                if old == new {
                    assert!(hunks.is_empty());
                }
            }
        }
    }

    /// On Go's own files with one trailing comment's padding spoilt, a
    /// tree of only what the edit touches realigns the comments exactly
    /// as a tree of the whole file does, or says it cannot tell.
    #[test]
    fn a_tree_of_what_edits_touch_realigns_as_a_whole_tree_does() {
        let (mut tried, mut answered, mut realigned) = (0usize, 0usize, 0usize);
        for dir in ["net/http", "syscall", "cmd/compile/internal/ssagen", "time"] {
            for path in crate::go::goroot_go_files(dir) {
                let text = std::fs::read_to_string(&path).unwrap();
                let whole = syntax::parse(text.as_bytes());
                // Lines whose last node is a `//` comment after code.
                let trailing: Vec<(usize, usize)> = text
                    .match_indices('\n')
                    .filter_map(|(end, _)| {
                        let c = whole.root_node().descendant_for_byte_range(end - 1, end)?;
                        let start = text[..end].rfind('\n').map_or(0, |j| j + 1);
                        let code = text[start..c.start_byte().max(start)].trim();
                        let line_comment = text[c.start_byte()..].starts_with("//");
                        (c.kind() == "comment"
                            && line_comment
                            && !code.is_empty()
                            && c.start_byte() > start)
                            .then_some((start, c.start_byte()))
                    })
                    .collect();
                for &(start, at) in trailing.iter().step_by(8) {
                    let code_end = start + text[start..at].trim_end().len();
                    let pad = if at - code_end > 1 { " " } else { "     " };
                    let spoilt = format!("{}{pad}{}", &text[..code_end], &text[at..]);
                    let touched = [(code_end, code_end + pad.len())];
                    let tree = syntax::parse(spoilt.as_bytes());
                    let want = edit::realign_comments(&spoilt, &tree, &touched, None).unwrap();
                    realigned += usize::from(want != spoilt);
                    tried += 1;
                    let Some((part, parsed)) = touched_tree(&spoilt, &touched) else {
                        continue;
                    };
                    if let Some(got) =
                        edit::realign_comments(&spoilt, &part, &touched, Some(&parsed))
                    {
                        answered += 1;
                        let line = syntax::line_col(spoilt.as_bytes(), start).0;
                        assert!(got == want, "{}:{line}", path.display());
                    }
                }
            }
        }
        assert!(tried > 300, "{tried} tried");
        assert!(
            realigned * 10 >= tried * 9,
            "{realigned} of {tried} realigned"
        );
        assert!(answered * 10 >= tried * 7, "{answered} of {tried} answered");
        eprintln!("{answered} of {tried} answered from a partial tree, {realigned} realigned");
    }
}
