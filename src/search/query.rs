//! Turning a parsed search into a tantivy query, and remembering what to highlight.
//!
//! Words side by side must all match (in `text` or, slightly lower, in `more`); runs of words that
//! spell a concept label match any label of that concept ([`Synonyms`]); a word of five characters
//! or more that the index does not know is taken as a typo and matched, unstemmed, within one edit
//! of the words of the texts (two from nine characters: `alemtuzamab` finds alemtuzumab); a word that splits into several tokens
//! (`T-cell`) is a phrase. Filters score nothing: they only narrow. BM25 does the ranking.

use super::SearchError;
use super::documents::DocType;
use super::parse::{FilterField, Node};
use super::schema::{self, Fields};
use super::snippet::Matcher;
use super::synonyms::{Segment, Synonyms, WordToken};
use crate::vocab;
use tantivy::Searcher;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

/// Boost of matches in `more` (authors, alternative labels) relative to `text`.
const MORE_BOOST: f32 = 0.8;
/// Shortest word (in characters) for which an unknown word is matched with one typo.
const FUZZY_ONE: usize = 5;
/// Shortest word (in characters) for which an unknown word is matched with two typos.
const FUZZY_TWO: usize = 9;

/// A query ready to run, with the token sequences its snippets highlight.
pub struct Compiled {
    /// The tantivy query.
    pub query: Box<dyn Query>,
    /// Sequences of token matchers to mark in snippets.
    pub highlight: Vec<Vec<Matcher>>,
}

/// Compiles parsed searches against one searcher (typo tolerance looks at its term dictionary).
pub struct Compiler<'a> {
    fields: Fields,
    synonyms: &'a Synonyms,
    searcher: &'a Searcher,
    highlight: Vec<Vec<Matcher>>,
}

impl<'a> Compiler<'a> {
    /// A compiler over the given index state.
    pub fn new(fields: Fields, synonyms: &'a Synonyms, searcher: &'a Searcher) -> Self {
        Self {
            fields,
            synonyms,
            searcher,
            highlight: Vec::new(),
        }
    }

    /// Compiles `node`, with `filters` (already built) added as required clauses.
    pub fn compile(
        mut self,
        node: &Node,
        filters: Vec<Box<dyn Query>>,
    ) -> Result<Compiled, SearchError> {
        let main = self.node(node, false)?.ok_or_else(|| SearchError::Syntax {
            message:
                "the query has no searchable word (only stop words such as \"the\" or \"of\"?)"
                    .into(),
            column: 1,
        })?;
        let mut clauses = vec![(Occur::Must, main)];
        clauses.extend(filters.into_iter().map(|f| (Occur::Must, f)));
        Ok(Compiled {
            query: Box::new(BooleanQuery::new(clauses)),
            highlight: self.highlight,
        })
    }

    fn node(&mut self, node: &Node, negated: bool) -> Result<Option<Box<dyn Query>>, SearchError> {
        Ok(match node {
            Node::And(parts) => {
                let mut clauses = Vec::new();
                for part in parts {
                    let (occur, inner, neg) = match part {
                        Node::Not(inner) => (Occur::MustNot, inner.as_ref(), !negated),
                        other => (Occur::Must, other, negated),
                    };
                    if let Some(q) = self.node(inner, neg)? {
                        clauses.push((occur, q));
                    }
                }
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) && !clauses.is_empty() {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                boolean(clauses)
            }
            Node::Or(parts) => {
                let mut clauses = Vec::new();
                for part in parts {
                    if let Some(q) = self.node(part, negated)? {
                        clauses.push((Occur::Should, q));
                    }
                }
                boolean(clauses)
            }
            Node::Not(inner) => self.node(inner, !negated)?.map(|q| {
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                    (Occur::MustNot, q),
                ])) as Box<dyn Query>
            }),
            Node::Words(words) => self.words(words, negated)?,
            Node::Phrase(text) => {
                let tokens: Vec<(usize, String)> = schema::tokens(text)
                    .into_iter()
                    .map(|t| (t.position, t.stem))
                    .collect();
                if !negated && !tokens.is_empty() {
                    self.highlight.push(
                        tokens
                            .iter()
                            .map(|(_, t)| Matcher::Exact(t.clone()))
                            .collect(),
                    );
                }
                self.phrase(&tokens)
            }
            Node::Filter(field, value) => Some(self.filter(*field, value)?),
        })
    }

    fn words(
        &mut self,
        words: &[String],
        negated: bool,
    ) -> Result<Option<Box<dyn Query>>, SearchError> {
        let tokens: Vec<WordToken> = words
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                schema::tokens(w).into_iter().map(move |t| WordToken {
                    word_chars: t.raw.chars().count(),
                    text: t.stem,
                    raw: t.raw,
                    word: i,
                })
            })
            .collect();
        let mut clauses = Vec::new();
        for segment in self.synonyms.segment(&tokens) {
            let query = match segment {
                Segment::Word(tokens) if tokens.len() == 1 => self.word(&tokens[0], negated)?,
                Segment::Word(tokens) => {
                    if !negated {
                        self.highlight.push(
                            tokens
                                .iter()
                                .map(|t| Matcher::Exact(t.text.clone()))
                                .collect(),
                        );
                    }
                    let with_pos: Vec<(usize, String)> = tokens
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| (i, t.text))
                        .collect();
                    self.phrase(&with_pos)
                }
                Segment::Synonyms(labels) => {
                    let mut should = Vec::new();
                    for label in labels {
                        if !negated {
                            self.highlight
                                .push(label.iter().map(|t| Matcher::Exact(t.clone())).collect());
                        }
                        let with_pos: Vec<(usize, String)> =
                            label.into_iter().enumerate().collect();
                        if let Some(q) = self.phrase(&with_pos) {
                            should.push((Occur::Should, q));
                        }
                    }
                    boolean(should)
                }
            };
            if let Some(q) = query {
                clauses.push((Occur::Must, q));
            }
        }
        Ok(boolean(clauses))
    }

    /// One word: the term itself, or — unknown to the index and long enough — its near spellings.
    fn word(
        &mut self,
        token: &WordToken,
        negated: bool,
    ) -> Result<Option<Box<dyn Query>>, SearchError> {
        let exact = self.phrase(&[(0, token.text.clone())]);
        let distance = match token.word_chars {
            n if n >= FUZZY_TWO => 2,
            n if n >= FUZZY_ONE => 1,
            _ => 0,
        };
        let known = self
            .searcher
            .doc_freq(&self.term(self.fields.text, &token.text))?
            + self
                .searcher
                .doc_freq(&self.term(self.fields.more, &token.text))?;
        if known > 0 || distance == 0 || token.text.chars().all(|c| c.is_ascii_digit()) {
            if !negated {
                self.highlight
                    .push(vec![Matcher::Exact(token.text.clone())]);
            }
            return Ok(exact);
        }
        if !negated {
            self.highlight
                .push(vec![Matcher::Fuzzy(token.raw.clone(), distance)]);
        }
        Ok(Some(Box::new(FuzzyTermQuery::new(
            self.term(self.fields.words, &token.raw),
            distance,
            true,
        ))))
    }

    fn term(&self, field: Field, text: &str) -> Term {
        Term::from_field_text(field, text)
    }

    /// A term (one token) or phrase, in `text` or `more`.
    fn phrase(&self, tokens: &[(usize, String)]) -> Option<Box<dyn Query>> {
        let first = tokens.first()?.0;
        let in_field = |field: Field| -> Box<dyn Query> {
            if tokens.len() == 1 {
                Box::new(TermQuery::new(
                    self.term(field, &tokens[0].1),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                Box::new(PhraseQuery::new_with_offset(
                    tokens
                        .iter()
                        .map(|(pos, t)| (pos - first, self.term(field, t)))
                        .collect(),
                ))
            }
        };
        boolean(vec![
            (Occur::Should, in_field(self.fields.text)),
            (
                Occur::Should,
                Box::new(BoostQuery::new(in_field(self.fields.more), MORE_BOOST)),
            ),
        ])
    }

    /// A filter clause (scores nothing).
    pub fn filter(&self, field: FilterField, value: &str) -> Result<Box<dyn Query>, SearchError> {
        filter_query(self.fields, field, value)
    }
}

/// A filter on one of the raw fields, scoring nothing. Concept and source values may be IRIs or
/// short forms (`ivig` for `https://w3id.org/warrant/concept/ivig`, `silva-2018` for
/// `https://w3id.org/warrant/id/silva-2018`).
pub fn filter_query(
    fields: Fields,
    field: FilterField,
    value: &str,
) -> Result<Box<dyn Query>, SearchError> {
    let value = value.trim();
    let (field, key) = match field {
        FilterField::Type => {
            let t = DocType::parse(value).ok_or_else(|| {
                SearchError::BadParameter(format!(
                    "unknown type {value:?}: use passage, statement, source or concept"
                ))
            })?;
            (fields.doc_type, t.as_str().to_owned())
        }
        FilterField::Concept => (fields.concept, expand(value, vocab::CONCEPT)),
        FilterField::Source => (fields.source, expand(value, vocab::ID)),
        FilterField::Status => (fields.status, schema::status_key(value)),
    };
    Ok(Box::new(ConstScoreQuery::new(
        Box::new(TermQuery::new(
            Term::from_field_text(field, &key),
            IndexRecordOption::Basic,
        )),
        0.0,
    )))
}

fn expand(value: &str, prefix: &str) -> String {
    let value = value.trim_start_matches('<').trim_end_matches('>');
    if value.contains("://") || value.starts_with("urn:") {
        value.to_owned()
    } else {
        format!("{prefix}{value}")
    }
}

fn boolean(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Option<Box<dyn Query>> {
    match clauses.len() {
        0 => None,
        1 if clauses[0].0 != Occur::MustNot => Some(clauses.remove(0).1),
        _ => Some(Box::new(BooleanQuery::new(clauses))),
    }
}
