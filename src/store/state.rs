//! Which state of the store a derived structure (the search index) reflects.
//!
//! Every committed change bumps a generation counter kept, with a random store identifier, in the
//! catalog graph (a record graph: queries never see it). Both are written in the same transaction as
//! the change itself, so `(id, generation)` names one state of the store exactly. A derived index
//! stores the pair it was last brought up to date with; at start a different pair means the index
//! is stale (a crash between the store's commit and the index's, an index copied from elsewhere…)
//! and must be rebuilt.

use super::StoreError;
use crate::vocab;
use oxigraph::model::{GraphNameRef, Literal, NamedNodeRef, Quad, QuadRef, Term};
use oxigraph::store::{Store, Transaction};
use sha2::{Digest, Sha256};
use std::fmt;

/// One state of the store: its identifier and the number of changes committed to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StoreState {
    /// Random identifier written with the first change; `None` for a store never written to.
    pub id: Option<String>,
    /// Number of committed changes (0 for a store never written to).
    pub generation: u64,
}

impl fmt::Display for StoreState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}",
            self.id.as_deref().unwrap_or("(new)"),
            self.generation
        )
    }
}

fn subject() -> NamedNodeRef<'static> {
    vocab::CATALOG_GRAPH
}

fn graph() -> GraphNameRef<'static> {
    GraphNameRef::NamedNode(vocab::CATALOG_GRAPH)
}

fn parse(id: Option<Term>, generation: Option<Term>) -> StoreState {
    StoreState {
        id: match id {
            Some(Term::Literal(l)) => Some(l.value().to_owned()),
            _ => None,
        },
        generation: match generation {
            Some(Term::Literal(l)) => l.value().parse().unwrap_or(0),
            _ => 0,
        },
    }
}

/// Whether a quad is the store's own state bookkeeping (never reported as part of a change).
pub(super) fn is_state_quad(quad: &Quad) -> bool {
    quad.graph_name.as_ref() == graph()
        && quad.subject.as_ref() == subject().into()
        && (quad.predicate == vocab::STORE_ID || quad.predicate == vocab::GENERATION)
}

/// The state of a store as last committed.
pub(super) fn read(store: &Store) -> Result<StoreState, StoreError> {
    let value = |p: NamedNodeRef<'_>| -> Result<Option<Term>, StoreError> {
        Ok(store
            .quads_for_pattern(Some(subject().into()), Some(p), None, Some(graph()))
            .next()
            .transpose()?
            .map(|q| q.object))
    };
    Ok(parse(value(vocab::STORE_ID)?, value(vocab::GENERATION)?))
}

/// The state seen inside a transaction (before its own changes are counted).
pub(super) fn read_in(tx: &Transaction<'_>) -> Result<StoreState, StoreError> {
    let value = |p: NamedNodeRef<'_>| -> Result<Option<Term>, StoreError> {
        Ok(tx
            .quads_for_pattern(Some(subject().into()), Some(p), None, Some(graph()))
            .next()
            .transpose()?
            .map(|q| q.object))
    };
    Ok(parse(value(vocab::STORE_ID)?, value(vocab::GENERATION)?))
}

/// Writes the state following `before` into the transaction (replacing whatever state quads the
/// change left) and returns it. The bookkeeping quads are not part of the change's `Applied`.
pub(super) fn bump(
    tx: &mut Transaction<'_>,
    before: &StoreState,
) -> Result<StoreState, StoreError> {
    let next = StoreState {
        id: Some(before.id.clone().unwrap_or_else(fresh_id)),
        generation: before.generation + 1,
    };
    for p in [vocab::STORE_ID, vocab::GENERATION] {
        let old = tx
            .quads_for_pattern(Some(subject().into()), Some(p), None, Some(graph()))
            .collect::<Result<Vec<Quad>, _>>()?;
        for quad in &old {
            tx.remove(quad);
        }
    }
    let id = Literal::from(next.id.clone().unwrap_or_default());
    let generation = Literal::from(i64::try_from(next.generation).unwrap_or(i64::MAX));
    tx.insert(QuadRef::new(subject(), vocab::STORE_ID, &id, graph()));
    tx.insert(QuadRef::new(
        subject(),
        vocab::GENERATION,
        &generation,
        graph(),
    ));
    Ok(next)
}

/// A new practically unique store identifier (no randomness crate needed: time, process, address).
fn fresh_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let local = 0u8;
    let seed = format!(
        "{nanos}-{}-{:p}-{:?}",
        std::process::id(),
        &local,
        std::thread::current().id()
    );
    hex::encode(&Sha256::digest(seed.as_bytes())[..12])
}
