//! A ticket's comments and its history.

use std::collections::HashMap;

use actix_web::web::Query;
use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::{created, paginate, path_id, Page, PageQuery};
use crate::auth::AuthUser;
use crate::db;
use crate::db::comments::Comment;
use crate::db::tickets::TicketEvent;
use crate::desk;
use crate::domain::ticket::parse_comment_body;
use crate::domain::time::to_rfc3339;
use crate::error::AppError;

use super::changes::*;
use super::queries::*;
use crate::api::{json::Json, problems, Answer, Segment, State};

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    pub id: i64,
    pub ticket_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub internal: bool,
    pub created_at: String,
}

pub(in crate::api) fn comment_view(comment: Comment, names: &HashMap<i64, String>) -> CommentView {
    CommentView {
        id: comment.id,
        ticket_id: comment.ticket_id,
        author_name: comment.author_id.and_then(|id| names.get(&id).cloned()),
        author_id: comment.author_id,
        body: comment.body,
        internal: comment.internal,
        created_at: to_rfc3339(comment.created_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddComment {
    pub body: String,
    /// Internal notes are for staff only; default false.
    pub internal: Option<bool>,
}

/// Comment on a ticket (agents: public comments on their member's tickets).
///
/// Errors: 403: an agent writing an internal comment; 404: no such ticket, or not visible to the
/// caller; 422: blank or too long body.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AddComment,
    responses(
        (status = 201, description = "Added", body = CommentView),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn add_comment(
    state: State,
    user: AuthUser,
    id: Segment,
    body: Json<AddComment>,
) -> Answer {
    let id = path_id(&id, "ticket")?;
    let internal = body.internal.unwrap_or(false);
    if internal && !user.role().is_staff() {
        visible_ticket(&state, user.actor, id).await?;
        return Err(AppError::forbidden("internal comments are for staff"));
    }
    let text = parse_comment_body(&body.body)?;
    let actor = user.actor;
    let app = state.clone();
    let (comment, names) = state
        .run(move |conn| {
            let comment =
                crate::desk::comments::add(conn, id, &text, internal, &actor, &app.policy)?;
            let names = db::users::names(conn, &[actor.id])?;
            Ok((comment, names))
        })
        .await?;
    let names = names.into_iter().collect();
    Ok(created(
        format!("/api/v1/tickets/{id}/comments/{}", comment.id),
        &comment_view(comment, &names),
    ))
}

/// A ticket's comments, newest first (agents: public ones only).
///
/// Errors: 404: no such ticket, or not visible to the caller.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/comments", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<CommentView>),
        problems::NotFound,
    )
)]
pub async fn list_comments(
    state: State,
    user: AuthUser,
    id: Segment,
    page: Query<PageQuery>,
) -> Answer {
    let id = path_id(&id, "ticket")?;
    let (limit, before) = page.id_page()?;
    let actor = user.actor;
    let (rows, names) = state
        .run(move |conn| desk::tickets::comments_of(conn, id, &actor, before, limit + 1))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |c| c.id.to_string(),
        |c| comment_view(c, &names),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// Who made the change.
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    /// The field that changed, or `created`, `imported`, `comment`.
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub(in crate::api) fn history_entry(
    event: TicketEvent,
    names: &HashMap<i64, String>,
) -> HistoryEntry {
    HistoryEntry {
        id: event.id,
        at: to_rfc3339(event.at),
        actor_name: event.actor_id.and_then(|id| names.get(&id).cloned()),
        actor_id: event.actor_id,
        field: event.field,
        from: event.from_value,
        to: event.to_value,
    }
}

/// Every change of a ticket, newest first: who, when, what, from and to.
///
/// Errors: 403: agents may not read history; 404: no such ticket.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}/history", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id"), PageQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<HistoryEntry>),
        problems::Forbidden, problems::NotFound,
    )
)]
pub async fn ticket_history(
    state: State,
    user: AuthUser,
    id: Segment,
    page: Query<PageQuery>,
) -> Answer {
    let id = path_id(&id, "ticket")?;
    require_staff_on_ticket(&state, &user, id).await?;
    let (limit, before) = page.id_page()?;
    let actor = user.actor;
    let (rows, names) = state
        .run(move |conn| desk::tickets::history_of(conn, id, &actor, before, limit + 1))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |e| e.id.to_string(),
        |e| history_entry(e, &names),
    )))
}
