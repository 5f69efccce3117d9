//! Matching solution sequences: equal up to a consistent renaming of blank nodes, in order when
//! the query orders them, as multisets otherwise (a small backtracking search over the rows that
//! hold blank nodes; rows without them compare as sorted text).

use super::compare::Row;
use oxigraph::model::{BlankNode, Term};
use std::collections::HashMap;

fn has_bnode(row: &Row) -> bool {
    row.iter().any(|(_, t)| matches!(t, Term::BlankNode(_)))
}

/// The row with blank nodes blotted out: rows that can match have equal signatures.
fn signature(row: &Row) -> String {
    row.iter()
        .map(|(v, t)| match t {
            Term::BlankNode(_) => format!("?{v}=_:"),
            t => format!("?{v}={t}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Default)]
struct Mapping {
    forward: HashMap<BlankNode, BlankNode>,
    backward: HashMap<BlankNode, BlankNode>,
}

impl Mapping {
    /// Unifies two rows, extending the mapping; returns the pairs added (to undo), or None.
    fn unify(&mut self, e: &Row, a: &Row) -> Option<Vec<BlankNode>> {
        if e.len() != a.len() {
            return None;
        }
        let mut added = Vec::new();
        for ((ev, et), (av, at)) in e.iter().zip(a) {
            let ok = ev == av
                && match (et, at) {
                    (Term::BlankNode(x), Term::BlankNode(y)) => {
                        match (self.forward.get(x), self.backward.get(y)) {
                            (Some(fy), Some(bx)) => fy == y && bx == x,
                            (None, None) => {
                                self.forward.insert(x.clone(), y.clone());
                                self.backward.insert(y.clone(), x.clone());
                                added.push(x.clone());
                                true
                            }
                            _ => false,
                        }
                    }
                    (x, y) => x == y,
                };
            if !ok {
                self.undo(added);
                return None;
            }
        }
        Some(added)
    }

    fn undo(&mut self, added: Vec<BlankNode>) {
        for x in added {
            if let Some(y) = self.forward.remove(&x) {
                self.backward.remove(&y);
            }
        }
    }
}

/// Whether `actual` holds the solutions of `expected` (blank nodes up to renaming).
pub fn solutions_match(expected: &[Row], actual: &[Row], ordered: bool) -> bool {
    if expected.len() != actual.len() {
        return false;
    }
    let mut mapping = Mapping::default();
    if ordered {
        return expected
            .iter()
            .zip(actual)
            .all(|(e, a)| mapping.unify(e, a).is_some());
    }
    // rows without blank nodes: equal as multisets
    let ground = |rows: &[Row]| {
        let mut s: Vec<String> = rows
            .iter()
            .filter(|r| !has_bnode(r))
            .map(signature)
            .collect();
        s.sort();
        s
    };
    if ground(expected) != ground(actual) {
        return false;
    }
    let e: Vec<&Row> = expected.iter().filter(|r| has_bnode(r)).collect();
    let a: Vec<&Row> = actual.iter().filter(|r| has_bnode(r)).collect();
    let mut used = vec![false; a.len()];
    let mut budget = 2_000_000u32;
    search(&e, &a, 0, &mut used, &mut mapping, &mut budget)
}

fn search(
    e: &[&Row],
    a: &[&Row],
    i: usize,
    used: &mut [bool],
    mapping: &mut Mapping,
    budget: &mut u32,
) -> bool {
    if i == e.len() {
        return true;
    }
    let want = signature(e[i]);
    for j in 0..a.len() {
        if used[j] || *budget == 0 || signature(a[j]) != want {
            continue;
        }
        *budget -= 1;
        if let Some(added) = mapping.unify(e[i], a[j]) {
            used[j] = true;
            if search(e, a, i + 1, used, mapping, budget) {
                return true;
            }
            used[j] = false;
            mapping.undo(added);
        }
    }
    false
}

/// How two solution sequences differ, for people.
pub fn describe_rows(expected: &[Row], actual: &[Row], ordered: bool) -> String {
    let mut e: Vec<String> = expected.iter().map(signature).collect();
    let mut a: Vec<String> = actual.iter().map(signature).collect();
    let order = if ordered { " (ordered)" } else { "" };
    if !ordered {
        e.sort();
        a.sort();
    }
    let missing: Vec<&String> = e.iter().filter(|r| !a.contains(r)).take(6).collect();
    let extra: Vec<&String> = a.iter().filter(|r| !e.contains(r)).take(6).collect();
    if missing.is_empty() && extra.is_empty() {
        let first = e.iter().zip(&a).position(|(x, y)| x != y);
        return format!(
            "{} expected rows, {} actual{order}; same rows, different order or multiplicity (first difference at row {first:?})",
            e.len(),
            a.len()
        );
    }
    format!(
        "{} expected rows, {} actual{order}\n    missing: {missing:?}\n    unexpected: {extra:?}",
        e.len(),
        a.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::w3c::compare::normalize;
    use oxigraph::model::{Literal, NamedNode};

    fn b(id: &str) -> Term {
        BlankNode::new(id).unwrap().into()
    }

    fn row(pairs: &[(&str, Term)]) -> Row {
        pairs
            .iter()
            .map(|(v, t)| (v.to_string(), t.clone()))
            .collect()
    }

    #[test]
    fn blank_nodes_match_up_to_a_consistent_renaming() {
        let same = [row(&[("x", b("a")), ("y", b("a"))])];
        let split = [row(&[("x", b("b")), ("y", b("c"))])];
        assert!(solutions_match(
            &same,
            &[row(&[("x", b("z")), ("y", b("z"))])],
            false
        ));
        assert!(!solutions_match(&same, &split, false));
        assert!(!solutions_match(&split, &same, false));
        // the same blank node in two rows must stay the same one
        let two = [row(&[("x", b("a"))]), row(&[("x", b("a"))])];
        assert!(!solutions_match(
            &two,
            &[row(&[("x", b("p"))]), row(&[("x", b("q"))])],
            false
        ));
    }

    #[test]
    fn order_counts_only_when_asked() {
        let iri = |s: &str| Term::from(NamedNode::new(format!("http://ex/{s}")).unwrap());
        let ab = [row(&[("x", iri("a"))]), row(&[("x", iri("b"))])];
        let ba = [row(&[("x", iri("b"))]), row(&[("x", iri("a"))])];
        assert!(solutions_match(&ab, &ba, false));
        assert!(!solutions_match(&ab, &ba, true));
        assert!(
            !solutions_match(&ab, &ab[..1], false),
            "multiplicity counts"
        );
    }

    #[test]
    fn numbers_compare_by_value() {
        let xsd =
            |t: &str| NamedNode::new(format!("http://www.w3.org/2001/XMLSchema#{t}")).unwrap();
        let lit = |v: &str, t: &str| normalize(&Literal::new_typed_literal(v, xsd(t)).into());
        assert_eq!(lit("01", "integer"), lit("1", "integer"));
        assert_eq!(lit("-3", "negativeInteger"), lit("-3", "integer"));
        assert_eq!(lit("1.0E6", "double"), lit("1000000", "double"));
        assert_eq!(lit("1.50", "decimal"), lit("1.5", "decimal"));
        assert_eq!(lit("1", "boolean"), lit("true", "boolean"));
        assert_ne!(lit("1", "integer"), lit("1", "decimal"));
        assert_ne!(lit("1", "integer"), lit("2", "integer"));
    }
}
