//! Change sets of every write path, records that cannot be edited, and review decisions reaching
//! determinations.

use super::*;
use crate::support::{TOKEN, client};
use reqwest::StatusCode;
use serde_json::Value;

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
    // the graphs a query sees are remembered between writes, never across one
    let graph_listed = |server: &TestServer| ask(server, "ASK { GRAPH <urn:test:g> { ?s ?p ?o } }");
    assert!(!graph_listed(&server));
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
    assert!(graph_listed(&server), "a new graph is queryable at once");
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
    // every change set, newest first, paged
    let page: Value = client()
        .get(server.url("/changes"))
        .query(&[("limit", "2")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        page["total"], 4,
        "start-up load, insert, PUT, delete: {page}"
    );
    assert_eq!(page["changes"].as_array().unwrap().len(), 2);
    assert_eq!(page["changes"][0]["id"], after[0]["id"]);
    let bad = client()
        .get(server.url("/changes"))
        .query(&[("limit", "many")])
        .send()
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(after[0]["removed"].as_array().unwrap().len(), 2);
}

#[test]
fn a_review_approval_is_what_lets_a_statement_support_determinations() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let seed =
        std::fs::read(crate::support::repo_root().join("tests/peer/cases/seed-patient.fhir.json"))
            .unwrap();
    let criterion =
        "https://w3id.org/warrant/id/policy-ivig-after-allo-hsct#crit-allogeneic-hsct-performed";
    let caveat =
        "https://w3id.org/warrant/id/policy-ivig-after-allo-hsct#caveat-lvef-volume-overload";
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
    let find = |answer: &Value, key: &str, iri: &str| -> Value {
        answer[key]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["iri"] == iri)
            .cloned()
            .unwrap_or(Value::Null)
    };
    let review = |id: &str, status: &str| {
        let response = auth(
            client().post(server.url(&format!("/curation/statements/{id}/review"))),
            &users.reviewer,
        )
        .json(&serde_json::json!({ "status": status, "comment": "checked against the cited passage" }))
        .send()
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{:?}", response.text());
    };
    // Nothing approved: the criterion's facts hold, but it counts as unknown; the caveat is
    // reported anyway, marked pending review.
    let before = evaluate();
    assert_eq!(find(&before, "criteria", criterion)["status"], "unknown");
    assert_eq!(find(&before, "caveats", caveat)["review"], "pending review");
    review("st-allo-hct-igg-guided-replacement", "approved");
    review("st-lvef-normal-at-least-55", "approved");
    let after = evaluate();
    assert_eq!(
        find(&after, "criteria", criterion)["status"],
        "met",
        "{after}"
    );
    assert_eq!(find(&after, "caveats", caveat)["review"], "approved");
    // The approval is recorded as a person's, with the reviewer's role.
    assert!(ask(
        &server,
        "ASK { GRAPH ?g { ?s <https://w3id.org/warrant/ns#reviewedBy> ?who } \
           GRAPH ?h { ?who a <http://www.w3.org/ns/prov#Person> ; \
                      <https://w3id.org/warrant/ns#hasRole> <https://w3id.org/warrant/ns#ReviewerRole> } }"
    ));
    // and rejecting it withdraws the support again
    review("st-allo-hct-igg-guided-replacement", "rejected");
    assert_eq!(
        find(&evaluate(), "criteria", criterion)["status"],
        "unknown"
    );
}

#[test]
fn an_agent_described_as_software_or_a_document_cannot_approve() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let typed = auth(client().post(server.url("/update")), TOKEN)
        .header("content-type", "application/sparql-update")
        .body(
            "INSERT DATA { GRAPH <urn:test:agents> { \
               <https://w3id.org/warrant/id/agent/bob> a <http://www.w3.org/ns/prov#SoftwareAgent> } }",
        )
        .send()
        .unwrap();
    assert!(typed.status().is_success());
    let approve = auth(
        client().post(server.url("/curation/statements/st-allo-hct-igg-guided-replacement/review")),
        &users.reviewer,
    )
    .json(&serde_json::json!({ "status": "approved" }))
    .send()
    .unwrap();
    assert_eq!(approve.status(), StatusCode::FORBIDDEN);
    assert!(!ask(
        &server,
        "ASK { GRAPH ?g { <https://w3id.org/warrant/id/st-allo-hct-igg-guided-replacement> \
           <https://w3id.org/warrant/ns#reviewStatus> <https://w3id.org/warrant/ns#Approved> } }"
    ));
}
