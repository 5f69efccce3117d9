//! Settings of a running Warrant, validated once from the command line.

use crate::load::DataRoot;
use crate::store::DatasetMode;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Default address `warrant serve` listens on.
pub const DEFAULT_BIND: &str = "127.0.0.1:7878";
/// Default largest request body accepted (16 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Default time a query may run before it is cancelled.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An on-disk RocksDB store in this directory.
    Disk(PathBuf),
    /// In memory only: nothing survives the process.
    Memory,
}

/// Everything `warrant serve` needs to run.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Store location.
    pub location: StoreLocation,
    /// Where the default data (`ontology/`, `evidence/`, `queries/`) is read from.
    pub data_root: DataRoot,
    /// Bearer token that authorises writes; `None` refuses every write.
    pub admin_token: Option<String>,
    /// Dataset semantics of queries.
    pub dataset_mode: DatasetMode,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Time after which a query is cancelled (503).
    pub query_timeout: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.parse().expect("valid default address"),
            location: StoreLocation::Disk(PathBuf::from("data")),
            data_root: DataRoot::Embedded,
            admin_token: None,
            dataset_mode: DatasetMode::UnionOfContent,
            body_limit: DEFAULT_BODY_LIMIT,
            query_timeout: DEFAULT_QUERY_TIMEOUT,
        }
    }
}
