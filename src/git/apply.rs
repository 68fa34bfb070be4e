//! `--apply`: fixes computed from the HEAD commit's files and committed onto
//! a new branch with git2. The work tree, the index and the checked-out
//! branch are never touched, so uncommitted work is neither included nor lost.

use crate::files::source::{FoundUp, Source};
use anyhow::{Context, Result, anyhow, bail};
use git2::{FileMode, ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The default branch name: deterministic, so a bot re-running with
/// `--force` updates its own branch.
pub const DEFAULT_BRANCH: &str = "gofix-leaks/fix-leaks";

/// A repository opened for `--apply`, with its HEAD commit's files.
pub struct HeadTree {
    repo: Mutex<Repository>,
    /// Repository-relative path -> (blob id, file mode) of every blob in HEAD.
    blobs: BTreeMap<PathBuf, (Oid, i32)>,
    head: Oid,
    workdir: PathBuf,
    /// The commit author (name, email), when configured; else the
    /// repository's identity.
    author: Option<(String, String)>,
}

impl HeadTree {
    /// Opens the repository containing `cwd` and reads the tree of `base`
    /// (a revision, as `git rev-parse` takes it), or of HEAD.
    pub fn open(cwd: &Path, base: Option<&str>) -> Result<HeadTree> {
        let repo = Repository::discover(cwd).map_err(|_| {
            anyhow!(
                "{}: not inside a git repository; --apply commits fixes onto a new branch, use --write to fix files in place",
                cwd.display()
            )
        })?;
        if repo.is_bare() {
            bail!(
                "{}: is a bare repository; --apply needs a repository with a work tree",
                repo.path().display()
            );
        }
        let workdir = repo.workdir().expect("not bare").to_path_buf();
        let head = match base {
            Some(rev) => repo
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map_err(|e| {
                    anyhow!(
                        "--base {rev}: not a commit of this repository ({})",
                        e.message()
                    )
                })?
                .id(),
            None => Self::head_commit(&repo)?,
        };
        let mut blobs = BTreeMap::new();
        {
            let commit = repo.find_commit(head)?;
            let tree = commit.tree()?;
            tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(ObjectType::Blob) {
                    let path = PathBuf::from(format!("{dir}{}", entry.name().unwrap_or("")));
                    blobs.insert(path, (entry.id(), entry.filemode()));
                }
                TreeWalkResult::Ok
            })?;
        }
        Ok(HeadTree {
            repo: Mutex::new(repo),
            blobs,
            head,
            workdir,
            author: None,
        })
    }

    /// Sets the author of the commits `commit` makes (the committer stays
    /// the repository's identity, or this author when it has none).
    pub fn set_author(&mut self, author: Option<(String, String)>) {
        self.author = author;
    }

    fn head_commit(repo: &Repository) -> Result<Oid> {
        match repo.head() {
            Ok(h) => Ok(h
                .peel_to_commit()
                .context("HEAD does not point to a commit")?
                .id()),
            Err(e) if e.code() == git2::ErrorCode::UnbornBranch => {
                bail!(
                    "HEAD has no commit yet (unborn branch); commit something first, or use --write"
                )
            }
            Err(e) => Err(e).context("cannot read HEAD"),
        }
    }

    /// The commit the files are read from (HEAD, or --base).
    pub fn commit_id(&self) -> Oid {
        self.head
    }

    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// The `.go` files of HEAD under the given PATH arguments (relative to
    /// `cwd`), skipping vendor/, testdata/, hidden and `_` directories below
    /// each root, symlinks and submodules. Sorted. Also the symbolic links
    /// it passed over that a reader would expect checked (named like a Go
    /// file, or pointing to a directory of HEAD), each with why, for the
    /// report: the work-tree walk reports the same links.
    pub fn select(&self, cwd: &Path, args: &[String]) -> Result<(Vec<PathBuf>, Vec<PassedOver>)> {
        let canon_work = self
            .workdir
            .canonicalize()
            .unwrap_or_else(|_| self.workdir.clone());
        let canon_cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
        let args: Vec<String> = if args.is_empty() {
            vec![".".into()]
        } else {
            args.to_vec()
        };
        let mut out = Vec::new();
        let mut links = Vec::new();
        for arg in &args {
            let root = crate::files::walk::root_of(arg);
            let abs = normalize(&canon_cwd.join(&root));
            let rel = abs
                .strip_prefix(&canon_work)
                .map_err(|_| {
                    anyhow!(
                        "{}: outside the repository at {}",
                        root.display(),
                        self.workdir.display()
                    )
                })?
                .to_path_buf();
            let mut any = false;
            for (path, (_, mode)) in &self.blobs {
                let Ok(below) = path.strip_prefix(&rel) else {
                    continue;
                };
                any = true;
                let parent_dirs = below.parent().map(|p| p.components().count()).unwrap_or(0);
                let skipped = below.components().take(parent_dirs).any(|c| {
                    let n = c.as_os_str().to_string_lossy();
                    n == "vendor" || n == "testdata" || n.starts_with('.') || n.starts_with('_')
                });
                let is_go = path.extension().is_some_and(|x| x == "go");
                if skipped {
                    continue;
                }
                if *mode == i32::from(FileMode::Link) {
                    if let Some(why) = self.link_reason(path, is_go) {
                        links.push((path.clone(), why));
                    }
                } else if is_go {
                    out.push(path.clone());
                }
            }
            if !any {
                bail!("{}: no such file or directory in HEAD", root.display());
            }
        }
        // Like the work-tree walk, leave out what .gitignore ignores, so a
        // dry run and --apply see the same files.
        {
            let repo = self.repo.lock().unwrap();
            out.retain(|p| !repo.is_path_ignored(p).unwrap_or(false));
        }
        out.sort();
        out.dedup();
        links.sort();
        links.dedup();
        Ok((out, links))
    }

    /// Why a symbolic link of HEAD is worth a "skipped" line: it is named
    /// like a Go file or points to a directory of HEAD. None for other links.
    fn link_reason(&self, link: &Path, is_go: bool) -> Option<String> {
        let target = self.read(link).ok()?;
        let target = String::from_utf8_lossy(&target).into_owned();
        let resolved = normalize(&link.parent().unwrap_or(Path::new("")).join(&target));
        let to_dir = self
            .blobs
            .range(resolved.clone()..)
            .next()
            .is_some_and(|(p, _)| p != &resolved && p.starts_with(&resolved));
        if to_dir {
            Some(format!(
                "symbolic link to the directory {target}: --apply does not follow links; name the directory to check it"
            ))
        } else if is_go {
            Some(format!(
                "symbolic link to {target}: --apply does not follow links (a link is never written through)"
            ))
        } else {
            None
        }
    }

    /// Commits `changes` (repository-relative path -> new contents) on top of
    /// HEAD, on no branch yet (see `set_branch`). Returns the commit id.
    pub fn commit(&self, message: &str, changes: &[(PathBuf, String)]) -> Result<Oid> {
        let repo = self.repo.lock().unwrap();
        let head_commit = repo.find_commit(self.head)?;
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, text) in changes {
            let oid = repo.blob(text.as_bytes())?;
            let mode = self
                .blobs
                .get(path)
                .map(|(_, m)| *m)
                .unwrap_or(i32::from(FileMode::Blob));
            let mode = if mode == i32::from(FileMode::BlobExecutable) {
                FileMode::BlobExecutable
            } else {
                FileMode::Blob
            };
            update.upsert(path, oid, mode);
        }
        let tree_oid = update.create_updated(&repo, &head_commit.tree()?)?;
        let tree = repo.find_tree(tree_oid)?;
        let author = match &self.author {
            Some((name, email)) => Some(
                git2::Signature::now(name, email)
                    .with_context(|| format!("invalid commit author `{name} <{email}>`"))?,
            ),
            None => None,
        };
        let sig = match (repo.signature(), &author) {
            (Ok(s), _) => s,
            (Err(_), Some(a)) => a.clone(),
            (Err(_), None) => {
                git2::Signature::now("gofix-leaks", "gofix-leaks@users.noreply.invalid")?
            }
        };
        let author = author.as_ref().unwrap_or(&sig);
        Ok(repo.commit(None, author, &sig, message, &tree, &[&head_commit])?)
    }

    /// Points `branch` at `commit` (moving it, with `force`).
    pub fn set_branch(&self, branch: &str, commit: Oid, force: bool) -> Result<()> {
        let repo = self.repo.lock().unwrap();
        let target = repo.find_commit(commit)?;
        repo.branch(branch, &target, force)
            .with_context(|| format!("cannot create branch `{branch}`"))?;
        Ok(())
    }

    /// Fails early when the branch exists (without `force`) or is the
    /// checked-out branch, before any work is done.
    pub fn check_branch(&self, branch: &str, force: bool) -> Result<()> {
        let repo = self.repo.lock().unwrap();
        let refname = format!("refs/heads/{branch}");
        if !git2::Reference::is_valid_name(&refname) {
            bail!("`{branch}` is not a valid branch name");
        }
        // A branch `a` and a branch `a/b` cannot both exist: git keeps
        // refs as files, and `a` would have to be a file and a directory.
        let clash = repo.references()?.names().flatten().find_map(|other| {
            let (longer, shorter) = if other.len() > refname.len() {
                (other, refname.as_str())
            } else {
                (refname.as_str(), other)
            };
            longer
                .strip_prefix(shorter)
                .is_some_and(|rest| rest.starts_with('/'))
                .then(|| other.to_string())
        });
        if let Some(other) = clash {
            bail!(
                "branch `{branch}` cannot be made beside the existing `{other}` (one name would be a directory of the other); choose another --branch"
            );
        }
        if let Ok(b) = repo.find_branch(branch, git2::BranchType::Local) {
            if b.is_head() {
                bail!("branch `{branch}` is checked out; --apply never touches the current branch");
            }
            if !force {
                bail!(
                    "branch `{branch}` already exists; pass --force to move it to the new fix commit, or choose another --branch"
                );
            }
        }
        Ok(())
    }
}

impl HeadTree {
    /// The commit `branch` points to, if it exists.
    pub fn branch_target(&self, branch: &str) -> Option<Oid> {
        let repo = self.repo.lock().unwrap();
        repo.find_branch(branch, git2::BranchType::Local)
            .ok()
            .and_then(|b| b.get().target())
    }

    /// Undoes what `commit` did to `branch`: deletes it, or points it back
    /// at `previous` when `--force` moved an existing branch.
    pub fn restore_branch(&self, branch: &str, previous: Option<Oid>) -> Result<()> {
        let repo = self.repo.lock().unwrap();
        match previous {
            Some(oid) => {
                repo.reference(
                    &format!("refs/heads/{branch}"),
                    oid,
                    true,
                    "gofix-leaks: restored after a failed run",
                )?;
            }
            None => repo
                .find_branch(branch, git2::BranchType::Local)?
                .delete()?,
        }
        Ok(())
    }
}

impl Source for HeadTree {
    fn find_up(&self, dir: &Path, name: &str) -> Option<FoundUp> {
        let mut cur = dir.to_path_buf();
        loop {
            let candidate = cur.join(name);
            if self.blobs.contains_key(&candidate) {
                let below = dir
                    .strip_prefix(&cur)
                    .unwrap_or(Path::new(""))
                    .to_path_buf();
                return self.read(&candidate).ok().map(|b| FoundUp::new(b, below));
            }
            if !cur.pop() {
                return None;
            }
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let (oid, _) = self.blobs.get(path).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} is not in HEAD", path.display()),
            )
        })?;
        let repo = self.repo.lock().unwrap();
        let blob = repo.find_blob(*oid).map_err(io::Error::other)?;
        Ok(blob.content().to_vec())
    }

    fn go_files_in(&self, dir: &Path) -> Vec<PathBuf> {
        self.blobs
            .iter()
            .filter(|(p, (_, mode))| {
                p.parent() == Some(dir)
                    && p.extension().is_some_and(|x| x == "go")
                    && *mode != i32::from(FileMode::Link)
            })
            .map(|(p, _)| p.clone())
            .collect()
    }
}

/// A path `select` did not take, and why.
pub type PassedOver = (PathBuf, String);

/// Lexically removes `.` and `..` components.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
