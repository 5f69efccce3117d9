//! The hostile-input corpus (`tests/hostile/*.json`, format in its README): every request is sent
//! to one live server, each must get its status (and error code), and the server must still
//! answer afterwards. Plus the resource limits that need a server of their own: timed-out queries
//! really stop, the query cap, and the update time limit.

use crate::support::{TOKEN, TestServer, client, count, repo_root};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One request of the corpus and what it must get.
struct Case {
    name: String,
    spec: Value,
}

fn corpus() -> Vec<Case> {
    let dir = repo_root().join("tests/hostile");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .expect("tests/hostile exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable case");
            let spec: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
            Case {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                spec,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

/// Expands a text generator: a string, `{"repeat": T, "times": n, "separator": S}` or
/// `{"concat": [T, …]}`.
fn generate(spec: &Value, case: &str) -> String {
    match spec {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("repeat") => {
            let unit = generate(&o["repeat"], case);
            let times = o["times"]
                .as_u64()
                .unwrap_or_else(|| panic!("{case}: repeat needs times"));
            let separator = o
                .get("separator")
                .map_or(String::new(), |s| generate(s, case));
            vec![unit; times as usize].join(&separator)
        }
        Value::Object(o) if o.contains_key("concat") => o["concat"]
            .as_array()
            .unwrap_or_else(|| panic!("{case}: concat needs a list"))
            .iter()
            .map(|part| generate(part, case))
            .collect(),
        other => panic!("{case}: {other} is not a text generator"),
    }
}

/// Sends a case; returns the status and body of its answer.
fn send(server: &TestServer, case: &Case) -> (u16, String) {
    let spec = &case.spec;
    if let Some(raw) = spec.get("raw") {
        return send_raw(server, &generate(raw, &case.name), &case.name);
    }
    let method = spec["method"].as_str().unwrap_or("GET");
    let path = spec["path"]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no path", case.name));
    let mut request = client().request(method.parse().expect("an HTTP method"), server.url(path));
    if let Some(query) = spec.get("query").and_then(Value::as_object) {
        let pairs: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.clone(), generate(v, &case.name)))
            .collect();
        request = request.query(&pairs);
    }
    if let Some(headers) = spec.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            request = request.header(name, generate(value, &case.name));
        }
    }
    match spec.get("auth").and_then(Value::as_str) {
        Some("admin") => request = request.bearer_auth(TOKEN),
        Some(other) => panic!("{}: unknown auth {other:?}", case.name),
        None => {}
    }
    if let Some(body) = spec.get("body") {
        request = request.body(generate(body, &case.name));
    }
    let response = request.send().unwrap_or_else(|e| {
        panic!(
            "{}: no answer (did the server die?): {}",
            case.name,
            e.without_url()
        )
    });
    let status = response.status().as_u16();
    (status, response.text().unwrap_or_default())
}

/// Writes `bytes` on a new connection as they are (what an HTTP client library would refuse to
/// send) and reads the first answer: its status line's code and its body. An interim `100
/// Continue` counts as the answer, so a case whose status is final proves none was sent first.
fn send_raw(server: &TestServer, bytes: &str, case: &str) -> (u16, String) {
    let addr = server.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("{case}: connect: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a read timeout");
    // the server may answer and close before it has read everything: a refused write is fine
    let _ = stream.write_all(bytes.as_bytes());
    let mut answer = Vec::new();
    let mut buf = [0; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
        if complete(&answer) {
            break;
        }
    }
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{case}: no status line in {answer:.300}"));
    let body = answer
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_owned());
    (status, body)
}

/// Whether `answer` holds a whole response: the head and as many body bytes as it declares.
fn complete(answer: &[u8]) -> bool {
    let text = String::from_utf8_lossy(answer);
    let Some((head, body)) = text.split_once("\r\n\r\n") else {
        return false;
    };
    if head.starts_with("HTTP/1.1 100") {
        return true;
    }
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .is_some_and(|len| body.len() >= len)
}

fn still_answers(server: &TestServer) {
    let r = client()
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")])
        .send()
        .expect("the server still answers");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(count(&r.json().unwrap()) > 0);
}

#[test]
fn hostile_corpus_gets_its_statuses_and_the_server_survives() {
    let server = TestServer::start(&["--memory", "--admin-token", TOKEN]);
    let cases = corpus();
    assert!(cases.len() >= 10, "the corpus is there");
    let mut failures = Vec::new();
    for case in &cases {
        let want = case.spec["status"]
            .as_u64()
            .unwrap_or_else(|| panic!("{}: no status", case.name));
        assert!(
            case.spec["why"].as_str().is_some_and(|w| !w.is_empty()),
            "{}: every case says why",
            case.name
        );
        let started = Instant::now();
        let (status, body) = send(&server, case);
        println!(
            "{}: {status} in {} ms",
            case.name,
            started.elapsed().as_millis()
        );
        if u64::from(status) != want {
            failures.push(format!(
                "{}: status {status}, want {want}: {body:.300}",
                case.name
            ));
            continue;
        }
        if let Some(code) = case.spec.get("error").and_then(Value::as_str) {
            let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            if json["error"] != code {
                failures.push(format!(
                    "{}: error {}, want {code}",
                    case.name, json["error"]
                ));
            }
        }
        still_answers(&server);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A cartesian COUNT over the shipped data: far longer than any time limit used here.
const CARTESIAN: &str =
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";
const SMALL: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }";

fn query(server: &TestServer, text: &str) -> reqwest::blocking::Response {
    client()
        .get(server.url("/sparql"))
        .query(&[("query", text)])
        .send()
        .unwrap()
}

/// Waits (up to a generous deadline, never asserting on speed) until `query` is answered 200.
fn answered_within(server: &TestServer, text: &str, deadline: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if query(server, text).status() == StatusCode::OK {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[test]
fn a_timed_out_query_stops_and_frees_its_slot() {
    let server = TestServer::start(&[
        "--memory",
        "--query-timeout",
        "1",
        "--max-concurrent-queries",
        "1",
    ]);
    for _ in 0..3 {
        let r = query(&server, CARTESIAN);
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        let body: Value = r.json().unwrap();
        assert_eq!(body["error"], "timeout", "{body}");
        // the only slot comes back only when the evaluation has really stopped
        assert!(
            answered_within(&server, SMALL, Duration::from_secs(60)),
            "the cancelled evaluation never stopped: the only query slot stayed taken"
        );
    }
}

#[test]
fn queries_beyond_the_cap_are_refused_busy_with_retry_after() {
    let server = TestServer::start(&[
        "--memory",
        "--query-timeout",
        "10",
        "--max-concurrent-queries",
        "1",
    ]);
    // the slow query, on a thread of its own: its status and error code
    let spawn_slow = || {
        let url = server.url("/sparql");
        std::thread::spawn(move || {
            let r = client()
                .get(url)
                .query(&[("query", CARTESIAN)])
                .send()
                .unwrap();
            let status = r.status();
            let body: Value = r.json().unwrap_or(Value::Null);
            (
                status,
                body["error"].as_str().unwrap_or_default().to_owned(),
            )
        })
    };
    let mut slow = spawn_slow();
    // the slow query holds the only slot until it times out: a query meanwhile is refused busy.
    // Only a `busy` refusal counts (on a loaded machine a small query may time out itself), and a
    // slow query that arrived while a small one held the slot (refused busy itself) is sent again.
    let start = Instant::now();
    let mut busy = None;
    while busy.is_none() && start.elapsed() < Duration::from_secs(120) {
        if slow.is_finished() {
            let (status, error) = slow.join().unwrap();
            assert_eq!(
                (status, error.as_str()),
                (StatusCode::SERVICE_UNAVAILABLE, "busy"),
                "the cartesian query ends only by its time limit or a busy refusal"
            );
            slow = spawn_slow();
        }
        let r = query(&server, SMALL);
        if r.status() == StatusCode::SERVICE_UNAVAILABLE {
            let retry_after = r.headers().contains_key("retry-after");
            let body: Value = r.json().unwrap();
            if body["error"] == "busy" {
                busy = Some(retry_after);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let retry_after = busy.expect("a query beyond the cap is refused busy");
    assert!(retry_after, "503 busy carries Retry-After");
    let (status, error) = slow.join().unwrap();
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "timeout"),
        "the slow query ends at its time limit"
    );
    assert!(answered_within(&server, SMALL, Duration::from_secs(60)));
}

#[test]
fn a_client_that_goes_away_cancels_its_query() {
    let server = TestServer::start(&[
        "--memory",
        "--query-timeout",
        "600",
        "--max-concurrent-queries",
        "1",
    ]);
    let gone = reqwest::blocking::Client::builder()
        .timeout(Duration::from_millis(1500))
        .build()
        .unwrap()
        .get(server.url("/sparql"))
        .query(&[("query", CARTESIAN)])
        .send();
    assert!(gone.is_err(), "the client gave up before the answer");
    // without cancellation the slot would stay taken for the whole (600 s) time limit
    assert!(
        answered_within(&server, SMALL, Duration::from_secs(60)),
        "the abandoned evaluation kept its slot"
    );
}

#[test]
fn an_update_past_its_time_limit_is_rolled_back_and_releases_the_lock() {
    let server = TestServer::start(&["--memory", "--admin-token", TOKEN, "--update-timeout", "1"]);
    let update = |text: &str| {
        client()
            .post(server.url("/update"))
            .bearer_auth(TOKEN)
            .header("content-type", "application/sparql-update")
            .body(text.to_owned())
            .send()
            .unwrap()
    };
    let r = update(
        "INSERT { <urn:hostile:x> <urn:hostile:p> ?n } WHERE { \
         { SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } } }",
    );
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json::<Value>().unwrap()["error"], "timeout");
    // the write lock is free again: the next write goes through (waiting generously for it)
    let start = Instant::now();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    while status != StatusCode::NO_CONTENT && start.elapsed() < Duration::from_secs(60) {
        status = update("INSERT DATA { <urn:hostile:y> <urn:hostile:p> 1 }").status();
    }
    assert_eq!(status, StatusCode::NO_CONTENT);
    let nothing = query(
        &server,
        "SELECT (COUNT(*) AS ?n) WHERE { <urn:hostile:x> ?p ?o }",
    );
    assert_eq!(
        count(&nothing.json().unwrap()),
        0,
        "nothing of the aborted update is visible"
    );
    let written = query(
        &server,
        "SELECT (COUNT(*) AS ?n) WHERE { <urn:hostile:y> ?p ?o }",
    );
    assert_eq!(count(&written.json().unwrap()), 1);
}
