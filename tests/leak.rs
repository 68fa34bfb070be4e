//! Leak tests with the real Go toolchain: each program under
//! `tests/leak/<rule>/<name>/` runs a leaky call many times and prints either
//! `baseline: N` and `goroutines: N` (the metric is their difference) or
//! `leak-metric: N` (e.g. heap objects that piled up), plus other output.
//! Before the fix the metric must be at least `min_before`; after
//! `gofix-leaks --write` the file must be gofmt-clean and vet-clean, the
//! metric at most `max_after`, and every other line of output unchanged.
//! Thresholds come from the program's `leak.toml` (default 100 and 5), and
//! extra arguments (rule options) from `args`, one a line. The
//! module declares go 1.22, so pre-Go 1.23 timer semantics apply.

mod gotool;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

struct Run {
    metric: i64,
    other: Vec<String>,
}

struct Thresholds {
    min_before: i64,
    max_after: i64,
}

fn thresholds(prog: &Path) -> Thresholds {
    let mut t = Thresholds {
        min_before: 100,
        max_after: 5,
    };
    if let Ok(text) = fs::read_to_string(prog.join("leak.toml")) {
        for line in text.lines() {
            if let Some((k, v)) = line.split_once('=') {
                let v: i64 = v.trim().parse().expect("leak.toml: integer values");
                match k.trim() {
                    "min_before" => t.min_before = v,
                    "max_after" => t.max_after = v,
                    other => panic!("leak.toml: unknown key {other}"),
                }
            }
        }
    }
    t
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
    let (mut baseline, mut goroutines, mut metric) = (None, None, None);
    let mut other = vec![];
    for line in stdout.lines() {
        if let Some(n) = line.strip_prefix("baseline: ") {
            baseline = Some(n.trim().parse::<i64>().unwrap());
        } else if let Some(n) = line.strip_prefix("goroutines: ") {
            goroutines = Some(n.trim().parse::<i64>().unwrap());
        } else if let Some(n) = line.strip_prefix("leak-metric: ") {
            metric = Some(n.trim().parse::<i64>().unwrap());
        } else {
            other.push(line.to_string());
        }
    }
    let metric = match (metric, baseline, goroutines) {
        (Some(m), _, _) => m,
        (None, Some(b), Some(g)) => g - b,
        _ => panic!("program printed neither leak-metric nor baseline/goroutines:\n{stdout}"),
    };
    Run { metric, other }
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
            if f.file_name() != "leak.toml" && f.file_name() != "args" {
                fs::copy(f.path(), tmp.path().join(f.file_name())).unwrap();
            }
        }
        gotool::ensure_module(tmp.path(), "1.22");
        let limits = thresholds(&prog);
        let before = run_program(tmp.path());
        assert!(
            before.metric >= limits.min_before,
            "{name}: expected a leak before the fix: metric {} < {}",
            before.metric,
            limits.min_before
        );
        // Options a program needs, one argument a line in `args`.
        let extra = gotool::case_args(&prog);
        let out = Command::cargo_bin("gofix-leaks")
            .unwrap()
            .current_dir(tmp.path())
            .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
            .args(["--write", "--only", &rule])
            .args(&extra)
            .arg(".")
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
            after.metric <= limits.max_after,
            "{name}: still leaking after the fix: metric {} > {}\n{source}",
            after.metric,
            limits.max_after
        );
        assert_eq!(
            before.other, after.other,
            "{name}: the program's other output changed"
        );
    }
}

/// `go run` bounded by a timeout: (finished in time, exit success, stdout, stderr).
fn run_bounded(dir: &Path, secs: u64) -> (bool, bool, String, String) {
    use std::io::Read;
    let mut child = std::process::Command::new("go")
        .args(["run", "."])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("go runs");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (
        status.is_some(),
        status.is_some_and(|s| s.success()),
        out,
        err,
    )
}

/// Programs under `tests/hang/<rule>/<name>/` hang (or die with Go's
/// deadlock error) before the fix and finish after it.
#[test]
fn fixes_end_the_hangs() {
    if !gotool::available("fixes_end_the_hangs") {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hang");
    let mut seen = 0;
    for rule in fs::read_dir(&root).unwrap().flatten() {
        for prog in fs::read_dir(rule.path()).unwrap().flatten() {
            seen += 1;
            let rule = rule.file_name().to_string_lossy().into_owned();
            let name = format!("{rule}/{}", prog.file_name().to_string_lossy());
            let tmp = tempfile::tempdir().unwrap();
            fs::copy(prog.path().join("main.go"), tmp.path().join("main.go")).unwrap();
            gotool::ensure_module(tmp.path(), "1.22");
            let (finished, ok, _, err) = run_bounded(tmp.path(), 120);
            assert!(
                !finished || (!ok && err.contains("all goroutines are asleep")),
                "{name}: expected a hang or Go's deadlock error before the fix; stderr:\n{err}"
            );
            let out = Command::cargo_bin("gofix-leaks")
                .unwrap()
                .current_dir(tmp.path())
                .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
                .args(["--write", "--only", &rule, "."])
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(gotool::gofmt_l(tmp.path()).trim(), "");
            gotool::vet(tmp.path())
                .unwrap_or_else(|e| panic!("{name}: go vet after the fix:\n{e}"));
            let (finished, ok, stdout, err) = run_bounded(tmp.path(), 120);
            assert!(
                finished && ok,
                "{name}: still hangs or fails after the fix:\n{err}"
            );
            assert!(!stdout.is_empty(), "{name}: printed nothing");
        }
    }
    assert!(seen > 0);
}
