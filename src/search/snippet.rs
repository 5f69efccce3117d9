//! Snippets: the part of a hit's text with the most matches, HTML-escaped, matches in `<mark>`.
//!
//! The text is analysed with the index's own analyzer, so what is marked is exactly what matched:
//! stemmed forms (`infections` for `infection`), synonyms (`IVIG` for `intravenous immunoglobulin`),
//! typo matches, and phrases as one mark. Everything outside the marks is escaped (`&`, `<`, `>`,
//! `"`, `'`), so a snippet is safe to insert into HTML as it is.

use super::schema::{self, Token};

/// How one query token is recognised in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// This analysed (stemmed) token.
    Exact(String),
    /// A word (unstemmed, lower case) within this many edits.
    Fuzzy(String, u8),
}

impl Matcher {
    fn matches(&self, token: &Token) -> bool {
        match self {
            Self::Exact(t) => *t == token.stem,
            Self::Fuzzy(t, d) => edit_distance(t, &token.raw) <= usize::from(*d),
        }
    }
}

/// Longest snippet, in characters (the whole text when it is shorter).
pub const MAX_CHARS: usize = 240;
/// Characters of context kept before the first match when a text is cut.
const LEAD: usize = 40;

/// The snippet of `text` for these matcher sequences, and the number of marks in it.
pub fn snippet(text: &str, sequences: &[Vec<Matcher>]) -> (String, usize) {
    let tokens = schema::tokens(text);
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let len = sequences
            .iter()
            .filter(|seq| {
                !seq.is_empty()
                    && i + seq.len() <= tokens.len()
                    && seq.iter().zip(&tokens[i..]).all(|(m, t)| m.matches(t))
            })
            .map(Vec::len)
            .max();
        match len {
            Some(len) => {
                spans.push((tokens[i].from, tokens[i + len - 1].to));
                i += len;
            }
            None => i += 1,
        }
    }
    let (start, end) = window(text, &spans);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut cursor = start;
    let mut marks = 0;
    for &(from, to) in spans.iter().filter(|(f, t)| *f >= start && *t <= end) {
        escape_into(&text[cursor..from], &mut out);
        out.push_str("<mark>");
        escape_into(&text[from..to], &mut out);
        out.push_str("</mark>");
        cursor = to;
        marks += 1;
    }
    escape_into(&text[cursor..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    (out, marks)
}

/// Byte range of the window of at most [`MAX_CHARS`] characters holding the most spans.
fn window(text: &str, spans: &[(usize, usize)]) -> (usize, usize) {
    if text.chars().count() <= MAX_CHARS {
        return (0, text.len());
    }
    let best = spans
        .iter()
        .map(|&(from, _)| {
            let start = back(text, from, LEAD);
            let end = forward(text, start, MAX_CHARS);
            let count = spans
                .iter()
                .filter(|(f, t)| *f >= start && *t <= end)
                .count();
            (count, std::cmp::Reverse(start), start, end)
        })
        .max();
    match best {
        Some((_, _, start, end)) => (start, end),
        None => (0, forward(text, 0, MAX_CHARS)),
    }
}

/// The byte offset `chars` characters before `at`, moved forward to the start of a word.
fn back(text: &str, at: usize, chars: usize) -> usize {
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(chars.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    if start == 0 {
        return 0;
    }
    match text[start..at].find(char::is_whitespace) {
        Some(ws) => start + ws + text[start + ws..].chars().next().map_or(1, char::len_utf8),
        None => start,
    }
}

/// The byte offset at most `chars` characters after `start`, moved back to the end of a word.
fn forward(text: &str, start: usize, chars: usize) -> usize {
    let Some((limit, _)) = text[start..].char_indices().nth(chars) else {
        return text.len();
    };
    let limit = start + limit;
    match text[start..limit].rfind(char::is_whitespace) {
        Some(ws) if ws > 0 => start + ws,
        _ => limit,
    }
}

fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// HTML-escapes a text (no marks).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// Optimal-string-alignment distance (a transposition counts as one edit, as in the index's typo
/// matching).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(words: &[&str]) -> Vec<Matcher> {
        words
            .iter()
            .map(|w| Matcher::Exact((*w).to_owned()))
            .collect()
    }

    #[test]
    fn marks_stems_and_phrases_and_escapes_the_rest() {
        let (s, n) = snippet(
            "Viral <b>infections</b> & intravenous immunoglobulin",
            &[exact(&["infect"]), exact(&["intraven", "immunoglobulin"])],
        );
        assert_eq!(
            s,
            "Viral &lt;b&gt;<mark>infections</mark>&lt;/b&gt; &amp; <mark>intravenous immunoglobulin</mark>"
        );
        assert_eq!(n, 2);
    }

    #[test]
    fn fuzzy_marks_and_long_texts_are_cut_around_matches() {
        let text = format!("{} antibody at the end", "filler words here. ".repeat(30));
        let (s, n) = snippet(&text, &[vec![Matcher::Fuzzy("antibdoy".into(), 2)]]);
        assert_eq!(n, 1);
        assert!(
            s.starts_with('…') && s.contains("<mark>antibody</mark>"),
            "{s}"
        );
        assert!(s.chars().count() <= MAX_CHARS + 2 + "<mark></mark>".len());
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
