//! Rule reasoning: SPARQL CONSTRUCT rules read from files, evaluated semi-naively to a fixpoint over
//! the store's content graphs, every derived triple written to the inferred graph with *all* its
//! derivations recorded in the derivations graph, kept current incrementally, and explained by
//! [`why`] as a proof tree down to asserted triples.
//!
//! # Rule files
//!
//! A rule set is a folder `queries/rules/<ruleset>/`; each rule is a file `NN-name.rq` (two digits,
//! a hyphen, lowercase letters, digits and hyphens), loaded in name order. Shipped sets: `rdfs`,
//! `owl2rl`, `skos`, `clinical`. A file opens with a header of `#` comment lines:
//!
//! ```text
//! # id: 09-subclass                       (required, equal to the file stem)
//! # concludes: ?x a ?d for every ?x a ?c and ?c rdfs:subClassOf ?d   (required)
//! # limitations: no rdfs:Resource typing   (required; continuation lines start with '#')
//! PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
//! CONSTRUCT { ?x a ?d } WHERE { ?c rdfs:subClassOf ?d . ?x a ?c }
//! ```
//!
//! The accepted form is a SPARQL 1.1 `CONSTRUCT` query (with `PREFIX`/`BASE`) whose `WHERE` clause
//! is a basic graph pattern — triple patterns with variables, IRIs and literals; blank nodes act as
//! variables — plus optional `FILTER`s (the subset listed in the `filter` module: boolean
//! connectives, comparisons, `sameTerm`, `isIRI`/`isBlank`/`isLiteral`/`isNumeric`, `STR`, `LANG`,
//! `DATATYPE`, `STRSTARTS`/`STRENDS`/`CONTAINS`/`STRLEN`, `IN`). The template may hold several
//! triples; every template variable must be bound by the body; template blank nodes (existentials)
//! are refused, so evaluation always terminates. `OPTIONAL`, `UNION`, `MINUS`, `BIND`, `VALUES`,
//! `GRAPH`, `SERVICE`, property paths, aggregates, sub-queries, `FROM` and `FILTER (NOT) EXISTS` are
//! refused. Every refusal is a [`RuleError`] naming file, line and reason. A template triple whose
//! instance is not valid RDF (a literal subject) is silently skipped. Rules see the union of the
//! content graphs (asserted graphs plus what they inferred), never the record graphs.
//!
//! RDF lists (e.g. `owl:intersectionOf`) are matched by rules over fixed list lengths
//! (`rdf:first`/`rdf:rest` chains of length 1 to 4), one file per length; longer lists are a
//! documented limitation of those rules.
//!
//! # Evaluation
//!
//! The content graphs are read once into an in-memory index of interned term ids; rules are compiled
//! to joins over it and run semi-naively (see `engine`): each round joins each body atom in turn
//! against only the previous round's new triples. A triple already asserted is never written to the
//! inferred graph. [`RuleConfig::max_rounds`] bounds the rounds: past it, [`ReasonError::RoundLimit`]
//! is returned and the store keeps its previous inferred graph.
//!
//! # Derivations
//!
//! Every rule instantiation is recorded (rule, conclusion, premises), so every derivation of a
//! triple is kept, not just the first. The derivations graph holds, for each inferred (not asserted)
//! triple, up to [`RuleConfig::max_derivations_per_triple`] of them: `?d wr:rule ?rule ;
//! wr:derives ?stmt ; wr:premise ?stmt2, …` where each statement node gives one triple by
//! `rdf:subject` / `rdf:predicate` / `rdf:object` (see `persist` for the shape and why no type quads
//! are written); asserted triples get no derivation record — they hold by assertion.
//! With a record writer ([`Reasoner::with_record_writer`], as served and in `warrant load`), the
//! records are written by the store's background writer just after the inferred graph is committed,
//! and readers of the derivations graph wait for them ([`crate::store::WarrantStore::wait_records`]).
//! SPARQL can ask why a triple holds:
//!
//! ```sparql
//! PREFIX wr: <https://w3id.org/warrant/ns#>
//! PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
//! SELECT ?rule ?s ?p ?o WHERE { GRAPH <https://w3id.org/warrant/graph/derivations> {
//!   ?d wr:derives [ rdf:subject <http://ex/a> ; rdf:predicate rdf:type ; rdf:object <http://ex/C> ] ;
//!      wr:rule ?rule ; wr:premise [ rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ] } }
//! ```
//!
//! # Incremental maintenance
//!
//! [`Reasoner::apply`] takes the asserted triples added and removed. Additions run semi-naively from
//! the added delta (cost: the consequences of the new triples). Deletions use DRed over the recorded
//! derivation graph (over-delete, then re-derive from surviving recorded derivations — no rule is
//! re-evaluated; cost linear in the derivations touched). The state lives in the [`Reasoner`]
//! between calls; a reasoner that has none (first call) or lost it (round limit hit during `apply`)
//! recomputes everything from the store.

mod derivs;
mod engine;
mod filter;
mod index;
mod live;
mod marker;
mod persist;
mod reasoner;
mod records;
mod rule;
mod state;
pub mod vocab;
mod why;

pub use live::{LiveReasoner, ReasonerStatus, materialize_sets, rules_from_files, rules_from_root};
pub use persist::is_asserted_graph;
pub use reasoner::{Reasoner, RuleConfig, Stats};
pub use rule::{Rule, load_rule_sets, parse_rule};
pub use why::{ProofNote, ProofStep, ProofTree, WhyOptions, why, why_with};

use std::path::PathBuf;

/// A rule file that cannot be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {reason}", file.display())]
pub struct RuleError {
    /// The rule file.
    pub file: PathBuf,
    /// 1-based line the problem was found at (best effort for semantic errors).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Errors of the reasoner.
#[derive(Debug, thiserror::Error)]
pub enum ReasonError {
    /// A rule file was refused at load.
    #[error("bad rule {0}")]
    BadRule(#[from] RuleError),
    /// A configured rule set has no folder under the rules directory.
    #[error("unknown rule set '{name}': no folder {}/{name}", dir.display())]
    UnknownRuleSet {
        /// The rule set name.
        name: String,
        /// The rules directory searched.
        dir: PathBuf,
    },
    /// A rules folder or file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The fixpoint was not reached within the configured number of rounds; nothing was written.
    #[error(
        "rules did not reach a fixpoint within max_rounds = {max_rounds} ({pending} triples still pending); the previous inferred graph is kept"
    )]
    RoundLimit {
        /// The configured bound.
        max_rounds: usize,
        /// New triples of the last round, still to be joined.
        pending: usize,
    },
    /// The store failed.
    #[error("store error: {0}")]
    Storage(#[from] oxigraph::store::StorageError),
    /// The store's state (which the inferred graph is marked current for) could not be read.
    #[error("reading the store state: {0}")]
    State(#[from] crate::store::StoreError),
}
