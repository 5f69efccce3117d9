//! The evidence as the answer shows it: the catalogue of statements, sources and passages an
//! evaluation refers to, and the weak-link summary (chains, weakest link, indirect, flagged and
//! opposing statements). Serialisable both ways, like the rest of the report.

use super::report::{ConceptRef, Level};
use serde::{Deserialize, Serialize};

/// Weak links, indirect, flagged and opposing evidence.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceSummary {
    /// Each decisive chain (root to a deciding leaf) with its weakest link.
    pub chains: Vec<Chain>,
    /// The weakest link over all chains.
    pub weakest: Option<WeakLink>,
    /// Statements whose population differs from the policy's.
    pub indirect: Vec<UsedStatement>,
    /// Statements curators flagged.
    pub flagged: Vec<UsedStatement>,
    /// Statements that argue against the intervention or a criterion.
    pub opposing: Vec<UsedStatement>,
    /// The opposing statements of each criterion they bear on (criterion IRI -> statement IRIs).
    #[serde(default)]
    pub opposing_by_criterion: std::collections::BTreeMap<String, Vec<String>>,
}

/// A chain of criteria that decided the outcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chain {
    /// Criteria from the root to a leaf.
    pub path: Vec<String>,
    /// Its weakest link.
    pub weakest: WeakLink,
}

/// The weakest link of a chain: the criterion with the lowest certainty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeakLink {
    /// The criterion.
    pub criterion: String,
    /// Its certainty: its own `wr:certainty` or that of its best counting statement, whichever is lower.
    pub certainty: Option<Level>,
    /// Its best counting statement.
    pub statement: Option<String>,
    /// The strongest design among the sources that statement cites.
    pub design: Option<Level>,
    /// That source.
    pub source: Option<String>,
    /// Why it is the weakest, in words.
    pub reason: String,
}

/// A statement listed for a reason (indirect, flagged, opposing), with where it is used.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsedStatement {
    /// Statement IRI.
    pub statement: String,
    /// Its label.
    pub label: String,
    /// Criteria and rules that refer to it (or `about <concept>` / `disputes <statement>`).
    pub via: Vec<String>,
    /// Whether it counts under the review gate.
    pub counts: bool,
    /// Why it is listed.
    pub reason: String,
}

/// A curated statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatementInfo {
    /// IRI.
    pub iri: String,
    /// Label.
    pub label: String,
    /// The claim.
    pub text: String,
    /// Review status label.
    pub review_status: String,
    /// `wr:Approved`.
    pub approved: bool,
    /// `wr:Rejected`: never usable, not even as pending evidence.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rejected: bool,
    /// Counts as support under the review gate of this evaluation.
    pub counts: bool,
    /// GRADE certainty.
    pub certainty: Option<Level>,
    /// ECO evidence type label.
    pub evidence_type: Option<String>,
    /// Stance label.
    pub stance: Option<String>,
    /// `wr:stance wr:Opposes`.
    pub opposes: bool,
    /// Its own population.
    pub population: Vec<ConceptRef>,
    /// Cited sources.
    pub cites: Vec<String>,
    /// Passages it rests on.
    pub rests_on: Vec<String>,
    /// Curator flags.
    pub flags: Vec<FlagInfo>,
    /// Statements it disputes.
    pub disputes: Vec<String>,
    /// The flagged statement it corrects.
    pub correction_of: Option<String>,
    /// Set when it is indirect evidence under the policy.
    pub indirect: Option<Indirect>,
}

/// A curator's flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FlagInfo {
    /// Flag type label.
    pub kind: String,
    /// Reason.
    pub reason: String,
}

/// Why a statement is indirect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Indirect {
    /// The statement's (or its sources') populations.
    pub populations: Vec<ConceptRef>,
    /// The population it was compared with.
    pub reference: Vec<ConceptRef>,
    /// The sources whose population decided (empty when the statement's own did).
    pub sources: Vec<String>,
    /// In words.
    pub reason: String,
}

/// A source.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceInfo {
    /// IRI.
    pub iri: String,
    /// `dct:title`.
    pub title: String,
    /// Study design.
    pub design: Option<Level>,
    /// Population studied.
    pub population: Vec<ConceptRef>,
    /// Identifiers (values only when verified).
    pub identifiers: Vec<IdentifierInfo>,
    /// Summary of identifier verification.
    pub identifier_status: Option<String>,
    /// Bibliographic citation.
    pub citation: Option<String>,
    /// Date.
    pub date: Option<String>,
    /// Number under which the seed cites it.
    pub seed_reference: Option<i64>,
    /// Its population differs from the policy's.
    pub indirect: bool,
}

/// A bibliographic identifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentifierInfo {
    /// Scheme label (PMID, DOI).
    pub scheme: String,
    /// Value (verified only).
    pub value: Option<String>,
    /// Resolver IRI.
    pub iri: Option<String>,
    /// Verification status label.
    pub status: String,
}

/// A passage.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PassageInfo {
    /// IRI.
    pub iri: String,
    /// Verbatim text.
    pub text: String,
    /// The source it quotes.
    pub source: String,
    /// Ordinal in the source.
    pub position: Option<i64>,
    /// Heading path.
    pub section: Option<String>,
    /// Citation marker the citing text prints after it.
    pub marker: Option<String>,
    /// Sources its marker resolves to.
    pub seed_citations: Vec<String>,
}
