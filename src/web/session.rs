//! The console's sessions: a cookie holding a random secret, a row of `web_sessions` holding its
//! digest, and the token that ties each form to its session.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::db;
use crate::db::sessions::NewSession;
use crate::domain::time::now;
use crate::domain::user::{Actor, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::i18n::Lang;

pub const SESSION_COOKIE: &str = "helpdesk_session";
/// A session lasts a working day and a half: a morning's log-in holds until the evening.
const SESSION_HOURS: i64 = 14;

/// The person behind a page: a valid session of an existing, enabled user.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub actor: Actor,
    pub name: String,
    pub email: String,
    pub lang: Lang,
    /// The token each form of this session carries.
    pub csrf: String,
    digest: String,
}

impl Viewer {
    pub fn require_staff(&self) -> Result<(), AppError> {
        if self.actor.role.is_staff() {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "this page is for the cooperative's staff",
            ))
        }
    }

    /// Staff who log work: every role of staff.
    pub fn logs_work(&self) -> bool {
        self.actor.role.logs_work()
    }

    /// The form's token must be this session's: a form of another session, or of none,
    /// changes nothing.
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), AppError> {
        let sent = sent.unwrap_or("").as_bytes();
        let expected = self.csrf.as_bytes();
        let same = sent.len() == expected.len()
            && sent
                .iter()
                .zip(expected)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Ok(())
        } else {
            Err(AppError::Forbidden(STALE_FORM.into()))
        }
    }

    pub fn is_role(&self, role: Role) -> bool {
        self.actor.role == role
    }
}

/// The message of a form sent without its session's token.
pub const STALE_FORM: &str = "this form does not belong to your session: reload the page";

fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest_of(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Begins a session for the user: the cookie to set.
pub async fn begin(
    state: &AppState,
    user_id: i64,
    token_epoch: i64,
    secure: bool,
) -> Result<Cookie<'static>, AppError> {
    let secret = random_hex();
    let at = now();
    let session = NewSession {
        secret_digest: digest_of(&secret),
        user_id,
        csrf_token: random_hex(),
        token_epoch,
        created_at: at,
        expires_at: at + Duration::hours(SESSION_HOURS),
    };
    state
        .run(move |conn| {
            db::sessions::end_expired(conn, at)?;
            Ok(db::sessions::create(conn, &session)?)
        })
        .await?;
    Ok(Cookie::build(SESSION_COOKIE, secret)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::hours(SESSION_HOURS))
        .finish())
}

/// Ends the session at once, for every tab and every instance.
pub async fn end(state: &AppState, viewer: &Viewer) -> Result<(), AppError> {
    let digest = viewer.digest.clone();
    state
        .run(move |conn| Ok(db::sessions::end(conn, &digest)?))
        .await
        .map(|_| ())
}

/// A cookie that removes the session's from the browser.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    cookie.make_removal();
    cookie
}

/// Whether cookies must be `Secure`: always, but for a page served over plain HTTP on a
/// loopback address (a workstation trying the service).
pub fn needs_secure_cookie(req: &HttpRequest) -> bool {
    let plain = req.connection_info().scheme() == "http";
    let loopback = req.app_config().local_addr().ip().is_loopback();
    !(plain && loopback)
}

fn not_logged_in() -> AppError {
    AppError::Unauthorized("log in to open this page".into())
}

impl FromRequest for Viewer {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let secret = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
        let fallback_lang = Lang::of(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let secret = secret.filter(|s| !s.is_empty()).ok_or_else(not_logged_in)?;
            let digest = digest_of(&secret);
            let lookup = digest.clone();
            let row = state
                .run_point_read(move |conn| Ok(db::sessions::find(conn, &lookup)?))
                .await?
                .filter(|row| {
                    row.expires_at > now() && !row.disabled && row.session_epoch == row.user_epoch
                })
                .ok_or_else(not_logged_in)?;
            Ok(Viewer {
                actor: Actor {
                    id: row.user_id,
                    role: row.role,
                    member_id: row.member_id,
                },
                name: row.name,
                email: row.email,
                lang: row
                    .language
                    .as_deref()
                    .and_then(Lang::parse)
                    .unwrap_or(fallback_lang),
                csrf: row.csrf_token,
                digest,
            })
        })
    }
}
