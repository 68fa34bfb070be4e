//! `--apply` (and the diffs it must agree with) on repositories that are
//! not the plain case: bare, with a submodule, with paths git quotes, a
//! PATH HEAD does not have. Each refusal is exit 2 with a message that
//! says why, and leaves refs, index and work tree exactly as they were.
//!
//! Already pinned in tests/cli.rs, not repeated here: outside a repository,
//! an unborn branch, a detached HEAD (the branch starts at the HEAD commit
//! and HEAD stays detached), an existing branch with and without --force,
//! the checked-out branch, a dirty index and work tree.

mod common;

use common::{LEAKY, Sandbox, code, diff_files, fixed, hunks, stderr, stdout};
use std::fs;
use std::path::Path;

const BRANCH: &str = "fix/leaks";

/// Everything --apply could disturb: the files, the index, every ref, HEAD.
fn repo_state(sb: &Sandbox, dir: &Path) -> (Vec<u8>, Vec<u8>, String, String) {
    let git_dir = sb
        .git_output_in(dir, &["rev-parse", "--absolute-git-dir"], None)
        .stdout;
    let git_dir = String::from_utf8(git_dir).unwrap().trim().to_string();
    let index = fs::read(Path::new(&git_dir).join("index")).unwrap_or_default();
    let head = fs::read(Path::new(&git_dir).join("HEAD")).unwrap();
    let refs = sb.git_output_in(dir, &["for-each-ref"], None).stdout;
    let status = sb
        .git_output_in(
            dir,
            &["status", "--porcelain=v1", "--ignore-submodules=none"],
            None,
        )
        .stdout;
    (
        index,
        head,
        String::from_utf8(refs).unwrap(),
        String::from_utf8(status).unwrap(),
    )
}

#[test]
fn bare_repository_is_refused_clearly() {
    let sb = Sandbox::new();
    // A real bare repository with a leaky commit in it.
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    let bare = sb.root.parent().unwrap().join("bare.git");
    let out = sb.git_output_in(
        sb.root.parent().unwrap(),
        &["clone", "-q", "--bare", "work", "bare.git"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let refs_before = sb.git_output_in(&bare, &["for-each-ref"], None).stdout;

    for args in [&["--apply"][..], &["--apply", "--branch", BRANCH, "."][..]] {
        let out = sb.cmd_in(&bare).args(args).output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(err.contains("is a bare repository"), "{err}");
        assert!(err.contains("bare.git"), "names the repository: {err}");
        assert!(err.contains("work tree"), "says what is missing: {err}");
    }
    assert_eq!(
        sb.git_output_in(&bare, &["for-each-ref"], None).stdout,
        refs_before,
        "no branch made"
    );
}

/// A repository whose `sub/` is a submodule (a leaky one, committed as a
/// gitlink), with leaky code of its own.
fn repo_with_submodule(sb: &Sandbox) -> std::path::PathBuf {
    let upstream = sb.root.parent().unwrap().join("upstream");
    fs::create_dir_all(&upstream).unwrap();
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["config", "user.name", "Test"][..],
        &["config", "user.email", "test@example.invalid"][..],
    ] {
        assert!(sb.git_output_in(&upstream, args, None).status.success());
    }
    fs::write(upstream.join("leak.go"), LEAKY).unwrap();
    assert!(
        sb.git_output_in(&upstream, &["add", "-A"], None)
            .status
            .success()
    );
    assert!(
        sb.git_output_in(&upstream, &["commit", "-q", "-m", "up"], None)
            .status
            .success()
    );

    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    let out = sb.git_output(
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            upstream.to_str().unwrap(),
            "sub",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    sb.git(&["commit", "-q", "-m", "add submodule"]);
    upstream
}

#[test]
fn submodule_is_neither_entered_nor_broken() {
    let sb = Sandbox::new();
    repo_with_submodule(&sb);
    let gitlink = sb.git(&["ls-tree", "HEAD", "sub"]);
    assert!(gitlink.starts_with("160000 commit "), "{gitlink}");
    let sub_head = sb
        .git_output_in(&sb.path("sub"), &["rev-parse", "HEAD"], None)
        .stdout;
    // Dirty the outer work tree and index too: neither may change.
    sb.write("notes.txt", "staged\n");
    sb.git(&["add", "notes.txt"]);
    sb.write("untracked.go", LEAKY);

    // The dry run shows what --apply will commit: the outer files only.
    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    assert_eq!(diff_files(&stdout(&dry)), ["main.go", "untracked.go"]);
    assert!(!stderr(&dry).contains("sub/"), "{}", stderr(&dry));

    let files_before = sb.snapshot_files();
    let state_before = repo_state(&sb, &sb.root);
    let sub_state_before = repo_state(&sb, &sb.path("sub"));
    let out = sb.run(&["--apply", "--branch", BRANCH]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        sb.snapshot_files(),
        files_before,
        "work tree (and sub/) unchanged"
    );
    let mut state_after = repo_state(&sb, &sb.root);
    // The new branch is the one ref that may appear.
    state_after.2 = state_after
        .2
        .lines()
        .filter(|l| !l.ends_with(&format!("refs/heads/{BRANCH}")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(state_after, state_before, "index, HEAD, refs, status");
    assert_eq!(repo_state(&sb, &sb.path("sub")), sub_state_before);
    assert_eq!(
        sb.git_output_in(&sb.path("sub"), &["rev-parse", "HEAD"], None)
            .stdout,
        sub_head
    );

    // The commit changes main.go and keeps the gitlink as it was.
    assert_eq!(
        sb.git(&["diff", "--name-only", "HEAD", BRANCH]),
        "main.go\n"
    );
    assert_eq!(sb.git(&["ls-tree", BRANCH, "sub"]), gitlink);
    assert_eq!(
        sb.git(&["show", &format!("{BRANCH}:.gitmodules")]),
        sb.git(&["show", "HEAD:.gitmodules"])
    );
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:main.go")]), fixed());

    // --write leaves the submodule's files alone as well.
    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("sub/leak.go"), LEAKY);
    assert_eq!(sb.read("main.go"), fixed());
    let sub_status = sb.git_output_in(&sb.path("sub"), &["status", "--porcelain"], None);
    assert_eq!(stdout(&sub_status), "");
    // Named explicitly, a submodule's directory is checked like any other.
    let out = sb.run(&["--color", "never", "sub"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["sub/leak.go"]);
}

#[test]
fn apply_with_a_path_head_does_not_have_names_it() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("initial");
    sb.write("new/uncommitted.go", LEAKY);
    let before = repo_state(&sb, &sb.root);
    for path in ["nope/...", "new"] {
        let out = sb.run(&["--apply", "--branch", BRANCH, path]);
        assert_eq!(code(&out), 2, "{path}: {}", stderr(&out));
        let err = stderr(&out);
        let name = path.trim_end_matches("/...");
        assert!(
            err.contains(&format!("{name}: no such file or directory in HEAD")),
            "{err}"
        );
    }
    assert_eq!(repo_state(&sb, &sb.root), before);
}

/// Names git quotes (non-ASCII, `"`), and names with spaces, where git adds
/// a tab after the `---`/`+++` name.
const NAMES: [&str; 4] = [
    "my dir/main.go",
    "ü/é.go",
    "日本/ファイル.go",
    "q\"uote/a b.go",
];

#[test]
fn quoted_and_spaced_paths_diff_like_git_and_apply_and_write() {
    let sb = Sandbox::new();
    sb.init_repo();
    for n in NAMES {
        sb.write(n, LEAKY);
    }
    sb.commit_all("initial");

    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    let mut want: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(diff_files(&stdout(&dry)), want);

    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0);
    // The commit holds the right paths, byte for byte.
    let names = sb.git_output(&["diff", "--name-only", "-z", "HEAD", BRANCH], None);
    let mut committed: Vec<String> = String::from_utf8(names.stdout)
        .unwrap()
        .split('\0')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    committed.sort();
    assert_eq!(committed, want);
    for n in NAMES {
        assert_eq!(sb.git(&["show", &format!("{BRANCH}:{n}")]), fixed(), "{n}");
    }

    // Header lines are git's own, quoting and tabs included.
    let git_diff = sb.git(&["diff", "--no-color", "--no-ext-diff", "HEAD", BRANCH]);
    let headers = |d: &str| -> Vec<String> {
        d.split('\n')
            .filter(|l| {
                l.starts_with("diff --git ") || l.starts_with("--- ") || l.starts_with("+++ ")
            })
            .map(String::from)
            .collect()
    };
    assert_eq!(headers(&stdout(&dry)), headers(&git_diff));
    assert_eq!(hunks(&stdout(&dry)), hunks(&git_diff));

    let apply = sb.git_output(&["apply", "--check", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}", stderr(&apply));

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for n in NAMES {
        assert_eq!(sb.read(n), fixed(), "{n}");
    }
    assert!(sb.temp_leftovers(&sb.path("ü")).is_empty());
}

/// Symbolic links committed to HEAD are not followed by --apply, as the
/// work-tree walk does not follow them below a PATH; both say so, with
/// the same lines, instead of passing them over in silence.
#[test]
fn committed_symlinks_are_reported_as_skipped_by_apply_and_dry_run() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("pkg/main.go", LEAKY);
    sb.write("notes.txt", "text\n");
    symlink("main.go", sb.path("pkg/alias.go")).unwrap();
    symlink("pkg", sb.path("dirlink")).unwrap();
    symlink("notes.txt", sb.path("notes.link")).unwrap();
    sb.commit_all("initial");
    let before = repo_state(&sb, &sb.root);

    let dry = sb.run(&["--color", "never", "."]);
    let apply = sb.run(&["--color", "never", "--apply", "--branch", BRANCH, "."]);
    assert_eq!(code(&apply), 1, "{}", stderr(&apply));
    let skipped = |out: &std::process::Output| -> Vec<String> {
        stderr(out)
            .lines()
            .filter(|l| l.contains(": skipped: "))
            .map(|l| l.split(": skipped: ").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        skipped(&apply),
        ["dirlink", "pkg/alias.go"],
        "{}",
        stderr(&apply)
    );
    assert_eq!(skipped(&dry), skipped(&apply), "{}", stderr(&dry));
    assert!(stderr(&apply).contains("does not follow links"));
    // The real file is fixed on the branch; the link is still a link there.
    let tree = sb
        .git_output_in(&sb.root, &["ls-tree", "-r", BRANCH], None)
        .stdout;
    let tree = String::from_utf8(tree).unwrap();
    assert!(
        tree.lines()
            .any(|l| l.starts_with("120000") && l.ends_with("pkg/alias.go")),
        "{tree}"
    );
    let fixed_main = sb
        .git_output_in(&sb.root, &["show", &format!("{BRANCH}:pkg/main.go")], None)
        .stdout;
    assert_eq!(String::from_utf8(fixed_main).unwrap(), fixed());
    let (index, head, _, status) = before;
    let (index2, head2, _, status2) = repo_state(&sb, &sb.root);
    assert_eq!((index, head, status), (index2, head2, status2));
}
