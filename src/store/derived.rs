//! Values derived from the store and remembered between reads, never stale.
//!
//! The store keeps an in-memory *write epoch*, shared by its clones: it is odd while a write is in
//! progress and even otherwise, and every write moves it on twice — when it begins and when it ends.
//! [`WarrantStore::apply`] brackets its transaction *and* its observers (so the reasoner's inferred
//! graph and the search index are covered); the rare writes that must go to Oxigraph directly (the
//! reasoner's initial materialisation) go through [`WarrantStore::write_directly`], which brackets
//! them the same way. The persistent [`StoreState`](super::StoreState) generation is not enough for
//! caching: it is bumped in `apply`'s transaction, before the observers write the inferred graph.
//!
//! An [`EpochMemo`] tags a value with the epoch read before computing it and serves it only to readers
//! that read the same epoch: a write moves the epoch on when it *begins*, so no reader that starts after
//! a write has begun ever gets a value read before it — a cache can be cold, never stale. A value is
//! kept only if that epoch was even and is unchanged after computing: no write began or ended while it
//! was read, so it is exactly the state of its epoch, never torn by a concurrent write.
//!
//! The derivation records written in the background after a write (see `records`) do not move the
//! epoch, on purpose: they change only the derivations graph, a record graph, and memoised values
//! are computed from content graphs (the default graph of their queries is the union of content
//! graphs, and none of them names a record graph), so a record batch cannot make one stale. The
//! inferred graph — content — is written inside the write's epoch bracket, before it ends. A cache
//! of values read from the derivations graph would have to wait for the records barrier
//! ([`WarrantStore::wait_records`]) and key on the records too; there is none.

use super::WarrantStore;
use oxigraph::store::Store;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// Marks a write in progress for as long as it lives: the epoch is odd from creation to drop.
pub(super) struct Writing<'a>(&'a AtomicU64);

impl<'a> Writing<'a> {
    /// Begins a write (the epoch becomes odd). Writes are serialised by the caller.
    pub(super) fn begin(epoch: &'a AtomicU64) -> Self {
        epoch.fetch_add(1, Ordering::SeqCst);
        Self(epoch)
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// One shared value per type, for derived caches that must outlive a request (see [`WarrantStore::shared`]).
pub(super) type Extensions = HashMap<TypeId, Arc<dyn Any + Send + Sync>>;

impl WarrantStore {
    /// The write epoch: even when no write is in progress, and different after any write.
    pub fn epoch(&self) -> u64 {
        self.hooks.epoch.load(Ordering::SeqCst)
    }

    /// Runs `f` with write access to the underlying Oxigraph store, for the writes that cannot be a
    /// [`Change`](super::Change) (the reasoner's full materialisation). Serialised with
    /// [`WarrantStore::apply`], and counted by the write epoch, so derived caches see the write.
    /// Observers are not told. Never call it from a [`WriteObserver`](super::WriteObserver): the
    /// observer already runs inside `apply`'s write.
    pub fn write_directly<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        let _serialised = self.serialise_writes();
        let _writing = Writing::begin(&self.hooks.epoch);
        f(&self.store)
    }

    /// Runs `f` while no write can begin (holding the lock writes take), without announcing a write:
    /// for work that must see no write interleave but writes nothing itself (the reasoner adopting
    /// its stored graphs after start), so derived caches stay valid meanwhile. `f` must not write.
    pub fn hold_writes<R>(&self, f: impl FnOnce(&Store) -> R) -> R {
        let _serialised = self.serialise_writes();
        f(&self.store)
    }

    /// The value of type `T` shared by this store and all its clones, created by `T::default()` on
    /// first use. Lets later stages keep caches per store (e.g. case evaluation's [`EpochMemo`]s)
    /// without the store knowing them, and without every caller threading them through.
    pub fn shared<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut map = self
            .hooks
            .extensions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let any = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        drop(map);
        any.downcast::<T>()
            .unwrap_or_else(|_| unreachable!("extensions are keyed by their type"))
    }
}

/// Values computed from the store, remembered for the write epoch they were computed in.
///
/// Thread-safe and shared: readers take a read lock only to copy hits out; computing happens with no
/// lock held; the results are added under a short write lock. When more than `capacity` values would
/// be held, the memo starts over (keys can come from clients, e.g. the codes of a case).
pub struct EpochMemo<K, V> {
    inner: RwLock<Remembered<K, V>>,
    capacity: usize,
}

struct Remembered<K, V> {
    epoch: u64,
    values: HashMap<K, V>,
}

impl<K: Eq + Hash + Clone, V: Clone> EpochMemo<K, V> {
    /// An empty memo holding at most `capacity` values.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: RwLock::new(Remembered {
                epoch: 0,
                values: HashMap::new(),
            }),
            capacity,
        }
    }

    /// The values of `keys`. Remembered ones are copied; the others are computed together by
    /// `compute`, which answers for the keys it is given (a key it leaves out gets no value), and
    /// remembered if no write began or ended meanwhile.
    pub fn get<E>(
        &self,
        store: &WarrantStore,
        keys: impl IntoIterator<Item = K>,
        compute: impl FnOnce(&[K]) -> Result<HashMap<K, V>, E>,
    ) -> Result<HashMap<K, V>, E> {
        let before = store.epoch();
        let stable = before % 2 == 0;
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        {
            let held = self.inner.read().unwrap_or_else(PoisonError::into_inner);
            let valid = stable && held.epoch == before;
            for key in keys {
                match held.values.get(&key).filter(|_| valid) {
                    Some(v) => {
                        out.insert(key, v.clone());
                    }
                    None if !out.contains_key(&key) && !missing.contains(&key) => missing.push(key),
                    None => {}
                }
            }
        }
        if missing.is_empty() {
            return Ok(out);
        }
        let computed = compute(&missing)?;
        if stable && store.epoch() == before {
            let mut held = self.inner.write().unwrap_or_else(PoisonError::into_inner);
            if held.epoch < before {
                held.values.clear();
                held.epoch = before;
            }
            if held.epoch == before {
                if held.values.len() + computed.len() > self.capacity {
                    held.values.clear();
                }
                for (k, v) in &computed {
                    held.values.insert(k.clone(), v.clone());
                }
            }
        }
        out.extend(computed);
        Ok(out)
    }

    /// The value of one key (see [`EpochMemo::get`]).
    pub fn get_one<E>(
        &self,
        store: &WarrantStore,
        key: K,
        compute: impl FnOnce(&K) -> Result<V, E>,
    ) -> Result<V, E> {
        let mut map = self.get(store, [key.clone()], |keys| {
            Ok(HashMap::from([(keys[0].clone(), compute(&keys[0])?)]))
        })?;
        Ok(map
            .remove(&key)
            .unwrap_or_else(|| unreachable!("computed for its key")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Change, DatasetMode, Op};
    use oxigraph::model::{NamedNode, Quad};

    fn count(store: &WarrantStore, memo: &EpochMemo<u8, usize>, calls: &mut usize) -> usize {
        memo.get_one(store, 0, |_| {
            *calls += 1;
            Ok::<_, ()>(store.len().unwrap())
        })
        .unwrap()
    }

    #[test]
    fn every_write_makes_remembered_values_unreachable() {
        let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
        let memo = EpochMemo::new(10);
        let mut calls = 0;
        assert_eq!(count(&store, &memo, &mut calls), 0);
        assert_eq!(count(&store, &memo, &mut calls), 0);
        assert_eq!(calls, 1, "the second read is remembered");
        let n = NamedNode::new_unchecked("http://example.org/a");
        let quad = Quad::new(n.clone(), n.clone(), n.clone(), n.clone());
        store
            .apply(Change::one(Op::Insert(vec![quad.clone()])))
            .unwrap();
        // The quad and the store's two state quads.
        assert_eq!(count(&store, &memo, &mut calls), 3, "apply is seen");
        store.write_directly(|ox| ox.remove(&quad).unwrap());
        assert_eq!(
            count(&store, &memo, &mut calls),
            2,
            "a direct write is seen"
        );
        assert_eq!(calls, 3);
    }

    #[test]
    fn concurrent_readers_never_leave_a_value_older_than_the_last_write() {
        let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
        let memo = EpochMemo::new(10);
        let read = || {
            memo.get_one(&store, 0u8, |_| Ok::<_, ()>(store.len().unwrap()))
                .unwrap()
        };
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    (0..3000).for_each(|_| {
                        std::hint::black_box(read());
                    })
                });
            }
            scope.spawn(|| {
                for i in 0..200 {
                    let n = NamedNode::new_unchecked(format!("http://example.org/{i}"));
                    let quad = Quad::new(n.clone(), n.clone(), n.clone(), n);
                    store.apply(Change::one(Op::Insert(vec![quad]))).unwrap();
                    assert_eq!(read(), store.len().unwrap(), "after write {i}");
                }
            });
        });
    }

    #[test]
    fn values_computed_during_a_write_are_not_remembered() {
        let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
        let memo = EpochMemo::new(10);
        let mut calls = 0;
        store.write_directly(|_| count(&store, &memo, &mut calls));
        count(&store, &memo, &mut calls);
        assert_eq!(calls, 2, "read while a write was in progress: not kept");
        assert_eq!(store.shared::<Vec<u8>>().len(), 0);
    }
}
