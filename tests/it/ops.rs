//! What operators and clients rely on besides the data: health, readiness and version endpoints, a
//! truthful service description, UTF-8 only bodies, and readable syntax errors of updates.

use crate::support::{TOKEN, TestServer, client};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Quad, Term};
use serde_json::Value;

#[test]
fn health_readiness_and_version() {
    let server = TestServer::start(&["--memory", "--no-default-data"]);
    let c = client();
    let r = c.get(server.url("/healthz")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["status"], "ok");
    let r = c.get(server.url("/readyz")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["status"], "ready");
    let v: Value = c
        .get(server.url("/version"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let commit = v["commit"].as_str().unwrap();
    assert!(
        commit == "unknown"
            || (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{v}"
    );
    assert_eq!(v["store"]["engine"], "oxigraph");
    assert_eq!(v["store"]["location"], "memory");
    assert!(
        v["store"]["engineVersion"]
            .as_str()
            .unwrap()
            .starts_with("0."),
        "{v}"
    );
}

#[test]
fn readiness_fails_with_the_reason_when_the_index_cannot_follow() {
    // a store on disk whose search index directory is replaced by a file cannot be re-indexed
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_in(
        dir.path(),
        &[
            "--data",
            "data",
            "--no-default-data",
            "--admin-token",
            TOKEN,
        ],
    );
    let c = client();
    assert_eq!(c.get(server.url("/readyz")).send().unwrap().status(), 200);
    let index = dir.path().join("data/search");
    std::fs::remove_dir_all(&index).unwrap();
    std::fs::write(&index, "not a directory").unwrap();
    let r = c
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body("INSERT DATA { <urn:a> <http://www.w3.org/2000/01/rdf-schema#label> \"a\" }")
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
    let r = c.get(server.url("/readyz")).send().unwrap();
    assert_eq!(r.status(), 503);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "not-ready");
    assert!(
        body["message"].as_str().unwrap().contains("search index"),
        "{body}"
    );
    // alive all the same
    assert_eq!(c.get(server.url("/healthz")).send().unwrap().status(), 200);
}

fn sd(p: &str) -> NamedNode {
    NamedNode::new(format!(
        "http://www.w3.org/ns/sparql-service-description#{p}"
    ))
    .unwrap()
}

#[test]
fn the_service_description_says_what_is_true() {
    let server = TestServer::start(&["--memory", "--no-default-data"]);
    let text = client()
        .get(server.url("/sparql"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let quads: Vec<Quad> = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(text.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    let service_at = |endpoint: &str| -> Term {
        let iri = Term::from(NamedNode::new(server.url(endpoint)).unwrap());
        quads
            .iter()
            .find(|q| q.predicate == sd("endpoint") && q.object == iri)
            .map(|q| q.subject.clone().into())
            .unwrap_or_else(|| panic!("no service at {endpoint}: {text}"))
    };
    let values = |s: &Term, p: NamedNode| -> Vec<String> {
        quads
            .iter()
            .filter(|q| Term::from(q.subject.clone()) == *s && q.predicate == p)
            .map(|q| q.object.to_string())
            .collect()
    };
    let query = service_at("/sparql");
    let languages = values(&query, sd("supportedLanguage"));
    assert_eq!(
        languages,
        vec![format!("<{}>", sd("SPARQL11Query").as_str())]
    );
    let results = values(&query, sd("resultFormat")).join(" ");
    for format in ["N-Quads", "TriG", "SPARQL_Results_JSON", "JSON-LD"] {
        assert!(results.contains(&format!("formats/{format}>")), "{results}");
    }
    assert!(
        values(&query, sd("feature")).contains(&"<https://w3id.org/warrant/ns#search>".to_owned()),
        "{text}"
    );
    let update = service_at("/update");
    assert_eq!(
        values(&update, sd("supportedLanguage")),
        vec![format!("<{}>", sd("SPARQL11Update").as_str())]
    );
    let store = service_at("/store");
    assert!(
        values(&store, sd("inputFormat"))
            .join(" ")
            .contains("formats/TriG>"),
        "{text}"
    );
}

#[test]
fn bodies_declared_in_another_charset_are_refused() {
    let server = TestServer::start(&["--memory", "--no-default-data", "--admin-token", TOKEN]);
    let c = client();
    let r = c
        .post(server.url("/sparql"))
        .header("content-type", "application/sparql-query; charset=UTF-16")
        .body("ASK {}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().unwrap()["error"], "bad-query");
    let r = c
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update; charset=UTF-16")
        .body("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().unwrap()["error"], "bad-update");
    let r = c
        .post(server.url("/sparql"))
        .header("content-type", "application/sparql-query; charset=utf-8")
        .body("ASK {}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn update_syntax_errors_are_one_readable_sentence() {
    let server = TestServer::start(&["--memory", "--no-default-data", "--admin-token", TOKEN]);
    let r = client()
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body("INSERT DATA {\n  <urn:a> <urn:b> \n}")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "bad-update");
    assert_eq!(body["line"], 3);
    assert!(body["column"].as_u64().is_some());
    let message = body["message"].as_str().unwrap();
    assert!(!message.contains('\n'), "{message}");
    assert!(message.len() < 300, "{message}");
    assert!(message.contains("line 3"), "{message}");
}

fn update(server: &TestServer, text: &str) {
    let r = client()
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body(text.to_owned())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
}

#[test]
fn a_backup_taken_while_serving_restores_the_dataset_of_its_moment() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let server = TestServer::start_in(
        cwd,
        &[
            "--data",
            "data",
            "--no-default-data",
            "--admin-token",
            TOKEN,
        ],
    );
    update(
        &server,
        "INSERT DATA { <urn:a> <urn:b> \"before the backup\" }",
    );
    let at_backup = crate::curation::dataset_hash(&server);
    // through the running server (found from the store directory), admin only
    let (ok, _, err) = crate::support::cli(cwd, &["backup", "copy"]);
    assert!(!ok && err.contains("401"), "{err}");
    let (ok, out, err) = crate::support::cli(cwd, &["backup", "copy", "--token", TOKEN]);
    assert!(ok, "{err}");
    assert!(out.contains("generation"), "{out}");
    update(
        &server,
        "INSERT DATA { <urn:a> <urn:b> \"after the backup\" }",
    );
    assert_ne!(crate::curation::dataset_hash(&server), at_backup);
    let (ok, _, err) = crate::support::cli(cwd, &["backup", "copy", "--token", TOKEN]);
    assert!(!ok && err.contains("already exists"), "{err}");
    assert!(server.terminate());
    // restore = start on the copy
    let restored = TestServer::start_in(cwd, &["--data", "copy", "--no-default-data"]);
    assert_eq!(crate::curation::dataset_hash(&restored), at_backup);
    assert!(restored.terminate());
    // and offline, on a store directory no server holds
    let (ok, _, err) = crate::support::cli(cwd, &["backup", "copy2", "--data", "copy"]);
    assert!(ok, "{err}");
    let again = TestServer::start_in(cwd, &["--data", "copy2", "--no-default-data"]);
    assert_eq!(crate::curation::dataset_hash(&again), at_backup);
}
