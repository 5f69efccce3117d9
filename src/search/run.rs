//! Running a search: parse, compile against the current index state, rank, page, and cut snippets.

use super::documents::DocType;
use super::index::SearchIndex;
use super::parse::{FilterField, parse};
use super::query::{Compiler, filter_query};
use super::snippet::{self, Matcher};
use super::{Hit, MAX_LIMIT, SearchError, SearchRequest, SearchResults, SourceRef};
use std::sync::{Arc, PoisonError};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::{Field, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument};

/// Longest search text accepted (each word may become a typo automaton: keep requests cheap).
const MAX_QUERY_CHARS: usize = 1000;

impl SearchIndex {
    /// Runs a search. Syntax errors and unusable filters are reported, never answered with a guess;
    /// an index that could not follow the store refuses to answer ([`SearchError::Unavailable`]).
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        if let Some(why) = self
            .inner
            .failure
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        {
            return Err(SearchError::Unavailable(why));
        }
        if request.limit > MAX_LIMIT {
            return Err(SearchError::BadParameter(format!(
                "limit must be at most {MAX_LIMIT}"
            )));
        }
        if request.query.chars().count() > MAX_QUERY_CHARS {
            return Err(SearchError::BadParameter(format!(
                "the search text is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        let node = parse(&request.query)?;
        let fields = self.inner.fields;
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if !request.types.is_empty() {
            let any_type = request
                .types
                .iter()
                .map(|t| {
                    Ok((
                        Occur::Should,
                        filter_query(fields, FilterField::Type, t.as_str())?,
                    ))
                })
                .collect::<Result<Vec<_>, SearchError>>()?;
            filters.push(Box::new(BooleanQuery::new(any_type)));
        }
        if let Some(concept) = non_empty(&request.concept) {
            filters.push(filter_query(fields, FilterField::Concept, concept)?);
        }
        if let Some(status) = non_empty(&request.status) {
            filters.push(filter_query(fields, FilterField::Status, status)?);
        }
        let synonyms = Arc::clone(
            &self
                .inner
                .synonyms
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        );
        let searcher = self.inner.reader.searcher();
        let compiled = Compiler::new(fields, &synonyms, &searcher).compile(&node, filters)?;
        let (total, top) = if request.limit == 0 {
            (searcher.search(&compiled.query, &Count)?, Vec::new())
        } else {
            searcher.search(
                &compiled.query,
                &(
                    Count,
                    TopDocs::with_limit(request.limit)
                        .and_offset(request.offset)
                        .order_by_score(),
                ),
            )?
        };
        let hits = top
            .into_iter()
            .map(|(score, address)| self.hit(&searcher, score, address, &compiled.highlight))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SearchResults { total, hits })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        score: f32,
        address: DocAddress,
        highlight: &[Vec<Matcher>],
    ) -> Result<Hit, SearchError> {
        let f = self.inner.fields;
        let doc: TantivyDocument = searcher.doc(address)?;
        let first = |field: Field| -> Option<String> {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let all = |field: Field| -> String {
            doc.get_all(field)
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(" · ")
        };
        let (text, more) = (all(f.text), all(f.more));
        let (mut snippet, marks) = snippet::snippet(&text, highlight);
        if marks == 0 && !more.is_empty() {
            let (in_more, more_marks) = snippet::snippet(&more, highlight);
            if more_marks > 0 {
                snippet = format!("{} — {in_more}", snippet::escape(&text));
            }
        }
        let doc_type = first(f.doc_type)
            .and_then(|t| DocType::parse(&t))
            .map_or("unknown", DocType::as_str);
        let source = first(f.source).map(|iri| SourceRef {
            iri,
            title: first(f.source_title),
        });
        Ok(Hit {
            iri: first(f.iri).unwrap_or_default(),
            doc_type,
            score,
            snippet,
            source,
        })
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Refuses a review-status filter that names no `wr:ReviewStatus` of the data (by IRI or local
/// name, case and punctuation aside: `under-review`, `UnderReview`): a misspelt status would
/// otherwise answer "no hits" as if nothing had that status. The vocabulary's own statuses
/// (approved, submitted, under review, rejected) are always known, whatever the data declares.
pub fn check_status(store: &crate::store::WarrantStore, value: &str) -> Result<(), SearchError> {
    let key = super::schema::status_key(value);
    use crate::vocab::wr;
    if [wr::APPROVED, wr::SUBMITTED, wr::UNDER_REVIEW, wr::REJECTED]
        .iter()
        .any(|s| super::schema::status_key(s.as_str()) == key)
    {
        return Ok(());
    }
    let query = crate::store::parse_query(
        &format!(
            "SELECT ?s WHERE {{ ?s a <{}> }}",
            crate::vocab::wr::REVIEW_STATUS_CLASS.as_str()
        ),
        None,
    )?;
    let mut known = Vec::new();
    if let oxigraph::sparql::QueryResults::Solutions(rows) =
        store.evaluate(&query, &crate::store::ProtocolDataset::default(), &[], None)?
    {
        for row in rows {
            let row = row.map_err(crate::store::StoreError::from)?;
            if let Some(oxigraph::model::Term::NamedNode(s)) = row.get("s") {
                if super::schema::status_key(s.as_str()) == key {
                    return Ok(());
                }
                known.push(
                    s.as_str()
                        .rsplit(['#', '/'])
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                );
            }
        }
    }
    known.sort();
    Err(SearchError::BadParameter(format!(
        "status {value:?} is not a review status of the data; use one of {}",
        if known.is_empty() {
            "(none: the data defines no wr:ReviewStatus)".to_owned()
        } else {
            known.join(", ")
        }
    )))
}
