//! A curated resource as stored: its description (every asserted triple about it, with the blank
//! nodes it owns) and the ETag that names that exact description.

use crate::store::{StoreError, View, WarrantStore};
use crate::vocab;
use oxigraph::model::{
    GraphName, NamedNode, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, Term, TermRef,
};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// Prefix of the graphs new curated resources are written to: `{CURATED_GRAPH}{kind}`.
pub const CURATED_GRAPH: &str = "https://w3id.org/warrant/graph/curated/";

/// Whether `node` is a part of resource `iri`: a hash IRI `{iri}#…` (a policy's criteria written as
/// `<#crit-1>` in a Turtle body, say).
pub fn is_part_of(node: &NamedNode, iri: &NamedNode) -> bool {
    node.as_str()
        .strip_prefix(iri.as_str())
        .is_some_and(|rest| rest.starts_with('#') && rest.len() > 1)
}

/// The description of `iri`: every asserted quad whose subject is `iri`, plus, recursively, the
/// quads of the blank nodes and of the parts (`{iri}#…`) it points to (its concise bounded
/// description), in every content graph but the inferred one. Sorted, so that equal descriptions
/// compare and hash equal.
pub fn describe(store: &WarrantStore, iri: &NamedNode) -> Result<Vec<Quad>, StoreError> {
    let mut out = Vec::new();
    let mut todo: Vec<NamedOrBlankNode> = vec![iri.clone().into()];
    let mut seen = HashSet::new();
    while let Some(subject) = todo.pop() {
        if !seen.insert(subject.clone()) {
            continue;
        }
        for q in store.view_quads(View::Asserted, Some(subject.as_ref()), None, None) {
            let q = q?;
            match &q.object {
                Term::BlankNode(b) => todo.push(b.clone().into()),
                Term::NamedNode(n) if is_part_of(n, iri) => todo.push(n.clone().into()),
                _ => {}
            }
            out.push(q);
        }
    }
    out.sort_by_cached_key(ToString::to_string);
    out.dedup();
    Ok(out)
}

/// Whether a description is of a resource of `kind`: it says `iri a {kind's class}`. An edit or a
/// review through `/curation/{kind}` touches resources of that kind only (a source's route never
/// rewrites a statement that shares its namespace).
pub fn is_of_kind(description: &[Quad], iri: &NamedNode, kind: super::Kind) -> bool {
    description.iter().any(|q| {
        q.subject.as_ref() == NamedOrBlankNodeRef::from(iri.as_ref())
            && q.predicate.as_ref() == vocab::RDF_TYPE
            && q.object.as_ref() == TermRef::from(kind.class())
    })
}

/// Refuses a description that is not of `kind`: 404 naming the kind it is, if any.
pub fn require_kind(
    description: &[Quad],
    iri: &NamedNode,
    kind: super::Kind,
) -> Result<(), super::CurateError> {
    if !description.is_empty() && is_of_kind(description, iri, kind) {
        return Ok(());
    }
    let other = super::Kind::ALL
        .into_iter()
        .find(|k| is_of_kind(description, iri, *k));
    Err(super::CurateError::NotFound(match other {
        Some(other) => format!(
            "{iri} is not a {} but a {}: use /curation/{}/…",
            kind.singular(),
            other.singular(),
            other.as_str()
        ),
        None => format!("no {} with IRI {iri}", kind.singular()),
    }))
}

/// The strong ETag of a description (quoted, as the `ETag` header carries it).
pub fn etag(description: &[Quad]) -> String {
    let mut hash = Sha256::new();
    for q in description {
        hash.update(q.to_string().as_bytes());
        hash.update(b"\n");
    }
    format!("\"{}\"", &hex::encode(hash.finalize())[..32])
}

/// Whether an `If-Match` header value matches `current` (a list of ETags, or `*` for "exists").
pub fn if_match(header: &str, current: &str) -> bool {
    header
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == current || tag.strip_prefix("W/") == Some(current))
}

/// The graph a resource lives in: the graph of its `rdf:type` triple (of its class), else the
/// curated graph of its kind.
pub fn home_graph(
    description: &[Quad],
    iri: &NamedNode,
    class: &NamedNode,
    kind: &str,
) -> GraphName {
    description
        .iter()
        .find(|q| {
            q.subject == iri.clone().into()
                && q.predicate.as_ref() == vocab::RDF_TYPE
                && q.object == class.clone().into()
        })
        .or_else(|| description.iter().find(|q| q.subject == iri.clone().into()))
        .map(|q| q.graph_name.clone())
        .unwrap_or_else(|| NamedNode::new_unchecked(format!("{CURATED_GRAPH}{kind}")).into())
}
