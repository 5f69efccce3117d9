//! Weak links shown, not hidden: the weakest evidence of each chain that decided the outcome,
//! statements that are indirect under the policy's population, statements curators flagged, and
//! opposing evidence.
//!
//! Strength of a criterion: the lower of its own `wr:certainty` (the certainty of the argument it
//! encodes, when the curators set one) and the certainty of its best counting supporting statement —
//! one good statement is enough to support a criterion. A chain (root to deciding leaf, see
//! `tree::decisive_paths`) is as strong as its weakest criterion; ties go to the weaker study design
//! (the best design among the sources the best statement cites, by `wr:designRank`).

use super::cited::{Chain, StatementInfo, UsedStatement, WeakLink};
use super::evidence::Evidence;
use super::policy::{Kind, Policy};
use super::report::Level;
use super::tree::{self, Evaluated};
use std::collections::{BTreeMap, BTreeSet};

fn rank(level: &Option<Level>) -> i64 {
    level.as_ref().and_then(|l| l.rank).unwrap_or(0)
}

/// The strongest design among a statement's cited sources.
fn design(evidence: &Evidence, s: &StatementInfo) -> (Option<Level>, Option<String>) {
    s.cites
        .iter()
        .filter_map(|c| evidence.sources.get(c))
        .filter_map(|src| src.design.clone().map(|d| (d, src.iri.clone())))
        .max_by_key(|(d, _)| d.rank)
        .map(|(d, src)| (Some(d), Some(src)))
        .unwrap_or((None, None))
}

/// The weak link a single criterion represents.
fn link(
    policy: &Policy,
    evidence: &Evidence,
    criterion: &str,
    certainty_levels: &BTreeMap<String, Level>,
) -> WeakLink {
    let c = &policy.criteria[criterion];
    let best = c
        .supported_by
        .iter()
        .filter_map(|s| evidence.statements.get(s))
        .filter(|s| s.counts)
        .max_by_key(|s| (rank(&s.certainty), rank(&design(evidence, s).0)));
    let own = c
        .certainty
        .as_ref()
        .and_then(|iri| certainty_levels.get(iri).cloned());
    let (statement, cert) = match best {
        Some(s) => (Some(s.iri.clone()), s.certainty.clone()),
        None => (None, None),
    };
    let (design, source) = best.map(|s| design(evidence, s)).unwrap_or((None, None));
    let (certainty, reason) = match (&own, &cert) {
        (Some(o), Some(b)) if rank(&Some(o.clone())) < rank(&Some(b.clone())) => (
            own.clone(),
            format!(
                "the argument this criterion encodes is rated {} (its statements are {})",
                o.label, b.label
            ),
        ),
        (Some(o), None) => (
            own.clone(),
            format!(
                "the argument is rated {} and no supporting statement counts",
                o.label
            ),
        ),
        (_, Some(b)) => (
            cert.clone(),
            format!("its best counting statement is rated {}", b.label),
        ),
        (None, None) => (None, "no supporting statement counts".into()),
    };
    WeakLink {
        criterion: criterion.to_owned(),
        certainty,
        statement,
        design,
        source,
        reason,
    }
}

/// Chains from the deciding root, each with its weakest link, and the weakest over all.
pub fn chains(
    policy: &Policy,
    evals: &BTreeMap<String, Evaluated>,
    evidence: &Evidence,
    root: Option<&str>,
    levels: &BTreeMap<String, Level>,
) -> (Vec<Chain>, Option<WeakLink>) {
    let Some(root) = root else {
        return (Vec::new(), None);
    };
    let key = |w: &WeakLink| {
        (
            w.certainty
                .as_ref()
                .map(|_| rank(&w.certainty))
                .unwrap_or(-1),
            rank(&w.design),
        )
    };
    let mut chains = Vec::new();
    for path in tree::decisive_paths(policy, evals, root) {
        let weakest = path
            .iter()
            .map(|c| link(policy, evidence, c, levels))
            .min_by_key(key)
            .expect("a path has at least its root");
        chains.push(Chain { path, weakest });
    }
    let overall = chains.iter().map(|c| c.weakest.clone()).min_by_key(key);
    (chains, overall)
}

/// Where each statement is used: criteria and rules naming it.
pub fn usage(policy: &Policy) -> BTreeMap<String, BTreeSet<String>> {
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in policy.criteria.values() {
        for s in c.supported_by.iter().chain(&c.opposed_by) {
            used.entry(s.clone()).or_default().insert(c.iri.clone());
        }
    }
    for r in policy
        .caveats
        .iter()
        .chain(&policy.monitoring)
        .chain(&policy.regimens)
    {
        for s in &r.supported_by {
            used.entry(s.clone()).or_default().insert(r.iri.clone());
        }
    }
    used
}

fn used(s: &StatementInfo, via: Vec<String>, reason: String) -> UsedStatement {
    UsedStatement {
        statement: s.iri.clone(),
        label: s.label.clone(),
        via,
        counts: s.counts,
        reason,
    }
}

/// Indirect and flagged statements.
pub fn indirect_and_flagged(
    evidence: &Evidence,
    usage: &BTreeMap<String, BTreeSet<String>>,
) -> (Vec<UsedStatement>, Vec<UsedStatement>) {
    let via = |s: &str| {
        usage
            .get(s)
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default()
    };
    let indirect = evidence
        .statements
        .values()
        .filter_map(|s| {
            s.indirect
                .as_ref()
                .map(|i| used(s, via(&s.iri), i.reason.clone()))
        })
        .collect();
    let flagged = evidence
        .statements
        .values()
        .filter(|s| !s.flags.is_empty())
        .map(|s| {
            let reason = s
                .flags
                .iter()
                .map(|f| format!("{}: {}", f.kind, f.reason))
                .collect::<Vec<_>>()
                .join(" | ");
            used(s, via(&s.iri), reason)
        })
        .collect();
    (indirect, flagged)
}

/// The criteria whose being met argues for the intervention: reached from the initiation root
/// through an even number of `not`s, or from the discontinuation root through an odd number. (A
/// statement against the intervention that supports a criterion for stopping it, such as "no
/// recurrent infections", agrees with that criterion and is not opposing evidence there.)
pub fn arguing_for(policy: &Policy) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![(policy.initiation.clone(), true)];
    stack.extend(policy.discontinuation.iter().map(|d| (d.clone(), false)));
    while let Some((iri, for_it)) = stack.pop() {
        if !seen.insert((iri.clone(), for_it)) {
            continue;
        }
        let Some(c) = policy.criteria.get(&iri) else {
            continue;
        };
        if for_it {
            out.insert(iri);
        }
        let below = if c.kind == Kind::Not { !for_it } else { for_it };
        stack.extend(c.operands.iter().map(|o| (o.clone(), below)));
    }
    out
}

/// Opposing evidence: `wr:opposedBy` of criteria, statements against the intervention among the
/// supporters of a criterion that argues for it ([`arguing_for`]) or of a caveat, monitoring
/// requirement or regimen, statements against the intervention about it, and statements disputing
/// any statement used.
pub fn opposing(
    policy: &Policy,
    evidence: &Evidence,
    usage: &BTreeMap<String, BTreeSet<String>>,
    about_intervention: &BTreeSet<String>,
    disputers: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<UsedStatement> {
    let mut out: BTreeMap<String, UsedStatement> = BTreeMap::new();
    let mut add = |s: &StatementInfo, via: String, reason: String| {
        let entry = out
            .entry(s.iri.clone())
            .or_insert_with(|| used(s, Vec::new(), reason));
        if !entry.via.contains(&via) {
            entry.via.push(via);
        }
    };
    for c in policy.criteria.values() {
        for s in c
            .opposed_by
            .iter()
            .filter_map(|s| evidence.statements.get(s))
        {
            add(
                s,
                c.iri.clone(),
                format!("opposes the criterion \"{}\"", c.label),
            );
        }
    }
    let for_it = arguing_for(policy);
    for (s, via) in usage {
        if let Some(info) = evidence.statements.get(s).filter(|i| i.opposes) {
            let supported = |v: &&String| {
                !policy.criteria.contains_key(*v)
                    || for_it.contains(*v)
                    || policy.criteria[*v].opposed_by.contains(s)
            };
            for v in via.iter().filter(supported) {
                add(
                    info,
                    v.clone(),
                    "its stance opposes the intervention".into(),
                );
            }
        }
    }
    for s in about_intervention
        .iter()
        .filter_map(|s| evidence.statements.get(s))
    {
        for about in &policy.applies_to {
            add(
                s,
                format!("about {about}"),
                "its stance opposes the intervention the policy governs".into(),
            );
        }
    }
    for (s, targets) in disputers {
        if let Some(info) = evidence.statements.get(s) {
            for t in targets {
                add(
                    info,
                    format!("disputes {t}"),
                    "it disputes a statement this evaluation refers to".into(),
                );
            }
        }
    }
    out.into_values().collect()
}
