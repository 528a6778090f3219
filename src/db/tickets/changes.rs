//! Changing a ticket: its fields, status, assignee, with the history, counts, service levels
//! and mail each change brings; and choosing a technician.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{tickets, users, work_logs};
use crate::db::service_levels::{self as sla_counts};
use crate::db::{counts, members, outbox, users as user_rows, DbConn};
use crate::db::{each_backend, Dialect};
use crate::domain::ticket::{Origin, Status};
use crate::domain::time::now;
use crate::domain::transition::{assigns_someone, transition, Move, Progress};
use crate::domain::user::Actor;
use crate::error::AppError;

use super::rows::*;

/// The changes a `PATCH` asks for, already parsed. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub ticket_type: Option<String>,
    pub category_id: Option<Option<i64>>,
    pub priority: Option<i32>,
    pub status: Option<Status>,
    pub assignee_id: Option<Option<i64>>,
    pub member_id: Option<i64>,
    pub origin: Option<Origin>,
}

#[derive(AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub(in crate::db) struct TicketRowUpdate {
    pub(in crate::db) member_id: i64,
    pub(in crate::db) title: String,
    pub(in crate::db) description: String,
    pub(in crate::db) search_text: String,
    pub(in crate::db) ticket_type: String,
    pub(in crate::db) category_id: Option<i64>,
    pub(in crate::db) priority: i32,
    pub(in crate::db) status: String,
    pub(in crate::db) origin: String,
    pub(in crate::db) assignee_id: Option<i64>,
    pub(in crate::db) acknowledged_at: Option<NaiveDateTime>,
    pub(in crate::db) resolved_at: Option<NaiveDateTime>,
    pub(in crate::db) closed_at: Option<NaiveDateTime>,
    pub(in crate::db) updated_at: NaiveDateTime,
    pub(in crate::db) version: i32,
    pub(in crate::db) paused_minutes: i32,
    pub(in crate::db) waiting_since: Option<NaiveDateTime>,
    pub(in crate::db) acknowledge_minutes: Option<i32>,
    pub(in crate::db) resolve_minutes: Option<i32>,
}

/// Applies changes to a ticket, with one history row per changed field, in one transaction.
/// `expected_version` comes from `If-Match`; without it the change applies to the current
/// version, and a concurrent write makes it start over rather than overwrite.
pub fn change(
    conn: &mut DbConn,
    id: i64,
    changes: &TicketChanges,
    expected_version: Option<i32>,
    actor: &Actor,
    policy: &Policy,
) -> Result<Ticket, AppError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let result = crate::db::write(conn, |conn| {
            change_once(conn, id, changes, expected_version, actor, policy)
        });
        match result {
            Err(AppError::VersionConflict { .. }) if expected_version.is_none() && attempts < 5 => {
            }
            other => return other,
        }
    }
}

pub(in crate::db) fn change_once(
    conn: &mut DbConn,
    id: i64,
    changes: &TicketChanges,
    expected_version: Option<i32>,
    actor: &Actor,
    policy: &Policy,
) -> Result<Ticket, AppError> {
    // On PostgreSQL the ticket's row is locked before it is read, so that concurrent changes
    // of one ticket apply one after the other, each to the version the one before left: only
    // a stale `If-Match` is refused. SQLite's write transaction holds the whole file already.
    each_backend!(&mut *conn, c => c.lock_ticket(id))?;
    let current = find_visible(conn, id, actor)?;
    if let Some(expected) = expected_version {
        if expected != current.version {
            return Err(AppError::VersionConflict {
                current: current.version,
            });
        }
    }
    let at = now();
    let mut events: Vec<NewTicketEvent> = Vec::new();
    let mut record = |field: &str, from: Option<String>, to: Option<String>| {
        if from != to {
            events.push(NewTicketEvent::change(id, actor.id, at, field, from, to));
        }
    };

    let current_status = Status::from_stored(&current.status);
    let progress = Progress {
        status: current_status,
        assignee_id: current.assignee_id,
        acknowledged_at: current.acknowledged_at,
        resolved_at: current.resolved_at,
        closed_at: current.closed_at,
        created_at: current.created_at,
        paused_minutes: i64::from(current.paused_minutes),
        waiting_since: current.waiting_since,
        acknowledge_minutes: current.acknowledge_minutes,
        resolve_minutes: current.resolve_minutes,
    };
    let asked = Move {
        assignee_id: changes.assignee_id,
        status: changes.status,
    };
    if let Some(user_id) = assigns_someone(&progress, &asked) {
        check_assignee(conn, user_id, "assignee_id")?;
    }
    let next =
        transition(&progress, &asked, at, &policy.clock).map_err(AppError::InvalidTransition)?;
    let Progress {
        status,
        assignee_id,
        acknowledged_at,
        resolved_at,
        closed_at,
        acknowledge_minutes,
        resolve_minutes,
        ..
    } = next;

    let member_id = changes.member_id.unwrap_or(current.member_id);
    if member_id != current.member_id {
        check_member_on(conn, member_id, current.created_on, "member_id")?;
    }
    let category_id = changes.category_id.unwrap_or(current.category_id);
    if category_id != current.category_id {
        check_category(conn, category_id, "category_id")?;
    }
    let origin = changes
        .origin
        .map(|o| o.as_str().to_string())
        .unwrap_or_else(|| current.origin.clone());
    let title = changes
        .title
        .clone()
        .unwrap_or_else(|| current.title.clone());
    let description = changes
        .description
        .clone()
        .unwrap_or_else(|| current.description.clone());
    let ticket_type = changes
        .ticket_type
        .clone()
        .unwrap_or_else(|| current.ticket_type.clone());
    let priority = changes.priority.unwrap_or(current.priority);

    let text = |v: Option<i64>| v.map(|v| v.to_string());
    let stamp = |v: Option<NaiveDateTime>| v.map(crate::domain::time::to_rfc3339);
    record("title", Some(current.title.clone()), Some(title.clone()));
    record(
        "description",
        Some(current.description.clone()),
        Some(description.clone()),
    );
    record(
        "type",
        Some(current.ticket_type.clone()),
        Some(ticket_type.clone()),
    );
    record("category_id", text(current.category_id), text(category_id));
    record(
        "priority",
        Some(current.priority.to_string()),
        Some(priority.to_string()),
    );
    record(
        "member_id",
        Some(current.member_id.to_string()),
        Some(member_id.to_string()),
    );
    record("origin", Some(current.origin.clone()), Some(origin.clone()));
    record("assignee_id", text(current.assignee_id), text(assignee_id));
    record(
        "status",
        Some(current.status.clone()),
        Some(status.as_str().to_string()),
    );
    record(
        "acknowledged_at",
        stamp(current.acknowledged_at),
        stamp(acknowledged_at),
    );
    record(
        "resolved_at",
        stamp(current.resolved_at),
        stamp(resolved_at),
    );
    record("closed_at", stamp(current.closed_at), stamp(closed_at));

    if events.is_empty() {
        return Ok(current);
    }

    let row = TicketRowUpdate {
        member_id,
        search_text: crate::domain::text::search_text(&title, &description),
        title,
        description,
        ticket_type,
        category_id,
        priority,
        status: status.as_str().to_string(),
        origin,
        assignee_id,
        acknowledged_at,
        resolved_at,
        closed_at,
        updated_at: at,
        version: current.version + 1,
        paused_minutes: next.paused_minutes as i32,
        waiting_since: next.waiting_since,
        acknowledge_minutes,
        resolve_minutes,
    };
    let updated = diesel::update(
        tickets::table
            .filter(tickets::id.eq(id))
            .filter(tickets::version.eq(current.version)),
    )
    .set(&row)
    .execute(conn)?;
    if updated == 0 {
        let now_version = tickets::table
            .find(id)
            .select(tickets::version)
            .first(conn)?;
        return Err(AppError::VersionConflict {
            current: now_version,
        });
    }
    if member_id != current.member_id || row.origin != current.origin {
        // Rows of counts are locked in key order, whichever way the ticket moves: two tickets
        // moved in opposite directions at once would otherwise each hold the row the other
        // needs (see `counts::add_tickets_many`).
        let mut moves = [
            (current.member_id, current.origin.as_str(), -1),
            (member_id, row.origin.as_str(), 1),
        ];
        moves.sort_unstable();
        for (member, origin, delta) in moves {
            counts::add_tickets(conn, member, current.created_on, origin, delta)?;
        }
    }
    record_events(conn, &events)?;
    let ticket =
        find(conn, id)?.ok_or_else(|| AppError::internal("ticket vanished during its update"))?;
    sla_counts::replace(conn, &current.contribution(), &ticket.contribution())?;
    if let Some(assignee) = ticket
        .assignee_id
        .filter(|a| Some(*a) != current.assignee_id)
    {
        if let Some(technician) = user_rows::find(conn, assignee)? {
            let member = members::find(conn, ticket.member_id)?
                .map(|m| m.name)
                .unwrap_or_default();
            let message = policy
                .mail
                .assigned(&technician.email, &ticket.facts(), &member);
            outbox::enqueue(conn, &message, Some(id), at)?;
        }
    }
    if status == Status::Resolved && current_status != Status::Resolved {
        if let Some(recipient) = requester_email(conn, &ticket)? {
            let message = policy.mail.resolved(&recipient, &ticket.facts());
            outbox::enqueue(conn, &message, Some(id), at)?;
        }
    }
    Ok(ticket)
}

/// Who automatic assignment picks: the technician posted today at the ticket's member,
/// otherwise the technician with the fewest open tickets; ties go to the smaller id.
pub fn pick_technician(
    conn: &mut DbConn,
    member_id: i64,
    today: NaiveDate,
) -> QueryResult<Option<i64>> {
    let posted: Vec<i64> = work_logs::table
        .inner_join(users::table.on(users::id.eq(work_logs::technician_id)))
        .filter(work_logs::member_id.eq(member_id))
        .filter(work_logs::work_date.eq(today))
        .filter(work_logs::kind.eq("posted"))
        .filter(users::role.eq("technician"))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .distinct()
        .load(conn)?;
    let candidates = if posted.is_empty() {
        user_rows::active_technicians(conn)?
    } else {
        posted
    };
    if candidates.len() <= 1 {
        return Ok(candidates.first().copied());
    }
    let open: Vec<&str> = Status::OPEN.iter().map(|s| s.as_str()).collect();
    let loads: Vec<(Option<i64>, i64)> = tickets::table
        .filter(tickets::assignee_id.eq_any(&candidates))
        .filter(tickets::status.eq_any(open))
        .group_by(tickets::assignee_id)
        .select((tickets::assignee_id, diesel::dsl::count_star()))
        .load(conn)?;
    let loads: HashMap<i64, i64> = loads
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect();
    Ok(candidates
        .into_iter()
        .min_by_key(|id| (loads.get(id).copied().unwrap_or(0), *id)))
}
