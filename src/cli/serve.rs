//! `warrant serve`: open the store and its search index, bring the default data up to date, serve
//! until Ctrl-C / SIGTERM.

use crate::config::{DEFAULT_BIND, ServeConfig, StoreLocation};
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
    /// Bearer token that authorises writes; without it every write is refused (403).
    #[arg(
        long,
        env = "WARRANT_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,
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
    let root = match &args.root {
        Some(dir) => {
            anyhow::ensure!(dir.is_dir(), "--root {} is not a directory", dir.display());
            DataRoot::Dir(dir.clone())
        }
        None => {
            DataRoot::detect(&std::env::current_dir().context("reading the current directory")?)
        }
    };
    let config = ServeConfig {
        bind: args.bind,
        location: if args.memory {
            StoreLocation::Memory
        } else {
            StoreLocation::Disk(data.to_path_buf())
        },
        data_root: root,
        admin_token: args.admin_token.filter(|t| !t.is_empty()),
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
    if config.admin_token.is_none() {
        tracing::warn!("no --admin-token: every write is refused");
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
        http::serve(
            listener,
            AppState::new(store, search, config),
            shutdown_signal(),
        )
        .await
        .context("serving HTTP")?;
        tracing::info!("shut down cleanly");
        Ok(())
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
