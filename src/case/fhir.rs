//! FHIR R4 JSON -> [`Case`]: a Bundle (any type) or one resource posted on its own.
//!
//! Read: Condition, Procedure, MedicationStatement, MedicationRequest, MedicationAdministration,
//! Observation (and Medication, to resolve `medicationReference`), and the answers of a
//! QuestionnaireResponse to a Warrant documentation questionnaire (`questionnaire_response`). Patient
//! is accepted and not used;
//! every other resource type is listed under `ignored`. Facts whose status is `entered-in-error` are
//! ignored too (listed). The intervention requests are the MedicationRequests whose intent is `order`
//! (or one of its specialisations) and whose status is not final (`completed`, `stopped`,
//! `cancelled`, `entered-in-error`). JSON paths: `entry[3].resource.valueQuantity.value` inside a
//! Bundle, `Observation.valueQuantity.value` for a resource posted alone.

use super::fhir_types::{
    array, codeable_concept, dosing_interval, field, first_date, kind, object, quantity, range,
    status_code, string,
};
use super::{Case, CaseError, Fact, FactKind, Ignored, ObsValue};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Intents that are an order (FHIR `order` and its specialisations).
const ORDER_INTENTS: [&str; 5] = [
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
];
/// Request statuses under which a request is no longer being asked for.
const FINAL_REQUEST_STATUSES: [&str; 4] = ["completed", "stopped", "cancelled", "entered-in-error"];

/// Reads a parsed FHIR JSON document.
pub fn read(value: &Value, iri: String) -> Result<Case, CaseError> {
    let root = value.as_object().ok_or_else(|| {
        CaseError::invalid(
            "$",
            format!(
                "expected a FHIR resource (a JSON object), found {}",
                kind(value)
            ),
        )
    })?;
    let resource_type = resource_type(root, "")?;
    let mut case = Case {
        iri,
        ..Case::default()
    };
    let resources: Vec<(String, &Map<String, Value>)> = if resource_type == "Bundle" {
        let mut list = Vec::new();
        let entries = match field(root, "entry") {
            None => &[][..],
            Some(Value::Array(items)) => items.as_slice(),
            Some(other) => {
                return Err(CaseError::invalid(
                    "entry",
                    format!("expected an array, found {}", kind(other)),
                ));
            }
        };
        for (i, entry) in entries.iter().enumerate() {
            let epath = format!("entry[{i}]");
            let e = object(entry, &epath)?;
            match field(e, "resource") {
                Some(r) => {
                    let rpath = format!("{epath}.resource");
                    list.push((rpath.clone(), object(r, &rpath)?));
                }
                None => case.ignored.push(Ignored {
                    path: epath,
                    resource_type: None,
                    reason: "entry without a resource".into(),
                }),
            }
        }
        list
    } else {
        vec![(resource_type.clone(), root)]
    };
    let medications = medication_index(&resources)?;
    for (path, resource) in resources {
        read_resource(&mut case, &path, resource, &medications)?;
    }
    Ok(case)
}

fn resource_type(obj: &Map<String, Value>, path: &str) -> Result<String, CaseError> {
    let at = if path.is_empty() {
        "resourceType".to_owned()
    } else {
        format!("{path}.resourceType")
    };
    match field(obj, "resourceType") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(other) => Err(CaseError::invalid(
            at,
            format!("expected a resource type name, found {}", kind(other)),
        )),
        None => Err(CaseError::invalid(
            at,
            "missing: every FHIR resource names its resourceType",
        )),
    }
}

type MedicationCode = (Option<String>, Vec<super::Coding>);

/// `Medication/{id}` -> the Medication's code, for `medicationReference`.
fn medication_index(
    resources: &[(String, &Map<String, Value>)],
) -> Result<HashMap<String, MedicationCode>, CaseError> {
    let mut index = HashMap::new();
    for (path, r) in resources {
        if resource_type(r, path)? != "Medication" {
            continue;
        }
        if let (Some(id), Some(code)) = (string(r, "id", path)?, field(r, "code")) {
            index.insert(
                format!("Medication/{id}"),
                codeable_concept(code, &format!("{path}.code"))?,
            );
        }
    }
    Ok(index)
}

fn read_resource(
    case: &mut Case,
    path: &str,
    r: &Map<String, Value>,
    medications: &HashMap<String, MedicationCode>,
) -> Result<(), CaseError> {
    let rtype = resource_type(r, path)?;
    let kind = match rtype.as_str() {
        "Condition" => FactKind::Condition,
        "Procedure" => FactKind::Procedure,
        "MedicationStatement" => FactKind::MedicationStatement,
        "MedicationRequest" => FactKind::MedicationRequest,
        "MedicationAdministration" => FactKind::MedicationAdministration,
        "Observation" => FactKind::Observation,
        "Patient" | "Medication" => return Ok(()),
        "QuestionnaireResponse" => {
            let (stated, ignored) = super::questionnaire_response::resources(r, path)?;
            case.ignored.extend(ignored);
            for (apath, resource) in &stated {
                if let Value::Object(map) = resource {
                    read_resource(case, apath, map, medications)?;
                }
            }
            return Ok(());
        }
        other => {
            case.ignored.push(Ignored {
                path: path.to_owned(),
                resource_type: Some(other.to_owned()),
                reason: "resource type not used in evaluation".into(),
            });
            return Ok(());
        }
    };
    let iri = format!("{}/fact-{}", case.iri, case.facts.len() + 1);
    let mut fact = Fact::new(iri, kind, path.to_owned());
    fact.resource_id = string(r, "id", path)?;
    match kind {
        FactKind::Condition => {
            fact.clinical_status = status_code(r, "clinicalStatus", path)?;
            fact.verification_status = status_code(r, "verificationStatus", path)?;
            fact.date = first_date(r, &["onsetDateTime", "onsetPeriod", "recordedDate"], path)?;
            read_code(&mut fact, r, "code", path)?;
        }
        FactKind::Procedure => {
            fact.status = string(r, "status", path)?;
            fact.date = first_date(r, &["performedDateTime", "performedPeriod"], path)?;
            read_code(&mut fact, r, "code", path)?;
        }
        FactKind::Observation => {
            fact.status = string(r, "status", path)?;
            fact.date = first_date(
                r,
                &[
                    "effectiveDateTime",
                    "effectivePeriod",
                    "effectiveInstant",
                    "issued",
                ],
                path,
            )?;
            read_code(&mut fact, r, "code", path)?;
            read_observation(&mut fact, r, path)?;
        }
        FactKind::MedicationStatement
        | FactKind::MedicationRequest
        | FactKind::MedicationAdministration => {
            fact.status = string(r, "status", path)?;
            let date_keys: &[&str] = if kind == FactKind::MedicationRequest {
                &["authoredOn"]
            } else {
                &["effectiveDateTime", "effectivePeriod"]
            };
            fact.date = first_date(r, date_keys, path)?;
            read_medication(&mut fact, r, path, medications)?;
            if kind == FactKind::MedicationRequest {
                fact.intent = string(r, "intent", path)?;
                if let Some((days, words)) = dosing_interval(r, path)? {
                    fact.interval_days = Some(days);
                    fact.timing = Some(words);
                }
            }
        }
    }
    let status = fact
        .status
        .as_deref()
        .or(fact.verification_status.as_deref());
    if status == Some("entered-in-error") {
        case.ignored.push(Ignored {
            path: path.to_owned(),
            resource_type: Some(rtype),
            reason: "status entered-in-error".into(),
        });
        return Ok(());
    }
    let is_request = kind == FactKind::MedicationRequest
        && fact
            .intent
            .as_deref()
            .is_some_and(|i| ORDER_INTENTS.contains(&i))
        && !fact
            .status
            .as_deref()
            .is_some_and(|s| FINAL_REQUEST_STATUSES.contains(&s));
    if is_request {
        case.requests.push(case.facts.len());
    }
    case.facts.push(fact);
    Ok(())
}

fn read_code(
    fact: &mut Fact,
    r: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<(), CaseError> {
    if let Some(code) = field(r, key) {
        let (text, codings) = codeable_concept(code, &format!("{path}.{key}"))?;
        fact.text = text;
        fact.codings = codings;
    }
    Ok(())
}

fn read_medication(
    fact: &mut Fact,
    r: &Map<String, Value>,
    path: &str,
    medications: &HashMap<String, MedicationCode>,
) -> Result<(), CaseError> {
    if field(r, "medicationCodeableConcept").is_some() {
        return read_code(fact, r, "medicationCodeableConcept", path);
    }
    let Some(reference) = field(r, "medicationReference") else {
        return Ok(());
    };
    let rpath = format!("{path}.medicationReference");
    let refobj = object(reference, &rpath)?;
    let target = string(refobj, "reference", &rpath)?;
    fact.text = string(refobj, "display", &rpath)?;
    let Some(target) = target else {
        return Ok(());
    };
    if let Some(local) = target.strip_prefix('#') {
        for (i, contained) in array(r, "contained", path)?.iter().enumerate() {
            let cpath = format!("{path}.contained[{i}]");
            let c = object(contained, &cpath)?;
            if string(c, "id", &cpath)?.as_deref() == Some(local) {
                if let Some(code) = field(c, "code") {
                    let (text, codings) = codeable_concept(code, &format!("{cpath}.code"))?;
                    fact.text = fact.text.take().or(text);
                    fact.codings = codings;
                }
            }
        }
    } else if let Some((text, codings)) = medications.get(&target).or_else(|| {
        target
            .rsplit_once("Medication/")
            .and_then(|(_, id)| medications.get(&format!("Medication/{id}")))
    }) {
        fact.text = fact.text.take().or_else(|| text.clone());
        fact.codings = codings.clone();
    }
    Ok(())
}

fn read_observation(fact: &mut Fact, r: &Map<String, Value>, path: &str) -> Result<(), CaseError> {
    if let Some(v) = field(r, "valueQuantity") {
        fact.value = quantity(v, &format!("{path}.valueQuantity"))?.map(ObsValue::Quantity);
    } else if let Some(v) = field(r, "valueRange") {
        let (low, high) = range(v, &format!("{path}.valueRange"))?;
        if low.is_some() || high.is_some() {
            fact.value = Some(ObsValue::Range { low, high });
        }
    }
    for (i, interp) in array(r, "interpretation", path)?.iter().enumerate() {
        let (_, codings) = codeable_concept(interp, &format!("{path}.interpretation[{i}]"))?;
        fact.interpretation
            .extend(codings.into_iter().filter_map(|c| c.code));
    }
    if let Some(first) = array(r, "referenceRange", path)?.first() {
        let rpath = format!("{path}.referenceRange[0]");
        let rr = object(first, &rpath)?;
        if let Some(low) = field(rr, "low") {
            fact.reference_low = quantity(low, &format!("{rpath}.low"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn case(value: Value) -> Result<Case, CaseError> {
        read(&value, "urn:case".into())
    }

    #[test]
    fn a_resource_alone_and_paths_inside_it() {
        let c = case(json!({"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "x"}]},
            "effectiveDateTime": "2025-03", "valueQuantity": {"value": 3.2, "unit": "g/l", "system": "http://unitsofmeasure.org", "code": "g/L"}}))
        .unwrap();
        assert_eq!(c.facts.len(), 1);
        assert_eq!(c.facts[0].codings[0].path, "Observation.code.coding[0]");
        assert!(!c.facts[0].date.unwrap().is_exact());
        match &c.facts[0].value {
            Some(ObsValue::Quantity(q)) => assert_eq!(q.unit.as_deref(), Some("g/L")),
            other => panic!("{other:?}"),
        }
        let err =
            case(json!({"resourceType": "Observation", "valueRange": {"low": {"value": "1"}}}))
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Observation.valueRange.low.value: expected a number, found a string"
        );
    }

    #[test]
    fn references_statuses_requests_and_ignored_entries() {
        let c = case(json!({"resourceType": "Bundle", "entry": [
            {"resource": {"resourceType": "Medication", "id": "m1", "code": {"coding": [{"system": "s", "code": "c1"}]}}},
            {"resource": {"resourceType": "MedicationStatement", "status": "active", "medicationReference": {"reference": "Medication/m1"}}},
            {"resource": {"resourceType": "MedicationStatement", "status": "completed", "contained": [{"resourceType": "Medication", "id": "local", "code": {"text": "x", "coding": [{"system": "s", "code": "c2"}]}}], "medicationReference": {"reference": "#local"}}},
            {"resource": {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "medicationCodeableConcept": {"text": "y"},
                          "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "wk"}}}]}},
            {"resource": {"resourceType": "MedicationRequest", "status": "completed", "intent": "order"}},
            {"resource": {"resourceType": "Condition", "verificationStatus": {"coding": [{"code": "entered-in-error"}]}}},
            {"resource": {"resourceType": "Encounter"}},
            {"fullUrl": "urn:x"}
        ]}))
        .unwrap();
        assert_eq!(c.facts[0].codings[0].code.as_deref(), Some("c1"));
        assert_eq!(c.facts[1].codings[0].code.as_deref(), Some("c2"));
        assert_eq!(c.requests, vec![2], "the completed order is not a request");
        assert_eq!(c.facts[2].interval_days, Some(3.5));
        let reasons: Vec<&str> = c.ignored.iter().map(|i| i.reason.as_str()).collect();
        for expected in [
            "entry without a resource",
            "status entered-in-error",
            "resource type not used in evaluation",
        ] {
            assert!(reasons.contains(&expected), "{reasons:?}");
        }
        assert_eq!(c.ignored.len(), 3);
        let err = case(json!({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "MedicationRequest",
            "dosageInstruction": [{"timing": {"repeat": {"period": 3, "periodUnit": "fortnight"}}}]}}]})).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("entry[0].resource.dosageInstruction[0].timing.repeat.periodUnit:")
        );
        assert!(
            case(json!({"entry": []})).is_err(),
            "a resource names its type"
        );
    }
}
