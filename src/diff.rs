//! Unified diffs in git's layout (`diff --git a/p b/p`, three lines of
//! context), so that `gofix-leaks --dry-run | git apply` works, with colour
//! for a terminal.

use similar::TextDiff;

pub fn unified(path: &str, old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let (a, b) = (quote(&format!("a/{path}")), quote(&format!("b/{path}")));
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    format!("diff --git {a} {b}\n{body}")
}

/// Quotes a path the way git does when it holds `"`, `\\` or control
/// characters (C-style, in double quotes); other paths are left as they are.
fn quote(path: &str) -> String {
    if !path
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
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
