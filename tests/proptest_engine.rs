//! Property test: the engine is fed mutated Go sources and must
//!
//! 1. never panic;
//! 2. when every input file parses (tree-sitter-go: no ERROR or MISSING
//!    node), produce output that parses, reject none of its own fixes (no
//!    "internal error"), and keep a file gofmt-clean when it was (the real
//!    `gofmt -l`);
//! 3. be idempotent: a second run on its output proposes no fix (unless the
//!    first run dropped an overlapping fix and said "run again"; then the
//!    runs must reach a fixed point within a few rounds).
//!
//! Each case takes a seed (every `fixtures/*/*/input*.go`, with its case's
//! other files, go.mod and `--set` args; and about twenty small files of
//! `$(go env GOROOT)/src` that use `time.After(`, `wg.Add(`, `select {` or
//! `go func(`), a go.mod variant, rule options, and zero to three
//! structural mutations (see `Mutation`). The files go into a temp module
//! and through exactly the CLI's `--write` path: `walk::discover`,
//! `run::check_all`, `merge::merge`, `write::write_atomic`.
//!
//! Bounds: `PROPTEST_CASES` cases (default 256) or `GOFIX_PROPTEST_SECS`
//! seconds (default 60; 0 = no limit), whichever comes first;
//! `PROPTEST_RNG_SEED` repeats a run (each run prints its seed), and
//! `GOFIX_PROPTEST_HUNT=1` records failures and goes on, then reports each
//! distinct one; `GOFIX_PROPTEST_MUTATIONS=n` allows up to n mutations per
//! case and `GOFIX_PROPTEST_GOROOT_SCALE=k` takes k times as many GOROOT
//! seeds (for long local runs). A failure is
//! shrunk by proptest (fewer, simpler mutations), then its mutated file is
//! reduced line by line while it fails the same way; the report gives the
//! seed, the mutations, the reduced input and the full one, and writes both
//! under `target/tmp/proptest-engine/`.

#[allow(dead_code)]
mod gotool;

use gofix_leaks::cli::run;
use gofix_leaks::engine::matching::Engine;
use gofix_leaks::engine::merge::{self, Merged};
use gofix_leaks::files::source::WorkTree;
use gofix_leaks::files::{walk, write};
use gofix_leaks::go::syntax;
use gofix_leaks::rules::rule;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- seeds

/// A starting point: the files of one package, one of which is mutated.
struct Seed {
    /// Where it comes from, for reports.
    name: String,
    /// File names in the temp module and their contents.
    files: Vec<(String, Vec<u8>)>,
    /// The file that is mutated.
    target: usize,
    /// The case's own go.mod, if any.
    gomod: Option<String>,
    /// `--set` values from the case's `args`.
    sets: Vec<String>,
}

fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = fixture_seeds();
        out.extend(goroot_seeds());
        out
    })
}

fn fixture_seeds() -> Vec<Seed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|r| r.path().is_dir())
        .flat_map(|r| fs::read_dir(r.path()).unwrap().flatten().map(|c| c.path()))
        .filter(|c| c.is_dir())
        .collect();
    cases.sort();
    let mut out = Vec::new();
    for case in cases {
        let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(&case)
            .unwrap()
            .flatten()
            .map(|f| f.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("input") && n.ends_with(".go"))
            .map(|n| {
                let bytes = fs::read(case.join(&n)).unwrap();
                (n, bytes)
            })
            .collect();
        files.sort();
        let gomod = fs::read_to_string(case.join("go.mod")).ok();
        let sets: Vec<String> = fs::read_to_string(case.join("args"))
            .map(|t| {
                let words: Vec<&str> = t.split_whitespace().collect();
                words
                    .windows(2)
                    .filter(|w| w[0] == "--set")
                    .map(|w| w[1].to_string())
                    .collect()
            })
            .unwrap_or_default();
        let rel = case
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for target in 0..files.len() {
            out.push(Seed {
                name: format!("fixtures/{rel}/{}", files[target].0),
                files: files.clone(),
                target,
                gomod: gomod.clone(),
                sets: sets.clone(),
            });
        }
    }
    assert!(
        out.len() >= 50,
        "expected the fixture corpus, found {}",
        out.len()
    );
    out
}

/// About twenty small files of Go's own tree that use goroutines, chosen
/// deterministically (evenly spaced in path order per pattern).
fn goroot_seeds() -> Vec<Seed> {
    if !gotool::available("proptest_engine (GOROOT seeds)") {
        return Vec::new();
    }
    let goroot = std::process::Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go runs");
    let src = PathBuf::from(String::from_utf8_lossy(&goroot.stdout).trim()).join("src");
    let mut all: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                if name != "testdata" && name != "vendor" && !name.starts_with(['.', '_']) {
                    stack.push(p);
                }
            } else if t.is_file()
                && name.ends_with(".go")
                && e.metadata().is_ok_and(|m| m.len() <= 30_000)
                && let Ok(bytes) = fs::read(&p)
            {
                all.push((p, bytes));
            }
        }
    }
    all.sort();
    let mut chosen: Vec<usize> = Vec::new();
    // GOFIX_PROPTEST_GOROOT_SCALE=k takes k times as many (longer hunts).
    let scale = env_number("GOFIX_PROPTEST_GOROOT_SCALE").unwrap_or(1);
    for (pattern, want) in [
        ("time.After(", 8 * scale),
        ("wg.Add(", 8 * scale),
        ("select {", 3 * scale),
        ("go func(", 3 * scale),
    ] {
        let having: Vec<usize> = (0..all.len())
            .filter(|&i| !chosen.contains(&i))
            .filter(|&i| memchr::memmem::find(&all[i].1, pattern.as_bytes()).is_some())
            .collect();
        let n = having.len().min(want);
        for k in 0..n {
            chosen.push(having[k * having.len() / n]);
        }
    }
    chosen
        .into_iter()
        .map(|i| {
            let (path, bytes) = &all[i];
            let rel = path
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let base = path.file_name().unwrap().to_string_lossy().into_owned();
            Seed {
                name: format!("$GOROOT/src/{rel}"),
                files: vec![(base, bytes.clone())],
                target: 0,
                gomod: Some("module std\n\ngo 1.26\n".to_string()),
                sets: vec![],
            }
        })
        .collect()
}

fn env_number(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

// ------------------------------------------------------------ mutations

/// Statements `InsertLine` adds (multi-line ones are indented per line).
const STATEMENTS: &[&str] = &[
    "return",
    "break",
    "continue",
    "defer wg.Done()",
    "wg.Done()",
    "wg.Add(1)",
    "select {}",
    "return nil",
    "ch <- v",
    "<-ch",
    "cancel()",
    "panic(\"boom\")",
    "go func() {}()",
    "go func() {\n\tch <- 1\n}()",
    "for {\n\tselect {\n\tcase <-time.After(time.Second):\n\t\treturn\n\tcase v := <-ch:\n\t\t_ = v\n\t}\n}",
    "ch := make(chan int)",
    "// a comment",
];

/// Bytes `InsertBytes` adds anywhere.
fn byte_snippets() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just(vec![0xFF]),
        Just(vec![0xC3]),
        Just(b"\r".to_vec()),
        Just(b"\0".to_vec()),
        Just("\u{2028}".as_bytes().to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"/*".to_vec()),
        Just(b"`".to_vec()),
        prop::collection::vec(any::<u8>(), 1..4),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index),
    /// Deletes the body of a `block` node.
    EmptyBlock(Index),
    /// Replaces one identifier with another of the file.
    ReplaceIdent(Index, Index),
    /// Inserts `STATEMENTS[s]` before a line, at that line's indentation.
    InsertLine(Index, Index),
    /// `make(chan T)` <-> `make(chan T, 1)`.
    ToggleBuffer(Index),
    /// Copies a top-level function or method under a new name.
    DuplicateFunc(Index),
    Truncate(Index),
    InsertBytes(Index, Vec<u8>),
    Bom,
    Crlf,
    /// Appends `COMMENTS[c]` to a line.
    AppendComment(Index, Index),
    /// Puts a label before a `for` statement.
    LabelLoop(Index),
    /// Wraps a statement of a block in `WRAPPERS[w]`.
    Wrap(Index, Index),
    /// Deletes one import spec.
    DropImport(Index),
    /// Rewrites every import as its own `import "path"` line.
    SplitImports,
    /// Appends a comment to each of up to 4 consecutive lines.
    CommentRun(Index, Index),
    /// Formats the text with the real gofmt (nothing when it does not
    /// parse), so that later checks see gofmt-clean input more often.
    Gofmt,
}

const COMMENTS: &[&str] = &[" // note", " /* note */", " // nolint:all"];

/// (before, after) around a statement, whose lines move in one tab.
const WRAPPERS: &[(&str, &str)] = &[
    ("for {", "}"),
    ("go func() {", "}()"),
    ("if ok {", "}"),
    ("func() {", "}()"),
    ("for _, x := range xs {", "}"),
    ("select {\ncase <-ctx.Done():\n\treturn\ndefault:", "}"),
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = || any::<Index>();
    prop_oneof![
        3 => i().prop_map(Mutation::DeleteLine),
        3 => i().prop_map(Mutation::DuplicateLine),
        3 => i().prop_map(Mutation::SwapLines),
        3 => i().prop_map(Mutation::EmptyBlock),
        3 => (i(), i()).prop_map(|(a, b)| Mutation::ReplaceIdent(a, b)),
        5 => (i(), i()).prop_map(|(a, b)| Mutation::InsertLine(a, b)),
        4 => i().prop_map(Mutation::ToggleBuffer),
        2 => i().prop_map(Mutation::DuplicateFunc),
        1 => i().prop_map(Mutation::Truncate),
        1 => (i(), byte_snippets()).prop_map(|(a, b)| Mutation::InsertBytes(a, b)),
        1 => Just(Mutation::Bom),
        1 => Just(Mutation::Crlf),
        2 => (i(), i()).prop_map(|(a, b)| Mutation::AppendComment(a, b)),
        2 => i().prop_map(Mutation::LabelLoop),
        3 => (i(), i()).prop_map(|(a, b)| Mutation::Wrap(a, b)),
        2 => i().prop_map(Mutation::DropImport),
        1 => Just(Mutation::SplitImports),
        2 => (i(), i()).prop_map(|(a, b)| Mutation::CommentRun(a, b)),
        4 => Just(Mutation::Gofmt),
    ]
}

/// Line spans (start, end including the newline).
fn line_spans(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &b) in text.iter().enumerate() {
        if b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

fn indent_of(line: &[u8]) -> Vec<u8> {
    line.iter()
        .take_while(|&&b| b == b'\t' || b == b' ')
        .copied()
        .collect()
}

fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

/// Byte ranges of the nodes `want` accepts, in document order.
fn node_ranges(text: &[u8], want: &dyn Fn(tree_sitter::Node) -> bool) -> Vec<(usize, usize)> {
    let tree = syntax::parse(text);
    let mut out = Vec::new();
    syntax::visit(tree.root_node(), &|_| true, &mut |n| {
        if want(n) {
            out.push((n.start_byte(), n.end_byte()));
        }
    });
    out
}

fn splice(text: &mut Vec<u8>, start: usize, end: usize, with: &[u8]) {
    text.splice(start..end, with.iter().copied());
}

/// Applies `m` to `text` and says what it did ("" when it did nothing).
fn apply(m: &Mutation, text: &mut Vec<u8>) -> String {
    let lines = line_spans(text);
    match m {
        Mutation::DeleteLine(_) | Mutation::DuplicateLine(_) | Mutation::SwapLines(_)
            if lines.is_empty() =>
        {
            String::new()
        }
        Mutation::DeleteLine(i) => {
            let k = i.index(lines.len());
            let (s, e) = lines[k];
            let desc = format!("delete line {}: {}", k + 1, show(&text[s..e]));
            splice(text, s, e, b"");
            desc
        }
        Mutation::DuplicateLine(i) => {
            let k = i.index(lines.len());
            let (s, e) = lines[k];
            let mut line = text[s..e].to_vec();
            if !line.ends_with(b"\n") {
                line.insert(0, b'\n');
            }
            let desc = format!("duplicate line {}: {}", k + 1, show(&text[s..e]));
            splice(text, e, e, &line);
            desc
        }
        Mutation::SwapLines(i) => {
            if lines.len() < 2 {
                return String::new();
            }
            let k = i.index(lines.len() - 1);
            let (a, b) = (lines[k], lines[k + 1]);
            let mut first = text[a.0..a.1].to_vec();
            let mut second = text[b.0..b.1].to_vec();
            if !second.ends_with(b"\n") {
                second.push(b'\n');
                first.pop();
            }
            let desc = format!(
                "swap lines {} and {}: {} / {}",
                k + 1,
                k + 2,
                show(&first),
                show(&second)
            );
            second.extend(first);
            splice(text, a.0, b.1, &second);
            desc
        }
        Mutation::EmptyBlock(i) => {
            let blocks = node_ranges(text, &|n| {
                n.kind() == "block" && n.end_byte() - n.start_byte() >= 2
            });
            if blocks.is_empty() {
                return String::new();
            }
            let (s, e) = blocks[i.index(blocks.len())];
            if text[s] != b'{' || text[e - 1] != b'}' {
                return String::new();
            }
            let line_start = text[..s]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let mut body = b"\n".to_vec();
            body.extend(indent_of(&text[line_start..]));
            let desc = format!(
                "empty the block at line {}: {}",
                syntax::line_col(text, s).0,
                show(&text[s..e.min(s + 60)])
            );
            splice(text, s + 1, e - 1, &body);
            desc
        }
        Mutation::ReplaceIdent(a, b) => {
            let ids = node_ranges(text, &|n| {
                matches!(
                    n.kind(),
                    "identifier" | "field_identifier" | "type_identifier" | "package_identifier"
                )
            });
            if ids.is_empty() {
                return String::new();
            }
            let (s, e) = ids[a.index(ids.len())];
            let (fs, fe) = ids[b.index(ids.len())];
            let new = text[fs..fe].to_vec();
            let desc = format!(
                "replace identifier {} at line {} with {}",
                show(&text[s..e]),
                syntax::line_col(text, s).0,
                show(&new)
            );
            splice(text, s, e, &new);
            desc
        }
        Mutation::InsertLine(i, st) => {
            let stmt = STATEMENTS[st.index(STATEMENTS.len())];
            let k = i.index(lines.len() + 1);
            let (at, indent) = match lines.get(k) {
                Some(&(s, e)) => {
                    let line = &text[s..e];
                    let mut indent = indent_of(line);
                    let rest = &line[indent.len()..];
                    if rest.starts_with(b"}")
                        || rest.starts_with(b"case ")
                        || rest.starts_with(b"default:")
                    {
                        indent.push(b'\t');
                    }
                    (s, indent)
                }
                None => (text.len(), Vec::new()),
            };
            let mut ins = Vec::new();
            if at == text.len() && !text.is_empty() && !text.ends_with(b"\n") {
                ins.push(b'\n');
            }
            for l in stmt.lines() {
                ins.extend(&indent);
                ins.extend(l.as_bytes());
                ins.push(b'\n');
            }
            let desc = format!("insert {} before line {}", show(stmt.as_bytes()), k + 1);
            splice(text, at, at, &ins);
            desc
        }
        Mutation::ToggleBuffer(i) => {
            let tree = syntax::parse(text);
            let mut makes: Vec<(usize, usize, usize)> = Vec::new();
            syntax::visit(tree.root_node(), &|_| true, &mut |n| {
                if n.kind() != "call_expression" {
                    return;
                }
                let (Some(f), Some(args)) = (
                    n.child_by_field_name("function"),
                    n.child_by_field_name("arguments"),
                ) else {
                    return;
                };
                if syntax::text(f, text) != "make" {
                    return;
                }
                let mut c = args.walk();
                let named: Vec<_> = args.named_children(&mut c).collect();
                if named.first().is_some_and(|t| t.kind() == "channel_type") {
                    let last = named.last().unwrap();
                    makes.push((n.start_byte(), named[0].end_byte(), last.end_byte()));
                }
            });
            if makes.is_empty() {
                return String::new();
            }
            let (call, t_end, last_end) = makes[i.index(makes.len())];
            let line = syntax::line_col(text, call).0;
            if t_end == last_end {
                splice(text, t_end, t_end, b", 1");
                format!("buffer the make(chan) at line {line}")
            } else {
                let desc = format!(
                    "unbuffer the make(chan) at line {line}: drop {}",
                    show(&text[t_end..last_end])
                );
                splice(text, t_end, last_end, b"");
                desc
            }
        }
        Mutation::DuplicateFunc(i) => {
            let tree = syntax::parse(text);
            let mut funcs: Vec<(usize, usize, usize, usize)> = Vec::new();
            let root = tree.root_node();
            let mut c = root.walk();
            for n in root.named_children(&mut c) {
                if matches!(n.kind(), "function_declaration" | "method_declaration")
                    && let Some(name) = n.child_by_field_name("name")
                {
                    funcs.push((
                        n.start_byte(),
                        n.end_byte(),
                        name.start_byte(),
                        name.end_byte(),
                    ));
                }
            }
            if funcs.is_empty() {
                return String::new();
            }
            let (s, e, ns, ne) = funcs[i.index(funcs.len())];
            let name = String::from_utf8_lossy(&text[ns..ne]).into_owned();
            let hay = String::from_utf8_lossy(text).into_owned();
            let new_name = (1..)
                .map(|k| format!("{name}Dup{k}"))
                .find(|n| !hay.contains(n.as_str()))
                .unwrap();
            let mut copy = b"\n\n".to_vec();
            copy.extend(&text[s..ns]);
            copy.extend(new_name.as_bytes());
            copy.extend(&text[ne..e]);
            splice(text, e, e, &copy);
            format!("duplicate func {name} as {new_name}")
        }
        Mutation::Truncate(i) => {
            let at = i.index(text.len() + 1);
            text.truncate(at);
            format!("truncate at byte {at}")
        }
        Mutation::InsertBytes(i, bytes) => {
            let at = i.index(text.len() + 1);
            splice(text, at, at, bytes);
            format!("insert bytes {bytes:02x?} at byte {at}")
        }
        Mutation::Bom => {
            splice(text, 0, 0, &[0xEF, 0xBB, 0xBF]);
            "prepend a BOM".to_string()
        }
        Mutation::Crlf => {
            let mut out = Vec::with_capacity(text.len() + text.len() / 20);
            for (k, &b) in text.iter().enumerate() {
                if b == b'\n' && (k == 0 || text[k - 1] != b'\r') {
                    out.push(b'\r');
                }
                out.push(b);
            }
            *text = out;
            "CRLF line endings".to_string()
        }
        Mutation::AppendComment(i, c) => {
            if lines.is_empty() {
                return String::new();
            }
            let k = i.index(lines.len());
            let comment = COMMENTS[c.index(COMMENTS.len())];
            let (s, e) = lines[k];
            let mut at = e;
            while at > s && matches!(text[at - 1], b'\n' | b'\r') {
                at -= 1;
            }
            splice(text, at, at, comment.as_bytes());
            format!("append {comment:?} to line {}", k + 1)
        }
        Mutation::LabelLoop(i) => {
            let loops = node_ranges(text, &|n| {
                n.kind() == "for_statement"
                    && n.parent().is_some_and(|p| p.kind() == "statement_list")
            });
            if loops.is_empty() {
                return String::new();
            }
            let (s, _) = loops[i.index(loops.len())];
            let line_start = text[..s]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            if text[line_start..s].iter().any(|&b| b != b'\t') {
                return String::new();
            }
            let hay = String::from_utf8_lossy(text).into_owned();
            let label = (1..)
                .map(|k| format!("Outer{k}"))
                .find(|n| !hay.contains(n.as_str()))
                .unwrap();
            let mut ins = vec![b'\t'; (s - line_start).saturating_sub(1)];
            ins.extend(format!("{label}:\n").as_bytes());
            splice(text, line_start, line_start, &ins);
            format!(
                "label the loop at line {} {label}",
                syntax::line_col(text, s).0
            )
        }
        Mutation::Wrap(i, w) => {
            // Statements alone on their lines.
            let stmts = node_ranges(text, &|n| {
                n.is_named() && n.parent().is_some_and(|p| p.kind() == "statement_list")
            });
            let stmts: Vec<(usize, usize)> = stmts
                .into_iter()
                .filter(|&(s, e)| {
                    let ls = text[..s]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |p| p + 1);
                    text[ls..s].iter().all(|&b| b == b'\t')
                        && text.get(e).is_none_or(|&b| b == b'\n')
                })
                .collect();
            if stmts.is_empty() {
                return String::new();
            }
            let (before, after) = WRAPPERS[w.index(WRAPPERS.len())];
            let (s, e) = stmts[i.index(stmts.len())];
            let ls = text[..s]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let indent = text[ls..s].to_vec();
            let mut out = Vec::new();
            for l in before.lines() {
                out.extend(&indent);
                out.extend(l.as_bytes());
                out.push(b'\n');
            }
            for l in text[ls..e].split(|&b| b == b'\n') {
                if !l.is_empty() {
                    out.push(b'\t');
                }
                out.extend(l);
                out.push(b'\n');
            }
            out.extend(&indent);
            out.extend(after.as_bytes());
            let desc = format!(
                "wrap the statement at line {} in {before:?} ... {after:?}",
                syntax::line_col(text, s).0
            );
            splice(text, ls, e, &out);
            desc
        }
        Mutation::CommentRun(i, n) => {
            if lines.is_empty() {
                return String::new();
            }
            let k = i.index(lines.len());
            let n = 1 + n.index(4);
            let mut done = 0;
            for l in (k..(k + n).min(lines.len())).rev() {
                let (s, e) = lines[l];
                let mut at = e;
                while at > s && matches!(text[at - 1], b'\n' | b'\r') {
                    at -= 1;
                }
                if at > s {
                    splice(text, at, at, format!(" // c{l}").as_bytes());
                    done += 1;
                }
            }
            format!("append comments to {done} lines from line {}", k + 1)
        }
        Mutation::Gofmt => {
            if !have_gofmt() {
                return String::new();
            }
            let mut child = std::process::Command::new("gofmt")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("gofmt runs");
            let mut stdin = child.stdin.take().unwrap();
            let input = text.clone();
            let writer = std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&input);
            });
            let out = child.wait_with_output().expect("gofmt runs");
            writer.join().unwrap();
            if !out.status.success() || out.stdout == *text {
                return String::new();
            }
            *text = out.stdout;
            "gofmt".to_string()
        }
        Mutation::DropImport(i) => {
            let specs = node_ranges(text, &|n| n.kind() == "import_spec");
            if specs.is_empty() {
                return String::new();
            }
            let (s, e) = specs[i.index(specs.len())];
            let desc = format!("drop the import {}", show(&text[s..e]));
            // The whole line when the spec is alone on it.
            let ls = text[..s]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            let le = text[e..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(text.len(), |p| e + p + 1);
            if text[ls..s].iter().all(|&b| b == b'\t' || b == b' ')
                && text[e..le].iter().all(|b| b.is_ascii_whitespace())
            {
                splice(text, ls, le, b"");
            } else {
                splice(text, s, e, b"");
            }
            desc
        }
        Mutation::SplitImports => {
            let decls = node_ranges(text, &|n| n.kind() == "import_declaration");
            if decls.is_empty() {
                return String::new();
            }
            let specs = node_ranges(text, &|n| n.kind() == "import_spec");
            let mut out = Vec::new();
            for (k, &(s, e)) in specs.iter().enumerate() {
                if k > 0 {
                    out.push(b'\n');
                }
                out.extend(b"import ");
                out.extend(&text[s..e]);
            }
            let (first, last) = (decls[0].0, decls[decls.len() - 1].1);
            splice(text, first, last, &out);
            format!("split {} imports into import lines", specs.len())
        }
    }
}

// ---------------------------------------------------------------- cases

#[derive(Debug, Clone)]
struct Case {
    seed: Index,
    /// 0: the seed's own go.mod (none for most fixtures), 1: none, 2..: a
    /// fixed one from `GOMODS`.
    gomod: u8,
    /// Bit 0: `waitgroup-done.use_go=true`; bit 1:
    /// `time-after-in-loop.leak_only=true`.
    options: u8,
    mutations: Vec<Mutation>,
}

const GOMODS: &[&str] = &[
    "module example.com/p\n\ngo 1.22\n",
    "module example.com/p\n\ngo 1.26\n",
    "module example.com/p\n\ngo 1.24\n\ngodebug asynctimerchan=1\n",
];

fn case() -> impl Strategy<Value = Case> {
    (
        any::<Index>(),
        0..(2 + GOMODS.len() as u8),
        0u8..4,
        // GOFIX_PROPTEST_MUTATIONS=n: up to n mutations per case (default 3).
        prop::collection::vec(
            mutation(),
            0..=env_number("GOFIX_PROPTEST_MUTATIONS").unwrap_or(3),
        ),
    )
        .prop_map(|(seed, gomod, options, mutations)| Case {
            seed,
            gomod,
            options,
            mutations,
        })
}

/// What a case runs on once its mutations are applied.
#[derive(Clone)]
struct Setup {
    files: Vec<(String, Vec<u8>)>,
    target: usize,
    gomod: Option<String>,
    sets: Vec<String>,
}

struct Built {
    seed: &'static Seed,
    applied: Vec<String>,
    setup: Setup,
}

fn build(c: &Case) -> Built {
    let seeds = seeds();
    let seed = &seeds[c.seed.index(seeds.len())];
    let mut files = seed.files.clone();
    let mut applied = Vec::new();
    for m in &c.mutations {
        let d = apply(m, &mut files[seed.target].1);
        applied.push(if d.is_empty() {
            format!("{m:?}: no effect")
        } else {
            d
        });
    }
    let gomod = match c.gomod {
        0 => seed.gomod.clone(),
        1 => None,
        k => Some(GOMODS[k as usize - 2].to_string()),
    };
    let mut sets = seed.sets.clone();
    if c.options & 1 != 0 {
        sets.push("waitgroup-done.use_go=true".to_string());
    }
    if c.options & 2 != 0 {
        sets.push("time-after-in-loop.leak_only=true".to_string());
    }
    Built {
        seed,
        applied,
        setup: Setup {
            files,
            target: seed.target,
            gomod,
            sets,
        },
    }
}

// ---------------------------------------------------------- the checks

#[derive(Debug, Clone)]
struct Failure {
    property: &'static str,
    /// What makes two failures the same one (a panic's location).
    key: String,
    detail: String,
}

impl Failure {
    fn new(property: &'static str, key: String, detail: String) -> Failure {
        Failure {
            property,
            key,
            detail,
        }
    }

    fn same(&self, other: &Failure) -> bool {
        self.property == other.property && self.key == other.key
    }
}

#[derive(Default)]
struct Outcome {
    clean: bool,
    changed: bool,
    gofmt_checked: bool,
    extra_rounds: bool,
}

fn engine_for(sets: &[String]) -> Arc<Engine> {
    static ENGINES: OnceLock<Mutex<HashMap<Vec<String>, Arc<Engine>>>> = OnceLock::new();
    let mut key = sets.to_vec();
    key.sort();
    let mut map = ENGINES.get_or_init(Default::default).lock().unwrap();
    map.entry(key.clone())
        .or_insert_with(|| {
            let mut rules = rule::builtin().expect("the built-in pack loads");
            for s in &key {
                let (k, v) = s.split_once('=').unwrap();
                let (id, opt) = k.split_once('.').unwrap();
                rules
                    .iter_mut()
                    .find(|r| r.id() == id)
                    .unwrap()
                    .set_option(opt, v)
                    .unwrap();
            }
            Arc::new(Engine::new(rules))
        })
        .clone()
}

/// Panics in the engine are caught and reported with where they happened;
/// while `QUIET` is set the default hook's message is not printed.
static QUIET: AtomicUsize = AtomicUsize::new(0);
static LAST_PANIC: Mutex<Option<(String, String)>> = Mutex::new(None);

fn install_panic_hook() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.load(Ordering::SeqCst) == 0 {
                default(info);
                return;
            }
            let at = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_default();
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some((at, msg));
        }));
    });
}

/// One CLI-equivalent `--write` pass over `dir`, minus the writing.
fn run_once(engine: &Engine, dir: &Path) -> Result<Merged, Failure> {
    install_panic_hook();
    QUIET.fetch_add(1, Ordering::SeqCst);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let files = walk::discover(&[dir.to_string_lossy().into_owned()]).expect("walk");
        let displays = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let checked =
            run::check_all(engine, &WorkTree, files, displays, None, None).expect("check");
        merge::merge(checked, &WorkTree)
    }));
    QUIET.fetch_sub(1, Ordering::SeqCst);
    result.map_err(|_| {
        let (at, msg) = LAST_PANIC
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default();
        Failure {
            property: "panic (property 1)",
            key: at.clone(),
            detail: format!("panicked at {at}: {msg}"),
        }
    })
}

fn parses_clean(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok() && !syntax::parse(bytes).root_node().has_error()
}

/// Whether `gofmt` runs here; under CI its absence fails the test.
fn have_gofmt() -> bool {
    static HAVE: OnceLock<bool> = OnceLock::new();
    *HAVE.get_or_init(|| gotool::available("proptest_engine (gofmt checks)"))
}

/// The files `gofmt -l` lists (unformatted or unparseable for gofmt).
fn gofmt_listed(dir: &Path) -> BTreeSet<String> {
    gotool::gofmt_l(dir)
        .lines()
        .map(|l| {
            l.split(':')
                .next()
                .unwrap_or(l)
                .trim()
                .trim_start_matches("./")
        })
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn unified(name: &str, old: &str, new: &str) -> String {
    gofix_leaks::report::diff::unified(name, old, new)
}

const MAX_ROUNDS: usize = 4;

/// Runs the properties on `setup`.
fn check(setup: &Setup) -> Result<Outcome, Failure> {
    let tmp = tempfile::Builder::new()
        .prefix("gofix-proptest-")
        .tempdir()
        .unwrap();
    let dir = tmp.path();
    for (name, bytes) in &setup.files {
        fs::write(dir.join(name), bytes).unwrap();
    }
    if let Some(m) = &setup.gomod {
        fs::write(dir.join("go.mod"), m).unwrap();
    }
    let engine = engine_for(&setup.sets);
    let clean = setup.files.iter().all(|(_, b)| parses_clean(b));
    let mut outcome = Outcome {
        clean,
        ..Outcome::default()
    };
    let mut may_propose = true;
    for round in 0..MAX_ROUNDS {
        let merged = run_once(&engine, dir)?;
        if !clean {
            // Property 1 only.
            return Ok(outcome);
        }
        // The rules whose fixes were applied: what tells failures apart.
        let fixing: BTreeSet<&str> = merged
            .findings
            .iter()
            .filter(|f| f.has_fix())
            .map(|f| f.rule.as_str())
            .collect();
        let fixing = format!("{fixing:?}");
        let proposed: Vec<&str> = merged
            .findings
            .iter()
            .filter(|f| f.has_fix())
            .map(|f| f.posn.as_str())
            .collect();
        if !may_propose && (!proposed.is_empty() || !merged.changes.is_empty()) {
            let diffs: String = merged
                .changes
                .iter()
                .map(|c| unified(&c.display, &c.old, &c.new))
                .collect();
            return Err(Failure::new(
                "idempotence (property 3)",
                fixing.clone(),
                format!(
                    "run {} proposes fixes again at {proposed:?}:\n{diffs}",
                    round + 1
                ),
            ));
        }
        if let Some(e) = merged.errors.first() {
            return Err(Failure::new(
                "error on parseable input (property 2)",
                fixing.clone(),
                format!("{}: {}", e.file, e.message),
            ));
        }
        if let Some(f) = merged.findings.iter().find(|f| {
            f.no_fix_reason
                .as_deref()
                .is_some_and(|r| r.starts_with("internal"))
        }) {
            return Err(Failure::new(
                "internal error in a fix (property 2)",
                f.rule.clone(),
                format!("{}: {}: {:?}", f.posn, f.rule, f.no_fix_reason),
            ));
        }
        if merged.changes.is_empty() {
            return Ok(outcome);
        }
        outcome.changed = true;
        outcome.extra_rounds |= round > 0;
        for c in &merged.changes {
            if !parses_clean(c.new.as_bytes()) {
                return Err(Failure::new(
                    "unparseable output (property 2)",
                    fixing.clone(),
                    format!(
                        "the fixed {} does not parse:\n{}",
                        c.display,
                        unified(&c.display, &c.old, &c.new)
                    ),
                ));
            }
        }
        let before = have_gofmt().then(|| gofmt_listed(dir));
        for c in &merged.changes {
            write::write_atomic(&c.path, c.old.as_bytes(), c.new.as_bytes())
                .map_err(|e| Failure::new("write failed", String::new(), format!("{e:#}")))?;
        }
        if let Some(before) = before {
            outcome.gofmt_checked = true;
            let after = gofmt_listed(dir);
            if let Some(bad) = after.difference(&before).next() {
                let c = merged
                    .changes
                    .iter()
                    .find(|c| c.display == *bad)
                    .map(|c| unified(&c.display, &c.old, &c.new))
                    .unwrap_or_default();
                return Err(Failure::new(
                    "output not gofmt-clean (property 2)",
                    fixing.clone(),
                    format!(
                        "{bad} was gofmt-clean and is not after the fixes ({}):\n{c}",
                        gotool::gofmt_l(dir).trim()
                    ),
                ));
            }
        }
        // Only a fix dropped for overlapping another may come up again.
        may_propose = merged.findings.iter().any(|f| {
            f.no_fix_reason
                .as_deref()
                .is_some_and(|r| r.contains("run again"))
        });
    }
    Err(Failure::new(
        "idempotence (property 3)",
        "no fixed point".to_string(),
        format!("no fixed point after {MAX_ROUNDS} runs"),
    ))
}

/// Removes lines (halves, quarters, ... single lines) from the target file
/// while the case fails the same way.
fn reduce(setup: &Setup, want: &Failure) -> Setup {
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut best = setup.clone();
    let spans = |b: &[u8]| line_spans(b);
    let mut chunk = spans(&best.files[best.target].1).len().div_ceil(2).max(1);
    loop {
        let mut i = 0;
        while Instant::now() < deadline {
            let text = &best.files[best.target].1;
            let lines = spans(text);
            if i >= lines.len() {
                break;
            }
            let end = (i + chunk).min(lines.len());
            let mut candidate = best.clone();
            let t = &mut candidate.files[candidate.target].1;
            t.splice(lines[i].0..lines[end - 1].1, std::iter::empty());
            match check(&candidate) {
                Err(f) if f.same(want) => best = candidate,
                _ => i += chunk,
            }
        }
        if chunk == 1 || Instant::now() >= deadline {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    best
}

fn report(built: &Built, case: &Case, failure: &Failure, sub: &str) -> String {
    let reduced = reduce(&built.setup, failure);
    let reduced_failure = check(&reduced).err().unwrap_or_else(|| failure.clone());
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("proptest-engine")
        .join(sub);
    fs::create_dir_all(&out_dir).unwrap();
    let (target_name, full) = &built.setup.files[built.setup.target];
    let reduced_text = &reduced.files[reduced.target].1;
    fs::write(out_dir.join("input.go"), full).unwrap();
    fs::write(out_dir.join("reduced.go"), reduced_text).unwrap();
    let mut s = String::new();
    let _ = writeln!(s, "property: {} {}", failure.property, failure.key);
    let _ = writeln!(s, "seed: {} (mutated file {target_name})", built.seed.name);
    let _ = writeln!(
        s,
        "go.mod: {:?}; options: {:?}",
        built.setup.gomod, built.setup.sets
    );
    let _ = writeln!(s, "mutations:");
    for a in &built.applied {
        let _ = writeln!(s, "  - {a}");
    }
    let _ = writeln!(s, "shrunk case: {case:?}");
    let _ = writeln!(s, "\nfailure: {}", failure.detail);
    let _ = writeln!(
        s,
        "\n--- reduced input ({} lines; {}/reduced.go) fails with: {}\n{}",
        line_spans(reduced_text).len(),
        out_dir.display(),
        reduced_failure.detail,
        String::from_utf8_lossy(reduced_text)
    );
    let _ = writeln!(
        s,
        "--- full mutated input ({}/input.go)\n{}",
        out_dir.display(),
        String::from_utf8_lossy(full)
    );
    s
}

#[test]
fn mutated_sources_keep_the_properties() {
    let started = Instant::now();
    let budget = env_number("GOFIX_PROPTEST_SECS").unwrap_or(60) as u64;
    let budget = (budget > 0).then(|| Duration::from_secs(budget));
    // Config::default() reads PROPTEST_CASES (default 256).
    let config = Config {
        failure_persistence: None,
        max_shrink_time: 120_000,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    // A random seed unless PROPTEST_RNG_SEED gives one; printed so that a
    // run can be repeated.
    let mut config = config;
    let rng_seed = match config.rng_seed {
        RngSeed::Fixed(s) => s,
        RngSeed::Random => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64),
    };
    config.rng_seed = RngSeed::Fixed(rng_seed);
    let cases = config.cases;
    let n_seeds = seeds().len();
    let failed = AtomicBool::new(false);
    let ran = AtomicUsize::new(0);
    let clean = AtomicUsize::new(0);
    let changed = AtomicUsize::new(0);
    let gofmt = AtomicUsize::new(0);
    let rounds = AtomicUsize::new(0);
    // GOFIX_PROPTEST_HUNT=1: record failures and go on, then report one
    // reduced case per distinct failure (for long local runs).
    let hunt = std::env::var_os("GOFIX_PROPTEST_HUNT").is_some();
    let hunted: Mutex<Vec<(Case, Failure, usize)>> = Mutex::new(Vec::new());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |c| {
        // Past the time budget, the remaining cases pass untried; never
        // while shrinking a failure.
        if !failed.load(Ordering::SeqCst) && budget.is_some_and(|b| started.elapsed() > b) {
            return Ok(());
        }
        let built = build(&c);
        match check(&built.setup) {
            Ok(o) => {
                ran.fetch_add(1, Ordering::SeqCst);
                clean.fetch_add(o.clean as usize, Ordering::SeqCst);
                changed.fetch_add(o.changed as usize, Ordering::SeqCst);
                gofmt.fetch_add(o.gofmt_checked as usize, Ordering::SeqCst);
                rounds.fetch_add(o.extra_rounds as usize, Ordering::SeqCst);
                Ok(())
            }
            Err(f) if hunt => {
                let size = built.setup.files[built.setup.target].1.len();
                hunted.lock().unwrap().push((c.clone(), f, size));
                Ok(())
            }
            Err(f) => {
                failed.store(true, Ordering::SeqCst);
                Err(TestCaseError::fail(format!("{}: {}", f.property, f.detail)))
            }
        }
    });
    eprintln!(
        "proptest_engine: PROPTEST_RNG_SEED={rng_seed}, {} seeds; {} of {cases} cases run in {:.1?}: {} parse cleanly, {} changed by fixes, {} gofmt-checked, {} needed another run",
        n_seeds,
        ran.load(Ordering::SeqCst),
        started.elapsed(),
        clean.load(Ordering::SeqCst),
        changed.load(Ordering::SeqCst),
        gofmt.load(Ordering::SeqCst),
        rounds.load(Ordering::SeqCst),
    );
    let mut hunted = hunted.into_inner().unwrap();
    if !hunted.is_empty() {
        hunted.sort_by_key(|(_, f, size)| (f.property, f.key.clone(), *size));
        hunted.dedup_by(|b, a| a.1.same(&b.1));
        let mut all = String::new();
        for (k, (c, _, _)) in hunted.iter().enumerate() {
            let built = build(c);
            if let Err(failure) = check(&built.setup) {
                let r = report(&built, c, &failure, &k.to_string());
                let _ = writeln!(
                    all,
                    "=== distinct failure {k}\nPROPTEST_RNG_SEED={rng_seed}\n{r}"
                );
            }
        }
        panic!("{} distinct failures:\n{all}", hunted.len());
    }
    match result {
        Ok(()) => {}
        Err(TestError::Fail(_, c)) => {
            let built = build(&c);
            let failure = check(&built.setup)
                .err()
                .expect("the shrunk case fails again");
            panic!(
                "PROPTEST_RNG_SEED={rng_seed}\n{}",
                report(&built, &c, &failure, "")
            );
        }
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------- found by this test

/// Runs the properties on one file (with a go 1.22 go.mod) and panics with
/// the failure.
fn assert_properties(name: &str, src: &str) {
    let setup = Setup {
        files: vec![("input.go".to_string(), src.as_bytes().to_vec())],
        target: 0,
        gomod: Some(GOMODS[0].to_string()),
        sets: vec![],
    };
    assert!(parses_clean(src.as_bytes()), "{name}: the input must parse");
    if let Err(f) = check(&setup) {
        panic!("{name}: {}: {}", f.property, f.detail);
    }
}

/// Two `wg.Add(1)` first in a goroutine: each run moved one more before the
/// `go` statement (fixed in predicates/waitgroup.rs).
#[test]
fn regression_waitgroup_consecutive_add_inside() {
    assert_properties(
        "waitgroup-consecutive-add-inside",
        "package main

import \"sync\"

func double() {
	var wg sync.WaitGroup
	go func() {
		wg.Add(1)
		wg.Add(1)
		defer wg.Done()
	}()
	wg.Wait()
}

func main() { double() }
",
    );
}

/// A comment on F's `{` line: the derived context was inserted right after
/// the brace, not gofmt-clean (fixed in predicates/fanin.rs).
#[test]
fn regression_fanin_comment_on_brace_line() {
    assert_properties(
        "fanin-comment-on-brace-line",
        "package main

import (
	\"context\"
	\"time\"
)

func query(key string) string {
	time.Sleep(time.Millisecond)
	return key
}

func fastest(ctx context.Context, replicas []string, key string) (string, error) { // note
	results := make(chan string)
	for _, r := range replicas {
		go func(r string) {
			results <- query(r + key)
		}(r)
	}
	select {
	case v := <-results:
		return v, nil
	case <-ctx.Done():
		return \"\", ctx.Err()
	}
}
",
    );
}

/// `results <- fetch(context.Background(), it)` in a producer: the guard's
/// wrap and the background-arg replacement nested in one fix, and the merge
/// panicked (fixed in predicates/fanin.rs).
#[test]
fn regression_fanin_background_arg_in_guarded_send() {
    assert_properties(
        "fanin-nested-edit-in-guarded-send",
        "package main

import (
	\"context\"
	\"errors\"
	\"time\"
)

func fetch(ctx context.Context, s string) string { return s }

func first(ctx context.Context, items []string) (string, error) {
	results := make(chan string)
	for _, it := range items {
		go func(it string) {
			results <- fetch(context.Background(), it)
		}(it)
	}
	select {
	case r := <-results:
		return r, nil
	case <-time.After(time.Second):
		return \"\", errors.New(\"timeout\")
	}
}
",
    );
}

/// F calls itself in its producer's send: the new ctx argument landed
/// inside the guard's wrap, and the merge panicked (fixed in
/// predicates/fanin.rs).
#[test]
fn regression_fanin_recursive_call_in_guarded_send() {
    assert_properties(
        "fanin-recursive-call-in-guarded-send",
        "package main

func monitor(stop chan bool) bool {
	results := make(chan bool)
	go func() {
		results <- monitor(stop)
	}()
	select {
	case <-stop:
		return false
	case <-results:
		return true
	case <-results:
		return true
	}
}
",
    );
}

/// `wg.Done() // comment` deleted: the comment was left after a blank, not
/// gofmt-clean (fixed in edit.rs).
#[test]
fn regression_delete_before_trailing_comment() {
    assert_properties(
        "delete-before-trailing-comment",
        "package main

import \"sync\"

func run(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func(it int) {
			if it == 0 {
				return
			}
			println(it)
			wg.Done() // one less
		}(it)
	}
	wg.Wait()
}
",
    );
}

/// The widest line of an aligned comment block deleted: the lines above
/// kept their wider padding (fixed in edit.rs, `realign_comments`).
#[test]
fn regression_realign_after_deleting_the_widest_line() {
    assert_properties(
        "realign-after-deleting-the-widest-line",
        "package main

import \"sync\"

func run(items []int) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func(it int) {
			if it == 0 {
				return
			}
			x := 1    // copy
			_ = x     // use
			wg.Done() // one less
		}(it)
	}
	wg.Wait()
}
",
    );
}

/// A call site on the line after `} // c7`: the two trailing comments were
/// aligned, but gofmt starts a new section after a multi-line statement
/// (fixed in edit.rs, `realign_comments`).
#[test]
fn regression_realign_not_across_a_closing_brace() {
    assert_properties(
        "realign-across-gofmt-section-breaks",
        "package main

func first(urls []string) string {
	results := make(chan string)
	for _, u := range urls {
		go func(u string) {
			results <- u
		}(u)
	}
	return <-results
}

func handle(urls []string) string {
	if len(urls) == 0 {
		return \"none\"
	} // c7
	return \"handled: \" + first(urls) // c8
}
",
    );
}

/// Lines inserted before `select { // c10`: its comment was aligned with the
/// first case's, which gofmt keeps apart (fixed in edit.rs,
/// `realign_comments`).
#[test]
fn regression_realign_not_across_a_block_opening() {
    assert_properties(
        "realign-across-gofmt-section-breaks",
        "package main

import (
	\"time\"
)

func count(in <-chan int, idle time.Duration) int {
	n := 0
	for {
		select { // c10
		case _, ok := <-in: // c11
			if !ok { // c12
				return n
			}
			n++
		case <-time.After(idle):
			return n
		}
	}
}
",
    );
}

/// `wg.Add(1)` first in a goroutine that is itself the first statement of
/// another goroutine: each run moved it one level out (fixed in
/// predicates/waitgroup.rs: it goes before the outermost such `go`).
#[test]
fn regression_waitgroup_add_in_nested_goroutine() {
    assert_properties(
        "waitgroup-add-in-nested-goroutine",
        "package main

import (
	\"strings\"
	\"sync\"
)

func double(key string) string {
	var wg sync.WaitGroup
	out := make(chan string, 1)
	go func() {
		go func() {
			wg.Add(1)
			defer wg.Done()
			out <- strings.Repeat(key, 2)
		}()
	}()
	wg.Wait()
	return <-out
}
",
    );
}

/// `loop: // comment` before a loop that gets a timer: the timer lines took
/// the comment's (the label's) indentation, column 0 (fixed in engine.rs,
/// `statement_indent`).
#[test]
fn regression_time_after_labelled_loop_with_comment() {
    assert_properties(
        "time-after-label-with-comment",
        "package main

import \"time\"

func drain(in <-chan string) []string {
	var got []string
loop: // until idle
	for {
		select {
		case s := <-in:
			got = append(got, s)
		case <-time.After(20 * time.Millisecond):
			break loop
		}
	}
	return got
}
",
    );
}

/// Two labels (the same one twice: the mutation does not compile, but it
/// parses) before a loop that a `goto` goes back to: the timer went before
/// them at the labels' column 0 instead of the statement's indentation
/// (fixed in engine.rs, `statement_indent`).
#[test]
fn regression_time_after_goto_stacked_labels() {
    assert_properties(
        "time-after-goto-stacked-labels",
        "package main

import (
	\"time\"
)

func reconnect(msgs <-chan string, tries int) ([]string, int) {
retry:
retry:
	n++
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
			}
		case <-time.After(5 * time.Millisecond):
			if n < tries {
				goto retry
			}
		}
	}
}
",
    );
}

/// Three `go` statements in a loop between `wg.Add` and the goroutine: the
/// count overflowed, a panic in debug builds (fixed in
/// predicates/waitgroup.rs, `attributable`).
#[test]
fn regression_waitgroup_go_count_overflow() {
    assert_properties(
        "waitgroup-go-count-overflow",
        "package main

import \"sync\"

func work(int) {}

func run(n int) {
	var wg sync.WaitGroup
	wg.Add(1)
	for i := 0; i < n; i++ {
		go work(1)
		go work(2)
		go work(3)
	}
	go func() {
		work(0)
	}()
	wg.Wait()
}
",
    );
}

/// F named `make` (shadowing the builtin, so not valid Go, but it parses):
/// its new ctx argument and the channel's new capacity were two edits of
/// one `make(chan T)` call, and the merge panicked (fixed in
/// predicates/fanin.rs; merge.rs now refuses any fix whose edits overlap).
#[test]
fn regression_fanin_function_named_like_a_builtin() {
    assert_properties(
        "fanin-nested-edit-in-guarded-send",
        "package main

func download(m, file string) string { return m + file }

func make(mirrors []string, file string) string {
	results := make(chan string)
	for _, m := range mirrors {
		go func(m string) {
			results <- download(m, file)
		}(m)
	}
	return <-results
}
",
    );
}
