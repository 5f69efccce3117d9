//! SPARQL 1.1 Update evaluated operation by operation inside the write transaction.
//!
//! Oxigraph evaluates the WHERE clauses; Warrant instantiates the templates itself so that the exact
//! quads added and removed are known (see [`super::write`]). LOAD is refused: Warrant never fetches
//! remote documents (no SSRF); `LOAD SILENT` is a no-op.

use super::write::Diff;
use super::{DatasetMode, StoreError, WarrantStore};
use oxigraph::model::{
    BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Variable,
};
use oxigraph::sparql::{CancellationToken, QueryResults, QuerySolution, SparqlEvaluator};
use spargebra::algebra::{GraphPattern, GraphTarget, QueryDataset};
use spargebra::term::{
    GraphNamePattern, GroundQuadPattern, GroundTerm, GroundTermPattern, NamedNodePattern,
    QuadPattern, TermPattern,
};
use spargebra::{GraphUpdateOperation, Query, SparqlParser, Update};
use std::collections::HashMap;

/// Parses SPARQL update text; syntax errors carry line and column. Text or algebra beyond the
/// [`crate::limits`] is refused ([`StoreError::TooComplex`]); call this on a large stack
/// ([`crate::limits::on_large_stack`]) for user text.
pub fn parse_update(text: &str, base_iri: Option<&str>) -> Result<Update, StoreError> {
    crate::limits::check_sparql(text)?;
    let mut parser = SparqlParser::new();
    if let Some(base) = base_iri {
        parser = parser
            .with_base_iri(base)
            .map_err(|e| StoreError::BadRequest(format!("invalid base IRI: {e}")))?;
    }
    let update = parser
        .parse_update(text)
        .map_err(|e| StoreError::from_sparql_syntax(&e))?;
    crate::limits::check_update(&update)?;
    Ok(update)
}

/// Runs every operation of `update` against the transaction behind `diff`.
pub(super) fn execute(
    store: &WarrantStore,
    diff: &mut Diff<'_, '_>,
    update: &Update,
    using_default: &[NamedNode],
    using_named: &[NamedNode],
    cancel: Option<&CancellationToken>,
) -> Result<(), StoreError> {
    let alive = || match cancel {
        Some(token) if token.is_cancelled() => Err(StoreError::Cancelled),
        _ => Ok(()),
    };
    let protocol_dataset = !using_default.is_empty() || !using_named.is_empty();
    for op in &update.operations {
        match op {
            GraphUpdateOperation::InsertData { data } => {
                let mut bnodes = HashMap::new();
                for quad in data {
                    let quad = Quad::new(
                        fresh_subject(&quad.subject, &mut bnodes),
                        quad.predicate.clone(),
                        fresh_term(&quad.object, &mut bnodes),
                        graph_name(&quad.graph_name),
                    );
                    diff.insert(quad.as_ref())?;
                }
            }
            GraphUpdateOperation::DeleteData { data } => {
                for quad in data {
                    let Some(object) = ground_to_term(&quad.object) else {
                        continue;
                    };
                    let quad = Quad::new(
                        quad.subject.clone(),
                        quad.predicate.clone(),
                        object,
                        graph_name(&quad.graph_name),
                    );
                    remove(store, diff, &quad)?;
                }
            }
            GraphUpdateOperation::DeleteInsert {
                delete,
                insert,
                using,
                pattern,
            } => {
                if using.is_some() && protocol_dataset {
                    return Err(StoreError::BadRequest(
                        "using-graph-uri / using-named-graph-uri cannot be combined with USING, USING NAMED or WITH in the update".into(),
                    ));
                }
                let dataset = match using {
                    Some(d) => Some(d.clone()),
                    None if protocol_dataset => Some(QueryDataset {
                        default: using_default.to_vec(),
                        named: Some(using_named.to_vec()),
                    }),
                    None => None,
                };
                let solutions = where_solutions(
                    store,
                    diff,
                    dataset,
                    pattern,
                    update.base_iri.as_ref().map(|b| b.as_str()),
                    cancel,
                )?;
                let mut to_delete = Vec::new();
                let mut to_insert = Vec::new();
                for solution in &solutions {
                    alive()?;
                    to_delete.extend(delete.iter().filter_map(|t| ground_quad(t, solution)));
                    let mut bnodes = HashMap::new();
                    to_insert.extend(
                        insert
                            .iter()
                            .filter_map(|t| template_quad(t, solution, &mut bnodes)),
                    );
                }
                alive()?;
                for quad in &to_delete {
                    remove(store, diff, quad)?;
                }
                alive()?;
                for quad in &to_insert {
                    diff.insert(quad.as_ref())?;
                }
            }
            GraphUpdateOperation::Load { silent, source, .. } => {
                if !silent {
                    return Err(StoreError::Unsupported(format!(
                        "LOAD <{}> refused: Warrant does not fetch remote documents; load files with `warrant load` or the Graph Store Protocol",
                        source.as_str()
                    )));
                }
            }
            GraphUpdateOperation::Clear { silent, graph } => {
                for g in targets(diff, graph, *silent)? {
                    diff.clear(&g, false)?;
                }
            }
            GraphUpdateOperation::Drop { silent, graph } => {
                for g in targets(diff, graph, *silent)? {
                    diff.clear(&g, true)?;
                }
            }
            GraphUpdateOperation::Create { silent, graph } => {
                if diff.graph_exists(graph)? {
                    if !silent {
                        return Err(StoreError::GraphExists(graph.clone()));
                    }
                } else {
                    diff.create_graph(graph)?;
                }
            }
        }
    }
    Ok(())
}

/// Removes a quad. In [`DatasetMode::UnionOfContent`] the default graph an update sees is the union
/// of the content graphs, so removing a triple from it removes it from every asserted content
/// graph (the inferred graph is the reasoner's: what no longer follows leaves it by itself).
fn remove(store: &WarrantStore, diff: &mut Diff<'_, '_>, quad: &Quad) -> Result<(), StoreError> {
    if quad.graph_name.is_default_graph() && store.mode() == DatasetMode::UnionOfContent {
        for graph in asserted_graphs(diff)? {
            let in_graph = Quad::new(
                quad.subject.clone(),
                quad.predicate.clone(),
                quad.object.clone(),
                graph,
            );
            diff.remove(in_graph.as_ref())?;
        }
        Ok(())
    } else {
        diff.remove(quad.as_ref())
    }
}

/// The default graph and every named graph that is not a record graph, as they exist in the
/// transaction.
fn content_graphs(diff: &Diff<'_, '_>) -> Result<Vec<GraphName>, StoreError> {
    let mut graphs = vec![GraphName::DefaultGraph];
    for g in diff.named_graphs()? {
        match g {
            NamedOrBlankNode::NamedNode(n) if crate::vocab::is_record_graph(n.as_str()) => {}
            NamedOrBlankNode::NamedNode(n) => graphs.push(n.into()),
            NamedOrBlankNode::BlankNode(b) => graphs.push(b.into()),
        }
    }
    Ok(graphs)
}

/// The content graphs an update may write: all but the inferred graph, which only the reasoner
/// writes.
fn asserted_graphs(diff: &Diff<'_, '_>) -> Result<Vec<GraphName>, StoreError> {
    let mut graphs = content_graphs(diff)?;
    graphs.retain(|g| crate::vocab::is_asserted_content(g.as_ref()));
    Ok(graphs)
}

/// The graphs a CLEAR / DROP target names, as they exist in the transaction.
fn targets(
    diff: &Diff<'_, '_>,
    target: &GraphTarget,
    silent: bool,
) -> Result<Vec<GraphName>, StoreError> {
    // NAMED and ALL mean the asserted content graphs: records and the inferred graph are
    // Warrant's, never cleared by an update
    let named = || -> Result<Vec<GraphName>, StoreError> {
        Ok(asserted_graphs(diff)?
            .into_iter()
            .filter(|g| !g.is_default_graph())
            .collect())
    };
    Ok(match target {
        GraphTarget::NamedNode(g) => {
            if diff.graph_exists(g)? {
                vec![GraphName::NamedNode(g.clone())]
            } else if silent {
                vec![]
            } else {
                return Err(StoreError::GraphNotFound(g.clone()));
            }
        }
        GraphTarget::DefaultGraph => vec![GraphName::DefaultGraph],
        GraphTarget::NamedGraphs => named()?,
        GraphTarget::AllGraphs => {
            let mut all = named()?;
            all.push(GraphName::DefaultGraph);
            all
        }
    })
}

/// Solutions of an update's WHERE clause, evaluated on the transaction's current state.
fn where_solutions(
    store: &WarrantStore,
    diff: &Diff<'_, '_>,
    dataset: Option<QueryDataset>,
    pattern: &GraphPattern,
    base_iri: Option<&str>,
    cancel: Option<&CancellationToken>,
) -> Result<Vec<QuerySolution>, StoreError> {
    let has_dataset = dataset.is_some();
    let query = Query::Select {
        dataset,
        pattern: pattern.clone(),
        base_iri: base_iri.and_then(|b| oxiri::Iri::parse(b.to_owned()).ok()),
    };
    let mut evaluator = SparqlEvaluator::new();
    if !crate::limits::worth_optimising(crate::limits::algebra::measure_pattern(pattern)) {
        evaluator = evaluator.without_optimizations();
    }
    if let Some(token) = cancel {
        evaluator = evaluator.with_cancellation_token(token.clone());
    }
    let mut prepared = evaluator.for_query(query);
    if !has_dataset {
        // records (derivations, change sets, catalog) are never edited: GRAPH ?g in an update's
        // WHERE clause ranges over the content graphs only
        let content = content_graphs(diff)?;
        let named = content
            .iter()
            .filter_map(|g| match g {
                GraphName::NamedNode(n) => Some(NamedOrBlankNode::from(n.clone())),
                GraphName::BlankNode(b) => Some(NamedOrBlankNode::from(b.clone())),
                GraphName::DefaultGraph => None,
            })
            .collect();
        prepared.dataset_mut().set_available_named_graphs(named);
        if store.mode() == DatasetMode::UnionOfContent {
            prepared.dataset_mut().set_default_graph(content);
        }
    }
    match prepared.on_transaction(diff.tx).execute()? {
        QueryResults::Solutions(solutions) => {
            let mut all = Vec::new();
            for solution in solutions {
                if cancel.is_some_and(CancellationToken::is_cancelled) {
                    return Err(StoreError::Cancelled);
                }
                all.push(solution?);
            }
            Ok(all)
        }
        _ => Err(StoreError::Evaluation(
            "the WHERE clause did not produce solutions".into(),
        )),
    }
}

fn fresh_subject(
    subject: &NamedOrBlankNode,
    bnodes: &mut HashMap<BlankNode, BlankNode>,
) -> NamedOrBlankNode {
    match subject {
        NamedOrBlankNode::BlankNode(b) => bnodes.entry(b.clone()).or_default().clone().into(),
        other => other.clone(),
    }
}

fn fresh_term(term: &Term, bnodes: &mut HashMap<BlankNode, BlankNode>) -> Term {
    match term {
        Term::BlankNode(b) => bnodes.entry(b.clone()).or_default().clone().into(),
        other => other.clone(),
    }
}

/// The store's graph name for a graph name written in update data.
fn graph_name(name: &spargebra::term::GraphName) -> GraphName {
    match name {
        spargebra::term::GraphName::NamedNode(n) => n.clone().into(),
        spargebra::term::GraphName::DefaultGraph => GraphName::DefaultGraph,
    }
}

fn ground_to_term(term: &GroundTerm) -> Option<Term> {
    match term {
        GroundTerm::NamedNode(n) => Some(n.clone().into()),
        GroundTerm::Literal(l) => Some(l.clone().into()),
    }
}

fn bound(solution: &QuerySolution, v: &Variable) -> Option<Term> {
    solution.get(v).cloned()
}

fn named(pattern: &NamedNodePattern, solution: &QuerySolution) -> Option<NamedNode> {
    match pattern {
        NamedNodePattern::NamedNode(n) => Some(n.clone()),
        NamedNodePattern::Variable(v) => match bound(solution, v)? {
            Term::NamedNode(n) => Some(n),
            _ => None,
        },
    }
}

fn graph(pattern: &GraphNamePattern, solution: &QuerySolution) -> Option<GraphName> {
    match pattern {
        GraphNamePattern::NamedNode(n) => Some(n.clone().into()),
        GraphNamePattern::DefaultGraph => Some(GraphName::DefaultGraph),
        GraphNamePattern::Variable(v) => match bound(solution, v)? {
            Term::NamedNode(n) => Some(n.into()),
            _ => None,
        },
    }
}

fn ground_term(pattern: &GroundTermPattern, solution: &QuerySolution) -> Option<Term> {
    match pattern {
        GroundTermPattern::NamedNode(n) => Some(n.clone().into()),
        GroundTermPattern::Literal(l) => Some(l.clone().into()),
        GroundTermPattern::Variable(v) => bound(solution, v),
    }
}

fn ground_quad(pattern: &GroundQuadPattern, solution: &QuerySolution) -> Option<Quad> {
    let subject = match ground_term(&pattern.subject, solution)? {
        Term::NamedNode(n) => NamedOrBlankNode::NamedNode(n),
        Term::BlankNode(b) => NamedOrBlankNode::BlankNode(b),
        Term::Literal(_) => return None,
    };
    Some(Quad::new(
        subject,
        named(&pattern.predicate, solution)?,
        ground_term(&pattern.object, solution)?,
        graph(&pattern.graph_name, solution)?,
    ))
}

fn template_term(
    pattern: &TermPattern,
    solution: &QuerySolution,
    bnodes: &mut HashMap<BlankNode, BlankNode>,
) -> Option<Term> {
    match pattern {
        TermPattern::NamedNode(n) => Some(n.clone().into()),
        TermPattern::BlankNode(b) => Some(bnodes.entry(b.clone()).or_default().clone().into()),
        TermPattern::Literal(l) => Some(Literal::clone(l).into()),
        TermPattern::Variable(v) => bound(solution, v),
    }
}

fn template_quad(
    pattern: &QuadPattern,
    solution: &QuerySolution,
    bnodes: &mut HashMap<BlankNode, BlankNode>,
) -> Option<Quad> {
    let subject = match template_term(&pattern.subject, solution, bnodes)? {
        Term::NamedNode(n) => NamedOrBlankNode::NamedNode(n),
        Term::BlankNode(b) => NamedOrBlankNode::BlankNode(b),
        Term::Literal(_) => return None,
    };
    Some(Quad::new(
        subject,
        named(&pattern.predicate, solution)?,
        template_term(&pattern.object, solution, bnodes)?,
        graph(&pattern.graph_name, solution)?,
    ))
}
