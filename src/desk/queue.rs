//! The hotline's queue: its views with their counts, newest first or by the nearest due time.

use chrono::NaiveDateTime;

use crate::db::counts::TicketQueueCount;
use crate::db::tickets::{self, ClockRow, LateSince, Ticket, TicketFilter};
use crate::db::{counts, read, DbConn};
use crate::domain::service_level::{ServiceClock, TicketClock};
use crate::domain::ticket::{Priority, Status};
use crate::error::AppError;

/// The tabs of the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Unassigned,
    Mine,
    Overdue,
    Waiting,
    Open,
    All,
}

impl View {
    pub const ALL: [View; 6] = [
        View::Unassigned,
        View::Mine,
        View::Overdue,
        View::Waiting,
        View::Open,
        View::All,
    ];

    pub fn parse(raw: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            View::Unassigned => "unassigned",
            View::Mine => "mine",
            View::Overdue => "overdue",
            View::Waiting => "waiting",
            View::Open => "open",
            View::All => "all",
        }
    }

    /// The view's own condition on top of the filters chosen: its statuses are those of the
    /// filter that it allows (none left: the view is empty).
    fn narrow(self, mut filter: TicketFilter, me: i64) -> Option<TicketFilter> {
        let allowed: &[Status] = match self {
            View::Unassigned => &UNASSIGNED,
            View::Mine | View::Overdue | View::Open => &NOT_DONE,
            View::Waiting => &[Status::Waiting],
            View::All => Status::ALL,
        };
        let statuses: Vec<Status> = if filter.statuses.is_empty() {
            allowed.to_vec()
        } else {
            filter
                .statuses
                .iter()
                .copied()
                .filter(|s| allowed.contains(s))
                .collect()
        };
        if statuses.is_empty() {
            return None;
        }
        filter.statuses = if self == View::All && filter.statuses.is_empty() {
            Vec::new()
        } else {
            statuses
        };
        match self {
            View::Unassigned => filter.unassigned = true,
            View::Mine => filter.assignee_id = Some(me),
            _ => {}
        }
        Some(filter)
    }
}

const NOT_DONE: [Status; 4] = Status::NOT_DONE;

/// The statuses of the unassigned view: not done, and not assigned by their status either.
const UNASSIGNED: [Status; 3] = [Status::New, Status::InProgress, Status::Waiting];

/// How many tickets each view holds, whatever the filters.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub by_view: Vec<(View, i64)>,
}

impl Counts {
    pub fn of(&self, view: View) -> i64 {
        self.by_view
            .iter()
            .find(|(v, _)| *v == view)
            .map_or(0, |(_, n)| *n)
    }
}

/// A ticket of the queue with its nearest due time.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub ticket: Ticket,
    /// The next target: taking in charge until it is done, then resolution.
    pub due_at: Option<NaiveDateTime>,
    pub overdue: bool,
}

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// After this ticket (newest first).
    After(NaiveDateTime, i64),
    /// From this rank (by due time, and the overdue view).
    From(usize),
}

#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    pub next: Option<Next>,
}

/// What is asked of the queue.
#[derive(Debug, Clone)]
pub struct QueueRequest {
    pub view: View,
    pub filter: TicketFilter,
    pub by_due: bool,
    pub start: Option<Next>,
    pub size: usize,
}

/// The views' counts, from the counts kept per status, assignee, priority and running clock;
/// the overdue one with the few running tickets not late yet.
pub fn counts(
    conn: &mut DbConn,
    me: i64,
    clock: &ServiceClock,
    now: NaiveDateTime,
) -> Result<Counts, AppError> {
    read(conn, |conn| {
        let kept = counts::queue_counts(conn)?;
        let sum = |keep: &dyn Fn(&TicketQueueCount) -> bool| -> i64 {
            kept.iter()
                .filter(|row| keep(row))
                .map(|row| row.tickets)
                .sum()
        };
        let mut by_view = Vec::new();
        for view in View::ALL {
            let n = match view {
                View::Unassigned => sum(&|row| {
                    row.assignee_id == counts::NO_ASSIGNEE && UNASSIGNED.contains(&row.status)
                }),
                View::Mine => sum(&|row| row.assignee_id == me && NOT_DONE.contains(&row.status)),
                View::Overdue => count_late(conn, &kept, clock, now)?,
                View::Waiting => sum(&|row| row.status == Status::Waiting),
                View::Open => sum(&|row| NOT_DONE.contains(&row.status)),
                View::All => sum(&|_| true),
            };
            by_view.push((view, n));
        }
        Ok(Counts { by_view })
    })
}

/// How many tickets of a view pass the filters chosen, when some are (the tab counts them all
/// otherwise) and without text, which only the lists read.
pub fn filtered_count(
    conn: &mut DbConn,
    me: i64,
    view: View,
    filter: &TicketFilter,
) -> Result<Option<i64>, AppError> {
    // The overdue view's count is its tab's.
    if view == View::Overdue || filter.q.is_some() || *filter == TicketFilter::default() {
        return Ok(None);
    }
    match view.narrow(filter.clone(), me) {
        Some(narrowed) => Ok(Some(tickets::count(conn, &narrowed)?)),
        None => Ok(Some(0)),
    }
}

/// The nearest due time of a ticket not done, and whether a target has passed.
fn due(clock: &ServiceClock, row: &ClockRow, now: NaiveDateTime) -> (Option<NaiveDateTime>, bool) {
    let state = TicketClock {
        created_at: row.created_at,
        paused_minutes: i64::from(row.paused_minutes),
        waiting_since: row.waiting_since,
    };
    let resolve = clock.due(&state, clock.targets.resolve_for(row.priority), now);
    let acknowledge = match row.acknowledged_at {
        None => clock.due(&state, clock.targets.acknowledge_for(row.priority), now),
        Some(_) => None,
    };
    let late = |due: Option<NaiveDateTime>| due.is_some_and(|d| d < now);
    // A ticket waiting now has its clocks paused: it is shown as paused, not late.
    let overdue = row.waiting_since.is_none() && (late(acknowledge) || late(resolve));
    (acknowledge.or(resolve), overdue)
}

fn item(clock: &ServiceClock, ticket: Ticket, now: NaiveDateTime) -> QueueItem {
    if !NOT_DONE.contains(&ticket.status) {
        return QueueItem {
            ticket,
            due_at: None,
            overdue: false,
        };
    }
    let row = ClockRow {
        id: ticket.id,
        priority: ticket.priority,
        status: ticket.status,
        created_at: ticket.created_at,
        acknowledged_at: ticket.acknowledged_at,
        paused_minutes: ticket.paused_minutes,
        waiting_since: ticket.waiting_since,
    };
    let (due_at, overdue) = due(clock, &row, now);
    QueueItem {
        ticket,
        due_at,
        overdue,
    }
}

pub fn page(
    conn: &mut DbConn,
    me: i64,
    request: &QueueRequest,
    clock: &ServiceClock,
    now: NaiveDateTime,
) -> Result<QueuePage, AppError> {
    let Some(filter) = request.view.narrow(request.filter.clone(), me) else {
        return Ok(QueuePage {
            items: Vec::new(),
            next: None,
        });
    };
    let size = request.size;
    let ranked = request.by_due || request.view == View::Overdue;
    if !ranked {
        let after = match request.start {
            Some(Next::After(at, id)) => Some((at, id)),
            _ => None,
        };
        let mut rows = tickets::list(conn, &filter, after, size as i64 + 1)?;
        let more = rows.len() > size;
        rows.truncate(size);
        let next = more
            .then(|| rows.last().map(|t| Next::After(t.created_at, t.id)))
            .flatten();
        return Ok(QueuePage {
            items: rows.into_iter().map(|t| item(clock, t, now)).collect(),
            next,
        });
    }
    let mut filter = filter;
    filter.statuses.retain(|s| NOT_DONE.contains(s));
    if filter.statuses.is_empty() {
        filter.statuses = NOT_DONE.to_vec();
    }
    let from = match request.start {
        Some(Next::From(n)) => n,
        _ => 0,
    };
    let overdue_only = request.view == View::Overdue;
    // The running tickets by due time, the most late first; only as many as the page needs.
    let wanted = from + size + 1;
    let ranked = by_due_time(conn, &filter, clock, now, wanted, overdue_only)?;
    let mut ids: Vec<i64> = ranked.iter().skip(from).take(size).map(|r| r.1).collect();
    let mut more = ranked.len() > from + size;
    if !overdue_only && ids.len() < size {
        // After them, the waiting tickets (their clocks stopped), newest first.
        let waiting = TicketFilter {
            statuses: vec![Status::Waiting],
            ..filter.clone()
        };
        if filter.statuses.contains(&Status::Waiting) {
            let rank = from.saturating_sub(ranked.len());
            let left = size - ids.len();
            let rows = tickets::newest_from_rank(conn, &waiting, rank as i64, left as i64 + 1)?;
            more = rows.len() > left;
            ids.extend(rows.iter().take(left).map(|t| t.id));
        }
    }
    let next = more.then_some(Next::From(from + size));
    let items = tickets::in_order(conn, &ids)?
        .into_iter()
        .map(|t| item(clock, t, now))
        .collect();
    Ok(QueuePage { items, next })
}

/// When the running tickets of each priority are late.
fn thresholds(clock: &ServiceClock, now: NaiveDateTime) -> Vec<LateSince> {
    Priority::ALL
        .iter()
        .map(|&priority| LateSince {
            priority,
            acknowledge: clock.late_if_created_by(clock.targets.acknowledge_for(priority), now),
            resolve: clock.late_if_created_by(clock.targets.resolve_for(priority), now),
        })
        .collect()
}

/// How many tickets not done are late: of the running ones (`kept`), all but those created
/// after their priority's edge, which an index counts from its newest end (few: a ticket is
/// late soon after it is filed); those that waited once one by one. A ticket waiting now is
/// paused, not late.
fn count_late(
    conn: &mut DbConn,
    kept: &[TicketQueueCount],
    clock: &ServiceClock,
    now: NaiveDateTime,
) -> Result<i64, AppError> {
    let mut late = 0;
    for edge in thresholds(clock, now) {
        // Not taken in charge, a ticket is late from the later of its two edges on.
        let groups = [
            (true, edge.resolve),
            (false, edge.acknowledge.max(edge.resolve)),
        ];
        for (acknowledged, since) in groups {
            let Some(since) = since else { continue };
            let running = if acknowledged {
                counts::RUNNING_ACKNOWLEDGED
            } else {
                counts::RUNNING_UNACKNOWLEDGED
            };
            let total: i64 = kept
                .iter()
                .filter(|row| row.priority == edge.priority && row.running == running)
                .map(|row| row.tickets)
                .sum();
            if total > 0 {
                let recent =
                    tickets::count_running_after(conn, edge.priority, acknowledged, since)?;
                late += (total - recent).max(0);
            }
        }
    }
    let every = TicketFilter {
        statuses: NOT_DONE.to_vec(),
        ..TicketFilter::default()
    };
    let resumed = tickets::resumed_clocks(conn, &every)?
        .iter()
        .filter(|row| due(clock, row, now).1)
        .count() as i64;
    Ok(late + resumed)
}

/// The first `wanted` running tickets of the filter by due time, with their ids. Within one
/// priority, taken in charge or not, due times follow the creation instants: the oldest
/// `wanted` of each such group hold the first `wanted` of all.
fn by_due_time(
    conn: &mut DbConn,
    filter: &TicketFilter,
    clock: &ServiceClock,
    now: NaiveDateTime,
    wanted: usize,
    overdue_only: bool,
) -> Result<Vec<(Option<NaiveDateTime>, i64)>, AppError> {
    let late = thresholds(clock, now);
    let mut rows: Vec<ClockRow> = Vec::new();
    for edge in &late {
        for acknowledged in [false, true] {
            // Not taken in charge, a ticket is late from the later of its two edges on.
            let created_by = match (overdue_only, acknowledged) {
                (false, _) => None,
                (true, true) => edge.resolve,
                (true, false) => edge.acknowledge.max(edge.resolve),
            };
            if overdue_only && created_by.is_none() {
                continue;
            }
            rows.extend(tickets::oldest_running(
                conn,
                filter,
                edge.priority,
                acknowledged,
                created_by,
                wanted as i64,
            )?);
        }
    }
    rows.extend(tickets::resumed_clocks(conn, filter)?);
    let mut ranked: Vec<(Option<NaiveDateTime>, i64)> = rows
        .iter()
        .map(|row| (due(clock, row, now), row.id))
        .filter(|((_, late), _)| !overdue_only || *late)
        .map(|((due_at, _), id)| (due_at, id))
        .collect();
    ranked.sort_by_key(|(due_at, id)| (due_at.is_none(), *due_at, *id));
    ranked.truncate(wanted);
    Ok(ranked)
}
