//! Administration for managers and admins: the members (`/console/members`), with the API's
//! fields and rules, its messages beside the fields.

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::Deserialize;

use crate::api::{path_id, Segment, State};
use crate::db;
use crate::db::members::Member;
use crate::desk::members::{MemberInput, MemberPatch};
use crate::domain::member::MemberKind;
use crate::domain::{Checks, FieldError};
use crate::error::AppError;
use crate::web::format;
use crate::web::forms::{filled, Form, FormErrors};
use crate::web::i18n::Lang;
use crate::web::layout::{csrf_field, described, field_error, Page, Section};
use crate::web::session::Viewer;
use crate::web::{see_other, Answer};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/members", web::get().to(members))
        .route("/console/members", web::post().to(create_member))
        .route("/console/members/new", web::get().to(new_member))
        .route("/console/members/{id}", web::get().to(edit_member))
        .route("/console/members/{id}", web::post().to(update_member));
}

/// Only managers and admins manage the directory.
fn require_manager(viewer: &Viewer) -> Result<(), AppError> {
    viewer.require_staff()?;
    if viewer.actor.role.manages_directory() {
        Ok(())
    } else {
        Err(AppError::forbidden("this needs a manager or an admin"))
    }
}

/// The tabs of the administration.
fn admin_tabs(lang: Lang, current: &str) -> Markup {
    let tabs = [
        ("/console/members", lang.t("Adhérents", "Members")),
        ("/console/users", lang.t("Comptes", "Accounts")),
        ("/console/categories", lang.t("Catégories", "Categories")),
    ];
    html! {
        nav.tabs aria-label=(lang.t("Administration", "Administration")) {
            @for (href, label) in tabs {
                @if href == current {
                    a.tab href=(href) aria-current="page" { (label) }
                } @else {
                    a.tab href=(href) { (label) }
                }
            }
        }
    }
}

fn kind_label(lang: Lang, kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::City => lang.t("Commune", "City"),
        MemberKind::HousingOffice => lang.t("Office de l'habitat", "Housing office"),
        MemberKind::Territory => lang.t("Territoire", "Territory"),
        MemberKind::Syndicate => lang.t("Syndicat", "Syndicate"),
        MemberKind::PublicBody => lang.t("Établissement public", "Public body"),
        MemberKind::School => lang.t("Établissement scolaire", "School"),
        MemberKind::Internal => lang.t("Interne", "Internal"),
    }
}

async fn members(state: State, viewer: Viewer) -> Answer {
    require_manager(&viewer)?;
    let lang = viewer.lang;
    let mut members = state.run(|conn| Ok(db::members::all(conn)?)).await?;
    members.sort_by(|a, b| a.record.code.cmp(&b.record.code));
    let day = |d: Option<NaiveDate>| d.map(|d| format::date(lang, d)).unwrap_or_default();
    let body = html! {
        div.queue-head {
            h1 { (lang.t("Administration", "Administration")) }
            a.button.primary href="/console/members/new" { (lang.t("Nouvel adhérent", "New member")) }
        }
        (admin_tabs(lang, "/console/members"))
        div.scroll {
            table.data {
                thead {
                    tr {
                        th scope="col" { (lang.t("Code", "Code")) }
                        th scope="col" { (lang.t("Nom", "Name")) }
                        th scope="col" { (lang.t("Type", "Kind")) }
                        th scope="col" { (lang.t("Hotline", "Hotline")) }
                        th scope="col" { (lang.t("Adhésion", "Joined")) }
                        th scope="col" { (lang.t("Départ", "Left")) }
                    }
                }
                tbody {
                    @for m in &members {
                        tr {
                            td { a href=(format!("/console/members/{}", m.id)) { (m.record.code) } }
                            td { (m.record.name) }
                            td { (kind_label(lang, m.record.kind)) }
                            td { (if m.record.uses_hotline { lang.t("oui", "yes") } else { lang.t("non", "no") }) }
                            td.when { (day(m.record.joined_on)) }
                            td.when { (day(m.record.left_on)) }
                        }
                    }
                }
            }
        }
    };
    Ok(Page {
        title: lang.t("Adhérents", "Members").to_string(),
        viewer: Some(&viewer),
        lang,
        section: Section::Admin,
        body,
    }
    .ok())
}

/// The member form as sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct MemberForm {
    csrf: Option<String>,
    code: Option<String>,
    name: Option<String>,
    kind: Option<String>,
    uses_hotline: Option<String>,
    joined_on: Option<String>,
    left_on: Option<String>,
}

impl MemberForm {
    fn of(member: &Member) -> MemberForm {
        let m = &member.record;
        MemberForm {
            csrf: None,
            code: Some(m.code.clone()),
            name: Some(m.name.clone()),
            kind: Some(m.kind.as_str().to_string()),
            uses_hotline: m.uses_hotline.then(|| "on".to_string()),
            joined_on: m.joined_on.map(|d| d.to_string()),
            left_on: m.left_on.map(|d| d.to_string()),
        }
    }
}

const MEMBER_FIELDS: &[&str] = &["code", "name", "kind", "joined_on", "left_on"];

/// A day as a date field sends it; empty is none.
fn day_field(checks: &mut Checks, field: &'static str, raw: &Option<String>) -> Option<NaiveDate> {
    let raw = filled(raw)?;
    checks.take(
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map_err(|_| FieldError::new(field, "must be a date (YYYY-MM-DD)")),
    )
}

async fn new_member(viewer: Viewer) -> Answer {
    require_manager(&viewer)?;
    let form = MemberForm {
        uses_hotline: Some("on".into()),
        kind: Some(MemberKind::City.as_str().into()),
        ..MemberForm::default()
    };
    Ok(member_page(&viewer, None, &form, &FormErrors::default()).ok())
}

/// `?saved=1` after a form that was saved.
#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn edit_member(
    state: State,
    viewer: Viewer,
    id: Segment,
    query: web::Query<SavedQuery>,
) -> Answer {
    require_manager(&viewer)?;
    let member = find_member(&state, &id).await?;
    let mut page = member_page(
        &viewer,
        Some(&member),
        &MemberForm::of(&member),
        &FormErrors::default(),
    );
    if query.saved.is_some() {
        page.body = html! {
            p.notice.ok role="status" { (viewer.lang.t("Enregistré.", "Saved.")) }
            (page.body)
        };
    }
    Ok(page.ok())
}

async fn find_member(state: &State, id: &Segment) -> Result<Member, AppError> {
    let id = path_id(id, "member")?;
    state
        .run(move |conn| Ok(db::members::find(conn, id)?))
        .await?
        .ok_or_else(|| AppError::not_found(format!("member {id}")))
}

fn member_page<'a>(
    viewer: &'a Viewer,
    member: Option<&Member>,
    form: &MemberForm,
    errors: &FormErrors,
) -> Page<'a> {
    let lang = viewer.lang;
    let error = |field: &str| errors.get(field);
    let (code_help, code_invalid) = described("code", error("code"));
    let (name_help, name_invalid) = described("name", error("name"));
    let (kind_help, kind_invalid) = described("kind", error("kind"));
    let (joined_help, joined_invalid) = described("joined_on", error("joined_on"));
    let (left_help, left_invalid) = described("left_on", error("left_on"));
    let action = member.map_or_else(
        || "/console/members".to_string(),
        |m| format!("/console/members/{}", m.id),
    );
    let title = match member {
        Some(m) => format!("{} · {}", m.record.code, m.record.name),
        None => lang.t("Nouvel adhérent", "New member").to_string(),
    };
    let body = html! {
        p { a href="/console/members" { (lang.t("← Adhérents", "← Members")) } }
        h1 { (title) }
        @if !errors.general.is_empty() {
            div.form-error role="alert" { @for e in &errors.general { p { (e) } } }
        }
        form.panel #member-form method="post" action=(action) novalidate {
            (csrf_field(viewer))
            div.row {
                div.field {
                    label for="code" { (lang.t("Code", "Code")) }
                    @if member.is_some() {
                        input #code type="text" value=[filled(&form.code)] readonly;
                    } @else {
                        input #code name="code" type="text" maxlength="40" required autofocus
                            value=[filled(&form.code)] aria-describedby=[code_help] aria-invalid=[code_invalid];
                    }
                    (field_error("code", error("code")))
                }
                div.field {
                    label for="name" { (lang.t("Nom", "Name")) }
                    input #name name="name" type="text" maxlength="200" required
                        value=[filled(&form.name)] aria-describedby=[name_help] aria-invalid=[name_invalid];
                    (field_error("name", error("name")))
                }
                div.field {
                    label for="kind" { (lang.t("Type", "Kind")) }
                    select #kind name="kind" aria-describedby=[kind_help] aria-invalid=[kind_invalid] {
                        @for kind in MemberKind::ALL {
                            option value=(kind.as_str()) selected[filled(&form.kind) == Some(kind.as_str())] { (kind_label(lang, *kind)) }
                        }
                    }
                    (field_error("kind", error("kind")))
                }
            }
            div.row {
                div.field {
                    label for="joined_on" { (lang.t("Adhésion le", "Joined on")) }
                    input #joined_on name="joined_on" type="date" value=[filled(&form.joined_on)]
                        aria-describedby=[joined_help] aria-invalid=[joined_invalid];
                    (field_error("joined_on", error("joined_on")))
                }
                div.field {
                    label for="left_on" { (lang.t("Départ le", "Left on")) }
                    input #left_on name="left_on" type="date" value=[filled(&form.left_on)]
                        aria-describedby=[left_help] aria-invalid=[left_invalid];
                    (field_error("left_on", error("left_on")))
                }
                div.field.check {
                    input #uses_hotline name="uses_hotline" type="checkbox" checked[form.uses_hotline.is_some()];
                    label for="uses_hotline" { (lang.t("Utilise la hotline", "Uses the hotline")) }
                }
            }
            div.field.actions {
                button.primary type="submit" { (lang.t("Enregistrer", "Save")) }
                a href="/console/members" { (lang.t("Annuler", "Cancel")) }
            }
        }
    };
    Page {
        title: lang.t("Adhérent", "Member").to_string(),
        viewer: Some(viewer),
        lang,
        section: Section::Admin,
        body,
    }
}

async fn create_member(state: State, viewer: Viewer, form: Form<MemberForm>) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let joined_on = day_field(&mut checks, "joined_on", &form.joined_on);
    let left_on = day_field(&mut checks, "left_on", &form.left_on);
    let input = MemberInput {
        code: form.code.clone().unwrap_or_default(),
        name: form.name.clone().unwrap_or_default(),
        kind: form.kind.clone().unwrap_or_default(),
        uses_hotline: Some(form.uses_hotline.is_some()),
        joined_on,
        left_on,
    };
    let outcome = match checks.finish() {
        Err(errors) => Err(AppError::Validation(errors)),
        Ok(()) => {
            state
                .run(move |conn| crate::desk::members::create(conn, &input))
                .await
        }
    };
    match outcome {
        Ok(member) => Ok(see_other(&format!(
            "/console/members/{}?saved=1",
            member.id
        ))),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, MEMBER_FIELDS);
            Ok(
                member_page(&viewer, None, &form, &errors)
                    .respond(StatusCode::UNPROCESSABLE_ENTITY),
            )
        }
        Err(AppError::Conflict { message, .. }) => {
            let errors = FormErrors::new(lang, &[FieldError::new("code", message)], MEMBER_FIELDS);
            Ok(member_page(&viewer, None, &form, &errors).respond(StatusCode::CONFLICT))
        }
        Err(other) => Err(other),
    }
}

async fn update_member(
    state: State,
    viewer: Viewer,
    id: Segment,
    form: Form<MemberForm>,
) -> Answer {
    require_manager(&viewer)?;
    viewer.check_csrf(form.csrf.as_deref())?;
    let current = find_member(&state, &id).await?;
    let form = form.into_inner();
    let lang = viewer.lang;
    let mut checks = Checks::new();
    let joined_on = day_field(&mut checks, "joined_on", &form.joined_on);
    let left_on = day_field(&mut checks, "left_on", &form.left_on);
    let patch = MemberPatch {
        name: Some(form.name.clone().unwrap_or_default()),
        kind: Some(form.kind.clone().unwrap_or_default()),
        uses_hotline: Some(form.uses_hotline.is_some()),
        joined_on: Some(joined_on),
        left_on: Some(left_on),
    };
    let shown = current.clone();
    let outcome = state
        .run(move |conn| crate::desk::members::update(conn, &current, &patch, checks))
        .await;
    match outcome {
        Ok(member) => Ok(see_other(&format!(
            "/console/members/{}?saved=1",
            member.id
        ))),
        Err(AppError::Validation(errors)) => {
            let errors = FormErrors::new(lang, &errors, MEMBER_FIELDS);
            let form = MemberForm {
                code: Some(shown.record.code.clone()),
                ..form
            };
            Ok(member_page(&viewer, Some(&shown), &form, &errors)
                .respond(StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(other) => Err(other),
    }
}
