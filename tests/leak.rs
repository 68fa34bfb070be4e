//! Leak tests with the real Go toolchain: each program under
//! `tests/leak/<rule>/<name>/` runs a leaky call many times and prints
//! `baseline: N`, other output, then `goroutines: N` last. Before the fix the
//! count must be far above the baseline; after `gofix-leaks --write` the
//! file must be gofmt-clean and vet-clean, the count back near the baseline,
//! and every other line of output unchanged.

mod gotool;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

struct Run {
    baseline: i64,
    goroutines: i64,
    other: Vec<String>,
}

fn run_program(dir: &Path) -> Run {
    let out = gotool::go(dir, &["run", "."]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "go run failed in {}:\n{}{}",
        dir.display(),
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let mut run = Run {
        baseline: -1,
        goroutines: -1,
        other: vec![],
    };
    for line in stdout.lines() {
        if let Some(n) = line.strip_prefix("baseline: ") {
            run.baseline = n.trim().parse().unwrap();
        } else if let Some(n) = line.strip_prefix("goroutines: ") {
            run.goroutines = n.trim().parse().unwrap();
        } else {
            run.other.push(line.to_string());
        }
    }
    assert!(
        run.baseline >= 0 && run.goroutines >= 0,
        "program did not print baseline/goroutines:\n{stdout}"
    );
    run
}

fn programs() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/leak");
    let mut out = Vec::new();
    for rule in fs::read_dir(&root).unwrap().flatten() {
        for prog in fs::read_dir(rule.path()).unwrap().flatten() {
            if prog.path().join("main.go").exists() {
                out.push((rule.file_name().to_string_lossy().into_owned(), prog.path()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn fixes_stop_the_leaks() {
    if !gotool::available("fixes_stop_the_leaks") {
        return;
    }
    let programs = programs();
    assert!(!programs.is_empty());
    for (rule, prog) in programs {
        let name = format!("{rule}/{}", prog.file_name().unwrap().to_string_lossy());
        let tmp = tempfile::tempdir().unwrap();
        for f in fs::read_dir(&prog).unwrap().flatten() {
            fs::copy(f.path(), tmp.path().join(f.file_name())).unwrap();
        }
        gotool::ensure_module(tmp.path(), "1.22");
        let before = run_program(tmp.path());
        assert!(
            before.goroutines - before.baseline >= 100,
            "{name}: expected a leak before the fix, got baseline {} and {} goroutines",
            before.baseline,
            before.goroutines
        );
        let out = Command::cargo_bin("gofix-leaks")
            .unwrap()
            .current_dir(tmp.path())
            .args(["--write", "--only", &rule, "."])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: gofix-leaks --write:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let source = fs::read_to_string(tmp.path().join("main.go")).unwrap();
        assert_ne!(
            source,
            fs::read_to_string(prog.join("main.go")).unwrap(),
            "{name}: nothing was fixed"
        );
        assert_eq!(
            gotool::gofmt_l(tmp.path()).trim(),
            "",
            "{name}: not gofmt-clean after the fix"
        );
        gotool::vet(tmp.path()).unwrap_or_else(|e| panic!("{name}: go vet after the fix:\n{e}"));
        let after = run_program(tmp.path());
        assert!(
            after.goroutines - after.baseline <= 5,
            "{name}: still leaking after the fix: baseline {} and {} goroutines\n{source}",
            after.baseline,
            after.goroutines
        );
        assert_eq!(
            before.other, after.other,
            "{name}: the program's other output changed"
        );
    }
}
