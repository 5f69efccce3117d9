//! Convenience for library code that reads the graph: run a parsed SELECT (or ASK) with bound
//! variables and collect the rows, honouring the store's dataset rules.
//!
//! Values are joined as a `VALUES` table below the solution modifiers, exactly like named-query
//! parameters: a table of several rows binds one query to many inputs at once (e.g. every code of a
//! case), and no text is ever pasted into a query.

use super::{ParsedQuery, ProtocolDataset, StoreError, WarrantStore};
use oxigraph::model::{Term, Variable};
use oxigraph::sparql::{QueryResults, QuerySolution};

impl WarrantStore {
    /// Runs a SELECT with each `(variable, term)` bound, and returns every solution.
    pub fn select(
        &self,
        parsed: &ParsedQuery,
        bindings: &[(Variable, Term)],
    ) -> Result<Vec<QuerySolution>, StoreError> {
        match self.evaluate(parsed, &ProtocolDataset::default(), bindings, None)? {
            QueryResults::Solutions(rows) => Ok(rows.collect::<Result<Vec<_>, _>>()?),
            _ => Err(StoreError::BadRequest("expected a SELECT query".into())),
        }
    }

    /// Runs a SELECT once over a table of bindings: `variables` name the columns, each row gives one
    /// term per column. An empty table returns no solutions without querying.
    pub fn select_table(
        &self,
        parsed: &ParsedQuery,
        variables: &[Variable],
        rows: &[Vec<Term>],
    ) -> Result<Vec<QuerySolution>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = parsed.clone();
        super::bind::bind_table(&mut query.query, variables, rows);
        self.select(&query, &[])
    }
}

/// The value of `variable` in a solution as a string: an IRI's text, a literal's lexical form, a
/// blank node's label.
pub fn value_of(row: &QuerySolution, variable: &str) -> Option<String> {
    row.get(variable).map(|t| match t {
        Term::NamedNode(n) => n.as_str().to_owned(),
        Term::Literal(l) => l.value().to_owned(),
        Term::BlankNode(b) => b.as_str().to_owned(),
    })
}

/// Parses a SPARQL query shipped with the binary (`include_str!` of a file under `queries/`).
/// A syntax error is a bug in the shipped file, caught by the tests that run every such query.
pub fn embedded_query(name: &str, text: &str) -> ParsedQuery {
    super::parse_query(text, None)
        .unwrap_or_else(|e| panic!("shipped query {name} does not parse: {e}"))
}
