//! Why-chains: GET `/why?iri=` explains a kept determination (see `evaluate.rs`); GET `/why?s=&p=&o=` gives the proof tree down to asserted triples
//! (`?format=json` default, `text`, or `dot` for Graphviz).

use super::request::{blocking, pairs, single};
use super::{ApiError, AppState};
use crate::queries::parse_term;
use crate::reason::why;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use oxigraph::model::{NamedOrBlankNode, Term, Triple};

/// Routes of the why endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/why", get(get_why))
}

/// Parses the `s`, `p`, `o` parameters into a triple (terms as in named-query parameters).
pub fn triple_from(s: &str, p: &str, o: &str) -> Result<Triple, String> {
    let subject = match parse_term(s)? {
        Term::NamedNode(n) => NamedOrBlankNode::NamedNode(n),
        _ => return Err(format!("s: {s:?} is not an IRI")),
    };
    let predicate = match parse_term(p)? {
        Term::NamedNode(n) => n,
        _ => return Err(format!("p: {p:?} is not an IRI")),
    };
    Ok(Triple::new(subject, predicate, parse_term(o)?))
}

async fn get_why(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.clone().unwrap_or_default().as_bytes());
    if params.iter().any(|(k, _)| k == "iri") {
        return super::evaluate::why(State(state), RawQuery(raw)).await;
    }
    let get = |name: &str| -> Result<String, ApiError> {
        single(&params, name)?.map(str::to_owned).ok_or_else(|| {
            ApiError::bad_request(
                "bad-request",
                format!("/why needs s, p and o; {name} is missing"),
            )
        })
    };
    let triple = triple_from(&get("s")?, &get("p")?, &get("o")?)
        .map_err(|m| ApiError::bad_request("bad-parameter", m))?;
    let format = single(&params, "format")?.unwrap_or("json").to_owned();
    if !["json", "text", "dot", "svg"].contains(&format.as_str()) {
        return Err(ApiError::bad_request(
            "bad-parameter",
            format!("format {format:?}: use json, text, dot or svg"),
        ));
    }
    let store = state.store.clone();
    let tree = blocking(move || {
        // the records of every write that has returned, before reading them
        why(store.records()?, triple.as_ref()).map_err(ApiError::internal)
    })
    .await?;
    if tree.asserted_in.is_empty() && tree.derivations.is_empty() {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "not-found",
            format!(
                "the triple {} is neither asserted nor inferred",
                tree.triple_text()
            ),
        ));
    }
    Ok(match format.as_str() {
        "text" => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            tree.to_text(),
        )
            .into_response(),
        "dot" => (
            [(header::CONTENT_TYPE, "text/vnd.graphviz; charset=utf-8")],
            tree.to_dot(),
        )
            .into_response(),
        "svg" => super::evaluate::svg_response(tree.to_dot()).await?,
        _ => axum::Json(tree).into_response(),
    })
}
