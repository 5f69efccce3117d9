//! `warrant serve` start-up: default data into one graph per file, restarts that never duplicate,
//! changed files reloaded, deleted files dropped, clean shutdown on SIGTERM.

use crate::support::{TestServer, client, count, repo_root};
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn ask_count(server: &TestServer, query: &str) -> u64 {
    count(
        &client()
            .get(server.url("/sparql"))
            .query(&[("query", query)])
            .send()
            .unwrap()
            .json()
            .unwrap(),
    )
}

const ALL: &str = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
const DRUGS: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://example.org/Drug> }";
const TINY: &str = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/warrant/graph/file/ontology/tiny.ttl> { ?s ?p ?o } }";

#[test]
fn restart_syncs_files_without_duplicates_and_sigterm_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_dir(&repo_root().join("tests/fixtures/root"), &root);
    let data = dir.path().join("store");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ];

    let first = TestServer::start_in(dir.path(), &args);
    let total = ask_count(&first, ALL);
    assert_eq!(ask_count(&first, DRUGS), 3);
    assert!(ask_count(&first, TINY) > 0);
    assert!(first.terminate(), "SIGTERM shuts down cleanly (exit 0)");

    let second = TestServer::start_in(dir.path(), &args);
    assert_eq!(
        ask_count(&second, ALL),
        total,
        "a restart with unchanged files duplicates nothing"
    );
    assert!(second.terminate());

    std::fs::write(
        root.join("evidence/drugs.ttl"),
        "@prefix ex: <http://example.org/> .\nex:ivig a ex:Drug .\nex:abatacept a ex:Drug .\n",
    )
    .unwrap();
    std::fs::remove_file(root.join("ontology/tiny.ttl")).unwrap();
    let third = TestServer::start_in(dir.path(), &args);
    assert_eq!(
        ask_count(&third, DRUGS),
        2,
        "the changed file's graph was replaced"
    );
    assert_eq!(
        ask_count(&third, TINY),
        0,
        "the deleted file's graph was dropped"
    );
    let r = client()
        .get(third.url("/store"))
        .query(&[(
            "graph",
            "https://w3id.org/warrant/graph/file/ontology/tiny.ttl",
        )])
        .send()
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
}

#[test]
fn shipped_default_data_is_loaded_one_graph_per_file() {
    let server = TestServer::start(&["--memory"]);
    let graphs = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"https://w3id.org/warrant/graph/file/\")) }";
    let on_disk = ["ontology", "evidence", "queries"]
        .iter()
        .map(|d| walk(&repo_root().join(d)))
        .sum::<u64>();
    assert!(on_disk > 0);
    assert_eq!(ask_count(&server, graphs), on_disk);
    let catalog = "SELECT (COUNT(*) AS ?n) WHERE { ?g <https://w3id.org/warrant/ns#sha256> ?h }";
    assert_eq!(
        ask_count(&server, catalog),
        0,
        "the catalog is a record graph: not in the default graph"
    );
}

fn walk(dir: &Path) -> u64 {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            n += walk(&path);
        } else if path.extension().is_some_and(|e| {
            ["ttl", "rq", "nt", "trig", "jsonld", "rdf"].contains(&e.to_str().unwrap())
        }) {
            n += 1;
        }
    }
    n
}

#[test]
fn a_file_changed_on_disk_never_silently_replaces_curated_edits() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_dir(&repo_root().join("tests/fixtures/root"), &root);
    let data = dir.path().join("store");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--admin-token",
        crate::support::TOKEN,
    ];
    let first = TestServer::start_in(dir.path(), &args);
    let graph = "https://w3id.org/warrant/graph/file/evidence/drugs.ttl";
    let edit = format!(
        "INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/emapalumab> a <http://example.org/Drug> }} }}"
    );
    let r = client()
        .post(first.url("/update"))
        .bearer_auth(crate::support::TOKEN)
        .form(&[("update", edit.as_str())])
        .send()
        .unwrap();
    assert!(r.status().is_success());
    assert!(first.terminate());

    // unchanged file: the curated edit survives a restart
    let second = TestServer::start_in(dir.path(), &args);
    assert_eq!(ask_count(&second, DRUGS), 4);
    assert!(second.terminate());

    // changed file: start-up stops and names the conflict; the store keeps the edit
    std::fs::write(
        root.join("evidence/drugs.ttl"),
        "@prefix ex: <http://example.org/> .\nex:ivig a ex:Drug .\n",
    )
    .unwrap();
    let (ok, _, err) = crate::support::cli(
        dir.path(),
        &[
            "--data",
            data.to_str().unwrap(),
            "serve",
            "--root",
            root.to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ],
    );
    assert!(!ok, "start-up must stop");
    assert!(
        err.contains("evidence/drugs.ttl") && err.contains("edited since it was loaded"),
        "{err}"
    );
    let (ok, out, _) = crate::support::cli(
        dir.path(),
        &[
            "--data",
            data.to_str().unwrap(),
            "query",
            DRUGS,
            "--format",
            "csv",
        ],
    );
    assert!(ok);
    assert_eq!(out.lines().nth(1), Some("4"), "nothing was lost: {out}");
}

const INFERRED: &str = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/warrant/graph/inferred> { ?s ?p ?o } }";
const CHAIN: &str = "ASK { <http://example.org/a> <http://www.w3.org/2004/02/skos/core#broaderTransitive> <http://example.org/c> }";

fn update(server: &TestServer, text: &str) {
    let r = client()
        .post(server.url("/update"))
        .bearer_auth(crate::support::TOKEN)
        .header("content-type", "application/sparql-update")
        .body(text.to_owned())
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().unwrap());
}

fn ask(server: &TestServer, query: &str) -> bool {
    let v: serde_json::Value = client()
        .get(server.url("/sparql"))
        .query(&[("query", query)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    v["boolean"].as_bool().unwrap()
}

#[test]
fn a_restart_serves_the_stored_inferred_graph_and_follows_writes_at_once() {
    // A restart on an unchanged store answers from the stored inferred graph while the reasoner's
    // in-memory state is rebuilt in the background; a write sent right away waits for it and is
    // reasoned over exactly (added and removed), and a further restart finds the same graph.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("store");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--admin-token",
        crate::support::TOKEN,
    ];
    let first = TestServer::start_in(&repo_root(), &args);
    let inferred = ask_count(&first, INFERRED);
    assert!(inferred > 0);
    assert!(first.terminate());

    let second = TestServer::start_in(&repo_root(), &args);
    assert_eq!(ask_count(&second, INFERRED), inferred, "served as stored");
    update(
        &second,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
         INSERT DATA { GRAPH <http://example.org/g> {
           <http://example.org/a> skos:broader <http://example.org/b> .
           <http://example.org/b> skos:broader <http://example.org/c> } }",
    );
    assert!(
        ask(&second, CHAIN),
        "the write right after start is reasoned over"
    );
    update(
        &second,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
         DELETE DATA { GRAPH <http://example.org/g> { <http://example.org/b> skos:broader <http://example.org/c> } }",
    );
    assert!(!ask(&second, CHAIN), "and a removal too");
    let after = ask_count(&second, INFERRED);
    assert!(second.terminate());

    let third = TestServer::start_in(&repo_root(), &args);
    assert_eq!(ask_count(&third, INFERRED), after);
    assert!(!ask(&third, CHAIN));
    assert!(third.terminate());
}
