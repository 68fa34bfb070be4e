//! Rules as data: the TOML format, loading (built-in pack and user files),
//! compiling the tree-sitter query, and validating that every capture,
//! predicate and template a rule names exists, with errors that point at the
//! file, line and column.

use crate::rules::kind::Kind;
use crate::rules::predicates;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use tree_sitter::Query;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub summary: String,
    /// Why the pattern leaks and why the fix is safe.
    pub explanation: String,
    /// Literals a file must all contain for the rule to possibly match; files
    /// without them are never parsed for this rule.
    #[serde(default)]
    pub require: Vec<String>,
    /// Where the `require` literals must occur together: anywhere in the
    /// file, or inside one top-level declaration. With `declaration`, the
    /// query runs only over the declarations that hold them all.
    #[serde(default)]
    pub require_within: Within,
    /// tree-sitter query over tree-sitter-go.
    pub query: String,
    /// The capture whose node is the finding's position.
    pub at: String,
    /// Finding message template.
    pub message: String,
    /// Fix message template, or alternatives guarded by `when`/`unless`
    /// (the first that applies wins), for a rule whose fix takes several
    /// forms.
    #[serde(default)]
    pub fix_message: Option<FixMessage>,
    /// What the rule's findings are: `kind = "leak"` (the default) or
    /// `"allocation"`, or `[[kind]]` alternatives, each `is = KIND` with
    /// `when`/`unless` (the first that applies wins; none: `leak`), for a
    /// rule whose findings are one or the other depending on what its
    /// predicates found. Checked by `parse_rule`.
    #[serde(default)]
    pub kind: Option<toml::Spanned<toml::Value>>,
    #[serde(default, rename = "where")]
    pub conditions: Vec<Condition>,
    #[serde(default, rename = "edit")]
    pub edits: Vec<EditSpec>,
    /// Documented switches with their defaults; `--set RULE.KEY=VALUE`
    /// overrides them. Templates and `when`/`unless` see them as
    /// `option.KEY`.
    #[serde(default)]
    pub options: toml::Table,
    /// A short Go file the rule fixes; `--explain` runs the rule on it and
    /// prints the diff it makes.
    #[serde(default)]
    pub example: Option<Example>,
    /// `[[test]]` tables: Go files the rule must not fire on (`valid`) or
    /// must fire on (`invalid`, with the fixed file as `output` when the
    /// fix is checked too); run by `gofix-leaks test`.
    #[serde(default, rename = "test")]
    pub tests: Vec<RuleTest>,
}

/// One `[[test]]` of a rule file. Exactly one of `valid` and `invalid`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTest {
    /// Shown in the report; defaults to the test's position in the file.
    pub name: Option<String>,
    /// A Go file the rule must not fire on.
    pub valid: Option<String>,
    /// A Go file the rule must fire on.
    pub invalid: Option<String>,
    /// With `invalid`: the file after the rule's fixes; absent means the
    /// fix is not checked.
    pub output: Option<String>,
    /// With `invalid`: the finding must carry no fix.
    #[serde(default)]
    pub no_fix: bool,
    /// The `go.mod` beside the file, for rules whose result depends on it.
    pub go_mod: Option<String>,
}

/// A fix message: one template, or `[[fix_message]]` alternatives.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum FixMessage {
    One(String),
    Cases(Vec<FixMessageCase>),
}

/// One alternative of a fix message.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FixMessageCase {
    pub when: Option<String>,
    pub unless: Option<String>,
    pub text: String,
}

impl FixMessage {
    /// The alternatives, in order, each with its guard.
    pub fn cases(&self) -> Vec<(Guard, &str)> {
        match self {
            FixMessage::One(t) => vec![(Guard::default(), t.as_str())],
            FixMessage::Cases(cs) => cs
                .iter()
                .map(|c| {
                    (
                        Guard {
                            when: c.when.clone(),
                            unless: c.unless.clone(),
                        },
                        c.text.as_str(),
                    )
                })
                .collect(),
        }
    }
}

/// The scope of a rule's required literals.
#[derive(Debug, Deserialize, Clone, Copy, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Within {
    #[default]
    File,
    Declaration,
}

/// A condition: a named predicate applied to captures, or (without
/// `predicate`) a form of the vocabulary (rules/vocab.rs).
#[derive(Debug, Deserialize, Clone)]
pub struct Condition {
    /// Empty for a vocabulary condition.
    #[serde(default)]
    pub predicate: String,
    /// Captures (`@name`) or literal strings, as the predicate's signature says.
    #[serde(default)]
    pub args: Vec<String>,
    /// Apply the condition only when this capture, binding or option is set.
    pub when: Option<String>,
    /// Apply the condition only when this is not set.
    pub unless: Option<String>,
    /// `not = true`: holds when the predicate does not (neither holds nor
    /// is unproven); `not = { ... }`: a vocabulary form.
    #[serde(default)]
    pub not: crate::rules::vocab::Not,
    /// The other keys: a vocabulary form, checked by `vocab::compile_all`
    /// (which rejects unknown keys, as `deny_unknown_fields` would).
    #[serde(flatten)]
    pub vocab: toml::Table,
}

/// One edit template. Exactly one of the target keys is set.
#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct EditSpec {
    /// Replace the capture's node with `with`.
    pub replace: Option<String>,
    /// Insert `text` as lines before the statement holding the capture.
    pub insert_before: Option<String>,
    /// Insert `text` as lines after the statement holding the capture.
    pub insert_after: Option<String>,
    /// Wrap the capture's node in `before` ... `after`.
    pub wrap: Option<String>,
    /// Delete the capture's node (its whole line when alone on it).
    pub delete: Option<String>,
    /// Make sure the file imports this path.
    pub ensure_import: Option<String>,
    /// With `ensure_import`: in the files of these sites (`@binding`)
    /// instead of the file being checked.
    #[serde(rename = "in")]
    pub within: Option<String>,
    pub with: Option<String>,
    pub text: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Make the edit only when this capture, binding or option is set.
    pub when: Option<String>,
    /// Make the edit only when this is not set.
    pub unless: Option<String>,
}

/// What an edit does, resolved from the spec.
#[derive(Debug, Clone)]
pub enum EditKind {
    Replace {
        target: String,
        with: String,
    },
    InsertBefore {
        target: String,
        text: String,
    },
    InsertAfter {
        target: String,
        text: String,
    },
    Wrap {
        target: String,
        before: String,
        after: String,
    },
    Delete {
        target: String,
    },
    EnsureImport {
        path: String,
        within: Option<String>,
    },
}

/// An edit with the switch that guards it.
#[derive(Debug, Clone)]
pub struct Edit {
    pub kind: EditKind,
    pub guard: Guard,
}

/// `when` / `unless`: a capture, binding or option that must be set / unset.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    pub when: Option<String>,
    pub unless: Option<String>,
}

impl Guard {
    /// Whether the guarded thing applies, given how to test a name.
    pub fn allows(&self, is_set: &dyn Fn(&str) -> bool) -> bool {
        self.when.as_deref().is_none_or(is_set) && !self.unless.as_deref().is_some_and(is_set)
    }
}

/// A loaded rule: its spec, its compiled query and its resolved edits.
pub struct Rule {
    pub spec: RuleSpec,
    pub query: Query,
    pub edits: Vec<Edit>,
    /// Option values (defaults, then `--set` overrides), as text; "" is off.
    pub options: std::collections::BTreeMap<String, String>,
    /// Where the rule came from, for messages.
    pub origin: String,
    /// The `kind` alternatives, in order, each with its guard.
    pub kinds: Vec<(Guard, Kind)>,
    /// Per `[[where]]`: its compiled vocabulary form (None: a predicate).
    pub vocab: Vec<Option<crate::rules::vocab::Compiled>>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The kind of a finding, given how to test a capture, binding or
    /// option: the first `kind` alternative whose guard holds, else `leak`.
    pub fn kind_of(&self, is_set: &dyn Fn(&str) -> bool) -> Kind {
        self.kinds
            .iter()
            .find(|(g, _)| g.allows(is_set))
            .map_or(Kind::Leak, |(_, k)| *k)
    }

    /// The kinds its findings can have, in `Kind::ALL` order.
    pub fn possible_kinds(&self) -> Vec<Kind> {
        let mut out = std::collections::BTreeSet::new();
        let mut fallback = true;
        for (g, k) in &self.kinds {
            out.insert(*k);
            if g.when.is_none() && g.unless.is_none() {
                fallback = false;
                break;
            }
        }
        if fallback {
            out.insert(Kind::Leak);
        }
        out.into_iter().collect()
    }

    /// Sets an option from `--set`; the rule must declare it.
    pub fn set_option(&mut self, key: &str, value: &str) -> Result<()> {
        if !self.options.contains_key(key) {
            bail!(
                "rule `{}` has no option `{key}` (options: {})",
                self.id(),
                self.options.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        }
        self.options.insert(key.to_string(), option_text(value));
        Ok(())
    }
}

/// An option's value as template text: booleans are "true" or "" (off).
fn option_text(v: &str) -> String {
    match v {
        "false" | "0" | "off" | "no" => String::new(),
        other => other.to_string(),
    }
}

/// Loads the built-in pack.
pub fn builtin() -> Result<Vec<Rule>> {
    BUILTIN_RULES
        .iter()
        .map(|(name, text)| parse_rule(name, text))
        .collect()
}

/// Loads a rule file, or every `*.toml` in a directory (sorted).
pub fn load_path(path: &Path) -> Result<Vec<Rule>> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read rules from {}", path.display()))?;
    let mut files: Vec<PathBuf> = if meta.is_dir() {
        std::fs::read_dir(path)
            .with_context(|| format!("cannot list {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read rule file {}", f.display()))?;
            parse_rule(&f.display().to_string(), &text)
        })
        .collect()
}

/// Parses and validates one rule file's text. `name` is used in errors.
pub fn parse_rule(name: &str, text: &str) -> Result<Rule> {
    let spec: RuleSpec = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let (l, c) = crate::go::syntax::line_col(text.as_bytes(), s.start);
                format!(":{l}:{c}")
            })
            .unwrap_or_default();
        anyhow!("{name}{at}: invalid rule: {}", e.message())
    })?;
    let query = Query::new(&tree_sitter_go::LANGUAGE.into(), &spec.query).map_err(|e| {
        // Point into the file: the query string's own line plus the error's.
        let (qline, qcol) = query_position(text, e.row, e.column);
        anyhow!(
            "{name}:{qline}:{qcol}: invalid tree-sitter query ({:?}): {}",
            e.kind,
            e.message.lines().next().unwrap_or("").trim()
        )
    })?;
    let captures: Vec<&str> = query.capture_names().to_vec();
    let has_capture = |c: &str| captures.contains(&c);
    let cap_arg = |field: &str, v: &str| -> Result<String> {
        let c = v
            .strip_prefix('@')
            .ok_or_else(|| anyhow!("{name}: `{field} = \"{v}\"`: a capture is written `@name`"))?;
        if !has_capture(c) {
            bail!("{name}: `{field} = \"{v}\"`: the query has no capture @{c}");
        }
        Ok(c.to_string())
    };
    cap_arg("at", &spec.at)?;
    let mut options = std::collections::BTreeMap::new();
    for (k, v) in &spec.options {
        let text = match v {
            toml::Value::Boolean(b) => {
                if *b {
                    "true".to_string()
                } else {
                    String::new()
                }
            }
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            other => bail!(
                "{name}: option `{k}`: a boolean, string or integer, not {}",
                other.type_str()
            ),
        };
        options.insert(k.clone(), text);
    }
    let mut known: Vec<String> = captures.iter().map(|s| s.to_string()).collect();
    known.extend(options.keys().map(|k| format!("option.{k}")));
    let check_guard = |what: &str, g: &Guard, known: &[String]| -> Result<()> {
        for n in [&g.when, &g.unless].into_iter().flatten() {
            let n = n.trim_start_matches('@');
            if !known.iter().any(|k| k == n) {
                bail!(
                    "{name}: {what}: `when`/`unless` names `{n}`, which no capture, earlier predicate or option provides"
                );
            }
        }
        Ok(())
    };
    let vocab = crate::rules::vocab::compile_all(name, &spec.conditions, &query)?;
    for (i, cond) in spec.conditions.iter().enumerate() {
        if let Some(v) = &vocab[i] {
            let guard = Guard {
                when: cond.when.clone(),
                unless: cond.unless.clone(),
            };
            check_guard(&format!("[[where]] #{}", i + 1), &guard, &known)?;
            known.extend(v.bind.clone());
            continue;
        }
        let Some(p) = predicates::lookup(&cond.predicate) else {
            bail!(
                "{name}: unknown predicate `{}` (known: {})",
                cond.predicate,
                predicates::names().join(", ")
            );
        };
        if cond.args.len() != p.args.len() {
            bail!(
                "{name}: predicate `{}` takes {} argument(s) ({}), got {}",
                cond.predicate,
                p.args.len(),
                p.args.join(", "),
                cond.args.len()
            );
        }
        for (a, want) in cond.args.iter().zip(p.args) {
            if want.starts_with('@') {
                cap_arg("args", a)?;
            } else if let Some(k) = a.strip_prefix("option.")
                && !options.contains_key(k)
            {
                bail!(
                    "{name}: predicate `{}`: no option `{k}` in [options]",
                    cond.predicate
                );
            } else if a.starts_with('@') {
                bail!(
                    "{name}: predicate `{}`: argument `{want}` is a literal string, not a capture",
                    cond.predicate
                );
            }
        }
        let guard = Guard {
            when: cond.when.clone(),
            unless: cond.unless.clone(),
        };
        check_guard(&format!("predicate `{}`", cond.predicate), &guard, &known)?;
        known.extend(p.binds.iter().chain(p.site_vars).map(|s| s.to_string()));
    }
    // An edit targets a capture or a span that a predicate binds.
    let target = |field: &str, v: &str| -> Result<String> {
        let t = v
            .strip_prefix('@')
            .ok_or_else(|| anyhow!("{name}: `{field} = \"{v}\"`: a target is written `@name`"))?;
        if !known.iter().any(|k| k == t) {
            bail!("{name}: `{field} = \"{v}\"`: no capture or predicate binding `{t}`");
        }
        Ok(t.to_string())
    };
    let mut edits = Vec::new();
    for (i, e) in spec.edits.iter().enumerate() {
        let field = |o: &Option<String>, what: &str| -> Result<String> {
            o.clone()
                .ok_or_else(|| anyhow!("{name}: edit #{}: `{what}` is required", i + 1))
        };
        let targets = [
            &e.replace,
            &e.insert_before,
            &e.insert_after,
            &e.wrap,
            &e.delete,
            &e.ensure_import,
        ]
        .iter()
        .filter(|t| t.is_some())
        .count();
        if targets != 1 {
            bail!(
                "{name}: edit #{}: set exactly one of replace, insert_before, insert_after, wrap, delete, ensure_import",
                i + 1
            );
        }
        let kind = if let Some(t) = &e.replace {
            EditKind::Replace {
                target: target("replace", t)?,
                with: field(&e.with, "with")?,
            }
        } else if let Some(t) = &e.insert_before {
            EditKind::InsertBefore {
                target: target("insert_before", t)?,
                text: field(&e.text, "text")?,
            }
        } else if let Some(t) = &e.insert_after {
            EditKind::InsertAfter {
                target: target("insert_after", t)?,
                text: field(&e.text, "text")?,
            }
        } else if let Some(t) = &e.wrap {
            EditKind::Wrap {
                target: target("wrap", t)?,
                before: e.before.clone().unwrap_or_default(),
                after: e.after.clone().unwrap_or_default(),
            }
        } else if let Some(t) = &e.delete {
            EditKind::Delete {
                target: target("delete", t)?,
            }
        } else {
            EditKind::EnsureImport {
                path: e.ensure_import.clone().unwrap(),
                within: e.within.as_deref().map(|w| target("in", w)).transpose()?,
            }
        };
        if e.within.is_some() && e.ensure_import.is_none() {
            bail!("{name}: edit #{}: `in` goes with `ensure_import`", i + 1);
        }
        let guard = Guard {
            when: e.when.clone(),
            unless: e.unless.clone(),
        };
        check_guard(&format!("edit #{}", i + 1), &guard, &known)?;
        edits.push(Edit { kind, guard });
    }
    // Every placeholder in a template must name a capture, binding or option.
    let mut templates: Vec<(&str, &str)> = vec![("message", &spec.message)];
    if let Some(m) = &spec.fix_message {
        for (i, (guard, t)) in m.cases().into_iter().enumerate() {
            check_guard(&format!("fix_message #{}", i + 1), &guard, &known)?;
            templates.push(("fix_message", t));
        }
    }
    for e in &spec.edits {
        for t in [&e.with, &e.text, &e.before, &e.after]
            .into_iter()
            .flatten()
        {
            templates.push(("edit", t));
        }
    }
    for (field, t) in templates {
        for ph in crate::rules::template::placeholders(t) {
            if let Some(base) = ph.strip_prefix("fresh:") {
                if base.is_empty() || !base.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    bail!("{name}: {field}: `{{{{{ph}}}}}`: a fresh name needs an identifier base");
                }
            } else if !known.iter().any(|b| b == ph) && ph != "rule" {
                bail!(
                    "{name}: {field}: `{{{{{ph}}}}}` names no capture, predicate binding or option (have: {})",
                    known.join(", ")
                );
            }
        }
    }
    let kinds = match &spec.kind {
        None => Vec::new(),
        Some(k) => parse_kinds(name, text, k)?,
    };
    for (i, (guard, _)) in kinds.iter().enumerate() {
        check_guard(&format!("kind #{}", i + 1), guard, &known)?;
    }
    Ok(Rule {
        spec,
        query,
        edits,
        options,
        origin: name.to_string(),
        kinds,
        vocab,
    })
}

/// A rule's `kind`: one name, or `[[kind]]` tables with `is` and optional
/// `when` / `unless`. An unknown name or key is an error at its place.
fn parse_kinds(
    name: &str,
    text: &str,
    value: &toml::Spanned<toml::Value>,
) -> Result<Vec<(Guard, Kind)>> {
    let at = {
        let (l, c) = crate::go::syntax::line_col(text.as_bytes(), value.span().start);
        format!("{name}:{l}:{c}")
    };
    let kind = |v: &toml::Value, what: &str| -> Result<Kind> {
        let s = v
            .as_str()
            .ok_or_else(|| anyhow!("{at}: {what}: a string, not {}", v.type_str()))?;
        Kind::parse(s).ok_or_else(|| {
            anyhow!(
                "{at}: {what}: unknown kind `{s}` (known: {})",
                Kind::names()
            )
        })
    };
    match value.get_ref() {
        toml::Value::Array(cases) if !cases.is_empty() => cases
            .iter()
            .enumerate()
            .map(|(i, case)| {
                let what = format!("kind #{}", i + 1);
                let table = case.as_table().ok_or_else(|| {
                    anyhow!(
                        "{at}: {what}: a table (`[[kind]]` with `is`), not {}",
                        case.type_str()
                    )
                })?;
                let guard_name = |key: &str| -> Result<Option<String>> {
                    table
                        .get(key)
                        .map(|v| {
                            v.as_str().map(str::to_string).ok_or_else(|| {
                                anyhow!("{at}: {what}: `{key}`: a string, not {}", v.type_str())
                            })
                        })
                        .transpose()
                };
                if let Some(k) = table
                    .keys()
                    .find(|k| !["is", "when", "unless"].contains(&k.as_str()))
                {
                    bail!("{at}: {what}: unknown key `{k}` (expected is, when, unless)");
                }
                let is = table
                    .get("is")
                    .ok_or_else(|| anyhow!("{at}: {what}: `is` is required"))?;
                Ok((
                    Guard {
                        when: guard_name("when")?,
                        unless: guard_name("unless")?,
                    },
                    kind(is, &format!("{what}: `is`"))?,
                ))
            })
            .collect(),
        toml::Value::Array(_) => bail!("{at}: kind: an empty list"),
        v => Ok(vec![(Guard::default(), kind(v, "kind")?)]),
    }
}

/// Maps a (row, column) inside the query string to a 1-based line and column
/// in the rule file, from the span of the `query` value in the TOML. Exact
/// for literal strings and for basic strings without escapes.
fn query_position(file: &str, row: usize, col: usize) -> (usize, usize) {
    #[derive(Deserialize)]
    struct QueryOnly {
        query: toml::Spanned<String>,
    }
    let Ok(q) = toml::from_str::<QueryOnly>(file) else {
        return (1, 1);
    };
    let raw = &file[q.query.span()];
    let delim = ["\"\"\"", "'''", "\"", "'"]
        .into_iter()
        .find(|d| raw.starts_with(d))
        .unwrap_or("");
    let mut start = q.query.span().start + delim.len();
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

/// Keeps the rules that `--only` and `--skip` select; an id that names no
/// loaded rule is an error.
pub fn select(rules: Vec<Rule>, only: &[String], skip: &[String]) -> Result<Vec<Rule>> {
    for id in only.iter().chain(skip) {
        if !rules.iter().any(|r| r.id() == id) {
            bail!(
                "no rule `{id}` (loaded: {})",
                rules.iter().map(|r| r.id()).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in &rules {
        if !seen.insert(r.id().to_string()) {
            bail!(
                "{}: rule id `{}` is already defined by another rule file",
                r.origin,
                r.id()
            );
        }
    }
    Ok(rules
        .into_iter()
        .filter(|r| only.is_empty() || only.iter().any(|o| o == r.id()))
        .filter(|r| !skip.iter().any(|s| s == r.id()))
        .collect())
}

/// A rule file's `[example]`: a Go file the rule fixes, and optionally the
/// `go.mod` next to it (for rules whose fix depends on the Go version).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// The Go source, a whole file (package clause and imports included).
    pub input: String,
    /// The module file beside it; without one the file is in no module.
    #[serde(default)]
    pub go_mod: Option<String>,
}
