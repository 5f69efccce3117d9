//! Finding the files to load: a directory tree on disk or the data embedded at build time.

use crate::vocab;
use include_dir::{Dir, include_dir};
use oxigraph::model::NamedNode;
use std::path::{Path, PathBuf};

/// The shipped `ontology/`, `evidence/` and `queries/` folders, embedded at build time so that the
/// binary runs on its default data from any directory.
static EMBEDDED_ONTOLOGY: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/ontology");
static EMBEDDED_EVIDENCE: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/evidence");
static EMBEDDED_QUERIES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/queries");

/// The folders that make up Warrant's default data, in load order.
pub const DATA_FOLDERS: [&str; 3] = ["ontology", "evidence", "queries"];

/// Where the default data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataRoot {
    /// A directory holding `ontology/`, `evidence/` and `queries/` (a checkout of the repository).
    Dir(PathBuf),
    /// The copy compiled into the binary.
    Embedded,
}

impl DataRoot {
    /// The directory itself when it holds any of the data folders, else the embedded copy.
    pub fn detect(dir: &Path) -> Self {
        if DATA_FOLDERS.iter().any(|f| dir.join(f).is_dir()) {
            Self::Dir(dir.to_path_buf())
        } else {
            Self::Embedded
        }
    }
}

/// One file to load: its path relative to the root (with `/` separators) and its bytes.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the data root, e.g. `evidence/concepts.ttl`.
    pub rel_path: String,
    /// Raw content (possibly gzip-compressed, as on disk).
    pub bytes: Vec<u8>,
}

/// The graph a file is loaded into: `https://w3id.org/warrant/graph/file/{rel_path}`.
pub fn graph_iri_for(rel_path: &str) -> NamedNode {
    let encoded: String = rel_path
        .split('/')
        .map(|seg| percent_encoding::utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/");
    NamedNode::new_unchecked(format!("{}{encoded}", vocab::FILE_GRAPH))
}

/// Characters escaped in a path segment of a graph IRI.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// Whether Warrant knows how to load a file with this name.
pub fn is_loadable(name: &str) -> bool {
    let name = name.strip_suffix(".gz").unwrap_or(name);
    [
        ".ttl", ".nt", ".nq", ".trig", ".rdf", ".owl", ".jsonld", ".rq",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Every loadable file of the default data folders under `root`, sorted by path.
pub fn collect_files(root: &DataRoot) -> std::io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    match root {
        DataRoot::Dir(dir) => {
            for folder in DATA_FOLDERS {
                let path = dir.join(folder);
                if path.is_dir() {
                    walk_disk(dir, &path, &mut files)?;
                }
            }
        }
        DataRoot::Embedded => {
            for (folder, embedded) in [
                ("ontology", &EMBEDDED_ONTOLOGY),
                ("evidence", &EMBEDDED_EVIDENCE),
                ("queries", &EMBEDDED_QUERIES),
            ] {
                walk_embedded(folder, embedded, &mut files);
            }
        }
    }
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok(files)
}

/// Loadable files under `path` (a file or a folder), named relative to `base`.
///
/// Files outside `base` keep their absolute path as their name.
pub fn collect_paths(base: &Path, path: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut files = Vec::new();
    if path.is_dir() {
        walk_disk(base, path, &mut files)?;
    } else {
        files.push(SourceFile {
            rel_path: relative_name(base, path),
            bytes: std::fs::read(path)?,
        });
    }
    files.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    Ok(files)
}

fn relative_name(base: &Path, path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base = std::path::absolute(base).unwrap_or_else(|_| base.to_path_buf());
    let shown = absolute.strip_prefix(&base).unwrap_or(&absolute);
    shown
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn walk_disk(base: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk_disk(base, &path, out)?;
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_loadable)
        {
            out.push(SourceFile {
                rel_path: relative_name(base, &path),
                bytes: std::fs::read(&path)?,
            });
        }
    }
    Ok(())
}

fn walk_embedded(folder: &str, dir: &Dir<'_>, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        let rel = file.path().to_string_lossy().replace('\\', "/");
        if is_loadable(&rel) {
            out.push(SourceFile {
                rel_path: format!("{folder}/{rel}"),
                bytes: file.contents().to_vec(),
            });
        }
    }
    for sub in dir.dirs() {
        walk_embedded(folder, sub, out);
    }
}
