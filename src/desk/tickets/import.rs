//! Importing past tickets in bounded transactions, with their service levels measured.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;

use crate::db::counts::QueueKey;
use crate::db::service_levels::{self as sla_counts, Contribution};
use crate::db::tickets::{self, NewTicket, NewTicketEvent};
use crate::db::{categories, counts, members, users, DbConn};
use crate::desk::Policy;
use crate::domain::service_level::TicketClock;
use crate::domain::ticket::{Origin, Status};
use crate::domain::time::{local_date, now};
use crate::domain::user::Actor;
use crate::domain::FieldError;
use crate::error::AppError;

use super::access::{category_problem, member_problem};
use super::file::TicketDraft;

/// A past ticket to import, already parsed field by field.
#[derive(Debug, Clone)]
pub struct ImportedTicket {
    pub draft: TicketDraft,
    pub status: Status,
    pub assignee_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    /// Since when a waiting ticket waits (its clock stands still from then).
    pub waiting_since: Option<NaiveDateTime>,
    /// Its reference in the system it comes from, and the digest of what it was there.
    pub external: Option<External>,
}

/// Where an imported ticket comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    /// `glpi:1234`.
    pub reference: String,
    pub digest: String,
}

/// Business minutes from an imported ticket's creation to one of its moments (its waiting
/// periods are not known: nothing is paused).
pub(crate) fn measure(
    policy: &Policy,
    row: &ImportedTicket,
    until: Option<NaiveDateTime>,
) -> Option<i32> {
    let clock = TicketClock {
        created_at: row.created_at,
        paused_minutes: 0,
        waiting_since: row.waiting_since,
    };
    until.map(|at| policy.clock.elapsed(&clock, at) as i32)
}

/// Imports past tickets, all or none: every row is checked against the members, categories and
/// users before anything is written, and the whole batch is one transaction.
pub fn import(
    conn: &mut DbConn,
    batch: &[ImportedTicket],
    actor: &Actor,
    policy: &Policy,
) -> Result<Vec<i64>, AppError> {
    crate::db::with_bulk_cache(conn, |conn| import_batch(conn, batch, actor, policy))
}

pub(crate) fn import_batch(
    conn: &mut DbConn,
    batch: &[ImportedTicket],
    actor: &Actor,
    policy: &Policy,
) -> Result<Vec<i64>, AppError> {
    let zone = policy.zone;
    crate::db::write(conn, |conn| {
        check_batch(conn, batch, zone)?;
        let at = now();
        let mut monthly: HashMap<(i64, NaiveDate, Origin), i64> = HashMap::new();
        let mut queue = counts::QueueDeltas::new();
        let mut groups = counts::GroupDeltas::new();
        let mut contributions: Vec<Contribution> = Vec::with_capacity(batch.len());
        let mut ids = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(500) {
            let rows: Vec<NewTicket> = chunk
                .iter()
                .map(|row| {
                    let new = row_of(policy, row, at);
                    let first_of_month = new.created_on.with_day0(0).unwrap_or(new.created_on);
                    *monthly
                        .entry((new.member_id, first_of_month, new.origin))
                        .or_default() += 1;
                    counts::queue_move(&mut queue, None, Some(queue_key_of(&new)));
                    counts::groups_move(&mut groups, None, Some(groups_of(&new)));
                    contributions.push(contribution_of(&new));
                    new
                })
                .collect();
            let chunk_ids = tickets::insert_imported(conn, &rows)?;
            let events: Vec<NewTicketEvent> = chunk_ids
                .iter()
                .map(|&id| NewTicketEvent {
                    ticket_id: id,
                    actor_id: Some(actor.id),
                    at,
                    field: "imported".into(),
                    from_value: None,
                    to_value: None,
                })
                .collect();
            tickets::record_events(conn, &events)?;
            ids.extend(chunk_ids);
        }
        if let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) {
            tickets::index_for_search(conn, first, last)?;
        }
        counts::add_tickets_many(conn, &monthly)?;
        counts::add_queue_counts(conn, &queue)?;
        counts::add_group_counts(conn, &groups)?;
        sla_counts::add_all(conn, &contributions)?;
        Ok(ids)
    })
}

/// Writes a ticket imported before over what it was, from what it is now in the system it
/// comes from: its counts move with it, its history records the new import. The row has been
/// checked (`check_batch`) with the others of its batch.
pub(crate) fn reimport(
    conn: &mut DbConn,
    id: i64,
    row: &ImportedTicket,
    actor: &Actor,
    policy: &Policy,
) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        let current =
            tickets::find(conn, id)?.ok_or_else(|| AppError::not_found(format!("ticket {id}")))?;
        let at = now();
        let mut new = row_of(policy, row, at);
        new.version = current.version + 1;
        tickets::overwrite(conn, id, &new)?;
        let mut moves = [
            (current.member_id, current.created_on, current.origin, -1),
            (new.member_id, new.created_on, new.origin, 1),
        ];
        moves.sort_unstable();
        for (member, day, origin, delta) in moves {
            counts::add_tickets(conn, member, day, origin, delta)?;
        }
        let mut queue = counts::QueueDeltas::new();
        counts::queue_move(
            &mut queue,
            Some(current.queue_key()),
            Some(queue_key_of(&new)),
        );
        counts::add_queue_counts(conn, &queue)?;
        let mut groups = counts::GroupDeltas::new();
        counts::groups_move(&mut groups, Some(current.groups()), Some(groups_of(&new)));
        counts::add_group_counts(conn, &groups)?;
        sla_counts::replace(conn, &current.contribution(), &contribution_of(&new))?;
        tickets::record_events(
            conn,
            &[NewTicketEvent {
                ticket_id: id,
                actor_id: Some(actor.id),
                at,
                field: "reimported".into(),
                from_value: None,
                to_value: None,
            }],
        )?;
        Ok(())
    })
}

/// Every row checked against the members, categories and staff; 422 naming each fault.
pub(crate) fn check_batch(
    conn: &mut DbConn,
    batch: &[ImportedTicket],
    zone: Tz,
) -> Result<(), AppError> {
    let members: HashMap<i64, members::Member> =
        members::all(conn)?.into_iter().map(|m| (m.id, m)).collect();
    let categories: HashSet<i64> = categories::all(conn)?.into_iter().map(|c| c.id).collect();
    let staff: HashSet<i64> = users::all_staff(conn)?.into_iter().map(|u| u.id).collect();

    let mut errors = Vec::new();
    for (index, row) in batch.iter().enumerate() {
        let field = |name: &str| format!("[{index}].{name}");
        let day = local_date(row.created_at, zone);
        let member_id = row.draft.member_id;
        if let Some(problem) = member_problem(members.get(&member_id), member_id, day) {
            errors.push(FieldError::new(field("member_id"), problem));
        }
        if let Some(category) = row.draft.category_id {
            if !categories.contains(&category) {
                errors.push(FieldError::new(
                    field("category_id"),
                    category_problem(category),
                ));
            }
        }
        if let Some(assignee) = row.assignee_id {
            if !staff.contains(&assignee) {
                errors.push(FieldError::new(
                    field("assignee_id"),
                    format!("user {assignee} is not a member of staff"),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The row of an imported ticket written at `at`, its service levels measured.
fn row_of(policy: &Policy, row: &ImportedTicket, at: NaiveDateTime) -> NewTicket {
    let created_on = local_date(row.created_at, policy.zone);
    NewTicket {
        member_id: row.draft.member_id,
        requester_id: row.draft.requester_id,
        requester_name: row.draft.requester_name.clone(),
        requester_email: row.draft.requester_email.clone(),
        requester_phone: row.draft.requester_phone.clone(),
        title: row.draft.title.clone(),
        description: row.draft.description.clone(),
        search_text: crate::domain::text::search_text(
            &row.draft.title,
            &row.draft.description,
            row.external.as_ref().map(|e| e.reference.as_str()),
        ),
        ticket_type: row.draft.ticket_type,
        category_id: row.draft.category_id,
        priority: row.draft.priority,
        status: row.status,
        origin: row.draft.origin,
        channel: row.draft.channel,
        assignee_id: row.assignee_id,
        created_at: row.created_at,
        created_on,
        acknowledged_at: row.acknowledged_at,
        resolved_at: row.resolved_at,
        closed_at: row.closed_at,
        updated_at: at,
        version: 1,
        acknowledge_minutes: measure(policy, row, row.acknowledged_at),
        resolve_minutes: measure(policy, row, row.resolved_at),
        // Imported history raises no alert.
        overdue_notified_at: Some(at),
        waiting_since: row.waiting_since,
        external_ref: row.external.as_ref().map(|e| e.reference.clone()),
        import_digest: row.external.as_ref().map(|e| e.digest.clone()),
    }
}

/// Where a row counts in the queue's counts. Past waits are not known: only a ticket waiting
/// now stands still.
fn queue_key_of(row: &NewTicket) -> QueueKey {
    QueueKey::new(
        row.status,
        row.assignee_id,
        row.priority,
        row.waiting_since.is_none(),
        row.acknowledged_at.is_some(),
    )
}

fn groups_of(row: &NewTicket) -> counts::TicketGroups {
    counts::TicketGroups {
        member_id: row.member_id,
        category_id: row.category_id,
        assignee_id: row.assignee_id,
        created_on: row.created_on,
        origin: row.origin,
    }
}

fn contribution_of(row: &NewTicket) -> Contribution {
    Contribution::new(
        row.member_id,
        row.created_on,
        row.priority,
        row.origin,
        row.acknowledge_minutes,
        row.resolve_minutes,
    )
}
