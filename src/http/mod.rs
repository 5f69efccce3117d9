//! The HTTP service: one file per endpoint family, each exporting `router()`, merged here.
//!
//! Only this module knows HTTP. Handlers run blocking store work on tokio's blocking pool. Every
//! request first passes [`principal`] (a bad token is 401 everywhere; without a token,
//! 401 when anonymous access is off); writes then ask [`require`] for the role they need.

pub mod api;
mod cds;
mod changes;
pub mod conn;
mod curation;
mod error;
mod evaluate;
mod graph_store;
pub mod guard;
pub mod metrics;
mod multipart;
mod negotiate;
mod openapi;
mod ops;
mod queries;
mod request;
mod review;
mod search;
mod sparql;
mod ui;
mod update;
pub mod why;

pub use error::ApiError;
pub use request::{principal, require};

use crate::auth::Users;
use crate::config::ServeConfig;
use crate::curate::ContextAllowList;
use crate::reason::ReasonerStatus;
use crate::search::SearchIndex;
use crate::store::WarrantStore;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{Extensions, HeaderMap, StatusCode, Version};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::compression::{CompressionLayer, DefaultPredicate, Predicate};
use tower_http::cors::{Any, CorsLayer};

/// What every handler can reach: the store, its search index, the configuration and the users
/// ([`Shared`], through `Deref`). One `Arc`: axum clones the state for every extractor and
/// middleware of every request, and one reference count is cheaper for concurrent requests to
/// share than one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The fields of [`AppState`].
#[derive(Clone)]
pub struct Shared {
    /// The store (shared; cheap to clone).
    pub store: WarrantStore,
    /// The full-text index, kept in step with the store (shared; cheap to clone).
    pub search: SearchIndex,
    /// Settings of this server.
    pub config: Arc<ServeConfig>,
    /// Users whose bearer tokens are accepted (besides the admin token); shared.
    pub users: Users,
    /// Remote JSON-LD contexts curators' bodies may use (served from local copies, never fetched).
    pub contexts: ContextAllowList,
    /// Whether the live reasoner's inferred graph is current (`None`: no reasoning).
    pub reasoner: Option<ReasonerStatus>,
    /// The figures `GET /metrics` reports (shared).
    pub metrics: Arc<metrics::Metrics>,
    /// One permit per query being evaluated (`--max-concurrent-queries`), held until its
    /// evaluation has really stopped.
    pub query_slots: Arc<tokio::sync::Semaphore>,
    /// The CDS Hooks services' settings and shared state (shared).
    pub cds: Arc<crate::cds::CdsService>,
}

impl AppState {
    /// State over a store and its search index with the given settings and no users (see
    /// [`with_users`](Self::with_users)).
    pub fn new(store: WarrantStore, search: SearchIndex, config: ServeConfig) -> Self {
        Self(Arc::new(Shared {
            store,
            search,
            query_slots: Arc::new(tokio::sync::Semaphore::new(
                config.max_concurrent_queries.max(1),
            )),
            config: Arc::new(config),
            users: Users::default(),
            contexts: ContextAllowList::default(),
            reasoner: None,
            metrics: Arc::new(metrics::Metrics::new()),
            cds: Arc::default(),
        }))
    }

    /// The same state reporting the live reasoner's status in `/readyz`.
    pub fn with_reasoner(mut self, reasoner: Option<ReasonerStatus>) -> Self {
        Arc::make_mut(&mut self.0).reasoner = reasoner;
        self
    }

    /// The same state running the CDS Hooks services with these settings.
    pub fn with_cds(mut self, settings: crate::cds::CdsSettings) -> Self {
        Arc::make_mut(&mut self.0).cds = Arc::new(crate::cds::CdsService::new(settings));
        self
    }

    /// The same state allowing these remote JSON-LD contexts in curation bodies.
    pub fn with_contexts(mut self, contexts: ContextAllowList) -> Self {
        Arc::make_mut(&mut self.0).contexts = contexts;
        self
    }

    /// The same state accepting these users' tokens.
    pub fn with_users(mut self, users: Users) -> Self {
        Arc::make_mut(&mut self.0).users = users;
        self
    }
}

/// Authenticates every request (except CORS preflights) before its handler runs, and hands the
/// [`Principal`](crate::auth::Principal) on as a request extension.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    // the workbench's files hold no data (a browser cannot send a bearer token when navigating);
    // CDS Hooks clients authenticate with their own signed JWTs (see `cds.rs`)
    if request.method() == axum::http::Method::OPTIONS
        || ui::is_page(request.uri().path())
        || request.uri().path().starts_with("/cds-services")
    {
        return next.run(request).await;
    }
    match principal(&state, request.headers()) {
        Ok(p) => {
            request.extensions_mut().insert(p);
            next.run(request).await
        }
        Err(e) => e.into_response(),
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
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::ACCEPT,
            axum::http::header::AUTHORIZATION,
        ]);
    let reads = Router::new()
        .merge(sparql::router())
        .merge(queries::router())
        .merge(search::router())
        .merge(why::router())
        .merge(evaluate::router())
        .merge(cds::router())
        .layer(cors);
    // curators' and reviewers' browser tools edit with ETags: their methods and headers are allowed
    let curation_cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([
            axum::http::Method::GET,
            axum::http::Method::HEAD,
            axum::http::Method::POST,
            axum::http::Method::PUT,
            axum::http::Method::PATCH,
            axum::http::Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::CONTENT_TYPE,
            axum::http::header::ACCEPT,
            axum::http::header::AUTHORIZATION,
            axum::http::header::IF_MATCH,
            axum::http::header::IF_NONE_MATCH,
            axum::http::HeaderName::from_static("slug"),
            axum::http::HeaderName::from_static("x-warrant-message"),
        ])
        .expose_headers([axum::http::header::ETAG, axum::http::header::LOCATION]);
    let curation = Router::new()
        .merge(curation::router())
        .merge(review::router())
        .merge(changes::router())
        .layer(curation_cors);
    Router::new()
        .merge(reads)
        .merge(update::router())
        .merge(graph_store::router())
        .merge(curation)
        .merge(ops::router())
        .merge(metrics::router())
        .merge(ui::router())
        .merge(openapi::router())
        .route_layer(middleware::from_fn(guard::known_parameters))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .fallback(|| async {
            ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not-found",
                "no such endpoint; see the README for /sparql, /update, /store, /queries, /search, /evaluate, /why, /cds-services, /curation, /review/queue, /history, /changes, /healthz, /readyz, /version, /metrics and /openapi.json",
            )
        })
        .layer(middleware::from_fn_with_state(state.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            guard::early_checks,
        ))
        .layer(middleware::from_fn(guard::json_errors))
        .layer(DefaultBodyLimit::disable())
        // gzip for clients that ask for it (browsers do): the example's JSON answer is about 165 KB,
        // 22 KB on the wire. Not for responses with an ETag: a strong validator names one encoding.
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(|_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
                !headers.contains_key(axum::http::header::ETAG)
            }),
        ))
        // request headers (Authorization!) are never logged: spans carry method, URI and version
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                tower_http::trace::DefaultMakeSpan::new().include_headers(false),
            ),
        )
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes in-flight requests, with the
/// connection limits of the configuration (see [`conn`]).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = conn::ConnectionLimits {
        max_connections: state.config.max_connections,
        header_timeout: state.config.header_timeout,
    };
    conn::serve(listener, app(state), limits, shutdown).await
}
