//! Logging in and out, the start page, and the language switch.

use actix_web::cookie::Cookie;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

use crate::api::audit::client_ip;
use crate::api::State;
use crate::db;
use crate::domain::user::Role;
use crate::error::AppError;
use crate::web::forms::Form;
use crate::web::i18n::{Lang, LANG_COOKIE};
use crate::web::layout::{Page, Section};
use crate::web::session::{self, needs_secure_cookie, Viewer};
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(start))
        .route("/login", web::get().to(login_page))
        .route("/login", web::post().to(log_in))
        .route("/logout", web::post().to(log_out))
        .route("/preferences/language", web::post().to(set_language));
}

/// The start page of each role; the log-in page for a visitor.
async fn start(viewer: Option<Viewer>) -> Answer {
    Ok(see_other(match viewer {
        None => "/login",
        Some(v) if v.is_role(Role::Agent) => "/portal",
        Some(_) => "/console",
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// Where to go after logging in: a path of this site only.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_string)
}

async fn login_page(req: HttpRequest, query: web::Query<LoginQuery>) -> Answer {
    let lang = Lang::of(&req);
    Ok(login_form(lang, "", safe_next(query.next.as_deref()), None).ok())
}

fn login_form(
    lang: Lang,
    email: &str,
    next: Option<String>,
    error: Option<String>,
) -> Page<'static> {
    let body = html! {
        section.login {
            h1 { (lang.t("Connexion", "Log in")) }
            form method="post" action="/login" {
                @if let Some(next) = &next { input type="hidden" name="next" value=(next); }
                @if let Some(error) = &error {
                    p.form-error role="alert" id="login-error" { (error) }
                }
                div.field {
                    label for="email" { (lang.t("Adresse e-mail", "E-mail address")) }
                    input #email type="email" name="email" value=(email) autocomplete="username" required autofocus
                        aria-describedby=[error.as_ref().map(|_| "login-error")];
                }
                div.field {
                    label for="password" { (lang.t("Mot de passe", "Password")) }
                    input #password type="password" name="password" autocomplete="current-password" required;
                }
                button.primary type="submit" { (lang.t("Se connecter", "Log in")) }
            }
        }
    };
    Page {
        title: lang.t("Connexion", "Log in").to_string(),
        viewer: None,
        lang,
        section: Section::None,
        body,
    }
}

async fn log_in(state: State, req: HttpRequest, form: Form<LoginForm>) -> Answer {
    let lang = Lang::of(&req);
    let LoginForm {
        email,
        password,
        next,
    } = form.into_inner();
    let email = email.unwrap_or_default();
    let next = safe_next(next.as_deref());
    let outcome = crate::auth::login::log_in(
        &state,
        &email,
        password.unwrap_or_default(),
        client_ip(&req),
    )
    .await;
    let user = match outcome {
        Ok(user) => user,
        Err(AppError::Unauthorized(_)) => {
            let message = lang.t(
                "E-mail ou mot de passe incorrect.",
                "Wrong e-mail or password.",
            );
            return Ok(login_form(lang, &email, next, Some(message.into()))
                .respond(StatusCode::UNAUTHORIZED));
        }
        Err(AppError::TooManyRequests {
            retry_after_seconds,
        }) => {
            let message = match lang {
                Lang::Fr => {
                    format!("Trop de tentatives : réessayez dans {retry_after_seconds} secondes.")
                }
                Lang::En => {
                    format!("Too many attempts: try again in {retry_after_seconds} seconds.")
                }
            };
            let mut page = login_form(lang, &email, next, Some(message))
                .respond(StatusCode::TOO_MANY_REQUESTS);
            page.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(retry_after_seconds),
            );
            return Ok(page);
        }
        Err(other) => return Err(other),
    };
    let secure = needs_secure_cookie(&req);
    let cookie = session::begin(&state, user.id, user.token_epoch, secure).await?;
    let user_id = user.id;
    let preference = state
        .run(move |conn| Ok(db::sessions::find_language(conn, user_id)?))
        .await?;
    let target = next.unwrap_or_else(|| {
        if user.role == Role::Agent {
            "/portal".into()
        } else {
            "/console".into()
        }
    });
    let mut answer = HttpResponse::SeeOther();
    answer
        .insert_header((header::LOCATION, target))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie);
    if let Some(language) = preference.as_deref().and_then(Lang::parse) {
        answer.cookie(lang_cookie(language, secure));
    }
    Ok(answer.finish())
}

fn lang_cookie(lang: Lang, secure: bool) -> Cookie<'static> {
    Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}

#[derive(Debug, Default, Deserialize)]
pub struct CsrfOnly {
    csrf: Option<String>,
}

async fn log_out(state: State, req: HttpRequest, viewer: Viewer, form: Form<CsrfOnly>) -> Answer {
    viewer.check_csrf(form.csrf.as_deref())?;
    session::end(&state, &viewer).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/login"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(session::removal(needs_secure_cookie(&req)))
        .finish())
}

#[derive(Debug, Default, Deserialize)]
pub struct LanguageForm {
    csrf: Option<String>,
    language: Option<String>,
}

/// Keeps the language with the account, and goes back to the page it was chosen on.
async fn set_language(
    state: State,
    req: HttpRequest,
    viewer: Viewer,
    form: Form<LanguageForm>,
) -> Answer {
    viewer.check_csrf(form.csrf.as_deref())?;
    let lang = form
        .language
        .as_deref()
        .and_then(Lang::parse)
        .ok_or_else(|| AppError::validation("language", "must be fr or en"))?;
    let user_id = viewer.actor.id;
    state
        .run(move |conn| Ok(db::sessions::set_language(conn, user_id, lang.code())?))
        .await?;
    // Back to the page the switch was on, when the browser said which (same site only).
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .and_then(|path| safe_next(Some(&path)))
        .unwrap_or_else(|| "/".into());
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, back))
        .cookie(lang_cookie(lang, needs_secure_cookie(&req)))
        .finish())
}
