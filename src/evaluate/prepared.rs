//! What an evaluation reads from the graph that does not depend on the case: the policy list, and for
//! one policy its criteria tree, rules, the statements behind it (its own, the opposing ones about its
//! intervention and their disputers) with their sources and passages, and the levels its criteria
//! name. Read once per store write epoch and shared by every evaluation ([`EpochMemo`]): per request
//! only the case-dependent work remains (recognising codes, the hierarchy of the case's concepts,
//! leaves, the WHY tree and the answer).
//!
//! Never stale: a memo only serves values computed entirely within the current write epoch, and every
//! write to the store — including the reasoner's inferred graph — ends that epoch (see
//! [`WarrantStore::epoch`]).

use super::graph::Nodes;
use super::policy::{self, Policy};
use super::{EvaluateError, assemble, evidence};
use crate::queries::shipped;
use crate::store::{EpochMemo, WarrantStore, value_of};
use oxigraph::model::{NamedNode, Term, Variable};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A policy with everything the graph says about it and its evidence, ready for any case.
#[derive(Debug)]
pub struct Prepared {
    /// The policy.
    pub policy: Policy,
    /// Every node read (policy parts, statements, sources, passages, levels), for labels.
    pub nodes: Nodes,
    /// Statements about the policy's intervention (opposing evidence candidates).
    pub about: BTreeSet<String>,
    /// Statements disputing others: disputer -> disputed.
    pub disputers: BTreeMap<String, BTreeSet<String>>,
    /// The evidence, before populations are judged against the case.
    pub evidence: evidence::Evidence,
    /// Concepts the policy names (criteria, applies-to, population, rules) and the population concepts
    /// of its evidence: to load into the case's hierarchy.
    pub concepts: Vec<String>,
    /// The unreviewed curated resources an evaluation under this policy reads.
    pub unreviewed: Vec<super::unreviewed::Unreviewed>,
}

type Listing = Arc<Vec<(String, Vec<String>)>>;

/// The memos of case evaluation, one set per store.
struct Memos {
    policies: EpochMemo<(), Listing>,
    prepared: EpochMemo<(String, bool), Arc<Prepared>>,
}

impl Default for Memos {
    fn default() -> Self {
        Self {
            policies: EpochMemo::new(1),
            prepared: EpochMemo::new(256),
        }
    }
}

/// Every policy with the concepts it applies to (remembered for the current write epoch).
pub fn policies(store: &WarrantStore) -> Result<Listing, EvaluateError> {
    store
        .shared::<Memos>()
        .policies
        .get_one(store, (), |_| Ok(Arc::new(policy::list(store)?)))
}

/// The prepared policy `iri` under the review gate `include_pending` (remembered for the current
/// write epoch; a policy that cannot be read is an error, never remembered).
pub fn get(
    store: &WarrantStore,
    iri: &str,
    include_pending: bool,
) -> Result<Arc<Prepared>, EvaluateError> {
    store.shared::<Memos>().prepared.get_one(
        store,
        (iri.to_owned(), include_pending),
        |(iri, include_pending)| Ok(Arc::new(prepare(store, iri, *include_pending)?)),
    )
}

fn prepare(
    store: &WarrantStore,
    iri: &str,
    include_pending: bool,
) -> Result<Prepared, EvaluateError> {
    let mut nodes = Nodes::default();
    let policy = policy::load(store, iri, &mut nodes)?;
    let mut concepts: Vec<String> = policy
        .criteria
        .values()
        .filter_map(|c| c.concept.clone())
        .collect();
    concepts.extend(policy.applies_to.iter().cloned());
    concepts.extend(policy.population.iter().cloned());
    concepts.extend(
        policy
            .caveats
            .iter()
            .chain(&policy.monitoring)
            .chain(&policy.regimens)
            .filter_map(|r| r.concept.clone()),
    );

    // The statements: the policy's, opposing ones about the intervention, and their disputers.
    let mut statements = assemble::policy_statements(&policy);
    let mut about = BTreeSet::new();
    for x in &policy.applies_to {
        let rows = store.select(
            shipped("opposing-statements"),
            &[(
                Variable::new_unchecked("intervention"),
                Term::from(NamedNode::new_unchecked(x.clone())),
            )],
        )?;
        about.extend(rows.iter().filter_map(|r| value_of(r, "statement")));
    }
    statements.extend(about.iter().cloned());
    let targets: Vec<Vec<Term>> = statements
        .iter()
        .map(|s| vec![NamedNode::new_unchecked(s.clone()).into()])
        .collect();
    let mut disputers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in store.select_table(
        shipped("disputing-statements"),
        &[Variable::new_unchecked("target")],
        &targets,
    )? {
        if let (Some(s), Some(t)) = (value_of(&row, "statement"), value_of(&row, "target")) {
            disputers.entry(s).or_default().insert(t);
        }
    }
    statements.extend(disputers.keys().cloned());
    let evidence = evidence::load(store, &mut nodes, &statements, include_pending)?;
    concepts.extend(evidence.population_concepts());

    // Levels named by criteria and the policy's review status.
    let mut extra: Vec<String> = policy
        .criteria
        .values()
        .filter_map(|c| c.certainty.clone())
        .collect();
    extra.extend(policy.review_status.clone());
    nodes.fetch(store, extra)?;
    let unreviewed = super::unreviewed::find(store, &policy, &evidence)?;
    Ok(Prepared {
        unreviewed,
        policy,
        nodes,
        about,
        disputers,
        evidence,
        concepts,
    })
}
