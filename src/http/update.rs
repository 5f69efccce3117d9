//! SPARQL 1.1 Update at `/update`: POST `application/sparql-update` or form `update=`, writers only.

use super::request::{
    all, base_url, change_meta, iris, on_large_stack, pairs, read_body, require, single,
};
use super::{ApiError, AppState, negotiate};
use crate::auth::Role;
use crate::store::{Change, Op, StoreError, parse_update};
use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use oxigraph::sparql::CancellationToken;

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
    // the time limit starts now: an update waiting for the write lock spends it too
    let deadline = CancellationToken::new();
    let timer = tokio::spawn({
        let deadline = deadline.clone();
        let limit = state.config.update_timeout;
        async move {
            tokio::time::sleep(limit).await;
            deadline.cancel();
        }
    });
    let store = state.store.clone();
    let limit = state.config.update_timeout;
    let outcome = on_large_stack(move || {
        let update =
            parse_update(&text, Some(&base)).map_err(|e| ApiError::syntax("bad-update", e))?;
        let change = Change::one(Op::Update {
            update,
            using_default,
            using_named,
        })
        .by(meta);
        store.apply_until(change, &deadline).map_err(|e| match e {
            StoreError::Cancelled => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "the update ran past the time limit ({} s, serve --update-timeout) and was \
                         rolled back: nothing was written",
                    limit.as_secs_f64()
                ),
            ),
            other => ApiError::from(other),
        })
    })
    .await;
    timer.abort();
    outcome?;
    Ok(StatusCode::NO_CONTENT)
}
