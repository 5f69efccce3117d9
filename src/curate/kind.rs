//! The kinds of curated resources (`/curation/{kind}`): which class each one is and where its IRIs
//! live.

use crate::store::{StoreError, View, WarrantStore};
use crate::vocab::{self, wr};
use oxigraph::model::{NamedNode, NamedNodeRef};

/// A kind of curated resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `wr:Statement`: curated claims (reviewable).
    Statements,
    /// `wr:Source`: cited publications.
    Sources,
    /// `wr:Passage`: verbatim spans of sources.
    Passages,
    /// `skos:Concept`: clinical concepts (IRIs in the concept namespace).
    Concepts,
    /// `wr:Policy`: medical-necessity rules (reviewable).
    Policies,
}

impl Kind {
    /// Every kind, in the order the API lists them.
    pub const ALL: [Kind; 5] = [
        Kind::Statements,
        Kind::Sources,
        Kind::Passages,
        Kind::Concepts,
        Kind::Policies,
    ];

    /// The kind named by a path segment (`statements` …).
    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == segment)
    }

    /// The path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Statements => "statements",
            Self::Sources => "sources",
            Self::Passages => "passages",
            Self::Concepts => "concepts",
            Self::Policies => "policies",
        }
    }

    /// One resource of this kind, in words (`statement` …): the prefix of ids the server makes up.
    pub fn singular(self) -> &'static str {
        match self {
            Self::Statements => "statement",
            Self::Sources => "source",
            Self::Passages => "passage",
            Self::Concepts => "concept",
            Self::Policies => "policy",
        }
    }

    /// The class every resource of this kind has.
    pub fn class(self) -> NamedNodeRef<'static> {
        match self {
            Self::Statements => vocab::STATEMENT,
            Self::Sources => vocab::SOURCE,
            Self::Passages => vocab::PASSAGE,
            Self::Concepts => vocab::SKOS_CONCEPT,
            Self::Policies => vocab::wr::POLICY,
        }
    }

    /// The namespace of this kind's IRIs: concepts use the concept namespace, everything else
    /// `https://w3id.org/warrant/id/`.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Concepts => vocab::CONCEPT,
            _ => vocab::ID,
        }
    }

    /// The IRI of resource `id` (`id` must satisfy [`is_id`]).
    pub fn iri(self, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{id}", self.namespace()))
    }

    /// The id of an IRI of this kind's namespace.
    pub fn id_of(self, iri: &str) -> Option<&str> {
        iri.strip_prefix(self.namespace()).filter(|id| is_id(id))
    }
}

/// Whether `id` may be a curated id: 1–128 characters of letters, digits, `-`, `_` and `.`,
/// not starting with `.` (so it is a single, safe IRI path segment).
pub fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The review fields the server manages on every curated resource (set only through a review).
pub const REVIEW_PREDICATES: [NamedNodeRef<'static>; 4] = [
    vocab::REVIEW_STATUS,
    wr::REVIEWED_BY,
    wr::REVIEWED_AT,
    wr::REVIEW_COMMENT,
];

/// Whether `predicate` is one of [`REVIEW_PREDICATES`].
pub fn is_review_predicate(predicate: NamedNodeRef<'_>) -> bool {
    REVIEW_PREDICATES.contains(&predicate)
}

/// The curated kind `iri` is (asserted to be) an instance of, if any: read through the asserted
/// content view, so a deleted resource's old type kept in a change set does not count.
pub fn kind_of(store: &WarrantStore, iri: NamedNodeRef<'_>) -> Result<Option<Kind>, StoreError> {
    for kind in Kind::ALL {
        if kind.id_of(iri.as_str()).is_some()
            && store.has_type(View::Asserted, iri, kind.class())?
        {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

/// The curated kind whose class `class` is, if any.
pub fn kind_of_class(class: NamedNodeRef<'_>) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.class() == class)
}
