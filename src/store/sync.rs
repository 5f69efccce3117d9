//! Start-up reconciliation of the default data files with their graphs.
//!
//! The catalog graph records, for each file graph, the file's path and SHA-256. At start, a new file
//! is loaded, a changed file's graph is replaced, a deleted file's graph is dropped and an unchanged
//! file is left alone — so restarting never duplicates data. All of it is one change: either the
//! store matches the files afterwards, or (on a parse error) nothing changed.

use super::{Change, Op, StoreError, WarrantStore};
use crate::load::{SourceFile, parse_file};
use crate::vocab;
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What a sync did, file by file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Files loaded for the first time.
    pub added: Vec<String>,
    /// Files whose content changed: their graph was replaced.
    pub replaced: Vec<String>,
    /// Files no longer present: their graph was dropped.
    pub dropped: Vec<String>,
    /// Files left as they were.
    pub unchanged: usize,
    /// Quads added and removed in all.
    pub quads_added: usize,
    /// Quads removed in all.
    pub quads_removed: usize,
}

/// The catalog value marking graphs that belong to the default data.
pub const DEFAULT_DATA: &str = "default-data";

/// Hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Catalog quads describing a file graph.
pub fn catalog_entry(graph: &NamedNode, rel_path: &str, sha: &str, origin: &str) -> Vec<Quad> {
    let g = GraphName::NamedNode(vocab::CATALOG_GRAPH.into_owned());
    vec![
        Quad::new(graph.clone(), vocab::SHA256, Literal::from(sha), g.clone()),
        Quad::new(
            graph.clone(),
            vocab::SOURCE_PATH,
            Literal::from(rel_path),
            g.clone(),
        ),
        Quad::new(graph.clone(), vocab::ORIGIN, Literal::from(origin), g),
    ]
}

/// The catalog quads of one graph.
pub fn catalog_quads(store: &WarrantStore, graph: &NamedNode) -> Result<Vec<Quad>, StoreError> {
    Ok(store
        .oxigraph()
        .quads_for_pattern(
            Some(graph.as_ref().into()),
            None,
            None,
            Some(vocab::CATALOG_GRAPH.into()),
        )
        .collect::<Result<Vec<_>, _>>()?)
}

/// Brings the graphs of the default data in line with `files`.
pub fn sync_files(store: &WarrantStore, files: &[SourceFile]) -> Result<SyncReport, StoreError> {
    let known = default_data_catalog(store)?;
    let mut report = SyncReport::default();
    let mut change = Change {
        from_files: true,
        ..Change::default()
    };
    let mut seen = Vec::new();
    for file in files {
        let sha = sha256_hex(&file.bytes);
        let graph = crate::load::graph_iri_for(&file.rel_path);
        seen.push(graph.clone());
        match known.get(&graph) {
            Some(old) if *old == sha => {
                report.unchanged += 1;
                continue;
            }
            Some(_) if is_edited(store, &graph)? => {
                return Err(StoreError::Conflict(format!(
                    "{} changed on disk, but its graph <{}> was edited since it was loaded; \
                     export the curated graph (`warrant export --graph <{}>`) and reconcile the file \
                     with it, or drop the graph to accept the file",
                    file.rel_path,
                    graph.as_str(),
                    graph.as_str()
                )));
            }
            Some(_) => report.replaced.push(file.rel_path.clone()),
            None => report.added.push(file.rel_path.clone()),
        }
        let (graph, quads) = parse_file(file)?;
        change.ops.push(Op::DropGraph {
            graph: graph.clone().into(),
            must_exist: false,
        });
        change.ops.push(Op::Remove(catalog_quads(store, &graph)?));
        change.ops.push(Op::CreateGraph(graph.clone()));
        change.ops.push(Op::Insert(quads));
        change.ops.push(Op::Insert(catalog_entry(
            &graph,
            &file.rel_path,
            &sha,
            DEFAULT_DATA,
        )));
    }
    for graph in known.keys() {
        if !seen.contains(graph) {
            if is_edited(store, graph)? {
                return Err(StoreError::Conflict(format!(
                    "the file of graph <{}> is gone, but the graph was edited since it was loaded; \
                     export it (`warrant export --graph <{}>`) before dropping it",
                    graph.as_str(),
                    graph.as_str()
                )));
            }
            let path = catalog_quads(store, graph)?
                .into_iter()
                .find(|q| q.predicate == vocab::SOURCE_PATH)
                .and_then(|q| match q.object {
                    Term::Literal(l) => Some(l.value().to_owned()),
                    _ => None,
                })
                .unwrap_or_else(|| graph.as_str().to_owned());
            report.dropped.push(path);
            change.ops.push(Op::DropGraph {
                graph: graph.clone().into(),
                must_exist: false,
            });
            change.ops.push(Op::Remove(catalog_quads(store, graph)?));
        }
    }
    if !change.ops.is_empty() {
        change.meta = Some(
            super::ChangeMeta::edit(
                "warrant",
                "admin",
                format!(
                    "default data synchronised at start-up: {} file(s) added, {} replaced, {} dropped",
                    report.added.len(),
                    report.replaced.len(),
                    report.dropped.len()
                ),
            )
            .kind(super::ChangeKind::Load),
        );
        let applied = store.apply(change)?;
        report.quads_added = applied.added.len();
        report.quads_removed = applied.removed.len();
    }
    Ok(report)
}

/// Whether an edit changed a file graph since its file was loaded.
fn is_edited(store: &WarrantStore, graph: &NamedNode) -> Result<bool, StoreError> {
    Ok(store
        .oxigraph()
        .quads_for_pattern(
            Some(graph.as_ref().into()),
            Some(vocab::EDITED_SINCE_LOAD),
            None,
            Some(vocab::CATALOG_GRAPH.into()),
        )
        .next()
        .is_some())
}

/// Graph -> SHA-256 of every catalogued graph of the default data.
fn default_data_catalog(store: &WarrantStore) -> Result<HashMap<NamedNode, String>, StoreError> {
    let origin = Term::from(Literal::from(DEFAULT_DATA));
    let mut out = HashMap::new();
    for quad in store.oxigraph().quads_for_pattern(
        None,
        Some(vocab::ORIGIN),
        Some(origin.as_ref()),
        Some(vocab::CATALOG_GRAPH.into()),
    ) {
        let quad = quad?;
        let oxigraph::model::NamedOrBlankNode::NamedNode(graph) = quad.subject else {
            continue;
        };
        let sha = store
            .literal_of(
                graph.as_ref(),
                vocab::SHA256,
                Some(vocab::CATALOG_GRAPH.into()),
            )?
            .unwrap_or_default();
        out.insert(graph, sha);
    }
    Ok(out)
}
