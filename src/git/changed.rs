//! The lines changed since a revision (`--new-from-rev`,
//! `--new-from-merge-base`), read with git2 as `git diff REV` shows them:
//! REV's tree against the work tree with the index, so uncommitted and
//! staged changes count, as they do for golangci-lint. Untracked files that
//! .gitignore does not ignore count as wholly new (a new file not yet
//! added is new code too). Renames are followed, so a moved file is not
//! all new. With `--apply`, which reads the files of a commit, the other
//! side is that commit's tree instead.

use crate::engine::newcode::ChangedLines;
use anyhow::{Result, anyhow};
use git2::{Diff, DiffFindOptions, DiffOptions, Oid, Repository};
use std::path::Path;

/// What REV names: the revision itself, or (`--new-from-merge-base`) the
/// merge base of it and HEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    Rev,
    MergeBase,
}

/// The lines added or changed since `rev` in the repository holding `cwd`,
/// by repository-relative path; against the work tree, or against commit
/// `against` when given. `flag` names the option in errors.
pub fn changed_since(
    cwd: &Path,
    rev: &str,
    since: Since,
    against: Option<Oid>,
    flag: &str,
) -> Result<ChangedLines> {
    let repo = Repository::discover(cwd).map_err(|_| {
        anyhow!(
            "{flag} {rev}: {} is not inside a git repository",
            cwd.display()
        )
    })?;
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| {
            anyhow!(
                "{flag} {rev}: not a commit of this repository ({})",
                e.message()
            )
        })?;
    let base = match since {
        Since::Rev => commit.id(),
        Since::MergeBase => {
            let head = repo
                .head()
                .and_then(|h| h.peel_to_commit())
                .map_err(|e| anyhow!("{flag} {rev}: cannot read HEAD ({})", e.message()))?;
            repo.merge_base(commit.id(), head.id())
                .map_err(|e| anyhow!("{flag} {rev}: no merge base with HEAD ({})", e.message()))?
        }
    };
    let old = repo.find_commit(base)?.tree()?;
    let mut opts = DiffOptions::new();
    opts.context_lines(0)
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .show_untracked_content(true)
        .ignore_submodules(true);
    let mut diff: Diff = match against {
        Some(id) => {
            let new = repo.find_commit(id)?.tree()?;
            repo.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))?
        }
        None => repo.diff_tree_to_workdir_with_index(Some(&old), Some(&mut opts))?,
    };
    diff.find_similar(Some(
        DiffFindOptions::new().renames(true).for_untracked(true),
    ))?;
    let mut out = ChangedLines::default();
    diff.foreach(
        &mut |_, _| true,
        None,
        None,
        Some(&mut |delta, _hunk, line| {
            if let (Some(path), Some(n)) = (delta.new_file().path(), line.new_lineno())
                && line.origin() == '+'
            {
                // git's paths use `/` on every platform, as displays do.
                out.add(&path.to_string_lossy(), n as usize);
            }
            true
        }),
    )
    .map_err(|e| anyhow!("{flag} {rev}: cannot diff ({})", e.message()))?;
    Ok(out)
}
