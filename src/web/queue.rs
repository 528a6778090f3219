//! The queue (`GET /console`): its views with their counts, the filters, and a page of
//! tickets, newest first or by the nearest due time.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::web;
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::tickets::queries::{parse_ticket_query, TicketQuery};
use crate::api::{PageQuery, State};
use crate::desk::directory::Directory;
use crate::desk::queue::{self, Counts, Next, QueueItem, QueuePage, QueueRequest, View};
use crate::domain::ticket::{Origin, Priority, Status};
use crate::domain::time::now;
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::filled;
use crate::web::i18n::Lang;
use crate::web::layout::{Page, Section};
use crate::web::session::Viewer;
use crate::web::Answer;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console", web::get().to(queue_page));
}

/// The queue's query string, as the filters' form sends it.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct QueueQuery {
    view: Option<String>,
    member_id: Option<String>,
    status: Option<String>,
    priority: Option<String>,
    category_id: Option<String>,
    assignee_id: Option<String>,
    q: Option<String>,
    origin: Option<String>,
    created_from: Option<String>,
    created_to: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    from: Option<String>,
}

pub const PAGE_SIZE: usize = 50;

impl QueueQuery {
    /// The query string of this query with another view or page, keeping the filters.
    fn link(&self, view: View, next: Option<&Next>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("view", view.as_str().to_string())];
        let fields = [
            ("member_id", &self.member_id),
            ("status", &self.status),
            ("priority", &self.priority),
            ("category_id", &self.category_id),
            ("assignee_id", &self.assignee_id),
            ("q", &self.q),
            ("origin", &self.origin),
            ("created_from", &self.created_from),
            ("created_to", &self.created_to),
            ("sort", &self.sort),
        ];
        for (name, value) in fields {
            if let Some(value) = filled(value) {
                pairs.push((name, value.to_string()));
            }
        }
        match next {
            Some(Next::After(at, id)) => {
                pairs.push(("cursor", format!("{}_{id}", at.and_utc().timestamp())))
            }
            Some(Next::From(n)) => pairs.push(("from", n.to_string())),
            None => {}
        }
        format!(
            "/console?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

async fn queue_page(state: State, viewer: Viewer, query: web::Query<QueueQuery>) -> Answer {
    viewer.require_staff()?;
    let query = query.into_inner();
    let lang = viewer.lang;
    let view = query
        .view
        .as_deref()
        .and_then(View::parse)
        .unwrap_or(View::Open);
    let ticket_query = TicketQuery {
        status: filled(&query.status).map(str::to_string),
        member_id: filled(&query.member_id).map(str::to_string),
        assignee_id: filled(&query.assignee_id).map(str::to_string),
        category_id: filled(&query.category_id).map(str::to_string),
        priority: filled(&query.priority).map(str::to_string),
        q: filled(&query.q).map(str::to_string),
        origin: filled(&query.origin).map(str::to_string),
        created_from: filled(&query.created_from).map(str::to_string),
        created_to: filled(&query.created_to).map(str::to_string),
    };
    let page_query = PageQuery {
        limit: None,
        cursor: filled(&query.cursor).map(str::to_string),
    };
    let parsed = parse_ticket_query(&page_query, &ticket_query, None);
    let start = match &parsed {
        Ok((_, Some((at, id)), _)) => Some(Next::After(*at, *id)),
        _ => filled(&query.from)
            .and_then(|f| f.parse::<usize>().ok())
            .map(Next::From),
    };
    let (filter, problems) = match parsed {
        Ok((filter, _, _)) => (filter, None),
        Err(AppError::Validation(errors)) => (Default::default(), Some(errors)),
        Err(other) => return Err(other),
    };
    let request = QueueRequest {
        view,
        filter,
        by_due: query.sort.as_deref() == Some("due"),
        start,
        size: PAGE_SIZE,
    };
    let me = viewer.actor.id;
    let app = state.clone();
    let failed = problems.is_some();
    let (directory, counts, page, requesters, listed) = state
        .run(move |conn| {
            let at = now();
            let directory = Directory::load(conn)?;
            let clock = &app.policy.clock;
            let counts = queue::counts(conn, me, clock, at)?;
            let listed = if failed {
                None
            } else {
                queue::filtered_count(conn, me, request.view, &request.filter)?
            };
            let page = if failed {
                QueuePage {
                    items: Vec::new(),
                    next: None,
                }
            } else {
                queue::page(conn, me, &request, clock, at)?
            };
            let ids: Vec<i64> = page
                .items
                .iter()
                .filter_map(|i| i.ticket.requester_id)
                .collect();
            let requesters: HashMap<i64, String> =
                crate::db::users::names(conn, &ids)?.into_iter().collect();
            Ok((directory, counts, page, requesters, listed))
        })
        .await?;
    let zone = state.zone();
    let body = html! {
        div.queue-head {
            h1 { (lang.t("File des tickets", "Ticket queue")) }
            a.button.primary href="/console/tickets/new" accesskey="n" { (lang.t("Nouvel appel", "New call")) }
        }
        (tabs(lang, &query, view, &counts))
        (filters(lang, &query, view, &directory))
        @if let Some(errors) = &problems {
            div.form-error role="alert" {
                @for e in errors { p { (e.field) " : " (lang.message(&e.message)) } }
            }
        }
        @if let Some(listed) = listed {
            p.list-count role="status" {
                (format::number(lang, listed as f64, 0)) " "
                (if listed == 1 { lang.t("ticket pour ces filtres", "ticket for these filters") } else { lang.t("tickets pour ces filtres", "tickets for these filters") })
            }
        }
        div #queue data-refresh="30" {
            (table(lang, &page.items, &directory, &requesters, zone))
            @if page.items.is_empty() {
                p.empty { (lang.t("Aucun ticket dans cette vue.", "No ticket in this view.")) }
            }
            @if let Some(next) = &page.next {
                p.more { a href=(query.link(view, Some(next))) rel="next" { (lang.t("Page suivante →", "Next page →")) } }
            }
        }
    };
    let page = Page {
        title: lang.t("File", "Queue").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::Queue,
        body,
    };
    Ok(page.respond(if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }))
}

fn view_label(lang: Lang, view: View) -> &'static str {
    match view {
        View::Unassigned => lang.t("Non attribués", "Unassigned"),
        View::Mine => lang.t("Les miens", "Mine"),
        View::Overdue => lang.t("En retard", "Overdue"),
        View::Waiting => lang.t("En attente", "Waiting"),
        View::Open => lang.t("Ouverts", "Open"),
        View::All => lang.t("Tous", "All"),
    }
}

fn tabs(lang: Lang, query: &QueueQuery, current: View, counts: &Counts) -> Markup {
    html! {
        nav.tabs aria-label=(lang.t("Vues de la file", "Queue views")) {
            @for view in View::ALL {
                @let count = format::number(lang, counts.of(view) as f64, 0);
                @if view == current {
                    a.tab href=(query.link(view, None)) aria-current="page" {
                        (view_label(lang, view)) " " span.count { (count) }
                    }
                } @else {
                    a.tab href=(query.link(view, None)) {
                        (view_label(lang, view)) " " span.count { (count) }
                    }
                }
            }
        }
    }
}

fn selected(value: &Option<String>, option: &str) -> bool {
    filled(value) == Some(option)
}

fn filters(lang: Lang, query: &QueueQuery, view: View, directory: &Directory) -> Markup {
    html! {
        form.filters method="get" action="/console" role="search" {
            input type="hidden" name="view" value=(view.as_str());
            div.field {
                label for="f-q" { (lang.t("Texte", "Text")) }
                input #f-q type="search" name="q" value=[filled(&query.q)] placeholder=(lang.t("titre, description…", "title, description…"));
            }
            div.field {
                label for="f-member" { (lang.t("Adhérent", "Member")) }
                select #f-member name="member_id" {
                    option value="" { (lang.t("Tous", "All")) }
                    @for m in &directory.members {
                        option value=(m.id) selected[selected(&query.member_id, &m.id.to_string())] { (m.code) " · " (m.name) }
                    }
                }
            }
            div.field {
                label for="f-status" { (lang.t("Statut", "Status")) }
                select #f-status name="status" {
                    option value="" { (lang.t("Tous", "All")) }
                    @for s in Status::ALL {
                        option value=(s.as_str()) selected[selected(&query.status, s.as_str())] { (format::status(lang, *s)) }
                    }
                }
            }
            div.field {
                label for="f-priority" { (lang.t("Priorité", "Priority")) }
                select #f-priority name="priority" {
                    option value="" { (lang.t("Toutes", "All")) }
                    @for p in 1..=4i64 {
                        @if let Ok(priority) = crate::domain::ticket::parse_priority(p) {
                            option value=(p) selected[selected(&query.priority, &p.to_string())] { (format::priority(lang, priority)) }
                        }
                    }
                }
            }
            div.field {
                label for="f-category" { (lang.t("Catégorie", "Category")) }
                select #f-category name="category_id" {
                    option value="" { (lang.t("Toutes", "All")) }
                    @for c in &directory.categories {
                        option value=(c.id) selected[selected(&query.category_id, &c.id.to_string())] { (directory.category_path(c.id)) }
                    }
                }
            }
            div.field {
                label for="f-assignee" { (lang.t("Technicien", "Assignee")) }
                select #f-assignee name="assignee_id" {
                    option value="" { (lang.t("Tous", "All")) }
                    @for u in directory.assignable() {
                        option value=(u.id) selected[selected(&query.assignee_id, &u.id.to_string())] { (u.name) }
                    }
                }
            }
            div.field {
                label for="f-origin" { (lang.t("Origine", "Origin")) }
                select #f-origin name="origin" {
                    option value="" { (lang.t("Toutes", "All")) }
                    @for o in Origin::ALL {
                        option value=(o.as_str()) selected[selected(&query.origin, o.as_str())] { (format::origin(lang, *o)) }
                    }
                }
            }
            div.field {
                label for="f-from" { (lang.t("Créés du", "Created from")) }
                input #f-from type="date" name="created_from" value=[filled(&query.created_from)];
            }
            div.field {
                label for="f-to" { (lang.t("au", "to")) }
                input #f-to type="date" name="created_to" value=[filled(&query.created_to)];
            }
            div.field {
                label for="f-sort" { (lang.t("Ordre", "Order")) }
                select #f-sort name="sort" {
                    option value="" { (lang.t("Plus récents", "Newest first")) }
                    option value="due" selected[selected(&query.sort, "due")] { (lang.t("Échéance la plus proche", "Nearest due time")) }
                }
            }
            div.field.actions {
                button type="submit" { (lang.t("Filtrer", "Filter")) }
                a href=(format!("/console?view={}", view.as_str())) { (lang.t("Effacer", "Clear")) }
            }
        }
    }
}

fn priority_class(priority: Priority) -> &'static str {
    match priority.number() {
        1 => "p1",
        2 => "p2",
        3 => "p3",
        _ => "p4",
    }
}

fn table(
    lang: Lang,
    items: &[QueueItem],
    directory: &Directory,
    requesters: &HashMap<i64, String>,
    zone: chrono_tz::Tz,
) -> Markup {
    html! {
        @if !items.is_empty() {
            table.tickets {
                caption.visually-hidden { (lang.t("Tickets de la vue", "Tickets of the view")) }
                thead { tr {
                    th scope="col" { "#" }
                    th scope="col" { (lang.t("Titre", "Title")) }
                    th scope="col" { (lang.t("Adhérent", "Member")) }
                    th scope="col" { (lang.t("Demandeur", "Requester")) }
                    th scope="col" { (lang.t("Statut", "Status")) }
                    th scope="col" { (lang.t("Prio.", "Prio.")) }
                    th scope="col" { (lang.t("Technicien", "Assignee")) }
                    th scope="col" { (lang.t("Créé", "Created")) }
                    th scope="col" { (lang.t("Échéance", "Due")) }
                } }
                tbody {
                    @for item in items {
                        @let t = &item.ticket;
                        tr class=(if item.overdue { "overdue" } else { "" }) {
                            td.num { a href=(format!("/console/tickets/{}", t.id)) { (t.id) } }
                            td.title { a href=(format!("/console/tickets/{}", t.id)) { (t.title) } }
                            td { @if let Some(m) = directory.member(t.member_id) { abbr title=(m.name) { (m.code) } } }
                            td { (requester_label(t, requesters)) }
                            td { span class=(format!("status s-{}", t.status.as_str())) { (format::status(lang, t.status)) } }
                            td { span class=(format!("prio {}", priority_class(t.priority))) { (t.priority.number()) } }
                            td { (t.assignee_id.and_then(|id| directory.staff_name(id)).unwrap_or("—")) }
                            td.when { (format::date_time(lang, t.created_at, zone)) }
                            td.when {
                                @if t.waiting_since.is_some() {
                                    span.paused { (lang.t("en pause", "paused")) }
                                } @else if let Some(due) = item.due_at {
                                    @if item.overdue {
                                        strong.late { (format::date_time(lang, due, zone)) }
                                    } @else {
                                        (format::date_time(lang, due, zone))
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

/// The requester's name: the known user's, or the one typed when the call was taken.
pub fn requester_label(
    ticket: &crate::db::tickets::Ticket,
    names: &HashMap<i64, String>,
) -> String {
    ticket
        .requester_id
        .and_then(|id| names.get(&id).cloned())
        .or_else(|| ticket.requester_name.clone())
        .unwrap_or_default()
}
