//! Three-valued evaluation of a policy's criteria tree, with the review gate.
//!
//! Composites follow Kleene's logic: all-of is not met if any operand is not met, met if all are met,
//! unknown otherwise; any-of is met if any operand is met, not met if all are not met, unknown
//! otherwise; not swaps met and not met and keeps unknown.
//!
//! The review gate: a criterion COUNTS only when at least one of its `wr:supportedBy` statements
//! counts (approved; with `includePending`, anything not rejected). A criterion without counting
//! support cannot decide anything: its status is `unknown` whatever the facts say — its parent sees
//! unknown — while `computedStatus` keeps what the facts (or operands) gave, so nothing is hidden.
//! Shared criteria are evaluated once.

use super::leaves::{self, Context};
use super::policy::{Kind, Policy};
use super::{LeafOutcome, Status};
use std::collections::{BTreeMap, BTreeSet};

/// One criterion's evaluation.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// Status used by parents and the determination.
    pub status: Status,
    /// Status from facts / operands, before the gate.
    pub computed: Status,
    /// Whether a supporting statement counts.
    pub supported: bool,
    /// The leaf outcome (leaves only).
    pub leaf: Option<LeafOutcome>,
}

/// Evaluates every criterion of the policy. `counts` says whether a statement counts as support.
pub fn evaluate(
    policy: &Policy,
    ctx: &Context<'_>,
    counts: &dyn Fn(&str) -> bool,
) -> BTreeMap<String, Evaluated> {
    let mut out = BTreeMap::new();
    for iri in policy.criteria.keys() {
        eval(policy, ctx, counts, iri, &mut out);
    }
    out
}

fn eval(
    policy: &Policy,
    ctx: &Context<'_>,
    counts: &dyn Fn(&str) -> bool,
    iri: &str,
    out: &mut BTreeMap<String, Evaluated>,
) -> Status {
    if let Some(done) = out.get(iri) {
        return done.status;
    }
    let c = &policy.criteria[iri];
    let supported = c.supported_by.iter().any(|s| counts(s));
    let (computed, leaf) = if c.kind.is_composite() {
        let operands: Vec<Status> = c
            .operands
            .iter()
            .map(|o| eval(policy, ctx, counts, o, out))
            .collect();
        (combine(c.kind, &operands), None)
    } else {
        let outcome = leaves::evaluate(ctx, c);
        (outcome.status, Some(outcome))
    };
    let status = if supported { computed } else { Status::Unknown };
    out.insert(
        iri.to_owned(),
        Evaluated {
            status,
            computed,
            supported,
            leaf,
        },
    );
    status
}

/// Kleene combination of operand statuses.
pub fn combine(kind: Kind, operands: &[Status]) -> Status {
    match kind {
        Kind::AllOf => {
            if operands.contains(&Status::NotMet) {
                Status::NotMet
            } else if operands.iter().all(|s| *s == Status::Met) {
                Status::Met
            } else {
                Status::Unknown
            }
        }
        Kind::AnyOf => {
            if operands.contains(&Status::Met) {
                Status::Met
            } else if operands.iter().all(|s| *s == Status::NotMet) {
                Status::NotMet
            } else {
                Status::Unknown
            }
        }
        Kind::Not => match operands.first() {
            Some(Status::Met) => Status::NotMet,
            Some(Status::NotMet) => Status::Met,
            _ => Status::Unknown,
        },
        _ => Status::Unknown,
    }
}

/// The operands that decided a composite's status: for met all-of all of them, for not-met all-of
/// the not-met ones, for met any-of the met ones, for not-met any-of all of them, for not the one;
/// for unknown, the unknown ones.
pub fn decisive(policy: &Policy, evals: &BTreeMap<String, Evaluated>, iri: &str) -> Vec<String> {
    let c = &policy.criteria[iri];
    let status = evals[iri].computed;
    let pick = |want: Status| -> Vec<String> {
        c.operands
            .iter()
            .filter(|o| evals[*o].status == want)
            .cloned()
            .collect()
    };
    match (c.kind, status) {
        (Kind::Not, _) | (Kind::AllOf, Status::Met) | (Kind::AnyOf, Status::NotMet) => {
            c.operands.clone()
        }
        (Kind::AllOf, Status::NotMet) => pick(Status::NotMet),
        (Kind::AnyOf, Status::Met) => pick(Status::Met),
        (_, Status::Unknown) => pick(Status::Unknown),
        _ => Vec::new(),
    }
}

/// Paths from `root` to deciding leaves (or to unsupported criteria, where the gate decided).
pub fn decisive_paths(
    policy: &Policy,
    evals: &BTreeMap<String, Evaluated>,
    root: &str,
) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut stack = vec![vec![root.to_owned()]];
    while let Some(path) = stack.pop() {
        let last = path.last().cloned().unwrap_or_default();
        let e = &evals[&last];
        let next = if policy.criteria[&last].kind.is_composite() && e.supported {
            decisive(policy, evals, &last)
        } else {
            Vec::new()
        };
        if next.is_empty() {
            paths.push(path);
        } else {
            for n in next.into_iter().rev() {
                let mut p = path.clone();
                p.push(n);
                stack.push(p);
            }
        }
    }
    paths
}

/// Roles of each criterion: which roots reach it.
pub fn roles(policy: &Policy) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut roots: Vec<(String, &str)> = vec![(policy.initiation.clone(), "initiation")];
    roots.extend(
        policy
            .discontinuation
            .iter()
            .map(|d| (d.clone(), "discontinuation")),
    );
    for c in &policy.caveats {
        roots.extend(c.criteria.iter().map(|t| (t.clone(), "caveat")));
    }
    for m in &policy.monitoring {
        roots.extend(m.criteria.iter().map(|t| (t.clone(), "monitoring")));
    }
    for (root, role) in roots {
        let mut stack = vec![root];
        while let Some(c) = stack.pop() {
            if out.entry(c.clone()).or_default().insert(role.to_owned()) {
                stack.extend(policy.criteria[&c].operands.iter().cloned());
            }
        }
    }
    out
}

/// Criteria in tree order: depth first from the initiation root, then discontinuation, caveat
/// triggers and monitoring checks; each once.
pub fn order(policy: &Policy) -> Vec<String> {
    let mut roots = vec![policy.initiation.clone()];
    roots.extend(policy.discontinuation.clone());
    for r in policy.caveats.iter().chain(&policy.monitoring) {
        roots.extend(r.criteria.iter().cloned());
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for root in roots {
        let mut stack = vec![root];
        while let Some(c) = stack.pop() {
            if seen.insert(c.clone()) {
                out.push(c.clone());
                stack.extend(policy.criteria[&c].operands.iter().rev().cloned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn kleene_logic() {
        assert_eq!(combine(Kind::AllOf, &[Met, Met]), Met);
        assert_eq!(combine(Kind::AllOf, &[Met, Unknown]), Unknown);
        assert_eq!(combine(Kind::AllOf, &[Unknown, NotMet]), NotMet);
        assert_eq!(combine(Kind::AnyOf, &[Unknown, Met]), Met);
        assert_eq!(combine(Kind::AnyOf, &[Unknown, NotMet]), Unknown);
        assert_eq!(combine(Kind::AnyOf, &[NotMet, NotMet]), NotMet);
        assert_eq!(combine(Kind::Not, &[Met]), NotMet);
        assert_eq!(combine(Kind::Not, &[NotMet]), Met);
        assert_eq!(combine(Kind::Not, &[Unknown]), Unknown);
    }
}
