//! Editing details: concurrent editors, JSON-LD contexts, resources with parts, CORS.

use super::*;
use crate::support::client;
use reqwest::StatusCode;
use serde_json::Value;

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
    // without a Slug (and with <> as the subject) the server names the new resource
    let unnamed = turtle(
        auth(
            client().post(server.url("/curation/statements")),
            &users.curator,
        ),
        STATEMENT,
    )
    .send()
    .unwrap();
    assert_eq!(unnamed.status(), StatusCode::CREATED);
    let location = unnamed.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("/curation/statements/statement-"),
        "{location}"
    );
    assert_eq!(
        client().get(server.url(&location)).send().unwrap().status(),
        StatusCode::OK
    );
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

#[test]
fn browser_tools_may_edit_with_etags_across_origins() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path(), &[]);
    let preflight = client()
        .request(
            reqwest::Method::OPTIONS,
            server.url("/curation/statements/st-any"),
        )
        .header("origin", "https://curator.example.org")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, if-match, content-type",
        )
        .send()
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = |name: &str| {
        preflight.headers()[name]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
    };
    assert!(allowed("access-control-allow-methods").contains("patch"));
    assert!(allowed("access-control-allow-headers").contains("if-match"));
    let read = client()
        .get(server.url("/curation/statements/st-lvef-volume-overload"))
        .header("origin", "https://curator.example.org")
        .send()
        .unwrap();
    assert!(
        read.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_ascii_lowercase()
            .contains("etag")
    );
}
