//! Leaves over medications and the request: `wr:MedicationCurrent`, `wr:MedicationInHistory`,
//! `wr:InterventionRequested`, as their comments in `ontology/warrant.ttl` define them. The one
//! closed-world rule of the vocabulary lives here: when a case lists any MedicationStatement, a
//! medication not listed as active is taken as not current.

use super::leaves::{Context, ORDER_INTENTS, done, unknown};
use super::{FactUse, LeafOutcome, Status};
use crate::case::FactKind;

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
