//! A determination as a CDS Hooks card: a one-line summary a prescriber understands, an indicator
//! from the determination and the safety caveats, a markdown detail (criteria met / not met / not
//! documented, caveats, monitoring, the regimen note, data the EHR did not send), the source and links
//! to the why-chain, the policy and the documentation questionnaire, and suggestions where the action
//! is clear: order a measurement the policy needs and the record lacks (coded from the graph's code
//! mappings), change the interval to the regimen's, complete the questionnaire.

use super::codes::SystemCode;
use super::{IssuedCard, uuid_from};
use crate::case::Day;
use crate::evaluate::policy::{Kind, Policy};
use crate::evaluate::{Outcome, Status};
use crate::explain::Answer;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The longest summary CDS Hooks allows (it asks for fewer than 140 characters).
pub const SUMMARY_MAX: usize = 139;

/// What a card needs besides the determination.
#[derive(Debug, Clone)]
pub struct CardContext<'a> {
    /// Public base URL of this server (links).
    pub base_url: &'a str,
    /// The service answering.
    pub service: &'a str,
    /// `hookInstance` of the call.
    pub hook_instance: &'a str,
    /// `context.patientId`.
    pub patient_id: Option<&'a str>,
    /// Whether the determination was kept (its why-chain resolves at `/why?iri=`).
    pub kept: bool,
    /// Prefetch keys the request lacked and nothing could fetch.
    pub missing_prefetch: &'a [String],
    /// Today (suggested orders' `authoredOn`).
    pub today: Day,
}

/// One determination for one draft order.
#[derive(Debug, Clone)]
pub struct Decision<'a> {
    /// The draft order as the client sent it.
    pub order: &'a Value,
    /// The answer.
    pub answer: &'a Answer,
    /// The policy applied.
    pub policy: &'a Policy,
    /// Codes of the concepts of the policy's leaf criteria.
    pub codes: &'a BTreeMap<String, Vec<SystemCode>>,
    /// The documentation questionnaire (URL and resource), when facts are missing.
    pub questionnaire: Option<(String, Value)>,
}

/// Percent-encodes a query value.
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}

/// The why-chain URL of a determination.
pub fn why_url(base: &str, determination: &str) -> String {
    format!("{base}/why?iri={}&format=text", enc(determination))
}

fn policy_url(base: &str, policy: &str) -> String {
    match super::questionnaire::local_id(policy) {
        Some(id) => format!("{base}/curation/policies/{id}"),
        None => format!(
            "{base}/sparql?query={}",
            enc(&format!("DESCRIBE <{policy}>"))
        ),
    }
}

/// Whether a leaf criterion measures something a lab order can produce.
fn is_measurement(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::LabThreshold | Kind::ObservationWithin | Kind::ObservationBelowNormal
    )
}

/// The one-line summary: what was ordered, the outcome, and the first fact not documented.
pub fn summary(d: &Decision<'_>) -> String {
    let r = &d.answer.report;
    let what = r
        .request
        .as_ref()
        .map(|q| {
            let text = q.text.clone().unwrap_or_else(|| "The order".into());
            let text = clip(&text, 48);
            match &q.timing {
                Some(t) => format!("{text} {t}"),
                None => text,
            }
        })
        .unwrap_or_else(|| "The order".into());
    let discontinuation_met = d.policy.discontinuation.as_ref().is_some_and(|root| {
        r.criteria
            .iter()
            .any(|c| &c.iri == root && c.status == Status::Met)
    });
    let outcome = match r.determination {
        Outcome::Necessary => "criteria met",
        Outcome::NotNecessary if discontinuation_met => "criteria to stop are met",
        Outcome::NotNecessary => "criteria not met",
        Outcome::Indeterminate => "cannot be decided yet",
    };
    let mut tail = String::new();
    if let Some(first) = r.missing.first() {
        tail = format!("; {} not documented", first.label);
        if r.missing.len() > 1 {
            let _ = write!(tail, " (+{} more)", r.missing.len() - 1);
        }
    } else if let Some(c) = r.caveats.iter().find(|c| c.status == "triggered") {
        tail = format!("; caution: {}", c.label);
    }
    let head = format!("{}: {outcome}", clip(&what, 70));
    clip(&format!("{head}{tail}"), SUMMARY_MAX)
}

/// `info`, `warning` or `critical`: not necessary with a triggered safety caveat is critical; not
/// necessary, undecided, a triggered caveat or a regimen deviation is a warning; else info.
pub fn indicator(answer: &Answer) -> &'static str {
    let r = &answer.report;
    let triggered = r.caveats.iter().any(|c| c.status == "triggered");
    let deviates = r.regimen.iter().any(|g| g.consistent == Some(false));
    match r.determination {
        Outcome::NotNecessary if triggered => "critical",
        Outcome::NotNecessary | Outcome::Indeterminate => "warning",
        Outcome::Necessary if triggered || deviates => "warning",
        Outcome::Necessary => "info",
    }
}

/// The markdown detail.
pub fn detail(d: &Decision<'_>, ctx: &CardContext<'_>) -> String {
    let r = &d.answer.report;
    let mut md = String::new();
    let _ = writeln!(
        md,
        "**{}** under the policy *{}* (as of {}; {}).\n",
        capitalise(r.determination.words()),
        r.policy.label,
        r.as_of,
        r.review
    );
    for reason in &r.reasons {
        let _ = writeln!(md, "- {reason}");
    }
    let leaves: Vec<_> = r
        .criteria
        .iter()
        .filter(|c| !c.kind.is_composite())
        .collect();
    let list = |status: Status| -> Vec<String> {
        leaves
            .iter()
            .filter(|c| c.status == status)
            .map(|c| c.label.clone())
            .collect()
    };
    for (title, status) in [
        ("Criteria met", Status::Met),
        ("Criteria not met", Status::NotMet),
    ] {
        let items = list(status);
        if !items.is_empty() {
            let _ = writeln!(md, "\n**{title}:** {}", items.join("; "));
        }
    }
    if !r.missing.is_empty() {
        let _ = writeln!(md, "\n**Not documented:**");
        for m in &r.missing {
            let _ = writeln!(
                md,
                "- {} (needed for {}){}",
                m.label,
                m.needed_for.join(", "),
                m.detail
                    .first()
                    .map(|x| format!(": {x}"))
                    .unwrap_or_default()
            );
        }
    }
    if !r.caveats.is_empty() {
        let _ = writeln!(md, "\n**Caveats:**");
        for c in &r.caveats {
            let _ = writeln!(md, "- {} ({}): {}", c.label, c.status, c.text);
        }
    }
    for m in r.monitoring.iter().filter_map(|m| m.note.as_ref()) {
        let _ = writeln!(md, "\n**Monitoring:** {m}");
    }
    for g in &r.regimen {
        if let Some(note) = &g.note {
            let _ = writeln!(md, "\n**Regimen:** {note}");
        }
    }
    for w in &r.withheld {
        let _ = writeln!(
            md,
            "\n**Not shown as evidence-backed ({}):** {} — {}",
            w.kind, w.label, w.reason
        );
    }
    if !ctx.missing_prefetch.is_empty() {
        let _ = writeln!(
            md,
            "\n**Data not provided by the EHR** (prefetch not sent and not fetchable): {}. Facts they would hold count as unknown.",
            ctx.missing_prefetch.join(", ")
        );
    }
    if ctx.kept {
        let _ = writeln!(
            md,
            "\n[Why: every reason down to the cited sentence]({})",
            why_url(ctx.base_url, &r.id)
        );
    }
    md
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Suggestions with a clear action, each with a stable uuid.
pub fn suggestions(d: &Decision<'_>, ctx: &CardContext<'_>) -> Vec<Value> {
    let r = &d.answer.report;
    let seed = |what: &str| uuid_from(&format!("{}|{}|{}", ctx.hook_instance, r.id, what));
    let mut out = Vec::new();
    // order a measurement the policy needs and the record does not show
    let mut ordered = std::collections::BTreeSet::new();
    for c in r.criteria.iter().filter(|c| {
        is_measurement(c.kind) && c.computed_status == Status::Unknown && c.missing.is_some()
    }) {
        let Some(concept) = &c.concept else { continue };
        let Some(codes) = d.codes.get(&concept.iri).filter(|c| !c.is_empty()) else {
            continue;
        };
        if !ordered.insert(concept.iri.clone()) {
            continue;
        }
        let coding: Vec<Value> = codes
            .iter()
            .map(|c| {
                let mut v = json!({"system": c.system, "code": c.code});
                if let Some(d) = &c.display {
                    v["display"] = json!(d);
                }
                v
            })
            .collect();
        let mut request = json!({
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "order",
            "code": {"coding": coding, "text": concept.label},
            "authoredOn": ctx.today.to_string(),
            "reasonCode": [{"text": format!("Needed by \"{}\" ({})", c.label, r.policy.label)}],
        });
        if let Some(p) = ctx.patient_id {
            request["subject"] = json!({"reference": format!("Patient/{p}")});
        }
        out.push(json!({
            "label": clip(&format!("Order {}", concept.label), 80),
            "uuid": seed(&format!("order|{}", concept.iri)),
            "actions": [{"type": "create", "description": format!("Order {} (the policy needs it; the record has none usable)", concept.label), "resource": request}],
        }));
    }
    // change the interval to the regimen's
    for g in r.regimen.iter().filter(|g| g.consistent == Some(false)) {
        let Some((period, unit)) = g.recommended.as_deref().and_then(iso_period) else {
            continue;
        };
        let Some(updated) = with_interval(d.order, period, unit) else {
            continue;
        };
        out.push(json!({
            "label": clip(&format!("Change the interval to every {period} {unit} ({})", g.label), 80),
            "uuid": seed(&format!("regimen|{}", g.iri)),
            "actions": [{"type": "update", "description": g.note.clone().unwrap_or_else(|| g.text.clone()), "resource": updated}],
        }));
    }
    if let Some((_, q)) = &d.questionnaire {
        out.push(json!({
            "label": "Complete the documentation questionnaire",
            "uuid": seed("questionnaire"),
            "actions": [{"type": "create", "description": "Add the questionnaire of the facts the policy needs; answers posted to /evaluate as a QuestionnaireResponse fill them", "resource": q}],
        }));
    }
    out
}

/// `P1M` -> (1, "mo"); `P3W` -> (3, "wk"); `P28D` -> (28, "d"); `P1Y` -> (1, "a").
fn iso_period(duration: &str) -> Option<(u32, &'static str)> {
    let body = duration.strip_prefix('P')?;
    let unit = match body.chars().last()? {
        'D' => "d",
        'W' => "wk",
        'M' => "mo",
        'Y' => "a",
        _ => return None,
    };
    let n: u32 = body[..body.len() - 1].parse().ok()?;
    (n > 0).then_some((n, unit))
}

/// The order with every dosage timing set to once per `period` `unit`.
fn with_interval(order: &Value, period: u32, unit: &str) -> Option<Value> {
    let mut o = order.clone();
    let dosages = o.get_mut("dosageInstruction")?.as_array_mut()?;
    if dosages.is_empty() {
        return None;
    }
    for d in dosages {
        if !d.is_object() {
            return None;
        }
        let timing = d
            .as_object_mut()?
            .entry("timing")
            .or_insert_with(|| json!({}));
        let t = timing.as_object_mut()?;
        let repeat = t.entry("repeat").or_insert_with(|| json!({}));
        let rep = repeat.as_object_mut()?;
        rep.insert("frequency".into(), json!(1));
        rep.insert("period".into(), json!(period));
        rep.insert("periodUnit".into(), json!(unit));
        t.remove("code");
    }
    Some(o)
}

/// The card and what to remember about it.
pub fn card(d: &Decision<'_>, ctx: &CardContext<'_>) -> (Value, (String, IssuedCard)) {
    let r = &d.answer.report;
    let uuid = uuid_from(&format!("{}|{}|card", ctx.hook_instance, r.id));
    let why = why_url(ctx.base_url, &r.id);
    let policy = policy_url(ctx.base_url, &r.policy.iri);
    let mut links = Vec::new();
    if ctx.kept {
        links.push(json!({"label": "Why: the evidence chain of this determination", "url": why.clone(), "type": "absolute"}));
    }
    if let Some((url, _)) = &d.questionnaire {
        links.push(json!({"label": "Documentation questionnaire", "url": url, "type": "absolute"}));
    }
    links.push(json!({"label": clip(&format!("Policy: {}", r.policy.label), 80), "url": policy.clone(), "type": "absolute"}));
    let suggestions = suggestions(d, ctx);
    let mut card = json!({
        "uuid": uuid,
        "summary": summary(d),
        "indicator": indicator(d.answer),
        "detail": detail(d, ctx),
        "source": {
            "label": clip(&format!("Warrant: {}", r.policy.label), 80),
            "url": if ctx.kept { why } else { policy },
            "topic": {"system": "http://hl7.org/fhir/us/davinci-crd/CodeSystem/temp", "code": "coverage-info", "display": "Coverage Information"},
        },
        "links": links,
    });
    let suggestion_ids: Vec<String> = suggestions
        .iter()
        .filter_map(|s| s["uuid"].as_str().map(str::to_owned))
        .collect();
    if !suggestions.is_empty() {
        card["suggestions"] = Value::Array(suggestions);
        card["selectionBehavior"] = json!("any");
    }
    let issued = IssuedCard {
        determination: r.id.clone(),
        service: ctx.service.to_owned(),
        suggestions: suggestion_ids,
    };
    (card, (uuid, issued))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping_never_exceeds_the_limit_and_marks_the_cut() {
        let long = "x".repeat(300);
        let c = clip(&long, SUMMARY_MAX);
        assert_eq!(c.chars().count(), SUMMARY_MAX);
        assert!(c.ends_with('…'));
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip(&"é".repeat(20), 5).chars().count(), 5);
    }

    #[test]
    fn iso_periods_become_fhir_timing_units() {
        assert_eq!(iso_period("P1M"), Some((1, "mo")));
        assert_eq!(iso_period("P3W"), Some((3, "wk")));
        assert_eq!(iso_period("P28D"), Some((28, "d")));
        assert_eq!(iso_period("PT1H"), None);
        assert_eq!(iso_period("P0D"), None);
    }

    #[test]
    fn interval_changes_touch_only_the_timing() {
        let order = json!({"resourceType": "MedicationRequest", "dosageInstruction": [{"text": "x", "timing": {"repeat": {"frequency": 1, "period": 3, "periodUnit": "wk"}}}]});
        let u = with_interval(&order, 1, "mo").unwrap();
        assert_eq!(
            u["dosageInstruction"][0]["timing"]["repeat"],
            json!({"frequency": 1, "period": 1, "periodUnit": "mo"})
        );
        assert_eq!(u["dosageInstruction"][0]["text"], "x");
        assert!(with_interval(&json!({"resourceType": "MedicationRequest"}), 1, "mo").is_none());
    }
}
