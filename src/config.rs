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
/// Default time for a request's head to arrive (also how long an idle connection is kept).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a request's whole body to arrive.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// Default number of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default time a SPARQL update may run (and hold the write lock) before it is aborted.
pub const DEFAULT_UPDATE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default number of queries evaluated at once: twice the available cores.
pub fn default_max_concurrent_queries() -> usize {
    std::thread::available_parallelism().map_or(4, |n| 2 * n.get())
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// An on-disk RocksDB store in this directory.
    Disk(PathBuf),
    /// In memory only: nothing survives the process.
    Memory,
}

/// What a request without credentials may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnonymousAccess {
    /// It reads, as a reader named `anonymous` (`--anonymous reader`, the default).
    #[default]
    Reader,
    /// Nothing: every request needs a token, else 401 (`--anonymous none`).
    Denied,
}

impl std::str::FromStr for AnonymousAccess {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "reader" => Ok(Self::Reader),
            "none" => Ok(Self::Denied),
            other => Err(format!("{other:?}: use reader or none")),
        }
    }
}

impl std::fmt::Display for AnonymousAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Reader => "reader",
            Self::Denied => "none",
        })
    }
}

/// Everything `warrant serve` needs to run. Its `Debug` output never shows the admin token.
#[derive(Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Store location.
    pub location: StoreLocation,
    /// Where the default data (`ontology/`, `evidence/`, `queries/`) is read from.
    pub data_root: DataRoot,
    /// Bearer token that authenticates as `admin` (every role); `None`: only users' tokens.
    pub admin_token: Option<String>,
    /// The users file the server's users were loaded from, if any.
    pub users_file: Option<PathBuf>,
    /// What requests without credentials may do.
    pub anonymous: AnonymousAccess,
    /// Dataset semantics of queries.
    pub dataset_mode: DatasetMode,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// Time after which a query is cancelled (503).
    pub query_timeout: Duration,
    /// The URL clients reach this server at (`--public-url`, without a trailing `/`): graph IRIs of
    /// the Graph Store's direct identification, `Location`s, the base IRI of queries and updates and
    /// the service description derive from it — never from a request's `Host` header. `None`
    /// until the server knows its address (`http://ADDRESS` of the socket it listens on).
    pub public_url: Option<String>,
    /// Time for a request's head to arrive; also how long an idle kept-alive connection stays open.
    pub header_timeout: Duration,
    /// Time for a request's body to arrive (408 after it).
    pub body_timeout: Duration,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Time after which a SPARQL update is aborted, its transaction rolled back (503).
    pub update_timeout: Duration,
    /// Queries evaluated at once; more are refused with 503 `busy`.
    pub max_concurrent_queries: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.parse().expect("valid default address"),
            location: StoreLocation::Disk(PathBuf::from("data")),
            data_root: DataRoot::Embedded,
            admin_token: None,
            users_file: None,
            anonymous: AnonymousAccess::Reader,
            dataset_mode: DatasetMode::UnionOfContent,
            body_limit: DEFAULT_BODY_LIMIT,
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            public_url: None,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            update_timeout: DEFAULT_UPDATE_TIMEOUT,
            max_concurrent_queries: default_max_concurrent_queries(),
        }
    }
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("bind", &self.bind)
            .field("location", &self.location)
            .field("data_root", &self.data_root)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("users_file", &self.users_file)
            .field("anonymous", &self.anonymous)
            .field("dataset_mode", &self.dataset_mode)
            .field("body_limit", &self.body_limit)
            .field("query_timeout", &self.query_timeout)
            .field("public_url", &self.public_url)
            .field("header_timeout", &self.header_timeout)
            .field("body_timeout", &self.body_timeout)
            .field("max_connections", &self.max_connections)
            .field("update_timeout", &self.update_timeout)
            .field("max_concurrent_queries", &self.max_concurrent_queries)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_admin_token() {
        let config = ServeConfig {
            admin_token: Some("s3cret-admin-token".into()),
            ..ServeConfig::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn anonymous_access_parses() {
        assert_eq!("reader".parse(), Ok(AnonymousAccess::Reader));
        assert_eq!("NONE".parse(), Ok(AnonymousAccess::Denied));
        assert!("everyone".parse::<AnonymousAccess>().is_err());
        assert_eq!(AnonymousAccess::Denied.to_string(), "none");
    }
}
