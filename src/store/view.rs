//! Reading the store through Warrant's views, for the stages above it: the *asserted* content
//! (every content graph but the inferred one: what curators edit and the reasoner reads), the whole
//! *content* (asserted plus inferred: what queries see by default), one graph, and the change sets.
//! Record graphs (change sets, derivations, the catalog) never show through the content views, so a
//! deleted resource's old triples kept in a change set never look like facts.

use super::history::{self, ChangeSet, Triples};
use super::{StoreError, WarrantStore};
use crate::vocab;
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, TermRef,
};

/// Which graphs a read ranges over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Every content graph but the inferred one.
    Asserted,
    /// Every content graph, the inferred one included.
    Content,
}

impl View {
    /// Whether a quad in `graph` is seen through this view.
    pub fn sees(self, graph: GraphNameRef<'_>) -> bool {
        match self {
            Self::Asserted => vocab::is_asserted_content(graph),
            Self::Content => match graph {
                GraphNameRef::NamedNode(n) => !vocab::is_record_graph(n.as_str()),
                _ => true,
            },
        }
    }
}

impl WarrantStore {
    /// The quads matching a pattern in the graphs of `view` (a triple in several graphs comes once
    /// per graph).
    pub fn view_quads(
        &self,
        view: View,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = Result<Quad, StoreError>> + use<> {
        self.store
            .quads_for_pattern(subject, predicate, object, None)
            .filter_map(move |q| match q {
                Ok(q) if view.sees(q.graph_name.as_ref()) => Some(Ok(q)),
                Ok(_) => None,
                Err(e) => Some(Err(e.into())),
            })
    }

    /// The quads matching a pattern in one graph (any graph: a record graph's readers call
    /// [`WarrantStore::wait_records`] first).
    pub fn graph_quads(
        &self,
        graph: GraphNameRef<'_>,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> impl Iterator<Item = Result<Quad, StoreError>> + use<> {
        self.store
            .quads_for_pattern(subject, predicate, object, Some(graph))
            .map(|q| q.map_err(StoreError::from))
    }

    /// Every quad of the dataset, records included (export, `GET /store`).
    pub fn all_quads(&self) -> impl Iterator<Item = Result<Quad, StoreError>> + use<> {
        self.store.iter().map(|q| q.map_err(StoreError::from))
    }

    /// Read access to the record graphs for the readers of derivations (`/why`, `warrant why`): waits
    /// at the records barrier first ([`WarrantStore::wait_records`]), so every record of every write
    /// that has returned is there.
    pub fn records(&self) -> Result<&oxigraph::store::Store, StoreError> {
        self.wait_records()?;
        Ok(&self.store)
    }

    /// Whether the store holds exactly this quad.
    pub fn contains_quad(&self, quad: QuadRef<'_>) -> Result<bool, StoreError> {
        Ok(self.store.contains(quad)?)
    }

    /// Whether `subject` has `rdf:type class` in the graphs of `view`.
    pub fn has_type(
        &self,
        view: View,
        subject: NamedNodeRef<'_>,
        class: NamedNodeRef<'_>,
    ) -> Result<bool, StoreError> {
        Ok(self
            .view_quads(
                view,
                Some(subject.into()),
                Some(vocab::RDF_TYPE),
                Some(class.into()),
            )
            .next()
            .transpose()?
            .is_some())
    }

    /// The graphs of `view` that exist (the default graph first).
    pub fn view_graphs(&self, view: View) -> Result<Vec<GraphName>, StoreError> {
        let mut graphs = self.content_graphs()?;
        graphs.retain(|g| view.sees(g.as_ref()));
        Ok(graphs)
    }

    /// Change set `id` with the triples `triples` selects (None when there is none).
    pub fn change_set(&self, id: &str, triples: &Triples) -> Result<Option<ChangeSet>, StoreError> {
        history::read_with(&self.store, id, triples)
    }

    /// The change sets touching `iri`, newest first, each with (at most `limit` per side of) the
    /// triples describing `iri` — never a whole file load's.
    pub fn changes_touching(
        &self,
        iri: &NamedNode,
        limit: usize,
    ) -> Result<Vec<ChangeSet>, StoreError> {
        history::touching(&self.store, iri, limit)
    }

    /// The change sets touching `iri`, newest first, without their triples.
    pub fn change_summaries_touching(&self, iri: &NamedNode) -> Result<Vec<ChangeSet>, StoreError> {
        history::summaries_touching(&self.store, iri)
    }

    /// Every resource a change set other than a file load touched (see
    /// [`history::touched_by_non_loads`]).
    pub fn touched_by_non_loads(&self) -> Result<std::collections::HashSet<NamedNode>, StoreError> {
        history::touched_by_non_loads(&self.store)
    }

    /// Every change set committed after `generation`, newest first, with all its triples.
    pub fn changes_since(&self, generation: u64) -> Result<Vec<ChangeSet>, StoreError> {
        history::since(&self.store, generation)
    }

    /// One page of all change sets, newest first, and how many there are in all.
    pub fn recent_changes(
        &self,
        limit: usize,
        offset: usize,
        triples: &Triples,
    ) -> Result<(usize, Vec<ChangeSet>), StoreError> {
        history::recent(&self.store, limit, offset, triples)
    }
}
