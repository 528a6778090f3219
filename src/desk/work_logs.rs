//! Logging work: a technician's day at a member's, on-site, on hotline duty or on a project.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Map, Value};

use crate::db::audit::{self, AuditAction, AuditSource};
use crate::db::work_logs::{self, WorkLog, WorkLogFields};
use crate::db::{categories, counts, members, tickets, users, DbConn};
use crate::domain::time::now;
use crate::domain::work_log::WorkKind;
use crate::domain::FieldError;
use crate::error::AppError;

/// The rules that need the database: who worked, for which member, on what.
fn check(conn: &mut DbConn, fields: &WorkLogFields) -> Result<(), AppError> {
    let technician = users::find(conn, fields.technician_id)?;
    let member = match fields.member_id {
        Some(id) => members::find(conn, id)?,
        None => None,
    };
    let ticket_exists = match fields.ticket_id {
        Some(id) => tickets::find(conn, id)?.is_some(),
        None => true,
    };
    let category_exists = match fields.category_id {
        Some(id) => categories::find(conn, id)?.is_some(),
        None => true,
    };
    let errors = rule_errors(
        fields,
        technician.as_ref(),
        member.as_ref(),
        ticket_exists,
        category_exists,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The rules of a work log, given what the database knows of the records it names.
fn rule_errors(
    fields: &WorkLogFields,
    technician: Option<&users::User>,
    member: Option<&members::Member>,
    ticket_exists: bool,
    category_exists: bool,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match technician {
        Some(user) if user.role.logs_work() => {}
        Some(_) => errors.push(FieldError::new(
            "technician_id",
            format!("user {} is not a member of staff", fields.technician_id),
        )),
        None => errors.push(FieldError::new(
            "technician_id",
            format!("user {} does not exist", fields.technician_id),
        )),
    }
    let kind = fields.kind;
    match (kind.needs_member(), fields.member_id) {
        (true, None) => errors.push(FieldError::new(
            "member_id",
            format!("is required for {kind} work"),
        )),
        (false, Some(_)) => errors.push(FieldError::new(
            "member_id",
            "must be absent for hotline_duty: hotline days are shared among members",
        )),
        (true, Some(member_id)) => match member {
            None => errors.push(FieldError::new(
                "member_id",
                format!("member {member_id} does not exist"),
            )),
            Some(member) if !member.membership().covers(fields.work_date) => {
                errors.push(FieldError::new(
                    "member_id",
                    format!("{} was not a member on {}", member.code, fields.work_date),
                ))
            }
            Some(_) => {}
        },
        (false, None) => {}
    }
    if !ticket_exists {
        errors.push(FieldError::new(
            "ticket_id",
            format!(
                "ticket {} does not exist",
                fields.ticket_id.unwrap_or_default()
            ),
        ));
    }
    if !category_exists {
        errors.push(FieldError::new(
            "category_id",
            format!(
                "category {} does not exist",
                fields.category_id.unwrap_or_default()
            ),
        ));
    }
    errors
}

/// Logs work, checked against the records it names, with its month's counts.
pub fn insert(conn: &mut DbConn, fields: &WorkLogFields) -> Result<WorkLog, AppError> {
    crate::db::write(conn, |conn| {
        check(conn, fields)?;
        let at = now();
        let log = work_logs::insert(conn, fields, at)?;
        work_logs::count(conn, fields, 1)?;
        Ok(log)
    })
}

/// Replaces a log's content with what `change` makes of it.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    source: &AuditSource,
    change: impl Fn(&WorkLog) -> Result<WorkLogFields, AppError>,
) -> Result<WorkLog, AppError> {
    crate::db::write(conn, |conn| {
        let current = work_logs::find(conn, id)?
            .ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
        let fields = change(&current)?;
        check(conn, &fields)?;
        work_logs::update(conn, id, &fields, now())?;
        work_logs::count(conn, &current.fields(), -1)?;
        work_logs::count(conn, &fields, 1)?;
        let changes = field_changes(&current.fields(), &fields);
        if !changes.is_empty() {
            let details = json!({"work_log_id": id, "changes": changes});
            audit::record(
                conn,
                &source.entry(
                    AuditAction::WorkLogUpdated,
                    Some(current.technician_id),
                    details,
                ),
            )?;
        }
        work_logs::find(conn, id)?
            .ok_or_else(|| AppError::internal("work log vanished during its update"))
    })
}

/// Deletes a work log, once `allowed` has accepted it as it is, and records what it was.
pub fn delete(
    conn: &mut DbConn,
    id: i64,
    source: &AuditSource,
    allowed: impl Fn(&WorkLog) -> Result<(), AppError>,
) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        let current = work_logs::find(conn, id)?
            .ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
        allowed(&current)?;
        work_logs::delete(conn, id)?;
        work_logs::count(conn, &current.fields(), -1)?;
        let details = json!({"work_log_id": id, "work_log": described(&current.fields())});
        audit::record(
            conn,
            &source.entry(
                AuditAction::WorkLogDeleted,
                Some(current.technician_id),
                details,
            ),
        )?;
        Ok(())
    })
}

/// A work log's content as the audit log keeps it (the note is only said to be there).
fn described(fields: &WorkLogFields) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("technician_id".into(), json!(fields.technician_id));
    map.insert("member_id".into(), json!(fields.member_id));
    map.insert("date".into(), json!(fields.work_date.to_string()));
    map.insert("kind".into(), json!(fields.kind));
    map.insert("minutes".into(), json!(fields.minutes));
    map.insert("ticket_id".into(), json!(fields.ticket_id));
    map.insert("category_id".into(), json!(fields.category_id));
    map.insert("note".into(), json!(fields.note.is_some()));
    map
}

/// What a change did to a work log, as `{field: {from, to}}`; a note only as changed.
fn field_changes(before: &WorkLogFields, after: &WorkLogFields) -> Map<String, Value> {
    let (described_before, described_after) = (described(before), described(after));
    let mut changes = Map::new();
    for (field, from) in &described_before {
        let to = &described_after[field];
        if field != "note" && from != to {
            changes.insert(field.clone(), json!({"from": from, "to": to}));
        }
    }
    if before.note != after.note {
        changes.insert("note".into(), json!("changed"));
    }
    changes
}

/// Imports work logs, all or none: every row is checked against the users, members,
/// tickets and categories before anything is written, in one transaction.
pub fn import(conn: &mut DbConn, logs: &[WorkLogFields]) -> Result<usize, AppError> {
    crate::db::with_bulk_cache(conn, |conn| import_batch(conn, logs, None))
}

/// Imports work logs checked as `import` does; `references`, when given, are theirs in the
/// system they were brought from, one per log.
pub(crate) fn import_batch(
    conn: &mut DbConn,
    logs: &[WorkLogFields],
    references: Option<&[String]>,
) -> Result<usize, AppError> {
    crate::db::write(conn, |conn| {
        let members: HashMap<i64, members::Member> =
            members::all(conn)?.into_iter().map(|m| (m.id, m)).collect();
        let staff: HashMap<i64, users::User> = users::all_staff(conn)?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let categories: HashSet<i64> = categories::all(conn)?.into_iter().map(|c| c.id).collect();
        let ticket_ids: Vec<i64> = logs.iter().filter_map(|l| l.ticket_id).collect();
        let known_tickets: HashSet<i64> = tickets::existing(conn, &ticket_ids)?;
        let mut errors = Vec::new();
        for (index, fields) in logs.iter().enumerate() {
            let found = rule_errors(
                fields,
                staff.get(&fields.technician_id),
                fields.member_id.and_then(|id| members.get(&id)),
                fields
                    .ticket_id
                    .is_none_or(|id| known_tickets.contains(&id)),
                fields.category_id.is_none_or(|id| categories.contains(&id)),
            );
            errors.extend(
                found
                    .into_iter()
                    .map(|e| FieldError::new(format!("[{index}].{}", e.field), e.message)),
            );
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        let mut monthly: HashMap<(Option<i64>, NaiveDate, WorkKind), i64> = HashMap::new();
        let mut groups = counts::WorkGroupDeltas::new();
        for fields in logs {
            let month = fields.work_date.with_day0(0).unwrap_or(fields.work_date);
            *monthly
                .entry((fields.member_id, month, fields.kind))
                .or_default() += i64::from(fields.minutes);
            counts::work_groups_add(
                &mut groups,
                fields.category_id,
                fields.technician_id,
                fields.work_date,
                fields.kind,
                i64::from(fields.minutes),
            );
        }
        work_logs::insert_many(conn, logs, references, now())?;
        for ((member_id, month, kind), minutes) in monthly {
            counts::add_work_minutes(conn, member_id, month, kind, minutes)?;
        }
        counts::add_work_group_minutes(conn, &groups)?;
        Ok(logs.len())
    })
}
