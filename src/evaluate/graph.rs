//! Reading nodes of the evidence graph a batch at a time: [`Nodes`] keeps every triple of the nodes
//! fetched so far (subject -> predicate -> objects) and answers typed questions about them.
//!
//! All reads go through SPARQL (`queries/evaluate/describe.rq` and `policy-nodes.rq`) so that the
//! store's dataset rules hold (record graphs never count; the inferred graph does).

use crate::queries::shipped;
use crate::store::{StoreError, WarrantStore, value_of};
use oxigraph::model::{NamedNode, NamedNodeRef, Term, Variable};
use oxigraph::sparql::QuerySolution;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Triples of fetched nodes.
#[derive(Debug, Default)]
pub struct Nodes {
    triples: HashMap<String, BTreeMap<String, Vec<Term>>>,
    fetched: BTreeSet<String>,
}

impl Nodes {
    /// Fetches every triple of each node not fetched yet, in one query.
    pub fn fetch(
        &mut self,
        store: &WarrantStore,
        nodes: impl IntoIterator<Item = String>,
    ) -> Result<(), StoreError> {
        let wanted: BTreeSet<String> = nodes
            .into_iter()
            .filter(|n| !self.fetched.contains(n))
            .collect();
        let rows: Vec<Vec<Term>> = wanted
            .iter()
            .filter_map(|n| NamedNode::new(n.clone()).ok())
            .map(|n| vec![n.into()])
            .collect();
        let solutions = store.select_table(
            shipped("describe"),
            &[Variable::new_unchecked("node")],
            &rows,
        )?;
        self.absorb(&solutions);
        self.fetched.extend(wanted);
        Ok(())
    }

    /// Adds `?node ?p ?o` solutions (e.g. of `policy-nodes.rq`).
    pub fn absorb(&mut self, solutions: &[QuerySolution]) {
        for row in solutions {
            let (Some(node), Some(p), Some(o)) =
                (value_of(row, "node"), value_of(row, "p"), row.get("o"))
            else {
                continue;
            };
            self.fetched.insert(node.clone());
            let objects = self.triples.entry(node).or_default().entry(p).or_default();
            if !objects.contains(o) {
                objects.push(o.clone());
            }
        }
    }

    /// Whether the node was fetched and has at least one triple.
    pub fn knows(&self, node: &str) -> bool {
        self.triples.contains_key(node)
    }

    /// The objects of `node p`.
    pub fn objects(&self, node: &str, p: NamedNodeRef<'_>) -> &[Term] {
        self.triples
            .get(node)
            .and_then(|m| m.get(p.as_str()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The IRIs among the objects of `node p`, sorted.
    pub fn iris(&self, node: &str, p: NamedNodeRef<'_>) -> Vec<String> {
        let mut out: Vec<String> = self
            .objects(node, p)
            .iter()
            .filter_map(|t| match t {
                Term::NamedNode(n) => Some(n.as_str().to_owned()),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The first IRI object of `node p`.
    pub fn iri(&self, node: &str, p: NamedNodeRef<'_>) -> Option<String> {
        self.iris(node, p).into_iter().next()
    }

    /// A literal object of `node p`, preferring English, then no language tag.
    pub fn text(&self, node: &str, p: NamedNodeRef<'_>) -> Option<String> {
        let literals: Vec<_> = self
            .objects(node, p)
            .iter()
            .filter_map(|t| match t {
                Term::Literal(l) => Some(l),
                _ => None,
            })
            .collect();
        literals
            .iter()
            .find(|l| l.language() == Some("en"))
            .or_else(|| literals.iter().find(|l| l.language().is_none()))
            .or_else(|| literals.first())
            .map(|l| l.value().to_owned())
    }

    /// All literal values of `node p`.
    pub fn texts(&self, node: &str, p: NamedNodeRef<'_>) -> Vec<String> {
        self.objects(node, p)
            .iter()
            .filter_map(|t| match t {
                Term::Literal(l) => Some(l.value().to_owned()),
                _ => None,
            })
            .collect()
    }

    /// A numeric literal of `node p`.
    pub fn number(&self, node: &str, p: NamedNodeRef<'_>) -> Option<f64> {
        self.text(node, p).and_then(|t| t.trim().parse().ok())
    }

    /// An integer literal of `node p`.
    pub fn integer(&self, node: &str, p: NamedNodeRef<'_>) -> Option<i64> {
        self.number(node, p).map(|n| n as i64)
    }

    /// Whether `node rdf:type class`.
    pub fn has_type(&self, node: &str, class: NamedNodeRef<'_>) -> bool {
        self.objects(node, oxigraph::model::vocab::rdf::TYPE)
            .iter()
            .any(|t| matches!(t, Term::NamedNode(n) if n.as_ref() == class))
    }

    /// Every object IRI of the given nodes under the given predicates (for fetching the next layer).
    pub fn neighbours(&self, nodes: &[String], predicates: &[NamedNodeRef<'_>]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for n in nodes {
            for p in predicates {
                out.extend(self.iris(n, *p));
            }
        }
        out.into_iter().collect()
    }

    /// `rdfs:label`, else `skos:prefLabel`, else `dct:title`, else the IRI's last segment.
    pub fn label(&self, node: &str) -> String {
        use oxigraph::model::vocab::rdfs;
        self.text(node, rdfs::LABEL)
            .or_else(|| self.text(node, crate::vocab::std_terms::PREF_LABEL))
            .or_else(|| self.text(node, crate::vocab::DCT_TITLE))
            .unwrap_or_else(|| short(node))
    }
}

/// The last segment of an IRI (after `/` or `#`).
pub fn short(iri: &str) -> String {
    iri.rsplit(['/', '#']).next().unwrap_or(iri).to_owned()
}
