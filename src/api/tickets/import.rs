//! Importing past tickets (admin).

use actix_web::HttpResponse;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::db;
use crate::desk::tickets::ImportedTicket;
use crate::domain::ticket::{Channel, Origin, Status, TicketType};
use crate::domain::time::parse_rfc3339;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;

use super::filing::*;
use crate::api::{json::Json, problems, Answer, State};

#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportTicket {
    pub title: String,
    pub description: String,
    /// The member must have been a member on the day of `created_at`.
    pub member_id: i64,
    #[serde(rename = "type")]
    #[schema(value_type = Option<TicketType>)]
    pub ticket_type: Option<String>,
    pub category_id: Option<i64>,
    pub priority: Option<i64>,
    #[schema(value_type = Option<Origin>)]
    pub origin: Option<String>,
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// Default: `closed` if `closed_at` is given, else `resolved` if `resolved_at` is, else
    /// `assigned` if `assignee_id` is, else `new`.
    #[schema(value_type = Option<Status>)]
    pub status: Option<String>,
    pub assignee_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub created: usize,
    /// The new tickets' ids, in the order of the request.
    pub ids: Vec<i64>,
}

pub const MAX_IMPORT: usize = 10_000;

pub fn parse_import(
    index: usize,
    row: &ImportTicket,
    checks: &mut Checks,
) -> Option<ImportedTicket> {
    let mut local = Checks::new();
    let parsed = parse_ticket_fields(
        &mut local,
        &row.title,
        &row.description,
        row.ticket_type.as_deref(),
        row.priority,
        row.origin.as_deref(),
        row.channel.as_deref(),
        [
            row.requester_name.as_deref(),
            row.requester_email.as_deref(),
            row.requester_phone.as_deref(),
        ],
    );
    let stamp = |local: &mut Checks, field: &str, raw: Option<&str>| -> Option<NaiveDateTime> {
        raw.and_then(|raw| {
            local.take(
                parse_rfc3339(raw)
                    .ok_or_else(|| FieldError::new(field, "must be an RFC 3339 timestamp"))
                    .and_then(|at| crate::domain::time::check_instant(field, at)),
            )
        })
    };
    let created_at = stamp(&mut local, "created_at", Some(&row.created_at));
    let acknowledged_at = stamp(
        &mut local,
        "acknowledged_at",
        row.acknowledged_at.as_deref(),
    );
    let resolved_at = stamp(&mut local, "resolved_at", row.resolved_at.as_deref());
    let closed_at = stamp(&mut local, "closed_at", row.closed_at.as_deref());
    if let Some(created_at) = created_at {
        for (field, value) in [
            ("acknowledged_at", acknowledged_at),
            ("resolved_at", resolved_at),
            ("closed_at", closed_at),
        ] {
            if value.is_some_and(|v| v < created_at) {
                local.push(FieldError::new(field, "must not be before created_at"));
            }
        }
    }
    let status = match row.status.as_deref() {
        Some(raw) => local.take(Status::parse(raw)),
        None => Some(if closed_at.is_some() {
            Status::Closed
        } else if resolved_at.is_some() {
            Status::Resolved
        } else if row.assignee_id.is_some() {
            Status::Assigned
        } else {
            Status::New
        }),
    };
    if status == Some(Status::Closed) && row.closed_at.is_none() {
        local.push(FieldError::new(
            "closed_at",
            "is required for a closed ticket",
        ));
    }
    if status == Some(Status::Assigned) && row.assignee_id.is_none() {
        local.push(FieldError::new(
            "assignee_id",
            "is required for an assigned ticket",
        ));
    }
    if let Err(errors) = local.finish() {
        for error in errors {
            checks.push(FieldError::new(
                format!("[{index}].{}", error.field),
                error.message,
            ));
        }
        return None;
    }
    let status = status.unwrap_or(Status::New);
    let created_at = created_at.unwrap_or_default();
    Some(ImportedTicket {
        draft: parsed.into_draft(row.member_id, None, row.category_id),
        status,
        assignee_id: row.assignee_id,
        created_at,
        acknowledged_at,
        resolved_at,
        closed_at,
        // When its wait began is not said: its clock stands still from its creation, so that a
        // ticket imported as waiting is not counted late.
        waiting_since: (status == Status::Waiting).then_some(created_at),
        external: None,
    })
}

/// Import past tickets (admin), all or nothing.
///
/// Errors: 403: not an admin; 413: body too large; 422: more than 10,000 tickets, or an invalid one
/// (nothing imported); field names are prefixed with the index, e.g. [3].member_id.
#[utoipa::path(
    post, path = "/api/v1/tickets/import", tag = "tickets",
    request_body = Vec<ImportTicket>,
    responses(
        (status = 201, description = "All imported", body = ImportResult),
        problems::Forbidden, problems::PayloadTooLarge, problems::Invalid,
    )
)]
pub async fn import_tickets(state: State, user: AuthUser, body: Json<Vec<ImportTicket>>) -> Answer {
    user.require_admin()?;
    let rows = body.into_inner();
    if rows.len() > MAX_IMPORT {
        return Err(AppError::validation(
            "body",
            format!(
                "at most {MAX_IMPORT} tickets per import, got {}",
                rows.len()
            ),
        ));
    }
    let mut checks = Checks::new();
    let batch: Vec<ImportedTicket> = rows
        .iter()
        .enumerate()
        .filter_map(|(index, row)| parse_import(index, row, &mut checks))
        .collect();
    checks.finish()?;
    let actor = user.actor;
    let app = state.clone();
    let ids = state
        .run_unbounded(move |conn| crate::desk::tickets::import(conn, &batch, &actor, &app.policy))
        .await?;
    if state.is_postgres() {
        db::vacuum_after_import(&state.pool);
    }
    state.metrics.tickets_imported(ids.len() as u64);
    Ok(HttpResponse::Created().json(ImportResult {
        created: ids.len(),
        ids,
    }))
}
