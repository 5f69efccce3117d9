//! Whether a query or an update's WHERE clause can read the graph written in the background (the
//! derivations graph), and so must wait for the records barrier first (see [`super::RecordWriter`]).
//!
//! The answer is conservative: a dataset (FROM / FROM NAMED, the protocol's graph URIs, an update's
//! USING) that names the graph, a query's `GRAPH` pattern whose name is a variable or that graph, or any `EXISTS` (not
//! analysed further) count as reaching it. Queries over the default graph — the union of content
//! graphs, which never includes a record graph — do not wait.

use super::ProtocolDataset;
use crate::vocab::DERIVATIONS_GRAPH;
use oxigraph::model::NamedNode;
use spargebra::algebra::{GraphPattern, QueryDataset};
use spargebra::term::NamedNodePattern;
use spargebra::{GraphUpdateOperation, Query, Update};

fn is_deferred(graph: &NamedNode) -> bool {
    graph.as_ref() == DERIVATIONS_GRAPH
}

fn names_deferred(graphs: &[NamedNode]) -> bool {
    graphs.iter().any(is_deferred)
}

fn dataset_names_deferred(dataset: &QueryDataset) -> bool {
    names_deferred(&dataset.default) || dataset.named.as_deref().is_some_and(names_deferred)
}

/// Whether `query`, evaluated with the protocol dataset `protocol`, may read the derivations graph.
pub(super) fn query_reaches_records(query: &Query, protocol: &ProtocolDataset) -> bool {
    let (pattern, dataset) = match query {
        Query::Select {
            pattern, dataset, ..
        }
        | Query::Construct {
            pattern, dataset, ..
        }
        | Query::Describe {
            pattern, dataset, ..
        }
        | Query::Ask {
            pattern, dataset, ..
        } => (pattern, dataset),
    };
    if !protocol.is_empty() {
        return names_deferred(&protocol.default_graphs) || names_deferred(&protocol.named_graphs);
    }
    if dataset.as_ref().is_some_and(dataset_names_deferred) {
        return true;
    }
    pattern_reaches(pattern)
}

/// Whether an update's WHERE clauses may read the derivations graph (`using_*` are the protocol's
/// `using-graph-uri` / `using-named-graph-uri`): only a dataset naming it can, since without one
/// they range over content graphs only.
pub(super) fn update_reaches_records(
    update: &Update,
    using_default: &[NamedNode],
    using_named: &[NamedNode],
) -> bool {
    if names_deferred(using_default) || names_deferred(using_named) {
        return true;
    }
    // without USING, an update's WHERE clause sees content graphs only (see `update`)
    update.operations.iter().any(|op| match op {
        GraphUpdateOperation::DeleteInsert { using, .. } => {
            using.as_ref().is_some_and(dataset_names_deferred)
        }
        _ => false,
    })
}

/// Whether an expression holds an `EXISTS` (conservatively: by its text).
pub(super) fn has_exists(expression: &impl std::fmt::Display) -> bool {
    expression.to_string().contains("EXISTS")
}

/// Whether a graph pattern may read the derivations graph (conservatively).
#[allow(unreachable_patterns)] // the catch-all covers variants behind spargebra features
fn pattern_reaches(pattern: &GraphPattern) -> bool {
    match pattern {
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => false,
        GraphPattern::Graph { name, inner } => match name {
            NamedNodePattern::Variable(_) => true,
            NamedNodePattern::NamedNode(n) => is_deferred(n) || pattern_reaches(inner),
        },
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => pattern_reaches(left) || pattern_reaches(right),
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            pattern_reaches(left)
                || pattern_reaches(right)
                || expression.as_ref().is_some_and(has_exists)
        }
        GraphPattern::Filter { expr, inner } => has_exists(expr) || pattern_reaches(inner),
        GraphPattern::Extend {
            inner, expression, ..
        } => has_exists(expression) || pattern_reaches(inner),
        GraphPattern::OrderBy { inner, expression } => {
            expression.iter().any(has_exists) || pattern_reaches(inner)
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => aggregates.iter().any(|(_, a)| has_exists(a)) || pattern_reaches(inner),
        GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Service { inner, .. } => pattern_reaches(inner),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reaches(q: &str) -> bool {
        let query = spargebra::SparqlParser::new().parse_query(q).unwrap();
        query_reaches_records(&query, &ProtocolDataset::default())
    }

    #[test]
    fn only_queries_that_can_see_the_derivations_graph_wait() {
        let d = DERIVATIONS_GRAPH.as_str();
        assert!(!reaches("SELECT * WHERE { ?s ?p ?o }"));
        assert!(!reaches(
            "SELECT * WHERE { GRAPH <http://example.org/g> { ?s ?p ?o } }"
        ));
        assert!(reaches("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }"));
        assert!(reaches(&format!("ASK {{ GRAPH <{d}> {{ ?s ?p ?o }} }}")));
        assert!(reaches(&format!(
            "SELECT * FROM <{d}> WHERE {{ ?s ?p ?o }}"
        )));
        assert!(reaches(&format!(
            "SELECT * FROM NAMED <{d}> WHERE {{ ?s ?p ?o }}"
        )));
        assert!(reaches(
            "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { GRAPH ?g { ?s ?p ?o } } }"
        ));
        assert!(reaches(
            "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } } }"
        ));
        let query = spargebra::SparqlParser::new()
            .parse_query("SELECT * WHERE { ?s ?p ?o }")
            .unwrap();
        let protocol = ProtocolDataset {
            default_graphs: vec![DERIVATIONS_GRAPH.into_owned()],
            named_graphs: vec![],
        };
        assert!(query_reaches_records(&query, &protocol));
    }
}
