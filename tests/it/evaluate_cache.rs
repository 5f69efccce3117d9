//! Case evaluation remembers what does not depend on the case (the policy and its criteria, the
//! evidence, code and concept lookups) for one write epoch of the store. These tests fail if a
//! remembered value outlived a write: each evaluates the seed case, changes the graph through one of
//! the store's write paths — `apply` (SPARQL Update), the live reasoner's observer, a direct write of
//! the inferred graph — and checks that the very next evaluation sees the change.

use crate::support::repo_root;
use warrant::case::{self, CaseFormat, Day};
use warrant::evaluate::{Options, Outcome, Report, Status, evaluate};
use warrant::load::{DataRoot, collect_files};
use warrant::reason::{LiveReasoner, Reasoner, RuleConfig, rules_from_root};
use warrant::store::{Change, DatasetMode, Op, WarrantStore, parse_update, sync_files};

const CRITERION: &str =
    "https://w3id.org/warrant/id/policy-ivig-after-allo-hsct#crit-allogeneic-hsct-performed";
const PREFIXES: &str = "PREFIX wr: <https://w3id.org/warrant/ns#>
    PREFIX id: <https://w3id.org/warrant/id/>
    PREFIX concept: <https://w3id.org/warrant/concept/>
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX ex: <https://example.org/cache-test/>";

/// The default data with the default rule sets materialised, as the server starts (evaluation reads
/// the concept hierarchy the `skos` rules derive).
fn store() -> WarrantStore {
    let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
    sync_files(&store, &collect_files(&DataRoot::Dir(repo_root())).unwrap()).unwrap();
    let mut reasoner = Reasoner::new(RuleConfig::new(repo_root().join("queries/rules"))).unwrap();
    store.write_directly(|ox| reasoner.materialize(ox)).unwrap();
    store
}

fn report(store: &WarrantStore) -> Report {
    let seed = std::fs::read(repo_root().join("tests/peer/cases/seed-patient.fhir.json")).unwrap();
    let options = Options {
        as_of: Day::parse_iso("2025-12-17").unwrap(),
        policy: None,
        // Nobody has approved the shipped evidence: count what is pending so that support can change.
        include_pending: true,
    };
    evaluate(
        store,
        case::read(&seed, CaseFormat::Json).unwrap(),
        &options,
    )
    .unwrap()
    .remove(0)
}

/// The determination and the status of the test's criterion.
fn outcome(store: &WarrantStore) -> (Outcome, Status) {
    let report = report(store);
    let criterion = report
        .criteria
        .iter()
        .find(|c| c.iri == CRITERION)
        .expect("the criterion is reported");
    (report.determination, criterion.status)
}

fn update(store: &WarrantStore, body: &str) {
    let update = parse_update(&format!("{PREFIXES}\n{body}"), None).unwrap();
    store
        .apply(Change::one(Op::Update {
            update,
            using_default: Vec::new(),
            using_named: Vec::new(),
        }))
        .unwrap();
}

#[test]
fn writes_through_apply_are_seen_by_the_next_evaluation() {
    let store = store();
    let met = (Outcome::Necessary, Status::Met);
    assert_eq!(outcome(&store), met);
    assert_eq!(outcome(&store), met, "remembered: same answer");

    // The policy's criteria tree.
    let concept = |from: &str, to: &str| {
        format!(
            "DELETE {{ GRAPH ?g {{ <{CRITERION}> wr:concept concept:{from} }} }}
             INSERT {{ GRAPH ?g {{ <{CRITERION}> wr:concept concept:{to} }} }}
             WHERE {{ GRAPH ?g {{ <{CRITERION}> wr:concept concept:{from} }} }}"
        )
    };
    update(&store, &concept("allogeneic-hsct", "autologous-hsct"));
    assert_eq!(
        outcome(&store),
        (Outcome::Indeterminate, Status::Unknown),
        "a changed criterion is seen"
    );
    update(&store, &concept("autologous-hsct", "allogeneic-hsct"));
    assert_eq!(outcome(&store), met, "and changed back");

    // The review status of the statements behind the criterion (the evidence): rejected, they no
    // longer count even with pending statements counted.
    update(
        &store,
        &format!(
            "DELETE {{ GRAPH ?g {{ ?s wr:reviewStatus ?r }} }}
             INSERT {{ GRAPH ?g {{ ?s wr:reviewStatus wr:Rejected }} }}
             WHERE {{ <{CRITERION}> wr:supportedBy ?s . GRAPH ?g {{ ?s wr:reviewStatus ?r }} }}"
        ),
    );
    let report = report(&store);
    let criterion = report.criteria.iter().find(|c| c.iri == CRITERION).unwrap();
    assert!(!criterion.supported, "no usable statement any more");
    assert_eq!(report.determination, Outcome::Indeterminate);

    // The code systems: without its FHIR system URI, ICD-10-CM codes are no longer recognised.
    let before = report.unrecognised.len();
    update(
        &store,
        "DELETE { GRAPH ?g { ?cs wr:fhirSystem ?u } }
         WHERE { GRAPH ?g { ?cs wr:fhirSystem ?u FILTER(STR(?u) = \"http://hl7.org/fhir/sid/icd-10-cm\") } }",
    );
    assert!(
        self::report(&store).unrecognised.len() > before,
        "codes of a code system the graph no longer describes are unrecognised"
    );
}

/// Moves the criterion's `wr:supportedBy` statements to a sub-property, so that they support it only
/// through the rdfs rule set's inferred triples.
fn support_only_by_inference(store: &WarrantStore) {
    update(
        store,
        &format!(
            "DELETE {{ GRAPH ?g {{ <{CRITERION}> wr:supportedBy ?s }} }}
             INSERT {{ GRAPH ?g {{ <{CRITERION}> ex:backedBy ?s . ex:backedBy rdfs:subPropertyOf wr:supportedBy }} }}
             WHERE {{ GRAPH ?g {{ <{CRITERION}> wr:supportedBy ?s }} }}"
        ),
    );
}

#[test]
fn inferred_triples_are_seen_by_the_next_evaluation() {
    let store = store();
    support_only_by_inference(&store);
    let gated = (Outcome::Indeterminate, Status::Unknown);
    assert_eq!(outcome(&store), gated, "no support until inferred");
    assert_eq!(outcome(&store), gated, "remembered: same answer");

    // A direct write of the inferred graph (a full materialisation), which no `apply` announces.
    let config = || RuleConfig::new(repo_root().join("queries/rules")).with_sets(["rdfs", "skos"]);
    let mut reasoner = Reasoner::new(config()).unwrap();
    store.write_directly(|ox| reasoner.materialize(ox)).unwrap();
    let met = (Outcome::Necessary, Status::Met);
    assert_eq!(outcome(&store), met, "the inferred support is seen");

    // The live reasoner retracting an inferred triple after a write, as the server runs it.
    let rules = rules_from_root(
        &DataRoot::Dir(repo_root()),
        &["rdfs".to_owned(), "skos".to_owned()],
    )
    .unwrap();
    let (live, _) = LiveReasoner::start(&store, config(), rules).unwrap();
    store.add_observer(live);
    assert_eq!(outcome(&store), met);
    update(
        &store,
        "DELETE WHERE { GRAPH ?g { ex:backedBy rdfs:subPropertyOf wr:supportedBy } }",
    );
    assert_eq!(outcome(&store), gated, "the retracted inference is seen");
}
