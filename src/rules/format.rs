//! The rule file format as written: the serde structs a rule's TOML
//! deserializes into. What the values mean, and the checks that they fit
//! together, are `load`'s job.

use serde::Deserialize;

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
    /// Regular expressions that must each match where the `require`
    /// literals hold (the file, or the declaration that holds them all):
    /// what a literal cannot say, such as a `make` of a channel but not of
    /// a slice. Tried only on what the literals let through.
    #[serde(default)]
    pub require_match: Vec<String>,
    /// `require` literals that must also occur inside the text of a `for`
    /// statement there (anywhere, where a `goto` is written): what a rule
    /// that only matches in loops needs.
    #[serde(default)]
    pub require_in_loop: Vec<String>,
    /// Where the `require` literals must occur together: anywhere in the
    /// file, or inside one top-level declaration. With `declaration`, the
    /// query runs only over the declarations that hold them all.
    #[serde(default)]
    pub require_within: Within,
    /// tree-sitter query over tree-sitter-go.
    pub query: String,
    /// The capture whose node is the finding's position.
    pub at: String,
    /// Finding message template, or `[[message]]` alternatives guarded by
    /// `when`/`unless` (the first that applies wins).
    pub message: Message,
    /// Fix message template, or alternatives guarded by `when`/`unless`
    /// (the first that applies wins), for a rule whose fix takes several
    /// forms.
    #[serde(default)]
    pub fix_message: Option<Message>,
    /// Why a finding carries no fix when the rule has no edits, or none of
    /// its edits applies to the match (a template, like `message`).
    #[serde(default)]
    pub no_fix: Option<String>,
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
    /// Option values for this test (`options = { use_go = true }`), as
    /// `--set` would give them.
    #[serde(default)]
    pub options: toml::Table,
}

/// A message: one template, or `[[message]]` / `[[fix_message]]`
/// alternatives.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Message {
    One(String),
    Cases(Vec<MessageCase>),
}

/// The fix message is a [`Message`] too.
pub type FixMessage = Message;

/// One alternative of a message.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct MessageCase {
    pub when: Option<String>,
    pub unless: Option<String>,
    pub text: String,
}

impl Message {
    /// The alternatives, in order, each with its guard.
    pub fn cases(&self) -> Vec<(Guard, &str)> {
        match self {
            Message::One(t) => vec![(Guard::default(), t.as_str())],
            Message::Cases(cs) => cs
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

impl Condition {
    pub fn guard(&self) -> Guard {
        Guard {
            when: self.when.clone(),
            unless: self.unless.clone(),
        }
    }
}

impl EditSpec {
    pub fn guard(&self) -> Guard {
        Guard {
            when: self.when.clone(),
            unless: self.unless.clone(),
        }
    }
}
