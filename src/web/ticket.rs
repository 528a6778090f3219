//! The ticket (`/console/tickets/{id}`): everything about it on one page, and the forms that
//! qualify, assign, answer and log time on it.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::{path_id, Segment, State};
use crate::db;
use crate::db::comments::Comment;
use crate::db::tickets::{Ticket, TicketEvent};
use crate::db::work_logs::{WorkLog, WorkLogFilter};
use crate::desk::directory::Directory;
use crate::desk::tickets::{Assignee, TicketChanges};
use crate::domain::ticket::{
    parse_comment_body, parse_description, parse_priority, parse_title, Status, TicketType,
};
use crate::domain::time::{now, today};
use crate::domain::work_log::WorkKind;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::{filled, Form, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/tickets/{id}", web::get().to(show))
        .route("/console/tickets/{id}", web::post().to(edit))
        .route("/console/tickets/{id}/assign", web::post().to(assign))
        .route("/console/tickets/{id}/comments", web::post().to(comment));
}

/// Everything the page shows.
struct TicketData {
    ticket: Ticket,
    directory: Directory,
    comments: Vec<Comment>,
    events: Vec<TicketEvent>,
    work_logs: Vec<WorkLog>,
    names: HashMap<i64, String>,
    requester: Option<(String, String)>,
    posted_today: Vec<i64>,
    open_tickets: HashMap<i64, i64>,
    chosen: Option<i64>,
    /// The requester's answer to the satisfaction survey (history brought from GLPI).
    satisfaction: Option<db::satisfactions::Satisfaction>,
    zone: chrono_tz::Tz,
}

/// The longest timeline a page shows; the API pages through the rest.
const TIMELINE_ROWS: i64 = 200;

async fn load(state: &State, viewer: &Viewer, id: i64) -> Result<TicketData, AppError> {
    let actor = viewer.actor;
    let zone = state.zone();
    state
        .run(move |conn| {
            let ticket = crate::desk::tickets::find_visible(conn, id, &actor)?;
            let directory = Directory::load(conn)?;
            let (comments, mut names) =
                crate::desk::tickets::comments_of(conn, id, &actor, None, TIMELINE_ROWS)?;
            let (events, event_names) =
                crate::desk::tickets::history_of(conn, id, &actor, None, TIMELINE_ROWS)?;
            names.extend(event_names);
            let filter = WorkLogFilter {
                ticket_id: Some(id),
                ..WorkLogFilter::default()
            };
            let work_logs = db::work_logs::list(conn, &filter, None, TIMELINE_ROWS)?;
            let requester = match ticket.requester_id {
                Some(user) => {
                    db::users::find(conn, user)?.map(|u| (u.name.clone(), u.email.clone()))
                }
                None => None,
            };
            let day = today(zone);
            let posted_today = db::tickets::posted_at(conn, ticket.member_id, day)?;
            let staff: Vec<i64> = directory.assignable().map(|u| u.id).collect();
            let open_tickets = db::tickets::open_tickets_of(conn, &staff)?;
            let chosen = db::tickets::pick_technician(conn, ticket.member_id, day)?;
            let satisfaction = db::satisfactions::find(conn, id)?;
            Ok(TicketData {
                ticket,
                directory,
                comments,
                events,
                work_logs,
                names,
                requester,
                posted_today,
                open_tickets,
                chosen,
                satisfaction,
                zone,
            })
        })
        .await
}

/// What the forms of the page hold when it is shown again after a refused form.
#[derive(Default)]
struct Shown {
    edit: Option<EditForm>,
    edit_errors: FormErrors,
    conflict: Option<Vec<TicketEvent>>,
    comment: Option<CommentForm>,
    comment_errors: FormErrors,
    assign_error: Option<String>,
}

async fn show(state: State, viewer: Viewer, id: Segment) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "ticket")?;
    let data = load(&state, &viewer, id).await?;
    Ok(page(&state, &viewer, &data, Shown::default()).ok())
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct EditForm {
    csrf: Option<String>,
    version: Option<String>,
    /// The last history row the page showed: on a conflict, the rows after it say what changed.
    seen: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    ticket_type: Option<String>,
    category_id: Option<String>,
    priority: Option<String>,
    status: Option<String>,
}

const EDIT_FIELDS: &[&str] = &[
    "title",
    "description",
    "type",
    "category_id",
    "priority",
    "status",
];

fn parse_edit(form: &EditForm, ticket: &Ticket) -> Result<TicketChanges, Vec<FieldError>> {
    let mut checks = Checks::new();
    let title = form
        .title
        .as_deref()
        .and_then(|t| checks.take(parse_title(t)))
        .filter(|t| *t != ticket.title);
    let description = form
        .description
        .as_deref()
        .map(|d| d.replace("\r\n", "\n"))
        .and_then(|d| checks.take(parse_description(&d)))
        .filter(|d| *d != ticket.description);
    let ticket_type = checks
        .take_opt(filled(&form.ticket_type), TicketType::parse)
        .flatten()
        .filter(|t| *t != ticket.ticket_type);
    let priority = checks
        .take_opt(filled(&form.priority), |raw| {
            raw.parse::<i64>()
                .map_err(|_| FieldError::new("priority", "must be 1, 2, 3 or 4"))
                .and_then(parse_priority)
        })
        .flatten()
        .filter(|p| *p != ticket.priority);
    let status = checks
        .take_opt(filled(&form.status), Status::parse)
        .flatten()
        .filter(|s| *s != ticket.status);
    // Sent empty, the category is taken away; not sent, it stays.
    let category: Option<i64> = filled(&form.category_id)
        .and_then(|raw| checks.take(crate::api::parse_id("category_id", raw)));
    let category_id = match form.category_id.is_some() {
        true if category != ticket.category_id => Some(category),
        _ => None,
    };
    checks.finish()?;
    Ok(TicketChanges {
        title,
        description,
        ticket_type,
        category_id,
        priority,
        status,
        ..TicketChanges::default()
    })
}

async fn edit(state: State, viewer: Viewer, id: Segment, form: Form<EditForm>) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "ticket")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    // The ticket alone before the change; the whole page only when it is shown again.
    let actor = viewer.actor;
    let current = state
        .run_point_read(move |conn| crate::desk::tickets::find_visible(conn, id, &actor))
        .await?;
    let version = filled(&form.version).and_then(|v| v.parse::<i32>().ok());
    let changes = match parse_edit(&form, &current) {
        Ok(changes) => changes,
        Err(errors) => {
            let data = load(&state, &viewer, id).await?;
            let shown = Shown {
                edit_errors: FormErrors::new(lang, &errors, EDIT_FIELDS),
                edit: Some(form),
                ..Shown::default()
            };
            return Ok(
                page(&state, &viewer, &data, shown).respond(StatusCode::UNPROCESSABLE_ENTITY)
            );
        }
    };
    let policy = state.policy.clone();
    let outcome = state
        .run(move |conn| {
            crate::desk::tickets::change(conn, id, &changes, version.or(Some(-1)), &actor, &policy)
        })
        .await;
    let error = match outcome {
        Ok(_) => return Ok(see_other(&format!("/console/tickets/{id}"))),
        Err(error) => error,
    };
    let data = load(&state, &viewer, id).await?;
    match error {
        AppError::VersionConflict { .. } => {
            let seen = filled(&form.seen)
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            let mut newer: Vec<TicketEvent> = data
                .events
                .iter()
                .filter(|e| e.id > seen)
                .cloned()
                .collect();
            newer.sort_by_key(|e| e.id);
            let shown = Shown {
                edit: Some(form),
                conflict: Some(newer),
                ..Shown::default()
            };
            Ok(page(&state, &viewer, &data, shown).respond(StatusCode::CONFLICT))
        }
        AppError::Validation(errors) => {
            let shown = Shown {
                edit_errors: FormErrors::new(lang, &errors, EDIT_FIELDS),
                edit: Some(form),
                ..Shown::default()
            };
            Ok(page(&state, &viewer, &data, shown).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::InvalidTransition(why) => {
            let errors = [FieldError::new("status", why)];
            let shown = Shown {
                edit_errors: FormErrors::new(lang, &errors, EDIT_FIELDS),
                edit: Some(form),
                ..Shown::default()
            };
            Ok(page(&state, &viewer, &data, shown).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        other => Err(other),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AssignForm {
    csrf: Option<String>,
    technician_id: Option<String>,
}

async fn assign(state: State, viewer: Viewer, id: Segment, form: Form<AssignForm>) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "ticket")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let lang = viewer.lang;
    let assignee = match filled(&form.technician_id) {
        Some("auto") => Some(Assignee::Chosen),
        Some(raw) => raw.parse::<i64>().ok().map(Assignee::Technician),
        None => None,
    };
    let outcome = match assignee {
        None => Err(AppError::validation("technician_id", "is required")),
        Some(assignee) => {
            let actor = viewer.actor;
            let policy = state.policy.clone();
            let zone = state.zone();
            state
                .run(move |conn| {
                    crate::desk::tickets::assign(conn, id, assignee, &actor, &policy, today(zone))
                })
                .await
        }
    };
    let (message, status) = match outcome {
        Ok(_) => return Ok(see_other(&format!("/console/tickets/{id}"))),
        Err(AppError::Validation(errors)) => (
            errors
                .iter()
                .map(|e| lang.message(&e.message))
                .collect::<Vec<_>>()
                .join(" ; "),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(AppError::InvalidTransition(why)) => {
            (lang.message(&why), StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::Conflict { message, .. }) => (lang.message(&message), StatusCode::CONFLICT),
        Err(other) => return Err(other),
    };
    let data = load(&state, &viewer, id).await?;
    let shown = Shown {
        assign_error: Some(message),
        ..Shown::default()
    };
    Ok(page(&state, &viewer, &data, shown).respond(status))
}

#[derive(Debug, Default, Deserialize)]
pub struct CommentForm {
    csrf: Option<String>,
    body: Option<String>,
    internal: Option<String>,
}

async fn comment(state: State, viewer: Viewer, id: Segment, form: Form<CommentForm>) -> Answer {
    viewer.require_staff()?;
    let id = path_id(&id, "ticket")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let body = form.body.as_deref().unwrap_or("").replace("\r\n", "\n");
    let outcome = match parse_comment_body(&body) {
        Err(error) => Err(AppError::Validation(vec![error])),
        Ok(body) => {
            let internal = form.internal.is_some();
            let actor = viewer.actor;
            let policy = state.policy.clone();
            state
                .run(move |conn| {
                    crate::desk::comments::add(conn, id, &body, internal, &actor, &policy)
                })
                .await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/console/tickets/{id}#timeline"))),
        Err(AppError::Validation(errors)) => {
            let data = load(&state, &viewer, id).await?;
            let shown = Shown {
                comment_errors: FormErrors::new(lang, &errors, &["body"]),
                comment: Some(form),
                ..Shown::default()
            };
            Ok(page(&state, &viewer, &data, shown).respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

/// One row of the timeline.
enum Entry<'a> {
    Comment(&'a Comment),
    Change(&'a TicketEvent),
    Work(&'a WorkLog),
}

impl Entry<'_> {
    fn at(&self) -> NaiveDateTime {
        match self {
            Entry::Comment(c) => c.created_at,
            Entry::Change(e) => e.at,
            Entry::Work(w) => w.created_at,
        }
    }
}

fn page<'a>(state: &State, viewer: &'a Viewer, data: &TicketData, shown: Shown) -> Page<'a> {
    let lang = viewer.lang;
    let zone = state.zone();
    let t = &data.ticket;
    let dir = &data.directory;
    let at = now();
    let when = |instant: NaiveDateTime| format::date_time(lang, instant, zone);
    let member = dir.member(t.member_id);
    let name_of = |id: Option<i64>| {
        id.and_then(|id| {
            data.names
                .get(&id)
                .cloned()
                .or_else(|| dir.staff_name(id).map(str::to_string))
        })
        .unwrap_or_else(|| lang.t("le service", "the service").to_string())
    };
    let title = format!("#{} {}", t.id, t.title);
    let body = html! {
        div.ticket-title {
            h1 { span.id { "#" (t.id) } " " (t.title) }
            span class=(format!("status s-{}", t.status.as_str())) { (format::status(lang, t.status)) }
        }
        div.ticket {
            div {
                section {
                    h2 { (lang.t("Description", "Description")) }
                    @if t.description.trim().is_empty() {
                        p.empty { (lang.t("Pas de description.", "No description.")) }
                    } @else {
                        p.description { (t.description) }
                    }
                }
                (edit_form(lang, viewer, data, &shown))
                section #timeline {
                    h2 { (lang.t("Historique", "Timeline")) }
                    (comment_form(lang, viewer, t.id, &shown))
                    (timeline(lang, data, &name_of, &when))
                }
            }
            div {
                section {
                    h2 { (lang.t("Le ticket", "The ticket")) }
                    dl.facts {
                        dt { (lang.t("Adhérent", "Member")) }
                        dd { @if let Some(m) = member { (m.name) " (" (m.code) ")" } }
                        dt { (lang.t("Demandeur", "Requester")) }
                        dd {
                            @if let Some((name, _)) = &data.requester { (name) } @else { (t.requester_name.as_deref().unwrap_or("—")) }
                        }
                        dt { (lang.t("Téléphone", "Phone")) }
                        dd { @if let Some(phone) = &t.requester_phone { a href=(format!("tel:{}", phone.replace(' ', ""))) { (phone) } } @else { "—" } }
                        dt { (lang.t("E-mail", "E-mail")) }
                        dd {
                            @let email = data.requester.as_ref().map(|(_, e)| e.clone()).or_else(|| t.requester_email.clone());
                            @if let Some(email) = email { a href=(format!("mailto:{email}")) { (email) } } @else { "—" }
                        }
                        dt { (lang.t("Technicien", "Assignee")) }
                        dd { (t.assignee_id.and_then(|id| dir.staff_name(id)).unwrap_or("—")) }
                        dt { (lang.t("Catégorie", "Category")) }
                        dd { (t.category_id.map(|c| dir.category_path(c)).unwrap_or_else(|| "—".into())) }
                        dt { (lang.t("Priorité", "Priority")) }
                        dd { (format::priority(lang, t.priority)) }
                        dt { (lang.t("Type", "Type")) }
                        dd { (format::ticket_type(lang, t.ticket_type)) }
                        dt { (lang.t("Origine", "Origin")) }
                        dd { (format::origin(lang, t.origin)) " · " (format::channel(lang, t.channel)) }
                        dt { (lang.t("Créé", "Created")) }
                        dd { (when(t.created_at)) }
                        @if let Some(a) = t.acknowledged_at { dt { (lang.t("Pris en charge", "Taken in charge")) } dd { (when(a)) } }
                        @if let Some(r) = t.resolved_at { dt { (lang.t("Résolu", "Resolved")) } dd { (when(r)) } }
                        @if let Some(c) = t.closed_at { dt { (lang.t("Clos", "Closed")) } dd { (when(c)) } }
                        @if let Some(answer) = &data.satisfaction {
                            dt { (lang.t("Satisfaction", "Satisfaction")) }
                            dd.satisfaction {
                                @if let Some(rating) = answer.rating { (rating) " / 5" }
                                @if !answer.comment.is_empty() { " — « " (answer.comment) " »" }
                                @if let Some(at) = answer.answered_at { " (" (when(at)) ")" }
                            }
                        }
                        @if let Some(reference) = &t.external_ref {
                            dt { (lang.t("Importé de", "Imported from")) }
                            dd.external-ref { (reference) }
                        }
                    }
                }
                (clocks(lang, state, t, at, &when))
                (assign_form(lang, viewer, data, &shown))
                (work_form(lang, viewer, data, state))
            }
        }
    };
    Page {
        title,
        viewer: Some(viewer),
        lang,
        section: Section::Queue,
        body,
    }
}

fn clocks(
    lang: Lang,
    state: &State,
    t: &Ticket,
    at: NaiveDateTime,
    when: &dyn Fn(NaiveDateTime) -> String,
) -> Markup {
    let clock = &state.policy.clock;
    let view = crate::api::tickets::TicketView::new(t.clone(), clock, at);
    let sla = view.service_level;
    let rows = [
        (
            lang.t("Prise en charge", "Taking in charge"),
            &sla.acknowledge,
            t.acknowledged_at,
        ),
        (
            lang.t("Résolution", "Resolution"),
            &sla.resolve,
            t.resolved_at,
        ),
    ];
    let due_of = |c: &crate::api::tickets::ClockView| {
        c.due_at
            .as_deref()
            .and_then(crate::domain::time::parse_rfc3339)
    };
    html! {
        section {
            h2 { (lang.t("Engagements de service", "Service levels")) }
            @if sla.paused {
                p.notice { (lang.t("En attente : les délais sont en pause.", "Waiting: the clocks are paused.")) }
            }
            @for (label, c, done) in rows {
                div.clock {
                    span.label { (label) " · " (format::minutes(c.target_minutes)) }
                    span {
                        @match (done, c.met) {
                            (Some(_), Some(true)) => { span.met { (lang.t("tenu", "met")) } " (" (format::minutes(c.elapsed_minutes)) ")" },
                            (Some(_), _) => { span.late { (lang.t("dépassé", "missed")) } " (" (format::minutes(c.elapsed_minutes)) ")" },
                            (None, Some(false)) => {
                                strong.late { (lang.t("en retard", "overdue")) }
                                @if let Some(due) = due_of(c) { " · " (lang.t("échéance ", "due ")) (when(due)) }
                            },
                            (None, _) => {
                                @if sla.paused { span.paused { (lang.t("en pause", "paused")) } " · " }
                                @if let Some(due) = due_of(c) { (lang.t("échéance ", "due ")) (when(due)) }
                            },
                        }
                    }
                }
            }
        }
    }
}

fn edit_form(lang: Lang, viewer: &Viewer, data: &TicketData, shown: &Shown) -> Markup {
    let t = &data.ticket;
    let dir = &data.directory;
    let errors = &shown.edit_errors;
    let form = shown.edit.as_ref();
    let title = form
        .and_then(|f| f.title.clone())
        .unwrap_or_else(|| t.title.clone());
    let description = form
        .and_then(|f| f.description.clone())
        .unwrap_or_else(|| t.description.clone());
    let pick = |sent: Option<&Option<String>>, current: String| {
        sent.and_then(|v| v.clone()).unwrap_or(current)
    };
    let category = pick(
        form.map(|f| &f.category_id),
        t.category_id.map(|c| c.to_string()).unwrap_or_default(),
    );
    let priority = pick(form.map(|f| &f.priority), t.priority.number().to_string());
    let kind = pick(
        form.map(|f| &f.ticket_type),
        t.ticket_type.as_str().to_string(),
    );
    let status = pick(form.map(|f| &f.status), t.status.as_str().to_string());
    let seen = data.events.iter().map(|e| e.id).max().unwrap_or(0);
    let moves: Vec<Status> = Status::ALL
        .iter()
        .copied()
        .filter(|s| *s == t.status || (*s != Status::Assigned && t.status.may_move_to(*s)))
        .collect();
    let field = |id: &'static str| described(id, errors.get(id));
    html! {
        section {
            h2 { (lang.t("Qualifier", "Qualify")) }
            @if let Some(newer) = &shown.conflict {
                div.form-error role="alert" {
                    p { strong { (lang.t("Ce ticket a été modifié entre-temps ; rien n'a été enregistré.", "This ticket was changed meanwhile; nothing was saved.")) } }
                    ul {
                        @for e in newer {
                            li { (change_text(lang, data, e)) }
                        }
                    }
                    p { (lang.t("Vos saisies sont conservées ci-dessous : vérifiez-les puis enregistrez de nouveau.", "What you typed is kept below: check it and save again.")) }
                }
            }
            form method="post" action=(format!("/console/tickets/{}", t.id)) {
                (csrf_field(viewer))
                input type="hidden" name="version" value=(t.version);
                input type="hidden" name="seen" value=(seen);
                div.field {
                    label for="title" { (lang.t("Titre", "Title")) }
                    @let (d, i) = field("title");
                    input #title name="title" value=(title) aria-describedby=[d] aria-invalid=[i];
                    (field_error("title", errors.get("title")))
                }
                div.field {
                    label for="description" { (lang.t("Description", "Description")) }
                    @let (d, i) = field("description");
                    textarea #description name="description" rows="4" aria-describedby=[d] aria-invalid=[i] { (description) }
                    (field_error("description", errors.get("description")))
                }
                div.row {
                    div.field {
                        label for="status" { (lang.t("Statut", "Status")) }
                        @let (d, i) = field("status");
                        select #status name="status" aria-describedby=[d] aria-invalid=[i] {
                            @for s in &moves {
                                option value=(s.as_str()) selected[status == s.as_str()] { (format::status(lang, *s)) }
                            }
                        }
                        (field_error("status", errors.get("status")))
                    }
                    div.field {
                        label for="category_id" { (lang.t("Catégorie", "Category")) }
                        @let (d, i) = field("category_id");
                        select #category_id name="category_id" aria-describedby=[d] aria-invalid=[i] {
                            option value="" { "—" }
                            @for c in dir.categories.iter().filter(|c| c.retired_at.is_none() || category == c.id.to_string()) {
                                option value=(c.id) selected[category == c.id.to_string()] { (dir.category_path(c.id)) }
                            }
                        }
                        (field_error("category_id", errors.get("category_id")))
                    }
                    div.field {
                        label for="priority" { (lang.t("Priorité", "Priority")) }
                        select #priority name="priority" {
                            @for p in 1..=4i64 {
                                @if let Ok(value) = parse_priority(p) {
                                    option value=(p) selected[priority == p.to_string()] { (format::priority(lang, value)) }
                                }
                            }
                        }
                        (field_error("priority", errors.get("priority")))
                    }
                    div.field {
                        label for="type" { (lang.t("Type", "Type")) }
                        select #type name="type" {
                            @for k in TicketType::ALL {
                                option value=(k.as_str()) selected[kind == k.as_str()] { (format::ticket_type(lang, *k)) }
                            }
                        }
                    }
                }
                @for e in &errors.general { p.field-error { (e) } }
                button.primary type="submit" { (lang.t("Enregistrer", "Save")) }
            }
        }
    }
}

fn assign_form(lang: Lang, viewer: &Viewer, data: &TicketData, shown: &Shown) -> Markup {
    let t = &data.ticket;
    let dir = &data.directory;
    let chosen = data.chosen.and_then(|id| dir.staff_name(id));
    html! {
        section {
            h2 { (lang.t("Attribuer", "Assign")) }
            @if !t.status.accepts_assignment() {
                p.empty { (lang.t("Un ticket résolu ou clos ne s'attribue plus.", "A resolved or closed ticket is no longer assigned.")) }
            } @else {
                @if let Some(error) = &shown.assign_error {
                    p.form-error role="alert" id="technician_id-error" { (error) }
                }
                form method="post" action=(format!("/console/tickets/{}/assign", t.id)) {
                    (csrf_field(viewer))
                    div.field {
                        label for="assign-technician" { (lang.t("Technicien", "Technician")) }
                        select #assign-technician name="technician_id" aria-describedby=[shown.assign_error.as_ref().map(|_| "technician_id-error")] {
                            option value="auto" {
                                (lang.t("Au choix du service", "The service's choice"))
                                @if let Some(name) = chosen { " : " (name) }
                            }
                            @for u in dir.assignable() {
                                option value=(u.id) selected[t.assignee_id == Some(u.id)] {
                                    (u.name) " · " (data.open_tickets.get(&u.id).copied().unwrap_or(0)) " " (lang.t("ouverts", "open"))
                                    @if data.posted_today.contains(&u.id) { " · " (lang.t("posté chez l'adhérent aujourd'hui", "posted at the member today")) }
                                }
                            }
                        }
                    }
                    button type="submit" { (lang.t("Attribuer", "Assign")) }
                }
                table.workload {
                    caption.visually-hidden { (lang.t("Charge de l'équipe", "The team's load")) }
                    thead { tr { th scope="col" { (lang.t("Technicien", "Technician")) } th scope="col" { (lang.t("Ouverts", "Open")) } th scope="col" { (lang.t("Aujourd'hui", "Today")) } } }
                    tbody {
                        @for u in dir.technicians() {
                            tr {
                                td { (u.name) }
                                td.num { (data.open_tickets.get(&u.id).copied().unwrap_or(0)) }
                                td { @if data.posted_today.contains(&u.id) { (lang.t("posté ici", "posted here")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn comment_form(lang: Lang, viewer: &Viewer, id: i64, shown: &Shown) -> Markup {
    let errors = &shown.comment_errors;
    let (d, i) = described("body", errors.get("body"));
    let body = shown
        .comment
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap_or_default();
    let internal = shown.comment.as_ref().is_some_and(|c| c.internal.is_some());
    html! {
        form.comment method="post" action=(format!("/console/tickets/{id}/comments")) {
            (csrf_field(viewer))
            div.field {
                label for="body" { (lang.t("Répondre ou noter", "Answer or note")) }
                textarea #body name="body" rows="3" aria-describedby=[d] aria-invalid=[i] { (body) }
                (field_error("body", errors.get("body")))
            }
            div.actions.field {
                div.check {
                    input #internal type="checkbox" name="internal" value="on" checked[internal];
                    label for="internal" { (lang.t("Note interne (le demandeur ne la voit pas)", "Internal note (the requester does not see it)")) }
                }
                button.primary type="submit" { (lang.t("Ajouter", "Add")) }
            }
        }
    }
}

/// Who changed what, with when: the conflict notice's line.
fn change_text(lang: Lang, data: &TicketData, e: &TicketEvent) -> String {
    let when = format::date_time(lang, e.at, data.zone);
    format!("{} ({when})", change_words(lang, data, e))
}

/// Who changed what: a history row in words.
fn change_words(lang: Lang, data: &TicketData, e: &TicketEvent) -> String {
    let who = e
        .actor_id
        .and_then(|id| data.names.get(&id).cloned())
        .unwrap_or_else(|| lang.t("le service", "the service").to_string());
    let did = match e.field.as_str() {
        "created" => Some(lang.t("a créé le ticket", "filed the ticket")),
        "imported" => Some(lang.t("a importé le ticket", "imported the ticket")),
        "acknowledged_at" => {
            Some(lang.t("a pris le ticket en charge", "took the ticket in charge"))
        }
        _ => None,
    };
    if let Some(did) = did {
        return format!("{who} {did}");
    }
    let value = |v: &Option<String>| shown_value(lang, data, &e.field, v.as_deref());
    let field = field_label(lang, &e.field);
    let (from, to) = (value(&e.from_value), value(&e.to_value));
    match lang {
        Lang::Fr => format!("{who} a changé {field} : {from} → {to}"),
        Lang::En => format!("{who} changed {field}: {from} → {to}"),
    }
}

fn field_label(lang: Lang, field: &str) -> String {
    match field {
        "status" => lang.t("le statut", "the status").into(),
        "assignee_id" => lang.t("le technicien", "the assignee").into(),
        "priority" => lang.t("la priorité", "the priority").into(),
        "category_id" => lang.t("la catégorie", "the category").into(),
        "title" => lang.t("le titre", "the title").into(),
        "description" => lang.t("la description", "the description").into(),
        "type" | "ticket_type" => lang.t("le type", "the type").into(),
        "member_id" => lang.t("l'adhérent", "the member").into(),
        "origin" => lang.t("l'origine", "the origin").into(),
        other => other.to_string(),
    }
}

fn shown_value(lang: Lang, data: &TicketData, field: &str, value: Option<&str>) -> String {
    let Some(value) = value else {
        return "—".into();
    };
    let id = value.parse::<i64>().ok();
    match field {
        "status" => Status::parse(value)
            .map(|s| format::status(lang, s).to_string())
            .unwrap_or_else(|_| value.into()),
        "assignee_id" => id
            .and_then(|id| data.directory.staff_name(id).map(str::to_string))
            .unwrap_or_else(|| value.into()),
        "category_id" => id
            .map(|id| data.directory.category_path(id))
            .unwrap_or_else(|| value.into()),
        "member_id" => id
            .and_then(|id| data.directory.member(id).map(|m| m.code.clone()))
            .unwrap_or_else(|| value.into()),
        _ => {
            let short: String = value.chars().take(80).collect();
            if short.len() < value.len() {
                format!("{short}…")
            } else {
                short
            }
        }
    }
}

fn timeline(
    lang: Lang,
    data: &TicketData,
    name_of: &dyn Fn(Option<i64>) -> String,
    when: &dyn Fn(NaiveDateTime) -> String,
) -> Markup {
    let mut entries: Vec<Entry> = Vec::new();
    entries.extend(data.comments.iter().map(Entry::Comment));
    // A comment's own history row would say it twice.
    entries.extend(
        data.events
            .iter()
            .filter(|e| e.field != "comment")
            .map(Entry::Change),
    );
    entries.extend(data.work_logs.iter().map(Entry::Work));
    entries.sort_by_key(|e| std::cmp::Reverse(e.at()));
    html! {
        ol.timeline reversed {
            @for entry in &entries {
                @match entry {
                    Entry::Comment(c) => {
                        li class=(if c.internal { "internal" } else { "public" }) {
                            div.meta {
                                strong { (name_of(c.author_id)) } " · " (when(c.created_at)) " · "
                                @if c.internal { (lang.t("note interne", "internal note")) } @else { (lang.t("réponse publique", "public answer")) }
                            }
                            div.body { (c.body) }
                        }
                    },
                    Entry::Change(e) => {
                        li.change {
                            span.meta { (when(e.at)) } " · " (change_words(lang, data, e))
                        }
                    },
                    Entry::Work(w) => {
                        li.work {
                            div.meta {
                                strong { (name_of(Some(w.technician_id))) } " · " (format::date(lang, w.work_date)) " · " (format::work_kind(lang, w.kind))
                            }
                            div.body {
                                (format::minutes(i64::from(w.minutes)))
                                @if let Some(note) = &w.content.note { " · " (note) }
                            }
                        }
                    },
                }
            }
        }
    }
}

fn work_form(lang: Lang, viewer: &Viewer, data: &TicketData, state: &State) -> Markup {
    let t = &data.ticket;
    let day = today(state.zone());
    if !viewer.logs_work() {
        return html! {};
    }
    html! {
        section {
            h2 { (lang.t("Temps passé", "Time spent")) }
            form method="post" action="/console/work-logs" {
                (csrf_field(viewer))
                input type="hidden" name="ticket_id" value=(t.id);
                input type="hidden" name="back" value=(format!("/console/tickets/{}", t.id));
                div.row {
                    div.field {
                        label for="w-date" { (lang.t("Jour", "Day")) }
                        input #w-date type="date" name="date" value=(day.format("%Y-%m-%d").to_string()) required;
                    }
                    div.field {
                        label for="w-minutes" { (lang.t("Minutes", "Minutes")) }
                        input #w-minutes type="number" name="minutes" min="1" max="1440" required;
                    }
                }
                div.field {
                    label for="w-kind" { (lang.t("Nature", "Kind")) }
                    select #w-kind name="kind" {
                        @for k in [WorkKind::OnSite, WorkKind::Posted, WorkKind::Project, WorkKind::HotlineDuty] {
                            option value=(k.as_str()) { (format::work_kind(lang, k)) }
                        }
                    }
                }
                input type="hidden" name="member_id" value=(t.member_id);
                div.field {
                    label for="w-note" { (lang.t("Note", "Note")) }
                    input #w-note type="text" name="note";
                }
                button type="submit" { (lang.t("Enregistrer le temps", "Log the time")) }
            }
        }
    }
}
