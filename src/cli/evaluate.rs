//! `warrant evaluate FILE`: evaluate a patient case from the terminal, printing the answer as JSON,
//! prose or Graphviz. By default the evidence is the default data (`ontology/`, `evidence/`,
//! `queries/` of the current directory, else the copy in the binary) loaded into memory and reasoned
//! over with the default rule sets (the concept hierarchy evaluation reads is theirs), so the command
//! works without a server and never touches `--data`; `--use-store` reads the on-disk store.

use crate::case::{self, CaseFormat, Day};
use crate::evaluate::{self, Options};
use crate::explain;
use crate::load::{DataRoot, collect_files};
use crate::reason::RuleConfig;
use crate::store::{DatasetMode, WarrantStore, sync_files};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Options of `warrant evaluate`.
#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The case: FHIR R4 JSON (.json; a Bundle or one resource), or Turtle (.ttl) / JSON-LD (.jsonld)
    /// in Warrant's case vocabulary; `-` reads FHIR JSON from standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Evaluation date (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Output: json (the full answer), text (prose with numbered citations), dot (Graphviz) or svg
    /// (the Graphviz graph drawn as a picture, no Graphviz needed).
    #[arg(long, default_value = "json", value_name = "FORMAT")]
    pub format: String,
    /// Let statements pending review count as support (the answer then says so).
    #[arg(long)]
    pub include_pending: bool,
    /// Evaluate against this policy only (default: every policy for the requested intervention).
    #[arg(long, value_name = "IRI")]
    pub policy: Option<String>,
    /// Use the on-disk store in --data instead of loading the default data into memory.
    #[arg(long)]
    pub use_store: bool,
    /// Folder holding ontology/ and evidence/ (default: the current directory if it has them, else
    /// the copy built into the binary).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
}

/// Runs `warrant evaluate`.
pub fn run(data: &Path, args: EvaluateArgs) -> Result<()> {
    let as_of = match &args.as_of {
        Some(text) => Day::parse_iso(text)
            .with_context(|| format!("--as-of {text:?} is not a date YYYY-MM-DD"))?,
        None => Day::today(),
    };
    if !["json", "text", "dot", "svg"].contains(&args.format.as_str()) {
        bail!("--format must be json, text, dot or svg");
    }
    let (bytes, format) = if args.file.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading the case from standard input")?;
        (buf, CaseFormat::Json)
    } else {
        let name = args.file.display().to_string();
        let format = CaseFormat::from_file_name(&name)
            .with_context(|| format!("{name}: expected a .json, .ttl or .jsonld file"))?;
        (
            std::fs::read(&args.file).with_context(|| format!("reading {name}"))?,
            format,
        )
    };
    let store = if args.use_store {
        super::data::open(data, DatasetMode::default())?
    } else {
        let root = match &args.root {
            Some(dir) => DataRoot::Dir(dir.clone()),
            None => {
                DataRoot::detect(&std::env::current_dir().context("reading the current directory")?)
            }
        };
        let store = WarrantStore::in_memory(DatasetMode::default())?;
        let files = collect_files(&root).context("reading the default data")?;
        sync_files(&store, &files).context("loading the default data")?;
        // The concept hierarchy evaluation reads (skos:broaderTransitive) is the reasoner's, as
        // `serve` derives it: the default rule sets, with their derivations recorded.
        let sets: Vec<String> = RuleConfig::DEFAULT_SETS
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        crate::reason::materialize_sets(&store, &root, &sets, None)
            .context("materialising the inferred graph")?;
        store
    };
    let case = case::read(&bytes, format)
        .with_context(|| format!("reading the case {}", args.file.display()))?;
    let options = Options {
        as_of,
        policy: args.policy.clone(),
        include_pending: args.include_pending,
    };
    let reports = evaluate::evaluate(&store, case, &options).context("evaluating the case")?;
    let answers: Vec<explain::Answer> = reports.into_iter().map(explain::answer).collect();
    match args.format.as_str() {
        "text" => {
            let texts: Vec<String> = answers.iter().map(explain::text::render).collect();
            super::out::write(texts.join("\n----------------------------------------\n\n"))?;
        }
        "dot" => {
            for a in &answers {
                super::out::write(explain::dot::render(a))?;
            }
        }
        "svg" => match answers.as_slice() {
            [one] => super::out::write(explain::svg::from_dot(&explain::dot::render(one))?)?,
            many => bail!(
                "--format svg draws one determination and this case has {}: choose one with --policy",
                many.len()
            ),
        },
        _ => {
            let json = if answers.len() == 1 {
                serde_json::to_string_pretty(&answers[0])?
            } else {
                serde_json::to_string_pretty(&answers)?
            };
            super::out::line(json)?;
        }
    }
    Ok(())
}
