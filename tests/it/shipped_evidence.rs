//! The shipped evidence holds to the evidence standard (issue 14, point 1): every statement a policy
//! links as support or opposition rests on at least one passage quoted from a source of its own —
//! a study, guideline, label, position statement or review, never only the seed answer, the
//! reference check or an unidentified source, which stay as provenance.

use crate::support::{TestServer, client};
use serde_json::Value;

fn select(s: &TestServer, query: &str) -> Vec<String> {
    let r = client()
        .post(s.url("/sparql"))
        .header("content-type", "application/sparql-query")
        .header("accept", "application/sparql-results+json")
        .body(format!(
            "PREFIX wr: <https://w3id.org/warrant/ns#>\n{query}"
        ))
        .send()
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().unwrap());
    let body: Value = r.json().unwrap();
    body["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["st"]["value"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_statement_a_policy_links_rests_on_a_passage_beyond_the_seed_and_the_reference_check() {
    let s = TestServer::start(&["--memory"]);
    let linked = select(
        &s,
        "SELECT DISTINCT ?st WHERE { ?x wr:supportedBy|wr:opposedBy ?st }",
    );
    assert!(
        linked.len() >= 20,
        "the policy links its evidence: {linked:?}"
    );
    // a passage counts when its source is none of the documents that only relay or appraise others
    let ungrounded = select(
        &s,
        "SELECT DISTINCT ?st WHERE {
           ?x wr:supportedBy|wr:opposedBy ?st .
           FILTER NOT EXISTS {
             ?st wr:restsOn ?p . ?p a wr:Passage ; wr:inSource ?src .
             FILTER NOT EXISTS {
               VALUES ?relay { wr:ExpertAnswer wr:EvidenceAppraisal wr:UnidentifiedSource }
               ?src a ?relay
             }
           }
         }",
    );
    assert!(
        ungrounded.is_empty(),
        "statements resting only on the seed answer, the reference check or unidentified sources: {ungrounded:?}"
    );
}
