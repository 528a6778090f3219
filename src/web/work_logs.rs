//! Work logs in the console: the list with the API's filters, logging work, editing and
//! deleting a log.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::audit::client_ip;
use crate::api::{parse_date, path_id, Segment, State};
use crate::db;
use crate::db::audit::AuditSource;
use crate::db::work_logs::{WorkLog, WorkLogFields, WorkLogFilter};
use crate::desk::directory::Directory;
use crate::domain::text;
use crate::domain::time::{check_day, today};
use crate::domain::work_log::{minutes_to_days, parse_duration, WorkKind};
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::{filled, Form, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/work-logs", web::get().to(list))
        .route("/console/work-logs", web::post().to(create))
        .route("/console/work-logs/{id}", web::get().to(edit_page))
        .route("/console/work-logs/{id}", web::post().to(update))
        .route("/console/work-logs/{id}/delete", web::post().to(delete));
}

/// A work log as the form sends it.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct LogForm {
    pub csrf: Option<String>,
    pub date: Option<String>,
    pub kind: Option<String>,
    pub member_id: Option<String>,
    pub days: Option<String>,
    pub minutes: Option<String>,
    pub ticket_id: Option<String>,
    pub category_id: Option<String>,
    pub note: Option<String>,
    /// Where to go once logged (the page the form was on).
    pub back: Option<String>,
}

pub const LOG_FIELDS: &[&str] = &[
    "date",
    "kind",
    "member_id",
    "days",
    "minutes",
    "ticket_id",
    "category_id",
    "note",
];

/// The fields of a log from the form, for this technician; hotline duty is nobody's member.
pub fn parse_log(
    form: &LogForm,
    technician_id: i64,
    workday_minutes: u32,
) -> Result<WorkLogFields, Vec<FieldError>> {
    let mut checks = Checks::new();
    let date = match filled(&form.date) {
        None => {
            checks.push(FieldError::new("date", "is required"));
            None
        }
        Some(raw) => checks.take(parse_date("date", raw).and_then(|d| check_day("date", d))),
    };
    let kind = match filled(&form.kind) {
        None => {
            checks.push(FieldError::new("kind", "is required"));
            None
        }
        Some(raw) => checks.take(WorkKind::parse(raw)),
    };
    let days = checks
        .take_opt(filled(&form.days), |raw| {
            raw.replace(',', ".")
                .parse::<f64>()
                .map_err(|_| FieldError::new("days", "must be a number of days"))
        })
        .flatten();
    let minutes = checks
        .take_opt(filled(&form.minutes), |raw| {
            raw.parse::<i64>()
                .map_err(|_| FieldError::new("minutes", "must be a whole number of minutes"))
        })
        .flatten();
    let duration = if checks.is_empty() {
        checks.take(parse_duration(days, minutes, workday_minutes))
    } else {
        None
    };
    let id = |checks: &mut Checks, field: &str, raw: &Option<String>| {
        checks
            .take_opt(filled(raw), |r| crate::api::parse_id(field, r))
            .flatten()
    };
    let member_id = id(&mut checks, "member_id", &form.member_id)
        .filter(|_| kind != Some(WorkKind::HotlineDuty));
    let ticket_id = id(&mut checks, "ticket_id", &form.ticket_id);
    let category_id = id(&mut checks, "category_id", &form.category_id);
    let note = form
        .note
        .as_deref()
        .and_then(|n| checks.take(text::optional("note", n, 2_000)).flatten());
    checks.finish()?;
    Ok(WorkLogFields {
        technician_id,
        member_id,
        work_date: date.unwrap_or_default(),
        kind: kind.unwrap_or(WorkKind::Posted),
        minutes: duration.unwrap_or_default(),
        ticket_id,
        category_id,
        note,
    })
}

/// A path of the console to go back to, or the list.
fn back_to(form: &LogForm) -> String {
    filled(&form.back)
        .filter(|b| b.starts_with("/console") && !b.contains("//"))
        .unwrap_or("/console/work-logs")
        .to_string()
}

async fn create(state: State, viewer: Viewer, form: Form<LogForm>) -> Answer {
    viewer.require_staff()?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let workday = state.settings.service.workday_minutes;
    let parsed = parse_log(&form, viewer.actor.id, workday);
    let outcome = match parsed {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            state
                .run(move |conn| crate::desk::work_logs::insert(conn, &fields))
                .await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(&back_to(&form))),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, LOG_FIELDS);
            let query = ListQuery::default();
            let body = list_body(&state, &viewer, &query, Some((&form, &errors))).await?;
            Ok(page(lang, &viewer, body).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

fn page(lang: Lang, viewer: &Viewer, body: Markup) -> Page<'_> {
    Page {
        title: lang.t("Temps passés", "Work logs").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::WorkLogs,
        body,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    member_id: Option<String>,
    technician_id: Option<String>,
    category_id: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

const LIST_SIZE: i64 = 100;

async fn list(state: State, viewer: Viewer, query: web::Query<ListQuery>) -> Answer {
    viewer.require_staff()?;
    let lang = viewer.lang;
    let body = list_body(&state, &viewer, &query, None).await;
    match body {
        Ok(body) => Ok(page(lang, &viewer, body).ok()),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, &[]);
            let body = html! {
                h1 { (lang.t("Temps passés", "Work logs")) }
                div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
                p { a href="/console/work-logs" { (lang.t("Effacer les filtres", "Clear the filters")) } }
            };
            Ok(page(lang, &viewer, body).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

async fn list_body(
    state: &State,
    viewer: &Viewer,
    query: &ListQuery,
    refused: Option<(&LogForm, &FormErrors)>,
) -> Result<Markup, AppError> {
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let id = |checks: &mut Checks, field: &str, raw: &Option<String>| {
        checks
            .take_opt(filled(raw), |r| crate::api::parse_id(field, r))
            .flatten()
    };
    let filter = WorkLogFilter {
        member_id: id(&mut checks, "member_id", &query.member_id),
        technician_id: id(&mut checks, "technician_id", &query.technician_id),
        category_id: id(&mut checks, "category_id", &query.category_id),
        kind: checks
            .take_opt(filled(&query.kind), WorkKind::parse)
            .flatten(),
        from: checks
            .take_opt(filled(&query.from), |r| parse_date("from", r))
            .flatten(),
        to: checks
            .take_opt(filled(&query.to), |r| parse_date("to", r))
            .flatten(),
        ticket_id: None,
    };
    let after = checks
        .take_opt(filled(&query.cursor), |raw| {
            raw.split_once('_')
                .and_then(|(d, i)| {
                    Some((
                        NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?,
                        i.parse::<i64>().ok()?,
                    ))
                })
                .ok_or_else(crate::api::invalid_cursor)
        })
        .flatten();
    checks.finish()?;
    let (directory, mut rows) = state
        .run(move |conn| {
            Ok((
                Directory::load(conn)?,
                db::work_logs::list(conn, &filter, after, LIST_SIZE + 1)?,
            ))
        })
        .await?;
    let more = rows.len() as i64 > LIST_SIZE;
    rows.truncate(LIST_SIZE as usize);
    let next = more
        .then(|| rows.last().map(|l| format!("{}_{}", l.work_date, l.id)))
        .flatten();
    let workday = state.settings.service.workday_minutes;
    let blank = LogForm {
        date: Some(today(state.zone()).to_string()),
        ..LogForm::default()
    };
    let none = FormErrors::default();
    let (form, errors) = refused.unwrap_or((&blank, &none));
    let sel = |v: &Option<String>, option: &str| filled(v) == Some(option);
    let next_link = next.map(|cursor| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (name, value) in [
            ("member_id", &query.member_id),
            ("technician_id", &query.technician_id),
            ("category_id", &query.category_id),
            ("kind", &query.kind),
            ("from", &query.from),
            ("to", &query.to),
        ] {
            if let Some(v) = filled(value) {
                pairs.push((name, v.to_string()));
            }
        }
        pairs.push(("cursor", cursor));
        format!(
            "/console/work-logs?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    });
    Ok(html! {
        h1 { (lang.t("Temps passés", "Work logs")) }
        (log_form(lang, viewer, &directory, form, errors, "/console/work-logs", lang.t("Enregistrer", "Log it")))
        form.filters method="get" action="/console/work-logs" role="search" {
            div.field {
                label for="l-member" { (lang.t("Adhérent", "Member")) }
                select #l-member name="member_id" {
                    option value="" { (lang.t("Tous", "All")) }
                    @for m in &directory.members { option value=(m.id) selected[sel(&query.member_id, &m.id.to_string())] { (m.code) } }
                }
            }
            div.field {
                label for="l-technician" { (lang.t("Technicien", "Technician")) }
                select #l-technician name="technician_id" {
                    option value="" { (lang.t("Tous", "All")) }
                    @for u in directory.assignable() { option value=(u.id) selected[sel(&query.technician_id, &u.id.to_string())] { (u.name) } }
                }
            }
            div.field {
                label for="l-category" { (lang.t("Catégorie", "Category")) }
                select #l-category name="category_id" {
                    option value="" { (lang.t("Toutes", "All")) }
                    @for c in &directory.categories { option value=(c.id) selected[sel(&query.category_id, &c.id.to_string())] { (directory.category_path(c.id)) } }
                }
            }
            div.field {
                label for="l-kind" { (lang.t("Nature", "Kind")) }
                select #l-kind name="kind" {
                    option value="" { (lang.t("Toutes", "All")) }
                    @for k in WorkKind::ALL { option value=(k.as_str()) selected[sel(&query.kind, k.as_str())] { (format::work_kind(lang, *k)) } }
                }
            }
            div.field {
                label for="l-from" { (lang.t("Du", "From")) }
                input #l-from type="date" name="from" value=[filled(&query.from)];
            }
            div.field {
                label for="l-to" { (lang.t("Au", "To")) }
                input #l-to type="date" name="to" value=[filled(&query.to)];
            }
            div.field.actions { button type="submit" { (lang.t("Filtrer", "Filter")) } }
        }
        (log_table(lang, &directory, &rows, workday, true))
        @if rows.is_empty() { p.empty { (lang.t("Aucun temps pour ces filtres.", "No work logged for these filters.")) } }
        @if let Some(link) = next_link { p.more { a href=(link) rel="next" { (lang.t("Page suivante →", "Next page →")) } } }
    })
}

/// A table of work logs; `with_technician` adds the column of who worked.
pub fn log_table(
    lang: Lang,
    directory: &Directory,
    rows: &[WorkLog],
    workday: u32,
    with_technician: bool,
) -> Markup {
    html! {
        @if !rows.is_empty() {
            div.scroll { table {
                caption.visually-hidden { (lang.t("Temps enregistrés", "Work logged")) }
                thead { tr {
                    th scope="col" { (lang.t("Jour", "Day")) }
                    @if with_technician { th scope="col" { (lang.t("Technicien", "Technician")) } }
                    th scope="col" { (lang.t("Nature", "Kind")) }
                    th scope="col" { (lang.t("Adhérent", "Member")) }
                    th scope="col" { (lang.t("Durée", "Time")) }
                    th scope="col" { (lang.t("Ticket", "Ticket")) }
                    th scope="col" { (lang.t("Note", "Note")) }
                    th scope="col" { span.visually-hidden { (lang.t("Actions", "Actions")) } }
                } }
                tbody {
                    @for log in rows {
                        tr {
                            td.when { (format::weekday(lang, log.work_date)) " " (log.work_date.format("%Y")) }
                            @if with_technician { td { (directory.staff_name(log.technician_id).unwrap_or("—")) } }
                            td { (format::work_kind(lang, log.kind)) }
                            td { (log.member_id.and_then(|m| directory.member(m)).map(|m| m.code.as_str()).unwrap_or("—")) }
                            td.num { (days_text(lang, i64::from(log.minutes), workday)) }
                            td { @if let Some(t) = log.ticket_id { a href=(format!("/console/tickets/{t}")) { "#" (t) } } }
                            td { (log.content.note.as_deref().unwrap_or("")) }
                            td { a href=(format!("/console/work-logs/{}", log.id)) aria-label=(format!("{} {}", lang.t("Modifier le temps du", "Edit the log of"), log.work_date)) { (lang.t("Modifier", "Edit")) } }
                        }
                    }
                }
            } }
        }
    }
}

/// Minutes as days when they make quarters of a day, as hours and minutes otherwise.
pub fn days_text(lang: Lang, minutes: i64, workday: u32) -> String {
    let days = minutes_to_days(minutes, workday);
    if (days * 4.0).fract().abs() < 1e-9 && days >= 0.25 {
        let unit = if days > 1.0 {
            lang.t("jours", "days")
        } else {
            lang.t("jour", "day")
        };
        format!("{} {unit}", format::number(lang, days, 2))
    } else {
        format::minutes(minutes)
    }
}

/// The form that logs work (or edits a log).
pub fn log_form(
    lang: Lang,
    viewer: &Viewer,
    directory: &Directory,
    form: &LogForm,
    errors: &FormErrors,
    action: &str,
    submit: &str,
) -> Markup {
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let sel = |v: &Option<String>, option: &str| filled(v) == Some(option);
    let field = |id: &'static str| described(id, errors.get(id));
    html! {
        section {
            h2 { (lang.t("Enregistrer du temps", "Log work")) }
            @if !errors.is_empty() {
                div.form-error role="alert" {
                    p { (lang.t("Rien n'est enregistré : corrigez les champs signalés.", "Nothing is saved: correct the fields marked.")) }
                    @for e in &errors.general { p { (e) } }
                }
            }
            form method="post" action=(action) {
                (csrf_field(viewer))
                @if let Some(back) = filled(&form.back) { input type="hidden" name="back" value=(back); }
                div.row {
                    div.field {
                        label for="date" { (lang.t("Jour", "Day")) }
                        @let (d, i) = field("date");
                        input #date type="date" name="date" value=(value(&form.date)) required aria-describedby=[d] aria-invalid=[i];
                        (field_error("date", errors.get("date")))
                    }
                    div.field {
                        label for="kind" { (lang.t("Nature", "Kind")) }
                        @let (d, i) = field("kind");
                        select #kind name="kind" aria-describedby=[d] aria-invalid=[i] {
                            @for k in WorkKind::ALL { option value=(k.as_str()) selected[sel(&form.kind, k.as_str())] { (format::work_kind(lang, *k)) } }
                        }
                        (field_error("kind", errors.get("kind")))
                    }
                    div.field {
                        label for="member_id" { (lang.t("Adhérent (sauf permanence)", "Member (not for hotline duty)")) }
                        @let (d, i) = field("member_id");
                        select #member_id name="member_id" aria-describedby=[d] aria-invalid=[i] {
                            option value="" { "—" }
                            @for m in &directory.members { option value=(m.id) selected[sel(&form.member_id, &m.id.to_string())] { (m.code) " · " (m.name) } }
                        }
                        (field_error("member_id", errors.get("member_id")))
                    }
                    div.field {
                        label for="days" { (lang.t("Jours (par quarts)", "Days (in quarters)")) }
                        @let (d, i) = field("days");
                        input #days type="text" inputmode="decimal" name="days" value=(value(&form.days)) aria-describedby=[d] aria-invalid=[i];
                        (field_error("days", errors.get("days")))
                    }
                    div.field {
                        label for="minutes" { (lang.t("ou minutes", "or minutes")) }
                        @let (d, i) = field("minutes");
                        input #minutes type="number" name="minutes" min="1" value=(value(&form.minutes)) aria-describedby=[d] aria-invalid=[i];
                        (field_error("minutes", errors.get("minutes")))
                    }
                }
                div.row {
                    div.field {
                        label for="ticket_id" { (lang.t("Ticket n°", "Ticket #")) }
                        @let (d, i) = field("ticket_id");
                        input #ticket_id type="text" inputmode="numeric" name="ticket_id" value=(value(&form.ticket_id)) aria-describedby=[d] aria-invalid=[i];
                        (field_error("ticket_id", errors.get("ticket_id")))
                    }
                    div.field {
                        label for="category_id" { (lang.t("Catégorie", "Category")) }
                        @let (d, i) = field("category_id");
                        select #category_id name="category_id" aria-describedby=[d] aria-invalid=[i] {
                            option value="" { "—" }
                            @for c in directory.categories.iter().filter(|c| c.retired_at.is_none() || sel(&form.category_id, &c.id.to_string())) { option value=(c.id) selected[sel(&form.category_id, &c.id.to_string())] { (directory.category_path(c.id)) } }
                        }
                        (field_error("category_id", errors.get("category_id")))
                    }
                    div.field {
                        label for="note" { (lang.t("Note", "Note")) }
                        @let (d, i) = field("note");
                        input #note type="text" name="note" value=(value(&form.note)) aria-describedby=[d] aria-invalid=[i];
                        (field_error("note", errors.get("note")))
                    }
                }
                button.primary type="submit" { (submit) }
            }
        }
    }
}

fn form_of(log: &WorkLog, workday: u32) -> LogForm {
    let days = minutes_to_days(i64::from(log.minutes), workday);
    let in_days = (days * 4.0).fract().abs() < 1e-9 && days >= 0.25;
    LogForm {
        csrf: None,
        date: Some(log.work_date.to_string()),
        kind: Some(log.kind.as_str().to_string()),
        member_id: log.member_id.map(|m| m.to_string()),
        days: in_days.then(|| days.to_string()),
        minutes: (!in_days).then(|| log.minutes.to_string()),
        ticket_id: log.ticket_id.map(|t| t.to_string()),
        category_id: log.category_id.map(|c| c.to_string()),
        note: log.content.note.clone(),
        back: None,
    }
}

/// Work logs feed billing: only their technician, a manager or an admin changes one.
fn may_change(viewer: &Viewer, log: &WorkLog) -> Result<(), AppError> {
    if log.technician_id == viewer.actor.id || viewer.actor.role.manages_directory() {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "only the work log's technician, a manager or an admin may change it",
        ))
    }
}

async fn edit_page(state: State, viewer: Viewer, id: Segment) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "work log")?;
    let (directory, log) = state
        .run(move |conn| Ok((Directory::load(conn)?, db::work_logs::find(conn, id)?)))
        .await?;
    let log = log.ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
    let workday = state.settings.service.workday_minutes;
    let form = form_of(&log, workday);
    Ok(page(
        viewer.lang,
        &viewer,
        edit_body(&viewer, &directory, &log, &form, &FormErrors::default()),
    )
    .ok())
}

fn edit_body(
    viewer: &Viewer,
    directory: &Directory,
    log: &WorkLog,
    form: &LogForm,
    errors: &FormErrors,
) -> Markup {
    let lang = viewer.lang;
    let action = format!("/console/work-logs/{}", log.id);
    html! {
        h1 { (lang.t("Temps du ", "Work log of ")) (format::date(lang, log.work_date)) " · " (directory.staff_name(log.technician_id).unwrap_or("")) }
        (log_form(lang, viewer, directory, form, errors, &action, lang.t("Enregistrer les modifications", "Save the changes")))
        section {
            h2 { (lang.t("Supprimer", "Delete")) }
            form method="post" action=(format!("/console/work-logs/{}/delete", log.id)) {
                (csrf_field(viewer))
                button type="submit" { (lang.t("Supprimer ce temps", "Delete this log")) }
            }
        }
        p { a href="/console/work-logs" { (lang.t("← Retour à la liste", "← Back to the list")) } }
    }
}

async fn update(
    state: State,
    req: HttpRequest,
    viewer: Viewer,
    id: Segment,
    form: Form<LogForm>,
) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "work log")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let workday = state.settings.service.workday_minutes;
    let (directory, log) = state
        .run(move |conn| Ok((Directory::load(conn)?, db::work_logs::find(conn, id)?)))
        .await?;
    let log = log.ok_or_else(|| AppError::not_found(format!("work log {id}")))?;
    may_change(&viewer, &log)?;
    let outcome = match parse_log(&form, log.technician_id, workday) {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(fields) => {
            let source = AuditSource {
                actor_id: Some(viewer.actor.id),
                ip: client_ip(&req).map(|a| a.to_string()),
            };
            state
                .run(move |conn| {
                    crate::desk::work_logs::update(conn, id, &source, |_| Ok(fields.clone()))
                })
                .await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other("/console/work-logs")),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, LOG_FIELDS);
            Ok(page(
                lang,
                &viewer,
                edit_body(&viewer, &directory, &log, &form, &errors),
            )
            .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    csrf: Option<String>,
}

async fn delete(
    state: State,
    req: HttpRequest,
    viewer: Viewer,
    id: Segment,
    form: Form<DeleteForm>,
) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "work log")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let source = AuditSource {
        actor_id: Some(viewer.actor.id),
        ip: client_ip(&req).map(|a| a.to_string()),
    };
    let checker = viewer.clone();
    state
        .run(move |conn| {
            crate::desk::work_logs::delete(conn, id, &source, |log| may_change(&checker, log))
        })
        .await?;
    Ok(see_other("/console/work-logs"))
}
