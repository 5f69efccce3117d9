//! Every rule instantiation the engine found, kept in memory: rule, conclusion and premises (triple
//! ids), indexed by conclusion and by premise. This complete derivation graph is what makes deletion
//! cheap (see `maintain`) and what the derivations graph in the store is written from.

use super::index::Tid;

/// Derivation id.
pub(crate) type Did = u32;

/// The derivation store.
#[derive(Default)]
pub(crate) struct Derivs {
    /// Rule index per derivation.
    pub(crate) rule: Vec<u32>,
    /// Conclusion per derivation.
    pub(crate) head: Vec<Tid>,
    off: Vec<usize>,
    prem: Vec<Tid>,
    /// Whether the derivation still holds (all its premises and its conclusion alive).
    pub(crate) alive: Vec<bool>,
    /// Whether the derivation is currently written to the derivations graph.
    pub(crate) written: Vec<bool>,
    /// Derivations by conclusion.
    pub(crate) by_head: Vec<Vec<Did>>,
    /// Derivations by premise.
    pub(crate) by_premise: Vec<Vec<Did>>,
}

impl Derivs {
    /// Number of derivations ever recorded (alive or not).
    pub(crate) fn len(&self) -> usize {
        self.rule.len()
    }

    /// Number of alive derivations.
    pub(crate) fn alive_count(&self) -> usize {
        self.alive.iter().filter(|a| **a).count()
    }

    /// Premises of derivation `d` (duplicates removed, in body order).
    pub(crate) fn premises(&self, d: Did) -> &[Tid] {
        let d = d as usize;
        let end = self.off.get(d + 1).copied().unwrap_or(self.prem.len());
        &self.prem[self.off[d]..end]
    }

    fn grow(&mut self, t: Tid) {
        let need = t as usize + 1;
        if self.by_head.len() < need {
            self.by_head.resize_with(need, Vec::new);
            self.by_premise.resize_with(need, Vec::new);
        }
    }

    /// Records that rule `rule` concludes `head` from `premises`; a derivation whose conclusion is
    /// among its own premises proves nothing and is dropped. Returns the new derivation id.
    pub(crate) fn record(&mut self, rule: u32, head: Tid, premises: &[Tid]) -> Option<Did> {
        if premises.contains(&head) {
            return None;
        }
        let d = Did::try_from(self.rule.len()).expect("more than 2^32 derivations");
        self.rule.push(rule);
        self.head.push(head);
        self.off.push(self.prem.len());
        let start = self.prem.len();
        for &p in premises {
            if !self.prem[start..].contains(&p) {
                self.prem.push(p);
            }
        }
        self.alive.push(true);
        self.written.push(false);
        let max = self.prem[start..]
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(head);
        self.grow(max);
        self.by_head[head as usize].push(d);
        for i in start..self.prem.len() {
            let p = self.prem[i];
            self.by_premise[p as usize].push(d);
        }
        Some(d)
    }

    /// Alive derivations of `head`.
    pub(crate) fn of(&self, head: Tid) -> impl Iterator<Item = Did> + '_ {
        self.by_head
            .get(head as usize)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&d| self.alive[d as usize])
    }

    /// Alive derivations using `premise`.
    pub(crate) fn using(&self, premise: Tid) -> impl Iterator<Item = Did> + '_ {
        self.by_premise
            .get(premise as usize)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&d| self.alive[d as usize])
    }
}
