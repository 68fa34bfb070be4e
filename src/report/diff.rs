//! Unified diffs in git's layout (`diff --git a/p b/p`, three lines of
//! context), so that `gofix-leaks --dry-run | git apply` works, with colour
//! for a terminal.

use similar::TextDiff;

pub fn unified(path: &str, old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let (a, b) = (quote(&format!("a/{path}")), quote(&format!("b/{path}")));
    // git ends the `---` and `+++` lines with a tab when the name holds a
    // space (so a trailing space survives); match it byte for byte.
    let tab = if path.contains(' ') { "\t" } else { "" };
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("{a}{tab}"), &format!("{b}{tab}"))
        .to_string();
    format!("diff --git {a} {b}\n{body}")
}

/// Quotes a path the way git does by default (`core.quotePath` true): a
/// name holding `"`, `\\`, a control character or any byte from 0x80 up
/// is written C-style in double quotes, with `\t`-style escapes and octal
/// for the rest; other names are left as they are.
fn quote(path: &str) -> String {
    let must = |b: u8| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\' || b >= 0x80;
    if !path.bytes().any(must) {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for b in path.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b if must(b) => out.push_str(&format!("\\{b:03o}")),
            b => out.push(b as char),
        }
    }
    out.push('"');
    out
}

/// Colours a unified diff the way `git diff --color` does.
pub fn colorize(diff: &str) -> String {
    let mut out = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.split_inclusive('\n') {
        let (code, body) = if line.starts_with("diff --git")
            || line.starts_with("--- ")
            || line.starts_with("+++ ")
        {
            ("\x1b[1m", line)
        } else if line.starts_with("@@") {
            ("\x1b[36m", line)
        } else if line.starts_with('+') {
            ("\x1b[32m", line)
        } else if line.starts_with('-') {
            ("\x1b[31m", line)
        } else {
            ("", line)
        };
        if code.is_empty() {
            out.push_str(body);
        } else {
            let (text, nl) = body.strip_suffix('\n').map_or((body, ""), |t| (t, "\n"));
            out.push_str(code);
            out.push_str(text);
            out.push_str("\x1b[0m");
            out.push_str(nl);
        }
    }
    out
}
