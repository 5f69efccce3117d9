//! The part of the concept hierarchy (`skos:broader`) that a case and its policy touch, fetched from
//! the graph by SPARQL (`queries/evaluate/concept-closure.rq`) and kept with labels, so that matching a
//! fact against a criterion's concept ("this concept or a narrower one") and explaining the match step
//! by step need no further queries.

use crate::queries::shipped;
use crate::store::{StoreError, WarrantStore, value_of};
use oxigraph::model::{NamedNode, Term, Variable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// The part of the concept hierarchy (`skos:broader`) a case and its policy touch, with labels.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Hierarchy {
    broader: BTreeMap<String, BTreeSet<String>>,
    labels: BTreeMap<String, String>,
    loaded: BTreeSet<String>,
}

impl Hierarchy {
    /// Fetches the broader closure of every concept not fetched yet (one query).
    pub fn load(&mut self, store: &WarrantStore, concepts: &[String]) -> Result<(), StoreError> {
        let missing: Vec<Vec<Term>> = concepts
            .iter()
            .filter(|c| !self.loaded.contains(*c))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|c| NamedNode::new(c.clone()).ok())
            .map(|n| vec![n.into()])
            .collect();
        let rows = store.select_table(
            shipped("concept-closure"),
            &[Variable::new_unchecked("concept")],
            &missing,
        )?;
        for row in &rows {
            let Some(member) = value_of(row, "member") else {
                continue;
            };
            self.loaded.insert(member.clone());
            let entry = self.broader.entry(member.clone()).or_default();
            if let Some(b) = value_of(row, "broader") {
                entry.insert(b);
            }
            let label = preferred_label(row.get("label")).or_else(|| value_of(row, "altLabel"));
            if let Some(label) = label {
                let better = match self.labels.get(&member) {
                    None => true,
                    Some(_) => {
                        matches!(row.get("label"), Some(Term::Literal(l)) if l.language() == Some("en"))
                    }
                };
                if better {
                    self.labels.insert(member, label);
                }
            }
        }
        for c in concepts {
            self.loaded.insert(c.clone());
        }
        Ok(())
    }

    /// `concept` and every concept broader than it, sorted.
    pub fn closure(&self, concept: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::from([concept.to_owned()]);
        let mut queue = VecDeque::from([concept.to_owned()]);
        while let Some(c) = queue.pop_front() {
            for b in self.broader.get(&c).into_iter().flatten() {
                if seen.insert(b.clone()) {
                    queue.push_back(b.clone());
                }
            }
        }
        seen
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

fn preferred_label(term: Option<&Term>) -> Option<String> {
    match term? {
        Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}
