//! `--format sarif` and `--format github` on real runs over fixtures with
//! and without fixes: the SARIF log validates against the official SARIF
//! 2.1.0 schema (tests/sarif/), its positions are UTF-16 columns, its
//! replacements reproduce what `--write` writes; the workflow commands are
//! escaped as the Actions toolkit does.

mod common;

use common::{LEAKY, Sandbox, clean, code, stderr, stdout};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;

fn fixture(rel: &str) -> String {
    fs::read_to_string(format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A file that is not UTF-8 (and holds what the rules look for).
const LATIN1: &[u8] =
    b"package main\n\n// caf\xe9\nfunc f() {\n\tch := make(chan int)\n\tgo func() { ch <- 1 }()\n}\n";

/// `make(chan string)` preceded, on its line, by characters that take more
/// bytes than UTF-16 code units (and one that takes two code units).
fn wide() -> String {
    fixture("single-result-buffer/ctx-done-arm/input.go").replace(
        "\tch := make(chan string)\n",
        "\t/* ✓ é 𝄞 */ ch := make(chan string)\n",
    )
}

/// A tree with every kind of result: fixes in one file and across two, a
/// finding without a fix, all four rules, wide characters, a skipped region.
fn corpus() -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        "fix/ctx.go",
        &fixture("single-result-buffer/ctx-done-arm/input.go"),
    );
    sb.write(
        "nofix/iface.go",
        &fixture("single-result-buffer/interface-method-callee/input.go"),
    );
    // The goroutine's worker sits in another file: the fix edits that file.
    sb.write(
        "multi/main.go",
        "package main\n\nimport \"sync\"\n\nfunc main() {\n\tvar wg sync.WaitGroup\n\twg.Add(1)\n\tgo work(&wg, 3)\n\twg.Wait()\n}\n",
    );
    sb.write(
        "multi/worker.go",
        "package main\n\nimport \"sync\"\n\nfunc work(wg *sync.WaitGroup, n int) {\n\tif n > 2 {\n\t\treturn\n\t}\n\twg.Done()\n}\n",
    );
    sb.write(
        "fanin/first.go",
        &fixture("fan-in-ctx-guard/first-result-wins-slice/input.go"),
    );
    sb.write(
        "timer/loop.go",
        &fixture("time-after-in-loop/range-idle-timeout/input.go"),
    );
    sb.write(
        "wg/parse.go",
        &fixture("waitgroup-done/early-return-skips-done/input.go"),
    );
    sb.write("wide/u.go", &wide());
    sb.write(
        "broken/b.go",
        &LEAKY.replace(
            "func main() { _, _ = get() }\n",
            "func broken() {\n\tx := 1 2\n\tgo func() { _ = make(chan int) }()\n\t_ = x\n}\n\nfunc main() { _, _ = get() }\n",
        ),
    );
    sb
}

fn schema_errors(log: &Value) -> Vec<String> {
    let text = fs::read_to_string(format!(
        "{}/tests/sarif/sarif-schema-2.1.0.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    // The official schema's two `language` patterns end in an unescaped
    // `]`, which ECMAScript only reads as a literal in its legacy mode, so
    // the meta-schema check rejects the schema. Escaping it keeps the
    // meaning (and the log never has a `language`).
    let broken = r#"-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(broken).count(), 2);
    let text = text.replace(broken, r#"-[a-zA-Z]{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles");
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_valid(log: &Value) {
    let errors = schema_errors(log);
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

fn sarif(sb: &Sandbox, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "sarif"];
    all.extend_from_slice(args);
    let out = sb.run(&all);
    let log: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}): {}", stdout(&out)));
    (code(&out), log)
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn uri(loc: &Value) -> &str {
    loc["artifactLocation"]["uri"].as_str().unwrap()
}

/// The byte offset of a 1-based line and UTF-16 column.
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    let mut units = 0;
    for (i, c) in text[start..].char_indices() {
        if units == column as usize - 1 {
            return start + i;
        }
        units += c.len_utf16();
    }
    assert_eq!(units, column as usize - 1, "column past the end");
    text.len()
}

#[test]
fn an_allocation_is_a_note_in_a_valid_log() {
    let sb = Sandbox::new();
    sb.write("go.mod", "module example.com/m\n\ngo 1.23\n");
    sb.write(
        "timer/loop.go",
        &fixture("time-after-in-loop/range-idle-timeout/input.go"),
    );
    sb.write(
        "fix/ctx.go",
        &fixture("single-result-buffer/ctx-done-arm/input.go"),
    );
    let (status, log) = sarif(&sb, &[]);
    assert_eq!(status, 1);
    assert_valid(&log);
    let levels: Vec<(&str, &str)> = results(&log)
        .iter()
        .map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        levels,
        [
            ("single-result-buffer", "warning"),
            ("time-after-in-loop", "note")
        ]
    );
}

#[test]
fn sarif_log_validates_against_the_schema_with_and_without_fixes() {
    let sb = corpus();
    let (status, log) = sarif(&sb, &[]);
    assert_eq!(status, 1, "findings remain");
    assert_valid(&log);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"].as_array().unwrap().len(), 1);
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "utf16CodeUnits");

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "gofix-leaks");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let builtin: Vec<String> = gofix_leaks::rules::rule::builtin()
        .unwrap()
        .iter()
        .map(|r| r.id().to_string())
        .collect();
    assert_eq!(ids, builtin, "every rule that ran, in order");
    for r in rules {
        for key in ["shortDescription", "fullDescription"] {
            assert!(!r[key]["text"].as_str().unwrap().is_empty(), "{key}: {r}");
        }
        assert!(r["help"]["text"].is_string() && r["help"]["markdown"].is_string());
        assert_eq!(r["defaultConfiguration"]["level"], "warning");
        assert!(
            r["name"]
                .as_str()
                .unwrap()
                .chars()
                .all(char::is_alphanumeric)
        );
    }
    let single = &rules[ids
        .iter()
        .position(|id| *id == "single-result-buffer")
        .unwrap()];
    assert!(
        single["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .starts_with("Buffer a channel that carries one result")
    );
    assert!(
        single["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .contains("`make(chan T)` becomes `make(chan T, 1)`")
    );

    // The same findings as --format json, in the same order.
    let json: Value = serde_json::from_slice(&sb.run(&["--format", "json"]).stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let results = results(&log);
    assert_eq!(results.len(), findings.len());
    let mut rules_seen = Vec::new();
    for (r, f) in results.iter().zip(findings) {
        let id = r["ruleId"].as_str().unwrap();
        assert_eq!(id, f["rule"]);
        rules_seen.push(id);
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"], id);
        // No go.mod: pre-Go 1.23 timers, so every finding is a leak.
        assert_eq!(f["kind"], "leak");
        assert_eq!(r["properties"]["kind"], "leak");
        assert_eq!(r["level"], "warning");
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(uri(loc), f["file"]);
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(loc["region"]["startLine"], f["start"]["line"]);
        assert_eq!(loc["region"]["endLine"], f["end"]["line"]);
        let message = r["message"]["text"].as_str().unwrap();
        assert!(message.starts_with(f["message"].as_str().unwrap()), "{r}");
        match f["no_fix_reason"].as_str() {
            Some(why) => {
                assert!(r.get("fixes").is_none(), "{r}");
                assert_eq!(r["properties"]["noFixReason"], why);
                assert!(message.ends_with(&format!("(no automatic fix: {why})")));
            }
            None => {
                assert_eq!(
                    r["fixes"].as_array().unwrap().len(),
                    f["suggested_fixes"].as_array().unwrap().len()
                );
                assert_eq!(
                    r["fixes"][0]["description"]["text"],
                    f["suggested_fixes"][0]["message"]
                );
            }
        }
        let print = r["partialFingerprints"]["gofixLeaks/v1"].as_str().unwrap();
        assert!(!print.is_empty());
    }
    for rule in [
        "fan-in-ctx-guard",
        "single-result-buffer",
        "time-after-in-loop",
        "waitgroup-done",
    ] {
        assert!(rules_seen.contains(&rule), "{rule} has a result");
    }
    assert!(results.iter().any(|r| r.get("fixes").is_none()));
    let other = results
        .iter()
        .find(|r| uri(&r["locations"][0]["physicalLocation"]) == "multi/main.go")
        .expect("the finding at the go statement");
    let files: Vec<&str> = other["fixes"][0]["artifactChanges"]
        .as_array()
        .unwrap()
        .iter()
        .map(uri)
        .collect();
    assert_eq!(
        files,
        ["multi/worker.go"],
        "the fix edits the worker's file"
    );

    // Fingerprints are unique, and stable across runs.
    let prints: Vec<&Value> = results.iter().map(|r| &r["partialFingerprints"]).collect();
    let mut unique = prints.clone();
    unique.sort_by_key(|v| v.to_string());
    unique.dedup();
    assert_eq!(unique.len(), prints.len());
    let (_, again) = sarif(&sb, &[]);
    assert_eq!(again, log, "the log is the same on every run");

    // The skipped declaration is a notification; no file error.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notes = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["level"], "note");
    assert_eq!(
        uri(&notes[0]["locations"][0]["physicalLocation"]),
        "broken/b.go"
    );
    assert_eq!(
        notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        27
    );
}

#[test]
fn sarif_replacements_reproduce_what_write_writes() {
    let sb = corpus();
    let (_, log) = sarif(&sb, &[]);
    let mut per_file: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    let originals: BTreeMap<String, String> = sb
        .snapshot_files()
        .into_iter()
        .map(|(p, b)| {
            (
                p.to_string_lossy().into_owned(),
                String::from_utf8(b).unwrap(),
            )
        })
        .collect();
    for r in results(&log) {
        for fix in r["fixes"].as_array().into_iter().flatten() {
            for change in fix["artifactChanges"].as_array().unwrap() {
                let file = uri(change).to_string();
                let text = &originals[&file];
                for rep in change["replacements"].as_array().unwrap() {
                    let d = &rep["deletedRegion"];
                    let n = |k: &str| d[k].as_u64().unwrap();
                    let start = offset_of(text, n("startLine"), n("startColumn"));
                    let end = offset_of(text, n("endLine"), n("endColumn"));
                    let new = rep["insertedContent"]["text"].as_str().unwrap().to_string();
                    per_file
                        .entry(file.clone())
                        .or_default()
                        .push((start, end, new));
                }
            }
        }
    }
    // Exit 1: the finding without a fix remains.
    sb.cmd().arg("--write").assert().code(1);
    for (file, original) in &originals {
        let mut text = original.clone();
        let mut edits = per_file.remove(file).unwrap_or_default();
        edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        edits.dedup();
        for (start, end, new) in edits {
            text.replace_range(start..end, &new);
        }
        assert_eq!(
            text,
            sb.read(file),
            "{file}: SARIF fixes differ from --write"
        );
    }
}

#[test]
fn sarif_columns_are_utf16_code_units() {
    let sb = Sandbox::new();
    sb.write("u.go", &wide());
    let (status, log) = sarif(&sb, &[]);
    assert_eq!(status, 1);
    assert_valid(&log);
    let r = &results(&log)[0];
    let region = &r["locations"][0]["physicalLocation"]["region"];
    // Byte column 26 (as --format json says): a tab, then `/* ✓ é 𝄞 */ `
    // (3 + 1 + 1 + 1 + 1 + 2 + 4 code units), then `ch := `.
    let json: Value = serde_json::from_slice(&sb.run(&["--format", "json"]).stdout).unwrap();
    assert_eq!(json["findings"][0]["start"]["column"], 26);
    assert_eq!(region["startLine"], 15);
    assert_eq!(region["startColumn"], 21);
    assert_eq!(region["endColumn"], 21 + "make(chan string)".len() as u64);
    let deleted = &r["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"];
    assert_eq!(deleted["startColumn"], 21);
    assert_eq!(deleted["endColumn"], 38);
}

#[test]
fn sarif_reports_an_unreadable_file_as_an_error_notification() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    fs::write(sb.path("latin1.go"), LATIN1).unwrap();
    let (status, log) = sarif(&sb, &[]);
    assert_eq!(status, 2);
    assert_valid(&log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let error = &invocation["toolExecutionNotifications"][0];
    assert_eq!(error["level"], "error");
    assert!(error["message"]["text"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(uri(&error["locations"][0]["physicalLocation"]), "latin1.go");
    assert_eq!(results(&log).len(), 1);
}

#[test]
fn sarif_with_write_and_apply_describes_the_original_text_and_nothing_else() {
    let sb = corpus();
    let (_, dry) = sarif(&sb, &[]);
    // --write: the same log (positions in the text that was read), and no
    // diff or summary anywhere.
    let out = sb.run(&["--format", "sarif", "--write"]);
    assert_eq!(code(&out), 1, "one finding has no fix");
    assert_eq!(stderr(&out), "");
    let written: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(written, dry);
    assert_ne!(
        sb.read("fix/ctx.go"),
        fixture("single-result-buffer/ctx-done-arm/input.go")
    );

    // --apply: the branch and commit are run properties.
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("leaky");
    let (status, log) = sarif(&sb, &["--apply", "--branch", "fix/leaks"]);
    assert_eq!(status, 0);
    assert_valid(&log);
    let branch = &log["runs"][0]["properties"]["branches"][0];
    assert_eq!(branch["branch"], "fix/leaks");
    assert_eq!(branch["commit"], sb.rev("fix/leaks").as_str());
}

#[test]
fn sarif_clean_tree_and_odd_paths() {
    let sb = Sandbox::new();
    sb.write("main.go", &clean());
    let (status, log) = sarif(&sb, &[]);
    assert_eq!(status, 0);
    assert_valid(&log);
    assert!(results(&log).is_empty());

    let sb = Sandbox::new();
    sb.write("dir with space/100%é.go", LEAKY);
    let (status, log) = sarif(&sb, &[]);
    assert_eq!(status, 1);
    assert_valid(&log);
    let loc = &results(&log)[0]["locations"][0]["physicalLocation"];
    assert_eq!(uri(loc), "dir%20with%20space/100%25%C3%A9.go");
}

// ---------------------------------------------------------------------------
// --format github
// ---------------------------------------------------------------------------

/// A workflow command split into its kind, properties and message.
fn parse_command(line: &str) -> (String, BTreeMap<String, String>, String) {
    let rest = line.strip_prefix("::").expect("a workflow command");
    let (head, message) = rest.split_once("::").expect("`::` before the message");
    let (kind, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("key=value");
            (k.to_string(), v.to_string())
        })
        .collect();
    (kind.to_string(), props, message.to_string())
}

/// The toolkit's unescaping.
fn unescape(s: &str) -> String {
    s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_format_prints_one_annotation_per_finding() {
    let sb = corpus();
    let out = sb.run(&["--format", "github"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), "", "nothing but the commands");
    let json: Value = serde_json::from_slice(&sb.run(&["--format", "json"]).stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let commands: Vec<_> = lines.iter().map(|l| parse_command(l)).collect();
    let warnings: Vec<_> = commands.iter().filter(|c| c.0 == "warning").collect();
    assert_eq!(warnings.len(), findings.len());
    for ((_, props, message), f) in warnings.iter().zip(findings) {
        assert_eq!(props["file"], f["file"].as_str().unwrap());
        assert_eq!(props["title"], f["rule"].as_str().unwrap());
        assert_eq!(props["line"], f["start"]["line"].to_string());
        assert_eq!(props["endLine"], f["end"]["line"].to_string());
        assert!(props.contains_key("col") && props.contains_key("endColumn"));
        let message = unescape(message);
        assert!(message.starts_with(f["message"].as_str().unwrap()));
        match f["no_fix_reason"].as_str() {
            Some(why) => assert!(
                message.ends_with(&format!("(no automatic fix: {why})")),
                "{message}"
            ),
            None => assert!(message.contains("(automatic fix: "), "{message}"),
        }
    }
    let wide = warnings
        .iter()
        .find(|c| c.1["file"] == "wide/u.go")
        .unwrap();
    assert_eq!(wide.1["col"], "21", "UTF-16 columns, as in SARIF");
    assert_eq!(wide.1["endColumn"], "38");
    let notice = commands
        .iter()
        .find(|c| c.0 == "notice")
        .expect("skipped region");
    assert_eq!(notice.1["file"], "broken/b.go");
    assert_eq!(notice.1["line"], "27");
    assert_eq!(notice.1["title"], "gofix-leaks%3A skipped");
}

#[test]
fn github_format_escapes_messages_and_property_values() {
    let sb = Sandbox::new();
    let rule = fs::read_to_string(format!(
        "{}/examples/rules/signal-notify-buffer.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let message_line = rule
        .lines()
        .find(|l| l.starts_with("message = "))
        .unwrap()
        .to_string();
    let rule = rule.replace(
        &message_line,
        r#"message = "100% lost,\r\nsometimes: `{{ch}}`""#,
    );
    sb.write("rule.toml", &rule);
    sb.write(
        "odd, name: x.go",
        "package main\n\nimport (\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc main() {\n\tc := make(chan os.Signal)\n\tsignal.Notify(c, os.Interrupt)\n\t<-c\n}\n",
    );
    let out = sb.run(&[
        "--format",
        "github",
        "--rules",
        "rule.toml",
        "--only",
        "signal-notify-buffer",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "::warning file=odd%2C name%3A x.go,line=9,col=7,endLine=9,endColumn=27,\
         title=signal-notify-buffer::100%25 lost,%0D%0Asometimes: `c` \
         (automatic fix: buffer `c`)\n"
    );
}

#[test]
fn github_format_reports_unreadable_files_as_errors() {
    let sb = Sandbox::new();
    sb.write("main.go", LEAKY);
    fs::write(sb.path("latin1.go"), LATIN1).unwrap();
    let out = sb.run(&["--format", "github"]);
    assert_eq!(code(&out), 2);
    let text = stdout(&out);
    let error = text
        .lines()
        .find(|l| l.starts_with("::error "))
        .expect(&text);
    let (_, props, message) = parse_command(error);
    assert_eq!(props["file"], "latin1.go");
    assert!(unescape(&message).contains("not valid UTF-8"), "{message}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("::warning ")).count(),
        1
    );

    // With --apply, a notice names the branch.
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.commit_all("leaky");
    let out = sb.run(&["--format", "github", "--apply", "--branch", "fix/leaks"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let commit = sb.rev("fix/leaks");
    assert!(
        stdout(&out).ends_with(&format!(
            "::notice title=gofix-leaks::fixes committed on branch fix/leaks (commit {commit})\n"
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn sarif_and_github_name_every_split_branch() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("main.go", LEAKY);
    sb.write(
        "timer/loop.go",
        &fixture("time-after-in-loop/range-idle-timeout/input.go"),
    );
    sb.commit_all("leaky");
    let (status, log) = sarif(
        &sb,
        &["--apply", "--split", "rule", "--branch", "fix/{rule}"],
    );
    assert_eq!(status, 0);
    assert_valid(&log);
    let branches: Vec<&str> = log["runs"][0]["properties"]["branches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["branch"].as_str().unwrap())
        .collect();
    assert_eq!(
        branches,
        ["fix/single-result-buffer", "fix/time-after-in-loop"]
    );

    let out = sb.run(&[
        "--format",
        "github",
        "--apply",
        "--split",
        "rule",
        "--branch",
        "again/{rule}",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let notices: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("::notice title=gofix-leaks::"))
        .collect();
    assert_eq!(notices.len(), 2, "{text}");
    assert!(notices[1].contains("branch again/time-after-in-loop (commit "));
}
