//! Full-text search at `/search`: `GET ?q=&type=&concept=&status=&limit=&offset=` answers
//! `{"total", "hits": [{"iri", "type", "score", "snippet", "source": {"iri", "title"}}]}`.

use super::request::{blocking, pairs, single};
use super::{ApiError, AppState};
use crate::search::{DEFAULT_LIMIT, DocType, SearchError, SearchRequest, SearchResults};
use axum::Json;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::get;

/// Parameters `/search` understands.
const PARAMETERS: [&str; 6] = ["q", "type", "concept", "status", "limit", "offset"];

/// Routes of the search endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResults>, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    if let Some((name, _)) = params
        .iter()
        .find(|(k, _)| !PARAMETERS.contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(
            "unknown-parameter",
            format!(
                "/search has no parameter {name:?}; use {}",
                PARAMETERS.join(", ")
            ),
        ));
    }
    let query = single(&params, "q")?
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("bad-parameter", "q (the search text) is required"))?
        .to_owned();
    let types = match single(&params, "type")? {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .filter(|t| !t.trim().is_empty())
            .map(|t| {
                DocType::parse(t).ok_or_else(|| {
                    ApiError::bad_request(
                        "bad-parameter",
                        format!("type {t:?} is not one of passage, statement, source, concept"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
    };
    let number = |name: &str, default: usize| -> Result<usize, ApiError> {
        single(&params, name)?.map_or(Ok(default), |v| {
            v.trim().parse().map_err(|_| {
                ApiError::bad_request(
                    "bad-parameter",
                    format!("{name} must be a non-negative integer, not {v:?}"),
                )
            })
        })
    };
    let request = SearchRequest {
        query,
        types,
        concept: single(&params, "concept")?.map(str::to_owned),
        status: single(&params, "status")?.map(str::to_owned),
        limit: number("limit", DEFAULT_LIMIT)?,
        offset: number("offset", 0)?,
    };
    let index = state.search.clone();
    let store = state.store.clone();
    blocking(move || {
        if let Some(status) = request.status.as_deref().filter(|s| !s.trim().is_empty()) {
            crate::search::check_status(&store, status)?;
        }
        index.search(&request).map_err(ApiError::from)
    })
    .await
    .map(Json)
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Syntax { message, column } => Self {
                line: Some(1),
                column: u64::try_from(column).ok(),
                ..Self::bad_request("bad-query", message)
            },
            SearchError::BadParameter(m) => Self::bad_request("bad-parameter", m),
            SearchError::Unavailable(_) => {
                tracing::error!("{e}");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "search-unavailable",
                    "the search index could not follow the last change and is being repaired; restart the server to rebuild it",
                )
            }
            SearchError::Store(s) => s.into(),
            other => Self::internal(other),
        }
    }
}
