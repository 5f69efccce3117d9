//! Change sets: every recorded write kept as a PROV activity with the exact quads it added and
//! removed, in record graphs that queries never see as facts.
//!
//! A change set `{id}` (`{generation, 8 digits}-{6 hex}`, sortable by commit order) is written in the
//! same transaction as the change it records:
//! ```text
//! GRAPH <…/graph/change/{id}> {
//!   <…/id/change/{id}> a wr:ChangeSet, prov:Activity ;
//!       prov:wasAssociatedWith <…/id/agent/{name}> ; wr:actingRole "curator" ;
//!       prov:startedAtTime "…"^^xsd:dateTime ; prov:endedAtTime "…"^^xsd:dateTime ;
//!       rdfs:comment "message" ; wr:changeKind "edit" ; wr:generation 42 ;
//!       wr:reverts <…/id/change/{other}> ;              # a revert only
//!       wr:touches <resource>, … ;                      # subjects and objects changed (not classes)
//!       wr:addedIn <…/graph/change/{id}/added/0> ; wr:removedIn <…/graph/change/{id}/removed/0> .
//!   <…/graph/change/{id}/added/0> wr:targetGraph <graph the quads were added to> .
//! }
//! GRAPH <…/graph/change/{id}/added/0> { the added triples, as they were added }
//! ```
//! The store's default graph is named `wr:DefaultGraph` as a target. A blank node a change touched
//! counts as a touch of the IRIs that refer to it (a statement's flag node touches the statement).

use super::write::{Applied, ChangeKind, ChangeMeta};
use super::{StoreError, StoreState};
use crate::vocab::{self, wr};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{GraphName, GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::store::{Store, Transaction};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

const PROV: &str = "http://www.w3.org/ns/prov#";

fn prov(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{PROV}{local}"))
}

/// The IRI of change set `id` (the PROV activity).
pub fn change_iri(id: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}change/{id}", vocab::ID))
}

/// The record graph holding change set `id`'s description.
pub fn change_graph(id: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}{id}", vocab::CHANGE_GRAPH))
}

/// Whether `id` has the shape of a change-set id (so it can be put into an IRI as is).
pub fn is_change_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// One recorded change, read back.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    /// The id (`/changes/{id}`).
    pub id: String,
    /// The agent's user name.
    pub agent: String,
    /// The role the agent acted in.
    pub role: String,
    /// When it was committed (xsd:dateTime lexical form).
    pub time: String,
    /// What and why.
    pub message: String,
    /// What kind of write it was.
    pub kind: ChangeKind,
    /// The change set this one undoes, if it is a revert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverts: Option<String>,
    /// The store generation it produced (commit order).
    pub generation: u64,
    /// The quads it added.
    #[serde(serialize_with = "quads_json")]
    pub added: Vec<Quad>,
    /// The quads it removed.
    #[serde(serialize_with = "quads_json")]
    pub removed: Vec<Quad>,
}

/// Quads as JSON objects of N-Triples terms; `graph` is null for the default graph.
fn quads_json<S: serde::Serializer>(quads: &[Quad], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Q {
        subject: String,
        predicate: String,
        object: String,
        graph: Option<String>,
    }
    s.collect_seq(quads.iter().map(|q| Q {
        subject: q.subject.to_string(),
        predicate: q.predicate.to_string(),
        object: q.object.to_string(),
        graph: match &q.graph_name {
            GraphName::DefaultGraph => None,
            g => Some(g.to_string()),
        },
    }))
}

/// Writes the change set of `applied` into `tx`; returns its id.
pub(super) fn record(
    tx: &mut Transaction<'_>,
    meta: &ChangeMeta,
    applied: &Applied,
    after: &StoreState,
) -> Result<String, StoreError> {
    let id = new_id(after);
    let node = change_iri(&id);
    let graph = change_graph(&id);
    let now = Literal::new_typed_literal(oxsdatatypes::DateTime::now().to_string(), xsd::DATE_TIME);
    let mut out: Vec<Quad> = Vec::new();
    let mut about = |p: NamedNode, o: Term| {
        out.push(Quad::new(node.clone(), p, o, graph.clone()));
    };
    about(rdf::TYPE.into_owned(), wr::CHANGE_SET.into_owned().into());
    about(rdf::TYPE.into_owned(), prov("Activity").into());
    about(
        prov("wasAssociatedWith"),
        vocab::agent_iri(&meta.agent).into(),
    );
    about(
        wr::ACTING_ROLE.into_owned(),
        Literal::from(meta.role.as_str()).into(),
    );
    about(prov("startedAtTime"), now.clone().into());
    about(prov("endedAtTime"), now.into());
    about(
        rdfs::COMMENT.into_owned(),
        Literal::from(meta.message.as_str()).into(),
    );
    about(
        wr::CHANGE_KIND.into_owned(),
        Literal::from(meta.kind.as_str()).into(),
    );
    about(
        vocab::GENERATION.into_owned(),
        Literal::from(after.generation as i64).into(),
    );
    if let Some(reverted) = &meta.reverts {
        about(wr::REVERTS.into_owned(), change_iri(reverted).into());
    }
    for iri in touched(tx, applied)? {
        about(wr::TOUCHES.into_owned(), iri.into());
    }
    let mut parts = Vec::new();
    for (side, link, quads) in [
        ("added", wr::ADDED_IN, &applied.added),
        ("removed", wr::REMOVED_IN, &applied.removed),
    ] {
        let content: Vec<&Quad> = quads.iter().filter(|q| !is_record(q)).collect();
        for (k, (target, quads)) in by_graph(content).into_iter().enumerate() {
            let part = NamedNode::new_unchecked(format!("{}{id}/{side}/{k}", vocab::CHANGE_GRAPH));
            about(link.into_owned(), part.clone().into());
            parts.push((part, target, quads));
        }
    }
    for (part, target, quads) in parts {
        let target: Term = match target {
            GraphName::NamedNode(n) => n.into(),
            GraphName::BlankNode(b) => b.into(),
            GraphName::DefaultGraph => wr::DEFAULT_GRAPH.into_owned().into(),
        };
        out.push(Quad::new(
            part.clone(),
            wr::TARGET_GRAPH,
            target,
            graph.clone(),
        ));
        for q in quads {
            out.push(Quad::new(
                q.subject.clone(),
                q.predicate.clone(),
                q.object.clone(),
                part.clone(),
            ));
        }
    }
    for q in &out {
        tx.insert(q.as_ref());
    }
    Ok(id)
}

/// A new change-set id: the generation (commit order) and 6 hex digits that make it unique across
/// stores and restarts.
fn new_id(after: &StoreState) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{after}/{nanos}"));
    format!("{:08}-{}", after.generation, &hex::encode(digest)[..6])
}

/// Quads grouped by the graph they are in (in a stable order).
fn by_graph(quads: Vec<&Quad>) -> Vec<(GraphName, Vec<&Quad>)> {
    let mut groups: BTreeMap<String, (GraphName, Vec<&Quad>)> = BTreeMap::new();
    for q in quads {
        groups
            .entry(q.graph_name.to_string())
            .or_insert_with(|| (q.graph_name.clone(), Vec::new()))
            .1
            .push(q);
    }
    groups.into_values().collect()
}

/// Whether a quad is in a record graph (the catalog, say): records are not part of a change set.
fn is_record(q: &Quad) -> bool {
    matches!(&q.graph_name, GraphName::NamedNode(n) if vocab::is_record_graph(n.as_str()))
}

/// The IRIs a change touched: subjects and objects of its quads (classes in `rdf:type` objects
/// excepted), and for a blank node the IRIs that refer to it (before or after the change).
fn touched(tx: &Transaction<'_>, applied: &Applied) -> Result<BTreeSet<NamedNode>, StoreError> {
    let quads: Vec<&Quad> = applied
        .added
        .iter()
        .chain(&applied.removed)
        .filter(|q| !is_record(q))
        .collect();
    let mut iris = BTreeSet::new();
    let mut blanks: Vec<NamedOrBlankNode> = Vec::new();
    for q in &quads {
        match &q.subject {
            NamedOrBlankNode::NamedNode(n) => {
                iris.insert(n.clone());
            }
            b @ NamedOrBlankNode::BlankNode(_) => blanks.push(b.clone()),
        }
        if let Term::NamedNode(n) = &q.object {
            if q.predicate.as_ref() != rdf::TYPE {
                iris.insert(n.clone());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    while let Some(blank) = blanks.pop() {
        if !seen.insert(blank.clone()) || seen.len() > 10_000 {
            continue;
        }
        let object: Term = blank.clone().into();
        let mut referrers: Vec<NamedOrBlankNode> = quads
            .iter()
            .filter(|q| q.object == object)
            .map(|q| q.subject.clone())
            .collect();
        for q in tx.quads_for_pattern(None, None, Some(object.as_ref()), None) {
            referrers.push(q?.subject);
        }
        for r in referrers {
            match r {
                NamedOrBlankNode::NamedNode(n) => {
                    iris.insert(n);
                }
                b => blanks.push(b),
            }
        }
    }
    Ok(iris)
}

/// Reads change set `id` (None when there is none).
pub fn read(store: &Store, id: &str) -> Result<Option<ChangeSet>, StoreError> {
    if !is_change_id(id) {
        return Ok(None);
    }
    let node = change_iri(id);
    let graph = change_graph(id);
    let g = GraphNameRef::NamedNode(graph.as_ref());
    let mut props: BTreeMap<NamedNode, Vec<Term>> = BTreeMap::new();
    for q in store.quads_for_pattern(Some(node.as_ref().into()), None, None, Some(g)) {
        let q = q?;
        props.entry(q.predicate).or_default().push(q.object);
    }
    if props.is_empty() {
        return Ok(None);
    }
    let text = |p: NamedNode| -> String {
        match props.get(&p).and_then(|v| v.first()) {
            Some(Term::Literal(l)) => l.value().to_owned(),
            Some(Term::NamedNode(n)) => n.as_str().to_owned(),
            _ => String::new(),
        }
    };
    let agent = text(prov("wasAssociatedWith"));
    let agent = vocab::agent_name(&agent).unwrap_or(agent);
    let reverts = props
        .get(&wr::REVERTS.into_owned())
        .and_then(|v| v.first())
        .and_then(|t| match t {
            Term::NamedNode(n) => n.as_str().rsplit('/').next().map(str::to_owned),
            _ => None,
        });
    let mut set = ChangeSet {
        id: id.to_owned(),
        agent,
        role: text(wr::ACTING_ROLE.into_owned()),
        time: text(prov("endedAtTime")),
        message: text(rdfs::COMMENT.into_owned()),
        kind: ChangeKind::parse(&text(wr::CHANGE_KIND.into_owned())).unwrap_or(ChangeKind::Edit),
        reverts,
        generation: text(vocab::GENERATION.into_owned()).parse().unwrap_or(0),
        added: Vec::new(),
        removed: Vec::new(),
    };
    for (link, added) in [(wr::ADDED_IN, true), (wr::REMOVED_IN, false)] {
        for part in props.get(&link.into_owned()).into_iter().flatten() {
            let Term::NamedNode(part) = part else {
                continue;
            };
            let target = store
                .quads_for_pattern(
                    Some(part.as_ref().into()),
                    Some(wr::TARGET_GRAPH),
                    None,
                    Some(g),
                )
                .next()
                .transpose()?
                .map(|q| q.object);
            let target: GraphName = match target {
                Some(Term::NamedNode(n)) if n.as_ref() == wr::DEFAULT_GRAPH => {
                    GraphName::DefaultGraph
                }
                Some(Term::NamedNode(n)) => n.into(),
                Some(Term::BlankNode(b)) => b.into(),
                _ => continue,
            };
            for q in store.quads_for_pattern(None, None, None, Some(part.as_ref().into())) {
                let q = q?;
                let quad = Quad::new(q.subject, q.predicate, q.object, target.clone());
                if added {
                    set.added.push(quad);
                } else {
                    set.removed.push(quad);
                }
            }
        }
    }
    Ok(Some(set))
}

/// The change sets touching `iri`, newest first.
pub fn touching(store: &Store, iri: &NamedNode) -> Result<Vec<ChangeSet>, StoreError> {
    let mut ids = BTreeSet::new();
    for q in store.quads_for_pattern(None, Some(wr::TOUCHES), Some(iri.as_ref().into()), None) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject {
            if let Some(id) = n.as_str().strip_prefix(&format!("{}change/", vocab::ID)) {
                ids.insert(id.to_owned());
            }
        }
    }
    newest_first(store, ids)
}

/// Every change set committed after generation `generation`, newest first.
pub fn since(store: &Store, generation: u64) -> Result<Vec<ChangeSet>, StoreError> {
    let mut ids = BTreeSet::new();
    for q in store.quads_for_pattern(None, Some(vocab::GENERATION), None, None) {
        let q = q?;
        let later = matches!(&q.object, Term::Literal(l) if l.value().parse::<u64>().is_ok_and(|g| g > generation));
        if let (true, NamedOrBlankNode::NamedNode(n)) = (later, &q.subject) {
            if let Some(id) = n.as_str().strip_prefix(&format!("{}change/", vocab::ID)) {
                ids.insert(id.to_owned());
            }
        }
    }
    newest_first(store, ids)
}

fn newest_first(store: &Store, ids: BTreeSet<String>) -> Result<Vec<ChangeSet>, StoreError> {
    let mut sets = Vec::new();
    for id in ids {
        if let Some(set) = read(store, &id)? {
            sets.push(set);
        }
    }
    sets.sort_by(|a, b| b.generation.cmp(&a.generation).then(b.id.cmp(&a.id)));
    Ok(sets)
}
