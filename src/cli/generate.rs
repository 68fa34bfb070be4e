//! `gofix-leaks completions SHELL` and `gofix-leaks man`: a shell completion
//! script and a man page (roff), both generated from the clap definitions
//! in `cli`, so they always match the flags the binary takes.

use crate::cli::args::{Args, Tool};
use anyhow::Result;
use clap::CommandFactory;
use std::io::Write;

/// Runs a subcommand, writing its output to `out`.
pub fn run(tool: &Tool, out: &mut dyn Write) -> Result<u8> {
    let mut cmd = Args::command();
    match tool {
        Tool::Completions { shell } => {
            clap_complete::generate(*shell, &mut cmd, "gofix-leaks", out);
        }
        Tool::Man => {
            cmd.build();
            clap_mangen::Man::new(cmd).render(out)?;
        }
        Tool::Test { rules } => return crate::cli::test::run(rules, out),
        Tool::MergeResults { .. } => unreachable!("run() joins results itself"),
    }
    Ok(0)
}
