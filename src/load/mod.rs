//! Reading RDF and SPARQL files from disk or from the copy embedded in the binary.
//!
//! Every file becomes the content of one named graph whose IRI is derived from the file's path
//! relative to its root (`https://w3id.org/warrant/graph/file/{path}`), so that reloading a file
//! replaces exactly its own graph. RDF files are parsed by extension (`.ttl .nt .nq .trig .rdf .owl
//! .jsonld`, each optionally `.gz`); SPARQL files (`.rq`) are described as RDF (title, description,
//! parameters, text) so that the queries are discoverable through SPARQL too.

mod files;
mod parse;
mod query_file;

pub use files::{DATA_FOLDERS, DataRoot, SourceFile, collect_files, collect_paths, graph_iri_for};
pub use parse::{LoadError, ParseRdfError, parse_file, parse_rdf, parse_rdf_capped, rdf_format_of};
pub use query_file::{QueryHeader, parse_query_header, query_iri};
