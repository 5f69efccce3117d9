//! What an operator's tooling asks a service: `GET /healthz` (the process answers), `GET /readyz`
//! (it can serve correct answers: the store reads, the search index, the inferred graph and the
//! derivation records are current — else 503 with the reasons), `GET /version`, and
//! `POST /admin/backup` (an online backup of the store, admin role).

use super::request::{blocking, read_body, require};
use super::{ApiError, AppState};
use crate::auth::Role;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::routing::post;
use serde_json::json;

/// Routes of the operations endpoints.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/version", get(version))
        .route("/admin/backup", post(backup))
}

/// `POST /admin/backup` with `{"path": "/absolute/new/dir"}` (a path on the server's machine):
/// a consistent copy of the store taken while it serves; 201 `{"path", "store", "generation"}`.
async fn backup(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    require(&state, &headers, Role::Admin)?;
    let bytes = read_body(&state, body).await?;
    let request: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(
            "bad-request",
            format!("the body must be JSON {{\"path\": …}}: {e}"),
        )
    })?;
    let path = request["path"]
        .as_str()
        .filter(|p| std::path::Path::new(p).is_absolute())
        .ok_or_else(|| {
            ApiError::bad_request(
                "bad-request",
                "path must be an absolute path on the server's machine (a directory that does not exist yet)",
            )
        })?
        .to_owned();
    if matches!(state.config.location, crate::config::StoreLocation::Memory) {
        return Err(ApiError::bad_request(
            "bad-request",
            "this server keeps its store in memory (--memory): there is nothing on disk to back up",
        ));
    }
    let store = state.store.clone();
    let target = path.clone();
    let copied = blocking(move || Ok(store.backup(std::path::Path::new(&target))?)).await?;
    tracing::info!(path = %path, generation = copied.generation, "backup written");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "path": path,
            "store": copied.id,
            "generation": copied.generation,
        })),
    )
        .into_response())
}

/// 200 while the process serves requests at all.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// Why the server cannot give correct answers now (empty: ready).
fn not_ready(state: &AppState) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Err(e) = state.store.state() {
        reasons.push(format!("the store cannot be read: {e}"));
    }
    if let Some(why) = state.search.failure() {
        reasons.push(format!("the search index is not current: {why}"));
    }
    if let Some(why) = state.reasoner.as_ref().and_then(|r| r.failure()) {
        reasons.push(format!("the inferred graph is not current: {why}"));
    }
    if let Some(why) = state.store.record_writer().failure() {
        reasons.push(format!("the derivation records are not current: {why}"));
    }
    reasons
}

/// 200 `{"status": "ready"}`, or 503 `not-ready` whose message lists the reasons.
async fn readyz(State(state): State<AppState>) -> Result<Response, ApiError> {
    let reasons = blocking(move || Ok(not_ready(&state))).await?;
    if reasons.is_empty() {
        Ok(Json(json!({ "status": "ready" })).into_response())
    } else {
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            reasons.join("; "),
        ))
    }
}

/// The build and the store format this server runs.
async fn version(State(state): State<AppState>) -> Json<serde_json::Value> {
    let location = match &state.config.location {
        crate::config::StoreLocation::Disk(_) => "disk (RocksDB)",
        crate::config::StoreLocation::Memory => "memory",
    };
    Json(json!({
        "name": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "commit": env!("WARRANT_GIT_COMMIT"),
        "store": {
            "engine": "oxigraph",
            "engineVersion": env!("WARRANT_OXIGRAPH_VERSION"),
            "location": location,
            "searchIndexFormat": crate::search::INDEX_FORMAT,
        },
    }))
}
