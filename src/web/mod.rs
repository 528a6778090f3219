//! The console in the browser: pages built on the server from the use cases, plain forms that
//! post and redirect, sessions kept in the database (`../shared/UI.md`).

pub mod admin;
pub mod assets;
pub mod call;
pub mod errors;
pub mod format;
pub mod forms;
pub mod i18n;
pub mod layout;
pub mod login;
pub mod me;
pub mod portal;
pub mod queue;
pub mod session;
pub mod stats;
pub mod ticket;
pub mod work_logs;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::error::AppError;

/// What a page handler answers: a page or a redirection, or an error that becomes a page.
pub type Answer = Result<HttpResponse, AppError>;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(assets::configure)
        .configure(login::configure)
        .configure(queue::configure)
        .configure(call::configure)
        .configure(ticket::configure)
        .configure(work_logs::configure)
        .configure(me::configure)
        .configure(stats::configure)
        .configure(portal::configure)
        .configure(admin::configure);
}

/// After a form: to the page that shows its result.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}
