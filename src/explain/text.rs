//! The answer as readable prose (citation numbering and the reference list: [`super::cite`]), in the manner of the seed answer: recommendation, rationale, standard
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

use super::cite::{self, Citations, PENDING_MARK};
use super::{Answer, Index};
use crate::evaluate::{CriterionReport, EvidenceRef, Status};
use std::fmt::Write;

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
    let mut c = Citations::new(&ix, !full);
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
    cite::write_references(&mut out, &c, full);
    out
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
