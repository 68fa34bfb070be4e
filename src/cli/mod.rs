//! The command line: flags and their help, `.gofix-leaks.toml`, one run
//! from loading rules to exit code, and generated completions and man page.

pub mod args;
pub mod config;
pub mod generate;
pub mod run;
