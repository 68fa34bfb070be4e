//! The matching core: one parse per file, every selected rule's query over
//! that one tree, predicates on the captures, edit templates rendered into a
//! fix, and the fixes of all rules merged without overlap. It knows rules
//! only as data.

use crate::diagnostic::{FileEdit, Finding, Position, Skipped, SuggestedFix};
use crate::edit::{self, Fix, Merger, TextEdit};
use crate::package::PackageIndex;
use crate::predicates::{self, Arg, Ctx, Value, Verdict};
use crate::rule::{EditKind, Rule};
use crate::source::Source;
use crate::syntax;
use crate::template;
use aho_corasick::AhoCorasick;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, QueryCursor};

/// What checking one file produced.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    /// The original text and the fixed text, when fixes changed the file.
    pub change: Option<(String, String)>,
}

pub struct Engine {
    rules: Vec<Rule>,
    /// One automaton per rule over its required literals.
    prefilters: Vec<Option<AhoCorasick>>,
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Engine {
        let prefilters = rules
            .iter()
            .map(|r| {
                (!r.spec.require.is_empty()).then(|| {
                    AhoCorasick::new(&r.spec.require).expect("literals build an automaton")
                })
            })
            .collect();
        Engine { rules, prefilters }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Indexes of the rules whose required literals all occur in `src`.
    fn candidates(&self, src: &[u8]) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&i| match &self.prefilters[i] {
                None => true,
                Some(ac) => {
                    let need = self.rules[i].spec.require.len();
                    let mut seen = vec![false; need];
                    for m in ac.find_overlapping_iter(src) {
                        seen[m.pattern().as_usize()] = true;
                    }
                    seen.iter().all(|&s| s)
                }
            })
            .collect()
    }

    /// Checks one file whose bytes are `bytes`; `path` locates it in
    /// `source` (for its package's other files) and `display` names it in
    /// output.
    pub fn check(
        &self,
        source: &dyn Source,
        path: &Path,
        display: &str,
        bytes: &[u8],
    ) -> Result<FileOutcome, String> {
        let mut out = FileOutcome::default();
        let rules = self.candidates(bytes);
        if rules.is_empty() || syntax::is_generated(bytes) {
            return Ok(out);
        }
        let src = std::str::from_utf8(bytes).map_err(|e| {
            let (l, c) = syntax::line_col(bytes, e.valid_up_to());
            format!("{display}:{l}:{c}: not valid UTF-8; Go source must be UTF-8, file skipped")
        })?;
        let tree = syntax::parse(bytes);
        let errors = syntax::error_regions(&tree);
        for (decl, err) in &errors {
            let (line, column) = syntax::line_col(bytes, err.start_byte());
            let what = match syntax::decl_name(*decl, bytes) {
                Some(n) => format!("`{n}`"),
                None => format!("the declaration at line {}", decl.start_position().row + 1),
            };
            out.skipped.push(Skipped {
                file: display.to_string(),
                posn: format!("{display}:{line}:{column}"),
                line,
                column,
                reason: format!("syntax error (or Go syntax tree-sitter-go does not know); {what} left unchanged"),
            });
        }
        let package = PackageIndex::new(source, path, &tree, bytes);
        let ctx = Ctx {
            src: bytes,
            tree: &tree,
            package: &package,
        };
        let mut found: Vec<(Finding, Option<Fix>)> = Vec::new();
        let mut cursor = QueryCursor::new();
        let mut reserved = HashMap::new();
        for ri in rules {
            let rule = &self.rules[ri];
            let names = rule.query.capture_names();
            let at_index = names
                .iter()
                .position(|n| *n == rule.spec.at.trim_start_matches('@'))
                .unwrap();
            let mut seen_at = std::collections::HashSet::new();
            let mut matches = cursor.matches(&rule.query, tree.root_node(), bytes);
            while let Some(m) = matches.next() {
                let caps: HashMap<&str, Node> = m
                    .captures
                    .iter()
                    .map(|c| (names[c.index as usize], c.node))
                    .collect();
                let Some(at) = m
                    .captures
                    .iter()
                    .find(|c| c.index as usize == at_index)
                    .map(|c| c.node)
                else {
                    continue;
                };
                if !seen_at.insert(at.byte_range()) {
                    continue;
                }
                if errors.iter().any(|(d, _)| syntax::contains(*d, at)) {
                    continue;
                }
                if let Some(f) = self.evaluate(rule, &ctx, &caps, at, src, display, &mut reserved) {
                    found.push(f);
                }
            }
        }
        found.sort_by_key(|(f, _)| (f.start.offset, f.rule.clone()));
        let mut merger = Merger::default();
        for (finding, fix) in &mut found {
            if let Some(fix) = fix {
                if merger.try_add(fix) {
                    continue;
                }
                finding.suggested_fixes.clear();
                finding.no_fix_reason = Some(
                    "its fix overlaps another fix in this file; run again to apply it".to_string(),
                );
            }
        }
        if !merger.is_empty() {
            let new = edit::apply(src, &merger.into_edits(src, &tree));
            // A fix must never turn parseable code into unparseable code.
            let new_tree = syntax::parse(new.as_bytes());
            if syntax::error_regions(&new_tree).len() > errors.len() {
                return Err(format!(
                    "{display}: internal error: the fixes would make the file unparseable; file left unchanged"
                ));
            }
            out.change = Some((src.to_string(), new));
        }
        out.findings = found.into_iter().map(|(f, _)| f).collect();
        Ok(out)
    }

    /// Runs a rule's conditions on one match and builds its finding and fix.
    /// `reserved` holds the fresh names already handed out in this file, per
    /// function, so that two fixes never declare the same name.
    #[allow(clippy::too_many_arguments)]
    fn evaluate(
        &self,
        rule: &Rule,
        ctx: &Ctx,
        caps: &HashMap<&str, Node>,
        at: Node,
        src: &str,
        display: &str,
        reserved: &mut HashMap<usize, HashSet<String>>,
    ) -> Option<(Finding, Option<Fix>)> {
        let mut bound: HashMap<String, Value> = rule
            .options
            .iter()
            .map(|(k, v)| (format!("option.{k}"), Value::Text(v.clone())))
            .collect();
        let is_set = |bound: &HashMap<String, Value>, name: &str| -> bool {
            let name = name.trim_start_matches('@');
            caps.contains_key(name)
                || match bound.get(name) {
                    Some(Value::Text(t)) => !t.is_empty(),
                    Some(Value::Span(..)) => true,
                    None => false,
                }
        };
        let mut unproven: Option<String> = None;
        for cond in &rule.spec.conditions {
            let guard = crate::rule::Guard {
                when: cond.when.clone(),
                unless: cond.unless.clone(),
            };
            if !guard.allows(&|n| is_set(&bound, n)) {
                continue;
            }
            let p = predicates::lookup(&cond.predicate).expect("validated at load");
            let args: Vec<Arg> = cond
                .args
                .iter()
                .map(|a| match a.strip_prefix('@') {
                    Some(c) => caps.get(c).copied().map(Arg::Node),
                    None => Some(Arg::Lit(a.as_str())),
                })
                .collect::<Option<_>>()?;
            match (p.run)(ctx, &args) {
                Verdict::Skip => return None,
                Verdict::Holds(b) => bound.extend(b.into_iter().map(|(k, v)| (k.to_string(), v))),
                Verdict::Unproven(why, b) => {
                    bound.extend(b.into_iter().map(|(k, v)| (k.to_string(), v)));
                    unproven.get_or_insert(why);
                }
            }
        }
        let bytes = src.as_bytes();
        let func_scope = syntax::enclosing_function(at).unwrap_or(at);
        let taken = reserved.entry(func_scope.id()).or_default();
        let mut fresh: HashMap<String, String> = HashMap::new();
        let mut lookup = |name: &str| -> Option<String> {
            if let Some(base) = name.strip_prefix("fresh:") {
                let n = fresh.entry(base.to_string()).or_insert_with(|| {
                    let n = syntax::fresh_name(base, func_scope, bytes, taken);
                    taken.insert(n.clone());
                    n
                });
                return Some(n.clone());
            }
            if name == "rule" {
                return Some(rule.id().to_string());
            }
            if let Some(n) = caps.get(name) {
                return Some(syntax::text(*n, bytes).to_string());
            }
            match bound.get(name)? {
                Value::Text(t) => Some(t.clone()),
                Value::Span(s, e) => Some(src[*s..*e].to_string()),
            }
        };
        let message = template::render(&rule.spec.message, &mut lookup).ok()?;
        let start = at.start_byte();
        let end = at.end_byte();
        let pos = |o: usize| {
            let (line, column) = syntax::line_col(bytes, o);
            Position {
                line,
                column,
                offset: o,
            }
        };
        let mut finding = Finding {
            rule: rule.id().to_string(),
            file: display.to_string(),
            posn: format!("{display}:{}:{}", pos(start).line, pos(start).column),
            start: pos(start),
            end: pos(end),
            message,
            suggested_fixes: vec![],
            no_fix_reason: None,
        };
        if let Some(why) = unproven {
            finding.no_fix_reason = Some(why);
            return Some((finding, None));
        }
        if rule.edits.is_empty() {
            return Some((finding, None));
        }
        let span_of = |target: &str| -> Option<(usize, usize)> {
            if let Some(n) = caps.get(target) {
                return Some((n.start_byte(), n.end_byte()));
            }
            match bound.get(target)? {
                Value::Span(s, e) => Some((*s, *e)),
                Value::Text(_) => None,
            }
        };
        let edits: Vec<&EditKind> = rule
            .edits
            .iter()
            .filter(|e| e.guard.allows(&|n| is_set(&bound, n)))
            .map(|e| &e.kind)
            .collect();
        let mut fix = Fix::default();
        let rendered = (|| -> Result<(), String> {
            for e in edits {
                match e {
                    EditKind::Replace { target, with } => {
                        let (s, t) = span_of(target).ok_or("edit target has no node")?;
                        fix.edits.push(edit::replace(
                            src,
                            s,
                            t,
                            &template::render(with, &mut lookup)?,
                        ));
                    }
                    EditKind::InsertBefore { target, text } => {
                        let (s, _) = span_of(target).ok_or("edit target has no node")?;
                        let indent = statement_indent(ctx.tree, bytes, s);
                        fix.edits.push(edit::insert_before(
                            src,
                            s,
                            &template::render(text, &mut lookup)?,
                            &indent,
                        ));
                    }
                    EditKind::InsertAfter { target, text } => {
                        let (s, t) = span_of(target).ok_or("edit target has no node")?;
                        let indent = statement_indent(ctx.tree, bytes, s);
                        fix.edits.push(edit::insert_after(
                            src,
                            t,
                            &template::render(text, &mut lookup)?,
                            &indent,
                        ));
                    }
                    EditKind::Wrap {
                        target,
                        before,
                        after,
                    } => {
                        let (s, t) = span_of(target).ok_or("edit target has no node")?;
                        let b = template::render(before, &mut lookup)?;
                        let a = template::render(after, &mut lookup)?;
                        fix.edits.push(edit::wrap(src, s, t, &b, &a));
                    }
                    EditKind::EnsureImport { path } => fix.imports.push(path.clone()),
                }
            }
            Ok(())
        })();
        if let Err(why) = rendered {
            finding.no_fix_reason = Some(format!("internal: {why}"));
            return Some((finding, None));
        }
        fix.message = match &rule.spec.fix_message {
            Some(m) => template::render(m, &mut lookup).unwrap_or_default(),
            None => rule.spec.summary.clone(),
        };
        // The JSON shows each fix on its own: its edits plus its own imports.
        let mut edits: Vec<TextEdit> = fix.edits.clone();
        if let Some(imp) = edit::import_edit(src, ctx.tree, &fix.imports) {
            edits.push(imp);
        }
        finding.suggested_fixes.push(SuggestedFix {
            message: fix.message.clone(),
            edits: edits
                .into_iter()
                .map(|edit| FileEdit {
                    filename: display.to_string(),
                    edit,
                })
                .collect(),
        });
        Some((finding, Some(fix)))
    }
}

/// The indentation of the statement starting at `start`. A labelled
/// statement's line is outdented by gofmt, so code placed before or after it
/// takes the indentation of the statement under the label.
fn statement_indent(tree: &tree_sitter::Tree, src: &[u8], start: usize) -> String {
    let mut node = tree.root_node().descendant_for_byte_range(start, start);
    while let Some(n) = node {
        if n.kind() == "labeled_statement" && n.start_byte() == start {
            let mut c = n.walk();
            if let Some(inner) = n.named_children(&mut c).find(|k| k.kind() != "label_name") {
                return syntax::indent_at(src, inner.start_byte()).to_string();
            }
        }
        if n.start_byte() != start {
            break;
        }
        node = n.parent();
    }
    syntax::indent_at(src, start).to_string()
}
