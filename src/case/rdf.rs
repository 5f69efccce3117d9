//! Cases in Warrant's case vocabulary (Turtle or JSON-LD) -> [`Case`], and [`Case`] -> RDF (how a
//! kept determination records the facts it was decided on).
//!
//! The input has one `wr:Case` node with `wr:fact` facts and optionally `wr:requests` (the
//! intervention request). A fact's class gives its kind (`wr:ConditionFact` -> Condition,
//! `wr:ProcedureFact` -> Procedure, `wr:MedicationFact` -> MedicationStatement,
//! `wr:ObservationFact` -> Observation, `wr:InterventionRequest` -> MedicationRequest intent order).
//! Status comes from `wr:fhirStatus` when given, else from `wr:absent` / `wr:current` as the
//! vocabulary defines them (a refuted condition, a procedure not done, a medication not taken; current
//! = active, not current = inactive / completed). `wr:concept` must be a Warrant concept IRI (it is
//! read as a coding in the Warrant concept system); external codes go in `wr:coding`.

use super::{Case, CaseError, CaseFormat, Coding, DateSpan, Fact, FactKind, ObsValue, Quantity};
use crate::load::parse_rdf;
use crate::vocab::{self, wr};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{
    Graph, GraphName, Literal, NamedNode, NamedOrBlankNodeRef, Term, TermRef, Triple,
};

/// Verification statuses of a FHIR Condition (the rest of `wr:fhirStatus` values are clinical).
const VERIFICATION: [&str; 5] = [
    "refuted",
    "confirmed",
    "provisional",
    "differential",
    "unconfirmed",
];

/// Reads a case from Turtle or JSON-LD. `fallback_iri` names the case when its node is blank.
pub fn read_rdf(bytes: &[u8], format: CaseFormat, fallback_iri: String) -> Result<Case, CaseError> {
    let rdf_format = match format {
        CaseFormat::Turtle => oxigraph::io::RdfFormat::Turtle,
        _ => oxigraph::io::RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        },
    };
    let quads = parse_rdf(bytes, rdf_format, GraphName::DefaultGraph, None).map_err(
        |(line, column, message)| CaseError::Rdf {
            line,
            column,
            message,
        },
    )?;
    let graph: Graph = quads.into_iter().map(Triple::from).collect();
    let cases: Vec<_> = graph
        .subjects_for_predicate_object(rdf::TYPE, wr::CASE)
        .collect();
    let node = match cases.as_slice() {
        [one] => *one,
        [] => return Err(CaseError::invalid("wr:Case", "no node of type wr:Case")),
        _ => return Err(CaseError::invalid("wr:Case", "more than one wr:Case node")),
    };
    let iri = match node {
        NamedOrBlankNodeRef::NamedNode(n) => n.as_str().to_owned(),
        NamedOrBlankNodeRef::BlankNode(_) => fallback_iri,
    };
    let mut case = Case {
        iri,
        ..Case::default()
    };
    let facts: Vec<_> = graph
        .objects_for_subject_predicate(node, wr::FACT)
        .collect();
    let requests: Vec<_> = graph
        .objects_for_subject_predicate(node, wr::REQUESTS)
        .collect();
    let mut nodes = Vec::new();
    for term in facts.iter().chain(requests.iter()) {
        let subject = as_node(*term, "wr:fact")?;
        if !nodes.contains(&subject) {
            nodes.push(subject);
        }
    }
    nodes.sort_by_key(|n| n.to_string());
    for subject in nodes {
        let fact = read_fact(&graph, subject, &case)?;
        if fact.kind == FactKind::MedicationRequest {
            case.requests.push(case.facts.len());
        }
        case.facts.push(fact);
    }
    Ok(case)
}

fn as_node<'a>(term: TermRef<'a>, what: &str) -> Result<NamedOrBlankNodeRef<'a>, CaseError> {
    match term {
        TermRef::NamedNode(n) => Ok(n.into()),
        TermRef::BlankNode(b) => Ok(b.into()),
        _ => Err(CaseError::invalid(what, "expected a node, found a literal")),
    }
}

fn node_name(node: NamedOrBlankNodeRef<'_>) -> String {
    node.to_string()
}

fn literal(
    graph: &Graph,
    s: NamedOrBlankNodeRef<'_>,
    p: oxigraph::model::NamedNodeRef<'_>,
) -> Vec<String> {
    graph
        .objects_for_subject_predicate(s, p)
        .filter_map(|o| match o {
            TermRef::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        })
        .collect()
}

fn number(
    graph: &Graph,
    s: NamedOrBlankNodeRef<'_>,
    p: oxigraph::model::NamedNodeRef<'_>,
) -> Result<Option<f64>, CaseError> {
    match literal(graph, s, p).first() {
        None => Ok(None),
        Some(text) => text.trim().parse::<f64>().map(Some).map_err(|_| {
            CaseError::invalid(
                format!("{} {}", node_name(s), p),
                format!("{text:?} is not a number"),
            )
        }),
    }
}

fn boolean(
    graph: &Graph,
    s: NamedOrBlankNodeRef<'_>,
    p: oxigraph::model::NamedNodeRef<'_>,
) -> Option<bool> {
    literal(graph, s, p)
        .first()
        .map(|v| v == "true" || v == "1")
}

fn read_fact(graph: &Graph, s: NamedOrBlankNodeRef<'_>, case: &Case) -> Result<Fact, CaseError> {
    let path = node_name(s);
    let has = |class| graph.contains(oxigraph::model::TripleRef::new(s, rdf::TYPE, class));
    let kind = if has(wr::CONDITION_FACT) {
        FactKind::Condition
    } else if has(wr::PROCEDURE_FACT) {
        FactKind::Procedure
    } else if has(wr::MEDICATION_FACT) {
        FactKind::MedicationStatement
    } else if has(wr::OBSERVATION_FACT) {
        FactKind::Observation
    } else if has(wr::INTERVENTION_REQUEST) {
        FactKind::MedicationRequest
    } else {
        return Err(CaseError::invalid(
            format!("{path} rdf:type"),
            "a fact needs a type: wr:ConditionFact, wr:ProcedureFact, wr:MedicationFact, wr:ObservationFact or wr:InterventionRequest",
        ));
    };
    let iri = match s {
        NamedOrBlankNodeRef::NamedNode(n) => n.as_str().to_owned(),
        NamedOrBlankNodeRef::BlankNode(_) => format!("{}/fact-{}", case.iri, case.facts.len() + 1),
    };
    let mut fact = Fact::new(iri, kind, path.clone());
    fact.text = literal(graph, s, rdfs::LABEL).into_iter().next();
    for concept in graph.objects_for_subject_predicate(s, wr::CONCEPT) {
        let (system, code) = match concept {
            TermRef::NamedNode(n) => match n.as_str().strip_prefix(vocab::CONCEPT) {
                Some(slug) => (Some(vocab::CONCEPT_SYSTEM.to_owned()), slug.to_owned()),
                None => (None, n.as_str().to_owned()),
            },
            _ => (None, concept.to_string()),
        };
        fact.codings.push(Coding {
            system,
            code: Some(code),
            display: None,
            path: format!("{path} wr:concept"),
            resolution: None,
        });
    }
    for (i, coding) in graph
        .objects_for_subject_predicate(s, wr::CODING)
        .enumerate()
    {
        let c = as_node(coding, &format!("{path} wr:coding"))?;
        fact.codings.push(Coding {
            system: literal(graph, c, wr::SYSTEM).into_iter().next(),
            code: literal(graph, c, wr::CODE).into_iter().next(),
            display: literal(graph, c, rdfs::LABEL).into_iter().next(),
            path: format!("{path} wr:coding[{i}]"),
            resolution: None,
        });
    }
    if let Some(d) = literal(graph, s, wr::DATE).first() {
        fact.date = Some(DateSpan::parse(d).ok_or_else(|| {
            CaseError::invalid(format!("{path} wr:date"), format!("{d:?} is not a date"))
        })?);
    }
    let statuses = literal(graph, s, wr::FHIR_STATUS);
    let absent = boolean(graph, s, wr::ABSENT) == Some(true);
    let current = boolean(graph, s, wr::CURRENT);
    match kind {
        FactKind::Condition => {
            for st in &statuses {
                if VERIFICATION.contains(&st.as_str()) {
                    fact.verification_status = Some(st.clone());
                } else {
                    fact.clinical_status = Some(st.clone());
                }
            }
            if absent {
                fact.verification_status = Some("refuted".into());
            }
            if fact.clinical_status.is_none() {
                fact.clinical_status =
                    current.map(|c| if c { "active" } else { "inactive" }.into());
            }
        }
        FactKind::Procedure => {
            fact.status = Some(if absent {
                "not-done".into()
            } else {
                statuses
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "completed".into())
            });
        }
        FactKind::MedicationStatement => {
            fact.status = if absent {
                Some("not-taken".into())
            } else {
                statuses
                    .first()
                    .cloned()
                    .or_else(|| current.map(|c| if c { "active" } else { "completed" }.into()))
            };
        }
        FactKind::Observation => fact.status = statuses.first().cloned(),
        _ => {
            fact.status = statuses.first().cloned().or(Some("active".into()));
            fact.intent = Some("order".into());
            fact.interval_days = number(graph, s, wr::REQUESTED_INTERVAL_DAYS)?;
            fact.timing = fact.interval_days.map(|d| format!("every {d} d"));
        }
    }
    let unit = literal(graph, s, wr::UNIT).into_iter().next();
    let q = |v: f64| Quantity {
        value: v,
        comparator: None,
        unit: unit.clone(),
    };
    if let Some(v) = number(graph, s, wr::VALUE)? {
        fact.value = Some(ObsValue::Quantity(q(v)));
    } else {
        let low = number(graph, s, wr::VALUE_LOW)?.map(q);
        let high = number(graph, s, wr::VALUE_HIGH)?.map(q);
        if low.is_some() || high.is_some() {
            fact.value = Some(ObsValue::Range { low, high });
        }
    }
    fact.reference_low = number(graph, s, wr::REFERENCE_LOW)?.map(q);
    for i in graph.objects_for_subject_predicate(s, wr::INTERPRETATION) {
        let code = match i {
            TermRef::NamedNode(n) if n == wr::BELOW_NORMAL => "L",
            TermRef::NamedNode(n) if n == wr::NORMAL => "N",
            TermRef::NamedNode(n) if n == wr::ABOVE_NORMAL => "H",
            other => {
                return Err(CaseError::invalid(
                    format!("{path} wr:interpretation"),
                    format!("{other} is not wr:BelowNormal, wr:Normal or wr:AboveNormal"),
                ));
            }
        };
        fact.interpretation.push(code.into());
    }
    Ok(fact)
}

/// The case as triples in Warrant's case vocabulary (what `?keep=true` stores next to the
/// determination). Reading them back with [`read_rdf`] gives the same facts.
pub fn case_to_triples(case: &Case) -> Vec<Triple> {
    let mut out = Vec::new();
    let node = NamedNode::new_unchecked(case.iri.clone());
    out.push(Triple::new(node.clone(), rdf::TYPE, wr::CASE));
    for (index, fact) in case.facts.iter().enumerate() {
        let f = NamedNode::new_unchecked(fact.iri.clone());
        let is_request = case.requests.contains(&index);
        out.push(Triple::new(
            node.clone(),
            if is_request { wr::REQUESTS } else { wr::FACT },
            f.clone(),
        ));
        let class = match fact.kind {
            _ if is_request => wr::INTERVENTION_REQUEST,
            FactKind::Condition => wr::CONDITION_FACT,
            FactKind::Procedure => wr::PROCEDURE_FACT,
            FactKind::Observation => wr::OBSERVATION_FACT,
            _ => wr::MEDICATION_FACT,
        };
        let mut add = |p: oxigraph::model::NamedNodeRef<'_>, o: Term| {
            out.push(Triple::new(f.clone(), p, o));
        };
        add(rdf::TYPE, class.into());
        add(wr::SOURCE, Literal::from(fact.path.as_str()).into());
        if let Some(t) = &fact.text {
            add(rdfs::LABEL, Literal::from(t.as_str()).into());
        }
        for st in [
            &fact.status,
            &fact.clinical_status,
            &fact.verification_status,
        ]
        .into_iter()
        .flatten()
        {
            add(wr::FHIR_STATUS, Literal::from(st.as_str()).into());
        }
        if let Some(d) = &fact.date {
            add(wr::DATE, date_literal(d).into());
        }
        if let Some(days) = fact.interval_days {
            add(wr::REQUESTED_INTERVAL_DAYS, Literal::from(days).into());
        }
        let mut unit = None;
        match &fact.value {
            Some(ObsValue::Quantity(q)) => {
                let p = match q.comparator.as_deref() {
                    Some("<" | "<=") => wr::VALUE_HIGH,
                    Some(">" | ">=") => wr::VALUE_LOW,
                    _ => wr::VALUE,
                };
                add(p, Literal::from(q.value).into());
                unit = q.unit.clone();
            }
            Some(ObsValue::Range { low, high }) => {
                for (p, q) in [(wr::VALUE_LOW, low), (wr::VALUE_HIGH, high)] {
                    if let Some(q) = q {
                        add(p, Literal::from(q.value).into());
                        unit = unit.or_else(|| q.unit.clone());
                    }
                }
            }
            None => {}
        }
        if let Some(u) = unit {
            add(wr::UNIT, Literal::from(u).into());
        }
        for code in &fact.interpretation {
            let term = match code.as_str() {
                "L" | "LL" | "LU" | "<" => wr::BELOW_NORMAL,
                "N" => wr::NORMAL,
                "H" | "HH" | "HU" | ">" => wr::ABOVE_NORMAL,
                _ => continue,
            };
            add(wr::INTERPRETATION, term.into());
        }
        for (i, coding) in fact.codings.iter().enumerate() {
            let c = NamedNode::new_unchecked(format!("{}/coding-{}", fact.iri, i + 1));
            out.push(Triple::new(f.clone(), wr::CODING, c.clone()));
            out.push(Triple::new(c.clone(), rdf::TYPE, wr::CODING_CLASS));
            if let Some(s) = &coding.system {
                out.push(Triple::new(
                    c.clone(),
                    wr::SYSTEM,
                    Literal::new_typed_literal(s.as_str(), xsd::ANY_URI),
                ));
            }
            if let Some(code) = &coding.code {
                out.push(Triple::new(
                    c.clone(),
                    wr::CODE,
                    Literal::from(code.as_str()),
                ));
            }
            if let Some(d) = &coding.display {
                out.push(Triple::new(c, rdfs::LABEL, Literal::from(d.as_str())));
            }
        }
    }
    out
}

fn date_literal(span: &DateSpan) -> Literal {
    let (y, m, _) = span.earliest.ymd();
    let (_, lm, ld) = span.latest.ymd();
    if span.is_exact() {
        Literal::new_typed_literal(span.earliest.to_string(), xsd::DATE)
    } else if m == 1 && lm == 12 && ld == 31 {
        Literal::new_typed_literal(format!("{y:04}"), xsd::G_YEAR)
    } else {
        Literal::new_typed_literal(format!("{y:04}-{m:02}"), xsd::G_YEAR_MONTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::{RdfFormat, RdfSerializer};

    #[test]
    fn a_case_written_as_rdf_reads_back_with_the_same_facts() {
        let json = serde_json::json!({"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "Condition", "id": "c", "verificationStatus": {"coding": [{"code": "refuted"}]},
                          "clinicalStatus": {"coding": [{"code": "inactive"}]},
                          "code": {"coding": [{"system": "http://example.org/s", "code": "A1", "display": "a"}]}}},
            {"resource": {"resourceType": "Observation", "status": "final", "effectiveDateTime": "2025-02",
                          "code": {"coding": [{"system": "http://example.org/s", "code": "B2"}]},
                          "valueRange": {"low": {"value": 50, "code": "%"}, "high": {"value": 55, "code": "%"}}}},
            {"resource": {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
                          "medicationCodeableConcept": {"coding": [{"system": "http://example.org/s", "code": "C3"}]},
                          "dosageInstruction": [{"timing": {"repeat": {"period": 3, "periodUnit": "wk"}}}]}}
        ]});
        let case = super::super::fhir::read(&json, "https://example.org/case/1".into()).unwrap();
        let mut ttl = Vec::new();
        let mut writer = RdfSerializer::from_format(RdfFormat::Turtle).for_writer(&mut ttl);
        for t in case_to_triples(&case) {
            writer.serialize_triple(&t).unwrap();
        }
        writer.finish().unwrap();
        let back = read_rdf(&ttl, CaseFormat::Turtle, "urn:unused".into()).unwrap();
        assert_eq!(back.iri, case.iri);
        assert_eq!(back.facts.len(), 3);
        assert_eq!(back.requests.len(), 1);
        let by_code = |code: &str| {
            back.facts
                .iter()
                .find(|f| f.codings.iter().any(|c| c.code.as_deref() == Some(code)))
                .unwrap()
        };
        let condition = by_code("A1");
        assert_eq!(condition.verification_status.as_deref(), Some("refuted"));
        assert_eq!(condition.clinical_status.as_deref(), Some("inactive"));
        let obs = by_code("B2");
        assert_eq!(obs.date, case.facts[1].date);
        assert_eq!(obs.value, case.facts[1].value);
        assert_eq!(by_code("C3").interval_days, Some(21.0));
    }
}
