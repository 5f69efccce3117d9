//! Leaves over medications and the request: `wr:MedicationCurrent`, `wr:MedicationInHistory`,
//! `wr:InterventionRequested`, as their comments in `ontology/warrant.ttl` define them. The one
//! closed-world rule of the vocabulary lives here: when a case lists any MedicationStatement, a
//! medication not listed as active is taken as not current — but only when the graph recognises
//! every medication taken now: an active medication it does not know might be the one asked about,
//! so the answer is then unknown, naming it.

use super::leaves::{Context, ORDER_INTENTS, done, unknown};
use super::{FactUse, LeafOutcome, Status};
use crate::case::{DateSpan, FactKind};

/// Whether an intervention was being given when something was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    /// It was.
    Yes,
    /// It was not.
    No,
    /// The case does not say.
    Unknown,
}

/// Whether an intervention matching `x` was being given at `when` (the vocabulary's rule at
/// `wr:raisedByIntervention`): YES when a matching MedicationStatement is active and started on or
/// before that day, or a completed or stopped one ended, or a matching MedicationAdministration lies,
/// on or before it and at most `effect_days` days before it (the dose still shows); UNKNOWN when the
/// day is unknown, an active matching statement has no start, a completed or stopped one is undated,
/// ends on or after that day or may end within the effect window, an administration is undated or
/// may lie within it, or the case has no medication list and nothing matching; NO otherwise.
pub fn given_at(ctx: &Context<'_>, x: &str, when: Option<DateSpan>, effect_days: i64) -> Given {
    let Some(d) = when else {
        return Given::Unknown;
    };
    let mut unknown_seen = false;
    for (_, f) in ctx.matching(FactKind::MedicationStatement, x) {
        let status = f.status.as_deref();
        match (status, f.date) {
            (Some("active"), Some(s)) if s.latest <= d.earliest => return Given::Yes,
            (Some("active"), Some(s)) if s.earliest > d.latest => {}
            (Some("active"), _) => unknown_seen = true,
            (Some("not-taken" | "entered-in-error" | "intended"), _) => {}
            (_, Some(s)) if s.latest < d.earliest => match effect(s, d, effect_days) {
                Given::Yes => return Given::Yes,
                Given::Unknown => unknown_seen = true,
                Given::No => {}
            },
            _ => unknown_seen = true,
        }
    }
    for (_, f) in ctx.matching(FactKind::MedicationAdministration, x) {
        if f.status.as_deref() == Some("not-done") {
            continue;
        }
        match f.date {
            Some(a) if a.latest <= d.earliest => match effect(a, d, effect_days) {
                Given::Yes => return Given::Yes,
                Given::Unknown => unknown_seen = true,
                Given::No => {}
            },
            Some(a) if a.earliest > d.latest => {}
            _ => unknown_seen = true,
        }
    }
    let listed = ctx.facts(FactKind::MedicationStatement).next().is_some()
        || !ctx
            .matching(FactKind::MedicationAdministration, x)
            .is_empty();
    if unknown_seen || !listed {
        Given::Unknown
    } else {
        Given::No
    }
}

/// Whether a dose (or the end of a course) on `dose`, which lies on or before the measurement day
/// `at`, still shows at `at`: YES when every possible pair of days lies at most `effect_days` apart,
/// NO when none does, UNKNOWN otherwise.
fn effect(dose: DateSpan, at: DateSpan, effect_days: i64) -> Given {
    if at.latest.0 - dose.earliest.0 <= effect_days {
        Given::Yes
    } else if at.earliest.0 - dose.latest.0 > effect_days {
        Given::No
    } else {
        Given::Unknown
    }
}

pub fn medication_current(ctx: &Context<'_>, x: &str, name: &str) -> LeafOutcome {
    let statements: Vec<_> = ctx.facts(FactKind::MedicationStatement).collect();
    let matching: Vec<_> = statements
        .iter()
        .filter(|(_, f)| f.matches(x))
        .copied()
        .collect();
    let mut active: Vec<_> = matching
        .iter()
        .filter(|(_, f)| f.status.as_deref() == Some("active"))
        .copied()
        .collect();
    active.extend(
        ctx.matching(FactKind::MedicationRequest, x)
            .into_iter()
            .filter(|(i, f)| {
                Some(*i) != ctx.request
                    && f.status.as_deref() == Some("active")
                    && f.intent
                        .as_deref()
                        .is_some_and(|s| ORDER_INTENTS.contains(&s))
            }),
    );
    if !active.is_empty() {
        return done(
            Status::Met,
            ctx.uses(&active, x, "taken now"),
            format!("{name} is taken now"),
        );
    }
    let unknown_active: Vec<_> = statements
        .iter()
        .filter(|(_, f)| f.status.as_deref() == Some("active") && f.direct_concepts.is_empty())
        .collect();
    if !unknown_active.is_empty() {
        let names: Vec<String> = unknown_active.iter().map(|(_, f)| f.describe()).collect();
        return unknown(
            unknown_active
                .iter()
                .map(|(_, f)| FactUse {
                    fact: f.iri.clone(),
                    role: "taken now, not recognised".into(),
                    concept: None,
                    derivation: Vec::new(),
                    recorded: Vec::new(),
                    detail: None,
                })
                .collect(),
            "a recognised code for every medication taken now",
            format!(
                "{name}: the case's medication list includes medicines taken now that the graph does not recognise ({}), so whether {name} is among them is unknown",
                names.join("; ")
            ),
        );
    }
    if !statements.is_empty() {
        let mut uses = ctx.uses(&matching, x, "not active");
        if uses.is_empty() {
            uses = statements
                .iter()
                .map(|(_, f)| FactUse {
                    fact: f.iri.clone(),
                    role: "medication list".into(),
                    concept: None,
                    derivation: Vec::new(),
                    recorded: Vec::new(),
                    detail: None,
                })
                .collect();
        }
        return done(
            Status::NotMet,
            uses,
            format!("the case lists its medications and {name} is not among those taken now"),
        );
    }
    unknown(
        Vec::new(),
        "no medication list in the case",
        format!("{name}: the case lists no medication statement"),
    )
}

pub fn medication_in_history(ctx: &Context<'_>, x: &str, name: &str) -> LeafOutcome {
    let matching = ctx.matching(FactKind::MedicationStatement, x);
    let mut taken: Vec<_> = matching
        .iter()
        .filter(|(_, f)| {
            f.status
                .as_deref()
                .is_some_and(|s| ["active", "completed", "stopped", "on-hold"].contains(&s))
        })
        .copied()
        .collect();
    taken.extend(
        ctx.matching(FactKind::MedicationAdministration, x)
            .into_iter()
            .filter(|(_, f)| f.status.as_deref() != Some("not-done")),
    );
    if !taken.is_empty() {
        return done(
            Status::Met,
            ctx.uses(&taken, x, "received"),
            format!("{name} was received"),
        );
    }
    if !matching.is_empty()
        && matching
            .iter()
            .all(|(_, f)| f.status.as_deref() == Some("not-taken"))
    {
        return done(
            Status::NotMet,
            ctx.uses(&matching, x, "not taken"),
            format!("{name} recorded as not taken"),
        );
    }
    unknown(
        ctx.uses(&matching, x, "status unclear"),
        "not mentioned in the case",
        format!("{name} is not mentioned as received"),
    )
}

pub fn intervention_requested(ctx: &Context<'_>, x: &str, name: &str) -> LeafOutcome {
    let Some(r) = ctx.request else {
        return unknown(
            Vec::new(),
            "an intervention request",
            "the case requests no intervention".into(),
        );
    };
    let fact = &ctx.case.facts[r];
    let uses = ctx.uses(&[(r, fact)], x, "requested");
    if fact.matches(x) {
        done(Status::Met, uses, format!("{name} is requested"))
    } else {
        done(
            Status::NotMet,
            uses,
            format!("the request is not for {name}"),
        )
    }
}
