//! Building the documents of the index from the graph, and finding which documents a change touches.
//!
//! Only the asserted content graphs are read — record graphs (catalog, change sets, derivations)
//! never — except for one inference: a document's concepts are widened with every broader concept
//! the reasoner derived (`skos:broaderTransitive`, from the `skos` rule set), so that search and
//! evaluation read one hierarchy, inferred in one place. The index reads it after the reasoner has
//! followed a change ([`crate::store::WriteObserver::reads_inferences`]), and is rebuilt after a
//! full materialisation (at start or after `warrant load`), so it is the same whether built at a
//! load or at a rebuild. Without the `skos` rule set, concepts are not widened.
//! A resource spread over several graphs is one document, and a resource whose last triple left the
//! asserted graphs has none. A resource is indexed by its explicit `rdf:type`, first match wins:
//! `wr:Passage` (its `wr:text`, source from `wr:inSource`), `wr:Statement` (`wr:text`, sources from
//! `cito:citesAsEvidence`, concepts from `wr:about`, `wr:reviewStatus`), `wr:Source` (`dct:title`,
//! `dct:creator`, concepts from `wr:population`, `wr:reviewStatus`) and `skos:Concept`
//! (`skos:prefLabel`, `skos:altLabel`). Documents embed the title of their first source and the
//! broader concepts, so a change to a source's title or to the concept hierarchy re-indexes the
//! documents that embed them ([`affected`]).

use crate::store::{Applied, StoreError, View, WarrantStore};
use crate::vocab;
use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, TermRef};
use std::collections::{BTreeSet, HashMap};

/// The kinds of indexed resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocType {
    /// `wr:Passage`.
    Passage,
    /// `wr:Statement`.
    Statement,
    /// `wr:Source`.
    Source,
    /// `skos:Concept`.
    Concept,
}

impl DocType {
    /// Every kind, in the order a resource's types are tried.
    pub const ALL: [DocType; 4] = [Self::Passage, Self::Statement, Self::Source, Self::Concept];

    /// The name used in the API and stored in the index: `passage`, `statement`, `source`, `concept`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Passage => "passage",
            Self::Statement => "statement",
            Self::Source => "source",
            Self::Concept => "concept",
        }
    }

    /// The RDF class of this kind.
    pub fn class(self) -> NamedNodeRef<'static> {
        match self {
            Self::Passage => vocab::PASSAGE,
            Self::Statement => vocab::STATEMENT,
            Self::Source => vocab::SOURCE,
            Self::Concept => vocab::SKOS_CONCEPT,
        }
    }

    /// A kind from its name (any case, singular or plural) or its class IRI.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        Self::ALL.into_iter().find(|t| {
            value == t.class().as_str()
                || value.eq_ignore_ascii_case(t.as_str())
                || value
                    .strip_suffix('s')
                    .is_some_and(|v| v.eq_ignore_ascii_case(t.as_str()))
        })
    }
}

/// What the index holds about one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocData {
    /// The resource.
    pub iri: String,
    /// Its kind.
    pub doc_type: DocType,
    /// Main text (shown in snippets).
    pub text: Vec<String>,
    /// Further searchable text (authors, alternative labels).
    pub more: Vec<String>,
    /// Concepts it is about, with every broader concept.
    pub concepts: BTreeSet<String>,
    /// Sources it is quoted from or cites (itself for a source), sorted.
    pub sources: Vec<String>,
    /// Title of the first source.
    pub source_title: Option<String>,
    /// Normalised review status.
    pub status: Option<String>,
}

/// Whether a quad lies in a graph the index reads: an asserted content graph.
pub fn in_content(graph: &GraphName) -> bool {
    View::Asserted.sees(graph.as_ref())
}

/// Describes resources, caching source titles and broader-concept closures for one pass.
pub struct Describer<'a> {
    store: &'a WarrantStore,
    titles: HashMap<NamedNode, Option<String>>,
    closures: HashMap<NamedNode, BTreeSet<String>>,
}

impl<'a> Describer<'a> {
    /// A describer over the store's current state.
    pub fn new(store: &'a WarrantStore) -> Self {
        Self {
            store,
            titles: HashMap::new(),
            closures: HashMap::new(),
        }
    }

    /// Objects of `subject predicate ?o` in the asserted content graphs, deduplicated, in store
    /// order.
    fn objects(
        &self,
        subject: &NamedNode,
        predicate: NamedNodeRef<'_>,
    ) -> Result<Vec<Term>, StoreError> {
        let mut out = Vec::new();
        for quad in self.store.view_quads(
            View::Asserted,
            Some(subject.as_ref().into()),
            Some(predicate),
            None,
        ) {
            let quad = quad?;
            if !out.contains(&quad.object) {
                out.push(quad.object);
            }
        }
        Ok(out)
    }

    /// The index document of `iri`, or `None` when it is not (any longer) an indexed resource.
    pub fn describe(&mut self, iri: &NamedNode) -> Result<Option<DocData>, StoreError> {
        let types = self.objects(iri, vocab::RDF_TYPE)?;
        let Some(doc_type) = DocType::ALL.into_iter().find(|t| {
            types
                .iter()
                .any(|ty| ty.as_ref() == TermRef::from(t.class()))
        }) else {
            return Ok(None);
        };
        let (text_p, more_p, source_p, concept_p) = match doc_type {
            DocType::Passage => (vocab::TEXT, None, Some(vocab::IN_SOURCE), None),
            DocType::Statement => (
                vocab::TEXT,
                None,
                Some(vocab::CITES_AS_EVIDENCE),
                Some(vocab::ABOUT),
            ),
            DocType::Source => (
                vocab::DCT_TITLE,
                Some(vocab::DCT_CREATOR),
                None,
                Some(vocab::POPULATION),
            ),
            DocType::Concept => (
                vocab::SKOS_PREF_LABEL,
                Some(vocab::SKOS_ALT_LABEL),
                None,
                None,
            ),
        };
        let text = literals(self.objects(iri, text_p)?);
        let more = match more_p {
            Some(p) => literals(self.objects(iri, p)?),
            None => Vec::new(),
        };
        let mut sources: Vec<NamedNode> = match (doc_type, source_p) {
            (DocType::Source, _) => vec![iri.clone()],
            (_, Some(p)) => named(self.objects(iri, p)?),
            (_, None) => Vec::new(),
        };
        sources.sort();
        let source_title = match sources.first() {
            Some(first) if first == iri => text.first().cloned(),
            Some(first) => self.title(first)?,
            None => None,
        };
        let mut concepts = BTreeSet::new();
        let roots = match (doc_type, concept_p) {
            (DocType::Concept, _) => vec![iri.clone()],
            (_, Some(p)) => named(self.objects(iri, p)?),
            (_, None) => Vec::new(),
        };
        for root in &roots {
            concepts.extend(self.closure(root)?.iter().cloned());
        }
        let status = match doc_type {
            DocType::Statement | DocType::Source => self
                .objects(iri, vocab::REVIEW_STATUS)?
                .into_iter()
                .find_map(|t| match t {
                    Term::NamedNode(n) => Some(super::schema::status_key(n.as_str())),
                    Term::Literal(l) => Some(super::schema::status_key(l.value())),
                    Term::BlankNode(_) => None,
                }),
            _ => None,
        };
        Ok(Some(DocData {
            iri: iri.as_str().to_owned(),
            doc_type,
            text,
            more,
            concepts,
            sources: sources.into_iter().map(NamedNode::into_string).collect(),
            source_title,
            status,
        }))
    }

    /// A source's first `dct:title`.
    fn title(&mut self, source: &NamedNode) -> Result<Option<String>, StoreError> {
        if let Some(title) = self.titles.get(source) {
            return Ok(title.clone());
        }
        let title = literals(self.objects(source, vocab::DCT_TITLE)?)
            .into_iter()
            .next();
        self.titles.insert(source.clone(), title.clone());
        Ok(title)
    }

    /// A concept and every concept broader than it, as the reasoner derived them
    /// (`skos:broaderTransitive` in the content graphs, the inferred one included).
    fn closure(&mut self, concept: &NamedNode) -> Result<&BTreeSet<String>, StoreError> {
        if !self.closures.contains_key(concept) {
            let mut closure = BTreeSet::from([concept.as_str().to_owned()]);
            for quad in self.store.view_quads(
                View::Content,
                Some(concept.as_ref().into()),
                Some(vocab::SKOS_BROADER_TRANSITIVE),
                None,
            ) {
                if let Term::NamedNode(broader) = quad?.object {
                    closure.insert(broader.into_string());
                }
            }
            self.closures.insert(concept.clone(), closure);
        }
        Ok(&self.closures[concept])
    }
}

fn literals(terms: Vec<Term>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for term in terms {
        if let Term::Literal(l) = term {
            if !out.iter().any(|o| o == l.value()) {
                out.push(l.value().to_owned());
            }
        }
    }
    out
}

fn named(terms: Vec<Term>) -> Vec<NamedNode> {
    terms
        .into_iter()
        .filter_map(|t| match t {
            Term::NamedNode(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// Every resource the index should hold a document for (typed in an asserted content graph).
pub fn candidates(store: &WarrantStore) -> Result<BTreeSet<NamedNode>, StoreError> {
    let mut out = BTreeSet::new();
    for doc_type in DocType::ALL {
        let class = Term::from(doc_type.class().into_owned());
        for quad in store.view_quads(
            View::Asserted,
            None,
            Some(vocab::RDF_TYPE),
            Some(class.as_ref()),
        ) {
            if let NamedOrBlankNode::NamedNode(s) = quad?.subject {
                out.insert(s);
            }
        }
    }
    Ok(out)
}

/// The subjects a committed change gave a document type (passage, statement, source, concept) in
/// a content graph. With the index, this tells which changed resources can be documents: a
/// resource is indexed exactly when it has a document type ([`Describer::describe`]), so one that is
/// not in the index and got no document type now is still no document.
pub fn typed_as_documents(applied: &Applied) -> BTreeSet<NamedNode> {
    applied
        .added
        .iter()
        .filter(|q| q.predicate.as_ref() == vocab::RDF_TYPE && in_content(&q.graph_name))
        .filter(|q| {
            DocType::ALL
                .iter()
                .any(|t| q.object.as_ref() == TermRef::from(t.class()))
        })
        .filter_map(|q| match &q.subject {
            NamedOrBlankNode::NamedNode(s) => Some(s.clone()),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect()
}

/// The resources whose documents a committed change may have altered: the subjects of the changed
/// content quads; for a changed `dct:title`, the passages and statements quoting or citing that
/// source; for a changed link of the hierarchy (`skos:broader` or `skos:broaderTransitive` of its
/// subject, `skos:narrower` of its object), every concept at or below that concept — as the
/// reasoner derived it after the change — and the statements and sources about them.
pub fn affected(
    store: &WarrantStore,
    applied: &Applied,
) -> Result<BTreeSet<NamedNode>, StoreError> {
    let mut out = BTreeSet::new();
    let mut retitled = BTreeSet::new();
    let mut rebroadened = BTreeSet::new();
    for quad in applied.added.iter().chain(&applied.removed) {
        let Quad {
            subject: NamedOrBlankNode::NamedNode(s),
            predicate,
            graph_name,
            ..
        } = quad
        else {
            continue;
        };
        if !in_content(graph_name) {
            continue;
        }
        out.insert(s.clone());
        if *predicate == vocab::DCT_TITLE {
            retitled.insert(s.clone());
        } else if *predicate == vocab::SKOS_BROADER || *predicate == vocab::SKOS_BROADER_TRANSITIVE
        {
            rebroadened.insert(s.clone());
        } else if *predicate == vocab::SKOS_NARROWER {
            if let Term::NamedNode(o) = &quad.object {
                rebroadened.insert(o.clone());
            }
        }
    }
    let referrers = |target: &NamedNode,
                     predicates: &[NamedNodeRef<'_>],
                     out: &mut BTreeSet<NamedNode>|
     -> Result<(), StoreError> {
        let object = Term::from(target.clone());
        for p in predicates {
            for quad in store.view_quads(View::Asserted, None, Some(*p), Some(object.as_ref())) {
                if let NamedOrBlankNode::NamedNode(s) = quad?.subject {
                    out.insert(s);
                }
            }
        }
        Ok(())
    };
    for source in &retitled {
        referrers(
            source,
            &[vocab::IN_SOURCE, vocab::CITES_AS_EVIDENCE],
            &mut out,
        )?;
    }
    // the links below a changed concept did not change: what the reasoner derives below it now is
    // what was below it before
    let mut narrower = BTreeSet::new();
    for concept in rebroadened {
        let object = Term::from(concept.clone());
        for quad in store.view_quads(
            View::Content,
            None,
            Some(vocab::SKOS_BROADER_TRANSITIVE),
            Some(object.as_ref()),
        ) {
            if let NamedOrBlankNode::NamedNode(below) = quad?.subject {
                narrower.insert(below);
            }
        }
        narrower.insert(concept);
    }
    for concept in &narrower {
        referrers(concept, &[vocab::ABOUT, vocab::POPULATION], &mut out)?;
    }
    out.extend(narrower);
    Ok(out)
}

/// Whether a change may have altered concept labels (and so the synonyms).
pub fn touches_labels(applied: &Applied) -> bool {
    applied.added.iter().chain(&applied.removed).any(|q| {
        in_content(&q.graph_name)
            && (q.predicate == vocab::SKOS_PREF_LABEL
                || q.predicate == vocab::SKOS_ALT_LABEL
                || (q.predicate == vocab::RDF_TYPE
                    && q.object.as_ref() == TermRef::from(vocab::SKOS_CONCEPT)))
    })
}

/// Every concept's labels (preferred and alternative), for synonym expansion.
pub fn concept_labels(store: &WarrantStore) -> Result<Vec<Vec<String>>, StoreError> {
    let describer = Describer::new(store);
    let concept = Term::from(vocab::SKOS_CONCEPT.into_owned());
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for quad in store.view_quads(
        View::Asserted,
        None,
        Some(vocab::RDF_TYPE),
        Some(concept.as_ref()),
    ) {
        let NamedOrBlankNode::NamedNode(c) = quad?.subject else {
            continue;
        };
        if !seen.insert(c.clone()) {
            continue;
        }
        let mut labels = literals(describer.objects(&c, vocab::SKOS_PREF_LABEL)?);
        labels.extend(literals(describer.objects(&c, vocab::SKOS_ALT_LABEL)?));
        if !labels.is_empty() {
            out.push(labels);
        }
    }
    Ok(out)
}
