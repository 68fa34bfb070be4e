//! `.gofix-leaks.toml`: per-repository settings, read from the root of the
//! git work tree that holds the current directory (else the current
//! directory), or from `--config FILE`; `--no-config` skips it. Flags on the
//! command line win over the file. Every key is checked: an unknown key, an
//! unknown rule or option, or a value of the wrong kind is an error that
//! names the file, line and column.
//!
//! ```toml
//! only = ["single-result-buffer"]      # like --only (the flag replaces it)
//! skip = ["fan-in-ctx-guard"]          # like --skip (the flag adds to it)
//! extra_rules = ["tools/leak-rules"]   # like --rules, relative to this file
//! exclude = ["gen/", "*_mock.go"]      # .gitignore syntax, relative to this file
//! branch = "gofix-leaks/{date}"        # --apply's branch (--branch wins)
//! author = "Leak Bot <bot@example.com>" # --apply's commit author
//! kinds = ["leak"]                     # findings to keep (--only-leaks wins)
//! fail_on = "leak"                     # like --fail-on (the flag wins)
//!
//! [rules.time-after-in-loop]
//! leak_only = true                     # like --set (the flag wins)
//!
//! [rules.waitgroup-done]
//! enabled = false                      # like skip
//! ```

use crate::cli::args::{Args, FailOn};
use crate::engine::diagnostic::Kind;
use crate::git::apply::DEFAULT_BRANCH;
use crate::rules::rule::{self, Rule};
use anyhow::{Context, Result, anyhow};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The file's name at the repository root.
pub const FILE_NAME: &str = ".gofix-leaks.toml";

/// Placeholders a branch name may hold: `{date}` is today's date (UTC,
/// YYYY-MM-DD); `{rule}` and `{module}` are filled per branch by `--split`.
pub const BRANCH_PLACEHOLDERS: [&str; 3] = ["date", "rule", "module"];

type Options = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    only: Vec<Spanned<String>>,
    #[serde(default)]
    skip: Vec<Spanned<String>>,
    #[serde(default)]
    extra_rules: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    branch: Option<Spanned<String>>,
    author: Option<Spanned<String>>,
    /// The kinds of finding to report and fix; others are dropped.
    kinds: Option<Spanned<Vec<Spanned<String>>>>,
    /// Which findings fail the run, as `--fail-on` takes it.
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<Options>>,
}

/// A loaded configuration file.
pub struct Config {
    /// The file, as messages name it.
    pub path: PathBuf,
    /// Its directory (absolute): relative paths in it start here.
    dir: PathBuf,
    text: String,
    file: File,
    excludes: Gitignore,
    author: Option<(String, String)>,
}

impl Config {
    /// Reads and checks the file at `path` (what it can check without the
    /// rules: value kinds, globs, the author, the branch template).
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let file: File = toml::from_str(&text).map_err(|e| {
            let at = e.span().map(|s| position(&text, s)).unwrap_or_default();
            anyhow!("{}{at}: invalid config: {}", path.display(), e.message())
        })?;
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let dir = dir.canonicalize().unwrap_or(dir);
        let mut c = Config {
            path: path.to_path_buf(),
            dir,
            text,
            file: File::default(),
            excludes: Gitignore::empty(),
            author: None,
        };
        let mut builder = GitignoreBuilder::new(&c.dir);
        for pat in &file.exclude {
            builder
                .add_line(None, pat.get_ref())
                .map_err(|e| c.error(pat.span(), format!("exclude: {e}")))?;
        }
        c.excludes = builder
            .build()
            .map_err(|e| anyhow!("{}: exclude: {e}", c.path.display()))?;
        if let Some(a) = &file.author {
            c.author = Some(parse_author(a.get_ref()).ok_or_else(|| {
                c.error(
                    a.span(),
                    format!("author = {:?}: expected \"Name <email>\"", a.get_ref()),
                )
            })?);
        }
        if let Some(b) = &file.branch {
            render_branch(b.get_ref(), &[]).map_err(|e| c.error(b.span(), e))?;
        }
        if let Some(kinds) = &file.kinds {
            if kinds.get_ref().is_empty() {
                return Err(c.error(
                    kinds.span(),
                    format!(
                        "kinds: an empty list would report nothing (known: {})",
                        Kind::names()
                    ),
                ));
            }
            for k in kinds.get_ref() {
                if Kind::parse(k.get_ref()).is_none() {
                    return Err(c.error(
                        k.span(),
                        format!(
                            "kinds: unknown kind `{}` (known: {})",
                            k.get_ref(),
                            Kind::names()
                        ),
                    ));
                }
            }
        }
        if let Some(f) = &file.fail_on {
            parse_fail_on(f.get_ref()).map_err(|e| c.error(f.span(), e))?;
        }
        for (id, options) in &file.rules {
            for (key, value) in options.get_ref() {
                match (key.get_ref().as_str(), value.get_ref()) {
                    ("enabled", toml::Value::Boolean(_)) => {}
                    ("enabled", v) => {
                        return Err(c.error(
                            value.span(),
                            format!(
                                "[rules.{}] enabled: a boolean, not {}",
                                id.get_ref(),
                                v.type_str()
                            ),
                        ));
                    }
                    (_, v) => {
                        crate::rules::options::value_text(v).map_err(|e| {
                            c.error(
                                value.span(),
                                format!("[rules.{}] {}: {e}", id.get_ref(), key.get_ref()),
                            )
                        })?;
                    }
                }
            }
        }
        c.file = file;
        Ok(c)
    }

    /// The config file that applies to a run from `cwd`, if any.
    pub fn find(args: &Args, cwd: &Path) -> Result<Option<Config>> {
        if args.no_config {
            return Ok(None);
        }
        if let Some(p) = &args.config {
            return Config::load(p).map(Some);
        }
        let root = git2::Repository::discover(cwd)
            .ok()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
            .unwrap_or_else(|| cwd.to_path_buf());
        let path = root.join(FILE_NAME);
        if path.is_file() {
            Config::load(&path).map(Some)
        } else {
            Ok(None)
        }
    }

    /// An error at a byte span of the file.
    fn error(&self, span: Range<usize>, message: impl std::fmt::Display) -> anyhow::Error {
        anyhow!(
            "{}{}: {message}",
            self.path.display(),
            position(&self.text, span)
        )
    }

    /// An error for a rule id that names no loaded rule.
    fn unknown_rule(&self, id: &Spanned<String>, what: &str, loaded: &[&str]) -> anyhow::Error {
        let known = if loaded.is_empty() {
            String::new()
        } else {
            format!(" (loaded: {})", loaded.join(", "))
        };
        self.error(
            id.span(),
            format!("{what}: no rule `{}`{known}", id.get_ref()),
        )
    }

    /// Whether the gitignore-style `exclude` patterns leave out the file at
    /// `abs` (an absolute path; files outside the config's directory are
    /// never excluded).
    pub fn excludes(&self, abs: &Path) -> bool {
        let Ok(rel) = abs.strip_prefix(&self.dir) else {
            return false;
        };
        self.excludes
            .matched_path_or_any_parents(rel, false)
            .is_ignore()
    }
}

/// `:line:column` of a byte offset.
fn position(text: &str, span: Range<usize>) -> String {
    let (l, c) = crate::go::syntax::line_col(text.as_bytes(), span.start);
    format!(":{l}:{c}")
}

/// `Name <email>` -> (name, email).
pub fn parse_author(s: &str) -> Option<(String, String)> {
    let (name, rest) = s.trim().rsplit_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    let name = name.trim();
    let bad = |t: &str| t.is_empty() || t.contains(['<', '>', '\n']);
    (!bad(name) && !bad(email)).then(|| (name.to_string(), email.to_string()))
}

/// Fills a branch name template: `{NAME}` becomes the value `vars` gives
/// it, and `{date}` today's date (UTC, YYYY-MM-DD) unless `vars` has it. A
/// known placeholder with no value (`{rule}`, `{module}` outside `--split`)
/// is kept as written; an unknown one is an error.
pub fn render_branch(template: &str, vars: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(format!("branch `{template}`: unclosed `{{`"));
        };
        let name = &after[..close];
        if !BRANCH_PLACEHOLDERS.contains(&name) {
            return Err(format!(
                "branch `{template}`: unknown placeholder `{{{name}}}` (known: {})",
                BRANCH_PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        match vars.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None if name == "date" => out.push_str(&today()),
            None => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Today's date in UTC, YYYY-MM-DD.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    civil_date((secs / 86_400) as i64)
}

/// A `fail_on` value, as `--fail-on` spells it.
fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    use clap::ValueEnum;
    FailOn::from_str(s, false)
        .map_err(|_| format!("fail_on = {s:?}: expected \"leak\", \"any\" or \"none\""))
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's
/// civil_from_days).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// What a run takes from the configuration file merged with its flags.
pub struct Settings {
    pub config: Option<Config>,
}

impl Settings {
    /// Finds and reads the configuration for `args` (none with `--no-config`).
    pub fn load(args: &Args) -> Result<Settings> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Ok(Settings {
            config: Config::find(args, &cwd)?,
        })
    }

    /// Loads the built-in rules, the config's `extra_rules`, then `--rules`,
    /// and sets the config's options, then `--set`'s (which win).
    pub fn load_rules(&self, args: &Args) -> Result<Vec<Rule>> {
        let mut rules = rule::builtin()?;
        if let Some(c) = &self.config {
            for p in &c.file.extra_rules {
                let path = c.dir.join(p.get_ref());
                let loaded = rule::load_path(&path)
                    .map_err(|e| c.error(p.span(), format!("extra_rules: {e:#}")))?;
                rules.extend(loaded);
            }
        }
        for p in &args.rules {
            rules.extend(rule::load_path(p)?);
        }
        for w in rules.iter().flat_map(|r| &r.warnings) {
            eprintln!("gofix-leaks: {w}");
        }
        if let Some(c) = &self.config {
            for (id, options) in &c.file.rules {
                let Some(i) = rules.iter().position(|r| r.id() == id.get_ref()) else {
                    let loaded: Vec<&str> = rules.iter().map(|r| r.id()).collect();
                    return Err(c.unknown_rule(id, &format!("[rules.{}]", id.get_ref()), &loaded));
                };
                let rule = &mut rules[i];
                for (key, value) in options.get_ref() {
                    if key.get_ref() == "enabled" {
                        continue;
                    }
                    let text = crate::rules::options::value_text(value.get_ref())
                        .map_err(|e| c.error(value.span(), e))?;
                    rule.set_option(key.get_ref(), &text).map_err(|e| {
                        c.error(key.span(), format!("[rules.{}] {e:#}", id.get_ref()))
                    })?;
                }
            }
        }
        for set in &args.set {
            let (key, value) = set
                .split_once('=')
                .and_then(|(k, v)| Some((k.split_once('.')?, v)))
                .ok_or_else(|| anyhow!("--set {set}: expected RULE.KEY=VALUE"))?;
            let ((id, option), value) = (key, value);
            let rule = rules
                .iter_mut()
                .find(|r| r.id() == id)
                .ok_or_else(|| anyhow!("--set {set}: no rule `{id}`"))?;
            rule.set_option(option, value)?;
        }
        Ok(rules)
    }

    /// Keeps the rules to run: `--only` replaces the config's `only` (and
    /// runs the rules it names even when the config skips or disables
    /// them); `--skip` adds to the config's `skip` and `enabled = false`.
    pub fn select(&self, rules: Vec<Rule>, args: &Args) -> Result<Vec<Rule>> {
        let mut only = args.only.clone();
        let mut skip = args.skip.clone();
        if let Some(c) = &self.config {
            let loaded: Vec<&str> = rules.iter().map(|r| r.id()).collect();
            for (what, ids) in [("only", &c.file.only), ("skip", &c.file.skip)] {
                if let Some(id) = ids
                    .iter()
                    .find(|id| !loaded.contains(&id.get_ref().as_str()))
                {
                    return Err(c.unknown_rule(id, what, &loaded));
                }
            }
            if only.is_empty() {
                only = c.file.only.iter().map(|s| s.get_ref().clone()).collect();
            }
            let disabled = c.file.rules.iter().filter(|(_, o)| {
                o.get_ref()
                    .iter()
                    .any(|(k, v)| k.get_ref() == "enabled" && v.get_ref().as_bool() == Some(false))
            });
            let off = c
                .file
                .skip
                .iter()
                .chain(disabled.map(|(id, _)| id))
                .map(Spanned::get_ref);
            for id in off {
                if !args.only.contains(id) && !skip.contains(id) {
                    skip.push(id.clone());
                }
            }
        }
        rule::select(rules, &only, &skip)
    }

    /// `--apply`'s branch: `--branch`, else the config's `branch`, else the
    /// default, with `{date}` filled in (`{rule}`/`{module}` are kept for
    /// `--split`).
    pub fn branch(&self, args: &Args) -> Result<String> {
        let template = args
            .branch
            .as_deref()
            .or_else(|| {
                self.config
                    .as_ref()
                    .and_then(|c| c.file.branch.as_ref().map(|b| b.get_ref().as_str()))
            })
            .unwrap_or(DEFAULT_BRANCH);
        render_branch(template, &[]).map_err(|e| anyhow!("{e}"))
    }

    /// The kinds of finding to keep: `--only-leaks`, else the config's
    /// `kinds`; None keeps every kind.
    pub fn kinds(&self, args: &Args) -> Option<Vec<Kind>> {
        if args.only_leaks {
            return Some(vec![Kind::Leak]);
        }
        let kinds = self.config.as_ref()?.file.kinds.as_ref()?;
        let mut out: Vec<Kind> = kinds
            .get_ref()
            .iter()
            .filter_map(|k| Kind::parse(k.get_ref()))
            .collect();
        out.sort();
        out.dedup();
        Some(out)
    }

    /// Which findings fail the run: `--fail-on`, else the config's
    /// `fail_on`, else any.
    pub fn fail_on(&self, args: &Args) -> FailOn {
        args.fail_on
            .or_else(|| {
                let f = self.config.as_ref()?.file.fail_on.as_ref()?;
                parse_fail_on(f.get_ref()).ok()
            })
            .unwrap_or(FailOn::Any)
    }

    /// The commit author for `--apply`: (name, email).
    pub fn author(&self) -> Option<(String, String)> {
        self.config.as_ref().and_then(|c| c.author.clone())
    }

    /// Drops the files the config's `exclude` patterns leave out. `files`
    /// are relative to `base` (or absolute); `displays` go with them.
    pub fn retain_included(
        &self,
        base: &Path,
        files: Vec<PathBuf>,
        displays: Vec<String>,
    ) -> (Vec<PathBuf>, Vec<String>) {
        let Some(c) = &self.config else {
            return (files, displays);
        };
        if c.file.exclude.is_empty() {
            return (files, displays);
        }
        let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
        files
            .into_iter()
            .zip(displays)
            .filter(|(f, _)| !c.excludes(&crate::git::apply::normalize(&base.join(f))))
            .unzip()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(19_782), "2024-02-29");
        assert_eq!(civil_date(20_454), "2026-01-01");
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn branch_templates() {
        assert_eq!(render_branch("a/b", &[]).unwrap(), "a/b");
        assert_eq!(
            render_branch("x/{date}", &[("date", "2026-01-02")]).unwrap(),
            "x/2026-01-02"
        );
        assert_eq!(render_branch("x/{rule}", &[]).unwrap(), "x/{rule}");
        assert_eq!(
            render_branch("x/{rule}-{module}", &[("rule", "r"), ("module", "m")]).unwrap(),
            "x/r-m"
        );
        assert!(
            render_branch("x/{nope}", &[])
                .unwrap_err()
                .contains("{nope}")
        );
        assert!(render_branch("x/{date", &[]).is_err());
    }

    #[test]
    fn authors() {
        assert_eq!(
            parse_author("Leak Bot <bot@example.com>"),
            Some(("Leak Bot".into(), "bot@example.com".into()))
        );
        assert_eq!(parse_author("nobody"), None);
        assert_eq!(parse_author("<a@b>"), None);
        assert_eq!(parse_author("A <>"), None);
    }
}
