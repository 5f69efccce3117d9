//! A pool of reusable large-stack threads for the server's queries, updates and body parsers.
//!
//! Spawning a thread with a [`super::LARGE_STACK`] per request cost more than a simple query
//! itself: the stack mapping, its unmapping (a TLB shoot-down on every core), fresh malloc arenas
//! and thread-local state in RocksDB for each thread. Here a finished thread waits for the next
//! job; threads are started only when none is idle (so there are never more than the peak of
//! concurrent jobs, which the query slots bound) and end after [`IDLE_EXIT`] without work, which also
//! returns the stack pages a deep query touched.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, unbounded};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How long an idle thread waits for work before it ends.
pub const IDLE_EXIT: Duration = Duration::from_secs(30);

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Threads waiting for a job, and the queue they take jobs from. A job is sent only while the
/// `idle` count is held and was positive, so every queued job has a waiting thread.
struct Pool {
    idle: Mutex<usize>,
    sender: Sender<Job>,
    receiver: Receiver<Job>,
    name: &'static str,
    stack: usize,
}

impl Pool {
    fn new(name: &'static str, stack: usize) -> Arc<Self> {
        let (sender, receiver) = unbounded();
        Arc::new(Self {
            idle: Mutex::new(0),
            sender,
            receiver,
            name,
            stack,
        })
    }

    fn run(self: &Arc<Self>, job: Job) -> std::io::Result<()> {
        {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            if *idle > 0 {
                *idle -= 1;
                // sent while the count is held: the thread counted as idle will take it
                let _ = self.sender.send(job);
                return Ok(());
            }
        }
        let pool = self.clone();
        std::thread::Builder::new()
            .name(self.name.to_owned())
            .stack_size(self.stack)
            .spawn(move || pool.work(job))
            .map(|_| ())
    }

    /// A thread's life: run its job, then wait for the next until idle for [`IDLE_EXIT`].
    fn work(self: Arc<Self>, first: Job) {
        let mut job = first;
        loop {
            // a panicking job has dropped its answer channel (its caller sees that); the thread lives on
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            *self.idle.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            job = match self.receiver.recv_timeout(IDLE_EXIT) {
                Ok(next) => next,
                Err(RecvTimeoutError::Timeout) => {
                    let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
                    // a job sent just before the lock was taken is this thread's to run
                    match self.receiver.try_recv() {
                        Ok(next) => next,
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                            *idle -= 1;
                            return;
                        }
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return,
            };
        }
    }

    #[cfg(test)]
    fn idle(&self) -> usize {
        *self.idle.lock().unwrap()
    }
}

/// Runs `work` on a pooled thread with a [`super::LARGE_STACK`] (reusing an idle one when there is
/// one); the result goes wherever `work` sends it. Errors only when a new thread cannot be started.
pub fn run_on_large_stack(work: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    static POOL: OnceLock<Arc<Pool>> = OnceLock::new();
    POOL.get_or_init(|| Pool::new("warrant-large-stack", super::LARGE_STACK))
        .run(Box::new(work))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn threads_are_reused_and_survive_a_panicking_job() {
        let pool = Pool::new("test-pool", 256 * 1024);
        let (tx, rx) = mpsc::channel();
        let tx2 = tx.clone();
        pool.run(Box::new(move || {
            tx2.send(std::thread::current().id()).unwrap()
        }))
        .unwrap();
        let first = rx.recv().unwrap();
        // the thread is idle once it counted itself
        while pool.idle() == 0 {
            std::thread::yield_now();
        }
        pool.run(Box::new(|| panic!("a job that fails"))).unwrap();
        while pool.idle() == 0 {
            std::thread::yield_now();
        }
        let tx3 = tx.clone();
        pool.run(Box::new(move || {
            tx3.send(std::thread::current().id()).unwrap()
        }))
        .unwrap();
        assert_eq!(rx.recv().unwrap(), first, "the same thread ran both jobs");
        // a job waiting on another does not wait behind it: the pool grows
        let (hold_tx, hold_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<&str>();
        let blocked = done_tx.clone();
        pool.run(Box::new(move || {
            let _ = hold_rx.recv();
            blocked.send("first").unwrap();
        }))
        .unwrap();
        pool.run(Box::new(move || done_tx.send("second").unwrap()))
            .unwrap();
        let wait = std::time::Duration::from_secs(20);
        assert_eq!(
            done_rx.recv_timeout(wait),
            Ok("second"),
            "the second job ran while the first was still running"
        );
        hold_tx.send(()).unwrap();
        assert_eq!(done_rx.recv_timeout(wait), Ok("first"));
    }
}
