//! The order of paths the output is sorted in: `Path`'s own (component by
//! component), computed on the bytes where that gives the same answer.
//! Comparing components was about a seventh of a cached run's
//! instructions, most of it on the main thread, which sorts the run's
//! paths (a few thousand, whose outcomes the cache already holds) twice.

use std::cmp::Ordering;
use std::path::Path;

/// `a.cmp(b)`.
pub fn cmp(a: &Path, b: &Path) -> Ordering {
    if names_only(a) && names_only(b) {
        names_cmp(bytes(a), bytes(b))
    } else {
        a.cmp(b)
    }
}

/// Sorts `v` by `key` in `Path` order (stable, as `sort_by` is): on the
/// paths' bytes where that gives the same answer (`names_cmp`).
pub fn sort_by_path<T>(v: &mut [T], key: impl Fn(&T) -> &Path) {
    if v.iter().all(|x| names_only(key(x))) {
        // Compared on their own bytes, not on a key made for each (an
        // allocation a path). They mostly come in order (a walk's index, a
        // sorted listing), checked so first, or in sorted runs (a
        // directory's files after another's), which the stable sort merges
        // in few comparisons. Indices are sorted, not the items, which may
        // be large to move; the items are then moved into place once.
        let cmp = |a: &T, b: &T| names_cmp(bytes(key(a)), bytes(key(b)));
        if v.is_sorted_by(|a, b| cmp(a, b).is_le()) {
            return;
        }
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&a, &b| cmp(&v[a], &v[b]));
        // `slice::sort_by_cached_key`'s permutation: position `i` takes the
        // item first at `order[i]`, found where earlier swaps moved it.
        for i in 0..order.len() {
            let mut at = order[i];
            while at < i {
                at = order[at];
            }
            order[i] = at;
            v.swap(i, at);
        }
    } else {
        v.sort_by(|a, b| key(a).cmp(key(b)));
    }
}

/// The order of two paths of plain names by their bytes, `/` below every
/// other byte: the order of their sort keys, without making them.
fn names_cmp(a: &[u8], b: &[u8]) -> Ordering {
    // Paths compared here share long prefixes: skipped eight bytes at a time.
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n && a[i..i + 8] == b[i..i + 8] {
        i += 8;
    }
    match (i..n).find(|&i| a[i] != b[i]) {
        Some(i) => key_byte(&a[i]).cmp(&key_byte(&b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// Sorts paths in `Path` order.
pub fn sort<P: AsRef<Path>>(v: &mut [P]) {
    sort_by_path(v, |p| p.as_ref());
}

#[cfg(unix)]
fn bytes(p: &Path) -> &[u8] {
    use std::os::unix::ffi::OsStrExt;
    p.as_os_str().as_bytes()
}

#[cfg(not(unix))]
fn bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_encoded_bytes()
}

/// Whether every component of `p` is a plain name (no `.` or `..`, no
/// empty one but a leading root): then comparing its bytes, with `/` below
/// every other byte, orders it as its components do (`.` and `..` sort
/// apart from names), and joining a name to it is appending bytes.
/// Elsewhere than unix, never.
pub fn names_only(p: &Path) -> bool {
    if cfg!(not(unix)) {
        return false;
    }
    let b = bytes(p);
    let rest = b.strip_prefix(b"/").unwrap_or(b);
    rest.is_empty()
        || rest
            .split(|c| *c == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// A byte of a sort key: `/` below every other byte (a unix path holds no
/// NUL), so that where two paths first differ, the one whose component
/// ends there is the smaller.
fn key_byte(b: &u8) -> u8 {
    if *b == b'/' { 0 } else { *b }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Names whose bytes sort around `/` (0x2f) and `.` (0x2e).
    const PATHS: &[&str] = &[
        "",
        "/",
        "a",
        "a.go",
        "a/b.go",
        "a/b",
        "a/b/c.go",
        "a-b/c.go",
        "a.b/c.go",
        "a0/c.go",
        "ab.go",
        "a/b.go/c",
        "/abs/a.go",
        "/abs",
        "/abs.go",
        ".hidden/a.go",
        ".-",
        "...",
        "..",
        "../a.go",
        ".",
        "./a.go",
        "a/./b.go",
        "a//b.go",
        "a/b/",
        "//a",
        "a/../b.go",
        "z",
        "é/a.go",
        "a\u{7f}/b",
        "a\u{1}b",
        // Past the eight bytes compared at a time.
        "package/names/x.go",
        "package/names.go",
        "package/names-b/x.go",
        "package/names/x/y.go",
        "package/namesake/x.go",
        "package/names/x.go/z",
    ];

    #[test]
    fn the_order_is_paths_own() {
        for a in PATHS.iter().map(Path::new) {
            for b in PATHS.iter().map(Path::new) {
                assert_eq!(cmp(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    /// Shuffled, with each path twice: `Path`'s order, and stable.
    #[test]
    fn a_sort_of_any_order_is_stable() {
        let plain: Vec<&Path> = PATHS
            .iter()
            .map(Path::new)
            .filter(|p| names_only(p))
            .collect();
        let mut seed = 7u64;
        for _ in 0..50 {
            let mut v: Vec<(&Path, usize)> = plain.iter().chain(&plain).copied().zip(0..).collect();
            for i in (1..v.len()).rev() {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                v.swap(i, (seed >> 33) as usize % (i + 1));
            }
            let mut want = v.clone();
            want.sort_by(|a, b| a.0.cmp(b.0));
            sort_by_path(&mut v, |x| x.0);
            assert_eq!(v, want);
        }
    }

    #[test]
    fn a_sort_is_paths_own() {
        let want = |mut v: Vec<PathBuf>| {
            v.sort();
            v
        };
        let all: Vec<PathBuf> = PATHS.iter().rev().map(PathBuf::from).collect();
        let plain: Vec<PathBuf> = all.iter().filter(|p| names_only(p)).cloned().collect();
        assert!(plain.len() > 10 && plain.len() < all.len());
        for v in [all, plain] {
            let mut got = v.clone();
            sort(&mut got);
            let sorted = want(v);
            assert_eq!(got, sorted);
            // In order already, and in order but for one pair anywhere.
            sort(&mut got);
            assert_eq!(got, sorted);
            for i in 1..sorted.len() {
                let mut got = sorted.clone();
                got.swap(i - 1, i);
                sort(&mut got);
                assert_eq!(got, sorted);
            }
        }
    }
}
