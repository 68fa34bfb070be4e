//! A run's outputs, all or nothing: the branches `--apply` makes and the
//! files it writes (`--pr-body`). Everything that can be checked is
//! checked first ([`Preflight`]: each output path writable, each branch
//! name free), and every problem is reported at once; then the files are
//! staged, the branches made, and the files put in place. When a step
//! fails after that (another git process holding a ref's lock, a full
//! disk), the branches this run made are deleted again, or moved back
//! where `--force` found them, and the error says so: a bot can re-run
//! without "branch already exists", and no partial file is left.

use crate::files::write::{Staged, check_output_path};
use crate::git::apply::HeadTree;
use git2::Oid;
use std::path::{Path, PathBuf};

/// What cannot be done, named by the file (an output path) or branch it is
/// about.
#[derive(Debug, Clone)]
pub struct Problem {
    pub file: String,
    pub message: String,
}

/// Checks gathered before anything is changed; each output and each
/// branch is one call.
#[derive(Default)]
pub struct Preflight {
    problems: Vec<Problem>,
}

impl Preflight {
    /// An output file the run will write.
    pub fn output(&mut self, path: &Path) {
        if let Err(e) = check_output_path(path) {
            self.problems.push(Problem {
                file: path.to_string_lossy().into_owned(),
                message: format!("{e:#}"),
            });
        }
    }

    /// The branches the run will make: each must be free (or `force`) and
    /// not clash with an existing ref as a name and its directory (`a`,
    /// `a/b`). Two branches of this run that clash so (only user rule ids
    /// such as `x` and `x/y` can) fail when the second is made, and the
    /// run is undone.
    pub fn branches(&mut self, head: &HeadTree, names: &[String], force: bool) {
        for name in names {
            if let Err(e) = head.check_branch(name, force) {
                self.problems.push(Problem {
                    file: String::new(),
                    message: format!("{e:#}"),
                });
            }
        }
    }

    /// Ok, or every problem in one error, one per line.
    pub fn into_result(self) -> anyhow::Result<()> {
        if self.problems.is_empty() {
            return Ok(());
        }
        let lines: Vec<String> = self.problems.into_iter().map(|p| p.message).collect();
        anyhow::bail!("{}", lines.join("\ngofix-leaks: error: "))
    }
}

/// One commit to make, on its own branch.
pub struct Planned {
    pub branch: String,
    pub message: String,
    pub files: Vec<(PathBuf, String)>,
}

/// What a run made. On failure `errors` is not empty, `made` lists the
/// branches that were made and then deleted again (`undone`), and
/// `written` is empty.
#[derive(Default)]
pub struct Outcome {
    /// Each planned branch that was made, with its commit, in plan order.
    pub made: Vec<(String, Oid)>,
    pub written: Vec<PathBuf>,
    pub errors: Vec<Problem>,
    pub undone: bool,
}

/// Runs the preflight's checks, then makes `plans` (on `head`) and writes
/// `outputs` (path, contents), all or none.
pub fn all_or_nothing(
    preflight: Preflight,
    head: Option<&HeadTree>,
    plans: &[Planned],
    outputs: &[(PathBuf, String)],
    force: bool,
) -> Outcome {
    let mut outcome = Outcome {
        errors: preflight.problems,
        ..Outcome::default()
    };
    if !outcome.errors.is_empty() {
        return outcome;
    }
    let mut staged = Staged::default();
    for (path, text) in outputs {
        if let Err(e) = staged.add(path, text.as_bytes()) {
            outcome.errors.push(problem(path, &e));
            return outcome;
        }
    }
    // Branch, what it pointed to before (with --force), its new commit.
    let mut made: Vec<(String, Option<Oid>, Oid)> = Vec::new();
    let mut failure = None;
    if let Some(head) = head {
        // Every commit first (objects on no branch, harmless if the run
        // stops), so that the branches are then made in quick succession.
        let commits: anyhow::Result<Vec<Oid>> = plans
            .iter()
            .map(|p| head.commit(&p.message, &p.files))
            .collect();
        match commits {
            Ok(commits) => {
                for (plan, commit) in plans.iter().zip(commits) {
                    let previous = head.branch_target(&plan.branch);
                    if let Err(e) = head.set_branch(&plan.branch, commit, force) {
                        failure = Some(problem(Path::new(""), &e));
                        break;
                    }
                    made.push((plan.branch.clone(), previous, commit));
                }
            }
            Err(e) => failure = Some(problem(Path::new(""), &e)),
        }
    }
    if failure.is_none() {
        match staged.persist() {
            Ok(written) => outcome.written = written,
            Err(e) => failure = Some(problem(Path::new(""), &e)),
        }
    }
    outcome.made = made.iter().map(|(b, _, c)| (b.clone(), *c)).collect();
    if let Some(mut failure) = failure {
        if let Some(head) = head
            && !made.is_empty()
        {
            failure.message.push_str(&undo(head, &made));
            outcome.undone = true;
        }
        outcome.errors.push(failure);
    }
    outcome
}

fn problem(path: &Path, e: &anyhow::Error) -> Problem {
    Problem {
        file: path.to_string_lossy().into_owned(),
        message: format!("{e:#}"),
    }
}

/// Deletes the branches this run made, or moves a forced one back; says
/// what it did (and what it could not), to end the error message.
fn undo(head: &HeadTree, made: &[(String, Option<Oid>, Oid)]) -> String {
    let (mut deleted, mut restored, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for (branch, previous, _) in made.iter().rev() {
        match head.restore_branch(branch, *previous) {
            Ok(()) if previous.is_some() => restored.push(format!("`{branch}`")),
            Ok(()) => deleted.push(format!("`{branch}`")),
            Err(e) => failed.push(format!("`{branch}` ({e:#})")),
        }
    }
    // In the order they were made.
    for list in [&mut deleted, &mut restored, &mut failed] {
        list.reverse();
    }
    let mut parts = Vec::new();
    if !deleted.is_empty() {
        parts.push(format!(
            "deleted branches {} made by this run",
            deleted.join(", ")
        ));
    }
    if !restored.is_empty() {
        parts.push(format!(
            "moved branches {} back to the commits they had before this run",
            restored.join(", ")
        ));
    }
    if !failed.is_empty() {
        parts.push(format!(
            "could not undo branches {} made by this run",
            failed.join(", ")
        ));
    }
    format!("; {}", parts.join("; "))
}
