//! Robustness: each official FHIR R4 example (`$WARRANT_PEER_DIR/fhir-r4-examples`, 604 files),
//! posted to a real server as it is, wrapped in a Bundle, and wrapped with a named policy (so that
//! every example goes through the whole evaluation), gets a 200 or a 4xx JSON error — never a 5xx,
//! a hang (the client times out after 120 s) or a crash (the server answers afterwards).

use crate::support::{TestServer, client, peer_dir};
use serde_json::{Value, json};

#[test]
fn official_fhir_examples_never_get_a_server_error() {
    let dir = peer_dir().join("fhir-r4-examples");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("{} is missing: set WARRANT_PEER_DIR", dir.display());
    };
    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(
        files.len() >= 600,
        "expected the 604 examples, found {}",
        files.len()
    );
    let server = TestServer::start(&["--memory"]);
    let http = client();
    let policy = "https://w3id.org/warrant/id/policy-ivig-after-allo-hsct";
    let mut statuses = std::collections::BTreeMap::new();
    for file in &files {
        let raw = std::fs::read(file).unwrap();
        let resource: Value = serde_json::from_slice(&raw).unwrap();
        let wrapped = serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]})).unwrap();
        for (how, body, query) in [
            ("as-is", raw.clone(), vec![("asOf", "2025-12-17")]),
            ("wrapped", wrapped.clone(), vec![("asOf", "2025-12-17")]),
            (
                "wrapped with policy",
                wrapped,
                vec![
                    ("asOf", "2025-12-17"),
                    ("policy", policy),
                    ("format", "text"),
                ],
            ),
        ] {
            let response = http
                .post(server.url("/evaluate"))
                .query(&query)
                .header("Content-Type", "application/fhir+json")
                .body(body)
                .send()
                .unwrap_or_else(|e| panic!("{} ({how}): {e}", file.display()));
            let status = response.status().as_u16();
            let text = response.text().unwrap();
            assert!(
                status == 200 || (400..500).contains(&status),
                "{} ({how}): {status} {text}",
                file.display()
            );
            if status != 200 {
                let error: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|_| panic!("{} ({how}): not JSON: {text}", file.display()));
                assert!(error["error"].is_string() && error["message"].is_string());
            }
            *statuses.entry((how, status)).or_insert(0) += 1;
        }
    }
    eprintln!("FHIR examples: {statuses:?}");
    assert_eq!(
        statuses
            .iter()
            .filter(|((how, s), _)| *how == "wrapped with policy" && *s == 200)
            .map(|(_, n)| n)
            .sum::<i32>() as usize,
        files.len(),
        "with a policy named, every example is evaluated"
    );
}
