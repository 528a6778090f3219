//! The rows of the aggregates kept beside tickets and work logs: monthly counts and minutes,
//! service levels per member, year, priority and origin, and tickets per status and assignee.

use diesel::prelude::*;

use crate::domain::ticket::{Origin, Priority, Status};
use crate::domain::work_log::WorkKind;

use super::schema::{
    service_level_counts, ticket_group_counts, ticket_month_counts, ticket_queue_counts,
    work_group_minutes, work_month_minutes,
};

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = ticket_month_counts)]
pub struct TicketMonthCount {
    pub member_id: i64,
    pub year: i32,
    pub month: i32,
    pub origin: Origin,
    pub tickets: i64,
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = ticket_queue_counts)]
pub struct TicketQueueCount {
    pub status: Status,
    /// `counts::NO_ASSIGNEE` for the tickets nobody is assigned.
    pub assignee_id: i64,
    pub priority: Priority,
    /// `counts::NOT_RUNNING`, `RUNNING_UNACKNOWLEDGED` or `RUNNING_ACKNOWLEDGED`.
    pub running: i32,
    pub tickets: i64,
}

#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = work_month_minutes)]
pub struct WorkMonthMinutes {
    pub member_id: i64,
    pub year: i32,
    pub month: i32,
    pub kind: WorkKind,
    pub minutes: i64,
}

/// Tickets of a member, month and origin in a category or with a technician (`dimension`);
/// group 0 holds those without.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = ticket_group_counts)]
pub struct TicketGroupCount {
    pub dimension: String,
    pub group_id: i64,
    pub member_id: i64,
    pub year: i32,
    pub month: i32,
    pub origin: Origin,
    pub tickets: i64,
}

/// Work minutes of a month and kind in a category or by a technician (`dimension`).
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = work_group_minutes)]
pub struct WorkGroupMinutes {
    pub dimension: String,
    pub group_id: i64,
    pub year: i32,
    pub month: i32,
    pub kind: WorkKind,
    pub minutes: i64,
}

/// A service-level row: how many tickets, and histograms of their measures.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = service_level_counts)]
pub struct ServiceLevelRow {
    pub member_id: i64,
    pub year: i32,
    pub priority: Priority,
    pub origin: Origin,
    pub tickets: i64,
    pub acknowledged: i64,
    pub acknowledge_histogram: Vec<u8>,
    pub resolved: i64,
    pub resolve_histogram: Vec<u8>,
    /// Counts up at each write of the row.
    pub revision: i64,
}
