//! W3C SPARQL 1.1 conformance over HTTP: reading the manifests, running each kind of test against
//! a real server, comparing what comes back (see `w3c_sparql.rs` for the test itself).

pub mod compare;
pub mod eval;
pub mod http;
pub mod manifest;
pub mod matching;
pub mod prose;
pub mod server;
pub mod skips;
