//! Parsing one file into quads for its graph.

use super::files::{SourceFile, graph_iri_for};
use super::query_file;
use flate2::read::GzDecoder;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, NamedNode, Quad};
use std::io::Read;

/// Why a file could not be loaded; nothing of it is written when this happens.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file's extension names no format Warrant reads.
    #[error(
        "{path}: unsupported file type (expected .ttl .nt .nq .trig .rdf .owl .jsonld .rq, optionally .gz)"
    )]
    UnsupportedFormat {
        /// Path of the file, as given.
        path: String,
    },
    /// The file is not valid in its format.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// Path of the file, as given.
        path: String,
        /// 1-based line of the error (0 when unknown).
        line: u64,
        /// 1-based column of the error (0 when unknown).
        column: u64,
        /// What the parser found wrong.
        message: String,
    },
    /// Reading (or decompressing) the file failed.
    #[error("{path}: {source}")]
    Io {
        /// Path of the file, as given.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Parses `file` into quads: triples go to the file's own graph, quads of a dataset file keep theirs.
pub fn parse_file(file: &SourceFile) -> Result<(NamedNode, Vec<Quad>), LoadError> {
    let graph = graph_iri_for(&file.rel_path);
    let (name, bytes) = decompress(file)?;
    if name.ends_with(".rq") {
        let text = String::from_utf8(bytes).map_err(|e| LoadError::Syntax {
            path: file.rel_path.clone(),
            line: 0,
            column: 0,
            message: format!("not UTF-8: {e}"),
        })?;
        let quads = query_file::describe(&file.rel_path, &text)
            .into_iter()
            .map(|t| t.in_graph(graph.clone()))
            .collect();
        return Ok((graph, quads));
    }
    let format = rdf_format_of(&name).ok_or_else(|| LoadError::UnsupportedFormat {
        path: file.rel_path.clone(),
    })?;
    let quads = parse_rdf(
        &bytes,
        format,
        GraphName::NamedNode(graph.clone()),
        Some(graph.as_str()),
    )
    .map_err(|(line, column, message)| LoadError::Syntax {
        path: file.rel_path.clone(),
        line,
        column,
        message,
    })?;
    Ok((graph, quads))
}

/// The RDF format of a file name (after any `.gz` suffix was removed).
pub fn rdf_format_of(name: &str) -> Option<RdfFormat> {
    let ext = name.rsplit('.').next()?;
    match ext {
        "owl" => Some(RdfFormat::RdfXml),
        "jsonld" => Some(RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        }),
        other => RdfFormat::from_extension(other),
    }
}

/// Parses RDF bytes; triples land in `default_graph`. Errors carry 1-based line and column.
/// Input beyond the [`crate::limits`] (JSON-LD nesting, XML entity expansion) is refused as a
/// syntax error naming the limit.
pub fn parse_rdf(
    bytes: &[u8],
    format: RdfFormat,
    default_graph: GraphName,
    base_iri: Option<&str>,
) -> Result<Vec<Quad>, (u64, u64, String)> {
    parse_rdf_capped(bytes, format, default_graph, base_iri, usize::MAX).map_err(|e| match e {
        ParseRdfError::Syntax {
            line,
            column,
            message,
        } => (line, column, message),
        ParseRdfError::TooComplex(t) => (t.line.unwrap_or(0), t.column.unwrap_or(0), t.message),
    })
}

/// Why [`parse_rdf_capped`] refused a document.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ParseRdfError {
    /// Not valid in its format (line and column 1-based, 0 when unknown).
    #[error("{line}:{column}: {message}")]
    Syntax {
        /// Line of the error.
        line: u64,
        /// Column of the error.
        column: u64,
        /// What the parser found wrong.
        message: String,
    },
    /// Deeper or larger than a limit: JSON-LD nesting, XML entity expansion, or more quads than
    /// allowed.
    #[error(transparent)]
    TooComplex(#[from] crate::limits::TooComplex),
}

/// [`parse_rdf`] that stops once the document has produced more than `max_quads` quads (a memory
/// ceiling for bodies sent by clients), and that reports limits apart from syntax errors.
pub fn parse_rdf_capped(
    bytes: &[u8],
    format: RdfFormat,
    default_graph: GraphName,
    base_iri: Option<&str>,
    max_quads: usize,
) -> Result<Vec<Quad>, ParseRdfError> {
    match format {
        RdfFormat::JsonLd { .. } => crate::limits::check_json(bytes)?,
        RdfFormat::RdfXml => crate::limits::check_xml(bytes)?,
        _ => {}
    }
    let mut parser = RdfParser::from_format(format).with_default_graph(default_graph);
    if let Some(base) = base_iri {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| ParseRdfError::Syntax {
                line: 0,
                column: 0,
                message: format!("bad base IRI: {e}"),
            })?;
    }
    let mut quads = Vec::new();
    for quad in parser.for_slice(bytes) {
        let quad = quad.map_err(|e| {
            let (line, column) = e
                .location()
                .map(|r| (r.start.line + 1, r.start.column + 1))
                .unwrap_or((0, 0));
            ParseRdfError::Syntax {
                line,
                column,
                message: e.to_string(),
            }
        })?;
        if quads.len() == max_quads {
            return Err(crate::limits::TooComplex::new(format!(
                "the document holds more than {max_quads} triples or quads, the most one request \
                 body may hold; load it in parts or with `warrant load`"
            ))
            .into());
        }
        quads.push(quad);
    }
    Ok(quads)
}

fn decompress(file: &SourceFile) -> Result<(String, Vec<u8>), LoadError> {
    match file.rel_path.strip_suffix(".gz") {
        Some(inner) => {
            let mut out = Vec::new();
            GzDecoder::new(file.bytes.as_slice())
                .read_to_end(&mut out)
                .map_err(|source| LoadError::Io {
                    path: file.rel_path.clone(),
                    source,
                })?;
            Ok((inner.to_owned(), out))
        }
        None => Ok((file.rel_path.clone(), file.bytes.clone())),
    }
}
