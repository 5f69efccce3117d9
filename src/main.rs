//! The `warrant` binary: parse the command line, set up logging, run, map errors to an exit code.

use clap::Parser;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: with a large store in memory, glibc's malloc made the
/// allocation-heavy work of a request (a case evaluation's answer) several times slower.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = warrant::cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(cli.log_filter())),
        )
        .with_writer(std::io::stderr)
        .init();
    // commands parse user text (queries, updates, RDF) with recursive parsers: give them the
    // stack the documented input limits were sized for
    let outcome = warrant::limits::on_large_stack("warrant", move || warrant::cli::run(cli))
        .map_err(anyhow::Error::from)
        .and_then(|thread| {
            thread
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("the command panicked")))
        });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        // the reader of our output went away (`| head`): nothing more to say
        Err(e) if warrant::cli::is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
