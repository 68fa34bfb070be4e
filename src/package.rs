//! The package a file belongs to: its sibling files in the same directory
//! with the same package clause, parsed on demand so that a predicate can
//! look at a function that the file calls but does not declare.

use crate::source::Source;
use crate::syntax;
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use tree_sitter::{Node, Tree};

/// One parsed file of the package.
pub struct PkgFile {
    pub path: PathBuf,
    pub src: Vec<u8>,
    pub tree: Tree,
}

/// A function or method declaration found in the package.
pub struct FuncDecl<'p> {
    pub node: Node<'p>,
    pub src: &'p [u8],
}

pub struct PackageIndex<'a> {
    source: &'a dyn Source,
    path: &'a Path,
    pkg_name: String,
    siblings: OnceCell<Vec<PkgFile>>,
}

impl<'a> PackageIndex<'a> {
    pub fn new(source: &'a dyn Source, path: &'a Path, tree: &Tree, src: &[u8]) -> Self {
        PackageIndex {
            source,
            path,
            pkg_name: syntax::package_name(tree, src).unwrap_or("").to_string(),
            siblings: OnceCell::new(),
        }
    }

    /// Files of the same package other than the current one. A non-test
    /// file cannot see declarations from `_test.go` files.
    fn siblings(&self) -> &[PkgFile] {
        self.siblings.get_or_init(|| {
            let dir = self.path.parent().unwrap_or(Path::new(""));
            let this_is_test = self.path.to_string_lossy().ends_with("_test.go");
            self.source
                .go_files_in(dir)
                .into_iter()
                .filter(|p| p.file_name() != self.path.file_name())
                .filter(|p| this_is_test || !p.to_string_lossy().ends_with("_test.go"))
                .filter_map(|p| {
                    let src = self.source.read(&p).ok()?;
                    let tree = syntax::parse(&src);
                    (syntax::package_name(&tree, &src) == Some(self.pkg_name.as_str()))
                        .then_some(PkgFile { path: p, src, tree })
                })
                .collect()
        })
    }

    /// Top-level declarations of `kind` (`function_declaration`,
    /// `method_declaration`, `type_spec`) named `name`, in the current file
    /// (`tree`, `src`) and then in the sibling files.
    pub fn find<'s>(
        &'s self,
        current: (&'s Tree, &'s [u8]),
        kind: &str,
        name: &str,
    ) -> Vec<FuncDecl<'s>> {
        let mut out = Vec::new();
        let files = std::iter::once(current)
            .chain(self.siblings().iter().map(|f| (&f.tree, f.src.as_slice())));
        for (tree, src) in files {
            syntax::visit(
                tree.root_node(),
                &|n| matches!(n.kind(), "source_file" | "type_declaration"),
                &mut |n| {
                    if n.kind() == kind && syntax::decl_name(n, src) == Some(name) {
                        out.push(FuncDecl { node: n, src });
                    }
                },
            );
        }
        out
    }
}
