//! Who has how much work: the technicians posted at a member on a day, and open tickets.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{users, work_logs};
use crate::db::{users as user_rows, DbConn};
use crate::domain::ticket::Status;
use crate::domain::user::Role;
use crate::domain::work_log::WorkKind;

/// Who automatic assignment picks: the technician posted today at the ticket's member,
/// otherwise the technician with the fewest open tickets; ties go to the smaller id.
pub fn pick_technician(
    conn: &mut DbConn,
    member_id: i64,
    today: NaiveDate,
) -> QueryResult<Option<i64>> {
    let posted = posted_at(conn, member_id, today)?;
    let candidates = if posted.is_empty() {
        user_rows::active_technicians(conn)?
    } else {
        posted
    };
    if candidates.len() <= 1 {
        return Ok(candidates.first().copied());
    }
    let loads = open_tickets_of(conn, &candidates)?;
    Ok(candidates
        .into_iter()
        .min_by_key(|id| (loads.get(id).copied().unwrap_or(0), *id)))
}

/// The active technicians who log posted work at the member on that day.
pub fn posted_at(conn: &mut DbConn, member_id: i64, day: NaiveDate) -> QueryResult<Vec<i64>> {
    work_logs::table
        .inner_join(users::table.on(users::id.eq(work_logs::technician_id)))
        .filter(work_logs::member_id.eq(member_id))
        .filter(work_logs::work_date.eq(day))
        .filter(work_logs::kind.eq(WorkKind::Posted))
        .filter(users::role.eq(Role::Technician))
        .filter(users::disabled.eq(false))
        .select(users::id)
        .distinct()
        .load(conn)
}

/// How many open tickets (assigned, in progress, waiting) each of these users has, from the
/// counts kept per status and assignee.
pub fn open_tickets_of(conn: &mut DbConn, user_ids: &[i64]) -> QueryResult<HashMap<i64, i64>> {
    use crate::db::schema::ticket_queue_counts as q;
    let rows: Vec<(i64, i64)> = q::table
        .filter(q::assignee_id.eq_any(user_ids))
        .filter(q::status.eq_any(Status::OPEN))
        .select((q::assignee_id, q::tickets))
        .load(conn)?;
    let mut loads = HashMap::new();
    for (user, tickets) in rows {
        *loads.entry(user).or_insert(0) += tickets;
    }
    Ok(loads)
}
