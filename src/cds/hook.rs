//! A CDS Hooks request read and turned into cases: one FHIR Bundle per governed draft order, holding
//! that order first and every prefetched (or fetched) resource after it, read by the same FHIR reader
//! and evaluated by the same engine as `/evaluate`.
//!
//! Which orders: `order-sign` — every draft order; `order-select` — the draft orders named in
//! `context.selections` (all when it is absent); `order-dispatch` — the order `context.order` names,
//! from the prefetch key `order`. Only MedicationRequests are evaluated (the requests policies
//! govern); other orders get no card. A draft whose `intent` is not an order intent is evaluated as an
//! order: it is the order being placed.
//!
//! Prefetch values per CDS Hooks 2.0: a resource, a Bundle (its entries' resources), `null` (the
//! client has no data: nothing is missing), or an OperationOutcome (the client could not fetch it:
//! the key counts as missing). A key the request does not send is missing.

use crate::case::{self, Case, CaseError};
use serde_json::{Map, Value, json};

/// A hook request as received.
#[derive(Debug, Clone)]
pub struct HookRequest {
    /// `hook`.
    pub hook: String,
    /// `hookInstance`.
    pub hook_instance: String,
    /// `fhirServer`.
    pub fhir_server: Option<String>,
    /// `fhirAuthorization.access_token`.
    pub access_token: Option<String>,
    /// `context`.
    pub context: Map<String, Value>,
    /// `prefetch` (empty when absent).
    pub prefetch: Map<String, Value>,
}

/// Why a hook request cannot be read (400).
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// Not JSON.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: u64,
        /// 1-based column.
        column: u64,
        /// The parser's message.
        message: String,
    },
    /// A field is missing or has the wrong type; `path` locates it.
    #[error("{path}: {message}")]
    Invalid {
        /// JSON path in the request.
        path: String,
        /// What is wrong.
        message: String,
    },
}

fn invalid(path: &str, message: impl Into<String>) -> HookError {
    HookError::Invalid {
        path: path.to_owned(),
        message: message.into(),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn optional_string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, HookError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid(
            &format!("{path}{key}"),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

/// Reads a hook request body.
pub fn parse(bytes: &[u8]) -> Result<HookRequest, HookError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| HookError::Json {
        line: e.line() as u64,
        column: e.column() as u64,
        message: e.to_string(),
    })?;
    let Value::Object(root) = value else {
        return Err(invalid(
            "$",
            format!("expected a JSON object, found {}", kind(&value)),
        ));
    };
    let required = |key: &str| -> Result<String, HookError> {
        optional_string(&root, key, "")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid(key, "required by CDS Hooks 2.0"))
    };
    let hook = required("hook")?;
    let hook_instance = required("hookInstance")?;
    let fhir_server = optional_string(&root, "fhirServer", "")?;
    let access_token = match root.get("fhirAuthorization") {
        None | Some(Value::Null) => None,
        Some(Value::Object(a)) => optional_string(a, "access_token", "fhirAuthorization.")?,
        Some(other) => {
            return Err(invalid(
                "fhirAuthorization",
                format!("expected an object, found {}", kind(other)),
            ));
        }
    };
    let context = match root.get("context") {
        Some(Value::Object(c)) => c.clone(),
        Some(other) => {
            return Err(invalid(
                "context",
                format!("expected an object, found {}", kind(other)),
            ));
        }
        None => return Err(invalid("context", "required by CDS Hooks 2.0")),
    };
    let prefetch = match root.get("prefetch") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(p)) => p.clone(),
        Some(other) => {
            return Err(invalid(
                "prefetch",
                format!("expected an object, found {}", kind(other)),
            ));
        }
    };
    Ok(HookRequest {
        hook,
        hook_instance,
        fhir_server,
        access_token,
        context,
        prefetch,
    })
}

impl HookRequest {
    /// `context.patientId`, when given.
    pub fn patient_id(&self) -> Option<&str> {
        self.context.get("patientId").and_then(Value::as_str)
    }

    /// The value of a prefetch token (`context.patientId`, `context.order` …): root-level primitive
    /// context fields only, as the specification allows.
    pub fn token(&self, name: &str) -> Option<String> {
        let field = name.strip_prefix("context.")?;
        match self.context.get(field)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The orders to evaluate, each with the JSON path it was read from.
    pub fn orders(&self) -> Result<Vec<(String, Value)>, HookError> {
        let mut out = Vec::new();
        match self.hook.as_str() {
            "order-dispatch" => {
                if let Some(Value::Object(order)) = self.prefetch.get("order") {
                    out.push(("prefetch.order".to_owned(), Value::Object(order.clone())));
                }
            }
            _ => {
                let Some(bundle) = self.context.get("draftOrders") else {
                    return Ok(out);
                };
                let Value::Object(bundle) = bundle else {
                    return Err(invalid(
                        "context.draftOrders",
                        format!("expected a FHIR Bundle, found {}", kind(bundle)),
                    ));
                };
                let selections: Option<Vec<&str>> = match self.context.get("selections") {
                    Some(Value::Array(items)) if self.hook == "order-select" => {
                        Some(items.iter().filter_map(Value::as_str).collect())
                    }
                    _ => None,
                };
                let entries = match bundle.get("entry") {
                    None | Some(Value::Null) => &[][..],
                    Some(Value::Array(e)) => e.as_slice(),
                    Some(other) => {
                        return Err(invalid(
                            "context.draftOrders.entry",
                            format!("expected an array, found {}", kind(other)),
                        ));
                    }
                };
                for (i, entry) in entries.iter().enumerate() {
                    let path = format!("context.draftOrders.entry[{i}].resource");
                    let Some(Value::Object(resource)) = entry.get("resource") else {
                        continue;
                    };
                    if let Some(selected) = &selections {
                        let reference = reference_of(resource);
                        if !reference.is_some_and(|r| selected.contains(&r.as_str())) {
                            continue;
                        }
                    }
                    out.push((path, Value::Object(resource.clone())));
                }
            }
        }
        out.retain(|(_, r)| {
            r.get("resourceType").and_then(Value::as_str) == Some("MedicationRequest")
        });
        Ok(out)
    }
}

/// A hook request made from a case Bundle, as an EHR holding that record would send it: the
/// MedicationRequests with an order intent become `context.draftOrders`, every other resource goes
/// into the prefetch key of its type when `templates` (the service's prefetch) has one (`patient`
/// for the Patient), as a searchset Bundle. For examples, benchmarks and tests.
pub fn request_from_bundle(
    bundle: &Value,
    hook: &str,
    hook_instance: &str,
    patient_id: &str,
    templates: &Map<String, Value>,
) -> Value {
    let mut drafts = Vec::new();
    let mut groups: Map<String, Value> = Map::new();
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        let r = &entry["resource"];
        let Some(t) = r["resourceType"].as_str() else {
            continue;
        };
        let is_order = t == "MedicationRequest"
            && r["intent"]
                .as_str()
                .is_some_and(|i| ORDER_INTENTS.contains(&i));
        if is_order {
            drafts.push(json!({ "resource": r }));
            continue;
        }
        if t == "Patient" {
            groups.insert("patient".into(), r.clone());
            continue;
        }
        let mut key = t.to_owned();
        if let Some(first) = key.get_mut(0..1) {
            first.make_ascii_lowercase();
        }
        key.push('s');
        if !templates.contains_key(&key) {
            continue;
        }
        let group = groups
            .entry(key)
            .or_insert_with(|| json!({"resourceType": "Bundle", "type": "searchset", "entry": []}));
        if let Some(list) = group["entry"].as_array_mut() {
            list.push(json!({ "resource": r }));
        }
    }
    // a key the record has nothing for is answered with null (the client has no data)
    for key in templates.keys() {
        if !groups.contains_key(key) && key != "order" {
            groups.insert(key.clone(), Value::Null);
        }
    }
    json!({
        "hookInstance": hook_instance,
        "hook": hook,
        "context": {
            "userId": "Practitioner/example",
            "patientId": patient_id,
            "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": drafts},
        },
        "prefetch": groups,
    })
}

/// `Type/id` of a resource.
pub fn reference_of(resource: &Map<String, Value>) -> Option<String> {
    let t = resource.get("resourceType")?.as_str()?;
    let id = resource.get("id")?.as_str()?;
    Some(format!("{t}/{id}"))
}

/// The patient data of a request, gathered from the prefetch (and fetched data), with the keys
/// that are missing.
#[derive(Debug, Clone, Default)]
pub struct PatientData {
    /// Each resource with the path it came from.
    pub resources: Vec<(String, Value)>,
    /// Prefetch keys whose data is not available (not sent, or an OperationOutcome).
    pub missing: Vec<String>,
}

impl PatientData {
    /// The resources of the prefetch values, and which of the `expected` keys are missing.
    pub fn from_prefetch(prefetch: &Map<String, Value>, expected: &[String]) -> Self {
        let mut data = Self::default();
        for key in expected {
            match prefetch.get(key) {
                None => data.missing.push(key.clone()),
                Some(value) => {
                    if !data.add(&format!("prefetch.{key}"), value) {
                        data.missing.push(key.clone());
                    }
                }
            }
        }
        // keys the service did not ask for are read too: they are the client's data
        for (key, value) in prefetch {
            if !expected.contains(key) {
                data.add(&format!("prefetch.{key}"), value);
            }
        }
        data
    }

    /// Adds the resources of one prefetch value; false when the value is an OperationOutcome (the
    /// client could not get the data).
    pub fn add(&mut self, path: &str, value: &Value) -> bool {
        let Value::Object(obj) = value else {
            return true; // null: no data; a bare string (a user id): nothing to read
        };
        match obj.get("resourceType").and_then(Value::as_str) {
            Some("OperationOutcome") => false,
            Some("Bundle") => {
                if let Some(Value::Array(entries)) = obj.get("entry") {
                    let mut ok = true;
                    for (i, e) in entries.iter().enumerate() {
                        if let Some(r) = e.get("resource") {
                            ok &= self.add(&format!("{path}.entry[{i}].resource"), r);
                        }
                    }
                    return ok;
                }
                true
            }
            Some(_) => {
                self.resources.push((path.to_owned(), value.clone()));
                true
            }
            None => true,
        }
    }
}

/// Intents FHIR counts as an order.
const ORDER_INTENTS: [&str; 5] = [
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
];

/// The case of one order: a Bundle with the order first, then the patient's data (minus any copy of
/// the order itself), read by the FHIR reader. A reading error names the path in the hook request.
pub fn case_for(order: &(String, Value), data: &PatientData) -> Result<Case, HookError> {
    let mut draft = order.1.clone();
    if let Value::Object(o) = &mut draft {
        let intent = o.get("intent").and_then(Value::as_str);
        if !intent.is_some_and(|i| ORDER_INTENTS.contains(&i)) {
            o.insert("intent".into(), json!("order"));
        }
    }
    let own = order.1.as_object().and_then(reference_of);
    let mut origins = vec![order.0.clone()];
    let mut entries = vec![json!({ "resource": draft })];
    for (path, r) in &data.resources {
        if own.is_some() && r.as_object().and_then(reference_of) == own {
            continue;
        }
        origins.push(path.clone());
        entries.push(json!({ "resource": r }));
    }
    let bundle = json!({ "resourceType": "Bundle", "type": "collection", "entry": entries });
    let bytes = serde_json::to_vec(&bundle).unwrap_or_default();
    case::read(&bytes, case::CaseFormat::Json).map_err(|e| match e {
        CaseError::Invalid { path, message } => HookError::Invalid {
            path: origin_path(&path, &origins),
            message,
        },
        other => invalid("$", other.to_string()),
    })
}

/// `entry[3].resource.x` in the built Bundle -> the same element's path in the hook request.
fn origin_path(path: &str, origins: &[String]) -> String {
    let rest = path.strip_prefix("entry[").and_then(|r| r.split_once(']'));
    if let Some((n, tail)) = rest {
        if let Some(origin) = n.parse::<usize>().ok().and_then(|i| origins.get(i)) {
            let tail = tail.strip_prefix(".resource").unwrap_or(tail);
            return format!("{origin}{tail}");
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_errors_name_the_element_in_the_hook_request() {
        let origins = vec![
            "context.draftOrders.entry[1].resource".to_owned(),
            "prefetch.obs.entry[0].resource".to_owned(),
        ];
        assert_eq!(
            origin_path("entry[1].resource.valueQuantity.value", &origins),
            "prefetch.obs.entry[0].resource.valueQuantity.value"
        );
        assert_eq!(origin_path("entry", &origins), "entry");
    }

    #[test]
    fn an_operation_outcome_makes_its_key_missing_and_null_does_not() {
        let prefetch: Map<String, Value> = serde_json::from_value(json!({
            "a": null,
            "b": {"resourceType": "OperationOutcome"},
            "c": {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation"}}]}
        }))
        .unwrap();
        let expected = ["a", "b", "c", "d"].map(String::from).to_vec();
        let data = PatientData::from_prefetch(&prefetch, &expected);
        assert_eq!(data.missing, ["b", "d"]);
        assert_eq!(data.resources.len(), 1);
        assert_eq!(data.resources[0].0, "prefetch.c.entry[0].resource");
    }

    #[test]
    fn missing_required_fields_are_named() {
        let e = parse(br#"{"hook": "order-sign", "context": {}}"#).unwrap_err();
        assert!(
            matches!(e, HookError::Invalid { ref path, .. } if path == "hookInstance"),
            "{e}"
        );
        let e =
            parse(br#"{"hook": "order-sign", "hookInstance": "x", "context": []}"#).unwrap_err();
        assert!(
            matches!(e, HookError::Invalid { ref path, .. } if path == "context"),
            "{e}"
        );
    }
}
