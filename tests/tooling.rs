//! Around the tool: shell completions and the man page generated from the
//! clap definitions, the `completions`/`man` subcommands next to the PATH
//! arguments, and the pre-commit hooks in `.pre-commit-hooks.yaml`.

mod common;

use common::{LEAKY, Sandbox, clean, code, diff_files, fixed, stderr, stdout};
use std::fs;
use std::path::Path;

#[test]
fn completions_for_each_shell_mention_the_flags() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = sb.run(&["completions", shell]);
        assert_eq!(code(&out), 0, "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert!(!script.trim().is_empty(), "{shell}");
        for flag in ["dry-run", "write", "format", "explain"] {
            // fish spells a long option `-l NAME`.
            let spelled = match shell {
                "fish" => format!("-l {flag}"),
                _ => format!("--{flag}"),
            };
            assert!(
                script.contains(&spelled),
                "{shell} completion lacks {spelled}"
            );
        }
        if matches!(shell, "bash" | "zsh" | "fish") {
            assert!(script.contains("sarif"), "{shell}: --format values");
        }
    }
    // bash parses it.
    let out = sb.run(&["completions", "bash"]);
    let check = std::process::Command::new("bash")
        .args(["-n", "-c", &stdout(&out)])
        .output();
    if let Ok(check) = check {
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    let out = sb.run(&["completions", "tcsh"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("possible values"));
    let out = sb.run(&["completions"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn man_page_is_roff_that_documents_the_flags() {
    let sb = Sandbox::new();
    let out = sb.run(&["man"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let page = stdout(&out);
    assert!(page.contains(".TH gofix-leaks 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS"] {
        assert!(page.contains(section), "{section}");
    }
    // roff escapes `-` as `\-`.
    for flag in [
        r"\-\-dry\-run",
        r"\-\-write",
        r"\-\-apply",
        r"\-\-format",
        r"\-\-explain",
    ] {
        assert!(page.contains(flag), "the man page lacks {flag}");
    }
    assert!(page.contains("sarif") && page.contains("github"));
    assert!(page.contains("completions"), "the subcommands are listed");
}

#[test]
fn subcommand_words_do_not_take_away_paths() {
    let sb = Sandbox::new();
    sb.write("man/leak.go", LEAKY);
    sb.write("completions/leak.go", LEAKY);
    sb.write("top.go", &clean());

    // A bare `man` is the subcommand.
    let out = sb.run(&["man"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains(".TH"));

    // `./man`, `man/`, `man/...`, and `man` after a flag or another path
    // are the directory.
    let forms: [&[&str]; 5] = [
        &["./man"],
        &["man/"],
        &["man/..."],
        &["--dry-run", "man"],
        &["--color", "never", "man"],
    ];
    for args in forms {
        let out = sb.run(args);
        assert_eq!(code(&out), 1, "{args:?}: {}", stderr(&out));
        assert_eq!(diff_files(&stdout(&out)), ["man/leak.go"], "{args:?}");
    }
    let out = sb.run(&["./man", "completions"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        diff_files(&stdout(&out)),
        ["completions/leak.go", "man/leak.go"]
    );

    // No argument still means `.`; `--write ./man` writes there.
    let out = sb.run(&[]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        diff_files(&stdout(&out)),
        ["completions/leak.go", "man/leak.go"]
    );
    sb.cmd().args(["--write", "./man"]).assert().code(0);
    assert_eq!(sb.read("man/leak.go"), fixed());
    assert_eq!(sb.read("completions/leak.go"), LEAKY);

    // A subcommand takes no checking flags.
    let out = sb.run(&["man", "--write"]);
    assert_eq!(code(&out), 2);
    assert_eq!(sb.read("completions/leak.go"), LEAKY);
    // And `help` is not a subcommand: a directory may have that name.
    sb.write("help/leak.go", LEAKY);
    let out = sb.run(&["help"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(diff_files(&stdout(&out)), ["help/leak.go"]);
}

// ---------------------------------------------------------------------------
// .pre-commit-hooks.yaml
// ---------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Hook {
    id: String,
    entry: String,
    args: Vec<String>,
    language: String,
    types: Vec<String>,
    pass_filenames: bool,
}

/// The hooks of `.pre-commit-hooks.yaml` (a list of flat mappings, with
/// `[a, b]` lists, which is all the file uses).
fn hooks() -> Vec<Hook> {
    let text = fs::read_to_string(format!(
        "{}/.pre-commit-hooks.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let list = |v: &str| -> Vec<String> {
        v.trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut out: Vec<Hook> = Vec::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap();
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (key, value) = line
            .trim_start_matches("- ")
            .trim()
            .split_once(':')
            .unwrap_or_else(|| panic!("key: value, not {line:?}"));
        let value = value.trim();
        if line.starts_with("- ") {
            out.push(Hook::default());
        }
        let hook = out.last_mut().expect("a hook starts with `- id:`");
        match key {
            "id" => hook.id = value.to_string(),
            "entry" => hook.entry = value.to_string(),
            "args" => hook.args = list(value),
            "language" => hook.language = value.to_string(),
            "types" => hook.types = list(value),
            "pass_filenames" => hook.pass_filenames = value == "true",
            _ => {}
        }
    }
    out
}

#[test]
fn pre_commit_hooks_check_and_fix_the_files_they_are_given() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["gofix-leaks", "gofix-leaks-fix"]);
    for h in &hooks {
        assert_eq!(h.entry, "scripts/pre-commit.sh", "{h:?}");
        assert_eq!(h.language, "script", "{h:?}");
        assert_eq!(h.types, ["go"], "{h:?}");
        assert!(h.pass_filenames, "{h:?}");
    }

    // Run each hook as pre-commit does: entry (from the hook repository),
    // args, then the staged files; the tool is on PATH, so the entry runs
    // it (tests/action.rs covers the download).
    let run = |h: &Hook, sb: &Sandbox, files: &[&str]| {
        let bin = Path::new(env!("CARGO_BIN_EXE_gofix-leaks"))
            .parent()
            .unwrap();
        let mut cmd =
            std::process::Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(&h.entry));
        sb.hermetic(&mut cmd);
        cmd.current_dir(&sb.root)
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .args(&h.args)
            .args(files);
        cmd.output().expect("run the hook's entry")
    };
    let check = &hooks[0];
    let sb = Sandbox::new();
    sb.write("svc/leak.go", LEAKY);
    sb.write("svc/ok.go", &clean());
    sb.write("other/leak.go", LEAKY);
    let out = run(check, &sb, &["svc/leak.go", "svc/ok.go"]);
    assert_eq!(code(&out), 1, "a finding fails the hook");
    assert_eq!(
        diff_files(&stdout(&out)),
        ["svc/leak.go"],
        "only the files given"
    );
    assert!(stderr(&out).contains("single-result-buffer"));
    assert_eq!(
        sb.read("svc/leak.go"),
        LEAKY,
        "the check hook writes nothing"
    );
    let out = run(check, &sb, &["svc/ok.go"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let fix = &hooks[1];
    let out = run(fix, &sb, &["svc/leak.go", "svc/ok.go"]);
    assert_eq!(code(&out), 0, "all fixed: {}", stderr(&out));
    assert_eq!(sb.read("svc/leak.go"), fixed());
    assert_eq!(sb.read("other/leak.go"), LEAKY, "files not given stay");
    let out = run(check, &sb, &["svc/leak.go"]);
    assert_eq!(code(&out), 0, "fixed files pass the check");
}
