//! W3C SPARQL 1.1 conformance, measured against what no one here wrote: every entry of the W3C
//! `sparql/sparql11` manifests (`manifest-all.ttl`, plus the deprecated `http-rdf-update/` suite)
//! runs over HTTP against `warrant serve --memory --strict-dataset`.
//!
//! Each entry is its own case, printed as `PASS` / `FAIL` / `SKIP` with totals per suite (see them
//! with `cargo test --test it w3c -- --nocapture`; `W3C_ONLY=<suite or IRI part>` runs a subset,
//! `W3C_DEBUG=1` also prints every non-2xx answer to a syntax test).
//! Every case must pass except those in `tests/w3c-sparql-skips.txt`, each with its reason; a listed
//! case that passes fails the test, so the list stays true.

use crate::support::{peer_dir, repo_root};
use crate::w3c::manifest::{self, BASE, Entry};
use crate::w3c::server::{Ctx, first_line};
use crate::w3c::skips::Skips;
use crate::w3c::{eval, http, prose};
use std::collections::HashSet;
use std::time::Instant;

/// What became of one case.
enum Verdict {
    Pass,
    Fail(String),
    Skip(String),
}

fn run(ctx: &mut Ctx, e: &Entry, first_in_sequence: &mut bool) -> Result<(), String> {
    match e.kind.as_str() {
        "QueryEvaluationTest" | "CSVResultFormatTest" => eval::query_evaluation(ctx, e),
        "UpdateEvaluationTest" => eval::update_evaluation(ctx, e),
        "PositiveSyntaxTest11" => eval::syntax(ctx, e, false, true),
        "NegativeSyntaxTest11" => eval::syntax(ctx, e, false, false),
        "PositiveUpdateSyntaxTest11" => eval::syntax(ctx, e, true, true),
        "NegativeUpdateSyntaxTest11" => eval::syntax(ctx, e, true, false),
        "ProtocolTest" => http::run(ctx, e),
        "GraphStoreProtocolTest" if e.suite == "http-rdf-update" => {
            let first = std::mem::replace(first_in_sequence, false);
            prose::http_rdf_update(ctx, e, first)
        }
        "GraphStoreProtocolTest" => http::run(ctx, e),
        "ServiceDescriptionTest" => prose::service_description(ctx, e),
        other => Err(format!("unknown test type {other:?}")),
    }
}

#[test]
fn w3c_sparql11_conformance() {
    let started = Instant::now();
    let dir = peer_dir().join("w3c-rdf-tests/sparql/sparql11");
    assert!(
        dir.join("manifest-all.ttl").is_file(),
        "the W3C tests are not at {}; set WARRANT_PEER_DIR",
        dir.display()
    );
    let skips = Skips::read(&repo_root().join("tests/w3c-sparql-skips.txt")).unwrap();
    let entries =
        manifest::read(&dir, &["manifest-all.ttl", "http-rdf-update/manifest.ttl"]).unwrap();
    let only = std::env::var("W3C_ONLY").ok().filter(|o| !o.is_empty());
    let mut ctx = Ctx::start(dir);
    let mut suites: Vec<(String, [usize; 3])> = Vec::new();
    let mut failures = Vec::new();
    let mut seen = HashSet::new();
    let mut first_in_sequence = true;
    for e in &entries {
        if only
            .as_ref()
            .is_some_and(|o| e.suite != *o && !e.iri.contains(o.as_str()))
        {
            continue;
        }
        seen.insert(e.iri.clone());
        let verdict = match skips.not_run(&e.iri) {
            Some(reason) => Verdict::Skip(reason.to_owned()),
            None => {
                let outcome = run(&mut ctx, e, &mut first_in_sequence);
                if outcome.is_err() && !ctx.ensure_alive() {
                    println!("(server restarted after {})", e.iri);
                }
                match (outcome, skips.exact.get(&e.iri)) {
                    (Ok(()), None) => Verdict::Pass,
                    (Ok(()), Some(_)) => Verdict::Fail(
                        "passes, but tests/w3c-sparql-skips.txt lists it: remove the line".into(),
                    ),
                    (Err(m), None) => Verdict::Fail(m),
                    (Err(m), Some(reason)) => {
                        Verdict::Skip(format!("{reason} [fails: {}]", first_line(&m)))
                    }
                }
            }
        };
        let label = format!(
            "{} ({})",
            e.iri.strip_prefix(BASE).unwrap_or(&e.iri),
            e.name
        );
        let index = match suites.iter().position(|(s, _)| *s == e.suite) {
            Some(i) => i,
            None => {
                suites.push((e.suite.clone(), [0; 3]));
                suites.len() - 1
            }
        };
        let counts = &mut suites[index].1;
        match verdict {
            Verdict::Pass => {
                counts[0] += 1;
                println!("PASS {label}");
            }
            Verdict::Fail(m) => {
                counts[1] += 1;
                println!("FAIL {label}: {m}");
                failures.push(format!("{label}: {m}"));
            }
            Verdict::Skip(m) => {
                counts[2] += 1;
                println!("SKIP {label}: {m}");
            }
        }
    }
    if only.is_none() {
        let mut stale: Vec<&String> = skips.exact.keys().filter(|i| !seen.contains(*i)).collect();
        stale.sort();
        for iri in stale {
            failures.push(format!(
                "{iri}: listed in tests/w3c-sparql-skips.txt, but no such test"
            ));
        }
    }
    println!(
        "\n{:<24} {:>5} {:>5} {:>5}",
        "suite", "pass", "fail", "skip"
    );
    let mut total = [0; 3];
    for (suite, counts) in &suites {
        println!(
            "{suite:<24} {:>5} {:>5} {:>5}",
            counts[0], counts[1], counts[2]
        );
        for i in 0..3 {
            total[i] += counts[i];
        }
    }
    println!(
        "{:<24} {:>5} {:>5} {:>5}   ({:.1} s)",
        "total",
        total[0],
        total[1],
        total[2],
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} W3C case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
