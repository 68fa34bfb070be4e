//! Suppression comments: `//gofix-leaks:ignore` and golangci-lint's
//! `//nolint`, finding them in a file (one scanner for both), dropping the
//! findings (and fixes) they cover, and reviewing them after a run for rule
//! ids that name no loaded rule and, on request, for comments that
//! suppress nothing.
//!
//! A directive is a line comment `//gofix-leaks:ignore [IDS [REASON]]`
//! (`// gofix-leaks:ignore` too: gofmt adds that space in doc comments,
//! since the hyphen keeps the comment from being a Go directive). IDS is a
//! comma-separated list of rule ids, or `all`; with no IDS it covers every
//! rule. It covers:
//! - at the end of a line of code: that line;
//! - on a line of its own: the first line after its block of comment lines;
//! - in the doc comment of a top-level function or method (the comment
//!   block right above `func`): the whole declaration.
//!
//! `//nolint`, `//nolint:all`, `//nolint:gofix-leaks` (every rule) and
//! `//nolint:gofix-leaks/RULE` (one rule), alone or in a list with other
//! linters, follow golangci-lint's placement: at the end of a line, that
//! line; on a line of its own, that line and the whole syntax node (a
//! declaration, a statement) that starts on the next line at the comment's
//! column; above the package clause, the file. A `//nolint` that does not
//! name this tool is for every linter, so it is never reported as unused.
//!
//! A finding is covered when its start line is. Rule ids are data here: the
//! engine's findings carry them, and `review` checks them against the
//! loaded rules.

use crate::engine::diagnostic::Finding;
use crate::engine::matching::FileOutcome;
use crate::go::syntax;
use crate::go::syntax::NodeKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The directive's marker, after `//` or `// `.
pub const MARKER: &str = "gofix-leaks:ignore";

/// One `//gofix-leaks:ignore` comment of a checked file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    /// The file, as output shows it.
    pub file: String,
    /// 1-based line and byte column of the comment.
    pub line: usize,
    pub column: usize,
    /// The comment as written.
    pub text: String,
    /// The rule ids it names; `None` covers every rule.
    pub rules: Option<Vec<String>>,
    pub reason: String,
    /// The 1-based lines it covers, inclusive.
    pub first: usize,
    pub last: usize,
    /// Whether it covers a function through its doc comment.
    pub function: bool,
    /// `//gofix-leaks:ignore` or `//nolint`.
    pub style: Style,
    /// Whether `--report-unused-ignores` reports it when it suppresses
    /// nothing: not a bare `//nolint`, which other linters may need.
    pub judged: bool,
    /// The rules whose findings it suppressed in this run.
    pub used: BTreeSet<String>,
}

impl Directive {
    pub fn posn(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }

    pub fn covers(&self, f: &Finding) -> bool {
        (self.first..=self.last).contains(&f.start.line)
            && self.rules.as_ref().is_none_or(|ids| ids.contains(&f.rule))
    }
}

/// A finding an ignore comment suppressed (JSON `suppressed`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suppressed {
    pub rule: String,
    pub kind: crate::engine::diagnostic::Kind,
    pub file: String,
    /// The finding's `file:line:column`.
    pub posn: String,
    pub message: String,
    /// The ignore comment's `file:line:column`.
    pub directive: String,
    /// The reason written after the rule ids ("" when none).
    pub reason: String,
    /// The comment's convention, or the `--baseline` file `directive`
    /// names. In the JSON only as `"baseline": true`, so runs without a
    /// baseline are unchanged.
    #[serde(
        rename = "baseline",
        serialize_with = "serialize_baseline",
        skip_serializing_if = "not_baseline",
        skip_deserializing
    )]
    pub style: Style,
}

fn not_baseline(style: &Style) -> bool {
    *style != Style::Baseline
}

fn serialize_baseline<S: serde::Serializer>(style: &Style, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*style == Style::Baseline)
}

/// An ignore comment that needs attention (JSON `ignore_problems`).
#[derive(Debug, Clone, Serialize)]
pub struct IgnoreProblem {
    /// `unknown-rule`: it names a rule id that no loaded rule has (always
    /// reported); `unused-ignore`: it suppressed nothing (with
    /// `--report-unused-ignores`).
    pub kind: &'static str,
    pub file: String,
    pub posn: String,
    pub line: usize,
    pub column: usize,
    /// The comment as written.
    pub text: String,
    pub message: String,
}

/// golangci-lint's directive, honoured when it names this tool:
/// `//nolint` (every linter), `//nolint:all`, `//nolint:gofix-leaks` (every
/// rule) or `//nolint:gofix-leaks/RULE`, in a list like
/// `//nolint:errcheck,gofix-leaks // why`.
pub const NOLINT: &str = "nolint";

/// The linter name golangci-lint knows this tool by (a module plugin's name).
const LINTER: &str = "gofix-leaks";

/// Which convention a directive follows: they differ in where they apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// `//gofix-leaks:ignore`.
    #[default]
    Ignore,
    /// `//nolint`, with golangci-lint's placement rules.
    Nolint,
    /// Not a comment: an entry of the `--baseline` file.
    Baseline,
}

/// What a directive comment says: the rules it covers (None: every rule),
/// the reason, and whether `--report-unused-ignores` may judge it (a bare
/// `//nolint` is meant for every linter, not only this one).
struct Said {
    rules: Option<Vec<String>>,
    reason: String,
    judged: bool,
}

/// Reads a comment's text; None when it is no directive for this tool.
fn parse_directive(text: &str) -> Option<(Style, Said)> {
    let body = text.strip_prefix("//")?;
    let body = body.strip_prefix(' ').unwrap_or(body);
    if let Some(after) = body.strip_prefix(MARKER) {
        if after.chars().next().is_some_and(|c| !c.is_whitespace()) {
            return None; // `//gofix-leaks:ignored`, not a directive
        }
        let after = after.trim();
        let (ids, reason) = match after.split_once(char::is_whitespace) {
            Some((ids, reason)) => (ids, reason.trim()),
            None => (after, ""),
        };
        let ids: Vec<String> = ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let rules = (!ids.is_empty() && !ids.iter().any(|i| i == "all")).then_some(ids);
        let said = Said {
            rules,
            reason: reason.to_string(),
            judged: true,
        };
        return Some((Style::Ignore, said));
    }
    parse_nolint(body.strip_prefix(NOLINT)?).map(|said| (Style::Nolint, said))
}

/// The part of a `//nolint` comment after `nolint`: `:LINTER,...` and an
/// explanation after `//`, as golangci-lint reads it.
fn parse_nolint(after: &str) -> Option<Said> {
    let (list, reason) = match after.split_once("//") {
        Some((list, reason)) => (list, reason.trim()),
        None => (after, ""),
    };
    let bare = |judged| Said {
        rules: None,
        reason: reason.to_string(),
        judged,
    };
    if list.trim().is_empty() {
        return Some(bare(false));
    }
    let list = list.strip_prefix(':')?;
    // The names end at the first space not next to a comma.
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .scan(true, |go_on, name| {
            if !*go_on {
                return None;
            }
            let (name, rest) = name.split_once(char::is_whitespace).unwrap_or((name, ""));
            *go_on = rest.is_empty();
            Some(name)
        })
        .collect();
    if names.contains(&"all") {
        return Some(bare(false));
    }
    if names.contains(&LINTER) {
        return Some(bare(true));
    }
    let rules: Vec<String> = names
        .iter()
        .filter_map(|n| n.strip_prefix(LINTER)?.strip_prefix('/'))
        .filter(|r| !r.is_empty())
        .map(String::from)
        .collect();
    (!rules.is_empty()).then_some(Said {
        rules: Some(rules),
        reason: reason.to_string(),
        judged: true,
    })
}

/// Finds the ignore and nolint comments of a file. Only files holding a
/// directive are parsed (again), and of those only the declarations
/// around the markers, so the cost is paid by the few places that have one.
pub fn scan(bytes: &[u8], display: &str) -> Vec<Directive> {
    match marker_hits(bytes) {
        Some(hits) => read_directives(bytes, display, &hits, &tree_around(bytes, &hits)),
        None => Vec::new(),
    }
}

/// Where a marker of a directive (`MARKER`, `NOLINT`) is written in
/// `bytes`, sorted; None when no comment line holds a directive for this
/// tool.
fn marker_hits(bytes: &[u8]) -> Option<Vec<usize>> {
    let mut hits: Vec<usize> = [MARKER, NOLINT]
        .iter()
        .flat_map(|m| memchr::memmem::find_iter(bytes, m.as_bytes()))
        .collect();
    // Many files hold `//nolint` for other linters: parse only those with
    // a comment line that is a directive for this tool.
    let line_at = |at: usize| {
        let from = at.saturating_sub(3);
        let to = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        let text = String::from_utf8_lossy(&bytes[from..to]);
        text.find("//").map_or("", |i| &text[i..]).to_string()
    };
    if !hits
        .iter()
        .any(|&at| parse_directive(&line_at(at)).is_some())
    {
        return None;
    }
    hits.sort_unstable();
    Some(hits)
}

/// The directives among the comments at `hits`, read in `tree`: a parse
/// of all of `bytes` or of the declarations around the hits
/// (`tree_around`).
fn read_directives(
    bytes: &[u8],
    display: &str,
    hits: &[usize],
    tree: &tree_sitter::Tree,
) -> Vec<Directive> {
    let whole = std::cell::OnceCell::new();
    let root = tree.root_node();
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let mut out: Vec<Directive> = Vec::new();
    for &at in hits {
        let start = if at >= 3 && &bytes[at - 3..at] == b"// " {
            at - 3
        } else if at >= 2 && &bytes[at - 2..at] == b"//" {
            at - 2
        } else {
            continue;
        };
        let Some(node) = root.descendant_for_byte_range(start, start + 2) else {
            continue;
        };
        if node.kind_str() != "comment" || node.start_byte() != start {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes[node.byte_range()])
            .trim_end()
            .to_string();
        let Some((style, said)) = parse_directive(&text) else {
            continue;
        };
        let row = node.start_position().row;
        let column = node.start_position().column;
        let own_line = lines
            .get(row)
            .is_some_and(|l| l[..column.min(l.len())].iter().all(u8::is_ascii_whitespace));
        let (first, last, function) = match (own_line, style) {
            (false, _) => (row + 1, row + 1, false),
            (true, Style::Ignore) => ignore_span(root, &lines, row),
            (true, Style::Nolint) => nolint_span(root, row, column, &|| {
                // A partial tree does not end where the file does.
                let whole = whole.get_or_init(|| syntax::parse(bytes));
                whole.root_node().end_position()
            }),
            (true, Style::Baseline) => unreachable!("parse_directive reads comments only"),
        };
        out.push(Directive {
            file: display.to_string(),
            line: row + 1,
            column: column + 1,
            text,
            rules: said.rules,
            reason: said.reason,
            first,
            last,
            function,
            style,
            judged: said.judged,
            used: BTreeSet::new(),
        });
    }
    out
}

/// The tree `scan` reads the comments at `hits` (sorted offsets) in: the
/// top-level chunk each is in and those after it up to the first that is
/// not only comments (what a comment on a line of its own covers starts
/// on the next line, or after the comment lines below it), parsed with
/// the header. The whole file when it does not split, or that parse has an
/// error: a file with a marker in most of its functions was parsed whole
/// again, 16% of a run on kubo, whose `//nolint` comments are many.
fn tree_around(bytes: &[u8], hits: &[usize]) -> tree_sitter::Tree {
    let Some(chunks) = syntax::top_level_chunks(bytes) else {
        return syntax::parse(bytes);
    };
    let mut keep: Vec<bool> = chunks
        .iter()
        .map(|(_, k)| *k == syntax::ChunkKind::Header)
        .collect();
    for &at in hits {
        let mut k = chunks.partition_point(|(r, _)| r.end <= at);
        while k < chunks.len() {
            keep[k] = true;
            k += 1;
            if chunks
                .get(k)
                .is_none_or(|(_, kind)| *kind != syntax::ChunkKind::Comment)
            {
                break;
            }
        }
        if let Some(flag) = keep.get_mut(k) {
            *flag = true;
        }
    }
    let ranges = syntax::kept_ranges(&chunks, keep);
    let tree = syntax::parse_ranges(bytes, &ranges);
    match tree.root_node().has_error() {
        true => syntax::parse(bytes),
        false => tree,
    }
}

/// The 1-based lines a `//gofix-leaks:ignore` on a line of its own (at
/// 0-based `row`) covers: the first line after its block of comment lines,
/// or the whole function that block documents.
fn ignore_span(root: tree_sitter::Node, lines: &[&[u8]], row: usize) -> (usize, usize, bool) {
    let comment_only = |row: usize| {
        lines
            .get(row)
            .is_some_and(|l| l.trim_ascii_start().starts_with(b"//"))
    };
    let mut next = row + 1;
    while comment_only(next) {
        next += 1;
    }
    let mut c = root.walk();
    let func = root.children(&mut c).find(|d| {
        matches!(d.kind_str(), "function_declaration" | "method_declaration")
            && d.start_position().row == next
    });
    match func {
        Some(f) => (row + 1, f.end_position().row + 1, true),
        None => (next + 1, next + 1, false),
    }
}

/// The 1-based lines a `//nolint` on a line of its own covers, by
/// golangci-lint's rule: its own line, and when a syntax node starts on the
/// next line at the comment's column (a declaration or statement below
/// it), that whole node; above the package clause, the whole file, which
/// ends at `file_end`.
fn nolint_span(
    root: tree_sitter::Node,
    row: usize,
    column: usize,
    file_end: &dyn Fn() -> tree_sitter::Point,
) -> (usize, usize, bool) {
    let at = tree_sitter::Point::new(row + 1, column);
    let Some(mut node) = root.descendant_for_point_range(at, at) else {
        return (row + 1, row + 1, false);
    };
    if node.start_position() != at {
        return (row + 1, row + 1, false);
    }
    while let Some(p) = node.parent() {
        if p.start_position() != at || p.kind_str() == "source_file" {
            break;
        }
        node = p;
    }
    if node.kind_str() == "package_clause" {
        // The file ends after its last newline: row N, column 0.
        let end = file_end();
        return (row + 1, end.row + usize::from(end.column > 0), true);
    }
    let function = matches!(
        node.kind_str(),
        "function_declaration" | "method_declaration"
    );
    (row + 1, node.end_position().row + 1, function)
}

/// Drops the findings of `out` that an ignore comment of the file covers
/// (`directives`, its `scan`), with their fixes, and records them and the
/// file's comments in `out`.
pub fn apply(out: &mut FileOutcome, mut directives: Vec<Directive>) {
    if directives.is_empty() {
        return;
    }
    let findings = std::mem::take(&mut out.findings);
    let fixes = std::mem::take(&mut out.fixes);
    for (f, fix) in findings.into_iter().zip(fixes) {
        // The narrowest comment wins: a line's own before its function's.
        let by = directives
            .iter_mut()
            .filter(|d| d.covers(&f))
            .min_by_key(|d| (d.function, d.last - d.first, d.line));
        match by {
            Some(d) => {
                d.used.insert(f.rule.clone());
                out.suppressed.push(Suppressed {
                    rule: f.rule,
                    kind: f.kind,
                    file: f.file,
                    posn: f.posn,
                    message: f.message,
                    directive: d.posn(),
                    reason: d.reason.clone(),
                    style: d.style,
                });
            }
            None => {
                out.findings.push(f);
                out.fixes.push(fix);
            }
        }
    }
    out.directives = directives;
}

/// The ignore comments of a run that need attention, in the order given:
/// rule ids that no `loaded` rule has, and, when `report_unused`, comments
/// (or ids of a comment) that suppressed nothing although their rules ran.
/// A comment for every rule counts as unused only when every loaded rule
/// ran (no `--only`/`--skip` left one out).
pub fn review(
    directives: &[Directive],
    loaded: &[String],
    ran: &[String],
    report_unused: bool,
) -> Vec<IgnoreProblem> {
    let mut out = Vec::new();
    for d in directives {
        let problem = |kind, message| IgnoreProblem {
            kind,
            file: d.file.clone(),
            posn: d.posn(),
            line: d.line,
            column: d.column,
            text: d.text.clone(),
            message,
        };
        let ids = d.rules.as_deref().unwrap_or_default();
        let unknown: Vec<&String> = ids.iter().filter(|id| !loaded.contains(id)).collect();
        if !unknown.is_empty() {
            out.push(problem(
                "unknown-rule",
                format!(
                    "`{}` names no loaded rule: {} (loaded: {})",
                    d.text,
                    quoted(&unknown),
                    loaded.join(", ")
                ),
            ));
        }
        if !report_unused || !d.judged {
            continue;
        }
        let unused: Vec<&String> = match &d.rules {
            None if d.used.is_empty() && loaded.iter().all(|id| ran.contains(id)) => {
                out.push(problem(
                    "unused-ignore",
                    format!("`{}` suppresses nothing", d.text),
                ));
                continue;
            }
            None => continue,
            Some(ids) => ids
                .iter()
                .filter(|id| ran.contains(id) && !d.used.contains(*id))
                .collect(),
        };
        if unused.is_empty() {
            continue;
        }
        let message = if d.used.is_empty() && unused.len() + unknown.len() == ids.len() {
            format!("`{}` suppresses nothing", d.text)
        } else {
            format!("`{}` suppresses nothing for {}", d.text, quoted(&unused))
        };
        out.push(problem("unused-ignore", message));
    }
    out
}

fn quoted(ids: &[&String]) -> String {
    ids.iter()
        .map(|id| format!("`{id}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text output: the problems, the suppressed findings when `show`, and a
/// count of the suppressed ones.
pub fn print_text(
    suppressed: &[Suppressed],
    problems: &[IgnoreProblem],
    show: bool,
    err: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    for p in problems {
        writeln!(err, "{}: {}: {}", p.posn, p.kind, p.message)?;
    }
    if show {
        for s in suppressed {
            let why = if s.reason.is_empty() {
                String::new()
            } else {
                format!(": {}", s.reason)
            };
            let by = if s.style == Style::Baseline {
                "baseline "
            } else {
                ""
            };
            writeln!(
                err,
                "{}: {}: {} [suppressed by {by}{}{why}]",
                s.posn, s.rule, s.message, s.directive
            )?;
        }
    }
    let hint = if show {
        ""
    } else {
        " (--show-suppressed lists them)"
    };
    let (by_baseline, by_comment): (Vec<&Suppressed>, Vec<&Suppressed>) =
        suppressed.iter().partition(|s| s.style == Style::Baseline);
    if !by_comment.is_empty() {
        let nolint = by_comment
            .iter()
            .filter(|s| s.style == Style::Nolint)
            .count();
        let comments = match nolint {
            0 => format!("//{MARKER}"),
            n if n == by_comment.len() => format!("//{NOLINT}"),
            _ => format!("//{MARKER} and //{NOLINT}"),
        };
        writeln!(
            err,
            "{} finding(s) suppressed by {comments} comments{hint}",
            by_comment.len()
        )?;
    }
    if let Some(s) = by_baseline.first() {
        writeln!(
            err,
            "{} finding(s) suppressed by the baseline {}{hint}",
            by_baseline.len(),
            s.directive
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, first, last, rules, reason) of each directive.
    type Scanned = (usize, usize, usize, Option<Vec<String>>, String);

    fn scan_str(src: &str) -> Vec<Scanned> {
        scan(src.as_bytes(), "a.go")
            .into_iter()
            .map(|d| (d.line, d.first, d.last, d.rules, d.reason))
            .collect()
    }

    /// Directives read in the tree of the declarations around them are
    /// those a parse of the whole file gives: on Go files with a directive
    /// written above every seventh line (at its indentation), after every
    /// eleventh, and above the package clause of every third file; and on
    /// the same files with a directive here and there (every 97th line).
    #[test]
    fn directives_read_around_them_are_those_of_the_whole_file() {
        let go = crate::go::goroot_src();
        let (mut files, mut partial, mut found) = (0, 0, 0);
        for dir in ["net/http", "go/types", "sync", "time"] {
            let mut paths: Vec<_> = std::fs::read_dir(go.join(dir))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "go"))
                .collect();
            paths.sort();
            for (path, every) in paths.iter().take(40).flat_map(|p| [(p, 1), (p, 97)]) {
                let text = std::fs::read_to_string(path).unwrap();
                let mut src = String::new();
                for (i, line) in text.lines().enumerate() {
                    let indent = &line[..line.len() - line.trim_start().len()];
                    let i = if every == 1 || i % every == 3 { i } else { 1 };
                    if i % 7 == 3 {
                        src += &format!("{indent}//nolint:gofix-leaks // why\n");
                    }
                    if i % 17 == 9 {
                        src += &format!("{indent}// gofix-leaks:ignore all\n");
                    }
                    if files % 3 == 0 && line.starts_with("package ") {
                        src += "//nolint\n";
                    }
                    src += line;
                    src += if i % 11 == 5 { " //nolint\n" } else { "\n" };
                }
                let bytes = src.as_bytes();
                let Some(hits) = marker_hits(bytes) else {
                    continue;
                };
                let around = tree_around(bytes, &hits);
                let whole = syntax::parse(bytes);
                let decls = |t: &tree_sitter::Tree| t.root_node().named_child_count();
                partial += usize::from(decls(&around) < decls(&whole) / 2);
                let got = read_directives(bytes, "a.go", &hits, &around);
                let want = read_directives(bytes, "a.go", &hits, &whole);
                assert_eq!(
                    format!("{got:?}"),
                    format!("{want:?}"),
                    "{}",
                    path.display()
                );
                files += 1;
                found += want.len();
            }
        }
        assert!(
            files > 200 && found > 5_000,
            "{files} files, {found} directives"
        );
        assert!(partial > 50, "{partial} files read in part");
    }

    #[test]
    fn placements() {
        let src = "package p

// f does things.
//
// gofix-leaks:ignore waitgroup-done,single-result-buffer known: see #12
func f() {
	x := 1 //gofix-leaks:ignore
	//gofix-leaks:ignore all
	// more words
	_ = x
	s := \"//gofix-leaks:ignore\"
	//gofix-leaks:ignored
}
";
        let ids = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            scan_str(src),
            vec![
                (
                    5,
                    5,
                    13,
                    ids(&["waitgroup-done", "single-result-buffer"]),
                    "known: see #12".to_string()
                ),
                (7, 7, 7, None, String::new()),
                (8, 10, 10, None, String::new()),
            ]
        );
    }

    #[test]
    fn nolint_placements() {
        let src = "package p

//nolint:errcheck,gofix-leaks // legacy
func f() {
	x := 1 //nolint:gofix-leaks/waitgroup-done
	//nolint
	if x > 0 {
		_ = x
	}
	//nolint:gofix-leaks
		_ = x // not at the comment's column: its own line only
	_ = x
	//nolint:errcheck
	_ = x
	//nolint:all,gofix-leaks/a
	_ = x
}
";
        let ids = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            scan_str(src),
            vec![
                (3, 3, 17, None, "legacy".to_string()),
                (5, 5, 5, ids(&["waitgroup-done"]), String::new()),
                (6, 6, 9, None, String::new()),
                (10, 10, 10, None, String::new()),
                (15, 15, 16, None, String::new()),
            ]
        );
        let judged: Vec<bool> = scan(src.as_bytes(), "a.go")
            .iter()
            .map(|d| d.judged)
            .collect();
        assert_eq!(judged, [true, true, false, true, false]);
        // Above the package clause: the whole file.
        let whole = "//nolint:gofix-leaks\npackage p\n\nvar x = 1\n";
        assert_eq!(scan_str(whole), vec![(1, 1, 4, None, String::new())]);
        // Names that are not this tool's, and look-alikes, are no directive.
        for text in [
            "//nolint:errcheck gofix-leaks",
            "//nolintx",
            "//nolint:gofix-leaksy",
            "// see nolint",
        ] {
            assert_eq!(
                scan_str(&format!("package p\n\n{text}\nvar x = 1\n")),
                vec![],
                "{text}"
            );
        }
    }

    #[test]
    fn review_reports_unknown_and_unused() {
        let mut d = scan(
            b"package p\n\n//gofix-leaks:ignore a,typo why\nvar x = 1\n",
            "a.go",
        );
        let loaded = vec!["a".to_string(), "b".to_string()];
        let p = review(&d, &loaded, &loaded, false);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].kind, "unknown-rule");
        assert!(p[0].message.contains("`typo`"), "{}", p[0].message);
        let p = review(&d, &loaded, &loaded, true);
        assert_eq!(p[1].kind, "unused-ignore");
        assert!(
            p[1].message.ends_with("suppresses nothing"),
            "{}",
            p[1].message
        );
        d[0].used.insert("a".into());
        assert_eq!(review(&d, &loaded, &loaded, true).len(), 1);
        // A rule that did not run cannot be judged.
        d[0].used.clear();
        assert_eq!(review(&d, &loaded, &["b".to_string()], true).len(), 1);
    }
}
