//! The `AuthUser` extractor: a valid bearer token of an existing, enabled user.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest};

use crate::auth::cache::CachedUser;
use crate::db;
use crate::domain::user::{Actor, Role};
use crate::error::AppError;
use crate::state::AppState;

/// The caller, as the database knows them: role, member and disabled flag are read at most
/// `auth.user_cache_seconds` ago (see `auth::cache`). A user changed through this process is
/// forgotten at once, so a changed role or a disabled account takes effect on their next
/// request here; a change made by another process, within that many seconds.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub actor: Actor,
}

impl AuthUser {
    pub fn role(&self) -> Role {
        self.actor.role
    }

    pub fn require_staff(&self) -> Result<(), AppError> {
        if self.actor.role.is_staff() {
            Ok(())
        } else {
            Err(AppError::forbidden("this needs a member of staff"))
        }
    }

    pub fn require_directory_manager(&self) -> Result<(), AppError> {
        if self.actor.role.manages_directory() {
            Ok(())
        } else {
            Err(AppError::forbidden("this needs a manager or an admin"))
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.actor.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::forbidden("this needs an admin"))
        }
    }
}

fn unauthorized(why: &str) -> AppError {
    AppError::Unauthorized(why.to_string())
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let req = req.clone();
        let header_value = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let header_value =
                header_value.ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
            // The scheme's name is case-insensitive (RFC 9110, 11.1).
            let token = header_value
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim())
                .ok_or_else(|| unauthorized("send Authorization: Bearer <token>"))?;
            let claims = state
                .keys
                .verify(token)
                .map_err(|_| unauthorized("invalid or expired token"))?;
            let user_id: i64 = claims
                .sub
                .parse()
                .map_err(|_| unauthorized("invalid or expired token"))?;
            // The place is taken before the user is read: a request refused for lack of one
            // costs nothing of the database.
            crate::limits::enter(&req, &state.user_limits, user_id).await?;
            let user = match state.user_cache.get(user_id) {
                Ok(remembered) => remembered,
                Err(generation) => {
                    let found = state
                        .run(move |conn| Ok(db::users::rights(conn, user_id)?))
                        .await?
                        .map(|(role, member_id, disabled, token_epoch)| CachedUser {
                            role,
                            member_id,
                            disabled,
                            token_epoch,
                        });
                    state.user_cache.remember(user_id, found, generation);
                    found
                }
            }
            // A token issued before the password changed or the account was disabled ends.
            .filter(|user| !user.disabled && user.token_epoch == claims.ep)
            .ok_or_else(|| unauthorized("invalid or expired token"))?;
            Ok(AuthUser {
                actor: Actor {
                    id: user_id,
                    role: user.role,
                    member_id: user.member_id,
                },
            })
        })
    }
}
