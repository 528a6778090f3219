//! JWT access tokens, HS256 only.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::Utc;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::user::Role;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub member_id: Option<i64>,
    pub iat: i64,
    pub exp: i64,
    /// The user's token epoch when the token was issued; tokens issued before this field
    /// existed carry none, read as 0, the epoch of every account until its first change.
    #[serde(default)]
    pub ep: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: i64,
    /// Tokens already verified with this key, and their claims: a client sends the same token
    /// with each request until it expires, and checking its signature and reading its JSON
    /// again was a fifth of the work of reading one ticket. A token is found here by its whole
    /// text, so only the very token that was verified; its expiry is checked at each use.
    verified: Mutex<HashMap<String, Claims>>,
}

/// At most this many tokens are remembered; beyond, the expired ones are forgotten, and if
/// that is not enough, all.
const VERIFIED_KEPT: usize = 4096;

/// Clock skew tolerated between the issuer and this server.
const LEEWAY_SECONDS: i64 = 30;

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_minutes: u32) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "iat", "sub"]);
        validation.leeway = LEEWAY_SECONDS as u64;
        validation.validate_exp = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds: i64::from(ttl_minutes) * 60,
            verified: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    pub fn issue(&self, user_id: i64, role: Role, member_id: Option<i64>, epoch: i64) -> String {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.as_str().to_string(),
            member_id,
            iat: now,
            exp: now + self.ttl_seconds,
            ep: epoch,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The claims of a valid token: right key, HS256, not expired, not issued in the future.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        self.verify_at(token, Utc::now().timestamp())
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, String> {
        let expired = |claims: &Claims| claims.exp < now - LEEWAY_SECONDS;
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(claims) = verified.get(token) {
            if expired(claims) {
                verified.remove(token);
                return Err("token expired".into());
            }
            return Ok(claims.clone());
        }
        drop(verified);
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| e.to_string())?;
        if data.claims.iat > now + LEEWAY_SECONDS {
            return Err("token issued in the future".into());
        }
        let mut verified = self.verified.lock().unwrap_or_else(|e| e.into_inner());
        if verified.len() >= VERIFIED_KEPT {
            verified.retain(|_, claims| !expired(claims));
            if verified.len() >= VERIFIED_KEPT {
                verified.clear();
            }
        }
        verified.insert(token.to_owned(), data.claims.clone());
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_key_only() {
        let keys = JwtKeys::new(b"a secret of enough length for hs256", 10);
        let token = keys.issue(7, Role::Technician, None, 0);
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.role, "technician");
        assert_eq!(claims.exp - claims.iat, 600);
        let other = JwtKeys::new(b"another secret entirely, also long", 10);
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn a_token_verified_before_is_refused_once_expired() {
        let keys = JwtKeys::new(b"a secret of enough length for hs256", 10);
        let token = keys.issue(7, Role::Agent, Some(3), 0);
        let now = Utc::now().timestamp();
        assert_eq!(keys.verify_at(&token, now).unwrap().member_id, Some(3));
        assert_eq!(keys.verify_at(&token, now + 600).unwrap().sub, "7");
        assert!(keys
            .verify_at(&token, now + 600 + LEEWAY_SECONDS + 1)
            .is_err());
        // A token that differs from a verified one by a character of its signature is checked.
        let at = token.len() - 5;
        let changed = if &token[at..at + 1] == "A" { "B" } else { "A" };
        let forged = format!("{}{changed}{}", &token[..at], &token[at + 1..]);
        assert!(keys.verify(&forged).is_err());
    }
}
