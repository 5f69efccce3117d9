//! Case evaluation benchmark: the seed case evaluated against the shipped evidence enlarged by a
//! generator to `WARRANT_BENCH_STATEMENTS` synthetic curated statements (default 100,000), each with
//! its passage, source, concepts, codes and review status, plus synthetic policies for other
//! interventions. Reports the latency of one evaluation (read the FHIR case, recognise its codes,
//! evaluate the policy, build the WHY tree; and with the JSON answer serialised) with the store's
//! derived caches warm, the latency of the first evaluation after a write (caches cold), and the
//! throughput of all cores evaluating at once. The determination must stay the seed's: the generated evidence is
//! about other concepts.
//!
//! `cargo bench --bench evaluate` (figures in BENCHMARKS.md).

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Quad};
use std::fmt::Write;
use std::time::{Duration, Instant};
use warrant::case::{self, CaseFormat, Day};
use warrant::evaluate::{Options, Outcome, evaluate};
use warrant::explain;
use warrant::load::{DataRoot, collect_files};
use warrant::reason::{Reasoner, RuleConfig};
use warrant::store::{Change, DatasetMode, Op, WarrantStore, sync_files};

/// The binary's allocator (see src/main.rs), so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A small deterministic generator (xorshift), so every run builds the same graph.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Synthetic evidence as Turtle: concepts with a hierarchy and codes, sources, passages,
/// statements, and policies with small criteria trees.
fn generate(statements: usize) -> String {
    let mut rng = Rng(0x5eed_1234_abcd);
    let concepts = (statements / 100).max(10);
    let sources = (statements / 10).max(10);
    let policies = (statements / 1000).max(1);
    let mut t = String::from(
        "@prefix wr: <https://w3id.org/warrant/ns#> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\
         @prefix cito: <http://purl.org/spar/cito/> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\
         @prefix g: <https://example.org/bench/> .\n\
         g:codes a wr:CodeSystem ; rdfs:label \"bench codes\" ; wr:fhirSystem \"https://example.org/bench/codes\"^^xsd:anyURI ; wr:codePrefixMatch true .\n",
    );
    for c in 0..concepts {
        let _ = write!(
            t,
            "g:c{c} a skos:Concept ; skos:prefLabel \"concept {c}\"@en ; skos:exactMatch g:code{c}"
        );
        if c > 0 {
            let _ = write!(t, " ; skos:broader g:c{}", rng.next(c));
        }
        let _ = writeln!(
            t,
            " .\ng:code{c} a wr:Code ; wr:codeSystem g:codes ; wr:code \"B{c:05}\" ; skos:notation \"B{c:05}\" ."
        );
    }
    let designs = [
        "wr:CaseReport",
        "wr:CohortStudy",
        "wr:Guideline",
        "wr:NarrativeReview",
    ];
    for s in 0..sources {
        let _ = writeln!(
            t,
            "g:src{s} a wr:Source , {} ; dct:title \"source {s}\" ; wr:population g:c{} ; wr:identifierStatus wr:Unverified .",
            designs[rng.next(designs.len())],
            rng.next(concepts)
        );
    }
    let stances = ["wr:Supports", "wr:Opposes", "wr:Neutral"];
    let reviews = [
        "wr:Approved",
        "wr:Submitted",
        "wr:UnderReview",
        "wr:Rejected",
    ];
    let certainties = [
        "wr:HighCertainty",
        "wr:ModerateCertainty",
        "wr:LowCertainty",
        "wr:VeryLowCertainty",
    ];
    for s in 0..statements {
        let src = rng.next(sources);
        let _ = writeln!(
            t,
            "g:p{s} a wr:Passage ; wr:inSource g:src{src} ; wr:position {s} ; wr:text \"passage {s}\" .\n\
             g:st{s} a wr:Statement ; wr:text \"claim {s}\" ; wr:about g:c{} ; cito:citesAsEvidence g:src{src} ; wr:restsOn g:p{s} ; \
             wr:stance {} ; wr:reviewStatus {} ; wr:certainty {} .",
            rng.next(concepts),
            stances[rng.next(3)],
            reviews[rng.next(4)],
            certainties[rng.next(4)]
        );
    }
    for p in 0..policies {
        let (a, b, x) = (rng.next(concepts), rng.next(concepts), rng.next(concepts));
        let st = |rng: &mut Rng| rng.next(statements);
        let _ = writeln!(
            t,
            "g:policy{p} a wr:Policy ; rdfs:label \"policy {p}\" ; wr:appliesTo g:c{x} ; wr:initiationCriteria g:root{p} ; wr:reviewStatus wr:Submitted .\n\
             g:root{p} a wr:AllOfCriterion ; rdfs:label \"root {p}\" ; wr:allOf g:leafa{p} , g:leafb{p} ; wr:supportedBy g:st{} .\n\
             g:leafa{p} a wr:ConditionPresent ; rdfs:label \"a {p}\" ; wr:concept g:c{a} ; wr:supportedBy g:st{} .\n\
             g:leafb{p} a wr:MedicationCurrent ; rdfs:label \"b {p}\" ; wr:concept g:c{b} ; wr:supportedBy g:st{} .",
            st(&mut rng),
            st(&mut rng),
            st(&mut rng)
        );
    }
    t
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn main() {
    let statements: usize = std::env::var("WARRANT_BENCH_STATEMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    // `WARRANT_BENCH_DISK=1`: the on-disk store `warrant serve` uses by default (in a temporary
    // directory), instead of the in-memory one.
    let disk = std::env::var_os("WARRANT_BENCH_DISK").is_some_and(|v| v == "1");
    let dir = std::env::temp_dir().join(format!("warrant-bench-evaluate-{}", std::process::id()));
    let store = if disk {
        WarrantStore::open(&dir, DatasetMode::default()).expect("on-disk store")
    } else {
        WarrantStore::in_memory(DatasetMode::default()).expect("store")
    };
    eprintln!("store: {}", if disk { "on disk" } else { "in memory" });
    sync_files(
        &store,
        &collect_files(&DataRoot::Dir(ROOT.into())).expect("data"),
    )
    .expect("load");
    let start = Instant::now();
    let turtle = generate(statements);
    store.write_directly(|ox| {
        let mut loader = ox.bulk_loader();
        loader
            .load_from_reader(
                RdfParser::from_format(RdfFormat::Turtle).with_default_graph(
                    NamedNode::new_unchecked(
                        "https://w3id.org/warrant/graph/file/bench/generated.ttl",
                    ),
                ),
                turtle.as_bytes(),
            )
            .expect("generated data");
        loader.commit().expect("commit");
    });
    // The default rule sets, as `warrant serve` runs them: evaluation reads the concept hierarchy
    // the `skos` rules derive.
    let mut reasoner =
        Reasoner::new(RuleConfig::new(format!("{ROOT}/queries/rules"))).expect("rules");
    store
        .write_directly(|ox| reasoner.materialize(ox))
        .expect("materialise");
    let quads = store.len().expect("len");
    eprintln!(
        "generated {statements} statements; store holds {quads} quads ({:.1} s)",
        start.elapsed().as_secs_f64()
    );

    let seed = std::fs::read(format!("{ROOT}/../shared/cases/seed-patient.fhir.json"))
        .expect("../shared/cases/seed-patient.fhir.json");
    let options = Options {
        as_of: Day::parse_iso("2025-12-17").expect("date"),
        policy: None,
        // Nobody has approved the shipped evidence: with the pending statements counted the seed
        // is `necessary`, as the determination check below expects.
        include_pending: true,
    };
    let once = |json: bool| {
        let case = case::read(&seed, CaseFormat::Json).expect("case");
        let reports = evaluate(&store, case, &options).expect("evaluate");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].determination, Outcome::Necessary);
        let answer = explain::answer(reports.into_iter().next().expect("one"));
        if json {
            std::hint::black_box(serde_json::to_vec(&answer).expect("json"));
        }
        std::hint::black_box(answer);
    };
    // Cold: the first evaluation after a write, when nothing is remembered (20 writes, p50).
    let mut cold: Vec<Duration> = (0..20)
        .map(|i| {
            let n = NamedNode::new_unchecked(format!("https://example.org/bench/write{i}"));
            store
                .apply(Change::one(Op::Insert(vec![Quad::new(
                    n.clone(),
                    n.clone(),
                    n.clone(),
                    n,
                )])))
                .expect("write");
            let t = Instant::now();
            once(true);
            t.elapsed()
        })
        .collect();
    cold.sort();
    for _ in 0..20 {
        once(true);
    }
    // Where the time of a warm evaluation goes (mean of 200).
    let mut phases = [Duration::ZERO; 4];
    for _ in 0..200 {
        let t0 = Instant::now();
        let case = case::read(&seed, CaseFormat::Json).expect("case");
        let t1 = Instant::now();
        let reports = evaluate(&store, case, &options).expect("evaluate");
        let t2 = Instant::now();
        let answer = explain::answer(reports.into_iter().next().expect("one"));
        let t3 = Instant::now();
        std::hint::black_box(serde_json::to_vec(&answer).expect("json"));
        let t4 = Instant::now();
        for (p, d) in phases.iter_mut().zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3]) {
            *p += d;
        }
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0 / 200.0;
    let mut rows = vec![(
        "first evaluation after a write (cold) + JSON",
        percentile(&cold, 0.5),
        percentile(&cold, 0.9),
        percentile(&cold, 0.99),
    )];
    for (name, json) in [("evaluate + why tree", false), ("... + JSON answer", true)] {
        let mut times: Vec<Duration> = (0..300)
            .map(|_| {
                let t = Instant::now();
                once(json);
                t.elapsed()
            })
            .collect();
        times.sort();
        rows.push((
            name,
            percentile(&times, 0.5),
            percentile(&times, 0.9),
            percentile(&times, 0.99),
        ));
    }
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    let window = Duration::from_secs(5);
    let start = Instant::now();
    let done: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0;
                    while start.elapsed() < window {
                        once(true);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    let throughput = done as f64 / start.elapsed().as_secs_f64();
    println!("| measure | p50 ms | p90 ms | p99 ms |\n|---|---|---|---|");
    for (name, p50, p90, p99) in &rows {
        println!("| {name} | {p50:.2} | {p90:.2} | {p99:.2} |");
    }
    println!(
        "\nwarm evaluation, mean ms: read the case {:.3}, evaluate {:.3}, why tree {:.3}, JSON {:.3}",
        ms(phases[0]),
        ms(phases[1]),
        ms(phases[2]),
        ms(phases[3])
    );
    println!(
        "\nthroughput: {throughput:.0} evaluations/s on {threads} threads ({statements} generated statements, {quads} quads)"
    );
    drop(store);
    if disk {
        drop(std::fs::remove_dir_all(&dir));
    }
}
