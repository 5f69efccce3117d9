//! One error shape for every endpoint: `{"error": code, "message": text, ...}` with a fitting status.

use crate::queries::NamedQueryError;
use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer: status code plus the stable JSON body.
#[derive(Debug, Clone, Serialize)]
pub struct ApiError {
    /// HTTP status (not serialised).
    #[serde(skip)]
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `bad-query`, `not-acceptable`, `timeout`.
    pub error: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// 1-based line of a syntax error, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// 1-based column of a syntax error, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// JSON path of the element at fault in a posted case (`entry[3].resource.valueQuantity.value`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Why a write was rejected, in detail: the SHACL validation report (`conforms`, `results`
    /// with focus node, path and message per violation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<Box<serde_json::Value>>,
}

impl ApiError {
    /// An error without position.
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            error,
            message: message.into(),
            line: None,
            column: None,
            path: None,
            report: None,
        }
    }

    /// 400 with the given code.
    pub fn bad_request(error: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, error, message)
    }

    /// 406: no representation matches `Accept`.
    pub fn not_acceptable(offered: &[&str]) -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            "not-acceptable",
            format!(
                "none of the media types in Accept can be produced; available: {}",
                offered.join(", ")
            ),
        )
    }

    /// 415: the body's Content-Type is not one this endpoint reads.
    pub fn unsupported_media_type(got: &str, expected: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!("Content-Type {got:?} is not supported here; use {expected}"),
        )
    }

    /// A syntax error in a query (`bad-query`), update (`bad-update`) or RDF body (`bad-rdf`).
    pub fn syntax(error: &'static str, e: StoreError) -> Self {
        match e {
            StoreError::Syntax {
                message,
                line,
                column,
            } => Self {
                status: StatusCode::BAD_REQUEST,
                error,
                message,
                line,
                column,
                path: None,
                report: None,
            },
            other => other.into(),
        }
    }

    /// 400 `too-complex`: input deeper or larger than a documented limit, with its position.
    pub fn too_complex(t: crate::limits::TooComplex) -> Self {
        Self {
            line: t.line,
            column: t.column,
            ..Self::bad_request("too-complex", t.message)
        }
    }

    /// 503 `busy`: every query slot is taken (`serve --max-concurrent-queries`); the response
    /// carries `Retry-After`.
    pub fn busy(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
    }

    /// 500 whose details are logged, never sent.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {e}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Syntax { .. } => Self::syntax("bad-query", e),
            StoreError::BadRequest(m) => Self::bad_request("bad-request", m),
            StoreError::Evaluation(m) => Self::bad_request("evaluation-error", m),
            StoreError::TooComplex(t) => Self::too_complex(t),
            StoreError::Cancelled => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "the query ran past the time limit and was cancelled",
            ),
            StoreError::GraphNotFound(g) => Self::new(
                StatusCode::NOT_FOUND,
                "graph-not-found",
                format!("graph <{}> does not exist", g.as_str()),
            ),
            StoreError::GraphExists(g) => Self::new(
                StatusCode::CONFLICT,
                "graph-exists",
                format!("graph <{}> already exists", g.as_str()),
            ),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            StoreError::Precondition(m) => {
                Self::new(StatusCode::PRECONDITION_FAILED, "precondition-failed", m)
            }
            StoreError::Rejected { message, report } => Self {
                report: Some(Box::new(report)),
                ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "shacl-violation", message)
            },
            StoreError::Unsupported(m) => Self::bad_request("unsupported", m),
            StoreError::RecordsUnavailable(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "records-unavailable",
                e.to_string(),
            ),
            StoreError::Load(crate::load::LoadError::Syntax {
                line,
                column,
                message,
                ..
            }) => Self {
                status: StatusCode::BAD_REQUEST,
                error: "bad-rdf",
                message,
                line: (line > 0).then_some(line),
                column: (column > 0).then_some(column),
                path: None,
                report: None,
            },
            StoreError::Load(other) => Self::bad_request("bad-rdf", other.to_string()),
            other => Self::internal(other),
        }
    }
}

impl From<NamedQueryError> for ApiError {
    fn from(e: NamedQueryError) -> Self {
        match e {
            NamedQueryError::NotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "query-not-found", e.to_string())
            }
            NamedQueryError::UnknownParameter { .. } => {
                Self::bad_request("unknown-parameter", e.to_string())
            }
            NamedQueryError::BadValue { .. } => Self::bad_request("bad-parameter", e.to_string()),
            NamedQueryError::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for ApiError {
    /// The JSON body with the status; a 401 also carries `WWW-Authenticate: Bearer` (RFC 6750).
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(&self)).into_response();
        // the code, for the metrics of refused writes
        response
            .extensions_mut()
            .insert(super::metrics::ErrorCode(self.error));
        if self.error == "busy" {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_records_are_a_503_with_a_clear_message() {
        let e = ApiError::from(StoreError::RecordsUnavailable("disk full".into()));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.error, "records-unavailable");
        assert!(
            e.message.contains("derivation records unavailable"),
            "{}",
            e.message
        );
        assert!(e.message.contains("disk full"), "{}", e.message);
    }
}
