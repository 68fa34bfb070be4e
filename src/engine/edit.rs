//! The edit model, shared by every rule: text edits over byte offsets, fixes
//! made of them, merging the fixes of all rules on one file without overlap,
//! indentation and line endings of inserted lines, and import insertion that
//! keeps import blocks as gofmt lays them out.

use crate::go::syntax;
use crate::go::syntax::NodeKind;
use serde::{Deserialize, Serialize};
use tree_sitter::{Node, Tree};

/// Replace `start..end` with `new_text` (go/analysis's TextEdit). An insertion
/// has `start == end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextEdit {
    pub start: usize,
    pub end: usize,
    #[serde(rename = "new")]
    pub new_text: String,
}

/// A suggested fix: a message and, per file it touches, the edits that make
/// it plus the imports it needs there (turned into one edit per file when
/// fixes are merged, so two fixes asking for the same import add it once).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Fix {
    pub message: String,
    pub parts: Vec<FilePart>,
}

/// The part of a fix in one file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FilePart {
    /// The file, as the source names it (not kept in shard results: a
    /// join finds it again from `display`, on its own machine).
    #[serde(skip)]
    pub path: std::path::PathBuf,
    /// The file as output shows it.
    pub display: String,
    pub edits: Vec<TextEdit>,
    pub imports: Vec<String>,
}

impl Fix {
    /// The part for `path`, made on first use.
    pub fn part(&mut self, path: &std::path::Path, display: &str) -> &mut FilePart {
        let i = match self.parts.iter().position(|p| p.path == path) {
            Some(i) => i,
            None => {
                self.parts.push(FilePart {
                    path: path.to_path_buf(),
                    display: display.to_string(),
                    ..FilePart::default()
                });
                self.parts.len() - 1
            }
        };
        &mut self.parts[i]
    }

    pub fn is_empty(&self) -> bool {
        self.parts
            .iter()
            .all(|p| p.edits.is_empty() && p.imports.is_empty())
    }
}

impl FilePart {
    /// Adds `edit`; an insertion at a point where the part already inserts
    /// joins that insertion, after its text. Consumers that apply edits at
    /// one point in differing orders (SARIF viewers, `git apply` of a diff
    /// made from either) then cannot swap a declaration and its use.
    pub fn push(&mut self, edit: TextEdit) {
        let at_point = |e: &TextEdit| e.start == e.end && e.start == edit.start;
        match self.edits.iter_mut().find(|e| at_point(e)) {
            Some(e) if edit.start == edit.end => e.new_text.push_str(&edit.new_text),
            _ => self.edits.push(edit),
        }
    }

    /// Whether two of the part's own edits overlap.
    pub fn self_overlaps(&self) -> bool {
        self.edits
            .iter()
            .enumerate()
            .any(|(i, a)| self.edits[i + 1..].iter().any(|b| a.overlaps(b)))
    }
}

impl TextEdit {
    fn overlaps(&self, other: &TextEdit) -> bool {
        if self == other {
            return false;
        }
        // Insertions at one point do not conflict: they are applied in the
        // order their fixes were accepted (findings in position order).
        if self.start == self.end && other.start == other.end {
            return false;
        }
        self.start < other.end && other.start < self.end
            || (self.start == self.end && other.start < self.start && self.start < other.end)
            || (other.start == other.end && self.start < other.start && other.start < self.end)
    }
}

/// Accepts the parts of fixes in one file, refusing any that overlaps an
/// accepted edit.
#[derive(Default, Clone)]
pub struct Merger {
    edits: Vec<TextEdit>,
    imports: Vec<String>,
}

impl Merger {
    /// Whether `part` fits: none of its edits overlaps an accepted edit
    /// (identical edits are fine: they merge).
    pub fn fits(&self, part: &FilePart) -> bool {
        !part
            .edits
            .iter()
            .any(|e| self.edits.iter().any(|a| a.overlaps(e)))
    }

    pub fn add(&mut self, part: &FilePart) {
        for e in &part.edits {
            if !self.edits.contains(e) {
                self.edits.push(e.clone());
            }
        }
        for i in &part.imports {
            if !self.imports.contains(i) {
                self.imports.push(i.clone());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.imports.is_empty()
    }

    /// Feeds what was accepted, in order, to a key.
    pub fn feed(&self, h: &mut crate::files::pinned::KeyHasher) {
        for e in &self.edits {
            h.part(&e.start.to_le_bytes())
                .part(&e.end.to_le_bytes())
                .part(e.new_text.as_bytes());
        }
        h.part(b"imports");
        for i in &self.imports {
            h.part(i.as_bytes());
        }
    }

    /// All accepted edits plus one import edit, ready to apply to `src`.
    pub fn into_edits(self, src: &str, tree: &Tree) -> Vec<TextEdit> {
        let mut edits = self.edits;
        if let Some(imp) = import_edit(src, tree, &self.imports) {
            edits.push(imp);
        }
        edits
    }
}

/// Applies non-overlapping edits to `src`.
pub fn apply(src: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    // Stable: insertions at one point keep their order.
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(src.len() + 64);
    let mut pos = 0;
    for e in sorted {
        out.push_str(&src[pos..e.start]);
        out.push_str(&e.new_text);
        pos = e.end;
    }
    out.push_str(&src[pos..]);
    out
}

/// The line ending a file uses (its first line's), so inserted lines match.
pub fn line_ending(src: &str) -> &'static str {
    match src.find('\n') {
        Some(i) if i > 0 && src.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Lays out a multi-line template for a position whose line is indented by
/// `indent`: every line after the first gets the indent (blank lines stay
/// empty, as gofmt wants) and `\n` becomes the file's line ending.
pub fn indent_lines(text: &str, indent: &str, eol: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str(eol);
            if !line.is_empty() {
                out.push_str(indent);
            }
        }
        out.push_str(line);
    }
    out
}

/// Replaces `node` with `text`, laid out at the node's indentation.
pub fn replace(src: &str, start: usize, end: usize, text: &str) -> TextEdit {
    let indent = syntax::indent_at(src.as_bytes(), start);
    TextEdit {
        start,
        end,
        new_text: indent_lines(text, indent, line_ending(src)),
    }
}

/// Start of the line holding `offset`, when only blanks precede `offset` on it.
fn starts_line(src: &str, offset: usize) -> Option<usize> {
    let line_start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    src[line_start..offset]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
        .then_some(line_start)
}

/// Lines of `text`, each indented and ended with `eol` (blank lines stay empty).
fn as_lines(text: &str, indent: &str, eol: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        if !line.is_empty() {
            out.push_str(indent);
        }
        out.push_str(line);
        out.push_str(eol);
    }
    out
}

/// Inserts `text` as whole lines before the statement starting at `start`,
/// indented by `indent` (the statement's own indentation, which differs
/// from its line's when a label that gofmt outdents precedes it).
pub fn insert_before(src: &str, start: usize, text: &str, indent: &str) -> TextEdit {
    let eol = line_ending(src);
    match starts_line(src, start) {
        Some(line_start) => TextEdit {
            start: line_start,
            end: line_start,
            new_text: as_lines(text, indent, eol),
        },
        None => {
            let mut body = indent_lines(text, indent, eol);
            body.push_str(eol);
            body.push_str(indent);
            TextEdit {
                start,
                end: start,
                new_text: body,
            }
        }
    }
}

/// Inserts `text` as whole lines after the statement ending at `end`.
pub fn insert_after(src: &str, end: usize, text: &str, indent: &str) -> TextEdit {
    let eol = line_ending(src);
    let mut body = String::from(eol);
    body.push_str(indent);
    body.push_str(&indent_lines(text, indent, eol));
    TextEdit {
        start: end,
        end,
        new_text: body,
    }
}

/// Deletes `start..end`; when nothing else is on its lines, the whole lines
/// go (with their line ending), so no blank or indented-empty line is left.
pub fn delete(src: &str, start: usize, end: usize) -> TextEdit {
    let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[end..].find('\n').map_or(src.len(), |i| end + i + 1);
    let alone = src[line_start..start].trim().is_empty() && src[end..line_end].trim().is_empty();
    // Alone but for a trailing comment (`wg.Done() // done`): the comment
    // keeps the line and takes the statement's place; deleting only the
    // statement would leave a blank before it, which gofmt removes (found
    // by tests/proptest_engine.rs).
    let rest = src[end..line_end].trim_start_matches([' ', '\t']);
    let commented = src[line_start..start].trim().is_empty()
        && (rest.starts_with("//") || rest.starts_with("/*"));
    if alone {
        TextEdit {
            start: line_start,
            end: line_end,
            new_text: String::new(),
        }
    } else if commented {
        TextEdit {
            start,
            end: line_end - rest.len(),
            new_text: String::new(),
        }
    } else {
        TextEdit {
            start,
            end,
            new_text: String::new(),
        }
    }
}

/// Wraps `start..end` in `before` and `after`, laid out at its indentation.
pub fn wrap(src: &str, start: usize, end: usize, before: &str, after: &str) -> TextEdit {
    let indent = syntax::indent_at(src.as_bytes(), start);
    let eol = line_ending(src);
    let mut body = indent_lines(before, indent, eol);
    // The wrapped text keeps its own bytes; only the template lines move.
    body.push_str(&src[start..end]);
    body.push_str(&indent_lines(after, indent, eol));
    TextEdit {
        start,
        end,
        new_text: body,
    }
}

fn is_std(path: &str) -> bool {
    !path.split('/').next().unwrap_or("").contains('.')
}

/// One edit that adds every import in `wanted` that `src` lacks, placed as
/// gofmt keeps imports: sorted within the standard-library group of an
/// import block, a new block made from a lone `import "x"`, or a new
/// declaration after the package clause.
pub fn import_edit(src: &str, tree: &Tree, wanted: &[String]) -> Option<TextEdit> {
    let have = syntax::import_names(tree, src.as_bytes());
    let mut missing: Vec<&String> = wanted
        .iter()
        .filter(|w| !have.iter().any(|(_, p)| p == *w))
        .collect();
    if missing.is_empty() {
        return None;
    }
    missing.sort();
    missing.dedup();
    let eol = line_ending(src);
    let root = tree.root_node();
    let mut cursor = root.walk();
    let decls: Vec<_> = root
        .children(&mut cursor)
        .filter(|c| c.kind_str() == "import_declaration")
        .collect();
    // A parenthesised block: insert into its first standard-library group.
    for decl in &decls {
        let mut c = decl.walk();
        let Some(list) = decl
            .named_children(&mut c)
            .find(|n| n.kind_str() == "import_spec_list")
        else {
            continue;
        };
        if let Some(edit) = into_block(list, src, &missing, eol) {
            return Some(edit);
        }
    }
    if let Some(edit) = decls
        .first()
        .and_then(|d| from_lone_import(*d, src, &missing, eol))
    {
        return Some(edit);
    }
    new_import_decl(root, &missing, eol)
}

/// `"p"`: an import path as Go source.
fn quoted(p: &str) -> String {
    format!("\"{p}\"")
}

/// The path an import spec imports, unquoted.
fn spec_path(spec: Node, src: &str) -> String {
    spec.child_field("path")
        .map(|p| {
            syntax::text(p, src.as_bytes())
                .trim_matches('"')
                .to_string()
        })
        .unwrap_or_default()
}

/// The edit adding `missing` to the import block `list`: into its first
/// standard-library group (groups are runs of specs on consecutive lines),
/// or, with none, a new group at the top of the block. None for a block
/// with no specs.
fn into_block(list: Node, src: &str, missing: &[&String], eol: &str) -> Option<TextEdit> {
    let mut c = list.walk();
    let specs: Vec<_> = list
        .named_children(&mut c)
        .filter(|n| n.kind_str() == "import_spec")
        .collect();
    let mut groups: Vec<Vec<Node>> = Vec::new();
    for s in &specs {
        match groups.last_mut() {
            Some(g) if s.start_position().row <= g.last().unwrap().end_position().row + 1 => {
                g.push(*s)
            }
            _ => groups.push(vec![*s]),
        }
    }
    if let Some(g) = groups
        .iter()
        .find(|g| g.iter().all(|s| is_std(&spec_path(*s, src))))
    {
        return Some(into_group(g, src, missing, eol));
    }
    // No standard-library group: open one at the top of the block.
    let start = specs.first()?.start_byte();
    let indent = syntax::indent_at(src.as_bytes(), start);
    let mut text = missing
        .iter()
        .map(|m| quoted(m))
        .collect::<Vec<_>>()
        .join(&format!("{eol}{indent}"));
    // A blank line (no indent) separates the new group from the old.
    text.push_str(&format!("{eol}{eol}{indent}"));
    Some(TextEdit {
        start,
        end: start,
        new_text: text,
    })
}

/// One edit over the standard-library group `g`'s whole lines: existing
/// lines are kept byte for byte (comments included); each new line goes
/// before the first line whose path sorts after it.
fn into_group(g: &[Node], src: &str, missing: &[&String], eol: &str) -> TextEdit {
    let first = g.first().unwrap().start_byte();
    let last = g.last().unwrap().end_byte();
    let start = src[..first].rfind('\n').map_or(0, |i| i + 1);
    let end = src[last..].find('\n').map_or(src.len(), |i| last + i);
    let indent = syntax::indent_at(src.as_bytes(), first);
    let cr = if eol == "\r\n" { "\r" } else { "" };
    let mut lines: Vec<(String, String)> = g
        .iter()
        .zip(src[start..end].split('\n'))
        .map(|(spec, line)| (spec_path(*spec, src), line.to_string()))
        .collect();
    for m in missing {
        let pos = lines
            .iter()
            .position(|(p, _)| p > *m)
            .unwrap_or(lines.len());
        lines.insert(pos, ((*m).clone(), format!("{indent}{}{cr}", quoted(m))));
    }
    let body = lines
        .into_iter()
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join("\n");
    // The last line's own `\r` (CRLF) stays outside the edit.
    let end = if src[..end].ends_with('\r') {
        end - 1
    } else {
        end
    };
    let body = body.strip_suffix('\r').map(str::to_string).unwrap_or(body);
    TextEdit {
        start,
        end,
        new_text: body,
    }
}

/// A lone `import "x"` made a block holding `missing` too: sorted in with
/// it when it is standard library, else in a group of their own before it.
fn from_lone_import(decl: Node, src: &str, missing: &[&String], eol: &str) -> Option<TextEdit> {
    let mut c = decl.walk();
    let spec = decl
        .named_children(&mut c)
        .find(|n| n.kind_str() == "import_spec")?;
    let spec_text = syntax::text(spec, src.as_bytes()).to_string();
    let path = spec_path(spec, src);
    let mut lines: Vec<(String, String)> =
        missing.iter().map(|m| ((*m).clone(), quoted(m))).collect();
    let mut extra_group = String::new();
    if is_std(&path) {
        lines.push((path, spec_text));
        lines.sort();
    } else {
        extra_group = format!("{eol}{eol}\t{spec_text}");
    }
    let body = lines
        .iter()
        .map(|(_, t)| format!("\t{t}"))
        .collect::<Vec<_>>()
        .join(eol);
    Some(TextEdit {
        start: decl.start_byte(),
        end: decl.end_byte(),
        new_text: format!("import ({eol}{body}{extra_group}{eol})"),
    })
}

/// No imports at all: a new declaration after the package clause.
fn new_import_decl(root: Node, missing: &[&String], eol: &str) -> Option<TextEdit> {
    let mut c = root.walk();
    let clause = root
        .children(&mut c)
        .find(|n| n.kind_str() == "package_clause")?;
    let text = if missing.len() == 1 {
        format!("{eol}{eol}import {}", quoted(missing[0]))
    } else {
        let body = missing
            .iter()
            .map(|m| format!("\t{}", quoted(m)))
            .collect::<Vec<_>>()
            .join(eol);
        format!("{eol}{eol}import ({eol}{body}{eol})")
    };
    Some(TextEdit {
        start: clause.end_byte(),
        end: clause.end_byte(),
        new_text: text,
    })
}

/// Applies edits like `apply`, and also returns the byte ranges of the
/// output that the edits wrote (or where they deleted), for layout fixes.
pub fn apply_tracked(src: &str, edits: &[TextEdit]) -> (String, Vec<(usize, usize)>) {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(src.len() + 64);
    let mut spans = Vec::new();
    let mut pos = 0;
    for e in sorted {
        out.push_str(&src[pos..e.start]);
        let at = out.len();
        out.push_str(&e.new_text);
        spans.push((at, out.len()));
        pos = e.end;
    }
    out.push_str(&src[pos..]);
    (out, spans)
}

/// Where the `//` comment that ends line `l` (of `src`, whose lines start
/// at `line_starts`) starts, when code comes before it on the line and
/// `tree` holds it. Looked up where such a comment ends (it runs to the
/// line's end) rather than by visiting the tree: only the lines near an
/// edit are asked about.
fn trailing_comment(src: &str, tree: &Tree, line_starts: &[usize], l: usize) -> Option<usize> {
    let bytes = src.as_bytes();
    let start = *line_starts.get(l)?;
    let mut end = line_starts.get(l + 1).map_or(bytes.len(), |&s| s - 1);
    let root = tree.root_node();
    let mut n = root.descendant_for_byte_range(end.checked_sub(1)?, end)?;
    // A comment may stop before a line's `\r`.
    if n.kind_str() != "comment" && end > start + 1 && bytes[end - 1] == b'\r' {
        end -= 1;
        n = root.descendant_for_byte_range(end - 1, end)?;
    }
    let ok = n.kind_str() == "comment"
        && n.start_byte() >= start
        && syntax::text(n, bytes).starts_with("//")
        && !src[start..n.start_byte()].trim().is_empty();
    ok.then(|| n.start_byte())
}

/// Re-aligns trailing `//` comments as gofmt does, in the blocks that
/// `touched` (byte ranges of `src`) reach: a block is a run of consecutive
/// lines with the same indentation that each end in a line comment after
/// code; its comments start one space past its widest code (in runes).
/// Blocks no edit reached are left as they are. `parsed`: the ranges of
/// `src` that `tree` holds, when it holds only those; None when a line the
/// blocks reach may end in a comment and lies outside them, so that only
/// a larger tree can tell.
pub fn realign_comments(
    src: &str,
    tree: &Tree,
    touched: &[(usize, usize)],
    parsed: Option<&[std::ops::Range<usize>]>,
) -> Option<String> {
    let bytes = src.as_bytes();
    let line_starts = syntax::line_starts(bytes);
    let line_of = |o: usize| line_starts.partition_point(|&s| s <= o) - 1;
    let unknown = std::cell::Cell::new(false);
    let trailing = |l: usize| {
        if let (Some(parsed), Some(&start)) = (parsed, line_starts.get(l)) {
            let end = line_starts.get(l + 1).map_or(bytes.len(), |&s| s - 1);
            let held = parsed.iter().any(|r| r.start <= start && end <= r.end);
            // A comment after code starts at a `//` with code before it.
            let line = &bytes[start..end];
            let after_code = memchr::memmem::find(line, b"//")
                .is_some_and(|j| !line[..j].trim_ascii().is_empty());
            if !held && after_code {
                unknown.set(true);
                return None;
            }
        }
        trailing_comment(src, tree, &line_starts, l)
    };
    let indent = |l: usize| syntax::indent_at(bytes, line_starts[l]).to_string();
    let mut touched_lines: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for &(s, e) in touched {
        let (a, b) = (
            line_of(s.min(src.len().saturating_sub(1))),
            line_of(e.min(src.len().saturating_sub(1))),
        );
        // The lines around an edit too: deleting the widest line of a block
        // (`wg.Done() // done`, whose comment stays on its own line) leaves
        // the lines above padded wider than gofmt wants.
        touched_lines.extend(a.saturating_sub(1)..=(b + 1).min(line_starts.len() - 1));
    }
    let mut edits = Vec::new();
    let mut done: std::collections::BTreeSet<usize> = std::collections::BTreeSet::new();
    for &line in &touched_lines {
        if trailing(line).is_none() || done.contains(&line) {
            continue;
        }
        let ind = indent(line);
        let code =
            |l: usize| src[line_starts[l]..trailing(l).expect("a trailing comment")].trim_end();
        // gofmt starts a new alignment section after a line that opens a
        // block (`{`), a case clause or label (`:`), and after a statement
        // that spans lines (its last line starts with a closer): `} // a`
        // and `x() // b` below it are not aligned (found by
        // tests/proptest_engine.rs).
        let joins = |above: usize| {
            let c = code(above);
            !(c.ends_with('{') || c.ends_with(':') || c.trim_start().starts_with(['}', ')', ']']))
        };
        let (mut first, mut last) = (line, line);
        while first > 0
            && trailing(first - 1).is_some()
            && indent(first - 1) == ind
            && joins(first - 1)
        {
            first -= 1;
        }
        while trailing(last + 1).is_some() && indent(last + 1) == ind && joins(last) {
            last += 1;
        }
        done.extend(first..=last);
        // A lone trailing comment gets one space, as gofmt gives it.
        let width = (first..=last)
            .map(|l| code(l).chars().count())
            .max()
            .unwrap_or(0);
        let code_end = |l: usize| line_starts[l] + code(l).len();
        for l in first..=last {
            let (code_end, at) = (code_end(l), trailing(l).expect("a trailing comment"));
            let pad = " ".repeat(width - code(l).chars().count() + 1);
            if src[code_end..at] != pad {
                edits.push(TextEdit {
                    start: code_end,
                    end: at,
                    new_text: pad,
                });
            }
        }
    }
    (!unknown.get()).then(|| apply(src, &edits))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line's trailing comment, looked up from its end, is the one
    /// a visit of every comment node finds: on a Go file, on it with
    /// `\r\n` line ends, and on a tree of only some of its declarations.
    #[test]
    fn trailing_comments_are_the_visits() {
        let file = String::from_utf8(crate::go::goroot_file("net/http/server.go", 1.0)).unwrap();
        let crlf = file.replace('\n', "\r\n");
        for (src, partial) in [(&file, false), (&crlf, false), (&file, true)] {
            let bytes = src.as_bytes();
            let tree = if partial {
                let chunks = syntax::top_level_chunks(bytes).unwrap();
                let keep = (0..chunks.len()).map(|k| k % 3 == 0).collect();
                syntax::parse_ranges(bytes, &syntax::kept_ranges(&chunks, keep))
            } else {
                syntax::parse(bytes)
            };
            let lines = syntax::line_starts(bytes);
            let mut visited = std::collections::BTreeMap::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if n.kind_str() == "comment" && syntax::text(n, bytes).starts_with("//") {
                    let line = lines.partition_point(|&s| s <= n.start_byte()) - 1;
                    if !src[lines[line]..n.start_byte()].trim().is_empty() {
                        visited.insert(line, n.start_byte());
                    }
                }
            });
            let looked_up: std::collections::BTreeMap<usize, usize> = (0..lines.len() + 2)
                .filter_map(|l| Some((l, trailing_comment(src, &tree, &lines, l)?)))
                .collect();
            assert!(visited.len() > 20, "{}", visited.len());
            assert_eq!(looked_up, visited, "partial {partial}");
        }
    }

    fn with_imports(src: &str, wanted: &[&str]) -> String {
        let tree = syntax::parse(src.as_bytes());
        let wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        match import_edit(src, &tree, &wanted) {
            Some(e) => apply(src, &[e]),
            None => src.to_string(),
        }
    }

    #[test]
    fn import_into_sorted_std_group() {
        let src = "package p\n\nimport (\n\t\"errors\"\n\t\"time\"\n\n\t\"example.com/x\"\n)\n";
        assert_eq!(
            with_imports(src, &["context", "fmt"]),
            "package p\n\nimport (\n\t\"context\"\n\t\"errors\"\n\t\"fmt\"\n\t\"time\"\n\n\t\"example.com/x\"\n)\n"
        );
    }

    #[test]
    fn import_keeps_comments_in_the_group() {
        let src = "package p\n\nimport (\n\t\"log\" // logging\n\t_ \"net/http/pprof\" // Required to use pprof\n\t\"os\"\n)\n";
        assert_eq!(
            with_imports(src, &["context", "net"]),
            "package p\n\nimport (\n\t\"context\"\n\t\"log\" // logging\n\t\"net\"\n\t_ \"net/http/pprof\" // Required to use pprof\n\t\"os\"\n)\n"
        );
        let crlf = src.replace('\n', "\r\n");
        assert_eq!(
            with_imports(&crlf, &["zz"]),
            "package p\r\n\r\nimport (\r\n\t\"log\" // logging\r\n\t_ \"net/http/pprof\" // Required to use pprof\r\n\t\"os\"\r\n\t\"zz\"\r\n)\r\n"
        );
    }

    #[test]
    fn delete_takes_whole_lines_only_when_alone() {
        let src = "func f() {\n\twg.Done()\n\tx()\n}\n";
        let at = src.find("wg.Done()").unwrap();
        assert_eq!(
            apply(src, &[delete(src, at, at + 9)]),
            "func f() {\n\tx()\n}\n"
        );
        let src = "a(); wg.Done()\n";
        let at = src.find("wg.Done()").unwrap();
        assert_eq!(apply(src, &[delete(src, at, at + 9)]), "a(); \n");
        let src = "func f() {\n\twg.Done() // done\n}\n";
        let at = src.find("wg.Done()").unwrap();
        assert_eq!(
            apply(src, &[delete(src, at, at + 9)]),
            "func f() {\n\t// done\n}\n"
        );
    }

    #[test]
    fn trailing_comments_realigned_only_in_touched_blocks() {
        let src = "package p\n\nfunc f() {\n\tgo g(stop) // G1\n\tgo func() {  // G2\n\t}()\n\tx := 1 // far\n\ty := 22 // off\n}\n";
        let at = src.find("g(").unwrap() + 2;
        let e = TextEdit {
            start: at,
            end: at,
            new_text: "ctx, ".into(),
        };
        let (new, touched) = apply_tracked(src, &[e]);
        let new_tree = syntax::parse(new.as_bytes());
        assert_eq!(
            realign_comments(&new, &new_tree, &touched, None).unwrap(),
            "package p\n\nfunc f() {\n\tgo g(ctx, stop) // G1\n\tgo func() {     // G2\n\t}()\n\tx := 1 // far\n\ty := 22 // off\n}\n"
        );
    }

    #[test]
    fn trailing_comments_realigned_after_deleting_the_widest_line() {
        let src = "func f() {\n\tx := 1    // a\n\t_ = x     // b\n\twg.Done() // c\n}\n";
        let at = src.find("wg.Done()").unwrap();
        let (new, touched) = apply_tracked(src, &[delete(src, at, at + 9)]);
        let new_tree = syntax::parse(new.as_bytes());
        assert_eq!(
            realign_comments(&new, &new_tree, &touched, None).unwrap(),
            "func f() {\n\tx := 1 // a\n\t_ = x  // b\n\t// c\n}\n"
        );
    }

    #[test]
    fn trailing_comments_not_aligned_across_gofmt_section_breaks() {
        // A block's `{` line, a case clause and a multi-line statement's
        // last line each end gofmt's alignment section.
        let src = "func f() {\n\tselect { // a\n\tcase <-c: // b\n\tcase <-d: // c\n\t}\n\tif x {\n\t} // d\n\tg(y) // e\n}\n";
        let at = src.find("g(").unwrap() + 2;
        let e = TextEdit {
            start: at,
            end: at,
            new_text: "ctx, ".into(),
        };
        let at2 = src.find("\tselect").unwrap();
        let e2 = TextEdit {
            start: at2,
            end: at2,
            new_text: "\tt.Reset(d)\n".into(),
        };
        let (new, touched) = apply_tracked(src, &[e2, e]);
        let new_tree = syntax::parse(new.as_bytes());
        assert_eq!(
            realign_comments(&new, &new_tree, &touched, None).unwrap(),
            "func f() {\n\tt.Reset(d)\n\tselect { // a\n\tcase <-c: // b\n\tcase <-d: // c\n\t}\n\tif x {\n\t} // d\n\tg(ctx, y) // e\n}\n"
        );
    }

    #[test]
    fn a_part_whose_edits_nest_overlaps_itself() {
        let e = |start, end| TextEdit {
            start,
            end,
            new_text: "x".into(),
        };
        let part = |edits| FilePart {
            edits,
            ..FilePart::default()
        };
        assert!(part(vec![e(10, 40), e(20, 20)]).self_overlaps());
        assert!(part(vec![e(10, 40), e(20, 25)]).self_overlaps());
        assert!(!part(vec![e(10, 20), e(20, 25), e(20, 20)]).self_overlaps());
        assert!(!part(vec![e(10, 20), e(10, 20)]).self_overlaps());
    }

    #[test]
    fn import_already_present_is_no_edit() {
        let src = "package p\n\nimport \"context\"\n";
        assert_eq!(with_imports(src, &["context"]), src);
    }

    #[test]
    fn lone_import_becomes_block() {
        let src = "package p\n\nimport \"time\"\n";
        assert_eq!(
            with_imports(src, &["context"]),
            "package p\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n"
        );
    }

    #[test]
    fn no_imports_adds_declaration() {
        let src = "package p\n\nfunc f() {}\n";
        assert_eq!(
            with_imports(src, &["context"]),
            "package p\n\nimport \"context\"\n\nfunc f() {}\n"
        );
    }

    #[test]
    fn only_third_party_group_gets_std_group_first() {
        let src = "package p\n\nimport (\n\t\"example.com/x\"\n)\n";
        assert_eq!(
            with_imports(src, &["context"]),
            "package p\n\nimport (\n\t\"context\"\n\n\t\"example.com/x\"\n)\n"
        );
    }

    #[test]
    fn crlf_is_kept_in_inserted_lines() {
        let src = "package p\r\n\r\nfunc f() {\r\n\tx()\r\n}\r\n";
        let at = src.find("x()").unwrap();
        let e = insert_before(src, at, "a()\nb()", "\t");
        assert_eq!(
            apply(src, &[e]),
            "package p\r\n\r\nfunc f() {\r\n\ta()\r\n\tb()\r\n\tx()\r\n}\r\n"
        );
    }

    #[test]
    fn overlapping_part_is_refused_identical_merged_insertions_stack() {
        let mut m = Merger::default();
        let part = |start, end, t: &str| FilePart {
            edits: vec![TextEdit {
                start,
                end,
                new_text: t.into(),
            }],
            ..Default::default()
        };
        let a = part(0, 5, "x");
        assert!(m.fits(&a));
        m.add(&a);
        assert!(m.fits(&a.clone()));
        assert!(!m.fits(&part(3, 8, "y")));
        assert!(!m.fits(&part(2, 2, "inside")));
        assert!(m.fits(&part(5, 5, "after")));
        m.add(&part(5, 5, "after"));
        assert!(m.fits(&part(5, 5, "after too")));
    }
}
