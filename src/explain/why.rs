//! Building the WHY tree from a report: the determination, then the initiation and discontinuation
//! criteria with their parts (role `needed` under all-of, `one of` under any-of, `must not hold` under
//! not), the facts each leaf was decided on (through a `derived-fact` and its
//! `rule` when the match went through the concept hierarchy) and the statements behind each node, each
//! statement with the sources it cites and the passages it rests on; then the caveats, monitoring
//! requirements, regimen check and withheld rules as `rule` nodes.

use super::{Index, NodeKind, SourceRef, WhyNode, serde_plain};
use crate::case::Fact;
use crate::evaluate::policy::Kind;
use crate::evaluate::{CriterionReport, FactUse, PassageInfo, SourceInfo, StatementInfo};

pub(super) fn build(ix: &Index<'_>) -> WhyNode {
    let r = ix.report;
    let mut root = WhyNode::new(
        NodeKind::Determination,
        &r.id,
        r.determination.words(),
        r.summary.clone(),
    )
    .with(Some(serde_plain(&r.determination)), None);
    let top: Vec<&CriterionReport> = r
        .criteria
        .iter()
        .filter(|c| {
            (c.roles.contains(&"initiation".to_owned())
                || c.roles.contains(&"discontinuation".to_owned()))
                && !r.criteria.iter().any(|p| p.children.contains(&c.iri))
        })
        .collect();
    for c in top {
        let role = if c.roles.contains(&"initiation".to_owned()) {
            "initiation"
        } else {
            "discontinuation"
        };
        root.children.push(criterion(ix, c, Some(role)));
    }
    for cav in &r.caveats {
        let mut node = WhyNode::new(
            NodeKind::Rule,
            &cav.iri,
            cav.label.clone(),
            cav.text.clone(),
        )
        .with(Some(cav.status.clone()), Some("caveat"));
        for t in &cav.triggered_by {
            if let Some(c) = ix.criteria.get(t.as_str()) {
                node.children.push(criterion(ix, c, Some("trigger")));
            }
        }
        node.children.extend(statements(
            ix,
            cav.evidence
                .iter()
                .map(|e| (e.statement.as_str(), e.role.as_str())),
        ));
        root.children.push(node);
    }
    for m in &r.monitoring {
        let mut node = WhyNode::new(
            NodeKind::Rule,
            &m.iri,
            m.label.clone(),
            m.note.clone().unwrap_or_else(|| m.text.clone()),
        )
        .with(Some(serde_plain(&m.status)), Some("monitoring"));
        for t in &m.check {
            if let Some(c) = ix.criteria.get(t.as_str()) {
                node.children.push(criterion(ix, c, Some("check")));
            }
        }
        node.children.extend(statements(
            ix,
            m.evidence
                .iter()
                .map(|e| (e.statement.as_str(), e.role.as_str())),
        ));
        root.children.push(node);
    }
    for g in &r.regimen {
        let status = match g.consistent {
            Some(true) => "consistent",
            Some(false) => "deviates",
            None => "interval unknown",
        };
        let mut node = WhyNode::new(
            NodeKind::Rule,
            &g.iri,
            g.label.clone(),
            g.note.clone().unwrap_or_else(|| g.text.clone()),
        )
        .with(Some(status.into()), Some("regimen"));
        if let Some(req) = &r.request {
            if let Some(f) = ix.facts.get(req.fact.as_str()) {
                node.children.push(fact(f, Some("requested")));
            }
        }
        node.children.extend(statements(
            ix,
            g.evidence
                .iter()
                .map(|e| (e.statement.as_str(), e.role.as_str())),
        ));
        root.children.push(node);
    }
    for w in &r.withheld {
        let mut node = WhyNode::new(
            NodeKind::Rule,
            &w.iri,
            w.label.clone(),
            format!("{} (withheld: {})", w.text, w.reason),
        )
        .with(Some("withheld".into()), Some(w.kind.as_str()));
        node.children.extend(statements(
            ix,
            w.evidence
                .iter()
                .map(|e| (e.statement.as_str(), e.role.as_str())),
        ));
        root.children.push(node);
    }
    root
}

fn criterion(ix: &Index<'_>, c: &CriterionReport, role: Option<&str>) -> WhyNode {
    let mut node = WhyNode::new(
        NodeKind::Criterion,
        &c.iri,
        c.label.clone(),
        c.reason.clone(),
    )
    .with(Some(serde_plain(&c.status)), role);
    // how a part serves its composite, in words a clinician reads on the drawn tree's edges
    let part = match c.kind {
        Kind::AllOf => "needed",
        Kind::AnyOf => "one of",
        Kind::Not => "must not hold",
        _ => "part",
    };
    for child in &c.children {
        if let Some(cc) = ix.criteria.get(child.as_str()) {
            node.children.push(criterion(ix, cc, Some(part)));
        }
    }
    for u in &c.facts {
        if let Some(f) = ix.facts.get(u.fact.as_str()) {
            node.children.push(fact_use(ix, f, u));
        }
    }
    node.children.extend(statements(
        ix,
        c.evidence
            .iter()
            .map(|e| (e.statement.as_str(), e.role.as_str())),
    ));
    node
}

fn fact(f: &Fact, role: Option<&str>) -> WhyNode {
    let mut text = f.describe();
    for s in [&f.status, &f.clinical_status, &f.verification_status]
        .into_iter()
        .flatten()
    {
        text.push_str(&format!(", status {s}"));
    }
    if let Some(d) = &f.date {
        text.push_str(&format!(", dated {d}"));
    }
    if let Some(t) = &f.timing {
        text.push_str(&format!(", {t}"));
    }
    for c in &f.codings {
        let code = format!(
            "{} {}",
            c.system.as_deref().unwrap_or("?"),
            c.code.as_deref().unwrap_or("?")
        );
        match &c.resolution {
            Some(res) => {
                let how = if res.by_prefix {
                    format!(
                        " (narrower than listed {})",
                        res.listed.as_deref().unwrap_or("")
                    )
                } else {
                    String::new()
                };
                let to: Vec<String> = res
                    .denotes
                    .iter()
                    .map(|d| format!("{} {}", d.relation, d.concept))
                    .collect();
                text.push_str(&format!("; {code}{how} -> {}", to.join(", ")));
            }
            None => text.push_str(&format!("; {code} not recognised")),
        }
    }
    let mut node = WhyNode::new(NodeKind::Fact, &f.iri, f.describe(), text).with(None, role);
    node.path = Some(f.path.clone());
    node
}

fn fact_use(ix: &Index<'_>, f: &Fact, u: &FactUse) -> WhyNode {
    let base = fact(f, Some(u.role.as_str()));
    if u.derivation.len() < 2 {
        let mut node = base;
        if let Some(d) = &u.detail {
            node.text.push_str(&format!(" ({d})"));
        }
        return node;
    }
    let target = u.derivation.last().cloned().unwrap_or_default();
    let chain: Vec<String> = u.derivation.iter().map(|c| ix.concept_label(c)).collect();
    // the reasoner's record of the step when there is one (its proof: GET /why?s=&p=&o=), else the
    // hierarchy itself
    let mut rule = match u.recorded.first() {
        Some(r) => WhyNode::new(
            NodeKind::Rule,
            &r.derivation,
            format!(
                "recorded derivation: {} skos:broaderTransitive {} (rule {})",
                chain.first().cloned().unwrap_or_default(),
                chain.last().cloned().unwrap_or_default(),
                r.rule.rsplit('/').next().unwrap_or(&r.rule)
            ),
            format!(
                "{} (each is narrower than the next); derived by the reasoner with rule <{}> and recorded as <{}>",
                chain.join(" -> "),
                r.rule,
                r.derivation
            ),
        ),
        None => WhyNode::new(
            NodeKind::Rule,
            "http://www.w3.org/2004/02/skos/core#broader",
            "concept hierarchy (skos:broader)",
            format!("{} (each is narrower than the next)", chain.join(" -> ")),
        ),
    }
    .with(None, Some("derivation"));
    rule.children.push(base);
    let mut derived = WhyNode::new(
        NodeKind::DerivedFact,
        &target,
        format!("{}: {}", f.describe(), ix.concept_label(&target)),
        format!(
            "{} counts as {} because {}",
            f.describe(),
            ix.concept_label(&target),
            chain.join(" is a kind of ")
        ),
    )
    .with(None, Some(u.role.as_str()));
    derived.children.push(rule);
    derived
}

fn statements<'b>(ix: &Index<'_>, refs: impl Iterator<Item = (&'b str, &'b str)>) -> Vec<WhyNode> {
    refs.filter_map(|(iri, role)| ix.statements.get(iri).map(|s| statement(ix, s, role)))
        .collect()
}

fn statement(ix: &Index<'_>, s: &StatementInfo, role: &str) -> WhyNode {
    let mut text = s.text.clone();
    if let Some(c) = &s.certainty {
        text.push_str(&format!(" [{}]", c.label));
    }
    if !s.counts {
        text.push_str(" [does not count: not approved]");
    }
    for flag in &s.flags {
        text.push_str(&format!(" [flagged {}: {}]", flag.kind, flag.reason));
    }
    if let Some(ind) = &s.indirect {
        text.push_str(&format!(" [indirect: {}]", ind.reason));
    }
    let mut node = WhyNode::new(NodeKind::Statement, &s.iri, s.label.clone(), text)
        .with(Some(s.review_status.clone()), Some(role));
    let passages: Vec<_> = s
        .rests_on
        .iter()
        .filter_map(|p| ix.report.passages.iter().find(|x| &x.iri == p))
        .collect();
    let mut placed = vec![false; passages.len()];
    for src in &s.cites {
        let Some(info) = ix.sources.get(src.as_str()) else {
            continue;
        };
        let mut snode = WhyNode::new(
            NodeKind::Source,
            src,
            info.title.clone(),
            source_text(ix, info),
        );
        for (i, p) in passages.iter().enumerate() {
            if &p.source == src || p.seed_citations.contains(src) {
                placed[i] = true;
                snode.children.push(passage(ix, p));
            }
        }
        if !snode.children.is_empty() {
            node.children.push(snode);
        }
    }
    for (i, p) in passages.iter().enumerate() {
        if !placed[i] {
            node.children.push(passage(ix, p));
        }
    }
    node
}

/// A source's design, population, identifiers and citation as text.
pub fn source_text(ix: &Index<'_>, s: &SourceInfo) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &s.design {
        parts.push(d.label.clone());
    }
    if let Some(c) = &s.citation {
        parts.push(c.clone());
    }
    if !s.population.is_empty() {
        let pops: Vec<&str> = s.population.iter().map(|p| p.label.as_str()).collect();
        parts.push(format!("population: {}", pops.join(", ")));
    }
    parts.extend(ix.identifiers(s));
    if s.indirect {
        parts.push("indirect for this policy's population".into());
    }
    parts.join("; ")
}

fn passage(ix: &Index<'_>, p: &PassageInfo) -> WhyNode {
    let src = ix.sources.get(p.source.as_str());
    let title = src
        .map(|s| s.title.clone())
        .unwrap_or_else(|| p.source.clone());
    let label = match (&p.section, p.position) {
        (Some(sec), Some(pos)) => format!("{title} — {sec}, passage {pos}"),
        (None, Some(pos)) => format!("{title}, passage {pos}"),
        _ => title.clone(),
    };
    let mut node = WhyNode::new(NodeKind::Passage, &p.iri, label, p.text.clone());
    node.source = Some(SourceRef {
        iri: p.source.clone(),
        title,
        identifiers: src.map(|s| ix.identifiers(s)).unwrap_or_default(),
    });
    node
}
