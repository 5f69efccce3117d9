//! Change sets over HTTP: `GET /history?iri=IRI` (the changes touching a resource, newest first),
//! `GET /changes` (all, newest first, paged), `GET /changes/{id}` and `POST /changes/{id}/revert` (undo as a new change set; 409 when later
//! changes conflict).

use super::request::{blocking, pairs, require, single};
use super::{ApiError, AppState};
use crate::auth::Role;
use crate::curate;
use crate::store::history;
use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use oxigraph::model::NamedNode;

/// Routes of the change-set API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/history", get(history))
        .route("/changes", get(recent))
        .route("/changes/{id}", get(change))
        .route("/changes/{id}/revert", post(revert))
}

async fn history(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    let iri = single(&params, "iri")?
        .ok_or_else(|| ApiError::bad_request("bad-request", "give the resource as ?iri=IRI"))?;
    let iri = NamedNode::new(iri).map_err(|e| {
        ApiError::bad_request("bad-parameter", format!("iri: {iri:?} is not an IRI: {e}"))
    })?;
    let store = state.store.clone();
    let changes = blocking(move || Ok(history::touching(store.oxigraph(), &iri)?)).await?;
    Ok(Json(changes).into_response())
}

/// `GET /changes?limit=&offset=`: every change set, newest first (`limit` default 50, at most 1000).
async fn recent(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    let number = |name: &str, default: usize| -> Result<usize, ApiError> {
        single(&params, name)?.map_or(Ok(default), |v| {
            v.parse().map_err(|_| {
                ApiError::bad_request(
                    "bad-parameter",
                    format!("{name}: {v:?} is not a non-negative integer"),
                )
            })
        })
    };
    let limit = number("limit", 50)?.min(1000);
    let offset = number("offset", 0)?;
    let store = state.store.clone();
    let (total, changes) =
        blocking(move || Ok(history::recent(store.oxigraph(), limit, offset)?)).await?;
    Ok(Json(serde_json::json!({ "total": total, "changes": changes })).into_response())
}

async fn change(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let id2 = id.clone();
    let found = blocking(move || Ok(history::read(store.oxigraph(), &id2)?)).await?;
    match found {
        Some(set) => Ok(Json(set).into_response()),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("no change set {id:?}"),
        )),
    }
}

async fn revert(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let principal = require(&state, &headers, Role::Curator)?;
    let message = headers
        .get("x-warrant-message")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let store = state.store.clone();
    let id2 = id.clone();
    let applied = blocking(move || {
        curate::revert(&store, &id2, &principal, message.as_deref()).map_err(ApiError::from)
    })
    .await?;
    let new_id = applied.change_id.clone();
    let mut response = (
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": new_id,
            "reverts": id,
            "added": applied.added.len(),
            "removed": applied.removed.len(),
        })),
    )
        .into_response();
    if let Some(location) =
        new_id.and_then(|n| HeaderValue::from_str(&format!("/changes/{n}")).ok())
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
