//! Error pages: what the console shows instead of problem+json, in the reader's language.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::html;

use crate::error::AppError;
use crate::web::i18n::Lang;
use crate::web::layout::{Page, Section};

/// Whether the request is for the console (a page or a form), not for the API.
pub fn is_console_request(req: &ServiceRequest) -> bool {
    let path = req.path();
    if is_console_path(path) {
        return true;
    }
    let api = path.starts_with("/api/")
        || path == "/api"
        || path.starts_with("/docs")
        || path == "/openapi.json";
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    !api && wants_html
}

/// The paths the console answers.
pub fn is_console_path(path: &str) -> bool {
    path == "/"
        || [
            "/login",
            "/logout",
            "/console",
            "/portal",
            "/assets/",
            "/preferences/",
        ]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

/// Turns an error answer to a console request into a page (or, for a visitor without a
/// session, into the way to the log-in page).
pub fn page_for_error(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if status.as_u16() < 400 || is_html {
        return response;
    }
    let lang = Lang::of(response.request());
    let app_error = response
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(describe);
    let (req, old) = response.into_parts();
    if status == StatusCode::UNAUTHORIZED {
        let target = match req.method() {
            &actix_web::http::Method::GET => {
                format!("/login?next={}", encode(&path_and_query(&req)))
            }
            _ => "/login".to_string(),
        };
        let answer = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, target))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish();
        return ServiceResponse::new(req, answer);
    }
    let mut page = error_page(lang, status, app_error.as_deref());
    for name in [header::RETRY_AFTER, header::ALLOW] {
        if let Some(value) = old.headers().get(&name) {
            page.headers_mut().insert(name, value.clone());
        }
    }
    ServiceResponse::new(req, page)
}

fn describe(error: &AppError) -> String {
    match error {
        AppError::Forbidden(why) | AppError::InvalidTransition(why) => why.clone(),
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Malformed(why) => why.clone(),
        _ => String::new(),
    }
}

fn path_and_query(req: &actix_web::HttpRequest) -> String {
    match req.uri().query() {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path().to_string(),
    }
}

/// Percent-encodes a path for a query string.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_./".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The page of an error status, with what can be said of its cause.
pub fn error_page(lang: Lang, status: StatusCode, detail: Option<&str>) -> HttpResponse {
    let (title, text) = match status.as_u16() {
        403 => (
            lang.t("Accès refusé", "Access denied"),
            lang.t(
                "Cette page ou cette action ne vous est pas ouverte.",
                "This page or action is not open to you.",
            ),
        ),
        404 => (
            lang.t("Page introuvable", "Page not found"),
            lang.t(
                "Rien ici : le lien est peut-être ancien, ou ce dossier n'est pas visible pour vous.",
                "Nothing here: the link may be old, or this record is not visible to you.",
            ),
        ),
        405 => (
            lang.t("Action impossible", "Not allowed"),
            lang.t("Cette adresse ne prend pas cette action.", "This address does not take this action."),
        ),
        413 => (
            lang.t("Envoi trop long", "Too large"),
            lang.t("Le texte envoyé dépasse la taille permise.", "What was sent is larger than allowed."),
        ),
        429 => (
            lang.t("Trop de tentatives", "Too many attempts"),
            lang.t(
                "Trop de tentatives en peu de temps : patientez un peu avant de réessayer.",
                "Too many attempts in a short time: wait a little before trying again.",
            ),
        ),
        503 => (
            lang.t("Service momentanément indisponible", "Service unavailable"),
            lang.t(
                "La base de données ne répond pas. Rien n'a été enregistré ; réessayez dans un instant.",
                "The database is not answering. Nothing was saved; try again in a moment.",
            ),
        ),
        s if s >= 500 => (
            lang.t("Erreur du service", "Service error"),
            lang.t(
                "Une erreur est survenue ; elle est consignée. Rien n'a été enregistré.",
                "Something went wrong; it has been logged. Nothing was saved.",
            ),
        ),
        _ => (
            lang.t("Demande refusée", "Request refused"),
            lang.t("La demande n'a pas pu être traitée.", "The request could not be handled."),
        ),
    };
    let detail = detail
        .filter(|d| !d.is_empty() && status.as_u16() < 500)
        .map(|d| {
            if d == crate::web::session::STALE_FORM {
                lang.t(
                    "Ce formulaire n'appartient pas à votre session : rechargez la page. Rien n'a été modifié.",
                    "This form does not belong to your session: reload the page. Nothing was changed.",
                )
                .to_string()
            } else {
                lang.message(d)
            }
        });
    let body = html! {
        section.error-page {
            h1 { (title) }
            p { (text) }
            @if let Some(detail) = detail { p.detail { (detail) } }
            p { a href="/" { (lang.t("Retour à l'accueil", "Back to the start page")) } }
        }
    };
    Page {
        title: title.to_string(),
        viewer: None,
        lang,
        section: Section::None,
        body,
    }
    .respond(status)
}
