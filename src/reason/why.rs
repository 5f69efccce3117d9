//! Why does a triple hold? [`why`] reads the derivations graph and expands a triple into a
//! [`ProofTree`]: asserted triples are leaves (with the graphs asserting them); a derived triple
//! lists every recorded derivation (rule and premises), each premise expanded in turn, down to
//! asserted triples. A premise already on the current path is marked [`ProofNote::Cycle`] instead of
//! being expanded again; depth and size bounds mark [`ProofNote::Truncated`]. The tree serialises to
//! JSON (serde), indented text ([`ProofTree::to_text`]) and Graphviz dot ([`ProofTree::to_dot`]).

use super::ReasonError;
use super::persist::{is_asserted_graph, statement_iri};
use super::vocab::{DERIVATIONS_GRAPH, DERIVES, PREMISE, RULE};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNodeRef, NamedOrBlankNode, Term, Triple, TripleRef};
use oxigraph::store::Store;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// Why a triple holds: asserted, derived (every recorded derivation), or neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofTree {
    /// Subject, N-Triples syntax.
    pub subject: String,
    /// Predicate, N-Triples syntax.
    pub predicate: String,
    /// Object, N-Triples syntax.
    pub object: String,
    /// Graphs asserting the triple (empty when only derived).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub asserted_in: Vec<String>,
    /// Recorded derivations (only for triples not asserted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub derivations: Vec<ProofStep>,
    /// Why the node was not expanded, or that nothing supports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<ProofNote>,
}

/// One derivation: a rule applied to premises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProofStep {
    /// IRI of the rule.
    pub rule: String,
    /// IRI of the derivation record.
    pub derivation: String,
    /// Proofs of the premises.
    pub premises: Vec<ProofTree>,
}

/// Why a proof node is a leaf although not asserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProofNote {
    /// The triple is already being proven higher up this branch.
    Cycle,
    /// The depth or size bound was reached.
    Truncated,
    /// Neither asserted nor derived: the triple does not hold.
    Unsupported,
}

/// Bounds of a proof expansion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhyOptions {
    /// Deepest level expanded (the root is level 0).
    pub max_depth: usize,
    /// Most proof nodes in the whole tree.
    pub max_nodes: usize,
}

impl Default for WhyOptions {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_nodes: 10_000,
        }
    }
}

/// The proof tree of `triple` with default bounds.
pub fn why(store: &Store, triple: TripleRef<'_>) -> Result<ProofTree, ReasonError> {
    why_with(store, triple, WhyOptions::default())
}

/// The proof tree of `triple` within `options`.
pub fn why_with(
    store: &Store,
    triple: TripleRef<'_>,
    options: WhyOptions,
) -> Result<ProofTree, ReasonError> {
    let mut ctx = Ctx {
        store,
        options,
        nodes: 0,
        path: HashSet::new(),
    };
    ctx.expand(triple.into_owned(), 0)
}

struct Ctx<'a> {
    store: &'a Store,
    options: WhyOptions,
    nodes: usize,
    path: HashSet<Triple>,
}

impl Ctx<'_> {
    fn expand(&mut self, t: Triple, depth: usize) -> Result<ProofTree, ReasonError> {
        self.nodes += 1;
        let mut node = ProofTree {
            subject: t.subject.to_string(),
            predicate: t.predicate.to_string(),
            object: t.object.to_string(),
            asserted_in: Vec::new(),
            derivations: Vec::new(),
            note: None,
        };
        for q in self.store.quads_for_pattern(
            Some(t.subject.as_ref()),
            Some(t.predicate.as_ref()),
            Some(t.object.as_ref()),
            None,
        ) {
            let g = q?.graph_name;
            if is_asserted_graph(g.as_ref()) {
                node.asserted_in.push(g.to_string());
            }
        }
        if !node.asserted_in.is_empty() {
            return Ok(node);
        }
        if self.path.contains(&t) {
            node.note = Some(ProofNote::Cycle);
            return Ok(node);
        }
        if depth >= self.options.max_depth || self.nodes >= self.options.max_nodes {
            node.note = Some(ProofNote::Truncated);
            return Ok(node);
        }
        let stmt = statement_iri(t.as_ref());
        let records: Vec<NamedOrBlankNode> = self
            .store
            .quads_for_pattern(
                None,
                Some(DERIVES),
                Some(stmt.as_ref().into()),
                Some(DERIVATIONS_GRAPH.into()),
            )
            .map(|q| q.map(|q| q.subject))
            .collect::<Result<_, _>>()?;
        if records.is_empty() {
            node.note = Some(ProofNote::Unsupported);
            return Ok(node);
        }
        self.path.insert(t.clone());
        for d in records {
            let rule = self
                .object(&d, RULE)?
                .map(|r| r.to_string())
                .unwrap_or_default();
            let mut premises = Vec::new();
            for ps in self.objects(&d, PREMISE)? {
                if let Some(p) = self.reified(&ps)? {
                    premises.push(self.expand(p, depth + 1)?);
                }
            }
            node.derivations.push(ProofStep {
                rule: strip(&rule),
                derivation: strip(&d.to_string()),
                premises,
            });
        }
        self.path.remove(&t);
        Ok(node)
    }

    fn objects(&self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>) -> Result<Vec<Term>, ReasonError> {
        Ok(self
            .store
            .quads_for_pattern(
                Some(s.as_ref()),
                Some(p),
                None,
                Some(DERIVATIONS_GRAPH.into()),
            )
            .map(|q| q.map(|q| q.object))
            .collect::<Result<_, _>>()?)
    }

    fn object(
        &self,
        s: &NamedOrBlankNode,
        p: NamedNodeRef<'_>,
    ) -> Result<Option<Term>, ReasonError> {
        Ok(self.objects(s, p)?.into_iter().next())
    }

    /// The triple a reified statement node stands for.
    fn reified(&self, node: &Term) -> Result<Option<Triple>, ReasonError> {
        let node: NamedOrBlankNode = match node {
            Term::NamedNode(n) => n.clone().into(),
            Term::BlankNode(b) => b.clone().into(),
            Term::Literal(_) => return Ok(None),
        };
        let s = self.object(&node, rdf::SUBJECT)?;
        let p = self.object(&node, rdf::PREDICATE)?;
        let o = self.object(&node, rdf::OBJECT)?;
        Ok(match (s, p, o) {
            (Some(Term::NamedNode(s)), Some(Term::NamedNode(p)), Some(o)) => {
                Some(Triple::new(s, p, o))
            }
            (Some(Term::BlankNode(s)), Some(Term::NamedNode(p)), Some(o)) => {
                Some(Triple::new(s, p, o))
            }
            _ => None,
        })
    }
}

/// `<iri>` -> `iri`.
fn strip(s: &str) -> String {
    s.trim_start_matches('<').trim_end_matches('>').to_owned()
}

impl ProofTree {
    /// Whether the triple is asserted in some content graph.
    pub fn is_asserted(&self) -> bool {
        !self.asserted_in.is_empty()
    }

    /// Whether the tree proves the triple: asserted, or some derivation whose premises are all
    /// proven (cycle and truncated leaves count as not proven).
    pub fn is_grounded(&self) -> bool {
        self.is_asserted()
            || self
                .derivations
                .iter()
                .any(|d| d.premises.iter().all(ProofTree::is_grounded))
    }

    /// The triple in N-Triples syntax, without the final dot.
    pub fn triple_text(&self) -> String {
        format!("{} {} {}", self.subject, self.predicate, self.object)
    }

    /// Indented text, one line per triple and per derivation.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.text(&mut out, 0);
        out
    }

    fn text(&self, out: &mut String, level: usize) {
        let pad = "  ".repeat(level);
        let status = if self.is_asserted() {
            format!("asserted in {}", self.asserted_in.join(", "))
        } else {
            match self.note {
                Some(ProofNote::Cycle) => "cycle: proven above".to_owned(),
                Some(ProofNote::Truncated) => "not expanded: bound reached".to_owned(),
                Some(ProofNote::Unsupported) => {
                    "NOT SUPPORTED: neither asserted nor derived".to_owned()
                }
                None => format!("derived, {} derivation(s)", self.derivations.len()),
            }
        };
        let _ = writeln!(out, "{pad}{} .  [{status}]", self.triple_text());
        for d in &self.derivations {
            let _ = writeln!(out, "{pad}  by rule <{}>", d.rule);
            for p in &d.premises {
                p.text(out, level + 2);
            }
        }
    }

    /// Graphviz dot: a box per triple (asserted ones filled), an ellipse per derivation labelled
    /// with its rule, edges premise -> derivation -> conclusion.
    pub fn to_dot(&self) -> String {
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut body = String::new();
        let mut edges = HashSet::new();
        self.dot(&mut ids, &mut body, &mut edges);
        format!(
            "digraph proof {{\n  rankdir=BT;\n  node [fontname=\"Helvetica\", fontsize=10];\n{body}}}\n"
        )
    }

    fn dot(
        &self,
        ids: &mut BTreeMap<String, usize>,
        body: &mut String,
        edges: &mut HashSet<String>,
    ) -> usize {
        let key = self.triple_text();
        if let Some(&id) = ids.get(&key) {
            if self.derivations.is_empty() {
                return id;
            }
        }
        let fresh = !ids.contains_key(&key);
        let n = ids.len();
        let id = *ids.entry(key.clone()).or_insert(n);
        if fresh {
            let style = if self.is_asserted() {
                ", style=filled, fillcolor=\"#e8f0ff\""
            } else {
                ""
            };
            let _ = writeln!(
                body,
                "  t{id} [shape=box{style}, label=\"{}\"];",
                escape(&key)
            );
        }
        for d in &self.derivations {
            let dkey = format!("d:{}", d.derivation);
            let fresh_d = !ids.contains_key(&dkey);
            let n = ids.len();
            let did = *ids.entry(dkey).or_insert(n);
            if fresh_d {
                let rule = d.rule.rsplit("/rule/").next().unwrap_or(&d.rule);
                let _ = writeln!(
                    body,
                    "  t{did} [shape=ellipse, label=\"{}\"];",
                    escape(rule)
                );
            }
            if edges.insert(format!("{did}->{id}")) {
                let _ = writeln!(body, "  t{did} -> t{id};");
            }
            for p in &d.premises {
                let pid = p.dot(ids, body, edges);
                if edges.insert(format!("{pid}->{did}")) {
                    let _ = writeln!(body, "  t{pid} -> t{did};");
                }
            }
        }
        id
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
