//! The review workflow: a reviewer moves a curated resource (statement, policy, concept, source,
//! passage) to under-review, approved or rejected; nobody approves their own work (four eyes); the
//! queue lists what waits.

use super::describe::{CURATED_GRAPH, describe, home_graph, require_kind};
use super::edit::agent_description;
use super::kind::{is_review_predicate, kind_of};
use super::{CurateError, Kind};
use crate::auth::{Principal, Role};
use crate::store::history::ChangeSet;
use crate::store::{Applied, Change, ChangeKind, ChangeMeta, Op, StoreError, View, WarrantStore};
use crate::vocab::{self, prov, wr};
use oxigraph::model::{Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde::Serialize;

/// A status a reviewer may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// `wr:UnderReview`: a reviewer is looking at it.
    UnderReview,
    /// `wr:Approved`: it may support determinations.
    Approved,
    /// `wr:Rejected`: it may not.
    Rejected,
}

impl ReviewStatus {
    /// Parses `under-review`, `approved` or `rejected`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "under-review" => Some(Self::UnderReview),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }

    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnderReview => "under-review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    fn iri(self) -> NamedNode {
        match self {
            Self::UnderReview => wr::UNDER_REVIEW,
            Self::Approved => wr::APPROVED,
            Self::Rejected => wr::REJECTED,
        }
        .into_owned()
    }
}

/// The IRI of a role (`wr:ReaderRole`, `wr:CuratorRole`, `wr:ReviewerRole`, `wr:AdminRole`).
fn role_iri(role: Role) -> NamedNode {
    let name = match role {
        Role::Reader => "ReaderRole",
        Role::Curator => "CuratorRole",
        Role::Reviewer => "ReviewerRole",
        Role::Admin => "AdminRole",
    };
    NamedNode::new_unchecked(format!("{}{name}", vocab::WR))
}

/// Approvals are acts of people: a reviewer whose agent the graph types as software or as a
/// document is refused, and every review records its reviewer as a `prov:Person` with their role
/// (what `wr:ApprovedStatementByPersonShape` checks).
fn check_person(store: &WarrantStore, agent: &NamedNode) -> Result<(), CurateError> {
    let me: NamedOrBlankNode = agent.clone().into();
    let not_person = describe(store, agent)?.into_iter().any(|q| {
        q.subject == me
            && q.predicate.as_ref() == vocab::RDF_TYPE
            && (q.object == prov::SOFTWARE_AGENT.into_owned().into()
                || q.object == wr::DOCUMENT_AGENT.into_owned().into())
    });
    if not_person {
        return Err(CurateError::Forbidden(format!(
            "{agent} is described as software or a document, not a person: only a person with the reviewer role approves"
        )));
    }
    Ok(())
}

fn person_description(reviewer: &Principal) -> Op {
    let agent = vocab::agent_iri(&reviewer.name);
    let graph = NamedNode::new_unchecked(format!("{CURATED_GRAPH}agents"));
    Op::Insert(vec![
        Quad::new(agent.clone(), vocab::RDF_TYPE, prov::PERSON, graph.clone()),
        Quad::new(agent, wr::HAS_ROLE, role_iri(reviewer.role), graph),
    ])
}

/// The latest change that edited `iri` (reviews and file loads aside): its author is the one who
/// may not approve it.
fn latest_edit(store: &WarrantStore, iri: &NamedNode) -> Result<Option<ChangeSet>, StoreError> {
    Ok(store
        .change_summaries_touching(iri)?
        .into_iter()
        .find(|c| matches!(c.kind, ChangeKind::Edit | ChangeKind::Revert)))
}

/// Four eyes: `reviewer` may approve `iri` (described by `current`) only when they neither made
/// its latest edit nor are an agent it is attributed to.
pub(super) fn check_four_eyes(
    store: &WarrantStore,
    iri: &NamedNode,
    current: &[Quad],
    reviewer: &Principal,
) -> Result<(), CurateError> {
    if let Some(change) = latest_edit(store, iri)? {
        if change.agent == reviewer.name {
            return Err(CurateError::Forbidden(format!(
                "you made the latest change to {iri} (change {}): another reviewer must approve it",
                change.id
            )));
        }
    }
    let me: NamedOrBlankNode = iri.clone().into();
    let agent: Term = vocab::agent_iri(&reviewer.name).into();
    let author = current.iter().any(|q| {
        q.subject == me && q.predicate.as_ref() == prov::WAS_ATTRIBUTED_TO && q.object == agent
    });
    if author {
        return Err(CurateError::Forbidden(format!(
            "you are an author of {iri}: another reviewer must approve it"
        )));
    }
    Ok(())
}

/// Sets the review status of curated resource `id`.
pub fn review(
    store: &WarrantStore,
    kind: Kind,
    id: &str,
    status: ReviewStatus,
    comment: Option<&str>,
    reviewer: &Principal,
) -> Result<Applied, CurateError> {
    let iri = kind.iri(id);
    store.apply_planned(|store| {
        let current = describe(store, &iri)?;
        require_kind(&current, &iri, kind)?;
        let me: NamedOrBlankNode = iri.clone().into();
        let agent = vocab::agent_iri(&reviewer.name);
        if status == ReviewStatus::Approved {
            check_person(store, &agent)?;
            check_four_eyes(store, &iri, &current, reviewer)?;
        }
        let graph = home_graph(&current, &iri, &kind.class().into_owned(), kind.as_str());
        let old: Vec<Quad> = current
            .iter()
            .filter(|q| q.subject == me && is_review_predicate(q.predicate.as_ref()))
            .cloned()
            .collect();
        let mut new = vec![Quad::new(
            iri.clone(),
            vocab::REVIEW_STATUS,
            status.iri(),
            graph.clone(),
        )];
        if status != ReviewStatus::UnderReview {
            new.push(Quad::new(
                iri.clone(),
                wr::REVIEWED_BY,
                agent.clone(),
                graph.clone(),
            ));
            new.push(Quad::new(
                iri.clone(),
                wr::REVIEWED_AT,
                vocab::now_literal(),
                graph.clone(),
            ));
        }
        if let Some(comment) = comment.filter(|c| !c.trim().is_empty()) {
            new.push(Quad::new(
                iri.clone(),
                wr::REVIEW_COMMENT,
                Literal::from(comment),
                graph.clone(),
            ));
        }
        let mut ops = vec![Op::Remove(old), Op::Insert(new)];
        ops.extend(agent_description(reviewer));
        ops.push(person_description(reviewer));
        let message = match comment {
            Some(c) if !c.trim().is_empty() => format!("review: {} — {c}", status.as_str()),
            _ => format!("review: {}", status.as_str()),
        };
        Ok(Change {
            ops,
            from_files: false,
            meta: Some(
                ChangeMeta::edit(&reviewer.name, reviewer.role.as_str(), message)
                    .kind(ChangeKind::Review),
            ),
        })
    })
}

/// A curated resource waiting for review.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// Its IRI.
    pub iri: String,
    /// Its kind: `statements`, `policies`, `concepts`, `sources` or `passages`.
    pub kind: &'static str,
    /// Its id (`/curation/{kind}/{id}`).
    pub id: String,
    /// `submitted` or `under-review`.
    pub status: &'static str,
    /// Its text (statements, passages), label or title, for the reviewer's list.
    pub label: Option<String>,
    /// Who made the latest edit (the one who may not approve it), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    /// When that edit was made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    /// That change set's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// Curated resources with status submitted or under review, oldest submission first. Read through
/// the asserted content view: a resource deleted (or whose creation was reverted) is not listed,
/// and its label is the current one, never one kept in a change set.
pub fn queue(store: &WarrantStore) -> Result<Vec<QueueItem>, StoreError> {
    let mut items = Vec::new();
    for (status_iri, status) in [
        (wr::SUBMITTED, "submitted"),
        (wr::UNDER_REVIEW, "under-review"),
    ] {
        for q in store.view_quads(
            View::Asserted,
            None,
            Some(vocab::REVIEW_STATUS),
            Some(status_iri.into()),
        ) {
            let NamedOrBlankNode::NamedNode(iri) = q?.subject else {
                continue;
            };
            let Some(kind) = kind_of(store, iri.as_ref())? else {
                continue;
            };
            let Some(id) = kind.id_of(iri.as_str()).map(str::to_owned) else {
                continue;
            };
            let mut label = None;
            for p in [
                vocab::TEXT,
                oxigraph::model::vocab::rdfs::LABEL,
                vocab::SKOS_PREF_LABEL,
                vocab::DCT_TITLE,
            ] {
                label = store
                    .view_quads(View::Asserted, Some(iri.as_ref().into()), Some(p), None)
                    .filter_map(Result::ok)
                    .find_map(|q| match q.object {
                        Term::Literal(l) => Some(l.value().to_owned()),
                        _ => None,
                    });
                if label.is_some() {
                    break;
                }
            }
            let latest = latest_edit(store, &iri)?;
            items.push(QueueItem {
                iri: iri.as_str().to_owned(),
                kind: kind.as_str(),
                id,
                status,
                label,
                submitted_by: latest.as_ref().map(|c| c.agent.clone()),
                submitted_at: latest.as_ref().map(|c| c.time.clone()),
                change: latest.map(|c| c.id),
            });
        }
    }
    items.sort_by(|a, b| a.submitted_at.cmp(&b.submitted_at).then(a.iri.cmp(&b.iri)));
    items.dedup_by(|a, b| a.iri == b.iri);
    Ok(items)
}
