//! Users and roles: `warrant user add|list`, bearer tokens of users and the admin token, 401 and
//! 403 on writes, `--anonymous none`, and tokens kept out of the users file and the server's log.

use crate::support::{TOKEN, TestServer, add_user, cli, client, repo_root};
use reqwest::StatusCode;
use reqwest::blocking::RequestBuilder;
use serde_json::Value;
use std::path::Path;

const INSERT: &str = "INSERT DATA { <http://example.org/auth-test> a <http://example.org/Drug> }";
const ASK: &str = "ASK { ?s ?p ?o }";

/// A server over the small fixture data with these extra arguments, logging to `log` if given.
fn server(args: &[&str], env: &[(&str, &str)], log: Option<&Path>) -> TestServer {
    let root = repo_root().join("tests/fixtures/root");
    let mut all = vec!["--memory", "--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    TestServer::start_with(&repo_root(), &all, env, log)
}

fn update(server: &TestServer, auth: Option<&str>) -> reqwest::blocking::Response {
    with_auth(
        client()
            .post(server.url("/update"))
            .header("content-type", "application/sparql-update")
            .body(INSERT),
        auth,
    )
    .send()
    .unwrap()
}

fn ask(server: &TestServer, auth: Option<&str>) -> reqwest::blocking::Response {
    with_auth(
        client().get(server.url("/sparql")).query(&[("query", ASK)]),
        auth,
    )
    .send()
    .unwrap()
}

fn with_auth(req: RequestBuilder, auth: Option<&str>) -> RequestBuilder {
    match auth {
        Some(value) => req.header("authorization", value),
        None => req,
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// Status, `error` code and message of a JSON error answer; checks the 401 challenge header.
fn refusal(r: reqwest::blocking::Response) -> (StatusCode, String, String) {
    let status = r.status();
    if status == StatusCode::UNAUTHORIZED {
        assert_eq!(
            r.headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer")
        );
    }
    let body: Value = r.json().expect("a JSON error body");
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
        body["message"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn user_add_prints_the_token_last_and_keeps_only_a_hash() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let token = add_user(&users, "alice", "curator");
    let (id, secret) = token.split_once('.').expect("<id>.<secret>");
    assert!(id.len() == 16 && secret.len() == 64, "{token}");
    assert!(token.chars().all(|c| c.is_ascii_hexdigit() || c == '.'));

    let text = std::fs::read_to_string(&users).unwrap();
    assert!(!text.contains(secret), "the users file holds the token");
    assert!(text.contains("$argon2id$") && text.contains("name = \"alice\""));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&users).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the users file is private");
    }

    let second = add_user(&users, "bob", "reviewer");
    assert_ne!(second, token);
    let args = ["user", "add", "alice", "--role", "admin", "--users"];
    let (ok, _, err) = cli(
        dir.path(),
        &[&args[..], &[users.to_str().unwrap()]].concat(),
    );
    assert!(!ok, "a duplicate name is refused");
    assert!(err.contains("already exists"), "{err}");
    let (ok, _, err) = cli(
        dir.path(),
        &[
            "user",
            "add",
            "carol",
            "--role",
            "owner",
            "--users",
            users.to_str().unwrap(),
        ],
    );
    assert!(
        !ok && err.contains("reader, curator, reviewer or admin"),
        "{err}"
    );

    let (ok, out, err) = cli(
        dir.path(),
        &["user", "list", "--users", users.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("alice") && out.contains("curator"), "{out}");
    assert!(out.contains("bob") && out.contains("reviewer"), "{out}");
    assert!(!out.contains("argon2") && !out.contains("carol"), "{out}");
}

#[test]
fn roles_decide_who_writes_and_tokens_stay_out_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let reader = add_user(&users, "rita", "reader");
    let curator = add_user(&users, "carl", "curator");
    let reviewer = add_user(&users, "rene", "reviewer");
    let admin = add_user(&users, "ada", "admin");
    let log = dir.path().join("server.log");
    let s = server(
        &["--users", users.to_str().unwrap(), "--admin-token", TOKEN],
        &[("RUST_LOG", "debug")],
        Some(&log),
    );

    // missing, malformed and wrong credentials: 401, saying what is wrong, not who exists
    let (status, code, message) = refusal(update(&s, None));
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert!(
        message.contains("admin role") && message.contains("Bearer"),
        "{message}"
    );
    let (status, _, message) = refusal(update(&s, Some("Basic YWxhZGRpbjpvcGVu")));
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(message.contains("Bearer <token>"), "{message}");
    let wrong_secret = format!("{}.{}", reader.split_once('.').unwrap().0, "0".repeat(64));
    for bad in ["nope", "ffffffffffffffff.00", wrong_secret.as_str()] {
        let (status, _, message) = refusal(update(&s, Some(&bearer(bad))));
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(message, "the bearer token is not valid");
    }
    // a bad token is refused on reads too, while no token reads as anonymous
    assert_eq!(
        ask(&s, Some("Bearer nope")).status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(ask(&s, None).status(), StatusCode::OK);

    // roles that may not: 403 naming the role needed
    for token in [&reader, &curator, &reviewer] {
        let (status, code, message) = refusal(update(&s, Some(&bearer(token))));
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "forbidden")
        );
        assert_eq!(message, "this needs the admin role");
        assert_eq!(ask(&s, Some(&bearer(token))).status(), StatusCode::OK);
    }
    let put = client()
        .put(s.url("/store?graph=http://example.org/g"))
        .bearer_auth(&curator)
        .header("content-type", "text/turtle")
        .body("<http://example.org/a> <http://example.org/b> <http://example.org/c> .")
        .send()
        .unwrap();
    assert_eq!(
        put.status(),
        StatusCode::FORBIDDEN,
        "Graph Store writes are admin only"
    );
    let keep = client()
        .post(s.url("/evaluate?keep=true"))
        .bearer_auth(&reader)
        .header("content-type", "application/fhir+json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(
        keep.status(),
        StatusCode::FORBIDDEN,
        "keeping a determination writes"
    );

    // an admin user and the admin token write (repeatedly: the second time from the cache)
    for _ in 0..2 {
        assert_eq!(
            update(&s, Some(&bearer(&admin))).status(),
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            update(&s, Some(&bearer(TOKEN))).status(),
            StatusCode::NO_CONTENT
        );
    }
    assert_eq!(
        update(&s, Some(&format!("bearer  {admin} "))).status(),
        StatusCode::NO_CONTENT,
        "the scheme is case-insensitive, spaces around the token are ignored"
    );

    assert!(s.terminate());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("/update"), "the log shows requests:\n{text}");
    for token in [&reader, &curator, &reviewer, &admin] {
        let secret = token.split_once('.').unwrap().1;
        assert!(!text.contains(secret), "a user's token is in the log");
    }
    assert!(!text.contains(TOKEN), "the admin token is in the log");
    assert!(
        !text.contains("YWxhZGRpbjpvcGVu"),
        "credentials are in the log"
    );
}

#[test]
fn anonymous_none_needs_a_token_for_reads() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let reader = add_user(&users, "rita", "reader");
    let s = server(
        &["--users", users.to_str().unwrap(), "--anonymous", "none"],
        &[],
        None,
    );
    let (status, code, message) = refusal(ask(&s, None));
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert!(message.contains("Authorization: Bearer"), "{message}");
    assert_eq!(ask(&s, Some(&bearer(&reader))).status(), StatusCode::OK);
    let search = client().get(s.url("/search?q=drug")).send().unwrap();
    assert_eq!(search.status(), StatusCode::UNAUTHORIZED);
    let (status, _, message) = refusal(update(&s, Some(&bearer(&reader))));
    assert_eq!(
        (status, message.as_str()),
        (StatusCode::FORBIDDEN, "this needs the admin role")
    );
    drop(s);

    let by_env = server(
        &["--users", users.to_str().unwrap()],
        &[("WARRANT_ANONYMOUS", "none")],
        None,
    );
    assert_eq!(ask(&by_env, None).status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        ask(&by_env, Some(&bearer(&reader))).status(),
        StatusCode::OK
    );
}

#[test]
fn a_missing_users_file_or_nobody_to_serve_is_an_error_at_start() {
    let (ok, _, err) = cli(
        &repo_root(),
        &[
            "serve",
            "--memory",
            "--no-default-data",
            "--bind",
            "127.0.0.1:0",
            "--users",
            "/nonexistent/warrant-users.toml",
        ],
    );
    assert!(!ok && err.contains("--users"), "{err}");
    let (ok, _, err) = cli(
        &repo_root(),
        &[
            "serve",
            "--memory",
            "--no-default-data",
            "--bind",
            "127.0.0.1:0",
            "--anonymous",
            "none",
        ],
    );
    assert!(!ok && err.contains("--anonymous none needs"), "{err}");
}
