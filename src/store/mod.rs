//! The embedded store: an Oxigraph dataset (on disk or in memory) with Warrant's dataset rules.
//!
//! Queries see, by default, the union of the *content* graphs (the default graph, every loaded file's
//! graph, the inferred graph) as their default graph — record graphs (derivations, change sets, the
//! file catalog) never take part. `--strict-dataset` switches to plain SPARQL 1.1 dataset semantics.
//! Every write goes through [`WarrantStore::apply`] (see [`write`]).

mod backup;
mod bind;
mod bulk;
pub mod changeset;
mod derived;
mod error;
pub mod history;
mod hooks;
mod prune;
mod query;
mod reach;
mod records;
mod results;
mod select;
mod state;
mod stats;
mod sync;
mod update;
mod view;
mod write;

pub use bulk::{BULK_MEMORY_MB, Staged};
pub use changeset::{ChangeKind, ChangeMeta};
pub use derived::EpochMemo;
pub use error::StoreError;
pub use hooks::{ServiceError, WriteGuard, WriteObserver};
pub use query::{ParsedQuery, ProtocolDataset, QueryForm, parse_query};
pub use records::{RecordBatch, RecordWriter};
pub use results::{OutputFormat, write_results, write_results_until};
pub use select::{embedded_query, value_of};
pub use state::StoreState;
pub use sync::{DEFAULT_DATA, SyncReport, catalog_entry, catalog_quads, sha256_hex, sync_files};
pub use update::parse_update;
pub use view::View;
pub use write::{Applied, Change, Op};

use crate::vocab;
use oxigraph::model::{GraphName, NamedOrBlankNode};
use oxigraph::store::Store;
use std::path::Path;
use std::sync::Arc;

/// The graphs queries see: the content graphs (the default graph in union mode) and the named
/// graphs `GRAPH ?g` ranges over (every graph but the catalog and the change sets; the derivations
/// graph is queryable by name and by `GRAPH ?g`).
struct Layout {
    content: Vec<GraphName>,
    queryable: Vec<NamedOrBlankNode>,
}

/// How the default graph of a query without a dataset description is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DatasetMode {
    /// Union of all content graphs (like Fuseki's `unionDefaultGraph`): clients need not know the layout.
    #[default]
    UnionOfContent,
    /// Plain SPARQL 1.1: the default graph is the store's own default graph.
    Strict,
}

/// Warrant's store: Oxigraph plus the dataset mode. Cheap to clone (shares the same database and
/// the same registered observers and SERVICE handlers).
#[derive(Clone)]
pub struct WarrantStore {
    store: Store,
    mode: DatasetMode,
    hooks: Arc<hooks::Hooks>,
    records: RecordWriter,
    /// Whether the store is on disk (large loads then use the bulk loader: see [`bulk`]).
    on_disk: bool,
}

impl WarrantStore {
    /// Opens (or creates) the on-disk store in `dir`.
    pub fn open(dir: &Path, mode: DatasetMode) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        let store = Store::open(dir).map_err(|e| StoreError::Open {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        bulk::recover(&store)?;
        Ok(Self {
            on_disk: true,
            ..Self::over(store, mode)
        })
    }

    /// A fresh store in memory (nothing written to disk).
    pub fn in_memory(mode: DatasetMode) -> Result<Self, StoreError> {
        Ok(Self::over(Store::new()?, mode))
    }

    fn over(store: Store, mode: DatasetMode) -> Self {
        Self {
            records: RecordWriter::new(store.clone()),
            store,
            mode,
            hooks: Arc::default(),
            on_disk: false,
        }
    }

    /// The background writer of this store's record graphs (shared by all clones): the reasoner
    /// hands it the derivation records of each write.
    pub fn record_writer(&self) -> &RecordWriter {
        &self.records
    }

    /// The records barrier: waits until every derivation record of every write that has returned
    /// is in the store. Every reader of a record graph calls it first (SPARQL over those graphs,
    /// `/why`, export, the CLI before it exits). Fails when writing records failed.
    pub fn wait_records(&self) -> Result<(), StoreError> {
        self.records.wait()
    }

    /// The underlying Oxigraph store, for read access by later stages (reasoner, search, export).
    /// Writes go through [`WarrantStore::apply`] or [`WarrantStore::write_directly`], never through
    /// this handle: derived caches rely on seeing every write.
    pub fn oxigraph(&self) -> &Store {
        &self.store
    }

    /// The dataset mode this store answers queries with.
    pub fn mode(&self) -> DatasetMode {
        self.mode
    }

    /// The graphs whose union is the default graph in [`DatasetMode::UnionOfContent`]: the store's
    /// default graph and every named graph that is not a record graph.
    pub fn content_graphs(&self) -> Result<Vec<GraphName>, StoreError> {
        Ok(self.layout()?.content.clone())
    }

    /// Which graphs queries see, remembered per write epoch: listing the named graphs costs a scan
    /// of all of them, and every recorded change adds some (its change-set graphs).
    fn layout(&self) -> Result<Arc<Layout>, StoreError> {
        struct Memo(derived::EpochMemo<(), Arc<Layout>>);
        impl Default for Memo {
            fn default() -> Self {
                Self(derived::EpochMemo::new(1))
            }
        }
        self.shared::<Memo>().0.get_one(self, (), |_| {
            let mut layout = Layout {
                content: vec![GraphName::DefaultGraph],
                queryable: Vec::new(),
            };
            for graph in self.store.named_graphs() {
                let graph = graph?;
                if let NamedOrBlankNode::NamedNode(n) = &graph {
                    let iri = n.as_str();
                    if !vocab::is_record_graph(iri) {
                        layout.content.push(n.clone().into());
                    }
                    // the derivations graph is written by the background record writer, outside
                    // the write epochs: whether it exists is asked per query (`queryable_graphs`)
                    if iri.starts_with(vocab::RECORD_GRAPH)
                        || iri.starts_with(vocab::CHANGE_GRAPH)
                        || n.as_ref() == vocab::DERIVATIONS_GRAPH
                    {
                        continue;
                    }
                } else if let NamedOrBlankNode::BlankNode(b) = &graph {
                    layout.content.push(b.clone().into());
                }
                layout.queryable.push(graph);
            }
            Ok(Arc::new(layout))
        })
    }

    /// The named graphs `GRAPH ?g` ranges over: every graph but the catalog and the change sets.
    fn queryable_graphs(&self, layout: &Layout) -> Result<Vec<NamedOrBlankNode>, StoreError> {
        let mut graphs = layout.queryable.clone();
        if self.store.contains_named_graph(vocab::DERIVATIONS_GRAPH)? {
            graphs.push(vocab::DERIVATIONS_GRAPH.into_owned().into());
        }
        Ok(graphs)
    }

    /// The lexical value of the first literal `subject predicate "value"` (in `graph`, or in any
    /// content graph when `None`: never a value kept in a change set).
    pub fn literal_of(
        &self,
        subject: oxigraph::model::NamedNodeRef<'_>,
        predicate: oxigraph::model::NamedNodeRef<'_>,
        graph: Option<oxigraph::model::GraphNameRef<'_>>,
    ) -> Result<Option<String>, StoreError> {
        for quad in self
            .store
            .quads_for_pattern(Some(subject.into()), Some(predicate), None, graph)
        {
            let quad = quad?;
            if graph.is_none() && !View::Content.sees(quad.graph_name.as_ref()) {
                continue;
            }
            if let oxigraph::model::Term::Literal(l) = quad.object {
                return Ok(Some(l.value().to_owned()));
            }
        }
        Ok(None)
    }

    /// Whether a named graph exists (it may be empty).
    pub fn has_graph(&self, graph: &oxigraph::model::NamedNode) -> Result<bool, StoreError> {
        Ok(self.store.contains_named_graph(graph)?)
    }

    /// The state of the store as last committed (see [`StoreState`]).
    pub fn state(&self) -> Result<StoreState, StoreError> {
        state::read(&self.store)
    }

    /// Number of quads in the whole dataset.
    pub fn len(&self) -> Result<usize, StoreError> {
        Ok(self.store.len()?)
    }

    /// Whether the dataset holds no quad.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.store.is_empty()?)
    }
}
