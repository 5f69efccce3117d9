//! Reads each shape of a shapes graph: finds the shape nodes, then each one's path, targets,
//! severity, messages and constraint parameters, refusing values SHACL does not allow.

use std::collections::{HashMap, HashSet, VecDeque};

use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use oxigraph::store::StorageError;

use super::data::{DataView, as_subject};
use super::paths::{Path, read_list};
use super::report::Severity;
use super::sh;
use super::shapes::{Constraint, Range, Shape, ShapeId, ShapesError, Target, subclasses};
use super::terms::build_regex;

/// Parses every shape of the shapes graph; a shape's index is its [`ShapeId`].
pub(crate) fn parse_shapes(view: &impl DataView) -> Result<Vec<Shape>, ShapesError> {
    let mut parser = Parser {
        view,
        index: HashMap::new(),
        nodes: Vec::new(),
        queue: VecDeque::new(),
        shapes: Vec::new(),
    };
    for node in candidates(view)? {
        parser.intern(node);
    }
    while let Some(id) = parser.queue.pop_front() {
        let shape = parser.parse_shape(id)?;
        parser.shapes[id] = Some(shape);
    }
    Ok(parser.shapes.into_iter().flatten().collect())
}

/// Constraint parameters whose subject is a shape.
const PARAMETERS: [NamedNodeRef<'static>; 33] = [
    sh::CLASS,
    sh::DATATYPE,
    sh::NODE_KIND,
    sh::MIN_COUNT,
    sh::MAX_COUNT,
    sh::MIN_EXCLUSIVE,
    sh::MIN_INCLUSIVE,
    sh::MAX_EXCLUSIVE,
    sh::MAX_INCLUSIVE,
    sh::MIN_LENGTH,
    sh::MAX_LENGTH,
    sh::PATTERN,
    sh::LANGUAGE_IN,
    sh::UNIQUE_LANG,
    sh::EQUALS,
    sh::DISJOINT,
    sh::LESS_THAN,
    sh::LESS_THAN_OR_EQUALS,
    sh::NOT,
    sh::AND,
    sh::OR,
    sh::XONE,
    sh::NODE,
    sh::PROPERTY,
    sh::QUALIFIED_VALUE_SHAPE,
    sh::CLOSED,
    sh::HAS_VALUE,
    sh::IN,
    sh::TARGET_CLASS,
    sh::TARGET_NODE,
    sh::TARGET_SUBJECTS_OF,
    sh::TARGET_OBJECTS_OF,
    sh::PATH,
];

/// Shape nodes found by type, target or constraint parameter, in a stable order.
fn candidates(view: &impl DataView) -> Result<Vec<NamedOrBlankNode>, StorageError> {
    let mut found = Vec::new();
    for class in [sh::NODE_SHAPE, sh::PROPERTY_SHAPE] {
        for class in subclasses(view, class.into())? {
            found.extend(view.subjects(rdf::TYPE, class.as_ref())?);
        }
    }
    for parameter in PARAMETERS {
        found.extend(
            view.triples_with_predicate(parameter)?
                .into_iter()
                .map(|(s, _)| s),
        );
    }
    let mut seen = HashSet::new();
    found.retain(|n| seen.insert(n.clone()));
    Ok(found)
}

/// Whether the literal is exactly `"true"^^xsd:boolean`.
fn is_true(term: &Term) -> bool {
    matches!(term, Term::Literal(l) if l.datatype() == xsd::BOOLEAN && l.value() == "true")
}

struct Parser<'a, V> {
    view: &'a V,
    index: HashMap<NamedOrBlankNode, ShapeId>,
    nodes: Vec<NamedOrBlankNode>,
    queue: VecDeque<ShapeId>,
    shapes: Vec<Option<Shape>>,
}

impl<V: DataView> Parser<'_, V> {
    fn intern(&mut self, node: NamedOrBlankNode) -> ShapeId {
        if let Some(id) = self.index.get(&node) {
            return *id;
        }
        let id = self.shapes.len();
        self.shapes.push(None);
        self.nodes.push(node.clone());
        self.index.insert(node, id);
        self.queue.push_back(id);
        id
    }

    fn parse_shape(&mut self, id: ShapeId) -> Result<Shape, ShapesError> {
        let node = self.nodes[id].clone();
        let cx = ShapeCx {
            view: self.view,
            node: node.clone(),
        };
        let paths = cx.values(sh::PATH)?;
        let path =
            match paths.as_slice() {
                [] => None,
                [path] => Some(Path::parse(self.view, path.as_ref()).map_err(|source| {
                    ShapesError::Path {
                        shape: node.to_string(),
                        source,
                    }
                })?),
                _ => return Err(cx.error("more than one sh:path")),
            };
        let severity = match cx.values(sh::SEVERITY)?.as_slice() {
            [] => Severity::Violation,
            [Term::NamedNode(s)] => Severity::from_iri(s.as_ref()),
            _ => return Err(cx.error("sh:severity must be a single IRI")),
        };
        let deactivated = cx.values(sh::DEACTIVATED)?.iter().any(is_true);
        let mut messages = Vec::new();
        for message in cx.values(sh::MESSAGE)? {
            match message {
                Term::Literal(l) => messages.push(l),
                _ => return Err(cx.error("sh:message must be a literal")),
            }
        }
        let targets = self.targets(&cx)?;
        let constraints = self.constraints(&cx)?;
        Ok(Shape {
            node,
            path,
            targets,
            deactivated,
            severity,
            messages,
            constraints,
        })
    }

    fn targets(&self, cx: &ShapeCx<'_, V>) -> Result<Vec<Target>, ShapesError> {
        let mut targets = Vec::new();
        for class in cx.values(sh::TARGET_CLASS)? {
            targets.push(Target::Class(class));
        }
        let shape_term = Term::from(cx.node.clone());
        let is_shape_class = self
            .view
            .is_instance_of(shape_term.as_ref(), rdfs::CLASS.into())?;
        if is_shape_class
            && (self
                .view
                .is_instance_of(shape_term.as_ref(), sh::NODE_SHAPE.into())?
                || self
                    .view
                    .is_instance_of(shape_term.as_ref(), sh::PROPERTY_SHAPE.into())?)
        {
            targets.push(Target::Class(shape_term));
        }
        for node in cx.values(sh::TARGET_NODE)? {
            targets.push(Target::Node(node));
        }
        for p in cx.values(sh::TARGET_SUBJECTS_OF)? {
            targets.push(Target::SubjectsOf(cx.iri(sh::TARGET_SUBJECTS_OF, p)?));
        }
        for p in cx.values(sh::TARGET_OBJECTS_OF)? {
            targets.push(Target::ObjectsOf(cx.iri(sh::TARGET_OBJECTS_OF, p)?));
        }
        Ok(targets)
    }

    fn shape_ref(
        &mut self,
        cx: &ShapeCx<'_, V>,
        parameter: NamedNodeRef<'_>,
        value: Term,
    ) -> Result<ShapeId, ShapesError> {
        match as_subject(value.as_ref()) {
            Some(node) => Ok(self.intern(node.into_owned())),
            None => Err(cx.error(format!(
                "the value of {parameter} must be a shape, not {value}"
            ))),
        }
    }

    fn shape_list(
        &mut self,
        cx: &ShapeCx<'_, V>,
        parameter: NamedNodeRef<'_>,
        head: Term,
    ) -> Result<Vec<ShapeId>, ShapesError> {
        cx.list(head)?
            .into_iter()
            .map(|member| self.shape_ref(cx, parameter, member))
            .collect()
    }

    fn constraints(&mut self, cx: &ShapeCx<'_, V>) -> Result<Vec<Constraint>, ShapesError> {
        use Constraint as C;
        let mut out = Vec::new();
        for v in cx.values(sh::CLASS)? {
            match v {
                Term::Literal(_) => return Err(cx.error("sh:class must be an IRI")),
                class => out.push(C::Class(class)),
            }
        }
        for v in cx.values(sh::DATATYPE)? {
            out.push(C::Datatype(cx.iri(sh::DATATYPE, v)?));
        }
        for v in cx.values(sh::NODE_KIND)? {
            let kind = cx.iri(sh::NODE_KIND, v)?;
            let known = [
                sh::IRI,
                sh::BLANK_NODE,
                sh::LITERAL,
                sh::BLANK_NODE_OR_IRI,
                sh::BLANK_NODE_OR_LITERAL,
                sh::IRI_OR_LITERAL,
            ];
            if !known.contains(&kind.as_ref()) {
                return Err(cx.error(format!("unknown sh:nodeKind {kind}")));
            }
            out.push(C::NodeKind(kind));
        }
        for (p, make) in [
            (sh::MIN_COUNT, C::MinCount as fn(usize) -> C),
            (sh::MAX_COUNT, C::MaxCount),
            (sh::MIN_LENGTH, C::MinLength),
            (sh::MAX_LENGTH, C::MaxLength),
        ] {
            for v in cx.values(p)? {
                out.push(make(cx.count(p, &v)?));
            }
        }
        for (p, range) in [
            (sh::MIN_EXCLUSIVE, Range::MinExclusive),
            (sh::MIN_INCLUSIVE, Range::MinInclusive),
            (sh::MAX_EXCLUSIVE, Range::MaxExclusive),
            (sh::MAX_INCLUSIVE, Range::MaxInclusive),
        ] {
            for v in cx.values(p)? {
                match v {
                    Term::Literal(_) => out.push(C::Range(range, v)),
                    _ => return Err(cx.error(format!("{p} must be a literal"))),
                }
            }
        }
        let flags = match cx.values(sh::FLAGS)?.as_slice() {
            [] => String::new(),
            [Term::Literal(l)] => l.value().to_owned(),
            _ => return Err(cx.error("sh:flags must be a single string")),
        };
        for v in cx.values(sh::PATTERN)? {
            let Term::Literal(pattern) = v else {
                return Err(cx.error("sh:pattern must be a string"));
            };
            let regex = build_regex(pattern.value(), &flags)
                .map_err(|e| cx.error(format!("sh:pattern {:?}: {e}", pattern.value())))?;
            out.push(C::Pattern(regex, pattern.value().to_owned()));
        }
        for v in cx.values(sh::LANGUAGE_IN)? {
            let mut ranges = Vec::new();
            for member in cx.list(v)? {
                match member {
                    Term::Literal(l) => ranges.push(l.value().to_owned()),
                    _ => return Err(cx.error("sh:languageIn members must be strings")),
                }
            }
            out.push(C::LanguageIn(ranges));
        }
        if cx.values(sh::UNIQUE_LANG)?.iter().any(is_true) {
            out.push(C::UniqueLang);
        }
        for (p, make) in [
            (sh::EQUALS, C::Equals as fn(NamedNode) -> C),
            (sh::DISJOINT, C::Disjoint),
            (sh::LESS_THAN, C::LessThan),
            (sh::LESS_THAN_OR_EQUALS, C::LessThanOrEquals),
        ] {
            for v in cx.values(p)? {
                out.push(make(cx.iri(p, v)?));
            }
        }
        for v in cx.values(sh::NOT)? {
            out.push(C::Not(self.shape_ref(cx, sh::NOT, v)?));
        }
        for (p, make) in [
            (sh::AND, C::And as fn(Vec<ShapeId>) -> C),
            (sh::OR, C::Or),
            (sh::XONE, C::Xone),
        ] {
            for v in cx.values(p)? {
                out.push(make(self.shape_list(cx, p, v)?));
            }
        }
        for v in cx.values(sh::NODE)? {
            out.push(C::Node(self.shape_ref(cx, sh::NODE, v)?));
        }
        for v in cx.values(sh::PROPERTY)? {
            let id = self.shape_ref(cx, sh::PROPERTY, v.clone())?;
            let node = as_subject(v.as_ref()).expect("checked by shape_ref");
            if self.view.objects(node, sh::PATH)?.is_empty() {
                return Err(cx.error(format!("sh:property value {v} has no sh:path")));
            }
            out.push(C::Property(id));
        }
        self.qualified(cx, &mut out)?;
        if cx.values(sh::CLOSED)?.iter().any(is_true) {
            out.push(C::Closed(self.closed_allowed(cx)?));
        }
        for v in cx.values(sh::HAS_VALUE)? {
            out.push(C::HasValue(v));
        }
        for v in cx.values(sh::IN)? {
            out.push(C::In(cx.list(v)?));
        }
        Ok(out)
    }

    fn qualified(
        &mut self,
        cx: &ShapeCx<'_, V>,
        out: &mut Vec<Constraint>,
    ) -> Result<(), ShapesError> {
        let min = match cx.values(sh::QUALIFIED_MIN_COUNT)?.first() {
            Some(v) => Some(cx.count(sh::QUALIFIED_MIN_COUNT, v)?),
            None => None,
        };
        let max = match cx.values(sh::QUALIFIED_MAX_COUNT)?.first() {
            Some(v) => Some(cx.count(sh::QUALIFIED_MAX_COUNT, v)?),
            None => None,
        };
        let disjoint = cx
            .values(sh::QUALIFIED_VALUE_SHAPES_DISJOINT)?
            .iter()
            .any(is_true);
        for v in cx.values(sh::QUALIFIED_VALUE_SHAPE)? {
            let shape = self.shape_ref(cx, sh::QUALIFIED_VALUE_SHAPE, v)?;
            if min.is_some() || max.is_some() {
                out.push(Constraint::Qualified {
                    shape,
                    min,
                    max,
                    disjoint,
                    siblings: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// Predicates a closed shape allows: its property shapes' predicate paths and
    /// `sh:ignoredProperties`.
    fn closed_allowed(&self, cx: &ShapeCx<'_, V>) -> Result<HashSet<NamedNode>, ShapesError> {
        let mut allowed = HashSet::new();
        for property in cx.values(sh::PROPERTY)? {
            if let Some(node) = as_subject(property.as_ref()) {
                for path in self.view.objects(node, sh::PATH)? {
                    if let Term::NamedNode(p) = path {
                        allowed.insert(p);
                    }
                }
            }
        }
        for list in cx.values(sh::IGNORED_PROPERTIES)? {
            for member in cx.list(list)? {
                allowed.insert(cx.iri(sh::IGNORED_PROPERTIES, member)?);
            }
        }
        Ok(allowed)
    }
}

/// The shape being parsed, for reading its parameters and reporting errors about it.
struct ShapeCx<'a, V> {
    view: &'a V,
    node: NamedOrBlankNode,
}

impl<V: DataView> ShapeCx<'_, V> {
    fn values(&self, parameter: NamedNodeRef<'_>) -> Result<Vec<Term>, ShapesError> {
        Ok(self.view.objects(self.node.as_ref(), parameter)?)
    }

    fn error(&self, message: impl Into<String>) -> ShapesError {
        ShapesError::Malformed {
            shape: self.node.to_string(),
            message: message.into(),
        }
    }

    fn iri(&self, parameter: NamedNodeRef<'_>, value: Term) -> Result<NamedNode, ShapesError> {
        match value {
            Term::NamedNode(n) => Ok(n),
            other => Err(self.error(format!("{parameter} must be an IRI, not {other}"))),
        }
    }

    fn count(&self, parameter: NamedNodeRef<'_>, value: &Term) -> Result<usize, ShapesError> {
        match value {
            Term::Literal(l) if l.value().parse::<usize>().is_ok() && l.language().is_none() => {
                Ok(l.value().parse().expect("checked"))
            }
            other => Err(self.error(format!(
                "{parameter} must be a non-negative integer, not {other}"
            ))),
        }
    }

    fn list(&self, head: Term) -> Result<Vec<Term>, ShapesError> {
        read_list(self.view, head.as_ref()).map_err(|source| ShapesError::Path {
            shape: self.node.to_string(),
            source,
        })
    }
}
