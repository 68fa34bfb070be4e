//! What gofix-leaks knows about Go code, independent of any rule: parsing
//! and syntax helpers, the package a file belongs to, and facts derived
//! once and shared by every rule and predicate.

pub mod facts;
pub mod package;
pub mod syntax;
