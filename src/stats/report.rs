//! The monthly report: the statistics of a year, or of one of its months, gathered in one
//! value; `export` writes it out as files.

use std::collections::HashMap;

use diesel::QueryResult;
use serde::Serialize;

use super::service_levels::ServiceLevels;
use crate::domain::service_level::Targets;
use utoipa::ToSchema;

use super::groups::{self, ByCategory, ByTechnician, CategoryRef};
use super::statement::{self, StatementInput, Statements};
use super::{
    hotline_allocation, minutes_to_hundredths, seasonality, tickets_by_member, work_days,
    HotlineAllocation, MemberRef, MonthFilter, OriginFilter, Seasonality, TicketsByMember,
    WorkDays,
};
use crate::db::counts::{
    self, Dimension, TicketGroupCount, TicketMonthCount, WorkGroupMinutes, WorkMonthMinutes,
};
use crate::db::{self, DbConn};
use crate::domain::ticket::Origin;
use crate::domain::work_log::WorkKind;
use crate::domain::FieldError;

pub fn parse_month(raw: &str) -> Result<u32, FieldError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or_else(|| FieldError::new("month", "must be a month from 1 to 12"))
}

/// A calendar year, or one month of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub month: MonthFilter,
}

/// What a report may be asked beside its period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// The year whose tickets are set beside the period's; by default the year before.
    pub compare_year: Option<i32>,
    /// The hotline presence to share, in hundredths of days; by default the period's hotline
    /// duty.
    pub presence_hundredths: Option<i64>,
}

impl ReportOptions {
    pub fn compare_year(&self, year: i32) -> i32 {
        self.compare_year.unwrap_or(year - 1)
    }
}

/// What a report is computed from: the members and the monthly aggregates of the year and
/// of the year it is compared with.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub members: Vec<MemberRef>,
    pub ticket_counts: Vec<TicketMonthCount>,
    pub work_minutes: Vec<WorkMonthMinutes>,
    pub service_levels: Vec<db::service_levels::Row>,
    pub categories: Vec<CategoryRef>,
    /// Tickets by category of the year and of the compared year.
    pub category_counts: Vec<TicketGroupCount>,
    pub category_work: Vec<WorkGroupMinutes>,
    pub technician_names: HashMap<i64, String>,
    pub technician_counts: Vec<TicketGroupCount>,
    pub technician_work: Vec<WorkGroupMinutes>,
}

/// Reads what a report of `year` compared with `compare_year` needs, as one consistent state;
/// without `by_group`, the counts by category and technician are left out (their tables come
/// out empty): a statement and most of the dashboard's tabs show none of them.
pub fn load(
    conn: &mut DbConn,
    year: i32,
    compare_year: i32,
    by_group: bool,
) -> QueryResult<ReportData> {
    db::read(conn, |conn| {
        let members = db::members::all(conn)?
            .into_iter()
            .map(MemberRef::from)
            .collect();
        let years = [year, compare_year];
        let mut data = ReportData {
            members,
            ticket_counts: counts::ticket_counts(conn, &years)?,
            work_minutes: counts::work_minutes(conn, year)?,
            service_levels: db::service_levels::for_year(conn, year, Some(Origin::Hotline))?,
            categories: crate::desk::stats::category_refs(conn)?,
            category_counts: Vec::new(),
            category_work: Vec::new(),
            technician_names: HashMap::new(),
            technician_counts: Vec::new(),
            technician_work: Vec::new(),
        };
        if by_group {
            data.category_counts = counts::group_counts(conn, Dimension::Category, &years)?;
            data.category_work = counts::work_group_minutes(conn, Dimension::Category, year)?;
            data.technician_counts = counts::group_counts(conn, Dimension::Technician, &years)?;
            data.technician_work = counts::work_group_minutes(conn, Dimension::Technician, year)?;
            data.technician_names = crate::desk::stats::technician_names(
                conn,
                &data.technician_counts,
                &data.technician_work,
            )?;
        }
        Ok(data)
    })
}

/// The report as JSON: each statistic as its own endpoint returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub year: i32,
    /// The month (1-12) the tables are limited to; null for the whole year.
    pub month: Option<u32>,
    /// Hotline tickets of the period, beside the same period of the year before.
    pub tickets_by_member: TicketsByMember,
    /// The whole year month by month, whatever the period.
    pub seasonality: Seasonality,
    pub work_days: WorkDays,
    /// The period's hotline duty shared by the period's hotline tickets.
    pub hotline_allocation: HotlineAllocation,
    /// Taken-in-charge and resolution times of the year's hotline tickets, whatever the period.
    pub service_levels: ServiceLevels,
    /// Hotline tickets and work by category, beside the compared year's tickets.
    pub by_category: ByCategory,
    /// Hotline tickets assigned and work logged by technician.
    pub by_technician: ByTechnician,
    /// What each member is billed for: its days and its share of the hotline presence.
    pub statements: Statements,
    /// The hotline tickets of the compared year month by month (January first), when compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compare_months: Option<[i64; 12]>,
}

pub fn build(
    data: &ReportData,
    period: Period,
    options: ReportOptions,
    workday_minutes: u32,
    targets: &Targets,
) -> Report {
    let Period { year, month } = period;
    let hotline = OriginFilter::Only(Origin::Hotline);
    let duty_minutes: i64 = data
        .work_minutes
        .iter()
        .filter(|m| m.year == year && month.is_none_or(|wanted| m.month == wanted as i32))
        .filter(|m| matches!(Ok::<_, ()>(m.kind), Ok(WorkKind::HotlineDuty)))
        .map(|m| m.minutes)
        .sum();
    // A year without a hotline ticket is not compared with: its column would be all zeros.
    let compare_year = options.compare_year(year);
    let compared = data
        .ticket_counts
        .iter()
        .any(|c| c.year == compare_year && c.origin == Origin::Hotline && c.tickets != 0);
    let presence_hundredths = options
        .presence_hundredths
        .unwrap_or_else(|| minutes_to_hundredths(duty_minutes, workday_minutes));
    let compare = compared.then_some(compare_year);
    let compare_months =
        compare.map(|y| seasonality(&data.members, &data.ticket_counts, y, None, hotline).months);
    let allocation = hotline_allocation(
        &data.members,
        &data.ticket_counts,
        year,
        month,
        presence_hundredths,
        options.presence_hundredths.is_some(),
    );
    Report {
        year,
        month,
        by_category: groups::by_category(
            &data.categories,
            &data.category_counts,
            &data.category_work,
            (year, compare, month),
            hotline,
            workday_minutes,
        ),
        by_technician: groups::by_technician(
            &data.technician_names,
            &data.technician_counts,
            &data.technician_work,
            (year, compare, month),
            hotline,
            workday_minutes,
        ),
        statements: statement::statements(&StatementInput {
            members: &data.members,
            ticket_counts: &data.ticket_counts,
            work_minutes: &data.work_minutes,
            year,
            month,
            allocation: &allocation,
            workday_minutes,
        }),
        compare_months,
        tickets_by_member: tickets_by_member(
            &data.members,
            &data.ticket_counts,
            year,
            compare,
            month,
            hotline,
        ),
        seasonality: seasonality(&data.members, &data.ticket_counts, year, None, hotline),
        work_days: work_days(
            &data.members,
            &data.work_minutes,
            year,
            month,
            workday_minutes,
        ),
        hotline_allocation: allocation,
        service_levels: super::service_levels::service_levels(
            &data.members,
            &data.service_levels,
            targets,
            year,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGETS: Targets = Targets {
        acknowledge: [30, 60, 240, 480],
        resolve: [240, 600, 1800, 3000],
    };

    fn demo_data() -> ReportData {
        let member = |id: i64, code: &str, name: &str| MemberRef {
            id,
            code: code.into(),
            name: name.into(),
            short_name: name.into(),
        };
        let tickets = |member_id: i64, year: i32, month: i32, tickets: i64| TicketMonthCount {
            member_id,
            year,
            month,
            origin: Origin::Hotline,
            tickets,
        };
        let work = |member_id: i64, month: i32, kind: &str, minutes: i64| WorkMonthMinutes {
            member_id,
            year: 2018,
            month,
            kind: WorkKind::parse(kind).unwrap(),
            minutes,
        };
        ReportData {
            members: vec![
                member(1, "ECOLES-IVRY", "Écoles Ivry"),
                member(2, "OPH-IVRY", "OPH d'Ivry"),
            ],
            ticket_counts: vec![
                tickets(1, 2018, 1, 4),
                tickets(1, 2018, 2, 3),
                tickets(2, 2018, 2, 1),
                tickets(2, 2017, 2, 6),
            ],
            work_minutes: vec![
                work(1, 2, "posted", 840),
                work(0, 2, "hotline_duty", 420),
                work(0, 3, "hotline_duty", 840),
            ],
            service_levels: Vec::new(),
            categories: Vec::new(),
            category_counts: Vec::new(),
            category_work: Vec::new(),
            technician_names: HashMap::new(),
            technician_counts: Vec::new(),
            technician_work: Vec::new(),
        }
    }

    #[test]
    fn a_month_report_limits_the_tables_but_keeps_the_years_seasonality() {
        let period = Period {
            year: 2018,
            month: Some(2),
        };
        let report = build(
            &demo_data(),
            period,
            ReportOptions::default(),
            420,
            &TARGETS,
        );
        assert_eq!(report.tickets_by_member.total, 4);
        assert_eq!(report.tickets_by_member.compare_total, Some(6));
        assert_eq!(report.seasonality.total, 8);
        assert_eq!(report.hotline_allocation.presence_hundredths, 100);
        assert_eq!(report.work_days.totals.posted.days, 2.0);
        let whole_year = build(
            &demo_data(),
            Period {
                year: 2018,
                month: None,
            },
            ReportOptions::default(),
            420,
            &TARGETS,
        );
        assert_eq!(whole_year.tickets_by_member.total, 8);
        assert_eq!(whole_year.hotline_allocation.presence_hundredths, 300);
        // Another year to compare with, and the presence days given rather than logged.
        let asked = build(
            &demo_data(),
            Period {
                year: 2018,
                month: None,
            },
            ReportOptions {
                compare_year: Some(2016),
                presence_hundredths: Some(35_000),
            },
            420,
            &TARGETS,
        );
        // 2016 has no ticket: nothing to compare with.
        assert_eq!(asked.tickets_by_member.compare_year, None);
        assert_eq!(asked.tickets_by_member.compare_total, None);
        assert_eq!(asked.hotline_allocation.presence_hundredths, 35_000);
        let shared: i64 = asked
            .hotline_allocation
            .rows
            .iter()
            .map(|r| r.hundredths)
            .sum();
        assert_eq!(shared, 35_000);
    }

    #[test]
    fn months_are_checked() {
        assert_eq!(parse_month("2").unwrap(), 2);
        assert!(parse_month("0").is_err());
        assert!(parse_month("13").is_err());
        assert!(parse_month("feb").is_err());
    }
}
