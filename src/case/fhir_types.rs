//! Readers for the FHIR R4 datatypes a case uses — string, CodeableConcept, Coding, Quantity, Range,
//! Period, date/dateTime, Timing — each checking the JSON type of every element it reads and naming
//! the JSON path of the first wrong one. Elements Warrant does not read are never checked, so valid
//! FHIR with extensions or unfamiliar elements passes.

use super::{CaseError, Coding, DateSpan, Quantity};
use serde_json::{Map, Value};

/// A JSON object, or an error at `path`.
pub fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, CaseError> {
    value.as_object().ok_or_else(|| {
        CaseError::invalid(path, format!("expected an object, found {}", kind(value)))
    })
}

/// An element that may be absent: `null` counts as absent.
pub fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// The array at `obj[key]` (absent = empty), or an error naming `path.key`.
pub fn array<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a [Value], CaseError> {
    match field(obj, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(CaseError::invalid(
            format!("{path}.{key}"),
            format!("expected an array, found {}", kind(other)),
        )),
    }
}

/// The string at `obj[key]`, if any.
pub fn string(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, CaseError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(CaseError::invalid(
            format!("{path}.{key}"),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

/// Largest magnitude of a FHIR `decimal` (18 significant digits before the point).
const DECIMAL_LIMIT: f64 = 1e18;
/// Largest FHIR `integer` / `positiveInt` (2^31 - 1).
const INTEGER_LIMIT: f64 = 2_147_483_647.0;

/// The number at `obj[key]`, if any: a FHIR `decimal` (finite, under 10^18 in magnitude — FHIR
/// decimals carry at most 18 digits — so `1e40` is refused rather than computed with).
pub fn number(obj: &Map<String, Value>, key: &str, path: &str) -> Result<Option<f64>, CaseError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) if v.is_finite() && v.abs() < DECIMAL_LIMIT => Ok(Some(v)),
            _ => Err(CaseError::invalid(
                format!("{path}.{key}"),
                format!("{n} is out of range for a FHIR decimal (at most 18 digits)"),
            )),
        },
        Some(other) => Err(CaseError::invalid(
            format!("{path}.{key}"),
            format!("expected a number, found {}", kind(other)),
        )),
    }
}

/// A CodeableConcept at `path`: its text (or first display) and its codings.
pub fn codeable_concept(
    value: &Value,
    path: &str,
) -> Result<(Option<String>, Vec<Coding>), CaseError> {
    let obj = object(value, path)?;
    let mut codings = Vec::new();
    for (i, c) in array(obj, "coding", path)?.iter().enumerate() {
        let cpath = format!("{path}.coding[{i}]");
        let co = object(c, &cpath)?;
        codings.push(Coding {
            system: string(co, "system", &cpath)?,
            code: string(co, "code", &cpath)?,
            display: string(co, "display", &cpath)?,
            path: cpath,
            resolution: None,
        });
    }
    let text =
        string(obj, "text", path)?.or_else(|| codings.iter().find_map(|c| c.display.clone()));
    Ok((text, codings))
}

/// The first code of a status-like CodeableConcept (`clinicalStatus`, `verificationStatus`).
pub fn status_code(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<String>, CaseError> {
    let Some(value) = field(obj, key) else {
        return Ok(None);
    };
    let (_, codings) = codeable_concept(value, &format!("{path}.{key}"))?;
    Ok(codings.into_iter().find_map(|c| c.code))
}

/// A Quantity at `path`; `None` when it has no value (nothing to compare).
pub fn quantity(value: &Value, path: &str) -> Result<Option<Quantity>, CaseError> {
    let obj = object(value, path)?;
    let Some(number) = number(obj, "value", path)? else {
        return Ok(None);
    };
    let comparator = string(obj, "comparator", path)?;
    if let Some(c) = &comparator {
        if !["<", "<=", ">=", ">"].contains(&c.as_str()) {
            return Err(CaseError::invalid(
                format!("{path}.comparator"),
                format!("{c:?} is not one of <, <=, >=, >"),
            ));
        }
    }
    let system = string(obj, "system", path)?;
    let code = string(obj, "code", path)?;
    let unit_text = string(obj, "unit", path)?;
    let ucum = system
        .as_deref()
        .is_none_or(|s| s == "http://unitsofmeasure.org");
    let unit = if ucum { code.or(unit_text) } else { unit_text };
    Ok(Some(Quantity {
        value: number,
        comparator,
        unit,
    }))
}

/// A Range at `path`: either end may be missing.
pub fn range(value: &Value, path: &str) -> Result<(Option<Quantity>, Option<Quantity>), CaseError> {
    let obj = object(value, path)?;
    let low = match field(obj, "low") {
        Some(v) => quantity(v, &format!("{path}.low"))?,
        None => None,
    };
    let high = match field(obj, "high") {
        Some(v) => quantity(v, &format!("{path}.high"))?,
        None => None,
    };
    Ok((low, high))
}

/// A FHIR date / dateTime / instant string at `obj[key]`.
pub fn date(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<DateSpan>, CaseError> {
    let Some(text) = string(obj, key, path)? else {
        return Ok(None);
    };
    DateSpan::parse(&text).map(Some).ok_or_else(|| {
        CaseError::invalid(
            format!("{path}.{key}"),
            format!(
                "{text:?} is not a FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD[Thh:mm:ss…])"
            ),
        )
    })
}

/// A Period at `obj[key]`: its end, else its start.
pub fn period(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<DateSpan>, CaseError> {
    let Some(value) = field(obj, key) else {
        return Ok(None);
    };
    let ppath = format!("{path}.{key}");
    let p = object(value, &ppath)?;
    let end = date(p, "end", &ppath)?;
    let start = date(p, "start", &ppath)?;
    Ok(end.or(start))
}

/// The first date among `keys` (each a date element or, when it ends in `Period`, a Period).
pub fn first_date(
    obj: &Map<String, Value>,
    keys: &[&str],
    path: &str,
) -> Result<Option<DateSpan>, CaseError> {
    for key in keys {
        let found = if key.ends_with("Period") {
            period(obj, key, path)?
        } else {
            date(obj, key, path)?
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// Days in one `Timing.repeat.periodUnit` (UCUM units of time as FHIR restricts them).
fn unit_days(unit: &str) -> Option<f64> {
    Some(match unit {
        "s" => 1.0 / 86_400.0,
        "min" => 1.0 / 1_440.0,
        "h" => 1.0 / 24.0,
        "d" => 1.0,
        "wk" => 7.0,
        "mo" => 30.0,
        "a" => 365.0,
        _ => return None,
    })
}

/// The dosing interval of the first `dosageInstruction[].timing.repeat` that states a period:
/// `period × unit / frequency` days, and the timing as words (`every 3 wk`).
pub fn dosing_interval(
    obj: &Map<String, Value>,
    path: &str,
) -> Result<Option<(f64, String)>, CaseError> {
    for (i, dosage) in array(obj, "dosageInstruction", path)?.iter().enumerate() {
        let dpath = format!("{path}.dosageInstruction[{i}]");
        let d = object(dosage, &dpath)?;
        let Some(timing) = field(d, "timing") else {
            continue;
        };
        let tpath = format!("{dpath}.timing");
        let t = object(timing, &tpath)?;
        let Some(repeat) = field(t, "repeat") else {
            continue;
        };
        let rpath = format!("{tpath}.repeat");
        let r = object(repeat, &rpath)?;
        let Some(period) = number(r, "period", &rpath)? else {
            continue;
        };
        let unit = string(r, "periodUnit", &rpath)?.ok_or_else(|| {
            CaseError::invalid(format!("{rpath}.periodUnit"), "a period needs a periodUnit")
        })?;
        let days = unit_days(&unit).ok_or_else(|| {
            CaseError::invalid(
                format!("{rpath}.periodUnit"),
                format!("{unit:?} is not one of s, min, h, d, wk, mo, a"),
            )
        })?;
        let frequency = number(r, "frequency", &rpath)?.unwrap_or(1.0);
        if frequency.fract() != 0.0 || !(1.0..=INTEGER_LIMIT).contains(&frequency) {
            return Err(CaseError::invalid(
                format!("{rpath}.frequency"),
                format!(
                    "{frequency} is not a FHIR positiveInt (a whole number from 1 to 2147483647)"
                ),
            ));
        }
        if !(period > 0.0 && frequency > 0.0) {
            return Err(CaseError::invalid(
                rpath,
                "period and frequency must be positive",
            ));
        }
        let words = if frequency == 1.0 {
            format!("every {period} {unit}")
        } else {
            format!("{frequency} times every {period} {unit}")
        };
        return Ok(Some((period * days / frequency, words)));
    }
    Ok(None)
}

/// A JSON type name, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
