//! Which curated edits an answer rests on that no reviewer approved.
//!
//! Statements pass the review gate (only approved ones support a criterion). Everything else an
//! evaluation reads that can be edited is disclosed instead: the policy, the sources and passages
//! the answer cites, and every concept — recognition and the `skos:broader` closure read the concept
//! hierarchy and its code mappings as a whole (an edit may add or remove a mapping or a link
//! anywhere in it), so an unreviewed concept edit anywhere may change any answer.
//!
//! A resource is unreviewed when its own triples were changed by an edit or a revert (curation,
//! SPARQL Update, Graph Store — any recorded change but a file load: loaded data is as shipped) and
//! no approval followed: its latest such change is not a review, or is a review that left it
//! anything but `wr:Approved`. Read from the change sets, so an edit that did not set a review status
//! (an admin's update) is caught too.

use super::evidence::Evidence;
use super::policy::Policy;
use crate::store::history::Triples;
use crate::store::{ChangeKind, StoreError, View, WarrantStore};
use crate::vocab::{self, wr};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Term};
use serde::{Deserialize, Serialize};

/// A curated resource the answer read whose latest edit no reviewer approved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unreviewed {
    /// `policy`, `concept`, `source` or `passage`.
    pub kind: String,
    /// Its IRI.
    pub iri: String,
    /// Its review status now (IRI), if it has one.
    pub status: Option<String>,
    /// The change set of its latest edit (`/changes/{id}`).
    pub change: String,
    /// Who made that edit.
    pub by: String,
}

/// The unreviewed resources an evaluation of `policy` reads (sorted by kind, then IRI).
pub fn find(
    store: &WarrantStore,
    policy: &Policy,
    evidence: &Evidence,
) -> Result<Vec<Unreviewed>, StoreError> {
    let mut candidates: Vec<(&str, String)> = vec![("policy", policy.iri.clone())];
    candidates.extend(evidence.sources.keys().map(|s| ("source", s.clone())));
    candidates.extend(evidence.passages.keys().map(|p| ("passage", p.clone())));
    for q in store.view_quads(
        View::Asserted,
        None,
        Some(vocab::RDF_TYPE),
        Some(vocab::SKOS_CONCEPT.into()),
    ) {
        if let NamedOrBlankNode::NamedNode(c) = q?.subject {
            candidates.push(("concept", c.into_string()));
        }
    }
    candidates.sort();
    candidates.dedup();
    // a resource only ever loaded from files is as shipped: ask only about those an edit, review
    // or revert touched
    let edited = store.touched_by_non_loads()?;
    candidates.retain(|(_, iri)| edited.contains(&NamedNode::new_unchecked(iri.as_str())));
    let mut out = Vec::new();
    for (kind, iri) in candidates {
        let Ok(node) = NamedNode::new(iri) else {
            continue;
        };
        if let Some(u) = check(store, kind, &node)? {
            out.push(u);
        }
    }
    Ok(out)
}

/// Whether `iri`'s latest change of its own triples is an edit no approval followed.
fn check(
    store: &WarrantStore,
    kind: &str,
    iri: &NamedNode,
) -> Result<Option<Unreviewed>, StoreError> {
    let about = Triples::About {
        iri: iri.clone(),
        limit: 1,
    };
    let mut edit = None;
    for summary in store.change_summaries_touching(iri)? {
        if summary.kind == ChangeKind::Load {
            break; // what was loaded before is as shipped
        }
        // a change touches what its triples name as objects too: only its own triples count
        let Some(change) = store.change_set(&summary.id, &about)? else {
            continue;
        };
        if change.added.is_empty() && change.removed.is_empty() {
            continue;
        }
        if change.kind == ChangeKind::Review && edit.is_none() {
            if status(store, iri)?.as_deref() == Some(wr::APPROVED.as_str()) {
                return Ok(None);
            }
            continue; // rejected or under review: the edit before it is what is unreviewed
        }
        if matches!(change.kind, ChangeKind::Edit | ChangeKind::Revert) {
            edit = Some(change);
            break;
        }
    }
    let Some(edit) = edit else {
        return Ok(None);
    };
    Ok(Some(Unreviewed {
        kind: kind.to_owned(),
        iri: iri.as_str().to_owned(),
        status: status(store, iri)?,
        change: edit.id,
        by: edit.agent,
    }))
}

fn status(store: &WarrantStore, iri: &NamedNode) -> Result<Option<String>, StoreError> {
    for q in store.view_quads(
        View::Asserted,
        Some(iri.as_ref().into()),
        Some(vocab::REVIEW_STATUS),
        None,
    ) {
        if let Term::NamedNode(n) = q?.object {
            return Ok(Some(n.into_string()));
        }
    }
    Ok(None)
}
