//! The HTTP layer under hostile or clumsy clients that need a server configured for them (hyper's
//! own 400/414/431/413 and the framework's 405 in the JSON shape are cases of `tests/hostile/`):
//! a configured body limit, slow clients timed out, a connection cap, body
//! limits enforced before a body is read, unknown parameters refused, and the public URL — not the
//! `Host` header — deciding graph IRIs and `Location`s.

use crate::support::{TOKEN, TestServer, client};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

fn addr(server: &TestServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// Sends raw bytes on a new connection and reads until the server closes it or `wait` passes.
fn raw(server: &TestServer, bytes: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(addr(server)).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let mut buf = [0; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Status code and JSON body of a raw HTTP/1.1 answer.
fn status_and_json(answer: &str) -> (u16, Value) {
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer:?}"));
    (status, json)
}

fn assert_shape(json: &Value, code: &str) {
    assert_eq!(json["error"], code, "{json}");
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{json}"
    );
}

#[test]
fn bodies_over_the_limit_are_refused_before_they_are_read() {
    let server = TestServer::start(&[
        "--memory",
        "--no-default-data",
        "--admin-token",
        TOKEN,
        "--body-limit",
        "1KiB",
    ]);
    // a declared length far past the limit, no body sent: answered at once
    let started = Instant::now();
    let answer = raw(
        &server,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 99999999999999\r\n\r\n",
        Duration::from_secs(30),
    );
    assert!(started.elapsed() < Duration::from_secs(20));
    let (status, json) = status_and_json(&answer);
    assert_eq!(status, 413, "{answer}");
    assert_shape(&json, "payload-too-large");
    // 100-continue is not granted beyond the limit
    let answer = raw(
        &server,
        b"POST /update HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-update\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
        Duration::from_secs(30),
    );
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(!answer.contains("100 Continue"), "{answer}");
    // malformed chunking is a bad request, not a too-large one
    let answer = raw(
        &server,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n",
        Duration::from_secs(30),
    );
    let (status, json) = status_and_json(&answer);
    assert_eq!(status, 400, "{answer}");
    assert_shape(&json, "bad-body");
}

#[test]
fn slow_and_idle_clients_are_timed_out_and_connections_are_capped() {
    let server = TestServer::start(&[
        "--memory",
        "--no-default-data",
        "--header-timeout",
        "1",
        "--body-timeout",
        "1",
        "--max-connections",
        "2",
    ]);
    // a head that never ends: the connection is closed
    let started = Instant::now();
    let answer = raw(
        &server,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n",
        Duration::from_secs(30),
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    // a body that never arrives: 408
    let answer = raw(
        &server,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 10\r\n\r\nASK",
        Duration::from_secs(30),
    );
    let (status, json) = status_and_json(&answer);
    assert_eq!(status, 408, "{answer}");
    assert_shape(&json, "request-timeout");
    // an idle kept-alive connection is closed after the header timeout
    let started = Instant::now();
    let answer = raw(
        &server,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(30),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(20));
    // two silent connections fill the cap: a third is served only once they are timed out
    let silent: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(addr(&server)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut third = TcpStream::connect(addr(&server)).unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0; 256];
    assert!(
        third.read(&mut buf).is_err(),
        "served beyond the connection cap"
    );
    third
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let n = third.read(&mut buf).unwrap();
    assert!(
        String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&buf[..n])
    );
    drop(silent);
}

#[test]
fn unknown_parameters_are_refused_on_every_route() {
    let server = TestServer::start(&["--memory", "--no-default-data", "--admin-token", TOKEN]);
    let c = client();
    for (method, path) in [
        ("GET", "/sparql?query=ASK%7B%7D&defualt-graph-uri=urn:x"),
        ("POST", "/update?bogus=1"),
        ("GET", "/store?default&bogus=1"),
        ("GET", "/search?q=x&sort=1"),
        ("GET", "/healthz?x=1"),
        ("GET", "/changes?limit=1&page=2"),
    ] {
        let r = c
            .request(method.parse().unwrap(), server.url(path))
            .bearer_auth(TOKEN)
            .header("content-type", "application/sparql-update")
            .body("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
            .send()
            .unwrap();
        assert_eq!(r.status(), 400, "{method} {path}");
        assert_shape(&r.json().unwrap(), "unknown-parameter");
    }
    let r = c
        .get(server.url("/search?q=x&status=bogus"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_shape(&r.json().unwrap(), "bad-parameter");
    // nothing was written by the refused update
    let r: Value = c
        .get(server.url("/sparql"))
        .query(&[("query", "ASK { <urn:a> <urn:b> <urn:c> }")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(r["boolean"], false);
}

#[test]
fn the_public_url_not_the_host_header_names_graphs() {
    let server = TestServer::start(&[
        "--memory",
        "--no-default-data",
        "--admin-token",
        TOKEN,
        "--public-url",
        "https://warrant.example.org/",
    ]);
    let c = client();
    let r = c
        .put(server.url("/store/notes"))
        .bearer_auth(TOKEN)
        .header("host", "evil.example")
        .header("content-type", "text/turtle")
        .body("<urn:a> <urn:b> <urn:c> .")
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
    let r: Value = c
        .get(server.url("/sparql"))
        .header("host", "evil.example")
        .query(&[("query", "SELECT ?g WHERE { GRAPH ?g { <urn:a> ?p ?o } }")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        r["results"]["bindings"][0]["g"]["value"],
        "https://warrant.example.org/store/notes"
    );
    let r = c
        .post(server.url("/store"))
        .bearer_auth(TOKEN)
        .header("host", "evil.example")
        .header("content-type", "text/turtle")
        .body("<urn:x> <urn:y> <urn:z> .")
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://warrant.example.org/store/"),
        "{location}"
    );
}

#[test]
fn change_messages_are_capped() {
    let server = TestServer::start(&["--memory", "--no-default-data", "--admin-token", TOKEN]);
    let r = client()
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .header("x-warrant-message", "m".repeat(2000))
        .body("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_shape(&r.json().unwrap(), "bad-request");
}

#[test]
fn the_admin_token_is_never_taken_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warrant"))
        .args(["serve", "--memory", "--admin-token", "visible-in-ps"])
        .env_remove("WARRANT_ADMIN_TOKEN")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--admin-token-file") && !err.contains("visible-in-ps"),
        "{err}"
    );
    let file = dir.path().join("token");
    std::fs::write(&file, "from-a-file\n").unwrap();
    let server = TestServer::start(&[
        "--memory",
        "--no-default-data",
        "--admin-token-file",
        file.to_str().unwrap(),
    ]);
    let r = client()
        .post(server.url("/update"))
        .bearer_auth("from-a-file")
        .header("content-type", "application/sparql-update")
        .body("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{:?}", r.text());
}

#[test]
fn fhir_numbers_out_of_range_are_bad_cases() {
    let server = TestServer::start(&["--memory"]);
    let case = std::fs::read_to_string(
        crate::support::repo_root().join("tests/cases/igg-in-g-per-l.fhir.json"),
    )
    .unwrap();
    assert!(case.contains("\"frequency\": 1,"));
    for (bad, path) in [
        ("\"frequency\": 1e40,", "repeat.frequency"),
        ("\"frequency\": 2.5,", "repeat.frequency"),
    ] {
        let r = client()
            .post(server.url("/evaluate?asOf=2025-12-17"))
            .header("content-type", "application/fhir+json")
            .body(case.replace("\"frequency\": 1,", bad))
            .send()
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        let json: Value = r.json().unwrap();
        assert_shape(&json, "bad-case");
        assert!(
            json["path"].as_str().is_some_and(|p| p.ends_with(path)),
            "{json}"
        );
    }
    let r = client()
        .post(server.url("/evaluate?asOf=2025-12-17"))
        .header("content-type", "application/fhir+json")
        .body(case.replace("\"period\": 3,", "\"period\": 1e40,"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn edits_need_the_strong_etag_of_the_version_edited() {
    let server = TestServer::start(&["--memory", "--admin-token", TOKEN]);
    let c = client();
    let body =
        std::fs::read_to_string(crate::support::repo_root().join("examples/curation/concepts.ttl"))
            .unwrap();
    let r = c
        .post(server.url("/curation/concepts"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle")
        .header("slug", "etag-probe")
        .body(body.clone())
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    for tag in ["*".to_owned(), format!("W/{etag}")] {
        let r = c
            .put(server.url("/curation/concepts/etag-probe"))
            .bearer_auth(TOKEN)
            .header("content-type", "text/turtle")
            .header("if-match", tag.as_str())
            .body(body.clone())
            .send()
            .unwrap();
        assert_eq!(r.status(), 428, "If-Match: {tag}");
        assert_shape(&r.json().unwrap(), "precondition-required");
    }
    let r = c
        .put(server.url("/curation/concepts/etag-probe"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle")
        .header("if-match", etag.as_str())
        .body(body)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text());
}

/// Answers are gzip-compressed for a client that asks (browsers do) and plain for one that does not;
/// a response with an ETag (a strong validator of one encoding) is never compressed.
#[test]
fn answers_are_gzipped_when_asked_and_validated_responses_are_not() {
    let server = TestServer::start(&["--memory"]);
    let seed =
        std::fs::read(crate::support::repo_root().join("tests/peer/cases/seed-patient.fhir.json"))
            .unwrap();
    let post = |gzip: bool| {
        let mut request = client()
            .post(server.url("/evaluate?asOf=2025-12-17"))
            .header("content-type", "application/fhir+json")
            .body(seed.clone());
        if gzip {
            request = request.header("accept-encoding", "gzip");
        }
        request.send().unwrap()
    };
    let plain = post(false);
    assert_eq!(plain.status(), 200);
    assert!(plain.headers().get("content-encoding").is_none());
    let plain: Value = plain.json().unwrap();
    let zipped = post(true);
    assert_eq!(zipped.status(), 200);
    assert_eq!(zipped.headers()["content-encoding"], "gzip");
    let bytes = zipped.bytes().unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let unzipped: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(unzipped["determination"], plain["determination"]);
    assert!(
        bytes.len() * 4 < text.len(),
        "{} of {}",
        bytes.len(),
        text.len()
    );
    let policy = client()
        .get(server.url("/curation/policies/policy-ivig-after-allo-hsct"))
        .header("accept-encoding", "gzip")
        .send()
        .unwrap();
    assert_eq!(policy.status(), 200);
    assert!(policy.headers().contains_key("etag"));
    assert!(policy.headers().get("content-encoding").is_none());
}
