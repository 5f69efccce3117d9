//! Case evaluation over HTTP: POST `/evaluate` (a case in, a determination with its WHY tree out) and
//! GET `/why?iri=` (the WHY tree of a kept determination).
//!
//! POST `/evaluate` reads the body by Content-Type (`application/fhir+json`, `application/json`,
//! `text/turtle`, `application/ld+json`) and takes `asOf=YYYY-MM-DD` (default today, UTC),
//! `policy=IRI`, `includePending=true`, `keep=true` (write the determination into the store — a
//! write, so it needs the admin token; otherwise nothing is written) and `format=json|text|dot|svg`.
//! One applicable policy gives one answer object; several give `{"determinations": [...]}`.
//! Errors: 400 `bad-case` with the JSON `path` (or `line`/`column`) of the problem, 400
//! `bad-parameter` / `unknown-parameter`, 404 `policy-not-found`, 415, 422 `no-request` /
//! `no-applicable-policy` / `invalid-policy`.

use super::request::{blocking, change_meta, pairs, read_body, require, single};
use super::{ApiError, AppState};
use crate::auth::Role;
use crate::case::{self, CaseError, CaseFormat, Day};
use crate::evaluate::{self, EvaluateError, Options};
use crate::explain::{self, Answer, record};
use axum::Router;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use oxigraph::model::NamedNode;

/// Routes of `/evaluate` and `/why`.
pub fn router() -> Router<AppState> {
    Router::new().route("/evaluate", post(evaluate_case))
}

/// Output formats of an answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Text,
    Dot,
    Svg,
}

fn format_of(value: Option<&str>) -> Result<Format, ApiError> {
    match value {
        None | Some("json") => Ok(Format::Json),
        Some("text") => Ok(Format::Text),
        Some("dot") => Ok(Format::Dot),
        Some("svg") => Ok(Format::Svg),
        Some(other) => Err(ApiError::bad_request(
            "bad-parameter",
            format!("format={other:?}: use json, text, dot or svg"),
        )),
    }
}

fn flag(value: Option<&str>, name: &str) -> Result<bool, ApiError> {
    match value {
        None | Some("false") => Ok(false),
        Some("true" | "") => Ok(true),
        Some(other) => Err(ApiError::bad_request(
            "bad-parameter",
            format!("{name}={other:?}: use true or false"),
        )),
    }
}

fn check_known(params: &[(String, String)], known: &[&str]) -> Result<(), ApiError> {
    match params.iter().find(|(k, _)| !known.contains(&k.as_str())) {
        Some((k, _)) => Err(ApiError::bad_request(
            "unknown-parameter",
            format!("unknown parameter {k:?}; known: {}", known.join(", ")),
        )),
        None => Ok(()),
    }
}

impl From<CaseError> for ApiError {
    fn from(e: CaseError) -> Self {
        let message = e.to_string();
        match e {
            CaseError::Json { line, column, .. } | CaseError::Rdf { line, column, .. } => {
                let mut err = Self::bad_request("bad-case", message);
                err.line = (line > 0).then_some(line);
                err.column = (column > 0).then_some(column);
                err
            }
            CaseError::Invalid { path, message } => {
                let mut err = Self::bad_request("bad-case", message);
                err.path = Some(path);
                err
            }
            CaseError::UnsupportedMediaType(got) => Self::unsupported_media_type(
                &got,
                "application/fhir+json, application/json, text/turtle or application/ld+json",
            ),
            CaseError::Store(s) => s.into(),
        }
    }
}

impl From<EvaluateError> for ApiError {
    fn from(e: EvaluateError) -> Self {
        let message = e.to_string();
        let unprocessable =
            |code| Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message.clone());
        match e {
            EvaluateError::NoRequest => unprocessable("no-request"),
            EvaluateError::NoPolicy(_) => unprocessable("no-applicable-policy"),
            EvaluateError::InvalidPolicy { .. } => unprocessable("invalid-policy"),
            EvaluateError::PolicyNotFound(_) => {
                Self::new(StatusCode::NOT_FOUND, "policy-not-found", message)
            }
            EvaluateError::BadPolicyIri(_) => Self::bad_request("bad-parameter", message),
            EvaluateError::Store(s) => s.into(),
        }
    }
}

async fn evaluate_case(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    check_known(
        &params,
        &[
            "asOf",
            "policy",
            "includePending",
            "keep",
            "format",
            "detail",
        ],
    )?;
    let full = match single(&params, "detail")? {
        None | Some("summary") => false,
        Some("full") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "bad-parameter",
                format!("detail={other:?}: use summary or full"),
            ));
        }
    };
    let as_of = match single(&params, "asOf")? {
        Some(text) => Day::parse_iso(text).ok_or_else(|| {
            ApiError::bad_request(
                "bad-parameter",
                format!("asOf={text:?} is not a date YYYY-MM-DD"),
            )
        })?,
        None => Day::today(),
    };
    let options = Options {
        as_of,
        policy: single(&params, "policy")?.map(str::to_owned),
        include_pending: flag(single(&params, "includePending")?, "includePending")?,
    };
    let keep = flag(single(&params, "keep")?, "keep")?;
    let format = format_of(single(&params, "format")?)?;
    let keeper = if keep {
        let principal = require(&state, &headers, Role::Admin)?;
        Some(change_meta(&principal, &headers, "determination kept"))
    } else {
        None
    };
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let case_format = CaseFormat::from_media_type(&media_type)
        .ok_or_else(|| ApiError::from(CaseError::UnsupportedMediaType(media_type.clone())))?;
    let bytes = read_body(&state, body).await?;
    if case_format != CaseFormat::Turtle {
        crate::limits::check_json(&bytes).map_err(ApiError::too_complex)?;
    }
    let store = state.store.clone();
    let answers = blocking(move || {
        let case = case::read(&bytes, case_format)?;
        let reports = evaluate::evaluate(&store, case, &options)?;
        let answers: Vec<Answer> = reports.into_iter().map(explain::answer).collect();
        if let Some(meta) = keeper {
            for a in &answers {
                let change = record::keep(a).map_err(ApiError::internal)?;
                store.apply(change.by(meta.clone()))?;
            }
        }
        Ok(answers)
    })
    .await?;
    for a in &answers {
        state
            .metrics
            .evaluation(&a.report.determination.words().replace(' ', "-"));
    }
    render(&answers, format, full, |a| {
        serde_json::to_string(a).unwrap_or_default()
    })
    .await
}

/// Renders answers; `full` chooses the full text rendering over the one-page summary.
async fn render(
    answers: &[Answer],
    format: Format,
    full: bool,
    json: impl Fn(&Answer) -> String,
) -> Result<Response, ApiError> {
    Ok(match format {
        Format::Text => {
            let text: Vec<String> = answers
                .iter()
                .map(|a| {
                    if full {
                        explain::text::render(a)
                    } else {
                        explain::text::render_summary(a)
                    }
                })
                .collect();
            (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                text.join("\n----------------------------------------\n\n"),
            )
                .into_response()
        }
        Format::Dot => {
            let dot: String = answers.iter().map(explain::dot::render).collect();
            (
                [(header::CONTENT_TYPE, "text/vnd.graphviz; charset=utf-8")],
                dot,
            )
                .into_response()
        }
        Format::Svg => match answers {
            [one] => svg_response(explain::dot::render(one)).await?,
            many => {
                return Err(ApiError::bad_request(
                    "bad-parameter",
                    format!(
                        "format=svg draws one determination and this case has {}: choose one with \
                         policy=",
                        many.len()
                    ),
                ));
            }
        },
        Format::Json => {
            let body = match answers {
                [one] => json(one),
                many => format!(
                    "{{\"determinations\":[{}]}}",
                    many.iter().map(&json).collect::<Vec<_>>().join(",")
                ),
            };
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
    })
}

/// A DOT text drawn as an `image/svg+xml` picture (on a blocking thread: layout is CPU work); a graph
/// too large to draw is the client's 400, a failed drawing the server's 500.
pub(super) async fn svg_response(dot: String) -> Result<Response, ApiError> {
    let svg = blocking(move || {
        explain::svg::from_dot(&dot).map_err(|e| match e {
            explain::svg::SvgError::TooLarge(_) => {
                ApiError::bad_request("too-large-to-draw", e.to_string())
            }
            explain::svg::SvgError::Failed(_) => ApiError::internal(e),
        })
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// GET `/why?iri=`: served through the one `/why` route (see `why.rs`).
pub(super) async fn why(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let params = pairs(raw.unwrap_or_default().as_bytes());
    check_known(&params, &["iri", "format"])?;
    let format = format_of(single(&params, "format")?)?;
    let iri = single(&params, "iri")?.ok_or_else(|| {
        ApiError::bad_request(
            "bad-request",
            "GET /why needs iri=IRI of a kept determination",
        )
    })?;
    let node = NamedNode::new(iri).map_err(|e| {
        ApiError::bad_request("bad-parameter", format!("iri={iri:?} is not an IRI: {e}"))
    })?;
    let store = state.store.clone();
    let answer = blocking(move || record::read(&store, &node).map_err(ApiError::internal)).await?;
    let Some(answer) = answer else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "determination-not-found",
            format!("no kept determination <{iri}> (evaluate with keep=true to keep one)"),
        ));
    };
    render(&[answer], format, true, |a| {
        serde_json::to_string(&a.why).unwrap_or_default()
    })
    .await
}
