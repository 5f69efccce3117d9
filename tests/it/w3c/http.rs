//! Protocol (`protocol/`) and Graph Store Protocol (`graph-store-protocol/`) tests: sequences of
//! `ht:Request`s with expected `ht:Response`s, executed as written.
//!
//! Paths are mapped onto Warrant's endpoints: `/gsp…` is `/store…`; `/sparql/…` goes to `/sparql`
//! for queries and to `/update` for updates (Warrant serves them at two endpoints, as the
//! protocol allows), an update being recognised by its media type, its parameters (`update=`,
//! `using-graph-uri`, `using-named-graph-uri`) or, for bodies sent without either, by the test's name.
//! Every request carries the admin token. Template variables (`$LOCATION$`) are substituted.

use super::compare::{Results, parse_rdf, parse_results, same_dataset};
use super::manifest::{Entry, MF, UT, iri, rdfs, text};
use super::server::{Ctx, first_line};
use crate::support::TOKEN;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Dataset, GraphName, Term};
use oxigraph::sparql::results::QueryResultsFormat;
use reqwest::Method;

const HT: &str = "http://www.w3.org/2011/http#";
const CNT: &str = "http://www.w3.org/2011/content#";
const HTS: &str = "http://www.w3.org/2011/http-statusCodes#";

/// Runs every request of the test's connection in order.
pub fn run(ctx: &mut Ctx, e: &Entry) -> Result<(), String> {
    ctx.reset()?;
    for data in e.all_of(&Term::from(e.node.clone()), &format!("{UT}graphData")) {
        let file = e
            .get_of(&data, &format!("{UT}graph"))
            .and_then(|t| iri(&t).map(str::to_owned))
            .ok_or("ut:graphData without ut:graph")?;
        let name = e
            .get_of(&data, &rdfs("label"))
            .and_then(|t| text(&t).map(str::to_owned))
            .unwrap_or_else(|| file.clone());
        ctx.load(&file, Some(&name))?;
    }
    let action = e.get(&format!("{MF}action")).ok_or("no mf:action")?;
    let requests = e
        .get_of(&action, &format!("{HT}requests"))
        .ok_or("no ht:requests")?;
    for (i, request) in e.list(&requests).iter().enumerate() {
        one(ctx, e, request).map_err(|m| format!("request {}: {m}", i + 1))?;
    }
    Ok(())
}

fn lit(e: &Entry, node: &Term, predicate: &str) -> Option<String> {
    e.get_of(node, &format!("{HT}{predicate}"))
        .and_then(|t| text(&t).map(str::to_owned))
}

/// `(name, value)` of an `ht:headers` list.
fn headers(e: &Entry, node: &Term) -> Vec<(String, String)> {
    e.get_of(node, &format!("{HT}headers"))
        .map(|list| {
            e.list(&list)
                .iter()
                .filter_map(|h| Some((lit(e, h, "fieldName")?, lit(e, h, "fieldValue")?)))
                .collect()
        })
        .unwrap_or_default()
}

fn substitute(ctx: &Ctx, s: &str) -> String {
    ctx.vars
        .iter()
        .fold(s.to_owned(), |s, (k, v)| s.replace(k, v))
}

fn one(ctx: &mut Ctx, e: &Entry, request: &Term) -> Result<(), String> {
    let method = lit(e, request, "methodName").ok_or("no ht:methodName")?;
    let path = substitute(
        ctx,
        &lit(e, request, "absolutePath").ok_or("no ht:absolutePath")?,
    );
    let headers = headers(e, request);
    let content_type = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = e.get_of(request, &format!("{HT}body")).map(|b| {
        let chars = substitute(
            ctx,
            &e.get_of(&b, &format!("{CNT}chars"))
                .and_then(|t| text(&t).map(str::to_owned))
                .unwrap_or_default(),
        );
        let encoding = e
            .get_of(&b, &format!("{CNT}characterEncoding"))
            .and_then(|t| text(&t).map(str::to_owned));
        match encoding.as_deref() {
            Some(enc) if enc.eq_ignore_ascii_case("UTF-16") => [0xFE, 0xFF]
                .into_iter()
                .chain(chars.encode_utf16().flat_map(u16::to_be_bytes))
                .collect::<Vec<u8>>(),
            _ => chars.into_bytes(),
        }
    });
    let path = if let Some(rest) = path.strip_prefix("/gsp") {
        format!("/store{rest}")
    } else if let Some(rest) = path
        .strip_prefix("/sparql/")
        .or(path.strip_prefix("/sparql"))
    {
        let text = String::from_utf8_lossy(body.as_deref().unwrap_or_default()).into_owned();
        let update = match content_type.as_deref() {
            Some(ct) if ct.starts_with("application/sparql-update") => true,
            Some(ct) if ct.starts_with("application/sparql-query") => false,
            _ if text.starts_with("update=") || rest.contains("update=") => true,
            _ if rest.contains("using-graph-uri") || rest.contains("using-named-graph-uri") => true,
            _ if text.starts_with("query=") || rest.contains("query=") => false,
            _ => e.iri.to_ascii_lowercase().contains("update"),
        };
        let endpoint = if update { "/update" } else { "/sparql" };
        format!("{endpoint}{rest}")
    } else {
        path
    };
    let method = Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let url = ctx.url(&path);
    let mut builder = ctx.client.request(method.clone(), &url).bearer_auth(TOKEN);
    for (name, value) in &headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = body {
        builder = builder.body(body);
    }
    let r = builder
        .send()
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let status = r.status().as_u16();
    let got_headers = r.headers().clone();
    let header = |name: &str| {
        got_headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let bytes = r.bytes().map_err(|e| e.to_string())?;
    let context = || {
        format!(
            "{method} {path} -> {status} {}",
            first_line(&String::from_utf8_lossy(&bytes))
        )
    };
    let Some(resp) = e.get_of(request, &format!("{HT}resp")) else {
        return Ok(());
    };
    let statuses = e.all_of(&resp, &format!("{MF}expectedStatus"));
    if !statuses.is_empty() && !statuses.iter().any(|s| status_matches(s, status)) {
        let wanted: Vec<&str> = statuses
            .iter()
            .filter_map(|s| iri(s).and_then(|i| i.strip_prefix(HTS)))
            .collect();
        return Err(format!("expected status {wanted:?}: {}", context()));
    }
    let media = header("content-type")
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    for (name, value) in headers_of_response(e, &resp) {
        let got = header(&name).unwrap_or_default();
        if normalize_header(&got) != normalize_header(&value) {
            return Err(format!(
                "expected {name}: {value:?}, got {got:?}: {}",
                context()
            ));
        }
    }
    if let Some(template) = e
        .get_of(&resp, &format!("{MF}expectedLocation"))
        .and_then(|t| text(&t).map(str::to_owned))
    {
        let location = header("location").ok_or_else(|| format!("no Location: {}", context()))?;
        ctx.vars.insert(template, location);
    }
    if let Some(format) = e
        .get_of(&resp, &format!("{MF}expectedFormat"))
        .and_then(|t| text(&t).map(str::to_owned))
    {
        let allowed: &[&str] = match format.as_str() {
            "boolean" => &[
                "application/sparql-results+xml",
                "application/sparql-results+json",
            ],
            "tabular" => &[
                "application/sparql-results+xml",
                "application/sparql-results+json",
                "text/csv",
                "text/tab-separated-values",
            ],
            _ => &[
                "application/rdf+xml",
                "text/turtle",
                "application/n-triples",
            ],
        };
        if !allowed.contains(&media.as_str()) {
            return Err(format!(
                "expected a {format} format, got {media:?}: {}",
                context()
            ));
        }
    }
    if let Some(Term::Literal(b)) = e.get_of(&resp, &format!("{MF}expectedBoolean")) {
        let format = QueryResultsFormat::from_media_type(&media)
            .ok_or_else(|| format!("not a results format: {media:?}"))?;
        match parse_results(&bytes, format)? {
            Results::Boolean(got) if got.to_string() == b.value() => {}
            _ => return Err(format!("expected boolean {}: {}", b.value(), context())),
        }
    }
    if let Some(body) = e.get_of(&resp, &format!("{HT}body")) {
        let chars = e
            .get_of(&body, &format!("{CNT}chars"))
            .and_then(|t| text(&t).map(str::to_owned))
            .unwrap_or_default();
        let expected_format = headers_of_response(e, &resp)
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .and_then(|(_, v)| RdfFormat::from_media_type(&v))
            .unwrap_or(RdfFormat::Turtle);
        let got_format = RdfFormat::from_media_type(&media)
            .ok_or_else(|| format!("not an RDF format: {media:?}"))?;
        let expected = graph(substitute(ctx, &chars).as_bytes(), expected_format, &url)?;
        let actual = graph(&bytes, got_format, &url)?;
        same_dataset(&expected, &actual)?;
    }
    Ok(())
}

fn graph(bytes: &[u8], format: RdfFormat, base: &str) -> Result<Dataset, String> {
    Ok(parse_rdf(bytes, format, base, GraphName::DefaultGraph)?
        .into_iter()
        .collect())
}

fn headers_of_response(e: &Entry, resp: &Term) -> Vec<(String, String)> {
    headers(e, resp)
}

/// A header value without case or spacing differences.
fn normalize_header(v: &str) -> String {
    v.split(';')
        .map(|p| p.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(";")
}

/// Whether `status` is the `hts:` status (or status class) `expected`.
fn status_matches(expected: &Term, status: u16) -> bool {
    let Some(name) = iri(expected).and_then(|i| i.strip_prefix(HTS)) else {
        return false;
    };
    if let Some(class) = name
        .strip_prefix("StatusCode")
        .and_then(|c| c.strip_suffix("xx"))
    {
        return class.parse::<u16>().is_ok_and(|c| status / 100 == c);
    }
    status
        == match name {
            "OK" => 200,
            "Created" => 201,
            "Accepted" => 202,
            "NoContent" => 204,
            "BadRequest" => 400,
            "NotFound" => 404,
            "MethodNotAllowed" => 405,
            "NotAcceptable" => 406,
            "UnsupportedMediaType" => 415,
            _ => return false,
        }
}
