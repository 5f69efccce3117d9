//! Reading W3C test manifests (Turtle, `mf:` vocabulary) with Oxigraph's parser: `mf:include` is
//! followed recursively, every `mf:entries` item becomes one [`Entry`].
//!
//! Files are given IRIs under [`BASE`] (the IRIs the manifests themselves use for their tests), so
//! a data file's IRI — a graph name in the tests — maps back to a file in the peer directory.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{
    Graph, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Term, TermRef,
};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// IRI of the `sparql/sparql11/` folder of the W3C test suite.
pub const BASE: &str = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/";

/// The `mf:` test-manifest vocabulary.
pub const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
/// The `qt:` query-test vocabulary.
pub const QT: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#";
/// The `ut:` update-test vocabulary.
pub const UT: &str = "http://www.w3.org/2009/sparql/tests/test-update#";
const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";

/// One manifest entry: a test.
#[derive(Clone)]
pub struct Entry {
    /// The test's IRI.
    pub iri: String,
    /// `mf:name`.
    pub name: String,
    /// The suite it belongs to: the folder of its manifest (`aggregates`, `protocol`…).
    pub suite: String,
    /// Local name of its `rdf:type` (`QueryEvaluationTest`, `ProtocolTest`…).
    pub kind: String,
    /// The test's node in `graph`.
    pub node: NamedOrBlankNode,
    /// The manifest it was read from, for reading the test's details.
    pub graph: Arc<Graph>,
}

impl Entry {
    /// The first object of `predicate` on this test.
    pub fn get(&self, predicate: &str) -> Option<Term> {
        object(&self.graph, self.node.as_ref(), predicate)
    }

    /// The first object of `predicate` on `subject` in this test's manifest.
    pub fn get_of(&self, subject: &Term, predicate: &str) -> Option<Term> {
        node(subject).and_then(|s| object(&self.graph, s.as_ref(), predicate))
    }

    /// Every object of `predicate` on `subject` in this test's manifest.
    pub fn all_of(&self, subject: &Term, predicate: &str) -> Vec<Term> {
        let Some(s) = node(subject) else {
            return Vec::new();
        };
        self.graph
            .objects_for_subject_predicate(s.as_ref(), NamedNodeRef::new_unchecked(predicate))
            .map(TermRef::into_owned)
            .collect()
    }

    /// The items of the RDF list `list`.
    pub fn list(&self, list: &Term) -> Vec<Term> {
        read_list(&self.graph, list)
    }
}

/// The IRI of a term that is an IRI.
pub fn iri(term: &Term) -> Option<&str> {
    match term {
        Term::NamedNode(n) => Some(n.as_str()),
        _ => None,
    }
}

/// The lexical form of a term that is a literal.
pub fn text(term: &Term) -> Option<&str> {
    match term {
        Term::Literal(l) => Some(l.value()),
        _ => None,
    }
}

/// An `rdfs:` term as a full IRI (`rdfs("label")`).
pub fn rdfs(local: &str) -> String {
    format!("{RDFS}{local}")
}

/// The file a suite IRI stands for, when it lies under [`BASE`].
pub fn local_path(dir: &Path, iri: &str) -> Option<PathBuf> {
    let relative = iri.strip_prefix(BASE)?;
    let path = dir.join(relative.split(['#', '?']).next()?);
    path.is_file().then_some(path)
}

/// Every entry of the manifests `roots` (paths relative to `dir`), includes followed, in order.
pub fn read(dir: &Path, roots: &[&str]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    for root in roots {
        read_one(dir, &format!("{BASE}{root}"), &mut seen, &mut entries)?;
    }
    Ok(entries)
}

fn read_one(
    dir: &Path,
    manifest_iri: &str,
    seen: &mut HashSet<String>,
    entries: &mut Vec<Entry>,
) -> Result<(), String> {
    if !seen.insert(manifest_iri.to_owned()) {
        return Ok(());
    }
    let path =
        local_path(dir, manifest_iri).ok_or_else(|| format!("no file for {manifest_iri}"))?;
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut graph = Graph::new();
    for quad in RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(manifest_iri)
        .map_err(|e| e.to_string())?
        .for_slice(&bytes)
    {
        graph.insert(&quad.map_err(|e| format!("{}: {e}", path.display()))?.into());
    }
    let graph = Arc::new(graph);
    let suite = manifest_iri
        .strip_prefix(BASE)
        .and_then(|r| r.rsplit_once('/'))
        .map(|(folder, _)| folder.to_owned())
        .unwrap_or_else(|| "sparql11".to_owned());
    let manifest_type = NamedNode::new_unchecked(format!("{MF}Manifest"));
    let rdf_type = NamedNode::new_unchecked(format!("{RDF}type"));
    let manifests: Vec<NamedOrBlankNode> = graph
        .subjects_for_predicate_object(&rdf_type, &manifest_type)
        .map(|s| s.into_owned())
        .collect();
    for manifest in manifests {
        if let Some(includes) = object(&graph, manifest.as_ref(), &format!("{MF}include")) {
            for include in read_list(&graph, &includes) {
                if let Some(i) = iri(&include) {
                    read_one(dir, i, seen, entries)?;
                }
            }
        }
        let Some(list) = object(&graph, manifest.as_ref(), &format!("{MF}entries")) else {
            continue;
        };
        for test in read_list(&graph, &list) {
            let Some(test_node) = node(&test) else {
                continue;
            };
            let kind = object(&graph, test_node.as_ref(), &format!("{RDF}type"))
                .and_then(|t| iri(&t).map(|i| local_name(i).to_owned()))
                .unwrap_or_default();
            let name = object(&graph, test_node.as_ref(), &format!("{MF}name"))
                .and_then(|t| text(&t).map(str::to_owned))
                .unwrap_or_default();
            entries.push(Entry {
                iri: match &test_node {
                    NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
                    NamedOrBlankNode::BlankNode(b) => format!("{manifest_iri}#_:{}", b.as_str()),
                },
                name,
                suite: suite.clone(),
                kind,
                node: test_node,
                graph: graph.clone(),
            });
        }
    }
    Ok(())
}

fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

fn node(term: &Term) -> Option<NamedOrBlankNode> {
    match term {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        Term::Literal(_) => None,
    }
}

fn object(graph: &Graph, subject: NamedOrBlankNodeRef<'_>, predicate: &str) -> Option<Term> {
    graph
        .object_for_subject_predicate(subject, NamedNodeRef::new_unchecked(predicate))
        .map(TermRef::into_owned)
}

fn read_list(graph: &Graph, list: &Term) -> Vec<Term> {
    let nil = format!("{RDF}nil");
    let mut items = Vec::new();
    let mut current = list.clone();
    while let Some(n) = node(&current) {
        if matches!(&n, NamedOrBlankNode::NamedNode(i) if i.as_str() == nil) {
            break;
        }
        match object(graph, n.as_ref(), &format!("{RDF}first")) {
            Some(first) => items.push(first),
            None => break,
        }
        match object(graph, n.as_ref(), &format!("{RDF}rest")) {
            Some(rest) => current = rest,
            None => break,
        }
    }
    items
}
