//! Rules as data: the TOML format and its loading and load-time checks,
//! templates, and the named predicates rules call for what a query cannot
//! say. Nothing here runs a rule over a file; that is the engine's job.

pub mod kind;
pub mod predicates;
pub mod rule;
pub mod template;
pub mod vocab;
