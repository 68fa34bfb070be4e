//! What each finding is: `leak` or `allocation` (`time.After` in a loop on
//! Go >= 1.23 semantics), end to end on real modules whose go.mod selects
//! Go 1.22 or 1.23 timers: JSON's `kind`, SARIF's level, GitHub's command,
//! the text tag, `--list-rules`, the commit subject, PR title and body of
//! leak-only, allocation-only and mixed runs, `--only-leaks`, and rule files
//! that declare a kind (or a bad one).

mod common;

use common::{LEAKY, POLL, Sandbox, code, stderr, stdout};
use serde_json::Value;

fn go_mod(version: &str) -> String {
    format!("module example.com/m\n\ngo {version}\n")
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(out),
            stderr(out)
        )
    })
}

/// (rule, kind) of every finding of a JSON report.
fn kinds(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `old/` (go 1.22: the timer leaks), `new/` (go 1.23: an allocation) and
/// `chan/` (a goroutine leak), each its own module.
fn mixed() -> Sandbox {
    let sb = Sandbox::new();
    sb.write("old/go.mod", &go_mod("1.22"));
    sb.write("old/poll.go", POLL);
    sb.write("new/go.mod", &go_mod("1.23"));
    sb.write("new/poll.go", POLL);
    sb.write("new/b/poll.go", POLL);
    sb.write("chan/go.mod", &go_mod("1.23"));
    sb.write("chan/main.go", LEAKY);
    sb
}

#[test]
fn json_gives_each_finding_its_kind() {
    let sb = mixed();
    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let report = json(&out);
    let got = kinds(&report);
    let want = [
        ("single-result-buffer", "leak"),
        ("time-after-in-loop", "allocation"),
        ("time-after-in-loop", "allocation"),
        ("time-after-in-loop", "leak"),
    ];
    assert_eq!(
        got,
        want.map(|(r, k)| (r.to_string(), k.to_string())),
        "{report}"
    );
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "chan/main.go",
            "new/b/poll.go",
            "new/poll.go",
            "old/poll.go"
        ]
    );
    // The message agrees with the kind.
    for f in report["findings"].as_array().unwrap() {
        let says_not_a_leak = f["message"].as_str().unwrap().contains("not a leak");
        assert_eq!(says_not_a_leak, f["kind"] == "allocation", "{f}");
    }
}

#[test]
fn the_kind_follows_asynctimerchan_too() {
    let sb = Sandbox::new();
    sb.write(
        "go.mod",
        "module example.com/m\n\ngo 1.24\n\ngodebug asynctimerchan=1\n",
    );
    sb.write("poll.go", POLL);
    let report = json(&sb.run(&["--format", "json"]));
    assert_eq!(
        kinds(&report),
        [("time-after-in-loop".to_string(), "leak".to_string())]
    );
}

#[test]
fn sarif_level_is_warning_for_a_leak_and_note_for_an_allocation() {
    let sb = mixed();
    let out = sb.run(&["--format", "sarif"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let log = json(&out);
    let run = &log["runs"][0];
    let levels: Vec<(String, String, String)> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["level"].as_str().unwrap().to_string(),
                r["properties"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("chan/main.go", "warning", "leak"),
        ("new/b/poll.go", "note", "allocation"),
        ("new/poll.go", "note", "allocation"),
        ("old/poll.go", "warning", "leak"),
    ];
    assert_eq!(
        levels,
        want.map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    // A rule that can report a leak defaults to a warning, and says which
    // kinds it reports.
    for r in run["tool"]["driver"]["rules"].as_array().unwrap() {
        assert_eq!(r["defaultConfiguration"]["level"], "warning", "{r}");
        let kinds = &r["properties"]["kinds"];
        if r["id"] == "time-after-in-loop" {
            assert_eq!(kinds, &serde_json::json!(["leak", "allocation"]));
        } else {
            assert_eq!(kinds, &serde_json::json!(["leak"]), "{r}");
        }
    }
}

#[test]
fn github_annotates_a_leak_as_a_warning_and_an_allocation_as_a_notice() {
    let sb = mixed();
    let out = sb.run(&["--format", "github"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    let command = |file: &str| {
        text.lines()
            .find(|l| l.contains(&format!("file={file},")))
            .unwrap_or_else(|| panic!("no annotation for {file}: {text}"))
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(command("chan/main.go"), "::warning");
    assert_eq!(command("old/poll.go"), "::warning");
    assert_eq!(command("new/poll.go"), "::notice");
    assert_eq!(command("new/b/poll.go"), "::notice");
}

#[test]
fn text_output_tags_each_finding_with_its_kind() {
    let sb = mixed();
    let out = sb.run(&[]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("chan/main.go:14:8: single-result-buffer [leak]: `ch` carries one result"),
        "{err}"
    );
    assert!(
        err.contains("old/poll.go:11:10: time-after-in-loop [leak]: `time.After` in a loop"),
        "{err}"
    );
    assert!(
        err.contains("new/poll.go:11:10: time-after-in-loop [allocation]: `time.After` in a loop"),
        "{err}"
    );
    assert!(
        err.contains("4 finding(s) (2 leak, 2 allocation), 4 with a fix"),
        "{err}"
    );
}

#[test]
fn list_rules_shows_the_kinds_each_rule_can_report() {
    let sb = Sandbox::new();
    let out = sb.run(&["--list-rules"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let list = stdout(&out);
    let lines: Vec<&str> = list.lines().collect();
    let kinds_of = |id: &str| {
        let i = lines
            .iter()
            .position(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} not listed: {list}"));
        lines[i + 1].trim().to_string()
    };
    assert_eq!(kinds_of("time-after-in-loop"), "kinds: leak, allocation");
    for id in ["fan-in-ctx-guard", "single-result-buffer", "waitgroup-done"] {
        assert_eq!(kinds_of(id), "kinds: leak", "{id}");
    }
}

/// Commits the sandbox, runs `--apply` (with a PR body) and returns the
/// subject of the branch's commit, its whole message and the PR body.
fn apply(sb: &Sandbox, extra: &[&str]) -> (String, String, String) {
    sb.init_repo();
    sb.commit_all("initial");
    let body = sb.path("../body.md");
    let out = sb.run(
        &[
            &[
                "--apply",
                "--branch",
                "fix",
                "--pr-body",
                body.to_str().unwrap(),
            ][..],
            extra,
        ]
        .concat(),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let message = sb.git(&["log", "-1", "--format=%B", "fix"]);
    let subject = message.lines().next().unwrap().to_string();
    assert!(subject.len() < 72, "subject too long: {subject}");
    let body = std::fs::read_to_string(body).unwrap();
    assert!(
        body.starts_with(&format!("## {subject}\n")),
        "the PR title is the subject: {body}"
    );
    (subject, message, body)
}

#[test]
fn a_run_of_leaks_alone_says_goroutine_leaks() {
    let sb = Sandbox::new();
    sb.write("go.mod", &go_mod("1.22"));
    sb.write("a/poll.go", POLL);
    sb.write("b/main.go", LEAKY);
    let (subject, message, body) = apply(&sb, &[]);
    assert_eq!(subject, "gofix-leaks: fix 2 goroutine leaks in 2 files");
    assert!(!subject.contains("allocation"));
    assert!(
        message.contains("- time-after-in-loop: 1 goroutine leak\n"),
        "{message}"
    );
    assert!(
        message.contains("- single-result-buffer: 1 goroutine leak\n"),
        "{message}"
    );
    assert!(
        body.contains("| `time-after-in-loop` | leak | 1 | 1 |"),
        "{body}"
    );
    assert!(!body.contains("allocation"), "{body}");
}

#[test]
fn a_run_of_allocations_alone_never_says_leak_in_its_subject() {
    let sb = Sandbox::new();
    sb.write("go.mod", &go_mod("1.23"));
    for dir in ["a", "b", "c"] {
        sb.write(&format!("{dir}/poll.go"), POLL);
        sb.write(
            &format!("{dir}/poll2.go"),
            &POLL
                .replace("func poll(", "func poll2(")
                .replace("func main() { _ = poll(nil) }\n", ""),
        );
    }
    let (subject, message, body) = apply(&sb, &[]);
    assert_eq!(
        subject,
        "gofix-leaks: remove 6 per-pass timer allocations in 6 files"
    );
    let words = subject.strip_prefix("gofix-leaks: ").unwrap();
    assert!(!words.to_lowercase().contains("leak"), "{subject}");
    assert!(
        message.contains("- time-after-in-loop: 6 per-pass timer allocations\n"),
        "{message}"
    );
    assert!(
        body.contains("| `time-after-in-loop` | allocation | 6 | 6 |"),
        "{body}"
    );
    assert!(body.contains("kind `allocation` is not a leak"), "{body}");
    // Only the re-arm of Go 1.23: `Reset` alone.
    let fixed = sb.git(&["show", "fix:a/poll.go"]);
    assert!(fixed.contains("timer.Reset(time.Second)"), "{fixed}");
    assert!(!fixed.contains("if !timer.Stop()"), "{fixed}");
}

#[test]
fn a_mixed_run_counts_leaks_and_allocations_apart() {
    let sb = mixed();
    let (subject, message, body) = apply(&sb, &[]);
    assert_eq!(
        subject,
        "gofix-leaks: fix 2 goroutine leaks, remove 2 per-pass timer allocations"
    );
    assert!(
        message.contains("- time-after-in-loop: 1 goroutine leak, 2 per-pass timer allocations\n"),
        "{message}"
    );
    assert!(
        body.contains("| `time-after-in-loop` | leak (1), allocation (2) | 3 | 3 |"),
        "{body}"
    );
    assert!(
        body.contains("| `single-result-buffer` | leak | 1 | 1 |"),
        "{body}"
    );
    // The rule made both kinds: each fix says which it is.
    assert!(body.contains("- `old/poll.go:11:10` (leak): "), "{body}");
    assert!(
        body.contains("- `new/poll.go:11:10` (allocation): "),
        "{body}"
    );
}

#[test]
fn a_mixed_title_leaves_out_the_file_count_to_stay_short() {
    let sb = Sandbox::new();
    sb.write("old/go.mod", &go_mod("1.22"));
    sb.write("old/poll.go", POLL);
    sb.write("new/go.mod", &go_mod("1.23"));
    sb.write("new/poll.go", POLL);
    let (subject, ..) = apply(&sb, &[]);
    assert_eq!(
        subject,
        "gofix-leaks: fix 1 goroutine leak, remove 1 per-pass timer allocation"
    );
    assert!(!subject.contains("file"), "{subject}");
}

#[test]
fn only_leaks_drops_allocations_entirely() {
    let sb = mixed();
    let report = json(&sb.run(&["--format", "json", "--only-leaks"]));
    assert_eq!(
        kinds(&report),
        [
            ("single-result-buffer".to_string(), "leak".to_string()),
            ("time-after-in-loop".to_string(), "leak".to_string()),
        ]
    );
    assert_eq!(
        report["changed_files"],
        serde_json::json!(["chan/main.go", "old/poll.go"])
    );

    // Nothing of the allocations is written, and they do not count in the
    // exit status.
    let out = sb.run(&["--write", "--only-leaks"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("new/poll.go"), POLL);
    assert_eq!(sb.read("new/b/poll.go"), POLL);
    assert_ne!(sb.read("old/poll.go"), POLL);
    assert!(!stderr(&out).contains("allocation"), "{}", stderr(&out));
    // Only allocations are left: a dry run with --only-leaks is clean.
    let out = sb.run(&["--only-leaks"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(code(&sb.run(&[])), 1, "without the flag they are reported");
}

#[test]
fn only_leaks_on_apply_leaves_allocations_out_of_the_branch() {
    let sb = mixed();
    let (subject, _, body) = apply(&sb, &["--only-leaks"]);
    assert_eq!(subject, "gofix-leaks: fix 2 goroutine leaks in 2 files");
    assert!(!body.contains("allocation"), "{body}");
    let changed = sb.git(&["diff", "--name-only", "HEAD", "fix"]);
    assert_eq!(
        changed.lines().collect::<Vec<_>>(),
        ["chan/main.go", "old/poll.go"]
    );
}

const KIND_RULE: &str = r#"id = "chan-make"
summary = "s"
explanation = "e"
query = """
(call_expression
  function: (identifier) @f (#eq? @f "make")) @make
"""
at = "@make"
message = "m"
"#;

#[test]
fn a_rule_file_declares_its_kind() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write("alloc.toml", &format!("{KIND_RULE}kind = \"allocation\"\n"));
    sb.write("default.toml", KIND_RULE);
    let report = json(&sb.run(&[
        "--rules",
        "alloc.toml",
        "--only",
        "chan-make",
        "--format",
        "json",
    ]));
    assert_eq!(
        kinds(&report),
        [("chan-make".to_string(), "allocation".to_string())]
    );
    let report = json(&sb.run(&[
        "--rules",
        "default.toml",
        "--only",
        "chan-make",
        "--format",
        "json",
    ]));
    assert_eq!(
        kinds(&report),
        [("chan-make".to_string(), "leak".to_string())]
    );
    let out = sb.run(&[
        "--rules",
        "alloc.toml",
        "--only",
        "chan-make",
        "--list-rules",
    ]);
    assert!(
        stdout(&out).contains("    kinds: allocation\n"),
        "{}",
        stdout(&out)
    );
    // An allocation-only rule under --only-leaks finds nothing.
    let out = sb.run(&[
        "--rules",
        "alloc.toml",
        "--only",
        "chan-make",
        "--only-leaks",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn kind_alternatives_follow_their_guards() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    // `@nope` is a capture of the second pattern only: unset for the
    // `make` call, so the second alternative applies there, and set for the
    // `go` statement (which the second pattern also captures as `@make`,
    // the `at` every pattern must have).
    let rule = KIND_RULE.replace(
        "(#eq? @f \"make\")) @make\n",
        "(#eq? @f \"make\")) @make\n(go_statement) @nope @make\n",
    ) + "\n[[kind]]\nwhen = \"nope\"\nis = \"leak\"\n\n[[kind]]\nunless = \"nope\"\nis = \"allocation\"\n";
    sb.write("guarded.toml", &rule);
    let report = json(&sb.run(&[
        "--rules",
        "guarded.toml",
        "--only",
        "chan-make",
        "--format",
        "json",
    ]));
    assert_eq!(
        kinds(&report),
        [
            ("chan-make".to_string(), "allocation".to_string()),
            ("chan-make".to_string(), "leak".to_string())
        ],
        "{report}"
    );
    // Without an unguarded alternative, `leak` is what is left.
    let out = sb.run(&[
        "--rules",
        "guarded.toml",
        "--only",
        "chan-make",
        "--list-rules",
    ]);
    assert!(
        stdout(&out).contains("    kinds: leak, allocation\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn unknown_kinds_and_bad_kind_tables_do_not_load() {
    let sb = Sandbox::new();
    let cases: [(&str, &[&str]); 6] = [
        (
            "kind = \"leek\"\n",
            &[
                "bad.toml:10:8",
                "unknown kind `leek` (known: leak, allocation)",
            ],
        ),
        (
            "kind = 3\n",
            &["bad.toml:10:8", "kind: a string, not integer"],
        ),
        ("kind = []\n", &["kind: an empty list"]),
        (
            "[[kind]]\nis = \"slow\"\n",
            &["kind #1: `is`: unknown kind `slow`"],
        ),
        (
            "[[kind]]\nwhen = \"no_such\"\nis = \"leak\"\n",
            &[
                "kind #1",
                "`no_such`, which no capture, earlier predicate or option provides",
            ],
        ),
        (
            "[[kind]]\nkind = \"leak\"\n",
            &["kind #1: unknown key `kind` (expected is, when, unless)"],
        ),
    ];
    for (tail, wants) in cases {
        sb.write("bad.toml", &format!("{KIND_RULE}{tail}"));
        let out = sb.run(&["--rules", "bad.toml", "--list-rules"]);
        assert_eq!(code(&out), 2, "{tail}: {}", stdout(&out));
        let err = stderr(&out);
        for want in wants {
            assert!(err.contains(want), "{tail}: want {want:?} in {err}");
        }
    }
}
