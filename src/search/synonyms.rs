//! Synonyms from the graph: every label of a concept (`skos:prefLabel`, `skos:altLabel`) stands for
//! all its labels. A run of query words that spells a label (after analysis: `IVIg`, `ivig` and
//! `IVIG` are one label) is replaced by "any label of that concept", so `intravenous immunoglobulin`
//! finds passages that only say IVIG, and back. Nothing is hard-coded: the table is rebuilt from the
//! store whenever a change touches concept labels.

use super::schema;
use std::collections::{BTreeSet, HashMap};

/// Label token sequences grouped by concept, indexed by each label's tokens.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
    by_label: HashMap<Vec<String>, Vec<usize>>,
    longest: usize,
}

/// One token of a run of query words, with the word it came from.
#[derive(Debug, Clone)]
pub struct WordToken {
    /// The analysed (stemmed) token.
    pub text: String,
    /// The word as written, lower case and folded (for typo matching).
    pub raw: String,
    /// Index of the query word it came from.
    pub word: usize,
    /// Length in characters of the token as typed.
    pub word_chars: usize,
}

/// A piece of a run of query words after synonym matching.
#[derive(Debug, Clone)]
pub enum Segment {
    /// Tokens of one word (several tokens: a phrase, e.g. `T-cell`).
    Word(Vec<WordToken>),
    /// Words that spell a concept label: any of these label token sequences.
    Synonyms(Vec<Vec<String>>),
}

impl Synonyms {
    /// The table for the given concepts (each a list of its labels).
    pub fn build(concepts: &[Vec<String>]) -> Self {
        let mut table = Self::default();
        for labels in concepts {
            let mut group: Vec<Vec<String>> = Vec::new();
            for label in labels {
                let tokens: Vec<String> =
                    schema::tokens(label).into_iter().map(|t| t.stem).collect();
                if !tokens.is_empty() && !group.contains(&tokens) {
                    group.push(tokens);
                }
            }
            if group.len() < 2 {
                continue;
            }
            let id = table.groups.len();
            for tokens in &group {
                table.longest = table.longest.max(tokens.len());
                let ids = table.by_label.entry(tokens.clone()).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            table.groups.push(group);
        }
        table
    }

    /// Splits the tokens of a run of words into words and synonym groups, longest label first.
    pub fn segment(&self, tokens: &[WordToken]) -> Vec<Segment> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            if let Some((len, group)) = self.match_at(tokens, i) {
                out.push(Segment::Synonyms(group));
                i += len;
                continue;
            }
            let word = tokens[i].word;
            let mut j = i + 1;
            while j < tokens.len() && tokens[j].word == word && self.match_at(tokens, j).is_none() {
                j += 1;
            }
            out.push(Segment::Word(tokens[i..j].to_vec()));
            i = j;
        }
        out
    }

    fn match_at(&self, tokens: &[WordToken], start: usize) -> Option<(usize, Vec<Vec<String>>)> {
        let max = self.longest.min(tokens.len() - start);
        for len in (1..=max).rev() {
            let key: Vec<String> = tokens[start..start + len]
                .iter()
                .map(|t| t.text.clone())
                .collect();
            if let Some(ids) = self.by_label.get(&key) {
                let mut labels = BTreeSet::new();
                for id in ids {
                    labels.extend(self.groups[*id].iter().cloned());
                }
                return Some((len, labels.into_iter().collect()));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<WordToken> {
        text.split_whitespace()
            .enumerate()
            .flat_map(|(word, w)| {
                schema::tokens(w).into_iter().map(move |t| WordToken {
                    word_chars: t.raw.chars().count(),
                    text: t.stem,
                    raw: t.raw,
                    word,
                })
            })
            .collect()
    }

    #[test]
    fn a_label_expands_to_every_label_of_its_concept() {
        let table = Synonyms::build(&[vec![
            "acetylsalicylic acid".into(),
            "ASA".into(),
            "AsA".into(),
        ]]);
        assert_eq!(table.groups.len(), 1);
        let segments = table.segment(&words("high-dose acetylsalicylic acid"));
        assert!(matches!(&segments[0], Segment::Word(t) if t.len() == 2));
        let Segment::Synonyms(labels) = &segments[1] else {
            panic!("{segments:?}")
        };
        assert!(labels.contains(&vec!["asa".to_owned()]));
        let segments = table.segment(&words("ASA"));
        assert!(matches!(&segments[0], Segment::Synonyms(l) if l.len() == 2));
    }
}
