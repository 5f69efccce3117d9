//! The rule reasoner on small graphs: shipped rule sets load; derivations and proof trees reach
//! asserted triples and keep every derivation; incremental add/delete equals recomputation; bad
//! rule files are refused with file, line and reason (one test per file under
//! `tests/rules/invalid/`); a round bound stops with an error and leaves the inferred graph alone.

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, Quad, Term, Triple};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use warrant::reason::vocab::{DERIVATIONS_GRAPH, INFERRED_GRAPH};
use warrant::reason::{ReasonError, Reasoner, RuleConfig, parse_rule, why};

const RULES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/queries/rules");
const GRAPH: &str = "https://w3id.org/warrant/graph/file/tests/small.ttl";
const PREFIXES: &str = "@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix wr: <https://w3id.org/warrant/ns#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
";

fn ex(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("http://example.org/{local}"))
}

fn rdf_type() -> NamedNode {
    oxigraph::model::vocab::rdf::TYPE.into_owned()
}

fn parse(turtle: &str) -> Vec<Triple> {
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(format!("{PREFIXES}{turtle}").as_bytes())
        .map(|q| Triple::from(q.unwrap()))
        .collect()
}

fn store_with(turtle: &str) -> Store {
    let store = Store::new().unwrap();
    for t in parse(turtle) {
        store
            .insert(&Quad::new(
                t.subject,
                t.predicate,
                t.object,
                NamedNode::new_unchecked(GRAPH),
            ))
            .unwrap();
    }
    store
}

fn reasoner(sets: &[&str]) -> Reasoner {
    Reasoner::new(RuleConfig::new(RULES).with_sets(sets)).unwrap()
}

fn graph(store: &Store, g: GraphNameRef<'_>) -> BTreeSet<String> {
    store
        .quads_for_pattern(None, None, None, Some(g))
        .map(|q| q.unwrap().to_string())
        .collect()
}

fn holds(store: &Store, t: &Triple) -> bool {
    store
        .quads_for_pattern(
            Some(t.subject.as_ref()),
            Some(t.predicate.as_ref()),
            Some(t.object.as_ref()),
            None,
        )
        .any(|q| q.unwrap().graph_name.as_ref() != DERIVATIONS_GRAPH.into())
}

#[test]
fn shipped_rule_sets_load() {
    let r = reasoner(&["rdfs", "owl2rl", "skos"]);
    let files: usize = ["rdfs", "owl2rl", "skos"]
        .iter()
        .map(|set| {
            std::fs::read_dir(std::path::Path::new(RULES).join(set))
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .path()
                        .extension()
                        .is_some_and(|x| x == "rq")
                })
                .count()
        })
        .sum();
    assert!(files >= 39, "{files} rule files");
    assert_eq!(r.rules().len(), files, "every rule file is one rule");
    for rule in r.rules() {
        assert!(
            !rule.concludes.is_empty() && !rule.limitations.is_empty(),
            "{}",
            rule.id
        );
        assert_eq!(
            rule.iri.as_str(),
            format!("https://w3id.org/warrant/rule/{}/{}", rule.ruleset, rule.id)
        );
    }
}

#[test]
fn derived_triple_has_proof_down_to_asserted_triples() {
    let store = store_with("ex:a ex:p ex:b . ex:p rdfs:domain ex:C . ex:C rdfs:subClassOf ex:D .");
    reasoner(&["rdfs"]).materialize(&store).unwrap();
    let goal = Triple::new(ex("a"), rdf_type(), ex("D"));
    assert!(
        graph(&store, INFERRED_GRAPH.into())
            .contains(&format!("{goal} <{}>", INFERRED_GRAPH.as_str()))
    );
    let proof = why(&store, goal.as_ref()).unwrap();
    assert!(
        !proof.is_asserted() && proof.is_grounded(),
        "{}",
        proof.to_text()
    );
    assert_eq!(proof.derivations.len(), 1);
    let step = &proof.derivations[0];
    assert_eq!(step.rule, "https://w3id.org/warrant/rule/rdfs/06-subclass");
    assert_eq!(step.premises.len(), 2);
    let via = step
        .premises
        .iter()
        .find(|p| !p.is_asserted())
        .expect("a derived premise");
    assert_eq!(
        via.triple_text(),
        "<http://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/C>"
    );
    assert_eq!(
        via.derivations[0].rule,
        "https://w3id.org/warrant/rule/rdfs/03-domain"
    );
    assert!(
        via.derivations[0]
            .premises
            .iter()
            .all(|p| p.is_asserted() && p.asserted_in == [format!("<{GRAPH}>")])
    );
    let text = proof.to_text();
    assert!(
        text.contains("by rule <https://w3id.org/warrant/rule/rdfs/03-domain>"),
        "{text}"
    );
    let dot = proof.to_dot();
    assert!(
        dot.starts_with("digraph proof {") && dot.contains("rdfs/06-subclass"),
        "{dot}"
    );
    let json = serde_json::to_value(&proof).unwrap();
    assert_eq!(
        json["derivations"][0]["rule"],
        "https://w3id.org/warrant/rule/rdfs/06-subclass"
    );
}

#[test]
fn every_derivation_is_kept_and_sparql_can_ask_why() {
    let store =
        store_with("ex:a ex:p ex:b ; ex:q ex:c . ex:p rdfs:domain ex:C . ex:q rdfs:domain ex:C .");
    reasoner(&["rdfs"]).materialize(&store).unwrap();
    let proof = why(&store, Triple::new(ex("a"), rdf_type(), ex("C")).as_ref()).unwrap();
    assert_eq!(proof.derivations.len(), 2, "{}", proof.to_text());
    let q = "PREFIX wr: <https://w3id.org/warrant/ns#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?rule ?s ?p ?o WHERE { GRAPH <https://w3id.org/warrant/graph/derivations> {
          ?d wr:derives [ rdf:subject <http://example.org/a> ; rdf:predicate rdf:type ; rdf:object <http://example.org/C> ] ;
             wr:rule ?rule ; wr:premise [ rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ] } }";
    let QueryResults::Solutions(rows) = SparqlEvaluator::new()
        .parse_query(q)
        .unwrap()
        .on_store(&store)
        .execute()
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(rows.count(), 4, "two derivations with two premises each");
    // The compact record shape: per derivation wr:rule + wr:derives + one wr:premise per premise
    // (2 x 4), three quads per statement node (conclusion + 4 premises: 5 x 3), no rdf:type quads.
    let records: Vec<Quad> = store
        .quads_for_pattern(None, None, None, Some(DERIVATIONS_GRAPH.into()))
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        records.iter().all(|q| q.predicate != rdf_type()),
        "no type quads"
    );
    assert_eq!(records.len(), 2 * 4 + 5 * 3, "{records:#?}");
}

#[test]
fn asserted_triples_stay_out_of_the_inferred_graph() {
    let store = store_with("ex:a a ex:C . ex:C rdfs:subClassOf ex:D . ex:a a ex:D .");
    let stats = reasoner(&["rdfs"]).materialize(&store).unwrap();
    // Only the reflexive ex:C rdfs:subClassOf ex:C and ex:D rdfs:subClassOf ex:D are new.
    assert_eq!(stats.inferred, 2);
    let inferred = graph(&store, INFERRED_GRAPH.into());
    assert!(
        inferred.iter().all(|q| q.contains("subClassOf")),
        "{inferred:?}"
    );
    assert!(
        why(&store, Triple::new(ex("a"), rdf_type(), ex("D")).as_ref())
            .unwrap()
            .is_asserted()
    );
}

#[test]
fn skos_rules() {
    let store = store_with(
        "ex:e11 skos:broader ex:diabetes . ex:diabetes skos:broader ex:endocrine . ex:icd-E11 skos:exactMatch ex:e11 .",
    );
    reasoner(&["skos"]).materialize(&store).unwrap();
    let skos = |local: &str| {
        NamedNode::new_unchecked(format!("http://www.w3.org/2004/02/skos/core#{local}"))
    };
    assert!(holds(
        &store,
        &Triple::new(ex("e11"), skos("broaderTransitive"), ex("endocrine"))
    ));
    assert!(holds(
        &store,
        &Triple::new(ex("endocrine"), skos("narrowerTransitive"), ex("e11"))
    ));
    assert!(holds(
        &store,
        &Triple::new(ex("e11"), skos("exactMatch"), ex("icd-E11"))
    ));
}

const INCREMENTAL_BASE: &str = "
    ex:Student owl:intersectionOf ( ex:Person [ owl:onProperty ex:takes ; owl:someValuesFrom ex:Course ] ) .
    ex:Grad rdfs:subClassOf ex:Person . ex:GradCourse rdfs:subClassOf ex:Course .
    ex:takes rdfs:range ex:Course . ex:partOf a owl:TransitiveProperty . ex:knows a owl:SymmetricProperty .
    ex:hasMember owl:inverseOf ex:memberOf . ex:headOf rdfs:subPropertyOf ex:memberOf .
    ex:s1 a ex:Grad ; ex:takes ex:c1 . ex:c1 a ex:GradCourse . ex:s2 a ex:Person ; ex:takes ex:c2 .
    ex:d1 ex:partOf ex:u1 . ex:g1 ex:partOf ex:d1 . ex:g2 ex:partOf ex:g1 . ex:u1 ex:partOf ex:g2 .
    ex:s1 ex:knows ex:s2 . ex:s1 ex:headOf ex:d1 . ex:s2 ex:memberOf ex:d1 .
";

fn snapshot(store: &Store) -> (BTreeSet<String>, BTreeSet<String>) {
    (
        graph(store, INFERRED_GRAPH.into()),
        graph(store, DERIVATIONS_GRAPH.into()),
    )
}

fn asserted_store(triples: &HashSet<Triple>) -> Store {
    let store = Store::new().unwrap();
    for t in triples {
        store
            .insert(&Quad::new(
                t.subject.clone(),
                t.predicate.clone(),
                t.object.clone(),
                NamedNode::new_unchecked(GRAPH),
            ))
            .unwrap();
    }
    store
}

#[test]
fn incremental_add_and_delete_equal_recomputation() {
    incremental_equals_recomputation(false);
}

/// The same with the derivation records written by a background record writer (as served): once
/// its barrier is reached, the records equal those of a recomputation after every step.
#[test]
fn incremental_with_deferred_records_equals_recomputation() {
    incremental_equals_recomputation(true);
}

fn incremental_equals_recomputation(deferred: bool) {
    let sets = ["rdfs", "owl2rl", "skos"];
    let mut asserted: HashSet<Triple> = parse(INCREMENTAL_BASE).into_iter().collect();
    let store = asserted_store(&asserted);
    let records = warrant::store::RecordWriter::new(store.clone());
    let mut incremental = reasoner(&sets);
    if deferred {
        incremental = incremental.with_record_writer(records.clone());
    }
    incremental.materialize(&store).unwrap();
    let steps: [(&str, &str); 9] = [
        ("ex:s3 a ex:Grad ; ex:takes ex:c1 .", ""),
        ("", "ex:c1 a ex:GradCourse ."),
        ("", "ex:u1 ex:partOf ex:g2 ."),
        (
            "ex:c1 a ex:GradCourse . ex:s1 a ex:Person .",
            "ex:s1 a ex:Grad .",
        ),
        (
            "ex:s2 a ex:Course .",
            "ex:takes rdfs:range ex:Course . ex:s1 ex:knows ex:s2 .",
        ),
        (
            "ex:s2 ex:knows ex:s1 . ex:u1 ex:partOf ex:g2 .",
            "ex:hasMember owl:inverseOf ex:memberOf .",
        ),
        (
            "ex:x skos:broader ex:y . ex:y skos:broader ex:x .",
            "ex:s2 a ex:Course . ex:s1 ex:headOf ex:d1 .",
        ),
        // Asserting a derived triple moves it out of the inferred graph; retracting it moves it back.
        ("ex:s1 ex:headOf ex:d1 . ex:s1 ex:memberOf ex:d1 .", ""),
        ("", "ex:s1 ex:memberOf ex:d1 . ex:x skos:broader ex:y ."),
    ];
    for (i, (add, remove)) in steps.iter().enumerate() {
        let added: Vec<Triple> = if add.is_empty() { vec![] } else { parse(add) };
        let removed: Vec<Triple> = if remove.is_empty() {
            vec![]
        } else {
            parse(remove)
        };
        for t in &removed {
            assert!(asserted.remove(t), "step {i}: {t} was asserted");
            store
                .remove(&Quad::new(
                    t.subject.clone(),
                    t.predicate.clone(),
                    t.object.clone(),
                    NamedNode::new_unchecked(GRAPH),
                ))
                .unwrap();
        }
        for t in &added {
            asserted.insert(t.clone());
            store
                .insert(&Quad::new(
                    t.subject.clone(),
                    t.predicate.clone(),
                    t.object.clone(),
                    NamedNode::new_unchecked(GRAPH),
                ))
                .unwrap();
        }
        incremental.apply(&store, &added, &removed).unwrap();
        records.wait().unwrap();
        let fresh = asserted_store(&asserted);
        reasoner(&sets).materialize(&fresh).unwrap();
        let (got, want) = (snapshot(&store), snapshot(&fresh));
        assert_eq!(
            got.0, want.0,
            "step {i}: inferred graph differs from recomputation"
        );
        assert_eq!(
            got.1, want.1,
            "step {i}: derivations graph differs from recomputation"
        );
    }
}

#[test]
fn round_limit_stops_and_keeps_previous_inferred_graph() {
    let chain: String = (0..40)
        .map(|i| format!("ex:n{i} ex:next ex:n{} .\n", i + 1))
        .collect();
    let store = store_with(&format!("ex:next a owl:TransitiveProperty .\n{chain}"));
    reasoner(&["owl2rl"]).materialize(&store).unwrap();
    let before = snapshot(&store);
    assert_eq!(
        before.0.len(),
        41 * 40 / 2 - 40,
        "transitive closure of a 40-link chain"
    );
    store
        .insert(&Quad::new(
            ex("n40"),
            ex("next"),
            ex("n41"),
            NamedNode::new_unchecked(GRAPH),
        ))
        .unwrap();
    let mut config = RuleConfig::new(RULES).with_sets(["owl2rl"]);
    config.max_rounds = 2;
    let err = Reasoner::new(config)
        .unwrap()
        .materialize(&store)
        .unwrap_err();
    assert!(
        matches!(err, ReasonError::RoundLimit { max_rounds: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("max_rounds = 2"), "{err}");
    assert_eq!(
        snapshot(&store),
        before,
        "previous inferred graph left in place"
    );
}

fn check_invalid(file: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/rules/invalid")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let expect = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
            .unwrap_or_else(|| panic!("{file} lacks '# {key}:'"))
            .to_owned()
    };
    let err = parse_rule("invalid", &path, &text).expect_err(file);
    assert_eq!(err.file, path);
    assert_eq!(err.line.to_string(), expect("expect-line"), "{err}");
    assert!(err.reason.contains(&expect("expect-reason")), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:{}: ", path.display(), err.line)),
        "{err}"
    );
}

macro_rules! invalid_rules {
    ($($name:ident => $file:expr),* $(,)?) => {$(
        #[test]
        fn $name() {
            check_invalid($file);
        }
    )*};
}

invalid_rules! {
    invalid_01_syntax_error => "01-syntax-error.rq",
    invalid_02_unbound_head => "02-unbound-head.rq",
    invalid_03_optional => "03-optional.rq",
    invalid_04_missing_header => "04-missing-header.rq",
    invalid_05_select => "05-select.rq",
    invalid_06_head_blank_node => "06-head-blank-node.rq",
    invalid_07_unsupported_filter => "07-unsupported-filter.rq",
    invalid_08_property_path => "08-property-path.rq",
    invalid_09_id_mismatch => "09-id-mismatch.rq",
    invalid_10_filter_unbound => "10-filter-unbound.rq",
    invalid_11_too_deep => "11-too-deep.rq",
    invalid_bad_name => "Bad_Name.rq",
}

#[test]
fn reasoner_refuses_a_rule_set_with_a_bad_rule() {
    let dir = std::env::temp_dir().join(format!("warrant-rules-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("broken")).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules/invalid/02-unbound-head.rq");
    std::fs::copy(&src, dir.join("broken/02-unbound-head.rq")).unwrap();
    let err = Reasoner::new(RuleConfig::new(&dir).with_sets(["broken"]))
        .err()
        .expect("refused");
    let msg = err.to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        msg.contains("broken/02-unbound-head.rq:9: head variable ?z"),
        "{msg}"
    );
    let unknown = Reasoner::new(RuleConfig::new(RULES).with_sets(["nope"]))
        .err()
        .expect("refused");
    assert!(
        matches!(unknown, ReasonError::UnknownRuleSet { .. }),
        "{unknown}"
    );
}

/// The served store keeps an inferred graph current and explains it over HTTP.
#[test]
fn served_inferences_follow_writes_and_are_explained() {
    use crate::support::{TOKEN, TestServer, client, count};
    let root = crate::support::repo_root().join("tests/fixtures/root");
    let server = TestServer::start(&[
        "--memory",
        "--root",
        root.to_str().unwrap(),
        "--admin-token",
        TOKEN,
        "--rules",
        "rdfs",
    ]);
    let c = client();
    let ask = |q: &str| -> u64 {
        count(
            &c.get(server.url("/sparql"))
                .query(&[("query", q)])
                .send()
                .unwrap()
                .json()
                .unwrap(),
        )
    };
    let medicines = "SELECT (COUNT(*) AS ?n) WHERE { ?d a <http://example.org/Medicine> }";
    assert_eq!(ask(medicines), 0);
    let r = c.post(server.url("/update")).bearer_auth(TOKEN)
        .form(&[("update", "INSERT DATA { <http://example.org/Drug> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://example.org/Medicine> }")])
        .send().unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        ask(medicines),
        3,
        "the write updated the inferred graph before returning"
    );
    let why: serde_json::Value = c
        .get(server.url("/why"))
        .query(&[
            ("s", "http://example.org/ivig"),
            ("p", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ("o", "http://example.org/Medicine"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let step = &why["derivations"][0];
    assert!(step["rule"].as_str().unwrap().contains("rdfs"), "{why}");
    assert_eq!(step["premises"].as_array().unwrap().len(), 2, "{why}");
    let dot = c
        .get(server.url("/why"))
        .query(&[
            ("s", "http://example.org/ivig"),
            ("p", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ("o", "http://example.org/Medicine"),
            ("format", "dot"),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(dot.starts_with("digraph"), "{dot}");
    let r = c.post(server.url("/update")).bearer_auth(TOKEN)
        .form(&[("update", "DELETE DATA { <http://example.org/Drug> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <http://example.org/Medicine> }")])
        .send().unwrap();
    assert!(r.status().is_success());
    assert_eq!(ask(medicines), 0, "a deletion retracts what rested on it");
    let r = c
        .get(server.url("/why"))
        .query(&[
            ("s", "http://example.org/ivig"),
            ("p", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ("o", "http://example.org/Medicine"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::NOT_FOUND);
    let r = c
        .get(server.url("/why"))
        .query(&[("s", "http://example.org/ivig")])
        .send()
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::BAD_REQUEST);
}

#[test]
fn cli_why_prints_the_proof_tree() {
    use warrant::store::{DatasetMode, WarrantStore};
    let dir = std::env::temp_dir().join(format!("warrant-why-{}", std::process::id()));
    {
        let store = WarrantStore::open(&dir, DatasetMode::default()).unwrap();
        for t in parse("ex:a ex:p ex:b . ex:p rdfs:domain ex:C . ex:C rdfs:subClassOf ex:D .") {
            let q = Quad::new(
                t.subject,
                t.predicate,
                t.object,
                NamedNode::new_unchecked(GRAPH),
            );
            store.oxigraph().insert(&q).unwrap();
        }
        reasoner(&["rdfs"]).materialize(store.oxigraph()).unwrap();
    }
    let run = |format: &str, object: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_warrant"))
            .args([
                "--data",
                dir.to_str().unwrap(),
                "why",
                "http://example.org/a",
                "a",
                object,
                "--format",
                format,
            ])
            .output()
            .unwrap()
    };
    let text = run("text", "http://example.org/D");
    let out = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&text.stderr)
    );
    assert!(
        out.contains("by rule <https://w3id.org/warrant/rule/rdfs/06-subclass>"),
        "{out}"
    );
    assert!(
        out.contains("by rule <https://w3id.org/warrant/rule/rdfs/03-domain>"),
        "{out}"
    );
    let dot = String::from_utf8_lossy(&run("dot", "http://example.org/D").stdout).to_string();
    assert!(dot.starts_with("digraph proof {"), "{dot}");
    let json = run("json", "http://example.org/D");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        v["derivations"][0]["rule"],
        "https://w3id.org/warrant/rule/rdfs/06-subclass"
    );
    let missing = run("text", "http://example.org/Nope");
    assert!(
        !missing.status.success(),
        "a triple that does not hold fails"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A reasoner started on a store whose inferred graph and derivation records are marked current for
/// the store's state adopts them — computes in memory, writes nothing — and then follows changes
/// exactly as one that materialised; marked for another state (or other rules), it recomputes.
#[test]
fn resume_adopts_a_current_materialisation_and_follows_writes_exactly() {
    use warrant::store::StoreState;
    let sets = ["rdfs", "owl2rl", "skos"];
    let mut asserted: HashSet<Triple> = parse(INCREMENTAL_BASE).into_iter().collect();
    let store = asserted_store(&asserted);
    let at = |generation| StoreState {
        id: Some("test".to_owned()),
        generation,
    };
    let mut first = reasoner(&sets);
    first.mark_state(&at(1));
    first.materialize(&store).unwrap();
    let written = snapshot(&store);
    let quads = store.len().unwrap();

    // a quad removed behind the reasoner's back shows whether resuming rewrote the graphs
    let probe = store
        .quads_for_pattern(None, None, None, Some(DERIVATIONS_GRAPH.into()))
        .next()
        .unwrap()
        .unwrap();
    store.remove(&probe).unwrap();
    let mut resumed = reasoner(&sets);
    resumed.mark_state(&at(1));
    let (stats, adopted) = resumed.resume(&store).unwrap();
    assert!(adopted, "marked current for this state and these rules");
    assert_eq!(store.len().unwrap(), quads - 1, "nothing written");
    assert_eq!(stats.inferred, written.0.len());
    store.insert(&probe).unwrap();

    let mut other_state = reasoner(&sets);
    other_state.mark_state(&at(2));
    assert!(!other_state.resume(&store).unwrap().1, "another state");
    let mut other_rules = reasoner(&["rdfs"]);
    other_rules.mark_state(&at(2));
    assert!(!other_rules.resume(&store).unwrap().1, "other rules");
    // other_rules rewrote the graphs for rdfs at state 2: the full rule sets recompute again
    let mut again = reasoner(&sets);
    again.mark_state(&at(2));
    assert!(!again.resume(&store).unwrap().1);
    assert_eq!(snapshot(&store), written, "recomputed the same graphs");

    // the adopted state follows writes like a materialised one
    let mut adopted = reasoner(&sets);
    adopted.mark_state(&at(2));
    assert!(adopted.resume(&store).unwrap().1);
    let added = parse("ex:s3 a ex:Grad ; ex:takes ex:c1 . ex:s2 ex:knows ex:s1 .");
    let removed = parse("ex:c1 a ex:GradCourse . ex:hasMember owl:inverseOf ex:memberOf .");
    for t in &removed {
        asserted.remove(t);
        store
            .remove(&Quad::new(
                t.subject.clone(),
                t.predicate.clone(),
                t.object.clone(),
                NamedNode::new_unchecked(GRAPH),
            ))
            .unwrap();
    }
    for t in &added {
        asserted.insert(t.clone());
        store
            .insert(&Quad::new(
                t.subject.clone(),
                t.predicate.clone(),
                t.object.clone(),
                NamedNode::new_unchecked(GRAPH),
            ))
            .unwrap();
    }
    adopted.mark_state(&at(3));
    adopted.apply(&store, &added, &removed).unwrap();
    let fresh = asserted_store(&asserted);
    reasoner(&sets).materialize(&fresh).unwrap();
    assert_eq!(snapshot(&store), snapshot(&fresh));
    let mut after = reasoner(&sets);
    after.mark_state(&at(3));
    assert!(
        after.resume(&store).unwrap().1,
        "the write marked its state"
    );
}

/// A triple with more derivations than are recorded per triple (`ex:x a ex:C`; `ex:y a ex:C` is also
/// asserted, so it has no records at all): which ones the records hold depends
/// on the order of the writes that made them. Resuming looks them up and adopts them (a restart
/// writes nothing), and later writes keep the records exact.
#[test]
fn resume_adopts_records_of_triples_with_more_derivations_than_recorded() {
    use warrant::store::StoreState;
    let capped = || {
        let mut config = RuleConfig::new(RULES).with_sets(["rdfs"]);
        config.max_derivations_per_triple = 1;
        Reasoner::new(config).unwrap()
    };
    let at = |generation| StoreState {
        id: Some("test".to_owned()),
        generation,
    };
    let quad = |t: &Triple| {
        Quad::new(
            t.subject.clone(),
            t.predicate.clone(),
            t.object.clone(),
            NamedNode::new_unchecked(GRAPH),
        )
    };
    let mut asserted: HashSet<Triple> =
        parse("ex:A rdfs:subClassOf ex:C . ex:B rdfs:subClassOf ex:C . ex:x a ex:B . ex:y a ex:A , ex:B , ex:C .")
            .into_iter()
            .collect();
    let store = asserted_store(&asserted);
    let mut first = capped();
    first.mark_state(&at(1));
    first.materialize(&store).unwrap();
    // a second derivation of `ex:x a ex:C` arrives later: the record keeps the first one (via B)
    let added = parse("ex:x a ex:A .");
    for t in &added {
        asserted.insert(t.clone());
        store.insert(&quad(t)).unwrap();
    }
    first.mark_state(&at(2));
    first.apply(&store, &added, &[]).unwrap();
    let before = snapshot(&store);
    let quads = store.len().unwrap();

    let mut resumed = capped();
    resumed.mark_state(&at(2));
    let (_, adopted) = resumed.resume(&store).unwrap();
    assert!(adopted, "the recorded derivation is found in the store");
    assert_eq!(store.len().unwrap(), quads, "nothing written");
    assert_eq!(snapshot(&store), before);

    // the recorded derivation's premise goes: the record moves to the other derivation
    let removed = parse("ex:x a ex:B .");
    for t in &removed {
        asserted.remove(t);
        store.remove(&quad(t)).unwrap();
    }
    resumed.mark_state(&at(3));
    resumed.apply(&store, &[], &removed).unwrap();
    let fresh = asserted_store(&asserted);
    capped().materialize(&fresh).unwrap();
    // which of several derivations a capped triple records depends on the order of the writes
    // (`ex:C rdfs:subClassOf ex:C` from either subclass axiom): the inferred graphs are equal, every
    // inferred triple records as many derivations, and every recorded premise holds
    let (now, expected) = (snapshot(&store), snapshot(&fresh));
    assert_eq!(now.0, expected.0);
    assert_eq!(records_per_head(&store), records_per_head(&fresh));
    let derives = NamedNode::new_unchecked("https://w3id.org/warrant/ns#derives");
    let premise = NamedNode::new_unchecked("https://w3id.org/warrant/ns#premise");
    let in_records = |s: &NamedNode, p: &NamedNode| -> Vec<Term> {
        store
            .quads_for_pattern(
                Some(s.into()),
                Some(p.into()),
                None,
                Some(DERIVATIONS_GRAPH.into()),
            )
            .map(|q| q.unwrap().object)
            .collect()
    };
    for q in store.quads_for_pattern(
        None,
        Some((&derives).into()),
        None,
        Some(DERIVATIONS_GRAPH.into()),
    ) {
        let Quad { subject, .. } = q.unwrap();
        let oxigraph::model::NamedOrBlankNode::NamedNode(d) = subject else {
            panic!()
        };
        for p in in_records(&d, &premise) {
            let Term::NamedNode(p) = p else { panic!() };
            let part = |pred: NamedNodeRef<'_>| in_records(&p, &pred.into_owned()).pop().unwrap();
            let (Term::NamedNode(ps), Term::NamedNode(pp)) = (
                part(oxigraph::model::vocab::rdf::SUBJECT),
                part(oxigraph::model::vocab::rdf::PREDICATE),
            ) else {
                panic!("premise {p}")
            };
            let t = Triple::new(ps, pp, part(oxigraph::model::vocab::rdf::OBJECT));
            assert!(
                asserted.contains(&t) || holds(&store, &t),
                "a recorded premise no longer holds: {t}"
            );
        }
    }
}

/// How many derivations the records hold per derived statement.
fn records_per_head(store: &Store) -> std::collections::BTreeMap<String, usize> {
    let derives = NamedNode::new_unchecked("https://w3id.org/warrant/ns#derives");
    let mut out = std::collections::BTreeMap::new();
    for q in store.quads_for_pattern(
        None,
        Some((&derives).into()),
        None,
        Some(DERIVATIONS_GRAPH.into()),
    ) {
        *out.entry(q.unwrap().object.to_string()).or_insert(0) += 1;
    }
    out
}
