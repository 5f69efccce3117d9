//! One statement through its whole life: roles, ETags, the SHACL gate, review with four eyes, the
//! queue, search, history, revert and delete.

use super::*;
use crate::support::{TOKEN, client};
use reqwest::StatusCode;
use serde_json::Value;

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
    let search = |text: &str, status: &str| -> Value {
        client()
            .get(server.url("/search"))
            .query(&[("q", text), ("type", "statement"), ("status", status)])
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let queue = || -> Vec<Value> {
        let items: Value = client()
            .get(server.url("/review/queue"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        items.as_array().unwrap().clone()
    };
    assert_eq!(search("first wording", "submitted")["hits"][0]["iri"], IRI);
    let waiting = queue()
        .into_iter()
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
    let approved = search("second wording", "approved");
    assert_eq!(approved["hits"][0]["iri"], IRI, "{approved}");
    assert!(queue().iter().all(|i| i["iri"] != IRI));

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
