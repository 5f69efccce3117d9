//! `SERVICE wr:search { … }`: the index answering inside SPARQL.
//!
//! ```sparql
//! PREFIX wr: <https://w3id.org/warrant/ns#>
//! SELECT ?hit ?score ?snippet ?source WHERE {
//!   SERVICE wr:search { ?hit wr:query "alemtuzumab viral" ; wr:type "passage" ; wr:limit 5 ;
//!                            wr:score ?score ; wr:snippet ?snippet }
//!   ?hit wr:inSource ?source .
//! }
//! ```
//!
//! The block is triple patterns about one variable (the hit). `wr:query` (a literal, required) is
//! the search text; `wr:type`, `wr:concept`, `wr:status` (literals or IRIs) narrow it; `wr:limit`
//! (default 1000, at most 1000) caps it. `wr:score` (xsd:double), `wr:snippet` (HTML) and
//! `wr:source` (the source IRI) bind variables. The search text must be written in the block:
//! Oxigraph hands the handler the pattern, never bindings from the rest of the query.

use super::documents::DocType;
use super::{MAX_LIMIT, SearchError, SearchIndex, SearchRequest};
use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Term, Variable};
use oxigraph::sparql::{QuerySolution, QuerySolutionIter, ServiceHandler};
use oxiri::Iri;
use spargebra::algebra::GraphPattern;
use spargebra::term::{NamedNodePattern, TermPattern};
use std::sync::Arc;

/// The SPARQL `SERVICE` handler backed by a [`SearchIndex`].
#[derive(Clone)]
pub struct SearchService {
    index: SearchIndex,
}

impl SearchService {
    /// A handler answering from `index`.
    pub fn new(index: SearchIndex) -> Self {
        Self { index }
    }
}

/// What the block asks for.
#[derive(Default)]
struct Call {
    hit: Option<Variable>,
    query: Option<String>,
    types: Vec<DocType>,
    concept: Option<String>,
    status: Option<String>,
    limit: Option<usize>,
    score: Option<Variable>,
    snippet: Option<Variable>,
    source: Option<Variable>,
}

fn bad(message: impl Into<String>) -> SearchError {
    SearchError::BadParameter(format!("SERVICE wr:search: {}", message.into()))
}

fn value(term: &TermPattern, what: &str) -> Result<String, SearchError> {
    match term {
        TermPattern::Literal(l) => Ok(l.value().to_owned()),
        TermPattern::NamedNode(n) => Ok(n.as_str().to_owned()),
        _ => Err(bad(format!(
            "{what} takes a literal or an IRI, not a variable"
        ))),
    }
}

fn variable(term: &TermPattern, what: &str) -> Result<Variable, SearchError> {
    match term {
        TermPattern::Variable(v) => Ok(v.clone()),
        _ => Err(bad(format!("{what} binds a variable"))),
    }
}

fn read_call(pattern: &GraphPattern) -> Result<Call, SearchError> {
    let GraphPattern::Bgp { patterns } = pattern else {
        return Err(bad("the block may only hold triple patterns about the hit"));
    };
    let mut call = Call::default();
    for triple in patterns {
        let TermPattern::Variable(hit) = &triple.subject else {
            return Err(bad("the subject of every triple must be the hit variable"));
        };
        if call.hit.get_or_insert_with(|| hit.clone()) != hit {
            return Err(bad("every triple must be about the same hit variable"));
        }
        let NamedNodePattern::NamedNode(p) = &triple.predicate else {
            return Err(bad("predicates must be IRIs"));
        };
        let o = &triple.object;
        match p.as_ref() {
            p if p == vocab::SEARCH_QUERY => call.query = Some(value(o, "wr:query")?),
            p if p == vocab::SEARCH_TYPE => {
                let v = value(o, "wr:type")?;
                call.types.push(DocType::parse(&v).ok_or_else(|| {
                    bad(format!(
                        "unknown wr:type {v:?}: passage, statement, source or concept"
                    ))
                })?);
            }
            p if p == vocab::SEARCH_CONCEPT => call.concept = Some(value(o, "wr:concept")?),
            p if p == vocab::SEARCH_STATUS => call.status = Some(value(o, "wr:status")?),
            p if p == vocab::SEARCH_LIMIT => {
                let v = value(o, "wr:limit")?;
                call.limit = Some(v.parse().map_err(|_| {
                    bad(format!(
                        "wr:limit must be a non-negative integer, not {v:?}"
                    ))
                })?);
            }
            p if p == vocab::SEARCH_SCORE => call.score = Some(variable(o, "wr:score")?),
            p if p == vocab::SEARCH_SNIPPET => call.snippet = Some(variable(o, "wr:snippet")?),
            p if p == vocab::SEARCH_SOURCE => call.source = Some(variable(o, "wr:source")?),
            other => {
                return Err(bad(format!(
                    "unknown property <{}>; use wr:query, wr:type, wr:concept, wr:status, wr:limit, wr:score, wr:snippet, wr:source",
                    other.as_str()
                )));
            }
        }
    }
    if call.hit.is_none() || call.query.is_none() {
        return Err(bad("the block needs ?hit wr:query \"search text\""));
    }
    Ok(call)
}

impl ServiceHandler for SearchService {
    type Error = SearchError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        _base_iri: Option<&Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, SearchError> {
        let call = read_call(pattern)?;
        let request = SearchRequest {
            query: call.query.clone().unwrap_or_default(),
            types: call.types.clone(),
            concept: call.concept.clone(),
            status: call.status.clone(),
            limit: call.limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT),
            offset: 0,
        };
        let results = self.index.search(&request)?;
        let hit_var = call
            .hit
            .clone()
            .unwrap_or_else(|| Variable::new_unchecked("hit"));
        let mut variables = vec![hit_var];
        variables.extend(call.score.iter().cloned());
        variables.extend(call.snippet.iter().cloned());
        variables.extend(call.source.iter().cloned());
        let variables: Arc<[Variable]> = variables.into();
        let mut rows = Vec::new();
        for hit in results.hits {
            let Ok(iri) = NamedNode::new(&hit.iri) else {
                continue;
            };
            let mut row: Vec<Option<Term>> = vec![Some(iri.into())];
            if call.score.is_some() {
                row.push(Some(Literal::from(f64::from(hit.score)).into()));
            }
            if call.snippet.is_some() {
                row.push(Some(Literal::from(hit.snippet).into()));
            }
            if call.source.is_some() {
                row.push(
                    hit.source
                        .and_then(|s| NamedNode::new(s.iri).ok())
                        .map(Term::from),
                );
            }
            rows.push(Ok(QuerySolution::from((Arc::clone(&variables), row))));
        }
        Ok(QuerySolutionIter::new(variables, rows))
    }
}
