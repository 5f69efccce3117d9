//! Whether another process holds a store directory, asked before this process opens it.
//!
//! RocksDB refuses a second opener with an error string it allocated with the C allocator, which
//! Oxigraph 0.5.13 frees with Rust's global allocator: under mimalloc that crashed the CLI
//! (`mi_free`, exit 139) instead of printing an error. Asking the lock first — RocksDB holds a
//! POSIX `fcntl` write lock on `<data>/LOCK` — keeps the CLI away from that path, and lets read
//! commands use the running server instead (its URL is in [`SERVER_URL_FILE`]).

use std::path::{Path, PathBuf};

/// File in the store directory where a running `warrant serve` writes the URL it listens on (removed
/// when it shuts down cleanly), so that commands run beside it can use it.
pub const SERVER_URL_FILE: &str = "server.url";

/// Whether a process other than this one holds the store in `data` (RocksDB's `LOCK` file is
/// locked). Call it only before this process opens that store: POSIX locks belong to the process,
/// so probing a store this process has open would release RocksDB's own lock.
pub fn held_by_another_process(data: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(data.join("LOCK"))
    else {
        return false;
    };
    match rustix::fs::fcntl_lock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {
            let _ = rustix::fs::fcntl_lock(&file, rustix::fs::FlockOperation::NonBlockingUnlock);
            false
        }
        Err(_) => true,
    }
}

/// The server URL file of a store directory.
pub fn server_url_file(data: &Path) -> PathBuf {
    data.join(SERVER_URL_FILE)
}

/// The URL a server running on `data` wrote, if any.
pub fn running_server_url(data: &Path) -> Option<String> {
    std::fs::read_to_string(server_url_file(data))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| s.starts_with("http://") || s.starts_with("https://"))
}
