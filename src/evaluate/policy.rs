//! Policies as data: which policies apply to a request, and a policy read from the graph into a tree
//! of typed criteria, caveats, monitoring requirements and regimens — checked for the structure the
//! vocabulary requires (one kind per criterion, the parameters each kind needs, no cycles).

use super::EvaluateError;
use super::graph::Nodes;
use crate::queries::shipped;
use crate::store::{WarrantStore, value_of};
use crate::vocab::wr;
use oxigraph::model::{NamedNode, NamedNodeRef, Term, Variable};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind of a criterion (its class in the vocabulary).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `wr:AllOfCriterion`.
    AllOf,
    /// `wr:AnyOfCriterion`.
    AnyOf,
    /// `wr:NotCriterion`.
    Not,
    /// `wr:ConditionPresent`.
    ConditionPresent,
    /// `wr:ConditionEpisodesWithin`.
    ConditionEpisodesWithin,
    /// `wr:ProcedurePerformed`.
    ProcedurePerformed,
    /// `wr:ProcedureWithin`.
    ProcedureWithin,
    /// `wr:MedicationCurrent`.
    MedicationCurrent,
    /// `wr:MedicationInHistory`.
    MedicationInHistory,
    /// `wr:LabThreshold`.
    LabThreshold,
    /// `wr:ObservationBelowNormal`.
    ObservationBelowNormal,
    /// `wr:ObservationWithin`.
    ObservationWithin,
    /// `wr:InterventionRequested`.
    InterventionRequested,
}

const KINDS: [(NamedNodeRef<'static>, Kind); 13] = [
    (wr::ALL_OF_CRITERION, Kind::AllOf),
    (wr::ANY_OF_CRITERION, Kind::AnyOf),
    (wr::NOT_CRITERION, Kind::Not),
    (wr::CONDITION_PRESENT, Kind::ConditionPresent),
    (wr::CONDITION_EPISODES_WITHIN, Kind::ConditionEpisodesWithin),
    (wr::PROCEDURE_PERFORMED, Kind::ProcedurePerformed),
    (wr::PROCEDURE_WITHIN, Kind::ProcedureWithin),
    (wr::MEDICATION_CURRENT, Kind::MedicationCurrent),
    (wr::MEDICATION_IN_HISTORY, Kind::MedicationInHistory),
    (wr::LAB_THRESHOLD, Kind::LabThreshold),
    (wr::OBSERVATION_BELOW_NORMAL, Kind::ObservationBelowNormal),
    (wr::OBSERVATION_WITHIN, Kind::ObservationWithin),
    (wr::INTERVENTION_REQUESTED, Kind::InterventionRequested),
];

impl Kind {
    /// Whether it combines other criteria.
    pub fn is_composite(self) -> bool {
        matches!(self, Self::AllOf | Self::AnyOf | Self::Not)
    }
}

/// One criterion node.
#[derive(Debug, Clone)]
pub struct Criterion {
    /// IRI.
    pub iri: String,
    /// `rdfs:label`.
    pub label: String,
    /// The kind.
    pub kind: Kind,
    /// Operands (composites), sorted by `wr:displayOrder`.
    pub operands: Vec<String>,
    /// `wr:concept` or `wr:measures`: the concept a leaf tests.
    pub concept: Option<String>,
    /// `wr:withinDays`.
    pub within_days: Option<i64>,
    /// `wr:comparator`.
    pub comparator: Option<String>,
    /// `wr:threshold`.
    pub threshold: Option<f64>,
    /// `wr:unit`.
    pub unit: Option<String>,
    /// `wr:measurementsRequired` (default 1).
    pub measurements: usize,
    /// `wr:minimumEpisodes` (condition-episodes leaves).
    pub min_episodes: Option<i64>,
    /// `wr:alsoRefutedBy` (condition-episodes leaves): concepts whose refutation refutes the leaf.
    pub also_refuted_by: Vec<String>,
    /// `wr:raisedByIntervention`: an intervention that raises the measured value; a value taken
    /// while it was (or may have been) given counts as an upper bound of the patient's own value.
    pub raised_by: Option<String>,
    /// `wr:interventionEffectDays` (default 0): a dose this many days before a measurement still
    /// counts as given at the measurement.
    pub effect_days: i64,
    /// `wr:supportedBy` statements.
    pub supported_by: Vec<String>,
    /// `wr:opposedBy` statements.
    pub opposed_by: Vec<String>,
    /// `wr:certainty` of the argument the criterion encodes.
    pub certainty: Option<String>,
    /// `wr:displayOrder`.
    pub order: i64,
}

/// A caveat, a monitoring requirement or a regimen: a policy rule reported with the determination.
#[derive(Debug, Clone)]
pub struct Rule {
    /// IRI.
    pub iri: String,
    /// `rdfs:label`.
    pub label: String,
    /// `wr:text`.
    pub text: String,
    /// `wr:noteText` (monitoring, regimen).
    pub note_text: Option<String>,
    /// `wr:triggeredBy` (caveat) or `wr:check` (monitoring) criteria.
    pub criteria: Vec<String>,
    /// `wr:measures` (monitoring) or `wr:appliesTo` (regimen).
    pub concept: Option<String>,
    /// `wr:recommendedInterval`.
    pub interval: Option<String>,
    /// `wr:intervalMinDays`, `wr:intervalMaxDays` (regimen).
    pub days: Option<(f64, f64)>,
    /// `wr:supportedBy`.
    pub supported_by: Vec<String>,
    /// `wr:displayOrder`.
    pub order: i64,
}

/// A policy read from the graph.
#[derive(Debug, Clone)]
pub struct Policy {
    /// IRI.
    pub iri: String,
    /// `rdfs:label`.
    pub label: String,
    /// `wr:reviewStatus`.
    pub review_status: Option<String>,
    /// `wr:appliesTo`.
    pub applies_to: Vec<String>,
    /// `wr:population`.
    pub population: Vec<String>,
    /// `wr:initiationCriteria` root.
    pub initiation: String,
    /// `wr:discontinuationCriteria` root.
    pub discontinuation: Option<String>,
    /// Caveats, by display order.
    pub caveats: Vec<Rule>,
    /// Monitoring requirements.
    pub monitoring: Vec<Rule>,
    /// Regimens.
    pub regimens: Vec<Rule>,
    /// Every criterion reachable from the policy.
    pub criteria: BTreeMap<String, Criterion>,
}

/// Every policy with the concepts it applies to.
pub fn list(store: &WarrantStore) -> Result<Vec<(String, Vec<String>)>, EvaluateError> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for row in store.select(shipped("policies"), &[])? {
        let Some(policy) = value_of(&row, "policy") else {
            continue;
        };
        let applies = value_of(&row, "appliesTo");
        match out.iter_mut().find(|(p, _)| *p == policy) {
            Some((_, list)) => list.extend(applies),
            None => out.push((policy, applies.into_iter().collect())),
        }
    }
    Ok(out)
}

/// Reads a policy and checks its structure.
pub fn load(store: &WarrantStore, iri: &str, nodes: &mut Nodes) -> Result<Policy, EvaluateError> {
    let node = NamedNode::new(iri).map_err(|e| EvaluateError::BadPolicyIri(e.to_string()))?;
    let rows = store.select(
        shipped("policy-nodes"),
        &[(Variable::new_unchecked("policy"), Term::from(node))],
    )?;
    nodes.absorb(&rows);
    if !nodes.has_type(iri, wr::POLICY) {
        return Err(EvaluateError::PolicyNotFound(iri.to_owned()));
    }
    let bad = |m: String| EvaluateError::InvalidPolicy {
        policy: iri.to_owned(),
        message: m,
    };
    let initiation = nodes
        .iri(iri, wr::INITIATION_CRITERIA)
        .ok_or_else(|| bad("it has no wr:initiationCriteria".into()))?;
    let rule = |r: &str| Rule {
        iri: r.to_owned(),
        label: nodes.label(r),
        text: nodes.text(r, wr::TEXT).unwrap_or_default(),
        note_text: nodes.text(r, wr::NOTE_TEXT),
        criteria: [nodes.iris(r, wr::TRIGGERED_BY), nodes.iris(r, wr::CHECK)].concat(),
        concept: nodes
            .iri(r, wr::MEASURES)
            .or_else(|| nodes.iri(r, wr::APPLIES_TO)),
        interval: nodes.text(r, wr::RECOMMENDED_INTERVAL),
        days: nodes
            .number(r, wr::INTERVAL_MIN_DAYS)
            .zip(nodes.number(r, wr::INTERVAL_MAX_DAYS)),
        supported_by: nodes.iris(r, wr::SUPPORTED_BY),
        order: nodes.integer(r, wr::DISPLAY_ORDER).unwrap_or(i64::MAX),
    };
    let rules = |p| {
        let mut list: Vec<Rule> = nodes.iris(iri, p).iter().map(|r| rule(r)).collect();
        list.sort_by(|a, b| a.order.cmp(&b.order).then(a.iri.cmp(&b.iri)));
        list
    };
    let mut policy = Policy {
        iri: iri.to_owned(),
        label: nodes.label(iri),
        review_status: nodes.iri(iri, wr::REVIEW_STATUS),
        applies_to: nodes.iris(iri, wr::APPLIES_TO),
        population: nodes.iris(iri, wr::POPULATION),
        discontinuation: nodes.iri(iri, wr::DISCONTINUATION_CRITERIA),
        caveats: rules(wr::CAVEAT),
        monitoring: rules(wr::MONITORING),
        regimens: rules(wr::REGIMEN),
        initiation,
        criteria: BTreeMap::new(),
    };
    if let Some(r) = policy.regimens.iter().find(|r| r.days.is_none()) {
        return Err(bad(format!(
            "regimen {} lacks wr:intervalMinDays / wr:intervalMaxDays",
            r.iri
        )));
    }
    let mut roots = vec![policy.initiation.clone()];
    roots.extend(policy.discontinuation.clone());
    for r in policy.caveats.iter().chain(&policy.monitoring) {
        if r.criteria.is_empty() {
            return Err(bad(format!(
                "{} names no criterion (wr:triggeredBy / wr:check)",
                r.iri
            )));
        }
        roots.extend(r.criteria.iter().cloned());
    }
    for root in roots {
        read_tree(nodes, &root, &mut policy.criteria, &mut Vec::new()).map_err(bad)?;
    }
    Ok(policy)
}

/// Reads a criterion and its operands depth-first; `stack` detects cycles.
fn read_tree(
    nodes: &Nodes,
    iri: &str,
    out: &mut BTreeMap<String, Criterion>,
    stack: &mut Vec<String>,
) -> Result<(), String> {
    if stack.iter().any(|s| s == iri) {
        return Err(format!(
            "the criteria contain a cycle: {} -> {iri}",
            stack.join(" -> ")
        ));
    }
    if out.contains_key(iri) {
        return Ok(());
    }
    if !nodes.knows(iri) {
        return Err(format!("criterion {iri} is not described in the graph"));
    }
    let kinds: Vec<Kind> = KINDS
        .iter()
        .filter(|(class, _)| nodes.has_type(iri, *class))
        .map(|(_, k)| *k)
        .collect();
    let kind = match kinds.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "criterion {iri} has no criterion kind (e.g. wr:AllOfCriterion, wr:ConditionPresent)"
            ));
        }
        _ => return Err(format!("criterion {iri} has more than one criterion kind")),
    };
    let mut operands = match kind {
        Kind::AllOf => nodes.iris(iri, wr::ALL_OF),
        Kind::AnyOf => nodes.iris(iri, wr::ANY_OF),
        Kind::Not => nodes.iris(iri, wr::NOT),
        _ => Vec::new(),
    };
    match kind {
        Kind::AllOf | Kind::AnyOf if operands.is_empty() => {
            return Err(format!("{iri} has no operands"));
        }
        Kind::Not if operands.len() != 1 => {
            return Err(format!("{iri} must have exactly one wr:not operand"));
        }
        _ => {}
    }
    let concept = nodes
        .iri(iri, wr::CONCEPT)
        .or_else(|| nodes.iri(iri, wr::MEASURES));
    let criterion = Criterion {
        iri: iri.to_owned(),
        label: nodes.label(iri),
        kind,
        operands: Vec::new(),
        concept,
        within_days: nodes.integer(iri, wr::WITHIN_DAYS),
        comparator: nodes.text(iri, wr::COMPARATOR),
        threshold: nodes.number(iri, wr::THRESHOLD),
        unit: nodes.text(iri, wr::UNIT),
        measurements: nodes
            .integer(iri, wr::MEASUREMENTS_REQUIRED)
            .unwrap_or(1)
            .max(1) as usize,
        min_episodes: nodes.integer(iri, wr::MINIMUM_EPISODES),
        also_refuted_by: nodes.iris(iri, wr::ALSO_REFUTED_BY),
        raised_by: nodes.iri(iri, wr::RAISED_BY_INTERVENTION),
        effect_days: nodes
            .integer(iri, wr::INTERVENTION_EFFECT_DAYS)
            .unwrap_or(0)
            .max(0),
        supported_by: nodes.iris(iri, wr::SUPPORTED_BY),
        opposed_by: nodes.iris(iri, wr::OPPOSED_BY),
        certainty: nodes.iri(iri, wr::CERTAINTY),
        order: nodes.integer(iri, wr::DISPLAY_ORDER).unwrap_or(i64::MAX),
    };
    check_parameters(&criterion)?;
    stack.push(iri.to_owned());
    for op in &operands {
        read_tree(nodes, op, out, stack)?;
    }
    stack.pop();
    operands.sort_by(|a, b| out[a].order.cmp(&out[b].order).then(a.cmp(b)));
    out.insert(
        iri.to_owned(),
        Criterion {
            operands,
            ..criterion
        },
    );
    Ok(())
}

fn check_parameters(c: &Criterion) -> Result<(), String> {
    let need = |ok: bool, what: &str| {
        if ok {
            Ok(())
        } else {
            Err(format!("{} ({:?}) needs {what}", c.iri, c.kind))
        }
    };
    if !c.kind.is_composite() {
        need(c.concept.is_some(), "wr:concept or wr:measures")?;
    }
    match c.kind {
        Kind::ProcedureWithin | Kind::ObservationWithin => {
            need(c.within_days.is_some_and(|d| d >= 0), "wr:withinDays ≥ 0")
        }
        Kind::ConditionEpisodesWithin => {
            need(c.within_days.is_some_and(|d| d >= 0), "wr:withinDays ≥ 0")?;
            need(
                c.min_episodes.is_some_and(|k| k >= 1),
                "wr:minimumEpisodes ≥ 1",
            )
        }
        Kind::LabThreshold => {
            need(
                c.comparator
                    .as_deref()
                    .is_some_and(|op| ["<", "<=", ">", ">="].contains(&op)),
                "wr:comparator (one of <, <=, >, >=)",
            )?;
            need(c.threshold.is_some(), "wr:threshold")?;
            need(
                c.within_days.is_none_or(|d| d >= 0),
                "a wr:withinDays (lookback) ≥ 0",
            )?;
            need(
                c.unit
                    .as_deref()
                    .and_then(crate::case::Unit::parse)
                    .is_some(),
                "wr:unit (a UCUM unit Warrant understands)",
            )
        }
        _ => Ok(()),
    }
}
