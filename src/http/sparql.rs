//! SPARQL 1.1 Protocol queries at `/sparql`: GET `?query=`, POST `application/sparql-query`, POST
//! form; the service description when no query is given; content negotiation; time limit.

use super::request::{all, base_url, iris, pairs, read_body, single};
use super::{ApiError, AppState, negotiate};
use crate::store::{OutputFormat, ParsedQuery, ProtocolDataset, QueryForm, parse_query};
use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use oxigraph::model::{Term, Variable};
use oxigraph::sparql::CancellationToken;

/// Media types offered for SELECT and ASK results, default first.
const RESULT_TYPES: [&str; 6] = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "application/json",
    "application/xml",
];
/// Media types offered for CONSTRUCT and DESCRIBE results, default first.
const GRAPH_TYPES: [&str; 6] = [
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
];

/// Routes of the query endpoint.
pub fn router() -> Router<AppState> {
    Router::new().route("/sparql", get(get_query).post(post_query).head(head))
}

async fn head() -> StatusCode {
    StatusCode::OK
}

async fn get_query(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    match single(&params, "query")? {
        Some(query) => run_protocol_query(&state, query.to_owned(), &params, &headers).await,
        None if params.iter().any(|(k, _)| k == "update") => Err(ApiError::bad_request(
            "bad-request",
            "updates are sent by POST to /update, not to /sparql",
        )),
        None => Ok(service_description(&state)),
    }
}

async fn post_query(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let url_params = pairs(raw.unwrap_or_default().as_bytes());
    let body = read_body(&state, body).await?;
    negotiate::require_utf8(&headers, "bad-query")?;
    match negotiate::content_type(&headers).as_deref() {
        Some("application/sparql-query") => {
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::bad_request("bad-query", "the query is not valid UTF-8"))?;
            if url_params.iter().any(|(k, _)| k == "query") {
                return Err(ApiError::bad_request(
                    "bad-request",
                    "the query was given both in the body and as a parameter",
                ));
            }
            run_protocol_query(&state, text, &url_params, &headers).await
        }
        Some("application/x-www-form-urlencoded") => {
            let form = pairs(&body);
            if form.iter().any(|(k, _)| k == "update") {
                return Err(ApiError::bad_request(
                    "bad-request",
                    "updates are sent to /update, not to /sparql",
                ));
            }
            let query = single(&form, "query")?
                .ok_or_else(|| {
                    ApiError::bad_request("bad-request", "the form has no query parameter")
                })?
                .to_owned();
            let mut params = form;
            params.extend(url_params);
            run_protocol_query(&state, query, &params, &headers).await
        }
        Some(other) => Err(ApiError::unsupported_media_type(
            other,
            "application/sparql-query or application/x-www-form-urlencoded",
        )),
        None => Err(ApiError::unsupported_media_type(
            "(none)",
            "application/sparql-query or application/x-www-form-urlencoded",
        )),
    }
}

async fn run_protocol_query(
    state: &AppState,
    text: String,
    params: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let protocol = ProtocolDataset {
        default_graphs: iris(&all(params, "default-graph-uri"), "default-graph-uri")?,
        named_graphs: iris(&all(params, "named-graph-uri"), "named-graph-uri")?,
    };
    // relative IRIs resolve against the endpoint (the protocol leaves the base to the service)
    let base = format!("{}/sparql", base_url(state));
    run_query(
        state,
        QueryInput::Text { text, base },
        protocol,
        Vec::new(),
        headers,
    )
    .await
}

/// A query to run: text from a client (parsed on the large-stack thread that runs it) or a parsed one.
pub(super) enum QueryInput {
    /// SPARQL text with the base IRI its relative IRIs resolve against.
    Text {
        /// The query text.
        text: String,
        /// The base IRI.
        base: String,
    },
    /// An already parsed query (a named query).
    Parsed(Box<ParsedQuery>),
}

/// Cancels the evaluation when the request goes away (the client disconnected, or the answer was
/// given: a finished evaluation ignores it).
struct CancelOnDrop(CancellationToken);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Parses (when given text), evaluates and serialises a query on a pooled thread with a large
/// stack ([`crate::limits::run_on_large_stack`]), holding one of the query slots
/// (`--max-concurrent-queries`) until that work ends, and answers in the negotiated format. Past the time limit, and when the client goes away, the
/// evaluation is cancelled; the slot is freed when the evaluation has actually stopped.
pub(super) async fn run_query(
    state: &AppState,
    input: QueryInput,
    protocol: ProtocolDataset,
    bindings: Vec<(Variable, Term)>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let select_media = negotiate::choose(headers, &RESULT_TYPES);
    let graph_media = negotiate::choose(headers, &GRAPH_TYPES);
    let slot = state.query_slots.clone().try_acquire_owned().map_err(|_| {
        ApiError::busy(format!(
            "all {} query slots are busy (serve --max-concurrent-queries); retry shortly",
            state.config.max_concurrent_queries
        ))
    })?;
    let token = CancellationToken::new();
    let _cancel_on_drop = CancelOnDrop(token.clone());
    let store = state.store.clone();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    crate::limits::run_on_large_stack(move || {
        let outcome = evaluate(
            &store,
            input,
            &protocol,
            &bindings,
            [select_media, graph_media],
            &token,
        );
        // the slot is free before the answer is: a client that got its answer finds it free
        drop(slot);
        let _ = sender.send(outcome);
    })
    .map_err(ApiError::internal)?;
    let (media, body) = match tokio::time::timeout(state.config.query_timeout, receiver).await {
        Ok(Ok(outcome)) => outcome?,
        Ok(Err(_)) => {
            return Err(ApiError::internal(
                "the query thread ended without an answer",
            ));
        }
        Err(_) => return Err(crate::store::StoreError::Cancelled.into()),
    };
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&negotiate::content_type_value(media)).map_err(ApiError::internal)?,
    );
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// The work of one query, on a large-stack thread: the media type chosen and the serialised results.
/// `media` is the negotiated type for solutions / booleans and for graphs.
fn evaluate(
    store: &crate::store::WarrantStore,
    input: QueryInput,
    protocol: &ProtocolDataset,
    bindings: &[(Variable, Term)],
    media: [Option<&'static str>; 2],
    token: &CancellationToken,
) -> Result<(&'static str, Vec<u8>), ApiError> {
    let parsed = match input {
        QueryInput::Text { text, base } => {
            parse_query(&text, Some(&base)).map_err(|e| ApiError::syntax("bad-query", e))?
        }
        QueryInput::Parsed(parsed) => *parsed,
    };
    let (offered, media): (&[&str], _) = match parsed.form() {
        QueryForm::Select | QueryForm::Ask => (&RESULT_TYPES, media[0]),
        QueryForm::Graph => (&GRAPH_TYPES, media[1]),
    };
    let media = media.ok_or_else(|| ApiError::not_acceptable(offered))?;
    let format = OutputFormat::from_name(media).ok_or_else(|| ApiError::not_acceptable(offered))?;
    let results = store.evaluate(&parsed, protocol, bindings, Some(token.clone()))?;
    let mut out = Vec::new();
    crate::store::write_results_until(results, format, &mut out, token)?;
    Ok((media, out))
}

/// A SPARQL 1.1 Service Description of this server, in Turtle: what is true of it, one
/// `sd:Service` per endpoint — queries at `/sparql` (with the `wr:search` full-text feature),
/// updates at `/update`, the Graph Store Protocol at `/store` — with the formats each reads and
/// writes.
fn service_description(state: &AppState) -> Response {
    let union = match state.store.mode() {
        crate::store::DatasetMode::UnionOfContent => "sd:UnionDefaultGraph , ",
        crate::store::DatasetMode::Strict => "",
    };
    let formats = |types: &[&str]| -> String {
        types
            .iter()
            .map(|m| format!("fmt:{}", format_name(m)))
            .collect::<Vec<_>>()
            .join(" , ")
    };
    let results = formats(&[&RESULT_TYPES[..4], &GRAPH_TYPES[..]].concat());
    let rdf = formats(&GRAPH_TYPES);
    let body = format!(
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n\
         @prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\
         @prefix fmt: <http://www.w3.org/ns/formats/> .\n\
         @prefix wr: <https://w3id.org/warrant/ns#> .\n\n\
         <{base}/sparql#service> a sd:Service ;\n    sd:endpoint <{base}/sparql> ;\n    \
         sd:supportedLanguage sd:SPARQL11Query ;\n    \
         sd:feature {union}wr:search ;\n    \
         sd:resultFormat {results} ;\n    \
         sd:defaultDataset [ a sd:Dataset ; dct:description \"{desc}\" ] ;\n    \
         dct:title \"Warrant SPARQL query endpoint\" .\n\n\
         <{base}/update#service> a sd:Service ;\n    sd:endpoint <{base}/update> ;\n    \
         sd:supportedLanguage sd:SPARQL11Update ;\n    \
         dct:title \"Warrant SPARQL update endpoint (admin role)\" .\n\n\
         <{base}/store#service> a sd:Service ;\n    sd:endpoint <{base}/store> ;\n    \
         dct:conformsTo <http://www.w3.org/TR/sparql11-http-rdf-update/> ;\n    \
         sd:inputFormat {rdf} ;\n    \
         sd:resultFormat {rdf} ;\n    \
         dct:title \"Warrant Graph Store (SPARQL 1.1 Graph Store HTTP Protocol)\" .\n\n\
         wr:search a sd:Feature ;\n    rdfs:label \"full-text search\" ;\n    \
         rdfs:comment \"SERVICE wr:search {{ ?hit wr:query \\\"text\\\" ; wr:score ?score }} is answered by the server's full-text index (the one behind /search); no other SERVICE is called.\" .\n",
        base = base_url(state),
        desc = match state.store.mode() {
            crate::store::DatasetMode::UnionOfContent =>
                "Default graph: union of the content graphs (loaded files, curated and inferred triples); change sets and derivations are named graphs only.",
            crate::store::DatasetMode::Strict =>
                "Plain SPARQL 1.1 dataset: the default graph is the store's default graph.",
        },
    );
    ([(header::CONTENT_TYPE, "text/turtle; charset=utf-8")], body).into_response()
}

/// The name of a media type in the `http://www.w3.org/ns/formats/` vocabulary.
fn format_name(media: &str) -> &'static str {
    match media {
        "application/sparql-results+json" => "SPARQL_Results_JSON",
        "application/sparql-results+xml" => "SPARQL_Results_XML",
        "text/csv" => "SPARQL_Results_CSV",
        "text/tab-separated-values" => "SPARQL_Results_TSV",
        "text/turtle" => "Turtle",
        "application/n-triples" => "N-Triples",
        "application/rdf+xml" => "RDF_XML",
        "application/n-quads" => "N-Quads",
        "application/trig" => "TriG",
        _ => "JSON-LD",
    }
}
