//! `gofix-leaks test [RULE_FILE...]`: loads the rules (the built-in pack
//! when none is given), shows their load warnings, runs their `[[test]]`
//! tables and turns the tally into the exit status.

use crate::rules::rule::{self, Rule};
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

/// 0 when every test passes, 1 when one fails; a rule that does not load
/// is an error (exit status 2).
pub fn run(paths: &[PathBuf], out: &mut dyn Write) -> Result<u8> {
    let mut rules: Vec<Rule> = Vec::new();
    if paths.is_empty() {
        rules = rule::builtin()?;
    }
    for p in paths {
        rules.extend(rule::load_path(p)?);
    }
    for w in rules.iter().flat_map(|r| &r.warnings) {
        eprintln!("gofix-leaks: {w}");
    }
    let tally = crate::report::ruletest::run_all(rules, out)?;
    Ok(u8::from(tally.failed > 0))
}
