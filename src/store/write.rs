//! The one write path: every change to the store — SPARQL Update, Graph Store Protocol, loads, the
//! start-up file sync — is a [`Change`] applied by [`WarrantStore::apply`] in one transaction.
//!
//! Applying computes the exact quads added and removed (quads already present are not "added",
//! absent ones not "removed"), so that later stages (inferred graph, search index, change sets) can
//! follow the store precisely. A change that fails at any step is rolled back whole.

use super::bulk::{self, Stage, Staged};
use super::changeset::{self, ChangeMeta};
use super::{StoreError, WarrantStore, state, update};
use crate::vocab;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, QuadRef};
use oxigraph::sparql::CancellationToken;
use oxigraph::store::Transaction;
use std::collections::HashSet;

/// One step of a change.
#[derive(Debug, Clone)]
pub enum Op {
    /// A SPARQL 1.1 Update request, with the protocol's `using-graph-uri` / `using-named-graph-uri`.
    Update {
        /// The parsed update.
        update: spargebra::Update,
        /// `using-graph-uri` values (default graph of the WHERE clauses without USING / WITH).
        using_default: Vec<NamedNode>,
        /// `using-named-graph-uri` values.
        using_named: Vec<NamedNode>,
    },
    /// Add quads (present ones are left alone).
    Insert(Vec<Quad>),
    /// Remove quads (absent ones are ignored).
    Remove(Vec<Quad>),
    /// Create an empty named graph if it does not exist.
    CreateGraph(NamedNode),
    /// Remove every quad of a graph and, for a named graph, the graph itself.
    /// With `must_exist`, a missing named graph is an error.
    DropGraph {
        /// The graph to drop.
        graph: GraphName,
        /// Fail with [`StoreError::GraphNotFound`] when the named graph does not exist.
        must_exist: bool,
    },
    /// Remove every quad of a graph but keep the (named) graph.
    ClearGraph(GraphName),
}

/// A change: operations applied in order, all or nothing.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// The operations, in order.
    pub ops: Vec<Op>,
    /// Whether this change (re)loads files. Any other change that touches a file's graph marks that
    /// graph as edited since its load, so that start-up never silently replaces curated work.
    pub from_files: bool,
    /// Who makes the change and why. With it, the change is kept as a change set (a PROV activity
    /// with the exact quads added and removed, see [`super::changeset`]) and may not write record
    /// graphs; without it (internal maintenance only) nothing is recorded.
    pub meta: Option<ChangeMeta>,
}

impl Change {
    /// A change of one operation.
    pub fn one(op: Op) -> Self {
        Self {
            ops: vec![op],
            ..Self::default()
        }
    }

    /// The same change, recorded as a change set made by `meta`.
    #[must_use]
    pub fn by(mut self, meta: ChangeMeta) -> Self {
        self.meta = Some(meta);
        self
    }
}

/// What a committed change did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Quads that were not in the store before and are now.
    pub added: Vec<Quad>,
    /// Quads that were in the store before and are not now.
    pub removed: Vec<Quad>,
    /// Named graphs that did not exist before and do now.
    pub created_graphs: Vec<NamedNode>,
    /// Named graphs that existed before and do not now (even when they were empty).
    pub dropped_graphs: Vec<NamedNode>,
    /// The id of the change set recording this change (when the change had [`ChangeMeta`] and did
    /// something).
    pub change_id: Option<String>,
}

impl Applied {
    /// Whether the change did nothing at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.created_graphs.is_empty()
            && self.dropped_graphs.is_empty()
    }
}

/// Exact bookkeeping of a transaction's effect.
pub(super) struct Diff<'a, 'b> {
    pub(super) tx: &'a mut Transaction<'b>,
    added: HashSet<Quad>,
    removed: HashSet<Quad>,
    created: Vec<NamedNode>,
    dropped: Vec<NamedNode>,
    /// Named graphs known to exist in the transaction's view (so that inserting many quads into
    /// one graph asks the store once, not once per quad); a graph leaves it when dropped.
    existing: HashSet<String>,
    /// For a bulk load: the quads of graphs this change created, kept out of the transaction.
    stage: Option<Stage>,
}

impl<'a, 'b> Diff<'a, 'b> {
    fn new(tx: &'a mut Transaction<'b>, stage: Option<Stage>) -> Self {
        Self {
            stage,
            tx,
            added: HashSet::new(),
            removed: HashSet::new(),
            created: Vec::new(),
            dropped: Vec::new(),
            existing: HashSet::new(),
        }
    }

    /// Inserts a quad, recording it when it was absent.
    pub(super) fn insert(&mut self, quad: QuadRef<'_>) -> Result<(), StoreError> {
        if let oxigraph::model::GraphNameRef::NamedNode(g) = quad.graph_name {
            if !self.existing.contains(g.as_str()) {
                let g = g.into_owned();
                self.note_graph(&g)?;
                self.existing.insert(g.as_str().to_owned());
            }
            if let Some(stage) = &mut self.stage {
                if !vocab::is_record_graph(g.as_str())
                    && self.created.iter().any(|c| c.as_ref() == g)
                {
                    if stage.insert(quad) {
                        self.note_added(quad.into_owned());
                    }
                    return Ok(());
                }
            }
        }
        if !self.tx.contains(quad)? {
            self.tx.insert(quad);
            self.note_added(quad.into_owned());
        }
        Ok(())
    }

    /// Records an inserted quad: it cancels its own removal earlier in the change, else it is
    /// added (a load removes nothing: no hashing to look for a removal then).
    fn note_added(&mut self, quad: Quad) {
        if self.removed.is_empty() || !self.removed.remove(&quad) {
            self.added.insert(quad);
        }
    }

    /// Removes a quad, recording it when it was present.
    pub(super) fn remove(&mut self, quad: QuadRef<'_>) -> Result<(), StoreError> {
        if let (Some(stage), GraphNameRef::NamedNode(g)) = (&mut self.stage, quad.graph_name) {
            if stage.holds(g) {
                let quad = quad.into_owned();
                if stage.remove(&quad) {
                    self.added.remove(&quad);
                }
                return Ok(());
            }
        }
        if self.tx.contains(quad)? {
            self.tx.remove(quad);
            let quad = quad.into_owned();
            if !self.added.remove(&quad) {
                self.removed.insert(quad);
            }
        }
        Ok(())
    }

    /// Whether a named graph exists (seeing this transaction's own changes).
    pub(super) fn graph_exists(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        Ok(self
            .tx
            .contains_named_graph(&NamedOrBlankNode::from(graph.clone()))?)
    }

    /// Creates a named graph if missing.
    pub(super) fn create_graph(&mut self, graph: &NamedNode) -> Result<(), StoreError> {
        self.note_graph(graph)?;
        self.tx.insert_named_graph(graph);
        self.existing.insert(graph.as_str().to_owned());
        Ok(())
    }

    fn note_graph(&mut self, graph: &NamedNode) -> Result<(), StoreError> {
        if !self.graph_exists(graph)? && !self.created.contains(graph) {
            if self.dropped.contains(graph) {
                self.dropped.retain(|d| d != graph);
            } else {
                self.created.push(graph.clone());
            }
        }
        Ok(())
    }

    /// Removes every quad of `graph`; drops the named graph too when `drop` is set.
    pub(super) fn clear(&mut self, graph: &GraphName, drop: bool) -> Result<(), StoreError> {
        if let (Some(stage), GraphName::NamedNode(g)) = (&mut self.stage, graph) {
            if stage.holds(g.as_ref()) {
                for quad in stage.quads_of(g.as_ref()) {
                    stage.remove(&quad);
                    self.added.remove(&quad);
                }
            }
        }
        let quads = self
            .tx
            .quads_for_pattern(None, None, None, Some(graph.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        for quad in &quads {
            self.remove(quad.as_ref())?;
        }
        if drop {
            if let GraphName::NamedNode(g) = graph {
                self.existing.remove(g.as_str());
                let existed = self.graph_exists(g)?;
                self.tx.remove_named_graph(g)?;
                let was_created = self.created.contains(g);
                self.created.retain(|c| c != g);
                if existed && !was_created && !self.dropped.contains(g) {
                    self.dropped.push(g.clone());
                }
            }
        }
        Ok(())
    }

    /// Every named graph currently in the transaction's view.
    pub(super) fn named_graphs(&self) -> Result<Vec<NamedOrBlankNode>, StoreError> {
        Ok(self.tx.named_graphs().collect::<Result<Vec<_>, _>>()?)
    }

    fn finish(self) -> (Applied, Option<Stage>) {
        let applied = Applied {
            added: self.added.into_iter().collect(),
            removed: self.removed.into_iter().collect(),
            created_graphs: self.created,
            dropped_graphs: self.dropped,
            change_id: None,
        };
        (applied, self.stage)
    }
}

impl WarrantStore {
    /// Applies a change atomically: every operation in order, then one commit. On error nothing is
    /// written. This is the single function through which all writes pass.
    ///
    /// Writes are serialised. A change that did anything bumps the store's
    /// [`StoreState`](super::StoreState) in the same transaction; after the commit the registered
    /// [`WriteObserver`](super::WriteObserver)s are told, before this returns.
    pub fn apply(&self, change: Change) -> Result<Applied, StoreError> {
        self.apply_planned(|_| Ok::<_, StoreError>(change))
    }

    /// [`apply`](Self::apply) that gives up when `cancel` is cancelled (a time limit): the
    /// transaction is rolled back, the write lock released and [`StoreError::Cancelled`] returned;
    /// nothing of the change is written. It is checked before the transaction opens, between
    /// operations, while an update's WHERE clause is evaluated and while its templates are
    /// instantiated.
    pub fn apply_until(
        &self,
        change: Change,
        cancel: &CancellationToken,
    ) -> Result<Applied, StoreError> {
        let _serialised = self.serialise_writes();
        let _writing = super::derived::Writing::begin(&self.hooks.epoch);
        self.apply_serialised(change, Some(cancel))
    }

    /// The write lock: held, no other write can begin (see [`Self::apply_planned`]).
    pub(super) fn serialise_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.hooks
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Plans a change from the current state and applies it, with no other write in between:
    /// `plan` runs while writes are serialised, reading the store as last committed, so that a
    /// check it makes (an ETag, a conflict) still holds when the change commits.
    pub fn apply_planned<E: From<StoreError>>(
        &self,
        plan: impl FnOnce(&WarrantStore) -> Result<Change, E>,
    ) -> Result<Applied, E> {
        let _serialised = self.serialise_writes();
        // Covers the plan's reads, the commit and the observers' own writes (the inferred graph), for derived caches.
        let _writing = super::derived::Writing::begin(&self.hooks.epoch);
        let change = plan(self)?;
        Ok(self.apply_serialised(change, None)?)
    }

    fn apply_serialised(
        &self,
        change: Change,
        cancel: Option<&CancellationToken>,
    ) -> Result<Applied, StoreError> {
        let alive = || match cancel {
            Some(token) if token.is_cancelled() => Err(StoreError::Cancelled),
            _ => Ok(()),
        };
        alive()?;
        let reads_records = change.ops.iter().any(|op| {
            matches!(op, Op::Update { update, using_default, using_named }
                if super::reach::update_reaches_records(update, using_default, using_named))
        });
        if reads_records {
            // Before the transaction opens (never wait inside one). The write lock is held, so no
            // new record batch can be queued: the WHERE clauses see every record.
            self.wait_records()?;
        }
        let stage = if self.takes_bulk_path(&change) {
            Some(Stage::new())
        } else {
            None
        };
        let mut tx = self.store.start_transaction()?;
        let before = state::read_in(&tx)?;
        let mut diff = Diff::new(&mut tx, stage);
        // by reference: a load's insert operation holds every quad of its files
        for op in &change.ops {
            alive()?;
            match op {
                Op::Update {
                    update,
                    using_default,
                    using_named,
                } => update::execute(self, &mut diff, update, using_default, using_named, cancel)?,
                Op::Insert(quads) => {
                    for quad in quads {
                        diff.insert(quad.as_ref())?;
                    }
                }
                Op::Remove(quads) => {
                    for quad in quads {
                        diff.remove(quad.as_ref())?;
                    }
                }
                Op::CreateGraph(graph) => diff.create_graph(graph)?,
                Op::DropGraph { graph, must_exist } => {
                    if let GraphName::NamedNode(g) = graph {
                        if !diff.graph_exists(g)? {
                            if *must_exist {
                                return Err(StoreError::GraphNotFound(g.clone()));
                            }
                            continue;
                        }
                    }
                    diff.clear(graph, true)?;
                }
                Op::ClearGraph(graph) => diff.clear(graph, false)?,
            }
        }
        alive()?;
        let (mut applied, mut stage) = diff.finish();
        applied.removed.retain(|q| !state::is_state_quad(q));
        applied.added.retain(|q| !state::is_state_quad(q));
        if applied.is_empty() {
            return Ok(applied);
        }
        if change.meta.is_some() && !change.from_files {
            refuse_record_graphs(&applied)?;
        }
        let timer = std::time::Instant::now();
        let guards = self.hooks.guards();
        if !guards.is_empty() {
            let staged_quads = match &mut stage {
                Some(stage) if !stage.is_empty() => Some(stage.indexed()?),
                _ => None,
            };
            let staged = Staged::new(&tx, staged_quads);
            for guard in guards {
                guard.check(&staged, &applied)?;
            }
        }
        let checked = timer.elapsed();
        let after = state::bump(&mut tx, &before)?;
        let mut markers = Vec::new();
        if let Some(meta) = &change.meta {
            let (id, records) = changeset::describe(&tx, meta, &applied, &after)?;
            match &stage {
                Some(stage) if !stage.is_empty() => {
                    alive()?;
                    let described = timer.elapsed();
                    markers =
                        bulk::write(&self.store, &changeset::change_iri(&id), stage, &records)?;
                    bulk::clear_markers(&mut tx, &markers);
                    tracing::debug!(
                        "bulk load of {} quads and {} change-set quads: checked in {:?}, change set described in {:?}, written in {:?}",
                        applied.added.len(),
                        records.len(),
                        checked,
                        described - checked,
                        timer.elapsed() - described
                    );
                }
                _ => {
                    for q in &records {
                        tx.insert(q.as_ref());
                    }
                }
            }
            applied.change_id = Some(id);
        }
        self.commit(tx, change.from_files, applied, &after)
            .inspect_err(|_| {
                if !markers.is_empty() {
                    // the bulk half committed, the transaction did not: undo the bulk half now
                    if let Err(e) = bulk::recover(&self.store) {
                        tracing::error!("undoing the interrupted load failed: {e}; it is undone when the store next opens");
                    }
                }
            })
    }

    /// Whether `change` stages the quads of graphs it creates for the bulk loader (see
    /// [`super::bulk`]): a large recorded change from files (no SPARQL Update, whose WHERE clauses
    /// would not see staged quads) on an on-disk store.
    fn takes_bulk_path(&self, change: &Change) -> bool {
        let inserts: usize = change
            .ops
            .iter()
            .map(|op| match op {
                Op::Insert(quads) => quads.len(),
                _ => 0,
            })
            .sum();
        self.on_disk
            && change.from_files
            && change.meta.is_some()
            && inserts >= bulk::BULK_MIN_QUADS
            && !change.ops.iter().any(|op| matches!(op, Op::Update { .. }))
    }

    fn commit(
        &self,
        mut tx: Transaction<'_>,
        from_files: bool,
        applied: Applied,
        after: &super::StoreState,
    ) -> Result<Applied, StoreError> {
        if !from_files {
            mark_edited_file_graphs(&mut tx, &applied);
        }
        let timer = std::time::Instant::now();
        tx.commit()?;
        let committed = timer.elapsed();
        for observer in self.hooks.observers() {
            observer.committed(self, &applied, after);
        }
        tracing::debug!(
            "change committed in {committed:?}; the observers (reasoner, search index) followed in {:?}",
            timer.elapsed() - committed
        );
        Ok(applied)
    }
}

/// Refuses a recorded change that writes a record graph (derivations, change sets, the catalog) or
/// the inferred graph: records are kept by Warrant and the inferred graph is the reasoner's, never
/// edited.
fn refuse_record_graphs(applied: &Applied) -> Result<(), StoreError> {
    let inferred =
        |g: &GraphName| matches!(g, GraphName::NamedNode(n) if n.as_ref() == vocab::INFERRED_GRAPH);
    let touches_inferred = applied
        .added
        .iter()
        .chain(&applied.removed)
        .any(|q| inferred(&q.graph_name))
        || applied
            .created_graphs
            .iter()
            .chain(&applied.dropped_graphs)
            .any(|g| g.as_ref() == vocab::INFERRED_GRAPH);
    if touches_inferred {
        return Err(StoreError::Forbidden(format!(
            "{} is the inferred graph: only the reasoner writes it (change the asserted triples it follows from instead)",
            vocab::INFERRED_GRAPH
        )));
    }
    let in_quads = applied
        .added
        .iter()
        .chain(&applied.removed)
        .find(|q| changeset::is_record(q))
        .map(|q| q.graph_name.to_string());
    let named = applied
        .created_graphs
        .iter()
        .chain(&applied.dropped_graphs)
        .find(|g| vocab::is_record_graph(g.as_str()))
        .map(ToString::to_string);
    match in_quads.or(named) {
        Some(graph) => Err(StoreError::Forbidden(format!(
            "{graph} is a record graph (derivations, change sets, catalog): Warrant keeps it, nobody edits it"
        ))),
        None => Ok(()),
    }
}

/// Records in the catalog that the file graphs touched by an edit differ from their files.
fn mark_edited_file_graphs(tx: &mut Transaction<'_>, applied: &Applied) {
    let mut marked: HashSet<&NamedNode> = HashSet::new();
    for quad in applied.added.iter().chain(&applied.removed) {
        if let GraphName::NamedNode(g) = &quad.graph_name {
            if g.as_str().starts_with(vocab::FILE_GRAPH) && marked.insert(g) {
                let edited = oxigraph::model::Literal::from(true);
                tx.insert(QuadRef::new(
                    g,
                    vocab::EDITED_SINCE_LOAD,
                    &edited,
                    vocab::CATALOG_GRAPH,
                ));
            }
        }
    }
}
