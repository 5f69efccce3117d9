//! Derivation records are written in the background just after a write returns; every reader of
//! the derivations graph waits for them (the records barrier), so none ever sees them stale:
//! SPARQL over the derivations graph, `/why`, an update reading them, `warrant load` + `warrant why`.

use crate::support::{TOKEN, TestServer, cli, client, count, repo_root};
use oxigraph::model::{NamedNode, Quad};
use oxigraph::sparql::QueryResults;
use warrant::reason::{LiveReasoner, RuleConfig, rules_from_root};
use warrant::store::{
    Change, DatasetMode, Op, ProtocolDataset, WarrantStore, parse_query, parse_update,
};

const DERIVATIONS: &str = "https://w3id.org/warrant/graph/derivations";
const INSTANCES: usize = 150;

/// An update adding `ex:C{i} rdfs:subClassOf ex:Top` and `INSTANCES` members of `ex:C{i}`: each
/// write infers `INSTANCES + 1` triples, so its record batch is big enough to lag behind.
fn write(i: usize) -> String {
    let mut data = format!(
        "<http://example.org/C{i}> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://example.org/Top> .\n"
    );
    for k in 0..INSTANCES {
        data.push_str(&format!(
            "<http://example.org/x{i}_{k}> a <http://example.org/C{i}> .\n"
        ));
    }
    format!("INSERT DATA {{ GRAPH <http://example.org/g> {{ {data} }} }}")
}

/// Derivations recorded for `?x a ex:Top` with `?x` a member of `ex:C{i}`.
fn derivations_of(i: usize, graph: &str) -> String {
    format!(
        "PREFIX wr: <https://w3id.org/warrant/ns#>
         PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
         SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{
           ?d wr:derives [ rdf:predicate rdf:type ; rdf:object <http://example.org/Top> ] ;
              wr:premise [ rdf:predicate rdf:type ; rdf:object <http://example.org/C{i}> ] }} }}"
    )
}

fn live_store() -> WarrantStore {
    let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
    let root = warrant::load::DataRoot::Embedded;
    let sets = vec!["rdfs".to_owned()];
    let rules = rules_from_root(&root, &sets).unwrap();
    let config = RuleConfig::new("queries/rules").with_sets(&sets);
    let (live, _) = LiveReasoner::start(&store, config, rules).unwrap();
    store.add_observer(live);
    store
}

fn select_count(store: &WarrantStore, query: &str) -> usize {
    let parsed = parse_query(query, None).unwrap();
    let QueryResults::Solutions(mut rows) = store
        .evaluate(&parsed, &ProtocolDataset::default(), &[], None)
        .unwrap()
    else {
        panic!("a SELECT")
    };
    let row = rows.next().unwrap().unwrap();
    match row.get("n") {
        Some(oxigraph::model::Term::Literal(l)) => l.value().parse().unwrap(),
        other => panic!("{other:?}"),
    }
}

/// In process, with no HTTP latency to hide a race: each write's records are seen by the very
/// next query that reads the derivations graph — by name or through `GRAPH ?g` — and by an update
/// whose WHERE clause reads them.
#[test]
fn the_next_reader_of_the_derivations_graph_sees_the_records_of_each_write() {
    let store = live_store();
    for i in 0..8 {
        let update = parse_update(&write(i), None).unwrap();
        store
            .apply(Change::one(Op::Update {
                update,
                using_default: vec![],
                using_named: vec![],
            }))
            .unwrap();
        let by_name = select_count(&store, &derivations_of(i, &format!("<{DERIVATIONS}>")));
        assert_eq!(by_name, INSTANCES, "write {i}: records by graph name");
        assert_eq!(
            select_count(&store, &derivations_of(i, "?g")),
            INSTANCES,
            "write {i}: records through GRAPH ?g"
        );
    }
    // an update whose WHERE clause reads the records (USING NAMED) copies all of them
    let copy = parse_update(
        &format!(
            "INSERT {{ GRAPH <http://example.org/copy> {{ ?d <http://example.org/seen> true }} }}
             USING NAMED <{DERIVATIONS}>
             WHERE {{ GRAPH <{DERIVATIONS}> {{ ?d <https://w3id.org/warrant/ns#rule> ?r }} }}"
        ),
        None,
    )
    .unwrap();
    let n = NamedNode::new_unchecked("http://example.org/C99");
    let top = NamedNode::new_unchecked("http://example.org/Top");
    let sub = NamedNode::new_unchecked("http://www.w3.org/2000/01/rdf-schema#subClassOf");
    let member = NamedNode::new_unchecked("http://example.org/x99");
    let rdf_type = NamedNode::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#type");
    let g = NamedNode::new_unchecked("http://example.org/g");
    store
        .apply(Change::one(Op::Insert(vec![
            Quad::new(n.clone(), sub, top, g.clone()),
            Quad::new(member, rdf_type, n, g),
        ])))
        .unwrap();
    let applied = store
        .apply(Change::one(Op::Update {
            update: copy,
            using_default: vec![],
            using_named: vec![],
        }))
        .unwrap();
    store.wait_records().unwrap();
    let all = select_count(
        &store,
        &format!(
            "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{ GRAPH <{DERIVATIONS}> {{ ?d <https://w3id.org/warrant/ns#rule> ?r }} }}"
        ),
    );
    assert_eq!(
        applied.added.len(),
        all,
        "the update saw every record, the last write's included"
    );
}

/// Over HTTP: after each `/update` that causes inferences, an immediate SPARQL query over the
/// derivations graph sees that write's records, and `/why` explains its conclusions at once.
#[test]
fn served_records_are_visible_right_after_each_write() {
    let root = repo_root().join("tests/fixtures/root");
    let server = TestServer::start(&[
        "--memory",
        "--root",
        root.to_str().unwrap(),
        "--admin-token",
        TOKEN,
        "--rules",
        "rdfs",
    ]);
    let c = client();
    for i in 0..6 {
        let r = c
            .post(server.url("/update"))
            .bearer_auth(TOKEN)
            .form(&[("update", write(i))])
            .send()
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().unwrap());
        let query = derivations_of(i, &format!("<{DERIVATIONS}>"));
        let answer: serde_json::Value = c
            .get(server.url("/sparql"))
            .query(&[("query", query.as_str())])
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(count(&answer), INSTANCES as u64, "write {i}");
        let why: serde_json::Value = c
            .get(server.url("/why"))
            .query(&[
                (
                    "s",
                    format!("http://example.org/x{i}_{}", INSTANCES - 1).as_str(),
                ),
                ("p", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                ("o", "http://example.org/Top"),
            ])
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(
            why["derivations"].as_array().map(Vec::len),
            Some(1),
            "write {i}: {why}"
        );
    }
}

/// `warrant load` leaves every record on disk before it exits: a new process finds the proof.
/// 20,000 subjects make the first materialisation's record batch (~300k quads) large enough to be
/// bulk-loaded rather than written in one transaction.
#[test]
fn load_then_why_in_a_new_process_finds_the_derivation() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let mut data = String::from(
        "@prefix ex: <http://example.org/> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n\
         ex:p rdfs:domain ex:C . ex:C rdfs:subClassOf ex:D .\n",
    );
    for k in 0..20000 {
        data.push_str(&format!("ex:a{k} ex:p ex:b .\n"));
    }
    std::fs::write(cwd.join("a.ttl"), data).unwrap();
    let (ok, _, err) = cli(cwd, &["load", "a.ttl", "--rules", "rdfs"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(
        cwd,
        &[
            "why",
            "http://example.org/a19999",
            "a",
            "http://example.org/D",
        ],
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("rdfs/06-subclass"), "{out}");
    assert!(out.contains("rdfs/03-domain"), "{out}");
    let (ok, out, err) = cli(
        cwd,
        &[
            "query",
            &format!(
                "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{DERIVATIONS}> {{
                   ?d <https://w3id.org/warrant/ns#derives>
                      [ <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ;
                        <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <http://example.org/D> ] }} }}"
            ),
            "--format",
            "csv",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("20000"), "one derivation per subject: {out}");
}
