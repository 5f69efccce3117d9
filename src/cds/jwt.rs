//! Authenticating CDS clients as CDS Hooks 2.0 ("Trusting CDS Clients") describes: every call carries
//! `Authorization: Bearer <JWT>`, signed with an asymmetric key (never `none`, never HMAC) whose `kid`
//! is in the issuer's JWK Set; `iss` must be an allow-listed issuer, `aud` the URL of the endpoint
//! called, `exp` in the future, `iat` present, and `jti` never seen before within its lifetime
//! (replays are refused).
//!
//! Keys come from a JWK Set file the operator configured for the issuer, or from a JWK Set URL the
//! operator allow-listed for it (fetched over plain HTTP by this build, cached for five minutes). A
//! token's `jku` header is honoured only when it is that allow-listed URL: a URL a client names is
//! never fetched otherwise. Signatures are checked by the `jsonwebtoken` crate.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clock skew tolerated on `exp` and `iat`.
const LEEWAY_SECS: u64 = 60;
/// How long fetched JWK Sets are reused.
const JWKS_TTL: Duration = Duration::from_secs(300);
/// Most `jti`s remembered at once: beyond it, tokens are refused until older ones expire.
const JTI_LIMIT: usize = 1_000_000;
/// Longest token lifetime accepted (`exp` at most this far ahead): bounds the replay memory.
const MAX_LIFETIME_SECS: u64 = 3600;

/// Where an issuer's public keys come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A JWK Set file.
    File(PathBuf),
    /// An allow-listed JWK Set URL.
    Url(String),
}

/// An issuer whose tokens are accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// `iss`.
    pub issuer: String,
    /// Its keys.
    pub keys: KeySource,
}

impl std::str::FromStr for TrustedIssuer {
    type Err = String;

    /// `ISS=FILE` or `ISS=URL` (`http://` / `https://`): the first `=` separates them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (issuer, keys) = s
            .split_once('=')
            .filter(|(i, k)| !i.is_empty() && !k.is_empty())
            .ok_or_else(|| format!("{s:?}: use ISSUER=JWKS-FILE or ISSUER=JWKS-URL"))?;
        let keys = if keys.starts_with("http://") || keys.starts_with("https://") {
            KeySource::Url(keys.to_owned())
        } else {
            KeySource::File(PathBuf::from(keys))
        };
        Ok(Self {
            issuer: issuer.to_owned(),
            keys,
        })
    }
}

/// Why a token is refused (401; the message says what, never a key).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// No Authorization header.
    #[error(
        "this CDS service needs Authorization: Bearer <JWT> (CDS Hooks 2.0, Trusting CDS Clients)"
    )]
    Missing,
    /// The token is not acceptable.
    #[error("the CDS client JWT is not accepted: {0}")]
    Invalid(String),
}

fn invalid(m: impl Into<String>) -> AuthError {
    AuthError::Invalid(m.into())
}

/// The claims a CDS client JWT carries.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Expiry (seconds since the epoch).
    pub exp: u64,
    /// Issued at.
    pub iat: u64,
    /// Nonce.
    pub jti: String,
    /// The healthcare organisation, when given.
    #[serde(default)]
    pub tenant: Option<String>,
}

/// Verifies CDS client JWTs against the trusted issuers, remembering `jti`s to refuse replays.
#[derive(Debug)]
pub struct Verifier {
    issuers: Vec<TrustedIssuer>,
    seen: Mutex<HashMap<String, u64>>,
    fetched: Mutex<HashMap<String, (Instant, JwkSet)>>,
}

impl Verifier {
    /// A verifier trusting `issuers`.
    pub fn new(issuers: Vec<TrustedIssuer>) -> Self {
        Self {
            issuers,
            seen: Mutex::new(HashMap::new()),
            fetched: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any issuer is trusted.
    pub fn has_issuers(&self) -> bool {
        !self.issuers.is_empty()
    }

    fn keys(&self, issuer: &TrustedIssuer) -> Result<JwkSet, AuthError> {
        match &issuer.keys {
            KeySource::File(path) => {
                let text = std::fs::read(path)
                    .map_err(|_| invalid("the issuer's configured JWK Set cannot be read"))?;
                serde_json::from_slice(&text)
                    .map_err(|_| invalid("the issuer's configured JWK Set is not a JWK Set"))
            }
            KeySource::Url(url) => {
                let mut cache = self.fetched.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((at, set)) = cache.get(url) {
                    if at.elapsed() < JWKS_TTL {
                        return Ok(set.clone());
                    }
                }
                let set: JwkSet = super::fetch::get_json(url, None)
                    .ok()
                    .and_then(|v| serde_json::from_value(v).ok())
                    .ok_or_else(|| invalid("the issuer's JWK Set URL did not give a JWK Set"))?;
                cache.insert(url.clone(), (Instant::now(), set.clone()));
                Ok(set)
            }
        }
    }

    /// Verifies `token` for a call to `audience` (the URL of the endpoint called; any of
    /// `audiences` is accepted) at time `now` (seconds since the epoch).
    pub fn verify(&self, token: &str, audiences: &[String], now: u64) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("not a JWT (header.payload.signature)"))?;
        if matches!(
            header.alg,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
        ) {
            return Err(invalid("symmetric (HMAC) signatures are not allowed"));
        }
        if header
            .typ
            .as_deref()
            .is_some_and(|t| !t.eq_ignore_ascii_case("JWT"))
        {
            return Err(invalid("typ must be JWT"));
        }
        let kid = header
            .kid
            .clone()
            .ok_or_else(|| invalid("the header has no kid"))?;
        let unverified: Claims = jsonwebtoken::dangerous::insecure_decode_claims(token)
            .map_err(|_| invalid("iss, aud, exp, iat and jti are required"))?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.issuer == unverified.iss)
            .ok_or_else(|| invalid("the issuer is not trusted by this server"))?;
        if let Some(jku) = &header.jku {
            if issuer.keys != KeySource::Url(jku.clone()) {
                return Err(invalid(
                    "jku is not the JWK Set URL allow-listed for this issuer",
                ));
            }
        }
        let keys = self.keys(issuer)?;
        let jwk = keys
            .find(&kid)
            .ok_or_else(|| invalid("no key with this kid in the issuer's JWK Set"))?;
        let key =
            DecodingKey::from_jwk(jwk).map_err(|_| invalid("the issuer's key cannot be used"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_audience(audiences);
        validation.set_issuer(&[&issuer.issuer]);
        validation.set_required_spec_claims(&["iss", "aud", "exp"]);
        // expiry is checked below against `now`, so that it is testable and uses one clock
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            invalid(match e.kind() {
                ErrorKind::InvalidAudience => "aud is not the URL of the service called",
                ErrorKind::InvalidIssuer => "iss does not match",
                ErrorKind::InvalidSignature => "the signature does not verify",
                ErrorKind::InvalidAlgorithm => "the algorithm does not match the key",
                ErrorKind::MissingRequiredClaim(_) => "iss, aud, exp, iat and jti are required",
                _ => "the token does not verify",
            })
        })?;
        let claims = data.claims;
        if claims.exp + LEEWAY_SECS <= now {
            return Err(invalid("the token has expired (exp)"));
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(invalid("the token is issued in the future (iat)"));
        }
        if claims.exp > now + MAX_LIFETIME_SECS {
            return Err(invalid(format!(
                "exp is more than {MAX_LIFETIME_SECS} s ahead: use short-lived tokens"
            )));
        }
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, exp| *exp + LEEWAY_SECS > now);
        let id = format!("{}|{}", claims.iss, claims.jti);
        if seen.contains_key(&id) {
            return Err(invalid("this jti was already used (replay)"));
        }
        if seen.len() >= JTI_LIMIT {
            return Err(invalid("too many live tokens; retry shortly"));
        }
        seen.insert(id, claims.exp);
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example of CDS Hooks 2.0, "Trusting CDS Clients": the JWT and the JWK Set with its public
    // key (https://cds-hooks.hl7.org/2.0/#trusting-cds-clients, copied in tests/peer/cds).
    const SPEC_TOKEN: &str =
        include_str!("../../tests/peer/cds/cds-hooks-2.0/jwt-example.txt").trim_ascii();
    const SPEC_JWKS: &str = include_str!("../../tests/peer/cds/cds-hooks-2.0/jwks-public.json");
    const SPEC_AUD: &str = "https://cds.example.org/cds-services/some-service";

    fn spec_verifier(dir: &tempfile::TempDir, jwks_url: bool) -> Verifier {
        let file = dir.path().join("jwks.json");
        std::fs::write(&file, SPEC_JWKS).unwrap();
        Verifier::new(vec![TrustedIssuer {
            issuer: "https://fhir-ehr.example.com/".into(),
            keys: if jwks_url {
                KeySource::Url("https://fhir-ehr.example.com/jwk_uri".into())
            } else {
                KeySource::File(file)
            },
        }])
    }

    /// The example token names a jku; this verifier trusts the same key from a file, so the
    /// token's jku is not the allow-listed source: refused without fetching anything.
    #[test]
    fn a_jku_that_is_not_allow_listed_is_refused_without_a_fetch() {
        let dir = tempfile::tempdir().unwrap();
        let v = spec_verifier(&dir, false);
        let e = v
            .verify(SPEC_TOKEN, &[SPEC_AUD.into()], 1_311_280_980)
            .unwrap_err();
        assert!(e.to_string().contains("jku"), "{e}");
    }

    #[test]
    fn the_specification_example_token_verifies_in_its_lifetime_only() {
        // the same header without jku is not available signed, so verify the signature path with
        // the allow-listed jku served from the cache (no network)
        let dir = tempfile::tempdir().unwrap();
        let v = spec_verifier(&dir, true);
        let set: JwkSet = serde_json::from_str(SPEC_JWKS).unwrap();
        v.fetched.lock().unwrap().insert(
            "https://fhir-ehr.example.com/jwk_uri".into(),
            (Instant::now(), set),
        );
        let aud = [SPEC_AUD.to_owned()];
        // exp 1422568860 is more than an hour after iat: accept within the last hour of its life
        let now = 1_422_568_860 - 1800;
        let claims = v
            .verify(SPEC_TOKEN, &aud, now)
            .expect("the spec's token verifies");
        assert_eq!(claims.jti, "ee22b021-e1b7-4611-ba5b-8eec6a33ac1e");
        assert_eq!(
            claims.tenant.as_deref(),
            Some("2ddd6c3a-8e9a-44c6-a305-52111ad302a2")
        );
        // the same jti again: a replay
        let e = v.verify(SPEC_TOKEN, &aud, now + 1).unwrap_err();
        assert!(e.to_string().contains("replay"), "{e}");
        // another verifier (fresh replay memory): expired today, wrong audience, tampered
        let v = spec_verifier(&dir, true);
        let set: JwkSet = serde_json::from_str(SPEC_JWKS).unwrap();
        v.fetched.lock().unwrap().insert(
            "https://fhir-ehr.example.com/jwk_uri".into(),
            (Instant::now(), set),
        );
        let e = v.verify(SPEC_TOKEN, &aud, 1_800_000_000).unwrap_err();
        assert!(e.to_string().contains("expired"), "{e}");
        let e = v
            .verify(
                SPEC_TOKEN,
                &["https://cds.example.org/cds-services/other".into()],
                now,
            )
            .unwrap_err();
        assert!(e.to_string().contains("aud"), "{e}");
        let mut tampered = SPEC_TOKEN.to_owned();
        tampered.pop();
        tampered.push('A');
        let e = v.verify(&tampered, &aud, now).unwrap_err();
        assert!(
            e.to_string().contains("signature") || e.to_string().contains("verify"),
            "{e}"
        );
    }

    #[test]
    fn untrusted_issuers_and_hmac_are_refused() {
        let v = Verifier::new(vec![]);
        let e = v
            .verify(SPEC_TOKEN, &[SPEC_AUD.into()], 1_311_280_980)
            .unwrap_err();
        assert!(e.to_string().contains("not trusted"), "{e}");
        let hs = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &serde_json::json!({"iss": "x", "aud": "y", "exp": 1, "iat": 1, "jti": "j"}),
            &jsonwebtoken::EncodingKey::from_secret(b"k").unwrap(),
        )
        .unwrap();
        assert!(
            v.verify(&hs, &["y".into()], 0)
                .unwrap_err()
                .to_string()
                .contains("HMAC")
        );
    }

    #[test]
    fn issuer_flags_parse() {
        let t: TrustedIssuer = "https://ehr.example/=keys.json".parse().unwrap();
        assert_eq!(t.issuer, "https://ehr.example/");
        assert_eq!(t.keys, KeySource::File("keys.json".into()));
        let t: TrustedIssuer = "https://ehr.example/=https://ehr.example/jwks"
            .parse()
            .unwrap();
        assert_eq!(t.keys, KeySource::Url("https://ehr.example/jwks".into()));
        assert!("nothing".parse::<TrustedIssuer>().is_err());
    }
}
