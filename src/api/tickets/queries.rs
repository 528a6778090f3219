//! Reading tickets: the list with its filters and cursor, and one ticket.

use actix_web::web::Query;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::{invalid_cursor, parse_date, parse_id, path_id, Page, PageQuery, PageWriter};
use crate::auth::AuthUser;
use crate::db;
use crate::db::tickets::{Ticket, TicketFilter};
use crate::domain::ticket::{parse_priority, Origin, Status};
use crate::domain::user::Actor;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::state::AppState;

use super::views::*;
use crate::api::{problems, Answer, Segment, State};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// One status, or several separated by commas.
    pub status: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub member_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub assignee_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub category_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 4)]
    pub priority: Option<String>,
    #[param(value_type = Option<Origin>)]
    pub origin: Option<String>,
    /// First day of creation, inclusive, in the service's time zone.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub created_from: Option<String>,
    /// Last day of creation, inclusive, in the service's time zone.
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub created_to: Option<String>,
    /// Words to find in the title or description, case-insensitive.
    pub q: Option<String>,
}

/// Rows of the first read of a ticket page longer than this.
pub(in crate::api) const FIRST_SLICE: i64 = 50;

pub(crate) fn ticket_cursor(ticket: &Ticket) -> String {
    format!("{}_{}", ticket.created_at.and_utc().timestamp(), ticket.id)
}

pub(crate) fn parse_ticket_cursor(raw: &str) -> Result<(NaiveDateTime, i64), FieldError> {
    let (seconds, id) = raw.split_once('_').ok_or_else(invalid_cursor)?;
    let seconds: i64 = seconds.parse().map_err(|_| invalid_cursor())?;
    let id: i64 = id.parse().map_err(|_| invalid_cursor())?;
    let at = chrono::DateTime::from_timestamp(seconds, 0).ok_or_else(invalid_cursor)?;
    Ok((at.naive_utc(), id))
}

/// Where a page of tickets starts: after this `created_at` and id.
pub type TicketCursor = (NaiveDateTime, i64);

/// The list's query string, parsed: the filter, where the page starts and its size. Pure, so
/// that it can be fuzzed.
pub fn parse_ticket_query(
    page: &PageQuery,
    query: &TicketQuery,
    member_scope: Option<i64>,
) -> Result<(TicketFilter, Option<TicketCursor>, i64), AppError> {
    let mut checks = Checks::new();
    let limit = checks.take(page.limit()).unwrap_or_default();
    let after = checks
        .take_opt(page.cursor.as_deref(), parse_ticket_cursor)
        .flatten();
    let statuses = match query.status.as_deref() {
        None => Vec::new(),
        Some(raw) => raw
            .split(',')
            .filter_map(|s| checks.take(Status::parse(s.trim())))
            .collect(),
    };
    let id = |checks: &mut Checks, field: &str, raw: &Option<String>| {
        checks
            .take_opt(raw.as_deref(), |r| parse_id(field, r))
            .flatten()
    };
    let member_id = id(&mut checks, "member_id", &query.member_id);
    let assignee_id = id(&mut checks, "assignee_id", &query.assignee_id);
    let category_id = id(&mut checks, "category_id", &query.category_id);
    let priority = checks
        .take_opt(query.priority.as_deref(), |raw| {
            raw.trim()
                .parse::<i64>()
                .map_err(|_| FieldError::new("priority", "must be 1, 2, 3 or 4"))
                .and_then(parse_priority)
        })
        .flatten();
    let origin = checks
        .take_opt(query.origin.as_deref(), Origin::parse)
        .flatten();
    let created_from = checks
        .take_opt(query.created_from.as_deref(), |r| {
            parse_date("created_from", r)
        })
        .flatten();
    let created_to = checks
        .take_opt(query.created_to.as_deref(), |r| parse_date("created_to", r))
        .flatten();
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string);
    if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        checks.push(FieldError::new("q", "must be at most 200 characters"));
    }
    checks.finish()?;
    let filter = TicketFilter {
        member_scope,
        statuses,
        member_id,
        assignee_id,
        category_id,
        priority,
        origin,
        created_from,
        created_to,
        q,
        unassigned: false,
    };
    Ok((filter, after, limit))
}

/// List tickets, newest first (agents: their member's only).
///
/// Errors: 422: invalid filter.
#[utoipa::path(
    get, path = "/api/v1/tickets", tag = "tickets",
    params(PageQuery, TicketQuery),
    responses(
        (status = 200, description = "Newest first; a page ends early, with its next_cursor, once its items pass server.max_page_bytes", body = Page<TicketView>),
        problems::Invalid,
    )
)]
pub async fn list_tickets(
    state: State,
    user: AuthUser,
    page: Query<PageQuery>,
    query: Query<TicketQuery>,
) -> Answer {
    let (filter, mut after, limit) = parse_ticket_query(&page, &query, user.actor.member_scope())?;
    let now = crate::domain::time::now();
    let clock = &state.policy.clock;
    let budget = state.settings.server.max_page_bytes;
    let mut written = PageWriter::new(budget);
    let mut left = limit;
    // Rows are read a slice at a time, the next slice sized by the bytes the first took: a
    // page of long tickets reads few more rows than it sends.
    let mut slice = limit.min(FIRST_SLICE);
    loop {
        let filter = filter.clone();
        let rows = state
            .run(move |conn| Ok(db::tickets::list(conn, &filter, after, slice + 1)?))
            .await?;
        let more = rows.len() as i64 > slice;
        if rows.is_empty() {
            // Only when the list is empty, or its next rows went away since the last slice.
            return written.finish(None);
        }
        let mut rows = rows.into_iter().take(slice as usize).peekable();
        while let Some(ticket) = rows.next() {
            let cursor = (ticket.created_at, ticket.id);
            let next = ticket_cursor(&ticket);
            written.push(&TicketView::new(ticket, clock, now))?;
            left -= 1;
            after = Some(cursor);
            let rest = rows.peek().is_some() || more;
            if written.is_full() || left == 0 || !rest {
                return written.finish(rest.then_some(next));
            }
        }
        let per_item = (written.len() / (limit - left) as usize).max(1);
        let room = (budget.saturating_sub(written.len()) / per_item) as i64 + 1;
        slice = room.clamp(1, left);
    }
}

pub(in crate::api) async fn visible_ticket(
    state: &AppState,
    actor: Actor,
    id: i64,
) -> Result<Ticket, AppError> {
    state
        .run_point_read(move |conn| crate::desk::tickets::find_visible(conn, id, &actor))
        .await
}

/// One ticket, with its version as `ETag`.
///
/// Errors: 404: no such ticket, or not visible to the caller.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "Ticket id")),
    responses(
        (status = 200, description = "The ticket", body = TicketView, headers(("ETag" = String, description = "The ticket's version, quoted"))),
        problems::NotFound,
    )
)]
pub async fn get_ticket(state: State, user: AuthUser, id: Segment) -> Answer {
    let id = path_id(&id, "ticket")?;
    let ticket = visible_ticket(&state, user.actor, id).await?;
    Ok(ticket_response(
        HttpResponse::Ok(),
        ticket,
        &state.policy.clock,
    ))
}
