//! The part of the concept hierarchy that a case and its policy touch, fetched from the graph by
//! SPARQL (`queries/evaluate/concept-closure.rq`: the reasoner's `skos:broaderTransitive`, derived by
//! the `skos` rule set, plus the direct `skos:broader` steps) and kept with labels, so that matching a
//! fact against a criterion's concept ("this concept or a narrower one") and explaining the match step
//! by step need no further queries. Each concept's closure is remembered per store for the current
//! write epoch ([`EpochMemo`]): the policy's concepts are fetched once, not per case.

use crate::queries::shipped;
use crate::store::{EpochMemo, StoreError, WarrantStore, value_of};
use oxigraph::model::{NamedNode, Term, Variable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

/// The part of the concept hierarchy (`skos:broader`) a case and its policy touch, with labels.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Hierarchy {
    /// Each loaded concept's broader concepts as the reasoner derived them (`skos:broaderTransitive`).
    #[serde(default)]
    ancestors: BTreeMap<String, BTreeSet<String>>,
    /// Direct `skos:broader` steps among the concepts seen, for explaining a match step by step.
    broader: BTreeMap<String, BTreeSet<String>>,
    labels: BTreeMap<String, String>,
    loaded: BTreeSet<String>,
}

impl Hierarchy {
    /// Adds the broader closure of every concept not added yet: remembered closures are copied, the
    /// others fetched in one query (and remembered for the store's current write epoch).
    pub fn load(&mut self, store: &WarrantStore, concepts: &[String]) -> Result<(), StoreError> {
        let missing: BTreeSet<String> = concepts
            .iter()
            .filter(|c| !self.loaded.contains(*c))
            .cloned()
            .collect();
        let memo = store.shared::<Closures>();
        let closures = memo
            .0
            .get(store, missing.iter().cloned(), |keys| fetch(store, keys))?;
        for concept in &missing {
            let rows = closures
                .get(concept)
                .map(|rows| rows.as_slice())
                .unwrap_or_default();
            self.ancestors
                .entry(concept.clone())
                .or_default()
                .extend(rows.iter().map(|row| row.member.clone()));
            for row in rows {
                self.absorb(row);
            }
        }
        for c in concepts {
            self.loaded.insert(c.clone());
        }
        Ok(())
    }

    fn absorb(&mut self, row: &Member) {
        let entry = self.broader.entry(row.member.clone()).or_default();
        if let Some(b) = &row.broader {
            entry.insert(b.clone());
        }
        let label = row.label.clone().or_else(|| row.alt_label.clone());
        if let Some(label) = label {
            let better = !self.labels.contains_key(&row.member) || row.label_en;
            if better {
                self.labels.insert(row.member.clone(), label);
            }
        }
    }

    /// `concept` and every concept broader than it, sorted: what the reasoner derived
    /// (`skos:broaderTransitive`) for a concept [`Hierarchy::load`]ed; a concept not loaded is only
    /// itself.
    pub fn closure(&self, concept: &str) -> BTreeSet<String> {
        let mut out = self.ancestors.get(concept).cloned().unwrap_or_default();
        out.insert(concept.to_owned());
        out
    }

    /// Whether `broader` is `narrower` or broader than it.
    pub fn subsumes(&self, broader: &str, narrower: &str) -> bool {
        self.closure(narrower).contains(broader)
    }

    /// The shortest chain `from`, …, `to` along `skos:broader`, when `to` is broader than `from`.
    pub fn path(&self, from: &str, to: &str) -> Option<Vec<String>> {
        let mut previous: HashMap<String, String> = HashMap::new();
        let mut queue = VecDeque::from([from.to_owned()]);
        let mut seen = BTreeSet::from([from.to_owned()]);
        while let Some(c) = queue.pop_front() {
            if c == to {
                let mut chain = vec![c.clone()];
                let mut at = c;
                while let Some(p) = previous.get(&at) {
                    chain.push(p.clone());
                    at = p.clone();
                }
                chain.reverse();
                return Some(chain);
            }
            for b in self.broader.get(&c).into_iter().flatten() {
                if seen.insert(b.clone()) {
                    previous.insert(b.clone(), c.clone());
                    queue.push_back(b.clone());
                }
            }
        }
        None
    }

    /// The label of a concept (its IRI's last segment when it has none).
    pub fn label(&self, concept: &str) -> String {
        self.labels.get(concept).cloned().unwrap_or_else(|| {
            concept
                .rsplit(['/', '#'])
                .next()
                .unwrap_or(concept)
                .to_owned()
        })
    }
}

/// One row of `concept-closure.rq`: a member of a concept's broader closure.
#[derive(Debug, Clone)]
struct Member {
    member: String,
    broader: Option<String>,
    label: Option<String>,
    /// Whether `label` is tagged English (preferred over other labels).
    label_en: bool,
    alt_label: Option<String>,
}

/// The broader closure of each concept asked for so far, for the store's current write epoch.
struct Closures(EpochMemo<String, Arc<Vec<Member>>>);

impl Default for Closures {
    fn default() -> Self {
        Self(EpochMemo::new(100_000))
    }
}

/// The closures of `concepts` in one query (a concept the graph does not know has an empty one).
fn fetch(
    store: &WarrantStore,
    concepts: &[String],
) -> Result<HashMap<String, Arc<Vec<Member>>>, StoreError> {
    let table: Vec<Vec<Term>> = concepts
        .iter()
        .filter_map(|c| NamedNode::new(c.clone()).ok())
        .map(|n| vec![n.into()])
        .collect();
    let rows = store.select_table(
        shipped("concept-closure"),
        &[Variable::new_unchecked("concept")],
        &table,
    )?;
    let mut out: HashMap<String, Vec<Member>> =
        concepts.iter().map(|c| (c.clone(), Vec::new())).collect();
    for row in &rows {
        let (Some(concept), Some(member)) = (value_of(row, "concept"), value_of(row, "member"))
        else {
            continue;
        };
        out.entry(concept).or_default().push(Member {
            member,
            broader: value_of(row, "broader"),
            label: preferred_label(row.get("label")),
            label_en: matches!(row.get("label"), Some(Term::Literal(l)) if l.language() == Some("en")),
            alt_label: value_of(row, "altLabel"),
        });
    }
    Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
}

fn preferred_label(term: Option<&Term>) -> Option<String> {
    match term? {
        Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}
