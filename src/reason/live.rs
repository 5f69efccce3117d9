//! Keeping the inferred graph current while the store changes: rules read from the data root (disk or
//! embedded), materialised at start, then maintained after every committed write as a store observer.

use super::{ReasonError, Reasoner, Rule, RuleConfig, Stats, parse_rule};
use crate::load::{DataRoot, SourceFile, collect_files};
use crate::store::{Applied, StoreState, WarrantStore, WriteObserver};
use crate::vocab;
use oxigraph::model::{Quad, Triple};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Parses the rules of the chosen sets from loaded files (`queries/rules/<set>/NN-name.rq`).
///
/// A set with no rule file is an error, so a typo in `--rules` never silently disables reasoning.
pub fn rules_from_files(files: &[SourceFile], sets: &[String]) -> Result<Vec<Rule>, ReasonError> {
    let mut rules = Vec::new();
    for set in sets {
        let prefix = format!("queries/rules/{set}/");
        let mut found = false;
        for file in files.iter().filter(|f| f.rel_path.starts_with(&prefix)) {
            if !file.rel_path.ends_with(".rq") {
                continue;
            }
            found = true;
            let text = String::from_utf8_lossy(&file.bytes);
            rules.push(parse_rule(set, Path::new(&file.rel_path), &text)?);
        }
        if !found {
            return Err(ReasonError::UnknownRuleSet {
                name: set.clone(),
                dir: "queries/rules".into(),
            });
        }
    }
    Ok(rules)
}

/// Materialises `store`'s inferred graph once with the rule sets `sets` of `root`, its derivations
/// recorded through the store's record writer: what `warrant load --rules` and the in-memory
/// `warrant evaluate` do before they use the store, as `serve` does at start. With `state`, the
/// result is marked as the materialisation of these rules at that store state, so that a later
/// `serve` with the same rules adopts it instead of recomputing.
pub fn materialize_sets(
    store: &WarrantStore,
    root: &DataRoot,
    sets: &[String],
    state: Option<&StoreState>,
) -> Result<Stats, ReasonError> {
    let rules = rules_from_root(root, sets)?;
    let config = RuleConfig::new("queries/rules").with_sets(sets);
    let mut reasoner =
        Reasoner::from_rules(config, rules).with_record_writer(store.record_writer().clone());
    if let Some(state) = state {
        reasoner.mark_state(state);
    }
    store.write_directly(|ox| reasoner.materialize(ox))
}

/// The rules of the chosen sets from a data root's `queries/rules/`; a root without any rule file uses
/// the rule sets built into the binary.
pub fn rules_from_root(root: &DataRoot, sets: &[String]) -> Result<Vec<Rule>, ReasonError> {
    let read = |root: &DataRoot| {
        collect_files(root).map_err(|source| ReasonError::Io {
            path: "queries/rules".into(),
            source,
        })
    };
    let mut files = read(root)?;
    if !files
        .iter()
        .any(|f| f.rel_path.starts_with("queries/rules/"))
    {
        files = read(&DataRoot::Embedded)?;
    }
    rules_from_files(&files, sets)
}

/// A reasoner attached to a store: every committed change updates the inferred graph before the
/// write returns (additions semi-naively, deletions by DRed; see [`Reasoner::apply`]); the
/// derivation records follow through the store's record writer, just after the write returns
/// (readers of the derivations graph wait for them: [`WarrantStore::wait_records`]).
pub struct LiveReasoner {
    reasoner: Mutex<Reasoner>,
    status: ReasonerStatus,
}

/// Whether a [`LiveReasoner`]'s inferred graph is current, and how much work keeping it so took:
/// shared with whoever reports readiness and metrics.
#[derive(Clone, Default)]
pub struct ReasonerStatus(Arc<StatusInner>);

#[derive(Default)]
struct StatusInner {
    failure: RwLock<Option<String>>,
    updates: AtomicU64,
    rounds: AtomicU64,
    millis: AtomicU64,
}

impl ReasonerStatus {
    /// Why the inferred graph is not current (its last update and the recomputation after it
    /// failed), or `None` when it is.
    pub fn failure(&self) -> Option<String> {
        self.0
            .failure
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Updates of the inferred graph run, semi-naive rounds over them, and milliseconds spent
    /// (reading, reasoning and writing), since the start (the first materialisation included).
    pub fn work(&self) -> (u64, u64, u64) {
        (
            self.0.updates.load(Ordering::Relaxed),
            self.0.rounds.load(Ordering::Relaxed),
            self.0.millis.load(Ordering::Relaxed),
        )
    }

    fn set(&self, failure: Option<String>) {
        *self
            .0
            .failure
            .write()
            .unwrap_or_else(PoisonError::into_inner) = failure;
    }

    fn count(&self, stats: &Stats) {
        self.0.updates.fetch_add(1, Ordering::Relaxed);
        self.0
            .rounds
            .fetch_add(stats.rounds as u64, Ordering::Relaxed);
        let millis = stats.load_ms + stats.reason_ms + stats.write_ms;
        self.0
            .millis
            .fetch_add(u64::try_from(millis).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

impl LiveReasoner {
    /// Materialises the rules over `store` and returns the reasoner, ready to be registered with
    /// [`WarrantStore::add_observer`], with the figures of the materialisation (`None` when it was
    /// deferred). When the store already holds the materialisation of these rules for its current
    /// state (an earlier run wrote it and nothing changed since: see [`Reasoner::resume`]), the
    /// stored inferred graph is served at once and the in-memory state that incremental updates need
    /// is rebuilt on a background thread holding the write lock — queries are answered meanwhile,
    /// writes wait for it — so a restart on an unchanged store does not wait for the reasoning.
    pub fn start(
        store: &WarrantStore,
        config: RuleConfig,
        rules: Vec<Rule>,
    ) -> Result<(Arc<Self>, Option<Stats>), ReasonError> {
        let mut reasoner =
            Reasoner::from_rules(config, rules).with_record_writer(store.record_writer().clone());
        reasoner.mark_state(&store.state()?);
        if reasoner.stored_is_current(store.oxigraph())? {
            let live = Arc::new(Self {
                reasoner: Mutex::new(reasoner),
                status: ReasonerStatus::default(),
            });
            let (resuming, store) = (Arc::clone(&live), store.clone());
            std::thread::Builder::new()
                .name("warrant-reasoner-resume".into())
                .spawn(move || resuming.resume_in_background(&store))
                .map_err(|source| ReasonError::Io {
                    path: "(reasoner thread)".into(),
                    source,
                })?;
            return Ok((live, None));
        }
        let (stats, adopted) = store.write_directly(|ox| reasoner.resume(ox))?;
        tracing::debug!(adopted, "inferred graph at start");
        let status = ReasonerStatus::default();
        status.count(&stats);
        Ok((
            Arc::new(Self {
                reasoner: Mutex::new(reasoner),
                status,
            }),
            Some(stats),
        ))
    }

    /// [`Reasoner::resume`] under the write lock (a write committed before this thread took the lock
    /// was already handled by the observer: resume then finds the new markers, or recomputes).
    ///
    /// Adopting writes nothing, so it only holds writes off ([`WarrantStore::hold_writes`]): queries
    /// meanwhile keep their derived caches (a write announced for the second or two this takes made
    /// every query recompute them). Only when the stored graphs cannot be adopted is it a write.
    fn resume_in_background(&self, store: &WarrantStore) {
        let adopted = store.hold_writes(|ox| {
            let mut reasoner = self.reasoner.lock().unwrap_or_else(PoisonError::into_inner);
            reasoner.mark_state(&store.state()?);
            reasoner.adopt_stored(ox)
        });
        let outcome = match adopted {
            Ok(Some(stats)) => Ok((stats, true)),
            Ok(None) => store.write_directly(|ox| {
                let mut reasoner = self.reasoner.lock().unwrap_or_else(PoisonError::into_inner);
                reasoner.mark_state(&store.state()?);
                Ok((reasoner.materialize(ox)?, false))
            }),
            Err(e) => Err(e),
        };
        match outcome {
            Ok((stats, adopted)) => {
                tracing::debug!(adopted, ?stats, "reasoner state rebuilt after start");
                self.status.count(&stats);
            }
            Err(e) => {
                tracing::error!("rebuilding the reasoner's state after start failed: {e}");
                self.status
                    .set(Some(format!("rebuilding the reasoner's state failed: {e}")));
            }
        }
    }

    /// The handle saying whether the inferred graph is current.
    pub fn status(&self) -> ReasonerStatus {
        self.status.clone()
    }
}

/// The asserted triples a change touched (record graphs and the inferred graph are not premises).
fn asserted_triples(quads: &[Quad]) -> Vec<Triple> {
    quads
        .iter()
        .filter(|q| vocab::is_asserted_content(q.graph_name.as_ref()))
        .map(|q| Triple::from(q.clone()))
        .collect()
}

impl WriteObserver for LiveReasoner {
    fn committed(&self, store: &WarrantStore, applied: &Applied, state: &StoreState) {
        let added = asserted_triples(&applied.added);
        let removed = asserted_triples(&applied.removed);
        let mut reasoner = self
            .reasoner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        reasoner.mark_state(state);
        if added.is_empty() && removed.is_empty() {
            if let Err(e) = reasoner.mark_unchanged(store.oxigraph()) {
                // the next start recomputes instead of adopting: slower, never wrong
                tracing::warn!("marking the inferred graph current failed: {e}");
            }
            return;
        }
        match reasoner.apply(store.oxigraph(), &added, &removed) {
            Ok(stats) => {
                tracing::debug!(?stats, "inferred graph updated");
                self.status.count(&stats);
                self.status.set(None);
            }
            Err(e) => {
                tracing::error!("keeping the inferred graph current failed: {e}; recomputing");
                reasoner.reset();
                match reasoner.materialize(store.oxigraph()) {
                    Ok(stats) => {
                        self.status.count(&stats);
                        self.status.set(None);
                    }
                    Err(e) => {
                        tracing::error!("recomputing the inferred graph failed: {e}");
                        self.status
                            .set(Some(format!("recomputing the inferred graph failed: {e}")));
                    }
                }
            }
        }
    }
}
