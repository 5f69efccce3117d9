//! Creating, replacing, patching and deleting a curated resource.
//!
//! The server manages what a curator may not set: the resource's class is added when missing, and
//! every edit — of any kind: statements, policies, concepts (with their code mappings), sources,
//! passages — sets `wr:reviewStatus wr:Submitted` (a reviewer must approve what it now says), drops
//! the reviewer fields, attributes the resource (`prov:wasAttributedTo`) to the editor on top of its
//! earlier authors and keeps (or sets) the creation time `prov:generatedAtTime`. A body's own values
//! of these fields are ignored: attribution comes from the authenticated principal, never the body.
//! An edit through `/curation/{kind}` touches a resource of that kind only, and a body may not
//! make anything an instance of another curated kind.

use super::describe::{
    CURATED_GRAPH, describe, etag, home_graph, if_match, is_part_of, require_kind,
};
use super::kind::{is_review_predicate, kind_of_class};
use super::{CurateError, Kind};
use crate::auth::Principal;
use crate::store::{Applied, Change, ChangeMeta, Op, StoreError, WarrantStore};
use crate::vocab::{self, prov, wr};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term, Triple};
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
        require_kind(&current, iri, kind)?;
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
            check_body(&edit.triples, iri, kind)?;
            let new = managed(kind, iri, edit.triples.clone(), &current, editor);
            ops.push(Op::Remove(current));
            ops.push(Op::Insert(in_graph(new, &graph)));
            ops.extend(agent_ops(editor));
        }
        EditKind::Patch => {
            check_body(&edit.triples, iri, kind)?;
            let replaced: HashSet<&NamedNode> = edit
                .triples
                .iter()
                .filter(|t| t.subject == iri.clone().into() && !is_server_managed(&t.predicate))
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
            ops.extend(agent_ops(editor));
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

/// A body may describe the resource, its parts and blank nodes only, and may type none of them as
/// a curated kind but the resource itself as its own kind.
fn check_body(triples: &[Triple], iri: &NamedNode, kind: Kind) -> Result<(), CurateError> {
    for t in triples {
        let Term::NamedNode(class) = &t.object else {
            continue;
        };
        if t.predicate.as_ref() != rdf::TYPE {
            continue;
        }
        if let Some(other) = kind_of_class(class.as_ref()) {
            let own = other == kind && t.subject == iri.clone().into();
            if !own {
                return Err(CurateError::Invalid(format!(
                    "a {} body may not make {} a {} ({class}): {} are created through /curation/{}",
                    kind.singular(),
                    t.subject,
                    other.singular(),
                    other.as_str(),
                    other.as_str()
                )));
            }
        }
    }
    check_subjects(triples, iri)
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
    let class_triple = Triple::new(iri.clone(), rdf::TYPE, kind.class().into_owned());
    // the server's fields, whoever the body names: never taken from a client
    triples.retain(|t| !is_server_managed(&t.predicate));
    if !triples.contains(&class_triple) {
        triples.push(class_triple);
    }
    triples.push(Triple::new(
        iri.clone(),
        vocab::REVIEW_STATUS,
        wr::SUBMITTED,
    ));
    let me = &me;
    let earlier = |p: NamedNodeRef<'static>| {
        current
            .iter()
            .filter(move |q| &q.subject == me && q.predicate.as_ref() == p)
            .map(|q| Triple::from(q.clone()))
    };
    triples.extend(earlier(prov::WAS_ATTRIBUTED_TO));
    let editor_agent = Triple::new(
        iri.clone(),
        prov::WAS_ATTRIBUTED_TO.into_owned(),
        vocab::agent_iri(&editor.name),
    );
    if !triples.contains(&editor_agent) {
        triples.push(editor_agent);
    }
    let created: Vec<Triple> = earlier(prov::GENERATED_AT_TIME).collect();
    if created.is_empty() {
        triples.push(Triple::new(
            iri.clone(),
            prov::GENERATED_AT_TIME.into_owned(),
            vocab::now_literal(),
        ));
    } else {
        triples.extend(created);
    }
    triples
}

/// The fields only the server sets, on any subject of a body: review status and reviewer fields,
/// attribution and creation time.
fn is_server_managed(predicate: &NamedNode) -> bool {
    is_review_predicate(predicate.as_ref())
        || predicate.as_ref() == prov::WAS_ATTRIBUTED_TO
        || predicate.as_ref() == prov::GENERATED_AT_TIME
}

/// The editor as a `prov:Agent` (so that attributions point to one).
pub(super) fn agent_ops(editor: &Principal) -> Vec<Op> {
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
