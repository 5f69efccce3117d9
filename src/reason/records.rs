//! The derivation records one reasoner write changes, in a compact form that is rendered to quads
//! only when written — by the store's background record writer ([`RecordBatch`]) or, for a reasoner
//! without one, in the same transaction as the inferred graph.
//!
//! Holding hashes and rule indexes instead of quads keeps a full LUBM(1,0) rewrite (1.1 M record
//! quads) to tens of megabytes while it waits for the writer. The quad shape is described in
//! `persist`.

use super::persist::{NodeId, Sink};
use super::vocab::{
    DERIVATION_PREFIX, DERIVATIONS_GRAPH, DERIVES, PREMISE, RULE, STATEMENT_PREFIX,
};
use crate::store::RecordBatch;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, QuadRef, Term};
use oxigraph::store::{StorageError, Store, Transaction};
use std::sync::Arc;

/// The node of the statement (triple) whose hash is `id`.
pub(crate) fn statement_node(id: &NodeId) -> NamedNode {
    NamedNode::new_unchecked(format!("{STATEMENT_PREFIX}{}", hex::encode(id)))
}

/// The node of the derivation whose hash is `id`.
pub(crate) fn derivation_node(id: &NodeId) -> NamedNode {
    NamedNode::new_unchecked(format!("{DERIVATION_PREFIX}{}", hex::encode(id)))
}

/// One derivation record added or removed.
struct Derivation {
    insert: bool,
    id: NodeId,
    rule: u32,
    head: NodeId,
    /// Range of its (sorted) premises in [`DerivationRecords::premises`].
    premises: (u32, u32),
}

/// One statement node's three quads, added or removed.
struct Statement {
    insert: bool,
    id: NodeId,
    triple: Box<[Term; 3]>,
}

/// The derivation-record changes of one reasoner write.
pub(crate) struct DerivationRecords {
    rules: Arc<[NamedNode]>,
    replace: bool,
    derivations: Vec<Derivation>,
    premises: Vec<NodeId>,
    statements: Vec<Statement>,
    /// The records marker to write with the batch (see `marker`): the rules and store state these
    /// records complete the derivations graph for.
    marker: Option<String>,
}

impl DerivationRecords {
    /// No change yet; `replace` when the records rewrite the whole derivations graph.
    pub(crate) fn new(rules: Arc<[NamedNode]>, replace: bool) -> Self {
        Self {
            rules,
            replace,
            derivations: Vec::new(),
            premises: Vec::new(),
            statements: Vec::new(),
            marker: None,
        }
    }

    /// The same records, marking the derivations graph as complete for `marker` when written.
    pub(crate) fn with_marker(mut self, marker: Option<String>) -> Self {
        self.marker = marker;
        self
    }

    /// Adds or removes derivation `id` (rule index `rule`, conclusion `head`, sorted `premises`).
    /// Returns its number of quads.
    pub(crate) fn derivation(
        &mut self,
        insert: bool,
        id: NodeId,
        rule: u32,
        head: NodeId,
        premises: impl IntoIterator<Item = NodeId>,
    ) -> usize {
        let start = self.premises.len();
        self.premises.extend(premises);
        let end = self.premises.len();
        let range = (to_u32(start), to_u32(end));
        self.derivations.push(Derivation {
            insert,
            id,
            rule,
            head,
            premises: range,
        });
        2 + end - start
    }

    /// Adds or removes the statement node `id` for `triple`. Returns its number of quads.
    pub(crate) fn statement(&mut self, insert: bool, id: NodeId, triple: [&Term; 3]) -> usize {
        self.statements.push(Statement {
            insert,
            id,
            triple: Box::new(triple.map(Term::clone)),
        });
        3
    }

    /// The rule IRIs the records name (by index).
    pub(crate) fn rules(&self) -> Arc<[NamedNode]> {
        Arc::clone(&self.rules)
    }

    /// Whether there is nothing to write.
    pub(crate) fn is_empty(&self) -> bool {
        !self.replace
            && self.derivations.is_empty()
            && self.statements.is_empty()
            && self.marker.is_none()
    }

    /// Renders the quads into `sink`: removals first, then insertions (a statement node whose
    /// count went to zero and back within one write ends present).
    pub(crate) fn render(&self, sink: &mut dyn Sink) {
        for insert in [false, true] {
            for d in self.derivations.iter().filter(|d| d.insert == insert) {
                let node = derivation_node(&d.id);
                let g = DERIVATIONS_GRAPH;
                let rule = &self.rules[d.rule as usize];
                sink.quad(QuadRef::new(&node, RULE, rule, g), insert);
                let head = statement_node(&d.head);
                sink.quad(QuadRef::new(&node, DERIVES, &head, g), insert);
                let (start, end) = d.premises;
                for p in &self.premises[start as usize..end as usize] {
                    let p = statement_node(p);
                    sink.quad(QuadRef::new(&node, PREMISE, &p, g), insert);
                }
            }
            for st in self.statements.iter().filter(|s| s.insert == insert) {
                let node = statement_node(&st.id);
                let [s, p, o] = &*st.triple;
                let g = DERIVATIONS_GRAPH;
                sink.quad(QuadRef::new(&node, rdf::SUBJECT, s.as_ref(), g), insert);
                sink.quad(QuadRef::new(&node, rdf::PREDICATE, p.as_ref(), g), insert);
                sink.quad(QuadRef::new(&node, rdf::OBJECT, o.as_ref(), g), insert);
            }
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or_else(|_| unreachable!("more than 2^32 premises in one write"))
}

/// Streams quads into a transaction.
pub(crate) struct TxSink<'a, 'b>(pub(crate) &'a mut Transaction<'b>);

impl Sink for TxSink<'_, '_> {
    fn quad(&mut self, q: QuadRef<'_>, insert: bool) {
        if insert {
            self.0.insert(q);
        } else {
            self.0.remove(q);
        }
    }
}

impl RecordBatch for DerivationRecords {
    fn write(&self, tx: &mut Transaction<'_>) -> Result<(), StorageError> {
        if self.replace {
            tx.clear_graph(DERIVATIONS_GRAPH)?;
        }
        self.render(&mut TxSink(tx));
        if let Some(marker) = &self.marker {
            super::marker::write(tx, DERIVATIONS_GRAPH, marker)?;
        }
        Ok(())
    }

    fn replaces(&self) -> bool {
        self.replace
    }

    /// A replacing batch of more than [`BULK_QUADS`] quads: cleared (marker removed) in one
    /// transaction, the quads bulk-loaded, then the marker written — so the records are marked
    /// complete only once they are.
    fn write_bulk(&self, store: &Store) -> Option<Result<(), StorageError>> {
        if !self.replace || self.quad_count() < BULK_QUADS {
            return None;
        }
        Some((|| {
            let mut tx = store.start_transaction()?;
            tx.clear_graph(DERIVATIONS_GRAPH)?;
            super::marker::clear(&mut tx, DERIVATIONS_GRAPH)?;
            tx.commit()?;
            let mut sink = BulkSink {
                loader: store
                    .bulk_loader()
                    .with_max_memory_size_in_megabytes(crate::store::BULK_MEMORY_MB),
                chunk: Vec::with_capacity(BULK_CHUNK),
                error: None,
            };
            self.render(&mut sink);
            sink.flush();
            if let Some(e) = sink.error {
                return Err(e);
            }
            sink.loader.commit()?;
            if let Some(marker) = &self.marker {
                let mut tx = store.start_transaction()?;
                super::marker::write(&mut tx, DERIVATIONS_GRAPH, marker)?;
                tx.commit()?;
            }
            Ok(())
        })())
    }
}

/// Replacing record batches at least this large are bulk-loaded (see [`RecordBatch::write_bulk`]).
const BULK_QUADS: usize = 50_000;
/// Quads handed to the bulk loader at a time (bounds the memory of rendered quads).
const BULK_CHUNK: usize = 200_000;

impl DerivationRecords {
    /// Number of quads the batch writes or removes.
    fn quad_count(&self) -> usize {
        self.derivations.len() * 2 + self.premises.len() + self.statements.len() * 3
    }
}

/// Hands rendered insertions to a bulk loader in chunks (a replacing batch has no removals).
struct BulkSink<'a> {
    loader: oxigraph::store::BulkLoader<'a>,
    chunk: Vec<oxigraph::model::Quad>,
    error: Option<StorageError>,
}

impl BulkSink<'_> {
    fn flush(&mut self) {
        if self.error.is_none() && !self.chunk.is_empty() {
            let chunk = std::mem::take(&mut self.chunk);
            if let Err(e) = self.loader.load_quads(chunk) {
                self.error = Some(e);
            }
        }
    }
}

impl Sink for BulkSink<'_> {
    fn quad(&mut self, q: QuadRef<'_>, insert: bool) {
        if insert {
            self.chunk.push(q.into_owned());
            if self.chunk.len() >= BULK_CHUNK {
                self.flush();
            }
        }
    }
}
