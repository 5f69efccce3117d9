//! Large file loads into new graphs through Oxigraph's bulk loader, crash-safely.
//!
//! A transaction holds every key it writes in memory and checks each new key against the others:
//! loading LUBM(1,0)'s 100 k triples as one change (content plus its change-set copy) spent four
//! fifths of its time there. A change from files whose inserts are large ([`BULK_MIN_QUADS`]) on
//! an on-disk store therefore *stages* the quads bound for graphs that did not exist before the
//! change in memory ([`Stage`]) instead of the transaction; the SHACL gate sees the transaction and
//! the stage together ([`Staged`]); and the commit is two atomic steps:
//!
//! 1. the bulk loader writes the staged quads, the change set's record quads (its graphs are new
//!    too) and one *marker* per graph written this way (`<change> wr:bulkGraph <graph>` in the
//!    catalog), and commits them at once;
//! 2. the transaction — every other operation, the catalog entries, the store state — commits and
//!    removes the markers.
//!
//! A crash between the two leaves markers: [`recover`], run when the store opens, drops the graphs
//! they name (none of them existed before the change) and the markers, so the store is exactly as
//! before the change. Nothing else changes: the change set is the same, `warrant revert` and
//! `warrant history` read it as any other, observers get the same [`super::Applied`]. Only changes
//! from files take this path, and those run before a server answers (`warrant load`, start-up
//! sync), so no reader sees step 1 without step 2.

use super::StoreError;
use crate::vocab;
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, Term,
    TermRef,
};
use oxigraph::store::{StorageError, Store, Transaction};
use std::collections::HashSet;

/// Inserts (counted over a change's insert operations) from which a change from files is staged for
/// the bulk loader; smaller changes go through the transaction alone.
pub const BULK_MIN_QUADS: usize = 20_000;

/// `wr:bulkGraph`: catalog marker of a graph written by the bulk loader for a change whose
/// transaction has not committed yet.
pub const BULK_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#bulkGraph");

/// Memory Warrant's bulk loads (files here, derivation records in the reasoner) may use for
/// sorting, in megabytes: Oxigraph's default is 2 GB per thread, and a load of LUBM(1,0) with its
/// derivation records is to stay within 1 GB in all.
pub const BULK_MEMORY_MB: usize = 256;

/// Quads bound for graphs created by the change being applied, kept out of its transaction.
pub(super) struct Stage {
    quads: HashSet<Quad>,
    graphs: HashSet<String>,
    /// The staged quads indexed for the SHACL gate's reads (built once, when it asks).
    indexed: Option<Store>,
}

impl Stage {
    pub(super) fn new() -> Self {
        Self {
            quads: HashSet::new(),
            graphs: HashSet::new(),
            indexed: None,
        }
    }

    /// Whether quads of `graph` are staged here (it was created by this change).
    pub(super) fn holds(&self, graph: NamedNodeRef<'_>) -> bool {
        self.graphs.contains(graph.as_str())
    }

    /// Stages `quad` (in a graph created by this change); whether it was new.
    pub(super) fn insert(&mut self, quad: QuadRef<'_>) -> bool {
        if let GraphNameRef::NamedNode(g) = quad.graph_name {
            if !self.graphs.contains(g.as_str()) {
                self.graphs.insert(g.as_str().to_owned());
            }
        }
        self.indexed = None;
        self.quads.insert(quad.into_owned())
    }

    /// Unstages `quad`; whether it was staged.
    pub(super) fn remove(&mut self, quad: &Quad) -> bool {
        self.indexed = None;
        self.quads.remove(quad)
    }

    /// The staged quads of `graph`.
    pub(super) fn quads_of(&self, graph: NamedNodeRef<'_>) -> Vec<Quad> {
        self.quads
            .iter()
            .filter(|q| q.graph_name.as_ref() == GraphNameRef::NamedNode(graph))
            .cloned()
            .collect()
    }

    /// Whether nothing is staged.
    pub(super) fn is_empty(&self) -> bool {
        self.quads.is_empty()
    }

    /// The staged quads as an in-memory store, for reading by pattern.
    pub(super) fn indexed(&mut self) -> Result<&Store, StoreError> {
        let store = match self.indexed.take() {
            Some(store) => store,
            None => {
                let store = Store::new()?;
                let mut loader = store.bulk_loader();
                loader.load_quads(self.quads.iter().cloned())?;
                loader.commit()?;
                store
            }
        };
        Ok(self.indexed.insert(store))
    }
}

/// A change as staged: its open transaction and, for a bulk load, the quads staged beside it. The
/// SHACL gate ([`super::WriteGuard`]) reads the content after the change through it.
pub struct Staged<'a, 't> {
    tx: &'a Transaction<'t>,
    stage: Option<&'a Store>,
}

impl<'a, 't> Staged<'a, 't> {
    pub(super) fn new(tx: &'a Transaction<'t>, stage: Option<&'a Store>) -> Self {
        Self { tx, stage }
    }

    /// The quads matching a pattern (`None` = any), in the transaction's view and the stage (the
    /// two never hold the same quad: a staged graph did not exist before the change).
    pub fn quads_for_pattern(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Box<dyn Iterator<Item = Result<Quad, StorageError>> + '_> {
        let in_tx = self.tx.quads_for_pattern(subject, predicate, object, graph);
        match self.stage {
            None => Box::new(in_tx),
            Some(stage) => {
                Box::new(in_tx.chain(stage.quads_for_pattern(subject, predicate, object, graph)))
            }
        }
    }
}

/// Step 1 of a bulk commit: writes `stage`'s quads, the change set's `records` and a marker per
/// graph (under `change`) through the bulk loader, atomically. Returns the markers, which the
/// change's transaction must remove (step 2).
pub(super) fn write(
    store: &Store,
    change: &NamedNode,
    stage: &Stage,
    records: &[Quad],
) -> Result<Vec<Quad>, StoreError> {
    let mut graphs: Vec<NamedNode> = stage
        .graphs
        .iter()
        .map(|g| NamedNode::new_unchecked(g.as_str()))
        .collect();
    for q in records {
        if let GraphName::NamedNode(g) = &q.graph_name {
            if !graphs.contains(g) {
                graphs.push(g.clone());
            }
        }
    }
    let markers: Vec<Quad> = graphs
        .into_iter()
        .map(|g| {
            Quad::new(
                change.clone(),
                BULK_GRAPH,
                Term::from(g),
                GraphName::NamedNode(vocab::CATALOG_GRAPH.into_owned()),
            )
        })
        .collect();
    let mut loader = store
        .bulk_loader()
        .with_max_memory_size_in_megabytes(BULK_MEMORY_MB);
    loader.load_quads(stage.quads.iter().chain(records).chain(&markers).cloned())?;
    loader.commit()?;
    Ok(markers)
}

/// Step 2's part: the transaction removes the markers (a removal needs no read, so it removes what
/// step 1 committed after the transaction began).
pub(super) fn clear_markers(tx: &mut Transaction<'_>, markers: &[Quad]) {
    for m in markers {
        tx.remove(m);
    }
}

/// Undoes every bulk write whose transaction never committed (a crash between the two steps): drops
/// the graphs the markers name and the markers, in one transaction. Returns how many graphs were
/// dropped.
pub(super) fn recover(store: &Store) -> Result<usize, StoreError> {
    let markers = store
        .quads_for_pattern(
            None,
            Some(BULK_GRAPH),
            None,
            Some(vocab::CATALOG_GRAPH.into()),
        )
        .collect::<Result<Vec<_>, _>>()?;
    if markers.is_empty() {
        return Ok(0);
    }
    let mut tx = store.start_transaction()?;
    let mut dropped = 0;
    for m in &markers {
        if let Term::NamedNode(g) = &m.object {
            let quads = tx
                .quads_for_pattern(None, None, None, Some(g.into()))
                .collect::<Result<Vec<_>, _>>()?;
            for q in &quads {
                tx.remove(q);
            }
            tx.remove_named_graph(g)?;
            dropped += 1;
        }
        tx.remove(m);
    }
    tx.commit()?;
    tracing::warn!(
        "the last load was interrupted between its two commits: dropped the {dropped} graph(s) it had begun to write; the store is as before that load"
    );
    Ok(dropped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::changeset;
    use crate::store::{Change, ChangeKind, ChangeMeta, DatasetMode, Op, StoreError, WarrantStore};
    use oxigraph::model::{Literal, NamedOrBlankNode};
    use std::collections::BTreeMap;

    const EX: &str = "http://example.org/bulk/";

    fn graph(name: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("https://w3id.org/warrant/graph/file/{name}"))
    }

    fn triples(graph: &NamedNode, n: usize) -> Vec<Quad> {
        (0..n)
            .map(|i| {
                Quad::new(
                    NamedNode::new_unchecked(format!("{EX}s{}", i / 4)),
                    NamedNode::new_unchecked(format!("{EX}p{}", i % 4)),
                    Literal::from(i as i64),
                    graph.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn staged_reads_match_stored_quads_literals_in_canonical_form() {
        let g = graph("staged.nt");
        let mut quads = triples(&g, 40);
        // literals as written, not as stored: the gate must read them as stored
        for (i, lexical) in ["013", "+7"].into_iter().enumerate() {
            quads.push(Quad::new(
                NamedNode::new_unchecked(format!("{EX}odd{i}")),
                NamedNode::new_unchecked(format!("{EX}p1")),
                Literal::new_typed_literal(lexical, oxigraph::model::vocab::xsd::INTEGER),
                g.clone(),
            ));
        }
        quads.push(Quad::new(
            NamedNode::new_unchecked(format!("{EX}odd-int")),
            NamedNode::new_unchecked(format!("{EX}p1")),
            Literal::new_typed_literal("13", oxigraph::model::vocab::xsd::INT),
            g.clone(),
        ));
        let mut stage = Stage::new();
        for q in &quads {
            stage.insert(q.as_ref());
        }
        let reference = Store::new().unwrap();
        reference.extend(quads.clone()).unwrap();
        let empty = Store::new().unwrap();
        let tx = empty.start_transaction().unwrap();
        let staged = Staged::new(&tx, Some(stage.indexed().unwrap()));
        let s3 = NamedNode::new_unchecked(format!("{EX}s3"));
        let p1 = NamedNode::new_unchecked(format!("{EX}p1"));
        let lit = Term::from(Literal::from(13_i64));
        let other = NamedNode::new_unchecked(format!("{EX}other"));
        let subjects = [None, Some(NamedOrBlankNodeRef::from(s3.as_ref()))];
        let predicates = [None, Some(p1.as_ref()), Some(other.as_ref())];
        let objects = [None, Some(lit.as_ref())];
        let graphs = [
            None,
            Some(GraphNameRef::NamedNode(g.as_ref())),
            Some(GraphNameRef::DefaultGraph),
        ];
        for s in subjects {
            for p in predicates {
                for o in objects {
                    for gr in graphs {
                        let mut got: Vec<Quad> = staged
                            .quads_for_pattern(s, p, o, gr)
                            .collect::<Result<_, _>>()
                            .unwrap();
                        let mut want: Vec<Quad> = reference
                            .quads_for_pattern(s, p, o, gr)
                            .collect::<Result<_, _>>()
                            .unwrap();
                        got.sort_by_key(ToString::to_string);
                        want.sort_by_key(ToString::to_string);
                        assert_eq!(got, want, "{s:?} {p:?} {o:?} {gr:?}");
                    }
                }
            }
        }
    }

    fn load(quads: Vec<Quad>, into: &NamedNode) -> Change {
        Change {
            ops: vec![
                Op::DropGraph {
                    graph: into.clone().into(),
                    must_exist: false,
                },
                Op::CreateGraph(into.clone()),
                Op::Insert(quads),
            ],
            from_files: true,
            meta: Some(ChangeMeta::edit("tester", "admin", "bulk test").kind(ChangeKind::Load)),
        }
    }

    /// Every quad of the store, as N-Quads lines, with what differs between two stores by design left
    /// out (change-set times, the store id, the state) and the change-set id `id` blanked.
    fn dump(store: &WarrantStore, id: &str) -> Vec<String> {
        let mut lines: Vec<String> = store
            .oxigraph()
            .iter()
            .map(|q| q.unwrap())
            .filter(|q| {
                !matches!(
                    q.predicate.as_str(),
                    "http://www.w3.org/ns/prov#startedAtTime"
                        | "http://www.w3.org/ns/prov#endedAtTime"
                        | "https://w3id.org/warrant/ns#storeId"
                ) && q.graph_name.to_string() != "<https://w3id.org/warrant/graph/record/state>"
            })
            .map(|q| q.to_string().replace(id, "ID"))
            .collect();
        lines.sort();
        lines
    }

    fn markers(store: &WarrantStore) -> usize {
        store
            .oxigraph()
            .quads_for_pattern(None, Some(BULK_GRAPH), None, None)
            .count()
    }

    #[test]
    fn a_large_load_is_bulk_written_with_the_same_quads_and_change_set_as_a_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let disk = WarrantStore::open(dir.path(), DatasetMode::default()).unwrap();
        let memory = WarrantStore::in_memory(DatasetMode::default()).unwrap();
        let g = graph("big.nt");
        let mut quads = triples(&g, BULK_MIN_QUADS + 10);
        quads.push(quads[0].clone()); // a duplicate is added once
        let on_disk = disk.apply(load(quads.clone(), &g)).unwrap();
        let in_memory = memory.apply(load(quads, &g)).unwrap();
        assert_eq!(on_disk.added.len(), BULK_MIN_QUADS + 10);
        assert_eq!(on_disk.created_graphs, vec![g.clone()]);
        assert_eq!(in_memory.added.len(), on_disk.added.len());
        let (a, b) = (on_disk.change_id.unwrap(), in_memory.change_id.unwrap());
        let (on_disk_quads, in_memory_quads) = (dump(&disk, &a), dump(&memory, &b));
        let only = |x: &[String], y: &[String]| -> Vec<String> {
            x.iter()
                .filter(|l| !y.contains(l))
                .take(5)
                .cloned()
                .collect()
        };
        assert!(
            on_disk_quads == in_memory_quads,
            "same content and change set; only on disk: {:?}; only in memory: {:?}",
            only(&on_disk_quads, &in_memory_quads),
            only(&in_memory_quads, &on_disk_quads)
        );
        let added_part = changeset::change_graph(&format!("{a}/added/0"));
        assert_eq!(
            disk.oxigraph()
                .quads_for_pattern(None, None, None, Some(added_part.as_ref().into()))
                .count(),
            BULK_MIN_QUADS + 10,
            "the change set holds every added triple"
        );
        assert_eq!(markers(&disk), 0, "the transaction removed the markers");
        assert!(
            disk.oxigraph()
                .contains_named_graph(&NamedOrBlankNode::from(g))
                .unwrap()
        );
    }

    #[test]
    fn a_large_load_that_violates_a_shape_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = WarrantStore::open(dir.path(), DatasetMode::default()).unwrap();
        crate::validate::guard_writes(&store);
        let shapes = graph("shapes.ttl");
        let shape = NamedNode::new_unchecked(format!("{EX}shape"));
        let sh = |l: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/shacl#{l}"));
        let property = oxigraph::model::BlankNode::default();
        let shape_quads = vec![
            Quad::new(
                shape.clone(),
                oxigraph::model::vocab::rdf::TYPE,
                sh("NodeShape"),
                shapes.clone(),
            ),
            Quad::new(
                shape.clone(),
                sh("targetClass"),
                NamedNode::new_unchecked(format!("{EX}Thing")),
                shapes.clone(),
            ),
            Quad::new(shape, sh("property"), property.clone(), shapes.clone()),
            Quad::new(
                property.clone(),
                sh("path"),
                NamedNode::new_unchecked(format!("{EX}name")),
                shapes.clone(),
            ),
            Quad::new(property, sh("minCount"), Literal::from(1), shapes.clone()),
        ];
        store.apply(load(shape_quads, &shapes)).unwrap();
        let before = dump(&store, "-");
        let g = graph("big.nt");
        let mut quads = triples(&g, BULK_MIN_QUADS);
        quads.push(Quad::new(
            NamedNode::new_unchecked(format!("{EX}nameless")),
            oxigraph::model::vocab::rdf::TYPE,
            NamedNode::new_unchecked(format!("{EX}Thing")),
            g.clone(),
        ));
        let err = store.apply(load(quads, &g)).unwrap_err();
        assert!(matches!(err, StoreError::Rejected { .. }), "{err}");
        assert_eq!(dump(&store, "-"), before, "nothing written");
        assert_eq!(markers(&store), 0);
    }

    #[test]
    fn a_load_interrupted_between_its_two_commits_is_undone_when_the_store_opens() {
        let dir = tempfile::tempdir().unwrap();
        let g = graph("big.nt");
        let before = {
            let store = WarrantStore::open(dir.path(), DatasetMode::default()).unwrap();
            store
                .apply(load(triples(&graph("small.nt"), 10), &graph("small.nt")))
                .unwrap();
            let before = dump(&store, "-");
            // step 1 of a bulk commit, then the process dies before the transaction commits
            let mut stage = Stage::new();
            for q in triples(&g, 1000) {
                stage.insert(q.as_ref());
            }
            let change = changeset::change_iri("00000009-abcdef");
            let records = vec![Quad::new(
                change.clone(),
                oxigraph::model::vocab::rdf::TYPE,
                NamedNode::new_unchecked("https://w3id.org/warrant/ns#ChangeSet"),
                changeset::change_graph("00000009-abcdef"),
            )];
            write(store.oxigraph(), &change, &stage, &records).unwrap();
            assert_eq!(
                markers(&store),
                2,
                "the content graph and the change-set graph"
            );
            assert!(store.oxigraph().len().unwrap() > 1000);
            before
        };
        let store = WarrantStore::open(dir.path(), DatasetMode::default()).unwrap();
        assert_eq!(dump(&store, "-"), before, "exactly as before the load");
        assert_eq!(markers(&store), 0);
        let names: BTreeMap<String, ()> = store
            .oxigraph()
            .named_graphs()
            .map(|n| (n.unwrap().to_string(), ()))
            .collect();
        assert!(
            !names.contains_key(&format!("<{}>", g.as_str())),
            "{names:?}"
        );
    }
}
