//! The public face of the reasoner: configuration ([`RuleConfig`]), full materialisation and
//! incremental updates against a store ([`Reasoner`]), and what each call did ([`Stats`]).

use super::ReasonError;
use super::persist::{self, Changes, Writer, Written, is_asserted_graph};
use super::records::DerivationRecords;
use super::rule::{Rule, load_rule_sets};
use super::state::State;
use super::vocab::{DERIVATIONS_GRAPH, INFERRED_GRAPH};
use crate::store::{RecordWriter, StoreState};
use oxigraph::model::{NamedNode, Triple, TripleRef};
use oxigraph::store::Store;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Which rules run and within which bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleConfig {
    /// Folder holding one sub-folder per rule set (the repo's `queries/rules`).
    pub rules_dir: PathBuf,
    /// Rule sets to run, e.g. `["rdfs", "owl2rl"]`.
    pub sets: Vec<String>,
    /// Most semi-naive rounds before giving up with [`ReasonError::RoundLimit`].
    pub max_rounds: usize,
    /// Most derivation records written per inferred triple (all are kept in memory).
    pub max_derivations_per_triple: usize,
}

impl RuleConfig {
    /// Rule sets the shipped evidence needs, the default of `--rules`.
    pub const DEFAULT_SETS: [&'static str; 2] = ["rdfs", "skos"];

    /// The default configuration for a rules folder: [`Self::DEFAULT_SETS`], 1,000 rounds, 64
    /// derivation records per triple.
    pub fn new(rules_dir: impl Into<PathBuf>) -> Self {
        Self {
            rules_dir: rules_dir.into(),
            sets: Self::DEFAULT_SETS.iter().map(|s| (*s).to_owned()).collect(),
            max_rounds: 1000,
            max_derivations_per_triple: 64,
        }
    }

    /// The same configuration with other rule sets (e.g. from `--rules rdfs,owl2rl`).
    #[must_use]
    pub fn with_sets<S: AsRef<str>>(mut self, sets: impl IntoIterator<Item = S>) -> Self {
        self.sets = sets
            .into_iter()
            .map(|s| s.as_ref().trim().to_owned())
            .collect();
        self
    }
}

/// What a call did and what the materialisation now holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Semi-naive rounds run (the last one derives nothing new).
    pub rounds: usize,
    /// Asserted triples (distinct, over all content graphs).
    pub asserted: usize,
    /// Triples in the inferred graph.
    pub inferred: usize,
    /// Rule instantiations (derivations) held in memory.
    pub derivations: usize,
    /// Triples this call added to the inferred graph.
    pub inferred_added: usize,
    /// Triples this call removed from the inferred graph.
    pub inferred_removed: usize,
    /// Quads inserted into the store (inferred and derivations graphs; with a record writer, the
    /// derivation records among them are written by it, after the call returns).
    pub quads_inserted: usize,
    /// Quads removed from the store.
    pub quads_removed: usize,
    /// Milliseconds reading the store.
    pub load_ms: u128,
    /// Milliseconds computing the fixpoint (or the incremental change) in memory.
    pub reason_ms: u128,
    /// Milliseconds building the inferred quads and derivation records and committing them (with a
    /// record writer: committing the inferred graph and queueing the records).
    pub write_ms: u128,
}

impl Stats {
    /// The figures of a reasoner call that left `state` and wrote `written`.
    fn after(
        state: &State,
        written: &Written,
        load_ms: u128,
        reason_ms: u128,
        write_ms: u128,
    ) -> Self {
        Self {
            rounds: state.rounds,
            asserted: state.asserted_count(),
            inferred: state.inferred_count(),
            derivations: state.derivs.alive_count(),
            inferred_added: written.inferred_added,
            inferred_removed: written.inferred_removed,
            quads_inserted: written.quads_inserted,
            quads_removed: written.quads_removed,
            load_ms,
            reason_ms,
            write_ms,
        }
    }
}

/// The rule reasoner: loaded rules, configuration and the materialisation kept between calls.
pub struct Reasoner {
    config: RuleConfig,
    rules: Vec<Rule>,
    rule_iris: Arc<[NamedNode]>,
    state: Option<State>,
    records: Option<RecordWriter>,
    /// Hash of the rules (see `marker`).
    fingerprint: String,
    /// The marker the next write carries: `fingerprint@store state` (see [`Self::mark_state`]).
    marker: Option<String>,
}

impl Reasoner {
    /// Loads and checks the configured rule sets; a bad rule is refused with file, line and reason.
    pub fn new(config: RuleConfig) -> Result<Self, ReasonError> {
        let rules = load_rule_sets(&config.rules_dir, &config.sets)?;
        Ok(Self::from_rules(config, rules))
    }

    /// A reasoner over already parsed rules (`config.rules_dir` and `config.sets` are ignored).
    pub fn from_rules(config: RuleConfig, rules: Vec<Rule>) -> Self {
        let rule_iris = rules.iter().map(|r| r.iri.clone()).collect();
        let fingerprint = super::marker::fingerprint(&rules, config.max_derivations_per_triple);
        Self {
            config,
            rules,
            rule_iris,
            state: None,
            records: None,
            fingerprint,
            marker: None,
        }
    }

    /// Tells the reasoner which store state its next write makes the inferred graph and the
    /// records current for: that write marks them so (in the catalog graph, with the graphs
    /// themselves), and a later [`Self::resume`] at the same state adopts them instead of
    /// rewriting them. Callers that never resume need not call it.
    pub fn mark_state(&mut self, state: &StoreState) {
        self.marker = Some(format!("{}@{state}", self.fingerprint));
    }

    /// Starts from the store as it is when its inferred graph and derivation records are marked as
    /// the materialisation of these rules at the state given to [`Self::mark_state`] (an earlier
    /// run wrote them and nothing changed since): the fixpoint is recomputed in memory (DRed and
    /// semi-naive updates need it) and nothing is written. Otherwise a full [`Self::materialize`].
    /// Returns the figures and whether the stored graphs were adopted.
    pub fn resume(&mut self, store: &Store) -> Result<(Stats, bool), ReasonError> {
        match self.adopt_stored(store)? {
            Some(stats) => Ok((stats, true)),
            None => Ok((self.materialize(store)?, false)),
        }
    }

    /// The reading half of [`Self::resume`]: when the stored graphs are marked current, recomputes the
    /// fixpoint in memory and takes them as its written form; `None` (and nothing changed) when they
    /// are not, or cannot be adopted. Writes nothing, so a caller may hold off writes without
    /// announcing one (derived caches stay valid meanwhile).
    pub fn adopt_stored(&mut self, store: &Store) -> Result<Option<Stats>, ReasonError> {
        if !self.stored_is_current(store)? {
            return Ok(None);
        }
        let (mut state, load_ms, reason_ms) = self.compute(store)?;
        let start = Instant::now();
        let max = self.config.max_derivations_per_triple;
        let Some(written) =
            Writer::new(Arc::clone(&self.rule_iris), max, true).adopt(&mut state, store)
        else {
            return Ok(None);
        };
        Ok(Some(self.keep(state, &written, load_ms, reason_ms, start)))
    }

    /// Whether the stored inferred graph and derivation records are marked as the materialisation of
    /// these rules at the state given to [`Self::mark_state`]: then they can be served as they are.
    pub fn stored_is_current(&self, store: &Store) -> Result<bool, ReasonError> {
        let Some(m) = &self.marker else {
            return Ok(false);
        };
        let inferred = super::marker::read(store, INFERRED_GRAPH)?;
        let records = super::marker::read(store, DERIVATIONS_GRAPH)?;
        tracing::debug!(want = %m, ?inferred, ?records, "reasoner markers");
        Ok(inferred.as_ref() == Some(m) && records.as_ref() == Some(m))
    }

    /// Writes only the markers (the inferred graph's now, the records' in the record writer's next
    /// batch) for the state given to [`Self::mark_state`]: after a write that changed no asserted
    /// triple, the stored graphs are still the materialisation, now of the new state.
    pub fn mark_unchanged(&mut self, store: &Store) -> Result<(), ReasonError> {
        let (Some(marker), Some(_)) = (&self.marker, &self.state) else {
            return Ok(());
        };
        persist::commit(store, &Changes::default(), Some(marker))?;
        let records = DerivationRecords::new(Arc::clone(&self.rule_iris), false)
            .with_marker(Some(marker.clone()));
        match &self.records {
            Some(writer) => writer.submit(Box::new(records)),
            None => {
                let mut tx = store.start_transaction()?;
                crate::store::RecordBatch::write(&records, &mut tx)?;
                tx.commit()?;
            }
        }
        Ok(())
    }

    /// Reads the asserted graphs and reaches the fixpoint in memory: the state, and the
    /// milliseconds reading and reasoning.
    fn compute(&self, store: &Store) -> Result<(State, u128, u128), ReasonError> {
        let start = Instant::now();
        let mut state = State::new(&self.rules);
        persist::load(store, &mut state)?;
        let load_ms = start.elapsed().as_millis();
        let start = Instant::now();
        state
            .saturate(self.config.max_rounds)
            .map_err(|pending| ReasonError::RoundLimit {
                max_rounds: self.config.max_rounds,
                pending,
            })?;
        Ok((state, load_ms, start.elapsed().as_millis()))
    }

    /// The same reasoner, handing its derivation records to `writer` (the store's background
    /// record writer, [`crate::store::WarrantStore::record_writer`]) instead of writing them with
    /// the inferred graph: every call then returns once the inferred graph is committed, and the
    /// records follow (readers wait for them with [`RecordWriter::wait`]). `writer` must write to
    /// the store the calls are given, and calls must be serialised with the store's other writes
    /// (made under [`crate::store::WarrantStore::write_directly`] or from a write observer), so that
    /// batches are queued in commit order. Without a writer, records and inferred graph are
    /// written in one transaction.
    #[must_use]
    pub fn with_record_writer(mut self, writer: RecordWriter) -> Self {
        self.records = Some(writer);
        self
    }

    /// The loaded rules, in evaluation order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The configuration.
    pub fn config(&self) -> &RuleConfig {
        &self.config
    }

    /// Recomputes the inferred and derivations graphs from the store's asserted graphs and replaces
    /// them: the inferred graph in one transaction, the derivations graph in the same one or, with
    /// a record writer, in the writer's next batch. On [`ReasonError::RoundLimit`] nothing is
    /// written.
    pub fn materialize(&mut self, store: &Store) -> Result<Stats, ReasonError> {
        self.state = None;
        let (mut state, load_ms, reason_ms) = self.compute(store)?;
        let start = Instant::now();
        let max = self.config.max_derivations_per_triple;
        let (written, records) = Writer::new(Arc::clone(&self.rule_iris), max, true).full(
            &mut state,
            store,
            self.records.is_none(),
            self.marker.as_deref(),
        )?;
        if let Some(writer) = &self.records {
            writer.submit(Box::new(records));
        }
        Ok(self.keep(state, &written, load_ms, reason_ms, start))
    }

    /// Keeps `state` as the reasoner's materialisation and returns the figures of the run that
    /// computed it (`start`: when its writing began).
    fn keep(
        &mut self,
        state: State,
        written: &Written,
        load_ms: u128,
        reason_ms: u128,
        start: Instant,
    ) -> Stats {
        let stats = Stats::after(
            &state,
            written,
            load_ms,
            reason_ms,
            start.elapsed().as_millis(),
        );
        self.state = Some(state);
        stats
    }

    /// Brings the inferred and derivations graphs up to date (the derivations graph in the record
    /// writer's next batch when there is one) after the caller changed the store's
    /// asserted graphs: `added` were inserted into, `removed` deleted from, some asserted graph (a
    /// removed triple still asserted in another graph is ignored). Incremental when the reasoner
    /// holds a materialisation, else a full [`Self::materialize`]. On [`ReasonError::RoundLimit`]
    /// nothing is written and the next call recomputes.
    pub fn apply(
        &mut self,
        store: &Store,
        added: &[Triple],
        removed: &[Triple],
    ) -> Result<Stats, ReasonError> {
        let Some(mut state) = self.state.take() else {
            return self.materialize(store);
        };
        let start = Instant::now();
        let mut gone = Vec::with_capacity(removed.len());
        for t in removed {
            if !still_asserted(store, t.as_ref())? {
                gone.push(t.clone());
            }
        }
        state
            .apply(added, &gone, self.config.max_rounds)
            .map_err(|pending| ReasonError::RoundLimit {
                max_rounds: self.config.max_rounds,
                pending,
            })?;
        let reason_ms = start.elapsed().as_millis();
        let start = Instant::now();
        let mut changes = Changes::default();
        let max = self.config.max_derivations_per_triple;
        let (written, records) = Writer::new(Arc::clone(&self.rule_iris), max, false)
            .reconcile(&mut state, &mut changes);
        let records = records.with_marker(self.marker.clone());
        let marker = self.marker.as_deref();
        match &self.records {
            Some(writer) => {
                persist::commit(store, &changes, marker)?;
                if !records.is_empty() {
                    writer.submit(Box::new(records));
                }
            }
            None => {
                records.render(&mut changes);
                if let Some(marker) = marker {
                    // the records marker, written with the records in the same transaction
                    let mut tx = store.start_transaction()?;
                    super::marker::write(&mut tx, DERIVATIONS_GRAPH, marker)?;
                    for q in &changes.removes {
                        tx.remove(q);
                    }
                    for q in &changes.inserts {
                        tx.insert(q);
                    }
                    super::marker::write(&mut tx, INFERRED_GRAPH, marker)?;
                    tx.commit()?;
                } else {
                    persist::commit(store, &changes, None)?;
                }
            }
        }
        Ok(self.keep(state, &written, 0, reason_ms, start))
    }

    /// Forgets the in-memory materialisation (the next [`Self::apply`] recomputes from the store).
    pub fn reset(&mut self) {
        self.state = None;
    }
}

fn still_asserted(store: &Store, t: TripleRef<'_>) -> Result<bool, ReasonError> {
    for q in store.quads_for_pattern(Some(t.subject), Some(t.predicate), Some(t.object), None) {
        if is_asserted_graph(q?.graph_name.as_ref()) {
            return Ok(true);
        }
    }
    Ok(false)
}
