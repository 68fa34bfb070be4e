use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match gofix_leaks::cli::args::Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get));
    gofix_leaks::cli::heap::tune(workers);
    match gofix_leaks::cli::run::run(args) {
        Ok(code) => ExitCode::from(code),
        // A reader that stops early (`gofix-leaks | head`) is not an error,
        // as in other Unix tools; the work before the write is done.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::from(0)
        }
        Err(e) => {
            eprintln!("gofix-leaks: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
