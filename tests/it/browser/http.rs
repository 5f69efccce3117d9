//! The workbench over plain HTTP: the shell and its modules are served with the security headers,
//! without a token even when anonymous reads are off, and `/whoami` names the principal.

use crate::support::{TOKEN, TestServer, add_user, client};
use serde_json::Value;

#[test]
fn the_shell_and_modules_carry_a_strict_policy_and_need_no_token() {
    let server = TestServer::start(&["--memory", "--admin-token", TOKEN, "--anonymous", "none"]);
    for path in [
        "/",
        "/ui/",
        "/ui/statements/st-x",
        "/ui/assets/js/main.js",
        "/ui/assets/app.css",
    ] {
        let r = client().get(server.url(path)).send().unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
    let js = client()
        .get(server.url("/ui/assets/js/main.js"))
        .send()
        .unwrap();
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let html = client().get(server.url("/ui/evaluate")).send().unwrap();
    assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
    assert!(html.text().unwrap().contains("/ui/assets/js/main.js"));
    // the data itself still needs the token
    assert_eq!(
        client().get(server.url("/whoami")).send().unwrap().status(),
        401
    );
    assert_eq!(
        client()
            .get(server.url("/search?q=ivig"))
            .send()
            .unwrap()
            .status(),
        401
    );
    let missing = client()
        .get(server.url("/ui/assets/nothing.js"))
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[test]
fn whoami_names_the_principal_and_its_role() {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.toml");
    let curator = add_user(&users, "alice", "curator");
    let server = TestServer::start(&["--memory", "--users", users.to_str().unwrap()]);
    let me = |token: Option<&str>| {
        let mut r = client().get(server.url("/whoami"));
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.send().unwrap()
    };
    let anon: Value = me(None).json().unwrap();
    assert_eq!(
        anon,
        serde_json::json!({"name": "anonymous", "role": "reader", "anonymous": true})
    );
    let alice: Value = me(Some(&curator)).json().unwrap();
    assert_eq!(
        alice,
        serde_json::json!({"name": "alice", "role": "curator", "anonymous": false})
    );
    assert_eq!(me(Some("not-a-token")).status(), 401);
}
