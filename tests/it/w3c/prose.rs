//! Tests whose manifests describe the exchange in prose, encoded here:
//!
//! - `service-description/`: three named checks of the description GET `/sparql` returns.
//! - `http-rdf-update/` (the deprecated first Graph Store Protocol suite): each entry's comment holds
//!   an HTTP request and response in Markdown; they are parsed and run in manifest order on one
//!   store (later entries read what earlier ones wrote). `$GRAPHSTORE$` is `/store`, `$HOST$` the
//!   server, `$NEWPATH$` the `Location` of the graph created by POST. A "200 OK" or "204 No
//!   Content" answer to a write matches either (as the newer `graph-store-protocol/` suite says).

use super::compare::{parse_rdf, same_dataset};
use super::manifest::{Entry, rdfs, text};
use super::server::{Ctx, first_line};
use crate::support::TOKEN;
use oxigraph::io::RdfFormat;
use oxigraph::model::{Dataset, GraphName, Quad, Term};
use reqwest::Method;

const SD: &str = "http://www.w3.org/ns/sparql-service-description#";

/// `mf:ServiceDescriptionTest`: `returns-rdf`, `has-endpoint-triple`, `conforms-to-schema`.
pub fn service_description(ctx: &mut Ctx, e: &Entry) -> Result<(), String> {
    let endpoint = ctx.url("/sparql");
    let r = ctx
        .client
        .get(&endpoint)
        .header("accept", "text/turtle, application/rdf+xml;q=0.9")
        .send()
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("GET /sparql: HTTP {}", r.status()));
    }
    let media = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").trim().to_owned())
        .unwrap_or_default();
    let format = RdfFormat::from_media_type(&media).ok_or_else(|| format!("not RDF: {media:?}"))?;
    let bytes = r.bytes().map_err(|e| e.to_string())?;
    let quads = parse_rdf(&bytes, format, &endpoint, GraphName::DefaultGraph)?;
    let name = e.iri.rsplit('#').next().unwrap_or_default();
    let sd = |local: &str| format!("{SD}{local}");
    let is = |q: &Quad, p: &str| q.predicate.as_str() == sd(p);
    match name {
        "returns-rdf" => Ok(()),
        "has-endpoint-triple" => quads
            .iter()
            .any(|q| {
                is(q, "endpoint")
                    && matches!(&q.object, Term::NamedNode(n) if n.as_str() == endpoint)
            })
            .then_some(())
            .ok_or_else(|| format!("no sd:endpoint <{endpoint}>")),
        "conforms-to-schema" => conforms(&quads),
        other => Err(format!("unknown service description test {other}")),
    }
}

/// The description uses the vocabulary as defined: known terms, a service with an endpoint,
/// languages from the SPARQL languages, IRIs where the vocabulary wants resources.
fn conforms(quads: &[Quad]) -> Result<(), String> {
    const PROPERTIES: [&str; 19] = [
        "endpoint",
        "feature",
        "defaultEntailmentRegime",
        "entailmentRegime",
        "defaultSupportedEntailmentProfile",
        "supportedEntailmentProfile",
        "extensionFunction",
        "extensionAggregate",
        "languageExtension",
        "supportedLanguage",
        "propertyFeature",
        "defaultDataset",
        "availableGraphs",
        "resultFormat",
        "inputFormat",
        "defaultGraph",
        "namedGraph",
        "name",
        "graph",
    ];
    const CLASSES: [&str; 11] = [
        "Service",
        "Feature",
        "Language",
        "Function",
        "Aggregate",
        "EntailmentRegime",
        "EntailmentProfile",
        "GraphCollection",
        "Dataset",
        "Graph",
        "NamedGraph",
    ];
    const LANGUAGES: [&str; 3] = ["SPARQL10Query", "SPARQL11Query", "SPARQL11Update"];
    let rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
    let local = |t: &Term| match t {
        Term::NamedNode(n) => n.as_str().strip_prefix(SD).map(str::to_owned),
        _ => None,
    };
    for q in quads {
        if let Some(p) = q.predicate.as_str().strip_prefix(SD) {
            if !PROPERTIES.contains(&p) {
                return Err(format!("sd:{p} is not in the vocabulary"));
            }
            let resource = !matches!(p, "name");
            if resource && matches!(q.object, Term::Literal(_)) {
                return Err(format!("sd:{p} has a literal value {}", q.object));
            }
            if p == "supportedLanguage"
                && !local(&q.object).is_some_and(|l| LANGUAGES.contains(&l.as_str()))
            {
                return Err(format!(
                    "sd:supportedLanguage {} is not a SPARQL language",
                    q.object
                ));
            }
        }
        if q.predicate.as_str() == rdf_type {
            if let Some(class) = local(&q.object) {
                if !CLASSES.contains(&class.as_str()) {
                    return Err(format!("sd:{class} is not a class of the vocabulary"));
                }
            }
        }
    }
    let services: Vec<&Quad> = quads
        .iter()
        .filter(|q| {
            q.predicate.as_str() == rdf_type && local(&q.object).as_deref() == Some("Service")
        })
        .collect();
    if services.is_empty() {
        return Err("no sd:Service".into());
    }
    for s in services {
        if !quads
            .iter()
            .any(|q| q.subject == s.subject && q.predicate.as_str() == format!("{SD}endpoint"))
        {
            return Err(format!("service {} has no sd:endpoint", s.subject));
        }
    }
    Ok(())
}

/// One exchange parsed from the Markdown of an `http-rdf-update` entry.
struct Exchange {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: String,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: String,
}

/// Splits an indented block into (first line, headers, body).
fn block(text: &str) -> (String, Vec<(String, String)>, String) {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l.trim_start()))
        .skip_while(|l| l.trim().is_empty())
        .collect();
    let first = lines
        .first()
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    let mut headers = Vec::new();
    let mut i = 1;
    while i < lines.len() && !lines[i].trim().is_empty() {
        if let Some((n, v)) = lines[i].split_once(':') {
            headers.push((n.trim().to_owned(), v.trim().to_owned()));
        }
        i += 1;
    }
    let body = lines
        .get(i..)
        .unwrap_or_default()
        .join("\n")
        .trim()
        .to_owned();
    (first, headers, body)
}

fn exchange(comment: &str) -> Option<Exchange> {
    let (request, response) = comment.split_once("#### Response")?;
    let request = request.split_once("#### Request")?.1;
    let (line, headers, body) = block(request);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (status, response_headers, response_body) = block(response);
    Some(Exchange {
        method,
        target,
        headers,
        body,
        status: status.split_whitespace().next()?.parse().ok()?,
        response_headers,
        response_body,
    })
}

/// One `http-rdf-update` entry; `first` empties the store before the sequence starts.
pub fn http_rdf_update(ctx: &mut Ctx, e: &Entry, first: bool) -> Result<(), String> {
    if first {
        ctx.reset()?;
    }
    let comments = e.all_of(&Term::from(e.node.clone()), &rdfs("comment"));
    let x = comments
        .iter()
        .filter_map(|c| text(c))
        .find_map(exchange)
        .ok_or("no request/response in the comment")?;
    let authority = ctx.authority().to_owned();
    let vars = ctx.vars.clone();
    let fill = |s: &str| {
        let s = s
            .replace("/$GRAPHSTORE$", "/store")
            .replace("$GRAPHSTORE$", "/store")
            .replace("$HOST$", &authority);
        vars.iter().fold(s, |s, (k, v)| s.replace(k, v))
    };
    let target = fill(&x.target);
    let url = if target.starts_with("http") {
        target.clone()
    } else {
        ctx.url(&target)
    };
    let method = Method::from_bytes(x.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = ctx.client.request(method.clone(), &url).bearer_auth(TOKEN);
    for (n, v) in x
        .headers
        .iter()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("host"))
    {
        request = request.header(n.as_str(), v.as_str());
    }
    if !x.body.is_empty() {
        request = request.body(fill(&x.body).replace('\n', "\r\n"));
    }
    let r = request.send().map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let got = r.headers().clone();
    let bytes = r.bytes().map_err(|e| e.to_string())?;
    let context = || {
        format!(
            "{method} {target} -> {status} {}",
            first_line(&String::from_utf8_lossy(&bytes))
        )
    };
    let ok = status == x.status || (matches!(x.status, 200 | 204) && matches!(status, 200 | 204));
    if !ok {
        return Err(format!("expected {}: {}", x.status, context()));
    }
    for (name, value) in &x.response_headers {
        let actual = got
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match name.to_ascii_lowercase().as_str() {
            "location" => {
                let location = actual.ok_or_else(|| format!("no Location: {}", context()))?;
                ctx.vars.insert(value.clone(), location);
            }
            "content-type"
                if actual
                    .as_deref()
                    .map(|a| a.replace(' ', "").to_ascii_lowercase())
                    != Some(value.replace(' ', "").to_ascii_lowercase()) =>
            {
                return Err(format!("expected Content-Type {value:?}, got {actual:?}"));
            }
            _ => {}
        }
    }
    if !x.response_body.is_empty() && method != Method::HEAD {
        let media = got
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_owned())
            .unwrap_or_default();
        let format =
            RdfFormat::from_media_type(&media).ok_or_else(|| format!("not RDF: {media:?}"))?;
        let expected: Dataset = parse_rdf(
            fill(&x.response_body).as_bytes(),
            RdfFormat::Turtle,
            &url,
            GraphName::DefaultGraph,
        )?
        .into_iter()
        .collect();
        let actual: Dataset = parse_rdf(&bytes, format, &url, GraphName::DefaultGraph)?
            .into_iter()
            .collect();
        same_dataset(&expected, &actual)?;
    }
    Ok(())
}
