//! The floor a naive tool pays: walk a tree the way gofix-leaks does and
//! parse every `.go` file with tree-sitter-go, in parallel, doing nothing
//! else. `scripts/bench.sh` compares gofix-leaks against it.

use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let mut roots: Vec<String> = std::env::args().skip(1).collect();
    // `--list`: print the files instead, for other tools to get the same set.
    let list = roots.first().is_some_and(|a| a == "--list");
    if list {
        roots.remove(0);
    }
    // The same files gofix-leaks considers (vendor/, testdata/ and hidden
    // directories skipped, .gitignore honoured), so the two runs compare
    // like with like.
    let files: Vec<PathBuf> = gofix_leaks::files::walk::discover(&roots).expect("walk the tree");
    if list {
        for f in &files {
            println!("{}", f.display());
        }
        return;
    }
    let (bytes, nodes): (usize, usize) = files
        .par_iter()
        .map(|p| {
            let src = std::fs::read(p).unwrap_or_default();
            let tree = gofix_leaks::go::syntax::parse(&src);
            (src.len(), tree.root_node().descendant_count())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{} files, {bytes} bytes, {nodes} nodes", files.len());
}
