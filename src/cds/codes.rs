//! The external codes (FHIR system + code) that denote a concept or any narrower one, read from the
//! graph's code mappings (`queries/cds/concept-codes.rq`): what a prefetch search asks for, and what a
//! suggested order is coded with.

use crate::store::{ParsedQuery, StoreError, WarrantStore, embedded_query, value_of};
use oxigraph::model::{NamedNode, Term, Variable};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One code of a FHIR code system.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SystemCode {
    /// FHIR `Coding.system`.
    pub system: String,
    /// FHIR `Coding.code`.
    pub code: String,
    /// The code's label, when the graph has one.
    pub display: Option<String>,
}

fn query() -> &'static ParsedQuery {
    static Q: OnceLock<ParsedQuery> = OnceLock::new();
    Q.get_or_init(|| {
        embedded_query(
            "cds/concept-codes",
            include_str!("../../queries/cds/concept-codes.rq"),
        )
    })
}

/// The codes of each concept (the concepts that are not IRIs, or have no mapped code, map to an
/// empty list), sorted by system and code.
pub fn of_concepts(
    store: &WarrantStore,
    concepts: &[String],
) -> Result<BTreeMap<String, Vec<SystemCode>>, StoreError> {
    let mut out: BTreeMap<String, Vec<SystemCode>> =
        concepts.iter().map(|c| (c.clone(), Vec::new())).collect();
    let rows: Vec<Vec<Term>> = concepts
        .iter()
        .filter_map(|c| NamedNode::new(c.clone()).ok())
        .map(|n| vec![Term::from(n)])
        .collect();
    for row in store.select_table(query(), &[Variable::new_unchecked("concept")], &rows)? {
        let (Some(concept), Some(system), Some(code)) = (
            value_of(&row, "concept"),
            value_of(&row, "system"),
            value_of(&row, "code"),
        ) else {
            continue;
        };
        let list = out.entry(concept).or_default();
        let entry = SystemCode {
            system,
            code,
            display: value_of(&row, "display").filter(|d| !d.is_empty()),
        };
        if !list
            .iter()
            .any(|c| c.system == entry.system && c.code == entry.code)
        {
            list.push(entry);
        }
    }
    for list in out.values_mut() {
        list.sort();
    }
    Ok(out)
}
