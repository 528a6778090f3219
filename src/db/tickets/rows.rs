//! The rows and the reads and checks the rest of the module shares.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use diesel::prelude::*;

use crate::db::each_backend;
use crate::db::schema::{ticket_events, tickets, users};
use crate::db::service_levels::Contribution;
use crate::db::stored::{StoredDate, StoredMaybeTime, StoredTime};
use crate::db::{members, outbox, users as user_rows, DbConn};
use crate::domain::service_level::{ServiceClock, TicketClock};
use crate::domain::ticket::Status;
use crate::domain::time::now;
use crate::domain::user::{Actor, Role};
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

    pub(in crate::db) fn facts(&self) -> TicketFacts<'_> {
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
    pub(in crate::db) fn change(
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

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Ticket>> {
    // Run on the backend's own connection, the statement is found in its cache by the
    // query's type; through `DbConn` it would be written out in SQL first on every read, to
    // be looked up by its text (two fifths of the work of reading one ticket on SQLite).
    each_backend!(conn, c => tickets::table
        .find(id)
        .select(Ticket::as_select())
        .first(c)
        .optional())
}

/// The ticket if the actor may see it: agents see only their member's.
pub fn find_visible(conn: &mut DbConn, id: i64, actor: &Actor) -> Result<Ticket, AppError> {
    match find(conn, id)? {
        Some(ticket) if actor.member_scope().is_none_or(|m| m == ticket.member_id) => Ok(ticket),
        _ => Err(AppError::not_found(format!("ticket {id}"))),
    }
}

/// Where mail for the requester goes: the address given with the ticket, else the address of
/// the agent who filed it; none when neither is known.
pub fn requester_email(conn: &mut DbConn, ticket: &Ticket) -> QueryResult<Option<String>> {
    Ok(requester_emails(conn, std::slice::from_ref(ticket))?.remove(&ticket.id))
}

/// Where mail for the requester of each of these tickets goes, by ticket id (as
/// `requester_email`), in one read of the agents' addresses.
pub(in crate::db) fn requester_emails(
    conn: &mut DbConn,
    tickets: &[Ticket],
) -> QueryResult<HashMap<i64, String>> {
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
pub(in crate::db) fn check_member_on(
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
pub(in crate::db) fn member_problem(
    member: Option<&members::Member>,
    id: i64,
    day: NaiveDate,
) -> Option<String> {
    match member {
        None => Some(format!("member {id} does not exist")),
        Some(member) if !member.membership().covers(day) => {
            Some(format!("{} was not a member on {day}", member.code))
        }
        Some(_) => None,
    }
}

pub(in crate::db) fn check_category(
    conn: &mut DbConn,
    category_id: Option<i64>,
    field: &str,
) -> Result<(), AppError> {
    if let Some(id) = category_id {
        if crate::db::categories::find(conn, id)?.is_none() {
            return Err(AppError::validation(field, category_problem(id)));
        }
    }
    Ok(())
}

pub(in crate::db) fn category_problem(id: i64) -> String {
    format!("category {id} does not exist")
}

/// A user tickets may be assigned to: any active member of staff.
pub(in crate::db) fn check_assignee(
    conn: &mut DbConn,
    user_id: i64,
    field: &str,
) -> Result<(), AppError> {
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
    each_backend!(conn, c => diesel::insert_into(ticket_events::table)
        .values(events)
        .execute(c))?;
    Ok(())
}

pub fn record_event(conn: &mut DbConn, event: &NewTicketEvent) -> QueryResult<()> {
    diesel::insert_into(ticket_events::table)
        .values(event)
        .execute(conn)
        .map(|_| ())
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
    crate::db::write(conn, |conn| {
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
