//! What `warrant serve` serves from, set up in data-flow order: the store opened (or created in
//! memory), its search index attached, the default data brought up to date, then the reasoner
//! materialising or adopting the inferred graph and following every later write.

use super::serve::rule_sets;
use crate::config::{ServeConfig, StoreLocation};
use crate::load::collect_files;
use crate::reason::ReasonerStatus;
use crate::search::{IndexLocation, SearchIndex};
use crate::store::{WarrantStore, sync_files};
use anyhow::{Context, Result};

/// The store `warrant serve` answers from, with its search index and the reasoner's status.
pub(super) struct Served {
    /// The store, its write guard (SHACL) and observers registered.
    pub store: WarrantStore,
    /// The search index, following every write.
    pub search: SearchIndex,
    /// The live reasoner's status, when rule sets are on.
    pub reasoner: Option<ReasonerStatus>,
}

/// Opens the store of `config`, attaches its search index and the SHACL guard, loads the default
/// data unless `no_default_data`, and starts the reasoner with `rules` (default: the default rule
/// sets, none with `no_default_data`).
pub(super) fn open(
    config: &ServeConfig,
    rules: Option<&str>,
    no_default_data: bool,
) -> Result<Served> {
    let store = match &config.location {
        StoreLocation::Memory => WarrantStore::in_memory(config.dataset_mode)?,
        StoreLocation::Disk(dir) => {
            if super::lock::held_by_another_process(dir) {
                anyhow::bail!(
                    "the store in {} is held by another process{}",
                    dir.display(),
                    super::lock::running_server_url(dir)
                        .map(|url| format!(" (a warrant serve at {url})"))
                        .unwrap_or_default()
                );
            }
            WarrantStore::open(dir, config.dataset_mode)
                .with_context(|| format!("opening the store in {}", dir.display()))?
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
    if !no_default_data {
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
    let mut reasoner = None;
    let sets = rule_sets(rules, no_default_data);
    if !sets.iter().flatten().any(|s| s == "skos") {
        tracing::warn!(
            "without the skos rule set nothing derives skos:broaderTransitive, so evaluation matches a fact only to the concept its code denotes, not to broader ones"
        );
    }
    if let Some(sets) = sets {
        let rules = crate::reason::rules_from_root(&config.data_root, &sets)
            .context("reading the rules")?;
        let rule_config = crate::reason::RuleConfig::new("queries/rules").with_sets(&sets);
        let (live, stats) = crate::reason::LiveReasoner::start(&store, rule_config, rules)
            .context("materialising the inferred graph")?;
        match stats {
            Some(stats) => {
                tracing::info!(rules = %sets.join(","), inferred = stats.inferred, "inferred graph up to date");
                // the index widens concepts with the derived hierarchy: follow the new inferred graph
                let documents = search
                    .rebuild(&store, &mut |_, _| {})
                    .context("re-indexing after the materialisation")?;
                tracing::debug!(documents, "search index follows the inferred graph");
            }
            None => tracing::info!(
                rules = %sets.join(","),
                "inferred graph up to date (stored; the reasoner's state is rebuilt in the background)"
            ),
        }
        reasoner = Some(live.status());
        store.add_observer(live);
    }
    Ok(Served {
        store,
        search,
        reasoner,
    })
}
