//! A bot run is all or nothing: a run that fails at any step (an
//! unwritable PR body path, a branch name taken, a ref that cannot be
//! written after the first of several branches was made) leaves no branch,
//! no ref and no file behind, keeps the work tree and HEAD, says what it
//! undid, and still prints its JSON report (exit 2). And the PR body says
//! how to reproduce and verify the change, with a `go vet` line that really
//! vets a changed file behind build tags for another GOOS.

mod common;

use common::{Sandbox, code, stderr, stdout};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A repository with two modules (`.` and `svc/api`), a leak in each: a
/// `--split module` run makes two branches, `fix-root` before `fix-svc-api`.
fn two_module_repo() -> Sandbox {
    let s = Sandbox::new();
    s.init_repo();
    common::two_modules(&s);
    s.commit_all("initial");
    s
}

/// `--apply --split module --branch fix`.
const SPLIT: [&str; 5] = ["--apply", "--split", "module", "--branch", "fix"];

/// What a failed run must leave as it found it.
struct State {
    refs: String,
    head: String,
    files: BTreeMap<PathBuf, Vec<u8>>,
    outside: Vec<String>,
}

impl State {
    fn of(s: &Sandbox) -> State {
        State {
            refs: s.git(&["for-each-ref"]),
            head: s.git(&["symbolic-ref", "HEAD"]) + &s.rev("HEAD"),
            files: s.snapshot_files(),
            outside: list(s.root.parent().unwrap()),
        }
    }

    fn assert_same(&self, s: &Sandbox, what: &str) {
        assert_eq!(s.git(&["for-each-ref"]), self.refs, "{what}: refs changed");
        assert_eq!(
            s.git(&["symbolic-ref", "HEAD"]) + &s.rev("HEAD"),
            self.head,
            "{what}: HEAD moved"
        );
        assert_eq!(s.snapshot_files(), self.files, "{what}: work tree changed");
        assert_eq!(
            list(s.root.parent().unwrap()),
            self.outside,
            "{what}: a file was left beside the work tree"
        );
    }
}

fn list(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn error_messages(report: &serde_json::Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_preflight_problem_is_reported_before_any_branch_is_made() {
    let s = two_module_repo();
    // The branch of the second group is taken, and the body's directory
    // does not exist: both are reported, and nothing is made.
    s.git(&["branch", "fix-svc-api"]);
    s.write("file", "not a directory\n");
    let before = State::of(&s);
    for body in ["missing/dir/body.md", "file/body.md"] {
        let out = s
            .cmd()
            .args(SPLIT)
            .args(["--pr-body", body, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        let report = json(&out);
        let errors = error_messages(&report);
        let dir = Path::new(body).parent().unwrap().to_str().unwrap();
        for name in ["body-root.md", "body-svc-api.md"] {
            assert!(
                errors.iter().any(|e| e.contains(&format!("{dir}/{name}"))),
                "{name} not named: {errors:?}"
            );
        }
        assert!(
            errors
                .iter()
                .any(|e| e.contains("branch `fix-svc-api` already exists")),
            "{errors:?}"
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(report.get("branches").is_none(), "{report}");
        assert!(!report["findings"].as_array().unwrap().is_empty());
        before.assert_same(&s, body);
    }
    // The same in text mode: the errors on stderr, nothing on stdout.
    let out = s
        .cmd()
        .args(SPLIT)
        .args(["--pr-body", "missing/b.md"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.contains("missing/b-root.md"), "{err}");
    assert!(err.contains("branch `fix-svc-api` already exists"), "{err}");
    assert!(!err.contains("[fixed on branch]"), "{err}");
    assert!(!err.contains("no branch created"), "{err}");
    before.assert_same(&s, "text");
}

#[test]
fn a_branch_name_that_clashes_with_a_ref_directory_is_a_preflight_problem() {
    let s = two_module_repo();
    // `fix/root` cannot be made while `fix/root/old` exists (a ref would be
    // both a file and a directory); `fix` and `fix/x` not both either.
    s.git(&["branch", "fix/root/old"]);
    let before = State::of(&s);
    let out = s.run(&["--apply", "--split", "module", "--branch", "fix/{module}"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("`fix/root`"), "{err}");
    assert!(err.contains("refs/heads/fix/root/old"), "{err}");
    before.assert_same(&s, "clash");
}

#[test]
fn a_failure_after_the_first_branch_deletes_the_branches_this_run_made() {
    let s = two_module_repo();
    let outside = s.root.parent().unwrap().join("bodies");
    std::fs::create_dir(&outside).unwrap();
    // Another git process holds the lock of the second branch's ref: the
    // first branch is made, the second cannot be.
    let lock = s.path(".git/refs/heads/fix-svc-api.lock");
    std::fs::write(&lock, "").unwrap();
    let before = State::of(&s);
    let body = outside.join("body.md");
    let args = [
        "--apply",
        "--split",
        "module",
        "--branch",
        "fix",
        "--pr-body",
        body.to_str().unwrap(),
    ];
    let out = s
        .cmd()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let report = json(&out);
    let errors = error_messages(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("fix-svc-api"), "{errors:?}");
    assert!(
        errors[0].ends_with("deleted branches `fix-root` made by this run"),
        "{errors:?}"
    );
    // The JSON still says what was made, and that it is gone again.
    let branches = report["branches"].as_array().unwrap();
    assert_eq!(branches.len(), 1, "{report}");
    assert_eq!(branches[0]["branch"], "fix-root");
    assert_eq!(branches[0]["deleted"], true);
    assert_eq!(branches[0]["changed_files"][0], "a/a.go");
    let commit = branches[0]["commit"].as_str().unwrap();
    assert_eq!(
        s.git(&["show", &format!("{commit}:a/a.go")]),
        common::fixed(),
        "the commit is reported as made"
    );
    assert!(report.get("branch").is_none() && report.get("pr_bodies").is_none());
    assert_eq!(list(&outside), Vec::<String>::new(), "a PR body was left");
    before.assert_same(&s, "json");

    // Text mode: no `branch` line for a branch that is gone.
    let out = s.run(&args);
    assert_eq!(code(&out), 2);
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("deleted branches `fix-root` made by this run"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("[not committed: see the error above]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(list(&outside), Vec::<String>::new());
    before.assert_same(&s, "text");

    // The lock gone, the same run succeeds: nothing stands in its way.
    std::fs::remove_file(&lock).unwrap();
    let out = s.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out)
            .lines()
            .filter(|l| l.starts_with("branch "))
            .count(),
        2
    );
    assert_eq!(list(&outside), ["body-root.md", "body-svc-api.md"]);
    // Staged through a temporary file, the body has the mode a plain write
    // gives a new file, not a temporary file's 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(s.path("plain"), "").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&outside.join("body-root.md")), mode(&s.path("plain")));
    }
}

#[test]
fn a_failed_forced_run_moves_the_branches_it_moved_back() {
    let s = two_module_repo();
    let old = s.rev("HEAD");
    s.git(&["branch", "fix-root"]);
    std::fs::write(s.path(".git/refs/heads/fix-svc-api.lock"), "").unwrap();
    let before = State::of(&s);
    let out = s.run(&["--apply", "--split", "module", "--branch", "fix", "--force"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("moved branches `fix-root` back to the commits they had before this run"),
        "{err}"
    );
    assert_eq!(s.rev("fix-root"), old);
    before.assert_same(&s, "force");
}

/// The `go` command, run in `dir` with a shell (the verify lines carry
/// environment assignments and `cd`), with the user's Go caches.
fn sh(dir: &Path, line: &str) -> std::process::Output {
    std::process::Command::new("sh")
        .args(["-c", line])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("sh runs")
}

#[test]
fn the_pr_body_says_how_to_reproduce_and_verify_with_the_build_tags_files_need() {
    let s = two_module_repo();
    let windows = format!("//go:build windows && foo\n\n{}", common::LEAKY);
    s.write("svc/api/x/x_windows.go", &windows);
    s.write("svc/api/x/doc.go", "package main\n");
    s.commit_all("windows");
    let body_arg = ["--pr-body", "../it's body.md"];
    let out = s
        .cmd()
        .args(["--apply", "--split", "module", "--branch", "fix/{module}"])
        .args(body_arg)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let body = std::fs::read_to_string(s.path("../it's body-svc-api.md")).unwrap();
    assert!(
        body.contains(&format!(
            "Made by gofix-leaks {}",
            env!("CARGO_PKG_VERSION")
        )),
        "{body}"
    );
    assert!(
        body.contains(
            " --apply --split module --branch 'fix/{module}' --pr-body '../it'\\''s body.md'\n"
        ),
        "the exact command, shell-quoted: {body}"
    );
    let vet = "(cd svc/api && GOOS=windows GOARCH=amd64 go vet -tags foo ./x/)";
    assert!(
        body.contains(&format!("```sh\n{vet}\n(cd svc/api && go vet .)\n")),
        "{body}"
    );
    let root = std::fs::read_to_string(s.path("../it's body-root.md")).unwrap();
    assert!(root.contains("```sh\ngo vet ./a/\n"), "{root}");

    // The suggested line passes on the branch and vets the file; a plain
    // `go vet` leaves it out.
    let tree = s.root.parent().unwrap().join("checkout");
    s.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().unwrap(),
        "fix/svc-api",
    ]);
    let out = sh(&tree, vet);
    assert!(out.status.success(), "{vet}: {}", stderr(&out));
    let files = |line: &str| {
        let list = line.replace("go vet", "go list -f '{{join .GoFiles \" \"}}'");
        let out = sh(&tree, &list);
        assert!(out.status.success(), "{list}: {}", stderr(&out));
        stdout(&out)
    };
    assert!(files(vet).contains("x_windows.go"), "{}", files(vet));
    let plain = "(cd svc/api && GOOS=linux GOARCH=amd64 go vet ./x/)";
    assert!(!files(plain).contains("x_windows.go"), "{}", files(plain));
    // And the file on the branch is the fixed one that was vetted.
    assert_eq!(
        std::fs::read_to_string(tree.join("svc/api/x/x_windows.go")).unwrap(),
        windows.replacen("make(chan int)", "make(chan int, 1)", 1)
    );
}

#[test]
fn a_run_without_split_reports_its_branch_and_body_problems_together() {
    let s = two_module_repo();
    s.git(&["branch", "fix"]);
    let before = State::of(&s);
    let out = s.run(&["--apply", "--branch", "fix", "--pr-body", "nope/b.md"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("branch `fix` already exists"), "{err}");
    assert!(err.contains("nope/b.md: directory nope"), "{err}");
    before.assert_same(&s, "no split");
}
