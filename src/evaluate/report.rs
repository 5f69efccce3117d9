//! The answer of an evaluation as data: every field of the JSON response except the `why` tree
//! (which `explain` builds from it). Serialisable both ways, so a kept determination can be read back
//! and rendered again.

use super::cited::{EvidenceSummary, PassageInfo, SourceInfo, StatementInfo};
use super::policy::Kind;
use crate::case::{Day, Fact, Hierarchy, Ignored, Unrecognised};
use serde::{Deserialize, Serialize};

/// Three-valued status of a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The facts show it holds.
    Met,
    /// The facts show it does not hold.
    NotMet,
    /// A fact it needs is not known (or it has no counting support).
    Unknown,
}

impl Status {
    /// `met`, `not met`, `unknown`.
    pub fn words(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::NotMet => "not met",
            Self::Unknown => "unknown",
        }
    }
}

/// The determination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Initiation criteria met, discontinuation criteria not met.
    Necessary,
    /// Discontinuation criteria met, or initiation criteria not met.
    NotNecessary,
    /// Neither can be decided with the facts given.
    Indeterminate,
}

impl Outcome {
    /// `necessary`, `not necessary`, `indeterminate`.
    pub fn words(self) -> &'static str {
        match self {
            Self::Necessary => "necessary",
            Self::NotNecessary => "not necessary",
            Self::Indeterminate => "indeterminate",
        }
    }
}

/// A concept with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConceptRef {
    /// IRI.
    pub iri: String,
    /// `skos:prefLabel`.
    pub label: String,
}

impl ConceptRef {
    /// A concept labelled from the hierarchy.
    pub fn new(iri: &str, hierarchy: &Hierarchy) -> Self {
        Self {
            iri: iri.to_owned(),
            label: hierarchy.label(iri),
        }
    }
}

/// An ordered level: certainty (`wr:rank`) or study design (`wr:designRank`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    /// IRI of the level or design class.
    pub iri: String,
    /// Its label.
    pub label: String,
    /// Higher = stronger.
    pub rank: Option<i64>,
}

/// The answer, without the why tree.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// IRI of this determination.
    pub id: String,
    /// The outcome.
    pub determination: Outcome,
    /// One sentence saying what was decided and why.
    pub summary: String,
    /// What the determination would be with the statements pending review counted (set when
    /// pending statements were not allowed to count and some criterion lacks approved support).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_pending_counted: Option<PendingOutcome>,
    /// Evaluation date.
    pub as_of: Day,
    /// Whether non-approved statements were allowed to count.
    pub include_pending: bool,
    /// `pending human review` when the policy is not approved, pending statements counted or the
    /// answer read other unreviewed edits; else `approved`.
    pub review: String,
    /// The curated resources this answer read whose latest edits no reviewer approved (the policy,
    /// concepts and their code mappings, cited sources and passages): see [`super::unreviewed`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreviewed: Vec<super::unreviewed::Unreviewed>,
    /// The policy applied.
    pub policy: PolicyRef,
    /// The request evaluated.
    pub request: Option<RequestRef>,
    /// Why the outcome follows from the criteria, in words.
    pub reasons: Vec<String>,
    /// Every criterion of the policy, in tree order.
    pub criteria: Vec<CriterionReport>,
    /// Facts whose absence left criteria unknown.
    pub missing: Vec<Missing>,
    /// Triggered (or possibly applicable) caveats, each with the review status of its evidence.
    pub caveats: Vec<CaveatReport>,
    /// Monitoring requirements and their state.
    pub monitoring: Vec<MonitoringReport>,
    /// The regimen check.
    pub regimen: Vec<RegimenReport>,
    /// Caveats, monitoring requirements or regimens that apply but whose every supporting statement
    /// is rejected or absent (pending ones are reported, marked "pending review").
    pub withheld: Vec<Withheld>,
    /// Notes: policy review, pending evidence, regimen, monitoring, unusable values.
    pub notes: Vec<String>,
    /// Weak links, indirect and flagged evidence, opposing evidence.
    pub evidence: EvidenceSummary,
    /// IRI of the case.
    pub case: String,
    /// The case's facts as read and recognised.
    pub facts: Vec<Fact>,
    /// Codes the graph does not know.
    pub unrecognised: Vec<Unrecognised>,
    /// Input that takes no part in evaluation.
    pub ignored: Vec<Ignored>,
    /// Every statement referred to.
    pub statements: Vec<StatementInfo>,
    /// Every source referred to.
    pub sources: Vec<SourceInfo>,
    /// Every passage referred to.
    pub passages: Vec<PassageInfo>,
}

/// The determination the evidence pending review would give.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingOutcome {
    /// The outcome with statements pending review counted.
    pub determination: Outcome,
    /// The clause that decided it.
    pub reason: String,
    /// How many statements pending review the criteria rest on.
    pub pending_statements: usize,
}

/// The policy applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRef {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// Label of its `wr:reviewStatus`.
    pub review_status: Option<String>,
    /// Interventions it applies to.
    pub applies_to: Vec<ConceptRef>,
    /// Population it addresses.
    pub population: Vec<ConceptRef>,
}

/// The request evaluated.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRef {
    /// The fact (MedicationRequest).
    pub fact: String,
    /// Its text.
    pub text: Option<String>,
    /// Concepts it denotes directly.
    pub concepts: Vec<ConceptRef>,
    /// Dosing interval in days.
    pub interval_days: Option<f64>,
    /// The timing as written.
    pub timing: Option<String>,
}

/// How a fact was used by a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactUse {
    /// The fact's IRI.
    pub fact: String,
    /// What it showed (`present`, `taken now`, `satisfies` …).
    pub role: String,
    /// The criterion concept it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// From the fact's own concept up to the criterion's concept along `skos:broader` (empty when
    /// the fact denotes the concept directly).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub derivation: Vec<String>,
    /// The reasoner's recorded derivations of `{derivation[0]} skos:broaderTransitive {concept}`, the
    /// inference a match through the hierarchy rests on (empty when none is recorded: the reasoner is
    /// off, or its rule sets leave out `skos`). `GET /why?s=&p=&o=` gives each one's proof.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recorded: Vec<RecordedDerivation>,
    /// Value comparisons and the like.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A derivation the reasoner recorded (in the derivations graph).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDerivation {
    /// IRI of the derivation record.
    pub derivation: String,
    /// IRI of the rule applied.
    pub rule: String,
}

/// A leaf's evaluation.
#[derive(Debug, Clone)]
pub struct LeafOutcome {
    /// Status from the facts.
    pub status: Status,
    /// Facts used.
    pub facts: Vec<FactUse>,
    /// What is missing, when unknown for lack of facts.
    pub missing: Option<String>,
    /// Why, in words.
    pub reason: String,
    /// Values that could not be used (unit not convertible…).
    pub unusable: Vec<String>,
}

/// A statement as referred to from a criterion or rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceRef {
    /// Statement IRI.
    pub statement: String,
    /// `supports` or `opposes` (the criterion).
    pub role: String,
    /// Review status label.
    pub review_status: String,
    /// Whether it counts as support under the review gate.
    pub counts: bool,
}

/// One criterion's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CriterionReport {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// Kind.
    pub kind: Kind,
    /// `initiation`, `discontinuation`, `caveat`, `monitoring`.
    pub roles: Vec<String>,
    /// Operands.
    pub children: Vec<String>,
    /// Status used by the determination.
    pub status: Status,
    /// Status from the facts (leaf) or operands (composite), before the review gate.
    pub computed_status: Status,
    /// Whether at least one supporting statement counts.
    pub supported: bool,
    /// Tested concept.
    pub concept: Option<ConceptRef>,
    /// Why, in words.
    pub reason: String,
    /// Facts used.
    pub facts: Vec<FactUse>,
    /// Supporting and opposing statements.
    pub evidence: Vec<EvidenceRef>,
    /// Certainty of the argument the criterion encodes.
    pub certainty: Option<Level>,
    /// Missing fact, for an unknown leaf.
    pub missing: Option<String>,
    /// Values that could not be used.
    pub unusable: Vec<String>,
}

/// A missing fact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Missing {
    /// Concept.
    pub concept: String,
    /// Its label.
    pub label: String,
    /// Criteria left unknown by it.
    pub needed_by: Vec<String>,
    /// Roles of those criteria (`initiation`, `discontinuation`, `monitoring`, `caveat`).
    #[serde(rename = "for")]
    pub needed_for: Vec<String>,
    /// What exactly is missing.
    pub detail: Vec<String>,
}

/// A caveat reported with the determination.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaveatReport {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// What the reader is told.
    pub text: String,
    /// `triggered` or `possible` (a trigger unknown, none met).
    pub status: String,
    /// The trigger criteria that are met (or unknown, when possible).
    pub triggered_by: Vec<String>,
    /// `approved` when an approved statement supports it, `pending review` when only statements
    /// awaiting review do. Never gated: it is reported either way, with this status.
    #[serde(default)]
    pub review: String,
    /// Supporting statements.
    pub evidence: Vec<EvidenceRef>,
}

/// A monitoring requirement's state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitoringReport {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// What is required.
    pub text: String,
    /// The check criteria.
    pub check: Vec<String>,
    /// Their combined status.
    pub status: Status,
    /// The note shown when unknown or not met.
    pub note: Option<String>,
    /// `approved` when an approved statement supports it, `pending review` when only statements
    /// awaiting review do. Never gated: it is reported either way, with this status.
    #[serde(default)]
    pub review: String,
    /// Supporting statements.
    pub evidence: Vec<EvidenceRef>,
}

/// The requested interval against a regimen.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegimenReport {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// What the evidence recommends.
    pub text: String,
    /// `wr:recommendedInterval`.
    pub recommended: Option<String>,
    /// Accepted range in days.
    pub min_days: f64,
    /// Accepted range in days.
    pub max_days: f64,
    /// Requested interval in days.
    pub requested_days: Option<f64>,
    /// Requested timing as written.
    pub requested: Option<String>,
    /// Whether the request lies in the range (unknown without timing).
    pub consistent: Option<bool>,
    /// The regimen note, when the request deviates.
    pub note: Option<String>,
    /// `approved` when an approved statement supports it, `pending review` when only statements
    /// awaiting review do. Never gated: it is reported either way, with this status.
    #[serde(default)]
    pub review: String,
    /// Supporting statements.
    pub evidence: Vec<EvidenceRef>,
}

/// A rule that applies but is not reported as such for lack of counting support.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Withheld {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// `caveat`, `monitoring` or `regimen`.
    pub kind: String,
    /// What it would say.
    pub text: String,
    /// Why it is withheld.
    pub reason: String,
    /// Supporting statements (all rejected or absent).
    pub evidence: Vec<EvidenceRef>,
}
