//! The IRIs the reasoner writes and reads: its two graphs, the `wr:` terms of derivation records and
//! the IRI schemes of rules, derivations and statement nodes. Kept here so that no IRI string is
//! scattered through the engine; the lead may move them into the crate-wide `vocab` module.

use oxigraph::model::NamedNodeRef;

/// Namespace of Warrant's own vocabulary (prefix `wr:`).
pub const WR: &str = "https://w3id.org/warrant/ns#";

/// Graph holding the inferred triples: a content graph, part of the default graph queries see.
pub const INFERRED_GRAPH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/inferred");

/// Graph holding derivation records: a record graph, never part of the default graph.
pub const DERIVATIONS_GRAPH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/graph/derivations");

/// Prefix of the change-set record graphs (`…/graph/change/{id}`), which are not content.
pub const CHANGE_GRAPH_PREFIX: &str = "https://w3id.org/warrant/graph/change/";

/// Prefix of rule IRIs: `https://w3id.org/warrant/rule/{ruleset}/{NN-name}`.
pub const RULE_PREFIX: &str = "https://w3id.org/warrant/rule/";

/// Prefix of derivation record IRIs: `https://w3id.org/warrant/id/derivation/{hash}`.
pub const DERIVATION_PREFIX: &str = "https://w3id.org/warrant/id/derivation/";

/// Prefix of statement node IRIs (`rdf:subject`/`rdf:predicate`/`rdf:object` of one triple):
/// `https://w3id.org/warrant/id/statement/{hash}`, one per triple.
pub const STATEMENT_PREFIX: &str = "https://w3id.org/warrant/id/statement/";

/// `wr:Derivation`: the class of derivation records. Never written as a type quad: it is the
/// `rdfs:domain` of [`RULE`], [`DERIVES`] and [`PREMISE`] in the ontology.
pub const DERIVATION: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#Derivation");

/// `wr:derives`: links a derivation to the statement node of the triple it concludes.
pub const DERIVES: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#derives");

/// `wr:rule`: links a derivation to the IRI of the rule that fired.
pub const RULE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#rule");

/// `wr:premise`: links a derivation to the statement node of a triple it rests on (one per premise).
pub const PREMISE: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("https://w3id.org/warrant/ns#premise");
