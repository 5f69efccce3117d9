//! The curation API: `/curation/{kind}` and `/curation/{kind}/{id}` (create, read, replace, patch,
//! delete with ETags). Reviews are in [`super::review`].
//!
//! Bodies are Turtle, N-Triples or JSON-LD describing the one resource (`<>` in Turtle is the
//! resource: relative IRIs resolve against its IRI). Reads need no role beyond reader; edits need
//! the curator role, reviews the reviewer role (admin may do both).

use super::request::{blocking, change_meta, read_body, require};
use super::{ApiError, AppState, negotiate};
use crate::auth::Role;
use crate::curate::{self, BodyFormat, CurateError, Edit, EditKind, Kind, describe, etag};
use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::Triple;
use sha2::{Digest, Sha256};

/// Routes of the curation API and the review queue.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/curation/{kind}", post(create).get(list))
        .route(
            "/curation/{kind}/{id}",
            get(read).put(replace).patch(patch).delete(remove),
        )
}

impl From<CurateError> for ApiError {
    fn from(e: CurateError) -> Self {
        match e {
            CurateError::NotFound(m) => Self::new(StatusCode::NOT_FOUND, "not-found", m),
            CurateError::Exists(m) => Self::new(StatusCode::CONFLICT, "exists", m),
            CurateError::Body(b) => Self {
                line: b.line,
                column: b.column,
                ..Self::bad_request("bad-rdf", b.message)
            },
            CurateError::Invalid(m) => Self::bad_request("bad-request", m),
            CurateError::PreconditionRequired(m) => Self::new(
                StatusCode::PRECONDITION_REQUIRED,
                "precondition-required",
                m,
            ),
            CurateError::Forbidden(m) => Self::new(StatusCode::FORBIDDEN, "forbidden", m),
            CurateError::Store(s) => s.into(),
        }
    }
}

pub(super) fn kind_of(segment: &str) -> Result<Kind, ApiError> {
    Kind::parse(segment).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!(
                "no curation kind {segment:?}; kinds: statements, sources, passages, concepts, policies"
            ),
        )
    })
}

pub(super) fn checked_id(id: &str) -> Result<(), ApiError> {
    if curate::is_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad-request",
            format!("{id:?} is not a valid id (letters, digits, '-', '_', '.'; at most 128)"),
        ))
    }
}

fn body_format(headers: &HeaderMap) -> Result<BodyFormat, ApiError> {
    let media = negotiate::content_type(headers).unwrap_or_default();
    BodyFormat::from_media_type(&media).ok_or_else(|| {
        ApiError::unsupported_media_type(
            &media,
            "text/turtle, application/ld+json or application/n-triples",
        )
    })
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Refuses `If-Match: *` and weak ETags on an edit (428): an edit must name the exact version it
/// was made against — `*` ("whatever is there now") and `W/` tags (never equal under the strong
/// comparison RFC 9110 prescribes for If-Match) would let an editor overwrite changes unseen.
fn strong_if_match(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = header_text(headers, header::IF_MATCH) else {
        return Ok(());
    };
    if value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.starts_with("W/"))
    {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "If-Match must name the strong ETag of the version you edit (GET it first); `*` and weak (W/) ETags are not accepted for edits",
        ));
    }
    Ok(())
}

/// A fresh id for a resource of `kind` (`statement-3f9c…`).
fn fresh_id(kind: Kind) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{nanos}/{:?}", std::thread::current().id()));
    format!("{}-{}", kind.singular(), &hex::encode(digest)[..12])
}

async fn parse(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    base: &str,
) -> Result<Vec<Triple>, ApiError> {
    let format = body_format(headers)?;
    let bytes = read_body(state, body).await?;
    if format == BodyFormat::JsonLd {
        crate::limits::check_json(&bytes).map_err(ApiError::too_complex)?;
    }
    curate::parse_body(&bytes, format, base, &state.contexts)
        .map_err(|e| ApiError::from(CurateError::Body(e)))
}

/// The answer to an accepted edit: JSON `{id, iri, change, etag}` with `ETag` (and `Location`).
fn edited(
    status: StatusCode,
    kind: Kind,
    id: &str,
    change: Option<String>,
    etag: Option<String>,
) -> Response {
    let location = format!("/curation/{}/{id}", kind.as_str());
    let body = serde_json::json!({
        "id": id,
        "iri": kind.iri(id).as_str(),
        "location": location,
        "change": change,
        "etag": etag,
    });
    let mut response = (status, Json(body)).into_response();
    if let Some(tag) = etag.as_deref().and_then(|t| HeaderValue::from_str(t).ok()) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED {
        if let Ok(v) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
    }
    response
}

async fn create(
    State(state): State<AppState>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let principal = require(&state, &headers, Role::Curator)?;
    let kind = kind_of(&kind)?;
    let slug = header_text(&headers, header::HeaderName::from_static("slug"));
    if let Some(slug) = &slug {
        checked_id(slug)?;
    }
    let provisional = slug.clone().unwrap_or_else(|| fresh_id(kind));
    let mut triples = parse(&state, &headers, body, kind.iri(&provisional).as_str()).await?;
    // without a Slug, a body that names its resource by IRI chooses the id
    let mut id = provisional.clone();
    if slug.is_none() {
        let named: std::collections::BTreeSet<&str> = triples
            .iter()
            .filter_map(|t| match &t.subject {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => kind.id_of(n.as_str()),
                _ => None,
            })
            .collect();
        if let [only] = named.into_iter().collect::<Vec<_>>().as_slice() {
            id = (*only).to_owned();
        }
    }
    if id != provisional {
        let base = kind.iri(&provisional);
        let iri = kind.iri(&id);
        for t in &mut triples {
            if t.subject == base.clone().into() {
                t.subject = iri.clone().into();
            }
        }
    }
    let meta = change_meta(
        &principal,
        &headers,
        &format!("create {}/{id}", kind.as_str()),
    );
    let store = state.store.clone();
    let edit = Edit {
        kind: EditKind::Create,
        resource_kind: kind,
        id: id.clone(),
        triples,
        if_match: None,
        meta,
    };
    let (applied, etag) =
        blocking(move || Ok(curate::apply_edit(&store, &principal, edit)?)).await?;
    Ok(edited(
        StatusCode::CREATED,
        kind,
        &id,
        applied.change_id,
        etag,
    ))
}

async fn update(
    state: AppState,
    kind: String,
    id: String,
    headers: HeaderMap,
    body: Option<Body>,
    what: EditKind,
) -> Result<Response, ApiError> {
    let principal = require(&state, &headers, Role::Curator)?;
    let kind = kind_of(&kind)?;
    checked_id(&id)?;
    strong_if_match(&headers)?;
    let triples = match body {
        Some(body) => parse(&state, &headers, body, kind.iri(&id).as_str()).await?,
        None => Vec::new(),
    };
    let verb = match what {
        EditKind::Replace => "replace",
        EditKind::Patch => "patch",
        EditKind::Delete => "delete",
        EditKind::Create => "create",
    };
    let meta = change_meta(
        &principal,
        &headers,
        &format!("{verb} {}/{id}", kind.as_str()),
    );
    let edit = Edit {
        kind: what,
        resource_kind: kind,
        id: id.clone(),
        triples,
        if_match: header_text(&headers, header::IF_MATCH),
        meta,
    };
    let store = state.store.clone();
    let (applied, etag) =
        blocking(move || Ok(curate::apply_edit(&store, &principal, edit)?)).await?;
    Ok(edited(StatusCode::OK, kind, &id, applied.change_id, etag))
}

async fn replace(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    update(state, kind, id, headers, Some(body), EditKind::Replace).await
}

async fn patch(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    update(state, kind, id, headers, Some(body), EditKind::Patch).await
}

async fn remove(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    update(state, kind, id, headers, None, EditKind::Delete).await
}

const DESCRIPTION_TYPES: [&str; 3] = [
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
];

async fn read(
    State(state): State<AppState>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    checked_id(&id)?;
    let media = negotiate::choose(&headers, &DESCRIPTION_TYPES)
        .ok_or_else(|| ApiError::not_acceptable(&DESCRIPTION_TYPES))?;
    let iri = kind.iri(&id);
    let store = state.store.clone();
    let description = blocking(move || {
        let description = describe(&store, &iri)?;
        curate::require_kind(&description, &iri, kind)?;
        Ok(description)
    })
    .await?;
    let tag = etag(&description);
    if header_text(&headers, header::IF_NONE_MATCH).is_some_and(|h| curate::if_match(&h, &tag)) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&tag) {
            response.headers_mut().insert(header::ETAG, v);
        }
        return Ok(response);
    }
    let format = match media {
        "application/ld+json" => RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        },
        "application/n-triples" => RdfFormat::NTriples,
        _ => RdfFormat::Turtle,
    };
    let mut serializer = RdfSerializer::from_format(format);
    for (prefix, ns) in PREFIXES {
        serializer = serializer
            .with_prefix(*prefix, *ns)
            .map_err(ApiError::internal)?;
    }
    let mut writer = serializer.for_writer(Vec::new());
    let mut seen = std::collections::HashSet::new();
    for q in &description {
        let t = Triple::from(q.clone());
        if seen.insert(t.clone()) {
            writer.serialize_triple(&t).map_err(ApiError::internal)?;
        }
    }
    let bytes = writer.finish().map_err(ApiError::internal)?;
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&negotiate::content_type_value(media)).map_err(ApiError::internal)?,
    );
    if let Ok(v) = HeaderValue::from_str(&tag) {
        h.insert(header::ETAG, v);
    }
    Ok(response)
}

const PREFIXES: &[(&str, &str)] = &[
    ("wr", "https://w3id.org/warrant/ns#"),
    ("id", "https://w3id.org/warrant/id/"),
    ("concept", "https://w3id.org/warrant/concept/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("cito", "http://purl.org/spar/cito/"),
    ("dct", "http://purl.org/dc/terms/"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// `GET /curation/{kind}`: the ids and IRIs of every resource of that kind, read through the
/// asserted content view (a deleted resource's type kept in a change set does not list it).
async fn list(
    State(state): State<AppState>,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&kind)?;
    let store = state.store.clone();
    let items = blocking(move || {
        let mut items = std::collections::BTreeSet::new();
        for q in store.view_quads(
            crate::store::View::Asserted,
            None,
            Some(crate::vocab::RDF_TYPE),
            Some(kind.class().into()),
        ) {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(n) = q?.subject {
                if let Some(id) = kind.id_of(n.as_str()) {
                    items.insert((id.to_owned(), n.as_str().to_owned()));
                }
            }
        }
        Ok(items)
    })
    .await?;
    let items: Vec<_> = items
        .into_iter()
        .map(|(id, iri)| serde_json::json!({ "id": id, "iri": iri }))
        .collect();
    Ok(Json(items).into_response())
}
