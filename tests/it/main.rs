//! Warrant's integration tests: one binary, one module per topic. Servers are the real `warrant`
//! binary on an ephemeral port; data comes from `tests/fixtures` or the shipped `ontology/`,
//! `evidence/`, `queries/`.

mod auth;
mod browser;
mod cds;
mod cli;
mod cli_beside_server;
mod curation;
mod evaluate;
mod evaluate_cache;
mod evaluate_cases;
mod examples;
mod fhir_examples;
mod fuzz;
mod graph_store;
mod history_cli;
mod hostile;
mod http_layer;
mod lifecycle;
mod lubm;
mod named_queries;
mod ops;
mod reason;
mod records;
mod search;
mod shacl_w3c;
mod shapes_invalid;
mod shipped_evidence;
mod sparql_protocol;
mod support;
mod validate_api;
mod w3c;
mod w3c_entailment;
mod w3c_sparql;
