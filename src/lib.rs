//! gofix-leaks: finds goroutine leaks in Go source and fixes them with
//! declarative rules over tree-sitter queries.
//!
//! The folders are layers, each using only the ones listed before it:
//! `files` (reading, walking and writing files), `go` (Go syntax and the
//! facts derived from it), `rules` (the rule format, its loading and
//! checks, and the predicates rules call), `engine` (matching rules on
//! files, the edit model, suppressions, merging fixes), `report` (every
//! output format), `git` (`--apply`'s commits) and `cli` (flags, config,
//! one run).

pub mod cli;
pub mod engine;
pub mod files;
pub mod git;
pub mod go;
pub mod report;
pub mod rules;
