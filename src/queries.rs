//! Named queries: the `queries/named/*.rq` files, listed and run by name with bound parameters.
//!
//! The queries are read from the store (where the loader described each file), so the list always
//! matches the loaded data. Parameter values are RDF terms bound in the parsed algebra, never text
//! pasted into a query.

use crate::load::{QueryHeader, parse_query_header};
use crate::store::{ParsedQuery, StoreError, WarrantStore, parse_query};
use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Term, Variable, vocab::rdf};
use serde::Serialize;

/// Prefix of the IRIs of named queries.
fn named_prefix() -> String {
    format!("{}named/", vocab::QUERY)
}

/// A named query as listed at `GET /queries`.
#[derive(Debug, Clone, Serialize)]
pub struct NamedQuery {
    /// Name used to run it (file name without `.rq`).
    pub name: String,
    /// IRI describing it in the store.
    pub iri: String,
    /// Short human title.
    pub title: String,
    /// What it answers.
    pub description: String,
    /// Parameters the caller may bind.
    pub parameters: Vec<Parameter>,
    /// The SPARQL text.
    pub sparql: String,
}

/// A parameter of a named query.
#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    /// Variable name, without `?`.
    pub name: String,
    /// What to pass.
    pub description: String,
}

/// Errors of running a named query.
#[derive(Debug, thiserror::Error)]
pub enum NamedQueryError {
    /// No named query has this name.
    #[error("no named query called {0:?}")]
    NotFound(String),
    /// A parameter the query does not declare.
    #[error("unknown parameter {name:?} for query {query:?} (declared: {declared})")]
    UnknownParameter {
        /// The query.
        query: String,
        /// The parameter given.
        name: String,
        /// The declared parameters, comma-separated.
        declared: String,
    },
    /// A parameter value that is not a valid RDF term.
    #[error("parameter {name:?}: {message}")]
    BadValue {
        /// The parameter.
        name: String,
        /// Why it is invalid.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every named query in the store, sorted by name.
pub fn list(store: &WarrantStore) -> Result<Vec<NamedQuery>, StoreError> {
    let mut out = Vec::new();
    let prefix = named_prefix();
    for quad in store.view_quads(
        crate::store::View::Asserted,
        None,
        Some(rdf::TYPE),
        Some(vocab::NAMED_QUERY.into()),
    ) {
        let quad = quad?;
        let oxigraph::model::NamedOrBlankNode::NamedNode(iri) = quad.subject else {
            continue;
        };
        let Some(name) = iri.as_str().strip_prefix(&prefix) else {
            continue;
        };
        if out.iter().any(|q: &NamedQuery| q.iri == iri.as_str()) {
            continue;
        }
        let text = store
            .literal_of(iri.as_ref(), vocab::SPARQL_TEXT, None)?
            .unwrap_or_default();
        let header: QueryHeader = parse_query_header(&text);
        out.push(NamedQuery {
            name: name.to_owned(),
            iri: iri.as_str().to_owned(),
            title: header.title.unwrap_or_else(|| name.to_owned()),
            description: header.description.unwrap_or_default(),
            parameters: header
                .params
                .into_iter()
                .map(|(name, description)| Parameter { name, description })
                .collect(),
            sparql: text,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Looks up a named query and parses its text.
pub fn get(store: &WarrantStore, name: &str) -> Result<(NamedQuery, ParsedQuery), NamedQueryError> {
    let query = list(store)?
        .into_iter()
        .find(|q| q.name == name)
        .ok_or_else(|| NamedQueryError::NotFound(name.to_owned()))?;
    let parsed = parse_query(&query.sparql, None)?;
    Ok((query, parsed))
}

/// Checks the given `name=value` pairs against the query's parameters and parses each value as an
/// RDF term (see [`parse_term`]).
pub fn bindings(
    query: &NamedQuery,
    values: &[(String, String)],
) -> Result<Vec<(Variable, Term)>, NamedQueryError> {
    values
        .iter()
        .map(|(name, value)| {
            if !query.parameters.iter().any(|p| &p.name == name) {
                return Err(NamedQueryError::UnknownParameter {
                    query: query.name.clone(),
                    name: name.clone(),
                    declared: query
                        .parameters
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            let variable = Variable::new(name).map_err(|e| NamedQueryError::BadValue {
                name: name.clone(),
                message: e.to_string(),
            })?;
            let term = parse_term(value).map_err(|message| NamedQueryError::BadValue {
                name: name.clone(),
                message,
            })?;
            Ok((variable, term))
        })
        .collect()
}

/// Parses a parameter value: `<iri>` or an N-Triples literal (`"text"`, `"text"@en`,
/// `"1"^^<datatype>`) as written; a bare absolute IRI (`https://…`, `urn:…`) as an IRI; anything
/// else as a plain string literal.
pub fn parse_term(value: &str) -> Result<Term, String> {
    let trimmed = value.trim();
    if trimmed.starts_with('<') || trimmed.starts_with('"') {
        return trimmed
            .parse::<Term>()
            .map_err(|e| format!("{trimmed:?} is not a valid RDF term: {e}"));
    }
    let looks_like_iri = trimmed.split_once(':').is_some_and(|(scheme, rest)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !rest.is_empty()
            && !trimmed.contains(char::is_whitespace)
    });
    if looks_like_iri {
        if let Ok(iri) = NamedNode::new(trimmed) {
            return Ok(iri.into());
        }
    }
    Ok(Literal::from(value).into())
}

/// The SPARQL files under `queries/evaluate/` that case recognition and evaluation run, embedded in
/// the binary (so the evaluator does not depend on the data root) and parsed once.
const SHIPPED: &[(&str, &str)] = &[
    (
        "code-systems",
        include_str!("../queries/evaluate/code-systems.rq"),
    ),
    (
        "code-exact",
        include_str!("../queries/evaluate/code-exact.rq"),
    ),
    (
        "code-prefix",
        include_str!("../queries/evaluate/code-prefix.rq"),
    ),
    (
        "code-concepts",
        include_str!("../queries/evaluate/code-concepts.rq"),
    ),
    (
        "concept-closure",
        include_str!("../queries/evaluate/concept-closure.rq"),
    ),
    (
        "concept-exists",
        include_str!("../queries/evaluate/concept-exists.rq"),
    ),
    ("describe", include_str!("../queries/evaluate/describe.rq")),
    ("policies", include_str!("../queries/evaluate/policies.rq")),
    (
        "policy-nodes",
        include_str!("../queries/evaluate/policy-nodes.rq"),
    ),
    (
        "opposing-statements",
        include_str!("../queries/evaluate/opposing-statements.rq"),
    ),
    (
        "disputing-statements",
        include_str!("../queries/evaluate/disputing-statements.rq"),
    ),
    (
        "kept-determination",
        include_str!("../queries/evaluate/kept-determination.rq"),
    ),
];

/// A query shipped under `queries/evaluate/`, by file name without `.rq`, parsed on first use.
///
/// # Panics
/// When `name` is not a shipped query or its file does not parse — both bugs in Warrant itself,
/// caught by the unit test that parses every shipped query.
pub fn shipped(name: &str) -> &'static ParsedQuery {
    static PARSED: std::sync::OnceLock<std::collections::HashMap<&'static str, ParsedQuery>> =
        std::sync::OnceLock::new();
    PARSED
        .get_or_init(|| {
            SHIPPED
                .iter()
                .map(|(n, text)| (*n, crate::store::embedded_query(n, text)))
                .collect()
        })
        .get(name)
        .unwrap_or_else(|| panic!("no shipped query {name}"))
}

#[cfg(test)]
mod shipped_tests {
    #[test]
    fn every_shipped_query_parses() {
        for (name, _) in super::SHIPPED {
            let _ = super::shipped(name);
        }
    }
}
