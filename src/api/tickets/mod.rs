//! Tickets: filing, importing, listing, triage, comments and history.

use actix_web::web;

use crate::api::json_config;
use crate::config::Settings;

mod changes;
mod comments;
mod filing;
mod import;
pub mod queries;
mod views;

pub use changes::*;
pub use comments::*;
pub use filing::*;
pub use import::*;
pub use queries::*;
pub use views::*;

pub fn configure(cfg: &mut web::ServiceConfig, settings: &Settings) {
    cfg.service(
        web::resource("/tickets")
            .route(web::get().to(list_tickets))
            .route(web::post().to(file_ticket)),
    )
    // Before `/tickets/{id}`, which would otherwise take "import" for an id.
    .service(
        web::resource("/tickets/import")
            .app_data(json_config(settings.server.max_import_bytes))
            .route(web::post().to(import_tickets)),
    )
    .service(
        web::resource("/tickets/{id}")
            .route(web::get().to(get_ticket))
            .route(web::patch().to(update_ticket)),
    )
    .service(web::resource("/tickets/{id}/assign").route(web::post().to(assign_ticket)))
    .service(
        web::resource("/tickets/{id}/comments")
            .route(web::get().to(list_comments))
            .route(web::post().to(add_comment)),
    )
    .service(web::resource("/tickets/{id}/history").route(web::get().to(ticket_history)));
}
