//! The outbox as admins see it: what mail is queued, sent and failing.

use actix_web::web::Query;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{paginate, Page, PageQuery};
use crate::api::{problems, Answer, State};
use crate::auth::AuthUser;
use crate::db;
use crate::db::outbox::{OutboxRow, FAILED, FAILING, QUEUED, SENT};
use crate::domain::time::{now, to_rfc3339};
use crate::domain::{Checks, FieldError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/outbox").route(web::get().to(list_outbox)));
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMessage {
    pub id: i64,
    /// ticket_filed, ticket_answered, ticket_resolved, ticket_assigned or ticket_overdue.
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    /// queued (not tried yet), failing (will be tried again), failed (refused for good) or sent.
    pub status: String,
    /// Attempts at delivering it so far, counted as each begins: one in progress, and one whose
    /// sender stopped before it ended, are counted.
    pub attempts: i32,
    pub next_attempt_at: Option<String>,
    /// The error of the last attempt that failed, until one succeeds.
    pub last_error: Option<String>,
    /// When the last attempt began.
    pub last_attempt_at: Option<String>,
    /// Whether a sender is delivering it now (it holds the message's lease).
    pub sending: bool,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(row: OutboxRow) -> Self {
        let pending = row.status == QUEUED || row.status == FAILING;
        let sending = pending && row.locked_until.is_some_and(|until| until >= now());
        OutboxMessage {
            id: row.id,
            kind: row.kind,
            ticket_id: row.ticket_id,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status,
            attempts: row.attempts,
            next_attempt_at: pending.then(|| to_rfc3339(row.next_attempt_at)),
            last_error: row.last_error,
            last_attempt_at: row.last_attempt_at.map(to_rfc3339),
            sending,
            created_at: to_rfc3339(row.created_at),
            sent_at: row.sent_at.map(to_rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only messages of this status: queued, failing, failed or sent.
    pub status: Option<String>,
}

/// Mail queued, sent and failing, newest first (admin).
///
/// Errors: 403: not an admin; 422: unknown status.
#[utoipa::path(
    get, path = "/api/v1/outbox", tag = "operations",
    params(PageQuery, OutboxQuery),
    responses(
        (status = 200, description = "Newest first", body = Page<OutboxMessage>),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn list_outbox(
    state: State,
    user: AuthUser,
    page: Query<PageQuery>,
    query: Query<OutboxQuery>,
) -> Answer {
    user.require_admin()?;
    let mut checks = Checks::new();
    let (limit, before) = page.by_id(&mut checks);
    let status = checks
        .take_opt(query.status.as_deref(), |s| {
            [QUEUED, FAILING, FAILED, SENT]
                .into_iter()
                .find(|known| *known == s)
                .ok_or_else(|| FieldError::new("status", "must be queued, failing, failed or sent"))
        })
        .flatten();
    checks.finish()?;
    let rows = state
        .run(move |conn| Ok(db::outbox::list(conn, status, before, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |m| m.id.to_string(),
        OutboxMessage::from,
    )))
}
