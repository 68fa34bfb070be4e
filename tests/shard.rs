//! `--shard K/N`, `merge-results` and `--apply --from-results`. Over the
//! whole of Go's tree (GOROOT/src, read in place), 1, 3 and 8 shards
//! joined give the single run's report byte for byte in every format, and
//! the joined results written by `merge-results --joined` are the 1/1
//! shard's. Over a copy of ten of its packages with findings (two modules)
//! committed in a real git repository, the branches made from the shards'
//! results are the single run's (tree ids, PR bodies). Also: a stale fix,
//! overlapping, missing and mismatched shards, and bad K/N are refused
//! with exit 2.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Packages of GOROOT/src with fixes (their own files, not their
/// subdirectories), copied into the test repository: std and cmd.
const SUBSET: [&str; 10] = [
    "bufio",
    "io",
    "os/signal",
    "database/sql",
    "internal/poll",
    "net/rpc",
    "net/smtp",
    "net/http/httputil",
    "runtime/pprof",
    "cmd/cgo/internal/test",
];

/// Every format a report is rendered in, with the file name it is kept in.
const FORMATS: [&str; 5] = ["json", "sarif", "github", "text", "jsonl"];

fn goroot_src() -> PathBuf {
    let out = std::process::Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("the go command is needed for this test");
    assert!(out.status.success(), "go env GOROOT failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join("src")
}

/// A repository holding SUBSET's packages and Go's two go.mod files.
fn go_subset() -> Sandbox {
    let s = Sandbox::new();
    let src = goroot_src();
    for dir in SUBSET {
        std::fs::create_dir_all(s.path(dir)).unwrap();
        for entry in std::fs::read_dir(src.join(dir)).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_file() {
                std::fs::copy(entry.path(), s.path(dir).join(entry.file_name())).unwrap();
            }
        }
    }
    std::fs::copy(src.join("go.mod"), s.path("go.mod")).unwrap();
    std::fs::copy(src.join("cmd/go.mod"), s.path("cmd/go.mod")).unwrap();
    s.init_repo();
    s.commit_all("go subset");
    s
}

/// The args writing a report in every format to `dir/NAME.FORMAT`.
fn every_format(dir: &Path, name: &str) -> Vec<String> {
    FORMATS
        .iter()
        .flat_map(|f| {
            let path = dir.join(format!("{name}.{f}"));
            ["--output".to_string(), format!("{f}={}", path.display())]
        })
        .collect()
}

/// The tree id of each branch whose name starts with `prefix`, by the rest.
fn trees(s: &Sandbox, prefix: &str) -> BTreeMap<String, String> {
    let refs = s.git(&["for-each-ref", "--format=%(refname:short)", "refs/heads"]);
    refs.lines()
        .filter_map(|b| b.strip_prefix(prefix).map(|rest| (rest.to_string(), b)))
        .map(|(rest, b)| (rest, s.rev(&format!("{b}^{{tree}}"))))
        .collect()
}

/// Runs shards 1..=n in `dir` (JSON files in `out`), returns the files.
fn run_shards(s: &Sandbox, dir: &Path, out: &Path, n: usize) -> Vec<String> {
    (1..=n)
        .map(|k| {
            let file = out.join(format!("shard-{k}-of-{n}.json"));
            let json = format!("json={}", file.display());
            let args = ["--shard", &format!("{k}/{n}"), "--output", &json];
            let run = s.cmd_in(dir).args(args).output().unwrap();
            assert!(code(&run) <= 1, "shard {k}/{n}: {}", stderr(&run));
            file.display().to_string()
        })
        .collect()
}

/// The bytes of each shard's Go files (below `dir`), by shard.
fn shard_bytes(dir: &Path, files: &[String]) -> Vec<u64> {
    files
        .iter()
        .map(|f| {
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
            json["shard"]["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let file = f["file"].as_str().unwrap();
                    std::fs::metadata(dir.join(file)).unwrap().len()
                })
                .sum()
        })
        .collect()
}

/// The bytes of the largest directory among the files of `shards`.
fn largest_dir_bytes(dir: &Path, shards: &[String]) -> u64 {
    let mut by_dir: BTreeMap<PathBuf, u64> = BTreeMap::new();
    for f in shards {
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        for f in json["shard"]["files"].as_array().unwrap() {
            let file = Path::new(f["file"].as_str().unwrap());
            let size = std::fs::metadata(dir.join(file)).unwrap().len();
            *by_dir
                .entry(file.parent().unwrap().to_path_buf())
                .or_default() += size;
        }
    }
    by_dir.into_values().max().unwrap()
}

#[test]
fn goroot_in_1_3_and_8_shards_joins_to_the_single_run_byte_for_byte() {
    let s = Sandbox::new();
    let src = goroot_src();
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    let run = s
        .cmd_in(&src)
        .args(every_format(out, "single"))
        .output()
        .unwrap();
    assert_eq!(code(&run), 1, "Go's tree has findings: {}", stderr(&run));
    let mut whole = None;
    for n in [1, 3, 8] {
        let files = run_shards(&s, &src, out, n);
        let bytes = shard_bytes(&src, &files);
        let total: u64 = bytes.iter().sum();
        // Longest processing time first: no shard over the mean by more
        // than the largest package, whatever the package counts.
        let largest = largest_dir_bytes(&src, &files);
        let fair = |b: &u64| *b > 0 && *b <= total / n as u64 + largest;
        assert!(bytes.iter().all(fair), "{n} shards: {bytes:?}");
        let name = format!("merged{n}");
        let joined = out.join(format!("{name}.joined"));
        let run = s
            .cmd_in(&src)
            .arg("merge-results")
            .args(&files)
            .args(every_format(out, &name))
            .arg("--joined")
            .arg(&joined)
            .output()
            .unwrap();
        assert_eq!(code(&run), 1, "{}", stderr(&run));
        for f in FORMATS {
            let one = std::fs::read(out.join(format!("single.{f}"))).unwrap();
            let merged = std::fs::read(out.join(format!("{name}.{f}"))).unwrap();
            assert!(one == merged, "{n} shards: the joined {f} differs");
        }
        // Joined results are one shard's: the 1/1 shard's, byte for byte.
        let joined = std::fs::read(joined).unwrap();
        let whole = whole.get_or_insert_with(|| std::fs::read(&files[0]).unwrap());
        assert!(
            joined == *whole,
            "{n} shards: --joined is not the 1/1 shard"
        );
    }
}

#[test]
fn branches_from_1_3_and_8_shards_are_the_single_runs() {
    let s = go_subset();
    let out = tempfile::tempdir().unwrap();
    let out = out.path();
    let body = out.join("single.md");
    let body_arg = body.display().to_string();
    let apply = [
        "--apply",
        "--split",
        "module",
        "--branch",
        "single",
        "--pr-body",
    ];
    let run = s.cmd().args(apply).arg(&body_arg).output().unwrap();
    assert_eq!(code(&run), 0, "all fixed: {}", stderr(&run));
    let single_trees = trees(&s, "single");
    assert!(
        single_trees.len() >= 2,
        "std and cmd branches: {single_trees:?}"
    );

    for n in [1, 3, 8] {
        let mut files = run_shards(&s, &s.root, out, n);
        if n == 3 {
            // merge-results --joined: one file in place of the shards'.
            let merged = out.join("merged3.json");
            let mut run = s.cmd();
            run.arg("merge-results")
                .args(&files)
                .arg("--joined")
                .arg(&merged);
            assert_eq!(code(&run.output().unwrap()), 1);
            files = vec![merged.display().to_string()];
        }
        let prefix = format!("sharded{n}");
        let joined_body = out.join(format!("{prefix}.md"));
        let run = s
            .cmd()
            .args(["--apply", "--split", "module", "--branch", &prefix])
            .arg("--pr-body")
            .arg(&joined_body)
            .arg("--from-results")
            .args(&files)
            .output()
            .unwrap();
        assert_eq!(code(&run), 0, "{}", stderr(&run));
        assert_eq!(
            trees(&s, &prefix),
            single_trees,
            "{n} shards: other branches"
        );
        for slug in single_trees.keys() {
            let one = std::fs::read_to_string(with_slug(&body, slug)).unwrap();
            let joined = std::fs::read_to_string(with_slug(&joined_body, slug)).unwrap();
            // Only the command that made it differs.
            assert_eq!(without_command(&one), without_command(&joined), "{slug}");
        }
    }
}

/// `body.md` -> `body-root.md` for the branch suffix `-root`.
fn with_slug(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().unwrap().to_string_lossy();
    path.with_file_name(format!("{stem}{suffix}.md"))
}

fn without_command(body: &str) -> String {
    body.lines()
        .filter(|l| !l.contains("gofix-leaks "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Two packages with a leak each, committed, and their two shards' JSON.
fn two_packages() -> (Sandbox, Vec<String>) {
    let s = Sandbox::new();
    s.init_repo();
    s.write("go.mod", "module example.com/m\n\ngo 1.22\n");
    s.write("a/a.go", &LEAKY.replace("package main", "package a"));
    s.write("b/b.go", &LEAKY.replace("package main", "package b"));
    s.commit_all("two packages");
    let files = (1..=2)
        .map(|k| {
            let run = s.run(&["--shard", &format!("{k}/2"), "--format", "json"]);
            assert_eq!(code(&run), 1, "{}", stderr(&run));
            let name = format!("s{k}.json");
            std::fs::write(s.home.join(&name), &run.stdout).unwrap();
            s.home.join(name).display().to_string()
        })
        .collect();
    (s, files)
}

#[test]
fn a_stale_fix_is_refused_with_its_file_and_nothing_is_made() {
    let (s, files) = two_packages();
    s.write(
        "b/b.go",
        &(LEAKY.replace("package main", "package b") + "\n// edited\n"),
    );
    s.commit_all("edit b after the shards ran");
    let mut args = vec!["--apply", "--branch", "fix", "--from-results"];
    args.extend(files.iter().map(String::as_str));
    let run = s.run(&args);
    assert_eq!(code(&run), 2);
    let err = stderr(&run);
    assert!(
        err.contains("b/b.go (changed)") && !err.contains("a/a.go"),
        "{err}"
    );
    assert!(
        s.git_output(&["rev-parse", "--verify", "fix"], None)
            .status
            .code()
            != Some(0)
    );
    // merge-results reads the work tree: the same refusal.
    let mut args = vec!["merge-results"];
    args.extend(files.iter().map(String::as_str));
    let run = s.run(&args);
    assert_eq!(code(&run), 2);
    assert!(
        stderr(&run).contains("b/b.go (changed)"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn a_file_in_two_shards_a_missing_shard_and_non_shard_json_are_errors() {
    let (s, files) = two_packages();
    let join = |extra: &[&str]| {
        let mut args = vec!["merge-results"];
        args.extend(extra);
        let run = s.run(&args);
        assert_eq!(code(&run), 2, "{extra:?}");
        stderr(&run)
    };
    assert!(join(&[&files[0]]).contains("shard(s) 2/2 missing"));
    let err = join(&[&files[0], &files[0], &files[1]]);
    assert!(err.contains("shard 1/2 given twice"), "{err}");
    // A shard of another split, or made with other flags or another
    // version, is named with what differs.
    let other = |name: &str, args: &[&str]| {
        let run = s.run(args);
        assert_eq!(code(&run), 1, "{}", stderr(&run));
        let path = s.home.join(name);
        std::fs::write(&path, &run.stdout).unwrap();
        path.display().to_string()
    };
    let over_b = other("over-b.json", &["--shard", "1/2", "--format", "json", "b"]);
    let err = join(&[&files[0], &over_b]);
    assert!(
        err.contains("over-b.json: its shard was made with another set of files"),
        "{err}"
    );
    let set = [
        "--shard",
        "1/2",
        "--format",
        "json",
        "--set",
        "waitgroup-done.use_go=true",
    ];
    let err = join(&[&files[1], &other("set.json", &set)]);
    let why = "set.json: its shard was made with other rule definitions or options";
    assert!(err.contains(why), "{err}");
    let leaks = other(
        "leaks.json",
        &["--shard", "2/2", "--format", "json", "--only-leaks"],
    );
    let err = join(&[&files[0], &leaks]);
    assert!(
        err.contains("leaks.json: its shard was made with other kinds"),
        "{err}"
    );
    let old = s.home.join("old.json");
    let text = std::fs::read_to_string(&files[1]).unwrap();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    std::fs::write(&old, text.replace(&version, "\"version\": \"0.0.1\"")).unwrap();
    let err = join(&[&files[0], old.to_str().unwrap()]);
    assert!(err.contains("old.json: made by gofix-leaks 0.0.1"), "{err}");
    let plain = s.home.join("plain.json");
    std::fs::write(&plain, s.run(&["--format", "json"]).stdout).unwrap();
    let err = join(&[plain.to_str().unwrap()]);
    assert!(err.contains("plain.json: no `shard` section"), "{err}");
    let err = join(&[s.home.join("nothing.json").to_str().unwrap()]);
    assert!(err.contains("nothing.json"), "{err}");
}

#[test]
fn bad_shard_specs_exit_2_with_the_form_expected() {
    let s = Sandbox::new();
    s.write("a.go", LEAKY);
    for bad in ["0/2", "3/2", "1/0", "2", "a/b", "1/2/3"] {
        let run = s.run(&["--shard", bad]);
        assert_eq!(code(&run), 2, "{bad}");
        assert!(
            stderr(&run).contains("expected K/N with 1 <= K <= N"),
            "{bad}"
        );
    }
    let run = s.run(&["--write", "--from-results", "x.json"]);
    assert_eq!(code(&run), 2);
}

#[test]
fn every_file_is_in_exactly_one_shard_and_the_split_is_by_directory() {
    let s = Sandbox::new();
    for (dir, copies) in [("big", 6), ("mid", 3), ("small1", 1), ("small2", 1)] {
        for i in 0..copies {
            s.write(
                &format!("{dir}/f{i}.go"),
                &LEAKY.replace("package main", "package p"),
            );
        }
    }
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for k in 1..=3 {
        let run = s.run(&["--shard", &format!("{k}/3"), "--format", "json"]);
        let json = common::json(&run);
        for f in json["shard"]["files"].as_array().unwrap() {
            let file = f["file"].as_str().unwrap().to_string();
            assert_eq!(owner.insert(file.clone(), k), None, "{file} twice");
        }
    }
    assert_eq!(owner.len(), 11);
    // The largest directory alone; the next one and one small with it...
    let dir_of = |f: &str| f.split('/').next().unwrap().to_string();
    let bins: BTreeMap<String, usize> = owner.iter().map(|(f, k)| (dir_of(f), *k)).collect();
    assert_eq!(bins["big"], 1);
    assert_eq!(bins["mid"], 2);
    assert_eq!(bins["small1"], 3);
    assert_eq!(bins["small2"], 3);
}

#[test]
fn the_gate_applies_at_the_join_as_to_one_run() {
    let s = Sandbox::new();
    s.init_repo();
    s.write("go.mod", "module example.com/m\n\ngo 1.22\n");
    s.write("a/a.go", &LEAKY.replace("package main", "package a"));
    s.commit_all("a");
    let base = s.rev("HEAD");
    s.write("b/b.go", &LEAKY.replace("package main", "package b"));
    s.commit_all("b: a new leak");
    let gate = ["--new-from-rev", &base, "--format", "github"];
    let one = s.run(&gate);
    assert_eq!(code(&one), 1, "{}", stderr(&one));
    let mut args: Vec<String> = vec!["--from-results".into()];
    for k in 1..=2 {
        let run = s.run(&["--shard", &format!("{k}/2"), "--format", "json"]);
        let file = s.home.join(format!("s{k}.json"));
        std::fs::write(&file, &run.stdout).unwrap();
        args.push(file.display().to_string());
    }
    let joined = s.cmd().args(&args).args(gate).output().unwrap();
    assert_eq!(code(&joined), 1, "{}", stderr(&joined));
    assert_eq!(
        String::from_utf8_lossy(&one.stdout),
        String::from_utf8_lossy(&joined.stdout)
    );
    assert!(String::from_utf8_lossy(&joined.stdout).contains("file=b/b.go"));
    assert!(!String::from_utf8_lossy(&joined.stdout).contains("a/a.go"));
}
