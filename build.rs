//! Embeds every `rules/*.toml` into the binary, so the installed tool is
//! self-contained and the engine never names a rule; and compiles the forked
//! Go grammar (grammars/tree-sitter-go, see its README) into the crate, so
//! the published crate carries the fork instead of depending on crates.io's
//! upstream grammar (src/go/grammar.rs); and writes out, from the grammar's
//! node-types.json, which kinds of node each field may hold.
use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).to_path_buf();
    embed_rules(&root.join("rules"));
    compile_grammar(&root.join("grammars/tree-sitter-go/src"));
    field_kinds(&root.join("grammars/tree-sitter-go/src/node-types.json"));
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

/// `FIELD_KINDS`: for each kind of node and each of its fields (and "" for
/// its children under no field), the named kinds the field may hold,
/// supertypes (`_expression`) expanded to the kinds under them; and
/// `EXTRAS`, the kinds that may appear anywhere. src/go/grammar.rs reads
/// them.
fn field_kinds(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(path).expect("the grammar's node-types.json");
    let types: Vec<serde_json::Value> =
        serde_json::from_str(&text).expect("node-types.json is a list");
    // Each supertype's subtypes (some of them supertypes too).
    let supertypes: std::collections::HashMap<&str, &Vec<serde_json::Value>> = types
        .iter()
        .filter_map(|t| Some((t["type"].as_str()?, t["subtypes"].as_array()?)))
        .collect();
    fn expand(
        t: &serde_json::Value,
        supertypes: &std::collections::HashMap<&str, &Vec<serde_json::Value>>,
        out: &mut Vec<String>,
    ) {
        if t["named"] != true {
            return;
        }
        let name = t["type"].as_str().expect("a type name");
        match supertypes.get(name) {
            Some(subs) => subs.iter().for_each(|s| expand(s, supertypes, out)),
            None => out.push(name.to_string()),
        }
    }
    let mut out = String::from(
        "/// (kind, field, the named kinds the field may hold; field \"\": the children\n/// under no field), from the grammar's node-types.json, written by build.rs.\npub const FIELD_KINDS: &[(&str, &str, &[&str])] = &[\n",
    );
    for node in &types {
        let Some(fields) = node["fields"].as_object() else {
            continue;
        };
        // The children under no field, as the field "".
        let unfielded = node["children"]
            .is_object()
            .then(|| (String::new(), &node["children"]));
        for (field, spec) in fields.iter().map(|(f, s)| (f.clone(), s)).chain(unfielded) {
            let mut kinds = Vec::new();
            for t in spec["types"].as_array().expect("a field's types") {
                expand(t, &supertypes, &mut kinds);
            }
            kinds.sort();
            kinds.dedup();
            out.push_str(&format!(
                "    ({:?}, {:?}, &{:?}),\n",
                node["type"].as_str().unwrap(),
                field,
                kinds
            ));
        }
    }
    out.push_str("];\n\n/// The named kinds that may appear anywhere (node-types.json `extra`).\npub const EXTRAS: &[&str] = &[");
    for node in types
        .iter()
        .filter(|t| t["extra"] == true && t["named"] == true)
    {
        out.push_str(&format!("{:?}, ", node["type"].as_str().unwrap()));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("field_kinds.rs"),
        out,
    )
    .unwrap();
}
