//! Full-text search over passages, statements, sources and concepts, kept in step with the store.
//!
//! A tantivy index (on disk in `<data>/search/`, or in RAM) holds one document per indexed resource,
//! keyed by IRI ([`documents`]). It is a [`WriteObserver`](crate::store::WriteObserver) of the
//! store: every committed change re-indexes the resources it touched before the write returns, and
//! the index's commit payload records the [`StoreState`](crate::store::StoreState) it reflects, so
//! a missing, damaged or stale index is rebuilt when opened. Queries ([`SearchRequest`]) use BM25
//! with phrases, `AND` / `OR` / `NOT`, field filters, typo tolerance and concept synonyms, and
//! return HTML-safe snippets. The same search answers `SERVICE wr:search { … }` inside SPARQL
//! ([`SearchService`]).

pub mod documents;
mod index;
mod parse;
mod query;
mod run;
mod schema;
mod service;
mod snippet;
mod synonyms;

pub use documents::DocType;
pub use index::{IndexLocation, OpenReport, RebuildReason, SearchIndex};
pub use parse::SyntaxError;
pub use run::check_status;
pub use schema::FORMAT as INDEX_FORMAT;
pub use service::SearchService;

use crate::store::StoreError;
use serde::Serialize;

/// Default number of hits returned.
pub const DEFAULT_LIMIT: usize = 10;
/// Largest number of hits one request may ask for.
pub const MAX_LIMIT: usize = 1000;

/// What went wrong in a search or in keeping the index up to date.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The search text does not parse (unbalanced quote or parenthesis, unknown field…).
    #[error("{message} (at character {column})")]
    Syntax {
        /// What is wrong, for people.
        message: String,
        /// 1-based character position.
        column: usize,
    },
    /// A filter or paging value that cannot be used (unknown type, limit too large…).
    #[error("{0}")]
    BadParameter(String),
    /// The index could not be brought up to date and refuses to answer rather than answer stale.
    #[error("the search index is unavailable until it is rebuilt: {0}")]
    Unavailable(String),
    /// The index files or the index engine failed.
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory could not be prepared.
    #[error("search index directory {path}: {message}")]
    Directory {
        /// The directory.
        path: String,
        /// Underlying reason.
        message: String,
    },
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<SyntaxError> for SearchError {
    fn from(e: SyntaxError) -> Self {
        Self::Syntax {
            message: e.message,
            column: e.column,
        }
    }
}

/// One search: the text and how to narrow and page the hits.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The search text (see the README for the syntax).
    pub query: String,
    /// Keep only these kinds (none: every kind).
    pub types: Vec<DocType>,
    /// Keep only resources about this concept or a narrower one (slug or IRI).
    pub concept: Option<String>,
    /// Keep only resources with this review status (`approved`, `wr:Submitted`, an IRI…).
    pub status: Option<String>,
    /// Number of hits to return (at most [`MAX_LIMIT`]).
    pub limit: usize,
    /// Number of hits to skip.
    pub offset: usize,
}

impl SearchRequest {
    /// A request for `query` with no filters and the default limit.
    pub fn new(query: impl Into<String>) -> Self {
        Self {
            query: query.into(),
            types: Vec::new(),
            concept: None,
            status: None,
            limit: DEFAULT_LIMIT,
            offset: 0,
        }
    }
}

/// The answer to a search: how many resources match in all, and the requested page of hits.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Number of matching resources (all pages).
    pub total: usize,
    /// The hits of the requested page, best first.
    pub hits: Vec<Hit>,
}

/// One matching resource.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// The resource's IRI.
    pub iri: String,
    /// Its kind: `passage`, `statement`, `source` or `concept`.
    #[serde(rename = "type")]
    pub doc_type: &'static str,
    /// BM25 score (higher is better).
    pub score: f32,
    /// HTML-escaped excerpt with the matches in `<mark>`.
    pub snippet: String,
    /// The source a passage quotes or a statement cites (the source itself for a source; `null`
    /// for a concept).
    pub source: Option<SourceRef>,
}

/// A source as shown with a hit.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    /// The source's IRI.
    pub iri: String,
    /// Its `dct:title`, when it has one.
    pub title: Option<String>,
}
