//! Logging in, and who am I.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::audit::client_ip;
use crate::api::users::UserView;
use crate::api::{json::Json, problems, Answer, State};
use crate::auth::AuthUser;
use crate::db;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/me").route(web::get().to(me)));
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[schema(example = "hotline@example.org")]
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    pub user: UserView,
}

/// Exchange an e-mail and password for a bearer token. Failed attempts are limited per e-mail
/// and per client address (`auth.max_failed_logins_per_account`, `…_per_address` within
/// `auth.login_window_seconds`); past the limit the answer is 429 with `Retry-After`.
///
/// Errors: 400: malformed JSON; 401: wrong e-mail or password, or disabled account; 422: missing
/// field.
#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        problems::BadRequest, problems::Unauthorized, problems::Invalid, problems::TooManyRequests,
    ),
    security(())
)]
pub async fn login(state: State, req: HttpRequest, body: Json<LoginRequest>) -> Answer {
    let LoginRequest { email, password } = body.into_inner();
    let user = crate::auth::login::log_in(&state, &email, password, client_ip(&req)).await?;
    let token = state
        .keys
        .issue(user.id, user.role, user.member_id, user.token_epoch);
    Ok(HttpResponse::Ok().json(LoginResponse {
        access_token: token,
        token_type: "Bearer".into(),
        expires_in: state.keys.ttl_seconds(),
        user: UserView::from(user),
    }))
}

/// The caller.
///
/// Errors: 401: missing or invalid token.
#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    responses(
        (status = 200, description = "The authenticated user", body = UserView),
        problems::Unauthorized,
    )
)]
pub async fn me(state: State, user: AuthUser) -> Answer {
    let id = user.actor.id;
    let row = state
        .run(move |conn| Ok(db::users::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::Unauthorized("invalid or expired token".into()))?;
    Ok(HttpResponse::Ok().json(UserView::from(row)))
}
