//! Variant cases as data: each `tests/cases/NAME.fhir.json` (or `.ttl`, `.jsonld`) is posted to a real server as
//! of the date in its sibling `NAME.expected.json`, and the answer is checked against that file:
//! `determination`, `criteria` (IRI -> status), `missing` (exact set of concepts) or
//! `missingExcludes`, `unrecognised` (exact set of [system, code]), `facts` (how codings resolved),
//! `factDetails` (value comparisons a criterion records), `regimenConsistent`. One test per file.
//!
//! No person has approved the shipped evidence, so by default every answer is gated (its statements
//! are pending review). A file with `"includePending": true` is checked against the answer with the
//! pending statements counted — the determination the evidence would give — and, when it names a
//! `defaultDetermination`, the default answer is checked too: that determination, and its
//! `ifPendingCounted.determination` equal to the file's `determination`.

use crate::support::{TestServer, client, repo_root};
use serde_json::Value;
use std::collections::BTreeSet;

fn run(name: &str) {
    let dir = repo_root().join("tests/cases");
    let (file, content_type) = [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("fhir.json", "application/fhir+json"),
    ]
    .into_iter()
    .map(|(ext, media)| (dir.join(format!("{name}.{ext}")), media))
    .find(|(path, _)| path.exists())
    .unwrap_or_else(|| panic!("no case file tests/cases/{name}.*"));
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("{name}.expected.json"))).unwrap(),
    )
    .unwrap();
    let server = TestServer::start(&["--memory"]);
    let post = |include_pending: bool| -> Value {
        let response = client()
            .post(server.url("/evaluate"))
            .query(&[
                ("asOf", expected["asOf"].as_str().unwrap()),
                (
                    "includePending",
                    if include_pending { "true" } else { "false" },
                ),
            ])
            .header("Content-Type", content_type)
            .body(std::fs::read(&file).unwrap())
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().unwrap()
    };
    let include_pending = expected["includePending"] == true;
    let answer = post(include_pending);
    if let Some(default) = expected.get("defaultDetermination") {
        let gated = post(false);
        assert_eq!(&gated["determination"], default, "{}", gated["summary"]);
        if gated["determination"] != expected["determination"] {
            assert_eq!(
                gated["ifPendingCounted"]["determination"], expected["determination"],
                "the default answer says what the pending evidence would decide"
            );
        }
    }
    assert_eq!(
        answer["determination"], expected["determination"],
        "{}",
        answer["reasons"]
    );
    let status_of = |iri: &str| -> Value {
        answer["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["iri"] == iri)
            .map(|c| c["status"].clone())
            .unwrap_or_else(|| panic!("criterion {iri} reported"))
    };
    if let Some(criteria) = expected["criteria"].as_object() {
        for (iri, status) in criteria {
            assert_eq!(&status_of(iri), status, "{iri}");
        }
    }
    let missing: BTreeSet<String> = answer["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["concept"].as_str().unwrap().to_owned())
        .collect();
    if let Some(list) = expected["missing"].as_array() {
        let want: BTreeSet<String> = list
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(missing, want, "missing facts");
        for m in answer["missing"].as_array().unwrap() {
            assert!(!m["neededBy"].as_array().unwrap().is_empty());
            assert!(!m["label"].as_str().unwrap().is_empty());
        }
    }
    for concept in expected["missingExcludes"].as_array().into_iter().flatten() {
        assert!(
            !missing.contains(concept.as_str().unwrap()),
            "{concept} is not missing"
        );
    }
    if let Some(list) = expected["unrecognised"].as_array() {
        let got: BTreeSet<(Option<String>, Option<String>)> = answer["unrecognised"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["system"].as_str().map(str::to_owned),
                    u["code"].as_str().map(str::to_owned),
                )
            })
            .collect();
        let want: BTreeSet<(Option<String>, Option<String>)> = list
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().map(str::to_owned),
                    pair[1].as_str().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(got, want, "unrecognised codes");
        for u in answer["unrecognised"].as_array().unwrap() {
            assert!(!u["reason"].as_str().unwrap().is_empty() && u["path"].is_string());
        }
    }
    if let Some(facts) = expected["facts"].as_object() {
        for (id, want) in facts {
            let fact = answer["facts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["resourceId"] == id.as_str())
                .unwrap_or_else(|| panic!("fact {id}"));
            let resolution = &fact["codings"][0]["resolution"];
            assert_eq!(resolution["byPrefix"], want["byPrefix"], "{id}");
            assert_eq!(resolution["listed"], want["listed"], "{id}");
            let concepts: BTreeSet<&str> = fact["concepts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap())
                .collect();
            for c in want["concepts"].as_array().unwrap() {
                assert!(concepts.contains(c.as_str().unwrap()), "{id} denotes {c}");
            }
        }
    }
    if let Some(details) = expected["factDetails"].as_object() {
        for (iri, values) in details {
            let criterion = answer["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["iri"] == iri.as_str())
                .unwrap();
            let text = criterion["facts"].to_string();
            for v in values.as_array().unwrap() {
                assert!(
                    text.contains(v.as_str().unwrap()),
                    "{iri} records {v}: {text}"
                );
            }
        }
    }
    if let Some(consistent) = expected.get("regimenConsistent") {
        assert_eq!(&answer["regimen"][0]["consistent"], consistent);
        assert_eq!(answer["regimen"][0]["note"].is_null(), consistent == true);
    }
}

macro_rules! case_files {
    ($($test:ident => $name:literal,)*) => {
        $( #[test] fn $test() { run($name); } )*

        #[test]
        fn every_case_file_has_a_test() {
            let listed: BTreeSet<&str> = [$($name),*].into_iter().collect();
            for entry in std::fs::read_dir(repo_root().join("tests/cases")).unwrap() {
                let name = entry.unwrap().file_name().into_string().unwrap();
                if let Some(stem) = name.strip_suffix(".expected.json") {
                    assert!(listed.contains(stem), "tests/cases/{name} has no test");
                }
            }
        }
    };
}

case_files! {
    discontinuation_met => "discontinuation-met",
    on_therapy_igg => "on-therapy-igg",
    igg_in_g_per_l => "igg-in-g-per-l",
    missing_facts => "missing-facts",
    narrower_icd10 => "narrower-icd10",
    unknown_code => "unknown-code",
    turtle_case => "turtle-case",
    jsonld_case => "jsonld-case",
    tacrolimus => "tacrolimus",
    gvhd => "gvhd",
    tacrolimus_rxnorm_only => "tacrolimus-rxnorm-only",
    unlisted_rxnorm_medication => "unlisted-rxnorm-medication",
    scig_on_therapy_igg => "scig-on-therapy-igg",
    igg_rxnorm_on_therapy => "igg-rxnorm-on-therapy",
    methylprednisolone_rxnorm => "methylprednisolone-rxnorm",
    infection_episodes => "infection-episodes",
    infection_episode_single => "infection-episode-single",
    on_therapy_low_igg => "on-therapy-low-igg",
    ivig_ended_within_effect_window => "ivig-ended-within-effect-window",
}
