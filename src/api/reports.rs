//! The monthly report download: the statistics of a year or a month as JSON, a zip of CSV
//! files and SVG charts, or an XLSX workbook with native charts.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Query;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::{problems, Answer, Segment, State};
use crate::auth::AuthUser;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::stats::export::{Download, ReportFormat};
use crate::stats::lang::Lang;
use crate::stats::report::{self, Period};
use crate::stats::statement_doc::StatementFormat;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reports/{year}").route(web::get().to(download_report)))
        .service(
            web::resource("/reports/{year}/members/{id}").route(web::get().to(member_statement)),
        );
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// One month (1-12) instead of the whole year; the seasonality stays the year's.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 12)]
    pub month: Option<String>,
    /// The report: `json` (default), `csv` (a zip of one CSV per table and the SVG charts),
    /// `xlsx` or `docx` (the year's chapter of the activity report). A member's statement:
    /// `json` (default), `xlsx` or `html`.
    pub format: Option<String>,
    /// Language of the headings and file names: `fr` (default) or `en`.
    pub lang: Option<String>,
    /// The hotline presence to share among the members, in days (0 to 1,000,000, two
    /// decimals); by default the period's `hotline_duty` days.
    #[param(value_type = Option<f64>)]
    pub presence_days: Option<String>,
}

/// A year in the path; anything else names no report.
fn path_year(raw: &str) -> Result<i32, AppError> {
    raw.parse::<i32>()
        .ok()
        .filter(|year| (1970..=9999).contains(year))
        .ok_or_else(|| AppError::not_found(format!("report {raw}")))
}

/// The month, format, language and presence days a report or a statement is asked for, all
/// checked together (the format by its own parser).
fn asked<F: Default>(
    query: &ReportQuery,
    format: Result<F, FieldError>,
) -> Result<Asked<F>, Vec<FieldError>> {
    let mut checks = Checks::new();
    let month = checks
        .take_opt(query.month.as_deref(), report::parse_month)
        .flatten();
    let format = checks.take(format);
    let lang = checks.take(Lang::parse(query.lang.as_deref()));
    let presence_hundredths = checks
        .take_opt(
            query.presence_days.as_deref(),
            crate::api::stats::parse_presence_days,
        )
        .flatten();
    checks.finish()?;
    Ok(Asked {
        month,
        format: format.unwrap_or_default(),
        lang: lang.unwrap_or_default(),
        presence_hundredths,
    })
}

/// What `asked` read.
struct Asked<F> {
    month: Option<u32>,
    format: F,
    lang: Lang,
    presence_hundredths: Option<i64>,
}

/// A member's id in a path; anything else names no member.
pub(crate) fn path_member(raw: &str) -> Result<i64, AppError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::not_found(format!("member {raw}")))
}

/// The statistics of a year, or of one month, in one download.
///
/// Errors: 403: agents may not read statistics; 404: the year in the path is not a year from 1970
/// to 9999; 422: invalid month, format, lang or presence_days.
#[utoipa::path(
    get, path = "/api/v1/reports/{year}", tag = "statistics",
    params(
        ("year" = i32, Path, description = "The calendar year, 1970 to 9999, in the service's time zone", minimum = 1970, maximum = 9999),
        ReportQuery,
    ),
    responses(
        (status = 200, description = "`json`: `{year, month, tickets_by_member, seasonality, work_days, hotline_allocation, service_levels, by_category, by_technician, statements, compare_months}`, \
            each as its statistics endpoint returns it (tickets beside the same period of the year before, hotline \
            presence as `presence_days` says, or else the period's hotline duty). `csv`: a zip (attachment `rapport-2018.zip`, `report-2018-03.zip`) \
            of one CSV per table (UTF-8 with BOM, RFC 4180 quoting; `lang=fr`: `;` separators and decimal commas, `lang=en`: commas and decimal points), the charts as SVG and a LISEZMOI.txt or README.txt saying so. \
            `xlsx`: one sheet per table, numbers as numbers, totals as formulas, native charts with their values, printable \
            (landscape A4, each chart on a page of its own). `docx`: the year's chapter of the activity report \
            (\"Activité du service assistance technique postes de travail\"): headings, the tables and native charts with \
            their values, and the sentences around them with the period's figures.",
            content(
                (report::Report = "application/json"),
                ([u8] = "application/zip"),
                ([u8] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                ([u8] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ),
            headers(("Content-Disposition" = String, description = "attachment; filename=... (csv, xlsx and docx)"))),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn download_report(
    state: State,
    user: AuthUser,
    year: Segment,
    query: Query<ReportQuery>,
) -> Answer {
    user.require_staff()?;
    let year = path_year(&year)?;
    let Asked {
        month,
        format,
        lang,
        presence_hundredths,
    } = asked(&query, ReportFormat::parse(query.format.as_deref()))?;
    let period = Period { year, month };
    let workday_minutes = state.settings.service.workday_minutes;
    let targets = state.policy.clock.targets;
    // Rendering stays on the blocking pool with the query: a workbook takes a few milliseconds.
    let download = state
        .run(move |conn| {
            crate::desk::stats::report_download(
                conn,
                period,
                report::ReportOptions {
                    presence_hundredths,
                    ..report::ReportOptions::default()
                },
                workday_minutes,
                &targets,
                format,
                lang,
            )
        })
        .await?;
    Ok(download_response(download))
}

/// One member's statement of a year or month: its tickets, its posted, on-site and project days,
/// its share of the hotline days and the total billed in days.
///
/// Errors: 403: only managers and admins; 404: no such year or member; 422: invalid month,
/// format, lang or presence_days.
#[utoipa::path(
    get, path = "/api/v1/reports/{year}/members/{id}", tag = "statistics",
    params(
        ("year" = i32, Path, description = "The calendar year, 1970 to 9999", minimum = 1970, maximum = 9999),
        ("id" = i64, Path, description = "The member", minimum = 1),
        ReportQuery,
    ),
    responses(
        (status = 200, description = "`json`: the member's line (`hotline_tickets`, `posted_tickets`, `posted_days`, `on_site_days`, \
            `project_days`, `hotline_days`, `total_days`, `total_hundredths`), `tickets_by_category`, `service_levels` (the year's \
            hotline tickets taken in charge and resolved within target), `presence_days` and `team_hotline_tickets`. Days are \
            shared in hundredths so that every member's lines add up to the team's: each kind's days by the members' minutes, \
            the presence by their hotline tickets. `xlsx`: the same as sheets (attachment `releve-CODE-2018.xlsx`). `html`: a page ready to print.",
            content(
                (crate::stats::statement::MemberStatement = "application/json"),
                ([u8] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                (String = "text/html"),
            )),
        problems::Forbidden, problems::NotFound, problems::Invalid,
    )
)]
pub async fn member_statement(
    state: State,
    user: AuthUser,
    path: web::Path<(String, String)>,
    query: Query<ReportQuery>,
) -> Answer {
    user.require_directory_manager()?;
    let (year, id) = path.into_inner();
    let year = path_year(&year)?;
    let member_id = path_member(&id)?;
    let Asked {
        month,
        format,
        lang,
        presence_hundredths,
    } = asked(&query, StatementFormat::parse(query.format.as_deref()))?;
    let workday_minutes = state.settings.service.workday_minutes;
    let targets = state.policy.clock.targets;
    let download = state
        .run(move |conn| {
            crate::desk::stats::statement_download(
                conn,
                Period { year, month },
                report::ReportOptions {
                    presence_hundredths,
                    ..report::ReportOptions::default()
                },
                member_id,
                workday_minutes,
                &targets,
                format,
                lang,
            )
        })
        .await?;
    Ok(download_response(download))
}

/// The policy of a page written whole by the service (a statement to print): the style sheet
/// in it, no script, no request anywhere.
const STANDALONE_PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// A report's download as an answer: an attachment under its file name when it has one.
pub(crate) fn download_response(download: Download) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response.content_type(download.content_type);
    if download.content_type.starts_with("text/html") {
        // A document to print, whole in itself: its own style sheet, nothing else.
        response.insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            STANDALONE_PAGE_CSP,
        ));
    }
    if let Some(file_name) = download.file_name {
        response.insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        });
    }
    response.body(download.bytes)
}
