//! Comparing results the way the W3C suite means them: solutions unordered unless the query orders
//! them, blank nodes up to a consistent renaming (isomorphism), numbers and booleans by value.
//!
//! Deviation, on purpose: a typed numeric or boolean literal is compared through its canonical form
//! ("01"^^xsd:integer equals "1"^^xsd:integer, "1.0E6"^^xsd:double equals "1000000"^^xsd:double), so
//! a server that changes the lexical form of a number is not caught here. Language tags compare
//! case-insensitively. Literals of the types derived from xsd:integer (xsd:int,
//! xsd:negativeInteger…) compare as xsd:integer: they share its values, and Oxigraph's store keeps
//! them as xsd:integer. CSV loses term kinds, so CSV cells compare as text, numbers by value.

use super::matching::{describe_rows, solutions_match};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::dataset::CanonicalizationAlgorithm;
use oxigraph::model::{BlankNode, Dataset, GraphName, Literal, Quad, Term};
use oxigraph::sparql::results::{
    QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput,
};
use std::str::FromStr;

/// A solution: (variable name, value) pairs sorted by name; unbound variables are absent.
pub type Row = Vec<(String, Term)>;

/// Results of a query, in a form that can be compared.
#[derive(Debug)]
pub enum Results {
    /// An ASK answer.
    Boolean(bool),
    /// A SELECT answer.
    Solutions {
        /// Variable names of the header.
        variables: Vec<String>,
        /// The solutions, in the order received.
        rows: Vec<Row>,
    },
    /// A CONSTRUCT / DESCRIBE answer (in the default graph).
    Graph(Dataset),
}

/// Parses SPARQL results (XML, JSON, TSV) into comparable form, literals normalised.
pub fn parse_results(bytes: &[u8], format: QueryResultsFormat) -> Result<Results, String> {
    match QueryResultsParser::from_format(format)
        .for_slice(bytes)
        .map_err(|e| format!("unparsable {format} results: {e}"))?
    {
        SliceQueryResultsParserOutput::Boolean(b) => Ok(Results::Boolean(b)),
        SliceQueryResultsParserOutput::Solutions(solutions) => {
            let variables = solutions
                .variables()
                .iter()
                .map(|v| v.as_str().to_owned())
                .collect();
            let mut rows = Vec::new();
            for solution in solutions {
                let solution = solution.map_err(|e| format!("unparsable {format} results: {e}"))?;
                rows.push(row(solution
                    .iter()
                    .map(|(v, t)| (v.as_str().to_owned(), t.clone()))));
            }
            Ok(Results::Solutions { variables, rows })
        }
    }
}

/// Parses CSV results (RFC 4180): cells become simple literals, numbers are compared by value,
/// `_:x` cells are blank nodes.
pub fn parse_csv(text: &str) -> Result<Results, String> {
    let mut records = csv_records(text).into_iter();
    let variables = records.next().ok_or("empty CSV")?;
    let mut rows = Vec::new();
    for record in records {
        if record.len() != variables.len() {
            return Err(format!(
                "CSV row {record:?} has not {} cells",
                variables.len()
            ));
        }
        rows.push(row(variables.iter().zip(record).filter_map(|(v, cell)| {
            let term: Term = if cell.is_empty() {
                return None;
            } else if let Some(id) = cell.strip_prefix("_:") {
                BlankNode::new(id).ok()?.into()
            } else if let Ok(n) = f64::from_str(&cell) {
                Literal::from(n).into()
            } else {
                Literal::new_simple_literal(cell).into()
            };
            Some((v.clone(), term))
        })));
    }
    Ok(Results::Solutions { variables, rows })
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !record.is_empty() {
        record.push(cell);
        records.push(record);
    }
    records
}

/// Parses RDF into quads of `graph` (triples formats) with `base` for relative IRIs.
pub fn parse_rdf(
    bytes: &[u8],
    format: RdfFormat,
    base: &str,
    graph: GraphName,
) -> Result<Vec<Quad>, String> {
    RdfParser::from_format(format)
        .with_base_iri(base)
        .map_err(|e| e.to_string())?
        .with_default_graph(graph)
        .for_slice(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("unparsable {}: {e}", format.name()))
}

/// The RDF format of a file, by extension.
pub fn rdf_format_of(path: &str) -> Option<RdfFormat> {
    RdfFormat::from_extension(path.rsplit('.').next()?)
}

/// Results written in RDF with the DAWG result-set vocabulary (`rs:ResultSet`), if `quads` are such.
pub fn result_set(quads: &[Quad]) -> Option<Results> {
    const RS: &str = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#";
    let of = |s: &Term, p: &str| -> Vec<Term> {
        quads
            .iter()
            .filter(|q| Term::from(q.subject.clone()) == *s && q.predicate.as_str() == p)
            .map(|q| q.object.clone())
            .collect()
    };
    let set = quads.iter().find(|q| {
        q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
            && matches!(&q.object, Term::NamedNode(n) if n.as_str() == format!("{RS}ResultSet"))
    })?;
    let set = Term::from(set.subject.clone());
    let name = |t: &Term| match t {
        Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    };
    if let Some(Term::Literal(b)) = of(&set, &format!("{RS}boolean")).first() {
        return Some(Results::Boolean(b.value() == "true"));
    }
    let variables = of(&set, &format!("{RS}resultVariable"))
        .iter()
        .map(name)
        .collect();
    let rows = of(&set, &format!("{RS}solution"))
        .iter()
        .map(|solution| {
            row(of(solution, &format!("{RS}binding"))
                .iter()
                .filter_map(|b| {
                    let variable = of(b, &format!("{RS}variable")).first().map(name)?;
                    Some((variable, of(b, &format!("{RS}value")).first()?.clone()))
                }))
        })
        .collect();
    Some(Results::Solutions { variables, rows })
}

fn row(pairs: impl IntoIterator<Item = (String, Term)>) -> Row {
    let mut row: Row = pairs.into_iter().map(|(v, t)| (v, normalize(&t))).collect();
    row.sort_by(|a, b| a.0.cmp(&b.0));
    row
}

/// A term with numeric and boolean literals in canonical form and language tags lower-cased.
pub fn normalize(term: &Term) -> Term {
    let Term::Literal(literal) = term else {
        return term.clone();
    };
    if let Some(language) = literal.language() {
        return Literal::new_language_tagged_literal_unchecked(
            literal.value(),
            language.to_ascii_lowercase(),
        )
        .into();
    }
    let datatype = literal.datatype();
    let local = datatype
        .as_str()
        .strip_prefix("http://www.w3.org/2001/XMLSchema#")
        .unwrap_or("");
    let value = literal.value().trim();
    let canonical = match local {
        "integer" | "int" | "long" | "short" | "byte" | "nonNegativeInteger"
        | "nonPositiveInteger" | "positiveInteger" | "negativeInteger" | "unsignedLong"
        | "unsignedInt" | "unsignedShort" | "unsignedByte" => {
            i128::from_str(value.strip_prefix('+').unwrap_or(value))
                .ok()
                .map(|i| i.to_string())
        }
        "decimal" => oxsdatatypes::Decimal::from_str(value)
            .ok()
            .map(|d| d.to_string()),
        "double" => oxsdatatypes::Double::from_str(value)
            .ok()
            .map(|d| d.to_string()),
        "float" => oxsdatatypes::Float::from_str(value)
            .ok()
            .map(|d| d.to_string()),
        "boolean" => oxsdatatypes::Boolean::from_str(value)
            .ok()
            .map(|b| b.to_string()),
        _ => None,
    };
    match canonical {
        // integer-derived types share xsd:integer's values (Oxigraph stores them as xsd:integer)
        Some(c) if !matches!(local, "decimal" | "double" | "float" | "boolean") => {
            Literal::new_typed_literal(c, oxigraph::model::vocab::xsd::INTEGER).into()
        }
        Some(c) => Literal::new_typed_literal(c, datatype).into(),
        None => term.clone(),
    }
}

/// Whether `actual` answers like `expected`; the error says how they differ.
pub fn compare(expected: &Results, actual: &Results, ordered: bool) -> Result<(), String> {
    match (expected, actual) {
        (Results::Boolean(e), Results::Boolean(a)) if e == a => Ok(()),
        (Results::Boolean(e), Results::Boolean(a)) => Err(format!("expected {e}, got {a}")),
        (
            Results::Solutions {
                variables: ev,
                rows: er,
            },
            Results::Solutions {
                variables: av,
                rows: ar,
            },
        ) => {
            let (mut ev, mut av) = (ev.clone(), av.clone());
            ev.sort();
            av.sort();
            if ev != av {
                return Err(format!("variables: expected {ev:?}, got {av:?}"));
            }
            if solutions_match(er, ar, ordered) {
                Ok(())
            } else {
                Err(describe_rows(er, ar, ordered))
            }
        }
        (Results::Graph(e), Results::Graph(a)) => same_dataset(e, a),
        (e, a) => Err(format!("expected {}, got {}", kind_of(e), kind_of(a))),
    }
}

fn kind_of(r: &Results) -> &'static str {
    match r {
        Results::Boolean(_) => "a boolean",
        Results::Solutions { .. } => "solutions",
        Results::Graph(_) => "a graph",
    }
}

/// Whether two datasets are isomorphic once literals are normalised.
pub fn same_dataset(expected: &Dataset, actual: &Dataset) -> Result<(), String> {
    let canonical = |d: &Dataset| {
        let mut out: Dataset = d
            .iter()
            .map(|q| {
                let q = q.into_owned();
                Quad::new(q.subject, q.predicate, normalize(&q.object), q.graph_name)
            })
            .collect();
        out.canonicalize(CanonicalizationAlgorithm::Unstable);
        out
    };
    let (e, a) = (canonical(expected), canonical(actual));
    if e == a {
        return Ok(());
    }
    let show = |d: &Dataset, other: &Dataset| {
        let mut lines: Vec<String> = d
            .iter()
            .filter(|q| !other.contains(*q))
            .map(|q| q.to_string())
            .collect();
        lines.sort();
        lines.truncate(8);
        lines.join("\n      ")
    };
    Err(format!(
        "not isomorphic ({} expected quads, {} actual)\n    missing: {}\n    unexpected: {}",
        e.len(),
        a.len(),
        show(&e, &a),
        show(&a, &e)
    ))
}
