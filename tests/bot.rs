//! What a PR bot relies on: `--apply --pr-body --format json` on a real
//! repository (one commit with a summarising message, a PR body, parseable
//! JSON, an exit status, an untouched work tree), `--base`, and `--split`.

mod common;

use common::{Sandbox, code, stdout};
use std::fs;
use std::path::Path;

const FIXTURES: &[(&str, &str)] = &[
    ("single-result-buffer", "ctx-done-arm"),
    ("single-result-buffer", "early-return-before-receive"),
    ("time-after-in-loop", "bound-variable"),
    ("fan-in-ctx-guard", "first-result-wins-slice"),
    ("waitgroup-done", "early-return-skips-done"),
];

fn fixture(rule: &str, case: &str, file: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rule)
        .join(case)
        .join(file);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A repository with one package per fixture, `pkg/<case>/<case>.go`, and
/// an unrelated file; `dir` puts the packages below a prefix.
fn repo_with_fixtures(s: &Sandbox, fixtures: &[(&str, &str)], dir: &str) {
    for (rule, case) in fixtures {
        s.write(
            &format!("{dir}pkg/{case}/{case}.go"),
            &fixture(rule, case, "input.go"),
        );
    }
    s.write("README.md", "a repository\n");
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(out),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn bot_run_gives_branch_commit_message_pr_body_and_json() {
    let s = Sandbox::new();
    s.init_repo();
    repo_with_fixtures(&s, FIXTURES, "");
    s.commit_all("initial");
    // Uncommitted work must survive untouched.
    s.write(
        "pkg/ctx-done-arm/ctx-done-arm.go",
        "package main // edited\n",
    );
    let before = s.snapshot_files();
    let head = s.rev("HEAD");
    let body_dir = tempfile::tempdir().unwrap();
    let body = body_dir.path().join("body.md");

    let out = s.run(&[
        "--apply",
        "--branch",
        "bot/leaks",
        "--pr-body",
        body.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        code(&out),
        0,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out);
    assert_eq!(report["branch"], "bot/leaks");
    let commit = report["commit"].as_str().unwrap().to_string();
    assert_eq!(s.rev("bot/leaks"), commit);
    assert_eq!(s.rev("HEAD"), head, "HEAD moved");
    assert_eq!(s.snapshot_files(), before, "the work tree changed");
    assert_eq!(s.rev("bot/leaks^"), head, "one commit on top of HEAD");

    // Every fixture's file on the branch is its expected output.
    for (rule, case) in FIXTURES {
        let got = s.git(&["show", &format!("bot/leaks:pkg/{case}/{case}.go")]);
        assert_eq!(got, fixture(rule, case, "expected.go"), "{rule}/{case}");
    }

    let message = s.git(&["log", "-1", "--format=%B", "bot/leaks"]);
    let subject = message.lines().next().unwrap();
    assert!(subject.len() < 72, "subject too long: {subject}");
    let fixed = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["suggested_fixes"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(
        subject,
        format!("gofix-leaks: fix {fixed} goroutine leaks in 5 files")
    );
    for (rule, case) in FIXTURES {
        assert!(message.contains(&format!("- {rule}: ")), "{message}");
        assert!(
            message.contains(&format!("pkg/{case}/{case}.go")),
            "{message}"
        );
    }

    let text = fs::read_to_string(&body).unwrap();
    assert_eq!(report["pr_bodies"][0], body.to_str().unwrap());
    assert!(text.starts_with(&format!("## {subject}\n")));
    // The version and the command line (with this run's temporary paths)
    // are checked here, and left out of the snapshot.
    let command = format!(
        "{} --apply --branch bot/leaks --pr-body {} --format json",
        assert_cmd::cargo::cargo_bin("gofix-leaks").display(),
        body.display()
    );
    let made_by = format!(
        "Made by gofix-leaks {} with:\n\n```sh\n{command}\n```\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(text.contains(&made_by), "{text}");
    let text = text.replace(
        &made_by,
        "Made by gofix-leaks VERSION with:\n\n```sh\nCOMMAND\n```\n",
    );
    insta::assert_snapshot!("pr_body_five_fixtures", text);
}

#[test]
fn pr_body_lists_unfixed_findings_with_reasons_on_a_dry_run() {
    let s = Sandbox::new();
    s.write(
        "svc/server.go",
        &fixture(
            "single-result-buffer",
            "interface-method-callee",
            "input.go",
        ),
    );
    s.write(
        "pkg/a/a.go",
        &fixture("single-result-buffer", "ctx-done-arm", "input.go"),
    );
    let out = s.run(&["--pr-body", "body.md"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("+\tch := make(chan string, 1)"));
    let text = s.read("body.md");
    assert!(text.contains("### Not fixed automatically"), "{text}");
    assert!(text.contains("svc/server.go:"), "{text}");
    assert!(text.contains("why not: "), "{text}");
    assert!(text.contains("go test -race ./..."), "{text}");
    assert!(text.contains("```diff\n"), "{text}");
}

#[test]
fn pr_body_and_write_do_not_mix() {
    let s = Sandbox::new();
    s.write("a.go", common::LEAKY);
    let out = s.run(&["--write", "--pr-body", "body.md"]);
    assert_eq!(code(&out), 2);
    assert_eq!(s.read("a.go"), common::LEAKY);
}

#[test]
fn base_makes_the_branch_from_another_revision() {
    let s = Sandbox::new();
    s.init_repo();
    s.write("a.go", common::LEAKY);
    s.commit_all("leaky");
    let base = s.rev("HEAD");
    // The current branch moves on (the leak is gone there, and a file is
    // added): the fix must be computed from `base`, not from HEAD.
    s.git(&["checkout", "-q", "-b", "work"]);
    s.write("a.go", &common::fixed());
    s.write("b.go", "package main\n");
    s.commit_all("work in progress");
    let head = s.rev("HEAD");
    let before = s.snapshot_files();

    let out = s.run(&["--apply", "--base", "main", "--branch", "fix"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(s.rev("fix^"), base, "the fix commit's parent is the base");
    assert_eq!(s.git(&["show", "fix:a.go"]), common::fixed());
    assert!(
        s.git_output(&["show", "fix:b.go"], None).status.code() != Some(0),
        "a file of HEAD leaked into the branch made from base"
    );
    assert_eq!(s.rev("HEAD"), head);
    assert_eq!(s.git(&["rev-parse", "--abbrev-ref", "HEAD"]).trim(), "work");
    assert_eq!(s.snapshot_files(), before);

    let out = s.run(&["--apply", "--base", "no-such-rev", "--branch", "fix2"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base no-such-rev"));
    let out = s.run(&["--base", "main"]);
    assert_eq!(code(&out), 2, "--base without --apply is a usage error");
}

#[test]
fn split_by_rule_makes_one_branch_and_body_per_rule() {
    let s = Sandbox::new();
    s.init_repo();
    repo_with_fixtures(&s, FIXTURES, "");
    s.commit_all("initial");
    let head = s.rev("HEAD");
    let out = s.run(&[
        "--apply",
        "--split",
        "rule",
        "--branch",
        "leaks",
        "--pr-body",
        "../body.md",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let report = json(&out);
    let branches = report["branches"].as_array().unwrap();
    let rules = [
        "fan-in-ctx-guard",
        "single-result-buffer",
        "time-after-in-loop",
        "waitgroup-done",
    ];
    assert_eq!(branches.len(), rules.len());
    for (b, rule) in branches.iter().zip(rules) {
        let name = format!("leaks-{rule}");
        assert_eq!(b["branch"], name.as_str());
        assert_eq!(b["group"], rule);
        assert_eq!(s.rev(&format!("{name}^")), head);
        // The branch holds exactly this rule's fixes.
        let changed = s.git(&["diff", "--name-only", &head, &name]);
        let expected: Vec<String> = FIXTURES
            .iter()
            .filter(|(r, _)| *r == rule)
            .map(|(_, c)| format!("pkg/{c}/{c}.go"))
            .collect();
        assert_eq!(changed.lines().collect::<Vec<_>>(), expected, "{name}");
        for (r, c) in FIXTURES.iter().filter(|(r, _)| *r == rule) {
            let got = s.git(&["show", &format!("{name}:pkg/{c}/{c}.go")]);
            assert_eq!(got, fixture(r, c, "expected.go"));
        }
        let body = fs::read_to_string(s.path(&format!("../body-{rule}.md"))).unwrap();
        assert!(body.contains(&format!("### `{rule}`")));
        for other in rules.iter().filter(|o| **o != rule) {
            assert!(!body.contains(&format!("### `{other}`")), "{body}");
        }
    }
}

#[test]
fn split_by_module_uses_the_nearest_go_mod_and_checks_every_branch_first() {
    let s = Sandbox::new();
    s.init_repo();
    common::two_modules(&s);
    s.write("svc/api/x/x.go", common::LEAKY);
    s.commit_all("initial");
    // An existing branch for the second module: nothing may be created.
    s.git(&["branch", "fix-svc-api"]);
    let out = s.run(&["--apply", "--split", "module", "--branch", "fix"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fix-svc-api"));
    assert!(
        s.git_output(&["rev-parse", "--verify", "fix-root"], None)
            .status
            .code()
            != Some(0)
    );

    let out = s.run(&[
        "--apply",
        "--split",
        "module",
        "--branch",
        "fix/{module}",
        "--force",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let root = s.git(&["diff", "--name-only", "HEAD", "fix/root"]);
    assert_eq!(root.trim(), "a/a.go");
    let api = s.git(&["diff", "--name-only", "HEAD", "fix/svc-api"]);
    assert_eq!(
        api.lines().collect::<Vec<_>>(),
        ["svc/api/x/x.go", "svc/api/y.go"]
    );
    let msg = s.git(&["log", "-1", "--format=%s", "fix/svc-api"]);
    assert_eq!(msg.trim(), "gofix-leaks: fix 2 goroutine leaks in 2 files");
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    // `gofix-leaks | head`: the diff is far larger than a pipe's buffer, and
    // the reading end is closed at once.
    let s = Sandbox::new();
    for i in 0..300 {
        s.write(&format!("p{i}/a.go"), common::LEAKY);
    }
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("gofix-leaks"))
        .args(["--color", "never"])
        .current_dir(&s.root)
        .env("XDG_CACHE_HOME", s.home.join(".cache"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_clean_run_still_writes_its_pr_body() {
    let s = Sandbox::new();
    s.write("a.go", &common::fixed());
    let out = s.run(&["--pr-body", "body.md"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = s.read("body.md");
    assert!(
        text.starts_with("## gofix-leaks: fix 0 goroutine leaks in 0 files\n"),
        "{text}"
    );
    assert!(text.contains("No fix was made."), "{text}");
}
