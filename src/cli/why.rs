//! `warrant why S P O`: why a triple holds — its proof tree from the derivations graph, down to
//! asserted triples, as indented text, JSON or Graphviz dot.

use crate::reason::{ProofNote, WhyOptions, why_with};
use crate::store::{DatasetMode, WarrantStore};
use anyhow::{Context, Result, bail};
use clap::Args;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term, Triple};
use std::path::Path;

/// Options of `warrant why`.
#[derive(Debug, Args)]
pub struct WhyArgs {
    /// Subject: an IRI (`<…>` or bare) or a blank node `_:id`.
    pub subject: String,
    /// Predicate IRI (`a` stands for rdf:type).
    pub predicate: String,
    /// Object: an IRI, a blank node or an N-Triples literal (`'"5"^^<http://www.w3.org/2001/XMLSchema#integer>'`).
    pub object: String,
    /// Output format: text, json or dot.
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub format: String,
    /// Deepest level of the tree expanded.
    #[arg(long, default_value_t = 64)]
    pub max_depth: usize,
    /// Most nodes in the tree.
    #[arg(long, default_value_t = 10_000)]
    pub max_nodes: usize,
}

fn term(text: &str) -> Result<Term> {
    let t = text.trim();
    let nt = if t.starts_with('<') || t.starts_with("_:") || t.starts_with('"') {
        t.to_owned()
    } else {
        format!("<{t}>")
    };
    nt.parse::<Term>()
        .with_context(|| format!("{text:?} is not an IRI, blank node or N-Triples literal"))
}

/// Prints the proof tree of the triple; fails when the triple neither is asserted nor derived.
pub fn run(data: &Path, args: WhyArgs) -> Result<()> {
    let subject: NamedOrBlankNode = match term(&args.subject)? {
        Term::NamedNode(n) => n.into(),
        Term::BlankNode(b) => b.into(),
        Term::Literal(_) => bail!("a subject cannot be a literal"),
    };
    let predicate: NamedNode = if args.predicate == "a" {
        rdf::TYPE.into_owned()
    } else {
        match term(&args.predicate)? {
            Term::NamedNode(n) => n,
            _ => bail!("a predicate must be an IRI"),
        }
    };
    let triple = Triple::new(subject, predicate, term(&args.object)?);
    let store = WarrantStore::open(data, DatasetMode::default()).with_context(|| {
        format!(
            "opening the store in {} (a running `warrant serve` holds it: use GET /why there)",
            data.display()
        )
    })?;
    let options = WhyOptions {
        max_depth: args.max_depth,
        max_nodes: args.max_nodes,
    };
    let proof =
        why_with(store.records()?, triple.as_ref(), options).context("reading derivations")?;
    match args.format.as_str() {
        "text" => print!("{}", proof.to_text()),
        "json" => println!("{}", serde_json::to_string_pretty(&proof)?),
        "dot" => print!("{}", proof.to_dot()),
        other => bail!("unknown format {other:?} (text, json or dot)"),
    }
    if proof.note == Some(ProofNote::Unsupported) {
        bail!("{triple} is neither asserted nor derived");
    }
    Ok(())
}
