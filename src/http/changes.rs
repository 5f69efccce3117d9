//! Change sets over HTTP: `GET /history?iri=IRI` (the changes touching a resource, newest first,
//! with that resource's triples only), `GET /changes` (all, newest first, paged, each with a bounded
//! number of triples), `GET /changes/{id}` (one, its triples paged) and `POST /changes/{id}/revert`
//! (undo as a new change set; 409 when later changes conflict). Every change set carries the totals
//! of the triples it added and removed, and `truncated: true` when the answer shows fewer.

use super::request::{blocking, pairs, require, single};
use super::{ApiError, AppState};
use crate::auth::Role;
use crate::curate;
use crate::store::history::Triples;
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

/// The parameters a route takes; any other is 400 `unknown-parameter`.
fn known(params: &[(String, String)], route: &str, names: &[&str]) -> Result<(), ApiError> {
    match params.iter().find(|(k, _)| !names.contains(&k.as_str())) {
        Some((name, _)) => Err(ApiError::bad_request(
            "unknown-parameter",
            format!(
                "{route} has no parameter {name:?}; use {}",
                names.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// The non-negative integer parameter `name` (`default` when absent), at most `max`.
fn number(
    params: &[(String, String)],
    name: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let value: usize = single(params, name)?.map_or(Ok(default), |v| {
        v.parse().map_err(|_| {
            ApiError::bad_request(
                "bad-parameter",
                format!("{name}: {v:?} is not a non-negative integer"),
            )
        })
    })?;
    Ok(value.min(max))
}

/// Triples per side a change set shows in a list (`/history`, `/changes`) unless `triples=` says.
const LIST_TRIPLES: usize = 100;
/// Triples per side `/changes/{id}` shows per page unless `limit=` says.
const PAGE_TRIPLES: usize = 1000;
/// The most triples per side any one answer shows.
const MAX_TRIPLES: usize = 10_000;

/// `GET /history?iri=&triples=`: the change sets touching a resource, newest first, each with the
/// triples describing that resource only (at most `triples` per side, default 100) and the totals of
/// the whole change set.
async fn history(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    known(&params, "/history", &["iri", "triples"])?;
    let iri = single(&params, "iri")?
        .ok_or_else(|| ApiError::bad_request("bad-request", "give the resource as ?iri=IRI"))?;
    let iri = NamedNode::new(iri).map_err(|e| {
        ApiError::bad_request("bad-parameter", format!("iri: {iri:?} is not an IRI: {e}"))
    })?;
    let limit = number(&params, "triples", LIST_TRIPLES, MAX_TRIPLES)?;
    let store = state.store.clone();
    let changes = blocking(move || Ok(store.changes_touching(&iri, limit)?)).await?;
    Ok(Json(changes).into_response())
}

/// `GET /changes?limit=&offset=&triples=`: every change set, newest first (`limit` default 50, at
/// most 1000), each with at most `triples` of its triples per side (default 100; the totals always).
async fn recent(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    known(&params, "/changes", &["limit", "offset", "triples"])?;
    let limit = number(&params, "limit", 50, 1000)?;
    let offset = number(&params, "offset", 0, usize::MAX)?;
    let triples = Triples::Page {
        offset: 0,
        limit: number(&params, "triples", LIST_TRIPLES, MAX_TRIPLES)?,
    };
    let store = state.store.clone();
    let (total, changes) =
        blocking(move || Ok(store.recent_changes(limit, offset, &triples)?)).await?;
    Ok(Json(serde_json::json!({ "total": total, "changes": changes })).into_response())
}

/// `GET /changes/{id}?offset=&limit=`: one change set with one page of its triples per side
/// (`limit` default 1000, at most 10000) and the totals.
async fn change(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    known(&params, "/changes/{id}", &["offset", "limit"])?;
    let triples = Triples::Page {
        offset: number(&params, "offset", 0, usize::MAX)?,
        limit: number(&params, "limit", PAGE_TRIPLES, MAX_TRIPLES)?,
    };
    let store = state.store.clone();
    let id2 = id.clone();
    let found = blocking(move || Ok(store.change_set(&id2, &triples)?)).await?;
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
