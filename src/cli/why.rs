//! `warrant why S P O`: the proof tree of a triple, down to asserted triples.

use crate::http::why::triple_from;
use crate::reason::why;
use crate::store::{DatasetMode, WarrantStore};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::Path;

/// Options of `warrant why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// Subject IRI.
    pub subject: String,
    /// Predicate IRI.
    pub predicate: String,
    /// Object: an IRI, or a literal written `"text"`, `"text"@en`, `"1"^^<datatype>`.
    pub object: String,
    /// text (default), json, or dot (Graphviz).
    #[arg(long, default_value = "text")]
    pub format: String,
}

/// Prints why a triple holds.
pub fn run(data: &Path, args: WhyArgs) -> Result<()> {
    let triple =
        triple_from(&args.subject, &args.predicate, &args.object).map_err(anyhow::Error::msg)?;
    let store = WarrantStore::open(data, DatasetMode::default())
        .with_context(|| format!("opening the store in {}", data.display()))?;
    let tree = why(store.oxigraph(), triple.as_ref())?;
    if tree.asserted_in.is_empty() && tree.derivations.is_empty() {
        bail!("{} is neither asserted nor inferred", tree.triple_text());
    }
    match args.format.as_str() {
        "text" => print!("{}", tree.to_text()),
        "json" => println!("{}", serde_json::to_string_pretty(&tree)?),
        "dot" => print!("{}", tree.to_dot()),
        other => bail!("unknown format {other:?} (text, json or dot)"),
    }
    Ok(())
}
