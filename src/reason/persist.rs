//! Between the in-memory state and the store: reading the asserted content graphs once, and writing
//! the inferred graph and the derivation records back.
//!
//! When the write happens: the inferred graph (content — default-graph queries see it) is committed
//! synchronously, so it is exact when the reasoner call, and the store write that triggered it,
//! returns. The derivation records of that call are collected compactly (`records`) and, for a
//! reasoner with a record writer (every served or CLI store: [`crate::store::RecordWriter`]), handed
//! to the store's background writer: they are written just after the write returns, in commit
//! order, and every reader of the derivations graph (SPARQL reaching it, `/why`, `warrant why`,
//! export) first waits for the records barrier, so it never sees them stale. The reasoner keeps
//! every derivation in memory anyway (DRed works from memory), so nothing it computes depends on
//! the records being written yet. A reasoner without a record writer writes both in one
//! transaction.
//!
//! The derivation records, in graph `…/graph/derivations` (the one form every reader — SPARQL,
//! `/why`, `warrant why` — uses):
//! ```text
//! <…/id/derivation/{h}> wr:rule <…/rule/{set}/{id}> ;
//!     wr:derives <…/id/statement/{h1}> ; wr:premise <…/id/statement/{h2}>, … .
//! <…/id/statement/{h1}> rdf:subject … ; rdf:predicate … ; rdf:object … .
//! ```
//! Two quads per derivation plus one per premise, and three per triple a written derivation
//! mentions. No `rdf:type` quads are written: `wr:rule`, `wr:derives` and `wr:premise` have
//! `wr:Derivation` as their `rdfs:domain` and the statement nodes are typed `rdf:Statement` by the
//! RDF vocabulary's own domains, so the types are entailed, not stored (they would cost a fifth of
//! the quads).
//! Statement IRIs hash the triple (SHA-256 of its N-Triples form, 128 bits, hex), so one triple has
//! one statement node however many derivations mention it; derivation IRIs hash the rule, the
//! conclusion and the premises, so re-materialising yields the same IRIs. Statement nodes are
//! reference-counted and removed with the last derivation that mentions them.

use super::derivs::Did;
use super::index::{ALIVE, Tid};
use super::records::{DerivationRecords, TxSink, statement_node};
use super::state::{IN_INFERRED, State};
use super::vocab::{DERIVATIONS_GRAPH, DERIVES, INFERRED_GRAPH};
use crate::store::RecordBatch;
use crate::vocab;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, Term, Triple,
    TripleRef,
};
use oxigraph::store::{StorageError, Store};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::fmt::Display;
use std::sync::Arc;

/// Whether a graph holds content (facts) the reasoner reads (see [`vocab::is_asserted_content`]).
pub fn is_asserted_graph(g: GraphNameRef<'_>) -> bool {
    vocab::is_asserted_content(g)
}

/// Reads every asserted triple of the store into `state`. Returns the number of quads read.
///
/// Reads graph by graph, the asserted ones only: the record graphs (derivations, change sets) are
/// most of an on-disk store's quads and are never decoded here.
pub(crate) fn load(store: &Store, state: &mut State) -> Result<usize, StorageError> {
    let mut graphs = vec![oxigraph::model::GraphName::DefaultGraph];
    for g in store.named_graphs() {
        let g = oxigraph::model::GraphName::from(g?);
        if is_asserted_graph(g.as_ref()) {
            graphs.push(g);
        }
    }
    let mut n = 0;
    for g in &graphs {
        for q in store.quads_for_pattern(None, None, None, Some(g.as_ref())) {
            n += 1;
            let t = state.dict.intern_triple(&Triple::from(q?));
            state.assert_initial(t);
        }
    }
    Ok(n)
}

/// Receives the quads a [`Writer`] produces.
pub(crate) trait Sink {
    /// Inserts (`insert`) or removes one quad.
    fn quad(&mut self, q: QuadRef<'_>, insert: bool);
}

/// Quads to insert and remove, collected for an incremental commit (removals first).
#[derive(Default)]
pub(crate) struct Changes {
    pub(crate) inserts: Vec<Quad>,
    pub(crate) removes: Vec<Quad>,
}

impl Sink for Changes {
    fn quad(&mut self, q: QuadRef<'_>, insert: bool) {
        if insert {
            self.inserts.push(q.into_owned());
        } else {
            self.removes.push(q.into_owned());
        }
    }
}

/// What a write did.
#[derive(Default)]
pub(crate) struct Written {
    pub(crate) inferred_added: usize,
    pub(crate) inferred_removed: usize,
    pub(crate) quads_inserted: usize,
    pub(crate) quads_removed: usize,
}

/// A 128-bit content hash naming a statement or derivation node.
pub(crate) type NodeId = [u8; 16];

/// Produces the inferred quads and the derivation-record changes for the dirty triples of a state.
pub(crate) struct Writer {
    max_per_triple: usize,
    /// Hash of each triple met so far.
    ids: FxHashMap<Tid, NodeId>,
    written: Written,
    records: DerivationRecords,
}

fn first128(digest: &[u8]) -> NodeId {
    let mut id = [0; 16];
    id.copy_from_slice(&digest[..16]);
    id
}

/// The hash naming a triple's statement node: SHA-256 of its N-Triples line, first 128 bits.
pub(crate) fn statement_id(s: &dyn Display, p: &dyn Display, o: &dyn Display) -> NodeId {
    first128(&Sha256::digest(format!("{s} {p} {o} .").as_bytes()))
}

/// The node standing for triple `t` in the derivations graph.
pub(crate) fn statement_iri(t: TripleRef<'_>) -> NamedNode {
    statement_node(&statement_id(&t.subject, &t.predicate, &t.object))
}

/// The hash naming a derivation: its rule, its conclusion and its (sorted) premises.
fn derivation_id(rule: &NamedNode, head: &NodeId, premises: &[NodeId]) -> NodeId {
    let mut h = Sha256::new();
    h.update(rule.as_str().as_bytes());
    h.update([0]);
    h.update(head);
    for p in premises {
        h.update(p);
    }
    first128(&h.finalize())
}

fn subject_ref(t: &Term) -> NamedOrBlankNodeRef<'_> {
    match t {
        Term::NamedNode(n) => n.as_ref().into(),
        Term::BlankNode(b) => b.as_ref().into(),
        Term::Literal(_) => unreachable!("literal subject"),
    }
}

fn predicate_ref(t: &Term) -> NamedNodeRef<'_> {
    match t {
        Term::NamedNode(n) => n.as_ref(),
        _ => unreachable!("non-IRI predicate"),
    }
}

impl Writer {
    /// A writer naming rules by `rules` (indexed like the state's rule numbers), writing at most
    /// `max_per_triple` derivations per triple; `replace` when the records it produces rewrite the
    /// whole derivations graph.
    pub(crate) fn new(rules: Arc<[NamedNode]>, max_per_triple: usize, replace: bool) -> Self {
        Self {
            max_per_triple,
            ids: FxHashMap::default(),
            written: Written::default(),
            records: DerivationRecords::new(rules, replace),
        }
    }

    /// Reconciles the written form of every dirty triple with the state: inferred quads into
    /// `sink`, derivation-record changes returned (to be written by the caller).
    pub(crate) fn reconcile(
        mut self,
        state: &mut State,
        sink: &mut dyn Sink,
    ) -> (Written, DerivationRecords) {
        let mut dirty: Vec<Tid> = state.dirty.drain().collect();
        dirty.sort_unstable();
        for t in dirty {
            self.triple(state, t, sink);
        }
        (self.written, self.records)
    }

    /// Rewrites the inferred graph in one transaction (cleared, then every quad streamed) and
    /// returns the records that rewrite the derivations graph. With `inline`, the records are
    /// written in the same transaction instead and the returned records are empty.
    /// `marker` (see `marker`) is written with the inferred graph and with the records.
    pub(crate) fn full(
        mut self,
        state: &mut State,
        store: &Store,
        inline: bool,
        marker: Option<&str>,
    ) -> Result<(Written, DerivationRecords), StorageError> {
        for f in &mut state.index.flags {
            *f &= !IN_INFERRED;
        }
        state.derivs.written.iter_mut().for_each(|w| *w = false);
        state.stmt_refs.clear();
        state.dirty = (0..state.index.len()).collect();
        self.records = DerivationRecords::new(self.records.rules(), true);
        let inferred_is_empty = store
            .quads_for_pattern(None, None, None, Some(INFERRED_GRAPH.into()))
            .next()
            .is_none();
        if inferred_is_empty && !inline {
            return self.first(state, store, marker);
        }
        let mut tx = store.start_transaction()?;
        tx.clear_graph(INFERRED_GRAPH)?;
        let (written, records) = self.reconcile(state, &mut TxSink(&mut tx));
        let mut records = records.with_marker(marker.map(str::to_owned));
        if let Some(marker) = marker {
            super::marker::write(&mut tx, INFERRED_GRAPH, marker)?;
        }
        if inline {
            records.write(&mut tx)?;
            records = DerivationRecords::new(records.rules(), false);
        }
        tx.commit()?;
        Ok((written, records))
    }

    /// [`Self::full`] into an empty inferred graph (the first materialisation of a store, as after
    /// `warrant load`): the inferred triples go through the bulk loader — sorted files ingested at
    /// once, where a transaction would hold and check every key (1.4 s of LUBM(1,0)'s load) — and the
    /// marker follows in its own transaction, so a crash in between leaves the graph unmarked and the
    /// next start recomputes it. Readers see the graph empty, then whole, as with one transaction.
    fn first(
        self,
        state: &mut State,
        store: &Store,
        marker: Option<&str>,
    ) -> Result<(Written, DerivationRecords), StorageError> {
        let mut changes = Changes::default();
        let (written, records) = self.reconcile(state, &mut changes);
        let records = records.with_marker(marker.map(str::to_owned));
        let mut loader = store
            .bulk_loader()
            .with_max_memory_size_in_megabytes(crate::store::BULK_MEMORY_MB);
        loader.load_quads(changes.inserts)?;
        loader.commit()?;
        if let Some(marker) = marker {
            let mut tx = store.start_transaction()?;
            super::marker::write(&mut tx, INFERRED_GRAPH, marker)?;
            tx.commit()?;
        }
        Ok((written, records))
    }

    /// Takes the stored inferred graph and derivation records as the written form of `state`
    /// without writing anything: the caller has checked (by their markers) that they are what
    /// [`Self::full`] would write. For a triple with more alive derivations than are recorded per
    /// triple, which ones were recorded depends on the history of writes, not only on the state:
    /// those are looked up in `store` and taken as the recorded ones. `None` when the store does
    /// not hold exactly as many of them as are recorded per triple (or cannot be read).
    pub(crate) fn adopt(mut self, state: &mut State, store: &Store) -> Option<Written> {
        for t in 0..state.derivs.by_head.len() {
            let alive = state.derivs.by_head[t]
                .iter()
                .filter(|&&d| state.derivs.alive[d as usize])
                .count();
            // records are kept for inferred triples only (an asserted one needs no derivation)
            let inferred = state.index.flags[t] & ALIVE != 0 && !state.index.asserted(t as Tid);
            if alive <= self.max_per_triple || !inferred {
                continue;
            }
            // the recorded derivations first: reconcile keeps the first ones up to the cap
            let ds = std::mem::take(&mut state.derivs.by_head[t]);
            let mut recorded = Vec::new();
            let mut others = Vec::new();
            for d in ds {
                let stored = state.derivs.alive[d as usize] && self.is_recorded(state, d, store)?;
                if stored {
                    recorded.push(d);
                } else {
                    others.push(d);
                }
            }
            if recorded.len() != self.max_per_triple {
                recorded.extend(others);
                state.derivs.by_head[t] = recorded;
                return None;
            }
            recorded.extend(others);
            state.derivs.by_head[t] = recorded;
        }
        for f in &mut state.index.flags {
            *f &= !IN_INFERRED;
        }
        state.derivs.written.iter_mut().for_each(|w| *w = false);
        state.stmt_refs.clear();
        state.dirty = (0..state.index.len()).collect();
        let (mut written, _) = self.reconcile(state, &mut Discard);
        // nothing was written: what reconcile counted is what the store already holds
        written.quads_inserted = 0;
        written.inferred_added = 0;
        Some(written)
    }

    /// The id of derivation `d` and of its head, as its record names them.
    fn derivation_ids(&mut self, state: &State, d: Did) -> (NodeId, NodeId) {
        let head_id = self.id(state, state.derivs.head[d as usize]);
        let mut prem_ids: Vec<NodeId> = state
            .derivs
            .premises(d)
            .iter()
            .map(|&p| self.id(state, p))
            .collect();
        prem_ids.sort_unstable();
        let rule_iri = &self.records.rules()[state.derivs.rule[d as usize] as usize];
        (derivation_id(rule_iri, &head_id, &prem_ids), head_id)
    }

    /// Whether the derivations graph records derivation `d` (None when the store cannot be read).
    fn is_recorded(&mut self, state: &State, d: Did, store: &Store) -> Option<bool> {
        let (id, head_id) = self.derivation_ids(state, d);
        let node = super::records::derivation_node(&id);
        let head = super::records::statement_node(&head_id);
        store
            .contains(QuadRef::new(&node, DERIVES, &head, DERIVATIONS_GRAPH))
            .ok()
    }

    fn triple(&mut self, state: &mut State, t: Tid, sink: &mut dyn Sink) {
        let flags = state.index.flags[t as usize];
        let want = flags & ALIVE != 0 && !state.index.asserted(t);
        let has = flags & IN_INFERRED != 0;
        if want != has {
            let [s, p, o] = state.index.triples[t as usize];
            let (s, p, o) = (state.dict.term(s), state.dict.term(p), state.dict.term(o));
            let q = QuadRef::new(subject_ref(s), predicate_ref(p), o.as_ref(), INFERRED_GRAPH);
            self.emit(sink, q, want);
            if want {
                self.written.inferred_added += 1;
                state.index.flags[t as usize] |= IN_INFERRED;
            } else {
                self.written.inferred_removed += 1;
                state.index.flags[t as usize] &= !IN_INFERRED;
            }
        }
        let Some(ds) = state.derivs.by_head.get(t as usize) else {
            return;
        };
        let mut kept = 0;
        let mut flips: Vec<(Did, bool)> = Vec::new();
        for &d in ds {
            let alive = state.derivs.alive[d as usize];
            let wanted = want && alive && kept < self.max_per_triple;
            if wanted {
                kept += 1;
            }
            if wanted != state.derivs.written[d as usize] {
                flips.push((d, wanted));
            }
        }
        for (d, wanted) in flips {
            state.derivs.written[d as usize] = wanted;
            self.derivation(state, d, wanted);
        }
    }

    fn emit(&mut self, sink: &mut dyn Sink, q: QuadRef<'_>, insert: bool) {
        if insert {
            self.written.quads_inserted += 1;
        } else {
            self.written.quads_removed += 1;
        }
        sink.quad(q, insert);
    }

    fn id(&mut self, state: &State, t: Tid) -> NodeId {
        *self.ids.entry(t).or_insert_with(|| {
            let [s, p, o] = state.index.triples[t as usize];
            statement_id(state.dict.term(s), state.dict.term(p), state.dict.term(o))
        })
    }

    /// Records the insertion or removal of derivation `d` and adjusts statement reference counts.
    fn derivation(&mut self, state: &mut State, d: Did, insert: bool) {
        let head = state.derivs.head[d as usize];
        let rule = state.derivs.rule[d as usize];
        let head_id = self.id(state, head);
        let mut premises: Vec<(NodeId, Tid)> = Vec::with_capacity(4);
        for &p in state.derivs.premises(d) {
            premises.push((self.id(state, p), p));
        }
        premises.sort_unstable_by_key(|a| a.0);
        let prem_ids: Vec<NodeId> = premises.iter().map(|(id, _)| *id).collect();
        let rule_iri = &self.records.rules()[rule as usize];
        let id = derivation_id(rule_iri, &head_id, &prem_ids);
        let quads = self.records.derivation(insert, id, rule, head_id, prem_ids);
        self.count(quads, insert);
        let mentioned = std::iter::once((head_id, head)).chain(premises);
        for (id, t) in mentioned {
            let count = state.stmt_refs.entry(id).or_insert(0);
            let edge = if insert {
                *count += 1;
                *count == 1
            } else {
                *count = count.saturating_sub(1);
                *count == 0
            };
            if edge {
                if !insert {
                    state.stmt_refs.remove(&id);
                }
                let [s, p, o] = state.index.triples[t as usize];
                let triple = [state.dict.term(s), state.dict.term(p), state.dict.term(o)];
                let quads = self.records.statement(insert, id, triple);
                self.count(quads, insert);
            }
        }
    }

    fn count(&mut self, quads: usize, insert: bool) {
        if insert {
            self.written.quads_inserted += quads;
        } else {
            self.written.quads_removed += quads;
        }
    }
}

/// Applies incremental `changes` in one transaction, removals first, with the inferred graph's
/// `marker` when given.
pub(crate) fn commit(
    store: &Store,
    changes: &Changes,
    marker: Option<&str>,
) -> Result<(), StorageError> {
    let mut tx = store.start_transaction()?;
    for q in &changes.removes {
        tx.remove(q);
    }
    for q in &changes.inserts {
        tx.insert(q);
    }
    if let Some(marker) = marker {
        super::marker::write(&mut tx, INFERRED_GRAPH, marker)?;
    }
    tx.commit()
}

/// A sink that drops every quad (adopting what the store holds, see [`Writer::adopt`]).
struct Discard;

impl Sink for Discard {
    fn quad(&mut self, _: QuadRef<'_>, _: bool) {}
}
