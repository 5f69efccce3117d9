//! Reads a SHACL shapes graph into [`Shapes`]: each shape with its targets, path, severity,
//! messages and constraints, checked once so that validation never meets a malformed shape.
//!
//! A node is a shape when it is typed `sh:NodeShape`/`sh:PropertyShape`, has a target, has a
//! SHACL Core constraint parameter, or is the value of a shape-expecting parameter
//! (`sh:node`, `sh:property`, `sh:not`, `sh:and`/`sh:or`/`sh:xone` members,
//! `sh:qualifiedValueShape`). Boolean parameters count only when exactly `true`
//! (`"true"^^xsd:boolean`), as the W3C tests expect.

use std::collections::{HashMap, HashSet};

use oxigraph::model::vocab::rdfs;
use oxigraph::model::{Graph, Literal, NamedNode, NamedOrBlankNode, Term, TermRef};
use oxigraph::store::StorageError;
use regex::Regex;

use super::data::DataView;
use super::paths::{Path, PathError};
use super::report::Severity;

/// Index of a shape in [`Shapes`].
pub(crate) type ShapeId = usize;

/// A malformed shapes graph.
#[derive(Debug, thiserror::Error)]
pub enum ShapesError {
    /// A parameter of the shape has a value SHACL does not allow.
    #[error("malformed shape {shape}: {message}")]
    Malformed {
        /// The shape, in N-Triples syntax.
        shape: String,
        /// What is wrong.
        message: String,
    },
    /// The shape's `sh:path` (or a list it uses) is not a well-formed SHACL path or list.
    #[error("malformed shape {shape}: {source}")]
    Path {
        /// The shape, in N-Triples syntax.
        shape: String,
        /// The path error.
        #[source]
        source: PathError,
    },
    /// Reading the shapes graph failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// How a shape selects its focus nodes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// SHACL instances of the class (`sh:targetClass`, or the shape itself as an `rdfs:Class`).
    Class(Term),
    /// The node itself (`sh:targetNode`).
    Node(Term),
    /// Subjects of triples with the predicate (`sh:targetSubjectsOf`).
    SubjectsOf(NamedNode),
    /// Objects of triples with the predicate (`sh:targetObjectsOf`).
    ObjectsOf(NamedNode),
}

/// The bound of a range constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    /// `sh:minExclusive`: bound < value.
    MinExclusive,
    /// `sh:minInclusive`: bound <= value.
    MinInclusive,
    /// `sh:maxExclusive`: value < bound.
    MaxExclusive,
    /// `sh:maxInclusive`: value <= bound.
    MaxInclusive,
}

/// One instance of a SHACL Core constraint component, with its parameters.
#[derive(Debug, Clone)]
pub(crate) enum Constraint {
    Class(Term),
    Datatype(NamedNode),
    NodeKind(NamedNode),
    MinCount(usize),
    MaxCount(usize),
    Range(Range, Term),
    MinLength(usize),
    MaxLength(usize),
    Pattern(Regex, String),
    LanguageIn(Vec<String>),
    UniqueLang,
    Equals(NamedNode),
    Disjoint(NamedNode),
    LessThan(NamedNode),
    LessThanOrEquals(NamedNode),
    Not(ShapeId),
    And(Vec<ShapeId>),
    Or(Vec<ShapeId>),
    Xone(Vec<ShapeId>),
    Node(ShapeId),
    Property(ShapeId),
    Qualified {
        shape: ShapeId,
        min: Option<usize>,
        max: Option<usize>,
        disjoint: bool,
        siblings: Vec<ShapeId>,
    },
    Closed(HashSet<NamedNode>),
    HasValue(Term),
    In(Vec<Term>),
}

/// A parsed shape.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    pub(crate) node: NamedOrBlankNode,
    pub(crate) path: Option<Path>,
    pub(crate) targets: Vec<Target>,
    pub(crate) deactivated: bool,
    pub(crate) severity: Severity,
    pub(crate) messages: Vec<Literal>,
    pub(crate) constraints: Vec<Constraint>,
}

/// A parsed SHACL shapes graph, ready to validate data with (parse once, validate often).
#[derive(Debug, Clone, Default)]
pub struct Shapes {
    pub(crate) shapes: Vec<Shape>,
}

impl Shapes {
    /// Parses the shapes of an in-memory shapes graph.
    pub fn from_graph(graph: &Graph) -> Result<Self, ShapesError> {
        Self::parse(graph)
    }

    /// Parses the shapes of a shapes graph seen through any [`DataView`] (e.g. the ontology
    /// graphs of a store).
    pub fn parse(view: &impl DataView) -> Result<Self, ShapesError> {
        let mut shapes = super::parser::parse_shapes(view)?;
        link_siblings(&mut shapes);
        Ok(Self { shapes })
    }

    /// Number of shapes.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether there is no shape at all.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }
}

/// `class` and its subclasses (`rdfs:subClassOf*`, inverse).
pub(crate) fn subclasses(
    view: &impl DataView,
    class: TermRef<'_>,
) -> Result<Vec<Term>, StorageError> {
    let mut out = vec![class.into_owned()];
    let mut seen: HashSet<Term> = out.iter().cloned().collect();
    let mut i = 0;
    while i < out.len() {
        for sub in view.subjects(rdfs::SUB_CLASS_OF, out[i].as_ref())? {
            let sub = Term::from(sub);
            if seen.insert(sub.clone()) {
                out.push(sub);
            }
        }
        i += 1;
    }
    Ok(out)
}

/// Fills in the sibling shapes of `sh:qualifiedValueShapesDisjoint`: the qualified value
/// shapes of the other property shapes of the same parent shapes (SHACL 4.7.3).
fn link_siblings(shapes: &mut [Shape]) {
    let qualified_of = |shape: &Shape| -> Vec<ShapeId> {
        shape
            .constraints
            .iter()
            .filter_map(|c| match c {
                Constraint::Qualified { shape, .. } => Some(*shape),
                _ => None,
            })
            .collect()
    };
    let mut parents: HashMap<ShapeId, Vec<ShapeId>> = HashMap::new();
    for (id, shape) in shapes.iter().enumerate() {
        for c in &shape.constraints {
            if let Constraint::Property(child) = c {
                parents.entry(*child).or_default().push(id);
            }
        }
    }
    let mut updates = Vec::new();
    for (id, shape) in shapes.iter().enumerate() {
        let own = qualified_of(shape);
        let mut siblings = Vec::new();
        for parent in parents.get(&id).into_iter().flatten() {
            for c in &shapes[*parent].constraints {
                if let Constraint::Property(sibling) = c {
                    for q in qualified_of(&shapes[*sibling]) {
                        if !own.contains(&q) && !siblings.contains(&q) {
                            siblings.push(q);
                        }
                    }
                }
            }
        }
        updates.push(siblings);
    }
    for (shape, siblings) in shapes.iter_mut().zip(updates) {
        for c in &mut shape.constraints {
            if let Constraint::Qualified {
                disjoint: true,
                siblings: s,
                ..
            } = c
            {
                s.clone_from(&siblings);
            }
        }
    }
}
