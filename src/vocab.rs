//! IRIs Warrant relies on, in one place.
//!
//! The vocabulary namespace, the IRI patterns of concepts and curated instances, and the names of the
//! graphs Warrant manages are a public contract: other services query them. Code never spells these
//! strings anywhere else.

use oxigraph::model::NamedNodeRef;

/// Namespace of Warrant's vocabulary (`wr:`).
pub const WR: &str = "https://w3id.org/warrant/ns#";
/// Prefix of concept IRIs: `https://w3id.org/warrant/concept/{slug}`.
pub const CONCEPT: &str = "https://w3id.org/warrant/concept/";
/// Prefix of curated instance IRIs: `https://w3id.org/warrant/id/{id}`.
pub const ID: &str = "https://w3id.org/warrant/id/";
/// Prefix of the graphs Warrant names itself.
pub const GRAPH: &str = "https://w3id.org/warrant/graph/";
/// Prefix of the graph of a loaded file: `{FILE_GRAPH}{path relative to the data root}`.
pub const FILE_GRAPH: &str = "https://w3id.org/warrant/graph/file/";
/// Prefix of the IRIs that describe named queries and rules loaded from `queries/`.
pub const QUERY: &str = "https://w3id.org/warrant/query/";
/// Prefix of record graphs: graphs that hold records *about* facts (change sets, derivations, the
/// file catalog). They never take part in the default graph that queries see.
pub const RECORD_GRAPH: &str = "https://w3id.org/warrant/graph/record/";

/// Graph of triples derived by the rule reasoner (content: queries see it).
pub const INFERRED_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/inferred");
/// Graph recording how each inferred triple was derived (record: not in the default graph).
pub const DERIVATIONS_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/derivations");
/// Prefix of curation change-set graphs (records).
pub const CHANGE_GRAPH: &str = "https://w3id.org/warrant/graph/change/";
/// Graph recording which file was loaded into which graph, with its content hash (record).
pub const CATALOG_GRAPH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/record/catalog");

/// `wr:sha256`: SHA-256 of the file content a file graph was loaded from (catalog).
pub const SHA256: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#sha256");
/// `wr:sourcePath`: path, relative to the data root, a file graph was loaded from (catalog).
pub const SOURCE_PATH: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#sourcePath");
/// `wr:NamedQuery`: a SPARQL query file under `queries/` that can be run by name.
pub const NAMED_QUERY: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#NamedQuery");
/// `wr:QueryFile`: any SPARQL file under `queries/` (rules and checks too).
pub const QUERY_FILE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#QueryFile");
/// `wr:sparql`: the SPARQL text of a query file.
pub const SPARQL_TEXT: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#sparql");
/// `wr:parameter`: a parameter (variable name) of a named query.
pub const PARAMETER: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#parameter");
/// `dct:title`.
pub const DCT_TITLE: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/title");
/// `dct:description`.
pub const DCT_DESCRIPTION: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("http://purl.org/dc/terms/description");

/// Whether a named graph holds records about facts rather than facts.
///
/// Record graphs (derivations, change sets, the file catalog) are excluded from the default graph
/// that queries see, so that a removed triple recorded in a change set, or a premise quoted in a
/// derivation, never reappears as a fact.
pub fn is_record_graph(iri: &str) -> bool {
    iri.starts_with(RECORD_GRAPH)
        || iri.starts_with(CHANGE_GRAPH)
        || iri == DERIVATIONS_GRAPH.as_str()
}

/// `wr:origin`: how a file graph came to be loaded (`"default-data"` at start-up, `"load"` by the CLI).
pub const ORIGIN: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#origin");

/// `wr:editedSinceLoad`: a file graph was changed by an edit after its file was loaded (catalog).
pub const EDITED_SINCE_LOAD: NamedNodeRef<'_> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#editedSinceLoad");
