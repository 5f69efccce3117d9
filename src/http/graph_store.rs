//! SPARQL 1.1 Graph Store HTTP Protocol at `/store`.
//!
//! A graph is named indirectly (`/store?graph=IRI`, `/store?default`) or directly (`/store/some/path`
//! names the graph whose IRI is that URL). `/store` alone is the whole dataset: GET returns it as TriG
//! or N-Quads, POST of triples creates a new graph (201 + Location), POST or PUT of TriG / N-Quads adds
//! or replaces quads. A write may send several documents as the parts of a `multipart/form-data`
//! body. Writes need the writer's bearer token and go through the store's one write path.

use super::request::{base_url, blocking, change_meta, pairs, read_body, require, single};
use super::{ApiError, AppState, multipart, negotiate};
use crate::auth::Role;
use crate::store::{Change, ChangeMeta, Op};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode, Quad};

/// Media types offered for a graph, default first.
const GRAPH_TYPES: [&str; 4] = [
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
];
/// Media types offered for the whole dataset, default first.
const DATASET_TYPES: [&str; 2] = ["application/trig", "application/n-quads"];

/// Routes of the Graph Store Protocol.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/store", any(indirect))
        .route("/store/{*path}", any(direct))
}

/// What a request addresses.
#[derive(Debug, Clone)]
enum Target {
    /// One graph (the default graph or a named one).
    Graph(GraphName),
    /// The whole dataset.
    Dataset,
}

async fn indirect(
    State(state): State<AppState>,
    method: Method,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    let graph = single(&params, "graph")?;
    let default = params.iter().any(|(k, _)| k == "default");
    let target = match (graph, default) {
        (Some(_), true) => {
            return Err(ApiError::bad_request(
                "bad-request",
                "give either ?graph=IRI or ?default, not both",
            ));
        }
        (Some(iri), false) => Target::Graph(
            NamedNode::new(iri)
                .map_err(|e| {
                    ApiError::bad_request(
                        "bad-request",
                        format!("graph: {iri:?} is not an IRI: {e}"),
                    )
                })?
                .into(),
        ),
        (None, true) => Target::Graph(GraphName::DefaultGraph),
        (None, false) => Target::Dataset,
    };
    handle(state, method, target, headers, body).await
}

async fn direct(
    State(state): State<AppState>,
    method: Method,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let iri = format!("{}/store/{path}", base_url(&state));
    let graph = NamedNode::new(&iri)
        .map_err(|e| ApiError::bad_request("bad-request", format!("{iri:?} is not an IRI: {e}")))?;
    handle(state, method, Target::Graph(graph.into()), headers, body).await
}

async fn handle(
    state: AppState,
    method: Method,
    target: Target,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    match method {
        Method::GET | Method::HEAD => read(state, method == Method::HEAD, target, &headers).await,
        Method::PUT | Method::POST | Method::DELETE => {
            let principal = require(&state, &headers, Role::Admin)?;
            let meta = change_meta(
                &principal,
                &headers,
                &format!("Graph Store Protocol {method}"),
            );
            write(state, method, target, headers, body, meta).await
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "the Graph Store Protocol accepts GET, HEAD, PUT, POST and DELETE",
        )),
    }
}

async fn read(
    state: AppState,
    head: bool,
    target: Target,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let offered: &[&str] = match target {
        Target::Graph(_) => &GRAPH_TYPES,
        Target::Dataset => &DATASET_TYPES,
    };
    let media =
        negotiate::choose(headers, offered).ok_or_else(|| ApiError::not_acceptable(offered))?;
    let format =
        RdfFormat::from_media_type(media).ok_or_else(|| ApiError::not_acceptable(offered))?;
    let store = state.store.clone();
    let body = blocking(move || {
        let records = match &target {
            Target::Graph(GraphName::NamedNode(g)) => crate::vocab::is_record_graph(g.as_str()),
            Target::Graph(_) => false,
            Target::Dataset => true,
        };
        if records {
            // the derivations graph is written just after each write returns: all of it first
            store.wait_records()?;
        }
        let mut writer = RdfSerializer::from_format(format).for_writer(Vec::new());
        match &target {
            Target::Graph(graph) => {
                if let GraphName::NamedNode(g) = graph {
                    if !store.has_graph(g)? {
                        return Err(crate::store::StoreError::GraphNotFound(g.clone()).into());
                    }
                }
                for quad in store.graph_quads(graph.as_ref(), None, None, None) {
                    writer
                        .serialize_triple(quad.map_err(ApiError::internal)?.as_ref())
                        .map_err(ApiError::internal)?;
                }
            }
            Target::Dataset => {
                for quad in store.all_quads() {
                    writer
                        .serialize_quad(quad.map_err(ApiError::internal)?.as_ref())
                        .map_err(ApiError::internal)?;
                }
            }
        }
        writer.finish().map_err(ApiError::internal)
    })
    .await?;
    let content_type =
        HeaderValue::from_str(&negotiate::content_type_value(media)).map_err(ApiError::internal)?;
    let body = if head {
        Body::empty()
    } else {
        Body::from(body)
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

async fn write(
    state: AppState,
    method: Method,
    target: Target,
    headers: HeaderMap,
    body: Body,
    meta: ChangeMeta,
) -> Result<Response, ApiError> {
    if method == Method::DELETE {
        let Target::Graph(graph) = target else {
            return Err(ApiError::bad_request(
                "bad-request",
                "DELETE needs ?graph=IRI or ?default; the whole dataset cannot be deleted this way",
            ));
        };
        let store = state.store.clone();
        blocking(move || {
            store
                .apply(
                    Change::one(Op::DropGraph {
                        graph,
                        must_exist: true,
                    })
                    .by(meta),
                )
                .map_err(ApiError::from)
        })
        .await?;
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let body = read_body(&state, body).await?;
    let documents = documents(&headers, body)?;
    let triples_only = documents.iter().all(|(_, f)| !f.supports_datasets());
    let (target, location) = match target {
        Target::Dataset if triples_only && method == Method::POST => {
            let iri = format!("{}/store/graph-{}", base_url(&state), fresh_id());
            let graph = NamedNode::new(&iri).map_err(ApiError::internal)?;
            (Target::Graph(graph.into()), Some(iri))
        }
        other => (other, None),
    };
    let store = state.store.clone();
    let put = method == Method::PUT;
    let created = blocking(move || {
        let (default_graph, base) = match &target {
            Target::Graph(g @ GraphName::NamedNode(n)) => (g.clone(), Some(n.as_str().to_owned())),
            Target::Graph(g) => (g.clone(), None),
            Target::Dataset => (GraphName::DefaultGraph, None),
        };
        let mut quads = Vec::new();
        for (body, format) in &documents {
            let room = crate::limits::BODY_MAX_QUADS - quads.len();
            let parsed = crate::load::parse_rdf_capped(
                body,
                *format,
                default_graph.clone(),
                base.as_deref(),
                room,
            )
            .map_err(|e| match e {
                crate::load::ParseRdfError::Syntax {
                    line,
                    column,
                    message,
                } => ApiError {
                    line: (line > 0).then_some(line),
                    column: (column > 0).then_some(column),
                    ..ApiError::bad_request("bad-rdf", message)
                },
                crate::load::ParseRdfError::TooComplex(t) => ApiError::too_complex(t),
            })?;
            quads.extend(parsed);
        }
        let mut ops = Vec::new();
        match &target {
            Target::Graph(graph) => {
                if quads.iter().any(|q: &Quad| &q.graph_name != graph) {
                    return Err(ApiError::bad_request(
                        "bad-request",
                        "the body names other graphs; send datasets to /store without ?graph",
                    ));
                }
                if put {
                    ops.push(Op::ClearGraph(graph.clone()));
                }
                if let GraphName::NamedNode(g) = graph {
                    ops.push(Op::CreateGraph(g.clone()));
                }
            }
            Target::Dataset if put => {
                // the asserted content graphs only: records (change sets, derivations) and the
                // inferred graph (the reasoner's) are never replaced
                for g in store.content_graphs().map_err(ApiError::from)? {
                    if !g.is_default_graph() && crate::vocab::is_asserted_content(g.as_ref()) {
                        ops.push(Op::DropGraph {
                            graph: g,
                            must_exist: false,
                        });
                    }
                }
                ops.push(Op::ClearGraph(GraphName::DefaultGraph));
            }
            Target::Dataset => {}
        }
        ops.push(Op::Insert(quads));
        let applied = store
            .apply(Change {
                ops,
                from_files: false,
                meta: Some(meta),
            })
            .map_err(ApiError::from)?;
        Ok(!applied.created_graphs.is_empty())
    })
    .await?;
    let mut response = if created {
        StatusCode::CREATED.into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    if let Some(location) = location {
        *response.status_mut() = StatusCode::CREATED;
        response.headers_mut().insert(
            header::LOCATION,
            HeaderValue::from_str(&location).map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

/// The RDF documents of a write: the body, or each part of a `multipart/form-data` body, with the
/// format its media type names.
fn documents(headers: &HeaderMap, body: Bytes) -> Result<Vec<(Bytes, RdfFormat)>, ApiError> {
    let format_of = |media: &str| {
        RdfFormat::from_media_type(media).ok_or_else(|| {
            ApiError::unsupported_media_type(
                media,
                "text/turtle, application/n-triples, application/rdf+xml, application/ld+json, application/trig, application/n-quads or multipart/form-data of these",
            )
        })
    };
    let media = negotiate::content_type(headers).unwrap_or_default();
    if media != "multipart/form-data" {
        return Ok(vec![(body, format_of(&media)?)]);
    }
    let header = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multipart::boundary(header).ok_or_else(|| {
        ApiError::bad_request("bad-request", "multipart/form-data without a boundary")
    })?;
    multipart::parts(&body, &boundary)?
        .into_iter()
        .map(|part| {
            Ok((
                part.body,
                format_of(part.media_type.as_deref().unwrap_or("(none)"))?,
            ))
        })
        .collect()
}

/// A new, practically unique identifier for a graph created by POST.
fn fresh_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{nanos:x}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}
