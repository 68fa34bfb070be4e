//! The floor a naive tool pays: walk a tree with the `ignore` crate and
//! parse every `.go` file with tree-sitter-go, in parallel, doing nothing
//! else. `scripts/bench.sh` compares gofix-leaks against it.

use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let roots: Vec<String> = std::env::args().skip(1).collect();
    let mut walk = ignore::WalkBuilder::new(roots.first().map_or(".", String::as_str));
    for r in roots.iter().skip(1) {
        walk.add(r);
    }
    let files: Vec<PathBuf> = walk
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .collect();
    let (bytes, nodes): (usize, usize) = files
        .par_iter()
        .map(|p| {
            let src = std::fs::read(p).unwrap_or_default();
            let tree = gofix_leaks::syntax::parse(&src);
            (src.len(), tree.root_node().descendant_count())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{} files, {bytes} bytes, {nodes} nodes", files.len());
}
