use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match gofix_leaks::cli::Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match gofix_leaks::run::run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("gofix-leaks: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
