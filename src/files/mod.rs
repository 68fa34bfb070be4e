//! Files, and nothing about Go: where contents come from (work tree or a
//! commit), which paths a run checks, and atomic writes.

pub mod order;
pub mod pinned;
pub mod source;
pub mod stamps;
pub mod walk;
pub mod walkindex;
pub mod write;
