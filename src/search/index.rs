//! The index's life: opening (and rebuilding when missing, damaged or stale), following the store's
//! changes, and recording which store state it reflects.
//!
//! Each commit of the index carries a payload `{"format", "store", "generation"}`: the schema version
//! and the [`StoreState`] the index reflects. The store bumps its state in the same transaction as
//! each change, and the index commits the matching payload before the write returns; so after a
//! crash between the two commits, or with an index copied from another store, the payload differs
//! from the store's state and the index is rebuilt at the next start. An index whose files fail
//! their checksums or cannot be opened is deleted and rebuilt too.

use super::SearchError;
use super::documents::{self, Describer, DocData};
use super::schema::{self, ANALYZER, FORMAT, Fields, WORDS_ANALYZER};
use super::synonyms::Synonyms;
use crate::store::{Applied, StoreState, WarrantStore, WriteObserver};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Memory the index writer may use before flushing a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// Where the index lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexLocation {
    /// In this directory (created when missing).
    Disk(PathBuf),
    /// In memory: built from the store at every start.
    Memory,
}

/// Why an index was rebuilt when opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RebuildReason {
    /// There was no index yet.
    Missing,
    /// The index could not be read (the message says why); it was deleted.
    Damaged(String),
    /// The index reflected another state of the store (or another store, or schema version).
    Stale {
        /// What the index said it reflected.
        index: String,
        /// The store's state.
        store: String,
    },
    /// An in-memory index is always built at start.
    Memory,
}

/// What opening the index did.
#[derive(Debug, Clone)]
pub struct OpenReport {
    /// Why the index was rebuilt, or `None` when it was up to date.
    pub rebuilt: Option<RebuildReason>,
    /// Number of documents in the index.
    pub documents: u64,
}

/// The commit payload.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Stamp {
    format: u32,
    store: Option<String>,
    generation: u64,
}

impl Stamp {
    fn of(state: &StoreState) -> Self {
        Self {
            format: FORMAT,
            store: state.id.clone(),
            generation: state.generation,
        }
    }
}

/// The full-text index. Cheap to clone (clones share the same index).
#[derive(Clone)]
pub struct SearchIndex {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) reader: IndexReader,
    writer: Mutex<IndexWriter>,
    pub(super) fields: Fields,
    pub(super) synonyms: RwLock<Arc<Synonyms>>,
    /// Set when the index could not follow a change and could not be rebuilt either.
    pub(super) failure: RwLock<Option<String>>,
}

impl SearchIndex {
    /// Opens the index at `location` and brings it up to date with `store`: a missing, damaged or
    /// stale index is rebuilt, calling `progress(done, total)` as resources are indexed.
    pub fn open(
        location: &IndexLocation,
        store: &WarrantStore,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(Self, OpenReport), SearchError> {
        let (schema, fields) = schema::schema();
        let (index, mut reason) = match location {
            IndexLocation::Memory => (Index::create_in_ram(schema), Some(RebuildReason::Memory)),
            IndexLocation::Disk(dir) => open_dir(dir, schema)?,
        };
        index.tokenizers().register(ANALYZER, schema::analyzer());
        index
            .tokenizers()
            .register(WORDS_ANALYZER, schema::words_analyzer());
        let writer: IndexWriter = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let state = store.state()?;
        if reason.is_none() {
            let payload = index.load_metas()?.payload;
            let found = payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<Stamp>(p).ok());
            if found.as_ref() != Some(&Stamp::of(&state)) {
                reason = Some(RebuildReason::Stale {
                    index: payload.unwrap_or_else(|| "(no state recorded)".into()),
                    store: state.to_string(),
                });
            }
        }
        let search = Self {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                synonyms: RwLock::default(),
                failure: RwLock::default(),
            }),
        };
        if reason.is_some() {
            search.rebuild(store, progress)?;
        } else {
            search.refresh_synonyms(store)?;
        }
        let documents = search.inner.reader.searcher().num_docs();
        Ok((
            search,
            OpenReport {
                rebuilt: reason,
                documents,
            },
        ))
    }

    /// Registers this index with the store: as the observer of every committed change, and as the
    /// handler of `SERVICE wr:search` in queries.
    pub fn attach(&self, store: &WarrantStore) {
        store.add_observer(Arc::new(self.clone()));
        store.add_service_handler(
            crate::vocab::SEARCH_SERVICE.into_owned(),
            super::SearchService::new(self.clone()),
        );
    }

    /// Re-indexes everything from the store's current state.
    pub fn rebuild(
        &self,
        store: &WarrantStore,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<u64, SearchError> {
        let state = store.state()?;
        let candidates = documents::candidates(store)?;
        let total = candidates.len() as u64;
        let mut writer = self.writer();
        writer.rollback()?;
        writer.delete_all_documents()?;
        let mut describer = Describer::new(store);
        let mut indexed = 0;
        for (done, iri) in candidates.iter().enumerate() {
            if let Some(data) = describer.describe(iri)? {
                writer.add_document(self.document(&data))?;
                indexed += 1;
            }
            if done % 1024 == 0 {
                progress(done as u64, total);
            }
        }
        progress(total, total);
        self.commit(&mut writer, &state)?;
        drop(writer);
        self.refresh_synonyms(store)?;
        *self
            .inner
            .failure
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Ok(indexed)
    }

    /// Follows one committed change: re-indexes the resources it touched and records `state`.
    pub fn apply(
        &self,
        store: &WarrantStore,
        applied: &Applied,
        state: &StoreState,
    ) -> Result<(), SearchError> {
        let affected = documents::affected(store, applied)?;
        let typed = documents::typed_as_documents(applied);
        let searcher = self.inner.reader.searcher();
        let mut describer = Describer::new(store);
        let mut writer = self.writer();
        for iri in &affected {
            let term = Term::from_field_text(self.inner.fields.iri, iri.as_str());
            // Neither indexed before nor typed as a document now: no document (a large load's
            // subjects are mostly such, and reading each one's types took most of its indexing).
            if !typed.contains(iri) && searcher.doc_freq(&term)? == 0 {
                continue;
            }
            writer.delete_term(term);
            if let Some(data) = describer.describe(iri)? {
                writer.add_document(self.document(&data))?;
            }
        }
        self.commit(&mut writer, state)?;
        drop(writer);
        if documents::touches_labels(applied) {
            self.refresh_synonyms(store)?;
        }
        Ok(())
    }

    /// Why the index cannot answer (it could not follow a change and could not be rebuilt), or
    /// `None` when it is current.
    pub fn failure(&self) -> Option<String> {
        self.inner
            .failure
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Number of documents in the index.
    pub fn len(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// Whether the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn commit(&self, writer: &mut IndexWriter, state: &StoreState) -> Result<(), SearchError> {
        let payload = serde_json::to_string(&Stamp::of(state))
            .map_err(|e| SearchError::Unavailable(e.to_string()))?;
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.inner.reader.reload()?;
        Ok(())
    }

    fn refresh_synonyms(&self, store: &WarrantStore) -> Result<(), SearchError> {
        let table = Synonyms::build(&documents::concept_labels(store)?);
        *self
            .inner
            .synonyms
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(table);
        Ok(())
    }

    fn document(&self, data: &DocData) -> TantivyDocument {
        let f = self.inner.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.iri, &data.iri);
        doc.add_text(f.doc_type, data.doc_type.as_str());
        for text in &data.text {
            doc.add_text(f.text, text);
            doc.add_text(f.words, text);
        }
        for text in &data.more {
            doc.add_text(f.more, text);
            doc.add_text(f.words, text);
        }
        for concept in &data.concepts {
            doc.add_text(f.concept, concept);
        }
        for source in &data.sources {
            doc.add_text(f.source, source);
        }
        if let Some(title) = &data.source_title {
            doc.add_text(f.source_title, title);
        }
        if let Some(status) = &data.status {
            doc.add_text(f.status, status);
        }
        doc
    }
}

impl WriteObserver for SearchIndex {
    fn committed(&self, store: &WarrantStore, applied: &Applied, state: &StoreState) {
        let Err(e) = self.apply(store, applied, state) else {
            return;
        };
        tracing::error!("the search index could not follow a change ({e}); rebuilding it");
        if let Err(e) = self.rebuild(store, &mut |_, _| {}) {
            tracing::error!("rebuilding the search index failed: {e}; search is unavailable");
            *self
                .inner
                .failure
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Some(e.to_string());
        }
    }

    /// A document's concepts include their broader concepts as the reasoner derived them: read
    /// after the reasoner followed the change.
    fn reads_inferences(&self) -> bool {
        true
    }
}

/// Opens the index in `dir`; a missing or unreadable index is replaced by an empty one (and the
/// reason returned, so the caller rebuilds it).
fn open_dir(
    dir: &Path,
    schema: tantivy::schema::Schema,
) -> Result<(Index, Option<RebuildReason>), SearchError> {
    let io = |e: std::io::Error| SearchError::Directory {
        path: dir.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let reason = if !dir.join("meta.json").exists() {
        RebuildReason::Missing
    } else {
        match check(dir, &schema) {
            Ok(index) => return Ok((index, None)),
            Err(why) => RebuildReason::Damaged(why),
        }
    };
    if let RebuildReason::Damaged(why) = &reason {
        tracing::warn!(
            "search index in {} is damaged ({why}): rebuilding",
            dir.display()
        );
    }
    std::fs::remove_dir_all(dir).map_err(io)?;
    std::fs::create_dir_all(dir).map_err(io)?;
    Ok((Index::create_in_dir(dir, schema)?, Some(reason)))
}

/// Opens an existing index and verifies its schema and its files' checksums.
fn check(dir: &Path, schema: &tantivy::schema::Schema) -> Result<Index, String> {
    let index = Index::open_in_dir(dir).map_err(|e| e.to_string())?;
    if index.schema() != *schema {
        return Err("its schema differs from this version's".into());
    }
    let damaged = index.validate_checksum().map_err(|e| e.to_string())?;
    if !damaged.is_empty() {
        return Err(format!("files failing their checksum: {damaged:?}"));
    }
    index.load_metas().map_err(|e| e.to_string())?;
    let reader = index.reader().map_err(|e| e.to_string())?;
    for segment in reader.searcher().segment_readers() {
        segment
            .get_store_reader(0)
            .map_err(|e| format!("segment {}: {e}", segment.segment_id().short_uuid_string()))?;
    }
    Ok(index)
}
