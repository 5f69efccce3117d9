//! Pieces every endpoint shares: the size-limited body, multi-valued parameters, the write guard,
//! and running blocking store work.

use super::{ApiError, AppState};
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode};

/// Reads the whole body, refusing it with 413 past the configured limit.
pub async fn read_body(state: &AppState, body: Body) -> Result<Bytes, ApiError> {
    let limit = state.config.body_limit;
    axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            format!("the request body exceeds the limit of {limit} bytes"),
        )
    })
}

/// `name=value` pairs of a URL query string or a form body, in order, percent-decoded.
pub fn pairs(encoded: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Every value of `name`.
pub fn all<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The single value of `name`; more than one is a bad request.
pub fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ApiError> {
    match all(pairs, name).as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        _ => Err(ApiError::bad_request(
            "bad-request",
            format!("the parameter {name:?} was given more than once"),
        )),
    }
}

/// Parses IRIs given as protocol parameters (`default-graph-uri` …).
pub fn iris(values: &[&str], name: &str) -> Result<Vec<oxigraph::model::NamedNode>, ApiError> {
    values
        .iter()
        .map(|v| {
            oxigraph::model::NamedNode::new(*v).map_err(|e| {
                ApiError::bad_request("bad-request", format!("{name}: {v:?} is not an IRI: {e}"))
            })
        })
        .collect()
}

/// Allows a write only with `Authorization: Bearer <admin token>`; with no token configured every
/// write is refused. 401 when the credentials are missing or wrong, 403 when writes are disabled.
pub fn require_writer(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = state.config.admin_token.as_deref() else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "writes are disabled: start the server with --admin-token (or WARRANT_ADMIN_TOKEN)",
        ));
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(token) if constant_time_eq(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the bearer token is not valid for writes",
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "writes need an Authorization: Bearer <token> header",
        )),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `http://host:port` as the client addressed this server (the `Host` header), else the bind address.
/// Graph IRIs of direct identification, `Location`s, the base IRI of requests and the service
/// description's endpoint derive from it.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        // a host name, IPv4 or [IPv6] address and port: nothing that could break out of an IRI
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._:[]".contains(c))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| state.config.bind.to_string());
    format!("http://{host}")
}

/// Runs blocking store work on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
}
