//! The ticket as the API shows it, with its service-level clocks and its ETag.

use actix_web::http::header;
use actix_web::HttpResponse;
use chrono::NaiveDateTime;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::tickets::Ticket;
use crate::domain::service_level::ServiceClock;
use crate::domain::ticket::{Channel, Origin, Status, TicketType};
use crate::domain::time::to_rfc3339;

#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    pub id: i64,
    pub member_id: i64,
    /// The agent who filed it, when an agent did.
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub title: String,
    pub description: String,
    #[serde(rename = "type")]
    pub ticket_type: TicketType,
    pub category_id: Option<i64>,
    /// 1 = critical ... 4 = low.
    pub priority: i32,
    pub status: Status,
    pub origin: Origin,
    pub channel: Channel,
    pub assignee_id: Option<i64>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Taken in charge: first assignment, first public staff answer, or first move to
    /// `in_progress` or `resolved`.
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    /// Send it back in `If-Match` when changing the ticket.
    pub version: i32,
    pub service_level: ServiceLevelView,
    /// Its reference in the system it was brought from (`glpi:1234`), matched by `q`.
    #[schema(example = "glpi:1234")]
    pub external_ref: Option<String>,
}

/// One service-level clock of a ticket, in business minutes of the calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    /// The target for the ticket's priority.
    pub target_minutes: i64,
    /// When the target falls due, the time spent waiting so far not counted (null when the
    /// calendar is never open).
    pub due_at: Option<String>,
    /// Business minutes taken (when done) or elapsed so far, time spent waiting not counted.
    pub elapsed_minutes: i64,
    /// Whether it was done within its target: null while it is not done and not yet late.
    pub met: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceLevelView {
    /// Taking in charge (`acknowledged_at`).
    pub acknowledge: ClockView,
    /// Resolution (`resolved_at`).
    pub resolve: ClockView,
    /// The ticket is `waiting`: its clocks are paused.
    pub paused: bool,
}

pub(super) fn clock_view(
    clock: &ServiceClock,
    ticket: &Ticket,
    target: i64,
    done: Option<i32>,
    now: NaiveDateTime,
) -> ClockView {
    let state = ticket.clock();
    let due_at = clock.due(&state, target, now);
    let (elapsed, met) = match done {
        Some(minutes) => (i64::from(minutes), Some(i64::from(minutes) <= target)),
        None => {
            let late = due_at.is_some_and(|due| due < now);
            (clock.elapsed(&state, now), late.then_some(false))
        }
    };
    ClockView {
        target_minutes: target,
        due_at: due_at.map(to_rfc3339),
        elapsed_minutes: elapsed,
        met,
    }
}

impl TicketView {
    pub fn new(t: Ticket, clock: &ServiceClock, now: NaiveDateTime) -> Self {
        let closed_unresolved = t.status == Status::Closed && t.resolve_minutes.is_none();
        let acknowledge = clock_view(
            clock,
            &t,
            clock.targets.acknowledge_for(t.priority),
            t.acknowledge_minutes,
            t.acknowledged_at.unwrap_or(now),
        );
        let mut resolve = clock_view(
            clock,
            &t,
            clock.targets.resolve_for(t.priority),
            t.resolve_minutes,
            t.resolved_at.unwrap_or(now),
        );
        if closed_unresolved {
            resolve.met = None;
        }
        let service_level = ServiceLevelView {
            acknowledge,
            resolve,
            paused: t.waiting_since.is_some(),
        };
        TicketView {
            service_level,
            id: t.id,
            member_id: t.member_id,
            requester_id: t.requester_id,
            requester_name: t.requester_name,
            requester_email: t.requester_email,
            requester_phone: t.requester_phone,
            title: t.title,
            description: t.description,
            ticket_type: t.ticket_type,
            category_id: t.category_id,
            priority: t.priority.number(),
            status: t.status,
            origin: t.origin,
            channel: t.channel,
            assignee_id: t.assignee_id,
            created_at: to_rfc3339(t.created_at),
            acknowledged_at: t.acknowledged_at.map(to_rfc3339),
            resolved_at: t.resolved_at.map(to_rfc3339),
            closed_at: t.closed_at.map(to_rfc3339),
            updated_at: to_rfc3339(t.updated_at),
            version: t.version,
            external_ref: t.external_ref,
        }
    }
}

pub(super) fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

pub(super) fn ticket_response(
    mut response: actix_web::HttpResponseBuilder,
    ticket: Ticket,
    clock: &ServiceClock,
) -> HttpResponse {
    response
        .insert_header((header::ETAG, etag(ticket.version)))
        .json(TicketView::new(ticket, clock, crate::domain::time::now()))
}
