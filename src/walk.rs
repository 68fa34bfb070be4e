//! Finding the Go files to check: PATH arguments as files, directories or
//! Go's `dir/...`, walked with the `ignore` crate (respecting .gitignore and
//! skipping hidden directories, `vendor/` and `testdata/` below a root),
//! returned sorted so output is deterministic.

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// Turns a PATH argument into a root: `dir/...` and `./...` mean `dir`.
pub fn root_of(arg: &str) -> PathBuf {
    let trimmed = arg
        .strip_suffix("/...")
        .or_else(|| (arg == "...").then_some("."));
    PathBuf::from(
        trimmed
            .map(|t| if t.is_empty() { "." } else { t })
            .unwrap_or(arg),
    )
}

/// Directory names never descended into below a root.
fn is_skipped_dir(name: &str) -> bool {
    name == "vendor"
        || name == "testdata"
        || (name.starts_with('.') && name != "." && name != "..")
        || name.starts_with('_')
}

/// The sorted `.go` files under `args` (default `.`). A missing path is an
/// error; an explicit file is always taken, even under `testdata/`.
pub fn discover(args: &[String]) -> Result<Vec<PathBuf>> {
    let args: Vec<String> = if args.is_empty() {
        vec![".".to_string()]
    } else {
        args.to_vec()
    };
    let mut out = Vec::new();
    for arg in &args {
        let root = root_of(arg);
        let meta = match std::fs::metadata(&root) {
            Ok(m) => m,
            Err(e) => bail!("{}: {}", root.display(), e),
        };
        if meta.is_file() {
            out.push(clean(&root));
            continue;
        }
        let walker = ignore::WalkBuilder::new(&root)
            .hidden(false)
            .parents(true)
            .git_ignore(true)
            .git_exclude(true)
            .require_git(false)
            .follow_links(false)
            .filter_entry(|e| {
                e.depth() == 0
                    || !e.file_type().is_some_and(|t| t.is_dir())
                    || !is_skipped_dir(&e.file_name().to_string_lossy())
            })
            .build();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => bail!("walking {}: {}", root.display(), e),
            };
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            if is_file && entry.path().extension().is_some_and(|x| x == "go") {
                out.push(clean(entry.path()));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Drops `.` components, so `./a.go` and `a.go` are one file.
fn clean(p: &Path) -> PathBuf {
    let out: PathBuf = p
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_dot_dot_dot_forms() {
        assert_eq!(root_of("./..."), PathBuf::from("."));
        assert_eq!(root_of("..."), PathBuf::from("."));
        assert_eq!(root_of("svc/..."), PathBuf::from("svc"));
        assert_eq!(root_of("svc"), PathBuf::from("svc"));
    }
}
