//! Serialising query results in the format a client asked for.

use super::StoreError;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryResults};

/// A concrete output format: a SPARQL results format (SELECT / ASK) or an RDF format (graphs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// SPARQL results JSON, XML, CSV or TSV.
    Results(QueryResultsFormat),
    /// Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads or TriG.
    Rdf(RdfFormat),
}

impl OutputFormat {
    /// The media type sent as `Content-Type`.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Results(f) => f.media_type(),
            Self::Rdf(f) => f.media_type(),
        }
    }

    /// A format from a short name used on the command line (`json`, `xml`, `csv`, `tsv`, `ttl`,
    /// `nt`, `rdf`, `jsonld`, `nq`, `trig`) or a media type.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "json" => Some(Self::Results(QueryResultsFormat::Json)),
            "xml" => Some(Self::Results(QueryResultsFormat::Xml)),
            "csv" => Some(Self::Results(QueryResultsFormat::Csv)),
            "tsv" => Some(Self::Results(QueryResultsFormat::Tsv)),
            "ttl" | "turtle" => Some(Self::Rdf(RdfFormat::Turtle)),
            "nt" | "ntriples" => Some(Self::Rdf(RdfFormat::NTriples)),
            "rdf" | "rdfxml" => Some(Self::Rdf(RdfFormat::RdfXml)),
            "jsonld" => Some(Self::Rdf(RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfileSet::empty(),
            })),
            "nq" | "nquads" => Some(Self::Rdf(RdfFormat::NQuads)),
            "trig" => Some(Self::Rdf(RdfFormat::TriG)),
            other => QueryResultsFormat::from_media_type(other)
                .map(Self::Results)
                .or_else(|| RdfFormat::from_media_type(other).map(Self::Rdf)),
        }
    }
}

/// Writes `results` in `format` into `out`. A mismatch (a graph asked for as CSV…) is a bad request.
pub fn write_results(
    results: QueryResults<'_>,
    format: OutputFormat,
    out: &mut Vec<u8>,
) -> Result<(), StoreError> {
    write(results, format, out, None)
}

/// [`write_results`] that stops with [`StoreError::Cancelled`] as soon as `cancel` is cancelled
/// (checked before each row: a timed-out or abandoned query stops growing its answer).
pub fn write_results_until(
    results: QueryResults<'_>,
    format: OutputFormat,
    out: &mut Vec<u8>,
    cancel: &CancellationToken,
) -> Result<(), StoreError> {
    write(results, format, out, Some(cancel))
}

fn write(
    results: QueryResults<'_>,
    format: OutputFormat,
    out: &mut Vec<u8>,
    cancel: Option<&CancellationToken>,
) -> Result<(), StoreError> {
    let alive = || match cancel {
        Some(token) if token.is_cancelled() => Err(StoreError::Cancelled),
        _ => Ok(()),
    };
    match (results, format) {
        (QueryResults::Solutions(solutions), OutputFormat::Results(f)) => {
            let mut writer = QueryResultsSerializer::from_format(f)
                .serialize_solutions_to_writer(out, solutions.variables().to_vec())?;
            for solution in solutions {
                alive()?;
                writer.serialize(&solution?)?;
            }
            writer.finish()?;
        }
        (QueryResults::Boolean(value), OutputFormat::Results(f)) => {
            QueryResultsSerializer::from_format(f).serialize_boolean_to_writer(out, value)?;
        }
        (QueryResults::Graph(triples), OutputFormat::Rdf(f)) => {
            let mut writer = RdfSerializer::from_format(f).for_writer(out);
            for triple in triples {
                alive()?;
                writer.serialize_triple(&triple?)?;
            }
            writer.finish()?;
        }
        (_, format) => {
            return Err(StoreError::BadRequest(format!(
                "results of this query cannot be written as {}",
                format.media_type()
            )));
        }
    }
    Ok(())
}
