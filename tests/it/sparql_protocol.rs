//! SPARQL 1.1 Protocol at /sparql and /update: forms, datasets, content negotiation, errors, limits.

use crate::support::{TOKEN, TestServer, client, count};
use reqwest::StatusCode;
use serde_json::Value;

fn fixture_server(extra: &[&str]) -> TestServer {
    let root = crate::support::repo_root().join("tests/fixtures/root");
    let mut args = vec![
        "--memory",
        "--root",
        root.to_str().unwrap(),
        "--admin-token",
        TOKEN,
    ];
    args.extend_from_slice(extra);
    TestServer::start(&args)
}

const COUNT_DRUGS: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://example.org/Drug> }";

#[test]
fn get_post_and_form_queries_agree() {
    let server = fixture_server(&[]);
    let c = client();
    let get: Value = c
        .get(server.url("/sparql"))
        .query(&[("query", COUNT_DRUGS)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let post: Value = c
        .post(server.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .body(COUNT_DRUGS)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let form: Value = c
        .post(server.url("/sparql"))
        .form(&[("query", COUNT_DRUGS)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        count(&get),
        3,
        "the union default graph sees the loaded file graphs"
    );
    assert_eq!(get, post);
    assert_eq!(get, form);
}

#[test]
fn strict_dataset_and_protocol_graphs() {
    let server = fixture_server(&["--strict-dataset"]);
    let c = client();
    let ask = |params: &[(&str, &str)]| -> u64 {
        let r: Value = c
            .get(server.url("/sparql"))
            .query(params)
            .send()
            .unwrap()
            .json()
            .unwrap();
        count(&r)
    };
    assert_eq!(
        ask(&[("query", COUNT_DRUGS)]),
        0,
        "strict: the store's default graph is empty"
    );
    let g = "https://w3id.org/warrant/graph/file/evidence/drugs.ttl";
    assert_eq!(ask(&[("query", COUNT_DRUGS), ("default-graph-uri", g)]), 3);
    let named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?d a <http://example.org/Drug> } }";
    assert_eq!(ask(&[("query", named), ("named-graph-uri", g)]), 3);
    assert_eq!(
        ask(&[
            ("query", named),
            ("named-graph-uri", "http://example.org/none")
        ]),
        0
    );
}

#[test]
fn a_default_graph_of_many_graphs_reads_what_each_holds_and_nothing_else() {
    // More than 8 listed graphs take spareval's one-scan path (vendor/spareval/WARRANT-PATCH.md):
    // each listed graph's triples come once per graph holding them, unlisted graphs and the
    // store's own default graph (unless listed) not at all.
    let server = fixture_server(&["--strict-dataset"]);
    let c = client();
    let mut data = String::from("INSERT DATA { ");
    for i in 0..10 {
        data.push_str(&format!(
            "GRAPH <http://example.org/many/g{i}> {{ <http://example.org/many/s{i}> <http://example.org/many/p> {i} }} "
        ));
    }
    // one triple in two listed graphs, one in an unlisted graph, one in the store's default graph
    data.push_str("GRAPH <http://example.org/many/g1> { <http://example.org/many/shared> <http://example.org/many/p> 100 } ");
    data.push_str("GRAPH <http://example.org/many/g2> { <http://example.org/many/shared> <http://example.org/many/p> 100 } ");
    data.push_str("GRAPH <http://example.org/many/unlisted> { <http://example.org/many/x> <http://example.org/many/p> 200 } ");
    data.push_str("<http://example.org/many/d> <http://example.org/many/p> 300 }");
    crate::support::update(&server, &data);
    let graphs: Vec<String> = (0..9)
        .map(|i| format!("http://example.org/many/g{i}"))
        .collect();
    let ask = |query: &str| -> u64 {
        let mut params: Vec<(&str, &str)> = vec![("query", query)];
        params.extend(graphs.iter().map(|g| ("default-graph-uri", g.as_str())));
        let r: Value = c
            .get(server.url("/sparql"))
            .query(&params)
            .send()
            .unwrap()
            .json()
            .unwrap();
        count(&r)
    };
    // g0..g8: 9 own triples and the shared one twice (g1, g2); g9, unlisted and default left out
    assert_eq!(
        ask("SELECT (COUNT(*) AS ?n) WHERE { ?s <http://example.org/many/p> ?o }"),
        11
    );
    // a bound subject reads through the same path
    assert_eq!(
        ask("SELECT (COUNT(*) AS ?n) WHERE { <http://example.org/many/shared> ?p ?o }"),
        2
    );
}

#[test]
fn content_negotiation_for_select_and_construct() {
    let server = fixture_server(&[]);
    let c = client();
    let select = "SELECT ?l WHERE { <http://example.org/abatacept> <http://www.w3.org/2000/01/rdf-schema#label> ?l }";
    for (accept, expected_type, needle) in [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            "\"abatacept\"",
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            "<literal>abatacept</literal>",
        ),
        ("text/csv", "text/csv", "abatacept"),
        (
            "text/tab-separated-values",
            "text/tab-separated-values",
            "\"abatacept\"",
        ),
        ("", "application/sparql-results+json", "\"abatacept\""),
    ] {
        let mut req = c.get(server.url("/sparql")).query(&[("query", select)]);
        if !accept.is_empty() {
            req = req.header("accept", accept);
        }
        let r = req.send().unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with(expected_type), "{accept} -> {ct}");
        assert!(r.text().unwrap().contains(needle), "{accept}");
    }
    let construct =
        "CONSTRUCT { ?d a <http://example.org/Drug> } WHERE { ?d a <http://example.org/Drug> }";
    for (accept, needle) in [
        ("text/turtle", "<http://example.org/ivig>"),
        (
            "application/n-triples",
            "<http://example.org/ivig> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Drug> .",
        ),
        ("application/rdf+xml", "rdf:RDF"),
        ("application/ld+json", "\"@id\""),
    ] {
        let r = c
            .get(server.url("/sparql"))
            .query(&[("query", construct)])
            .header("accept", accept)
            .send()
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{accept}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(accept)
        );
        assert!(r.text().unwrap().contains(needle), "{accept}");
    }
    let r = c
        .get(server.url("/sparql"))
        .query(&[("query", construct)])
        .send()
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/turtle"),
        "graphs default to Turtle"
    );
    let r = c
        .get(server.url("/sparql"))
        .query(&[("query", select)])
        .header("accept", "image/png")
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "not-acceptable");
}

#[test]
fn service_description_head_and_cors() {
    let server = fixture_server(&[]);
    let c = client();
    let r = c.get(server.url("/sparql")).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/turtle")
    );
    let sd = r.text().unwrap();
    assert!(
        sd.contains("sd:Service") && sd.contains("sd:UnionDefaultGraph"),
        "{sd}"
    );
    assert!(
        c.head(server.url("/sparql"))
            .send()
            .unwrap()
            .status()
            .is_success()
    );
    let r = c
        .get(server.url("/sparql"))
        .query(&[("query", COUNT_DRUGS)])
        .header("origin", "https://reviewer.example")
        .send()
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[test]
fn endpoint_urls_come_from_a_well_formed_host_header_only() {
    let server = fixture_server(&[]);
    let c = client();
    let sd = c.get(server.url("/sparql")).send().unwrap().text().unwrap();
    assert!(
        sd.contains(&format!("sd:endpoint <{}> ;", server.url("/sparql"))),
        "{sd}"
    );
    // relative IRIs resolve against the endpoint
    let r: Value = c
        .post(server.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .body("SELECT (<x> AS ?x) {}")
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        r["results"]["bindings"][0]["x"]["value"],
        server.url("/x").as_str()
    );
    // a Host header that could break out of an IRI is not used
    let sd = c
        .get(server.url("/sparql"))
        .header("host", "evil.example> . <x")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!sd.contains("evil"), "{sd}");
}

#[test]
fn malformed_query_gets_json_error_with_position() {
    let server = fixture_server(&[]);
    let r = client()
        .get(server.url("/sparql"))
        .query(&[("query", "SELECT * WHERE {\n  ?s ?p \n}")])
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "bad-query");
    assert!(body["message"].as_str().unwrap().len() > 5);
    assert_eq!(body["line"], 3);
    assert!(body["column"].as_u64().is_some());
}

#[test]
fn updates_need_the_admin_token() {
    let c = client();
    let insert = "INSERT DATA { <http://example.org/x> a <http://example.org/Drug> }";
    let root = crate::support::repo_root().join("tests/fixtures/root");
    let no_token = TestServer::start(&["--memory", "--root", root.to_str().unwrap()]);
    let r = c
        .post(no_token.url("/update"))
        .header("content-type", "application/sparql-update")
        .body(insert)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().unwrap()["error"], "forbidden");

    let server = fixture_server(&[]);
    let send = |auth: Option<&str>| {
        let mut req = c
            .post(server.url("/update"))
            .header("content-type", "application/sparql-update")
            .body(insert);
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send().unwrap().status()
    };
    assert_eq!(send(None), StatusCode::UNAUTHORIZED);
    assert_eq!(send(Some("Bearer wrong")), StatusCode::UNAUTHORIZED);
    let counted = || -> u64 {
        count(
            &c.get(server.url("/sparql"))
                .query(&[("query", COUNT_DRUGS)])
                .send()
                .unwrap()
                .json()
                .unwrap(),
        )
    };
    assert_eq!(counted(), 3, "refused updates changed nothing");
    assert_eq!(
        send(Some(&format!("Bearer {TOKEN}"))),
        StatusCode::NO_CONTENT
    );
    assert_eq!(counted(), 4);
    let r = c
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .form(&[("update", "DELETE WHERE { <http://example.org/x> ?p ?o }")])
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(counted(), 3);
    let r = c
        .post(server.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body("INSERT DATA { oops")
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().unwrap()["error"], "bad-update");
    let r = c.post(server.url("/update")).bearer_auth(TOKEN).header("content-type", "application/sparql-update")
        .body("INSERT DATA { <http://example.org/y> a <http://example.org/Drug> } ; LOAD <http://example.org/remote.ttl>").send().unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "LOAD is refused");
    assert_eq!(counted(), 3, "a failing update is rolled back whole");
}

#[test]
fn oversized_body_is_refused_with_413() {
    let server = fixture_server(&["--body-limit", "1KiB"]);
    let big = format!("SELECT * WHERE {{ ?s ?p ?o }} #{}", "x".repeat(4096));
    let r = client()
        .post(server.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .body(big)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json::<Value>().unwrap()["error"], "payload-too-large");
}

#[test]
fn slow_query_times_out_with_503_while_others_are_answered() {
    let server = fixture_server(&["--query-timeout", "0.5"]);
    let slow_url = server.url("/sparql");
    let slow = std::thread::spawn(move || {
        let q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r . ?s ?t ?u }";
        client()
            .get(slow_url)
            .query(&[("query", q)])
            .send()
            .unwrap()
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    let quick = client()
        .get(server.url("/sparql"))
        .query(&[("query", COUNT_DRUGS)])
        .send()
        .unwrap();
    assert_eq!(quick.status(), StatusCode::OK);
    let slow = slow.join().unwrap();
    assert_eq!(slow.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(slow.json::<Value>().unwrap()["error"], "timeout");
    let after = client()
        .get(server.url("/sparql"))
        .query(&[("query", COUNT_DRUGS)])
        .send()
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK, "the server keeps answering");
}
