//! New code only (`--new-from-rev`, `--new-from-patch`,
//! `--new-from-merge-base`): the lines a change added or changed, per file,
//! and the filter that keeps only what lies on them. Analysis still reads
//! whole packages; this only narrows what a run reports, fixes and counts.
//!
//! A finding counts as new when any line of its primary range (its start
//! line to its end line) was added or changed, not only its first line:
//! a leak made by editing the body of a goroutine (a new early return
//! before `wg.Done()`) is flagged at the `go` statement, which did not
//! change. golangci-lint looks at the first line alone; for a range of one
//! line, the usual case, the two agree.

use crate::engine::merge::Checked;
use std::collections::{BTreeMap, BTreeSet};

/// Lines added or changed, by path relative to the repository root (the
/// form findings show their files in), 1-based.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChangedLines {
    files: BTreeMap<String, BTreeSet<usize>>,
}

impl ChangedLines {
    /// Records line `line` of `file` as new.
    pub fn add(&mut self, file: &str, line: usize) {
        self.files.entry(file.to_string()).or_default().insert(line);
    }

    /// True when a line of `first..=last` of `file` is new; `first` 0 asks
    /// about the file as a whole (a file-level note): any new line in it.
    pub fn touches(&self, file: &str, first: usize, last: usize) -> bool {
        let Some(lines) = self.files.get(file) else {
            return false;
        };
        if first == 0 {
            return !lines.is_empty();
        }
        lines.range(first..=last.max(first)).next().is_some()
    }

    /// The files with at least one new line.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Keeps, of each checked file, only the findings (with their fixes),
    /// ignore-suppressed findings, skipped regions and ignore comments on
    /// new lines: a file outside the change gives nothing.
    pub fn retain_new(&self, checked: &mut [Checked]) {
        for c in checked.iter_mut() {
            let Ok(o) = &mut c.outcome else { continue };
            let file = c.display.as_str();
            let findings = std::mem::take(&mut o.findings);
            let fixes = std::mem::take(&mut o.fixes);
            for (f, fix) in findings.into_iter().zip(fixes) {
                if self.touches(file, f.start.line, f.end.line) {
                    o.findings.push(f);
                    o.fixes.push(fix);
                }
            }
            o.suppressed
                .retain(|s| self.touches(file, line_of(&s.posn), line_of(&s.posn)));
            o.skipped.retain(|s| self.touches(file, s.line, s.line));
            o.directives
                .retain(|d| self.touches(file, d.line, d.line.max(d.last)));
        }
    }
}

/// The line of a `file:line:column` position (0 when it has none).
pub fn line_of(posn: &str) -> usize {
    let mut parts = posn.rsplitn(3, ':');
    let _column = parts.next();
    parts.next().and_then(|l| l.parse().ok()).unwrap_or(0)
}

/// The lines a unified diff (as `git diff` or `diff -u` prints it) adds,
/// by the path after `+++ `. Git's `b/` prefix is dropped when the `---`
/// path has the matching `a/` (or is /dev/null), as `git apply` does;
/// deleted files add nothing. `Err` says what is wrong and on which line
/// (1-based) of the patch.
pub fn parse_patch(text: &str) -> Result<ChangedLines, (usize, String)> {
    let mut out = ChangedLines::default();
    let mut old_path: Option<String> = None;
    let mut file: Option<String> = None;
    // Lines left in the current hunk: (old side, new side), and the next
    // new-side line number.
    let mut left = (0usize, 0usize);
    let mut next = 0usize;
    let mut headers = 0usize;
    for (i, line) in text.lines().enumerate() {
        let at = i + 1;
        if left.0 > 0 || left.1 > 0 {
            match line.as_bytes().first() {
                Some(b'+') => {
                    if let Some(f) = &file {
                        out.add(f, next);
                    }
                    next += 1;
                    left.1 = left.1.saturating_sub(1);
                }
                Some(b'-') => left.0 = left.0.saturating_sub(1),
                Some(b'\\') => {}
                // A context line (an empty one when trailing spaces were lost).
                Some(b' ') | None => {
                    next += 1;
                    left.0 = left.0.saturating_sub(1);
                    left.1 = left.1.saturating_sub(1);
                }
                _ => return Err((at, format!("hunk ends early: {line:?}"))),
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("--- ") {
            old_path = Some(header_path(rest));
        } else if let Some(rest) = line.strip_prefix("+++ ") {
            headers += 1;
            let new = header_path(rest);
            let prefixed = old_path
                .as_deref()
                .is_some_and(|o| o.starts_with("a/") || o == "/dev/null");
            file = match new.as_str() {
                "/dev/null" => None,
                p if prefixed && p.starts_with("b/") => Some(p[2..].to_string()),
                p => Some(p.trim_start_matches("./").to_string()),
            };
        } else if line.starts_with("@@ ") {
            if file.is_none() && old_path.is_none() {
                return Err((at, "a hunk before any `+++` file header".to_string()));
            }
            let (old, new, start) =
                hunk_header(line).ok_or_else(|| (at, format!("malformed hunk header {line:?}")))?;
            left = (old, new);
            next = start;
        }
    }
    if headers == 0 && !text.trim().is_empty() {
        return Err((1, "not a unified diff: no `+++` file header".to_string()));
    }
    Ok(out)
}

/// `@@ -a[,b] +c[,d] @@ ...` -> (b, d, c); a missing count is 1.
fn hunk_header(line: &str) -> Option<(usize, usize, usize)> {
    let mut parts = line.split_whitespace().skip(1);
    let range = |s: &str| -> Option<(usize, usize)> {
        let (start, count) = s.split_once(',').unwrap_or((s, "1"));
        Some((start.parse().ok()?, count.parse().ok()?))
    };
    let (_, old) = range(parts.next()?.strip_prefix('-')?)?;
    let (start, new) = range(parts.next()?.strip_prefix('+')?)?;
    (parts.next()? == "@@").then_some((old, new, start))
}

/// The path of a `---`/`+++` line: unquoted when git quoted it, without
/// the tab and timestamp `diff -u` adds.
fn header_path(rest: &str) -> String {
    let rest = rest.trim_end_matches('\r');
    if let Some(q) = rest.strip_prefix('"') {
        return unquote(q);
    }
    rest.split('\t').next().unwrap_or(rest).to_string()
}

/// The rest of a C-quoted name after its opening quote, as git writes
/// names with special bytes: `\"`, `\\`, `\t`, `\n` and octal escapes of
/// UTF-8 bytes.
fn unquote(q: &str) -> String {
    let mut bytes = Vec::new();
    let mut chars = q.bytes().peekable();
    while let Some(b) = chars.next() {
        match b {
            b'"' => break,
            b'\\' => match chars.next() {
                Some(b'n') => bytes.push(b'\n'),
                Some(b't') => bytes.push(b'\t'),
                Some(d @ b'0'..=b'7') => {
                    let mut v = u32::from(d - b'0');
                    for _ in 0..2 {
                        if let Some(&d @ b'0'..=b'7') = chars.peek() {
                            v = v * 8 + u32::from(d - b'0');
                            chars.next();
                        }
                    }
                    bytes.push(v as u8);
                }
                Some(other) => bytes.push(other),
                None => {}
            },
            _ => bytes.push(b),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_of_a_git_diff() {
        let patch = "diff --git a/p/a.go b/p/a.go
index 1..2 100644
--- a/p/a.go
+++ b/p/a.go
@@ -1,3 +1,4 @@
 package p
-var x = 1
+var x = 2
+var y = 3
 
@@ -10 +11,2 @@ func f() {
--- removed line that looks like a header
+++ added line that looks like a header
+b
diff --git a/gone.go b/gone.go
--- a/gone.go
+++ /dev/null
@@ -1 +0,0 @@
-package gone
diff --git \"a/q/\\303\\251.go\" \"b/q/\\303\\251.go\"
new file mode 100644
--- /dev/null
+++ \"b/q/\\303\\251.go\"
@@ -0,0 +1 @@
+package q
";
        let c = parse_patch(patch).unwrap();
        assert_eq!(c.files().collect::<Vec<_>>(), vec!["p/a.go", "q/é.go"]);
        assert!(!c.touches("p/a.go", 1, 1));
        assert!(c.touches("p/a.go", 2, 2) && c.touches("p/a.go", 3, 3));
        assert!(!c.touches("p/a.go", 4, 10));
        assert!(c.touches("p/a.go", 11, 11) && c.touches("p/a.go", 12, 12));
        assert!(c.touches("p/a.go", 4, 11), "a range touching one new line");
        assert!(c.touches("p/a.go", 0, 0), "the file as a whole");
        assert!(c.touches("q/é.go", 1, 1));
        assert!(!c.touches("gone.go", 0, 0));
    }

    #[test]
    fn plain_diff_u_and_errors() {
        let c = parse_patch("--- a.go\t2024-01-01\n+++ a.go\t2024-01-02\n@@ -1 +1 @@\n-x\n+y\n")
            .unwrap();
        assert!(c.touches("a.go", 1, 1));
        assert_eq!(parse_patch("").unwrap(), ChangedLines::default());
        assert_eq!(parse_patch("hello\n").unwrap_err().0, 1);
        let bad = parse_patch("--- a/x\n+++ b/x\n@@ -1 +1 @\n").unwrap_err();
        assert_eq!(bad.0, 3, "{}", bad.1);
        let early = parse_patch("--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n x\nzz\n").unwrap_err();
        assert_eq!(early.0, 5, "{}", early.1);
    }
}
