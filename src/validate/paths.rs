//! SHACL property paths: read from the shapes graph, evaluated on the data graph, written
//! back as RDF (for `sh:resultPath`) and shown in SPARQL property-path syntax.
//!
//! All seven forms of SHACL 2.3.1 are supported: predicate, sequence (an RDF list),
//! alternative, inverse, zero-or-more, one-or-more and zero-or-one. Evaluation has set
//! semantics, like SPARQL property paths: each value node once.

use std::collections::HashSet;
use std::fmt;

use oxigraph::model::vocab::rdf;
use oxigraph::model::{BlankNode, Graph, NamedNode, NamedOrBlankNode, Term, TermRef, TripleRef};
use oxigraph::store::StorageError;

use super::data::{DataView, as_subject};
use super::sh;

/// A SHACL property path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Path {
    /// An IRI: the values of that predicate.
    Predicate(NamedNode),
    /// `sh:inversePath`: walk the path backwards (SPARQL `^p`).
    Inverse(Box<Path>),
    /// An RDF list of at least two paths, walked one after the other (SPARQL `p/q`).
    Sequence(Vec<Path>),
    /// `sh:alternativePath`: the union of at least two paths (SPARQL `p|q`).
    Alternative(Vec<Path>),
    /// `sh:zeroOrMorePath` (SPARQL `p*`).
    ZeroOrMore(Box<Path>),
    /// `sh:oneOrMorePath` (SPARQL `p+`).
    OneOrMore(Box<Path>),
    /// `sh:zeroOrOnePath` (SPARQL `p?`).
    ZeroOrOne(Box<Path>),
}

/// Why a path node of the shapes graph is not a well-formed SHACL path.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    /// The node is not a SHACL path (the reason says which rule it breaks).
    #[error("malformed property path at {node}: {reason}")]
    Malformed {
        /// The offending node, in N-Triples syntax.
        node: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading the shapes graph failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn malformed(node: TermRef<'_>, reason: impl Into<String>) -> PathError {
    PathError::Malformed {
        node: node.to_string(),
        reason: reason.into(),
    }
}

/// Reads the members of the RDF list starting at `head`.
pub(crate) fn read_list(view: &impl DataView, head: TermRef<'_>) -> Result<Vec<Term>, PathError> {
    let mut items = Vec::new();
    let mut seen = HashSet::new();
    let mut node = head.into_owned();
    while node.as_ref() != rdf::NIL.into() {
        let Some(subject) = as_subject(node.as_ref()) else {
            return Err(malformed(head, "a literal inside an RDF list"));
        };
        if !seen.insert(node.clone()) {
            return Err(malformed(head, "the RDF list is cyclic"));
        }
        let firsts = view.objects(subject, rdf::FIRST)?;
        let rests = view.objects(subject, rdf::REST)?;
        let ([first], [rest]) = (firsts.as_slice(), rests.as_slice()) else {
            return Err(malformed(
                head,
                "an RDF list node needs exactly one rdf:first and one rdf:rest",
            ));
        };
        items.push(first.clone());
        node = rest.clone();
    }
    Ok(items)
}

impl Path {
    /// Reads the path whose root is `node` in the shapes graph.
    pub fn parse(view: &impl DataView, node: TermRef<'_>) -> Result<Self, PathError> {
        Self::parse_guarded(view, node, &mut Vec::new())
    }

    fn parse_guarded(
        view: &impl DataView,
        node: TermRef<'_>,
        stack: &mut Vec<Term>,
    ) -> Result<Self, PathError> {
        let subject = match node {
            TermRef::NamedNode(n) => return Ok(Self::Predicate(n.into_owned())),
            TermRef::BlankNode(b) => NamedOrBlankNode::from(b.into_owned()),
            _ => return Err(malformed(node, "a path is an IRI or a blank node")),
        };
        if stack.iter().any(|t| t.as_ref() == node) {
            return Err(malformed(node, "the path contains itself"));
        }
        stack.push(node.into_owned());
        let result = Self::parse_blank(view, node, &subject, stack);
        stack.pop();
        result
    }

    fn parse_blank(
        view: &impl DataView,
        node: TermRef<'_>,
        subject: &NamedOrBlankNode,
        stack: &mut Vec<Term>,
    ) -> Result<Self, PathError> {
        let parse_all = |items: Vec<Term>, stack: &mut Vec<Term>| {
            items
                .iter()
                .map(|item| Self::parse_guarded(view, item.as_ref(), stack))
                .collect::<Result<Vec<_>, _>>()
        };
        if !view.objects(subject.as_ref(), rdf::FIRST)?.is_empty() {
            let members = parse_all(read_list(view, node)?, stack)?;
            if members.len() < 2 {
                return Err(malformed(
                    node,
                    "a sequence path needs at least two members",
                ));
            }
            return Ok(Self::Sequence(members));
        }
        let kinds = [
            sh::INVERSE_PATH,
            sh::ALTERNATIVE_PATH,
            sh::ZERO_OR_MORE_PATH,
            sh::ONE_OR_MORE_PATH,
            sh::ZERO_OR_ONE_PATH,
        ];
        let mut found = None;
        for kind in kinds {
            for value in view.objects(subject.as_ref(), kind)? {
                if found.is_some() {
                    return Err(malformed(
                        node,
                        "a blank path node has exactly one path kind",
                    ));
                }
                found = Some((kind, value));
            }
        }
        let Some((kind, value)) = found else {
            return Err(malformed(node, "not a list and no sh:…Path property"));
        };
        if kind == sh::ALTERNATIVE_PATH {
            let members = parse_all(read_list(view, value.as_ref())?, stack)?;
            if members.len() < 2 {
                return Err(malformed(
                    node,
                    "an alternative path needs at least two members",
                ));
            }
            return Ok(Self::Alternative(members));
        }
        let inner = Box::new(Self::parse_guarded(view, value.as_ref(), stack)?);
        Ok(if kind == sh::INVERSE_PATH {
            Self::Inverse(inner)
        } else if kind == sh::ZERO_OR_MORE_PATH {
            Self::ZeroOrMore(inner)
        } else if kind == sh::ONE_OR_MORE_PATH {
            Self::OneOrMore(inner)
        } else {
            Self::ZeroOrOne(inner)
        })
    }

    /// The predicate, when the path is a plain predicate path.
    pub fn as_predicate(&self) -> Option<&NamedNode> {
        match self {
            Self::Predicate(p) => Some(p),
            _ => None,
        }
    }

    /// The value nodes reached from `start` along the path, each once.
    pub fn values(&self, view: &impl DataView, start: &Term) -> Result<Vec<Term>, StorageError> {
        self.step(view, std::slice::from_ref(start), false)
    }

    /// All nodes reached from any of `nodes` (backwards when `inverse`).
    fn step(
        &self,
        view: &impl DataView,
        nodes: &[Term],
        inverse: bool,
    ) -> Result<Vec<Term>, StorageError> {
        let mut out = NodeSet::default();
        match self {
            Self::Predicate(p) => {
                for node in nodes {
                    if inverse {
                        for s in view.subjects(p.as_ref(), node.as_ref())? {
                            out.insert(s.into());
                        }
                    } else if let Some(subject) = as_subject(node.as_ref()) {
                        for o in view.objects(subject, p.as_ref())? {
                            out.insert(o);
                        }
                    }
                }
            }
            Self::Inverse(inner) => return inner.step(view, nodes, !inverse),
            Self::Sequence(items) => {
                let mut current = nodes.to_vec();
                let ordered: Box<dyn Iterator<Item = &Path>> = if inverse {
                    Box::new(items.iter().rev())
                } else {
                    Box::new(items.iter())
                };
                for item in ordered {
                    current = item.step(view, &current, inverse)?;
                }
                return Ok(current);
            }
            Self::Alternative(items) => {
                for item in items {
                    out.extend(item.step(view, nodes, inverse)?);
                }
            }
            Self::ZeroOrMore(inner) => {
                out.extend(nodes.iter().cloned());
                closure(inner, view, nodes.to_vec(), inverse, &mut out)?;
            }
            Self::OneOrMore(inner) => {
                let first = inner.step(view, nodes, inverse)?;
                out.extend(first.iter().cloned());
                closure(inner, view, first, inverse, &mut out)?;
            }
            Self::ZeroOrOne(inner) => {
                out.extend(nodes.iter().cloned());
                out.extend(inner.step(view, nodes, inverse)?);
            }
        }
        Ok(out.items)
    }

    /// Writes the path as SHACL RDF into `graph` and returns its root node.
    pub fn to_rdf(&self, graph: &mut Graph) -> Term {
        let (kind, inner) = match self {
            Self::Predicate(p) => return p.clone().into(),
            Self::Sequence(items) => return write_list(items, graph),
            Self::Alternative(items) => {
                let list = write_list(items, graph);
                let node = BlankNode::default();
                graph.insert(TripleRef::new(&node, sh::ALTERNATIVE_PATH, &list));
                return node.into();
            }
            Self::Inverse(inner) => (sh::INVERSE_PATH, inner),
            Self::ZeroOrMore(inner) => (sh::ZERO_OR_MORE_PATH, inner),
            Self::OneOrMore(inner) => (sh::ONE_OR_MORE_PATH, inner),
            Self::ZeroOrOne(inner) => (sh::ZERO_OR_ONE_PATH, inner),
        };
        let value = inner.to_rdf(graph);
        let node = BlankNode::default();
        graph.insert(TripleRef::new(&node, kind, &value));
        node.into()
    }

    /// Writes the path in SPARQL syntax, in parentheses unless it is a single predicate.
    fn fmt_operand(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Predicate(_) => write!(f, "{self}"),
            _ => write!(f, "({self})"),
        }
    }
}

/// Adds to `out` everything reachable from `frontier` by one or more steps of `inner`.
fn closure(
    inner: &Path,
    view: &impl DataView,
    mut frontier: Vec<Term>,
    inverse: bool,
    out: &mut NodeSet,
) -> Result<(), StorageError> {
    let mut expanded = HashSet::new();
    loop {
        frontier.retain(|n| expanded.insert(n.clone()));
        if frontier.is_empty() {
            return Ok(());
        }
        let next = inner.step(view, &frontier, inverse)?;
        out.extend(next.iter().cloned());
        frontier = next;
    }
}

fn write_list(items: &[Path], graph: &mut Graph) -> Term {
    let mut head: Term = rdf::NIL.into_owned().into();
    for item in items.iter().rev() {
        let value = item.to_rdf(graph);
        let node = BlankNode::default();
        graph.insert(TripleRef::new(&node, rdf::FIRST, &value));
        graph.insert(TripleRef::new(&node, rdf::REST, &head));
        head = node.into();
    }
    head
}

/// Terms in insertion order, each once.
#[derive(Default)]
struct NodeSet {
    items: Vec<Term>,
    seen: HashSet<Term>,
}

impl NodeSet {
    fn insert(&mut self, term: Term) -> bool {
        if self.seen.insert(term.clone()) {
            self.items.push(term);
            true
        } else {
            false
        }
    }
}

impl Extend<Term> for NodeSet {
    fn extend<I: IntoIterator<Item = Term>>(&mut self, iter: I) {
        for term in iter {
            self.insert(term);
        }
    }
}

/// SPARQL 1.1 property path syntax with full IRIs, e.g. `^<http://ex/p>/<http://ex/q>*`.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Predicate(p) => write!(f, "{p}"),
            Self::Inverse(inner) => {
                f.write_str("^")?;
                inner.fmt_operand(f)
            }
            Self::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("/")?;
                    }
                    match item {
                        Self::Alternative(_) | Self::Sequence(_) => write!(f, "({item})")?,
                        _ => write!(f, "{item}")?,
                    }
                }
                Ok(())
            }
            Self::Alternative(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("|")?;
                    }
                    match item {
                        Self::Alternative(_) => write!(f, "({item})")?,
                        _ => write!(f, "{item}")?,
                    }
                }
                Ok(())
            }
            Self::ZeroOrMore(inner) => {
                inner.fmt_operand(f)?;
                f.write_str("*")
            }
            Self::OneOrMore(inner) => {
                inner.fmt_operand(f)?;
                f.write_str("+")
            }
            Self::ZeroOrOne(inner) => {
                inner.fmt_operand(f)?;
                f.write_str("?")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::Triple;

    fn iri(local: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("http://ex/{local}"))
    }

    fn p(local: &str) -> Path {
        Path::Predicate(iri(local))
    }

    /// a -p-> b -p-> c -p-> a (a cycle), b -q-> d.
    fn data() -> Graph {
        let mut graph = Graph::new();
        for (s, pr, o) in [
            ("a", "p", "b"),
            ("b", "p", "c"),
            ("c", "p", "a"),
            ("b", "q", "d"),
        ] {
            graph.insert(&Triple::new(iri(s), iri(pr), iri(o)));
        }
        graph
    }

    fn values(path: &Path, start: &str) -> Vec<String> {
        let mut out: Vec<String> = path
            .values(&data(), &iri(start).into())
            .expect("in memory")
            .iter()
            .map(|t| t.to_string().replace("http://ex/", ""))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn evaluation_has_set_semantics_and_handles_cycles() {
        assert_eq!(
            values(&Path::ZeroOrMore(Box::new(p("p"))), "a"),
            ["<a>", "<b>", "<c>"]
        );
        assert_eq!(values(&Path::OneOrMore(Box::new(p("q"))), "b"), ["<d>"]);
        assert_eq!(values(&Path::ZeroOrOne(Box::new(p("q"))), "a"), ["<a>"]);
        let seq = Path::Sequence(vec![p("p"), p("q")]);
        assert_eq!(values(&seq, "a"), ["<d>"]);
        assert_eq!(values(&Path::Inverse(Box::new(seq)), "d"), ["<a>"]);
        let alt = Path::Alternative(vec![p("p"), Path::Inverse(Box::new(p("p")))]);
        assert_eq!(values(&alt, "b"), ["<a>", "<c>"]);
    }

    #[test]
    fn displays_as_sparql_and_round_trips_through_rdf() {
        let path = Path::Sequence(vec![
            Path::Inverse(Box::new(p("p"))),
            Path::Alternative(vec![
                p("q"),
                Path::ZeroOrMore(Box::new(Path::Inverse(Box::new(p("r"))))),
            ]),
        ]);
        assert_eq!(
            path.to_string(),
            "^<http://ex/p>/(<http://ex/q>|(^<http://ex/r>)*)"
        );
        let mut graph = Graph::new();
        let root = path.to_rdf(&mut graph);
        assert_eq!(
            Path::parse(&graph, root.as_ref()).expect("well formed"),
            path
        );
    }
}
