//! Monthly aggregates kept in the same transaction as the tickets and work logs they count.
//! Statistics read these and never scan tickets.

use chrono::{Datelike, NaiveDate};
use diesel::prelude::*;
use diesel::upsert::excluded;

pub use super::aggregates::{
    TicketGroupCount, TicketMonthCount, TicketQueueCount, WorkGroupMinutes, WorkMonthMinutes,
};
use super::schema::{
    ticket_group_counts, ticket_month_counts, ticket_queue_counts, work_group_minutes,
    work_month_minutes,
};
use super::{each_backend, DbConn, Dialect};
use crate::domain::ticket::{Origin, Priority, Status};
use crate::domain::time::year_month;
use crate::domain::work_log::WorkKind;

/// Stands for "no member" in `work_month_minutes` (hotline duty).
pub const NO_MEMBER: i64 = 0;

/// Stands for "nobody" in `ticket_queue_counts`.
pub const NO_ASSIGNEE: i64 = 0;
/// A ticket done, waiting now, or that waited once (its due times are computed one by one).
pub const NOT_RUNNING: i32 = 0;
/// A ticket whose clock runs and never stopped, not taken in charge yet.
pub const RUNNING_UNACKNOWLEDGED: i32 = 1;
/// A ticket whose clock runs and never stopped, taken in charge.
pub const RUNNING_ACKNOWLEDGED: i32 = 2;

/// Where a ticket counts in `ticket_queue_counts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueKey {
    pub status: Status,
    pub assignee_id: i64,
    pub priority: Priority,
    pub running: i32,
}

impl QueueKey {
    /// `never_paused`: no waiting finished (`paused_minutes` is 0) and none under way; the
    /// condition of the partial indexes `tickets_running_*`.
    pub fn new(
        status: Status,
        assignee_id: Option<i64>,
        priority: Priority,
        never_paused: bool,
        acknowledged: bool,
    ) -> QueueKey {
        let running = match (
            Status::NOT_DONE.contains(&status) && never_paused,
            acknowledged,
        ) {
            (false, _) => NOT_RUNNING,
            (true, false) => RUNNING_UNACKNOWLEDGED,
            (true, true) => RUNNING_ACKNOWLEDGED,
        };
        QueueKey {
            status,
            assignee_id: assignee_id.unwrap_or(NO_ASSIGNEE),
            priority,
            running,
        }
    }
}

/// Changes of the tickets per key, `key -> delta`; in key order, the order in which their rows
/// are written (and locked).
pub type QueueDeltas = std::collections::BTreeMap<QueueKey, i64>;

/// A ticket moved from `old` to `new` (either `None`: filed, or removed).
pub fn queue_move(deltas: &mut QueueDeltas, old: Option<QueueKey>, new: Option<QueueKey>) {
    if old == new {
        return;
    }
    if let Some(old) = old {
        *deltas.entry(old).or_default() -= 1;
    }
    if let Some(new) = new {
        *deltas.entry(new).or_default() += 1;
    }
}

/// Adds the changes of the tickets per key, a statement per row touched.
pub fn add_queue_counts(conn: &mut DbConn, deltas: &QueueDeltas) -> QueryResult<()> {
    use ticket_queue_counts::dsl as q;
    for (key, &tickets) in deltas {
        if tickets == 0 {
            continue;
        }
        let row = TicketQueueCount {
            status: key.status,
            assignee_id: key.assignee_id,
            priority: key.priority,
            running: key.running,
            tickets,
        };
        each_backend!(&mut *conn, c => {
            diesel::insert_into(q::ticket_queue_counts)
                .values(&row)
                .on_conflict((q::status, q::assignee_id, q::priority, q::running))
                .do_update()
                .set(q::tickets.eq(q::tickets + excluded(q::tickets)))
                .execute(c)
        })?;
    }
    Ok(())
}

/// The kept counts of the tickets per status, assignee, priority and running clock.
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

/// What the counts by group are grouped by: the ticket's category or the log's, the ticket's
/// assignee or the log's technician.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    Category,
    Technician,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Category => "category",
            Dimension::Technician => "technician",
        }
    }
}

/// Stands for "no category" or "nobody" in the counts by group.
pub const NO_GROUP: i64 = 0;

/// Where a ticket counts by group: its category, its assignee, its member, month and origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketGroups {
    pub member_id: i64,
    pub category_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub created_on: NaiveDate,
    pub origin: Origin,
}

/// Changes of the counts by group, `(dimension, group, member, year, month, origin) ->
/// tickets`, in key order, the order in which their rows are written (and locked).
pub type GroupDeltas = std::collections::BTreeMap<(Dimension, i64, i64, i32, i32, Origin), i64>;

/// A ticket moved from `old` to `new` in the counts by group (either `None`: filed, removed).
pub fn groups_move(deltas: &mut GroupDeltas, old: Option<TicketGroups>, new: Option<TicketGroups>) {
    if old == new {
        return;
    }
    for (groups, delta) in [(old, -1), (new, 1)] {
        let Some(groups) = groups else { continue };
        let (year, month) = year_month(groups.created_on);
        for (dimension, id) in [
            (Dimension::Category, groups.category_id),
            (Dimension::Technician, groups.assignee_id),
        ] {
            // The member's row, and the row of every member's together.
            for member in [groups.member_id, NO_MEMBER] {
                let key = (
                    dimension,
                    id.unwrap_or(NO_GROUP),
                    member,
                    year,
                    month,
                    groups.origin,
                );
                *deltas.entry(key).or_default() += delta;
            }
        }
    }
}

/// Adds the changes of the counts by group, a statement per row touched.
pub fn add_group_counts(conn: &mut DbConn, deltas: &GroupDeltas) -> QueryResult<()> {
    use ticket_group_counts::dsl as g;
    for (&(dimension, group_id, member_id, year, month, origin), &tickets) in deltas {
        if tickets == 0 {
            continue;
        }
        let row = TicketGroupCount {
            dimension: dimension.as_str().to_string(),
            group_id,
            member_id,
            year,
            month,
            origin,
            tickets,
        };
        each_backend!(&mut *conn, c => {
            diesel::insert_into(g::ticket_group_counts)
                .values(&row)
                .on_conflict((
                    g::dimension,
                    g::group_id,
                    g::member_id,
                    g::year,
                    g::month,
                    g::origin,
                ))
                .do_update()
                .set(g::tickets.eq(g::tickets + excluded(g::tickets)))
                .execute(c)
        })?;
    }
    Ok(())
}

/// Changes of work minutes by group, `(dimension, group, first day of the month, kind) ->
/// minutes`.
pub type WorkGroupDeltas = std::collections::BTreeMap<(Dimension, i64, NaiveDate, WorkKind), i64>;

/// A log's minutes in its category's and its technician's counts (`sign` -1 takes them away).
pub fn work_groups_add(
    deltas: &mut WorkGroupDeltas,
    category_id: Option<i64>,
    technician_id: i64,
    day: NaiveDate,
    kind: WorkKind,
    minutes: i64,
) {
    let month = day.with_day0(0).unwrap_or(day);
    *deltas
        .entry((
            Dimension::Category,
            category_id.unwrap_or(NO_GROUP),
            month,
            kind,
        ))
        .or_default() += minutes;
    *deltas
        .entry((Dimension::Technician, technician_id, month, kind))
        .or_default() += minutes;
}

/// Adds work minutes by group, a statement per row touched.
pub fn add_work_group_minutes(conn: &mut DbConn, deltas: &WorkGroupDeltas) -> QueryResult<()> {
    use work_group_minutes::dsl as w;
    for (&(dimension, group_id, day, kind), &minutes) in deltas {
        if minutes == 0 {
            continue;
        }
        let (year, month) = year_month(day);
        let row = WorkGroupMinutes {
            dimension: dimension.as_str().to_string(),
            group_id,
            year,
            month,
            kind,
            minutes,
        };
        each_backend!(&mut *conn, c => {
            diesel::insert_into(w::work_group_minutes)
                .values(&row)
                .on_conflict((w::dimension, w::group_id, w::year, w::month, w::kind))
                .do_update()
                .set(w::minutes.eq(w::minutes + excluded(w::minutes)))
                .execute(c)
        })?;
    }
    Ok(())
}

/// Tickets by group of the given years, every member's together (the rows of `NO_MEMBER`).
pub fn group_counts(
    conn: &mut DbConn,
    dimension: Dimension,
    years: &[i32],
) -> QueryResult<Vec<TicketGroupCount>> {
    member_group_counts(conn, dimension, years, NO_MEMBER)
}

/// One member's tickets by group of the given years (`NO_MEMBER`: every member's together).
pub fn member_group_counts(
    conn: &mut DbConn,
    dimension: Dimension,
    years: &[i32],
    member_id: i64,
) -> QueryResult<Vec<TicketGroupCount>> {
    use ticket_group_counts::dsl as g;
    g::ticket_group_counts
        .filter(g::dimension.eq(dimension.as_str()))
        .filter(g::year.eq_any(years))
        .filter(g::member_id.eq(member_id))
        .filter(g::tickets.ne(0))
        .select(TicketGroupCount::as_select())
        .load(conn)
}

/// Work minutes by group of a year.
pub fn work_group_minutes(
    conn: &mut DbConn,
    dimension: Dimension,
    year: i32,
) -> QueryResult<Vec<WorkGroupMinutes>> {
    work_group_minutes::table
        .filter(work_group_minutes::dimension.eq(dimension.as_str()))
        .filter(work_group_minutes::year.eq(year))
        .filter(work_group_minutes::minutes.ne(0))
        .select(WorkGroupMinutes::as_select())
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
