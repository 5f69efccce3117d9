//! The Da Vinci CRD (STU 2, 2.0.1) `coverage-information` extension a system action writes onto each
//! evaluated draft order.
//!
//! From the determination: `necessary` -> `covered` = covered, `pa-needed` = no-auth (the policy's
//! criteria are shown met by the record); `not-necessary` -> `covered` = not-covered (and no
//! `pa-needed`, as the profile requires); `indeterminate` -> `covered` = conditional. Facts the
//! policy needed and the record did not show -> `doc-needed` = clinical with `doc-purpose` = withorder
//! (the determination waits for them) or retain-doc (it does not, e.g. a monitoring gap), and the
//! documentation `questionnaire`. `info-needed` is not written: its codes (performer, location,
//! timeframe, contract, detail-code) describe order details no Warrant policy depends on — the missing
//! clinical facts are what `doc-needed` says. `reason` is the determination's summary, `date` the
//! evaluation date, `coverage-assertion-id` the determination's IRI, `coverage` the order's first
//! `insurance` reference (or the prefetched Coverage) when there is one.

use crate::evaluate::Outcome;
use crate::explain::Answer;
use serde_json::{Value, json};

/// The extension's canonical URL.
pub const EXTENSION: &str =
    "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information";

/// The coverage-information extension for one determination.
pub fn extension(answer: &Answer, coverage: Option<&str>, questionnaire: Option<&str>) -> Value {
    let r = &answer.report;
    let mut parts: Vec<Value> = Vec::new();
    if let Some(c) = coverage {
        parts.push(json!({"url": "coverage", "valueReference": {"reference": c}}));
    }
    let covered = match r.determination {
        Outcome::Necessary => "covered",
        Outcome::NotNecessary => "not-covered",
        Outcome::Indeterminate => "conditional",
    };
    parts.push(json!({"url": "covered", "valueCode": covered}));
    if r.determination == Outcome::Necessary {
        parts.push(json!({"url": "pa-needed", "valueCode": "no-auth"}));
    }
    let documentation = !r.missing.is_empty();
    if documentation {
        parts.push(json!({"url": "doc-needed", "valueCode": "clinical"}));
        let purpose = if r.determination == Outcome::Indeterminate {
            "withorder"
        } else {
            "retain-doc"
        };
        parts.push(json!({"url": "doc-purpose", "valueCode": purpose}));
    }
    parts.push(json!({"url": "reason", "valueCodeableConcept": {"text": r.summary}}));
    parts.push(json!({"url": "date", "valueDate": r.as_of.to_string()}));
    parts.push(json!({"url": "coverage-assertion-id", "valueString": r.id}));
    if let (true, Some(q)) = (documentation, questionnaire) {
        parts.push(json!({"url": "questionnaire", "valueCanonical": q}));
    }
    json!({"url": EXTENSION, "extension": parts})
}

/// The order with the extensions added: earlier coverage-information Warrant wrote for the same
/// determination is replaced, everything else of the order is kept as it was.
pub fn updated_order(order: &Value, extensions: &[Value]) -> Value {
    let mut o = order.clone();
    let ids: Vec<&Value> = extensions.iter().filter_map(assertion_id).collect();
    if let Value::Object(map) = &mut o {
        let mut list = match map.remove("extension") {
            Some(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        list.retain(|e| {
            !(e["url"] == EXTENSION && assertion_id(e).is_some_and(|id| ids.contains(&id)))
        });
        list.extend(extensions.iter().cloned());
        map.insert("extension".into(), Value::Array(list));
    }
    o
}

fn assertion_id(ext: &Value) -> Option<&Value> {
    ext["extension"]
        .as_array()?
        .iter()
        .find(|p| p["url"] == "coverage-assertion-id")
        .map(|p| &p["valueString"])
}

/// The Coverage an order is billed to: its first `insurance` reference.
pub fn coverage_of(order: &Value) -> Option<String> {
    order["insurance"]
        .as_array()?
        .iter()
        .find_map(|i| i["reference"].as_str())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updating_keeps_other_extensions_and_replaces_an_earlier_assertion() {
        let ext = json!({"url": EXTENSION, "extension": [{"url": "coverage-assertion-id", "valueString": "d1"}]});
        let order = json!({"resourceType": "MedicationRequest", "extension": [{"url": "other", "valueString": "x"}, ext.clone()]});
        let updated = updated_order(&order, std::slice::from_ref(&ext));
        let list = updated["extension"].as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["url"], "other");
        assert_eq!(
            coverage_of(&json!({"insurance": [{"reference": "Coverage/c"}]})).as_deref(),
            Some("Coverage/c")
        );
    }
}
