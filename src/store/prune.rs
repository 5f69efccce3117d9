//! Which content graphs a query's default graph needs: the default graph is the union of every
//! content graph (each loaded file is a graph of its own, so a store has dozens), and Oxigraph
//! evaluates a triple pattern over such a union graph by graph. A graph none of whose triples can
//! match any of the query's triple patterns contributes nothing to the union, so it is left out.
//!
//! The test is exact and cheap: a pattern with a fixed predicate `p` can only match in a graph that
//! has some triple with `p` (for `rdf:type` with a fixed class `C`: some `rdf:type C` triple), which
//! one index lookup answers, remembered per write epoch. A query with a variable predicate, a
//! property path that can be zero-length (`*`, `?`) or negated, `EXISTS`, or `DESCRIBE` is not pruned.

use super::reach::has_exists;
use oxigraph::model::NamedNode;
use oxigraph::model::vocab::rdf;
use spargebra::Query;
use spargebra::algebra::{GraphPattern, PropertyPathExpression};
use spargebra::term::{NamedNodePattern, TermPattern, TriplePattern};
use std::collections::BTreeSet;

/// What a triple of a graph must have to match a pattern: its predicate, and for `rdf:type` with a
/// fixed object, that class.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct Key {
    /// The predicate.
    pub predicate: NamedNode,
    /// The class, for an `rdf:type` pattern with a fixed object.
    pub class: Option<NamedNode>,
}

/// What a query reads, as far as choosing its graphs goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reads {
    /// The keys of every pattern over the default graph; `None` when they cannot be known (the
    /// default graph must then hold every content graph).
    pub default_keys: Option<BTreeSet<Key>>,
    /// Whether the query may read named graphs (`GRAPH`, or an `EXISTS` not analysed).
    pub named: bool,
}

impl Reads {
    fn unknown() -> Self {
        Self {
            default_keys: None,
            named: true,
        }
    }
}

/// What `query` reads (see the module doc).
pub(super) fn reads(query: &Query) -> Reads {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
        Query::Describe { .. } => return Reads::unknown(),
    };
    let mut out = Reads {
        default_keys: Some(BTreeSet::new()),
        named: false,
    };
    walk(pattern, &mut out);
    out
}

fn unprunable(out: &mut Reads) {
    out.default_keys = None;
}

fn expression(e: &impl std::fmt::Display, out: &mut Reads) {
    if has_exists(e) {
        // an EXISTS pattern reads graphs too: not analysed, so nothing is pruned
        unprunable(out);
        out.named = true;
    }
}

fn triple(t: &TriplePattern, out: &mut Reads) {
    let NamedNodePattern::NamedNode(p) = &t.predicate else {
        return unprunable(out);
    };
    let class = match (&t.object, p.as_ref() == rdf::TYPE) {
        (TermPattern::NamedNode(c), true) => Some(c.clone()),
        _ => None,
    };
    if let Some(keys) = &mut out.default_keys {
        keys.insert(Key {
            predicate: p.clone(),
            class,
        });
    }
}

/// The predicates a path steps through; false when it may match without a step or with any
/// predicate.
fn path(p: &PropertyPathExpression, keys: &mut BTreeSet<Key>) -> bool {
    match p {
        PropertyPathExpression::NamedNode(n) => {
            keys.insert(Key {
                predicate: n.clone(),
                class: None,
            });
            true
        }
        PropertyPathExpression::Reverse(inner) | PropertyPathExpression::OneOrMore(inner) => {
            path(inner, keys)
        }
        PropertyPathExpression::Sequence(a, b) | PropertyPathExpression::Alternative(a, b) => {
            path(a, keys) && path(b, keys)
        }
        PropertyPathExpression::ZeroOrMore(_)
        | PropertyPathExpression::ZeroOrOne(_)
        | PropertyPathExpression::NegatedPropertySet(_) => false,
    }
}

#[allow(unreachable_patterns)] // the catch-all covers variants behind spargebra features
fn walk(pattern: &GraphPattern, out: &mut Reads) {
    match pattern {
        GraphPattern::Bgp { patterns } => {
            for t in patterns {
                triple(t, out);
            }
        }
        GraphPattern::Path { path: p, .. } => {
            let mut keys = BTreeSet::new();
            if !path(p, &mut keys) {
                return unprunable(out);
            }
            if let Some(all) = &mut out.default_keys {
                all.extend(keys);
            }
        }
        GraphPattern::Values { .. } => {}
        // inside GRAPH the patterns read named graphs, not the default graph
        GraphPattern::Graph { .. } => out.named = true,
        // evaluated by the service handler, not over this dataset
        GraphPattern::Service { .. } => {}
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            walk(left, out);
            walk(right, out);
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression: e,
        } => {
            walk(left, out);
            walk(right, out);
            if let Some(e) = e {
                expression(e, out);
            }
        }
        GraphPattern::Filter { expr, inner } => {
            expression(expr, out);
            walk(inner, out);
        }
        GraphPattern::Extend {
            inner,
            expression: e,
            ..
        } => {
            expression(e, out);
            walk(inner, out);
        }
        GraphPattern::OrderBy {
            inner,
            expression: e,
        } => {
            for e in e {
                expression(e, out);
            }
            walk(inner, out);
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => {
            for (_, a) in aggregates {
                expression(a, out);
            }
            walk(inner, out);
        }
        GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. } => walk(inner, out),
        _ => {
            unprunable(out);
            out.named = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads_of(q: &str) -> Reads {
        reads(&spargebra::SparqlParser::new().parse_query(q).unwrap())
    }

    fn key(p: &str, class: Option<&str>) -> Key {
        Key {
            predicate: NamedNode::new(p).unwrap(),
            class: class.map(|c| NamedNode::new(c).unwrap()),
        }
    }

    #[test]
    fn fixed_predicates_and_classes_are_the_keys() {
        let r = reads_of(
            "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
             SELECT * WHERE { ?x rdf:type <http://e/C> ; <http://e/p> ?y . ?y a ?c
               OPTIONAL { ?y <http://e/q>/^<http://e/r>+ ?z } }",
        );
        let t = rdf::TYPE.as_str();
        assert_eq!(
            r.default_keys,
            Some(BTreeSet::from([
                key(t, Some("http://e/C")),
                key(t, None),
                key("http://e/p", None),
                key("http://e/q", None),
                key("http://e/r", None),
            ]))
        );
        assert!(!r.named);
    }

    #[test]
    fn what_could_match_anything_is_not_pruned() {
        for q in [
            "SELECT * WHERE { ?s ?p ?o }",
            "SELECT * WHERE { ?s <http://e/p>* ?o }",
            "SELECT * WHERE { ?s <http://e/p>? ?o }",
            "SELECT * WHERE { ?s !<http://e/p> ?o }",
            "SELECT * WHERE { ?s <http://e/p> ?o FILTER NOT EXISTS { ?o ?q ?s } }",
            "DESCRIBE <http://e/x>",
        ] {
            assert_eq!(reads_of(q).default_keys, None, "{q}");
        }
    }

    #[test]
    fn graph_patterns_read_named_graphs_only() {
        let r = reads_of("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } ?s <http://e/p> ?x }");
        assert!(r.named);
        assert_eq!(
            r.default_keys,
            Some(BTreeSet::from([key("http://e/p", None)]))
        );
    }
}

#[cfg(test)]
mod store_tests {
    use crate::store::{Change, DatasetMode, Op, WarrantStore, parse_query, value_of};
    use oxigraph::model::{NamedNode, Quad, vocab::rdf};

    fn n(s: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://e/{s}"))
    }

    fn insert(store: &WarrantStore, quads: Vec<Quad>) {
        store.apply(Change::one(Op::Insert(quads))).unwrap();
    }

    fn answers(store: &WarrantStore, q: &str) -> Vec<String> {
        let parsed = parse_query(q, None).unwrap();
        let mut out: Vec<String> = store
            .select(&parsed, &[])
            .unwrap()
            .iter()
            .filter_map(|r| value_of(r, "z"))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn pruned_queries_see_every_graph_that_can_match_before_and_after_writes() {
        let store = WarrantStore::in_memory(DatasetMode::default()).unwrap();
        insert(
            &store,
            vec![
                Quad::new(n("x"), n("p"), n("y"), n("g1")),
                Quad::new(n("y"), n("q"), n("z1"), n("g2")),
                Quad::new(n("z1"), rdf::TYPE, n("C"), n("g3")),
                Quad::new(n("other"), n("r"), n("s"), n("g4")),
            ],
        );
        let join = "SELECT ?z WHERE { <http://e/x> <http://e/p> ?y . ?y <http://e/q> ?z . ?z a <http://e/C> }";
        assert_eq!(
            answers(&store, join),
            ["http://e/z1"],
            "a join across three graphs"
        );
        // a graph that gains a matching triple is seen at once (the memo is per write epoch)
        insert(
            &store,
            vec![
                Quad::new(n("y"), n("q"), n("z2"), n("g4")),
                Quad::new(n("z2"), rdf::TYPE, n("C"), n("g5")),
            ],
        );
        assert_eq!(answers(&store, join), ["http://e/z1", "http://e/z2"]);
        // a class tested where only other classes are typed finds nothing, and no error
        assert!(answers(&store, "SELECT ?z WHERE { ?z a <http://e/D> }").is_empty());
        // a path over predicates of two graphs
        assert_eq!(
            answers(
                &store,
                "SELECT ?z WHERE { <http://e/x> <http://e/p>/<http://e/q> ?z }"
            ),
            ["http://e/z1", "http://e/z2"]
        );
        // what a write copied into its change set is never seen through the default graph
        assert_eq!(
            answers(&store, "SELECT ?z WHERE { ?y <http://e/q> ?z }"),
            ["http://e/z1", "http://e/z2"]
        );
    }
}
