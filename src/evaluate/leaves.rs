//! The leaf criteria: shared context and dispatch, and the condition and procedure leaves — each
//! exactly as its `rdfs:comment` in `ontology/warrant.ttl` defines met, not met and unknown (medication
//! leaves are in `medication`, measured values in `quantity`). Common rules: a fact matches concept X when it denotes X or a narrower concept;
//! facts dated after `asOf` are ignored (entered-in-error ones never reach evaluation); a leaf whose
//! facts are absent is unknown and names what is missing.
//!
//! Dates may be partial (a span of days): a span decides a "within N days" test only when every day
//! of it agrees.

use super::policy::{Criterion, Kind};
use super::{FactUse, LeafOutcome, Status};
use crate::case::{Case, Day, Fact, FactKind, Hierarchy};

/// What a leaf is evaluated against.
pub struct Context<'a> {
    /// The case.
    pub case: &'a Case,
    /// Evaluation date.
    pub as_of: Day,
    /// Index of the request being evaluated.
    pub request: Option<usize>,
    /// Concept hierarchy (criterion concepts loaded).
    pub hierarchy: &'a Hierarchy,
}

const CURRENT_CLINICAL: [&str; 3] = ["active", "recurrence", "relapse"];
const RESOLVED_CLINICAL: [&str; 3] = ["inactive", "remission", "resolved"];
const PERFORMED: [&str; 2] = ["completed", "in-progress"];
pub(super) const ORDER_INTENTS: [&str; 5] = [
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
];

impl Context<'_> {
    /// Facts of `kind` not dated after `asOf`, with their index.
    pub(super) fn facts(&self, kind: FactKind) -> impl Iterator<Item = (usize, &Fact)> {
        let as_of = self.as_of;
        self.case
            .facts
            .iter()
            .enumerate()
            .filter(move |(_, f)| f.kind == kind && f.date.is_none_or(|d| d.earliest <= as_of))
    }

    pub(super) fn matching(&self, kind: FactKind, concept: &str) -> Vec<(usize, &Fact)> {
        self.facts(kind)
            .filter(|(_, f)| f.matches(concept))
            .collect()
    }

    /// How a fact comes to match `concept`: the chain from one of its direct concepts.
    fn derivation(&self, fact: &Fact, concept: &str) -> Vec<String> {
        fact.direct_concepts
            .iter()
            .filter_map(|d| self.hierarchy.path(d, concept))
            .min_by_key(Vec::len)
            .unwrap_or_default()
    }

    pub(super) fn uses(&self, facts: &[(usize, &Fact)], concept: &str, role: &str) -> Vec<FactUse> {
        facts
            .iter()
            .map(|(_, f)| FactUse {
                fact: f.iri.clone(),
                role: role.to_owned(),
                concept: Some(concept.to_owned()),
                derivation: self.derivation(f, concept),
                recorded: Vec::new(),
                detail: None,
            })
            .collect()
    }

    /// Days from each end of a fact's date to `asOf`: (fewest, most); `None` when undated.
    pub(super) fn age(&self, fact: &Fact) -> Option<(i64, i64)> {
        fact.date
            .map(|d| (self.as_of.0 - d.latest.0, self.as_of.0 - d.earliest.0))
    }

    /// The "within N days" leaves' met case: `Met` with those of `facts` dated entirely within the
    /// `n` days before `asOf` (used as `role`, for the criterion concept `x`), if there are any.
    pub(super) fn met_within(
        &self,
        facts: &[(usize, &Fact)],
        n: i64,
        x: &str,
        role: &str,
        reason: impl FnOnce() -> String,
    ) -> Option<LeafOutcome> {
        let recent: Vec<_> = facts
            .iter()
            .filter(|(_, f)| {
                self.age(f)
                    .is_some_and(|(least, most)| least >= 0 && most <= n)
            })
            .copied()
            .collect();
        (!recent.is_empty()).then(|| done(Status::Met, self.uses(&recent, x, role), reason()))
    }
}

/// Those of `facts` whose FHIR status is one of `statuses`.
fn with_status<'f>(facts: &[(usize, &'f Fact)], statuses: &[&str]) -> Vec<(usize, &'f Fact)> {
    facts
        .iter()
        .filter(|(_, f)| f.status.as_deref().is_some_and(|s| statuses.contains(&s)))
        .copied()
        .collect()
}

pub(super) fn done(status: Status, facts: Vec<FactUse>, reason: String) -> LeafOutcome {
    LeafOutcome {
        status,
        facts,
        missing: None,
        reason,
        unusable: Vec::new(),
    }
}

pub(super) fn unknown(facts: Vec<FactUse>, missing: &str, reason: String) -> LeafOutcome {
    LeafOutcome {
        status: Status::Unknown,
        facts,
        missing: Some(missing.to_owned()),
        reason,
        unusable: Vec::new(),
    }
}

/// Evaluates a leaf criterion.
pub fn evaluate(ctx: &Context<'_>, c: &Criterion) -> LeafOutcome {
    let x = c.concept.as_deref().unwrap_or_default();
    let name = ctx.hierarchy.label(x);
    match c.kind {
        Kind::ConditionPresent => condition_present(ctx, x, &name),
        Kind::ConditionEpisodesWithin => condition_episodes_within(ctx, c, x, &name),
        Kind::ProcedurePerformed => procedure_performed(ctx, x, &name),
        Kind::ProcedureWithin => procedure_within(ctx, x, &name, c.within_days.unwrap_or(0)),
        Kind::MedicationCurrent => super::medication::medication_current(ctx, x, &name),
        Kind::MedicationInHistory => super::medication::medication_in_history(ctx, x, &name),
        Kind::LabThreshold => super::quantity::lab_threshold(ctx, c, x, &name),
        Kind::ObservationBelowNormal => super::quantity::below_normal(ctx, x, &name),
        Kind::ObservationWithin => {
            super::quantity::observation_within(ctx, x, &name, c.within_days.unwrap_or(0))
        }
        Kind::InterventionRequested => super::medication::intervention_requested(ctx, x, &name),
        Kind::AllOf | Kind::AnyOf | Kind::Not => {
            unknown(Vec::new(), "", "composite evaluated as a leaf".into())
        }
    }
}

fn condition_present(ctx: &Context<'_>, x: &str, name: &str) -> LeafOutcome {
    let matching = ctx.matching(FactKind::Condition, x);
    let refuted = |f: &Fact| f.verification_status.as_deref() == Some("refuted");
    let present: Vec<_> = matching
        .iter()
        .filter(|(_, f)| {
            !refuted(f)
                && f.clinical_status
                    .as_deref()
                    .is_none_or(|s| CURRENT_CLINICAL.contains(&s))
        })
        .copied()
        .collect();
    if !present.is_empty() {
        return done(
            Status::Met,
            ctx.uses(&present, x, "present"),
            format!("the case records {name} as current"),
        );
    }
    if let Some(not_met) = refuted_outcome(ctx, &[x], name) {
        return not_met;
    }
    let stated: Vec<_> = matching
        .iter()
        .filter(|(_, f)| !refuted(f))
        .copied()
        .collect();
    if !stated.is_empty()
        && stated.iter().all(|(_, f)| {
            f.clinical_status
                .as_deref()
                .is_some_and(|s| RESOLVED_CLINICAL.contains(&s))
        })
    {
        return done(
            Status::NotMet,
            ctx.uses(&stated, x, "not current"),
            format!("{name} is recorded as inactive or resolved"),
        );
    }
    let detail = if stated.is_empty() {
        "not mentioned in the case"
    } else {
        "current status not stated"
    };
    unknown(
        ctx.uses(&stated, x, "status unclear"),
        detail,
        format!("{name}: {detail}"),
    )
}

/// NOT MET when the case refutes one of `concepts`: a refuted Condition coded with it or a broader
/// concept (refuting "infection" refutes every kind of infection); `None` otherwise.
fn refuted_outcome(ctx: &Context<'_>, concepts: &[&str], name: &str) -> Option<LeafOutcome> {
    let refutes = |d: &String| concepts.iter().any(|x| ctx.hierarchy.subsumes(d, x));
    let uses: Vec<FactUse> = ctx
        .facts(FactKind::Condition)
        .filter(|(_, f)| {
            f.verification_status.as_deref() == Some("refuted")
                && f.direct_concepts.iter().any(refutes)
        })
        .map(|(_, f)| FactUse {
            fact: f.iri.clone(),
            role: "refuted".into(),
            concept: f.direct_concepts.iter().find(|d| refutes(d)).cloned(),
            derivation: Vec::new(),
            recorded: Vec::new(),
            detail: None,
        })
        .collect();
    (!uses.is_empty()).then(|| {
        done(
            Status::NotMet,
            uses,
            format!("the case refutes {name} (or a broader condition)"),
        )
    })
}

fn condition_episodes_within(ctx: &Context<'_>, c: &Criterion, x: &str, name: &str) -> LeafOutcome {
    let n = c.within_days.unwrap_or(0);
    let k = c.min_episodes.unwrap_or(1).max(1);
    let stated: Vec<_> = ctx
        .matching(FactKind::Condition, x)
        .into_iter()
        .filter(|(_, f)| f.verification_status.as_deref() != Some("refuted"))
        .collect();
    let within: Vec<_> = stated
        .iter()
        .filter(|(_, f)| {
            ctx.age(f)
                .is_some_and(|(least, most)| least >= 0 && most <= n)
        })
        .copied()
        .collect();
    // one episode per day: two records of the same day are one episode
    let days: std::collections::BTreeSet<i64> = within
        .iter()
        .filter_map(|(_, f)| f.date.map(|d| d.earliest.0))
        .collect();
    let episodes = days.len() as i64;
    if episodes >= k {
        return done(
            Status::Met,
            ctx.uses(&within, x, "episode within the window"),
            format!(
                "{episodes} episodes of {name} within {n} days before the evaluation date (needs {k})"
            ),
        );
    }
    // refuting the concept (or a broader one), or a concept the criterion names as refuting it too
    let refuters: Vec<&str> = std::iter::once(x)
        .chain(c.also_refuted_by.iter().map(String::as_str))
        .collect();
    if let Some(not_met) = refuted_outcome(ctx, &refuters, name) {
        return not_met;
    }
    let undated = stated.iter().any(|(_, f)| f.date.is_none());
    let detail = if undated {
        "date of the condition".to_owned()
    } else {
        format!("episodes of {name} in the last {n} days")
    };
    let mut uses = ctx.uses(&within, x, "episode within the window");
    let outside: Vec<_> = stated
        .iter()
        .filter(|(_, f)| !within.iter().any(|(_, w)| std::ptr::eq(*w, *f)))
        .copied()
        .collect();
    uses.extend(ctx.uses(&outside, x, "not counted (undated or outside the window)"));
    unknown(
        uses,
        &detail,
        format!(
            "{episodes} of {k} episodes of {name} recorded within {n} days; others are not known"
        ),
    )
}

fn procedure_performed(ctx: &Context<'_>, x: &str, name: &str) -> LeafOutcome {
    let procs = ctx.matching(FactKind::Procedure, x);
    let performed = with_status(&procs, &PERFORMED);
    let status_codes: Vec<_> = ctx
        .matching(FactKind::Condition, x)
        .into_iter()
        .filter(|(_, f)| f.verification_status.as_deref() != Some("refuted"))
        .collect();
    if !performed.is_empty() || !status_codes.is_empty() {
        let mut uses = ctx.uses(&performed, x, "performed");
        uses.extend(ctx.uses(&status_codes, x, "status after the procedure"));
        return done(Status::Met, uses, format!("the case records {name}"));
    }
    let not_done = with_status(&procs, &["not-done"]);
    if !not_done.is_empty() {
        return done(
            Status::NotMet,
            ctx.uses(&not_done, x, "not done"),
            format!("the case records {name} as not done"),
        );
    }
    unknown(
        Vec::new(),
        "not mentioned in the case",
        format!("{name} is not mentioned"),
    )
}

fn procedure_within(ctx: &Context<'_>, x: &str, name: &str, n: i64) -> LeafOutcome {
    let procs = ctx.matching(FactKind::Procedure, x);
    let performed = with_status(&procs, &PERFORMED);
    if let Some(met) = ctx.met_within(&performed, n, x, "performed within the window", || {
        format!("{name} within {n} days before the evaluation date")
    }) {
        return met;
    }
    if performed.is_empty() {
        let not_done = with_status(&procs, &["not-done"]);
        if !not_done.is_empty() {
            return done(
                Status::NotMet,
                ctx.uses(&not_done, x, "not done"),
                format!("{name} recorded as not done"),
            );
        }
        return unknown(
            Vec::new(),
            "not mentioned in the case",
            format!("{name} is not mentioned"),
        );
    }
    if performed
        .iter()
        .all(|(_, f)| ctx.age(f).is_some_and(|(least, _)| least > n))
    {
        return done(
            Status::NotMet,
            ctx.uses(&performed, x, "performed before the window"),
            format!("{name} more than {n} days before the evaluation date"),
        );
    }
    let undated = performed.iter().any(|(_, f)| f.date.is_none());
    let detail = if undated {
        "date of the procedure"
    } else {
        "exact date of the procedure"
    };
    unknown(
        ctx.uses(&performed, x, "date unknown"),
        detail,
        format!("{name} is recorded but its {detail} is not known"),
    )
}
