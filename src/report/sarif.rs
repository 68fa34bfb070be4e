//! `--format sarif`: a run's findings as a SARIF 2.1.0 log that GitHub code
//! scanning accepts. One run; `tool.driver.rules` describes every rule that
//! ran; each finding is a result with its location and, when it has one, its
//! fix as SARIF replacements; skipped regions and file errors are tool
//! execution notifications.
//!
//! Positions: findings and edits carry byte offsets (as Go tools count),
//! while SARIF columns count characters. The log declares
//! `columnKind: utf16CodeUnits` (what GitHub and CodeQL use) and every
//! column is converted from the file's text; replacements use line/column
//! regions, never character offsets.

use crate::engine::diagnostic::{Finding, Kind, Position, Skipped};
use crate::files::source::Source;
use crate::rules::rule::Rule;
use serde_json::{Value, json};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;

/// The schema a log names in `$schema`.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// What the log says about one rule.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub summary: String,
    pub explanation: String,
    /// The kinds its findings can have.
    pub kinds: Vec<Kind>,
}

impl RuleInfo {
    pub fn of(rule: &Rule) -> RuleInfo {
        RuleInfo {
            id: rule.id().to_string(),
            summary: rule.spec.summary.trim().to_string(),
            explanation: rule.spec.explanation.trim().to_string(),
            kinds: rule.possible_kinds(),
        }
    }
}

/// A file error, as the run reports it.
pub struct ErrorItem<'a> {
    pub file: &'a str,
    pub message: &'a str,
}

/// The text of the files findings point into, by their display name, read
/// once and only when a position needs converting. Texts given with `add`
/// (the original contents of files the run changed) win over reading.
pub struct Texts<'a> {
    source: Option<&'a dyn Source>,
    paths: HashMap<String, PathBuf>,
    cache: RefCell<HashMap<String, Option<Rc<str>>>>,
}

impl<'a> Texts<'a> {
    /// `files` maps display names to the paths `source` reads.
    pub fn new(source: &'a dyn Source, files: impl IntoIterator<Item = (String, PathBuf)>) -> Self {
        Texts {
            source: Some(source),
            paths: files.into_iter().collect(),
            cache: RefCell::default(),
        }
    }

    /// No files: every column stays a byte column.
    pub fn none() -> Self {
        Texts {
            source: None,
            paths: HashMap::new(),
            cache: RefCell::default(),
        }
    }

    /// Uses `text` for `display` (the contents the run read).
    pub fn add(&mut self, display: &str, text: &str) {
        self.cache
            .get_mut()
            .insert(display.to_string(), Some(Rc::from(text)));
    }

    pub fn get(&self, display: &str) -> Option<Rc<str>> {
        if let Some(t) = self.cache.borrow().get(display) {
            return t.clone();
        }
        let text = self
            .source
            .zip(self.paths.get(display))
            .and_then(|(s, p)| s.read(p).ok())
            .and_then(|b| String::from_utf8(b).ok())
            .map(Rc::from);
        self.cache
            .borrow_mut()
            .insert(display.to_string(), text.clone());
        text
    }
}

/// A 1-based line and a 1-based column in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// The line and UTF-16 column of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> LineCol {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    LineCol {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].encode_utf16().count() + 1,
    }
}

/// The UTF-16 column of the 1-based byte column `byte_col` on 1-based
/// `line` of `text` (the byte column itself when the line is not there).
pub fn utf16_column(text: &str, line: usize, byte_col: usize) -> usize {
    let Some(start) = line_start(text, line) else {
        return byte_col;
    };
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let at = floor_char_boundary(text, (start + byte_col.saturating_sub(1)).min(end));
    text[start..at].encode_utf16().count() + 1
}

fn line_start(text: &str, line: usize) -> Option<usize> {
    if line <= 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A finding's start and end in UTF-16 columns (byte columns when the text
/// is not at hand).
pub fn span(texts: &Texts, file: &str, start: &Position, end: &Position) -> (LineCol, LineCol) {
    match texts.get(file) {
        Some(text) => (line_col(&text, start.offset), line_col(&text, end.offset)),
        None => (
            LineCol {
                line: start.line,
                column: start.column,
            },
            LineCol {
                line: end.line,
                column: end.column,
            },
        ),
    }
}

/// `SingleResultBuffer` for `single-result-buffer`: SARIF's `name` is a
/// readable identifier.
fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            let first = cs.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(cs).collect::<String>()
        })
        .collect()
}

/// Hard-wrapped paragraphs joined into one line each, separated by a blank
/// line.
fn unwrap_paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A relative path as a URI reference under `%SRCROOT%`, or an absolute
/// one as a `file:` URI.
pub fn artifact_location(display: &str) -> Value {
    let absolute = display.starts_with('/')
        || display.as_bytes().get(1) == Some(&b':') && display.as_bytes()[0].is_ascii_alphabetic();
    if absolute {
        let path = if display.starts_with('/') {
            display.to_string()
        } else {
            format!("/{display}")
        };
        json!({ "uri": format!("file://{}", percent_encode(&path)) })
    } else {
        json!({ "uri": percent_encode(display), "uriBaseId": "%SRCROOT%" })
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `/`
/// (and a drive letter's `:`).
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, b) in path.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (b == b':' && i == 2 && path.starts_with('/'));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub use crate::report::fingerprint::{FINGERPRINT_KEY, fingerprints};

fn region(start: LineCol, end: LineCol) -> Value {
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// The fixes of a finding as SARIF `fixes`: one artifact change per file,
/// each edit a replacement of a line/column region of the original text.
fn fixes(f: &Finding, texts: &Texts) -> Vec<Value> {
    f.suggested_fixes
        .iter()
        .map(|fix| {
            let mut per_file: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
            let mut order: Vec<&str> = Vec::new();
            for e in &fix.edits {
                let file = e.filename.as_str();
                let (start, end) = match texts.get(file) {
                    Some(text) => (line_col(&text, e.edit.start), line_col(&text, e.edit.end)),
                    // Not reached for a fix the run accepted (its files are
                    // all read); a region the consumer can still locate.
                    None => (
                        LineCol { line: 1, column: 1 },
                        LineCol { line: 1, column: 1 },
                    ),
                };
                if !per_file.contains_key(file) {
                    order.push(file);
                }
                per_file.entry(file).or_default().push(json!({
                    "deletedRegion": region(start, end),
                    "insertedContent": { "text": e.edit.new_text },
                }));
            }
            let changes: Vec<Value> = order
                .into_iter()
                .map(|file| {
                    json!({
                        "artifactLocation": artifact_location(file),
                        "replacements": per_file.remove(file).unwrap_or_default(),
                    })
                })
                .collect();
            json!({
                "description": { "text": fix.message },
                "artifactChanges": changes,
            })
        })
        .collect()
}

/// A result's level: a leak is a `warning`, a per-pass allocation a `note`.
pub fn level(kind: Kind) -> &'static str {
    match kind {
        Kind::Leak => "warning",
        Kind::Allocation => "note",
    }
}

/// Everything the log is made from.
pub struct Input<'a> {
    pub rules: &'a [RuleInfo],
    pub findings: &'a [Finding],
    pub skipped: &'a [Skipped],
    pub errors: Vec<ErrorItem<'a>>,
    /// With --apply: the branches made and their commits.
    pub branches: Vec<(String, String)>,
}

/// The SARIF log of a run.
pub fn log(input: &Input, texts: &Texts) -> Value {
    let index: HashMap<&str, usize> = input
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let rules: Vec<Value> = input.rules.iter().map(rule_descriptor).collect();
    let prints = fingerprints(input.findings, texts);
    let results: Vec<Value> = input
        .findings
        .iter()
        .zip(prints)
        .map(|(f, print)| result(f, print, &index, texts))
        .collect();
    let mut driver = json!({
        "name": "gofix-leaks",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": rules,
    });
    if let Some(uri) = information_uri() {
        driver["informationUri"] = json!(uri);
    }
    let mut run = json!({
        "tool": { "driver": driver },
        "columnKind": "utf16CodeUnits",
        "results": results,
        "invocations": [{
            "executionSuccessful": input.errors.is_empty(),
            "toolExecutionNotifications": notifications(input, texts),
        }],
    });
    if !input.branches.is_empty() {
        run["properties"] = json!({
            "branches": input
                .branches
                .iter()
                .map(|(b, c)| json!({ "branch": b, "commit": c }))
                .collect::<Vec<_>>(),
        });
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    })
}

/// A rule's reportingDescriptor: its texts, help with the `--explain`
/// hint, and the level of its gravest kind.
fn rule_descriptor(r: &RuleInfo) -> Value {
    let explanation = unwrap_paragraphs(&r.explanation);
    json!({
        "id": r.id,
        "name": pascal_case(&r.id),
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": explanation },
        "help": {
            "text": format!("{}\n\n{}", r.summary, explanation),
            "markdown": format!(
                "**{}**\n\n{}\n\nRun `gofix-leaks --explain {}` to see the rule fix an example.",
                r.summary, explanation, r.id
            ),
        },
        // The level of its gravest kind (each result gives its own).
        "defaultConfiguration": {
            "level": level(r.kinds.iter().min().copied().unwrap_or(Kind::Leak)),
        },
        "properties": {
            "tags": ["concurrency", "goroutine-leak"],
            "kinds": r.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        },
    })
}

/// A finding's result: where, its message (with why there is no fix, if
/// there is none), its fingerprint, its rule's index, and its fixes.
fn result(f: &Finding, print: String, index: &HashMap<&str, usize>, texts: &Texts) -> Value {
    let (start, end) = span(texts, &f.file, &f.start, &f.end);
    let mut message = f.message.clone();
    let mut properties = serde_json::Map::new();
    properties.insert("kind".into(), json!(f.kind));
    match &f.no_fix_reason {
        Some(why) => {
            message.push_str(&format!(" (no automatic fix: {why})"));
            properties.insert("noFixReason".into(), json!(why));
        }
        None => {
            properties.insert("fixable".into(), json!(f.has_fix()));
        }
    }
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.kind),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact_location(&f.file),
                "region": region(start, end),
            }
        }],
        "partialFingerprints": { FINGERPRINT_KEY: print },
        "properties": properties,
    });
    if let Some(i) = index.get(f.rule.as_str()) {
        result["ruleIndex"] = json!(i);
    }
    if f.has_fix() {
        result["fixes"] = json!(fixes(f, texts));
    }
    result
}

/// The run's notifications: a note for each skipped file or region, an
/// error for each error.
fn notifications(input: &Input, texts: &Texts) -> Vec<Value> {
    let mut notifications: Vec<Value> = Vec::new();
    for s in input.skipped {
        let mut location = json!({ "artifactLocation": artifact_location(&s.file) });
        // Line 0 is a whole file (a symlink not followed): SARIF lines
        // start at 1, so it gets no region.
        if s.line > 0 {
            let column = texts
                .get(&s.file)
                .map_or(s.column, |t| utf16_column(&t, s.line, s.column));
            location["region"] = json!({ "startLine": s.line, "startColumn": column });
        }
        notifications.push(json!({
            "level": "note",
            "message": { "text": format!("skipped: {}", s.reason) },
            "locations": [{ "physicalLocation": location }],
        }));
    }
    for e in &input.errors {
        let mut n = json!({
            "level": "error",
            "message": { "text": e.message },
        });
        if !e.file.is_empty() {
            n["locations"] = json!([{
                "physicalLocation": { "artifactLocation": artifact_location(e.file) }
            }]);
        }
        notifications.push(n);
    }
    notifications
}

/// The project's page: Cargo.toml's `homepage`, else its `repository`.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_code_units() {
        let text = "a\n\tx := \"é𝄞\" + y\n";
        // `y` is at byte column 18 of line 2 (`é` takes 2 bytes, `𝄞` 4) and
        // UTF-16 column 15 (`é` is 1 code unit, `𝄞` 2).
        let off = text.find('y').unwrap();
        assert_eq!(off - "a\n".len() + 1, 18);
        assert_eq!(
            line_col(text, off),
            LineCol {
                line: 2,
                column: 15
            }
        );
        assert_eq!(utf16_column(text, 2, 18), 15);
        assert_eq!(line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(line_col(text, text.len()), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn uris_are_encoded_relative_paths_or_file_uris() {
        assert_eq!(
            artifact_location("svc/a b/é.go"),
            json!({ "uri": "svc/a%20b/%C3%A9.go", "uriBaseId": "%SRCROOT%" })
        );
        assert_eq!(
            artifact_location("/tmp/x.go"),
            json!({ "uri": "file:///tmp/x.go" })
        );
        assert_eq!(pascal_case("single-result-buffer"), "SingleResultBuffer");
    }
}
