//! Filing tickets: one, or a group in one transaction, with idempotency keys.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};

use crate::db::service_levels::{self as sla_counts, Contribution};
use crate::db::tickets::{self, NewTicket, NewTicketEvent, Ticket};
use crate::db::{counts, members, outbox, DbConn};
use crate::desk::Policy;
use crate::domain::ticket::{Channel, Origin, Priority, Status, TicketType};
use crate::domain::time::{local_date, now};
use crate::domain::user::Actor;
use crate::domain::FieldError;
use crate::error::AppError;

use super::access::{category_problem, member_problem, retired_problem};

/// A new ticket as filed through the API, already parsed.
#[derive(Debug, Clone)]
pub struct TicketDraft {
    pub member_id: i64,
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub title: String,
    pub description: String,
    pub ticket_type: TicketType,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub origin: Origin,
    pub channel: Channel,
}

/// An `Idempotency-Key` and the digest of the request body it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: String,
}

pub enum Filed {
    Created(Ticket),
    /// The same key and body were seen within 24 hours: the first ticket, as it is now.
    Replayed(Ticket),
}

pub(crate) const IDEMPOTENCY_WINDOW_HOURS: i64 = 24;

/// A ticket to file, by whom, and the caller's `Idempotency-Key` if any.
pub(crate) struct Filing<'a> {
    pub(crate) draft: &'a TicketDraft,
    pub(crate) actor: &'a Actor,
    pub(crate) idempotency: Option<&'a IdempotencyKey>,
}

/// Files a ticket with its history row and counts, in one transaction.
pub fn file(
    conn: &mut DbConn,
    draft: &TicketDraft,
    actor: &Actor,
    idempotency: Option<&IdempotencyKey>,
    policy: &Policy,
) -> Result<Filed, AppError> {
    // Two retries with one key can race on PostgreSQL: the loser's key insert fails on the
    // unique index after the winner commits, and a second pass finds the winner's ticket.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match crate::db::write(conn, |conn| {
            let filing = Filing {
                draft,
                actor,
                idempotency,
            };
            let filed = file_once(conn, &filing, policy)?;
            if let Filed::Created(ticket) = &filed {
                tickets::index_for_search(conn, ticket.id, ticket.id)?;
            }
            Ok(filed)
        }) {
            Err(AppError::Conflict {
                code: "duplicate", ..
            }) if idempotency.is_some() && attempts < 3 => {}
            other => return other,
        }
    }
}

/// Files one ticket within a transaction open on `conn`, but for the trigram index: the caller
/// puts the ticket there (`index_for_search`) before it commits.
pub(crate) fn file_once(
    conn: &mut DbConn,
    filing: &Filing,
    policy: &Policy,
) -> Result<Filed, AppError> {
    let &Filing {
        draft,
        actor,
        idempotency,
    } = filing;
    let at = now();
    if let Some(key) = idempotency {
        if let Some(seen) = tickets::find_key(conn, actor.id, &key.key)? {
            if at - seen.created_at < Duration::hours(IDEMPOTENCY_WINDOW_HOURS) {
                if seen.request_hash != key.request_hash {
                    return Err(AppError::Conflict {
                        code: "idempotency_key_reused",
                        message: "this Idempotency-Key was used with another request body".into(),
                    });
                }
                let ticket = tickets::find(conn, seen.ticket_id)?
                    .ok_or_else(|| AppError::internal("idempotency key without its ticket"))?;
                return Ok(Filed::Replayed(ticket));
            }
            tickets::forget_key(conn, seen.row_id)?;
        }
    }
    let ticket = file_many(conn, &[(draft, actor)], at, policy)?
        .pop()
        .ok_or_else(|| AppError::internal("a filing without its outcome"))??;
    if let Some(key) = idempotency {
        tickets::remember_key(conn, actor.id, &key.key, &key.request_hash, ticket.id, at)?;
    }
    Ok(Filed::Created(ticket))
}

/// Files tickets filed at `at` within a transaction open on `conn`, in the same few statements
/// whatever their number, but for the trigram index (see `file_once`): one outcome per filing,
/// in order. A filing whose member or category is not valid gets its error and the others are
/// filed; an error of the database is the whole call's.
pub(crate) fn file_many(
    conn: &mut DbConn,
    filings: &[(&TicketDraft, &Actor)],
    at: NaiveDateTime,
    policy: &Policy,
) -> Result<Vec<Result<Ticket, AppError>>, AppError> {
    let today = local_date(at, policy.zone);
    let mut member_ids: Vec<i64> = filings.iter().map(|(d, _)| d.member_id).collect();
    member_ids.sort_unstable();
    member_ids.dedup();
    let found: HashMap<i64, members::Member> = members::find_many(conn, &member_ids)?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let mut category_ids: Vec<i64> = filings.iter().filter_map(|(d, _)| d.category_id).collect();
    category_ids.sort_unstable();
    category_ids.dedup();
    let (categories, retired): (HashSet<i64>, HashSet<i64>) = if category_ids.is_empty() {
        (HashSet::new(), HashSet::new())
    } else {
        (
            crate::db::categories::existing(conn, &category_ids)?,
            crate::db::categories::retired_among(conn, &category_ids)?,
        )
    };

    let mut outcomes: Vec<Option<Result<Ticket, AppError>>> = Vec::with_capacity(filings.len());
    let mut rows = Vec::with_capacity(filings.len());
    for (draft, _) in filings {
        let member = member_problem(found.get(&draft.member_id), draft.member_id, today);
        let category = draft.category_id.and_then(|id| {
            if !categories.contains(&id) {
                Some(category_problem(id))
            } else if retired.contains(&id) {
                Some(retired_problem(id))
            } else {
                None
            }
        });
        let problems: Vec<FieldError> = [("member_id", member), ("category_id", category)]
            .into_iter()
            .filter_map(|(field, problem)| problem.map(|p| FieldError::new(field, p)))
            .collect();
        if problems.is_empty() {
            rows.push(new_ticket(draft, at, today));
            outcomes.push(None);
        } else {
            outcomes.push(Some(Err(AppError::Validation(problems))));
        }
    }
    if rows.is_empty() {
        return Ok(outcomes.into_iter().flatten().collect());
    }
    let filed = tickets::insert_filed(conn, &rows)?;
    let matches = filed.len() == rows.len()
        && filed.iter().zip(&rows).all(|(ticket, row)| {
            (ticket.member_id, &ticket.title, ticket.requester_id)
                == (row.member_id, &row.title, row.requester_id)
        });
    if !matches {
        return Err(AppError::internal(
            "the tickets inserted do not match the filings",
        ));
    }

    let recipients = tickets::requester_emails(conn, &filed)?;
    let messages: Vec<(crate::notify::Message, i64)> = filed
        .iter()
        .filter_map(|ticket| {
            let recipient = recipients.get(&ticket.id)?;
            Some((policy.mail.filed(recipient, &ticket.into()), ticket.id))
        })
        .collect();
    outbox::enqueue_many(conn, &messages, at)?;

    let waiting: Vec<usize> = (0..outcomes.len())
        .filter(|&i| outcomes[i].is_none())
        .collect();
    let events: Vec<NewTicketEvent> = waiting
        .iter()
        .zip(&filed)
        .map(|(&i, ticket)| {
            NewTicketEvent::change(
                ticket.id,
                filings[i].1.id,
                at,
                "created",
                None,
                Some(ticket.status.to_string()),
            )
        })
        .collect();
    tickets::record_events(conn, &events)?;
    // The aggregates last: every filing of a member in a month updates the same rows, whose
    // locks (on PostgreSQL) are then held only from here to the commit.
    let mut monthly: HashMap<(i64, NaiveDate, Origin), i64> = HashMap::new();
    for ticket in &filed {
        let month = ticket.created_on.with_day0(0).unwrap_or(ticket.created_on);
        *monthly
            .entry((ticket.member_id, month, ticket.origin))
            .or_default() += 1;
    }
    counts::add_tickets_many(conn, &monthly)?;
    let mut queue = counts::QueueDeltas::new();
    for ticket in &filed {
        counts::queue_move(&mut queue, None, Some(ticket.queue_key()));
    }
    counts::add_queue_counts(conn, &queue)?;
    let mut groups = counts::GroupDeltas::new();
    for ticket in &filed {
        counts::groups_move(&mut groups, None, Some(ticket.groups()));
    }
    counts::add_group_counts(conn, &groups)?;
    let contributions: Vec<Contribution> = filed.iter().map(Ticket::contribution).collect();
    sla_counts::add_all(conn, &contributions)?;

    for (i, ticket) in waiting.into_iter().zip(filed) {
        outcomes[i] = Some(Ok(ticket));
    }
    Ok(outcomes.into_iter().flatten().collect())
}

/// The row of a new ticket, as filed at `at`.
pub(crate) fn new_ticket(draft: &TicketDraft, at: NaiveDateTime, today: NaiveDate) -> NewTicket {
    NewTicket {
        member_id: draft.member_id,
        requester_id: draft.requester_id,
        requester_name: draft.requester_name.clone(),
        requester_email: draft.requester_email.clone(),
        requester_phone: draft.requester_phone.clone(),
        title: draft.title.clone(),
        description: draft.description.clone(),
        search_text: crate::domain::text::search_text(&draft.title, &draft.description, None),
        ticket_type: draft.ticket_type,
        category_id: draft.category_id,
        priority: draft.priority,
        status: Status::New,
        origin: draft.origin,
        channel: draft.channel,
        assignee_id: None,
        created_at: at,
        created_on: today,
        acknowledged_at: None,
        resolved_at: None,
        closed_at: None,
        updated_at: at,
        version: 1,
        acknowledge_minutes: None,
        resolve_minutes: None,
        overdue_notified_at: None,
        waiting_since: None,
        external_ref: None,
        import_digest: None,
    }
}
