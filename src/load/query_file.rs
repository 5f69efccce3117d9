//! The header of a SPARQL file, and its description as RDF.
//!
//! A query file opens with `#` comment lines of the form `# key: value` (lines without a key continue
//! the previous value). Named queries use `title`, `description` and one `param` line per parameter
//! (`# param: name — what to pass`); rules use `id`, `concludes` and `limitations`.

use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Triple, vocab::rdf};

/// The `# key: value` header of a SPARQL file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryHeader {
    /// `title:` — a short human name.
    pub title: Option<String>,
    /// `description:` — what the query answers.
    pub description: Option<String>,
    /// `param:` lines — (variable name without `?`, explanation).
    pub params: Vec<(String, String)>,
    /// Every other `key: value` pair in order (`id`, `concludes`, `limitations`, ...).
    pub fields: Vec<(String, String)>,
}

impl QueryHeader {
    /// The value of a header field other than title, description and param.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the header comment block at the start of a SPARQL file.
pub fn parse_query_header(text: &str) -> QueryHeader {
    let mut header = QueryHeader::default();
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let Some(comment) = trimmed.strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        match comment.split_once(':') {
            Some((key, value))
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') =>
            {
                entries.push((key.to_ascii_lowercase(), value.trim().to_owned()));
            }
            _ => {
                if let Some((_, value)) = entries.last_mut() {
                    if !comment.is_empty() {
                        if !value.is_empty() {
                            value.push(' ');
                        }
                        value.push_str(comment);
                    }
                }
            }
        }
    }
    for (key, value) in entries {
        match key.as_str() {
            "title" => header.title = Some(value),
            "description" => header.description = Some(value),
            "param" => {
                let value = value.trim_start_matches('?');
                let (name, doc) = match value.find(|c: char| !(c.is_alphanumeric() || c == '_')) {
                    Some(end) => (
                        &value[..end],
                        value[end..]
                            .trim_start_matches([' ', '—', '-', ':', '–'])
                            .trim(),
                    ),
                    None => (value, ""),
                };
                header.params.push((name.to_owned(), doc.to_owned()));
            }
            _ => header.fields.push((key, value)),
        }
    }
    header
}

/// The IRI describing a query file: `https://w3id.org/warrant/query/{path without queries/ and .rq}`.
pub fn query_iri(rel_path: &str) -> NamedNode {
    let name = rel_path.strip_prefix("queries/").unwrap_or(rel_path);
    let name = name.strip_suffix(".rq").unwrap_or(name);
    NamedNode::new_unchecked(format!("{}{}", vocab::QUERY, name.replace(' ', "%20")))
}

/// Triples describing a query file: its type, title, description, parameters and SPARQL text.
pub fn describe(rel_path: &str, text: &str) -> Vec<Triple> {
    let header = parse_query_header(text);
    let subject = query_iri(rel_path);
    let mut triples = vec![
        Triple::new(subject.clone(), rdf::TYPE, vocab::QUERY_FILE),
        Triple::new(subject.clone(), vocab::SPARQL_TEXT, Literal::from(text)),
    ];
    if rel_path.starts_with("queries/named/") {
        triples.push(Triple::new(subject.clone(), rdf::TYPE, vocab::NAMED_QUERY));
    }
    if let Some(title) = &header.title {
        triples.push(Triple::new(
            subject.clone(),
            vocab::DCT_TITLE,
            Literal::from(title.as_str()),
        ));
    }
    if let Some(description) = &header.description {
        triples.push(Triple::new(
            subject.clone(),
            vocab::DCT_DESCRIPTION,
            Literal::from(description.as_str()),
        ));
    }
    for (name, _) in &header.params {
        triples.push(Triple::new(
            subject.clone(),
            vocab::PARAMETER,
            Literal::from(name.as_str()),
        ));
    }
    triples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_params_and_continuations() {
        let header = parse_query_header(
            "# title: Statements\n# description: Every statement\n#   about a concept.\n# param: concept — IRI of a concept\n# id: x\nSELECT * {}",
        );
        assert_eq!(header.title.as_deref(), Some("Statements"));
        assert_eq!(
            header.description.as_deref(),
            Some("Every statement about a concept.")
        );
        assert_eq!(
            header.params,
            vec![("concept".into(), "IRI of a concept".into())]
        );
        assert_eq!(header.field("id"), Some("x"));
    }
}
