//! Monthly aggregates kept in the same transaction as the tickets and work logs they count.
//! Statistics read these and never scan tickets.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::upsert::excluded;

pub use super::aggregates::{TicketMonthCount, TicketQueueCount, WorkMonthMinutes};
use super::schema::{ticket_month_counts, ticket_queue_counts, work_month_minutes};
use super::{each_backend, DbConn, Dialect};
use crate::domain::ticket::{Origin, Status};
use crate::domain::time::year_month;
use crate::domain::work_log::WorkKind;

/// Stands for "no member" in `work_month_minutes` (hotline duty).
pub const NO_MEMBER: i64 = 0;

/// Stands for "nobody" in `ticket_queue_counts`.
pub const NO_ASSIGNEE: i64 = 0;

/// Changes of the tickets per status and assignee, `(status, assignee) -> delta`; in key order,
/// the order in which their rows are written (and locked).
pub type QueueDeltas = std::collections::BTreeMap<(Status, i64), i64>;

/// Counts a ticket of this status and assignee `delta` times (negative to remove it).
pub fn queue_delta(deltas: &mut QueueDeltas, status: Status, assignee: Option<i64>, delta: i64) {
    *deltas
        .entry((status, assignee.unwrap_or(NO_ASSIGNEE)))
        .or_default() += delta;
}

/// Adds the changes of the tickets per status and assignee, a statement per row touched.
pub fn add_queue_counts(conn: &mut DbConn, deltas: &QueueDeltas) -> QueryResult<()> {
    use ticket_queue_counts::dsl as q;
    for (&(status, assignee_id), &tickets) in deltas {
        if tickets == 0 {
            continue;
        }
        let row = TicketQueueCount {
            status,
            assignee_id,
            tickets,
        };
        each_backend!(&mut *conn, c => {
            diesel::insert_into(q::ticket_queue_counts)
                .values(&row)
                .on_conflict((q::status, q::assignee_id))
                .do_update()
                .set(q::tickets.eq(q::tickets + excluded(q::tickets)))
                .execute(c)
        })?;
    }
    Ok(())
}

/// How many tickets each status holds per assignee (`NO_ASSIGNEE` for nobody).
pub fn queue_counts(conn: &mut DbConn) -> QueryResult<Vec<TicketQueueCount>> {
    ticket_queue_counts::table
        .filter(ticket_queue_counts::tickets.ne(0))
        .select(TicketQueueCount::as_select())
        .load(conn)
}

/// Adds `delta` tickets (negative to remove) of a member, created on `day`, of an origin.
pub fn add_tickets(
    conn: &mut DbConn,
    member_id: i64,
    day: NaiveDate,
    origin: Origin,
    delta: i64,
) -> QueryResult<()> {
    let (year, month) = year_month(day);
    let row = TicketMonthCount {
        member_id,
        year,
        month,
        origin,
        tickets: delta,
    };
    use ticket_month_counts::dsl as t;
    // Diesel's multi connection cannot build an upsert: it runs on the connection held.
    each_backend!(conn, c => {
        diesel::insert_into(t::ticket_month_counts)
            .values(&row)
            .on_conflict((t::member_id, t::year, t::month, t::origin))
            .do_update()
            .set(t::tickets.eq(t::tickets + excluded(t::tickets)))
            .execute(c)
    })?;
    Ok(())
}

/// Adds many ticket counts at once, `(member, first day of the month, origin) -> tickets`, in
/// a few statements whatever their number. The rows are written in key order, the order in
/// which PostgreSQL takes their locks, so that two imports cannot wait for each other.
pub fn add_tickets_many(
    conn: &mut DbConn,
    deltas: &std::collections::HashMap<(i64, NaiveDate, Origin), i64>,
) -> QueryResult<()> {
    let mut rows: Vec<TicketMonthCount> = deltas
        .iter()
        .filter(|(_, &n)| n != 0)
        .map(|((member_id, day, origin), &tickets)| {
            let (year, month) = year_month(*day);
            TicketMonthCount {
                member_id: *member_id,
                year,
                month,
                origin: *origin,
                tickets,
            }
        })
        .collect();
    rows.sort_unstable_by(|a, b| {
        (a.member_id, a.year, a.month, &a.origin).cmp(&(b.member_id, b.year, b.month, &b.origin))
    });
    for chunk in rows.chunks(1000) {
        each_backend!(&mut *conn, c => c.add_ticket_counts(chunk))?;
    }
    Ok(())
}

/// Adds `delta` minutes (negative to remove) of work of a kind, for a member or none.
pub fn add_work_minutes(
    conn: &mut DbConn,
    member_id: Option<i64>,
    day: NaiveDate,
    kind: WorkKind,
    delta: i64,
) -> QueryResult<()> {
    let (year, month) = year_month(day);
    let row = WorkMonthMinutes {
        member_id: member_id.unwrap_or(NO_MEMBER),
        year,
        month,
        kind,
        minutes: delta,
    };
    use work_month_minutes::dsl as w;
    // Diesel's multi connection cannot build an upsert: it runs on the connection held.
    each_backend!(conn, c => {
        diesel::insert_into(w::work_month_minutes)
            .values(&row)
            .on_conflict((w::member_id, w::year, w::month, w::kind))
            .do_update()
            .set(w::minutes.eq(w::minutes + excluded(w::minutes)))
            .execute(c)
    })?;
    Ok(())
}

/// Ticket counts of the given years.
pub fn ticket_counts(conn: &mut DbConn, years: &[i32]) -> QueryResult<Vec<TicketMonthCount>> {
    ticket_month_counts::table
        .filter(ticket_month_counts::year.eq_any(years))
        .filter(ticket_month_counts::tickets.ne(0))
        .select(TicketMonthCount::as_select())
        .load(conn)
}

/// Work minutes of a year.
pub fn work_minutes(conn: &mut DbConn, year: i32) -> QueryResult<Vec<WorkMonthMinutes>> {
    work_month_minutes::table
        .filter(work_month_minutes::year.eq(year))
        .filter(work_month_minutes::minutes.ne(0))
        .select(WorkMonthMinutes::as_select())
        .load(conn)
}

/// Every ticket filed or imported so far, read from the monthly counts (no scan of tickets).
pub fn total_tickets(conn: &mut DbConn) -> QueryResult<i64> {
    ticket_month_counts::table
        .select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "CAST(COALESCE(SUM(tickets), 0) AS BIGINT)",
        ))
        .first(conn)
}
