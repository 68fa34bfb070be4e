//! What gofix-leaks knows about Go code, independent of any rule: parsing
//! and syntax helpers, the package a file belongs to, and facts derived
//! once and shared by every rule and predicate.

/// Build constraints of a file, and a GOOS/GOARCH/tags that build it.
pub mod build;
/// Which statements leave a function or goroutine: one list for every rule.
pub mod exits;
pub mod facts;
/// A package's struct fields and every use of them, once per package.
pub mod fields;
pub mod grammar;
pub mod idents;
pub mod lookup;
pub mod package;
pub mod paths;
pub mod syntax;
