//! Read access to the data graph the validator checks.
//!
//! [`DataView`] is the handful of lookups SHACL Core needs (objects, subjects, triples of a
//! predicate, outgoing triples, class membership). It is implemented for an in-memory
//! [`Graph`], for a [`Dataset`] restricted to some graphs ([`DatasetView`]), for a [`Store`]
//! restricted to some graphs ([`StoreView`]) and for an open [`Transaction`]
//! ([`TransactionView`], which sees its own uncommitted writes: stage, validate, then commit
//! or drop). A view over several graphs is their union: a triple present in two graphs is
//! seen once.

use std::collections::HashSet;
use std::hash::Hash;

use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{
    Dataset, Graph, GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode,
    NamedOrBlankNodeRef, QuadRef, Term, TermRef, Triple, TripleRef,
};
use oxigraph::store::{StorageError, Store, Transaction};

/// The lookups the validator makes on the data graph (and on the shapes graph while parsing it).
///
/// Every method returns each answer once (set semantics), in a stable order for in-memory
/// graphs. Storage errors are passed on, never swallowed: a failed read must not pass as valid.
pub trait DataView {
    /// The triples matching a pattern (`None` = any), each once.
    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> Result<Vec<Triple>, StorageError>;

    /// Objects `o` of the triples `subject predicate o`.
    fn objects(
        &self,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Vec<Term>, StorageError> {
        Ok(project(
            self.matching(Some(subject), Some(predicate), None)?,
            |t| t.object,
        ))
    }

    /// Subjects `s` of the triples `s predicate object`.
    fn subjects(
        &self,
        predicate: NamedNodeRef<'_>,
        object: TermRef<'_>,
    ) -> Result<Vec<NamedOrBlankNode>, StorageError> {
        Ok(project(
            self.matching(None, Some(predicate), Some(object))?,
            |t| t.subject,
        ))
    }

    /// Subject and object of every triple with this predicate.
    fn triples_with_predicate(
        &self,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Vec<(NamedOrBlankNode, Term)>, StorageError> {
        Ok(project(self.matching(None, Some(predicate), None)?, |t| {
            (t.subject, t.object)
        }))
    }

    /// Predicate and object of every triple with this subject.
    fn outgoing(
        &self,
        subject: NamedOrBlankNodeRef<'_>,
    ) -> Result<Vec<(NamedNode, Term)>, StorageError> {
        Ok(project(self.matching(Some(subject), None, None)?, |t| {
            (t.predicate, t.object)
        }))
    }

    /// Whether `node` is a SHACL instance of `class`: it has an `rdf:type` that is `class` or
    /// reaches it through `rdfs:subClassOf*`.
    fn is_instance_of(&self, node: TermRef<'_>, class: TermRef<'_>) -> Result<bool, StorageError> {
        let Some(subject) = as_subject(node) else {
            return Ok(false);
        };
        let mut seen = HashSet::new();
        let mut stack = self.objects(subject, rdf::TYPE)?;
        while let Some(candidate) = stack.pop() {
            if candidate.as_ref() == class {
                return Ok(true);
            }
            if let Some(sub) = as_subject(candidate.as_ref()) {
                if seen.insert(candidate.clone()) {
                    stack.extend(self.objects(sub, rdfs::SUB_CLASS_OF)?);
                }
            }
        }
        Ok(false)
    }
}

/// The term as a triple subject, if it can be one (IRIs and blank nodes).
pub(crate) fn as_subject(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

/// Maps distinct triples to parts of them, keeping the first occurrence of each part.
fn project<T: Eq + Hash + Clone>(triples: Vec<Triple>, part: impl Fn(Triple) -> T) -> Vec<T> {
    dedup(triples.into_iter().map(part))
}

/// Keeps the first occurrence of each item, in order.
fn dedup<T: Eq + Hash + Clone>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|item| seen.insert(item.clone()))
        .collect()
}

impl DataView for Graph {
    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> Result<Vec<Triple>, StorageError> {
        let keep = |t: &TripleRef<'_>| {
            subject.is_none_or(|s| t.subject == s)
                && predicate.is_none_or(|p| t.predicate == p)
                && object.is_none_or(|o| t.object == o)
        };
        let triples: Box<dyn Iterator<Item = TripleRef<'_>>> = match (subject, object, predicate) {
            (Some(s), _, _) => Box::new(self.triples_for_subject(s)),
            (None, Some(o), _) => Box::new(self.triples_for_object(o)),
            (None, None, Some(p)) => Box::new(self.triples_for_predicate(p)),
            (None, None, None) => Box::new(self.iter()),
        };
        Ok(triples.filter(keep).map(TripleRef::into_owned).collect())
    }
}

/// Which graphs of a dataset or store a view sees.
#[derive(Debug, Clone)]
enum Graphs {
    /// Every graph, the default graph included.
    All,
    /// Only these graphs (their union).
    Only(HashSet<GraphName>),
    /// The graphs a predicate accepts.
    Matching(fn(GraphNameRef<'_>) -> bool),
}

impl Graphs {
    fn new(graphs: impl IntoIterator<Item = GraphName>) -> Self {
        Self::Only(graphs.into_iter().collect())
    }

    fn contains(&self, graph: GraphNameRef<'_>) -> bool {
        match self {
            Self::All => true,
            Self::Only(set) => set.contains(&graph.into_owned()),
            Self::Matching(accepts) => accepts(graph),
        }
    }

    /// The one graph to ask the backend for, when the view has exactly one.
    fn single(&self) -> Option<GraphNameRef<'_>> {
        match self {
            Self::Only(set) if set.len() == 1 => set.iter().next().map(GraphName::as_ref),
            _ => None,
        }
    }
}

/// A [`Dataset`] seen as the union of some of its graphs.
#[derive(Debug, Clone)]
pub struct DatasetView<'a> {
    dataset: &'a Dataset,
    graphs: Graphs,
}

impl<'a> DatasetView<'a> {
    /// The union of the given graphs of `dataset`.
    pub fn new(dataset: &'a Dataset, graphs: impl IntoIterator<Item = GraphName>) -> Self {
        Self {
            dataset,
            graphs: Graphs::new(graphs),
        }
    }

    /// The union of all graphs of `dataset`, the default graph included.
    pub fn all(dataset: &'a Dataset) -> Self {
        Self {
            dataset,
            graphs: Graphs::All,
        }
    }

    fn quads<'b>(
        &'b self,
        subject: Option<NamedOrBlankNodeRef<'b>>,
        predicate: Option<NamedNodeRef<'b>>,
        object: Option<TermRef<'b>>,
    ) -> impl Iterator<Item = QuadRef<'b>> + 'b {
        self.dataset
            .quads_for_pattern(subject, predicate, object, self.graphs.single())
            .filter(|q| self.graphs.contains(q.graph_name))
    }
}

impl DataView for DatasetView<'_> {
    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> Result<Vec<Triple>, StorageError> {
        Ok(dedup(self.quads(subject, predicate, object).map(|q| {
            TripleRef::new(q.subject, q.predicate, q.object).into_owned()
        })))
    }
}

/// Something quads can be read from: a [`Store`] or an open [`Transaction`].
pub trait QuadSource: sealed::Sealed {
    /// The quads matching a pattern (`None` = any), in any graph when `graph` is `None`.
    #[doc(hidden)]
    fn quads(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Quads<'_>;
}

/// The quads a [`QuadSource`] reads.
#[doc(hidden)]
pub type Quads<'a> = Box<dyn Iterator<Item = Result<oxigraph::model::Quad, StorageError>> + 'a>;

mod sealed {
    /// Keeps [`super::QuadSource`] closed to the two oxigraph types.
    pub trait Sealed {}
    impl Sealed for oxigraph::store::Store {}
    impl Sealed for oxigraph::store::Transaction<'_> {}
    impl Sealed for crate::store::Staged<'_, '_> {}
}

/// Both oxigraph types read quads the same way.
macro_rules! quad_source {
    ($($source:ty),*) => {$(
        impl QuadSource for $source {
            fn quads(
                &self,
                subject: Option<NamedOrBlankNodeRef<'_>>,
                predicate: Option<NamedNodeRef<'_>>,
                object: Option<TermRef<'_>>,
                graph: Option<GraphNameRef<'_>>,
            ) -> Quads<'_> {
                Box::new(self.quads_for_pattern(subject, predicate, object, graph))
            }
        }
    )*};
}
quad_source!(Store, Transaction<'_>, crate::store::Staged<'_, '_>);

/// A [`Store`] or [`Transaction`] seen as the union of some of its graphs.
///
/// Use the aliases [`StoreView`] and [`TransactionView`].
pub struct QuadsView<'a, S: QuadSource + ?Sized> {
    source: &'a S,
    graphs: Graphs,
}

/// A [`Store`] seen as the union of some of its graphs (each read takes a fresh snapshot).
pub type StoreView<'a> = QuadsView<'a, Store>;

/// An open [`Transaction`] seen as the union of some graphs, including its uncommitted writes.
pub type TransactionView<'a, 't> = QuadsView<'a, Transaction<'t>>;

impl<'a, S: QuadSource + ?Sized> QuadsView<'a, S> {
    /// The union of the given graphs of `source`.
    pub fn new(source: &'a S, graphs: impl IntoIterator<Item = GraphName>) -> Self {
        Self {
            source,
            graphs: Graphs::new(graphs),
        }
    }

    /// The union of the graphs of `source` that `accepts` (e.g. every content graph, however many
    /// named graphs there are).
    pub fn matching(source: &'a S, accepts: fn(GraphNameRef<'_>) -> bool) -> Self {
        Self {
            source,
            graphs: Graphs::Matching(accepts),
        }
    }

    /// The union of all graphs of `source`, the default graph included.
    pub fn all(source: &'a S) -> Self {
        Self {
            source,
            graphs: Graphs::All,
        }
    }

    /// Reads the matching quads of the selected graphs and maps each one.
    fn select<T: Eq + Hash + Clone>(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        map: impl Fn(oxigraph::model::Quad) -> T,
    ) -> Result<Vec<T>, StorageError> {
        let mut out = Vec::new();
        for quad in self
            .source
            .quads(subject, predicate, object, self.graphs.single())
        {
            let quad = quad?;
            if self.graphs.contains(quad.graph_name.as_ref()) {
                out.push(map(quad));
            }
        }
        Ok(dedup(out))
    }
}

impl<S: QuadSource + ?Sized> DataView for QuadsView<'_, S> {
    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> Result<Vec<Triple>, StorageError> {
        self.select(subject, predicate, object, Triple::from)
    }
}

impl<S: QuadSource + ?Sized> Clone for QuadsView<'_, S> {
    fn clone(&self) -> Self {
        Self {
            source: self.source,
            graphs: self.graphs.clone(),
        }
    }
}

impl<T: DataView + ?Sized> DataView for &T {
    fn matching(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
    ) -> Result<Vec<Triple>, StorageError> {
        (**self).matching(subject, predicate, object)
    }
}
