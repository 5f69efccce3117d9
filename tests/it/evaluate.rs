//! The worked example end to end over HTTP: the seed patient evaluated as of 2025-12-17, its WHY tree,
//! the text and Graphviz renderings, keeping and reading back a determination, the error answers, and
//! the guarantee that the determination comes from the graph (edit the policy, the answer changes).

use crate::support::{TOKEN, TestServer, client, count, repo_root};
use serde_json::Value;

const SEED: &str = "tests/peer/cases/seed-patient.fhir.json";
const W: &str = "https://w3id.org/warrant/id/";
/// The shipped policy's parts (criteria, caveats) are `<policy#…>`.
const P: &str = "https://w3id.org/warrant/id/policy-ivig-after-allo-hsct#";
const C: &str = "https://w3id.org/warrant/concept/";

fn server() -> TestServer {
    TestServer::start(&["--memory", "--admin-token", TOKEN])
}

fn seed() -> Vec<u8> {
    std::fs::read(repo_root().join(SEED))
        .expect("the seed case is in tests/peer/cases (a copy of ../shared/cases)")
}

fn post(server: &TestServer, query: &str, content_type: &str, body: Vec<u8>) -> (u16, String) {
    let response = client()
        .post(server.url(&format!("/evaluate{query}")))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .unwrap();
    (response.status().as_u16(), response.text().unwrap())
}

/// Status and `error` code of posting a FHIR body that is refused.
fn error_code(server: &TestServer, query: &str, body: Vec<u8>) -> (u16, String) {
    let (status, body) = post(server, query, "application/fhir+json", body);
    let error: Value = serde_json::from_str(&body).unwrap();
    (
        status,
        error["error"].as_str().unwrap_or_default().to_owned(),
    )
}

fn evaluate(server: &TestServer, query: &str) -> Value {
    let (status, body) = post(server, query, "application/fhir+json", seed());
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn criterion<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["iri"] == format!("{P}{id}"))
        .unwrap_or_else(|| panic!("criterion {id} reported"))
}

fn iris(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|x| x[key].as_str().unwrap().to_owned())
        .collect()
}

/// Every root-to-leaf path of a WHY tree ends in a patient fact, a passage with its source, or a
/// reference to a subtree shown in full earlier in the tree.
/// Every path of the answer's why tree ends in a patient fact or a quoted passage; a passage is
/// found in the answer's `passages` with its text, and its source in `sources` with a title.
fn check_paths(answer: &Value, node: &Value) {
    let empty = Vec::new();
    let children = node["children"].as_array().unwrap_or(&empty);
    if children.is_empty() {
        let kind = node["kind"].as_str().unwrap();
        assert!(
            kind == "fact" || kind == "passage" || node["shared"] == true,
            "a path ends in a {kind}: {}",
            node["iri"]
        );
        if kind == "passage" {
            let find = |list: &str, iri: &Value| -> Value {
                answer[list]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| &x["iri"] == iri)
                    .unwrap_or_else(|| panic!("{iri} not in {list}"))
                    .clone()
            };
            let passage = find("passages", &node["iri"]);
            assert!(!passage["text"].as_str().unwrap().is_empty());
            let source = find("sources", &passage["source"]);
            assert!(!source["title"].as_str().unwrap().is_empty());
            assert!(source["identifiers"].is_array());
        }
    }
    for c in children {
        check_paths(answer, c);
    }
}

/// A why tree without what the JSON answer leaves to its catalogues (labels, texts, sources).
fn structure(node: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for (k, v) in node.as_object().unwrap() {
        match k.as_str() {
            "label" | "text" | "source" => {}
            "children" => {
                out.insert(
                    k.clone(),
                    Value::Array(v.as_array().unwrap().iter().map(structure).collect()),
                );
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

#[test]
fn seed_case_without_approved_evidence_is_indeterminate_and_says_what_pending_evidence_would_decide()
 {
    let server = server();
    let answer = evaluate(&server, "?asOf=2025-12-17");
    // Nobody has approved the shipped evidence (the reference check is a document, not a reviewer):
    // by default no criterion has counting support, so the determination is indeterminate — and the
    // answer says what the evidence pending review would decide.
    assert_eq!(answer["determination"], "indeterminate");
    assert_eq!(answer["ifPendingCounted"]["determination"], "necessary");
    assert!(
        answer["ifPendingCounted"]["pendingStatements"]
            .as_u64()
            .unwrap()
            > 0
    );
    let summary = answer["summary"].as_str().unwrap();
    assert!(
        summary.contains("pending review counted, it would be necessary"),
        "{summary}"
    );
    assert_eq!(
        answer["policy"]["iri"],
        format!("{W}policy-ivig-after-allo-hsct")
    );
    assert_eq!(answer["policy"]["reviewStatus"], "submitted");
    assert_eq!(answer["review"], "pending human review");
    assert_eq!(answer["includePending"], false);
    // The facts still decide the computed status of each criterion; the gate only hides it.
    for (id, computed) in [
        ("crit-allogeneic-hsct-performed", "met"),
        ("crit-ongoing-immunosuppression", "met"),
        ("crit-t-cell-depleting-agent-received", "met"),
    ] {
        let c = criterion(&answer, id);
        assert_eq!(c["status"], "unknown", "{id}");
        assert_eq!(c["computedStatus"], computed, "{id}");
        assert_eq!(c["supported"], false, "{id}");
    }

    // Serum IgG is missing, needed for monitoring and discontinuation (and initiation).
    let igg = answer["missing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["concept"] == format!("{C}serum-igg"))
        .expect("serum IgG is listed as missing");
    assert_eq!(igg["label"], "serum IgG");
    let needed_for: Vec<&str> = igg["for"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        needed_for.contains(&"monitoring") && needed_for.contains(&"discontinuation"),
        "{needed_for:?}"
    );
    let needed_by: Vec<&str> = igg["neededBy"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(needed_by.contains(&format!("{P}crit-igg-measured-within-month").as_str()));
    assert!(needed_by.contains(&format!("{P}crit-igg-at-least-400-twice").as_str()));

    // Safety caveats and monitoring are never withheld: reported with the review status of their
    // evidence ("pending review"), triggered by the facts.
    assert!(answer["withheld"].as_array().unwrap().is_empty());
    let monitoring = &answer["monitoring"][0];
    assert_eq!(monitoring["status"], "unknown");
    assert_eq!(monitoring["review"], "pending review");
    assert!(
        monitoring["note"]
            .as_str()
            .unwrap()
            .contains("documentation gap")
    );
    let caveat = |id: &str| -> Value {
        answer["caveats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["iri"] == format!("{P}{id}"))
            .unwrap_or_else(|| panic!("caveat {id} reported"))
            .clone()
    };
    let boxed = caveat("caveat-ivig-rare-adverse-events");
    assert_eq!(boxed["status"], "triggered");
    assert_eq!(boxed["review"], "pending review");
    let text = boxed["text"].as_str().unwrap();
    assert!(
        text.contains("thrombosis") && text.contains("renal dysfunction"),
        "{text}"
    );
    let vaccines = caveat("caveat-live-vaccine-deferral");
    assert!(vaccines["text"].as_str().unwrap().contains("24 months"));
    assert!(
        vaccines["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["statement"] == format!("{W}st-idsa-live-vaccines-after-hsct"))
    );
    // LVEF: 55 % or more is normal (the cited source), so the reported range 50-55 % straddles
    // "below 55 %" and the volume-overload caveat is possible, not certain.
    let lvef = caveat("caveat-lvef-volume-overload");
    assert_eq!(lvef["status"], "possible");
    assert_eq!(lvef["triggeredBy"][0], format!("{P}crit-lvef-below-55"));
    assert_eq!(
        criterion(&answer, "crit-lvef-below-55")["computedStatus"],
        "unknown"
    );
    assert_eq!(
        caveat("caveat-abatacept-immunosuppression")["status"],
        "triggered"
    );

    // Regimen: every 3 weeks requested, monthly in the cited text.
    let regimen = &answer["regimen"][0];
    assert_eq!(regimen["requestedDays"], 21.0);
    assert_eq!(regimen["recommended"], "P1M");
    assert_eq!(regimen["consistent"], false);
    assert_eq!(regimen["review"], "pending review");
    assert!(regimen["note"].as_str().unwrap().contains("monthly"));
    assert!(regimen["requested"].as_str().unwrap().contains("3 wk"));

    // Indirect evidence: the autologous cohorts (Brinkman 2007, de Kleer 2004) under an allogeneic policy.
    let indirect = iris(&answer["evidence"]["indirect"], "statement");
    assert!(indirect.contains(&format!("{W}st-brinkman-tcd-cd4-recovery-delayed")));
    assert!(indirect.contains(&format!("{W}st-de-kleer-ivig-until-cd4-normal")));
    let source = answer["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["iri"] == format!("{W}brinkman-2007"))
        .unwrap();
    assert_eq!(source["indirect"], true);
    // Opposing evidence is identified and listed, not hidden.
    let opposing = iris(&answer["evidence"]["opposing"], "statement");
    assert!(opposing.contains(&format!("{W}st-choosing-wisely-no-routine-ig-adults")));
    assert!(opposing.contains(&format!("{W}st-allo-hct-routine-ivig-no-advantage")));
    // ... per criterion, on every branch it bears on.
    let by_criterion = &answer["evidence"]["opposingByCriterion"];
    for (criterion, statement) in [
        (
            "crit-t-cell-depletion-with-ongoing-immunosuppression",
            "st-choosing-wisely-no-routine-ig-adults",
        ),
        (
            "crit-t-cell-depletion-with-ongoing-immunosuppression",
            "st-allo-hct-routine-ivig-no-advantage",
        ),
        (
            "crit-igg-below-400",
            "st-choosing-wisely-no-routine-ig-adults",
        ),
        (
            "crit-ivig-initiation",
            "st-choosing-wisely-no-routine-ig-adults",
        ),
    ] {
        assert!(
            by_criterion[format!("{P}{criterion}")]
                .as_array()
                .is_some_and(|list| list.contains(&Value::String(format!("{W}{statement}")))),
            "{criterion} opposed by {statement}: {by_criterion}"
        );
    }
    // A statement against IVIG that supports a criterion for stopping it agrees with that criterion:
    // it is not opposing evidence there.
    for criterion in [
        "crit-ivig-discontinuation",
        "crit-no-recurrent-severe-infections",
    ] {
        assert!(
            !by_criterion[format!("{P}{criterion}")]
                .as_array()
                .is_some_and(|list| list.contains(&Value::String(format!(
                    "{W}st-choosing-wisely-no-routine-ig-adults"
                )))),
            "{criterion}: {by_criterion}"
        );
    }
    assert!(answer["unrecognised"].as_array().unwrap().is_empty());
    check_paths(&answer, &answer["why"]);
    assert_eq!(answer["why"]["kind"], "determination");
    // The why tree writes a subtree used by several parents once and refers to it elsewhere; the
    // whole answer stays small.
    fn full_nodes(node: &Value, seen: &mut std::collections::BTreeSet<String>) {
        let kind = node["kind"].as_str().unwrap();
        if ["criterion", "statement", "passage"].contains(&kind) && node["shared"] != true {
            let key = format!("{kind} {}", node["iri"]);
            assert!(seen.insert(key.clone()), "{key} written out twice");
        }
        for c in node["children"].as_array().unwrap() {
            full_nodes(c, seen);
        }
    }
    let why = answer["why"].to_string();
    assert!(why.contains("\"shared\":true"));
    full_nodes(&answer["why"], &mut std::collections::BTreeSet::new());
    // the tree refers to the catalogues instead of repeating them: no quote, statement text or
    // criterion reason is written in it again
    for (list, field) in [
        ("passages", "text"),
        ("statements", "text"),
        ("criteria", "reason"),
    ] {
        for item in answer[list].as_array().unwrap() {
            let text = serde_json::to_string(&item[field]).unwrap();
            assert!(
                !why.contains(text.trim_matches('"')),
                "{list} {field} repeated in the why tree: {text}"
            );
        }
    }
}

#[test]
fn pending_statements_count_only_when_asked_and_the_answer_says_so() {
    let server = server();
    let answer = evaluate(&server, "?asOf=2025-12-17&includePending=true");
    assert_eq!(answer["determination"], "necessary");
    assert!(answer["ifPendingCounted"].is_null());
    assert_eq!(answer["includePending"], true);
    assert_eq!(answer["review"], "pending human review");
    assert!(
        answer["notes"][0]
            .as_str()
            .unwrap()
            .contains("pending human review")
    );
    // How the data makes it so: allogeneic HSCT in the history, ongoing immunosuppression (prednisone,
    // abatacept through the concept hierarchy) and alemtuzumab conditioning with ongoing
    // immunosuppression — the very-low-certainty "expected complications" branch, the weakest link.
    for (id, status) in [
        ("crit-ivig-initiation", "met"),
        ("crit-allogeneic-hsct-performed", "met"),
        ("crit-ongoing-immunosuppression", "met"),
        ("crit-allogeneic-hsct-within-12-months", "unknown"),
        ("crit-igg-below-400", "unknown"),
        (
            "crit-t-cell-depletion-with-ongoing-immunosuppression",
            "met",
        ),
        ("crit-ivig-discontinuation", "not-met"),
        ("crit-no-ongoing-immunosuppression", "not-met"),
    ] {
        assert_eq!(criterion(&answer, id)["status"], status, "{id}");
    }
    let prednisone = criterion(&answer, "crit-ongoing-immunosuppression")["facts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["derivation"].as_array().is_some_and(|d| d.len() == 3))
        .expect(
            "prednisone counts through prednisone -> corticosteroid -> immunosuppressive therapy",
        )
        .clone();
    assert_eq!(prednisone["derivation"][0], format!("{C}prednisone"));
    assert_eq!(
        answer["evidence"]["weakest"]["criterion"],
        format!("{P}crit-t-cell-depletion-with-ongoing-immunosuppression")
    );
    assert_eq!(
        answer["evidence"]["weakest"]["certainty"]["label"],
        "very low certainty"
    );
    let caveats = &answer["caveats"];
    assert!(iris(caveats, "iri").contains(&format!("{P}caveat-lvef-volume-overload")));
    assert!(iris(caveats, "iri").contains(&format!("{P}caveat-live-vaccine-deferral")));
    assert!(answer["withheld"].as_array().unwrap().is_empty());
}

#[test]
fn text_and_dot_renderings_cite_passages() {
    let server = server();
    let (status, text) = post(
        &server,
        "?asOf=2025-12-17&format=text",
        "application/fhir+json",
        seed(),
    );
    assert_eq!(status, 200);
    for heading in [
        "Recommendation",
        "Rationale",
        "Standard of Care",
        "Caveats and Monitoring",
        "Conclusion",
        "References",
    ] {
        assert!(text.contains(heading), "{heading} in\n{text}");
    }
    let body = &text[..text.find("\nReferences").unwrap()];
    for line in body.lines().filter(|l| l.trim_start().starts_with("- ")) {
        assert!(
            line.contains('['),
            "every sentence carries a citation: {line}"
        );
    }
    // The default text is a page a clinician reads: at most 800 words, no logic jargon; the full
    // detail (every criterion down to the facts, each reference quoted) is one parameter away.
    let words = text.split_whitespace().count();
    assert!(words <= 800, "{words} words in the default text:\n{text}");
    assert!(!text.contains("operand"), "{text}");
    let references = &text[text.find("\nReferences").unwrap()..];
    assert!(references.contains("PMID 22081487"), "{references}");
    // sources without a verified identifier are named once, after the list
    assert!(
        references.contains("\nNo verified identifier: [")
            && !references.contains("(no verified identifier)"),
        "{references}"
    );
    let (status, full) = post(
        &server,
        "?asOf=2025-12-17&format=text&detail=full",
        "application/fhir+json",
        seed(),
    );
    assert_eq!(status, 200);
    let full_words = full.split_whitespace().count();
    assert!(
        words * 3 < full_words,
        "{words} words in the summary, {full_words} in full"
    );
    assert!(!full.contains("operand"));
    let references = &full[full.find("\nReferences").unwrap()..];
    assert!(references.contains("[1] \""));
    assert!(
        references.contains("PMID 22081487") && references.contains("PMID 17599770"),
        "{references}"
    );
    let (status, _) = post(
        &server,
        "?asOf=2025-12-17&format=text&detail=everything",
        "application/fhir+json",
        seed(),
    );
    assert_eq!(status, 400);
    let (status, dot) = post(
        &server,
        "?asOf=2025-12-17&format=dot",
        "application/fhir+json",
        seed(),
    );
    assert_eq!(status, 200);
    assert!(dot.starts_with("digraph why {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("->"));
    // the edges say how a part serves its composite in plain words, not logic jargon
    assert!(!dot.contains("operand"), "{dot}");
    for role in ["needed", "one of", "must not hold"] {
        assert!(
            dot.contains(&format!("label=\"{role}\"")),
            "{role} in {dot}"
        );
    }
    // the same graph drawn by the server: an image a browser shows without Graphviz
    let svg = client()
        .post(server.url("/evaluate?asOf=2025-12-17&format=svg"))
        .header("Content-Type", "application/fhir+json")
        .body(seed())
        .send()
        .unwrap();
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    let svg = svg.text().unwrap();
    assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
    let answer = evaluate(&server, "?asOf=2025-12-17");
    let criterion = answer["criteria"][0]["label"].as_str().unwrap();
    let first_words: String = criterion
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        svg.contains(&first_words),
        "the picture shows the criterion {criterion:?}"
    );
    assert!(
        svg.matches("<text").count() > 20,
        "criteria, facts, statements and passages are drawn"
    );
}

#[test]
fn keep_writes_only_when_asked_and_why_reads_it_back() {
    let server = server();
    let quads = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
    let before = count(
        &client()
            .get(server.url("/sparql"))
            .query(&[("query", quads)])
            .send()
            .unwrap()
            .json()
            .unwrap(),
    );
    let answer = evaluate(&server, "?asOf=2025-12-17");
    let after = count(
        &client()
            .get(server.url("/sparql"))
            .query(&[("query", quads)])
            .send()
            .unwrap()
            .json()
            .unwrap(),
    );
    assert_eq!(before, after, "evaluating writes nothing");
    let id = answer["id"].as_str().unwrap().to_owned();
    let missing = client()
        .get(server.url("/why"))
        .query(&[("iri", id.as_str())])
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);

    let refused = client()
        .post(server.url("/evaluate?asOf=2025-12-17&keep=true"))
        .header("Content-Type", "application/fhir+json")
        .body(seed())
        .send()
        .unwrap();
    assert_eq!(
        refused.status(),
        401,
        "keeping is a write: it needs the token"
    );
    let kept: Value = client()
        .post(server.url("/evaluate?asOf=2025-12-17&keep=true"))
        .header("Content-Type", "application/fhir+json")
        .header("Authorization", format!("Bearer {TOKEN}"))
        .body(seed())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        kept["id"], id,
        "the same case, policy and date name the same determination"
    );
    let why: Value = client()
        .get(server.url("/why"))
        .query(&[("iri", id.as_str())])
        .send()
        .unwrap()
        .json()
        .unwrap();
    // the same tree, carrying what the answer's tree leaves to its catalogues
    assert_eq!(structure(&why), structure(&answer["why"]));
    fn passages_quoted(node: &Value) -> usize {
        let own = usize::from(
            node["kind"] == "passage"
                && node["shared"] != true
                && node["text"].as_str().is_some_and(|t| !t.is_empty())
                && node["source"]["title"].is_string(),
        );
        own + node["children"]
            .as_array()
            .map_or(0, |c| c.iter().map(passages_quoted).sum())
    }
    assert!(passages_quoted(&why) > 5, "{why}");
    let outcome = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ <{id}> <https://w3id.org/warrant/ns#outcome> <https://w3id.org/warrant/ns#Indeterminate> ; <https://w3id.org/warrant/ns#missingConcept> <{C}serum-igg> }}"
    );
    assert_eq!(
        count(
            &client()
                .get(server.url("/sparql"))
                .query(&[("query", outcome.as_str())])
                .send()
                .unwrap()
                .json()
                .unwrap()
        ),
        1
    );
    let text = client()
        .get(server.url("/why"))
        .query(&[("iri", id.as_str()), ("format", "text")])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(text.contains("References"));
    let svg = client()
        .get(server.url("/why"))
        .query(&[("iri", id.as_str()), ("format", "svg")])
        .send()
        .unwrap();
    assert_eq!(svg.status(), 200);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().unwrap().contains("<svg"));
}

#[test]
fn invalid_cases_get_400_with_the_json_path() {
    let server = server();
    let bad = br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Observation","valueQuantity":{"value":"high"}}}]}"#;
    let (status, body) = post(&server, "", "application/fhir+json", bad.to_vec());
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"], "bad-case");
    assert_eq!(error["path"], "entry[1].resource.valueQuantity.value");
    assert_eq!(error["message"], "expected a number, found a string");

    let (status, body) = post(&server, "", "application/fhir+json", br#"{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Procedure","performedDateTime":"last May"}}]}"#.to_vec());
    assert_eq!(status, 400);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["path"],
        "entry[0].resource.performedDateTime"
    );

    let (status, body) = post(
        &server,
        "",
        "application/json",
        b"{\"resourceType\": ".to_vec(),
    );
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(1), Some(17))
    );

    let (status, body) = post(&server, "", "text/turtle", b"<a> <b> .".to_vec());
    assert_eq!(status, 400, "{body}");
    assert!(serde_json::from_str::<Value>(&body).unwrap()["line"].is_u64());

    let (status, _) = post(&server, "", "application/xml", b"<Bundle/>".to_vec());
    assert_eq!(status, 415);
    assert_eq!(
        error_code(&server, "?asOf=17.12.2025", seed()),
        (400, "bad-parameter".to_owned())
    );
    assert_eq!(
        error_code(&server, "?as_of=2025-12-17", seed()),
        (400, "unknown-parameter".to_owned())
    );
    assert_eq!(
        error_code(
            &server,
            "?policy=https://w3id.org/warrant/id/no-such-policy",
            seed()
        ),
        (404, "policy-not-found".to_owned())
    );
    assert_eq!(
        error_code(
            &server,
            "",
            br#"{"resourceType":"Patient","id":"x"}"#.to_vec()
        ),
        (422, "no-request".to_owned())
    );
}

#[test]
fn the_determination_follows_the_policy_data() {
    // Nothing in src/ knows the worked example: change the policy in the graph and the answer changes.
    let server = server();
    let update = format!(
        "PREFIX wr: <https://w3id.org/warrant/ns#>
         DELETE {{ GRAPH ?g {{ <{P}crit-allogeneic-hsct-performed> wr:concept ?c }} }}
         INSERT {{ GRAPH ?g {{ <{P}crit-allogeneic-hsct-performed> wr:concept <{C}autologous-hsct> }} }}
         WHERE {{ GRAPH ?g {{ <{P}crit-allogeneic-hsct-performed> wr:concept ?c }} }}"
    );
    let response = client()
        .post(server.url("/update"))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("Content-Type", "application/sparql-update")
        .body(update)
        .send()
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().unwrap()
    );
    // With the pending evidence counted the seed case is necessary (see above); the changed policy
    // makes the same evidence undecided.
    let answer = evaluate(&server, "?asOf=2025-12-17&includePending=true");
    assert_eq!(
        criterion(&answer, "crit-allogeneic-hsct-performed")["status"],
        "unknown"
    );
    assert_eq!(answer["determination"], "indeterminate");
    assert!(iris(&answer["missing"], "concept").contains(&format!("{C}autologous-hsct")));
}

#[test]
fn cli_evaluates_a_case_file() {
    let root = repo_root();
    let (ok, stdout, stderr) = crate::support::cli(
        &root,
        &[
            "evaluate",
            SEED,
            "--as-of",
            "2025-12-17",
            "--format",
            "text",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("is indeterminate under the policy"),
        "{stdout}"
    );
    assert!(stdout.contains("it would be necessary"), "{stdout}");
    let (ok, stdout, stderr) = crate::support::cli(
        &root,
        &[
            "evaluate",
            "tests/cases/turtle-case.ttl",
            "--as-of",
            "2025-12-17",
            "--include-pending",
        ],
    );
    assert!(ok, "{stderr}");
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap()["determination"],
        "necessary"
    );
    let (ok, _, stderr) = crate::support::cli(&root, &["evaluate", SEED, "--as-of", "yesterday"]);
    assert!(!ok && stderr.contains("--as-of"));
    let (ok, stdout, stderr) = crate::support::cli(
        &root,
        &["evaluate", SEED, "--as-of", "2025-12-17", "--format", "svg"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("<svg") && stdout.trim_end().ends_with("</svg>"));
    let (ok, _, stderr) = crate::support::cli(&root, &["evaluate", SEED, "--format", "png"]);
    assert!(!ok && stderr.contains("json, text, dot or svg"), "{stderr}");
}

#[test]
fn source_knows_no_concept_code_or_case_of_the_worked_example() {
    // Every concept slug, listed code and curated id of the shipped evidence must come from the graph:
    // none may appear in the code under src/ (comments aside).
    let read = |f: &str| std::fs::read_to_string(repo_root().join(f)).unwrap();
    let (concepts, policies) = (read("evidence/concepts.ttl"), read("evidence/policies.ttl"));
    let mut terms = std::collections::BTreeSet::new();
    for (text, prefix) in [
        (&concepts, "concept:"),
        (&policies, "concept:"),
        (&policies, "id:"),
        (&policies, "pol:"),
    ] {
        for (i, _) in text.match_indices(prefix) {
            let term: String = text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if term.len() > 3 {
                terms.insert(term);
            }
        }
    }
    let evidence = concepts;
    for (i, _) in evidence.match_indices("wr:code \"") {
        let code: String = evidence[i + 9..]
            .chars()
            .take_while(|c| *c != '"')
            .collect();
        terms.insert(code);
    }
    assert!(
        terms.contains("serum-igg")
            && terms.contains("M08.2")
            && terms.contains("crit-igg-below-400")
    );
    let mut files = Vec::new();
    let mut stack = vec![repo_root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for term in &terms {
                let hit = line.match_indices(term.as_str()).any(|(i, _)| {
                    let before = line[..i].chars().last();
                    let after = line[i + term.len()..].chars().next();
                    let boundary = |c: Option<char>| {
                        c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    };
                    boundary(before) && boundary(after)
                });
                assert!(!hit, "{}:{}: mentions {term:?}", file.display(), n + 1);
            }
        }
    }
}

#[test]
fn evaluation_reads_the_hierarchy_the_reasoner_derived() {
    // One inference path: the concept hierarchy evaluation matches facts along is the `skos` rule
    // set's skos:broaderTransitive, not a closure of its own. Before the reasoner ran, the seed's
    // prednisone denotes only itself, so "ongoing immunosuppressive therapy" is not met by it; once
    // the default rule sets are materialised it is, and the answer is the server's.
    use warrant::case::{self, CaseFormat, Day};
    use warrant::evaluate::{Options, Status};
    use warrant::load::{DataRoot, collect_files};
    use warrant::reason::{Reasoner, RuleConfig};
    use warrant::store::{DatasetMode, WarrantStore, sync_files};
    let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
    sync_files(&store, &collect_files(&DataRoot::Dir(repo_root())).unwrap()).unwrap();
    let options = Options {
        as_of: Day::parse_iso("2025-12-17").unwrap(),
        policy: None,
        include_pending: true,
    };
    let immunosuppressed = |store: &WarrantStore| {
        let report = warrant::evaluate::evaluate(
            store,
            case::read(&seed(), CaseFormat::Json).unwrap(),
            &options,
        )
        .unwrap()
        .remove(0);
        let status = report
            .criteria
            .iter()
            .find(|c| c.iri == format!("{P}crit-ongoing-immunosuppression"))
            .unwrap()
            .status;
        (status, report.determination)
    };
    let (before, _) = immunosuppressed(&store);
    assert_ne!(before, Status::Met, "no hierarchy before the reasoner ran");
    let mut reasoner = Reasoner::new(RuleConfig::new(repo_root().join("queries/rules"))).unwrap();
    let stats = store.write_directly(|ox| reasoner.materialize(ox)).unwrap();
    assert!(stats.inferred > 0, "the reasoner inferred something");
    let (after, determination) = immunosuppressed(&store);
    assert_eq!(
        after,
        Status::Met,
        "prednisone skos:broaderTransitive immunosuppressive therapy"
    );
    let answer = evaluate(&server(), "?asOf=2025-12-17&includePending=true");
    assert_eq!(
        answer["determination"],
        serde_json::to_value(determination).unwrap()
    );
}

/// A fact matched through the concept hierarchy cites the reasoner's recorded derivation of the
/// step (prednisone is a kind of immunosuppressive therapy: `skos:broaderTransitive`, derived by the
/// `skos` rules), the why tree shows that record, and `/why` gives its proof down to asserted triples.
#[test]
fn hierarchy_matches_cite_the_reasoners_recorded_derivations() {
    let server = server();
    let answer = evaluate(&server, "?asOf=2025-12-17");
    let uses = criterion(&answer, "crit-ongoing-immunosuppression")["facts"]
        .as_array()
        .unwrap()
        .clone();
    let prednisone = uses
        .iter()
        .find(|u| u["derivation"][0] == format!("{C}prednisone"))
        .expect("prednisone matched through the hierarchy");
    let recorded = &prednisone["recorded"][0];
    let derivation = recorded["derivation"]
        .as_str()
        .expect("a recorded derivation");
    assert!(derivation.starts_with("https://w3id.org/warrant/id/derivation/"));
    assert!(
        recorded["rule"]
            .as_str()
            .unwrap()
            .starts_with("https://w3id.org/warrant/rule/skos/"),
        "{recorded}"
    );
    // the reasoner's own account of the same triple names the same record
    let proof: Value = client()
        .get(server.url("/why"))
        .query(&[
            ("s", format!("<{C}prednisone>")),
            (
                "p",
                "<http://www.w3.org/2004/02/skos/core#broaderTransitive>".to_owned(),
            ),
            ("o", format!("<{C}immunosuppressive-therapy>")),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(
        proof["derivations"]
            .as_array()
            .is_some_and(|ds| ds.iter().any(|d| d["derivation"] == derivation)),
        "{proof}"
    );
    // and the why tree's step is that record
    fn has_rule(node: &Value, iri: &str) -> bool {
        (node["kind"] == "rule" && node["iri"] == iri)
            || node["children"]
                .as_array()
                .is_some_and(|c| c.iter().any(|n| has_rule(n, iri)))
    }
    assert!(has_rule(&answer["why"], derivation));
    // a fact denoting the criterion's concept itself cites nothing
    assert!(
        criterion(&answer, "crit-allogeneic-hsct-performed")["facts"][0]
            .get("recorded")
            .is_none()
    );
}
