//! Review over HTTP: `POST /curation/{kind}/{id}/review` (a reviewer sets under-review, approved or
//! rejected; four eyes) and `GET /review/queue` (what waits for review).

use super::curation::{checked_id, kind_of};
use super::request::{blocking, read_body, require};
use super::{ApiError, AppState};
use crate::auth::{Principal, Role};
use crate::curate::{self, ReviewStatus, describe, etag};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};

/// Routes of the review workflow.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/curation/{kind}/{id}/review", post(review))
        .route("/review/queue", get(queue))
}

#[derive(serde::Deserialize)]
struct ReviewBody {
    status: String,
    #[serde(default)]
    comment: Option<String>,
}

async fn review(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = require(&state, &headers, Role::Reviewer)?;
    let kind = kind_of(&kind)?;
    checked_id(&id)?;
    let bytes = read_body(&state, body).await?;
    let body: ReviewBody = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(
            "bad-request",
            format!("the body must be JSON {{\"status\": \"under-review\" | \"approved\" | \"rejected\", \"comment\": \"…\"}}: {e}"),
        )
    })?;
    let status = ReviewStatus::parse(&body.status).ok_or_else(|| {
        ApiError::bad_request(
            "bad-request",
            format!(
                "status {:?} is not one of under-review, approved, rejected",
                body.status
            ),
        )
    })?;
    let store = state.store.clone();
    let reviewer: Principal = principal;
    let id2 = id.clone();
    let (applied, tag) = blocking(move || {
        let applied = curate::review(
            &store,
            kind,
            &id2,
            status,
            body.comment.as_deref(),
            &reviewer,
        )?;
        let tag = etag(&describe(&store, &kind.iri(&id2))?);
        Ok((applied, tag))
    })
    .await?;
    let mut response = Json(serde_json::json!({
        "id": id,
        "iri": kind.iri(&id).as_str(),
        "status": status.as_str(),
        "change": applied.change_id,
        "etag": tag,
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(header::ETAG, v);
    }
    Ok(response)
}

async fn queue(
    State(state): State<AppState>,
    Extension(_reader): Extension<Principal>,
) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let items = blocking(move || Ok(curate::queue(&store)?)).await?;
    Ok(Json(items).into_response())
}
