//! Citation numbering and the reference list of the prose answer ([`super::text`]): each cited passage
//! (or, in the summary, each cited source) gets the next number at its first citation, and the list
//! gives each number its passage verbatim with its source's title and verified identifiers (the summary:
//! the source's short title and identifiers only).

use super::Index;
use crate::evaluate::EvidenceRef;
use std::collections::HashMap;
use std::fmt::Write;

/// The summary's mark for a citation resting only on statements pending review (explained once).
pub(super) const PENDING_MARK: &str = "†";

/// The citations made so far: the number of each cited passage (or source), in citation order.
pub(super) struct Citations<'a> {
    ix: &'a Index<'a>,
    numbers: HashMap<String, usize>,
    order: Vec<String>,
    /// Number citations by source (the summary) instead of by passage (full detail).
    by_source: bool,
}

impl<'a> Citations<'a> {
    /// No citation yet; `by_source` numbers sources (the summary) instead of passages.
    pub(super) fn new(ix: &'a Index<'a>, by_source: bool) -> Self {
        Self {
            ix,
            numbers: HashMap::new(),
            order: Vec::new(),
            by_source,
        }
    }

    /// `[1][2]` for the passages of the given statements (counting ones first).
    pub(super) fn cite(&mut self, statements: &[&str]) -> String {
        let counting: Vec<&str> = statements
            .iter()
            .copied()
            .filter(|s| self.ix.statements.get(s).is_some_and(|i| i.counts))
            .collect();
        let chosen = if counting.is_empty() {
            statements.to_vec()
        } else {
            counting
        };
        let mut out = String::new();
        for s in chosen {
            let Some(info) = self.ix.statements.get(s) else {
                continue;
            };
            for p in &info.rests_on {
                let next = self.order.len() + 1;
                let key = if self.by_source {
                    self.ix
                        .report
                        .passages
                        .iter()
                        .find(|x| &x.iri == p)
                        .map(|x| x.source.clone())
                        .unwrap_or_else(|| p.clone())
                } else {
                    p.clone()
                };
                let n = *self.numbers.entry(key).or_insert_with(|| next);
                if n == next {
                    self.order.push(p.clone());
                }
                let mark = format!("[{n}]");
                if !out.contains(&mark) {
                    out.push_str(&mark);
                }
            }
        }
        out
    }

    pub(super) fn cite_refs(&mut self, refs: &[EvidenceRef]) -> String {
        let list: Vec<&str> = refs
            .iter()
            .filter(|r| r.role == "supports")
            .map(|r| r.statement.as_str())
            .collect();
        let mut out = self.cite(&list);
        if !refs.iter().any(|r| r.counts && r.role == "supports") && !list.is_empty() {
            if self.by_source {
                out.push_str(PENDING_MARK);
            } else {
                out.push_str(" (pending human review)");
            }
        }
        out
    }
}

/// Writes the reference list of `c`'s citations, in citation order: in `full` detail every passage
/// verbatim with its source, section, identifiers and the references the passage itself cites; else
/// one line per source with its verified identifiers, and one closing line naming the references that
/// have none.
pub(super) fn write_references(out: &mut String, c: &Citations<'_>, full: bool) {
    let ix = c.ix;
    let r = ix.report;
    // the summary names the sources without a verified identifier once, after the list
    let mut unidentified: Vec<String> = Vec::new();
    for (i, p) in c.order.iter().enumerate() {
        let Some(passage) = r.passages.iter().find(|x| &x.iri == p) else {
            continue;
        };
        let source = ix.sources.get(passage.source.as_str());
        let title = source
            .map(|s| s.title.clone())
            .unwrap_or_else(|| passage.source.clone());
        let mut extra: Vec<String> = Vec::new();
        if let Some(sec) = &passage.section {
            extra.push(format!("section \"{sec}\""));
        }
        match source.map(|s| ix.identifiers(s)) {
            Some(ids) if !ids.is_empty() => extra.extend(ids),
            _ => extra.push("no verified identifier".into()),
        }
        let cited: Vec<String> = passage
            .seed_citations
            .iter()
            .filter_map(|c| ix.sources.get(c.as_str()))
            .map(|s| {
                let ids = ix.identifiers(s);
                let name = s.citation.clone().unwrap_or_else(|| s.title.clone());
                if ids.is_empty() {
                    name
                } else {
                    format!("{name}, {}", ids.join(", "))
                }
            })
            .collect();
        let cited = if cited.is_empty() {
            String::new()
        } else {
            format!("; the passage cites {}", cited.join(" and "))
        };
        if !full {
            let ids = source.map(|s| ix.identifiers(s)).unwrap_or_default();
            if ids.is_empty() {
                unidentified.push(format!("[{}]", i + 1));
                let _ = writeln!(out, "[{}] {}", i + 1, short_title(&title));
            } else {
                let _ = writeln!(
                    out,
                    "[{}] {} ({})",
                    i + 1,
                    short_title(&title),
                    ids.join("; ")
                );
            }
            continue;
        }
        let text = passage
            .text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let _ = writeln!(
            out,
            "[{}] \"{text}\" — {title} ({}){cited}",
            i + 1,
            extra.join("; ")
        );
    }
    if !unidentified.is_empty() {
        let _ = writeln!(out, "\nNo verified identifier: {}.", unidentified.join(" "));
    }
}

/// A title cut to its first words for the summary's reference list (the full title is in full detail).
fn short_title(title: &str) -> String {
    const WORDS: usize = 8;
    let words: Vec<&str> = title.split_whitespace().collect();
    if words.len() <= WORDS {
        return words.join(" ");
    }
    format!(
        "{}…",
        words[..WORDS]
            .join(" ")
            .trim_end_matches([',', ':', ';', '.', '—', '-', ' '])
    )
}
