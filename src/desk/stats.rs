//! The statistics managers read: each reads its aggregates in one consistent state and
//! computes its table with `stats`.

use std::collections::HashMap;

use diesel::QueryResult;

use crate::db::counts::{self, Dimension, TicketGroupCount, WorkGroupMinutes, NO_GROUP};
use crate::db::{self, DbConn};
use crate::domain::service_level::Targets;
use crate::domain::ticket::Origin;
use crate::domain::work_log::WorkKind;
use crate::error::AppError;
use crate::stats::export::{self, Download, ReportFormat};
use crate::stats::groups::{self, ByCategory, ByTechnician, CategoryRef};
use crate::stats::lang::Lang;
use crate::stats::report::{self, Period, Report, ReportOptions};
use crate::stats::service_levels::{Cache, ServiceLevels};
use crate::stats::statement::{self, MemberStatement};
use crate::stats::statement_doc::{self, StatementFormat};
use crate::stats::{self, MemberRef, OriginFilter};

/// The members as the statistics name them.
pub fn member_refs(conn: &mut DbConn) -> QueryResult<Vec<MemberRef>> {
    Ok(db::members::all(conn)?
        .into_iter()
        .map(MemberRef::from)
        .collect())
}

/// Tickets per member in `year`, beside `compare_year` if asked.
pub fn tickets_by_member(
    conn: &mut DbConn,
    year: i32,
    compare_year: Option<i32>,
    origin: OriginFilter,
) -> Result<stats::TicketsByMember, AppError> {
    let years: Vec<i32> = std::iter::once(year).chain(compare_year).collect();
    let (members, counts) = db::read(conn, |conn| {
        Ok::<_, AppError>((member_refs(conn)?, db::counts::ticket_counts(conn, &years)?))
    })?;
    Ok(stats::tickets_by_member(
        &members,
        &counts,
        year,
        compare_year,
        None,
        origin,
    ))
}

/// Tickets per month of `year`, overall and per member (or of one member).
pub fn seasonality(
    conn: &mut DbConn,
    year: i32,
    member_id: Option<i64>,
    origin: OriginFilter,
) -> Result<stats::Seasonality, AppError> {
    let (members, counts) = db::read(conn, |conn| {
        Ok::<_, AppError>((
            member_refs(conn)?,
            db::counts::ticket_counts(conn, &[year])?,
        ))
    })?;
    Ok(stats::seasonality(
        &members, &counts, year, member_id, origin,
    ))
}

/// Work days per member and kind in `year`.
pub fn work_days(
    conn: &mut DbConn,
    year: i32,
    workday_minutes: u32,
) -> Result<stats::WorkDays, AppError> {
    let (members, minutes) = db::read(conn, |conn| {
        Ok::<_, AppError>((member_refs(conn)?, db::counts::work_minutes(conn, year)?))
    })?;
    Ok(stats::work_days(
        &members,
        &minutes,
        year,
        None,
        workday_minutes,
    ))
}

/// The categories as the statistics name them.
pub fn category_refs(conn: &mut DbConn) -> QueryResult<Vec<CategoryRef>> {
    Ok(db::categories::all(conn)?
        .into_iter()
        .map(|c| CategoryRef {
            id: c.id,
            name: c.name,
            parent_id: c.parent_id,
        })
        .collect())
}

/// The names of the technicians counted in some rows by group.
pub fn technician_names(
    conn: &mut DbConn,
    counts: &[TicketGroupCount],
    minutes: &[WorkGroupMinutes],
) -> QueryResult<HashMap<i64, String>> {
    let mut ids: Vec<i64> = counts
        .iter()
        .map(|c| c.group_id)
        .chain(minutes.iter().map(|m| m.group_id))
        .filter(|&id| id != NO_GROUP)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(db::users::names(conn, &ids)?.into_iter().collect())
}

/// Tickets and work by kind per category in `year`, beside `compare_year`'s tickets if asked.
pub fn by_category(
    conn: &mut DbConn,
    year: i32,
    compare_year: Option<i32>,
    origin: OriginFilter,
    workday_minutes: u32,
) -> Result<ByCategory, AppError> {
    let years: Vec<i32> = std::iter::once(year).chain(compare_year).collect();
    let (categories, counts, minutes) = db::read(conn, |conn| {
        Ok::<_, AppError>((
            category_refs(conn)?,
            counts::group_counts(conn, Dimension::Category, &years)?,
            counts::work_group_minutes(conn, Dimension::Category, year)?,
        ))
    })?;
    Ok(groups::by_category(
        &categories,
        &counts,
        &minutes,
        (year, compare_year, None),
        origin,
        workday_minutes,
    ))
}

/// Tickets assigned and work logged by kind per technician in `year`.
pub fn by_technician(
    conn: &mut DbConn,
    year: i32,
    compare_year: Option<i32>,
    origin: OriginFilter,
    workday_minutes: u32,
) -> Result<ByTechnician, AppError> {
    let years: Vec<i32> = std::iter::once(year).chain(compare_year).collect();
    let (names, counts, minutes) = db::read(conn, |conn| {
        let counts = counts::group_counts(conn, Dimension::Technician, &years)?;
        let minutes = counts::work_group_minutes(conn, Dimension::Technician, year)?;
        Ok::<_, AppError>((technician_names(conn, &counts, &minutes)?, counts, minutes))
    })?;
    Ok(groups::by_technician(
        &names,
        &counts,
        &minutes,
        (year, compare_year, None),
        origin,
        workday_minutes,
    ))
}

/// Hotline presence in `year` shared among members by their hotline tickets: the days given
/// (in hundredths), or else the year's hotline duty.
pub fn hotline_allocation(
    conn: &mut DbConn,
    year: i32,
    presence_hundredths: Option<i64>,
    workday_minutes: u32,
) -> Result<stats::HotlineAllocation, AppError> {
    let (members, counts, minutes) = db::read(conn, |conn| {
        Ok::<_, AppError>((
            member_refs(conn)?,
            db::counts::ticket_counts(conn, &[year])?,
            db::counts::work_minutes(conn, year)?,
        ))
    })?;
    let (hundredths, given) = match presence_hundredths {
        Some(hundredths) => (hundredths, true),
        None => {
            let duty: i64 = minutes
                .iter()
                .filter(|m| m.kind == WorkKind::HotlineDuty)
                .map(|m| m.minutes)
                .sum();
            (stats::minutes_to_hundredths(duty, workday_minutes), false)
        }
    };
    Ok(stats::hotline_allocation(
        &members, &counts, year, None, hundredths, given,
    ))
}

/// Taken-in-charge and resolution times of the tickets filed in `year`, per member and
/// priority, of one origin or all.
pub fn service_levels(
    conn: &mut DbConn,
    cache: &Cache,
    targets: &Targets,
    year: i32,
    origin: Option<Origin>,
) -> Result<ServiceLevels, AppError> {
    db::read(conn, |conn| {
        let members = member_refs(conn)?;
        Ok(cache.service_levels(conn, &members, targets, year, origin)?)
    })
}

/// The report of a year or of one of its months: every table of the statistics above.
pub fn report(
    conn: &mut DbConn,
    period: Period,
    options: ReportOptions,
    workday_minutes: u32,
    targets: &Targets,
) -> Result<Report, AppError> {
    dashboard_report(conn, period, options, workday_minutes, targets, true)
}

/// The report as a tab of the console's dashboard shows it: without `by_group`, its tables by
/// category and by technician left empty, for the tabs that show neither.
pub fn dashboard_report(
    conn: &mut DbConn,
    period: Period,
    options: ReportOptions,
    workday_minutes: u32,
    targets: &Targets,
    by_group: bool,
) -> Result<Report, AppError> {
    let data = report::load(
        conn,
        period.year,
        options.compare_year(period.year),
        by_group,
    )?;
    Ok(report::build(
        &data,
        period,
        options,
        workday_minutes,
        targets,
    ))
}

/// The report as a download of one format and language.
pub fn report_download(
    conn: &mut DbConn,
    period: Period,
    options: ReportOptions,
    workday_minutes: u32,
    targets: &Targets,
    format: ReportFormat,
    lang: Lang,
) -> Result<Download, AppError> {
    let report = report(conn, period, options, workday_minutes, targets)?;
    export::render(&report, format, lang).map_err(AppError::internal)
}

/// One member's statement of a year or month: its line of the statements of every member (so
/// that its figures are the ones the report shares out), its tickets by category and its
/// service levels. 404 for a member that does not exist.
pub fn member_statement(
    conn: &mut DbConn,
    period: Period,
    options: ReportOptions,
    member_id: i64,
    workday_minutes: u32,
    targets: &Targets,
) -> Result<MemberStatement, AppError> {
    // The report and the member's counts by category as one consistent state, so that its
    // tickets by category add up to its line.
    let (data, by_category) = db::read(conn, |conn| {
        Ok::<_, AppError>((
            report::load(conn, period.year, options.compare_year(period.year), false)?,
            counts::member_group_counts(conn, Dimension::Category, &[period.year], member_id)?,
        ))
    })?;
    let member = data
        .members
        .iter()
        .find(|m| m.id == member_id)
        .ok_or_else(|| AppError::not_found(format!("member {member_id}")))?;
    let report = report::build(&data, period, options, workday_minutes, targets);
    Ok(statement::member_statement(
        &report.statements,
        member,
        &data.categories,
        &by_category,
        &report.service_levels,
    ))
}

/// A member's statement as a download of one format and language.
#[allow(clippy::too_many_arguments)]
pub fn statement_download(
    conn: &mut DbConn,
    period: Period,
    options: ReportOptions,
    member_id: i64,
    workday_minutes: u32,
    targets: &Targets,
    format: StatementFormat,
    lang: Lang,
) -> Result<Download, AppError> {
    let statement = member_statement(conn, period, options, member_id, workday_minutes, targets)?;
    statement_doc::render(&statement, format, lang).map_err(AppError::internal)
}
