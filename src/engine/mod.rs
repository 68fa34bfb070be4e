//! Running rules: matching queries and conditions on parsed files into
//! findings, the edit model fixes are made of, `//gofix-leaks:ignore`
//! suppressions, and merging a run's fixes into new file contents.

pub mod diagnostic;
pub mod edit;
pub mod matching;
pub mod memory;
pub mod merge;
pub mod newcode;
pub mod suppress;
