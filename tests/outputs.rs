//! Issue 15's outputs and conventions end to end, on real files: several
//! formats in one run (`--output FORMAT=PATH`), `--format jsonl` (streamed
//! per directory, the same for any thread count), one file from stdin
//! (`-` with `--stdin-filename`), the `--stats` summary, and the warnings
//! and exit status for PATHs that hold no Go file.

mod common;

use common::{LEAKY, POLL, Sandbox, code, fixed, stderr, stdout};
use serde_json::Value;
use std::path::PathBuf;

/// Asserts the exit status and a part of stderr.
fn exits_saying(out: &std::process::Output, status: i32, says: &str) {
    assert_eq!(code(out), status, "{}", stderr(out));
    assert!(stderr(out).contains(says), "{says}: {}", stderr(out));
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A tree of several packages, each with a leak, and one clean file.
fn tree() -> Sandbox {
    let sb = Sandbox::new();
    for dir in ["a", "b/c", "b", "z", "a-b"] {
        sb.write(&format!("{dir}/main.go"), LEAKY);
    }
    sb.write(
        "b/poll.go",
        &POLL.replace("func main() { _ = poll(nil) }\n", ""),
    );
    sb.write("clean/clean.go", &fixed());
    sb
}

#[test]
fn output_files_hold_each_format_beside_the_diff_on_stdout() {
    let sb = tree();
    let plain = sb.run(&["--color", "never"]);
    let out = sb.run(&[
        "--color",
        "never",
        "--output",
        "json=leaks.json",
        "--output",
        "sarif=leaks.sarif",
        "--output",
        "github=annotations.txt",
        "--output",
        "jsonl=leaks.jsonl",
        "--output",
        "text=fix.patch",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&plain), "stdout stays the diff");
    assert_eq!(stderr(&out), stderr(&plain));
    assert_eq!(sb.read("fix.patch"), stdout(&plain));
    for (format, file) in [
        ("json", "leaks.json"),
        ("sarif", "leaks.sarif"),
        ("github", "annotations.txt"),
        ("jsonl", "leaks.jsonl"),
    ] {
        let alone = sb.run(&["--format", format]);
        assert_eq!(sb.read(file), stdout(&alone), "{format}");
    }
    // The jsonl lines are the JSON report's findings.
    let report: Value = serde_json::from_str(&sb.read("leaks.json")).unwrap();
    let mut findings = report["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 6);
    let mut streamed = lines(&sb.read("leaks.jsonl"));
    findings.sort_by_key(|v| v.to_string());
    streamed.sort_by_key(|v| v.to_string());
    assert_eq!(streamed, findings);
    // No temporary file is left next to the outputs.
    assert_eq!(sb.temp_leftovers(&sb.root), Vec::<String>::new());
}

#[test]
fn an_output_that_cannot_be_written_is_exit_2_before_anything_is_written() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    let out = sb.run(&[
        "--write",
        "--output",
        "sarif=missing/dir/leaks.sarif",
        "--output",
        "jsonl=leaks.jsonl",
    ]);
    // Checked before the run changes anything: no source rewritten, no
    // other output written.
    exits_saying(&out, 2, "missing/dir/leaks.sarif");
    assert_eq!(sb.read("main.go"), LEAKY);
    assert!(!sb.path("leaks.jsonl").exists());
    assert!(!sb.path("missing").exists());
    assert_eq!(sb.temp_leftovers(&sb.root), Vec::<String>::new());
}

#[test]
fn an_output_file_is_replaced_whole_and_keeps_its_mode() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write("leaks.json", &"old ".repeat(10_000));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(sb.path("leaks.json"), PermissionsExt::from_mode(0o640)).unwrap();
    }
    let out = sb.run(&["--output", "json=leaks.json", "--output", "text=new.patch"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: Value = serde_json::from_str(&sb.read("leaks.json")).expect("whole JSON");
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |f: &str| std::fs::metadata(sb.path(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("leaks.json"), 0o640);
        assert_eq!(mode("new.patch"), 0o644);
    }
}

#[test]
fn bad_output_specs_are_exit_2() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    for (spec, says) in [
        ("json=-", "stdout is for --format"),
        ("yaml=x.yaml", "unknown format"),
        ("json", "expected FORMAT=PATH"),
        ("json=", "no PATH"),
    ] {
        let out = sb.run(&["--output", spec]);
        assert_eq!(code(&out), 2, "{spec}");
        assert!(stderr(&out).contains(says), "{spec}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{spec}");
    }
}

#[test]
fn output_paths_lists_every_output_for_preflight_checks() {
    use clap::Parser;
    let args = gofix_leaks::cli::args::Args::try_parse_from([
        "gofix-leaks",
        "--output",
        "json=out/a.json",
        "--apply",
        "--output",
        "sarif=b.sarif",
    ])
    .unwrap();
    assert_eq!(
        gofix_leaks::cli::output::output_paths(&args),
        [PathBuf::from("out/a.json"), PathBuf::from("b.sarif")]
    );
}

#[test]
fn jsonl_is_one_finding_per_line_in_directory_order_for_any_thread_count() {
    let sb = tree();
    let one = sb.run(&["--format", "jsonl", "--threads", "1"]);
    assert_eq!(code(&one), 1, "{}", stderr(&one));
    assert_eq!(stderr(&one), "", "findings are not repeated on stderr");
    for n in ["2", "8"] {
        let many = sb.run(&["--format", "jsonl", "--threads", n]);
        assert_eq!(stdout(&many), stdout(&one), "--threads {n}");
    }
    let got = lines(&stdout(&one));
    let files: Vec<&str> = got.iter().map(|f| f["file"].as_str().unwrap()).collect();
    // Directories in path order (a, a/.., a-b, b, b/c, z), each sorted.
    assert_eq!(
        files,
        [
            "a/main.go",
            "a-b/main.go",
            "b/main.go",
            "b/poll.go",
            "b/c/main.go",
            "z/main.go"
        ]
    );
    // Each line is a finding of the JSON report, with the same fields.
    let json: Value = serde_json::from_slice(&sb.run(&["--format", "json"]).stdout).unwrap();
    let mut report: Vec<Value> = json["findings"].as_array().unwrap().clone();
    let mut streamed = got.clone();
    let key = |v: &Value| v.to_string();
    report.sort_by_key(key);
    streamed.sort_by_key(key);
    assert_eq!(streamed, report);
    assert_eq!(got[0]["kind"], "leak");
    assert!(got[0]["suggested_fixes"][0]["edits"].is_array());
}

#[test]
fn jsonl_reports_problems_on_stderr_and_stats_last() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write(
        "broken/bad.go",
        "package broken\n\nimport \"time\"\n\nfunc f() {\n\tch := make(chan int)\n\tgo func() { ch <- 1 }()\n\tselect {\n\tcase <-ch:\n\tcase <-time.After(1 +):\n\t}\n}\n",
    );
    sb.write("clean.go", "package main\n\nvar x = 1\n");
    let out = sb.run(&["--format", "jsonl", "--stats"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let got = lines(&stdout(&out));
    assert_eq!(got.len(), 2, "{}", stdout(&out));
    assert_eq!(got[0]["rule"], "single-result-buffer");
    let stats = &got[1]["stats"];
    assert_eq!(stats["files_seen"], 3);
    assert_eq!(stats["findings"]["leak"], 1);
    assert_eq!(stats["fixes"], 1);
    assert!(stats["wall_ms"].is_u64());
    assert_eq!(stats["skipped"], 1);
    assert_eq!(
        stderr(&out),
        "broken/bad.go:10:23: skipped: syntax error (or Go syntax tree-sitter-go does not know); `f` left unchanged\n"
    );
}

#[test]
fn check_dirs_hands_on_each_directory_as_it_is_done_in_path_order() {
    use gofix_leaks::cli::stream::check_dirs;
    use gofix_leaks::engine::matching::Engine;
    let sb = tree();
    let files = gofix_leaks::files::walk::discover(&[sb.root.display().to_string()]).unwrap();
    let displays: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    let rules = gofix_leaks::rules::rule::builtin().expect("built-in rules");
    let engine = Engine::new(rules);
    for threads in [1, 4] {
        let mut calls: Vec<Vec<PathBuf>> = Vec::new();
        let mut sink = |dir: Vec<gofix_leaks::engine::merge::Checked>| {
            calls.push(dir.into_iter().map(|c| c.path).collect())
        };
        check_dirs(
            &engine,
            &gofix_leaks::files::source::WorkTree,
            files.clone(),
            displays.clone(),
            Some(threads),
            None,
            &mut sink,
        )
        .unwrap();
        let dirs: Vec<PathBuf> = calls
            .iter()
            .map(|c| {
                c[0].parent()
                    .unwrap()
                    .strip_prefix(&sb.root)
                    .unwrap()
                    .to_path_buf()
            })
            .collect();
        let want: Vec<PathBuf> = ["a", "a-b", "b", "b/c", "clean", "z"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(dirs, want, "one call per directory, --threads {threads}");
        assert_eq!(calls[2].len(), 2, "b's two files together");
    }
}

/// A package whose goroutine sends in a function of a sibling file: found
/// only when the sibling is read from disk.
const GET_WITH_SIBLING: &str = "package main

import (
	\"errors\"
	\"time\"
)

func get() (int, error) {
	ch := make(chan int)
	go send(ch)
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Millisecond):
		return 0, errors.New(\"timeout\")
	}
}

func main() { _, _ = get() }
";

#[test]
fn stdin_is_checked_as_the_named_file_with_its_package_from_disk() {
    let sb = Sandbox::new();
    sb.write(
        "pkg/send.go",
        "package main\n\nfunc send(ch chan int) { ch <- 42 }\n",
    );
    // On disk the file is already fixed: the editor's buffer is not.
    let on_disk = GET_WITH_SIBLING.replace("make(chan int)", "make(chan int, 1)");
    sb.write("pkg/main.go", &on_disk);
    let out = sb
        .cmd()
        .args(["--color", "never", "--stdin-filename", "pkg/main.go", "-"])
        .write_stdin(GET_WITH_SIBLING)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.contains("--- a/pkg/main.go\n+++ b/pkg/main.go\n"),
        "{diff}"
    );
    assert!(
        diff.contains("-\tch := make(chan int)\n+\tch := make(chan int, 1)\n"),
        "{diff}"
    );
    assert!(
        stderr(&out).contains("pkg/main.go:9:8: single-result-buffer"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.read("pkg/main.go"), on_disk, "nothing written");
    // A buffer not saved yet: the file need not exist.
    let out = sb
        .cmd()
        .args(["--format", "json", "--stdin-filename", "./pkg/new.go", "-"])
        .write_stdin(GET_WITH_SIBLING)
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let files: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["pkg/new.go"], "{}", stderr(&out));
    // Without the sibling there is no fix: the package came from disk.
    std::fs::remove_file(sb.path("pkg/send.go")).unwrap();
    let out = sb
        .cmd()
        .args(["--stdin-filename", "pkg/main.go", "-"])
        .write_stdin(GET_WITH_SIBLING)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).contains("`send` is not a function declared in this package"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn stdin_misuse_is_exit_2_with_a_clear_message() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.init_repo();
    sb.commit_all("init");
    for (args, says) in [
        (
            &["--write", "--stdin-filename", "main.go", "-"][..],
            "--write cannot be used with `-`",
        ),
        (
            &["--apply", "--stdin-filename", "main.go", "-"][..],
            "--apply cannot be used with `-`",
        ),
        (&["-"][..], "give its path with --stdin-filename"),
        (
            &["--stdin-filename", "main.go"][..],
            "--stdin-filename needs `-`",
        ),
        (
            &["--stdin-filename", "main.go", "-", "main.go"][..],
            "must be the only PATH",
        ),
    ] {
        let out = sb.cmd().args(args).write_stdin(LEAKY).output().unwrap();
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    assert_eq!(sb.read("main.go"), LEAKY);
    assert_eq!(sb.git(&["branch", "--list"]).lines().count(), 1);
}

#[test]
fn stats_summarise_the_run_only_when_asked() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write(
        "poll.go",
        &POLL.replace("func main() { _ = poll(nil) }\n", ""),
    );
    sb.write("clean.go", "package main\n\nvar x = 1\n");
    // Go 1.23 timers: time.After in a loop is an allocation, not a leak.
    sb.write("go.mod", "module m\n\ngo 1.23\n");
    sb.write("gen.go", "// Code generated by hand. DO NOT EDIT.\n\npackage main\n\nfunc g() { ch := make(chan int); go func() { ch <- 1 }() }\n");
    let json = |args: &[&str]| -> Value {
        let out = sb.run(&[&["--format", "json"], args].concat());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert!(
        json(&[]).get("stats").is_none(),
        "JSON unchanged without --stats"
    );
    let v = json(&["--stats"]);
    let s = &v["stats"];
    assert_eq!(s["files_seen"], 4);
    assert_eq!(s["files_parsed"], 2, "{s}");
    assert_eq!(s["files_not_parsed"], 2, "{s}");
    assert_eq!(s["files_unreadable"], 0);
    assert_eq!(s["findings"]["leak"], 1);
    assert_eq!(s["findings"]["allocation"], 1);
    assert_eq!(s["fixes"], 2);
    assert_eq!(s["suppressed"], 0);
    let plain = sb.run(&["--color", "never"]);
    assert!(!stderr(&plain).contains("stats:"), "{}", stderr(&plain));
    let out = sb.run(&["--color", "never", "--stats"]);
    assert_eq!(stdout(&out), stdout(&plain));
    let last = stderr(&out).lines().last().unwrap().to_string();
    assert!(
        last.starts_with(
            "stats: 4 file(s) seen, 2 parsed, 2 not parsed, 0 unreadable; 0 region(s) skipped; 2 finding(s) (1 allocation, 1 leak), 2 with a fix, 0 suppressed; "
        ) && last.ends_with(" s"),
        "{last}"
    );
}

#[test]
fn a_path_that_is_not_go_is_a_warning_naming_it() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write("notes.txt", "not go\n");
    let out = sb.run(&["--color", "never", "notes.txt", "main.go"]);
    exits_saying(
        &out,
        1,
        "warning: notes.txt: not a Go file (no .go extension); not checked",
    );
    assert!(stdout(&out).contains("+++ b/main.go"));
    #[cfg(unix)]
    {
        let fifo = sb.path("pipe.go");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let out = sb.run(&["pipe.go", "main.go"]);
        exits_saying(
            &out,
            1,
            "warning: pipe.go: not a regular file or a directory",
        );
    }
}

#[test]
fn a_run_that_checks_no_go_file_says_so() {
    let sb = Sandbox::new();
    sb.write("notes.txt", "not go\n");
    sb.write("empty/README", "nothing\n");
    // Named PATHs without a Go file: an error.
    for path in ["notes.txt", "empty", "empty/..."] {
        let out = sb.run(&["--format", "json", path]);
        exits_saying(&out, 2, "no Go file to check in");
    }
    // The default `.`: a warning, and a clean run.
    let out = sb.run(&[]);
    exits_saying(&out, 0, "warning: no Go file checked: none found in .");
    // A bare repository: no work tree, no Go file, and it says so.
    let bare = sb.path("bare.git");
    sb.git(&["init", "-q", "--bare", bare.to_str().unwrap()]);
    let out = sb.cmd_in(&bare).output().unwrap();
    exits_saying(&out, 0, "no Go file checked");
    // Files the configuration excludes (a pre-commit hook passing them):
    // said, but not an error.
    sb.write("gen/x_mock.go", LEAKY);
    sb.write(".gofix-leaks.toml", "exclude = [\"*_mock.go\"]\n");
    let out = sb.run(&["gen/x_mock.go"]);
    exits_saying(&out, 0, "`exclude` matches every Go file");
}

#[test]
fn apply_on_a_path_without_go_files_is_exit_2_and_makes_no_branch() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write("docs/notes.txt", "x\n");
    sb.init_repo();
    sb.commit_all("init");
    let out = sb.run(&["--apply", "docs"]);
    exits_saying(&out, 2, "no Go file to check in docs");
    assert_eq!(sb.git(&["branch", "--list"]).lines().count(), 1);
}
