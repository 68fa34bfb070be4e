//! The command line: flags and their help, `.gofix-leaks.toml`, one run
//! from loading rules to exit code, generated completions and man page, and
//! `gofix-leaks test`.

pub mod args;
pub mod cache;
pub mod config;
pub mod gate;
pub mod generate;
pub mod heap;
pub mod join;
pub mod output;
pub mod results;
pub mod run;
pub mod shard;
pub mod stream;
pub mod test;
