//! From evaluated criteria to the answer's sections: the determination rule, per-criterion results,
//! missing facts, caveats, monitoring, the regimen check and notes.
//!
//! Determination (the vocabulary's rule at `wr:Policy`): `not-necessary` when the discontinuation
//! root is met or the initiation root is not met; `necessary` when the initiation root is met;
//! `indeterminate` otherwise. Caveats, monitoring and regimen never change it, and they are never
//! gated by review: their triggers and checks read the facts (the criteria's computed status), and
//! each is reported with the review status of its evidence (`approved` or `pending review`). Only a
//! rule whose every supporting statement is rejected or absent is listed under `withheld`.

use super::evidence::Evidence;
use super::policy::{Policy, Rule};
use super::report::{
    CaveatReport, ConceptRef, CriterionReport, EvidenceRef, Missing, MonitoringReport, Outcome,
    RegimenReport, Status, Withheld,
};
use super::tree::{self, Evaluated};
use crate::case::{Case, Hierarchy};
use std::collections::{BTreeMap, BTreeSet};

/// Applies the determination rule; the last reason is the clause that decided.
pub fn outcome(policy: &Policy, evals: &BTreeMap<String, Evaluated>) -> (Outcome, Vec<String>) {
    let init = evals[&policy.initiation].status;
    let disc = policy.discontinuation.as_ref().map(|d| evals[d].status);
    let label = |iri: &str| policy.criteria[iri].label.clone();
    let mut reasons = vec![format!(
        "Initiation criteria \"{}\": {}.",
        label(&policy.initiation),
        init.words()
    )];
    if let (Some(d), Some(s)) = (&policy.discontinuation, disc) {
        reasons.push(format!(
            "Discontinuation criteria \"{}\": {}.",
            label(d),
            s.words()
        ));
    }
    let (outcome, because) = if disc == Some(Status::Met) {
        (
            Outcome::NotNecessary,
            "the discontinuation criteria are met",
        )
    } else if init == Status::NotMet {
        (Outcome::NotNecessary, "the initiation criteria are not met")
    } else if init == Status::Met {
        (
            Outcome::Necessary,
            "the initiation criteria are met and the discontinuation criteria are not met",
        )
    } else {
        (
            Outcome::Indeterminate,
            "the initiation criteria cannot be decided with the facts given (see the missing facts) and the discontinuation criteria are not met",
        )
    };
    reasons.push(because.to_owned());
    (outcome, reasons)
}

/// Statement references of a criterion or rule.
pub fn refs(
    evidence: &Evidence,
    supported_by: &[String],
    opposed_by: &[String],
) -> Vec<EvidenceRef> {
    let one = |s: &String, role: &str| EvidenceRef {
        statement: s.clone(),
        role: role.to_owned(),
        review_status: evidence
            .statements
            .get(s)
            .map(|i| i.review_status.clone())
            .unwrap_or_else(|| "not in the graph".into()),
        counts: evidence.statements.get(s).is_some_and(|i| i.counts),
    };
    supported_by
        .iter()
        .map(|s| one(s, "supports"))
        .chain(opposed_by.iter().map(|s| one(s, "opposes")))
        .collect()
}

/// One report per criterion, in tree order.
pub fn criteria(
    policy: &Policy,
    evals: &BTreeMap<String, Evaluated>,
    evidence: &Evidence,
    hierarchy: &Hierarchy,
    levels: &BTreeMap<String, super::report::Level>,
) -> Vec<CriterionReport> {
    let roles = tree::roles(policy);
    tree::order(policy)
        .into_iter()
        .map(|iri| {
            let c = &policy.criteria[&iri];
            let e = &evals[&iri];
            let leaf = e.leaf.clone();
            let mut reason = match &leaf {
                Some(l) => l.reason.clone(),
                None => format!(
                    "{}: {}",
                    match c.kind {
                        super::policy::Kind::AllOf => "needs all of",
                        super::policy::Kind::AnyOf => "needs any of",
                        _ => "holds when this does not",
                    },
                    c.operands
                        .iter()
                        .map(|o| format!("{} ({})", policy.criteria[o].label, evals[o].status.words()))
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            };
            if !e.supported {
                reason.push_str(
                    " — but none of its supporting statements counts under the review gate, so it counts as unknown",
                );
            }
            CriterionReport {
                iri: iri.clone(),
                label: c.label.clone(),
                kind: c.kind,
                roles: roles.get(&iri).map(|r| r.iter().cloned().collect()).unwrap_or_default(),
                children: c.operands.clone(),
                status: e.status,
                computed_status: e.computed,
                supported: e.supported,
                concept: c.concept.as_deref().map(|x| ConceptRef::new(x, hierarchy)),
                reason,
                facts: leaf.as_ref().map(|l| l.facts.clone()).unwrap_or_default(),
                evidence: refs(evidence, &c.supported_by, &c.opposed_by),
                certainty: c.certainty.as_ref().and_then(|cert| levels.get(cert).cloned()),
                missing: leaf.as_ref().and_then(|l| l.missing.clone()),
                unusable: leaf.map(|l| l.unusable).unwrap_or_default(),
            }
        })
        .collect()
}

/// Missing facts, grouped by concept.
pub fn missing(reports: &[CriterionReport], hierarchy: &Hierarchy) -> Vec<Missing> {
    let mut by_concept: BTreeMap<String, Missing> = BTreeMap::new();
    let mut order = Vec::new();
    for r in reports {
        let (Some(detail), Some(concept)) = (&r.missing, &r.concept) else {
            continue;
        };
        if detail.is_empty() {
            continue;
        }
        let entry = by_concept.entry(concept.iri.clone()).or_insert_with(|| {
            order.push(concept.iri.clone());
            Missing {
                concept: concept.iri.clone(),
                label: hierarchy.label(&concept.iri),
                needed_by: Vec::new(),
                needed_for: Vec::new(),
                detail: Vec::new(),
            }
        });
        entry.needed_by.push(r.iri.clone());
        for role in &r.roles {
            if !entry.needed_for.contains(role) {
                entry.needed_for.push(role.clone());
            }
        }
        if !entry.detail.contains(detail) {
            entry.detail.push(detail.clone());
        }
    }
    order
        .into_iter()
        .filter_map(|c| by_concept.remove(&c))
        .collect()
}

fn withheld(rule: &Rule, kind: &str, evidence: &Evidence) -> Withheld {
    Withheld {
        iri: rule.iri.clone(),
        label: rule.label.clone(),
        kind: kind.to_owned(),
        text: rule.text.clone(),
        reason: "every supporting statement is rejected or absent".into(),
        evidence: refs(evidence, &rule.supported_by, &[]),
    }
}

/// `approved` when an approved statement supports the rule, `pending review` when only statements
/// awaiting review do, `None` when every supporting statement is rejected or absent.
fn review_of(rule: &Rule, evidence: &Evidence) -> Option<&'static str> {
    let infos: Vec<_> = rule
        .supported_by
        .iter()
        .filter_map(|s| evidence.statements.get(s))
        .collect();
    if infos.iter().any(|i| i.approved) {
        Some("approved")
    } else if infos.iter().any(|i| !i.rejected) {
        Some("pending review")
    } else {
        None
    }
}

/// Caveats (triggered or possibly applicable), triggered by the facts; those whose every
/// supporting statement is rejected or absent go to `withheld`.
pub fn caveats(
    policy: &Policy,
    evals: &BTreeMap<String, Evaluated>,
    evidence: &Evidence,
    withheld_out: &mut Vec<Withheld>,
) -> Vec<CaveatReport> {
    let mut out = Vec::new();
    for c in &policy.caveats {
        let with = |s: Status| -> Vec<String> {
            c.criteria
                .iter()
                .filter(|t| evals[*t].computed == s)
                .cloned()
                .collect()
        };
        let (status, triggers) = match (with(Status::Met), with(Status::Unknown)) {
            (met, _) if !met.is_empty() => ("triggered", met),
            (_, unknown) if !unknown.is_empty() => ("possible", unknown),
            _ => continue,
        };
        let Some(review) = review_of(c, evidence) else {
            let mut w = withheld(c, "caveat", evidence);
            w.reason = format!("{status} by its trigger, but {}", w.reason);
            withheld_out.push(w);
            continue;
        };
        out.push(CaveatReport {
            review: review.into(),
            iri: c.iri.clone(),
            label: c.label.clone(),
            text: c.text.clone(),
            status: status.into(),
            triggered_by: triggers,
            evidence: refs(evidence, &c.supported_by, &[]),
        });
    }
    out
}

/// Monitoring requirements, checked against the facts: a check that is unknown or not met gets the
/// requirement's note.
pub fn monitoring(
    policy: &Policy,
    evals: &BTreeMap<String, Evaluated>,
    evidence: &Evidence,
    withheld_out: &mut Vec<Withheld>,
    notes: &mut Vec<String>,
) -> Vec<MonitoringReport> {
    let mut out = Vec::new();
    for m in &policy.monitoring {
        let Some(review) = review_of(m, evidence) else {
            withheld_out.push(withheld(m, "monitoring", evidence));
            continue;
        };
        let statuses: Vec<Status> = m.criteria.iter().map(|c| evals[c].computed).collect();
        let status = tree::combine(super::policy::Kind::AllOf, &statuses);
        let note = match status {
            Status::Met => None,
            Status::NotMet => Some(format!(
                "Monitoring overdue — {}: {}",
                m.label,
                m.note_text.clone().unwrap_or_default()
            )),
            Status::Unknown => Some(format!(
                "Monitoring gap — {}: {}",
                m.label,
                m.note_text.clone().unwrap_or_default()
            )),
        };
        notes.extend(note.clone());
        out.push(MonitoringReport {
            review: review.into(),
            iri: m.iri.clone(),
            label: m.label.clone(),
            text: m.text.clone(),
            check: m.criteria.clone(),
            status,
            note,
            evidence: refs(evidence, &m.supported_by, &[]),
        });
    }
    out
}

/// The regimen check of the requested interval.
pub fn regimens(
    policy: &Policy,
    case: &Case,
    request: Option<usize>,
    evidence: &Evidence,
    withheld_out: &mut Vec<Withheld>,
    notes: &mut Vec<String>,
) -> Vec<RegimenReport> {
    let mut out = Vec::new();
    let fact = request.map(|r| &case.facts[r]);
    for r in &policy.regimens {
        let applies = match (&r.concept, fact) {
            (Some(x), Some(f)) => f.matches(x),
            (None, _) => true,
            (Some(_), None) => false,
        };
        if !applies {
            continue;
        }
        let Some(review) = review_of(r, evidence) else {
            withheld_out.push(withheld(r, "regimen", evidence));
            continue;
        };
        let (min, max) = r.days.unwrap_or((0.0, f64::INFINITY));
        let requested = fact.and_then(|f| f.interval_days);
        let consistent = requested.map(|d| d >= min && d <= max);
        let note = match consistent {
            Some(false) => Some(format!(
                "Regimen — requested {} ({} days); \"{}\" is every {}–{} days: {}",
                fact.and_then(|f| f.timing.clone()).unwrap_or_default(),
                fmt_days(requested.unwrap_or_default()),
                r.label,
                fmt_days(min),
                fmt_days(max),
                r.note_text.clone().unwrap_or_default()
            )),
            // No timing: no note; the interval is reported as unknown (`requestedDays` null).
            None | Some(true) => None,
        };
        notes.extend(note.clone());
        out.push(RegimenReport {
            review: review.into(),
            iri: r.iri.clone(),
            label: r.label.clone(),
            text: r.text.clone(),
            recommended: r.interval.clone(),
            min_days: min,
            max_days: max,
            requested_days: requested,
            requested: fact.and_then(|f| f.timing.clone()),
            consistent,
            note,
            evidence: refs(evidence, &r.supported_by, &[]),
        });
    }
    out
}

/// Days without a needless `.0`.
pub fn fmt_days(d: f64) -> String {
    if d.fract() == 0.0 {
        format!("{d:.0}")
    } else {
        format!("{d:.2}")
    }
}

/// Every statement a policy refers to (criteria, caveats, monitoring, regimens).
pub fn policy_statements(policy: &Policy) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in policy.criteria.values() {
        out.extend(c.supported_by.iter().cloned());
        out.extend(c.opposed_by.iter().cloned());
    }
    for r in policy
        .caveats
        .iter()
        .chain(&policy.monitoring)
        .chain(&policy.regimens)
    {
        out.extend(r.supported_by.iter().cloned());
    }
    out
}
