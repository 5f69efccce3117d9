//! Undoing a change set as a new change set, refused when later changes conflict.
//!
//! Undoing a review decision is itself a review decision: a revert that reinstates review fields —
//! the revert of a review, or of any change whose undoing leaves a resource approved, rejected or
//! under review — needs the reviewer role, and when it leaves a resource approved the four-eyes rule
//! applies to whoever reverts. Such a revert is recorded as a review (`kind: review`, `reverts`).

use super::CurateError;
use super::describe::describe;
use super::kind::{is_review_predicate, kind_of};
use super::review::check_four_eyes;
use crate::auth::{Principal, Role};
use crate::store::history::{ChangeSet, Triples};
use crate::store::{Applied, Change, ChangeKind, ChangeMeta, Op, StoreError, WarrantStore};
use crate::vocab::{self, wr};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term, TermRef};
use std::collections::{BTreeSet, HashSet};

/// Reverts change set `id`: removes what it added and restores what it removed, recorded as a new
/// change set by `user` (`wr:reverts` the old one). Refused with 409 when the store no longer
/// holds the change's result for its triples (a later change touched them), naming the later
/// change sets involved; a load is undone by changing its file, not by a revert. A revert that
/// changes what a curated resource says makes it `wr:Submitted` again; a revert that reinstates a
/// review decision is a review act (see the module doc).
pub fn revert(
    store: &WarrantStore,
    id: &str,
    user: &Principal,
    message: Option<&str>,
) -> Result<Applied, CurateError> {
    store.apply_planned(|store| {
        let Some(change) = store.change_set(id, &Triples::All)? else {
            return Err(CurateError::NotFound(format!("no change set {id}")));
        };
        if change.kind == ChangeKind::Load {
            return Err(CurateError::Invalid(format!(
                "change {id} loaded files: change or reload the files instead of reverting it"
            )));
        }
        let mut moved: Vec<&Quad> = Vec::new();
        for q in &change.added {
            if !store.contains_quad(q.as_ref())? {
                moved.push(q);
            }
        }
        for q in &change.removed {
            if store.contains_quad(q.as_ref())? {
                moved.push(q);
            }
        }
        if !moved.is_empty() {
            return Err(StoreError::Conflict(conflict_message(store, &change, &moved)?).into());
        }
        let mut ops = vec![
            Op::Remove(change.added.clone()),
            Op::Insert(change.removed.clone()),
        ];
        let resubmitted = if change.kind == ChangeKind::Review {
            Vec::new()
        } else {
            resubmit(store, &change, &mut ops)?
        };
        let review_act =
            change.kind == ChangeKind::Review || decisions(&change, &resubmitted).next().is_some();
        if review_act {
            check_review_act(store, &change, &resubmitted, user)?;
        }
        let meta = ChangeMeta {
            agent: user.name.clone(),
            role: user.role.as_str().to_owned(),
            message: message
                .map(str::to_owned)
                .unwrap_or_else(|| format!("revert of change {id} ({})", change.message)),
            kind: if review_act {
                ChangeKind::Review
            } else {
                ChangeKind::Revert
            },
            reverts: Some(id.to_owned()),
        };
        Ok(Change {
            ops,
            from_files: false,
            meta: Some(meta),
        })
    })
}

/// The review decisions a revert reinstates: `(resource, status)` for every review status the
/// change removed (and the revert so restores) on a resource that is not sent back to review.
fn decisions<'a>(
    change: &'a ChangeSet,
    resubmitted: &'a [NamedNode],
) -> impl Iterator<Item = (&'a NamedNode, &'a Term)> + 'a {
    change.removed.iter().filter_map(move |q| match &q.subject {
        NamedOrBlankNode::NamedNode(n)
            if q.predicate.as_ref() == vocab::REVIEW_STATUS
                && !resubmitted.contains(n)
                && q.object.as_ref() != TermRef::from(wr::SUBMITTED) =>
        {
            Some((n, &q.object))
        }
        _ => None,
    })
}

/// A revert that undoes a review or reinstates a decision: the reviewer role, and four eyes for
/// every resource it leaves approved.
fn check_review_act(
    store: &WarrantStore,
    change: &ChangeSet,
    resubmitted: &[NamedNode],
    user: &Principal,
) -> Result<(), CurateError> {
    if !user.role.allows(Role::Reviewer) {
        return Err(CurateError::Forbidden(format!(
            "change {} is a review decision (or undoing it reinstates one): reverting it is a review, which needs the reviewer role",
            change.id
        )));
    }
    let approved: BTreeSet<&NamedNode> = decisions(change, resubmitted)
        .filter(|(_, status)| status.as_ref() == TermRef::from(wr::APPROVED))
        .map(|(iri, _)| iri)
        .collect();
    for iri in approved {
        check_four_eyes(store, iri, &describe(store, iri)?, user)?;
    }
    Ok(())
}

/// A revert that changes what a curated resource says sends it back to review: its review fields
/// go and it is `wr:Submitted` again (nobody approved the content the revert produces). Adds the
/// operations to `ops`; returns the resources resubmitted.
fn resubmit(
    store: &WarrantStore,
    change: &ChangeSet,
    ops: &mut Vec<Op>,
) -> Result<Vec<NamedNode>, StoreError> {
    let mut changed: Vec<NamedNode> = Vec::new();
    for q in change.added.iter().chain(&change.removed) {
        if let NamedOrBlankNode::NamedNode(n) = &q.subject {
            if !is_review_predicate(q.predicate.as_ref()) && !changed.contains(n) {
                changed.push(n.clone());
            }
        }
    }
    let mut resubmitted = Vec::new();
    for iri in changed {
        if kind_of(store, iri.as_ref())?.is_none() {
            // typed by the revert itself (the undoing of a delete): reviewed like any other
            let restores_type = change.removed.iter().any(|q| {
                q.subject == iri.clone().into() && q.predicate.as_ref() == vocab::RDF_TYPE
            });
            if !restores_type {
                continue;
            }
        }
        // review quads after the revert: current ones it does not remove, plus those it restores
        let mut review: Vec<Quad> = Vec::new();
        for q in describe(store, &iri)? {
            if q.subject == iri.clone().into()
                && is_review_predicate(q.predicate.as_ref())
                && !change.added.contains(&q)
            {
                review.push(q);
            }
        }
        review.extend(
            change
                .removed
                .iter()
                .filter(|q| {
                    q.subject == iri.clone().into() && is_review_predicate(q.predicate.as_ref())
                })
                .cloned(),
        );
        let Some(graph) = review
            .iter()
            .find(|q| q.predicate.as_ref() == vocab::REVIEW_STATUS)
            .map(|q| q.graph_name.clone())
        else {
            continue; // deleted by the revert, or never reviewed: nothing to review
        };
        ops.push(Op::Remove(review));
        ops.push(Op::Insert(vec![Quad::new(
            iri.clone(),
            vocab::REVIEW_STATUS,
            wr::SUBMITTED,
            graph,
        )]));
        resubmitted.push(iri);
    }
    Ok(resubmitted)
}

fn conflict_message(
    store: &WarrantStore,
    change: &ChangeSet,
    moved: &[&Quad],
) -> Result<String, StoreError> {
    let moved: HashSet<&Quad> = moved.iter().copied().collect();
    let later: Vec<String> = store
        .changes_since(change.generation)?
        .into_iter()
        .filter(|c| c.added.iter().chain(&c.removed).any(|q| moved.contains(q)))
        .map(|c| format!("{} by {} ({})", c.id, c.agent, c.message))
        .collect();
    let first = moved
        .iter()
        .next()
        .map(ToString::to_string)
        .unwrap_or_default();
    Ok(if later.is_empty() {
        format!(
            "change {} cannot be reverted: {} of its triples changed since (e.g. {first})",
            change.id,
            moved.len()
        )
    } else {
        format!(
            "change {} cannot be reverted: later changes touched its triples: {}",
            change.id,
            later.join("; ")
        )
    })
}
