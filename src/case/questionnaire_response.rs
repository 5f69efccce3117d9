//! A QuestionnaireResponse to a Warrant documentation Questionnaire (see `cds::questionnaire`) read as
//! the FHIR resources its answers state, which the FHIR reader then reads like any other.
//!
//! An item's `linkId` is `{ResourceType}/{concept slug}[/{aspect}]`; the answer's type says what it
//! states, the concept is coded in the Warrant concept system (`https://w3id.org/warrant/concept`):
//!
//! | linkId | answer | resource |
//! |---|---|---|
//! | `Condition/x` | boolean | Condition x, confirmed (true) or refuted (false) |
//! | `Procedure/x` | boolean true | Procedure x, completed (false: nothing is stated) |
//! | `Procedure/x/date` | date / dateTime | Procedure x, completed, performed then |
//! | `MedicationStatement/x` | boolean | MedicationStatement x, active (true) or not-taken (false) |
//! | `MedicationStatement/x/history` | boolean | MedicationStatement x, completed (true) or not-taken (false) |
//! | `Observation/x/value` | Quantity / decimal / integer | Observation x with that value, effective when authored |
//! | `Observation/x/date` | date / dateTime | Observation x, effective then |
//! | `Observation/x/below-normal` | boolean | Observation x interpreted low (true) or normal (false) |
//!
//! Items whose linkId has another shape, and answers of another type, are listed under `ignored`
//! with their path; groups are read recursively.

use super::CaseError;
use super::Ignored;
use super::fhir_types::{field, kind};
use crate::vocab::CONCEPT_SYSTEM;
use serde_json::{Map, Value, json};

/// The resources the answers state (each with the path of its answer), and the answers that state
/// nothing Warrant reads.
pub type Stated = (Vec<(String, Value)>, Vec<Ignored>);

/// The resources a QuestionnaireResponse's answers state (each with the path of its answer), and the
/// items that state nothing Warrant reads.
pub fn resources(r: &Map<String, Value>, path: &str) -> Result<Stated, CaseError> {
    let mut out = Vec::new();
    let mut ignored = Vec::new();
    let authored = match field(r, "authored") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(CaseError::invalid(
                format!("{path}.authored"),
                format!("expected a dateTime string, found {}", kind(other)),
            ));
        }
    };
    if let Some(items) = field(r, "item") {
        read_items(
            items,
            &format!("{path}.item"),
            authored.as_deref(),
            &mut out,
            &mut ignored,
        )?;
    }
    Ok((out, ignored))
}

fn read_items(
    items: &Value,
    path: &str,
    authored: Option<&str>,
    out: &mut Vec<(String, Value)>,
    ignored: &mut Vec<Ignored>,
) -> Result<(), CaseError> {
    let Value::Array(items) = items else {
        return Err(CaseError::invalid(
            path,
            format!("expected an array, found {}", kind(items)),
        ));
    };
    for (i, item) in items.iter().enumerate() {
        let ipath = format!("{path}[{i}]");
        let Value::Object(item) = item else {
            return Err(CaseError::invalid(
                ipath,
                format!("expected an object, found {}", kind(item)),
            ));
        };
        if let Some(nested) = field(item, "item") {
            read_items(nested, &format!("{ipath}.item"), authored, out, ignored)?;
        }
        let link_id = match field(item, "linkId") {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => {
                return Err(CaseError::invalid(
                    format!("{ipath}.linkId"),
                    format!("expected a string, found {}", kind(other)),
                ));
            }
            None => {
                return Err(CaseError::invalid(
                    format!("{ipath}.linkId"),
                    "missing: every QuestionnaireResponse item has a linkId",
                ));
            }
        };
        let answers = match field(item, "answer") {
            None => continue,
            Some(Value::Array(a)) => a,
            Some(other) => {
                return Err(CaseError::invalid(
                    format!("{ipath}.answer"),
                    format!("expected an array, found {}", kind(other)),
                ));
            }
        };
        for (j, answer) in answers.iter().enumerate() {
            let apath = format!("{ipath}.answer[{j}]");
            let Value::Object(answer) = answer else {
                return Err(CaseError::invalid(
                    apath,
                    format!("expected an object, found {}", kind(answer)),
                ));
            };
            if let Some(nested) = field(answer, "item") {
                read_items(nested, &format!("{apath}.item"), authored, out, ignored)?;
            }
            match stated(link_id, answer, authored) {
                Some(resource) => out.push((apath, resource)),
                None => ignored.push(Ignored {
                    path: apath,
                    resource_type: None,
                    reason: format!(
                        "answer to linkId {link_id:?} states no fact Warrant reads (see the README: QuestionnaireResponse)"
                    ),
                }),
            }
        }
    }
    Ok(())
}

/// The resource one answer states, if it is one of the shapes above.
fn stated(link_id: &str, answer: &Map<String, Value>, authored: Option<&str>) -> Option<Value> {
    let mut parts = link_id.split('/');
    let (rtype, slug, aspect) = (parts.next()?, parts.next()?, parts.next());
    if parts.next().is_some() || slug.is_empty() {
        return None;
    }
    let code = json!({"coding": [{"system": CONCEPT_SYSTEM, "code": slug}], "text": slug.replace('-', " ")});
    let boolean = answer.get("valueBoolean").and_then(Value::as_bool);
    let day = answer
        .get("valueDate")
        .or_else(|| answer.get("valueDateTime"))
        .and_then(Value::as_str);
    let mut r = match (rtype, aspect) {
        ("Condition", None) => {
            let verification = if boolean? { "confirmed" } else { "refuted" };
            let mut c = json!({
                "resourceType": "Condition",
                "code": code,
                "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification}]},
            });
            if verification == "confirmed" {
                c["clinicalStatus"] = json!({"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]});
            }
            c
        }
        ("Procedure", None) if boolean? => {
            json!({"resourceType": "Procedure", "status": "completed", "code": code})
        }
        ("Procedure", Some("date")) => {
            json!({"resourceType": "Procedure", "status": "completed", "code": code, "performedDateTime": day?})
        }
        ("MedicationStatement", None | Some("history")) => {
            let status = match (boolean?, aspect) {
                (true, None) => "active",
                (true, _) => "completed",
                (false, _) => "not-taken",
            };
            json!({"resourceType": "MedicationStatement", "status": status, "medicationCodeableConcept": code})
        }
        ("Observation", Some("value")) => {
            let value = match answer.get("valueQuantity") {
                Some(q) => q.clone(),
                None => {
                    let n = answer
                        .get("valueDecimal")
                        .or_else(|| answer.get("valueInteger"))?;
                    json!({"value": n})
                }
            };
            json!({"resourceType": "Observation", "status": "final", "code": code, "valueQuantity": value})
        }
        ("Observation", Some("date")) => {
            json!({"resourceType": "Observation", "status": "final", "code": code, "effectiveDateTime": day?})
        }
        ("Observation", Some("below-normal")) => {
            let flag = if boolean? { "L" } else { "N" };
            json!({"resourceType": "Observation", "status": "final", "code": code,
                   "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": flag}]}]})
        }
        _ => return None,
    };
    if r["resourceType"] == "Observation" && r.get("effectiveDateTime").is_none() {
        if let Some(a) = authored {
            r["effectiveDateTime"] = json!(a);
        }
    }
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(v: Value) -> Map<String, Value> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn each_link_id_shape_states_its_resource() {
        let yes = answer(json!({"valueBoolean": true}));
        let no = answer(json!({"valueBoolean": false}));
        assert_eq!(
            stated("Condition/x", &no, None).unwrap()["verificationStatus"]["coding"][0]["code"],
            "refuted"
        );
        assert_eq!(
            stated("MedicationStatement/x", &yes, None).unwrap()["status"],
            "active"
        );
        assert_eq!(
            stated("MedicationStatement/x/history", &no, None).unwrap()["status"],
            "not-taken"
        );
        assert!(stated("Procedure/x", &no, None).is_none());
        let q = answer(
            json!({"valueQuantity": {"value": 3.2, "system": "http://unitsofmeasure.org", "code": "g/L"}}),
        );
        let obs = stated("Observation/some-lab/value", &q, Some("2025-12-01")).unwrap();
        assert_eq!(obs["valueQuantity"]["code"], "g/L");
        assert_eq!(obs["effectiveDateTime"], "2025-12-01");
        assert_eq!(obs["code"]["coding"][0]["system"], CONCEPT_SYSTEM);
        assert!(stated("Observation/x/value", &yes, None).is_none());
        assert!(stated("Other/x", &yes, None).is_none());
        assert!(stated("Condition/x/y/z", &yes, None).is_none());
    }
}
