//! Running rules: matching queries and conditions on parsed files into
//! findings, the edit model fixes are made of, `//gofix-leaks:ignore`
//! suppressions, merging a run's fixes into new file contents, and the
//! new-lines filter of `--new-from-*`.

/// The words every match of a rule writes, read from its query.
pub mod anchors;
pub mod diagnostic;
pub mod edit;
pub mod literals;
pub mod matching;
pub mod memory;
pub mod merge;
pub mod newcode;
pub mod rooted;
pub mod suppress;
