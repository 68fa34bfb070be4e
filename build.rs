//! Embeds every `rules/*.toml` into the binary, so the installed tool is
//! self-contained and the engine never names a rule; and compiles the forked
//! Go grammar (grammars/tree-sitter-go, see its README) into the crate, so
//! the published crate carries the fork instead of depending on crates.io's
//! upstream grammar (src/go/grammar.rs).
use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).to_path_buf();
    embed_rules(&root.join("rules"));
    compile_grammar(&root.join("grammars/tree-sitter-go/src"));
}

fn embed_rules(dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// (file name, contents) of each built-in rule.\npub const BUILTIN_RULES: &[(&str, &str)] = &[\n",
    );
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("rules/{}", f.file_name().unwrap().to_string_lossy()),
            f.display().to_string()
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin_rules.rs"),
        out,
    )
    .unwrap();
}

/// What the grammar's own bindings/rust/build.rs does: parser.c (the Go
/// grammar has no external scanner.c) with the tree_sitter/ headers beside
/// it, as C11.
fn compile_grammar(src: &Path) {
    let parser = src.join("parser.c");
    println!("cargo:rerun-if-changed={}", parser.display());
    println!(
        "cargo:rerun-if-changed={}",
        src.join("tree_sitter").display()
    );
    let mut build = cc::Build::new();
    build.std("c11").include(src).file(&parser);
    // Generated parsers leave parameters unused; the warnings are noise.
    build.flag_if_supported("-Wno-unused-parameter");
    if env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc") {
        build.flag("-utf-8");
    }
    build.compile("tree-sitter-go");
}
