//! The outbox: mail waiting to be sent, claimed by one sender at a time.
//!
//! A sender claims one message when it begins delivering it, for a lease it renews while the
//! SMTP exchange goes on: a message is never free while its sender may still be sending it.
//! Attempts are counted as they begin, so that the outbox shows every one, including one in
//! progress or one whose sender died.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::outbox;
use super::DbConn;
use crate::db::each_backend;
use crate::domain::mail::Message;

pub const QUEUED: &str = "queued";
pub const FAILING: &str = "failing";
pub const FAILED: &str = "failed";
pub const SENT: &str = "sent";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub ticket_id: Option<i64>,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_attempt_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewMessage<'a> {
    kind: &'a str,
    ticket_id: Option<i64>,
    recipient: &'a str,
    subject: &'a str,
    body_text: &'a str,
    body_html: &'a str,
    status: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

impl<'a> NewMessage<'a> {
    fn of(message: &'a Message, ticket_id: Option<i64>, at: NaiveDateTime) -> Self {
        NewMessage {
            kind: message.kind,
            ticket_id,
            recipient: &message.recipient,
            subject: &message.subject,
            body_text: &message.text,
            body_html: &message.html,
            status: QUEUED,
            attempts: 0,
            next_attempt_at: at,
            created_at: at,
        }
    }
}

/// Queues a message; called inside the transaction of the change that causes it.
pub fn enqueue(
    conn: &mut DbConn,
    message: &Message,
    ticket_id: Option<i64>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    if !message.deliverable() {
        return Ok(());
    }
    diesel::insert_into(outbox::table)
        .values(NewMessage::of(message, ticket_id, at))
        .execute(conn)
        .map(|_| ())
}

/// Queues messages about tickets in one statement (per backend: the multi connection has no
/// batch insert).
pub fn enqueue_many(
    conn: &mut DbConn,
    messages: &[(Message, i64)],
    at: NaiveDateTime,
) -> QueryResult<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewMessage> = messages
        .iter()
        .filter(|(message, _)| message.deliverable())
        .map(|(message, ticket_id)| NewMessage::of(message, Some(*ticket_id), at))
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    each_backend!(conn, c => diesel::insert_into(outbox::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}

/// Begins an attempt at the oldest message due now: it is reserved to `worker` until
/// `now + lease` and its attempt counted. A message is claimed by a conditional update, so two
/// senders never take the same one; `None` when nothing is due (or others took what was).
pub fn claim_one(
    conn: &mut DbConn,
    worker: &str,
    now: NaiveDateTime,
    lease: Duration,
) -> QueryResult<Option<OutboxRow>> {
    let free = outbox::locked_until
        .is_null()
        .or(outbox::locked_until.lt(now));
    // A few candidates, should other senders take the first ones meanwhile.
    let candidates: Vec<i64> = outbox::table
        .filter(outbox::status.eq_any([QUEUED, FAILING]))
        .filter(outbox::next_attempt_at.le(now))
        .filter(free)
        .select(outbox::id)
        .order(outbox::id.asc())
        .limit(8)
        .load(conn)?;
    for id in candidates {
        let free = outbox::locked_until
            .is_null()
            .or(outbox::locked_until.lt(now));
        let taken = super::write(conn, |conn| {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.eq_any([QUEUED, FAILING]))
                    .filter(outbox::next_attempt_at.le(now))
                    .filter(free),
            )
            .set((
                outbox::locked_by.eq(worker),
                outbox::locked_until.eq(now + lease),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::last_attempt_at.eq(now),
            ))
            .execute(conn)
        })?;
        if taken == 1 {
            return find(conn, id);
        }
    }
    Ok(None)
}

/// Extends `worker`'s reservation of a message it is still delivering to `until`; false when
/// it no longer holds it.
pub fn renew(conn: &mut DbConn, id: i64, worker: &str, until: NaiveDateTime) -> QueryResult<bool> {
    super::write(conn, |conn| {
        diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::locked_by.eq(worker))
                .filter(outbox::status.eq_any([QUEUED, FAILING])),
        )
        .set(outbox::locked_until.eq(until))
        .execute(conn)
    })
    .map(|n| n == 1)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OutboxRow>> {
    outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()
}

/// Records that `worker`'s attempt delivered the message at `at`, and frees it. Should the
/// worker have lost the message meanwhile, it was delivered all the same: it is marked sent.
pub fn mark_sent(conn: &mut DbConn, id: i64, worker: &str, at: NaiveDateTime) -> QueryResult<()> {
    super::write(conn, |conn| {
        let held = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::locked_by.eq(worker)),
        )
        .set((
            outbox::status.eq(SENT),
            outbox::sent_at.eq(at),
            outbox::locked_by.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
        if held == 0 {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.ne(SENT)),
            )
            .set((outbox::status.eq(SENT), outbox::sent_at.eq(at)))
            .execute(conn)?;
        }
        Ok(())
    })
}

/// Records that `worker`'s attempt failed at `at`: retried at `retry_at`, or never again when
/// it is `None`. Should the worker have lost the message meanwhile, its error is still shown
/// while the message waits.
pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    worker: &str,
    error: &str,
    at: NaiveDateTime,
    retry_at: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let status = if retry_at.is_some() { FAILING } else { FAILED };
    super::write(conn, |conn| {
        let held = diesel::update(
            outbox::table
                .filter(outbox::id.eq(id))
                .filter(outbox::locked_by.eq(worker)),
        )
        .set((
            outbox::status.eq(status),
            outbox::last_error.eq(error),
            outbox::locked_by.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::next_attempt_at.eq(retry_at.unwrap_or(at)),
        ))
        .execute(conn)?;
        if held == 0 {
            diesel::update(
                outbox::table
                    .filter(outbox::id.eq(id))
                    .filter(outbox::status.eq_any([QUEUED, FAILING])),
            )
            .set(outbox::last_error.eq(error))
            .execute(conn)?;
        }
        Ok(())
    })
}

/// Messages newest first, optionally of one status.
pub fn list(
    conn: &mut DbConn,
    status: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox::table.select(OutboxRow::as_select()).into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_string()));
    }
    if let Some(id) = before_id {
        query = query.filter(outbox::id.lt(id));
    }
    query.order(outbox::id.desc()).limit(limit).load(conn)
}

/// How many messages are in each status.
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .load(conn)
}
