//! The `warrant` command line: flags are parsed here, turned into validated settings, and each
//! command runs against the library. Only this module knows the terminal.

mod backup;
mod data;
mod evaluate;
mod history;
mod lock;
mod out;
mod remote;
mod search;
mod serve;
mod serve_store;
mod user;
mod validate;
mod why;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Warrant — a knowledge-graph evidence service.
#[derive(Debug, Parser)]
#[command(name = "warrant", version, about, long_about = None)]
pub struct Cli {
    /// Directory of the on-disk store (created when missing).
    #[arg(
        long,
        global = true,
        env = "WARRANT_DATA",
        default_value = "data",
        value_name = "DIR"
    )]
    pub data: PathBuf,
    /// More log output on stderr (`-v` info, `-vv` debug, `-vvv` trace). By default commands log
    /// only warnings and errors, and `serve` logs at info. `RUST_LOG` overrides both.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load the default data and serve SPARQL, the Graph Store Protocol and the JSON API.
    Serve(serve::ServeArgs),
    /// Load RDF files or folders (.ttl .nt .nq .trig .rdf .owl .jsonld, optionally .gz) into the store,
    /// one graph per file (a file loaded again replaces its graph).
    Load(data::LoadArgs),
    /// Run a SPARQL query (inline, from a file, or a named query with parameters).
    Query(data::QueryArgs),
    /// Run a SPARQL update.
    Update(data::UpdateArgs),
    /// Write the store (or one graph) to stdout as N-Quads or TriG.
    Export(data::ExportArgs),
    /// The change sets touching a resource, newest first (who, when, why, exact triples).
    History(history::HistoryArgs),
    /// Undo a change set as a new change set (refused when later changes touched its triples).
    Revert(history::RevertArgs),
    /// Evaluate a patient case (FHIR R4 JSON, or Turtle / JSON-LD in Warrant's case vocabulary)
    /// against the policies for its requested intervention.
    Evaluate(evaluate::EvaluateArgs),
    /// Check the shipped data (and any files given) against the SHACL shapes; exit 1 when invalid.
    Validate(validate::ValidateArgs),
    /// Full-text search over passages, statements, sources and concepts (JSON on stdout).
    Search(search::SearchArgs),
    /// Why a triple holds: its proof tree down to asserted triples (text, json, dot or svg).
    Why(why::WhyArgs),
    /// Manage users and their roles in the users file (`add` prints a new bearer token once).
    User(user::UserArgs),
    /// Copy the store into a new directory, consistently, also while a server uses it (through
    /// that server); restore by starting on the copy (`warrant serve --data OUT`).
    Backup(backup::BackupArgs),
}

impl Cli {
    /// The log filter for this command line when `RUST_LOG` is not set: warnings for commands,
    /// info for `serve` (a service's start-up report), one level more per `-v`, errors with `-q`.
    pub fn log_filter(&self) -> &'static str {
        const LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];
        if self.quiet {
            return LEVELS[0];
        }
        let base = match self.command {
            Command::Serve(_) => 2,
            _ => 1,
        };
        LEVELS[(base + usize::from(self.verbose)).min(LEVELS.len() - 1)]
    }
}

/// Whether an error is only standard output closed by its reader (`warrant … | head`): the command
/// then ends quietly and successfully.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    out::is_broken_pipe(e)
}

/// Runs the parsed command line.
///
/// Before returning, waits until the derivation records of every write the command made are in the
/// store (they are written in the background), so the store on disk is complete when it exits.
pub fn run(cli: Cli) -> Result<()> {
    let result = run_command(cli);
    let flushed = data::wait_for_records();
    result.and(flushed)
}

fn run_command(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.data, args),
        Command::Load(args) => data::load(&cli.data, args),
        Command::Query(args) => data::query(&cli.data, args),
        Command::Update(args) => data::update(&cli.data, args),
        Command::Export(args) => data::export(&cli.data, args),
        Command::History(args) => history::history(&cli.data, args),
        Command::Revert(args) => history::revert(&cli.data, args),
        Command::Evaluate(args) => evaluate::run(&cli.data, args),
        Command::Validate(args) => {
            if validate::run(args)? {
                Ok(())
            } else {
                Err(anyhow::anyhow!("the data does not conform to the shapes"))
            }
        }
        Command::Search(args) => data::search(&cli.data, args),
        Command::Why(args) => why::run(&cli.data, args),
        Command::User(args) => user::run(args),
        Command::Backup(args) => backup::run(&cli.data, args),
    }
}
