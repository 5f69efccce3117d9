//! The SHACL Core constraint components (SHACL 4.1–4.8): given a focus node and its value
//! nodes, what each constraint reports. The wording of the generated messages lives here.

use std::cmp::Ordering;
use std::collections::HashSet;

use oxigraph::model::{NamedNodeRef, Term};
use oxigraph::store::StorageError;

use super::data::{DataView, as_subject};
use super::engine::{Engine, Finding, show};
use super::sh::component as cc;
use super::shapes::{Constraint, Range, ShapeId};
use super::terms::{compare, is_well_formed, lang_matches, local, node_kind_matches, text_of};

/// Collects the findings of one constraint on one focus node.
struct Sink<'o> {
    focus: Term,
    shape: ShapeId,
    out: &'o mut Vec<Finding>,
}

impl Sink<'_> {
    fn add(&mut self, component: NamedNodeRef<'static>, value: Option<&Term>, detail: String) {
        self.out.push(Finding {
            focus: self.focus.clone(),
            shape: self.shape,
            root: self.shape,
            component,
            value: value.cloned(),
            predicate: None,
            detail,
        });
    }
}

impl<V: DataView + ?Sized> Engine<'_, V> {
    /// Checks one constraint of shape `id` on `focus`, whose value nodes are `values`.
    pub(crate) fn check(
        &mut self,
        id: ShapeId,
        constraint: &Constraint,
        focus: &Term,
        values: &[Term],
        out: &mut Vec<Finding>,
        stop_early: bool,
    ) -> Result<(), StorageError> {
        let mut sink = Sink {
            focus: focus.clone(),
            shape: id,
            out,
        };
        match constraint {
            Constraint::Class(class) => {
                for v in values {
                    if !self.is_instance(v, class)? {
                        let detail = format!(
                            "{} is not an instance of {}",
                            show(v.as_ref()),
                            show(class.as_ref())
                        );
                        sink.add(cc::CLASS, Some(v), detail);
                    }
                }
            }
            Constraint::Datatype(datatype) => {
                for v in values {
                    let ok = matches!(v, Term::Literal(l) if l.datatype() == datatype.as_ref() && is_well_formed(l.as_ref()));
                    if !ok {
                        let detail = format!(
                            "{} is not a well-formed literal of datatype {datatype}",
                            show(v.as_ref())
                        );
                        sink.add(cc::DATATYPE, Some(v), detail);
                    }
                }
            }
            Constraint::NodeKind(kind) => {
                for v in values.iter().filter(|v| !node_kind_matches(kind, v)) {
                    let detail = format!(
                        "{} is not of node kind sh:{}",
                        show(v.as_ref()),
                        local(kind)
                    );
                    sink.add(cc::NODE_KIND, Some(v), detail);
                }
            }
            Constraint::MinCount(min) => {
                if values.len() < *min {
                    let detail =
                        format!("expected at least {min} value(s), found {}", values.len());
                    sink.add(cc::MIN_COUNT, None, detail);
                }
            }
            Constraint::MaxCount(max) => {
                if values.len() > *max {
                    let detail = format!("expected at most {max} value(s), found {}", values.len());
                    sink.add(cc::MAX_COUNT, None, detail);
                }
            }
            Constraint::Range(range, bound) => {
                let (component, wanted, op): (_, &[Ordering], _) = match range {
                    Range::MinExclusive => (cc::MIN_EXCLUSIVE, &[Ordering::Greater], ">"),
                    Range::MinInclusive => (
                        cc::MIN_INCLUSIVE,
                        &[Ordering::Greater, Ordering::Equal],
                        ">=",
                    ),
                    Range::MaxExclusive => (cc::MAX_EXCLUSIVE, &[Ordering::Less], "<"),
                    Range::MaxInclusive => {
                        (cc::MAX_INCLUSIVE, &[Ordering::Less, Ordering::Equal], "<=")
                    }
                };
                for v in values {
                    let ok =
                        compare(v.as_ref(), bound.as_ref()).is_some_and(|o| wanted.contains(&o));
                    if !ok {
                        let detail =
                            format!("{} is not {op} {}", show(v.as_ref()), show(bound.as_ref()));
                        sink.add(component, Some(v), detail);
                    }
                }
            }
            Constraint::MinLength(min) => {
                for v in values {
                    if text_of(v).is_none_or(|t| t.chars().count() < *min) {
                        let detail =
                            format!("{} is shorter than {min} characters", show(v.as_ref()));
                        sink.add(cc::MIN_LENGTH, Some(v), detail);
                    }
                }
            }
            Constraint::MaxLength(max) => {
                for v in values {
                    if text_of(v).is_none_or(|t| t.chars().count() > *max) {
                        let detail =
                            format!("{} is longer than {max} characters", show(v.as_ref()));
                        sink.add(cc::MAX_LENGTH, Some(v), detail);
                    }
                }
            }
            Constraint::Pattern(regex, source) => {
                for v in values {
                    if text_of(v).is_none_or(|t| !regex.is_match(t)) {
                        let detail =
                            format!("{} does not match the pattern {source:?}", show(v.as_ref()));
                        sink.add(cc::PATTERN, Some(v), detail);
                    }
                }
            }
            Constraint::LanguageIn(ranges) => {
                for v in values {
                    let language = match v {
                        Term::Literal(l) => l.language(),
                        _ => None,
                    };
                    if !language.is_some_and(|tag| ranges.iter().any(|r| lang_matches(tag, r))) {
                        let detail =
                            format!("{} has no language tag among {ranges:?}", show(v.as_ref()));
                        sink.add(cc::LANGUAGE_IN, Some(v), detail);
                    }
                }
            }
            Constraint::UniqueLang => {
                let mut seen = HashSet::new();
                let mut reported = HashSet::new();
                for v in values {
                    if let Term::Literal(l) = v {
                        if let Some(tag) = l.language() {
                            let tag = tag.to_ascii_lowercase();
                            if !seen.insert(tag.clone()) && reported.insert(tag.clone()) {
                                sink.add(
                                    cc::UNIQUE_LANG,
                                    None,
                                    format!("more than one value has language tag {tag:?}"),
                                );
                            }
                        }
                    }
                }
            }
            Constraint::Equals(p) => {
                let others = self.objects_of(focus, p)?;
                for v in values.iter().filter(|v| !others.contains(v)) {
                    sink.add(
                        cc::EQUALS,
                        Some(v),
                        format!("{} is not also a value of {p}", show(v.as_ref())),
                    );
                }
                for o in others.iter().filter(|o| !values.contains(o)) {
                    sink.add(
                        cc::EQUALS,
                        Some(o),
                        format!("{} (a value of {p}) is not a value here", show(o.as_ref())),
                    );
                }
            }
            Constraint::Disjoint(p) => {
                let others = self.objects_of(focus, p)?;
                for v in values.iter().filter(|v| others.contains(v)) {
                    sink.add(
                        cc::DISJOINT,
                        Some(v),
                        format!("{} is also a value of {p}", show(v.as_ref())),
                    );
                }
            }
            Constraint::LessThan(p) | Constraint::LessThanOrEquals(p) => {
                let or_equal = matches!(constraint, Constraint::LessThanOrEquals(_));
                let (component, op) = if or_equal {
                    (cc::LESS_THAN_OR_EQUALS, "<=")
                } else {
                    (cc::LESS_THAN, "<")
                };
                let others = self.objects_of(focus, p)?;
                for v in values {
                    for o in &others {
                        let ok = match compare(v.as_ref(), o.as_ref()) {
                            Some(Ordering::Less) => true,
                            Some(Ordering::Equal) => or_equal,
                            _ => false,
                        };
                        if !ok {
                            let detail = format!(
                                "{} is not {op} {} (a value of {p})",
                                show(v.as_ref()),
                                show(o.as_ref())
                            );
                            sink.add(component, Some(v), detail);
                        }
                    }
                }
            }
            Constraint::Not(shape) => {
                for v in values {
                    if self.conforms(*shape, v)? {
                        let detail = format!(
                            "{} conforms to {}, which it must not",
                            show(v.as_ref()),
                            self.shape_name(*shape)
                        );
                        sink.add(cc::NOT, Some(v), detail);
                    }
                }
            }
            Constraint::And(members) => {
                for v in values {
                    let mut all = true;
                    for m in members {
                        if !self.conforms(*m, v)? {
                            all = false;
                            break;
                        }
                    }
                    if !all {
                        sink.add(
                            cc::AND,
                            Some(v),
                            format!(
                                "{} does not conform to all shapes of sh:and",
                                show(v.as_ref())
                            ),
                        );
                    }
                }
            }
            Constraint::Or(members) => {
                for v in values {
                    let mut any = false;
                    for m in members {
                        if self.conforms(*m, v)? {
                            any = true;
                            break;
                        }
                    }
                    if !any {
                        sink.add(
                            cc::OR,
                            Some(v),
                            format!(
                                "{} conforms to none of the shapes of sh:or",
                                show(v.as_ref())
                            ),
                        );
                    }
                }
            }
            Constraint::Xone(members) => {
                for v in values {
                    let mut count = 0;
                    for m in members {
                        if self.conforms(*m, v)? {
                            count += 1;
                        }
                    }
                    if count != 1 {
                        let detail = format!(
                            "{} conforms to {count} shapes of sh:xone instead of exactly one",
                            show(v.as_ref())
                        );
                        sink.add(cc::XONE, Some(v), detail);
                    }
                }
            }
            Constraint::Node(shape) => {
                for v in values {
                    if !self.conforms(*shape, v)? {
                        let detail = format!(
                            "{} does not conform to {}",
                            show(v.as_ref()),
                            self.shape_name(*shape)
                        );
                        sink.add(cc::NODE, Some(v), detail);
                    }
                }
            }
            Constraint::Property(shape) => {
                for v in values {
                    self.validate_shape(*shape, v, sink.out, stop_early)?;
                    if stop_early && !sink.out.is_empty() {
                        break;
                    }
                }
            }
            Constraint::Qualified {
                shape,
                min,
                max,
                disjoint,
                siblings,
            } => {
                let mut count = 0;
                for v in values {
                    if !self.conforms(*shape, v)? {
                        continue;
                    }
                    let mut counted = true;
                    if *disjoint {
                        for s in siblings {
                            if self.conforms(*s, v)? {
                                counted = false;
                                break;
                            }
                        }
                    }
                    if counted {
                        count += 1;
                    }
                }
                let name = self.shape_name(*shape);
                if let Some(min) = min.filter(|m| count < *m) {
                    sink.add(
                        cc::QUALIFIED_MIN_COUNT,
                        None,
                        format!(
                            "expected at least {min} value(s) conforming to {name}, found {count}"
                        ),
                    );
                }
                if let Some(max) = max.filter(|m| count > *m) {
                    sink.add(
                        cc::QUALIFIED_MAX_COUNT,
                        None,
                        format!(
                            "expected at most {max} value(s) conforming to {name}, found {count}"
                        ),
                    );
                }
            }
            Constraint::Closed(allowed) => {
                for v in values {
                    let Some(subject) = as_subject(v.as_ref()) else {
                        continue;
                    };
                    for (p, o) in self.view.outgoing(subject)? {
                        if !allowed.contains(&p) {
                            let detail = format!(
                                "property {p} is not allowed on {} (closed shape)",
                                show(v.as_ref())
                            );
                            sink.add(cc::CLOSED, Some(&o), detail);
                            if let Some(last) = sink.out.last_mut() {
                                last.predicate = Some(p);
                            }
                        }
                    }
                }
            }
            Constraint::HasValue(expected) => {
                if !values.contains(expected) {
                    sink.add(
                        cc::HAS_VALUE,
                        None,
                        format!("missing the required value {}", show(expected.as_ref())),
                    );
                }
            }
            Constraint::In(allowed) => {
                for v in values.iter().filter(|v| !allowed.contains(v)) {
                    sink.add(
                        cc::IN,
                        Some(v),
                        format!("{} is not one of the allowed values", show(v.as_ref())),
                    );
                }
            }
        }
        Ok(())
    }

    fn shape_name(&self, id: ShapeId) -> String {
        self.shapes.shapes[id].node.to_string()
    }
}
