//! A FHIR R4 Questionnaire asking for the facts a policy needs: one item per leaf criterion, typed by
//! the criterion's kind — a quantity in the criterion's unit, a yes/no for a condition, procedure or
//! medication, a date for a "within N days" test.
//!
//! Each item's `linkId` says which fact its answer is: `{ResourceType}/{concept slug}` (plus `/date`,
//! `/value`, `/below-normal`, `/history` to tell items about the same concept apart), so that a
//! QuestionnaireResponse posted to `/evaluate` is read into facts with no access to the Questionnaire
//! (see `case::questionnaire_response`). Only criteria whose concept is a Warrant concept
//! (`https://w3id.org/warrant/concept/{slug}`) get an item: answers are coded in that system.
//!
//! The Questionnaire lives at a stable URL: `/questionnaire/{policy id}?item={criterion id}…`
//! (without `item`: every leaf of the policy), rebuilt from the policy data on each request.

use crate::evaluate::policy::{Criterion, Kind, Policy};
use crate::vocab;
use serde_json::{Value, json};

/// UCUM, the system of the quantity units.
const UCUM: &str = "http://unitsofmeasure.org";

/// The local id of a Warrant IRI (`https://w3id.org/warrant/id/x` -> `x`), when it is one.
pub fn local_id(iri: &str) -> Option<&str> {
    iri.strip_prefix(vocab::ID).filter(|id| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

/// Whether `s` is a safe id: letters, digits, `-`, `_` and `.` (one URL query value as it is).
fn is_plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The id of criterion `criterion` in `policy`'s questionnaire URL: the fragment of a part of the
/// policy (`{policy}#crit-x` -> `crit-x`), else its Warrant id (`…/id/crit-x` -> `crit-x`).
pub fn item_id<'a>(policy: &str, criterion: &'a str) -> Option<&'a str> {
    match criterion
        .strip_prefix(policy)
        .and_then(|rest| rest.strip_prefix('#'))
    {
        Some(fragment) => Some(fragment).filter(|f| is_plain_id(f)),
        None => local_id(criterion),
    }
}

/// The criterion an `item` of `policy`'s questionnaire URL names: its part `{policy}#{item}` when
/// `is_criterion` says the policy has it, else the Warrant id `{item}`. None for an unsafe id.
pub fn item_iri(policy: &str, item: &str, is_criterion: impl Fn(&str) -> bool) -> Option<String> {
    if !is_plain_id(item) {
        return None;
    }
    let part = format!("{policy}#{item}");
    Some(if is_criterion(&part) {
        part
    } else {
        format!("{}{item}", vocab::ID)
    })
}

/// The URL of the questionnaire for `items` (criterion IRIs) of `policy`, on `base`.
pub fn url(base: &str, policy: &str, items: &[String]) -> Option<String> {
    let id = local_id(policy)?;
    let mut url = format!("{base}/questionnaire/{id}");
    let ids: Vec<&str> = items.iter().filter_map(|i| item_id(policy, i)).collect();
    for (n, i) in ids.iter().enumerate() {
        url.push(if n == 0 { '?' } else { '&' });
        url.push_str("item=");
        url.push_str(i);
    }
    Some(url)
}

/// One question: its `linkId`, text and FHIR item type, with the unit of a quantity.
fn question(c: &Criterion, label: &str) -> Option<(String, String, &'static str, Option<String>)> {
    let slug = c.concept.as_deref()?.strip_prefix(vocab::CONCEPT)?;
    if slug.is_empty() || slug.contains('/') {
        return None;
    }
    let q = match c.kind {
        Kind::LabThreshold => {
            let unit = c.unit.clone();
            (
                format!("Observation/{slug}/value"),
                format!(
                    "Most recent {label}{}",
                    unit.as_deref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                ),
                "quantity",
                unit,
            )
        }
        Kind::ObservationWithin => (
            format!("Observation/{slug}/date"),
            format!("Date of the most recent {label}"),
            "date",
            None,
        ),
        Kind::ObservationBelowNormal => (
            format!("Observation/{slug}/below-normal"),
            format!("Is the most recent {label} below the laboratory's normal range?"),
            "boolean",
            None,
        ),
        Kind::ConditionPresent => (
            format!("Condition/{slug}"),
            format!("Does the patient have {label}?"),
            "boolean",
            None,
        ),
        Kind::ProcedurePerformed => (
            format!("Procedure/{slug}"),
            format!("Has the patient had {label}?"),
            "boolean",
            None,
        ),
        Kind::ProcedureWithin => (
            format!("Procedure/{slug}/date"),
            format!("Date of {label}"),
            "date",
            None,
        ),
        Kind::MedicationCurrent => (
            format!("MedicationStatement/{slug}"),
            format!("Is the patient currently taking {label}?"),
            "boolean",
            None,
        ),
        Kind::MedicationInHistory => (
            format!("MedicationStatement/{slug}/history"),
            format!("Has the patient ever received {label}?"),
            "boolean",
            None,
        ),
        _ => return None,
    };
    Some(q)
}

/// The Questionnaire for the criteria `items` of `policy` (every leaf when `items` is empty), at
/// `url`; `label` gives a concept's label. Items appear once per `linkId`, in tree order.
pub fn build(
    policy: &Policy,
    items: &[String],
    url: &str,
    label: impl Fn(&str) -> String,
) -> Value {
    let mut questions: Vec<Value> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let chosen: Vec<&Criterion> = if items.is_empty() {
        policy.criteria.values().collect()
    } else {
        items
            .iter()
            .filter_map(|i| policy.criteria.get(i))
            .collect()
    };
    for c in chosen {
        let concept_label = c.concept.as_deref().map(&label).unwrap_or_default();
        let Some((link_id, text, item_type, unit)) = question(c, &concept_label) else {
            continue;
        };
        if !seen.insert(link_id.clone()) {
            continue;
        }
        let mut item = json!({
            "linkId": link_id,
            "definition": c.iri,
            "text": text,
            "type": item_type,
            "required": false,
        });
        if let Some(u) = unit {
            item["extension"] = json!([{
                "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption",
                "valueCoding": {"system": UCUM, "code": u, "display": u}
            }]);
        }
        questions.push(item);
    }
    let id_seed = format!("{}|{}", policy.iri, items.join(","));
    json!({
        "resourceType": "Questionnaire",
        "id": format!("q-{}", &crate::store::sha256_hex(id_seed.as_bytes())[..16]),
        "url": url,
        "name": "WarrantDocumentation",
        "title": format!("Documentation for: {}", policy.label),
        "status": "active",
        "subjectType": ["Patient"],
        "description": "Facts the policy's criteria need that the record did not show. Answer what is known; a QuestionnaireResponse posted to /evaluate with the orders fills these facts.",
        "item": questions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_policy_and_criterion_ids() {
        let u = url(
            "http://h",
            "https://w3id.org/warrant/id/policy-a",
            &[
                "https://w3id.org/warrant/id/crit-x".into(),
                "https://w3id.org/warrant/id/policy-a#crit-y".into(),
                "https://w3id.org/warrant/id/policy-b#crit-z".into(),
                "urn:other".into(),
            ],
        );
        assert_eq!(
            u.as_deref(),
            Some("http://h/questionnaire/policy-a?item=crit-x&item=crit-y")
        );
        let policy = "https://w3id.org/warrant/id/policy-a";
        let parts = |iri: &str| iri == "https://w3id.org/warrant/id/policy-a#crit-y";
        assert_eq!(
            item_iri(policy, "crit-y", parts).as_deref(),
            Some("https://w3id.org/warrant/id/policy-a#crit-y")
        );
        assert_eq!(
            item_iri(policy, "crit-x", parts).as_deref(),
            Some("https://w3id.org/warrant/id/crit-x")
        );
        assert_eq!(item_iri(policy, "a#b", parts), None);
        assert_eq!(url("http://h", "urn:p", &[]), None);
        assert_eq!(local_id("https://w3id.org/warrant/id/a b"), None);
    }
}
