//! Concept recognition: every coding of a case resolved to Warrant concepts by data alone, as the
//! vocabulary's `wr:Code` comment defines it.
//!
//! (1) The coding's system is looked up among the `wr:CodeSystem`s by `wr:fhirSystem` (exact string);
//! the Warrant concept system takes the code as a concept slug. (2) The code is looked up among the
//! system's `wr:Code`s by `wr:code`, case-insensitively; if absent and the system has
//! `wr:codePrefixMatch true`, the listed code with the longest prefix is taken (an unlisted `A12.34` resolves to a listed `A12.3`).
//! (3) From that code `skos:broaderTransitive` (zero or one step; derived by the `skos` rule set)
//! leads to codes that concepts map to by `skos:exactMatch` / `closeMatch` / `narrowMatch` (or their
//! inverses). (4) Every concept broader than those is denoted too ([`Hierarchy`], again the `skos`
//! rule set's `skos:broaderTransitive`): the hierarchy is inferred once, by the reasoner, and
//! evaluation reads what it derived. A coding that fails at any step — or a code that leads to
//! no concept — is listed under `unrecognised` with the reason; a fact without any coding is listed
//! too. All lookups are SPARQL over the store (`queries/evaluate/*.rq`), so the inferred graph of the
//! reasoner counts as soon as it is there; their answers are remembered per coding for the store's
//! current write epoch ([`EpochMemo`]), so they are never older than the last write.

use super::{Case, Unrecognised};
use crate::queries::shipped;
use crate::store::{EpochMemo, StoreError, WarrantStore, value_of};
use crate::vocab;
use oxigraph::model::{Literal, NamedNode, Term, Variable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// How the graph resolved one coding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    /// The `wr:CodeSystem` of the coding's system.
    pub code_system: String,
    /// Its label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_system_label: Option<String>,
    /// The `wr:Code` node matched (absent for the Warrant concept system).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The listed `wr:code` matched — differs from the coding's code when matched by prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed: Option<String>,
    /// The code's label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_label: Option<String>,
    /// Matched by `wr:codePrefixMatch` (the coding's code is narrower than the listed one).
    pub by_prefix: bool,
    /// The concepts it denotes directly.
    pub denotes: Vec<Denotation>,
}

/// One concept a code denotes, and through which mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Denotation {
    /// The Warrant concept.
    pub concept: String,
    /// The code the mapping is stated on (the matched code or a broader code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The mapping, e.g. `skos:exactMatch`, or `concept slug` for Warrant's own system.
    pub relation: String,
}

/// A listed code found for a coding: node, listed code, label, matched by prefix.
type Found = (String, String, Option<String>, bool);

/// A code system as the graph describes it.
struct System {
    iri: String,
    label: Option<String>,
    prefix: bool,
}

/// Resolves every coding of `case` against the graph, fills each fact's concepts and the case's
/// hierarchy, and lists what is not recognised.
pub fn recognise(store: &WarrantStore, case: &mut Case) -> Result<(), StoreError> {
    let memo = store.shared::<Resolutions>();
    let keys: Vec<(String, String)> = case
        .facts
        .iter()
        .flat_map(|f| &f.codings)
        .filter_map(|c| Some((c.system.clone()?, c.code.clone()?)))
        .collect();
    let cache = memo.codings.get(store, keys, |missing| {
        let systems = memo.systems.get_one(store, (), |_| code_systems(store))?;
        let mut found: HashMap<(String, String), Result<Resolution, String>> = missing
            .iter()
            .map(|k| (k.clone(), Err(String::new())))
            .collect();
        resolve_all(store, &systems, &mut found)?;
        Ok::<_, StoreError>(found)
    })?;
    let mut direct_all = Vec::new();
    for fact in &mut case.facts {
        let mut direct = BTreeSet::new();
        let mut problems = Vec::new();
        for coding in &mut fact.codings {
            let outcome = match (&coding.system, &coding.code) {
                (None, _) => Err("the coding has no system".to_owned()),
                (_, None) => Err("the coding has no code".to_owned()),
                (Some(s), Some(c)) => cache
                    .get(&(s.clone(), c.clone()))
                    .cloned()
                    .unwrap_or_else(|| Err("not looked up".into())),
            };
            match outcome {
                Ok(res) => {
                    direct.extend(res.denotes.iter().map(|d| d.concept.clone()));
                    coding.resolution = Some(res);
                }
                Err(reason) => problems.push(Unrecognised {
                    fact: fact.iri.clone(),
                    path: coding.path.clone(),
                    system: coding.system.clone(),
                    code: coding.code.clone(),
                    display: coding.display.clone().or_else(|| fact.text.clone()),
                    reason,
                    fact_recognised: false,
                }),
            }
        }
        if fact.codings.is_empty() {
            problems.push(Unrecognised {
                fact: fact.iri.clone(),
                path: fact.path.clone(),
                system: None,
                code: None,
                display: fact.text.clone(),
                reason: "the fact has no coding".into(),
                fact_recognised: false,
            });
        }
        for p in &mut problems {
            p.fact_recognised = !direct.is_empty();
        }
        case.unrecognised.extend(problems);
        fact.direct_concepts = direct.iter().cloned().collect();
        direct_all.extend(direct);
    }
    case.hierarchy.load(store, &direct_all)?;
    for fact in &mut case.facts {
        let mut all = BTreeSet::new();
        for c in &fact.direct_concepts {
            all.extend(case.hierarchy.closure(c));
        }
        fact.concepts = all.into_iter().collect();
    }
    Ok(())
}

/// What recognition remembers per store for the current write epoch: the code systems, and how each
/// `(system, code)` pair asked for so far resolved — so a case whose codes were seen before needs no
/// query, and one with new codes queries for those only.
struct Resolutions {
    systems: EpochMemo<(), Arc<HashMap<String, System>>>,
    codings: EpochMemo<(String, String), Result<Resolution, String>>,
}

impl Default for Resolutions {
    fn default() -> Self {
        Self {
            systems: EpochMemo::new(1),
            codings: EpochMemo::new(100_000),
        }
    }
}

/// The `wr:CodeSystem`s by FHIR system URI.
fn code_systems(store: &WarrantStore) -> Result<Arc<HashMap<String, System>>, StoreError> {
    Ok(Arc::new(
        store
            .select(shipped("code-systems"), &[])?
            .iter()
            .filter_map(|row| {
                Some((
                    value_of(row, "system")?,
                    System {
                        iri: value_of(row, "codeSystem")?,
                        label: value_of(row, "label"),
                        prefix: value_of(row, "prefixMatch").as_deref() == Some("true"),
                    },
                ))
            })
            .collect(),
    ))
}

fn resolve_all(
    store: &WarrantStore,
    systems: &HashMap<String, System>,
    cache: &mut HashMap<(String, String), Result<Resolution, String>>,
) -> Result<(), StoreError> {
    let var = Variable::new_unchecked;
    let keys: Vec<(String, String)> = cache.keys().cloned().collect();
    let mut exact_rows = Vec::new();
    let mut slugs = Vec::new();
    for (system, code) in &keys {
        let Some(sys) = systems.get(system) else {
            cache.insert(
                (system.clone(), code.clone()),
                Err(format!("code system {system} is not known to the graph")),
            );
            continue;
        };
        if system == vocab::CONCEPT_SYSTEM {
            slugs.push((system.clone(), code.clone()));
        } else {
            exact_rows.push(vec![
                Term::from(NamedNode::new_unchecked(sys.iri.clone())),
                Literal::from(code.as_str()).into(),
            ]);
        }
    }
    // Warrant's own concepts: the code is a slug.
    let candidates: Vec<Vec<Term>> = slugs
        .iter()
        .filter_map(|(_, slug)| NamedNode::new(format!("{}{slug}", vocab::CONCEPT)).ok())
        .map(|n| vec![n.into()])
        .collect();
    let known: BTreeSet<String> = store
        .select_table(shipped("concept-exists"), &[var("concept")], &candidates)?
        .iter()
        .filter_map(|r| value_of(r, "concept"))
        .collect();
    for (system, slug) in slugs {
        let sys = &systems[&system];
        let iri = format!("{}{slug}", vocab::CONCEPT);
        let outcome = if known.contains(&iri) {
            Ok(Resolution {
                code_system: sys.iri.clone(),
                code_system_label: sys.label.clone(),
                code: None,
                listed: Some(slug.clone()),
                code_label: None,
                by_prefix: false,
                denotes: vec![Denotation {
                    concept: iri,
                    via: None,
                    relation: "concept slug".into(),
                }],
            })
        } else {
            Err(format!("{slug:?} is not a Warrant concept"))
        };
        cache.insert((system, slug), outcome);
    }
    // Listed codes, exact; then by prefix where the system allows it.
    let mut found: HashMap<(String, String), Found> = HashMap::new();
    for row in store.select_table(
        shipped("code-exact"),
        &[var("codeSystem"), var("code")],
        &exact_rows,
    )? {
        if let (Some(cs), Some(code), Some(node), Some(listed)) = (
            value_of(&row, "codeSystem"),
            value_of(&row, "code"),
            value_of(&row, "node"),
            value_of(&row, "listed"),
        ) {
            found
                .entry((cs, code))
                .or_insert((node, listed, value_of(&row, "label"), false));
        }
    }
    for (system, code) in &keys {
        let Some(sys) = systems.get(system) else {
            continue;
        };
        if system == vocab::CONCEPT_SYSTEM
            || !sys.prefix
            || found.contains_key(&(sys.iri.clone(), code.clone()))
        {
            continue;
        }
        let bindings = [
            (
                var("codeSystem"),
                Term::from(NamedNode::new_unchecked(sys.iri.clone())),
            ),
            (var("code"), Literal::from(code.as_str()).into()),
        ];
        if let Some(row) = store.select(shipped("code-prefix"), &bindings)?.first() {
            if let (Some(node), Some(listed)) = (value_of(row, "node"), value_of(row, "listed")) {
                found.insert(
                    (sys.iri.clone(), code.clone()),
                    (node, listed, value_of(row, "label"), true),
                );
            }
        }
    }
    // Concepts of the codes found.
    let nodes: Vec<Vec<Term>> = found
        .values()
        .map(|(node, ..)| node.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|n| vec![NamedNode::new_unchecked(n).into()])
        .collect();
    let mut denotations: HashMap<String, Vec<Denotation>> = HashMap::new();
    for row in store.select_table(shipped("code-concepts"), &[var("node")], &nodes)? {
        if let (Some(node), Some(concept), Some(relation)) = (
            value_of(&row, "node"),
            value_of(&row, "concept"),
            value_of(&row, "relation"),
        ) {
            let inverse = value_of(&row, "inverse").as_deref() == Some("true");
            let short = relation.replace("http://www.w3.org/2004/02/skos/core#", "skos:");
            let list = denotations.entry(node).or_default();
            if !list.iter().any(|d| d.concept == concept) {
                list.push(Denotation {
                    concept,
                    via: value_of(&row, "via"),
                    relation: if inverse {
                        format!("inverse of {short}")
                    } else {
                        short
                    },
                });
            }
        }
    }
    for (system, code) in keys {
        let Some(sys) = systems.get(&system) else {
            continue;
        };
        if system == vocab::CONCEPT_SYSTEM {
            continue;
        }
        let outcome = match found.get(&(sys.iri.clone(), code.clone())) {
            None => Err(format!(
                "code {code:?} is not listed in {}",
                sys.label.as_deref().unwrap_or(&sys.iri)
            )),
            Some((node, listed, label, by_prefix)) => {
                let mut denotes = denotations.get(node).cloned().unwrap_or_default();
                denotes.sort_by(|a, b| a.concept.cmp(&b.concept));
                if denotes.is_empty() {
                    Err(format!(
                        "code {listed} is listed but leads to no Warrant concept"
                    ))
                } else {
                    Ok(Resolution {
                        code_system: sys.iri.clone(),
                        code_system_label: sys.label.clone(),
                        code: Some(node.clone()),
                        listed: Some(listed.clone()),
                        code_label: label.clone(),
                        by_prefix: *by_prefix,
                        denotes,
                    })
                }
            }
        };
        cache.insert((system, code), outcome);
    }
    Ok(())
}
