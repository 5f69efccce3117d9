//! The index schema and the English analyzer.
//!
//! One document per indexed resource, keyed by its IRI (`iri`, a raw, untokenised term: deleting that
//! term removes the resource's document). `text` holds what a hit is shown by (a passage's or
//! statement's text, a source's title, a concept's preferred label) and `more` what it is also found
//! by (a source's authors, a concept's alternative labels); both go through the English analyzer
//! (lower case, ASCII folding, Lucene's English stop words, Snowball stemming). `words` holds the
//! same text unstemmed (lower case, folded), for typo matching: a misspelt word does not stem like
//! the word it misspells. `type`, `concept`, `source` and `status` are raw keys for filters;
//! `source_title` is stored for display only.

use tantivy::schema::{
    Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

/// Name under which the English analyzer is registered with the index.
pub const ANALYZER: &str = "warrant_en";
/// Name under which the unstemmed analyzer (typo matching) is registered with the index.
pub const WORDS_ANALYZER: &str = "warrant_words";

/// Version of the schema and analyzers; a different version in an index on disk forces a rebuild.
pub const FORMAT: u32 = 1;

/// The fields of the index.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The resource's IRI (raw, stored): the document key.
    pub iri: Field,
    /// `passage`, `statement`, `source` or `concept` (raw, stored).
    pub doc_type: Field,
    /// Main text, analysed and stored (snippets are cut from it).
    pub text: Field,
    /// Further searchable text (authors, alternative labels), analysed and stored.
    pub more: Field,
    /// `text` and `more` unstemmed, for typo matching (not stored).
    pub words: Field,
    /// Concepts the resource is about, with their broader concepts (raw IRIs).
    pub concept: Field,
    /// Sources the resource is quoted from or cites (raw IRIs, stored; the first is shown).
    pub source: Field,
    /// Title of the first source, stored for display.
    pub source_title: Field,
    /// Review status as a normalised key (`approved`, `submitted`, `underreview`…), raw, stored.
    pub status: Field,
}

/// Builds the schema and the handles of its fields.
pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let analysed = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        iri: builder.add_text_field("iri", STRING | STORED),
        doc_type: builder.add_text_field("type", STRING | STORED),
        text: builder.add_text_field("text", analysed.clone()),
        more: builder.add_text_field("more", analysed),
        words: builder.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(WORDS_ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        concept: builder.add_text_field("concept", STRING),
        source: builder.add_text_field("source", STRING | STORED),
        source_title: builder.add_text_field("source_title", STORED),
        status: builder.add_text_field("status", STRING | STORED),
    };
    (builder.build(), fields)
}

/// The English analyzer used for indexing, queries and snippets alike.
pub fn analyzer() -> TextAnalyzer {
    let stop_words = StopWordFilter::new(Language::English)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()));
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop_words)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The unstemmed analyzer of the `words` field: the English analyzer without stop words and stems.
pub fn words_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(48))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Normalises a review status (a `wr:` IRI, its local name or a label) to the key stored in
/// `status`: the local name, lower case, letters and digits only (`wr:UnderReview` -> `underreview`).
pub fn status_key(value: &str) -> String {
    let local = value.rsplit(['#', '/']).next().unwrap_or(value);
    local
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// One token of an analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The indexed (stemmed) form.
    pub stem: String,
    /// The word as written, lower case and folded (the `words` form).
    pub raw: String,
    /// Byte offset of the word's start in the text.
    pub from: usize,
    /// Byte offset just after the word.
    pub to: usize,
    /// Position of the word (stop words keep their positions).
    pub position: usize,
}

/// Analyses `text` with the English analyzer.
pub fn tokens(text: &str) -> Vec<Token> {
    let mut analyzer = analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        let raw = text
            .get(token.offset_from..token.offset_to)
            .unwrap_or_default();
        out.push(Token {
            stem: token.text.clone(),
            raw: fold(raw),
            from: token.offset_from,
            to: token.offset_to,
            position: token.position,
        });
    }
    out
}

/// A word as the `words` field holds it (lower case, ASCII-folded).
pub fn fold(word: &str) -> String {
    let mut analyzer = words_analyzer();
    let mut stream = analyzer.token_stream(word);
    let mut out = String::new();
    while let Some(token) = stream.next() {
        out.push_str(&token.text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_stems_folds_and_drops_stop_words() {
        let tokens = tokens("The Infections of Café patients");
        let stems: Vec<&str> = tokens.iter().map(|t| t.stem.as_str()).collect();
        assert_eq!(stems, ["infect", "cafe", "patient"]);
        assert_eq!(tokens[1].raw, "cafe");
        assert_eq!(
            (tokens[0].from, tokens[0].to, tokens[0].position),
            (4, 14, 1)
        );
    }

    #[test]
    fn status_keys() {
        assert_eq!(
            status_key("https://w3id.org/warrant/ns#UnderReview"),
            "underreview"
        );
        assert_eq!(status_key("under-review"), "underreview");
        assert_eq!(status_key("Approved"), "approved");
    }
}
