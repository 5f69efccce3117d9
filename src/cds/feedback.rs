//! `POST /cds-services/{id}/feedback` (CDS Hooks 2.0, Feedback): what clinicians did with the cards,
//! kept as PROV records (`wr:CardFeedback`, a `prov:Activity`) tied to the determination each card
//! showed, in the content graph `https://w3id.org/warrant/graph/cds-feedback`, written through the
//! store's one write pipeline as a change set of the client.

use super::CdsService;
use crate::store::{Change, Op};
use crate::vocab::{self, prov, wr};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad, Term};
use serde_json::Value;

/// The graph feedback records are kept in.
pub const GRAPH: &str = "https://w3id.org/warrant/graph/cds-feedback";

/// One feedback entry as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `card` (the card's uuid).
    pub card: String,
    /// `accepted` or `overridden`.
    pub outcome: String,
    /// `acceptedSuggestions[].id`.
    pub accepted: Vec<String>,
    /// `overrideReason.reason` as `system|code` (with ` display`).
    pub reason: Option<String>,
    /// `overrideReason.userComment`.
    pub comment: Option<String>,
    /// `outcomeTimestamp` (an `xsd:dateTime`).
    pub at: String,
}

/// Why a feedback body is refused (400), with the JSON path at fault.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FeedbackError {
    /// JSON path.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> FeedbackError {
    FeedbackError {
        path: path.into(),
        message: message.into(),
    }
}

fn text<'a>(
    v: &'a Value,
    key: &str,
    path: &str,
    required: bool,
) -> Result<Option<&'a str>, FeedbackError> {
    match v.get(key) {
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(err(format!("{path}.{key}"), "required by CDS Hooks 2.0")),
        Some(Value::String(s)) if !s.is_empty() || !required => Ok(Some(s.as_str())),
        Some(_) => Err(err(format!("{path}.{key}"), "expected a non-empty string")),
    }
}

/// Reads a feedback body: `{"feedback": [...]}`.
pub fn parse(bytes: &[u8]) -> Result<Vec<Entry>, FeedbackError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        err(
            format!("line {}, column {}", e.line(), e.column()),
            format!("not valid JSON: {e}"),
        )
    })?;
    let Some(items) = v.get("feedback").and_then(Value::as_array) else {
        return Err(err("feedback", "required: an array of feedback entries"));
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("feedback[{i}]");
        if !item.is_object() {
            return Err(err(path, "expected an object"));
        }
        let card = text(item, "card", &path, true)?
            .unwrap_or_default()
            .to_owned();
        let outcome = text(item, "outcome", &path, true)?
            .unwrap_or_default()
            .to_owned();
        if outcome != "accepted" && outcome != "overridden" {
            return Err(err(
                format!("{path}.outcome"),
                "expected accepted or overridden",
            ));
        }
        let at = text(item, "outcomeTimestamp", &path, true)?.unwrap_or_default();
        let at = at
            .parse::<oxsdatatypes::DateTime>()
            .map_err(|_| {
                err(
                    format!("{path}.outcomeTimestamp"),
                    "expected an ISO 8601 date-time (RFC 3339), e.g. 2021-12-11T10:05:31Z",
                )
            })?
            .to_string();
        let mut accepted = Vec::new();
        match item.get("acceptedSuggestions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(list)) => {
                for (j, s) in list.iter().enumerate() {
                    let id = text(s, "id", &format!("{path}.acceptedSuggestions[{j}]"), true)?;
                    accepted.push(id.unwrap_or_default().to_owned());
                }
            }
            Some(_) => {
                return Err(err(
                    format!("{path}.acceptedSuggestions"),
                    "expected an array",
                ));
            }
        }
        if outcome == "accepted" && accepted.is_empty() {
            return Err(err(
                format!("{path}.acceptedSuggestions"),
                "required for an accepted outcome",
            ));
        }
        let (mut reason, mut comment) = (None, None);
        if let Some(o) = item.get("overrideReason").filter(|o| !o.is_null()) {
            let opath = format!("{path}.overrideReason");
            if !o.is_object() {
                return Err(err(opath, "expected an object"));
            }
            if let Some(r) = o.get("reason").filter(|r| !r.is_null()) {
                let rpath = format!("{opath}.reason");
                let code = text(r, "code", &rpath, true)?.unwrap_or_default();
                let system = text(r, "system", &rpath, false)?.unwrap_or_default();
                let display = text(r, "display", &rpath, false)?;
                reason = Some(match display {
                    Some(d) => format!("{system}|{code} {d}"),
                    None => format!("{system}|{code}"),
                });
            }
            comment = text(o, "userComment", &opath, false)?.map(str::to_owned);
        }
        out.push(Entry {
            card,
            outcome,
            accepted,
            reason,
            comment,
            at,
        });
    }
    Ok(out)
}

/// The change recording `entries` for `service`, by the client `issuer` (its JWT `iss`), each tied
/// to the determination of its card when the card is still known. Returns the change and, per entry,
/// the determination it was tied to.
pub fn record(
    cds: &CdsService,
    service: &str,
    issuer: Option<&str>,
    entries: &[Entry],
) -> (Change, Vec<Option<String>>) {
    let g = GraphName::NamedNode(NamedNode::new_unchecked(GRAPH));
    let mut quads = Vec::new();
    let mut tied = Vec::new();
    for e in entries {
        let seed = format!(
            "{service}|{}|{}|{}|{}|{:?}|{:?}",
            e.card,
            e.outcome,
            e.at,
            e.accepted.join(","),
            e.reason,
            e.comment
        );
        let node = NamedNode::new_unchecked(format!(
            "{}cds-feedback-{}",
            vocab::ID,
            &crate::store::sha256_hex(seed.as_bytes())[..16]
        ));
        let mut add = |p: oxigraph::model::NamedNodeRef<'_>, o: Term| {
            quads.push(Quad::new(node.clone(), p, o, g.clone()));
        };
        add(rdf::TYPE, wr::CARD_FEEDBACK.into());
        add(rdf::TYPE, prov::ACTIVITY.into());
        add(
            rdfs::LABEL,
            Literal::from(format!("card {} {}", e.card, e.outcome)).into(),
        );
        add(wr::CARD, Literal::from(e.card.as_str()).into());
        add(wr::CARD_OUTCOME, Literal::from(e.outcome.as_str()).into());
        add(wr::FOR_SERVICE, Literal::from(service).into());
        add(
            prov::ENDED_AT_TIME,
            Literal::new_typed_literal(e.at.as_str(), xsd::DATE_TIME).into(),
        );
        for s in &e.accepted {
            add(wr::ACCEPTED_SUGGESTION, Literal::from(s.as_str()).into());
        }
        if let Some(r) = &e.reason {
            add(wr::OVERRIDE_REASON, Literal::from(r.as_str()).into());
        }
        if let Some(c) = &e.comment {
            add(rdfs::COMMENT, Literal::from(c.as_str()).into());
        }
        if let Some(agent) = issuer.and_then(|i| NamedNode::new(i).ok()) {
            add(prov::WAS_ASSOCIATED_WITH, agent.into());
        }
        let determination = cds.card(&e.card).map(|c| c.determination);
        if let Some(d) = determination
            .as_deref()
            .and_then(|d| NamedNode::new(d).ok())
        {
            add(prov::USED, d.into());
        }
        tied.push(determination);
    }
    (Change::one(Op::Insert(quads)), tied)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three feedback examples of CDS Hooks 2.0 (Feedback section).
    #[test]
    fn the_specification_examples_parse() {
        let accepted = br#"{"feedback": [{"card": "4e0a3a1e-3283-4575-ab82-028d55fe2719", "outcome": "accepted",
            "acceptedSuggestions": [{"id": "e56e1945-20b3-4393-8503-a1a20fd73152"}], "outcomeTimestamp": "2021-12-11T10:05:31Z"}]}"#;
        let e = parse(accepted).unwrap();
        assert_eq!(e[0].accepted, ["e56e1945-20b3-4393-8503-a1a20fd73152"]);
        let overridden = br#"{"feedback":[{"card":"9368d37b-283f-44a0-93ea-547cebab93ed","outcome":"overridden",
            "overrideReason":{"reason":{"code":"d7ecf885","system":"https://example.com/cds-hooks/override-reason-system"},
            "userComment":"A comment entered by the clinician."},"outcomeTimestamp":"2020-12-11T00:00:00Z"}]}"#;
        let e = parse(overridden).unwrap();
        assert_eq!(
            e[0].reason.as_deref(),
            Some("https://example.com/cds-hooks/override-reason-system|d7ecf885")
        );
        assert_eq!(
            e[0].comment.as_deref(),
            Some("A comment entered by the clinician.")
        );
        let bad = br#"{"feedback": [{"card": "x", "outcome": "accepted", "outcomeTimestamp": "2021-12-11T10:05:31Z"}]}"#;
        assert_eq!(
            parse(bad).unwrap_err().path,
            "feedback[0].acceptedSuggestions"
        );
        let bad = br#"{"feedback": [{"card": "x", "outcome": "ignored", "outcomeTimestamp": "2021-12-11T10:05:31Z"}]}"#;
        assert_eq!(parse(bad).unwrap_err().path, "feedback[0].outcome");
        let bad = br#"{"feedback": [{"card": "x", "outcome": "overridden", "outcomeTimestamp": "yesterday"}]}"#;
        assert_eq!(parse(bad).unwrap_err().path, "feedback[0].outcomeTimestamp");
    }
}
