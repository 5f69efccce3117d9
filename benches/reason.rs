//! Reasoner benchmark on LUBM(1,0) (data + univ-bench ontology, `rdfs` + `owl2rl`): full
//! materialisation, then incremental deletion and re-addition of 1% of the data triples (every
//! 100th) against full recomputation, checking that both give the same inferred graph.
//!
//! The reasoner runs as served: derivation records go to the store's background record writer.
//! Each step reports two times: until the inferred graph is committed and queryable (the call
//! returns), and until the derivation records are persisted too (the records barrier is reached).
//!
//! `cargo bench --bench reason` prints a table; `cargo bench --bench reason -- materialize` prints
//! one JSON line (used by `benches/compare_reasoners.py`). Peer data from `$WARRANT_PEER_DIR`
//! (default `<repo>/../shared/peer`).

use flate2::read::GzDecoder;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, NamedNodeRef, Quad, Triple};
use oxigraph::store::Store;
use std::path::PathBuf;
use std::time::Instant;
use warrant::reason::vocab::INFERRED_GRAPH;
use warrant::reason::{Reasoner, RuleConfig};
use warrant::store::RecordWriter;

const DATA: &str = "https://w3id.org/warrant/graph/file/lubm/lubm1.nt";

fn peer() -> PathBuf {
    std::env::var_os("WARRANT_PEER_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/peer")),
        PathBuf::from,
    )
}

fn load() -> Store {
    let lubm = peer().join("lubm");
    let store = Store::new().expect("store");
    let mut loader = store.bulk_loader();
    let gz =
        std::fs::File::open(lubm.join("lubm1.nt.gz")).expect("LUBM data: set WARRANT_PEER_DIR");
    loader
        .load_from_reader(
            RdfParser::from_format(RdfFormat::NTriples)
                .with_default_graph(NamedNode::new_unchecked(DATA)),
            GzDecoder::new(gz),
        )
        .expect("data");
    let onto = std::fs::read(lubm.join("ontology/univ-bench.ttl")).expect("ontology");
    loader
        .load_from_reader(
            RdfParser::from_format(RdfFormat::Turtle).with_default_graph(NamedNode::new_unchecked(
                "https://w3id.org/warrant/graph/file/lubm/univ-bench.ttl",
            )),
            onto.as_slice(),
        )
        .expect("ontology");
    loader.commit().expect("commit");
    store
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn reasoner(records: &RecordWriter) -> Reasoner {
    let config = RuleConfig::new(concat!(env!("CARGO_MANIFEST_DIR"), "/queries/rules"))
        .with_sets(["rdfs", "owl2rl"]);
    Reasoner::new(config)
        .expect("rules")
        .with_record_writer(records.clone())
}

/// Milliseconds from `start` until the record writer has written every queued batch.
fn barrier_ms(records: &RecordWriter, start: Instant) -> f64 {
    records.wait().expect("records written");
    ms(start)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn inferred(store: &Store) -> usize {
    store
        .quads_for_pattern(None, None, None, Some(INFERRED_GRAPH.into()))
        .count()
}

fn main() {
    let only_materialize = std::env::args().any(|a| a == "materialize");
    let start = Instant::now();
    let store = load();
    let parse_ms = ms(start);
    let records = RecordWriter::new(store.clone());
    let mut r = reasoner(&records);
    let start = Instant::now();
    let full = r.materialize(&store).expect("materialize");
    let full_ms = ms(start);
    let full_records_ms = barrier_ms(&records, start);
    if only_materialize {
        println!(
            "{{\"reasoner\":\"warrant\",\"parse_ms\":{parse_ms:.1},\"reason_ms\":{full_ms:.1},\"records_ms\":{full_records_ms:.1},\"inferred_total_ms\":{:.1},\"total_ms\":{:.1},\"peak_rss_kb\":{},\"inferred\":{},\"derivations\":{},\"detail\":{}}}",
            parse_ms + full_ms,
            parse_ms + full_records_ms,
            peak_rss_kb(),
            full.inferred,
            full.derivations,
            serde_json::to_string(&full).expect("json")
        );
        return;
    }
    let data = NamedNodeRef::new_unchecked(DATA);
    let sample: Vec<Triple> = store
        .quads_for_pattern(None, None, None, Some(data.into()))
        .map(|q| Triple::from(q.expect("quad")))
        .step_by(100)
        .collect();
    for t in &sample {
        store
            .remove(&Quad::new(
                t.subject.clone(),
                t.predicate.clone(),
                t.object.clone(),
                data,
            ))
            .expect("remove");
    }
    let start = Instant::now();
    let del = r.apply(&store, &[], &sample).expect("delete");
    let del_ms = ms(start);
    let del_records_ms = barrier_ms(&records, start);
    let after_delete = inferred(&store);
    let start = Instant::now();
    let recompute_del = reasoner(&records).materialize(&store).expect("recompute");
    let recompute_del_ms = ms(start);
    let recompute_del_records_ms = barrier_ms(&records, start);
    assert_eq!(
        after_delete, recompute_del.inferred,
        "incremental delete == recomputation"
    );
    r.reset();
    r.materialize(&store).expect("materialize");
    records.wait().expect("records written");
    for t in &sample {
        store
            .insert(&Quad::new(
                t.subject.clone(),
                t.predicate.clone(),
                t.object.clone(),
                data,
            ))
            .expect("insert");
    }
    let start = Instant::now();
    let add = r.apply(&store, &sample, &[]).expect("add");
    let add_ms = ms(start);
    let add_records_ms = barrier_ms(&records, start);
    let after_add = inferred(&store);
    let start = Instant::now();
    let recompute_add = reasoner(&records).materialize(&store).expect("recompute");
    let recompute_add_ms = ms(start);
    let recompute_add_records_ms = barrier_ms(&records, start);
    assert_eq!(
        after_add, recompute_add.inferred,
        "incremental add == recomputation"
    );
    assert_eq!(after_add, full.inferred);
    println!(
        "LUBM(1,0), rules rdfs + owl2rl, {} asserted triples; times: inferred graph committed / derivation records persisted too",
        full.asserted
    );
    println!("parse into store            {parse_ms:>9.1} ms");
    println!(
        "full materialisation        {full_ms:>9.1} / {full_records_ms:.1} ms  (read {} + reason {} + write inferred {} ms; {} rounds, {} inferred, {} derivations, {} quads written)",
        full.load_ms,
        full.reason_ms,
        full.write_ms,
        full.rounds,
        full.inferred,
        full.derivations,
        full.quads_inserted
    );
    println!(
        "delete 1% ({} triples)     {del_ms:>9.1} / {del_records_ms:.1} ms  (reason {} + write inferred {} ms, -{} inferred; recomputation {recompute_del_ms:.1} / {recompute_del_records_ms:.1} ms, {:.1}x / {:.1}x)",
        sample.len(),
        del.reason_ms,
        del.write_ms,
        del.inferred_removed,
        recompute_del_ms / del_ms,
        recompute_del_records_ms / del_records_ms
    );
    println!(
        "add 1% ({} triples)        {add_ms:>9.1} / {add_records_ms:.1} ms  (reason {} + write inferred {} ms, +{} inferred; recomputation {recompute_add_ms:.1} / {recompute_add_records_ms:.1} ms, {:.1}x / {:.1}x)",
        sample.len(),
        add.reason_ms,
        add.write_ms,
        add.inferred_added,
        recompute_add_ms / add_ms,
        recompute_add_records_ms / add_records_ms
    );
    println!("peak RSS                    {:>9} kB", peak_rss_kb());
}
