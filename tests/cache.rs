//! The result cache (`--cache-dir`, `--no-cache`): a warm run prints the
//! bytes a cold run and an uncached run print, re-analyses exactly the
//! packages whose inputs changed (a file, a sibling, the go.mod, the
//! rules' options, HEAD's bytes with --apply), ignores and rewrites entries
//! that are corrupt, and survives two runs at once. Every run here uses a
//! cache directory inside the sandbox.

mod common;

use common::{LEAKY, POLL, Sandbox, clean, code, stderr, stdout};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Six packages whose outcomes hold every part a cached outcome stores:
/// fixes (with the file's text), a sibling file, a suppression, a skipped
/// region, a file that is not UTF-8, and a clean file.
fn fixture(sb: &Sandbox) {
    sb.write("go.mod", "module m\n\ngo 1.22\n");
    sb.write("a/a.go", LEAKY);
    sb.write("b/poll.go", POLL);
    sb.write(
        "b/helper.go",
        "package main\n\nfunc helper() int { return 1 }\n",
    );
    sb.write("c/bad.go", &format!("{LEAKY}\nfunc broken( {{\n"));
    sb.write(
        "d/ignored.go",
        &LEAKY.replace(
            "\tch := make(chan int)",
            "\t//gofix-leaks:ignore single-result-buffer the caller waits\n\tch := make(chan int)",
        ),
    );
    // A byte that is not UTF-8 (latin-1 é) in a file the rules would parse.
    let mut latin1 = LEAKY
        .replace("package main", "// cafX\npackage main")
        .into_bytes();
    let x = latin1.iter().position(|&c| c == b'X').unwrap();
    latin1[x] = 0xe9;
    sb.write("e/latin1.go", "");
    fs::write(sb.path("e/latin1.go"), latin1).unwrap();
    sb.write("f/clean.go", &clean());
}

const PACKAGES: u64 = 6;

fn cache_dir(sb: &Sandbox) -> PathBuf {
    sb.home.join("test-cache")
}

/// The tool with `args` and the sandbox's cache directory.
fn cached(sb: &Sandbox, args: &[&str]) -> Output {
    let dir = cache_dir(sb);
    let mut all = vec!["--cache-dir", dir.to_str().unwrap()];
    all.extend_from_slice(args);
    sb.run(&all)
}

fn uncached(sb: &Sandbox, args: &[&str]) -> Output {
    sb.run(&[&["--no-cache"], args].concat())
}

/// (hits, misses) of a cached run with `args`.
fn counts(sb: &Sandbox, args: &[&str]) -> (u64, u64) {
    let out = cached(sb, &[&["--format", "json", "--stats"], args].concat());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["stats"];
    (
        s["cache_hits"].as_u64().unwrap(),
        s["cache_misses"].as_u64().unwrap(),
    )
}

fn same(a: &Output, b: &Output, what: &str) {
    assert_eq!(stdout(a), stdout(b), "{what}: stdout");
    assert_eq!(stderr(a), stderr(b), "{what}: stderr");
    assert_eq!(code(a), code(b), "{what}: exit status");
}

/// The cache's entries, one a package (not the binary's record, in `exe/`,
/// nor a walk's index, `w...`).
fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir.join("v3")).unwrap().flatten() {
        if e.path().is_file() && e.file_name().to_string_lossy().starts_with('p') {
            out.push(e.path());
        }
    }
    out.sort();
    out
}

/// An entry's lines: format, checksum, key, the records' length; then
/// the records (binary, starting with the eight bytes of the time they
/// were taken) and the outcomes.
const SUM: usize = 1;
const KEY: usize = 2;
const RECORDS: usize = 4;

/// An entry without the time its records were taken (and the checksum,
/// which covers it): what two runs over the same files write alike.
fn timeless(entry: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = entry.splitn(RECORDS + 1, |b| *b == b'\n').collect();
    assert!(
        lines.len() == RECORDS + 1 && lines[RECORDS].len() >= 8,
        "{}",
        String::from_utf8_lossy(entry)
    );
    lines[RECORDS] = &lines[RECORDS][8..];
    lines.remove(SUM);
    lines.join(&b'\n')
}

/// `entry` with its checksum made to fit its bytes again.
fn resummed(entry: &[u8]) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = entry.splitn(3, |b| *b == b'\n').collect();
    let sum = format!(
        "{:032x}",
        gofix_leaks::files::pinned::content_hash(lines[2])
    );
    lines[SUM] = sum.as_bytes();
    lines.join(&b'\n')
}

/// The racy rule's margin (`files::stamps`), and a bit: a file changed
/// longer ago than this before a run may be taken by its stat then.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(2200);

/// `rel`'s bytes replaced by as many others, its modification time put
/// back: only its change time (and maybe inode) tells.
fn same_size_same_mtime_edit(sb: &Sandbox, rel: &str) {
    let path = sb.path(rel);
    let old = fs::metadata(&path).unwrap();
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes.windows(7).position(|w| w == b"package").unwrap();
    bytes[at..at + 7].copy_from_slice(b"packagx");
    fs::write(&path, &bytes).unwrap();
    let f = fs::File::options().write(true).open(&path).unwrap();
    f.set_modified(old.modified().unwrap()).unwrap();
    drop(f);
    let new = fs::metadata(&path).unwrap();
    assert_eq!(
        (new.len(), new.modified().unwrap()),
        (old.len(), old.modified().unwrap())
    );
}

#[test]
fn settled_files_are_taken_by_their_stat_and_an_edit_keeping_size_and_mtime_is_seen() {
    let sb = Sandbox::new();
    fixture(&sb);
    std::thread::sleep(SETTLE);
    let json = ["--format", "json"];
    let cold = cached(&sb, &json);
    let records: Vec<(PathBuf, Vec<u8>)> = entries(&cache_dir(&sb))
        .into_iter()
        .map(|p| (p.clone(), fs::read(&p).unwrap()))
        .collect();
    assert_eq!(records.len() as u64, PACKAGES);
    // A warm run read no file to key its packages: a run that reads one
    // writes its directory's entry again, with new records.
    same(&cold, &cached(&sb, &json), "warm");
    for (p, bytes) in &records {
        assert_eq!(&fs::read(p).unwrap(), bytes, "{} rewritten", p.display());
    }
    same_size_same_mtime_edit(&sb, "f/clean.go");
    assert_eq!(counts(&sb, &[]), (PACKAGES - 1, 1), "the edit is seen");
    same(&uncached(&sb, &json), &cached(&sb, &json), "after the edit");
}

#[test]
fn a_file_edited_right_after_a_run_is_seen_by_the_next() {
    let sb = Sandbox::new();
    fixture(&sb);
    let json = ["--format", "json"];
    cached(&sb, &json);
    // Within the racy window of the records just written.
    same_size_same_mtime_edit(&sb, "a/a.go");
    let after = cached(&sb, &json);
    same(&uncached(&sb, &json), &after, "right after the run");
    sb.write("a/a.go", LEAKY);
    same(&uncached(&sb, &json), &cached(&sb, &json), "edited back");
}

#[test]
fn corrupt_stat_records_are_ignored() {
    let sb = Sandbox::new();
    fixture(&sb);
    std::thread::sleep(SETTLE);
    let json = ["--format", "json"];
    let good = cached(&sb, &json);
    for (i, p) in entries(&cache_dir(&sb)).iter().enumerate() {
        let mut b = fs::read(p).unwrap();
        // The end of the first record's name, which its stat follows
        // (the size first, little-endian).
        let record = b.windows(3).position(|w| w == b".go").unwrap();
        let size = record + 3;
        match i % 3 {
            0 => b.truncate(record),
            1 => {
                // A size changed: the checksum no longer fits.
                b[size] ^= 1;
            }
            _ => {
                // A size changed and the checksum made to fit: a record
                // that vouches for a stat the file no longer has.
                b[size] ^= 1;
                b = resummed(&b);
            }
        }
        fs::write(p, b).unwrap();
    }
    same(&good, &cached(&sb, &json), "records spoilt");
    same_size_same_mtime_edit(&sb, "f/clean.go");
    assert_eq!(counts(&sb, &[]), (PACKAGES - 1, 1), "the edit is seen");
    same(&uncached(&sb, &json), &cached(&sb, &json), "after the edit");
}

#[test]
fn a_warm_run_prints_the_bytes_of_a_cold_run_and_of_no_cache() {
    let sb = Sandbox::new();
    fixture(&sb);
    let json = ["--format", "json"];
    let plain = uncached(&sb, &json);
    let v: Value = serde_json::from_slice(&plain.stdout).unwrap();
    for part in ["findings", "suppressed", "skipped", "errors"] {
        assert!(
            !v[part].as_array().unwrap().is_empty(),
            "the fixture has {part}: {v}"
        );
    }
    let cold = cached(&sb, &json);
    let warm = cached(&sb, &json);
    same(&plain, &cold, "cold");
    same(&plain, &warm, "warm");
    assert_eq!(counts(&sb, &[]), (PACKAGES, 0));
    for format in ["text", "sarif", "jsonl", "github"] {
        let args = ["--color", "never", "--format", format];
        same(&uncached(&sb, &args), &cached(&sb, &args), format);
    }
    // The fixes come out of the cache whole: --write makes the same files.
    let before = sb.snapshot_files();
    let out = cached(&sb, &["--write"]);
    let after_cached = sb.snapshot_files();
    for (p, bytes) in &before {
        fs::write(sb.path(p.to_str().unwrap()), bytes).unwrap();
    }
    let out2 = uncached(&sb, &["--write"]);
    same(&out2, &out, "--write");
    assert_eq!(sb.snapshot_files(), after_cached);
}

/// The diff a warm text run prints for a fixed file is stored with the
/// package's outcomes (made once, on the workers): an entry's `diffs` are
/// exactly the uncached run's diffs.
#[test]
fn entries_hold_the_diffs_the_text_output_prints() {
    let sb = Sandbox::new();
    fixture(&sb);
    let text = ["--color", "never"];
    let plain = uncached(&sb, &text);
    same(&plain, &cached(&sb, &text), "cold");
    let mut stored = Vec::new();
    for p in entries(&cache_dir(&sb)) {
        let bytes = fs::read(&p).unwrap();
        let at = bytes.windows(9).position(|w| w == b"{\"files\":").unwrap();
        let entry: Value = serde_json::from_slice(&bytes[at..]).unwrap();
        for d in entry["diffs"].as_array().into_iter().flatten() {
            stored.push(d[1].as_str().unwrap().to_string());
        }
    }
    assert!(!stored.is_empty());
    stored.sort();
    let mut printed: Vec<String> =
        stdout(&plain)
            .split_inclusive('\n')
            .fold(Vec::new(), |mut diffs, line| {
                match diffs.last_mut() {
                    Some(d) if !line.starts_with("diff --git ") => d.push_str(line),
                    _ => diffs.push(line.to_string()),
                }
                diffs
            });
    printed.sort();
    assert_eq!(stored, printed);
    same(&plain, &cached(&sb, &text), "warm");
}

#[test]
fn a_changed_file_sibling_or_go_mod_reanalyses_only_what_read_it() {
    let sb = Sandbox::new();
    fixture(&sb);
    assert_eq!(counts(&sb, &[]), (0, PACKAGES));
    sb.write("f/clean.go", &format!("{}\n// edited\n", clean()));
    assert_eq!(counts(&sb, &[]), (PACKAGES - 1, 1), "one file changed");
    // A sibling without findings is read by its package's analysis.
    sb.write(
        "b/helper.go",
        "package main\n\nfunc helper() int { return 2 }\n",
    );
    assert_eq!(counts(&sb, &[]), (PACKAGES - 1, 1), "a sibling changed");
    // go 1.23 makes time.After in a loop an allocation, not a leak: every
    // package below the go.mod is analysed again, and the output says so.
    let json = ["--format", "json"];
    let old = cached(&sb, &json);
    sb.write("go.mod", "module m\n\ngo 1.23\n");
    let new = cached(&sb, &json);
    same(&uncached(&sb, &json), &new, "after the go.mod changed");
    assert_ne!(stdout(&old), stdout(&new), "the go line changes a finding");
    assert_eq!(counts(&sb, &[]), (PACKAGES, 0));
}

#[test]
fn rules_options_and_kinds_key_the_cache() {
    let sb = Sandbox::new();
    fixture(&sb);
    let json = ["--format", "json"];
    cached(&sb, &json);
    for extra in [
        &["--only-leaks"][..],
        &["--set", "time-after-in-loop.leak_only=true"],
        &["--only", "single-result-buffer"],
        &["--skip", "single-result-buffer"],
    ] {
        let args = [&json[..], extra].concat();
        let (hits, _) = counts(&sb, extra);
        assert_eq!(hits, 0, "{extra:?} hit entries made without it");
        same(
            &uncached(&sb, &args),
            &cached(&sb, &args),
            &format!("{extra:?}"),
        );
    }
    // A user rule file is part of the rule pack the key holds.
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules/ticker-stop.toml");
    let r = ["--rules", rules.to_str().unwrap()];
    assert_eq!(counts(&sb, &r).0, 0, "a user rule file keys the cache");
    assert_eq!(counts(&sb, &r), (PACKAGES, 0));
}

/// One way to spoil an entry's bytes.
type Damage<'a> = &'a dyn Fn(&mut Vec<u8>);

#[test]
fn corrupt_truncated_or_foreign_entries_are_ignored_and_rewritten() {
    let sb = Sandbox::new();
    fixture(&sb);
    let json = ["--format", "json"];
    let good = cached(&sb, &json);
    let files = entries(&cache_dir(&sb));
    assert_eq!(files.len() as u64, PACKAGES);
    let originals: Vec<Vec<u8>> = files.iter().map(|p| fs::read(p).unwrap()).collect();
    let damage: [Damage; 5] = [
        &|b| b.truncate(b.len() / 2),
        &|b| {
            let n = b.len();
            b[n - 3] ^= 0x20;
        },
        &|b| b.clear(),
        &|b| {
            let format = b"gofix-leaks-cache 4\n";
            assert!(b.starts_with(format));
            b[format.len() - 2] = b'0';
        },
        // An entry that parses, with its checksum made to fit: still a
        // different key line, so not trusted.
        &|b| {
            let mut lines: Vec<&[u8]> = b.splitn(KEY + 2, |c| *c == b'\n').collect();
            lines[KEY] = b"00000000000000000000000000000000";
            *b = resummed(&lines.join(&b'\n'));
        },
    ];
    for (p, d) in files.iter().zip(damage) {
        let mut b = fs::read(p).unwrap();
        d(&mut b);
        fs::write(p, b).unwrap();
    }
    let again = cached(&sb, &json);
    same(&good, &again, "after damage");
    for (p, original) in files.iter().zip(&originals) {
        let again = timeless(&fs::read(p).unwrap());
        assert_eq!(again, timeless(original), "{} rewritten", p.display());
    }
    assert_eq!(counts(&sb, &[]), (PACKAGES, 0));
}

#[test]
fn two_runs_at_once_on_one_cache_dir() {
    let sb = Sandbox::new();
    for i in 0..40 {
        sb.write(&format!("p{i}/a.go"), LEAKY);
        sb.write(&format!("p{i}/poll.go"), POLL);
    }
    let json = ["--format", "json"];
    let plain = uncached(&sb, &json);
    let dir = cache_dir(&sb);
    let spawn = || {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_gofix-leaks"));
        sb.hermetic(&mut c);
        c.current_dir(&sb.root)
            .args(["--cache-dir", dir.to_str().unwrap(), "--format", "json"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert_eq!(stdout(&a), stdout(&plain));
    assert_eq!(stdout(&b), stdout(&plain));
    same(&plain, &cached(&sb, &json), "after the two runs");
    assert_eq!(counts(&sb, &[]), (40, 0));
    // Whole entries only: no temporary file left, one entry a package.
    let names: Vec<PathBuf> = entries(&dir);
    assert_eq!(names.len(), 40, "{names:?}");
}

#[test]
fn apply_keys_on_the_bytes_of_head_not_the_work_tree() {
    let sb = Sandbox::new();
    sb.init_repo();
    sb.write("go.mod", "module m\n\ngo 1.22\n");
    sb.write("a/a.go", LEAKY);
    sb.commit_all("leaky");
    // The work tree's fix, not committed: a dry run finds nothing...
    sb.write("a/a.go", &clean());
    let out = cached(&sb, &["--format", "json"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // ...and --apply, reading HEAD, still fixes the leak.
    let out = cached(&sb, &["--apply", "--branch", "fix", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["changed_files"][0], "a/a.go", "{v}");
    assert_eq!(sb.git(&["show", "fix:a/a.go"]), clean());
}

/// The bytes of the cache's entries (the bound holds them all).
fn size(dir: &Path) -> u64 {
    entries(dir)
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum()
}

#[test]
fn the_cache_is_kept_under_its_size_bound() {
    let sb = Sandbox::new();
    // Twenty packages whose entries are the same size.
    for i in 10..30 {
        sb.write(&format!("p{i}/a.go"), LEAKY);
    }
    let json = ["--format", "json"];
    let plain = uncached(&sb, &json);
    cached(&sb, &json);
    let whole = size(&cache_dir(&sb));
    assert_eq!(entries(&cache_dir(&sb)).len(), 20);
    // Half of that as the bound: the run still prints the same, and keeps
    // its newest entries in three quarters of the bound.
    let max = whole / 2;
    let bounded = sb.home.join("bounded");
    let run = || {
        sb.cmd()
            .env("GOFIX_LEAKS_CACHE_MAX_BYTES", max.to_string())
            .args(["--cache-dir", bounded.to_str().unwrap(), "--format", "json"])
            .output()
            .unwrap()
    };
    same(&plain, &run(), "bounded, cold");
    let kept = size(&bounded);
    assert!(kept <= max / 4 * 3, "{kept} bytes kept, bound {max}");
    let n = entries(&bounded).len();
    assert!((1..20).contains(&n), "{n} entries, {kept} of {whole} bytes");
    // The next run takes those from the cache, analyses the rest, and
    // keeps the cache bounded again.
    same(&plain, &run(), "bounded, warm");
    assert!(size(&bounded) <= max / 4 * 3);
}

#[test]
fn the_default_cache_dir_is_the_users_cache_dir() {
    let sb = Sandbox::new();
    sb.write("a/a.go", LEAKY);
    sb.run(&["--format", "json"]);
    assert!(sb.home.join(".cache/gofix-leaks/v3").is_dir());
    let xdg = sb.home.join("xdg");
    let out = sb
        .cmd()
        .env("XDG_CACHE_HOME", &xdg)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert_eq!(entries(&xdg.join("gofix-leaks")).len(), 1);
    // --no-cache writes nothing.
    let none = sb.home.join("none");
    sb.cmd()
        .env("XDG_CACHE_HOME", &none)
        .args(["--no-cache"])
        .output()
        .unwrap();
    assert!(!none.exists());
}

#[test]
fn a_cache_dir_that_cannot_be_made_is_an_error_naming_it() {
    let sb = Sandbox::new();
    sb.write("a/a.go", LEAKY);
    let file = sb.write("not-a-dir", "");
    let out = sb.run(&["--cache-dir", file.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("not-a-dir"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

/// Part of Go's own tree (net/http and its subpackages, os/signal, io,
/// bufio: findings with fixes in several packages), copied with src's
/// go.mod into the sandbox; returns the package directories.
fn go_tree_part(sb: &Sandbox) -> Vec<String> {
    let out = std::process::Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go env GOROOT");
    let src = Path::new(String::from_utf8(out.stdout).unwrap().trim()).join("src");
    let parts = ["net/http", "os/signal", "io", "bufio"];
    for part in parts {
        let to = sb.path(part);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        let st = std::process::Command::new("cp")
            .arg("-R")
            .arg(src.join(part))
            .arg(&to)
            .status()
            .unwrap();
        assert!(st.success(), "cp {part}");
    }
    fs::copy(src.join("go.mod"), sb.path("go.mod")).unwrap();
    parts.iter().map(|p| p.to_string()).collect()
}

#[test]
fn on_part_of_gos_tree_warm_cold_and_uncached_runs_print_the_same_bytes() {
    let sb = Sandbox::new();
    go_tree_part(&sb);
    for args in [&["--format", "json"][..], &["--color", "never"]] {
        let plain = uncached(&sb, args);
        assert_eq!(
            code(&plain),
            1,
            "Go's tree has findings: {}",
            stderr(&plain)
        );
        same(&plain, &cached(&sb, args), &format!("cold {args:?}"));
        same(&plain, &cached(&sb, args), &format!("warm {args:?}"));
    }
    let (hits, misses) = counts(&sb, &[]);
    assert_eq!(misses, 0);
    assert!(hits > 10, "{hits} packages");
    // One file changed (a comment added): its package alone is analysed
    // again, and the output is still that of an uncached run.
    let file = sb.path("net/http/httputil/reverseproxy.go");
    let mut text = fs::read_to_string(&file).unwrap();
    text.push_str("\n// edited\n");
    fs::write(&file, text).unwrap();
    assert_eq!(counts(&sb, &[]), (hits - 1, 1));
    let json = ["--format", "json"];
    same(&uncached(&sb, &json), &cached(&sb, &json), "after the edit");
}

/// The gate runs after the analysis, on every run: a warm run with a
/// baseline or --new-from-rev prints what an uncached one does, and the
/// entries the plain run made serve them (the cache holds the analysis,
/// not the filtered output).
#[test]
fn the_gate_filters_cached_outcomes_as_it_filters_fresh_ones() {
    let sb = Sandbox::new();
    sb.init_repo();
    fixture(&sb);
    sb.commit_all("base");
    // A new leak in a new package, committed on top.
    sb.write("g/new.go", LEAKY);
    sb.commit_all("new leak");
    let baseline = sb.home.join("baseline.json");
    let b = baseline.to_str().unwrap();
    sb.run(&["--no-cache", "--write-baseline", b, "a", "b"]);
    let all = cached(&sb, &["--format", "json"]);
    for gate in [&["--baseline", b][..], &["--new-from-rev", "HEAD~1"]] {
        for format in [
            &["--format", "json"][..],
            &["--format", "jsonl"],
            &["--color", "never"],
        ] {
            let args = [gate, format].concat();
            let plain = uncached(&sb, &args);
            // The latin-1 file is an error (exit 2) whatever the gate says.
            assert_eq!(code(&plain), 2, "{args:?}: {}", stderr(&plain));
            same(&plain, &cached(&sb, &args), &format!("{args:?}"));
            if format[1] == "json" {
                assert_ne!(stdout(&plain), stdout(&all), "{gate:?} drops findings");
            }
        }
        assert_eq!(counts(&sb, gate), (PACKAGES + 1, 0), "{gate:?}");
    }
}

#[test]
fn a_buffer_on_stdin_is_keyed_on_its_bytes_not_the_files_stat() {
    let sb = Sandbox::new();
    fixture(&sb);
    std::thread::sleep(SETTLE);
    // Records for every file, the on-disk f/clean.go among them.
    cached(&sb, &["--format", "json"]);
    cached(&sb, &["--format", "json"]);
    let dir = cache_dir(&sb);
    let buffer = |cache: &[&str]| {
        sb.cmd()
            .args(cache)
            .args(["--format", "json", "--stdin-filename", "f/clean.go", "-"])
            .write_stdin(LEAKY)
            .output()
            .unwrap()
    };
    let cached_out = buffer(&["--cache-dir", dir.to_str().unwrap()]);
    same(&buffer(&["--no-cache"]), &cached_out, "stdin");
    assert!(
        stdout(&cached_out).contains("single-result-buffer"),
        "the buffer's leak is found: {}",
        stdout(&cached_out)
    );
}

/// The layouts before `v3/` are removed from the default cache directory
/// (ours alone) but never from a `--cache-dir`, which may hold a `v1/` or
/// `v2/` of someone else's.
#[test]
fn the_old_layouts_are_removed_only_from_the_default_dir() {
    let sb = Sandbox::new();
    sb.write("a/a.go", LEAKY);
    let root = sb.home.join(".cache/gofix-leaks");
    for v in ["v1", "v2"] {
        fs::create_dir_all(root.join(v).join("exe")).unwrap();
        fs::create_dir_all(root.join(v).join("ab")).unwrap();
        fs::write(root.join(v).join("ab/0123"), "an entry of an old layout").unwrap();
    }
    sb.run(&["--format", "json"]);
    assert!(
        !root.join("v1").exists(),
        "the default dir's v1/ is removed"
    );
    assert!(
        !root.join("v2").exists(),
        "the default dir's v2/ is removed"
    );
    assert_eq!(entries(&root).len(), 1);

    let mine = sb.home.join("shared");
    for v in ["v1", "v2"] {
        fs::create_dir_all(mine.join(v).join("exe")).unwrap();
        fs::write(mine.join(v).join("exe/keep"), "not the tool's").unwrap();
    }
    sb.run(&["--format", "json", "--cache-dir", mine.to_str().unwrap()]);
    for v in ["v1", "v2"] {
        let kept = fs::read_to_string(mine.join(v).join("exe/keep")).unwrap();
        assert_eq!(kept, "not the tool's");
    }
    assert_eq!(entries(&mine).len(), 1);
}

/// The walk's index (README, "The cache"): a warm run over a settled tree
/// takes its walk from the index, and still sees a package added, a global
/// excludes file made, and git's configuration naming another one, as a
/// run without the cache does.
#[test]
fn a_warm_run_sees_what_changes_the_walk() {
    let sb = Sandbox::new();
    fixture(&sb);
    std::thread::sleep(SETTLE);
    let json = ["--format", "json"];
    let index = || {
        fs::read_dir(cache_dir(&sb).join("v3"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('w'))
            .count()
    };
    same(&uncached(&sb, &json), &cached(&sb, &json), "cold");
    assert_eq!(index(), 1, "a settled walk is kept");
    same(&uncached(&sb, &json), &cached(&sb, &json), "warm");
    let files = |out: &Output| -> Vec<String> {
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut f: Vec<String> = (v["findings"].as_array().unwrap().iter())
            .map(|f| f["file"].as_str().unwrap().to_string())
            .collect();
        f.dedup();
        f
    };
    sb.write("g/new.go", LEAKY);
    let out = cached(&sb, &json);
    assert!(
        files(&out).contains(&"g/new.go".to_string()),
        "{}",
        stdout(&out)
    );
    same(&uncached(&sb, &json), &out, "a package added");
    fs::create_dir_all(sb.home.join(".config/git")).unwrap();
    fs::write(sb.home.join(".config/git/ignore"), "a/\n").unwrap();
    let out = cached(&sb, &json);
    assert!(
        !files(&out).contains(&"a/a.go".to_string()),
        "{}",
        stdout(&out)
    );
    same(&uncached(&sb, &json), &out, "global excludes made");
    let other = sb.home.join("other-ignore");
    fs::write(&other, "g/\n").unwrap();
    fs::write(
        sb.home.join(".gitconfig"),
        format!("[core]\n\texcludesFile = {}\n", other.display()),
    )
    .unwrap();
    let out = cached(&sb, &json);
    let now = files(&out);
    assert!(now.contains(&"a/a.go".to_string()) && !now.contains(&"g/new.go".to_string()));
    same(
        &uncached(&sb, &json),
        &out,
        "git's configuration names another",
    );
}
