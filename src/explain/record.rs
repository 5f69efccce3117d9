//! Keeping a determination: the answer as RDF in its own named graph
//! (`https://w3id.org/warrant/graph/determination/{id}`, a content graph), written through
//! `WarrantStore::apply` only when the caller asks (`?keep=true`), and read back for `GET /why`.
//!
//! The graph holds the determination in the vocabulary's terms — `wr:outcome`, `wr:forPolicy`,
//! `wr:asOf`, `wr:includesPending`, one `wr:CriterionResult` per criterion (`wr:criterion`,
//! `wr:status`, `wr:basedOnFact`), `wr:missingConcept`, `wr:triggeredCaveat`, `wr:note`,
//! `prov:generatedAtTime`, `prov:wasDerivedFrom` (the case and every counting statement) — the case's
//! facts in the case vocabulary, and the whole answer as `wr:explanation` (an `rdf:JSON` literal), so
//! that `/why` shows exactly what was decided even after the evidence changes.

use super::Answer;
use crate::case::{Case, Day, case_to_triples};
use crate::evaluate::{Outcome, Status};
use crate::queries::shipped;
use crate::store::{Change, Op, StoreError, WarrantStore, value_of};
use crate::vocab::{self, prov, wr};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term, Variable};

/// `rdf:JSON`.
const RDF_JSON: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON");

/// The graph a determination is kept in.
pub fn graph_of(id: &str) -> NamedNode {
    let local = id.rsplit('/').next().unwrap_or(id);
    NamedNode::new_unchecked(format!("{}{local}", vocab::DETERMINATION_GRAPH))
}

/// The change that keeps an answer (replacing an earlier keep of the same determination).
pub fn keep(answer: &Answer) -> Result<Change, serde_json::Error> {
    let graph = graph_of(&answer.report.id);
    let g = GraphName::NamedNode(graph.clone());
    let r = &answer.report;
    let d = NamedNode::new_unchecked(r.id.clone());
    let mut quads = Vec::new();
    let mut add = |s: &NamedNode, p: NamedNodeRef<'_>, o: Term| {
        quads.push(Quad::new(s.clone(), p, o, g.clone()));
    };
    let iri = |s: &str| Term::from(NamedNode::new_unchecked(s));
    add(&d, rdf::TYPE, wr::DETERMINATION.into());
    let outcome = match r.determination {
        Outcome::Necessary => wr::NECESSARY,
        Outcome::NotNecessary => wr::NOT_NECESSARY,
        Outcome::Indeterminate => wr::INDETERMINATE,
    };
    add(&d, wr::OUTCOME, outcome.into());
    add(&d, wr::FOR_POLICY, iri(&r.policy.iri));
    add(
        &d,
        wr::AS_OF,
        Literal::new_typed_literal(r.as_of.to_string(), xsd::DATE).into(),
    );
    add(
        &d,
        wr::INCLUDES_PENDING,
        Literal::from(r.include_pending).into(),
    );
    add(
        &d,
        prov::GENERATED_AT_TIME,
        Literal::new_typed_literal(Day::now_datetime(), xsd::DATE_TIME).into(),
    );
    add(&d, prov::WAS_DERIVED_FROM, iri(&r.case));
    for s in r.statements.iter().filter(|s| s.counts) {
        add(&d, prov::WAS_DERIVED_FROM, iri(&s.iri));
    }
    for (i, c) in r.criteria.iter().enumerate() {
        let result = NamedNode::new_unchecked(format!("{}/result-{}", r.id, i + 1));
        add(&d, wr::CRITERION_RESULT, result.clone().into());
        add(&result, rdf::TYPE, wr::CRITERION_RESULT_CLASS.into());
        add(&result, wr::CRITERION, iri(&c.iri));
        let status = match c.status {
            Status::Met => wr::MET,
            Status::NotMet => wr::NOT_MET,
            Status::Unknown => wr::UNKNOWN,
        };
        add(&result, wr::STATUS, status.into());
        for f in &c.facts {
            add(&result, wr::BASED_ON_FACT, iri(&f.fact));
        }
    }
    for m in &r.missing {
        add(&d, wr::MISSING_CONCEPT, iri(&m.concept));
    }
    for c in r.caveats.iter().filter(|c| c.status == "triggered") {
        add(&d, wr::TRIGGERED_CAVEAT, iri(&c.iri));
    }
    for n in &r.notes {
        add(&d, wr::NOTE, Literal::from(n.as_str()).into());
    }
    let json = serde_json::to_string(answer)?;
    add(
        &d,
        wr::EXPLANATION,
        Literal::new_typed_literal(json, RDF_JSON).into(),
    );
    let requests = r
        .request
        .iter()
        .filter_map(|q| r.facts.iter().position(|f| f.iri == q.fact))
        .collect();
    let case = Case {
        iri: r.case.clone(),
        facts: r.facts.clone(),
        requests,
        ..Case::default()
    };
    quads.extend(
        case_to_triples(&case)
            .into_iter()
            .map(|t| t.in_graph(g.clone())),
    );
    Ok(Change {
        ops: vec![
            Op::DropGraph {
                graph: g,
                must_exist: false,
            },
            Op::CreateGraph(graph),
            Op::Insert(quads),
        ],
        ..Change::default()
    })
}

/// Why a kept determination could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The kept JSON does not parse (written by another version).
    #[error("the kept answer cannot be read: {0}")]
    Json(#[from] serde_json::Error),
}

/// Reads a kept determination; `None` when there is none with this IRI.
pub fn read(store: &WarrantStore, id: &NamedNode) -> Result<Option<Answer>, RecordError> {
    let rows = store.select(
        shipped("kept-determination"),
        &[(Variable::new_unchecked("determination"), id.clone().into())],
    )?;
    match rows.first().and_then(|r| value_of(r, "json")) {
        // the JSON keeps the tree by reference: rebuilt in full from the report
        Some(json) => Ok(Some(super::answer(
            serde_json::from_str::<Answer>(&json)?.report,
        ))),
        None => Ok(None),
    }
}
