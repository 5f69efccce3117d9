//! Binding query parameters as RDF terms in the parsed algebra.
//!
//! A parameter is bound by joining a one-row `VALUES` table with the innermost pattern below the
//! solution modifiers, grouping, filters and BINDs — so the value constrains the query exactly as if
//! the variable had matched it, and no text is ever pasted into a query.

use oxigraph::model::{Term, Variable};
use spargebra::Query;
use spargebra::algebra::GraphPattern;
use spargebra::term::GroundTerm;

/// Binds each `(variable, term)` in the query. Terms that cannot appear in a VALUES table (blank nodes)
/// are ignored.
pub fn bind_values(query: &mut Query, bindings: &[(Variable, Term)]) {
    let (variables, row): (Vec<Variable>, Vec<Option<GroundTerm>>) = bindings
        .iter()
        .filter_map(|(v, t)| ground(t).map(|g| (v.clone(), Some(g))))
        .unzip();
    if variables.is_empty() {
        return;
    }
    let values = GraphPattern::Values {
        variables,
        bindings: vec![row],
    };
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    inject(pattern, values);
}

/// Binds a table: one column per variable, one row per entry (blank nodes are left unbound).
pub fn bind_table(query: &mut Query, variables: &[Variable], rows: &[Vec<Term>]) {
    let bindings = rows
        .iter()
        .map(|row| row.iter().map(ground).collect())
        .collect();
    let values = GraphPattern::Values {
        variables: variables.to_vec(),
        bindings,
    };
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    inject(pattern, values);
}

fn ground(term: &Term) -> Option<GroundTerm> {
    match term {
        Term::NamedNode(n) => Some(GroundTerm::NamedNode(n.clone())),
        Term::Literal(l) => Some(GroundTerm::Literal(l.clone())),
        Term::BlankNode(_) => None,
    }
}

fn inject(pattern: &mut GraphPattern, values: GraphPattern) {
    match pattern {
        GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Group { inner, .. }
        | GraphPattern::Filter { inner, .. }
        | GraphPattern::Extend { inner, .. } => inject(inner, values),
        other => {
            let inner = std::mem::replace(other, GraphPattern::Bgp { patterns: vec![] });
            *other = GraphPattern::Join {
                left: Box::new(values),
                right: Box::new(inner),
            };
        }
    }
}
