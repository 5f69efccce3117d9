//! `warrant history` and `warrant revert` on a store directory and through a running server, and
//! `warrant load --server` going through the server's write pipeline.

use crate::support::{TOKEN, TestServer, cli};

const DATA: &str = "<https://w3id.org/warrant/id/cli-probe> <http://www.w3.org/2000/01/rdf-schema#label> \"probe\" .\n";
const IRI: &str = "https://w3id.org/warrant/id/cli-probe";

#[test]
fn history_and_revert_on_the_store_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::write(cwd.join("probe.ttl"), DATA).unwrap();
    let (ok, _, err) = cli(cwd, &["load", "probe.ttl", "--rules", "none"]);
    assert!(ok, "{err}");
    let delete = format!(
        "DELETE DATA {{ GRAPH <https://w3id.org/warrant/graph/file/probe.ttl> {{ <{IRI}> <http://www.w3.org/2000/01/rdf-schema#label> \"probe\" }} }}"
    );
    let (ok, _, err) = cli(cwd, &["update", &delete, "-m", "label was wrong"]);
    assert!(ok, "{err}");
    let (ok, out, err) = cli(cwd, &["history", IRI]);
    assert!(ok, "{err}");
    let blocks: Vec<&str> = out.lines().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(blocks.len(), 2, "{out}");
    assert!(
        blocks[0].contains("label was wrong") && blocks[0].contains("edit"),
        "{out}"
    );
    assert!(blocks[1].contains("load"), "{out}");
    assert!(
        out.contains("  - <https://w3id.org/warrant/id/cli-probe>"),
        "{out}"
    );
    let id = blocks[0].split_whitespace().next().unwrap();
    // a load is undone by changing its file; the edit reverts
    let load_id = blocks[1].split_whitespace().next().unwrap();
    let (ok, _, err) = cli(cwd, &["revert", load_id]);
    assert!(!ok && err.contains("loaded files"), "{err}");
    let (ok, out, err) = cli(cwd, &["revert", id, "-m", "it was right"]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("reverted {id} as change")), "{out}");
    let (ok, out, _) = cli(
        cwd,
        &[
            "query",
            &format!("ASK {{ <{IRI}> ?p \"probe\" }}"),
            "--format",
            "csv",
        ],
    );
    assert!(ok && out.contains("true"), "{out}");
    let (ok, _, err) = cli(cwd, &["revert", id]);
    assert!(!ok && err.contains("cannot be reverted"), "{err}");
    let (ok, _, err) = cli(cwd, &["history", "not an iri"]);
    assert!(!ok && err.contains("not an IRI"), "{err}");
}

#[test]
fn load_history_and_revert_through_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::write(cwd.join("probe.ttl"), DATA).unwrap();
    let server = TestServer::start(&["--memory", "--admin-token", TOKEN]);
    let url = server.base.clone();
    let (ok, _, err) = cli(cwd, &["load", "probe.ttl", "--server", &url]);
    assert!(
        !ok && err.contains("401"),
        "a load without a token is refused: {err}"
    );
    let (ok, _, err) = cli(
        cwd,
        &[
            "load",
            "probe.ttl",
            "--server",
            &url,
            "--token",
            TOKEN,
            "-m",
            "probe data",
        ],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = cli(cwd, &["history", IRI, "--server", &url, "--format", "json"]);
    assert!(ok, "{err}");
    let changes: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(changes.as_array().unwrap().len(), 1, "{out}");
    assert_eq!(changes[0]["message"], "probe data");
    assert_eq!(changes[0]["agent"], "admin");
    let id = changes[0]["id"].as_str().unwrap();
    let (ok, out, err) = cli(cwd, &["revert", id, "--server", &url, "--token", TOKEN]);
    assert!(ok, "{err}");
    assert!(out.contains("0 quads added, 1 removed"), "{out}");
    let (ok, out, _) = cli(cwd, &["history", IRI, "--server", &url]);
    assert!(
        ok && out.lines().next().unwrap().contains("revert"),
        "{out}"
    );
}
