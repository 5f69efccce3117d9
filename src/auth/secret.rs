//! Tokens and their hashes: random generation, the `<id>.<secret>` shape, argon2id hashing and
//! verification, and constant-time comparison.
//!
//! Argon2 parameters: 4 MiB of memory, one pass, one lane (`m=4096,t=1,p=1`). A token is 32 random
//! bytes (256 bits), not a password a person chose, so guessing it is hopeless whatever the hash
//! costs; the hash is there so that a copied users file gives no usable token. A small cost keeps
//! the one verification a new token needs to a few milliseconds even in a debug build (the unit
//! test below checks < 100 ms). The parameters are part of each PHC string, so hashes written with
//! other parameters keep verifying if these change.

use super::AuthError;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// Memory cost in KiB.
const M_COST_KIB: u32 = 4096;
/// Passes over the memory.
const T_COST: u32 = 1;
/// Lanes.
const P_COST: u32 = 1;
/// Random bytes of a user id (hex in the token and the file).
const ID_BYTES: usize = 8;
/// Random bytes of a token's secret part.
const SECRET_BYTES: usize = 32;

/// `n` random bytes from the operating system, as lowercase hex.
pub(super) fn random_hex(n: usize) -> Result<String, AuthError> {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).map_err(|e| AuthError::Random(e.to_string()))?;
    Ok(hex::encode(bytes))
}

/// A fresh user id (16 hex digits).
pub(super) fn new_id() -> Result<String, AuthError> {
    random_hex(ID_BYTES)
}

/// A fresh token for the user with this id: `<id>.<64 hex digits>`.
pub(super) fn new_token(id: &str) -> Result<String, AuthError> {
    Ok(format!("{id}.{}", random_hex(SECRET_BYTES)?))
}

/// The user id a token names, if it has the `<id>.<secret>` shape.
pub(super) fn id_of(token: &str) -> Option<&str> {
    let (id, secret) = token.split_once('.')?;
    (!id.is_empty() && !secret.is_empty()).then_some(id)
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The argon2id PHC string (`$argon2id$v=19$m=…`) of a token, with a random salt.
pub(super) fn hash(token: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    hasher()
        .hash_password(token.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks that a stored hash is an argon2id PHC string this module can verify against.
pub(super) fn check_hash(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|e| e.to_string())?;
    if parsed.algorithm.as_str() != "argon2id" {
        return Err(format!(
            "the hash uses {}, not argon2id",
            parsed.algorithm.as_str()
        ));
    }
    Params::try_from(&parsed).map_err(|e| e.to_string())?;
    Ok(())
}

/// Whether `token` is the one hashed in `phc` (parameters and salt come from `phc`).
pub(super) fn verify(token: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| hasher().verify_password(token.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Spends the time of one verification without a stored hash, so that an unknown user id takes
/// as long to refuse as a wrong secret.
pub(super) fn verify_nothing(token: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("warrant-dummy-token").ok());
    if let Some(phc) = dummy {
        let _ = verify(token, phc);
    }
}

/// SHA-256 of a token: the key of verified tokens in memory (the token itself is never kept).
pub(super) fn fingerprint(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Compares two tokens in time independent of where they differ (and of their lengths, by
/// comparing their SHA-256 digests).
pub fn same_token(given: &str, expected: &str) -> bool {
    let (a, b) = (fingerprint(given), fingerprint(expected));
    a.iter().zip(&b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn hash_round_trip() {
        let token = new_token(&new_id().unwrap()).unwrap();
        let phc = hash(&token).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=4096,t=1,p=1$"), "{phc}");
        assert!(!phc.contains(&token));
        check_hash(&phc).unwrap();
        assert!(verify(&token, &phc));
        assert!(!verify(&format!("{token}x"), &phc));
        assert!(!verify("", &phc));
        assert!(!verify(&token, "not a hash"));
        assert_ne!(hash(&token).unwrap(), phc, "salted");
    }

    #[test]
    fn tokens_are_id_dot_64_hex() {
        let id = new_id().unwrap();
        let token = new_token(&id).unwrap();
        assert_eq!(id.len(), 16);
        assert_eq!(token.len(), 16 + 1 + 64);
        assert_eq!(id_of(&token), Some(id.as_str()));
        assert_eq!(id_of("no-dot"), None);
        assert_eq!(id_of(".secret"), None);
        assert_eq!(id_of("id."), None);
        assert_ne!(new_token(&id).unwrap(), token);
    }

    #[test]
    fn verification_is_cheap_even_in_debug_builds() {
        let token = new_token("0123456789abcdef").unwrap();
        let phc = hash(&token).unwrap();
        let start = Instant::now();
        assert!(verify(&token, &phc));
        let took = start.elapsed();
        assert!(took.as_millis() < 100, "one verification took {took:?}");
    }

    #[test]
    fn check_hash_refuses_other_algorithms_and_garbage() {
        assert!(check_hash("plain").is_err());
        assert!(
            check_hash("$argon2i$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA").is_err()
        );
    }

    #[test]
    fn same_token_compares_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}
