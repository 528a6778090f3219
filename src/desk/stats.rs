//! The statistics managers read: each reads its aggregates in one consistent state and
//! computes its table with `stats`.

use diesel::QueryResult;

use crate::db::{self, DbConn};
use crate::domain::service_level::Targets;
use crate::domain::ticket::Origin;
use crate::domain::work_log::WorkKind;
use crate::error::AppError;
use crate::stats::export::{self, Download, ReportFormat};
use crate::stats::lang::Lang;
use crate::stats::report::{self, Period, Report, ReportOptions};
use crate::stats::service_levels::{Cache, ServiceLevels};
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
    let data = report::load(conn, period.year, options.compare_year(period.year))?;
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
