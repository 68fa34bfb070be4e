//! Running rules on one Go file held in memory (with an optional `go.mod`
//! beside it), through the same check and merge steps as a real run: what
//! `--explain` does with a rule's `[example]` and `gofix-leaks test` with
//! its `[[test]]` tables.

use crate::engine::diagnostic::Finding;
use crate::engine::matching::Engine;
use crate::engine::merge::{self, Checked};
use crate::files::source::{FoundUp, Source};
use crate::go::package::Directory;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// What the engine made of the file.
#[derive(Debug)]
pub struct MemoryRun {
    pub findings: Vec<Finding>,
    /// The fixed file, when a fix changed it.
    pub output: Option<String>,
    /// Errors of the run (a file the engine could not check, a fix it
    /// could not make), as messages.
    pub errors: Vec<String>,
}

/// Checks `input` as `dir/file` with `engine`, and merges its fixes.
pub fn run(engine: &Engine, dir: &str, file: &str, input: &str, go_mod: Option<&str>) -> MemoryRun {
    let mut files = BTreeMap::new();
    let path = Path::new(dir).join(file);
    files.insert(path.clone(), input.as_bytes().to_vec());
    if let Some(m) = go_mod {
        files.insert(Path::new(dir).join("go.mod"), m.as_bytes().to_vec());
    }
    let source = Memory { files };
    let directory = Directory::new(&source, Path::new(dir));
    let outcome = engine.check(&directory, &path, file, input.as_bytes());
    let merged = merge::merge(
        vec![Checked {
            path: path.clone(),
            display: file.to_string(),
            outcome,
        }],
        &source,
    );
    MemoryRun {
        errors: merged.errors.into_iter().map(|e| e.message).collect(),
        output: merged
            .changes
            .into_iter()
            .find(|c| c.path == path)
            .map(|c| c.new),
        findings: merged.findings,
    }
}

/// The files, in memory.
struct Memory {
    files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Source for Memory {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in memory"))
    }

    fn go_files_in(&self, dir: &Path) -> Vec<PathBuf> {
        self.files
            .keys()
            .filter(|p| p.parent() == Some(dir) && p.extension().is_some_and(|x| x == "go"))
            .cloned()
            .collect()
    }

    fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp> {
        let mut cur = dir.to_path_buf();
        loop {
            if let Some(bytes) = self.files.get(&cur.join(name)) {
                let below = dir
                    .strip_prefix(&cur)
                    .unwrap_or(Path::new(""))
                    .to_path_buf();
                return Some(FoundUp::new(bytes.clone(), below));
            }
            if !cur.pop() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed texts a merge makes, given back to a merge of the same
    /// outcomes, give the same changes and are all it needs: on every
    /// golden fixture that a rule fixes.
    #[test]
    fn a_merge_given_the_fixed_texts_it_made_makes_the_same_changes() {
        let engine = Engine::new(crate::rules::rule::builtin().unwrap());
        let mut fixed = 0;
        for rule in std::fs::read_dir("fixtures").unwrap() {
            for case in std::fs::read_dir(rule.unwrap().path()).unwrap() {
                let case = case.unwrap().path();
                let Ok(input) = std::fs::read_to_string(case.join("input.go")) else {
                    continue;
                };
                let path = PathBuf::from("p/input.go");
                let source = Memory {
                    files: BTreeMap::from([(path.clone(), input.as_bytes().to_vec())]),
                };
                let directory = Directory::new(&source, Path::new("p"));
                let checked = vec![Checked {
                    path: path.clone(),
                    display: "input.go".to_string(),
                    outcome: engine.check(&directory, &path, "input.go", input.as_bytes()),
                }];
                let known = merge::Known::new();
                let (first, made) = merge::merge_with(checked.clone(), &source, &known, true);
                let (again, more) = merge::merge_with(checked, &source, &made, true);
                let texts = |m: &merge::Merged| -> Vec<String> {
                    m.changes.iter().map(|c| c.new.clone()).collect()
                };
                assert_eq!(texts(&first), texts(&again), "{}", case.display());
                assert!(more.is_empty(), "{}", case.display());
                fixed += first.changes.len();
            }
        }
        assert!(fixed >= 20, "{fixed}");
    }
}
