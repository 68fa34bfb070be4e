//! The CI gate, end to end on real git repositories holding real Go code
//! with findings the tool fixes and one it cannot: a baseline written on
//! HEAD~1 (or `--new-from-rev HEAD~1`, or the patch of the change) lets
//! exactly the leak a commit adds through (exit 1); the bot's `--apply`
//! branch fixes only that one, and on it the gate exits 0. Also baselines
//! surviving line shifts, duplicates counted, stale entries, `--fail-on`,
//! and clear errors (exit 2) for a bad REV, patch or baseline.

mod common;

use common::{LEAKY, LEAKY_GET2, POLL, Sandbox, code, json, stderr, stdout};
use serde_json::Value;
use std::path::Path;

const GO_MOD: &str = "module example.com/gate\n\ngo 1.22\n";

/// `get` (common's LEAKY) leaks and the tool fixes it; `viaLocalFunc` (a
/// fixture's) leaks and it cannot: the goroutine runs a local function
/// value. Both flag `make(chan int)`, so only their function tells their
/// baseline entries apart.
fn old() -> String {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/single-result-buffer/local-func-value-callee/input.go");
    let fixture = std::fs::read_to_string(&fixture).unwrap();
    let start = fixture.find("func viaLocalFunc").unwrap();
    let end = fixture.find("func main()").unwrap();
    LEAKY
        .replace("package main", "package svc")
        .replace("func main() { _, _ = get() }\n", &fixture[start..end])
        + "func Helper() int { return 1 }\n"
}

/// The leak a later commit adds: common's `get2`.
fn new() -> String {
    format!("package svc\n\nimport (\n\t\"errors\"\n\t\"time\"\n)\n{LEAKY_GET2}")
}

/// old() with lines inserted above every finding and another function
/// edited.
fn old_shifted() -> String {
    old()
        .replace(
            "func slowValue() int {",
            "// Version is new.\nconst Version = \"2\"\n\nfunc slowValue() int {",
        )
        .replace(
            "func Helper() int { return 1 }",
            "func Helper() int { return 2 }",
        )
}

/// The `field` of each element of the array `v`.
fn strings(v: &Value, field: &str) -> Vec<String> {
    let items = v.as_array().unwrap_or_else(|| panic!("not an array: {v}"));
    items
        .iter()
        .map(|e| e[field].as_str().unwrap().to_string())
        .collect()
}

/// (file, rule) of each finding of a JSON report.
fn found(report: &Value, key: &str) -> Vec<(String, String)> {
    let files = strings(&report[key], "file");
    files
        .into_iter()
        .zip(strings(&report[key], "rule"))
        .collect()
}

/// repo(), then a baseline of HEAD written to `name` in the sandbox's
/// home: its path, and the output of the run that wrote it.
fn repo_with_baseline(s: &Sandbox, name: &str) -> (String, std::process::Output) {
    repo(s);
    let b = home_file(s, name);
    let out = s.run(&["--write-baseline", &b, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    (b, out)
}

/// A path in the sandbox's home, outside the repository, as an argument.
fn home_file(s: &Sandbox, name: &str) -> String {
    s.home.join(name).to_str().unwrap().to_string()
}

fn go_build(dir: &Path) {
    let out = std::process::Command::new("go")
        .args(["vet", "./..."])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("the Go toolchain (`go`) is required by these tests and must be on PATH");
    assert!(
        out.status.success(),
        "go vet failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository whose HEAD~1 holds old() and whose HEAD adds new() and shifts
/// its lines; returns HEAD~1's id.
fn repo(s: &Sandbox) -> String {
    s.init_repo();
    s.write("go.mod", GO_MOD);
    s.write("svc/old.go", &old());
    s.commit_all("old code");
    go_build(&s.root);
    s.rev("HEAD")
}

fn add_leak(s: &Sandbox) {
    s.write("svc/old.go", &old_shifted());
    s.write("svc/new.go", &new());
    s.commit_all("add get2, which leaks");
}

const ONE_NEW: &[(&str, &str)] = &[("svc/new.go", "single-result-buffer")];

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The files the branch changes against `base`.
fn changed(s: &Sandbox, base: &str, branch: &str) -> Vec<String> {
    s.git(&["diff", "--name-only", base, branch])
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn baseline_gate_reports_the_new_leak_and_goes_green_on_the_bot_branch() {
    let s = Sandbox::new();
    let (b, out) = &repo_with_baseline(&s, "leaks-baseline.json");
    let baseline = Path::new(b);
    assert!(stderr(out).contains("baseline of 2 finding(s) written"));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(
        strings(&written["entries"], "function"),
        ["get", "viaLocalFunc"]
    );

    add_leak(&s);
    let out = s.run(&["--baseline", b, "--format", "json"]);
    let report = json(&out);
    assert_eq!(found(&report, "findings"), pairs(ONE_NEW));
    assert_eq!(code(&out), 1);
    // The old findings moved down three lines and survive: suppressed, in
    // the JSON like ignored ones, with nothing stale.
    assert_eq!(
        found(&report, "suppressed"),
        pairs(&[
            ("svc/old.go", "single-result-buffer"),
            ("svc/old.go", "single-result-buffer")
        ])
    );
    assert_eq!(report["suppressed"][0]["baseline"], true);
    assert_eq!(report["suppressed"][0]["directive"], b.as_str());
    // Entries name files from the repository root: the same from below it.
    let sub = s
        .cmd_in(&s.path("svc"))
        .args(["--baseline", b, "--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(found(&json(&sub), "findings"), pairs(ONE_NEW));
    let out = s.run(&["--baseline", b, "--report-unused-ignores"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!stderr(&out).contains("unused-baseline-entry"));
    assert!(stderr(&out).contains("2 finding(s) suppressed by the baseline"));

    // The bot fixes only the new leak: the old fixable one stays as it is.
    let out = s.run(&["--apply", "--baseline", b, "--branch", "fix/leaks"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(changed(&s, "main", "fix/leaks"), ["svc/new.go"]);
    s.git(&["checkout", "-q", "fix/leaks"]);
    go_build(&s.root);
    let out = s.run(&["--baseline", b, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(found(&json(&out), "findings"), vec![]);
}

#[test]
fn new_from_rev_gate_reports_the_new_leak_and_goes_green_on_the_bot_branch() {
    let s = Sandbox::new();
    let base = repo(&s);
    add_leak(&s);
    let out = s.run(&["--new-from-rev", "HEAD~1", "--format", "json"]);
    assert_eq!(found(&json(&out), "findings"), pairs(ONE_NEW));
    assert_eq!(code(&out), 1);
    // Without the flag every finding counts.
    assert_eq!(
        found(&json(&s.run(&["--format", "json"])), "findings").len(),
        3
    );

    // From a sub-directory, in every format, with --new-from-merge-base.
    let sub = s
        .cmd_in(&s.path("svc"))
        .args(["--new-from-merge-base", "HEAD~1", "--format", "sarif", "."])
        .output()
        .unwrap();
    let sarif = json(&sub);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{}", stdout(&sub));
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "svc/new.go"
    );
    // jsonl, streamed or not, shows only what the gate keeps.
    for gate in [
        &["--new-from-rev", "HEAD~1"][..],
        &["--baseline", "none.json"][..],
    ] {
        if gate[0] == "--baseline" {
            s.run(&[
                "--write-baseline",
                "none.json",
                "--format",
                "json",
                "svc/old.go",
            ]);
        }
        let out = s.run(&[gate, &["--format", "jsonl"]].concat());
        let lines: Vec<Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{gate:?}: {}", stdout(&out));
        assert_eq!(lines[0]["file"], "svc/new.go");
    }
    std::fs::remove_file(s.path("none.json")).unwrap();
    let text = s.run(&["--new-from-rev", "HEAD~1"]);
    assert!(stdout(&text).contains("+++ b/svc/new.go"));
    assert!(!stdout(&text).contains("old.go"), "{}", stdout(&text));

    let out = s.run(&["--apply", "--new-from-rev", "HEAD~1", "--branch", "fix/new"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(changed(&s, "main", "fix/new"), ["svc/new.go"]);
    s.git(&["checkout", "-q", "fix/new"]);
    go_build(&s.root);
    let out = s.run(&["--new-from-rev", &base, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));

    // Uncommitted work counts as new, an untracked file too.
    s.write("svc/untracked.go", &new().replace("get2", "get3"));
    let out = s.run(&["--new-from-rev", "HEAD", "--format", "json"]);
    assert_eq!(
        found(&json(&out), "findings"),
        pairs(&[("svc/untracked.go", "single-result-buffer")])
    );
    // --write fixes only it.
    let out = s.run(&["--write", "--new-from-rev", "HEAD"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(s.read("svc/untracked.go").contains("make(chan int, 1)"));
    assert_eq!(s.git(&["status", "--porcelain"]), "?? svc/untracked.go\n");
}

#[test]
fn new_from_patch_gate() {
    let s = Sandbox::new();
    repo(&s);
    add_leak(&s);
    let p = &home_file(&s, "change.patch");
    let patch = Path::new(p);
    std::fs::write(patch, s.git(&["diff", "HEAD~1", "HEAD"])).unwrap();
    let out = s.run(&["--new-from-patch", p, "--format", "json"]);
    assert_eq!(found(&json(&out), "findings"), pairs(ONE_NEW));
    assert_eq!(code(&out), 1);
    let out = s
        .cmd_in(&s.path("svc"))
        .args(["--new-from-patch", p, "--format", "github"])
        .output()
        .unwrap();
    let annotations = stdout(&out).matches("title=single-result-buffer").count();
    assert_eq!(annotations, 1, "{}", stdout(&out));
    // A patch that changes only an unrelated line reports nothing; one
    // that changes the line of viaLocalFunc's finding reports it.
    let line_of = |needle: &str| {
        1 + old_shifted()
            .lines()
            .position(|l| l.contains(needle))
            .unwrap()
    };
    let one_line = |n: usize, text: &str| {
        format!("--- a/svc/old.go\n+++ b/svc/old.go\n@@ -{n} +{n} @@\n-{text}\n+{text}\n")
    };
    let helper = line_of("func Helper");
    std::fs::write(patch, one_line(helper, "func Helper() int { return 2 }")).unwrap();
    let out = s.run(&["--new-from-patch", p, "--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(found(&json(&out), "findings"), vec![]);
    let via_local = line_of("go work(ch)") - 1;
    std::fs::write(patch, one_line(via_local, "\tch := make(chan int)")).unwrap();
    let report = json(&s.run(&["--new-from-patch", p, "--format", "json"]));
    assert_eq!(
        found(&report, "findings"),
        pairs(&[("svc/old.go", "single-result-buffer")])
    );
    assert_eq!(report["findings"][0]["start"]["line"], via_local);
}

#[test]
fn baseline_counts_duplicates_and_reports_stale_entries() {
    let s = Sandbox::new();
    let (b, _) = &repo_with_baseline(&s, "b.json");
    // A second `make(chan int)` finding in get: same rule, file, function
    // and code as the recorded one; one entry suppresses one of them.
    let twice = old().replace(
        "func get() (int, error) {\n",
        "func get() (int, error) {\n\tif d := make(chan int); false {\n\t\tgo func() { d <- slowValue() }()\n\t\tselect {\n\t\tcase <-d:\n\t\tcase <-time.After(time.Millisecond):\n\t\t}\n\t}\n",
    );
    s.write("svc/old.go", &twice);
    let all = json(&s.run(&["--format", "json"]));
    let gets = all["findings"].as_array().unwrap().len();
    assert_eq!(gets, 3, "{all}");
    let out = s.run(&["--baseline", b, "--format", "json"]);
    let report = json(&out);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["suppressed"].as_array().unwrap().len(), 2);
    assert_eq!(code(&out), 1);

    // get gone: its entry is stale, reported only when asked.
    s.write(
        "svc/old.go",
        &old().replace(
            "ch := make(chan int)\n\tgo func() {",
            "ch := make(chan int, 1)\n\tgo func() {",
        ),
    );
    let out = s.run(&["--baseline", b]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = s.run(&[
        "--baseline",
        b,
        "--report-unused-ignores",
        "--format",
        "json",
    ]);
    assert_eq!(code(&out), 1);
    let problems = json(&out)["ignore_problems"].clone();
    assert_eq!(problems.as_array().unwrap().len(), 1, "{problems}");
    assert_eq!(problems[0]["kind"], "unused-baseline-entry");
    assert_eq!(problems[0]["file"], "svc/old.go");
    assert!(problems[0]["message"].as_str().unwrap().contains("`get`"));
    let text = s.run(&["--baseline", b, "--report-unused-ignores"]);
    assert!(
        stderr(&text).contains("svc/old.go: unused-baseline-entry:"),
        "{}",
        stderr(&text)
    );
    // An entry of a file this run did not check is not judged stale.
    let out = s.run(&["--baseline", b, "--report-unused-ignores", "go.mod"]);
    assert!(
        !stderr(&out).contains("unused-baseline-entry"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn baseline_entries_are_sarif_fingerprints_and_the_file_is_stable() {
    let s = Sandbox::new();
    let (b, _) = &repo_with_baseline(&s, "b.json");
    let baseline = Path::new(b);
    let first = std::fs::read(baseline).unwrap();
    s.run(&["--write-baseline", b]);
    assert_eq!(
        std::fs::read(baseline).unwrap(),
        first,
        "written twice, same bytes"
    );
    let entries: Value = serde_json::from_slice(&first).unwrap();
    let sarif = json(&s.run(&["--format", "sarif"]));
    let mut prints: Vec<String> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let p = r["partialFingerprints"]["gofixLeaks/v1"].as_str().unwrap();
            p.split(':').next().unwrap().to_string()
        })
        .collect();
    let mut recorded = strings(&entries["entries"], "fingerprint");
    prints.sort();
    recorded.sort();
    assert_eq!(prints, recorded);
    assert_eq!(s.temp_leftovers(&s.home), Vec::<String>::new());
}

#[test]
fn fail_on_chooses_what_fails_the_run() {
    let s = Sandbox::new();
    s.write("go.mod", "module example.com/m\n\ngo 1.23\n");
    s.write("poll.go", POLL);
    // An allocation only (time.After in a loop on Go 1.23).
    assert_eq!(code(&s.run(&[])), 1);
    assert_eq!(code(&s.run(&["--fail-on", "any"])), 1);
    assert_eq!(code(&s.run(&["--fail-on", "leak"])), 0);
    assert_eq!(code(&s.run(&["--fail-on", "none"])), 0);
    s.write(".gofix-leaks.toml", "fail_on = \"leak\"\n");
    assert_eq!(code(&s.run(&[])), 0);
    assert_eq!(code(&s.run(&["--fail-on", "any"])), 1, "the flag wins");
    s.write(".gofix-leaks.toml", "\nfail_on = \"leaks\"\n");
    let out = s.run(&[]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(".gofix-leaks.toml:2:"),
        "{}",
        stderr(&out)
    );
    std::fs::remove_file(s.path(".gofix-leaks.toml")).unwrap();
    // A leak too: `leak` fails, `none` does not, and an error is still 2.
    s.write(
        "leaky.go",
        &LEAKY.replace("func main() { _, _ = get() }", ""),
    );
    assert_eq!(code(&s.run(&["--fail-on", "leak"])), 1);
    assert_eq!(code(&s.run(&["--fail-on", "none"])), 0);
    let out = s.run(&["--fail-on", "none", "--baseline", "missing.json"]);
    assert_eq!(code(&out), 2);
    // With --write, a fixed leak no longer counts.
    assert_eq!(code(&s.run(&["--write", "--fail-on", "leak"])), 0);
}

#[test]
fn bad_rev_patch_or_baseline_is_a_clear_error() {
    let s = Sandbox::new();
    repo(&s);
    let before = s.snapshot_files();
    let err = |args: &[&str], want: &str| {
        let out = s.run(args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    };
    err(
        &["--new-from-rev", "no-such-rev"],
        "--new-from-rev no-such-rev: not a commit",
    );
    err(
        &["--new-from-merge-base", "nope"],
        "--new-from-merge-base nope: not a commit",
    );
    err(
        &["--new-from-patch", "missing.patch"],
        "--new-from-patch missing.patch: cannot read",
    );
    s.write("bad.patch", "--- a/x.go\n+++ b/x.go\n@@ -1 +1 @ oops\n");
    err(
        &["--new-from-patch", "bad.patch"],
        "--new-from-patch bad.patch:3: malformed hunk header",
    );
    s.write("prose.patch", "not a diff\n");
    err(
        &["--new-from-patch", "prose.patch"],
        "prose.patch:1: not a unified diff",
    );
    err(
        &["--baseline", "missing.json"],
        "cannot read the baseline missing.json",
    );
    s.write("corrupt.json", "{\"version\": 1,\n \"entries\": [}\n");
    err(&["--baseline", "corrupt.json"], "corrupt.json:2:");
    s.write(
        "future.json",
        "{\"version\": 9, \"tool\": \"x\", \"entries\": []}\n",
    );
    err(
        &["--baseline", "future.json"],
        "future.json: baseline version 9 is not supported",
    );
    err(
        &["--apply", "--baseline", "corrupt.json"],
        "corrupt.json:2:",
    );
    err(
        &["--write-baseline", "no/such/dir/b.json"],
        "cannot write the baseline no/such/dir/b.json",
    );
    // Nothing was made: no branch, no file.
    assert_eq!(s.git(&["branch", "--list"]).trim(), "* main");
    let mut after = s.snapshot_files();
    for f in ["bad.patch", "prose.patch", "corrupt.json", "future.json"] {
        after.remove(Path::new(f));
    }
    assert_eq!(after, before);
    // Outside a repository, the rev flags say so.
    let outside = Sandbox::new();
    outside.write("a.go", LEAKY);
    let out = outside.run(&["--new-from-rev", "HEAD"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not inside a git repository"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn readme_baseline_example_is_what_the_tool_writes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("`gofix-leaks --write-baseline b.json examples/leaky` writes:")
        .expect("the README shows a baseline");
    let block = &readme[start..];
    let block = &block[block.find("```json").unwrap() + 7..];
    let block = &block[..block.find("```").unwrap()];
    let shown: Value = serde_json::from_str(block).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.json");
    let out = assert_cmd::Command::cargo_bin("gofix-leaks")
        .unwrap()
        .current_dir(root)
        .env("XDG_CACHE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .args(["--no-config", "--write-baseline"])
        .arg(&file)
        .arg("examples/leaky")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mut written: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    written["tool"] = shown["tool"].clone();
    assert_eq!(written, shown);
}

/// A finding is new when any line of its range is: an early return added
/// inside a goroutine makes a waitgroup-done finding at the `go` statement,
/// a line the change did not touch.
#[test]
fn a_finding_whose_range_holds_a_new_line_is_new() {
    let s = Sandbox::new();
    let leaky = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/waitgroup-done/early-return-skips-done/input.go"),
    )
    .unwrap();
    let before = leaky.replace(
        "n, err := strconv.Atoi(s)\n\t\t\tif err != nil {\n\t\t\t\treturn\n\t\t\t}\n",
        "n, _ := strconv.Atoi(s)\n",
    );
    assert_ne!(before, leaky);
    s.init_repo();
    s.write("go.mod", GO_MOD);
    s.write("main.go", &before);
    s.commit_all("no early return");
    assert_eq!(code(&s.run(&[])), 0, "nothing to find before");
    s.write("main.go", &leaky);
    s.commit_all("an early return skips wg.Done");
    let report = json(&s.run(&["--new-from-rev", "HEAD~1", "--format", "json"]));
    assert_eq!(
        found(&report, "findings"),
        pairs(&[("main.go", "waitgroup-done")])
    );
    let go_line = 1 + leaky.lines().position(|l| l.contains("go func(")).unwrap();
    assert_eq!(report["findings"][0]["start"]["line"], go_line);
    // The new side of each hunk of the change: the go line is in none.
    let changed = s.git(&["diff", "-U0", "HEAD~1", "HEAD"]);
    let hunks: Vec<(usize, usize)> = changed
        .lines()
        .filter_map(|l| l.strip_prefix("@@ -")?.split(' ').nth(1)?.strip_prefix('+'))
        .map(|r| {
            let (start, n) = r.split_once(',').unwrap_or((r, "1"));
            (start.parse().unwrap(), n.parse().unwrap())
        })
        .collect();
    assert!(!hunks.is_empty(), "{changed}");
    assert!(
        hunks
            .iter()
            .all(|&(start, n)| !(start..start + n).contains(&go_line)),
        "{go_line} in {hunks:?}"
    );
}
