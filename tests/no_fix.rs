//! What a finding says about its fix: the reason a finding has no fix
//! (a backward or forward `goto` around a loop, an `Add` that cannot be
//! written in the caller's terms), and a fix message that names the edits
//! the fix makes. The golden tests check the code; these check the words.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

fn fixture(rule: &str, case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rule)
        .join(case)
}

/// The findings of `rule` on `dir`'s `input.go`, or `main.go` (changing
/// nothing): (message, fix messages, no-fix reason).
fn findings(dir: &Path, rule: &str, extra: &[&str]) -> Vec<(String, Vec<String>, String)> {
    let out = Command::cargo_bin("gofix-leaks")
        .unwrap()
        .current_dir(dir)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--dry-run", "--format", "json", "--only", rule])
        .args(extra)
        .arg(if dir.join("input.go").exists() {
            "input.go"
        } else {
            "main.go"
        })
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["message"].as_str().unwrap_or_default().to_string(),
                f["suggested_fixes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["message"].as_str().unwrap().to_string())
                    .collect(),
                f["no_fix_reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A throwaway module holding `main.go`.
fn module(src: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("go.mod"),
        "module example.com/nofix\n\ngo 1.22\n",
    )
    .unwrap();
    fs::write(dir.path().join("main.go"), src).unwrap();
    dir
}

#[test]
fn goto_around_a_loop_or_select_says_why_there_is_no_timer_fix() {
    for (case, why) in [
        (
            "goto-label-outside-loop-block",
            "`goto again` on line 19 jumps back around the loop to `again` on line 12, outside the loop's block",
        ),
        (
            "goto-forward-over-loop",
            "`goto done` on line 13 jumps over the loop to `done` on line 23",
        ),
        (
            "labelled-select-break-and-goto",
            "the select's label `pick` is used by both `break pick` and `goto pick`",
        ),
    ] {
        let got = findings(
            &fixture("time-after-in-loop", case),
            "time-after-in-loop",
            &[],
        );
        assert_eq!(got.len(), 1, "{case}: {got:?}");
        let (_, fixes, reason) = &got[0];
        assert!(fixes.is_empty(), "{case}: {got:?}");
        assert!(reason.contains(why), "{case}: {reason}");
    }
}

/// An `X.Add(1)` inside the goroutine whose X is a parameter that cannot be
/// spelled before the `go` statement: a finding, no fix, and why.
#[test]
fn add_inside_that_cannot_move_says_why() {
    let cases = [
        (
            "the argument is a call",
            r#"package main

import "sync"

var groups = map[string]*sync.WaitGroup{"a": {}}

func group(name string) *sync.WaitGroup { return groups[name] }

func start(name string) {
	go func(wg *sync.WaitGroup) {
		wg.Add(1)
		defer wg.Done()
	}(group(name))
	group(name).Wait()
}

func main() { start("a") }
"#,
            "the goroutine's `wg` is the argument `group(name)`, which is not a plain variable or field",
        ),
        (
            "the parameter is a copy",
            r#"package main

import "sync"

func start(wg *sync.WaitGroup) {
	go func(wg sync.WaitGroup) {
		wg.Add(1)
		defer wg.Done()
	}(*wg)
	wg.Wait()
}

func main() { start(&sync.WaitGroup{}) }
"#,
            "`wg` is a parameter of the goroutine's function that is not a pointer",
        ),
    ];
    for (name, src, why) in cases {
        let dir = module(src);
        let got = findings(dir.path(), "waitgroup-done", &[]);
        assert_eq!(got.len(), 1, "{name}: {got:?}");
        let (message, fixes, reason) = &got[0];
        assert!(
            message.contains("`wg.Add(1)` runs inside the goroutine"),
            "{name}: {message}"
        );
        assert!(fixes.is_empty(), "{name}: {got:?}");
        assert!(reason.contains(why), "{name}: {reason}");
    }
}

/// A goroutine whose Done a defer cannot take over (more work follows it)
/// but that an early return surely leaves without Done: reported, no fix.
/// With a closer goroutine (`go func() { wg.Wait(); close(out) }()`) too.
#[test]
fn done_before_more_work_is_reported_without_a_fix() {
    for case in ["done-before-cleanup", "closer-send-after-done"] {
        let got = findings(&fixture("waitgroup-done", case), "waitgroup-done", &[]);
        assert_eq!(got.len(), 1, "{case}: {got:?}");
        let (message, fixes, reason) = &got[0];
        assert!(
            message.contains("can leave without calling `wg.Done()`"),
            "{message}"
        );
        assert!(fixes.is_empty());
        assert!(reason.contains("is followed by more work"), "{reason}");
    }
}

/// Each waitgroup-done fix message names what its fix does: a fix that
/// only moves the Add promises no `defer`, one that adds the defer says so.
#[test]
fn waitgroup_fix_messages_match_their_edits() {
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (
            "add-inside-goroutine",
            &["call `wg.Add(1)` before the `go` statement"],
            &[],
        ),
        (
            "early-return-skips-done",
            &["call `wg.Done()` on every path, with `defer`"],
            &[],
        ),
        (
            "add-inside-param-address",
            &[
                "call `timeoutWG.Add(1)` before the `go` statement",
                "call `wg.Done()` on every path, with `defer`, and `s.wg.Add(1)` before the `go` statement",
                "call `wg.Add(1)` before the `go` statement",
            ],
            &[],
        ),
        (
            "use-go-option-go-1-25",
            &["start the goroutine with `wg.Go`, which calls Done on every path"],
            &["--set", "waitgroup-done.use_go=true"],
        ),
        (
            "add-inside-chained-param",
            &["call `p.wg.Add(1)` before the `go` statement"],
            &[],
        ),
    ];
    for (case, want, extra) in cases {
        let got = findings(&fixture("waitgroup-done", case), "waitgroup-done", extra);
        let messages: Vec<&str> = got
            .iter()
            .flat_map(|(_, fixes, _)| fixes.iter().map(String::as_str))
            .collect();
        assert_eq!(messages, want, "{case}");
    }
}
