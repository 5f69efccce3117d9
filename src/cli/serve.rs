//! `warrant serve`: open the store and its search index, bring the default data up to date, serve
//! until Ctrl-C / SIGTERM.

use crate::auth::{DEFAULT_USERS_FILE, Users};
use crate::config::{AnonymousAccess, DEFAULT_BIND, ServeConfig, StoreLocation};
use crate::http::{self, AppState};
use crate::load::{DataRoot, collect_files};
use crate::search::IndexLocation;
use crate::store::{DatasetMode, WarrantStore, sync_files};
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
    #[arg(long, default_value = DEFAULT_BIND, value_name = "ADDR")]
    pub bind: SocketAddr,
    /// Bearer token that authenticates as admin (every role, including /update and Graph Store
    /// writes). Without it and without users every write is refused (403).
    #[arg(
        long,
        env = "WARRANT_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<Secret>,
    /// Users file whose tokens are accepted (see `warrant user add`). Default: ./warrant-users.toml
    /// if it exists.
    #[arg(long, value_name = "FILE")]
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
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Do not load the default data at all (an empty store, e.g. for conformance tests).
    #[arg(long)]
    pub no_default_data: bool,
    /// Rule sets kept materialised in the inferred graph, comma-separated (`rdfs,owl2rl,skos,clinical`),
    /// or `none`. Default: the sets the shipped evidence needs (rdfs, skos, clinical); none with
    /// --no-default-data.
    #[arg(long, value_name = "SETS")]
    pub rules: Option<String>,
    /// Largest request body accepted, in bytes (suffixes K, M, G, KiB, MiB, GiB allowed).
    #[arg(long, default_value = "16MiB", value_parser = parse_size, value_name = "SIZE")]
    pub body_limit: usize,
    /// Seconds a query may run before it is cancelled (503).
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub query_timeout: f64,
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

/// A command-line secret whose `Debug` output never shows it.
#[derive(Clone)]
pub struct Secret(String);

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
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

/// Runs the server until it is asked to stop.
pub fn run(data: &Path, args: ServeArgs) -> Result<()> {
    if !(args.query_timeout > 0.0 && args.query_timeout.is_finite()) {
        anyhow::bail!("--query-timeout must be a positive number of seconds");
    }
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
        args.anonymous == AnonymousAccess::Reader
            || !users.is_empty()
            || args.admin_token.as_ref().is_some_and(|t| !t.0.is_empty()),
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
        admin_token: args.admin_token.map(|t| t.0).filter(|t| !t.is_empty()),
        users_file,
        anonymous: args.anonymous,
        dataset_mode: if args.strict_dataset {
            DatasetMode::Strict
        } else {
            DatasetMode::UnionOfContent
        },
        body_limit: args.body_limit,
        query_timeout: Duration::from_secs_f64(args.query_timeout),
    };
    let store = match &config.location {
        StoreLocation::Memory => WarrantStore::in_memory(config.dataset_mode)?,
        StoreLocation::Disk(dir) => {
            WarrantStore::open(dir, config.dataset_mode).with_context(|| {
                format!(
                    "opening the store in {} (is another warrant using it?)",
                    dir.display()
                )
            })?
        }
    };
    let search = super::search::attach_search(
        &store,
        &match &config.location {
            StoreLocation::Memory => IndexLocation::Memory,
            StoreLocation::Disk(dir) => IndexLocation::Disk(super::search::index_dir(dir)),
        },
    )?;
    crate::validate::guard_writes(&store);
    if !args.no_default_data {
        let files = collect_files(&config.data_root).context("reading the default data")?;
        let report = sync_files(&store, &files).context("loading the default data")?;
        tracing::info!(
            root = ?config.data_root,
            added = report.added.len(),
            replaced = report.replaced.len(),
            dropped = report.dropped.len(),
            unchanged = report.unchanged,
            "default data up to date"
        );
        for path in report.added.iter().chain(&report.replaced) {
            tracing::info!(file = %path, "loaded");
        }
        for path in &report.dropped {
            tracing::info!(file = %path, "file gone: graph dropped");
        }
    }
    if let Some(sets) = rule_sets(args.rules.as_deref(), args.no_default_data) {
        let rules = crate::reason::rules_from_root(&config.data_root, &sets)
            .context("reading the rules")?;
        let rule_config = crate::reason::RuleConfig::new("queries/rules").with_sets(&sets);
        let (live, stats) = crate::reason::LiveReasoner::start(&store, rule_config, rules)
            .context("materialising the inferred graph")?;
        tracing::info!(rules = %sets.join(","), inferred = stats.inferred, "inferred graph up to date");
        store.add_observer(std::sync::Arc::new(live));
    }
    if config.admin_token.is_none() && users.is_empty() {
        tracing::warn!("no --admin-token and no users: every write is refused");
    }
    if config.anonymous == AnonymousAccess::Denied {
        tracing::info!("--anonymous none: every request needs a bearer token");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let local = listener.local_addr()?;
        tracing::info!("Warrant listening on http://{local}");
        println!("Warrant listening on http://{local}");
        let records = store.record_writer().clone();
        http::serve(
            listener,
            AppState::new(store, search, config)
                .with_users(users)
                .with_contexts(contexts)
                .with_cds(cds),
            shutdown_signal(),
        )
        .await
        .context("serving HTTP")?;
        // the last writes' derivation records, before the store closes
        records
            .finish()
            .context("writing the last derivation records")?;
        tracing::info!("shut down cleanly");
        Ok(())
    })
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
        base_url: args.cds_base_url.clone(),
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
