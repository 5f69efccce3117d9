//! The HTTP service: one file per endpoint family, each exporting `router()`, merged here.
//!
//! Only this module knows HTTP. Handlers run blocking store work on tokio's blocking pool.

mod error;
mod evaluate;
mod graph_store;
mod multipart;
mod negotiate;
mod queries;
mod request;
mod search;
mod sparql;
mod update;
pub mod why;

pub use error::ApiError;

use crate::config::ServeConfig;
use crate::search::SearchIndex;
use crate::store::WarrantStore;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::sync::Arc;
use tower_http::cors::{Any, CorsLayer};

/// What every handler can reach: the store, its search index and the configuration.
#[derive(Clone)]
pub struct AppState {
    /// The store (shared; cheap to clone).
    pub store: WarrantStore,
    /// The full-text index, kept in step with the store (shared; cheap to clone).
    pub search: SearchIndex,
    /// Settings of this server.
    pub config: Arc<ServeConfig>,
}

impl AppState {
    /// State over a store and its search index with the given settings.
    pub fn new(store: WarrantStore, search: SearchIndex, config: ServeConfig) -> Self {
        Self {
            store,
            search,
            config: Arc::new(config),
        }
    }
}

/// The whole application: SPARQL protocol, updates, Graph Store Protocol, named queries, search,
/// case evaluation and why-chains.
pub fn app(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::HEAD,
            axum::http::Method::POST,
        ])
        .allow_headers([axum::http::header::CONTENT_TYPE, axum::http::header::ACCEPT]);
    let reads = Router::new()
        .merge(sparql::router())
        .merge(queries::router())
        .merge(search::router())
        .merge(why::router())
        .merge(evaluate::router())
        .layer(cors);
    Router::new()
        .merge(reads)
        .merge(update::router())
        .merge(graph_store::router())
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not-found",
                "no such endpoint; see the README for /sparql, /update, /store, /queries, /search, /evaluate and /why",
            )
        })
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
