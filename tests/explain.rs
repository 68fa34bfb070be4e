//! `--explain RULE-ID`: every built-in rule carries an `[example]` that the
//! rule really fixes, and `--explain` prints the rule's text and the diff
//! the engine makes on it.

mod common;
mod gotool;

use common::{Sandbox, code, stderr, stdout};
use gofix_leaks::report::explain;
use gofix_leaks::rules::rule;
use std::fs;

#[test]
fn every_builtin_rule_has_an_example_that_it_fixes() {
    let rules = rule::builtin().unwrap();
    assert!(rules.len() >= 4);
    let go = gotool::available("every_builtin_rule_has_an_example_that_it_fixes");
    for r in rules {
        let id = r.id().to_string();
        let example = r.spec.example.clone();
        let run = explain::run_example(r)
            .unwrap()
            .unwrap_or_else(|| panic!("rule {id} has no [example]"));
        assert!(!run.findings.is_empty(), "{id}: the example has no finding");
        assert!(
            run.findings.iter().all(|f| f.rule == id && f.has_fix()),
            "{id}: every finding of the example has a fix: {:?}",
            run.findings
        );
        let output = run.output.expect("the example is changed");
        assert_ne!(output, run.input, "{id}");
        assert!(
            run.diff
                .starts_with("diff --git a/example.go b/example.go\n")
        );

        // The fix is final: the rule finds nothing more in its output.
        let mut again = rule::builtin().unwrap();
        again.retain(|r| r.id() == id);
        let mut rule = again.pop().unwrap();
        rule.spec.example = Some(rule::Example {
            input: output.clone(),
            go_mod: example.as_ref().and_then(|e| e.go_mod.clone()),
        });
        let rerun = explain::run_example(rule).unwrap().unwrap();
        assert!(rerun.findings.is_empty(), "{id}: {:?}", rerun.findings);

        // Before and after are gofmt-clean, vet-clean Go.
        if go {
            for (what, text) in [("input", &run.input), ("output", &output)] {
                let dir = tempfile::tempdir().unwrap();
                fs::write(dir.path().join("example.go"), text).unwrap();
                match example.as_ref().and_then(|e| e.go_mod.as_deref()) {
                    Some(m) => fs::write(dir.path().join("go.mod"), m).unwrap(),
                    None => gotool::ensure_module(dir.path(), "1.22"),
                }
                assert_eq!(
                    gotool::gofmt_l(dir.path()),
                    "",
                    "{id}: {what} is not gofmt'd"
                );
                if let Err(e) = gotool::vet(dir.path()) {
                    panic!("{id}: go vet fails on the example's {what}: {e}");
                }
            }
        }
    }
}

#[test]
fn explain_prints_summary_explanation_and_the_diff_of_the_example() {
    let sb = Sandbox::new();
    for r in rule::builtin().unwrap() {
        let id = r.id().to_string();
        let out = sb.run(&["--explain", &id]);
        assert_eq!(code(&out), 0, "{id}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with(&format!("{id}: {}\n", r.spec.summary.trim())),
            "{text}"
        );
        let first_line = r.spec.explanation.trim().lines().next().unwrap();
        assert!(text.contains(first_line), "{id}: {text}");
        assert!(text.contains(&format!("[example] in rules/{id}.toml")));
        assert!(text.contains("example.go:"), "the finding: {text}");
        let diff = &text[text.find("diff --git a/example.go").expect(&text)..];
        let input = r.spec.example.as_ref().unwrap().input.clone();
        let removed: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('-') && !l.starts_with("---"))
            .map(|l| &l[1..])
            .collect();
        let added: Vec<&str> = diff
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .map(|l| &l[1..])
            .collect();
        assert!(!added.is_empty(), "{id}: the diff adds lines: {diff}");
        for l in &removed {
            assert!(
                input.lines().any(|i| i == *l),
                "{id}: `{l}` is from the example"
            );
        }
        assert!(
            added.iter().any(|l| !input.lines().any(|i| i == *l)),
            "{id}: the diff changes the example: {diff}"
        );
        assert_eq!(stderr(&out), "");
    }
}

#[test]
fn explain_unknown_rule_is_exit_2_with_the_rule_ids() {
    let sb = Sandbox::new();
    let out = sb.run(&["--explain", "no-such-rule"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("no rule `no-such-rule`"), "{err}");
    for id in [
        "fan-in-ctx-guard",
        "single-result-buffer",
        "time-after-in-loop",
        "waitgroup-done",
    ] {
        assert!(err.contains(id), "{err}");
    }
}

#[test]
fn explain_user_rules_with_and_without_a_working_example() {
    let sb = Sandbox::new();
    let signal = format!(
        "{}/examples/rules/signal-notify-buffer.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = sb.run(&["--rules", &signal, "--explain", "signal-notify-buffer"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("+\tc := make(chan os.Signal, 1)\n"));

    // No example: the text, and a note.
    let text = fs::read_to_string(&signal).unwrap();
    let bare = &text[..text.find("\n# `gofix-leaks --rules").unwrap()];
    sb.write("bare.toml", bare);
    let out = sb.run(&["--rules", "bare.toml", "--explain", "signal-notify-buffer"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("bare.toml has no [example]"));

    // An example the rule does not fire on is stale: an error.
    sb.write(
        "stale.toml",
        &text.replace("c := make(chan os.Signal)", "c := make(chan os.Signal, 1)"),
    );
    let out = sb.run(&["--rules", "stale.toml", "--explain", "signal-notify-buffer"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("stale"), "{}", stderr(&out));

    // An unknown key in [example] is a rule error naming the file.
    sb.write(
        "typo.toml",
        &text.replace("[example]\ninput = ", "[example]\ninptu = "),
    );
    let out = sb.run(&["--rules", "typo.toml", "--list-rules"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("typo.toml"), "{}", stderr(&out));
}
