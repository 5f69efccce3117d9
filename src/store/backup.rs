//! Online backup: a consistent copy of an on-disk store, taken while it serves.

use super::{StoreError, StoreState, WarrantStore};
use std::path::Path;

impl WarrantStore {
    /// Writes a consistent copy of the store into `target`, a directory that must not exist yet,
    /// and returns the state (store id and generation) the copy holds. Writes are held back while
    /// the copy is taken (RocksDB checkpoint: hard links to the immutable files, so it is quick),
    /// and the derivation records of every earlier write are in it. Starting `warrant serve` on the
    /// copy restores it (the search index, not part of the copy, is rebuilt at start).
    pub fn backup(&self, target: &Path) -> Result<StoreState, StoreError> {
        if target.exists() {
            return Err(StoreError::BadRequest(format!(
                "{} already exists: a backup goes into a new directory",
                target.display()
            )));
        }
        self.wait_records()?;
        self.write_directly(|store| {
            let state = self.state()?;
            store.backup(target)?;
            Ok(state)
        })
    }
}
