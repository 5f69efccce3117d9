//! Curation over HTTP with users and roles: create / read / replace / patch / delete with ETags,
//! the SHACL gate (422, dataset unchanged by its RDFC-1.0 hash), review with four eyes, the review
//! queue, history, change sets and revert, concurrent editors, JSON-LD contexts.

use crate::support::{TOKEN, TestServer, add_user, client};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Dataset;
use oxigraph::model::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use serde_json::Value;
use std::path::Path;

const STATEMENT: &str = r#"
@prefix wr: <https://w3id.org/warrant/ns#> . @prefix id: <https://w3id.org/warrant/id/> .
@prefix cito: <http://purl.org/spar/cito/> . @prefix concept: <https://w3id.org/warrant/concept/> .
@prefix obo: <http://purl.obolibrary.org/obo/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<> a wr:Statement ; rdfs:label "Curation test statement" ; wr:text "First wording." ;
   wr:restsOn id:seed-answer-p03 ; cito:citesAsEvidence id:silva-2018 ; wr:about concept:hsct ;
   wr:certainty wr:LowCertainty ; wr:evidenceType obo:ECO_0000304 ; wr:stance wr:Supports ;
   wr:reviewStatus wr:Approved .
"#;

const IRI: &str = "https://w3id.org/warrant/id/st-curation-test";

struct Users {
    curator: String,
    reviewer: String,
    reader: String,
}

fn start(dir: &Path, extra: &[&str]) -> (TestServer, Users) {
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

fn auth(request: RequestBuilder, token: &str) -> RequestBuilder {
    request.header("authorization", format!("Bearer {token}"))
}

fn turtle(request: RequestBuilder, body: &str) -> RequestBuilder {
    request
        .header("content-type", "text/turtle")
        .body(body.to_owned())
}

/// `POST /curation/{kind}` of a Turtle body with `Slug: slug` as `token`.
fn create(server: &TestServer, token: &str, kind: &str, slug: &str, body: &str) -> Response {
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
fn revert(server: &TestServer, token: &str, id: &str) -> Response {
    auth(
        client().post(server.url(&format!("/changes/{id}/revert"))),
        token,
    )
    .send()
    .unwrap()
}

/// The answer of a SPARQL ASK query.
fn ask(server: &TestServer, query: &str) -> bool {
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

fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

fn get(server: &TestServer) -> Response {
    client()
        .get(server.url("/curation/statements/st-curation-test"))
        .send()
        .unwrap()
}

fn patch(server: &TestServer, token: &str, if_match: &str, body: &str) -> Response {
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

fn review(server: &TestServer, token: &str, status: &str) -> Response {
    auth(
        client().post(server.url("/curation/statements/st-curation-test/review")),
        token,
    )
    .json(&serde_json::json!({ "status": status, "comment": "checked against the source" }))
    .send()
    .unwrap()
}

/// SHA-256 of the RDFC-1.0 canonical N-Quads of the whole dataset, as `GET /store` returns it.
fn dataset_hash(server: &TestServer) -> String {
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

fn history(server: &TestServer) -> Vec<Value> {
    history_of(server, IRI)
}

/// `GET /history?iri=…` as a JSON array.
fn history_of(server: &TestServer, iri: &str) -> Vec<Value> {
    let body: Value = client()
        .get(server.url("/history"))
        .query(&[("iri", iri)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    body.as_array().expect("a JSON array").clone()
}

#[test]
fn create_edit_review_history_and_revert() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let create = |token: Option<&str>| {
        let mut request = client()
            .post(server.url("/curation/statements"))
            .header("slug", "st-curation-test");
        if let Some(token) = token {
            request = auth(request, token);
        }
        turtle(request, STATEMENT).send().unwrap()
    };
    // roles: anonymous 401, reader 403, curator 201
    assert_eq!(create(None).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(create(Some(&users.reader)).status(), StatusCode::FORBIDDEN);
    let created = create(Some(&users.curator));
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        created.headers()["location"],
        "/curation/statements/st-curation-test"
    );
    let created_tag = etag(&created);
    assert_eq!(create(Some(&users.curator)).status(), StatusCode::CONFLICT);

    // the server sets what a curator may not: status submitted, author, creation time
    let read = get(&server);
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(etag(&read), created_tag);
    let text = read.text().unwrap();
    assert!(
        text.contains("wr:Submitted") && !text.contains("wr:Approved"),
        "{text}"
    );
    assert!(text.contains("First wording."), "{text}");
    assert!(text.contains("prov:wasAttributedTo"), "{text}");
    // the write reached the search index (and filters by its review status) before it returned
    let search = |status: &str| -> Value {
        client()
            .get(server.url("/search"))
            .query(&[
                ("q", "first wording"),
                ("type", "statement"),
                ("status", status),
            ])
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    assert_eq!(search("submitted")["hits"][0]["iri"], IRI);
    let queue: Value = client()
        .get(server.url("/review/queue"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let waiting = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["iri"] == IRI)
        .expect("queued");
    assert_eq!(waiting["status"], "submitted");
    assert_eq!(waiting["submitted_by"], "alice");

    // If-Match: required (428), stale (412), current (200, new ETag)
    let body = "<> <https://w3id.org/warrant/ns#text> \"Second wording.\" .";
    let no_match = turtle(
        auth(
            client().patch(server.url("/curation/statements/st-curation-test")),
            &users.curator,
        ),
        body,
    )
    .send()
    .unwrap();
    assert_eq!(no_match.status(), StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        patch(&server, &users.curator, "\"stale\"", body).status(),
        StatusCode::PRECONDITION_FAILED
    );
    let patched = patch(&server, &users.curator, &created_tag, body);
    assert_eq!(patched.status(), StatusCode::OK);
    let patched_tag = etag(&patched);
    assert_ne!(patched_tag, created_tag);
    let text = get(&server).text().unwrap();
    assert!(
        text.contains("Second wording.") && !text.contains("First wording."),
        "{text}"
    );

    // a write the shapes refuse: 422 with the report, and the dataset is identical
    let before = dataset_hash(&server);
    let bad = patch(
        &server,
        &users.curator,
        &patched_tag,
        "<> <https://w3id.org/warrant/ns#certainty> \"very sure\" .",
    );
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let report: Value = bad.json().unwrap();
    assert_eq!(report["error"], "shacl-violation");
    let result = &report["report"]["results"][0];
    assert_eq!(result["focus_node"], IRI);
    assert!(
        result["path"].as_str().unwrap().contains("certainty"),
        "{report}"
    );
    assert!(!result["message"].as_str().unwrap().is_empty());
    assert_eq!(
        dataset_hash(&server),
        before,
        "a rejected write changed the dataset"
    );
    assert_eq!(etag(&get(&server)), patched_tag);

    // review: a curator may not review; the reviewer approves
    assert_eq!(
        review(&server, &users.curator, "approved").status(),
        StatusCode::FORBIDDEN
    );
    let approved = review(&server, &users.reviewer, "approved");
    assert_eq!(approved.status(), StatusCode::OK);
    let text = get(&server).text().unwrap();
    assert!(
        text.contains("wr:Approved") && text.contains("wr:reviewedBy"),
        "{text}"
    );
    let approved: Value = client()
        .get(server.url("/search"))
        .query(&[("q", "second wording"), ("status", "approved")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(approved["hits"][0]["iri"], IRI, "{approved}");
    let queue: Value = client()
        .get(server.url("/review/queue"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(queue.as_array().unwrap().iter().all(|i| i["iri"] != IRI));

    // four eyes: the reviewer edits (status back to submitted), then may not approve their own edit
    let tag = etag(&get(&server));
    let reviewer_edit = patch(
        &server,
        &users.reviewer,
        &tag,
        "<> <http://www.w3.org/2000/01/rdf-schema#label> \"Relabelled\" .",
    );
    assert_eq!(reviewer_edit.status(), StatusCode::OK);
    assert!(get(&server).text().unwrap().contains("wr:Submitted"));
    let own = review(&server, &users.reviewer, "approved");
    assert_eq!(own.status(), StatusCode::FORBIDDEN);
    assert!(own.text().unwrap().contains("latest change"));
    assert_eq!(review(&server, TOKEN, "approved").status(), StatusCode::OK);

    // history: newest first, each with id, agent, time, message, added, removed
    let changes = history(&server);
    let agents: Vec<&str> = changes
        .iter()
        .map(|c| c["agent"].as_str().unwrap())
        .collect();
    assert_eq!(
        agents,
        ["admin", "bob", "bob", "alice", "alice"],
        "{changes:?}"
    );
    for change in &changes {
        for field in ["id", "time", "message", "added", "removed"] {
            assert!(!change[field].is_null(), "{field} missing in {change}");
        }
    }
    let patch_change = &changes[3];
    assert!(
        patch_change["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["object"] == "\"Second wording.\"")
    );
    assert!(
        patch_change["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["object"] == "\"First wording.\"")
    );
    let id = patch_change["id"].as_str().unwrap();
    let one: Value = client()
        .get(server.url(&format!("/changes/{id}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(&one, patch_change);
    assert_eq!(
        client()
            .get(server.url("/changes/no-such-change"))
            .send()
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );

    // revert: the creation conflicts with later changes (409); the wording change reverts
    let create_id = changes[4]["id"].as_str().unwrap();
    let conflict = revert(&server, &users.curator, create_id);
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let reverted = revert(&server, &users.curator, id);
    assert_eq!(reverted.status(), StatusCode::CREATED);
    let text = get(&server).text().unwrap();
    assert!(
        text.contains("First wording.") && !text.contains("Second wording."),
        "{text}"
    );
    // nobody approved the wording the revert brings back: the statement is submitted again
    assert!(
        text.contains("wr:Submitted") && !text.contains("wr:reviewedBy"),
        "{text}"
    );
    let newest = &history(&server)[0];
    assert_eq!(newest["kind"], "revert");
    assert_eq!(newest["reverts"], id);

    // delete, then revert the delete: the description comes back exactly
    let tag = etag(&get(&server));
    let deleted = auth(
        client().delete(server.url("/curation/statements/st-curation-test")),
        &users.curator,
    )
    .header("if-match", &tag)
    .send()
    .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(get(&server).status(), StatusCode::NOT_FOUND);
    let delete_id = history(&server)[0]["id"].as_str().unwrap().to_owned();
    let undone = revert(&server, &users.curator, &delete_id);
    assert_eq!(undone.status(), StatusCode::CREATED);
    assert_eq!(etag(&get(&server)), tag, "revert restores the prior state");
}

#[test]
fn concurrent_editors_exactly_one_wins_per_etag() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let created = create(
        &server,
        &users.curator,
        "statements",
        "st-curation-test",
        STATEMENT,
    );
    assert_eq!(created.status(), StatusCode::CREATED);
    let tag = etag(&created);
    let statuses: Vec<StatusCode> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (server, token, tag) = (&server, &users.curator, &tag);
                scope.spawn(move || {
                    let body = format!("<> <https://w3id.org/warrant/ns#text> \"Wording {i}.\" .");
                    patch(server, token, tag, &body).status()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let won = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let lost = statuses
        .iter()
        .filter(|s| **s == StatusCode::PRECONDITION_FAILED)
        .count();
    assert_eq!((won, lost), (1, 7), "{statuses:?}");
    assert_eq!(history(&server).len(), 2, "one creation, one edit");
}

#[test]
fn json_ld_bodies_use_inline_or_allow_listed_contexts_only() {
    let dir = tempfile::tempdir().unwrap();
    let context = dir.path().join("context.jsonld");
    std::fs::write(
        &context,
        r#"{"@context": {"skos": "http://www.w3.org/2004/02/skos/core#", "label": {"@id": "skos:prefLabel", "@language": "en"}, "scheme": {"@id": "skos:inScheme", "@type": "@id"}}}"#,
    )
    .unwrap();
    let allowed = format!(
        "https://example.org/warrant-context.jsonld={}",
        context.display()
    );
    let (server, users) = start(dir.path(), &["--jsonld-context", &allowed]);
    let post = |slug: &str, context: &str| {
        auth(client().post(server.url("/curation/concepts")), &users.curator)
            .header("slug", slug)
            .header("content-type", "application/ld+json")
            .body(format!(
                r#"{{"@context": {context}, "@id": "", "@type": "skos:Concept", "label": "A test concept", "scheme": "https://w3id.org/warrant/id/concepts"}}"#
            ))
            .send()
            .unwrap()
    };
    // an address the server could reach: never fetched
    let refused = post("test-remote", "\"http://127.0.0.1:9/context.jsonld\"");
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = refused.json::<Value>().unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("not fetched"), "{message}");
    let inline = post(
        "test-inline",
        r#"{"skos": "http://www.w3.org/2004/02/skos/core#", "label": {"@id": "skos:prefLabel", "@language": "en"}, "scheme": {"@id": "skos:inScheme", "@type": "@id"}}"#,
    );
    assert_eq!(inline.status(), StatusCode::CREATED, "{:?}", inline.text());
    let listed = post(
        "src-listed",
        "\"https://example.org/warrant-context.jsonld\"",
    );
    assert_eq!(listed.status(), StatusCode::CREATED, "{:?}", listed.text());
}

#[test]
fn every_write_path_records_a_change_set_and_records_are_not_editable() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path(), &[]);
    let update = |text: &str| {
        auth(client().post(server.url("/update")), TOKEN)
            .header("content-type", "application/sparql-update")
            .header("x-warrant-message", "test write")
            .body(text.to_owned())
            .send()
            .unwrap()
    };
    let subject = "https://w3id.org/warrant/id/history-probe";
    assert!(
        update(&format!(
            "INSERT DATA {{ <{subject}> <http://www.w3.org/2000/01/rdf-schema#label> \"probe\" }}"
        ))
        .status()
        .is_success()
    );
    let put = auth(
        client()
            .put(server.url("/store"))
            .query(&[("graph", "urn:test:g")]),
        TOKEN,
    )
    .header("content-type", "text/turtle")
    .body(format!(
        "<{subject}> <http://www.w3.org/2000/01/rdf-schema#comment> \"via GSP\" ."
    ))
    .send()
    .unwrap();
    assert!(put.status().is_success());
    let changes = history_of(&server, subject);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[1]["message"], "test write");
    assert_eq!(changes[1]["agent"], "admin");
    assert_eq!(changes[0]["added"][0]["graph"], "<urn:test:g>");
    // record graphs are Warrant's: writing one is refused, and DELETE over GRAPH ?g leaves them
    let change_graph = format!(
        "https://w3id.org/warrant/graph/change/{}",
        changes[1]["id"].as_str().unwrap()
    );
    let forged = update(&format!(
        "INSERT DATA {{ GRAPH <{change_graph}> {{ <urn:a> <urn:b> <urn:c> }} }}"
    ));
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(
        update(&format!(
            "DELETE WHERE {{ <{subject}> ?p ?o }} ; DELETE WHERE {{ GRAPH ?g {{ <{subject}> ?p ?o }} }}"
        ))
        .status()
        .is_success()
    );
    assert!(
        !ask(&server, &format!("ASK {{ <{subject}> ?p ?o }}")),
        "a removed triple reappeared"
    );
    let after = history_of(&server, subject);
    assert_eq!(after.len(), 3);
    assert_eq!(after[0]["removed"].as_array().unwrap().len(), 2);
}

#[test]
fn a_review_approval_is_what_lets_a_statement_support_determinations() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let seed =
        std::fs::read(crate::support::repo_root().join("tests/peer/cases/seed-patient.fhir.json"))
            .unwrap();
    let caveat = "https://w3id.org/warrant/id/caveat-lvef-volume-overload";
    let evaluate = || -> Value {
        let response = client()
            .post(server.url("/evaluate?asOf=2025-12-17"))
            .header("content-type", "application/fhir+json")
            .body(seed.clone())
            .send()
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().unwrap()
    };
    let reported = |answer: &Value, key: &str| {
        answer[key]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["iri"] == caveat)
    };
    // the caveat rests on a statement pending review: withheld by default
    let before = evaluate();
    assert!(reported(&before, "withheld") && !reported(&before, "caveats"));
    let approve = auth(
        client().post(server.url("/curation/statements/st-lvef-volume-overload/review")),
        &users.reviewer,
    )
    .json(&serde_json::json!({ "status": "approved", "comment": "matches the cited passage" }))
    .send()
    .unwrap();
    assert_eq!(approve.status(), StatusCode::OK, "{:?}", approve.text());
    let after = evaluate();
    assert!(
        reported(&after, "caveats") && !reported(&after, "withheld"),
        "{after}"
    );
    // and rejecting it withdraws the support again
    let reject = auth(
        client().post(server.url("/curation/statements/st-lvef-volume-overload/review")),
        &users.reviewer,
    )
    .json(&serde_json::json!({ "status": "rejected" }))
    .send()
    .unwrap();
    assert_eq!(reject.status(), StatusCode::OK);
    assert!(!reported(&evaluate(), "caveats"));
}

#[test]
fn a_policy_and_its_criteria_are_one_resource() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let policy = r#"
@prefix wr: <https://w3id.org/warrant/ns#> . @prefix id: <https://w3id.org/warrant/id/> .
@prefix concept: <https://w3id.org/warrant/concept/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<> a wr:Policy ; rdfs:label "Curation test policy" ; wr:appliesTo concept:abatacept ;
   wr:initiationCriteria <#start> .
<#start> a wr:ProcedurePerformed ; rdfs:label "HSCT in the history" ; wr:concept concept:hsct ;
   wr:supportedBy id:st-post-transplant-high-risk-period .
"#;
    let created = create(
        &server,
        &users.curator,
        "policies",
        "policy-curation-test",
        policy,
    );
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "{:?}",
        created.text()
    );
    let part = "https://w3id.org/warrant/id/policy-curation-test#start";
    assert!(ask(
        &server,
        &format!("ASK {{ <{part}> a <https://w3id.org/warrant/ns#ProcedurePerformed> }}")
    ));
    let read = client()
        .get(server.url("/curation/policies/policy-curation-test"))
        .header("accept", "application/n-triples")
        .send()
        .unwrap();
    let tag = etag(&read);
    let text = read.text().unwrap();
    assert!(
        text.contains(&format!("<{part}> <https://w3id.org/warrant/ns#concept>")),
        "{text}"
    );
    assert!(
        text.contains("<https://w3id.org/warrant/ns#Submitted>"),
        "{text}"
    );
    // a triple about anything else is refused
    let foreign = create(
        &server,
        &users.curator,
        "policies",
        "policy-other",
        "<https://w3id.org/warrant/id/st-x> <http://www.w3.org/2000/01/rdf-schema#label> \"x\" .",
    );
    assert_eq!(foreign.status(), StatusCode::BAD_REQUEST);
    let deleted = auth(
        client().delete(server.url("/curation/policies/policy-curation-test")),
        &users.curator,
    )
    .header("if-match", tag)
    .send()
    .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert!(
        !ask(&server, &format!("ASK {{ <{part}> ?p ?o }}")),
        "the criteria go with the policy"
    );
}
