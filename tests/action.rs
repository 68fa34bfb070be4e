//! The GitHub Action's shell (scripts/action.sh and scripts/install.sh), run
//! as action.yml runs it: against a real repository whose `origin` is a bare
//! repository in a temp dir, with the built binary on PATH. Only GitHub's
//! API is played by a script: `GOFIX_LEAKS_GH` points at a recorder that
//! logs each `gh` call and answers `pr list` from what `pr create` made.
//! Also the pre-commit entry (scripts/pre-commit.sh) when the tool is not on
//! PATH: the release binary, installed once into the cache.

mod common;

use common::{LEAKY, LEAKY_GET2, Sandbox, code, fixed, stderr, stdout};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BRANCH: &str = "gofix-leaks/fix-leaks";

/// A `gh` stand-in: one line per call (arguments joined by `|`), the body
/// file copied aside, and PR #7 once `pr create` ran.
const GH_RECORDER: &str = r#"#!/bin/sh
(IFS='|'; printf '%s\n' "$*") >> "$GH_LOG"
case "$1 $2" in
    "pr list") cat "$GH_STATE" 2>/dev/null || true ;;
    "pr create") echo 7 > "$GH_STATE" ;;
esac
while [ $# -gt 0 ]; do
    if [ "$1" = --body-file ]; then cp "$2" "$GH_BODY"; fi
    shift
done
"#;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

/// A repository with a leaky `main.go` on `main`, pushed to a bare origin.
struct Repo {
    sb: Sandbox,
    base: PathBuf,
    origin: PathBuf,
}

impl Repo {
    fn new(main_go: &str) -> Repo {
        let sb = Sandbox::new();
        let base = sb.home.parent().unwrap().to_path_buf();
        let origin = base.join("origin.git");
        let out = sb.git_output_in(
            &base,
            &["init", "-q", "--bare", "-b", "main", "origin.git"],
            None,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        sb.init_repo();
        sb.write("go.mod", "module example.com/m\n\ngo 1.22\n");
        sb.write("main.go", main_go);
        sb.commit_all("start");
        sb.git(&["remote", "add", "origin", origin.to_str().unwrap()]);
        sb.git(&["push", "-q", "origin", "main"]);
        let gh = base.join("gh-recorder");
        fs::write(&gh, GH_RECORDER).unwrap();
        let out = Command::new("chmod").arg("+x").arg(&gh).output().unwrap();
        assert!(out.status.success());
        Repo { sb, base, origin }
    }

    /// `action.sh MODE` in the work tree with the inputs `env`.
    fn action(&self, mode: &str, env: &[(&str, &str)]) -> Output {
        self.action_in(&self.sb.root, mode, env)
    }

    fn action_in(&self, dir: &Path, mode: &str, env: &[(&str, &str)]) -> Output {
        let bin = Path::new(env!("CARGO_BIN_EXE_gofix-leaks"))
            .parent()
            .unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        let mut cmd = Command::new("bash");
        cmd.arg(script("action.sh")).arg(mode).current_dir(dir);
        self.sb.hermetic(&mut cmd);
        cmd.env("PATH", path)
            .env("RUNNER_TEMP", &self.base)
            .env("GOFIX_LEAKS_GH", self.base.join("gh-recorder"))
            .env("GH_LOG", self.base.join("gh.log"))
            .env("GH_STATE", self.base.join("gh.state"))
            .env("GH_BODY", self.base.join("gh-body.md"))
            .envs(env.iter().copied());
        cmd.output().expect("run bash")
    }

    /// git in the bare origin.
    fn origin_git(&self, args: &[&str]) -> String {
        let mut all = vec!["--git-dir", self.origin.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = self.sb.git_output_in(&self.base, &all, None);
        assert!(out.status.success(), "git {all:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// The `gh` calls so far, each as its arguments.
    fn gh_calls(&self) -> Vec<Vec<String>> {
        let log = fs::read_to_string(self.base.join("gh.log")).unwrap_or_default();
        log.lines()
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect()
    }
}

#[test]
fn bot_mode_pushes_the_fix_branch_and_opens_then_updates_one_pr() {
    let r = Repo::new(LEAKY);
    let out = r.action("bot", &[("INPUT_BASE_REF", "main")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("branch {BRANCH}\n")));

    // The branch landed in the remote: the local fix commit on top of main.
    let pushed = r.origin_git(&["rev-parse", BRANCH]);
    assert_eq!(pushed.trim(), r.sb.rev(BRANCH));
    assert_eq!(
        r.origin_git(&["rev-parse", &format!("{BRANCH}^")]),
        r.origin_git(&["rev-parse", "main"])
    );
    assert_eq!(
        r.origin_git(&["show", &format!("{BRANCH}:main.go")]),
        fixed()
    );
    // The work tree is the checkout's, untouched.
    assert_eq!(r.sb.read("main.go"), LEAKY);
    assert_eq!(r.sb.git(&["status", "--porcelain"]), "");

    let subject = r.sb.git(&["log", "-1", "--format=%s", BRANCH]);
    let calls = r.gh_calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0][..5], ["pr", "list", "--head", BRANCH, "--state"]);
    assert_eq!(
        calls[1][..8],
        [
            "pr",
            "create",
            "--base",
            "main",
            "--head",
            BRANCH,
            "--title",
            subject.trim()
        ]
    );
    assert_eq!(calls[1][8], "--body-file");
    let body = fs::read_to_string(r.base.join("gh-body.md")).unwrap();
    assert!(
        body.contains("single-result-buffer") && body.contains("main.go"),
        "{body}"
    );
    assert!(
        !Path::new(&calls[1][9]).exists(),
        "the body's temp file is removed"
    );

    // main moves on with a second leak: the re-run moves the branch onto
    // the new main and edits the open PR instead of opening another.
    r.sb.write("main.go", &format!("{LEAKY}{LEAKY_GET2}"));
    r.sb.commit_all("second leak");
    r.sb.git(&["push", "-q", "origin", "main"]);
    let out = r.action("bot", &[("INPUT_BASE_REF", "main")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        r.origin_git(&["rev-parse", &format!("{BRANCH}^")]),
        r.origin_git(&["rev-parse", "main"])
    );
    let fixed_go = r.origin_git(&["show", &format!("{BRANCH}:main.go")]);
    assert_eq!(
        fixed_go.matches("make(chan int, 1)").count(),
        2,
        "{fixed_go}"
    );
    let calls = r.gh_calls();
    assert_eq!(calls.len(), 4, "{calls:?}");
    let subject = r.sb.git(&["log", "-1", "--format=%s", BRANCH]);
    assert_eq!(
        calls[3][..5],
        ["pr", "edit", "7", "--title", subject.trim()]
    );
}

#[test]
fn bot_mode_pushes_nothing_without_fixes_or_when_the_tool_fails() {
    let r = Repo::new(&fixed());
    let out = r.action("bot", &[("INPUT_BASE_REF", "main")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing to fix; no branch pushed"));

    r.sb.write("main.go", LEAKY);
    r.sb.commit_all("a leak");
    r.sb.git(&["push", "-q", "origin", "main"]);
    let out = r.action(
        "bot",
        &[
            ("INPUT_BASE_REF", "main"),
            ("INPUT_ARGS", "--rules no/such/dir"),
        ],
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("gofix-leaks failed (exit 2); nothing pushed"));

    assert_eq!(
        r.origin_git(&["for-each-ref", "--format=%(refname)"]),
        "refs/heads/main\n"
    );
    assert!(r.gh_calls().is_empty());
}

/// A second file with one more leak, in `main.go`'s package.
fn new_leak_file() -> String {
    format!("package main\n\nimport (\n\t\"errors\"\n\t\"time\"\n)\n{LEAKY_GET2}")
}

/// The SARIF results' file paths.
fn sarif_files(path: &Path) -> Vec<String> {
    let log: serde_json::Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let uri = "/locations/0/physicalLocation/artifactLocation/uri";
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.pointer(uri).and_then(|u| u.as_str()).unwrap().to_string())
        .collect()
}

#[test]
fn gate_mode_fails_on_the_new_leak_only_and_writes_sarif() {
    let r = Repo::new(LEAKY);
    // A pull request's checkout: the feature branch, no local main.
    r.sb.git(&["checkout", "-q", "-b", "feature"]);
    r.sb.write("b.go", &new_leak_file());
    r.sb.commit_all("a new leak");
    r.sb.git(&["push", "-q", "origin", "feature"]);
    r.sb.git(&["branch", "-q", "-D", "main"]);

    let out = r.action("gate", &[("INPUT_BASE_REF", "main")]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("+++ b/b.go"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("main.go"), "{}", stdout(&out));
    assert_eq!(sarif_files(&r.sb.path("gofix-leaks.sarif")), ["b.go"]);

    // A shallow clone lacks the base commit: the script fetches it.
    let main = r.origin_git(&["rev-parse", "main"]);
    r.origin_git(&["config", "uploadpack.allowAnySHA1InWant", "true"]);
    let url = format!("file://{}", r.origin.display());
    let out = r.sb.git_output_in(
        &r.base,
        &[
            "clone", "-q", "--depth", "1", "-b", "feature", &url, "shallow",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let shallow = r.base.join("shallow");
    let out = r.action_in(&shallow, "gate", &[("INPUT_BASE_REF", main.trim())]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("fetching"), "{}", stderr(&out));
    assert_eq!(sarif_files(&shallow.join("gofix-leaks.sarif")), ["b.go"]);

    // Allocations and leaks alike pass with fail-on none; SARIF still lists them.
    let out = r.action(
        "gate",
        &[("INPUT_BASE_REF", "origin/main"), ("INPUT_FAIL_ON", "none")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sarif_files(&r.sb.path("gofix-leaks.sarif")), ["b.go"]);

    let out = r.action("gate", &[]);
    assert_ne!(code(&out), 0);
    assert!(
        stderr(&out).contains("gate mode needs base-ref"),
        "{}",
        stderr(&out)
    );
}

/// The release target name of this machine, as the release workflow
/// names its archives.
fn release_target() -> String {
    let os = match std::env::consts::OS {
        "linux" => "unknown-linux-musl",
        "macos" => "apple-darwin",
        other => panic!("no release archive for {other} in this test"),
    };
    format!("{}-{os}", std::env::consts::ARCH)
}

/// A release directory as the release workflow makes it: this build's
/// binary in `gofix-leaks-<target>.tar.gz`, and SHA256SUMS.
fn release_dir(dir: &Path) -> String {
    let name = format!("gofix-leaks-{}", release_target());
    fs::create_dir_all(dir.join(&name)).unwrap();
    fs::copy(
        env!("CARGO_BIN_EXE_gofix-leaks"),
        dir.join(&name).join("gofix-leaks"),
    )
    .unwrap();
    let sh =
        format!("tar -czf {name}.tar.gz {name} && rm -r {name} && sha256sum -- * > SHA256SUMS");
    let out = Command::new("sh")
        .args(["-c", &sh])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    format!("{name}.tar.gz")
}

#[test]
fn install_takes_a_release_binary_only_with_its_checksum() {
    let r = Repo::new(LEAKY);
    let rel = r.base.join("release");
    let archive = release_dir(&rel);
    let url = format!("file://{}", rel.display());
    let github_path = r.base.join("github-path");
    let root = r.base.join("root");
    let install = |root: &Path| {
        r.action(
            "install",
            &[
                // Pinned to a release tag, the action installs that release.
                ("ACTION_REF", "v9.9.9"),
                ("GOFIX_LEAKS_RELEASE_URL", &url),
                ("GOFIX_LEAKS_ROOT", root.to_str().unwrap()),
                ("GITHUB_PATH", github_path.to_str().unwrap()),
            ],
        )
    };
    let out = install(&root);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("release v9.9.9 from file://"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read(root.join("bin/gofix-leaks")).unwrap(),
        fs::read(env!("CARGO_BIN_EXE_gofix-leaks")).unwrap()
    );
    assert_eq!(
        fs::read_to_string(&github_path).unwrap(),
        format!("{}\n", root.join("bin").display())
    );

    // A wrong checksum, or none, installs nothing and does not fall back.
    let sums = fs::read_to_string(rel.join("SHA256SUMS")).unwrap();
    let wrong = format!("{} {archive}\n", "0".repeat(64));
    fs::write(rel.join("SHA256SUMS"), wrong).unwrap();
    let bad = r.base.join("bad");
    let refused = |why: &str| {
        let out = install(&bad);
        assert_ne!(code(&out), 0);
        assert!(stderr(&out).contains(why), "{}", stderr(&out));
        assert!(!bad.exists());
    };
    refused("checksum mismatch");
    fs::remove_file(rel.join("SHA256SUMS")).unwrap();
    refused("but no SHA256SUMS");

    // No archive for this platform: the cargo fallback, here without cargo
    // on PATH, which it says.
    fs::write(rel.join("SHA256SUMS"), sums).unwrap();
    fs::remove_file(rel.join(&archive)).unwrap();
    let out = r.action(
        "install",
        &[
            ("GOFIX_LEAKS_RELEASE_URL", &url),
            ("GOFIX_LEAKS_ROOT", bad.to_str().unwrap()),
            ("PATH", &path_without("cargo")),
            ("ACTION_REF", "main"),
        ],
    );
    assert_ne!(code(&out), 0);
    assert!(
        stderr(&out).contains("release latest from"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("building with cargo install --locked")
            && stderr(&out).contains("cargo is not on PATH"),
        "{}",
        stderr(&out)
    );
}

/// PATH without any directory that holds `name`.
fn path_without(name: &str) -> String {
    std::env::var("PATH")
        .unwrap()
        .split(':')
        .filter(|d| !Path::new(d).join(name).exists())
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn pre_commit_entry_installs_the_release_binary_once_into_the_cache() {
    let r = Repo::new(LEAKY);
    let rel = r.base.join("release");
    release_dir(&rel);
    let cache = r.base.join("cache");
    let hook = |release: &str| {
        let mut cmd = Command::new(script("pre-commit.sh"));
        r.sb.hermetic(&mut cmd);
        cmd.current_dir(&r.sb.root)
            .env("PATH", path_without("gofix-leaks"))
            .env("GOFIX_LEAKS_CACHE", &cache)
            .env("GOFIX_LEAKS_RELEASE_URL", release)
            .args(["--dry-run", "main.go"]);
        cmd.output().unwrap()
    };
    let out = hook(&format!("file://{}", rel.display()));
    assert_eq!(code(&out), 1, "the leak fails the hook: {}", stderr(&out));
    assert!(stdout(&out).contains("+++ b/main.go"), "{}", stdout(&out));
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    assert!(
        stderr(&out).contains("installed gofix-leaks-"),
        "{}",
        stderr(&out)
    );
    assert!(cache.join(&version).join("bin/gofix-leaks").exists());

    // The second run takes the cached binary: no release needed.
    fs::remove_dir_all(&rel).unwrap();
    let out = hook(&format!("file://{}", rel.display()));
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(!stderr(&out).contains("install"), "{}", stderr(&out));
    assert!(stdout(&out).contains("+++ b/main.go"));
}
