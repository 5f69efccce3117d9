//! The examples the README points at run as written: the shipped patient case evaluates, and each
//! curation body under `examples/curation/` is accepted by a real server (through the SHACL gate).

use crate::support::{TestServer, add_user, client, repo_root};
use serde_json::Value;

/// The kinds in the order the README creates them (a passage needs its source, a statement its
/// passage, the policy its statement).
const KINDS: [&str; 5] = ["sources", "passages", "statements", "concepts", "policies"];

#[test]
fn each_curation_example_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let curator = add_user(&users, "cora", "curator");
    let server = TestServer::start(&["--memory", "--users", users.to_str().unwrap()]);
    for kind in KINDS {
        let body =
            std::fs::read_to_string(repo_root().join(format!("examples/curation/{kind}.ttl")))
                .unwrap();
        // the Slug the file's comment names, as the README's loop reads it
        let slug = body
            .split("`Slug: ")
            .nth(1)
            .and_then(|rest| rest.split('`').next())
            .unwrap_or_else(|| panic!("{kind}: the file names no Slug"))
            .to_owned();
        let r = client()
            .post(server.url(&format!("/curation/{kind}")))
            .bearer_auth(&curator)
            .header("content-type", "text/turtle")
            .header("slug", slug.as_str())
            .body(body)
            .send()
            .unwrap();
        let status = r.status();
        let answer: Value = r.json().unwrap();
        assert_eq!(status, 201, "{kind}: {answer:#}");
        assert_eq!(answer["id"], slug.as_str(), "{answer}");
    }
}

#[test]
fn the_shipped_patient_case_evaluates() {
    let server = TestServer::start(&["--memory"]);
    let case = std::fs::read(repo_root().join("examples/seed-patient.fhir.json")).unwrap();
    let r = client()
        .post(server.url("/evaluate?asOf=2025-12-17"))
        .header("content-type", "application/fhir+json")
        .body(case)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let answer: Value = r.json().unwrap();
    assert!(answer["determination"].is_string(), "{answer}");
}
