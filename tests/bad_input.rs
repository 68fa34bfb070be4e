//! Bad input, end to end: real files in temp directories and the real
//! binary. Every case must get a message that names the file and says why,
//! lose nothing and half-write nothing: files the run could not handle are
//! left byte-identical, and the rest of the run goes on.
//!
//! Cases already pinned in tests/cli.rs are not repeated here: a missing
//! PATH (`missing_path_is_exit_2`), a syntax error in one declaration,
//! CRLF with a one-line replacement, a generated file's header, the mode of
//! a 0755/0640 file after --write.

mod common;
#[allow(dead_code)]
mod gotool;

use common::{LEAKY, Sandbox, clean, code, diff_files, fixed, hunks, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const BRANCH: &str = "fix/leaks";

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}): {}", stdout(out)))
}

/// `gofmt -e -l FILE` succeeds: the file parses as Go. None without Go.
fn go_parses(path: &Path) -> Option<Result<(), String>> {
    if !gotool::available("bad_input (gofmt -e check)") {
        return None;
    }
    let out = std::process::Command::new("gofmt")
        .args(["-e", "-l"])
        .arg(path)
        .output()
        .expect("gofmt runs");
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(p: &Path, m: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(p, fs::Permissions::from_mode(m)).unwrap();
}

// ---------------------------------------------------------------------------
// Files that do not parse, are not UTF-8, carry a BOM, CRLF, or nothing
// ---------------------------------------------------------------------------

/// A file cut off in the middle of a leaky function: it holds the literals
/// the rules look for (`go `, `make(`), so it is parsed, and it does not
/// parse.
const TRUNCATED: &str = "package main\n\nfunc get() (int, error) {\n\tch := make(chan int)\n\tgo func() {\n\t\tch <- 1\n";

#[test]
fn unparseable_file_is_reported_skipped_and_the_exit_status_says_so() {
    let sb = Sandbox::new();
    sb.write("broken.go", TRUNCATED);
    sb.write("clean.go", &clean());

    // Nothing to fix anywhere, but a file could not be analysed: not a
    // clean 0 (that would tell CI all is well), not an error 2 (valid Go
    // that tree-sitter-go does not know lands here too): 1.
    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("broken.go:"))
        .unwrap_or_else(|| panic!("the file is named: {err}"));
    assert!(line.contains(": skipped: syntax error"), "{line}");
    assert!(line.ends_with("left unchanged"), "{line}");

    let out = sb.run(&["--format", "json"]);
    assert_eq!(code(&out), 1);
    let v = json(&out);
    assert_eq!(v["skipped"][0]["file"], "broken.go");
    assert!(v["skipped"][0]["line"].as_u64().unwrap() >= 3);
    assert_eq!(v["errors"], Value::Array(vec![]));
    assert_eq!(v["findings"], Value::Array(vec![]));

    // The rest of the run goes on: a leaky neighbour is fixed, the broken
    // file is left as it was, and the status still says 1.
    sb.write("leaky.go", LEAKY);
    let before = sb.snapshot_files();
    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("broken.go:"), "{}", stderr(&out));
    assert_eq!(sb.read("leaky.go"), fixed());
    assert_eq!(sb.read("broken.go"), TRUNCATED);
    let mut after = sb.snapshot_files();
    after.remove(Path::new("leaky.go"));
    let mut before = before;
    before.remove(Path::new("leaky.go"));
    assert_eq!(after, before, "only leaky.go changed");
    assert!(sb.temp_leftovers(&sb.root).is_empty());
}

#[test]
fn invalid_utf8_is_an_error_naming_the_file_and_the_others_are_still_fixed() {
    let sb = Sandbox::new();
    let mut bad = LEAKY.as_bytes().to_vec();
    let at = LEAKY.find("func get()").unwrap();
    bad.splice(at..at, b"// caf\xe9 in Latin-1\n".iter().copied());
    fs::write(sb.path("bad.go"), &bad).unwrap();
    sb.write("ok.go", LEAKY);

    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        diff_files(&stdout(&out)),
        ["ok.go"],
        "the rest is still diffed"
    );
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("bad.go:"))
        .unwrap_or_else(|| panic!("the file is named: {err}"));
    // Line and column of the first bad byte.
    assert!(line.starts_with("bad.go:13:7: not valid UTF-8"), "{line}");
    assert!(line.contains("file skipped"), "{line}");

    let out = sb.run(&["--format", "json"]);
    let v = json(&out);
    assert_eq!(v["errors"][0]["file"], "bad.go");
    assert_eq!(v["changed_files"], serde_json::json!(["ok.go"]));

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(sb.read("ok.go"), fixed());
    assert_eq!(
        fs::read(sb.path("bad.go")).unwrap(),
        bad,
        "left byte-identical"
    );
    assert!(sb.temp_leftovers(&sb.root).is_empty());
}

#[test]
fn utf8_bom_is_kept_and_the_fix_applies() {
    let sb = Sandbox::new();
    sb.init_repo();
    let bom = format!("\u{feff}{LEAKY}");
    let expected = format!("\u{feff}{}", fixed());
    sb.write("bom.go", &bom);
    sb.commit_all("initial");

    // Positions are not shifted by the BOM past line 1 (Go's columns are
    // byte columns within the line).
    let out = sb.run(&["--format", "json"]);
    let v = json(&out);
    assert_eq!(v["findings"][0]["posn"], "bom.go:14:8");
    assert_eq!(
        v["skipped"],
        Value::Array(vec![]),
        "the BOM is no syntax error"
    );

    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    let apply = sb.git_output(&["apply", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}", stderr(&apply));
    assert_eq!(sb.read("bom.go"), expected);
    sb.git(&["checkout", "--", "bom.go"]);

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("bom.go"), expected, "BOM kept, fix applied");
    if let Some(parsed) = go_parses(&sb.path("bom.go")) {
        parsed.unwrap();
    }
    sb.git(&["checkout", "--", "bom.go"]);

    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0);
    assert_eq!(sb.git(&["show", &format!("{BRANCH}:bom.go")]), expected);
}

/// Fixtures whose fixes insert lines (a timer before the loop and its
/// re-arm, `defer wg.Done()`, a context, guarded sends and an import), each
/// in its own package directory.
const INSERTING: [(&str, &str); 3] = [
    ("timer", "time-after-in-loop/aliased-time-import"),
    ("wg", "waitgroup-done/early-return-skips-done"),
    ("fanin", "fan-in-ctx-guard/import-group-with-comments"),
];

fn fixture(case: &str, file: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
        .join(file);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixture_lines(case: &str, file: &str) -> BTreeSet<&'static str> {
    let text: &'static str = Box::leak(fixture(case, file).into_boxed_str());
    text.lines().collect()
}

fn crlf(s: &str) -> String {
    s.replace('\n', "\r\n")
}

#[test]
fn crlf_files_get_crlf_in_inserted_lines_and_the_diff_applies() {
    let sb = Sandbox::new();
    sb.init_repo();
    let mut expected = Vec::new();
    for (dir, case) in INSERTING {
        let rel = format!("{dir}/main.go");
        sb.write(&rel, &crlf(&fixture(case, "input.go")));
        let want = crlf(&fixture(case, "expected.go"));
        let input: BTreeSet<&str> = fixture_lines(case, "input.go");
        assert!(
            want.lines()
                .any(|l| !input.contains(l.trim_end_matches('\r'))),
            "{case}: the fix inserts lines"
        );
        expected.push((rel, want));
    }
    sb.commit_all("initial");
    let check = |how: &str| {
        for (rel, want) in &expected {
            let got = sb.read(rel);
            assert_eq!(&got, want, "{how}: {rel}");
            let bare = got.replace("\r\n", "");
            assert!(!bare.contains('\n'), "{how}: {rel} has a bare LF");
        }
    };

    let dry = sb.run(&["--color", "never"]);
    assert_eq!(code(&dry), 1, "{}", stderr(&dry));
    let diff = stdout(&dry);
    // (`str::lines` would drop the CR: split on LF alone.)
    let bare: Vec<&str> = diff
        .split('\n')
        .filter(|l| l.starts_with('+') && !l.starts_with("+++ "))
        .filter(|l| !l.ends_with('\r'))
        .collect();
    assert!(bare.is_empty(), "added lines without CR: {bare:?}\n{diff}");
    let apply = sb.git_output(&["apply", "--check", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}\n{diff}", stderr(&apply));
    let apply = sb.git_output(&["apply", "-"], Some(&dry.stdout));
    assert!(apply.status.success(), "{}", stderr(&apply));
    check("git apply of the dry run");
    sb.git(&["checkout", "--", "."]);

    let out = sb.run(&["--write"]);
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    check("--write");
    sb.git(&["checkout", "--", "."]);

    sb.cmd()
        .args(["--apply", "--branch", BRANCH])
        .assert()
        .code(0);
    for (rel, want) in &expected {
        assert_eq!(&sb.git(&["show", &format!("{BRANCH}:{rel}")]), want);
    }
    let git_diff = sb.git(&["diff", "--no-color", "HEAD", BRANCH]);
    assert_eq!(hunks(&diff), hunks(&git_diff), "dry run = git diff");
}

#[test]
fn empty_and_blank_files_are_no_trouble() {
    let sb = Sandbox::new();
    sb.write("empty.go", "");
    sb.write("blank.go", "\n\n  \n");
    sb.write("leaky.go", LEAKY);
    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["leaky.go"]);
    assert!(!stderr(&out).contains("empty.go"), "{}", stderr(&out));
    for named in ["empty.go", "blank.go"] {
        let out = sb.run(&[named]);
        assert_eq!(code(&out), 0, "{named}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        assert_eq!(stderr(&out), "");
    }
    sb.cmd().arg("--write").assert().code(0);
    assert_eq!(sb.read("empty.go"), "");
    assert_eq!(sb.read("blank.go"), "\n\n  \n");
    assert_eq!(sb.read("leaky.go"), fixed());
}

// ---------------------------------------------------------------------------
// Big files
// ---------------------------------------------------------------------------

/// `LEAKY`'s leaky function, renamed, over and over, until `bytes`, in a
/// file of its own names (`genSlow`, `genGet0`, ...).
fn many_leaky_functions(header: &str, bytes: usize) -> String {
    let leaky = LEAKY.replace("slowValue", "genSlow");
    let split = leaky.find("func get()").unwrap();
    let body = &leaky[split..leaky.find("func main()").unwrap()];
    let mut out = String::with_capacity(bytes + body.len());
    out.push_str(header);
    out.push_str(&leaky[..split]);
    let mut i = 0;
    while out.len() < bytes {
        out.push_str(&body.replacen("func get()", &format!("func genGet{i}()"), 1));
        i += 1;
    }
    out
}

#[test]
fn generated_20mb_file_is_skipped_and_its_neighbours_are_fixed() {
    let sb = Sandbox::new();
    let generated = many_leaky_functions(
        "// Code generated by many_leaky_functions. DO NOT EDIT.\n\n",
        20 << 20,
    );
    assert!(generated.len() >= 20 << 20);
    sb.write("gen/zz_generated.go", &generated);
    // A neighbour in the same package: its checks may read the big file
    // (to look up names), and still fix only itself.
    sb.write("gen/main.go", LEAKY);
    let started = std::time::Instant::now();
    let out = sb.run(&["--color", "never"]);
    eprintln!("20 MB generated file: dry run took {:?}", started.elapsed());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["gen/main.go"]);
    assert!(!stderr(&out).contains("zz_generated"), "{}", stderr(&out));

    // Named explicitly it is still skipped, silently and at once.
    let out = sb.run(&["gen/zz_generated.go"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        fs::read(sb.path("gen/zz_generated.go")).unwrap() == generated.as_bytes(),
        "the generated file is left byte-identical"
    );
}

/// One fixture's code: the names it declares at top level, its body after
/// the imports, and its expected body.
struct Shape {
    names: BTreeSet<String>,
    body: String,
    want: String,
}

/// The single-result-buffer fixtures that are one file each, and the import
/// lines they use.
fn shapes() -> (Vec<Shape>, BTreeSet<String>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/single-result-buffer");
    let mut cases: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let split = |src: &str, imports: &mut BTreeSet<String>| -> String {
        let start = src.find("\nimport ").expect("an import") + 1;
        let rest = &src[start..];
        let end = if rest.starts_with("import (") {
            let close = rest.find("\n)\n").unwrap();
            for l in rest["import (".len()..close].lines() {
                if !l.trim().is_empty() {
                    imports.insert(l.trim().to_string());
                }
            }
            close + 3
        } else {
            let nl = rest.find('\n').unwrap();
            imports.insert(rest["import ".len()..nl].trim().to_string());
            nl + 1
        };
        rest[end..].to_string()
    };
    let mut out = Vec::new();
    let mut imports = BTreeSet::new();
    for case in cases {
        let names: BTreeSet<String> = fs::read_dir(&case)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        if names.iter().any(|n| n != "input.go" && n != "expected.go") {
            continue; // several files, a go.mod or args: not one shape
        }
        let input = fs::read_to_string(case.join("input.go")).unwrap();
        let expected = if names.contains("expected.go") {
            fs::read_to_string(case.join("expected.go")).unwrap()
        } else {
            input.clone()
        };
        let body = split(&input, &mut imports);
        let want = split(&expected, &mut imports);
        let declared = body
            .lines()
            .filter_map(|l| {
                let rest = ["func ", "type ", "var ", "const "]
                    .iter()
                    .find_map(|k| l.strip_prefix(k))?;
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                (!name.is_empty()).then_some(name)
            })
            .collect();
        out.push(Shape {
            names: declared,
            body,
            want,
        });
    }
    (out, imports)
}

/// Appends `suffix` to every whole-word occurrence of a name in `names`.
fn rename(text: &str, names: &BTreeSet<String>, suffix: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(word);
        if names.contains(word.as_str()) {
            out.push_str(suffix);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[test]
fn large_handwritten_file_with_many_leak_shapes_is_fixed_completely() {
    let (shapes, imports) = shapes();
    assert!(shapes.len() >= 20, "{} shapes", shapes.len());
    let mut input = String::from("package main\n\nimport (\n");
    for i in &imports {
        input.push_str(&format!("\t{i}\n"));
    }
    input.push_str(")\n");
    let mut expected = input.clone();
    let mut round = 0;
    while input.len() < 5 << 20 {
        let suffix = format!("_{round}");
        for shape in &shapes {
            input.push_str(&rename(&shape.body, &shape.names, &suffix));
            expected.push_str(&rename(&shape.want, &shape.names, &suffix));
        }
        round += 1;
    }
    assert_ne!(input, expected, "some shapes are fixed");

    let sb = Sandbox::new();
    sb.write("big/big.go", &input);
    // One rule, so the expected files of its fixtures say what is right.
    let started = std::time::Instant::now();
    let out = sb.run(&[
        "--write",
        "--only",
        "single-result-buffer",
        "--format",
        "json",
    ]);
    eprintln!(
        "{} bytes, {round} copies of {} shapes: --write took {:?}",
        input.len(),
        shapes.len(),
        started.elapsed()
    );
    assert_ne!(code(&out), 2, "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["errors"], Value::Array(vec![]));
    assert_eq!(v["skipped"], Value::Array(vec![]));
    let got = sb.read("big/big.go");
    if got != expected {
        let line = got
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |i| i + 1);
        panic!(
            "the fixed file differs from the fixtures' expected output at line {line}:\n got: {:?}\nwant: {:?}",
            got.lines().nth(line.saturating_sub(1)),
            expected.lines().nth(line.saturating_sub(1))
        );
    }
    // single-result-buffer edits a `make` in place: one changed line a fix.
    let fixed_count = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["suggested_fixes"].as_array().unwrap().is_empty())
        .count();
    let changed_lines = input
        .lines()
        .zip(got.lines())
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(fixed_count, changed_lines);
    assert!(sb.temp_leftovers(&sb.path("big")).is_empty());
}

// ---------------------------------------------------------------------------
// Odd entries in the tree: a directory named x.go, symlinks
// ---------------------------------------------------------------------------

#[test]
fn directory_named_like_a_go_file_is_walked_not_read() {
    let sb = Sandbox::new();
    sb.write("x.go/inner.go", LEAKY);
    fs::create_dir_all(sb.path("pkg/empty.go")).unwrap();
    sb.write("pkg/a.go", LEAKY);
    for args in [&[][..], &["x.go"][..], &["x.go/..."][..], &["pkg"][..]] {
        let out = sb.run(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("directory"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let out = sb.run(&[]);
    assert_eq!(diff_files(&stdout(&out)), ["pkg/a.go", "x.go/inner.go"]);
    sb.cmd().arg("--write").assert().code(0);
    assert_eq!(sb.read("x.go/inner.go"), fixed());
    assert_eq!(sb.read("pkg/a.go"), fixed());
    assert!(sb.path("pkg/empty.go").is_dir());
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.write("ok.go", LEAKY);
    symlink("l2.go", sb.path("l1.go")).unwrap();
    symlink("l1.go", sb.path("l2.go")).unwrap();
    symlink("self.go", sb.path("self.go")).unwrap();
    fs::create_dir(sb.path("sub")).unwrap();
    symlink("..", sb.path("sub/up")).unwrap(); // a directory loop

    let out = sb.run(&["--color", "never"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["ok.go"]);
    let err = stderr(&out);
    for name in ["l1.go", "l2.go", "self.go"] {
        let line = err
            .lines()
            .find(|l| l.starts_with(&format!("{name}: skipped: symbolic link")))
            .unwrap_or_else(|| panic!("{name} is reported: {err}"));
        assert!(line.contains("does not resolve"), "{line}");
    }
    assert!(
        err.contains("sub/up: skipped: symbolic link to the directory .."),
        "{err}"
    );

    // Named, a loop is an error that names it.
    let out = sb.run(&["l1.go"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("l1.go"), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic links"), "{}", stderr(&out));
    // A root through the directory loop is walked once, not forever.
    let out = sb.run(&["sub/up/..."]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["ok.go"]);

    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(sb.read("ok.go"), fixed());
    assert_eq!(fs::read_link(sb.path("l1.go")).unwrap(), Path::new("l2.go"));
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_tree_is_reported_and_never_written_through() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("leak.go");
    fs::write(&target, LEAKY).unwrap();
    symlink(&target, sb.path("link.go")).unwrap();
    symlink(outside.path(), sb.path("linkdir")).unwrap();
    sb.write("clean.go", &clean());

    // Below a PATH: not followed, and said so (exit 1: something was not
    // looked at), for the file and for the directory.
    for args in [&["--color", "never"][..], &["--write"][..]] {
        let out = sb.run(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "link.go: skipped: symbolic link to {}: not followed below a PATH",
                target.display()
            )),
            "{err}"
        );
        assert!(
            err.contains("linkdir: skipped: symbolic link to the directory"),
            "{err}"
        );
    }
    let v = json(&sb.run(&["--format", "json"]));
    assert_eq!(v["skipped"][0]["file"], "link.go");
    assert_eq!(v["skipped"][0]["line"], 0);
    // A whole-file note has no line: SARIF (lines from 1) and GitHub
    // annotations get the file alone.
    let sarif = stdout(&sb.run(&["--format", "sarif"]));
    assert!(sarif.contains("skipped: symbolic link to"), "{sarif}");
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let text = v.to_string();
    assert!(!text.contains("\"startLine\":0"), "{sarif}");
    let github = stdout(&sb.run(&["--format", "github"]));
    let note = github
        .lines()
        .find(|l| l.contains("file=link.go"))
        .unwrap_or_else(|| panic!("{github}"));
    assert!(!note.contains("line="), "{note}");

    // Named: read (the review shows the fix) but never written through.
    let out = sb.run(&["--color", "never", "link.go"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["link.go"]);
    let out = sb.run(&["--write", "link.go"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("link.go: is a symbolic link; not written through"),
        "{err}"
    );
    assert!(err.contains("[not written: see the error above]"), "{err}");
    assert!(!err.contains("[fixed]"), "{err}");
    let v = json(&sb.run(&["--write", "--format", "json", "link.go"]));
    assert_eq!(v["errors"][0]["file"], "link.go");
    assert_eq!(v["changed_files"], Value::Array(vec![]));

    assert_eq!(
        fs::read_to_string(&target).unwrap(),
        LEAKY,
        "target untouched"
    );
    assert!(sb.path("link.go").is_symlink(), "still a link");
    assert!(sb.temp_leftovers(&sb.root).is_empty());
    assert!(sb.temp_leftovers(outside.path()).is_empty());
}

#[cfg(unix)]
#[test]
fn one_file_under_two_names_is_checked_and_written_once() {
    use std::os::unix::fs::symlink;
    let sb = Sandbox::new();
    sb.write("real/a.go", LEAKY);
    symlink("real", sb.path("alias")).unwrap();
    sb.write("b.go", LEAKY);
    // `alias` named as a PATH is followed (it was asked for), and it holds
    // the same file as `real`; `./b.go` and `real/../b.go` are one file too.
    let args = ["real", "alias", "b.go", "real/../b.go"];
    let out = sb.run(&[&["--color", "never"][..], &args[..]].concat());
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["b.go", "real/a.go"]);
    let out = sb.run(&[&["--write"][..], &args[..]].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("real/a.go"), fixed());
    assert_eq!(sb.read("b.go"), fixed());
}

// ---------------------------------------------------------------------------
// Unreadable files and directories
// ---------------------------------------------------------------------------

/// True when this process runs as root (where mode 000 does not stop a read).
#[cfg(unix)]
fn running_as_root(sb: &Sandbox) -> bool {
    use std::os::unix::fs::MetadataExt;
    let probe = sb.write(".uid-probe", "");
    let uid = fs::metadata(&probe).unwrap().uid();
    fs::remove_file(probe).unwrap();
    uid == 0
}

/// Runs the binary with `args` as an unprivileged user: as itself, or, under
/// root, as `nobody` (65534), for whom the sandbox is made reachable. None
/// (with a note) when root cannot switch users here.
#[cfg(unix)]
fn run_unprivileged(sb: &Sandbox, args: &[&str]) -> Option<Output> {
    use std::os::unix::process::CommandExt;
    if !running_as_root(sb) {
        return Some(sb.run(args));
    }
    let base = sb.root.parent().unwrap();
    set_mode(base, 0o755);
    set_mode(&sb.root, 0o777);
    let bin = base.join("gofix-leaks");
    if !bin.exists() {
        fs::copy(env!("CARGO_BIN_EXE_gofix-leaks"), &bin).unwrap();
        set_mode(&bin, 0o755);
    }
    let out = std::process::Command::new(&bin)
        .args(args)
        .current_dir(&sb.root)
        .env("HOME", &sb.home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("NO_COLOR")
        .uid(65534)
        .gid(65534)
        .output();
    match out {
        Ok(o) => Some(o),
        Err(e) => {
            eprintln!(
                "NOTE: running as root and cannot switch to uid 65534 ({e}); the unreadable-file assertions are skipped"
            );
            None
        }
    }
}

#[cfg(unix)]
#[test]
fn unreadable_file_and_directory_are_reported_and_the_rest_continues() {
    let sb = Sandbox::new();
    let a = sb.write("a.go", LEAKY);
    let b = sb.write("b.go", LEAKY);
    sb.write("locked/c.go", LEAKY);
    set_mode(&a, 0o666);
    set_mode(&b, 0o000);
    set_mode(&sb.path("locked"), 0o000);

    let Some(dry) = run_unprivileged(&sb, &["--color", "never"]) else {
        // Root that cannot drop privileges reads everything: at least the
        // run must finish and fix what it can.
        set_mode(&sb.path("locked"), 0o755);
        return;
    };
    let Some(out) = run_unprivileged(&sb, &["--write"]) else {
        unreachable!("the first run switched users")
    };
    let json_out = run_unprivileged(&sb, &["--format", "json"]).unwrap();
    set_mode(&sb.path("locked"), 0o755);
    set_mode(&b, 0o644);

    assert_eq!(code(&dry), 2, "{}", stderr(&dry));
    assert_eq!(diff_files(&stdout(&dry)), ["a.go"]);
    let err = stderr(&dry);
    assert!(
        err.lines()
            .any(|l| l == "b.go: cannot read: Permission denied (os error 13)"),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l == "locked: cannot read: Permission denied (os error 13)"),
        "{err}"
    );

    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(sb.read("a.go"), fixed(), "the rest is fixed");
    assert_eq!(sb.read("b.go"), LEAKY, "the unreadable file is untouched");
    assert_eq!(sb.read("locked/c.go"), LEAKY);
    assert_eq!(mode(&a), 0o666);
    assert!(sb.temp_leftovers(&sb.root).is_empty());

    let v = json(&json_out);
    let files: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["b.go", "locked"]);
}

/// A directory --write may not create files in: the fix is reported as
/// not written, and the file, its mode and the directory are as they were.
#[cfg(unix)]
#[test]
fn write_into_a_read_only_directory_fails_whole_and_says_so() {
    let sb = Sandbox::new();
    let p = sb.write("ro/main.go", LEAKY);
    set_mode(&p, 0o644);
    // Under root the directory's mode does not stop a create: run as nobody.
    let ro = sb.path("ro");
    set_mode(&ro, 0o555);
    let out = run_unprivileged(&sb, &["--write", "ro"]);
    set_mode(&ro, 0o755);
    let Some(out) = out else { return };
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("ro/main.go: cannot create a temporary file in ro"),
        "{err}"
    );
    assert!(err.contains("[not written: see the error above]"), "{err}");
    assert_eq!(sb.read("ro/main.go"), LEAKY);
    assert_eq!(mode(&p), 0o644);
    assert!(sb.temp_leftovers(&ro).is_empty());
}

// ---------------------------------------------------------------------------
// --write: a file changed since it was read, atomic replacement, modes
// ---------------------------------------------------------------------------

/// The guard in `write_atomic`, deterministically: the caller's copy of the
/// old bytes is stale, as when an editor saved the file between the run's
/// read and its write.
#[test]
fn a_file_changed_since_it_was_read_is_not_overwritten() {
    use gofix_leaks::files::write::write_atomic;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("main.go");
    let edited = LEAKY.replace("return 42", "return 43");
    fs::write(&p, &edited).unwrap();
    #[cfg(unix)]
    set_mode(&p, 0o600);

    let err = write_atomic(&p, LEAKY.as_bytes(), fixed().as_bytes()).unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("main.go: changed on disk since it was read; not overwritten"),
        "{msg}"
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), edited, "the edit survives");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["main.go"], "no temp file left");
    #[cfg(unix)]
    assert_eq!(mode(&p), 0o600);

    // The file vanished between read and write: an error, nothing created.
    fs::remove_file(&p).unwrap();
    let err = write_atomic(&p, LEAKY.as_bytes(), fixed().as_bytes()).unwrap_err();
    assert!(
        format!("{err:#}").contains("main.go: cannot stat"),
        "{err:#}"
    );
    assert!(!p.exists());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[cfg(unix)]
#[test]
fn write_replaces_by_rename_keeping_mode_and_owner() {
    use std::os::unix::fs::MetadataExt;
    let sb = Sandbox::new();
    let files = [
        ("exec.go", 0o755),
        ("private.go", 0o600),
        ("group.go", 0o664),
    ];
    let mut inodes = Vec::new();
    for (name, m) in files {
        let p = sb.write(&format!("pkg/{name}"), LEAKY);
        set_mode(&p, m);
        inodes.push(fs::metadata(&p).unwrap().ino());
    }
    // Another name for exec.go's inode: rename leaves it on the old bytes.
    fs::hard_link(sb.path("pkg/exec.go"), sb.path("exec.hardlink")).unwrap();
    let root = running_as_root(&sb);
    if root {
        // Root fixing another user's file must leave it theirs.
        std::os::unix::fs::chown(sb.path("pkg/group.go"), Some(65534), Some(65534)).unwrap();
    }

    let out = sb.run(&["--write", "pkg"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    for ((name, m), ino) in files.iter().zip(&inodes) {
        let p = sb.path(&format!("pkg/{name}"));
        assert_eq!(sb.read(&format!("pkg/{name}")), fixed(), "{name}");
        assert_eq!(mode(&p), *m, "{name}: mode kept");
        assert_ne!(
            fs::metadata(&p).unwrap().ino(),
            *ino,
            "{name}: replaced by a rename"
        );
    }
    if root {
        let meta = fs::metadata(sb.path("pkg/group.go")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (65534, 65534), "owner kept");
    } else {
        eprintln!("NOTE: not root; the owner-kept assertion needs root to chown");
    }
    assert_eq!(
        sb.read("exec.hardlink"),
        LEAKY,
        "a hard link keeps the old text"
    );
    assert!(sb.temp_leftovers(&sb.path("pkg")).is_empty());
    assert!(sb.temp_leftovers(&sb.root).is_empty());
}
