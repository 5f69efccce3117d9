//! LUBM(1,0) with the `rdfs` + `owl2rl` rule sets: each of the 14 benchmark queries must return the
//! official answer count over asserted + inferred triples (one test per query), and without
//! reasoning only queries 1, 2, 3 and 14 do — proof that the check can fail.
//! Peer data is read from `$WARRANT_PEER_DIR` (default `<repo>/tests/peer`).

use flate2::read::GzDecoder;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, NamedNode};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::path::PathBuf;
use std::sync::OnceLock;
use warrant::reason::vocab::INFERRED_GRAPH;
use warrant::reason::{Reasoner, RuleConfig, Stats};

const DATA_GRAPH: &str = "https://w3id.org/warrant/graph/file/lubm/lubm1.nt";
const ONTO_GRAPH: &str = "https://w3id.org/warrant/graph/file/lubm/univ-bench.ttl";

pub use crate::support::peer_dir;

fn lubm_dir() -> PathBuf {
    peer_dir().join("lubm")
}

/// A store with LUBM(1,0) data and ontology, each in its own named graph.
pub fn lubm_store() -> Store {
    let store = Store::new().unwrap();
    let gz = std::fs::File::open(lubm_dir().join("lubm1.nt.gz"))
        .expect("LUBM data (set WARRANT_PEER_DIR)");
    let mut loader = store.bulk_loader();
    loader
        .load_from_reader(
            RdfParser::from_format(RdfFormat::NTriples)
                .with_default_graph(NamedNode::new_unchecked(DATA_GRAPH)),
            GzDecoder::new(gz),
        )
        .unwrap();
    let onto = std::fs::read(lubm_dir().join("ontology/univ-bench.ttl")).unwrap();
    loader
        .load_from_reader(
            RdfParser::from_format(RdfFormat::Turtle)
                .with_default_graph(NamedNode::new_unchecked(ONTO_GRAPH)),
            onto.as_slice(),
        )
        .unwrap();
    loader.commit().unwrap();
    store
}

fn plain() -> &'static Store {
    static S: OnceLock<Store> = OnceLock::new();
    S.get_or_init(lubm_store)
}

fn reasoned() -> &'static (Store, Stats) {
    static S: OnceLock<(Store, Stats)> = OnceLock::new();
    S.get_or_init(|| {
        let store = lubm_store();
        let config = RuleConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/queries/rules"))
            .with_sets(["rdfs", "owl2rl"]);
        let mut reasoner = Reasoner::new(config).unwrap();
        let stats = reasoner.materialize(&store).unwrap();
        eprintln!("LUBM(1,0) materialised: {stats:?}");
        (store, stats)
    })
}

/// Rows of query `n` over the content graphs (asserted + inferred).
fn count(store: &Store, n: usize) -> usize {
    let text = std::fs::read_to_string(lubm_dir().join(format!("queries/q{n}.rq"))).unwrap();
    let mut prepared = SparqlEvaluator::new().parse_query(&text).unwrap();
    prepared.dataset_mut().set_default_graph(vec![
        GraphName::from(NamedNode::new_unchecked(DATA_GRAPH)),
        GraphName::from(NamedNode::new_unchecked(ONTO_GRAPH)),
        GraphName::from(INFERRED_GRAPH.into_owned()),
    ]);
    let QueryResults::Solutions(rows) = prepared.on_store(store).execute().unwrap() else {
        panic!("q{n} is not a SELECT")
    };
    rows.map(Result::unwrap).count()
}

/// Official answer count of query `n`.
fn official(n: usize) -> usize {
    let text =
        std::fs::read_to_string(lubm_dir().join(format!("answers/answers_query{n}.csv"))).unwrap();
    if text.contains("NO ANSWERS") {
        return 0;
    }
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

macro_rules! lubm_query {
    ($($name:ident => $n:expr),* $(,)?) => {$(
        #[test]
        fn $name() {
            let (store, _) = reasoned();
            assert_eq!(count(store, $n), official($n), "LUBM q{} with rdfs + owl2rl", $n);
        }
    )*};
}

lubm_query! {
    q01 => 1, q02 => 2, q03 => 3, q04 => 4, q05 => 5, q06 => 6, q07 => 7,
    q08 => 8, q09 => 9, q10 => 10, q11 => 11, q12 => 12, q13 => 13, q14 => 14,
}

#[test]
fn summary_all_14_match_with_reasoning_only_4_without() {
    let (store, stats) = reasoned();
    let mut table = String::from("query  official  no-reasoning  rdfs+owl2rl\n");
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for n in 1..=14 {
        let (o, p, r) = (official(n), count(plain(), n), count(store, n));
        table.push_str(&format!("q{n:<5} {o:>8}  {p:>12}  {r:>11}\n"));
        if p == o {
            without.push(n);
        }
        if r == o {
            with.push(n);
        }
    }
    eprintln!(
        "{table}matching: {}/14 with reasoning, {}/14 without; {stats:?}",
        with.len(),
        without.len()
    );
    assert_eq!(
        without,
        vec![1, 2, 3, 14],
        "without reasoning only q1, q2, q3, q14 match"
    );
    assert_eq!(
        with,
        (1..=14).collect::<Vec<_>>(),
        "with reasoning all 14 match"
    );
}
