//! `.gofix-leaks.toml` end to end: where it is found, each key, flags
//! winning over the file, errors with file and line, excludes, extra rule
//! directories, and the branch and author of `--apply`.

mod common;

use common::{LEAKY, Sandbox, code, diff_files, fixed, stderr, stdout};

const CONFIG: &str = ".gofix-leaks.toml";

fn signal_rule() -> String {
    std::fs::read_to_string(format!(
        "{}/examples/rules/signal-notify-buffer.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// The ids `--list-rules` prints, with their option lines.
fn listed(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.run(&[&["--list-rules"], args].concat());
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    stdout(&out)
}

fn ids(list: &str) -> Vec<&str> {
    list.lines()
        .filter(|l| !l.starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .collect()
}

/// Runs with `args`, expects exit 2, and returns stderr.
fn error(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.run(args);
    assert_eq!(code(&out), 2, "{args:?}: {}{}", stdout(&out), stderr(&out));
    stderr(&out)
}

#[test]
fn found_at_the_repository_root_from_a_subdirectory() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write(CONFIG, "skip = [\"single-result-buffer\"]\n");
    sb.write("svc/main.go", LEAKY);
    let svc = sb.path("svc");
    let out = sb.cmd_in(&svc).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    // --no-config ignores it.
    let out = sb.cmd_in(&svc).arg("--no-config").output().unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    // A file in the subdirectory is not the repository's config.
    std::fs::remove_file(sb.path(CONFIG)).unwrap();
    sb.write(
        "svc/.gofix-leaks.toml",
        "skip = [\"single-result-buffer\"]\n",
    );
    let out = sb.cmd_in(&svc).output().unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn outside_git_it_is_read_from_the_current_directory() {
    let sb = Sandbox::new();
    sb.write(CONFIG, "only = [\"waitgroup-done\"]\n");
    sb.write("main.go", LEAKY);
    assert_eq!(ids(&listed(&sb, &[])), vec!["waitgroup-done"]);
    assert_eq!(code(&sb.run(&[])), 0);
}

#[test]
fn config_flag_names_another_file() {
    let sb = Sandbox::new();
    sb.write(CONFIG, "only = [\"waitgroup-done\"]\n");
    sb.write("ci/leaks.toml", "only = [\"time-after-in-loop\"]\n");
    assert_eq!(
        ids(&listed(&sb, &["--config", "ci/leaks.toml"])),
        vec!["time-after-in-loop"]
    );
    assert_eq!(
        ids(&listed(&sb, &["--no-config"])).len(),
        4,
        "the built-in pack"
    );
    let e = error(&sb, &["--config", "missing.toml", "--list-rules"]);
    assert!(e.contains("cannot read config file missing.toml"), "{e}");
    error(&sb, &["--config", "ci/leaks.toml", "--no-config"]);
}

#[test]
fn only_skip_and_enabled_and_flags_win() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    sb.write(
        CONFIG,
        "only = [\"single-result-buffer\", \"time-after-in-loop\"]\n",
    );
    assert_eq!(
        ids(&listed(&sb, &[])),
        vec!["single-result-buffer", "time-after-in-loop"]
    );
    // --only replaces the file's only; --skip adds to the selection.
    assert_eq!(
        ids(&listed(&sb, &["--only", "waitgroup-done"])),
        vec!["waitgroup-done"]
    );
    assert_eq!(
        ids(&listed(&sb, &["--skip", "time-after-in-loop"])),
        vec!["single-result-buffer"]
    );

    sb.write(
        CONFIG,
        "skip = [\"fan-in-ctx-guard\"]\n\n[rules.single-result-buffer]\nenabled = false\n",
    );
    assert_eq!(
        ids(&listed(&sb, &[])),
        vec!["time-after-in-loop", "waitgroup-done"]
    );
    assert_eq!(code(&sb.run(&[])), 0, "the leak's rule is disabled");
    // --skip adds to the file's skip and disabled rules.
    assert_eq!(
        ids(&listed(&sb, &["--skip", "waitgroup-done"])),
        vec!["time-after-in-loop"]
    );
    // --only runs what it names even when the file skips or disables it.
    assert_eq!(
        ids(&listed(
            &sb,
            &["--only", "single-result-buffer,fan-in-ctx-guard"]
        )),
        vec!["fan-in-ctx-guard", "single-result-buffer"]
    );
    let out = sb.run(&["--only", "single-result-buffer"]);
    assert_eq!(code(&out), 1);
    assert_eq!(diff_files(&stdout(&out)), vec!["main.go".to_string()]);

    sb.write(CONFIG, "[rules.single-result-buffer]\nenabled = true\n");
    assert_eq!(ids(&listed(&sb, &[])).len(), 4);
}

#[test]
fn rule_options_and_set_wins() {
    let sb = Sandbox::new();
    sb.write(CONFIG, "[rules.time-after-in-loop]\nleak_only = true\n");
    let list = listed(&sb, &[]);
    assert!(list.contains("option leak_only = true"), "{list}");
    let list = listed(&sb, &["--set", "time-after-in-loop.leak_only=false"]);
    assert!(list.contains("option leak_only = false"), "{list}");
    // A disabled rule's options are still checked and set.
    sb.write(
        CONFIG,
        "[rules.waitgroup-done]\nenabled = false\nuse_go = true\n",
    );
    let list = listed(&sb, &["--only", "waitgroup-done"]);
    assert!(list.contains("option use_go = true"), "{list}");
}

#[test]
fn unknown_keys_rules_and_options_are_errors_with_file_and_line() {
    let sb = Sandbox::new();
    sb.write(CONFIG, "only = []\n\nbogus = 1\n");
    let e = error(&sb, &["--list-rules"]);
    assert!(e.contains(".gofix-leaks.toml:3:1: invalid config"), "{e}");
    assert!(e.contains("unknown field `bogus`"), "{e}");

    sb.write(CONFIG, "# rules\n[rules.no-such-rule]\nleak_only = true\n");
    let e = error(&sb, &["--list-rules"]);
    assert!(
        e.contains(".gofix-leaks.toml:2:8: [rules.no-such-rule]: no rule `no-such-rule` (loaded: "),
        "{e}"
    );

    sb.write(CONFIG, "[rules.time-after-in-loop]\n\nno_such = 1\n");
    let e = error(&sb, &["--list-rules"]);
    assert!(
        e.contains(".gofix-leaks.toml:3:1: [rules.time-after-in-loop] rule `time-after-in-loop` has no option `no_such`"),
        "{e}"
    );

    sb.write(
        CONFIG,
        "only = [\n  \"single-result-buffer\",\n  \"waitgroup-dne\",\n]\n",
    );
    let e = error(&sb, &["--list-rules"]);
    assert!(
        e.contains(".gofix-leaks.toml:3:3: only: no rule `waitgroup-dne`"),
        "{e}"
    );
    sb.write(CONFIG, "skip = [\"nope\"]\n");
    let e = error(&sb, &["--list-rules"]);
    assert!(
        e.contains(".gofix-leaks.toml:1:9: skip: no rule `nope`"),
        "{e}"
    );
}

#[test]
fn bad_values_are_errors_with_file_and_line() {
    let sb = Sandbox::new();
    for (text, want) in [
        (
            "only = \"waitgroup-done\"\n",
            ":1:8: invalid config: invalid type",
        ),
        ("\nbranch = 3\n", ":2:10: invalid config: invalid type"),
        (
            "author = \"nobody\"\n",
            ":1:10: author = \"nobody\": expected \"Name <email>\"",
        ),
        (
            "branch = \"bot/{when}\"\n",
            ":1:10: branch `bot/{when}`: unknown placeholder `{when}`",
        ),
        (
            "exclude = [\"ok\", \"bad{\"]\n",
            ":1:18: exclude: error parsing glob 'bad{': unclosed alternate group",
        ),
        (
            "[rules.waitgroup-done]\nenabled = \"no\"\n",
            ":2:11: [rules.waitgroup-done] enabled: a boolean, not string",
        ),
        (
            "[rules.waitgroup-done]\nuse_go = [true]\n",
            ":2:10: [rules.waitgroup-done] use_go: a boolean, string or integer, not array",
        ),
        ("only = [\n", ":1:9: invalid config: unclosed array"),
    ] {
        sb.write(CONFIG, text);
        let e = error(&sb, &["--list-rules"]);
        assert!(
            e.contains(&format!(".gofix-leaks.toml{want}")),
            "{text:?}: want {want:?} in {e}"
        );
    }
}

#[test]
fn exclude_patterns_leave_files_out() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write(
        CONFIG,
        "exclude = [\"gen/\", \"*_mock.go\", \"!keep_mock.go\", \"/svc/legacy.go\"]\n",
    );
    for f in [
        "main.go",
        "gen/a.go",
        "gen/deep/b.go",
        "svc/x_mock.go",
        "svc/keep_mock.go",
        "svc/legacy.go",
        "svc/ok.go",
        "other/svc/legacy.go",
    ] {
        sb.write(f, LEAKY);
    }
    let want = vec![
        "main.go".to_string(),
        "other/svc/legacy.go".to_string(),
        "svc/keep_mock.go".to_string(),
        "svc/ok.go".to_string(),
    ];
    let out = sb.run(&["--color", "never"]);
    assert_eq!(diff_files(&stdout(&out)), want, "{}", stderr(&out));
    // Patterns are relative to the config file, wherever the run starts;
    // a file named on the command line is excluded too.
    let out = sb
        .cmd_in(&sb.path("svc"))
        .args(["--color", "never", ".", "legacy.go"])
        .output()
        .unwrap();
    assert_eq!(
        diff_files(&stdout(&out)),
        vec!["svc/keep_mock.go".to_string(), "svc/ok.go".to_string()]
    );
    // --apply reads HEAD's files and leaves out the same ones.
    sb.commit_all("initial");
    let out = sb.run(&["--apply", "--branch", "fix"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let changed: Vec<String> = sb
        .git(&["diff", "--name-only", "HEAD", "fix"])
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(changed, want);
}

#[test]
fn extra_rules_are_relative_to_the_config_file() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("tools/leak-rules/signal.toml", &signal_rule());
    sb.write(CONFIG, "extra_rules = [\"tools/leak-rules\"]\n");
    sb.write("svc/main.go", &fixed());
    let out = sb
        .cmd_in(&sb.path("svc"))
        .arg("--list-rules")
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("signal-notify-buffer"),
        "{}",
        stdout(&out)
    );
    // Together with --rules, a rule defined twice is an error.
    let e = error(
        &sb,
        &["--list-rules", "--rules", "tools/leak-rules/signal.toml"],
    );
    assert!(e.contains("already defined"), "{e}");
    // A missing directory names the config line.
    sb.write(CONFIG, "\nextra_rules = [\"tools/nope\"]\n");
    let e = error(&sb, &["--list-rules"]);
    assert!(
        e.contains(".gofix-leaks.toml:2:16: extra_rules: cannot read rules from"),
        "{e}"
    );
}

#[test]
fn branch_from_the_file_with_a_date_and_the_flag_wins() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.write(CONFIG, "branch = \"bot/leaks-{date}\"\n");
    sb.commit_all("initial");
    let before = gofix_leaks::cli::config::today();
    let out = sb.run(&["--apply"]);
    let after = gofix_leaks::cli::config::today();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let made = [before, after]
        .into_iter()
        .map(|d| format!("bot/leaks-{d}"))
        .find(|b| text.contains(&format!("branch {b}\n")))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(sb.git(&["show", &format!("{made}:main.go")]), fixed());

    let out = sb.run(&["--apply", "--branch", "mine"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("branch mine\n"),
        "{}",
        stdout(&out)
    );

    // Without a config, the default.
    let out = sb.run(&["--apply", "--no-config"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with("branch gofix-leaks/fix-leaks\n"));
}

#[test]
fn author_is_used_for_the_apply_commit() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.write(CONFIG, "author = \"Leak Bot <leak-bot@example.com>\"\n");
    sb.commit_all("initial");
    let out = sb.run(&["--apply", "--branch", "fix"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        sb.git(&["log", "-1", "--format=%an <%ae>", "fix"]).trim(),
        "Leak Bot <leak-bot@example.com>"
    );
    // The committer stays the repository's identity.
    assert_eq!(
        sb.git(&["log", "-1", "--format=%cn <%ce>", "fix"]).trim(),
        "Test <test@example.invalid>"
    );
}

#[test]
fn readme_example_loads() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let section = &readme[readme.find("## Configuration file").expect("the section")..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let sb = Sandbox::new();
    sb.write("tools/leak-rules/signal.toml", &signal_rule());
    sb.write(CONFIG, example);
    let list = listed(&sb, &[]);
    assert_eq!(
        ids(&list),
        vec![
            "single-result-buffer",
            "time-after-in-loop",
            "waitgroup-done"
        ]
    );
    assert!(list.contains("option leak_only = true"), "{list}");
    assert!(list.contains("option use_go = true"), "{list}");
}

/// A loop on `time.After`: an allocation per pass on go 1.23, a leak before.
const POLL: &str = "package main

import \"time\"

func poll(in <-chan int) int {
	for {
		select {
		case <-in:
		case <-time.After(time.Second):
			return 0
		}
	}
}
";

#[test]
fn kinds_keeps_only_findings_of_those_kinds() {
    let sb = Sandbox::new();
    sb.write("new/go.mod", "module example.com/new\n\ngo 1.23\n");
    sb.write("new/poll.go", POLL);
    sb.write("old/go.mod", "module example.com/old\n\ngo 1.22\n");
    sb.write("old/poll.go", POLL);
    sb.write("chan/main.go", LEAKY);
    let kinds = |sb: &Sandbox, args: &[&str]| -> Vec<(String, String)> {
        let out = sb.run(&[&["--format", "json"], args].concat());
        assert_eq!(code(&out), 1, "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file"].as_str().unwrap().to_string(),
                    f["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let pair = |f: &str, k: &str| (f.to_string(), k.to_string());
    assert_eq!(
        kinds(&sb, &[]),
        [
            pair("chan/main.go", "leak"),
            pair("new/poll.go", "allocation"),
            pair("old/poll.go", "leak"),
        ]
    );
    sb.write(CONFIG, "kinds = [\"leak\"]\n");
    assert_eq!(
        kinds(&sb, &[]),
        [pair("chan/main.go", "leak"), pair("old/poll.go", "leak")]
    );
    // A bot that wants the allocations only.
    sb.write(CONFIG, "kinds = [\"allocation\"]\n");
    assert_eq!(kinds(&sb, &[]), [pair("new/poll.go", "allocation")]);
    // --only-leaks wins over the file; --no-config drops it.
    assert_eq!(
        kinds(&sb, &["--only-leaks"]),
        [pair("chan/main.go", "leak"), pair("old/poll.go", "leak")]
    );
    assert_eq!(kinds(&sb, &["--no-config"]).len(), 3);
    sb.write(CONFIG, "kinds = [\"allocation\", \"leak\"]\n");
    assert_eq!(kinds(&sb, &[]).len(), 3);

    // Only the allocations are left to fix once the leaks are: with
    // kinds = ["leak"] that is a clean run (exit 0, no diff).
    sb.write(CONFIG, "kinds = [\"leak\"]\n");
    let out = sb.run(&["--write"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(sb.read("new/poll.go"), POLL);
    assert_eq!(sb.read("chan/main.go"), fixed());
    let out = sb.run(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn kinds_values_are_checked() {
    let sb = Sandbox::new();
    for (text, want) in [
        (
            "kinds = [\"leak\", \"leaks\"]\n",
            ":1:18: kinds: unknown kind `leaks` (known: leak, allocation)",
        ),
        (
            "\nkinds = []\n",
            ":2:9: kinds: an empty list would report nothing",
        ),
        ("kinds = \"leak\"\n", ":1:9: invalid config: invalid type"),
    ] {
        sb.write(CONFIG, text);
        let e = error(&sb, &["--list-rules"]);
        assert!(
            e.contains(&format!(".gofix-leaks.toml{want}")),
            "{text:?}: want {want:?} in {e}"
        );
    }
}
