//! What later stages plug into the store without the store knowing them: observers told of every
//! committed change, and handlers answering SPARQL `SERVICE` calls to a given IRI.
//!
//! Data still flows one way: the store defines these interfaces, the search index (or any later
//! stage) implements them and registers itself. Registrations are shared by every clone of a
//! [`WarrantStore`].

use super::{Applied, Staged, StoreError, StoreState, WarrantStore};
use oxigraph::model::NamedNode;
use oxigraph::sparql::{QuerySolutionIter, ServiceHandler};
use oxiri::Iri;
use spargebra::algebra::GraphPattern;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Told of every change committed through [`WarrantStore::apply`].
///
/// `committed` runs after the commit and before `apply` returns, while further writes wait: an
/// observer sees changes one at a time, in commit order, and what it derives is up to date when the
/// write returns. It cannot undo the change; it deals with its own failures (e.g. by rebuilding or
/// by refusing to answer until repaired) and never leaves a derived structure silently stale.
pub trait WriteObserver: Send + Sync {
    /// A change was committed: `applied` is exactly what it did, `state` the store's new state.
    fn committed(&self, store: &WarrantStore, applied: &Applied, state: &StoreState);

    /// Whether this observer reads what other observers derive from the change (the inferred
    /// graph): such observers are told after the others, so they read the derivations of this
    /// change, not of the one before. Data flows one way: reason, then index.
    fn reads_inferences(&self) -> bool {
        false
    }
}

/// Checks every change before it commits (the SHACL shapes, registered by the validation stage).
///
/// `check` runs inside the write's transaction, after its operations and before the commit, and
/// sees the staged result (`staged` includes the change's own writes, and the quads a bulk load stages beside the transaction). An error rejects the change:
/// the transaction is dropped and nothing is written anywhere.
pub trait WriteGuard: Send + Sync {
    /// Accepts the staged change or refuses it (typically with [`StoreError::Rejected`]).
    fn check(&self, staged: &Staged<'_, '_>, applied: &Applied) -> Result<(), StoreError>;
}

/// Error of a registered SPARQL `SERVICE` handler (its message is shown to the client).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ServiceError(pub String);

type Handler = Arc<
    dyn Fn(&GraphPattern, Option<&Iri<String>>) -> Result<QuerySolutionIter<'static>, ServiceError>
        + Send
        + Sync,
>;

/// A registered handler as Oxigraph wants it.
pub(super) struct Registered(Handler);

impl ServiceHandler for Registered {
    type Error = ServiceError;

    fn handle(
        &self,
        pattern: &GraphPattern,
        base_iri: Option<&Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, ServiceError> {
        (self.0)(pattern, base_iri)
    }
}

/// The registrations shared by the clones of one store.
#[derive(Default)]
pub(super) struct Hooks {
    /// Held from the start of a write's transaction until its observers are done.
    pub(super) write_lock: Mutex<()>,
    /// The write epoch (see `derived`): odd while a write is in progress.
    pub(super) epoch: std::sync::atomic::AtomicU64,
    /// Values later stages keep per store (see [`WarrantStore::shared`]).
    pub(super) extensions: Mutex<super::derived::Extensions>,
    observers: RwLock<Vec<Arc<dyn WriteObserver>>>,
    guards: RwLock<Vec<Arc<dyn WriteGuard>>>,
    services: RwLock<Vec<(NamedNode, Handler)>>,
}

impl Hooks {
    /// The observers in the order they are told: those that derive first, then those that read
    /// inferences ([`WriteObserver::reads_inferences`]), each group in registration order.
    pub(super) fn observers(&self) -> Vec<Arc<dyn WriteObserver>> {
        let mut observers = self
            .observers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        observers.sort_by_key(|o| o.reads_inferences());
        observers
    }

    pub(super) fn guards(&self) -> Vec<Arc<dyn WriteGuard>> {
        self.guards
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn services(&self) -> Vec<(NamedNode, Registered)> {
        self.services
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(name, h)| (name.clone(), Registered(Arc::clone(h))))
            .collect()
    }
}

impl WarrantStore {
    /// Registers an observer of every committed change (for this store and all its clones).
    pub fn add_observer(&self, observer: Arc<dyn WriteObserver>) {
        self.hooks
            .observers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(observer);
    }

    /// Registers a check every later change must pass before it commits (for this store and all
    /// its clones).
    pub fn add_guard(&self, guard: Arc<dyn WriteGuard>) {
        self.hooks
            .guards
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push(guard);
    }

    /// Registers `handler` to answer `SERVICE <name> { … }` in queries (for this store and all its
    /// clones). A later registration for the same IRI replaces the earlier one.
    pub fn add_service_handler<H: ServiceHandler + 'static>(&self, name: NamedNode, handler: H) {
        let handler = Arc::new(handler);
        let erased: Handler = Arc::new(move |pattern, base| {
            handler
                .handle(pattern, base)
                .map_err(|e| ServiceError(e.to_string()))
        });
        let mut services = self
            .hooks
            .services
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        services.retain(|(n, _)| *n != name);
        services.push((name, erased));
    }
}
