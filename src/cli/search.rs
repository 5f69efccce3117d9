//! `warrant search`, and opening the search index beside a store (with a progress bar when a
//! rebuild takes time) for every command that reads or writes the store.

use crate::search::{
    DEFAULT_LIMIT, DocType, IndexLocation, OpenReport, RebuildReason, SearchIndex, SearchRequest,
};
use crate::store::WarrantStore;
use anyhow::{Context, Result};
use clap::Args;
use indicatif::ProgressBar;
use std::path::{Path, PathBuf};

/// Rebuilds of at least this many resources show a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 5_000;

/// Options of `warrant search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The search text: words (all must match), "phrases", AND / OR / NOT (or -word), parentheses,
    /// field filters type:T concept:C status:S source:S.
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// Only hits of these kinds (passage, statement, source, concept; comma-separated).
    #[arg(long = "type", value_name = "T", value_delimiter = ',')]
    pub types: Vec<String>,
    /// Only hits about this concept or a narrower one (slug or IRI).
    #[arg(long, value_name = "C")]
    pub concept: Option<String>,
    /// Only hits with this review status (approved, submitted…).
    #[arg(long, value_name = "S")]
    pub status: Option<String>,
    /// Number of hits.
    #[arg(long, default_value_t = DEFAULT_LIMIT, value_name = "N")]
    pub limit: usize,
    /// Number of hits to skip.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub offset: usize,
    #[command(flatten)]
    pub server: super::remote::ServerArgs,
}

/// Where the index of a store in `data` lives: `<data>/search/`.
pub fn index_dir(data: &Path) -> PathBuf {
    data.join("search")
}

/// Opens (rebuilding when needed) the search index of `store` and attaches it, so that every
/// write through the store keeps it up to date and queries can use `SERVICE wr:search`.
pub fn attach_search(store: &WarrantStore, location: &IndexLocation) -> Result<SearchIndex> {
    let mut bar: Option<ProgressBar> = None;
    let mut progress = |done: u64, total: u64| {
        if total < PROGRESS_FROM {
            return;
        }
        let bar = bar.get_or_insert_with(|| {
            super::out::progress_bar(
                total,
                "{spinner} indexing for search [{bar:30}] {pos}/{len} ({per_sec}, {eta})",
            )
        });
        bar.set_position(done);
    };
    let (index, report) =
        SearchIndex::open(location, store, &mut progress).context("opening the search index")?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    log_report(&report);
    index.attach(store);
    Ok(index)
}

fn log_report(report: &OpenReport) {
    match &report.rebuilt {
        None => tracing::info!(documents = report.documents, "search index up to date"),
        Some(RebuildReason::Memory) => {
            tracing::debug!(documents = report.documents, "search index built in memory");
        }
        Some(RebuildReason::Missing) => {
            tracing::info!(documents = report.documents, "search index built");
        }
        Some(reason) => tracing::warn!(
            documents = report.documents,
            reason = ?reason,
            "search index was out of step with the store: rebuilt"
        ),
    }
}

/// Runs a search through a server's `/search` and prints its JSON answer.
pub fn run_remote(server: &super::remote::ServerArgs, args: &SearchArgs) -> Result<()> {
    let types = args.types.join(",");
    let (limit, offset) = (args.limit.to_string(), args.offset.to_string());
    let mut pairs = vec![
        ("q", args.query.as_str()),
        ("limit", limit.as_str()),
        ("offset", offset.as_str()),
    ];
    if !types.is_empty() {
        pairs.push(("type", types.as_str()));
    }
    if let Some(concept) = &args.concept {
        pairs.push(("concept", concept.as_str()));
    }
    if let Some(status) = &args.status {
        pairs.push(("status", status.as_str()));
    }
    let path = super::remote::with_query("/search", &pairs);
    let answer =
        super::remote::call(server, super::remote::Call::get(path, None))?.json("search")?;
    super::out::line(serde_json::to_string_pretty(&answer)?)
}

/// Runs a search over the on-disk store and prints the JSON answer.
pub fn run(store: &WarrantStore, data: &Path, args: SearchArgs) -> Result<()> {
    let index = attach_search(store, &IndexLocation::Disk(index_dir(data)))?;
    let types = args
        .types
        .iter()
        .map(|t| {
            DocType::parse(t).with_context(|| {
                format!("--type {t:?} is not one of passage, statement, source, concept")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(status) = args.status.as_deref().filter(|s| !s.trim().is_empty()) {
        crate::search::check_status(store, status)?;
    }
    let results = index
        .search(&SearchRequest {
            query: args.query,
            types,
            concept: args.concept,
            status: args.status,
            limit: args.limit,
            offset: args.offset,
        })
        .context("searching")?;
    super::out::line(serde_json::to_string_pretty(&results)?)
}
