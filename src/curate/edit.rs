//! Creating, replacing, patching and deleting a curated resource.
//!
//! The server manages what a curator may not set: the resource's class is added when missing;
//! for reviewable kinds (statements, policies) every edit sets `wr:reviewStatus wr:Submitted`,
//! drops any reviewer fields, adds the editor as `prov:wasAttributedTo` and keeps (or sets) the
//! creation time `prov:generatedAtTime`.

use super::describe::{CURATED_GRAPH, describe, etag, home_graph, if_match, is_part_of};
use super::kind::is_review_predicate;
use super::{CurateError, Kind};
use crate::auth::Principal;
use crate::store::{Applied, Change, ChangeMeta, Op, StoreError, WarrantStore};
use crate::vocab::{self, prov, wr};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term, Triple};
use std::collections::HashSet;

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// POST: create a new resource (fails when it exists).
    Create,
    /// PUT: replace the whole description.
    Replace,
    /// PATCH: replace the values of the properties the body gives, keep the others.
    Patch,
    /// DELETE: remove the whole description.
    Delete,
}

/// One edit of one resource.
#[derive(Debug, Clone)]
pub struct Edit {
    /// What to do.
    pub kind: EditKind,
    /// The kind of resource.
    pub resource_kind: Kind,
    /// The resource's id (local part of its IRI).
    pub id: String,
    /// The body's triples (empty for a delete).
    pub triples: Vec<Triple>,
    /// The `If-Match` header (required for replace, patch and delete).
    pub if_match: Option<String>,
    /// Who edits, and the message for the change set.
    pub meta: ChangeMeta,
}

/// Applies an edit; returns what changed (with the change-set id) and the new ETag (None after a
/// delete).
pub fn apply_edit(
    store: &WarrantStore,
    editor: &Principal,
    edit: Edit,
) -> Result<(Applied, Option<String>), CurateError> {
    let iri = edit.resource_kind.iri(&edit.id);
    let applied = store.apply_planned(|store| plan(store, editor, &edit, &iri))?;
    let after = describe(store, &iri)?;
    Ok((applied, (!after.is_empty()).then(|| etag(&after))))
}

fn plan(
    store: &WarrantStore,
    editor: &Principal,
    edit: &Edit,
    iri: &NamedNode,
) -> Result<Change, CurateError> {
    let current = describe(store, iri)?;
    let kind = edit.resource_kind;
    if edit.kind == EditKind::Create {
        if !current.is_empty() {
            return Err(CurateError::Exists(format!("{iri} exists already")));
        }
    } else {
        if current.is_empty() {
            return Err(CurateError::NotFound(format!(
                "no {} with IRI {iri}",
                kind.as_str()
            )));
        }
        let Some(expected) = &edit.if_match else {
            return Err(CurateError::PreconditionRequired(
                "send If-Match with the ETag of the version you edit (GET it first)".into(),
            ));
        };
        let now = etag(&current);
        if !if_match(expected, &now) {
            return Err(StoreError::Precondition(format!(
                "{iri} changed since you read it (If-Match {expected}, current ETag {now}): GET it again and redo the edit"
            ))
            .into());
        }
    }
    let graph = home_graph(&current, iri, &kind.class().into_owned(), kind.as_str());
    let mut ops = Vec::new();
    match edit.kind {
        EditKind::Delete => ops.push(Op::Remove(current)),
        EditKind::Create | EditKind::Replace => {
            check_subjects(&edit.triples, iri)?;
            let new = managed(kind, iri, edit.triples.clone(), &current, editor);
            ops.push(Op::Remove(current));
            ops.push(Op::Insert(in_graph(new, &graph)));
            ops.extend(agent_ops(kind, editor));
        }
        EditKind::Patch => {
            check_subjects(&edit.triples, iri)?;
            let replaced: HashSet<&NamedNode> = edit
                .triples
                .iter()
                .filter(|t| t.subject == iri.clone().into())
                .map(|t| &t.predicate)
                .collect();
            let (gone, kept): (Vec<Quad>, Vec<Quad>) = current
                .iter()
                .cloned()
                .partition(|q| q.subject == iri.clone().into() && replaced.contains(&q.predicate));
            let gone = with_owned_blank_nodes(gone, &current, iri);
            let mut body: Vec<Triple> = kept
                .iter()
                .filter(|q| !gone.contains(q))
                .map(|q| Triple::from(q.clone()))
                .collect();
            body.extend(edit.triples.iter().cloned());
            let new = managed(kind, iri, body, &current, editor);
            ops.push(Op::Remove(current));
            ops.push(Op::Insert(in_graph(new, &graph)));
            ops.extend(agent_ops(kind, editor));
        }
    }
    Ok(Change {
        ops,
        from_files: false,
        meta: Some(edit.meta.clone()),
    })
}

/// The removed quads plus the quads of the blank nodes and parts they pointed to.
fn with_owned_blank_nodes(mut gone: Vec<Quad>, current: &[Quad], iri: &NamedNode) -> Vec<Quad> {
    let mut i = 0;
    while i < gone.len() {
        let owned_node: Option<oxigraph::model::NamedOrBlankNode> = match &gone[i].object {
            Term::BlankNode(b) => Some(b.clone().into()),
            Term::NamedNode(n) if is_part_of(n, iri) => Some(n.clone().into()),
            _ => None,
        };
        if let Some(node) = owned_node {
            let owned: Vec<Quad> = current
                .iter()
                .filter(|q| q.subject == node && !gone.contains(q))
                .cloned()
                .collect();
            gone.extend(owned);
        }
        i += 1;
    }
    gone
}

/// A body may describe the resource and blank nodes only.
fn check_subjects(triples: &[Triple], iri: &NamedNode) -> Result<(), CurateError> {
    if triples.is_empty() {
        return Err(CurateError::Invalid(format!(
            "the body has no triple: describe {iri} (in Turtle, <> is the resource)"
        )));
    }
    for t in triples {
        if let oxigraph::model::NamedOrBlankNode::NamedNode(n) = &t.subject {
            if n != iri && !is_part_of(n, iri) {
                return Err(CurateError::Invalid(format!(
                    "the body may only describe {iri}, its parts <{iri}#…> and blank nodes; it has a triple about {n}"
                )));
            }
        }
    }
    Ok(())
}

fn in_graph(triples: Vec<Triple>, graph: &GraphName) -> Vec<Quad> {
    let mut seen = HashSet::new();
    triples
        .into_iter()
        .filter(|t| seen.insert(t.clone()))
        .map(|t| t.in_graph(graph.clone()))
        .collect()
}

/// The fields the server manages, applied to a new description (see the module doc).
fn managed(
    kind: Kind,
    iri: &NamedNode,
    mut triples: Vec<Triple>,
    current: &[Quad],
    editor: &Principal,
) -> Vec<Triple> {
    let me: oxigraph::model::NamedOrBlankNode = iri.clone().into();
    let has =
        |ts: &[Triple], p: &NamedNode| ts.iter().any(|t| t.subject == me && &t.predicate == p);
    let class_triple = Triple::new(iri.clone(), rdf::TYPE, kind.class().into_owned());
    if !triples.contains(&class_triple) {
        triples.push(class_triple);
    }
    if !kind.reviewable() {
        return triples;
    }
    triples.retain(|t| !(t.subject == me && is_review_predicate(t.predicate.as_ref())));
    triples.push(Triple::new(
        iri.clone(),
        vocab::REVIEW_STATUS,
        wr::SUBMITTED,
    ));
    for p in [
        prov::WAS_ATTRIBUTED_TO.into_owned(),
        prov::GENERATED_AT_TIME.into_owned(),
    ] {
        if !has(&triples, &p) {
            triples.extend(
                current
                    .iter()
                    .filter(|q| q.subject == me && q.predicate == p)
                    .map(|q| Triple::from(q.clone())),
            );
        }
    }
    triples.push(Triple::new(
        iri.clone(),
        prov::WAS_ATTRIBUTED_TO.into_owned(),
        vocab::agent_iri(&editor.name),
    ));
    if !has(&triples, &prov::GENERATED_AT_TIME.into_owned()) {
        triples.push(Triple::new(
            iri.clone(),
            prov::GENERATED_AT_TIME.into_owned(),
            vocab::now_literal(),
        ));
    }
    triples
}

/// The editor as a `prov:Agent` (so that attributions point to one), for kinds that name agents.
pub(super) fn agent_ops(kind: Kind, editor: &Principal) -> Vec<Op> {
    if !kind.reviewable() {
        return Vec::new();
    }
    agent_description(editor)
}

/// `<agent> a prov:Agent ; rdfs:label "name"` in the curated agents graph.
pub(super) fn agent_description(user: &Principal) -> Vec<Op> {
    let agent = vocab::agent_iri(&user.name);
    let graph = NamedNode::new_unchecked(format!("{CURATED_GRAPH}agents"));
    vec![Op::Insert(vec![
        Quad::new(agent.clone(), rdf::TYPE, prov::AGENT, graph.clone()),
        Quad::new(agent, rdfs::LABEL, Literal::from(user.name.as_str()), graph),
    ])]
}
