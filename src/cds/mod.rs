//! CDS Hooks 2.0 and Da Vinci Coverage Requirements Discovery (CRD, STU 2): Warrant's determinations
//! where a prescriber signs an order.
//!
//! An EHR discovers the services (`discovery`: one per supported hook, with prefetch templates written
//! from the policies' own criteria and code mappings), calls one with a hook request (`hook`: the draft
//! orders and prefetched FHIR data read into one case per governed order, evaluated by the same engine
//! as `/evaluate`), and gets cards and CRD system actions back (`cards`, `coverage`), with a
//! documentation questionnaire for whatever the policy needed and the case did not say
//! (`questionnaire`). Clients authenticate with the signed JWT the specification describes (`jwt`);
//! missing prefetch is fetched only from FHIR servers the operator allow-listed (`fetch`); the card
//! outcomes clients report back become PROV records tied to the determination (`feedback`).
//!
//! Nothing here knows HTTP: `http::cds` serves it. Nothing here knows a policy, concept or code:
//! every service, template, question and suggestion comes from the graph.

pub mod cards;
pub mod codes;
pub mod coverage;
pub mod discovery;
pub mod feedback;
pub mod fetch;
pub mod hook;
pub mod jwt;
pub mod questionnaire;
pub mod respond;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How the CDS Hooks services run: who may call them, which FHIR servers they may fetch from, and
/// whether determinations (and so the patient facts they rest on) are kept.
#[derive(Debug, Clone, Default)]
pub struct CdsSettings {
    /// Accept calls without a JWT (`serve --cds-anonymous`); otherwise every call needs one.
    pub anonymous: bool,
    /// Issuers whose JWTs are accepted, with where their keys come from.
    pub issuers: Vec<jwt::TrustedIssuer>,
    /// Base URLs of FHIR servers missing prefetch may be fetched from (`serve --fhir-server`).
    pub fhir_servers: Vec<String>,
    /// Keep each determination in the store (`serve --cds-keep`), so that its coverage-assertion-id
    /// resolves at `/why?iri=`. Off by default: then nothing of a hook request is written anywhere.
    pub keep: bool,
    /// The public base URL of this server (`serve --cds-base-url`): the JWT audience and the base of
    /// every link a card carries. Default: `http://` + the request's Host header.
    pub base_url: Option<String>,
}

/// A card handed out: which determination it shows, so that feedback about it can be tied to it.
#[derive(Debug, Clone)]
pub struct IssuedCard {
    /// The determination's IRI.
    pub determination: String,
    /// The service that answered.
    pub service: String,
    /// The uuids of the card's suggestions.
    pub suggestions: Vec<String>,
}

/// The state the CDS services share: settings, the JWT verifier (keys and seen `jti`s) and the
/// cards recently handed out (uuid -> determination; no patient data), bounded in size and age.
#[derive(Debug)]
pub struct CdsService {
    /// The settings.
    pub settings: CdsSettings,
    /// Verifies client JWTs.
    pub verifier: jwt::Verifier,
    issued: Mutex<HashMap<String, (Instant, IssuedCard)>>,
}

/// How long an issued card can still receive feedback tied to its determination.
const CARD_MEMORY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Most cards remembered at once (the oldest are forgotten first).
const CARD_LIMIT: usize = 100_000;

impl Default for CdsService {
    fn default() -> Self {
        Self::new(CdsSettings::default())
    }
}

impl CdsService {
    /// The service with these settings.
    pub fn new(settings: CdsSettings) -> Self {
        Self {
            verifier: jwt::Verifier::new(settings.issuers.clone()),
            settings,
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// Remembers the cards of a response.
    pub fn remember(&self, cards: impl IntoIterator<Item = (String, IssuedCard)>) {
        let mut issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        issued.retain(|_, (at, _)| now.duration_since(*at) < CARD_MEMORY);
        for (uuid, card) in cards {
            if issued.len() >= CARD_LIMIT {
                if let Some(oldest) = issued
                    .iter()
                    .min_by_key(|(_, (at, _))| *at)
                    .map(|(k, _)| k.clone())
                {
                    issued.remove(&oldest);
                }
            }
            issued.insert(uuid, (now, card));
        }
    }

    /// The card handed out under `uuid`, if it is still remembered.
    pub fn card(&self, uuid: &str) -> Option<IssuedCard> {
        let issued = self.issued.lock().unwrap_or_else(|e| e.into_inner());
        issued.get(uuid).map(|(_, c)| c.clone())
    }
}

/// A UUID (version 4 layout, RFC 4122 variant) derived from `seed`: the same card of the same
/// determination for the same hook call always gets the same uuid.
pub fn uuid_from(seed: &str) -> String {
    let h = crate::store::sha256_hex(seed.as_bytes());
    let b = h.as_bytes();
    let s = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).unwrap_or("0").to_owned();
    let variant = match b[16] {
        b'0'..=b'3' => '8',
        b'4'..=b'7' => '9',
        b'8' | b'9' | b'a' | b'b' => 'a',
        _ => 'b',
    };
    format!(
        "{}-{}-4{}-{}{}-{}",
        s(0..8),
        s(8..12),
        s(13..16),
        variant,
        s(17..20),
        s(20..32)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_uuids_have_the_uuid_layout_and_are_stable() {
        let u = uuid_from("x");
        assert_eq!(u, uuid_from("x"));
        assert_ne!(u, uuid_from("y"));
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!("89ab".contains(&parts[3][..1]));
    }

    #[test]
    fn feedback_finds_remembered_cards_only() {
        let s = CdsService::default();
        s.remember([(
            "u1".to_owned(),
            IssuedCard {
                determination: "d".into(),
                service: "s".into(),
                suggestions: vec![],
            },
        )]);
        assert_eq!(s.card("u1").map(|c| c.determination), Some("d".into()));
        assert!(s.card("u2").is_none());
    }
}
