//! What a PR body tells a reviewer to run: the exact command that made
//! the change (shell-quoted, paths as given), and `go vet` once per changed
//! package and build configuration, so that files behind build tags or for
//! another GOOS (which a plain `go vet ./...` skips) are vetted too.

use crate::engine::merge::Change;
use crate::files::source::Source;
use crate::go::build::Config;
use std::collections::BTreeSet;
use std::path::Path;

/// `argv`, quoted so that a POSIX shell reads back the same words.
pub fn command_line<I: IntoIterator<Item = std::ffi::OsString>>(argv: I) -> String {
    argv.into_iter()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// One `go vet` line per distinct (module, package, configuration) of the
/// changed files, run from the directory paths are shown relative to (the
/// repository root under git); a package in a nested module is vetted from
/// its module's directory. A file no configuration builds gets a comment
/// saying why instead.
pub fn go_vet_commands(changes: &[Change], source: &dyn Source) -> Vec<String> {
    let mut lines = BTreeSet::new();
    let mut notes = Vec::new();
    for c in changes {
        let (module, package) = module_and_package(c, source);
        let name = c.display.rsplit('/').next().unwrap_or(&c.display);
        match Config::of(name, &c.new) {
            Ok(config) => {
                let vet = format!("{} {package}", config.go_vet());
                let line = if module.is_empty() {
                    vet
                } else {
                    format!("(cd {} && {vet})", shell_quote(&module))
                };
                lines.insert(line);
            }
            Err(why) => notes.push(format!("# {}: not vetted: {why}", c.display)),
        }
    }
    lines.into_iter().chain(notes).collect()
}

/// The directory of the change's module (its nearest go.mod's), as shown,
/// and its package as `go vet` names it from there (`./x/`, or `.`).
fn module_and_package(c: &Change, source: &dyn Source) -> (String, String) {
    let shown_dir = match c.display.rfind('/') {
        Some(i) => &c.display[..i],
        None => "",
    };
    let below = source
        .find_up(c.path.parent().unwrap_or(Path::new("")), "go.mod")
        .map(|up| up.below.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| shown_dir.to_string());
    let below = below.trim_matches('/');
    let module = shown_dir
        .strip_suffix(below)
        .map(|m| m.trim_end_matches('/'))
        .unwrap_or("");
    let package = if below.is_empty() {
        ".".to_string()
    } else {
        shell_quote(&format!("./{below}/"))
    };
    (module.to_string(), package)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_reads_back_as_the_same_words() {
        assert_eq!(shell_quote("--pr-body"), "--pr-body");
        assert_eq!(shell_quote("fix/{module}"), "'fix/{module}'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(
            command_line(["gofix-leaks", "a b", "x"].map(std::ffi::OsString::from)),
            "gofix-leaks 'a b' x"
        );
    }
}
