//! The Go toolchain's own door (integrations/analysis): the Go module's own
//! tests (analysistest with suggested fixes, the golangci-lint plugin) run
//! against this build of gofix-leaks, and gofix-leaks-vet runs for real
//! under `go vet -vettool` and `go fix -fixtool` over a module with a leak.
//! CI fails, not skips, without `go`.

#[allow(dead_code)]
mod gotool;

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_gofix-leaks");

fn analysis_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("integrations/analysis")
}

/// `go ARGS` in `dir` with the gofix-leaks binary `gofix_leaks`. The
/// module's go.sum must already hold every dependency (-mod=readonly).
fn go(dir: &Path, args: &[&str], gofix_leaks: &str) -> Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=readonly -buildvcs=false")
        .env("GOFIX_LEAKS", gofix_leaks)
        // The tool's result cache in target/, Go's build cache where it was
        // (Go derives GOCACHE from XDG_CACHE_HOME).
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("GOCACHE", gocache())
        .output()
        .expect("go runs")
}

/// The user's Go build cache.
fn gocache() -> &'static str {
    static DIR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let out = Command::new("go")
            .args(["env", "GOCACHE"])
            .output()
            .expect("go env GOCACHE");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn analysis_module_tests_pass_with_this_binary() {
    if !gotool::available("analysis_module_tests_pass_with_this_binary") {
        return;
    }
    let dir = analysis_dir();
    let build = go(&dir, &["build", "./..."], BIN);
    assert!(build.status.success(), "go build ./...: {}", text(&build));
    // -count=1: go's test cache keys on $GOFIX_LEAKS, not on the binary's bytes.
    let out = go(&dir, &["test", "-count=1", "./..."], BIN);
    assert!(out.status.success(), "go test ./...: {}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for pkg in ["gofixleaks", "golangci"] {
        assert!(
            stdout.contains(&format!("ok  \tgofix-leaks.invalid/analysis/{pkg}\t")),
            "package {pkg} ran no test: {}",
            text(&out)
        );
    }
}

/// gofix-leaks-vet built into `tmp`.
fn vet_tool(tmp: &Path) -> String {
    let tool = tmp.join("gofix-leaks-vet");
    let tool = tool.to_str().unwrap().to_string();
    let out = go(
        &analysis_dir(),
        &["build", "-o", &tool, "./cmd/gofix-leaks-vet"],
        BIN,
    );
    assert!(
        out.status.success(),
        "building gofix-leaks-vet: {}",
        text(&out)
    );
    tool
}

/// A temp dir with gofix-leaks-vet built in it and a module `m` holding
/// the example leak; None (after saying so) where `go` is missing outside CI.
struct Setup {
    tmp: tempfile::TempDir,
    tool: String,
    main: PathBuf,
}

impl Setup {
    fn new(test: &str) -> Option<Setup> {
        if !gotool::available(test) {
            return None;
        }
        let tmp = tempfile::tempdir().unwrap();
        let tool = vet_tool(tmp.path());
        let main = leaky_module(&tmp.path().join("m"));
        Some(Setup { tmp, tool, main })
    }

    fn dir(&self) -> &Path {
        self.main.parent().unwrap()
    }
}

/// A module holding the README's example leak.
fn leaky_module(dir: &Path) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/leaky/main.go");
    fs::copy(example, dir.join("main.go")).unwrap();
    gotool::ensure_module(dir, "1.22");
    dir.join("main.go")
}

/// The findings gofix-leaks itself reports in `dir`, as go vet prints them.
fn tool_findings(dir: &Path) -> Vec<String> {
    let out = Command::new(BIN)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--format", "json", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}: {} [{}]: {}",
                f["posn"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// What `gofix-leaks --write` makes of a copy of the module's main.go.
fn written_by_tool(tmp: &Path) -> String {
    let main = leaky_module(&tmp.join("by-tool"));
    let out = Command::new(BIN)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--write", "."])
        .current_dir(main.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "gofix-leaks --write: {}", text(&out));
    fs::read_to_string(main).unwrap()
}

#[test]
fn go_vet_vettool_prints_the_finding_and_fix_applies_its_edit() {
    let Some(setup) = Setup::new("go_vet_vettool_prints_the_finding_and_fix_applies_its_edit")
    else {
        return;
    };
    let vettool = format!("-vettool={}", setup.tool);
    let (tmp, main, dir) = (setup.tmp.path(), setup.main.as_path(), setup.dir());
    let original = fs::read_to_string(main).unwrap();
    let expected = tool_findings(dir);
    assert!(!expected.is_empty(), "the example has no finding");

    let vet = go(dir, &["vet", &vettool, "./..."], BIN);
    assert_eq!(vet.status.code(), Some(1), "{}", text(&vet));
    let stderr = String::from_utf8_lossy(&vet.stderr);
    for finding in &expected {
        assert!(
            stderr.contains(finding),
            "go vet lacks {finding}: {}",
            text(&vet)
        );
    }
    assert_eq!(fs::read_to_string(main).unwrap(), original, "go vet wrote");

    let fix = go(dir, &["vet", &vettool, "-fix", "./..."], BIN);
    assert!(fix.status.success(), "go vet -fix: {}", text(&fix));
    let fixed = fs::read_to_string(main).unwrap();
    assert_ne!(fixed, original, "go vet -fix changed nothing");
    assert_eq!(fixed, written_by_tool(tmp));

    let again = go(dir, &["vet", &vettool, "./..."], BIN);
    assert!(again.status.success(), "fixed module: {}", text(&again));
}

#[test]
fn go_fix_fixtool_shows_and_applies_the_edit() {
    let Some(setup) = Setup::new("go_fix_fixtool_shows_and_applies_the_edit") else {
        return;
    };
    let fixtool = format!("-fixtool={}", setup.tool);
    let (tmp, main, dir) = (setup.tmp.path(), setup.main.as_path(), setup.dir());
    let original = fs::read_to_string(main).unwrap();
    let want = written_by_tool(tmp);

    let diff = go(dir, &["fix", &fixtool, "-diff", "./..."], BIN);
    assert_eq!(diff.status.code(), Some(1), "{}", text(&diff));
    let stdout = String::from_utf8_lossy(&diff.stdout);
    let added: Vec<&str> = want.lines().filter(|l| !original.contains(l)).collect();
    assert!(!added.is_empty());
    for line in added {
        assert!(
            stdout.contains(&format!("+{line}")),
            "diff lacks {line}: {}",
            text(&diff)
        );
    }

    let fix = go(dir, &["fix", &fixtool, "./..."], BIN);
    assert!(fix.status.success(), "go fix: {}", text(&fix));
    assert_eq!(fs::read_to_string(main).unwrap(), want);
}

/// go vet caches each package's result under the vet tool's ID: a changed
/// .gofix-leaks.toml must not replay the old findings.
#[test]
fn go_vet_results_follow_the_config_file() {
    let Some(setup) = Setup::new("go_vet_results_follow_the_config_file") else {
        return;
    };
    let vettool = format!("-vettool={}", setup.tool);
    let dir = setup.dir();
    let config = dir.join(".gofix-leaks.toml");

    let first = go(dir, &["vet", &vettool, "./..."], BIN);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    fs::write(&config, "only = [\"waitgroup-done\"]\n").unwrap();
    let only_wg = go(dir, &["vet", &vettool, "./..."], BIN);
    assert!(
        only_wg.status.success(),
        "old result replayed: {}",
        text(&only_wg)
    );
    fs::remove_file(&config).unwrap();
    let back = go(dir, &["vet", &vettool, "./..."], BIN);
    assert_eq!(back.status.code(), Some(1), "{}", text(&back));
}

/// x/tools drops an analyzer's error in -fix mode; gofix-leaks-vet must not:
/// a binary that does not run fails the run and writes nothing.
#[test]
fn go_vet_fix_fails_when_the_binary_does_not_run() {
    let Some(setup) = Setup::new("go_vet_fix_fails_when_the_binary_does_not_run") else {
        return;
    };
    let vettool = format!("-vettool={}", setup.tool);
    let (tmp, main, dir) = (setup.tmp.path(), setup.main.as_path(), setup.dir());
    let original = fs::read_to_string(main).unwrap();
    let missing = tmp.join("no-such-gofix-leaks");
    let out = go(
        dir,
        &["vet", &vettool, "-fix", "./..."],
        missing.to_str().unwrap(),
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no-such-gofix-leaks"),
        "the error does not name the binary: {}",
        text(&out)
    );
    assert_eq!(fs::read_to_string(main).unwrap(), original);
}

/// Copies each fixture case that needs no go.mod of its own (its Go files,
/// not the expected ones) to `dst/RULE/CASE`; returns how many.
fn copy_fixtures(dst: &Path) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = 0;
    for rule in fs::read_dir(&root).unwrap() {
        let rule = rule.unwrap().path();
        for case in fs::read_dir(&rule).unwrap() {
            let case = case.unwrap().path();
            if case.join("go.mod").exists() {
                continue;
            }
            let to = dst
                .join(rule.file_name().unwrap())
                .join(case.file_name().unwrap());
            fs::create_dir_all(&to).unwrap();
            for file in fs::read_dir(&case).unwrap() {
                let file = file.unwrap().path();
                let name = file.file_name().unwrap().to_str().unwrap();
                if name.ends_with(".go") && !name.starts_with("expected") {
                    fs::copy(&file, to.join(name)).unwrap();
                }
            }
            cases += 1;
        }
    }
    gotool::ensure_module(dst, "1.22");
    cases
}

/// The Go files under `dir`, by path relative to it, with their text.
fn go_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "go") {
                let text = fs::read_to_string(&p).unwrap();
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), text));
            }
        }
    }
    out.sort();
    out
}

/// Every fixture case, each a package of one module: the edits go vet
/// -fix applies, one package at a time from the Analyzer's suggested
/// fixes, give exactly the files `gofix-leaks --write` gives.
#[test]
fn go_vet_fix_equals_write_on_every_fixture() {
    let Some(setup) = Setup::new("go_vet_fix_equals_write_on_every_fixture") else {
        return;
    };
    let (by_vet, by_tool) = (setup.tmp.path().join("vet"), setup.tmp.path().join("tool"));
    let cases = copy_fixtures(&by_vet);
    assert!(cases > 100, "only {cases} fixture cases");
    copy_fixtures(&by_tool);
    let before = go_files(&by_tool);

    let write = Command::new(BIN)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--write", "."])
        .current_dir(&by_tool)
        .output()
        .unwrap();
    assert!(
        write.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&write)
    );
    let vettool = format!("-vettool={}", setup.tool);
    let fix = go(&by_vet, &["vet", &vettool, "-fix", "./..."], BIN);
    assert!(fix.status.success(), "go vet -fix: {}", text(&fix));

    let (vet_files, tool_files) = (go_files(&by_vet), go_files(&by_tool));
    let changed = tool_files.iter().filter(|f| !before.contains(f)).count();
    assert!(changed > 50, "--write changed only {changed} files");
    let differ: Vec<_> = vet_files
        .iter()
        .zip(&tool_files)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.0.display().to_string())
        .collect();
    assert_eq!(vet_files.len(), tool_files.len());
    assert!(
        differ.is_empty(),
        "go vet -fix and --write differ in {differ:?}"
    );
}
