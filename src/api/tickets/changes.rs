//! Changing a ticket (triage, status, If-Match) and assigning it.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::{not_null, nullable, path_id};
use crate::auth::AuthUser;
use crate::desk;
use crate::desk::tickets::Assignee;
use crate::desk::tickets::TicketChanges;
use crate::domain::ticket::{
    parse_description, parse_priority, parse_title, Origin, Status, TicketType,
};
use crate::domain::Checks;
use crate::error::AppError;
use crate::state::AppState;

use super::queries::*;
use super::views::*;
use crate::api::{json::Json, problems, Answer, Segment, State};

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTicket {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub title: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = String)]
    pub description: Option<Option<String>>,
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    #[schema(value_type = TicketType)]
    pub ticket_type: Option<Option<String>>,
    /// null removes the category.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub category_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64, minimum = 1, maximum = 4)]
    pub priority: Option<Option<i64>>,
    /// A move the status table allows; `assigned` only together with `assignee_id`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Status)]
    pub status: Option<Option<String>>,
    /// Setting it on a `new` ticket assigns it; null unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub assignee_id: Option<Option<i64>>,
    /// Corrects the member (statistics follow).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64)]
    pub member_id: Option<Option<i64>>,
    /// Corrects the origin (statistics follow).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Origin)]
    pub origin: Option<Option<String>>,
}

/// `If-Match: "3"` (or `3`, `W/"3"`); `*` or no header matches any version.
pub(in crate::api) fn expected_version(req: &HttpRequest) -> Result<Option<i32>, AppError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(None);
    };
    let raw = value.to_str().unwrap_or("").trim();
    if raw == "*" {
        return Ok(None);
    }
    let bare = raw.trim_start_matches("W/").trim_matches('"');
    bare.parse::<i32>()
        .map(Some)
        .map_err(|_| AppError::Malformed("If-Match must be the ticket's ETag, e.g. \"3\"".into()))
}

/// Staff-only ticket actions: an agent gets 404 for a ticket they cannot see, 403 otherwise.
pub(in crate::api) async fn require_staff_on_ticket(
    state: &AppState,
    user: &AuthUser,
    id: i64,
) -> Result<(), AppError> {
    if !user.role().is_staff() {
        visible_ticket(state, user.actor, id).await?;
        return Err(AppError::forbidden("this needs a member of staff"));
    }
    Ok(())
}

/// Change a ticket: qualify it, move its status, assign it.
///
/// Errors: 400: malformed JSON or If-Match; 403: agents may not change tickets; 404: no such
/// ticket; 412: the ticket changed since that version; 422: invalid field, or a status change the
/// table refuses (code invalid_transition).
#[utoipa::path(
    patch, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(
        ("id" = i64, Path, description = "Ticket id"),
        ("If-Match" = Option<String>, Header, nullable = false, pattern = r#"^(\*|(W/)?"?[0-9]{1,9}"?)$"#, description = "The ETag read before (`\"3\"`), or `*`; a stale one gives 412"),
    ),
    request_body = UpdateTicket,
    responses(
        (status = 200, description = "The changed ticket", body = TicketView, headers(("ETag" = String))),
        problems::BadRequest, problems::Forbidden, problems::NotFound, problems::PreconditionFailed, problems::Invalid,
    )
)]
pub async fn update_ticket(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    id: Segment,
    body: Json<UpdateTicket>,
) -> Answer {
    let id = path_id(&id, "ticket")?;
    require_staff_on_ticket(&state, &user, id).await?;
    let expected = expected_version(&req)?;
    let body = body.into_inner();
    let mut checks = Checks::new();
    let field = |checks: &mut Checks, name: &str, value: Option<Option<String>>| {
        checks.take(not_null(name, value)).flatten()
    };
    let title = field(&mut checks, "title", body.title).and_then(|t| checks.take(parse_title(&t)));
    let description = field(&mut checks, "description", body.description)
        .and_then(|d| checks.take(parse_description(&d)));
    let ticket_type = field(&mut checks, "type", body.ticket_type)
        .and_then(|t| checks.take(TicketType::parse(&t)));
    let status =
        field(&mut checks, "status", body.status).and_then(|s| checks.take(Status::parse(&s)));
    let origin =
        field(&mut checks, "origin", body.origin).and_then(|o| checks.take(Origin::parse(&o)));
    let priority = checks
        .take(not_null("priority", body.priority))
        .flatten()
        .and_then(|p| checks.take(parse_priority(p)));
    let member_id = checks.take(not_null("member_id", body.member_id)).flatten();
    checks.finish()?;
    let changes = TicketChanges {
        title,
        description,
        ticket_type,
        category_id: body.category_id,
        priority,
        status,
        assignee_id: body.assignee_id,
        member_id,
        origin,
    };
    let actor = user.actor;
    let app = state.clone();
    let ticket = state
        .run(move |conn| {
            crate::desk::tickets::change(conn, id, &changes, expected, &actor, &app.policy)
        })
        .await?;
    Ok(ticket_response(
        HttpResponse::Ok(),
        ticket,
        &state.policy.clock,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssignRequest {
    /// The member of staff who takes the ticket.
    pub technician_id: Option<i64>,
    /// `true` picks the technician posted today at the ticket's member, else the technician
    /// with the fewest open tickets (ties to the smaller id).
    pub auto: Option<bool>,
}

/// Assign a ticket to a technician, or automatically.
///
/// Errors: 403: agents may not assign; 404: no such ticket; 422: neither or both of technician_id
/// and auto, unknown or inactive technician, no technician at all (code no_technician), or a
/// resolved/closed ticket (code invalid_transition).
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/assign", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    request_body = AssignRequest,
    responses(
        (status = 200, description = "The assigned ticket", body = TicketView, headers(("ETag" = String))),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn assign_ticket(
    state: State,
    user: AuthUser,
    id: Segment,
    body: Json<AssignRequest>,
) -> Answer {
    let id = path_id(&id, "ticket")?;
    require_staff_on_ticket(&state, &user, id).await?;
    let auto = body.auto.unwrap_or(false);
    let assignee = match (body.technician_id, auto) {
        (Some(id), false) => Assignee::Technician(id),
        (None, true) => Assignee::Chosen,
        _ => {
            return Err(AppError::validation(
                "technician_id",
                "give either technician_id or \"auto\": true",
            ))
        }
    };
    let actor = user.actor;
    let app = state.clone();
    let ticket = state
        .run(move |conn| {
            let today = crate::domain::time::today(app.policy.zone);
            desk::tickets::assign(conn, id, assignee, &actor, &app.policy, today)
        })
        .await?;
    Ok(ticket_response(
        HttpResponse::Ok(),
        ticket,
        &state.policy.clock,
    ))
}
