//! Warrant's integration tests: one binary, one module per topic. Servers are the real `warrant`
//! binary on an ephemeral port; data comes from `tests/fixtures` or the shipped `ontology/`,
//! `evidence/`, `queries/`.

mod cli;
mod evaluate;
mod evaluate_cases;
mod fhir_examples;
mod graph_store;
mod lifecycle;
mod named_queries;
mod sparql_protocol;
mod support;
