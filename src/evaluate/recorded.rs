//! The reasoner's recorded derivations behind a fact matched through the concept hierarchy: a fact
//! denoting prednisone counts for "immunosuppressive therapy" because `prednisone
//! skos:broaderTransitive immunosuppressive-therapy` holds, which the `skos` rule set derived and
//! recorded (the derivations graph). The answer cites those records, so the why-chain's step is the
//! reasoner's own, explainable down to asserted triples with `GET /why?s=&p=&o=`.
//!
//! Looked up once per pair of concepts and write epoch ([`EpochMemo`]); records are read after the
//! records barrier, so a write's derivations are seen as soon as it returned.

use super::report::{CriterionReport, RecordedDerivation};
use crate::reason::{WhyOptions, why_with};
use crate::store::{EpochMemo, StoreError, WarrantStore};
use oxigraph::model::{NamedNode, TripleRef};
use std::collections::HashMap;

/// `skos:broaderTransitive`, the property the `skos` rule set derives the hierarchy's closure as.
const BROADER_TRANSITIVE: &str = "http://www.w3.org/2004/02/skos/core#broaderTransitive";

struct Memo(EpochMemo<(String, String), Vec<RecordedDerivation>>);

impl Default for Memo {
    fn default() -> Self {
        Self(EpochMemo::new(10_000))
    }
}

/// Fills `recorded` of every fact use that matched through the hierarchy.
pub(super) fn cite(
    store: &WarrantStore,
    criteria: &mut [CriterionReport],
) -> Result<(), StoreError> {
    let pairs: Vec<(String, String)> = criteria
        .iter()
        .flat_map(|c| &c.facts)
        .filter(|u| u.derivation.len() >= 2)
        .filter_map(|u| Some((u.derivation.first()?.clone(), u.derivation.last()?.clone())))
        .collect();
    if pairs.is_empty() {
        return Ok(());
    }
    let found = store
        .shared::<Memo>()
        .0
        .get(store, pairs, |missing| lookup(store, missing))?;
    for u in criteria.iter_mut().flat_map(|c| c.facts.iter_mut()) {
        if let (Some(from), Some(to)) = (u.derivation.first(), u.derivation.last()) {
            if u.derivation.len() >= 2 {
                u.recorded = found
                    .get(&(from.clone(), to.clone()))
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
    Ok(())
}

fn lookup(
    store: &WarrantStore,
    pairs: &[(String, String)],
) -> Result<HashMap<(String, String), Vec<RecordedDerivation>>, StoreError> {
    let records = store.records()?;
    let predicate = NamedNode::new_unchecked(BROADER_TRANSITIVE);
    let mut out = HashMap::new();
    for (from, to) in pairs {
        let (Ok(s), Ok(o)) = (NamedNode::new(from), NamedNode::new(to)) else {
            continue;
        };
        let options = WhyOptions {
            max_depth: 1,
            max_nodes: 64,
        };
        let derivations = match why_with(records, TripleRef::new(&s, &predicate, &o), options) {
            Ok(tree) => tree
                .derivations
                .into_iter()
                .map(|step| RecordedDerivation {
                    derivation: step.derivation,
                    rule: step.rule,
                })
                .collect(),
            Err(e) => {
                tracing::warn!(
                    "reading the derivations of <{from}> skos:broaderTransitive <{to}>: {e}"
                );
                Vec::new()
            }
        };
        out.insert((from.clone(), to.clone()), derivations);
    }
    Ok(out)
}
