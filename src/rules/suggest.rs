//! "did you mean": the known name closest to a misspelt one, by edit
//! distance, for load errors about unknown captures, predicates, options
//! and keys.

/// Levenshtein distance over chars (clap already brings `strsim` in).
pub use strsim::levenshtein as distance;

/// The closest of `known` to `name`, when it is close enough to be a typo
/// (at most a third of the name's length, at least one edit, and not
/// the whole name).
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count().div_ceil(3)).max(1);
    known
        .into_iter()
        .map(|k| (distance(name, k), k))
        .filter(|(d, _)| *d <= limit && *d < name.chars().count())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// `; did you mean `X`?` or nothing.
pub fn hint<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(name, known)
        .map(|k| format!("; did you mean `{k}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_hints() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
        assert_eq!(
            closest("selct", ["select", "make", "rearm"]),
            Some("select")
        );
        assert_eq!(closest("zzzzzz", ["select", "make"]), None);
        assert_eq!(hint("qurey", ["query", "id"]), "; did you mean `query`?");
    }
}
