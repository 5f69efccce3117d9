//! Undoing a change set as a new change set, refused when later changes conflict.

use super::CurateError;
use crate::auth::Principal;
use crate::store::changeset::{self, ChangeSet};
use crate::store::{Applied, Change, ChangeKind, ChangeMeta, Op, StoreError, WarrantStore};
use oxigraph::model::Quad;
use std::collections::HashSet;

/// Reverts change set `id`: removes what it added and restores what it removed, recorded as a new
/// change set by `user` (`wr:reverts` the old one). Refused with 409 when the store no longer
/// holds the change's result for its triples (a later change touched them), naming the later
/// change sets involved; a load is undone by changing its file, not by a revert.
pub fn revert(
    store: &WarrantStore,
    id: &str,
    user: &Principal,
    message: Option<&str>,
) -> Result<Applied, CurateError> {
    store.apply_planned(|store| {
        let Some(change) = changeset::read(store.oxigraph(), id)? else {
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
        Ok(Change {
            ops: vec![
                Op::Remove(change.added.clone()),
                Op::Insert(change.removed.clone()),
            ],
            from_files: false,
            meta: Some(meta),
        })
    })
}

fn conflict_message(
    store: &WarrantStore,
    change: &ChangeSet,
    moved: &[&Quad],
) -> Result<String, StoreError> {
    let moved: HashSet<&Quad> = moved.iter().copied().collect();
    let later: Vec<String> = changeset::since(store.oxigraph(), change.generation)?
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
