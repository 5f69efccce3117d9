//! Case evaluation: a recognised case against the policies for its requested intervention, giving a
//! determination (necessary / not necessary / indeterminate) with per-criterion results, missing
//! facts, caveats, monitoring and regimen notes, and the weak links of the evidence.
//!
//! Everything comes from the graph: which policies apply (`wr:appliesTo`), their criteria, thresholds,
//! units and windows, caveats, monitoring and regimens, the statements behind them with their review
//! status, certainty, flags and populations. Nothing here knows a concept, code or case. The leaf
//! rules are those of `ontology/warrant.ttl` (modules `leaves`, `medication`, `quantity`); the review
//! gate and the three-valued tree are in `tree`; the determination rule in `assemble`; weak links in
//! `weak`; the answer's shape in [`report`] and [`cited`].

mod assemble;
pub mod cited;
mod evidence;
mod graph;
mod leaves;
mod medication;
pub mod policy;
mod prepared;
mod quantity;
mod recorded;
pub mod report;
mod tree;
pub mod unreviewed;
mod weak;

pub use cited::*;
pub use report::*;

use crate::case::{self, Case, Day};
use crate::store::{StoreError, WarrantStore};
use crate::vocab::wr;
use oxigraph::model::NamedNode;
use std::collections::BTreeMap;

/// How to evaluate.
#[derive(Debug, Clone)]
pub struct Options {
    /// Evaluation date.
    pub as_of: Day,
    /// Evaluate against this policy only (default: every policy for the requested intervention).
    pub policy: Option<String>,
    /// Let non-approved (but not rejected) statements count as support.
    pub include_pending: bool,
}

/// Why a case could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvaluateError {
    /// The case names no intervention request and no policy was named.
    #[error(
        "the case has no MedicationRequest with intent order, so no policy can be chosen; name one with ?policy=IRI (or --policy)"
    )]
    NoRequest,
    /// No policy applies to the requested intervention.
    #[error("no policy applies to the requested intervention ({0})")]
    NoPolicy(String),
    /// The named policy is not in the graph.
    #[error("no policy {0} in the graph")]
    PolicyNotFound(String),
    /// The policy parameter is not an IRI.
    #[error("the policy is not an IRI: {0}")]
    BadPolicyIri(String),
    /// The policy's structure is broken (data error).
    #[error("policy {policy} cannot be evaluated: {message}")]
    InvalidPolicy {
        /// The policy.
        policy: String,
        /// What is wrong.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Every policy with the concepts it applies to (`wr:appliesTo`), as evaluation reads them (remembered
/// for the current write epoch): for services that describe what policies need, such as CDS Hooks
/// discovery.
pub fn policy_list(store: &WarrantStore) -> Result<Vec<(String, Vec<String>)>, EvaluateError> {
    Ok(prepared::policies(store)?.as_ref().clone())
}

/// The policy `iri` with its criteria tree and rules, exactly as evaluation reads it (remembered for
/// the current write epoch): for describing the facts a policy needs (prefetch templates,
/// documentation questionnaires) without evaluating a case.
pub fn policy_of(store: &WarrantStore, iri: &str) -> Result<policy::Policy, EvaluateError> {
    Ok(prepared::get(store, iri, false)?.policy.clone())
}

/// Recognises the case's codes and evaluates it against every applicable policy (or the named one).
pub fn evaluate(
    store: &WarrantStore,
    mut case: Case,
    options: &Options,
) -> Result<Vec<Report>, EvaluateError> {
    case::recognise(store, &mut case)?;
    let mut jobs: Vec<(String, Option<usize>)> = Vec::new();
    if let Some(p) = &options.policy {
        NamedNode::new(p.clone()).map_err(|e| EvaluateError::BadPolicyIri(e.to_string()))?;
        jobs.push((p.clone(), None));
    } else {
        if case.requests.is_empty() {
            return Err(EvaluateError::NoRequest);
        }
        for (policy, applies) in prepared::policies(store)?.iter() {
            if let Some(r) = case
                .requests
                .iter()
                .find(|r| applies.iter().any(|a| case.facts[**r].matches(a)))
            {
                jobs.push((policy.clone(), Some(*r)));
            }
        }
        if jobs.is_empty() {
            let described: Vec<String> = case
                .requests
                .iter()
                .map(|r| case.facts[*r].describe())
                .collect();
            return Err(EvaluateError::NoPolicy(described.join("; ")));
        }
    }
    jobs.into_iter()
        .map(|(policy, request)| evaluate_one(store, &case, &policy, request, options))
        .collect()
}

fn evaluate_one(
    store: &WarrantStore,
    case: &Case,
    policy_iri: &str,
    request: Option<usize>,
    options: &Options,
) -> Result<Report, EvaluateError> {
    let prepared = prepared::get(store, policy_iri, options.include_pending)?;
    let (policy, nodes) = (&prepared.policy, &prepared.nodes);
    let mut notes = Vec::new();
    let request = request.or_else(|| {
        let matching = case.requests.iter().find(|r| policy.applies_to.iter().any(|a| case.facts[**r].matches(a)));
        if matching.is_none() && !case.requests.is_empty() {
            notes.push(format!("The case's request does not match what the policy applies to; the first request ({}) is evaluated.", case.facts[case.requests[0]].describe()));
        }
        matching.or(case.requests.first()).copied()
    });
    let mut hierarchy = case.hierarchy.clone();
    hierarchy.load(store, &prepared.concepts)?;
    let mut evidence = prepared.evidence.clone();
    let reference = if policy.population.is_empty() {
        case.facts
            .iter()
            .flat_map(|f| f.direct_concepts.clone())
            .collect()
    } else {
        policy.population.clone()
    };
    evidence.judge_populations(&evidence::PopulationTest {
        reference,
        hierarchy: &hierarchy,
    });

    let ctx = leaves::Context {
        case,
        as_of: options.as_of,
        request,
        hierarchy: &hierarchy,
    };
    let counts = |s: &str| evidence.statements.get(s).is_some_and(|i| i.counts);
    let evals = tree::evaluate(policy, &ctx, &counts);
    let (outcome, reasons) = assemble::outcome(policy, &evals);
    let levels: BTreeMap<String, Level> = policy
        .criteria
        .values()
        .filter_map(|c| c.certainty.clone())
        .map(|iri| {
            (
                iri.clone(),
                Level {
                    label: nodes.label(&iri),
                    rank: nodes.integer(&iri, wr::RANK),
                    iri,
                },
            )
        })
        .collect();
    let mut criteria = assemble::criteria(policy, &evals, &evidence, &hierarchy, &levels);
    recorded::cite(store, &mut criteria)?;
    let missing = assemble::missing(&criteria, &hierarchy);
    let mut withheld = Vec::new();
    let caveats = assemble::caveats(policy, &evals, &evidence, &mut withheld);
    let monitoring = assemble::monitoring(policy, &evals, &evidence, &mut withheld, &mut notes);
    let regimen = assemble::regimens(policy, case, request, &evidence, &mut withheld, &mut notes);

    let root = match outcome {
        Outcome::NotNecessary
            if policy
                .discontinuation
                .as_ref()
                .is_some_and(|d| evals[d].status == Status::Met) =>
        {
            policy.discontinuation.clone()
        }
        Outcome::Indeterminate => None,
        _ => Some(policy.initiation.clone()),
    };
    let (chains, weakest) = weak::chains(policy, &evals, &evidence, root.as_deref(), &levels);
    let usage = weak::usage(policy);
    let (indirect, flagged) = weak::indirect_and_flagged(&evidence, &usage);
    let opposing = weak::opposing(
        policy,
        &evidence,
        &usage,
        &prepared.about,
        &prepared.disputers,
    );

    let mut opposing_by_criterion: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in &opposing {
        for via in o.via.iter().filter(|v| policy.criteria.contains_key(*v)) {
            opposing_by_criterion
                .entry(via.clone())
                .or_default()
                .push(o.statement.clone());
        }
    }
    let policy_review = policy.review_status.as_deref().map(|r| nodes.label(r));
    let policy_approved = policy.review_status.as_deref() == Some(wr::APPROVED.as_str());
    if !policy_approved {
        notes.insert(0, format!(
            "The policy \"{}\" is {}: pending human review. Its review status is reported and does not change how criteria evaluate; the review status of the supporting statements does.",
            policy.label,
            policy_review.clone().unwrap_or_else(|| "without review status".into())
        ));
    }
    let mut if_pending_counted = None;
    if options.include_pending {
        notes.insert(0, "Non-approved statements were allowed to count (includePending): this answer is pending human review.".into());
    } else {
        let gated: Vec<String> = criteria
            .iter()
            .filter(|c| !c.supported)
            .map(|c| c.label.clone())
            .collect();
        if !gated.is_empty() {
            notes.push(format!(
                "{} criteria have no approved supporting statement and count as unknown: {} (includePending=true lets pending statements count).",
                gated.len(),
                gated.join("; ")
            ));
            if_pending_counted = Some(pending_outcome(policy, &ctx, &evidence));
        }
    }
    for c in &criteria {
        notes.extend(
            c.unusable
                .iter()
                .map(|u| format!("Value not used for \"{}\": {u}", c.label)),
        );
    }
    if !case.unrecognised.is_empty() {
        notes.push(format!(
            "{} coding(s) or fact(s) not recognised by the graph: see \"unrecognised\".",
            case.unrecognised.len()
        ));
    }
    let request_ref = request.map(|r| {
        let f = &case.facts[r];
        RequestRef {
            fact: f.iri.clone(),
            text: f.text.clone(),
            concepts: f
                .direct_concepts
                .iter()
                .map(|c| ConceptRef::new(c, &hierarchy))
                .collect(),
            interval_days: f.interval_days,
            timing: f.timing.clone(),
        }
    });
    let what = request_ref
        .as_ref()
        .and_then(|r| r.text.clone())
        .unwrap_or_else(|| "The intervention".into());
    let mut summary = format!(
        "{what} is {} under the policy \"{}\" as of {}: {}.",
        outcome.words(),
        policy.label,
        options.as_of,
        reasons.last().cloned().unwrap_or_default()
    );
    if let Some(p) = &if_pending_counted {
        let line = format!(
            "No person has approved the evidence for every criterion; with the {} statements pending review counted, it would be {}: {}.",
            p.pending_statements,
            p.determination.words(),
            p.reason
        );
        summary.push(' ');
        summary.push_str(&line);
        notes.insert(0, line);
    }
    let id_input = format!(
        "{}|{}|{}|{}",
        case.iri, policy.iri, options.as_of, options.include_pending
    );
    let id = format!(
        "{}determination-{}",
        crate::vocab::ID,
        &crate::store::sha256_hex(id_input.as_bytes())[..16]
    );
    let unreviewed: Vec<unreviewed::Unreviewed> = prepared
        .unreviewed
        .iter()
        .filter(|u| u.kind != "policy")
        .cloned()
        .collect();
    if !unreviewed.is_empty() {
        let listed: Vec<String> = unreviewed
            .iter()
            .map(|u| format!("{} {}", u.kind, u.iri))
            .collect();
        notes.insert(0, format!(
            "This answer reads {} resource(s) whose latest edits no reviewer approved: {} (see \"unreviewed\"); it is pending human review.",
            unreviewed.len(),
            listed.join(", ")
        ));
    }
    let review = if options.include_pending || !policy_approved || !unreviewed.is_empty() {
        "pending human review"
    } else {
        "approved"
    };
    Ok(Report {
        id,
        determination: outcome,
        summary,
        if_pending_counted,
        as_of: options.as_of,
        include_pending: options.include_pending,
        review: review.into(),
        unreviewed: prepared.unreviewed.clone(),
        policy: PolicyRef {
            iri: policy.iri.clone(),
            label: policy.label.clone(),
            review_status: policy_review,
            applies_to: policy
                .applies_to
                .iter()
                .map(|c| ConceptRef::new(c, &hierarchy))
                .collect(),
            population: policy
                .population
                .iter()
                .map(|c| ConceptRef::new(c, &hierarchy))
                .collect(),
        },
        request: request_ref,
        reasons,
        criteria,
        missing,
        caveats,
        monitoring,
        regimen,
        withheld,
        notes,
        evidence: EvidenceSummary {
            chains,
            weakest,
            indirect,
            flagged,
            opposing,
            opposing_by_criterion,
        },
        case: case.iri.clone(),
        facts: case.facts.clone(),
        unrecognised: case.unrecognised.clone(),
        ignored: case.ignored.clone(),
        statements: evidence.statements.into_values().collect(),
        sources: evidence.sources.into_values().collect(),
        passages: evidence.passages.into_values().collect(),
    })
}

/// The determination with every statement that is not rejected counted (what `includePending=true`
/// would say), for an answer whose criteria lack approved support.
fn pending_outcome(
    policy: &policy::Policy,
    ctx: &leaves::Context<'_>,
    evidence: &evidence::Evidence,
) -> PendingOutcome {
    let usable = |s: &str| evidence.statements.get(s).is_some_and(|i| !i.rejected);
    let evals = tree::evaluate(policy, ctx, &usable);
    let (determination, reasons) = assemble::outcome(policy, &evals);
    let pending_statements = policy
        .criteria
        .values()
        .flat_map(|c| &c.supported_by)
        .filter(|s| {
            evidence
                .statements
                .get(s.as_str())
                .is_some_and(|i| !i.rejected && !i.approved)
        })
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    PendingOutcome {
        determination,
        reason: reasons.last().cloned().unwrap_or_default(),
        pending_statements,
    }
}
