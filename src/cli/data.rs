//! `warrant load`, `query`, `update` and `export`: work on the on-disk store directly.

use super::out;
use super::remote::{Call, ServerArgs, server_for, with_query};
use crate::load::{collect_paths, parse_file};
use crate::queries;
use crate::search::{IndexLocation, SearchIndex};
use crate::store::{
    Change, ChangeKind, ChangeMeta, DatasetMode, Op, OutputFormat, ProtocolDataset, QueryForm,
    WarrantStore, catalog_entry, catalog_quads, parse_query, parse_update, sha256_hex,
    write_results,
};
use anyhow::{Context, Result, bail};
use clap::Args;
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, NamedNode};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `warrant load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Files or folders to load.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Rule sets to materialise after loading, comma-separated, or `none` (default: rdfs,skos;
    /// rules are read from ./queries/rules, else the copy built into the binary).
    #[arg(long, value_name = "SETS")]
    pub rules: Option<String>,
    /// Why (kept with the change set).
    #[arg(long, short, value_name = "TEXT")]
    pub message: Option<String>,
    #[command(flatten)]
    pub server: super::remote::ServerArgs,
}

/// Options of `warrant query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query text (or, with --name, `param=value` bindings).
    #[arg(value_name = "QUERY | PARAM=VALUE")]
    pub args: Vec<String>,
    /// Read the query from this file.
    #[arg(long, conflicts_with = "name", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Run the named query `queries/named/NAME.rq`; positional arguments are `param=value`.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Output format: json, xml, csv, tsv (SELECT/ASK); ttl, nt, rdf, jsonld, nq, trig (graphs).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Plain SPARQL 1.1 dataset semantics (default graph = the store's default graph).
    #[arg(long)]
    pub strict_dataset: bool,
    #[command(flatten)]
    pub server: super::remote::ServerArgs,
}

/// Options of `warrant update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The update text.
    #[arg(value_name = "UPDATE", required_unless_present = "file")]
    pub text: Option<String>,
    /// Read the update from this file.
    #[arg(long, conflicts_with = "text", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// What the change does and why (kept with its change set).
    #[arg(long, short, value_name = "TEXT")]
    pub message: Option<String>,
    #[command(flatten)]
    pub server: super::remote::ServerArgs,
}

/// Options of `warrant export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Export only this graph (as N-Triples or Turtle unless --format says otherwise).
    #[arg(long, value_name = "IRI")]
    pub graph: Option<String>,
    /// nq (default) or trig for the dataset; nt (default) or ttl for one graph.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    #[command(flatten)]
    pub server: super::remote::ServerArgs,
}

/// The record writers of the stores this process opened (see [`wait_for_records`]).
static OPENED: std::sync::Mutex<Vec<crate::store::RecordWriter>> =
    std::sync::Mutex::new(Vec::new());

/// Opens the on-disk store for a command; [`super::run`] waits for its derivation records before
/// the process exits.
pub(super) fn open(data: &Path, mode: DatasetMode) -> Result<WarrantStore> {
    // never let RocksDB refuse us: its error crashes the process (see `lock`)
    anyhow::ensure!(
        !super::lock::held_by_another_process(data),
        super::remote::locked_message(data)
    );
    let store = WarrantStore::open(data, mode)
        .with_context(|| format!("opening the store in {}", data.display()))?;
    OPENED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(store.record_writer().clone());
    Ok(store)
}

/// Waits until every derivation record queued in a store opened by [`open`] is written.
pub(super) fn wait_for_records() -> Result<()> {
    let writers = std::mem::take(
        &mut *OPENED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    for writer in writers {
        writer
            .finish()
            .context("writing the derivation records to the store")?;
    }
    Ok(())
}

/// Opens the store with its search index attached: writes keep the index in step, queries can use
/// `SERVICE wr:search`.
pub(super) fn open_searchable(data: &Path, mode: DatasetMode) -> Result<WarrantStore> {
    Ok(open_with_index(data, mode)?.0)
}

/// [`open_searchable`], also returning the index (to re-index after a materialisation).
fn open_with_index(data: &Path, mode: DatasetMode) -> Result<(WarrantStore, SearchIndex)> {
    let store = open(data, mode)?;
    let index =
        super::search::attach_search(&store, &IndexLocation::Disk(super::search::index_dir(data)))?;
    crate::validate::guard_writes(&store);
    Ok((store, index))
}

/// Who a write from the command line is recorded as: the local user, acting as admin (whoever can
/// open the store directory can change it anyway).
pub(super) fn cli_agent(message: String, kind: ChangeKind) -> ChangeMeta {
    ChangeMeta::edit(&local_user(), "admin", message).kind(kind)
}

/// The local user's name (`$USER`, else `local`).
pub(super) fn local_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "local".to_owned())
}

/// The message of a load's change set: `-m`, else the command line.
fn load_message(args: &LoadArgs) -> String {
    args.message.clone().unwrap_or_else(|| {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        format!("warrant load {}", paths.join(" "))
    })
}

/// Runs a full-text search (see [`super::search::run`]), through the server holding the store
/// when there is one.
pub fn search(data: &Path, args: super::search::SearchArgs) -> Result<()> {
    if let Some(server) = server_for(data, &args.server)? {
        return super::search::run_remote(&server, &args);
    }
    let store = open(data, DatasetMode::default())?;
    super::search::run(&store, data, args)
}

/// Loads files into a running server: one SPARQL update replacing each file's graph, so the load
/// is one change set that passes the server's whole write pipeline (admin role, SHACL gate,
/// inferred graph, search index) or changes nothing.
fn load_remote(
    files: &[crate::load::SourceFile],
    args: &LoadArgs,
    server: &ServerArgs,
) -> Result<()> {
    let mut update = String::new();
    let mut quads = 0;
    for file in files {
        let (graph, parsed) = parse_file(file)?;
        quads += parsed.len();
        update.push_str(&format!(
            "DROP SILENT GRAPH {graph} ;\nINSERT DATA {{ GRAPH {graph} {{\n"
        ));
        for q in &parsed {
            update.push_str(&format!("{} {} {} .\n", q.subject, q.predicate, q.object));
        }
        update.push_str("} } ;\n");
    }
    let update = update.trim_end().trim_end_matches(';').to_owned();
    let message = load_message(args);
    let answer = super::remote::send(
        server,
        "POST",
        "/update",
        Some(("application/sparql-update", update.into_bytes())),
        Some(&message),
    )?;
    if !(200..300).contains(&answer.status) {
        answer.json("load")?;
    }
    eprintln!(
        "loaded {} file(s), {quads} quads, through the server",
        files.len()
    );
    Ok(())
}

/// Loads files, one graph per file, each replacing its previous content — all in one change.
pub fn load(data: &Path, args: LoadArgs) -> Result<()> {
    let cwd = std::env::current_dir().context("reading the current directory")?;
    let mut files = Vec::new();
    for path in &args.paths {
        anyhow::ensure!(path.exists(), "{}: no such file or folder", path.display());
        files.extend(
            collect_paths(&cwd, path).with_context(|| format!("reading {}", path.display()))?,
        );
    }
    anyhow::ensure!(
        !files.is_empty(),
        "no loadable files found (.ttl .nt .nq .trig .rdf .owl .jsonld .rq, optionally .gz)"
    );
    if let Some(server) = server_for(data, &args.server)? {
        return load_remote(&files, &args, &server);
    }
    let (store, index) = open_with_index(data, DatasetMode::default())?;
    let total: u64 = files.iter().map(|f| f.bytes.len() as u64).sum();
    let bar = out::progress_bar(
        total,
        "{spinner} parsing [{bar:30}] {bytes}/{total_bytes} {msg}",
    );
    let mut change = Change {
        from_files: true,
        meta: Some(cli_agent(load_message(&args), ChangeKind::Load)),
        ..Change::default()
    };
    let mut quads = 0;
    for file in &files {
        bar.set_message(file.rel_path.clone());
        let (graph, parsed) = parse_file(file)?;
        quads += parsed.len();
        change.ops.push(Op::DropGraph {
            graph: graph.clone().into(),
            must_exist: false,
        });
        change.ops.push(Op::Remove(catalog_quads(&store, &graph)?));
        change.ops.push(Op::CreateGraph(graph.clone()));
        change.ops.push(Op::Insert(parsed));
        change.ops.push(Op::Insert(catalog_entry(
            &graph,
            &file.rel_path,
            &sha256_hex(&file.bytes),
            "load",
        )));
        bar.inc(file.bytes.len() as u64);
    }
    bar.set_message("writing");
    let applied = store.apply(change).context("writing to the store")?;
    bar.finish_and_clear();
    if let Some(sets) = super::serve::rule_sets(args.rules.as_deref(), false) {
        let root = crate::load::DataRoot::detect(&cwd);
        // marked current for the store's state, so that `serve` with the same rules adopts it
        let stats = crate::reason::materialize_sets(&store, &root, &sets, Some(&store.state()?))
            .context("materialising the inferred graph")?;
        eprintln!(
            "inferred graph: {} triples ({})",
            stats.inferred,
            sets.join(",")
        );
        // the index widens concepts with the derived hierarchy: follow the new inferred graph
        index
            .rebuild(&store, &mut |_, _| {})
            .context("re-indexing after the materialisation")?;
        tracing::debug!(
            "materialised in {} rounds: read {} ms, reasoned {} ms, wrote {} ms ({} derivations)",
            stats.rounds,
            stats.load_ms,
            stats.reason_ms,
            stats.write_ms,
            stats.derivations
        );
    }
    eprintln!(
        "loaded {} file(s), {quads} quads ({} new, {} removed)",
        files.len(),
        applied.added.len(),
        applied.removed.len()
    );
    Ok(())
}

/// The query text of `warrant query` (inline or `--file`; not for `--name`).
fn query_text(args: &QueryArgs) -> Result<String> {
    match (&args.file, args.args.as_slice()) {
        (Some(file), []) => {
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))
        }
        (None, [text]) => Ok(text.clone()),
        (Some(_), _) => bail!("give the query either inline or with --file, not both"),
        (None, _) => bail!("give one query (quoted), --file FILE or --name NAME"),
    }
}

/// The `param=value` arguments of a named query.
fn named_values(args: &QueryArgs) -> Result<Vec<(String, String)>> {
    args.args
        .iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .with_context(|| format!("{a:?}: parameters are written name=value"))
        })
        .collect()
}

/// The output format of `warrant query`: `--format`, else TSV for SELECT, SPARQL results JSON for
/// ASK and Turtle for CONSTRUCT / DESCRIBE.
fn query_format(args: &QueryArgs, form: QueryForm) -> Result<OutputFormat> {
    let name = match (&args.format, form) {
        (Some(name), _) => name.as_str(),
        (None, QueryForm::Select) => "tsv",
        (None, QueryForm::Ask) => "json",
        (None, QueryForm::Graph) => "ttl",
    };
    OutputFormat::from_name(name).with_context(|| format!("unknown format {name:?}"))
}

/// Runs a query and prints its results — on the store directory, or through the server holding it.
pub fn query(data: &Path, args: QueryArgs) -> Result<()> {
    if let Some(server) = server_for(data, &args.server)? {
        return query_remote(&server, &args);
    }
    let mode = if args.strict_dataset {
        DatasetMode::Strict
    } else {
        DatasetMode::default()
    };
    let store = open_searchable(data, mode)?;
    let (parsed, bindings) = if let Some(name) = &args.name {
        let (named, parsed) = queries::get(&store, name)?;
        (parsed, queries::bindings(&named, &named_values(&args)?)?)
    } else {
        (parse_query(&query_text(&args)?, None)?, Vec::new())
    };
    let format = query_format(&args, parsed.form())?;
    let results = store.evaluate(&parsed, &ProtocolDataset::default(), &bindings, None)?;
    let mut bytes = Vec::new();
    write_results(results, format, &mut bytes)?;
    out::write(bytes)
}

/// `warrant query` through a server: `/queries/NAME` or `/sparql`, the format by `Accept`.
fn query_remote(server: &ServerArgs, args: &QueryArgs) -> Result<()> {
    anyhow::ensure!(
        !args.strict_dataset,
        "--strict-dataset is the server's setting (`warrant serve --strict-dataset`); it cannot be \
         chosen per query through --server"
    );
    let answer = if let Some(name) = &args.name {
        let values = named_values(args)?;
        let pairs: Vec<(&str, &str)> = values
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        // the form is known to the server only: TSV for solutions, Turtle for graphs by default
        let accept = match &args.format {
            Some(_) => query_format(args, QueryForm::Select)?.media_type(),
            None => "text/tab-separated-values, text/turtle;q=0.9",
        };
        let path = with_query(&format!("/queries/{name}"), &pairs);
        super::remote::call(server, Call::get(path, Some(accept)))?
    } else {
        let text = query_text(args)?;
        let form = parse_query(&text, None)?.form();
        let accept = query_format(args, form)?.media_type();
        super::remote::call(
            server,
            Call {
                method: "POST",
                path: "/sparql".to_owned(),
                accept: Some(accept),
                body: Some(("application/sparql-query", text.into_bytes())),
                message: None,
            },
        )?
    };
    out::write(answer.ok("query")?)
}

/// Runs an update through the store's write path.
pub fn update(data: &Path, args: UpdateArgs) -> Result<()> {
    let text = match (&args.text, &args.file) {
        (Some(t), None) => t.clone(),
        (None, Some(f)) => {
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?
        }
        _ => bail!("give the update inline or with --file"),
    };
    let update = parse_update(&text, None)?;
    let message = args
        .message
        .clone()
        .unwrap_or_else(|| "warrant update".to_owned());
    if let Some(server) = server_for(data, &args.server)? {
        let answer = super::remote::send(
            &server,
            "POST",
            "/update",
            Some(("application/sparql-update", text.into_bytes())),
            Some(&message),
        )?;
        answer.ok("update")?;
        eprintln!("updated through the server");
        return Ok(());
    }
    let store = open_searchable(data, DatasetMode::default())?;
    let applied = store.apply(
        Change::one(Op::Update {
            update,
            using_default: Vec::new(),
            using_named: Vec::new(),
        })
        .by(cli_agent(message, ChangeKind::Edit)),
    )?;
    eprintln!(
        "{} quads added, {} removed{}",
        applied.added.len(),
        applied.removed.len(),
        applied
            .change_id
            .map(|id| format!(" (change {id})"))
            .unwrap_or_default()
    );
    Ok(())
}

/// Writes the dataset or one graph to stdout through a server's Graph Store endpoint.
fn export_remote(server: &ServerArgs, args: &ExportArgs) -> Result<()> {
    let (path, accept) = match &args.graph {
        Some(iri) => (
            with_query("/store", &[("graph", iri.as_str())]),
            match args.format.as_deref().unwrap_or("nt") {
                "nt" => "application/n-triples",
                "ttl" => "text/turtle",
                other => bail!("unknown format {other:?} for a graph (nt or ttl)"),
            },
        ),
        None => (
            "/store".to_owned(),
            match args.format.as_deref().unwrap_or("nq") {
                "nq" => "application/n-quads",
                "trig" => "application/trig",
                other => bail!("unknown format {other:?} for the dataset (nq or trig)"),
            },
        ),
    };
    let answer = super::remote::call(server, Call::get(path, Some(accept)))?;
    out::write(answer.ok("export")?)
}

/// Writes the dataset or one graph to stdout (through the server holding the store, if any).
pub fn export(data: &Path, args: ExportArgs) -> Result<()> {
    if let Some(server) = server_for(data, &args.server)? {
        return export_remote(&server, &args);
    }
    let store = open(data, DatasetMode::default())?;
    // the export holds the derivations graph too: every record first
    store.wait_records()?;
    let stdout = std::io::stdout().lock();
    match &args.graph {
        Some(iri) => {
            let graph = NamedNode::new(iri).with_context(|| format!("{iri:?} is not an IRI"))?;
            anyhow::ensure!(store.has_graph(&graph)?, "graph <{iri}> does not exist");
            let format = match args.format.as_deref().unwrap_or("nt") {
                "nt" => RdfFormat::NTriples,
                "ttl" => RdfFormat::Turtle,
                other => bail!("unknown format {other:?} for a graph (nt or ttl)"),
            };
            let mut writer = RdfSerializer::from_format(format).for_writer(stdout);
            for quad in store.graph_quads(GraphName::from(graph).as_ref(), None, None, None) {
                writer.serialize_triple(quad?.as_ref())?;
            }
            writer.finish()?.flush()?;
        }
        None => {
            let format = match args.format.as_deref().unwrap_or("nq") {
                "nq" => RdfFormat::NQuads,
                "trig" => RdfFormat::TriG,
                other => bail!("unknown format {other:?} for the dataset (nq or trig)"),
            };
            let mut writer = RdfSerializer::from_format(format).for_writer(stdout);
            for quad in store.all_quads() {
                writer.serialize_quad(quad?.as_ref())?;
            }
            writer.finish()?.flush()?;
        }
    }
    Ok(())
}
