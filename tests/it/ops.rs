//! What operators and clients rely on besides the data: health, readiness and version endpoints, a
//! truthful service description, UTF-8 only bodies, and readable syntax errors of updates.

use crate::support::{TOKEN, TestServer, client, update};
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

/// The value of the sample `name{labels}` in a Prometheus text exposition (labels as printed).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .and_then(|l| l[series.len()..].trim().parse().ok())
}

#[test]
fn metrics_count_requests_writes_refusals_and_evaluations() {
    let server = TestServer::start(&["--memory", "--admin-token", TOKEN]);
    let c = client();
    let case =
        std::fs::read(crate::support::repo_root().join("examples/seed-patient.fhir.json")).unwrap();
    let answer: Value = c
        .post(server.url("/evaluate?asOf=2025-12-17"))
        .header("content-type", "application/fhir+json")
        .body(case)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let determination = answer["determination"].as_str().unwrap().to_owned();
    update(&server, "INSERT DATA { <urn:m> <urn:p> \"q\" }");
    let refused = c
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body("INSERT DATA { <urn:m> ")
        .send()
        .unwrap();
    assert_eq!(refused.status(), 400);
    let r = c.get(server.url("/metrics")).send().unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().unwrap();
    // every sample line is `name{labels} value`
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (_, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
    let eq = |series: &str, want: f64| {
        assert_eq!(sample(&text, series), Some(want), "{series} in\n{text}");
    };
    eq(
        "warrant_http_requests_total{method=\"POST\",route=\"/evaluate\",status=\"200\"}",
        1.0,
    );
    eq(
        &format!("warrant_evaluations_total{{determination=\"{determination}\"}}"),
        1.0,
    );
    eq("warrant_writes_total{kind=\"update\"}", 1.0);
    eq("warrant_writes_refused_total{reason=\"bad-update\"}", 1.0);
    assert!(
        text.contains("warrant_http_request_duration_seconds_bucket{method=\"POST\",route=\"/update\",le=\"0.001\"}"),
        "{text}"
    );
    let positive = |series: &str| {
        assert!(
            sample(&text, series).is_some_and(|v| v > 0.0),
            "{series} in\n{text}"
        );
    };
    positive("warrant_store_quads{graph_kind=\"file\"}");
    positive("warrant_store_quads{graph_kind=\"inferred\"}");
    positive("warrant_store_quads{graph_kind=\"change-set\"}");
    positive("warrant_search_documents");
    positive("warrant_reasoner{figure=\"rounds\"}");
    positive("warrant_reasoner{figure=\"updates\"}");
}

/// The independent OpenAPI validator: `$WARRANT_OPENAPI_VALIDATOR`, else the venv `.ci/run` makes.
/// `None` (the check is skipped with a notice) only on a machine without it where
/// `WARRANT_OPENAPI_VALIDATOR` is unset; `.ci/run` sets it, so CI never skips.
fn openapi_validator() -> Option<std::path::PathBuf> {
    let required = std::env::var_os("WARRANT_OPENAPI_VALIDATOR");
    let found = required
        .clone()
        .map(std::path::PathBuf::from)
        .or_else(|| {
            let venv = std::env::var_os("WARRANT_VENV")
                .map(std::path::PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME")
                        .map(|h| std::path::PathBuf::from(h).join(".cache/warrant-venv"))
                })?;
            Some(venv.join("bin/openapi-spec-validator"))
        })
        .filter(|p| p.is_file());
    assert!(
        found.is_some() || required.is_none(),
        "WARRANT_OPENAPI_VALIDATOR is set but is no file: run .ci/run once, or python3 -m venv \
         ~/.cache/warrant-venv && ~/.cache/warrant-venv/bin/pip install openapi-spec-validator"
    );
    if found.is_none() {
        eprintln!(
            "SKIP the independent OpenAPI validation: no openapi-spec-validator (.ci/run installs it)"
        );
    }
    found
}

#[test]
fn the_openapi_document_is_valid_and_matches_the_router() {
    let server = TestServer::start(&["--memory", "--no-default-data"]);
    let c = client();
    let doc: Value = c
        .get(server.url("/openapi.json"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // an independent validator
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    if let Some(validator) = openapi_validator() {
        let out = std::process::Command::new(validator)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // every documented operation is served; every other method of a documented path is 405
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{paths:?}");
    for (path, item) in paths {
        let url = server.url(
            &path
                .replace("{kind}", "statements")
                .replace("{id}", "none")
                .replace("{name}", "none")
                .replace("{path}", "none"),
        );
        for method in ["get", "post", "put", "patch", "delete", "head"] {
            let r = c
                .request(method.to_uppercase().parse().unwrap(), &url)
                .send()
                .unwrap();
            let status = r.status().as_u16();
            let body = r.text().unwrap_or_default();
            let documented =
                item.get(method).is_some() || (method == "head" && item.get("get").is_some());
            if documented {
                assert!(
                    status != 405 && !body.contains("no such endpoint") && status != 500,
                    "{method} {path}: {status} {body}"
                );
            } else {
                assert_eq!(status, 405, "{method} {path} is not documented: {body}");
            }
        }
    }
    // and a path the router does not serve is not documented
    let r = c.get(server.url("/nowhere")).send().unwrap();
    assert_eq!(r.status(), 404);
}
