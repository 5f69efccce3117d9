//! Checks every request passes before its handler, and the one JSON error shape for answers the
//! framework makes by itself.
//!
//! - [`early_checks`]: a declared `Content-Length` over `--body-limit` is 413 at once (the body is
//!   never read, so `Expect: 100-continue` is never granted beyond the limit); an
//!   `X-Warrant-Message` over [`MAX_MESSAGE_BYTES`] is 400.
//! - [`known_parameters`]: a URL query parameter the route does not understand (per
//!   [`super::api::ROUTES`]) is 400 `unknown-parameter` (a misspelt `defualt-graph-uri` silently
//!   ignored changes an answer).
//! - [`json_errors`]: an error status without a JSON body — 405 from method routing, extractor
//!   rejections — gets the `{"error", "message"}` body every other error has.

use super::request::{pairs, too_large};
use super::{ApiError, AppState};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Longest `X-Warrant-Message` accepted, in bytes (it is kept with the change set).
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// 413 for a declared body over the limit, 400 for an over-long change message — before anything
/// else runs.
pub async fn early_checks(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > state.config.body_limit as u64) {
        let mut response = too_large(state.config.body_limit).into_response();
        // the body is never read: the connection cannot be reused
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return response;
    }
    if let Some(message) = request.headers().get("x-warrant-message") {
        if message.len() > MAX_MESSAGE_BYTES {
            return ApiError::bad_request(
                "bad-request",
                format!(
                    "X-Warrant-Message is {} bytes; at most {MAX_MESSAGE_BYTES} are kept with a change set",
                    message.len()
                ),
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// 400 `unknown-parameter` for a URL query parameter the matched route does not understand.
pub async fn known_parameters(request: Request, next: Next) -> Response {
    let Some(route) = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
    else {
        return next.run(request).await;
    };
    let Some(entry) = super::api::route(&route) else {
        // the table is the API's description: a route missing from it is a bug, found by tests
        if cfg!(debug_assertions) {
            return ApiError::internal(format!("route {route} is missing from http::api::ROUTES"))
                .into_response();
        }
        return next.run(request).await;
    };
    if let (Some(known), Some(query)) = (entry.parameters, request.uri().query()) {
        if let Some((name, _)) = pairs(query.as_bytes())
            .into_iter()
            .find(|(k, _)| !known.contains(&k.as_str()))
        {
            let hint = if known.is_empty() {
                "it takes no parameters".to_owned()
            } else {
                format!("it takes {}", known.join(", "))
            };
            return ApiError::bad_request(
                "unknown-parameter",
                format!("{route} has no parameter {name:?}; {hint}"),
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// The error code of a status the framework answered by itself.
fn code_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad-request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        405 => "method-not-allowed",
        406 => "not-acceptable",
        408 => "request-timeout",
        409 => "conflict",
        411 => "length-required",
        412 => "precondition-failed",
        413 => "payload-too-large",
        414 => "uri-too-long",
        415 => "unsupported-media-type",
        422 => "unprocessable",
        428 => "precondition-required",
        431 => "headers-too-large",
        503 => "unavailable",
        500..=599 => "internal",
        _ => "error",
    }
}

/// Gives every error answer without a JSON body the one error shape (keeping its headers, e.g.
/// `Allow` on a 405).
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            let ct = ct.split(';').next().unwrap_or("").trim();
            ct == "application/json" || ct.ends_with("+json")
        });
    if is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        let allowed = parts
            .headers
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        format!("this endpoint does not answer {method}; it answers {allowed}")
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("error")
            .to_ascii_lowercase()
    } else {
        text
    };
    let mut answer = ApiError::new(status, code_of(status), message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_code() {
        assert_eq!(
            code_of(StatusCode::METHOD_NOT_ALLOWED),
            "method-not-allowed"
        );
        assert_eq!(code_of(StatusCode::BAD_GATEWAY), "internal");
    }
}
