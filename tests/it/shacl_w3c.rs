//! The W3C SHACL Core test suite (`tests/w3c-shacl/core`, a copy of the suite's `core`
//! folder) run against `warrant::validate`.
//!
//! Each `sht:Validate` entry of the manifests is one case: validate its data graph against
//! its shapes graph and compare with the expected `sh:ValidationReport` as the W3C harnesses
//! do: `sh:conforms`, and the multiset of results by (focus node, result path, value, source
//! constraint component, source shape, severity), plus `sh:resultMessage` when the expected
//! report mentions one. Every case is reported (PASS/FAIL per name, then totals); the test
//! fails if a case not listed in `tests/shacl-w3c-skips.txt` fails, or a listed one passes.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::{Path as FsPath, PathBuf};

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{Graph, NamedNodeRef, Term};
use warrant::validate::{DataView, Path, Shapes, sh, validate};

const MF: &str = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
const SHT: &str = "http://www.w3.org/ns/shacl-test#";

fn mf(local: &str) -> NamedNodeRef<'_> {
    NamedNodeRef::new_unchecked(Box::leak(format!("{MF}{local}").into_boxed_str()))
}

fn sht(local: &str) -> NamedNodeRef<'_> {
    NamedNodeRef::new_unchecked(Box::leak(format!("{SHT}{local}").into_boxed_str()))
}

fn suite_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/w3c-shacl/core")
}

/// Parsed Turtle files by path; one parse per file, so that a file used as data graph,
/// shapes graph and manifest shares its blank nodes with the expected report.
#[derive(Default)]
struct Files {
    graphs: HashMap<PathBuf, Graph>,
}

impl Files {
    fn get(&mut self, path: &FsPath) -> &Graph {
        self.graphs.entry(path.to_owned()).or_insert_with(|| {
            let text = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let base = format!("file://{}", path.display());
            let parser = RdfParser::from_format(RdfFormat::Turtle)
                .with_base_iri(base)
                .expect("file IRI")
                .rename_blank_nodes();
            let mut graph = Graph::new();
            for quad in parser.for_slice(&text) {
                let quad = quad.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                graph.insert(quad.as_ref());
            }
            graph
        })
    }
}

fn file_of(iri: &Term) -> PathBuf {
    match iri {
        Term::NamedNode(n) => PathBuf::from(
            n.as_str()
                .strip_prefix("file://")
                .expect("a file IRI")
                .split('#')
                .next()
                .expect("a path"),
        ),
        other => panic!("expected a file IRI, got {other}"),
    }
}

fn object(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Option<Term> {
    objects(graph, subject, predicate).into_iter().next()
}

fn objects(graph: &Graph, subject: &Term, predicate: NamedNodeRef<'_>) -> Vec<Term> {
    match subject {
        Term::NamedNode(n) => graph.objects(n.as_ref().into(), predicate).unwrap(),
        Term::BlankNode(b) => graph.objects(b.as_ref().into(), predicate).unwrap(),
        _ => Vec::new(),
    }
}

fn list(graph: &Graph, head: &Term) -> Vec<Term> {
    let mut items = Vec::new();
    let mut node = head.clone();
    while node.as_ref() != rdf::NIL.into() {
        items.push(object(graph, &node, rdf::FIRST).expect("rdf:first"));
        node = object(graph, &node, rdf::REST).expect("rdf:rest");
    }
    items
}

/// One `sht:Validate` entry.
struct Case {
    name: String,
    data: PathBuf,
    shapes: PathBuf,
    manifest: PathBuf,
    result: Term,
}

fn collect_cases(manifest: &FsPath, files: &mut Files, cases: &mut Vec<Case>) {
    let graph = files.get(manifest).clone();
    let root = suite_root();
    let this: Term = oxigraph::model::NamedNode::new(format!("file://{}", manifest.display()))
        .expect("file IRI")
        .into();
    for include in objects(&graph, &this, mf("include")) {
        collect_cases(&file_of(&include), files, cases);
    }
    for head in objects(&graph, &this, mf("entries")) {
        for entry in list(&graph, &head) {
            if !objects(&graph, &entry, rdf::TYPE).contains(&sht("Validate").into_owned().into()) {
                continue;
            }
            let action = object(&graph, &entry, mf("action")).expect("mf:action");
            let data = file_of(&object(&graph, &action, sht("dataGraph")).expect("dataGraph"));
            let shapes =
                file_of(&object(&graph, &action, sht("shapesGraph")).expect("shapesGraph"));
            let Term::NamedNode(iri) = &entry else {
                panic!("entry IRI")
            };
            let path = file_of(&entry);
            let file_name = path.strip_prefix(&root).unwrap_or(&path).with_extension("");
            let fragment = iri.as_str().rsplit_once('/').map_or("", |(_, l)| l);
            let name = match file_name.file_name() {
                Some(f) if f.to_str() == Some(fragment) => file_name.display().to_string(),
                _ => format!("{} ({fragment})", file_name.display()),
            };
            cases.push(Case {
                name,
                data,
                shapes,
                manifest: manifest.to_owned(),
                result: object(&graph, &entry, mf("result")).expect("mf:result"),
            });
        }
    }
}

/// A result reduced to what the W3C comparison looks at, as strings.
type Key = (String, String, String, String, String, String, Vec<String>);

fn show(term: Option<Term>) -> String {
    term.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

/// `sh:conforms` and the sorted result keys of the report rooted at `report` in `graph`.
fn summarize(graph: &Graph, report: &Term, with_messages: bool) -> (bool, Vec<Key>) {
    let conforms = match object(graph, report, sh::CONFORMS) {
        Some(Term::Literal(l)) => l.value() == "true",
        other => panic!("sh:conforms missing or not a literal: {other:?}"),
    };
    let mut keys: Vec<Key> = objects(graph, report, sh::RESULT)
        .iter()
        .map(|r| {
            let path = object(graph, r, sh::RESULT_PATH).map_or_else(
                || "-".to_owned(),
                |p| {
                    Path::parse(graph, p.as_ref())
                        .expect("result path")
                        .to_string()
                },
            );
            let mut messages: Vec<String> = if with_messages {
                objects(graph, r, sh::RESULT_MESSAGE)
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            } else {
                Vec::new()
            };
            messages.sort();
            (
                show(object(graph, r, sh::FOCUS_NODE)),
                path,
                show(object(graph, r, sh::VALUE)),
                show(object(graph, r, sh::SOURCE_CONSTRAINT_COMPONENT)),
                show(object(graph, r, sh::SOURCE_SHAPE)),
                show(object(graph, r, sh::RESULT_SEVERITY)),
                messages,
            )
        })
        .collect();
    keys.sort();
    (conforms, keys)
}

/// Runs one case; `Err` explains the difference.
fn run_case(case: &Case, files: &mut Files) -> Result<(), String> {
    let shapes_graph = files.get(&case.shapes).clone();
    let data_graph = files.get(&case.data).clone();
    let manifest = files.get(&case.manifest).clone();
    let shapes = Shapes::from_graph(&shapes_graph).map_err(|e| format!("shapes: {e}"))?;
    let report = validate(&data_graph, &shapes).map_err(|e| format!("validate: {e}"))?;
    let with_messages = objects(&manifest, &case.result, sh::RESULT)
        .iter()
        .any(|r| !objects(&manifest, r, sh::RESULT_MESSAGE).is_empty());
    let expected = summarize(&manifest, &case.result, with_messages);
    let actual_graph = report.to_graph();
    let root = actual_graph
        .subject_for_predicate_object(rdf::TYPE, sh::VALIDATION_REPORT)
        .expect("report node")
        .into_owned();
    let actual = summarize(&actual_graph, &root.into(), with_messages);
    if expected == actual {
        return Ok(());
    }
    let mut why = format!("conforms expected {} got {}", expected.0, actual.0);
    let count = |keys: &[Key]| {
        let mut m = BTreeMap::new();
        for k in keys {
            *m.entry(k.clone()).or_insert(0i32) += 1;
        }
        m
    };
    let (e, a) = (count(&expected.1), count(&actual.1));
    for (k, n) in &e {
        let got = a.get(k).copied().unwrap_or(0);
        if got < *n {
            why.push_str(&format!("\n    missing x{}: {k:?}", n - got));
        }
    }
    for (k, n) in &a {
        let want = e.get(k).copied().unwrap_or(0);
        if want < *n {
            why.push_str(&format!("\n    unexpected x{}: {k:?}", n - want));
        }
    }
    Err(why)
}

/// `name reason…` per line; `#` starts a comment.
fn skips() -> BTreeMap<String, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/shacl-w3c-skips.txt");
    let text = fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "skip without a reason: {l}");
            (name.to_owned(), reason.trim().to_owned())
        })
        .collect()
}

#[test]
fn w3c_shacl_core_suite() {
    let mut files = Files::default();
    let mut cases = Vec::new();
    collect_cases(&suite_root().join("manifest.ttl"), &mut files, &mut cases);
    let skips = skips();
    let (mut passed, mut failed, mut skipped) = (0, Vec::new(), 0);
    for case in &cases {
        let outcome = run_case(case, &mut files);
        match (&outcome, skips.get(&case.name)) {
            (Ok(()), None) => {
                passed += 1;
                println!("PASS {}", case.name);
            }
            (Err(why), Some(reason)) => {
                skipped += 1;
                println!("SKIP {} ({reason}): {why}", case.name);
            }
            (Ok(()), Some(_)) => {
                failed.push(format!("{} passes but is listed as skipped", case.name))
            }
            (Err(why), None) => {
                println!("FAIL {}: {why}", case.name);
                failed.push(case.name.clone());
            }
        }
    }
    println!(
        "W3C SHACL Core: {passed} passed, {skipped} skipped, {} failed, {} total",
        failed.len(),
        cases.len()
    );
    assert_eq!(
        cases.len(),
        98,
        "the core suite has 98 sht:Validate entries"
    );
    assert!(failed.is_empty(), "failing W3C cases: {failed:#?}");
}
