//! The validation run: focus nodes from targets, value nodes from paths, each shape's
//! constraints in turn, and the conformance checks that `sh:node`, `sh:not`, `sh:and`,
//! `sh:or`, `sh:xone` and `sh:qualifiedValueShape` make on other shapes.
//!
//! Conformance checks stop at the first result and are memoised per (shape, node). Recursive
//! shapes are not defined by SHACL; here a check that reaches a (shape, node) pair already
//! being checked assumes it conforms, so validation always terminates.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{NamedNode, NamedNodeRef, Term, TermRef};
use oxigraph::store::StorageError;

use super::data::{DataView, as_subject};
use super::paths::Path;
use super::report::ValidationResult;
use super::shapes::{ShapeId, Shapes, Target, subclasses};

/// A failed constraint, before it is turned into a [`ValidationResult`].
pub(crate) struct Finding {
    pub(crate) focus: Term,
    pub(crate) shape: ShapeId,
    /// The targeted shape whose validation led here (differs from `shape` when the
    /// constraint sits in a nested shape).
    pub(crate) root: ShapeId,
    pub(crate) component: NamedNodeRef<'static>,
    pub(crate) value: Option<Term>,
    /// The predicate reported as `sh:resultPath` by `sh:closed`, instead of the shape's path.
    pub(crate) predicate: Option<NamedNode>,
    pub(crate) detail: String,
}

/// One validation run over a data view.
pub(crate) struct Engine<'a, V: ?Sized> {
    pub(crate) view: &'a V,
    pub(crate) shapes: &'a Shapes,
    conformance: HashMap<(ShapeId, Term), bool>,
    active: HashSet<(ShapeId, Term)>,
    superclasses: HashMap<Term, Rc<HashSet<Term>>>,
}

impl<'a, V: DataView + ?Sized> Engine<'a, V> {
    pub(crate) fn new(view: &'a V, shapes: &'a Shapes) -> Self {
        Self {
            view,
            shapes,
            conformance: HashMap::new(),
            active: HashSet::new(),
            superclasses: HashMap::new(),
        }
    }

    /// Validates every focus node of every active shape with targets.
    pub(crate) fn run(&mut self) -> Result<Vec<Finding>, StorageError> {
        let mut out = Vec::new();
        let shapes = self.shapes;
        for (id, shape) in shapes.shapes.iter().enumerate() {
            if shape.deactivated || shape.targets.is_empty() {
                continue;
            }
            for focus in self.focus_nodes(&shape.targets)? {
                let first = out.len();
                self.validate_shape(id, &focus, &mut out, false)?;
                for finding in &mut out[first..] {
                    finding.root = id;
                }
            }
        }
        Ok(out)
    }

    /// The focus nodes of a shape's targets, each once.
    fn focus_nodes(&self, targets: &[Target]) -> Result<Vec<Term>, StorageError> {
        let mut nodes = Vec::new();
        for target in targets {
            match target {
                Target::Node(node) => nodes.push(node.clone()),
                Target::Class(class) => {
                    for class in subclasses(&self.view, class.as_ref())? {
                        nodes.extend(
                            self.view
                                .subjects(rdf::TYPE, class.as_ref())?
                                .into_iter()
                                .map(Term::from),
                        );
                    }
                }
                Target::SubjectsOf(p) => nodes.extend(
                    self.view
                        .triples_with_predicate(p.as_ref())?
                        .into_iter()
                        .map(|(s, _)| Term::from(s)),
                ),
                Target::ObjectsOf(p) => nodes.extend(
                    self.view
                        .triples_with_predicate(p.as_ref())?
                        .into_iter()
                        .map(|(_, o)| o),
                ),
            }
        }
        let mut seen = HashSet::new();
        nodes.retain(|n| seen.insert(n.clone()));
        Ok(nodes)
    }

    /// Validates `focus` against shape `id`, appending findings to `out`. With `stop_early`,
    /// returns as soon as there is one finding (enough to decide conformance).
    pub(crate) fn validate_shape(
        &mut self,
        id: ShapeId,
        focus: &Term,
        out: &mut Vec<Finding>,
        stop_early: bool,
    ) -> Result<(), StorageError> {
        let shapes = self.shapes;
        let shape = &shapes.shapes[id];
        if shape.deactivated {
            return Ok(());
        }
        let values = match &shape.path {
            Some(path) => path.values(&self.view, focus)?,
            None => vec![focus.clone()],
        };
        for constraint in &shape.constraints {
            self.check(id, constraint, focus, &values, out, stop_early)?;
            if stop_early && !out.is_empty() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Whether `node` conforms to shape `id` (no result of any severity).
    pub(crate) fn conforms(&mut self, id: ShapeId, node: &Term) -> Result<bool, StorageError> {
        let key = (id, node.clone());
        if let Some(known) = self.conformance.get(&key) {
            return Ok(*known);
        }
        if !self.active.insert(key.clone()) {
            return Ok(true);
        }
        let mut out = Vec::new();
        let outcome = self.validate_shape(id, node, &mut out, true);
        self.active.remove(&key);
        outcome?;
        let conforms = out.is_empty();
        self.conformance.insert(key, conforms);
        Ok(conforms)
    }

    /// Whether `node` is a SHACL instance of `class` (`rdf:type/rdfs:subClassOf*`).
    pub(crate) fn is_instance(&mut self, node: &Term, class: &Term) -> Result<bool, StorageError> {
        let Some(subject) = as_subject(node.as_ref()) else {
            return Ok(false);
        };
        for ty in self.view.objects(subject, rdf::TYPE)? {
            if self.superclasses_of(ty)?.contains(class) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// `class` and all its superclasses, memoised.
    fn superclasses_of(&mut self, class: Term) -> Result<Rc<HashSet<Term>>, StorageError> {
        if let Some(known) = self.superclasses.get(&class) {
            return Ok(Rc::clone(known));
        }
        let mut seen = HashSet::from([class.clone()]);
        let mut stack = vec![class.clone()];
        while let Some(current) = stack.pop() {
            if let Some(subject) = as_subject(current.as_ref()) {
                for sup in self.view.objects(subject, rdfs::SUB_CLASS_OF)? {
                    if seen.insert(sup.clone()) {
                        stack.push(sup);
                    }
                }
            }
        }
        let set = Rc::new(seen);
        self.superclasses.insert(class, Rc::clone(&set));
        Ok(set)
    }

    /// Values of `predicate` on `focus` (none for a literal focus node).
    pub(crate) fn objects_of(
        &self,
        focus: &Term,
        predicate: &NamedNode,
    ) -> Result<Vec<Term>, StorageError> {
        match as_subject(focus.as_ref()) {
            Some(subject) => self.view.objects(subject, predicate.as_ref()),
            None => Ok(Vec::new()),
        }
    }

    /// Turns a finding into a public result, with the shape's path, severity and messages.
    pub(crate) fn result(&self, finding: Finding) -> ValidationResult {
        let shape = &self.shapes.shapes[finding.shape];
        let path = match finding.predicate {
            Some(p) => Some(Path::Predicate(p)),
            None => shape.path.clone(),
        };
        ValidationResult {
            focus_node: finding.focus,
            path,
            value: finding.value,
            constraint_component: finding.component.into_owned(),
            source_shape: shape.node.clone(),
            root_shape: self.shapes.shapes[finding.root].node.clone(),
            severity: shape.severity.clone(),
            messages: ValidationResult::messages_from(&shape.messages, &finding.detail),
            detail: finding.detail,
        }
    }
}

/// Renders a term for a generated message.
pub(crate) fn show(term: TermRef<'_>) -> String {
    term.to_string()
}
