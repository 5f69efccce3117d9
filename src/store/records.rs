//! Writing record graphs (the reasoner's derivations) off the write path, behind a barrier.
//!
//! A write that derives records (the reasoner following a change) commits what queries see by
//! default — content graphs — before it returns, and hands the record changes to a
//! [`RecordWriter`]: one background worker per store writes the batches in submission order (FIFO,
//! which is commit order: batches are submitted under the store's write lock), each in its own
//! transaction. [`RecordWriter::wait`] is the *barrier*: it blocks until no batch is pending, so a
//! reader of a record graph that waits first sees every record of every write that returned before
//! it started. Readers of content graphs do not wait.
//!
//! # Why the worker does not take the store's write lock
//! A record batch touches only the graphs its producer owns (the derivations graph): user changes
//! that would write a record graph are refused, and no internal change writes it. Oxigraph's
//! in-memory backend serialises transactions itself (one at a time, each atomic); the RocksDB
//! backend commits a transaction as one atomic write batch over snapshot reads, so two transactions
//! over disjoint quads commute, and the term dictionary they share is insert-only and keyed by hash
//! (the same key always gets the same value). Not taking the lock also means a reader may wait for
//! the barrier while holding the write lock (a planned change, an update whose WHERE clause reads
//! records) without deadlock. It must never wait inside an open transaction.
//!
//! # Failure
//! A batch that fails is logged and the writer turns *failed*: [`RecordWriter::wait`] returns
//! [`StoreError::RecordsUnavailable`] from then on, so readers get an error, never stale records.
//! Later incremental batches are skipped (they would apply to records that are not there); a batch
//! that rewrites its graphs from scratch ([`RecordBatch::replaces`]) and succeeds repairs it.

use super::StoreError;
use oxigraph::store::{StorageError, Store, Transaction};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// A set of changes to record graphs, written by the background worker in one transaction.
pub trait RecordBatch: Send {
    /// Writes the batch's changes into `tx` (the worker commits it).
    fn write(&self, tx: &mut Transaction<'_>) -> Result<(), StorageError>;

    /// Whether the batch clears and rewrites every graph it writes (so it holds whatever came
    /// before, and its success repairs a failed writer).
    fn replaces(&self) -> bool;

    /// Writes the batch through `store`'s bulk loader instead of one transaction, when the batch
    /// chooses to (`None`: it does not, [`Self::write`] is used). For large replacing batches: a
    /// transaction holds every key it writes in memory until it commits and checks each against
    /// them, which made a full rewrite of LUBM(1,0)'s 1.1 M record quads take minutes and
    /// gigabytes on disk; the bulk loader writes sorted files and ingests them. The batch must
    /// leave its graphs marked incomplete until the last step (readers wait for the barrier anyway;
    /// a crash in between must not leave them looking complete).
    fn write_bulk(&self, store: &Store) -> Option<Result<(), StorageError>> {
        let _ = store;
        None
    }
}

#[derive(Default)]
struct Queue {
    batches: VecDeque<Box<dyn RecordBatch>>,
    /// Batches submitted and not yet written (queued or being written).
    pending: usize,
    /// Whether a worker thread is running.
    running: bool,
    /// Why the last failed batch failed, until a replacing batch succeeds.
    failed: Option<String>,
    /// Worker threads started and maybe not yet ended (joined by [`RecordWriter::finish`]).
    workers: Vec<std::thread::JoinHandle<()>>,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when `pending` drops.
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The background writer of one store's record batches and their barrier. Cheap to clone; clones
/// share the queue.
#[derive(Clone)]
pub struct RecordWriter {
    store: Store,
    shared: Arc<Shared>,
}

impl RecordWriter {
    /// A writer of record batches into `store`. Use one per store: two writers would not be
    /// ordered with each other.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            shared: Arc::default(),
        }
    }

    /// Queues `batch` behind every batch submitted before. Returns at once; the worker thread is
    /// started when none runs (it stops when the queue is empty, so an idle writer holds no thread
    /// and no extra handle on the store).
    pub fn submit(&self, batch: Box<dyn RecordBatch>) {
        let mut queue = self.shared.lock();
        queue.batches.push_back(batch);
        queue.pending += 1;
        if queue.running {
            return;
        }
        queue.running = true;
        let worker = self.clone();
        let spawned = std::thread::Builder::new()
            .name("warrant-records".into())
            .spawn(move || worker.drain());
        match spawned {
            Ok(handle) => {
                queue.workers.retain(|w| !w.is_finished());
                queue.workers.push(handle);
            }
            Err(e) => {
                drop(queue);
                tracing::warn!("cannot start the record writer thread ({e}); writing inline");
                self.drain();
            }
        }
    }

    /// Writes queued batches until none is left, then marks the worker stopped.
    fn drain(&self) {
        loop {
            let mut queue = self.shared.lock();
            let Some(batch) = queue.batches.pop_front() else {
                queue.running = false;
                return;
            };
            let skip = queue.failed.is_some() && !batch.replaces();
            drop(queue);
            let outcome = if skip {
                Ok(())
            } else {
                // a panicking batch must not leave readers waiting forever
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.write(&*batch)))
                    .unwrap_or_else(|_| {
                        Err(StorageError::Other("the record batch panicked".into()))
                    })
            };
            drop(batch);
            let mut queue = self.shared.lock();
            if let Err(e) = outcome {
                tracing::error!(
                    "writing derivation records failed: {e}; readers of the records get an error until they are rewritten"
                );
                queue.failed = Some(e.to_string());
            }
            queue.pending -= 1;
            if queue.pending == 0 {
                self.shared.drained.notify_all();
            }
        }
    }

    fn write(&self, batch: &dyn RecordBatch) -> Result<(), StorageError> {
        let replaces = batch.replaces();
        if let Some(written) = batch.write_bulk(&self.store) {
            written?;
        } else {
            let mut tx = self.store.start_transaction()?;
            batch.write(&mut tx)?;
            tx.commit()?;
        }
        if replaces {
            // a replacing batch that succeeded leaves exact records: the writer is repaired
            self.shared.lock().failed = None;
        }
        Ok(())
    }

    /// The barrier: blocks until every batch submitted so far is written. Fails with
    /// [`StoreError::RecordsUnavailable`] when the writer has failed (the records are incomplete).
    /// Never call it inside an open transaction of the same store.
    pub fn wait(&self) -> Result<(), StoreError> {
        let mut queue = self.shared.lock();
        while queue.pending > 0 {
            queue = self
                .shared
                .drained
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match &queue.failed {
            Some(reason) => Err(StoreError::RecordsUnavailable(reason.clone())),
            None => Ok(()),
        }
    }

    /// The barrier, then the end of the worker threads (and of their handles on the store): for a
    /// process about to exit, so that no thread still uses the store while it closes.
    pub fn finish(&self) -> Result<(), StoreError> {
        let waited = self.wait();
        let workers = std::mem::take(&mut self.shared.lock().workers);
        for worker in workers {
            if worker.join().is_err() {
                tracing::error!("the record writer thread panicked");
            }
        }
        waited
    }

    /// Why the derivation records are unavailable (writing a batch failed), or `None`.
    pub fn failure(&self) -> Option<String> {
        self.shared.lock().failed.clone()
    }

    /// Number of batches submitted and not yet written.
    pub fn pending(&self) -> usize {
        self.shared.lock().pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{NamedNode, Quad};

    struct Insert(Quad, bool);

    impl RecordBatch for Insert {
        fn write(&self, tx: &mut Transaction<'_>) -> Result<(), StorageError> {
            tx.insert(&self.0);
            Ok(())
        }
        fn replaces(&self) -> bool {
            self.1
        }
    }

    fn quad(i: usize) -> Quad {
        let n = NamedNode::new_unchecked(format!("http://example.org/{i}"));
        Quad::new(n.clone(), n.clone(), n.clone(), n)
    }

    #[test]
    fn the_barrier_sees_every_batch_submitted_before_it() {
        let store = Store::new().unwrap();
        let writer = RecordWriter::new(store.clone());
        for round in 0..20 {
            for i in 0..10 {
                writer.submit(Box::new(Insert(quad(round * 10 + i), false)));
            }
            writer.wait().unwrap();
            assert_eq!(store.len().unwrap(), round * 10 + 10);
            assert_eq!(writer.pending(), 0);
        }
    }

    struct Panics;

    impl RecordBatch for Panics {
        fn write(&self, _: &mut Transaction<'_>) -> Result<(), StorageError> {
            panic!("bug in a batch")
        }
        fn replaces(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_panicking_batch_fails_readers_instead_of_hanging_them() {
        let writer = RecordWriter::new(Store::new().unwrap());
        writer.submit(Box::new(Panics));
        let err = writer.wait().unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        writer.finish().unwrap_err();
    }

    #[test]
    fn a_failed_batch_makes_readers_fail_until_a_replacing_batch_succeeds() {
        let dir = std::env::temp_dir().join(format!("warrant-records-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        drop(Store::open(&dir).unwrap());
        let read_only = Store::open_read_only(&dir).unwrap();
        let writer = RecordWriter::new(read_only);
        writer.submit(Box::new(Insert(quad(1), false)));
        let err = writer.wait().unwrap_err();
        assert!(matches!(err, StoreError::RecordsUnavailable(_)), "{err}");
        assert!(writer.wait().is_err(), "the failure stays");
        // a writer over a writable store with a failure noted: repaired by a replacing batch only
        let store = Store::new().unwrap();
        let repaired = RecordWriter::new(store.clone());
        repaired.shared.lock().failed = Some("earlier failure".into());
        repaired.submit(Box::new(Insert(quad(2), false)));
        assert!(repaired.wait().is_err());
        assert_eq!(store.len().unwrap(), 0, "incremental batches are skipped");
        repaired.submit(Box::new(Insert(quad(3), true)));
        repaired.wait().unwrap();
        assert_eq!(store.len().unwrap(), 1);
        drop(std::fs::remove_dir_all(&dir));
    }
}
