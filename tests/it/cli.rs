//! The command line: load, query (inline, --file, --name, --format), update, export, and errors.

use crate::support::{cli, repo_root};
use std::io::Write;

#[test]
fn load_query_update_export_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::create_dir_all(cwd.join("more")).unwrap();
    std::fs::write(cwd.join("a.ttl"), "<http://ex/a> <http://ex/p> 1 .\n").unwrap();
    std::fs::write(
        cwd.join("more/b.nt"),
        "<http://ex/b> <http://ex/p> \"2\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n",
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(
        b"<http://ex/c> <http://ex/p> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n",
    )
    .unwrap();
    std::fs::write(cwd.join("more/c.nt.gz"), gz.finish().unwrap()).unwrap();

    let (ok, _, err) = cli(cwd, &["load", "a.ttl", "more"]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(cwd, &["load", "a.ttl"]);
    assert!(ok, "loading a file again replaces its graph: {err}");

    let sum = "SELECT (SUM(?v) AS ?n) WHERE { ?s <http://ex/p> ?v }";
    let (ok, out, err) = cli(cwd, &["query", sum, "--format", "csv"]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().nth(1), Some("6"), "{out}");
    std::fs::write(cwd.join("q.rq"), "SELECT ?s WHERE { ?s <http://ex/p> 2 }").unwrap();
    let (ok, out, _) = cli(cwd, &["query", "--file", "q.rq", "--format", "json"]);
    assert!(ok);
    assert!(out.contains("http://ex/b"));

    let (ok, _, err) = cli(cwd, &["update", "DELETE WHERE { <http://ex/a> ?p ?o }"]);
    assert!(ok, "{err}");
    let (ok, out, _) = cli(cwd, &["query", sum, "--format", "tsv"]);
    assert!(ok);
    assert!(out.contains('5'), "{out}");

    let (ok, out, _) = cli(cwd, &["export"]);
    assert!(ok);
    assert!(out.contains("<http://ex/b> <http://ex/p> \"2\"^^<http://www.w3.org/2001/XMLSchema#integer> <https://w3id.org/warrant/graph/file/more/b.nt> ."), "{out}");
    let (ok, out, _) = cli(
        cwd,
        &[
            "export",
            "--graph",
            "https://w3id.org/warrant/graph/file/more/c.nt.gz",
        ],
    );
    assert!(ok);
    assert_eq!(out.lines().count(), 1);
    let (ok, out, _) = cli(cwd, &["export", "--format", "trig"]);
    assert!(ok && out.contains('{'));
}

#[test]
fn named_query_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let root = repo_root().join("tests/fixtures/root");
    // run from the root so graph names are relative to it (queries/named/…)
    let (ok, _, err) = cli(
        &root,
        &[
            "--data",
            dir.path().join("data").to_str().unwrap(),
            "load",
            "queries",
            "evidence",
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = cli(
        &root,
        &[
            "--data",
            dir.path().join("data").to_str().unwrap(),
            "query",
            "--name",
            "drug-label",
            "drug=http://example.org/ivig",
            "--format",
            "csv",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "drug,label",
            "http://example.org/ivig,intravenous immunoglobulin"
        ]
    );
}

#[test]
fn errors_exit_non_zero_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::write(cwd.join("bad.ttl"), "<http://ex/a> <http://ex/p> .\n").unwrap();
    std::fs::write(cwd.join("good.ttl"), "<http://ex/a> <http://ex/p> 1 .\n").unwrap();
    let (ok, _, err) = cli(cwd, &["load", "good.ttl", "bad.ttl"]);
    assert!(!ok);
    assert!(err.contains("bad.ttl:1:"), "{err}");
    let (ok, out, _) = cli(
        cwd,
        &[
            "query",
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            "--format",
            "csv",
        ],
    );
    assert!(ok);
    assert_eq!(
        out.lines().nth(1),
        Some("0"),
        "a failed load writes nothing: {out}"
    );
    let (ok, _, err) = cli(cwd, &["query", "SELECT * WHERE {"]);
    assert!(!ok && err.contains("error"), "{err}");
    let (ok, _, err) = cli(cwd, &["load", "missing.ttl"]);
    assert!(!ok && err.contains("missing.ttl"), "{err}");
    let (ok, _, err) = cli(cwd, &["query", "--name", "nope"]);
    assert!(!ok && err.contains("nope"), "{err}");
    let (ok, _, err) = cli(cwd, &["export", "--graph", "http://ex/none"]);
    assert!(!ok && err.contains("does not exist"), "{err}");
}
