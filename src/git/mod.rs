//! git: `--apply` commits fixes onto a new branch without touching the
//! work tree or the user's branch.

pub mod apply;
pub mod changed;
