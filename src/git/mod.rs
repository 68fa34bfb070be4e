//! git: `--apply` commits fixes onto a new branch without touching the
//! work tree or the user's branch; `changed` reads the lines changed since a
//! revision for `--new-from-rev`.

pub mod apply;
pub mod changed;
