//! Work logs and the monthly minutes they add up to.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::schema::work_logs;
use super::tickets::insert_returning;
use super::{categories, counts, members, tickets, users, DbConn};
use crate::domain::time::now;
use crate::domain::user::Role;
use crate::domain::work_log::WorkKind;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = work_logs)]
pub struct WorkLog {
    pub id: i64,
    pub technician_id: i64,
    pub member_id: Option<i64>,
    pub work_date: NaiveDate,
    pub kind: String,
    pub minutes: i32,
    pub ticket_id: Option<i64>,
    pub category_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A work log's content, parsed; the same for a new log and a changed one.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = work_logs, treat_none_as_null = true)]
pub struct WorkLogFields {
    pub technician_id: i64,
    pub member_id: Option<i64>,
    pub work_date: NaiveDate,
    pub kind: String,
    pub minutes: i32,
    pub ticket_id: Option<i64>,
    pub category_id: Option<i64>,
    pub note: Option<String>,
}

impl WorkLog {
    pub fn fields(&self) -> WorkLogFields {
        WorkLogFields {
            technician_id: self.technician_id,
            member_id: self.member_id,
            work_date: self.work_date,
            kind: self.kind.clone(),
            minutes: self.minutes,
            ticket_id: self.ticket_id,
            category_id: self.category_id,
            note: self.note.clone(),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = work_logs)]
struct NewWorkLog {
    #[diesel(embed)]
    fields: WorkLogFields,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<WorkLog>> {
    work_logs::table
        .find(id)
        .select(WorkLog::as_select())
        .first(conn)
        .optional()
}

/// The rules that need the database: who worked, for which member, on what.
fn check(conn: &mut DbConn, fields: &WorkLogFields) -> Result<(), AppError> {
    let mut errors = Vec::new();
    match users::find(conn, fields.technician_id)? {
        Some(user) if Role::from_stored(&user.role).logs_work() => {}
        Some(_) => errors.push(crate::domain::FieldError::new(
            "technician_id",
            format!("user {} is not a member of staff", fields.technician_id),
        )),
        None => errors.push(crate::domain::FieldError::new(
            "technician_id",
            format!("user {} does not exist", fields.technician_id),
        )),
    }
    let kind = WorkKind::from_stored(&fields.kind);
    match (kind.needs_member(), fields.member_id) {
        (true, None) => errors.push(crate::domain::FieldError::new(
            "member_id",
            format!("is required for {kind} work"),
        )),
        (false, Some(_)) => errors.push(crate::domain::FieldError::new(
            "member_id",
            "must be absent for hotline_duty: hotline days are shared among members",
        )),
        (true, Some(member_id)) => match members::find(conn, member_id)? {
            None => errors.push(crate::domain::FieldError::new(
                "member_id",
                format!("member {member_id} does not exist"),
            )),
            Some(member) if !member.membership().covers(fields.work_date) => {
                errors.push(crate::domain::FieldError::new(
                    "member_id",
                    format!("{} was not a member on {}", member.code, fields.work_date),
                ))
            }
            Some(_) => {}
        },
        (false, None) => {}
    }
    if let Some(ticket_id) = fields.ticket_id {
        if tickets::find(conn, ticket_id)?.is_none() {
            errors.push(crate::domain::FieldError::new(
                "ticket_id",
                format!("ticket {ticket_id} does not exist"),
            ));
        }
    }
    if let Some(category_id) = fields.category_id {
        if categories::find(conn, category_id)?.is_none() {
            errors.push(crate::domain::FieldError::new(
                "category_id",
                format!("category {category_id} does not exist"),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn count(conn: &mut DbConn, fields: &WorkLogFields, sign: i64) -> QueryResult<()> {
    counts::add_work_minutes(
        conn,
        fields.member_id,
        fields.work_date,
        &fields.kind,
        sign * i64::from(fields.minutes),
    )
}

pub fn insert(conn: &mut DbConn, fields: &WorkLogFields) -> Result<WorkLog, AppError> {
    super::write(conn, |conn| {
        check(conn, fields)?;
        let at = now();
        let log = insert_returning!(
            conn,
            work_logs::table,
            &NewWorkLog {
                fields: fields.clone(),
                created_at: at,
                updated_at: at,
            },
            WorkLog
        )?;
        count(conn, fields, 1)?;
        Ok(log)
    })
}

/// Replaces a log's content with what `change` makes of it.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    change: impl FnOnce(&WorkLog) -> Result<WorkLogFields, AppError>,
) -> Result<WorkLog, AppError> {
    super::write(conn, |conn| {
        let current =
            find(conn, id)?.ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
        let fields = change(&current)?;
        check(conn, &fields)?;
        diesel::update(work_logs::table.find(id))
            .set((&fields, work_logs::updated_at.eq(now())))
            .execute(conn)?;
        count(conn, &current.fields(), -1)?;
        count(conn, &fields, 1)?;
        find(conn, id)?.ok_or_else(|| AppError::internal("work log vanished during its update"))
    })
}

pub fn delete(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    super::write(conn, |conn| {
        let current =
            find(conn, id)?.ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
        diesel::delete(work_logs::table.find(id)).execute(conn)?;
        count(conn, &current.fields(), -1)?;
        Ok(())
    })
}

#[derive(Debug, Clone, Default)]
pub struct WorkLogFilter {
    pub member_id: Option<i64>,
    pub technician_id: Option<i64>,
    pub kind: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
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
    if let Some(kind) = &filter.kind {
        query = query.filter(work_logs::kind.eq(kind.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(work_logs::work_date.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(work_logs::work_date.le(to));
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

/// Inserts many logs in one transaction (demo data and imports).
pub fn insert_many(conn: &mut DbConn, logs: &[WorkLogFields]) -> Result<usize, AppError> {
    super::write(conn, |conn| {
        let at = now();
        for fields in logs {
            diesel::insert_into(work_logs::table)
                .values(&NewWorkLog {
                    fields: fields.clone(),
                    created_at: at,
                    updated_at: at,
                })
                .execute(conn)?;
            count(conn, fields, 1)?;
        }
        Ok(logs.len())
    })
}
