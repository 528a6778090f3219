//! Lists of tickets: filters, the cursor, and the text search on both backends.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::db::schema::tickets;
use crate::db::DbConn;
use crate::db::{each_backend, Dialect};
use crate::domain::ticket::{Origin, Priority, Status};

use super::rows::*;

/// Filters of the ticket list; `member_scope` confines an agent to their member.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    pub member_scope: Option<i64>,
    pub statuses: Vec<Status>,
    pub member_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub category_id: Option<i64>,
    pub priority: Option<Priority>,
    pub origin: Option<Origin>,
    pub created_from: Option<NaiveDate>,
    pub created_to: Option<NaiveDate>,
    pub q: Option<String>,
    /// Only tickets nobody is assigned to.
    pub unassigned: bool,
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
            && !self.unassigned
    }

    /// Whether a ticket read by its id passes the filter: the conditions of `filtered` but the
    /// text, which named the ticket in the first place.
    fn admits(&self, ticket: &Ticket) -> bool {
        let equal = |wanted: Option<i64>, value: i64| wanted.is_none_or(|w| w == value);
        equal(self.member_scope, ticket.member_id)
            && equal(self.member_id, ticket.member_id)
            && (self.statuses.is_empty() || self.statuses.contains(&ticket.status))
            && self
                .assignee_id
                .is_none_or(|a| ticket.assignee_id == Some(a))
            && (!self.unassigned || ticket.assignee_id.is_none())
            && self
                .category_id
                .is_none_or(|c| ticket.category_id == Some(c))
            && self.priority.is_none_or(|p| ticket.priority == p)
            && self.origin.is_none_or(|o| ticket.origin == o)
            && self.created_from.is_none_or(|d| ticket.created_on >= d)
            && self.created_to.is_none_or(|d| ticket.created_on <= d)
    }
}

/// Rows of the newest-first order that a `q` search reads before it turns to the trigram index.
/// A text found in many tickets (a common word) fills a page within them, where the index would
/// intersect long lists of places; a rare one leaves the window short of a page, and the index
/// finds the older matches quickly.
pub(in crate::db) const SEARCH_WINDOW: i64 = 4000;

pub(in crate::db) type Backend = <DbConn as Connection>::Backend;

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
    if filter.is_text_only() {
        if let Some(keys) =
            each_backend!(&mut *conn, c => c.newest_short_text_matches(q, after, limit))?
        {
            return search_everything(conn, filter, q, after, limit, keys);
        }
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
pub(in crate::db) const SHORT_TEXT: &str = "octet_length(tickets.search_text) <= 2000";
pub(in crate::db) const LONG_TEXT: &str = "octet_length(tickets.search_text) > 2000";

/// A `q` search with no other filter, where the backend keeps an index of the newest short
/// texts (PostgreSQL): `keys` are the newest of those that match (see
/// `Dialect::newest_short_text_matches`); long texts as recent as the last of them come from
/// their own index; only the page's tickets are then read from the table. A window short of a
/// page is followed, as in `list`, by the older matches from the trigram index.
fn search_everything(
    conn: &mut DbConn,
    filter: &TicketFilter,
    q: &str,
    after: Option<(NaiveDateTime, i64)>,
    limit: i64,
    mut keys: Vec<(NaiveDateTime, i64)>,
) -> QueryResult<Vec<Ticket>> {
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
pub(in crate::db) fn containing_unindexed(
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
pub(in crate::db) fn from_key(
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
pub(in crate::db) fn fill_with_older_matches(
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
    let older = match each_backend!(&*conn, c => c.phrase_index_filter(&lowered)) {
        Some((head, phrase, tail)) => {
            older.filter(sql::<Bool>(head).bind::<Text, _>(phrase).sql(tail))
        }
        None => older.filter(tickets::search_text.like(like_pattern(q)).escape('\\')),
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
/// out rather than shown with a status that was not asked for, or to a member it left.
pub(in crate::db) fn page_of(
    conn: &mut DbConn,
    filter: &TicketFilter,
    after: Option<(NaiveDateTime, i64)>,
    mut keys: Vec<(NaiveDateTime, i64)>,
    limit: i64,
) -> QueryResult<Vec<Ticket>> {
    keys.sort_unstable_by_key(|&key| std::cmp::Reverse(key));
    keys.truncate(usize::try_from(limit).unwrap_or(0));
    let ids: Vec<i64> = keys.iter().map(|&(_, id)| id).collect();
    // Read by their ids alone: with the filter's conditions in the statement, SQLite's planner
    // would read the status's whole index rather than these few rows.
    let mut rows: Vec<Ticket> = tickets::table
        .filter(tickets::id.eq_any(ids))
        .select(Ticket::as_select())
        .load(conn)?;
    rows.retain(|ticket| {
        filter.admits(ticket) && after.is_none_or(|key| (ticket.created_at, ticket.id) < key)
    });
    rows.sort_unstable_by_key(|t| std::cmp::Reverse((t.created_at, t.id)));
    Ok(rows)
}

/// The tickets that pass every filter but `q`, after the cursor.
pub(in crate::db) fn filtered(
    filter: &TicketFilter,
    after: Option<(NaiveDateTime, i64)>,
) -> tickets::BoxedQuery<'static, Backend> {
    let mut query = tickets::table.into_boxed();
    if let Some(member) = filter.member_scope {
        query = query.filter(tickets::member_id.eq(member));
    }
    if !filter.statuses.is_empty() {
        query = query.filter(status_in(&filter.statuses));
    }
    if let Some(member) = filter.member_id {
        query = query.filter(tickets::member_id.eq(member));
    }
    if let Some(assignee) = filter.assignee_id {
        query = query.filter(tickets::assignee_id.eq(assignee));
    }
    if filter.unassigned {
        query = query.filter(tickets::assignee_id.is_null());
    }
    if let Some(category) = filter.category_id {
        query = query.filter(tickets::category_id.eq(category));
    }
    if let Some(priority) = filter.priority {
        query = query.filter(tickets::priority.eq(priority));
    }
    if let Some(origin) = filter.origin {
        query = query.filter(tickets::origin.eq(origin));
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

/// A condition on tickets written out in the statement rather than bound: the statuses (few,
/// and skewed: nearly every ticket is closed) and the constants of the partial indexes. A
/// planner that sees them picks the index of the few open tickets, or a partial index, where a
/// bound array would often have it read the whole table (PostgreSQL's generic plans). Unlike
/// `sql()`, the statement stays in the cache of prepared statements: its texts are few, and
/// each is planned once per connection.
#[derive(Debug, Clone)]
pub(in crate::db) struct Written(String);

impl diesel::Expression for Written {
    type SqlType = Bool;
}

impl<QS> diesel::AppearsOnTable<QS> for Written {}

impl<QS> diesel::SelectableExpression<QS> for Written {}

impl<GB> diesel::expression::ValidGrouping<GB> for Written {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for Written {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for Written {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> QueryResult<()> {
        out.push_sql(&self.0);
        Ok(())
    }
}

/// `tickets.status IN ('new', …)`, written out.
pub(in crate::db) fn status_in(statuses: &[Status]) -> Written {
    let listed: Vec<String> = statuses
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    if listed.is_empty() {
        return Written("1 = 0".into());
    }
    Written(format!("tickets.status IN ({})", listed.join(", ")))
}

pub(in crate::db) fn newest_first(
    query: tickets::BoxedQuery<'static, Backend>,
    limit: i64,
) -> tickets::BoxedQuery<'static, Backend> {
    query
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .limit(limit)
}

/// `%text%` with the text lower-cased like `search_text` and its wildcards escaped.
pub(in crate::db) fn like_pattern(q: &str) -> String {
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

/// How many tickets pass the filter (without `q`, which only the lists read).
pub fn count(conn: &mut DbConn, filter: &TicketFilter) -> QueryResult<i64> {
    filtered(filter, None).count().get_result(conn)
}

/// What the service-level clocks of a ticket need, for the open tickets that pass the filter:
/// the queue sorts these by their nearest due time, and finds those past due.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = tickets)]
pub struct ClockRow {
    pub id: i64,
    pub priority: Priority,
    pub status: Status,
    pub created_at: NaiveDateTime,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub paused_minutes: i32,
    pub waiting_since: Option<NaiveDateTime>,
}

/// The filter, with its text when it has one (read without the trigram index).
fn with_text(filter: &TicketFilter) -> tickets::BoxedQuery<'static, Backend> {
    let query = filtered(filter, None);
    match &filter.q {
        Some(q) => containing_unindexed(query, q),
        None => query,
    }
}

/// The running tickets of one priority, taken in charge or not: the rows of one of the
/// partial indexes `tickets_running_acknowledged` and `tickets_running_unacknowledged`, in the
/// order of their due times.
fn running_group(
    query: tickets::BoxedQuery<'static, Backend>,
    priority: Priority,
    acknowledged: bool,
) -> tickets::BoxedQuery<'static, Backend> {
    let taken = if acknowledged {
        "IS NOT NULL"
    } else {
        "IS NULL"
    };
    query
        .filter(Written(format!(
            "tickets.paused_minutes = 0 AND tickets.waiting_since IS NULL \
             AND tickets.acknowledged_at {taken}"
        )))
        .filter(tickets::priority.eq(priority))
}

/// When the running tickets of one priority are late (see `ServiceClock::late_if_created_by`).
#[derive(Debug, Clone, Copy)]
pub struct LateSince {
    pub priority: Priority,
    /// Late when not taken in charge yet and created at or before it.
    pub acknowledge: Option<NaiveDateTime>,
    /// Late when created at or before it.
    pub resolve: Option<NaiveDateTime>,
}

/// How many running tickets of one priority, taken in charge or not, were created after
/// `after`: a range at the newest end of a partial index.
pub fn count_running_after(
    conn: &mut DbConn,
    priority: Priority,
    acknowledged: bool,
    after: NaiveDateTime,
) -> QueryResult<i64> {
    let not_done = TicketFilter {
        statuses: Status::NOT_DONE.to_vec(),
        ..TicketFilter::default()
    };
    running_group(filtered(&not_done, None), priority, acknowledged)
        .filter(tickets::created_at.gt(after))
        .count()
        .get_result(conn)
}

/// The clocks of the oldest running tickets of one priority, taken in charge or not (whose
/// due times come in the order of their creation), created at or before `created_by` if given.
pub fn oldest_running(
    conn: &mut DbConn,
    filter: &TicketFilter,
    priority: Priority,
    acknowledged: bool,
    created_by: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<ClockRow>> {
    let mut query = running_group(with_text(filter), priority, acknowledged);
    if let Some(at) = created_by {
        query = query.filter(tickets::created_at.le(at));
    }
    query
        .order((tickets::created_at.asc(), tickets::id.asc()))
        .limit(limit)
        .select(ClockRow::as_select())
        .load(conn)
}

/// The clocks of the tickets that waited once and run again (few: their due times are
/// computed one by one).
pub fn resumed_clocks(conn: &mut DbConn, filter: &TicketFilter) -> QueryResult<Vec<ClockRow>> {
    let ids = each_backend!(&mut *conn, c => c.resumed_ticket_ids())?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    with_text(filter)
        .filter(tickets::id.eq_any(ids))
        .select(ClockRow::as_select())
        .load(conn)
}

/// A page of the tickets that pass the filter, newest first, from a rank.
pub fn newest_from_rank(
    conn: &mut DbConn,
    filter: &TicketFilter,
    rank: i64,
    limit: i64,
) -> QueryResult<Vec<Ticket>> {
    with_text(filter)
        .order((tickets::created_at.desc(), tickets::id.desc()))
        .offset(rank)
        .limit(limit)
        .select(Ticket::as_select())
        .load(conn)
}

/// These tickets, in the order of `ids`.
pub fn in_order(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Ticket>> {
    let rows: Vec<Ticket> = tickets::table
        .filter(tickets::id.eq_any(ids))
        .select(Ticket::as_select())
        .load(conn)?;
    let mut by_id: std::collections::HashMap<i64, Ticket> =
        rows.into_iter().map(|t| (t.id, t)).collect();
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}
