//! `gofix-leaks test`: runs each rule's `[[test]]` tables, the rule alone,
//! in memory, through the same check and merge steps as a real run, and
//! reports `PASS`/`FAIL` per test with why (a unified diff, expected to
//! got, for a wrong fix), then `N passed, M failed`.

use crate::engine::diagnostic::Finding;
use crate::engine::matching::Engine;
use crate::engine::memory;
use crate::rules::options::value_text;
use crate::rules::rule::{Rule, RuleTest};
use anyhow::{Result, anyhow};
use std::io::Write;

/// The directory and name each test's file is checked under.
const DIR: &str = "test";
const FILE: &str = "test.go";

/// How many tests passed and failed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
}

/// Runs every test of every rule, writing the report to `out`.
pub fn run_all(rules: Vec<Rule>, out: &mut dyn Write) -> Result<Tally> {
    let mut tally = Tally::default();
    for rule in rules {
        let id = rule.id().to_string();
        let origin = rule.origin.clone();
        let tests = rule.spec.tests.clone();
        if tests.is_empty() {
            writeln!(out, "NONE {id}: {origin} has no [[test]] tables")?;
            continue;
        }
        let defaults = rule.options.clone();
        let mut rule = Some(rule);
        for (i, t) in tests.iter().enumerate() {
            let name = t.name.clone().unwrap_or_else(|| format!("#{}", i + 1));
            let mut r = rule.take().expect("the rule comes back after each test");
            r.options = defaults.clone();
            for (k, v) in &t.options {
                let text = value_text(v).map_err(|e| anyhow!("{origin}: option `{k}`: {e}"))?;
                r.set_option(k, &text)?;
            }
            let engine = Engine::new(vec![r]);
            let verdict = check(&engine, t);
            rule = engine.into_rules().pop();
            match verdict {
                Ok(()) => {
                    tally.passed += 1;
                    writeln!(out, "PASS {id} {name}")?;
                }
                Err(why) => {
                    tally.failed += 1;
                    writeln!(out, "FAIL {id} {name}: {why}")?;
                }
            }
        }
    }
    writeln!(out, "{} passed, {} failed", tally.passed, tally.failed)?;
    Ok(tally)
}

/// One test: Ok, or why it failed.
fn check(engine: &Engine, t: &RuleTest) -> Result<(), String> {
    let (input, must_fire) = match (&t.valid, &t.invalid) {
        (Some(v), _) => (v.as_str(), false),
        (None, Some(i)) => (i.as_str(), true),
        (None, None) => return Err("neither `valid` nor `invalid`".into()),
    };
    let run = memory::run(engine, DIR, FILE, input, t.go_mod.as_deref());
    if let Some(e) = run.errors.first() {
        return Err(format!("the run failed: {e}"));
    }
    if !must_fire {
        return match run.findings.first() {
            None => Ok(()),
            Some(f) => Err(format!(
                "expected no finding, got {}: {}",
                run.findings.len(),
                describe(f)
            )),
        };
    }
    if run.findings.is_empty() {
        return Err("expected a finding, got none".into());
    }
    if t.no_fix {
        if let Some(f) = run.findings.iter().find(|f| !f.suggested_fixes.is_empty()) {
            return Err(format!("expected no fix, got one: {}", describe(f)));
        }
        return Ok(());
    }
    let got = run.output.as_deref().unwrap_or(input);
    if let Some(expected) = &t.output
        && got != expected
    {
        return Err(format!(
            "the fixed file is not `output`:\n{}",
            diff(("expected", expected), ("got", got))
        ));
    }
    if run.output.is_some() {
        let again = memory::run(engine, DIR, FILE, got, t.go_mod.as_deref());
        if let Some(more) = again.output {
            return Err(format!(
                "the fix is not idempotent: run on its own output, the rule changes it again:\n{}",
                diff(("fixed once", got), ("fixed twice", &more))
            ));
        }
    }
    Ok(())
}

fn describe(f: &Finding) -> String {
    let fix = match (&f.no_fix_reason, f.suggested_fixes.first()) {
        (Some(why), _) => format!(" (no fix: {why})"),
        (None, Some(fix)) => format!(" (fix: {})", fix.message),
        (None, None) => String::new(),
    };
    format!("{}: {}{fix}", f.posn, f.message)
}

/// A unified diff between two labelled texts.
fn diff((a, old): (&str, &str), (b, new): (&str, &str)) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(a, b)
        .to_string()
}
