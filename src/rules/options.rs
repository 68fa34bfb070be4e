//! Typed rule options: `[options]` declares each switch with its default,
//! whose TOML type is the option's type (boolean, integer or string), or as
//! `{ default = "a", one_of = ["a", "b"] }` for one of a fixed set of
//! strings. Values from `--set` and the config file are checked against it.

use crate::rules::suggest;
use std::collections::BTreeMap;

/// What values an option takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionType {
    Bool,
    Int,
    Text,
    OneOf(Vec<String>),
}

impl OptionType {
    /// The values it takes, for error messages.
    pub fn accepted(&self) -> String {
        match self {
            OptionType::Bool => "true or false".to_string(),
            OptionType::Int => "an integer".to_string(),
            OptionType::Text => "any string".to_string(),
            OptionType::OneOf(vs) => format!("one of {}", vs.join(", ")),
        }
    }

    /// A value written on the command line or in a config file, as the
    /// text templates and guards see: booleans are "true" or "" (off).
    pub fn check(&self, value: &str) -> Result<String, String> {
        match self {
            OptionType::Bool => match value {
                "true" | "1" | "on" | "yes" => Ok("true".to_string()),
                "false" | "0" | "off" | "no" => Ok(String::new()),
                _ => Err(format!("`{value}` is not a boolean (true or false)")),
            },
            OptionType::Int => value
                .parse::<i64>()
                .map(|i| i.to_string())
                .map_err(|_| format!("`{value}` is not an integer")),
            OptionType::Text => Ok(value.to_string()),
            OptionType::OneOf(vs) => {
                if vs.iter().any(|v| v == value) {
                    Ok(value.to_string())
                } else {
                    Err(format!(
                        "`{value}` is not one of {}{}",
                        vs.join(", "),
                        suggest::hint(value, vs.iter().map(String::as_str))
                    ))
                }
            }
        }
    }
}

/// An option value written in TOML (a config file, a test), as `--set`
/// would take it.
pub fn value_text(v: &toml::Value) -> Result<String, String> {
    match v {
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::String(s) => Ok(s.clone()),
        other => Err(format!(
            "a boolean, string or integer, not {}",
            other.type_str()
        )),
    }
}

/// The options a rule declares: each one's type and default (as text).
#[derive(Debug, Default)]
pub struct Declared {
    pub values: BTreeMap<String, String>,
    pub types: BTreeMap<String, OptionType>,
}

/// Reads `[options]`. Errors name the option; the caller adds the place.
pub fn declare(table: &toml::Table) -> Result<Declared, (String, String)> {
    let mut out = Declared::default();
    for (k, v) in table {
        let (ty, default) = declare_one(v).map_err(|e| (k.clone(), e))?;
        out.values.insert(k.clone(), default);
        out.types.insert(k.clone(), ty);
    }
    Ok(out)
}

fn declare_one(v: &toml::Value) -> Result<(OptionType, String), String> {
    match v {
        toml::Value::Boolean(b) => Ok((
            OptionType::Bool,
            if *b {
                "true".to_string()
            } else {
                String::new()
            },
        )),
        toml::Value::Integer(i) => Ok((OptionType::Int, i.to_string())),
        toml::Value::String(s) => Ok((OptionType::Text, s.clone())),
        toml::Value::Table(t) => declare_enum(t),
        other => Err(format!(
            "a boolean, integer or string default, or {{ default = \"a\", one_of = [\"a\", \"b\"] }}; not {}",
            other.type_str()
        )),
    }
}

/// `{ default = "a", one_of = ["a", "b"] }`.
fn declare_enum(t: &toml::Table) -> Result<(OptionType, String), String> {
    if let Some(k) = t
        .keys()
        .find(|k| !["default", "one_of"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown key `{k}` (expected default, one_of){}",
            suggest::hint(k, ["default", "one_of"])
        ));
    }
    let values: Vec<String> = match t.get("one_of") {
        Some(toml::Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or("`one_of`: a list of strings")?,
        _ => return Err("`one_of`: a non-empty list of strings is required".to_string()),
    };
    let default = t
        .get("default")
        .and_then(|d| d.as_str())
        .ok_or("`default`: a string is required")?;
    if !values.iter().any(|v| v == default) {
        return Err(format!(
            "`default = \"{default}\"` is not one of {}",
            values.join(", ")
        ));
    }
    Ok((OptionType::OneOf(values), default.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_defaults() {
        let t: toml::Table = toml::from_str(
            "a = false\nn = 3\ns = \"x\"\nm = { default = \"fast\", one_of = [\"fast\", \"safe\"] }",
        )
        .unwrap();
        let d = declare(&t).unwrap();
        assert_eq!(d.values["a"], "");
        assert_eq!(
            d.types["m"],
            OptionType::OneOf(vec!["fast".into(), "safe".into()])
        );
        assert_eq!(d.types["a"].check("on").unwrap(), "true");
        assert!(d.types["a"].check("maybe").is_err());
        assert!(d.types["n"].check("x").is_err());
        assert_eq!(d.types["n"].check("0").unwrap(), "0");
        let e = d.types["m"].check("saf").unwrap_err();
        assert!(e.contains("did you mean `safe`"), "{e}");
    }

    #[test]
    fn bad_enums() {
        for bad in [
            "m = { default = \"x\", one_of = [\"a\"] }",
            "m = { default = \"a\" }",
            "m = { default = \"a\", one_of = [\"a\"], oops = 1 }",
            "m = [1]",
        ] {
            let t: toml::Table = toml::from_str(bad).unwrap();
            assert!(declare(&t).is_err(), "{bad}");
        }
    }
}
