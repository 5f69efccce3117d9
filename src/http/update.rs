//! SPARQL 1.1 Update at `/update`: POST `application/sparql-update` or form `update=`, writers only.

use super::request::{
    all, base_url, blocking, change_meta, iris, pairs, read_body, require, single,
};
use super::{ApiError, AppState, negotiate};
use crate::auth::Role;
use crate::store::{Change, Op, parse_update};
use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;

/// Routes of the update endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/update", post(post_update))
}

async fn post_update(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let principal = require(&state, &headers, Role::Admin)?;
    let meta = change_meta(&principal, &headers, "SPARQL update");
    let mut params = pairs(raw.unwrap_or_default().as_bytes());
    let body = read_body(&state, body).await?;
    negotiate::require_utf8(&headers, "bad-update")?;
    let text = match negotiate::content_type(&headers).as_deref() {
        Some("application/sparql-update") => String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::bad_request("bad-update", "the update is not valid UTF-8"))?,
        Some("application/x-www-form-urlencoded") => {
            let form = pairs(&body);
            if form.iter().any(|(k, _)| k == "query") {
                return Err(ApiError::bad_request(
                    "bad-request",
                    "queries are sent to /sparql, not to /update",
                ));
            }
            let text = single(&form, "update")?
                .ok_or_else(|| {
                    ApiError::bad_request("bad-request", "the form has no update parameter")
                })?
                .to_owned();
            params.extend(form);
            text
        }
        other => {
            return Err(ApiError::unsupported_media_type(
                other.unwrap_or("(none)"),
                "application/sparql-update or application/x-www-form-urlencoded",
            ));
        }
    };
    let using_default = iris(&all(&params, "using-graph-uri"), "using-graph-uri")?;
    let using_named = iris(
        &all(&params, "using-named-graph-uri"),
        "using-named-graph-uri",
    )?;
    // relative IRIs resolve against the endpoint (the protocol leaves the base to the service)
    let base = format!("{}/update", base_url(&state));
    let update = parse_update(&text, Some(&base)).map_err(|e| ApiError::syntax("bad-update", e))?;
    let store = state.store.clone();
    blocking(move || {
        store
            .apply(
                Change::one(Op::Update {
                    update,
                    using_default,
                    using_named,
                })
                .by(meta),
            )
            .map_err(ApiError::from)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
