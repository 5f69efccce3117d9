//! Full-text search: /search (ranking, phrases, boolean, filters, typos, synonyms, snippets,
//! errors), `SERVICE wr:search` inside SPARQL, the index following every write path, the index
//! rebuilt at start when missing, damaged or stale, and `warrant search`.

use crate::support::{TOKEN, TestServer, cli, client, repo_root};
use reqwest::StatusCode;
use serde_json::Value;
use std::path::Path;

const ID: &str = "https://w3id.org/warrant/id/";
const FIXTURE_GRAPH: &str = "http://example.org/graph/search-fixture";
const PREFIXES: &str = "PREFIX wr: <https://w3id.org/warrant/ns#>\nPREFIX id: <https://w3id.org/warrant/id/>\nPREFIX dct: <http://purl.org/dc/terms/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n";

fn fixture() -> String {
    std::fs::read_to_string(repo_root().join("tests/fixtures/search/evidence.ttl")).unwrap()
}

/// A server without data, reasoning with the `skos` rules (which derive the concept hierarchy the
/// index widens concepts with).
fn empty_server() -> TestServer {
    TestServer::start(&[
        "--memory",
        "--no-default-data",
        "--rules",
        "skos",
        "--admin-token",
        TOKEN,
    ])
}

fn server() -> TestServer {
    let s = empty_server();
    assert_eq!(put(&s, FIXTURE_GRAPH, &fixture()), StatusCode::CREATED);
    s
}

fn put(s: &TestServer, graph: &str, turtle: &str) -> StatusCode {
    client()
        .put(s.url("/store"))
        .query(&[("graph", graph)])
        .bearer_auth(TOKEN)
        .header("content-type", "text/turtle")
        .body(format!("{PREFIXES_TTL}{turtle}"))
        .send()
        .unwrap()
        .status()
}

const PREFIXES_TTL: &str = "@prefix wr: <https://w3id.org/warrant/ns#> .\n@prefix id: <https://w3id.org/warrant/id/> .\n@prefix dct: <http://purl.org/dc/terms/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n";

fn update(s: &TestServer, text: &str) {
    let r = client()
        .post(s.url("/update"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/sparql-update")
        .body(format!("{PREFIXES}{text}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "{}", r.text().unwrap());
}

fn search(s: &TestServer, params: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = client().get(s.url("/search")).query(params).send().unwrap();
    let status = r.status();
    (status, r.json().unwrap())
}

/// The hits' IRIs, without the `id:` prefix, in rank order (an HTTP error fails the test).
fn found(s: &TestServer, params: &[(&str, &str)]) -> Vec<String> {
    let (status, body) = search(s, params);
    assert_eq!(status, StatusCode::OK, "{params:?}: {body}");
    ids(&body)
}

fn ids(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let iri = h["iri"].as_str().unwrap();
            iri.strip_prefix(ID).unwrap_or(iri).to_owned()
        })
        .collect()
}

fn hit<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["iri"] == format!("{ID}{id}"))
        .unwrap_or_else(|| panic!("{id} not among {body}"))
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn answer_shape_and_bm25_ranking() {
    let s = server();
    let (status, body) = search(&s, &[("q", "alemtuzumab viral")]);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["total"], 2, "{body}");
    let p1 = hit(&body, "p1");
    assert_eq!(p1["type"], "passage");
    assert!(p1["score"].as_f64().unwrap() > 0.0);
    assert_eq!(p1["source"]["iri"], format!("{ID}src-a"));
    assert_eq!(
        p1["source"]["title"],
        "Transplantation outcomes in refractory arthritis"
    );
    assert_eq!(hit(&body, "st2")["type"], "statement");

    // The passage with the rare term ranks first; scores never increase down the list.
    let (_, body) = search(&s, &[("q", "infections OR reactivation")]);
    assert_eq!(ids(&body)[0], "p2", "{body}");
    let scores: Vec<f64> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert_eq!(body["total"], 4, "p1 p2 st1 st2: {body}");

    // Paging keeps the total and slices the ranking.
    let all = found(&s, &[("q", "infections")]);
    let page = found(&s, &[("q", "infections"), ("limit", "1"), ("offset", "1")]);
    assert_eq!(page, vec![all[1].clone()]);
    let (_, body) = search(&s, &[("q", "infections"), ("limit", "0")]);
    assert_eq!(body["total"], all.len());
    assert!(body["hits"].as_array().unwrap().is_empty());
}

#[test]
fn english_stemming_phrases_and_boolean_operators() {
    let s = server();
    assert!(
        found(&s, &[("q", "infection")]).contains(&"p2".into()),
        "stemming"
    );
    let phrase = found(&s, &[("q", "\"viral infections\"")]);
    assert_eq!(
        sorted(phrase),
        ["p1", "st2"],
        "p2 has both words, not the phrase"
    );
    assert_eq!(
        sorted(found(&s, &[("q", "alemtuzumab AND viral")])),
        ["p1", "st2"]
    );
    assert_eq!(sorted(found(&s, &[("q", "viral NOT alemtuzumab")])), ["p2"]);
    assert_eq!(sorted(found(&s, &[("q", "viral -alemtuzumab")])), ["p2"]);
    assert_eq!(
        sorted(found(&s, &[("q", "(reactivation OR conditioning) viral")])),
        ["p1", "p2"]
    );
    assert_eq!(
        sorted(found(&s, &[("q", "pneumonia OR reactivation")])),
        ["p2", "p5"]
    );
    assert!(found(&s, &[("q", "pneumonia AND reactivation")]).is_empty());
    // Sources are found by title and authors, concepts by their labels.
    assert_eq!(found(&s, &[("q", "Silva")]), ["src-a"]);
    assert!(
        found(&s, &[("q", "Campath")])
            .contains(&"https://w3id.org/warrant/concept/alemtuzumab".into())
    );
}

#[test]
fn filters_by_type_concept_and_status() {
    let s = server();
    assert_eq!(
        sorted(found(&s, &[("q", "infections"), ("type", "statement")])),
        ["st1", "st2"]
    );
    assert_eq!(
        sorted(found(
            &s,
            &[("q", "infections"), ("type", "passage,statement")]
        ))
        .len(),
        4
    );
    assert_eq!(
        found(&s, &[("q", "infections"), ("status", "approved")]),
        ["st1"]
    );
    assert_eq!(
        found(
            &s,
            &[
                ("q", "infections"),
                ("status", "https://w3id.org/warrant/ns#Submitted")
            ]
        ),
        ["st2"]
    );
    // A statement about IVIG is about its broader concept too.
    assert_eq!(
        found(&s, &[("q", "infections"), ("concept", "immunotherapy")]),
        ["st1"]
    );
    assert_eq!(
        found(
            &s,
            &[
                ("q", "infections"),
                ("concept", "https://w3id.org/warrant/concept/alemtuzumab")
            ]
        ),
        ["st2"]
    );
    // The same filters in the query text.
    assert_eq!(
        found(&s, &[("q", "infections type:statement status:submitted")]),
        ["st2"]
    );
    assert_eq!(
        sorted(found(&s, &[("q", "infections -type:statement")])),
        ["p1", "p2"]
    );
    assert_eq!(found(&s, &[("q", "transplant source:src-b")]), ["st1"]);
}

#[test]
fn concepts_widen_with_the_hierarchy_the_reasoner_derived() {
    // Search reads the same hierarchy as evaluation: the `skos` rules' skos:broaderTransitive,
    // from skos:broader and skos:narrower alike, followed on every write.
    let s = server();
    update(
        &s,
        "PREFIX concept: <https://w3id.org/warrant/concept/>\n\
         INSERT DATA { GRAPH <http://example.org/g/h> { concept:okapi-therapy a skos:Concept ; skos:prefLabel \"okapi therapy\"@en . \
         concept:immunotherapy skos:narrower concept:okapi-therapy . \
         id:st-okapi a wr:Statement ; wr:text \"Okapi therapy lowers zebra counts.\" ; wr:about concept:okapi-therapy } }",
    );
    assert_eq!(
        found(&s, &[("q", "zebra"), ("concept", "immunotherapy")]),
        ["st-okapi"],
        "a concept linked by skos:narrower widens too"
    );
    update(
        &s,
        "PREFIX concept: <https://w3id.org/warrant/concept/>\n\
         DELETE DATA { GRAPH <http://example.org/g/h> { concept:immunotherapy skos:narrower concept:okapi-therapy } }",
    );
    assert!(
        found(&s, &[("q", "zebra"), ("concept", "immunotherapy")]).is_empty(),
        "no stale widening once the link is gone"
    );
    assert_eq!(
        found(&s, &[("q", "zebra"), ("concept", "okapi-therapy")]),
        ["st-okapi"]
    );
    // Without the skos rules nothing derives the hierarchy: a concept matches only itself, as in
    // evaluation.
    let plain = TestServer::start(&["--memory", "--no-default-data", "--admin-token", TOKEN]);
    assert_eq!(put(&plain, FIXTURE_GRAPH, &fixture()), StatusCode::CREATED);
    assert!(found(&plain, &[("q", "infections"), ("concept", "immunotherapy")]).is_empty());
    assert_eq!(
        found(&plain, &[("q", "infections"), ("concept", "ivig")]),
        ["st1"]
    );
}

#[test]
fn typos_are_tolerated_in_longer_words() {
    let s = server();
    let (_, body) = search(&s, &[("q", "alemtuzamab")]);
    let found = ids(&body);
    assert!(
        found.contains(&"p1".into()) && found.contains(&"st2".into()),
        "{body}"
    );
    assert!(
        hit(&body, "p1")["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>Alemtuzumab</mark>"),
        "{body}"
    );
    assert_eq!(sorted(ids(&search(&s, &[("q", "reactivaton")]).1)), ["p2"]);
    assert_eq!(
        sorted(ids(&search(&s, &[("q", "viarl")]).1)),
        ["p1", "p2", "st2"]
    );
    // Short words are not guessed at, and known words are taken as written.
    assert!(ids(&search(&s, &[("q", "vial")]).1).is_empty());
    assert!(ids(&search(&s, &[("q", "rate")]).1) == ["p1"]);
}

#[test]
fn concept_labels_expand_the_query_both_ways() {
    let s = server();
    let (_, body) = search(
        &s,
        &[("q", "intravenous immunoglobulin"), ("type", "passage")],
    );
    assert_eq!(sorted(ids(&body)), ["p3", "p4"], "p3 only says IVIG");
    assert!(
        hit(&body, "p3")["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>IVIG</mark>"),
        "{body}"
    );
    assert!(
        hit(&body, "p4")["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>Intravenous immunoglobulin</mark>"),
        "{body}"
    );
    assert_eq!(
        sorted(found(&s, &[("q", "IVIG"), ("type", "passage")])),
        ["p3", "p4"],
        "p4 only says intravenous immunoglobulin"
    );
    // A quoted phrase is taken literally.
    assert_eq!(found(&s, &[("q", "\"ivig\""), ("type", "passage")]), ["p3"]);
    // The synonyms are the graph's: a new label works as soon as it is written.
    assert!(found(&s, &[("q", "IGIV")]).is_empty());
    update(
        &s,
        "INSERT DATA { GRAPH <http://example.org/graph/labels> { <https://w3id.org/warrant/concept/ivig> skos:altLabel \"IGIV\"@en } }",
    );
    assert_eq!(
        sorted(found(&s, &[("q", "IGIV"), ("type", "passage")])),
        ["p3", "p4"]
    );
}

#[test]
fn snippets_are_escaped_html_with_marks() {
    let s = server();
    let (_, body) = search(&s, &[("q", "clinical")]);
    assert_eq!(
        hit(&body, "p4")["snippet"],
        "Intravenous immunoglobulin dosing is guided by trough levels &amp; &lt;b&gt;<mark>clinical</mark>&lt;/b&gt; response."
    );
    let (_, body) = search(&s, &[("q", "revised")]);
    let src = hit(&body, "src-b");
    assert_eq!(
        src["snippet"],
        "Immunoglobulin replacement &lt;reviewed&gt; &amp; <mark>revised</mark>"
    );
    assert_eq!(
        src["source"]["title"],
        "Immunoglobulin replacement <reviewed> & revised"
    );
}

#[test]
fn bad_searches_are_400_with_a_message() {
    let s = empty_server();
    for (params, code, needle) in [
        (vec![("q", "\"unclosed")], "bad-query", "unclosed quote"),
        (vec![("q", "(a OR b")], "bad-query", "parenthesis"),
        (vec![("q", "a AND")], "bad-query", "term was expected"),
        (vec![("q", "colour:red")], "bad-query", "unknown field"),
        (vec![("q", "the of")], "bad-query", "no searchable word"),
        (vec![], "bad-parameter", "q"),
        (vec![("q", "x"), ("limit", "ten")], "bad-parameter", "limit"),
        (
            vec![("q", "x"), ("limit", "5000")],
            "bad-parameter",
            "at most",
        ),
        (vec![("q", "x"), ("type", "book")], "bad-parameter", "book"),
        (vec![("q", "type:book")], "bad-parameter", "book"),
        (
            vec![("q", "x"), ("sort", "date")],
            "unknown-parameter",
            "sort",
        ),
    ] {
        let (status, body) = search(&s, &params);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{params:?}: {body}");
        assert_eq!(body["error"], code, "{params:?}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{params:?}: {body}"
        );
    }
    let (_, body) = search(&s, &[("q", "a \"b")]);
    assert_eq!(
        (body["line"].clone(), body["column"].clone()),
        (1.into(), 3.into())
    );
}

fn sparql(s: &TestServer, query: &str) -> (StatusCode, Value) {
    let r = client()
        .get(s.url("/sparql"))
        .query(&[("query", format!("{PREFIXES}{query}"))])
        .send()
        .unwrap();
    let status = r.status();
    (status, r.json().unwrap())
}

fn column(body: &Value, var: &str) -> Vec<String> {
    body["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b[var]["value"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn sparql_service_joins_with_graph_patterns() {
    let s = server();
    let (status, body) = sparql(
        &s,
        "SELECT ?hit ?score ?snippet ?title WHERE {
           SERVICE wr:search { ?hit wr:query \"alemtuzumab viral\" ; wr:type \"passage\" ;
                               wr:score ?score ; wr:snippet ?snippet }
           ?hit wr:inSource ?src . ?src dct:title ?title }",
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(column(&body, "hit"), [format!("{ID}p1")]);
    assert_eq!(
        column(&body, "title"),
        ["Transplantation outcomes in refractory arthritis"]
    );
    assert!(column(&body, "snippet")[0].contains("<mark>Alemtuzumab</mark>"));
    assert!(column(&body, "score")[0].parse::<f64>().unwrap() > 0.0);
    let b = &body["results"]["bindings"][0]["score"]["datatype"];
    assert_eq!(b, "http://www.w3.org/2001/XMLSchema#double");

    let (_, body) = sparql(
        &s,
        "SELECT ?hit WHERE { SERVICE wr:search { ?hit wr:query \"infections\" ; wr:type wr:Statement } }",
    );
    assert_eq!(sorted(column(&body, "hit")).len(), 2);
    let (_, body) = sparql(
        &s,
        "SELECT ?hit ?source WHERE { SERVICE wr:search { ?hit wr:query \"infections\" ; wr:limit 1 ; wr:source ?source } }",
    );
    assert_eq!(column(&body, "hit").len(), 1);
    assert!(column(&body, "source")[0].starts_with(ID));
    // A join the other way round: statements about a concept, ranked by the index.
    let (_, body) = sparql(
        &s,
        "SELECT ?hit WHERE { ?hit wr:about <https://w3id.org/warrant/concept/ivig> .
           SERVICE wr:search { ?hit wr:query \"transplant\" } }",
    );
    assert_eq!(column(&body, "hit"), [format!("{ID}st1")]);

    for (query, needle) in [
        (
            "SELECT * WHERE { SERVICE wr:search { ?hit wr:score ?s } }",
            "wr:query",
        ),
        (
            "SELECT * WHERE { SERVICE wr:search { ?hit wr:query \"(unclosed\" } }",
            "parenthesis",
        ),
        (
            "SELECT * WHERE { SERVICE wr:search { ?hit wr:query \"x\" ; wr:colour \"red\" } }",
            "unknown property",
        ),
        (
            "SELECT * WHERE { SERVICE wr:search { ?hit wr:query \"x\" ; wr:type \"book\" } }",
            "book",
        ),
    ] {
        let (status, body) = sparql(&s, query);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert!(
            body["message"].as_str().unwrap().contains(needle),
            "{query}: {body}"
        );
    }
}

#[test]
fn the_index_follows_sparql_update() {
    let s = server();
    update(
        &s,
        "INSERT DATA { GRAPH <http://example.org/g/u> { id:new a wr:Passage ; wr:inSource id:src-b ; wr:text \"Zebrafish models of immune reconstitution.\" } }",
    );
    let (_, body) = search(&s, &[("q", "zebrafish")]);
    assert_eq!(ids(&body), ["new"]);
    assert_eq!(
        hit(&body, "new")["source"]["title"],
        "Immunoglobulin replacement <reviewed> & revised"
    );
    update(
        &s,
        "DELETE { GRAPH ?g { id:new wr:text ?t } } INSERT { GRAPH ?g { id:new wr:text \"Medaka models.\" } } WHERE { GRAPH ?g { id:new wr:text ?t } }",
    );
    assert!(found(&s, &[("q", "zebrafish")]).is_empty(), "no stale text");
    assert_eq!(found(&s, &[("q", "medaka")]), ["new"]);
    // A source's new title shows on the passages that quote it.
    update(
        &s,
        &format!(
            "DELETE {{ GRAPH <{FIXTURE_GRAPH}> {{ id:src-b dct:title ?t }} }} INSERT {{ GRAPH <{FIXTURE_GRAPH}> {{ id:src-b dct:title \"Renamed review\" }} }} WHERE {{ GRAPH <{FIXTURE_GRAPH}> {{ id:src-b dct:title ?t }} }}"
        ),
    );
    let (_, body) = search(&s, &[("q", "medaka")]);
    assert_eq!(hit(&body, "new")["source"]["title"], "Renamed review");
    // DROP and CLEAR leave no stale hit.
    update(&s, "DROP GRAPH <http://example.org/g/u>");
    assert!(found(&s, &[("q", "medaka")]).is_empty());
    assert!(!found(&s, &[("q", "alemtuzumab")]).is_empty());
    update(&s, &format!("CLEAR GRAPH <{FIXTURE_GRAPH}>"));
    assert!(found(&s, &[("q", "alemtuzumab OR infections OR IVIG")]).is_empty());
}

#[test]
fn the_index_follows_the_graph_store_protocol() {
    let s = empty_server();
    let g = "http://example.org/g/gsp";
    let passage = |word: &str| format!("id:gp a wr:Passage ; wr:text \"A {word} sighting.\" .");
    assert_eq!(put(&s, g, &passage("quokka")), StatusCode::CREATED);
    assert_eq!(found(&s, &[("q", "sighting")]), ["gp"]);
    // Replacing the graph, with the same or different content, never duplicates a hit.
    assert_eq!(put(&s, g, &passage("quokka")), StatusCode::NO_CONTENT);
    assert_eq!(found(&s, &[("q", "sighting")]), ["gp"]);
    assert_eq!(put(&s, g, &passage("numbat")), StatusCode::NO_CONTENT);
    assert_eq!(found(&s, &[("q", "sighting")]), ["gp"]);
    assert!(found(&s, &[("q", "quokka")]).is_empty());
    // The same resource described in two graphs is one document.
    assert_eq!(
        put(&s, "http://example.org/g/other", &passage("bilby")),
        StatusCode::CREATED
    );
    let (_, body) = search(&s, &[("q", "sighting")]);
    assert_eq!(body["total"], 1, "{body}");
    // POST adds; DELETE of a graph removes what only it said.
    let r = client()
        .post(s.url("/store"))
        .query(&[("graph", g)])
        .bearer_auth(TOKEN)
        .header("content-type", "application/n-triples")
        .body(format!("<{ID}gp2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/warrant/ns#Passage> .\n<{ID}gp2> <https://w3id.org/warrant/ns#text> \"Another numbat.\" .\n"))
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(sorted(found(&s, &[("q", "numbat")])), ["gp", "gp2"]);
    let r = client()
        .delete(s.url("/store"))
        .query(&[("graph", g)])
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(found(&s, &[("q", "numbat")]).is_empty(), "no stale hit");
    assert_eq!(
        found(&s, &[("q", "bilby")]),
        ["gp"],
        "still said by the other graph"
    );
    // Replacing the whole dataset.
    let r = client()
        .put(s.url("/store"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/n-quads")
        .body(format!("<{ID}dq> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/warrant/ns#Passage> <http://example.org/g/q> .\n<{ID}dq> <https://w3id.org/warrant/ns#text> \"Dataset wombat.\" <http://example.org/g/q> .\n"))
        .send()
        .unwrap();
    assert!(r.status().is_success());
    assert!(found(&s, &[("q", "bilby")]).is_empty());
    assert_eq!(found(&s, &[("q", "wombat")]), ["dq"]);
}

fn stop(s: TestServer) {
    assert!(s.terminate(), "clean shutdown");
}

fn disk_server(data: &Path) -> TestServer {
    TestServer::start(&[
        "--data",
        data.to_str().unwrap(),
        "--no-default-data",
        "--admin-token",
        TOKEN,
    ])
}

#[test]
fn a_missing_damaged_or_stale_index_is_rebuilt_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let index = data.join("search");
    let s = disk_server(&data);
    assert_eq!(
        put(
            &s,
            "http://example.org/g/1",
            "id:d1 a wr:Passage ; wr:text \"A narwhal.\" ."
        ),
        StatusCode::CREATED
    );
    stop(s);
    assert!(index.join("meta.json").exists());

    // Restart with the index as it was: up to date, nothing to rebuild.
    let s = disk_server(&data);
    assert_eq!(found(&s, &[("q", "narwhal")]), ["d1"]);
    stop(s);

    // Missing.
    std::fs::remove_dir_all(&index).unwrap();
    let s = disk_server(&data);
    assert_eq!(found(&s, &[("q", "narwhal")]), ["d1"]);
    stop(s);

    // Damaged: unreadable metadata, then a corrupted segment file.
    std::fs::write(index.join("meta.json"), "{ not json").unwrap();
    let s = disk_server(&data);
    assert_eq!(found(&s, &[("q", "narwhal")]), ["d1"]);
    stop(s);
    let segment = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "store"))
        .expect("a segment's store file");
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&segment, bytes).unwrap();
    let s = disk_server(&data);
    assert_eq!(found(&s, &[("q", "narwhal")]), ["d1"]);
    stop(s);

    // Stale: the store committed a change the index never saw (as after a crash between the two
    // commits) — simulated by putting back a copy of the index taken before the change.
    let copy = dir.path().join("index-copy");
    copy_dir(&index, &copy);
    let s = disk_server(&data);
    assert_eq!(
        put(
            &s,
            "http://example.org/g/2",
            "id:d2 a wr:Passage ; wr:text \"An okapi.\" ."
        ),
        StatusCode::CREATED
    );
    update(&s, "DROP GRAPH <http://example.org/g/1>");
    stop(s);
    std::fs::remove_dir_all(&index).unwrap();
    copy_dir(&copy, &index);
    let s = disk_server(&data);
    assert_eq!(found(&s, &[("q", "okapi")]), ["d2"]);
    assert!(found(&s, &[("q", "narwhal")]).is_empty(), "no stale hit");
    stop(s);
}

#[test]
fn an_index_that_cannot_follow_refuses_to_answer_until_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = disk_server(&data);
    assert_eq!(
        put(
            &s,
            "http://example.org/g/1",
            "id:f1 a wr:Passage ; wr:text \"A pangolin.\" ."
        ),
        StatusCode::CREATED
    );
    assert_eq!(found(&s, &[("q", "pangolin")]), ["f1"]);
    // The index directory disappears under the running server: the next write is committed to the
    // store, the index can neither follow it nor be rebuilt in place, and says so.
    std::fs::remove_dir_all(data.join("search")).unwrap();
    assert_eq!(
        put(
            &s,
            "http://example.org/g/2",
            "id:f2 a wr:Passage ; wr:text \"A second pangolin.\" ."
        ),
        StatusCode::CREATED
    );
    let (status, body) = search(&s, &[("q", "pangolin")]);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "search-unavailable");
    let (status, _) = sparql(
        &s,
        "SELECT * WHERE { SERVICE wr:search { ?hit wr:query \"pangolin\" } }",
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);
    stop(s);
    // At the next start the index is rebuilt from the store: both writes are there.
    let s = disk_server(&data);
    assert_eq!(sorted(found(&s, &[("q", "pangolin")])), ["f1", "f2"]);
    stop(s);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

#[test]
fn warrant_load_and_warrant_search_keep_and_read_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::copy(
        repo_root().join("tests/fixtures/search/evidence.ttl"),
        cwd.join("evidence.ttl"),
    )
    .unwrap();
    let (ok, _, err) = cli(cwd, &["load", "evidence.ttl"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(cwd, &["search", "alemtuzamab viral", "--type", "passage"]);
    assert!(ok, "{err}");
    let body: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(ids(&body), ["p1"]);
    assert_eq!(
        body["hits"][0]["source"]["title"],
        "Transplantation outcomes in refractory arthritis"
    );

    // Loading the file again after an edit replaces its graph: no duplicate, no stale hit.
    let edited = fixture().replace("Alemtuzumab conditioning", "Campath conditioning");
    std::fs::write(cwd.join("evidence.ttl"), edited).unwrap();
    let (ok, _, err) = cli(cwd, &["load", "evidence.ttl"]);
    assert!(ok, "{err}");
    let (_, out, _) = cli(cwd, &["search", "conditioning"]);
    let body: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(body["total"], 1, "{body}");
    assert!(
        body["hits"][0]["snippet"]
            .as_str()
            .unwrap()
            .starts_with("<mark>Campath</mark>")
            || body["hits"][0]["snippet"]
                .as_str()
                .unwrap()
                .contains("Campath")
    );
    // `warrant update` keeps it too, and SERVICE wr:search works from `warrant query`.
    let (ok, _, err) = cli(
        cwd,
        &[
            "update",
            "DELETE WHERE { GRAPH ?g { <https://w3id.org/warrant/id/p1> ?p ?o } }",
        ],
    );
    assert!(ok, "{err}");
    let (_, out, _) = cli(cwd, &["search", "conditioning"]);
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["total"], 0);
    let (ok, out, err) = cli(
        cwd,
        &[
            "query",
            "SELECT ?hit WHERE { SERVICE <https://w3id.org/warrant/ns#search> { ?hit <https://w3id.org/warrant/ns#query> \"IVIG\" ; <https://w3id.org/warrant/ns#type> \"statement\" } }",
            "--format",
            "csv",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains(&format!("{ID}st1")), "{out}");
    let (ok, _, err) = cli(cwd, &["search", "\"unclosed"]);
    assert!(!ok && err.contains("unclosed quote"), "{err}");
}

#[test]
fn the_shipped_evidence_is_searchable() {
    let s = TestServer::start(&["--memory"]);
    let (_, body) = search(&s, &[("q", "alemtuzamab viral"), ("type", "passage")]);
    assert!(ids(&body).contains(&"seed-answer-p05".into()), "{body}");
    assert!(
        hit(&body, "seed-answer-p05")["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>alemtuzumab</mark>")
    );
    let ivig = found(
        &s,
        &[
            ("q", "intravenous immunoglobulin"),
            ("type", "passage"),
            ("limit", "100"),
        ],
    );
    let only_ivig = found(
        &s,
        &[
            ("q", "\"IVIG\" -\"intravenous immunoglobulin\""),
            ("type", "passage"),
            ("limit", "100"),
        ],
    );
    assert!(!only_ivig.is_empty());
    assert!(
        only_ivig.iter().all(|p| ivig.contains(p)),
        "synonym expansion finds IVIG-only passages"
    );
    // Nobody has approved the shipped evidence: every statement is pending review.
    let status = |status: &str| {
        search(
            &s,
            &[
                ("q", "IVIG"),
                ("type", "statement"),
                ("status", status),
                ("limit", "100"),
            ],
        )
        .1
    };
    let submitted = status("submitted");
    assert!(submitted["total"].as_u64().unwrap() > 0, "{submitted}");
    assert_eq!(status("approved")["total"], 0);
}

/// Every hit of `q` (IRI, type, snippet), sorted: the documents the index holds for that query.
fn documents_for(s: &TestServer, q: &str) -> Vec<String> {
    let (status, body) = search(s, &[("q", q), ("limit", "1000")]);
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut docs: Vec<String> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| format!("{} {} {}", h["iri"], h["type"], h["snippet"]))
        .collect();
    docs.sort();
    docs
}

#[test]
fn the_index_is_the_same_whether_built_at_load_or_rebuilt() {
    // The shipped data types 36 codes as wr:Code, a skos:Concept only by inference: the index of a
    // fresh load (which follows the load, before the reasoner runs) and a rebuild (after it) must
    // hold the same documents — here by a rule-level entailment too: a class declared a subclass
    // of skos:Concept, added after start-up.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let index = data.join("search");
    let start = || TestServer::start(&["--data", data.to_str().unwrap(), "--admin-token", TOKEN]);
    let s = start();
    assert_eq!(
        put(
            &s,
            "http://example.org/g/subclass",
            "<http://example.org/Kind> <http://www.w3.org/2000/01/rdf-schema#subClassOf> skos:Concept .\n\
             <http://example.org/thing> a <http://example.org/Kind> ; skos:prefLabel \"transplant okapi\"@en ; skos:inScheme id:concepts ."
        ),
        StatusCode::CREATED
    );
    let queries = ["transplant", "okapi", "ICD-10-CM", "immunoglobulin", "code"];
    let fresh: Vec<Vec<String>> = queries.iter().map(|q| documents_for(&s, q)).collect();
    stop(s);
    std::fs::remove_dir_all(&index).unwrap();
    let s = start();
    let rebuilt: Vec<Vec<String>> = queries.iter().map(|q| documents_for(&s, q)).collect();
    stop(s);
    for ((q, a), b) in queries.iter().zip(&fresh).zip(&rebuilt) {
        assert_eq!(
            a, b,
            "documents for {q:?} differ between a fresh load and a rebuild"
        );
    }
    assert!(
        !fresh[0].is_empty(),
        "the shipped data mentions transplants"
    );
}
