//! Shared helpers for the CLI integration tests: a hermetic sandbox (its own
//! HOME, no system git config) holding a work directory, the leaky Go input,
//! and thin wrappers around the binary and the `git` command line.

#![allow(dead_code)]

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// A Go file with one goroutine leak: `make(chan int)` should be buffered.
pub const LEAKY: &str = r#"package main

import (
	"errors"
	"time"
)

func slowValue() int {
	time.Sleep(20 * time.Millisecond)
	return 42
}

func get() (int, error) {
	ch := make(chan int)
	go func() {
		ch <- slowValue()
	}()
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(time.Millisecond):
		return 0, errors.New("timeout")
	}
}

func main() { _, _ = get() }
"#;

/// A second leaky function, to append to [`LEAKY`] for a file with two fixes.
pub const LEAKY_GET2: &str = r#"
func get2() (int, error) {
	res := make(chan int)
	go func() { res <- slowValue() }()
	select {
	case v := <-res:
		return v, nil
	case <-time.After(time.Millisecond):
		return 0, errors.New("timeout")
	}
}
"#;

/// What `--write` makes of [`LEAKY`].
/// A loop whose select waits on `time.After`: a leak before Go 1.23, an
/// allocation per pass after (time-after-in-loop's kind and options).
pub const POLL: &str = "package main

import \"time\"

func poll(in <-chan int) int {
	n := 0
	for {
		select {
		case <-in:
			n++
		case <-time.After(time.Second):
			return n
		}
	}
}

func main() { _ = poll(nil) }
";

pub fn fixed() -> String {
    LEAKY.replacen("make(chan int)", "make(chan int, 1)", 1)
}

/// A file without findings.
pub fn clean() -> String {
    fixed()
}

/// A temporary directory with `home/` (used as HOME) and `work/` (the
/// current directory of every command).
pub struct Sandbox {
    _tmp: TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::Builder::new()
            .prefix("gofix-leaks-cli-")
            .tempdir()
            .expect("tempdir");
        let base = tmp.path().canonicalize().expect("canonicalize tempdir");
        let root = base.join("work");
        let home = base.join("home");
        fs::create_dir_all(&root).unwrap();
        fs::create_dir_all(&home).unwrap();
        Sandbox {
            _tmp: tmp,
            root,
            home,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Writes `rel` (creating parent directories) and returns its path.
    pub fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let p = self.path(rel);
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).unwrap();
        }
        fs::write(&p, contents).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    /// Variables removed from, and set in, every child's environment so that
    /// nothing from the user's git setup leaks in.
    const REMOVED_ENV: [&'static str; 19] = [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_AUTHOR_DATE",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "GIT_COMMITTER_DATE",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "NO_COLOR",
        "XDG_CONFIG_HOME",
        // The result cache then lives in the sandbox's home.
        "XDG_CACHE_HOME",
    ];

    /// The hermetic environment of [`Sandbox::cmd`] on any command (a
    /// script that runs git and the tool).
    pub fn hermetic(&self, cmd: &mut std::process::Command) {
        for var in Self::REMOVED_ENV {
            cmd.env_remove(var);
        }
        cmd.envs(self.set_env());
    }

    fn set_env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![
            ("HOME", self.home.clone().into_os_string()),
            ("GIT_CONFIG_NOSYSTEM", "1".into()),
            (
                "GIT_CONFIG_GLOBAL",
                self.home.join(".gitconfig").into_os_string(),
            ),
            ("GIT_OPTIONAL_LOCKS", "0".into()),
            ("GIT_TERMINAL_PROMPT", "0".into()),
            ("LC_ALL", "C".into()),
        ]
    }

    /// The binary, run in `work/` with a hermetic environment.
    pub fn cmd(&self) -> Command {
        self.cmd_in(&self.root)
    }

    pub fn cmd_in(&self, dir: &Path) -> Command {
        let mut cmd = Command::cargo_bin("gofix-leaks").expect("the gofix-leaks binary");
        cmd.current_dir(dir);
        for var in Self::REMOVED_ENV {
            cmd.env_remove(var);
        }
        for (k, v) in self.set_env() {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs the binary with `args` and returns its output (any exit status).
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("run gofix-leaks")
    }

    pub fn git_output(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        self.git_output_in(&self.root, args, stdin)
    }

    /// Runs git in `dir` (hermetic, with an identity) and returns its output.
    pub fn git_output_in(&self, dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(dir)
            .args([
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.invalid",
            ])
            .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
            .args(args);
        for var in Self::REMOVED_ENV {
            cmd.env_remove(var);
        }
        cmd.envs(self.set_env());
        match stdin {
            None => cmd.output().expect("run git"),
            Some(input) => {
                use std::io::Write;
                cmd.stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped());
                let mut child = cmd.spawn().expect("spawn git");
                child.stdin.take().unwrap().write_all(input).unwrap();
                child.wait_with_output().expect("wait git")
            }
        }
    }

    /// Runs git in `work/`, asserts success and returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args, None);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// `git init` with a local identity (which the binary's commits use too).
    pub fn init_repo(&self) {
        self.git(&["init", "-q", "-b", "main"]);
        self.git(&["config", "user.name", "Test"]);
        self.git(&["config", "user.email", "test@example.invalid"]);
        self.git(&["config", "commit.gpgsign", "false"]);
    }

    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// `git rev-parse <rev>`, trimmed.
    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", "--verify", rev]).trim().to_string()
    }

    /// Every file under `work/` except `.git/`, with its bytes.
    pub fn snapshot_files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for e in fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                if p.file_name().is_some_and(|n| n == ".git") {
                    continue;
                }
                if e.file_type().unwrap().is_dir() {
                    walk(&p, base, out);
                } else {
                    out.insert(
                        p.strip_prefix(base).unwrap().to_path_buf(),
                        fs::read(&p).unwrap(),
                    );
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.root, &self.root, &mut out);
        out
    }

    /// Names of leftover `.gofix-leaks-*.tmp` files in `dir`.
    pub fn temp_leftovers(&self, dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".gofix-leaks-"))
            .collect()
    }
}

/// Two Go modules, `.` and `svc/api`, with a leak in each (`a/a.go`,
/// `svc/api/y.go`): `--split module` makes the branches `-root` and
/// `-svc-api`, in that order.
pub fn two_modules(s: &Sandbox) {
    s.write("go.mod", "module example.com/top\n\ngo 1.22\n");
    s.write("svc/api/go.mod", "module example.com/api\n\ngo 1.22\n");
    s.write("a/a.go", LEAKY);
    s.write("svc/api/y.go", LEAKY);
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited with a status")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `diff --git a/X b/X` file names of a diff, in order, with git's
/// C-style quoting (`"a/\303\274.go"`) undone.
pub fn diff_files(diff: &str) -> Vec<String> {
    diff.lines()
        .filter_map(|l| l.strip_prefix("diff --git "))
        .map(|rest| match rest.strip_prefix('"') {
            Some(quoted) => unquote_c(quoted)
                .strip_prefix("a/")
                .expect("a/ prefix")
                .to_string(),
            None => rest
                .strip_prefix("a/")
                .expect("a/ prefix")
                .split(" b/")
                .next()
                .unwrap()
                .to_string(),
        })
        .collect()
}

/// Reads a C-style quoted name as git writes it, from after its opening
/// quote up to the closing one.
pub fn unquote_c(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && b[i] != b'"' {
        if b[i] == b'\\' {
            i += 1;
            match b[i] {
                b'0'..=b'7' => {
                    let oct = std::str::from_utf8(&b[i..i + 3]).unwrap();
                    out.push(u8::from_str_radix(oct, 8).unwrap());
                    i += 3;
                    continue;
                }
                b'a' => out.push(7),
                b'b' => out.push(8),
                b't' => out.push(b'\t'),
                b'n' => out.push(b'\n'),
                b'v' => out.push(11),
                b'f' => out.push(12),
                b'r' => out.push(b'\r'),
                other => out.push(other),
            }
        } else {
            out.push(b[i]);
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 name")
}

/// A diff reduced to what two tools must agree on: each file's name, its
/// hunk headers without git's function-context suffix, and the +/- lines.
pub fn hunks(diff: &str) -> Vec<String> {
    let mut out = Vec::new();
    for l in diff.lines() {
        if let Some(rest) = l.strip_prefix("diff --git ") {
            out.push(format!("file {rest}"));
        } else if l.starts_with("--- ") || l.starts_with("+++ ") {
            continue;
        } else if let Some(rest) = l.strip_prefix("@@") {
            let end = rest.find("@@").expect("hunk header closes with @@");
            out.push(format!("@@{}@@", &rest[..end]));
        } else if l.starts_with('+') || l.starts_with('-') {
            out.push(l.to_string());
        }
    }
    out
}

/// stdout parsed as JSON; a panic showing both streams when it is not.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            stdout(out),
            stderr(out)
        )
    })
}
