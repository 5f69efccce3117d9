//! The command line beside a running server: read commands on a store directory a server holds use
//! that server (or `--server`), a held store without a known server is a clear error (never a
//! crash), output into a closed pipe ends quietly, and commands are quiet unless asked (`-v`).

use crate::support::{TOKEN, TestServer, cli, client};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

const IRI: &str = "https://w3id.org/warrant/id/beside-probe";
const LABEL: &str = "http://www.w3.org/2000/01/rdf-schema#label";

/// A server on `<cwd>/data` without the default data, holding one small graph.
fn server_on_data(cwd: &Path, triples: usize) -> TestServer {
    let server = TestServer::start_in(
        cwd,
        &[
            "--data",
            "data",
            "--no-default-data",
            "--admin-token",
            TOKEN,
        ],
    );
    let mut body = format!("<{IRI}> <{LABEL}> \"beside probe\" .\n");
    for i in 0..triples {
        body.push_str(&format!(
            "<{IRI}> <urn:warrant-test:p> \"value number {i}\" .\n"
        ));
    }
    let r = client()
        .put(server.url("/store?graph=urn:beside"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/n-triples")
        .body(body)
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().unwrap());
    server
}

#[test]
fn read_commands_use_the_server_holding_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let server = server_on_data(cwd, 0);
    assert_eq!(
        std::fs::read_to_string(cwd.join("data/server.url"))
            .unwrap()
            .trim(),
        server.base
    );
    let select = format!("SELECT ?l WHERE {{ <{IRI}> <{LABEL}> ?l }}");
    let (ok, out, err) = cli(cwd, &["query", &select]);
    assert!(ok, "{err}");
    assert!(out.contains("\"beside probe\""), "TSV by default: {out}");
    let (ok, out, err) = cli(cwd, &["query", &select, "--format", "json"]);
    assert!(ok && out.contains("\"bindings\""), "{out}{err}");
    let (ok, out, err) = cli(cwd, &["export", "--graph", "urn:beside"]);
    assert!(ok && out.contains("\"beside probe\""), "{out}{err}");
    let (ok, out, err) = cli(cwd, &["export"]);
    assert!(ok && out.contains("<urn:beside>"), "{out}{err}");
    let (ok, out, err) = cli(cwd, &["history", IRI]);
    assert!(
        ok && out.contains("+ <https://w3id.org/warrant/id/beside-probe>"),
        "{out}{err}"
    );
    let (ok, out, err) = cli(cwd, &["why", IRI, LABEL, "\"beside probe\""]);
    assert!(ok && out.contains("beside probe"), "{out}{err}");
    let (ok, out, err) = cli(cwd, &["search", "anything"]);
    assert!(ok && out.contains("\"hits\""), "{out}{err}");
    // an explicit --server works from anywhere
    let elsewhere = tempfile::tempdir().unwrap();
    let (ok, out, err) = cli(
        elsewhere.path(),
        &["query", &select, "--server", &server.base],
    );
    assert!(ok && out.contains("\"beside probe\""), "{out}{err}");
    // writes through the server need a token
    let insert = format!("INSERT DATA {{ <{IRI}> <{LABEL}> \"second\" }}");
    let (ok, _, err) = cli(cwd, &["update", &insert]);
    assert!(!ok && err.contains("401"), "{err}");
    let (ok, _, err) = cli(cwd, &["update", &insert, "--token", TOKEN]);
    assert!(ok, "{err}");
    // a second server on the same directory is refused by name
    let out = Command::new(env!("CARGO_BIN_EXE_warrant"))
        .current_dir(cwd)
        .args([
            "serve",
            "--data",
            "data",
            "--no-default-data",
            "--bind",
            "127.0.0.1:0",
        ])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("held by another process") && err.contains(&server.base),
        "{err}"
    );
}

#[test]
fn a_held_store_without_a_known_server_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let _server = server_on_data(cwd, 0);
    std::fs::remove_file(cwd.join("data/server.url")).unwrap();
    for args in [
        vec!["query", "ASK {}"],
        vec!["search", "probe"],
        vec!["export"],
        vec!["history", IRI],
        vec!["why", IRI, LABEL, "\"x\""],
        vec!["update", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"],
        vec!["evaluate", "x.json", "--use-store"],
    ] {
        std::fs::write(cwd.join("x.json"), "{}").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_warrant"))
            .current_dir(cwd)
            .args(&args)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(
            err.contains("held by another process") && err.contains("--server"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    let _server = server_on_data(cwd, 3000);
    let mut child = Command::new(env!("CARGO_BIN_EXE_warrant"))
        .current_dir(cwd)
        .args(["history", IRI])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    // the reader is gone (as `| head -n 1` leaves)
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn commands_are_quiet_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    std::fs::write(cwd.join("p.ttl"), format!("<{IRI}> <{LABEL}> \"q\" .\n")).unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_warrant"))
            .current_dir(cwd)
            .args(args)
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let err = run(&["load", "p.ttl", "--rules", "none"]);
    assert!(!err.contains("INFO"), "{err}");
    assert!(
        !err.contains('\r') && !err.contains("parsing ["),
        "no progress bar off a terminal: {err:?}"
    );
    let err = run(&["query", "ASK { ?s ?p ?o }"]);
    assert!(err.is_empty(), "{err}");
    let err = run(&["-v", "query", "ASK { ?s ?p ?o }"]);
    assert!(err.contains("INFO"), "{err}");
}
