//! `GET /cds-services`: the services Warrant offers, one per supported hook, each with prefetch
//! templates written from the policies' data.
//!
//! Every leaf criterion of every policy names a concept; the graph maps concepts (and the concepts
//! under them) to codes of FHIR code systems. The prefetch asks, per FHIR resource type a leaf kind
//! reads, for exactly the resources carrying one of those codes — so a policy added as data extends
//! the prefetch with no code change. FHIR token search matches codes exactly: a code system whose
//! unlisted subcodes match by prefix (ICD-10-CM) is searched by its listed codes only.

use super::codes::{self, SystemCode};
use crate::evaluate::policy::Kind;
use crate::evaluate::{self, EvaluateError};
use crate::store::WarrantStore;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The hooks Warrant answers, with the id of the service for each.
pub const SERVICES: [(&str, &str, &str); 3] = [
    (
        "warrant-order-select",
        "order-select",
        "When an order is selected: whether the policies' criteria for it are met, what is missing, and the caveats.",
    ),
    (
        "warrant-order-sign",
        "order-sign",
        "When orders are signed: the determination for each governed order with its why-chain, CRD coverage information and a documentation questionnaire for missing facts.",
    ),
    (
        "warrant-order-dispatch",
        "order-dispatch",
        "When an order is dispatched to a performer: the same determination for the dispatched order (read from the prefetched order).",
    ),
];

/// The hook a service id answers, if Warrant offers it.
pub fn hook_of(service: &str) -> Option<&'static str> {
    SERVICES
        .iter()
        .find(|(id, _, _)| *id == service)
        .map(|(_, hook, _)| *hook)
}

/// The FHIR resource types a leaf kind reads facts from (from the leaf definitions of
/// `ontology/warrant.ttl`); a kind not listed here reads every fact type, so a new leaf kind still
/// gets its data prefetched.
fn resource_types(kind: Kind) -> &'static [&'static str] {
    const MEDICATION: &[&str] = &[
        "MedicationStatement",
        "MedicationRequest",
        "MedicationAdministration",
    ];
    match kind {
        Kind::AllOf | Kind::AnyOf | Kind::Not => &[],
        Kind::ConditionPresent | Kind::ConditionEpisodesWithin => &["Condition"],
        Kind::ProcedurePerformed | Kind::ProcedureWithin => &["Procedure", "Condition"],
        Kind::MedicationCurrent | Kind::MedicationInHistory => MEDICATION,
        Kind::LabThreshold | Kind::ObservationBelowNormal | Kind::ObservationWithin => {
            &["Observation"]
        }
        #[allow(unreachable_patterns)]
        _ => &[
            "Condition",
            "Procedure",
            "MedicationStatement",
            "MedicationRequest",
            "MedicationAdministration",
            "Observation",
        ],
    }
}

/// The prefetch key of a resource type (`Observation` -> `observations`).
fn key_of(resource_type: &str) -> String {
    let mut k = resource_type.to_owned();
    if let Some(first) = k.get_mut(0..1) {
        first.make_ascii_lowercase();
    }
    k + "s"
}

/// Per FHIR resource type, the codes the policies' leaf criteria need.
pub fn needed_codes(
    store: &WarrantStore,
) -> Result<BTreeMap<&'static str, BTreeSet<SystemCode>>, EvaluateError> {
    let mut wanted: Vec<(&'static str, String)> = Vec::new();
    for (iri, _) in evaluate::policy_list(store)? {
        let policy = match evaluate::policy_of(store, &iri) {
            Ok(p) => p,
            // a broken policy cannot be evaluated either: it asks for nothing
            Err(EvaluateError::InvalidPolicy { .. } | EvaluateError::PolicyNotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        for c in policy.criteria.values() {
            if let Some(concept) = &c.concept {
                for t in resource_types(c.kind) {
                    wanted.push((*t, concept.clone()));
                }
            }
        }
    }
    let concepts: Vec<String> = wanted
        .iter()
        .map(|(_, c)| c.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let by_concept = codes::of_concepts(store, &concepts)?;
    let mut out: BTreeMap<&'static str, BTreeSet<SystemCode>> = BTreeMap::new();
    for (t, concept) in wanted {
        let set = out.entry(t).or_default();
        for code in by_concept.get(&concept).into_iter().flatten() {
            set.insert(SystemCode {
                display: None,
                ..code.clone()
            });
        }
    }
    out.retain(|_, codes| !codes.is_empty());
    Ok(out)
}

/// The templates, remembered for the current store write epoch (every hook call needs them).
struct Memo {
    templates: crate::store::EpochMemo<(), std::sync::Arc<Map<String, Value>>>,
}

impl Default for Memo {
    fn default() -> Self {
        Self {
            templates: crate::store::EpochMemo::new(1),
        }
    }
}

/// The prefetch templates: the patient, and per resource type a search by the needed codes
/// (remembered until the next write).
pub fn prefetch(store: &WarrantStore) -> Result<Map<String, Value>, EvaluateError> {
    let memo = store.shared::<Memo>();
    let templates = memo.templates.get_one(store, (), |_| {
        Ok::<_, EvaluateError>(std::sync::Arc::new(templates(store)?))
    })?;
    Ok(templates.as_ref().clone())
}

fn templates(store: &WarrantStore) -> Result<Map<String, Value>, EvaluateError> {
    let mut templates = Map::new();
    templates.insert("patient".into(), json!("Patient/{{context.patientId}}"));
    for (resource_type, codes) in needed_codes(store)? {
        let list: Vec<String> = codes
            .iter()
            .map(|c| format!("{}|{}", escape(&c.system), escape(&c.code)))
            .collect();
        let template = format!(
            "{resource_type}?patient={{{{context.patientId}}}}&code={}",
            list.join(",")
        );
        templates.insert(key_of(resource_type), Value::String(template));
    }
    Ok(templates)
}

/// Escapes a FHIR search token part (`,`, `|`, `$`, `\` are escaped with `\`) and percent-encodes
/// what a URL query cannot hold.
fn escape(part: &str) -> String {
    let mut s = String::with_capacity(part.len());
    for ch in part.chars() {
        if matches!(ch, ',' | '|' | '$' | '\\') {
            s.push('\\');
        }
        s.push(ch);
    }
    percent_encoding::utf8_percent_encode(&s, QUERY_VALUE).to_string()
}

/// Characters percent-encoded in a query value (besides controls): space, `#`, `&`, `+`, `%`, quotes,
/// angle brackets, `{` `}` (which would read as prefetch tokens).
const QUERY_VALUE: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'&')
    .add(b'+')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'{')
    .add(b'}')
    .add(b'\\');

/// The discovery document: `{"services": [...]}`.
pub fn document(store: &WarrantStore) -> Result<Value, EvaluateError> {
    let prefetch = prefetch(store)?;
    let services: Vec<Value> = SERVICES
        .iter()
        .map(|(id, hook, description)| {
            let mut p = prefetch.clone();
            if *hook == "order-dispatch" {
                p.insert("order".into(), json!("{{context.order}}"));
            }
            json!({
                "hook": hook,
                "id": id,
                "title": format!("Warrant: medical necessity with its evidence ({hook})"),
                "description": description,
                "prefetch": p,
                "usageRequirements": "Send the prefetch (or an allow-listed fhirServer with fhirAuthorization); facts the policies need that are neither prefetched nor fetchable are reported as missing.",
            })
        })
        .collect();
    Ok(json!({ "services": services }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_tokens_escape_their_separators_and_url_syntax() {
        assert_eq!(escape("http://loinc.org"), "http://loinc.org");
        assert_eq!(escape("a,b|c"), "a\\,b\\|c".replace('\\', "%5C"));
        assert_eq!(escape("x y&z"), "x%20y%26z");
    }

    #[test]
    fn keys_are_plural_camel_case() {
        assert_eq!(key_of("Observation"), "observations");
        assert_eq!(key_of("MedicationStatement"), "medicationStatements");
    }
}
