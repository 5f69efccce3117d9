//! Graph Store HTTP Protocol at /store.

use crate::support::{TOKEN, TestServer, client, count};
use reqwest::StatusCode;
use serde_json::Value;

fn server() -> TestServer {
    TestServer::start(&["--memory", "--no-default-data", "--admin-token", TOKEN])
}

const G: &str = "http://example.org/graph/a";

fn triples_in(server: &TestServer, graph: &str) -> u64 {
    let q = format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}");
    count(
        &client()
            .get(server.url("/sparql"))
            .query(&[("query", q)])
            .send()
            .unwrap()
            .json()
            .unwrap(),
    )
}

#[test]
fn put_get_post_delete_a_named_graph() {
    let s = server();
    let c = client();
    let url = s.url("/store");
    let r = c.get(&url).query(&[("graph", G)]).send().unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().unwrap()["error"], "graph-not-found");

    let put = |body: &str, ct: &str| {
        c.put(&url)
            .query(&[("graph", G)])
            .bearer_auth(TOKEN)
            .header("content-type", ct)
            .body(body.to_owned())
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(
        put("<http://ex/s> <http://ex/p> \"one\" .", "text/turtle"),
        StatusCode::CREATED
    );
    assert_eq!(
        put(
            "<http://ex/s> <http://ex/p> \"two\" .\n<http://ex/s> <http://ex/p> \"three\" .",
            "application/n-triples"
        ),
        StatusCode::NO_CONTENT
    );
    assert_eq!(triples_in(&s, G), 2, "PUT replaces");

    let r = c
        .post(&url)
        .query(&[("graph", G)])
        .bearer_auth(TOKEN)
        .header("content-type", "application/ld+json")
        .body(r#"{"@id": "http://ex/s", "http://ex/p": "four"}"#)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c.post(&url).query(&[("graph", G)]).bearer_auth(TOKEN).header("content-type", "application/rdf+xml")
        .body(r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://ex/"><rdf:Description rdf:about="http://ex/s"><ex:p>five</ex:p></rdf:Description></rdf:RDF>"#)
        .send().unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(triples_in(&s, G), 4, "POST adds");

    let r = c
        .get(&url)
        .query(&[("graph", G)])
        .header("accept", "application/n-triples")
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/n-triples")
    );
    assert_eq!(r.text().unwrap().lines().count(), 4);
    let r = c.head(&url).query(&[("graph", G)]).send().unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let r = c.delete(&url).query(&[("graph", G)]).send().unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "writes need the token"
    );
    let r = c
        .delete(&url)
        .query(&[("graph", G)])
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = c
        .delete(&url)
        .query(&[("graph", G)])
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// `PUT /store?graph=G` as admin.
fn put_g(s: &TestServer, content_type: &str, body: &'static str) -> reqwest::blocking::Response {
    client()
        .put(s.url("/store"))
        .query(&[("graph", G)])
        .bearer_auth(TOKEN)
        .header("content-type", content_type)
        .body(body)
        .send()
        .unwrap()
}

#[test]
fn malformed_rdf_is_refused_with_position_and_changes_nothing() {
    let s = server();
    let r = put_g(&s, "text/turtle", "<http://ex/s> <http://ex/p> \"ok\" .");
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = put_g(
        &s,
        "text/turtle",
        "<http://ex/s> <http://ex/p> \"fine\" .\n<http://ex/s> <http://ex/p> oops .",
    );
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().unwrap();
    assert_eq!(body["error"], "bad-rdf");
    assert_eq!(body["line"], 2);
    assert!(body["column"].as_u64().is_some());
    assert_eq!(
        triples_in(&s, G),
        1,
        "the failed PUT left the graph as it was"
    );
    let r = put_g(&s, "image/png", "x");
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[test]
fn default_graph_dataset_and_post_creation() {
    let s = server();
    let c = client();
    let r = c
        .put(s.url("/store?default"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle")
        .body("<http://ex/s> <http://ex/p> 1 .")
        .send()
        .unwrap();
    assert!(r.status().is_success());
    let r = c.post(s.url("/store")).bearer_auth(TOKEN).header("content-type", "application/trig")
        .body("<http://ex/g1> { <http://ex/a> <http://ex/b> <http://ex/c> } <http://ex/g2> { <http://ex/a> <http://ex/b> <http://ex/d> }").send().unwrap();
    assert!(r.status().is_success());
    let r = c
        .post(s.url("/store"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle")
        .body("<http://ex/new> <http://ex/p> 2 .")
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        triples_in(&s, &location),
        1,
        "POST to the store created a graph at its Location"
    );
    let r = c.get(&location).send().unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "the new graph is reachable at its Location (direct identification)"
    );
    let r = c
        .get(s.url("/store"))
        .header("accept", "application/n-quads")
        .send()
        .unwrap();
    let dump = r.text().unwrap();
    // The catalog (a record graph) also holds the store's state (id and generation); change sets
    // (record graphs) hold each write.
    let content = dump.lines().filter(|l| {
        !l.ends_with("<https://w3id.org/warrant/graph/record/catalog> .")
            && !l.contains("<https://w3id.org/warrant/graph/change/")
    });
    assert_eq!(content.count(), 4, "{dump}");
    assert!(dump.contains("<http://ex/g2>"));
}
