//! Unified diffs in git's layout (`diff --git a/p b/p`, three lines of
//! context), so that `gofix-leaks --dry-run | git apply` works, with colour
//! for a terminal.

use similar::TextDiff;

pub fn unified(path: &str, old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let body = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string();
    format!("diff --git a/{path} b/{path}\n{body}")
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
