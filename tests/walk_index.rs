//! The walk's index (`files::walkindex`): a walk of a tree whose
//! directories have not changed since a settled walk is taken from the
//! index, and gives what walking gives; each kind of change the index
//! must see (an entry added below a root, an ignore file edited in a
//! directory walked or made in a parent, a nested repository's `.git`
//! removed, a link's target made) makes the next walk list the tree
//! again, or (a link) is looked at anew; and a package's listing handed
//! back from the index is the directory's.
//!
//! One test in its own binary: the index's listings are process-wide
//! state, as a run is one process.

use gofix_leaks::files::source::{Source, WorkTree};
use gofix_leaks::files::walk::{Found, find_kept, find_with};
use gofix_leaks::files::walkindex::{self, KeptAt};
use std::fs;
use std::path::{Path, PathBuf};

/// The racy rule's margin (`files::stamps`), and a bit.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(2200);

fn write(p: &Path, text: &str) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

/// Paths with what the walk says of each.
type Notes = Vec<(PathBuf, String)>;

/// What a walk found, as the run uses it.
fn seen(f: &Found) -> (Vec<PathBuf>, Notes, Notes) {
    (f.files.clone(), f.skipped.clone(), f.errors.clone())
}

/// A walk of `args` with the index at `at`; the index is stored when the
/// walk made one. True when it came from the index.
fn indexed(args: &[String], at: &KeptAt) -> (Found, bool) {
    let mut found = find_kept(args, Some(2), Some(at)).unwrap();
    let from_index = found.kept.is_none();
    if let Some(kept) = found.kept.take() {
        kept.store();
    }
    (found, from_index)
}

/// The walk with the index gives what a walk without one gives.
fn check(args: &[String], at: &KeptAt, from_index: bool, what: &str) {
    let (found, taken) = indexed(args, at);
    assert_eq!(taken, from_index, "{what}: from the index?");
    let plain = find_with(args, Some(2)).unwrap();
    assert_eq!(seen(&found), seen(&plain), "{what}");
}

/// One test: the index's listings are process-wide, and a walk in another
/// test (which forgets them) would race this one's.
#[cfg(unix)]
#[test]
fn the_walks_index() {
    the_index_stands_for_an_unchanged_tree_and_every_change_walks_again();
    a_worktree_is_walked_every_time();
}

#[cfg(unix)]
fn the_index_stands_for_an_unchanged_tree_and_every_change_walks_again() {
    let tmp = tempfile::tempdir().unwrap();
    let top = tmp.path().canonicalize().unwrap();
    let root = top.join("repo");
    let elsewhere = top.join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    for f in [
        "a/x.go",
        "a/b/y.go",
        "a/gen.go",
        "n/z.go",
        "vendor/v.go",
        "c/w.go",
    ] {
        write(&root.join(f), "package p\n");
    }
    write(&root.join("go.mod"), "module m\n\ngo 1.22\n");
    write(&root.join("a/.gitignore"), "gen.go\n");
    fs::create_dir_all(root.join("n/.git")).unwrap();
    // A link into nowhere yet, and a Go file that is a link.
    std::os::unix::fs::symlink(elsewhere.join("later"), root.join("c/later")).unwrap();
    std::os::unix::fs::symlink(root.join("a/x.go"), root.join("c/l.go")).unwrap();
    let at = KeptAt {
        dir: top.join("cache"),
        salt: 7,
    };
    fs::create_dir_all(&at.dir).unwrap();
    let args = vec![root.to_str().unwrap().to_string()];
    std::thread::sleep(SETTLE);

    check(&args, &at, false, "first walk");
    check(&args, &at, true, "unchanged");
    let (found, _) = indexed(&args, &at);
    let names: Vec<String> = (found.files.iter())
        .map(|f| f.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["a/b/y.go", "a/x.go", "c/w.go"], "{:?}", found.files);

    // The listing a package's check makes is kept with the walk, and a
    // walk from the index hands it back: the directory's. (Spelled with a
    // slash: another walk, so another index.)
    let slashed = vec![format!("{}/", root.display())];
    let dir = root.join("a");
    let mut walked = find_kept(&slashed, Some(2), Some(&at)).unwrap();
    let kept = walked.kept.take().expect("a walk");
    let fresh = WorkTree.go_files_stat(&dir);
    kept.store();
    let walked = find_kept(&slashed, Some(2), Some(&at)).unwrap();
    assert!(walked.kept.is_none(), "the index holds");
    assert!(walkindex::listing(&dir).is_some(), "a listing kept");
    assert_eq!(WorkTree.go_files_stat(&dir), fresh, "a listing");

    // A link's target made where nothing walked changes: the index holds,
    // and the walk says what the link is now.
    fs::create_dir(elsewhere.join("later")).unwrap();
    check(&args, &at, true, "a link's target made");
    let (found, _) = indexed(&args, &at);
    assert!(
        found.skipped.iter().any(
            |(p, why)| p.ends_with("c/later") && why.contains("symbolic link to the directory")
        ),
        "{:?}",
        found.skipped
    );

    // Each change below, right after a walk that stored nothing (it is
    // within the margin), makes the index's stats differ from the tree's.
    write(&root.join("a/b/new.go"), "package p\n");
    check(&args, &at, false, "a file added two levels down");
    fs::write(root.join("a/.gitignore"), "x.go\n").unwrap();
    check(&args, &at, false, "an ignore file edited below the root");
    write(&root.join(".ignore"), "c/\n");
    check(&args, &at, false, "an ignore file made in the root");
    write(&top.join(".gitignore"), "a/\n");
    check(&args, &at, false, "an ignore file made in a parent");
    fs::remove_dir(root.join("n/.git")).unwrap();
    check(&args, &at, false, "a nested repository's .git removed");
    let (found, _) = indexed(&args, &at);
    assert!(found.files.contains(&root.join("n/z.go")));
}

/// A walk that meets a `.git` that is a file (a worktree's, whose
/// excludes file is elsewhere) keeps no index.
#[cfg(unix)]
fn a_worktree_is_walked_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().canonicalize().unwrap().join("wt");
    write(&root.join("a.go"), "package p\n");
    write(&root.join(".git"), "gitdir: /nowhere\n");
    let at = KeptAt {
        dir: tmp.path().join("cache"),
        salt: 7,
    };
    fs::create_dir_all(&at.dir).unwrap();
    std::thread::sleep(SETTLE);
    let args = vec![root.to_str().unwrap().to_string()];
    for _ in 0..2 {
        let (found, from_index) = indexed(&args, &at);
        assert!(!from_index);
        assert_eq!(found.files, [root.join("a.go")]);
    }
}
