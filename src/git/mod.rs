//! git: `--apply` commits fixes onto a new branch without touching the
//! work tree or the user's branch.

pub mod apply;
/// A run's branches and output files, all or nothing.
pub mod outputs;
