//! Fetching prefetch data the client did not send, from the client's FHIR server — only when the
//! operator allow-listed that server's base URL (`serve --fhir-server URL`): a server that fetches
//! whatever URL a request names is an SSRF hole. The request's `fhirAuthorization` bearer token is
//! sent with each search; the templates are the service's own, their tokens filled only with values
//! that are plain FHIR ids or references (so a context value cannot steer the URL elsewhere).
//!
//! This build's HTTP client speaks plain HTTP only; an `https` server on the allow-list is reported as
//! unreachable (its data stays missing and the card says so).

use serde_json::{Map, Value};
use std::time::Duration;

/// Time allowed for one FHIR request (the whole hook call should answer within the CDS budget).
const TIMEOUT: Duration = Duration::from_secs(3);
/// Largest FHIR response read.
const LIMIT: u64 = 16 * 1024 * 1024;

/// `https://h/fhir/` -> `https://h/fhir`.
fn normalise(url: &str) -> &str {
    url.trim_end_matches('/')
}

/// Whether the request's `fhirServer` is one the operator allow-listed (same URL, trailing `/`
/// aside; no prefix or host match).
pub fn allowed(fhir_server: &str, allow: &[String]) -> bool {
    allow.iter().any(|a| normalise(a) == normalise(fhir_server))
}

/// The template with its `{{context.x}}` tokens filled; `None` when a token has no value or its value
/// is not a plain id or relative reference (letters, digits, `-`, `.`, `_`, one `/`).
pub fn fill(template: &str, token: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find("}}")?;
        let value = token(after[..end].trim())?;
        let safe = !value.is_empty()
            && value.len() <= 128
            && value.matches('/').count() <= 1
            && !value.contains("..")
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/'));
        if !safe {
            return None;
        }
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Some(out)
}

/// GET a JSON document (FHIR or a JWK Set) with an optional bearer token.
pub fn get_json(url: &str, bearer: Option<&str>) -> Result<Value, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut request = agent
        .get(url)
        .header("accept", "application/fhir+json, application/json");
    if let Some(token) = bearer {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let mut response = request.call().map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(format!("HTTP {status}"));
    }
    let text = response
        .body_mut()
        .with_config()
        .limit(LIMIT)
        .read_to_string()
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// Fetches each missing prefetch key from `server`: the values fetched, by key (keys that could not
/// be fetched are left out).
pub fn missing(
    server: &str,
    bearer: Option<&str>,
    templates: &Map<String, Value>,
    keys: &[String],
    token: impl Fn(&str) -> Option<String>,
) -> Vec<(String, Value)> {
    let base = normalise(server);
    let mut out = Vec::new();
    for key in keys {
        let Some(template) = templates.get(key).and_then(Value::as_str) else {
            continue;
        };
        let Some(relative) = fill(template, &token) else {
            continue;
        };
        if let Ok(value) = get_json(&format!("{base}/{relative}"), bearer) {
            out.push((key.clone(), value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_allow_listed_base_is_allowed() {
        let allow = vec!["http://ehr.example/fhir/".to_owned()];
        assert!(allowed("http://ehr.example/fhir", &allow));
        assert!(!allowed("http://ehr.example/fhir/../admin", &allow));
        assert!(!allowed("http://ehr.example.evil/fhir", &allow));
        assert!(!allowed("http://169.254.169.254/latest", &allow));
    }

    #[test]
    fn tokens_fill_only_with_plain_ids() {
        let token = |name: &str| match name {
            "context.patientId" => Some("p-1".to_owned()),
            "context.order" => Some("ServiceRequest/x".to_owned()),
            "context.evil" => Some("1&_include=*".to_owned()),
            "context.up" => Some("../x".to_owned()),
            _ => None,
        };
        assert_eq!(
            fill("Observation?patient={{context.patientId}}&code=a", token).as_deref(),
            Some("Observation?patient=p-1&code=a")
        );
        assert_eq!(
            fill("{{context.order}}", token).as_deref(),
            Some("ServiceRequest/x")
        );
        assert_eq!(fill("X?p={{context.evil}}", token), None);
        assert_eq!(fill("{{context.up}}", token), None);
        assert_eq!(fill("X?p={{context.none}}", token), None);
    }
}
