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
//!       wr:touches <resource>, … ;                      # subjects and objects changed (not classes), and the resources of changed parts <x#…>
//!       wr:addedIn <…/graph/change/{id}/added/0> ; wr:removedIn <…/graph/change/{id}/removed/0> .
//!   <…/graph/change/{id}/added/0> wr:targetGraph <graph the quads were added to> .
//! }
//! GRAPH <…/graph/change/{id}/added/0> { the added triples, as they were added }
//! ```
//! The store's default graph is named `wr:DefaultGraph` as a target. A blank node a change touched
//! counts as a touch of the IRIs that refer to it (a statement's flag node touches the statement).

use super::write::Applied;
use super::{StoreError, StoreState};
use crate::vocab::{self, prov, wr};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::store::Transaction;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// What kind of write a change set records (`wr:changeKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// An edit of data (SPARQL Update, Graph Store Protocol, curation API).
    Edit,
    /// A review decision (only the review status and reviewer change).
    Review,
    /// The undoing of an earlier change set.
    Revert,
    /// Files loaded (start-up sync or `warrant load`).
    Load,
}

impl ChangeKind {
    /// The lowercase name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Review => "review",
            Self::Revert => "revert",
            Self::Load => "load",
        }
    }

    /// Parses [`Self::as_str`]'s output.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Edit, Self::Review, Self::Revert, Self::Load]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Who makes a change, in which role, and why: the PROV side of a change set.
#[derive(Debug, Clone)]
pub struct ChangeMeta {
    /// The user name of the agent (`admin`, a user of the users file, `warrant` for start-up).
    pub agent: String,
    /// The role the agent acted in (`reader`, `curator`, `reviewer`, `admin`).
    pub role: String,
    /// A human message: what and why.
    pub message: String,
    /// The kind of write.
    pub kind: ChangeKind,
    /// For a revert: the id of the change set it undoes.
    pub reverts: Option<String>,
}

impl ChangeMeta {
    /// An edit by `agent` acting as `role`.
    pub fn edit(agent: &str, role: &str, message: impl Into<String>) -> Self {
        Self {
            agent: agent.to_owned(),
            role: role.to_owned(),
            message: message.into(),
            kind: ChangeKind::Edit,
            reverts: None,
        }
    }

    /// The same metadata with another kind.
    #[must_use]
    pub fn kind(mut self, kind: ChangeKind) -> Self {
        self.kind = kind;
        self
    }
}

/// The IRI of change set `id` (the PROV activity).
pub fn change_iri(id: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}change/{id}", vocab::ID))
}

/// The id of a change-set IRI made by [`change_iri`].
pub fn change_id_of(iri: &str) -> Option<&str> {
    iri.strip_prefix(vocab::ID)?
        .strip_prefix("change/")
        .filter(|id| is_change_id(id))
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

/// The change set of `applied` as staged in `tx`: its id and its record quads (the caller writes
/// them, in the transaction or, for a bulk load, through the bulk loader).
pub(super) fn describe(
    tx: &Transaction<'_>,
    meta: &ChangeMeta,
    applied: &Applied,
    after: &StoreState,
) -> Result<(String, Vec<Quad>), StoreError> {
    let id = new_id(after);
    let node = change_iri(&id);
    let graph = change_graph(&id);
    let now = vocab::now_literal();
    let mut out: Vec<Quad> = Vec::new();
    let mut about = |p: NamedNode, o: Term| {
        out.push(Quad::new(node.clone(), p, o, graph.clone()));
    };
    about(rdf::TYPE.into_owned(), wr::CHANGE_SET.into_owned().into());
    about(rdf::TYPE.into_owned(), prov::ACTIVITY.into_owned().into());
    about(
        prov::WAS_ASSOCIATED_WITH.into_owned(),
        vocab::agent_iri(&meta.agent).into(),
    );
    about(
        wr::ACTING_ROLE.into_owned(),
        Literal::from(meta.role.as_str()).into(),
    );
    about(prov::STARTED_AT_TIME.into_owned(), now.clone().into());
    about(prov::ENDED_AT_TIME.into_owned(), now.into());
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
    Ok((id, out))
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
pub(super) fn is_record(q: &Quad) -> bool {
    matches!(&q.graph_name, GraphName::NamedNode(n) if vocab::is_record_graph(n.as_str()))
}

/// The resource a part `{iri}#{fragment}` belongs to (a policy's criterion `<policy#crit-1>`, a
/// concept's code `<concept#code-…>`): a change of a part is a change of the whole, so its history
/// and its review see it.
fn whole_of_part(part: &NamedNode) -> Option<NamedNode> {
    let (whole, fragment) = part.as_str().split_once('#')?;
    (!whole.is_empty() && !fragment.is_empty()).then(|| NamedNode::new_unchecked(whole))
}

/// The IRIs a change touched: subjects and objects of its quads (classes in `rdf:type` objects
/// excepted), the resources the touched subjects are parts of, and for a blank node the IRIs that
/// refer to it (before or after the change).
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
                if let Some(whole) = whole_of_part(n) {
                    iris.insert(whole);
                }
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
