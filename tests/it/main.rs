//! Warrant's integration tests: one binary, one module per topic.

mod shacl_w3c;
mod validate_api;
