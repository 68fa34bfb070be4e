//! What gofix-leaks knows about Go code, independent of any rule: parsing
//! and syntax helpers, the package a file belongs to, and facts derived
//! once and shared by every rule and predicate.

/// Build constraints of a file, and a GOOS/GOARCH/tags that build it.
pub mod build;
/// Which statements leave a function or goroutine: one list for every rule.
pub mod exits;
pub mod facts;
/// A package's struct fields and every use of them, once per package.
pub mod fields;
pub mod grammar;
/// What a check on trimmed declarations cannot see, and whether it asked.
pub mod hidden;
pub mod idents;
pub mod lookup;
pub mod package;
pub mod paths;
pub mod syntax;
/// A large declaration trimmed to the lines near an edit, without parsing.
pub mod units;

/// Go's own source tree (`$(go env GOROOT)/src`), which the unit tests
/// read as real Go code nobody here wrote. Panics without `go` on PATH:
/// the tests must fail, not skip.
#[cfg(test)]
pub(crate) fn goroot_src() -> std::path::PathBuf {
    let out = std::process::Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .expect("go on PATH");
    std::path::Path::new(String::from_utf8(out.stdout).unwrap().trim()).join("src")
}

/// The `.go` files directly in `dir` of Go's tree, sorted.
#[cfg(test)]
pub(crate) fn goroot_go_files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(goroot_src().join(dir))
        .expect("a directory of Go's tree")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .collect();
    files.sort();
    files
}

/// The first `keep` (0 to 1) of the file `rel` of Go's tree: a fraction
/// under 1 cuts it short, so that its tree has errors.
#[cfg(test)]
pub(crate) fn goroot_file(rel: &str, keep: f64) -> Vec<u8> {
    let mut whole = std::fs::read(goroot_src().join(rel)).expect("Go's tree");
    whole.truncate((whole.len() as f64 * keep) as usize);
    whole
}
