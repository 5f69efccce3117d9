//! Named queries: listed at /queries, run at /queries/{name} with parameters bound as RDF terms.

use crate::support::{TestServer, client};
use reqwest::StatusCode;
use serde_json::Value;

fn server() -> TestServer {
    let root = crate::support::repo_root().join("tests/fixtures/root");
    TestServer::start(&["--memory", "--root", root.to_str().unwrap()])
}

fn values(json: &Value, var: &str) -> Vec<String> {
    json["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[var]["value"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn list_shows_title_description_and_parameters() {
    let s = server();
    let list: Value = client()
        .get(s.url("/queries"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let q = list["queries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["name"] == "drug-label")
        .expect("listed");
    assert_eq!(q["title"], "Label of a drug");
    assert_eq!(
        q["description"],
        "The rdfs:label of every drug, or of the one given."
    );
    assert_eq!(q["parameters"][0]["name"], "drug");
    assert!(q["sparql"].as_str().unwrap().contains("SELECT"));
}

#[test]
fn parameters_are_bound_as_terms_not_text() {
    let s = server();
    let c = client();
    let all: Value = c
        .get(s.url("/queries/drug-label"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        values(&all, "label").len(),
        3,
        "unbound parameter: every row"
    );
    let one: Value = c
        .get(s.url("/queries/drug-label"))
        .query(&[("drug", "http://example.org/abatacept")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(values(&one, "label"), ["abatacept"]);
    let by_label: Value = c
        .get(s.url("/queries/drugs-by-label"))
        .query(&[("label", "abatacept")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(values(&by_label, "drug"), ["http://example.org/abatacept"]);
    // an injection attempt is just a string that matches nothing
    let evil: Value = c
        .get(s.url("/queries/drugs-by-label"))
        .query(&[("label", "x\" } UNION { ?drug ?p ?o } #")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(values(&evil, "drug").is_empty());
    let tagged: Value = c
        .get(s.url("/queries/drugs-by-label"))
        .query(&[("label", "\"prednisone\"@en")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(values(&tagged, "drug"), ["http://example.org/prednisone"]);
}

#[test]
fn unknown_query_or_parameter_is_a_clear_error() {
    let s = server();
    let c = client();
    let r = c.get(s.url("/queries/nope")).send().unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().unwrap()["error"], "query-not-found");
    let r = c
        .get(s.url("/queries/drug-label"))
        .query(&[("dose", "1")])
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().unwrap()["error"], "unknown-parameter");
    let r = c
        .get(s.url("/queries/drug-label"))
        .query(&[("drug", "<not an iri>")])
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().unwrap()["error"], "bad-parameter");
}
