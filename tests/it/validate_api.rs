//! `warrant::validate` beyond the W3C suite: the data views (store restricted to graphs,
//! open transaction with staged writes, dataset), the JSON and text renderings, malformed
//! shapes, and speed on ~10k triples.

use std::time::Instant;

use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Dataset, Graph, GraphName, NamedNode, Quad};
use oxigraph::store::Store;
use warrant::validate::{
    DatasetView, Severity, Shapes, ShapesError, StoreView, TransactionView, validate,
};

const PREFIXES: &str = "@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
";

const SHAPES: &str = r#"
ex:PersonShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:property [
        sh:path ex:name ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ;
        sh:message "A person needs exactly one name"@en , "Eine Person braucht genau einen Namen"@de ] ;
    sh:property [ sh:path ex:age ; sh:datatype xsd:integer ; sh:minInclusive 0 ; sh:severity sh:Warning ] .
"#;

fn graph(ttl: &str) -> Graph {
    let mut graph = Graph::new();
    let text = format!("{PREFIXES}{ttl}");
    for quad in RdfParser::from_format(RdfFormat::Turtle).for_slice(&text) {
        graph.insert(quad.expect("valid Turtle").as_ref());
    }
    graph
}

fn shapes() -> Shapes {
    Shapes::from_graph(&graph(SHAPES)).expect("valid shapes")
}

fn named(iri: &str) -> GraphName {
    NamedNode::new(iri).expect("IRI").into()
}

fn load(store: &Store, graph_name: &GraphName, ttl: &str) {
    for triple in graph(ttl).iter() {
        store
            .insert(&Quad::new(
                triple.subject.into_owned(),
                triple.predicate.into_owned(),
                triple.object.into_owned(),
                graph_name.clone(),
            ))
            .expect("insert");
    }
}

#[test]
fn store_view_sees_only_its_graphs_as_one_union() {
    let store = Store::new().expect("store");
    let (a, b) = (
        named("http://example.org/g/a"),
        named("http://example.org/g/b"),
    );
    // The type is in one graph, the name in the other: only their union conforms.
    load(&store, &a, "ex:bob a ex:Person .");
    load(&store, &b, r#"ex:bob ex:name "Bob" ."#);
    let shapes = shapes();
    let only_a = validate(&StoreView::new(&store, [a.clone()]), &shapes).expect("validate");
    assert!(!only_a.conforms);
    assert_eq!(only_a.results.len(), 1);
    let both = validate(&StoreView::new(&store, [a, b.clone()]), &shapes).expect("validate");
    assert!(both.conforms, "{both}");
    let only_b = validate(&StoreView::new(&store, [b]), &shapes).expect("validate");
    assert!(only_b.conforms, "no ex:Person in graph b, so no focus node");
    assert!(
        validate(&StoreView::all(&store), &shapes)
            .expect("validate")
            .conforms
    );
}

#[test]
fn transaction_view_reads_its_own_staged_writes() {
    let store = Store::new().expect("store");
    let g = named("http://example.org/g/people");
    load(&store, &g, r#"ex:bob a ex:Person ; ex:name "Bob" ."#);
    let shapes = shapes();

    let mut tx = store.start_transaction().expect("transaction");
    for triple in graph(r#"ex:bob ex:name "Robert" . ex:ann a ex:Person ."#).iter() {
        tx.insert(&Quad::new(
            triple.subject.into_owned(),
            triple.predicate.into_owned(),
            triple.object.into_owned(),
            g.clone(),
        ));
    }
    let report = validate(&TransactionView::new(&tx, [g.clone()]), &shapes).expect("validate");
    let mut found: Vec<_> = report
        .results
        .iter()
        .map(|r| (r.focus_node.to_string(), r.constraint_component.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "<http://example.org/ann>".to_owned(),
                "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
            ),
            (
                "<http://example.org/bob>".to_owned(),
                "http://www.w3.org/ns/shacl#MaxCountConstraintComponent"
            ),
        ]
    );
    drop(tx); // rejected: nothing is written
    let after = validate(&StoreView::new(&store, [g]), &shapes).expect("validate");
    assert!(after.conforms, "{after}");
}

#[test]
fn dataset_view_unions_selected_graphs() {
    let mut dataset = Dataset::new();
    let g = named("http://example.org/g/1");
    for triple in graph(r#"ex:bob a ex:Person ; ex:name "Bob" ; ex:age -3 ."#).iter() {
        dataset.insert(&Quad::new(
            triple.subject.into_owned(),
            triple.predicate.into_owned(),
            triple.object.into_owned(),
            g.clone(),
        ));
    }
    let report = validate(&DatasetView::new(&dataset, [g]), &shapes()).expect("validate");
    assert!(!report.conforms);
    assert!(!report.has_violations(), "a warning only: {report}");
    assert_eq!(report.results[0].severity, Severity::Warning);
    let other = validate(
        &DatasetView::new(&dataset, [GraphName::DefaultGraph]),
        &shapes(),
    );
    assert!(other.expect("validate").conforms);
}

#[test]
fn report_renders_as_json_text_and_rdf() {
    let data = graph(r#"ex:bob a ex:Person ; ex:age "old" ."#);
    let report = validate(&data, &shapes()).expect("validate");
    let json = serde_json::to_value(&report).expect("JSON");
    assert_eq!(json["conforms"], false);
    let results = json["results"].as_array().expect("results");
    assert_eq!(results.len(), 3, "{json:#}");
    let min_count = results
        .iter()
        .find(|r| {
            r["constraint_component"] == "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
        })
        .expect("minCount result");
    assert_eq!(min_count["focus_node"], "http://example.org/bob");
    assert_eq!(min_count["path"], "<http://example.org/name>");
    assert_eq!(min_count["value"], serde_json::Value::Null);
    assert_eq!(min_count["severity"], "Violation");
    assert_eq!(min_count["root_shape"], "http://example.org/PersonShape");
    assert!(
        min_count["source_shape"]
            .as_str()
            .is_some_and(|s| s.starts_with("_:"))
    );
    assert_eq!(min_count["message"], "A person needs exactly one name");
    assert_eq!(min_count["messages"].as_array().map(Vec::len), Some(2));
    assert_eq!(min_count["detail"], "expected at least 1 value(s), found 0");
    let datatype = results
        .iter()
        .find(|r| {
            r["constraint_component"] == "http://www.w3.org/ns/shacl#DatatypeConstraintComponent"
        })
        .expect("datatype result");
    assert_eq!(datatype["value"], "\"old\"");
    assert_eq!(datatype["severity"], "Warning");

    let text = report.to_string();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("Does not conform: 3 results (1 violations, 2 warnings, 0 infos).")
    );
    assert!(text.contains(
        "Violation: <http://example.org/bob> <http://example.org/name> sh:MinCountConstraintComponent: A person needs exactly one name"
    ));

    let rdf = report.to_graph();
    let results = rdf
        .triples_for_predicate(warrant::validate::sh::RESULT)
        .count();
    assert_eq!(results, 3);
    assert_eq!(
        rdf.triples_for_predicate(warrant::validate::sh::RESULT_MESSAGE)
            .count(),
        2 + 1 + 1,
        "both sh:message values, plus one generated message per other result"
    );
}

/// A known trap: oxigraph's store keeps the value of integer-typed literals, not their
/// datatype, so `"5"^^xsd:byte` reads back as `"5"^^xsd:integer`. Shapes validated over a
/// store should use `sh:datatype xsd:integer` (with ranges) rather than integer subtypes.
#[test]
fn store_reads_integer_subtypes_back_as_xsd_integer() {
    let shapes = Shapes::from_graph(&graph(
        "ex:S sh:targetNode ex:bob ; sh:property [ sh:path ex:age ; sh:datatype xsd:byte ] .",
    ))
    .expect("shapes");
    let data = graph(r#"ex:bob ex:age "5"^^xsd:byte ."#);
    assert!(validate(&data, &shapes).expect("validate").conforms);
    let store = Store::new().expect("store");
    load(
        &store,
        &GraphName::DefaultGraph,
        r#"ex:bob ex:age "5"^^xsd:byte ."#,
    );
    let report = validate(&StoreView::all(&store), &shapes).expect("validate");
    assert_eq!(
        report.results[0]
            .value
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("\"5\"^^<http://www.w3.org/2001/XMLSchema#integer>")
    );
}

#[test]
fn malformed_shapes_are_refused_with_the_shape_named() {
    let cases = [
        ("ex:S sh:targetNode ex:a ; sh:minCount \"one\" .", "ex:S"),
        ("ex:S sh:targetNode ex:a ; sh:pattern \"(\" .", "ex:S"),
        ("ex:S sh:targetNode ex:a ; sh:nodeKind ex:Thing .", "ex:S"),
        ("ex:S sh:property ex:P . ex:P sh:minCount 1 .", "ex:S"),
        (
            "ex:S sh:path [ sh:inversePath ex:p ; sh:zeroOrMorePath ex:q ] .",
            "ex:S",
        ),
        ("ex:S sh:path ( ex:p ) .", "ex:S"),
    ];
    for (ttl, shape) in cases {
        let error = Shapes::from_graph(&graph(ttl)).expect_err(ttl);
        let iri = shape.replace("ex:", "http://example.org/");
        assert!(error.to_string().contains(&iri), "{ttl}: {error}");
        assert!(
            matches!(
                error,
                ShapesError::Malformed { .. } | ShapesError::Path { .. }
            ),
            "{error:?}"
        );
    }
}

#[test]
fn ten_thousand_triples_validate_quickly() {
    let shapes = Shapes::from_graph(&graph(
        r#"
ex:StatementShape a sh:NodeShape ; sh:targetClass ex:Statement ;
    sh:property [ sh:path ex:text ; sh:minCount 1 ; sh:maxCount 1 ; sh:datatype xsd:string ; sh:minLength 1 ] ;
    sh:property [ sh:path ex:restsOn ; sh:minCount 1 ; sh:class ex:Passage ] ;
    sh:property [ sh:path ex:status ; sh:in ( ex:Submitted ex:Approved ) ] ;
    sh:property [ sh:path ( ex:restsOn ex:inSource ) ; sh:minCount 1 ; sh:nodeKind sh:IRI ] .
ex:PassageShape a sh:NodeShape ; sh:targetClass ex:Passage ;
    sh:property [ sh:path ex:start ; sh:datatype xsd:integer ; sh:lessThan ex:end ] ;
    sh:property [ sh:path [ sh:inversePath ex:restsOn ] ; sh:minCount 1 ] .
"#,
    ))
    .expect("shapes");
    let mut ttl = String::new();
    for i in 0..1250 {
        ttl.push_str(&format!(
            "ex:s{i} a ex:Statement ; ex:text \"claim {i}\" ; ex:restsOn ex:p{i} ; ex:status ex:Approved .\n\
             ex:p{i} a ex:Passage ; ex:inSource ex:src{} ; ex:start {i} ; ex:end {} .\n",
            i % 10,
            i + 5
        ));
    }
    let data = graph(&ttl);
    assert!(data.len() >= 10_000, "{} triples", data.len());
    let store = Store::new().expect("store");
    store
        .extend(
            data.iter()
                .map(|t| t.into_owned().in_graph(GraphName::DefaultGraph)),
        )
        .expect("load");

    let start = Instant::now();
    let report = validate(&data, &shapes).expect("validate");
    let in_memory = start.elapsed();
    assert!(report.conforms, "{report}");
    let start = Instant::now();
    let report = validate(&StoreView::all(&store), &shapes).expect("validate");
    let on_store = start.elapsed();
    assert!(report.conforms, "{report}");
    println!(
        "{} triples: graph {in_memory:?}, store {on_store:?}",
        data.len()
    );
    // Generous bound for unoptimised test builds; release builds are far below a second.
    assert!(on_store.as_secs_f64() < 5.0 && in_memory.as_secs_f64() < 5.0);
}
