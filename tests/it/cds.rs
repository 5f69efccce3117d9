//! CDS Hooks 2.0 and Da Vinci CRD against a real server: discovery written from policy data, hook
//! calls answered from the same engine as `/evaluate`, the material no one here wrote
//! (`tests/peer/cds`: the specification's examples, the Inferno CRD kit's requests and cards, the 604
//! FHIR R4 examples), client JWTs, allow-listed FHIR fetches, keeping nothing unless asked, feedback
//! as PROV records, and the documentation questionnaire round trip.
//!
//! Every FHIR resource a response carries is also written under `$CARGO_TARGET_TMPDIR/cds-fhir/` for
//! the independent check by Python `fhir.resources` (R4 4.0.1) that `.ci/run` runs after the tests
//! (`tests/cds/validate_fhir.py`).

use crate::support::{TOKEN, TestServer, client, count, peer_dir, repo_root};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

const ISSUER: &str = "https://ehr.test/";

fn cds_peer() -> std::path::PathBuf {
    peer_dir().join("cds")
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn anonymous() -> TestServer {
    TestServer::start(&["--memory", "--cds-anonymous", "--admin-token", TOKEN])
}

fn discovery(server: &TestServer) -> Value {
    let r = client().get(server.url("/cds-services")).send().unwrap();
    assert_eq!(r.status(), 200);
    r.json().unwrap()
}

fn templates(server: &TestServer, hook: &str) -> serde_json::Map<String, Value> {
    discovery(server)["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["hook"] == hook)
        .unwrap()["prefetch"]
        .as_object()
        .unwrap()
        .clone()
}

fn seed_bundle() -> Value {
    read_json(&peer_dir().join("cases/seed-patient.fhir.json"))
}

fn post(server: &TestServer, path: &str, body: &Value) -> (u16, Value) {
    let r = client().post(server.url(path)).json(body).send().unwrap();
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: not JSON: {text}")),
    )
}

/// What CDS Hooks 2.0 requires of a response (CDS Service Response; Card, Source, Suggestion,
/// Action, Link attributes). `strict` also asks every action for its (REQUIRED) description and
/// every card for its (REQUIRED) indicator, which the specification's own system-action and
/// autolaunchable examples omit.
fn check_response(v: &Value, strict: bool) -> Vec<String> {
    let mut errors = Vec::new();
    let Some(cards) = v["cards"].as_array() else {
        return vec!["cards: required array".into()];
    };
    for (i, c) in cards.iter().enumerate() {
        errors.extend(
            check_card(c, strict)
                .into_iter()
                .map(|e| format!("cards[{i}].{e}")),
        );
    }
    if let Some(actions) = v.get("systemActions") {
        match actions.as_array() {
            Some(list) => {
                for (i, a) in list.iter().enumerate() {
                    errors.extend(
                        check_action(a, strict)
                            .into_iter()
                            .map(|e| format!("systemActions[{i}].{e}")),
                    );
                }
            }
            None => errors.push("systemActions: not an array".into()),
        }
    }
    errors
}

fn check_card(c: &Value, strict: bool) -> Vec<String> {
    let mut e = Vec::new();
    match c["summary"].as_str() {
        Some(s) if !s.is_empty() && s.chars().count() < 140 => {}
        _ => e.push(format!(
            "summary: required, under 140 characters: {:?}",
            c["summary"]
        )),
    }
    match c["indicator"].as_str() {
        Some("info" | "warning" | "critical") => {}
        None if !strict => {}
        _ => e.push("indicator: info, warning or critical".into()),
    }
    if !c["source"]["label"].is_string() {
        e.push("source.label: required".into());
    }
    for key in ["detail", "uuid"] {
        if c.get(key).is_some_and(|d| !d.is_string()) {
            e.push(format!("{key}: a string"));
        }
    }
    if let Some(s) = c.get("suggestions") {
        if !matches!(c["selectionBehavior"].as_str(), Some("at-most-one" | "any")) {
            e.push("selectionBehavior: required with suggestions".into());
        }
        for (i, s) in s.as_array().into_iter().flatten().enumerate() {
            if !s["label"].is_string() {
                e.push(format!("suggestions[{i}].label: required"));
            }
            for (j, a) in s["actions"].as_array().into_iter().flatten().enumerate() {
                e.extend(
                    check_action(a, strict)
                        .into_iter()
                        .map(|x| format!("suggestions[{i}].actions[{j}].{x}")),
                );
            }
        }
    }
    for (i, l) in c["links"].as_array().into_iter().flatten().enumerate() {
        if !l["label"].is_string()
            || !l["url"].is_string()
            || !matches!(l["type"].as_str(), Some("absolute" | "smart"))
        {
            e.push(format!(
                "links[{i}]: label, url and type absolute|smart required"
            ));
        }
    }
    for (i, r) in c["overrideReasons"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if !r["display"].is_string() {
            e.push(format!("overrideReasons[{i}].display: required"));
        }
    }
    e
}

fn check_action(a: &Value, strict: bool) -> Vec<String> {
    let mut e = Vec::new();
    match a["type"].as_str() {
        Some("create" | "update") => {
            if !a["resource"]["resourceType"].is_string() {
                e.push("resource: a FHIR resource is required for create and update".into());
            }
        }
        Some("delete") => {}
        _ => e.push("type: create, update or delete".into()),
    }
    if strict && !a["description"].is_string() {
        e.push("description: required".into());
    }
    e
}

/// Writes every FHIR resource of a response (system actions, suggestion actions) for the Python
/// `fhir.resources` check of `.ci/run`.
fn dump_resources(name: &str, response: &Value) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cds-fhir");
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    let mut write = |r: &Value| {
        n += 1;
        std::fs::write(
            dir.join(format!("{name}-{n}.json")),
            serde_json::to_vec_pretty(r).unwrap(),
        )
        .unwrap();
    };
    for a in response["systemActions"].as_array().into_iter().flatten() {
        write(&a["resource"]);
    }
    for c in response["cards"].as_array().into_iter().flatten() {
        for s in c["suggestions"].as_array().into_iter().flatten() {
            for a in s["actions"].as_array().into_iter().flatten() {
                if a["resource"].is_object() {
                    write(&a["resource"]);
                }
            }
        }
    }
}

fn coverage_parts(action: &Value) -> serde_json::Map<String, Value> {
    let ext = action["resource"]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["url"]
                == "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
        })
        .expect("coverage-information extension");
    ext["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let value = p
                .as_object()
                .unwrap()
                .iter()
                .find(|(k, _)| k.starts_with("value"))
                .unwrap()
                .1
                .clone();
            (p["url"].as_str().unwrap().to_owned(), value)
        })
        .collect()
}

#[test]
fn the_response_checker_accepts_the_specification_and_inferno_examples() {
    let spec = cds_peer().join("cds-hooks-2.0");
    for (file, strict) in [
        ("response-empty.json", true),
        ("response-example.json", true),
        ("response-autolaunchable.json", false),
        ("response-system-action.json", false),
    ] {
        let errors = check_response(&read_json(&spec.join(file)), strict);
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
    let inferno = cds_peer().join("crd-inferno");
    let response = read_json(&inferno.join("spec/fixtures/crd_authorization_hook_response.json"));
    assert!(check_response(&response, false).is_empty());
    for card in read_json(&inferno.join("spec/fixtures/valid_cards.json"))
        .as_array()
        .unwrap()
    {
        assert!(check_card(card, false).is_empty(), "{card}");
    }
    for entry in std::fs::read_dir(inferno.join("lib/davinci_crd_test_kit/card_responses")).unwrap()
    {
        let card = read_json(&entry.unwrap().path());
        assert!(check_card(&card, false).is_empty(), "{card}");
    }
    for file in [
        "coverage_info_system_action_covered.json",
        "coverage_info_system_action_conditional.json",
        "other_system_action.json",
    ] {
        assert!(
            check_action(&read_json(&inferno.join("spec/fixtures").join(file)), false).is_empty()
        );
    }
    // and it refuses what the specification forbids
    let bad = json!({"cards": [{"summary": "x".repeat(140), "indicator": "urgent", "source": {}, "suggestions": [{"label": "a"}]}]});
    assert_eq!(
        check_response(&bad, true).len(),
        4,
        "{:?}",
        check_response(&bad, true)
    );
}

#[test]
fn discovery_writes_prefetch_from_policy_data_and_a_new_policy_extends_it() {
    let server = anonymous();
    let doc = discovery(&server);
    let hooks: Vec<&str> = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["hook"].as_str().unwrap())
        .collect();
    assert_eq!(hooks, ["order-select", "order-sign", "order-dispatch"]);
    for s in doc["services"].as_array().unwrap() {
        assert!(s["id"].is_string() && s["description"].is_string());
        for (key, template) in s["prefetch"].as_object().unwrap() {
            let t = template.as_str().unwrap();
            assert!(t.contains("{{context."), "{key}: {t}");
        }
    }
    let before = templates(&server, "order-sign");
    assert!(
        !before["observations"]
            .as_str()
            .unwrap()
            .contains("https://example.org/new-lab|NL-1")
    );
    // a policy added as data: a new concept, its code, a criterion on it (supported by a statement
    // the store already holds, whichever it is)
    let q = "SELECT ?s WHERE { ?s a <https://w3id.org/warrant/ns#Statement> } ORDER BY ?s LIMIT 1";
    let v: Value = client()
        .get(server.url("/sparql"))
        .query(&[("query", q)])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let statement = v["results"]["bindings"][0]["s"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let turtle = r#"
@prefix wr: <https://w3id.org/warrant/ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/warrant/id/codesystem-new-lab> a wr:CodeSystem , skos:ConceptScheme ; rdfs:label "new lab codes" ;
    skos:prefLabel "new lab codes"@en ;
    wr:fhirSystem "https://example.org/new-lab"^^xsd:anyURI ; wr:codePrefixMatch false ;
    wr:codeIriPattern "https://example.org/new-lab/{code}" .
<https://example.org/new-lab/NL-1> a wr:Code ; skos:prefLabel "new marker"@en ; wr:code "NL-1" ; skos:notation "NL-1" ;
    wr:codeSystem <https://w3id.org/warrant/id/codesystem-new-lab> ; skos:inScheme <https://w3id.org/warrant/id/codesystem-new-lab> .
<https://w3id.org/warrant/concept/new-marker> a skos:Concept ; skos:prefLabel "new marker"@en ;
    skos:inScheme <https://w3id.org/warrant/id/concepts> ; skos:exactMatch <https://example.org/new-lab/NL-1> .
<https://w3id.org/warrant/id/policy-new> a wr:Policy ; rdfs:label "A new policy" ;
    wr:appliesTo <https://w3id.org/warrant/concept/ivig> ;
    wr:initiationCriteria <https://w3id.org/warrant/id/crit-new-marker> ;
    wr:reviewStatus wr:Submitted ; prov:wasAttributedTo <https://w3id.org/warrant/id/agent/test> .
<https://w3id.org/warrant/id/agent/test> a prov:Agent ; rdfs:label "test" .
<https://w3id.org/warrant/id/crit-new-marker> a wr:LabThreshold ; rdfs:label "New marker below 5 mg/dL" ;
    wr:measures <https://w3id.org/warrant/concept/new-marker> ; wr:comparator "<" ; wr:threshold 5.0 ; wr:unit "mg/dL" ;
    wr:supportedBy <STATEMENT> .
"#
    .replace("STATEMENT", &statement);
    let r = client()
        .put(server.url("/store?graph=urn:test:new-policy"))
        .bearer_auth(TOKEN)
        .header("Content-Type", "text/turtle")
        .body(turtle)
        .send()
        .unwrap();
    assert!(
        r.status().is_success(),
        "{} {}",
        r.status(),
        r.text().unwrap()
    );
    let after = templates(&server, "order-sign");
    let obs = after["observations"].as_str().unwrap();
    assert!(obs.contains("https://example.org/new-lab|NL-1"), "{obs}");
    // and its questionnaire asks for the new marker as a quantity in the criterion's unit
    let q: Value = client()
        .get(server.url("/questionnaire/policy-new"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(q["resourceType"], "Questionnaire");
    let item = &q["item"][0];
    assert_eq!(item["linkId"], "Observation/new-marker/value");
    assert_eq!(item["type"], "quantity");
    assert_eq!(item["extension"][0]["valueCoding"]["code"], "mg/dL");
}

#[test]
fn order_sign_answers_the_seed_case_with_cards_coverage_and_the_engine_s_determination() {
    let server = anonymous();
    let request = warrant::cds::hook::request_from_bundle(
        &seed_bundle(),
        "order-sign",
        "5c6e1a2b-0f3d-4c8e-9a7b-1d2e3f4a5b6c",
        "p1",
        &templates(&server, "order-sign"),
    );
    let (status, response) = post(&server, "/cds-services/warrant-order-sign", &request);
    assert_eq!(status, 200, "{response}");
    assert!(
        check_response(&response, true).is_empty(),
        "{:?}",
        check_response(&response, true)
    );
    dump_resources("seed-order-sign", &response);
    let cards = response["cards"].as_array().unwrap();
    assert!(!cards.is_empty());
    // the same engine as /evaluate, on the same record, today
    let evaluated: Value = client()
        .post(server.url("/evaluate"))
        .header("Content-Type", "application/fhir+json")
        .body(serde_json::to_vec(&seed_bundle()).unwrap())
        .send()
        .unwrap()
        .json()
        .unwrap();
    let determination = evaluated["determination"].as_str().unwrap();
    let covered = match determination {
        "necessary" => "covered",
        "not-necessary" => "not-covered",
        _ => "conditional",
    };
    let actions = response["systemActions"].as_array().unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["type"], "update");
    assert_eq!(actions[0]["resource"]["id"], "mr-ivig");
    let parts = coverage_parts(&actions[0]);
    assert_eq!(parts["covered"], covered);
    let assertion = parts["coverage-assertion-id"].as_str().unwrap();
    assert!(assertion.starts_with("https://w3id.org/warrant/id/determination-"));
    assert!(parts.contains_key("date"));
    let missing = evaluated["missing"].as_array().unwrap();
    assert_eq!(parts.contains_key("doc-needed"), !missing.is_empty());
    let card = &cards[0];
    assert_eq!(
        card["summary"].as_str().unwrap().contains("not documented"),
        !missing.is_empty(),
        "{}",
        card["summary"]
    );
    if let Some(first) = missing.first() {
        assert!(
            card["summary"]
                .as_str()
                .unwrap()
                .contains(first["label"].as_str().unwrap())
        );
        // the questionnaire the card points to is served at its URL and asks one question per missing fact
        let q_link = card["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["label"] == "Documentation questionnaire")
            .unwrap();
        let url = q_link["url"].as_str().unwrap();
        assert_eq!(parts["questionnaire"], url);
        let served: Value = client().get(url).send().unwrap().json().unwrap();
        let suggested = card["suggestions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["label"] == "Complete the documentation questionnaire")
            .unwrap();
        assert_eq!(served, suggested["actions"][0]["resource"]);
        assert!(!served["item"].as_array().unwrap().is_empty());
    }
    let detail = card["detail"].as_str().unwrap();
    for c in evaluated["caveats"].as_array().unwrap() {
        assert!(
            detail.contains(c["label"].as_str().unwrap()),
            "caveat {} missing from {detail}",
            c["label"]
        );
    }
    let triggered = evaluated["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["status"] == "triggered");
    let expected_indicator = match (determination, triggered) {
        ("not-necessary", true) => "critical",
        ("necessary", false)
            if !evaluated["regimen"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["consistent"] == false) =>
        {
            "info"
        }
        _ => "warning",
    };
    assert_eq!(card["indicator"], expected_indicator);
}

#[test]
fn a_missing_lab_is_suggested_as_an_order_and_the_questionnaire_answers_fill_the_facts() {
    let server = anonymous();
    let case = read_json(&repo_root().join("tests/cases/missing-facts.fhir.json"));
    let request = warrant::cds::hook::request_from_bundle(
        &case,
        "order-sign",
        "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9",
        "p2",
        &templates(&server, "order-sign"),
    );
    let (status, response) = post(&server, "/cds-services/warrant-order-sign", &request);
    assert_eq!(status, 200, "{response}");
    assert!(check_response(&response, true).is_empty());
    dump_resources("missing-facts", &response);
    let card = &response["cards"][0];
    let suggestions = card["suggestions"].as_array().unwrap();
    let order = suggestions
        .iter()
        .find(|s| s["label"].as_str().unwrap().starts_with("Order "))
        .expect("a lab order suggestion");
    let lab = &order["actions"][0]["resource"];
    assert_eq!(lab["resourceType"], "ServiceRequest");
    assert!(!lab["code"]["coding"].as_array().unwrap().is_empty());
    assert_eq!(lab["subject"]["reference"], "Patient/p2");
    // answer every question of the questionnaire, post the answers with the case to /evaluate
    let url = card["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "Documentation questionnaire")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let q: Value = client().get(&url).send().unwrap().json().unwrap();
    let mut answers = Vec::new();
    for item in q["item"].as_array().unwrap() {
        let answer = match item["type"].as_str().unwrap() {
            "quantity" => {
                json!({"valueQuantity": {"value": 250, "system": "http://unitsofmeasure.org", "code": item["extension"][0]["valueCoding"]["code"]}})
            }
            "date" => json!({"valueDate": warrant::case::Day::today().to_string()}),
            // a procedure answered "no" states nothing (see the README): answer yes
            _ if item["linkId"].as_str().unwrap().starts_with("Procedure/") => {
                json!({"valueBoolean": true})
            }
            _ => json!({"valueBoolean": false}),
        };
        answers.push(json!({"linkId": item["linkId"], "answer": [answer]}));
    }
    let qr = json!({"resourceType": "QuestionnaireResponse", "questionnaire": url, "status": "completed", "authored": warrant::case::Day::today().to_string(), "item": answers});
    let evaluate = |bundle: &Value| -> Value {
        client()
            .post(server.url("/evaluate"))
            .header("Content-Type", "application/fhir+json")
            .body(serde_json::to_vec(bundle).unwrap())
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let before = evaluate(&case);
    let mut answered = case.clone();
    answered["entry"]
        .as_array_mut()
        .unwrap()
        .push(json!({"resource": qr}));
    let after = evaluate(&answered);
    assert!(
        after["ignored"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["reason"].as_str().unwrap().contains("states no fact")),
        "{}",
        after["ignored"]
    );
    let unknown = |v: &Value| {
        v["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["computedStatus"] == "unknown" && !c["missing"].is_null())
            .count()
    };
    assert!(unknown(&before) > 0);
    assert!(
        unknown(&after) < unknown(&before),
        "answered facts decide criteria: {}",
        after["criteria"]
    );
    assert!(
        after["missing"].as_array().unwrap().len() < before["missing"].as_array().unwrap().len()
    );
}

#[test]
fn every_inferno_crd_request_gets_a_valid_answer() {
    let server = anonymous();
    let offered: Vec<String> = discovery(&server)["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["hook"].as_str().unwrap().to_owned())
        .collect();
    let dir = cds_peer().join("crd-inferno/spec/fixtures");
    let mut answered = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if !name.ends_with("_hook_request.json") {
            continue;
        }
        let request = read_json(&path);
        let hook = request["hook"].as_str().unwrap();
        let service = format!("/cds-services/warrant-{hook}");
        let (status, response) = post(&server, &service, &request);
        if offered.iter().any(|h| h == hook) {
            assert_eq!(status, 200, "{name}: {response}");
            let errors = check_response(&response, true);
            assert!(errors.is_empty(), "{name}: {errors:?}");
            dump_resources(&name.replace(".json", ""), &response);
            answered += 1;
        } else {
            assert_eq!(
                status, 404,
                "{name}: a hook Warrant does not offer has no service"
            );
            assert_eq!(response["error"], "not-found");
        }
        // the order-sign service refuses another hook's request with a 4xx, never a 5xx
        let (status, response) = post(&server, "/cds-services/warrant-order-sign", &request);
        if hook == "order-sign" {
            assert_eq!(status, 200);
        } else {
            assert_eq!(status, 400, "{name}: {response}");
        }
    }
    assert_eq!(
        answered, 3,
        "order-select, order-sign and order-dispatch requests"
    );
    // the specification's own request examples: a patient-view call (not offered) and the
    // draftOrders context of its prefetch-token section, as an order-sign call
    let spec = cds_peer().join("cds-hooks-2.0");
    let (status, _) = post(
        &server,
        "/cds-services/warrant-order-sign",
        &read_json(&spec.join("request-patient-view.json")),
    );
    assert_eq!(status, 400);
    let mut request = read_json(&spec.join("request-patient-view.json"));
    request["hook"] = json!("order-sign");
    request["context"] = read_json(&spec.join("context-draft-orders.json"))["context"].clone();
    request["prefetch"] = read_json(&spec.join("prefetch-data.json"))["prefetch"].clone();
    let (status, response) = post(&server, "/cds-services/warrant-order-sign", &request);
    assert_eq!(status, 200, "{response}");
    assert!(check_response(&response, true).is_empty());
}

#[test]
fn a_hook_request_made_of_each_fhir_example_never_gets_a_server_error() {
    let server = anonymous();
    let dir = peer_dir().join("fhir-r4-examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 600,
        "expected the 604 examples, found {}",
        files.len()
    );
    let keys: Vec<String> = templates(&server, "order-sign").keys().cloned().collect();
    let http = client();
    let mut statuses = std::collections::BTreeMap::new();
    for file in &files {
        let resource = read_json(file);
        let as_order = json!({"hookInstance": "e1", "hook": "order-sign", "context": {"patientId": "x", "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": resource}]}}});
        let as_prefetch = json!({"hookInstance": "e2", "hook": "order-select", "context": {"patientId": "x", "selections": ["MedicationRequest/mr-ivig"],
            "draftOrders": seed_bundle()["entry"].as_array().unwrap().iter().filter(|e| e["resource"]["resourceType"] == "MedicationRequest").cloned().collect::<Vec<_>>().pipe_bundle()},
            "prefetch": keys.iter().map(|k| (k.clone(), json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": resource}]}))).collect::<serde_json::Map<_, _>>()});
        for (how, body, path) in [
            (
                "as draft order",
                as_order,
                "/cds-services/warrant-order-sign",
            ),
            (
                "as prefetch",
                as_prefetch,
                "/cds-services/warrant-order-select",
            ),
        ] {
            let r = http
                .post(server.url(path))
                .json(&body)
                .send()
                .unwrap_or_else(|e| panic!("{} ({how}): {e}", file.display()));
            let status = r.status().as_u16();
            let text = r.text().unwrap();
            assert!(
                status == 200 || (400..500).contains(&status),
                "{} ({how}): {status} {text}",
                file.display()
            );
            let v: Value = serde_json::from_str(&text).unwrap();
            if status == 200 {
                assert!(
                    check_response(&v, true).is_empty(),
                    "{} ({how}): {:?}",
                    file.display(),
                    check_response(&v, true)
                );
            } else {
                assert!(v["error"].is_string() && v["message"].is_string());
            }
            *statuses.entry((how, status)).or_insert(0) += 1;
        }
    }
    eprintln!("FHIR examples as hook requests: {statuses:?}");
}

trait PipeBundle {
    fn pipe_bundle(self) -> Value;
}

impl PipeBundle for Vec<Value> {
    fn pipe_bundle(self) -> Value {
        json!({"resourceType": "Bundle", "entry": self})
    }
}

fn sign(claims: &Value) -> String {
    let pem = std::fs::read(repo_root().join("tests/fixtures/cds/test-client-es256.pem")).unwrap();
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
    header.kid = Some("warrant-test-client".into());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap(),
    )
    .unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn clients_authenticate_with_a_signed_jwt_for_the_service_they_call() {
    let jwks = repo_root().join("tests/fixtures/cds/test-client-jwks.json");
    let server = TestServer::start(&[
        "--memory",
        "--cds-issuer",
        &format!("{ISSUER}={}", jwks.display()),
    ]);
    let aud = server.url("/cds-services");
    let claims = |aud: &str, jti: &str, exp: u64| json!({"iss": ISSUER, "aud": aud, "exp": exp, "iat": now(), "jti": jti});
    let get = |token: Option<&str>| {
        let mut r = client().get(server.url("/cds-services"));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(get(None).0, 401);
    let good = sign(&claims(&aud, "jti-1", now() + 300));
    assert_eq!(get(Some(&good)).0, 200);
    let (status, text) = get(Some(&good));
    assert_eq!(status, 401, "a replayed jti");
    assert!(text.contains("replay"), "{text}");
    let (status, text) = get(Some(&sign(&claims(
        &server.url("/cds-services/warrant-order-sign"),
        "jti-2",
        now() + 300,
    ))));
    assert_eq!(status, 401);
    assert!(text.contains("aud"), "{text}");
    let (status, text) = get(Some(&sign(&claims(&aud, "jti-3", now() - 3600))));
    assert_eq!(status, 401);
    assert!(text.contains("expired"), "{text}");
    let (status, _) = get(Some(&sign(
        &json!({"iss": "https://other.test/", "aud": aud, "exp": now() + 300, "iat": now(), "jti": "jti-4"}),
    )));
    assert_eq!(status, 401);
    // a service call: aud is that service's URL
    let request = json!({"hookInstance": "a1", "hook": "order-sign", "context": {"patientId": "x", "draftOrders": {"resourceType": "Bundle", "entry": []}}});
    let call = |token: &str| {
        client()
            .post(server.url("/cds-services/warrant-order-sign"))
            .bearer_auth(token)
            .json(&request)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(
        call(&sign(&claims(
            &server.url("/cds-services/warrant-order-sign"),
            "jti-5",
            now() + 300
        ))),
        200
    );
    assert_eq!(call(&sign(&claims(&aud, "jti-6", now() + 300))), 401);
    // a Warrant token is not a CDS client credential
    assert_eq!(call("some-warrant-token"), 401);
}

/// A one-thread FHIR server stub: answers every GET with a searchset Bundle holding `resource` and
/// records each request line and Authorization header.
fn fhir_stub(resource: Value) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/fhir", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut auth = String::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
                if h.to_ascii_lowercase().starts_with("authorization:") {
                    auth = h.trim().to_owned();
                }
            }
            log.lock()
                .unwrap()
                .push(format!("{} {}", line.trim(), auth));
            let body = serde_json::to_string(&json!({"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": resource}]})).unwrap();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.flush();
        }
    });
    (base, seen)
}

#[test]
fn missing_prefetch_is_fetched_only_from_allow_listed_fhir_servers() {
    let procedure = seed_bundle()["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Procedure")
        .unwrap()["resource"]
        .clone();
    let (allowed, allowed_log) = fhir_stub(procedure.clone());
    let (other, other_log) = fhir_stub(procedure);
    let server = TestServer::start(&["--memory", "--cds-anonymous", "--fhir-server", &allowed]);
    let order = seed_bundle()["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "MedicationRequest")
        .unwrap()
        .clone();
    let request = |server_url: &str| {
        json!({"hookInstance": "f1", "hook": "order-sign", "fhirServer": server_url,
        "fhirAuthorization": {"access_token": "ehr-token", "token_type": "Bearer", "expires_in": 300, "scope": "user/*.read", "subject": "warrant"},
        "context": {"patientId": "p1", "draftOrders": {"resourceType": "Bundle", "entry": [order]}}})
    };
    let (status, response) = post(
        &server,
        "/cds-services/warrant-order-sign",
        &request(&other),
    );
    assert_eq!(status, 200, "{response}");
    assert!(
        other_log.lock().unwrap().is_empty(),
        "a fhirServer the operator did not allow is never contacted"
    );
    let detail = response["cards"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("Data not provided by the EHR") && detail.contains("procedures"),
        "{detail}"
    );
    let (status, response) = post(
        &server,
        "/cds-services/warrant-order-sign",
        &request(&allowed),
    );
    assert_eq!(status, 200, "{response}");
    let log = allowed_log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|l| l.starts_with("GET /fhir/Procedure?patient=p1&code=")),
        "{log:?}"
    );
    assert!(
        log.iter().all(|l| l.ends_with("Bearer ehr-token")),
        "{log:?}"
    );
    let detail = response["cards"][0]["detail"].as_str().unwrap();
    assert!(!detail.contains("Data not provided by the EHR"), "{detail}");
}

#[test]
fn nothing_of_a_hook_request_is_stored_unless_keep_is_configured() {
    let quads = |server: &TestServer| {
        let v: Value = client()
            .get(server.url("/sparql"))
            .query(&[(
                "query",
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            )])
            .send()
            .unwrap()
            .json()
            .unwrap();
        count(&v)
    };
    let server = anonymous();
    let request = warrant::cds::hook::request_from_bundle(
        &seed_bundle(),
        "order-sign",
        "k1",
        "p1",
        &templates(&server, "order-sign"),
    );
    let before = quads(&server);
    let (status, response) = post(&server, "/cds-services/warrant-order-sign", &request);
    assert_eq!(status, 200);
    assert_eq!(quads(&server), before, "no quad written");
    let assertion = coverage_parts(&response["systemActions"][0])["coverage-assertion-id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = client()
        .get(server.url("/why"))
        .query(&[("iri", assertion.as_str())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 404);
    let kept = TestServer::start(&["--memory", "--cds-anonymous", "--cds-keep"]);
    let (status, response) = post(&kept, "/cds-services/warrant-order-sign", &request);
    assert_eq!(status, 200);
    let assertion = coverage_parts(&response["systemActions"][0])["coverage-assertion-id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = client()
        .get(kept.url("/why"))
        .query(&[("iri", assertion.as_str())])
        .send()
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "the coverage-assertion-id resolves to the kept determination"
    );
    let links = response["cards"][0]["links"].as_array().unwrap();
    let why = links
        .iter()
        .find(|l| l["label"].as_str().unwrap().starts_with("Why"))
        .unwrap()["url"]
        .as_str()
        .unwrap();
    assert_eq!(client().get(why).send().unwrap().status(), 200);
}

#[test]
fn feedback_is_kept_as_prov_records_tied_to_the_determination() {
    let server = anonymous();
    let request = warrant::cds::hook::request_from_bundle(
        &seed_bundle(),
        "order-sign",
        "fb1",
        "p1",
        &templates(&server, "order-sign"),
    );
    let (_, response) = post(&server, "/cds-services/warrant-order-sign", &request);
    let card = &response["cards"][0];
    let determination =
        coverage_parts(&response["systemActions"][0])["coverage-assertion-id"].clone();
    let feedback = json!({"feedback": [{"card": card["uuid"], "outcome": "overridden",
        "overrideReason": {"reason": {"system": "https://example.com/reasons", "code": "r1", "display": "Patient declined"}, "userComment": "discussed"},
        "outcomeTimestamp": "2026-01-05T10:00:00Z"}]});
    let (status, answer) = post(
        &server,
        "/cds-services/warrant-order-sign/feedback",
        &feedback,
    );
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["recorded"][0]["determination"], determination);
    let q = format!(
        "PREFIX wr: <https://w3id.org/warrant/ns#> PREFIX prov: <http://www.w3.org/ns/prov#> SELECT (COUNT(*) AS ?n) WHERE {{ ?f a wr:CardFeedback , prov:Activity ; prov:used <{}> ; wr:cardOutcome \"overridden\" ; wr:overrideReason ?r ; wr:card {} }}",
        determination.as_str().unwrap(),
        card["uuid"]
    );
    let v: Value = client()
        .get(server.url("/sparql"))
        .query(&[("query", q.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(count(&v), 1);
    // the change set says who and why
    let history: Value = client()
        .get(server.url("/changes"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        history["changes"][0]["message"]
            .as_str()
            .unwrap()
            .contains("feedback")
    );
    // the specification's feedback examples are accepted (cards unknown here: recorded untied)
    for file in [
        "feedback-accepted.json",
        "feedback-overridden.json",
        "feedback-overridden-reason.json",
    ] {
        let (status, answer) = post(
            &server,
            "/cds-services/warrant-order-sign/feedback",
            &read_json(&cds_peer().join("cds-hooks-2.0").join(file)),
        );
        assert_eq!(status, 200, "{file}: {answer}");
        assert!(answer["recorded"][0]["determination"].is_null());
    }
    // malformed feedback is refused with the path at fault, and writes nothing
    let (status, answer) = post(
        &server,
        "/cds-services/warrant-order-sign/feedback",
        &json!({"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "2026-01-05T10:00:00Z"}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(answer["path"], "feedback[0].acceptedSuggestions");
}

#[test]
fn hostile_hook_requests_get_4xx() {
    let server = anonymous();
    let dir = repo_root().join("tests/cds/hostile");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (head, body) = text.split_once("\n\n").unwrap();
        let mut expect = 0u16;
        let mut service = "warrant-order-sign".to_owned();
        for line in head.lines() {
            if let Some(s) = line.strip_prefix("# status: ") {
                expect = s.trim().parse().unwrap();
            }
            if let Some(s) = line.strip_prefix("# service: ") {
                service = s.trim().to_owned();
            }
        }
        let r = client()
            .post(server.url(&format!("/cds-services/{service}")))
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
            .unwrap();
        let status = r.status().as_u16();
        let v: Value = r.json().unwrap();
        assert_eq!(status, expect, "{}: {v}", path.display());
        if status >= 400 {
            assert!(v["error"].is_string() && v["message"].is_string());
        } else {
            assert!(check_response(&v, true).is_empty());
        }
        n += 1;
    }
    assert!(n >= 5);
}

#[test]
fn the_readme_cds_examples_run() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("### `/cds-services`")
        .expect("the README's CDS Hooks section");
    let section = &readme[start..];
    let section = &section[..section[4..]
        .find("\n### ")
        .map(|i| i + 4)
        .unwrap_or(section.len())];
    let block = section
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let joined = block.replace("\\\n", " ");
    let server = anonymous();
    let mut ran = 0;
    for line in joined.lines().map(str::trim) {
        if line.starts_with("warrant serve") {
            assert!(
                line.contains("--cds-anonymous"),
                "the README starts the server as the test does: {line}"
            );
            continue;
        }
        if !line.starts_with("curl") {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let url = words
            .iter()
            .find(|w| w.starts_with("http://127.0.0.1:7878"))
            .unwrap();
        let path = url.trim_start_matches("http://127.0.0.1:7878");
        let file = words.iter().find_map(|w| w.strip_prefix('@'));
        let response: Value = match file {
            Some(f) => {
                let body = read_json(&repo_root().join(f));
                let (status, v) = post(&server, path, &body);
                assert_eq!(status, 200, "{line}: {v}");
                assert!(check_response(&v, true).is_empty());
                assert!(
                    !v["cards"].as_array().unwrap().is_empty(),
                    "the README's request gets a card"
                );
                assert!(v["systemActions"].is_array());
                v
            }
            None => {
                let r = client().get(server.url(path)).send().unwrap();
                assert_eq!(r.status(), 200, "{line}");
                r.json().unwrap()
            }
        };
        assert!(response.is_object());
        ran += 1;
    }
    assert_eq!(ran, 2, "discovery and the order-sign call");
}
