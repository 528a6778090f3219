//! A call being taken (`/console/tickets/new`): the member and the caller, the problem, and
//! what follows (the queue, a technician, the service's choice, or solved on the line).

use actix_web::http::StatusCode;
use actix_web::web;
use maud::{html, Markup};
use serde::{Deserialize, Serialize};

use crate::api::tickets::parse_ticket_fields;
use crate::api::State;
use crate::desk::directory::{self, Caller, Directory};
use crate::desk::tickets::{AfterCall, Assignee, IdempotencyKey};
use crate::domain::ticket::{Channel, Origin, TicketType};
use crate::domain::time::today;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::{digest_of, filled, random_key, Form, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/tickets/new", web::get().to(new_call))
        .route("/console/tickets", web::post().to(take_call));
}

/// The call form as sent; every field is text, parsed by the handler.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct CallForm {
    #[serde(skip_serializing)]
    csrf: Option<String>,
    /// A random key written into the form: a form sent twice files one ticket.
    submission: Option<String>,
    member_id: Option<String>,
    requester_id: Option<String>,
    requester_name: Option<String>,
    requester_phone: Option<String>,
    requester_email: Option<String>,
    title: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    ticket_type: Option<String>,
    category_id: Option<String>,
    priority: Option<String>,
    channel: Option<String>,
    origin: Option<String>,
    technician_id: Option<String>,
    resolved: Option<String>,
    minutes: Option<String>,
}

const SHOWN: &[&str] = &[
    "member_id",
    "requester_id",
    "requester_name",
    "requester_phone",
    "requester_email",
    "title",
    "description",
    "type",
    "category_id",
    "priority",
    "channel",
    "origin",
    "technician_id",
    "minutes",
];

async fn new_call(state: State, viewer: Viewer) -> Answer {
    viewer.require_staff()?;
    let (directory, callers) = state
        .run(|conn| Ok((Directory::load(conn)?, directory::callers(conn)?)))
        .await?;
    let form = CallForm {
        submission: Some(random_key()),
        ..CallForm::default()
    };
    Ok(page(&viewer, &form, &directory, &callers, &FormErrors::default()).ok())
}

async fn take_call(state: State, viewer: Viewer, form: Form<CallForm>) -> Answer {
    viewer.require_staff()?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let (directory, callers) = state
        .run(|conn| Ok((Directory::load(conn)?, directory::callers(conn)?)))
        .await?;
    let parsed = parse(&form, &directory, &callers, lang);
    let (draft, then) = match parsed {
        Ok(parsed) => parsed,
        Err(errors) => {
            let errors = FormErrors::new(lang, &errors, SHOWN);
            return Ok(page(&viewer, &form, &directory, &callers, &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let key = filled(&form.submission).map(|k| IdempotencyKey {
        key: format!("console:{}", k.chars().take(64).collect::<String>()),
        request_hash: digest_of(&form),
    });
    let actor = viewer.actor;
    let policy = state.policy.clone();
    let zone = state.zone();
    state.check_prepared()?;
    let outcome = state
        .run(move |conn| {
            crate::desk::tickets::take_call(
                conn,
                &draft,
                &then,
                key.as_ref(),
                &actor,
                &policy,
                today(zone),
            )
        })
        .await;
    match outcome {
        Ok(ticket) => {
            state.metrics.ticket_filed();
            Ok(see_other(&format!("/console/tickets/{}", ticket.id)))
        }
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, SHOWN);
            Ok(page(&viewer, &form, &directory, &callers, &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(AppError::Conflict { message, .. }) => {
            let errors = FormErrors::one(lang.message(&message));
            Ok(page(&viewer, &form, &directory, &callers, &errors).respond(StatusCode::CONFLICT))
        }
        Err(other) => Err(other),
    }
}

fn parse(
    form: &CallForm,
    directory: &Directory,
    callers: &[Caller],
    lang: Lang,
) -> Result<(crate::desk::tickets::TicketDraft, AfterCall), Vec<FieldError>> {
    let mut checks = Checks::new();
    let member = match filled(&form.member_id) {
        None => {
            checks.push(FieldError::new("member_id", "is required"));
            None
        }
        Some(given) => match directory.find_member(given) {
            Some(member) => Some(member),
            None => {
                checks.push(FieldError::new(
                    "member_id",
                    lang.t(
                        "aucun adhérent, ou plusieurs, répondent à ce texte : choisissez-le dans la liste",
                        "no member, or more than one, answers to this text: pick one from the list",
                    ),
                ));
                None
            }
        },
    };
    let requester = filled(&form.requester_id).and_then(|given| {
        // By e-mail or id, or by the name of one of the member's agents.
        let found = callers
            .iter()
            .find(|c| {
                c.email.eq_ignore_ascii_case(given) || given.parse::<i64>().ok() == Some(c.id)
            })
            .or_else(|| {
                let mut named = callers.iter().filter(|c| {
                    c.name.to_lowercase() == given.to_lowercase()
                        && member.is_none_or(|m| c.member_id == Some(m.id))
                });
                match (named.next(), named.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            });
        match found {
            None => {
                checks.push(FieldError::new(
                    "requester_id",
                    lang.t(
                        "appelant inconnu : choisissez-le dans la liste, ou saisissez son nom et son téléphone",
                        "unknown caller: pick one from the list, or type their name and phone",
                    ),
                ));
                None
            }
            Some(caller) if member.is_some_and(|m| caller.member_id != Some(m.id)) => {
                checks.push(FieldError::new(
                    "requester_id",
                    lang.t(
                        "cet appelant n'est pas un agent de cet adhérent",
                        "this caller is not an agent of this member",
                    ),
                ));
                None
            }
            Some(caller) => Some(caller),
        }
    });
    if requester.is_none()
        && filled(&form.requester_id).is_none()
        && filled(&form.requester_name).is_none()
    {
        checks.push(FieldError::new(
            "requester_name",
            lang.t(
                "choisissez un appelant connu ou saisissez le nom de l'appelant",
                "pick a known caller or type the caller's name",
            ),
        ));
    }
    let priority = match filled(&form.priority) {
        None => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                checks.push(FieldError::new("priority", "must be 1, 2, 3 or 4"));
                None
            }
        },
    };
    let parsed = parse_ticket_fields(
        &mut checks,
        form.title.as_deref().unwrap_or(""),
        form.description.as_deref().unwrap_or(""),
        filled(&form.ticket_type),
        priority,
        filled(&form.origin),
        Some(filled(&form.channel).unwrap_or("phone")),
        [
            form.requester_name.as_deref(),
            form.requester_email.as_deref(),
            form.requester_phone.as_deref(),
        ],
    );
    let category_id = checks
        .take_opt(filled(&form.category_id), |raw| {
            crate::api::parse_id("category_id", raw)
        })
        .flatten();
    let resolved = form.resolved.is_some();
    let minutes = checks
        .take_opt(filled(&form.minutes), |raw| {
            raw.parse::<i64>()
                .ok()
                .filter(|m| (1..=1440).contains(m))
                .ok_or_else(|| {
                    FieldError::new("minutes", "must be a number of minutes from 1 to 1440")
                })
        })
        .flatten();
    let then = match (resolved, filled(&form.technician_id)) {
        (true, Some(_)) => {
            checks.push(FieldError::new(
                "technician_id",
                lang.t(
                    "un appel résolu en ligne n'est pas attribué à un autre",
                    "a call solved on the line is not assigned to someone else",
                ),
            ));
            AfterCall::Queue
        }
        (true, None) => AfterCall::Resolved {
            note: minutes.map(|m| match lang {
                Lang::Fr => format!("Résolu pendant l'appel ({}).", format::minutes(m)),
                Lang::En => format!("Solved during the call ({}).", format::minutes(m)),
            }),
        },
        (false, None) => AfterCall::Queue,
        (false, Some("auto")) => AfterCall::Assign(Assignee::Chosen),
        (false, Some(raw)) => match raw
            .parse::<i64>()
            .ok()
            .filter(|id| directory.assignable().any(|u| u.id == *id))
        {
            Some(id) => AfterCall::Assign(Assignee::Technician(id)),
            None => {
                checks.push(FieldError::new(
                    "technician_id",
                    lang.t("technicien inconnu", "unknown technician"),
                ));
                AfterCall::Queue
            }
        },
    };
    if minutes.is_some() && !resolved {
        checks.push(FieldError::new(
            "minutes",
            lang.t(
                "les minutes vont avec un appel résolu en ligne",
                "minutes go with a call solved on the line",
            ),
        ));
    }
    checks.finish()?;
    let member_id = member.map(|m| m.id).unwrap_or_default();
    let draft = parsed.into_draft(member_id, requester.map(|c| c.id), category_id);
    Ok((draft, then))
}

fn page<'a>(
    viewer: &'a Viewer,
    form: &CallForm,
    directory: &Directory,
    callers: &[Caller],
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let sel = |v: &Option<String>, option: &str, default: bool| match filled(v) {
        Some(given) => given == option,
        None => default,
    };
    let input = |id: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 v: &Option<String>,
                 extra: Markup| {
        let (describedby, invalid) = described(id, errors.get(id));
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) name=(id) type=(kind) value=(value(v)) aria-describedby=[describedby] aria-invalid=[invalid];
                (extra)
                (field_error(id, errors.get(id)))
            }
        }
    };
    let member_field = {
        let (describedby, invalid) = described("member_id", errors.get("member_id"));
        html! {
            div.field {
                label for="member_id" { (lang.t("Adhérent (code ou nom)", "Member (code or name)")) }
                input #member_id name="member_id" list="member-list" value=(value(&form.member_id)) required autofocus autocomplete="off"
                    aria-describedby=[describedby] aria-invalid=[invalid];
                datalist #member-list {
                    @for m in directory.members.iter().filter(|m| m.left_on.is_none()) {
                        option value=(m.code) data-id=(m.id) { (m.name) }
                    }
                }
                (field_error("member_id", errors.get("member_id")))
            }
        }
    };
    let caller_field = {
        let (describedby, invalid) = described("requester_id", errors.get("requester_id"));
        html! {
            div.field {
                label for="requester_id" { (lang.t("Appelant connu (nom ou e-mail)", "Known caller (name or e-mail)")) }
                input #requester_id name="requester_id" list="caller-list" value=(value(&form.requester_id)) autocomplete="off"
                    aria-describedby=[describedby] aria-invalid=[invalid];
                datalist #caller-list {
                    @for c in callers {
                        option value=(c.email) data-member=[c.member_id] { (c.name) }
                    }
                }
                (field_error("requester_id", errors.get("requester_id")))
            }
        }
    };
    let body = html! {
        h1 { (lang.t("Appel en cours", "Call being taken")) }
        @if !errors.general.is_empty() {
            div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
        } @else if !errors.is_empty() {
            div.form-error role="alert" { p { (lang.t("Le ticket n'est pas enregistré : corrigez les champs signalés.", "The ticket is not saved: correct the fields marked.")) } }
        }
        form #call-form method="post" action="/console/tickets" {
            (csrf_field(viewer))
            input type="hidden" name="submission" value=(value(&form.submission));
            section {
                h2 { (lang.t("Qui appelle", "Who is calling")) }
                div.row {
                    (member_field)
                    (caller_field)
                }
                div.row {
                    (input("requester_name", lang.t("ou nom de l'appelant", "or the caller's name"), "text", &form.requester_name, html!{}))
                    (input("requester_phone", lang.t("Téléphone", "Phone"), "tel", &form.requester_phone, html!{}))
                    (input("requester_email", lang.t("E-mail", "E-mail"), "email", &form.requester_email, html!{}))
                }
            }
            section {
                h2 { (lang.t("Le problème", "The problem")) }
                (input("title", lang.t("Titre", "Title"), "text", &form.title, html!{}))
                div.field {
                    label for="description" { (lang.t("Description", "Description")) }
                    @let (describedby, invalid) = described("description", errors.get("description"));
                    textarea #description name="description" rows="5" aria-describedby=[describedby] aria-invalid=[invalid] { (value(&form.description)) }
                    (field_error("description", errors.get("description")))
                }
                div.row {
                    div.field {
                        label for="category_id" { (lang.t("Catégorie", "Category")) }
                        select #category_id name="category_id" {
                            option value="" { "—" }
                            @for c in directory.offered_categories().filter(|c| c.parent_id.is_none()) {
                                optgroup label=(c.name) {
                                    option value=(c.id) selected[sel(&form.category_id, &c.id.to_string(), false)] { (c.name) }
                                    @for child in directory.offered_categories().filter(|x| x.parent_id == Some(c.id)) {
                                        option value=(child.id) selected[sel(&form.category_id, &child.id.to_string(), false)] { (c.name) " › " (child.name) }
                                    }
                                }
                            }
                        }
                        (field_error("category_id", errors.get("category_id")))
                    }
                    div.field {
                        label for="priority" { (lang.t("Priorité", "Priority")) }
                        select #priority name="priority" {
                            @for p in 1..=4i64 {
                                @if let Ok(priority) = crate::domain::ticket::parse_priority(p) {
                                    option value=(p) selected[sel(&form.priority, &p.to_string(), p == 3)] { (format::priority(lang, priority)) }
                                }
                            }
                        }
                        (field_error("priority", errors.get("priority")))
                    }
                    div.field {
                        label for="type" { (lang.t("Type", "Type")) }
                        select #type name="type" {
                            @for t in TicketType::ALL {
                                option value=(t.as_str()) selected[sel(&form.ticket_type, t.as_str(), *t == TicketType::Incident)] { (format::ticket_type(lang, *t)) }
                            }
                        }
                        (field_error("type", errors.get("type")))
                    }
                    div.field {
                        label for="channel" { (lang.t("Canal", "Channel")) }
                        select #channel name="channel" {
                            @for c in Channel::ALL {
                                option value=(c.as_str()) selected[sel(&form.channel, c.as_str(), *c == Channel::Phone)] { (format::channel(lang, *c)) }
                            }
                        }
                        (field_error("channel", errors.get("channel")))
                    }
                    div.field {
                        label for="origin" { (lang.t("Origine", "Origin")) }
                        select #origin name="origin" {
                            @for o in Origin::ALL {
                                option value=(o.as_str()) selected[sel(&form.origin, o.as_str(), *o == Origin::Hotline)] { (format::origin(lang, *o)) }
                            }
                        }
                        (field_error("origin", errors.get("origin")))
                    }
                }
            }
            section {
                h2 { (lang.t("Ensuite", "Then")) }
                div.row {
                    div.field {
                        label for="technician_id" { (lang.t("Attribuer à", "Assign to")) }
                        @let (describedby, invalid) = described("technician_id", errors.get("technician_id"));
                        select #technician_id name="technician_id" aria-describedby=[describedby] aria-invalid=[invalid] {
                            option value="" { (lang.t("Personne : il reste dans la file", "Nobody: it stays in the queue")) }
                            option value="auto" selected[sel(&form.technician_id, "auto", false)] { (lang.t("Au choix du service (posté chez l'adhérent, sinon le moins chargé)", "The service's choice (posted at the member, else the least loaded)")) }
                            @for u in directory.assignable() {
                                option value=(u.id) selected[sel(&form.technician_id, &u.id.to_string(), false)] { (u.name) " · " (format::role(lang, u.role)) }
                            }
                        }
                        (field_error("technician_id", errors.get("technician_id")))
                    }
                    div.field {
                        span.label { (lang.t("Résolu en ligne", "Solved on the line")) }
                        div.check {
                            input #resolved type="checkbox" name="resolved" value="on" checked[form.resolved.is_some()];
                            label for="resolved" { (lang.t("Résolu pendant l'appel", "Solved during the call")) }
                        }
                    }
                    (input("minutes", lang.t("Durée de l'appel (minutes)", "Call length (minutes)"), "number", &form.minutes, html!{}))
                }
                button.primary type="submit" accesskey="s" { (lang.t("Enregistrer l'appel", "Save the call")) }
            }
        }
    };
    Page {
        title: lang.t("Nouvel appel", "New call").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::NewCall,
        body,
    }
}
