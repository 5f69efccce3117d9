//! `warrant serve`: read the options, set up the store (`serve_store`: store, search index, default
//! data, reasoner), serve until Ctrl-C / SIGTERM.

use crate::auth::{DEFAULT_USERS_FILE, Users};
use crate::config::{AnonymousAccess, DEFAULT_BIND, ServeConfig, StoreLocation};
use crate::http::{self, AppState};
use crate::load::DataRoot;
use crate::store::DatasetMode;
use anyhow::{Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of `warrant serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Keep the store in memory only (nothing written to disk).
    #[arg(long)]
    pub memory: bool,
    /// Address to listen on.
    #[arg(long, env = "WARRANT_BIND", default_value = DEFAULT_BIND, value_name = "ADDR")]
    pub bind: SocketAddr,
    /// Refused: a token on the command line is visible to every local user (`ps`). Use
    /// --admin-token-file or the WARRANT_ADMIN_TOKEN environment variable.
    #[arg(long = "admin-token", value_name = "TOKEN", hide = true)]
    pub admin_token_argv: Option<Secret>,
    /// File holding the bearer token that authenticates as admin (every role, including /update
    /// and Graph Store writes); the WARRANT_ADMIN_TOKEN environment variable gives it directly.
    /// Without either and without users every write is refused (403).
    #[arg(long, env = "WARRANT_ADMIN_TOKEN_FILE", value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
    /// The URL clients reach this server at (e.g. https://warrant.example.org behind a proxy):
    /// graph IRIs the Graph Store derives from URLs, `Location`s and base IRIs use it, never the
    /// request's Host header. Default: http:// and the address it listens on.
    #[arg(long, env = "WARRANT_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Seconds for a request's head to arrive; also how long an idle connection is kept open.
    #[arg(
        long,
        env = "WARRANT_HEADER_TIMEOUT",
        default_value_t = 10.0,
        value_name = "SECONDS"
    )]
    pub header_timeout: f64,
    /// Seconds for a request's body to arrive (408 after).
    #[arg(
        long,
        env = "WARRANT_BODY_TIMEOUT",
        default_value_t = 60.0,
        value_name = "SECONDS"
    )]
    pub body_timeout: f64,
    /// Connections served at once (more wait in the kernel's queue until one closes).
    #[arg(long, env = "WARRANT_MAX_CONNECTIONS", default_value_t = crate::config::DEFAULT_MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,
    /// Users file whose tokens are accepted (see `warrant user add`). Default: ./warrant-users.toml
    /// if it exists.
    #[arg(long, env = "WARRANT_USERS", value_name = "FILE")]
    pub users: Option<PathBuf>,
    /// What requests without a token may do: `reader` (read everything) or `none` (401).
    #[arg(
        long,
        env = "WARRANT_ANONYMOUS",
        default_value = "reader",
        value_name = "reader|none"
    )]
    pub anonymous: AnonymousAccess,
    /// Allow a remote JSON-LD context in curation bodies, served from a local copy:
    /// `URL=FILE` (repeatable). Remote contexts are never fetched from the network.
    #[arg(long = "jsonld-context", value_name = "URL=FILE")]
    pub jsonld_contexts: Vec<String>,
    /// Plain SPARQL 1.1 dataset semantics: the default graph is the store's default graph, not the
    /// union of the content graphs.
    #[arg(long)]
    pub strict_dataset: bool,
    /// Folder holding ontology/, evidence/ and queries/ to load at start (default: the current
    /// directory if it has them, else the copy built into the binary).
    #[arg(long, env = "WARRANT_ROOT", value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Do not load the default data at all (an empty store, e.g. for conformance tests).
    #[arg(long)]
    pub no_default_data: bool,
    /// Rule sets kept materialised in the inferred graph, comma-separated (`rdfs,owl2rl,skos`),
    /// or `none`. Default: the sets the shipped evidence needs (rdfs, skos); none with
    /// --no-default-data.
    #[arg(long, env = "WARRANT_RULES", value_name = "SETS")]
    pub rules: Option<String>,
    /// Largest request body accepted, in bytes (suffixes K, M, G, KiB, MiB, GiB allowed).
    #[arg(long, env = "WARRANT_BODY_LIMIT", default_value = "16MiB", value_parser = parse_size, value_name = "SIZE")]
    pub body_limit: usize,
    /// Seconds a query may run before it is cancelled (503).
    #[arg(
        long,
        env = "WARRANT_QUERY_TIMEOUT",
        default_value_t = 30.0,
        value_name = "SECONDS"
    )]
    pub query_timeout: f64,
    /// Seconds a SPARQL update may run, holding the write lock, before it is aborted and rolled
    /// back (503).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub update_timeout: f64,
    /// Queries evaluated at once (default: twice the cores); more are refused with 503 `busy`
    /// and `Retry-After`.
    #[arg(long, value_name = "N")]
    pub max_concurrent_queries: Option<usize>,
    /// CDS Hooks: trust JWTs of this issuer, verified with the keys of a JWK Set file or an
    /// allow-listed JWK Set URL: `ISSUER=FILE` or `ISSUER=URL` (repeatable).
    #[arg(long = "cds-issuer", value_name = "ISS=JWKS")]
    pub cds_issuers: Vec<crate::cds::jwt::TrustedIssuer>,
    /// CDS Hooks: answer calls that carry no JWT (for a trusted network or a demo only).
    #[arg(long)]
    pub cds_anonymous: bool,
    /// CDS Hooks: a FHIR server base URL missing prefetch may be fetched from, with the request's
    /// fhirAuthorization (repeatable). Other fhirServer URLs are never contacted.
    #[arg(long = "fhir-server", value_name = "URL")]
    pub fhir_servers: Vec<String>,
    /// CDS Hooks: keep each determination (with the patient facts it rests on) in the store, so its
    /// coverage-assertion-id resolves at /why?iri=. Off: nothing of a hook request is stored.
    #[arg(long)]
    pub cds_keep: bool,
    /// CDS Hooks: this server's public base URL (the JWT audience and the base of card links), e.g.
    /// https://warrant.example.org. Default: http:// + the request's Host header.
    #[arg(long, value_name = "URL")]
    pub cds_base_url: Option<String>,
}

/// A secret given on the command line, refused (see `admin_token`): its value is dropped at once and
/// its `Debug` output never shows it.
#[derive(Clone)]
pub struct Secret;

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(_: &str) -> Result<Self, Self::Err> {
        Ok(Self)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Parses `16MiB`, `512K`, `1000`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: usize = number.parse().map_err(|_| format!("{s:?} is not a size"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => return Err(format!("unknown size unit {other:?}")),
    };
    Ok(n * factor)
}

/// Stack of the runtime's threads (tokio's default is 2 MiB).
const RUNTIME_STACK: usize = 8 * 1024 * 1024;

/// A positive, finite number of seconds.
fn seconds(value: f64, flag: &str) -> Result<Duration> {
    anyhow::ensure!(
        value > 0.0 && value.is_finite(),
        "{flag} must be a positive number of seconds"
    );
    Ok(Duration::from_secs_f64(value))
}

/// The admin token: from `--admin-token-file` or `WARRANT_ADMIN_TOKEN`, never from the command line.
fn admin_token(args: &ServeArgs) -> Result<Option<String>> {
    anyhow::ensure!(
        args.admin_token_argv.is_none(),
        "--admin-token on the command line is visible to every local user (`ps`): put the token \
         in a file and pass --admin-token-file FILE, or set WARRANT_ADMIN_TOKEN"
    );
    let token = match &args.admin_token_file {
        Some(file) => Some(
            std::fs::read_to_string(file)
                .with_context(|| format!("reading --admin-token-file {}", file.display()))?
                .trim()
                .to_owned(),
        ),
        None => std::env::var("WARRANT_ADMIN_TOKEN").ok(),
    };
    Ok(token.filter(|t| !t.trim().is_empty()))
}

/// `--public-url` checked: an absolute http(s) URL, kept without a trailing `/`.
fn public_url(value: Option<&str>) -> Result<Option<String>> {
    let Some(value) = value else {
        return Ok(None);
    };
    let url =
        url::Url::parse(value).with_context(|| format!("--public-url {value:?} is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https")
            && url.query().is_none()
            && url.fragment().is_none(),
        "--public-url {value:?} must be an http(s) URL without query or fragment"
    );
    Ok(Some(value.trim_end_matches('/').to_owned()))
}

/// Runs the server until it is asked to stop.
pub fn run(data: &Path, args: ServeArgs) -> Result<()> {
    let query_timeout = seconds(args.query_timeout, "--query-timeout")?;
    let update_timeout = seconds(args.update_timeout, "--update-timeout")?;
    anyhow::ensure!(
        args.max_concurrent_queries != Some(0),
        "--max-concurrent-queries must be at least 1"
    );
    let header_timeout = seconds(args.header_timeout, "--header-timeout")?;
    let body_timeout = seconds(args.body_timeout, "--body-timeout")?;
    anyhow::ensure!(
        args.max_connections > 0,
        "--max-connections must be at least 1"
    );
    let admin_token = admin_token(&args)?;
    let public_url = public_url(args.public_url.as_deref())?;
    let contexts = allowed_contexts(&args.jsonld_contexts)?;
    let cds = cds_settings(&args)?;
    let root = match &args.root {
        Some(dir) => {
            anyhow::ensure!(dir.is_dir(), "--root {} is not a directory", dir.display());
            DataRoot::Dir(dir.clone())
        }
        None => {
            DataRoot::detect(&std::env::current_dir().context("reading the current directory")?)
        }
    };
    let users_file = match args.users {
        Some(file) => {
            anyhow::ensure!(file.is_file(), "--users {} is not a file", file.display());
            Some(file)
        }
        None => Some(PathBuf::from(DEFAULT_USERS_FILE)).filter(|f| f.is_file()),
    };
    let users = match &users_file {
        Some(file) => {
            let users = Users::load(file).context("reading the users file")?;
            warn_if_readable_by_others(file);
            tracing::info!(file = %file.display(), users = users.len(), "users loaded");
            users
        }
        None => Users::default(),
    };
    anyhow::ensure!(
        args.anonymous == AnonymousAccess::Reader || !users.is_empty() || admin_token.is_some(),
        "--anonymous none needs --admin-token or a users file with at least one user: \
         otherwise no request could ever be answered"
    );
    let config = ServeConfig {
        bind: args.bind,
        location: if args.memory {
            StoreLocation::Memory
        } else {
            StoreLocation::Disk(data.to_path_buf())
        },
        data_root: root,
        admin_token,
        users_file,
        anonymous: args.anonymous,
        dataset_mode: if args.strict_dataset {
            DatasetMode::Strict
        } else {
            DatasetMode::UnionOfContent
        },
        body_limit: args.body_limit,
        query_timeout,
        public_url,
        header_timeout,
        body_timeout,
        max_connections: args.max_connections,
        update_timeout,
        max_concurrent_queries: args
            .max_concurrent_queries
            .unwrap_or_else(crate::config::default_max_concurrent_queries),
    };
    let mut config = config;
    let super::serve_store::Served {
        store,
        search,
        reasoner,
    } = super::serve_store::open(&config, args.rules.as_deref(), args.no_default_data)?;
    if config.admin_token.is_none() && users.is_empty() {
        tracing::warn!("no --admin-token and no users: every write is refused");
    }
    if config.anonymous == AnonymousAccess::Denied {
        tracing::info!("--anonymous none: every request needs a bearer token");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // headroom for the parsers of bodies within the documented limits (JSON-LD nesting…);
        // queries and updates run on their own large-stack threads
        .thread_stack_size(RUNTIME_STACK)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let local = listener.local_addr()?;
        tracing::info!("Warrant listening on http://{local}");
        // the first line of stdout: scripts and tests read the address from it
        let _ = super::out::line(format!("Warrant listening on http://{local}"));
        let url_file = match &config.location {
            StoreLocation::Disk(dir) => ServerUrlFile::write(dir, local),
            StoreLocation::Memory => None,
        };
        if config.public_url.is_none() {
            config.public_url = Some(format!("http://{}", loopback_if_unspecified(local)));
        }
        let records = store.record_writer().clone();
        http::serve(
            listener,
            AppState::new(store, search, config)
                .with_users(users)
                .with_contexts(contexts)
                .with_reasoner(reasoner)
                .with_cds(cds),
            shutdown_signal(),
        )
        .await
        .context("serving HTTP")?;
        // the last writes' derivation records, before the store closes
        records
            .finish()
            .context("writing the last derivation records")?;
        drop(url_file);
        tracing::info!("shut down cleanly");
        Ok(())
    })
}

/// `addr`, with the loopback address for an unspecified one (`0.0.0.0` listens on every interface,
/// but is not an address to connect to).
fn loopback_if_unspecified(mut addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    addr
}

/// The URL of a running server, written into its store directory (see [`super::lock`]) so that
/// commands run on that directory use the server; removed when dropped.
struct ServerUrlFile(PathBuf);

impl ServerUrlFile {
    /// Writes `http://ADDR` (the loopback address when the server listens on every interface).
    fn write(dir: &Path, addr: SocketAddr) -> Option<Self> {
        let addr = loopback_if_unspecified(addr);
        let file = super::lock::server_url_file(dir);
        match std::fs::write(&file, format!("http://{addr}\n")) {
            Ok(()) => Some(Self(file)),
            Err(e) => {
                tracing::warn!(file = %file.display(), "could not write the server URL: {e}");
                None
            }
        }
    }
}

impl Drop for ServerUrlFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The CDS Hooks settings of the flags, checked: JWK Set files must exist, URLs must be http(s).
fn cds_settings(args: &ServeArgs) -> Result<crate::cds::CdsSettings> {
    use crate::cds::jwt::KeySource;
    for issuer in &args.cds_issuers {
        if let KeySource::File(file) = &issuer.keys {
            anyhow::ensure!(
                file.is_file(),
                "--cds-issuer {}: {} is not a file",
                issuer.issuer,
                file.display()
            );
        }
    }
    for url in args.fhir_servers.iter().chain(&args.cds_base_url) {
        anyhow::ensure!(
            url.starts_with("http://") || url.starts_with("https://"),
            "{url:?} is not an http(s) URL"
        );
    }
    if args.cds_anonymous {
        tracing::warn!("--cds-anonymous: CDS Hooks calls are answered without a client JWT");
    }
    Ok(crate::cds::CdsSettings {
        anonymous: args.cds_anonymous,
        issuers: args.cds_issuers.clone(),
        fhir_servers: args.fhir_servers.clone(),
        keep: args.cds_keep,
        base_url: args
            .cds_base_url
            .clone()
            .or_else(|| args.public_url.clone()),
    })
}

/// The rule sets to run: `--rules` as given (`none` or empty for none), else the default sets unless
/// the default data is off.
pub fn rule_sets(rules: Option<&str>, no_default_data: bool) -> Option<Vec<String>> {
    let sets: Vec<String> = match rules {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "none")
            .map(str::to_owned)
            .collect(),
        None if no_default_data => Vec::new(),
        None => crate::reason::RuleConfig::DEFAULT_SETS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    (!sets.is_empty()).then_some(sets)
}

/// Warns when the users file may be read by other accounts (it holds hashes, not tokens, but
/// there is no reason to share them).
fn warn_if_readable_by_others(file: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(file) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    file = %file.display(),
                    "the users file is readable by other accounts; chmod 600 it"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// Reads the `--jsonld-context URL=FILE` allow-list.
fn allowed_contexts(entries: &[String]) -> Result<crate::curate::ContextAllowList> {
    let mut allowed = Vec::new();
    for entry in entries {
        let Some((url, file)) = entry.split_once('=') else {
            anyhow::bail!("--jsonld-context {entry:?}: expected URL=FILE");
        };
        let document = std::fs::read(file)
            .with_context(|| format!("--jsonld-context: reading {file} (for {url})"))?;
        serde_json::from_slice::<serde_json::Value>(&document)
            .with_context(|| format!("--jsonld-context: {file} is not JSON"))?;
        allowed.push((url.to_owned(), document));
    }
    Ok(crate::curate::ContextAllowList::new(allowed))
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
