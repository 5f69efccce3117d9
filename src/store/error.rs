//! Errors of the store layer.

use oxigraph::model::NamedNode;

/// What went wrong in the store; every write that fails with one of these changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The on-disk store could not be opened (missing permissions, locked by another process…).
    #[error("cannot open the store at {path}: {message}")]
    Open {
        /// Store directory.
        path: String,
        /// Underlying reason.
        message: String,
    },
    /// SPARQL text that does not parse.
    #[error("{message}")]
    Syntax {
        /// The parser's message.
        message: String,
        /// 1-based line of the error, when known.
        line: Option<u64>,
        /// 1-based column of the error, when known.
        column: Option<u64>,
    },
    /// A request that is well-formed but cannot be carried out as asked (e.g. conflicting dataset).
    #[error("{0}")]
    BadRequest(String),
    /// Query or update evaluation failed.
    #[error("evaluation failed: {0}")]
    Evaluation(String),
    /// Query or update text, or a body, deeper or larger than a documented limit
    /// ([`crate::limits`]).
    #[error(transparent)]
    TooComplex(#[from] crate::limits::TooComplex),
    /// The query was cancelled because it ran past the time limit.
    #[error("the query was cancelled: it ran past the time limit")]
    Cancelled,
    /// A named graph that does not exist.
    #[error("graph {0} does not exist")]
    GraphNotFound(NamedNode),
    /// CREATE of a graph that already exists.
    #[error("graph {0} already exists")]
    GraphExists(NamedNode),
    /// A file and the curated state of its graph disagree; nothing was changed.
    #[error("{0}")]
    Conflict(String),
    /// A write Warrant never allows (e.g. editing a record graph).
    #[error("{0}")]
    Forbidden(String),
    /// A write refused by a guard (the SHACL shapes): nothing was changed. `report` says why, per
    /// focus node, as JSON.
    #[error("{message}")]
    Rejected {
        /// One line saying why.
        message: String,
        /// The guard's report (for SHACL: a validation report in JSON).
        report: serde_json::Value,
    },
    /// A change planned against a state that no longer holds (a stale ETag, a revert whose
    /// triples changed since).
    #[error("{0}")]
    Precondition(String),
    /// An operation Warrant refuses (e.g. LOAD of a remote document).
    #[error("{0}")]
    Unsupported(String),
    /// A file or body that could not be parsed.
    #[error(transparent)]
    Load(#[from] crate::load::LoadError),
    /// The derivation records could not be written in the background: reads of the record graphs
    /// are refused until they are rewritten (see [`super::RecordWriter`]).
    #[error(
        "derivation records unavailable: writing them failed ({0}); restart or reload to rebuild them"
    )]
    RecordsUnavailable(String),
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    /// Writing serialised results failed.
    #[error("serialisation failed: {0}")]
    Io(#[from] std::io::Error),
}

impl From<oxigraph::sparql::QueryEvaluationError> for StoreError {
    fn from(e: oxigraph::sparql::QueryEvaluationError) -> Self {
        match e {
            oxigraph::sparql::QueryEvaluationError::Cancelled => Self::Cancelled,
            other => Self::Evaluation(other.to_string()),
        }
    }
}

impl StoreError {
    /// A syntax error from the SPARQL parser, with the line and column it reports.
    pub fn from_sparql_syntax(e: &spargebra::SparqlSyntaxError) -> Self {
        let raw = e.to_string();
        let (line, column) = line_column(&raw);
        Self::Syntax {
            message: readable_syntax_error(&raw, line, column),
            line,
            column,
        }
    }
}

/// Most expected tokens a syntax error names (the parser lists every token it could take, often
/// dozens).
const EXPECTED_SHOWN: usize = 6;

/// One sentence for a parser message "error at 3:14: expected one of A, B, …": where, and the
/// first few tokens that could come there (keywords and punctuation before character classes).
fn readable_syntax_error(raw: &str, line: Option<u64>, column: Option<u64>) -> String {
    let (Some(line), Some(column), Some((_, expected))) =
        (line, column, raw.split_once(": expected "))
    else {
        return raw.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    let list = expected.strip_prefix("one of ").unwrap_or(expected);
    // the list is ", "-separated; a "," token itself shows as `","`, which that split cuts in two
    let mut tokens: Vec<String> = Vec::new();
    for part in list.split(", ") {
        match tokens.last_mut() {
            Some(last) if last == "\"" && part == "\"" => last.push_str(",\""),
            _ => tokens.push(part.to_owned()),
        }
    }
    tokens.sort_by_key(|t| (!t.starts_with('"'), t.len() > 12));
    tokens.dedup();
    let shown = match tokens.len() {
        0 => "something else".to_owned(),
        1 => tokens[0].clone(),
        n if n <= EXPECTED_SHOWN => {
            format!("{} or {}", tokens[..n - 1].join(", "), tokens[n - 1])
        }
        n => format!(
            "{} or one of {} other tokens",
            tokens[..EXPECTED_SHOWN - 1].join(", "),
            n - (EXPECTED_SHOWN - 1)
        ),
    };
    format!("syntax error at line {line}, column {column}: expected {shown}")
}

/// Extracts `line:column` from the parser's message ("error at 3:14: expected …").
fn line_column(message: &str) -> (Option<u64>, Option<u64>) {
    let Some(rest) = message.split("error at ").nth(1) else {
        return (None, None);
    };
    let mut parts = rest.split([':', ' ']);
    let line = parts.next().and_then(|s| s.parse().ok());
    let column = parts.next().and_then(|s| s.parse().ok());
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_read_as_one_sentence() {
        let raw = "error at 3:1: expected one of \"(\", \"+\", \",\", \"-\", \"<\", \"?\", \"GRAPH\", ['0'..='9'], [^'\"']";
        let (line, column) = line_column(raw);
        let text = readable_syntax_error(raw, line, column);
        assert_eq!(
            text,
            "syntax error at line 3, column 1: expected \"(\", \"+\", \",\", \"-\", \"<\" or one of 4 other tokens"
        );
        assert_eq!(
            readable_syntax_error("error at 1:2: expected \"}\"", Some(1), Some(2)),
            "syntax error at line 1, column 2: expected \"}\""
        );
    }
}
