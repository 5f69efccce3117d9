//! What the stored inferred graph and derivation records are a materialisation *of*, so that a
//! restart on an unchanged store adopts them instead of rewriting them.
//!
//! Two markers live in the catalog graph (a record graph: queries never see them as facts), each a
//! literal `"{rules}@{store state}"` — `rules` a hash of the rule set (each rule's IRI, body, filters
//! and head, and the derivation cap), the state the store's `id@generation`:
//! ```text
//! GRAPH <…/graph/record/catalog> {
//!   <…/graph/inferred>    wr:materialisedFor "3f9a…@c0ffee…@42" .   # written with the inferred graph
//!   <…/graph/derivations> wr:materialisedFor "3f9a…@c0ffee…@42" .   # written with the records batch
//! }
//! ```
//! The inferred marker is written in the same transaction as the inferred graph, the records marker
//! in the same transaction as the derivation records (by the background record writer), each after
//! every write. Both equal to `rules@current state` at start means the inferred graph and the records
//! are exactly what recomputing would write: a crash between a write's commit and the reasoner's (or
//! the record writer's) leaves an older state in a marker, a failed record batch leaves the records
//! marker behind, other rules change the hash — and any of these makes start-up recompute and
//! rewrite as before. Only the records marker's quad is written by the record writer (it owns it),
//! so its batches stay disjoint from every other transaction.

use super::Rule;
use crate::vocab;
use oxigraph::model::{Literal, NamedNodeRef, Quad, QuadRef, Term};
use oxigraph::store::{StorageError, Store, Transaction};
use sha2::{Digest, Sha256};

/// `wr:materialisedFor`: (catalog graph) the rules and store state a reasoner graph was written for.
pub const MATERIALISED_FOR: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#materialisedFor");

/// A hash of what decides the materialisation: every rule's IRI, body, filters and head, in order,
/// and the number of derivation records kept per triple.
pub(crate) fn fingerprint(rules: &[Rule], max_per_triple: usize) -> String {
    let mut h = Sha256::new();
    for r in rules {
        h.update(
            format!(
                "{}\n{:?}\n{:?}\n{:?}\n{:?}\n",
                r.iri, r.vars, r.body, r.filters, r.head
            )
            .as_bytes(),
        );
    }
    h.update(max_per_triple.to_le_bytes());
    hex::encode(&h.finalize()[..12])
}

/// The marker of graph `of` as stored, if any.
pub(crate) fn read(store: &Store, of: NamedNodeRef<'_>) -> Result<Option<String>, StorageError> {
    for q in store.quads_for_pattern(
        Some(of.into()),
        Some(MATERIALISED_FOR),
        None,
        Some(vocab::CATALOG_GRAPH.into()),
    ) {
        if let Term::Literal(l) = q?.object {
            return Ok(Some(l.value().to_owned()));
        }
    }
    Ok(None)
}

/// Replaces the marker of graph `of` with `value` inside `tx`.
pub(crate) fn write(
    tx: &mut Transaction<'_>,
    of: NamedNodeRef<'_>,
    value: &str,
) -> Result<(), StorageError> {
    clear(tx, of)?;
    let value = Literal::from(value);
    tx.insert(QuadRef::new(
        of,
        MATERIALISED_FOR,
        &value,
        vocab::CATALOG_GRAPH,
    ));
    Ok(())
}

/// Removes the marker of graph `of` inside `tx` (the graph is being rewritten).
pub(crate) fn clear(tx: &mut Transaction<'_>, of: NamedNodeRef<'_>) -> Result<(), StorageError> {
    let old = tx
        .quads_for_pattern(
            Some(of.into()),
            Some(MATERIALISED_FOR),
            None,
            Some(vocab::CATALOG_GRAPH.into()),
        )
        .collect::<Result<Vec<Quad>, _>>()?;
    for q in &old {
        tx.remove(q);
    }
    Ok(())
}
