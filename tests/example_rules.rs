//! The rules of `examples/rules/` that are written in the `[[where]]`
//! vocabulary alone (ticker-stop, tick-outside-main, cancel-deferred), run
//! through the real binary with `--rules FILE --only ID` on their own
//! `[[test]]` tables and on the extra look-alike programs under
//! `tests/example_rules/<id>/`. Every input must build; every fixed file
//! must match its expected output, pass the real `go vet` and `gofmt -l`,
//! get no fix on a second run, and (for a main package) print the same as
//! before the fix. These tests need the Go toolchain: they fail without it.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const RULES: &[&str] = &["ticker-stop", "tick-outside-main", "cancel-deferred"];

const GO_MOD: &str = "module example.com/t\n\ngo 1.22\n";

/// One Go file the rule is run on.
struct Case {
    name: String,
    source: String,
    /// None: the rule must not fire.
    expect: Option<Expect>,
    go_mod: Option<String>,
}

struct Expect {
    /// The file after `--write`; None: the fix is not compared.
    output: Option<String>,
    no_fix: bool,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rule_file(id: &str) -> PathBuf {
    root().join("examples/rules").join(format!("{id}.toml"))
}

fn go(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("the Go toolchain (`go`) is required by these tests and must be on PATH")
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// The rule's `[[test]]` tables.
fn table_cases(id: &str) -> Vec<Case> {
    let rules = gofix_leaks::rules::rule::load_path(&rule_file(id)).expect("the rule loads");
    let rule = rules.into_iter().next().unwrap();
    assert!(
        !rule.spec.tests.is_empty(),
        "{id}: the rule has no [[test]]"
    );
    rule.spec
        .tests
        .iter()
        .enumerate()
        .map(|(i, t)| Case {
            name: t.name.clone().unwrap_or_else(|| format!("test #{}", i + 1)),
            source: t
                .valid
                .clone()
                .or_else(|| t.invalid.clone())
                .expect("valid or invalid"),
            expect: t.invalid.as_ref().map(|_| Expect {
                output: t.output.clone(),
                no_fix: t.no_fix,
            }),
            go_mod: t.go_mod.clone(),
        })
        .collect()
}

/// The look-alikes under tests/example_rules/<id>/: `valid_*.go` must not
/// fire; `invalid_*.go` must, fixed as in `invalid_*.go.expected` (or with
/// no fix when there is no such file).
fn file_cases(id: &str) -> Vec<Case> {
    let dir = root().join("tests/example_rules").join(id);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let expected = p.with_extension("go.expected");
            let expect = name.starts_with("invalid_").then(|| Expect {
                output: std::fs::read_to_string(&expected).ok(),
                no_fix: !expected.exists(),
            });
            Case {
                name,
                source: std::fs::read_to_string(&p).unwrap(),
                expect,
                go_mod: None,
            }
        })
        .collect()
}

/// Findings of `id` on the module in `dir`, each with whether it has a fix.
fn findings(dir: &Path, id: &str, write: bool) -> Vec<(String, bool)> {
    let rules = rule_file(id);
    let mut cmd = Command::cargo_bin("gofix-leaks").unwrap();
    cmd.current_dir(dir)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args([
            "--format",
            "json",
            "--rules",
            rules.to_str().unwrap(),
            "--only",
            id,
        ]);
    if write {
        cmd.arg("--write");
    }
    let out = cmd.arg(".").output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{id}: JSON output ({e}): {}", text(&out)));
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let fixes = f["suggested_fixes"].as_array().map_or(0, Vec::len);
            (f["message"].as_str().unwrap_or("").to_string(), fixes > 0)
        })
        .collect()
}

/// Runs one case; returns what went wrong.
fn check(id: &str, case: &Case) -> Result<(), String> {
    let tmp = tempfile::Builder::new()
        .prefix("example-rules-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("go.mod"), case.go_mod.as_deref().unwrap_or(GO_MOD)).unwrap();
    let file = dir.join("main.go");
    std::fs::write(&file, &case.source).unwrap();
    let build = go(dir, &["build", "-o", "/dev/null", "."]);
    if !build.status.success() {
        return Err(format!("the input does not build:\n{}", text(&build)));
    }
    let found = findings(dir, id, false);
    let Some(expect) = &case.expect else {
        return match found.is_empty() {
            true => Ok(()),
            false => Err(format!("fired on a valid case: {found:?}")),
        };
    };
    if found.is_empty() {
        return Err("did not fire".into());
    }
    let fixed = found.iter().any(|(_, f)| *f);
    if expect.no_fix {
        return match fixed {
            false => Ok(()),
            true => Err(format!("a fix where none was expected: {found:?}")),
        };
    }
    if !fixed {
        return Err(format!("no fix: {found:?}"));
    }
    let main = case.source.starts_with("package main") || case.source.contains("\npackage main");
    let before = main.then(|| go(dir, &["run", "."]));
    findings(dir, id, true);
    let after_text = std::fs::read_to_string(&file).unwrap();
    if let Some(want) = &expect.output
        && &after_text != want
    {
        return Err(format!(
            "fixed file differs:\n--- got\n{after_text}\n--- want\n{want}"
        ));
    }
    let vet = go(dir, &["vet", "."]);
    if !vet.status.success() {
        return Err(format!("go vet fails on the fix:\n{}", text(&vet)));
    }
    let fmt = std::process::Command::new("gofmt")
        .arg("-l")
        .arg(".")
        .current_dir(dir)
        .output()
        .expect("gofmt is required by these tests");
    if !fmt.stdout.is_empty() {
        return Err(format!("gofmt -l lists {}", text(&fmt)));
    }
    let again = findings(dir, id, false);
    if again.iter().any(|(_, f)| *f) {
        return Err(format!("a second run proposes more: {again:?}"));
    }
    if let Some(before) = before {
        let after = go(dir, &["run", "."]);
        if !after.status.success() || text(&before) != text(&after) {
            return Err(format!(
                "the fixed program prints something else:\n--- before\n{}\n--- after\n{}",
                text(&before),
                text(&after)
            ));
        }
    }
    Ok(())
}

fn run_rule(id: &str) {
    let version = go(&root(), &["version"]);
    assert!(
        version.status.success(),
        "`go version` fails: {}",
        text(&version)
    );
    let mut cases = table_cases(id);
    cases.extend(file_cases(id));
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| {
            check(id, c)
                .err()
                .map(|e| format!("{id} / {}: {e}", c.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn ticker_stop() {
    run_rule("ticker-stop");
}

#[test]
fn tick_outside_main() {
    run_rule("tick-outside-main");
}

#[test]
fn cancel_deferred() {
    run_rule("cancel-deferred");
}

/// Each rule has valid and invalid cases, and invalid ones with a checked
/// fix: a rule whose tables lost their cases would pass vacuously.
#[test]
fn every_rule_has_both_kinds_of_case() {
    for id in RULES {
        let mut cases = table_cases(id);
        cases.extend(file_cases(id));
        let valid = cases.iter().filter(|c| c.expect.is_none()).count();
        let fixed = cases
            .iter()
            .filter(|c| c.expect.as_ref().is_some_and(|e| e.output.is_some()))
            .count();
        assert!(
            valid >= 3 && fixed >= 2,
            "{id}: {valid} valid, {fixed} with fixes"
        );
    }
}

/// The vocabulary's load-time checks name the file and the key.
#[test]
fn vocabulary_errors_name_the_key() {
    let base = std::fs::read_to_string(rule_file("ticker-stop")).unwrap();
    let bad = [
        (
            "kind = \"loop\", stop_by",
            "kind = \"for_stmt\", stop_by",
            "`for_stmt` is not a tree-sitter-go node kind (did you mean `for_statement`?)",
        ),
        (
            "not = { escapes = \"@t\" }",
            "not = { escapes = \"@tt\" }",
            "no capture @tt (did you mean `@t`?)",
        ),
        (
            "not = { escapes = \"@t\" }",
            "not = { escape = \"@t\" }",
            "unknown condition `escape` (did you mean `escapes`?)",
        ),
        (
            "inside = { of = \"@decl\", kind = \"statement_list\", direct = true }",
            "inside = { of = \"@decl\", knd = \"statement_list\" }",
            "unknown key `knd` (did you mean `kind`?)",
        ),
    ];
    for (from, to, want) in bad {
        assert!(base.contains(from), "{from}");
        let text = base.replacen(from, to, 1);
        let err = gofix_leaks::rules::rule::parse_rule("x/ticker-stop.toml", &text)
            .err()
            .unwrap_or_else(|| panic!("{to}: loads"))
            .to_string();
        // file:line:col of the form, then which [[where]] it is.
        let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
        let col = text.lines().nth(line - 1).unwrap().find(" = ").unwrap() + 4;
        assert!(
            err.starts_with(&format!("x/ticker-stop.toml:{line}:{col}: [[where]] #"))
                && err.contains(want),
            "{to}: {err}"
        );
    }
}
