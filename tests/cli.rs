//! The command-line contract of gofix-leaks, end to end: modes, PATH forms,
//! output formats, exit codes, rule loading, skipped inputs, and `--apply`
//! against real git repositories.

mod common;

use common::{
    LEAKY, LEAKY_GET2, POLL, Sandbox, clean, code, diff_files, fixed, hunks, stderr, stdout,
};
use predicates::prelude::*;
use serde_json::Value;
use std::fs;

const BRANCH: &str = "fix/leaks";

fn signal_rule() -> String {
    format!(
        "{}/examples/rules/signal-notify-buffer.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

// ---------------------------------------------------------------------------
// --dry-run (the default)
// ---------------------------------------------------------------------------

#[test]
fn default_mode_is_dry_run_diff_and_exit_1() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    for args in [
        &[][..],
        &["--dry-run"][..],
        &["main.go"][..],
        &["--dry-run", "."][..],
    ] {
        let out = sb.run(args);
        assert_eq!(code(&out), 1, "{args:?}: stderr: {}", stderr(&out));
        let diff = stdout(&out);
        assert!(
            diff.starts_with("diff --git a/main.go b/main.go\n"),
            "{args:?}: {diff}"
        );
        assert!(diff.contains("\n--- a/main.go\n+++ b/main.go\n"), "{diff}");
        assert!(diff.contains("\n-\tch := make(chan int)\n"), "{diff}");
        assert!(diff.contains("\n+\tch := make(chan int, 1)\n"), "{diff}");
        assert!(
            !diff.contains('\x1b'),
            "piped output has no colour: {diff:?}"
        );
        assert_eq!(sb.read("main.go"), LEAKY, "dry run must not write");
        assert!(sb.temp_leftovers(&sb.root).is_empty());
    }
}

#[test]
fn clean_tree_exits_0_with_no_diff() {
    let sb = Sandbox::new();
    sb.write("main.go", &clean());
    sb.write("pkg/other.go", &clean());
    sb.cmd().assert().code(0).stdout(predicate::str::is_empty());
    sb.cmd()
        .arg("--write")
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
    assert_eq!(sb.read("main.go"), clean());
}

#[test]
fn path_forms_file_dir_recursive_dots_and_none() {
    let sb = Sandbox::new();
    sb.write("svc/deep/leak.go", LEAKY);
    sb.write("top.go", &clean());
    let header = "diff --git a/svc/deep/leak.go b/svc/deep/leak.go\n";
    let forms: [&[&str]; 7] = [
        &["svc/deep/leak.go"],
        &["./svc/deep/leak.go"],
        &["svc"],
        &["svc/"],
        &["svc/..."],
        &["./..."],
        &[],
    ];
    let mut outputs = Vec::new();
    for args in forms {
        let out = sb.run(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        let diff = stdout(&out);
        assert!(diff.starts_with(header), "{args:?}: {diff}");
        assert_eq!(diff_files(&diff), ["svc/deep/leak.go"], "{args:?}");
        outputs.push(diff);
    }
    assert!(
        outputs.windows(2).all(|w| w[0] == w[1]),
        "all PATH forms give the same diff"
    );
    // A directory without leaks, given explicitly.
    sb.write("ok/fine.go", &clean());
    sb.cmd().args(["ok/..."]).assert().code(0).stdout("");
    assert_eq!(sb.read("svc/deep/leak.go"), LEAKY);
}

#[test]
fn dry_run_output_pipes_into_git_apply() {
    let sb = Sandbox::new();
    sb.init_repo();
    let two = format!("{LEAKY}{LEAKY_GET2}");
    sb.write("main.go", &two);
    sb.write("pkg/other.go", LEAKY);
    sb.commit_all("leaky");

    // What --write makes of the same files, in a separate directory.
    let expected = Sandbox::new();
    expected.write("main.go", &two);
    expected.write("pkg/other.go", LEAKY);
    expected.cmd().arg("--write").assert().code(0);

    let out = sb.run(&["--dry-run", "--color", "never"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["main.go", "pkg/other.go"]);
    let apply = sb.git_output(&["apply", "--whitespace=nowarn", "-"], Some(&out.stdout));
    assert!(
        apply.status.success(),
        "git apply rejected the diff: {}\n{}",
        stderr(&apply),
        stdout(&out)
    );
    assert_eq!(sb.read("main.go"), expected.read("main.go"));
    assert_eq!(sb.read("pkg/other.go"), expected.read("pkg/other.go"));
    assert_eq!(sb.read("pkg/other.go"), fixed());
    assert!(sb.read("main.go").contains("res := make(chan int, 1)"));
    // Nothing left to do afterwards.
    sb.cmd().assert().code(0).stdout("");
}

#[test]
fn dry_run_from_a_subdirectory_pipes_into_git_apply_there() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("svc/main.go", LEAKY);
    sb.write("other/main.go", LEAKY);
    sb.commit_all("leaky");
    let svc = sb.path("svc");
    let out = sb.cmd_in(&svc).args(["--color", "never"]).output().unwrap();
    assert_eq!(code(&out), 1);
    // Paths are shown relative to the repository root.
    assert_eq!(diff_files(&stdout(&out)), ["svc/main.go"]);
    let res = sb.git_output_in(&svc, &["apply", "-"], Some(&out.stdout));
    assert!(res.status.success(), "{}", stderr(&res));
    assert_eq!(sb.read("svc/main.go"), fixed());
    assert_eq!(sb.read("other/main.go"), LEAKY);
}

#[test]
fn color_always_never_and_auto_when_piped() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    let always = stdout(&sb.run(&["--color", "always"]));
    assert!(always.contains("\x1b["), "{always:?}");
    assert!(
        always.contains("\x1b[32m+\tch := make(chan int, 1)\x1b[0m"),
        "{always:?}"
    );
    for args in [&["--color", "never"][..], &["--color", "auto"][..], &[][..]] {
        let out = stdout(&sb.run(args));
        assert!(out.contains("diff --git"), "{args:?}");
        assert!(!out.contains("\x1b["), "{args:?}: {out:?}");
    }
    // With colour removed, `always` is the plain diff.
    let stripped = always
        .replace("\x1b[0m", "")
        .replace("\x1b[1m", "")
        .replace("\x1b[36m", "")
        .replace("\x1b[32m", "")
        .replace("\x1b[31m", "");
    assert_eq!(stripped, stdout(&sb.run(&["--color", "never"])));
}

// ---------------------------------------------------------------------------
// --write
// ---------------------------------------------------------------------------

#[test]
fn write_fixes_in_place_keeps_mode_leaves_no_temp_files_and_is_idempotent() {
    let sb = Sandbox::new();
    let main = sb.write("main.go", LEAKY);
    let sub = sb.write("pkg/other.go", LEAKY);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&main, fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(&sub, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "--write prints no diff");
    assert!(stderr(&out).contains("[fixed]"), "{}", stderr(&out));
    assert_eq!(sb.read("main.go"), fixed());
    assert_eq!(sb.read("pkg/other.go"), fixed());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&main), 0o755);
        assert_eq!(mode(&sub), 0o640);
    }
    assert!(sb.temp_leftovers(&sb.root).is_empty());
    assert!(sb.temp_leftovers(&sb.path("pkg")).is_empty());

    // A second run finds nothing and changes nothing.
    let before = sb.snapshot_files();
    let again = sb.run(&["--write"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(stdout(&again), "");
    assert_eq!(sb.snapshot_files(), before);
    sb.cmd().assert().code(0).stdout("");
}

#[test]
fn write_a_single_file_argument() {
    let sb = Sandbox::new();
    sb.write("a.go", LEAKY);
    sb.write("b.go", LEAKY);
    sb.cmd().args(["--write", "a.go"]).assert().code(0);
    assert_eq!(sb.read("a.go"), fixed());
    assert_eq!(sb.read("b.go"), LEAKY);
}

// ---------------------------------------------------------------------------
// --apply
// ---------------------------------------------------------------------------

#[test]
fn apply_commits_onto_a_branch_without_touching_a_dirty_work_tree() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.write("other.go", &clean());
    sb.write("notes.txt", "v1\n");
    sb.commit_all("initial");
    let old_head = sb.rev("HEAD");

    // Uncommitted work: a modified tracked file (now leaky in the work tree
    // only), a staged change, and an untracked leaky file.
    sb.write("other.go", LEAKY);
    sb.write("notes.txt", "v2 staged\n");
    sb.git(&["add", "notes.txt"]);
    sb.write("untracked.go", LEAKY);
    sb.git(&["status", "--porcelain=v1"]);

    let index_path = sb.path(".git/index");
    let files_before = sb.snapshot_files();
    let index_before = fs::read(&index_path).unwrap();
    let status_before = sb.git(&["status", "--porcelain=v1"]);
    let symref_before = sb.git(&["symbolic-ref", "HEAD"]);
    let head_file_before = fs::read(sb.path(".git/HEAD")).unwrap();
    assert_eq!(
        status_before,
        "M  notes.txt\n M other.go\n?? untracked.go\n"
    );

    let out = sb.run(&["--apply", "--branch", BRANCH]);
    let index_after = fs::read(&index_path).unwrap();
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let commit = sb.rev(BRANCH);
    let text = stdout(&out);
    assert!(text.contains(BRANCH), "stdout names the branch: {text}");
    assert!(
        text.contains(&commit),
        "stdout names the commit {commit}: {text}"
    );

    // Nothing the user has was touched.
    assert_eq!(index_after, index_before, ".git/index changed");
    assert_eq!(sb.snapshot_files(), files_before, "work tree changed");
    assert_eq!(sb.git(&["status", "--porcelain=v1"]), status_before);
    assert_eq!(sb.rev("HEAD"), old_head);
    assert_eq!(sb.git(&["symbolic-ref", "HEAD"]), symref_before);
    assert_eq!(fs::read(sb.path(".git/HEAD")).unwrap(), head_file_before);

    // The branch holds exactly the fix, on top of the old HEAD.
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:main.go")]), fixed());
    assert_eq!(sb.rev(&format!("{BRANCH}^")), old_head);
    assert_eq!(
        sb.git(&["rev-list", "--count", &format!("{old_head}..{BRANCH}")])
            .trim(),
        "1"
    );
    assert_eq!(
        sb.git(&["diff", "--name-only", "HEAD", BRANCH]),
        "main.go\n"
    );
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:other.go")]), clean());
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:notes.txt")]), "v1\n");
    assert!(
        !sb.git(&["ls-tree", "-r", "--name-only", BRANCH])
            .contains("untracked.go")
    );

    let message = sb.git(&["log", "-1", "--format=%B", BRANCH]);
    assert!(message.contains("single-result-buffer"), "{message}");
    assert!(
        message
            .lines()
            .any(|l| l.contains("single-result-buffer") && l.contains('1')),
        "the message gives the rule's count: {message}"
    );
    assert!(message.contains("1 goroutine leak"), "{message}");
    assert_eq!(
        sb.git(&["log", "-1", "--format=%an <%ae>", BRANCH]).trim(),
        "Test <test@example.invalid>"
    );
}

#[test]
fn apply_default_branch_name() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    let out = sb.run(&["--apply"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("gofix-leaks/fix-leaks"),
        "{}",
        stdout(&out)
    );
    assert_eq!(sb.git(&["show", "gofix-leaks/fix-leaks:main.go"]), fixed());
    assert_eq!(sb.git(&["symbolic-ref", "HEAD"]).trim(), "refs/heads/main");
}

#[test]
fn apply_existing_branch_needs_force_and_force_moves_it() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0);
    let first = sb.rev(BRANCH);

    // A dirty work tree and index, to show the refusal touches nothing.
    sb.write("main.go", &fixed());
    sb.write("staged.txt", "staged\n");
    sb.git(&["add", "staged.txt"]);
    let files = sb.snapshot_files();
    let index = fs::read(sb.path(".git/index")).unwrap();
    let refs = sb.git(&["for-each-ref"]);
    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(BRANCH))
        .stderr(predicate::str::contains("exists"))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(sb.rev(BRANCH), first, "a failed --apply leaves the branch");
    assert_eq!(sb.snapshot_files(), files, "work tree unchanged");
    assert_eq!(
        fs::read(sb.path(".git/index")).unwrap(),
        index,
        "index unchanged"
    );
    assert_eq!(sb.git(&["for-each-ref"]), refs, "no ref made or moved");
    sb.git(&["reset", "-q", "--hard"]);
    fs::remove_file(sb.path("staged.txt")).ok();

    // HEAD moves on; --force re-bases the fix branch onto the new HEAD.
    sb.write("README", "more\n");
    sb.commit_all("second");
    let head = sb.rev("HEAD");
    let out = sb.run(&["--apply", "--branch", BRANCH, "--force"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let moved = sb.rev(BRANCH);
    assert_ne!(moved, first);
    assert!(stdout(&out).contains(&moved));
    assert_eq!(sb.rev(&format!("{BRANCH}^")), head);
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:main.go")]), fixed());
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:README")]), "more\n");
    assert_eq!(sb.rev("HEAD"), head);
}

#[test]
fn apply_refuses_the_checked_out_branch_even_with_force() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    let head = sb.rev("HEAD");
    sb.cmd()
        .args(["--apply", "--branch", "main", "--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("checked out"));
    assert_eq!(sb.rev("HEAD"), head);
    assert_eq!(sb.read("main.go"), LEAKY);
}

#[test]
fn dry_run_diff_has_the_same_hunks_as_the_apply_commit() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", &format!("{LEAKY}{LEAKY_GET2}"));
    sb.write("pkg/a.go", LEAKY);
    sb.write("pkg/clean.go", &clean());
    sb.commit_all("initial");

    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1);
    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0);
    let git_diff = sb.git(&["diff", "--no-color", "--no-ext-diff", "HEAD", BRANCH]);

    let ours = hunks(&stdout(&dry));
    let theirs = hunks(&git_diff);
    assert!(
        ours.iter().filter(|l| l.starts_with("@@")).count() >= 3,
        "{ours:#?}"
    );
    assert_eq!(
        ours,
        theirs,
        "dry run:\n{}\ngit diff:\n{git_diff}",
        stdout(&dry)
    );
}

#[test]
fn apply_reads_head_not_the_work_tree_and_honours_paths() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("a/main.go", LEAKY);
    sb.write("b/main.go", LEAKY);
    sb.commit_all("initial");
    // The work tree copy is already fixed; HEAD's is not.
    sb.write("a/main.go", &fixed());
    let out = sb.run(&["--apply", "--branch", BRANCH, "a/..."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        sb.git(&["diff", "--name-only", "HEAD", BRANCH]),
        "a/main.go\n"
    );
    assert_eq!(sb.read("a/main.go"), fixed());
    assert_eq!(sb.read("b/main.go"), LEAKY);
}

#[test]
fn apply_with_nothing_to_fix_creates_no_branch() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", &clean());
    sb.commit_all("initial");
    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0)
        .stdout("");
    let exists = sb.git_output(&["rev-parse", "--verify", "--quiet", BRANCH], None);
    assert!(!exists.status.success(), "no branch for nothing");
}

#[test]
fn apply_outside_a_git_repository_suggests_write() {
    let sb = Sandbox::new();
    // Guard: the sandbox must not sit inside some other repository.
    if sb
        .git_output(&["rev-parse", "--git-dir"], None)
        .status
        .success()
    {
        eprintln!("skipped: the temp directory is inside a git repository");
        return;
    }
    sb.write("main.go", LEAKY);
    sb.cmd()
        .args(["--apply"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--write"))
        .stderr(predicate::str::contains("git repository"));
    assert_eq!(sb.read("main.go"), LEAKY);
}

#[test]
fn apply_in_a_repository_without_commits_fails_clearly() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.git(&["add", "main.go"]);
    let out = sb.run(&["--apply"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("no commit"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(sb.read("main.go"), LEAKY);
}

// ---------------------------------------------------------------------------
// --format json
// ---------------------------------------------------------------------------

/// Applies every suggested edit for `file` to `original`, from the end.
fn apply_edits(original: &[u8], findings: &[Value], file: &str) -> Vec<u8> {
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for f in findings {
        for fix in f["suggested_fixes"].as_array().unwrap() {
            for e in fix["edits"].as_array().unwrap() {
                if e["filename"] == file {
                    edits.push((
                        e["start"].as_u64().unwrap() as usize,
                        e["end"].as_u64().unwrap() as usize,
                        e["new"].as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = original.to_vec();
    for (start, end, new) in edits {
        assert!(start <= end && end <= out.len());
        out.splice(start..end, new.into_bytes());
    }
    out
}

#[test]
fn json_findings_have_the_go_analysis_shape_and_edits_reproduce_write() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write("pkg/main.go", &format!("{LEAKY}{LEAKY_GET2}"));
    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let findings = v["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 3, "{v:#}");
    assert!(
        !stdout(&out).contains("diff --git"),
        "json mode prints no diff"
    );

    let first = &findings[0];
    assert_eq!(first["rule"], "single-result-buffer");
    assert_eq!(first["file"], "main.go");
    assert_eq!(first["posn"], "main.go:14:8");
    assert_eq!(first["start"]["line"], 14);
    assert_eq!(first["start"]["column"], 8);
    assert_eq!(first["end"]["line"], 14);
    assert_eq!(first["end"]["column"], 22);
    assert!(first["message"].as_str().unwrap().contains("goroutine"));
    let edit = &first["suggested_fixes"][0]["edits"][0];
    assert_eq!(edit["filename"], "main.go");
    assert_eq!(edit["new"], "make(chan int, 1)");
    let (s, e) = (
        edit["start"].as_u64().unwrap() as usize,
        edit["end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&LEAKY[s..e], "make(chan int)");

    for f in findings {
        for key in ["rule", "file", "posn", "message"] {
            assert!(f[key].is_string(), "{key} in {f}");
        }
        for key in ["start", "end"] {
            assert!(
                f[key]["line"].is_u64() && f[key]["column"].is_u64(),
                "{key} in {f}"
            );
        }
        let e = &f["suggested_fixes"][0]["edits"][0];
        assert!(
            e["filename"].is_string()
                && e["start"].is_u64()
                && e["end"].is_u64()
                && e["new"].is_string()
        );
        let file = f["file"].as_str().unwrap();
        assert!(f["posn"].as_str().unwrap().starts_with(&format!("{file}:")));
    }
    let files: Vec<&str> = findings
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["main.go", "pkg/main.go", "pkg/main.go"]);

    // The edits, applied at their byte offsets, give what --write writes.
    let originals = [
        ("main.go", sb.read("main.go")),
        ("pkg/main.go", sb.read("pkg/main.go")),
    ];
    sb.cmd().arg("--write").assert().code(0);
    for (file, original) in originals {
        let patched = apply_edits(original.as_bytes(), findings, file);
        assert_eq!(String::from_utf8(patched).unwrap(), sb.read(file), "{file}");
    }
}

#[test]
fn json_paths_are_relative_to_the_repository_root() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("pkg/main.go", LEAKY);
    let out = sb
        .cmd_in(&sb.path("pkg"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["file"], "pkg/main.go");
    assert_eq!(f["posn"], "pkg/main.go:14:8");
    assert_eq!(
        f["suggested_fixes"][0]["edits"][0]["filename"],
        "pkg/main.go"
    );
}

#[test]
fn json_clean_tree_exits_0_with_empty_findings() {
    let sb = Sandbox::new();
    sb.write("main.go", &clean());
    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 0);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn json_with_apply_reports_branch_and_commit() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    let out = sb.run(&["--apply", "--branch", BRANCH, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    assert_eq!(v["branch"], BRANCH);
    assert_eq!(v["commit"], sb.rev(BRANCH).as_str());
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["file"], "main.go");
}

// ---------------------------------------------------------------------------
// Rules: --list-rules, --only, --skip, --rules
// ---------------------------------------------------------------------------

#[test]
fn list_rules_prints_ids_and_summaries() {
    let sb = Sandbox::new();
    sb.cmd()
        .arg("--list-rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("single-result-buffer"))
        .stdout(predicate::str::contains(
            "Buffer a channel that carries one result from one goroutine",
        ));
}

#[test]
fn only_and_skip_select_rules() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.cmd()
        .args(["--only", "single-result-buffer"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("+\tch := make(chan int, 1)"));
    sb.cmd()
        .args(["--skip", "single-result-buffer"])
        .assert()
        .code(0)
        .stdout("");
    sb.cmd()
        .args(["--skip", "single-result-buffer", "--write"])
        .assert()
        .code(0);
    assert_eq!(sb.read("main.go"), LEAKY);
    sb.cmd()
        .args(["--only", "no-such-rule"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no-such-rule"));
    sb.cmd()
        .args(["--skip", "no-such-rule"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no-such-rule"));
}

const SIGNAL_GO: &str = r#"package main

import (
	"fmt"
	"os"
	"os/signal"
)

func main() {
	c := make(chan os.Signal)
	signal.Notify(c, os.Interrupt)
	fmt.Println(<-c)
}
"#;

#[test]
fn user_rules_file_is_loaded_listed_and_applied() {
    let sb = Sandbox::new();
    sb.write("sig.go", SIGNAL_GO);
    let rules = signal_rule();

    sb.cmd()
        .args(["--list-rules", "--rules", &rules])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("signal-notify-buffer"))
        .stdout(predicate::str::contains("single-result-buffer"));

    // Without the rule: nothing to say.
    sb.cmd().assert().code(0).stdout("");

    let out = sb.run(&["--rules", &rules]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(diff.contains("-\tc := make(chan os.Signal)\n"), "{diff}");
    assert!(diff.contains("+\tc := make(chan os.Signal, 1)\n"), "{diff}");
    assert!(stderr(&out).contains("signal-notify-buffer"));

    sb.cmd()
        .args([
            "--rules",
            &rules,
            "--only",
            "signal-notify-buffer",
            "--write",
        ])
        .assert()
        .code(0);
    assert_eq!(
        sb.read("sig.go"),
        SIGNAL_GO.replace("make(chan os.Signal)", "make(chan os.Signal, 1)")
    );
}

#[test]
fn user_rules_directory_is_loaded() {
    let sb = Sandbox::new();
    let dir = format!("{}/examples/rules", env!("CARGO_MANIFEST_DIR"));
    sb.cmd()
        .args(["--list-rules", "--rules", &dir])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("signal-notify-buffer"));
}

/// Writes a rule file into the sandbox and returns its path as given.
fn rule_file(sb: &Sandbox, name: &str, text: &str) -> String {
    sb.write(name, text);
    name.to_string()
}

const BAD_NODE_RULE: &str = r#"id = "bad-query"
summary = "s"
explanation = "e"
query = """
(call_expression
  function: (no_such_node) @f) @make
"""
at = "@make"
message = "m"
"#;

#[test]
fn query_error_points_at_the_file_and_line() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    let f = rule_file(&sb, "bad.toml", BAD_NODE_RULE);
    for args in [&["--rules", &f][..], &["--list-rules", "--rules", &f][..]] {
        let out = sb.run(args);
        assert_eq!(code(&out), 2);
        let err = stderr(&out);
        assert!(
            err.contains("bad.toml:6:"),
            "line 6 holds the bad node: {err}"
        );
        assert!(err.contains("no_such_node"), "{err}");
        assert_eq!(stdout(&out), "");
    }
    assert_eq!(sb.read("main.go"), LEAKY);
}

#[test]
fn query_syntax_error_names_the_file_and_a_line() {
    let sb = Sandbox::new();
    let f = rule_file(
        &sb,
        "unbalanced.toml",
        r#"id = "bad-query"
summary = "s"
explanation = "e"
query = """
(call_expression
  function: (identifier) @f
  arguments: (argument_list) @make
"""
at = "@make"
message = "m"
"#,
    );
    let out = sb.run(&["--list-rules", "--rules", &f]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    // The query runs over lines 5-7; the missing `)` is found at its end.
    let line = err
        .split("unbalanced.toml:")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no unbalanced.toml:<line>: in {err}"));
    assert!((5..=8).contains(&line), "line {line}: {err}");
}

#[test]
fn query_error_line_is_right_when_the_query_text_also_appears_earlier() {
    let sb = Sandbox::new();
    let f = rule_file(
        &sb,
        "quoted.toml",
        r#"id = "bad-query"
summary = "s"
explanation = """
It matches calls like this:
(call_expression
"""
query = """
(call_expression
  function: (no_such_node) @f) @make
"""
at = "@make"
message = "m"
"#,
    );
    let out = sb.run(&["--list-rules", "--rules", &f]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(
        err.contains("quoted.toml:9:"),
        "line 9 holds the bad node: {err}"
    );
}

#[test]
fn toml_syntax_error_names_the_file_and_line() {
    let sb = Sandbox::new();
    let f = rule_file(
        &sb,
        "broken.toml",
        "id = \"x\"\nsummary = \"s\"\nexplanation = \"unterminated\nquery = \"(identifier) @a\"\n",
    );
    let out = sb.run(&["--list-rules", "--rules", &f]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("broken.toml:3:"), "{err}");
}

#[test]
fn unknown_rule_field_is_an_error() {
    let sb = Sandbox::new();
    let text = BAD_NODE_RULE
        .replace("(no_such_node)", "(identifier)")
        .replace("message = \"m\"", "message = \"m\"\nmesage = \"typo\"");
    let f = rule_file(&sb, "typo.toml", &text);
    sb.cmd()
        .args(["--list-rules", "--rules", &f])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("typo.toml:"))
        .stderr(predicate::str::contains("mesage"));
}

#[test]
fn unknown_predicate_is_named() {
    let sb = Sandbox::new();
    let f = rule_file(
        &sb,
        "pred.toml",
        r#"id = "bad-pred"
summary = "s"
explanation = "e"
query = "(identifier) @make"
at = "@make"
message = "m"

[[where]]
predicate = "no-such-predicate"
args = ["@make"]
"#,
    );
    sb.cmd()
        .args(["--list-rules", "--rules", &f])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pred.toml"))
        .stderr(predicate::str::contains("no-such-predicate"));
}

#[test]
fn missing_rules_path_is_an_error() {
    let sb = Sandbox::new();
    sb.cmd()
        .args(["--list-rules", "--rules", "nope.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.toml"));
}

// ---------------------------------------------------------------------------
// Errors and arguments
// ---------------------------------------------------------------------------

#[test]
fn missing_path_is_exit_2() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    for args in [
        &["does-not-exist"][..],
        &["does-not-exist/..."][..],
        &["main.go", "nope.go"][..],
    ] {
        let out = sb.run(args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(stderr(&out).contains("nope") || stderr(&out).contains("does-not-exist"));
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
fn bad_arguments_are_exit_2() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    let cases: [&[&str]; 7] = [
        &["--format", "yaml"],
        &["--color", "sometimes"],
        &["--write", "--apply"],
        &["--dry-run", "--write"],
        &["--threads", "many"],
        &["--branch", "x"],
        &["--no-such-flag"],
    ];
    for args in cases {
        let out = sb.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}");
    }
    assert_eq!(sb.read("main.go"), LEAKY);
}

#[test]
fn invalid_branch_name_is_exit_2() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    sb.cmd()
        .args(["--apply", "--branch", "bad..name"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad..name"));
}

#[test]
fn help_and_version() {
    let sb = Sandbox::new();
    sb.cmd()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--apply"))
        .stdout(predicate::str::contains("--write"))
        .stdout(predicate::str::contains("Exit status"));
    sb.cmd()
        .arg("-h")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("--apply"));
    sb.cmd()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("gofix-leaks "));
}

// ---------------------------------------------------------------------------
// Skipped inputs
// ---------------------------------------------------------------------------

#[test]
fn generated_vendor_testdata_hidden_underscore_and_gitignored_files_are_skipped() {
    let sb = Sandbox::new();
    sb.write(
        "gen.go",
        &format!("// Code generated by x. DO NOT EDIT.\n\n{LEAKY}"),
    );
    sb.write("vendor/dep/dep.go", LEAKY);
    sb.write("pkg/vendor/dep.go", LEAKY);
    sb.write("testdata/td.go", LEAKY);
    sb.write("pkg/testdata/td.go", LEAKY);
    sb.write(".hidden/h.go", LEAKY);
    sb.write("_skip/s.go", LEAKY);
    sb.write(".gitignore", "ignored.go\nbuild/\n");
    sb.write("ignored.go", LEAKY);
    sb.write("build/b.go", LEAKY);
    sb.write("ok.go", &clean());

    for args in [&[][..], &["./..."][..], &["--write"][..]] {
        let out = sb.run(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    assert_eq!(
        sb.read("gen.go"),
        format!("// Code generated by x. DO NOT EDIT.\n\n{LEAKY}")
    );
    assert_eq!(sb.read("vendor/dep/dep.go"), LEAKY);
    assert_eq!(sb.read("testdata/td.go"), LEAKY);
    assert_eq!(sb.read("ignored.go"), LEAKY);

    // A generated file is skipped even when named.
    sb.cmd().arg("gen.go").assert().code(0).stdout("");
    // An explicit file inside testdata/ is processed.
    let out = sb.run(&["testdata/td.go"]);
    assert_eq!(code(&out), 1);
    assert_eq!(diff_files(&stdout(&out)), ["testdata/td.go"]);
    let out = sb.run(&["pkg/testdata/td.go"]);
    assert_eq!(diff_files(&stdout(&out)), ["pkg/testdata/td.go"]);
}

#[test]
fn gitignore_is_respected_inside_a_git_repository() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write(".gitignore", "gen/\n");
    sb.write("gen/leak.go", LEAKY);
    sb.write("src/leak.go", LEAKY);
    let out = sb.run(&[]);
    assert_eq!(code(&out), 1);
    assert_eq!(diff_files(&stdout(&out)), ["src/leak.go"]);
}

#[test]
fn syntax_error_in_one_declaration_does_not_stop_fixes_elsewhere() {
    let sb = Sandbox::new();
    let broken = LEAKY.replace(
        "func main() { _, _ = get() }\n",
        "func broken() {\n\tx := 1 2\n\tgo func() { _ = make(chan int) }()\n\t_ = x\n}\n\nfunc main() { _, _ = get() }\n",
    );
    assert_eq!(
        broken.lines().position(|l| l.contains("x := 1 2")),
        Some(26)
    );
    sb.write("broken.go", &broken);

    let out = sb.run(&[]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("+\tch := make(chan int, 1)\n"));
    let err = stderr(&out);
    let skipped = err
        .lines()
        .find(|l| l.contains("skipped"))
        .unwrap_or_else(|| panic!("a skipped region is reported: {err}"));
    assert!(
        skipped.starts_with("broken.go:27:"),
        "file and line of the error: {skipped}"
    );
    assert!(skipped.contains("broken"), "{skipped}");

    // The fix is written, but the region left unanalysed still counts: 1.
    sb.cmd().arg("--write").assert().code(1);
    assert_eq!(
        sb.read("broken.go"),
        broken.replacen("make(chan int)", "make(chan int, 1)", 1)
    );

    let out = sb.run(&["--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["skipped"][0]["file"], "broken.go");
    assert_eq!(v["skipped"][0]["line"], 27);
}

/// Only the declarations a rule could match are parsed: a syntax error
/// (brackets paired) in a function that holds none of a rule's literals is
/// not read, so not reported, and does not make the run's status 1. A file
/// whose brackets do not pair up is parsed whole and reported wherever the
/// error is.
#[test]
fn syntax_error_only_in_a_declaration_no_rule_reads_is_not_reported() {
    let sb = Sandbox::new();
    let quiet = fixed().replace(
        "func main() { _, _ = get() }\n",
        "func unread() {\n\tx := 1 2\n\t_ = x\n}\n\nfunc main() { _, _ = get() }\n",
    );
    assert_ne!(quiet, fixed());
    sb.write("quiet.go", &quiet);
    // It is a syntax error to the grammar (Go 1.26's `new(expr)`, used here
    // before, no longer is: grammars/tree-sitter-go parses it).
    let tree = sb.run(&["--dump-tree", "quiet.go"]);
    assert!(stdout(&tree).contains("ERROR"), "{}", stdout(&tree));
    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["skipped"], serde_json::json!([]));

    let unpaired = fixed().replace(
        "func main() { _, _ = get() }\n",
        "func unread() {\n\tx := (1\n}\n\nfunc main() { _, _ = get() }\n",
    );
    sb.write("quiet.go", &unpaired);
    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["skipped"][0]["file"], "quiet.go", "{v}");
}

// ---------------------------------------------------------------------------
// Parallelism and ordering
// ---------------------------------------------------------------------------

#[test]
fn threads_do_not_change_the_output_which_is_sorted_by_path() {
    let sb = Sandbox::new();
    let names = [
        "zeta/z.go",
        "alpha/a.go",
        "alpha/beta/b.go",
        "mid/m1.go",
        "mid/m2.go",
        "top.go",
        "alpha/gamma/deep/d.go",
    ];
    for n in names {
        sb.write(n, LEAKY);
    }
    sb.write("alpha/clean.go", &clean());

    let default = sb.run(&[]);
    assert_eq!(code(&default), 1);
    let files = diff_files(&stdout(&default));
    let mut sorted = names.map(String::from).to_vec();
    sorted.sort();
    assert_eq!(files, sorted);
    for threads in ["1", "2", "8"] {
        let out = sb.run(&["--threads", threads]);
        assert_eq!(code(&out), 1);
        assert_eq!(stdout(&out), stdout(&default), "--threads {threads}");
        assert_eq!(stderr(&out), stderr(&default), "--threads {threads}");
    }
    let j1 = sb.run(&["--threads", "1", "--format", "json"]);
    let j = sb.run(&["--format", "json"]);
    assert_eq!(stdout(&j1), stdout(&j));
}

// ---------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------

/// A leak whose fix is within three lines of the end of a file that has no
/// final newline, so the diff must say `\ No newline at end of file`.
const NO_FINAL_NEWLINE: &str = "package main\n\nimport (\n\t\"errors\"\n\t\"time\"\n)\n\n\
func slowValue() int { return 42 }\n\nfunc get() (int, error) {\n\tch := make(chan int)\n\
\tgo func() { ch <- slowValue() }()\n\tselect { case v := <-ch: return v, nil; \
case <-time.After(time.Millisecond): return 0, errors.New(\"timeout\") }\n}";

#[test]
fn file_without_final_newline_diff_applies_and_matches_apply() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("nonl.go", NO_FINAL_NEWLINE);
    sb.commit_all("initial");
    let expected = NO_FINAL_NEWLINE.replacen("make(chan int)", "make(chan int, 1)", 1);

    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    let diff = stdout(&dry);
    assert!(diff.contains("\n\\ No newline at end of file"), "{diff}");
    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0);
    let git_diff = sb.git(&["diff", "--no-color", "HEAD", BRANCH]);
    assert_eq!(hunks(&diff), hunks(&git_diff));
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:nonl.go")]), expected);

    let apply = sb.git_output(&["apply", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(sb.read("nonl.go"), expected);
    sb.git(&["checkout", "--", "nonl.go"]);
    sb.cmd().arg("--write").assert().code(0);
    assert_eq!(sb.read("nonl.go"), expected);
}

#[test]
fn crlf_file_is_fixed_keeping_line_endings() {
    let sb = Sandbox::new();
    sb.init_repo();
    let crlf = LEAKY.replace('\n', "\r\n");
    sb.write("crlf.go", &crlf);
    sb.commit_all("initial");
    let expected = crlf.replacen("make(chan int)", "make(chan int, 1)", 1);
    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1);
    let apply = sb.git_output(&["apply", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(sb.read("crlf.go"), expected);
    sb.git(&["checkout", "--", "crlf.go"]);
    sb.cmd().arg("--write").assert().code(0);
    assert_eq!(sb.read("crlf.go"), expected);
}

#[test]
fn paths_with_spaces_and_non_ascii_apply() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("my dir/main.go", LEAKY);
    sb.write("ü/é.go", LEAKY);
    sb.commit_all("initial");
    let dry = sb.run(&["--color", "never"]);
    assert_eq!(diff_files(&stdout(&dry)), ["my dir/main.go", "ü/é.go"]);
    let apply = sb.git_output(&["apply", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(sb.read("my dir/main.go"), fixed());
    assert_eq!(sb.read("ü/é.go"), fixed());
}

#[cfg(unix)]
#[test]
fn path_with_a_tab_is_quoted_so_git_apply_works() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("tab\tname.go", LEAKY);
    sb.commit_all("initial");
    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1);
    let apply = sb.git_output(&["apply", "-"], Some(&dry.stdout));
    assert!(
        apply.status.success(),
        "{}\n{}",
        stderr(&apply),
        stdout(&dry)
    );
    assert_eq!(sb.read("tab\tname.go"), fixed());
}

#[test]
fn overlapping_path_arguments_check_a_file_once() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    for args in [&["./main.go", "."][..], &["main.go", "./main.go"][..]] {
        let out = sb.run(args);
        assert_eq!(code(&out), 1);
        assert_eq!(diff_files(&stdout(&out)), ["main.go"], "{args:?}");
    }
    let out = sb.run(&["--write", "./main.go", "."]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("main.go"), fixed());
}

#[test]
fn overlapping_plain_path_arguments_check_a_file_once() {
    let sb = Sandbox::new();
    sb.write("pkg/main.go", LEAKY);
    let out = sb.run(&["pkg", "pkg/main.go", "pkg/..."]);
    assert_eq!(code(&out), 1);
    assert_eq!(diff_files(&stdout(&out)), ["pkg/main.go"]);
}

#[test]
fn apply_keeps_the_executable_bit_and_works_from_a_detached_head() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.git(&["add", "--chmod=+x", "main.go"]);
    sb.git(&["commit", "-q", "-m", "initial"]);
    let head = sb.rev("HEAD");
    sb.git(&["checkout", "-q", "--detach"]);
    let out = sb.run(&["--apply", "--branch", BRANCH]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.rev(&format!("{BRANCH}^")), head);
    let entry = sb.git(&["ls-tree", BRANCH, "main.go"]);
    assert!(entry.starts_with("100755 "), "{entry}");
    assert_eq!(sb.rev("HEAD"), head);
    let detached = sb.git_output(&["symbolic-ref", "-q", "HEAD"], None);
    assert!(!detached.status.success(), "HEAD stays detached");
}

#[test]
fn dump_tree_prints_the_syntax_tree() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.cmd()
        .args(["--dump-tree", "main.go"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("source_file"))
        .stdout(predicate::str::contains("channel_type"));
    sb.cmd().args(["--dump-tree", "nope.go"]).assert().code(2);
}

// ---- time-after-in-loop: options and go.mod from the right source ----

#[test]
fn list_rules_shows_options_and_set_validates_them() {
    let sb = Sandbox::new();
    sb.cmd()
        .arg("--list-rules")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("time-after-in-loop"))
        .stdout(predicate::str::contains("option leak_only = false"));
    sb.cmd()
        .args(["--list-rules", "--set", "time-after-in-loop.leak_only=true"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("option leak_only = true"));
    sb.cmd()
        .args(["--set", "time-after-in-loop.no_such=1", "--list-rules"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no option `no_such`"));
    sb.cmd()
        .args(["--set", "no-such-rule.leak_only=1", "--list-rules"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no rule `no-such-rule`"));
    sb.cmd()
        .args(["--set", "leak_only", "--list-rules"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RULE.KEY=VALUE"));
}

#[test]
fn leak_only_option_silences_go_1_23_modules_only() {
    let sb = Sandbox::new();
    sb.write("new/go.mod", "module example.com/new\n\ngo 1.23\n");
    sb.write("new/main.go", POLL);
    sb.write("old/go.mod", "module example.com/old\n\ngo 1.21\n");
    sb.write("old/main.go", POLL);
    let all = sb.run(&["--color", "never", "--only", "time-after-in-loop", "."]);
    assert_eq!(code(&all), 1);
    let d = stdout(&all);
    assert_eq!(
        diff_files(&d),
        vec!["new/main.go".to_string(), "old/main.go".to_string()]
    );
    assert!(
        stderr(&all).contains("not a leak since Go 1.23"),
        "{}",
        stderr(&all)
    );
    let leak_only = sb.run(&[
        "--color",
        "never",
        "--only",
        "time-after-in-loop",
        "--set",
        "time-after-in-loop.leak_only=true",
        ".",
    ]);
    assert_eq!(
        diff_files(&stdout(&leak_only)),
        vec!["old/main.go".to_string()]
    );
}

#[test]
fn apply_reads_go_mod_from_head_not_the_work_tree() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("go.mod", "module example.com/m\n\ngo 1.24\n");
    sb.write("main.go", POLL);
    sb.commit_all("initial");
    // Uncommitted: the work tree claims go 1.21 (pre-1.23 timers).
    sb.write("go.mod", "module example.com/m\n\ngo 1.21\n");
    let out = sb.run(&[
        "--apply",
        "--branch",
        "timers",
        "--only",
        "time-after-in-loop",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let fixed = sb.git(&["show", "timers:main.go"]);
    // HEAD says go 1.24: Reset alone, no stop-and-drain.
    assert!(fixed.contains("timer.Reset(time.Second)"), "{fixed}");
    assert!(!fixed.contains("if !timer.Stop()"), "{fixed}");
    // The dry run reads the work tree: go 1.21, so it drains.
    let dry = sb.run(&["--color", "never", "--only", "time-after-in-loop"]);
    assert!(
        stdout(&dry).contains("if !timer.Stop()"),
        "{}",
        stdout(&dry)
    );
}
