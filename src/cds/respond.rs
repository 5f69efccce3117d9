//! One hook call answered: the patient data gathered (prefetch, then allow-listed fetches), each
//! governed order evaluated, and the cards and system actions assembled.

use super::cards::{self, CardContext, Decision};
use super::hook::{self, HookError, HookRequest, PatientData};
use super::{CdsService, IssuedCard, codes, coverage, discovery, fetch, questionnaire};
use crate::case::Day;
use crate::evaluate::policy::Kind;
use crate::evaluate::{self, EvaluateError, Options, Status};
use crate::explain::{self, Answer};
use crate::store::WarrantStore;
use serde_json::{Value, json};

/// Why a hook call cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    /// The request cannot be read (400).
    #[error(transparent)]
    Hook(#[from] HookError),
    /// The request is for another hook than the service answers (400).
    #[error("this service answers the {expected} hook; the request is for {got}")]
    WrongHook {
        /// The service's hook.
        expected: &'static str,
        /// The request's hook.
        got: String,
    },
    /// Evaluation failed for a reason other than "no policy governs this order".
    #[error(transparent)]
    Evaluate(#[from] EvaluateError),
}

/// A hook call's answer.
#[derive(Debug)]
pub struct Answered {
    /// The CDS Hooks response body.
    pub body: Value,
    /// The cards handed out (to tie feedback to determinations).
    pub issued: Vec<(String, IssuedCard)>,
    /// The determinations made (to keep, when the operator asked for it).
    pub answers: Vec<Answer>,
}

/// Answers `request` for `service` (whose hook it must be), with links on `base_url`.
pub fn respond(
    store: &WarrantStore,
    cds: &CdsService,
    service: &str,
    base_url: &str,
    mut request: HookRequest,
) -> Result<Answered, RespondError> {
    let Some(expected) = discovery::hook_of(service) else {
        return Err(RespondError::WrongHook {
            expected: "(no such service)",
            got: request.hook,
        });
    };
    if request.hook != expected {
        return Err(RespondError::WrongHook {
            expected,
            got: request.hook,
        });
    }
    let mut templates = discovery::prefetch(store)?;
    if expected == "order-dispatch" {
        templates.insert("order".into(), json!("{{context.order}}"));
    }
    let keys: Vec<String> = templates.keys().cloned().collect();
    let mut data = PatientData::from_prefetch(&request.prefetch, &keys);
    if !data.missing.is_empty() {
        if let Some(server) = request
            .fhir_server
            .clone()
            .filter(|s| fetch::allowed(s, &cds.settings.fhir_servers))
        {
            let fetched = fetch::missing(
                &server,
                request.access_token.as_deref(),
                &templates,
                &data.missing,
                |t| request.token(t),
            );
            for (key, value) in fetched {
                if data.add(&format!("fetched.{key}"), &value) {
                    data.missing.retain(|k| k != &key);
                    request.prefetch.insert(key, value);
                }
            }
        }
    }
    // the patient demographics are not needed to evaluate: not reported missing
    let missing_shown: Vec<String> = data
        .missing
        .iter()
        .filter(|k| k.as_str() != "patient")
        .cloned()
        .collect();
    let today = Day::today();
    let ctx = CardContext {
        base_url,
        service,
        hook_instance: &request.hook_instance,
        patient_id: request.patient_id(),
        kept: cds.settings.keep,
        missing_prefetch: &missing_shown,
        today,
    };
    let options = Options {
        as_of: today,
        policy: None,
        include_pending: false,
    };
    let mut cards_out = Vec::new();
    let mut actions = Vec::new();
    let mut issued = Vec::new();
    let mut answers = Vec::new();
    for order in request.orders()? {
        let case = hook::case_for(&order, &data)?;
        let reports = match evaluate::evaluate(store, case, &options) {
            Ok(r) => r,
            Err(EvaluateError::NoRequest | EvaluateError::NoPolicy(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        let mut extensions = Vec::new();
        let coverage_ref = coverage::coverage_of(&order.1).or_else(|| {
            data.resources.iter().find_map(|(_, r)| {
                (r["resourceType"] == "Coverage")
                    .then(|| r["id"].as_str().map(|id| format!("Coverage/{id}")))
                    .flatten()
            })
        });
        for report in reports {
            let answer = explain::answer(report);
            let policy = evaluate::policy_of(store, &answer.report.policy.iri)?;
            let measured: Vec<String> = answer
                .report
                .criteria
                .iter()
                .filter(|c| {
                    matches!(
                        c.kind,
                        Kind::LabThreshold | Kind::ObservationWithin | Kind::ObservationBelowNormal
                    ) && c.computed_status == Status::Unknown
                })
                .filter_map(|c| c.concept.as_ref().map(|x| x.iri.clone()))
                .collect();
            let concept_codes =
                codes::of_concepts(store, &measured).map_err(EvaluateError::from)?;
            let items: Vec<String> = answer
                .report
                .criteria
                .iter()
                .filter(|c| {
                    !c.kind.is_composite()
                        && c.computed_status == Status::Unknown
                        && c.missing.is_some()
                })
                .map(|c| c.iri.clone())
                .collect();
            let questionnaire = if answer.report.missing.is_empty() || items.is_empty() {
                None
            } else {
                questionnaire::url(base_url, &policy.iri, &items).map(|url| {
                    let labels: std::collections::HashMap<String, String> = answer
                        .report
                        .criteria
                        .iter()
                        .filter_map(|c| {
                            c.concept.as_ref().map(|x| (x.iri.clone(), x.label.clone()))
                        })
                        .collect();
                    let q = questionnaire::build(&policy, &items, &url, |c| {
                        labels.get(c).cloned().unwrap_or_else(|| c.to_owned())
                    });
                    (url, q)
                })
            };
            let decision = Decision {
                order: &order.1,
                answer: &answer,
                policy: &policy,
                codes: &concept_codes,
                questionnaire,
            };
            let (card, remembered) = cards::card(&decision, &ctx);
            extensions.push(coverage::extension(
                &answer,
                coverage_ref.as_deref(),
                decision.questionnaire.as_ref().map(|(u, _)| u.as_str()),
            ));
            cards_out.push(card);
            issued.push(remembered);
            answers.push(answer);
        }
        if !extensions.is_empty() {
            let reference = order
                .1
                .as_object()
                .and_then(hook::reference_of)
                .unwrap_or_else(|| "the draft order".into());
            actions.push(json!({
                "type": "update",
                "description": format!("Add CRD coverage information to {reference}"),
                "resource": coverage::updated_order(&order.1, &extensions),
            }));
        }
    }
    let mut body = json!({ "cards": cards_out });
    if !actions.is_empty() {
        body["systemActions"] = Value::Array(actions);
    }
    Ok(Answered {
        body,
        issued,
        answers,
    })
}
