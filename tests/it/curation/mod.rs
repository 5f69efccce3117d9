//! Curation over HTTP with users and roles: create / read / replace / patch / delete with ETags,
//! the SHACL gate (422, dataset unchanged by its RDFC-1.0 hash), review with four eyes, the review
//! queue, history, change sets and revert, concurrent editors, JSON-LD contexts. This file holds the
//! helpers the test files below share.

mod edits;
mod integrity;
mod lifecycle;
mod records;

use crate::support::{TOKEN, TestServer, add_user, client};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Dataset;
use oxigraph::model::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use reqwest::blocking::{RequestBuilder, Response};
use serde_json::Value;
use std::path::Path;

pub(super) const STATEMENT: &str = r#"
@prefix wr: <https://w3id.org/warrant/ns#> . @prefix id: <https://w3id.org/warrant/id/> .
@prefix cito: <http://purl.org/spar/cito/> . @prefix concept: <https://w3id.org/warrant/concept/> .
@prefix obo: <http://purl.obolibrary.org/obo/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<> a wr:Statement ; rdfs:label "Curation test statement" ; wr:text "First wording." ;
   wr:restsOn id:seed-answer-p03 ; cito:citesAsEvidence id:silva-2018 ; wr:about concept:hsct ;
   wr:certainty wr:LowCertainty ; wr:evidenceType obo:ECO_0000304 ; wr:stance wr:Supports ;
   wr:reviewStatus wr:Approved .
"#;

pub(super) const IRI: &str = "https://w3id.org/warrant/id/st-curation-test";

pub(super) struct Users {
    pub(super) curator: String,
    pub(super) reviewer: String,
    pub(super) reader: String,
}

pub(super) fn start(dir: &Path, extra: &[&str]) -> (TestServer, Users) {
    let users = Users {
        curator: add_user(&dir.join("users.toml"), "alice", "curator"),
        reviewer: add_user(&dir.join("users.toml"), "bob", "reviewer"),
        reader: add_user(&dir.join("users.toml"), "rita", "reader"),
    };
    let file = dir.join("users.toml");
    let mut args = vec![
        "--memory",
        "--admin-token",
        TOKEN,
        "--users",
        file.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (TestServer::start(&args), users)
}

pub(super) fn auth(request: RequestBuilder, token: &str) -> RequestBuilder {
    request.header("authorization", format!("Bearer {token}"))
}

pub(super) fn turtle(request: RequestBuilder, body: &str) -> RequestBuilder {
    request
        .header("content-type", "text/turtle")
        .body(body.to_owned())
}

/// `POST /curation/{kind}` of a Turtle body with `Slug: slug` as `token`.
pub(super) fn create(
    server: &TestServer,
    token: &str,
    kind: &str,
    slug: &str,
    body: &str,
) -> Response {
    turtle(
        auth(
            client().post(server.url(&format!("/curation/{kind}"))),
            token,
        )
        .header("slug", slug),
        body,
    )
    .send()
    .unwrap()
}

/// `POST /changes/{id}/revert` as `token`.
pub(super) fn revert(server: &TestServer, token: &str, id: &str) -> Response {
    auth(
        client().post(server.url(&format!("/changes/{id}/revert"))),
        token,
    )
    .send()
    .unwrap()
}

/// The answer of a SPARQL ASK query.
pub(super) fn ask(server: &TestServer, query: &str) -> bool {
    client()
        .get(server.url("/sparql"))
        .query(&[("query", query)])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["boolean"]
        .as_bool()
        .expect("an ASK answer")
}

pub(super) fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

pub(super) fn get(server: &TestServer) -> Response {
    client()
        .get(server.url("/curation/statements/st-curation-test"))
        .send()
        .unwrap()
}

pub(super) fn patch(server: &TestServer, token: &str, if_match: &str, body: &str) -> Response {
    turtle(
        auth(
            client().patch(server.url("/curation/statements/st-curation-test")),
            token,
        )
        .header("if-match", if_match),
        body,
    )
    .send()
    .unwrap()
}

pub(super) fn review(server: &TestServer, token: &str, status: &str) -> Response {
    auth(
        client().post(server.url("/curation/statements/st-curation-test/review")),
        token,
    )
    .json(&serde_json::json!({ "status": status, "comment": "checked against the source" }))
    .send()
    .unwrap()
}

/// SHA-256 of the RDFC-1.0 canonical N-Quads of the whole dataset, as `GET /store` returns it.
pub(crate) fn dataset_hash(server: &TestServer) -> String {
    let text = client()
        .get(server.url("/store"))
        .header("accept", "application/n-quads")
        .send()
        .unwrap()
        .text()
        .unwrap();
    let mut dataset = Dataset::new();
    for quad in RdfParser::from_format(RdfFormat::NQuads).for_slice(text.as_bytes()) {
        dataset.insert(&quad.unwrap());
    }
    dataset.canonicalize(CanonicalizationAlgorithm::Rdfc10 {
        hash_algorithm: CanonicalizationHashAlgorithm::Sha256,
    });
    let mut lines: Vec<String> = dataset.iter().map(|q| q.to_string()).collect();
    lines.sort();
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(lines.join("\n")))
}

pub(super) fn history(server: &TestServer) -> Vec<Value> {
    history_of(server, IRI)
}

/// `GET /history?iri=…` as a JSON array.
pub(super) fn history_of(server: &TestServer, iri: &str) -> Vec<Value> {
    let body: Value = client()
        .get(server.url("/history"))
        .query(&[("iri", iri)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    body.as_array().expect("a JSON array").clone()
}
