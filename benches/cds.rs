//! CDS Hooks time budget: an `order-sign` hook request built from the seed case (its IVIG order as the
//! draft order, the rest of the record as prefetch) answered again and again against the shipped
//! evidence — read the request, gather the patient data, evaluate the order, build the cards, the
//! CRD system action and the documentation questionnaire, serialise the response. Prints p50 / p90 /
//! p99 / max over `WARRANT_BENCH_CALLS` calls (default 500) after 20 warm-up calls, and the first call
//! after a write (derived caches cold). The target is p99 <= 100 ms.
//!
//! `cargo bench --bench cds`.

use std::time::{Duration, Instant};
use warrant::cds::{CdsService, CdsSettings, discovery, hook, respond};
use warrant::load::{DataRoot, collect_files};
use warrant::store::{Change, DatasetMode, Op, WarrantStore, sync_files};

/// The binary's allocator (see src/main.rs), so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let calls: usize = std::env::var("WARRANT_BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let store = WarrantStore::in_memory(DatasetMode::default()).expect("store");
    sync_files(
        &store,
        &collect_files(&DataRoot::Dir(ROOT.into())).expect("data"),
    )
    .expect("load");
    let seed: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{ROOT}/tests/peer/cases/seed-patient.fhir.json"))
            .expect("tests/peer/cases/seed-patient.fhir.json"),
    )
    .expect("seed JSON");
    let templates = discovery::prefetch(&store).expect("prefetch templates");
    let request = hook::request_from_bundle(
        &seed,
        "order-sign",
        "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "seed-patient",
        &templates,
    );
    let body = serde_json::to_vec(&request).expect("request");
    eprintln!("hook request: {} bytes", body.len());
    let cds = CdsService::new(CdsSettings::default());
    let call = || {
        let start = Instant::now();
        let parsed = hook::parse(&body).expect("request parses");
        let answered = respond::respond(
            &store,
            &cds,
            "warrant-order-sign",
            "http://127.0.0.1:7878",
            parsed,
        )
        .expect("answered");
        let out = serde_json::to_vec(&answered.body).expect("response");
        assert!(!answered.body["cards"].as_array().expect("cards").is_empty());
        (start.elapsed(), out.len())
    };
    let (first, size) = call();
    for _ in 0..20 {
        call();
    }
    let mut times: Vec<Duration> = (0..calls).map(|_| call().0).collect();
    times.sort();
    println!(
        "order-sign (seed case, {size} B response), {calls} calls: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; first call {:.2} ms",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().expect("calls")),
        ms(first)
    );
    // the first call after a write: every derived cache is cold again
    store
        .apply(Change::one(Op::CreateGraph(
            oxigraph::model::NamedNode::new_unchecked("urn:bench:epoch"),
        )))
        .expect("write");
    let (cold, _) = call();
    println!("first call after a write: {:.2} ms", ms(cold));
    let p99 = percentile(&times, 0.99);
    println!(
        "budget: p99 {:.2} ms {} 100 ms",
        ms(p99),
        if p99 <= Duration::from_millis(100) {
            "<="
        } else {
            ">"
        }
    );
}
