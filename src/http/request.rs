//! Pieces every endpoint shares: the size-limited body, multi-valued parameters, who the request
//! acts as and the role guard, and running blocking store work.

use super::{ApiError, AppState};
use crate::auth::{Principal, Role, same_token};
use crate::config::AnonymousAccess;
use crate::store::ChangeMeta;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};

/// Reads the whole body: 413 past the configured limit, 408 when it does not arrive within the
/// body timeout, 400 when it is malformed (bad chunked encoding, a connection closed early).
pub async fn read_body(state: &AppState, body: Body) -> Result<Bytes, ApiError> {
    let limit = state.config.body_limit;
    let timeout = state.config.body_timeout;
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) if is_length_limit(&e) => Err(too_large(limit)),
        Ok(Err(e)) => Err(ApiError::bad_request(
            "bad-body",
            format!("the request body could not be read: {e}"),
        )),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request-timeout",
            format!(
                "the request body did not arrive within {} s",
                timeout.as_secs_f64()
            ),
        )),
    }
}

/// 413 `payload-too-large` for a body over `limit` bytes.
pub fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        format!("the request body exceeds the limit of {limit} bytes"),
    )
}

/// Whether reading a body failed because it passed the size limit (not because it was malformed).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
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

/// Who the request acts as. No `Authorization` header: the anonymous reader, or 401 when the
/// server runs with `--anonymous none`. A header that is not `Bearer <token>`, or a token that is
/// neither the admin token nor a user's: 401 (the message never says whether a user exists).
pub fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return match state.config.anonymous {
            AnonymousAccess::Reader => Ok(Principal::anonymous()),
            AnonymousAccess::Denied => Err(unauthorized(
                "this server needs an Authorization: Bearer <token> header on every request",
            )),
        };
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be Bearer <token>"))?;
    if let Some(admin) = state.config.admin_token.as_deref() {
        if same_token(token, admin) {
            return Ok(Principal::admin());
        }
    }
    state
        .users
        .authenticate(token)
        .ok_or_else(|| unauthorized("the bearer token is not valid"))
}

/// Who the request acts as, when that principal's role allows `needed`. 401 when credentials are
/// missing or wrong (see [`principal`]; without a header too, unless `needed` is reader), 403 when
/// the role does not allow it, and 403 for anything above reading when the server has neither an
/// admin token nor users.
pub fn require(state: &AppState, headers: &HeaderMap, needed: Role) -> Result<Principal, ApiError> {
    if needed != Role::Reader && state.config.admin_token.is_none() && state.users.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "writes are disabled: start the server with --admin-token (or WARRANT_ADMIN_TOKEN) \
             or --users FILE",
        ));
    }
    if needed != Role::Reader && !headers.contains_key(header::AUTHORIZATION) {
        return Err(unauthorized(format!(
            "this needs the {needed} role: send an Authorization: Bearer <token> header"
        )));
    }
    let principal = principal(state, headers)?;
    if principal.role.allows(needed) {
        Ok(principal)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this needs the {needed} role"),
        ))
    }
}

/// 401 `unauthorized` (the response carries `WWW-Authenticate: Bearer`, see `error.rs`).
fn unauthorized(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// The URL this server is reached at: `--public-url`, else `http://` and the address it listens on.
/// Graph IRIs of direct identification, `Location`s, the base IRI of requests and the service
/// description's endpoint derive from it — never from the request's `Host` header, which any
/// client can set (it would decide which graph a write lands in).
pub fn base_url(state: &AppState) -> String {
    state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", state.config.bind))
}

/// Runs blocking store work on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
}

/// Runs work that parses or evaluates user input on a pooled thread with a large stack
/// ([`crate::limits::run_on_large_stack`]): deep input the limits let through never overflows a
/// runtime thread.
pub async fn on_large_stack<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    crate::limits::run_on_large_stack(move || {
        let _ = sender.send(work());
    })
    .map_err(ApiError::internal)?;
    receiver
        .await
        .map_err(|_| ApiError::internal("a large-stack thread ended without an answer"))?
}

/// The change-set metadata of a write by `principal`: the message is the `X-Warrant-Message`
/// header when given (what and why, kept with the change set), else `default`.
pub fn change_meta(principal: &Principal, headers: &HeaderMap, default: &str) -> ChangeMeta {
    let message = headers
        .get("x-warrant-message")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(default);
    ChangeMeta::edit(&principal.name, principal.role.as_str(), message)
}
