//! Reading a curator's request body (Turtle or JSON-LD) into triples about one resource.
//!
//! JSON-LD may carry a `@context`. A remote context (a URL) is never fetched from the network —
//! that would let any curator make the server request internal addresses (SSRF). Contexts the
//! operator allow-lists (`serve --jsonld-context URL=FILE`) are served from their local copies;
//! any other remote context is refused with a clear error.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Remote JSON-LD contexts the operator allows, by URL, with their (local) content.
#[derive(Debug, Clone, Default)]
pub struct ContextAllowList(Arc<BTreeMap<String, Vec<u8>>>);

impl ContextAllowList {
    /// An allow-list of `(url, document)` pairs.
    pub fn new(entries: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        Self(Arc::new(entries.into_iter().collect()))
    }

    /// The URLs allowed.
    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// A body that could not be read, with the position the parser reports.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct BodyError {
    /// What is wrong.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
}

/// The body formats a curator may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// `text/turtle`.
    Turtle,
    /// `application/ld+json`.
    JsonLd,
    /// `application/n-triples`.
    NTriples,
}

impl BodyFormat {
    /// The format of a `Content-Type` (parameters ignored).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        match media_type.split(';').next()?.trim() {
            "text/turtle" | "application/x-turtle" => Some(Self::Turtle),
            "application/ld+json" | "application/json" => Some(Self::JsonLd),
            "application/n-triples" => Some(Self::NTriples),
            _ => None,
        }
    }
}

/// Parses `bytes` with relative IRIs resolved against `base` (so `<>` is the resource itself).
pub fn parse_body(
    bytes: &[u8],
    format: BodyFormat,
    base: &str,
    contexts: &ContextAllowList,
) -> Result<Vec<Triple>, BodyError> {
    let position = |e: &dyn std::fmt::Display, loc: Option<(u64, u64)>| BodyError {
        message: e.to_string(),
        line: loc.map(|l| l.0),
        column: loc.map(|l| l.1),
    };
    match format {
        BodyFormat::Turtle | BodyFormat::NTriples => {
            let rdf_format = if format == BodyFormat::Turtle {
                RdfFormat::Turtle
            } else {
                RdfFormat::NTriples
            };
            let parser = RdfParser::from_format(rdf_format)
                .with_base_iri(base)
                .map_err(|e| position(&e, None))?;
            parser
                .for_slice(bytes)
                .map(|q| q.map(Triple::from))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| {
                    let loc = e.location().map(|r| (r.start.line + 1, r.start.column + 1));
                    position(&e, loc)
                })
        }
        BodyFormat::JsonLd => {
            let allowed = contexts.0.clone();
            let parser = oxjsonld::JsonLdParser::new()
                .with_base_iri(base)
                .map_err(|e| position(&e, None))?;
            parser
                .for_reader(bytes)
                .with_load_document_callback(move |url, _| match allowed.get(url) {
                    Some(document) => Ok(oxjsonld::JsonLdRemoteDocument {
                        document: document.clone(),
                        document_url: url.to_owned(),
                    }),
                    None => Err(format!(
                        "the remote JSON-LD context {url} is not fetched: remote contexts are not \
                         loaded unless the server allow-lists them (serve --jsonld-context URL=FILE); \
                         put the context inline instead"
                    )
                    .into()),
                })
                .map(|q| q.map(Triple::from))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| position(&e, None))
        }
    }
}
