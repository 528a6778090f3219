//! Statistics for managers: tickets per member, seasonality, work days, hotline allocation.

use actix_web::web::Query;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::parse_id;
use crate::api::{problems, Answer, State};
use crate::auth::AuthUser;
use crate::desk;
use crate::domain::{Checks, FieldError};
use crate::stats::{self, OriginFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/stats/tickets-by-member").route(web::get().to(tickets_by_member)))
        .service(web::resource("/stats/seasonality").route(web::get().to(seasonality)))
        .service(web::resource("/stats/work-days").route(web::get().to(work_days)))
        .service(
            web::resource("/stats/hotline-allocation").route(web::get().to(hotline_allocation)),
        )
        .service(web::resource("/stats/service-levels").route(web::get().to(service_levels)))
        .service(web::resource("/stats/by-category").route(web::get().to(by_category)))
        .service(web::resource("/stats/by-technician").route(web::get().to(by_technician)));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// The calendar year, in the service's time zone.
    #[param(value_type = i32, minimum = 1970, maximum = 9999)]
    pub year: Option<String>,
    /// Another year to show beside it (tickets-by-member).
    #[param(value_type = Option<i32>, minimum = 1970, maximum = 9999)]
    pub compare_year: Option<String>,
    /// `hotline` (default), `posted` or `all` (tickets-by-member, seasonality).
    pub origin: Option<String>,
    /// One member only (seasonality).
    #[param(value_type = Option<i64>)]
    pub member_id: Option<String>,
    /// The days of presence to share (hotline-allocation); default: the year's hotline duty.
    #[param(value_type = Option<f64>, minimum = 0)]
    pub presence_days: Option<String>,
}

pub fn parse_year(field: &str, raw: &str) -> Result<i32, FieldError> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1970..=9999).contains(y))
        .ok_or_else(|| FieldError::new(field, "must be a year from 1970 to 9999"))
}

/// Days of presence typed by a person, the French way ("350,5") or not: the console's field and
/// `helpdesk report --presence-days`. The API itself takes a JSON-style number only.
pub fn parse_typed_presence_days(raw: &str) -> Result<i64, FieldError> {
    parse_presence_days(&raw.trim().replace(',', "."))
}

/// Days of presence, in hundredths of days.
pub fn parse_presence_days(raw: &str) -> Result<i64, FieldError> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite() && (0.0..=1_000_000.0).contains(d))
        .map(|d| (d * 100.0).round() as i64)
        .ok_or_else(|| {
            FieldError::new(
                "presence_days",
                "must be a number of days from 0 to 1,000,000",
            )
        })
}

fn required_year(checks: &mut Checks, raw: Option<&str>) -> i32 {
    match raw {
        Some(raw) => checks.take(parse_year("year", raw)).unwrap_or_default(),
        None => {
            checks.push(FieldError::new("year", "is required"));
            0
        }
    }
}

/// Hotline tickets per member in a year, optionally beside another year.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year, origin...
#[utoipa::path(
    get, path = "/api/v1/stats/tickets-by-member", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone"), ("compare_year" = Option<i32>, Query, minimum = 1970, maximum = 9999, description = "Another year to show beside it"), ("origin" = Option<String>, Query, description = "`hotline` (default), `posted` or `all`")),
    responses(
        (status = 200, description = "Rows by tickets, largest first, then member code", body = stats::TicketsByMember),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn tickets_by_member(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let year = required_year(&mut checks, query.year.as_deref());
    let compare_year = checks
        .take_opt(query.compare_year.as_deref(), |r| {
            parse_year("compare_year", r)
        })
        .flatten();
    let origin = checks.take(OriginFilter::parse(query.origin.as_deref()));
    checks.finish()?;
    let origin = origin.unwrap_or(OriginFilter::All);
    let table = state
        .run(move |conn| desk::stats::tickets_by_member(conn, year, compare_year, origin))
        .await?;
    Ok(HttpResponse::Ok().json(table))
}

/// Tickets per month of a year, overall and per member.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year, origin, member_id.
#[utoipa::path(
    get, path = "/api/v1/stats/seasonality", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone"), ("origin" = Option<String>, Query, description = "`hotline` (default), `posted` or `all`"), ("member_id" = Option<i64>, Query, minimum = 1, description = "One member only")),
    responses(
        (status = 200, description = "Twelve monthly counts, January first, overall and per member", body = stats::Seasonality),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn seasonality(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let year = required_year(&mut checks, query.year.as_deref());
    let origin = checks.take(OriginFilter::parse(query.origin.as_deref()));
    let member_id = checks
        .take_opt(query.member_id.as_deref(), |r| parse_id("member_id", r))
        .flatten();
    checks.finish()?;
    let origin = origin.unwrap_or(OriginFilter::All);
    let table = state
        .run(move |conn| desk::stats::seasonality(conn, year, member_id, origin))
        .await?;
    Ok(HttpResponse::Ok().json(table))
}

/// Work days per member and kind, totals and shares.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year.
#[utoipa::path(
    get, path = "/api/v1/stats/work-days", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone")),
    responses(
        (status = 200, description = "Rows by total, largest first, then member code; every figure as minutes and days", body = stats::WorkDays),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn work_days(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let year = required_year(&mut checks, query.year.as_deref());
    checks.finish()?;
    let workday = state.settings.service.workday_minutes;
    let table = state
        .run(move |conn| desk::stats::work_days(conn, year, workday))
        .await?;
    Ok(HttpResponse::Ok().json(table))
}

/// Hotline presence shared among members by their hotline tickets.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year or presence_days.
#[utoipa::path(
    get, path = "/api/v1/stats/hotline-allocation", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone"), ("presence_days" = Option<f64>, Query, minimum = 0, maximum = 1000000, description = "The days of presence to share; default: the year's hotline duty")),
    responses(
        (status = 200, description = "Shares in hundredths of a day, adding up exactly to presence_hundredths", body = stats::HotlineAllocation),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn hotline_allocation(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let year = required_year(&mut checks, query.year.as_deref());
    let presence = checks
        .take_opt(query.presence_days.as_deref(), parse_presence_days)
        .flatten();
    checks.finish()?;
    let workday = state.settings.service.workday_minutes;
    let table = state
        .run(move |conn| desk::stats::hotline_allocation(conn, year, presence, workday))
        .await?;
    Ok(HttpResponse::Ok().json(table))
}

/// Taken-in-charge and resolution times per member and priority, in business minutes.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year or origin.
#[utoipa::path(
    get, path = "/api/v1/stats/service-levels", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone"), ("origin" = Option<String>, Query, description = "`hotline` (default), `posted` or `all`")),
    responses(
        (status = 200, description = "Rows by member code, then priority: count, median and 90th percentile (linear interpolation between ranks) of business minutes, waiting time excluded, and the share within target, for tickets filed in the year (origin hotline by default). Minutes are exact below 600 and within 1 % above, from aggregates kept with each write", body = stats::service_levels::ServiceLevels),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn service_levels(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let mut checks = Checks::new();
    let year = required_year(&mut checks, query.year.as_deref());
    let origin = checks.take(OriginFilter::parse(query.origin.as_deref()));
    checks.finish()?;
    let origin = match origin {
        Some(OriginFilter::Only(origin)) => Some(origin),
        _ => None,
    };
    let app = state.clone();
    let levels = state
        .run(move |conn| {
            desk::stats::service_levels(
                conn,
                &app.service_levels,
                &app.policy.clock.targets,
                year,
                origin,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(levels))
}

/// The year, compared year and origin of a statistic by group, checked together.
fn group_query(query: &StatsQuery) -> Result<(i32, Option<i32>, OriginFilter), Vec<FieldError>> {
    let mut checks = Checks::new();
    let year = required_year(&mut checks, query.year.as_deref());
    let compare_year = checks
        .take_opt(query.compare_year.as_deref(), |r| {
            parse_year("compare_year", r)
        })
        .flatten();
    let origin = checks.take(OriginFilter::parse(query.origin.as_deref()));
    checks.finish()?;
    Ok((year, compare_year, origin.unwrap_or(OriginFilter::All)))
}

/// Tickets and work days by kind per category (with its parent), optionally beside another
/// year's tickets.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year, compare_year,
/// origin.
#[utoipa::path(
    get, path = "/api/v1/stats/by-category", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone"), ("compare_year" = Option<i32>, Query, minimum = 1970, maximum = 9999, description = "Another year whose tickets to show beside"), ("origin" = Option<String>, Query, description = "Tickets counted: `hotline` (default), `posted` or `all`; work days are of every log")),
    responses(
        (status = 200, description = "Rows by tickets, largest first, then work, then name; the tickets and work without a category last (category_id null); the tickets are counted in the category they have now, the work in its log's category", body = stats::groups::ByCategory),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn by_category(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let (year, compare_year, origin) = group_query(&query)?;
    let workday = state.settings.service.workday_minutes;
    let table = state
        .run(move |conn| desk::stats::by_category(conn, year, compare_year, origin, workday))
        .await?;
    Ok(HttpResponse::Ok().json(table))
}

/// Tickets assigned and work days logged by kind per technician, optionally beside another
/// year's tickets.
///
/// Errors: 403: agents may not read statistics; 422: missing or invalid year, compare_year,
/// origin.
#[utoipa::path(
    get, path = "/api/v1/stats/by-technician", tag = "statistics",
    params(("year" = i32, Query, minimum = 1970, maximum = 9999, description = "The calendar year, in the service's time zone"), ("compare_year" = Option<i32>, Query, minimum = 1970, maximum = 9999, description = "Another year whose tickets to show beside"), ("origin" = Option<String>, Query, description = "Tickets counted: `hotline` (default), `posted` or `all`; work days are of every log")),
    responses(
        (status = 200, description = "Rows by tickets, largest first, then work, then name; the tickets nobody is assigned last (technician_id null); a ticket counts for the technician assigned now, work for the log's technician", body = stats::groups::ByTechnician),
        problems::Forbidden, problems::Invalid,
    )
)]
pub async fn by_technician(state: State, user: AuthUser, query: Query<StatsQuery>) -> Answer {
    user.require_staff()?;
    let (year, compare_year, origin) = group_query(&query)?;
    let workday = state.settings.service.workday_minutes;
    let table = state
        .run(move |conn| desk::stats::by_technician(conn, year, compare_year, origin, workday))
        .await?;
    Ok(HttpResponse::Ok().json(table))
}
