//! The members' portal (`/portal`): an agent follows their member's requests, open ones first,
//! files a request, reads its public answers and answers them. Nothing internal shows, and
//! another member's request does not exist (404).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::tickets::parse_ticket_fields;
use crate::api::{path_id, Segment, State};
use crate::db;
use crate::db::comments::Comment;
use crate::db::tickets::{Ticket, TicketFilter};
use crate::desk::directory::Directory;
use crate::desk::tickets::{Filed, IdempotencyKey};
use crate::domain::ticket::{parse_comment_body, Channel, Status, TicketType};
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::{digest_of, filled, random_key, Form, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal", web::get().to(requests))
        .route("/portal/tickets/new", web::get().to(new_request))
        .route("/portal/tickets", web::post().to(file_request))
        .route("/portal/tickets/{id}", web::get().to(request_page))
        .route("/portal/tickets/{id}/comments", web::post().to(answer));
}

/// Requests per list and page.
const PAGE: i64 = 50;

/// The member whose requests the viewer follows: an agent's own.
fn member_of(viewer: &Viewer) -> Result<i64, AppError> {
    match (viewer.actor.role.is_staff(), viewer.actor.member_id) {
        (false, Some(member)) => Ok(member),
        _ => Err(AppError::forbidden(
            "the portal is for the members' agents; staff work in the console",
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Where the page of open requests starts (`created_id`).
    open: Option<String>,
    /// Where the page of finished requests starts.
    done: Option<String>,
}

fn cursor(raw: &Option<String>) -> Option<(NaiveDateTime, i64)> {
    filled(raw).and_then(|raw| crate::api::tickets::parse_ticket_cursor(raw).ok())
}

/// A page of one list, one more than shown to know whether another follows.
struct Listed {
    tickets: Vec<Ticket>,
    next: Option<String>,
}

fn listed(mut tickets: Vec<Ticket>) -> Listed {
    let more = tickets.len() as i64 > PAGE;
    tickets.truncate(PAGE as usize);
    let next = more
        .then(|| tickets.last().map(crate::api::tickets::ticket_cursor))
        .flatten();
    Listed { tickets, next }
}

/// What the lists show beside each request: the assignee's first name and the last public
/// answer.
struct Beside {
    first_names: HashMap<i64, String>,
    last_answers: HashMap<i64, Comment>,
}

fn first_name(name: &str) -> String {
    name.split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn requests(state: State, viewer: Viewer, query: web::Query<ListQuery>) -> Answer {
    let member = member_of(&viewer)?;
    let lang = viewer.lang;
    let (open_after, done_after) = (cursor(&query.open), cursor(&query.done));
    let (open, done, beside) = state
        .run(move |conn| {
            let of = |statuses: Vec<Status>| TicketFilter {
                member_scope: Some(member),
                statuses,
                ..TicketFilter::default()
            };
            let open =
                db::tickets::list(conn, &of(Status::NOT_DONE.to_vec()), open_after, PAGE + 1)?;
            let done = db::tickets::list(
                conn,
                &of(vec![Status::Resolved, Status::Closed]),
                done_after,
                PAGE + 1,
            )?;
            let shown: Vec<&Ticket> = open.iter().chain(&done).collect();
            let ids: Vec<i64> = shown.iter().map(|t| t.id).collect();
            let assignees: Vec<i64> = shown.iter().filter_map(|t| t.assignee_id).collect();
            let first_names = db::users::names(conn, &assignees)?
                .into_iter()
                .map(|(id, name)| (id, first_name(&name)))
                .collect();
            let last_answers = db::comments::latest_public(conn, &ids)?
                .into_iter()
                .map(|c| (c.ticket_id, c))
                .collect();
            Ok((
                listed(open),
                listed(done),
                Beside {
                    first_names,
                    last_answers,
                },
            ))
        })
        .await?;
    let zone = state.zone();
    let body = html! {
        div.queue-head {
            h1 { (lang.t("Nos demandes", "Our requests")) }
            a.button.primary href="/portal/tickets/new" { (lang.t("Nouvelle demande", "New request")) }
        }
        section aria-labelledby="open-title" {
            h2 #open-title { (lang.t("En cours", "Open")) }
            (request_table(lang, &open.tickets, &beside, zone))
            @if open.tickets.is_empty() {
                p.empty { (lang.t("Aucune demande en cours.", "No open request.")) }
            }
            @if let Some(next) = &open.next {
                p.more { a href=(format!("/portal?open={next}")) rel="next" { (lang.t("Demandes en cours suivantes →", "More open requests →")) } }
            }
        }
        section aria-labelledby="done-title" {
            h2 #done-title { (lang.t("Terminées", "Finished")) }
            (request_table(lang, &done.tickets, &beside, zone))
            @if done.tickets.is_empty() {
                p.empty { (lang.t("Aucune demande terminée.", "No finished request.")) }
            }
            @if let Some(next) = &done.next {
                p.more { a href=(format!("/portal?done={next}")) { (lang.t("Demandes terminées suivantes →", "More finished requests →")) } }
            }
        }
    };
    Ok(Page {
        title: lang.t("Nos demandes", "Our requests").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::Portal,
        body,
    }
    .ok())
}

/// The start of a text, cut at a word, for a list.
fn excerpt(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(chars).collect();
    let at_word = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{at_word}…")
}

fn request_table(lang: Lang, tickets: &[Ticket], beside: &Beside, zone: chrono_tz::Tz) -> Markup {
    html! {
        @if !tickets.is_empty() {
            div.scroll {
                table.data.requests {
                    thead {
                        tr {
                            th scope="col" { "#" }
                            th scope="col" { (lang.t("Demande", "Request")) }
                            th scope="col" { (lang.t("Statut", "Status")) }
                            th scope="col" { (lang.t("Suivie par", "Handled by")) }
                            th scope="col" { (lang.t("Dernière réponse", "Last answer")) }
                            th scope="col" { (lang.t("Créée le", "Filed on")) }
                        }
                    }
                    tbody {
                        @for t in tickets {
                            tr {
                                td.num { (t.id) }
                                td.title { a href=(format!("/portal/tickets/{}", t.id)) { (t.title) } }
                                td { span class=(format!("status s-{}", t.status.as_str())) { (format::status(lang, t.status)) } }
                                td {
                                    @match t.assignee_id.and_then(|a| beside.first_names.get(&a)) {
                                        Some(name) => (name),
                                        None => span.paused { (lang.t("pas encore", "not yet")) },
                                    }
                                }
                                td {
                                    @if let Some(answer) = beside.last_answers.get(&t.id) {
                                        span.when { (format::date_time(lang, answer.created_at, zone)) } " — "
                                        (excerpt(&answer.body, 100))
                                    }
                                }
                                td.when { (format::date_time(lang, t.created_at, zone)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The request form as sent.
#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
pub struct RequestForm {
    #[serde(skip_serializing)]
    csrf: Option<String>,
    submission: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    ticket_type: Option<String>,
    category_id: Option<String>,
}

const SHOWN: &[&str] = &["title", "description", "type", "category_id"];

async fn new_request(state: State, viewer: Viewer) -> Answer {
    member_of(&viewer)?;
    let directory = state.run(Directory::load).await?;
    let form = RequestForm {
        submission: Some(random_key()),
        ..RequestForm::default()
    };
    Ok(request_form(&viewer, &form, &directory, &FormErrors::default()).ok())
}

fn request_form<'a>(
    viewer: &'a Viewer,
    form: &RequestForm,
    directory: &Directory,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let error = |field: &str| errors.get(field);
    let (title_help, title_invalid) = described("title", error("title"));
    let (description_help, description_invalid) = described("description", error("description"));
    let (type_help, type_invalid) = described("type", error("type"));
    let (category_help, category_invalid) = described("category_id", error("category_id"));
    let chosen_type = filled(&form.ticket_type).unwrap_or("incident");
    let body = html! {
        h1 { (lang.t("Nouvelle demande", "New request")) }
        @if !errors.general.is_empty() {
            div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
        }
        form.panel #request-form method="post" action="/portal/tickets" novalidate {
            (csrf_field(viewer))
            input type="hidden" name="submission" value=[filled(&form.submission)];
            div.field {
                label for="title" { (lang.t("Objet", "Subject")) }
                input #title name="title" type="text" maxlength="200" required autofocus
                    value=[filled(&form.title)]
                    aria-describedby=[title_help] aria-invalid=[title_invalid];
                (field_error("title", error("title")))
            }
            div.field {
                label for="description" { (lang.t("Description", "Description")) }
                textarea #description name="description" rows="8"
                    aria-describedby=[description_help] aria-invalid=[description_invalid] {
                    (filled(&form.description).unwrap_or_default())
                }
                (field_error("description", error("description")))
            }
            div.row {
                div.field {
                    label for="type" { (lang.t("Nature", "Type")) }
                    select #type name="type" aria-describedby=[type_help] aria-invalid=[type_invalid] {
                        @for kind in TicketType::ALL {
                            option value=(kind.as_str()) selected[chosen_type == kind.as_str()] { (format::ticket_type(lang, *kind)) }
                        }
                    }
                    (field_error("type", error("type")))
                }
                div.field {
                    label for="category_id" { (lang.t("Catégorie", "Category")) }
                    select #category_id name="category_id" aria-describedby=[category_help] aria-invalid=[category_invalid] {
                        option value="" { (lang.t("Je ne sais pas", "I don't know")) }
                        @for c in directory.offered_categories() {
                            option value=(c.id) selected[filled(&form.category_id) == Some(c.id.to_string().as_str())] { (directory.category_path(c.id)) }
                        }
                    }
                    (field_error("category_id", error("category_id")))
                }
            }
            div.field.actions {
                button.primary type="submit" { (lang.t("Envoyer la demande", "Send the request")) }
                a href="/portal" { (lang.t("Annuler", "Cancel")) }
            }
        }
    };
    Page {
        title: lang.t("Nouvelle demande", "New request").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::PortalNew,
        body,
    }
}

async fn file_request(state: State, viewer: Viewer, form: Form<RequestForm>) -> Answer {
    let member = member_of(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let directory = state.run(Directory::load).await?;
    let mut checks = Checks::new();
    let parsed = parse_ticket_fields(
        &mut checks,
        filled(&form.title).unwrap_or_default(),
        form.description.as_deref().unwrap_or_default(),
        filled(&form.ticket_type),
        None,
        None,
        Some(Channel::Web.as_str()),
        [None, None, None],
    );
    let category_id = match filled(&form.category_id) {
        None => None,
        Some(raw) => match raw
            .parse::<i64>()
            .ok()
            .filter(|id| directory.category(*id).is_some())
        {
            Some(id) => Some(id),
            None => {
                checks.push(FieldError::new("category_id", "no such category"));
                None
            }
        },
    };
    if let Err(errors) = checks.finish() {
        let errors = FormErrors::new(lang, &errors, SHOWN);
        return Ok(request_form(&viewer, &form, &directory, &errors)
            .respond(StatusCode::UNPROCESSABLE_ENTITY));
    }
    let draft = parsed.into_draft(member, Some(viewer.actor.id), category_id);
    let key = filled(&form.submission).map(|k| IdempotencyKey {
        key: format!("portal:{}", k.chars().take(64).collect::<String>()),
        request_hash: digest_of(&form),
    });
    state.check_prepared()?;
    match crate::state::AppState::file_ticket(&state, draft, viewer.actor, key).await {
        Ok(Filed::Created(ticket) | Filed::Replayed(ticket)) => {
            state.metrics.ticket_filed();
            Ok(see_other(&format!("/portal/tickets/{}", ticket.id)))
        }
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, SHOWN);
            Ok(request_form(&viewer, &form, &directory, &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}

/// A request as its member sees it: the public comments only.
struct Seen {
    ticket: Ticket,
    comments: Vec<Comment>,
    names: HashMap<i64, String>,
    category: Option<String>,
}

async fn load(state: &State, viewer: &Viewer, id: i64) -> Result<Seen, AppError> {
    let actor = viewer.actor;
    state
        .run(move |conn| {
            let ticket = crate::desk::tickets::find_visible(conn, id, &actor)?;
            let (mut comments, names) =
                crate::desk::tickets::comments_of(conn, id, &actor, None, 500)?;
            comments.reverse();
            let mut names: HashMap<i64, String> = names;
            if let Some(assignee) = ticket.assignee_id {
                for (user, name) in db::users::names(conn, &[assignee])? {
                    names.insert(user, name);
                }
            }
            let category = match ticket.category_id {
                Some(c) => Some(Directory::load(conn)?.category_path(c)),
                None => None,
            };
            Ok(Seen {
                ticket,
                comments,
                names,
                category,
            })
        })
        .await
}

async fn request_page(state: State, viewer: Viewer, id: Segment) -> Answer {
    member_of(&viewer)?;
    let id = path_id(&id, "ticket")?;
    let seen = load(&state, &viewer, id).await?;
    Ok(request_view(&state, &viewer, &seen, None, &FormErrors::default()).ok())
}

fn request_view<'a>(
    state: &State,
    viewer: &'a Viewer,
    seen: &Seen,
    typed: Option<&str>,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let zone = state.zone();
    let t = &seen.ticket;
    let when = |at: Option<NaiveDateTime>| match at {
        Some(at) => html! { (format::date_time(lang, at, zone)) },
        None => html! { span.paused { (lang.t("pas encore", "not yet")) } },
    };
    let (body_help, body_invalid) = described("body", errors.get("body"));
    let body = html! {
        p { a href="/portal" { (lang.t("← Nos demandes", "← Our requests")) } }
        div.ticket-title {
            h1 { (t.title) }
            span.id { "#" (t.id) }
            span class=(format!("status s-{}", t.status.as_str())) { (format::status(lang, t.status)) }
        }
        div.ticket {
            div {
                section aria-labelledby="description-title" {
                    h2 #description-title { (lang.t("Description", "Description")) }
                    p.description { (t.description) }
                }
                section aria-labelledby="answers-title" {
                    h2 #answers-title { (lang.t("Échanges", "Messages")) }
                    @if seen.comments.is_empty() {
                        p.empty { (lang.t("Pas encore de réponse.", "No answer yet.")) }
                    }
                    ol.timeline {
                        @for c in &seen.comments {
                            li.public {
                                div.meta {
                                    (c.author_id.and_then(|a| seen.names.get(&a)).map_or(String::new(), |n| first_name(n)))
                                    " · " (format::date_time(lang, c.created_at, zone))
                                }
                                div.body { (c.body) }
                            }
                        }
                    }
                    @if !matches!(t.status, Status::Closed) {
                        form #answer-form method="post" action=(format!("/portal/tickets/{}/comments", t.id)) novalidate {
                            (csrf_field(viewer))
                            div.field {
                                label for="body" { (lang.t("Votre réponse", "Your answer")) }
                                textarea #body name="body" rows="4" required
                                    aria-describedby=[body_help] aria-invalid=[body_invalid] { (typed.unwrap_or_default()) }
                                (field_error("body", errors.get("body")))
                            }
                            button.primary type="submit" { (lang.t("Répondre", "Answer")) }
                        }
                    }
                }
            }
            aside {
                section aria-labelledby="facts-title" {
                    h2 #facts-title { (lang.t("Suivi", "Progress")) }
                    dl.facts {
                        dt { (lang.t("Créée le", "Filed on")) }
                        dd { (format::date_time(lang, t.created_at, zone)) }
                        dt { (lang.t("Prise en charge", "Taken in charge")) }
                        dd { (when(t.acknowledged_at)) }
                        dt { (lang.t("Résolue", "Resolved")) }
                        dd { (when(t.resolved_at)) }
                        dt { (lang.t("Suivie par", "Handled by")) }
                        dd {
                            @match t.assignee_id.and_then(|a| seen.names.get(&a)) {
                                Some(name) => (first_name(name)),
                                None => span.paused { (lang.t("pas encore", "not yet")) },
                            }
                        }
                        dt { (lang.t("Nature", "Type")) }
                        dd { (format::ticket_type(lang, t.ticket_type)) }
                        @if let Some(category) = &seen.category {
                            dt { (lang.t("Catégorie", "Category")) }
                            dd { (category) }
                        }
                    }
                }
            }
        }
    };
    Page {
        title: format!("#{} {}", t.id, t.title),
        viewer: Some(viewer),
        lang,
        section: Section::Portal,
        body,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswerForm {
    csrf: Option<String>,
    body: Option<String>,
}

async fn answer(state: State, viewer: Viewer, id: Segment, form: Form<AnswerForm>) -> Answer {
    member_of(&viewer)?;
    let id = path_id(&id, "ticket")?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let lang = viewer.lang;
    let typed = form.body.as_deref().unwrap_or("").replace("\r\n", "\n");
    let outcome = match parse_comment_body(&typed) {
        Err(error) => Err(AppError::Validation(vec![error])),
        Ok(body) => {
            let actor = viewer.actor;
            let policy = state.policy.clone();
            state
                .run(move |conn| {
                    crate::desk::comments::add(conn, id, &body, false, &actor, &policy)
                })
                .await
        }
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/portal/tickets/{id}#answers-title"))),
        Err(AppError::Validation(errors)) => {
            let seen = load(&state, &viewer, id).await?;
            let errors = FormErrors::new(lang, &errors, &["body"]);
            Ok(request_view(&state, &viewer, &seen, Some(&typed), &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}
