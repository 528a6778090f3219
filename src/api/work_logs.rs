//! Work logs: the team's days, by kind and member.

use actix_web::web::Query;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{
    created, invalid_cursor, not_null, nullable, paginate, parse_date, parse_id, path_id, Page,
    PageQuery,
};
use crate::api::{json::Json, problems, Answer, Segment, State};
use crate::auth::AuthUser;
use crate::db;
use crate::db::work_logs::{WorkLog, WorkLogFields, WorkLogFilter};
use crate::domain::time::check_day;
use crate::domain::work_log::{minutes_to_days, parse_duration, WorkKind};
use crate::domain::{text, Checks, FieldError};
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig, settings: &crate::config::Settings) {
    cfg.service(
        web::resource("/work-logs")
            .route(web::get().to(list_work_logs))
            .route(web::post().to(create_work_log)),
    )
    // Before `/work-logs/{id}`, which would otherwise take "import" for an id.
    .service(
        web::resource("/work-logs/import")
            .app_data(crate::api::json_config(settings.server.max_import_bytes))
            .route(web::post().to(import_work_logs)),
    )
    .service(
        web::resource("/work-logs/{id}")
            .route(web::get().to(get_work_log))
            .route(web::patch().to(update_work_log))
            .route(web::delete().to(delete_work_log)),
    );
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkLogView {
    pub id: i64,
    pub technician_id: i64,
    /// Null for hotline duty.
    pub member_id: Option<i64>,
    pub date: NaiveDate,
    pub kind: WorkKind,
    pub minutes: i32,
    /// `minutes` in days of `workday_minutes`, two decimals.
    pub days: f64,
    pub ticket_id: Option<i64>,
    pub category_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A work log as the API shows it, its minutes also in days of `workday_minutes`.
pub(in crate::api) fn view(log: WorkLog, workday_minutes: u32) -> WorkLogView {
    WorkLogView {
        id: log.id,
        technician_id: log.technician_id,
        member_id: log.member_id,
        date: log.work_date,
        kind: log.kind,
        minutes: log.minutes,
        days: minutes_to_days(i64::from(log.minutes), workday_minutes),
        ticket_id: log.ticket_id,
        category_id: log.category_id,
        note: log.content.note,
        created_at: crate::domain::time::to_rfc3339(log.created_at),
        updated_at: crate::domain::time::to_rfc3339(log.updated_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWorkLog {
    /// Defaults to the caller.
    pub technician_id: Option<i64>,
    /// Required, except for `hotline_duty` where it must be absent.
    pub member_id: Option<i64>,
    pub date: NaiveDate,
    #[schema(value_type = WorkKind)]
    pub kind: String,
    /// A multiple of 0.25; give this or `minutes`.
    pub days: Option<f64>,
    /// 1 to 44,640; give this or `days`.
    #[schema(minimum = 1, maximum = 44640)]
    pub minutes: Option<i64>,
    pub ticket_id: Option<i64>,
    pub category_id: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateWorkLog {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = i64)]
    pub technician_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub member_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = NaiveDate)]
    pub date: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = WorkKind)]
    pub kind: Option<Option<String>>,
    /// Replaces the duration; give at most one of `days` and `minutes`.
    pub days: Option<f64>,
    pub minutes: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub ticket_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, nullable)]
    pub category_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, nullable)]
    pub note: Option<Option<String>>,
}

const NOTE_MAX_CHARS: usize = 2_000;

fn parse_note(checks: &mut Checks, note: Option<&str>) -> Option<String> {
    note.and_then(|n| {
        checks
            .take(text::optional("note", n, NOTE_MAX_CHARS))
            .flatten()
    })
}

/// Log work.
///
/// Errors: 403: agents do not log work; 422: invalid field: member required or forbidden by kind,
/// not a member on that date, days not in quarters, minutes out of range...
#[utoipa::path(
    post, path = "/api/v1/work-logs", tag = "work-logs",
    request_body = CreateWorkLog,
    responses(
        (status = 201, description = "Logged", body = WorkLogView),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn create_work_log(state: State, user: AuthUser, body: Json<CreateWorkLog>) -> Answer {
    if !user.role().logs_work() {
        return Err(AppError::forbidden("agents do not log work"));
    }
    let body = body.into_inner();
    let workday = state.settings.service.workday_minutes;
    let mut checks = Checks::new();
    let kind = checks.take(WorkKind::parse(&body.kind));
    checks.take(check_day("date", body.date));
    let minutes = checks.take(parse_duration(body.days, body.minutes, workday));
    let note = parse_note(&mut checks, body.note.as_deref());
    checks.finish()?;
    let (Some(kind), Some(minutes)) = (kind, minutes) else {
        unreachable!("checks passed");
    };
    let fields = WorkLogFields {
        technician_id: body.technician_id.unwrap_or(user.actor.id),
        member_id: body.member_id,
        work_date: body.date,
        kind,
        minutes,
        ticket_id: body.ticket_id,
        category_id: body.category_id,
        note,
    };
    let log = state
        .run(move |conn| crate::desk::work_logs::insert(conn, &fields))
        .await?;
    Ok(created(
        format!("/api/v1/work-logs/{}", log.id),
        &view(log, workday),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkLogImportResult {
    pub created: usize,
}

pub const MAX_IMPORT: usize = 10_000;

/// Import past work logs (admin), all or nothing: each row as for `POST /work-logs`, with
/// `technician_id` required.
///
/// Errors: 403: not an admin; 413: body too large; 422: more than 10,000 logs, or an invalid one
/// (nothing imported); field names are prefixed with the index, e.g. [3].member_id.
#[utoipa::path(
    post, path = "/api/v1/work-logs/import", tag = "work-logs",
    request_body = Vec<CreateWorkLog>,
    responses(
        (status = 201, description = "All imported", body = WorkLogImportResult),
        problems::Forbidden, problems::PayloadTooLarge, problems::Invalid,
    )
)]
pub async fn import_work_logs(
    state: State,
    user: AuthUser,
    body: Json<Vec<serde_json::Value>>,
) -> Answer {
    user.require_admin()?;
    let rows = body.into_inner();
    if rows.len() > MAX_IMPORT {
        return Err(AppError::validation(
            "body",
            format!(
                "at most {MAX_IMPORT} work logs per import, got {}",
                rows.len()
            ),
        ));
    }
    let workday = state.settings.service.workday_minutes;
    let mut checks = Checks::new();
    let mut logs = Vec::with_capacity(rows.len());
    for (index, raw) in rows.into_iter().enumerate() {
        let mut row_checks = Checks::new();
        let parsed = serde_json::from_value::<CreateWorkLog>(raw)
            .map_err(|e| FieldError::new("", e.to_string()))
            .and_then(|row| {
                let technician_id = row
                    .technician_id
                    .ok_or_else(|| FieldError::new("technician_id", "is required in an import"))?;
                Ok((technician_id, row))
            });
        match parsed {
            Err(error) => row_checks.push(error),
            Ok((technician_id, row)) => {
                let kind = row_checks.take(WorkKind::parse(&row.kind));
                row_checks.take(check_day("date", row.date));
                let minutes = row_checks.take(parse_duration(row.days, row.minutes, workday));
                let note = parse_note(&mut row_checks, row.note.as_deref());
                if let (Some(kind), Some(minutes)) = (kind, minutes) {
                    logs.push(WorkLogFields {
                        technician_id,
                        member_id: row.member_id,
                        work_date: row.date,
                        kind,
                        minutes,
                        ticket_id: row.ticket_id,
                        category_id: row.category_id,
                        note,
                    });
                }
            }
        }
        if let Err(errors) = row_checks.finish() {
            for error in errors {
                let field = if error.field.is_empty() {
                    format!("[{index}]")
                } else {
                    format!("[{index}].{}", error.field)
                };
                checks.push(FieldError::new(field, error.message));
            }
        }
    }
    checks.finish()?;
    let created = state
        .run(move |conn| crate::desk::work_logs::import(conn, &logs))
        .await?;
    Ok(HttpResponse::Created().json(WorkLogImportResult { created }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkLogQuery {
    #[param(value_type = Option<i64>, minimum = 1)]
    pub member_id: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub technician_id: Option<String>,
    /// The logs of this category.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub category_id: Option<String>,
    #[param(value_type = Option<WorkKind>)]
    pub kind: Option<String>,
    /// First day, inclusive.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day, inclusive.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
}

fn parse_log_cursor(raw: &str) -> Result<(NaiveDate, i64), FieldError> {
    let (date, id) = raw.split_once('_').ok_or_else(invalid_cursor)?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| invalid_cursor())?;
    let id = id.parse().map_err(|_| invalid_cursor())?;
    Ok((date, id))
}

/// List work logs, newest day first (staff).
///
/// Errors: 403: agents may not read work logs; 422: invalid filter.
#[utoipa::path(
    get, path = "/api/v1/work-logs", tag = "work-logs",
    params(PageQuery, WorkLogQuery),
    responses(
        (status = 200, description = "Newest day first", body = Page<WorkLogView>),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn list_work_logs(
    state: State,
    user: AuthUser,
    page: Query<PageQuery>,
    query: Query<WorkLogQuery>,
) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let limit = checks.take(page.limit()).unwrap_or_default();
    let after = checks
        .take_opt(page.cursor.as_deref(), parse_log_cursor)
        .flatten();
    let member_id = checks
        .take_opt(query.member_id.as_deref(), |r| parse_id("member_id", r))
        .flatten();
    let technician_id = checks
        .take_opt(query.technician_id.as_deref(), |r| {
            parse_id("technician_id", r)
        })
        .flatten();
    let category_id = checks
        .take_opt(query.category_id.as_deref(), |r| parse_id("category_id", r))
        .flatten();
    let kind = checks
        .take_opt(query.kind.as_deref(), WorkKind::parse)
        .flatten();
    let from = checks
        .take_opt(query.from.as_deref(), |r| parse_date("from", r))
        .flatten();
    let to = checks
        .take_opt(query.to.as_deref(), |r| parse_date("to", r))
        .flatten();
    checks.finish()?;
    let filter = WorkLogFilter {
        member_id,
        technician_id,
        category_id,
        kind,
        from,
        to,
        ticket_id: None,
    };
    let workday = state.settings.service.workday_minutes;
    let rows = state
        .run(move |conn| Ok(db::work_logs::list(conn, &filter, after, limit + 1)?))
        .await?;
    Ok(HttpResponse::Ok().json(paginate(
        rows,
        limit,
        |l| format!("{}_{}", l.work_date, l.id),
        |l| view(l, workday),
    )))
}

/// One work log (staff).
///
/// Errors: 403: agents may not read work logs; 404: no such work log.
#[utoipa::path(
    get, path = "/api/v1/work-logs/{id}", tag = "work-logs",
    params(("id" = i64, Path, description = "Work log id")),
    responses(
        (status = 200, description = "The work log", body = WorkLogView),
        problems::Forbidden, problems::NotFound,
    )
)]
pub async fn get_work_log(state: State, user: AuthUser, id: Segment) -> Answer {
    user.require_staff()?;
    let id = path_id(&id, "work log")?;
    let log = state
        .run(move |conn| Ok(db::work_logs::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
    Ok(HttpResponse::Ok().json(view(log, state.settings.service.workday_minutes)))
}

/// Change a work log (staff). What changed is in the audit log.
///
/// Errors: 403: agents may not change work logs; 404: no such work log; 422: invalid field.
#[utoipa::path(
    patch, path = "/api/v1/work-logs/{id}", tag = "work-logs",
    params(("id" = i64, Path, description = "Work log id")),
    request_body = UpdateWorkLog,
    responses(
        (status = 200, description = "The changed work log", body = WorkLogView),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn update_work_log(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    id: Segment,
    body: Json<UpdateWorkLog>,
) -> Answer {
    user.require_staff()?;
    let id = path_id(&id, "work log")?;
    let body = body.into_inner();
    let workday = state.settings.service.workday_minutes;
    let mut checks = Checks::new();
    let technician_id = checks
        .take(not_null("technician_id", body.technician_id))
        .flatten();
    let date = checks
        .take(not_null("date", body.date))
        .flatten()
        .and_then(|d| checks.take(check_day("date", d)));
    let kind = checks
        .take(not_null("kind", body.kind))
        .flatten()
        .and_then(|k| checks.take(WorkKind::parse(&k)));
    let minutes = if body.days.is_some() || body.minutes.is_some() {
        checks.take(parse_duration(body.days, body.minutes, workday))
    } else {
        None
    };
    let note = body.note.map(|n| parse_note(&mut checks, n.as_deref()));
    checks.finish()?;
    let source = crate::api::audit::source(&user, &req);
    let log = state
        .run(move |conn| {
            crate::desk::work_logs::update(conn, id, &source, |current| {
                let mut fields = current.fields();
                if let Some(technician_id) = technician_id {
                    fields.technician_id = technician_id;
                }
                if let Some(member_id) = body.member_id {
                    fields.member_id = member_id;
                }
                if let Some(date) = date {
                    fields.work_date = date;
                }
                if let Some(kind) = kind {
                    fields.kind = kind;
                }
                if let Some(minutes) = minutes {
                    fields.minutes = minutes;
                }
                if let Some(ticket_id) = body.ticket_id {
                    fields.ticket_id = ticket_id;
                }
                if let Some(category_id) = body.category_id {
                    fields.category_id = category_id;
                }
                if let Some(note) = &note {
                    fields.note = note.clone();
                }
                Ok(fields)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(log, workday)))
}

/// Delete a work log: its technician, a manager or an admin. The deletion is in the audit log.
///
/// Errors: 403: only the work log's technician, a manager or an admin may delete it; 404: no such
/// work log.
#[utoipa::path(
    delete, path = "/api/v1/work-logs/{id}", tag = "work-logs",
    params(("id" = i64, Path, description = "Work log id")),
    responses(
        (status = 204, description = "Deleted"),
        problems::Forbidden, problems::NotFound,
    )
)]
pub async fn delete_work_log(
    state: State,
    user: AuthUser,
    req: HttpRequest,
    id: Segment,
) -> Answer {
    user.require_staff()?;
    let id = path_id(&id, "work log")?;
    let source = crate::api::audit::source(&user, &req);
    let actor = user.actor;
    state
        .run(move |conn| {
            crate::desk::work_logs::delete(conn, id, &source, |log| {
                // Work logs feed billing: only their technician, a manager or an admin.
                if log.technician_id == actor.id || actor.role.manages_directory() {
                    Ok(())
                } else {
                    Err(AppError::forbidden(
                        "only the work log's technician, a manager or an admin may delete it",
                    ))
                }
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
