//! Checking an e-mail and password, throttled: the one log-in of the API and the console.

use serde_json::json;

use crate::auth::password;
use crate::db;
use crate::db::audit::{AuditAction, AuditSource};
use crate::db::users::User;
use crate::error::AppError;
use crate::state::AppState;

/// The user of this e-mail and password, or 401 (alike for an unknown e-mail, a wrong password
/// and a disabled account), or 429 past the failed attempts allowed per e-mail and per address
/// (`auth.max_failed_logins_per_account`, `…_per_address`). Each attempt is audited.
pub async fn log_in(
    state: &AppState,
    email: &str,
    password: String,
    address: Option<std::net::IpAddr>,
) -> Result<User, AppError> {
    let email = email.trim().to_lowercase();
    // Refused before any password work, alike for known and unknown e-mails.
    let attempt = state
        .login_throttle
        .begin(&email, address)
        .map_err(|retry_after_seconds| AppError::TooManyRequests {
            retry_after_seconds,
        })?;
    let source = AuditSource {
        actor_id: None,
        ip: address.map(|a| a.to_string()),
    };
    let outcome = state
        .run(move |conn| {
            let user = db::users::find_by_email(conn, &email)?;
            // Same work whether or not the account exists, so timing tells nothing.
            let (user, subject, failure) = match user {
                Some(user) if !password::verify(&password, &user.password_hash) => {
                    (None, Some(user.id), Some("wrong_password"))
                }
                Some(user) if user.disabled => (None, Some(user.id), Some("disabled")),
                Some(user) => {
                    let id = user.id;
                    (Some(user), Some(id), None)
                }
                None => {
                    password::verify_nothing(&password);
                    (None, None, Some("unknown_email"))
                }
            };
            let tried: String = email.chars().take(254).collect();
            let entry = match failure {
                None => source.entry(
                    AuditAction::LoginSucceeded,
                    subject,
                    json!({"email": tried}),
                ),
                Some(reason) => source.entry(
                    AuditAction::LoginFailed,
                    subject,
                    json!({"email": tried, "reason": reason}),
                ),
            };
            db::audit::record(conn, &entry)?;
            Ok(user)
        })
        .await;
    match outcome {
        Ok(Some(user)) => {
            state.login_throttle.succeeded(attempt);
            Ok(user)
        }
        Ok(None) => {
            state.login_throttle.failed(attempt);
            state.metrics.login_failed();
            Err(AppError::Unauthorized("wrong e-mail or password".into()))
        }
        Err(error) => {
            state.login_throttle.cancelled(attempt);
            Err(error)
        }
    }
}
