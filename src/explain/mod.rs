//! Explanations: the WHY tree of a determination, and its renderings as readable prose ([`text`]) and
//! Graphviz ([`dot`], drawn as a picture by [`svg`]); [`record`] keeps a determination in the store and
//! reads it back.
//!
//! The tree: determination -> criteria (recursively, with operands) -> the patient facts each leaf was
//! decided on (a `derived-fact` with its `rule` when the fact matched through the concept hierarchy)
//! and the statements supporting or opposing it -> the sources they cite -> the passages they rest on.
//! Caveats, monitoring requirements and the regimen check are `rule` nodes under the determination.
//! Every path ends in a patient fact or a passage (with its source's title and identifiers).

mod cite;
pub mod dot;
pub mod record;
pub mod svg;
pub mod text;
mod why;

use crate::case::Fact;
use crate::evaluate::{CriterionReport, Report, SourceInfo, StatementInfo};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A determination with its WHY tree: the full JSON answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    /// Everything but the tree.
    #[serde(flatten)]
    pub report: Report,
    /// The WHY tree. In the JSON answer it refers to the answer's catalogues instead of repeating
    /// them ([`WhyNode::by_reference`]); read back, it is rebuilt from the report ([`answer`]).
    #[serde(serialize_with = "serialize_by_reference")]
    pub why: WhyNode,
}

fn serialize_by_reference<S: serde::Serializer>(why: &WhyNode, s: S) -> Result<S::Ok, S::Error> {
    why.by_reference().serialize(s)
}

/// The kinds of node in a WHY tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// The determination (root).
    Determination,
    /// A policy criterion.
    Criterion,
    /// A patient fact from the case.
    Fact,
    /// A fact concluded from a patient fact by a rule (e.g. the concept hierarchy).
    DerivedFact,
    /// A rule: concept hierarchy step, caveat, monitoring requirement, regimen.
    Rule,
    /// A curated statement.
    Statement,
    /// A source a statement cites.
    Source,
    /// A verbatim passage of a source.
    Passage,
}

/// A source as shown on a passage node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceRef {
    /// IRI.
    pub iri: String,
    /// Title.
    pub title: String,
    /// Identifiers as `PMID 123` (verified ones only carry values).
    pub identifiers: Vec<String>,
}

/// One node of the WHY tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WhyNode {
    /// Kind.
    pub kind: NodeKind,
    /// IRI of the thing shown.
    pub iri: String,
    /// Short label (left out in the JSON answer where a catalogue holds it: see
    /// [`WhyNode::by_reference`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// What it says (left out in the JSON answer where a catalogue holds it).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// Status (criteria: met / not-met / unknown; statements: review status; rules: triggered…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Relation to the parent (`supports`, `opposes`, `caveat`, `monitoring`, `regimen` …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// For passages: the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
    /// For facts: the JSON path in the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A repeated subtree: this criterion, statement or derived fact is shown in full at its first
    /// occurrence in the tree (depth first) and only referred to here, without children.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
    /// Sub-reasons.
    #[serde(default)]
    pub children: Vec<WhyNode>,
}

impl WhyNode {
    pub(crate) fn new(
        kind: NodeKind,
        iri: &str,
        label: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            iri: iri.to_owned(),
            label: label.into(),
            text: text.into(),
            status: None,
            role: None,
            source: None,
            path: None,
            shared: false,
            children: Vec::new(),
        }
    }

    pub(crate) fn with(mut self, status: Option<String>, role: Option<&str>) -> Self {
        self.status = status;
        self.role = role.map(str::to_owned);
        self
    }

    /// Keeps the first occurrence (depth first) of every criterion, statement and passage in full and
    /// turns later ones into references (`shared`: kind, IRI, label, status and role only), so that a
    /// subtree used by several parents is written once. (Sources and derived facts are not shared:
    /// their children depend on the statement or fact above them.)
    fn share_repeated(&mut self, seen: &mut std::collections::HashSet<(NodeKind, String)>) {
        let repeatable = matches!(
            self.kind,
            NodeKind::Criterion | NodeKind::Statement | NodeKind::Passage
        );
        if repeatable && !seen.insert((self.kind, self.iri.clone())) {
            self.shared = true;
            self.children.clear();
            self.text.clear();
            self.source = None;
            return;
        }
        for c in &mut self.children {
            c.share_repeated(seen);
        }
    }

    /// The tree as the JSON answer carries it: what the answer's catalogues already say is not
    /// repeated on every node that shows it — a statement's, source's or passage's label and text
    /// (`statements`, `sources`, `passages`, found by `iri`) and a criterion's reason (`criteria`).
    /// Facts, derived facts, rules and the determination keep theirs: no catalogue holds them.
    pub fn by_reference(&self) -> WhyNode {
        let mut node = WhyNode {
            children: self.children.iter().map(WhyNode::by_reference).collect(),
            ..self.clone_without_children()
        };
        match node.kind {
            NodeKind::Statement | NodeKind::Source | NodeKind::Passage => {
                node.label.clear();
                node.text.clear();
                node.source = None;
            }
            NodeKind::Criterion => node.text.clear(),
            _ => {}
        }
        node
    }

    fn clone_without_children(&self) -> WhyNode {
        WhyNode {
            kind: self.kind,
            iri: self.iri.clone(),
            label: self.label.clone(),
            text: self.text.clone(),
            status: self.status.clone(),
            role: self.role.clone(),
            source: self.source.clone(),
            path: self.path.clone(),
            shared: self.shared,
            children: Vec::new(),
        }
    }

    /// Every path from this node to a leaf, as the leaves' kinds (for checking explanations).
    pub fn leaf_kinds(&self) -> Vec<NodeKind> {
        if self.children.is_empty() {
            return vec![self.kind];
        }
        self.children.iter().flat_map(WhyNode::leaf_kinds).collect()
    }
}

/// Indexes over a report, for building trees and prose.
pub struct Index<'a> {
    /// The report.
    pub report: &'a Report,
    /// Criteria by IRI.
    pub criteria: HashMap<&'a str, &'a CriterionReport>,
    /// Statements by IRI.
    pub statements: HashMap<&'a str, &'a StatementInfo>,
    /// Sources by IRI.
    pub sources: HashMap<&'a str, &'a SourceInfo>,
    /// Facts by IRI.
    pub facts: HashMap<&'a str, &'a Fact>,
}

impl<'a> Index<'a> {
    /// Indexes a report.
    pub fn new(report: &'a Report) -> Self {
        Self {
            report,
            criteria: report
                .criteria
                .iter()
                .map(|c| (c.iri.as_str(), c))
                .collect(),
            statements: report
                .statements
                .iter()
                .map(|s| (s.iri.as_str(), s))
                .collect(),
            sources: report.sources.iter().map(|s| (s.iri.as_str(), s)).collect(),
            facts: report.facts.iter().map(|f| (f.iri.as_str(), f)).collect(),
        }
    }

    /// A concept's label as the report knows it (from criteria, facts' requests, policy), else its slug.
    pub fn concept_label(&self, iri: &str) -> String {
        self.report
            .criteria
            .iter()
            .filter_map(|c| c.concept.as_ref())
            .chain(&self.report.policy.applies_to)
            .chain(&self.report.policy.population)
            .find(|c| c.iri == iri)
            .map(|c| c.label.clone())
            .or_else(|| {
                self.report
                    .missing
                    .iter()
                    .find(|m| m.concept == iri)
                    .map(|m| m.label.clone())
            })
            .unwrap_or_else(|| {
                iri.rsplit(['/', '#'])
                    .next()
                    .unwrap_or(iri)
                    .replace('-', " ")
            })
    }

    /// Identifiers of a source as text: `PMID 29618462`, `DOI unverified`.
    pub fn identifiers(&self, source: &SourceInfo) -> Vec<String> {
        source
            .identifiers
            .iter()
            .map(|i| match &i.value {
                Some(v) => format!("{} {v}", short_scheme(&i.scheme)),
                None => format!("{} {}", short_scheme(&i.scheme), i.status),
            })
            .collect()
    }
}

fn short_scheme(scheme: &str) -> String {
    match (scheme.find('('), scheme.find(')')) {
        (Some(a), Some(b)) if b > a => scheme[a + 1..b].to_owned(),
        _ => scheme.to_owned(),
    }
}

/// Builds the WHY tree of a report.
pub fn answer(report: Report) -> Answer {
    let mut why = why::build(&Index::new(&report));
    why.share_repeated(&mut std::collections::HashSet::new());
    Answer { report, why }
}

/// A value's serde name (`not-met`, `necessary`).
pub fn serde_plain<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
