//! Running SPARQL queries with Warrant's dataset rules and an optional cancellation token.

use super::prune::Key;
use super::{DatasetMode, StoreError, WarrantStore};
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Term, Variable};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use spargebra::SparqlParser;
use std::collections::{BTreeSet, HashMap};

/// The form of a query, which decides the result formats it can be served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryForm {
    /// SELECT: a table of solutions.
    Select,
    /// ASK: a boolean.
    Ask,
    /// CONSTRUCT or DESCRIBE: a graph.
    Graph,
}

/// A parsed query, ready to be evaluated.
#[derive(Debug, Clone)]
pub struct ParsedQuery {
    /// The query algebra.
    pub query: spargebra::Query,
}

impl ParsedQuery {
    /// SELECT, ASK or graph-producing.
    pub fn form(&self) -> QueryForm {
        match &self.query {
            spargebra::Query::Select { .. } => QueryForm::Select,
            spargebra::Query::Ask { .. } => QueryForm::Ask,
            spargebra::Query::Construct { .. } | spargebra::Query::Describe { .. } => {
                QueryForm::Graph
            }
        }
    }
}

/// Parses SPARQL query text; syntax errors carry line and column. Text or algebra beyond the
/// [`crate::limits`] is refused ([`StoreError::TooComplex`]); the parser recurses per level of
/// nesting, so call this on a large stack ([`crate::limits::on_large_stack`]) for user text.
pub fn parse_query(text: &str, base_iri: Option<&str>) -> Result<ParsedQuery, StoreError> {
    crate::limits::check_sparql(text)?;
    let mut parser = SparqlParser::new();
    if let Some(base) = base_iri {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| StoreError::BadRequest(format!("invalid base IRI: {e}")))?;
    }
    let query = parser
        .parse_query(text)
        .map_err(|e| StoreError::from_sparql_syntax(&e))?;
    crate::limits::check_query(&query)?;
    Ok(ParsedQuery { query })
}

/// The dataset given by the SPARQL protocol (`default-graph-uri`, `named-graph-uri`); when any is
/// given it replaces the query's own FROM / FROM NAMED.
#[derive(Debug, Clone, Default)]
pub struct ProtocolDataset {
    /// `default-graph-uri` values.
    pub default_graphs: Vec<NamedNode>,
    /// `named-graph-uri` values.
    pub named_graphs: Vec<NamedNode>,
}

impl ProtocolDataset {
    /// Whether the protocol request named no graph at all.
    pub fn is_empty(&self) -> bool {
        self.default_graphs.is_empty() && self.named_graphs.is_empty()
    }
}

impl WarrantStore {
    /// Evaluates a query. `bindings` are bound as RDF terms to variables of the query (never pasted
    /// into text); `cancel`, when given, stops the evaluation when cancelled (time limits).
    ///
    /// A query that can read the derivations graph first waits for the records barrier
    /// ([`WarrantStore::wait_records`]); queries over the default graph do not.
    pub fn evaluate(
        &self,
        parsed: &ParsedQuery,
        protocol: &ProtocolDataset,
        bindings: &[(Variable, Term)],
        cancel: Option<CancellationToken>,
    ) -> Result<QueryResults<'static>, StoreError> {
        if super::reach::query_reaches_records(&parsed.query, protocol) {
            // the derivations graph is written just after each write returns: see every record
            self.wait_records()?;
        }
        let mut query = parsed.query.clone();
        if !bindings.is_empty() {
            super::bind::bind_values(&mut query, bindings);
        }
        let has_own_dataset = query.dataset().is_some();
        let mut evaluator = SparqlEvaluator::new();
        if !crate::limits::worth_optimising(crate::limits::algebra::measure_query(&query)) {
            evaluator = evaluator.without_optimizations();
        }
        for (name, handler) in self.hooks.services() {
            evaluator = evaluator.with_service_handler(name, handler);
        }
        if let Some(token) = cancel {
            evaluator = evaluator.with_cancellation_token(token);
        }
        let mut prepared = evaluator.for_query(query);
        if !protocol.is_empty() {
            let dataset = prepared.dataset_mut();
            dataset.set_default_graph(
                protocol
                    .default_graphs
                    .iter()
                    .cloned()
                    .map(GraphName::from)
                    .collect(),
            );
            dataset.set_available_named_graphs(
                protocol
                    .named_graphs
                    .iter()
                    .cloned()
                    .map(NamedOrBlankNode::from)
                    .collect(),
            );
        } else if !has_own_dataset {
            let layout = self.layout()?;
            let reads = super::prune::reads(&parsed.query);
            if self.mode == DatasetMode::UnionOfContent {
                let content = match &reads.default_keys {
                    Some(keys) => self.graphs_matching(&layout.content, keys)?,
                    None => layout.content.clone(),
                };
                prepared.dataset_mut().set_default_graph(content);
            }
            // a query without GRAPH reads no named graph: none to list (each costs a lookup)
            let named = if reads.named {
                self.queryable_graphs(&layout)?
            } else {
                Vec::new()
            };
            prepared.dataset_mut().set_available_named_graphs(named);
        }
        Ok(prepared.on_store(&self.store).execute()?)
    }

    /// The graphs of `graphs` that hold a triple matching at least one of `keys` (see
    /// [`super::prune`]); whether a graph does is remembered for the current write epoch.
    fn graphs_matching(
        &self,
        graphs: &[GraphName],
        keys: &BTreeSet<Key>,
    ) -> Result<Vec<GraphName>, StoreError> {
        struct Memo(super::derived::EpochMemo<(GraphName, Key), bool>);
        impl Default for Memo {
            fn default() -> Self {
                Self(super::derived::EpochMemo::new(100_000))
            }
        }
        let wanted = graphs
            .iter()
            .flat_map(|g| keys.iter().map(move |k| (g.clone(), k.clone())));
        let has = self.shared::<Memo>().0.get(self, wanted, |missing| {
            missing
                .iter()
                .map(|(graph, key)| {
                    let object = key.class.as_ref().map(|c| Term::from(c.clone()));
                    let found = self
                        .store
                        .quads_for_pattern(
                            None,
                            Some(key.predicate.as_ref()),
                            object.as_ref().map(Term::as_ref),
                            Some(graph.as_ref()),
                        )
                        .next()
                        .transpose()?
                        .is_some();
                    Ok(((graph.clone(), key.clone()), found))
                })
                .collect::<Result<HashMap<_, _>, StoreError>>()
        })?;
        Ok(graphs
            .iter()
            .filter(|g| {
                keys.iter()
                    .any(|k| has.get(&((*g).clone(), k.clone())) == Some(&true))
            })
            .cloned()
            .collect())
    }
}
