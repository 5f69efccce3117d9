//! Review cannot be bypassed (kind-bound edits, reverts of reviews, server-set attribution, reviewed
//! concepts disclosed in answers), the inferred graph is the reasoner's alone, records never leak
//! into curation views, and history stays small for shipped resources.

use super::*;
use crate::support::{TOKEN, add_user, client};
use reqwest::StatusCode;
use serde_json::Value;

const SHIPPED: &str = "st-autologous-tcd-immune-recovery-delayed";
const WR: &str = "https://w3id.org/warrant/ns#";

fn read(server: &TestServer, path: &str) -> Response {
    client()
        .get(server.url(path))
        .header("accept", "application/n-triples")
        .send()
        .unwrap()
}

fn patch_at(server: &TestServer, token: &str, path: &str, tag: &str, body: &str) -> Response {
    turtle(
        auth(client().patch(server.url(path)), token).header("if-match", tag),
        body,
    )
    .send()
    .unwrap()
}

fn review_at(server: &TestServer, token: &str, path: &str, status: &str) -> Response {
    auth(client().post(server.url(&format!("{path}/review"))), token)
        .json(&serde_json::json!({ "status": status }))
        .send()
        .unwrap()
}

fn status_of(server: &TestServer, iri: &str) -> String {
    let body: Value = client()
        .get(server.url("/sparql"))
        .query(&[(
            "query",
            format!("SELECT ?s WHERE {{ <{iri}> <{WR}reviewStatus> ?s }}"),
        )])
        .header("accept", "application/sparql-results+json")
        .send()
        .unwrap()
        .json()
        .unwrap();
    let rows = body["results"]["bindings"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "one status: {body}");
    rows[0]["s"]["value"]
        .as_str()
        .unwrap()
        .trim_start_matches(WR)
        .to_owned()
}

fn seed_case() -> Vec<u8> {
    std::fs::read(crate::support::repo_root().join("tests/peer/cases/seed-patient.fhir.json"))
        .unwrap()
}

fn evaluate(server: &TestServer) -> Value {
    let response = client()
        .post(server.url("/evaluate?asOf=2025-12-17"))
        .header("content-type", "application/fhir+json")
        .body(seed_case())
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().unwrap()
}

#[test]
fn an_edit_through_one_kind_never_touches_another() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let iri = format!("https://w3id.org/warrant/id/{SHIPPED}");
    // a shipped statement, approved by a reviewer
    let approved = review_at(
        &server,
        &users.reviewer,
        &format!("/curation/statements/{SHIPPED}"),
        "approved",
    );
    assert_eq!(approved.status(), StatusCode::OK, "{:?}", approved.text());
    let statement = read(&server, &format!("/curation/statements/{SHIPPED}"));
    assert_eq!(statement.status(), StatusCode::OK);
    let tag = etag(&statement);
    assert_eq!(status_of(&server, &iri), "Approved");
    let hash = dataset_hash(&server);
    // a source's route does not reach a statement, though they share a namespace
    assert_eq!(
        read(&server, &format!("/curation/sources/{SHIPPED}")).status(),
        StatusCode::NOT_FOUND
    );
    let retyped = patch_at(
        &server,
        &users.curator,
        &format!("/curation/sources/{SHIPPED}"),
        &tag,
        "<> a <https://w3id.org/warrant/ns#Source> ; <https://w3id.org/warrant/ns#text> \"Rewritten.\" .",
    );
    assert_eq!(
        retyped.status(),
        StatusCode::NOT_FOUND,
        "{:?}",
        retyped.text()
    );
    assert_eq!(
        review_at(
            &server,
            &users.reviewer,
            &format!("/curation/policies/{SHIPPED}"),
            "rejected"
        )
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(dataset_hash(&server), hash, "nothing changed");
    // a body may not make its resource (or a part of it) an instance of another curated kind
    for body in [
        "<> a <https://w3id.org/warrant/ns#Statement> ; <https://w3id.org/warrant/ns#reviewStatus> <https://w3id.org/warrant/ns#Approved> .",
        "<> <http://purl.org/dc/terms/title> \"T\" . <#claim> a <https://w3id.org/warrant/ns#Statement> .",
    ] {
        let smuggled = create(&server, &users.curator, "sources", "src-smuggle", body);
        assert_eq!(smuggled.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(dataset_hash(&server), hash, "nothing changed");
    // through its own route, any change to what it says sends it back to review
    let edited = patch_at(
        &server,
        &users.curator,
        &format!("/curation/statements/{SHIPPED}"),
        &tag,
        "<> <https://w3id.org/warrant/ns#text> \"Rewritten.\" .",
    );
    assert_eq!(edited.status(), StatusCode::OK, "{:?}", edited.text());
    assert_eq!(status_of(&server, &iri), "Submitted");
}

#[test]
fn reverting_a_review_is_a_review() {
    let dir = tempfile::tempdir().unwrap();
    let users_file = dir.path().join("users.toml");
    let carol = add_user(&users_file, "carol", "reviewer");
    let erin = add_user(&users_file, "erin", "reviewer");
    let (server, users) = start(dir.path(), &[]);
    let path = "/curation/statements/st-curation-test";
    // erin (a reviewer, curating here) writes it, bob approves, carol rejects
    assert_eq!(
        create(&server, &erin, "statements", "st-curation-test", STATEMENT).status(),
        StatusCode::CREATED
    );
    assert_eq!(
        review_at(&server, &users.reviewer, path, "approved").status(),
        StatusCode::OK
    );
    let rejection = review_at(&server, &carol, path, "rejected");
    assert_eq!(rejection.status(), StatusCode::OK);
    let rejection: Value = rejection.json().unwrap();
    let rejection = rejection["change"].as_str().unwrap();
    // a curator may not undo a review decision
    let by_curator = revert(&server, &users.curator, rejection);
    assert_eq!(
        by_curator.status(),
        StatusCode::FORBIDDEN,
        "{:?}",
        by_curator.text()
    );
    // the author may not bring back an approval of their own work (four eyes)
    let by_author = revert(&server, &erin, rejection);
    assert_eq!(
        by_author.status(),
        StatusCode::FORBIDDEN,
        "{:?}",
        by_author.text()
    );
    assert_eq!(status_of(&server, IRI), "Rejected");
    // another reviewer may: the approval is back, recorded as a review
    let by_reviewer = revert(&server, &carol, rejection);
    assert_eq!(
        by_reviewer.status(),
        StatusCode::CREATED,
        "{:?}",
        by_reviewer.text()
    );
    assert_eq!(status_of(&server, IRI), "Approved");
    let undone: Value = by_reviewer.json().unwrap();
    let change: Value = client()
        .get(server.url(&format!("/changes/{}", undone["id"].as_str().unwrap())))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(change["kind"], "review");
    assert_eq!(change["reverts"], rejection);
    // undoing an edit is no way back to approval either: it is submitted again
    let tag = etag(&get(&server));
    let edit = patch(
        &server,
        &users.curator,
        &tag,
        "<> <https://w3id.org/warrant/ns#text> \"Changed.\" .",
    );
    assert_eq!(edit.status(), StatusCode::OK);
    let edit: Value = edit.json().unwrap();
    let undo = revert(&server, &users.curator, edit["change"].as_str().unwrap());
    assert_eq!(undo.status(), StatusCode::CREATED, "{:?}", undo.text());
    assert_eq!(status_of(&server, IRI), "Submitted");
}

#[test]
fn attribution_is_the_authenticated_principal_never_the_body() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let framed = format!(
        "{STATEMENT}\n<> <http://www.w3.org/ns/prov#wasAttributedTo> <https://w3id.org/warrant/id/agent/bob> ;\n\
         <http://www.w3.org/ns/prov#generatedAtTime> \"2001-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime> ."
    );
    let created = create(
        &server,
        &users.curator,
        "statements",
        "st-curation-test",
        &framed,
    );
    assert_eq!(
        created.status(),
        StatusCode::CREATED,
        "{:?}",
        created.text()
    );
    let text = read(&server, "/curation/statements/st-curation-test")
        .text()
        .unwrap();
    assert!(text.contains("/agent/alice>"), "{text}");
    assert!(!text.contains("/agent/bob>"), "the body named bob: {text}");
    assert!(!text.contains("2001-01-01"), "{text}");
    // so bob is no author, and may approve
    let approved = review(&server, &users.reviewer, "approved");
    assert_eq!(approved.status(), StatusCode::OK, "{:?}", approved.text());
    // an edit keeps earlier authors and adds the editor, whatever the body says
    let tag = etag(&get(&server));
    let edited = patch(
        &server,
        &users.reviewer,
        &tag,
        "<> <http://www.w3.org/ns/prov#wasAttributedTo> <https://w3id.org/warrant/id/agent/rita> .",
    );
    assert_eq!(edited.status(), StatusCode::OK, "{:?}", edited.text());
    let text = read(&server, "/curation/statements/st-curation-test")
        .text()
        .unwrap();
    assert!(
        text.contains("/agent/alice>") && text.contains("/agent/bob>"),
        "{text}"
    );
    assert!(!text.contains("/agent/rita>"), "{text}");
}

#[test]
fn concept_edits_are_reviewed_and_answers_name_the_unreviewed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let concept = "https://w3id.org/warrant/concept/hsct";
    let unreviewed = |answer: &Value| -> Vec<String> {
        answer["unreviewed"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|u| u["kind"] == "concept")
                    .map(|u| u["iri"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(unreviewed(&evaluate(&server)).is_empty());
    let tag = etag(&read(&server, "/curation/concepts/hsct"));
    let edited = patch_at(
        &server,
        &users.curator,
        "/curation/concepts/hsct",
        &tag,
        "<> <http://www.w3.org/2004/02/skos/core#altLabel> \"stem cell graft\"@en .",
    );
    assert_eq!(edited.status(), StatusCode::OK, "{:?}", edited.text());
    assert_eq!(status_of(&server, concept), "Submitted");
    let queue: Value = client()
        .get(server.url("/review/queue"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        queue
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["iri"] == concept && i["kind"] == "concepts"),
        "{queue}"
    );
    let answer = evaluate(&server);
    assert_eq!(unreviewed(&answer), [concept], "{}", answer["unreviewed"]);
    assert_eq!(answer["review"], "pending human review");
    // four eyes hold for concepts too; another reviewer's approval clears it
    let own = patch_at(
        &server,
        &users.reviewer,
        "/curation/concepts/hsct",
        &etag(&read(&server, "/curation/concepts/hsct")),
        "<> <http://www.w3.org/2004/02/skos/core#altLabel> \"HSCT\"@en .",
    );
    assert_eq!(own.status(), StatusCode::OK);
    assert_eq!(
        review_at(
            &server,
            &users.reviewer,
            "/curation/concepts/hsct",
            "approved"
        )
        .status(),
        StatusCode::FORBIDDEN
    );
    let admin = auth(
        client().post(server.url("/curation/concepts/hsct/review")),
        TOKEN,
    )
    .json(&serde_json::json!({ "status": "approved" }))
    .send()
    .unwrap();
    assert_eq!(admin.status(), StatusCode::OK, "{:?}", admin.text());
    assert!(unreviewed(&evaluate(&server)).is_empty());
    // an edit outside curation (an admin's update, no review status set) is disclosed too
    let update = auth(client().post(server.url("/update")), TOKEN)
        .header("content-type", "application/sparql-update")
        .body(format!(
            "INSERT DATA {{ <{concept}> <http://www.w3.org/2004/02/skos/core#altLabel> \"HSC transplant\"@en }}"
        ))
        .send()
        .unwrap();
    assert_eq!(update.status(), StatusCode::NO_CONTENT);
    let answer = evaluate(&server);
    assert_eq!(unreviewed(&answer), [concept], "{}", answer["unreviewed"]);
    assert_eq!(answer["unreviewed"][0]["by"], "admin");
}

#[test]
fn the_inferred_graph_is_the_reasoners_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path(), &[]);
    let inferred = "https://w3id.org/warrant/graph/inferred";
    let hash = dataset_hash(&server);
    let update = |text: String| {
        auth(client().post(server.url("/update")), TOKEN)
            .header("content-type", "application/sparql-update")
            .body(text)
            .send()
            .unwrap()
            .status()
    };
    let planted =
        format!("<https://w3id.org/warrant/id/{SHIPPED}> <{WR}reviewStatus> <{WR}Approved> .");
    let store = |method: reqwest::Method| {
        let mut request = auth(
            client()
                .request(method.clone(), server.url("/store"))
                .query(&[("graph", inferred)]),
            TOKEN,
        );
        if method != reqwest::Method::DELETE {
            request = request
                .header("content-type", "application/n-triples")
                .body(planted.clone());
        }
        request.send().unwrap().status()
    };
    assert_eq!(store(reqwest::Method::PUT), StatusCode::FORBIDDEN);
    assert_eq!(store(reqwest::Method::POST), StatusCode::FORBIDDEN);
    assert_eq!(store(reqwest::Method::DELETE), StatusCode::FORBIDDEN);
    assert_eq!(
        update(format!(
            "INSERT DATA {{ GRAPH <{inferred}> {{ {planted} }} }}"
        )),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        update(format!("CLEAR GRAPH <{inferred}>")),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        update(format!("DROP GRAPH <{inferred}>")),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        update(format!(
            "DELETE WHERE {{ GRAPH <{inferred}> {{ ?s ?p ?o }} }}"
        )),
        StatusCode::FORBIDDEN
    );
    assert_eq!(dataset_hash(&server), hash, "nothing changed");
    // deleting an entailed triple from the default graph leaves the entailment to the reasoner
    let code = "<http://purl.bioontology.org/ontology/ICD10CM/M08.2> a <http://www.w3.org/2004/02/skos/core#Concept>";
    let entailed = format!("ASK {{ GRAPH <{inferred}> {{ {code} }} }}");
    assert!(
        ask(&server, &entailed),
        "a wr:Code is a skos:Concept by inference"
    );
    assert_eq!(
        update(format!("DELETE DATA {{ {code} }}")),
        StatusCode::NO_CONTENT
    );
    assert!(ask(&server, &entailed), "the inferred graph was edited");
}

#[test]
fn deleted_and_reverted_resources_leave_the_curation_views() {
    let dir = tempfile::tempdir().unwrap();
    let (server, users) = start(dir.path(), &[]);
    let listed = |id: &str| -> bool {
        let items: Value = client()
            .get(server.url("/curation/statements"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        items.as_array().unwrap().iter().any(|i| i["id"] == id)
    };
    let queued = || -> Vec<Value> {
        let items: Value = client()
            .get(server.url("/review/queue"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        items.as_array().unwrap().clone()
    };
    // deleted
    let created = create(
        &server,
        &users.curator,
        "statements",
        "st-curation-test",
        STATEMENT,
    );
    assert_eq!(created.status(), StatusCode::CREATED);
    let deleted = auth(
        client().delete(server.url("/curation/statements/st-curation-test")),
        &users.curator,
    )
    .header("if-match", etag(&created))
    .send()
    .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(get(&server).status(), StatusCode::NOT_FOUND);
    assert!(!listed("st-curation-test"), "a deleted statement is listed");
    assert!(!queued().iter().any(|i| i["iri"] == IRI));
    // its creation reverted
    let again = create(
        &server,
        &users.curator,
        "statements",
        "st-reverted",
        STATEMENT,
    );
    let again: Value = again.json().unwrap();
    assert_eq!(
        revert(&server, &users.curator, again["change"].as_str().unwrap()).status(),
        StatusCode::CREATED
    );
    assert!(
        !listed("st-reverted"),
        "a statement whose creation was reverted is listed"
    );
    // the queue shows what a statement says now, never a wording kept in a change set
    let created = create(
        &server,
        &users.curator,
        "statements",
        "st-curation-test",
        STATEMENT,
    );
    assert_eq!(created.status(), StatusCode::CREATED);
    for wording in ["Second wording.", "Third wording."] {
        let tag = etag(&get(&server));
        let edited = patch(
            &server,
            &users.curator,
            &tag,
            &format!("<> <{WR}text> \"{wording}\" ."),
        );
        assert_eq!(edited.status(), StatusCode::OK);
        let edited: Value = edited.json().unwrap();
        let undo = revert(&server, &users.curator, edited["change"].as_str().unwrap());
        assert_eq!(undo.status(), StatusCode::CREATED, "{:?}", undo.text());
    }
    let item = queued()
        .into_iter()
        .find(|i| i["iri"] == IRI)
        .expect("queued");
    assert_eq!(item["label"], "First wording.", "{item}");
}

#[test]
fn history_shows_a_resources_own_triples_and_change_sets_are_paged() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _) = start(dir.path(), &[]);
    let iri = format!("https://w3id.org/warrant/id/{SHIPPED}");
    let response = client()
        .get(server.url("/history"))
        .query(&[("iri", iri.as_str())])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().unwrap();
    assert!(text.len() < 20_000, "history is {} bytes", text.len());
    let history: Value = serde_json::from_str(&text).unwrap();
    let load = &history[0];
    assert_eq!(load["kind"], "load");
    let added = load["added"].as_array().unwrap();
    assert!(!added.is_empty());
    assert!(
        added.iter().all(|q| q["subject"] == format!("<{iri}>")
            || q["subject"].as_str().unwrap().starts_with("_:")),
        "{load}"
    );
    let total = load["totals"]["added"].as_u64().unwrap();
    assert!(
        total > 1000 && load["truncated"] == true,
        "{}",
        load["totals"]
    );
    // /changes lists change sets with at most `triples` triples each, and the totals
    let response = client().get(server.url("/changes")).send().unwrap();
    let text = response.text().unwrap();
    assert!(text.len() < 100_000, "/changes is {} bytes", text.len());
    let page: Value = serde_json::from_str(&text).unwrap();
    let listed = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == load["id"])
        .expect("the load is listed");
    assert!(listed["added"].as_array().unwrap().len() <= 100);
    assert_eq!(listed["totals"]["added"].as_u64().unwrap(), total);
    let summaries: Value = client()
        .get(server.url("/changes?triples=0"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let changes = summaries["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .all(|c| c["added"].as_array().unwrap().is_empty())
    );
    // one change set's triples, a page at a time
    let id = load["id"].as_str().unwrap();
    let page_of = |offset: usize| -> Vec<Value> {
        let body: Value = client()
            .get(server.url(&format!("/changes/{id}")))
            .query(&[("offset", offset.to_string()), ("limit", "10".to_owned())])
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(body["totals"]["added"].as_u64().unwrap(), total);
        body["added"].as_array().unwrap().clone()
    };
    let (first, second) = (page_of(0), page_of(10));
    assert_eq!((first.len(), second.len()), (10, 10));
    assert!(first.iter().all(|q| !second.contains(q)));
    let unknown = client()
        .get(server.url(&format!("/changes/{id}")))
        .query(&[("page", "2")])
        .send()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
}
