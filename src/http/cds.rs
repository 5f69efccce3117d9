//! CDS Hooks 2.0 over HTTP (see `crate::cds`): GET `/cds-services` (discovery), POST
//! `/cds-services/{id}` (a hook call: cards and CRD system actions), POST
//! `/cds-services/{id}/feedback` (card outcomes kept as PROV records), and GET
//! `/questionnaire/{policy}` (the documentation Questionnaire a card points to).
//!
//! `/cds-services` routes authenticate CDS clients themselves (a signed JWT per CDS Hooks, not a
//! Warrant token): the server-wide middleware lets them through. Without `--cds-issuer` and without
//! `--cds-anonymous` every call is 401. Hook requests are never logged; nothing of them is written
//! unless the operator runs with `--cds-keep`.

use super::request::{base_url, blocking, read_body};
use super::{ApiError, AppState};
use crate::cds::feedback;
use crate::cds::hook::{self, HookError};
use crate::cds::jwt::AuthError;
use crate::cds::questionnaire;
use crate::cds::respond::{self, RespondError};
use crate::explain::record;
use crate::store::ChangeMeta;
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// Routes of the CDS Hooks services and their questionnaires.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/cds-services", get(discovery))
        .route("/cds-services/{id}", post(call))
        .route("/cds-services/{id}/feedback", post(feedback_of))
        .route("/questionnaire/{policy}", get(questionnaire_of))
}

/// The public base URL: `--cds-base-url`, else `--public-url`, else the listening address (never
/// the request's Host header).
fn public_base(state: &AppState) -> String {
    state
        .cds
        .settings
        .base_url
        .clone()
        .map(|b| b.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| base_url(state))
}

fn unauthorized(message: String) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

/// Authenticates a CDS client for a call to `paths` (any of them is an acceptable `aud`): its JWT
/// issuer, or `None` for an anonymous call the operator allows.
fn client(
    state: &AppState,
    headers: &HeaderMap,
    paths: &[String],
) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        if state.cds.settings.anonymous {
            return Ok(None);
        }
        let hint = if state.cds.verifier.has_issuers() {
            ""
        } else {
            " (this server trusts no issuer: start it with --cds-issuer ISS=JWKS, or --cds-anonymous)"
        };
        return Err(unauthorized(format!("{}{hint}", AuthError::Missing)));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be Bearer <JWT>".into()))?;
    let base = public_base(state);
    let audiences: Vec<String> = paths.iter().map(|p| format!("{base}{p}")).collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    state
        .cds
        .verifier
        .verify(token, &audiences, now)
        .map(|c| Some(c.iss))
        .map_err(|e| unauthorized(e.to_string()))
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(body).unwrap_or_default(),
    )
        .into_response()
}

async fn discovery(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    client(&state, &headers, &["/cds-services".to_owned()])?;
    let store = state.store.clone();
    let doc =
        blocking(move || crate::cds::discovery::document(&store).map_err(ApiError::from)).await?;
    Ok(json_response(StatusCode::OK, &doc))
}

impl From<HookError> for ApiError {
    fn from(e: HookError) -> Self {
        let message = e.to_string();
        match e {
            HookError::Json { line, column, .. } => {
                let mut err = Self::bad_request("bad-request", message);
                err.line = Some(line);
                err.column = Some(column);
                err
            }
            HookError::Invalid { path, .. } => {
                let mut err = Self::bad_request("bad-request", message);
                err.path = Some(path);
                err
            }
        }
    }
}

impl From<RespondError> for ApiError {
    fn from(e: RespondError) -> Self {
        match e {
            RespondError::Hook(h) => h.into(),
            RespondError::WrongHook { .. } => Self::bad_request("bad-request", e.to_string()),
            RespondError::Evaluate(ev) => ev.into(),
        }
    }
}

fn no_service(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not-found",
        format!("no CDS service {id:?}; GET /cds-services lists them"),
    )
}

async fn call(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if crate::cds::discovery::hook_of(&id).is_none() {
        return Err(no_service(&id));
    }
    let issuer = client(&state, &headers, &[format!("/cds-services/{id}")])?;
    let bytes = read_body(&state, body).await?;
    let base = public_base(&state);
    let store = state.store.clone();
    let cds = state.cds.clone();
    let body = blocking(move || {
        let request = hook::parse(&bytes)?;
        let answered = respond::respond(&store, &cds, &id, &base, request)?;
        if cds.settings.keep {
            let agent = issuer.as_deref().unwrap_or("anonymous");
            for a in &answered.answers {
                let change = record::keep(a).map_err(ApiError::internal)?;
                let meta = ChangeMeta::edit(
                    "cds-client",
                    "cds-client",
                    format!("determination kept for a CDS Hooks call of {agent}"),
                );
                store.apply(change.by(meta))?;
            }
        }
        cds.remember(answered.issued);
        Ok(answered.body)
    })
    .await?;
    Ok(json_response(StatusCode::OK, &body))
}

async fn feedback_of(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if crate::cds::discovery::hook_of(&id).is_none() {
        return Err(no_service(&id));
    }
    let issuer = client(
        &state,
        &headers,
        &[
            format!("/cds-services/{id}/feedback"),
            format!("/cds-services/{id}"),
        ],
    )?;
    let bytes = read_body(&state, body).await?;
    let entries = feedback::parse(&bytes).map_err(|e| {
        let mut err = ApiError::bad_request("bad-request", e.to_string());
        err.path = Some(e.path);
        err
    })?;
    let store = state.store.clone();
    let cds = state.cds.clone();
    let tied = blocking(move || {
        let (change, tied) = feedback::record(&cds, &id, issuer.as_deref(), &entries);
        let meta = ChangeMeta::edit(
            "cds-client",
            "cds-client",
            format!("CDS Hooks feedback on {} card(s)", entries.len()),
        );
        store.apply(change.by(meta))?;
        Ok(tied)
    })
    .await?;
    let recorded: Vec<Value> = tied
        .into_iter()
        .map(|d| json!({ "determination": d }))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "recorded": recorded }),
    ))
}

async fn questionnaire_of(
    State(state): State<AppState>,
    Path(policy_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = super::request::pairs(raw.unwrap_or_default().as_bytes());
    if let Some((k, _)) = params.iter().find(|(k, _)| k != "item") {
        return Err(ApiError::bad_request(
            "unknown-parameter",
            format!("unknown parameter {k:?}; known: item"),
        ));
    }
    let policy_iri = format!("{}{policy_id}", crate::vocab::ID);
    if questionnaire::local_id(&policy_iri).is_none() {
        return Err(ApiError::bad_request(
            "bad-parameter",
            format!("{policy_id:?} is not a Warrant id"),
        ));
    }
    let wanted: Vec<String> = params.into_iter().map(|(_, v)| v).collect();
    if let Some(v) = wanted
        .iter()
        .find(|v| questionnaire::item_iri(&policy_iri, v, |_| false).is_none())
    {
        return Err(ApiError::bad_request(
            "bad-parameter",
            format!("item={v:?} is not a Warrant id"),
        ));
    }
    let base = public_base(&state);
    let store = state.store.clone();
    let q = blocking(move || {
        let policy = crate::evaluate::policy_of(&store, &policy_iri)?;
        // an item names a part of the policy (`{policy}#{item}`) or a criterion of its own
        let items: Vec<String> = wanted
            .iter()
            .filter_map(|v| {
                questionnaire::item_iri(&policy_iri, v, |iri| policy.criteria.contains_key(iri))
            })
            .collect();
        if let Some(unknown) = items.iter().find(|i| !policy.criteria.contains_key(*i)) {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("the policy has no criterion <{unknown}>"),
            ));
        }
        let url = questionnaire::url(&base, &policy_iri, &items).unwrap_or_default();
        let label = |concept: &str| {
            oxigraph::model::NamedNode::new(concept)
                .ok()
                .and_then(|n| {
                    store
                        .literal_of(n.as_ref(), crate::vocab::SKOS_PREF_LABEL, None)
                        .ok()
                        .flatten()
                })
                .unwrap_or_else(|| {
                    concept
                        .rsplit('/')
                        .next()
                        .unwrap_or(concept)
                        .replace('-', " ")
                })
        };
        Ok(questionnaire::build(&policy, &items, &url, label))
    })
    .await?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/fhir+json")],
        Json(q),
    )
        .into_response())
}
