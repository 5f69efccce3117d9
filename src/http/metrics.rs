//! `GET /metrics` in the Prometheus text format (the `prometheus` crate: one registry owned by the
//! server, rendered by its text encoder).
//!
//! Counted as requests pass ([`observe`], a middleware): requests by route, method and status with
//! latency histograms; writes by kind (the route family that wrote) and refused writes by reason
//! (the error code); evaluations by determination (counted by the evaluate handler). Read at each
//! scrape: store quads by graph kind, search index documents, the reasoner's updates, rounds and
//! time, derivation-record batches pending.

use super::{ApiError, AppState};
use crate::vocab;
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use oxigraph::model::GraphName;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::time::Instant;

/// The error code of an error answer, carried to [`observe`] as a response extension.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// The metrics of one server.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    writes: IntCounterVec,
    refused: IntCounterVec,
    evaluations: IntCounterVec,
    quads: IntGaugeVec,
    documents: IntGauge,
    reasoner: IntGaugeVec,
    records_pending: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(c.clone()))
        .expect("registered once");
    c
}

fn gauge(registry: &Registry, name: &str, help: &str) -> IntGauge {
    let g = IntGauge::new(name, help).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("registered once");
    g
}

fn gauges(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    let g = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry
        .register(Box::new(g.clone()))
        .expect("registered once");
    g
}

impl Metrics {
    /// A fresh registry with Warrant's metrics.
    pub fn new() -> Self {
        let registry = Registry::new();
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "warrant_http_request_duration_seconds",
                "Time from a request's head to its answer's head, by route and method",
            )
            .buckets(vec![
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["route", "method"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(latency.clone()))
            .expect("registered once");
        Self {
            requests: counter(
                &registry,
                "warrant_http_requests_total",
                "HTTP requests answered, by route, method and status",
                &["route", "method", "status"],
            ),
            latency,
            writes: counter(
                &registry,
                "warrant_writes_total",
                "Writes accepted, by kind (update, graph-store, curation, review, revert, keep, backup)",
                &["kind"],
            ),
            refused: counter(
                &registry,
                "warrant_writes_refused_total",
                "Writes refused, by reason (the error code of the answer)",
                &["reason"],
            ),
            evaluations: counter(
                &registry,
                "warrant_evaluations_total",
                "Case evaluations, by determination",
                &["determination"],
            ),
            quads: gauges(
                &registry,
                "warrant_store_quads",
                "Quads in the store, by kind of graph",
                &["graph_kind"],
            ),
            documents: gauge(
                &registry,
                "warrant_search_documents",
                "Documents in the full-text index",
            ),
            reasoner: gauges(
                &registry,
                "warrant_reasoner",
                "The live reasoner's work since start: updates, rounds, milliseconds",
                &["figure"],
            ),
            records_pending: gauge(
                &registry,
                "warrant_records_pending",
                "Derivation-record batches waiting to be written (readers of the records wait for them)",
            ),
            registry,
        }
    }

    /// Counts one evaluation with this determination (`necessary`, `not-necessary`, `indeterminate`).
    pub fn evaluation(&self, determination: &str) {
        self.evaluations.with_label_values(&[determination]).inc();
    }
}

/// The kind of write a route makes, for the routes that write.
fn write_kind(route: &str, method: &Method) -> Option<&'static str> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return None;
    }
    Some(match route {
        "/update" => "update",
        "/store" | "/store/{*path}" => "graph-store",
        "/curation/{kind}/{id}/review" => "review",
        "/changes/{id}/revert" => "revert",
        "/admin/backup" => "backup",
        r if r.starts_with("/curation") => "curation",
        _ => return None,
    })
}

/// Counts every request: by route (the route pattern, never the raw path: ids would make the
/// label set unbounded), method and status, its latency, and the writes it made or was refused.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(none)".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().clone();
    let keeps = route == "/evaluate"
        && request.uri().query().is_some_and(|q| {
            super::request::pairs(q.as_bytes())
                .iter()
                .any(|(k, v)| k == "keep" && v != "false")
        });
    let response = next.run(request).await;
    let metrics = &state.metrics;
    let status = response.status();
    metrics
        .requests
        .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
        .inc();
    metrics
        .latency
        .with_label_values(&[route.as_str(), method.as_str()])
        .observe(started.elapsed().as_secs_f64());
    let kind = if keeps {
        Some("keep")
    } else {
        write_kind(&route, &method)
    };
    if let Some(kind) = kind {
        if status.is_success() {
            metrics.writes.with_label_values(&[kind]).inc();
        } else if status.is_client_error() || status.is_server_error() {
            let reason = response
                .extensions()
                .get::<ErrorCode>()
                .map_or("error", |c| c.0);
            metrics.refused.with_label_values(&[reason]).inc();
        }
    }
    response
}

/// The kind of a graph, for `warrant_store_quads`.
fn graph_kind(graph: &GraphName) -> &'static str {
    let GraphName::NamedNode(n) = graph else {
        return "default";
    };
    let iri = n.as_str();
    if n.as_ref() == vocab::INFERRED_GRAPH {
        "inferred"
    } else if n.as_ref() == vocab::DERIVATIONS_GRAPH {
        "derivations"
    } else if iri.starts_with(vocab::FILE_GRAPH) {
        "file"
    } else if iri.starts_with(crate::curate::CURATED_GRAPH) {
        "curated"
    } else if iri.starts_with(vocab::DETERMINATION_GRAPH) {
        "determination"
    } else if iri.starts_with(vocab::CHANGE_GRAPH) {
        "change-set"
    } else if iri.starts_with(vocab::RECORD_GRAPH) {
        "catalog"
    } else {
        "other"
    }
}

/// Routes of the metrics endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// `GET /metrics`: the figures read at scrape time, then every family as Prometheus text.
async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let store = state.store.clone();
    let counts = super::request::blocking(move || Ok(store.quads_per_graph()?)).await?;
    let m = &state.metrics;
    m.quads.reset();
    for (graph, n) in counts {
        m.quads
            .with_label_values(&[graph_kind(&graph)])
            .add(i64::try_from(n).unwrap_or(i64::MAX));
    }
    m.documents
        .set(i64::try_from(state.search.len()).unwrap_or(i64::MAX));
    if let Some(reasoner) = &state.reasoner {
        let (updates, rounds, millis) = reasoner.work();
        for (figure, value) in [
            ("updates", updates),
            ("rounds", rounds),
            ("milliseconds", millis),
        ] {
            m.reasoner
                .with_label_values(&[figure])
                .set(i64::try_from(value).unwrap_or(i64::MAX));
        }
    }
    m.records_pending
        .set(i64::try_from(state.store.record_writer().pending()).unwrap_or(i64::MAX));
    let mut body = Vec::new();
    TextEncoder::new()
        .encode(&m.registry.gather(), &mut body)
        .map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_that_write_have_a_kind() {
        assert_eq!(write_kind("/update", &Method::POST), Some("update"));
        assert_eq!(
            write_kind("/curation/{kind}/{id}", &Method::PATCH),
            Some("curation")
        );
        assert_eq!(write_kind("/curation/{kind}/{id}", &Method::GET), None);
        assert_eq!(write_kind("/sparql", &Method::POST), None);
    }
}
