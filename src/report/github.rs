//! `--format github`: GitHub Actions workflow commands, so that a workflow
//! step shows each finding as an annotation on the line it is about:
//! `::warning file=F,line=L,col=C,endLine=..,endColumn=..,title=RULE::MESSAGE`
//! per leak (`::notice` per per-pass allocation), `::error` per file that
//! could not be checked, `::notice` per region skipped. Columns are UTF-16 columns, as in `--format sarif`.

use crate::engine::diagnostic::{Finding, Kind, Skipped};
use crate::report::sarif::{ErrorItem, Texts, span, utf16_column};
use std::io::{self, Write};

/// Escapes a command's message (the data after `::`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`, ...): also `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(kind: &str, props: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    let sep = if props.is_empty() { "" } else { " " };
    format!("::{kind}{sep}{}::{}", props.join(","), escape_data(message))
}

/// The annotation text of a finding: its message, then what happens to it.
pub fn finding_message(f: &Finding) -> String {
    match (&f.no_fix_reason, f.suggested_fixes.first()) {
        (Some(why), _) => format!("{} (no automatic fix: {why})", f.message),
        (None, Some(fix)) => format!("{} (automatic fix: {})", f.message, fix.message),
        (None, None) => f.message.clone(),
    }
}

/// Writes the workflow commands of a run.
pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    skipped: &[Skipped],
    errors: &[ErrorItem],
    branches: &[(String, String)],
    texts: &Texts,
) -> io::Result<()> {
    for e in errors {
        let props = if e.file.is_empty() {
            vec![]
        } else {
            vec![("file", e.file.to_string())]
        };
        writeln!(out, "{}", command("error", &props, e.message))?;
    }
    for s in skipped {
        let mut props = vec![("file", s.file.clone())];
        // Line 0 is a whole file (a symlink not followed): no position.
        if s.line > 0 {
            let col = texts
                .get(&s.file)
                .map_or(s.column, |t| utf16_column(&t, s.line, s.column));
            props.push(("line", s.line.to_string()));
            props.push(("col", col.to_string()));
        }
        props.push(("title", "gofix-leaks: skipped".to_string()));
        writeln!(out, "{}", command("notice", &props, &s.reason))?;
    }
    for f in findings {
        let (start, end) = span(texts, &f.file, &f.start, &f.end);
        let props = [
            ("file", f.file.clone()),
            ("line", start.line.to_string()),
            ("col", start.column.to_string()),
            ("endLine", end.line.to_string()),
            ("endColumn", end.column.to_string()),
            ("title", f.rule.clone()),
        ];
        let level = match f.kind {
            Kind::Leak => "warning",
            Kind::Allocation => "notice",
        };
        writeln!(out, "{}", command(level, &props, &finding_message(f)))?;
    }
    for (branch, commit) in branches {
        let props = [("title", "gofix-leaks".to_string())];
        let message = format!("fixes committed on branch {branch} (commit {commit})");
        writeln!(out, "{}", command("notice", &props, &message))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            command(
                "warning",
                &[("file", "x,y.go".into()), ("title", "t:1".into())],
                "m\n"
            ),
            "::warning file=x%2Cy.go,title=t%3A1::m%0A"
        );
        assert_eq!(command("error", &[], "boom"), "::error::boom");
    }
}
