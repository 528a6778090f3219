//! Changing a ticket: its fields, status, assignee, with the history, counts, service levels
//! and mail each change brings.

use chrono::NaiveDateTime;

use crate::db::service_levels as sla_counts;
use crate::db::tickets::{self, NewTicketEvent, Ticket, TicketRowUpdate};
use crate::db::{counts, members, outbox, users, DbConn};
use crate::desk::Policy;
use crate::domain::ticket::{Origin, Priority, Status, TicketType};
use crate::domain::time::now;
use crate::domain::transition::{assigns_someone, effects, transition, Effect, Move, Progress};
use crate::domain::user::Actor;
use crate::error::AppError;

use super::access::{check_assignee, check_category, check_member_on, find_visible};

/// The changes a `PATCH` asks for, already parsed. `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub ticket_type: Option<TicketType>,
    pub category_id: Option<Option<i64>>,
    pub priority: Option<Priority>,
    pub status: Option<Status>,
    pub assignee_id: Option<Option<i64>>,
    pub member_id: Option<i64>,
    pub origin: Option<Origin>,
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
        let asked = Asked {
            id,
            changes,
            expected_version,
            actor,
        };
        let result = crate::db::write(conn, |conn| change_once(conn, &asked, policy));
        match result {
            Err(AppError::VersionConflict { .. }) if expected_version.is_none() && attempts < 5 => {
            }
            other => return other,
        }
    }
}

/// A change asked of a ticket, by whom, and of which version.
struct Asked<'a> {
    id: i64,
    changes: &'a TicketChanges,
    expected_version: Option<i32>,
    actor: &'a Actor,
}

fn change_once(conn: &mut DbConn, asked: &Asked, policy: &Policy) -> Result<Ticket, AppError> {
    let &Asked {
        id,
        changes,
        expected_version,
        actor,
    } = asked;
    // The ticket's row is locked before it is read (where the backend locks rows), so that
    // concurrent changes of one ticket apply one after the other, each to the version the one
    // before left: only a stale `If-Match` is refused.
    tickets::lock(conn, id)?;
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

    let current_status = current.status;
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
    let origin = changes.origin.unwrap_or(current.origin);
    let title = changes
        .title
        .clone()
        .unwrap_or_else(|| current.title.clone());
    let description = changes
        .description
        .clone()
        .unwrap_or_else(|| current.description.clone());
    let ticket_type = changes.ticket_type.unwrap_or(current.ticket_type);
    let priority = changes.priority.unwrap_or(current.priority);

    let text = |v: Option<i64>| v.map(|v| v.to_string());
    let word = |v: &dyn std::fmt::Display| Some(v.to_string());
    let stamp = |v: Option<NaiveDateTime>| v.map(crate::domain::time::to_rfc3339);
    record("title", Some(current.title.clone()), Some(title.clone()));
    record(
        "description",
        Some(current.description.clone()),
        Some(description.clone()),
    );
    record("type", word(&current.ticket_type), word(&ticket_type));
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
    record("origin", word(&current.origin), word(&origin));
    record("assignee_id", text(current.assignee_id), text(assignee_id));
    record("status", word(&current.status), word(&status));
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
        search_text: crate::domain::text::search_text(
            &title,
            &description,
            current.external_ref.as_deref(),
        ),
        title,
        description,
        ticket_type,
        category_id,
        priority,
        status,
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
    if !tickets::update_at_version(conn, id, current.version, &row)? {
        return Err(AppError::VersionConflict {
            current: tickets::version_of(conn, id)?,
        });
    }
    if member_id != current.member_id || row.origin != current.origin {
        // Rows of counts are locked in key order, whichever way the ticket moves: two tickets
        // moved in opposite directions at once would otherwise each hold the row the other
        // needs (see `counts::add_tickets_many`).
        let mut moves = [
            (current.member_id, current.origin, -1),
            (member_id, row.origin, 1),
        ];
        moves.sort_unstable();
        for (member, origin, delta) in moves {
            counts::add_tickets(conn, member, current.created_on, origin, delta)?;
        }
    }
    tickets::record_events(conn, &events)?;
    let ticket = tickets::find(conn, id)?
        .ok_or_else(|| AppError::internal("ticket vanished during its update"))?;
    let mut queue = counts::QueueDeltas::new();
    counts::queue_move(
        &mut queue,
        Some(current.queue_key()),
        Some(ticket.queue_key()),
    );
    counts::add_queue_counts(conn, &queue)?;
    let mut groups = counts::GroupDeltas::new();
    counts::groups_move(&mut groups, Some(current.groups()), Some(ticket.groups()));
    counts::add_group_counts(conn, &groups)?;
    sla_counts::replace(conn, &current.contribution(), &ticket.contribution())?;
    for effect in effects(&progress, &next) {
        match effect {
            Effect::MailAssignee(assignee) => {
                if let Some(technician) = users::find(conn, assignee)? {
                    let member = members::find(conn, ticket.member_id)?
                        .map(|m| m.record.name)
                        .unwrap_or_default();
                    let message =
                        policy
                            .mail
                            .assigned(&technician.email, &(&ticket).into(), &member);
                    outbox::enqueue(conn, &message, Some(id), at)?;
                }
            }
            Effect::MailRequesterResolved => {
                if let Some(recipient) = tickets::requester_email(conn, &ticket)? {
                    let message = policy.mail.resolved(&recipient, &(&ticket).into());
                    outbox::enqueue(conn, &message, Some(id), at)?;
                }
            }
        }
    }
    Ok(ticket)
}
