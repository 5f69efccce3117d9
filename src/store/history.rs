//! Reading change sets back: one by id, those touching a resource, those after a generation.
//! The format is described in [`super::changeset`].
//!
//! A change set may be a whole file load (thousands of triples): readers choose which of its triples
//! they want ([`Triples`]) and always get the totals, so that a list of change sets stays small.

use super::StoreError;
use super::changeset::{ChangeKind, change_graph, change_id_of, change_iri, is_change_id};
use crate::vocab::{self, prov, wr};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Term};
use oxigraph::store::Store;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// One recorded change, read back.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeSet {
    /// The id (`/changes/{id}`).
    pub id: String,
    /// The agent's user name.
    pub agent: String,
    /// The role the agent acted in.
    pub role: String,
    /// When it was committed (xsd:dateTime lexical form).
    pub time: String,
    /// What and why.
    pub message: String,
    /// What kind of write it was.
    pub kind: ChangeKind,
    /// The change set this one undoes, if it is a revert.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverts: Option<String>,
    /// The store generation it produced (commit order).
    pub generation: u64,
    /// The quads it added.
    #[serde(serialize_with = "quads_json")]
    pub added: Vec<Quad>,
    /// The quads it removed.
    #[serde(serialize_with = "quads_json")]
    pub removed: Vec<Quad>,
    /// How many quads it added and removed in all (`added` / `removed` may hold fewer); not counted
    /// when no triple was asked for ([`Triples::None`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub totals: Option<Totals>,
    /// Whether `added` / `removed` leave out some of the change set's triples (a page, a limit, or
    /// the triples of one resource only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// The number of quads a change set added and removed.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    /// Quads added.
    pub added: usize,
    /// Quads removed.
    pub removed: usize,
}

/// Which of a change set's triples to read.
#[derive(Debug, Clone)]
pub enum Triples {
    /// None: who, when, why and what kind only (cheap even for a whole file load: the triples are
    /// not even counted).
    None,
    /// Every one (for reverts and conflict checks).
    All,
    /// At most `limit` per side, after skipping `offset` (`/changes/{id}?offset=&limit=`).
    Page {
        /// Triples skipped per side.
        offset: usize,
        /// Triples kept per side at most.
        limit: usize,
    },
    /// Those describing one resource: its own triples, its parts' (`{iri}#…`) and those of the
    /// blank nodes they point to — at most `limit` per side.
    About {
        /// The resource.
        iri: NamedNode,
        /// Triples kept per side at most.
        limit: usize,
    },
}

/// Quads as JSON objects of N-Triples terms; `graph` is null for the default graph.
fn quads_json<S: serde::Serializer>(quads: &[Quad], s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Q {
        subject: String,
        predicate: String,
        object: String,
        graph: Option<String>,
    }
    s.collect_seq(quads.iter().map(|q| Q {
        subject: q.subject.to_string(),
        predicate: q.predicate.to_string(),
        object: q.object.to_string(),
        graph: match &q.graph_name {
            GraphName::DefaultGraph => None,
            g => Some(g.to_string()),
        },
    }))
}

/// Reads change set `id` with all its triples (None when there is none).
pub fn read(store: &Store, id: &str) -> Result<Option<ChangeSet>, StoreError> {
    read_with(store, id, &Triples::All)
}

/// Reads change set `id` with the triples `triples` selects (None when there is none).
pub fn read_with(
    store: &Store,
    id: &str,
    triples: &Triples,
) -> Result<Option<ChangeSet>, StoreError> {
    if !is_change_id(id) {
        return Ok(None);
    }
    let node = change_iri(id);
    let graph = change_graph(id);
    let g = GraphNameRef::NamedNode(graph.as_ref());
    // the properties read, one by one: a load's change set also has thousands of `wr:touches`
    let mut props: BTreeMap<NamedNode, Vec<Term>> = BTreeMap::new();
    for p in [
        rdf::TYPE,
        prov::WAS_ASSOCIATED_WITH,
        wr::ACTING_ROLE,
        prov::ENDED_AT_TIME,
        rdfs::COMMENT,
        wr::CHANGE_KIND,
        vocab::GENERATION,
        wr::REVERTS,
        wr::ADDED_IN,
        wr::REMOVED_IN,
    ] {
        for q in store.quads_for_pattern(Some(node.as_ref().into()), Some(p), None, Some(g)) {
            let q = q?;
            props.entry(q.predicate).or_default().push(q.object);
        }
    }
    if props.is_empty() {
        return Ok(None);
    }
    let text = |p: NamedNode| -> String {
        match props.get(&p).and_then(|v| v.first()) {
            Some(Term::Literal(l)) => l.value().to_owned(),
            Some(Term::NamedNode(n)) => n.as_str().to_owned(),
            _ => String::new(),
        }
    };
    let agent = text(prov::WAS_ASSOCIATED_WITH.into_owned());
    let agent = vocab::agent_name(&agent).unwrap_or(agent);
    let reverts = props
        .get(&wr::REVERTS.into_owned())
        .and_then(|v| v.first())
        .and_then(|t| match t {
            Term::NamedNode(n) => change_id_of(n.as_str()).map(str::to_owned),
            _ => None,
        });
    let mut set = ChangeSet {
        id: id.to_owned(),
        agent,
        role: text(wr::ACTING_ROLE.into_owned()),
        time: text(prov::ENDED_AT_TIME.into_owned()),
        message: text(rdfs::COMMENT.into_owned()),
        kind: ChangeKind::parse(&text(wr::CHANGE_KIND.into_owned())).unwrap_or(ChangeKind::Edit),
        reverts,
        generation: text(vocab::GENERATION.into_owned()).parse().unwrap_or(0),
        added: Vec::new(),
        removed: Vec::new(),
        totals: None,
        truncated: false,
    };
    if matches!(triples, Triples::None) {
        return Ok(Some(set));
    }
    let mut totals = Totals::default();
    for (link, added) in [(wr::ADDED_IN, true), (wr::REMOVED_IN, false)] {
        let mut skip = match triples {
            Triples::Page { offset, .. } => *offset,
            _ => 0,
        };
        for part in props.get(&link.into_owned()).into_iter().flatten() {
            let Term::NamedNode(part) = part else {
                continue;
            };
            let target = store
                .quads_for_pattern(
                    Some(part.as_ref().into()),
                    Some(wr::TARGET_GRAPH),
                    None,
                    Some(g),
                )
                .next()
                .transpose()?
                .map(|q| q.object);
            let target: GraphName = match target {
                Some(Term::NamedNode(n)) if n.as_ref() == wr::DEFAULT_GRAPH => {
                    GraphName::DefaultGraph
                }
                Some(Term::NamedNode(n)) => n.into(),
                Some(Term::BlankNode(b)) => b.into(),
                _ => continue,
            };
            let in_part = GraphNameRef::NamedNode(part.as_ref());
            let total = store
                .quads_for_pattern(None, None, None, Some(in_part))
                .count();
            let (count, out) = if added {
                (&mut totals.added, &mut set.added)
            } else {
                (&mut totals.removed, &mut set.removed)
            };
            *count += total;
            let selected = match triples {
                Triples::None => Vec::new(),
                Triples::All => store
                    .quads_for_pattern(None, None, None, Some(in_part))
                    .collect::<Result<Vec<_>, _>>()?,
                Triples::Page { limit, .. } => {
                    let skipped = skip.min(total);
                    skip -= skipped;
                    let room = limit.saturating_sub(out.len());
                    store
                        .quads_for_pattern(None, None, None, Some(in_part))
                        .skip(skipped)
                        .take(room)
                        .collect::<Result<Vec<_>, _>>()?
                }
                Triples::About { iri, .. } => about(store, iri, in_part)?,
            };
            let limit = match triples {
                Triples::About { limit, .. } => limit.saturating_sub(out.len()),
                _ => usize::MAX,
            };
            out.extend(
                selected
                    .into_iter()
                    .take(limit)
                    .map(|q| Quad::new(q.subject, q.predicate, q.object, target.clone())),
            );
        }
    }
    set.truncated = set.added.len() < totals.added || set.removed.len() < totals.removed;
    set.totals = Some(totals);
    Ok(Some(set))
}

/// The quads of graph `part` describing `iri`: its own, its parts' (`{iri}#…`) and, recursively,
/// those of the blank nodes they point to.
fn about(store: &Store, iri: &NamedNode, part: GraphNameRef<'_>) -> Result<Vec<Quad>, StoreError> {
    let mut subjects: Vec<NamedOrBlankNode> = vec![iri.clone().into()];
    // parts: subjects `{iri}#…` of this graph, found from the objects pointing at them or by scan
    let prefix = format!("{}#", iri.as_str());
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut parts_found = false;
    while let Some(subject) = subjects.pop() {
        if !seen.insert(subject.clone()) {
            continue;
        }
        for q in store.quads_for_pattern(Some(subject.as_ref()), None, None, Some(part)) {
            let q = q?;
            match &q.object {
                Term::BlankNode(b) => subjects.push(b.clone().into()),
                Term::NamedNode(n) if n.as_str().starts_with(&prefix) => {
                    subjects.push(n.clone().into());
                }
                _ => {}
            }
            out.push(q);
        }
        if !parts_found {
            // a part removed without its link (or before it) is still the resource's
            parts_found = true;
            for q in store.quads_for_pattern(None, None, None, Some(part)) {
                if let NamedOrBlankNode::NamedNode(n) = q?.subject {
                    if n.as_str().starts_with(&prefix) {
                        subjects.push(n.into());
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The change sets touching `iri`, newest first, each with the triples describing `iri` (at most
/// `limit` per side).
pub fn touching(
    store: &Store,
    iri: &NamedNode,
    limit: usize,
) -> Result<Vec<ChangeSet>, StoreError> {
    touching_with(
        store,
        iri,
        &Triples::About {
            iri: iri.clone(),
            limit,
        },
    )
}

/// The change sets touching `iri`, newest first, without their triples (`added` and `removed`
/// empty): who changed it, when, why — cheap even when a change set is a whole file load.
pub fn summaries_touching(store: &Store, iri: &NamedNode) -> Result<Vec<ChangeSet>, StoreError> {
    touching_with(store, iri, &Triples::None)
}

/// Every resource a change set other than a file load touched (`wr:touches`). Only these can have
/// an edit, a review or a revert as their latest change, so a reader looking for those asks about
/// them alone. One scan of the change kinds, then one per such change set: loads, the bulk of the
/// change sets and of their `wr:touches`, are skipped.
pub fn touched_by_non_loads(store: &Store) -> Result<HashSet<NamedNode>, StoreError> {
    let mut out = HashSet::new();
    for q in store.quads_for_pattern(None, Some(wr::CHANGE_KIND), None, None) {
        let q = q?;
        let is_load =
            matches!(&q.object, Term::Literal(l) if l.value() == ChangeKind::Load.as_str());
        let NamedOrBlankNode::NamedNode(change) = &q.subject else {
            continue;
        };
        if is_load || change_id_of(change.as_str()).is_none() {
            continue;
        }
        for t in store.quads_for_pattern(
            Some(change.as_ref().into()),
            Some(wr::TOUCHES),
            None,
            Some(q.graph_name.as_ref()),
        ) {
            if let Term::NamedNode(n) = t?.object {
                out.insert(n);
            }
        }
    }
    Ok(out)
}

fn touching_with(
    store: &Store,
    iri: &NamedNode,
    triples: &Triples,
) -> Result<Vec<ChangeSet>, StoreError> {
    let mut ids = BTreeSet::new();
    for q in store.quads_for_pattern(None, Some(wr::TOUCHES), Some(iri.as_ref().into()), None) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject {
            if let Some(id) = change_id_of(n.as_str()) {
                ids.insert(id.to_owned());
            }
        }
    }
    newest_first(store, ids, triples)
}

/// Every change set committed after generation `generation`, newest first.
pub fn since(store: &Store, generation: u64) -> Result<Vec<ChangeSet>, StoreError> {
    let mut ids = BTreeSet::new();
    for q in store.quads_for_pattern(None, Some(vocab::GENERATION), None, None) {
        let q = q?;
        let later = matches!(&q.object, Term::Literal(l) if l.value().parse::<u64>().is_ok_and(|g| g > generation));
        if let (true, NamedOrBlankNode::NamedNode(n)) = (later, &q.subject) {
            if let Some(id) = change_id_of(n.as_str()) {
                ids.insert(id.to_owned());
            }
        }
    }
    newest_first(store, ids, &Triples::All)
}

/// One page of all change sets, newest first, and how many there are in all; each change set with
/// `triples` of its triples.
pub fn recent(
    store: &Store,
    limit: usize,
    offset: usize,
    triples: &Triples,
) -> Result<(usize, Vec<ChangeSet>), StoreError> {
    let mut ids = Vec::new();
    for q in store.quads_for_pattern(None, Some(rdf::TYPE), Some(wr::CHANGE_SET.into()), None) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject {
            if let Some(id) = change_id_of(n.as_str()) {
                ids.push(id.to_owned());
            }
        }
    }
    // ids begin with the zero-padded generation: their order is commit order
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids.dedup();
    let total = ids.len();
    let page: BTreeSet<String> = ids.into_iter().skip(offset).take(limit).collect();
    Ok((total, newest_first(store, page, triples)?))
}

fn newest_first(
    store: &Store,
    ids: BTreeSet<String>,
    triples: &Triples,
) -> Result<Vec<ChangeSet>, StoreError> {
    let mut sets = Vec::new();
    for id in ids {
        if let Some(set) = read_with(store, &id, triples)? {
            sets.push(set);
        }
    }
    sets.sort_by(|a, b| b.generation.cmp(&a.generation).then(b.id.cmp(&a.id)));
    Ok(sets)
}
