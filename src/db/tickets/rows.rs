//! The rows of tickets and of their history, and the statements that read and write them.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::counts::{QueueKey, TicketGroups};
use crate::db::schema::{ticket_events, tickets};
use crate::db::service_levels::Contribution;
use crate::db::stored::{StoredDate, StoredMaybeTime, StoredTime};
use crate::db::{each_backend, Dialect};
use crate::db::{users as user_rows, DbConn};
use crate::domain::service_level::TicketClock;
use crate::domain::ticket::{Channel, Origin, Priority, Status, TicketType};

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
    pub ticket_type: TicketType,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub status: Status,
    pub origin: Origin,
    pub channel: Channel,
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
    /// Its reference in the system it was brought from (`glpi:1234`).
    pub external_ref: Option<String>,
}

impl Ticket {
    pub fn clock(&self) -> TicketClock {
        TicketClock {
            created_at: self.created_at,
            paused_minutes: i64::from(self.paused_minutes),
            waiting_since: self.waiting_since,
        }
    }

    /// Where the ticket counts in the queue's kept counts.
    pub fn queue_key(&self) -> QueueKey {
        QueueKey::new(
            self.status,
            self.assignee_id,
            self.priority,
            self.paused_minutes == 0 && self.waiting_since.is_none(),
            self.acknowledged_at.is_some(),
        )
    }

    /// Where and how the ticket counts in the service-level aggregates.
    pub fn contribution(&self) -> Contribution {
        Contribution::new(
            self.member_id,
            self.created_on,
            self.priority,
            self.origin,
            self.acknowledge_minutes,
            self.resolve_minutes,
        )
    }

    /// Where the ticket counts by category and by technician.
    pub fn groups(&self) -> TicketGroups {
        TicketGroups {
            member_id: self.member_id,
            category_id: self.category_id,
            assignee_id: self.assignee_id,
            created_on: self.created_on,
            origin: self.origin,
        }
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub struct NewTicket {
    pub member_id: i64,
    pub requester_id: Option<i64>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_phone: Option<String>,
    pub title: String,
    pub description: String,
    pub search_text: String,
    pub ticket_type: TicketType,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub status: Status,
    pub origin: Origin,
    pub channel: Channel,
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
    pub waiting_since: Option<NaiveDateTime>,
    pub external_ref: Option<String>,
    /// For history brought from another system: the digest of what it was brought from.
    pub import_digest: Option<String>,
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
    pub fn change(
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
    // be looked up by its text (much of the work of reading one ticket on SQLite).
    each_backend!(conn, c => tickets::table
        .find(id)
        .select(Ticket::as_select())
        .first(c)
        .optional())
}

/// Where mail for the requester goes: the address given with the ticket, else the address of
/// the agent who filed it; none when neither is known.
pub fn requester_email(conn: &mut DbConn, ticket: &Ticket) -> QueryResult<Option<String>> {
    Ok(requester_emails(conn, std::slice::from_ref(ticket))?.remove(&ticket.id))
}

/// Where mail for the requester of each of these tickets goes, by ticket id (as
/// `requester_email`), in one read of the agents' addresses.
pub fn requester_emails(
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
        .filter(tickets::status.eq_any([Status::New, Status::Waiting]))
        .filter(tickets::created_at.ge(since))
        .select(Ticket::as_select())
        .order(tickets::id.asc())
        .limit(limit)
        .load(conn)
}

/// Sets an alert's mark on a ticket still not taken in charge nor alerted about; whether this
/// call set it (of two workers, only one does).
pub fn mark_overdue_notified(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        tickets::table
            .filter(tickets::id.eq(id))
            .filter(tickets::overdue_notified_at.is_null())
            .filter(tickets::acknowledged_at.is_null()),
    )
    .set(tickets::overdue_notified_at.eq(at))
    .execute(conn)
    .map(|taken| taken > 0)
}

/// Every column a change of a ticket may write.
#[derive(AsChangeset)]
#[diesel(table_name = tickets, treat_none_as_null = true)]
pub struct TicketRowUpdate {
    pub member_id: i64,
    pub title: String,
    pub description: String,
    pub search_text: String,
    pub ticket_type: TicketType,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub status: Status,
    pub origin: Origin,
    pub assignee_id: Option<i64>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    pub paused_minutes: i32,
    pub waiting_since: Option<NaiveDateTime>,
    pub acknowledge_minutes: Option<i32>,
    pub resolve_minutes: Option<i32>,
}

/// Locks a ticket's row until the transaction ends, where the backend locks rows.
pub fn lock(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    each_backend!(&mut *conn, c => c.lock_ticket(id))
}

/// Writes `row` over the ticket if it is still at `version`; whether it was.
pub fn update_at_version(
    conn: &mut DbConn,
    id: i64,
    version: i32,
    row: &TicketRowUpdate,
) -> QueryResult<bool> {
    diesel::update(
        tickets::table
            .filter(tickets::id.eq(id))
            .filter(tickets::version.eq(version)),
    )
    .set(row)
    .execute(conn)
    .map(|updated| updated > 0)
}

/// A ticket's version now.
pub fn version_of(conn: &mut DbConn, id: i64) -> QueryResult<i32> {
    tickets::table.find(id).select(tickets::version).first(conn)
}

/// Marks a ticket taken in charge at `at`, after `minutes` of business time.
pub fn set_acknowledged(
    conn: &mut DbConn,
    ticket: &Ticket,
    at: NaiveDateTime,
    minutes: i32,
) -> QueryResult<()> {
    diesel::update(tickets::table.find(ticket.id))
        .set((
            tickets::acknowledge_minutes.eq(minutes),
            tickets::acknowledged_at.eq(at),
            tickets::updated_at.eq(at),
            tickets::version.eq(ticket.version + 1),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Inserts new tickets filed one by one, as a group, and returns them in the order of `rows`.
pub fn insert_filed(conn: &mut DbConn, rows: &[NewTicket]) -> QueryResult<Vec<Ticket>> {
    each_backend!(&mut *conn, c => c.prepare_filing())?;
    let mut filed: Vec<Ticket> = each_backend!(&mut *conn, c => diesel::insert_into(tickets::table)
        .values(rows)
        .returning(Ticket::as_returning())
        .get_results(c))?;
    // Ids are given in the order of the rows inserted.
    filed.sort_unstable_by_key(|t| t.id);
    Ok(filed)
}

/// Inserts tickets of the past, returning their ids in the order of `rows`.
pub fn insert_imported(conn: &mut DbConn, rows: &[NewTicket]) -> QueryResult<Vec<i64>> {
    each_backend!(conn, c => diesel::insert_into(tickets::table)
        .values(rows)
        .returning(tickets::id)
        .get_results(c))
}

/// Puts the tickets with ids from `first` to `last`, just inserted in this transaction, into
/// the text index where it is kept beside the table.
pub fn index_for_search(conn: &mut DbConn, first: i64, last: i64) -> QueryResult<()> {
    each_backend!(&mut *conn, c => c.index_for_search(first, last))
}

/// The tickets brought from another system under these references: `(reference, id, digest)`.
pub fn by_external_refs(
    conn: &mut DbConn,
    references: &[String],
) -> QueryResult<Vec<(String, i64, Option<String>)>> {
    let mut found = Vec::with_capacity(references.len());
    for chunk in references.chunks(500) {
        let rows: Vec<(Option<String>, i64, Option<String>)> = tickets::table
            .filter(tickets::external_ref.eq_any(chunk))
            .select((tickets::external_ref, tickets::id, tickets::import_digest))
            .load(conn)?;
        found.extend(
            rows.into_iter()
                .filter_map(|(reference, id, digest)| reference.map(|r| (r, id, digest))),
        );
    }
    Ok(found)
}

/// Writes a ticket brought again from another system over what it was.
pub fn overwrite(conn: &mut DbConn, id: i64, row: &NewTicket) -> QueryResult<()> {
    diesel::update(tickets::table.find(id))
        .set(row)
        .execute(conn)
        .map(|_| ())
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
