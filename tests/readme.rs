//! The README's promises: its first lines give the build-and-run and test
//! commands, and its worked rule example is the file the tests load.

use std::fs;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn readme_starts_with_the_two_commands() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let head: Vec<&str> = readme.lines().take(6).collect();
    assert!(
        head.iter()
            .any(|l| l
                .starts_with("cargo build --release && ./target/release/gofix-leaks examples/"))
    );
    assert!(head.iter().any(|l| l.starts_with("cargo test")));
    let ci = fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run must run the README's test command"
    );
}

#[test]
fn readme_rule_example_is_the_tested_file() {
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let example =
        fs::read_to_string(root().join("examples/rules/signal-notify-buffer.toml")).unwrap();
    assert!(
        readme.contains(&format!("```toml\n{example}```")),
        "README's worked example differs from examples/rules/signal-notify-buffer.toml"
    );
}
