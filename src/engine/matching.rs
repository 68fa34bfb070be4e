//! The matching core: one parse per file (of the declarations that can
//! match, or of the whole file when a predicate needs it), every selected
//! rule's query over that one tree, predicates on the captures, and edit
//! templates rendered into a fix (possibly touching other files of the
//! package). Merging the fixes of a run is `merge`'s job. The engine knows
//! rules only as data.

use crate::engine::diagnostic::{FileEdit, Finding, Kind, Position, Skipped, SuggestedFix};
use crate::engine::edit::{self, Fix};
use crate::engine::literals::{Found, Prefilter, Require};
use crate::engine::rooted::{self, Roots};
use crate::engine::suppress::{self, Directive};
use crate::go::package::{Directory, PackageIndex};
use crate::go::syntax;
use crate::go::syntax::{Chunk, NodeKind};
use crate::rules::predicates::{self, Arg, Ctx, Site, Value, Verdict};
use crate::rules::rule::{EditKind, Message, Rule, Within};
use crate::rules::template;
use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tree_sitter::{Node, QueryCursor, Tree};

/// What checking one file produced: findings in position order, each with
/// its fix (None when it has none), and the file's text when some fix needs
/// it again at merge time.
#[derive(Debug, Default, Clone)]
pub struct FileOutcome {
    pub findings: Vec<Finding>,
    pub fixes: Vec<Option<Fix>>,
    pub skipped: Vec<Skipped>,
    pub text: Option<String>,
    /// Findings that `//gofix-leaks:ignore` comments dropped (with their fixes).
    pub suppressed: Vec<crate::engine::suppress::Suppressed>,
    /// The file's ignore comments, with what each suppressed.
    pub directives: Vec<crate::engine::suppress::Directive>,
    /// Whether the file was parsed (`--stats`): not when it holds none of
    /// the literals a rule needs, or is generated.
    pub parsed: bool,
}

pub struct Engine {
    rules: Vec<Rule>,
    /// The rules' required literals.
    prefilter: Prefilter,
    /// The kinds of finding to keep (`--only-leaks`, config `kinds`); the
    /// others are dropped with their fixes. None: every kind.
    kinds: Option<Vec<Kind>>,
    /// The queries of the rules that run per declaration, as one; made
    /// when a file first needs it (compiling costs about 20 ms, more than
    /// a small run's matching).
    combined: OnceLock<Option<Combined>>,
    /// The kinds each rule's patterns start at (`rooted`), by rule.
    roots: Vec<Option<Roots>>,
    /// [`Engine::pack_text`], made once.
    pack: OnceLock<String>,
    /// The words each rule's every match writes (`anchors`), by rule;
    /// read when a file first needs them (a warm run checks none).
    anchors: OnceLock<Vec<Option<Vec<Vec<u8>>>>>,
    /// Whether large declarations are first checked trimmed (`trim_plan`);
    /// off only to compare with (a test).
    trim: bool,
}

/// One query made of several rules' queries, so that one walk of a
/// declaration's nodes finds every rule's matches: each rule walking it
/// again was a quarter of the run on goroutine-dense code. The matches of
/// one rule's patterns come out in the order its own query gives them:
/// each pattern's states advance on their own (tree-sitter prunes a state
/// only against states of the same pattern) and are kept in pattern
/// order, which the join keeps within each rule. A test compares the two
/// on Go's own files.
struct Combined {
    query: std::sync::Arc<tree_sitter::Query>,
    /// The rule (index into `Engine::rules`) of each pattern; `usize::MAX`
    /// for a pattern of a rule that is not a member.
    rule_of: Vec<usize>,
    /// The kinds the members' patterns start at (`rooted`).
    roots: Option<Roots>,
}

impl Combined {
    /// None when fewer than two rules run per declaration, or when the
    /// joined text does not compile to the same patterns. Rules loaded
    /// together already share one compiled query (`RuleQuery`): that one
    /// is used, not compiled again.
    fn new(rules: &[Rule], roots: &[Option<Roots>]) -> Option<Combined> {
        let members: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].spec.require_within == Within::Declaration)
            .collect();
        if members.len() < 2 {
            return None;
        }
        let members_roots = || {
            let mut each = members.iter().map(|&i| roots[i].as_ref());
            let first = each.next()??.clone();
            each.try_fold(first, |all, r| Some(all.union(r?)))
        };
        let first = &rules[members[0]].query;
        if members.iter().all(|&i| rules[i].query.same_query(first)) {
            let mut rule_of = vec![usize::MAX; first.query().pattern_count()];
            for &i in &members {
                for p in rules[i].query.patterns() {
                    rule_of[p] = i;
                }
            }
            return Some(Combined {
                query: first.shared(),
                rule_of,
                roots: members_roots(),
            });
        }
        let text: String = members
            .iter()
            .map(|&i| format!("{}\n", rules[i].spec.query))
            .collect();
        // Each member's text has compiled as written (a user's rule when
        // it loaded alone, the built-in pack in a test): the checks the
        // lightened text skips have passed.
        let text = crate::rules::lighten::lighten(&text);
        let query = tree_sitter::Query::new(&crate::go::grammar::language(), &text).ok()?;
        let rule_of: Vec<usize> = members
            .iter()
            .flat_map(|&i| std::iter::repeat_n(i, rules[i].query.pattern_count()))
            .collect();
        (rule_of.len() == query.pattern_count()).then_some(Combined {
            query: std::sync::Arc::new(query),
            rule_of,
            roots: members_roots(),
        })
    }
}

impl Engine {
    pub fn new(rules: Vec<Rule>) -> Engine {
        let require: Vec<Require> = rules
            .iter()
            .map(|r| Require {
                literals: &r.spec.require,
                matches: &r.require_match,
                in_loop: &r.spec.require_in_loop,
            })
            .collect();
        let prefilter = Prefilter::new(&require);
        let roots = rules
            .iter()
            .map(|r| {
                let q = &r.query;
                let starts = (0..q.pattern_count()).map(|i| q.start_byte_for_pattern(i));
                Roots::of(q.query(), q.patterns().zip(starts), &r.spec.query)
            })
            .collect();
        Engine {
            rules,
            prefilter,
            kinds: None,
            combined: OnceLock::new(),
            roots,
            pack: OnceLock::new(),
            anchors: OnceLock::new(),
            trim: true,
        }
    }

    /// Keeps only findings of these kinds: the others are not reported and
    /// their fixes not made, as if the rule had not fired there (an ignore
    /// comment covering one still counts as used).
    pub fn keep_kinds(mut self, kinds: Option<Vec<Kind>>) -> Engine {
        self.kinds = kinds;
        self
    }

    /// Checks every declaration whole (never `trim_plan`): what a test
    /// compares a trimmed check with.
    pub fn untrimmed(mut self) -> Engine {
        self.trim = false;
        self
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every rule's spec as loaded and its option values, a line each:
    /// what the rules find depends on nothing else (where a rule was read
    /// from does not matter). The cache's key and a shard's identity both
    /// take it.
    pub fn pack_text(&self) -> &str {
        self.pack.get_or_init(|| {
            self.rules
                .iter()
                .map(|r| format!("{:?}\n{:?}\n", r.spec, r.options))
                .collect()
        })
    }

    /// The kinds kept (`keep_kinds`); None: every kind.
    pub fn kinds(&self) -> Option<&[Kind]> {
        self.kinds.as_deref()
    }

    /// The rules back, to run them again another way (`gofix-leaks test`
    /// sets each test's options).
    pub fn into_rules(self) -> Vec<Rule> {
        self.rules
    }

    /// The nodes rule `i`'s query runs over: the whole file, or only the
    /// top-level declarations that hold all of its literals.
    fn query_scopes<'t>(&self, i: usize, tree: &'t Tree, found: &Found) -> Vec<Node<'t>> {
        let root = tree.root_node();
        match self.rules[i].spec.require_within {
            Within::File => vec![root],
            Within::Declaration => {
                let mut c = root.walk();
                root.children(&mut c)
                    .filter(|d| found.holds(i, d.byte_range()))
                    .collect()
            }
        }
    }

    /// Checks one file whose bytes are `bytes`; `path` locates it in its
    /// `directory` (which holds its package's other files) and `display`
    /// names it in output. Findings that the file's `//gofix-leaks:ignore`
    /// comments cover are dropped here, with their fixes.
    pub fn check(
        &self,
        directory: &Directory,
        path: &Path,
        display: &str,
        bytes: &[u8],
    ) -> Result<FileOutcome, String> {
        // The file's ignore comments, read once: the check reads them when
        // it has a fix (a later fix may count on it), the filter below
        // always.
        let ignores = OnceCell::new();
        let mut out = self.check_rules(directory, path, display, bytes, &ignores)?;
        if !syntax::is_generated(bytes) {
            let directives = ignores
                .into_inner()
                .unwrap_or_else(|| suppress::scan(bytes, display));
            suppress::apply(&mut out, directives);
        }
        if let Some(kinds) = &self.kinds {
            let keep = |k: &Kind| kinds.contains(k);
            let found = std::mem::take(&mut out.findings);
            let fixes = std::mem::take(&mut out.fixes);
            (out.findings, out.fixes) = found
                .into_iter()
                .zip(fixes)
                .filter(|(f, _)| keep(&f.kind))
                .unzip();
            out.suppressed.retain(|s| keep(&s.kind));
        }
        Ok(out)
    }

    fn check_rules(
        &self,
        directory: &Directory,
        path: &Path,
        display: &str,
        bytes: &[u8],
        ignores: &OnceCell<Vec<Directive>>,
    ) -> Result<FileOutcome, String> {
        let out = FileOutcome::default();
        let found = self.prefilter.scan(bytes);
        let rules: Vec<usize> = (0..self.rules.len())
            .filter(|&i| found.holds(i, 0..bytes.len()))
            .collect();
        if rules.is_empty() || syntax::is_generated(bytes) {
            return Ok(out);
        }
        let src = std::str::from_utf8(bytes).map_err(|e| {
            let (l, c) = syntax::line_col(bytes, e.valid_up_to());
            format!("{display}:{l}:{c}: not valid UTF-8; Go source must be UTF-8, file skipped")
        })?;
        // First only the declarations that can match. A part that does not
        // parse on its own, or a predicate that wants the rest of the file
        // (a declaration elsewhere in it), means the whole file after all.
        // A lookup of a name the other declarations mention adds those
        // declarations to the parse instead, a few times at most.
        if let Some((chunks, mut keep)) = self.parse_plan(&rules, &found, directory, bytes) {
            let mut last: Option<Tree> = None;
            // Large declarations are first parsed trimmed to the functions
            // that can match (`trim_plan`); a check that asks about what
            // that left out is done again with them whole.
            let mut trim = self.trim;
            for _ in 0..5 {
                let mut ranges = syntax::kept_ranges(&chunks, keep.clone());
                let hidden = trim
                    .then(|| self.trim_plan(&chunks, &keep, &rules, &found, bytes))
                    .flatten();
                if let Some(h) = &hidden {
                    // Where the untrimmed plan parses the whole file, the
                    // trimmed parse holds every other declaration too: an
                    // error in one of them sends the check back to the
                    // whole file, as before.
                    let kept: usize = ranges.iter().map(|r| r.len()).sum();
                    if kept * 10 >= bytes.len() * 9 {
                        ranges = std::iter::once(0..bytes.len()).collect();
                    }
                    ranges = without(&ranges, &h.dropped);
                }
                let kept: usize = ranges.iter().map(|r| r.len()).sum();
                if kept * 10 >= bytes.len() * 9 {
                    break;
                }
                let tree = syntax::reparse_ranges(bytes, &ranges, last.as_ref());
                if tree.root_node().has_error() {
                    if hidden.is_some() {
                        trim = false;
                        continue;
                    }
                    break;
                }
                let trimmed = hidden.is_some();
                let check = || {
                    self.check_tree(
                        directory,
                        path,
                        display,
                        src,
                        &tree,
                        Some(&ranges),
                        (&rules, &found),
                        ignores,
                    )
                };
                let ((out, wants), asked) = match hidden {
                    Some(h) => crate::go::hidden::while_hidden(h, check),
                    None => (check(), false),
                };
                if asked {
                    trim = false;
                    last = Some(tree);
                    continue;
                }
                let names = match wants {
                    Wants::Nothing => {
                        return Ok(FileOutcome {
                            parsed: true,
                            ..out
                        });
                    }
                    Wants::Whole => break,
                    Wants::Names(names) => names,
                };
                // What a lookup wanted may be in what the trim left out.
                if !keep_wanted(&chunks, &mut keep, bytes, &names) && !trimmed {
                    break;
                }
                trim = false;
                last = Some(tree);
            }
        }
        let tree = syntax::parse(bytes);
        let out = self
            .check_tree(
                directory,
                path,
                display,
                src,
                &tree,
                None,
                (&rules, &found),
                ignores,
            )
            .0;
        Ok(FileOutcome {
            parsed: true,
            ..out
        })
    }

    /// What to parse of a file: the top-level chunks (`top_level_chunks`)
    /// and which to keep, the header (package clause, imports) and the
    /// declarations that hold all the literals of a rule (`kept_ranges`
    /// adds the comments right above them). None: the whole file (a rule
    /// looks at whole files, or the file does not split).
    /// On real code only 3-13% of the bytes are in such declarations.
    fn parse_plan<'d>(
        &self,
        rules: &[usize],
        found: &Found,
        directory: &'d Directory,
        bytes: &[u8],
    ) -> Option<(std::borrow::Cow<'d, [Chunk]>, Vec<bool>)> {
        if rules
            .iter()
            .any(|&i| self.rules[i].spec.require_within != Within::Declaration)
        {
            return None;
        }
        // The directory's chunks of its copy of the file, which lookups in
        // siblings split by too, else the file's own.
        let chunks = match directory.chunks_of(bytes) {
            Some(shared) => std::borrow::Cow::Borrowed(shared?),
            None => std::borrow::Cow::Owned(syntax::top_level_chunks(bytes)?),
        };
        let keep: Vec<bool> = chunks
            .iter()
            .map(|(r, kind)| match kind {
                syntax::ChunkKind::Header => true,
                syntax::ChunkKind::Comment => false,
                syntax::ChunkKind::Code => rules.iter().any(|&i| found.holds(i, r.clone())),
            })
            .collect();
        Some((chunks, keep))
    }

    /// What to leave out of the kept declarations of a parse plan (`keep`
    /// of `chunks`): in each large one, the statements that write no
    /// anchor of the rules it holds (`units::around_functions`), with what
    /// a check must not ask about then. None when nothing is left out, or
    /// when a rule a declaration holds has no anchors.
    fn trim_plan(
        &self,
        chunks: &[Chunk],
        keep: &[bool],
        rules: &[usize],
        found: &Found,
        bytes: &[u8],
    ) -> Option<crate::go::hidden::Hidden> {
        use crate::go::units;
        let anchors = self.anchors.get_or_init(|| {
            self.rules
                .iter()
                .map(|r| crate::engine::anchors::of_rule(&r.spec.query, &r.spec.require))
                .collect()
        });
        let mut hidden = crate::go::hidden::Hidden::default();
        for ((r, kind), _) in chunks.iter().zip(keep).filter(|(_, k)| **k) {
            if *kind != syntax::ChunkKind::Code || r.len() < units::WORTH_TRIMMING_FOR_CHECK {
                continue;
            }
            let mut words: Vec<&[u8]> = Vec::new();
            for &i in rules.iter().filter(|&&i| found.holds(i, r.clone())) {
                match &anchors[i] {
                    Some(a) => words.extend(a.iter().map(Vec::as_slice)),
                    None => {
                        words.clear();
                        break;
                    }
                }
            }
            if words.is_empty() {
                continue;
            }
            let Some(t) = units::around_functions(bytes, r.clone(), &words) else {
                continue;
            };
            hidden.chunks.push(r.clone());
            hidden.dropped.extend(t.dropped);
            hidden.scoped.extend(t.scoped);
            hidden.declared.extend(t.declared);
            hidden.written.extend(t.written);
        }
        (!hidden.chunks.is_empty()).then_some(hidden)
    }

    /// Runs `rules` over `tree`, the parse of all of `src` or of its
    /// `parse_plan`; also says whether a predicate asked for the rest of
    /// the file, which a partial tree does not hold. `parsed`: the ranges
    /// of `src` a partial tree holds; `ignores`: the file's ignore
    /// comments, once read.
    #[allow(clippy::too_many_arguments)]
    fn check_tree(
        &self,
        directory: &Directory,
        path: &Path,
        display: &str,
        src: &str,
        tree: &Tree,
        parsed: Option<&[Range<usize>]>,
        (rules, lits): (&[usize], &Found),
        ignores: &OnceCell<Vec<Directive>>,
    ) -> (FileOutcome, Wants) {
        let bytes = src.as_bytes();
        let mut out = FileOutcome::default();
        let errors = syntax::error_regions(tree);
        out.skipped = skipped_regions(&errors, display, bytes);
        let mut package = PackageIndex::new(directory, path, tree, bytes);
        if let Some(ranges) = parsed {
            package = package.parsed_only(ranges);
        }
        let facts = crate::go::facts::Facts::new(bytes);
        let decided = predicates::Decided::default();
        let ctx = Ctx {
            src: bytes,
            tree,
            package: &package,
            facts: &facts,
            decided: Some(&decided),
        };
        let here = Here {
            path,
            display,
            src,
            tree,
            package: &package,
        };
        let mut found: Vec<(Finding, Option<Fix>)> = Vec::new();
        let mut cursor = QueryCursor::new();
        let mut reserved = HashMap::new();
        let mut shared = self.combined_matches(&mut cursor, tree, bytes, rules, lits);
        for &ri in rules {
            let rule = &self.rules[ri];
            decided.start_rule(ri);
            let (names, matches) = match shared.remove(&ri) {
                Some(m) => (self.combined().unwrap().query.capture_names(), m),
                None => (
                    rule.query.capture_names(),
                    own_matches(
                        &mut cursor,
                        rule,
                        self.roots[ri].as_ref(),
                        &self.query_scopes(ri, tree, lits),
                        tree,
                        bytes,
                    ),
                ),
            };
            let at_name = rule.spec.at.trim_start_matches('@');
            let mut seen_at = std::collections::HashSet::new();
            for captures in matches {
                for &(_, n) in &captures {
                    crate::go::hidden::reads(n);
                }
                let caps: HashMap<&str, Node> = captures
                    .iter()
                    .map(|&(i, n)| (names[i as usize], n))
                    .collect();
                let Some(at) = captures
                    .iter()
                    .find(|&&(i, _)| names[i as usize] == at_name)
                    .map(|&(_, n)| n)
                else {
                    continue;
                };
                // One finding per node: the first match whose conditions
                // hold takes it, so a later pattern still gets its turn
                // when an earlier one's conditions fail.
                if seen_at.contains(&at.byte_range()) {
                    continue;
                }
                if errors.iter().any(|(d, _)| syntax::contains(*d, at)) {
                    continue;
                }
                if let Some(f) = self.evaluate(rule, &ctx, &here, &caps, at, &mut reserved) {
                    seen_at.insert(at.byte_range());
                    // A fix an ignore comment drops (after the check) is
                    // not made: a later fix that counts on it must not.
                    let ignored = || {
                        ignores
                            .get_or_init(|| suppress::scan(bytes, display))
                            .iter()
                            .any(|d| d.covers(&f.0))
                    };
                    if f.1.is_some() && !ignored() {
                        decided.fixed(at.byte_range());
                    }
                    found.push(f);
                }
            }
        }
        found.sort_by_key(|(f, _)| (f.start.offset, f.rule.clone()));
        if found.iter().any(|(_, fix)| fix.is_some()) {
            out.text = Some(src.to_string());
        }
        for (finding, fix) in found {
            out.findings.push(finding);
            out.fixes.push(fix);
        }
        let wants = match (package.wants_whole(), package.wanted()) {
            (true, _) => Wants::Whole,
            (false, names) if names.is_empty() => Wants::Nothing,
            (false, names) => Wants::Names(names),
        };
        (out, wants)
    }

    fn combined(&self) -> Option<&Combined> {
        self.combined
            .get_or_init(|| Combined::new(&self.rules, &self.roots))
            .as_ref()
    }

    /// The matches of the per-declaration rules among `rules`, by rule,
    /// from one walk of each declaration that holds some rule's literals
    /// (a rule gets only the matches in declarations that hold its own).
    /// Empty when there is no combined query; a rule missing from the map
    /// runs its own query.
    fn combined_matches<'t>(
        &self,
        cursor: &mut QueryCursor,
        tree: &'t Tree,
        bytes: &[u8],
        rules: &[usize],
        found: &Found,
    ) -> HashMap<usize, Vec<Captures<'t>>> {
        let mut by_rule = HashMap::new();
        let members: Vec<usize> = rules
            .iter()
            .copied()
            .filter(|&r| self.rules[r].spec.require_within == Within::Declaration)
            .collect();
        if members.len() < 2 {
            return by_rule;
        }
        let Some(combined) = self.combined() else {
            return by_rule;
        };
        for &r in &members {
            by_rule.insert(r, Vec::new());
        }
        let root = tree.root_node();
        let mut walk = root.walk();
        for decl in root.children(&mut walk) {
            let holding: Vec<usize> = members
                .iter()
                .copied()
                .filter(|&r| found.holds(r, decl.byte_range()))
                .collect();
            if holding.is_empty() {
                continue;
            }
            let mut take = |m: &tree_sitter::QueryMatch<'_, 't>| {
                let r = combined.rule_of[m.pattern_index];
                if holding.contains(&r) {
                    let caps = m.captures.iter().map(|c| (c.index, c.node)).collect();
                    by_rule.get_mut(&r).unwrap().push(caps);
                }
            };
            let roots = combined.roots.as_ref();
            rooted::for_each_match(
                cursor,
                &combined.query,
                (root, decl),
                roots,
                bytes,
                &mut take,
            );
        }
        by_rule
    }

    /// Runs a rule's conditions on one match and builds its finding and fix.
    /// `reserved` holds the fresh names already handed out in this file, per
    /// function, so that two fixes never declare the same name.
    fn evaluate<'t>(
        &self,
        rule: &Rule,
        ctx: &Ctx<'t>,
        here: &Here,
        caps: &HashMap<&str, Node<'t>>,
        at: Node<'t>,
        reserved: &mut HashMap<usize, HashSet<String>>,
    ) -> Option<(Finding, Option<Fix>)> {
        let (bound, unproven) = check_conditions(rule, ctx, caps)?;
        let func_scope = syntax::enclosing_function(at).unwrap_or(at);
        let mut values = Values {
            rule,
            src: here.src,
            caps,
            bound: &bound,
            func_scope,
            taken: reserved.entry(func_scope.id()).or_default(),
            fresh: HashMap::new(),
        };
        let set = |n: &str| is_set(caps, &bound, &[], n);
        let message = choose(&rule.spec.message, &set)?;
        let message = values.render(message, &[]).ok()?;
        let mut finding = new_finding(rule.id(), rule.kind_of(&set), here.display, at, message);
        if let Some(why) = unproven {
            finding.no_fix_reason = Some(why);
            return Some((finding, None));
        }
        let mut fix = match build_fix(rule, here, &mut values) {
            Err(why) => {
                finding.no_fix_reason = Some(format!("internal: {why}"));
                return Some((finding, None));
            }
            Ok(fix) if fix.is_empty() => {
                // A flag-only finding says why it has no fix when the rule does.
                finding.no_fix_reason = rule
                    .spec
                    .no_fix
                    .as_deref()
                    .and_then(|t| values.render(t, &[]).ok());
                return Some((finding, None));
            }
            Ok(fix) => fix,
        };
        let chosen = rule.spec.fix_message.as_ref().and_then(|m| choose(m, &set));
        fix.message = match chosen {
            Some(m) => values.render(m, &[]).unwrap_or_default(),
            None => rule.spec.summary.clone(),
        };
        finding.suggested_fixes.push(suggested_fix(here, &fix)?);
        Some((finding, Some(fix)))
    }
}

/// One match's captures: capture index (in the query that matched) and node.
type Captures<'t> = Vec<(u32, Node<'t>)>;

/// The matches of `rule`'s own query within `scopes` (nodes of `tree`), in
/// order; `roots`: the kinds its patterns start at, when known.
fn own_matches<'t>(
    cursor: &mut QueryCursor,
    rule: &Rule,
    roots: Option<&Roots>,
    scopes: &[Node<'t>],
    tree: &'t Tree,
    bytes: &[u8],
) -> Vec<Captures<'t>> {
    let mut out = Vec::new();
    let mut take = |m: &tree_sitter::QueryMatch<'_, 't>| {
        if rule.query.patterns().contains(&m.pattern_index) {
            out.push(m.captures.iter().map(|c| (c.index, c.node)).collect());
        }
    };
    for &scope in scopes {
        let query = rule.query.query();
        rooted::for_each_match(
            cursor,
            query,
            (tree.root_node(), scope),
            roots,
            bytes,
            &mut take,
        );
    }
    out
}

/// The regions a syntax error leaves unchecked, as reported.
fn skipped_regions(errors: &[(Node, Node)], display: &str, bytes: &[u8]) -> Vec<Skipped> {
    let mut skipped = Vec::new();
    for (decl, err) in errors {
        let (line, column) = syntax::line_col(bytes, err.start_byte());
        let what = match syntax::decl_name(*decl, bytes) {
            Some(n) => format!("`{n}`"),
            None => format!("the declaration at line {}", decl.start_position().row + 1),
        };
        skipped.push(Skipped {
            file: display.to_string(),
            posn: format!("{display}:{line}:{column}"),
            line,
            column,
            reason: format!(
                "syntax error (or Go syntax tree-sitter-go does not know); {what} left unchanged"
            ),
        });
    }
    skipped
}

/// What a check on a partial tree asked for beyond it.
enum Wants {
    Nothing,
    /// The whole file.
    Whole,
    /// The declarations that may answer these lookups.
    Names(Vec<crate::go::package::Want>),
}

/// `ranges` (sorted, not overlapping) without `out` (sorted, each inside
/// one of them).
fn without(ranges: &[Range<usize>], out: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut kept = Vec::with_capacity(ranges.len() + out.len());
    let mut out = out.iter().peekable();
    for r in ranges {
        let mut at = r.start;
        while let Some(o) = out.next_if(|o| o.start < r.end) {
            if o.start > at {
                kept.push(at..o.start);
            }
            at = at.max(o.end);
        }
        if at < r.end {
            kept.push(at..r.end);
        }
    }
    kept
}

/// Marks in `keep` the declarations of `chunks` that may answer one of
/// `wants`; false when none was not already kept (another pass would not
/// help).
fn keep_wanted(
    chunks: &[Chunk],
    keep: &mut [bool],
    src: &[u8],
    wants: &[crate::go::package::Want],
) -> bool {
    let mut added = false;
    for ((r, kind), k) in chunks.iter().zip(keep.iter_mut()) {
        if !*k
            && *kind == syntax::ChunkKind::Code
            && wants.iter().any(|w| w.wanted_in(&src[r.clone()]))
        {
            *k = true;
            added = true;
        }
    }
    added
}

/// Runs a rule's `[[where]]` conditions in order on one match: None when
/// one does not hold (no finding), else what they bound (options included,
/// as `option.KEY`) and the first reason a fix could not be proven safe.
fn check_conditions<'t>(
    rule: &Rule,
    ctx: &Ctx<'t>,
    caps: &HashMap<&str, Node<'t>>,
) -> Option<(HashMap<String, Value>, Option<String>)> {
    let mut bound: HashMap<String, Value> = rule
        .options
        .iter()
        .map(|(k, v)| (format!("option.{k}"), Value::Text(v.clone())))
        .collect();
    let mut unproven: Option<String> = None;
    for (i, cond) in rule.spec.conditions.iter().enumerate() {
        if !cond.guard().allows(&|n| is_set(caps, &bound, &[], n)) {
            continue;
        }
        let verdict = match &rule.vocab[i] {
            Some(v) => crate::rules::vocab::run(v, ctx, caps, &mut bound),
            None => run_predicate(rule, cond, ctx, caps)?,
        };
        let verdict = match verdict {
            Verdict::Skip if cond.not.negates() => Verdict::Holds(vec![]),
            _ if cond.not.negates() => Verdict::Skip,
            v => v,
        };
        match verdict {
            Verdict::Skip => return None,
            Verdict::Holds(b) => bound.extend(b.into_iter().map(|(k, v)| (k.to_string(), v))),
            Verdict::Unproven(why, b) => {
                bound.extend(b.into_iter().map(|(k, v)| (k.to_string(), v)));
                unproven.get_or_insert(why);
            }
        }
    }
    Some((bound, unproven))
}

/// Calls a named predicate with the condition's arguments: captures as
/// nodes, `option.KEY` as the option's value, other literals as written.
/// None when a capture argument is not set in this match.
fn run_predicate<'t>(
    rule: &Rule,
    cond: &crate::rules::format::Condition,
    ctx: &Ctx<'t>,
    caps: &HashMap<&str, Node<'t>>,
) -> Option<Verdict> {
    let p = predicates::lookup(&cond.predicate).expect("validated at load");
    let args: Vec<Arg> = cond
        .args
        .iter()
        .map(|a| match a.strip_prefix('@') {
            Some(c) => caps.get(c).copied().map(Arg::Node),
            None => Some(Arg::Lit(
                a.strip_prefix("option.")
                    .and_then(|k| rule.options.get(k))
                    .map_or(a.as_str(), String::as_str),
            )),
        })
        .collect::<Option<_>>()?;
    Some((p.run)(ctx, &args))
}

/// A finding at `at`, with no fix yet. The tree knows each node's line and
/// byte column: counting lines from the top of the file for every finding
/// made a file with thousands of findings quadratic.
fn new_finding(rule: &str, kind: Kind, display: &str, at: Node, message: String) -> Finding {
    let pos = |p: tree_sitter::Point, offset: usize| Position {
        line: p.row + 1,
        column: p.column + 1,
        offset,
    };
    let start = pos(at.start_position(), at.start_byte());
    let end = pos(at.end_position(), at.end_byte());
    Finding {
        rule: rule.to_string(),
        kind,
        file: display.to_string(),
        posn: format!("{display}:{}:{}", start.line, start.column),
        start,
        end,
        message,
        suggested_fixes: vec![],
        no_fix_reason: None,
    }
}

/// What a match's templates can name: a site's own values, `fresh:NAME`
/// (a name unused in the function, the same for every use in one fix),
/// `rule`, captures, and what the conditions bound.
struct Values<'a, 't> {
    rule: &'a Rule,
    src: &'a str,
    caps: &'a HashMap<&'a str, Node<'t>>,
    bound: &'a HashMap<String, Value>,
    func_scope: Node<'t>,
    /// Names already handed out in this function, by this fix or another.
    taken: &'a mut HashSet<String>,
    fresh: HashMap<String, String>,
}

impl Values<'_, '_> {
    fn get(&mut self, name: &str, vars: &[(&'static str, String)]) -> Option<String> {
        if let Some((_, v)) = vars.iter().find(|(k, _)| *k == name) {
            return Some(v.clone());
        }
        if let Some(base) = name.strip_prefix("fresh:") {
            if let Some(n) = self.fresh.get(base) {
                return Some(n.clone());
            }
            let n = syntax::fresh_name(base, self.func_scope, self.src.as_bytes(), self.taken);
            self.taken.insert(n.clone());
            self.fresh.insert(base.to_string(), n.clone());
            return Some(n);
        }
        if name == "rule" {
            return Some(self.rule.id().to_string());
        }
        if let Some(n) = self.caps.get(name) {
            return Some(syntax::text(*n, self.src.as_bytes()).to_string());
        }
        match self.bound.get(name)? {
            Value::Text(t) => Some(t.clone()),
            Value::Span(s, e) => Some(self.src[*s..*e].to_string()),
            Value::Sites(_) => None,
        }
    }

    fn render(&mut self, t: &str, vars: &[(&'static str, String)]) -> Result<String, String> {
        template::render(t, &mut |n| self.get(n, vars))
    }
}

/// The rule's edits for one match, each at its target (a capture, a bound
/// span, or each of a bound list of sites, maybe in other files) where its
/// guard allows. Err when a template cannot be filled.
fn build_fix(rule: &Rule, here: &Here, values: &mut Values) -> Result<Fix, String> {
    let mut fix = Fix::default();
    for e in &rule.edits {
        for site in edit_sites(&e.kind, values.caps, values.bound)? {
            if !e
                .guard
                .allows(&|n| is_set(values.caps, values.bound, &site.vars, n))
            {
                continue;
            }
            let file = here.file(site.file.as_deref())?;
            let (s, t) = (site.start, site.end);
            let mut render = |t: &str| values.render(t, &site.vars);
            let text_edit = match &e.kind {
                EditKind::Replace { with, .. } => edit::replace(file.src, s, t, &render(with)?),
                EditKind::InsertBefore { text, .. } => {
                    let indent = statement_indent(file.tree, file.src.as_bytes(), s);
                    edit::insert_before(file.src, s, &render(text)?, &indent)
                }
                EditKind::InsertAfter { text, .. } => {
                    let indent = statement_indent(file.tree, file.src.as_bytes(), s);
                    edit::insert_after(file.src, t, &render(text)?, &indent)
                }
                EditKind::Wrap { before, after, .. } => {
                    let b = render(before)?;
                    let a = render(after)?;
                    edit::wrap(file.src, s, t, &b, &a)
                }
                EditKind::Delete { .. } => edit::delete(file.src, s, t),
                EditKind::EnsureImport { path, .. } => {
                    fix.part(&file.path, &file.display)
                        .imports
                        .push(path.clone());
                    continue;
                }
            };
            fix.part(&file.path, &file.display).push(text_edit);
        }
    }
    Ok(fix)
}

/// Where an edit lands for one match. An edit with no target (an import in
/// this file) lands once; a target not bound in this match (another
/// pattern or mode) nowhere.
fn edit_sites(
    kind: &EditKind,
    caps: &HashMap<&str, Node>,
    bound: &HashMap<String, Value>,
) -> Result<Vec<Site>, String> {
    let Some(target) = edit_target(kind) else {
        return Ok(vec![Site::here(0, 0)]);
    };
    Ok(match (caps.get(target), bound.get(target)) {
        (Some(n), _) => vec![Site::here(n.start_byte(), n.end_byte())],
        (None, Some(Value::Span(s, t))) => vec![Site::here(*s, *t)],
        (None, Some(Value::Sites(list))) => list.clone(),
        (None, Some(Value::Text(_))) => {
            return Err(format!("edit target `{target}` is text, not a place"));
        }
        (None, None) => vec![],
    })
}

/// The fix as the JSON shows it on its own: its edits plus its own imports.
fn suggested_fix(here: &Here, fix: &Fix) -> Option<SuggestedFix> {
    let mut edits = Vec::new();
    for part in &fix.parts {
        let file = here.file(here.other(&part.path)).ok()?;
        for e in &part.edits {
            edits.push(FileEdit {
                filename: part.display.clone(),
                edit: e.clone(),
            });
        }
        if let Some(imp) = edit::import_edit(file.src, file.tree, &part.imports) {
            edits.push(FileEdit {
                filename: part.display.clone(),
                edit: imp,
            });
        }
    }
    Some(SuggestedFix {
        message: fix.message.clone(),
        edits,
    })
}

/// The first alternative of a message whose guard holds.
fn choose<'m>(m: &'m Message, is_set: &dyn Fn(&str) -> bool) -> Option<&'m str> {
    m.cases()
        .into_iter()
        .find(|(g, _)| g.allows(is_set))
        .map(|(_, t)| t)
}

/// Whether a guard name is set: a capture that matched, a non-empty binding
/// or option, or a site's own value.
fn is_set(
    caps: &HashMap<&str, Node>,
    bound: &HashMap<String, Value>,
    vars: &[(&'static str, String)],
    name: &str,
) -> bool {
    let name = name.trim_start_matches('@');
    if let Some((_, v)) = vars.iter().find(|(k, _)| *k == name) {
        return !v.is_empty();
    }
    caps.contains_key(name)
        || match bound.get(name) {
            Some(Value::Text(t)) => !t.is_empty(),
            Some(Value::Span(..)) => true,
            Some(Value::Sites(s)) => !s.is_empty(),
            None => false,
        }
}

fn edit_target(kind: &EditKind) -> Option<&str> {
    match kind {
        EditKind::Replace { target, .. }
        | EditKind::InsertBefore { target, .. }
        | EditKind::InsertAfter { target, .. }
        | EditKind::Wrap { target, .. }
        | EditKind::Delete { target } => Some(target),
        EditKind::EnsureImport { within, .. } => within.as_deref(),
    }
}

/// The file being checked, and how to reach the other files of its package.
struct Here<'a> {
    path: &'a Path,
    display: &'a str,
    src: &'a str,
    tree: &'a tree_sitter::Tree,
    package: &'a PackageIndex<'a>,
}

/// A file an edit lands in.
struct FileRef<'a> {
    path: PathBuf,
    display: String,
    src: &'a str,
    tree: &'a tree_sitter::Tree,
}

impl<'a> Here<'a> {
    /// `None` for this file, else the other file's path.
    fn other<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        (path != self.path).then_some(path)
    }

    fn file(&self, other: Option<&Path>) -> Result<FileRef<'a>, String> {
        match other {
            None => Ok(FileRef {
                path: self.path.to_path_buf(),
                display: self.display.to_string(),
                src: self.src,
                tree: self.tree,
            }),
            Some(p) => {
                let f = self
                    .package
                    .file(p)
                    .ok_or_else(|| format!("{} is not a file of this package", p.display()))?;
                let src = std::str::from_utf8(&f.src)
                    .map_err(|_| format!("{} is not UTF-8", p.display()))?;
                // Siblings share the directory: show them beside this file.
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let display = match self.display.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/{name}"),
                    None => name,
                };
                Ok(FileRef {
                    path: p.to_path_buf(),
                    display,
                    src,
                    tree: f.tree(),
                })
            }
        }
    }
}

/// The indentation of the statement starting at `start`. A labelled
/// statement's line is outdented by gofmt, so code placed before or after it
/// takes the indentation of the statement under the label.
fn statement_indent(tree: &tree_sitter::Tree, src: &[u8], start: usize) -> String {
    let mut node = tree.root_node().descendant_for_byte_range(start, start);
    while let Some(n) = node {
        if n.kind_str() == "labeled_statement" && n.start_byte() == start {
            let mut c = n.walk();
            // Not a comment after the label (`loop: // c`), whose line is
            // the label's (found by tests/proptest_engine.rs).
            if let Some(mut inner) = n
                .named_children(&mut c)
                .find(|k| k.kind_str() != "label_name" && k.kind_str() != "comment")
            {
                // `a: b: for {...}`: every label is outdented; the first
                // statement that is not one gives the indentation.
                while inner.kind_str() == "labeled_statement" {
                    let mut c2 = inner.walk();
                    let Some(next) = inner
                        .named_children(&mut c2)
                        .find(|k| k.kind_str() != "label_name" && k.kind_str() != "comment")
                    else {
                        break;
                    };
                    inner = next;
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What a rule sees of a match: capture names and the nodes' ranges.
    fn seen(names: &[&str], matches: &[Captures]) -> Vec<Vec<(String, Range<usize>)>> {
        matches
            .iter()
            .map(|m| {
                m.iter()
                    .map(|&(i, n)| (names[i as usize].to_string(), n.byte_range()))
                    .collect()
            })
            .collect()
    }

    /// A check that first parses large declarations trimmed finds what a
    /// check of them whole finds, fix for fix and skip for skip, on every
    /// file under `root` that it would trim, whole and cut short (the cut
    /// one's tree has errors): how many files, and how many findings.
    fn trimmed_and_whole_agree(root: &Path) -> (usize, usize) {
        use crate::files::source::WorkTree;
        let trimmed = Engine::new(crate::rules::rule::builtin().unwrap());
        let whole = Engine::new(crate::rules::rule::builtin().unwrap()).untrimmed();
        let mut dirs = vec![root.to_path_buf()];
        let (mut files, mut findings) = (0, 0);
        while let Some(dir) = dirs.pop() {
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            paths.sort();
            let directory = Directory::new(&WorkTree, &dir);
            for path in paths {
                if path.is_dir() {
                    if !path.ends_with("testdata") && !path.ends_with("vendor") {
                        dirs.push(path);
                    }
                    continue;
                }
                if path.extension().is_none_or(|x| x != "go") {
                    continue;
                }
                let full = std::fs::read(&path).unwrap();
                if !would_trim(&trimmed, &full) {
                    continue;
                }
                for keep in [1.0, 0.77] {
                    let src = &full[..(full.len() as f64 * keep) as usize];
                    let display = path.display().to_string();
                    let a = trimmed.check(&directory, &path, &display, src);
                    let b = whole.check(&directory, &path, &display, src);
                    let show = |o: &Result<FileOutcome, String>| match o {
                        Ok(o) => format!(
                            "{:?}\n{:?}\n{:?}\n{:?}",
                            o.findings, o.fixes, o.skipped, o.suppressed
                        ),
                        Err(e) => e.clone(),
                    };
                    assert_eq!(show(&a), show(&b), "{display} at {keep}");
                    findings += a.map_or(0, |o| o.findings.len());
                }
                files += 1;
            }
        }
        (files, findings)
    }

    /// On Go's own tree, whose large functions seldom start their
    /// goroutines only in nested func literals.
    #[test]
    fn a_trimmed_check_finds_what_a_whole_one_does_in_gos_tree() {
        let (files, findings) = trimmed_and_whole_agree(&crate::go::goroot_src());
        eprintln!("{files} files trimmed, {findings} findings");
        assert!(files >= 5, "{files} files trimmed");
    }

    /// On go-redis (fetched from the Go module proxy), whose Ginkgo test
    /// files are each one `Describe` literal holding hundreds of specs:
    /// what the trim is for.
    #[test]
    fn a_trimmed_check_finds_what_a_whole_one_does_in_ginkgo_specs() {
        let out = std::process::Command::new("go")
            .args([
                "mod",
                "download",
                "-json",
                "github.com/redis/go-redis/v9@v9.24.0",
            ])
            .output()
            .expect("go on PATH");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let dir = PathBuf::from(info["Dir"].as_str().expect("the module's directory"));
        let (files, findings) = trimmed_and_whole_agree(&dir);
        eprintln!("{files} files trimmed, {findings} findings");
        assert!(
            files >= 15 && findings >= 10,
            "{files} files trimmed, {findings} findings"
        );
    }

    /// Whether the check of `src` would parse some declaration trimmed.
    fn would_trim(engine: &Engine, src: &[u8]) -> bool {
        let found = engine.prefilter.scan(src);
        let rules: Vec<usize> = (0..engine.rules.len())
            .filter(|&i| found.holds(i, 0..src.len()))
            .collect();
        let Some(chunks) = syntax::top_level_chunks(src) else {
            return false;
        };
        let keep: Vec<bool> = chunks
            .iter()
            .map(|(r, k)| {
                *k == syntax::ChunkKind::Code && rules.iter().any(|&i| found.holds(i, r.clone()))
            })
            .collect();
        engine
            .trim_plan(&chunks, &keep, &rules, &found, src)
            .is_some()
    }

    /// Each rule gets from the one combined walk exactly the matches, in
    /// exactly the order, its own query (compiled alone) gives over its own
    /// declarations:
    /// on whole files of Go's tree, goroutine-dense ones among them, and on
    /// a file cut short so that its tree has errors.
    #[test]
    fn the_combined_walk_gives_each_rule_its_own_matches() {
        let engine = Engine::new(crate::rules::rule::builtin().unwrap());
        // The built-in rules share one compiled query: the comparison is
        // with each rule's query compiled alone.
        let alone: Vec<Rule> = crate::rules::rule::BUILTIN_RULES
            .iter()
            .map(|(n, t)| crate::rules::rule::parse_rule(n, t).unwrap())
            .collect();
        assert!(
            alone
                .iter()
                .zip(&engine.rules)
                .all(|(a, r)| a.id() == r.id())
        );
        assert!(!alone[0].query.same_query(&engine.rules[0].query));
        let mut compared = 0;
        for (f, keep) in [
            ("net/http/transport.go", 1.0),
            ("net/http/server.go", 1.0),
            ("context/context_test.go", 1.0),
            ("sync/waitgroup_test.go", 1.0),
            ("time/sleep_test.go", 1.0),
            ("os/exec/exec.go", 1.0),
            ("net/http/h2_bundle.go", 1.0),
            ("net/http/transport_test.go", 0.61),
        ] {
            let src = &crate::go::goroot_file(f, keep);
            let tree = syntax::parse(src);
            let found = engine.prefilter.scan(src);
            let rules: Vec<usize> = (0..engine.rules.len())
                .filter(|&i| found.holds(i, 0..src.len()))
                .collect();
            assert!(rules.len() >= 2, "{f}: {rules:?}");
            let mut cursor = QueryCursor::new();
            let mut shared = engine.combined_matches(&mut cursor, &tree, src, &rules, &found);
            let names = engine.combined().unwrap().query.capture_names();
            for &ri in &rules {
                let rule = &alone[ri];
                let scopes = engine.query_scopes(ri, &tree, &found);
                let own = own_matches(&mut cursor, rule, None, &scopes, &tree, src);
                let combined = shared.remove(&ri).expect("a per-declaration rule");
                assert_eq!(
                    seen(names, &combined),
                    seen(rule.query.capture_names(), &own),
                    "{f}: {}",
                    rule.id()
                );
                compared += own.len();
            }
        }
        assert!(compared > 200, "{compared}");
    }
}
