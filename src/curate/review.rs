//! The review workflow: a reviewer moves a statement or policy to under-review, approved or
//! rejected; nobody approves their own work (four eyes); the queue lists what waits.

use super::describe::{CURATED_GRAPH, describe, home_graph, is_editable};
use super::edit::agent_description;
use super::kind::{is_review_predicate, reviewable_kind};
use super::{CurateError, Kind};
use crate::auth::{Principal, Role};
use crate::store::history::{self, ChangeSet};
use crate::store::{Applied, Change, ChangeKind, ChangeMeta, Op, StoreError, WarrantStore};
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
    Ok(history::summaries_touching(store.oxigraph(), iri)?
        .into_iter()
        .find(|c| matches!(c.kind, ChangeKind::Edit | ChangeKind::Revert)))
}

/// Sets the review status of statement or policy `id`.
pub fn review(
    store: &WarrantStore,
    kind: Kind,
    id: &str,
    status: ReviewStatus,
    comment: Option<&str>,
    reviewer: &Principal,
) -> Result<Applied, CurateError> {
    if !kind.reviewable() {
        return Err(CurateError::Invalid(format!(
            "{} are not reviewed; only statements and policies are",
            kind.as_str()
        )));
    }
    let iri = kind.iri(id);
    store.apply_planned(|store| {
        let current = describe(store, &iri)?;
        if current.is_empty() {
            return Err(CurateError::NotFound(format!("no {} with IRI {iri}", kind.as_str())));
        }
        let me: NamedOrBlankNode = iri.clone().into();
        let agent = vocab::agent_iri(&reviewer.name);
        if status == ReviewStatus::Approved {
            check_person(store, &agent)?;
            if let Some(change) = latest_edit(store, &iri)? {
                if change.agent == reviewer.name {
                    return Err(CurateError::Forbidden(format!(
                        "you made the latest change to {iri} (change {}): another reviewer must approve it",
                        change.id
                    )));
                }
            }
            let author = current.iter().any(|q| {
                q.subject == me
                    && q.predicate.as_ref() == prov::WAS_ATTRIBUTED_TO
                    && q.object == agent.clone().into()
            });
            if author {
                return Err(CurateError::Forbidden(format!(
                    "you are an author of {iri}: another reviewer must approve it"
                )));
            }
        }
        let graph = home_graph(&current, &iri, &kind.class().into_owned(), kind.as_str());
        let old: Vec<Quad> = current
            .iter()
            .filter(|q| q.subject == me && is_review_predicate(q.predicate.as_ref()))
            .cloned()
            .collect();
        let mut new = vec![Quad::new(iri.clone(), vocab::REVIEW_STATUS, status.iri(), graph.clone())];
        if status != ReviewStatus::UnderReview {
            new.push(Quad::new(iri.clone(), wr::REVIEWED_BY, agent.clone(), graph.clone()));
            new.push(Quad::new(iri.clone(), wr::REVIEWED_AT, vocab::now_literal(), graph.clone()));
        }
        if let Some(comment) = comment.filter(|c| !c.trim().is_empty()) {
            new.push(Quad::new(iri.clone(), wr::REVIEW_COMMENT, Literal::from(comment), graph.clone()));
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

/// A statement or policy waiting for review.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    /// Its IRI.
    pub iri: String,
    /// `statements` or `policies`.
    pub kind: &'static str,
    /// Its id (`/curation/{kind}/{id}`).
    pub id: String,
    /// `submitted` or `under-review`.
    pub status: &'static str,
    /// Its text (statements) or label (policies), for the reviewer's list.
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

/// Statements and policies with status submitted or under review, oldest submission first.
pub fn queue(store: &WarrantStore) -> Result<Vec<QueueItem>, StoreError> {
    let db = store.oxigraph();
    let mut items = Vec::new();
    for (status_iri, status) in [
        (wr::SUBMITTED, "submitted"),
        (wr::UNDER_REVIEW, "under-review"),
    ] {
        for q in db.quads_for_pattern(
            None,
            Some(vocab::REVIEW_STATUS),
            Some(status_iri.into()),
            None,
        ) {
            let q = q?;
            let NamedOrBlankNode::NamedNode(iri) = q.subject else {
                continue;
            };
            if !is_editable(q.graph_name.as_ref()) {
                continue;
            }
            let Some(kind) = reviewable_kind(db, iri.as_ref())? else {
                continue;
            };
            let Some(id) = kind.id_of(iri.as_str()).map(str::to_owned) else {
                continue;
            };
            let label = [vocab::TEXT, oxigraph::model::vocab::rdfs::LABEL]
                .into_iter()
                .find_map(|p| {
                    db.quads_for_pattern(Some(iri.as_ref().into()), Some(p), None, None)
                        .filter_map(Result::ok)
                        .find_map(|q| match q.object {
                            Term::Literal(l) => Some(l.value().to_owned()),
                            _ => None,
                        })
                });
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
