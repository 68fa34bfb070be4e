//! `{{name}}` templates: the text a rule emits, filled from captures and
//! predicate bindings. `{{fresh:base}}` asks for a new identifier.

/// The placeholder names a template uses, in order.
pub fn placeholders(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        out.push(after[..j].trim());
        rest = &after[j + 2..];
    }
    out
}

/// Fills a template; `lookup` returns a placeholder's text.
pub fn render(t: &str, lookup: &mut dyn FnMut(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            return Ok(out);
        };
        let name = after[..j].trim();
        match lookup(name) {
            Some(v) => out.push_str(&v),
            None => return Err(format!("template placeholder `{name}` has no value")),
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_lists() {
        assert_eq!(placeholders("{{a}}({{ b }}, 1)"), vec!["a", "b"]);
        let mut f = |n: &str| Some(n.to_uppercase());
        assert_eq!(render("{{a}}({{ b }}, 1)", &mut f).unwrap(), "A(B, 1)");
    }
}
