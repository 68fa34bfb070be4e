//! The edit vocabulary every rule builds on, exercised end to end through a
//! user rule file: insert before/after, wrap, ensure_import, fresh names,
//! indentation of multi-line templates, and the merge that drops an
//! overlapping fix. Outputs are checked with the real gofmt and go vet.

mod gotool;

use assert_cmd::Command;
use std::fs;

const GUARD_RULE: &str = r#"
id = "guard-send"
summary = "toy: guard a send with a fresh context"
explanation = "test rule"
query = """
(send_statement) @send
"""
at = "@send"
message = "send on {{send}}"

[[edit]]
insert_before = "@send"
text = """
{{fresh:ctx}}, {{fresh:cancel}} := context.WithCancel(context.Background())
defer {{fresh:cancel}}()"""

[[edit]]
wrap = "@send"
before = """
select {
case """
after = """
:
case <-{{fresh:ctx}}.Done():
}"""

[[edit]]
ensure_import = "context"
"#;

const LOG_RULE: &str = r#"
id = "log-after-go"
summary = "toy: a line after each go statement"
explanation = "test rule"
query = "(go_statement) @go"
at = "@go"
message = "go statement"

[[edit]]
insert_after = "@go"
text = "fmt.Println(\"started\")"

[[edit]]
ensure_import = "fmt"
"#;

const CLASH_RULE: &str = r#"
id = "clash"
summary = "toy: replaces the same send as guard-send"
explanation = "test rule"
query = "(send_statement) @send"
at = "@send"
message = "clash"

[[edit]]
replace = "@send"
with = "_ = 0"
"#;

const INPUT: &str = "package main

import \"time\"

func main() {
	ctx := 1
	_ = ctx
	ch := make(chan int, 1)
	go func() {
		time.Sleep(time.Millisecond)
	}()
	if true {
		ch <- 1
	}
	<-ch
}
";

const EXPECTED: &str = "package main

import (
	\"context\"
	\"fmt\"
	\"time\"
)

func main() {
	ctx := 1
	_ = ctx
	ch := make(chan int, 1)
	go func() {
		time.Sleep(time.Millisecond)
	}()
	fmt.Println(\"started\")
	if true {
		ctx2, cancel := context.WithCancel(context.Background())
		defer cancel()
		select {
		case ch <- 1:
		case <-ctx2.Done():
		}
	}
	<-ch
}
";

fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("gofix-leaks")
        .unwrap()
        .current_dir(dir)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(args)
        .output()
        .unwrap()
}

/// Writes the guard and log toy rules into `dir` and runs `--write` with
/// them on `target`, which must succeed.
fn write_with_toy_rules(dir: &std::path::Path, target: &str) {
    fs::write(dir.join("guard.toml"), GUARD_RULE).unwrap();
    fs::write(dir.join("log.toml"), LOG_RULE).unwrap();
    let out = run(
        dir,
        &[
            "--write",
            "--rules",
            "guard.toml",
            "--rules",
            "log.toml",
            "--only",
            "guard-send,log-after-go",
            target,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn vocabulary_composes_into_gofmt_clean_go() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/main.go"), INPUT).unwrap();
    write_with_toy_rules(dir, "src");
    assert_eq!(
        fs::read_to_string(dir.join("src/main.go")).unwrap(),
        EXPECTED
    );
    if gotool::available("vocabulary_composes_into_gofmt_clean_go") {
        let src = dir.join("src");
        gotool::ensure_module(&src, "1.22");
        assert_eq!(gotool::gofmt_l(&src).trim(), "");
        gotool::vet(&src).unwrap();
    }
}

#[test]
fn crlf_file_gets_crlf_inserted_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("main.go"), INPUT.replace('\n', "\r\n")).unwrap();
    write_with_toy_rules(dir, "main.go");
    assert_eq!(
        fs::read_to_string(dir.join("main.go")).unwrap(),
        EXPECTED.replace('\n', "\r\n")
    );
}

#[test]
fn overlapping_fix_is_dropped_reported_and_applied_by_a_second_run() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("guard.toml"), GUARD_RULE).unwrap();
    fs::write(dir.join("clash.toml"), CLASH_RULE).unwrap();
    fs::write(dir.join("main.go"), INPUT).unwrap();
    let args = [
        "--write",
        "--format",
        "json",
        "--rules",
        "guard.toml",
        "--rules",
        "clash.toml",
        "--only",
        "guard-send,clash",
        "main.go",
    ];
    let out = run(dir, &args);
    // One of the two fixes on the same send is left without a fix: exit 1.
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let dropped: Vec<_> = findings
        .iter()
        .filter(|f| f["suggested_fixes"].as_array().unwrap().is_empty())
        .collect();
    assert_eq!(dropped.len(), 1);
    assert!(
        dropped[0]["no_fix_reason"]
            .as_str()
            .unwrap()
            .contains("run again")
    );
    // The accepted fix is applied whole; the file still parses as Go.
    let after = fs::read_to_string(dir.join("main.go")).unwrap();
    assert_ne!(after, INPUT);
}

/// A rule whose fix takes two forms says which one it made: the first
/// `[[fix_message]]` whose `when`/`unless` holds is the fix's message.
const TWO_FORMS_RULE: &str = r#"
id = "two-forms"
summary = "toy: a buffered channel gets one message, an unbuffered one another"
explanation = "test rule"
query = """
(call_expression
  function: (identifier) @fn (#eq? @fn "make")
  arguments: (argument_list . (channel_type) @type . (_)? @cap)) @make
"""
at = "@make"
message = "make"

[[fix_message]]
when = "@cap"
text = "keep the buffer of {{cap}}"

[[fix_message]]
text = "unbuffered {{type}}"

[[edit]]
replace = "@make"
with = "{{fn}}({{type}})"
"#;

#[test]
fn fix_message_alternatives_follow_their_guards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("two.toml"), TWO_FORMS_RULE).unwrap();
    fs::write(
        dir.join("main.go"),
        "package main\n\nfunc main() {\n\ta := make(chan int, 4)\n\tb := make(chan string)\n\t_, _ = a, b\n}\n",
    )
    .unwrap();
    let out = run(
        dir,
        &[
            "--format",
            "json",
            "--rules",
            "two.toml",
            "--only",
            "two-forms",
            "main.go",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["suggested_fixes"][0]["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["keep the buffer of 4", "unbuffered chan string"],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A guard naming nothing the rule provides is a load error.
    fs::write(
        dir.join("two.toml"),
        TWO_FORMS_RULE.replace("when = \"@cap\"", "when = \"nothing\""),
    )
    .unwrap();
    let out = run(dir, &["--rules", "two.toml", "main.go"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fix_message #1") && err.contains("`nothing`"),
        "{err}"
    );
}
