//! The reasoner's materialisation held in memory between calls — dictionary, triple index, complete
//! derivation graph — and the two incremental operations on it:
//!
//! * **addition**: new asserted triples are appended and become the delta of a semi-naive run, which
//!   finds exactly the rule instantiations involving at least one new triple;
//! * **deletion** (DRed over the recorded derivation graph): over-delete every derived triple that has
//!   a derivation using a deleted triple, transitively; then re-derive each over-deleted triple that
//!   still has a recorded derivation whose premises all survive, to a fixpoint. Because the engine
//!   records every instantiation over the old fixpoint, and the new fixpoint is a subset of it, no
//!   rule has to be re-evaluated: the cost is linear in the derivations touched.
//!
//! Both mark the triples whose written form (inferred graph, derivation records) may have changed as
//! dirty, for `persist` to reconcile with the store.

use super::derivs::Derivs;
use super::engine::{CRule, fixpoint};
use super::index::{ASSERTED, Dict, Id, Tid, TripleIndex};
use super::persist::NodeId;
use super::rule::Rule;
use oxigraph::model::Triple;
use rustc_hash::{FxHashMap, FxHashSet};

/// Flag: the triple is currently written to the inferred graph.
pub(crate) const IN_INFERRED: u8 = 4;

/// The in-memory materialisation.
pub(crate) struct State {
    pub(crate) dict: Dict,
    pub(crate) index: TripleIndex,
    pub(crate) derivs: Derivs,
    pub(crate) rules: Vec<CRule>,
    /// Triples whose written form may differ from the store.
    pub(crate) dirty: FxHashSet<Tid>,
    /// Rounds of the last fixpoint run.
    pub(crate) rounds: usize,
    /// How many written derivations mention each statement node (by its hash).
    pub(crate) stmt_refs: FxHashMap<NodeId, u32>,
}

impl State {
    /// An empty state with `rules` compiled.
    pub(crate) fn new(rules: &[Rule]) -> Self {
        let mut dict = Dict::default();
        let rules = rules.iter().map(|r| CRule::compile(r, &mut dict)).collect();
        Self {
            dict,
            index: TripleIndex::default(),
            derivs: Derivs::default(),
            rules,
            dirty: FxHashSet::default(),
            rounds: 0,
            stmt_refs: FxHashMap::default(),
        }
    }

    /// Adds an asserted triple before the first run (no dirty tracking).
    pub(crate) fn assert_initial(&mut self, t: [Id; 3]) {
        if self.index.find(t).is_none() {
            self.index.push(t, ASSERTED);
        }
    }

    /// Runs to the fixpoint from scratch over the asserted triples. `Err(pending)` on round limit.
    pub(crate) fn saturate(&mut self, max_rounds: usize) -> Result<(), usize> {
        self.rounds = fixpoint(
            &self.rules,
            &mut self.index,
            &self.dict,
            &mut self.derivs,
            0,
            max_rounds,
        )?;
        Ok(())
    }

    /// Applies asserted additions and removals incrementally. `Err(pending)` on round limit (the
    /// state is then inconsistent and must be dropped).
    pub(crate) fn apply(
        &mut self,
        added: &[Triple],
        removed: &[Triple],
        max_rounds: usize,
    ) -> Result<(), usize> {
        if !removed.is_empty() {
            let ids: Vec<Tid> = removed
                .iter()
                .filter_map(|t| self.dict.get_triple(t))
                .filter_map(|t| self.index.find(t))
                .filter(|&t| self.index.asserted(t))
                .collect();
            self.delete(&ids);
        }
        let from = self.index.len();
        for t in added {
            let ids = self.dict.intern_triple(t);
            match self.index.find(ids) {
                Some(tid) if self.index.asserted(tid) => {}
                Some(tid) => {
                    // Derived before, asserted now: it leaves the inferred graph.
                    self.index.flags[tid as usize] |= ASSERTED;
                    self.dirty.insert(tid);
                }
                None => {
                    self.index.push(ids, ASSERTED);
                }
            }
        }
        let before = self.derivs.len();
        self.rounds = fixpoint(
            &self.rules,
            &mut self.index,
            &self.dict,
            &mut self.derivs,
            from,
            max_rounds,
        )?;
        self.dirty.extend(from..self.index.len());
        for d in before..self.derivs.len() {
            self.dirty.insert(self.derivs.head[d]);
        }
        Ok(())
    }

    /// DRed deletion of the asserted triples `removed`.
    fn delete(&mut self, removed: &[Tid]) {
        let (index, derivs) = (&mut self.index, &mut self.derivs);
        // Over-delete.
        let mut gone: FxHashSet<Tid> = FxHashSet::default();
        let mut stack: Vec<Tid> = Vec::new();
        for &t in removed {
            index.flags[t as usize] &= !ASSERTED;
            if gone.insert(t) {
                stack.push(t);
            }
        }
        while let Some(t) = stack.pop() {
            for d in derivs.using(t) {
                let h = derivs.head[d as usize];
                if !index.asserted(h) && gone.insert(h) {
                    stack.push(h);
                }
            }
        }
        // Re-derive: a gone triple with a derivation whose premises all survive comes back.
        let holds = |d, gone: &FxHashSet<Tid>| derivs.premises(d).iter().all(|p| !gone.contains(p));
        let mut back: Vec<Tid> = gone
            .iter()
            .copied()
            .filter(|&t| derivs.of(t).any(|d| holds(d, &gone)))
            .collect();
        for t in &back {
            gone.remove(t);
        }
        while let Some(t) = back.pop() {
            for d in derivs.using(t) {
                let h = derivs.head[d as usize];
                if gone.contains(&h) && holds(d, &gone) {
                    gone.remove(&h);
                    back.push(h);
                }
            }
        }
        // Remove what is still gone, with every derivation it concludes or supports.
        for &t in removed {
            self.dirty.insert(t);
        }
        for &t in &gone {
            let touched: Vec<_> = derivs.of(t).chain(derivs.using(t)).collect();
            for d in touched {
                derivs.alive[d as usize] = false;
                self.dirty.insert(derivs.head[d as usize]);
            }
        }
        for &t in &gone {
            // Keep the flag telling persist that it is still written to the inferred graph.
            let written = index.flags[t as usize] & IN_INFERRED;
            index.kill(t);
            index.flags[t as usize] = written;
            self.dirty.insert(t);
        }
    }

    /// Number of alive triples that are derived only (the inferred graph's size).
    pub(crate) fn inferred_count(&self) -> usize {
        (0..self.index.len())
            .filter(|&t| self.index.alive(t) && !self.index.asserted(t))
            .count()
    }

    /// Number of alive asserted triples.
    pub(crate) fn asserted_count(&self) -> usize {
        (0..self.index.len())
            .filter(|&t| self.index.alive(t) && self.index.asserted(t))
            .count()
    }
}
