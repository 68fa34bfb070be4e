//! Golden tests: every `fixtures/<rule>/<case>/` is copied into a temp
//! module, fixed with `--write --only <rule>`, and compared with
//! `expected*.go` (or left byte-identical when there is none). Each case is
//! then run again to prove idempotence, and the result is checked with the
//! real `gofmt -l` and `go vet`; a changed case's program must print the
//! same output with `go run` before and after the fix.

mod gotool;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for rule in fs::read_dir(&root).unwrap().flatten() {
        if !rule.path().is_dir() {
            continue;
        }
        for case in fs::read_dir(rule.path()).unwrap().flatten() {
            if case.path().join("input.go").exists() {
                out.push((rule.file_name().to_string_lossy().into_owned(), case.path()));
            }
        }
    }
    out.sort();
    out
}

/// Input files of a case and the file each must become.
fn files(case: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for f in fs::read_dir(case).unwrap().flatten() {
        let name = f.file_name().to_string_lossy().into_owned();
        if name.starts_with("input") && name.ends_with(".go") {
            let expected = case.join(name.replacen("input", "expected", 1));
            let want = if expected.exists() {
                expected
            } else {
                f.path()
            };
            out.push((name, want));
        }
    }
    out.sort();
    out
}

fn run(dir: &Path, rule: &str, mode: &str, extra: &[String]) -> (i32, String) {
    let out = Command::cargo_bin("gofix-leaks")
        .unwrap()
        .current_dir(dir)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args([mode, "--color", "never", "--only", rule])
        .args(extra)
        .arg(".")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn golden_fixtures() {
    let have_go = gotool::available("golden_fixtures (gofmt/go vet part)");
    let cases = cases();
    assert!(
        cases.len() >= 12,
        "expected the fixture corpus, found {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for (rule, case) in &cases {
        let name = format!("{rule}/{}", case.file_name().unwrap().to_string_lossy());
        let tmp = tempfile::tempdir().unwrap();
        for f in fs::read_dir(case).unwrap().flatten() {
            let n = f.file_name().to_string_lossy().into_owned();
            if n.starts_with("expected") || n == "args" {
                continue;
            }
            fs::copy(f.path(), tmp.path().join(&n)).unwrap();
        }
        let extra = gotool::case_args(case);
        let (code, out) = run(tmp.path(), rule, "--write", &extra);
        if code == 2 {
            failures.push(format!("{name}: exit 2:\n{out}"));
            continue;
        }
        for (input, want) in files(case) {
            let got = fs::read_to_string(tmp.path().join(&input)).unwrap();
            let want_text = fs::read_to_string(&want).unwrap();
            if got != want_text {
                failures.push(format!(
                    "{name}/{input}: output differs from {}:\n--- got ---\n{got}",
                    want.display()
                ));
            }
        }
        // Idempotence: a second run proposes nothing.
        let (_, again) = run(tmp.path(), rule, "--dry-run", &extra);
        if again.contains("diff --git") {
            failures.push(format!(
                "{name}: second run proposes more changes:\n{again}"
            ));
        }
        if have_go {
            gotool::ensure_module(tmp.path(), "1.22");
            // Behaviour is kept: a changed case's program prints the same
            // before and after the fix.
            if files(case)
                .iter()
                .any(|(input, want)| !want.ends_with(input))
            {
                let orig = tempfile::tempdir().unwrap();
                for f in fs::read_dir(tmp.path()).unwrap().flatten() {
                    let n = f.file_name().to_string_lossy().into_owned();
                    let from = if n.starts_with("input") {
                        case.join(&n)
                    } else {
                        f.path()
                    };
                    fs::copy(from, orig.path().join(&n)).unwrap();
                }
                let before = gotool::go(orig.path(), &["run", "."]);
                let after = gotool::go(tmp.path(), &["run", "."]);
                if before.stdout != after.stdout || !after.status.success() {
                    failures.push(format!(
                        "{name}: output changed by the fix:\n--- before ---\n{}\n--- after ---\n{}{}",
                        String::from_utf8_lossy(&before.stdout),
                        String::from_utf8_lossy(&after.stdout),
                        String::from_utf8_lossy(&after.stderr)
                    ));
                }
            }
            let unformatted = gotool::gofmt_l(tmp.path());
            if !unformatted.trim().is_empty() {
                failures.push(format!("{name}: gofmt -l lists {unformatted}"));
            }
            if let Err(e) = gotool::vet(tmp.path()) {
                failures.push(format!("{name}: go vet fails:\n{e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn each_rule_has_changed_and_unchanged_cases() {
    let cases = cases();
    let mut rules: Vec<&str> = cases.iter().map(|(r, _)| r.as_str()).collect();
    rules.dedup();
    for rule in rules {
        let of_rule: Vec<_> = cases.iter().filter(|(r, _)| r == rule).collect();
        let unchanged = of_rule
            .iter()
            .filter(|(_, c)| !c.join("expected.go").exists())
            .count();
        assert!(
            of_rule.len() >= 12,
            "{rule}: {} cases, want at least 12",
            of_rule.len()
        );
        assert!(
            unchanged * 2 >= of_rule.len(),
            "{rule}: only {unchanged} of {} cases unchanged",
            of_rule.len()
        );
    }
}
