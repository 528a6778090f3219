//! Tickets, their history and their idempotency keys.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use diesel::connection::SimpleConnection;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::schema::{idempotency_keys, ticket_events, tickets, users, work_logs};
use super::service_levels::{self as sla_counts, Contribution};
use super::stored::{StoredDate, StoredMaybeTime, StoredTime};
use super::{counts, members, outbox, users as user_rows, DbConn};
use crate::domain::service_level::{ServiceClock, TicketClock};
use crate::domain::ticket::{Origin, Status};
use crate::domain::time::{local_date, now};
use crate::domain::user::{Actor, Role};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::notify::compose::TicketFacts;
use crate::notify::Composer;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = tickets)]
pub struct Ticket {
    pub id: i64,
    pub member_id: i64,
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub title: String,
    pub description: String,
    pub ticket_type: String,
    pub category_id: Option<i64>,
    pub priority: i32,
    pub status: String,
    pub origin: String,
    pub channel: String,
    pub assignee_id: Option<i64>,
    #[diesel(deserialize_as = StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = StoredDate)]
    pub created_on: NaiveDate,
    #[diesel(deserialize_as = StoredMaybeTime)]
    pub acknowledged_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = StoredMaybeTime)]
    pub resolved_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = StoredMaybeTime)]
    pub closed_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = StoredTime)]
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub paused_minutes: i32,
    #[diesel(deserialize_as = StoredMaybeTime)]
    pub waiting_since: Option<NaiveDateTime>,
    pub acknowledge_minutes: Option<i32>,
    pub resolve_minutes: Option<i32>,
}

impl Ticket {
    pub fn clock(&self) -> TicketClock {
        TicketClock {
            created_at: self.created_at,
            paused_minutes: i64::from(self.paused_minutes),
            waiting_since: self.waiting_since,
        }
    }

    /// Where and how the ticket counts in the service-level aggregates.
    pub fn contribution(&self) -> Contribution {
        Contribution::new(
            self.member_id,
            self.created_on,
            self.priority,
            &self.origin,
            self.acknowledge_minutes,
            self.resolve_minutes,
        )
    }

    fn facts(&self) -> TicketFacts<'_> {
        TicketFacts {
            id: self.id,
            title: &self.title,
            priority: self.priority,
            status: &self.status,
        }
    }
}

/// What writes to tickets need besides the data: the day's time zone, the service-level
/// clock, and the words of the mail they queue.
#[derive(Debug, Clone)]
pub struct Policy {
    pub zone: Tz,
    pub clock: ServiceClock,
    pub mail: Composer,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tickets)]
pub struct NewTicket {
    pub member_id: i64,
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub title: String,
    pub description: String,
    pub search_text: String,
    pub ticket_type: String,
    pub category_id: Option<i64>,
    pub priority: i32,
    pub status: String,
    pub origin: String,
    pub channel: String,
    pub assignee_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub created_on: NaiveDate,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub acknowledge_minutes: Option<i32>,
    pub resolve_minutes: Option<i32>,
    /// Set for imported history, which raises no alert.
    pub overdue_notified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ticket_events)]
pub struct TicketEvent {
    pub id: i64,
    pub ticket_id: i64,
    pub actor_id: Option<i64>,
    pub at: NaiveDateTime,
    pub field: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ticket_events)]
pub struct NewTicketEvent {
    pub ticket_id: i64,
    pub actor_id: Option<i64>,
    pub at: NaiveDateTime,
    pub field: String,
    pub from_value: Option<String>,
    pub to_value: Option<String>,
}

impl NewTicketEvent {
    fn change(
        ticket_id: i64,
        actor_id: i64,
        at: NaiveDateTime,
        field: &str,
        from: Option<String>,
        to: Option<String>,
    ) -> Self {
        NewTicketEvent {
            ticket_id,
            actor_id: Some(actor_id),
            at,
            field: field.to_string(),
            from_value: from,
            to_value: to,
        }
    }
}

/// An insert that returns the whole row, written per backend: the multi connection cannot
/// build `RETURNING` itself.
macro_rules! insert_returning {
    ($conn:expr, $table:expr, $values:expr, $row:ty) => {
        match $conn {
            DbConn::Postgresql(pg) => diesel::insert_into($table)
                .values($values)
                .returning(<$row>::as_returning())
                .get_result::<$row>(pg),
            DbConn::Sqlite(sqlite) => diesel::insert_into($table)
                .values($values)
                .returning(<$row>::as_returning())
                .get_result::<$row>(sqlite),
        }
    };
}
pub(crate) use insert_returning;

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Ticket>> {
    // Run on the backend's own connection, the statement is found in its cache by the
    // query's type; through `DbConn` it would be written out in SQL first on every read, to
    // be looked up by its text (two fifths of the work of reading one ticket on SQLite).
    match conn {
        DbConn::Sqlite(sqlite) => tickets::table
            .find(id)
            .select(Ticket::as_select())
            .first(sqlite)
            .optional(),
        DbConn::Postgresql(pg) => tickets::table
            .find(id)
            .select(Ticket::as_select())
            .first(pg)
            .optional(),
    }
}

/// The ticket if the actor may see it: agents see only their member's.
pub fn find_visible(conn: &mut DbConn, id: i64, actor: &Actor) -> Result<Ticket, AppError> {
    match find(conn, id)? {
        Some(ticket) if actor.member_scope().is_none_or(|m| m == ticket.member_id) => Ok(ticket),
        _ => Err(AppError::not_found(format!("ticket {id}"))),
    }
}

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
    pub ticket_type: String,
    pub category_id: Option<i64>,
    pub priority: i32,
    pub origin: String,
    pub channel: String,
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

const IDEMPOTENCY_WINDOW_HOURS: i64 = 24;

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
        match super::write(conn, |conn| {
            let filed = file_once(conn, draft, actor, idempotency, policy)?;
            if let Filed::Created(ticket) = &filed {
                index_for_search(conn, ticket.id, ticket.id)?;
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
pub(super) fn file_once(
    conn: &mut DbConn,
    draft: &TicketDraft,
    actor: &Actor,
    idempotency: Option<&IdempotencyKey>,
    policy: &Policy,
) -> Result<Filed, AppError> {
    let at = now();
    if let Some(key) = idempotency {
        let seen: Option<(i64, String, i64, NaiveDateTime)> = idempotency_keys::table
            .filter(idempotency_keys::user_id.eq(actor.id))
            .filter(idempotency_keys::idempotency_key.eq(&key.key))
            .select((
                idempotency_keys::id,
                idempotency_keys::request_hash,
                idempotency_keys::ticket_id,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
        if let Some((row_id, hash, ticket_id, created_at)) = seen {
            if at - created_at < Duration::hours(IDEMPOTENCY_WINDOW_HOURS) {
                if hash != key.request_hash {
                    return Err(AppError::Conflict {
                        code: "idempotency_key_reused",
                        message: "this Idempotency-Key was used with another request body".into(),
                    });
                }
                let ticket = find(conn, ticket_id)?
                    .ok_or_else(|| AppError::internal("idempotency key without its ticket"))?;
                return Ok(Filed::Replayed(ticket));
            }
            diesel::delete(idempotency_keys::table.find(row_id)).execute(conn)?;
        }
    }
    let ticket = file_many(conn, &[(draft, actor)], at, policy)?
        .pop()
        .ok_or_else(|| AppError::internal("a filing without its outcome"))??;
    if let Some(key) = idempotency {
        diesel::insert_into(idempotency_keys::table)
            .values((
                idempotency_keys::user_id.eq(actor.id),
                idempotency_keys::idempotency_key.eq(&key.key),
                idempotency_keys::request_hash.eq(&key.request_hash),
                idempotency_keys::ticket_id.eq(ticket.id),
                idempotency_keys::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(Filed::Created(ticket))
}

/// PostgreSQL's trigram index gathers new entries in a pending list and merges it into the
/// index when it passes `gin_pending_list_limit` (4 MB by default); the insert that passes it
/// waits for the whole merge. Under steady filings that held a group of filings 40 to 70 ms
/// about once a second. With 256 kB the merges of filings are under 10 ms, for about as many
/// filings a second (without a pending list at all, a third fewer). An import keeps the large
/// list, whose merges cost it less in all (about a tenth, with 256 kB).
const FILING_PENDING_LIST: &str = "SET LOCAL gin_pending_list_limit = 256";

/// Files tickets filed at `at` within a transaction open on `conn`, in the same few statements
/// whatever their number, but for the trigram index (see `file_once`): one outcome per filing,
/// in order. A filing whose member or category is not valid gets its error and the others are
/// filed; an error of the database is the whole call's.
pub(super) fn file_many(
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
    let categories: HashSet<i64> = if category_ids.is_empty() {
        HashSet::new()
    } else {
        super::categories::existing(conn, &category_ids)?
    };

    let mut outcomes: Vec<Option<Result<Ticket, AppError>>> = Vec::with_capacity(filings.len());
    let mut rows = Vec::with_capacity(filings.len());
    for (draft, _) in filings {
        let member = member_problem(found.get(&draft.member_id), draft.member_id, today);
        let category = draft
            .category_id
            .filter(|id| !categories.contains(id))
            .map(category_problem);
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
    let mut filed: Vec<Ticket> = match conn {
        DbConn::Postgresql(pg) => {
            pg.batch_execute(FILING_PENDING_LIST)?;
            diesel::insert_into(tickets::table)
                .values(&rows)
                .returning(Ticket::as_returning())
                .get_results(pg)?
        }
        DbConn::Sqlite(sqlite) => diesel::insert_into(tickets::table)
            .values(&rows)
            .returning(Ticket::as_returning())
            .get_results(sqlite)?,
    };
    // Ids are given in the order of the rows inserted.
    filed.sort_unstable_by_key(|t| t.id);
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

    let recipients = requester_emails(conn, &filed)?;
    let messages: Vec<(crate::notify::Message, i64)> = filed
        .iter()
        .filter_map(|ticket| {
            let recipient = recipients.get(&ticket.id)?;
            Some((policy.mail.filed(recipient, &ticket.facts()), ticket.id))
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
                Some(ticket.status.clone()),
            )
        })
        .collect();
    record_events(conn, &events)?;
    // The aggregates last: every filing of a member in a month updates the same rows, whose
    // locks (on PostgreSQL) are then held only from here to the commit.
    let mut monthly: HashMap<(i64, NaiveDate, String), i64> = HashMap::new();
    for ticket in &filed {
        let month = ticket.created_on.with_day0(0).unwrap_or(ticket.created_on);
        *monthly
            .entry((ticket.member_id, month, ticket.origin.clone()))
            .or_default() += 1;
    }
    counts::add_tickets_many(conn, &monthly)?;
    let contributions: Vec<Contribution> = filed.iter().map(Ticket::contribution).collect();
    sla_counts::add_all(conn, &contributions)?;

    for (i, ticket) in waiting.into_iter().zip(filed) {
        outcomes[i] = Some(Ok(ticket));
    }
    Ok(outcomes.into_iter().flatten().collect())
}

/// The row of a new ticket, as filed at `at`.
fn new_ticket(draft: &TicketDraft, at: NaiveDateTime, today: NaiveDate) -> NewTicket {
    NewTicket {
        member_id: draft.member_id,
        requester_id: draft.requester_id,
        requester_name: draft.requester_name.clone(),
        requester_email: draft.requester_email.clone(),
        requester_phone: draft.requester_phone.clone(),
        title: draft.title.clone(),
        description: draft.description.clone(),
        search_text: crate::domain::text::search_text(&draft.title, &draft.description),
        ticket_type: draft.ticket_type.clone(),
        category_id: draft.category_id,
        priority: draft.priority,
        status: Status::New.as_str().to_string(),
        origin: draft.origin.clone(),
        channel: draft.channel.clone(),
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
    }
}

/// Where mail for the requester goes: the address given with the ticket, else the address of
/// the agent who filed it; none when neither is known.
pub fn requester_email(conn: &mut DbConn, ticket: &Ticket) -> QueryResult<Option<String>> {
    Ok(requester_emails(conn, std::slice::from_ref(ticket))?.remove(&ticket.id))
}

/// Where mail for the requester of each of these tickets goes, by ticket id (as
/// `requester_email`), in one read of the agents' addresses.
fn requester_emails(conn: &mut DbConn, tickets: &[Ticket]) -> QueryResult<HashMap<i64, String>> {
    let mut asking: Vec<i64> = tickets
        .iter()
        .filter(|t| t.requester_email.is_none())
        .filter_map(|t| t.requester_id)
        .collect();
    asking.sort_unstable();
    asking.dedup();
    let agents: HashMap<i64, String> = user_rows::emails(conn, &asking)?.into_iter().collect();
    Ok(tickets
        .iter()
        .filter_map(|ticket| {
            let email = match (&ticket.requester_email, ticket.requester_id) {
                (Some(email), _) => email.clone(),
                (None, Some(id)) => agents.get(&id)?.clone(),
                (None, None) => return None,
            };
            Some((ticket.id, email))
        })
        .collect())
}

/// The member must exist and have been a member on that day.
fn check_member_on(
    conn: &mut DbConn,
    member_id: i64,
    day: NaiveDate,
    field: &str,
) -> Result<(), AppError> {
    let member = members::find(conn, member_id)?;
    match member_problem(member.as_ref(), member_id, day) {
        Some(problem) => Err(AppError::validation(field, problem)),
        None => Ok(()),
    }
}

/// What is wrong with filing for this member on that day, if anything.
fn member_problem(member: Option<&members::Member>, id: i64, day: NaiveDate) -> Option<String> {
    match member {
        None => Some(format!("member {id} does not exist")),
        Some(member) if !member.membership().covers(day) => {
            Some(format!("{} was not a member on {day}", member.code))
        }
        Some(_) => None,
    }
}

fn check_category(
    conn: &mut DbConn,
    category_id: Option<i64>,
    field: &str,
) -> Result<(), AppError> {
    if let Some(id) = category_id {
        if super::categories::find(conn, id)?.is_none() {
            return Err(AppError::validation(field, category_problem(id)));
        }
    }
    Ok(())
}

fn category_problem(id: i64) -> String {
    format!("category {id} does not exist")
}

/// A user tickets may be assigned to: any active member of staff.
fn check_assignee(conn: &mut DbConn, user_id: i64, field: &str) -> Result<(), AppError> {
    match user_rows::find(conn, user_id)? {
        Some(user) if !user.disabled && Role::from_stored(&user.role).is_staff() => Ok(()),
        Some(_) => Err(AppError::validation(
            field,
            format!("user {user_id} cannot be assigned tickets (not active staff)"),
        )),
        None => Err(AppError::validation(
            field,
            format!("user {user_id} does not exist"),
        )),
    }
}

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
struct TicketRowUpdate {
    member_id: i64,
    title: String,
    description: String,
    search_text: String,
    ticket_type: String,
    category_id: Option<i64>,
    priority: i32,
    status: String,
    origin: String,
    assignee_id: Option<i64>,
    acknowledged_at: Option<NaiveDateTime>,
    resolved_at: Option<NaiveDateTime>,
    closed_at: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
    version: i32,
    paused_minutes: i32,
    waiting_since: Option<NaiveDateTime>,
    acknowledge_minutes: Option<i32>,
    resolve_minutes: Option<i32>,
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
        let result = super::write(conn, |conn| {
            change_once(conn, id, changes, expected_version, actor, policy)
        });
        match result {
            Err(AppError::VersionConflict { .. }) if expected_version.is_none() && attempts < 5 => {
            }
            other => return other,
        }
    }
}

fn change_once(
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
    if let DbConn::Postgresql(pg) = conn {
        tickets::table
            .find(id)
            .select(tickets::id)
            .for_update()
            .first::<i64>(pg)
            .optional()?;
    }
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
    let mut status = current_status;
    let mut assignee_id = current.assignee_id;
    let mut acknowledged_at = current.acknowledged_at;
    let mut resolved_at = current.resolved_at;
    let mut closed_at = current.closed_at;

    if let Some(new_assignee) = changes.assignee_id {
        if new_assignee != current.assignee_id {
            match new_assignee {
                Some(user_id) => {
                    if !current_status.accepts_assignment() {
                        return Err(AppError::InvalidTransition(format!(
                            "a {current_status} ticket cannot be assigned"
                        )));
                    }
                    check_assignee(conn, user_id, "assignee_id")?;
                    status = current_status.after_assignment();
                    acknowledged_at.get_or_insert(at);
                }
                None if current_status == Status::Assigned && changes.status.is_none() => {
                    return Err(AppError::InvalidTransition(
                        "an assigned ticket keeps an assignee: assign another or change its status"
                            .into(),
                    ));
                }
                None => {}
            }
            assignee_id = new_assignee;
        }
    }

    if let Some(target) = changes.status {
        if target != status {
            if target == Status::Assigned {
                return Err(AppError::InvalidTransition(
                    "a ticket becomes assigned by assigning it (assignee_id or /assign)".into(),
                ));
            }
            if !status.may_move_to(target) {
                return Err(AppError::InvalidTransition(format!(
                    "a {status} ticket cannot move to {target}"
                )));
            }
            status = target;
        }
    }
    let mut clock = current.clock();
    let mut acknowledge_minutes = current.acknowledge_minutes;
    let mut resolve_minutes = current.resolve_minutes;
    if status != current_status {
        if status.acknowledges() {
            acknowledged_at.get_or_insert(at);
        }
        // Waiting pauses the service-level clocks.
        if let Some(since) = clock.waiting_since.take() {
            clock.paused_minutes += policy.clock.calendar.business_minutes(since, at);
        }
        if status == Status::Waiting {
            clock.waiting_since = Some(at);
        }
        match status {
            Status::Resolved => {
                resolved_at = Some(at);
                resolve_minutes = Some(policy.clock.elapsed(&clock, at) as i32);
            }
            Status::Closed => closed_at = Some(at),
            Status::InProgress if current_status == Status::Resolved => {
                resolved_at = None;
                resolve_minutes = None;
            }
            _ => {}
        }
    }
    if current.acknowledged_at.is_none() && acknowledged_at.is_some() {
        acknowledge_minutes = Some(policy.clock.elapsed(&clock, at) as i32);
    }

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
        paused_minutes: clock.paused_minutes as i32,
        waiting_since: clock.waiting_since,
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

/// Filters of the ticket list; `member_scope` confines an agent to their member.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub member_scope: Option<i64>,
    pub statuses: Vec<String>,
    pub member_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub category_id: Option<i64>,
    pub priority: Option<i32>,
    pub origin: Option<String>,
    pub created_from: Option<NaiveDate>,
    pub created_to: Option<NaiveDate>,
    pub q: Option<String>,
}

impl TicketFilter {
    /// Whether `q` is the only filter.
    fn is_text_only(&self) -> bool {
        self.member_scope.is_none()
            && self.statuses.is_empty()
            && self.member_id.is_none()
            && self.assignee_id.is_none()
            && self.category_id.is_none()
            && self.priority.is_none()
            && self.origin.is_none()
            && self.created_from.is_none()
            && self.created_to.is_none()
    }
}

/// Rows of the newest-first order that a `q` search reads before it turns to the trigram index.
/// A text found in many tickets (a common word) fills a page within them, where the index would
/// intersect long lists of places; a rare one leaves the window short of a page, and the index
/// finds the older matches quickly.
const SEARCH_WINDOW: i64 = 4000;

type Backend = <DbConn as Connection>::Backend;

/// Newest first, after the `(created_at, id)` of the previous page's last ticket.
pub fn list(
    conn: &mut DbConn,
    filter: &TicketFilter,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<Ticket>> {
    let mut statuses = filter.statuses.clone();
    statuses.sort_unstable();
    statuses.dedup();
    if statuses.len() > 1 && filter.q.is_none() {
        // Each status is a range of an index in the list's order: the keys of one page from
        // each, read from the index alone and merged, name the page's tickets, which are then
        // the only rows read.
        let mut keys: Vec<(NaiveDateTime, i64)> = Vec::new();
        for status in statuses {
            let one = TicketFilter {
                statuses: vec![status],
                ..filter.clone()
            };
            keys.extend(
                newest_first(filtered(&one, after), limit)
                    .select((tickets::created_at, tickets::id))
                    .load::<(NaiveDateTime, i64)>(conn)?,
            );
        }
        return page_of(conn, filter, after, keys, limit);
    }
    if statuses.len() > 1 {
        // With `q`, each status is searched as above and the pages merged.
        let mut rows = Vec::new();
        for status in statuses {
            let one = TicketFilter {
                statuses: vec![status],
                ..filter.clone()
            };
            rows.extend(list(conn, &one, after, limit)?);
        }
        rows.sort_unstable_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        return Ok(rows);
    }
    let Some(q) = &filter.q else {
        return newest_first(filtered(filter, after), limit)
            .select(Ticket::as_select())
            .load(conn);
    };
    if let (DbConn::Postgresql(_), true) = (&*conn, filter.is_text_only()) {
        return search_everything(conn, filter, q, after, limit);
    }
    // The newest SEARCH_WINDOW tickets of the other filters are read in order first, ending at
    // `edge`; older matches, if the page is not full, come from the trigram index.
    let edge: Option<(NaiveDateTime, i64)> = newest_first(filtered(filter, after), 1)
        .offset(SEARCH_WINDOW - 1)
        .select((tickets::created_at, tickets::id))
        .first(conn)
        .optional()?;
    let mut recent = containing_unindexed(filtered(filter, after), q);
    if let Some(edge) = edge {
        recent = from_key(recent, edge);
    }
    let mut rows = newest_first(recent, limit)
        .select(Ticket::as_select())
        .load(conn)?;
    if let Some(edge) = edge {
        fill_with_older_matches(conn, filter, q, edge, limit, &mut rows)?;
    }
    Ok(rows)
}

/// Texts up to this many bytes ride in PostgreSQL's `tickets_newest_text` index; the longer
/// ones have `tickets_newest_long` (see its migration).
const SHORT_TEXT: &str = "octet_length(tickets.search_text) <= 2000";
const LONG_TEXT: &str = "octet_length(tickets.search_text) > 2000";

/// A `q` search with no other filter, on PostgreSQL. The newest SEARCH_WINDOW short texts are
/// read from `tickets_newest_text` alone, in order, until a page of them matches; long texts
/// as recent as the last of those come from their own index; only the page's tickets are then
/// read from the table. A window short of a page is followed, as in `list`, by the older
/// matches from the trigram index.
fn search_everything(
    conn: &mut DbConn,
    filter: &TicketFilter,
    q: &str,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<Ticket>> {
    use diesel::pg::Pg;
    use diesel::sql_types::{BigInt, Timestamp};

    #[derive(QueryableByName)]
    struct Key {
        #[diesel(sql_type = Timestamp)]
        created_at: NaiveDateTime,
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let DbConn::Postgresql(pg) = conn else {
        return Err(diesel::result::Error::QueryBuilderError(
            "this search is written for PostgreSQL".into(),
        ));
    };
    // A LIMIT in the subquery keeps the text condition out of it: the window is read from the
    // index, never through the trigram index.
    let window = format!(
        "SELECT created_at, id FROM (SELECT created_at, id, search_text FROM tickets \
         WHERE {SHORT_TEXT}{} ORDER BY created_at DESC, id DESC LIMIT $1) newest \
         WHERE search_text LIKE $2 ESCAPE '\\' ORDER BY created_at DESC, id DESC LIMIT $3",
        if after.is_some() {
            " AND created_at <= $4 AND (created_at < $4 OR (created_at = $4 AND id < $5))"
        } else {
            ""
        }
    );
    let mut query = diesel::sql_query(window)
        .into_boxed::<Pg>()
        .bind::<BigInt, _>(SEARCH_WINDOW)
        .bind::<Text, _>(like_pattern(q))
        .bind::<BigInt, _>(limit);
    if let Some((created_at, id)) = after {
        query = query.bind::<Timestamp, _>(created_at).bind::<BigInt, _>(id);
    }
    let mut keys: Vec<(NaiveDateTime, i64)> = query
        .load::<Key>(pg)?
        .into_iter()
        .map(|k| (k.created_at, k.id))
        .collect();
    // Matches older than `bound` cannot be on the page: either a page of short texts is as
    // recent, or the window ends there (then `edge`).
    let (bound, edge) = if keys.len() as i64 >= limit {
        (keys.last().copied(), None)
    } else {
        let edge = newest_first(filtered(filter, after).filter(sql::<Bool>(SHORT_TEXT)), 1)
            .offset(SEARCH_WINDOW - 1)
            .select((tickets::created_at, tickets::id))
            .first(conn)
            .optional()?;
        (edge, edge)
    };
    let mut long = containing_unindexed(filtered(filter, after).filter(sql::<Bool>(LONG_TEXT)), q);
    if let Some(bound) = bound {
        long = from_key(long, bound);
    }
    keys.extend(
        newest_first(long, limit)
            .select((tickets::created_at, tickets::id))
            .load::<(NaiveDateTime, i64)>(conn)?,
    );
    let mut rows = page_of(conn, filter, after, keys, limit)?;
    if let Some(edge) = edge {
        fill_with_older_matches(conn, filter, q, edge, limit, &mut rows)?;
    }
    Ok(rows)
}

/// `q` found in the text, tested row by row: `|| ''` keeps PostgreSQL from answering a bounded
/// read through the trigram index.
fn containing_unindexed(
    query: tickets::BoxedQuery<'static, Backend>,
    q: &str,
) -> tickets::BoxedQuery<'static, Backend> {
    query.filter(
        sql::<Text>("(tickets.search_text || '')")
            .like(like_pattern(q))
            .escape('\\'),
    )
}

/// The tickets from `(created_at, id)` on, towards the newest.
fn from_key(
    query: tickets::BoxedQuery<'static, Backend>,
    (created_at, id): (NaiveDateTime, i64),
) -> tickets::BoxedQuery<'static, Backend> {
    // The first, redundant bound is the one PostgreSQL can read the index by.
    query.filter(tickets::created_at.ge(created_at)).filter(
        tickets::created_at
            .gt(created_at)
            .or(tickets::created_at.eq(created_at).and(tickets::id.ge(id))),
    )
}

/// Fills `rows` up to `limit` with the matches of `q` older than `edge`, newest first, found
/// through the text index.
fn fill_with_older_matches(
    conn: &mut DbConn,
    filter: &TicketFilter,
    q: &str,
    edge: (NaiveDateTime, i64),
    limit: i64,
    rows: &mut Vec<Ticket>,
) -> QueryResult<()> {
    let missing = limit - rows.len() as i64;
    if missing <= 0 {
        return Ok(());
    }
    let older = filtered(filter, Some(edge));
    let lowered = q.to_lowercase();
    let older = match conn {
        // The trigram index finds a text of three characters or more as a phrase; a shorter
        // one is looked for in every ticket.
        DbConn::Sqlite(_) if lowered.chars().count() >= 3 => older.filter(
            sql::<Bool>(
                "tickets.id IN (SELECT rowid FROM tickets_search WHERE tickets_search MATCH ",
            )
            .bind::<Text, _>(format!("\"{}\"", lowered.replace('"', "\"\"")))
            .sql(")"),
        ),
        _ => older.filter(tickets::search_text.like(like_pattern(q)).escape('\\')),
    };
    rows.extend(
        newest_first(older, missing)
            .select(Ticket::as_select())
            .load(conn)?,
    );
    Ok(())
}

/// The page named by the newest `limit` of `keys` (`(created_at, id)` read from indexes),
/// newest first. The filters are applied again: a ticket changed since its key was read is left
/// out rather than shown with a status that was not asked for.
fn page_of(
    conn: &mut DbConn,
    filter: &TicketFilter,
    after: Option<(NaiveDateTime, i64)>,
    mut keys: Vec<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<Ticket>> {
    keys.sort_unstable_by_key(|&key| std::cmp::Reverse(key));
    keys.truncate(usize::try_from(limit).unwrap_or(0));
    let ids: Vec<i64> = keys.iter().map(|&(_, id)| id).collect();
    let mut rows: Vec<Ticket> = filtered(filter, after)
        .filter(tickets::id.eq_any(ids))
        .select(Ticket::as_select())
        .load(conn)?;
    rows.sort_unstable_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
    Ok(rows)
}

/// The tickets that pass every filter but `q`, after the cursor.
fn filtered(
    filter: &TicketFilter,
    after: Option<(NaiveDateTime, i64)>,
) -> tickets::BoxedQuery<'static, Backend> {
    let mut query = tickets::table.into_boxed();
    if let Some(member) = filter.member_scope {
        query = query.filter(tickets::member_id.eq(member));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(tickets::status.eq_any(filter.statuses.clone()));
    }
    if let Some(member) = filter.member_id {
        query = query.filter(tickets::member_id.eq(member));
    }
    if let Some(assignee) = filter.assignee_id {
        query = query.filter(tickets::assignee_id.eq(assignee));
    }
    if let Some(category) = filter.category_id {
        query = query.filter(tickets::category_id.eq(category));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(tickets::priority.eq(priority));
    }
    if let Some(origin) = &filter.origin {
        query = query.filter(tickets::origin.eq(origin.clone()));
    }
    if let Some(from) = filter.created_from {
        query = query.filter(tickets::created_on.ge(from));
    }
    if let Some(to) = filter.created_to {
        query = query.filter(tickets::created_on.le(to));
    }
    if let Some((created_at, id)) = after {
        // The first, redundant bound is the one PostgreSQL can read the index by.
        query = query.filter(tickets::created_at.le(created_at)).filter(
            tickets::created_at
                .lt(created_at)
                .or(tickets::created_at.eq(created_at).and(tickets::id.lt(id))),
        );
    }
    query
}

fn newest_first(
    query: tickets::BoxedQuery<'static, Backend>,
    limit: i64,
) -> tickets::BoxedQuery<'static, Backend> {
    query
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .limit(limit)
}

/// `%text%` with the text lower-cased like `search_text` and its wildcards escaped.
fn like_pattern(q: &str) -> String {
    let mut pattern = String::from("%");
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A ticket's history, newest first.
pub fn history(
    conn: &mut DbConn,
    ticket_id: i64,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<TicketEvent>> {
    let mut query = ticket_events::table
        .filter(ticket_events::ticket_id.eq(ticket_id))
        .select(TicketEvent::as_select())
        .into_boxed();
    if let Some(id) = before_id {
        query = query.filter(ticket_events::id.lt(id));
    }
    query
        .order(ticket_events::id.desc())
        .limit(limit)
        .load(conn)
}

/// Inserts history rows in one statement (per backend: the multi connection has no batch insert).
pub fn record_events(conn: &mut DbConn, events: &[NewTicketEvent]) -> QueryResult<()> {
    match conn {
        DbConn::Postgresql(pg) => diesel::insert_into(ticket_events::table)
            .values(events)
            .execute(pg)?,
        DbConn::Sqlite(sqlite) => diesel::insert_into(ticket_events::table)
            .values(events)
            .execute(sqlite)?,
    };
    Ok(())
}

pub fn record_event(conn: &mut DbConn, event: &NewTicketEvent) -> QueryResult<()> {
    diesel::insert_into(ticket_events::table)
        .values(event)
        .execute(conn)
        .map(|_| ())
}

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
}

/// Business minutes from an imported ticket's creation to one of its moments (its waiting
/// periods are not known: nothing is paused).
fn measure(policy: &Policy, row: &ImportedTicket, until: Option<NaiveDateTime>) -> Option<i32> {
    let clock = TicketClock {
        created_at: row.created_at,
        paused_minutes: 0,
        waiting_since: None,
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
    super::with_bulk_cache(conn, |conn| import_batch(conn, batch, actor, policy))
}

fn import_batch(
    conn: &mut DbConn,
    batch: &[ImportedTicket],
    actor: &Actor,
    policy: &Policy,
) -> Result<Vec<i64>, AppError> {
    let zone = policy.zone;
    super::write(conn, |conn| {
        let members: HashMap<i64, members::Member> =
            members::all(conn)?.into_iter().map(|m| (m.id, m)).collect();
        let categories: HashSet<i64> = super::categories::all(conn)?
            .into_iter()
            .map(|c| c.id)
            .collect();
        let staff: HashSet<i64> = users::table
            .filter(users::role.ne("agent"))
            .select(users::id)
            .load::<i64>(conn)?
            .into_iter()
            .collect();

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
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }

        let at = now();
        let mut monthly: HashMap<(i64, NaiveDate, String), i64> = HashMap::new();
        let mut contributions: Vec<Contribution> = Vec::with_capacity(batch.len());
        let mut ids = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(500) {
            let rows: Vec<NewTicket> = chunk
                .iter()
                .map(|row| {
                    let created_on = local_date(row.created_at, zone);
                    let first_of_month = created_on.with_day0(0).unwrap_or(created_on);
                    *monthly
                        .entry((
                            row.draft.member_id,
                            first_of_month,
                            row.draft.origin.clone(),
                        ))
                        .or_default() += 1;
                    let acknowledge_minutes = measure(policy, row, row.acknowledged_at);
                    let resolve_minutes = measure(policy, row, row.resolved_at);
                    contributions.push(Contribution::new(
                        row.draft.member_id,
                        created_on,
                        row.draft.priority,
                        &row.draft.origin,
                        acknowledge_minutes,
                        resolve_minutes,
                    ));
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
                        ),
                        ticket_type: row.draft.ticket_type.clone(),
                        category_id: row.draft.category_id,
                        priority: row.draft.priority,
                        status: row.status.as_str().to_string(),
                        origin: row.draft.origin.clone(),
                        channel: row.draft.channel.clone(),
                        assignee_id: row.assignee_id,
                        created_at: row.created_at,
                        created_on,
                        acknowledged_at: row.acknowledged_at,
                        resolved_at: row.resolved_at,
                        closed_at: row.closed_at,
                        updated_at: at,
                        version: 1,
                        acknowledge_minutes,
                        resolve_minutes,
                        overdue_notified_at: Some(at),
                    }
                })
                .collect();
            let chunk_ids: Vec<i64> = match conn {
                DbConn::Postgresql(pg) => diesel::insert_into(tickets::table)
                    .values(&rows)
                    .returning(tickets::id)
                    .get_results(pg)?,
                DbConn::Sqlite(sqlite) => diesel::insert_into(tickets::table)
                    .values(&rows)
                    .returning(tickets::id)
                    .get_results(sqlite)?,
            };
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
            record_events(conn, &events)?;
            ids.extend(chunk_ids);
        }
        if let (Some(&first), Some(&last)) = (ids.iter().min(), ids.iter().max()) {
            index_for_search(conn, first, last)?;
        }
        counts::add_tickets_many(conn, &monthly)?;
        sla_counts::add_all(conn, &contributions)?;
        Ok(ids)
    })
}

/// Tickets not yet taken in charge nor alerted about, filed since `since`.
pub fn awaiting_acknowledgement(
    conn: &mut DbConn,
    since: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Ticket>> {
    tickets::table
        .filter(tickets::acknowledged_at.is_null())
        .filter(tickets::overdue_notified_at.is_null())
        .filter(tickets::status.eq_any([Status::New.as_str(), Status::Waiting.as_str()]))
        .filter(tickets::created_at.ge(since))
        .select(Ticket::as_select())
        .order(tickets::id.asc())
        .limit(limit)
        .load(conn)
}

/// Marks a ticket as alerted about and queues the alert to the hotline and the managers, once:
/// of two workers, only the one whose update takes the ticket queues anything.
pub fn alert_overdue(
    conn: &mut DbConn,
    ticket: &Ticket,
    target_minutes: i64,
    policy: &Policy,
) -> QueryResult<bool> {
    super::write(conn, |conn| {
        let at = now();
        let taken = diesel::update(
            tickets::table
                .filter(tickets::id.eq(ticket.id))
                .filter(tickets::overdue_notified_at.is_null())
                .filter(tickets::acknowledged_at.is_null()),
        )
        .set(tickets::overdue_notified_at.eq(at))
        .execute(conn)?;
        if taken == 0 {
            return Ok(false);
        }
        let member = members::find(conn, ticket.member_id)?
            .map(|m| m.name)
            .unwrap_or_default();
        let recipients: Vec<String> = users::table
            .filter(users::role.eq_any([Role::Hotline.as_str(), Role::Manager.as_str()]))
            .filter(users::disabled.eq(false))
            .select(users::email)
            .order(users::id.asc())
            .load(conn)?;
        for recipient in recipients {
            let message = policy
                .mail
                .overdue(&recipient, &ticket.facts(), &member, target_minutes);
            outbox::enqueue(conn, &message, Some(ticket.id), at)?;
        }
        Ok(true)
    })
}

/// Puts the tickets with ids from `first` to `last`, just inserted in this transaction, into the
/// SQLite trigram index, in one statement, so that FTS5 writes one segment for them all.
/// PostgreSQL's trigram index is an index of the table: nothing to do there.
pub(super) fn index_for_search(conn: &mut DbConn, first: i64, last: i64) -> QueryResult<()> {
    if let DbConn::Sqlite(sqlite) = conn {
        diesel::sql_query(
            "INSERT INTO tickets_search (rowid, search_text) \
             SELECT id, search_text FROM tickets WHERE id BETWEEN ? AND ?",
        )
        .bind::<diesel::sql_types::BigInt, _>(first)
        .bind::<diesel::sql_types::BigInt, _>(last)
        .execute(sqlite)?;
    }
    Ok(())
}

/// Which of these ticket ids exist.
pub fn existing(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashSet<i64>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<i64> = tickets::table
            .filter(tickets::id.eq_any(chunk))
            .select(tickets::id)
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}
