//! Rules as data: the TOML format and its loading and load-time checks,
//! templates, and the named predicates rules call for what a query cannot
//! say. Nothing here runs a rule over a file; that is the engine's job.

pub mod format;
pub mod kind;
pub mod lighten;
pub mod load;
pub mod options;
pub mod places;
pub mod predicates;
pub mod query;
pub mod reach;
pub mod rule;
pub mod shape;
pub mod suggest;
pub mod template;
pub mod vocab;
