//! `//gofix-leaks:ignore` comments end to end: each placement, listed ids
//! against all rules, suppressed fixes never applied (dry run, --write,
//! --apply), the JSON `suppressed` and `ignore_problems` lists,
//! `--show-suppressed`, unknown rule ids and `--report-unused-ignores`.

mod common;

use common::{LEAKY, LEAKY_GET2, Sandbox, code, diff_files, fixed, stderr, stdout};
use serde_json::Value;

const MAKE: &str = "\tch := make(chan int)\n";

/// LEAKY with `line` put in front of its `make(chan int)` line.
fn with_line_before(line: &str) -> String {
    LEAKY.replacen(MAKE, &format!("\t{line}\n{MAKE}"), 1)
}

/// LEAKY with `comment` at the end of its `make(chan int)` line.
fn with_end_of_line(comment: &str) -> String {
    LEAKY.replacen(MAKE, &format!("\tch := make(chan int) {comment}\n"), 1)
}

/// LEAKY with a doc comment on `get`.
fn with_doc(doc: &str) -> String {
    LEAKY.replacen("func get()", &format!("{doc}func get()"), 1)
}

fn json(sb: &Sandbox, args: &[&str]) -> (i32, Value) {
    let out = sb.run(&[&["--format", "json"], args].concat());
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (code(&out), v)
}

/// Asserts the one finding of LEAKY is suppressed: no diff, exit 0.
fn assert_suppressed(src: &str) {
    assert_suppressed_by(src, "//gofix-leaks:ignore");
}

/// Asserts the one finding of LEAKY is suppressed by `comments`.
fn assert_suppressed_by(src: &str, comments: &str) {
    let sb = Sandbox::new();
    sb.write("main.go", src);
    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 0, "{src}\n{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no diff for a suppressed finding");
    assert!(
        stderr(&out).contains(&format!("1 finding(s) suppressed by {comments} comments")),
        "{}",
        stderr(&out)
    );
}

/// Asserts LEAKY's finding is still reported and fixed.
fn assert_not_suppressed(src: &str) {
    let sb = Sandbox::new();
    sb.write("main.go", src);
    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 1, "{src}\n{}", stderr(&out));
    assert!(
        stdout(&out).contains("+\tch := make(chan int, 1)"),
        "{}",
        stdout(&out)
    );
    assert!(!stderr(&out).contains("suppressed"), "{}", stderr(&out));
}

#[test]
fn ignore_on_the_line_before_suppresses() {
    assert_suppressed(&with_line_before("//gofix-leaks:ignore"));
    assert_suppressed(&with_line_before(
        "//gofix-leaks:ignore single-result-buffer the caller drains ch",
    ));
    // gofmt's spelling in doc comments is accepted everywhere.
    assert_suppressed(&with_line_before("// gofix-leaks:ignore"));
    // Other comment lines may sit between the directive and the line.
    assert_suppressed(&with_line_before(
        "//gofix-leaks:ignore single-result-buffer\n\t// why: measured",
    ));
}

#[test]
fn ignore_at_the_end_of_the_flagged_line_suppresses() {
    assert_suppressed(&with_end_of_line("//gofix-leaks:ignore"));
    assert_suppressed(&with_end_of_line(
        "//gofix-leaks:ignore single-result-buffer,waitgroup-done reason",
    ));
}

#[test]
fn ignore_in_a_function_doc_comment_covers_its_body() {
    assert_suppressed(&with_doc("//gofix-leaks:ignore\n"));
    assert_suppressed(&with_doc(
        "// get waits a millisecond.\n//\n// gofix-leaks:ignore single-result-buffer slow path is fine\n",
    ));
    // A method's doc comment too.
    let method = LEAKY
        .replacen(
            "func get()",
            "type S struct{}\n\n// gofix-leaks:ignore\nfunc (S) get()",
            1,
        )
        .replacen("_, _ = get()", "_, _ = S{}.get()", 1);
    assert_suppressed(&method);
}

#[test]
fn a_function_doc_comment_covers_only_that_function() {
    let sb = Sandbox::new();
    let src = with_doc("//gofix-leaks:ignore\n") + LEAKY_GET2;
    sb.write("main.go", &src);
    let (status, v) = json(&sb, &[]);
    assert_eq!(status, 1);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{v}");
    assert!(findings[0]["message"].as_str().unwrap().contains("`res`"));
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn all_rules_and_listed_ids() {
    assert_suppressed(&with_line_before(
        "//gofix-leaks:ignore all known and accepted",
    ));
    assert_suppressed(&with_line_before(
        "//gofix-leaks:ignore time-after-in-loop,single-result-buffer",
    ));
    // A directive for another rule does not cover this one.
    assert_not_suppressed(&with_line_before("//gofix-leaks:ignore time-after-in-loop"));
    assert_not_suppressed(&with_end_of_line("//gofix-leaks:ignore waitgroup-done"));
}

#[test]
fn directives_that_do_not_apply() {
    // A blank line breaks the link to the next line.
    assert_not_suppressed(&with_line_before("//gofix-leaks:ignore\n"));
    // Not the marker: a longer word, a block comment, text in a string.
    assert_not_suppressed(&with_line_before("//gofix-leaks:ignored"));
    assert_not_suppressed(&with_line_before("/* gofix-leaks:ignore */"));
    assert_not_suppressed(&with_line_before("_ = \"//gofix-leaks:ignore\""));
    // A comment two lines down from the flagged line.
    assert_not_suppressed(&LEAKY.replacen(
        "\tgo func() {\n",
        "\tgo func() { //gofix-leaks:ignore\n",
        1,
    ));
}

#[test]
fn a_suppressed_fix_is_never_applied() {
    // get is suppressed, get2 is fixed: in the diff, with --write, with --apply.
    let src = with_line_before("//gofix-leaks:ignore single-result-buffer") + LEAKY_GET2;
    let want = src.replacen("res := make(chan int)", "res := make(chan int, 1)", 1);
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", &src);
    sb.commit_all("initial");

    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1);
    assert!(stdout(&dry).contains("+\tres := make(chan int, 1)"));
    assert!(!stdout(&dry).contains("+\tch := make(chan int, 1)"));

    let out = sb.run(&["--apply", "--branch", "fix"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.git(&["show", "fix:main.go"]), want);
    let message = sb.git(&["log", "-1", "--format=%B", "fix"]);
    assert!(message.contains("1 goroutine leak"), "{message}");

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("main.go"), want);
}

#[test]
fn json_lists_suppressed_findings_with_the_directive_and_reason() {
    let sb = Sandbox::new();
    sb.write(
        "svc/main.go",
        &with_line_before("//gofix-leaks:ignore single-result-buffer the caller drains ch"),
    );
    let (status, v) = json(&sb, &[]);
    assert_eq!(status, 0, "{v}");
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["changed_files"].as_array().unwrap().len(), 0);
    assert_eq!(v["ignore_problems"].as_array().unwrap().len(), 0);
    let s = &v["suppressed"][0];
    assert_eq!(s["rule"], "single-result-buffer");
    assert_eq!(s["file"], "svc/main.go");
    assert_eq!(s["posn"], "svc/main.go:15:8");
    assert_eq!(s["directive"], "svc/main.go:14:2");
    assert_eq!(s["reason"], "the caller drains ch");
    assert!(s["message"].as_str().unwrap().contains("`ch`"));
}

#[test]
fn show_suppressed_lists_them_in_text_output() {
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &with_end_of_line("//gofix-leaks:ignore all measured"),
    );
    let quiet = sb.run(&[]);
    assert!(
        !stderr(&quiet).contains("[suppressed by"),
        "{}",
        stderr(&quiet)
    );
    assert!(stderr(&quiet).contains("--show-suppressed lists them"));
    let out = sb.run(&["--show-suppressed"]);
    assert_eq!(code(&out), 0);
    assert!(
        stderr(&out).contains("main.go:14:8: single-result-buffer: `ch` carries one result")
            && stderr(&out).contains("[suppressed by main.go:14:23: measured]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_rule_ids_are_reported_and_do_not_suppress() {
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &with_line_before("//gofix-leaks:ignore single-result-bufer typo"),
    );
    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains(
            "main.go:14:2: unknown-rule: `//gofix-leaks:ignore single-result-bufer typo` names no loaded rule: `single-result-bufer`"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(diff_files(&stdout(&out)), vec!["main.go".to_string()]);

    // On a clean file the unknown id alone makes the exit status 1, in
    // every mode.
    let sb = Sandbox::new();
    let clean = fixed().replacen(
        "func main()",
        "//gofix-leaks:ignore no-such-rule\nfunc main()",
        1,
    );
    sb.write("main.go", &clean);
    for mode in ["--dry-run", "--write"] {
        let (status, v) = json(&sb, &[mode]);
        assert_eq!(status, 1, "{mode}: {v}");
        let p = &v["ignore_problems"][0];
        assert_eq!(p["kind"], "unknown-rule");
        assert_eq!(p["posn"], "main.go:26:1");
        assert_eq!(p["line"], 26);
        assert_eq!(p["text"], "//gofix-leaks:ignore no-such-rule");
    }
    // A rule loaded from --rules is known.
    let rule = format!(
        "{}/examples/rules/signal-notify-buffer.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let clean = fixed().replacen(
        "func main()",
        "//gofix-leaks:ignore signal-notify-buffer\nfunc main()",
        1,
    );
    sb.write("main.go", &clean);
    assert_eq!(code(&sb.run(&["--rules", &rule])), 0);
    assert_eq!(code(&sb.run(&[])), 1);
}

#[test]
fn unused_ignores_are_reported_with_the_flag_and_exit_1() {
    let sb = Sandbox::new();
    let src = fixed().replacen(
        "\tch := make(chan int, 1)\n",
        "\t//gofix-leaks:ignore single-result-buffer stale\n\tch := make(chan int, 1)\n",
        1,
    );
    sb.write("main.go", &src);
    // Without the flag: nothing to report.
    let out = sb.run(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let out = sb.run(&["--report-unused-ignores"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        "main.go:14:2: unused-ignore: `//gofix-leaks:ignore single-result-buffer stale` suppresses nothing\n"
    );
    let (status, v) = json(&sb, &["--report-unused-ignores", "--write"]);
    assert_eq!(status, 1);
    assert_eq!(v["ignore_problems"][0]["kind"], "unused-ignore");
    assert_eq!(v["ignore_problems"][0]["posn"], "main.go:14:2");

    // A used one is not reported.
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &with_line_before("//gofix-leaks:ignore single-result-buffer"),
    );
    assert_eq!(code(&sb.run(&["--report-unused-ignores"])), 0);
}

#[test]
fn unused_is_judged_only_for_rules_that_ran_and_per_id() {
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &with_line_before("//gofix-leaks:ignore single-result-buffer,waitgroup-done"),
    );
    // waitgroup-done ran and suppressed nothing here.
    let out = sb.run(&["--report-unused-ignores"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("suppresses nothing for `waitgroup-done`"),
        "{}",
        stderr(&out)
    );
    // With only single-result-buffer running, waitgroup-done cannot be judged.
    let out = sb.run(&["--report-unused-ignores", "--only", "single-result-buffer"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    // An all-rules directive is judged only when every rule ran.
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &fixed().replacen("func main()", "//gofix-leaks:ignore\nfunc main()", 1),
    );
    assert_eq!(code(&sb.run(&["--report-unused-ignores"])), 1);
    let out = sb.run(&["--report-unused-ignores", "--skip", "waitgroup-done"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// Asserts LEAKY's finding is suppressed by a `//nolint` comment.
fn assert_nolint_suppressed(src: &str) {
    assert_suppressed_by(src, "//nolint");
}

#[test]
fn nolint_naming_the_tool_or_the_rule_suppresses() {
    for comment in [
        "//nolint:gofix-leaks",
        "//nolint:gofix-leaks/single-result-buffer",
        "//nolint:errcheck,gofix-leaks // the caller drains ch",
        "//nolint:errcheck, gofix-leaks/single-result-buffer",
        "//nolint",
        "//nolint:all",
        "// nolint:gofix-leaks",
    ] {
        assert_nolint_suppressed(&with_end_of_line(comment));
    }
    // On its own line at the statement's column: the statement below.
    assert_nolint_suppressed(&with_line_before("//nolint:gofix-leaks"));
    // Right above `func`: the whole function.
    assert_nolint_suppressed(&with_doc(
        "//nolint:gofix-leaks/single-result-buffer // legacy\n",
    ));
}

#[test]
fn nolint_for_other_linters_or_out_of_place_does_not_suppress() {
    for src in [
        with_end_of_line("//nolint:errcheck"),
        with_end_of_line("//nolint:gofix-leaks/waitgroup-done"),
        with_end_of_line("//nolint:gofix-leaksx"),
        // golangci-lint's placement: a blank line, or a comment line, in
        // between means the node below does not start on the next line.
        with_line_before("//nolint:gofix-leaks\n"),
        with_line_before("//nolint:gofix-leaks\n\t// why"),
        // A doc comment whose last line is not the directive.
        with_doc("//nolint:gofix-leaks\n// get gets.\n"),
    ] {
        assert_not_suppressed(&src);
    }
}

#[test]
fn nolint_mistakes_are_reported_like_ignore_comments() {
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &with_end_of_line("//nolint:gofix-leaks/single-result-bufer"),
    );
    let (status, v) = json(&sb, &[]);
    assert_eq!(status, 1);
    assert_eq!(v["ignore_problems"][0]["kind"], "unknown-rule");
    assert_eq!(
        v["ignore_problems"][0]["text"],
        "//nolint:gofix-leaks/single-result-bufer"
    );
    assert_eq!(v["findings"].as_array().unwrap().len(), 1, "not suppressed");

    // Unused: reported when it names this tool, not when it is a bare
    // `//nolint` (or `all`) meant for every linter.
    let src = |comment: &str| {
        fixed().replacen(
            "\tch := make(chan int, 1)\n",
            &format!("\tch := make(chan int, 1) {comment}\n"),
            1,
        )
    };
    let sb = Sandbox::new();
    sb.write("main.go", &src("//nolint:errcheck,gofix-leaks // stale"));
    let out = sb.run(&["--report-unused-ignores"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out),
        "main.go:14:26: unused-ignore: `//nolint:errcheck,gofix-leaks // stale` suppresses nothing\n"
    );
    for bare in ["//nolint", "//nolint:all // for every linter"] {
        sb.write("main.go", &src(bare));
        let out = sb.run(&["--report-unused-ignores"]);
        assert_eq!(code(&out), 0, "{bare}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{bare}");
    }
    // JSON records the suppression and its reason.
    let sb = Sandbox::new();
    sb.write(
        "main.go",
        &with_end_of_line("//nolint:gofix-leaks // measured"),
    );
    let (status, v) = json(&sb, &[]);
    assert_eq!(status, 0);
    assert_eq!(v["suppressed"][0]["reason"], "measured");
    assert_eq!(v["suppressed"][0]["directive"], "main.go:14:23");
}
