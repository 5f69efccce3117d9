//! The answer as readable prose, in the manner of the seed answer: recommendation, rationale, standard
//! of care (strength of the evidence), caveats and monitoring, conclusion — every sentence followed by
//! numbered citations `[n]`, and a reference list giving each cited passage verbatim with its source's
//! title and identifiers.
//!
//! A sentence about a criterion, caveat or rule cites the passages of the statements that support it
//! and count; when none counts it cites all of them and says so ("pending human review").
//!
//! Two levels of detail: [`render`] gives everything (every criterion down to the facts, every
//! indirect, flagged and opposing statement, notes, and each reference's passage verbatim);
//! [`render_summary`] stops one level below the roots, names the other evidence by count, and lists
//! references by source and section — a page a clinician reads, with the full detail one request away.

use super::{Answer, Index};
use crate::evaluate::{CriterionReport, EvidenceRef, Status};
use std::collections::HashMap;
use std::fmt::Write;

/// The summary's mark for a citation resting only on statements pending review (explained once).
const PENDING_MARK: &str = "†";

struct Citations<'a> {
    ix: &'a Index<'a>,
    numbers: HashMap<String, usize>,
    order: Vec<String>,
    /// Number citations by source (the summary) instead of by passage (full detail).
    by_source: bool,
}

impl<'a> Citations<'a> {
    /// `[1][2]` for the passages of the given statements (counting ones first).
    fn cite(&mut self, statements: &[&str]) -> String {
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

    fn cite_refs(&mut self, refs: &[EvidenceRef]) -> String {
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

fn sentence(text: &str, cites: &str) -> String {
    let t = text.trim_end_matches(['.', ' ']);
    if cites.is_empty() {
        format!("{t}.")
    } else {
        format!("{t}. {cites}")
    }
}

/// Renders an answer as prose, in full detail.
pub fn render(answer: &Answer) -> String {
    render_detail(answer, true)
}

/// Renders an answer as a one-page summary (criteria one level down, references without quotes).
pub fn render_summary(answer: &Answer) -> String {
    render_detail(answer, false)
}

fn render_detail(answer: &Answer, full: bool) -> String {
    let r = &answer.report;
    let ix = Index::new(r);
    let mut c = Citations {
        ix: &ix,
        numbers: HashMap::new(),
        order: Vec::new(),
        by_source: !full,
    };
    let mut out = String::new();
    let what = r
        .request
        .as_ref()
        .and_then(|q| q.text.clone())
        .unwrap_or_else(|| "The intervention".into());
    let timing = r
        .request
        .as_ref()
        .and_then(|q| q.timing.clone())
        .map(|t| format!(" {t}"))
        .unwrap_or_default();
    let _ = writeln!(out, "{what}{timing}: Medical Necessity Assessment\n");
    let policy_status = r
        .policy
        .review_status
        .as_deref()
        .unwrap_or("no review status");
    if full {
        let _ = writeln!(
            out,
            "Policy: {} ({policy_status}). Evaluated as of {}. Review: {}.\n",
            r.policy.label, r.as_of, r.review
        );
    } else {
        // the recommendation names the policy and the date
        let _ = writeln!(out, "Policy {policy_status}; review: {}.\n", r.review);
    }
    if !full {
        let _ = writeln!(
            out,
            "{PENDING_MARK} cites only statements pending human review; full detail: detail=full.\n"
        );
    }

    let decisive_root = r
        .evidence
        .chains
        .first()
        .and_then(|ch| ch.path.first())
        .cloned();
    let root_refs: Vec<EvidenceRef> = decisive_root
        .as_deref()
        .and_then(|root| ix.criteria.get(root))
        .map(|c| c.evidence.clone())
        .unwrap_or_default();
    let _ = writeln!(out, "Recommendation\n");
    let cites = c.cite_refs(&root_refs);
    let _ = writeln!(out, "{}\n", sentence(&r.summary, &cites));

    let _ = writeln!(out, "Rationale\n");
    for top in r.criteria.iter().filter(|k| is_top(r, k)) {
        rationale(&mut out, &mut c, &ix, top, 0, full);
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "Standard of Care and Strength of the Evidence\n");
    if let Some(w) = &r.evidence.weakest {
        let label = ix
            .criteria
            .get(w.criterion.as_str())
            .map(|k| k.label.clone())
            .unwrap_or_default();
        let design = w
            .design
            .as_ref()
            .map(|d| format!("; its best source is a {}", d.label.to_lowercase()))
            .unwrap_or_default();
        let cites = c.cite(&w.statement.iter().map(String::as_str).collect::<Vec<_>>());
        let _ = writeln!(
            out,
            "- {}",
            sentence(
                &format!(
                    "The weakest link of the reasoning is \"{label}\": {}{design}",
                    w.reason
                ),
                &cites
            )
        );
    }
    if !full {
        let counts = [
            (r.evidence.indirect.len(), "indirect"),
            (r.evidence.flagged.len(), "flagged"),
        ];
        let listed: Vec<String> = counts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if !listed.is_empty() {
            let _ = writeln!(
                out,
                "Not shown: {} statements (detail=full).",
                listed.join(", ")
            );
        }
    }
    for s in r.evidence.indirect.iter().filter(|_| full) {
        let cites = c.cite(&[s.statement.as_str()]);
        let _ = writeln!(
            out,
            "- {}",
            sentence(
                &format!("Indirect evidence — \"{}\": {}", s.label, s.reason),
                &cites
            )
        );
    }
    for s in r.evidence.flagged.iter().filter(|_| full) {
        let cites = c.cite(&[s.statement.as_str()]);
        let _ = writeln!(
            out,
            "- {}",
            sentence(
                &format!("Flagged by curators — \"{}\": {}", s.label, s.reason),
                &cites
            )
        );
    }
    let shown_under_roots: Vec<&str> = r
        .criteria
        .iter()
        .filter(|k| is_top(r, k))
        .flat_map(|k| k.evidence.iter())
        .filter(|e| e.role == "opposes")
        .map(|e| e.statement.as_str())
        .collect();
    for s in r
        .evidence
        .opposing
        .iter()
        .filter(|s| full || !shown_under_roots.contains(&s.statement.as_str()))
    {
        let text = ix
            .statements
            .get(s.statement.as_str())
            .map(|i| {
                if full {
                    i.text.clone()
                } else {
                    i.label.clone()
                }
            })
            .unwrap_or_default();
        let cites = c.cite(&[s.statement.as_str()]);
        let _ = writeln!(
            out,
            "- {}",
            sentence(&format!("Opposing evidence: {text}"), &cites)
        );
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "Critical Caveats and Monitoring\n");
    for cav in &r.caveats {
        let cites = c.cite_refs(&cav.evidence);
        let prefix = if cav.status == "possible" {
            "Possibly applicable (a trigger is unknown): "
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "- {}",
            sentence(&format!("{prefix}{}", cav.text), &cites)
        );
    }
    for w in &r.withheld {
        let cites = c.cite_refs(&w.evidence);
        let _ = writeln!(
            out,
            "- {}",
            sentence(&format!("Not counted ({}): {}", w.reason, w.text), &cites)
        );
    }
    for m in &r.monitoring {
        let cites = c.cite_refs(&m.evidence);
        let text = m
            .note
            .clone()
            .unwrap_or_else(|| format!("{} — up to date", m.text));
        let _ = writeln!(out, "- {}", sentence(&text, &cites));
    }
    for g in &r.regimen {
        let cites = c.cite_refs(&g.evidence);
        let text = g.note.clone().unwrap_or_else(|| {
            format!("The requested interval is consistent with \"{}\"", g.label)
        });
        let _ = writeln!(out, "- {}", sentence(&text, &cites));
    }
    if !full && !r.missing.is_empty() {
        let items: Vec<String> = r
            .missing
            .iter()
            .map(|m| match m.detail.first() {
                Some(d) if d != "not mentioned in the case" => format!("{} ({d})", m.label),
                _ => m.label.clone(),
            })
            .collect();
        let _ = writeln!(
            out,
            "\nMissing from the case, needed to decide the criteria above: {}.",
            items.join("; ")
        );
    }
    for m in r.missing.iter().filter(|_| full) {
        let mut refs = Vec::new();
        for k in &m.needed_by {
            if let Some(cr) = ix.criteria.get(k.as_str()) {
                refs.extend(cr.evidence.iter().cloned());
            }
        }
        let cites = c.cite_refs(&refs);
        let text = format!(
            "Missing from the case: {} ({}) — needed for {}",
            m.label,
            m.detail.join("; "),
            m.needed_for.join(", ")
        );
        let _ = writeln!(out, "- {}", sentence(&text, &cites));
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "Conclusion on Medical Necessity\n");
    let cites = c.cite_refs(&root_refs);
    let because = r.reasons.last().cloned().unwrap_or_default();
    let conclusion = if full {
        format!(
            "{what} is {}: {because}. This answer is {}",
            r.determination.words(),
            r.review
        )
    } else {
        format!("{what} is {} ({})", r.determination.words(), r.review)
    };
    let _ = writeln!(out, "{}\n", sentence(&conclusion, &cites));
    let rendered: Vec<&String> = r
        .monitoring
        .iter()
        .filter_map(|m| m.note.as_ref())
        .chain(r.regimen.iter().filter_map(|g| g.note.as_ref()))
        .collect();
    for n in r
        .notes
        .iter()
        .filter(|n| !rendered.contains(n))
        .filter(|_| full)
    {
        let _ = writeln!(out, "Note: {n}");
    }
    if !r.unrecognised.is_empty() {
        let _ = writeln!(out, "\nNot recognised:");
        for u in &r.unrecognised {
            let _ = writeln!(
                out,
                "- {} {} at {}: {}",
                u.system.as_deref().unwrap_or("(no system)"),
                u.code.as_deref().unwrap_or("(no code)"),
                u.path,
                u.reason
            );
        }
    }

    let _ = writeln!(out, "\nReferences\n");
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
            let ids = if ids.is_empty() {
                "no verified identifier".to_owned()
            } else {
                ids.join("; ")
            };
            let _ = writeln!(out, "[{}] {} ({ids})", i + 1, short_title(&title));
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
    out
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

fn is_top(r: &crate::evaluate::Report, k: &CriterionReport) -> bool {
    (k.roles
        .iter()
        .any(|x| x == "initiation" || x == "discontinuation"))
        && !r.criteria.iter().any(|p| p.children.contains(&k.iri))
}

fn rationale(
    out: &mut String,
    c: &mut Citations<'_>,
    ix: &Index<'_>,
    k: &CriterionReport,
    depth: usize,
    full: bool,
) {
    let indent = "  ".repeat(depth);
    let cites = c.cite_refs(&k.evidence);
    let status = match (k.status, k.computed_status, k.supported) {
        (Status::Unknown, computed, false) if computed != Status::Unknown && !full => {
            format!("{} by the facts, pending review", computed.words())
        }
        (Status::Unknown, computed, false) if computed != Status::Unknown => {
            format!(
                "counted as unknown (the facts say {}, but no supporting statement counts)",
                computed.words()
            )
        }
        (s, _, _) => s.words().to_owned(),
    };
    let line = if full || (depth == 0 && k.children.is_empty()) {
        let reason = if full {
            k.reason.as_str()
        } else {
            k.reason.split(" — but none").next().unwrap_or_default()
        };
        format!("{}: {status} — {reason}", k.label)
    } else {
        format!("{}: {status}", k.label)
    };
    let _ = writeln!(out, "{indent}- {}", sentence(&line, &cites));
    for u in k.facts.iter().filter(|_| full) {
        let Some(f) = ix.facts.get(u.fact.as_str()) else {
            continue;
        };
        let via = if u.derivation.len() > 1 {
            let chain: Vec<String> = u.derivation.iter().map(|x| ix.concept_label(x)).collect();
            format!(", which counts through {}", chain.join(" → "))
        } else {
            String::new()
        };
        let detail = u
            .detail
            .as_ref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{indent}  - {}",
            sentence(
                &format!(
                    "The case records {} ({}){via}{detail}",
                    f.describe(),
                    u.role
                ),
                &cites
            )
        );
    }
    for e in k
        .evidence
        .iter()
        .filter(|e| e.role == "opposes" && (full || depth == 0))
    {
        if let Some(s) = ix.statements.get(e.statement.as_str()) {
            let cites = c.cite(&[s.iri.as_str()]);
            let _ = writeln!(
                out,
                "{indent}  - {}",
                sentence(
                    &format!("Against this: {}", if full { &s.text } else { &s.label }),
                    &cites
                )
            );
        }
    }
    if !full && depth >= 1 {
        return;
    }
    for child in &k.children {
        if let Some(ck) = ix.criteria.get(child.as_str()) {
            rationale(out, c, ix, ck, depth + 1, full);
        }
    }
}
