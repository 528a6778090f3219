//! Work logs and the monthly minutes they add up to.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::domain::work_log::WorkKind;

use super::schema::work_logs;
use super::{counts, DbConn};
use crate::db::{each_backend, insert_returning};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = work_logs)]
pub struct WorkLog {
    pub id: i64,
    /// What was logged; its fields read through the log itself (`log.minutes`).
    #[diesel(embed)]
    pub content: WorkLogFields,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A work log's content, parsed; the same for a new log and a changed one.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset, Queryable, Selectable)]
#[diesel(table_name = work_logs, treat_none_as_null = true)]
pub struct WorkLogFields {
    pub technician_id: i64,
    pub member_id: Option<i64>,
    pub work_date: NaiveDate,
    pub kind: WorkKind,
    pub minutes: i32,
    pub ticket_id: Option<i64>,
    pub category_id: Option<i64>,
    pub note: Option<String>,
}

impl WorkLog {
    pub fn fields(&self) -> WorkLogFields {
        self.content.clone()
    }
}

crate::db::reads_through!(WorkLog => content: WorkLogFields);

#[derive(Insertable)]
#[diesel(table_name = work_logs)]
struct NewWorkLog {
    #[diesel(embed)]
    fields: WorkLogFields,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    external_ref: Option<String>,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<WorkLog>> {
    work_logs::table
        .find(id)
        .select(WorkLog::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Default)]
pub struct WorkLogFilter {
    pub member_id: Option<i64>,
    pub technician_id: Option<i64>,
    pub category_id: Option<i64>,
    pub kind: Option<WorkKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub ticket_id: Option<i64>,
}

/// Newest day first, after the `(date, id)` of the previous page's last log.
pub fn list(
    conn: &mut DbConn,
    filter: &WorkLogFilter,
    after: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<WorkLog>> {
    let mut query = work_logs::table.select(WorkLog::as_select()).into_boxed();
    if let Some(member) = filter.member_id {
        query = query.filter(work_logs::member_id.eq(member));
    }
    if let Some(technician) = filter.technician_id {
        query = query.filter(work_logs::technician_id.eq(technician));
    }
    if let Some(category) = filter.category_id {
        query = query.filter(work_logs::category_id.eq(category));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(work_logs::kind.eq(kind));
    }
    if let Some(from) = filter.from {
        query = query.filter(work_logs::work_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(work_logs::work_date.le(to));
    }
    if let Some(ticket) = filter.ticket_id {
        query = query.filter(work_logs::ticket_id.eq(ticket));
    }
    if let Some((date, id)) = after {
        query = query.filter(
            work_logs::work_date
                .lt(date)
                .or(work_logs::work_date.eq(date).and(work_logs::id.lt(id))),
        );
    }
    query
        .order((work_logs::work_date.desc(), work_logs::id.desc()))
        .limit(limit)
        .load(conn)
}

/// Inserts a log written at `at`.
pub fn insert(
    conn: &mut DbConn,
    fields: &WorkLogFields,
    at: NaiveDateTime,
) -> QueryResult<WorkLog> {
    insert_returning!(
        conn,
        work_logs::table,
        &NewWorkLog {
            fields: fields.clone(),
            created_at: at,
            updated_at: at,
            external_ref: None,
        },
        WorkLog
    )
}

/// Inserts many logs written at `at`, in statements of a few hundred rows; `references`, when
/// given, are theirs in the system they were brought from, one per log.
pub fn insert_many(
    conn: &mut DbConn,
    logs: &[WorkLogFields],
    references: Option<&[String]>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    for (index, chunk) in logs.chunks(500).enumerate() {
        let rows: Vec<NewWorkLog> = chunk
            .iter()
            .enumerate()
            .map(|(i, fields)| NewWorkLog {
                fields: fields.clone(),
                created_at: at,
                updated_at: at,
                external_ref: references.and_then(|r| r.get(index * 500 + i).cloned()),
            })
            .collect();
        each_backend!(&mut *conn, c => diesel::insert_into(work_logs::table)
            .values(&rows)
            .execute(c))?;
    }
    Ok(())
}

/// Writes a log's content over what it was.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    fields: &WorkLogFields,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(work_logs::table.find(id))
        .set((fields, work_logs::updated_at.eq(at)))
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: i64) -> QueryResult<()> {
    diesel::delete(work_logs::table.find(id))
        .execute(conn)
        .map(|_| ())
}

/// Adds a log's minutes to its month's counts (`sign` -1 takes them away).
pub fn count(conn: &mut DbConn, fields: &WorkLogFields, sign: i64) -> QueryResult<()> {
    let minutes = sign * i64::from(fields.minutes);
    counts::add_work_minutes(
        conn,
        fields.member_id,
        fields.work_date,
        fields.kind,
        minutes,
    )?;
    let mut groups = counts::WorkGroupDeltas::new();
    counts::work_groups_add(
        &mut groups,
        fields.category_id,
        fields.technician_id,
        fields.work_date,
        fields.kind,
        minutes,
    );
    counts::add_work_group_minutes(conn, &groups)
}

/// The logs of a ticket brought from another system, with their references.
pub fn external_of(conn: &mut DbConn, ticket_id: i64) -> QueryResult<Vec<(WorkLog, String)>> {
    let rows: Vec<(WorkLog, Option<String>)> = work_logs::table
        .filter(work_logs::ticket_id.eq(ticket_id))
        .filter(work_logs::external_ref.is_not_null())
        .select((WorkLog::as_select(), work_logs::external_ref))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(log, reference)| reference.map(|r| (log, r)))
        .collect())
}
