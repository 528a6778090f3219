//! The frame of every page: the head, the bar with the sections a role may open, the
//! language switch and the log-out button.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use maud::{html, Markup, DOCTYPE};

use crate::web::assets;
use crate::web::i18n::Lang;
use crate::web::session::Viewer;

/// The sections of the bar; the page's own is marked as current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Queue,
    NewCall,
    MyDay,
    WorkLogs,
    Stats,
    Admin,
    Portal,
    PortalNew,
    None,
}

/// A whole page: its title, who sees it, and its content.
pub struct Page<'a> {
    pub title: String,
    pub viewer: Option<&'a Viewer>,
    pub lang: Lang,
    pub section: Section,
    pub body: Markup,
}

impl Page<'_> {
    pub fn render(self) -> Markup {
        let lang = self.lang;
        html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · " (lang.t("Assistance", "Helpdesk")) }
                    link rel="stylesheet" href=(*assets::CSS_PATH);
                    link rel="icon" href=(*assets::ICON_PATH) type="image/svg+xml";
                    script src=(*assets::JS_PATH) defer {}
                }
                body {
                    a.skip href="#main" { (lang.t("Aller au contenu", "Skip to content")) }
                    @if let Some(viewer) = self.viewer {
                        (bar(viewer, self.section))
                    } @else {
                        header.bar { span.brand { (lang.t("Assistance postes de travail", "Workstation helpdesk")) } }
                    }
                    main #main { (self.body) }
                }
            }
        }
    }

    /// The page as an answer with this status, never kept by a cache.
    pub fn respond(self, status: StatusCode) -> HttpResponse {
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(self.render().into_string())
    }

    pub fn ok(self) -> HttpResponse {
        self.respond(StatusCode::OK)
    }
}

fn bar(viewer: &Viewer, current: Section) -> Markup {
    let lang = viewer.lang;
    let staff = viewer.actor.role.is_staff();
    let link = |section: Section, href: &'static str, label: &'static str| {
        html! {
            @if section == current {
                a href=(href) aria-current="page" { (label) }
            } @else {
                a href=(href) { (label) }
            }
        }
    };
    let other = match lang {
        Lang::Fr => Lang::En,
        Lang::En => Lang::Fr,
    };
    html! {
        header.bar {
            a.brand href="/" { (lang.t("Assistance", "Helpdesk")) }
            @if staff {
                nav aria-label=(lang.t("Sections", "Sections")) {
                    (link(Section::Queue, "/console", lang.t("File", "Queue")))
                    (link(Section::NewCall, "/console/tickets/new", lang.t("Nouvel appel", "New call")))
                    (link(Section::MyDay, "/console/me", lang.t("Ma journée", "My day")))
                    (link(Section::WorkLogs, "/console/work-logs", lang.t("Temps passés", "Work logs")))
                    (link(Section::Stats, "/console/stats", lang.t("Statistiques", "Statistics")))
                    @if viewer.actor.role.manages_directory() {
                        (link(Section::Admin, "/console/members", lang.t("Administration", "Administration")))
                    }
                }
            } @else {
                nav aria-label=(lang.t("Sections", "Sections")) {
                    (link(Section::Portal, "/portal", lang.t("Nos demandes", "Our requests")))
                    (link(Section::PortalNew, "/portal/tickets/new", lang.t("Nouvelle demande", "New request")))
                }
            }
            div.who {
                span.name { (viewer.name) }
                form method="post" action="/preferences/language" {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    input type="hidden" name="language" value=(other.code());
                    button.link type="submit" lang=(other.code()) title=(lang.t("Changer de langue", "Change language")) {
                        (other.t("Français", "English"))
                    }
                }
                form method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(viewer.csrf);
                    button.link type="submit" { (lang.t("Se déconnecter", "Log out")) }
                }
            }
        }
    }
}

/// A hidden field with the session's form token.
pub fn csrf_field(viewer: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(viewer.csrf); }
}

/// The message beside a field, when it has one; tied to it by `aria-describedby`.
pub fn field_error(id: &str, message: Option<&String>) -> Markup {
    html! {
        @if let Some(message) = message {
            p.field-error id=(format!("{id}-error")) { (message) }
        }
    }
}

/// `aria-describedby` and `aria-invalid` of a field with an error.
pub fn described(id: &str, message: Option<&String>) -> (Option<String>, Option<&'static str>) {
    match message {
        Some(_) => (Some(format!("{id}-error")), Some("true")),
        None => (None, None),
    }
}
