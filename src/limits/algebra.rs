//! How deep the algebra of a parsed query or update is: the depth the optimiser and the evaluator
//! recurse to. Chains build depth without brackets (`A UNION B UNION …`, `1+1+…`, `p/p/…`, a run
//! of OPTIONALs), and a basic graph pattern of n triples is evaluated as n nested joins.
//!
//! Called on a thread with a large stack (see [`super::on_large_stack`]): it recurses itself.

use spargebra::algebra::{
    AggregateExpression, Expression, GraphPattern, OrderExpression, PropertyPathExpression,
};
use spargebra::{GraphUpdateOperation, Query, Update};

/// How deep and how large an algebra is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// Levels of nesting (a basic graph pattern counts one per triple pattern).
    pub depth: usize,
    /// Nodes: patterns, expressions, path steps and triple patterns.
    pub size: usize,
}

/// The depth and size of a query's algebra.
pub fn measure_query(query: &Query) -> Measure {
    let mut size = 0;
    let depth = query_depth(query, &mut size);
    Measure { depth, size }
}

/// The depth and size of an update's WHERE clauses (the deepest, and all of them).
pub fn measure_update(update: &Update) -> Measure {
    let mut size = 0;
    let depth = update_depth(update, &mut size);
    Measure { depth, size }
}

/// The depth and size of one graph pattern (an update's WHERE clause).
pub fn measure_pattern(pattern: &GraphPattern) -> Measure {
    let mut size = 0;
    let depth = pattern_depth(pattern, &mut size);
    Measure { depth, size }
}

fn query_depth(query: &Query, size: &mut usize) -> usize {
    match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern_depth(pattern, size),
    }
}

fn update_depth(update: &Update, size: &mut usize) -> usize {
    update
        .operations
        .iter()
        .map(|op| match op {
            GraphUpdateOperation::DeleteInsert { pattern, .. } => pattern_depth(pattern, size),
            _ => 1,
        })
        .max()
        .unwrap_or(0)
}

fn pattern_depth(pattern: &GraphPattern, size: &mut usize) -> usize {
    *size += 1;
    1 + match pattern {
        GraphPattern::Bgp { patterns } => {
            *size += patterns.len();
            patterns.len()
        }
        GraphPattern::Path { path, .. } => path_depth(path, size),
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right }
        | GraphPattern::Lateral { left, right } => {
            pattern_depth(left, size).max(pattern_depth(right, size))
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => pattern_depth(left, size)
            .max(pattern_depth(right, size))
            .max(expression.as_ref().map_or(0, |e| expression_depth(e, size))),
        GraphPattern::Filter { expr, inner } => {
            expression_depth(expr, size).max(pattern_depth(inner, size))
        }
        GraphPattern::Extend {
            inner, expression, ..
        } => expression_depth(expression, size).max(pattern_depth(inner, size)),
        GraphPattern::OrderBy { inner, expression } => expression
            .iter()
            .map(|e| match e {
                OrderExpression::Asc(e) | OrderExpression::Desc(e) => expression_depth(e, size),
            })
            .max()
            .unwrap_or(0)
            .max(pattern_depth(inner, size)),
        GraphPattern::Group {
            inner, aggregates, ..
        } => aggregates
            .iter()
            .map(|(_, a)| match a {
                AggregateExpression::CountSolutions { .. } => 0,
                AggregateExpression::FunctionCall { expr, .. } => expression_depth(expr, size),
            })
            .max()
            .unwrap_or(0)
            .max(pattern_depth(inner, size)),
        GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Service { inner, .. } => pattern_depth(inner, size),
        GraphPattern::Values { .. } => 0,
    }
}

fn expression_depth(expression: &Expression, size: &mut usize) -> usize {
    *size += 1;
    1 + match expression {
        Expression::NamedNode(_)
        | Expression::Literal(_)
        | Expression::Variable(_)
        | Expression::Bound(_) => 0,
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => expression_depth(a, size).max(expression_depth(b, size)),
        Expression::In(a, list) => list
            .iter()
            .map(|e| expression_depth(e, size))
            .max()
            .unwrap_or(0)
            .max(expression_depth(a, size)),
        Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
            expression_depth(a, size)
        }
        Expression::Exists(p) => pattern_depth(p, size),
        Expression::If(a, b, c) => expression_depth(a, size)
            .max(expression_depth(b, size))
            .max(expression_depth(c, size)),
        Expression::Coalesce(list) | Expression::FunctionCall(_, list) => list
            .iter()
            .map(|e| expression_depth(e, size))
            .max()
            .unwrap_or(0),
    }
}

fn path_depth(path: &PropertyPathExpression, size: &mut usize) -> usize {
    *size += 1;
    1 + match path {
        PropertyPathExpression::NamedNode(_) | PropertyPathExpression::NegatedPropertySet(_) => 0,
        PropertyPathExpression::Reverse(p)
        | PropertyPathExpression::ZeroOrMore(p)
        | PropertyPathExpression::OneOrMore(p)
        | PropertyPathExpression::ZeroOrOne(p) => path_depth(p, size),
        PropertyPathExpression::Sequence(a, b) | PropertyPathExpression::Alternative(a, b) => {
            path_depth(a, size).max(path_depth(b, size))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spargebra::SparqlParser;

    fn depth(q: &str) -> usize {
        measure_query(&SparqlParser::new().parse_query(q).unwrap()).depth
    }

    #[test]
    fn chains_are_deep() {
        let unions = vec!["{ ?s ?p ?o }"; 50].join(" UNION ");
        assert!(depth(&format!("SELECT * WHERE {{ {unions} }}")) >= 50);
        let sum = format!("ASK {{ FILTER(1{} = 2) }}", "+1".repeat(40));
        assert!(depth(&sum) >= 40);
        let path = vec!["<urn:p>"; 30].join("/");
        assert!(depth(&format!("ASK {{ ?s {path} ?o }}")) >= 30);
        let bgp = "?s <urn:p> ?o . ".repeat(25);
        assert!(depth(&format!("ASK {{ {bgp} }}")) >= 25);
        assert!(depth("ASK { ?s ?p ?o }") < 6);
    }

    #[test]
    fn update_where_clauses_count() {
        let unions = vec!["{ ?s ?p ?o }"; 20].join(" UNION ");
        let u = SparqlParser::new()
            .parse_update(&format!(
                "INSERT DATA {{ <urn:a> <urn:b> <urn:c> }} ; DELETE {{ ?s ?p ?o }} WHERE {{ {unions} }}"
            ))
            .unwrap();
        assert!(measure_update(&u).depth >= 20);
        assert!(measure_update(&u).size >= 40);
    }
}
