//! Between the in-memory state and the store: reading the asserted content graphs once, and writing
//! the inferred graph and the derivation records back, in one transaction.
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
use super::state::{IN_INFERRED, State};
use super::vocab::{
    CHANGE_GRAPH_PREFIX, DERIVATION_PREFIX, DERIVATIONS_GRAPH, DERIVES, INFERRED_GRAPH, PREMISE,
    RULE, STATEMENT_PREFIX,
};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, Term, Triple,
    TripleRef,
};
use oxigraph::store::{StorageError, Store, Transaction};
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};
use std::fmt::Display;

/// Whether a graph holds content (facts) the reasoner reads: every graph but the inferred graph and
/// the record graphs (derivations, change sets).
pub fn is_asserted_graph(g: GraphNameRef<'_>) -> bool {
    match g {
        GraphNameRef::NamedNode(n) => {
            n != INFERRED_GRAPH
                && n != DERIVATIONS_GRAPH
                && !n.as_str().starts_with(CHANGE_GRAPH_PREFIX)
        }
        GraphNameRef::BlankNode(_) | GraphNameRef::DefaultGraph => true,
    }
}

/// Reads every asserted triple of the store into `state`. Returns the number of quads read.
pub(crate) fn load(store: &Store, state: &mut State) -> Result<usize, StorageError> {
    let mut n = 0;
    for q in store.iter() {
        let q = q?;
        if is_asserted_graph(q.graph_name.as_ref()) {
            n += 1;
            let t = state.dict.intern_triple(&Triple::from(q));
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

/// Streams quads straight into a transaction (full rewrite: insertions only).
struct TxSink<'a, 'b>(&'a mut Transaction<'b>);

impl Sink for TxSink<'_, '_> {
    fn quad(&mut self, q: QuadRef<'_>, insert: bool) {
        if insert {
            self.0.insert(q);
        } else {
            self.0.remove(q);
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

/// Produces the quads for the dirty triples of a state.
pub(crate) struct Writer<'a> {
    rules: &'a [NamedNode],
    max_per_triple: usize,
    /// Hash and statement node of each triple met so far.
    ids: FxHashMap<Tid, (NodeId, NamedNode)>,
    written: Written,
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

/// The node of the statement (triple) whose hash is `id`.
fn statement_node(id: &NodeId) -> NamedNode {
    NamedNode::new_unchecked(format!("{STATEMENT_PREFIX}{}", hex::encode(id)))
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

impl<'a> Writer<'a> {
    pub(crate) fn new(rules: &'a [NamedNode], max_per_triple: usize) -> Self {
        Self {
            rules,
            max_per_triple,
            ids: FxHashMap::default(),
            written: Written::default(),
        }
    }

    /// Reconciles the written form of every dirty triple with the state, into `sink`.
    pub(crate) fn reconcile(mut self, state: &mut State, sink: &mut dyn Sink) -> Written {
        let mut dirty: Vec<Tid> = state.dirty.drain().collect();
        dirty.sort_unstable();
        for t in dirty {
            self.triple(state, t, sink);
        }
        self.written
    }

    /// Rewrites everything in one transaction: clears both graphs, then streams every quad.
    pub(crate) fn full(self, state: &mut State, store: &Store) -> Result<Written, StorageError> {
        for f in &mut state.index.flags {
            *f &= !IN_INFERRED;
        }
        state.derivs.written.iter_mut().for_each(|w| *w = false);
        state.stmt_refs.clear();
        state.dirty = (0..state.index.len()).collect();
        let mut tx = store.start_transaction()?;
        tx.clear_graph(INFERRED_GRAPH)?;
        tx.clear_graph(DERIVATIONS_GRAPH)?;
        let written = self.reconcile(state, &mut TxSink(&mut tx));
        tx.commit()?;
        Ok(written)
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
            self.derivation(state, d, wanted, sink);
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

    fn id(&mut self, state: &State, t: Tid) -> (NodeId, NamedNode) {
        self.ids
            .entry(t)
            .or_insert_with(|| {
                let [s, p, o] = state.index.triples[t as usize];
                let id = statement_id(state.dict.term(s), state.dict.term(p), state.dict.term(o));
                (id, statement_node(&id))
            })
            .clone()
    }

    /// Inserts or removes the quads of derivation `d` and adjusts statement reference counts.
    fn derivation(&mut self, state: &mut State, d: Did, insert: bool, sink: &mut dyn Sink) {
        let head = state.derivs.head[d as usize];
        let rule = &self.rules[state.derivs.rule[d as usize] as usize];
        let (head_id, head_node) = self.id(state, head);
        let mut premises: Vec<(NodeId, NamedNode, Tid)> = Vec::with_capacity(4);
        for &p in state.derivs.premises(d) {
            let (id, n) = self.id(state, p);
            premises.push((id, n, p));
        }
        premises.sort_unstable_by_key(|a| a.0);
        let prem_ids: Vec<NodeId> = premises.iter().map(|(id, _, _)| *id).collect();
        let node = NamedNode::new_unchecked(format!(
            "{DERIVATION_PREFIX}{}",
            hex::encode(derivation_id(rule, &head_id, &prem_ids))
        ));
        let (g, node) = (DERIVATIONS_GRAPH, node.as_ref());
        self.emit(sink, QuadRef::new(node, RULE, rule.as_ref(), g), insert);
        self.emit(
            sink,
            QuadRef::new(node, DERIVES, head_node.as_ref(), g),
            insert,
        );
        for (_, p, _) in &premises {
            self.emit(sink, QuadRef::new(node, PREMISE, p.as_ref(), g), insert);
        }
        let mentioned = std::iter::once((head_id, head_node, head)).chain(premises);
        for (id, n, t) in mentioned {
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
                let (s, p, o) = (state.dict.term(s), state.dict.term(p), state.dict.term(o));
                self.emit(
                    sink,
                    QuadRef::new(n.as_ref(), rdf::SUBJECT, s.as_ref(), g),
                    insert,
                );
                self.emit(
                    sink,
                    QuadRef::new(n.as_ref(), rdf::PREDICATE, p.as_ref(), g),
                    insert,
                );
                self.emit(
                    sink,
                    QuadRef::new(n.as_ref(), rdf::OBJECT, o.as_ref(), g),
                    insert,
                );
            }
        }
    }
}

/// Applies incremental `changes` in one transaction, removals first.
pub(crate) fn commit(store: &Store, changes: &Changes) -> Result<(), StorageError> {
    let mut tx = store.start_transaction()?;
    for q in &changes.removes {
        tx.remove(q);
    }
    for q in &changes.inserts {
        tx.insert(q);
    }
    tx.commit()
}
