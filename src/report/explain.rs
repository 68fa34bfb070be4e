//! `--explain RULE-ID`: a rule's summary and explanation, then the rule run
//! on the example its file carries (`[example]`), showing the findings and
//! the diff the engine actually makes, so the example cannot go stale.

use crate::engine::diagnostic::Finding;
use crate::engine::matching::Engine;
use crate::engine::memory;
use crate::rules::rule::Rule;
use anyhow::{Result, bail};
use std::io::Write;

/// The directory and name the example is checked under.
const DIR: &str = "example";
const FILE: &str = "example.go";

/// What the rule made of its example.
#[derive(Debug)]
pub struct ExampleRun {
    pub input: String,
    pub findings: Vec<Finding>,
    /// The fixed file, when the rule changed it.
    pub output: Option<String>,
    /// Unified diff from `input` to `output` (empty when unchanged).
    pub diff: String,
}

/// Runs `rule` alone on its `[example]`, in memory, through the same
/// check and merge steps as a real run. None when the rule has no example.
pub fn run_example(rule: Rule) -> Result<Option<ExampleRun>> {
    let Some(example) = rule.spec.example.clone() else {
        return Ok(None);
    };
    let id = rule.id().to_string();
    let engine = Engine::new(vec![rule]);
    let run = memory::run(
        &engine,
        DIR,
        FILE,
        &example.input,
        example.go_mod.as_deref(),
    );
    if let Some(e) = run.errors.first() {
        bail!("rule `{id}`: its example: {e}");
    }
    let diff = run
        .output
        .as_deref()
        .map(|new| crate::report::diff::unified(FILE, &example.input, new))
        .unwrap_or_default();
    Ok(Some(ExampleRun {
        input: example.input,
        findings: run.findings,
        output: run.output,
        diff,
    }))
}

/// Prints the explanation of rule `id` from `rules` to `out`. An unknown id
/// is an error that lists the known ones.
pub fn explain(rules: Vec<Rule>, id: &str, out: &mut dyn Write) -> Result<u8> {
    let ids: Vec<String> = rules.iter().map(|r| r.id().to_string()).collect();
    let Some(rule) = rules.into_iter().find(|r| r.id() == id) else {
        bail!("--explain: no rule `{id}` (rules: {})", ids.join(", "));
    };
    writeln!(out, "{}: {}", rule.id(), rule.spec.summary.trim())?;
    writeln!(out)?;
    writeln!(out, "{}", rule.spec.explanation.trim())?;
    if !rule.options.is_empty() {
        writeln!(out)?;
        writeln!(out, "Options (--set {}.KEY=VALUE):", rule.id())?;
        for (k, v) in &rule.options {
            let shown = if v.is_empty() { "false" } else { v.as_str() };
            writeln!(out, "  {k} = {shown}")?;
        }
    }
    let origin = rule.origin.clone();
    writeln!(out)?;
    match run_example(rule)? {
        None => writeln!(out, "({origin} has no [example].)")?,
        Some(run) => {
            writeln!(
                out,
                "Example: the rule run on the [example] in {origin} finds"
            )?;
            writeln!(out)?;
            if run.findings.is_empty() {
                bail!(
                    "rule `{id}`: its [example] in {origin} has no finding; the example is stale"
                );
            }
            for f in &run.findings {
                let status = match &f.no_fix_reason {
                    Some(why) => format!(" (no automatic fix: {why})"),
                    None => String::new(),
                };
                writeln!(out, "  {} [{}]: {}{status}", f.posn, f.kind, f.message)?;
            }
            writeln!(out)?;
            if run.diff.is_empty() {
                writeln!(out, "and proposes no change.")?;
            } else {
                writeln!(out, "and fixes it:")?;
                writeln!(out)?;
                out.write_all(run.diff.as_bytes())?;
            }
        }
    }
    Ok(0)
}
