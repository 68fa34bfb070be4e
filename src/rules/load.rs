//! Loading one rule file: the TOML, the compiled query, and the checks
//! that everything the rule says fits together, so that a rule that loads
//! never silently matches nothing: every name exists (with "did you mean"),
//! every capture a use can reach is in the patterns that reach it, every
//! predicate argument is a node of the kind the predicate takes, and
//! every `[[test]]` says one thing. Errors point at `file:line:col`.

use crate::rules::format::{Guard, Message, RuleSpec, Within};
use crate::rules::kind::Kind;
use crate::rules::options;
use crate::rules::places::{Places, query_position};
use crate::rules::predicates;
use crate::rules::query::RuleQuery;
use crate::rules::reach::Reach;
use crate::rules::rule::{Edit, EditKind, Rule};
use crate::rules::vocab::Compiled;
use crate::rules::{shape, suggest};
use anyhow::{Result, anyhow, bail};
use tree_sitter::Query;

/// The names a use can refer to so far: captures, options (`option.KEY`)
/// and what the predicates before it bind.
struct Names {
    captures: Vec<String>,
    options: Vec<String>,
    bound: Vec<String>,
}

impl Names {
    fn all(&self) -> impl Iterator<Item = &str> {
        self.captures
            .iter()
            .chain(&self.options)
            .chain(&self.bound)
            .map(String::as_str)
    }

    fn has(&self, n: &str) -> bool {
        self.all().any(|k| k == n)
    }

    /// A name only a capture provides (no predicate binds it too).
    fn capture_only(&self, n: &str) -> bool {
        self.captures.iter().any(|c| c == n) && !self.bound.iter().any(|b| b == n)
    }
}

/// Parses and validates one rule file's text. `name` is used in errors.
pub fn parse_rule(name: &str, text: &str) -> Result<Rule> {
    let spec = parse_spec(name, text)?;
    let query = compile_query(name, text, &spec.query)?;
    finish(name, text, spec, RuleQuery::alone(query))
}

/// Parses and validates several rule files' texts, (name, text), with
/// their queries compiled as one: the rules then share that compile (see
/// `RuleQuery`). When the joined queries do not compile, or do not give
/// each rule its own patterns, each file is loaded alone, for the error
/// `parse_rule` gives. The joined text is compiled lightened
/// (`lighten`), which does not report a pattern that cannot match: for
/// texts known to compile as written, the built-in pack's.
pub fn parse_rules(files: &[(&str, &str)]) -> Result<Vec<Rule>> {
    let alone = || files.iter().map(|(n, t)| parse_rule(n, t)).collect();
    let Ok(specs) = files
        .iter()
        .map(|(n, t)| parse_spec(n, t))
        .collect::<Result<Vec<_>>>()
    else {
        return alone();
    };
    let mut joined = String::new();
    let mut starts = Vec::new();
    for spec in &specs {
        starts.push(joined.len());
        joined.push_str(&spec.query);
        joined.push('\n');
    }
    let light = crate::rules::lighten::lighten(&joined);
    let Ok(query) = Query::new(&crate::go::grammar::language(), &light) else {
        return alone();
    };
    let query = std::sync::Arc::new(query);
    // Each rule's patterns: those written within its own text (a pattern
    // that runs from one rule's text into the next is an error alone). A
    // pattern's end byte runs on to the next one's start: the separator.
    let mut shares = Vec::new();
    let mut p = 0;
    for (i, spec) in specs.iter().enumerate() {
        let own = starts[i]..starts[i] + spec.query.len();
        let first = p;
        while p < query.pattern_count() && query.start_byte_for_pattern(p) < own.end {
            if query.start_byte_for_pattern(p) < own.start
                || query.end_byte_for_pattern(p) > own.end + 1
            {
                return alone();
            }
            p += 1;
        }
        if first == p {
            return alone();
        }
        shares.push(RuleQuery::share(query.clone(), first..p, starts[i]));
    }
    files
        .iter()
        .zip(specs)
        .zip(shares)
        .map(|(((n, t), spec), q)| finish(n, t, spec, q))
        .collect()
}

/// The checks and the loading of a rule past its spec and compiled query.
fn finish(name: &str, text: &str, spec: RuleSpec, query: RuleQuery) -> Result<Rule> {
    let at = Places::new(name, text);
    let shape = shape::read(&spec.query);
    if let Some(&off) = shape.stray_predicates.first() {
        bail!(
            "{}: a query predicate outside every pattern's parentheses; tree-sitter takes it for a pattern of its own, so it tests nothing. Move it inside the pattern it is about, before its closing `)`",
            at.in_query(&spec.query, off)
        );
    }
    check_predicate_uses(&at, &spec.query, &shape)?;
    let reach = Reach::new(&query, &shape, &|o| at.in_query(&spec.query, o));
    let declared = options::declare(&spec.options)
        .map_err(|(k, e)| anyhow!("{}: option `{k}`: {e}", at.option(&k)))?;
    let mut names = Names {
        captures: query.own_captures().to_vec(),
        options: declared
            .values
            .keys()
            .map(|k| format!("option.{k}"))
            .collect(),
        bound: vec![],
    };
    let at_capture = capture_ref(&at.top("at"), "at", &spec.at, &names)?;
    reach
        .need(&at_capture, &Guard::default())
        .map_err(|e| anyhow!("{}: `at = \"{}\"`: {e}", at.top("at"), spec.at))?;
    let vocab = crate::rules::vocab::compile_all(
        &|i| at.condition_form(i),
        &spec.conditions,
        query.own_captures(),
    )?;
    check_conditions(&at, &spec, &vocab, &reach, &mut names)?;
    let edits = resolve_edits(&at, &spec, &reach, &names)?;
    check_messages(&at, &spec, &reach, &names)?;
    let kinds = match &spec.kind {
        None => Vec::new(),
        Some(k) => parse_kinds(name, text, k)?,
    };
    for (i, (guard, _)) in kinds.iter().enumerate() {
        check_guard(
            &at.top("kind"),
            &format!("kind #{}", i + 1),
            guard,
            &names,
            &reach,
        )?;
    }
    check_tests(&at, &spec, &declared.types)?;
    let warnings = require_warnings(&at, &spec);
    if let Some((i, lit)) =
        (spec.require_in_loop.iter().enumerate()).find(|(_, l)| !spec.require.contains(l))
    {
        bail!(
            "{}: `require_in_loop` literal `{lit}` is not one of the `require` literals",
            at.require_in_loop(i)
        );
    }
    let require_match = spec
        .require_match
        .iter()
        .enumerate()
        .map(|(i, re)| {
            regex::bytes::Regex::new(re)
                .map_err(|e| anyhow!("{}: `require_match`: {e}", at.require_match(i)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Rule {
        spec,
        query,
        require_match,
        edits,
        options: declared.values,
        option_types: declared.types,
        origin: name.to_string(),
        kinds,
        warnings,
        vocab,
    })
}

/// A query predicate names a capture of its own pattern: tree-sitter
/// accepts one from another pattern, and then ignores the predicate.
fn check_predicate_uses(at: &Places, query: &str, shape: &shape::Shape) -> Result<()> {
    for p in &shape.patterns {
        if let Some((off, c)) = p
            .predicate_uses
            .iter()
            .find(|(_, c)| !p.captures.contains_key(c))
        {
            bail!(
                "{}: the predicate names @{c}, which its pattern does not capture; tree-sitter would ignore it and match every node it was to filter{}",
                at.in_query(query, *off),
                suggest::hint(c, p.captures.keys().map(String::as_str))
            );
        }
    }
    Ok(())
}

/// The TOML, with "did you mean" for a misspelt key or value.
fn parse_spec(name: &str, text: &str) -> Result<RuleSpec> {
    toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let (l, c) = crate::go::syntax::line_col(text.as_bytes(), s.start);
                format!(":{l}:{c}")
            })
            .unwrap_or_default();
        let msg = e.message();
        anyhow!("{name}{at}: invalid rule: {msg}{}", unknown_hint(msg))
    })
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and
/// "unknown variant"), the closest expected name.
fn unknown_hint(msg: &str) -> String {
    if !msg.starts_with("unknown field") && !msg.starts_with("unknown variant") {
        return String::new();
    }
    let quoted: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
    match quoted.split_first() {
        Some((bad, known)) => suggest::hint(bad, known.iter().copied()),
        None => String::new(),
    }
}

fn compile_query(name: &str, text: &str, query: &str) -> Result<Query> {
    Query::new(&crate::go::grammar::language(), query).map_err(|e| {
        // Point into the file: the query string's own line plus the error's.
        let (qline, qcol) = query_position(text, e.row, e.column);
        anyhow!(
            "{name}:{qline}:{qcol}: invalid tree-sitter query ({:?}): {}",
            e.kind,
            e.message.lines().next().unwrap_or("").trim()
        )
    })
}

/// A `@name` that must be a capture of the query.
fn capture_ref(place: &str, field: &str, v: &str, names: &Names) -> Result<String> {
    let c = v
        .strip_prefix('@')
        .ok_or_else(|| anyhow!("{place}: `{field} = \"{v}\"`: a capture is written `@name`"))?;
    if !names.captures.iter().any(|k| k == c) {
        bail!(
            "{place}: `{field} = \"{v}\"`: the query has no capture @{c}{}",
            suggest::hint(c, names.captures.iter().map(String::as_str))
        );
    }
    Ok(c.to_string())
}

/// A `when`/`unless` names something that exists, and lets some pattern
/// through.
fn check_guard(place: &str, what: &str, g: &Guard, names: &Names, reach: &Reach) -> Result<()> {
    for n in [&g.when, &g.unless].into_iter().flatten() {
        let n = n.trim_start_matches('@');
        if !names.has(n) {
            bail!(
                "{place}: {what}: `when`/`unless` names `{n}`, which no capture, earlier predicate or option provides{}",
                suggest::hint(n, names.all())
            );
        }
    }
    reach
        .ever(g)
        .map_err(|e| anyhow!("{place}: {what} never applies: {e}"))
}

fn check_conditions(
    at: &Places,
    spec: &RuleSpec,
    vocab: &[Option<Compiled>],
    reach: &Reach,
    names: &mut Names,
) -> Result<()> {
    for (i, cond) in spec.conditions.iter().enumerate() {
        if let Some(v) = &vocab[i] {
            // `vocab::compile_all` checked that the query has the form's
            // captures; each pattern reaching the form must have them too,
            // or the form would quietly not hold (or, under `not`, hold).
            let place = at.condition(i, "when");
            let guard = cond.guard();
            check_guard(&place, "the condition", &guard, names, reach)?;
            for c in v.form.captures() {
                reach.need(c, &guard).map_err(|e| {
                    anyhow!(
                        "{}: [[where]] #{}: `@{c}`: {e}",
                        at.condition_form(i),
                        i + 1
                    )
                })?;
            }
            names.bound.extend(v.bind.clone());
            continue;
        }
        let place = at.condition(i, "predicate");
        let Some(p) = predicates::lookup(&cond.predicate) else {
            bail!(
                "{place}: unknown predicate `{}` (known: {}){}",
                cond.predicate,
                predicates::names().join(", "),
                suggest::hint(&cond.predicate, predicates::names())
            );
        };
        if cond.args.len() != p.args.len() {
            bail!(
                "{place}: predicate `{}` takes {} argument(s) ({}), got {}",
                cond.predicate,
                p.args.len(),
                p.args.join(", "),
                cond.args.len()
            );
        }
        let guard = cond.guard();
        let what = format!("predicate `{}`", cond.predicate);
        check_guard(&place, &what, &guard, names, reach)?;
        for (j, (a, want)) in cond.args.iter().zip(p.args).enumerate() {
            let place = at.condition_arg(i, j);
            check_arg(&place, &what, a, want, p.kinds[j], &guard, names, reach)?;
        }
        names
            .bound
            .extend(p.binds.iter().chain(p.site_vars).map(|s| s.to_string()));
    }
    Ok(())
}

/// One predicate argument: a capture of the kind the signature says, in
/// every pattern that reaches it; or a literal (`option.KEY` an option).
#[allow(clippy::too_many_arguments)]
fn check_arg(
    place: &str,
    what: &str,
    a: &str,
    want: &str,
    kinds: &[&str],
    guard: &Guard,
    names: &Names,
    reach: &Reach,
) -> Result<()> {
    if want.starts_with('@') {
        let c = capture_ref(place, "args", a, names)?;
        reach
            .need(&c, guard)
            .map_err(|e| anyhow!("{place}: {what}: argument `{a}`: {e}"))?;
        if !kinds.is_empty() {
            reach
                .kinds_fit(&c, guard, &predicates::node_kinds(kinds))
                .map_err(|e| anyhow!("{place}: {what}: argument `{want}`: {e}"))?;
        }
    } else if let Some(k) = a.strip_prefix("option.") {
        if !names.options.iter().any(|o| o == a) {
            let opts = names.options.iter().map(|o| &o["option.".len()..]);
            bail!(
                "{place}: {what}: no option `{k}` in [options]{}",
                suggest::hint(k, opts)
            );
        }
    } else if a.starts_with('@') {
        bail!("{place}: {what}: argument `{want}` is a literal string, not a capture");
    }
    Ok(())
}

/// The edits, resolved: exactly one target key each, the keys it needs,
/// a target that exists in every pattern that reaches it.
fn resolve_edits(at: &Places, spec: &RuleSpec, reach: &Reach, names: &Names) -> Result<Vec<Edit>> {
    let mut edits = Vec::new();
    for (i, e) in spec.edits.iter().enumerate() {
        let what = format!("edit #{}", i + 1);
        let guard = e.guard();
        let place = |key: &str| at.edit(i, key);
        let field = |o: &Option<String>, key: &str| -> Result<String> {
            o.clone()
                .ok_or_else(|| anyhow!("{}: {what}: `{key}` is required", place(key)))
        };
        // An edit targets a capture or a span that a predicate binds.
        let target = |key: &str, v: &str| -> Result<String> {
            let t = v.strip_prefix('@').ok_or_else(|| {
                anyhow!(
                    "{}: `{key} = \"{v}\"`: a target is written `@name`",
                    place(key)
                )
            })?;
            if !names.has(t) {
                bail!(
                    "{}: `{key} = \"{v}\"`: no capture or predicate binding `{t}`{}",
                    place(key),
                    suggest::hint(t, names.all())
                );
            }
            if names.capture_only(t) {
                reach
                    .need(t, &guard)
                    .map_err(|e| anyhow!("{}: {what}: `{key} = \"{v}\"`: {e}", place(key)))?;
            }
            Ok(t.to_string())
        };
        let keys = [
            ("replace", &e.replace),
            ("insert_before", &e.insert_before),
            ("insert_after", &e.insert_after),
            ("wrap", &e.wrap),
            ("delete", &e.delete),
            ("ensure_import", &e.ensure_import),
        ];
        let set: Vec<(&str, &String)> = keys
            .iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| (*k, v)))
            .collect();
        let [(key, t)] = set[..] else {
            bail!(
                "{}: {what}: set exactly one of replace, insert_before, insert_after, wrap, delete, ensure_import",
                place("")
            );
        };
        let kind = match key {
            "replace" => EditKind::Replace {
                target: target(key, t)?,
                with: field(&e.with, "with")?,
            },
            "insert_before" => EditKind::InsertBefore {
                target: target(key, t)?,
                text: field(&e.text, "text")?,
            },
            "insert_after" => EditKind::InsertAfter {
                target: target(key, t)?,
                text: field(&e.text, "text")?,
            },
            "wrap" => EditKind::Wrap {
                target: target(key, t)?,
                before: e.before.clone().unwrap_or_default(),
                after: e.after.clone().unwrap_or_default(),
            },
            "delete" => EditKind::Delete {
                target: target(key, t)?,
            },
            _ => EditKind::EnsureImport {
                path: t.clone(),
                within: e.within.as_deref().map(|w| target("in", w)).transpose()?,
            },
        };
        if e.within.is_some() && e.ensure_import.is_none() {
            bail!("{}: {what}: `in` goes with `ensure_import`", place("in"));
        }
        check_guard(&place("when"), &what, &guard, names, reach)?;
        edits.push(Edit { kind, guard });
    }
    Ok(edits)
}

/// Every template: its placeholders name something, and a capture one is
/// in every pattern that reaches the template. `message` alternatives end
/// with one that always applies, so that every match has a message.
fn check_messages(at: &Places, spec: &RuleSpec, reach: &Reach, names: &Names) -> Result<()> {
    let mut templates: Template = Vec::new();
    message_cases(at, &spec.message, "message", names, reach, &mut templates)?;
    if templates
        .last()
        .is_some_and(|(_, _, g, _)| g.when.is_some() || g.unless.is_some())
    {
        bail!(
            "{}: the last `[[message]]` needs no `when`/`unless`: a match none applies to would be dropped without a word",
            at.top("message")
        );
    }
    if let Some(m) = &spec.fix_message {
        message_cases(at, m, "fix_message", names, reach, &mut templates)?;
    }
    if let Some(t) = &spec.no_fix {
        templates.push((at.top("no_fix"), "no_fix".into(), Guard::default(), t));
    }
    for (i, e) in spec.edits.iter().enumerate() {
        for (key, t) in [
            ("with", &e.with),
            ("text", &e.text),
            ("before", &e.before),
            ("after", &e.after),
        ] {
            if let Some(t) = t {
                templates.push((
                    at.edit(i, key),
                    format!("edit #{} `{key}`", i + 1),
                    e.guard(),
                    t,
                ));
            }
        }
    }
    for (place, what, guard, t) in templates {
        check_template(&place, &what, &guard, t, names, reach)?;
    }
    Ok(())
}

/// Templates to check: place, what, guard, text.
type Template<'s> = Vec<(String, String, Guard, &'s str)>;

fn message_cases<'s>(
    at: &Places,
    m: &'s Message,
    key: &str,
    names: &Names,
    reach: &Reach,
    out: &mut Template<'s>,
) -> Result<()> {
    for (i, (guard, t)) in m.cases().into_iter().enumerate() {
        let what = format!("{key} #{}", i + 1);
        check_guard(&at.top(key), &what, &guard, names, reach)?;
        out.push((at.top(key), what, guard, t));
    }
    Ok(())
}

fn check_template(
    place: &str,
    what: &str,
    guard: &Guard,
    t: &str,
    names: &Names,
    reach: &Reach,
) -> Result<()> {
    for ph in crate::rules::template::placeholders(t) {
        if let Some(base) = ph.strip_prefix("fresh:") {
            if base.is_empty() || !base.chars().all(|c| c.is_alphanumeric() || c == '_') {
                bail!("{place}: {what}: `{{{{{ph}}}}}`: a fresh name needs an identifier base");
            }
        } else if ph == "rule" {
        } else if !names.has(ph) {
            bail!(
                "{place}: {what}: `{{{{{ph}}}}}` names no capture, predicate binding or option{} (have: {})",
                suggest::hint(ph, names.all()),
                names.all().collect::<Vec<_>>().join(", ")
            );
        } else if names.capture_only(ph) {
            reach
                .need(ph, guard)
                .map_err(|e| anyhow!("{place}: {what}: `{{{{{ph}}}}}`: {e}"))?;
        }
    }
    Ok(())
}

/// Each `[[test]]` says one thing: exactly one of `valid` and `invalid`;
/// `output` and `no_fix` only with `invalid`, and not both.
fn check_tests(
    at: &Places,
    spec: &RuleSpec,
    types: &std::collections::BTreeMap<String, options::OptionType>,
) -> Result<()> {
    for (i, t) in spec.tests.iter().enumerate() {
        let what = match &t.name {
            Some(n) => format!("test `{n}`"),
            None => format!("test #{}", i + 1),
        };
        let place = |key: &str| at.test(i, key);
        match (&t.valid, &t.invalid) {
            (Some(_), Some(_)) => bail!(
                "{}: {what}: set one of `valid` and `invalid`, not both",
                place("invalid")
            ),
            (None, None) => bail!(
                "{}: {what}: set `valid` (Go the rule must not fire on) or `invalid` (Go it must fire on)",
                place("")
            ),
            (Some(_), None) if t.output.is_some() || t.no_fix => bail!(
                "{}: {what}: `output` and `no_fix` go with `invalid`; a `valid` file has no finding to fix",
                place(if t.no_fix { "no_fix" } else { "output" })
            ),
            _ => {}
        }
        if t.output.is_some() && t.no_fix {
            bail!(
                "{}: {what}: `output` (the fixed file) and `no_fix = true` (no fix) contradict each other",
                place("no_fix")
            );
        }
        for (k, v) in &t.options {
            let Some(ty) = types.get(k) else {
                bail!(
                    "{}: {what}: `options`: the rule has no option `{k}`{}",
                    place("options"),
                    suggest::hint(k, types.keys().map(String::as_str))
                );
            };
            options::value_text(v)
                .and_then(|text| ty.check(&text))
                .map_err(|e| anyhow!("{}: {what}: option `{k}`: {e}", place("options")))?;
        }
    }
    Ok(())
}

/// `require` literals that a renamed import hides: a rule that matches a
/// package under whatever name the file imports it as (the `imports`
/// predicate) but requires the literal `NAME.` (or `NAME`) never runs on a
/// file that imports it as another name. A warning, not an error: the
/// author may accept missing those files for the speed.
fn require_warnings(at: &Places, spec: &RuleSpec) -> Vec<String> {
    // The predicate `imports` and the vocabulary's `imports = {...}`.
    let packages: Vec<(&str, String)> = spec
        .conditions
        .iter()
        .filter_map(|c| match c.predicate.as_str() {
            "imports" => c.args.get(1).map(String::as_str),
            _ => c.vocab.get("imports")?.get("path")?.as_str(),
        })
        .map(|path| (path, package_name(path)))
        .collect();
    let mut out = Vec::new();
    for (i, lit) in spec.require.iter().enumerate() {
        for (path, pkg) in &packages {
            // A bare package name is also in the import path (`"time"`),
            // a word of every importing file: hidden only when the literals
            // must sit inside one declaration. `time.After(` is never there.
            let hidden = if lit == pkg {
                spec.require_within == Within::Declaration
            } else {
                lit.strip_prefix(pkg.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
            };
            if hidden {
                let instead = match lit.strip_prefix(pkg.as_str()) {
                    Some(rest) if !rest.is_empty() => format!("`{}`", &rest[1..]),
                    _ => "the called name".to_string(),
                };
                out.push(format!(
                    "{}: warning: `require` literal `{lit}` names package `{pkg}`, which the rule matches under any import name (`imports` \"{path}\"); a file importing \"{path}\" under another name is never checked. Require what the code says whatever the name, such as {instead}",
                    at.require(i),
                ));
            }
        }
    }
    out
}

/// The name a package is imported as by default: the path's last element,
/// skipping a major version suffix (`/v2`).
fn package_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let last = parts.next().unwrap_or(path);
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    match (is_version, parts.next()) {
        (true, Some(before)) => before.to_string(),
        _ => last.to_string(),
    }
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
                "{at}: {what}: unknown kind `{s}` (known: {}){}",
                Kind::names(),
                suggest::hint(s, Kind::ALL.iter().map(|k| k.as_str()))
            )
        })
    };
    match value.get_ref() {
        toml::Value::Array(cases) if !cases.is_empty() => cases
            .iter()
            .enumerate()
            .map(|(i, case)| kind_case(&at, i, case, &kind))
            .collect(),
        toml::Value::Array(_) => bail!("{at}: kind: an empty list"),
        v => Ok(vec![(Guard::default(), kind(v, "kind")?)]),
    }
}

/// One `[[kind]]` table.
fn kind_case(
    at: &str,
    i: usize,
    case: &toml::Value,
    kind: &dyn Fn(&toml::Value, &str) -> Result<Kind>,
) -> Result<(Guard, Kind)> {
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
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| anyhow!("{at}: {what}: `{key}`: a string, not {}", v.type_str()))
            })
            .transpose()
    };
    if let Some(k) = table
        .keys()
        .find(|k| !["is", "when", "unless"].contains(&k.as_str()))
    {
        bail!(
            "{at}: {what}: unknown key `{k}` (expected is, when, unless){}",
            suggest::hint(k, ["is", "when", "unless"])
        );
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loaded together, the built-in rules share one compiled query, and
    /// each rule's share reads as its own query would: the same patterns
    /// (where each starts in its text), the same captures, the same
    /// quantifiers.
    #[test]
    fn rules_loaded_together_share_one_query_as_their_own() {
        let files = crate::rules::rule::BUILTIN_RULES;
        let together = parse_rules(files).unwrap();
        assert!(together.len() >= 4);
        assert!(
            together
                .iter()
                .all(|r| r.query.same_query(&together[0].query))
        );
        for ((name, text), shared) in files.iter().zip(&together) {
            let alone = parse_rule(name, text).unwrap();
            let (a, s) = (&alone.query, &shared.query);
            assert!(!a.same_query(s));
            assert_eq!(a.pattern_count(), s.pattern_count(), "{name}");
            let mut own: Vec<&String> = a.own_captures().iter().collect();
            let mut theirs: Vec<&String> = s.own_captures().iter().collect();
            own.sort();
            theirs.sort();
            assert_eq!(own, theirs, "{name}");
            for i in 0..a.pattern_count() {
                assert_eq!(a.start_byte_for_pattern(i), s.start_byte_for_pattern(i));
                let quantifiers = |q: &RuleQuery| {
                    let mut v: Vec<(String, String)> = q
                        .capture_names()
                        .iter()
                        .zip(q.capture_quantifiers(i))
                        .filter(|(n, _)| q.own_captures().iter().any(|o| o == *n))
                        .map(|(n, c)| (n.to_string(), format!("{c:?}")))
                        .collect();
                    v.sort();
                    v
                };
                assert_eq!(quantifiers(a), quantifiers(s), "{name} pattern {i}");
            }
        }
    }

    /// A rule that does not load alone does not load together either, with
    /// the error it gives alone, wherever it is among the files.
    #[test]
    fn a_bad_rule_among_others_gives_its_own_error() {
        let good = crate::rules::rule::BUILTIN_RULES[0];
        let bad_query = good
            .1
            .replacen("query = \"\"\"", "query = \"\"\"\n(call_expression", 1);
        let bad_toml = "id = ";
        for bad in [bad_query.as_str(), bad_toml] {
            let alone = parse_rule("bad.toml", bad)
                .err()
                .expect("bad alone")
                .to_string();
            for files in [[good, ("bad.toml", bad)], [("bad.toml", bad), good]] {
                let err = parse_rules(&files).err().expect("bad together").to_string();
                assert_eq!(err, alone);
            }
        }
    }

    /// The query reader agrees with tree-sitter on every pattern of the
    /// built-in rules and the examples, so their kind checks really run.
    #[test]
    fn every_shipped_query_is_read() {
        let mut files: Vec<(String, String)> = crate::rules::rule::BUILTIN_RULES
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/rules");
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
        assert!(files.len() >= 5);
        for (name, text) in files {
            let spec = parse_spec(&name, &text).unwrap();
            let query = RuleQuery::alone(compile_query(&name, &text, &spec.query).unwrap());
            let reach = Reach::new(&query, &shape::read(&spec.query), &|o| o.to_string());
            assert!(
                reach.read_all(),
                "{name}: the query reader disagrees with tree-sitter"
            );
        }
    }

    /// The load error of the built-in rule holding `line` once that line
    /// is `changed`, and the changed line's number.
    fn error_when_changed(line: &str, changed: &str) -> (String, usize) {
        let (_, good) = crate::rules::rule::BUILTIN_RULES
            .iter()
            .find(|(_, t)| t.contains(&format!("\n{line}")))
            .expect("a built-in rule with the line");
        assert!(parse_rule("x.toml", good).is_ok());
        let text = good.replacen(&format!("\n{line}"), &format!("\n{changed}"), 1);
        let err = parse_rule("x.toml", &text).err().expect("an error");
        let at = text.lines().position(|l| l.starts_with(changed)).unwrap() + 1;
        (err.to_string(), at)
    }

    /// A `require_match` that is no regular expression is a load error at
    /// its place in the file.
    #[test]
    fn a_bad_require_match_is_named_where_it_is() {
        let (err, line) = error_when_changed("require_match = ['", "require_match = ['(");
        let want = format!("x.toml:{line}:18: `require_match`: regex parse error");
        assert!(err.starts_with(&want), "{err}");
    }

    /// A loop literal must be one of the `require` literals (the prefilter
    /// only knows where those are).
    #[test]
    fn a_loop_literal_not_required_is_named_where_it_is() {
        let (err, line) = error_when_changed(
            "require_in_loop = [\"After(\"]",
            "require_in_loop = [\"After(\", \"Tick(\"]",
        );
        assert_eq!(
            err,
            format!(
                "x.toml:{line}:30: `require_in_loop` literal `Tick(` is not one of the `require` literals"
            )
        );
    }

    #[test]
    fn package_names() {
        assert_eq!(package_name("time"), "time");
        assert_eq!(package_name("os/signal"), "signal");
        assert_eq!(package_name("github.com/x/y/v2"), "y");
    }
}
