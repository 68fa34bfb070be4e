//! Where things are in a rule file: `file:line:col` for load errors,
//! from the spans of the TOML values (read a second time, leniently, so
//! that a file whose shape is off still gets its errors, just with less
//! precise places).

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Spans {
    at: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    message: Option<Spanned<toml::Value>>,
    fix_message: Option<Spanned<toml::Value>>,
    no_fix: Option<Spanned<String>>,
    kind: Option<Spanned<toml::Value>>,
    require: Vec<Spanned<String>>,
    require_match: Vec<Spanned<String>>,
    require_in_loop: Vec<Spanned<String>>,
    options: BTreeMap<String, Spanned<toml::Value>>,
    #[serde(rename = "where")]
    conditions: Vec<CondSpans>,
    edit: Vec<BTreeMap<String, Spanned<toml::Value>>>,
    test: Vec<BTreeMap<String, Spanned<toml::Value>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CondSpans {
    predicate: Option<Spanned<String>>,
    args: Vec<Spanned<String>>,
    when: Option<Spanned<String>>,
    unless: Option<Spanned<String>>,
}

/// Every key of each `[[where]]`, for the vocabulary's forms (whose keys
/// `CondSpans` cannot list).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WhereKeys {
    #[serde(rename = "where")]
    conditions: Vec<BTreeMap<String, Spanned<toml::Value>>>,
}

/// A rule file's name, text and value spans.
pub struct Places<'a> {
    pub name: &'a str,
    text: &'a str,
    spans: Spans,
    where_keys: WhereKeys,
}

impl<'a> Places<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Places<'a> {
        Places {
            name,
            text,
            spans: toml::from_str(text).unwrap_or_default(),
            where_keys: toml::from_str(text).unwrap_or_default(),
        }
    }

    /// The `[[where]]` number `i`'s vocabulary form: its first key that is
    /// not a guard (`when`, `unless`) or `bind`, else the file.
    pub fn condition_form(&self, i: usize) -> String {
        let keys = self.where_keys.conditions.get(i);
        let form = keys.and_then(|k| {
            k.iter()
                .filter(|(name, _)| !matches!(name.as_str(), "when" | "unless" | "bind"))
                .map(|(_, v)| v)
                .min_by_key(|v| v.span().start)
        });
        self.span(form)
    }

    /// `file:line:col` of a byte offset of the file.
    pub fn offset(&self, at: usize) -> String {
        let (l, c) = crate::go::syntax::line_col(self.text.as_bytes(), at);
        format!("{}:{l}:{c}", self.name)
    }

    fn span<T>(&self, s: Option<&Spanned<T>>) -> String {
        s.map_or_else(|| self.name.to_string(), |s| self.offset(s.span().start))
    }

    /// A top-level key's value.
    pub fn top(&self, key: &str) -> String {
        let s = &self.spans;
        match key {
            "at" => self.span(s.at.as_ref()),
            "query" => self.span(s.query.as_ref()),
            "message" => self.span(s.message.as_ref()),
            "fix_message" => self.span(s.fix_message.as_ref()),
            "no_fix" => self.span(s.no_fix.as_ref()),
            "kind" => self.span(s.kind.as_ref()),
            _ => self.name.to_string(),
        }
    }

    pub fn require(&self, i: usize) -> String {
        self.span(self.spans.require.get(i))
    }

    pub fn require_in_loop(&self, i: usize) -> String {
        self.span(self.spans.require_in_loop.get(i))
    }

    pub fn require_match(&self, i: usize) -> String {
        self.span(self.spans.require_match.get(i))
    }

    pub fn option(&self, key: &str) -> String {
        self.span(self.spans.options.get(key))
    }

    /// The `[[where]]` number `i` (0-based): its `key`, else its predicate.
    pub fn condition(&self, i: usize, key: &str) -> String {
        let Some(c) = self.spans.conditions.get(i) else {
            return self.name.to_string();
        };
        let s = match key {
            "when" => c.when.as_ref(),
            "unless" => c.unless.as_ref(),
            _ => None,
        };
        self.span(s.or(c.predicate.as_ref()))
    }

    pub fn condition_arg(&self, i: usize, j: usize) -> String {
        let arg = self.spans.conditions.get(i).and_then(|c| c.args.get(j));
        match arg {
            Some(a) => self.offset(a.span().start),
            None => self.condition(i, "predicate"),
        }
    }

    /// The `[[edit]]` number `i`: its `key`, else its first key.
    pub fn edit(&self, i: usize, key: &str) -> String {
        Self::table_key(self, self.spans.edit.get(i), key)
    }

    /// The `[[test]]` number `i`: its `key`, else its first key.
    pub fn test(&self, i: usize, key: &str) -> String {
        Self::table_key(self, self.spans.test.get(i), key)
    }

    fn table_key(&self, t: Option<&BTreeMap<String, Spanned<toml::Value>>>, key: &str) -> String {
        let Some(t) = t else {
            return self.name.to_string();
        };
        let first = t.values().min_by_key(|v| v.span().start);
        self.span(t.get(key).or(first))
    }

    /// A byte offset inside the query string.
    pub fn in_query(&self, query: &str, at: usize) -> String {
        let before = &query[..at.min(query.len())];
        let row = before.matches('\n').count();
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
        // The span read once here, not the file parsed again per place:
        // a rule's load asks where each of its patterns starts.
        let (l, c) = match &self.spans.query {
            Some(q) => position_in(self.text, q.span(), row, col),
            None => query_position(self.text, row, col),
        };
        format!("{}:{l}:{c}", self.name)
    }
}

/// Maps a (row, column) inside the query string to a 1-based line and column
/// in the rule file, from the span of the `query` value in the TOML. Exact
/// for literal strings and for basic strings without escapes.
pub fn query_position(file: &str, row: usize, col: usize) -> (usize, usize) {
    #[derive(Deserialize)]
    struct QueryOnly {
        query: Spanned<String>,
    }
    let Ok(q) = toml::from_str::<QueryOnly>(file) else {
        return (1, 1);
    };
    position_in(file, q.query.span(), row, col)
}

/// `query_position` with the span of the `query` value known.
fn position_in(file: &str, span: std::ops::Range<usize>, row: usize, col: usize) -> (usize, usize) {
    let raw = &file[span.clone()];
    let delim = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|d| raw.starts_with(d))
        .unwrap_or("");
    let mut start = span.start + delim.len();
    // TOML drops a newline right after the opening delimiter of a multi-line string.
    if delim.len() == 3 {
        if file[start..].starts_with("\r\n") {
            start += 2;
        } else if file[start..].starts_with('\n') {
            start += 1;
        }
    }
    let (base_line, base_col) = crate::go::syntax::line_col(file.as_bytes(), start);
    if row == 0 {
        (base_line, base_col + col)
    } else {
        (base_line + row, col + 1)
    }
}
