//! The source folders are layers (README, "Architecture"): each may use
//! only the folders listed before it. A `crate::X` path from a file in one
//! layer to a later one is a cycle waiting to happen, and fails here.

use std::path::Path;

const LAYERS: &[&str] = &["files", "go", "rules", "engine", "report", "git", "cli"];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The first path segments a line names after `crate::`, including each
/// of a grouped `use crate::{a::x, b};`.
fn used_layers(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        let rest = &line[at + "crate::".len()..];
        let heads: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
            None => vec![rest],
        };
        for h in heads {
            let name: String = h
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn each_layer_uses_only_earlier_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    for (i, layer) in LAYERS.iter().enumerate() {
        let dir = src.join(layer);
        assert!(dir.is_dir(), "src/{layer} is missing");
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                for used in used_layers(line) {
                    if LAYERS[i + 1..].contains(&used.as_str()) {
                        bad.push(format!("{}:{}: uses crate::{used}", f.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn every_top_level_module_is_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            assert!(
                LAYERS.contains(&name.as_str()),
                "src/{name} is not a listed layer"
            );
        } else {
            assert!(
                ["lib", "main"].contains(&name.as_str()),
                "src/{name}.rs sits outside every layer"
            );
        }
    }
}
