//! `gofix-leaks test` and the load-time checks of rule files: the built-in
//! pack's `[[test]]` tables pass; a wrong table is reported as FAIL, exit
//! status 1, with why; a rule that does not load is exit status 2 with
//! `file:line:col`; typed options reject values of the wrong type;
//! `[[message]]` alternatives and `no_fix` reach the findings.

mod common;

use common::{Sandbox, code, stderr, stdout};

/// A rule file: a header, then `rest`.
fn rule(rest: &str) -> String {
    format!("id = \"r\"\nsummary = \"s\"\nexplanation = \"e\"\n{rest}")
}

/// The body of a rule that buffers `make(chan T)`.
const BUFFER: &str = r#"require = ["make("]
query = """
(call_expression
  function: (identifier) @make_fn (#eq? @make_fn "make")
  arguments: (argument_list . (channel_type) @type)) @make
"""
at = "@make"
message = "unbuffered {{type}}"
fix_message = "buffer it"

[[where]]
predicate = "unbuffered-make"
args = ["@make"]

[[edit]]
replace = "@make"
with = "{{make_fn}}({{type}}, 1)"
"#;

const UNBUFFERED: &str = "package p\n\nvar c = make(chan int)\n";
const BUFFERED: &str = "package p\n\nvar c = make(chan int, 1)\n";

fn test_table(keys: &str) -> String {
    format!("\n[[test]]\n{keys}\n")
}

#[test]
fn the_builtin_pack_passes_its_tests() {
    let sb = Sandbox::new();
    let out = sb.run(&["test"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for id in [
        "fan-in-ctx-guard",
        "single-result-buffer",
        "time-after-in-loop",
        "waitgroup-done",
    ] {
        let n = text
            .lines()
            .filter(|l| l.starts_with(&format!("PASS {id} ")))
            .count();
        assert!(n >= 3, "{id}: {n} tests\n{text}");
    }
    assert!(!text.contains("FAIL"), "{text}");
    let last = text.lines().last().unwrap();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn a_passing_user_rule_file_and_directory() {
    let sb = Sandbox::new();
    let body = format!(
        "{BUFFER}{}{}",
        test_table(&format!(
            "name = \"fixes\"\ninvalid = '''\n{UNBUFFERED}'''\noutput = '''\n{BUFFERED}'''"
        )),
        test_table(&format!("name = \"buffered\"\nvalid = '''\n{BUFFERED}'''"))
    );
    sb.write("rules/r.toml", &rule(&body));
    for arg in ["rules/r.toml", "rules"] {
        let out = sb.run(&["test", arg]);
        assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
        assert_eq!(
            stdout(&out),
            "PASS r fixes\nPASS r buffered\n2 passed, 0 failed\n"
        );
    }
}

#[test]
fn wrong_tables_fail_with_why_and_exit_1() {
    let sb = Sandbox::new();
    let body = format!(
        "{BUFFER}{}{}{}{}",
        test_table(&format!(
            "name = \"wrong-output\"\ninvalid = '''\n{UNBUFFERED}'''\noutput = '''\n{}'''",
            BUFFERED.replace(", 1)", ", 2)")
        )),
        test_table(&format!("invalid = '''\n{BUFFERED}'''")),
        test_table(&format!("name = \"fires\"\nvalid = '''\n{UNBUFFERED}'''")),
        test_table(&format!(
            "name = \"has-fix\"\ninvalid = '''\n{UNBUFFERED}'''\nno_fix = true"
        )),
    );
    sb.write("r.toml", &rule(&body));
    let out = sb.run(&["test", "r.toml"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "FAIL r wrong-output: the fixed file is not `output`:\n--- expected\n+++ got\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("-var c = make(chan int, 2)\n+var c = make(chan int, 1)\n"),
        "{text}"
    );
    assert!(
        text.contains("FAIL r #2: expected a finding, got none\n"),
        "{text}"
    );
    assert!(text.contains("FAIL r fires: expected no finding, got 1: test.go:3:9: unbuffered chan int (fix: buffer it)\n"), "{text}");
    assert!(
        text.contains("FAIL r has-fix: expected no fix, got one:"),
        "{text}"
    );
    assert!(text.ends_with("0 passed, 4 failed\n"), "{text}");
}

#[test]
fn a_fix_that_changes_its_own_output_is_not_idempotent() {
    let sb = Sandbox::new();
    let body = format!(
        "query = \"(var_declaration) @v\"\nat = \"@v\"\nmessage = \"m\"\n\n[[edit]]\ninsert_before = \"@v\"\ntext = \"// note\"\n{}",
        test_table(&format!("name = \"grows\"\ninvalid = '''\n{UNBUFFERED}'''"))
    );
    sb.write("r.toml", &rule(&body));
    let out = sb.run(&["test", "r.toml"]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL r grows: the fix is not idempotent"),
        "{text}"
    );
    assert!(text.contains("+// note\n"), "{text}");
}

/// Loads `body` as a rule file; expects exit 2 and returns stderr.
fn load_error(body: &str) -> String {
    let sb = Sandbox::new();
    sb.write("r.toml", &rule(body));
    let out = sb.run(&["--rules", "r.toml", "--list-rules"]);
    assert_eq!(code(&out), 2, "loaded: {}", stdout(&out));
    let tested = sb.run(&["test", "r.toml"]);
    assert_eq!(code(&tested), 2, "test loaded it: {}", stdout(&tested));
    stderr(&out)
}

#[test]
fn a_test_table_that_says_two_things_does_not_load() {
    let e = load_error(&format!(
        "{BUFFER}{}",
        test_table(&format!(
            "valid = '''\n{BUFFERED}'''\ninvalid = '''\n{UNBUFFERED}'''"
        ))
    ));
    assert!(
        e.contains("r.toml:28:11: test #1: set one of `valid` and `invalid`, not both"),
        "{e}"
    );
    let e = load_error(&format!(
        "{BUFFER}{}",
        test_table(&format!("valid = '''\n{BUFFERED}'''\nno_fix = true"))
    ));
    assert!(e.contains("`output` and `no_fix` go with `invalid`"), "{e}");
}

#[test]
fn a_capture_one_pattern_lacks_does_not_load() {
    let two = "query = \"\"\"\n(select_statement) @s @a\n(go_statement) @g @a\n\"\"\"\nat = \"@a\"\nmessage = \"m\"\n\n[[where]]\npredicate = \"select-has-other-case\"\nargs = [\"@s\"]\n";
    let e = load_error(two);
    assert!(
        e.contains("r.toml:13:9: predicate `select-has-other-case`: argument `@s`: the pattern at r.toml:6:1 does not capture @s"),
        "{e}"
    );
    // Guarded by `when` on the capture: only the pattern that has it.
    let sb = Sandbox::new();
    sb.write("r.toml", &rule(&format!("{two}when = \"@s\"\n")));
    let out = sb.run(&["--rules", "r.toml", "--list-rules"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // A template and an edit target too.
    let e = load_error(
        "query = \"\"\"\n(select_statement) @s @a\n(go_statement) @g @a\n\"\"\"\nat = \"@a\"\nmessage = \"m {{g}}\"\n",
    );
    assert!(
        e.contains("message #1: `{{g}}`: the pattern at r.toml:5:1 does not capture @g"),
        "{e}"
    );
    let e = load_error(
        "query = \"\"\"\n(select_statement) @s @a\n(go_statement) @g @a\n\"\"\"\nat = \"@s\"\nmessage = \"m\"\n",
    );
    assert!(
        e.contains("r.toml:8:6: `at = \"@s\"`: the pattern at r.toml:6:1 does not capture @s"),
        "{e}"
    );
    let e = load_error(
        "query = \"\"\"\n(select_statement) @s @a\n(go_statement) @g @a\n\"\"\"\nat = \"@a\"\nmessage = \"m\"\n[[edit]]\ndelete = \"@g\"\n",
    );
    assert!(
        e.contains("edit #1: `delete = \"@g\"`: the pattern at r.toml:5:1 does not capture @g"),
        "{e}"
    );
}

#[test]
fn a_predicate_argument_of_the_wrong_kind_does_not_load() {
    let e = load_error(
        "query = \"(go_statement) @s\"\nat = \"@s\"\nmessage = \"m\"\n[[where]]\npredicate = \"select-has-other-case\"\nargs = [\"@s\"]\n",
    );
    assert!(
        e.contains("r.toml:9:9: predicate `select-has-other-case`: argument `@select`: @s is a `go_statement` in the pattern at r.toml:4:10, but the predicate takes select_statement"),
        "{e}"
    );
    let e = load_error(
        "query = \"(_) @s\"\nat = \"@s\"\nmessage = \"m\"\n[[where]]\npredicate = \"select-has-other-case\"\nargs = [\"@s\"]\n",
    );
    assert!(
        e.contains("does not say what node @s is (a wildcard)"),
        "{e}"
    );
}

#[test]
fn a_predicate_outside_its_pattern_does_not_load() {
    // Naming a capture of another pattern: tree-sitter ignores it too.
    let e = load_error(
        "query = \"\"\"\n(go_statement) @g @d\n(defer_statement (#eq? @g \\\"foo\\\")) @d\n\"\"\"\nat = \"@d\"\nmessage = \"m\"\n",
    );
    assert!(
        e.contains("r.toml:6:24: the predicate names @g, which its pattern does not capture"),
        "{e}"
    );
    let e =
        load_error("query = '(identifier) @x (#eq? @x \"foo\")'\nat = \"@x\"\nmessage = \"m\"\n");
    assert!(
        e.contains("r.toml:4:26: a query predicate outside every pattern's parentheses"),
        "{e}"
    );
}

#[test]
fn misspelt_names_get_a_suggestion() {
    let e = load_error("qurey = \"(go_statement) @g\"\nat = \"@g\"\nmessage = \"m\"\n");
    assert!(
        e.contains("r.toml:4:1: invalid rule: unknown field `qurey`")
            && e.contains("did you mean `query`?"),
        "{e}"
    );
    let e = load_error(
        "query = \"(go_statement) @go\"\nat = \"@go\"\nmessage = \"m\"\n[[where]]\npredicate = \"waitgroup-gorutine\"\nargs = [\"@go\", \"\"]\n",
    );
    assert!(
        e.contains("r.toml:8:13: unknown predicate `waitgroup-gorutine` (known: "),
        "{e}"
    );
    assert!(
        e.contains("async-timers); did you mean `waitgroup-goroutine`?"),
        "{e}"
    );
    let e = load_error("query = \"(go_statement) @go\"\nat = \"@goo\"\nmessage = \"m\"\n");
    assert!(
        e.contains("the query has no capture @goo; did you mean `go`?"),
        "{e}"
    );
    let e = load_error(
        "query = \"(go_statement) @go\"\nat = \"@go\"\nmessage = \"m\"\n[options]\nuse_go = false\n[[where]]\npredicate = \"waitgroup-goroutine\"\nargs = [\"@go\", \"option.use_og\"]\n",
    );
    assert!(
        e.contains("no option `use_og` in [options]; did you mean `use_go`?"),
        "{e}"
    );
}

#[test]
fn guards_that_leave_nothing_do_not_load() {
    let e = load_error(
        "query = \"(go_statement) @go\"\nat = \"@go\"\nmessage = \"m\"\n[[edit]]\ndelete = \"@go\"\nunless = \"@go\"\n",
    );
    assert!(e.contains("edit #1 never applies"), "{e}");
    let e = load_error(
        "query = \"(go_statement) @go\"\nat = \"@go\"\n[[message]]\nwhen = \"@go\"\ntext = \"m\"\n",
    );
    assert!(
        e.contains("the last `[[message]]` needs no `when`/`unless`"),
        "{e}"
    );
}

#[test]
fn typed_options_reject_values_of_another_type() {
    let sb = Sandbox::new();
    sb.write("a.go", UNBUFFERED);
    let out = sb.run(&["--set", "time-after-in-loop.leak_only=maybe", "a.go"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("rule `time-after-in-loop`, option `leak_only`: `maybe` is not a boolean (true or false); it takes true or false"),
        "{}",
        stderr(&out)
    );
    sb.write(
        ".gofix-leaks.toml",
        "[rules.time-after-in-loop]\nleak_only = \"maybe\"\n",
    );
    let out = sb.run(&["a.go"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains(".gofix-leaks.toml:2:1: [rules.time-after-in-loop] rule `time-after-in-loop`, option `leak_only`: `maybe` is not a boolean"), "{}", stderr(&out));
    // One of a set.
    sb.write(".gofix-leaks.toml", "");
    sb.write(
        "r.toml",
        &rule(&format!(
            "{BUFFER}\n[options]\nmode = {{ default = \"fast\", one_of = [\"fast\", \"safe\"] }}\n"
        )),
    );
    let ok = sb.run(&["--rules", "r.toml", "--set", "r.mode=safe", "--list-rules"]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(
        stdout(&ok).contains("option mode = safe"),
        "{}",
        stdout(&ok)
    );
    let bad = sb.run(&["--rules", "r.toml", "--set", "r.mode=saf", "--list-rules"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("`saf` is not one of fast, safe; did you mean `safe`?"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn message_alternatives_and_no_fix_reach_the_findings() {
    let sb = Sandbox::new();
    sb.write(
        "a.go",
        "package p\n\nfunc f() {\n\tgo g()\n\tdefer g()\n}\n\nfunc g() {}\n",
    );
    sb.write(
        "r.toml",
        &rule(concat!(
            "query = \"\"\"\n(go_statement) @go @stmt\n(defer_statement) @defer @stmt\n\"\"\"\n",
            "at = \"@stmt\"\n",
            "no_fix = \"`{{stmt}}` is only reported\"\n",
            "[[message]]\nwhen = \"@go\"\ntext = \"a go statement: {{go}}\"\n",
            "[[message]]\ntext = \"another statement\"\n",
        )),
    );
    let out = sb.run(&[
        "--rules", "r.toml", "--only", "r", "--format", "json", "a.go",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v}");
    assert_eq!(f[0]["message"], "a go statement: go g()");
    assert_eq!(f[0]["no_fix_reason"], "`go g()` is only reported");
    assert_eq!(f[1]["message"], "another statement");
    assert_eq!(f[1]["no_fix_reason"], "`defer g()` is only reported");
}

#[test]
fn a_require_literal_a_renamed_import_hides_is_a_warning() {
    let sb = Sandbox::new();
    sb.write("r.toml", &rule(concat!(
        "require = [\"time.After(\"]\n",
        "query = \"(call_expression function: (selector_expression operand: (identifier) @pkg)) @call\"\n",
        "at = \"@call\"\nmessage = \"m\"\n",
        "[[where]]\npredicate = \"imports\"\nargs = [\"@pkg\", \"time\"]\n",
    )));
    let out = sb.run(&["--rules", "r.toml", "--list-rules"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("r.toml:4:12: warning: `require` literal `time.After(` names package `time`"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("such as `After(`"),
        "{}",
        stderr(&out)
    );
}

/// A bare package name is in every importing file's import path, so it
/// hides nothing, unless the literals must sit inside one declaration.
#[test]
fn a_bare_package_name_warns_only_within_a_declaration() {
    let sb = Sandbox::new();
    for (within, warns) in [("", false), ("require_within = \"declaration\"\n", true)] {
        sb.write(
            "r.toml",
            &rule(&format!(
                "require = [\"time\"]\n{within}{}",
                concat!(
                    "query = \"(call_expression function: (selector_expression operand: (identifier) @pkg)) @call\"\n",
                    "at = \"@call\"\nmessage = \"m\"\n",
                    "[[where]]\nimports = { name = \"@pkg\", path = \"time\" }\n",
                )
            )),
        );
        let out = sb.run(&["--rules", "r.toml", "--list-rules"]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert_eq!(
            stderr(&out).contains("warning: `require` literal `time`"),
            warns,
            "{within}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_test_sets_options_of_their_type() {
    let sb = Sandbox::new();
    let body = BUFFER.replace(
        "{{make_fn}}({{type}}, 1)",
        "{{make_fn}}({{type}}, {{option.size}})",
    ) + "\n[options]\nsize = 1\n";
    let two = BUFFERED.replace(", 1)", ", 2)");
    let tests = format!(
        "{}{}",
        test_table(&format!(
            "name = \"default\"\ninvalid = '''\n{UNBUFFERED}'''\noutput = '''\n{BUFFERED}'''"
        )),
        test_table(&format!(
            "name = \"two\"\noptions = {{ size = 2 }}\ninvalid = '''\n{UNBUFFERED}'''\noutput = '''\n{two}'''"
        )),
    );
    sb.write("r.toml", &rule(&format!("{body}{tests}")));
    let out = sb.run(&["test", "r.toml"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        "PASS r default\nPASS r two\n2 passed, 0 failed\n"
    );
    // The option is reset to its default after each test: "two" first.
    let swapped = format!(
        "{}{}",
        test_table(&format!(
            "name = \"two\"\noptions = {{ size = 2 }}\ninvalid = '''\n{UNBUFFERED}'''\noutput = '''\n{two}'''"
        )),
        test_table(&format!(
            "name = \"default\"\ninvalid = '''\n{UNBUFFERED}'''\noutput = '''\n{BUFFERED}'''"
        )),
    );
    sb.write("r.toml", &rule(&format!("{body}{swapped}")));
    let out = sb.run(&["test", "r.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    // A value of another type does not load.
    let e = load_error(&format!(
        "{body}{}",
        test_table(&format!(
            "options = {{ size = \"big\" }}\ninvalid = '''\n{UNBUFFERED}'''"
        ))
    ));
    assert!(
        e.contains("test #1: option `size`: `big` is not an integer"),
        "{e}"
    );
}

/// Two patterns of one query can match the same `at` node; when the
/// first's conditions fail, the second still gets its turn (the node used
/// to be taken by the first match, held or not, and the finding lost).
#[test]
fn a_later_pattern_gets_the_node_when_an_earlier_one_fails() {
    let sb = Sandbox::new();
    let body = r#"query = """
(call_expression
  function: (identifier) @f (#eq? @f "make")
  arguments: (argument_list . (channel_type) @type)) @c

(call_expression
  function: (identifier) @g (#eq? @g "make")) @c
"""
at = "@c"
message = "a make call"
no_fix = "flag only"

# The second pattern's match completes first (at `make`, before the
# argument list) and fails here; the first pattern's must still count.
[[where]]
when = "@g"
inside = { of = "@c", kind = "function_declaration" }

[[test]]
name = "second pattern"
invalid = '''
package p

var c = make(chan int)
'''
no_fix = true
"#;
    sb.write("r.toml", &rule(body));
    let out = sb.run(&["test", "r.toml"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "PASS r second pattern\n1 passed, 0 failed\n");
}

/// A vocabulary form naming a capture that a pattern reaching it lacks is
/// a load error, as for a predicate's argument: under `not` it would hold
/// for that pattern's matches without a word.
#[test]
fn a_form_naming_a_capture_one_pattern_lacks_does_not_load() {
    let body = r#"query = """
(short_var_declaration left: (expression_list (identifier) @t)) @decl

(call_expression) @decl
"""
at = "@decl"
message = "m"

[[where]]
not = { calls = "@t.Stop" }
"#;
    let sb = Sandbox::new();
    sb.write("r.toml", &rule(body));
    let out = sb.run(&["--rules", "r.toml", "--list-rules"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("r.toml:13:7: [[where]] #1: `@t`: the pattern at r.toml:7:1")
            && stderr(&out).contains("does not capture @t"),
        "{}",
        stderr(&out)
    );
    // Guarded by the capture, the form only reaches the pattern that has it.
    sb.write(
        "r.toml",
        &rule(&body.replace("[[where]]\n", "[[where]]\nwhen = \"@t\"\n")),
    );
    let out = sb.run(&["--rules", "r.toml", "--list-rules"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}
