//! The dashboard (`GET /console/stats`): the year (or a month) at a glance, then the report's
//! tables with their charts in tabs (`view`), each count leading to the tickets or work logs
//! behind it; and the report's downloads (`GET /console/reports/{year}.xlsx|.zip|.json`).

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::{Datelike, NaiveDate};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use crate::api::reports::{download_response, path_member};
use crate::api::stats::{parse_typed_presence_days, parse_year};
use crate::api::State;
use crate::domain::time::today;
use crate::domain::user::Role;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::stats::export::{base_name_of, Download, ReportFormat};
use crate::stats::lang::Lang as ReportLang;
use crate::stats::report::{parse_month, Period, Report, ReportOptions};
use crate::stats::statement_doc::StatementFormat;
use crate::stats::svg;
use crate::stats::tables::{self, Cell, Table};
use crate::web::format;
use crate::web::forms::{filled, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::Answer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/stats", web::get().to(dashboard))
        .route("/console/reports/{file}", web::get().to(download))
        .route(
            "/console/statements/{year}/{member}",
            web::get().to(statement),
        );
}

/// The dashboard's form, as its query string sends it.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct StatsQuery {
    year: Option<String>,
    compare_year: Option<String>,
    month: Option<String>,
    presence_days: Option<String>,
    lang: Option<String>,
    /// A statement's format: `html` (default) or `xlsx`.
    format: Option<String>,
    /// The dashboard's tab.
    view: Option<String>,
}

/// The dashboard's tabs, each a page of its own so that each stays light: the members' tables
/// (and their statements), the seasonality, the service levels, the tables by category and by
/// technician.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Members,
    Seasonality,
    ServiceLevels,
    Groups,
}

impl Tab {
    const ALL: [Tab; 4] = [
        Tab::Members,
        Tab::Seasonality,
        Tab::ServiceLevels,
        Tab::Groups,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Tab::Members => "members",
            Tab::Seasonality => "seasonality",
            Tab::ServiceLevels => "service-levels",
            Tab::Groups => "groups",
        }
    }

    /// The tab a query asks; the members' for none or one unknown, as the queue does.
    fn of(query: &StatsQuery) -> Tab {
        filled(&query.view)
            .and_then(|raw| Tab::ALL.into_iter().find(|t| t.as_str() == raw))
            .unwrap_or(Tab::Members)
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Tab::Members => lang.t("Adhérents", "Members"),
            Tab::Seasonality => lang.t("Saisonnalité", "Seasonality"),
            Tab::ServiceLevels => lang.t("Niveaux de service", "Service levels"),
            Tab::Groups => lang.t("Catégories et techniciens", "Categories and technicians"),
        }
    }

    /// The dashboard's link to this tab, asking what the form asked.
    fn link(self, query: &StatsQuery) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (name, value) in [
            ("year", &query.year),
            ("month", &query.month),
            ("compare_year", &query.compare_year),
            ("presence_days", &query.presence_days),
        ] {
            if let Some(value) = filled(value) {
                pairs.push((name, value));
            }
        }
        pairs.push(("view", self.as_str()));
        format!(
            "/console/stats?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

fn tabs(lang: Lang, query: &StatsQuery, current: Tab) -> Markup {
    html! {
        nav.tabs aria-label=(lang.t("Tableaux", "Tables")) {
            @for tab in Tab::ALL {
                @if tab == current {
                    a.tab href=(tab.link(query)) aria-current="page" { (tab.label(lang)) }
                } @else {
                    a.tab href=(tab.link(query)) { (tab.label(lang)) }
                }
            }
        }
    }
}

/// What the dashboard or a download was asked.
#[derive(Debug, Clone, Copy)]
struct Asked {
    period: Period,
    options: ReportOptions,
}

impl Asked {
    fn compare_year(&self) -> i32 {
        self.options.compare_year(self.period.year)
    }
}

/// The value of a field, or its error kept with the others.
fn take<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>) -> Option<T> {
    result.map_err(|error| errors.push(error)).ok()
}

fn parse(query: &StatsQuery, this_year: i32) -> Result<Asked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let year = match filled(&query.year) {
        Some(raw) => take(&mut errors, parse_year("year", raw)),
        None => Some(this_year),
    };
    let compare_year = filled(&query.compare_year)
        .and_then(|raw| take(&mut errors, parse_year("compare_year", raw)));
    let month = filled(&query.month).and_then(|raw| take(&mut errors, parse_month(raw)));
    let presence = filled(&query.presence_days)
        .and_then(|raw| take(&mut errors, parse_typed_presence_days(raw)));
    match year {
        Some(year) if errors.is_empty() => Ok(Asked {
            period: Period { year, month },
            options: ReportOptions {
                compare_year,
                presence_hundredths: presence,
            },
        }),
        _ => Err(errors),
    }
}

/// The report's language: the page's, unless the download asks another.
fn report_lang(lang: Lang) -> ReportLang {
    match lang {
        Lang::Fr => ReportLang::Fr,
        Lang::En => ReportLang::En,
    }
}

fn may_download(viewer: &Viewer) -> bool {
    viewer.is_role(Role::Manager) || viewer.is_role(Role::Admin)
}

async fn dashboard(state: State, viewer: Viewer, query: web::Query<StatsQuery>) -> Answer {
    viewer.require_staff()?;
    let lang = viewer.lang;
    let this_year = today(state.zone()).year();
    let query = query.into_inner();
    let asked = parse(&query, this_year);
    let errors = match &asked {
        Ok(_) => FormErrors::default(),
        Err(errors) => FormErrors::new(
            lang,
            errors,
            &["year", "compare_year", "month", "presence_days"],
        ),
    };
    let tab = Tab::of(&query);
    let report = match asked {
        Ok(asked) => {
            let workday = state.settings.service.workday_minutes;
            let targets = state.policy.clock.targets;
            let report = state
                .run(move |conn| {
                    // Only the tab of categories and technicians shows the counts by group.
                    crate::desk::stats::dashboard_report(
                        conn,
                        asked.period,
                        asked.options,
                        workday,
                        &targets,
                        tab == Tab::Groups,
                    )
                })
                .await?;
            Some((asked, report))
        }
        Err(_) => None,
    };
    let body = html! {
        h1 { (lang.t("Statistiques", "Statistics")) }
        (form(lang, &query, &errors, this_year, tab))
        @if let Some((asked, report)) = &report {
            (summary(lang, asked, report))
            @if may_download(&viewer) {
                (downloads(lang, asked))
            }
            (tabs(lang, &query, tab))
            (tab_tables(lang, asked, report, tab))
            @if tab == Tab::Members && may_download(&viewer) {
                (statements(lang, asked, report))
            }
        }
    };
    let page = Page {
        title: lang.t("Statistiques", "Statistics").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::Stats,
        body,
    };
    Ok(page.respond(if report.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }))
}

fn form(lang: Lang, query: &StatsQuery, errors: &FormErrors, this_year: i32, tab: Tab) -> Markup {
    let value = |raw: &Option<String>| filled(raw).unwrap_or_default().to_string();
    let year = filled(&query.year).map_or_else(|| this_year.to_string(), str::to_string);
    let month = value(&query.month);
    let field = |id: &'static str, label: &'static str, input: Markup| {
        html! {
            div.field {
                label for=(id) { (label) }
                (input)
                (field_error(id, errors.get(id)))
            }
        }
    };
    let (year_help, year_invalid) = described("year", errors.get("year"));
    let (compare_help, compare_invalid) = described("compare_year", errors.get("compare_year"));
    let (month_help, month_invalid) = described("month", errors.get("month"));
    let (presence_help, presence_invalid) = described("presence_days", errors.get("presence_days"));
    html! {
        form.filters.stats-form method="get" action="/console/stats" {
            input type="hidden" name="view" value=(tab.as_str());
            (field("year", lang.t("Année", "Year"), html! {
                input #year name="year" type="number" min="1970" max="9999" required value=(year)
                    aria-describedby=[year_help] aria-invalid=[year_invalid];
            }))
            (field("month", lang.t("Mois", "Month"), html! {
                select #month name="month" aria-describedby=[month_help] aria-invalid=[month_invalid] {
                    option value="" { (lang.t("Toute l'année", "Whole year")) }
                    @for m in 1..=12u32 {
                        option value=(m) selected[month == m.to_string()] {
                            (report_lang(lang).month_name(m))
                        }
                    }
                }
            }))
            (field("compare_year", lang.t("Comparer avec", "Compare with"), html! {
                input #compare_year name="compare_year" type="number" min="1970" max="9999"
                    placeholder=(lang.t("l'année précédente", "the year before"))
                    value=(value(&query.compare_year))
                    aria-describedby=[compare_help] aria-invalid=[compare_invalid];
            }))
            (field("presence_days", lang.t("Jours de présence hotline", "Hotline presence days"), html! {
                input #presence_days name="presence_days" type="text" inputmode="decimal"
                    placeholder=(lang.t("jours de hotline saisis", "hotline duty logged"))
                    value=(value(&query.presence_days))
                    aria-describedby=[presence_help] aria-invalid=[presence_invalid];
            }))
            div.field.actions {
                button.primary type="submit" { (lang.t("Afficher", "Show")) }
            }
        }
    }
}

/// The first and last days of a period, for the lists behind its figures.
fn days_of(year: i32, month: Option<u32>) -> (NaiveDate, NaiveDate) {
    let first = |y: i32, m: u32| NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
    match month {
        None => (
            first(year, 1),
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX),
        ),
        Some(m) => {
            let next = if m == 12 {
                first(year + 1, 1)
            } else {
                first(year, m + 1)
            };
            (first(year, m), next.pred_opt().unwrap_or(next))
        }
    }
}

/// A list's filter on one id: its parameter's name and the id (`member_id`, `category_id`, …).
type IdFilter = Option<(&'static str, i64)>;

fn by_member(member: Option<i64>) -> IdFilter {
    member.map(|id| ("member_id", id))
}

/// The hotline's tickets of a period, of all or of a member, category or assignee, as the queue
/// lists them.
fn tickets_link(year: i32, month: Option<u32>, filter: IdFilter, priority: Option<i32>) -> String {
    let (from, to) = days_of(year, month);
    let mut pairs = vec![
        ("view", "all".to_string()),
        ("origin", "hotline".to_string()),
        ("created_from", from.to_string()),
        ("created_to", to.to_string()),
    ];
    if let Some((name, id)) = filter {
        pairs.push((name, id.to_string()));
    }
    if let Some(priority) = priority {
        pairs.push(("priority", priority.to_string()));
    }
    format!(
        "/console?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

/// The work logs of a period and of a kind, of all or of a member, category or technician.
fn work_link(year: i32, month: Option<u32>, filter: IdFilter, kind: Option<&str>) -> String {
    let (from, to) = days_of(year, month);
    let mut pairs = vec![("from", from.to_string()), ("to", to.to_string())];
    if let Some((name, id)) = filter {
        pairs.push((name, id.to_string()));
    }
    if let Some(kind) = kind {
        pairs.push(("kind", kind.to_string()));
    }
    format!(
        "/console/work-logs?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

fn percent(lang: Lang, part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        return "—".into();
    }
    format!("{} %", format::number(lang, part / whole * 100.0, 1))
}

/// The figures a manager reads first.
fn summary(lang: Lang, asked: &Asked, report: &Report) -> Markup {
    let Period { year, month } = asked.period;
    let rl = report_lang(lang);
    let tickets = &report.tickets_by_member;
    let compared = tickets.compare_total.unwrap_or(0);
    let change = if compared > 0 {
        let pct = (tickets.total - compared) as f64 / compared as f64 * 100.0;
        let sign = if pct > 0.0 { "+" } else { "" };
        format!("{sign}{} %", format::number(lang, pct, 0))
    } else {
        "—".into()
    };
    let work = &report.work_days.totals;
    let members_days = work.posted.days + work.on_site.days + work.project.days;
    let levels = &report.service_levels.rows;
    let within =
        |pick: fn(&crate::stats::service_levels::ServiceLevelRow) -> (i64, Option<f64>)| {
            let (mut count, mut inside) = (0i64, 0f64);
            for row in levels {
                let (n, pct) = pick(row);
                if let Some(pct) = pct {
                    count += n;
                    inside += (pct * n as f64 / 100.0).round();
                }
            }
            percent(lang, inside, count as f64)
        };
    let acknowledged = within(|r| (r.acknowledge.count, r.acknowledge.within_target_pct));
    let resolved = within(|r| (r.resolve.count, r.resolve.within_target_pct));
    let days = |value: f64| format::number(lang, value, 2);
    let period = rl.period(year, month);
    let compared_period = rl.period(asked.compare_year(), month);
    html! {
        section.figures aria-label=(lang.t("En bref", "At a glance")) {
            a.figure href=(tickets_link(year, month, None, None)) {
                span.value { (format::number(lang, tickets.total as f64, 0)) }
                span.label { (lang.t("tickets hotline", "hotline tickets")) " " (period) }
                span.detail { (format::number(lang, compared as f64, 0)) " " (lang.t("en", "in")) " " (compared_period) " (" (change) ")" }
            }
            a.figure href=(work_link(year, month, None, Some("on_site"))) {
                span.value { (days(work.on_site.days)) }
                span.label { (lang.t("jours sur site", "on-site days")) }
            }
            a.figure href=(work_link(year, month, None, Some("posted"))) {
                span.value { (days(work.posted.days)) }
                span.label { (lang.t("jours de travail posté", "posted work days")) }
                span.detail { (percent(lang, work.posted.days, members_days)) " " (lang.t("des jours des adhérents", "of the members' days")) }
            }
            div.figure {
                span.value { (days(report.hotline_allocation.presence_days)) }
                span.label { (lang.t("jours de hotline répartis", "hotline days shared out")) }
            }
            div.figure {
                span.value { (acknowledged) }
                span.label { (lang.t("pris en charge dans le délai", "taken in charge within target")) " (" (year) ")" }
            }
            div.figure {
                span.value { (resolved) }
                span.label { (lang.t("résolus dans le délai", "resolved within target")) " (" (year) ")" }
            }
        }
    }
}

/// The report's downloads for what is shown, in the page's language.
fn downloads(lang: Lang, asked: &Asked) -> Markup {
    let query = asked_query(lang, asked);
    let year = asked.period.year;
    let link = |ext: &str| format!("/console/reports/{year}.{ext}?{query}");
    html! {
        p.downloads {
            (lang.t("Télécharger le rapport :", "Download the report:")) " "
            a.button href=(link("xlsx")) download { "XLSX" }
            " "
            a.button href=(link("docx")) download { (lang.t("Chapitre (DOCX)", "Chapter (DOCX)")) }
            " "
            a.button href=(link("zip")) download { (lang.t("CSV (zip)", "CSV (zip)")) }
            " "
            a.button href=(link("json")) download { "JSON" }
        }
    }
}

/// The query string that asks again what is shown (period, compared year, presence, language).
fn asked_query(lang: Lang, asked: &Asked) -> String {
    let mut pairs: Vec<(&str, String)> = vec![("lang", lang.code().to_string())];
    if let Some(month) = asked.period.month {
        pairs.push(("month", month.to_string()));
    }
    if let Some(year) = asked.options.compare_year {
        pairs.push(("compare_year", year.to_string()));
    }
    if let Some(hundredths) = asked.options.presence_hundredths {
        pairs.push(("presence_days", format!("{:.2}", hundredths as f64 / 100.0)));
    }
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

/// Every member's statement of the period (managers and admins): each total leads to the
/// member's statement, ready to print.
fn statements(lang: Lang, asked: &Asked, report: &Report) -> Markup {
    let table = tables::statements_table(report, report_lang(lang));
    let Period { year, month } = asked.period;
    let query = asked_query(lang, asked);
    let members: Vec<i64> = report.statements.rows.iter().map(|r| r.member_id).collect();
    let link: CellLink = Box::new(move |row, col| {
        let member = members.get(row).copied();
        match col {
            2 => Some(tickets_link(year, month, by_member(member), None)),
            8 => member.map(|id| format!("/console/statements/{year}/{id}?{query}")),
            _ => None,
        }
    });
    html! {
        section.report-table aria-labelledby="statements" {
            h2 #statements { (table.sheet_name) }
            p {
                (lang.t(
                    "Ce que chaque adhérent se voit compter : ses jours de travail posté, sur site et de projets, et sa part des jours de hotline au prorata de ses tickets hotline. Chaque total mène au relevé de l'adhérent, prêt à imprimer.",
                    "What each member is counted: its posted, on-site and project days, and its share of the hotline days in proportion to its hotline tickets. Each total leads to the member's statement, ready to print.",
                ))
            }
            (html_table(lang, &table, &link))
        }
    }
}

/// `/console/statements/2018/12`: a member's statement as a page to print, or its workbook.
async fn statement(
    state: State,
    viewer: Viewer,
    path: web::Path<(String, String)>,
    query: web::Query<StatsQuery>,
) -> Answer {
    viewer.require_staff()?;
    if !may_download(&viewer) {
        return Err(AppError::Forbidden(
            "only a manager or an admin reads the members' statements".into(),
        ));
    }
    let (year, member) = path.into_inner();
    let year =
        parse_year("year", &year).map_err(|_| AppError::not_found(format!("statement {year}")))?;
    let member_id = path_member(&member)?;
    let query = web::Query(StatsQuery {
        year: Some(year.to_string()),
        ..query.into_inner()
    });
    let asked = parse(&query, year).map_err(AppError::Validation)?;
    let lang = ReportLang::parse(filled(&query.lang))
        .map_err(|error| AppError::Validation(vec![error]))?;
    let format = match filled(&query.format) {
        None | Some("html") => StatementFormat::Html,
        Some("xlsx") => StatementFormat::Xlsx,
        Some(_) => {
            return Err(AppError::Validation(vec![FieldError::new(
                "format",
                "must be html or xlsx",
            )]))
        }
    };
    let workday = state.settings.service.workday_minutes;
    let targets = state.policy.clock.targets;
    let download = state
        .run(move |conn| {
            crate::desk::stats::statement_download(
                conn,
                asked.period,
                asked.options,
                member_id,
                workday,
                &targets,
                format,
                lang,
            )
        })
        .await?;
    Ok(download_response(download))
}

/// Where the cell at (`row`, `col`) of a table leads, if anywhere; rows count from 0 without
/// the headings.
type CellLink<'a> = Box<dyn Fn(usize, usize) -> Option<String> + 'a>;

/// The tables of a tab, each with its chart.
fn tab_tables(lang: Lang, asked: &Asked, report: &Report, tab: Tab) -> Markup {
    let Period { year, month } = asked.period;
    let compare_year = asked.compare_year();
    let tables = tables::tables(report, report_lang(lang));
    let ticket_members: Vec<i64> = report
        .tickets_by_member
        .rows
        .iter()
        .map(|r| r.member_id)
        .collect();
    let season_members: Vec<i64> = report
        .seasonality
        .by_member
        .iter()
        .map(|r| r.member_id)
        .collect();
    let work_members: Vec<i64> = report.work_days.rows.iter().map(|r| r.member_id).collect();
    let shared_members: Vec<i64> = report
        .hotline_allocation
        .rows
        .iter()
        .map(|r| r.member_id)
        .collect();
    let levels: Vec<(i64, i32)> = report
        .service_levels
        .rows
        .iter()
        .map(|r| (r.member_id, r.priority))
        .collect();
    // A row past the members' is the total: every member.
    let member_of = |ids: &[i64], row: usize| ids.get(row).copied();
    // The tables by group: each row's id (none for the tickets without one, whose cells lead
    // nowhere; the total row leads to every group's), the work columns after the tickets'.
    let group_link = |ids: Vec<Option<i64>>,
                      ticket_filter: &'static str,
                      work_filter: &'static str,
                      first_ticket_col: usize,
                      compared: bool|
     -> CellLink {
        let first_work_col = first_ticket_col + 1 + usize::from(compared);
        Box::new(move |row, col| {
            let (ticket_filter, work_filter) = match ids.get(row) {
                Some(Some(id)) => (Some((ticket_filter, *id)), Some((work_filter, *id))),
                Some(None) => return None,
                None => (None, None),
            };
            if col == first_ticket_col {
                return Some(tickets_link(year, month, ticket_filter, None));
            }
            if compared && col == first_ticket_col + 1 {
                return Some(tickets_link(compare_year, month, ticket_filter, None));
            }
            let kind = col.checked_sub(first_work_col)?;
            let kind = match kind {
                0..=3 => Some(["posted", "on_site", "project", "hotline_duty"][kind]),
                4 => None,
                _ => return None,
            };
            Some(work_link(year, month, work_filter, kind))
        })
    };
    let category_ids: Vec<Option<i64>> = report
        .by_category
        .rows
        .iter()
        .map(|r| r.category_id)
        .collect();
    let technician_ids: Vec<Option<i64>> = report
        .by_technician
        .rows
        .iter()
        .map(|r| r.technician_id)
        .collect();
    let words = report_lang(lang).words();
    let position = |stem: &str| tables.iter().position(|t| t.file_stem == stem);
    let category_table = position(words.categories_file);
    let technician_table = position(words.technicians_file);
    let links: Vec<CellLink> = vec![
        Box::new(move |row, col| match col {
            2 => Some(tickets_link(
                year,
                month,
                by_member(member_of(&ticket_members, row)),
                None,
            )),
            3 => Some(tickets_link(
                compare_year,
                month,
                by_member(member_of(&ticket_members, row)),
                None,
            )),
            _ => None,
        }),
        Box::new(move |row, col| match col {
            2..=13 => Some(tickets_link(
                year,
                Some(col as u32 - 1),
                by_member(member_of(&season_members, row)),
                None,
            )),
            14 => Some(tickets_link(
                year,
                None,
                by_member(member_of(&season_members, row)),
                None,
            )),
            _ => None,
        }),
        Box::new(move |row, col| {
            let kind = match col {
                2 => Some("posted"),
                4 => Some("on_site"),
                6 => Some("project"),
                8 => None,
                _ => return None,
            };
            Some(work_link(
                year,
                month,
                by_member(member_of(&work_members, row)),
                kind,
            ))
        }),
        Box::new(move |row, col| {
            let kind = ["posted", "on_site", "project", "hotline_duty"]
                .get(row)
                .copied();
            (col == 1).then(|| work_link(year, month, None, kind))
        }),
        Box::new(move |row, col| {
            (col == 2).then(|| {
                tickets_link(
                    year,
                    month,
                    by_member(member_of(&shared_members, row)),
                    None,
                )
            })
        }),
        Box::new(move |row, col| {
            let (member, priority) = levels.get(row).copied()?;
            (col == 3).then(|| tickets_link(year, None, by_member(Some(member)), Some(priority)))
        }),
    ];
    // The charts' categories: the members of the tables' rows, or the months.
    let members_tickets = |ids: &mut dyn Iterator<Item = i64>| -> Vec<Option<String>> {
        ids.map(|id| Some(tickets_link(year, month, by_member(Some(id)), None)))
            .collect()
    };
    let chart_links = |index: usize, table: &Table| -> Vec<Option<String>> {
        match index {
            0 => members_tickets(&mut report.tickets_by_member.rows.iter().map(|r| r.member_id)),
            1 => (1..=12)
                .map(|m| Some(tickets_link(year, Some(m), None, None)))
                .collect(),
            2 => report
                .work_days
                .rows
                .iter()
                .map(|r| Some(work_link(year, month, by_member(Some(r.member_id)), None)))
                .collect(),
            3 => ["posted", "on_site", "project", "hotline_duty"]
                .into_iter()
                .map(|kind| Some(work_link(year, month, None, Some(kind))))
                .collect(),
            4 => members_tickets(&mut report.hotline_allocation.rows.iter().map(|r| r.member_id)),
            i if Some(i) == category_table => report
                .by_category
                .rows
                .iter()
                .filter_map(|r| r.category_id)
                .map(|id| Some(tickets_link(year, month, Some(("category_id", id)), None)))
                .collect(),
            _ => vec![None; table.rows.len()],
        }
    };
    // The first six tables, then those by category and by technician.
    let mut shown: Vec<(usize, CellLink)> = links.into_iter().enumerate().collect();
    let in_tab = |index: usize| match tab {
        Tab::Members => [0, 2, 3, 4].contains(&index),
        Tab::Seasonality => index == 1,
        Tab::ServiceLevels => index == 5,
        Tab::Groups => Some(index) == category_table || Some(index) == technician_table,
    };
    if let Some(index) = category_table {
        let compared = report.by_category.compare_year.is_some();
        shown.push((
            index,
            group_link(category_ids, "category_id", "category_id", 2, compared),
        ));
    }
    if let Some(index) = technician_table {
        let compared = report.by_technician.compare_year.is_some();
        shown.push((
            index,
            group_link(technician_ids, "assignee_id", "technician_id", 1, compared),
        ));
    }
    shown.retain(|(index, _)| in_tab(*index));
    html! {
        @for (index, link) in &shown {
            @let index = *index;
            @let table = &tables[index];
            section.report-table aria-labelledby=(format!("table-{index}")) {
                h2 id=(format!("table-{index}")) { (table.sheet_name) }
                @if let Some(spec) = &table.chart {
                    figure.chart {
                        (PreEscaped(inline_svg(&svg::chart_linked(table, spec, &chart_links(index, table)))))
                    }
                }
                (html_table(lang, table, link))
            }
        }
    }
}

/// An SVG document as an element of the page: without its XML declaration, and scaled to the
/// page's width by the style sheet.
fn inline_svg(document: &str) -> &str {
    match document.find("<svg") {
        Some(start) => &document[start..],
        None => document,
    }
}

fn html_table(lang: Lang, table: &Table, link: &CellLink) -> Markup {
    let total_row = table
        .has_total_row
        .then(|| table.rows.len().saturating_sub(1));
    // A column holding numbers is aligned right, its heading too.
    let numeric_column = |c: usize| {
        table.rows.iter().any(|row| {
            row.get(c)
                .is_some_and(|cell| !matches!(cell, Cell::Text(_)))
        })
    };
    html! {
        div.table-scroll {
            table.data.stats {
                thead {
                    tr {
                        @for (c, heading) in table.headings.iter().enumerate() {
                            th.num[numeric_column(c)] scope="col" { (heading) }
                        }
                    }
                }
                tbody {
                    @for (r, row) in table.rows.iter().enumerate() {
                        tr.total[Some(r) == total_row] {
                            @for (c, cell) in row.iter().enumerate() {
                                @let shown = cell_text(lang, cell);
                                @let numeric = !matches!(cell, Cell::Text(_));
                                @if c == 1 && !numeric {
                                    th scope="row" { (shown) }
                                } @else {
                                    td.num[numeric] {
                                        @match link(r, c).filter(|_| numeric && cell.number() != Some(0.0)) {
                                            Some(href) => a href=(href) { (shown) },
                                            None => (shown),
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn cell_text(lang: Lang, cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.clone(),
        Cell::Count(n) => format::number(lang, *n as f64, 0),
        Cell::Decimal(x) => format::number(lang, *x, 2),
    }
}

/// `/console/reports/2018.xlsx`: the report's download as the API gives it.
async fn download(
    state: State,
    viewer: Viewer,
    file: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> Answer {
    viewer.require_staff()?;
    if !may_download(&viewer) {
        return Err(AppError::Forbidden(
            "only a manager or an admin downloads the report".into(),
        ));
    }
    let file = file.into_inner();
    let (year, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| AppError::not_found(format!("report {file}")))?;
    let format = match ext {
        "xlsx" => ReportFormat::Xlsx,
        "docx" => ReportFormat::Docx,
        "zip" => ReportFormat::Csv,
        "json" => ReportFormat::Json,
        _ => return Err(AppError::not_found(format!("report {file}"))),
    };
    let year =
        parse_year("year", year).map_err(|_| AppError::not_found(format!("report {file}")))?;
    let query = web::Query(StatsQuery {
        year: Some(year.to_string()),
        ..query.into_inner()
    });
    let asked = parse(&query, year).map_err(AppError::Validation)?;
    let lang = ReportLang::parse(filled(&query.lang))
        .map_err(|error| AppError::Validation(vec![error]))?;
    let workday = state.settings.service.workday_minutes;
    let targets = state.policy.clock.targets;
    let download = state
        .run(move |conn| {
            crate::desk::stats::report_download(
                conn,
                asked.period,
                asked.options,
                workday,
                &targets,
                format,
                lang,
            )
        })
        .await?;
    // From the console, the JSON too is a file to keep.
    let Period { year, month } = asked.period;
    let file_name = download
        .file_name
        .or_else(|| Some(format!("{}.json", base_name_of(year, month, lang))));
    Ok(download_response(Download {
        file_name,
        ..download
    }))
}
