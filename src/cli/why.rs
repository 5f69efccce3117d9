//! `warrant why S P O`: why a triple holds — its proof tree from the derivations graph, down to
//! asserted triples, as indented text, JSON or Graphviz dot.

use crate::reason::{ProofNote, WhyOptions, why_with};
use crate::store::DatasetMode;
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
    /// Output format: text, json, dot or svg (the dot graph drawn as a picture).
    #[arg(long, default_value = "text", value_name = "FORMAT")]
    pub format: String,
    /// Deepest level of the tree expanded.
    #[arg(long, default_value_t = 64)]
    pub max_depth: usize,
    /// Most nodes in the tree.
    #[arg(long, default_value_t = 10_000)]
    pub max_nodes: usize,
    #[command(flatten)]
    pub server: super::remote::ServerArgs,
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
    if !["text", "json", "dot", "svg"].contains(&args.format.as_str()) {
        bail!("unknown format {:?} (text, json, dot or svg)", args.format);
    }
    if let Some(server) = super::remote::server_for(data, &args.server)? {
        return run_remote(&server, &triple, &args.format);
    }
    let store = super::data::open(data, DatasetMode::default())?;
    let options = WhyOptions {
        max_depth: args.max_depth,
        max_nodes: args.max_nodes,
    };
    let proof =
        why_with(store.records()?, triple.as_ref(), options).context("reading derivations")?;
    match args.format.as_str() {
        "text" => super::out::write(proof.to_text())?,
        "json" => super::out::line(serde_json::to_string_pretty(&proof)?)?,
        "dot" => super::out::write(proof.to_dot())?,
        "svg" => super::out::write(crate::explain::svg::from_dot(&proof.to_dot())?)?,
        other => bail!("unknown format {other:?} (text, json, dot or svg)"),
    }
    if proof.note == Some(ProofNote::Unsupported) {
        bail!("{triple} is neither asserted nor derived");
    }
    Ok(())
}

/// `warrant why` through a server's `GET /why?s=&p=&o=&format=`.
fn run_remote(server: &super::remote::ServerArgs, triple: &Triple, format: &str) -> Result<()> {
    let subject = match &triple.subject {
        NamedOrBlankNode::NamedNode(n) => n.to_string(),
        NamedOrBlankNode::BlankNode(_) => {
            bail!(
                "a blank-node subject can only be explained on the store directory, not through a server"
            )
        }
    };
    let path = super::remote::with_query(
        "/why",
        &[
            ("s", subject.as_str()),
            ("p", triple.predicate.to_string().as_str()),
            ("o", triple.object.to_string().as_str()),
            ("format", format),
        ],
    );
    let answer = super::remote::call(server, super::remote::Call::get(path, None))?;
    if answer.status == 404 {
        bail!("{triple} is neither asserted nor derived");
    }
    let mut body = answer.ok("why")?;
    if format == "json" {
        body.push(b'\n');
    }
    super::out::write(body)
}
