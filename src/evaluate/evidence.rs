//! The evidence behind a policy, read from the graph: statements (review status, certainty, stance,
//! flags, population), the sources they cite (design, population, identifiers) and the passages they
//! rest on — plus which statements count as support under the review gate, and which are indirect
//! under the policy's population.
//!
//! Review gate: a statement COUNTS as support when it is `wr:Approved`, or — with `includePending` —
//! when it is anything but `wr:Rejected` (submitted, under review, or without a status). Rejected
//! statements never count.
//!
//! Indirectness (the vocabulary's rule at `wr:population`): a statement is indirect under a policy
//! when it has population values — its own `wr:population`, else those of the sources it cites — and
//! none of them is the policy's population concept or broader or narrower than it. With several cited
//! sources the statement is indirect only when no cited source with a population is direct. When a
//! policy names no population, the patient's own concepts stand in for it.

use super::cited::{FlagInfo, IdentifierInfo, Indirect, PassageInfo, SourceInfo, StatementInfo};
use super::graph::Nodes;
use super::report::ConceptRef;
use super::report::Level;
use crate::case::Hierarchy;
use crate::store::{StoreError, WarrantStore};
use crate::vocab::{DCT_TITLE, std_terms, wr};
use oxigraph::model::vocab::rdf;
use std::collections::{BTreeMap, BTreeSet};

/// Everything read about the evidence of one evaluation.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Statements by IRI.
    pub statements: BTreeMap<String, StatementInfo>,
    /// Sources by IRI.
    pub sources: BTreeMap<String, SourceInfo>,
    /// Passages by IRI.
    pub passages: BTreeMap<String, PassageInfo>,
}

/// What decides indirectness: the reference population concepts.
pub struct PopulationTest<'a> {
    /// Population concepts of the policy (or of the patient).
    pub reference: Vec<String>,
    /// The hierarchy, with every population concept loaded.
    pub hierarchy: &'a Hierarchy,
}

impl PopulationTest<'_> {
    fn related(&self, concept: &str) -> bool {
        self.reference
            .iter()
            .any(|r| self.hierarchy.subsumes(r, concept) || self.hierarchy.subsumes(concept, r))
    }

    fn refs(&self, concepts: &[String]) -> Vec<ConceptRef> {
        concepts
            .iter()
            .map(|c| ConceptRef::new(c, self.hierarchy))
            .collect()
    }
}

/// Properties followed from statements to what describes them (flags, sources, passages, levels…).
const FOLLOW: &[oxigraph::model::NamedNodeRef<'static>] = &[
    wr::FLAG,
    std_terms::CITES_AS_EVIDENCE,
    wr::RESTS_ON,
    wr::CERTAINTY,
    wr::EVIDENCE_TYPE,
    wr::STANCE,
    wr::REVIEW_STATUS,
    wr::FLAG_TYPE,
    wr::IN_SOURCE,
    wr::IDENTIFIER,
    rdf::TYPE,
    wr::IDENTIFIER_STATUS,
    wr::IDENTIFIER_SCHEME,
    wr::VERIFICATION_STATUS,
    wr::SEED_CITATION,
];

/// Reads statements (and their sources, passages, flags) layer by layer (one query per layer).
pub fn load(
    store: &WarrantStore,
    nodes: &mut Nodes,
    statements: &BTreeSet<String>,
    include_pending: bool,
) -> Result<Evidence, StoreError> {
    let list: Vec<String> = statements.iter().cloned().collect();
    let mut layer = list.clone();
    for _ in 0..5 {
        if layer.is_empty() {
            break;
        }
        nodes.fetch(store, layer.clone())?;
        layer = nodes.neighbours(&layer, FOLLOW);
    }
    let mut evidence = Evidence::default();
    for s in &list {
        if !nodes.knows(s) {
            continue;
        }
        let review = nodes.iri(s, wr::REVIEW_STATUS);
        let approved = review.as_deref() == Some(wr::APPROVED.as_str());
        let rejected = review.as_deref() == Some(wr::REJECTED.as_str());
        let cites = nodes.iris(s, std_terms::CITES_AS_EVIDENCE);
        let rests_on = nodes.iris(s, wr::RESTS_ON);
        for src in &cites {
            add_source(nodes, src, &mut evidence);
        }
        for p in &rests_on {
            let source = nodes.iri(p, wr::IN_SOURCE).unwrap_or_default();
            add_source(nodes, &source, &mut evidence);
            for cited in nodes.iris(p, wr::SEED_CITATION) {
                add_source(nodes, &cited, &mut evidence);
            }
            evidence.passages.insert(
                p.clone(),
                PassageInfo {
                    iri: p.clone(),
                    text: nodes.text(p, wr::TEXT).unwrap_or_default(),
                    source,
                    position: nodes.integer(p, wr::POSITION),
                    section: nodes.text(p, wr::SECTION),
                    marker: nodes.text(p, wr::CITATION_MARKER),
                    seed_citations: nodes.iris(p, wr::SEED_CITATION),
                },
            );
        }
        let flags = nodes
            .iris(s, wr::FLAG)
            .iter()
            .map(|f| FlagInfo {
                kind: nodes
                    .iri(f, wr::FLAG_TYPE)
                    .map(|t| nodes.label(&t))
                    .unwrap_or_else(|| "flag".into()),
                reason: nodes.text(f, wr::FLAG_REASON).unwrap_or_default(),
            })
            .collect();
        evidence.statements.insert(
            s.clone(),
            StatementInfo {
                iri: s.clone(),
                label: nodes.label(s),
                text: nodes.text(s, wr::TEXT).unwrap_or_default(),
                review_status: review
                    .as_deref()
                    .map(|r| nodes.label(r))
                    .unwrap_or_else(|| "no review status".into()),
                approved,
                rejected,
                counts: approved || (include_pending && !rejected),
                certainty: level(nodes, nodes.iri(s, wr::CERTAINTY), wr::RANK),
                evidence_type: nodes.iri(s, wr::EVIDENCE_TYPE).map(|t| nodes.label(&t)),
                stance: nodes.iri(s, wr::STANCE).map(|t| nodes.label(&t)),
                opposes: nodes.iri(s, wr::STANCE).as_deref() == Some(wr::OPPOSES.as_str()),
                population: nodes
                    .iris(s, wr::POPULATION)
                    .into_iter()
                    .map(|c| ConceptRef {
                        iri: c,
                        label: String::new(),
                    })
                    .collect(),
                cites,
                rests_on,
                flags,
                disputes: nodes.iris(s, std_terms::DISPUTES),
                correction_of: nodes.iri(s, wr::CORRECTION_OF),
                indirect: None,
            },
        );
    }
    Ok(evidence)
}

fn level(
    nodes: &Nodes,
    iri: Option<String>,
    rank: oxigraph::model::NamedNodeRef<'_>,
) -> Option<Level> {
    let iri = iri?;
    Some(Level {
        label: nodes.label(&iri),
        rank: nodes.integer(&iri, rank),
        iri,
    })
}

fn add_source(nodes: &Nodes, iri: &str, evidence: &mut Evidence) {
    if iri.is_empty() || evidence.sources.contains_key(iri) {
        return;
    }
    let design = nodes
        .iris(iri, rdf::TYPE)
        .into_iter()
        .filter(|t| nodes.integer(t, wr::DESIGN_RANK).is_some())
        .filter_map(|t| level(nodes, Some(t), wr::DESIGN_RANK))
        .min_by_key(|l| l.rank);
    let identifiers = nodes
        .iris(iri, wr::IDENTIFIER)
        .iter()
        .map(|id| IdentifierInfo {
            scheme: nodes
                .iri(id, wr::IDENTIFIER_SCHEME)
                .map(|s| nodes.label(&s))
                .unwrap_or_default(),
            value: nodes.text(id, wr::IDENTIFIER_VALUE),
            iri: nodes.iri(id, wr::IDENTIFIER_IRI),
            status: nodes
                .iri(id, wr::VERIFICATION_STATUS)
                .map(|s| nodes.label(&s))
                .unwrap_or_else(|| "unverified".into()),
        })
        .collect();
    evidence.sources.insert(
        iri.to_owned(),
        SourceInfo {
            iri: iri.to_owned(),
            title: nodes
                .text(iri, DCT_TITLE)
                .unwrap_or_else(|| nodes.label(iri)),
            design,
            population: nodes
                .iris(iri, wr::POPULATION)
                .into_iter()
                .map(|c| ConceptRef {
                    iri: c,
                    label: String::new(),
                })
                .collect(),
            identifiers,
            identifier_status: nodes
                .iri(iri, wr::IDENTIFIER_STATUS)
                .map(|s| nodes.label(&s)),
            citation: nodes.text(iri, std_terms::BIBLIOGRAPHIC_CITATION),
            date: nodes.text(iri, std_terms::DATE),
            seed_reference: nodes.integer(iri, wr::SEED_REFERENCE_NUMBER),
            indirect: false,
        },
    );
}

impl Evidence {
    /// Every population concept named by statements and sources (to load into the hierarchy).
    pub fn population_concepts(&self) -> Vec<String> {
        let mut out: BTreeSet<String> = BTreeSet::new();
        for s in self.statements.values() {
            out.extend(s.population.iter().map(|c| c.iri.clone()));
        }
        for s in self.sources.values() {
            out.extend(s.population.iter().map(|c| c.iri.clone()));
        }
        out.into_iter().collect()
    }

    /// Labels population concepts and decides indirectness for sources and statements.
    pub fn judge_populations(&mut self, test: &PopulationTest<'_>) {
        for source in self.sources.values_mut() {
            let pops: Vec<String> = source.population.iter().map(|c| c.iri.clone()).collect();
            source.population = test.refs(&pops);
            source.indirect = !pops.is_empty()
                && !test.reference.is_empty()
                && !pops.iter().any(|p| test.related(p));
        }
        for st in self.statements.values_mut() {
            let own: Vec<String> = st.population.iter().map(|c| c.iri.clone()).collect();
            st.population = test.refs(&own);
            if test.reference.is_empty() {
                continue;
            }
            let (pops, sources): (Vec<String>, Vec<String>) = if own.is_empty() {
                let with_pop: Vec<&SourceInfo> = st
                    .cites
                    .iter()
                    .filter_map(|c| self.sources.get(c))
                    .filter(|s| !s.population.is_empty())
                    .collect();
                if with_pop.is_empty() || with_pop.iter().any(|s| !s.indirect) {
                    continue;
                }
                (
                    with_pop
                        .iter()
                        .flat_map(|s| s.population.iter().map(|c| c.iri.clone()))
                        .collect(),
                    with_pop.iter().map(|s| s.iri.clone()).collect(),
                )
            } else {
                if own.iter().any(|p| test.related(p)) {
                    continue;
                }
                (own, Vec::new())
            };
            let mut unique = pops;
            unique.sort();
            unique.dedup();
            st.indirect = Some(Indirect {
                reason: format!(
                    "its population ({}) is neither the policy's population ({}) nor broader or narrower than it",
                    test.refs(&unique)
                        .iter()
                        .map(|c| c.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    test.refs(&test.reference)
                        .iter()
                        .map(|c| c.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                populations: test.refs(&unique),
                reference: test.refs(&test.reference),
                sources,
            });
        }
    }
}
