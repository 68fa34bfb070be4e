//! gofix-leaks: finds goroutine leaks in Go source and fixes them with
//! declarative rules over tree-sitter queries.

pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod edit;
pub mod engine;
pub mod explain;
pub mod generate;
pub mod gitapply;
pub mod github;
pub mod merge;
pub mod package;
pub mod prbody;
pub mod predicates;
pub mod rule;
pub mod run;
pub mod sarif;
pub mod source;
pub mod suppress;
pub mod syntax;
pub mod template;
pub mod walk;
pub mod write;
