//! The monthly report: the statistics of a year, or of one of its months, bundled for
//! download (JSON, a zip of CSV files and SVG charts, or an XLSX workbook with native charts)
//! or written into a folder by `helpdesk report`.

use std::io::Write;

use diesel::QueryResult;
use serde::Serialize;

use super::service_levels::ServiceLevels;
use crate::domain::service_level::Targets;
use utoipa::ToSchema;

use super::lang::Lang;
use super::tables::{tables, Table};
use super::{
    csv, hotline_allocation, minutes_to_hundredths, seasonality, svg, tickets_by_member, work_days,
    xlsx, HotlineAllocation, MemberRef, MonthFilter, OriginFilter, Seasonality, TicketsByMember,
    WorkDays,
};
use crate::db::counts::{self, TicketMonthCount, WorkMonthMinutes};
use crate::db::{self, DbConn};
use crate::domain::ticket::Origin;
use crate::domain::work_log::WorkKind;
use crate::domain::FieldError;

pub const JSON_TYPE: &str = "application/json";
pub const ZIP_TYPE: &str = "application/zip";
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Json,
    Csv,
    Xlsx,
}

impl ReportFormat {
    pub fn parse(value: Option<&str>) -> Result<Self, FieldError> {
        match value.map(str::trim) {
            None | Some("json") => Ok(ReportFormat::Json),
            Some("csv") => Ok(ReportFormat::Csv),
            Some("xlsx") => Ok(ReportFormat::Xlsx),
            Some(_) => Err(FieldError::new("format", "must be json, csv or xlsx")),
        }
    }
}

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

/// What a report is computed from: the members and the monthly aggregates of the year and
/// of the year before (for the comparison).
#[derive(Debug, Clone)]
pub struct ReportData {
    pub members: Vec<MemberRef>,
    pub ticket_counts: Vec<TicketMonthCount>,
    pub work_minutes: Vec<WorkMonthMinutes>,
    pub service_levels: Vec<db::service_levels::Row>,
}

/// Reads what a report of `year` needs, as one consistent state.
pub fn load(conn: &mut DbConn, year: i32) -> QueryResult<ReportData> {
    db::read(conn, |conn| {
        let members = db::members::all(conn)?
            .into_iter()
            .map(|m| MemberRef {
                id: m.id,
                code: m.code,
                name: m.name,
            })
            .collect();
        Ok(ReportData {
            members,
            ticket_counts: counts::ticket_counts(conn, &[year, year - 1])?,
            work_minutes: counts::work_minutes(conn, year)?,
            service_levels: db::service_levels::for_year(
                conn,
                year,
                Some(Origin::Hotline.as_str()),
            )?,
        })
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
}

pub fn build(data: &ReportData, period: Period, workday_minutes: u32, targets: &Targets) -> Report {
    let Period { year, month } = period;
    let hotline = OriginFilter::Only(Origin::Hotline);
    let duty_minutes: i64 = data
        .work_minutes
        .iter()
        .filter(|m| m.year == year && month.is_none_or(|wanted| m.month == wanted as i32))
        .filter(|m| matches!(WorkKind::parse(&m.kind), Ok(WorkKind::HotlineDuty)))
        .map(|m| m.minutes)
        .sum();
    Report {
        year,
        month,
        tickets_by_member: tickets_by_member(
            &data.members,
            &data.ticket_counts,
            year,
            Some(year - 1),
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
        hotline_allocation: hotline_allocation(
            &data.members,
            &data.ticket_counts,
            year,
            month,
            minutes_to_hundredths(duty_minutes, workday_minutes),
            false,
        ),
        service_levels: super::service_levels::service_levels(
            &data.members,
            &data.service_levels,
            targets,
            year,
        ),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write the archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// A file of the report.
#[derive(Debug, Clone)]
pub struct ReportFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A report in one format, ready to send.
#[derive(Debug)]
pub struct Download {
    pub content_type: &'static str,
    /// The file name to save it under; none for JSON, which is shown rather than saved.
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
}

/// `rapport-2018`, `report-2018-03`.
pub fn base_name(report: &Report, lang: Lang) -> String {
    let word = lang.words().report_file;
    match report.month {
        None => format!("{word}-{}", report.year),
        Some(month) => format!("{word}-{}-{month:02}", report.year),
    }
}

fn csv_and_svg_files(tables: &[Table]) -> Vec<ReportFile> {
    let csv_files = tables.iter().map(|table| ReportFile {
        name: format!("{}.csv", table.file_stem),
        bytes: csv::table(table),
    });
    let svg_files = tables.iter().filter_map(|table| {
        table.chart.as_ref().map(|chart| ReportFile {
            name: format!("{}.svg", chart.file_stem),
            bytes: svg::chart(table, chart).into_bytes(),
        })
    });
    csv_files.chain(svg_files).collect()
}

fn zip_archive(files: &[ReportFile]) -> Result<Vec<u8>, ExportError> {
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        archive.start_file(file.name.as_str(), options)?;
        archive.write_all(&file.bytes)?;
    }
    Ok(archive.finish()?.into_inner())
}

pub fn render(report: &Report, format: ReportFormat, lang: Lang) -> Result<Download, ExportError> {
    let base = base_name(report, lang);
    Ok(match format {
        ReportFormat::Json => Download {
            content_type: JSON_TYPE,
            file_name: None,
            bytes: serde_json::to_vec(report)?,
        },
        ReportFormat::Csv => Download {
            content_type: ZIP_TYPE,
            file_name: Some(format!("{base}.zip")),
            bytes: zip_archive(&csv_and_svg_files(&tables(report, lang)))?,
        },
        ReportFormat::Xlsx => Download {
            content_type: XLSX_TYPE,
            file_name: Some(format!("{base}.xlsx")),
            bytes: xlsx::workbook(&tables(report, lang))?,
        },
    })
}

/// Every file of the report for a folder: the JSON, the workbook, one CSV per table and the
/// SVG charts.
pub fn files(report: &Report, lang: Lang) -> Result<Vec<ReportFile>, ExportError> {
    let word = lang.words().report_file;
    let tables = tables(report, lang);
    let mut files = vec![
        ReportFile {
            name: format!("{word}.json"),
            bytes: serde_json::to_vec_pretty(report)?,
        },
        ReportFile {
            name: format!("{word}.xlsx"),
            bytes: xlsx::workbook(&tables)?,
        },
    ];
    files.extend(csv_and_svg_files(&tables));
    Ok(files)
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
        };
        let tickets = |member_id: i64, year: i32, month: i32, tickets: i64| TicketMonthCount {
            member_id,
            year,
            month,
            origin: "hotline".into(),
            tickets,
        };
        let work = |member_id: i64, month: i32, kind: &str, minutes: i64| WorkMonthMinutes {
            member_id,
            year: 2018,
            month,
            kind: kind.into(),
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
        }
    }

    #[test]
    fn a_month_report_limits_the_tables_but_keeps_the_years_seasonality() {
        let period = Period {
            year: 2018,
            month: Some(2),
        };
        let report = build(&demo_data(), period, 420, &TARGETS);
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
            420,
            &TARGETS,
        );
        assert_eq!(whole_year.tickets_by_member.total, 8);
        assert_eq!(whole_year.hotline_allocation.presence_hundredths, 300);
    }

    #[test]
    fn file_names_follow_the_language_and_the_period() {
        let year = build(
            &demo_data(),
            Period {
                year: 2018,
                month: None,
            },
            420,
            &TARGETS,
        );
        assert_eq!(base_name(&year, Lang::Fr), "rapport-2018");
        let march = build(
            &demo_data(),
            Period {
                year: 2018,
                month: Some(3),
            },
            420,
            &TARGETS,
        );
        assert_eq!(base_name(&march, Lang::En), "report-2018-03");
    }

    #[test]
    fn formats_and_months_are_checked() {
        assert_eq!(ReportFormat::parse(None).unwrap(), ReportFormat::Json);
        assert_eq!(
            ReportFormat::parse(Some("xlsx")).unwrap(),
            ReportFormat::Xlsx
        );
        assert!(ReportFormat::parse(Some("pdf")).is_err());
        assert_eq!(parse_month("2").unwrap(), 2);
        assert!(parse_month("0").is_err());
        assert!(parse_month("13").is_err());
        assert!(parse_month("feb").is_err());
    }
}
