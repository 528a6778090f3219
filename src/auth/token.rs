//! JWT access tokens, HS256 only.

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
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: i64,
}

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
        }
    }

    pub fn ttl_seconds(&self) -> i64 {
        self.ttl_seconds
    }

    pub fn issue(&self, user_id: i64, role: Role, member_id: Option<i64>) -> String {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.as_str().to_string(),
            member_id,
            iat: now,
            exp: now + self.ttl_seconds,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing cannot fail")
    }

    /// The claims of a valid token: right key, HS256, not expired, not issued in the future.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| e.to_string())?;
        if data.claims.iat > Utc::now().timestamp() + LEEWAY_SECONDS {
            return Err("token issued in the future".into());
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_with_its_key_only() {
        let keys = JwtKeys::new(b"a secret of enough length for hs256", 10);
        let token = keys.issue(7, Role::Technician, None);
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.role, "technician");
        assert_eq!(claims.exp - claims.iat, 600);
        let other = JwtKeys::new(b"another secret entirely, also long", 10);
        assert!(other.verify(&token).is_err());
    }
}
