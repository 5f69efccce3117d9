//! Named queries: GET `/queries` lists them (JSON), GET `/queries/{name}?param=value` runs one.

use super::request::{blocking, pairs};
use super::sparql::{QueryInput, run_query};
use super::{ApiError, AppState};
use crate::queries;
use crate::store::ProtocolDataset;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

/// Routes of the named-query endpoints.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/queries", get(list))
        .route("/queries/{name}", get(run))
}

async fn list(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state.store.clone();
    let list = blocking(move || queries::list(&store).map_err(ApiError::from)).await?;
    Ok(Json(serde_json::json!({ "queries": list })))
}

async fn run(
    State(state): State<AppState>,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let values = pairs(raw.unwrap_or_default().as_bytes());
    let store = state.store.clone();
    let (query, parsed) =
        blocking(move || queries::get(&store, &name).map_err(ApiError::from)).await?;
    let bindings = queries::bindings(&query, &values)?;
    run_query(
        &state,
        QueryInput::Parsed(Box::new(parsed)),
        ProtocolDataset::default(),
        bindings,
        &headers,
    )
    .await
}
