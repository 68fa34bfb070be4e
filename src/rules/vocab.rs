//! The relational vocabulary of `[[where]]`: conditions written in TOML
//! alone, named for Go facts (where a node is, what a local's uses do with
//! it, whether it escapes, what else the function holds before or after a
//! point), composable with `all`, `any` and `not`. This module owns their
//! parsing, their load-time checks (captures that exist, real tree-sitter-go
//! node kinds, known keys, with "did you mean") and their evaluation over
//! the facts of `go::facts`. Inner patterns are compiled once, at load.

use crate::go::facts::{self, USE_KINDS};
use crate::go::syntax::NodeKind;
use crate::go::syntax::{self, text};
use crate::rules::predicates::{Ctx, Value, Verdict};
use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::collections::HashMap;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Language, Node, Query, QueryCursor};

/// A `[[where]]` table's `not`: `not = true` turns a condition around;
/// `not = { ... }` is a vocabulary form.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Not {
    Flag(bool),
    Form(toml::Table),
}

impl Default for Not {
    fn default() -> Self {
        Not::Flag(false)
    }
}

impl Not {
    /// Whether the condition's verdict is turned around (`not = true`).
    pub fn negates(&self) -> bool {
        matches!(self, Not::Flag(true))
    }
}

/// A `[[where]]` written in the vocabulary, compiled.
#[derive(Debug)]
pub struct Compiled {
    pub form: Form,
    /// `bind = "name"`: the condition never drops the match; it sets `name`
    /// (for `when`/`unless` and templates) when it holds.
    pub bind: Option<String>,
}

/// One condition of the vocabulary.
#[derive(Debug)]
pub enum Form {
    /// The capture's node has an ancestor of one of `kinds` (the nearest
    /// such decides) whose name is one of `names` (any, when empty).
    Inside {
        of: String,
        kinds: Vec<String>,
        names: Vec<String>,
        /// Only the parent is looked at.
        direct: bool,
        /// The search ends at the nearest function (which is tested).
        stop_at_function: bool,
    },
    /// A match of `pattern` in a scope, maybe only before or after `of`.
    Has {
        of: Option<String>,
        scope: Scope,
        pattern: Query,
        order: Order,
    },
    /// A use of the local the capture names, of one of `kinds` (any when
    /// empty) and none of `except`, calling one of `methods` (any when
    /// empty).
    Uses {
        of: String,
        kinds: Vec<String>,
        except: Vec<String>,
        methods: Vec<String>,
    },
    Escapes(String),
    Declared(String),
    Imports {
        name: String,
        path: String,
    },
    Package(Vec<String>),
    All(Vec<Form>),
    Any(Vec<Form>),
    Not(Box<Form>),
}

impl Form {
    /// The outer captures the form reads, nested forms included (not the
    /// inner captures of a `has` pattern, which only refer back to them).
    pub fn captures(&self) -> Vec<&str> {
        match self {
            Form::Inside { of, .. } | Form::Uses { of, .. } => vec![of],
            Form::Escapes(c) | Form::Declared(c) => vec![c],
            Form::Imports { name, .. } => vec![name],
            Form::Has { of, scope, .. } => {
                let mut v: Vec<&str> = of.iter().map(String::as_str).collect();
                if let Scope::Capture(c) = scope {
                    v.push(c);
                }
                v
            }
            Form::Package(_) => vec![],
            Form::All(fs) | Form::Any(fs) => fs.iter().flat_map(Form::captures).collect(),
            Form::Not(f) => f.captures(),
        }
    }
}

/// Where `has`, `follows` and `precedes` look.
#[derive(Debug, Clone)]
pub enum Scope {
    /// The nearest function (declaration, method or literal) around `of`.
    Function,
    /// The top-level declaration around `of`.
    Declaration,
    File,
    /// A capture's node.
    Capture(String),
}

/// Which matches of a `has` count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Order {
    Anywhere,
    /// Every capture of the match starts at or after the end of `of`.
    After,
    /// Every capture of the match ends before the start of `of`.
    Before,
}

/// Kind names that stand for several node kinds.
const KIND_ALIASES: &[(&str, &[&str])] = &[
    (
        "function",
        &["function_declaration", "method_declaration", "func_literal"],
    ),
    ("loop", &["for_statement"]),
    (
        "switch",
        &["expression_switch_statement", "type_switch_statement"],
    ),
];

const FORM_KEYS: &[&str] = &[
    "inside", "has", "follows", "precedes", "uses", "calls", "escapes", "declared", "imports",
    "package", "all", "any", "not",
];

/// Compiles the vocabulary conditions of a rule: for each `[[where]]`, the
/// compiled form, or None for a `predicate = ...` condition.
/// `place(i)` says where the `i`th condition (from 0) is, `file:line:col`;
/// `captures` are the names of the rule's query captures.
pub fn compile_all(
    place: &dyn Fn(usize) -> String,
    conditions: &[crate::rules::rule::Condition],
    captures: &[String],
) -> Result<Vec<Option<Compiled>>> {
    let p = Parser {
        place,
        captures: captures.to_vec(),
        lang: crate::go::grammar::language(),
    };
    conditions
        .iter()
        .enumerate()
        .map(|(i, c)| p.condition(i + 1, c))
        .collect()
}

struct Parser<'a> {
    place: &'a dyn Fn(usize) -> String,
    captures: Vec<String>,
    lang: Language,
}

impl Parser<'_> {
    fn condition(&self, n: usize, c: &crate::rules::rule::Condition) -> Result<Option<Compiled>> {
        let at = format!("{}: [[where]] #{n}", (self.place)(n - 1));
        let mut table = c.vocab.clone();
        if !c.predicate.is_empty() {
            if let Some(k) = table.keys().next() {
                bail!(
                    "{at}: unknown key `{k}`{} (a `predicate` condition takes args, when, unless, not = true)",
                    did_you_mean(k, &["args", "when", "unless", "not"])
                );
            }
            if let Not::Form(_) = c.not {
                bail!(
                    "{at}: `not = {{...}}` is a vocabulary form; with `predicate`, write `not = true`"
                );
            }
            return Ok(None);
        }
        let mut known = FORM_KEYS.to_vec();
        known.extend(["predicate", "bind"]);
        if let Some(k) = table.keys().find(|k| !known.contains(&k.as_str())) {
            bail!(
                "{at}: unknown key `{k}`{} (known: {})",
                did_you_mean(k, &known),
                known.join(", ")
            );
        }
        if !c.args.is_empty() {
            bail!("{at}: `args` goes with `predicate`");
        }
        let bind = match table.remove("bind") {
            None => None,
            Some(toml::Value::String(b)) if is_identifier(&b) => Some(b),
            Some(v) => bail!("{at}: `bind`: an identifier, not {v}"),
        };
        if let Not::Form(t) = &c.not {
            table.insert("not".into(), toml::Value::Table(t.clone()));
        }
        if table.is_empty() {
            bail!(
                "{at}: a condition needs `predicate` or a vocabulary form ({})",
                FORM_KEYS.join(", ")
            );
        }
        if bind.is_some() && c.not.negates() {
            bail!(
                "{at}: `bind` never drops a match, so `not = true` cannot turn it around; write `not = {{...}}`"
            );
        }
        let form = self.forms(&table, &at)?;
        Ok(Some(Compiled { form, bind }))
    }

    /// A table of form keys: one form, or all of them.
    fn forms(&self, table: &toml::Table, at: &str) -> Result<Form> {
        let mut forms = table
            .iter()
            .map(|(k, v)| self.form(k, v, &format!("{at}: `{k}`")))
            .collect::<Result<Vec<_>>>()?;
        if table.is_empty() {
            bail!("{at}: an empty condition");
        }
        Ok(if forms.len() == 1 {
            forms.pop().unwrap()
        } else {
            Form::All(forms)
        })
    }

    fn form(&self, key: &str, v: &toml::Value, at: &str) -> Result<Form> {
        match key {
            "inside" => self.inside(self.table(v, at)?, at),
            "has" => self.has(self.table(v, at)?, at, Order::Anywhere),
            "follows" => self.has(self.table(v, at)?, at, Order::After),
            "precedes" => self.has(self.table(v, at)?, at, Order::Before),
            "uses" => self.uses(self.table(v, at)?, at),
            "calls" => {
                let s = string(v, at)?;
                let (cap, method) = s.rsplit_once('.').ok_or_else(|| {
                    anyhow!("{at}: `{s}`: written `@capture.Method`, as `@t.Stop`")
                })?;
                Ok(Form::Uses {
                    of: self.capture(cap, at)?,
                    kinds: vec!["called-on".into()],
                    except: vec![],
                    methods: vec![method.to_string()],
                })
            }
            "escapes" => Ok(Form::Escapes(self.capture(&string(v, at)?, at)?)),
            "declared" => Ok(Form::Declared(self.capture(&string(v, at)?, at)?)),
            "imports" => {
                let t = self.table(v, at)?;
                self.keys(t, &["name", "path"], at)?;
                Ok(Form::Imports {
                    name: self.capture(&self.required(t, "name", at)?, at)?,
                    path: self.required(t, "path", at)?,
                })
            }
            "package" => Ok(Form::Package(strings(v, at)?)),
            "all" | "any" => {
                let list = v
                    .as_array()
                    .ok_or_else(|| anyhow!("{at}: a list of conditions, not {}", v.type_str()))?;
                if list.is_empty() {
                    bail!("{at}: an empty list");
                }
                let forms = list
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.forms(self.table(x, at)?, &format!("{at}[{i}]")))
                    .collect::<Result<Vec<_>>>()?;
                Ok(if key == "all" {
                    Form::All(forms)
                } else {
                    Form::Any(forms)
                })
            }
            "not" => Ok(Form::Not(Box::new(self.forms(self.table(v, at)?, at)?))),
            other => bail!(
                "{}: unknown condition `{other}`{} (known: predicate, {})",
                at.rsplit_once(": `").map_or(at, |(a, _)| a),
                did_you_mean(other, FORM_KEYS),
                FORM_KEYS.join(", ")
            ),
        }
    }

    fn inside(&self, t: &toml::Table, at: &str) -> Result<Form> {
        self.keys(t, &["of", "kind", "name", "direct", "stop_by"], at)?;
        let kinds = strings(
            t.get("kind")
                .ok_or_else(|| anyhow!("{at}: `kind` is required"))?,
            &format!("{at}.kind"),
        )?;
        let mut expanded = Vec::new();
        for k in &kinds {
            expanded.extend(self.kind(k, &format!("{at}.kind"))?);
        }
        let stop_at_function = match t.get("stop_by").map(|v| string(v, at)).transpose()? {
            None => false,
            Some(s) if s == "function" => true,
            Some(s) if s == "none" => false,
            Some(s) => bail!(
                "{at}.stop_by: `{s}`: `function` or `none`{}",
                did_you_mean(&s, &["function", "none"])
            ),
        };
        Ok(Form::Inside {
            of: self.capture(&self.required(t, "of", at)?, &format!("{at}.of"))?,
            kinds: expanded,
            names: t
                .get("name")
                .map(|v| strings(v, &format!("{at}.name")))
                .transpose()?
                .unwrap_or_default(),
            direct: t
                .get("direct")
                .map(|v| {
                    v.as_bool()
                        .ok_or_else(|| anyhow!("{at}.direct: true or false"))
                })
                .transpose()?
                .unwrap_or(false),
            stop_at_function,
        })
    }

    fn has(&self, t: &toml::Table, at: &str, order: Order) -> Result<Form> {
        self.keys(t, &["in", "of", "pattern"], at)?;
        let default_scope = if order == Order::Anywhere {
            None
        } else {
            Some("function".to_string())
        };
        let scope_text = t
            .get("in")
            .map(|v| string(v, &format!("{at}.in")))
            .transpose()?
            .or(default_scope)
            .ok_or_else(|| {
                anyhow!("{at}: `in` is required (function, declaration, file or @capture)")
            })?;
        let scope = match scope_text.as_str() {
            "function" => Scope::Function,
            "declaration" => Scope::Declaration,
            "file" => Scope::File,
            s if s.starts_with('@') => Scope::Capture(self.capture(s, &format!("{at}.in"))?),
            s => bail!(
                "{at}.in: `{s}`: function, declaration, file or @capture{}",
                did_you_mean(s, &["function", "declaration", "file"])
            ),
        };
        let of = t
            .get("of")
            .map(|v| self.capture(&string(v, at)?, &format!("{at}.of")))
            .transpose()?;
        if of.is_none()
            && (order != Order::Anywhere || matches!(scope, Scope::Function | Scope::Declaration))
        {
            bail!("{at}: `of` is required: the capture the scope or the order is taken from");
        }
        let source = self.required(t, "pattern", at)?;
        let pattern = Query::new(&self.lang, &source).map_err(|e| {
            anyhow!(
                "{at}.pattern: invalid tree-sitter pattern ({:?}) at line {}, column {}: {}",
                e.kind,
                e.row + 1,
                e.column + 1,
                e.message.lines().next().unwrap_or("").trim()
            )
        })?;
        if order != Order::Anywhere && pattern.capture_names().is_empty() {
            bail!("{at}.pattern: capture the node whose position counts (`@name`)");
        }
        Ok(Form::Has {
            of,
            scope,
            pattern,
            order,
        })
    }

    fn uses(&self, t: &toml::Table, at: &str) -> Result<Form> {
        self.keys(t, &["of", "kind", "except", "method"], at)?;
        let kinds = |key: &str| -> Result<Vec<String>> {
            let ks = t
                .get(key)
                .map(|v| strings(v, &format!("{at}.{key}")))
                .transpose()?
                .unwrap_or_default();
            if let Some(k) = ks.iter().find(|k| !USE_KINDS.contains(&k.as_str())) {
                bail!(
                    "{at}.{key}: unknown use kind `{k}`{} (known: {})",
                    did_you_mean(k, USE_KINDS),
                    USE_KINDS.join(", ")
                );
            }
            Ok(ks)
        };
        Ok(Form::Uses {
            of: self.capture(&self.required(t, "of", at)?, &format!("{at}.of"))?,
            kinds: kinds("kind")?,
            except: kinds("except")?,
            methods: t
                .get("method")
                .map(|v| strings(v, &format!("{at}.method")))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    fn table<'v>(&self, v: &'v toml::Value, at: &str) -> Result<&'v toml::Table> {
        v.as_table()
            .ok_or_else(|| anyhow!("{at}: a table (`{{ ... }}`), not {}", v.type_str()))
    }

    fn keys(&self, t: &toml::Table, allowed: &[&str], at: &str) -> Result<()> {
        if let Some(k) = t.keys().find(|k| !allowed.contains(&k.as_str())) {
            bail!(
                "{at}: unknown key `{k}`{} (expected {})",
                did_you_mean(k, allowed),
                allowed.join(", ")
            );
        }
        Ok(())
    }

    fn required(&self, t: &toml::Table, key: &str, at: &str) -> Result<String> {
        string(
            t.get(key)
                .ok_or_else(|| anyhow!("{at}: `{key}` is required"))?,
            &format!("{at}.{key}"),
        )
    }

    /// A capture the query has, written `@name`; returns the name.
    fn capture(&self, v: &str, at: &str) -> Result<String> {
        let Some(c) = v.strip_prefix('@') else {
            bail!("{at}: `{v}`: a capture is written `@name`");
        };
        if !self.captures.iter().any(|x| x == c) {
            let known: Vec<String> = self.captures.iter().map(|x| format!("@{x}")).collect();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            bail!(
                "{at}: the query has no capture @{c}{}",
                did_you_mean(&format!("@{c}"), &known)
            );
        }
        Ok(c.to_string())
    }

    /// The node kinds a `kind` value stands for: an alias, or a named
    /// tree-sitter-go node kind.
    fn kind(&self, k: &str, at: &str) -> Result<Vec<String>> {
        if let Some((_, ks)) = KIND_ALIASES.iter().find(|(a, _)| *a == k) {
            return Ok(ks.iter().map(|s| s.to_string()).collect());
        }
        if self.lang.id_for_node_kind(k, true) != 0 {
            return Ok(vec![k.to_string()]);
        }
        let mut known: Vec<&str> = (0..self.lang.node_kind_count() as u16)
            .filter(|&id| self.lang.node_kind_is_named(id))
            .filter_map(|id| self.lang.node_kind_for_id(id))
            .collect();
        known.extend(KIND_ALIASES.iter().map(|(a, _)| *a));
        bail!(
            "{at}: `{k}` is not a tree-sitter-go node kind{}",
            did_you_mean(k, &known)
        )
    }
}

fn string(v: &toml::Value, at: &str) -> Result<String> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("{at}: a string, not {}", v.type_str()))
}

/// A string or a list of strings.
fn strings(v: &toml::Value, at: &str) -> Result<Vec<String>> {
    match v {
        toml::Value::Array(a) => a.iter().map(|x| string(x, at)).collect(),
        other => Ok(vec![string(other, at)?]),
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// ` (did you mean `x`?)` for the nearest candidate within a small edit
/// distance, else nothing.
fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let close =
        nearest(word, candidates.iter().copied()).filter(|(d, _)| *d <= (word.len() / 3).max(2));
    // `for_stmt`: the nearest kind that starts with the same word.
    let head = word.split('_').next().unwrap_or(word);
    let prefixed = || {
        nearest(
            word,
            candidates
                .iter()
                .copied()
                .filter(|c| word.contains('_') && c.split('_').next() == Some(head)),
        )
    };
    match close.or_else(prefixed) {
        Some((d, c)) if d > 0 => format!(" (did you mean `{c}`?)"),
        _ => String::new(),
    }
}

fn nearest<'c>(word: &str, pool: impl Iterator<Item = &'c str>) -> Option<(usize, &'c str)> {
    pool.map(|c| (crate::rules::suggest::distance(word, c), c))
        .min_by_key(|(d, _)| *d)
}

/// Runs a compiled condition on a match: Holds or Skip, and with `bind`,
/// always Holds, setting the name in `bound` when the form holds.
pub fn run<'t>(
    c: &Compiled,
    ctx: &Ctx<'t>,
    caps: &HashMap<&str, Node<'t>>,
    bound: &mut HashMap<String, Value>,
) -> Verdict {
    let holds = eval(&c.form, ctx, caps);
    match &c.bind {
        Some(name) => {
            if holds {
                bound.insert(name.clone(), Value::Text("true".into()));
            }
            Verdict::Holds(vec![])
        }
        None if holds => Verdict::Holds(vec![]),
        None => Verdict::Skip,
    }
}

/// Whether a form holds on a match. A form whose capture did not match
/// (another pattern of the query) does not hold.
pub fn eval<'t>(form: &Form, ctx: &Ctx<'t>, caps: &HashMap<&str, Node<'t>>) -> bool {
    let cap = |c: &str| caps.get(c).copied();
    match form {
        Form::All(fs) => fs.iter().all(|f| eval(f, ctx, caps)),
        Form::Any(fs) => fs.iter().any(|f| eval(f, ctx, caps)),
        Form::Not(f) => !eval(f, ctx, caps),
        Form::Inside {
            of,
            kinds,
            names,
            direct,
            stop_at_function,
        } => cap(of).is_some_and(|n| inside(n, kinds, names, *direct, *stop_at_function, ctx.src)),
        Form::Has {
            of,
            scope,
            pattern,
            order,
        } => has(
            ctx,
            caps,
            of.as_deref().and_then(cap),
            scope,
            pattern,
            *order,
        ),
        Form::Uses {
            of,
            kinds,
            except,
            methods,
        } => cap(of)
            .and_then(|n| ctx.facts.local(n))
            .is_some_and(|(f, id)| {
                f.local(id).uses.iter().any(|u| {
                    (kinds.is_empty() || kinds.iter().any(|k| u.is(k)))
                        && !except.iter().any(|k| u.is(k))
                        && (methods.is_empty()
                            || u.method().is_some_and(|m| methods.iter().any(|x| x == m)))
                })
            }),
        // What is not a local (a package-level variable) is out of the
        // function already.
        Form::Escapes(c) => cap(c).is_none_or(|n| {
            ctx.facts
                .local(n)
                .is_none_or(|(f, id)| f.local(id).escapes())
        }),
        Form::Declared(c) => {
            cap(c).is_some_and(|n| n.kind_str() == "identifier" && ctx.facts.declares(n))
        }
        Form::Imports { name, path } => {
            cap(name).is_some_and(|n| ctx.facts.names_import(n, path, ctx.tree))
        }
        Form::Package(names) => names.iter().any(|n| n == ctx.package.package_name()),
    }
}

fn node_name<'s>(n: Node, src: &'s [u8]) -> Option<&'s str> {
    n.child_field("name")
        .or_else(|| n.child_field("label"))
        .map(|x| text(x, src))
}

fn inside(
    node: Node,
    kinds: &[String],
    names: &[String],
    direct: bool,
    stop_at_function: bool,
    src: &[u8],
) -> bool {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if kinds.iter().any(|k| k == n.kind_str()) {
            return names.is_empty()
                || node_name(n, src).is_some_and(|x| names.iter().any(|w| w == x));
        }
        if direct || (stop_at_function && syntax::is_function(n)) {
            return false;
        }
        cur = n.parent();
    }
    false
}

fn has<'t>(
    ctx: &Ctx<'t>,
    caps: &HashMap<&str, Node<'t>>,
    of: Option<Node<'t>>,
    scope: &Scope,
    pattern: &Query,
    order: Order,
) -> bool {
    let root = match scope {
        Scope::Function => of.and_then(|n| syntax::enclosing_function(n)),
        Scope::Declaration => of.map(facts::top_level),
        Scope::File => Some(ctx.package.whole_tree().root_node()),
        Scope::Capture(c) => caps.get(c.as_str()).copied(),
    };
    let Some(root) = root else {
        return false;
    };
    crate::go::hidden::reads(root);
    let names = pattern.capture_names();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(pattern, root, ctx.src);
    while let Some(m) = matches.next() {
        let placed = m.captures.iter().all(|c| match (order, of) {
            (Order::After, Some(o)) => c.node.start_byte() >= o.end_byte(),
            (Order::Before, Some(o)) => c.node.end_byte() <= o.start_byte(),
            _ => true,
        });
        let same = m.captures.iter().all(|c| {
            caps.get(names[c.index as usize])
                .is_none_or(|outer| same_thing(ctx, *outer, c.node))
        });
        if placed && same {
            return true;
        }
    }
    false
}

/// A back-reference: an inner capture named like an outer one must be the
/// same local (both identifiers of locals: the same declaration), or else
/// spell the same text.
fn same_thing<'t>(ctx: &Ctx<'t>, outer: Node<'t>, inner: Node<'t>) -> bool {
    let lo = ctx.facts.local(outer);
    let li = ctx.facts.local(inner);
    match (lo, li) {
        (None, None) => text(outer, ctx.src) == text(inner, ctx.src),
        _ => ctx.facts.same_local(outer, inner),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::source::WorkTree;
    use crate::go::package::{Directory, PackageIndex};
    use std::path::Path;

    /// Whether the `[[where]]` (TOML) holds on each match of `query` in
    /// `src`, in match order.
    fn holds(src: &str, query: &str, cond: &str) -> Vec<bool> {
        #[derive(Deserialize)]
        struct W {
            #[serde(rename = "where")]
            conditions: Vec<crate::rules::rule::Condition>,
        }
        let w: W = toml::from_str(&format!("[[where]]\n{cond}")).unwrap();
        let q = Query::new(&crate::go::grammar::language(), query).unwrap();
        let names: Vec<String> = q.capture_names().iter().map(|s| s.to_string()).collect();
        let compiled = compile_all(&|_| "t.toml".to_string(), &w.conditions, &names).unwrap();
        let c = compiled[0].as_ref().expect("a vocabulary form");
        let tree = syntax::parse(src.as_bytes());
        let dir = Directory::new(&WorkTree, Path::new("/nonexistent"));
        let path = Path::new("/nonexistent/x.go");
        let package = PackageIndex::new(&dir, path, &tree, src.as_bytes());
        let facts = facts::Facts::new(src.as_bytes());
        let ctx = Ctx {
            src: src.as_bytes(),
            tree: &tree,
            package: &package,
            facts: &facts,
            decided: None,
        };
        let mut out = Vec::new();
        let mut cursor = QueryCursor::new();
        let mut ms = cursor.matches(&q, tree.root_node(), src.as_bytes());
        while let Some(m) = ms.next() {
            let caps: HashMap<&str, Node> = m
                .captures
                .iter()
                .map(|c| (q.capture_names()[c.index as usize], c.node))
                .collect();
            out.push(eval(&c.form, &ctx, &caps));
        }
        out
    }

    fn load_error(query: &str, cond: &str) -> String {
        let rule = format!(
            "id = \"x\"\nsummary = \"s\"\nexplanation = \"e\"\nquery = '''{query}'''\nat = \"@t\"\nmessage = \"m\"\n[[where]]\n{cond}"
        );
        match crate::rules::rule::parse_rule("r.toml", &rule) {
            Ok(_) => panic!("loads: {cond}"),
            Err(e) => e.to_string(),
        }
    }

    const CALLS: &str = "(call_expression function: (identifier) @f) @t";

    #[test]
    fn inside_nearest_or_top_level_function() {
        let src = "package main
func main() { a(); func() { b() }() }
type S struct{}
func (S) main() { c() }
func init() { d() }";
        let nearest = r#"inside = { of = "@t", kind = "function_declaration", name = ["main", "init"], stop_by = "function" }"#;
        // a() in main, b() in the literal, c() in a method named main, d()
        // in init (the literal's own call has no identifier callee).
        assert_eq!(holds(src, CALLS, nearest), vec![true, false, false, true]);
        let top = r#"inside = { of = "@t", kind = "function_declaration", name = "main" }"#;
        assert_eq!(holds(src, CALLS, top), vec![true, true, false, false]);
        let literal = r#"inside = { of = "@t", kind = "function", name = "main" }"#;
        assert_eq!(holds(src, CALLS, literal), vec![true, false, true, false]);
    }

    #[test]
    fn has_back_references_follow_scopes() {
        let src = "package p
func f() {
	t := New()
	{
		t := New()
		t.Stop()
	}
	u := New()
	u.Stop()
}";
        let q = "(short_var_declaration left: (expression_list (identifier) @t)) @decl";
        let stop = r#"has = { in = "function", of = "@t", pattern = "(call_expression function: (selector_expression operand: (identifier) @t field: (field_identifier) @m (#eq? @m \"Stop\")))" }"#;
        // The outer t is not stopped: the inner t is another variable.
        assert_eq!(holds(src, q, stop), vec![false, true, true]);
        assert_eq!(
            holds(src, q, r#"calls = "@t.Stop""#),
            vec![false, true, true]
        );
    }

    #[test]
    fn order_and_use_kinds() {
        let src = "package p
func f() {
	ctx, cancel := With()
	_ = cancel
	a, stop := With()
	defer stop()
	_ = a
	_ = ctx
}";
        let q =
            "(short_var_declaration left: (expression_list (identifier) (identifier) @t)) @decl";
        let later = r#"follows = { of = "@decl", pattern = "(defer_statement (call_expression function: (identifier) @t))" }"#;
        assert_eq!(holds(src, q, later), vec![false, true]);
        let earlier = r#"precedes = { of = "@decl", pattern = "(identifier) @t" }"#;
        assert_eq!(holds(src, q, earlier), vec![false, false]);
        let used = r#"uses = { of = "@t", except = ["discarded"] }"#;
        assert_eq!(holds(src, q, used), vec![false, true]);
        let deferred = r#"uses = { of = "@t", kind = ["deferred"] }"#;
        assert_eq!(holds(src, q, deferred), vec![false, true]);
    }

    #[test]
    fn load_errors() {
        let e = load_error(CALLS, "bind = \"x\"\nnot = true\nescapes = \"@t\"");
        assert!(e.contains("[[where]] #1") && e.contains("`bind`"), "{e}");
        let e = load_error(
            CALLS,
            "predicate = \"in-loop\"\nargs = [\"@t\"]\ninside = { of = \"@t\", kind = \"block\" }",
        );
        assert!(e.contains("unknown key `inside`"), "{e}");
        let e = load_error(
            CALLS,
            r#"follows = { of = "@t", pattern = "(identifier)" }"#,
        );
        assert!(e.contains("`follows`.pattern: capture"), "{e}");
        let e = load_error(
            CALLS,
            r#"has = { in = "functon", of = "@t", pattern = "(identifier)" }"#,
        );
        assert!(e.contains("did you mean `function`"), "{e}");
        let e = load_error(CALLS, "predicat = \"in-loop\"\nargs = [\"@t\"]");
        assert!(
            e.contains("unknown key `predicat` (did you mean `predicate`?)"),
            "{e}"
        );
        let e = load_error(CALLS, r#"uses = { of = "@t", kind = "caled" }"#);
        assert!(
            e.contains("unknown use kind `caled` (did you mean `called`?)"),
            "{e}"
        );
        let e = load_error(CALLS, r#"has = { in = "file", pattern = "(identifier" }"#);
        assert!(
            e.contains("`has`.pattern: invalid tree-sitter pattern"),
            "{e}"
        );
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("for_stmt", &["for_clause", "for_statement", "if_statement"]),
            " (did you mean `for_statement`?)"
        );
        assert_eq!(
            did_you_mean("insdie", FORM_KEYS),
            " (did you mean `inside`?)"
        );
        assert_eq!(did_you_mean("zzz", FORM_KEYS), "");
    }
}
