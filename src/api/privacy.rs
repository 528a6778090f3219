//! Personal data (RGPD), for admins: export everything held about a user, anonymize a user,
//! anonymize the free-text requester of a ticket.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::audit::{source, AuditEntryView};
use crate::api::path_id;
use crate::api::tickets::{comment_view, CommentView, TicketView};
use crate::api::users::UserView;
use crate::api::work_logs::WorkLogView;
use crate::api::{problems, Answer, Segment, State};
use crate::auth::{password, AuthUser};
use crate::db;
use crate::db::privacy::PersonalData;
use crate::domain::time::{now, to_rfc3339};
use crate::error::AppError;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/users/{id}/export").route(web::get().to(export_user)))
        .service(web::resource("/users/{id}/anonymize").route(web::post().to(anonymize_user)))
        .service(
            web::resource("/tickets/{id}/anonymize-requester")
                .route(web::post().to(anonymize_requester)),
        );
}

/// A change the user made to a ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedChange {
    pub id: i64,
    pub ticket_id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A message sent, or to be sent, to the user's address.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedMail {
    pub id: i64,
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Everything the service holds about a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataView {
    /// RFC 3339, UTC.
    pub exported_at: String,
    pub user: UserView,
    /// Tickets they filed, or whose requester e-mail is theirs.
    pub tickets_requested: Vec<TicketView>,
    /// Ids of the tickets assigned to them.
    pub tickets_assigned: Vec<i64>,
    /// Comments they wrote, internal ones included.
    pub comments: Vec<CommentView>,
    /// Their work logs.
    pub work_logs: Vec<WorkLogView>,
    /// Changes they made to tickets.
    pub history: Vec<ExportedChange>,
    pub mail: Vec<ExportedMail>,
    /// Audit entries where they acted or were acted upon, this export included.
    pub audit: Vec<AuditEntryView>,
}

impl PersonalDataView {
    fn new(data: PersonalData, state: &AppState) -> Self {
        let at = now();
        let workday = state.settings.service.workday_minutes;
        let names = HashMap::from([(data.user.id, data.user.name.clone())]);
        PersonalDataView {
            exported_at: to_rfc3339(at),
            tickets_requested: data
                .tickets_requested
                .into_iter()
                .map(|t| TicketView::new(t, &state.policy.clock, at))
                .collect(),
            tickets_assigned: data.tickets_assigned,
            comments: data
                .comments
                .into_iter()
                .map(|c| comment_view(c, &names))
                .collect(),
            work_logs: data
                .work_logs
                .into_iter()
                .map(|log| crate::api::work_logs::view(log, workday))
                .collect(),
            history: data
                .history
                .into_iter()
                .map(|e| ExportedChange {
                    id: e.id,
                    ticket_id: e.ticket_id,
                    at: to_rfc3339(e.at),
                    field: e.field,
                    from: e.from_value,
                    to: e.to_value,
                })
                .collect(),
            mail: data
                .mail
                .into_iter()
                .map(|m| ExportedMail {
                    id: m.id,
                    kind: m.kind,
                    ticket_id: m.ticket_id,
                    recipient: m.recipient,
                    subject: m.subject,
                    body_text: m.body_text,
                    status: m.status,
                    created_at: to_rfc3339(m.created_at),
                    sent_at: m.sent_at.map(to_rfc3339),
                })
                .collect(),
            audit: data.audit.into_iter().map(AuditEntryView::from).collect(),
            user: UserView::from(data.user),
        }
    }
}

/// What an anonymization changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnonymizedView {
    /// The user as they are now: placeholder name and address, disabled.
    pub user: UserView,
    /// Tickets whose requester name, e-mail and phone were removed.
    pub tickets_cleared: usize,
    /// Comments kept but no longer signed.
    pub comments_unsigned: usize,
    /// Messages to their address, now addressed to no one (unsent ones are not sent).
    pub messages_readdressed: usize,
}

/// Everything held about a user, as JSON (admin only). The export is written to the audit log.
///
/// Errors: 401: missing or invalid token; 403: not an admin; 404: no such user.
#[utoipa::path(
    get, path = "/api/v1/users/{id}/export", tag = "privacy",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Everything held about the user", body = PersonalDataView),
        problems::Unauthorized, problems::Forbidden, problems::NotFound,
    )
)]
pub async fn export_user(state: State, user: AuthUser, req: HttpRequest, id: Segment) -> Answer {
    user.require_admin()?;
    let id = path_id(&id, "user")?;
    let source = source(&user, &req);
    let data = state
        .run(move |conn| Ok(db::privacy::export(conn, id, &source)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {id}")))?;
    Ok(HttpResponse::Ok().json(PersonalDataView::new(data, &state)))
}

/// Anonymize a user (admin only): name and e-mail replaced by placeholders, password made
/// unusable, account disabled; the requester name, e-mail and phone of the tickets they
/// requested removed; their comments kept but unsigned. Tickets and work logs keep their
/// member, dates and counts, so statistics do not change. Cannot be undone.
///
/// Errors: 401: missing or invalid token; 403: not an admin; 404: no such user; 422: the caller's
/// own account.
#[utoipa::path(
    post, path = "/api/v1/users/{id}/anonymize", tag = "privacy",
    params(("id" = i64, Path, description = "User id")),
    responses(
        (status = 200, description = "Anonymized (again, if it already was)", body = AnonymizedView),
        problems::Unauthorized, problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn anonymize_user(state: State, user: AuthUser, req: HttpRequest, id: Segment) -> Answer {
    user.require_admin()?;
    let id = path_id(&id, "user")?;
    if id == user.actor.id {
        return Err(AppError::validation("id", "you cannot anonymize yourself"));
    }
    let source = source(&user, &req);
    let cache = state.user_cache.clone();
    let done = state
        .run(move |conn| {
            let unusable = password::hash(&password::random_secret(32));
            let done = db::privacy::anonymize_user(conn, id, &unusable, &source);
            // The account is disabled: its next request in this process is refused.
            cache.forget(id);
            Ok(done?)
        })
        .await?
        .ok_or_else(|| AppError::not_found(format!("user {id}")))?;
    Ok(HttpResponse::Ok().json(AnonymizedView {
        user: UserView::from(done.user),
        tickets_cleared: done.tickets,
        comments_unsigned: done.comments,
        messages_readdressed: done.messages,
    }))
}

/// Remove a ticket's free-text requester: name, e-mail and phone (admin only). The title,
/// description and everything else stay. Answers the ticket, with its new `ETag`.
///
/// Errors: 401: missing or invalid token; 403: not an admin; 404: no such ticket.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/anonymize-requester", tag = "privacy",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket without requester details", body = TicketView,
            headers(("ETag" = String, description = "The ticket's version"))),
        problems::Unauthorized, problems::Forbidden, problems::NotFound,
    )
)]
pub async fn anonymize_requester(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    id: Segment,
) -> Answer {
    user.require_admin()?;
    let id = path_id(&id, "ticket")?;
    let source = source(&user, &req);
    let ticket = state
        .run(move |conn| Ok(db::privacy::anonymize_requester(conn, id, &source)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("ticket {id}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, format!("\"{}\"", ticket.version)))
        .json(TicketView::new(ticket, &state.policy.clock, now())))
}
