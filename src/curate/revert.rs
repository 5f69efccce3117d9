//! Undoing a change set as a new change set, refused when later changes conflict.

use super::CurateError;
use super::describe::is_editable;
use super::kind::{is_review_predicate, reviewable_kind};
use crate::auth::Principal;
use crate::store::history::{self, ChangeSet};
use crate::store::{Applied, Change, ChangeKind, ChangeMeta, Op, StoreError, WarrantStore};
use crate::vocab::{self, wr};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad};
use std::collections::HashSet;

/// Reverts change set `id`: removes what it added and restores what it removed, recorded as a new
/// change set by `user` (`wr:reverts` the old one). Refused with 409 when the store no longer
/// holds the change's result for its triples (a later change touched them), naming the later
/// change sets involved; a load is undone by changing its file, not by a revert. A revert that
/// changes what a statement or policy says makes it `wr:Submitted` again.
pub fn revert(
    store: &WarrantStore,
    id: &str,
    user: &Principal,
    message: Option<&str>,
) -> Result<Applied, CurateError> {
    store.apply_planned(|store| {
        let Some(change) = history::read(store.oxigraph(), id)? else {
            return Err(CurateError::NotFound(format!("no change set {id}")));
        };
        if change.kind == ChangeKind::Load {
            return Err(CurateError::Invalid(format!(
                "change {id} loaded files: change or reload the files instead of reverting it"
            )));
        }
        let db = store.oxigraph();
        let mut moved: Vec<&Quad> = Vec::new();
        for q in &change.added {
            if !db.contains(q).map_err(StoreError::from)? {
                moved.push(q);
            }
        }
        for q in &change.removed {
            if db.contains(q).map_err(StoreError::from)? {
                moved.push(q);
            }
        }
        if !moved.is_empty() {
            return Err(StoreError::Conflict(conflict_message(store, &change, &moved)?).into());
        }
        let meta = ChangeMeta {
            agent: user.name.clone(),
            role: user.role.as_str().to_owned(),
            message: message
                .map(str::to_owned)
                .unwrap_or_else(|| format!("revert of change {id} ({})", change.message)),
            kind: ChangeKind::Revert,
            reverts: Some(id.to_owned()),
        };
        let mut ops = vec![
            Op::Remove(change.added.clone()),
            Op::Insert(change.removed.clone()),
        ];
        if change.kind != ChangeKind::Review {
            ops.extend(resubmit(store, &change)?);
        }
        Ok(Change {
            ops,
            from_files: false,
            meta: Some(meta),
        })
    })
}

/// A revert that changes what a statement or policy says sends it back to review: its review
/// fields go and it is `wr:Submitted` again (nobody approved the content the revert produces).
fn resubmit(store: &WarrantStore, change: &ChangeSet) -> Result<Vec<Op>, StoreError> {
    let db = store.oxigraph();
    let mut changed: Vec<NamedNode> = Vec::new();
    for q in change.added.iter().chain(&change.removed) {
        if let NamedOrBlankNode::NamedNode(n) = &q.subject {
            if !is_review_predicate(q.predicate.as_ref()) && !changed.contains(n) {
                changed.push(n.clone());
            }
        }
    }
    let mut ops = Vec::new();
    for iri in changed {
        let reviewable = reviewable_kind(db, iri.as_ref())?.is_some();
        if !reviewable {
            continue;
        }
        // review quads after the revert: current ones it does not remove, plus those it restores
        let mut review: Vec<Quad> = Vec::new();
        for q in db.quads_for_pattern(Some(iri.as_ref().into()), None, None, None) {
            let q = q?;
            if is_review_predicate(q.predicate.as_ref())
                && is_editable(q.graph_name.as_ref())
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
            continue; // deleted by the revert: nothing to review
        };
        ops.push(Op::Remove(review));
        ops.push(Op::Insert(vec![Quad::new(
            iri,
            vocab::REVIEW_STATUS,
            wr::SUBMITTED,
            graph,
        )]));
    }
    Ok(ops)
}

fn conflict_message(
    store: &WarrantStore,
    change: &ChangeSet,
    moved: &[&Quad],
) -> Result<String, StoreError> {
    let moved: HashSet<&Quad> = moved.iter().copied().collect();
    let later: Vec<String> = history::since(store.oxigraph(), change.generation)?
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
